//! What shipped modules outside JD's 2.0.19 SDK send to an APP (compat §16), built byte by byte in
//! their layouts, read by `lan::parse_lenient`; the strict `lan::parse` still refuses them.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use joylink_wire::lan::{self, Message, Quirk, WriteKeyResponse};
use joylink_wire::{Direction, PacketType};

const FROM: Direction = Direction::FromDevice;

/// compat §16.2: HAM expects 4 bytes before the write-key reply JSON; E17 answers `"success"`.
#[test]
fn write_key_reply_with_and_without_prefix() {
    for msg in ["write accesskey ok", "success"] {
        let json = format!(r#"{{"code":0, "msg":"{msg}"}}"#);
        let (m, q) = lan::parse_lenient(PacketType::WriteKey, json.as_bytes(), FROM).unwrap();
        assert_eq!(q, None);
        let Message::WriteKeyResponse(r) = m else {
            panic!("{m:?}")
        };
        assert!(r.is_success());
        assert_eq!(r.msg, msg);

        let mut prefixed = 0x6553_f100u32.to_le_bytes().to_vec();
        prefixed.extend_from_slice(json.as_bytes());
        assert!(lan::parse(PacketType::WriteKey, &prefixed, FROM).is_err());
        let (m, q) = lan::parse_lenient(PacketType::WriteKey, &prefixed, FROM).unwrap();
        assert_eq!(q, Some(Quirk::WriteKeyPrefix));
        assert!(matches!(m, Message::WriteKeyResponse(r) if r.is_success() && r.msg == msg));
    }
    let refused = br#"{"code":-2001, "msg":"dev is alread actived"}"#;
    let (m, _) = lan::parse_lenient(PacketType::WriteKey, refused, FROM).unwrap();
    assert!(matches!(m, Message::WriteKeyResponse(r) if !r.is_success()));
    assert_eq!(WriteKeyResponse::OK_E17, "success");
}

/// compat §16.1: the HiFlying port's type-4 reply under type 3: `ts+5 ‖ biz 102 ‖ serial ‖ JSON`.
#[test]
fn control_response_layout_under_type_3() {
    let ts = 1_700_000_005u32;
    let serial = 0x0102_0304u32;
    let json = br#"{"code":0,"streams":[{"stream_id":"power","current_value":"1"}]}"#;
    let mut p = ts.to_le_bytes().to_vec();
    p.extend_from_slice(&102u32.to_le_bytes());
    p.extend_from_slice(&serial.to_le_bytes());
    p.extend_from_slice(json);
    assert!(lan::parse(PacketType::JsonControl, &p, FROM).is_err());
    let (m, q) = lan::parse_lenient(PacketType::JsonControl, &p, FROM).unwrap();
    assert_eq!(q, Some(Quirk::ScriptLayoutUnderJsonType));
    let Message::ScriptControlResponse(r) = m else {
        panic!("{m:?}")
    };
    assert_eq!((r.timestamp, r.serial), (ts, serial));
    assert_eq!(r.biz_code.value(), 102);
    assert_eq!(r.data, json);
}

/// compat §16.1: the HiFlying port's type-3 reply is bare JSON, no timestamp.
#[test]
fn type_3_reply_without_timestamp() {
    let json = br#"{"code":0,"data":[{"stream_id":"power","current_value":"1"}]}"#;
    assert!(lan::parse(PacketType::JsonControl, json, FROM).is_err());
    let (m, q) = lan::parse_lenient(PacketType::JsonControl, json, FROM).unwrap();
    assert_eq!(q, Some(Quirk::NoTimestamp));
    let Message::JsonControlResponse(t) = m else {
        panic!("{m:?}")
    };
    assert_eq!((t.timestamp, t.body.code), (0, 0));
    assert_eq!(t.body.data.unwrap()[0].stream_id, "power");
    // The spec layout still reads strictly.
    let mut p = 7u32.to_le_bytes().to_vec();
    p.extend_from_slice(json);
    assert_eq!(
        lan::parse_lenient(PacketType::JsonControl, &p, FROM)
            .unwrap()
            .1,
        None
    );
    // Garbage stays an error, and requests (app → device) get no fallback.
    assert!(lan::parse_lenient(PacketType::JsonControl, b"\x01\x02\x03\x04xx", FROM).is_err());
    assert!(lan::parse_lenient(PacketType::JsonControl, json, Direction::ToDevice).is_err());
}

/// compat §6.4: a type-3 request without `cmd` (the SDK core does not read it).
#[test]
fn type_3_request_without_cmd() {
    let mut p = 9u32.to_le_bytes().to_vec();
    p.extend_from_slice(br#"{"data":{"streams":[{"stream_id":"power","current_value":1}]}}"#);
    let m = lan::parse(PacketType::JsonControl, &p, Direction::ToDevice).unwrap();
    let Message::JsonControl(t) = &m else {
        panic!("{m:?}")
    };
    assert_eq!(t.body.command.cmd(), None);
    assert_eq!(m.emit().unwrap(), p);
}
