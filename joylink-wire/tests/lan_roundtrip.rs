//! Property tests of the LAN bodies: typed → JSON / bytes → typed is the identity for every body
//! and every style, and no input (arbitrary bytes, arbitrary JSON) makes a decoder panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::borrow::Cow;

use joylink_wire::lan::{
    self, AddSubDevData, AddSubDevRequest, AppIdentity, CloudIdentity, Control, ControlData,
    DebugInfo, DevType, DeviceIdentity, JsonBody, JsonCommand, JsonControlRequest,
    JsonControlResponse, JsonNumber, LanControl, RawJson, ScanRequest, ScanResponse, ScanStatus,
    Stream, StreamKeyOrder, StreamValue, Style, SubDevAuthData, SubDevAuthRequest, SubDevAuthState,
    SubDevProtocol, SubDevResponse, SubDevScriptControl, SubDevScriptControlResponse, SubDevice,
    Timestamped, TranType, WriteKeyData, WriteKeyRequest, WriteKeyResponse,
};
use joylink_wire::{BizCode, Direction, FixedText, PacketType};
use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;

fn text() -> impl Strategy<Value = Cow<'static, str>> {
    "[a-zA-Z0-9 _:.\"\\\\/\n\t\u{e9}\u{1F600}\u{1}]{0,12}".prop_map(Cow::Owned)
}

fn otext() -> impl Strategy<Value = Option<Cow<'static, str>>> {
    of(text())
}

fn raw() -> impl Strategy<Value = RawJson<'static>> {
    prop_oneof![
        Just(r#"{"type":1,"std":1}"#),
        Just("{}"),
        Just("[1,\"a\",null]"),
        Just(r#"{"a":{"b":[]}}"#),
    ]
    .prop_map(|t| RawJson::parse(t).unwrap().into_owned())
}

/// A raw part only when `with_raw` (the cJSON/sprintf styles re-space raw text).
fn oraw(with_raw: bool) -> BoxedStrategy<Option<RawJson<'static>>> {
    if with_raw {
        of(raw()).boxed()
    } else {
        Just(None).boxed()
    }
}

fn value(with_raw: bool) -> BoxedStrategy<StreamValue<'static>> {
    let mut options = vec![
        text().prop_map(StreamValue::String).boxed(),
        any::<i64>().prop_map(StreamValue::from).boxed(),
        any::<u64>().prop_map(StreamValue::from).boxed(),
        any::<f64>()
            .prop_filter_map("finite", JsonNumber::from_f64)
            .prop_map(StreamValue::Number)
            .boxed(),
        // Beyond u64 and f64 precision: the text must survive.
        "[1-9][0-9]{20,40}"
            .prop_map(|t| StreamValue::Number(JsonNumber::parse(&t).unwrap().into_owned()))
            .boxed(),
        any::<bool>().prop_map(StreamValue::from).boxed(),
        Just(StreamValue::Null).boxed(),
    ];
    if with_raw {
        options.push(raw().prop_map(StreamValue::Json).boxed());
    }
    proptest::strategy::Union::new(options).boxed()
}

fn stream(with_raw: bool) -> impl Strategy<Value = Stream<'static>> {
    (text(), value(with_raw), any::<bool>()).prop_map(|(id, v, first)| Stream {
        stream_id: id,
        current_value: v,
        order: if first {
            StreamKeyOrder::IdFirst
        } else {
            StreamKeyOrder::ValueFirst
        },
    })
}

fn i32s() -> impl Strategy<Value = i32> {
    prop_oneof![0..4i32, any::<i32>()]
}

fn scan_request() -> impl Strategy<Value = ScanRequest<'static>> {
    (of(any::<i64>()), otext(), otext(), of(i32s()), of(text())).prop_map(|(cmd, p, u, s, r)| {
        ScanRequest {
            cmd,
            productuuid: p,
            uuid: u,
            status: s.map(ScanStatus::from),
            idt: r.map(|app_rand| AppIdentity { app_rand }),
        }
    })
}

