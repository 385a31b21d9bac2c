//! Sealing and opening whole packets: `header ‖ opt ‖ AES(ts ‖ body)` with the CRC (spec 3.1,
//! 4.3, 4.4), in the caller's buffer, without allocating.
//!
//! # Room for the padding
//! An encrypted payload is 1 to 16 bytes longer than its plaintext (PKCS#7, a full block when the
//! plaintext is a multiple of 16). [`sealed_len`] gives the exact packet length [`seal`] writes:
//! `16 + opt.len() + padded_len(4 + body.len())` for the encrypting modes, `16 + opt.len() + 4 +
//! body.len()` for [`Mode::None`]. A buffer of `16 + opt.len() + 4 + body.len() + 16` bytes is
//! always enough.

use joylink_wire::{CrcPolicy, HEADER_LEN, Header, Packet};

use crate::timestamp::{TIMESTAMP_LEN, split_timestamp};
use crate::{Error, Mode, Result};

/// Whether [`open`] insists that the header's `enctype` is the key's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum EncTypeCheck {
    /// Refuse a packet whose `enctype` differs from [`Mode::enc_type`] (the default).
    #[default]
    Match,
    /// Use the caller's key whatever the header says. compat: NOTES.md §3.2/§3.5 — a shipped
    /// device picks the WAN key by packet type and never reads `enctype`; a Rust device talking to
    /// the real cloud should do the same.
    Ignore,
}

/// How [`open`] checks a packet before decrypting it. `From<CrcPolicy>` gives the default
/// [`EncTypeCheck::Match`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct OpenOptions {
    crc: CrcPolicy,
    enc_type: EncTypeCheck,
}

impl OpenOptions {
    /// CRC verified, enctype must match.
    pub const fn new() -> Self {
        Self {
            crc: CrcPolicy::Verify,
            enc_type: EncTypeCheck::Match,
        }
    }

    /// Sets the CRC policy. compat: NOTES.md §2 — the SDK never checks the CRC on receive
    /// (it always computes it correctly when sending).
    #[must_use]
    pub const fn crc(mut self, crc: CrcPolicy) -> Self {
        self.crc = crc;
        self
    }

    /// Sets the enctype check.
    #[must_use]
    pub const fn enc_type(mut self, check: EncTypeCheck) -> Self {
        self.enc_type = check;
        self
    }
}

impl From<CrcPolicy> for OpenOptions {
    fn from(crc: CrcPolicy) -> Self {
        Self::new().crc(crc)
    }
}

/// An opened packet whose plaintext starts with the 4-byte timestamp; slices borrow the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened<'a> {
    /// The header as received.
    pub header: Header,
    /// The `opt` section (e.g. the peer's 21-byte public key for enctype 2).
    pub opt: &'a [u8],
    /// The little-endian timestamp, plaintext bytes 0..4 (NOTES.md §5).
    pub timestamp: u32,
    /// The plaintext after the timestamp.
    pub body: &'a [u8],
    /// Whether the CRC matched (`true` under [`CrcPolicy::Ignore`]).
    pub crc_ok: bool,
}

/// An opened packet with the whole plaintext (for bodies without a timestamp, or WAN structs that
/// parse it themselves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenedPayload<'a> {
    /// The header as received.
    pub header: Header,
    /// The `opt` section.
    pub opt: &'a [u8],
    /// The decrypted payload.
    pub plaintext: &'a [u8],
    /// Whether the CRC matched (`true` under [`CrcPolicy::Ignore`]).
    pub crc_ok: bool,
}

/// Exact length of the packet [`seal`] writes for `opt_len` bytes of opt and `body_len` bytes of
/// body (after the 4-byte timestamp); saturates instead of overflowing.
pub const fn sealed_len(mode: &Mode<'_>, opt_len: usize, body_len: usize) -> usize {
    sealed_payload_len(mode, opt_len, body_len.saturating_add(TIMESTAMP_LEN))
}

