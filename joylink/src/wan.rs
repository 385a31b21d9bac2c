//! WAN messages across crates: an opened device ↔ cloud packet as a typed
//! [`WanMessage`], sealing messages back into packets, the auth
//! exchange with the caller's RNG.
//!
//! Keys (spec 7.1, 8.4; compat §3.3, §3.5): type 9 is sealed with the device's **accesskey**
//! (enctype 3), every other WAN packet with the **session key** the cloud issued in the auth
//! answer (enctype 4). Inside 111/112 the `cmd[]`/`resp[]`/`data[]` is sealed a second time with
//! the **sub-device's accesskey** (spec 8.2, 8.4.2) — see the crate's
//! [`seal_inner`](crate::seal_inner) / [`open_inner`](crate::open_inner) with
//! [`Mode::AccessKey`].
//!
//! Errors are the crate's [`Error`].
//!
//! Nothing here allocates: packets are opened in the caller's buffer and written into the
//! caller's buffer.
//!
//! # Security
//! The protocol has no MAC: AES-CBC without authentication, a CRC16 anyone can recompute, and the
//! accesskey doubles as key and IV source. A peer holding the session key can forge anything; an
//! attacker without it can still flip bits of the first plaintext block by editing the IV-free
//! ciphertext prefix. Treat decoded values as untrusted input.

use joylink_crypto::{AccessKey, CbcKey, EncTypeCheck, Mode, OpenOptions, SessionKey};
use joylink_wire::wan::{AuthRequest, AuthRequestOpt, AuthResponse, AuthResponseOpt, WanMessage};
use joylink_wire::{
    CrcPolicy, Direction, EncType, HEADER_LEN, Header, Magic, PacketType, PartialParse, packet_len,
};

use crate::error::{Error, Result};

/// The keys of one device ↔ cloud connection. Which key seals which packet type: see
/// [`WanKeys::mode`].
#[derive(Debug, Clone, Copy)]
pub struct WanKeys<'k> {
    /// The device's accesskey (type 9).
    pub access_key: &'k AccessKey,
    /// The session key from the auth answer (every other type); `None` before auth.
    pub session_key: Option<&'k SessionKey>,
}

impl<'k> WanKeys<'k> {
    /// The mode a packet of `packet_type` is sealed with (spec 7.1; compat §3.5).
    ///
    /// Before auth only type 9 has a key (the accesskey); afterwards every other type takes the
    /// session key:
    ///
    /// ```
    /// use joylink::crypto::{AccessKey, SessionKey};
    /// use joylink::wan::WanKeys;
    /// use joylink::wire::{EncType, PacketType};
    ///
    /// let access_key: AccessKey = "9da83e47290bb79a82f2e36f9dff0520".parse()?;
    /// let session = SessionKey::new([7; 32]);
    /// let mut keys = WanKeys { access_key: &access_key, session_key: None };
    /// assert_eq!(keys.mode(PacketType::Auth)?.enc_type(), EncType::PreShared);
    /// let early = keys.mode(PacketType::Heartbeat);
    /// assert!(matches!(early, Err(joylink::Error::MissingKey { key: "session key", .. })));
    ///
    /// keys.session_key = Some(&session); // from the cloud's auth answer
    /// assert_eq!(keys.mode(PacketType::Heartbeat)?.enc_type(), EncType::SessionKey);
    /// assert_eq!(keys.mode(PacketType::Auth)?.enc_type(), EncType::PreShared);
    /// # Ok::<(), joylink::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::MissingKey`] for a type other than 9 before auth.
    pub fn mode(&self, packet_type: PacketType) -> Result<Mode<'k>> {
        match (packet_type, self.session_key) {
            (PacketType::Auth, _) => Ok(Mode::AccessKey(self.access_key)),
            (_, Some(k)) => Ok(Mode::Session(k)),
            (packet_type, None) => Err(Error::MissingKey {
                key: "session key",
                packet_type,
            }),
        }
    }
}

