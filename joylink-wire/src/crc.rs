//! CRC16 of spec 1.2 and the caller's policy for a mismatching `crc` field.
//!
//! The spec's loop is the byte-wise form of CRC-16/IBM-3740 (a.k.a. CRC-16/CCITT-FALSE): width 16,
//! poly 0x1021, init 0xFFFF, no reflection, no final XOR, check value 0x29B1 (NOTES.md §2). A
//! packet's CRC covers `opt ‖ payload` exactly as sent (after encryption), header excluded, and is
//! stored little-endian in header bytes 14–15.

/// CRC16 of `data` as spec 1.2 defines it (CRC-16/IBM-3740). The empty input gives `0xFFFF`.
///
/// # Examples
/// ```
/// assert_eq!(joylink_wire::crc16(b"123456789"), 0x29B1);
/// assert_eq!(joylink_wire::crc16(b""), 0xFFFF);
/// ```
#[must_use]
pub fn crc16(data: &[u8]) -> u16 {
    let mut c = Crc16::new();
    c.update(data);
    c.finish()
}

/// Streaming CRC16 (spec 1.2), for data that arrives in pieces (`opt`, then `payload`).
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
        let mut crc = self.state;
        let (chunks, tail) = data.as_chunks::<16>();
        for &[
            b0,
            b1,
            b2,
            b3,
            b4,
            b5,
            b6,
            b7,
            b8,
            b9,
            b10,
            b11,
            b12,
            b13,
            b14,
            b15,
        ] in chunks
        {
            // Slicing-by-16: the CRC register is folded into the first two bytes, then each byte
            // goes through the table that shifts it past the bytes after it; the sixteen lookups
            // are independent, so the CPU overlaps them.
            let [hi, lo] = crc.to_be_bytes();
            crc = t(15, b0 ^ hi)
                ^ t(14, b1 ^ lo)
                ^ t(13, b2)
                ^ t(12, b3)
                ^ t(11, b4)
                ^ t(10, b5)
                ^ t(9, b6)
                ^ t(8, b7)
                ^ t(7, b8)
                ^ t(6, b9)
                ^ t(5, b10)
                ^ t(4, b11)
                ^ t(3, b12)
                ^ t(2, b13)
                ^ t(1, b14)
                ^ t(0, b15);
        }
        for &b in tail {
            let [hi, _] = crc.to_be_bytes();
            crc = (crc << 8) ^ t(0, hi ^ b);
        }
        self.state = crc;
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

/// `TABLES[0]` is the byte-at-a-time table of the MSB-first polynomial 0x1021; `TABLES[k]` pushes
/// a byte through `k` further zero bytes (slicing-by-16, 8 KiB). Equivalent to the spec 1.2 loop, which the
/// property tests check against a direct port of it and against the `crc` crate's catalogue.
static TABLES: [[u16; 256]; 16] = make_tables();

#[expect(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    reason = "only evaluated at compile time (a `static` initialiser): a bad index is a build error"
)]
const fn make_tables() -> [[u16; 256]; 16] {
    let mut tables = [[0u16; 256]; 16];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        tables[0][i] = crc;
        i += 1;
    }
    let mut k = 1;
    while k < 16 {
        let mut i = 0;
        while i < 256 {
            let prev = tables[k - 1][i];
            tables[k][i] = (prev << 8) ^ tables[0][(prev >> 8) as usize];
            i += 1;
        }
        k += 1;
    }
    tables
}

/// Table lookup; `k < 16` and a `u8` index are always in range, so the fallback is never taken
/// (and the bounds checks compile away).
#[inline(always)]
fn t(k: usize, b: u8) -> u16 {
    TABLES
        .get(k)
        .and_then(|row| row.get(usize::from(b)))
        .copied()
        .unwrap_or(0)
}

/// What a decoder does when the header's `crc` differs from the CRC of `opt ‖ payload`
/// (smoltcp's checksum-capabilities idea: a caller value, not a bool).
///
/// No shipped SDK verifies the CRC on receive (NOTES.md §2), so gateways talking to old or odd
/// peers may need [`CrcPolicy::Report`]; strict peers keep the default [`CrcPolicy::Verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CrcPolicy {
    /// Reject a mismatch with [`Error::CrcMismatch`](crate::Error::CrcMismatch) (the default).
    #[default]
    Verify,
    /// Decode anyway and report the result in [`Decoded::crc_status`](crate::Decoded::crc_status), as the
    /// SDK's peers effectively do (they never check). // compat: NOTES.md §2
    Report,
    /// Do not compute the CRC at all ([`CrcStatus::NotChecked`](crate::CrcStatus::NotChecked)); for fuzzing and for callers that
    /// check elsewhere.
    Ignore,
}

#[cfg(test)]
mod tests {
    use super::*;

    // Check values of NOTES.md §2 (computed from the spec's loop and the CRC catalogue).
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
