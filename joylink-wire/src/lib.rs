#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

// `alloc`/`std` are linked only when their feature asks for them, so that neither can creep into a
// firmware build unnoticed (rustls does the same).
#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;