fn sub_device() -> impl Strategy<Value = SubDevice<'static>> {
    (
        (i32s(), i32s(), text(), text(), i32s(), i32s(), text()),
        (
            otext(),
            otext(),
            of(any::<i32>()),
            otext(),
            otext(),
            otext(),
        ),
        (of((any::<i64>(), any::<i64>())), of(i32s())),
    )
        .prop_map(
            |((st, pr, mac, pu, lc, tt, feedid), (dk, dav, sns, cid, fw, mc), (dbg, dt))| {
                SubDevice {
                    state: SubDevAuthState::from(st),
                    protocol: SubDevProtocol::from(pr),
                    mac,
                    productuuid: pu,
                    lancon: LanControl::from(lc),
                    trantype: TranType::from(tt),
                    feed_id: feedid,
                    devkey: dk,
                    dev_auth_value: dav,
                    sub_no_snapshot: sns,
                    cid,
                    firmware_version: fw,
                    model_code: mc,
                    dbg: dbg.map(|(ver, rssi)| DebugInfo { ver, rssi }),
                    devtype: dt.map(DevType::from),
                }
            },
        )
}

fn scan_response(with_raw: bool) -> impl Strategy<Value = ScanResponse<'static>> {
    (
        (
            of(value(with_raw)),
            of(value(with_raw)),
            otext(),
            text(),
            text(),
            otext(),
        ),
        (
            of(i32s()),
            of(i32s()),
            of(i32s()),
            otext(),
            otext(),
            otext(),
            otext(),
        ),
        (
            of(any::<i32>()),
            of(any::<i32>()),
            of(any::<i32>()),
            of((any::<i64>(), any::<i64>())),
            oraw(with_raw),
        ),
        (
            of((
                of(any::<i64>()),
                otext(),
                otext(),
                otext(),
                otext(),
                otext(),
                otext(),
            )),
            of(vec(sub_device(), 0..3)),
        ),
    )
        .prop_map(
            |(
                (code, msg, devkey, mac, pu, feedid),
                (lc, tt, dt, cid, fw, mc, sdk),
                (ns, nss, bb, dbg, opt),
                (idt, subdev),
            )| {
                ScanResponse {
                    code,
                    msg,
                    devkey,
                    mac,
                    productuuid: pu,
                    feed_id: feedid,
                    lancon: lc.map(LanControl::from),
                    trantype: tt.map(TranType::from),
                    devtype: dt.map(DevType::from),
                    cid,
                    firmware_version: fw,
                    model_code: mc,
                    joy_sdk_version: sdk,
                    no_snapshot: ns,
                    no_snap_short: nss,
                    batch_bind: bb,
                    dbg: dbg.map(|(ver, rssi)| DebugInfo { ver, rssi }),
                    opt,
                    d_idt: idt.map(|(t, d_p, d_s, f_p, f_s, d_r, d_as)| DeviceIdentity {
                        t,
                        d_p,
                        d_s,
                        f_p,
                        f_s,
                        d_r,
                        d_as,
                    }),
                    subdev,
                }
            },
        )
}

fn servers() -> impl Strategy<Value = Option<Vec<Cow<'static, str>>>> {
    of(vec(text(), 0..3))
}

fn write_key_request(with_raw: bool) -> impl Strategy<Value = WriteKeyRequest<'static>> {
    (
        (
            text(),
            text(),
            text(),
            otext(),
            of(i32s()),
            of(i32s()),
            servers(),
            servers(),
        ),
        (
            servers(),
            oraw(with_raw),
            of(text()),
            servers(),
            servers(),
            servers(),
            otext(),
        ),
    )
        .prop_map(
            |((f, a, l, pu, lc, tt, s, js), (tcp, opt, sig, javs, ogw, rs, ps))| WriteKeyRequest {
                data: WriteKeyData {
                    feed_id: f,
                    accesskey: a.into(),
                    localkey: l.into(),
                    productuuid: pu,
                    lancon: lc.map(LanControl::from),
                    trantype: tt.map(TranType::from),
                    server: s,
                    joylink_server: js,
                    tcpaes: tcp,
                    opt,
                    c_idt: sig.map(|cloud_sig| CloudIdentity { cloud_sig }),
                    javs_server: javs,
                    opengw_server: ogw,
                    router_server: rs,
                    ps_th_c2d: ps,
                },
            },
        )
}

