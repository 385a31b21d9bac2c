//! Sub-device unbind and its answer, type 113 (spec 7.3.23, 7.3.24; compat §7.8).

use super::{SubDevList, SubDevOnline};
use crate::codec::Writer;
use crate::control_header::ControlHeader;
use crate::view::body_view;
use crate::{BizCode, Result};

/// Length of the packed type 113 header `timestamp, biz_code, serial, num`.
pub const SUBDEV_UNBIND_HEADER_LEN: usize = crate::CONTROL_HEADER_LEN + 2;

body_view! {
    /// View of a sub-device unbind request or answer (spec 7.3.23/7.3.24, type 113): packed
    /// `timestamp u32, biz_code u32, serial u32, num u16`, then `num` 37-byte records.
    pub struct SubDevUnbindBody, min_len = SUBDEV_UNBIND_HEADER_LEN;
    ints {
        control_header;
        /// Number of records that follow.
        num, set_num: u16 as u16 @ crate::CONTROL_HEADER_LEN,
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
/// gateway → cloud, biz 160, every state [`SubDevOnline::Unbound`]).
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
    /// Parses a body through its view [`SubDevUnbindBody`].
    ///
    /// # Errors
    /// As [`SubDevHeartbeat::parse`](super::SubDevHeartbeat::parse).
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let view = SubDevUnbindBody::new_checked(bytes)?;
        Ok(Self {
            timestamp: view.timestamp(),
            biz_code: view.biz_code(),
            serial: view.serial(),
            devices: view.devices()?,
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
    /// As [`SubDevHeartbeat::emit`](super::SubDevHeartbeat::emit).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        self.write(self.timestamp, self.biz_code, None, buf)
    }

    /// Writes the gateway's answer to this request as the SDK does
    /// (`joylink_packet_subdev_unbind_rsp`, compat §7.8): `timestamp`, `biz_code.response()`
    /// (160), the same serial and records, every state [`SubDevOnline::Unbound`].
    ///
    /// # Errors
    /// As [`SubDevHeartbeat::emit`](super::SubDevHeartbeat::emit).
    pub fn emit_answer(&self, timestamp: u32, buf: &mut [u8]) -> Result<usize> {
        self.write(
            timestamp,
            self.biz_code.response(),
            Some(SubDevOnline::Unbound),
            buf,
        )
    }

    fn write(
        &self,
        timestamp: u32,
        biz_code: BizCode,
        force_state: Option<SubDevOnline>,
        buf: &mut [u8],
    ) -> Result<usize> {
        self.devices.check()?;
        let num = self.devices.num()?;
        let mut w = Writer::new(crate::wan::room(self.buffer_len(), buf)?);
        ControlHeader::new(timestamp, biz_code, self.serial).write(&mut w)?;
        w.u16_le(num)?;
        self.devices.write(&mut w, force_state)?;
        Ok(w.written())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_record as record;
    use super::*;
    use std::vec;
    use std::vec::Vec;
    #[test]
    fn unbind_layout_and_answer() {
        // spec 7.3.23 packed (compat §7.8): 14-byte header
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
}
