//! Every body kind, LAN and WAN: `encode` a sample, `decode --json` it, `encode` the printed
//! document again, and get the very packet back (encode(from_json(to_json(x))) == x); the
//! samples must cover every kind joylink-wire declares (`WanMessage::KINDS`,
//! `lan::Message::KINDS`) plus `other`, so a new message without a CLI round trip fails here.
//! The samples are generated per body type (`lan_body_sample`, `wan_body_sample`): a new
//! message of an existing body type is covered by its declaration alone.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use std::collections::BTreeSet;

use common::{joylink, stdout_json, stdout_ok};
use joylink::wire::Direction;
use joylink::wire::lan::{LanBodyKind, Message};
use joylink::wire::table::MessageKind;
use joylink::wire::wan::{WanBodyKind, WanMessage};
use serde_json::{Value, json};

const SESSION: &str = "8de66cd83883285e903932e7d3d229d98819337c43e0734ea13b23dead86063b";
const LOCAL: &str = "be4d957a4da771d609ab383e548014a0";

/// A minimal body of each LAN *body type* (what `encode` reads), for the message `kind`.
/// Every declared message gets its sample from its body type, so a new message of an existing
/// body type is covered without an edit here; a new body type panics until it has a sample.
fn lan_body_sample(kind: &MessageKind) -> Value {
    let sub = json!({"data": {"feedid": "135902253148451506", "accesskey":
        "dd9bef8eea945ce9b7a7fafc908105c9", "localkey": "22dc6dd29b5b3b2f80cc44d6cb3aad1a",
        "lancon": 1, "productuuid": "83453A", "mac": "7E3C55204B59"}});
    let sub_answer = json!({"json": {"code": 0, "msg": "success", "mac": "7E3C55204B59",
        "productuuid": "83453A"}});
    let mut v = match Message::body_kind(kind.name).unwrap() {
        LanBodyKind::ScanRequest => {
            json!({"json": {"cmd": 2, "productuuid": "5708AB", "status": 0}})
        }
        LanBodyKind::ScanResponse => json!({"json": {"code": 0, "msg": "scan ok",
            "mac": "EA2D9AB01132", "productuuid": "5708AB", "feedid": "7882708419766653",
            "lancon": 1, "trantype": 1, "devtype": 0}}),
        LanBodyKind::WriteKeyRequest => json!({"json": {"data": {"feedid": "1618878157371017",
            "accesskey": "f0c473581cae0595b194f56fda33f629",
            "localkey": "45a4fbde3b9d14c41ca56deeb37d9bf8", "productuuid": "AEE7A5",
            "lancon": 1, "trantype": 1, "joylink_server": ["78.220.2.188:2002"]}}}),
        LanBodyKind::WriteKeyResponse => {
            json!({"json": {"code": 0, "msg": "write accesskey ok"}})
        }
        // With `feedid`, which type 103 requires and type 3 allows.
        LanBodyKind::JsonControlRequest => json!({"json": {"cmd": 5,
            "feedid": "1208169234992614",
            "data": {"streams": [{"stream_id": "switch", "current_value": "1"}]}}}),
        LanBodyKind::JsonControlResponse => json!({"json": {"code": 0, "data": [
            {"stream_id": "switch", "current_value": 0}]}}),
        // `cmd` of a request, `resp` of a reply (spec 6.3.4).
        LanBodyKind::Control if kind.direction == Some(Direction::FromDevice) => {
            json!({"biz_code": 102, "serial": 9, "resp": "{\"code\":0}"})
        }
        LanBodyKind::Control => {
            json!({"biz_code": 1002, "serial": 9, "cmd": "{\"streams\":[]}"})
        }
        LanBodyKind::SubDevAuthRequest => json!({"json": sub}),
        LanBodyKind::SubDevResponse | LanBodyKind::TimestampedSubDevResponse => sub_answer,
        LanBodyKind::SubDevScriptControl => json!({"biz_code": 1002, "serial": 3,
            "feedid": "1208169234992614", "cmd_hex": "00112233"}),
        LanBodyKind::SubDevScriptControlResponse => json!({"biz_code": 102, "serial": 3,
            "feedid": "1208169234992614", "resp_hex": "44556677"}),
        LanBodyKind::AddSubDevRequest => json!({"json": {"cmd": 6, "data": {
            "mac": "701923F88581", "productuuid": "7D13F6", "protocol": 1}}}),
        other => panic!("no sample for LAN body type {other:?}: add one here"),
    };
    v["kind"] = json!(kind.name);
    v
}

