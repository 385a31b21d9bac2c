//! Property tests of the WAN bodies: `parse(emit(x)) == x` for every repr, re-encoding of any
//! decodable bytes is the identity, and arbitrary bytes never panic any decoder or view.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::panic,
    clippy::cast_possible_truncation
)]

#[cfg(feature = "json")]
use joylink_wire::lan::FeedId;
use joylink_wire::wan::*;
use joylink_wire::{BizCode, Direction, FixedText, PacketType, ResponseCode};
use proptest::prelude::*;

fn biz() -> impl Strategy<Value = BizCode> {
    any::<u32>().prop_map(BizCode::from)
}
fn code() -> impl Strategy<Value = ResponseCode> {
    any::<i32>().prop_map(ResponseCode::from)
}
fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}
fn text32() -> impl Strategy<Value = [u8; 32]> {
    any::<[u8; 32]>()
}

/// emit into a 0xa5-filled buffer of exactly buffer_len bytes, parse back, compare; one byte
/// less is refused.
macro_rules! check {
    ($x:expr, $parse:path) => {{
        let x = $x;
        let len = x.buffer_len();
        let mut buf = vec![0xa5; len];
        prop_assert_eq!(x.emit(&mut buf), Ok(len));
        prop_assert_eq!(&$parse(&buf)?, &x);
        if len > 0 {
            let mut short = vec![0; len - 1];
            prop_assert!(x.emit(&mut short).is_err());
        }
    }};
}

