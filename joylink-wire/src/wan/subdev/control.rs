//! Sub-device control and snapshot with their answers, type 111 (spec 7.3.19–7.3.22; compat
//! §7.7).

use crate::codec::Writer;
use crate::control_header::ControlHeader;
use crate::view::body_view;
use crate::{BizCode, FEEDID_LEN, FixedText, Result};

/// Length of the type 111 header `timestamp, biz_code, serial, feedid[32]`.
pub const SUBDEV_CONTROL_HEADER_LEN: usize = crate::CONTROL_HEADER_LEN + FEEDID_LEN;

body_view! {
    /// View of a sub-device control request or answer (spec 7.3.19–7.3.22, type 111):
    /// `timestamp u32, biz_code u32, serial u32, feedid[32]`, then the inner ciphertext.
    pub struct SubDevControlBody, min_len = SUBDEV_CONTROL_HEADER_LEN;
    ints {
        control_header;
    }
    texts {
        /// The sub-device's feed id.
        feed_id, set_feed_id @ crate::CONTROL_HEADER_LEN, FEEDID_LEN,
    }
    tail
        /// `cmd[]`/`resp[]` sealed with the sub-device's accesskey.
        data, data_mut @ SUBDEV_CONTROL_HEADER_LEN;
}

/// A sub-device control or snapshot request (spec 7.3.19/7.3.21, cloud → gateway) or its answer
/// (7.3.20/7.3.22, gateway → cloud). compat: compat §7.7 — the SDK handles only 1002/1004.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubDevControl<'a> {
    /// The sender's time.
    pub timestamp: u32,
    /// What is asked or answered.
    pub biz_code: BizCode,
    /// The cloud's sequence number, echoed.
    pub serial: u32,
    /// The sub-device's feed id, `feedid[32]`.
    #[doc(alias = "feedid")]
    pub feed_id: FixedText<'a>,
    /// `cmd[]` or `resp[]`, AES-sealed with the sub-device's accesskey (spec 8.4.2).
    pub data: &'a [u8],
}

impl<'a> SubDevControl<'a> {
    /// Parses a body through its view [`SubDevControlBody`].
    ///
    /// # Errors
    /// [`Error::Truncated`](crate::Error::Truncated) below 44 bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let view = SubDevControlBody::new_checked(bytes)?;
        Ok(Self {
            timestamp: view.timestamp(),
            biz_code: view.biz_code(),
            serial: view.serial(),
            feed_id: view.feed_id(),
            data: view.data(),
        })
    }

    /// `44 + data.len()`.
    pub const fn buffer_len(&self) -> usize {
        self.data.len().saturating_add(SUBDEV_CONTROL_HEADER_LEN)
    }

    /// Writes the body.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall), [`Error::TooLong`](crate::Error::TooLong) for a feed id over 32 bytes.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        crate::wan::check_fixed("feed_id", &self.feed_id, FEEDID_LEN)?;
        let mut w = Writer::new(crate::wan::room(self.buffer_len(), buf)?);
        ControlHeader::new(self.timestamp, self.biz_code, self.serial).write(&mut w)?;
        crate::wan::put_fixed(&mut w, &self.feed_id, FEEDID_LEN)?;
        w.put(self.data)?;
        Ok(w.written())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;
    use std::vec::Vec;

    #[test]
    fn control_upload_layouts() {
        // spec 7.3.19: ts, biz, serial, feedid[32], cmd
        let mut bytes = Vec::from([1, 0, 0, 0, 0xea, 0x03, 0, 0, 5, 0, 0, 0]);
        bytes.extend_from_slice(&[b'9'; 32]); // a full feed id, no NUL
        bytes.extend_from_slice(&[0xde, 0xad]);
        let c = SubDevControl::parse(&bytes).unwrap();
        assert!(c.feed_id.is_full());
        assert_eq!(c.data, &[0xde, 0xad]);
        let mut buf = vec![0xa5; bytes.len()];
        c.emit(&mut buf).unwrap();
        assert_eq!(buf, bytes);
        assert!(SubDevControl::parse(&bytes[..43]).is_err());
    }
}
