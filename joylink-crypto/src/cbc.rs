//! AES-128-CBC with PKCS#7 padding, in place on the caller's buffer (spec 1.1 "AES128
//! CBC/PKCS#5 padding": PKCS#5 is the spec's name; on 16-byte blocks it is PKCS#7), on
//! RustCrypto's `aes` (AES-NI picked at run time) and `cbc`, or on any block-cipher backend
//! through [`PreparedKey`](crate::PreparedKey), which keeps the expanded key schedules.
//!
//! # Padding
//! A plaintext of `n` bytes always gains 1 to 16 bytes of padding: a full block of 16 × 0x10 when
//! `n` is a multiple of 16 (so 0 bytes encrypt to 16). [`padded_len`] gives the exact ciphertext
//! length, `(n / 16 + 1) * 16`; the buffer handed to [`encrypt_in_place`] must be at least that
//! long.
//!
//! Decryption is strict: the pad byte must be 1..=16 and all pad bytes equal. compat: the SDK
//! also accepts a pad byte of 0 (strips nothing) or above 16; we refuse those. The check reads
//! all 16 bytes of the last block whatever their values, with `subtle`'s constant-time
//! comparisons, instead of block-padding's unpad, which returns at the first bad byte.
//!
//! # Security
//! CBC without a MAC gives confidentiality against a passive listener only: an active attacker
//! can flip plaintext bits and replay packets, and nothing here can notice. Every failure is the
//! one [`Error::Decrypt`], the padding check takes the same time for every padding, and a failed
//! decryption leaves zeros, not plaintext, in the buffer. That removes the oracle from this
//! library's *answers*; it cannot remove it from a protocol peer's: see the crate's "Security"
//! section.

use cipher::block_padding::NoPadding;
use cipher::consts::U16;
use cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, BlockSizeUser,
    InnerIvInit, KeyInit,
};
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

use crate::{Error, KeyIv, Result};

/// AES block size.
pub const BLOCK_LEN: usize = 16;

/// Ciphertext length for a plaintext of `len` bytes: `(len / 16 + 1) * 16`, i.e. `len` plus 1 to
/// 16 bytes of PKCS#7 padding (saturating at `usize::MAX`, which no buffer reaches).
#[must_use]
pub const fn padded_len(len: usize) -> usize {
    (len & !(BLOCK_LEN - 1)).saturating_add(BLOCK_LEN)
}

/// Encrypts the first `msg_len` bytes of `buf` in place and returns the ciphertext length
/// ([`padded_len`]`(msg_len)`); the padding is written after the message.
///
/// # Errors
/// [`Error::BufferTooSmall`] when `buf` is shorter than `padded_len(msg_len)` (nothing written).
pub fn encrypt_in_place(key: &KeyIv, buf: &mut [u8], msg_len: usize) -> Result<usize> {
    // One-shot: the schedule is expanded for this call (keep a `PreparedKey` to expand it once).
    let cipher = aes::Aes128::new(key.raw_secret_key().into());
    encrypt_with(&cipher, key.raw_secret_iv(), buf, msg_len)
}

/// CBC encryption on a borrowed, already expanded cipher (no schedule is copied): the padding is
/// written with one fill, then the blocks are chained. Any 16-byte block cipher will do: the one-shot
/// functions pass `aes::Aes128`, a `PreparedKey` its backend.
pub(crate) fn encrypt_with<C: BlockCipherEncrypt + BlockSizeUser<BlockSize = U16>>(
    cipher: &C,
    iv: &[u8; BLOCK_LEN],
    buf: &mut [u8],
    msg_len: usize,
) -> Result<usize> {
    let needed = padded_len(msg_len);
    let available = buf.len();
    let Some(region) = buf.get_mut(..needed) else {
        return Err(Error::BufferTooSmall { needed, available });
    };
    // PKCS#7: 1..=16 bytes, each the pad length (`needed - msg_len` is in 1..=16 here).
    let pad = needed.saturating_sub(msg_len);
    if let Some(tail) = region.get_mut(msg_len..) {
        tail.fill(u8::try_from(pad).unwrap_or(0));
    }
    let enc = cbc::Encryptor::<&C>::inner_iv_init(cipher, iv.into());
    enc.encrypt_padded::<NoPadding>(region, needed)
        .map(<[u8]>::len)
        .map_err(|_| Error::BufferTooSmall { needed, available })
}

/// Decrypts `buf` in place and returns the plaintext, a prefix of `buf`.
///
/// The PKCS#7 check runs in constant time (see the module docs).
///
/// # Errors
/// [`Error::Decrypt`] when the length is not a non-zero multiple of 16, the padding is not
/// strict PKCS#7, or (what amounts to the same) the key is wrong. On that error every byte of
/// `buf` is zero: no decrypted byte is left behind.
pub fn decrypt_in_place<'a>(key: &KeyIv, buf: &'a mut [u8]) -> Result<&'a mut [u8]> {
    if buf.is_empty() || !buf.len().is_multiple_of(BLOCK_LEN) {
        // Refused before the key is expanded.
        buf.zeroize();
        return Err(Error::Decrypt);
    }
    let cipher = aes::Aes128::new(key.raw_secret_key().into());
    decrypt_with(&cipher, key.raw_secret_iv(), buf)
}

