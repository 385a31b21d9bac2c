//! The crate's one error type.

use joylink_wire::EncType;

/// Everything that can go wrong in `joylink-crypto`.
///
/// Decryption failures are deliberately one variant, [`Error::Decrypt`]: a wrong key, bad
/// padding, a ciphertext length that is not a multiple of 16 and a plaintext too short for its
/// timestamp look the same, so the error type is no padding oracle (rustls's `DecryptError`).
/// A peer's behaviour still can be: see the crate's "Security" section. Public-key decoding, on the other hand, names
/// each reason a point is refused: those inputs are public and the distinction helps debugging.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Opening failed once decryption started: wrong key, bad PKCS#7 padding, a ciphertext length
    /// that is not a non-zero multiple of 16, or a plaintext too short for its timestamp (never
    /// says which). The payload bytes of the buffer are all zero afterwards.
    #[error("decryption failed")]
    Decrypt,
    /// The caller's buffer is too small; nothing was written.
    #[error("buffer too small: {needed} bytes needed, {available} available")]
    BufferTooSmall {
        /// Bytes the operation needs.
        needed: usize,
        /// Bytes the buffer has.
        available: usize,
    },
    /// A key string (localkey/accesskey) or session key has the wrong length.
    #[error("key must be {expected} bytes, got {actual}")]
    KeyLength {
        /// Required length (32).
        expected: usize,
        /// Length given.
        actual: usize,
    },
    /// A key string (localkey/accesskey) holds a byte that is not printable ASCII.
    #[error("key string byte {index} is not printable ascii")]
    KeyNotAscii {
        /// Offset of the first offending byte.
        index: usize,
    },
    /// A secp160r1 private key of zero.
    #[error("private key is zero")]
    PrivateKeyZero,
    /// An encoded public key has a length that is none of the accepted forms.
    #[error("public key has invalid length {0}")]
    PublicKeyLength(usize),
    /// A public key starts with a byte that is not a SEC1 tag for its length.
    #[error("public key has invalid prefix 0x{0:02x}")]
    PublicKeyPrefix(u8),
    /// A `devkey` hex string holds a non-hex character.
    #[error("public key hex has a bad character at offset {index}")]
    PublicKeyHex {
        /// Offset of the first offending character.
        index: usize,
    },
    /// A public key coordinate is not below the field modulus p.
    #[error("public key coordinate is not below p")]
    PublicKeyOutOfRange,
    /// A public key is not a point of secp160r1 (or its x has no y on the curve).
    #[error("public key is not on the curve")]
    PublicKeyNotOnCurve,
    /// A public key is the point at infinity.
    #[error("public key is the point at infinity")]
    PublicKeyIdentity,
    /// The packet's `enctype` is not the one of the key the caller opens it with.
    #[error("packet enctype {found} does not match the key's enctype {expected}")]
    EncTypeMismatch {
        /// The enctype of the caller's [`Mode`](crate::Mode).
        expected: EncType,
        /// The enctype in the header.
        found: EncType,
    },
    /// A timestamp was not newer than the last accepted one (spec 4.4 item 4).
    #[error("timestamp {got} replayed (last accepted {last})")]
    Replayed {
        /// The last accepted timestamp.
        last: u32,
        /// The rejected timestamp.
        got: u32,
    },
    /// A timestamp was more than the window away from the synchronized clock (spec 4.4 item 4).
    #[error("timestamp {got} is outside the window around {now}")]
    OutsideWindow {
        /// The caller's clock.
        now: u32,
        /// The rejected timestamp.
        got: u32,
    },
    /// A packet-layer error from `joylink-wire` (header, lengths, CRC).
    #[error(transparent)]
    Wire(#[from] joylink_wire::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
