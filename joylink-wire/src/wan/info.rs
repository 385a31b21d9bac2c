//! Information fetch, type 15 (spec 7.3.27, 7.3.28): the device asks for weather, air quality…
//! and the cloud answers, both as a length-prefixed JSON string. No shipped SDK implements it
//! (compat §7.10).

use crate::codec::{Reader, Writer};
use crate::view::body_view;
use crate::{Error, Result};

/// Length of the fixed part `timestamp, serial, length`.
pub const INFO_FETCH_HEADER_LEN: usize = 12;

body_view! {
    /// View of a type 15 body: `timestamp u32, serial u32, length u32, info[length]`.
    pub struct InfoFetchBody, min_len = INFO_FETCH_HEADER_LEN;
    ints {
        /// The sender's time.
        timestamp, set_timestamp: u32 as u32 @ 0,
        /// Sequence number.
        serial, set_serial: u32 as u32 @ 4,
        /// Length of `info` as declared (not checked by the view; see [`InfoFetch::parse`]).
        length, set_length: u32 as u32 @ 8,
    }
    texts {}
    tail
        /// The bytes after the length field.
        info_and_rest, info_mut @ INFO_FETCH_HEADER_LEN;
}

/// A device's fetch request (7.3.27, device → cloud) or the cloud's answer (7.3.28).
///
/// `length` is redundant with the payload length (compat §13); it is checked: it must cover
/// exactly the bytes after it. Whether `info` ends with a NUL the spec does not say; a NUL
/// counted in `length` stays part of `info` (the JSON parsers skip it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct InfoFetch<'a> {
    /// The sender's time.
    pub timestamp: u32,
    /// Sequence number, echoed in the answer.
    pub serial: u32,
    /// The JSON (`{"type":["weather","air"]}` / `{"result":[…]}`).
    pub info: &'a [u8],
}

impl<'a> InfoFetch<'a> {
    /// Parses a body through its view [`InfoFetchBody`], then checks `length` against the tail.
    ///
    /// # Errors
    /// [`Error::Truncated`] below 12 bytes or when `length` claims more bytes than follow,
    /// [`Error::TrailingData`] when bytes follow `info`.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let view = InfoFetchBody::new_checked(bytes)?;
        let mut r = Reader::new(view.info_and_rest());
        let length = usize::try_from(view.length()).map_err(|_| Error::Truncated {
            needed: usize::MAX,
            available: r.left(),
        })?;
        let info = r.take(length)?;
        r.expect_empty("info fetch json")?;
        Ok(Self {
            timestamp: view.timestamp(),
            serial: view.serial(),
            info,
        })
    }

    /// `12 + info.len()`.
    pub const fn buffer_len(&self) -> usize {
        self.info.len().saturating_add(INFO_FETCH_HEADER_LEN)
    }

    /// Writes the body with `length = info.len()`.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`], [`Error::TooLong`] when `info` exceeds `u32::MAX` bytes.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let length = u32::try_from(self.info.len()).map_err(|_| Error::TooLong {
            field: "info",
            len: self.info.len(),
            max: u32::MAX as usize,
        })?;
        let mut w = Writer::new(super::room(self.buffer_len(), buf)?);
        w.u32_le(self.timestamp)?;
        w.u32_le(self.serial)?;
        w.u32_le(length)?;
        w.put(self.info)?;
        Ok(w.written())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        // spec 7.3.27: ts, serial, length, info
        let bytes = b"\x01\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00{}";
        let i = InfoFetch::parse(bytes).unwrap();
        assert_eq!(
            i,
            InfoFetch {
                timestamp: 1,
                serial: 2,
                info: b"{}"
            }
        );
        let mut buf = [0xa5; 14];
        i.emit(&mut buf).unwrap();
        assert_eq!(&buf, bytes);
        assert_eq!(InfoFetchBody::new_checked(&bytes[..]).unwrap().length(), 2);
        // length longer than the body
        let mut bad = *bytes;
        bad[8] = 3;
        assert_eq!(
            InfoFetch::parse(&bad),
            Err(Error::Truncated {
                needed: 3,
                available: 2
            })
        );
        bad[8] = 0xff;
        bad[11] = 0xff;
        assert!(matches!(
            InfoFetch::parse(&bad),
            Err(Error::Truncated { .. })
        ));
        // length shorter than the body
        bad = *bytes;
        bad[8] = 1;
        assert_eq!(
            InfoFetch::parse(&bad),
            Err(Error::TrailingData {
                what: "info fetch json",
                len: 1
            })
        );
    }
}

#[cfg(feature = "json")]
pub use json::*;

#[cfg(feature = "json")]
mod json {
    use alloc::borrow::Cow;
    use alloc::vec::Vec;
    use serde::{Deserialize, Serialize};

    /// The device's request JSON (spec 7.3.27): `{"type":["weather","air"]}`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct InfoRequestDoc<'a> {
        /// What to fetch.
        #[serde(borrow, rename = "type")]
        pub types: Vec<Cow<'a, str>>,
    }

    /// The cloud's answer JSON (spec 7.3.28): `{"result":[{"type":…,"value":{…}}]}`.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct InfoResponseDoc<'a> {
        /// One entry per requested type.
        #[serde(borrow)]
        pub result: Vec<InfoItem<'a>>,
    }

    /// One entry of an [`InfoResponseDoc`].
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct InfoItem<'a> {
        /// The requested type (`"weather"`, `"air"`).
        #[serde(borrow, rename = "type")]
        pub kind: Cow<'a, str>,
        /// Its value; its shape depends on the type (spec 7.3.28 shows weather and air).
        pub value: serde_json::Value,
    }

    crate::wan::json_doc!(InfoRequestDoc, "info request");
    crate::wan::json_doc!(InfoResponseDoc, "info response");
}
