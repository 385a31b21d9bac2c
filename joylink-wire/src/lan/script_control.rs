//! Script control, LAN type 4 (spec 6.3.4): the binary `control` / `control_resp` structs.
//!
//! ```text
//! offset  size  field                      (all little-endian, packed; compat §5, §6.5)
//!      0     4  timestamp   u32           the plaintext's 4-byte timestamp *is* this field
//!      4     4  biz_code    u32           1002 control / 1004 snapshot; replies 102 / 104
//!      8     4  serial      u32           the reply echoes the request's serial
//!     12     …  cmd[] / resp[]            opaque: the script's bytes / the device's answer
//! ```
//!
//! The two structs have the same layout; [`ScriptBody`] views either, [`Control`](crate::Control) (the one
//! control-style repr, shared with WAN type 11) and [`ControlResponse`] are the plain reprs.
//! Neither needs `alloc`.
//!
//! compat §6.4 — a device also answers LAN types 3 and 103 with packet *type 4*
//! carrying `timestamp ‖ JSON` instead of this struct. [`is_script_response`] tells the two apart.

use crate::control_header::ControlHeader;
use crate::view::body_view;
use crate::{BizCode, CONTROL_HEADER_LEN, Result};

body_view! {
    /// A zero-copy view of a type-4 body (either direction).
    ///
    /// After [`ScriptBody::new_checked`] no getter panics; no setter invalidates
    /// [`ScriptBody::check_len`].
    pub struct ScriptBody, min_len = CONTROL_HEADER_LEN;
    ints {
        /// The timestamp (the plaintext's first four bytes).
        timestamp, set_timestamp: u32 as u32 @ 0,
        /// The biz_code (spec 3.7).
        biz_code, set_biz_code: BizCode as u32 @ 4,
        /// The serial (`控制 seq`); a reply echoes the request's.
        serial, set_serial: u32 as u32 @ 8,
    }
    texts {}
    tail
        /// `cmd[]` of a request or `resp[]` of a reply: everything after the fixed part.
        data, data_mut @ CONTROL_HEADER_LEN;
}

/// `control_resp`: a script-control reply, device → app (spec 6.3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ControlResponse<'a> {
    /// The device's timestamp.
    pub timestamp: u32,
    /// The reply code: 102 for 1002, 104 for 1004 ([`BizCode::response`], compat §10).
    pub biz_code: BizCode,
    /// The request's serial, echoed.
    pub serial: u32,
    /// `resp[]`: the device's answer and snapshot (shipped devices put snapshot JSON here).
    pub resp: &'a [u8],
}

impl<'a> ControlResponse<'a> {
    /// Parses a decrypted type-4 reply plaintext through its view [`ScriptBody`].
    ///
    /// # Errors
    /// [`Error::Truncated`](crate::Error::Truncated) below 12 bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let view = ScriptBody::new_checked(bytes)?;
        Ok(Self {
            timestamp: view.timestamp(),
            biz_code: view.biz_code(),
            serial: view.serial(),
            resp: view.data(),
        })
    }

    /// Exact number of bytes [`ControlResponse::emit`] writes.
    pub const fn buffer_len(&self) -> usize {
        CONTROL_HEADER_LEN.saturating_add(self.resp.len())
    }

    /// Writes the struct into `buf`, returns [`ControlResponse::buffer_len`].
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall) (nothing written).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        ControlHeader::new(self.timestamp, self.biz_code, self.serial).emit(self.resp, buf)
    }
}

/// Whether a device → app type-4 plaintext is a script reply ([`ControlResponse`]) rather than
/// the `timestamp ‖ JSON` answer to a type 3 / 103 request.
///
/// compat §6.4 — both arrive as type 4. Every biz_code is below 65536, so a script
/// reply has bytes 6 and 7 zero; JSON text never contains a NUL byte, so a JSON answer never
/// does. A plaintext shorter than 12 bytes cannot be a script reply.
pub fn is_script_response(plaintext: &[u8]) -> bool {
    plaintext.len() >= CONTROL_HEADER_LEN && matches!(plaintext.get(6..8), Some([0, 0]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Control;
    use crate::Error;

    // spec 6.3.4 layout, hand-assembled: ts 0x01020304, biz 1004, serial 0x0a0b0c0d, resp "ok".
    const REPLY: [u8; 14] = [
        4, 3, 2, 1, 0xec, 0x03, 0, 0, 0x0d, 0x0c, 0x0b, 0x0a, b'o', b'k',
    ];

    #[test]
    fn deconstruct() {
        let b = ScriptBody::new_checked(&REPLY[..]).unwrap();
        assert_eq!(b.timestamp(), 0x0102_0304);
        assert_eq!(b.biz_code(), BizCode::Snapshot);
        assert_eq!(b.serial(), 0x0a0b_0c0d);
        assert_eq!(b.data(), b"ok");
    }

    #[test]
    fn construct() {
        let mut buf = [0xa5u8; 14];
        let mut b = ScriptBody::new_unchecked(&mut buf[..]);
        b.set_timestamp(0x0102_0304).unwrap();
        b.set_biz_code(BizCode::Snapshot).unwrap();
        b.set_serial(0x0a0b_0c0d).unwrap();
        b.data_mut().copy_from_slice(b"ok");
        assert_eq!(buf, REPLY);
    }

    #[test]
    fn parse_and_emit() {
        let r = ControlResponse::parse(&REPLY).unwrap();
        assert_eq!(r.resp, b"ok");
        let mut out = [0xa5u8; 16];
        assert_eq!(r.emit(&mut out), Ok(14));
        assert_eq!(&out[..14], &REPLY);
        assert_eq!(out[14..], [0xa5, 0xa5]);
    }

    #[test]
    fn errors() {
        assert_eq!(
            ScriptBody::new_checked(&REPLY[..11]),
            Err(Error::Truncated {
                needed: 12,
                available: 11
            })
        );
        assert_eq!(
            Control::parse(&REPLY[..3]),
            Err(Error::Truncated {
                needed: 4,
                available: 3
            })
        );
        let c = Control::parse(&REPLY).unwrap();
        let mut out = [0xa5u8; 13];
        assert_eq!(
            c.emit(&mut out),
            Err(Error::BufferTooSmall {
                needed: 14,
                available: 13
            })
        );
        assert_eq!(out, [0xa5; 13]);
    }

    #[test]
    fn tells_script_from_json_answers() {
        assert!(is_script_response(&REPLY));
        assert!(!is_script_response(b"\x01\x02\x03\x04{\"code\":0}"));
        assert!(!is_script_response(&REPLY[..11]));
    }
}
