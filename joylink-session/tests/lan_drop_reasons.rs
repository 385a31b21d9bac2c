//! One crafted datagram per `DropReason` the LAN machines give: each is refused with exactly
//! that reason (so the C ABI can map a replay to `JL_ERR_REPLAY` and the rest as before), and a
//! decryption failure stays the one indistinguishable `Crypto(Decrypt)`.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use joylink_crypto::{KeyPair, LocalKey, Mode};
use joylink_session::lan::{
    Activation, App, Device, DeviceInfo, Event, FixedStr, Gateway, ScanPolicy, SocketAddr,
};
use joylink_session::{DropReason, Error, Instant};
use joylink_test_vectors::{TestRng, by_id, hex_field, vectors};
use joylink_wire::{BizCode, Control, EncType, FixedText, Header, Magic, PacketType, lan};

const LOCALKEY: &str = "be4d957a4da771d609ab383e548014a0";

fn app_addr() -> SocketAddr {
    "192.168.1.10:5000".parse().unwrap()
}

fn dev_addr() -> SocketAddr {
    "192.168.1.20:4320".parse().unwrap()
}

fn activation() -> Activation {
    Activation {
        feed_id: FixedStr::new("7882708419766653").unwrap(),
        accesskey: "961745eaa28c7ff6854b94a91ce19a91".parse().unwrap(),
        localkey: LOCALKEY.parse().unwrap(),
        server: FixedStr::EMPTY,
    }
}

fn activated() -> Device {
    let mut dev: Device = Device::new(KeyPair::generate(&mut TestRng(5)), DeviceInfo::default());
    dev.set_activation(Some(activation()));
    dev
}

/// `plain` (timestamp first where the type has one) sealed under `header` with `mode`.
fn sealed(header: &Header, mode: &Mode<'_>, plain: &[u8]) -> Vec<u8> {
    let mut buf = vec![0u8; joylink_crypto::sealed_len(mode, 0, plain.len())];
    buf[16..16 + plain.len()].copy_from_slice(plain);
    let n = joylink_crypto::seal(header, mode, 0, plain.len(), &mut buf).unwrap();
    buf.truncate(n);
    buf
}

/// A type-4 script control from the app: timestamp, biz_code 1002, serial, `cmd`.
fn script(ts: u32, serial: u32, cmd: &[u8]) -> Vec<u8> {
    let key: LocalKey = LOCALKEY.parse().unwrap();
    let body = Control {
        timestamp: ts,
        biz_code: BizCode::Control,
        serial,
        data: cmd,
    };
    let mut plain = vec![0u8; body.buffer_len()];
    body.emit(&mut plain).unwrap();
    let header = Header::new(Magic::Lan, PacketType::ScriptControl, EncType::PreShared);
    sealed(&header, &Mode::LocalKey(&key), &plain)
}

fn dropped(reason: DropReason) -> Result<Option<Event<'static>>, Error> {
    Err(Error::Dropped(reason))
}

#[test]
fn a_request_with_the_same_timestamp_again_is_replayed() {
    let mut dev = activated();
    let mut first = script(11, 1, b"power=1");
    assert!(matches!(
        dev.handle(Instant(0), app_addr(), &mut first),
        Ok(Some(Event::Request(_)))
    ));
    // A new serial and body, but the timestamp of the last accepted request.
    let mut again = script(11, 2, b"power=0");
    assert_eq!(
        dev.handle(Instant(1), app_addr(), &mut again),
        dropped(DropReason::Replayed)
    );
    // An older one too (the default policy wants strictly newer).
    let mut older = script(10, 3, b"power=0");
    assert_eq!(
        dev.handle(Instant(1), app_addr(), &mut older),
        dropped(DropReason::Replayed)
    );
    assert!(DropReason::Replayed.is_replay());
}

