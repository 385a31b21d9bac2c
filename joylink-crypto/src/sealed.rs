//! The one in-place seal and the one in-place open of whole packets: `header ‖ opt ‖
//! AES(plaintext)` with the CRC (spec 3.1, 4.3, 4.4), in the caller's buffer, without allocating.
//! The facade's LAN and WAN paths, the C ABI and the CLI all go through [`seal`] and [`open`].
//!
//! # Room for the padding
//! An encrypted payload is 1 to 16 bytes longer than its plaintext (PKCS#7, a full block when the
//! plaintext is a multiple of 16). [`sealed_len`] gives the exact packet length [`seal`] writes:
//! `16 + opt_len + padded_len(plaintext_len)` for the encrypting modes, `16 + opt_len +
//! plaintext_len` for [`Mode::None`]. A buffer of `16 + opt_len + plaintext_len + 16` bytes is
//! always enough.
//!
//! # What is left in the buffer after an error
//! [`open`] decrypts in place. When it fails with [`Error::Decrypt`] every byte of the payload
//! region of the buffer is zero: no decrypted byte, and no hint of how far decryption got, is left
//! behind. Every other error happens before decryption and leaves the buffer as it was.

use joylink_wire::{HEADER_LEN, Header, Packet, PartialParse};
use zeroize::Zeroize;

use crate::timestamp::TIMESTAMP_LEN;
use crate::{Error, Mode, Result};

/// Whether [`open`] insists that the header's `enctype` is the key's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum EncTypeCheck {
    /// Refuse a packet whose `enctype` differs from [`Mode::enc_type`] (the default).
    #[default]
    Match,
    /// Use the caller's key whatever the header says. compat: a shipped device picks the WAN key
    /// by packet type and never reads `enctype`; a Rust device talking to the real cloud should
    /// do the same.
    Ignore,
}

/// How [`open`] checks and splits a packet. The CRC is checked once, by the
/// [`PartialParse`] that [`open`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OpenOptions {
    enc_type: EncTypeCheck,
    timestamp: bool,
    min_len: usize,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl OpenOptions {
    /// The enctype must match the key's; the plaintext starts with the 4-byte timestamp.
    pub const fn new() -> Self {
        Self {
            enc_type: EncTypeCheck::Match,
            timestamp: true,
            min_len: 0,
        }
    }

    /// Sets the enctype check.
    #[must_use]
    pub const fn enc_type(mut self, check: EncTypeCheck) -> Self {
        self.enc_type = check;
        self
    }

    /// Whether the plaintext starts with the 4-byte little-endian timestamp (spec 4.4; see
    /// `joylink_wire::table` for which packets do). With `true` (the default) a plaintext
    /// shorter than 4 bytes is refused and [`Opened::timestamp`] is set; with `false` the whole
    /// plaintext is the body.
    #[must_use]
    pub const fn timestamp(mut self, timestamp: bool) -> Self {
        self.timestamp = timestamp;
        self
    }

    /// The shortest plaintext the body can have (timestamp included), e.g. the fixed part of a
    /// struct: a shorter one is refused like bad padding, with [`Error::Decrypt`] and a wiped
    /// payload, so that "decrypted, but too short" and "did not decrypt" look the same. The
    /// timestamp alone already asks for 4 bytes.
    #[must_use]
    pub const fn min_len(mut self, min_len: usize) -> Self {
        self.min_len = min_len;
        self
    }

    /// The plaintext length below which [`open`] refuses.
    const fn required_len(&self) -> usize {
        if self.timestamp && self.min_len < TIMESTAMP_LEN {
            TIMESTAMP_LEN
        } else {
            self.min_len
        }
    }
}

