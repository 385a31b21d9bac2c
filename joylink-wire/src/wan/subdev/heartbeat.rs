//! Gateway heartbeat with its sub-devices, type 110 (spec 7.3.15; compat §7.5).

use super::SubDevList;
use crate::Result;
use crate::codec::Writer;
use crate::view::body_view;

/// Length of the packed type 110 header `timestamp, version, rssi, num`.
pub const SUBDEV_HEARTBEAT_HEADER_LEN: usize = 10;

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
/// [`CodeResponse`](crate::wan::CodeResponse) (7.3.16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubDevHeartbeat<'a> {
    /// Device time.
    pub timestamp: u32,
    /// The gateway's firmware version.
    pub version: u16,
    /// The gateway's rssi. compat: compat §7.5 — the SDK sends 0.
    pub rssi: u16,
    /// Every sub-device (compat: compat §7.5 — all of them, not only the online ones as the
    /// spec's comment on `num` says); `num` is its length.
    pub devices: SubDevList<'a>,
}

impl<'a> SubDevHeartbeat<'a> {
    /// Parses a body through its view [`SubDevHeartbeatBody`].
    ///
    /// # Errors
    /// [`Error::Truncated`](crate::Error::Truncated) (also when `num` claims more records than present),
    /// [`Error::TrailingData`](crate::Error::TrailingData).
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let view = SubDevHeartbeatBody::new_checked(bytes)?;
        Ok(Self {
            timestamp: view.timestamp(),
            version: view.version(),
            rssi: view.rssi(),
            devices: view.devices()?,
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
    /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall), [`Error::TooLong`](crate::Error::TooLong) (more than 65535 records, a feed id over
    /// 32 bytes); nothing written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        self.devices.check()?;
        let num = self.devices.num()?;
        let mut w = Writer::new(crate::wan::room(self.buffer_len(), buf)?);
        w.u32_le(self.timestamp)?;
        w.u16_le(self.version)?;
        w.u16_le(self.rssi)?;
        w.u16_le(num)?;
        self.devices.write(&mut w, None)?;
        Ok(w.written())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{SubDevOnline, test_record as record};
    use super::*;
    use crate::Error;
    use std::vec;
    use std::vec::Vec;
    #[test]
    fn heartbeat_layout_packed() {
        // spec 7.3.15 packed (compat §7.5): 10-byte header + 37-byte records
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
        assert_eq!(devs[1].state, SubDevOnline::Offline);
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
}
