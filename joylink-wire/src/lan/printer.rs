//! How JSON bodies are written: compact, the SDK's cJSON pretty print, or its `sprintf` style.
//!
//! compat §6.1 — shipped devices build most replies with cJSON 1.x's `cJSON_Print()`:
//! `{\n\t"key":\t<value>,\n\t…\n}`, tab indentation, array elements separated by `", "`, objects
//! inside arrays one level deeper (`[{\n\t\t\t"k":\t"v"\n\t\t}, {…}]`), an empty object `{\n}`
//! (with `depth − 1` tabs before `}` when nested), `[]` for an empty array, no trailing newline.
//! Hand-made replies (`{"code":0, "msg":"…"}`) put a space after the comma. Parsers accept any
//! whitespace; these styles exist so a device built with this crate sends the very bytes a shipped
//! one does (checked against the vectors).
//!
//! Numbers are written as their text (integers as `%d` would); cJSON's `%f` rendering of
//! non-integers (`1.500000`) is not imitated — keep the text in a [`JsonNumber`] if it matters.
//!
//! [`JsonNumber`]: crate::lan::JsonNumber

use alloc::vec::Vec;

use serde::Serialize;

/// The whitespace of a JSON body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Style {
    /// No whitespace at all: `{"code":0,"data":[…]}` (what apps send; the vectors' type-3 replies).
    #[default]
    Compact,
    /// cJSON's `cJSON_Print()` (scan, add-sub-device and sub-device-auth replies).
    Cjson,
    /// `sprintf` style: compact with a space after each comma, `{"code":0, "msg":"…"}` (the
    /// write-key reply).
    Sprintf,
}

/// Serializes `value` in `style`, appending to `out`.
///
/// serde_json's custom formatters need its `std` feature, so the other styles re-space the
/// compact text instead (whitespace outside strings, e.g. inside a kept raw value, is dropped).
pub(crate) fn write<T: Serialize + ?Sized>(
    value: &T,
    style: Style,
    out: &mut Vec<u8>,
) -> Result<(), serde_json::Error> {
    if style == Style::Compact {
        let compact = serde_json::to_vec(value)?;
        out.extend_from_slice(&compact);
        return Ok(());
    }
    let compact = serde_json::to_vec(value)?;
    respace(&compact, style, out);
    Ok(())
}

fn tabs(out: &mut Vec<u8>, n: usize) {
    out.extend(core::iter::repeat_n(b'\t', n));
}

/// Re-spaces compact JSON text as cJSON_Print / sprintf would lay it out.
fn respace(src: &[u8], style: Style, out: &mut Vec<u8>) {
    let cjson = style == Style::Cjson;
    // Open containers, `true` for objects; its length is cJSON's `depth` argument.
    let mut stack: Vec<bool> = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut it = src.iter().copied().peekable();
    while let Some(b) = it.next() {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                out.push(b);
            }
            b' ' | b'\t' | b'\n' | b'\r' => {}
            b'{' => {
                while it.next_if(u8::is_ascii_whitespace).is_some() {}
                if it.next_if_eq(&b'}').is_some() {
                    if cjson {
                        out.extend_from_slice(b"{\n");
                        tabs(out, stack.len().saturating_sub(1));
                        out.push(b'}');
                    } else {
                        out.extend_from_slice(b"{}");
                    }
                } else {
                    stack.push(true);
                    out.push(b'{');
                    if cjson {
                        out.push(b'\n');
                        tabs(out, stack.len());
                    }
                }
            }
            b'[' => {
                stack.push(false);
                out.push(b);
            }
            b'}' => {
                stack.pop();
                if cjson {
                    out.push(b'\n');
                    tabs(out, stack.len());
                }
                out.push(b);
            }
            b']' => {
                stack.pop();
                out.push(b);
            }
            b':' => out.extend_from_slice(if cjson { b":\t" } else { b":" }),
            b',' => {
                if cjson && stack.last() == Some(&true) {
                    out.extend_from_slice(b",\n");
                    tabs(out, stack.len());
                } else {
                    out.extend_from_slice(b", ");
                }
            }
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn print(v: &serde_json::Value, style: Style) -> std::string::String {
        let mut out = Vec::new();
        write(v, style, &mut out).unwrap();
        std::string::String::from_utf8(out).unwrap()
    }

    #[test]
    fn cjson_layout() {
        // Keys written in sorted order, so the map iterates the same with and without serde_json's
        // `preserve_order` (which another crate of the workspace may switch on by unification).
        let v = json!({"code": 0, "e": {}, "l": [{"k": "v"}, {"k": 1}], "n": [], "o": {"a": "b"}, "s": [1, 2]});
        assert_eq!(
            print(&v, Style::Cjson),
            "{\n\t\"code\":\t0,\n\t\"e\":\t{\n},\n\t\"l\":\t[{\n\t\t\t\"k\":\t\"v\"\n\t\t}, {\n\t\t\t\"k\":\t1\n\t\t}],\n\t\"n\":\t[],\n\t\"o\":\t{\n\t\t\"a\":\t\"b\"\n\t},\n\t\"s\":\t[1, 2]\n}"
        );
        assert_eq!(print(&json!({}), Style::Cjson), "{\n}");
        assert_eq!(print(&json!([{}]), Style::Cjson), "[{\n}]");
        assert_eq!(print(&json!([[{}]]), Style::Cjson), "[[{\n\t}]]");
        // Strings are copied untouched, escapes included; raw whitespace outside them is dropped.
        let mut out = Vec::new();
        respace(
            br#"{ "a" : "x,\":{" , "b":[1 , 2]}"#,
            Style::Cjson,
            &mut out,
        );
        assert_eq!(out, b"{\n\t\"a\":\t\"x,\\\":{\",\n\t\"b\":\t[1, 2]\n}");
    }

    #[test]
    fn sprintf_layout() {
        assert_eq!(
            print(&json!({"code": 0, "msg": "x"}), Style::Sprintf),
            "{\"code\":0, \"msg\":\"x\"}"
        );
        assert_eq!(
            print(&json!({"code": 0, "msg": "x"}), Style::Compact),
            "{\"code\":0,\"msg\":\"x\"}"
        );
    }
}
