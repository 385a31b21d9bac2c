//! The nested layer of sub-device packets (spec 8.2), shared by LAN type 104 and WAN types
//! 111/112.
//!
//! A gateway relays commands to its sub-devices with two layers of encryption: the inner
//! `cmd[]`/`resp[]`/`data[]` is sealed with the **sub-device's** key, then the whole body with the
//! gateway's. The inner key is the sub-device's localkey on the LAN ([`Mode::LocalKey`], type
//! 104) and its accesskey on the WAN ([`Mode::AccessKey`], types 111/112; compat §3.3,
//! §7.6/§7.7): `AES-CBC(key = key[0..16], IV = key[16..32])` of the bytes as they are, no
//! timestamp.
//!
//! # Security
//! AES-CBC without a MAC (see [`crate::cbc`]): the inner layer only keeps the holder of
//! the gateway's key from reading a sub-device's commands; it authenticates nothing.

use crate::{Mode, Result};

/// Length of the inner ciphertext [`seal_inner`] writes for `len` plaintext bytes.
pub const fn inner_sealed_len(inner: &Mode<'_>, len: usize) -> usize {
    inner.payload_len(len)
}

/// Seals the inner layer: `plaintext` encrypted with the sub-device's key `inner`, written to
/// `out`; returns [`inner_sealed_len`].
///
/// ```
/// use joylink_crypto::{AccessKey, Mode};
/// let key: AccessKey = "1ff4654e25e7d359be09ef3a6e1f0bc1".parse()?;
/// let inner = Mode::AccessKey(&key);
/// let mut out = [0u8; 32];
/// let n = joylink_crypto::seal_inner(&inner, b"{\"cmd\":1}", &mut out)?;
/// assert_eq!(n, joylink_crypto::inner_sealed_len(&inner, 9));
/// let mut scratch = [0u8; 32];
/// assert_eq!(joylink_crypto::open_inner(&inner, &out[..n], &mut scratch)?, b"{\"cmd\":1}");
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall) when `out` is short (nothing
/// written).
pub fn seal_inner(inner: &Mode<'_>, plaintext: &[u8], out: &mut [u8]) -> Result<usize> {
    let needed = inner_sealed_len(inner, plaintext.len());
    let available = out.len();
    let too_small = crate::Error::BufferTooSmall { needed, available };
    let region = out.get_mut(..needed).ok_or(too_small)?;
    region
        .get_mut(..plaintext.len())
        .ok_or(too_small)?
        .copy_from_slice(plaintext);
    inner.seal_in_place(region, plaintext.len())
}

/// Opens the inner layer: `ciphertext` (borrowed immutably, e.g. the `data` of an opened
/// [`SubDevControl`](joylink_wire::wan::SubDevControl) or
/// [`SubDevUpload`](joylink_wire::wan::SubDevUpload)) is copied into `out` and decrypted there;
/// returns the plaintext, a prefix of `out`. (LAN type 104 opens its inner layer in place,
/// through `joylink::lan::SubDevScriptOuter::open_inner`.)
///
/// # Errors
/// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall) when `out` is shorter than the
/// ciphertext, `Decrypt` (the bytes copied to `out` are zero afterwards).
pub fn open_inner<'b>(
    inner: &Mode<'_>,
    ciphertext: &[u8],
    out: &'b mut [u8],
) -> Result<&'b mut [u8]> {
    let available = out.len();
    let dst = out
        .get_mut(..ciphertext.len())
        .ok_or(crate::Error::BufferTooSmall {
            needed: ciphertext.len(),
            available,
        })?;
    dst.copy_from_slice(ciphertext);
    // On failure every byte of `dst` is zero afterwards (the one `Decrypt`).
    inner.open_in_place(dst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::{AccessKey, LocalKey};

    fn access_key() -> AccessKey {
        "1ff4654e25e7d359be09ef3a6e1f0bc1".parse().unwrap()
    }

    #[test]
    fn seal_then_open_with_either_key_kind() {
        let ak = access_key();
        let lk: LocalKey = "25e35c9691ee91296facd5d28a4822bc".parse().unwrap();
        for mode in [Mode::AccessKey(&ak), Mode::LocalKey(&lk)] {
            let mut out = [0xa5u8; 48];
            let n = seal_inner(&mode, b"0123456789abcdef", &mut out).unwrap();
            assert_eq!(n, 32, "a full block of padding after 16 bytes");
            assert_ne!(&out[..16], b"0123456789abcdef");
            let mut scratch = [0u8; 32];
            assert_eq!(
                open_inner(&mode, &out[..n], &mut scratch).unwrap(),
                b"0123456789abcdef"
            );
        }
    }

    #[test]
    fn short_output_writes_nothing() {
        let ak = access_key();
        let mut out = [0xa5u8; 15];
        let r = seal_inner(&Mode::AccessKey(&ak), b"x", &mut out);
        assert!(matches!(
            r,
            Err(Error::BufferTooSmall {
                needed: 16,
                available: 15
            })
        ));
        assert_eq!(out, [0xa5; 15]);
        let mut small = [0u8; 8];
        assert!(matches!(
            open_inner(&Mode::AccessKey(&ak), &[0u8; 16], &mut small),
            Err(Error::BufferTooSmall {
                needed: 16,
                available: 8
            })
        ));
    }

    #[test]
    fn wrong_key_or_bad_length_is_one_decrypt_error() {
        let ak = access_key();
        let other: AccessKey = "00000000000000000000000000000000".parse().unwrap();
        let mut out = [0u8; 16];
        seal_inner(&Mode::AccessKey(&ak), b"abc", &mut out).unwrap();
        // With the wrong key either the padding fails (one `Decrypt`) or the bytes are garbage.
        let r = Mode::AccessKey(&other).open_in_place(&mut out);
        match r {
            Err(e) => assert!(matches!(e, Error::Decrypt)),
            Ok(p) => assert_ne!(p, b"abc"),
        }
        let mut ragged = [0u8; 15];
        assert!(matches!(
            Mode::AccessKey(&ak).open_in_place(&mut ragged),
            Err(Error::Decrypt)
        ));
    }
}
