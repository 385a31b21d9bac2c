//! The 16-byte packet header `packet_t` (spec 3.2), as a plain-data repr.
//!
//! Layout, little-endian as shipped (the SDK `memcpy`s `JLPacketHead_t`, compat §1):
//!
//! | bytes | field | |
//! |---|---|---|
//! | 0–3 | `magic` | `0x123455BB` LAN, `0x123455CC` WAN |
//! | 4–5 | `optlen` | length of `opt` |
//! | 6–7 | `payloadlen` | length of `payload` (after encryption) |
//! | 8 | `version` | 1 |
//! | 9 | `type` | [`PacketType`] |
//! | 10 | `total` | fragment count, 0 (or 1) when unfragmented |
//! | 11 | `index` | 1-based fragment index, 0 when unfragmented |
//! | 12 | `enctype` | [`EncType`] |
//! | 13 | `reserved` | 0; fragment message id in fragmented discovery replies |
//! | 14–15 | `crc` | CRC16 of `opt ‖ payload` (spec 1.2) |

use crate::codec::{Reader, Writer};
use crate::codes::{EncType, Magic, PacketType};
use crate::error::{Error, Result};

/// Byte ranges of the header fields (smoltcp's `mod field`).
pub(crate) mod field {
    use core::ops::Range;

    pub(crate) const MAGIC: Range<usize> = 0..4;
    pub(crate) const OPT_LEN: Range<usize> = 4..6;
    pub(crate) const PAYLOAD_LEN: Range<usize> = 6..8;
    pub(crate) const VERSION: usize = 8;
    pub(crate) const TYPE: usize = 9;
    pub(crate) const TOTAL: usize = 10;
    pub(crate) const INDEX: usize = 11;
    pub(crate) const ENC_TYPE: usize = 12;
    pub(crate) const RESERVED: usize = 13;
    pub(crate) const CRC: Range<usize> = 14..16;
}

/// Length of the header, 16 bytes (spec 3.2).
pub const HEADER_LEN: usize = field::CRC.end;

/// The header `version` every SDK writes and the LAN receiver requires (spec 3.2 "版本号从 1 开始",
/// compat §1).
pub const VERSION: u8 = 1;

/// The packet header `packet_t` (spec 3.2) as plain data.
///
/// `parse` accepts any value in every field except `magic` (the caller decides what to do with an
/// unknown type, a version other than 1, or a fragment); `emit` writes the fields as they are.
///
/// # Examples
/// ```
/// use joylink_wire::{EncType, Header, Magic, PacketType};
///
/// // The discovery request header of compat §15 (crc of `{}`).
/// let bytes = [0xbb, 0x55, 0x34, 0x12, 0, 0, 2, 0, 1, 1, 0, 0, 0, 0, 0x96, 0x66];
/// let h = Header::parse(&bytes)?;
/// assert_eq!(h.magic, Magic::Lan);
/// assert_eq!(h.packet_type, PacketType::Scan);
/// assert_eq!(h.enc_type, EncType::None);
/// assert_eq!((h.payload_len, h.crc), (2, 0x6696));
///
/// let mut out = [0u8; 16];
/// assert_eq!(h.emit(&mut out)?, 16);
/// assert_eq!(out, bytes);
/// # Ok::<(), joylink_wire::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[doc(alias = "packet_t")]
#[doc(alias = "JLPacketHead_t")]
pub struct Header {
    /// LAN or WAN (`magic`).
    pub magic: Magic,
    /// Length of the `opt` section in bytes.
    #[doc(alias = "optlen")]
    pub opt_len: u16,
    /// Length of the `payload` section in bytes (after encryption).
    #[doc(alias = "payloadlen")]
    pub payload_len: u16,
    /// Protocol version; 1 for this format.
    pub version: u8,
    /// Packet type (`type`, spec 3.5).
    #[doc(alias = "type")]
    pub packet_type: PacketType,
    /// Number of fragments; 0 or 1 when unfragmented (compat §1).
    pub total: u8,
    /// 1-based fragment index; 0 when unfragmented.
    pub index: u8,
    /// Encryption of the payload (`enctype`, spec 3.6).
    #[doc(alias = "enctype")]
    pub enc_type: EncType,
    /// Reserved; 0, except the message id shared by the fragments of one discovery reply.
    pub reserved: u8,
    /// CRC16 of `opt ‖ payload` as sent (spec 1.2, 3.2).
    pub crc: u16,
}

impl Header {
    /// A header as the SDK writes an unfragmented packet: `version = 1`, `total = index =
    /// reserved = 0` (compat §14, item 1), lengths and CRC zero (the packet emitter fills them).
    #[must_use]
    pub const fn new(magic: Magic, packet_type: PacketType, enc_type: EncType) -> Self {
        Header {
            magic,
            opt_len: 0,
            payload_len: 0,
            version: VERSION,
            packet_type,
            total: 0,
            index: 0,
            enc_type,
            reserved: 0,
            crc: 0,
        }
    }

