//! The single entry point over every golden vector: each LAN and WAN plaintext through
//! `Message::parse`, each packet through `joylink::open` with its real keys, and type 13 through
//! the whole receive path to joylink-timer.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use joylink::lan::LanKeys;
use joylink::wan::{WanKeys, seal};
use joylink::wire::wan::TimerMessage;
use joylink::{Error, Keys, Message, open};
use joylink_crypto::{AccessKey, KeyPair, LocalKey, PrivateKey, SessionKey};
use joylink_test_vectors::{Value, hex_field, u64_field, vectors};
use joylink_wire::lan::Message as Lan;
use joylink_wire::wan::WanMessage as Wan;
use joylink_wire::{BizCode, CrcPolicy, Direction, Magic, PacketType, ResponseCode, parse};

/// The variant each vector must decode to, from the vector's own description (`what`).
const EXPECTED: &[(&str, &str)] = &[
    ("lan-01", "ScanRequest"),
    ("lan-02", "ScanResponse"),
    ("lan-03", "ScanResponse"),
    ("lan-04", "WriteKeyRequest"),
    ("lan-05", "WriteKeyResponse"),
    ("lan-06", "WriteKeyResponse"),
    ("lan-07", "JsonControl"),
    ("lan-08", "JsonControlResponse"),
    ("lan-09", "JsonControl"),
    ("lan-10", "JsonControlResponse"),
    ("lan-11", "ScriptControl"),
    ("lan-12", "ScriptControlResponse"),
    ("lan-13", "ScriptControl"),
    ("lan-14", "ScriptControlResponse"),
    ("lan-15", "AddSubDevRequest"),
    ("lan-16", "AddSubDevResponse"),
    ("lan-17", "SubDevAuthRequest"),
    ("lan-18", "SubDevAuthResponse"),
    ("lan-19", "SubDevJsonControl"),
    ("lan-20", "JsonControlResponse"),
    ("lan-21", "ScanResponse"),
    ("wan-01", "AuthRequest"),
    ("wan-02", "AuthRequest"),
    ("wan-03", "AuthRequest"),
    ("wan-04", "AuthResponse"),
    ("wan-05", "Upload"),
    ("wan-06", "Heartbeat"),
    ("wan-07", "HeartbeatResponse"),
    ("wan-08", "Upload"),
    ("wan-09", "Upload"),
    ("wan-10", "Control"),
    ("wan-11", "ControlResponse"),
    ("wan-12", "Control"),
    ("wan-13", "ControlResponse"),
    ("wan-14", "SubDevHeartbeat"),
    ("wan-15", "HeartbeatResponse"),
    ("wan-16", "SubDevUpload"),
    ("wan-17", "SubDevUpload"),
    ("wan-18", "SubDevControl"),
    ("wan-19", "SubDevControlResponse"),
    ("wan-20", "SubDevControl"),
    ("wan-21", "SubDevControlResponse"),
    ("wan-22", "SubDevUnbind"),
    ("wan-23", "SubDevUnbindResponse"),
    ("wan-24", "OtaOrder"),
    ("wan-25", "OtaOrderResponse"),
    ("wan-26", "OtaStatus"),
];

fn expected(id: &str) -> &'static str {
    EXPECTED
        .iter()
        .find(|(i, _)| *i == id)
        .unwrap_or_else(|| panic!("{id}: new vector, add it to EXPECTED"))
        .1
}

/// The variant name, from `Debug` (`Lan(ScanRequest(…))` → `ScanRequest`).
fn label(m: &Message<'_>) -> String {
    let dbg = format!("{m:?}");
    let inner = dbg
        .strip_prefix("Lan(")
        .or_else(|| dbg.strip_prefix("Wan("))
        .unwrap_or_else(|| panic!("not a LAN/WAN message: {dbg}"));
    inner
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap()
        .to_owned()
}

fn direction(v: &Value) -> Direction {
    match v["direction"].as_str().unwrap() {
        "app_to_device" | "cloud_to_device" => Direction::ToDevice,
        "device_to_app" | "device_to_cloud" => Direction::FromDevice,
        other => panic!("unknown direction {other}"),
    }
}

fn number(v: &Value) -> u64 {
    // Some vectors write numbers as JSON strings.
    v.as_str()
        .map_or_else(|| u64_field(v), |s| s.parse().unwrap())
}

