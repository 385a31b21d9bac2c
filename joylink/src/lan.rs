//! LAN messages across crates: typed bodies from opened packets, public keys, nested sub-device keys.
//!
//! - [`open`] checks a received LAN packet's `(type, enctype)` pair against
//!   [`joylink_wire::table`] (a shipped device drops a request with another enctype), picks
//!   the key ([`LanKeys`]: the localkey for enctype 3, ECDH of the own private key with the
//!   peer's key in `opt` for enctype 2), decrypts in place and returns the typed
//!   [`lan::Message`](joylink_wire::lan::Message) with the peer's public key as a
//!   [`PublicKey`] (`opt` of types 1/2/102, `devkey` of a scan answer). Behind `json`.
//! - [`seal_vec`] turns a `Message` into a packet exactly as a shipped peer sends it (type 4 for
//!   answers to 3/103, enctype 0 and no timestamp for the write-key / sub-auth answers, cJSON
//!   layout where devices use it). Behind `json`.
//! - Type 104 (spec 6.3.8, 8.2): [`seal_subdev_script`] / [`open_subdev_script`] do both layers
//!   in the caller's buffer without allocating; the outer layer is `joylink_crypto::seal` /
//!   `joylink_crypto::open`, the inner layer the crate's [`seal_inner`],
//!   shared with the WAN types 111/112.
//!
//! Every packet is sealed by `joylink_crypto::seal` and opened by `joylink_crypto::open` (one
//! core for the facade, the C ABI and the CLI); the header is decoded and the CRC checked once,
//! by a [`PartialParse`].
//!
//! Errors are the crate's [`Error`].
//!
//! # Security
//! Both layers are AES-CBC without a MAC (see `joylink_crypto::cbc`); the inner layer only keeps
//! the gateway's localkey holder from reading a sub-device's commands, it authenticates nothing.

#[cfg(feature = "json")]
extern crate alloc;

#[cfg(feature = "json")]
use joylink_crypto::{IvCompat, KeyIv, KeyPair, LocalKey, PublicKey, SharedSecret};
use joylink_crypto::{Mode, OpenOptions};
use joylink_wire::FEEDID_LEN;
pub use joylink_wire::lan::Quirk;
use joylink_wire::lan::{ResponseLayout, SUBDEV_SCRIPT_FIXED_LEN, SubDevScriptBody};
#[cfg(feature = "json")]
use joylink_wire::table::BodyKind;
use joylink_wire::{
    BizCode, CrcPolicy, EncType, FixedText, HEADER_LEN, Header, Magic, PacketType, PartialParse,
};
#[cfg(feature = "json")]
use joylink_wire::{Direction, lan::Message};

use crate::error::{Error, Result};
use joylink_crypto::seal_inner;

/// The checks before any key is used: a LAN magic and the enctype the packet must travel with.
fn check_header(header: &Header, expected: EncType) -> Result<()> {
    if header.magic != Magic::Lan {
        return Err(Error::WrongNetwork {
            expected: Magic::Lan,
            found: header.magic,
        });
    }
    if header.enc_type != expected {
        return Err(Error::EncTypeNotAllowed {
            packet_type: header.packet_type,
            expected,
            found: header.enc_type,
        });
    }
    Ok(())
}

