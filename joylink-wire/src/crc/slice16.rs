//! Slicing-by-16 CRC16 (CRC-16/IBM-3740): 16 bytes per step through 16 tables of 256 entries
//! (8 KiB of flash), the fastest portable form (~0.4 ns/byte on x86-64).

/// Continues the CRC `state` over `data`.
///
/// ```
/// assert_eq!(joylink_wire::crc::slice16::update(0xFFFF, b"123456789"), 0x29B1);
/// ```
#[must_use]
pub fn update(state: u16, data: &[u8]) -> u16 {
    let mut crc = state;
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
    crc
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
