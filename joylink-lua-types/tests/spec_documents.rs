//! Every standard document of spec 13.4, "6.4.2" (= 6.3.3), 6.3.5, 6.3.7, 7.3.13 and 7.3.25–26,
//! parsed from the spec's own example text, round-tripped, and property-tested.
//!
//! Fixes made to the spec's example text (only obvious JSON typos; compat §13):
//! * all: `// …` and `(…)` / `/* … */` comments removed (JSON has no comments).
//! * 13.4.1: the opening `{` sits in a separate code block; joined.
//! * 13.4.4: trailing comma after the `streams` array, and the fifth stream
//!   `{"current_value": 1, "stream_id": "type"}` printed in a separate, doubly braced block after a
//!   page break; moved into the array.
//! * 13.4.6: split across two code blocks at a page break; joined.
//! * "6.4.2"/6.3.3: `"cmd": ?` placeholder shown only in the generic form (not tested); the
//!   control request is split across two code blocks; joined. 6.3.5: missing comma after
//!   `"cmd":6`. 6.3.7: trailing comma in the failure reply.
//! * 7.3.13: none besides comments.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::borrow::Cow;

use joylink_lua_types::*;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

/// Parses `text`; serializing the value gives the same JSON (as a `serde_json::Value`: key order
/// and whitespace aside). Typed `parse(emit(x)) == x` is the proptests' job below.
fn round_trip<'a, T>(text: &'a str) -> T
where
    T: Deserialize<'a> + Serialize + std::fmt::Debug,
{
    let value: T = serde_json::from_str(text).unwrap();
    let out = serde_json::to_string(&value).unwrap();
    let emitted: serde_json::Value = serde_json::from_str(&out).unwrap();
    let original: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(emitted, original, "no information lost");
    value
}

const C13_4_1: &str = r#"{
"streams": [{"current_value": "1", "stream_id": "switch"}],
"snapshot": [{"current_value": "0", "stream_id": "switch"}]
}"#;

const C13_4_2: &str = r#"{
  "code": 0,
  "streams": [
    {
      "current_value": "1",
      "stream_id": "switch"
    }
  ],
  "msg": "控制成功"
}"#;

const C13_4_4: &str = r#"{
  "code": 0,
  "streams": [
    { "current_value": 24, "stream_id": "time" },
    { "current_value": 0, "stream_id": "schedule" },
    { "current_value": 1, "stream_id": "switch" },
    { "current_value": 3, "stream_id": "workstatus" },
    { "current_value": 1, "stream_id": "type" }
  ]
}"#;

const C13_4_6: &str = r#"{
  "at": 1441458319881,
  "code": 1050,
  "feed_id": 144093466370504020,
  "subTask": [
    {
      "id": 11760,
      "index": 1,
      "streams": [
        { "current_value": "160", "stream_id": "pretemperature" },
        { "current_value": "5", "stream_id": "pretime" },
        { "current_value": "1", "stream_id": "waitime" },
        { "current_value": "0", "stream_id": "upheat" },
        { "current_value": "0", "stream_id": "downheat" },
        { "current_value": "0", "stream_id": "voice" }
      ]
    },
    {
      "id": 11761,
      "index": 2,
      "streams": [
        { "current_value": "160", "stream_id": "temperature" },
        { "current_value": "30", "stream_id": "time" },
        { "current_value": "0", "stream_id": "upheat" },
        { "current_value": "0", "stream_id": "downheat" },
        { "current_value": "0", "stream_id": "voice" }
      ]
    }
  ],
  "task_id": 46
}"#;

const C13_4_7: &str = r#"{
    "code": 0,
    "msg": "控制成功"
}"#;

#[test]
fn spec_13_4_1_control_request() {
    let d: ControlRequest<'_> = round_trip(C13_4_1);
    // The spec writes these `current_value` first; the order is kept so the text re-encodes.
    assert_eq!(
        d.streams,
        [value_first(Stream::new("switch", StreamValue::string("1")))]
    );
    assert_eq!(
        d.snapshot.unwrap(),
        [value_first(Stream::new("switch", StreamValue::string("0")))]
    );
}