/// Checks the fields the vector states beside the bytes (biz_code, serial, code, heartbeat).
fn check_fields(id: &str, v: &Value, m: &Message<'_>) {
    let biz_serial = match m {
        Message::Lan(Lan::ScriptControl(c)) => Some((c.biz_code, c.serial)),
        Message::Lan(Lan::ScriptControlResponse(c)) => Some((c.biz_code, c.serial)),
        Message::Wan(Wan::Control(c) | Wan::ControlResponse(c)) => Some((c.biz_code, c.serial)),
        Message::Wan(Wan::SubDevControl(c) | Wan::SubDevControlResponse(c)) => {
            Some((c.biz_code, c.serial))
        }
        _ => None,
    };
    if let Some((biz, serial)) = biz_serial {
        assert_eq!(
            biz,
            BizCode::from(number(&v["biz_code"]) as u32),
            "{id} biz_code"
        );
        assert_eq!(u64::from(serial), number(&v["serial"]), "{id} serial");
    }
    match m {
        Message::Wan(Wan::Heartbeat(h)) => {
            assert_eq!(u64::from(h.timestamp), number(&v["device_time"]), "{id}");
            assert_eq!(u64::from(h.version), number(&v["version"]), "{id}");
            assert_eq!(u64::from(h.rssi), number(&v["rssi"]), "{id}");
        }
        Message::Wan(Wan::HeartbeatResponse(r)) => {
            assert_eq!(u64::from(r.timestamp), number(&v["server_time"]), "{id}");
            assert_eq!(
                r.code,
                ResponseCode::from(number(&v["code"]) as i32),
                "{id}"
            );
        }
        Message::Lan(Lan::JsonControl(t)) => {
            assert_eq!(u64::from(t.timestamp), number(&v["timestamp"]), "{id}");
        }
        _ => {}
    }
}

#[test]
fn every_vector_plaintext_through_the_one_entry_point() {
    let mut seen = 0;
    for (file, magic) in [
        ("lan_packets.json", Magic::Lan),
        ("wan_packets.json", Magic::Wan),
    ] {
        for v in vectors(file) {
            let id = v["id"].as_str().unwrap();
            // lan-21 is fragmented: its reassembled payload is the (enctype 0) plaintext.
            let (packet_type, plaintext) = if v["packet"].is_null() {
                (PacketType::Scan, hex_field(&v["reassembled_payload"]))
            } else {
                let packet = hex_field(&v["packet"]);
                let header = parse(&packet, CrcPolicy::Verify).unwrap().header;
                assert_eq!(header.magic, magic, "{id}");
                (header.packet_type, hex_field(&v["plaintext"]))
            };
            let m = Message::parse(magic, packet_type, &plaintext, direction(&v))
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(label(&m), expected(id), "{id}: {m:?}");
            assert_eq!(m.network(), magic, "{id}");
            check_fields(id, &v, &m);
            seen += 1;
        }
    }
    assert_eq!(seen, EXPECTED.len(), "every vector went through");
}

fn key_pair(hex_key: &Value) -> KeyPair {
    let bytes: [u8; 20] = hex_field(hex_key).try_into().unwrap();
    KeyPair::from_private_key(PrivateKey::from_bytes(&bytes).unwrap())
}

