//! The `timestamp u32, biz_code u32, serial u32` preamble that opens every control-style body: LAN
//! script control 4 and 104 (spec 6.3.4, 6.3.8), WAN control 11, timers 13 (spec 10), async
//! result 14, sub-device control 111 and unbind 113 (spec 7.3.7, 12, 7.3.19, 7.3.23). The layout
//! is one C struct prefix in the SDK, so it is declared, read and written in one place.

use crate::codec::{Reader, Writer, room};
use crate::{BizCode, Result};

/// The three leading fields of a control-style body (12 bytes, [`CONTROL_HEADER_LEN`]).
///
/// The type-13 messages carry it as their `preamble`; the bodies of types 4, 11, 14, 111 and
/// 113 spell its fields out but read and write them through it.
///
/// ```
/// use joylink_wire::{BizCode, ControlHeader};
/// let request = ControlHeader::new(0x5f5e_1000, BizCode::TimerAdd, 7);
/// let reply = request.reply();
/// assert_eq!((reply.biz_code, reply.serial), (BizCode::TimerAddResponse, 7));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ControlHeader {
    /// The sender's time (the replay-protection timestamp, compat §5).
    pub timestamp: u32,
    /// What is asked or answered, as read (aliases kept, so a body re-encodes exactly).
    pub biz_code: BizCode,
    /// The sequence number a reply echoes.
    pub serial: u32,
}

/// Bytes of a [`ControlHeader`] on the wire.
pub const CONTROL_HEADER_LEN: usize = ControlHeader::LEN;

impl ControlHeader {
    /// Bytes on the wire.
    pub const LEN: usize = 12;

    /// The header of a body's three fields.
    #[must_use]
    pub const fn new(timestamp: u32, biz_code: BizCode, serial: u32) -> Self {
        Self {
            timestamp,
            biz_code,
            serial,
        }
    }

    /// The header of the reply to this request: same timestamp and serial, `biz_code` mapped as
    /// SDK 2.1.22 does ([`BizCode::response`]).
    #[must_use]
    pub const fn reply(&self) -> Self {
        Self {
            timestamp: self.timestamp,
            biz_code: self.biz_code.response(),
            serial: self.serial,
        }
    }

    /// Reads the header at the reader's position.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            timestamp: r.u32_le()?,
            biz_code: BizCode::from(r.u32_le()?),
            serial: r.u32_le()?,
        })
    }

    /// Writes the header at the writer's position.
    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        w.u32_le(self.timestamp)?;
        w.u32_le(self.biz_code.value())?;
        w.u32_le(self.serial)
    }

    /// Splits a body into its header and everything after it (`cmd[]`/`resp[]`).
    pub(crate) fn parse(bytes: &[u8]) -> Result<(Self, &[u8])> {
        let mut r = Reader::new(bytes);
        let header = Self::read(&mut r)?;
        Ok((header, r.rest()))
    }

    /// Writes header ‖ `data`, or fails with `BufferTooSmall` before writing anything.
    pub(crate) fn emit(&self, data: &[u8], buf: &mut [u8]) -> Result<usize> {
        let mut w = Writer::new(room(Self::LEN.saturating_add(data.len()), buf)?);
        self.write(&mut w)?;
        w.put(data)?;
        Ok(w.written())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    // spec 6.3.4 / 7.3.7 layout, hand-assembled: ts 0x01020304, biz 1004 (ec 03), serial 9, "ok".
    const BODY: [u8; 14] = [4, 3, 2, 1, 0xec, 0x03, 0, 0, 9, 0, 0, 0, b'o', b'k'];

    #[test]
    fn parse_and_emit() {
        let (h, data) = ControlHeader::parse(&BODY).unwrap();
        assert_eq!(
            h,
            ControlHeader {
                timestamp: 0x0102_0304,
                biz_code: BizCode::Snapshot,
                serial: 9
            }
        );
        assert_eq!(data, b"ok");
        let mut out = [0xa5u8; 15];
        assert_eq!(h.emit(data, &mut out), Ok(14));
        assert_eq!(&out[..14], &BODY);
        assert_eq!(out[14], 0xa5);
    }

    #[test]
    fn errors() {
        assert_eq!(
            ControlHeader::parse(&BODY[..10]),
            Err(Error::Truncated {
                needed: 4,
                available: 2
            })
        );
        let mut out = [0xa5u8; 13];
        assert_eq!(
            ControlHeader::parse(&BODY).unwrap().0.emit(b"ok", &mut out),
            Err(Error::BufferTooSmall {
                needed: 14,
                available: 13
            })
        );
        assert_eq!(out, [0xa5; 13]);
    }
}