#[test]
fn spec_13_4_2_control_response() {
    let d: ControlResponseDoc<'_> = round_trip(C13_4_2);
    assert_eq!(d.code, 0);
    assert_eq!(d.msg.as_deref(), Some("控制成功"));
    assert!(
        matches!(d.msg, Some(Cow::Borrowed(_))),
        "borrowed from the input"
    );
    assert_eq!(
        d.streams.unwrap()[0].current_value,
        StreamValue::string("1")
    );
}

#[test]
fn spec_13_4_3_snapshot_request() {
    let _: SnapshotRequest = round_trip("{}");
    assert_eq!(serde_json::to_string(&SnapshotRequest {}).unwrap(), "{}");
}

#[test]
fn spec_13_4_4_snapshot_response_and_13_4_5_upload() {
    let d: SnapshotResponse<'_> = round_trip(C13_4_4);
    assert_eq!(d.streams.len(), 5);
    assert_eq!(
        find_stream(&d.streams, "time").unwrap().current_value,
        StreamValue::int(24)
    );
    assert_eq!(
        find_stream(&d.streams, "type").unwrap().current_value,
        StreamValue::int(1)
    );
    let u: UploadDoc<'_> = round_trip(C13_4_4);
    assert_eq!(u.code, Some(0));
    assert_eq!(u.streams, d.streams);
    let u: UploadDoc<'_> = round_trip(r#"{"streams":[]}"#);
    assert_eq!(u.code, None);
}

#[test]
fn spec_13_4_6_recipe() {
    let d: Recipe<'_> = round_trip(C13_4_6);
    assert_eq!(d.at, 1_441_458_319_881);
    assert_eq!(d.code, 1050);
    // Beyond 2^53: an f64 would make it ...030.
    match &d.feed_id {
        FeedId::Number(n) => {
            assert_eq!(n.as_str(), "144093466370504020");
            assert_eq!(n.as_u64(), Some(144_093_466_370_504_020));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        serde_json::to_string(&d)
            .unwrap()
            .contains("\"feed_id\":144093466370504020")
    );
    assert_eq!(d.task_id, 46);
    assert_eq!(d.sub_task.len(), 2);
    assert_eq!((d.sub_task[0].id, d.sub_task[0].index), (11760, 1));
    assert_eq!(
        d.sub_task[1].streams[1],
        value_first(Stream::new("time", StreamValue::string("30")))
    );
}

/// A stream as the spec's examples write it: `current_value` before `stream_id`.
fn value_first(s: Stream<'_>) -> Stream<'_> {
    Stream {
        order: StreamKeyOrder::ValueFirst,
        ..s
    }
}

#[test]
fn spec_13_4_7_recipe_response() {
    let d: RecipeResponse<'_> = round_trip(C13_4_7);
    assert_eq!((d.code, d.msg.as_deref()), (0, Some("控制成功")));
}

// The LAN envelopes are joylink-wire's documents, re-exported (one definition); these tests run
// the spec's example text through them as a script's caller sees them.
#[test]
fn spec_6_3_3_lan_json() {
    let r: JsonControlRequest<'_> = round_trip(r#"{ "cmd": 4, "data": {} }"#);
    assert_eq!((r.command, r.feed_id), (JsonCommand::Snapshot, None));
    let r: JsonControlRequest<'_> = round_trip(
        r#"{ "cmd": 5, "data": { "streams": [ { "stream_id": "switch", "current_value": "1" } ],
             "snapshot": [ { "current_value": "0", "stream_id": "switch" } ] } }"#,
    );
    match r.command {
        JsonCommand::Control(c) => {
            assert_eq!(c.streams[0].current_value, StreamValue::string("1"))
        }
        other => panic!("{other:?}"),
    }
    let ok: JsonControlResponse<'_> = round_trip(
        r#"{ "code":0, "data":[ { "stream_id": "switch", "current_value": 1 },
             { "stream_id": "light", "current_value": "on" } ] }"#,
    );
    let data = ok.data.unwrap();
    assert_eq!(data[0].current_value, StreamValue::int(1));
    assert_eq!(data[1].current_value, StreamValue::string("on"));
    let fail: JsonControlResponse<'_> = round_trip(r#"{ "code":1, "msg":"err reason" }"#);
    assert_eq!((fail.code, fail.msg.as_deref()), (1, Some("err reason")));
    // compat §6.4 — what SDK examples actually send.
    let sdk: JsonControlResponse<'_> = round_trip(r#"{"code":0, "feedid":"123"}"#);
    assert_eq!(sdk.feed_id.as_deref(), Some("123"));
}

