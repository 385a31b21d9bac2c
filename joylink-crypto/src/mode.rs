//! The encryption modes as one typed API (spec 3.6 and chapter 4; compat §3.2).
//!
//! A [`Mode`] pairs an `enctype` with the key it needs, so a wrong combination cannot be written:
//! enctype 2 cannot be used without a [`SharedSecret`], enctype 4 without a [`SessionKey`].

use joylink_wire::EncType;

use crate::{AccessKey, CbcKey, KeyIv, LocalKey, Result, SessionKey, SharedSecret, StaticKey, cbc};

/// How a payload is encrypted, with its key.
#[derive(Debug, Clone, Copy)]
pub enum Mode<'k> {
    /// Enctype 0 (spec 4.1): the payload is sent in clear.
    None,
    /// Enctype 1 (spec 4.2): the spec's published static key — obfuscation only.
    /// compat §3.2, no shipped SDK implements it.
    Static,
    /// Enctype 2 (spec 4.3): key and IV from the ECDH shared secret (LAN types 2 and 102).
    Ecdh(&'k SharedSecret),
    /// Enctype 3 (spec 4.4) with the LAN localkey (LAN types 3, 4, 103, 104, 105).
    LocalKey(&'k LocalKey),
    /// Enctype 3 (spec 4.4) with the WAN accesskey (WAN auth, type 9).
    AccessKey(&'k AccessKey),
    /// Enctype 4 with the session key: every WAN packet after auth.
    /// compat §3.2 — absent from the spec's table (3.6), used by every shipped SDK.
    Session(&'k SessionKey),
    /// A key whose AES schedules were expanded once ([`PreparedKey`](crate::PreparedKey), on
    /// any backend): its `enctype` is the one it was prepared for. The other key modes expand the
    /// key on every packet; this one never does.
    Prepared(&'k dyn CbcKey),
}

impl Mode<'_> {
    /// The `enctype` header value of this mode.
    pub fn enc_type(&self) -> EncType {
        match self {
            Mode::None => EncType::None,
            Mode::Static => EncType::Static,
            Mode::Ecdh(_) => EncType::Ecdh,
            Mode::LocalKey(_) | Mode::AccessKey(_) => EncType::PreShared,
            Mode::Session(_) => EncType::SessionKey,
            Mode::Prepared(k) => k.enc_type(),
        }
    }

    /// Whether the payload is encrypted (every mode but [`Mode::None`]).
    pub const fn encrypts(&self) -> bool {
        !matches!(self, Mode::None)
    }

    /// The AES key and IV, `None` for [`Mode::None`] and for [`Mode::Prepared`] (whose key is
    /// only kept expanded).
    pub fn key_iv(&self) -> Option<KeyIv> {
        match self {
            Mode::None => None,
            Mode::Static => Some(KeyIv::from_static(StaticKey)),
            Mode::Ecdh(s) => Some(KeyIv::from_shared_secret(s)),
            Mode::LocalKey(k) => Some(KeyIv::from_local_key(k)),
            Mode::AccessKey(k) => Some(KeyIv::from_access_key(k)),
            Mode::Session(k) => Some(KeyIv::from_session_key(k)),
            Mode::Prepared(_) => None,
        }
    }

    /// Length of the payload for a plaintext of `len` bytes: `len` in clear, otherwise
    /// [`cbc::padded_len`]`(len)` (1 to 16 bytes more).
    pub const fn payload_len(&self, len: usize) -> usize {
        if self.encrypts() {
            cbc::padded_len(len)
        } else {
            len
        }
    }

    /// Encrypts the first `msg_len` bytes of `buf` in place; returns the payload length
    /// ([`Mode::payload_len`]`(msg_len)`, which `buf` must hold).
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall) (nothing written).
    pub fn seal_in_place(&self, buf: &mut [u8], msg_len: usize) -> Result<usize> {
        if let Mode::Prepared(k) = self {
            return k.encrypt_in_place(buf, msg_len);
        }
        match self.key_iv() {
            Some(k) => cbc::encrypt_in_place(&k, buf, msg_len),
            None if msg_len <= buf.len() => Ok(msg_len),
            None => Err(crate::Error::BufferTooSmall {
                needed: msg_len,
                available: buf.len(),
            }),
        }
    }

    /// Decrypts a payload in place; returns the plaintext, a prefix of `buf` (all of it for
    /// [`Mode::None`]).
    ///
    /// # Errors
    /// [`Error::Decrypt`](crate::Error::Decrypt), one value for every failure; every byte of
    /// `buf` is zero afterwards.
    pub fn open_in_place<'a>(&self, buf: &'a mut [u8]) -> Result<&'a mut [u8]> {
        if let Mode::Prepared(k) = self {
            return k.decrypt_in_place(buf);
        }
        match self.key_iv() {
            Some(k) => cbc::decrypt_in_place(&k, buf),
            None => Ok(buf),
        }
    }
}
