//! The Lua runner: the example smart-plug script both ways, the sandbox, the budget and the
//! return-value rules (feature `lua`).
#![cfg(feature = "lua")]
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::time::{Duration, Instant};

use joylink_lua_types::{
    Error, Limits, LuaTranslator, SnapshotResponse, StreamValue, Translator, find_stream,
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
        [0xA5, 0x01, 0x01, 0x01, 0x01]
    );
    let off = CONTROL.replacen("\"1\"", "\"0\"", 1);
    assert_eq!(
        t.jds2pri(BizCode::Control, &off).unwrap(),
        [0xA5, 0x01, 0x01, 0x00, 0x00]
    );
    // Snapshot has no body (spec 13.4.3): A5 02 00 xor(02,00)=02.
    assert_eq!(
        t.jds2pri(BizCode::Snapshot, "").unwrap(),
        [0xA5, 0x02, 0x00, 0x02]
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
    let doc: joylink_lua_types::ControlResponse<'_> = serde_json::from_slice(&out.json).unwrap();
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
        prop_assert_eq!(t.jds2pri(BizCode::Control, &cmd).unwrap(), vec![0xA5, 1, 1, s, s]);
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
    assert_eq!(t.jds2pri(BizCode::Control, "{}").unwrap(), b"abcd");
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
    assert_eq!(t.jds2pri(BizCode::Control, "{}").unwrap(), b"ab");
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
    assert_eq!(t.jds2pri(BizCode::Control, "é").unwrap(), "é".as_bytes());
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
        String::from_utf8(out).unwrap(),
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
        String::from_utf8(out).unwrap(),
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
