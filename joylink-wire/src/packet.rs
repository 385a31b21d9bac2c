//! Whole packets, `packet_t ‖ opt ‖ payload` (spec 3.1–3.4): a zero-copy view, a checked decode
//! and an emitter into caller memory.
//!
//! Two levels, as in smoltcp: [`Packet`] is a view over a buffer for callers that read or patch
//! single fields (route on `type`, fix `index`, refresh the CRC after encrypting in place);
//! [`parse`] / [`emit`] work with the plain-data [`Header`] and borrowed `opt`/`payload` slices.

use crate::codec::Writer;
use crate::codes::{EncType, Magic, PacketType};
use crate::crc::{Crc16, CrcPolicy};
use crate::error::{Error, Result};
use crate::header::{HEADER_LEN, Header, field};

/// Largest `opt` or `payload` section: the length fields are `u16`.
pub const MAX_SECTION_LEN: usize = u16::MAX as usize;

/// Largest packet the header can describe: `16 + 65535 + 65535` bytes.
pub const MAX_PACKET_LEN: usize = HEADER_LEN + 2 * MAX_SECTION_LEN;

/// Length of a packet with the given section lengths, `16 + opt_len + payload_len`.
///
/// # Errors
/// [`Error::TooLong`] when a section exceeds 65535 bytes (its `u16` length field).
///
/// # Examples
/// ```
/// assert_eq!(joylink_wire::packet_len(20, 16), Ok(52));
/// assert!(joylink_wire::packet_len(70_000, 0).is_err());
/// ```
pub const fn packet_len(opt_len: usize, payload_len: usize) -> Result<usize> {
    if opt_len > MAX_SECTION_LEN {
        return Err(Error::TooLong {
            field: "opt",
            len: opt_len,
            max: MAX_SECTION_LEN,
        });
    }
    if payload_len > MAX_SECTION_LEN {
        return Err(Error::TooLong {
            field: "payload",
            len: payload_len,
            max: MAX_SECTION_LEN,
        });
    }
    // Both terms are at most 65535, so the sum is at most MAX_PACKET_LEN.
    Ok(HEADER_LEN
        .saturating_add(opt_len)
        .saturating_add(payload_len))
}

