//! Every LAN vector of JD's C SDK (`vectors/lan_packets.json`, read at run time) through
//! `lan::parse`: the typed fields equal the vector's inputs (device record, timestamps, biz
//! codes, …), and `Message::emit` re-encodes the very plaintext the SDK produced, with the
//! header type and enctype a shipped peer uses.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::borrow::Cow;

use joylink_test_vectors::{Value, by_id, hex_field, load, u64_field, vectors};
use joylink_wire::lan::{
    self, DevType, JsonCommand, LanControl, Message, ScanStatus, StreamKeyOrder, StreamValue,
    SubDevAuthState, SubDevProtocol, TranType,
};
use joylink_wire::{BizCode, CrcPolicy, Direction, EncType, PacketType, parse};

fn s(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

fn i(v: &Value) -> i64 {
    v.as_i64()
        .unwrap_or_else(|| panic!("expected an integer, got {v}"))
}

fn direction(v: &Value) -> Direction {
    match s(&v["direction"]) {
        "app_to_device" => Direction::ToDevice,
        "device_to_app" => Direction::FromDevice,
        other => panic!("unexpected direction {other}"),
    }
}

/// (packet type, enctype, plaintext) of a vector; lan-21's is the reassembled scan reply.
fn parts(v: &Value) -> (u8, u8, Vec<u8>) {
    if v["fragments"].is_array() {
        let h = &v["fragments"][0]["header"];
        return (
            u8::try_from(u64_field(&h["type"])).unwrap(),
            u8::try_from(u64_field(&h["enctype"])).unwrap(),
            hex_field(&v["reassembled_payload"]),
        );
    }
    let h = &v["header"];
    (
        u8::try_from(u64_field(&h["type"])).unwrap(),
        u8::try_from(u64_field(&h["enctype"])).unwrap(),
        hex_field(&v["plaintext"]),
    )
}

fn check_streams(streams: &[lan::Stream<'_>], expected: &Value, id: &str) {
    let expected = expected.as_array().unwrap();
    assert_eq!(streams.len(), expected.len(), "{id}");
    for (got, want) in streams.iter().zip(expected) {
        assert_eq!(got.stream_id, s(&want["stream_id"]), "{id}");
        match (&got.current_value, &want["current_value"]) {
            (StreamValue::String(g), Value::String(w)) => assert_eq!(g, w, "{id}"),
            (StreamValue::Number(g), Value::Number(w)) => {
                assert_eq!(g.as_str(), w.to_string(), "{id}")
            }
            (g, w) => panic!("{id}: kind changed: {g:?} vs {w}"),
        }
    }
}

fn check_scan_response(r: &lan::ScanResponse<'_>, v: &Value, id: &str) {
    let d = &v["device"];
    assert_eq!(
        r.code.as_ref().and_then(StreamValue::as_i64),
        Some(0),
        "{id}"
    );
    assert_eq!(
        r.msg.as_ref().and_then(StreamValue::as_str),
        Some("scan ok"),
        "{id}"
    );
    assert_eq!(r.mac, s(&d["mac"]), "{id}");
    assert_eq!(r.productuuid, s(&d["productuuid"]), "{id}");
    assert_eq!(r.feed_id.as_deref(), Some(s(&d["feedid"])), "{id}");
    assert_eq!(r.cid.as_deref(), Some(s(&d["CID"])), "{id}");
    assert_eq!(
        r.firmware_version.as_deref(),
        Some(s(&d["firmwareVersion"])),
        "{id}"
    );
    assert_eq!(r.model_code.as_deref(), Some(s(&d["modelCode"])), "{id}");
    assert_eq!(
        r.joy_sdk_version.as_deref(),
        Some(s(&d["joySdkVersion"])),
        "{id}"
    );
    assert_eq!(
        r.lancon,
        Some(LanControl::from(i32::try_from(i(&d["lancon"])).unwrap())),
        "{id}"
    );
    assert_eq!(
        r.trantype,
        Some(TranType::from(i32::try_from(i(&d["trantype"])).unwrap())),
        "{id}"
    );
    assert_eq!(
        r.devtype,
        Some(DevType::from(i32::try_from(i(&d["devtype"])).unwrap())),
        "{id}"
    );
    assert_eq!((r.no_snapshot, r.batch_bind), (Some(0), Some(0)), "{id}");
    let devkey = r.devkey.as_deref().unwrap();
    assert_eq!(devkey.len(), 42, "{id}");
    assert!(
        devkey
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
        "{id}"
    );
    assert!(
        r.dbg.is_none() && r.opt.is_none(),
        "{id}: shipped devices send neither"
    );
    if i(&d["is_actived"]) == 0 {
        let idt = r
            .d_idt
            .as_ref()
            .unwrap_or_else(|| panic!("{id}: d_idt expected"));
        assert_eq!(idt.t, Some(i(&d["idt_t"])), "{id}");
        assert_eq!(idt.d_s.as_deref(), Some(s(&d["idt_d_s"])), "{id}");
        assert_eq!(idt.f_s.as_deref(), Some(s(&d["idt_f_s"])), "{id}");
        assert_eq!(idt.d_r.as_deref(), Some(s(&d["idt_d_r"])), "{id}");
        assert_eq!(idt.d_as.as_deref(), Some(s(&d["idt_d_as"])), "{id}");
        // The SDK truncates the public keys to 33 characters (its buffer); still a prefix.
        assert!(
            s(&d["idt_d_p"]).starts_with(idt.d_p.as_deref().unwrap()),
            "{id}"
        );
        assert!(
            s(&d["idt_f_p"]).starts_with(idt.f_p.as_deref().unwrap()),
            "{id}"
        );
    } else {
        assert!(r.d_idt.is_none(), "{id}");
    }
    match v["sub_devices"].as_array() {
        Some(subs) => {
            let got = r.subdev.as_ref().unwrap();
            assert_eq!(got.len(), subs.len(), "{id}");
            for (g, w) in got.iter().zip(subs) {
                assert_eq!(g.mac, s(&w["mac"]), "{id}");
                assert_eq!(g.productuuid, s(&w["productuuid"]), "{id}");
                assert_eq!(g.feed_id, s(&w["feedid"]), "{id}");
                assert_eq!(g.devkey.as_deref(), Some(s(&w["devkey"])), "{id}");
                assert_eq!(
                    g.dev_auth_value.as_deref(),
                    Some(s(&w["devAuthValue"])),
                    "{id}"
                );
                assert_eq!(
                    g.state,
                    SubDevAuthState::from(i32::try_from(i(&w["state"])).unwrap()),
                    "{id}"
                );
                assert_eq!(
                    g.protocol,
                    SubDevProtocol::from(i32::try_from(i(&w["protocol"])).unwrap()),
                    "{id}"
                );
                assert_eq!(g.lancon, LanControl::Enabled, "{id}");
                assert_eq!(g.sub_no_snapshot, Some(0), "{id}");
            }
        }
        None => assert!(r.subdev.is_none(), "{id}"),
    }
}

fn check_fields(m: &Message<'_>, v: &Value, list: &[Value]) {
    let id = s(&v["id"]);
    let text: Option<Value> = v["plaintext_text"]
        .as_str()
        .map(|t| serde_json::from_str(t).unwrap());
    match (id, m) {
        ("lan-01", Message::ScanRequest(r)) => {
            assert_eq!(r.cmd, Some(2));
            assert_eq!(r.product_uuid(), Some("5708AB"));
            assert_eq!(r.status, Some(ScanStatus::All));
        }
        ("lan-02" | "lan-03" | "lan-21", Message::ScanResponse(r)) => check_scan_response(r, v, id),
        ("lan-04", Message::WriteKeyRequest(t)) => {
            let want = &text.unwrap()["data"];
            assert_eq!(u64::from(t.timestamp), u64_field(&v["timestamp"]));
            let d = &t.body.data;
            assert_eq!(d.feed_id, s(&want["feedid"]));
            assert_eq!(d.accesskey.raw_secret_str(), s(&want["accesskey"]));
            assert_eq!(d.localkey.raw_secret_str(), s(&want["localkey"]));
            assert_eq!(d.productuuid.as_deref(), Some(s(&want["productuuid"])));
            assert_eq!(
                (d.lancon, d.trantype),
                (Some(LanControl::Enabled), Some(TranType::Lua))
            );
            assert_eq!(
                d.joylink_server.as_ref().unwrap()[0],
                s(&want["joylink_server"][0])
            );
            assert_eq!(d.opt.as_ref().unwrap().get(), r#"{"type":1,"std":1}"#);
            assert!(
                matches!(d.feed_id, Cow::Borrowed(_)),
                "strings borrow from the plaintext"
            );
        }
        ("lan-05", Message::WriteKeyResponse(r)) => {
            assert_eq!((r.code, &*r.msg), (0, lan::WriteKeyResponse::OK));
        }
        ("lan-06", Message::WriteKeyResponse(r)) => {
            assert_eq!(
                (r.code, &*r.msg),
                (-2001, lan::WriteKeyResponse::ALREADY_ACTIVATED)
            );
        }
        ("lan-07" | "lan-19", Message::JsonControl(t) | Message::SubDevJsonControl(t)) => {
            let want = text.unwrap();
            assert_eq!(u64::from(t.timestamp), u64_field(&v["timestamp"]));
            assert_eq!(t.body.feed_id.as_deref(), want["feedid"].as_str());
            let JsonCommand::Control(c) = &t.body.command else {
                panic!("{id}: control expected")
            };
            check_streams(&c.streams, &want["data"]["streams"], id);
            if let Some(snap) = &c.snapshot {
                check_streams(snap, &want["data"]["snapshot"], id);
                assert_eq!(snap[0].order, StreamKeyOrder::ValueFirst);
            }
            assert_eq!(id == "lan-19", matches!(m, Message::SubDevJsonControl(_)));
        }
        ("lan-09", Message::JsonControl(t)) => {
            assert_eq!(u64::from(t.timestamp), u64_field(&v["timestamp"]));
            assert_eq!(t.body.command, JsonCommand::Snapshot);
        }
        ("lan-08" | "lan-10" | "lan-20", Message::JsonControlResponse(t)) => {
            let want: Value = serde_json::from_str(s(&v["app_response_json"])).unwrap();
            assert_eq!(u64::from(t.timestamp), u64_field(&v["device_time"]));
            assert_eq!(i64::from(t.body.code), i(&want["code"]));
            assert_eq!(t.body.feed_id.as_deref(), want["feedid"].as_str());
            check_streams(t.body.data.as_ref().unwrap(), &want["data"], id);
        }
        ("lan-11" | "lan-13", Message::ScriptControl(c)) => {
            assert_eq!(u64::from(c.timestamp), u64_field(&v["timestamp"]));
            assert_eq!(u64::from(c.biz_code.value()), u64_field(&v["biz_code"]));
            assert_eq!(u64::from(c.serial), u64_field(&v["serial"]));
            assert_eq!(c.data, hex_field(&v["cmd"]));
        }
        ("lan-12" | "lan-14", Message::ScriptControlResponse(c)) => {
            assert_eq!(u64::from(c.timestamp), u64_field(&v["device_time"]));
            assert_eq!(u64::from(c.biz_code.value()), u64_field(&v["biz_code"]));
            assert!(matches!(
                c.biz_code,
                BizCode::ControlResponse | BizCode::SnapshotResponse
            ));
            assert_eq!(u64::from(c.serial), u64_field(&v["serial"]));
            assert_eq!(c.data, s(&v["snapshot"]).as_bytes());
        }
        ("lan-15", Message::AddSubDevRequest(t)) => {
            assert_eq!(u64::from(t.timestamp), u64_field(&v["timestamp"]));
            assert_eq!(t.body.cmd, Some(6));
            let d = &t.body.data;
            let want = &text.unwrap()["data"];
            assert_eq!(
                (&*d.mac, &*d.productuuid),
                (s(&want["mac"]), s(&want["productuuid"]))
            );
            assert_eq!(d.protocol, SubDevProtocol::Zigbee);
        }
        ("lan-16", Message::AddSubDevResponse(t)) => {
            assert_eq!(u64::from(t.timestamp), u64_field(&v["device_time"]));
            let req: Value =
                serde_json::from_str(s(&by_id(list, "lan-15")["plaintext_text"])).unwrap();
            let b = &t.body;
            assert_eq!((b.code, b.msg.as_deref()), (Some(0), Some("success")));
            assert_eq!(b.mac, s(&req["data"]["mac"]));
            assert_eq!(b.productuuid, s(&req["data"]["productuuid"]));
        }
        ("lan-17", Message::SubDevAuthRequest(t)) => {
            let want = &text.unwrap()["data"];
            assert_eq!(u64::from(t.timestamp), u64_field(&v["timestamp"]));
            let d = &t.body.data;
            for (got, key) in [
                (&*d.feed_id, "feedid"),
                (d.accesskey.raw_secret_str(), "accesskey"),
                (d.localkey.raw_secret_str(), "localkey"),
                (&*d.productuuid, "productuuid"),
                (&*d.mac, "mac"),
            ] {
                assert_eq!(got, s(&want[key]), "{key}");
            }
            assert_eq!(d.lancon, Some(LanControl::Enabled));
        }
        ("lan-18", Message::SubDevAuthResponse(r)) => {
            let sub = &v["sub_devices"][0];
            assert_eq!((r.code, r.msg.as_deref()), (Some(0), Some("success")));
            assert_eq!(r.mac, s(&sub["mac"]));
            assert_eq!(r.productuuid, s(&sub["productuuid"]));
        }
        (id, m) => panic!("{id}: unexpected message {m:?}"),
    }
}

#[test]
fn every_lan_vector_decodes_and_reencodes() {
    let list = vectors("lan_packets.json");
    assert_eq!(list.len(), 21);
    for v in &list {
        let id = s(&v["id"]);
        let (ptype, enctype, plaintext) = parts(v);
        let dir = direction(v);
        let m = lan::parse(PacketType::from(ptype), &plaintext, dir)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        check_fields(&m, v, &list);
        assert_eq!(m.direction(), dir, "{id}");
        assert_eq!(u8::from(m.packet_type()), ptype, "{id}: header type");
        assert_eq!(u8::from(m.enc_type()), enctype, "{id}: enctype");
        let again = m.emit().unwrap();
        assert_eq!(
            again,
            plaintext,
            "{id}: re-encoded\n{}\nexpected\n{}",
            String::from_utf8_lossy(&again),
            String::from_utf8_lossy(&plaintext)
        );
    }
}

#[test]
fn enctype_0_vectors_carry_the_plaintext_as_payload() {
    for v in &vectors("lan_packets.json") {
        if v["packet"].is_null() || u64_field(&v["header"]["enctype"]) != 0 {
            continue;
        }
        let packet = hex_field(&v["packet"]);
        let d = parse(&packet, CrcPolicy::Verify).unwrap();
        assert_eq!(d.header.enc_type, EncType::None);
        let m = lan::parse(d.header.packet_type, d.payload, direction(v)).unwrap();
        assert_eq!(m.emit().unwrap(), d.payload, "{}", s(&v["id"]));
    }
}

#[test]
fn sdk_receive_check_plaintext_is_a_snapshot_request() {
    let checks = load("lan_packets.json")["sdk_receive_checks"]["vectors"].clone();
    let accepted = by_id(checks.as_array().unwrap(), "lanrx-01");
    let plaintext = hex_field(&accepted["sdk_plaintext"]);
    let m = lan::parse(PacketType::JsonControl, &plaintext, Direction::ToDevice).unwrap();
    let Message::JsonControl(t) = m else {
        panic!("{m:?}")
    };
    assert_eq!(t.timestamp, 0x5df1_45d1);
    assert_eq!(t.body.command, JsonCommand::Snapshot);
}