#[test]
fn every_vector_packet_opens_into_the_typed_message() {
    let dummy: AccessKey = "00000000000000000000000000000000".parse().unwrap();
    let mut seen = 0;
    for file in ["lan_packets.json", "wan_packets.json"] {
        for v in vectors(file) {
            if v["packet"].is_null() {
                continue; // lan-21: fragments, covered above
            }
            let id = v["id"].as_str().unwrap();
            let key = &v["key"];
            let local: Option<LocalKey> = match key["kind"].as_str() {
                Some("localkey") => Some(key["key_string"].as_str().unwrap().parse().unwrap()),
                _ => None,
            };
            let access: Option<AccessKey> = match key["kind"].as_str() {
                Some("accesskey") => Some(key["key_string"].as_str().unwrap().parse().unwrap()),
                _ => None,
            };
            let session = match key["kind"].as_str() {
                Some("session_key") => {
                    Some(SessionKey::from_slice(&hex_field(&key["session_key"])).unwrap())
                }
                _ => None,
            };
            // The receiver of an enctype-2 request is the device, with its own key pair.
            let pair = (key["kind"] == "ecdh").then(|| key_pair(&key["device_private_key"]));
            let keys = if file.starts_with("lan") {
                Keys::Lan(LanKeys {
                    local_key: local.as_ref(),
                    key_pair: pair.as_ref(),
                    peer_key: None,
                    ..LanKeys::default()
                })
            } else {
                Keys::Wan(WanKeys {
                    access_key: access.as_ref().unwrap_or(&dummy),
                    session_key: session.as_ref(),
                })
            };
            let mut buf = hex_field(&v["packet"]);
            let o = open(&mut buf, &keys, direction(&v), CrcPolicy::Verify)
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            assert!(o.crc_status.is_verified(), "{id}");
            assert_eq!(o.opt, hex_field(&v["opt"]), "{id} opt");
            assert_eq!(label(&o.message), expected(id), "{id}");
            assert_eq!(
                o.header.packet_type,
                PacketType::from(number(&v["header"]["type"]) as u8),
                "{id}"
            );
            check_fields(id, &v, &o.message);
            if key["kind"] == "ecdh" {
                assert_eq!(
                    o.peer_key.unwrap().to_compressed().to_vec(),
                    hex_field(&key["app_public_key_compressed"]),
                    "{id}: the app's key from opt"
                );
            }
            seen += 1;
        }
    }
    assert_eq!(seen, EXPECTED.len() - 1);
}

#[test]
fn keys_of_the_other_network_are_refused() {
    let list = vectors("wan_packets.json");
    let v = joylink_test_vectors::by_id(&list, "wan-06");
    let mut buf = hex_field(&v["packet"]);
    let lk: LocalKey = "00000000000000000000000000000000".parse().unwrap();
    let keys = Keys::Lan(LanKeys {
        local_key: Some(&lk),
        ..LanKeys::default()
    });
    let r = open(&mut buf, &keys, Direction::FromDevice, CrcPolicy::Verify);
    assert!(
        matches!(
            r,
            Err(Error::WrongNetwork {
                expected: Magic::Lan,
                found: Magic::Wan
            })
        ),
        "{r:?}"
    );
}

/// No vector carries type 13, so the packet is built here: spec 10.1's support query (biz_code
/// 1090, `timestamp ‖ biz_code ‖ serial`, 12 bytes) sealed with wan-06's session key, then
/// received through the whole path, and the device's 190 answer with code 0 back.
#[test]
fn type_13_is_opened_and_handed_to_the_timer_decoder() {
    let list = vectors("wan_packets.json");
    let v = joylink_test_vectors::by_id(&list, "wan-06");
    let sk = SessionKey::from_slice(&hex_field(&v["key"]["session_key"])).unwrap();
    let ak: AccessKey = "00000000000000000000000000000000".parse().unwrap();
    let wan_keys = WanKeys {
        access_key: &ak,
        session_key: Some(&sk),
    };
    let query: [u8; 12] = [
        0x10, 0x32, 0x54, 0x76, // timestamp 0x76543210
        0x42, 0x04, 0x00, 0x00, // biz_code 1090
        0x05, 0x00, 0x00, 0x00, // serial 5
    ];
    let mut buf = [0u8; 64];
    let query_msg = TimerMessage::parse(&query, Direction::ToDevice).unwrap();
    let n = seal(&Wan::Timer(query_msg), &wan_keys, &[], &mut buf).unwrap();
    let o = open(
        &mut buf[..n],
        &Keys::Wan(wan_keys),
        Direction::ToDevice,
        CrcPolicy::Verify,
    )
    .unwrap();
    assert_eq!(o.message.packet_type(), PacketType::Timer);
    let Message::Wan(Wan::Timer(TimerMessage::SupportQuery(p))) = o.message else {
        panic!("{:?}", o.message)
    };
    assert_eq!((p.timestamp, p.serial), (0x7654_3210, 5));

    // 190 = supported (code 0): `timestamp ‖ biz_code ‖ serial ‖ code i32`.
    let answer: [u8; 16] = [
        0x11, 0x32, 0x54, 0x76, 0xbe, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0, 0, 0, 0,
    ];
    let m = Message::parse(
        Magic::Wan,
        PacketType::Timer,
        &answer,
        Direction::FromDevice,
    )
    .unwrap();
    assert!(
        matches!(
            m,
            Message::Wan(Wan::Timer(TimerMessage::SupportResponse(_)))
        ),
        "{m:?}"
    );
}
