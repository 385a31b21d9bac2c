//! CRC16 with carry-less multiply (PCLMULQDQ on x86_64, PMULL on aarch64) through the
//! `crc-fast` crate, which picks the instructions at run time and falls back to a table when the
//! CPU has none. 20–27× faster than a table CRC on 256–1 024 bytes (issue 20). Compiled with the
//! `std` feature on those two architectures only; `crc-fast` is used without its `panic-handler`
//! and `ffi` features.
//!
//! Two entry points, because `crc-fast`'s fixed cost per call is what matters on a packet (issue
//! 20): [`crc16`] starts from the initial value through `crc_fast::checksum`, which borrows the
//! crate's own static parameters (the common case: a received packet's `opt ‖ payload` is one
//! contiguous piece); [`update`] continues any other state through a `Digest`, which copies
//! the ~250-byte parameter block on every call (about 50 more instructions and ~10 ns).

use crc_fast::{CrcAlgorithm, Digest};

use super::Crc16;

/// CRC16 of `data` from the initial value `0xFFFF` (one `crc_fast::checksum` call, no
/// parameter copy).
///
/// ```
/// assert_eq!(joylink_wire::crc::simd::crc16(b"123456789"), 0x29B1);
/// assert_eq!(joylink_wire::crc::simd::crc16(b""), 0xFFFF);
/// ```
#[must_use]
#[inline]
pub fn crc16(data: &[u8]) -> u16 {
    narrow(crc_fast::checksum(CrcAlgorithm::Crc16Ibm3740, data))
}

/// Continues the CRC `state` over `data`. `crc-fast` keeps CRC-16/IBM-3740's register as is
/// (init 0xFFFF, no reflection, no final XOR), so a digest started from `state` continues it;
/// from the initial value this is [`crc16`].
///
/// ```
/// let s = joylink_wire::crc::simd::update(0xFFFF, b"1234");
/// assert_eq!(joylink_wire::crc::simd::update(s, b"56789"), 0x29B1);
/// ```
#[must_use]
#[inline]
pub fn update(state: u16, data: &[u8]) -> u16 {
    if state == Crc16::INIT {
        return crc16(data);
    }
    let mut digest = Digest::new_with_init_state(CrcAlgorithm::Crc16Ibm3740, u64::from(state));
    digest.update(data);
    narrow(digest.finalize())
}

/// A 16-bit CRC's register never has bits above 15; the fallback is never taken.
#[inline(always)]
fn narrow(crc: u64) -> u16 {
    u16::try_from(crc).unwrap_or(0)
}