/// Where [`open`], [`seal`] and [`sealed_len`] find the mode of a packet type: [`WanKeys`] (the
/// keys as they are: the AES schedule is expanded for every packet) or [`PreparedWanKeys`] (the
/// session key's schedules expanded once, for whoever keeps a connection).
pub trait WanKeyring {
    /// The mode a packet of `packet_type` is sealed and opened with (spec 7.1; compat §3.5).
    ///
    /// # Errors
    /// [`Error::MissingKey`] for a type other than 9 before auth.
    fn mode(&self, packet_type: PacketType) -> Result<Mode<'_>>;
}

impl WanKeyring for WanKeys<'_> {
    fn mode(&self, packet_type: PacketType) -> Result<Mode<'_>> {
        WanKeys::mode(self, packet_type)
    }
}

/// The keys of one device ↔ cloud connection with the session key prepared (issue 20): its AES
/// schedules were expanded once, when the session key arrived, so no packet of the session
/// expands it again (with the constant-time software AES an expansion costs more than sealing a
/// heartbeat). The accesskey stays a plain key: it seals one packet per connection.
///
/// ```
/// use joylink::crypto::{AccessKey, PreparedKey, SessionKey};
/// use joylink::wan::{self, PreparedWanKeys};
/// use joylink::wire::{CrcPolicy, Direction, wan::{Heartbeat, WanMessage}};
///
/// let access_key: AccessKey = "9da83e47290bb79a82f2e36f9dff0520".parse()?;
/// // Once per session ...
/// let session = PreparedKey::from_session_key(&SessionKey::new([7; 32]));
/// let keys = PreparedWanKeys { access_key: &access_key, session_key: Some(&session) };
/// // ... then every packet uses the expanded schedules.
/// let hb = WanMessage::Heartbeat(Heartbeat { timestamp: 1_700_000_000, version: 1, rssi: 1 });
/// let mut buf = [0u8; 128];
/// let n = wan::seal(&hb, &keys, &[], &mut buf)?;
/// let got = wan::open(&mut buf[..n], &keys, Direction::FromDevice, CrcPolicy::Verify)?;
/// assert!(matches!(got.message, WanMessage::Heartbeat(_)));
/// # Ok::<(), joylink::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PreparedWanKeys<'k> {
    /// The device's accesskey (type 9).
    pub access_key: &'k AccessKey,
    /// The session key from the auth answer, prepared
    /// ([`PreparedKey::from_session_key`](joylink_crypto::PreparedKey::from_session_key), on any
    /// backend); `None` before auth.
    pub session_key: Option<&'k dyn CbcKey>,
}

impl WanKeyring for PreparedWanKeys<'_> {
    fn mode(&self, packet_type: PacketType) -> Result<Mode<'_>> {
        match (packet_type, self.session_key) {
            (PacketType::Auth, _) => Ok(Mode::AccessKey(self.access_key)),
            (_, Some(k)) => Ok(Mode::Prepared(k)),
            (packet_type, None) => Err(Error::MissingKey {
                key: "session key",
                packet_type,
            }),
        }
    }
}

/// An opened WAN packet; every slice borrows the caller's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedWan<'a> {
    /// The header as received.
    pub header: Header,
    /// The opt section (type 9 only; other types have none).
    pub opt: &'a [u8],
    /// The typed body.
    pub message: WanMessage<'a>,
    /// What the CRC check found ([`CrcStatus::NotChecked`](joylink_wire::CrcStatus::NotChecked)
    /// under [`CrcPolicy::Ignore`]).
    pub crc_status: joylink_wire::CrcStatus,
}

