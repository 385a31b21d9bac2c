//! A one-pass scanner for the usual shape of a JSON control request, in front of serde_json.
//!
//! A control (`cmd` 5) is the hot LAN message, and serde_json spends most of its time on it in
//! per-token machinery (a key is ~190 instructions, a `current_value` read through `RawValue`
//! ~290). This scanner reads the shape every known sender writes — `cmd` (a non-negative
//! integer) before `data`, an optional `feedid`, `streams` / `snapshot` lists of
//! `{stream_id, current_value}` objects, strings without escapes, scalar values — straight into
//! the borrowed types, and gives up (`None`) on anything else: unknown or duplicate keys, an
//! escape, another `cmd`, an array or object value, anything malformed. The caller then parses
//! with serde_json, so the result, the accepted inputs and every error stay serde_json's; this
//! only has to be right about what it accepts (JSON's grammar, checked strictly: numbers,
//! literals, whitespace, control characters in strings, text after the value).

use alloc::borrow::Cow;
use alloc::vec::Vec;

use super::{ControlData, JsonCommand, JsonControlRequest, Stream, StreamKeyOrder};
use crate::lan::value::{JsonNumber, RawJson, StreamValue};

/// The request, when `text` has the usual shape (see the module doc); `None` otherwise.
pub(super) fn request(text: &str) -> Option<JsonControlRequest<'_>> {
    let mut c = Cursor { text, pos: 0 };
    c.eat(b'{')?;
    let mut cmd = None;
    let mut feed_id = None;
    let mut data = None;
    loop {
        match c.key()? {
            "cmd" if cmd.is_none() => cmd = Some(c.cmd()?),
            "feedid" if feed_id.is_none() => {
                feed_id = Some(if c.literal(b"null") {
                    None
                } else {
                    Some(c.string()?)
                });
            }
            "data" if data.is_none() && cmd == Some(JsonCommand::CONTROL) => {
                data = Some(c.control()?);
            }
            _ => return None,
        }
        if !c.more(b'}')? {
            break;
        }
    }
    c.ws();
    if c.pos != text.len() {
        return None;
    }
    Some(JsonControlRequest {
        feed_id: feed_id.flatten().map(Cow::Borrowed),
        command: JsonCommand::Control(data?),
    })
}