/// A body of each LAN kind: every declared message's from its body type, then `other`.
fn lan_samples() -> Vec<Value> {
    Message::KINDS
        .iter()
        .map(lan_body_sample)
        .chain([json!({"kind": "other", "direction": "to_device", "data_hex": "0102"})])
        .collect()
}

/// A minimal body of each WAN *body type*, for a message `kind` sent in direction `d`
/// (request and answer codes differ). Every declared message gets its sample from its body
/// type, so a new message of an existing body type is covered without an edit here; a new
/// body type panics until it has a sample.
fn wan_body_sample(kind: &MessageKind) -> Value {
    use joylink::wire::Direction;
    let devices = json!([{"feed_id": "3039237988000962", "version": 13, "rssi": 0, "state": 0}]);
    let up = kind.direction == Some(Direction::FromDevice);
    let biz = if up { 102 } else { 1002 };
    let mut v = match WanMessage::body_kind(kind.name).unwrap() {
        WanBodyKind::AuthRequest => json!({"random": 1, "feed_id": "6641580686479541614"}),
        WanBodyKind::AuthResponse => json!({"random": 7, "session_key_hex": SESSION}),
        WanBodyKind::Heartbeat => json!({"version": 8, "rssi": 1}),
        WanBodyKind::CodeResponse => json!({"code": 0}),
        WanBodyKind::Timestamped => json!({"json": {"code": 0, "serial": 1, "streams": []}}),
        WanBodyKind::Control => json!({"biz_code": biz, "serial": 5, "data": "{\"streams\":[]}"}),
        WanBodyKind::Timer => json!({"direction": "to_device", "biz_code": 1090, "serial": 1,
            "data_hex": ""}),
        WanBodyKind::SubDevHeartbeat => json!({"version": 2, "rssi": 5, "devices": devices}),
        WanBodyKind::SubDevUnbind => json!({"biz_code": if up { 160 } else { 1060 }, "serial": 2,
            "devices": devices}),
        WanBodyKind::SubDevControl => json!({"biz_code": biz, "serial": 4,
            "feed_id": "3039237988000962", "data_hex": "0011"}),
        WanBodyKind::SubDevUpload => json!({"feed_id": "3039237988000962", "data_hex": "4455"}),
        WanBodyKind::SubDevUploadResponse => json!({"feed_id": "3039237988000962", "code": 0}),
        WanBodyKind::AsyncResult => json!({"biz_code": 1002, "serial": 3,
            "feed_id": "3039237988000962", "control_type": 1, "task_timestamp": 1_700_000_000,
            "id": "task-1", "resp": "{\"code\":0}"}),
        WanBodyKind::InfoFetch => json!({"serial": 4, "json": {"type": ["weather"]}}),
        WanBodyKind::TaskReport => json!({"serial": 8, "json": {"task_id": "t1"}}),
        WanBodyKind::TaskReportResponse => json!({"serial": 8, "code": -4}),
        other => panic!("no sample for WAN body type {other:?}: add one here"),
    };
    v["kind"] = json!(kind.name);
    v
}

/// A body of each WAN kind: every declared message's from its body type, then `other`.
fn wan_samples() -> Vec<Value> {
    WanMessage::KINDS
        .iter()
        .map(wan_body_sample)
        .chain([json!({"kind": "other", "direction": "from_device", "data_hex": "0a0b"})])
        .collect()
}

