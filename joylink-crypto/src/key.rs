//! Key material: the 32-character key strings (localkey, accesskey), the 32-byte session key,
//! the spec's static key, and the old-firmware IV option (spec 1.1, 4.2, 4.4, 7.3.2).
//!
//! Every secret zeroizes itself on drop and prints as `LocalKey { ... }` in `Debug`.

use core::fmt;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{Error, Result};

/// Length of a key string and of a session key.
pub const KEY_LEN: usize = 32;

/// How a peer copies a binary IV (ECDH secret bytes 4..20, session key bytes 16..32).
///
/// compat §3.1 and vectors/README "Old SDK IV bug": devices on SDK ≤ 2.0.12 copy
/// the IV with `strncpy`, so every IV byte from the first 0x00 onward is 0x00. Standard CBC (the
/// spec, SDK ≥ 2.0.15) is the default; a cloud or gateway that knows a peer runs old firmware turns
/// [`IvCompat::LegacyStrncpy`] on for that peer's key only. ASCII key strings contain no 0x00, so
/// the option only exists on [`SessionKey`] and [`SharedSecret`](crate::SharedSecret).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum IvCompat {
    /// The full 16-byte IV (spec 4.3/4.4; SDK ≥ 2.0.15).
    #[default]
    Standard,
    /// IV bytes after the first 0x00 replaced by 0x00, as SDK ≤ 2.0.12 does.
    LegacyStrncpy,
}

impl IvCompat {
    /// Applies the option to an IV.
    pub(crate) fn apply(self, iv: &mut [u8; 16]) {
        if self == IvCompat::LegacyStrncpy {
            let mut seen_nul = false;
            for b in iv.iter_mut() {
                seen_nul |= *b == 0;
                if seen_nul {
                    *b = 0;
                }
            }
        }
    }
}

fn check_key_string(bytes: &[u8]) -> Result<[u8; KEY_LEN]> {
    let arr: [u8; KEY_LEN] = bytes.try_into().map_err(|_| Error::KeyLength {
        expected: KEY_LEN,
        actual: bytes.len(),
    })?;
    if let Some(index) = arr.iter().position(|b| !b.is_ascii_graphic()) {
        return Err(Error::KeyNotAscii { index });
    }
    Ok(arr)
}

macro_rules! key_string {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Eq, Zeroize, ZeroizeOnDrop)]
        pub struct $name([u8; KEY_LEN]);

        /// Constant-time comparison: how many leading bytes two keys share must not leak.
        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.0[..].ct_eq(&other.0[..]).into()
            }
        }

        impl $name {
            #[doc = concat!("Takes the ", $what, " as the cloud/APP hands it out: 32 printable ASCII")]
            /// characters (normally lowercase hex), used as they are — never hex-decoded.
            ///
            /// compat §3.3 — AES key = characters 0..16, IV = characters 16..32.
            ///
            /// # Errors
            /// [`Error::KeyLength`] unless exactly 32 bytes, [`Error::KeyNotAscii`] for a byte
            /// outside `0x21..=0x7e`.
            pub fn from_ascii(s: &[u8]) -> Result<Self> {
                check_key_string(s).map(Self)
            }

            /// The key string's 32 ASCII bytes (secret).
            pub fn raw_secret_bytes(&self) -> &[u8; KEY_LEN] {
                &self.0
            }
        }

        impl core::str::FromStr for $name {
            type Err = Error;

            fn from_str(s: &str) -> Result<Self> {
                Self::from_ascii(s.as_bytes())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), " { ... }"))
            }
        }
    };
}

key_string!(
    /// The LAN `localkey` (spec 1.1, 6.3.2): key of enctype 3 on the LAN.
    ///
    /// ```
    /// use joylink_crypto::LocalKey;
    /// let k: LocalKey = "be4d957a4da771d609ab383e548014a0".parse()?;
    /// assert_eq!(format!("{k:?}"), "LocalKey { ... }");
    /// # Ok::<(), joylink_crypto::Error>(())
    /// ```
    LocalKey,
    "localkey"
);

key_string!(
    /// The WAN `accesskey` (spec 1.1, 7.2.1): key of the enctype 3 auth request (type 9) and of
    /// the cloud's answer.
    AccessKey,
    "accesskey"
);

/// The WAN session key (spec 7.3.2): 32 raw bytes from the cloud's auth answer, key = bytes
/// 0..16, IV = bytes 16..32 (compat §3.3; every WAN packet after auth carries
/// enctype 4, compat §3.2).
#[derive(Clone, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SessionKey {
    bytes: [u8; KEY_LEN],
    #[zeroize(skip)]
    iv_compat: IvCompat,
}

/// Constant-time in the key bytes.
impl PartialEq for SessionKey {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.bytes[..].ct_eq(&other.bytes[..])) && self.iv_compat == other.iv_compat
    }
}

impl SessionKey {
    /// Wraps 32 raw bytes (as copied from the auth answer).
    pub fn new(bytes: [u8; KEY_LEN]) -> Self {
        Self {
            bytes,
            iv_compat: IvCompat::Standard,
        }
    }

    /// Takes the session key from a slice.
    ///
    /// # Errors
    /// [`Error::KeyLength`] unless exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let arr: [u8; KEY_LEN] = bytes.try_into().map_err(|_| Error::KeyLength {
            expected: KEY_LEN,
            actual: bytes.len(),
        })?;
        Ok(Self::new(arr))
    }

    /// The same key with the given old-firmware IV option (see [`IvCompat`]).
    #[must_use]
    pub fn with_iv_compat(mut self, iv_compat: IvCompat) -> Self {
        self.iv_compat = iv_compat;
        self
    }

    /// The IV option in force.
    pub fn iv_compat(&self) -> IvCompat {
        self.iv_compat
    }

    /// The 32 raw bytes (secret).
    pub fn raw_secret_bytes(&self) -> &[u8; KEY_LEN] {
        &self.bytes
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey { ... }")
    }
}

/// The spec's static key of enctype 1 (spec 4.2): 16 zero bytes, IV `"0123456789abcdef"`.
///
/// # Security
/// This key is printed in the public spec: enctype 1 only hides the payload from a casual look.
/// compat §3.2 — no shipped SDK implements enctype 1 (it sends such payloads in clear
/// and cannot decrypt them); this crate implements what the spec says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StaticKey;

impl StaticKey {
    /// The AES key of spec 4.2.
    pub const KEY: [u8; 16] = [0; 16];
    /// The IV of spec 4.2.
    pub const IV: [u8; 16] = *b"0123456789abcdef";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_equality_keeps_value_semantics() {
        let a: LocalKey = "25e35c9691ee91296facd5d28a4822bc".parse().unwrap();
        let b: LocalKey = "25e35c9691ee91296facd5d28a4822bc".parse().unwrap();
        let c: LocalKey = "25e35c9691ee91296facd5d28a4822bd".parse().unwrap();
        assert!(a == b);
        assert!(a != c);
        let s = SessionKey::new([7; 32]);
        let mut other = [7; 32];
        assert!(s == SessionKey::new(other));
        other[31] = 8;
        assert!(s != SessionKey::new(other));
    }
}