#[test]
fn spec_6_3_5_and_6_3_7_subdevice() {
    let r: AddSubDevRequest<'_> = round_trip(
        r#"{ "cmd":6, "data":{ "mac": "XXX...XXX", "productuuid": "XXXXXX", "protocol": 1 } }"#,
    );
    assert_eq!(r.cmd, Some(6));
    assert_eq!(
        (r.data.mac.as_ref(), r.data.productuuid.as_ref()),
        ("XXX...XXX", "XXXXXX")
    );
    assert_eq!(r.data.protocol, SubDevProtocol::from(1));
    let a: SubDevResponse<'_> = round_trip(
        r#"{ "code":0, "msg": "success", "productuuid": "XXXXXX", "mac": "XXX...XXX" }"#,
    );
    assert_eq!(a.code, Some(0));
    let r: JsonControlRequest<'_> = round_trip(r#"{ "cmd":4, "feedid":"XXXXXXX", "data":{} }"#);
    assert_eq!(r.feed_id.as_deref(), Some("XXXXXXX"));
    let ok: JsonControlResponse<'_> = round_trip(
        r#"{ "code":0, "feedid":"XXXXXXX", "data":[ { "stream_id": "switch", "current_value": 1 } ] }"#,
    );
    assert_eq!(ok.feed_id.as_deref(), Some("XXXXXXX"));
    let fail: JsonControlResponse<'_> =
        round_trip(r#"{ "code":1, "msg":"err reason", "feedid":"XXXXXXX" }"#);
    assert_eq!(fail.data, None);
    // Unknown cmd: data kept raw.
    let r: JsonControlRequest<'_> = round_trip(r#"{"cmd":9,"data":[1,{"a":2}]}"#);
    match r.command {
        JsonCommand::Other { cmd: 9, data } => assert_eq!(data.get(), r#"[1,{"a":2}]"#),
        other => panic!("{other:?}"),
    }
}

#[test]
fn spec_7_3_13_task_report() {
    let text = r#"{
    "task_id": "123",
    "subTask": [
        { "id": "23", "index": "2", "result": "0",
          "startTime": "2015-05-07 16:03:53", "endTime": "2015-05-07 16:03:53" },
        { "id": "23", "index": "2", "result": "0",
          "startTime": "2015-05-07 16:03:53", "endTime": "2015-05-07 16:03:53" }
    ]
}"#;
    let d: TaskReportDoc<'_> = round_trip(text);
    assert_eq!(d.task_id, StreamValue::string("123"));
    assert_eq!(d.sub_tasks[0].outcome(), Some(TaskOutcome::Success));
    assert_eq!(d.sub_tasks[1].start_time, "2015-05-07 16:03:53");
    let n: TaskReportDoc<'_> = round_trip(
        r#"{"task_id":46,"subTask":[{"id":1,"index":1,"result":-1,"startTime":"","endTime":""}]}"#,
    );
    assert_eq!(n.task_id, StreamValue::int(46), "numbers stay numbers");
    assert_eq!(n.sub_tasks[0].outcome(), Some(TaskOutcome::NotRun));
}

#[test]
fn spec_7_3_25_26_video() {
    let req = r#"{   "control": [     {       "stream_id": "push_stream",       "current_value":         "{ \"resolution\":240,\"address\": \"rtsp://jdserver.com\"}"     }   ],   "feed_id": 10000,   "attribute": {     "serial": 87020   } }"#;
    let d: VideoCommand<'_> = round_trip(req);
    assert_eq!(
        d.push_stream().unwrap().unwrap(),
        PushStream {
            resolution: 240,
            address: "rtsp://jdserver.com".into()
        }
    );
    assert_eq!(d.feed_id.as_str(), "10000");
    assert!(matches!(d.feed_id, FeedId::Number(_)));
    assert_eq!(
        d.attribute.get(),
        r#"{     "serial": 87020   }"#,
        "echoed verbatim"
    );
    let resp = r#"{   "result": 0,   "control_resp": "control_success",   "resolution": [     240,     360,     480   ],   "attribute": {     "serial": 87020   },   "device": {     "feed_id": "1294902345",     "access_key": "xxxxxxx"   } }"#;
    let r: VideoResponse<'_> = round_trip(resp);
    assert_eq!(r.resolution, [240, 360, 480]);
    assert!(matches!(r.device.feed_id, FeedId::Text(_)));
    // A PushStream survives being put back into a string.
    let s = VideoControl::from_push_stream(&PushStream {
        resolution: 480,
        address: "rtsp://a/b".into(),
    })
    .unwrap();
    assert_eq!(s.push_stream().unwrap().resolution, 480);
    let not_a_document = VideoControl {
        stream_id: PUSH_STREAM.into(),
        current_value: "1".into(),
    };
    assert!(not_a_document.push_stream().is_err());
}

