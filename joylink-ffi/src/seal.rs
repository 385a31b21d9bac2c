//! Sealing and opening packets in place, for every enctype (spec 3.6, chapter 4):
//! `jl_sealed_len`, `jl_seal_in_place`, `jl_open_in_place`.

use core::ffi::{c_int, c_void};
use core::ptr;

use joylink_crypto::{
    EncTypeCheck, IvCompat, LocalKey, Mode, OpenOptions, PreparedKey, SessionKey, SharedSecret,
    TIMESTAMP_LEN,
};
use joylink_wire::{HEADER_LEN, Header, PartialParse};

use crate::packet::{JlHeader, crc_policy};
use crate::ptr::{bytes, bytes_mut, check_bytes, check_struct, read, write};
use crate::status::{
    JL_ERR_BAD_KEY, JL_ERR_BUFFER_TOO_SMALL, JL_ERR_INVALID_ARGUMENT, JL_ERR_NULL, JL_ERR_STATE,
    JlStatus, Status, ret,
};

/// Length of the little-endian timestamp that starts every sealed plaintext (spec 4.4).
pub const JL_TIMESTAMP_LEN: usize = 4;
/// Length of a key string (localkey, accesskey) and of a session key.
pub const JL_KEY_LEN: usize = 32;
/// The most PKCS#7 padding adds to a plaintext (a full AES block).
pub const JL_MAX_PADDING: usize = 16;
// Literals so that cbindgen can print them; checked against the source of truth.
const _: () = assert!(JL_TIMESTAMP_LEN == TIMESTAMP_LEN);
const _: () = assert!(JL_KEY_LEN == joylink_crypto::KEY_LEN);
const _: () = assert!(JL_MAX_PADDING == joylink_crypto::cbc::BLOCK_LEN);

/// Key flag: copy binary IVs as SDK ≤ 2.0.12 does (every IV byte from the first 0x00 on is 0x00;
/// vectors/README "Old SDK IV bug"). Only for enctypes 2 and 4, and only for such old peers.
pub const JL_KEY_FLAG_LEGACY_IV: u32 = 1;
/// Key flag: open a packet whatever its `enctype` byte says (shipped WAN devices pick the key by
/// packet type and never read it).
pub const JL_KEY_FLAG_ANY_ENCTYPE: u32 = 2;
const KNOWN_FLAGS: u32 = JL_KEY_FLAG_LEGACY_IV | JL_KEY_FLAG_ANY_ENCTYPE;

/// The `enctype` values (spec 3.6, plus 4 which every shipped SDK uses after WAN auth).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum JlEncType {
    /// 0: in clear (the key bytes are ignored and may be NULL).
    JL_ENC_NONE = 0,
    /// 1: the spec's published static key (spec 4.2) — obfuscation only; no shipped SDK uses it.
    JL_ENC_STATIC = 1,
    /// 2: ECDH; key = the 20-byte shared secret (`jl_ecdh_shared_t.secret`).
    JL_ENC_ECDH = 2,
    /// 3: pre-shared; key = the 32-character localkey (LAN) or accesskey (WAN auth) as ASCII.
    JL_ENC_PRESHARED = 3,
    /// 4: WAN session key; key = the 32 raw bytes from the auth answer.
    JL_ENC_SESSION = 4,
}

/// A key and the enctype it is used with.
///
/// | `enc_type` | `key` / `key_len` |
/// |---|---|
/// | 0, 1 | ignored (NULL allowed) |
/// | 2 | 20-byte ECDH shared secret |
/// | 3 | 32 ASCII characters of the localkey / accesskey (not hex-decoded) |
/// | 4 | 32-byte session key |
///
/// # Security
/// Enctype 1's key is printed in the spec, and the protocol has no MAC: CBC keeps a passive
/// listener out but an active attacker can flip bits or replay packets.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct JlKey {
    /// One of `jl_enc_type_t` (`JL_ENC_*`).
    pub enc_type: u32,
    /// `JL_KEY_FLAG_*` bits, 0 normally.
    pub flags: u32,
    /// The key bytes.
    pub key: *const u8,
    /// Their length.
    pub key_len: usize,
}

/// The Rust key objects a [`Mode`] borrows from (they zeroize themselves on drop).
enum KeyStore {
    None,
    Static,
    Ecdh(SharedSecret),
    Local(LocalKey),
    Session(SessionKey),
}