    /// Parses the first [`HEADER_LEN`] bytes of `bytes`; anything after them is ignored (it is
    /// the packet's opt and payload).
    ///
    /// # Errors
    /// [`Error::Truncated`] when fewer than 16 bytes are given, [`Error::BadMagic`] when the magic
    /// is neither LAN nor WAN.
    pub fn parse(bytes: &[u8]) -> Result<Header> {
        let mut r = Reader::new(bytes);
        let head = r.take_array::<HEADER_LEN>().map_err(|_| Error::Truncated {
            needed: HEADER_LEN,
            available: bytes.len(),
        })?;
        let mut r = Reader::new(head);
        let magic = Magic::from_value(r.u32_le()?)?;
        Ok(Header {
            magic,
            opt_len: r.u16_le()?,
            payload_len: r.u16_le()?,
            version: r.u8()?,
            packet_type: PacketType::from_value(r.u8()?),
            total: r.u8()?,
            index: r.u8()?,
            enc_type: EncType::from_value(r.u8()?),
            reserved: r.u8()?,
            crc: r.u16_le()?,
        })
    }

    /// Writes the 16 header bytes at the start of `buf` and returns 16.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] when `buf` is shorter than 16 bytes (nothing is written).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let available = buf.len();
        let out = buf.get_mut(..HEADER_LEN).ok_or(Error::BufferTooSmall {
            needed: HEADER_LEN,
            available,
        })?;
        let mut w = Writer::new(out);
        w.u32_le(self.magic.value())?;
        w.u16_le(self.opt_len)?;
        w.u16_le(self.payload_len)?;
        w.u8(self.version)?;
        w.u8(self.packet_type.value())?;
        w.u8(self.total)?;
        w.u8(self.index)?;
        w.u8(self.enc_type.value())?;
        w.u8(self.reserved)?;
        w.u16_le(self.crc)?;
        Ok(w.written())
    }

    /// The header as a 16-byte array (infallible form of [`Header::emit`]).
    #[must_use]
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        // 16 bytes are always enough: the error branch cannot be taken.
        let _ = self.emit(&mut out);
        out
    }

    /// Exact number of bytes [`Header::emit`] writes: 16.
    #[must_use]
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// `16 + optlen + payloadlen`: the length of the whole packet this header announces (at most
    /// 16 + 2 × 65535, so it never overflows).
    #[must_use]
    pub const fn total_len(&self) -> usize {
        // u16 + u16 + 16 fits any usize of at least 32 bits; on 16-bit targets saturate.
        HEADER_LEN
            .saturating_add(self.opt_len as usize)
            .saturating_add(self.payload_len as usize)
    }

    /// `true` when the packet is one fragment of a larger message (`total > 1`); the SDK treats
    /// `total` 0 and 1 as unfragmented (compat §1).
    #[must_use]
    pub const fn is_fragment(&self) -> bool {
        self.total > 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // compat §16.2: WAN auth request header, byte-identical to the third-party Python client's.
    static AUTH: [u8; 16] = [
        0xcc, 0x55, 0x34, 0x12, 0x14, 0x00, 0x10, 0x00, 0x01, 0x09, 0x00, 0x00, 0x03, 0x00, 0x18,
        0x1d,
    ];

    #[test]
    fn test_deconstruct() {
        let h = Header::parse(&AUTH).unwrap();
        assert_eq!(h.magic, Magic::Wan);
        assert_eq!(h.opt_len, 20);
        assert_eq!(h.payload_len, 16);
        assert_eq!(h.version, 1);
        assert_eq!(h.packet_type, PacketType::Auth);
        assert_eq!((h.total, h.index), (0, 0));
        assert_eq!(h.enc_type, EncType::PreShared);
        assert_eq!(h.reserved, 0);
        assert_eq!(h.crc, 0x1d18);
        assert_eq!(h.total_len(), 52);
        assert!(!h.is_fragment());
    }

    #[test]
    fn test_construct() {
        let mut h = Header::new(Magic::Wan, PacketType::Auth, EncType::PreShared);
        h.opt_len = 20;
        h.payload_len = 16;
        h.crc = 0x1d18;
        let mut buf = [0xa5u8; 20];
        assert_eq!(h.emit(&mut buf), Ok(16));
        assert_eq!(&buf[..16], &AUTH);
        assert_eq!(&buf[16..], &[0xa5; 4]);
        assert_eq!(h.to_bytes(), AUTH);
        assert_eq!(h.buffer_len(), 16);
    }

    #[test]
    fn parse_ignores_trailing_bytes_and_keeps_unknown_codes() {
        let mut bytes = [0u8; 20];
        bytes[..16].copy_from_slice(&AUTH);
        bytes[9] = 99;
        bytes[12] = 7;
        bytes[10] = 3;
        let h = Header::parse(&bytes).unwrap();
        assert_eq!(h.packet_type, PacketType::from(99));
        assert_eq!(h.enc_type, EncType::from(7));
        assert!(h.is_fragment());
    }

    #[test]
    fn parse_truncated() {
        assert_eq!(
            Header::parse(&AUTH[..15]),
            Err(Error::Truncated {
                needed: 16,
                available: 15
            })
        );
        assert_eq!(
            Header::parse(&[]),
            Err(Error::Truncated {
                needed: 16,
                available: 0
            })
        );
    }

    #[test]
    fn parse_bad_magic() {
        let mut bytes = AUTH;
        bytes[0] = 0xaa;
        assert_eq!(Header::parse(&bytes), Err(Error::BadMagic(0x1234_55aa)));
    }

    #[test]
    fn emit_buffer_too_small_writes_nothing() {
        let h = Header::parse(&AUTH).unwrap();
        let mut buf = [0xa5u8; 15];
        assert_eq!(
            h.emit(&mut buf),
            Err(Error::BufferTooSmall {
                needed: 16,
                available: 15
            })
        );
        assert_eq!(buf, [0xa5; 15]);
    }
}