fn names(kinds: &[MessageKind]) -> BTreeSet<String> {
    kinds
        .iter()
        .map(|k| k.name.to_owned())
        .chain(["other".to_owned()])
        .collect()
}

fn kinds_of(samples: &[Value]) -> BTreeSet<String> {
    samples
        .iter()
        .map(|s| s["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn samples_cover_every_declared_kind() {
    assert_eq!(kinds_of(&lan_samples()), names(Message::KINDS));
    assert_eq!(kinds_of(&wan_samples()), names(WanMessage::KINDS));
}

/// The direction a decoder is told: the declaration's, else the body's own.
fn direction(kind: &str, body: &Value, from_name: fn(&str) -> Option<MessageKind>) -> &'static str {
    use joylink::wire::Direction;
    let d = from_name(kind).and_then(|k| k.direction);
    match d {
        Some(Direction::ToDevice) => "to-device",
        Some(Direction::FromDevice) => "from-device",
        None => match body["direction"].as_str().unwrap() {
            "to_device" => "to-device",
            _ => "from-device",
        },
    }
}

fn round_trip(encode: &[&str], keys: &[&str], dir: &str, body: &Value) {
    let kind = body["kind"].as_str().unwrap();
    let hex = String::from_utf8(stdout_ok(
        joylink()
            .arg("encode")
            .args(encode)
            .args(keys)
            .args(["--timestamp", "7"])
            .arg(body.to_string()),
    ))
    .unwrap();
    let hex = hex.trim();
    let decode = |hex: &str| {
        stdout_json(
            joylink()
                .args(["decode", "--json", "--direction", dir])
                .args(keys)
                .arg(hex),
        )
    };
    let doc = decode(hex);
    assert!(doc["error"].is_null(), "{kind}: {doc}");
    assert_eq!(doc["body"]["kind"], kind, "{doc}");
    let again = String::from_utf8(stdout_ok(
        joylink().arg("encode").args(keys).arg(doc.to_string()),
    ))
    .unwrap();
    assert_eq!(again.trim(), hex, "{kind}: encode(decode(x)) != x");
    assert_eq!(decode(again.trim()), doc, "{kind}");
}

#[test]
fn every_lan_kind_round_trips() {
    for body in lan_samples() {
        let kind = body["kind"].as_str().unwrap();
        let dir = direction(kind, &body, Message::from_name);
        // The ECDH requests are sealed with the localkey here: the body is what is checked.
        let mut encode = vec!["--magic", "lan"];
        if matches!(kind, "write_key_request" | "subdev_auth_request") {
            encode.extend(["--enctype", "3"]);
        }
        match Message::from_name(kind) {
            Some(k) => {
                let t = k.packet_type.value().to_string();
                encode.extend(["--type", Box::leak(t.into_boxed_str())]);
            }
            None => encode.extend(["--type", "200"]),
        }
        round_trip(&encode, &["--localkey", LOCAL], dir, &body);
    }
}

#[test]
fn every_wan_kind_round_trips() {
    for body in wan_samples() {
        let kind = body["kind"].as_str().unwrap();
        let dir = direction(kind, &body, WanMessage::from_name);
        let mut encode = vec!["--magic", "wan"];
        let keys = match WanMessage::from_name(kind) {
            Some(k) => {
                let t = k.packet_type.value().to_string();
                encode.extend(["--type", Box::leak(t.into_boxed_str())]);
                if kind.starts_with("auth") {
                    ["--accesskey", LOCAL]
                } else {
                    ["--sessionkey", SESSION]
                }
            }
            None => {
                encode.extend(["--type", "17"]);
                ["--sessionkey", SESSION]
            }
        };
        round_trip(&encode, &keys, dir, &body);
    }
}
