//! secp160r1 ECDH as JoyLink uses it (spec 4.3, 6.3.1; compat §4): `jl_ecdh_keypair`,
//! `jl_ecdh_devkey`, `jl_ecdh_parse_devkey`, `jl_ecdh_shared_secret`.
//!
//! # Security
//! secp160r1 gives about 80-bit security, far below today's 128-bit floor; it is here only
//! because shipped devices use it. The caller supplies the randomness (a CSPRNG, never `rand()`).

use core::ffi::{c_char, c_int};
use core::ptr;

use joylink_crypto::{
    DEVKEY_LEN, KeyIv, PRIVATE_KEY_LEN, PUBLIC_KEY_LEN, PrivateKey, PublicKey, SHARED_SECRET_LEN,
};

use crate::ptr::{bytes, bytes_mut, write};
use crate::status::{JL_ERR_BUFFER_TOO_SMALL, JL_ERR_INVALID_ARGUMENT, JlStatus, Status, ret};

/// Length of a private key (20 bytes, big-endian).
pub const JL_PRIVATE_KEY_LEN: usize = 20;
/// Length of a compressed public key `02|03 ‖ X` (21 bytes), as sent in `opt`.
pub const JL_PUBLIC_KEY_LEN: usize = 21;
/// Length of a `devkey` string (42 hex characters), without the terminating NUL.
pub const JL_DEVKEY_LEN: usize = 42;
/// Length of the ECDH shared secret (the 20-byte X coordinate).
pub const JL_SHARED_SECRET_LEN: usize = 20;
// Literals so that cbindgen can print them; checked against the source of truth.
const _: () = assert!(JL_PRIVATE_KEY_LEN == PRIVATE_KEY_LEN);
const _: () = assert!(JL_PUBLIC_KEY_LEN == PUBLIC_KEY_LEN);
const _: () = assert!(JL_DEVKEY_LEN == DEVKEY_LEN);
const _: () = assert!(JL_SHARED_SECRET_LEN == SHARED_SECRET_LEN);

/// The result of `jl_ecdh_shared_secret`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct JlEcdhShared {
    /// The shared secret, X of `d · Q` (the key of a `JL_ENC_ECDH` `jl_key_t`).
    pub secret: [u8; JL_SHARED_SECRET_LEN],
    /// The AES-128 key of enctype 2: `secret[0..16]`.
    pub aes_key: [u8; 16],
    /// The CBC IV of enctype 2: `secret[4..20]` (spec 4.3).
    pub aes_iv: [u8; 16],
}

/// # Safety
/// `p` readable for `len` bytes (or NULL with `len` 0).
unsafe fn load_private(p: *const u8, len: usize) -> Status<PrivateKey> {
    // SAFETY: forwarded caller contract.
    let b = unsafe { bytes(p, len) }?;
    let arr: &[u8; PRIVATE_KEY_LEN] = b.try_into().map_err(|_| JL_ERR_INVALID_ARGUMENT)?;
    PrivateKey::from_bytes(arr).map_err(JlStatus::from)
}

/// # Safety
/// `p` readable for `len` bytes (or NULL with `len` 0).
unsafe fn load_public(p: *const u8, len: usize) -> Status<PublicKey> {
    // SAFETY: forwarded caller contract.
    let b = unsafe { bytes(p, len) }?;
    PublicKey::from_bytes(b).map_err(JlStatus::from)
}

/// Makes a key pair from 20 caller-supplied random bytes, used as the private key as they are
/// (as micro-ecc's `uECC_make_key` does; every non-zero value is valid). Writes the private key
/// (a copy of `random`; `private_key` may equal `random`) and the 21-byte compressed public key.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT` (`random_len` ≠ 20),
/// `JL_ERR_BUFFER_TOO_SMALL` (a capacity below 20 / 21; nothing written), `JL_ERR_BAD_KEY`
/// (20 zero bytes: draw again).
///
/// # Safety
/// `random` must be readable for `random_len` bytes; `private_key` and `public_key` writable for
/// their capacities; the two outputs must not overlap each other.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_ecdh_keypair(
    random: *const u8,
    random_len: usize,
    private_key_out: *mut u8,
    private_key_cap: usize,
    public_key_out: *mut u8,
    public_key_cap: usize,
) -> c_int {
    let r = (|| {
        if private_key_out.is_null() || public_key_out.is_null() {
            return Err(JlStatus::JL_ERR_NULL);
        }
        // SAFETY: forwarded caller contract.
        let key = unsafe { load_private(random, random_len) }?;
        if private_key_cap < PRIVATE_KEY_LEN || public_key_cap < PUBLIC_KEY_LEN {
            return Err(JL_ERR_BUFFER_TOO_SMALL);
        }
        if crate::ptr::overlaps(
            private_key_out,
            PRIVATE_KEY_LEN,
            public_key_out,
            PUBLIC_KEY_LEN,
        ) {
            return Err(JL_ERR_INVALID_ARGUMENT);
        }
        let public = key.public_key().to_compressed();
        // SAFETY: caller contract: writable for the capacities (checked ≥ the lengths); the
        // `random` borrow has ended (`key` holds a copy), so `private_key_out == random` is fine.
        let (priv_out, pub_out) = unsafe {
            (
                bytes_mut(private_key_out, PRIVATE_KEY_LEN)?,
                bytes_mut(public_key_out, PUBLIC_KEY_LEN)?,
            )
        };
        priv_out.copy_from_slice(key.raw_secret_bytes());
        pub_out.copy_from_slice(&public);
        Ok(())
    })();
    ret(r)
}