impl KeyStore {
    /// # Safety
    /// `k.key` must point to `k.key_len` readable bytes (or be NULL with `key_len` 0).
    unsafe fn from_c(k: &JlKey) -> Status<(KeyStore, u32)> {
        if k.flags & !KNOWN_FLAGS != 0 {
            return Err(JL_ERR_INVALID_ARGUMENT);
        }
        let compat = if k.flags & JL_KEY_FLAG_LEGACY_IV != 0 {
            IvCompat::LegacyStrncpy
        } else {
            IvCompat::Standard
        };
        let key_bytes = || -> Status<&[u8]> {
            // SAFETY: forwarded caller contract.
            unsafe { bytes(k.key, k.key_len) }
        };
        let store = match k.enc_type {
            0 => KeyStore::None,
            1 => KeyStore::Static,
            2 => {
                let raw: [u8; 20] = key_bytes()?.try_into().map_err(|_| JL_ERR_BAD_KEY)?;
                KeyStore::Ecdh(SharedSecret::from_bytes(raw).with_iv_compat(compat))
            }
            3 => KeyStore::Local(LocalKey::from_ascii(key_bytes()?).map_err(JlStatus::from)?),
            4 => KeyStore::Session(
                SessionKey::from_slice(key_bytes()?)
                    .map_err(JlStatus::from)?
                    .with_iv_compat(compat),
            ),
            _ => return Err(JL_ERR_INVALID_ARGUMENT),
        };
        Ok((store, k.flags))
    }

    fn mode(&self) -> Mode<'_> {
        match self {
            KeyStore::None => Mode::None,
            KeyStore::Static => Mode::Static,
            KeyStore::Ecdh(s) => Mode::Ecdh(s),
            KeyStore::Local(k) => Mode::LocalKey(k),
            KeyStore::Session(k) => Mode::Session(k),
        }
    }
}

/// Reads and converts the caller's key.
///
/// # Safety
/// `key` must point to a readable `jl_key_t` whose `key` field points to `key_len` readable bytes.
unsafe fn load_key(key: *const JlKey) -> Status<(KeyStore, u32)> {
    // SAFETY: forwarded caller contract.
    let k = unsafe { read(key) }?;
    // SAFETY: forwarded caller contract.
    unsafe { KeyStore::from_c(&k) }
}

/// Length of the payload for a plaintext of `len` bytes under `enc_type`.
fn payload_len(enc_type: u32, len: usize) -> Status<usize> {
    match enc_type {
        0 => Ok(len),
        1..=4 => Ok(joylink_crypto::cbc::padded_len(len)),
        _ => Err(JL_ERR_INVALID_ARGUMENT),
    }
}

/// Exact length of the packet `jl_seal_in_place` writes for `opt_len` bytes of opt and
/// `body_len` bytes of body (the 4-byte timestamp comes on top):
/// `16 + opt_len + 4 + body_len` in clear, `16 + opt_len + padded(4 + body_len)` encrypted.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT` (unknown enctype) or
/// `JL_ERR_TOO_LONG` (the payload or opt would not fit the 16-bit length fields).
///
/// # Safety
/// `out_len` must point to a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_sealed_len(
    enc_type: u32,
    opt_len: usize,
    body_len: usize,
    out_len: *mut usize,
) -> c_int {
    let r = (|| {
        check_struct(out_len)?;
        let plain = body_len
            .checked_add(TIMESTAMP_LEN)
            .ok_or(JlStatus::JL_ERR_TOO_LONG)?;
        let n = joylink_wire::packet_len(opt_len, payload_len(enc_type, plain)?)?;
        // SAFETY: forwarded caller contract (`out_len` writable, checked).
        unsafe { write(out_len, n) }
    })();
    ret(r)
}

