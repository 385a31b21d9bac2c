//! The `cjson` global (spec 13.1): `decode`/`encode` compatible with lua-cjson 2.1 under Lua 5.3.
//!
//! Behaviour kept from lua-cjson (what vendor scripts rely on):
//! * `decode`: objects and arrays become plain tables **without metatables** (scripts call
//!   `getmetatable`), `null` becomes `cjson.null` (a NULL light userdata, also mlua's
//!   `Value::NULL`), JSON integers that fit an i64 become Lua integers (so `feed_id` stays exact and
//!   `tostring(1)` is `"1"` as under the 5.1 C engine), other numbers become floats.
//! * `encode`: a table whose keys are all positive integers is an array (holes become `null`; an
//!   "excessively sparse" array — max index > 2 × count and > 10 — is an error, lua-cjson's
//!   default); an empty table is `{}`; other tables are objects with string or number keys;
//!   integers are written exactly, floats with `%.14g` (`24.0` → `24`, `12.5` → `12.5`); NaN and
//!   infinities are errors; strings are written byte for byte (no UTF-8 check, like lua-cjson) with
//!   `"`, `\`, `/` and control characters escaped.
//! * Addition: `decode` and `encode` also accept the method-call form `cjson:decode(s)` /
//!   `cjson:encode(v)`, since scripts written for JSON.lua (`require 'JSON'`) call it that way.
//! * Departures: object keys are written sorted (lua-cjson uses table iteration order, which is
//!   unspecified anyway), nesting is limited to [`MAX_DEPTH`] levels (lua-cjson: 1000), and
//!   `decode` requires UTF-8 text (serde_json) and allows 128 levels of nesting.

use std::string::String;
use std::vec::Vec;

use mlua::{Lua, Table, Value};

/// Deepest table nesting `cjson.encode` accepts (also stops reference cycles).
pub const MAX_DEPTH: usize = 128;

/// Creates the `cjson` table.
pub(crate) fn create(lua: &Lua) -> mlua::Result<Table> {
    // lua-cjson raises *string* errors (scripts concatenate them after `pcall`); an mlua callback
    // error would reach Lua as userdata. So the Rust side returns `value, err` and a Lua wrapper
    // raises `err` as a string, at level 0 like luaL_error from a C function.
    let decode =
        lua.create_function(|lua, text: mlua::LuaString| {
            match serde_json::from_slice::<serde_json::Value>(&text.as_bytes()) {
                Ok(value) => Ok((to_lua(lua, &value)?, None)),
                Err(e) => Ok((Value::Nil, Some(format!("cjson.decode: {e}")))),
            }
        })?;
    let encode = lua.create_function(|lua, value: Value| {
        let mut out = Vec::new();
        match encode(&value, 0, &mut out) {
            Ok(()) => Ok((Value::String(lua.create_string(&out)?), None)),
            Err(e) => Ok((Value::Nil, Some(e))),
        }
    })?;
    // `M:decode(s)` / `M:encode(v)` (JSON.lua's method-call form) pass the module first: it is
    // dropped when more arguments follow (the module itself is no JSON text, and encoding it
    // fails on its functions anyway).
    let cjson: Table = lua
        .load(
            "local decode, encode = ...
             local function raise(v, e) if e then error(e, 0) end return v end
             local M = {}
             M.decode = function(s, ...)
               if rawequal(s, M) and select('#', ...) > 0 then s = ... end
               return raise(decode(s))
             end
             M.encode = function(v, ...)
               if rawequal(v, M) and select('#', ...) > 0 then v = ... end
               return raise(encode(v))
             end
             return M",
        )
        .set_name("=cjson")
        .call((decode, encode))?;
    cjson.set("null", Value::NULL)?;
    // Configuration calls some scripts make at load time; accepted and ignored (defaults kept).
    let ignore = lua.create_function(|_, _: mlua::MultiValue| Ok(()))?;
    for name in [
        "encode_sparse_array",
        "encode_max_depth",
        "decode_max_depth",
        "encode_keep_buffer",
        "encode_invalid_numbers",
        "decode_invalid_numbers",
        "encode_number_precision",
    ] {
        cjson.set(name, ignore.clone())?;
    }
    Ok(cjson)
}