/// CBC decryption on a borrowed, already expanded cipher, with the constant-time padding check.
pub(crate) fn decrypt_with<'a, C: BlockCipherDecrypt + BlockSizeUser<BlockSize = U16>>(
    cipher: &C,
    iv: &[u8; BLOCK_LEN],
    buf: &'a mut [u8],
) -> Result<&'a mut [u8]> {
    if buf.is_empty() || !buf.len().is_multiple_of(BLOCK_LEN) {
        buf.zeroize();
        return Err(Error::Decrypt);
    }
    let dec = cbc::Decryptor::<&C>::inner_iv_init(cipher, iv.into());
    // Every block is decrypted; the padding is checked below, without early returns.
    if dec.decrypt_padded::<NoPadding>(buf).is_err() {
        buf.zeroize();
        return Err(Error::Decrypt);
    }
    match unpadded_len(buf) {
        Some(len) => buf.get_mut(..len).ok_or(Error::Decrypt),
        None => {
            buf.zeroize();
            Err(Error::Decrypt)
        }
    }
}

/// The length of `plaintext` without its PKCS#7 padding, `None` when the padding is not strict
/// PKCS#7. Constant time in the bytes of the last block: all 16 are read and compared whatever
/// the pad byte says, as one 128-bit word with lane-wise (SWAR) arithmetic instead of a loop over
/// bytes (issue 20: ~20 instructions instead of ~75; an optimisation barrier per byte cost ~1 500),
/// and one `subtle` comparison at the end; only the final yes/no (which the caller reveals anyway)
/// is a branch.
fn unpadded_len(plaintext: &[u8]) -> Option<usize> {
    /// 0x01 in every byte lane.
    const ONES: u128 = u128::from_le_bytes([1; BLOCK_LEN]);
    /// The top bit of every lane.
    const HIGH: u128 = u128::from_le_bytes([0x80; BLOCK_LEN]);
    /// Lane `j` holds `16 - j`: byte `j`'s position counted from the end of the block, from 1.
    const FROM_END: u128 =
        u128::from_le_bytes([16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    let start = plaintext.len().checked_sub(BLOCK_LEN)?;
    let last_block: &[u8; BLOCK_LEN] = plaintext.get(start..)?.try_into().ok()?;
    let pad = last_block[BLOCK_LEN - 1];
    // Byte j of the block in lane j (bits 8j..8j+8).
    let block = u128::from_le_bytes(*last_block);
    // Lane j: 0x80 + p - (16 - j), with p = pad & 0x1F (larger pads are refused below whatever
    // the lanes say). It stays within 0x70..=0x9F, so no lane borrows from the next, and its top
    // bit is set exactly when 16 - j <= p: byte j is padding.
    let p = u128::from(pad & 0x1F).wrapping_mul(ONES);
    let top = (p | HIGH).wrapping_sub(FROM_END) & HIGH;
    // 0x80 -> 0xFF, 0x00 -> 0x00 in every lane.
    let in_pad = top | top.wrapping_sub(top >> 7);
    // Lanes equal to the pad byte are zero; any other byte inside the padding is not.
    let mut bad = (block ^ u128::from(pad).wrapping_mul(ONES)) & in_pad;
    // 1 <= pad <= 16: `pad - 1` below 16, as a bit test on the word (no comparison branch).
    bad |= u128::from(u32::from(pad).wrapping_sub(1) & !0xF);
    // Folded to 64 bits for `subtle` (whose u128 comparison needs its `i128` feature); the
    // masked value always fits, so the fallback is never taken.
    let folded = u64::try_from((bad | (bad >> 64)) & u128::from(u64::MAX)).unwrap_or(u64::MAX);
    let ok = folded.ct_eq(&0);
    let strip = u32::conditional_select(&0, &u32::from(pad), ok);
    let len = plaintext.len().checked_sub(usize::try_from(strip).ok()?)?;
    bool::from(ok).then_some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_lengths() {
        assert_eq!(padded_len(0), 16);
        assert_eq!(padded_len(15), 16);
        assert_eq!(padded_len(16), 32);
        assert_eq!(padded_len(17), 32);
        assert_eq!(padded_len(usize::MAX), usize::MAX);
    }

    #[test]
    fn short_buffer_writes_nothing() {
        let k = KeyIv::new([1; 16], [2; 16]);
        let mut buf = [0xa5u8; 31];
        assert_eq!(
            encrypt_in_place(&k, &mut buf, 16),
            Err(Error::BufferTooSmall {
                needed: 32,
                available: 31
            })
        );
        assert_eq!(buf, [0xa5; 31]);
    }

    #[test]
    fn bad_lengths_and_padding_are_one_error() {
        let k = KeyIv::new([1; 16], [2; 16]);
        assert_eq!(decrypt_in_place(&k, &mut []), Err(Error::Decrypt));
        assert_eq!(decrypt_in_place(&k, &mut [0; 15]), Err(Error::Decrypt));
        // Pad byte 0, which the SDK's lax unpadding accepts: encrypt 16 zero bytes and drop
        // the padding block, so the last plaintext byte is 0x00.
        let mut msg = [0u8; 32];
        let n = encrypt_in_place(&k, &mut msg, 16).unwrap();
        assert_eq!(n, 32);
        assert_eq!(decrypt_in_place(&k, &mut msg[..16]), Err(Error::Decrypt));
        let wrong = KeyIv::new([9; 16], [2; 16]);
        let mut ct = [0u8; 32];
        ct[..5].copy_from_slice(b"hello");
        encrypt_in_place(&k, &mut ct, 5).unwrap();
        // A wrong key gives garbage padding with overwhelming probability: the same error.
        assert_eq!(decrypt_in_place(&wrong, &mut ct[..16]), Err(Error::Decrypt));
    }

    /// Every strict padding is accepted and stripped; a single wrong pad byte anywhere in the
    /// padding, a pad byte of 0 or above 16 is refused.
    #[test]
    fn padding_check_accepts_exactly_strict_pkcs7() {
        for pad in 1..=16u8 {
            let mut block = [0xeeu8; 32];
            for b in &mut block[32 - usize::from(pad)..] {
                *b = pad;
            }
            assert_eq!(
                unpadded_len(&block),
                Some(32 - usize::from(pad)),
                "pad {pad}"
            );
            for wrong in 1..usize::from(pad) {
                let mut bad = block;
                bad[31 - wrong] ^= 0x40;
                assert_eq!(
                    unpadded_len(&bad),
                    None,
                    "pad {pad}, byte {wrong} from the end"
                );
            }
        }
        for last in [0u8, 17, 0x80, 0xff] {
            let mut block = [last; 16];
            block[15] = last;
            assert_eq!(unpadded_len(&block), None, "pad byte {last}");
        }
        assert_eq!(unpadded_len(&[]), None);
    }

    /// The word-wise check equals the byte-wise rule for every pad byte (0..=255), with the
    /// bytes before the padding equal to the pad byte or not, and one byte changed at every
    /// position of the block.
    #[test]
    fn word_wise_padding_check_equals_the_byte_wise_rule() {
        fn by_bytes(block: &[u8; 16]) -> Option<usize> {
            let pad = usize::from(block[15]);
            let ok =
                (1..=16).contains(&pad) && block[16 - pad..].iter().all(|&b| usize::from(b) == pad);
            ok.then(|| 16 - pad)
        }
        let mut accepted = 0;
        for pad in 0..=255u8 {
            for fill in [pad, pad ^ 1, 0, 0xff] {
                let mut block = [fill; 16];
                for b in &mut block[16 - usize::from(pad).clamp(1, 16)..] {
                    *b = pad;
                }
                assert_eq!(
                    unpadded_len(&block),
                    by_bytes(&block),
                    "pad {pad} fill {fill}"
                );
                accepted += usize::from(unpadded_len(&block).is_some());
                for at in 0..15 {
                    for flip in [0x01u8, 0x10, 0x80] {
                        let mut changed = block;
                        changed[at] ^= flip;
                        assert_eq!(
                            unpadded_len(&changed),
                            by_bytes(&changed),
                            "pad {pad} fill {fill} byte {at} ^ {flip:#x}"
                        );
                    }
                }
            }
        }
        // Every strict padding (1..=16) was accepted, with each of the four fills.
        assert_eq!(accepted, 16 * 4);
    }

    /// A failed decryption leaves zeros, not plaintext (the old code left the decrypted blocks).
    #[test]
    fn failed_decryption_wipes_the_buffer() {
        let k = KeyIv::new([1; 16], [2; 16]);
        // 32 bytes of a secret, encrypted with a full padding block; drop the padding block so the
        // last plaintext byte is a secret byte (0x53, not a valid pad).
        let mut msg = [0x53u8; 48];
        encrypt_in_place(&k, &mut msg, 32).unwrap();
        let mut ct = [0u8; 32];
        ct.copy_from_slice(&msg[..32]);
        assert_eq!(decrypt_in_place(&k, &mut ct), Err(Error::Decrypt));
        assert_eq!(ct, [0u8; 32]);
        let mut ragged = [7u8; 17];
        assert_eq!(decrypt_in_place(&k, &mut ragged), Err(Error::Decrypt));
        assert_eq!(ragged, [0u8; 17]);
    }
}