/// Seals a packet in place: the caller has put the body at
/// `buf + JL_BODY_OFFSET(opt_len)` (= `16 + opt_len + 4`); this writes the header, copies `opt`
/// to `buf + 16`, writes `timestamp` little-endian before the body, encrypts
/// `timestamp ‖ body` in place with the key (PKCS#7 padding after it) and fills in the CRC16.
///
/// From `header` the magic, version, type, total, index and reserved are used; `opt_len`,
/// `payload_len`, `crc` are computed and `enc_type` is the key's. `opt` may point anywhere,
/// including at `buf + 16` already (it is moved like `memmove`); NULL when `opt_len` is 0.
///
/// `*out_len` receives the packet length (`jl_sealed_len`), or on `JL_ERR_BUFFER_TOO_SMALL`
/// the length needed (nothing written then; the body is untouched).
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_BUFFER_TOO_SMALL`, `JL_ERR_TOO_LONG`,
/// `JL_ERR_BAD_MAGIC`, `JL_ERR_BAD_KEY`, `JL_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// `header`, `key` (and the bytes it points to) must be readable; `opt` readable for `opt_len`
/// bytes; `buf` writable for `buf_len` bytes; `out_len` a writable `size_t`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // a C signature
pub unsafe extern "C" fn jl_seal_in_place(
    header: *const JlHeader,
    key: *const JlKey,
    opt: *const u8,
    opt_len: usize,
    timestamp: u32,
    body_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> c_int {
    let r = (|| {
        // SAFETY: forwarded caller contract.
        unsafe { write(out_len, 0) }?;
        // SAFETY: forwarded caller contract.
        let h: Header = unsafe { read(header) }?.to_header()?;
        // SAFETY: forwarded caller contract.
        let (store, _) = unsafe { load_key(key) }?;
        // SAFETY: forwarded caller contract.
        unsafe {
            seal_with(
                &h,
                &store.mode(),
                opt,
                opt_len,
                timestamp,
                body_len,
                buf,
                buf_len,
                out_len,
            )
        }
    })();
    ret(r)
}

/// The body of `jl_seal_in_place` and `jl_seal_in_place_prepared` once the key is a [`Mode`].
///
/// # Safety
/// As `jl_seal_in_place` (`out_len` already checked writable and zeroed).
#[allow(clippy::too_many_arguments)] // a C signature
unsafe fn seal_with(
    h: &Header,
    mode: &Mode<'_>,
    opt: *const u8,
    opt_len: usize,
    timestamp: u32,
    body_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> Status {
    {
        let plain = body_len
            .checked_add(TIMESTAMP_LEN)
            .ok_or(JlStatus::JL_ERR_TOO_LONG)?;
        let payload_len = mode.payload_len(plain);
        let total = joylink_wire::packet_len(opt_len, payload_len)?;
        if buf_len < total {
            // SAFETY: forwarded caller contract.
            unsafe { write(out_len, total) }?;
            return Err(JL_ERR_BUFFER_TOO_SMALL);
        }
        // Validate both ranges before writing anything; no reference to `opt` is ever made, so
        // it may overlap `buf` (e.g. already sit at `buf + 16`).
        check_bytes(buf, buf_len)?; // buf_len >= total > 0: NULL is refused here
        check_bytes(opt, opt_len)?;
        if opt_len > 0 {
            // SAFETY: `buf` holds `buf_len >= total >= 16 + opt_len` writable bytes and `opt`
            // `opt_len` readable bytes (caller contract; both ranges checked above);
            // `ptr::copy` is memmove, so overlap is fine; no reference to either is alive.
            unsafe { ptr::copy(opt, buf.wrapping_add(HEADER_LEN), opt_len) };
        }
        // SAFETY: forwarded caller contract (`buf` writable for `buf_len`), no other borrow.
        let out = unsafe { bytes_mut(buf, buf_len) }?;
        let start = HEADER_LEN.saturating_add(opt_len);
        let (ts, _) = out
            .get_mut(start..)
            .and_then(<[u8]>::split_first_chunk_mut::<TIMESTAMP_LEN>)
            .ok_or(JL_ERR_BUFFER_TOO_SMALL)?;
        *ts = timestamp.to_le_bytes();
        // The one seal of joylink-crypto: opt and `timestamp ‖ body` are in place.
        let n = joylink_crypto::seal(h, mode, opt_len, plain, out)?;
        // SAFETY: forwarded caller contract.
        unsafe { write(out_len, n) }
    }
}

/// An opened packet: header, opt, timestamp and body, pointing into the caller's buffer.
///
/// On failure the struct is zeroed (pointers NULL).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct JlOpened {
    /// The header as received.
    pub header: JlHeader,
    /// The `opt` section (`header.opt_len` bytes), e.g. the APP's public key for enctype 2.
    pub opt: *const u8,
    /// The timestamp, plaintext bytes 0..4 read little-endian (spec 4.4). Replay checks
    /// (strictly increasing per peer) are the caller's.
    pub timestamp: u32,
    /// The decrypted body after the timestamp, inside the buffer.
    pub body: *const u8,
    /// Its length.
    pub body_len: usize,
    /// What the CRC check found (`JL_CRC_VERIFIED`, `JL_CRC_MISMATCH`, `JL_CRC_NOT_CHECKED`), as
    /// in `jl_packet_t`.
    pub crc_status: u8,
}

impl JlOpened {
    const ZERO: JlOpened = JlOpened {
        header: JlHeader {
            magic: 0,
            opt_len: 0,
            payload_len: 0,
            version: 0,
            packet_type: 0,
            total: 0,
            index: 0,
            enc_type: 0,
            reserved: 0,
            crc: 0,
        },
        opt: ptr::null(),
        timestamp: 0,
        body: ptr::null(),
        body_len: 0,
        crc_status: crate::packet::JL_CRC_NOT_CHECKED,
    };
}

/// Opens a sealed packet in place: checks the header (magic, `len == 16 + optlen + payloadlen`),
/// the CRC as `crc_policy` says, that `enctype` is the key's (unless `JL_KEY_FLAG_ANY_ENCTYPE`),
/// decrypts the payload inside `buf` and splits off the 4-byte timestamp. This is joylink-crypto's
/// one `open`, so C and Rust behave the same.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_TRUNCATED`,
/// `JL_ERR_BAD_MAGIC`, `JL_ERR_LENGTH_MISMATCH`, `JL_ERR_CRC_MISMATCH`,
/// `JL_ERR_ENCTYPE_MISMATCH`, `JL_ERR_BAD_KEY`, `JL_ERR_DECRYPT`.
///
/// `JL_ERR_DECRYPT` is the one answer for every failure once decryption has started: a wrong
/// key, bad padding, a payload length that is not a multiple of 16, a plaintext shorter than the
/// 4 timestamp bytes. After it, every payload byte is zero (from `buf + 16 + opt_len` to the
/// end): no decrypted byte is left behind. Every other error leaves the buffer unchanged
/// (`JL_ERR_TRUNCATED` then means a short header, or an enctype-0 payload shorter than its
/// timestamp). `*out` is zeroed on every failure.
///
/// # Safety
/// `buf` must point to `len` writable bytes; `key` to a readable `jl_key_t` (and its bytes);
/// `out` to writable memory for a `jl_opened_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_open_in_place(
    buf: *mut u8,
    len: usize,
    crc_policy: c_int,
    key: *const JlKey,
    out: *mut JlOpened,
) -> c_int {
    // SAFETY: forwarded caller contract.
    if let Err(e) = unsafe { write(out, JlOpened::ZERO) } {
        return ret(Err(e));
    }
    let r = (|| {
        // SAFETY: forwarded caller contract.
        let (store, flags) = unsafe { load_key(key) }?;
        // SAFETY: forwarded caller contract.
        unsafe { open_with(buf, len, crc_policy, &store.mode(), flags, out) }
    })();
    ret(r)
}

