//! CRC16 with carry-less multiply (PCLMULQDQ on x86_64, PMULL on aarch64) through the
//! `crc-fast` crate, which picks the instructions at run time and falls back to a table when the
//! CPU has none. 20–27× faster than a table CRC on 256–1 024 bytes (issue 20). Compiled with the
//! `std` feature on those two architectures only; `crc-fast` is used without its `panic-handler`
//! and `ffi` features.

use crc_fast::{CrcAlgorithm, Digest};

/// Continues the CRC `state` over `data`. `crc-fast` keeps CRC-16/IBM-3740's register as is
/// (init 0xFFFF, no reflection, no final XOR), so a digest started from `state` continues it.
///
/// ```
/// let s = joylink_wire::crc::simd::update(0xFFFF, b"1234");
/// assert_eq!(joylink_wire::crc::simd::update(s, b"56789"), 0x29B1);
/// ```
#[must_use]
pub fn update(state: u16, data: &[u8]) -> u16 {
    let mut digest = Digest::new_with_init_state(CrcAlgorithm::Crc16Ibm3740, u64::from(state));
    digest.update(data);
    // A 16-bit CRC's register never has bits above 15; the fallback is never taken.
    u16::try_from(digest.finalize()).unwrap_or(0)
}
