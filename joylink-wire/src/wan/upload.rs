//! Bodies that are a timestamp followed by bytes: data upload, type 12 (spec 7.3.5), and the
//! `ts ‖ JSON` bodies of OTA (types 7, 8; spec 9.5, 9.6) and model-code upload (type 17,
//! compat §12).

use crate::Result;
use crate::codec::{Reader, Writer};
use crate::view::body_view;

body_view! {
    /// View of a `timestamp u32 ‖ data[]` body.
    pub struct TimestampedBody, min_len = 4;
    ints {
        /// The sender's time.
        timestamp, set_timestamp: u32 as u32 @ 0,
    }
    texts {}
    tail
        /// The bytes after the timestamp.
        data, data_mut @ 4;
}

/// A timestamp followed by bytes: the upload of spec 7.3.5 (`data[]` = the snapshot the script
/// produced, JSON for JSON products, never NUL-terminated, compat §7.3) and the `ts ‖ JSON`
/// bodies of types 7, 8 and 17.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Timestamped<'a> {
    /// The sender's time.
    pub timestamp: u32,
    /// Everything after the timestamp.
    pub data: &'a [u8],
}

/// The device's data upload (spec 7.3.5, type 12): `timestamp, data[]`.
pub type Upload<'a> = Timestamped<'a>;

impl<'a> Timestamped<'a> {
    /// Splits the timestamp off.
    ///
    /// # Errors
    /// [`Error::Truncated`](crate::Error::Truncated) below 4 bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        Ok(Self {
            timestamp: r.u32_le()?,
            data: r.rest(),
        })
    }

    /// `4 + data.len()`.
    pub const fn buffer_len(&self) -> usize {
        self.data.len().saturating_add(4)
    }

    /// Writes the body.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall) (nothing written).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let mut w = Writer::new(super::room(self.buffer_len(), buf)?);
        w.u32_le(self.timestamp)?;
        w.put(self.data)?;
        Ok(w.written())
    }

    /// The data as UTF-8 text (JSON bodies).
    ///
    /// # Errors
    /// [`Error::InvalidUtf8`](crate::Error::InvalidUtf8) naming `data`.
    pub fn text(&self) -> Result<&'a str> {
        core::str::from_utf8(self.data).map_err(|_| crate::Error::InvalidUtf8 { field: "data" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn layout() {
        // spec 7.3.5: u32 LE timestamp then data
        let bytes = b"\x00\x10\x5e\x5f{}";
        let u = Upload::parse(bytes).unwrap();
        assert_eq!(
            u,
            Timestamped {
                timestamp: 0x5f5e_1000,
                data: b"{}"
            }
        );
        assert_eq!(u.text(), Ok("{}"));
        let mut buf = [0xa5; 6];
        assert_eq!(u.emit(&mut buf), Ok(6));
        assert_eq!(&buf, bytes);
        assert_eq!(
            TimestampedBody::new_checked(&bytes[..]).unwrap().data(),
            b"{}"
        );
        assert_eq!(
            Upload::parse(&bytes[..3]),
            Err(Error::Truncated {
                needed: 4,
                available: 3
            })
        );
        assert_eq!(Upload::parse(&bytes[..4]).unwrap().data, b"");
        assert_eq!(
            u.emit(&mut [0; 5]),
            Err(Error::BufferTooSmall {
                needed: 6,
                available: 5
            })
        );
    }
}