/// The body of `jl_open_in_place` and `jl_open_in_place_prepared` once the key is a [`Mode`].
///
/// # Safety
/// As `jl_open_in_place` (`out` already checked writable and zeroed).
unsafe fn open_with(
    buf: *mut u8,
    len: usize,
    crc_policy: c_int,
    mode: &Mode<'_>,
    flags: u32,
    out: *mut JlOpened,
) -> Status {
    {
        let policy = self::crc_policy(crc_policy)?;
        let check = if flags & JL_KEY_FLAG_ANY_ENCTYPE != 0 {
            EncTypeCheck::Ignore
        } else {
            EncTypeCheck::Match
        };
        // SAFETY: forwarded caller contract (`buf` writable for `len`, not otherwise accessed).
        let data = unsafe { bytes_mut(buf, len) }?;
        let packet = PartialParse::new(data, policy)?;
        // joylink-crypto wipes the payload itself on every error after decryption starts.
        let o = joylink_crypto::open(packet, mode, OpenOptions::new().enc_type(check))?;
        let body = o.body();
        let opened = JlOpened {
            header: o.header.into(),
            opt: o.opt.as_ptr(),
            timestamp: o.timestamp.unwrap_or_default(),
            body: body.as_ptr(),
            body_len: body.len(),
            crc_status: crate::packet::crc_status(o.crc_status),
        };
        // SAFETY: forwarded caller contract (`out` writable, checked above).
        unsafe { write(out, opened) }
    }
}

/// A key with its AES schedules expanded once (opaque to C; `jl_prepared_key_size()` bytes
/// aligned to `jl_prepared_key_align()`, in the caller's memory).
///
/// `jl_seal_in_place` and `jl_open_in_place` expand the key of their `jl_key_t` on every call;
/// with the constant-time software AES of a microcontroller that costs about 3 600 instructions,
/// more than sealing a heartbeat. Whoever keeps a key (a LAN device its localkey, a gateway a
/// peer's key) prepares it once with `jl_prepared_key_init` and seals and opens with
/// `jl_seal_in_place_prepared` / `jl_open_in_place_prepared`: the same bytes, the same errors.
pub struct JlPreparedKey {
    live: u32,
    flags: u32,
    /// `None` for enctype 0 (nothing to expand).
    key: Option<PreparedKey>,
}

const PREPARED_LIVE: u32 = 0x4a4c_504b; // "JLPK"

impl JlPreparedKey {
    fn mode(&self) -> Mode<'_> {
        match &self.key {
            Some(k) => Mode::Prepared(k),
            None => Mode::None,
        }
    }
}

