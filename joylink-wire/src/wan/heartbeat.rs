//! Heartbeat, type 10 (spec 7.3.3, 7.3.4; compat §7.2), and the `{timestamp, code}` answer the
//! cloud also sends for types 12 and 110.

use crate::ResponseCode;
use crate::view::body_view;

body_view! {
    /// View of a device heartbeat (spec 7.3.3): `timestamp u32, version u16, rssi u16`.
    pub struct HeartbeatBody, min_len = 8;
    ints {
        /// Device time.
        timestamp, set_timestamp: u32 as u32 @ 0,
        /// Firmware version number (as registered in the cloud).
        version, set_version: u16 as u16 @ 4,
        /// Signal strength 0–100 (shipped devices send 1).
        rssi, set_rssi: u16 as u16 @ 6,
    }
    texts {}
    repr Heartbeat, "heartbeat";
}

body_view! {
    /// View of the cloud's `{timestamp u32, code u32}` answer (spec 7.3.4, 7.3.6, 7.3.16).
    pub struct CodeResponseBody, min_len = 8;
    ints {
        /// Server time.
        timestamp, set_timestamp: u32 as u32 @ 0,
        /// Result code (spec "响应（Code）码定义").
        code, set_code: ResponseCode as i32 @ 4,
    }
    texts {}
    repr CodeResponse, "code response";
}

/// A device heartbeat (spec 7.3.3, type 10, device → cloud), every ≤ 60 s (the SDK: 15 s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Heartbeat {
    /// Device time.
    pub timestamp: u32,
    /// Firmware version number; must match what the cloud has on record.
    pub version: u16,
    /// Signal strength 0–100 %. compat §7.2 — shipped devices always send 1.
    pub rssi: u16,
}

/// The cloud's `{timestamp, code}` answer to a heartbeat (spec 7.3.4, type 10), an upload (7.3.6,
/// type 12) or a gateway heartbeat (7.3.16, type 110).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CodeResponse {
    /// Server time; shipped devices store it as `cloud_timestamp` (compat §5).
    pub timestamp: u32,
    /// Result code. The spec declares `unsigned int`; the code table has negative values, so
    /// the 4 bytes are read as `i32` (bit-exact either way).
    pub code: ResponseCode,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn heartbeat_layout() {
        // spec 7.3.3: ts 0x5F5E1000, version 8, rssi 1 (compat §15 item 15)
        let bytes = [0x00, 0x10, 0x5e, 0x5f, 0x08, 0x00, 0x01, 0x00];
        let h = Heartbeat::parse(&bytes).unwrap();
        assert_eq!(
            h,
            Heartbeat {
                timestamp: 0x5f5e_1000,
                version: 8,
                rssi: 1
            }
        );
        let mut buf = [0xa5; 8];
        assert_eq!(h.emit(&mut buf), Ok(8));
        assert_eq!(buf, bytes);
        let mut v = HeartbeatBody::new_checked(&mut buf[..]).unwrap();
        assert_eq!(v.version(), 8);
        v.set_rssi(0xffff).unwrap();
        assert_eq!(&buf[6..], &[0xff, 0xff]);
        assert!(HeartbeatBody::new_checked(&bytes[..7]).is_err());
        assert_eq!(
            Heartbeat::parse(&bytes[..7]),
            Err(Error::Truncated {
                needed: 8,
                available: 7
            })
        );
    }

    #[test]
    fn code_response_layout() {
        // spec 7.3.4: ts, code (-1 = ff ff ff ff)
        let bytes = [0x4b, 0x1b, 0x03, 0x70, 0xff, 0xff, 0xff, 0xff];
        let c = CodeResponse::parse(&bytes).unwrap();
        assert_eq!(c.timestamp, 0x7003_1b4b);
        assert_eq!(c.code, ResponseCode::AuthFailed);
        let mut buf = [0xa5; 8];
        c.emit(&mut buf).unwrap();
        assert_eq!(buf, bytes);
        assert_eq!(
            CodeResponseBody::new_unchecked(&bytes).code(),
            ResponseCode::AuthFailed
        );
        assert_eq!(
            CodeResponse::parse(&[0; 12]),
            Err(Error::TrailingData {
                what: "code response",
                len: 4
            })
        );
    }

    /// The one strictness rule: a body declared with a `repr` has no tail, so its view and its
    /// repr accept exactly the same lengths (the fixed length, nothing shorter, nothing longer),
    /// with the same error, and the repr is the view's fields.
    #[test]
    fn view_and_repr_accept_the_same_bytes() {
        use crate::wan::{
            AuthRequest, AuthRequestBody, TaskReportResponse, TaskReportResponseBody,
        };
        macro_rules! same {
            ($view:ident, $repr:ident) => {
                let bytes: std::vec::Vec<u8> = (1..=$repr::LEN as u8 + 3).collect();
                for n in 0..=bytes.len() {
                    let b = &bytes[..n];
                    let view = $view::new_checked(b).and_then(|v| v.to_repr());
                    assert_eq!(view, $repr::parse(b), "{} {n}", stringify!($repr));
                    assert_eq!(view.is_ok(), n == $repr::LEN, "{} {n}", stringify!($repr));
                }
                let r = $repr::parse(&bytes[..$repr::LEN]).unwrap();
                let mut out = [0u8; 64];
                assert_eq!(r.emit(&mut out), Ok($repr::LEN));
                assert_eq!(&out[..$repr::LEN], &bytes[..$repr::LEN]);
                assert!(matches!(
                    $view::new_checked(&bytes[..$repr::LEN + 1]),
                    Err(Error::TrailingData { len: 1, .. })
                ));
            };
        }
        same!(HeartbeatBody, Heartbeat);
        same!(CodeResponseBody, CodeResponse);
        same!(AuthRequestBody, AuthRequest);
        same!(TaskReportResponseBody, TaskReportResponse);
    }
}
