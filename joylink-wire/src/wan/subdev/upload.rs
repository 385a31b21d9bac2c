//! Sub-device snapshot upload and the cloud's answer, type 112 (spec 7.3.17, 7.3.18; compat
//! §7.6).

use crate::codec::Writer;
use crate::view::body_view;
use crate::{FEEDID_LEN, FixedText, ResponseCode, Result};

/// Length of the type 112 header `timestamp, feedid[32]`.
pub const SUBDEV_UPLOAD_HEADER_LEN: usize = 4 + FEEDID_LEN;
/// Length of the type 112 answer `timestamp, feedid[32], code`.
pub const SUBDEV_UPLOAD_RESPONSE_LEN: usize = SUBDEV_UPLOAD_HEADER_LEN + 4;

body_view! {
    /// View of a sub-device upload (spec 7.3.17, type 112): `timestamp u32, feedid[32]`, then
    /// the inner ciphertext.
    pub struct SubDevUploadBody, min_len = SUBDEV_UPLOAD_HEADER_LEN;
    ints {
        /// Device time.
        timestamp, set_timestamp: u32 as u32 @ 0,
    }
    texts {
        /// The sub-device's feed id.
        feed_id, set_feed_id @ 4, FEEDID_LEN,
    }
    tail
        /// `data[]` sealed with the sub-device's accesskey.
        data, data_mut @ SUBDEV_UPLOAD_HEADER_LEN;
}

/// A sub-device snapshot upload (spec 7.3.17, type 112, gateway → cloud), one per sub-device
/// after each heartbeat answer (compat §7.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubDevUpload<'a> {
    /// Device time.
    pub timestamp: u32,
    /// The sub-device's feed id, `feedid[32]`.
    #[doc(alias = "feedid")]
    pub feed_id: FixedText<'a>,
    /// `data[]`, AES-sealed with the sub-device's accesskey.
    pub data: &'a [u8],
}

impl<'a> SubDevUpload<'a> {
    /// Parses a body through its view [`SubDevUploadBody`].
    ///
    /// # Errors
    /// [`Error::Truncated`](crate::Error::Truncated) below 36 bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let view = SubDevUploadBody::new_checked(bytes)?;
        Ok(Self {
            timestamp: view.timestamp(),
            feed_id: view.feed_id(),
            data: view.data(),
        })
    }

    /// `36 + data.len()`.
    pub const fn buffer_len(&self) -> usize {
        self.data.len().saturating_add(SUBDEV_UPLOAD_HEADER_LEN)
    }

    /// Writes the body.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall), [`Error::TooLong`](crate::Error::TooLong) for a feed id over 32 bytes.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        crate::wan::check_fixed("feed_id", &self.feed_id, FEEDID_LEN)?;
        let mut w = Writer::new(crate::wan::room(self.buffer_len(), buf)?);
        w.u32_le(self.timestamp)?;
        crate::wan::put_fixed(&mut w, &self.feed_id, FEEDID_LEN)?;
        w.put(self.data)?;
        Ok(w.written())
    }
}

body_view! {
    /// View of the cloud's answer to a sub-device upload (spec 7.3.18, type 112):
    /// `timestamp u32, feedid[32], code u32`.
    pub struct SubDevUploadResponseBody, min_len = SUBDEV_UPLOAD_RESPONSE_LEN;
    ints {
        /// Server time.
        timestamp, set_timestamp: u32 as u32 @ 0,
        /// Result code, at offset 36 as the spec says.
        code, set_code: ResponseCode as i32 @ 36,
    }
    texts {
        /// The sub-device's feed id.
        feed_id, set_feed_id @ 4, FEEDID_LEN,
    }
    @what "sub-device upload response";
}

/// The cloud's answer to a sub-device upload (spec 7.3.18, type 112, cloud → gateway).
///
/// compat: compat §7.6 — the SDK reads it through a packed struct with `feedid[33]`, i.e. the
/// code at offset 37; it only logs it. This type follows the spec (offset 36).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubDevUploadResponse<'a> {
    /// Server time.
    pub timestamp: u32,
    /// The sub-device's feed id.
    #[doc(alias = "feedid")]
    pub feed_id: FixedText<'a>,
    /// Result code.
    pub code: ResponseCode,
}

impl<'a> SubDevUploadResponse<'a> {
    /// Parses the body (exactly 40 bytes) through its view [`SubDevUploadResponseBody`].
    ///
    /// # Errors
    /// [`Error::Truncated`](crate::Error::Truncated), [`Error::TrailingData`](crate::Error::TrailingData).
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let view = SubDevUploadResponseBody::new_checked(bytes)?;
        Ok(Self {
            timestamp: view.timestamp(),
            feed_id: view.feed_id(),
            code: view.code(),
        })
    }

    /// Always [`SUBDEV_UPLOAD_RESPONSE_LEN`].
    pub const fn buffer_len(&self) -> usize {
        SUBDEV_UPLOAD_RESPONSE_LEN
    }

    /// Writes the body.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall), [`Error::TooLong`](crate::Error::TooLong) for a feed id over 32 bytes.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        crate::wan::check_fixed("feed_id", &self.feed_id, FEEDID_LEN)?;
        let mut w = Writer::new(crate::wan::room(SUBDEV_UPLOAD_RESPONSE_LEN, buf)?);
        w.u32_le(self.timestamp)?;
        crate::wan::put_fixed(&mut w, &self.feed_id, FEEDID_LEN)?;
        w.i32_le(self.code.into())?;
        Ok(w.written())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use std::vec::Vec;

    #[test]
    fn upload_layouts() {
        let mut bytes = Vec::from([5, 0, 0, 0]);
        bytes.extend_from_slice(&[b'9'; 32]); // a full feed id, no NUL
        bytes.extend_from_slice(&[0xde, 0xad]);
        // spec 7.3.17: ts, feedid[32], data
        let up = SubDevUpload::parse(&bytes).unwrap();
        assert_eq!(up.timestamp, 5);
        assert_eq!(up.data.len(), 2);
        // spec 7.3.18: code at offset 36
        let mut resp = Vec::from([1, 0, 0, 0]);
        resp.extend_from_slice(b"ab\xff");
        resp.resize(36, 0);
        resp.extend_from_slice(&[0, 0, 0, 0]);
        let r = SubDevUploadResponse::parse(&resp).unwrap();
        assert_eq!(r.code, ResponseCode::Success);
        assert_eq!(
            r.feed_id.to_str(),
            Err(Error::InvalidUtf8 { field: "feed_id" })
        );
        assert_eq!(r.feed_id.as_bytes(), b"ab\xff");
        let mut buf = [0xa5; 40];
        r.emit(&mut buf).unwrap();
        assert_eq!(&buf[..], &resp[..]);
        assert_eq!(
            SubDevUploadResponseBody::new_unchecked(&resp).code(),
            ResponseCode::Success
        );
    }
}
