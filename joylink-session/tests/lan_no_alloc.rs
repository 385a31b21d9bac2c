//! The device and gateway machines serve their whole LAN flow without an allocator: discovery
//! (1), authorization (2), add sub-device (105) and sub-device authorization (102), each answer
//! equal byte for byte to the golden vector the shipped SDK sent, and no call of the machine
//! allocating (a counting global allocator). Needs no feature: run it without `json`
//! (`cargo test -p joylink-session --test lan_no_alloc`) to prove the path that a `no_std`
//! firmware and the C ABI take.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

use joylink_crypto::{KeyPair, PrivateKey};
use joylink_session::lan::{
    Activation, Device, DeviceInfo, Event, FixedStr, Gateway, MAX_DATAGRAM, SocketAddr,
    SubDeviceEntry, SubDeviceState,
};
use joylink_session::{DropReason, Error, Instant};
use joylink_test_vectors::{Value, by_id, hex_field, vectors};

fn app_addr() -> SocketAddr {
    "192.168.1.10:5000".parse().unwrap()
}

fn key_pair(hex_key: &Value) -> KeyPair {
    let bytes: [u8; 20] = hex_field(hex_key).try_into().unwrap();
    KeyPair::from_private_key(PrivateKey::from_bytes(&bytes).unwrap())
}

fn info_of(d: &Value) -> DeviceInfo {
    let s = |k: &str| d[k].as_str().unwrap();
    DeviceInfo {
        mac: FixedStr::new(s("mac")).unwrap(),
        productuuid: FixedStr::new(s("productuuid")).unwrap(),
        cid: FixedStr::new(s("CID")).unwrap(),
        firmware_version: FixedStr::new(s("firmwareVersion")).unwrap(),
        model_code: FixedStr::new(s("modelCode")).unwrap(),
        joy_sdk_version: FixedStr::new(s("joySdkVersion")).unwrap(),
        lancon: d["lancon"].as_i64().unwrap() as i32,
        trantype: d["trantype"].as_i64().unwrap() as i32,
        devtype: d["devtype"].as_i64().unwrap() as i32,
        no_snapshot: 0,
        batch_bind: 0,
    }
}

fn activation_of(d: &Value) -> Activation {
    let s = |k: &str| d[k].as_str().unwrap();
    Activation {
        feed_id: FixedStr::new(s("feedid")).unwrap(),
        accesskey: s("accesskey").parse().unwrap(),
        localkey: s("localkey").parse().unwrap(),
        server: FixedStr::EMPTY,
    }
}

/// Runs `f` and fails when it allocated.
fn no_alloc<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let mut out = None;
    let info = allocation_counter::measure(|| out = Some(f()));
    assert_eq!(info.count_total, 0, "{what} allocated: {info:?}");
    out.unwrap()
}

/// Every queued datagram, each checked against `want`.
fn drain_equal<const P: usize, const Q: usize, const T: usize, const S: usize>(
    dev: &mut Device<P, Q, T, S>,
    want: &[u8],
    times: usize,
) {
    let mut out = [0u8; MAX_DATAGRAM];
    for i in 0..times {
        let (to, n) = dev
            .poll_transmit(&mut out)
            .unwrap_or_else(|| panic!("answer {i} missing"));
        assert_eq!(to, app_addr());
        assert_eq!(hex::encode(&out[..n]), hex::encode(want), "answer {i}");
    }
    assert_eq!(dev.poll_transmit(&mut out), None);
}

#[test]
fn scan_is_answered_with_the_vectors_bytes_without_allocating() {
    let list = vectors("lan_packets.json");
    let v = by_id(&list, "lan-02");
    let d = &v["device"];
    let mut dev: Device = Device::new(key_pair(&d["device_private_key"]), info_of(d));
    dev.set_activation(Some(activation_of(d)));
    let mut request = hex_field(&v["in_reply_to"]);
    let event = no_alloc("scan", || dev.handle(Instant(0), app_addr(), &mut request));
    assert_eq!(event.unwrap(), None);
    drain_equal(&mut dev, &hex_field(&v["packet"]), 1);
    // A body that is not JSON gets no answer.
    let mut bad = hex_field(&v["in_reply_to"]);
    let at = bad.len() - 1;
    bad[at] = b'x';
    let fixed = joylink_wire::parse(&bad, joylink_wire::CrcPolicy::Ignore)
        .unwrap()
        .header;
    let mut h = fixed;
    h.crc = joylink_wire::crc16(&bad[16..]);
    h.emit(&mut bad[..16]).unwrap();
    assert!(matches!(
        dev.handle(Instant(0), app_addr(), &mut bad),
        Err(Error::Dropped(DropReason::Malformed))
    ));
    assert_eq!(dev.poll_transmit(&mut [0u8; MAX_DATAGRAM]), None);
}