/// Borrows an initialised prepared key.
///
/// # Safety
/// `pk` NULL or pointing to at least `jl_prepared_key_size()` readable bytes, not written through
/// another pointer meanwhile.
unsafe fn prepared<'a>(pk: *const JlPreparedKey) -> Status<&'a JlPreparedKey> {
    check_struct(pk)?;
    // SAFETY: non-NULL and aligned (checked), readable by the caller's contract; only the `u32`
    // field is read before we know the struct is ours.
    let live = unsafe { ptr::addr_of!((*pk).live).read() };
    if live != PREPARED_LIVE {
        return Err(JL_ERR_STATE);
    }
    // SAFETY: initialised by `jl_prepared_key_init` (marker checked), not mutated by contract.
    Ok(unsafe { &*pk })
}

/// Returns the bytes of memory a prepared key needs (pass at least this to
/// `jl_prepared_key_init`); never fails.
#[unsafe(no_mangle)]
pub extern "C" fn jl_prepared_key_size() -> usize {
    size_of::<JlPreparedKey>()
}

/// Returns the alignment the prepared key's memory needs; never fails.
#[unsafe(no_mangle)]
pub extern "C" fn jl_prepared_key_align() -> usize {
    align_of::<JlPreparedKey>()
}

/// Expands `key` once into `mem` (`len` bytes, at least `jl_prepared_key_size()`, aligned to
/// `jl_prepared_key_align()`); `*out` = the handle (`mem` itself). The key bytes are copied (they
/// need not outlive the call) and the flags kept. Nothing is allocated.
///
/// Returns `JL_OK`; `JL_ERR_NULL` (`mem`, `key`, `out`, or the key bytes NULL);
/// `JL_ERR_BUFFER_TOO_SMALL` (`len` < size); `JL_ERR_INVALID_ARGUMENT` (`mem` misaligned, an
/// unknown enctype or flag); `JL_ERR_BAD_KEY` (as `jl_seal_in_place`). On error `mem` and `*out`
/// are untouched.
///
/// # Safety
/// `mem` writable for `len` bytes and not used otherwise until `jl_prepared_key_clear`; `key` a
/// readable `jl_key_t` (and its bytes); `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_prepared_key_init(
    mem: *mut c_void,
    len: usize,
    key: *const JlKey,
    out: *mut *mut JlPreparedKey,
) -> c_int {
    let r = (|| -> Status {
        check_struct(out)?;
        let mem = mem.cast::<JlPreparedKey>();
        if mem.is_null() {
            return Err(JL_ERR_NULL);
        }
        if !mem.is_aligned() {
            return Err(JL_ERR_INVALID_ARGUMENT);
        }
        if len < size_of::<JlPreparedKey>() {
            return Err(JL_ERR_BUFFER_TOO_SMALL);
        }
        // SAFETY: forwarded caller contract.
        let (store, flags) = unsafe { load_key(key) }?;
        let mode = store.mode();
        // The one key expansion (enctype 0 has no key).
        let key = mode.key_iv().map(|k| PreparedKey::new(&k, mode.enc_type()));
        let value = JlPreparedKey {
            live: PREPARED_LIVE,
            flags,
            key,
        };
        // SAFETY: `mem` is non-NULL, aligned and writable for the struct (checked, caller
        // contract); whatever it held is not a value of ours (nothing is dropped).
        unsafe { ptr::write(mem, value) };
        // SAFETY: forwarded caller contract (`out` writable, checked).
        unsafe { write(out, mem) }
    })();
    ret(r)
}

/// Wipes a prepared key: the schedules are zeroed and every later use returns `JL_ERR_STATE`.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT` (misaligned), `JL_ERR_STATE` (not
/// initialised, or cleared already).
///
/// # Safety
/// `pk` from `jl_prepared_key_init`, not used through another pointer during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_prepared_key_clear(pk: *mut JlPreparedKey) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        unsafe { prepared(pk) }?;
        // SAFETY: initialised (checked above); dropped once (the schedules zeroize themselves),
        // then every byte is zeroed, the marker too. The memory belongs to the caller, so the
        // writes cannot be optimised away.
        unsafe {
            ptr::drop_in_place(pk);
            ptr::write_bytes(pk.cast::<u8>(), 0, size_of::<JlPreparedKey>());
        }
        Ok(())
    })();
    ret(r)
}

