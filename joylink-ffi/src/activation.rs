//! The activation record a firmware keeps in flash: feed id, accesskey, localkey and the cloud
//! server, as a versioned blob with its length and a CRC (`jl_activation_save` / `_load`).
//!
//! Layout, version 1, every integer little-endian:
//!
//! | offset | size | field |
//! |---:|---:|---|
//! | 0 | 4 | magic `"JLAC"` (`4A 4C 41 43`) |
//! | 4 | 1 | version, 1 |
//! | 5 | 1 | reserved, 0 |
//! | 6 | 2 | total length `n` of the blob, CRC included |
//! | 8 | 1 | feed id length `f` (0–32) |
//! | 9 | f | feed id |
//! | 9+f | 32 | accesskey (32 ASCII characters, spec 6.3.2 / 7.3.1) |
//! | 41+f | 32 | localkey (32 ASCII characters, spec 6.3.2) |
//! | 73+f | 1 | server host length `s` (0–64) |
//! | 74+f | s | server host |
//! | 74+f+s | 2 | server port |
//! | n−4 | 4 | CRC16 over bytes `0..n−4` (the packet CRC of spec 1.2, `jl_crc16`), little-endian, then the same two bytes inverted |
//!
//! `n` = 80 + f + s, at most `JL_ACTIVATION_MAX_LEN` (176). A later version appends fields
//! before the CRC and raises the version byte; a loader refuses versions it does not know.
//! Erased flash (all `FF`) and zeroed flash both fail the magic check.

use core::ffi::c_int;

use joylink_wire::crc16;

use crate::ptr::{bytes, bytes_mut, check_struct, read, write};
use crate::status::{
    JL_ERR_BUFFER_TOO_SMALL, JL_ERR_CORRUPT, JL_ERR_INVALID_ARGUMENT, Status, ret,
};

/// Longest activation blob (feed id 32 bytes, host 64 bytes).
pub const JL_ACTIVATION_MAX_LEN: usize = 176;
/// The blob format version `jl_activation_save` writes.
pub const JL_ACTIVATION_VERSION: u8 = 1;

const MAGIC: [u8; 4] = *b"JLAC";
const FIXED: usize = 80;

/// What a device persists after activation (spec 6.3.2 write-key, 7.3.1).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JlActivation {
    /// The feed id, `feed_id_len` bytes (not NUL-terminated).
    pub feed_id: [u8; 32],
    /// 0–32.
    pub feed_id_len: u8,
    /// The accesskey, 32 ASCII characters.
    pub access_key: [u8; 32],
    /// The localkey, 32 ASCII characters.
    pub local_key: [u8; 32],
    /// The cloud server host, `server_len` bytes.
    pub server: [u8; 64],
    /// 0–64.
    pub server_len: u8,
    /// The cloud server port.
    pub port: u16,
}

/// The blob's length for `a`, or `JL_ERR_INVALID_ARGUMENT` for a length field out of range.
/// The blob's check value: the packet CRC16 (spec 1.2) little-endian, then its complement.
/// The packet CRC is in every image already, so the record costs no table of its own (the
/// OTA CRC-32 would link a 16 KiB one); the complement makes an all-zero tail fail too.
fn crc_of(data: &[u8]) -> [u8; 4] {
    let c = crc16(data).to_le_bytes();
    let [a, b] = c;
    [a, b, !a, !b]
}

fn blob_len(a: &JlActivation) -> Status<usize> {
    let (f, s) = (usize::from(a.feed_id_len), usize::from(a.server_len));
    if f > a.feed_id.len() || s > a.server.len() {
        return Err(JL_ERR_INVALID_ARGUMENT);
    }
    Ok(FIXED.saturating_add(f).saturating_add(s))
}

