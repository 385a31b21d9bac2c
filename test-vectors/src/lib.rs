//! Test support for the JoyLink crates: loads the golden vectors from the repository's `vectors/`
//! directory (a byte-identical copy of `../shared/vectors`) at run time.
//!
//! A missing or unreadable file is a test failure, never a skip: every loader panics with the path
//! it tried. This crate is `publish = false` and only ever a dev-dependency.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

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