#[test]
fn a_wan_packet_or_a_type_the_device_does_not_serve_is_unsupported() {
    let mut dev = activated();
    let header = Header::new(Magic::Wan, PacketType::ScriptControl, EncType::None);
    let mut wan = sealed(&header, &Mode::None, &[0, 0, 0, 0]);
    assert_eq!(
        dev.handle(Instant(0), app_addr(), &mut wan),
        dropped(DropReason::Unsupported)
    );
    // A sub-device control to a device that is not a gateway.
    let key: LocalKey = LOCALKEY.parse().unwrap();
    let header = Header::new(
        Magic::Lan,
        PacketType::SubDevJsonControl,
        EncType::PreShared,
    );
    let mut sub = sealed(&header, &Mode::LocalKey(&key), b"\x05\0\0\0{}");
    assert_eq!(
        dev.handle(Instant(0), app_addr(), &mut sub),
        dropped(DropReason::Unsupported)
    );
    assert!(!DropReason::Unsupported.is_replay());
}

#[test]
fn a_fragment_is_not_reassembled_by_a_device() {
    let mut dev = activated();
    let key: LocalKey = LOCALKEY.parse().unwrap();
    let mut header = Header::new(Magic::Lan, PacketType::ScriptControl, EncType::PreShared);
    header.total = 2;
    header.index = 1;
    let mut frag = sealed(
        &header,
        &Mode::LocalKey(&key),
        b"\x05\0\0\0\xea\x03\0\0\x01\0\0\0x",
    );
    assert_eq!(
        dev.handle(Instant(0), app_addr(), &mut frag),
        dropped(DropReason::Fragment)
    );
}

#[test]
fn a_control_in_clear_has_an_enctype_not_allowed() {
    let mut dev = activated();
    let header = Header::new(Magic::Lan, PacketType::JsonControl, EncType::None);
    let mut clear = sealed(&header, &Mode::None, b"\x05\0\0\0{\"cmd\":4}");
    assert_eq!(
        dev.handle(Instant(0), app_addr(), &mut clear),
        dropped(DropReason::EncTypeNotAllowed)
    );
}

#[test]
fn a_control_before_activation_is_not_activated() {
    let mut dev: Device = Device::new(KeyPair::generate(&mut TestRng(6)), DeviceInfo::default());
    let mut pkt = script(11, 1, b"power=1");
    assert_eq!(
        dev.handle(Instant(0), app_addr(), &mut pkt),
        dropped(DropReason::NotActivated)
    );
}

#[test]
fn a_write_key_with_other_keys_while_activated_is_already_activated() {
    let list = vectors("lan_packets.json");
    let request = by_id(&list, "lan-04");
    let reply = by_id(&list, "lan-05");
    let private = hex_field(&request["key"]["device_private_key"]);
    let key_pair = KeyPair::from_private_key(
        joylink_crypto::PrivateKey::from_bytes(private.as_slice().try_into().unwrap()).unwrap(),
    );
    let mut dev: Device = Device::new(key_pair, DeviceInfo::default());
    dev.set_activation(Some(activation()));
    let mut write_key = hex_field(&reply["in_reply_to"]);
    assert_eq!(
        dev.handle(Instant(0), app_addr(), &mut write_key),
        dropped(DropReason::AlreadyActivated)
    );
}

#[test]
fn a_control_for_a_sub_device_not_in_the_table_is_an_unknown_device() {
    let mut gw: Gateway = Gateway::new(KeyPair::generate(&mut TestRng(4)), DeviceInfo::default());
    gw.set_activation(Some(activation()));
    // A feedid no sub-device has, then an (unopened) inner layer.
    let key: LocalKey = LOCALKEY.parse().unwrap();
    let body = lan::SubDevScriptControl {
        timestamp: 11,
        biz_code: BizCode::Control,
        serial: 1,
        feed_id: FixedText::new("feedid", b"nope"),
        cmd: &[0x42; 16],
    };
    let mut plain = vec![0u8; body.buffer_len()];
    body.emit(&mut plain).unwrap();
    let header = Header::new(
        Magic::Lan,
        PacketType::SubDevScriptControl,
        EncType::PreShared,
    );
    let mut pkt = sealed(&header, &Mode::LocalKey(&key), &plain);
    assert_eq!(
        gw.handle(Instant(0), app_addr(), &mut pkt),
        dropped(DropReason::UnknownDevice)
    );
}