/// The keys one LAN peer holds.
///
/// Each field is used only by the enctype that needs it; a packet whose key is absent is
/// refused with [`Error::MissingKey`] before anything is decrypted:
///
/// ```
/// use joylink::crypto::LocalKey;
/// use joylink::lan::{self, LanKeys};
/// use joylink::wire::lan::{JsonCommand, JsonControlRequest, Message, Timestamped};
/// use joylink::wire::{CrcPolicy, Direction};
///
/// let localkey: LocalKey = "d2fd57fd06c7ef0bf04f69db14ab707f".parse()?;
/// let keys = LanKeys { local_key: Some(&localkey), ..LanKeys::default() };
/// let body = JsonControlRequest::snapshot();
/// let request = Message::JsonControl(Timestamped { timestamp: 1_571_171_104, body });
/// let mut packet = lan::seal_vec(&request, &keys)?; // type 3, enctype 3: the localkey
/// let (no_keys, mut copy) = (LanKeys::default(), packet.clone());
/// let refused = lan::open(&mut copy, &no_keys, Direction::ToDevice, CrcPolicy::Verify);
/// assert!(matches!(refused, Err(joylink::Error::MissingKey { key: "localkey", .. })));
/// let got = lan::open(&mut packet, &keys, Direction::ToDevice, CrcPolicy::Verify)?;
/// let Message::JsonControl(t) = got.message else { unreachable!() };
/// assert_eq!(t.body.command, JsonCommand::Snapshot);
/// # Ok::<(), joylink::Error>(())
/// ```
#[cfg(feature = "json")]
#[derive(Debug, Clone, Copy, Default)]
pub struct LanKeys<'k> {
    /// The localkey (enctype 3): the device's, or a gateway's for sub-device traffic.
    pub local_key: Option<&'k LocalKey>,
    /// The own secp160r1 key pair (enctype 2): the device's (its `devkey`) or the app's.
    pub key_pair: Option<&'k KeyPair>,
    /// The peer's public key, for *sealing* enctype 2 (the app uses the device's `devkey`).
    pub peer_key: Option<&'k PublicKey>,
    /// How the peer copies the enctype 2 IV: [`IvCompat::Standard`] (the spec, SDK ≥ 2.0.15)
    /// unless [`open_lenient`] reported [`Quirk::TruncatedIv`] for this peer (compat §3.1: SDKs ≤
    /// 2.0.12 cut the IV at its first 0x00); then seal and open with
    /// [`IvCompat::LegacyStrncpy`].
    pub iv_compat: IvCompat,
}

/// A received LAN packet, decrypted and typed; borrows the caller's buffer.
#[cfg(feature = "json")]
#[derive(Debug, Clone)]
pub struct OpenedLan<'a> {
    /// The header as received.
    pub header: Header,
    /// The opt section in clear (the sender's compressed public key for enctype 2).
    pub opt: &'a [u8],
    /// The sender's public key: `opt` of a type 2/102 request (or of a scan request when it holds
    /// a valid key; devices ignore it), or the `devkey` of a scan answer — `None` when that
    /// `devkey` is empty (modules before activation) or not a valid key: the answer still opens.
    pub peer_key: Option<PublicKey>,
    /// The typed body.
    pub message: Message<'a>,
    /// What the CRC check found ([`CrcStatus::NotChecked`](joylink_wire::CrcStatus::NotChecked)
    /// under [`CrcPolicy::Ignore`]).
    pub crc_status: joylink_wire::CrcStatus,
    /// What [`open_lenient`] needed to read the packet (always `None` from [`open`]).
    pub quirk: Option<Quirk>,
}

/// Opens a LAN packet in place and types its body: decodes the header and opt once
/// ([`PartialParse`]), checks the magic and the enctype against [`joylink_wire::table`], picks
/// the key, opens with `joylink_crypto::open` and types the plaintext.
///
/// ```
/// use joylink::lan::{self, LanKeys};
/// use joylink::crypto::LocalKey;
/// use joylink::wire::{CrcPolicy, Direction, PacketType};
/// use joylink::wire::lan::{JsonControlResponse, Message, Stream, Timestamped};
///
/// let key: LocalKey = "be4d957a4da771d609ab383e548014a0".parse()?;
/// let keys = LanKeys { local_key: Some(&key), ..LanKeys::default() };
/// // The device answers a JSON control (it goes out as type 4, enctype 3).
/// let reply = Message::JsonControlResponse(Timestamped {
///     timestamp: 1_700_000_000,
///     body: JsonControlResponse::success(vec![Stream::new("switch", 1)]),
/// });
/// let mut packet = lan::seal_vec(&reply, &keys)?;
/// let got = lan::open(&mut packet, &keys, Direction::FromDevice, CrcPolicy::Verify)?;
/// assert_eq!(got.header.packet_type, PacketType::ScriptControl);
/// assert!(matches!(got.message, Message::JsonControlResponse(t) if t.timestamp == 1_700_000_000));
/// # Ok::<(), joylink::Error>(())
/// ```
///
/// # Errors
/// [`Error::WrongNetwork`], [`Error::EncTypeNotAllowed`], [`Error::MissingKey`], [`Error::Crypto`]
/// (bad header or CRC under `crc`, wrong key or a plaintext too short for its body — one
/// `Decrypt` value, the decrypted bytes wiped — invalid public key in an enctype 2 `opt`),
/// [`Error::Wire`]`(`[`Json`](joylink_wire::Error::Json)`)` for a bad JSON body;
/// [`Error::Wire`]`(`[`Fragment`](joylink_wire::Error::Fragment)`)` for one
/// fragment of a larger message (join them with [`Reassembler`](joylink_wire::Reassembler)
/// and open the reassembled packet).
#[cfg(feature = "json")]
pub fn open<'a>(
    buf: &'a mut [u8],
    keys: &LanKeys<'_>,
    direction: Direction,
    crc: CrcPolicy,
) -> Result<OpenedLan<'a>> {
    open_with(buf, keys, direction, crc, keys.iv_compat, false)
}

