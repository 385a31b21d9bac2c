//! tokio-util codecs: WAN frames over a TCP stream ([`WanCodec`]) and LAN datagrams for
//! `UdpFramed` ([`LanCodec`]).
//!
//! Both are thin: the framing rules (magic, exact `16 + optlen + payloadlen` lengths, the bound,
//! resynchronisation after garbage) live in [`joylink_wire::BytesFrameDecoder`].

use bytes::{Bytes, BytesMut};
use joylink_wire::bytes;
use joylink_wire::{BytesFrameDecoder, HEADER_LEN, Magic};
use tokio_util::codec::{Decoder, Encoder};

use crate::Error;

/// The default bound on one WAN frame: the device machine's receive buffer (2048 bytes). A
/// header announcing more is refused as soon as its 16 bytes are in, so a peer cannot make the
/// reader buffer more than this (plus one socket read).
pub const DEFAULT_MAX_FRAME: usize = 2048;

/// The largest LAN datagram accepted (one UDP payload on an Ethernet MTU).
pub const MAX_LAN_DATAGRAM: usize = 1472;

/// WAN frames (`0x123455CC`, spec 3.1) over a byte stream: each item is one whole packet
/// (`header ‖ opt ‖ payload`), split off the read buffer without copying so it can be opened in
/// place. Encoding appends a sealed packet as is.
///
/// On a bad magic or an over-long header, `decode` returns the error once and has already moved
/// past the bad bytes (compat §8: the SDK hunts for the next magic); `FramedRead` ends the
/// stream on the first error, the drivers of this crate decide per connection state instead.
///
/// # Examples
/// ```
/// use joylink_tokio::codec::WanCodec;
/// use joylink_wire::bytes::BytesMut;
/// use tokio_util::codec::Decoder;
///
/// let mut codec = WanCodec::new(2048);
/// // A header announcing 65 535 + 65 535 bytes is refused at once.
/// let mut buf = BytesMut::from(&[0xcc, 0x55, 0x34, 0x12, 0xff, 0xff, 0xff, 0xff, 1, 10, 0, 0, 4, 0, 0, 0][..]);
/// assert!(codec.decode(&mut buf).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct WanCodec {
    inner: BytesFrameDecoder,
}

impl WanCodec {
    /// Frames of at most `max_frame_len` bytes (at least a header).
    #[must_use]
    pub fn new(max_frame_len: usize) -> Self {
        Self {
            inner: BytesFrameDecoder::new(max_frame_len),
        }
    }

    /// Bytes dropped so far while hunting for a magic.
    #[must_use]
    pub fn skipped(&self) -> u64 {
        self.inner.skipped()
    }

    /// The frame bound.
    #[must_use]
    pub fn max_frame_len(&self) -> usize {
        self.inner.max_frame_len()
    }
}

impl Default for WanCodec {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_FRAME)
    }
}

impl Decoder for WanCodec {
    type Item = BytesMut;
    type Error = Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, Error> {
        Ok(self.inner.decode(src)?)
    }
}

impl Encoder<&[u8]> for WanCodec {
    type Error = Error;

    fn encode(&mut self, item: &[u8], dst: &mut BytesMut) -> Result<(), Error> {
        dst.extend_from_slice(item);
        Ok(())
    }
}

impl Encoder<Bytes> for WanCodec {
    type Error = Error;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), Error> {
        dst.extend_from_slice(&item);
        Ok(())
    }
}

/// LAN packets (`0x123455BB`, spec 3.1) for `tokio_util::udp::UdpFramed`: one packet per
/// datagram. A datagram that does not hold exactly one whole packet of at most
/// [`MAX_LAN_DATAGRAM`] bytes is an error for that datagram only (UDP has no stream to resync:
/// the rest of the datagram is dropped).
///
/// # Examples
/// ```
/// use joylink_tokio::codec::LanCodec;
/// use joylink_wire::bytes::BytesMut;
/// use tokio_util::codec::Decoder;
///
/// // A discovery request `{}`.
/// let scan = [0xbb, 0x55, 0x34, 0x12, 0, 0, 2, 0, 1, 1, 0, 0, 0, 0, 0x96, 0x66, b'{', b'}'];
/// let mut buf = BytesMut::from(&scan[..]);
/// assert_eq!(LanCodec::default().decode(&mut buf).unwrap().as_deref(), Some(&scan[..]));
/// ```
#[derive(Debug, Clone)]
pub struct LanCodec {
    inner: BytesFrameDecoder,
}