fn emit(a: &JlActivation, out: &mut [u8]) -> Status<usize> {
    let n = blob_len(a)?;
    let (f, s) = (usize::from(a.feed_id_len), usize::from(a.server_len));
    let total = u16::try_from(n).map_err(|_| JL_ERR_INVALID_ARGUMENT)?;
    let out = out.get_mut(..n).ok_or(JL_ERR_BUFFER_TOO_SMALL)?;
    let parts: [&[u8]; 11] = [
        &MAGIC,
        &[JL_ACTIVATION_VERSION, 0],
        &total.to_le_bytes(),
        &[a.feed_id_len],
        a.feed_id.get(..f).unwrap_or_default(),
        &a.access_key,
        &a.local_key,
        &[a.server_len],
        a.server.get(..s).unwrap_or_default(),
        &a.port.to_le_bytes(),
        &[],
    ];
    let mut at = 0usize;
    for p in parts {
        let end = at.saturating_add(p.len());
        out.get_mut(at..end)
            .ok_or(JL_ERR_BUFFER_TOO_SMALL)?
            .copy_from_slice(p);
        at = end;
    }
    let body = n.saturating_sub(4);
    let crc = crc_of(out.get(..body).unwrap_or_default());
    out.get_mut(body..n)
        .ok_or(JL_ERR_BUFFER_TOO_SMALL)?
        .copy_from_slice(&crc);
    Ok(n)
}

/// Reads `N` bytes at `*at` and advances.
fn take<'a>(b: &'a [u8], at: &mut usize, n: usize) -> Status<&'a [u8]> {
    let end = at.saturating_add(n);
    let s = b.get(*at..end).ok_or(JL_ERR_CORRUPT)?;
    *at = end;
    Ok(s)
}

fn parse(blob: &[u8]) -> Status<JlActivation> {
    let head = blob.get(..8).ok_or(JL_ERR_CORRUPT)?;
    if head.get(..4) != Some(&MAGIC[..]) || head.get(4) != Some(&JL_ACTIVATION_VERSION) {
        return Err(JL_ERR_CORRUPT);
    }
    let n = usize::from(u16::from_le_bytes([
        *head.get(6).ok_or(JL_ERR_CORRUPT)?,
        *head.get(7).ok_or(JL_ERR_CORRUPT)?,
    ]));
    // The blob may sit in a larger flash page: only its own `n` bytes count.
    let blob = blob.get(..n).ok_or(JL_ERR_CORRUPT)?;
    let body = n.checked_sub(4).ok_or(JL_ERR_CORRUPT)?;
    let (data, crc) = blob.split_at(body);
    if crc != crc_of(data) {
        return Err(JL_ERR_CORRUPT);
    }
    let mut a = JlActivation {
        feed_id: [0; 32],
        feed_id_len: 0,
        access_key: [0; 32],
        local_key: [0; 32],
        server: [0; 64],
        server_len: 0,
        port: 0,
    };
    let mut at = 8usize;
    let f = *take(data, &mut at, 1)?.first().ok_or(JL_ERR_CORRUPT)?;
    let feed = take(data, &mut at, usize::from(f))?;
    a.feed_id
        .get_mut(..feed.len())
        .ok_or(JL_ERR_CORRUPT)?
        .copy_from_slice(feed);
    a.feed_id_len = f;
    a.access_key.copy_from_slice(take(data, &mut at, 32)?);
    a.local_key.copy_from_slice(take(data, &mut at, 32)?);
    let s = *take(data, &mut at, 1)?.first().ok_or(JL_ERR_CORRUPT)?;
    let host = take(data, &mut at, usize::from(s))?;
    a.server
        .get_mut(..host.len())
        .ok_or(JL_ERR_CORRUPT)?
        .copy_from_slice(host);
    a.server_len = s;
    let port = take(data, &mut at, 2)?;
    a.port = u16::from_le_bytes([
        *port.first().ok_or(JL_ERR_CORRUPT)?,
        *port.get(1).ok_or(JL_ERR_CORRUPT)?,
    ]);
    if at != body {
        return Err(JL_ERR_CORRUPT);
    }
    Ok(a)
}

