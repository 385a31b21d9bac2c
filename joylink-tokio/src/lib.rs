#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod cloud;
mod clock;
pub mod codec;
pub mod device;
mod error;
pub mod fleet;
mod io;

pub use clock::Clock;
pub use error::{Error, Result};