/// Writes the scan reply's `devkey` for a public key: 42 lowercase hex characters of the
/// compressed key and a terminating NUL (so `devkey_cap` must be at least 43).
///
/// `public_key` may be the 21-byte compressed form, 41-byte `04 ‖ X ‖ Y` or 40-byte `X ‖ Y`;
/// it is validated first.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_BAD_PUBLIC_KEY`, `JL_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `public_key` readable for `public_key_len` bytes, `devkey` writable for `devkey_cap` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_ecdh_devkey(
    public_key: *const u8,
    public_key_len: usize,
    devkey: *mut c_char,
    devkey_cap: usize,
) -> c_int {
    let r = (|| {
        if devkey.is_null() {
            return Err(JlStatus::JL_ERR_NULL);
        }
        // SAFETY: forwarded caller contract.
        let key = unsafe { load_public(public_key, public_key_len) }?;
        let needed = DEVKEY_LEN.saturating_add(1);
        if devkey_cap < needed {
            return Err(JL_ERR_BUFFER_TOO_SMALL);
        }
        // SAFETY: caller contract (writable for `devkey_cap` ≥ 43 bytes); c_char and u8 have
        // the same size and alignment.
        let out = unsafe { bytes_mut(devkey.cast::<u8>(), needed) }?;
        let (text, nul) = out.split_at_mut(DEVKEY_LEN);
        text.copy_from_slice(key.to_devkey().as_bytes());
        nul.fill(0);
        Ok(())
    })();
    ret(r)
}

/// Parses a `devkey` (42 hex characters, either case; `devkey_len` excludes any NUL) into the
/// 21-byte compressed public key, after validating the point.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_BAD_PUBLIC_KEY`, `JL_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `devkey` readable for `devkey_len` bytes, `public_key` writable for `public_key_cap` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_ecdh_parse_devkey(
    devkey: *const c_char,
    devkey_len: usize,
    public_key: *mut u8,
    public_key_cap: usize,
) -> c_int {
    let r = (|| {
        if public_key.is_null() {
            return Err(JlStatus::JL_ERR_NULL);
        }
        // SAFETY: caller contract; c_char and u8 have the same layout.
        let text = unsafe { bytes(devkey.cast::<u8>(), devkey_len) }?;
        let s = core::str::from_utf8(text).map_err(|_| JlStatus::JL_ERR_BAD_PUBLIC_KEY)?;
        let key = PublicKey::from_devkey(s).map_err(JlStatus::from)?;
        if public_key_cap < PUBLIC_KEY_LEN {
            return Err(JL_ERR_BUFFER_TOO_SMALL);
        }
        // SAFETY: caller contract (writable for the capacity, checked ≥ 21); the `devkey`
        // borrow is no longer used.
        let out = unsafe { bytes_mut(public_key, PUBLIC_KEY_LEN) }?;
        out.copy_from_slice(&key.to_compressed());
        Ok(())
    })();
    ret(r)
}

/// Derives the shared secret with a peer and enctype 2's AES key and IV (spec 4.3): `secret` =
/// X of `private · peer`, key = `secret[0..16]`, IV = `secret[4..20]`.
///
/// The peer key (21-byte compressed from `opt`, 41-byte or 40-byte uncompressed) is fully
/// validated: a point off the curve, a coordinate ≥ p, a bad prefix or the point at infinity is
/// `JL_ERR_BAD_PUBLIC_KEY`. `*out` is zeroed on failure.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT` (`private_key_len` ≠ 20),
/// `JL_ERR_BAD_KEY` (zero private key), `JL_ERR_BAD_PUBLIC_KEY`.
///
/// # Safety
/// `private_key` and `peer_public_key` readable for their lengths; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_ecdh_shared_secret(
    private_key: *const u8,
    private_key_len: usize,
    peer_public_key: *const u8,
    peer_public_key_len: usize,
    out: *mut JlEcdhShared,
) -> c_int {
    // SAFETY: forwarded caller contract.
    if let Err(e) = unsafe { write(out, JlEcdhShared::default()) } {
        return ret(Err(e));
    }
    let r = (|| {
        // SAFETY: forwarded caller contract.
        let d = unsafe { load_private(private_key, private_key_len) }?;
        // SAFETY: forwarded caller contract.
        let q = unsafe { load_public(peer_public_key, peer_public_key_len) }?;
        let secret = d.diffie_hellman(&q);
        let kiv = KeyIv::from_shared_secret(&secret);
        let mut shared = JlEcdhShared {
            secret: *secret.raw_secret_bytes(),
            aes_key: *kiv.raw_secret_key(),
            aes_iv: *kiv.raw_secret_iv(),
        };
        // SAFETY: forwarded caller contract (`out` writable, checked above).
        let w = unsafe { write(out, shared) };
        // Our stack copy of the secret: wipe it (the Rust key objects zeroize on drop).
        // SAFETY: `shared` is a live local; a volatile write keeps the wipe from being elided.
        unsafe { ptr::write_volatile(&mut shared, JlEcdhShared::default()) };
        w
    })();
    ret(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::JL_ERR_BAD_KEY;

    #[test]
    fn zero_private_key_is_bad_key() {
        let zero = [0u8; 20];
        let (mut d, mut q) = ([0u8; 20], [0u8; 21]);
        // SAFETY: valid local buffers.
        let r =
            unsafe { jl_ecdh_keypair(zero.as_ptr(), 20, d.as_mut_ptr(), 20, q.as_mut_ptr(), 21) };
        assert_eq!(r, JL_ERR_BAD_KEY as c_int);
    }
}