fn json_control_request(with_raw: bool) -> BoxedStrategy<JsonControlRequest<'static>> {
    let command = if with_raw {
        prop_oneof![
            Just(JsonCommand::Snapshot),
            (vec(stream(true), 0..4), of(vec(stream(true), 0..3))).prop_map(
                |(streams, snapshot)| JsonCommand::Control(ControlData { streams, snapshot })
            ),
            ((6..100i64), raw()).prop_map(|(cmd, data)| JsonCommand::Other { cmd, data }),
        ]
        .boxed()
    } else {
        prop_oneof![
            Just(JsonCommand::Snapshot),
            (vec(stream(false), 0..4), of(vec(stream(false), 0..3))).prop_map(
                |(streams, snapshot)| JsonCommand::Control(ControlData { streams, snapshot })
            ),
        ]
        .boxed()
    };
    (otext(), command)
        .prop_map(|(feedid, command)| JsonControlRequest {
            feed_id: feedid,
            command,
        })
        .boxed()
}

fn json_control_response(with_raw: bool) -> impl Strategy<Value = JsonControlResponse<'static>> {
    (
        any::<i32>(),
        otext(),
        otext(),
        of(vec(stream(with_raw), 0..4)),
    )
        .prop_map(|(code, feedid, msg, data)| JsonControlResponse {
            code,
            feed_id: feedid,
            msg,
            data,
        })
}

fn sub_auth_request(with_raw: bool) -> impl Strategy<Value = SubDevAuthRequest<'static>> {
    (
        (text(), text(), text(), servers(), servers(), servers()),
        (
            of(i32s()),
            of(i32s()),
            oraw(with_raw),
            text(),
            text(),
            otext(),
        ),
    )
        .prop_map(
            |((f, a, l, s, js, tcp), (lc, tt, opt, pu, mac, cav))| SubDevAuthRequest {
                data: SubDevAuthData {
                    feed_id: f,
                    accesskey: a.into(),
                    localkey: l.into(),
                    server: s,
                    joylink_server: js,
                    tcpaes: tcp,
                    lancon: lc.map(LanControl::from),
                    trantype: tt.map(TranType::from),
                    opt,
                    productuuid: pu,
                    mac,
                    cloud_auth_value: cav,
                },
            },
        )
}

fn add_sub_request() -> impl Strategy<Value = AddSubDevRequest<'static>> {
    (of(any::<i64>()), text(), text(), i32s()).prop_map(|(cmd, mac, pu, pr)| AddSubDevRequest {
        cmd,
        data: AddSubDevData {
            mac,
            productuuid: pu,
            protocol: SubDevProtocol::from(pr),
        },
    })
}

fn sub_response() -> impl Strategy<Value = SubDevResponse<'static>> {
    (of(any::<i32>()), otext(), text(), text()).prop_map(|(code, msg, mac, pu)| SubDevResponse {
        code,
        msg,
        mac,
        productuuid: pu,
    })
}

fn write_key_response() -> impl Strategy<Value = WriteKeyResponse<'static>> {
    (any::<i32>(), text()).prop_map(|(code, msg)| WriteKeyResponse { code, msg })
}

/// Round trips of one body type: with raw parts in the compact style, without them in every style
/// (cJSON and sprintf re-space raw JSON text, which then compares unequal as text).
macro_rules! styles {
    ($name:ident, $strategy:expr, $raw_strategy:expr) => {
        proptest! {
            #[test]
            fn $name(x in $raw_strategy, y in $strategy) {
                x.check(Style::Compact)?;
                for style in [Style::Compact, Style::Cjson, Style::Sprintf] {
                    y.check(style)?;
                }
            }
        }
    };
}

/// Serialize in a style, parse back (borrowing the output), compare; also behind a timestamp.
trait RoundTrip {
    fn check(&self, style: Style) -> Result<(), TestCaseError>;
}

/// `back == want` for a body parsed from another buffer. The documents are invariant in their
/// lifetime (their field types come from a `Flavor<'a>`), so a body borrowing the output cannot
/// be compared with `==` to the `'static` one it came from: compare the `Debug` text (every
/// field but the redacted keys) and the JSON text (the keys too).
fn same<'x, A: JsonBody<'x> + std::fmt::Debug, B: JsonBody<'static> + std::fmt::Debug>(
    back: &A,
    want: &B,
    style: Style,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(format!("{back:?}"), format!("{want:?}"));
    let mut a = Vec::new();
    let mut b = Vec::new();
    back.write_json(style, &mut a).unwrap();
    want.write_json(style, &mut b).unwrap();
    prop_assert_eq!(a, b);
    Ok(())
}

