//! A device ↔ cloud WAN session with real encryption, and every WAN vector opened and re-sealed
//! byte for byte with its real keys.
// The session includes OTA orders and task reports, whose bodies are JSON.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use joylink::wan::WanOpenOptions;
use joylink::wan::{
    AuthSent, OpenedWan, WanKeys, open, seal, seal_auth_request, seal_auth_response,
};
use joylink::{Error, inner_sealed_len, open_inner, seal_inner};
use joylink_crypto::{AccessKey, Mode, SessionKey};
use joylink_test_vectors::{TestRng, Value, hex_field, vectors};
use joylink_wire::wan::{
    AuthResponse, CodeResponse, Control, FirmwareCrc32, Heartbeat, OtaOrder, OtaOrderData,
    OtaOrderResponse, OtaStatus, OtaStatusData, OtaStatusReport, SubDevControl, SubDevHeartbeat,
    SubDevInfo, SubDevList, SubDevOnline, SubTaskResult, TaskOutcome, TaskReport, TaskReportDoc,
    TaskReportResponse, Timestamped, VersionName, WanMessage, firmware_crc32,
};
use joylink_wire::{BizCode, CrcPolicy, Direction, FixedText, PacketType, ResponseCode};
use std::borrow::Cow;

/// What a shipped device does with cloud packets: no CRC or enctype check.
fn device_opts() -> WanOpenOptions {
    WanOpenOptions::lenient()
}

/// Seals `msg` and returns the packet.
fn packet(msg: &WanMessage<'_>, keys: &WanKeys<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; 2048];
    let n = seal(msg, keys, &[], &mut buf).unwrap();
    buf.truncate(n);
    buf
}

fn text32(s: &str) -> [u8; 32] {
    let mut a = [0u8; 32];
    a[..s.len()].copy_from_slice(s.as_bytes());
    a
}

