//! Sub-device bodies of a gateway (spec 7.3.15–7.3.24, 8.4; compat §7.5–§7.8): the gateway
//! heartbeat with every sub-device (110), sub-device upload (112), control/snapshot (111) and
//! unbind (113), one module per type; the `subdev_info` record of 110 and 113 is here.
//!
//! The inner `cmd[]`/`resp[]`/`data[]` of 111 and 112 is sealed with the *sub-device's*
//! accesskey inside the gateway's session-key layer (spec 8.2, 8.4.2); these types carry it as
//! opaque ciphertext and the facade crate opens it.
//!
//! compat: compat §7.5 — a `subdev_info` record is **37 packed bytes** (`u16 version, u16
//! rssi, u8 feedid[32], u8 state`), not the 40 of a naturally aligned C struct; the 110 header is
//! 10 bytes and the 113 header 14 bytes, both packed.

mod control;
mod heartbeat;
mod unbind;
mod upload;

pub use control::{SUBDEV_CONTROL_HEADER_LEN, SubDevControl, SubDevControlBody};
pub use heartbeat::{SUBDEV_HEARTBEAT_HEADER_LEN, SubDevHeartbeat, SubDevHeartbeatBody};
pub use unbind::{SUBDEV_UNBIND_HEADER_LEN, SubDevUnbind, SubDevUnbindBody};
pub use upload::{
    SUBDEV_UPLOAD_HEADER_LEN, SUBDEV_UPLOAD_RESPONSE_LEN, SubDevUpload, SubDevUploadBody,
    SubDevUploadResponse, SubDevUploadResponseBody,
};

use crate::codec::{Reader, Writer};
use crate::macros::enum_with_unknown;
use crate::{Error, FEEDID_LEN, FixedText, Result};

/// Length of one packed `subdev_info` record.
pub const SUBDEV_INFO_LEN: usize = 37;

enum_with_unknown! {
    /// `state` of a `subdev_info` record (spec 7.3.15; the SDK's `E_JLDEV_*`).
    pub enum SubDevOnline(u8) {
        /// 0: online (在线).
        Online = 0 => "online",
        /// 1: offline (离线).
        Offline = 1 => "offline",
        /// 2: unbound (解绑); every record of an unbind answer carries it.
        Unbound = 2 => "unbound",
        /// 3: state unknown (未知状态).
        Indeterminate = 3 => "state unknown",
    }
}

/// One `subdev_info` record (spec 7.3.15), 37 packed bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubDevInfo<'a> {
    /// Firmware version. compat: compat §7.5 — SDK 2.0.9–2.0.19 copy a 1-byte version as 2
    /// bytes, so the high byte is the low byte of the state; carried as received.
    pub version: u16,
    /// Signal strength 0–100, `0xFFFF` (-1) = meaningless. compat: compat §7.5 — the SDK
    /// leaves these bytes uninitialised; peers cannot depend on them.
    pub rssi: u16,
    /// The sub-device's feed id, NUL-padded.
    #[doc(alias = "feedid")]
    pub feed_id: FixedText<'a>,
    /// Its state.
    pub state: SubDevOnline,
}

impl<'a> SubDevInfo<'a> {
    /// Parses one record (exactly 37 bytes).
    ///
    /// # Errors
    /// [`Error::Truncated`], [`Error::TrailingData`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let v = Self::read(&mut r)?;
        r.expect_empty("subdev_info")?;
        Ok(v)
    }

    fn read(r: &mut Reader<'a>) -> Result<Self> {
        Ok(Self {
            version: r.u16_le()?,
            rssi: r.u16_le()?,
            feed_id: FixedText::new("feed_id", r.take(FEEDID_LEN)?),
            state: SubDevOnline::from(r.u8()?),
        })
    }

    /// Always [`SUBDEV_INFO_LEN`].
    pub const fn buffer_len(&self) -> usize {
        SUBDEV_INFO_LEN
    }

    /// Writes the record.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`], [`Error::TooLong`] for a feed id over 32 bytes.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        super::check_fixed("feed_id", &self.feed_id, FEEDID_LEN)?;
        let mut w = Writer::new(super::room(SUBDEV_INFO_LEN, buf)?);
        self.write(&mut w, self.state)?;
        Ok(w.written())
    }

    fn write(&self, w: &mut Writer<'_>, state: SubDevOnline) -> Result<()> {
        w.u16_le(self.version)?;
        w.u16_le(self.rssi)?;
        super::put_fixed(w, &self.feed_id, FEEDID_LEN)?;
        w.u8(state.into())
    }
}

#[derive(Clone, Copy)]
enum ListRepr<'a> {
    Raw(&'a [u8]),
    Records(&'a [SubDevInfo<'a>]),
}

/// The `subdev_info[]` array of types 110 and 113: either records borrowed from a received body
/// (iterated, never collected) or the caller's records to emit.
///
/// Two lists are equal when they hold the same records.
#[derive(Clone, Copy)]
pub struct SubDevList<'a>(ListRepr<'a>);

