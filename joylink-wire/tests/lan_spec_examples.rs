//! Every JSON example of spec chapter 6 (V1.79, 6.3.1 – 6.3.8) parses, from the spec's own text.
//!
//! The examples are copied with the spec's layout and values. Edits, and nothing else:
//! - the Chinese annotations in parentheses and the `//…` / `/*…*/` comments are removed (they are
//!   documentation, not JSON);
//! - 6.3.1 request: comma added after `"cmd":2`;
//! - 6.3.1 response: comma added after `"devtype": 0` (before `"subdev"`), trailing comma after
//!   `"protocol": 1` removed, the placeholder element `{ ..... }` removed;
//! - 6.3.2 request: the JSON is broken across blocks (`"data": { "feedid": …, }` closes before
//!   `accesskey`); the keys are put back inside `data` in the printed order, trailing commas removed;
//! - 6.3.5 request: comma added after `"cmd":6`;
//! - 6.3.6 request: the two blocks joined, trailing comma after `"tcpaes"` removed;
//! - 6.3.7 failure answer: trailing comma after `"feedid"` removed.
//!
//! (compat §13 lists the same typos.) The binary structs of 6.3.4 / 6.3.8 have no example
//! bytes; their layout is tested in the unit tests and against the vectors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use joylink_wire::lan::{
    self, AddSubDevRequest, DevType, JsonBody, JsonCommand, JsonControlRequest,
    JsonControlResponse, LanControl, Message, ScanRequest, ScanResponse, ScanStatus,
    StreamKeyOrder, StreamValue, SubDevAuthRequest, SubDevAuthState, SubDevProtocol,
    SubDevResponse, TranType, WriteKeyRequest, WriteKeyResponse,
};
use joylink_wire::{Direction, PacketType};

#[test]
fn discovery_6_3_1() {
    let req = br#"{
  "cmd":2,
  "productuuid":"XXXXXX",
  "status":1
}"#;
    let r = ScanRequest::parse(req).unwrap();
    assert_eq!(
        (r.cmd, r.product_uuid(), r.status),
        (Some(2), Some("XXXXXX"), Some(ScanStatus::Waiting))
    );

    let rsp = br#"{
"mac": "XXX...XXX",
"productuuid": "XXXXXX",
"CID": "011c022b",
"firmwareVersion": "aae7_001",
"modelCode": "a7485566bbeccd8a7485566b9ee9cd8a74855665be2ccd8",
"lancon": 1,
"trantype": 1,
"feedid": "X...X",
"devkey": "XXX...XXX",
"dbg": { "ver": 1, "rssi": 1},
"opt": { "type": 1, "std": 1},
"devtype": 0,
"subdev": [
    {
        "mac": "XXX...XXX",
        "productuuid": "XXXXXX",
        "CID": "011c022b",
        "firmwareVersion": "aae7_001",
        "modelCode": "a7485566bbeccd8a7485566b9ee9cd8a74855665be2ccd8",
        "lancon": 1,
        "trantype": 1,
        "feedid": "X...X",
        "devkey": "XXX...XXX",
        "dbg": { "ver": 1, "rssi": 1},
        "devtype": 0,
        "state": 1,
        "protocol": 1
    }
]
}"#;
    let r = ScanResponse::parse(rsp).unwrap();
    assert_eq!(r.cid.as_deref(), Some("011c022b"));
    assert_eq!(
        r.model_code.as_deref(),
        Some("a7485566bbeccd8a7485566b9ee9cd8a74855665be2ccd8")
    );
    assert_eq!(
        (r.lancon, r.trantype, r.devtype),
        (
            Some(LanControl::Enabled),
            Some(TranType::Lua),
            Some(DevType::Normal)
        )
    );
    assert_eq!(r.dbg.map(|d| (d.ver, d.rssi)), Some((1, 1)));
    assert_eq!(r.opt.as_ref().unwrap().get(), r#"{ "type": 1, "std": 1}"#);
    let sub = &r.subdev.as_ref().unwrap()[0];
    assert_eq!(
        (sub.state, sub.protocol),
        (SubDevAuthState::Waiting, SubDevProtocol::Zigbee)
    );
    assert_eq!(sub.firmware_version.as_deref(), Some("aae7_001"));
    assert_eq!(sub.devtype, Some(DevType::Normal));
    // Re-encoding and parsing again gives the same value (compact: the cJSON style re-spaces the
    // raw `opt` text, which then compares unequal as text).
    let mut again = Vec::new();
    r.write_json(lan::Style::Compact, &mut again).unwrap();
    assert_eq!(ScanResponse::parse(&again).unwrap(), r);
}