impl Default for LanCodec {
    fn default() -> Self {
        Self {
            inner: BytesFrameDecoder::new(MAX_LAN_DATAGRAM).with_magic(Magic::Lan),
        }
    }
}

impl Decoder for LanCodec {
    type Item = BytesMut;
    type Error = Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<BytesMut>, Error> {
        if src.is_empty() {
            return Ok(None);
        }
        // A fresh decoder per datagram: no hunting state carries over between datagrams.
        self.inner = BytesFrameDecoder::new(MAX_LAN_DATAGRAM).with_magic(Magic::Lan);
        let actual = src.len();
        let r = self.inner.decode(src);
        let whole = src.is_empty();
        src.clear();
        match r? {
            Some(frame) if whole && frame.len() >= HEADER_LEN => Ok(Some(frame)),
            frame => Err(Error::Wire(joylink_wire::Error::LengthMismatch {
                declared: frame.map_or(0, |f| f.len()),
                actual,
            })),
        }
    }
}

impl Encoder<&[u8]> for LanCodec {
    type Error = Error;

    fn encode(&mut self, item: &[u8], dst: &mut BytesMut) -> Result<(), Error> {
        dst.extend_from_slice(item);
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const SCAN: [u8; 18] = [
        0xbb, 0x55, 0x34, 0x12, 0, 0, 2, 0, 1, 1, 0, 0, 0, 0, 0x96, 0x66, b'{', b'}',
    ];

    fn wan(payload: &[u8]) -> Vec<u8> {
        let mut v = vec![0xcc, 0x55, 0x34, 0x12, 0, 0];
        v.extend_from_slice(&u16::try_from(payload.len()).unwrap().to_le_bytes());
        v.extend_from_slice(&[1, 10, 0, 0, 4, 0, 0, 0]);
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn wan_frames_split_across_reads_and_after_garbage() {
        let mut c = WanCodec::new(64);
        let one = wan(b"abcd");
        let mut buf = BytesMut::new();
        buf.extend_from_slice(b"garbage!");
        buf.extend_from_slice(&one[..10]);
        assert!(c.decode(&mut buf).is_err());
        assert_eq!(c.decode(&mut buf).unwrap(), None);
        buf.extend_from_slice(&one[10..]);
        assert_eq!(c.decode(&mut buf).unwrap().as_deref(), Some(&one[..]));
        assert!(c.skipped() >= 8);
    }

    #[test]
    fn wan_bound_holds() {
        let mut c = WanCodec::new(64);
        let mut buf = BytesMut::from(&wan(&[7u8; 49])[..]);
        assert!(c.decode(&mut buf).is_err());
        let mut buf = BytesMut::from(&wan(&[7u8; 48])[..]);
        assert_eq!(c.decode(&mut buf).unwrap().map(|f| f.len()), Some(64));
    }

    #[test]
    fn lan_one_packet_per_datagram() {
        let mut c = LanCodec::default();
        let mut buf = BytesMut::from(&SCAN[..]);
        assert_eq!(c.decode(&mut buf).unwrap().as_deref(), Some(&SCAN[..]));
        // Trailing bytes, a truncated packet, a WAN magic: errors, and the datagram is gone.
        for bad in [[&SCAN[..], b"x"].concat(), SCAN[..17].to_vec(), wan(b"{}")] {
            let mut buf = BytesMut::from(&bad[..]);
            assert!(c.decode(&mut buf).is_err(), "{bad:?}");
            assert!(buf.is_empty());
        }
        let mut buf = BytesMut::from(&SCAN[..]);
        assert!(c.decode(&mut buf).unwrap().is_some());
    }
}