proptest! {
    #[test]
    fn fixed_bodies_round_trip(ts in any::<u32>(), a in any::<u32>(), v in any::<u16>(), r in any::<u16>(),
                               c in code(), key in any::<[u8; 32]>()) {
        let x = AuthRequest { timestamp: ts, random: a };
        check!(x, AuthRequest::parse);
        let x = AuthResponse { timestamp: ts, random: a, session_key: key.into() };
        check!(x, AuthResponse::parse);
        let x = AuthResponseOpt { random: a };
        check!(x, AuthResponseOpt::parse);
        let x = Heartbeat { timestamp: ts, version: v, rssi: r };
        check!(x, Heartbeat::parse);
        let x = CodeResponse { timestamp: ts, code: c };
        check!(x, CodeResponse::parse);
        let x = TaskReportResponse { timestamp: ts, serial: a, code: c };
        check!(x, TaskReportResponse::parse);
    }

    #[test]
    fn variable_bodies_round_trip(ts in any::<u32>(), s in any::<u32>(), b in biz(), data in bytes(300),
                                  feed in bytes(40), f32 in text32(), id in text32(), ct in any::<u8>(), c in code()) {
        let x = AuthRequestOpt { feed_id: &feed, random: s };
        check!(x, AuthRequestOpt::parse);
        let x = Timestamped { timestamp: ts, body: &data[..] };
        check!(x, Timestamped::<&[u8]>::parse);
        let x = Control { timestamp: ts, biz_code: b, serial: s, data: &data };
        check!(x, Control::parse);
        let x = TaskReport { timestamp: ts, serial: s, report: &data };
        check!(x, TaskReport::parse);
        let x = InfoFetch { timestamp: ts, serial: s, info: &data };
        check!(x, InfoFetch::parse);
        let x = AsyncResult { timestamp: ts, biz_code: b, serial: s, feed_id: FixedText::new("feed_id", &f32),
            control_type: ControlType::from(ct), task_timestamp: s ^ 1, id: FixedText::new("id", &id), resp: &data };
        check!(x, AsyncResult::parse);
        let x = SubDevControl { timestamp: ts, biz_code: b, serial: s, feed_id: FixedText::new("feed_id", &f32), data: &data };
        check!(x, SubDevControl::parse);
        let x = SubDevUpload { timestamp: ts, feed_id: FixedText::new("feed_id", &f32), data: &data };
        check!(x, SubDevUpload::parse);
        let x = SubDevUploadResponse { timestamp: ts, feed_id: FixedText::new("feed_id", &f32), code: c };
        check!(x, SubDevUploadResponse::parse);
    }

    #[test]
    fn record_bodies_round_trip(ts in any::<u32>(), s in any::<u32>(), b in biz(), v in any::<u16>(),
                                recs in proptest::collection::vec((any::<u16>(), any::<u16>(), text32(), any::<u8>()), 0..8)) {
        let infos: Vec<SubDevInfo<'_>> = recs.iter().map(|(v, r, f, st)| SubDevInfo {
            version: *v, rssi: *r, feed_id: FixedText::new("feed_id", f), state: SubDevOnline::from(*st) }).collect();
        let x = SubDevHeartbeat { timestamp: ts, version: v, rssi: v ^ 3, devices: SubDevList::from_records(&infos) };
        prop_assert_eq!(x.buffer_len(), 10 + 37 * infos.len());
        check!(x, SubDevHeartbeat::parse);
        let x = SubDevUnbind { timestamp: ts, biz_code: b, serial: s, devices: SubDevList::from_records(&infos) };
        prop_assert_eq!(x.buffer_len(), 14 + 37 * infos.len());
        check!(x, SubDevUnbind::parse);
        for i in &infos {
            check!(*i, SubDevInfo::parse);
        }
    }

    #[test]
    fn version_name_round_trips(major in 0u16..1000, minor in 0u16..1000, patch in 0u16..1000,
                                year in 0u16..10000, month in 1u8..13, day in 1u8..32) {
        let v = VersionName { major, minor, patch, year, month, day };
        prop_assert_eq!(VersionName::parse(&v.to_string()), Ok(v));
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_reencode(ty in any::<u8>(), up in any::<bool>(), data in bytes(400)) {
        let dir = if up { Direction::FromDevice } else { Direction::ToDevice };
        if let Ok(m) = WanMessage::parse(PacketType::from(ty), &data, dir) {
            let mut out = vec![0; m.buffer_len().unwrap()];
            prop_assert_eq!(m.emit(&mut out), Ok(out.len()));
            if let WanMessage::Timer(_) = m {
                // The SDK's padded timer replies lose their padding; the rest decodes the same.
                prop_assert!(out.len() <= data.len());
                prop_assert_eq!(WanMessage::parse(PacketType::from(ty), &out, dir).unwrap(), m);
            } else {
                prop_assert_eq!(out, data.clone());
            }
        }
        // Views never panic either, even unchecked over short input.
        let _ = (ControlBody::new_unchecked(&data[..]).data(), SubDevControlBody::new_unchecked(&data[..]).feed_id());
        let _ = AsyncResultBody::new_unchecked(&data[..]).task_timestamp();
        let _ = SubDevHeartbeatBody::new_unchecked(&data[..]).devices();
        let _ = SubDevUnbindBody::new_unchecked(&data[..]).devices();
        let _ = InfoFetchBody::new_unchecked(&data[..]).info_and_rest();
        let _ = AuthRequestOpt::parse(&data);
        let _ = VersionName::parse(&String::from_utf8_lossy(&data));
        let _ = firmware_crc32(&data);
        #[cfg(feature = "json")]
        let _ = (OtaOrder::parse(&data), OtaStatusReport::parse(&data), TaskReportDoc::parse(&data),
                 VideoCommand::parse(&data), VideoResponse::parse(&data), InfoResponseDoc::parse(&data));
    }

    #[test]
    fn firmware_crc_chunking_is_irrelevant(data in bytes(2000), cut in any::<prop::sample::Index>()) {
        let at = cut.index(data.len() + 1);
        let mut c = FirmwareCrc32::new();
        c.update(&data[..at]);
        c.update(&data[at..]);
        let mut reference = 0u32;
        for &b in &data {
            // spec 9.1 bitwise, independent of the table code
            reference ^= u32::from(b);
            for _ in 0..8 {
                reference = if reference & 1 != 0 { (reference >> 1) ^ 0xEDB8_8320 } else { reference >> 1 };
            }
        }
        prop_assert_eq!(c.finish(), reference);
    }
}

