//! ECDH on secp160r1 as JoyLink uses it (spec 1.1, 4.3, 6.3.1, 6.3.2; compat §4).
//!
//! - private key: 20 bytes, big-endian, any non-zero value (2^160 < n, so no reduction);
//! - public key: 21 bytes compressed, `0x02 | (y & 1)` followed by X — sent raw in the `opt` of
//!   enctype 2 packets, and as 42 lowercase hex characters in the scan reply's `devkey`;
//! - shared secret: the 20-byte X coordinate of `d · Q`, unhashed; AES key = bytes 0..16, IV =
//!   bytes 4..20 ([`KeyIv::from_shared_secret`](crate::KeyIv::from_shared_secret)).
//!
//! Peer keys are fully validated (compat §4 — the SDK checks nothing; a valid peer never
//! sends what we refuse). Secrets zeroize on drop; scalar multiplication is constant-time in the
//! private key (see the curve module for what that claim covers and what it does not).
//!
//! # Security
//! secp160r1 offers about 80-bit security, far below today's 128-bit floor. It is implemented
//! only because shipped JoyLink devices use it.

use core::fmt;

use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::key::IvCompat;
use crate::secp160r1::{Affine, Fe, G};
use crate::{Error, Result};

/// Length of a private key.
pub const PRIVATE_KEY_LEN: usize = 20;
/// Length of a compressed public key (`02|03 ‖ X`), as placed in `opt`.
pub const PUBLIC_KEY_LEN: usize = 21;
/// Length of a `devkey` string (hex of the compressed public key): the scan reply's field,
/// declared in joylink-wire with that document.
pub use joylink_wire::lan::DEVKEY_LEN;
const _: () = assert!(DEVKEY_LEN == 2 * PUBLIC_KEY_LEN);
/// Length of the shared secret (the X coordinate).
pub const SHARED_SECRET_LEN: usize = 20;

/// A secp160r1 private key (20 bytes, non-zero).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct PrivateKey {
    bytes: [u8; PRIVATE_KEY_LEN],
}

impl PrivateKey {
    /// Draws a key from the caller's RNG (20 random bytes, redrawn in the 2^-160 case of zero),
    /// as micro-ecc's `uECC_make_key` does. Nothing is read from the OS.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        loop {
            let mut bytes = [0u8; PRIVATE_KEY_LEN];
            rng.fill_bytes(&mut bytes);
            let key = Self::from_bytes(&bytes);
            bytes.zeroize();
            if let Ok(key) = key {
                return key;
            }
        }
    }

    /// Takes a 20-byte big-endian private key.
    ///
    /// # Errors
    /// [`Error::PrivateKeyZero`] for zero (every other value is below n).
    pub fn from_bytes(bytes: &[u8; PRIVATE_KEY_LEN]) -> Result<Self> {
        // Constant-time zero test: OR of all bytes, then one comparison of the result.
        let any = bytes.iter().fold(0u8, |acc, &b| acc | b);
        if any == 0 {
            return Err(Error::PrivateKeyZero);
        }
        Ok(Self { bytes: *bytes })
    }

    /// The 20 key bytes (secret).
    pub fn raw_secret_bytes(&self) -> &[u8; PRIVATE_KEY_LEN] {
        &self.bytes
    }

    /// The matching public key `d · G` (constant-time in `d`).
    pub fn public_key(&self) -> PublicKey {
        // Constant-time double-and-add-always over the 160 key bits (`secp160r1.rs`). A
        // non-zero key below 2^160 < n never gives the identity; G stands in for the impossible.
        PublicKey {
            point: G.mul(&self.bytes).unwrap_or(G),
        }
    }

    /// The shared secret with a peer: the X coordinate of `d · Q` (constant-time in `d`).
    ///
    /// The result is never the point at infinity: `Q` is a validated non-identity point of a
    /// prime-order group and `0 < d < n`.
    pub fn diffie_hellman(&self, peer: &PublicKey) -> SharedSecret {
        let mut p = peer.point.mul(&self.bytes);
        // The identity is impossible (see above); it would give the all-zero secret.
        let bytes = p.map_or([0; SHARED_SECRET_LEN], |p| p.x.to_be_bytes());
        if let Some(p) = p.as_mut() {
            p.x.zeroize();
            p.y.zeroize();
        }
        SharedSecret::from_bytes(bytes)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey { ... }")
    }
}

/// A private key with its public key, as a device holds it from boot (compat §4: regenerated
/// on every boot by shipped devices).
///
/// Dropping it wipes the private key (which zeroizes itself); `Debug` shows the public key only.
#[derive(Clone)]
pub struct KeyPair {
    private: PrivateKey,
    public: PublicKey,
}

/// The private key wipes itself on drop; the public key is public
/// (`tests::key_pair_private_field_zeroizes_on_drop` keeps the field type honest).
impl ZeroizeOnDrop for KeyPair {}