#[test]
fn write_key_is_accepted_and_answered_like_the_sdk_without_allocating() {
    let list = vectors("lan_packets.json");
    let request_v = by_id(&list, "lan-04");
    let reply_v = by_id(&list, "lan-05");
    let mut dev: Device = Device::new(
        key_pair(&request_v["key"]["device_private_key"]),
        DeviceInfo::default(),
    );
    let mut request = hex_field(&reply_v["in_reply_to"]);
    let event = no_alloc("write key", || {
        dev.handle(Instant(0), app_addr(), &mut request)
    });
    let Ok(Some(Event::Activated(a))) = event else {
        panic!("{event:?}")
    };
    // The keys of the request's JSON, read without serde_json.
    let text = String::from_utf8(hex_field(&request_v["plaintext"])[4..].to_vec()).unwrap();
    let field = |k: &str| {
        let at = text.find(&format!("\"{k}\":\"")).unwrap() + k.len() + 4;
        text[at..].split('"').next().unwrap().to_owned()
    };
    assert_eq!(a.feed_id.as_str(), field("feedid"));
    assert_eq!(a.localkey, field("localkey").parse().unwrap());
    assert_eq!(a.accesskey, field("accesskey").parse().unwrap());
    assert_eq!(a.server.as_str(), "78.220.2.188:2002");
    assert_eq!(dev.activation(), Some(&a));
    drain_equal(&mut dev, &hex_field(&reply_v["packet"]), 3);

    // Other keys while activated: refused with the SDK's -2001 answer (lan-06), three times.
    let refused = by_id(&list, "lan-06");
    let mut other = a.clone();
    other.localkey = "28c2b4cf324fa6be1675bd5188e3d932".parse().unwrap();
    dev.set_activation(Some(other));
    dev.set_replay_policy(joylink_session::lan::ReplayPolicy::Off);
    let mut again = hex_field(&reply_v["in_reply_to"]);
    assert!(matches!(
        dev.handle(Instant(1), app_addr(), &mut again),
        Err(Error::Dropped(DropReason::AlreadyActivated))
    ));
    drain_equal(&mut dev, &hex_field(&refused["packet"]), 3);
}

#[test]
fn gateway_adds_and_authorizes_a_sub_device_like_the_sdk_without_allocating() {
    let list = vectors("lan_packets.json");
    // Add (105): the answer is sealed with the gateway's localkey behind the device time.
    let add = by_id(&list, "lan-16");
    let d = &add["device"];
    let mut gw: Gateway = Gateway::new(
        KeyPair::from_private_key(PrivateKey::from_bytes(&[0x11; 20]).unwrap()),
        info_of(d),
    );
    gw.set_activation(Some(activation_of(d)));
    let time = add["device_time"].as_u64().unwrap();
    let mut request = hex_field(&add["in_reply_to"]);
    let event = no_alloc("add sub-device", || {
        gw.handle(Instant(time * 1000), app_addr(), &mut request)
    });
    assert_eq!(event.unwrap(), Some(Event::SubDeviceAdded { index: 0 }));
    drain_equal(&mut gw, &hex_field(&add["packet"]), 1);
    let (_, row) = gw.sub_devices().next().unwrap();
    assert_eq!(
        (row.mac.as_str(), row.productuuid.as_str(), row.protocol),
        ("701923F88581", "7D13F6", 1)
    );
    assert_eq!(row.state, SubDeviceState::Waiting);

    // Authorize (102): ECDH with the gateway's key, answered in clear three times.
    let auth = by_id(&list, "lan-18");
    let auth_req = by_id(&list, "lan-17");
    let d = &auth["device"];
    let mut gw: Gateway =
        Gateway::new(key_pair(&auth_req["key"]["device_private_key"]), info_of(d));
    gw.set_activation(Some(activation_of(d)));
    gw.set_sub_device(
        0,
        Some(SubDeviceEntry {
            mac: FixedStr::new("7E3C55204B59").unwrap(),
            productuuid: FixedStr::new("83453A").unwrap(),
            protocol: 2,
            state: SubDeviceState::Waiting,
            feed_id: FixedStr::EMPTY,
            localkey: None,
            accesskey: None,
        }),
    )
    .unwrap();
    let mut request = hex_field(&auth["in_reply_to"]);
    let event = no_alloc("sub-device authorization", || {
        gw.handle(Instant(0), app_addr(), &mut request)
    });
    assert_eq!(
        event.unwrap(),
        Some(Event::SubDeviceAuthorized { index: 0 })
    );
    drain_equal(&mut gw, &hex_field(&auth["packet"]), 3);
    let (_, row) = gw.sub_devices().next().unwrap();
    assert_eq!(row.state, SubDeviceState::Authorized);
    assert_eq!(row.feed_id.as_str(), "135902253148451506");
    assert_eq!(
        row.localkey,
        Some("22dc6dd29b5b3b2f80cc44d6cb3aad1a".parse().unwrap())
    );
}