/// [`open`] for the APP side, lenient to what shipped modules send (compat §16); the
/// [`OpenedLan::quirk`] says which reading it needed, so a session can remember it per peer.
///
/// - Device → app: the fallbacks of [`parse_lenient`](joylink_wire::lan::parse_lenient)
///   when the strict reading fails — a write-key answer behind 4 bytes (compat §16.2, the
///   third-party Python client HAM), the control-response layout under type 3 and a type-3
///   answer without a timestamp (compat §16.1, the HiFlying module port).
/// - Enctype 2: when the standard IV does not open the packet (bad padding, or a first block
///   that does not read as the expected timestamp and JSON) and the IV has a 0x00 with other
///   bytes after it, the IV cut at its first 0x00 is tried ([`IvCompat::LegacyStrncpy`]: the
///   `strncpy` copy of SDKs ≤ 2.0.12 and of the E17-based HiFlying port, compat §3.1, §16.1);
///   success reports [`Quirk::TruncatedIv`]. Only then does the packet cost a copy of itself.
///
/// ```
/// use joylink::lan::{self, LanKeys, Quirk};
/// use joylink::crypto::LocalKey;
/// use joylink::wire::{CrcPolicy, Direction, EncType, Header, Magic, PacketType};
///
/// let key: LocalKey = "be4d957a4da771d609ab383e548014a0".parse()?;
/// let keys = LanKeys { local_key: Some(&key), ..LanKeys::default() };
/// // A type-3 answer that is bare JSON, no timestamp (the HiFlying port).
/// let json = br#"{"code":0}"#;
/// let mode = joylink::crypto::Mode::LocalKey(&key);
/// let header = Header::new(Magic::Lan, PacketType::JsonControl, EncType::PreShared);
/// let mut packet = vec![0u8; joylink::crypto::sealed_len(&mode, 0, json.len())];
/// packet[16..16 + json.len()].copy_from_slice(json);
/// joylink::crypto::seal(&header, &mode, 0, json.len(), &mut packet)?;
/// let mut strict = packet.clone();
/// assert!(lan::open(&mut strict, &keys, Direction::FromDevice, CrcPolicy::Verify).is_err());
/// let got = lan::open_lenient(&mut packet, &keys, Direction::FromDevice, CrcPolicy::Verify)?;
/// assert_eq!(got.quirk, Some(Quirk::NoTimestamp));
/// # Ok::<(), joylink::Error>(())
/// ```
///
/// # Errors
/// As [`open`]; when the truncated IV does not open the packet either, the standard reading's
/// error.
#[cfg(feature = "json")]
pub fn open_lenient<'a>(
    buf: &'a mut [u8],
    keys: &LanKeys<'_>,
    direction: Direction,
    crc: CrcPolicy,
) -> Result<OpenedLan<'a>> {
    if !truncated_iv_differs(buf, keys, crc) {
        return open_with(buf, keys, direction, crc, keys.iv_compat, true);
    }
    // Opening is in place: keep the ciphertext for the second try.
    let copy = buf.to_vec();
    let first = open_with(buf, keys, direction, crc, IvCompat::Standard, true).err();
    buf.copy_from_slice(&copy);
    let Some(first) = first else {
        return open_with(buf, keys, direction, crc, IvCompat::Standard, true);
    };
    match open_with(buf, keys, direction, crc, IvCompat::LegacyStrncpy, true) {
        Ok(mut incoming) => {
            incoming.quirk = Some(Quirk::TruncatedIv);
            Ok(incoming)
        }
        Err(_) => Err(first),
    }
}