/// `jl_seal_in_place` with a prepared key: the same bytes, no key expansion. `*out_len` receives
/// the packet length, or on `JL_ERR_BUFFER_TOO_SMALL` the length needed (nothing written then).
///
/// Returns what `jl_seal_in_place` returns, and `JL_ERR_STATE` for a key that is not
/// initialised (or cleared).
///
/// # Safety
/// As `jl_seal_in_place`, with `key` from `jl_prepared_key_init`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // a C signature
pub unsafe extern "C" fn jl_seal_in_place_prepared(
    header: *const JlHeader,
    key: *const JlPreparedKey,
    opt: *const u8,
    opt_len: usize,
    timestamp: u32,
    body_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> c_int {
    let r = (|| {
        // SAFETY: forwarded caller contract.
        unsafe { write(out_len, 0) }?;
        // SAFETY: forwarded caller contract.
        let h: Header = unsafe { read(header) }?.to_header()?;
        // SAFETY: forwarded caller contract.
        let pk = unsafe { prepared(key) }?;
        // SAFETY: forwarded caller contract.
        unsafe {
            seal_with(
                &h,
                &pk.mode(),
                opt,
                opt_len,
                timestamp,
                body_len,
                buf,
                buf_len,
                out_len,
            )
        }
    })();
    ret(r)
}

/// `jl_open_in_place` with a prepared key (its flags as given to `jl_prepared_key_init`): the
/// same checks and errors, no key expansion.
///
/// Returns what `jl_open_in_place` returns, and `JL_ERR_STATE` for a key that is not
/// initialised (or cleared).
///
/// # Safety
/// As `jl_open_in_place`, with `key` from `jl_prepared_key_init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_open_in_place_prepared(
    buf: *mut u8,
    len: usize,
    crc_policy: c_int,
    key: *const JlPreparedKey,
    out: *mut JlOpened,
) -> c_int {
    // SAFETY: forwarded caller contract.
    if let Err(e) = unsafe { write(out, JlOpened::ZERO) } {
        return ret(Err(e));
    }
    let r = (|| {
        // SAFETY: forwarded caller contract.
        let pk = unsafe { prepared(key) }?;
        // SAFETY: forwarded caller contract.
        unsafe { open_with(buf, len, crc_policy, &pk.mode(), pk.flags, out) }
    })();
    ret(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::JL_ERR_DECRYPT;
    use joylink_wire::{CrcPolicy, EncType, Magic, PacketType};
    use std::vec::Vec;

    const LOCALKEY: &[u8; 32] = b"be4d957a4da771d609ab383e548014a0";

    fn c_key() -> JlKey {
        JlKey {
            enc_type: 3,
            flags: 0,
            key: LOCALKEY.as_ptr(),
            key_len: LOCALKEY.len(),
        }
    }

    /// A LAN packet whose plaintext is exactly `plaintext`, sealed with the localkey.
    fn packet(plaintext: &[u8]) -> Vec<u8> {
        let key = LocalKey::from_ascii(LOCALKEY).unwrap();
        let header = Header::new(Magic::Lan, PacketType::JsonControl, EncType::PreShared);
        let mut buf = std::vec![0u8; 16 + plaintext.len() + 16];
        buf[16..16 + plaintext.len()].copy_from_slice(plaintext);
        let n = joylink_crypto::seal(&header, &Mode::LocalKey(&key), 0, plaintext.len(), &mut buf)
            .unwrap();
        buf.truncate(n);
        buf
    }

    fn c_open(buf: &mut [u8]) -> (c_int, JlOpened) {
        let mut out = JlOpened::ZERO;
        let key = c_key();
        // SAFETY: every pointer is a live local of the right size.
        let rc = unsafe { jl_open_in_place(buf.as_mut_ptr(), buf.len(), 0, &key, &mut out) };
        (rc, out)
    }

    fn rust_open(buf: &mut [u8]) -> Result<(), joylink_crypto::Error> {
        let key = LocalKey::from_ascii(LOCALKEY).unwrap();
        let p = PartialParse::new(buf, CrcPolicy::Verify)?;
        joylink_crypto::open(p, &Mode::LocalKey(&key), OpenOptions::new()).map(|_| ())
    }

    /// C and Rust leave the same bytes behind and give the same answer, for a good packet, a
    /// plaintext shorter than its timestamp (`JL_ERR_TRUNCATED` with the plaintext left in the
    /// buffer before), bad padding, a ragged length and a wrong enctype.
    #[test]
    fn c_and_rust_leave_the_same_buffer() {
        let good = packet(b"\x01\x02\x03\x04{}");
        let short = packet(b"ab");
        let mut bad_padding = packet(b"\x01\x02\x03\x04secret!");
        let last = bad_padding.len() - 1;
        bad_padding[last] ^= 0x01;
        joylink_wire::Packet::new_unchecked(&mut bad_padding[..])
            .fill_crc()
            .unwrap();
        let mut wrong_enctype = good.clone();
        wrong_enctype[12] = 4;
        for (name, input, expected) in [
            ("good", &good, 0),
            ("short", &short, JL_ERR_DECRYPT as c_int),
            ("bad padding", &bad_padding, JL_ERR_DECRYPT as c_int),
            (
                "enctype",
                &wrong_enctype,
                JlStatus::JL_ERR_ENCTYPE_MISMATCH as c_int,
            ),
        ] {
            let mut c = input.clone();
            let mut r = input.clone();
            let (rc, out) = c_open(&mut c);
            let rr = rust_open(&mut r);
            assert_eq!(rc, expected, "{name}");
            assert_eq!(
                rr.map_or_else(|e| JlStatus::from(e) as c_int, |()| 0),
                rc,
                "{name}"
            );
            assert_eq!(c, r, "{name}: C and Rust leave different bytes");
            if rc == JL_ERR_DECRYPT as c_int {
                assert!(c[16..].iter().all(|&b| b == 0), "{name}: {c:?}");
                assert!(out.body.is_null());
            } else if rc != 0 {
                assert_eq!(&c, input, "{name}: changed before decryption");
            }
        }
    }

    /// The C header and the Rust docs make the same promise about the buffer after an error.
    #[test]
    fn header_and_rust_docs_say_the_same() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let header = std::fs::read_to_string(dir.join("include/joylink.h")).unwrap();
        let rust = std::fs::read_to_string(dir.join("../joylink-crypto/src/sealed.rs")).unwrap();
        // The comment block right above the declaration (cbindgen's "c" style, `/* ... */`: the
        // header is C89).
        let lines: Vec<&str> = header.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.starts_with("int jl_open_in_place("))
            .unwrap();
        assert_eq!(lines[at - 1].trim(), "*/");
        let start = lines[..at]
            .iter()
            .rposition(|l| l.starts_with("/*"))
            .unwrap();
        let doc: Vec<&str> = lines[start..at].to_vec();
        let c_doc = doc.join("\n");
        let c_doc = c_doc.as_str();
        let rust_doc = rust.split("pub fn open<").next().unwrap();
        let rust_doc = rust_doc
            .rsplit("/// Opens a packet in place")
            .next()
            .unwrap();
        for promise in [
            "every payload byte is zero",
            "no decrypted byte is left behind",
            "every other error leaves the buffer unchanged",
        ] {
            let flat = |s: &str| {
                s.split_whitespace()
                    .filter(|w| !matches!(*w, "//" | "///"))
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase()
            };
            assert!(
                flat(c_doc).contains(promise),
                "joylink.h lacks {promise:?}:\n{c_doc}"
            );
            assert!(
                flat(rust_doc).contains(promise),
                "sealed.rs lacks {promise:?}"
            );
        }
    }
}