fn to_lua(lua: &Lua, value: &serde_json::Value) -> mlua::Result<Value> {
    use serde_json::Value as J;
    Ok(match value {
        J::Null => Value::NULL,
        J::Bool(b) => Value::Boolean(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Value::String(lua.create_string(s)?),
        J::Array(items) => {
            let t = lua.create_table_with_capacity(items.len(), 0)?;
            for (i, item) in items.iter().enumerate() {
                t.raw_set(i.saturating_add(1), to_lua(lua, item)?)?;
            }
            Value::Table(t)
        }
        J::Object(map) => {
            let t = lua.create_table_with_capacity(0, map.len())?;
            for (k, v) in map {
                t.raw_set(k.as_str(), to_lua(lua, v)?)?;
            }
            Value::Table(t)
        }
    })
}

/// Encodes one Lua value as lua-cjson would (see the module doc).
pub(crate) fn encode(value: &Value, depth: usize, out: &mut Vec<u8>) -> Result<(), String> {
    match value {
        Value::Nil => out.extend_from_slice(b"null"),
        Value::LightUserData(p) if p.0.is_null() => out.extend_from_slice(b"null"),
        Value::Boolean(true) => out.extend_from_slice(b"true"),
        Value::Boolean(false) => out.extend_from_slice(b"false"),
        Value::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Value::Number(f) => out.extend_from_slice(format_g14(*f)?.as_bytes()),
        Value::String(s) => encode_string(&s.as_bytes(), out),
        Value::Table(t) => {
            if depth >= MAX_DEPTH {
                return Err(format!(
                    "Cannot serialise, excessive nesting ({})",
                    depth.saturating_add(1)
                ));
            }
            encode_table(t, depth.saturating_add(1), out)?;
        }
        other => {
            return Err(format!(
                "Cannot serialise {}: type not supported",
                other.type_name()
            ));
        }
    }
    Ok(())
}

fn encode_table(t: &Table, depth: usize, out: &mut Vec<u8>) -> Result<(), String> {
    let mut pairs: Vec<(Value, Value)> = Vec::new();
    for pair in t.clone().pairs::<Value, Value>() {
        pairs.push(pair.map_err(|e| e.to_string())?);
    }
    // lua-cjson's lua_array_length(): all keys positive integers → array of length max.
    let mut max: i64 = 0;
    let mut is_array = !pairs.is_empty();
    for (k, _) in &pairs {
        match k {
            Value::Integer(i) if *i >= 1 => max = max.max(*i),
            _ => {
                is_array = false;
                break;
            }
        }
    }
    if is_array {
        let items = i64::try_from(pairs.len()).unwrap_or(i64::MAX);
        if max > items.saturating_mul(2) && max > 10 {
            return Err("Cannot serialise table: excessively sparse array".into());
        }
        let mut slots: Vec<Option<&Value>> = std::vec![None; usize::try_from(max).unwrap_or(0)];
        for (k, v) in &pairs {
            if let Value::Integer(i) = k
                && let Some(slot) = usize::try_from(*i)
                    .ok()
                    .and_then(|i| i.checked_sub(1))
                    .and_then(|i| slots.get_mut(i))
            {
                *slot = Some(v);
            }
        }
        out.push(b'[');
        for (n, slot) in slots.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            encode(slot.unwrap_or(&Value::Nil), depth, out)?;
        }
        out.push(b']');
        return Ok(());
    }
    let mut entries: Vec<(Vec<u8>, &Value)> = Vec::with_capacity(pairs.len());
    for (k, v) in &pairs {
        let mut key = Vec::new();
        match k {
            Value::String(s) => encode_string(&s.as_bytes(), &mut key),
            Value::Integer(_) | Value::Number(_) => {
                key.push(b'"');
                encode(k, depth, &mut key)?;
                key.push(b'"');
            }
            _ => return Err("Cannot serialise table: table key must be a number or string".into()),
        }
        entries.push((key, v));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    out.push(b'{');
    for (n, (key, v)) in entries.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(key);
        out.push(b':');
        encode(v, depth, out)?;
    }
    out.push(b'}');
    Ok(())
}

fn encode_string(bytes: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &b in bytes {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            0..=0x1f | 0x7f => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0'));
                out.push(HEX.get(usize::from(b & 0xf)).copied().unwrap_or(b'0'));
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// C's `printf("%.14g", f)`, lua-cjson's default number format.
pub(crate) fn format_g14(f: f64) -> Result<String, String> {
    if !f.is_finite() {
        return Err("Cannot serialise number: must not be NaN or Infinity".into());
    }
    if f == 0.0 {
        return Ok(if f.is_sign_negative() { "-0" } else { "0" }.into());
    }
    // Round to 14 significant digits first; the exponent of the rounded value picks the style.
    let sci = format!("{f:.13e}");
    let (mantissa, exp) = sci.split_once('e').ok_or("bad float format")?;
    let exp: i32 = exp.parse().map_err(|_| "bad float exponent")?;
    if !(-4..14).contains(&exp) {
        let mantissa = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        Ok(format!("{mantissa}e{sign}{:02}", exp.unsigned_abs()))
    } else {
        let decimals = usize::try_from(13_i32.saturating_sub(exp)).unwrap_or(0);
        Ok(strip_zeros(&format!("{f:.decimals$}")).into())
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g14_matches_c() {
        // Expected strings from C printf("%.14g").
        for (f, s) in [
            (24.0, "24"),
            (12.5, "12.5"),
            (0.1, "0.1"),
            (1.0 / 3.0, "0.33333333333333"),
            (1e14, "1e+14"),
            (123456789012345.0, "1.2345678901234e+14"),
            (99999999999999.0, "99999999999999"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5, "-2.5"),
            (1e100, "1e+100"),
            (144093466370504020.0, "1.440934663705e+17"),
        ] {
            assert_eq!(format_g14(f).unwrap(), s, "{f}");
        }
        assert!(format_g14(f64::NAN).is_err());
    }

    #[test]
    fn string_escapes() {
        let mut out = Vec::new();
        encode_string(b"a\"b\\c/d\n\x01\xff", &mut out);
        assert_eq!(out, b"\"a\\\"b\\\\c\\/d\\n\\u0001\xff\"");
    }
}
