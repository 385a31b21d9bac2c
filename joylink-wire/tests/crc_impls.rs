//! Every CRC16 implementation (slicing-by-16, 256-entry table, bitwise, and the SIMD one where it
//! is compiled) equals the spec 1.2 loop on random inputs, from any state and split, and gives
//! the golden CRC vectors; whichever one this build picked is what `crc16`/`Crc16` use.
#![allow(clippy::unwrap_used, clippy::cast_possible_truncation)]

use joylink_test_vectors::{hex_field, u64_field, vectors};
use joylink_wire::crc::{bitwise, slice16, table256};
use joylink_wire::{Crc16, crc16};
use proptest::prelude::*;

/// A direct port of the spec 1.2 loop (the SDK's `CRC16`), continuing from `crc`.
fn spec_loop(mut crc: u16, buffer: &[u8]) -> u16 {
    for &b in buffer {
        let c = u32::from(crc);
        crc = ((c >> 8) | (c << 8)) as u16;
        crc = (u32::from(crc) ^ u32::from(b)) as u16;
        crc = (u32::from(crc) ^ (u32::from(crc as u8) >> 4)) as u16;
        crc = (u32::from(crc) ^ (u32::from(crc) << 12)) as u16;
        crc = (u32::from(crc) ^ ((u32::from(crc) & 0xFF) << 5)) as u16;
    }
    crc
}

type Update = fn(u16, &[u8]) -> u16;

fn implementations() -> Vec<(&'static str, Update)> {
    // Only `std` on x86_64/aarch64 pushes a fourth one (the carry-less multiply).
    #[allow(unused_mut)]
    let mut v: Vec<(&'static str, Update)> = vec![
        ("slice16", slice16::update),
        ("table256", table256::update),
        ("bitwise", bitwise::update),
    ];
    #[cfg(all(feature = "std", any(target_arch = "x86_64", target_arch = "aarch64")))]
    v.push(("simd", joylink_wire::crc::simd::update));
    v
}

#[test]
fn every_implementation_gives_the_golden_vectors() {
    for v in &vectors("crc16.json") {
        let id = v["id"].as_str().unwrap();
        let data = hex_field(&v["data"]);
        let expected = u64_field(&v["crc"]);
        for (name, f) in implementations() {
            assert_eq!(u64::from(f(0xFFFF, &data)), expected, "{name} {id}");
        }
        assert_eq!(u64::from(crc16(&data)), expected, "crc16 {id}");
    }
}

#[test]
fn every_length_around_the_block_and_simd_thresholds() {
    let data: Vec<u8> = (0..600u32)
        .map(|i| (i.wrapping_mul(151) >> 3) as u8)
        .collect();
    for len in 0..data.len() {
        let want = spec_loop(0xFFFF, &data[..len]);
        for (name, f) in implementations() {
            assert_eq!(f(0xFFFF, &data[..len]), want, "{name} len {len}");
        }
        assert_eq!(crc16(&data[..len]), want, "crc16 len {len}");
    }
}

proptest! {
    #[test]
    fn equals_the_spec_loop(state: u16, data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let want = spec_loop(state, &data);
        for (name, f) in implementations() {
            prop_assert_eq!(f(state, &data), want, "{}", name);
        }
        prop_assert_eq!(crc16(&data), spec_loop(0xFFFF, &data));
    }

    #[test]
    fn streaming_in_three_pieces_equals_one_shot(
        data in proptest::collection::vec(any::<u8>(), 0..1500),
        a in 0usize..1500,
        b in 0usize..1500,
    ) {
        let (a, b) = (a.min(data.len()), b.min(data.len()));
        let (lo, hi) = (a.min(b), a.max(b));
        let mut c = Crc16::new();
        c.update(&data[..lo]);
        c.update(&data[lo..hi]);
        c.update(&data[hi..]);
        prop_assert_eq!(c.finish(), spec_loop(0xFFFF, &data));
    }
}

#[test]
fn the_picked_implementation_follows_the_build() {
    use joylink_wire::crc::implementation;
    let simd = cfg!(all(
        feature = "std",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ));
    let portable = if cfg!(feature = "crc-bitwise") {
        "bitwise"
    } else if cfg!(feature = "crc-table256") {
        "table256"
    } else {
        "slice16"
    };
    assert_eq!(implementation(1024), if simd { "simd" } else { portable });
    assert_eq!(implementation(8), portable);
    // The threshold boundary: the last portable length and the first SIMD one.
    use joylink_wire::crc::SIMD_MIN_LEN;
    assert_eq!(implementation(SIMD_MIN_LEN - 1), portable);
    assert_eq!(
        implementation(SIMD_MIN_LEN),
        if simd { "simd" } else { portable }
    );
}

/// `crc16`, `Crc16` and every implementation agree with the spec's loop on both sides of
/// `SIMD_MIN_LEN`, from the initial value and from other states (the SIMD one has a separate
/// entry for the initial value).
#[test]
fn both_sides_of_the_simd_threshold() {
    use joylink_wire::crc::SIMD_MIN_LEN;
    let data: Vec<u8> = (0..2 * SIMD_MIN_LEN as u32 + 7)
        .map(|i| (i.wrapping_mul(97) ^ 0x5a) as u8)
        .collect();
    for len in [SIMD_MIN_LEN - 1, SIMD_MIN_LEN, SIMD_MIN_LEN + 1] {
        let d = &data[..len];
        assert_eq!(crc16(d), spec_loop(0xFFFF, d), "crc16 len {len}");
        for state in [0xFFFF, 0x0000, 0x1D0F, 0xFFFE] {
            let want = spec_loop(state, d);
            for (name, f) in implementations() {
                assert_eq!(f(state, d), want, "{name} len {len} state {state:#06x}");
            }
        }
        // Streaming across the threshold: a short head (portable) then a long tail (SIMD).
        let mut c = Crc16::new();
        c.update(&data[..5]);
        c.update(&data[5..5 + len]);
        assert_eq!(
            c.finish(),
            spec_loop(0xFFFF, &data[..5 + len]),
            "stream len {len}"
        );
    }
}

/// The SIMD entry point from the initial value (`crc_fast::checksum`) equals the spec's loop at
/// every length, and equals `update` from `0xFFFF`.
#[cfg(all(feature = "std", any(target_arch = "x86_64", target_arch = "aarch64")))]
#[test]
fn simd_from_init_equals_the_spec_loop_at_every_length() {
    use joylink_wire::crc::simd;
    let data: Vec<u8> = (0..1100u32)
        .map(|i| (i.wrapping_mul(151) >> 3) as u8)
        .collect();
    for len in 0..data.len() {
        let want = spec_loop(0xFFFF, &data[..len]);
        assert_eq!(simd::crc16(&data[..len]), want, "len {len}");
        assert_eq!(simd::update(0xFFFF, &data[..len]), want, "len {len}");
    }
}
