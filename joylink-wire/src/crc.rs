//! CRC16 of spec 1.2 and the caller's policy for a mismatching `crc` field.
//!
//! The spec's loop is the byte-wise form of CRC-16/IBM-3740 (a.k.a. CRC-16/CCITT-FALSE): width 16,
//! poly 0x1021, init 0xFFFF, no reflection, no final XOR, check value 0x29B1 (compat §2). A
//! packet's CRC covers `opt ‖ payload` exactly as sent (after encryption), header excluded, and is
//! stored little-endian in header bytes 14–15.
//!
//! # Which implementation
//! The CRC is half the cost of opening a packet with AES-NI when it is computed a byte (or 16
//! bytes) at a time, so the implementation is picked per target:
//!
//! | build | implementation | flash | speed (x86-64, see BENCHMARKS.md) |
//! |---|---|---:|---|
//! | `std` on x86_64 / aarch64, pieces of [`SIMD_MIN_LEN`] (128) bytes or more | carry-less multiply ([`simd`], the `crc-fast` crate) | its code | ~36–48 ns for 128–1 024 B |
//! | default (`no_std`); with `std`, pieces under [`SIMD_MIN_LEN`] | slicing-by-16 ([`slice16`]) | 8 KiB table | ~0.4 ns/byte (20 ns at 64 B) |
//! | feature `crc-table256` | one 256-entry table ([`table256`]) | 512 B table | ~1.3 ns/byte |
//! | feature `crc-bitwise` | the spec's bit loop ([`bitwise`]) | no table | ~5 ns/byte |
//!
//! Figures from `cargo bench -p joylink-benches --bench packet -- crc16` on a loaded 2-core
//! machine (issue 20; BENCHMARKS.md has the run). `crc-fast` costs 35–50 ns whatever the length
//! up to 1 KiB, and below 128 bytes it folds one 16-byte block at a time (one serial chain of
//! carry-less multiplies), so it only beats slicing-by-16 from 128 bytes on: at 96 bytes
//! slicing-by-16 took 52 ns against 84 ns, at 128 bytes 57 ns against 36 ns.
//!
//! A firmware picks the portable one with the features (the smallest asked for wins when several
//! are on); a server gets the SIMD one from `std` without asking. Pieces shorter than
//! [`SIMD_MIN_LEN`] always take the portable path (the SIMD set-up costs more than it saves).
//! Every implementation is compiled and tested against the spec's loop whatever is picked;
//! unused ones cost nothing in a linked image.
//!
#![cfg_attr(
    not(all(feature = "std", any(target_arch = "x86_64", target_arch = "aarch64"))),
    doc = "[`simd`]: crate#features"
)]

pub mod bitwise;
#[cfg(all(feature = "std", any(target_arch = "x86_64", target_arch = "aarch64")))]
pub mod simd;
pub mod slice16;
pub mod table256;

/// Pieces shorter than this skip the SIMD CRC (only matters where it is compiled in): the measured
/// crossover against slicing-by-16, which is also where `crc-fast` starts folding eight blocks in
/// parallel (see the module docs).
pub const SIMD_MIN_LEN: usize = 128;

/// The portable implementation the features pick (see the module docs).
#[inline(always)]
fn portable(state: u16, data: &[u8]) -> u16 {
    if cfg!(feature = "crc-bitwise") {
        bitwise::update(state, data)
    } else if cfg!(feature = "crc-table256") {
        table256::update(state, data)
    } else {
        slice16::update(state, data)
    }
}

/// Continues the CRC `state` over `data` with the implementation this build picked.
#[inline]
fn update(state: u16, data: &[u8]) -> u16 {
    #[cfg(all(feature = "std", any(target_arch = "x86_64", target_arch = "aarch64")))]
    if data.len() >= SIMD_MIN_LEN {
        return simd::update(state, data);
    }
    portable(state, data)
}