/// An opened packet; slices borrow the caller's buffer.
#[derive(Debug, PartialEq, Eq)]
pub struct Opened<'a> {
    /// The header as received.
    pub header: Header,
    /// The `opt` section (e.g. the peer's 21-byte public key for enctype 2).
    pub opt: &'a [u8],
    /// The little-endian timestamp, plaintext bytes 0..4, when opened with
    /// [`OpenOptions::timestamp`]`(true)`.
    pub timestamp: Option<u32>,
    /// The whole decrypted payload, timestamp included (mutable, so a nested layer can be
    /// opened in place: spec 8.2).
    pub plaintext: &'a mut [u8],
    /// What the CRC check found (`NotChecked` under `CrcPolicy::Ignore`).
    pub crc_status: joylink_wire::CrcStatus,
    /// The rest of the payload after the plaintext (the padding), for [`Opened::reject`].
    padding: &'a mut [u8],
    /// Whether the payload was decrypted (a mode other than `None`), for
    /// [`Opened::refuse_short`].
    encrypted: bool,
}

impl Opened<'_> {
    /// Refuses the opened packet the way a failed decryption is refused: wipes the whole payload
    /// (plaintext and padding) and returns [`Error::Decrypt`]. For a layer above that finds the
    /// plaintext too short for its struct, so that "decrypted, but malformed in length" and "did
    /// not decrypt" give the same answer and leave the same buffer.
    #[must_use]
    pub fn reject(self) -> Error {
        self.plaintext.zeroize();
        self.padding.zeroize();
        Error::Decrypt
    }

    /// Types the plaintext with `parse` (for its length only) and refuses a body too short for
    /// its struct the way a failed decryption is refused ([`Opened::reject`]: one
    /// [`Error::Decrypt`], the payload wiped), so a wrong key whose garbage happens to end in
    /// valid padding is not told apart from bad padding by a `Truncated`. A clear payload (mode
    /// `None`) keeps its `Truncated`: nothing secret is involved. Any other result of `parse` —
    /// success or another error — returns the packet unchanged; the caller then parses it for
    /// the lifetime of the buffer (`parse` sees only a short borrow).
    ///
    /// # Errors
    /// [`Error::Decrypt`] for a decrypted body `parse` finds truncated.
    ///
    /// # Examples
    /// ```
    /// use joylink_crypto::{open, seal, AccessKey, Mode, OpenOptions};
    /// use joylink_wire::{CrcPolicy, Header, Magic, PacketType, PartialParse, HEADER_LEN};
    ///
    /// let key: AccessKey = "00112233445566778899aabbccddeeff".parse()?;
    /// let mode = Mode::AccessKey(&key);
    /// let header = Header::new(Magic::Wan, PacketType::Heartbeat, mode.enc_type());
    /// let mut buf = [0u8; 64];
    /// // A heartbeat of 4 bytes where the struct needs 8: refused like a wrong key.
    /// buf[HEADER_LEN..HEADER_LEN + 4].copy_from_slice(&[1, 2, 3, 4]);
    /// let n = seal(&header, &mode, 0, 4, &mut buf)?;
    /// let opened = open(PartialParse::new(&mut buf[..n], CrcPolicy::Verify)?, &mode, OpenOptions::new())?;
    /// let short = |p: &[u8]| if p.len() < 8 {
    ///     Err(joylink_wire::Error::Truncated { needed: 8, available: p.len() })
    /// } else {
    ///     Ok(())
    /// };
    /// assert_eq!(opened.refuse_short(short).err(), Some(joylink_crypto::Error::Decrypt));
    /// # Ok::<(), joylink_crypto::Error>(())
    /// ```
    pub fn refuse_short(
        self,
        parse: impl FnOnce(&[u8]) -> joylink_wire::Result<()>,
    ) -> Result<Self> {
        let short = matches!(
            parse(&*self.plaintext),
            Err(joylink_wire::Error::Truncated { .. })
        );
        if short && self.encrypted {
            Err(self.reject())
        } else {
            Ok(self)
        }
    }

    /// The plaintext after the timestamp (all of it when opened without one).
    pub fn body(&self) -> &[u8] {
        let skip = if self.timestamp.is_some() {
            TIMESTAMP_LEN
        } else {
            0
        };
        self.plaintext.get(skip..).unwrap_or_default()
    }
}

