//! AES key and IV derivation for each key source (spec 4.2, 4.3, 4.4; compat §3.3).
//!
//! | source | AES key | IV |
//! | --- | --- | --- |
//! | static (enctype 1) | 16 × 0x00 | `"0123456789abcdef"` |
//! | ECDH secret (enctype 2) | secret[0..16] | secret[4..20] |
//! | localkey / accesskey (enctype 3) | ASCII chars 0..16 | ASCII chars 16..32 |
//! | session key (enctype 4) | bytes 0..16 | bytes 16..32 |

use core::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{AccessKey, IvCompat, LocalKey, SessionKey, SharedSecret, StaticKey};

/// An AES-128 key with its CBC IV, derived from one of the key sources.
#[derive(Clone, Eq, Zeroize, ZeroizeOnDrop)]
pub struct KeyIv {
    key: [u8; 16],
    iv: [u8; 16],
}

/// Constant-time comparison of key and IV.
impl PartialEq for KeyIv {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        (self.key[..].ct_eq(&other.key[..]) & self.iv[..].ct_eq(&other.iv[..])).into()
    }
}

fn halves(bytes: &[u8; 32]) -> ([u8; 16], [u8; 16]) {
    let (k, v) = bytes.split_at(16);
    let mut key = [0u8; 16];
    let mut iv = [0u8; 16];
    key.copy_from_slice(k);
    iv.copy_from_slice(v);
    (key, iv)
}

impl KeyIv {
    /// A raw AES key and IV (for test vectors and special uses).
    pub const fn new(key: [u8; 16], iv: [u8; 16]) -> Self {
        Self { key, iv }
    }

    /// The static key of enctype 1 (spec 4.2).
    pub const fn from_static(_: StaticKey) -> Self {
        Self::new(StaticKey::KEY, StaticKey::IV)
    }

    /// Key = localkey characters 0..16, IV = characters 16..32 (spec 4.4; compat §3.3,
    /// the ASCII characters are used, not their hex decoding).
    pub fn from_local_key(k: &LocalKey) -> Self {
        let (key, iv) = halves(k.raw_secret_bytes());
        Self { key, iv }
    }

    /// Key = accesskey characters 0..16, IV = characters 16..32 (as [`KeyIv::from_local_key`]).
    pub fn from_access_key(k: &AccessKey) -> Self {
        let (key, iv) = halves(k.raw_secret_bytes());
        Self { key, iv }
    }

    /// Key = session key bytes 0..16, IV = bytes 16..32, with the key's [`IvCompat`].
    pub fn from_session_key(k: &SessionKey) -> Self {
        let (key, mut iv) = halves(k.raw_secret_bytes());
        k.iv_compat().apply(&mut iv);
        Self { key, iv }
    }

    /// Key = secret bytes 0..16, IV = bytes 4..20 (spec 4.3 "后 16 字节 (4-19 字节)": the two
    /// overlap in bytes 4..16), with the secret's [`IvCompat`].
    ///
    /// compat §3.3 — the SDK's dead enctype 2 *encrypt* path uses the peer's public key
    /// bytes 4..20 as IV; we use secret[4..20] both ways, as its decrypt path does.
    pub fn from_shared_secret(s: &SharedSecret) -> Self {
        let bytes = s.raw_secret_bytes();
        let mut key = [0u8; 16];
        let mut iv = [0u8; 16];
        if let (Some(k), Some(v)) = (bytes.get(..16), bytes.get(4..20)) {
            key.copy_from_slice(k);
            iv.copy_from_slice(v);
        }
        s.iv_compat().apply(&mut iv);
        Self { key, iv }
    }

    /// The AES-128 key. Secret: named like the other keys' `raw_secret_bytes` so that every
    /// read of key material is easy to find.
    pub fn raw_secret_key(&self) -> &[u8; 16] {
        &self.key
    }

    /// The CBC IV (secret for every source but the static key).
    pub fn raw_secret_iv(&self) -> &[u8; 16] {
        &self.iv
    }

    /// The same key with `compat` applied to the IV.
    #[must_use]
    pub fn with_iv_compat(mut self, compat: IvCompat) -> Self {
        compat.apply(&mut self.iv);
        self
    }
}

impl fmt::Debug for KeyIv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyIv { ... }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strncpy_iv_zeroes_after_first_nul() {
        // compat §3.1 — bytes from the first 0x00 on become 0x00.
        let mut s = [0u8; 32];
        for (i, b) in s.iter_mut().enumerate() {
            *b = u8::try_from(i).unwrap().wrapping_add(1);
        }
        s[20] = 0; // IV byte 4
        let k = SessionKey::new(s);
        let std = KeyIv::from_session_key(&k);
        assert_eq!(std.raw_secret_iv()[4], 0);
        assert_eq!(std.raw_secret_iv()[5], 22);
        let old = KeyIv::from_session_key(&k.with_iv_compat(IvCompat::LegacyStrncpy));
        assert_eq!(
            old.raw_secret_iv(),
            &[17, 18, 19, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(old.raw_secret_key(), std.raw_secret_key());
    }

    #[test]
    fn ecdh_key_and_iv_overlap() {
        let mut b = [0u8; 20];
        for (i, x) in b.iter_mut().enumerate() {
            *x = u8::try_from(i).unwrap();
        }
        let k = KeyIv::from_shared_secret(&SharedSecret::from_bytes(b));
        assert_eq!(
            k.raw_secret_key(),
            &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
        );
        assert_eq!(
            k.raw_secret_iv(),
            &[4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]
        );
    }
}
