//! A body behind the plaintext's 4-byte little-endian timestamp: one shape for LAN and WAN.
//!
//! The timestamp is the sender's clock (the replay check of compat §5). Behind it is either raw
//! bytes, `Timestamped<&[u8]>` (no `alloc`: the WAN upload of type 12, spec 7.3.5, and the
//! `ts ‖ JSON` bodies of OTA types 7, 8, spec 9.5, 9.6, and model-code upload 17, compat §12),
//! or a parsed LAN JSON document, `Timestamped<B: JsonBody>` (feature `json`: types 2, 3, 102,
//! 103, 105 and the answers to 3/103/105, see [`lan::JsonBody`](crate::lan::JsonBody)).
//! The bytes on the wire are the same in both cases: `timestamp u32 LE ‖ body`.

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

/// A body behind the sender's 4-byte little-endian timestamp.
///
/// `B` is `&[u8]` for the raw WAN bodies (the upload of spec 7.3.5: `data[]` = the snapshot the
/// script produced, JSON for JSON products, never NUL-terminated, compat §7.3; the `ts ‖ JSON`
/// bodies of types 7, 8 and 17) and a [`JsonBody`] for the LAN JSON
/// bodies (their `parse`/`emit` are on that impl, feature `json`).
///
#[cfg_attr(feature = "json", doc = "[`JsonBody`]: crate::lan::JsonBody")]
#[cfg_attr(not(feature = "json"), doc = "[`JsonBody`]: crate#features")]
///
/// ```
/// use joylink_wire::Timestamped;
/// let up = Timestamped::<&[u8]>::parse(b"\x00\x10\x5e\x5f{}")?;
/// assert_eq!((up.timestamp, up.body), (0x5f5e_1000, &b"{}"[..]));
/// let mut buf = [0u8; 6];
/// assert_eq!(up.emit(&mut buf)?, 6);
/// # Ok::<(), joylink_wire::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Timestamped<B> {
    /// The sender's time (replay check, spec 4.4, compat §5).
    pub timestamp: u32,
    /// What follows the timestamp.
    pub body: B,
}

/// What can follow the timestamp of a [`Timestamped`]: raw bytes (`&[u8]`) or, feature `json`,
/// any LAN [`JsonBody`]. One trait so that [`Timestamped::parse`] is one
/// function whatever the body.
///
#[cfg_attr(feature = "json", doc = "[`JsonBody`]: crate::lan::JsonBody")]
#[cfg_attr(not(feature = "json"), doc = "[`JsonBody`]: crate#features")]
pub trait TimestampedPayload<'a>: Sized {
    /// Parses the bytes after the timestamp.
    ///
    /// # Errors
    /// The body's own errors (none for raw bytes).
    fn parse_payload(bytes: &'a [u8]) -> Result<Self>;
}

impl<'a> TimestampedPayload<'a> for &'a [u8] {
    fn parse_payload(bytes: &'a [u8]) -> Result<Self> {
        Ok(bytes)
    }
}

impl<'a, B: TimestampedPayload<'a>> Timestamped<B> {
    /// Splits the timestamp off and parses the body after it.
    ///
    /// # Errors
    /// [`Error::Truncated`](crate::Error::Truncated) below 4 bytes, then the body's errors
    /// (for a JSON body, as [`JsonBody::parse`]).
    ///
    #[cfg_attr(
        feature = "json",
        doc = "[`JsonBody::parse`]: crate::lan::JsonBody::parse"
    )]
    #[cfg_attr(not(feature = "json"), doc = "[`JsonBody::parse`]: crate#features")]
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let timestamp = r.u32_le()?;
        Ok(Self {
            timestamp,
            body: B::parse_payload(r.rest())?,
        })
    }
}

impl<'a> Timestamped<&'a [u8]> {
    /// `4 + data.len()`.
    pub const fn buffer_len(&self) -> usize {
        self.body.len().saturating_add(crate::table::TIMESTAMP_LEN)
    }

    /// Writes the body.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall) (nothing written).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let mut w = Writer::new(crate::codec::room(self.buffer_len(), buf)?);
        w.u32_le(self.timestamp)?;
        w.put(self.body)?;
        Ok(w.written())
    }

    /// The body as UTF-8 text (JSON bodies).
    ///
    /// # Errors
    /// [`Error::InvalidUtf8`](crate::Error::InvalidUtf8) naming `data` (the spec's name).
    pub fn text(&self) -> Result<&'a str> {
        core::str::from_utf8(self.body).map_err(|_| crate::Error::InvalidUtf8 { field: "data" })
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
        let u = Timestamped::<&[u8]>::parse(bytes).unwrap();
        assert_eq!(
            u,
            Timestamped {
                timestamp: 0x5f5e_1000,
                body: &b"{}"[..]
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
            Timestamped::<&[u8]>::parse(&bytes[..3]),
            Err(Error::Truncated {
                needed: 4,
                available: 3
            })
        );
        assert_eq!(Timestamped::<&[u8]>::parse(&bytes[..4]).unwrap().body, b"");
        assert_eq!(
            u.emit(&mut [0; 5]),
            Err(Error::BufferTooSmall {
                needed: 6,
                available: 5
            })
        );
    }

    /// One type for both forms: the raw view of a LAN JSON plaintext and its parsed form agree on
    /// the timestamp, and the raw body is the JSON text the parsed form writes back.
    #[cfg(feature = "json")]
    #[test]
    fn raw_and_json_forms_are_one_layout() {
        use crate::lan::{JsonBody, JsonControlResponse};
        let plaintext = b"\x04\x03\x02\x01{\"code\":0}";
        let raw = Timestamped::<&[u8]>::parse(plaintext).unwrap();
        let json = Timestamped::<JsonControlResponse<'_>>::parse(plaintext).unwrap();
        assert_eq!(raw.timestamp, 0x0102_0304);
        assert_eq!(json.timestamp, raw.timestamp);
        assert_eq!(json.body.to_json().unwrap(), raw.body);
        let mut out = [0u8; 14];
        assert_eq!(raw.emit(&mut out), Ok(14));
        assert_eq!(json.to_json(JsonControlResponse::STYLE).unwrap(), out);
    }
}
