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

#[cfg(feature = "json")]
use alloc::vec::Vec;

#[cfg(feature = "json")]
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
#[cfg(feature = "json")]
pub(crate) fn write<T: Serialize + ?Sized>(
    value: &T,
    style: Style,
    out: &mut Vec<u8>,
) -> Result<(), serde_json::Error> {
    let compact = serde_json::to_vec(value)?;
    if style == Style::Compact {
        out.extend_from_slice(&compact);
        return Ok(());
    }
    let mut io = VecIo {
        src: &compact,
        at: 0,
        out,
    };
    respace(&mut io, style);
    Ok(())
}

/// Re-spaces the compact JSON text in `buf[..len]` in `style`, in place, without an allocator;
/// returns the new length, `None` when `buf` is too short for it (its contents are then
/// unspecified).
///
/// The compact text is moved to the end of `buf` and re-spaced from there to the front: a layout
/// only ever adds bytes to a compact text, so the write position never passes the read position
/// while the whole result fits (checked on every byte all the same).
#[cfg_attr(not(feature = "json-core"), allow(dead_code))]
pub(crate) fn respace_in_place(buf: &mut [u8], len: usize, style: Style) -> Option<usize> {
    if style == Style::Compact {
        return (len <= buf.len()).then_some(len);
    }
    let start = buf.len().checked_sub(len)?;
    buf.copy_within(..len, start);
    let mut io = InPlace {
        buf,
        read: start,
        write: 0,
        overflow: false,
    };
    respace(&mut io, style);
    (!io.overflow).then_some(io.write)
}

/// Where [`respace`] reads the compact text and writes the spaced one.
trait Io {
    fn next(&mut self) -> Option<u8>;
    fn peek(&self) -> Option<u8>;
    fn put(&mut self, bytes: &[u8]);
}

/// From a compact text to the end of a `Vec`.
#[cfg(feature = "json")]
struct VecIo<'a> {
    src: &'a [u8],
    at: usize,
    out: &'a mut Vec<u8>,
}

#[cfg(feature = "json")]
impl Io for VecIo<'_> {
    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at = self.at.saturating_add(1);
        Some(b)
    }
    fn peek(&self) -> Option<u8> {
        self.src.get(self.at).copied()
    }
    fn put(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }
}

/// Within one buffer: reads from `read` onwards, writes at `write`, which must stay behind it.
struct InPlace<'a> {
    buf: &'a mut [u8],
    read: usize,
    write: usize,
    overflow: bool,
}

impl Io for InPlace<'_> {
    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.read = self.read.saturating_add(1);
        Some(b)
    }
    fn peek(&self) -> Option<u8> {
        self.buf.get(self.read).copied()
    }
    fn put(&mut self, bytes: &[u8]) {
        let end = self.write.saturating_add(bytes.len());
        match self.buf.get_mut(self.write..end) {
            Some(dst) if end <= self.read => {
                dst.copy_from_slice(bytes);
                self.write = end;
            }
            _ => self.overflow = true,
        }
    }
}

fn tabs(io: &mut impl Io, n: usize) {
    for _ in 0..n {
        io.put(b"\t");
    }
}

/// The open containers of [`respace`], `true` for objects, without an allocator: 128 levels are
/// remembered (serde_json refuses to parse deeper text); deeper ones count as arrays.
#[derive(Default)]
struct Stack {
    bits: u128,
    depth: usize,
}

