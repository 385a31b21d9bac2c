#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

#[cfg(feature = "std")]
extern crate std;

pub use joylink_crypto as crypto;
pub use joylink_timer as timer;
pub use joylink_wire as wire;
