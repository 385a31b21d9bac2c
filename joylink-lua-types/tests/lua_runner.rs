//! The Lua runner: the example smart-plug script both ways, the sandbox, the budget and the
//! return-value rules (feature `lua`).
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::time::{Duration, Instant};

use joylink_lua_types::{
    Error, Jds2Pri, Limits, LuaTranslator, SnapshotRequest, SnapshotResponse, StreamValue,
    Translator, find_stream,
};
use joylink_wire::BizCode;
use proptest::prelude::*;

const PLUG: &[u8] = include_bytes!("../examples/smart_plug.lua");

/// spec 13.4.1, verbatim apart from the comments (JSON has none).
const CONTROL: &str = r#"{
"streams": [{"current_value": "1", "stream_id": "switch"}],
"snapshot": [{"current_value": "0", "stream_id": "switch"}]
}"#;

fn plug() -> LuaTranslator {
    LuaTranslator::new(PLUG).unwrap()
}

fn script(src: &str) -> LuaTranslator {
    LuaTranslator::new(src.as_bytes()).unwrap()
}

#[test]
fn plug_jds2pri_control_and_snapshot() {
    let mut t = plug();
    // A5 | cmd 01 | len 01 | switch 01 | xor(01,01,01) = 01 (by hand)
    assert_eq!(
        t.jds2pri(BizCode::Control, CONTROL).unwrap(),
        Jds2Pri::Command(vec![0xA5, 0x01, 0x01, 0x01, 0x01])
    );
    let off = CONTROL.replacen("\"1\"", "\"0\"", 1);
    assert_eq!(
        t.jds2pri(BizCode::Control, &off).unwrap(),
        Jds2Pri::Command(vec![0xA5, 0x01, 0x01, 0x00, 0x00])
    );
    // A snapshot request has no body (spec 13.4.3) but is still a JSON document: `{}`.
    // A5 02 00 xor(02,00)=02.
    let snapshot = serde_json::to_string(&SnapshotRequest {}).unwrap();
    assert_eq!(snapshot, "{}");
    assert_eq!(
        t.jds2pri(BizCode::Snapshot, &snapshot).unwrap(),
        Jds2Pri::Command(vec![0xA5, 0x02, 0x00, 0x02])
    );
    // Like real vendor scripts, the plug decodes every input: an empty string is not JSON.
    let e = t.jds2pri(BizCode::Snapshot, "").unwrap_err();
    assert!(
        matches!(&e, Error::Runtime { message, .. } if message.contains("cjson.decode")),
        "{e}"
    );
    assert!(matches!(
        t.jds2pri(BizCode::Recipe, "{}"),
        Err(Error::ScriptFailed { code: -1, .. })
    ));
}

#[test]
fn plug_pri2jds_status() {
    let mut t = plug();
    // switch 1, power 1255 (125.5 W), voltage 2203 (220.3 V), current 570 mA, energy 123456 Wh;
    // xor 0x60 computed by hand (python).
    let frame = hex::decode("a5810b0104e7089b023a0001e24060").unwrap();
    let out = t.pri2jds(BizCode::Snapshot, &frame).unwrap();
    assert_eq!(out.biz_code, BizCode::SnapshotResponse);
    let doc: SnapshotResponse<'_> = serde_json::from_slice(&out.json).unwrap();
    assert_eq!(doc.code, 0);
    let v = |id| &find_stream(&doc.streams, id).unwrap().current_value;
    assert_eq!(v("switch"), &StreamValue::int(1));
    assert_eq!(v("power").as_f64(), Some(125.5));
    assert_eq!(v("voltage").as_f64(), Some(220.3));
    assert_eq!(v("current"), &StreamValue::int(570));
    assert_eq!(v("energy"), &StreamValue::int(123_456));

    // Control reply: biz 102 and the UTF-8 message written raw by cjson.encode.
    let out = t.pri2jds(BizCode::Control, &frame).unwrap();
    assert_eq!(out.biz_code, BizCode::ControlResponse);
    let doc: joylink_lua_types::ControlResponseDoc<'_> = serde_json::from_slice(&out.json).unwrap();
    assert_eq!(doc.msg.as_deref(), Some("控制成功"));

    // Unknown origin (bizcode 0): an upload, biz 0.
    let out = t.pri2jds(BizCode::from(0), &frame).unwrap();
    assert_eq!(out.biz_code, BizCode::from(0));

    // A corrupted checksum is refused by the script.
    let mut bad = frame.clone();
    *bad.last_mut().unwrap() ^= 1;
    assert!(matches!(
        t.pri2jds(BizCode::Snapshot, &bad),
        Err(Error::ScriptFailed { code: -1, .. })
    ));
}