impl KeyPair {
    /// Generates a key pair from the caller's RNG.
    ///
    /// ```
    /// # struct Rng(u64);
    /// # impl rand_core::TryRng for Rng {
    /// #     type Error = core::convert::Infallible;
    /// #     fn try_next_u32(&mut self) -> Result<u32, Self::Error> { Ok(self.try_next_u64()? as u32) }
    /// #     fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
    /// #         self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    /// #         Ok(self.0)
    /// #     }
    /// #     fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), Self::Error> {
    /// #         for b in d { *b = self.try_next_u64()? as u8; } Ok(())
    /// #     }
    /// # }
    /// # impl rand_core::TryCryptoRng for Rng {}
    /// # let mut rng = Rng(1); // use a real CSPRNG
    /// use joylink_crypto::KeyPair;
    /// let device = KeyPair::generate(&mut rng);
    /// let app = KeyPair::generate(&mut rng);
    /// let devkey = device.public_key().to_devkey(); // goes into the scan reply
    /// assert_eq!(devkey.as_str().len(), 42);
    /// let s1 = device.private_key().diffie_hellman(app.public_key());
    /// let s2 = app.private_key().diffie_hellman(device.public_key());
    /// assert_eq!(s1, s2);
    /// ```
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self::from_private_key(PrivateKey::generate(rng))
    }

    /// Completes a private key with its public key.
    pub fn from_private_key(private: PrivateKey) -> Self {
        let public = private.public_key();
        Self { private, public }
    }

    /// The private key.
    pub fn private_key(&self) -> &PrivateKey {
        &self.private
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// A validated secp160r1 public key: on the curve, not the point at infinity.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    point: Affine,
}

/// A coordinate, refused with [`Error::PublicKeyOutOfRange`] unless `< p` (public data).
fn coordinate(x: &[u8; 20]) -> Result<Fe> {
    Fe::from_be_bytes(x).ok_or(Error::PublicKeyOutOfRange)
}

impl PublicKey {
    /// Decodes a public key in any form a JoyLink peer may use:
    ///
    /// - 21 bytes `02|03 ‖ X`: the compressed form of `opt` and `devkey` (spec 4.3);
    /// - 41 bytes `04 ‖ X ‖ Y`: SEC1 uncompressed;
    /// - 40 bytes `X ‖ Y`: micro-ecc's native form (the vectors' `public_key`);
    /// - 1 byte `00`: SEC1's point at infinity (refused as such).
    ///
    /// # Errors
    /// Each reason has its own variant: [`Error::PublicKeyLength`], [`Error::PublicKeyPrefix`]
    /// (compat §4 — micro-ecc reads only bit 0 of the prefix; we accept only 2 and 3),
    /// [`Error::PublicKeyOutOfRange`] (a coordinate ≥ p), [`Error::PublicKeyNotOnCurve`],
    /// [`Error::PublicKeyIdentity`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        match bytes.len() {
            PUBLIC_KEY_LEN => {
                let (&tag, x) = bytes.split_first().ok_or(Error::PublicKeyLength(0))?;
                if tag != 2 && tag != 3 {
                    return Err(Error::PublicKeyPrefix(tag));
                }
                let x: &[u8; 20] = x.try_into().map_err(|_| Error::PublicKeyLength(21))?;
                Affine::decompress(coordinate(x)?, tag & 1 == 1)
                    .map(|point| Self { point })
                    .ok_or(Error::PublicKeyNotOnCurve)
            }
            40 | 41 => {
                let xy = match bytes.split_first() {
                    Some((&4, rest)) if bytes.len() == 41 => rest,
                    Some((&tag, _)) if bytes.len() == 41 => {
                        return Err(Error::PublicKeyPrefix(tag));
                    }
                    _ => bytes,
                };
                let (x, y) = xy
                    .split_at_checked(20)
                    .ok_or(Error::PublicKeyLength(bytes.len()))?;
                let x: &[u8; 20] = x
                    .try_into()
                    .map_err(|_| Error::PublicKeyLength(bytes.len()))?;
                let y: &[u8; 20] = y
                    .try_into()
                    .map_err(|_| Error::PublicKeyLength(bytes.len()))?;
                if x.iter().chain(y).all(|&b| b == 0) {
                    // micro-ecc's representation of the point at infinity.
                    return Err(Error::PublicKeyIdentity);
                }
                Affine::from_xy(coordinate(x)?, coordinate(y)?)
                    .map(|point| Self { point })
                    .ok_or(Error::PublicKeyNotOnCurve)
            }
            1 => match bytes.first() {
                Some(0) => Err(Error::PublicKeyIdentity),
                Some(&tag) => Err(Error::PublicKeyPrefix(tag)),
                None => Err(Error::PublicKeyLength(0)),
            },
            n => Err(Error::PublicKeyLength(n)),
        }
    }

    /// Decodes a scan reply's `devkey`: 42 hex characters of the compressed key (either case).
    ///
    /// # Errors
    /// [`Error::PublicKeyLength`] with the string's length in characters unless it is 42,
    /// [`Error::PublicKeyHex`] for a non-hex character, then as [`PublicKey::from_bytes`].
    pub fn from_devkey(s: &str) -> Result<Self> {
        let s = s.as_bytes();
        if s.len() != DEVKEY_LEN {
            return Err(Error::PublicKeyLength(s.len()));
        }
        let mut raw = [0u8; PUBLIC_KEY_LEN];
        for (i, (out, pair)) in raw.iter_mut().zip(s.chunks_exact(2)).enumerate() {
            let nib = |j: usize| -> Result<u8> {
                let c = pair.get(j).copied().unwrap_or(b'?');
                let index = i.saturating_mul(2).saturating_add(j);
                match c {
                    b'0'..=b'9' => Ok(c.wrapping_sub(b'0')),
                    b'a'..=b'f' => Ok(c.wrapping_sub(b'a').wrapping_add(10)),
                    b'A'..=b'F' => Ok(c.wrapping_sub(b'A').wrapping_add(10)),
                    _ => Err(Error::PublicKeyHex { index }),
                }
            };
            *out = (nib(0)? << 4) | nib(1)?;
        }
        Self::from_bytes(&raw)
    }

    /// The 21-byte compressed form, `0x02 | (y & 1)` then X, as sent in `opt` (spec 4.3).
    pub fn to_compressed(&self) -> [u8; PUBLIC_KEY_LEN] {
        let mut out = [0u8; PUBLIC_KEY_LEN];
        if let Some((tag, tail)) = out.split_first_mut() {
            *tag = 2 | u8::from(self.point.y.is_odd());
            tail.copy_from_slice(&self.point.x.to_be_bytes());
        }
        out
    }

    /// The 40-byte `X ‖ Y` form micro-ecc keeps internally (no tag).
    pub fn to_raw_uncompressed(&self) -> [u8; 40] {
        let mut out = [0u8; 40];
        if let Some((ox, oy)) = out.split_first_chunk_mut::<20>() {
            ox.copy_from_slice(&self.point.x.to_be_bytes());
            oy.copy_from_slice(&self.point.y.to_be_bytes());
        }
        out
    }

    /// The scan reply's `devkey`: 42 lowercase hex characters of the compressed key (compat §4).
    pub fn to_devkey(&self) -> DevKey {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; DEVKEY_LEN];
        for (pair, b) in out.chunks_exact_mut(2).zip(self.to_compressed()) {
            if let [hi, lo] = pair {
                *hi = HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0');
                *lo = HEX.get(usize::from(b & 15)).copied().unwrap_or(b'0');
            }
        }
        DevKey(out)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PublicKey")
            .field(&self.to_devkey().as_str())
            .finish()
    }
}