#[test]
fn missing_required_fields_are_named() {
    let e = serde_json::from_str::<ControlRequest<'_>>(r#"{"snapshot":[]}"#).unwrap_err();
    assert!(e.to_string().contains("missing field `streams`"), "{e}");
    let e = ControlResponseDoc::parse(br#"{"streams":[]}"#).unwrap_err();
    assert!(
        matches!(e, joylink_wire::Error::Json { what: "control response", line: 1, column } if column > 0),
        "{e:?}"
    );
    let e = serde_json::from_str::<Recipe<'_>>(r#"{"at":1,"code":1050,"subTask":[],"task_id":1}"#)
        .unwrap_err();
    assert!(e.to_string().contains("missing field `feed_id`"), "{e}");
    let e = JsonControlRequest::parse(br#"{"cmd":5,"data":{"snapshot":[]}}"#).unwrap_err();
    assert!(
        matches!(e, joylink_wire::Error::Json { what: "JsonControlRequest", line: 1, column } if column > 0),
        "{e:?}"
    );
    let e = TaskReportDoc::parse(
        br#"{"task_id":"1","subTask":[{"id":"1","index":"1","result":"0","startTime":""}]}"#,
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            joylink_wire::Error::Json {
                what: "task report",
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn unknown_fields_are_ignored() {
    let d: ControlResponseDoc<'_> =
        serde_json::from_str(r#"{"code":0,"extra":{"x":[1]},"msg":"m"}"#).unwrap();
    assert_eq!(
        serde_json::to_string(&d).unwrap(),
        r#"{"code":0,"msg":"m"}"#
    );
}

// ---- property tests: arbitrary documents survive serialize → parse ----

fn number() -> impl Strategy<Value = JsonNumber<'static>> {
    prop_oneof![
        any::<i64>().prop_map(JsonNumber::from),
        any::<u64>().prop_map(JsonNumber::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| JsonNumber::from_f64(f).unwrap()),
        "[1-9][0-9]{20,40}".prop_map(|s| JsonNumber::from_string(s).unwrap()),
    ]
}

fn value() -> impl Strategy<Value = StreamValue<'static>> {
    prop_oneof![
        ".{0,12}".prop_map(|s| StreamValue::String(Cow::Owned(s))),
        number().prop_map(StreamValue::Number),
        any::<bool>().prop_map(StreamValue::Bool),
        Just(StreamValue::Null),
        prop::collection::vec(any::<i32>(), 0..4)
            .prop_map(|v| StreamValue::Json(RawJson::from_value(&v).unwrap())),
    ]
}

fn stream() -> impl Strategy<Value = Stream<'static>> {
    ("[a-z_]{1,10}", value()).prop_map(|(id, v)| Stream {
        stream_id: Cow::Owned(id),
        current_value: v,
        order: StreamKeyOrder::IdFirst,
    })
}

fn streams() -> impl Strategy<Value = Vec<Stream<'static>>> {
    prop::collection::vec(stream(), 0..5)
}

fn opt_msg() -> impl Strategy<Value = Option<Cow<'static, str>>> {
    proptest::option::of(".{0,10}".prop_map(Cow::Owned))
}

fn feed_id() -> impl Strategy<Value = FeedId<'static>> {
    prop_oneof![
        number().prop_map(FeedId::Number),
        "[0-9]{1,20}".prop_map(|s| FeedId::Text(Cow::Owned(s))),
    ]
}