#[test]
fn write_key_6_3_2() {
    let req = br#"{
    "data": {
        "feedid": "1234567890123456",
        "accesskey": "25e35c9691ee91296facd5d28a4822bc",
        "localkey": "25e35c9691ee91296facd5d28a4822bc",
        "productuuid": "XXXXXX",
        "server": ["live.smart.jd.com:2001"],
        "joylink_server": ["live.smart.jd.com:6001"],
        "tcpaes": ["live.smart.jd.com:2014"],
        "lancon": 1,
        "opt": {"type": 1, "std": 1}
    }
}"#;
    let r = WriteKeyRequest::parse(req).unwrap();
    assert_eq!(r.data.feed_id, "1234567890123456");
    assert_eq!(
        r.data.localkey.raw_secret_str(),
        "25e35c9691ee91296facd5d28a4822bc"
    );
    assert_eq!(
        r.data.joylink_server.as_deref().unwrap()[0],
        "live.smart.jd.com:6001"
    );
    assert_eq!(
        r.data.tcpaes.as_deref().unwrap()[0],
        "live.smart.jd.com:2014"
    );
    assert_eq!(
        r.data.server.as_deref().unwrap()[0],
        "live.smart.jd.com:2001"
    );

    let rsp = br#"{

"code": 0,

"msg": "success"

}"#;
    let r = WriteKeyResponse::parse(rsp).unwrap();
    assert_eq!((r.code, &*r.msg), (0, "success"));
}

#[test]
fn json_control_6_4_2() {
    let snapshot = br#"{

"cmd": 4,

"data": {}

}"#;
    assert_eq!(
        JsonControlRequest::parse(snapshot).unwrap().command,
        JsonCommand::Snapshot
    );

    let control = br#"{

"cmd": 5,

"data": {

"streams": [

{ "stream_id": "switch", "current_value": "1" }

],

"snapshot": [

{ "current_value": "0", "stream_id": "switch" }

    ]
  }
}"#;
    let r = JsonControlRequest::parse(control).unwrap();
    let JsonCommand::Control(c) = r.command else {
        panic!()
    };
    assert_eq!(c.streams[0].current_value, StreamValue::from("1"));
    let snap = &c.snapshot.as_ref().unwrap()[0];
    assert_eq!(
        (snap.order, snap.current_value.as_str()),
        (StreamKeyOrder::ValueFirst, Some("0"))
    );

    let ok = br#"{
  "code":0,
  "data":[
    {
      "stream_id": "switch",
      "current_value": 1
    },
    {
      "stream_id": "light",
      "current_value": "on"
    }
  ]
}"#;
    let r = JsonControlResponse::parse(ok).unwrap();
    assert!(r.is_success());
    let data = r.data.unwrap();
    assert!(matches!(data[0].current_value, StreamValue::Number(ref n) if n.as_i64() == Some(1)));
    assert_eq!(data[1].current_value, StreamValue::from("on"));

    let err = br#"{
  "code":1,
  "msg":"err reason"
}"#;
    let r = JsonControlResponse::parse(err).unwrap();
    assert_eq!(
        (r.code, r.msg.as_deref(), r.data),
        (1, Some("err reason"), None)
    );
}

#[test]
fn add_sub_device_6_3_5() {
    let req = br#"{
  "cmd":6,
  "data":{
    "mac": "XXX...XXX",
    "productuuid": "XXXXXX",
    "protocol": 1
  }
}"#;
    let r = AddSubDevRequest::parse(req).unwrap();
    assert_eq!(
        (r.cmd, &*r.data.mac, r.data.protocol),
        (Some(6), "XXX...XXX", SubDevProtocol::Zigbee)
    );
    let rsp = br#"{
  "code":0,
  "msg": "success",
  "productuuid": "XXXXXX",
  "mac": "XXX...XXX"
}"#;
    let r = SubDevResponse::parse(rsp).unwrap();
    assert_eq!((r.code, &*r.productuuid), (Some(0), "XXXXXX"));
}

