//! Test support for the JoyLink crates: loads the golden vectors from the repository's `vectors/`
//! directory (a byte-identical copy of the vectors JD's SDK produced) at run time.
//!
//! A missing or unreadable file is a test failure, never a skip: every loader panics with the path
//! it tried. This crate is `publish = false` and only ever a dev-dependency.
#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

pub use serde_json::Value;

/// The repository's `vectors/` directory, found from this crate's manifest directory.
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("test-vectors has a parent directory")
        .join("vectors")
}

/// Loads one vector file (`"crc16.json"`, `"lan_packets.json"`, …) as JSON.
///
/// # Panics
/// When the file is missing or is not JSON: a vector test must never be skipped silently.
pub fn load(file: &str) -> Value {
    let path = vectors_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read vector file {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("vector file {} is not JSON: {e}", path.display()))
}

/// The `vectors` array of one vector file.
///
/// # Panics
/// When the file has no non-empty `vectors` array.
pub fn vectors(file: &str) -> Vec<Value> {
    let v = load(file);
    let list = v["vectors"]
        .as_array()
        .unwrap_or_else(|| panic!("{file} has no `vectors` array"))
        .clone();
    assert!(!list.is_empty(), "{file} has an empty `vectors` array");
    list
}

/// Decodes a lowercase hex string of a vector.
///
/// # Panics
/// When `v` is not a string of valid hex.
pub fn hex_field(v: &Value) -> Vec<u8> {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("expected a hex string, got {v}"));
    hex::decode(s).unwrap_or_else(|e| panic!("bad hex {s:?}: {e}"))
}

/// Reads a JSON number field as `u64`.
///
/// # Panics
/// When `v` is not an unsigned integer.
pub fn u64_field(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("expected an unsigned integer, got {v}"))
}

/// Finds the vector with the given `id` in a list.
///
/// # Panics
/// When no vector has that id.
pub fn by_id<'a>(list: &'a [Value], id: &str) -> &'a Value {
    list.iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no vector with id {id}"))
}

/// A seeded RNG for tests: splitmix64, **not cryptographic**, reproducible from its seed.
///
/// It claims `CryptoRng` only so that key generation and the WAN auth exchange can be driven
/// deterministically in tests (quinn-proto's `rng_seed` idea); never use it outside tests.
#[derive(Debug, Clone)]
pub struct TestRng(pub u64);

impl TestRng {
    /// An RNG starting from `seed`.
    pub const fn new(seed: u64) -> Self {
        Self(seed)
    }
}

#[allow(clippy::arithmetic_side_effects, clippy::cast_possible_truncation)]
impl rand_core::TryRng for TestRng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        // splitmix64 (Steele, Lea, Flood 2014).
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Ok(z ^ (z >> 31))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let v = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for TestRng {}

/// The first form in which `text` shows a 3-byte window of `secret`, or `None`: as text, as hex
/// (lowercase, uppercase, with or without `0x`, run together or as a list), or as a decimal list,
/// in `{:?}` (`17, 18, 19`) or `{:#?}` layout (one per line: lists are compared with all
/// whitespace removed). Three bytes catch a partial leak and do not match by chance. The one
/// check behind every "secrets are redacted in `Debug`" test.
pub fn secret_leak(text: &str, secret: &[u8]) -> Option<String> {
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    secret.windows(3).find_map(|w| {
        let (a, b, c) = (w[0], w[1], w[2]);
        let hex = format!("{a:02x}{b:02x}{c:02x}");
        let forms = [
            hex.to_uppercase(),
            format!("{a:02x},{b:02x},{c:02x}"),
            format!("{a:02X},{b:02X},{c:02X}"),
            format!("{a:#04x},{b:#04x},{c:#04x}"),
            format!("{a},{b},{c}"),
            hex,
        ];
        forms
            .into_iter()
            .find(|f| squeezed.contains(f.as_str()))
            .or_else(|| {
                std::str::from_utf8(w)
                    .ok()
                    .filter(|s| text.contains(s))
                    .map(|s| format!("text {s:?}"))
            })
    })
}

/// Fails when `text` shows `secret` in any form [`secret_leak`] looks for.
///
/// # Panics
/// Naming `what`, the form found and the text.
#[track_caller]
pub fn assert_redacted(what: &str, text: &str, secret: &[u8]) {
    if let Some(form) = secret_leak(text, secret) {
        panic!("{what}: {form} in {text}");
    }
}

/// `{:?}` and `{:#?}` of `v`, for [`assert_redacted`].
pub fn debug_both(v: &impl std::fmt::Debug) -> String {
    format!("{v:?}\n{v:#?}")
}

#[cfg(test)]
mod tests {
    use super::{TestRng, secret_leak};
    use rand_core::Rng;

    #[test]
    fn test_rng_is_splitmix64() {
        // Reference outputs of splitmix64 seeded with 0 (the published test sequence).
        let mut r = TestRng::new(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        let mut r = TestRng::new(0);
        assert_eq!(r.next_u32(), 0xe220_a839);
        let mut bytes = [0u8; 10];
        TestRng::new(0).fill_bytes(&mut bytes);
        assert_eq!(bytes[..8], 0xe220_a839_7b1d_cdaf_u64.to_le_bytes());
        assert_eq!(bytes[8..], 0x6e78_9e6a_a1b9_65f4_u64.to_le_bytes()[..2]);
    }

    /// The leak check finds every form it looks for, and nothing in a redacted text.
    #[test]
    fn secret_leak_catches_each_form() {
        let secret = [0x41_u8, 0x42, 0x43, 0x44];
        for text in [
            format!("{secret:?}"),
            format!("{secret:#?}"),
            format!("{secret:x?}"),
            format!("{secret:#x?}"),
            format!("{secret:X?}"),
            format!("{secret:#X?}"),
            hex::encode(secret),
            hex::encode_upper(secret),
            "ABCD".to_owned(),
        ] {
            assert!(secret_leak(&text, &secret).is_some(), "not caught: {text}");
        }
        assert_eq!(secret_leak("Secret(..) { ... }", &secret), None);
    }
}