/// Exact length of the packet [`seal_payload`] writes for a plaintext of `plaintext_len` bytes.
pub const fn sealed_payload_len(mode: &Mode<'_>, opt_len: usize, plaintext_len: usize) -> usize {
    HEADER_LEN
        .saturating_add(opt_len)
        .saturating_add(mode.payload_len(plaintext_len))
}

/// Writes a sealed packet into `buf`: the header, `opt`, the payload `AES(timestamp_le ‖ body)`
/// and the CRC16 over `opt ‖ payload`; returns its length ([`sealed_len`]).
///
/// From `header` the magic, version, type, total, index and reserved are written as given;
/// `opt_len`, `payload_len` and `crc` are computed and `enctype` is [`Mode::enc_type`].
///
/// ```
/// use joylink_crypto::{open, seal, sealed_len, LocalKey, Mode};
/// use joylink_wire::{CrcPolicy, EncType, Header, Magic, PacketType};
///
/// let key: LocalKey = "be4d957a4da771d609ab383e548014a0".parse()?;
/// let mode = Mode::LocalKey(&key);
/// let header = Header::new(Magic::Lan, PacketType::JsonControl, EncType::PreShared);
/// let body = br#"{"cmd":4,"data":{}}"#;
/// let mut buf = [0u8; 64];
/// let n = seal(&header, &mode, &[], 1_700_000_000, body, &mut buf)?;
/// assert_eq!(n, sealed_len(&mode, 0, body.len())); // 16 + 32
///
/// let opened = open(&mut buf[..n], &mode, CrcPolicy::Verify)?;
/// assert_eq!(opened.timestamp, 1_700_000_000);
/// assert_eq!(opened.body, body);
/// # Ok::<(), joylink_crypto::Error>(())
/// ```
///
/// # Errors
/// [`Error::Wire`]`(TooLong)` when opt or payload exceeds 65535 bytes, [`Error::BufferTooSmall`]
/// when `buf` is shorter than [`sealed_len`]; nothing is written in either case.
pub fn seal(
    header: &Header,
    mode: &Mode<'_>,
    opt: &[u8],
    timestamp: u32,
    body: &[u8],
    buf: &mut [u8],
) -> Result<usize> {
    let plaintext_len = body
        .len()
        .checked_add(TIMESTAMP_LEN)
        .ok_or(Error::BufferTooSmall {
            needed: usize::MAX,
            available: buf.len(),
        })?;
    let payload = prepare(mode, opt, plaintext_len, buf)?;
    if let Some((ts, rest)) = payload.split_first_chunk_mut::<TIMESTAMP_LEN>() {
        *ts = timestamp.to_le_bytes();
        if let Some(dst) = rest.get_mut(..body.len()) {
            dst.copy_from_slice(body);
        }
    }
    finish(header, mode, opt.len(), plaintext_len, buf)
}

/// As [`seal`] for a plaintext written as it is, without a timestamp prefix (or with one the
/// caller already put in, e.g. the first field of a WAN struct).
///
/// # Errors
/// As [`seal`].
pub fn seal_payload(
    header: &Header,
    mode: &Mode<'_>,
    opt: &[u8],
    plaintext: &[u8],
    buf: &mut [u8],
) -> Result<usize> {
    let payload = prepare(mode, opt, plaintext.len(), buf)?;
    if let Some(dst) = payload.get_mut(..plaintext.len()) {
        dst.copy_from_slice(plaintext);
    }
    finish(header, mode, opt.len(), plaintext.len(), buf)
}

/// Checks the room, writes `opt`, and returns the payload region (padded length).
fn prepare<'b>(
    mode: &Mode<'_>,
    opt: &[u8],
    plaintext_len: usize,
    buf: &'b mut [u8],
) -> Result<&'b mut [u8]> {
    let payload_len = mode.payload_len(plaintext_len);
    let total = joylink_wire::packet_len(opt.len(), payload_len)?;
    let available = buf.len();
    let out = buf.get_mut(..total).ok_or(Error::BufferTooSmall {
        needed: total,
        available,
    })?;
    let (_, rest) = out
        .split_at_mut_checked(HEADER_LEN)
        .ok_or(Error::BufferTooSmall {
            needed: total,
            available,
        })?;
    let (o, payload) = rest
        .split_at_mut_checked(opt.len())
        .ok_or(Error::BufferTooSmall {
            needed: total,
            available,
        })?;
    o.copy_from_slice(opt);
    Ok(payload)
}