/// Whether `buf` is an enctype 2 packet the keys can open whose IV changes when cut at its
/// first 0x00 (about 6 % of key pairs, compat §3.1) and the keys do not already say so.
#[cfg(feature = "json")]
fn truncated_iv_differs(buf: &[u8], keys: &LanKeys<'_>, crc: CrcPolicy) -> bool {
    let Ok(packet) = joylink_wire::parse(buf, crc) else {
        return false;
    };
    if packet.header.enc_type != EncType::Ecdh || keys.iv_compat != IvCompat::Standard {
        return false;
    }
    let (Some(pair), Ok(peer)) = (keys.key_pair, PublicKey::from_bytes(packet.opt)) else {
        return false;
    };
    let secret = pair.private_key().diffie_hellman(&peer);
    let standard = KeyIv::from_shared_secret(&secret);
    let legacy = standard.clone().with_iv_compat(IvCompat::LegacyStrncpy);
    standard.raw_secret_iv() != legacy.raw_secret_iv()
}

/// The one open path: `iv` for enctype 2, `lenient` for [`open_lenient`]'s readings.
#[cfg(feature = "json")]
fn open_with<'a>(
    buf: &'a mut [u8],
    keys: &LanKeys<'_>,
    direction: Direction,
    crc: CrcPolicy,
    iv: IvCompat,
    lenient: bool,
) -> Result<OpenedLan<'a>> {
    let packet = PartialParse::new(buf, crc)?;
    let header = *packet.header();
    // A fragment's payload is a slice of a larger message: reassemble first (spec 3.2).
    header.check_unfragmented()?;
    let entry = packet.entry(direction);
    check_header(&header, entry.enc_type)?;
    let opt_key = match header.enc_type {
        EncType::Ecdh => Some(PublicKey::from_bytes(packet.opt())?),
        _ if header.packet_type == PacketType::Scan => PublicKey::from_bytes(packet.opt()).ok(),
        _ => None,
    };
    let missing = |key| Error::MissingKey {
        key,
        packet_type: header.packet_type,
    };
    let secret: SharedSecret;
    let mode = match header.enc_type {
        EncType::None => Mode::None,
        EncType::Ecdh => {
            let pair = keys.key_pair.ok_or(missing("key pair"))?;
            let peer = opt_key.ok_or(missing("peer public key"))?;
            secret = pair.private_key().diffie_hellman(&peer).with_iv_compat(iv);
            Mode::Ecdh(&secret)
        }
        _ => Mode::LocalKey(keys.local_key.ok_or(missing("localkey"))?),
    };
    let options = OpenOptions::new().timestamp(entry.timestamp);
    let mut opened = joylink_crypto::open(packet, &mode, options)?;
    // A binary body too short for its struct is refused like bad padding (one `Decrypt`, the
    // payload wiped).
    let binary = matches!(entry.body, BodyKind::Struct | BodyKind::ScriptStruct)
        || (entry.body == BodyKind::StructOrJson
            && joylink_wire::lan::is_script_response(opened.plaintext));
    if binary {
        opened = opened.refuse_short(|p| {
            joylink_wire::lan::parse(header.packet_type, p, direction).map(drop)
        })?;
    }
    let plaintext: &'a [u8] = opened.plaintext;
    let (message, quirk) = if lenient {
        joylink_wire::lan::parse_lenient(header.packet_type, plaintext, direction)?
    } else {
        (
            joylink_wire::lan::parse(header.packet_type, plaintext, direction)?,
            None,
        )
    };
    let peer_key = match &message {
        // An empty or invalid devkey (modules before activation send "") marks the key absent:
        // the reply itself is still the device's answer.
        Message::ScanResponse(r) => r.device_key().and_then(|k| PublicKey::from_devkey(k).ok()),
        _ => opt_key,
    };
    Ok(OpenedLan {
        header: opened.header,
        opt: opened.opt,
        peer_key,
        message,
        crc_status: opened.crc_status,
        quirk,
    })
}

