//! Prepared keys: the AES-128 key schedules expanded once per key, and the block-cipher backend
//! hook (issue 20).
//!
//! Expanding an AES key costs more than encrypting a short packet (with the constant-time
//! software AES about 4 300 instructions against 9 100 for a whole heartbeat). A [`PreparedKey`]
//! holds the expanded encrypt and decrypt schedules and the IV, so whoever keeps the key (a
//! session, a cloud connection, the C ABI's key object) pays the expansion once; [`Mode::Prepared`]
//! carries it to [`seal`](crate::seal) and [`open`](crate::open). The one-shot functions
//! ([`cbc::encrypt_in_place`], [`Mode::LocalKey`] and the other key modes) stay for one-off use and
//! expand the key on the stack for each call.
//!
//! # Backends
//! The block cipher is any type with RustCrypto's `cipher` 0.5 traits for a 16-byte block and a
//! 16-byte key ([`Aes128Backend`]: `KeyInit + BlockCipherEncrypt + BlockCipherDecrypt`), so a
//! firmware can plug its chip's AES unit behind those three traits and a server keeps AES-NI. The
//! default, [`aes::Aes128`], is RustCrypto's: AES-NI / ARMv8 AES picked at run time, otherwise a
//! constant-time fixsliced software AES (never table-based).
//!
//! The CBC layer borrows the schedule (`cbc` over `&C`), so no schedule is copied per packet.
//!
//! [`cbc::encrypt_in_place`]: crate::cbc::encrypt_in_place
//! [`Mode::Prepared`]: crate::Mode::Prepared
//! [`Mode::LocalKey`]: crate::Mode::LocalKey

use core::fmt;

use cipher::consts::U16;
use cipher::{BlockCipherDecrypt, BlockCipherEncrypt, BlockSizeUser, KeyInit, KeySizeUser};
use joylink_wire::{EncType, Secret};
use zeroize::ZeroizeOnDrop;

use crate::{KeyIv, Result, cbc};

/// An AES-128 block cipher the CBC modes can run on: RustCrypto's `cipher` traits with a 16-byte
/// block and key. Implemented for every such type; [`aes::Aes128`] is the default.
///
/// A backend must keep its schedule secret: zeroize it on drop (the `aes` crate does, with its
/// `zeroize` feature, which this crate turns on) and not print it in `Debug`.
pub trait Aes128Backend:
    KeyInit
    + KeySizeUser<KeySize = U16>
    + BlockSizeUser<BlockSize = U16>
    + BlockCipherEncrypt
    + BlockCipherDecrypt
{
}

impl<T> Aes128Backend for T where
    T: KeyInit
        + KeySizeUser<KeySize = U16>
        + BlockSizeUser<BlockSize = U16>
        + BlockCipherEncrypt
        + BlockCipherDecrypt
{
}

/// An AES-128-CBC key with its schedules expanded, its IV and the `enctype` it is used under.
///
/// Dropping it wipes the IV (a [`Secret`]) and the schedules (the backend's own wipe, see
/// [`Aes128Backend`]); it is [`ZeroizeOnDrop`] whenever the backend is, as [`aes::Aes128`] is.
/// `Debug` shows the `enctype` only.
///
/// ```
/// use joylink_crypto::{LocalKey, Mode, PreparedKey, open, seal};
/// use joylink_wire::{CrcPolicy, EncType, HEADER_LEN, Header, Magic, PacketType, PartialParse};
///
/// let key: LocalKey = "be4d957a4da771d609ab383e548014a0".parse()?;
/// // Once per key (e.g. when the device learns its localkey) ...
/// let prepared = PreparedKey::from_local_key(&key);
/// let mode = Mode::Prepared(&prepared);
/// // ... then every packet uses the expanded schedules.
/// let header = Header::new(Magic::Lan, PacketType::JsonControl, EncType::PreShared);
/// let mut buf = [0u8; 64];
/// buf[HEADER_LEN..HEADER_LEN + 4].copy_from_slice(&7u32.to_le_bytes());
/// let n = seal(&header, &mode, 0, 4, &mut buf)?;
/// let opened = open(PartialParse::new(&mut buf[..n], CrcPolicy::Verify)?, &mode, Default::default())?;
/// assert_eq!(opened.timestamp, Some(7));
/// // The same bytes as the one-shot mode.
/// # let mut again = [0u8; 64];
/// # again[HEADER_LEN..HEADER_LEN + 4].copy_from_slice(&7u32.to_le_bytes());
/// # let m = seal(&header, &Mode::LocalKey(&key), 0, 4, &mut again)?;
/// # assert_eq!(&again[..m], &seal_again(&prepared)[..]);
/// # fn seal_again(p: &PreparedKey) -> Vec<u8> {
/// #     let mut b = [0u8; 64];
/// #     b[HEADER_LEN..HEADER_LEN + 4].copy_from_slice(&7u32.to_le_bytes());
/// #     let h = Header::new(Magic::Lan, PacketType::JsonControl, EncType::PreShared);
/// #     let n = seal(&h, &Mode::Prepared(p), 0, 4, &mut b).unwrap();
/// #     b[..n].to_vec()
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct PreparedKey<C: Aes128Backend = aes::Aes128> {
    cipher: C,
    iv: Secret<[u8; 16]>,
    enc_type: EncType,
}

