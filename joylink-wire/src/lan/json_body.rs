//! What every JSON body shares: parse from plaintext bytes, write in a [`Style`], the one JSON
//! error shape ([`Error::Json`]), and the 4-byte timestamp prefix most of them travel behind.

use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::fixed_text::trim_trailing_nul;
use crate::lan::printer::{self, Style};
use crate::{Error, Result, Timestamped, TimestampedPayload};

/// The [`Error::Json`] for a serde_json failure on the document `what`: its line and column,
/// without serde_json's (heap-allocated, non-`Clone`) error in the public API.
///
/// One shape for every JSON document of the crate, LAN bodies and WAN documents alike, so a
/// caller's error type stays `Copy + Eq` whatever it parses.
pub(crate) fn json_error(what: &'static str, e: &serde_json::Error) -> Error {
    Error::Json {
        what,
        line: e.line(),
        column: e.column(),
    }
}

/// The name a body's errors carry: the type's own name (`JsonControlRequest`), without its path
/// or generic arguments.
pub(crate) fn body_name<T: ?Sized>() -> &'static str {
    let full = core::any::type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// A LAN JSON body: parsed from the plaintext's bytes (borrowing), written in a [`Style`].
///
/// **Unknown fields are ignored** (the one rule for every body of this module): shipped SDK
/// versions and vendor ports add keys (compat §6.2, §12), and a parser that refused them would
/// refuse real devices. Every key any examined SDK or the spec sends has a field, so nothing a
/// known peer sends is lost; parts the protocol leaves open (the server's `opt`, an unknown
/// command's `data`, object stream values) are kept as raw JSON text. A missing *required* field
/// is an [`Error::Json`] whose `what` names the body and whose `line`/`column` point where the
/// object ended without it; which fields are required is listed on each type.
pub trait JsonBody<'a>: Serialize + Deserialize<'a> {
    /// How a shipped device (or app) writes this body (compat §6.1).
    const STYLE: Style;

    /// Parses the JSON text (trailing NULs ignored).
    ///
    /// compat §6 — the SDK never NUL-terminates JSON on the wire, but its receivers
    /// rely on zeroed buffers, so a peer that sends a trailing NUL is understood; so here.
    ///
    /// # Errors
    /// [`Error::Json`] for bad JSON, a missing required field or a wrong value kind.
    fn parse(text: &'a [u8]) -> Result<Self> {
        parse_with(text, |_| None)
    }

    /// Appends the JSON text in `style` to `out`.
    ///
    /// # Errors
    /// [`Error::Json`] when a value cannot be serialized (not for the types of this module).
    fn write_json(&self, style: Style, out: &mut Vec<u8>) -> Result<()> {
        printer::write(self, style, out).map_err(|e| json_error(body_name::<Self>(), &e))
    }

    /// The JSON text in [`JsonBody::STYLE`].
    ///
    /// # Errors
    /// As [`JsonBody::write_json`].
    fn to_json(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.write_json(Self::STYLE, &mut out)?;
        Ok(out)
    }
}

/// [`JsonBody::parse`] with a fast path: `fast` gets the text first (NULs trimmed, when it is
/// UTF-8), and serde_json reads it only when `fast` gives up (`None`). `fast` must return what
/// serde_json would, or `None`.
pub(crate) fn parse_with<'a, T: Deserialize<'a>>(
    text: &'a [u8],
    fast: impl FnOnce(&'a str) -> Option<T>,
) -> Result<T> {
    let text = trim_trailing_nul(text);
    // One UTF-8 check of the whole text, then serde_json's `str` reader, which checks nothing
    // again: the slice reader would check each string and each raw value on its own. Text that
    // is not UTF-8 goes to the slice reader for the error it has always given.
    let parsed = match core::str::from_utf8(text) {
        Ok(s) => match fast(s) {
            Some(t) => return Ok(t),
            None => serde_json::from_str(s),
        },
        Err(_) => serde_json::from_slice(text),
    };
    parsed.map_err(|e| json_error(body_name::<T>(), &e))
}

/// Every JSON body can follow a [`Timestamped`]'s timestamp (compat §5: types 2, 3, 102, 103,
/// 105 and the answers to 3/103/105).
impl<'a, B: JsonBody<'a>> TimestampedPayload<'a> for B {
    fn parse_payload(bytes: &'a [u8]) -> Result<Self> {
        B::parse(bytes)
    }
}

/// Writing a JSON body behind its timestamp. Named as [`JsonBody::to_json`], not `emit`: the
/// raw-bytes form's `emit` writes into the caller's buffer, this one allocates.
impl<'a, B: JsonBody<'a>> Timestamped<B> {
    /// The plaintext: timestamp then the JSON in `style`.
    ///
    /// # Errors
    /// As [`JsonBody::write_json`].
    pub fn to_json(&self, style: Style) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.timestamp.to_le_bytes());
        self.body.write_json(style, &mut out)?;
        Ok(out)
    }
}
