//! The `timestamp u32, biz_code u32, serial u32` preamble that opens every control-style body: LAN
//! script control 4 and 104 (spec 6.3.4, 6.3.8), WAN control 11, timers 13 (spec 10), async
//! result 14, sub-device control 111 and unbind 113 (spec 7.3.7, 12, 7.3.19, 7.3.23). The layout
//! is one C struct prefix in the SDK, so it is declared, read and written in one place.

use crate::codec::{Reader, Writer, room};
use crate::view::body_view;
use crate::{BizCode, Result};

/// The three leading fields of a control-style body (12 bytes, [`CONTROL_HEADER_LEN`]).
///
/// The type-13 messages carry it as their `preamble`; the views of types 4/11/200/201
/// ([`ControlBody`]), 14, 104, 111 and 113 declare its three fields with one `control_header;`
/// line of `body_view!`, which writes the offsets in one place, and their reprs read through them.
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

    /// Writes header ‖ `data` (the body of [`Control`] and the start of the longer control-style
    /// bodies), or fails with `BufferTooSmall` before writing anything; returns the bytes written.
    ///
    /// ```
    /// use joylink_wire::{BizCode, ControlHeader};
    /// let mut buf = [0u8; 14];
    /// let n = ControlHeader::new(1, BizCode::ControlResponse, 7).emit(b"{}", &mut buf)?;
    /// assert_eq!(&buf[..n], &[1, 0, 0, 0, 102, 0, 0, 0, 7, 0, 0, 0, b'{', b'}']);
    /// # Ok::<(), joylink_wire::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall) (nothing written).
    pub fn emit(&self, data: &[u8], buf: &mut [u8]) -> Result<usize> {
        let mut w = Writer::new(room(Self::LEN.saturating_add(data.len()), buf)?);
        self.write(&mut w)?;
        w.put(data)?;
        Ok(w.written())
    }
}

body_view! {
    /// The zero-copy view of a control-style body, the one declaration of its layout
    /// (`timestamp u32, biz_code u32, serial u32, cmd[]/resp[]`, little-endian): LAN type 4
    /// (spec 6.3.4, re-exported as `lan::ControlBody`) and WAN types 11, 200 and 201 (spec 7.3.7–
    /// 7.3.12, 7.3.25/26, re-exported as `wan::ControlBody`). [`Control::parse`] reads through it.
    ///
    /// After [`ControlBody::new_checked`] no getter panics; no setter invalidates
    /// [`ControlBody::check_len`].
    pub struct ControlBody, min_len = CONTROL_HEADER_LEN;
    ints {
        control_header;
    }
    texts {}
    tail
        /// `cmd[]` (request) or `resp[]` (answer): everything after the fixed part.
        data, data_mut @ CONTROL_HEADER_LEN;
}

/// A control-style body: a [`ControlHeader`] and the opaque bytes after it. One type for the
/// bodies that are exactly that, in either direction: LAN script control, type 4 (spec 6.3.4
/// `control` / `control_resp`, re-exported as `lan::Control`), WAN cloud control, type 11
/// (spec 7.3.7 `control`, 7.3.8 `control_resp`, 7.3.9/7.3.10 snapshot, 7.3.11/7.3.12 recipe)
/// and video 200/201 (spec 7.3.25, 7.3.26), re-exported as `wan::Control`.
///
/// An answer carries the request's `serial` and `biz_code.response()` (compat §10); `data` is
/// the script's command (request) or the result + snapshot (answer), JSON for JSON products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Control<'a> {
    /// The sender's time (the replay-protection timestamp, compat §5).
    pub timestamp: u32,
    /// What is asked or answered (1002 control, 1004 snapshot, 1050 recipe; 102, 104, 150);
    /// from SDK 2.0.9 a LAN device ignores other codes (compat §6.5).
    pub biz_code: BizCode,
    /// The requester's sequence number, echoed in the answer (compat §5: SDK 2.0.19 requires
    /// the cloud's to grow).
    pub serial: u32,
    /// `cmd[]` (request) or `resp[]` (answer).
    pub data: &'a [u8],
}

impl<'a> Control<'a> {
    /// Parses a body.
    ///
    /// ```
    /// use joylink_wire::{BizCode, Control};
    /// let bytes = [0x55, 0x44, 0x33, 0x22, 0xea, 0x03, 0, 0, 7, 0, 0, 0, b'{', b'}'];
    /// let c = Control::parse(&bytes)?;
    /// assert_eq!((c.timestamp, c.biz_code, c.serial, c.data), (0x2233_4455, BizCode::Control, 7, &b"{}"[..]));
    /// let mut out = [0u8; 14];
    /// assert_eq!(c.emit(&mut out)?, 14);
    /// assert_eq!(out, bytes);
    /// # Ok::<(), joylink_wire::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Truncated`](crate::Error::Truncated) below 12 bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        // Through the body's one layout declaration, the view (one strictness rule).
        let view = ControlBody::new_checked(bytes)?;
        Ok(Self {
            timestamp: view.timestamp(),
            biz_code: view.biz_code(),
            serial: view.serial(),
            data: view.data(),
        })
    }

    /// `12 + data.len()`.
    pub const fn buffer_len(&self) -> usize {
        self.data.len().saturating_add(CONTROL_HEADER_LEN)
    }

    /// Writes the body.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall) (nothing written).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        ControlHeader::new(self.timestamp, self.biz_code, self.serial).emit(self.data, buf)
    }

    /// The answer to this request: `timestamp` (the device's time), `biz_code.response()`, the
    /// same `serial`, and `resp` as data.
    #[must_use]
    pub fn answer<'b>(&self, timestamp: u32, resp: &'b [u8]) -> Control<'b> {
        Control {
            timestamp,
            biz_code: self.biz_code.response(),
            serial: self.serial,
            data: resp,
        }
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
        let c = Control::parse(&BODY).unwrap();
        let (h, data) = (
            ControlHeader::new(c.timestamp, c.biz_code, c.serial),
            c.data,
        );
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
            Control::parse(&BODY[..10]),
            Err(Error::Truncated {
                needed: 12,
                available: 10
            })
        );
        let mut out = [0xa5u8; 13];
        assert_eq!(
            ControlHeader::new(1, BizCode::Snapshot, 9).emit(b"ok", &mut out),
            Err(Error::BufferTooSmall {
                needed: 14,
                available: 13
            })
        );
        assert_eq!(out, [0xa5; 13]);
    }
}
