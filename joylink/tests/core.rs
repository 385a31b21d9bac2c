//! The one packet core (issue 13): the staged decode lets a cloud pick the accesskey by the feed
//! id before any key is used; a body too short for its struct is the same `Decrypt` as bad
//! padding, with the decrypted bytes wiped; `open_subdev_script` opens type 104 only.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::collections::HashMap;

use joylink::Error;
use joylink::lan::{self, LanKeys, SubDevScript, open_subdev_script, seal_subdev_script};
use joylink::wan::{self, WanKeys};
use joylink_crypto::{AccessKey, LocalKey, Mode, OpenOptions, SessionKey};
use joylink_test_vectors::{hex_field, vectors};
use joylink_wire::lan::ResponseLayout;
use joylink_wire::wan::AuthRequestOpt;
use joylink_wire::{
    BizCode, CrcPolicy, Direction, EncType, HEADER_LEN, Header, Magic, PacketType, PartialParse,
};

/// A cloud serving several devices: every golden type-9 request is opened with the accesskey
/// found by the feed id of its cleartext opt, and the plaintext is the vector's.
#[test]
fn cloud_finds_the_accesskey_by_the_feed_id_before_decrypting() {
    let list = vectors("wan_packets.json");
    let mut directory: HashMap<Vec<u8>, AccessKey> = HashMap::new();
    for v in &list {
        if let (Some(feedid), Some("accesskey")) = (v["feedid"].as_str(), v["key"]["kind"].as_str())
        {
            let key = v["key"]["key_string"].as_str().unwrap().parse().unwrap();
            directory.insert(feedid.as_bytes().to_vec(), key);
        }
    }
    let mut opened = 0;
    for v in &list {
        if v["direction"] != "device_to_cloud" || v["header"]["type"] != 9 {
            continue;
        }
        let mut buf = hex_field(&v["packet"]);
        let packet = PartialParse::new(&mut buf, CrcPolicy::Verify).unwrap();
        assert_eq!(packet.header().packet_type, PacketType::Auth);
        assert_eq!(packet.payload(), &hex_field(&v["payload"])[..]);
        let feed_id = AuthRequestOpt::parse(packet.opt()).unwrap().feed_id;
        let key = &directory[feed_id];
        let entry = packet.entry(Direction::FromDevice);
        let o = joylink_crypto::open(
            packet,
            &Mode::AccessKey(key),
            OpenOptions::new().timestamp(entry.timestamp),
        )
        .unwrap();
        assert_eq!(
            &*o.plaintext,
            &hex_field(&v["plaintext"])[..],
            "{}",
            v["id"]
        );
        opened += 1;
    }
    assert!(opened >= 3, "{opened}");
}

fn local_key() -> LocalKey {
    "be4d957a4da771d609ab383e548014a0".parse().unwrap()
}

/// A LAN packet of `packet_type` whose plaintext is exactly `plaintext`.
fn lan_packet(packet_type: PacketType, key: &LocalKey, plaintext: &[u8]) -> Vec<u8> {
    let header = Header::new(Magic::Lan, packet_type, EncType::PreShared);
    let mut buf = vec![0u8; HEADER_LEN + plaintext.len() + 16];
    buf[HEADER_LEN..HEADER_LEN + plaintext.len()].copy_from_slice(plaintext);
    let n =
        joylink_crypto::seal(&header, &Mode::LocalKey(key), 0, plaintext.len(), &mut buf).unwrap();
    buf.truncate(n);
    buf
}

#[test]
fn lan_struct_too_short_is_decrypt_and_wiped() {
    let key = local_key();
    let keys = LanKeys {
        local_key: Some(&key),
        ..LanKeys::default()
    };
    // A type-4 script control needs 12 fixed bytes; 8 decrypt fine but are too short. Before,
    // this was `Wire(Truncated)`: distinguishable from bad padding.
    let mut p = lan_packet(
        PacketType::ScriptControl,
        &key,
        &[1, 2, 3, 4, 0xea, 3, 0, 0],
    );
    let r = lan::open(&mut p, &keys, Direction::ToDevice, CrcPolicy::Verify);
    assert!(
        matches!(r, Err(Error::Crypto(joylink_crypto::Error::Decrypt))),
        "{r:?}"
    );
    drop(r);
    assert!(p[HEADER_LEN..].iter().all(|&b| b == 0), "{p:?}");
    // Shorter than the timestamp: the same error.
    let mut p = lan_packet(PacketType::JsonControl, &key, b"{}");
    let r = lan::open(&mut p, &keys, Direction::ToDevice, CrcPolicy::Verify);
    assert!(
        matches!(r, Err(Error::Crypto(joylink_crypto::Error::Decrypt))),
        "{r:?}"
    );
    drop(r);
    assert!(p[HEADER_LEN..].iter().all(|&b| b == 0));
}