/// Seals a message into a packet as a shipped peer sends it: [`Message::packet_type`],
/// [`Message::enc_type`], [`Message::emit`]; for enctype 2 the own compressed public key
/// goes into `opt` and the key is ECDH with [`LanKeys::peer_key`].
///
/// An app writes the keys to a device (type 2, enctype 2); the device opens the packet with its
/// own key pair alone, the app's public key travelling in `opt`:
///
/// ```
/// use joylink::crypto::{KeyPair, PrivateKey};
/// use joylink::lan::{self, LanKeys};
/// use joylink::wire::lan::{Message, Timestamped, WriteKeyData, WriteKeyRequest};
/// use joylink::wire::{CrcPolicy, Direction, EncType, PacketType};
///
/// let app = KeyPair::from_private_key(PrivateKey::from_bytes(&[0x11; 20])?);
/// let device = KeyPair::from_private_key(PrivateKey::from_bytes(&[0x22; 20])?);
/// let (feed_id, accesskey) = ("7882708419766653", "961745eaa28c7ff6854b94a91ce19a91");
/// let data = WriteKeyData::new(feed_id, accesskey, "be4d957a4da771d609ab383e548014a0");
/// let body = WriteKeyRequest { data };
/// let write_key = Message::WriteKeyRequest(Timestamped { timestamp: 1_000, body });
/// let peer_key = Some(device.public_key());
/// let app_keys = LanKeys { key_pair: Some(&app), peer_key, ..LanKeys::default() };
/// let mut packet = lan::seal_vec(&write_key, &app_keys)?;
///
/// let device_keys = LanKeys { key_pair: Some(&device), ..LanKeys::default() };
/// let got = lan::open(&mut packet, &device_keys, Direction::ToDevice, CrcPolicy::Verify)?;
/// let h = got.header;
/// assert_eq!((h.packet_type, h.enc_type), (PacketType::WriteKey, EncType::Ecdh));
/// assert!(got.peer_key == Some(*app.public_key())); // read from the clear `opt`
/// let Message::WriteKeyRequest(t) = got.message else { unreachable!() };
/// assert_eq!(&*t.body.data.feed_id, feed_id);
/// # Ok::<(), joylink::Error>(())
/// ```
///
/// # Errors
/// [`Error::MissingKey`], [`Error::Wire`] (a bad JSON body), [`Error::Crypto`].
#[cfg(feature = "json")]
pub fn seal_vec(message: &Message<'_>, keys: &LanKeys<'_>) -> Result<alloc::vec::Vec<u8>> {
    let plaintext = message.emit()?;
    let header = Header::new(Magic::Lan, message.packet_type(), message.enc_type());
    let missing = |key| Error::MissingKey {
        key,
        packet_type: header.packet_type,
    };
    let secret: SharedSecret;
    let mut opt: &[u8] = &[];
    let own_key;
    let mode = match message.enc_type() {
        EncType::None => Mode::None,
        EncType::Ecdh => {
            let pair = keys.key_pair.ok_or(missing("key pair"))?;
            let peer = keys.peer_key.ok_or(missing("peer public key"))?;
            secret = pair
                .private_key()
                .diffie_hellman(peer)
                .with_iv_compat(keys.iv_compat);
            own_key = pair.public_key().to_compressed();
            opt = &own_key;
            Mode::Ecdh(&secret)
        }
        _ => Mode::LocalKey(keys.local_key.ok_or(missing("localkey"))?),
    };
    let len = joylink_crypto::sealed_len(&mode, opt.len(), plaintext.len());
    let mut out = alloc::vec![0u8; len];
    let at = HEADER_LEN.saturating_add(opt.len());
    // `out` is exactly `16 + opt + payload` long, so both ranges exist.
    if let Some(o) = out.get_mut(HEADER_LEN..at) {
        o.copy_from_slice(opt);
    }
    if let Some(p) = out.get_mut(at..).and_then(|r| r.get_mut(..plaintext.len())) {
        p.copy_from_slice(&plaintext);
    }
    let n = joylink_crypto::seal(&header, &mode, opt.len(), plaintext.len(), &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// A type-104 body to seal: the fixed fields and the *plaintext* `cmd[]`/`resp[]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubDevScript<'a> {
    /// Timestamp (request: the app's; reply: the gateway's).
    pub timestamp: u32,
    /// biz_code.
    pub biz_code: BizCode,
    /// Serial (the reply echoes the request's).
    pub serial: u32,
    /// The sub-device's feedid (at most 32 bytes).
    pub feed_id: &'a [u8],
    /// The plaintext command or answer; sealed with the sub-device's key.
    pub data: &'a [u8],
}

/// Exact packet length [`seal_subdev_script`] writes (its example sizes the buffer with it).
pub const fn subdev_script_len(outer: &Mode<'_>, inner: &Mode<'_>, data_len: usize) -> usize {
    HEADER_LEN.saturating_add(
        outer.payload_len(SUBDEV_SCRIPT_FIXED_LEN.saturating_add(inner.payload_len(data_len))),
    )
}

/// Writes a whole type-104 packet into `buf` with both layers (spec 6.3.8, 8.2): `data` sealed
/// with `inner` (the sub-device's localkey), then the 44-byte fixed part plus that ciphertext
/// sealed with `outer` (the gateway's localkey, enctype 3). The layout is the spec's, for both
/// directions (compat §6.9 recommendation). Returns [`subdev_script_len`].
///
/// The whole type-104 round trip: the app seals a command for a sub-device, the gateway opens
/// its layer with [`open_subdev_script`], reads the feedid and opens the inner layer with that
/// sub-device's key:
///
/// ```
/// use joylink::crypto::{LocalKey, Mode};
/// use joylink::lan::{self, SubDevScript};
/// use joylink::wire::lan::ResponseLayout;
/// use joylink::wire::{BizCode, CrcPolicy, PacketType};
///
/// let gateway: LocalKey = "62e3af29dfaa061b340b2f87ce748c7e".parse()?;
/// let sub_device: LocalKey = "22dc6dd29b5b3b2f80cc44d6cb3aad1a".parse()?;
/// let (outer, inner) = (Mode::LocalKey(&gateway), Mode::LocalKey(&sub_device));
/// let data = br#"{"streams":[{"stream_id":"power","current_value":"1"}]}"#;
/// let script = SubDevScript {
///     timestamp: 1_700_000_000, biz_code: BizCode::Control, serial: 9, feed_id: b"sub-0001", data,
/// };
/// let mut packet = vec![0u8; lan::subdev_script_len(&outer, &inner, data.len())];
/// assert_eq!(lan::seal_subdev_script(&script, &outer, &inner, &mut packet)?, packet.len());
///
/// let layout = ResponseLayout::Spec;
/// let received = lan::open_subdev_script(&mut packet, &outer, layout, CrcPolicy::Verify)?;
/// assert_eq!(received.feed_id().as_bytes(), b"sub-0001"); // pick the sub-device's key by it
/// let opened = received.open_inner(&inner)?;
/// assert_eq!(opened.header.packet_type, PacketType::SubDevScriptControl);
/// assert_eq!((opened.biz_code, opened.serial, opened.data), (BizCode::Control, 9, &data[..]));
/// # Ok::<(), joylink::Error>(())
/// ```
///
/// # Errors
/// [`Error::Wire`]`(TooLong)` for a feedid above 32 bytes, [`Error::Crypto`]`(BufferTooSmall)`
/// when `buf` is short; nothing is written then.
pub fn seal_subdev_script(
    script: &SubDevScript<'_>,
    outer: &Mode<'_>,
    inner: &Mode<'_>,
    buf: &mut [u8],
) -> Result<usize> {
    if script.feed_id.len() > FEEDID_LEN {
        return Err(joylink_wire::Error::TooLong {
            field: "feedid",
            len: script.feed_id.len(),
            max: FEEDID_LEN,
        }
        .into());
    }
    let inner_len = inner.payload_len(script.data.len());
    let body_len = SUBDEV_SCRIPT_FIXED_LEN.saturating_add(inner_len);
    let total = subdev_script_len(outer, inner, script.data.len());
    let available = buf.len();
    let too_small = joylink_crypto::Error::BufferTooSmall {
        needed: total,
        available,
    };
    if available < total {
        return Err(too_small.into());
    }
    let body = buf
        .get_mut(HEADER_LEN..)
        .and_then(|b| b.get_mut(..body_len))
        .ok_or(too_small)?;
    let mut view = SubDevScriptBody::new_unchecked(&mut *body);
    view.set_timestamp(script.timestamp)?;
    view.set_biz_code(script.biz_code)?;
    view.set_serial(script.serial)?;
    view.set_feed_id(script.feed_id)?;
    seal_inner(inner, script.data, view.data_mut())?;
    let header = Header::new(
        Magic::Lan,
        PacketType::SubDevScriptControl,
        outer.enc_type(),
    );
    Ok(joylink_crypto::seal(&header, outer, 0, body_len, buf)?)
}

/// A type-104 packet with its outer layer opened: the fixed fields are readable, the inner
/// `cmd[]`/`resp[]` is still sealed (the gateway picks the sub-device's key by [`feedid`]).
///
/// [`feedid`]: SubDevScriptOuter::feed_id
#[derive(Debug)]
pub struct SubDevScriptOuter<'a> {
    /// The header as received.
    pub header: Header,
    /// What the CRC check found ([`CrcStatus::NotChecked`](joylink_wire::CrcStatus::NotChecked)
    /// under [`CrcPolicy::Ignore`]).
    pub crc_status: joylink_wire::CrcStatus,
    body: &'a mut [u8],
    layout: ResponseLayout,
}