impl<'a> SubDevList<'a> {
    /// The caller's records, to emit.
    #[must_use]
    pub const fn from_records(records: &'a [SubDevInfo<'a>]) -> Self {
        Self(ListRepr::Records(records))
    }

    /// Takes `num` packed records from `bytes`, which must hold exactly `num × 37` bytes.
    ///
    /// # Errors
    /// [`Error::Truncated`] when `num` claims more records than the bytes hold (nothing is
    /// read past the end), [`Error::TrailingData`] when bytes are left over.
    pub fn parse(bytes: &'a [u8], num: u16) -> Result<Self> {
        let needed = usize::from(num)
            .checked_mul(SUBDEV_INFO_LEN)
            .ok_or(Error::Truncated {
                needed: usize::MAX,
                available: bytes.len(),
            })?;
        let mut r = Reader::new(bytes);
        let raw = r.take(needed)?;
        r.expect_empty("subdev_info[]")?;
        Ok(Self(ListRepr::Raw(raw)))
    }

    /// Number of records.
    #[must_use]
    pub fn len(&self) -> usize {
        match self.0 {
            ListRepr::Raw(b) => b.len() / SUBDEV_INFO_LEN,
            ListRepr::Records(r) => r.len(),
        }
    }

    /// `true` without records.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The packed records as received (`None` for a list built from records).
    #[must_use]
    pub fn raw(&self) -> Option<&'a [u8]> {
        match self.0 {
            ListRepr::Raw(b) => Some(b),
            ListRepr::Records(_) => None,
        }
    }

    /// Iterates the records.
    #[must_use]
    pub fn iter(&self) -> SubDevIter<'a> {
        match self.0 {
            ListRepr::Raw(b) => SubDevIter(IterRepr::Raw(b.chunks_exact(SUBDEV_INFO_LEN))),
            ListRepr::Records(r) => SubDevIter(IterRepr::Records(r.iter())),
        }
    }

    /// `num` as written on the wire.
    fn num(&self) -> Result<u16> {
        u16::try_from(self.len()).map_err(|_| Error::TooLong {
            field: "subdev_info[]",
            len: self.len(),
            max: usize::from(u16::MAX),
        })
    }

    /// `37 × len`.
    fn byte_len(&self) -> usize {
        self.len().saturating_mul(SUBDEV_INFO_LEN)
    }

    fn check(&self) -> Result<()> {
        self.num()?;
        if let ListRepr::Records(r) = self.0 {
            for d in r {
                super::check_fixed("feed_id", &d.feed_id, FEEDID_LEN)?;
            }
        }
        Ok(())
    }

    /// Writes the records, each with `state` replaced by `force_state` when given.
    fn write(&self, w: &mut Writer<'_>, force_state: Option<SubDevOnline>) -> Result<()> {
        match (self.0, force_state) {
            (ListRepr::Raw(b), None) => w.put(b),
            _ => {
                for d in self.iter() {
                    d.write(w, force_state.unwrap_or(d.state))?;
                }
                Ok(())
            }
        }
    }
}

impl PartialEq for SubDevList<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for SubDevList<'_> {}

impl core::fmt::Debug for SubDevList<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for SubDevList<'a> {
    type Item = SubDevInfo<'a>;
    type IntoIter = SubDevIter<'a>;
    fn into_iter(self) -> SubDevIter<'a> {
        self.iter()
    }
}

#[derive(Debug, Clone)]
enum IterRepr<'a> {
    Raw(core::slice::ChunksExact<'a, u8>),
    Records(core::slice::Iter<'a, SubDevInfo<'a>>),
}

/// Iterator over the records of a [`SubDevList`].
#[derive(Debug, Clone)]
pub struct SubDevIter<'a>(IterRepr<'a>);

impl<'a> Iterator for SubDevIter<'a> {
    type Item = SubDevInfo<'a>;

    fn next(&mut self) -> Option<SubDevInfo<'a>> {
        match &mut self.0 {
            // Every chunk is exactly 37 bytes, so parsing cannot fail.
            IterRepr::Raw(c) => c.next().and_then(|b| SubDevInfo::parse(b).ok()),
            IterRepr::Records(r) => r.next().copied(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            IterRepr::Raw(c) => c.size_hint(),
            IterRepr::Records(r) => r.size_hint(),
        }
    }
}

impl ExactSizeIterator for SubDevIter<'_> {}

#[cfg(test)]
/// One packed `subdev_info` record, for the tests of 110 and 113.
pub(super) fn test_record(version: u16, feed: &[u8], state: u8) -> std::vec::Vec<u8> {
    let mut v = std::vec::Vec::new();
    v.extend_from_slice(&version.to_le_bytes());
    v.extend_from_slice(&[0xff, 0xff]);
    v.extend_from_slice(feed);
    v.resize(4 + 32, 0);
    v.push(state);
    v
}