/// A read/write view of a packet in a buffer (spec 3.1), smoltcp style.
///
/// After [`Packet::new_checked`] (or a successful [`Packet::check_len`]) every accessor returns the
/// field's value. Accessors never panic even on a view made with [`Packet::new_unchecked`] over a
/// short or inconsistent buffer; they then return unspecified values (zeros, empty slices), so
/// check first. Setters never drop a write silently: a field the buffer does not hold is
/// [`Error::Truncated`] and nothing is written. `set_opt_len` and `set_payload_len` can invalidate
/// `check_len`.
///
/// # Examples
/// Patch a field and refresh the CRC in place:
/// ```
/// use joylink_wire::{Packet, PacketType};
///
/// let mut bytes = [0xbb, 0x55, 0x34, 0x12, 0, 0, 2, 0, 1, 1, 0, 0, 0, 0, 0x96, 0x66, b'{', b'}'];
/// let mut p = Packet::new_checked(&mut bytes[..])?;
/// assert_eq!(p.packet_type(), PacketType::Scan);
/// assert!(p.crc_ok());
/// p.payload_mut().copy_from_slice(b"[]");
/// assert!(!p.crc_ok());
/// p.fill_crc()?;
/// assert!(p.crc_ok());
/// # Ok::<(), joylink_wire::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checks; see [`Packet::check_len`].
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wraps a buffer and checks it with [`Packet::check_len`].
    ///
    /// # Errors
    /// As [`Packet::check_len`].
    pub fn new_checked(buffer: T) -> Result<Packet<T>> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the buffer holds exactly one packet: at least 16 bytes, a LAN or WAN magic,
    /// and a length of exactly `16 + optlen + payloadlen` (the SDK drops datagrams with trailing
    /// bytes, compat §1). The CRC is not checked here (see [`parse`], [`Packet::crc_ok`]).
    ///
    /// # Errors
    /// [`Error::Truncated`] (shorter than a header), [`Error::BadMagic`],
    /// [`Error::LengthMismatch`] (length differs from what the header declares).
    pub fn check_len(&self) -> Result<()> {
        let buf = self.buffer.as_ref();
        if buf.len() < HEADER_LEN {
            return Err(Error::Truncated {
                needed: HEADER_LEN,
                available: buf.len(),
            });
        }
        Magic::from_value(self.magic_value())?;
        let declared = self.total_len();
        if declared != buf.len() {
            return Err(Error::LengthMismatch {
                declared,
                actual: buf.len(),
            });
        }
        Ok(())
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn byte(&self, at: usize) -> u8 {
        self.buffer.as_ref().get(at).copied().unwrap_or(0)
    }

    fn u16_at(&self, at: core::ops::Range<usize>) -> u16 {
        self.buffer
            .as_ref()
            .get(at)
            .and_then(|b| b.first_chunk::<2>())
            .map_or(0, |b| u16::from_le_bytes(*b))
    }

    /// The whole header as plain data.
    pub fn header(&self) -> Header {
        Header {
            magic: self.magic(),
            opt_len: self.opt_len(),
            payload_len: self.payload_len(),
            version: self.version(),
            packet_type: self.packet_type(),
            total: self.total(),
            index: self.index(),
            enc_type: self.enc_type(),
            reserved: self.reserved(),
            crc: self.crc(),
        }
    }

    /// The raw `magic` value.
    pub fn magic_value(&self) -> u32 {
        self.buffer
            .as_ref()
            .get(field::MAGIC)
            .and_then(|b| b.first_chunk::<4>())
            .map_or(0, |b| u32::from_le_bytes(*b))
    }

    /// The `magic` (checked by [`Packet::check_len`]; on an unchecked view with another value this
    /// reports [`Magic::Lan`] — use [`Packet::magic_value`] for the raw number).
    pub fn magic(&self) -> Magic {
        Magic::from_value(self.magic_value()).unwrap_or(Magic::Lan)
    }

    /// `optlen`.
    #[doc(alias = "optlen")]
    pub fn opt_len(&self) -> u16 {
        self.u16_at(field::OPT_LEN)
    }

    /// `payloadlen`.
    #[doc(alias = "payloadlen")]
    pub fn payload_len(&self) -> u16 {
        self.u16_at(field::PAYLOAD_LEN)
    }

    /// `version`.
    pub fn version(&self) -> u8 {
        self.byte(field::VERSION)
    }

    /// `type`.
    #[doc(alias = "type")]
    pub fn packet_type(&self) -> PacketType {
        PacketType::from_value(self.byte(field::TYPE))
    }

    /// `total` (fragment count).
    pub fn total(&self) -> u8 {
        self.byte(field::TOTAL)
    }

    /// `index` (1-based fragment index).
    pub fn index(&self) -> u8 {
        self.byte(field::INDEX)
    }

    /// `enctype`.
    #[doc(alias = "enctype")]
    pub fn enc_type(&self) -> EncType {
        EncType::from_value(self.byte(field::ENC_TYPE))
    }

    /// `reserved`.
    pub fn reserved(&self) -> u8 {
        self.byte(field::RESERVED)
    }

    /// The `crc` field as stored.
    pub fn crc(&self) -> u16 {
        self.u16_at(field::CRC)
    }

    /// `16 + optlen + payloadlen`, from the header fields.
    pub fn total_len(&self) -> usize {
        HEADER_LEN
            .saturating_add(usize::from(self.opt_len()))
            .saturating_add(usize::from(self.payload_len()))
    }

    /// CRC16 of everything after the header (`opt ‖ payload` on a checked view, spec 3.2).
    pub fn computed_crc(&self) -> u16 {
        let body = self.buffer.as_ref().get(HEADER_LEN..).unwrap_or(&[]);
        let mut c = Crc16::new();
        c.update(body);
        c.finish()
    }

    /// `true` when the `crc` field equals [`Packet::computed_crc`].
    pub fn crc_ok(&self) -> bool {
        self.crc() == self.computed_crc()
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Packet<&'a T> {
    fn section(&self, start: usize, len: u16) -> &'a [u8] {
        let buf: &'a [u8] = self.buffer.as_ref();
        start
            .checked_add(usize::from(len))
            .and_then(|end| buf.get(start..end))
            .unwrap_or(&[])
    }

    /// The `opt` section, borrowed from the buffer (outlives the view).
    pub fn opt(&self) -> &'a [u8] {
        self.section(HEADER_LEN, self.opt_len())
    }

    /// The `payload` section, borrowed from the buffer (outlives the view).
    pub fn payload(&self) -> &'a [u8] {
        let start = HEADER_LEN.saturating_add(usize::from(self.opt_len()));
        self.section(start, self.payload_len())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn set_byte(&mut self, at: usize, v: u8) -> Result<()> {
        self.set_bytes(at..at.saturating_add(1), &[v])
    }

    fn set_bytes(&mut self, at: core::ops::Range<usize>, v: &[u8]) -> Result<()> {
        let buf = self.buffer.as_mut();
        let available = buf.len();
        match buf.get_mut(at.clone()) {
            Some(b) if b.len() == v.len() => {
                b.copy_from_slice(v);
                Ok(())
            }
            _ => Err(Error::Truncated {
                needed: at.end,
                available,
            }),
        }
    }

    /// Sets `magic`.
    pub fn set_magic(&mut self, magic: Magic) -> Result<()> {
        self.set_bytes(field::MAGIC, &magic.to_bytes())
    }

    /// Sets `optlen` (may invalidate [`Packet::check_len`]).
    pub fn set_opt_len(&mut self, len: u16) -> Result<()> {
        self.set_bytes(field::OPT_LEN, &len.to_le_bytes())
    }

    /// Sets `payloadlen` (may invalidate [`Packet::check_len`]).
    pub fn set_payload_len(&mut self, len: u16) -> Result<()> {
        self.set_bytes(field::PAYLOAD_LEN, &len.to_le_bytes())
    }

    /// Sets `version`.
    pub fn set_version(&mut self, v: u8) -> Result<()> {
        self.set_byte(field::VERSION, v)
    }

    /// Sets `type`.
    pub fn set_packet_type(&mut self, t: PacketType) -> Result<()> {
        self.set_byte(field::TYPE, t.value())
    }

    /// Sets `total`.
    pub fn set_total(&mut self, v: u8) -> Result<()> {
        self.set_byte(field::TOTAL, v)
    }

    /// Sets `index`.
    pub fn set_index(&mut self, v: u8) -> Result<()> {
        self.set_byte(field::INDEX, v)
    }

    /// Sets `enctype`.
    pub fn set_enc_type(&mut self, e: EncType) -> Result<()> {
        self.set_byte(field::ENC_TYPE, e.value())
    }

    /// Sets `reserved`.
    pub fn set_reserved(&mut self, v: u8) -> Result<()> {
        self.set_byte(field::RESERVED, v)
    }

    /// Sets the `crc` field.
    pub fn set_crc(&mut self, crc: u16) -> Result<()> {
        self.set_bytes(field::CRC, &crc.to_le_bytes())
    }

    /// Writes every header field of `header` as given (lengths and CRC included).
    ///
    /// # Errors
    /// [`Error::Truncated`] (nothing written) when the buffer is shorter than a header.
    pub fn set_header(&mut self, header: &Header) -> Result<()> {
        let buf = self.buffer.as_mut();
        let available = buf.len();
        let out = buf.get_mut(..HEADER_LEN).ok_or(Error::Truncated {
            needed: HEADER_LEN,
            available,
        })?;
        header.emit(out).map(|_| ())
    }

    /// The `opt` section, mutable.
    pub fn opt_mut(&mut self) -> &mut [u8] {
        let len = usize::from(self.opt_len());
        let buf = self.buffer.as_mut();
        match HEADER_LEN.checked_add(len) {
            Some(end) if end <= buf.len() => buf.get_mut(HEADER_LEN..end).unwrap_or_default(),
            _ => &mut [],
        }
    }

    /// The `payload` section, mutable (for encrypting in place).
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = HEADER_LEN.saturating_add(usize::from(self.opt_len()));
        let len = usize::from(self.payload_len());
        let buf = self.buffer.as_mut();
        match start.checked_add(len) {
            Some(end) if end <= buf.len() => buf.get_mut(start..end).unwrap_or_default(),
            _ => &mut [],
        }
    }

    /// Computes the CRC over `opt ‖ payload` and stores it in the `crc` field (spec 1.2, 3.2).
    ///
    /// # Errors
    /// [`Error::Truncated`] (nothing written) when the buffer does not hold the `opt` and
    /// `payload` the header declares: a CRC over part of them would be wrong.
    pub fn fill_crc(&mut self) -> Result<()> {
        let available = self.buffer.as_ref().len();
        let needed = self.total_len();
        if available < needed {
            return Err(Error::Truncated { needed, available });
        }
        let crc = self.computed_crc();
        self.set_crc(crc)
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// A decoded packet: the header and its sections, borrowed from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed<'a> {
    /// The header as received (its `crc` is the stored value).
    pub header: Header,
    /// The `opt` section.
    pub opt: &'a [u8],
    /// The `payload` section (still encrypted when `enc_type` is not `None`).
    pub payload: &'a [u8],
    /// What the CRC check found: [`CrcStatus::Verified`] under [`CrcPolicy::Verify`] (a mismatch
    /// is an error there), verified or [`CrcStatus::Mismatch`] under [`CrcPolicy::Report`],
    /// [`CrcStatus::NotChecked`] under [`CrcPolicy::Ignore`].
    pub crc_status: CrcStatus,
}

