//! Byte-at-a-time CRC16 (CRC-16/IBM-3740) through one 256-entry table: 512 bytes of flash, about
//! three times slower than [`slice16`](super::slice16). The firmware's middle choice (feature
//! `crc-table256`).

/// Continues the CRC `state` over `data`.
///
/// ```
/// assert_eq!(joylink_wire::crc::table256::update(0xFFFF, b"123456789"), 0x29B1);
/// ```
#[must_use]
pub fn update(state: u16, data: &[u8]) -> u16 {
    let mut crc = state;
    for &b in data {
        let [hi, _] = crc.to_be_bytes();
        crc = (crc << 8) ^ lookup(hi ^ b);
    }
    crc
}

/// The byte-at-a-time table of the MSB-first polynomial 0x1021.
static TABLE: [u16; 256] = make_table();

#[expect(
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "only evaluated at compile time (a `static` initialiser): a bad index is a build error"
)]
const fn make_table() -> [u16; 256] {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = super::bitwise::byte((i as u16) << 8);
        i = i.wrapping_add(1);
    }
    table
}

/// A `u8` index is always in range: the fallback is never taken and the check compiles away.
#[inline(always)]
fn lookup(b: u8) -> u16 {
    TABLE.get(usize::from(b)).copied().unwrap_or(0)
}