#[test]
fn wan_struct_too_short_is_decrypt_and_wiped() {
    let access: AccessKey = "9da83e47290bb79a82f2e36f9dff0520".parse().unwrap();
    let session = SessionKey::new([3; 32]);
    let keys = WanKeys {
        access_key: &access,
        session_key: Some(&session),
    };
    // A device heartbeat is 8 bytes (timestamp, version, rssi); send 6.
    let header = Header::new(Magic::Wan, PacketType::Heartbeat, EncType::SessionKey);
    let mut buf = vec![0u8; 64];
    buf[HEADER_LEN..HEADER_LEN + 6].copy_from_slice(&[1, 2, 3, 4, 5, 6]);
    let n = joylink_crypto::seal(&header, &Mode::Session(&session), 0, 6, &mut buf).unwrap();
    buf.truncate(n);
    let r = wan::open(&mut buf, &keys, Direction::FromDevice, CrcPolicy::Verify);
    assert!(
        matches!(r, Err(Error::Crypto(joylink_crypto::Error::Decrypt))),
        "{r:?}"
    );
    assert!(buf[HEADER_LEN..].iter().all(|&b| b == 0), "{buf:?}");
}

#[test]
fn subdev_script_is_type_104_only_and_44_bytes_at_least() {
    let gw = local_key();
    let sub: LocalKey = "22dc6dd29b5b3b2f80cc44d6cb3aad1a".parse().unwrap();
    let script = SubDevScript {
        timestamp: 1,
        biz_code: BizCode::Control,
        serial: 7,
        feed_id: b"1234",
        data: b"{\"cmd\":1}",
    };
    let mut p = vec![0u8; 128];
    let n =
        seal_subdev_script(&script, &Mode::LocalKey(&gw), &Mode::LocalKey(&sub), &mut p).unwrap();
    p.truncate(n);
    let mut ok = p.clone();
    let outer = open_subdev_script(
        &mut ok,
        &Mode::LocalKey(&gw),
        ResponseLayout::Spec,
        CrcPolicy::Verify,
    )
    .unwrap();
    assert_eq!(outer.feed_id().as_bytes(), b"1234");
    assert_eq!(
        outer.open_inner(&Mode::LocalKey(&sub)).unwrap().data,
        b"{\"cmd\":1}"
    );

    // The same bytes as a type-3 packet: refused before any key is used (it opened as 104).
    let mut t3 = p.clone();
    t3[9] = 3;
    joylink_wire::Packet::new_unchecked(&mut t3[..])
        .fill_crc()
        .unwrap();
    let before = t3.clone();
    let r = open_subdev_script(
        &mut t3,
        &Mode::LocalKey(&gw),
        ResponseLayout::Spec,
        CrcPolicy::Verify,
    );
    assert!(
        matches!(
            r,
            Err(Error::WrongPacketType {
                expected: PacketType::SubDevScriptControl,
                found: PacketType::JsonControl
            })
        ),
        "{r:?}"
    );
    assert_eq!(t3, before);

    // A type-104 body shorter than its 44 fixed bytes: one `Decrypt`, wiped.
    let mut short = lan_packet(PacketType::SubDevScriptControl, &gw, &[0x11; 40]);
    let r = open_subdev_script(
        &mut short,
        &Mode::LocalKey(&gw),
        ResponseLayout::Spec,
        CrcPolicy::Verify,
    );
    assert!(
        matches!(r, Err(Error::Crypto(joylink_crypto::Error::Decrypt))),
        "{r:?}"
    );
    assert!(short[HEADER_LEN..].iter().all(|&b| b == 0));
}
