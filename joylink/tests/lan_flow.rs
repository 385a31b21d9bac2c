//! A full LAN exchange with real encryption (app ↔ device ↔ gateway/sub-device), and every LAN
//! vector opened and re-sealed byte for byte with its real keys through the facade.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::borrow::Cow;

use joylink::Error;
use joylink::lan::{
    LanKeys, OpenedLan, SubDevScript, open, open_subdev_script, seal_subdev_script, seal_vec,
    subdev_script_len,
};
use joylink_crypto::{KeyPair, LocalKey, Mode, PrivateKey, PublicKey};
use joylink_test_vectors::{TestRng, Value, hex_field, vectors};
use joylink_wire::lan::{
    AddSubDevRequest, Control, ControlData, DevType, JsonCommand, JsonControlRequest,
    JsonControlResponse, LanControl, Message, ResponseLayout, ScanRequest, ScanResponse,
    ScanStatus, Stream, StreamValue, SubDevAuthData, SubDevAuthRequest, SubDevProtocol,
    SubDevResponse, Timestamped, TranType, WriteKeyData, WriteKeyRequest, WriteKeyResponse,
};
use joylink_wire::{BizCode, CrcPolicy, Direction, EncType, HEADER_LEN, PacketType, parse};

fn header_of(packet: &[u8]) -> joylink_wire::Header {
    parse(packet, CrcPolicy::Verify).unwrap().header
}

fn payload_of(packet: &[u8]) -> Vec<u8> {
    parse(packet, CrcPolicy::Verify).unwrap().payload.to_vec()
}

/// Sends `message` from one side and opens it on the other; returns the received packet bytes.
fn transmit(message: &Message<'_>, sender: &LanKeys<'_>) -> Vec<u8> {
    seal_vec(message, sender).unwrap()
}

fn receive<'a>(packet: &'a mut [u8], receiver: &LanKeys<'_>, dir: Direction) -> OpenedLan<'a> {
    open(packet, receiver, dir, CrcPolicy::Verify).unwrap()
}