/// The name of the implementation [`crc16`] uses for a piece of `len` bytes in this build
/// (`"simd"`, `"slice16"`, `"table256"` or `"bitwise"`), for benches and diagnostics.
#[must_use]
pub const fn implementation(len: usize) -> &'static str {
    if cfg!(all(
        feature = "std",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )) && len >= SIMD_MIN_LEN
    {
        "simd"
    } else if cfg!(feature = "crc-bitwise") {
        "bitwise"
    } else if cfg!(feature = "crc-table256") {
        "table256"
    } else {
        "slice16"
    }
}

/// CRC16 of `data` as spec 1.2 defines it (CRC-16/IBM-3740). The empty input gives `0xFFFF`.
///
/// # Examples
/// ```
/// assert_eq!(joylink_wire::crc16(b"123456789"), 0x29B1);
/// assert_eq!(joylink_wire::crc16(b""), 0xFFFF);
/// ```
#[must_use]
pub fn crc16(data: &[u8]) -> u16 {
    update(Crc16::INIT, data)
}

/// Streaming CRC16 (spec 1.2), for data that arrives in pieces (`opt`, then `payload`). Every
/// implementation continues from a state, so the pieces cost what one piece would.
///
/// # Examples
/// ```
/// let mut c = joylink_wire::Crc16::new();
/// c.update(b"1234");
/// c.update(b"56789");
/// assert_eq!(c.finish(), 0x29B1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crc16 {
    state: u16,
}

impl Crc16 {
    /// The initial value of spec 1.2, `0xFFFF`.
    pub const INIT: u16 = 0xFFFF;

    /// A fresh CRC (state `0xFFFF`).
    #[must_use]
    pub const fn new() -> Self {
        Crc16 { state: Self::INIT }
    }

    /// Feeds `data`.
    pub fn update(&mut self, data: &[u8]) {
        self.state = update(self.state, data);
    }

    /// The CRC of everything fed so far.
    #[must_use]
    pub const fn finish(&self) -> u16 {
        self.state
    }
}

impl Default for Crc16 {
    fn default() -> Self {
        Self::new()
    }
}

/// What a decoder does when the header's `crc` differs from the CRC of `opt ‖ payload`
/// (smoltcp's checksum-capabilities idea: a caller value, not a bool).
///
/// No shipped SDK verifies the CRC on receive (compat §2), so gateways talking to old or odd
/// peers may need [`CrcPolicy::Report`]; strict peers keep the default [`CrcPolicy::Verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CrcPolicy {
    /// Reject a mismatch with [`Error::CrcMismatch`](crate::Error::CrcMismatch) (the default).
    #[default]
    Verify,
    /// Decode anyway and report the result in [`Parsed::crc_status`](crate::Parsed::crc_status),
    /// as the SDK's peers effectively do (they never check). // compat §2
    Report,
    /// Do not compute the CRC at all ([`CrcStatus::NotChecked`](crate::CrcStatus::NotChecked)); for fuzzing and for callers that
    /// check elsewhere.
    Ignore,
}

#[cfg(test)]
mod tests {
    use super::*;

    // Check values of compat §2 (computed from the spec's loop and the CRC catalogue).
    #[test]
    fn known_values() {
        assert_eq!(crc16(b""), 0xFFFF);
        assert_eq!(crc16(b"123456789"), 0x29B1);
        assert_eq!(crc16(&[0x00]), 0xE1F0);
        assert_eq!(crc16(b"A"), 0xB915);
        assert_eq!(crc16(&[0xFF; 16]), 0x6A4B);
        let all: [u8; 256] = core::array::from_fn(|i| i as u8);
        assert_eq!(crc16(&all), 0x3FBD);
    }

    #[test]
    fn streaming_equals_one_shot() {
        let data = b"the quick brown fox jumps over the lazy dog";
        for split in 0..=data.len() {
            let (a, b) = data.split_at(split);
            let mut c = Crc16::default();
            c.update(a);
            c.update(b);
            assert_eq!(c.finish(), crc16(data));
        }
    }

    #[test]
    fn default_policy_is_verify() {
        assert_eq!(CrcPolicy::default(), CrcPolicy::Verify);
    }
}