#[cfg(test)]
mod prepared_tests {
    use super::*;
    use crate::status::JL_ERR_DECRYPT;
    use joylink_wire::{EncType, Magic, PacketType};
    use std::vec::Vec;

    const LOCALKEY: &[u8; 32] = b"be4d957a4da771d609ab383e548014a0";

    /// Room for a prepared key, aligned like one.
    #[repr(C, align(16))]
    struct Mem([u8; 1024]);

    fn c_key(enc_type: u32, key: &[u8]) -> JlKey {
        JlKey {
            enc_type,
            flags: 0,
            key: key.as_ptr(),
            key_len: key.len(),
        }
    }

    fn c_header() -> JlHeader {
        Header::new(Magic::Lan, PacketType::JsonControl, EncType::None).into()
    }

    fn seal_both(key: &JlKey, pk: *const JlPreparedKey, body: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let h = c_header();
        let mut out = [Vec::new(), Vec::new()];
        for (i, o) in out.iter_mut().enumerate() {
            let mut buf = std::vec![0u8; 16 + 4 + body.len() + 16];
            buf[20..20 + body.len()].copy_from_slice(body);
            let mut n = 0usize;
            // SAFETY: every pointer is a live local of the right size; `pk` is initialised.
            let rc = unsafe {
                if i == 0 {
                    jl_seal_in_place(
                        &h,
                        key,
                        ptr::null(),
                        0,
                        7,
                        body.len(),
                        buf.as_mut_ptr(),
                        buf.len(),
                        &mut n,
                    )
                } else {
                    jl_seal_in_place_prepared(
                        &h,
                        pk,
                        ptr::null(),
                        0,
                        7,
                        body.len(),
                        buf.as_mut_ptr(),
                        buf.len(),
                        &mut n,
                    )
                }
            };
            assert_eq!(rc, 0);
            buf.truncate(n);
            *o = buf;
        }
        let [a, b] = out;
        (a, b)
    }