/// Writes the activation record as a blob to store in flash (layout in the README); `*out_len` =
/// its length (80 + feed id + host bytes, at most `JL_ACTIVATION_MAX_LEN`).
///
/// Returns `JL_OK`; `JL_ERR_NULL`; `JL_ERR_INVALID_ARGUMENT` (`feed_id_len` > 32 or
/// `server_len` > 64); `JL_ERR_BUFFER_TOO_SMALL` (`*out_len` = the length needed, `buf`
/// untouched). On other errors `buf` is untouched and `*out_len` is 0.
///
/// # Safety
/// `a` a readable `jl_activation_t`; `buf` writable for `cap` bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_activation_save(
    a: *const JlActivation,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        unsafe { write(out_len, 0) }?;
        // SAFETY: forwarded caller contract.
        let a = unsafe { read(a) }?;
        let n = blob_len(&a)?;
        if cap < n {
            // SAFETY: forwarded caller contract.
            unsafe { write(out_len, n) }?;
            return Err(JL_ERR_BUFFER_TOO_SMALL);
        }
        // SAFETY: forwarded caller contract.
        let out = unsafe { bytes_mut(buf, cap) }?;
        let n = emit(&a, out)?;
        // SAFETY: forwarded caller contract.
        unsafe { write(out_len, n) }
    })();
    ret(r)
}

/// Reads a blob `jl_activation_save` wrote (as read back from flash: `len` may be larger than
/// the blob, e.g. a whole flash page) into `*a`.
///
/// Returns `JL_OK`; `JL_ERR_NULL`; `JL_ERR_INVALID_ARGUMENT`; `JL_ERR_CORRUPT` (wrong magic or
/// version, a length beyond `len`, a CRC mismatch, fields that do not add up: treat the device
/// as not activated). `*a` is written only on `JL_OK`.
///
/// # Safety
/// `blob` readable for `len` bytes; `a` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_activation_load(
    blob: *const u8,
    len: usize,
    a: *mut JlActivation,
) -> c_int {
    let r = (|| -> Status {
        check_struct(a)?;
        // SAFETY: forwarded caller contract.
        let b = unsafe { bytes(blob, len) }?;
        let v = parse(b)?;
        // SAFETY: forwarded caller contract.
        unsafe { write(a, v) }
    })();
    ret(r)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::*;

    fn sample() -> JlActivation {
        let mut a = JlActivation {
            feed_id: [0; 32],
            feed_id_len: 16,
            access_key: [b'a'; 32],
            local_key: [b'b'; 32],
            server: [0; 64],
            server_len: 13,
            port: 2002,
        };
        a.feed_id[..16].copy_from_slice(b"1234567890123456");
        a.server[..13].copy_from_slice(b"live.jd.local");
        a
    }

    #[test]
    fn round_trip_and_layout() {
        let a = sample();
        let mut buf = [0u8; JL_ACTIVATION_MAX_LEN + 8];
        let n = emit(&a, &mut buf).unwrap_or(0);
        assert_eq!(n, 80 + 16 + 13);
        assert_eq!(&buf[..4], b"JLAC");
        assert_eq!(buf[4], 1);
        assert_eq!(u16::from_le_bytes([buf[6], buf[7]]) as usize, n);
        assert_eq!(parse(&buf[..n]), Ok(a));
        // A flash page holds the blob followed by erased bytes: still loads.
        buf[n..].fill(0xff);
        assert_eq!(parse(&buf), Ok(a));
    }

    #[test]
    fn every_single_bit_flip_is_refused() {
        let a = sample();
        let mut buf = [0u8; JL_ACTIVATION_MAX_LEN];
        let n = emit(&a, &mut buf).unwrap_or(0);
        for i in 0..n {
            for bit in 0..8 {
                let mut b = buf;
                b[i] ^= 1 << bit;
                assert!(parse(&b[..n]).is_err(), "flip at {i}.{bit} accepted");
            }
        }
        assert_eq!(parse(&[0xff; 200]), Err(JL_ERR_CORRUPT));
        assert_eq!(parse(&[0; 200]), Err(JL_ERR_CORRUPT));
        assert_eq!(parse(&buf[..n - 1]), Err(JL_ERR_CORRUPT));
    }

    #[test]
    fn bad_lengths_and_small_buffers() {
        let mut a = sample();
        let mut small = [0u8; 80];
        assert_eq!(emit(&a, &mut small), Err(JL_ERR_BUFFER_TOO_SMALL));
        a.feed_id_len = 33;
        assert_eq!(blob_len(&a), Err(JL_ERR_INVALID_ARGUMENT));
        let mut max = sample();
        max.feed_id_len = 32;
        max.server_len = 64;
        assert_eq!(blob_len(&max), Ok(JL_ACTIVATION_MAX_LEN));
    }
}
