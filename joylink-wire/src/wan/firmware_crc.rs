//! The OTA firmware CRC-32 exactly as devices compute it (spec 9.1; compat §2).
//!
//! The spec gives a reflected table for the polynomial 0xEDB88320 and the update loop
//! `crc = (crc >> 8) ^ table[(crc ^ byte) & 0xff]`, but not the initial value. The SDK passes
//! **0** and applies **no final XOR** (`joylink_ota_check_crc()`: `file_crc32 = 0; make_crc(...)`),
//! so this is *not* the standard CRC-32 (init and xorout 0xFFFFFFFF): the check value of
//! `"123456789"` is `0x2DFD2D88`, not `0xCBF43926`. The cloud's `crc32` in the OTA order (spec
//! 9.5) is this value. No peer of this protocol needs the standard CRC-32, so none is offered
//! (use `crc32fast` for that).
//!
//! The computation runs on `crc32fast` (PCLMULQDQ/ARMv8 CRC where the CPU has them with the `std`
//! feature, slicing-by-16 tables otherwise), whose standard CRC-32 differs from this one only by
//! the inverted start and result; feeding the data in chunks of any size gives the same value.
//!
//! ```
//! use joylink_wire::wan::{FirmwareCrc32, firmware_crc32};
//! assert_eq!(firmware_crc32(b"123456789"), 0x2DFD_2D88);
//! let mut crc = FirmwareCrc32::new();
//! crc.update(b"1234");
//! crc.update(b"56789");
//! assert_eq!(crc.finish(), 0x2DFD_2D88);
//! ```

/// The reflected polynomial of spec 9.1.
pub const FIRMWARE_CRC32_POLY: u32 = 0xEDB8_8320;

/// The spec 9.1 tables, the tests' reference (the library itself runs on `crc32fast`).
#[cfg(test)]
#[allow(
    clippy::cast_possible_truncation,
    reason = "test reference, evaluated at compile time"
)]
const fn make_tables() -> [[u32; 256]; 16] {
    let mut t = [[0u32; 256]; 16];
    let mut i = 0;
    while i < 256 {
        // spec 9.1 make_crc32_table()
        let mut c = i as u32;
        let mut bit = 0;
        while bit < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ FIRMWARE_CRC32_POLY
            } else {
                c >> 1
            };
            bit += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut k = 1;
    while k < 16 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            i += 1;
        }
        k += 1;
    }
    t
}

#[cfg(test)]
static TABLES: [[u32; 256]; 16] = make_tables();

/// Streaming firmware CRC-32 of spec 9.1 (initial value 0, no final XOR, as the SDK computes it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FirmwareCrc32 {
    state: u32,
}

impl FirmwareCrc32 {
    /// A new computation with the SDK's initial value 0.
    #[must_use]
    pub const fn new() -> Self {
        Self { state: 0 }
    }

    /// Resumes from a value returned by [`Self::finish`] (the spec's `make_crc(crc, …)` first
    /// argument): `make_crc(make_crc(0, a), b) == make_crc(0, a ‖ b)`.
    #[must_use]
    pub const fn from_value(crc: u32) -> Self {
        Self { state: crc }
    }

    /// Feeds the next chunk of the firmware.
    pub fn update(&mut self, data: &[u8]) {
        // The standard CRC-32 (crc32fast, carry-less multiply where the CPU has it) runs the same
        // register with an inverted start and an inverted result; giving it `!state` as the
        // "previous CRC" and inverting its result therefore runs the SDK's register, init 0 and no
        // final XOR, at the same speed. The spec's own loop is the reference in the tests.
        let mut h = crc32fast::Hasher::new_with_initial(!self.state);
        h.update(data);
        self.state = !h.finalize();
    }

    /// The CRC of everything fed so far (no final XOR); the computation can continue.
    #[must_use]
    pub const fn finish(&self) -> u32 {
        self.state
    }
}

/// The firmware CRC-32 of spec 9.1 over `data` in one call.
#[must_use]
pub fn firmware_crc32(data: &[u8]) -> u32 {
    let mut c = FirmwareCrc32::new();
    c.update(data);
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's byte loop, verbatim.
    fn spec_loop(mut crc: u32, data: &[u8]) -> u32 {
        for &b in data {
            crc = (crc >> 8) ^ TABLES[0][((crc ^ u32::from(b)) & 0xff) as usize];
        }
        crc
    }

    #[test]
    fn check_value_and_table() {
        // compat §2 / §15 item 2
        assert_eq!(firmware_crc32(b"123456789"), 0x2DFD_2D88);
        assert_eq!(firmware_crc32(b""), 0);
        // The well-known first entries of the reflected CRC-32 table.
        assert_eq!(TABLES[0][1], 0x7707_3096);
        assert_eq!(TABLES[0][255], 0x2D02_EF8D);
    }

    #[test]
    fn slicing_equals_the_spec_loop_for_every_length_and_split() {
        let data: std::vec::Vec<u8> = (0..4096u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 100, 4096] {
            assert_eq!(
                firmware_crc32(&data[..len]),
                spec_loop(0, &data[..len]),
                "len {len}"
            );
        }
        // 4 KiB split into odd chunk sizes (compat §15 item 2)
        let mut c = FirmwareCrc32::new();
        let mut rest = &data[..];
        let mut size = 1;
        while !rest.is_empty() {
            let n = size.min(rest.len());
            c.update(&rest[..n]);
            rest = &rest[n..];
            size += 2;
        }
        assert_eq!(c.finish(), spec_loop(0, &data));
        let resumed = {
            let mut c = FirmwareCrc32::from_value(firmware_crc32(&data[..1000]));
            c.update(&data[1000..]);
            c.finish()
        };
        assert_eq!(resumed, firmware_crc32(&data));
    }
}