impl<'a> OpenedWan<'a> {
    /// The device's auth opt (type 9 from the device).
    ///
    /// A cloud that already holds the device's accesskey opens the request and reads the feed id
    /// and random number the device put in clear:
    ///
    /// ```
    /// use joylink::crypto::AccessKey;
    /// use joylink::wan::{self, WanKeys};
    /// use joylink::wire::{CrcPolicy, Direction};
    /// # struct Rng(u64);
    /// # impl rand_core::TryRng for Rng {
    /// #     type Error = core::convert::Infallible;
    /// #     fn try_next_u32(&mut self) -> Result<u32, Self::Error> { Ok(self.try_next_u64()? as u32) }
    /// #     fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
    /// #         self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    /// #         Ok(self.0)
    /// #     }
    /// #     fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
    /// #         for b in dst { *b = self.try_next_u64()? as u8; }
    /// #         Ok(())
    /// #     }
    /// # }
    /// # impl rand_core::TryCryptoRng for Rng {}
    /// # let mut rng = Rng(1); // use an OS-seeded CSPRNG on a device
    ///
    /// let access_key: AccessKey = "9da83e47290bb79a82f2e36f9dff0520".parse()?;
    /// let mut packet = [0u8; 128];
    /// let feed_id = b"6641580686479541614";
    /// let sent =
    ///     wan::seal_auth_request(feed_id, &access_key, 1_700_000_000, &mut rng, &mut packet)?;
    /// let keys = WanKeys { access_key: &access_key, session_key: None };
    /// let packet = &mut packet[..sent.len];
    /// let got = wan::open(packet, &keys, Direction::FromDevice, CrcPolicy::Verify)?;
    /// let opt = got.auth_request_opt()?;
    /// assert_eq!((opt.feed_id, opt.random), (&feed_id[..], sent.random));
    /// # Ok::<(), joylink::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`AuthRequestOpt::parse`].
    pub fn auth_request_opt(&self) -> Result<AuthRequestOpt<'a>> {
        Ok(AuthRequestOpt::parse(self.opt)?)
    }
}

/// How [`open`] checks a WAN packet: the CRC policy (checked once, by the [`PartialParse`]) and
/// whether the header's enctype must be the one the key's mode has.
///
/// compat: shipped devices check neither the CRC nor the enctype of cloud packets; a Rust device
/// talking to the real cloud should use [`WanOpenOptions::lenient`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WanOpenOptions {
    /// What to do with the CRC.
    pub crc: CrcPolicy,
    /// Whether the enctype must match the key.
    pub enc_type: EncTypeCheck,
}

impl WanOpenOptions {
    /// What shipped devices do: the CRC reported, not enforced; the key picked by packet type
    /// whatever the enctype says.
    ///
    /// A heartbeat with a broken CRC and the wrong enctype is refused by the strict checks and
    /// opened by the lenient ones, which report the CRC mismatch:
    ///
    /// ```
    /// use joylink::crypto::{AccessKey, SessionKey};
    /// use joylink::wan::{self, WanKeys, WanOpenOptions};
    /// use joylink::wire::{CrcPolicy, CrcStatus, Direction, wan::{Heartbeat, WanMessage}};
    ///
    /// let access_key: AccessKey = "9da83e47290bb79a82f2e36f9dff0520".parse()?;
    /// let session = SessionKey::new([7; 32]);
    /// let keys = WanKeys { access_key: &access_key, session_key: Some(&session) };
    /// let hb = WanMessage::Heartbeat(Heartbeat { timestamp: 1_700_000_000, version: 1, rssi: 1 });
    /// let mut buf = [0u8; 64];
    /// let n = wan::seal(&hb, &keys, &[], &mut buf)?;
    /// buf[12] = 3; // enctype 3 instead of 4
    /// buf[14] ^= 0xff; // the CRC
    /// let mut copy = buf;
    /// let strict = wan::open(&mut copy[..n], &keys, Direction::FromDevice, CrcPolicy::Verify);
    /// assert!(strict.is_err());
    /// let lenient = WanOpenOptions::lenient();
    /// let got = wan::open(&mut buf[..n], &keys, Direction::FromDevice, lenient)?;
    /// assert_eq!((got.crc_status, got.message), (CrcStatus::Mismatch, hb));
    /// # Ok::<(), joylink::Error>(())
    /// ```
    pub const fn lenient() -> Self {
        Self {
            crc: CrcPolicy::Report,
            enc_type: EncTypeCheck::Ignore,
        }
    }
}

impl From<CrcPolicy> for WanOpenOptions {
    fn from(crc: CrcPolicy) -> Self {
        Self {
            crc,
            enc_type: EncTypeCheck::Match,
        }
    }
}