/// A `devkey` string: 42 lowercase hex characters (no allocation).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DevKey([u8; DEVKEY_LEN]);

impl DevKey {
    /// The 42 ASCII bytes (what a C caller copies; no UTF-8 check, no panic path in firmware).
    pub fn as_bytes(&self) -> &[u8; DEVKEY_LEN] {
        &self.0
    }

    /// The string.
    pub fn as_str(&self) -> &str {
        // Always ASCII hex by construction.
        core::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Display for DevKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for DevKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// The 20-byte ECDH shared secret (X coordinate), the key material of enctype 2.
#[derive(Clone, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SharedSecret {
    bytes: [u8; SHARED_SECRET_LEN],
    #[zeroize(skip)]
    iv_compat: IvCompat,
}

/// Constant-time in the secret bytes.
impl PartialEq for SharedSecret {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        bool::from(self.bytes[..].ct_eq(&other.bytes[..])) && self.iv_compat == other.iv_compat
    }
}

impl SharedSecret {
    /// Wraps 20 secret bytes (e.g. computed elsewhere, or from a test vector).
    pub fn from_bytes(bytes: [u8; SHARED_SECRET_LEN]) -> Self {
        Self {
            bytes,
            iv_compat: IvCompat::Standard,
        }
    }

    /// The same secret with the given old-firmware IV option (see [`IvCompat`]).
    #[must_use]
    pub fn with_iv_compat(mut self, iv_compat: IvCompat) -> Self {
        self.iv_compat = iv_compat;
        self
    }

    /// The IV option in force.
    pub fn iv_compat(&self) -> IvCompat {
        self.iv_compat
    }

    /// The 20 secret bytes.
    pub fn raw_secret_bytes(&self) -> &[u8; SHARED_SECRET_LEN] {
        &self.bytes
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedSecret { ... }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wipes_itself<T: ZeroizeOnDrop>(_: &T) {}

    /// `impl ZeroizeOnDrop for KeyPair` is written by hand: it holds only while the private
    /// field wipes itself.
    #[test]
    fn key_pair_private_field_zeroizes_on_drop() {
        let pair = KeyPair::from_private_key(PrivateKey { bytes: [0x11; 20] });
        let KeyPair { private, public: _ } = &pair;
        wipes_itself(private);
    }
}
