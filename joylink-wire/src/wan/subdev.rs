//! Sub-device bodies of a gateway (spec 7.3.15–7.3.24, 8.4; NOTES.md §7.5–§7.8): the gateway
//! heartbeat with every sub-device (110), sub-device upload (112), control/snapshot (111) and
//! unbind (113).
//!
//! The inner `cmd[]`/`resp[]`/`data[]` of 111 and 112 is sealed with the *sub-device's*
//! accesskey inside the gateway's session-key layer (spec 8.2, 8.4.2); these types carry it as
//! opaque ciphertext and the facade crate opens it.
//!
//! compat: NOTES.md §7.5 — a `subdev_info` record is **37 packed bytes** (`u16 version, u16
//! rssi, u8 feedid[32], u8 state`), not the 40 of a naturally aligned C struct; the 110 header is
//! 10 bytes and the 113 header 14 bytes, both packed.

use crate::codec::{Reader, Writer};
use crate::control_header::ControlHeader;
use crate::macros::enum_with_unknown;
use crate::view::body_view;
use crate::{BizCode, Error, FixedText, ResponseCode, Result};

/// Width of `feedid` in sub-device bodies.
pub const FEED_ID_LEN: usize = 32;
/// Length of one packed `subdev_info` record.
pub const SUBDEV_INFO_LEN: usize = 37;
/// Length of the packed type 110 header `timestamp, version, rssi, num`.
pub const SUBDEV_HEARTBEAT_HEADER_LEN: usize = 10;
/// Length of the packed type 113 header `timestamp, biz_code, serial, num`.
pub const SUBDEV_UNBIND_HEADER_LEN: usize = 14;
/// Length of the type 111 header `timestamp, biz_code, serial, feedid[32]`.
pub const SUBDEV_CONTROL_HEADER_LEN: usize = 44;
/// Length of the type 112 header `timestamp, feedid[32]`.
pub const SUBDEV_UPLOAD_HEADER_LEN: usize = 36;
/// Length of the type 112 answer `timestamp, feedid[32], code`.
pub const SUBDEV_UPLOAD_RESPONSE_LEN: usize = 40;

enum_with_unknown! {
    /// `state` of a `subdev_info` record (spec 7.3.15; the SDK's `E_JLDEV_*`).
    pub enum SubDevState(u8) {
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
    /// Firmware version. compat: NOTES.md §7.5 — SDK 2.0.9–2.0.19 copy a 1-byte version as 2
    /// bytes, so the high byte is the low byte of the state; carried as received.
    pub version: u16,
    /// Signal strength 0–100, `0xFFFF` (-1) = meaningless. compat: NOTES.md §7.5 — the SDK
    /// leaves these bytes uninitialised; peers cannot depend on them.
    pub rssi: u16,
    /// The sub-device's feed id, NUL-padded.
    #[doc(alias = "feedid")]
    pub feed_id: FixedText<'a>,
    /// Its state.
    pub state: SubDevState,
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
            feed_id: FixedText::new("feed_id", r.take(FEED_ID_LEN)?),
            state: SubDevState::from(r.u8()?),
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
        super::check_fixed("feed_id", &self.feed_id, FEED_ID_LEN)?;
        let mut w = Writer::new(super::room(SUBDEV_INFO_LEN, buf)?);
        self.write(&mut w, self.state)?;
        Ok(w.written())
    }

    fn write(&self, w: &mut Writer<'_>, state: SubDevState) -> Result<()> {
        w.u16_le(self.version)?;
        w.u16_le(self.rssi)?;
        super::put_fixed(w, &self.feed_id, FEED_ID_LEN)?;
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
                super::check_fixed("feed_id", &d.feed_id, FEED_ID_LEN)?;
            }
        }
        Ok(())
    }

    /// Writes the records, each with `state` replaced by `force_state` when given.
    fn write(&self, w: &mut Writer<'_>, force_state: Option<SubDevState>) -> Result<()> {
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

body_view! {
    /// View of a gateway heartbeat (spec 7.3.15, type 110): packed `timestamp u32, version u16,
    /// rssi u16, num u16`, then `num` 37-byte records.
    pub struct SubDevHeartbeatBody, min_len = SUBDEV_HEARTBEAT_HEADER_LEN;
    ints {
        /// Device time.
        timestamp, set_timestamp: u32 as u32 @ 0,
        /// The gateway's firmware version.
        version, set_version: u16 as u16 @ 4,
        /// The gateway's rssi (the SDK sends 0).
        rssi, set_rssi: u16 as u16 @ 6,
        /// Number of records that follow.
        num, set_num: u16 as u16 @ 8,
    }
    texts {}
    tail
        /// The packed records.
        records, records_mut @ SUBDEV_HEARTBEAT_HEADER_LEN;
}

impl<'a, T: AsRef<[u8]> + ?Sized> SubDevHeartbeatBody<&'a T> {
    /// The records, checked against `num`.
    ///
    /// # Errors
    /// As [`SubDevList::parse`].
    pub fn devices(&self) -> Result<SubDevList<'a>> {
        SubDevList::parse(self.records(), self.num())
    }
}