#[test]
fn firmware_crc_matches_crc_catalog_custom_algorithm() {
    // Differential check against the `crc` crate with the SDK's parameters (init 0, no xorout).
    const ALG: crc::Algorithm<u32> = crc::Algorithm {
        width: 32,
        poly: 0x04C1_1DB7,
        init: 0,
        refin: true,
        refout: true,
        xorout: 0,
        check: 0x2DFD_2D88,
        residue: 0,
    };
    let c = crc::Crc::<u32>::new(&ALG);
    let data: Vec<u8> = (0..10_000u32).map(|i| (i ^ (i >> 5)) as u8).collect();
    assert_eq!(firmware_crc32(&data), c.checksum(&data));
    assert_eq!(firmware_crc32(b"123456789"), 0x2DFD_2D88);
}

#[cfg(feature = "json")]
#[test]
fn video_documents() {
    // spec 7.3.25 (feed_id as a number there), current_value holds JSON inside a string
    let cmd = br#"{"control":[{"stream_id":"push_stream","current_value":"{ \"resolution\":240,\"address\": \"rtsp://jdserver.com\"}"}],"feed_id":10000,"attribute":{ "serial": 87020 }}"#;
    let c = VideoCommand::parse(cmd).unwrap();
    assert!(matches!(&c.feed_id, FeedId::Number(n) if n.as_u64() == Some(10000)));
    assert_eq!(c.push_stream().unwrap(), c.control[0].push_stream().ok());
    let ps = c.control[0].push_stream().unwrap();
    assert_eq!(
        (ps.resolution, ps.address.as_ref()),
        (240, "rtsp://jdserver.com")
    );
    assert_eq!(
        c.attribute.get(),
        r#"{ "serial": 87020 }"#,
        "carried untouched"
    );
    let again = VideoControl::from_push_stream(&ps).unwrap();
    assert_eq!(again.push_stream().unwrap(), ps);
    // spec 7.3.26 response, attribute copied from the command
    let resp = VideoResponse {
        result: VideoResult::Success,
        control_resp: "control_success".into(),
        resolution: vec![240, 360, 480],
        attribute: c.attribute.clone(),
        device: VideoDevice {
            feed_id: FeedId::Text("1294902345".into()),
            access_key: "xxxxxxx".into(),
        },
        streams: None,
    };
    let json = resp.to_vec().unwrap();
    assert_eq!(
        std::str::from_utf8(&json).unwrap(),
        r#"{"result":0,"control_resp":"control_success","resolution":[240,360,480],"attribute":{ "serial": 87020 },"device":{"feed_id":"1294902345","access_key":"xxxxxxx"}}"#
    );
    let back = VideoResponse::parse(&json).unwrap();
    assert_eq!(back.result, VideoResult::Success);
    let string_id = br#"{"control":[],"feed_id":"10000","attribute":{}}"#;
    assert_eq!(
        VideoCommand::parse(string_id).unwrap().feed_id,
        FeedId::Text("10000".into())
    );
    // The spec's example values of 7.3.13 and 7.3.27/28.
    let report = br#"{"task_id":"123","subTask":[{"id":"23","index":"2","result":"-1","startTime":"2015-05-07 16:03:53","endTime":"2015-05-07 16:03:53"}]}"#;
    let r = TaskReportDoc::parse(report).unwrap();
    assert_eq!(r.sub_tasks[0].outcome(), Some(TaskOutcome::NotRun));
    assert_eq!(r.to_vec().unwrap(), report.to_vec());
    let req = InfoRequestDoc::parse(br#"{"type":["weather","air"]}"#).unwrap();
    assert_eq!(req.types, ["weather", "air"]);
    let resp =
        InfoResponseDoc::parse(br#"{"result":[{"type":"air","value":{"pm25":"6","aqi":"20"}}]}"#)
            .unwrap();
    assert_eq!(resp.result[0].value["aqi"], "20");
}