/// The outcome of the CRC check of a received packet (spec 1.2, 3.2), as the [`CrcPolicy`] asked
/// for it.
///
/// Three states rather than a `bool`, because "not computed" ([`CrcPolicy::Ignore`]) is neither
/// a match nor a mismatch: a caller that logs or forwards the packet must not claim a check that
/// did not happen.
///
/// # Examples
/// ```
/// use joylink_wire::{parse, CrcPolicy, CrcStatus};
///
/// let mut bytes = [0xbb, 0x55, 0x34, 0x12, 0, 0, 2, 0, 1, 1, 0, 0, 0, 0, 0x96, 0x66, b'{', b'}'];
/// assert_eq!(parse(&bytes, CrcPolicy::Verify)?.crc_status, CrcStatus::Verified);
/// bytes[14] ^= 1; // corrupt the stored CRC
/// assert_eq!(parse(&bytes, CrcPolicy::Report)?.crc_status, CrcStatus::Mismatch);
/// assert_eq!(parse(&bytes, CrcPolicy::Ignore)?.crc_status, CrcStatus::NotChecked);
/// assert!(parse(&bytes, CrcPolicy::Verify).is_err());
/// # Ok::<(), joylink_wire::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum CrcStatus {
    /// The CRC was computed and equals the header's `crc`.
    Verified,
    /// The CRC was computed and differs from the header's `crc` (only under
    /// [`CrcPolicy::Report`]; [`CrcPolicy::Verify`] returns an error instead).
    Mismatch,
    /// The CRC was not computed ([`CrcPolicy::Ignore`]).
    NotChecked,
}

