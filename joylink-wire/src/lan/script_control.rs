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
//! The two structs have the same layout: [`ControlBody`] views either, and
//! [`Control`](crate::Control), the one control-style repr (shared with WAN types 11, 200 and
//! 201), parses through it in both directions (`cmd[]` of a request, `resp[]` of a reply in its
//! `data`). Neither needs `alloc`.
//!
//! compat §6.4 — a device also answers LAN types 3 and 103 with packet *type 4*
//! carrying `timestamp ‖ JSON` instead of this struct. [`is_script_response`] tells the two apart.

use crate::CONTROL_HEADER_LEN;

/// Whether a device → app type-4 plaintext is a script reply ([`Control`](crate::Control)) rather than
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
    use crate::{BizCode, ControlBody};

    // spec 6.3.4 layout, hand-assembled: ts 0x01020304, biz 1004, serial 0x0a0b0c0d, resp "ok".
    const REPLY: [u8; 14] = [
        4, 3, 2, 1, 0xec, 0x03, 0, 0, 0x0d, 0x0c, 0x0b, 0x0a, b'o', b'k',
    ];

    #[test]
    fn deconstruct() {
        let b = ControlBody::new_checked(&REPLY[..]).unwrap();
        assert_eq!(b.timestamp(), 0x0102_0304);
        assert_eq!(b.biz_code(), BizCode::Snapshot);
        assert_eq!(b.serial(), 0x0a0b_0c0d);
        assert_eq!(b.data(), b"ok");
    }

    #[test]
    fn construct() {
        let mut buf = [0xa5u8; 14];
        let mut b = ControlBody::new_unchecked(&mut buf[..]);
        b.set_timestamp(0x0102_0304).unwrap();
        b.set_biz_code(BizCode::Snapshot).unwrap();
        b.set_serial(0x0a0b_0c0d).unwrap();
        b.data_mut().copy_from_slice(b"ok");
        assert_eq!(buf, REPLY);
    }

    #[test]
    fn parse_and_emit() {
        let r = Control::parse(&REPLY).unwrap();
        assert_eq!(r.data, b"ok");
        let mut out = [0xa5u8; 16];
        assert_eq!(r.emit(&mut out), Ok(14));
        assert_eq!(&out[..14], &REPLY);
        assert_eq!(out[14..], [0xa5, 0xa5]);
    }

    #[test]
    fn errors() {
        assert_eq!(
            ControlBody::new_checked(&REPLY[..11]),
            Err(Error::Truncated {
                needed: 12,
                available: 11
            })
        );
        // The repr refuses what its view refuses, with the view's error.
        assert_eq!(
            Control::parse(&REPLY[..3]),
            Err(Error::Truncated {
                needed: 12,
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