macro_rules! prop_round_trip {
    ($name:ident, $ty:ty, $strategy:expr) => {
        proptest! {
            #[test]
            fn $name(doc in $strategy) {
                let text = serde_json::to_string(&doc).unwrap();
                let back: $ty = serde_json::from_str(&text).unwrap();
                prop_assert_eq!(&back, &doc);
            }
        }
    };
}

prop_round_trip!(prop_streams, Vec<Stream<'_>>, streams());
prop_round_trip!(
    prop_control_request,
    ControlRequest<'_>,
    (streams(), proptest::option::of(streams()))
        .prop_map(|(streams, snapshot)| ControlRequest { streams, snapshot })
);
prop_round_trip!(
    prop_control_response,
    ControlResponseDoc<'_>,
    (any::<i32>(), proptest::option::of(streams()), opt_msg())
        .prop_map(|(code, streams, msg)| ControlResponseDoc { code, streams, msg })
);
prop_round_trip!(
    prop_snapshot_response,
    SnapshotResponse<'_>,
    (any::<i32>(), streams(), opt_msg()).prop_map(|(code, streams, msg)| SnapshotResponse {
        code,
        streams,
        msg
    })
);
prop_round_trip!(
    prop_upload,
    UploadDoc<'_>,
    (proptest::option::of(any::<i32>()), streams())
        .prop_map(|(code, streams)| UploadDoc { code, streams })
);
prop_round_trip!(
    prop_recipe,
    Recipe<'_>,
    (
        any::<u64>(),
        any::<u32>(),
        feed_id(),
        prop::collection::vec(
            (any::<u64>(), any::<u32>(), streams()).prop_map(|(id, index, streams)| RecipeStep {
                id,
                index,
                streams
            }),
            0..3
        ),
        any::<u64>()
    )
        .prop_map(|(at, code, feed_id, sub_task, task_id)| Recipe {
            at,
            code,
            feed_id,
            sub_task,
            task_id
        })
);
prop_round_trip!(
    prop_recipe_response,
    RecipeResponse<'_>,
    (any::<i32>(), opt_msg()).prop_map(|(code, msg)| RecipeResponse { code, msg })
);
prop_round_trip!(
    prop_task_report,
    TaskReportDoc<'_>,
    (
        value(),
        prop::collection::vec(
            (value(), value(), value(), ".{0,19}", ".{0,19}").prop_map(
                |(id, index, result, s, e)| {
                    SubTaskResult {
                        id,
                        index,
                        result,
                        start_time: Cow::Owned(s),
                        end_time: Cow::Owned(e),
                    }
                }
            ),
            0..3
        )
    )
        .prop_map(|(task_id, sub_tasks)| TaskReportDoc { task_id, sub_tasks })
);
prop_round_trip!(
    prop_video_response,
    VideoResponse<'_>,
    (
        any::<i32>().prop_map(VideoResult::from),
        ".{0,10}",
        prop::collection::vec(any::<u32>(), 0..4),
        feed_id(),
        proptest::option::of(streams())
    )
        .prop_map(
            |(result, text, resolution, feed_id, streams)| VideoResponse {
                result,
                control_resp: Cow::Owned(text),
                resolution,
                attribute: RawJson::parse(r#"{"serial":87020}"#).unwrap(),
                device: VideoDevice {
                    feed_id,
                    access_key: "k".into()
                },
                streams,
            }
        )
);
prop_round_trip!(
    prop_video_control,
    VideoCommand<'_>,
    (any::<u32>(), "[a-z:/.]{0,20}", feed_id()).prop_map(|(resolution, address, feed_id)| {
        VideoCommand {
            control: vec![
                VideoControl::from_push_stream(&PushStream {
                    resolution,
                    address: address.into(),
                })
                .unwrap(),
            ],
            feed_id,
            attribute: RawJson::parse(r#"{"serial":1}"#).unwrap(),
        }
    })
);

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,64}") {
        let _ = serde_json::from_str::<ControlRequest<'_>>(&text);
        let _ = JsonControlRequest::parse(text.as_bytes());
        let _ = serde_json::from_str::<Recipe<'_>>(&text);
        let _ = serde_json::from_str::<VideoCommand<'_>>(&text);
    }
}