impl Stack {
    fn push(&mut self, object: bool) {
        if let Ok(d) = u32::try_from(self.depth)
            && d < u128::BITS
        {
            let bit = 1u128.checked_shl(d).unwrap_or(0);
            if object {
                self.bits |= bit;
            } else {
                self.bits &= !bit;
            }
        }
        self.depth = self.depth.saturating_add(1);
    }
    fn pop(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
    fn last_is_object(&self) -> bool {
        let Some(top) = self.depth.checked_sub(1) else {
            return false;
        };
        u32::try_from(top)
            .ok()
            .and_then(|d| 1u128.checked_shl(d))
            .is_some_and(|bit| self.bits & bit != 0)
    }
    const fn len(&self) -> usize {
        self.depth
    }
}

/// Re-spaces compact JSON text as cJSON_Print / sprintf would lay it out.
fn respace(io: &mut impl Io, style: Style) {
    let cjson = style == Style::Cjson;
    // Open containers; its length is cJSON's `depth` argument.
    let mut stack = Stack::default();
    let mut in_string = false;
    let mut escaped = false;
    while let Some(b) = io.next() {
        if in_string {
            io.put(&[b]);
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
                io.put(&[b]);
            }
            b' ' | b'\t' | b'\n' | b'\r' => {}
            b'{' => {
                while io.peek().is_some_and(|c| c.is_ascii_whitespace()) {
                    io.next();
                }
                if io.peek() == Some(b'}') {
                    io.next();
                    if cjson {
                        io.put(b"{\n");
                        tabs(io, stack.len().saturating_sub(1));
                        io.put(b"}");
                    } else {
                        io.put(b"{}");
                    }
                } else {
                    stack.push(true);
                    io.put(b"{");
                    if cjson {
                        io.put(b"\n");
                        tabs(io, stack.len());
                    }
                }
            }
            b'[' => {
                stack.push(false);
                io.put(&[b]);
            }
            b'}' => {
                stack.pop();
                if cjson {
                    io.put(b"\n");
                    tabs(io, stack.len());
                }
                io.put(&[b]);
            }
            b']' => {
                stack.pop();
                io.put(&[b]);
            }
            b':' => io.put(if cjson { b":\t" } else { b":" }),
            b',' => {
                if cjson && stack.last_is_object() {
                    io.put(b",\n");
                    tabs(io, stack.len());
                } else {
                    io.put(b", ");
                }
            }
            other => io.put(&[other]),
        }
    }
}

#[cfg(all(test, feature = "json"))]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use serde_json::json;

    fn respace_vec(src: &[u8], style: Style) -> Vec<u8> {
        if style == Style::Compact {
            return src.to_vec();
        }
        let mut out = Vec::new();
        let mut io = VecIo {
            src,
            at: 0,
            out: &mut out,
        };
        respace(&mut io, style);
        out
    }

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
        let out = respace_vec(br#"{ "a" : "x,\":{" , "b":[1 , 2]}"#, Style::Cjson);
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

    /// The in-place re-spacing (no allocator) writes what the `Vec` one does, and says when the
    /// buffer is too short instead of overwriting text it has not read.
    #[test]
    fn in_place_equals_vec() {
        let samples: [&[u8]; 6] = [
            br#"{"code":0,"e":{},"l":[{"k":"v"},{"k":1}],"n":[],"o":{"a":"b"},"s":[1,2]}"#,
            br#"{}"#,
            br#"[[{}]]"#,
            br#"{"a":"x,\":{","b":[1,2]}"#,
            br#"{"code":0,"msg":"write accesskey ok"}"#,
            br#"{"subdev":[{"a":{"b":{"c":[{}]}}},{"d":1}]}"#,
        ];
        for style in [Style::Compact, Style::Cjson, Style::Sprintf] {
            for src in samples {
                let want = respace_vec(src, style);
                let mut buf = [0u8; 256];
                buf[..src.len()].copy_from_slice(src);
                let n = respace_in_place(&mut buf, src.len(), style).unwrap();
                assert_eq!(
                    &buf[..n],
                    &want[..],
                    "{style:?} {}",
                    std::str::from_utf8(src).unwrap()
                );
                // One byte short of the result: refused, whatever the style.
                let mut short = std::vec![0u8; want.len() - 1];
                if src.len() <= short.len() {
                    short[..src.len()].copy_from_slice(src);
                    assert_eq!(respace_in_place(&mut short, src.len(), style), None);
                }
            }
        }
        // Nesting deeper than the stack remembers neither panics nor overflows.
        let deep: Vec<u8> = [&[b'{', b'"', b'a', b'"', b':'][..]; 200]
            .concat()
            .into_iter()
            .chain(*b"1")
            .chain(core::iter::repeat_n(b'}', 200))
            .collect();
        let mut buf = std::vec![0u8; 200_000];
        buf[..deep.len()].copy_from_slice(&deep);
        let n = respace_in_place(&mut buf, deep.len(), Style::Cjson).unwrap();
        assert!(n > deep.len());
    }
}