/// A fully opened type-104 body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenedSubDevScript<'a> {
    /// The header as received.
    pub header: Header,
    /// Timestamp (0 for a shipped gateway's reply).
    pub timestamp: u32,
    /// biz_code (`Unspecified` for a shipped gateway's reply).
    pub biz_code: BizCode,
    /// Serial (0 for a shipped gateway's reply).
    pub serial: u32,
    /// The sub-device's feedid.
    pub feed_id: FixedText<'a>,
    /// The decrypted `cmd[]` / `resp[]`.
    pub data: &'a [u8],
    /// What the CRC check found ([`CrcStatus::NotChecked`](joylink_wire::CrcStatus::NotChecked)
    /// under [`CrcPolicy::Ignore`]).
    pub crc_status: joylink_wire::CrcStatus,
}

impl<'a> SubDevScriptOuter<'a> {
    /// The sub-device's feedid, readable before the inner layer is opened (example: see
    /// [`seal_subdev_script`]).
    pub fn feed_id(&self) -> FixedText<'_> {
        let range = match self.layout {
            ResponseLayout::Spec => joylink_wire::CONTROL_HEADER_LEN..SUBDEV_SCRIPT_FIXED_LEN,
            _ => 0..FEEDID_LEN,
        };
        FixedText::new("feedid", self.body.get(range).unwrap_or_default())
    }

    /// Opens the inner layer with the sub-device's key (example: see [`seal_subdev_script`]).
    ///
    /// # Errors
    /// [`Error::Crypto`]`(Decrypt)`.
    pub fn open_inner(self, inner: &Mode<'_>) -> Result<OpenedSubDevScript<'a>> {
        let (fixed, data) = self
            .body
            .split_at_mut_checked(SUBDEV_SCRIPT_FIXED_LEN)
            .ok_or(joylink_wire::Error::Truncated {
                needed: SUBDEV_SCRIPT_FIXED_LEN,
                available: 0,
            })?;
        let data = inner.open_in_place(data)?;
        let fixed: &'a [u8] = fixed;
        let parsed =
            joylink_wire::lan::SubDevScriptControlResponse::parse_with(fixed, self.layout)?;
        Ok(OpenedSubDevScript {
            header: self.header,
            timestamp: parsed.timestamp,
            biz_code: parsed.biz_code,
            serial: parsed.serial,
            feed_id: parsed.feed_id,
            data,
            crc_status: self.crc_status,
        })
    }
}