/// A gateway heartbeat carrying its sub-devices (spec 7.3.15, type 110, device → cloud), sent
/// instead of type 10 by a gateway with sub-devices; the cloud answers with a
/// [`CodeResponse`](super::CodeResponse) (7.3.16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubDevHeartbeat<'a> {
    /// Device time.
    pub timestamp: u32,
    /// The gateway's firmware version.
    pub version: u16,
    /// The gateway's rssi. compat: NOTES.md §7.5 — the SDK sends 0.
    pub rssi: u16,
    /// Every sub-device (compat: NOTES.md §7.5 — all of them, not only the online ones as the
    /// spec's comment on `num` says); `num` is its length.
    pub devices: SubDevList<'a>,
}

impl<'a> SubDevHeartbeat<'a> {
    /// Parses a body.
    ///
    /// # Errors
    /// [`Error::Truncated`] (also when `num` claims more records than present),
    /// [`Error::TrailingData`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let timestamp = r.u32_le()?;
        let version = r.u16_le()?;
        let rssi = r.u16_le()?;
        let num = r.u16_le()?;
        Ok(Self {
            timestamp,
            version,
            rssi,
            devices: SubDevList::parse(r.rest(), num)?,
        })
    }

    /// `10 + 37 × devices.len()`.
    pub fn buffer_len(&self) -> usize {
        self.devices
            .byte_len()
            .saturating_add(SUBDEV_HEARTBEAT_HEADER_LEN)
    }

    /// Writes the body.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`], [`Error::TooLong`] (more than 65535 records, a feed id over
    /// 32 bytes); nothing written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        self.devices.check()?;
        let num = self.devices.num()?;
        let mut w = Writer::new(super::room(self.buffer_len(), buf)?);
        w.u32_le(self.timestamp)?;
        w.u16_le(self.version)?;
        w.u16_le(self.rssi)?;
        w.u16_le(num)?;
        self.devices.write(&mut w, None)?;
        Ok(w.written())
    }
}

body_view! {
    /// View of a sub-device unbind request or answer (spec 7.3.23/7.3.24, type 113): packed
    /// `timestamp u32, biz_code u32, serial u32, num u16`, then `num` 37-byte records.
    pub struct SubDevUnbindBody, min_len = SUBDEV_UNBIND_HEADER_LEN;
    ints {
        /// The sender's time.
        timestamp, set_timestamp: u32 as u32 @ 0,
        /// 1060 (request) / 160 (answer).
        biz_code, set_biz_code: BizCode as u32 @ 4,
        /// The cloud's sequence number.
        serial, set_serial: u32 as u32 @ 8,
        /// Number of records that follow.
        num, set_num: u16 as u16 @ 12,
    }
    texts {}
    tail
        /// The packed records.
        records, records_mut @ SUBDEV_UNBIND_HEADER_LEN;
}