/// Both secret fields wipe themselves: the schedule is the backend's (hence the bound), the IV a
/// [`Secret`] (`tests::secret_fields_zeroize_on_drop` keeps the field types honest).
impl<C: Aes128Backend + ZeroizeOnDrop> ZeroizeOnDrop for PreparedKey<C> {}

impl<C: Aes128Backend> fmt::Debug for PreparedKey<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedKey")
            .field("enc_type", &self.enc_type)
            .finish_non_exhaustive()
    }
}

impl<C: Aes128Backend> PreparedKey<C> {
    /// Expands `key` for `enc_type` (the value [`Mode::Prepared`](crate::Mode::Prepared) puts in
    /// the header and checks on open). The one place a prepared key's schedule is computed (the
    /// one-shot [`cbc`] functions expand theirs for each call).
    pub fn new(key: &KeyIv, enc_type: EncType) -> Self {
        Self {
            cipher: C::new(key.raw_secret_key().into()),
            iv: Secret::new(*key.raw_secret_iv()),
            enc_type,
        }
    }

    /// A backend that is already keyed (e.g. a hardware AES unit's handle), with its IV.
    pub fn from_cipher(cipher: C, iv: [u8; 16], enc_type: EncType) -> Self {
        Self {
            cipher,
            iv: Secret::new(iv),
            enc_type,
        }
    }

    /// The `enctype` this key is used under.
    pub const fn enc_type(&self) -> EncType {
        self.enc_type
    }

    /// Encrypts the first `msg_len` bytes of `buf` in place with PKCS#7 padding; returns the
    /// ciphertext length ([`cbc::padded_len`]`(msg_len)`). Same contract as
    /// [`cbc::encrypt_in_place`].
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall) (nothing written).
    pub fn encrypt_in_place(&self, buf: &mut [u8], msg_len: usize) -> Result<usize> {
        cbc::encrypt_with(&self.cipher, self.iv.raw_secret_array(), buf, msg_len)
    }

    /// Decrypts `buf` in place and strips the padding in constant time. Same contract as
    /// [`cbc::decrypt_in_place`] (on error every byte of `buf` is zero).
    ///
    /// # Errors
    /// [`Error::Decrypt`](crate::Error::Decrypt), one value for every failure.
    pub fn decrypt_in_place<'a>(&self, buf: &'a mut [u8]) -> Result<&'a mut [u8]> {
        cbc::decrypt_with(&self.cipher, self.iv.raw_secret_array(), buf)
    }
}

impl PreparedKey {
    /// Enctype 3 with the LAN localkey (spec 4.4).
    pub fn from_local_key(k: &crate::LocalKey) -> Self {
        Self::new(&KeyIv::from_local_key(k), EncType::PreShared)
    }

    /// Enctype 3 with the WAN accesskey (spec 7.2.1).
    pub fn from_access_key(k: &crate::AccessKey) -> Self {
        Self::new(&KeyIv::from_access_key(k), EncType::PreShared)
    }

    /// Enctype 4 with the WAN session key (its IV option applied).
    pub fn from_session_key(k: &crate::SessionKey) -> Self {
        Self::new(&KeyIv::from_session_key(k), EncType::SessionKey)
    }

    /// Enctype 2 with the ECDH shared secret (spec 4.3).
    pub fn from_shared_secret(s: &crate::SharedSecret) -> Self {
        Self::new(&KeyIv::from_shared_secret(s), EncType::Ecdh)
    }
}

/// What [`Mode::Prepared`](crate::Mode::Prepared) needs of a prepared key, object-safe so that
/// `Mode` stays one type whatever the backend: implemented by every [`PreparedKey`].
pub trait CbcKey {
    /// The `enctype` the key is used under.
    fn enc_type(&self) -> EncType;
    /// [`PreparedKey::encrypt_in_place`].
    ///
    /// # Errors
    /// As [`PreparedKey::encrypt_in_place`].
    fn encrypt_in_place(&self, buf: &mut [u8], msg_len: usize) -> Result<usize>;
    /// [`PreparedKey::decrypt_in_place`].
    ///
    /// # Errors
    /// As [`PreparedKey::decrypt_in_place`].
    fn decrypt_in_place<'a>(&self, buf: &'a mut [u8]) -> Result<&'a mut [u8]>;
}

impl<C: Aes128Backend> CbcKey for PreparedKey<C> {
    fn enc_type(&self) -> EncType {
        self.enc_type
    }
    fn encrypt_in_place(&self, buf: &mut [u8], msg_len: usize) -> Result<usize> {
        PreparedKey::encrypt_in_place(self, buf, msg_len)
    }
    fn decrypt_in_place<'a>(&self, buf: &'a mut [u8]) -> Result<&'a mut [u8]> {
        PreparedKey::decrypt_in_place(self, buf)
    }
}

impl fmt::Debug for dyn CbcKey + '_ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CbcKey")
            .field("enc_type", &self.enc_type())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wipes_itself<T: ZeroizeOnDrop>(_: &T) {}

    /// The `ZeroizeOnDrop` claim above is written by hand: it holds only while every secret
    /// field wipes itself. Turning the IV back into a bare array fails to compile here.
    #[test]
    fn secret_fields_zeroize_on_drop() {
        let k = PreparedKey::<aes::Aes128>::new(&KeyIv::new([0x11; 16], [0x22; 16]), EncType::Ecdh);
        let PreparedKey {
            cipher,
            iv,
            enc_type: _,
        } = &k;
        wipes_itself(cipher);
        wipes_itself(iv);
    }
}
