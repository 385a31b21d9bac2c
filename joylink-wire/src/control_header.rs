//! The `timestamp u32, biz_code u32, serial u32` header that opens every control-style body: LAN
//! script control 4 and 104 (spec 6.3.4, 6.3.8), WAN control 11, async result 14, sub-device
//! control 111 and unbind 113 (spec 7.3.7, 12, 7.3.19, 7.3.23). The layout is one C struct prefix
//! in the SDK, so it is read and written in one place.

use crate::codec::{Reader, Writer, room};
use crate::{BizCode, Result};

/// The three leading fields of a control-style body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ControlHeader {
    /// The sender's time.
    pub(crate) timestamp: u32,
    /// What is asked or answered.
    pub(crate) biz_code: BizCode,
    /// The sequence number a reply echoes.
    pub(crate) serial: u32,
}

impl ControlHeader {
    /// Bytes on the wire.
    pub(crate) const LEN: usize = 12;

    /// The header of a body's three fields.
    pub(crate) const fn new(timestamp: u32, biz_code: BizCode, serial: u32) -> Self {
        Self {
            timestamp,
            biz_code,
            serial,
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