#[test]
fn sub_device_auth_6_3_6() {
    let req = br#"{
  "data":{
    "feedid": "1234567890123456",
    "accesskey": "25e35c9691ee91296facd5d28a4822bc",
    "localkey": "25e35c9691ee91296facd5d28a4822bc",
    "server": ["live.smart.jd.com:2001"],
    "joylink_server": ["live.smart.jd.com:6001"],
    "tcpaes": [ "live.smart.jd.com:2014"]

        ,"lancon":1,
        "opt":{"type":1,"std":1},
        "productuuid":"XXXXXXX",
        "mac": "XXX...XXX"
    }
}"#;
    let r = SubDevAuthRequest::parse(req).unwrap();
    assert_eq!(
        (&*r.data.productuuid, &*r.data.mac),
        ("XXXXXXX", "XXX...XXX")
    );
    assert_eq!(r.data.lancon, Some(LanControl::Enabled));
    let rsp = br#"{
    "code":0,
    "msg": "success",
    "productuuid":"XXXXXXX",
    "mac": "XXX...XXX"
}"#;
    assert_eq!(
        SubDevResponse::parse(rsp).unwrap().msg.as_deref(),
        Some("success")
    );
}

#[test]
fn sub_device_json_control_6_3_7() {
    let ts = 7u32.to_le_bytes();
    let with_ts = |json: &[u8]| [&ts[..], json].concat();
    let snapshot = br#"{
    "cmd":4,
    "feedid":"XXXXXXX",
    "data":{}
}"#;
    let p = with_ts(snapshot);
    let Message::SubDevJsonControl(t) =
        lan::parse(PacketType::SubDevJsonControl, &p, Direction::ToDevice).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        (t.timestamp, t.body.feed_id.as_deref()),
        (7, Some("XXXXXXX"))
    );
    let control = br#"{
    "cmd":5,
    "feedid":"XXXXXXX",
    "data":{
        "streams":[
            { "stream_id": "switch", "current_value": "1" }
        ],
        "snapshot": [
            { "current_value": "0", "stream_id": "switch" }
        ]
    }
}"#;
    let p = with_ts(control);
    let m = lan::parse(PacketType::SubDevJsonControl, &p, Direction::ToDevice).unwrap();
    assert!(
        matches!(m, Message::SubDevJsonControl(ref t) if matches!(t.body.command, JsonCommand::Control(_)))
    );

    let ok = br#"{
  "code":0,
  "feedid":"XXXXXXX",
  "data":[
    {
      "stream_id": "switch",
      "current_value": 1
    },
    {
      "stream_id": "light",
      "current_value": "on"
    }
  ]
}"#;
    let p = with_ts(ok);
    // Spec: answered as type 103; shipped devices: as type 4. Both decode to the same message.
    for ty in [PacketType::SubDevJsonControl, PacketType::ScriptControl] {
        let Message::JsonControlResponse(t) = lan::parse(ty, &p, Direction::FromDevice).unwrap()
        else {
            panic!()
        };
        assert_eq!(t.body.feed_id.as_deref(), Some("XXXXXXX"));
    }
    let err = br#"{
  "code":1,
  "msg":"err reason",
  "feedid":"XXXXXXX"
}"#;
    let r = JsonControlResponse::parse(err).unwrap();
    assert_eq!(
        (r.code, r.msg.as_deref(), r.feed_id.as_deref()),
        (1, Some("err reason"), Some("XXXXXXX"))
    );

    // A type-103 request must name its sub-device.
    let p = with_ts(br#"{"cmd":4,"data":{}}"#);
    let e = lan::parse(PacketType::SubDevJsonControl, &p, Direction::ToDevice).unwrap_err();
    assert!(
        matches!(e, joylink_wire::Error::Json { what, .. } if what.contains("feedid")),
        "{e:?}"
    );
}
