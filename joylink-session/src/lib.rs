#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod error;
pub mod lan;
#[cfg(feature = "sim")]
pub mod net;
mod sealing;
mod time;

pub use error::{DropReason, Error, Result};
pub use time::Instant;
pub mod wan;