impl CrcStatus {
    /// The status of a CRC that was computed: verified when `matched`, a mismatch otherwise.
    pub const fn from_match(matched: bool) -> Self {
        if matched {
            CrcStatus::Verified
        } else {
            CrcStatus::Mismatch
        }
    }

    /// `true` only when the CRC was computed and matched.
    pub const fn is_verified(self) -> bool {
        matches!(self, CrcStatus::Verified)
    }

    /// `true` only when the CRC was computed and did not match.
    pub const fn is_mismatch(self) -> bool {
        matches!(self, CrcStatus::Mismatch)
    }

    /// The combined status of several packets (the fragments of one message): a mismatch if any
    /// is one, else not checked if any was not checked, else verified.
    #[must_use]
    pub const fn and(self, other: Self) -> Self {
        match (self, other) {
            (CrcStatus::Mismatch, _) | (_, CrcStatus::Mismatch) => CrcStatus::Mismatch,
            (CrcStatus::NotChecked, _) | (_, CrcStatus::NotChecked) => CrcStatus::NotChecked,
            (CrcStatus::Verified, CrcStatus::Verified) => CrcStatus::Verified,
        }
    }

    /// Lower-case name for logs and JSON output: `verified`, `mismatch`, `not_checked`.
    pub const fn as_str(self) -> &'static str {
        match self {
            CrcStatus::Verified => "verified",
            CrcStatus::Mismatch => "mismatch",
            CrcStatus::NotChecked => "not_checked",
        }
    }
}