#[test]
fn full_lan_exchange() {
    let mut rng = TestRng(0x5eed);
    // The device regenerates its key pair on every boot (compat §4); the app has its own.
    let device_pair = KeyPair::generate(&mut rng);
    let app_pair = KeyPair::generate(&mut rng);

    // 1. Discovery: the app asks (enctype 0), the device answers with its fresh public key.
    let scan = Message::ScanRequest(ScanRequest::new(Some("5708AB"), ScanStatus::All));
    let mut p = transmit(&scan, &LanKeys::default());
    let h = header_of(&p);
    assert_eq!(
        (h.packet_type, h.enc_type),
        (PacketType::Scan, EncType::None)
    );
    let device_keys_pre = LanKeys {
        key_pair: Some(&device_pair),
        ..LanKeys::default()
    };
    let got = receive(&mut p, &device_keys_pre, Direction::ToDevice);
    let Message::ScanRequest(r) = &got.message else {
        panic!()
    };
    assert_eq!(r.product_uuid(), Some("5708AB"));
    // A shipped app's spelling (`uuid`) is understood as well.
    let sdk_scan = Message::ScanRequest(ScanRequest {
        uuid: Some(Cow::Borrowed("5708AB")),
        ..ScanRequest::default()
    });
    let mut p = transmit(&sdk_scan, &LanKeys::default());
    let got = receive(&mut p, &device_keys_pre, Direction::ToDevice);
    assert!(matches!(&got.message, Message::ScanRequest(r) if r.product_uuid() == Some("5708AB")));

    let devkey = device_pair.public_key().to_devkey();
    let answer = ScanResponse {
        code: Some(StreamValue::from(0)),
        msg: Some(StreamValue::from(ScanResponse::SCAN_OK)),
        devkey: Some(Cow::Borrowed(devkey.as_str())),
        mac: Cow::Borrowed("EA2D9AB01132"),
        productuuid: Cow::Borrowed("5708AB"),
        feed_id: Some(Cow::Borrowed("")),
        lancon: Some(LanControl::Enabled),
        trantype: Some(TranType::Lua),
        devtype: Some(DevType::Gateway),
        cid: Some(Cow::Borrowed("2b19175a")),
        firmware_version: Some(Cow::Borrowed("7c4e_562")),
        model_code: Some(Cow::Borrowed("27ced605")),
        joy_sdk_version: Some(Cow::Borrowed("2.0.19")),
        no_snapshot: Some(0),
        no_snap_short: None,
        batch_bind: Some(0),
        dbg: None,
        opt: None,
        d_idt: None,
        subdev: None,
    };
    let mut p = transmit(&Message::ScanResponse(answer), &device_keys_pre);
    assert!(
        payload_of(&p)
            .starts_with(b"{\n\t\"code\":\t0,\n\t\"msg\":\t\"scan ok\",\n\t\"devkey\":\t\"")
    );
    let got = receive(&mut p, &LanKeys::default(), Direction::FromDevice);
    let device_public: PublicKey = got.peer_key.unwrap();
    assert_eq!(&device_public, device_pair.public_key());

    // 2. Authorization with ECDH (mode 2): the app's key in opt, keys in the body.
    let localkey_text = "be4d957a4da771d609ab383e548014a0";
    let app_keys_ecdh = LanKeys {
        key_pair: Some(&app_pair),
        peer_key: Some(&device_public),
        ..LanKeys::default()
    };
    let mut data = WriteKeyData::new(
        "7882708419766653",
        "961745eaa28c7ff6854b94a91ce19a91",
        localkey_text,
    );
    data.joylink_server = Some(vec![Cow::Borrowed("live.smart.jd.com:6001")]);
    let write_key = Message::WriteKeyRequest(Timestamped {
        timestamp: 1_000,
        body: WriteKeyRequest { data },
    });
    let mut p = transmit(&write_key, &app_keys_ecdh);
    let h = header_of(&p);
    assert_eq!(
        (h.packet_type, h.enc_type, h.opt_len),
        (PacketType::WriteKey, EncType::Ecdh, 21)
    );
    assert_eq!(
        &p[HEADER_LEN..HEADER_LEN + 21],
        &app_pair.public_key().to_compressed()
    );
    // Without the device's private key the packet cannot be opened.
    let mut copy = p.clone();
    assert!(matches!(
        open(
            &mut copy,
            &LanKeys::default(),
            Direction::ToDevice,
            CrcPolicy::Verify
        ),
        Err(Error::MissingKey {
            key: "key pair",
            packet_type: PacketType::WriteKey
        })
    ));
    let got = receive(&mut p, &device_keys_pre, Direction::ToDevice);
    assert_eq!(got.peer_key.as_ref(), Some(app_pair.public_key()));
    let Message::WriteKeyRequest(t) = &got.message else {
        panic!()
    };
    assert_eq!(t.timestamp, 1_000);
    let device_localkey: LocalKey = t.body.data.localkey.raw_secret_str().parse().unwrap();

    // The device answers with enctype 0, no timestamp, in the SDK's sprintf layout.
    let mut p = transmit(
        &Message::WriteKeyResponse(WriteKeyResponse::ok()),
        &device_keys_pre,
    );
    assert_eq!(header_of(&p).enc_type, EncType::None);
    assert_eq!(payload_of(&p), br#"{"code":0, "msg":"write accesskey ok"}"#);
    let got = receive(&mut p, &LanKeys::default(), Direction::FromDevice);
    assert!(matches!(&got.message, Message::WriteKeyResponse(r) if r.code == 0));

    // 3. JSON control and snapshot with the localkey (mode 3).
    let app_localkey: LocalKey = localkey_text.parse().unwrap();
    let app_keys = LanKeys {
        local_key: Some(&app_localkey),
        ..LanKeys::default()
    };
    let device_keys = LanKeys {
        local_key: Some(&device_localkey),
        key_pair: Some(&device_pair),
        peer_key: None,
        ..LanKeys::default()
    };
    let control = JsonControlRequest::control(ControlData {
        streams: vec![Stream::new("switch", "1")],
        snapshot: Some(vec![Stream::new("switch", "0")]),
    });
    let mut p = transmit(
        &Message::JsonControl(Timestamped {
            timestamp: 1_001,
            body: control,
        }),
        &app_keys,
    );
    assert_eq!(header_of(&p).enc_type, EncType::PreShared);
    let got = receive(&mut p, &device_keys, Direction::ToDevice);
    let Message::JsonControl(t) = &got.message else {
        panic!()
    };
    let JsonCommand::Control(c) = &t.body.command else {
        panic!()
    };
    assert_eq!(c.streams[0].current_value.as_str(), Some("1"));
    // The device answers as type 4 (compat §6.4); value kinds survive.
    let reply =
        JsonControlResponse::success(vec![Stream::new("switch", 1), Stream::new("light", "on")]);
    let mut p = transmit(
        &Message::JsonControlResponse(Timestamped {
            timestamp: 2_001,
            body: reply,
        }),
        &device_keys,
    );
    assert_eq!(header_of(&p).packet_type, PacketType::ScriptControl);
    let got = receive(&mut p, &app_keys, Direction::FromDevice);
    let Message::JsonControlResponse(t) = &got.message else {
        panic!("{:?}", got.message)
    };
    let data = t.body.data.as_ref().unwrap();
    assert!(matches!(&data[0].current_value, StreamValue::Number(n) if n.as_i64() == Some(1)));
    assert_eq!(data[1].current_value.as_str(), Some("on"));

    let mut p = transmit(
        &Message::JsonControl(Timestamped {
            timestamp: 1_002,
            body: JsonControlRequest::snapshot(),
        }),
        &app_keys,
    );
    let got = receive(&mut p, &device_keys, Direction::ToDevice);
    assert!(
        matches!(&got.message, Message::JsonControl(t) if t.body.command == JsonCommand::Snapshot)
    );
    // A wrong localkey is one opaque decryption error.
    let wrong: LocalKey = "00000000000000000000000000000000".parse().unwrap();
    let mut p = transmit(
        &Message::JsonControl(Timestamped {
            timestamp: 1_002,
            body: JsonControlRequest::snapshot(),
        }),
        &app_keys,
    );
    let wrong_keys = LanKeys {
        local_key: Some(&wrong),
        ..LanKeys::default()
    };
    assert!(matches!(
        open(&mut p, &wrong_keys, Direction::ToDevice, CrcPolicy::Verify),
        Err(Error::Crypto(joylink_crypto::Error::Decrypt))
            | Err(Error::Wire(joylink_wire::Error::Json { .. }))
    ));

    // 4. Script control (type 4) and its binary reply.
    let cmd = Control {
        timestamp: 1_003,
        biz_code: BizCode::Control,
        serial: 7,
        data: b"\x01\x02\x03",
    };
    let mut p = transmit(&Message::ScriptControl(cmd), &app_keys);
    let got = receive(&mut p, &device_keys, Direction::ToDevice);
    assert_eq!(got.message, Message::ScriptControl(cmd));
    let snapshot = br#"{"code":0,"streams":[{"stream_id":"switch","current_value":"1"}]}"#;
    let resp = Control {
        timestamp: 2_003,
        biz_code: BizCode::Control.response(),
        serial: 7,
        data: snapshot,
    };
    let mut p = transmit(&Message::ScriptControlResponse(resp), &device_keys);
    let got = receive(&mut p, &app_keys, Direction::FromDevice);
    let Message::ScriptControlResponse(r) = got.message else {
        panic!()
    };
    assert_eq!(
        (r.biz_code, r.serial, r.data),
        (BizCode::ControlResponse, 7, &snapshot[..])
    );

    // 5. The device is a gateway: add a sub-device (105) and authorize it (102, ECDH again).
    let add = AddSubDevRequest::new("7E3C55204B59", "83453A", SubDevProtocol::Zigbee);
    let mut p = transmit(
        &Message::AddSubDevRequest(Timestamped {
            timestamp: 1_004,
            body: add,
        }),
        &app_keys,
    );
    let got = receive(&mut p, &device_keys, Direction::ToDevice);
    let Message::AddSubDevRequest(t) = &got.message else {
        panic!()
    };
    assert_eq!(
        (&*t.body.data.mac, t.body.data.protocol),
        ("7E3C55204B59", SubDevProtocol::Zigbee)
    );
    let ok = SubDevResponse::success("7E3C55204B59", "83453A");
    let mut p = transmit(
        &Message::AddSubDevResponse(Timestamped {
            timestamp: 2_004,
            body: ok.clone(),
        }),
        &device_keys,
    );
    assert_eq!(payload_of(&p).len() % 16, 0);
    let got = receive(&mut p, &app_keys, Direction::FromDevice);
    assert!(matches!(&got.message, Message::AddSubDevResponse(t) if t.body == ok));

    let sub_feedid = "135902253148451506";
    let sub_localkey_text = "22dc6dd29b5b3b2f80cc44d6cb3aad1a";
    let auth = SubDevAuthData::new(
        sub_feedid,
        "dd9bef8eea945ce9b7a7fafc908105c9",
        sub_localkey_text,
        "83453A",
        "7E3C55204B59",
    );
    let mut p = transmit(
        &Message::SubDevAuthRequest(Timestamped {
            timestamp: 1_005,
            body: SubDevAuthRequest { data: auth },
        }),
        &app_keys_ecdh,
    );
    assert_eq!(header_of(&p).enc_type, EncType::Ecdh);
    let got = receive(&mut p, &device_keys, Direction::ToDevice);
    let Message::SubDevAuthRequest(t) = &got.message else {
        panic!()
    };
    let gateway_sub_key: LocalKey = t.body.data.localkey.raw_secret_str().parse().unwrap();
    let gateway_sub_feedid = t.body.data.feed_id.to_string();
    let mut p = transmit(&Message::SubDevAuthResponse(ok.clone()), &device_keys);
    let h = header_of(&p);
    assert_eq!(
        (h.packet_type, h.enc_type),
        (PacketType::SubDevAuth, EncType::None)
    );
    assert!(payload_of(&p).starts_with(b"{\n\t\"code\":\t0,"));
    let got = receive(&mut p, &app_keys, Direction::FromDevice);
    assert!(matches!(&got.message, Message::SubDevAuthResponse(r) if r.code == Some(0)));

    // 6. Sub-device JSON control (103, gateway localkey; answered as type 4 with feedid).
    let req = JsonControlRequest::snapshot().with_feed_id(sub_feedid);
    let mut p = transmit(
        &Message::SubDevJsonControl(Timestamped {
            timestamp: 1_006,
            body: req,
        }),
        &app_keys,
    );
    assert_eq!(header_of(&p).packet_type, PacketType::SubDevJsonControl);
    let got = receive(&mut p, &device_keys, Direction::ToDevice);
    let Message::SubDevJsonControl(t) = &got.message else {
        panic!()
    };
    assert_eq!(t.body.feed_id.as_deref(), Some(sub_feedid));
    let mut reply = JsonControlResponse::success(vec![Stream::new("power", "11")]);
    reply.feed_id = Some(Cow::Borrowed(sub_feedid));
    let mut p = transmit(
        &Message::JsonControlResponse(Timestamped {
            timestamp: 2_006,
            body: reply,
        }),
        &device_keys,
    );
    assert_eq!(header_of(&p).packet_type, PacketType::ScriptControl);
    let got = receive(&mut p, &app_keys, Direction::FromDevice);
    assert!(
        matches!(&got.message, Message::JsonControlResponse(t) if t.body.feed_id.as_deref() == Some(sub_feedid))
    );

    // 7. Sub-device script control (104) with nested keys: inner = sub-device localkey, outer =
    // gateway localkey (spec 8.2).
    let app_sub_key: LocalKey = sub_localkey_text.parse().unwrap();
    let outer_app = Mode::LocalKey(&app_localkey);
    let inner_app = Mode::LocalKey(&app_sub_key);
    let script = SubDevScript {
        timestamp: 1_007,
        biz_code: BizCode::Control,
        serial: 9,
        feed_id: sub_feedid.as_bytes(),
        data: br#"{"streams":[{"stream_id":"power","current_value":"1"}]}"#,
    };
    let mut p = vec![0u8; subdev_script_len(&outer_app, &inner_app, script.data.len())];
    let n = seal_subdev_script(&script, &outer_app, &inner_app, &mut p).unwrap();
    assert_eq!(n, p.len());
    let h = header_of(&p);
    assert_eq!(
        (h.packet_type, h.enc_type),
        (PacketType::SubDevScriptControl, EncType::PreShared)
    );
    // The gateway's key alone shows the fixed part but not the command.
    let mut outer_only = p.clone();
    let opened = joylink_crypto::open(
        joylink_wire::PartialParse::new(&mut outer_only, CrcPolicy::Verify).unwrap(),
        &Mode::LocalKey(&device_localkey),
        joylink_crypto::OpenOptions::new(),
    )
    .unwrap();
    let Message::SubDevScriptControl(c) = joylink_wire::lan::parse(
        PacketType::SubDevScriptControl,
        opened.plaintext,
        Direction::ToDevice,
    )
    .unwrap() else {
        panic!()
    };
    assert_eq!(
        (c.timestamp, c.serial, c.feed_id.to_str().unwrap()),
        (1_007, 9, sub_feedid)
    );
    assert_ne!(c.cmd, script.data);
    assert_eq!(c.cmd.len(), 64); // 55 bytes padded
    // Through the facade, the gateway picks the sub-device's key by feedid.
    let outer_gw = Mode::LocalKey(&device_localkey);
    let outer =
        open_subdev_script(&mut p, &outer_gw, ResponseLayout::Spec, CrcPolicy::Verify).unwrap();
    assert_eq!(outer.feed_id().to_str().unwrap(), gateway_sub_feedid);
    let opened = outer.open_inner(&Mode::LocalKey(&gateway_sub_key)).unwrap();
    assert_eq!(
        (opened.timestamp, opened.biz_code, opened.serial),
        (1_007, BizCode::Control, 9)
    );
    assert_eq!(opened.data, script.data);
    // The wrong inner key fails.
    let mut p2 = vec![0u8; n];
    seal_subdev_script(&script, &outer_app, &inner_app, &mut p2).unwrap();
    let outer =
        open_subdev_script(&mut p2, &outer_gw, ResponseLayout::Spec, CrcPolicy::Verify).unwrap();
    assert!(matches!(
        outer.open_inner(&Mode::LocalKey(&device_localkey)),
        Err(Error::Crypto(joylink_crypto::Error::Decrypt))
    ));
    // The gateway's answer, spec layout, and the app opens both layers.
    let answer = SubDevScript {
        timestamp: 2_007,
        biz_code: BizCode::Control.response(),
        serial: 9,
        feed_id: gateway_sub_feedid.as_bytes(),
        data: br#"{"code":0,"streams":[{"stream_id":"power","current_value":"1"}]}"#,
    };
    let inner_gw = Mode::LocalKey(&gateway_sub_key);
    let mut p = vec![0u8; subdev_script_len(&outer_gw, &inner_gw, answer.data.len())];
    seal_subdev_script(&answer, &outer_gw, &inner_gw, &mut p).unwrap();
    let outer =
        open_subdev_script(&mut p, &outer_app, ResponseLayout::Spec, CrcPolicy::Verify).unwrap();
    let opened = outer.open_inner(&inner_app).unwrap();
    assert_eq!(
        (opened.biz_code, opened.serial, opened.data),
        (BizCode::ControlResponse, 9, answer.data)
    );
}

#[test]
fn shipped_gateway_104_reply_layout() {
    // compat §6.9: feedid at offset 0, 12 leftover bytes, then the inner ciphertext.
    let gw: LocalKey = "62e3af29dfaa061b340b2f87ce748c7e".parse().unwrap();
    let sub: LocalKey = "22dc6dd29b5b3b2f80cc44d6cb3aad1a".parse().unwrap();
    let resp = b"{\"code\":0}";
    let mut body = vec![0u8; 44 + 16];
    body[..4].copy_from_slice(b"1234");
    body[32..44].fill(0x5a);
    let n = joylink::seal_inner(&Mode::LocalKey(&sub), resp, &mut body[44..]).unwrap();
    assert_eq!(n, 16);
    let header = joylink_wire::Header::new(
        joylink_wire::Magic::Lan,
        PacketType::SubDevScriptControl,
        EncType::PreShared,
    );
    let mut p = vec![0u8; 16 + 64];
    p[16..16 + body.len()].copy_from_slice(&body);
    let n = joylink_crypto::seal(&header, &Mode::LocalKey(&gw), 0, body.len(), &mut p).unwrap();
    p.truncate(n);
    let outer = open_subdev_script(
        &mut p,
        &Mode::LocalKey(&gw),
        ResponseLayout::Shipped,
        CrcPolicy::Verify,
    )
    .unwrap();
    assert_eq!(outer.feed_id().as_bytes(), b"1234");
    let opened = outer.open_inner(&Mode::LocalKey(&sub)).unwrap();
    assert_eq!((opened.serial, opened.data), (0, &resp[..]));
}

fn key_pair(hex_key: &Value) -> KeyPair {
    let bytes: [u8; 20] = hex_field(hex_key).try_into().unwrap();
    KeyPair::from_private_key(PrivateKey::from_bytes(&bytes).unwrap())
}

fn dir(v: &Value) -> Direction {
    match v["direction"].as_str().unwrap() {
        "app_to_device" => Direction::ToDevice,
        _ => Direction::FromDevice,
    }
}

#[test]
fn every_lan_vector_opens_and_reseals_byte_for_byte() {
    let mut count = 0;
    for v in &vectors("lan_packets.json") {
        if v["packet"].is_null() {
            continue; // lan-21: fragments (joylink-wire's reassembler)
        }
        let id = v["id"].as_str().unwrap();
        let packet = hex_field(&v["packet"]);
        let key = &v["key"];
        let local: Option<LocalKey> = key["key_string"].as_str().map(|k| k.parse().unwrap());
        let (receiver_pair, sender_pair, sender_peer) = if key["kind"] == "ecdh" {
            let device = key_pair(&key["device_private_key"]);
            let app = key_pair(&key["app_private_key"]);
            let device_pub = *device.public_key();
            (Some(device), Some(app), Some(device_pub))
        } else {
            (None, None, None)
        };
        let receiver = LanKeys {
            local_key: local.as_ref(),
            key_pair: receiver_pair.as_ref(),
            peer_key: None,
            ..LanKeys::default()
        };
        let mut buf = packet.clone();
        let got = open(&mut buf, &receiver, dir(v), CrcPolicy::Verify)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        if key["kind"] == "ecdh" {
            assert_eq!(
                got.peer_key.unwrap().to_compressed().to_vec(),
                hex_field(&key["app_public_key_compressed"]),
                "{id}"
            );
        }
        if let Message::ScanResponse(_) = got.message {
            assert!(got.peer_key.is_some(), "{id}: devkey is a valid public key");
        }
        let sender = LanKeys {
            local_key: local.as_ref(),
            key_pair: sender_pair.as_ref(),
            peer_key: sender_peer.as_ref(),
            ..LanKeys::default()
        };
        let resealed = seal_vec(&got.message, &sender).unwrap();
        assert_eq!(
            hex::encode(&resealed),
            hex::encode(&packet),
            "{id}: re-sealed packet"
        );
        count += 1;
    }
    assert_eq!(count, 20);
}

#[test]
fn the_enctype_table_is_enforced() {
    // lanrx-05 / lanrx-07 of the vectors: type 3 with enctype 0, type 1 with enctype 3.
    let checks =
        joylink_test_vectors::load("lan_packets.json")["sdk_receive_checks"]["vectors"].clone();
    for c in checks.as_array().unwrap() {
        let mut p = hex_field(&c["packet"]);
        let k: LocalKey = c["key"]["key_string"].as_str().unwrap().parse().unwrap();
        let keys = LanKeys {
            local_key: Some(&k),
            ..LanKeys::default()
        };
        let r = open(&mut p, &keys, Direction::ToDevice, CrcPolicy::Ignore);
        assert_eq!(
            r.is_ok(),
            c["sdk_accepts"].as_bool().unwrap(),
            "{}: {r:?}",
            c["id"]
        );
        if let Ok(inc) = r {
            let Message::JsonControl(t) = inc.message else {
                panic!()
            };
            assert_eq!(t.body.command, JsonCommand::Snapshot);
        }
    }
}