impl<'a, T: AsRef<[u8]> + ?Sized> SubDevUnbindBody<&'a T> {
    /// The records, checked against `num`.
    ///
    /// # Errors
    /// As [`SubDevList::parse`].
    pub fn devices(&self) -> Result<SubDevList<'a>> {
        SubDevList::parse(self.records(), self.num())
    }
}

/// A sub-device unbind request (spec 7.3.23, cloud → gateway, biz 1060) or its answer (7.3.24,
/// gateway → cloud, biz 160, every state [`SubDevState::Unbound`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubDevUnbind<'a> {
    /// The sender's time.
    pub timestamp: u32,
    /// [`BizCode::Unbind`] or [`BizCode::UnbindResponse`].
    pub biz_code: BizCode,
    /// The cloud's sequence number, echoed.
    pub serial: u32,
    /// The sub-devices concerned.
    pub devices: SubDevList<'a>,
}

impl<'a> SubDevUnbind<'a> {
    /// Parses a body.
    ///
    /// # Errors
    /// As [`SubDevHeartbeat::parse`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let h = ControlHeader::read(&mut r)?;
        let num = r.u16_le()?;
        Ok(Self {
            timestamp: h.timestamp,
            biz_code: h.biz_code,
            serial: h.serial,
            devices: SubDevList::parse(r.rest(), num)?,
        })
    }

    /// `14 + 37 × devices.len()`.
    pub fn buffer_len(&self) -> usize {
        self.devices
            .byte_len()
            .saturating_add(SUBDEV_UNBIND_HEADER_LEN)
    }

    /// Writes the body.
    ///
    /// # Errors
    /// As [`SubDevHeartbeat::emit`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        self.write(self.timestamp, self.biz_code, None, buf)
    }

    /// Writes the gateway's answer to this request as the SDK does
    /// (`joylink_packet_subdev_unbind_rsp`, NOTES.md §7.8): `timestamp`, `biz_code.response()`
    /// (160), the same serial and records, every state [`SubDevState::Unbound`].
    ///
    /// # Errors
    /// As [`SubDevHeartbeat::emit`].
    pub fn emit_answer(&self, timestamp: u32, buf: &mut [u8]) -> Result<usize> {
        self.write(
            timestamp,
            self.biz_code.response(),
            Some(SubDevState::Unbound),
            buf,
        )
    }

    fn write(
        &self,
        timestamp: u32,
        biz_code: BizCode,
        force_state: Option<SubDevState>,
        buf: &mut [u8],
    ) -> Result<usize> {
        self.devices.check()?;
        let num = self.devices.num()?;
        let mut w = Writer::new(super::room(self.buffer_len(), buf)?);
        ControlHeader::new(timestamp, biz_code, self.serial).write(&mut w)?;
        w.u16_le(num)?;
        self.devices.write(&mut w, force_state)?;
        Ok(w.written())
    }
}

body_view! {
    /// View of a sub-device control request or answer (spec 7.3.19–7.3.22, type 111):
    /// `timestamp u32, biz_code u32, serial u32, feedid[32]`, then the inner ciphertext.
    pub struct SubDevControlBody, min_len = SUBDEV_CONTROL_HEADER_LEN;
    ints {
        /// The sender's time.
        timestamp, set_timestamp: u32 as u32 @ 0,
        /// 1002/1004 (request) or 102/104 (answer).
        biz_code, set_biz_code: BizCode as u32 @ 4,
        /// The cloud's sequence number.
        serial, set_serial: u32 as u32 @ 8,
    }
    texts {
        /// The sub-device's feed id.
        feed_id, set_feed_id @ 12, FEED_ID_LEN,
    }
    tail
        /// `cmd[]`/`resp[]` sealed with the sub-device's accesskey.
        data, data_mut @ SUBDEV_CONTROL_HEADER_LEN;
}

