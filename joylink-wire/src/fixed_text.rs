//! NUL-padded fixed-width text fields such as `feedid[32]` and `id[32]` (spec 6.3.8, 7.3.15, 12).
//!
//! The C SDK copies these with `strncpy`/`memcpy` into zeroed arrays (compat §7), so on the wire a
//! field is the text followed by NUL bytes up to its width. Two edge cases are defined here because
//! shipped peers produce them:
//!
//! - **a full field** (text exactly as wide as the field, no NUL): the text is the whole field. We
//!   accept it on input and write it on output (C code reading it with `strlen` would over-read; that is
//!   the peer's bug, and refusing would only break interoperability).
//! - **non-UTF-8 bytes**: [`FixedText::as_bytes`] always works; [`FixedText::to_str`] fails with
//!   [`Error::InvalidUtf8`] naming the field. Bytes after the first NUL are ignored (the SDK's
//!   uninitialised tails must not be read as meaningful).

use crate::{Error, Result};

/// Width of every `feedid` field (spec 6.3.8, 7.3.15, 7.3.19, 10): sub-device script control on
/// the LAN, the sub-device bodies of the WAN, timer tasks and snapshots.
pub const FEEDID_LEN: usize = 32;

/// A borrowed NUL-padded text field of a binary body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FixedText<'a> {
    field: &'static str,
    raw: &'a [u8],
}

impl<'a> FixedText<'a> {
    /// Wraps the raw bytes of a field (its whole width, padding included). `field` names it in errors.
    #[must_use]
    pub const fn new(field: &'static str, raw: &'a [u8]) -> Self {
        Self { field, raw }
    }

    /// The whole field as it is on the wire, padding included.
    #[must_use]
    pub const fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The text: the bytes before the first NUL, or the whole field when it is full.
    #[must_use]
    pub fn as_bytes(&self) -> &'a [u8] {
        let end = self
            .raw
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.raw.len());
        self.raw.get(..end).unwrap_or(self.raw)
    }

    /// `true` when the text fills the field with no NUL terminator.
    #[must_use]
    pub fn is_full(&self) -> bool {
        !self.raw.contains(&0)
    }

    /// The text as UTF-8.
    ///
    /// # Errors
    /// [`Error::InvalidUtf8`] naming the field when the text is not UTF-8.
    pub fn to_str(&self) -> Result<&'a str> {
        core::str::from_utf8(self.as_bytes()).map_err(|_| Error::InvalidUtf8 { field: self.field })
    }
}

/// Writes `text` into `out` (the whole field) and NUL-pads the rest.
///
/// A text exactly as wide as the field is written without a terminator (see the module docs).
///
/// # Errors
/// [`Error::TooLong`] naming `field` when `text` is wider than `out`; nothing is written then.
pub fn write_fixed_text(field: &'static str, text: &[u8], out: &mut [u8]) -> Result<()> {
    let Some((head, tail)) = out.split_at_mut_checked(text.len()) else {
        return Err(Error::TooLong {
            field,
            len: text.len(),
            max: out.len(),
        });
    };
    head.copy_from_slice(text);
    tail.fill(0);
    Ok(())
}

/// `bytes` without its trailing NULs: C peers may count a terminating NUL (or hand over a zeroed
/// buffer) in the length of a JSON text (spec 7.3.27 leaves it open; compat §6). Both the LAN and
/// the WAN JSON bodies drop them before parsing.
#[cfg(any(feature = "json", feature = "json-core"))]
pub(crate) fn trim_trailing_nul(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |i| i.saturating_add(1));
    bytes.get(..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_field_reads_up_to_nul_and_ignores_the_tail() {
        let raw = *b"abc\0\xffjunk";
        let t = FixedText::new("feedid", &raw);
        assert_eq!(t.as_bytes(), b"abc");
        assert_eq!(t.to_str(), Ok("abc"));
        assert!(!t.is_full());
    }

    #[test]
    fn full_field_is_all_text() {
        let t = FixedText::new("feedid", b"0123456789");
        assert!(t.is_full());
        assert_eq!(t.to_str(), Ok("0123456789"));
    }

    #[test]
    fn non_utf8_is_an_error_naming_the_field() {
        let t = FixedText::new("id", b"\xc3\x28\0\0");
        assert_eq!(t.as_bytes(), b"\xc3\x28");
        assert_eq!(t.to_str(), Err(Error::InvalidUtf8 { field: "id" }));
    }

    #[test]
    fn write_pads_with_nul_and_rejects_long_text() {
        let mut out = [0xa5u8; 6];
        write_fixed_text("feedid", b"ab", &mut out).unwrap();
        assert_eq!(out, *b"ab\0\0\0\0");
        write_fixed_text("feedid", b"abcdef", &mut out).unwrap();
        assert_eq!(out, *b"abcdef");
        let mut out = [0xa5u8; 2];
        assert_eq!(
            write_fixed_text("feedid", b"abc", &mut out),
            Err(Error::TooLong {
                field: "feedid",
                len: 3,
                max: 2
            })
        );
        assert_eq!(out, [0xa5, 0xa5]);
    }
}