/// The length of the run of bytes at the start of `b` that may stand in a JSON string as they
/// are: up to the first `"`, `\` or control character (or the end). Eight bytes at a time: a
/// byte of `x ^ 0x22…` (or `x ^ 0x5c…`) is zero, or a byte of `x` below 0x20, exactly where the
/// classic `(v - 0x01…) & !v & 0x80…` test sets its lowest flag (flags above the lowest may be
/// spurious borrows, so only the lowest is used).
fn plain_len(b: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut done = 0usize;
    let mut rest = b;
    while let Some((chunk, tail)) = rest.split_first_chunk::<8>() {
        let x = u64::from_le_bytes(*chunk);
        let quote = x ^ 0x2222_2222_2222_2222;
        let backslash = x ^ 0x5c5c_5c5c_5c5c_5c5c;
        let flags = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (x.wrapping_sub(0x2020_2020_2020_2020) & !x))
            & HIGH;
        if flags != 0 {
            // trailing_zeros / 8 < 8.
            return done.saturating_add((flags.trailing_zeros() / 8) as usize);
        }
        done = done.saturating_add(8);
        rest = tail;
    }
    done.saturating_add(
        rest.iter()
            .take_while(|&&c| c != b'"' && c != b'\\' && c >= 0x20)
            .count(),
    )
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn rest(&self) -> &'a [u8] {
        self.text.as_bytes().get(self.pos..).unwrap_or_default()
    }

    fn advance(&mut self, n: usize) -> Option<()> {
        self.pos = self.pos.checked_add(n)?;
        Some(())
    }

    /// Skips JSON whitespace (space, tab, LF, CR; nothing else).
    fn ws(&mut self) {
        let n = self
            .rest()
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .count();
        self.pos = self.pos.saturating_add(n);
    }

    /// Whitespace, then `b`.
    fn eat(&mut self, b: u8) -> Option<()> {
        self.ws();
        if self.peek()? != b {
            return None;
        }
        self.advance(1)
    }

    /// After a member or element: `Some(true)` on `,`, `Some(false)` on `close`.
    fn more(&mut self, close: u8) -> Option<bool> {
        self.ws();
        let b = self.peek()?;
        self.advance(1)?;
        match b {
            b',' => Some(true),
            b if b == close => Some(false),
            _ => None,
        }
    }

    /// Whitespace, then `word` (`true`, `false`, `null`) when it is there.
    fn literal(&mut self, word: &[u8]) -> bool {
        self.ws();
        self.rest().starts_with(word) && self.advance(word.len()).is_some()
    }

    /// A string without escapes or control characters, borrowed.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let len = plain_len(self.rest());
        if self.rest().get(len) != Some(&b'"') {
            return None;
        }
        let end = self.pos.checked_add(len)?;
        // Both ends are next to an ASCII quote, so on char boundaries.
        let s = self.text.get(self.pos..end)?;
        self.pos = end.checked_add(1)?;
        Some(s)
    }

    /// A key (without escapes, as every sender writes them) and its `:`.
    fn key(&mut self) -> Option<&'a str> {
        let k = self.string()?;
        self.eat(b':')?;
        Some(k)
    }

    /// The text of a number in JSON's grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    /// What follows is the caller's to check (`01` stops after `0`, then fails there).
    fn number(&mut self) -> Option<&'a str> {
        self.ws();
        let start = self.pos;
        let b = self.rest();
        let digits = |from: usize| {
            b.iter()
                .skip(from)
                .take_while(|c| c.is_ascii_digit())
                .count()
        };
        let mut i = usize::from(b.first() == Some(&b'-'));
        match b.get(i)? {
            b'0' => i = i.checked_add(1)?,
            b'1'..=b'9' => i = i.checked_add(digits(i))?,
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            i = i.checked_add(1)?;
            let n = digits(i);
            if n == 0 {
                return None;
            }
            i = i.checked_add(n)?;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i = i.checked_add(1)?;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i = i.checked_add(1)?;
            }
            let n = digits(i);
            if n == 0 {
                return None;
            }
            i = i.checked_add(n)?;
        }
        self.advance(i)?;
        self.text.get(start..self.pos)
    }

    /// `cmd`: a plain non-negative integer that fits an `i64` (serde_json reads `-0`, `5.0`
    /// and `5e0` as floats and refuses them for an `i64`; they go to it).
    fn cmd(&mut self) -> Option<i64> {
        let t = self.number()?;
        if t.len() > 18 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    }

    /// A `current_value`: string, number, `true`, `false` or `null`.
    fn value(&mut self) -> Option<StreamValue<'a>> {
        self.ws();
        Some(match self.peek()? {
            b'"' => StreamValue::String(Cow::Borrowed(self.string()?)),
            b't' if self.literal(b"true") => StreamValue::Bool(true),
            b'f' if self.literal(b"false") => StreamValue::Bool(false),
            b'n' if self.literal(b"null") => StreamValue::Null,
            b'-' | b'0'..=b'9' => {
                let raw = RawJson::parse(self.number()?).ok()?;
                StreamValue::Number(JsonNumber::from_raw(raw).ok()?)
            }
            _ => return None,
        })
    }

    /// `{"stream_id":…, "current_value":…}` in either order, key order recorded.
    fn stream(&mut self) -> Option<Stream<'a>> {
        self.eat(b'{')?;
        let mut id = None;
        let mut value = None;
        let mut order = StreamKeyOrder::IdFirst;
        loop {
            match self.key()? {
                "stream_id" if id.is_none() => id = Some(self.string()?),
                "current_value" if value.is_none() => {
                    if id.is_none() {
                        order = StreamKeyOrder::ValueFirst;
                    }
                    value = Some(self.value()?);
                }
                _ => return None,
            }
            if !self.more(b'}')? {
                break;
            }
        }
        Some(Stream {
            stream_id: Cow::Borrowed(id?),
            current_value: value?,
            order,
        })
    }

    /// `[stream, …]`.
    fn streams(&mut self) -> Option<Vec<Stream<'a>>> {
        self.eat(b'[')?;
        // Room for a typical list at once (the growth from empty would reach 4 anyway).
        let mut v = Vec::with_capacity(4);
        self.ws();
        if self.peek()? == b']' {
            self.advance(1)?;
            return Some(v);
        }
        loop {
            v.push(self.stream()?);
            if !self.more(b']')? {
                return Some(v);
            }
        }
    }

    /// `data` of `cmd` 5: `{"streams":[…], "snapshot":[…]|null}`.
    fn control(&mut self) -> Option<ControlData<'a>> {
        self.eat(b'{')?;
        let mut streams = None;
        let mut snapshot = None;
        loop {
            match self.key()? {
                "streams" if streams.is_none() => streams = Some(self.streams()?),
                "snapshot" if snapshot.is_none() => {
                    snapshot = Some(if self.literal(b"null") {
                        None
                    } else {
                        Some(self.streams()?)
                    });
                }
                _ => return None,
            }
            if !self.more(b'}')? {
                break;
            }
        }
        Some(ControlData {
            streams: streams?,
            snapshot: snapshot.flatten(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the scanner answers, serde_json answers the same; where serde_json fails, the
    /// scanner gives up.
    fn agrees(text: &str) -> bool {
        let fast = request(text);
        let slow = serde_json::from_str::<JsonControlRequest<'_>>(text);
        match (&fast, &slow) {
            (Some(f), Ok(s)) => assert_eq!(f, s, "{text}"),
            (Some(f), Err(e)) => panic!("{text}: scanner {f:?}, serde_json {e}"),
            (None, _) => {}
        }
        fast.is_some()
    }

    #[test]
    fn reads_the_usual_shape() {
        for text in [
            r#"{"cmd":5,"data":{"streams":[{"stream_id":"switch","current_value":"1"}]}}"#,
            r#"{"cmd":5,"feedid":"abc","data":{"streams":[],"snapshot":null}}"#,
            r#"{"cmd":5,"feedid":null,"data":{"snapshot":[],"streams":[]}}"#,
            " {\r\n\t\"cmd\" : 5 , \"data\" : { \"streams\" : [ { \"current_value\" : -1.5e+3 , \"stream_id\" : \"a\" } ] } } \n",
            r#"{"cmd":5,"data":{"streams":[{"stream_id":"a","current_value":true},{"stream_id":"b","current_value":false},{"stream_id":"c","current_value":null},{"stream_id":"d","current_value":0},{"stream_id":"é😀","current_value":18446744073709551617}]}}"#,
        ] {
            assert!(agrees(text), "{text}");
        }
    }

    #[test]
    fn gives_up_on_the_rest() {
        for text in [
            "",
            "{}",
            r#"{"cmd":4,"data":{}}"#,
            r#"{"cmd":9,"data":{"streams":[]}}"#,
            r#"{"data":{"streams":[]},"cmd":5}"#,
            r#"{"cmd":5,"cmd":5,"data":{"streams":[]}}"#,
            r#"{"cmd":5,"data":{"streams":[]},"data":{"streams":[]}}"#,
            r#"{"cmd":5,"data":{"streams":[]},"x":1}"#,
            r#"{"cmd":5,"data":{"streams":[],"streams":[]}}"#,
            r#"{"cmd":5,"data":{}}"#,
            r#"{"cmd":5,"data":{"streams":[{"stream_id":"a"}]}}"#,
            r#"{"cmd":5,"data":{"streams":[{"stream_id":"a","current_value":1,"stream_id":"b"}]}}"#,
            r#"{"cmd":5,"data":{"streams":[{"stream_id":"a","current_value":[1]}]}}"#,
            r#"{"cmd":5,"data":{"streams":[{"stream_id":"a\n","current_value":1}]}}"#,
            r#"{"cmd":5,"data":{"streams":[{"stream_id":"a","current_value":"\u0031"}]}}"#,
            "{\"cmd\":5,\"data\":{\"streams\":[{\"stream_id\":\"a\u{1}\",\"current_value\":1}]}}",
            r#"{"cmd":5,"data":{"streams":[{"stream_id":"a","current_value":01}]}}"#,
            r#"{"cmd":5,"data":{"streams":[{"stream_id":"a","current_value":1.}]}}"#,
            r#"{"cmd":5,"data":{"streams":[{"stream_id":"a","current_value":.5}]}}"#,
            r#"{"cmd":5,"data":{"streams":[{"stream_id":"a","current_value":1e}]}}"#,
            r#"{"cmd":5,"data":{"streams":[{"stream_id":"a","current_value":-}]}}"#,
            r#"{"cmd":5,"data":{"streams":[{"stream_id":"a","current_value":+1}]}}"#,
            r#"{"cmd":5,"data":{"streams":[{"stream_id":"a","current_value":tru}]}}"#,
            r#"{"cmd":5,"data":{"streams":[{"stream_id":"a","current_value":truex}]}}"#,
            r#"{"cmd":5,"data":{"streams":[{"stream_id":"a","current_value":1},]}}"#,
            r#"{"cmd":5,"data":{"streams":[{"stream_id":"a","current_value":1,}]}}"#,
            r#"{"cmd":5,"data":{"streams":[]},}"#,
            r#"{"cmd":5,"data":{"streams":[]}} x"#,
            r#"{"cmd":5,"data":{"streams":[]}}}"#,
            r#"{"cmd":5,"data":{"streams":[]}"#,
            "{\"cmd\":5,\"data\":{\"streams\":[]}}\u{c}",
            "\u{feff}{\"cmd\":5,\"data\":{\"streams\":[]}}",
            r#"{"cmd":-0,"data":{"streams":[]}}"#,
            r#"{"cmd":5.0,"data":{"streams":[]}}"#,
            r#"{"cmd":05,"data":{"streams":[]}}"#,
            r#"{"cmd":"5","data":{"streams":[]}}"#,
            r#"{"cmd":99999999999999999999,"data":{"streams":[]}}"#,
            r#"{"cmd":5,"feedid":1,"data":{"streams":[]}}"#,
            r#"{"c\u006dd":5,"data":{"streams":[]}}"#,
        ] {
            assert!(!agrees(text), "{text}");
        }
    }
}
