//! The spec 1.2 loop itself, one bit at a time, no table: the smallest CRC16 (a few dozen bytes
//! of code) and the slowest (feature `crc-bitwise`, for a firmware whose flash is tighter than
//! its time budget).

/// Continues the CRC `state` over `data`.
///
/// ```
/// assert_eq!(joylink_wire::crc::bitwise::update(0xFFFF, b"123456789"), 0x29B1);
/// ```
#[must_use]
pub fn update(state: u16, data: &[u8]) -> u16 {
    let mut crc = state;
    for &b in data {
        crc = byte(crc ^ (u16::from(b) << 8));
    }
    crc
}

/// Eight shifts of the MSB-first register by the polynomial 0x1021 (spec 1.2): the register
/// after one byte has been XORed into its high half.
#[inline]
pub(super) const fn byte(mut crc: u16) -> u16 {
    let mut bit: u8 = 0;
    while bit < 8 {
        // Branch-free: subtracting the top bit from 0 gives 0 or 0xFFFF.
        let mask = 0u16.wrapping_sub(crc >> 15);
        crc = (crc << 1) ^ (0x1021 & mask);
        bit = bit.wrapping_add(1);
    }
    crc
}