    /// A prepared key seals the bytes `jl_seal_in_place` seals and opens them, for every enctype;
    /// a cleared key is refused with `JL_ERR_STATE`.
    #[test]
    fn prepared_key_seals_and_opens_like_the_one_shot_key() {
        let secret = [0x5au8; 20];
        let session: [u8; 32] = core::array::from_fn(|i| i as u8);
        let keys = [
            c_key(0, &[]),
            c_key(1, &[]),
            c_key(2, &secret),
            c_key(3, LOCALKEY),
            c_key(4, &session),
        ];
        for key in &keys {
            let mut mem = Mem([0; 1024]);
            std::println!("jl_prepared_key_size() = {}", jl_prepared_key_size());
            assert!(jl_prepared_key_size() <= mem.0.len());
            assert!(jl_prepared_key_align() <= 16);
            let mut pk: *mut JlPreparedKey = ptr::null_mut();
            // SAFETY: `mem` is large and aligned enough (asserted), the rest are live locals.
            let rc = unsafe {
                jl_prepared_key_init(mem.0.as_mut_ptr().cast(), mem.0.len(), key, &mut pk)
            };
            assert_eq!(rc, 0, "enctype {}", key.enc_type);
            for len in [0usize, 12, 60, 300] {
                let body = std::vec![0x33u8; len];
                let (one_shot, prep) = seal_both(key, pk, &body);
                assert_eq!(one_shot, prep, "enctype {} len {len}", key.enc_type);
                let mut buf = prep.clone();
                let mut out = JlOpened::ZERO;
                // SAFETY: live locals; `pk` initialised.
                let rc = unsafe {
                    jl_open_in_place_prepared(buf.as_mut_ptr(), buf.len(), 0, pk, &mut out)
                };
                assert_eq!(rc, 0);
                assert_eq!((out.timestamp, out.body_len), (7, len));
            }
            // SAFETY: `pk` initialised, not used elsewhere.
            assert_eq!(unsafe { jl_prepared_key_clear(pk) }, 0);
            assert!(mem.0.iter().all(|&b| b == 0), "the schedules are wiped");
            let (mut buf, mut out) = ([0u8; 64], JlOpened::ZERO);
            // SAFETY: live locals; the key memory is zeroed, which the marker check refuses.
            let rc =
                unsafe { jl_open_in_place_prepared(buf.as_mut_ptr(), buf.len(), 0, pk, &mut out) };
            assert_eq!(rc, JL_ERR_STATE as c_int);
            // SAFETY: as above.
            assert_eq!(unsafe { jl_prepared_key_clear(pk) }, JL_ERR_STATE as c_int);
        }
    }

    #[test]
    fn init_refuses_bad_memory_and_keys_and_writes_nothing() {
        let mut mem = Mem([0xa5; 1024]);
        let key = c_key(3, LOCALKEY);
        let mut pk: *mut JlPreparedKey = ptr::null_mut();
        let size = jl_prepared_key_size();
        let base = mem.0.as_mut_ptr();
        // SAFETY: every call gets live locals (or NULL / a short length, which it must refuse).
        unsafe {
            assert_eq!(
                jl_prepared_key_init(base.cast(), size - 1, &key, &mut pk),
                JL_ERR_BUFFER_TOO_SMALL as c_int
            );
            assert_eq!(
                jl_prepared_key_init(base.add(1).cast(), size, &key, &mut pk),
                JL_ERR_INVALID_ARGUMENT as c_int
            );
            assert_eq!(
                jl_prepared_key_init(ptr::null_mut(), size, &key, &mut pk),
                JL_ERR_NULL as c_int
            );
            let bad = c_key(3, b"short");
            assert_eq!(
                jl_prepared_key_init(base.cast(), size, &bad, &mut pk),
                JL_ERR_BAD_KEY as c_int
            );
            let unknown = c_key(9, LOCALKEY);
            assert_eq!(
                jl_prepared_key_init(base.cast(), size, &unknown, &mut pk),
                JL_ERR_INVALID_ARGUMENT as c_int
            );
        }
        assert!(pk.is_null());
        assert!(mem.0.iter().all(|&b| b == 0xa5), "nothing written");
        // A wrong key opens to the one `JL_ERR_DECRYPT`.
        let other = c_key(3, b"00000000000000000000000000000000");
        // SAFETY: `mem` large and aligned enough.
        let rc = unsafe { jl_prepared_key_init(base.cast(), size, &other, &mut pk) };
        assert_eq!(rc, 0);
        let mut n = 0usize;
        let mut buf = [0u8; 64];
        let h = c_header();
        // SAFETY: live locals.
        let rc = unsafe {
            jl_seal_in_place(
                &h,
                &key,
                ptr::null(),
                0,
                7,
                20,
                buf.as_mut_ptr(),
                buf.len(),
                &mut n,
            )
        };
        assert_eq!(rc, 0);
        let mut out = JlOpened::ZERO;
        // SAFETY: live locals; `pk` initialised.
        let rc = unsafe { jl_open_in_place_prepared(buf.as_mut_ptr(), n, 0, pk, &mut out) };
        assert_eq!(rc, JL_ERR_DECRYPT as c_int);
        // SAFETY: `pk` initialised.
        assert_eq!(unsafe { jl_prepared_key_clear(pk) }, 0);
    }
}