impl core::fmt::Display for CrcStatus {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Decodes one complete packet from `buf`, borrowing `opt` and `payload` (spec 3.1–3.4).
///
/// `buf` must hold exactly one packet (a UDP datagram, or a frame from
/// [`FrameDecoder`](crate::FrameDecoder)). Unknown `type` and `enctype` values decode as `Unknown`;
/// the caller decides.
///
/// # Errors
/// [`Error::Truncated`], [`Error::BadMagic`], [`Error::LengthMismatch`] as
/// [`Packet::check_len`]; [`Error::CrcMismatch`] under [`CrcPolicy::Verify`].
///
/// # Examples
/// ```
/// use joylink_wire::{parse, CrcPolicy, PacketType};
///
/// let bytes = [0xbb, 0x55, 0x34, 0x12, 0, 0, 2, 0, 1, 1, 0, 0, 0, 0, 0x96, 0x66, b'{', b'}'];
/// let d = parse(&bytes, CrcPolicy::Verify)?;
/// assert_eq!(d.header.packet_type, PacketType::Scan);
/// assert_eq!(d.payload, b"{}");
/// assert!(d.opt.is_empty());
/// # Ok::<(), joylink_wire::Error>(())
/// ```
pub fn parse(buf: &[u8], policy: CrcPolicy) -> Result<Parsed<'_>> {
    let packet = Packet::new_checked(buf)?;
    let header = packet.header();
    let crc_status = match policy {
        CrcPolicy::Ignore => CrcStatus::NotChecked,
        CrcPolicy::Report => CrcStatus::from_match(packet.crc_ok()),
        CrcPolicy::Verify => {
            let computed = packet.computed_crc();
            if computed != header.crc {
                return Err(Error::CrcMismatch {
                    expected: header.crc,
                    computed,
                });
            }
            CrcStatus::Verified
        }
    };
    Ok(Parsed {
        header,
        opt: packet.opt(),
        payload: packet.payload(),
        crc_status,
    })
}