macro_rules! glue {
    ($($t:ident),*) => {$(
        impl RoundTrip for $t<'static> {
            fn check(&self, style: Style) -> Result<(), TestCaseError> {
                let mut out = Vec::new();
                self.write_json(style, &mut out).unwrap();
                let back = $t::parse(&out)
                    .map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&out))))?;
                same(&back, self, style)?;
                let t = Timestamped { timestamp: 0x0102_0304, body: self.clone() };
                let p = t.to_json(style).unwrap();
                let back = Timestamped::<$t<'_>>::parse(&p).map_err(|e| TestCaseError::fail(format!("{e}")))?;
                prop_assert_eq!(back.timestamp, t.timestamp);
                same(&back.body, self, style)?;
                Ok(())
            }
        }
    )*};
}

glue!(
    ScanRequest,
    ScanResponse,
    WriteKeyRequest,
    WriteKeyResponse,
    JsonControlRequest,
    JsonControlResponse,
    SubDevAuthRequest,
    AddSubDevRequest,
    SubDevResponse
);

styles!(scan_request_round_trips, scan_request(), scan_request());
styles!(
    scan_response_round_trips,
    scan_response(false),
    scan_response(true)
);
styles!(
    write_key_request_round_trips,
    write_key_request(false),
    write_key_request(true)
);
styles!(
    write_key_response_round_trips,
    write_key_response(),
    write_key_response()
);
styles!(
    json_control_request_round_trips,
    json_control_request(false),
    json_control_request(true)
);
styles!(
    json_control_response_round_trips,
    json_control_response(false),
    json_control_response(true)
);
styles!(
    sub_auth_request_round_trips,
    sub_auth_request(false),
    sub_auth_request(true)
);
styles!(
    add_sub_request_round_trips,
    add_sub_request(),
    add_sub_request()
);
styles!(sub_response_round_trips, sub_response(), sub_response());

fn feedid() -> impl Strategy<Value = Vec<u8>> {
    vec(1u8..=255, 0..=32)
}

proptest! {
    #[test]
    fn script_bodies_round_trip(ts in any::<u32>(), biz in any::<u32>(), serial in any::<u32>(), data in vec(any::<u8>(), 0..64)) {
        let c = Control { timestamp: ts, biz_code: BizCode::from(biz), serial, data: &data };
        let mut buf = vec![0xa5; c.buffer_len()];
        prop_assert_eq!(c.emit(&mut buf).unwrap(), buf.len());
        prop_assert_eq!(Control::parse(&buf).unwrap(), c);
        // A reply is the same struct (`resp[]` in `data`).
        let r = c;
        // Through the dispatcher: a script reply stays a script reply (biz codes < 65536).
        if biz < 0x1_0000 {
            let m = lan::parse(PacketType::ScriptControl, &buf, Direction::FromDevice).unwrap();
            prop_assert_eq!(m, lan::Message::ScriptControlResponse(r));
        }
    }

    #[test]
    fn subdev_script_bodies_round_trip(ts in any::<u32>(), biz in any::<u32>(), serial in any::<u32>(), f in feedid(), data in vec(any::<u8>(), 0..64)) {
        let c = SubDevScriptControl { timestamp: ts, biz_code: BizCode::from(biz), serial, feed_id: FixedText::new("feedid", &f), cmd: &data };
        let mut buf = vec![0xa5; c.buffer_len()];
        prop_assert_eq!(c.emit(&mut buf).unwrap(), buf.len());
        let back = SubDevScriptControl::parse(&buf).unwrap();
        prop_assert_eq!((back.timestamp, back.biz_code, back.serial, back.feed_id.as_bytes(), back.cmd), (ts, c.biz_code, serial, &f[..], &data[..]));
        let r = SubDevScriptControlResponse { timestamp: ts, biz_code: BizCode::from(biz), serial, feed_id: FixedText::new("feedid", &f), resp: &data };
        r.emit(&mut buf).unwrap();
        let back = SubDevScriptControlResponse::parse(&buf).unwrap();
        prop_assert_eq!((back.timestamp, back.serial, back.feed_id.as_bytes(), back.resp), (ts, serial, &f[..], &data[..]));
    }

    #[test]
    fn arbitrary_bytes_never_panic(ty in prop_oneof![Just(1u8), Just(2), Just(3), Just(4), Just(102), Just(103), Just(104), Just(105), any::<u8>()], bytes in vec(any::<u8>(), 0..128)) {
        for dir in [Direction::ToDevice, Direction::FromDevice] {
            if let Ok(m) = lan::parse(PacketType::from(ty), &bytes, dir) {
                // Whatever decodes also encodes.
                let _ = m.emit().unwrap();
            }
        }
    }

    #[test]
    fn arbitrary_json_never_panics(ty in prop_oneof![Just(1u8), Just(2), Just(3), Just(4), Just(102), Just(103), Just(105)], v in json_value()) {
        let text = serde_json::to_vec(&v).unwrap();
        for prefix in [&[][..], &[1, 2, 3, 4][..]] {
            let p = [prefix, &text].concat();
            for dir in [Direction::ToDevice, Direction::FromDevice] {
                if let Ok(m) = lan::parse(PacketType::from(ty), &p, dir) {
                    let _ = m.emit().unwrap();
                }
            }
        }
    }
}