/// Encrypts the payload written by `prepare`, then writes the header and CRC.
fn finish(
    header: &Header,
    mode: &Mode<'_>,
    opt_len: usize,
    plaintext_len: usize,
    buf: &mut [u8],
) -> Result<usize> {
    let payload_len = mode.payload_len(plaintext_len);
    let total = joylink_wire::packet_len(opt_len, payload_len)?;
    let start = HEADER_LEN.saturating_add(opt_len);
    let payload = buf.get_mut(start..total).ok_or(Error::BufferTooSmall {
        needed: total,
        available: 0,
    })?;
    mode.seal_in_place(payload, plaintext_len)?;
    let full = Header {
        // packet_len() checked that both fit in u16.
        opt_len: u16::try_from(opt_len).unwrap_or(u16::MAX),
        payload_len: u16::try_from(payload_len).unwrap_or(u16::MAX),
        enc_type: mode.enc_type(),
        crc: 0,
        ..*header
    };
    let out = buf.get_mut(..total).ok_or(Error::BufferTooSmall {
        needed: total,
        available: 0,
    })?;
    let mut packet = Packet::new_unchecked(out);
    packet.set_header(&full)?;
    packet.fill_crc()?;
    Ok(total)
}

/// Opens a sealed packet in place: checks the header (magic, `16 + optlen + payloadlen` equal to
/// `buf.len()`), the CRC and the enctype as `options` say, decrypts the payload in place and
/// splits off the timestamp.
///
/// `options` is an [`OpenOptions`] or just a [`CrcPolicy`].
///
/// # Errors
/// [`Error::Wire`] for a bad header, length or (under [`CrcPolicy::Verify`]) CRC;
/// [`Error::EncTypeMismatch`]; [`Error::Decrypt`] (one value for every decryption failure);
/// [`Error::Wire`]`(Truncated)` when the plaintext is shorter than the 4-byte timestamp.
pub fn open<'a>(
    buf: &'a mut [u8],
    mode: &Mode<'_>,
    options: impl Into<OpenOptions>,
) -> Result<Opened<'a>> {
    let p = open_payload(buf, mode, options)?;
    let (timestamp, body) = split_timestamp(p.plaintext)?;
    Ok(Opened {
        header: p.header,
        opt: p.opt,
        timestamp,
        body,
        crc_ok: p.crc_ok,
    })
}

/// As [`open`], returning the whole plaintext without splitting a timestamp off.
///
/// # Errors
/// As [`open`], without the timestamp case.
pub fn open_payload<'a>(
    buf: &'a mut [u8],
    mode: &Mode<'_>,
    options: impl Into<OpenOptions>,
) -> Result<OpenedPayload<'a>> {
    let options = options.into();
    let decoded = joylink_wire::decode(buf, options.crc)?;
    let header = decoded.header;
    let crc_ok = decoded.crc_ok;
    let expected = mode.enc_type();
    if options.enc_type == EncTypeCheck::Match && header.enc_type != expected {
        return Err(Error::EncTypeMismatch {
            expected,
            found: header.enc_type,
        });
    }
    let opt_end = HEADER_LEN.saturating_add(usize::from(header.opt_len));
    let (front, payload) =
        buf.split_at_mut_checked(opt_end)
            .ok_or(Error::Wire(joylink_wire::Error::Truncated {
                needed: opt_end,
                available: 0,
            }))?;
    let opt = front.get(HEADER_LEN..).unwrap_or_default();
    let plaintext = mode.open_in_place(payload)?;
    Ok(OpenedPayload {
        header,
        opt,
        plaintext,
        crc_ok,
    })
}