/// Writes `header ‖ opt ‖ payload` into `buf` and returns the packet length (spec 3.1).
///
/// The header's `opt_len`, `payload_len` and `crc` are ignored and written from the sections
/// (CRC16 over `opt ‖ payload`, spec 1.2); every other field is written as given. Bytes of `buf`
/// after the packet are left alone.
///
/// # Errors
/// [`Error::TooLong`] when a section exceeds 65535 bytes, [`Error::BufferTooSmall`] when `buf`
/// is shorter than the packet; nothing is written in either case.
///
/// # Examples
/// ```
/// use joylink_wire::{emit, EncType, Header, Magic, PacketType};
///
/// let header = Header::new(Magic::Lan, PacketType::Scan, EncType::None);
/// let mut buf = [0u8; 64];
/// let n = emit(&header, &[], b"{}", &mut buf)?;
/// // compat §15: the discovery request `{}`, crc 0x6696.
/// assert_eq!(
///     &buf[..n],
///     &[0xbb, 0x55, 0x34, 0x12, 0, 0, 2, 0, 1, 1, 0, 0, 0, 0, 0x96, 0x66, b'{', b'}']
/// );
/// # Ok::<(), joylink_wire::Error>(())
/// ```
pub fn emit(header: &Header, opt: &[u8], payload: &[u8], buf: &mut [u8]) -> Result<usize> {
    let len = packet_len(opt.len(), payload.len())?;
    let available = buf.len();
    let out = buf.get_mut(..len).ok_or(Error::BufferTooSmall {
        needed: len,
        available,
    })?;
    let mut crc = Crc16::new();
    crc.update(opt);
    crc.update(payload);
    let full = Header {
        // packet_len checked both lengths fit in u16.
        opt_len: u16::try_from(opt.len()).unwrap_or(u16::MAX),
        payload_len: u16::try_from(payload.len()).unwrap_or(u16::MAX),
        crc: crc.finish(),
        ..*header
    };
    let mut w = Writer::new(out);
    w.put(&full.to_bytes())?;
    w.put(opt)?;
    w.put(payload)?;
    Ok(w.written())
}