/// Arbitrary JSON, biased towards the keys and shapes of the LAN bodies.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let key = prop_oneof![
        Just("cmd"),
        Just("data"),
        Just("feedid"),
        Just("streams"),
        Just("snapshot"),
        Just("stream_id"),
        Just("current_value"),
        Just("code"),
        Just("msg"),
        Just("mac"),
        Just("productuuid"),
        Just("uuid"),
        Just("status"),
        Just("accesskey"),
        Just("localkey"),
        Just("devkey"),
        Just("lancon"),
        Just("trantype"),
        Just("devtype"),
        Just("CID"),
        Just("firmwareVersion"),
        Just("modelCode"),
        Just("subdev"),
        Just("protocol"),
        Just("opt"),
        Just("x"),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (0..8i64).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-z0-9\"]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 8, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((key.clone(), inner), 0..10).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

/// A JSON control text from the generator, maybe with one byte replaced by a JSON-significant
/// one or cut short: the parser's fast path (`JsonBody::parse`) and serde_json alone (the
/// `Deserialize` impl) agree on every one, in result and in success.
fn mutated_control() -> impl Strategy<Value = Vec<u8>> {
    let style = prop_oneof![
        Just(Style::Compact),
        Just(Style::Cjson),
        Just(Style::Sprintf)
    ];
    let byte = prop_oneof![
        Just(b'"'),
        Just(b'\\'),
        Just(b','),
        Just(b':'),
        Just(b'{'),
        Just(b'}'),
        Just(b'['),
        Just(b']'),
        Just(b' '),
        Just(b'-'),
        Just(b'.'),
        Just(b'e'),
        Just(b'0'),
        Just(b'5'),
        Just(b'\x0c'),
        Just(b'\x01'),
        Just(0xff),
    ];
    (
        json_control_request(false),
        style,
        any::<prop::sample::Index>(),
        byte,
        0..3u8,
    )
        .prop_map(|(r, style, at, b, how)| {
            let mut out = Vec::new();
            r.write_json(style, &mut out).unwrap();
            let i = at.index(out.len().max(1)).min(out.len().saturating_sub(1));
            match how {
                0 => {}
                1 if !out.is_empty() => out[i] = b,
                _ => out.truncate(i),
            }
            out
        })
}

proptest! {
    #[test]
    fn json_control_fast_path_agrees_with_serde_json(text in mutated_control()) {
        let ours = JsonControlRequest::parse(&text);
        let serde = serde_json::from_slice::<JsonControlRequest<'_>>(&text);
        match (&ours, &serde) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(_), Err(_)) => {}
            _ => prop_assert!(false, "{:?} vs {:?} on {}", ours, serde, String::from_utf8_lossy(&text)),
        }
    }
}