/// Opens a WAN packet in place and types its body: the key is picked by packet type (type 9 →
/// accesskey, else session key), `direction` says who sent it.
///
/// For type 9 the random numbers of opt and payload must agree (spec 7.3.1/7.3.2 注); a random
/// of 1, what shipped devices send, is accepted.
///
/// A cloud that must find the accesskey first (by the feed id in the type-9 opt) decodes the
/// packet with [`PartialParse`] and opens it with `joylink_crypto::open`; this function is the
/// path for a peer that already holds its keys.
///
/// ```
/// use joylink::crypto::{AccessKey, SessionKey};
/// use joylink::wan::{self, WanKeys};
/// use joylink::wire::{CrcPolicy, Direction, wan::{Heartbeat, WanMessage}};
///
/// let access_key: AccessKey = "9da83e47290bb79a82f2e36f9dff0520".parse()?;
/// let session = SessionKey::new([7; 32]);
/// let keys = WanKeys { access_key: &access_key, session_key: Some(&session) };
/// let hb = WanMessage::Heartbeat(Heartbeat { timestamp: 1_700_000_000, version: 1, rssi: 1 });
/// let mut buf = [0u8; 128];
/// let n = wan::seal(&hb, &keys, &[], &mut buf)?;
/// let got = wan::open(&mut buf[..n], &keys, Direction::FromDevice, CrcPolicy::Verify)?;
/// assert!(matches!(got.message, WanMessage::Heartbeat(_)));
/// # Ok::<(), joylink::Error>(())
/// ```
///
/// # Errors
/// [`Error::WrongNetwork`], [`Error::MissingKey`], [`Error::Crypto`] (header, CRC, enctype;
/// a wrong key, bad padding or a plaintext too short for its struct is one `Decrypt`, the
/// decrypted bytes wiped), [`Error::Wire`] (body, `RandomMismatch`, `Fragment` for one fragment
/// of a larger message: join them with [`Reassembler`](joylink_wire::Reassembler) first).
pub fn open<'a>(
    buf: &'a mut [u8],
    keys: &impl WanKeyring,
    direction: Direction,
    options: impl Into<WanOpenOptions>,
) -> Result<OpenedWan<'a>> {
    let options = options.into();
    let packet = PartialParse::new(buf, options.crc)?;
    let header = *packet.header();
    // A fragment carries a slice of ciphertext: reassemble first (spec 3.2).
    header.check_unfragmented()?;
    if header.magic != Magic::Wan {
        return Err(Error::WrongNetwork {
            expected: Magic::Wan,
            found: header.magic,
        });
    }
    let mode = keys.mode(header.packet_type)?;
    let entry = packet.entry(direction);
    let open_options = OpenOptions::new()
        .enc_type(options.enc_type)
        .timestamp(entry.timestamp);
    // A struct too short for its fixed fields is refused like bad padding (one `Decrypt`, the
    // payload wiped).
    let opened = joylink_crypto::open(packet, &mode, open_options)?
        .refuse_short(|p| WanMessage::parse(header.packet_type, p, direction).map(drop))?;
    let plaintext: &'a [u8] = opened.plaintext;
    let message = WanMessage::parse(header.packet_type, plaintext, direction)?;
    match &message {
        WanMessage::AuthRequest(a) => a.check_opt(&AuthRequestOpt::parse(opened.opt)?)?,
        WanMessage::AuthResponse(a) => a.check_opt(&AuthResponseOpt::parse(opened.opt)?)?,
        _ => {}
    }
    Ok(OpenedWan {
        header,
        opt: opened.opt,
        message,
        crc_status: opened.crc_status,
    })
}