impl core::fmt::Display for Header {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} type={} enctype={} v{} opt={} payload={} total={} index={} reserved={} crc=0x{:04x}",
            self.magic,
            self.packet_type,
            self.enc_type,
            self.version,
            self.opt_len,
            self.payload_len,
            self.total,
            self.index,
            self.reserved,
            self.crc
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // compat §15: discovery request `{}` (crc 0x6696), computed independently.
    static SCAN: [u8; 18] = [
        0xbb, 0x55, 0x34, 0x12, 0x00, 0x00, 0x02, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x96,
        0x66, b'{', b'}',
    ];

    // compat §16.2: WAN auth request (opt = feedid ‖ random 1, payload AES of {ts, random}), as the
    // third-party Python client builds it.
    static AUTH: [u8; 52] = [
        0xcc, 0x55, 0x34, 0x12, 0x14, 0x00, 0x10, 0x00, 0x01, 0x09, 0x00, 0x00, 0x03, 0x00, 0x18,
        0x1d, // header
        b'1', b'2', b'3', b'4', b'5', b'6', b'7', b'8', b'9', b'0', b'1', b'2', b'3', b'4', b'5',
        b'6', 0x01, 0x00, 0x00, 0x00, // opt
        0x0d, 0xca, 0x31, 0xf0, 0x23, 0x1b, 0x64, 0x78, 0xa5, 0xb7, 0x30, 0x84, 0x04, 0xf6, 0x6d,
        0xe9, // payload
    ];

    #[test]
    fn test_deconstruct() {
        let p = Packet::new_checked(&AUTH[..]).unwrap();
        assert_eq!(p.magic(), Magic::Wan);
        assert_eq!(p.opt_len(), 20);
        assert_eq!(p.payload_len(), 16);
        assert_eq!(p.version(), 1);
        assert_eq!(p.packet_type(), PacketType::Auth);
        assert_eq!(p.total(), 0);
        assert_eq!(p.index(), 0);
        assert_eq!(p.enc_type(), EncType::PreShared);
        assert_eq!(p.reserved(), 0);
        assert_eq!(p.crc(), 0x1d18);
        assert_eq!(p.computed_crc(), 0x1d18);
        assert!(p.crc_ok());
        assert_eq!(p.total_len(), 52);
        assert_eq!(p.opt(), &AUTH[16..36]);
        assert_eq!(p.payload(), &AUTH[36..]);
        assert_eq!(p.header(), Header::parse(&AUTH).unwrap());
    }

    #[test]
    fn test_construct() {
        let mut buf = [0xa5u8; 52];
        let mut p = Packet::new_unchecked(&mut buf[..]);
        p.set_magic(Magic::Wan).unwrap();
        p.set_opt_len(20).unwrap();
        p.set_payload_len(16).unwrap();
        p.set_version(1).unwrap();
        p.set_packet_type(PacketType::Auth).unwrap();
        p.set_total(0).unwrap();
        p.set_index(0).unwrap();
        p.set_enc_type(EncType::PreShared).unwrap();
        p.set_reserved(0).unwrap();
        p.opt_mut().copy_from_slice(&AUTH[16..36]);
        p.payload_mut().copy_from_slice(&AUTH[36..]);
        p.fill_crc().unwrap();
        assert_eq!(p.into_inner(), &AUTH[..]);
    }

    #[test]
    fn setters_on_a_short_buffer_fail_and_write_nothing() {
        let mut buf = [0xa5u8; 15];
        let mut p = Packet::new_unchecked(&mut buf[..]);
        let short = Err(Error::Truncated {
            needed: 16,
            available: 15,
        });
        assert_eq!(p.set_crc(7), short);
        assert_eq!(p.set_header(&Header::parse(&AUTH).unwrap()), short);
        assert_eq!(
            p.set_magic(Magic::Lan),
            Ok(()),
            "a field inside the buffer is written"
        );
        assert!(matches!(p.fill_crc(), Err(Error::Truncated { .. })));
        assert_eq!(&buf[4..], &[0xa5; 11]);
        // A header whose sections reach past the buffer: no CRC over half a payload.
        let mut cut = AUTH;
        let mut p = Packet::new_unchecked(&mut cut[..51]);
        assert_eq!(
            p.fill_crc(),
            Err(Error::Truncated {
                needed: 52,
                available: 51
            })
        );
        assert_eq!(cut, AUTH);
    }

    #[test]
    fn test_parse() {
        let d = parse(&AUTH, CrcPolicy::Verify).unwrap();
        assert_eq!(d.header.packet_type, PacketType::Auth);
        assert_eq!(d.opt, &AUTH[16..36]);
        assert_eq!(d.payload, &AUTH[36..]);
        assert_eq!(d.crc_status, CrcStatus::Verified);
    }

    #[test]
    fn test_emit() {
        let h = Header::new(Magic::Wan, PacketType::Auth, EncType::PreShared);
        let mut buf = [0xa5u8; 60];
        let n = emit(&h, &AUTH[16..36], &AUTH[36..], &mut buf).unwrap();
        assert_eq!(n, 52);
        assert_eq!(&buf[..52], &AUTH[..]);
        assert_eq!(&buf[52..], &[0xa5; 8]);
        let n = emit(
            &Header::new(Magic::Lan, PacketType::Scan, EncType::None),
            &[],
            b"{}",
            &mut buf,
        )
        .unwrap();
        assert_eq!(&buf[..n], &SCAN[..]);
    }

    #[test]
    fn emit_ignores_header_lengths_and_crc() {
        let mut h = Header::new(Magic::Lan, PacketType::Scan, EncType::None);
        h.opt_len = 999;
        h.payload_len = 7;
        h.crc = 0x1234;
        let mut buf = [0u8; 18];
        assert_eq!(emit(&h, &[], b"{}", &mut buf), Ok(18));
        assert_eq!(buf, SCAN);
    }

    #[test]
    fn emit_buffer_too_small_writes_nothing() {
        let h = Header::new(Magic::Lan, PacketType::Scan, EncType::None);
        let mut buf = [0xa5u8; 17];
        assert_eq!(
            emit(&h, &[], b"{}", &mut buf),
            Err(Error::BufferTooSmall {
                needed: 18,
                available: 17
            })
        );
        assert_eq!(buf, [0xa5; 17]);
    }

    #[test]
    fn emit_too_long() {
        let h = Header::new(Magic::Lan, PacketType::Scan, EncType::None);
        let big = [0u8; MAX_SECTION_LEN + 1];
        let mut buf = [0u8; 4];
        assert_eq!(
            emit(&h, &big, &[], &mut buf),
            Err(Error::TooLong {
                field: "opt",
                len: 65536,
                max: 65535
            })
        );
        assert_eq!(
            emit(&h, &[], &big, &mut buf),
            Err(Error::TooLong {
                field: "payload",
                len: 65536,
                max: 65535
            })
        );
        assert_eq!(packet_len(65535, 65535), Ok(MAX_PACKET_LEN));
    }

    #[test]
    fn decode_truncated() {
        assert_eq!(
            parse(&SCAN[..10], CrcPolicy::Verify),
            Err(Error::Truncated {
                needed: 16,
                available: 10
            })
        );
    }

    #[test]
    fn decode_bad_magic() {
        let mut b = SCAN;
        b[3] = 0x13;
        assert_eq!(
            parse(&b, CrcPolicy::Ignore),
            Err(Error::BadMagic(0x1334_55bb))
        );
    }

    #[test]
    fn decode_length_mismatch() {
        assert_eq!(
            parse(&SCAN[..17], CrcPolicy::Verify),
            Err(Error::LengthMismatch {
                declared: 18,
                actual: 17
            })
        );
        let mut long = [0u8; 19];
        long[..18].copy_from_slice(&SCAN);
        assert_eq!(
            parse(&long, CrcPolicy::Verify),
            Err(Error::LengthMismatch {
                declared: 18,
                actual: 19
            })
        );
    }

    #[test]
    fn crc_policies() {
        let mut b = SCAN;
        b[17] = b']';
        let computed = crate::crc16(b"{]");
        assert_eq!(
            parse(&b, CrcPolicy::Verify),
            Err(Error::CrcMismatch {
                expected: 0x6696,
                computed
            })
        );
        let d = parse(&b, CrcPolicy::Report).unwrap();
        assert_eq!(d.crc_status, CrcStatus::Mismatch);
        assert_eq!(d.payload, b"{]");
        assert_eq!(
            parse(&b, CrcPolicy::Ignore).unwrap().crc_status,
            CrcStatus::NotChecked
        );
        assert_eq!(
            parse(&SCAN, CrcPolicy::Report).unwrap().crc_status,
            CrcStatus::Verified
        );
    }

    #[test]
    fn unchecked_view_never_panics() {
        let p = Packet::new_unchecked(&[0xffu8; 5][..]);
        assert_eq!(p.opt_len(), 0);
        assert_eq!(p.crc(), 0);
        assert_eq!(p.opt(), &[] as &[u8]);
        assert_eq!(p.payload(), &[] as &[u8]);
        assert_eq!(p.magic(), Magic::Lan);
        let mut b = SCAN;
        b[6] = 0xff; // payloadlen larger than the buffer
        let mut p = Packet::new_unchecked(&mut b[..]);
        assert!(p.payload_mut().is_empty());
        assert!(p.check_len().is_err());
        let _ = p.header();
    }

    #[test]
    fn header_display() {
        use std::string::ToString;
        let h = Header::parse(&SCAN).unwrap();
        assert_eq!(
            h.to_string(),
            "lan (0x123455bb) type=scan (1) enctype=none (0) v1 opt=0 payload=2 total=0 index=0 \
             reserved=0 crc=0x6696"
        );
    }
}