#[test]
fn device_cloud_session() {
    let mut rng = TestRng(7);
    let access_key: AccessKey = "25e35c9691ee91296facd5d28a4822bc".parse().unwrap();
    let feed_id = b"1234567890123456";
    let mut t_dev = 1_700_000_000u32;
    let mut t_cloud = 1_700_000_100u32;

    // 1. Auth: the device draws its random number from the caller's RNG.
    let mut buf = [0u8; 128];
    let AuthSent { len, random } =
        seal_auth_request(feed_id, &access_key, t_dev, &mut rng, &mut buf).unwrap();
    assert_ne!(random, 1, "the device uses the RNG, not the SDK's constant");
    assert_eq!(len, 16 + 20 + 16);
    assert_eq!(buf[12], 3, "enctype 3: accesskey");
    let cloud_keys = WanKeys {
        access_key: &access_key,
        session_key: None,
    };
    let opened = open(
        &mut buf[..len],
        &cloud_keys,
        Direction::FromDevice,
        CrcPolicy::Verify,
    )
    .unwrap();
    assert_eq!(opened.auth_request_opt().unwrap().feed_id, feed_id);
    let WanMessage::AuthRequest(req) = opened.message else {
        panic!()
    };
    assert_eq!((req.timestamp, req.random), (t_dev, random));

    // The cloud answers with its own random number and a fresh session key.
    let mut session = [0u8; 32];
    rand_core::Rng::fill_bytes(&mut rng, &mut session);
    let resp = AuthResponse {
        timestamp: t_cloud,
        random: rand_core::Rng::next_u32(&mut rng),
        session_key: session.into(),
    };
    let n = seal_auth_response(&resp, &access_key, &mut buf).unwrap();
    assert_eq!(n, 16 + 4 + 48);
    let dev_keys = WanKeys {
        access_key: &access_key,
        session_key: None,
    };
    let opened = open(&mut buf[..n], &dev_keys, Direction::ToDevice, device_opts()).unwrap();
    let WanMessage::AuthResponse(got) = opened.message else {
        panic!()
    };
    assert_eq!(got, resp);
    // A tampered opt is refused (spec 7.3.2 注).
    let mut bad = [0u8; 128];
    let n2 = seal_auth_response(&resp, &access_key, &mut bad).unwrap();
    bad[16] ^= 1;
    assert!(matches!(
        open(
            &mut bad[..n2],
            &dev_keys,
            Direction::ToDevice,
            device_opts()
        ),
        Err(Error::Wire(joylink_wire::Error::RandomMismatch { .. }))
    ));
    // Nothing but type 9 goes without the session key.
    let hb = WanMessage::Heartbeat(Heartbeat {
        timestamp: t_dev,
        version: 3,
        rssi: 80,
    });
    assert!(matches!(
        seal(&hb, &dev_keys, &[], &mut buf),
        Err(Error::MissingKey {
            key: "session key",
            packet_type: PacketType::Heartbeat
        })
    ));

    // 2. Session key installed on both sides.
    let dev_session = SessionKey::new(*got.session_key.raw_secret_array());
    let cloud_session = SessionKey::new(session);
    let dev = WanKeys {
        access_key: &access_key,
        session_key: Some(&dev_session),
    };
    let cloud = WanKeys {
        access_key: &access_key,
        session_key: Some(&cloud_session),
    };

    // 3. Snapshot upload right after auth (spec 7.3.5 注), and its answer.
    let snapshot = br#"{"code":0,"streams":[{"stream_id":"power","current_value":"1"}]}"#;
    t_dev += 1;
    let mut p = packet(
        &WanMessage::Upload(Timestamped {
            timestamp: t_dev,
            body: snapshot,
        }),
        &dev,
    );
    assert_eq!(p[12], 4, "enctype 4: session key");
    let o = open(&mut p, &cloud, Direction::FromDevice, CrcPolicy::Verify).unwrap();
    let WanMessage::Upload(u) = o.message else {
        panic!()
    };
    assert_eq!(u.body, snapshot);
    let mut p = packet(
        &WanMessage::UploadResponse(CodeResponse {
            timestamp: t_cloud,
            code: ResponseCode::Success,
        }),
        &cloud,
    );
    let o = open(&mut p, &dev, Direction::ToDevice, device_opts()).unwrap();
    assert!(matches!(o.message, WanMessage::UploadResponse(c) if c.code == ResponseCode::Success));

    // 4. Heartbeats and their answers.
    for _ in 0..3 {
        t_dev += 15;
        t_cloud += 15;
        let hb = Heartbeat {
            timestamp: t_dev,
            version: 3,
            rssi: 80,
        };
        let mut p = packet(&WanMessage::Heartbeat(hb), &dev);
        assert_eq!(p.len(), 16 + 16);
        let o = open(&mut p, &cloud, Direction::FromDevice, CrcPolicy::Verify).unwrap();
        assert_eq!(o.message, WanMessage::Heartbeat(hb));
        let ans = CodeResponse {
            timestamp: t_cloud,
            code: ResponseCode::Success,
        };
        let mut p = packet(&WanMessage::HeartbeatResponse(ans), &cloud);
        let o = open(&mut p, &dev, Direction::ToDevice, device_opts()).unwrap();
        assert_eq!(o.message, WanMessage::HeartbeatResponse(ans));
    }

    // 5. A control by biz_code and serial, and the device's answer.
    let cmd = br#"{"streams":[{"stream_id":"power","current_value":"0"}]}"#;
    let ctl = Control {
        timestamp: t_cloud,
        biz_code: BizCode::Control,
        serial: 77,
        data: cmd,
    };
    let mut p = packet(&WanMessage::Control(ctl), &cloud);
    let o = open(&mut p, &dev, Direction::ToDevice, device_opts()).unwrap();
    let WanMessage::Control(req) = o.message else {
        panic!()
    };
    assert_eq!(
        (req.biz_code, req.serial, req.data),
        (BizCode::Control, 77, &cmd[..])
    );
    t_dev += 1;
    let after = br#"{"code":0,"streams":[{"stream_id":"power","current_value":"0"}]}"#;
    let mut p = packet(&WanMessage::ControlResponse(req.answer(t_dev, after)), &dev);
    let o = open(&mut p, &cloud, Direction::FromDevice, CrcPolicy::Verify).unwrap();
    let WanMessage::ControlResponse(ans) = o.message else {
        panic!()
    };
    assert_eq!(
        (ans.biz_code, ans.serial, ans.data),
        (BizCode::ControlResponse, 77, &after[..])
    );

    // 6. Sub-devices through the gateway, with nested keys.
    let sub_a_key: AccessKey = "1ff4654e25e7d359be09ef3366ab3d4b".parse().unwrap();
    let sub_b_key: AccessKey = "8d39045e4becfc6e38899dfd5abb2281".parse().unwrap();
    let (fa, fb) = (text32("3039237988000962"), text32("456224334682547976"));
    let records = [
        SubDevInfo {
            version: 13,
            rssi: 0xffff,
            feed_id: FixedText::new("feed_id", &fa),
            state: SubDevOnline::Online,
        },
        SubDevInfo {
            version: 10,
            rssi: 0xffff,
            feed_id: FixedText::new("feed_id", &fb),
            state: SubDevOnline::Offline,
        },
    ];
    let shb = SubDevHeartbeat {
        timestamp: t_dev,
        version: 3,
        rssi: 0,
        devices: SubDevList::from_records(&records),
    };
    let mut p = packet(&WanMessage::SubDevHeartbeat(shb), &dev);
    let o = open(&mut p, &cloud, Direction::FromDevice, CrcPolicy::Verify).unwrap();
    let WanMessage::SubDevHeartbeat(got) = o.message else {
        panic!()
    };
    assert_eq!(got, shb);
    let states: Vec<_> = got
        .devices
        .iter()
        .map(|d| (d.feed_id.to_str().unwrap(), d.state))
        .collect();
    assert_eq!(
        states,
        [
            ("3039237988000962", SubDevOnline::Online),
            ("456224334682547976", SubDevOnline::Offline)
        ]
    );

    // The cloud controls sub-device A: inner layer with A's accesskey, outer with the session key.
    let sub_cmd = br#"{"streams":[{"stream_id":"power","current_value":"1"}]}"#;
    let mut inner = vec![0u8; inner_sealed_len(&Mode::AccessKey(&sub_a_key), sub_cmd.len())];
    seal_inner(&Mode::AccessKey(&sub_a_key), sub_cmd, &mut inner).unwrap();
    let sctl = SubDevControl {
        timestamp: t_cloud,
        biz_code: BizCode::Control,
        serial: 78,
        feed_id: FixedText::new("feed_id", &fa),
        data: &inner,
    };
    let mut p = packet(&WanMessage::SubDevControl(sctl), &cloud);
    let o = open(&mut p, &dev, Direction::ToDevice, device_opts()).unwrap();
    let WanMessage::SubDevControl(req) = o.message else {
        panic!()
    };
    // The gateway finds the sub-device by feed id and opens the inner layer with its key.
    let key = match req.feed_id.to_str().unwrap() {
        "3039237988000962" => &sub_a_key,
        _ => &sub_b_key,
    };
    let mut scratch = [0u8; 256];
    assert_eq!(
        open_inner(&Mode::AccessKey(key), req.data, &mut scratch).unwrap(),
        sub_cmd
    );
    // The wrong sub-device key does not open it.
    assert!(
        open_inner(&Mode::AccessKey(&sub_b_key), req.data, &mut scratch)
            .map_or(true, |p| p != sub_cmd)
    );
    let sub_snap = br#"{"code":0,"streams":[{"stream_id":"power","current_value":"1"}]}"#;
    let mut inner_resp = vec![0u8; inner_sealed_len(&Mode::AccessKey(key), sub_snap.len())];
    seal_inner(&Mode::AccessKey(key), sub_snap, &mut inner_resp).unwrap();
    t_dev += 1;
    let sresp = SubDevControl {
        timestamp: t_dev,
        biz_code: req.biz_code.response(),
        serial: req.serial,
        feed_id: req.feed_id,
        data: &inner_resp,
    };
    let mut p = packet(&WanMessage::SubDevControlResponse(sresp), &dev);
    let o = open(&mut p, &cloud, Direction::FromDevice, CrcPolicy::Verify).unwrap();
    let WanMessage::SubDevControlResponse(ans) = o.message else {
        panic!()
    };
    assert_eq!((ans.biz_code, ans.serial), (BizCode::ControlResponse, 78));
    assert_eq!(
        open_inner(&Mode::AccessKey(&sub_a_key), ans.data, &mut scratch).unwrap(),
        sub_snap
    );

    // 7. OTA: order with the firmware CRC-32, acknowledgement, status reports ending in "done".
    let firmware: Vec<u8> = (0..100_000u32).map(|i| (i * 31 + i / 7) as u8).collect();
    let name = "1.2.1.20151030_release";
    let order = OtaOrder {
        cmd: Some(Cow::Borrowed("ota")),
        serial: 5,
        data: OtaOrderData {
            feed_id: Cow::Borrowed("1234567890123456"),
            product_uuid: Cow::Borrowed("ABCDEF"),
            version: 2,
            version_name: Cow::Borrowed(name),
            crc32: firmware_crc32(&firmware),
            url: Cow::Borrowed("http://ota.example.com/fw.bin"),
            upgrade_type: None,
        },
    };
    let json = order.to_vec().unwrap();
    t_cloud += 1;
    let mut p = packet(
        &WanMessage::OtaOrder(Timestamped {
            timestamp: t_cloud,
            body: &json,
        }),
        &cloud,
    );
    let o = open(&mut p, &dev, Direction::ToDevice, device_opts()).unwrap();
    let WanMessage::OtaOrder(body) = o.message else {
        panic!()
    };
    let got = OtaOrder::parse(body.body).unwrap();
    assert_eq!(got, order);
    let v: VersionName = got.data.version_name.parse().unwrap();
    assert_eq!((v.major, v.minor, v.patch, v.year), (1, 2, 1, 2015));
    let ack = OtaOrderResponse {
        code: 0,
        serial: got.serial,
        msg: Cow::Borrowed("success"),
        sub_feed_id: None,
    };
    let ack_json = ack.to_vec().unwrap();
    assert_eq!(ack_json, br#"{"code":0,"serial":5,"msg":"success"}"#);
    t_dev += 1;
    let mut p = packet(
        &WanMessage::OtaOrderResponse(Timestamped {
            timestamp: t_dev,
            body: &ack_json,
        }),
        &dev,
    );
    let o = open(&mut p, &cloud, Direction::FromDevice, CrcPolicy::Verify).unwrap();
    let WanMessage::OtaOrderResponse(b) = o.message else {
        panic!()
    };
    assert_eq!(OtaOrderResponse::parse(b.body).unwrap(), ack);

    // The device downloads in chunks and checks the CRC as it goes.
    let mut crc = FirmwareCrc32::new();
    let mut last = OtaStatus::Download;
    for (i, chunk) in firmware.chunks(4093).enumerate() {
        crc.update(chunk);
        if i % 10 == 0 {
            let progress = (i * 4093 * 100 / firmware.len()) as i32;
            let report = OtaStatusReport::new(OtaStatusData {
                feed_id: Cow::Borrowed("1234567890123456"),
                product_uuid: Cow::Borrowed("ABCDEF"),
                status: OtaStatus::Download,
                status_desc: Cow::Borrowed("downloading"),
                progress,
            });
            last = send_status(&report, &dev, &cloud, &mut t_dev);
        }
    }
    assert_eq!(last, OtaStatus::Download);
    assert_eq!(
        crc.finish(),
        got.data.crc32,
        "downloaded firmware is intact"
    );
    for status in [OtaStatus::Install, OtaStatus::Done] {
        let report = OtaStatusReport::new(OtaStatusData {
            feed_id: Cow::Borrowed("1234567890123456"),
            product_uuid: Cow::Borrowed("ABCDEF"),
            status,
            status_desc: Cow::Borrowed("ok"),
            progress: 100,
        });
        last = send_status(&report, &dev, &cloud, &mut t_dev);
    }
    assert_eq!(last, OtaStatus::Done);

    // 8. A task (recipe) dispatch, its answer, then the task report and its answer.
    let recipe = br#"{"task_id":"123","steps":[]}"#;
    t_cloud += 1;
    let mut p = packet(
        &WanMessage::Control(Control {
            timestamp: t_cloud,
            biz_code: BizCode::Recipe,
            serial: 90,
            data: recipe,
        }),
        &cloud,
    );
    let o = open(&mut p, &dev, Direction::ToDevice, device_opts()).unwrap();
    let WanMessage::Control(task) = o.message else {
        panic!()
    };
    assert_eq!(task.biz_code, BizCode::Recipe);
    let mut p = packet(
        &WanMessage::ControlResponse(task.answer(t_dev, br#"{"code":0}"#)),
        &dev,
    );
    let o = open(&mut p, &cloud, Direction::FromDevice, CrcPolicy::Verify).unwrap();
    assert!(
        matches!(o.message, WanMessage::ControlResponse(c) if c.biz_code == BizCode::RecipeResponse && c.serial == 90)
    );
    let doc = TaskReportDoc {
        task_id: "123".into(),
        sub_tasks: vec![SubTaskResult {
            id: "23".into(),
            index: "2".into(),
            result: "0".into(),
            start_time: Cow::Borrowed("2015-05-07 16:03:53"),
            end_time: Cow::Borrowed("2015-05-07 16:05:53"),
        }],
    };
    let report = doc.to_vec().unwrap();
    t_dev += 60;
    let mut p = packet(
        &WanMessage::TaskReport(TaskReport {
            timestamp: t_dev,
            serial: 91,
            report: &report,
        }),
        &dev,
    );
    let o = open(&mut p, &cloud, Direction::FromDevice, CrcPolicy::Verify).unwrap();
    let WanMessage::TaskReport(tr) = o.message else {
        panic!()
    };
    let got = TaskReportDoc::parse(tr.report).unwrap();
    assert_eq!(got, doc);
    assert_eq!(got.sub_tasks[0].outcome(), Some(TaskOutcome::Success));
    let ans = TaskReportResponse {
        timestamp: t_cloud,
        serial: tr.serial,
        code: ResponseCode::Success,
    };
    let mut p = packet(&WanMessage::TaskReportResponse(ans), &cloud);
    let o = open(&mut p, &dev, Direction::ToDevice, device_opts()).unwrap();
    assert_eq!(o.message, WanMessage::TaskReportResponse(ans));
}

/// Device sends an `otastat` report, the cloud reads it and answers; returns the status the
/// cloud saw.
fn send_status(
    report: &OtaStatusReport<'_>,
    dev: &WanKeys<'_>,
    cloud: &WanKeys<'_>,
    t_dev: &mut u32,
) -> OtaStatus {
    *t_dev += 1;
    let json = report.to_vec().unwrap();
    let mut p = packet(
        &WanMessage::OtaStatus(Timestamped {
            timestamp: *t_dev,
            body: &json,
        }),
        dev,
    );
    let o: OpenedWan<'_> = open(&mut p, cloud, Direction::FromDevice, CrcPolicy::Verify).unwrap();
    let WanMessage::OtaStatus(b) = o.message else {
        panic!()
    };
    let seen = OtaStatusReport::parse(b.body).unwrap();
    assert_eq!(&seen, report);
    let mut p = packet(
        &WanMessage::OtaStatusResponse(Timestamped {
            timestamp: *t_dev,
            body: br#"{"code":0,"msg":"success"}"#,
        }),
        cloud,
    );
    let o = open(&mut p, dev, Direction::ToDevice, device_opts()).unwrap();
    assert!(matches!(o.message, WanMessage::OtaStatusResponse(_)));
    seen.data.status
}

fn key_of(v: &Value) -> (Option<AccessKey>, Option<SessionKey>) {
    match v["key"]["kind"].as_str().unwrap() {
        "accesskey" => (
            Some(v["key"]["key_string"].as_str().unwrap().parse().unwrap()),
            None,
        ),
        "session_key" => (
            None,
            Some(SessionKey::from_slice(&hex_field(&v["key"]["session_key"])).unwrap()),
        ),
        other => panic!("unexpected key kind {other}"),
    }
}

#[test]
fn every_wan_vector_opens_and_reseals_byte_for_byte() {
    let dummy: AccessKey = "00000000000000000000000000000000".parse().unwrap();
    for v in vectors("wan_packets.json") {
        let id = v["id"].as_str().unwrap();
        let packet_bytes = hex_field(&v["packet"]);
        let (ak, sk) = key_of(&v);
        let keys = WanKeys {
            access_key: ak.as_ref().unwrap_or(&dummy),
            session_key: sk.as_ref(),
        };
        let dir = match v["direction"].as_str().unwrap() {
            "device_to_cloud" => Direction::FromDevice,
            _ => Direction::ToDevice,
        };
        let mut buf = packet_bytes.clone();
        let o =
            open(&mut buf, &keys, dir, CrcPolicy::Verify).unwrap_or_else(|e| panic!("{id}: {e}"));
        let mut plain = vec![0u8; o.message.buffer_len().unwrap()];
        o.message.emit(&mut plain).unwrap();
        assert_eq!(plain, hex_field(&v["plaintext"]), "{id} plaintext");
        let mut out = vec![0u8; packet_bytes.len() + 32];
        let n = seal(&o.message, &keys, o.opt, &mut out).unwrap();
        assert_eq!(&out[..n], &packet_bytes[..], "{id} re-sealed packet");

        // Sub-device inner layers open with the sub-device's accesskey.
        if let Some(sub) = v.get("sub_device_key") {
            let sub_key: AccessKey = sub["key_string"].as_str().unwrap().parse().unwrap();
            let inner = hex_field(&v["inner_ciphertext"]);
            let expected = match v.get("cmd") {
                Some(cmd) => hex_field(cmd),
                None => v["snapshot"].as_str().unwrap().as_bytes().to_vec(),
            };
            let mut scratch = vec![0u8; inner.len()];
            assert_eq!(
                open_inner(&Mode::AccessKey(&sub_key), &inner, &mut scratch).unwrap(),
                expected,
                "{id} inner"
            );
            let mut sealed =
                vec![0u8; inner_sealed_len(&Mode::AccessKey(&sub_key), expected.len())];
            seal_inner(&Mode::AccessKey(&sub_key), &expected, &mut sealed).unwrap();
            assert_eq!(sealed, inner, "{id} inner re-sealed");
        }
    }
}

#[test]
fn cloud_accepts_random_one_as_shipped_devices_send() {
    let list = vectors("wan_packets.json");
    let v = joylink_test_vectors::by_id(&list, "wan-01");
    let ak: AccessKey = v["key"]["key_string"].as_str().unwrap().parse().unwrap();
    let keys = WanKeys {
        access_key: &ak,
        session_key: None,
    };
    let mut buf = hex_field(&v["packet"]);
    let o = open(&mut buf, &keys, Direction::FromDevice, CrcPolicy::Verify).unwrap();
    assert_eq!(o.auth_request_opt().unwrap().random, 1);
    assert!(matches!(o.message, WanMessage::AuthRequest(a) if a.random == 1));
}
