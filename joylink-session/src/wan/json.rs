//! The few JSON texts of OTA (spec 9.5, 9.6), written and read without allocating.
//!
//! Written in the compact layout shipped devices use for the acknowledgement
//! (`{"code":0,"serial":N,"msg":"success"}`, no spaces); strings are refused when they would need
//! escaping, so the output is always valid JSON.

use core::fmt::Write;

use crate::{Error, Result};

/// A `core::fmt::Write` into a slice.
pub(crate) struct SliceWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> SliceWriter<'b> {
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        Self { buf, len: 0 }
    }
    pub(crate) fn written(&self) -> usize {
        self.len
    }
}

impl Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(core::fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// A string that can go between JSON quotes as it is.
pub(crate) fn plain(field: &'static str, s: &str) -> Result<()> {
    if s.chars().any(|c| c == '"' || c == '\\' || c.is_control()) {
        Err(Error::State(field))
    } else {
        Ok(())
    }
}

/// Writes with `f` into `buf`; a full buffer is [`Error::Capacity`].
pub(crate) fn write_into(
    buf: &mut [u8],
    f: impl FnOnce(&mut SliceWriter<'_>) -> core::fmt::Result,
) -> Result<usize> {
    let mut w = SliceWriter::new(buf);
    f(&mut w).map_err(|_| Error::Capacity)?;
    Ok(w.written())
}

/// The integer after `"key":` at the top level of a flat-enough JSON text (whitespace allowed);
/// used for the OTA order's `serial` and the answers' `code`.
pub(crate) fn find_int(json: &[u8], key: &str) -> Option<i64> {
    let mut i = 0usize;
    while let Some(rest) = json.get(i..) {
        let at = rest.windows(key.len().saturating_add(2)).position(|w| {
            w.first() == Some(&b'"')
                && w.get(1..=key.len()) == Some(key.as_bytes())
                && w.last() == Some(&b'"')
        })?;
        let mut j = i
            .saturating_add(at)
            .saturating_add(key.len())
            .saturating_add(2);
        let skip_ws = |j: &mut usize| {
            while json.get(*j).is_some_and(u8::is_ascii_whitespace) {
                *j = j.saturating_add(1);
            }
        };
        skip_ws(&mut j);
        if json.get(j) == Some(&b':') {
            j = j.saturating_add(1);
            skip_ws(&mut j);
            let neg = json.get(j) == Some(&b'-');
            if neg {
                j = j.saturating_add(1);
            }
            let mut v: i64 = 0;
            let mut digits = false;
            while let Some(d) = json.get(j).filter(|b| b.is_ascii_digit()) {
                v = v
                    .checked_mul(10)?
                    .checked_add(i64::from(d.wrapping_sub(b'0')))?;
                j = j.saturating_add(1);
                digits = true;
            }
            if digits {
                return Some(if neg { v.checked_neg()? } else { v });
            }
        }
        i = i.saturating_add(at).saturating_add(1);
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn finds_ints() {
        let j = br#"{"cmd":"ota","serial" : 17,"data":{"version":2,"crc32":-5}}"#;
        assert_eq!(find_int(j, "serial"), Some(17));
        assert_eq!(find_int(j, "crc32"), Some(-5));
        assert_eq!(find_int(j, "cmd"), None);
        assert_eq!(find_int(j, "nope"), None);
        assert_eq!(find_int(b"", "serial"), None);
        let mut buf = [0u8; 8];
        assert_eq!(
            write_into(&mut buf, |w| write!(w, "{}", 123_456_789)),
            Err(Error::Capacity)
        );
        assert!(plain("x", "a\"b").is_err());
    }
}