/// Opens the outer layer of a type-104 packet (gateway key, `outer`) in place. Use
/// [`ResponseLayout::Spec`] for requests and spec-following replies, [`ResponseLayout::Shipped`]
/// for replies of shipped gateways (compat: a shipped gateway puts the feed id first, then 12
/// bytes of leftovers, and sends no timestamp, biz_code or serial).
///
/// Example: the round trip on [`seal_subdev_script`].
///
/// # Errors
/// [`Error::WrongPacketType`] for any type but 104, [`Error::WrongNetwork`],
/// [`Error::EncTypeNotAllowed`] (not `outer`'s enctype), [`Error::Crypto`] (header, CRC; a wrong
/// key or a body shorter than its 44-byte fixed part is one `Decrypt`, the payload wiped).
pub fn open_subdev_script<'a>(
    buf: &'a mut [u8],
    outer: &Mode<'_>,
    layout: ResponseLayout,
    crc: CrcPolicy,
) -> Result<SubDevScriptOuter<'a>> {
    let packet = PartialParse::new(buf, crc)?;
    let header = *packet.header();
    if header.packet_type != PacketType::SubDevScriptControl {
        return Err(Error::WrongPacketType {
            expected: PacketType::SubDevScriptControl,
            found: header.packet_type,
        });
    }
    check_header(&header, outer.enc_type())?;
    // The struct has its own timestamp field (and a shipped gateway's reply has none): the only
    // length rule is the 44-byte fixed part, refused like bad padding when it is missing.
    let options = OpenOptions::new()
        .timestamp(false)
        .min_len(SUBDEV_SCRIPT_FIXED_LEN);
    let opened = joylink_crypto::open(packet, outer, options)?;
    Ok(SubDevScriptOuter {
        header,
        crc_status: opened.crc_status,
        body: opened.plaintext,
        layout,
    })
}