/// Exact length of the packet [`seal`] writes for `message` with `opt_len` bytes of opt.
///
/// Sizing a buffer for a heartbeat (the 16-byte header and one AES block):
///
/// ```
/// use joylink::crypto::{AccessKey, SessionKey};
/// use joylink::wan::{self, WanKeys};
/// use joylink::wire::wan::{Heartbeat, WanMessage};
///
/// let access_key: AccessKey = "9da83e47290bb79a82f2e36f9dff0520".parse()?;
/// let session = SessionKey::new([7; 32]);
/// let keys = WanKeys { access_key: &access_key, session_key: Some(&session) };
/// let hb = WanMessage::Heartbeat(Heartbeat { timestamp: 1_700_000_000, version: 1, rssi: 1 });
/// let mut buf = vec![0u8; wan::sealed_len(&hb, &keys, 0)?];
/// assert_eq!(buf.len(), 16 + 16);
/// assert_eq!(wan::seal(&hb, &keys, &[], &mut buf)?, buf.len());
/// # Ok::<(), joylink::Error>(())
/// ```
///
/// # Errors
/// [`Error::MissingKey`], [`Error::Wire`] (`TooLong`, body errors).
pub fn sealed_len(
    message: &WanMessage<'_>,
    keys: &impl WanKeyring,
    opt_len: usize,
) -> Result<usize> {
    let mode = keys.mode(message.packet_type())?;
    Ok(packet_len(
        opt_len,
        mode.payload_len(message.buffer_len()?),
    )?)
}

/// Seals `message` into a WAN packet in `buf` (header with version 1, total/index/reserved 0,
/// the enctype of the key, the CRC), with `opt` in clear; returns the packet length. The body is
/// encoded straight into `buf` and encrypted in place: nothing is allocated.
///
/// A device uploads its state with the session key and the cloud opens it again:
///
/// ```
/// use joylink::crypto::{AccessKey, SessionKey};
/// use joylink::wan::{self, WanKeys};
/// use joylink::wire::{CrcPolicy, Direction, EncType, PacketType, wan::{Timestamped, WanMessage}};
///
/// let access_key: AccessKey = "9da83e47290bb79a82f2e36f9dff0520".parse()?;
/// let session = SessionKey::new([7; 32]);
/// let keys = WanKeys { access_key: &access_key, session_key: Some(&session) };
/// let json = br#"{"code":0,"streams":[{"stream_id":"power","current_value":"1"}]}"#;
/// let upload = WanMessage::Upload(Timestamped { timestamp: 1_700_000_000, body: &json[..] });
/// let mut buf = [0u8; 256];
/// let n = wan::seal(&upload, &keys, &[], &mut buf)?;
/// let got = wan::open(&mut buf[..n], &keys, Direction::FromDevice, CrcPolicy::Verify)?;
/// let h = got.header;
/// assert_eq!((h.packet_type, h.enc_type), (PacketType::Upload, EncType::SessionKey));
/// let WanMessage::Upload(t) = got.message else { unreachable!() };
/// assert_eq!((t.timestamp, t.body), (1_700_000_000, &json[..]));
/// # Ok::<(), joylink::Error>(())
/// ```
///
/// # Errors
/// [`Error::MissingKey`], [`Error::Wire`] (`BufferTooSmall` before anything is written,
/// `TooLong`, body errors).
pub fn seal(
    message: &WanMessage<'_>,
    keys: &impl WanKeyring,
    opt: &[u8],
    buf: &mut [u8],
) -> Result<usize> {
    seal_with(message, keys, opt.len(), |o| o.copy_from_slice(opt), buf)
}

/// [`seal`] with the opt written by `write_opt` into its place in the packet (exactly
/// `opt_len` bytes), so that no copy of it is needed.
fn seal_with(
    message: &WanMessage<'_>,
    keys: &impl WanKeyring,
    opt_len: usize,
    write_opt: impl FnOnce(&mut [u8]),
    buf: &mut [u8],
) -> Result<usize> {
    let packet_type = message.packet_type();
    let mode = keys.mode(packet_type)?;
    let plaintext_len = message.buffer_len()?;
    let total = packet_len(opt_len, mode.payload_len(plaintext_len))?;
    let too_small = joylink_wire::Error::BufferTooSmall {
        needed: total,
        available: buf.len(),
    };
    let out = buf.get_mut(..total).ok_or(too_small)?;
    let rest = out.get_mut(HEADER_LEN..).ok_or(too_small)?;
    let (o, payload) = rest.split_at_mut_checked(opt_len).ok_or(too_small)?;
    write_opt(o);
    message.emit(payload)?;
    let header = Header::new(Magic::Wan, packet_type, EncType::None);
    Ok(joylink_crypto::seal(
        &header,
        &mode,
        opt_len,
        plaintext_len,
        out,
    )?)
}