/// Reference implementation of the plug's protocol in Rust, for the differential proptest.
fn status_frame(sw: u8, power: u16, voltage: u16, current: u16, energy: u32) -> Vec<u8> {
    let mut body = vec![0x81, 11, sw];
    body.extend(power.to_be_bytes());
    body.extend(voltage.to_be_bytes());
    body.extend(current.to_be_bytes());
    body.extend(energy.to_be_bytes());
    let x = body.iter().fold(0u8, |a, b| a ^ b);
    let mut f = vec![0xA5];
    f.extend(body);
    f.push(x);
    f
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn plug_status_any_reading(sw in 0u8..=1, power: u16, voltage: u16, current: u16, energy: u32) {
        let mut t = plug();
        let out = t.pri2jds(BizCode::Snapshot, &status_frame(sw, power, voltage, current, energy)).unwrap();
        let doc: SnapshotResponse<'_> = serde_json::from_slice(&out.json).unwrap();
        let v = |id| find_stream(&doc.streams, id).unwrap().current_value.clone();
        prop_assert_eq!(v("switch").as_i64(), Some(i64::from(sw)));
        prop_assert_eq!(v("power").as_f64(), Some(f64::from(power) / 10.0));
        prop_assert_eq!(v("voltage").as_f64(), Some(f64::from(voltage) / 10.0));
        prop_assert_eq!(v("current").as_i64(), Some(i64::from(current)));
        prop_assert_eq!(v("energy").as_i64(), Some(i64::from(energy)));
    }

    #[test]
    fn plug_never_panics_on_bytes(bin in proptest::collection::vec(any::<u8>(), 0..40)) {
        let mut t = plug();
        let _ = t.pri2jds(BizCode::Snapshot, &bin);
    }

    #[test]
    fn plug_control_any_switch(on: bool) {
        let mut t = plug();
        let cmd = format!(r#"{{"streams":[{{"stream_id":"switch","current_value":"{}"}}]}}"#, u8::from(on));
        let s = u8::from(on);
        prop_assert_eq!(t.jds2pri(BizCode::Control, &cmd).unwrap(), Jds2Pri::Command(vec![0xA5, 1, 1, s, s]));
    }
}

#[test]
fn runaway_loop_is_stopped_fast() {
    let mut t = script(
        "function jds2pri(b, c) while true do end end\nfunction pri2jds(b, l, s) return 0, '', 0 end",
    );
    let start = Instant::now();
    let e = t.jds2pri(BizCode::Control, "{}").unwrap_err();
    assert!(
        matches!(e, Error::InstructionBudget { limit: 10_000_000 }),
        "{e}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        e.to_string(),
        "script exceeded its budget of 10000000 Lua instructions"
    );
    // The state stays usable afterwards.
    assert!(t.pri2jds(BizCode::from(0), b"").is_ok());
}

#[test]
fn runaway_top_level_and_pcall_cannot_escape() {
    let e = LuaTranslator::new(b"while true do end").unwrap_err();
    assert!(matches!(e, Error::InstructionBudget { .. }), "{e}");
    let mut t = script(
        "function jds2pri(b, c) while true do pcall(function() while true do end end) end end
         function pri2jds(b, l, s) return 0, '', 0 end",
    );
    let e = t.jds2pri(BizCode::Control, "{}").unwrap_err();
    assert!(matches!(e, Error::InstructionBudget { .. }), "{e}");
}

#[test]
fn memory_limit() {
    let mut t = LuaTranslator::with_limits(
        b"function jds2pri(b, c) local t = {} for i = 1, 1e7 do t[i] = string.rep('x', 64) .. i end return 0, 0, '' end
          function pri2jds(b, l, s) local s = string.rep('x', 1 << 30) return 0, s, 0 end",
        Limits::DEFAULT.with_memory(4 << 20).with_instructions(1 << 40),
    )
    .unwrap();
    let e = t.jds2pri(BizCode::Control, "{}").unwrap_err();
    assert!(matches!(e, Error::MemoryLimit { limit: 4194304 }), "{e}");
    let e = t.pri2jds(BizCode::Control, b"").unwrap_err();
    assert!(matches!(e, Error::MemoryLimit { .. }), "{e}");
}

#[test]
fn wrong_number_of_return_values() {
    let mut t = script(
        "function jds2pri(b, c) return 0, 3 end
         function pri2jds(b, l, s) return 0, '{}', 104, 'extra' end",
    );
    let e = t.jds2pri(BizCode::Control, "{}").unwrap_err();
    assert!(matches!(e, Error::ReturnCount { got: 2, .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "jds2pri must return 3 values (code, ...), it returned 2"
    );
    let e = t.pri2jds(BizCode::Control, b"").unwrap_err();
    assert!(matches!(e, Error::ReturnCount { got: 4, .. }), "{e}");

    let mut t = script("function jds2pri() end function pri2jds() return -1 end");
    assert!(matches!(
        t.jds2pri(BizCode::Control, "{}"),
        Err(Error::ReturnCount { got: 0, .. })
    ));
    // A failing script may return just its code.
    assert!(matches!(
        t.pri2jds(BizCode::Control, b""),
        Err(Error::ScriptFailed { code: -1, .. })
    ));
}

#[test]
fn floats_for_codes_and_lengths() {
    // Lua 5.3's `/` yields floats (24.0) where the 5.1 C engine had plain numbers: integral
    // floats and numeric strings are read as integers; fractions are errors.
    let mut t = script(
        "function jds2pri(b, c) local s = 'abcd' return 0.0, #s / 1, s end
         function pri2jds(b, l, s) return '0', '{}', 208 / 2 end",
    );
    assert_eq!(
        t.jds2pri(BizCode::Control, "{}").unwrap(),
        Jds2Pri::Command(b"abcd".to_vec())
    );
    assert_eq!(
        t.pri2jds(BizCode::Snapshot, b"").unwrap().biz_code,
        BizCode::SnapshotResponse
    );
    let mut t = script(
        "function jds2pri(b, c) return 0, 2.5, 'abcd' end
         function pri2jds(b, l, s) return 0, 5, 104 end",
    );
    let e = t.jds2pri(BizCode::Control, "{}").unwrap_err();
    assert!(
        matches!(
            e,
            Error::ReturnType {
                index: 2,
                name: "length",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("2.5"), "{e}");
    let e = t.pri2jds(BizCode::Control, b"").unwrap_err();
    assert!(
        matches!(
            e,
            Error::ReturnType {
                index: 2,
                name: "json",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn length_selects_prefix_and_is_checked() {
    let mut t = script(
        "function jds2pri(b, c) if b == 1002 then return 0, 2, 'abcd' end return 0, 9, 'abcd' end
         function pri2jds(b, l, s) return 0, '{}', -1 end",
    );
    assert_eq!(
        t.jds2pri(BizCode::Control, "{}").unwrap().bytes(),
        Some(&b"ab"[..])
    );
    assert!(matches!(
        t.jds2pri(BizCode::Snapshot, "{}"),
        Err(Error::LengthMismatch {
            declared: 9,
            actual: 4
        })
    ));
    assert!(matches!(
        t.pri2jds(BizCode::Snapshot, b""),
        Err(Error::ReturnType {
            index: 3,
            name: "bizcode",
            ..
        })
    ));
}

#[test]
fn binary_arguments_reach_the_script_intact() {
    let mut t = script(
        "function jds2pri(b, c) return 0, #c, c end
         function pri2jds(b, l, s) local t = {} for i = 1, l do t[i] = s:byte(i) end
           return 0, cjson.encode({b = b, l = l, bytes = t}), b end",
    );
    let out = t.pri2jds(BizCode::from(7), &[0, 255, 0x80, 10]).unwrap();
    assert_eq!(out.json, br#"{"b":7,"bytes":[0,255,128,10],"l":4}"#);
    assert_eq!(
        t.jds2pri(BizCode::Control, "é").unwrap().into_bytes(),
        Some("é".as_bytes().to_vec())
    );
}

#[test]
fn errors_and_missing_functions() {
    assert!(matches!(
        LuaTranslator::new(b"function jds2pri() end"),
        Err(Error::MissingFunction("pri2jds"))
    ));
    assert!(matches!(
        LuaTranslator::new(b"function jds2pri( end"),
        Err(Error::Load(_))
    ));
    // Precompiled chunks are refused.
    assert!(matches!(
        LuaTranslator::new(b"\x1bLuaS\x00"),
        Err(Error::Load(_))
    ));
    let mut t = script(
        "function jds2pri(b, c) error('boom') end
         function pri2jds(b, l, s) return 0, cjson.decode('{bad'), 0 end",
    );
    let e = t.jds2pri(BizCode::Control, "{}").unwrap_err();
    assert!(
        matches!(&e, Error::Runtime { message, .. } if message.contains("boom")),
        "{e}"
    );
    let e = t.pri2jds(BizCode::Control, b"").unwrap_err();
    assert!(
        matches!(&e, Error::Runtime { message, .. } if message.contains("cjson.decode")),
        "{e}"
    );
}

#[test]
fn sandbox_and_shims() {
    let mut t = script(
        r#"
        local JSON = require 'JSON'
        function jds2pri(b, c)
          local tb = JSON.decode(c)
          local r = {
            meta = getmetatable(tb) == nil and getmetatable(tb.a) == nil,
            maxn = table.maxn({1, 2, [7] = 3}),
            getn = table.getn({1, 2, 3}),
            unpack = select('#', unpack({1, 2, 3})),
            pow = math.pow(2, 10),
            band = bit32.band(0xFF0F, 0x0FFF),
            rshift = bit32.rshift(0x80000000, 31),
            io = io == nil and os == nil and load == nil and dofile == nil and debug == nil,
            req = pcall(require, 'socket') == false,
            null = tb.n == cjson.null,
          }
          print('hello', 1, nil)
          local s = cjson.encode(r)
          return 0, #s, s
        end
        function pri2jds(b, l, s) return 0, '', 0 end
        "#,
    );
    let out = t
        .jds2pri(BizCode::Control, r#"{"a":[1,2],"n":null}"#)
        .unwrap();
    assert_eq!(
        String::from_utf8(out.into_bytes().unwrap()).unwrap(),
        r#"{"band":3855,"getn":3,"io":true,"maxn":7,"meta":true,"null":true,"pow":1024,"req":true,"rshift":1,"unpack":3}"#
    );
    assert_eq!(t.take_log(), ["hello\t1\tnil"]);
}

#[test]
fn cjson_numbers_and_tables() {
    let mut t = script(
        r#"
        function jds2pri(b, c)
          local tb = cjson.decode(c)
          local s = cjson.encode({
            feed = tb.feed_id, isint = math.type(tb.feed_id), one = tostring(tb.one),
            half = tb.one / 2, twelve = 24 / 2, sparse_ok = {1, nil, 3}, empty = {},
            esc = "a/b\"\n", big = 2^53,
          })
          return 0, #s, s
        end
        function pri2jds(b, l, s)
          local ok, err = pcall(cjson.encode, {[1] = 1, [100] = 2})
          local ok2, err2 = pcall(cjson.encode, 0/0)
          return 0, tostring(ok) .. err .. "|" .. tostring(ok2) .. err2, 0
        end
        "#,
    );
    let out = t
        .jds2pri(
            BizCode::Control,
            r#"{"feed_id": 144093466370504020, "one": 1}"#,
        )
        .unwrap();
    assert_eq!(
        String::from_utf8(out.into_bytes().unwrap()).unwrap(),
        r#"{"big":9.007199254741e+15,"empty":{},"esc":"a\/b\"\n","feed":144093466370504020,"half":0.5,"isint":"integer","one":"1","sparse_ok":[1,null,3],"twelve":12}"#
    );
    let out = t.pri2jds(BizCode::from(0), b"").unwrap();
    let text = String::from_utf8(out.json).unwrap();
    assert!(
        text.contains("falseCannot serialise table: excessively sparse array"),
        "{text}"
    );
    assert!(
        text.contains("falseCannot serialise number: must not be NaN or Infinity"),
        "{text}"
    );
}

#[test]
fn gbk_script_loads_as_bytes() {
    // "控制成功" in GBK: BF D8 D6 C6 B3 C9 B9 A6 — not UTF-8; Lua passes the bytes through.
    let mut src = b"-- \xbf\xd8\xd6\xc6\nlocal msg = '".to_vec();
    src.extend_from_slice(b"\xbf\xd8\xd6\xc6\xb3\xc9\xb9\xa6");
    src.extend_from_slice(
        b"'\nfunction jds2pri(b, c) return 0, 0, '' end\nfunction pri2jds(b, l, s) return 0, cjson.encode({code = 0, msg = msg}), 102 end\n",
    );
    let mut t = LuaTranslator::new(&src).unwrap();
    let out = t.pri2jds(BizCode::Control, b"").unwrap();
    assert_eq!(
        out.json,
        b"{\"code\":0,\"msg\":\"\xbf\xd8\xd6\xc6\xb3\xc9\xb9\xa6\"}"
    );
}

#[test]
fn print_logs_non_utf8_text_lossily() {
    // "控制" in GBK (BF D8 D6 C6) is not UTF-8: the line keeps the ASCII around it and shows
    // the undecodable bytes as U+FFFD, instead of the word `string`.
    let mut t = script(
        "function jds2pri(b, c) print('msg: \\xbf\\xd8\\xd6\\xc6 ok', 'x') return 0, 0, nil end
         function pri2jds(b, l, s) print(s) return 0, '{}', 0 end",
    );
    assert_eq!(
        t.jds2pri(BizCode::Control, "{}").unwrap(),
        Jds2Pri::NoCommand
    );
    let log = t.take_log();
    assert_eq!(log.len(), 1);
    assert!(log[0].starts_with("msg: "), "{log:?}");
    assert!(log[0].ends_with(" ok\tx"), "{log:?}");
    assert!(log[0].contains('\u{FFFD}'), "{log:?}");
    // Raw binary arguments too.
    t.pri2jds(BizCode::from(0), &[b'A', 0xFF, b'B']).unwrap();
    assert_eq!(t.take_log(), ["A\u{FFFD}B"]);
}

#[test]
fn jds2pri_without_command_is_a_typed_outcome() {
    // JD's microwave-oven script answers a control it does not recognise with `0, 0, nil`.
    let mut t = script(
        "function jds2pri(b, c)
           local tb = cjson.decode(c)
           if tb.streams == nil then return 0, 0, nil end
           if b == 1050 then return 0, 0, '' end
           if b == 1051 then return 0, 3, nil end
           return 0, 2, 'ok'
         end
         function pri2jds(b, l, s) return 0, '{}', 0 end",
    );
    assert_eq!(
        t.jds2pri(BizCode::Control, "{}").unwrap(),
        Jds2Pri::NoCommand
    );
    // A zero length is nothing to send, whatever the third value.
    let recipe = r#"{"streams":[]}"#;
    assert_eq!(
        t.jds2pri(BizCode::Recipe, recipe).unwrap(),
        Jds2Pri::NoCommand
    );
    let cmd = t.jds2pri(BizCode::Control, recipe).unwrap();
    assert_eq!(cmd, Jds2Pri::Command(b"ok".to_vec()));
    assert_eq!(cmd.bytes(), Some(&b"ok"[..]));
    // nil bytes with a non-zero length is still an error.
    assert!(matches!(
        t.jds2pri(BizCode::from(1051), recipe),
        Err(Error::ReturnType {
            index: 3,
            name: "bytes",
            ..
        })
    ));
}

#[test]
fn require_json_supports_the_method_call_form() {
    // Scripts written for JSON.lua call `JSON:decode(s)` / `JSON:encode(t)`.
    let mut t = script(
        r#"
        local JSON = require 'JSON'
        local cjson = require 'cjson'
        function jds2pri(b, c)
          local a = JSON:decode(c)
          local d = cjson.decode(c)
          local s = JSON:encode({a = a.x, d = d.x, n = cjson:encode(nil), m = JSON.encode({1})})
          return 0, #s, s
        end
        function pri2jds(b, l, s) return 0, cjson:encode({l = l}), 0 end
        "#,
    );
    let out = t.jds2pri(BizCode::Control, r#"{"x":7}"#).unwrap();
    assert_eq!(
        out.bytes(),
        Some(&br#"{"a":7,"d":7,"m":"[1]","n":"null"}"#[..])
    );
    assert_eq!(
        t.pri2jds(BizCode::from(0), b"ab").unwrap().json,
        br#"{"l":2}"#
    );
}

#[test]
fn require_bit32_returns_the_builtin_library() {
    let mut t = script(
        "local bit = require 'bit32'
         function jds2pri(b, c)
           local s = tostring(bit == bit32) .. ' ' .. bit.band(0xF0, 0x3C) .. ' ' .. bit.lshift(1, 4)
           return 0, #s, s
         end
         function pri2jds(b, l, s) return 0, '{}', 0 end",
    );
    let out = t.jds2pri(BizCode::Control, "{}").unwrap();
    assert_eq!(out.bytes(), Some(&b"true 48 16"[..]));
    // Other modules stay unavailable.
    assert!(matches!(
        LuaTranslator::new(b"require 'socket'"),
        Err(Error::Runtime { .. })
    ));
}

/// The runner behind the workspace's one `Translator` trait (what a device machine or gateway
/// holds as `&mut dyn Translator`): the same results as its own methods, written into the
/// caller's buffer; "no command" is length 0; a short buffer and a failing script are errors.
#[test]
fn the_runner_as_the_translator_trait() {
    let mut t = plug();
    let mut out = [0u8; 256];
    let dynamic: &mut dyn Translator = &mut t;
    let n = dynamic
        .jds2pri(BizCode::Control, CONTROL.as_bytes(), &mut out)
        .unwrap();
    assert_eq!(&out[..n], [0xA5, 0x01, 0x01, 0x01, 0x01]);
    assert_eq!(
        dynamic.jds2pri(BizCode::Control, CONTROL.as_bytes(), &mut out[..4]),
        Err(joylink_session::Error::Capacity)
    );
    assert!(matches!(
        dynamic.jds2pri(BizCode::Snapshot, b"", &mut out),
        Err(joylink_session::Error::Dropped(
            joylink_session::DropReason::Untranslatable
        ))
    ));
    let frame = status_frame(1, 1255, 2203, 570, 123_456);
    let (n, biz) = dynamic
        .pri2jds(BizCode::Snapshot, &frame, &mut out)
        .unwrap();
    assert_eq!(biz, BizCode::SnapshotResponse);
    assert_eq!(
        out[..n],
        t.pri2jds(BizCode::Snapshot, &frame).unwrap().json[..]
    );

    let mut none = script(
        "function jds2pri(b, c) return 0, 0, nil end function pri2jds(b, l, s) return 0, '{}', 0 end",
    );
    assert_eq!(
        Translator::jds2pri(&mut none, BizCode::Control, b"{}", &mut out),
        Ok(0)
    );
}

#[test]
fn print_log_is_bounded_oldest_dropped_long_lines_truncated() {
    // 100 lines of 300 ASCII bytes each ("NNN:" then 'x' padding), then one of 100 three-byte
    // characters (300 bytes, cut at a character boundary). The log keeps the newest 64 lines,
    // each cut to at most 256 bytes.
    let mut t = script(
        "function jds2pri(b, c)
           for i = 1, 100 do print(string.format('%03d:', i) .. string.rep('x', 296)) end
           print(string.rep('\u{4E2D}', 100))
           return 0, 0, nil
         end
         function pri2jds(b, l, s) return 0, '{}', 0 end",
    );
    assert_eq!(
        t.jds2pri(BizCode::Control, "{}").unwrap(),
        Jds2Pri::NoCommand
    );
    let log = t.take_log();
    assert_eq!(log.len(), 64, "at most 64 lines are kept");
    assert!(log.iter().all(|l| l.len() <= 256), "no line over 256 bytes");
    // The oldest lines went first: the 101 printed lines keep 38..=100 and the multibyte one.
    for (line, n) in log.iter().zip(38..=100) {
        assert_eq!(line.len(), 256, "{line:?}");
        assert_eq!(line[..4], format!("{n:03}:"), "{line:?}");
        assert!(line[4..].bytes().all(|b| b == b'x'), "{line:?}");
    }
    // 256 is not a multiple of 3: the cut backs off to the last whole character (255 bytes).
    assert_eq!(log[63], "\u{4E2D}".repeat(85));
    // Taking the log empties it; later prints start a new one.
    assert!(t.take_log().is_empty());
    assert_eq!(
        t.jds2pri(BizCode::Control, "{}").unwrap(),
        Jds2Pri::NoCommand
    );
    assert_eq!(t.take_log().len(), 64);
}