/// Exact length of the packet [`seal`] writes for `opt_len` bytes of opt and a plaintext of
/// `plaintext_len` bytes (timestamp included); saturates instead of overflowing.
pub const fn sealed_len(mode: &Mode<'_>, opt_len: usize, plaintext_len: usize) -> usize {
    HEADER_LEN
        .saturating_add(opt_len)
        .saturating_add(mode.payload_len(plaintext_len))
}

/// Seals a packet in place. The caller has written the `opt` at `buf[16..16 + opt_len]` and the
/// plaintext (the timestamp first where the packet has one, `joylink_wire::table`) right after
/// it, at `buf[16 + opt_len..][..plaintext_len]`; this encrypts the plaintext in place (the
/// padding goes after it), writes the header and the CRC16 over `opt ‖ payload` and returns the
/// packet length ([`sealed_len`]).
///
/// From `header` the magic, version, type, total, index and reserved are written as given;
/// `opt_len`, `payload_len` and `crc` are computed and `enctype` is [`Mode::enc_type`].
///
/// ```
/// use joylink_crypto::{open, seal, sealed_len, LocalKey, Mode, OpenOptions};
/// use joylink_wire::{CrcPolicy, EncType, HEADER_LEN, Header, Magic, PacketType, PartialParse};
///
/// let key: LocalKey = "be4d957a4da771d609ab383e548014a0".parse()?;
/// let mode = Mode::LocalKey(&key);
/// let header = Header::new(Magic::Lan, PacketType::JsonControl, EncType::PreShared);
/// let body = br#"{"cmd":4,"data":{}}"#;
/// let mut buf = [0u8; 64];
/// // No opt: the plaintext `timestamp ‖ body` starts right after the header.
/// buf[HEADER_LEN..HEADER_LEN + 4].copy_from_slice(&1_700_000_000u32.to_le_bytes());
/// buf[HEADER_LEN + 4..HEADER_LEN + 4 + body.len()].copy_from_slice(body);
/// let n = seal(&header, &mode, 0, 4 + body.len(), &mut buf)?;
/// assert_eq!(n, sealed_len(&mode, 0, 4 + body.len())); // 16 + 32
///
/// let packet = PartialParse::new(&mut buf[..n], CrcPolicy::Verify)?;
/// let opened = open(packet, &mode, OpenOptions::new())?;
/// assert_eq!(opened.timestamp, Some(1_700_000_000));
/// assert_eq!(opened.body(), body);
/// # Ok::<(), joylink_crypto::Error>(())
/// ```
///
/// # Errors
/// [`Error::Wire`]`(TooLong)` when opt or payload exceeds 65535 bytes, [`Error::BufferTooSmall`]
/// when `buf` is shorter than [`sealed_len`]; `buf` is unchanged in either case.
pub fn seal(
    header: &Header,
    mode: &Mode<'_>,
    opt_len: usize,
    plaintext_len: usize,
    buf: &mut [u8],
) -> Result<usize> {
    let payload_len = mode.payload_len(plaintext_len);
    let total = joylink_wire::packet_len(opt_len, payload_len)?;
    let available = buf.len();
    let too_small = Error::BufferTooSmall {
        needed: total,
        available,
    };
    let out = buf.get_mut(..total).ok_or(too_small)?;
    let start = HEADER_LEN.saturating_add(opt_len);
    let payload = out.get_mut(start..).ok_or(too_small)?;
    mode.seal_in_place(payload, plaintext_len)?;
    let full = Header {
        // packet_len() checked that both fit in u16.
        opt_len: u16::try_from(opt_len).unwrap_or(u16::MAX),
        payload_len: u16::try_from(payload_len).unwrap_or(u16::MAX),
        enc_type: mode.enc_type(),
        crc: 0,
        ..*header
    };
    let mut packet = Packet::new_unchecked(out);
    packet.set_header(&full)?;
    packet.fill_crc()?;
    Ok(total)
}