/// A sub-device control or snapshot request (spec 7.3.19/7.3.21, cloud → gateway) or its answer
/// (7.3.20/7.3.22, gateway → cloud). compat: NOTES.md §7.7 — the SDK handles only 1002/1004.
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
    /// Parses a body.
    ///
    /// # Errors
    /// [`Error::Truncated`] below 44 bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let h = ControlHeader::read(&mut r)?;
        Ok(Self {
            timestamp: h.timestamp,
            biz_code: h.biz_code,
            serial: h.serial,
            feed_id: FixedText::new("feed_id", r.take(FEED_ID_LEN)?),
            data: r.rest(),
        })
    }

    /// `44 + data.len()`.
    pub const fn buffer_len(&self) -> usize {
        self.data.len().saturating_add(SUBDEV_CONTROL_HEADER_LEN)
    }

    /// Writes the body.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`], [`Error::TooLong`] for a feed id over 32 bytes.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        super::check_fixed("feed_id", &self.feed_id, FEED_ID_LEN)?;
        let mut w = Writer::new(super::room(self.buffer_len(), buf)?);
        ControlHeader::new(self.timestamp, self.biz_code, self.serial).write(&mut w)?;
        super::put_fixed(&mut w, &self.feed_id, FEED_ID_LEN)?;
        w.put(self.data)?;
        Ok(w.written())
    }
}

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
        feed_id, set_feed_id @ 4, FEED_ID_LEN,
    }
    tail
        /// `data[]` sealed with the sub-device's accesskey.
        data, data_mut @ SUBDEV_UPLOAD_HEADER_LEN;
}

/// A sub-device snapshot upload (spec 7.3.17, type 112, gateway → cloud), one per sub-device
/// after each heartbeat answer (NOTES.md §7.6).
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
    /// Parses a body.
    ///
    /// # Errors
    /// [`Error::Truncated`] below 36 bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        Ok(Self {
            timestamp: r.u32_le()?,
            feed_id: FixedText::new("feed_id", r.take(FEED_ID_LEN)?),
            data: r.rest(),
        })
    }

    /// `36 + data.len()`.
    pub const fn buffer_len(&self) -> usize {
        self.data.len().saturating_add(SUBDEV_UPLOAD_HEADER_LEN)
    }

    /// Writes the body.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`], [`Error::TooLong`] for a feed id over 32 bytes.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        super::check_fixed("feed_id", &self.feed_id, FEED_ID_LEN)?;
        let mut w = Writer::new(super::room(self.buffer_len(), buf)?);
        w.u32_le(self.timestamp)?;
        super::put_fixed(&mut w, &self.feed_id, FEED_ID_LEN)?;
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
        feed_id, set_feed_id @ 4, FEED_ID_LEN,
    }
}

