#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

// `alloc`/`std` are linked only when their feature asks for them, so that neither can creep into a
// firmware build unnoticed (rustls does the same).
#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod cbc;
mod ecdh;
mod error;
mod inner;
mod kdf;
mod key;
mod mode;
mod prepared;
mod sealed;
mod secp160r1;
// The previous generic curve (RustCrypto primeorder), kept as the compact curve's test oracle.
#[cfg(test)]
mod secp160r1_generic;
mod timestamp;

pub use ecdh::{
    DEVKEY_LEN, DevKey, KeyPair, PRIVATE_KEY_LEN, PUBLIC_KEY_LEN, PrivateKey, PublicKey,
    SHARED_SECRET_LEN, SharedSecret,
};
pub use error::{Error, Result};
pub use inner::{inner_sealed_len, open_inner, seal_inner};
pub use kdf::KeyIv;
pub use key::{AccessKey, IvCompat, KEY_LEN, LocalKey, SessionKey, StaticKey};
pub use mode::Mode;
pub use prepared::{Aes128Backend, CbcKey, PreparedKey};
pub use sealed::{EncTypeCheck, OpenOptions, Opened, open, seal, sealed_len};
pub use timestamp::{Clock, REPLAY_WINDOW_SECS, ReplayGuard, ReplayRule, TIMESTAMP_LEN};
