//! Cloud control, snapshot and recipe dispatch with their answers, type 11 (spec 7.3.7–7.3.12;
//! compat §7.4), and the same envelope for the video types 200/201 (spec 7.3.25, 7.3.26).

//!
//! The body is [`Control`](crate::Control), its view [`ControlBody`](crate::ControlBody): one
//! layout for LAN type 4 and WAN 11/200/201.

#[cfg(test)]
mod tests {
    use crate::{BizCode, Control, ControlBody, Error};

    #[test]
    fn layout() {
        // spec 7.3.7 / compat §15 item 11: ts 0x5F5E1000, biz 1004 (ec 03), serial 1, "{}"
        let bytes = b"\x00\x10\x5e\x5f\xec\x03\x00\x00\x01\x00\x00\x00{}";
        let c = Control::parse(bytes).unwrap();
        assert_eq!(c.timestamp, 0x5f5e_1000);
        assert_eq!(c.biz_code, BizCode::Snapshot);
        assert_eq!(c.serial, 1);
        assert_eq!(c.data, b"{}");
        let mut buf = [0xa5; 14];
        assert_eq!(c.emit(&mut buf), Ok(14));
        assert_eq!(&buf, bytes);
        let a = c.answer(5, b"x");
        assert_eq!(a.biz_code, BizCode::SnapshotResponse);
        assert_eq!(a.serial, 1);
        let v = ControlBody::new_checked(&bytes[..]).unwrap();
        assert_eq!(v.biz_code(), BizCode::Snapshot);
        assert_eq!(v.data(), b"{}");
        let mut raw = *bytes;
        ControlBody::new_unchecked(&mut raw[..])
            .set_biz_code(BizCode::from(7))
            .unwrap();
        assert_eq!(&raw[4..8], &[7, 0, 0, 0]);
        // A setter on a buffer too short for its field says so and writes nothing.
        let before = raw;
        assert_eq!(
            ControlBody::new_unchecked(&mut raw[..7]).set_biz_code(BizCode::Control),
            Err(Error::Truncated {
                needed: 8,
                available: 7
            })
        );
        assert_eq!(
            ControlBody::new_unchecked(&mut raw[..3]).set_timestamp(9),
            Err(Error::Truncated {
                needed: 4,
                available: 3
            })
        );
        assert_eq!(raw, before);
        // The repr refuses what its view refuses, with the view's error.
        assert_eq!(
            Control::parse(&bytes[..11]),
            Err(Error::Truncated {
                needed: 12,
                available: 11
            })
        );
    }
}