/// What [`seal_auth_request`] sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthSent {
    /// Length of the packet written.
    pub len: usize,
    /// The random number drawn from the caller's RNG (in opt and payload).
    pub random: u32,
}

/// The device's auth request (spec 7.2.1, 7.3.1): `opt = feed_id ‖ random`, payload
/// `{timestamp, random}` sealed with the accesskey. The random number comes from `rng`
/// (compat §7.1 — shipped devices always send 1; the spec asks for a random number).
///
/// The device's request, opened by a cloud that holds the same accesskey (the full exchange,
/// feed-id lookup included, is on [`auth_response`]):
///
/// ```
/// use joylink::crypto::AccessKey;
/// use joylink::wan::{self, WanKeys};
/// use joylink::wire::{CrcPolicy, Direction, EncType, PacketType, wan::WanMessage};
/// # struct Rng(u64);
/// # impl rand_core::TryRng for Rng {
/// #     type Error = core::convert::Infallible;
/// #     fn try_next_u32(&mut self) -> Result<u32, Self::Error> { Ok(self.try_next_u64()? as u32) }
/// #     fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
/// #         self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
/// #         Ok(self.0)
/// #     }
/// #     fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
/// #         for b in dst { *b = self.try_next_u64()? as u8; }
/// #         Ok(())
/// #     }
/// # }
/// # impl rand_core::TryCryptoRng for Rng {}
/// # let mut rng = Rng(1); // use an OS-seeded CSPRNG on a device
///
/// let access_key: AccessKey = "9da83e47290bb79a82f2e36f9dff0520".parse()?;
/// let mut packet = [0u8; 128];
/// let feed_id = b"6641580686479541614";
/// let sent = wan::seal_auth_request(feed_id, &access_key, 1_700_000_000, &mut rng, &mut packet)?;
/// let keys = WanKeys { access_key: &access_key, session_key: None };
/// let packet = &mut packet[..sent.len];
/// let got = wan::open(packet, &keys, Direction::FromDevice, CrcPolicy::Verify)?;
/// let h = got.header;
/// assert_eq!((h.packet_type, h.enc_type), (PacketType::Auth, EncType::PreShared));
/// let WanMessage::AuthRequest(request) = got.message else { unreachable!() };
/// assert_eq!((request.timestamp, request.random), (1_700_000_000, sent.random));
/// # Ok::<(), joylink::Error>(())
/// ```
///
/// # Errors
/// [`Error::Wire`] (`BufferTooSmall`, `TooLong` for a feed id over 65531 bytes).
pub fn seal_auth_request<R: rand_core::CryptoRng + ?Sized>(
    feed_id: &[u8],
    access_key: &AccessKey,
    timestamp: u32,
    rng: &mut R,
    buf: &mut [u8],
) -> Result<AuthSent> {
    let random = rng.next_u32();
    let opt = AuthRequestOpt { feed_id, random };
    let keys = WanKeys {
        access_key,
        session_key: None,
    };
    let message = WanMessage::AuthRequest(AuthRequest { timestamp, random });
    let len = seal_with(
        &message,
        &keys,
        opt.buffer_len(),
        |o| {
            // `o` is exactly `opt.buffer_len()` bytes, so this cannot fail.
            let _ = opt.emit(o);
        },
        buf,
    )?;
    Ok(AuthSent { len, random })
}