/// Opens a packet in place: checks the enctype as `options` say, decrypts the payload inside the
/// caller's buffer and, when `options` say the plaintext has one, splits off the timestamp.
///
/// `packet` is the [`PartialParse`] of the buffer, which has already checked the header and the
/// CRC (once) and lets the caller pick the key from the header and the cleartext `opt` first.
///
/// ```
/// use joylink_crypto::{open, AccessKey, Error, Mode, OpenOptions};
/// use joylink_wire::{CrcPolicy, PartialParse, wan::AuthRequestOpt};
///
/// // A cloud receives a device's type-9 auth request (golden vector wan-01) ...
/// let mut buf = hex("cc55341217001000010900000300f052363634313538303638363437393534313631340100000057c8e99910354f461b12a99a394b89da");
/// let packet = PartialParse::new(&mut buf, CrcPolicy::Verify)?;
/// // ... reads the feed id in clear, looks up that device's accesskey ...
/// let feed_id = AuthRequestOpt::parse(packet.opt())?.feed_id;
/// assert_eq!(feed_id, b"6641580686479541614");
/// let key: AccessKey = "9da83e47290bb79a82f2e36f9dff0520".parse()?;
/// // ... and opens the payload with it, without parsing the header again.
/// let opened = open(packet, &Mode::AccessKey(&key), OpenOptions::new())?;
/// assert_eq!(opened.timestamp, Some(1_772_790_225));
/// assert_eq!(opened.body(), &1u32.to_le_bytes()); // the random number
///
/// // A wrong key is one `Decrypt` error, and the payload bytes are wiped.
/// let mut buf = hex("cc55341217001000010900000300f052363634313538303638363437393534313631340100000057c8e99910354f461b12a99a394b89da");
/// let wrong: AccessKey = "00000000000000000000000000000000".parse()?;
/// let packet = PartialParse::new(&mut buf, CrcPolicy::Verify)?;
/// assert_eq!(open(packet, &Mode::AccessKey(&wrong), OpenOptions::new()), Err(Error::Decrypt));
/// assert_eq!(&buf[16 + 23..], &[0u8; 16]);
/// # fn hex(s: &str) -> Vec<u8> {
/// #     (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Decrypt`], one value for every failure once decryption has started: a wrong key,
/// bad padding, a payload length that is not a multiple of 16, a plaintext too short for its
/// timestamp or [`OpenOptions::min_len`]. After it, every payload byte is zero (from
/// `16 + opt_len` to the end of the buffer): no decrypted byte is left behind.
/// [`Error::EncTypeMismatch`], and [`Error::Wire`]`(Truncated)` for an enctype-0 payload that
/// short (nothing is decrypted in clear): every other error leaves the buffer unchanged.
pub fn open<'a>(
    packet: PartialParse<'a>,
    mode: &Mode<'_>,
    options: OpenOptions,
) -> Result<Opened<'a>> {
    let parts = packet.into_parts();
    let header = parts.header;
    let expected = mode.enc_type();
    if options.enc_type == EncTypeCheck::Match && header.enc_type != expected {
        return Err(Error::EncTypeMismatch {
            expected,
            found: header.enc_type,
        });
    }
    let payload = parts.payload;
    // `open_in_place` zeroes the payload itself on failure.
    let len = mode.open_in_place(&mut *payload)?.len();
    let needed = options.required_len();
    if len < needed {
        if mode.encrypts() {
            // Decrypted but too short: the same error as bad padding, and nothing left.
            payload.zeroize();
            return Err(Error::Decrypt);
        }
        return Err(Error::Wire(joylink_wire::Error::Truncated {
            needed,
            available: len,
        }));
    }
    let timestamp = if options.timestamp {
        payload
            .first_chunk::<TIMESTAMP_LEN>()
            .map(|ts| u32::from_le_bytes(*ts))
    } else {
        None
    };
    let (plaintext, padding) = payload.split_at_mut_checked(len).ok_or(Error::Decrypt)?;
    Ok(Opened {
        header,
        opt: parts.opt,
        timestamp,
        plaintext,
        crc_status: parts.crc_status,
        padding,
        encrypted: mode.encrypts(),
    })
}