/// The cloud's answer to a sub-device upload (spec 7.3.18, type 112, cloud → gateway).
///
/// compat: NOTES.md §7.6 — the SDK reads it through a packed struct with `feedid[33]`, i.e. the
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
    /// Parses the body (exactly 40 bytes).
    ///
    /// # Errors
    /// [`Error::Truncated`], [`Error::TrailingData`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let v = Self {
            timestamp: r.u32_le()?,
            feed_id: FixedText::new("feed_id", r.take(FEED_ID_LEN)?),
            code: ResponseCode::from(r.i32_le()?),
        };
        r.expect_empty("sub-device upload response")?;
        Ok(v)
    }

    /// Always [`SUBDEV_UPLOAD_RESPONSE_LEN`].
    pub const fn buffer_len(&self) -> usize {
        SUBDEV_UPLOAD_RESPONSE_LEN
    }

    /// Writes the body.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`], [`Error::TooLong`] for a feed id over 32 bytes.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        super::check_fixed("feed_id", &self.feed_id, FEED_ID_LEN)?;
        let mut w = Writer::new(super::room(SUBDEV_UPLOAD_RESPONSE_LEN, buf)?);
        w.u32_le(self.timestamp)?;
        super::put_fixed(&mut w, &self.feed_id, FEED_ID_LEN)?;
        w.i32_le(self.code.into())?;
        Ok(w.written())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;
    use std::vec::Vec;

    fn record(version: u16, feed: &[u8], state: u8) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&version.to_le_bytes());
        v.extend_from_slice(&[0xff, 0xff]);
        v.extend_from_slice(feed);
        v.resize(4 + 32, 0);
        v.push(state);
        v
    }

    #[test]
    fn heartbeat_layout_packed() {
        // spec 7.3.15 packed (NOTES.md §7.5): 10-byte header + 37-byte records
        let mut bytes = Vec::from([1, 0, 0, 0, 0x1a, 0, 0, 0, 2, 0]);
        bytes.extend(record(13, b"A", 0));
        bytes.extend(record(10, b"BB", 1));
        assert_eq!(bytes.len(), 10 + 2 * 37);
        let hb = SubDevHeartbeat::parse(&bytes).unwrap();
        assert_eq!(hb.version, 26);
        assert_eq!(hb.devices.len(), 2);
        let devs: Vec<_> = hb.devices.iter().collect();
        assert_eq!(devs[0].version, 13);
        assert_eq!(devs[0].rssi, 0xffff);
        assert_eq!(devs[0].feed_id.to_str(), Ok("A"));
        assert_eq!(devs[1].state, SubDevState::Offline);
        let mut buf = vec![0xa5; bytes.len()];
        assert_eq!(hb.emit(&mut buf), Ok(bytes.len()));
        assert_eq!(buf, bytes);
        // The same list built from records emits the same bytes.
        let built = SubDevHeartbeat {
            devices: SubDevList::from_records(&devs),
            ..hb
        };
        assert_eq!(built, hb);
        buf.fill(0xa5);
        built.emit(&mut buf).unwrap();
        assert_eq!(buf, bytes);
        let v = SubDevHeartbeatBody::new_checked(&bytes[..]).unwrap();
        assert_eq!(v.num(), 2);
        assert_eq!(v.devices().unwrap(), hb.devices);
    }

    #[test]
    fn num_larger_than_records_is_an_error() {
        let mut bytes = Vec::from([1, 0, 0, 0, 0, 0, 0, 0, 3, 0]);
        bytes.extend(record(1, b"A", 0));
        bytes.extend(record(1, b"B", 0));
        assert_eq!(
            SubDevHeartbeat::parse(&bytes),
            Err(Error::Truncated {
                needed: 111,
                available: 74
            })
        );
        bytes[8] = 0xff;
        bytes[9] = 0xff;
        assert!(matches!(
            SubDevHeartbeat::parse(&bytes),
            Err(Error::Truncated { .. })
        ));
        bytes[8] = 1;
        bytes[9] = 0;
        assert_eq!(
            SubDevHeartbeat::parse(&bytes),
            Err(Error::TrailingData {
                what: "subdev_info[]",
                len: 37
            })
        );
    }

    #[test]
    fn unbind_layout_and_answer() {
        // spec 7.3.23 packed (NOTES.md §7.8): 14-byte header
        let mut bytes = Vec::from([1, 0, 0, 0, 0x24, 0x04, 0, 0, 9, 0, 0, 0, 1, 0]);
        bytes.extend(record(13, b"A", 0));
        let u = SubDevUnbind::parse(&bytes).unwrap();
        assert_eq!(u.biz_code, BizCode::Unbind);
        assert_eq!(u.serial, 9);
        let mut buf = vec![0xa5; bytes.len()];
        u.emit(&mut buf).unwrap();
        assert_eq!(buf, bytes);
        u.emit_answer(7, &mut buf).unwrap();
        let mut expected = Vec::from([7, 0, 0, 0, 0xa0, 0, 0, 0, 9, 0, 0, 0, 1, 0]);
        expected.extend(record(13, b"A", 2));
        assert_eq!(buf, expected);
        assert_eq!(SubDevUnbindBody::new_checked(&bytes[..]).unwrap().num(), 1);
    }

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
        // spec 7.3.17: ts, feedid[32], data
        let up = SubDevUpload::parse(&bytes[8..]).unwrap();
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