/// The cloud's auth answer (spec 7.2.2, 7.3.2): `opt = response.random`, payload sealed with the
/// accesskey.
///
/// The device opens the answer with its accesskey and takes the session key from it:
///
/// ```
/// use joylink::crypto::AccessKey;
/// use joylink::wan::{self, WanKeys};
/// use joylink::wire::{CrcPolicy, Direction, HEADER_LEN, Secret, wan::{AuthResponse, WanMessage}};
///
/// let access_key: AccessKey = "9da83e47290bb79a82f2e36f9dff0520".parse()?;
/// // In a cloud, `wan::auth_response(rng, now)` draws the key and the random number.
/// let session_key = Secret::new([7; 32]);
/// let response = AuthResponse { timestamp: 1_700_000_001, random: 42, session_key };
/// let mut packet = [0u8; 128];
/// let n = wan::seal_auth_response(&response, &access_key, &mut packet)?;
/// assert_eq!(packet[HEADER_LEN..HEADER_LEN + 4], 42u32.to_le_bytes()); // opt: the random
/// let keys = WanKeys { access_key: &access_key, session_key: None };
/// let got = wan::open(&mut packet[..n], &keys, Direction::ToDevice, CrcPolicy::Verify)?;
/// let WanMessage::AuthResponse(r) = got.message else { unreachable!() };
/// assert_eq!((r.timestamp, r.random), (1_700_000_001, 42));
/// assert_eq!(r.session_key.raw_secret_array(), &[7; 32]);
/// # Ok::<(), joylink::Error>(())
/// ```
///
/// # Errors
/// As [`seal`].
pub fn seal_auth_response(
    response: &AuthResponse,
    access_key: &AccessKey,
    buf: &mut [u8],
) -> Result<usize> {
    let keys = WanKeys {
        access_key,
        session_key: None,
    };
    let opt = response.random.to_le_bytes();
    seal(
        &WanMessage::AuthResponse(response.clone()),
        &keys,
        &opt,
        buf,
    )
}