#[test]
fn an_answer_from_a_device_the_app_has_no_key_for_is_an_unknown_device() {
    let mut app = App::new(&mut TestRng(7));
    let key: LocalKey = LOCALKEY.parse().unwrap();
    let header = Header::new(Magic::Lan, PacketType::JsonControl, EncType::PreShared);
    let mut pkt = sealed(&header, &Mode::LocalKey(&key), b"\x05\0\0\0{\"code\":0}");
    assert_eq!(
        app.handle(Instant(0), dev_addr(), &mut pkt),
        Err(Error::Dropped(DropReason::UnknownDevice))
    );
}

#[test]
fn a_write_key_answer_nobody_waits_for_is_unexpected() {
    let list = vectors("lan_packets.json");
    let mut answer = hex_field(&by_id(&list, "lan-05")["packet"]);
    let mut app = App::new(&mut TestRng(8));
    assert_eq!(
        app.handle(Instant(0), dev_addr(), &mut answer),
        Err(Error::Dropped(DropReason::Unexpected))
    );
}

#[test]
fn a_scan_for_unactivated_devices_is_unexpected_by_an_activated_one_under_the_status_policy() {
    let mut dev = activated();
    dev.set_scan_policy(ScanPolicy::Status);
    let header = Header::new(Magic::Lan, PacketType::Scan, EncType::None);
    let mut scan = sealed(&header, &Mode::None, b"{\"cmd\":2,\"status\":1}");
    assert_eq!(
        dev.handle(Instant(0), app_addr(), &mut scan),
        dropped(DropReason::Unexpected)
    );
    assert_eq!(dev.poll_transmit(&mut [0u8; 1400]), None);
}

#[test]
fn a_scan_or_a_scan_reply_that_is_not_json_is_malformed() {
    let mut dev = activated();
    let header = Header::new(Magic::Lan, PacketType::Scan, EncType::None);
    let mut scan = sealed(&header, &Mode::None, b"not json");
    assert_eq!(
        dev.handle(Instant(0), app_addr(), &mut scan),
        dropped(DropReason::Malformed)
    );
    let mut app = App::new(&mut TestRng(9));
    let mut reply = sealed(&header, &Mode::None, b"not json");
    assert_eq!(
        app.handle(Instant(0), dev_addr(), &mut reply),
        Err(Error::Dropped(DropReason::Malformed))
    );
}

/// Not a drop reason: a packet under the wrong key is the one `Decrypt`, whatever failed.
#[test]
fn a_wrong_key_stays_the_one_decrypt_error() {
    let mut dev = activated();
    let other: LocalKey = "28c2b4cf324fa6be1675bd5188e3d932".parse().unwrap();
    let header = Header::new(Magic::Lan, PacketType::ScriptControl, EncType::PreShared);
    let mut pkt = sealed(
        &header,
        &Mode::LocalKey(&other),
        b"\x05\0\0\0\xea\x03\0\0\x01\0\0\0x",
    );
    assert_eq!(
        dev.handle(Instant(0), app_addr(), &mut pkt),
        Err(Error::Crypto(joylink_crypto::Error::Decrypt))
    );
}

#[test]
fn reasons_display_a_meaningful_text() {
    assert_eq!(
        Error::Dropped(DropReason::Replayed).to_string(),
        "dropped: replayed timestamp"
    );
    assert_eq!(
        Error::Dropped(DropReason::UnknownDevice).to_string(),
        "dropped: unknown device or sub-device"
    );
}