/// The cloud's side of auth (spec 7.2.2, 7.3.2): a fresh [`AuthResponse`] whose session key
/// (32 bytes: AES key ‖ IV) and random number are drawn from the caller's `rng`, stamped with
/// the cloud's `timestamp`. The library never picks random numbers itself (sans-IO).
///
/// **What goes in the random number:** a number the cloud draws, written both in the response's
/// opt and in its sealed payload ([`seal_auth_response`] does both); the device checks that the
/// two agree ([`AuthResponse::check_opt`], spec 7.3.2 注). It is not an echo of the device's
/// number (compat §7.1: shipped devices send 1 and compare nothing).
///
/// # Examples
/// The whole exchange as a cloud runs it: read the feed id from the type-9 opt *before* any key
/// is known (staged decode), look up that device's accesskey, open, answer with a session key
/// from the RNG; then the device opens the answer and both sides use the session key.
/// ```
/// use joylink::crypto::{AccessKey, Mode, OpenOptions, SessionKey};
/// use joylink::wan::{self, WanKeys};
/// use joylink::wire::wan::{AuthRequest, AuthRequestOpt, Heartbeat, WanMessage};
/// use joylink::wire::{CrcPolicy, Direction, PartialParse};
/// # struct Rng(u64);
/// # impl rand_core::TryRng for Rng {
/// #     type Error = core::convert::Infallible;
/// #     fn try_next_u32(&mut self) -> Result<u32, Self::Error> { Ok(self.try_next_u64()? as u32) }
/// #     fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
/// #         self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
/// #         Ok(self.0)
/// #     }
/// #     fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
/// #         for b in dst { *b = self.try_next_u64()? as u8; }
/// #         Ok(())
/// #     }
/// # }
/// # impl rand_core::TryCryptoRng for Rng {}
/// # let mut device_rng = Rng(1);
/// # let mut cloud_rng = Rng(2); // use an OS-seeded CSPRNG in a real cloud
///
/// // The device's accesskey, known to the device and (by its feed id) to the cloud.
/// let access_key: AccessKey = "9da83e47290bb79a82f2e36f9dff0520".parse()?;
/// let lookup = |feed_id: &[u8]| (feed_id == b"6641580686479541614").then_some(&access_key);
///
/// // Device: the type-9 auth request.
/// let mut packet = [0u8; 128];
/// let sent = wan::seal_auth_request(
///     b"6641580686479541614", &access_key, 1_700_000_000, &mut device_rng, &mut packet,
/// )?;
///
/// // Cloud, step 1: the staged decode reads the clear opt; nothing is decrypted yet.
/// let partial = PartialParse::new(&mut packet[..sent.len], CrcPolicy::Verify)?;
/// let opt = AuthRequestOpt::parse(partial.opt())?;
/// let key = lookup(opt.feed_id).expect("a known device");
/// // Cloud, step 2: open with that device's accesskey and check the two random numbers.
/// let opened = joylink::crypto::open(partial, &Mode::AccessKey(key), OpenOptions::new())?;
/// let request = AuthRequest::parse(opened.plaintext)?;
/// request.check_opt(&opt)?;
/// // Cloud, step 3: the answer, session key and random number from the cloud's RNG.
/// let response = wan::auth_response(&mut cloud_rng, 1_700_000_001);
/// let mut answer = [0u8; 128];
/// let n = wan::seal_auth_response(&response, key, &mut answer)?;
/// let cloud_session = SessionKey::new(*response.session_key.raw_secret_array());
///
/// // Device: open the answer with its accesskey and take the session key.
/// let keys = WanKeys { access_key: &access_key, session_key: None };
/// let got = wan::open(&mut answer[..n], &keys, Direction::ToDevice, CrcPolicy::Verify)?;
/// let WanMessage::AuthResponse(r) = got.message else { unreachable!() };
/// let device_session = SessionKey::new(*r.session_key.raw_secret_array());
/// assert!(device_session == cloud_session);
///
/// // From now on both sides seal with the session key (enctype 4), e.g. a heartbeat.
/// let keys = WanKeys { access_key: &access_key, session_key: Some(&device_session) };
/// let hb = WanMessage::Heartbeat(Heartbeat { timestamp: 1_700_000_060, version: 1, rssi: 1 });
/// let n = wan::seal(&hb, &keys, &[], &mut packet)?;
/// let cloud_keys = WanKeys { access_key: key, session_key: Some(&cloud_session) };
/// let got = wan::open(&mut packet[..n], &cloud_keys, Direction::FromDevice, CrcPolicy::Verify)?;
/// assert!(matches!(got.message, WanMessage::Heartbeat(_)));
/// # Ok::<(), joylink::Error>(())
/// ```
pub fn auth_response<R: rand_core::CryptoRng + ?Sized>(
    rng: &mut R,
    timestamp: u32,
) -> AuthResponse {
    let mut session_key = [0u8; joylink_wire::wan::SESSION_KEY_LEN];
    rng.fill_bytes(&mut session_key);
    let response = AuthResponse {
        timestamp,
        random: rng.next_u32(),
        session_key: joylink_wire::Secret::new(session_key),
    };
    // The stack copy is a secret too.
    zeroize::Zeroize::zeroize(&mut session_key);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A counter "RNG": every byte drawn is visible, so the test sees where each went.
    struct Counter(u8);
    impl rand_core::TryRng for Counter {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> core::result::Result<u32, Self::Error> {
            let mut b = [0u8; 4];
            self.try_fill_bytes(&mut b)?;
            Ok(u32::from_le_bytes(b))
        }
        fn try_next_u64(&mut self) -> core::result::Result<u64, Self::Error> {
            let mut b = [0u8; 8];
            self.try_fill_bytes(&mut b)?;
            Ok(u64::from_le_bytes(b))
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> core::result::Result<(), Self::Error> {
            for b in dst {
                self.0 = self.0.wrapping_add(1);
                *b = self.0;
            }
            Ok(())
        }
    }
    impl rand_core::TryCryptoRng for Counter {}

    #[test]
    fn auth_response_draws_key_and_random_from_the_callers_rng() {
        let mut rng = Counter(0);
        let r = auth_response(&mut rng, 77);
        assert_eq!(r.timestamp, 77);
        let expected: [u8; 32] = core::array::from_fn(|i| u8::try_from(i + 1).unwrap_or(0));
        assert_eq!(r.session_key.raw_secret_array(), &expected);
        assert_eq!(r.random, u32::from_le_bytes([33, 34, 35, 36]));
        // A second draw gives another key.
        let again = auth_response(&mut rng, 77);
        assert_ne!(
            again.session_key.raw_secret_array(),
            r.session_key.raw_secret_array()
        );
    }
}
