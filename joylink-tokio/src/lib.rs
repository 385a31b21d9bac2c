#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod clock;
pub mod cloud;
pub mod codec;
pub mod device;
mod error;
pub mod fleet;
mod io;
pub mod lan;
#[cfg(feature = "mqtt")]
pub mod mqtt;

pub use clock::{TokioClock, os_rng};
pub use error::{Error, Result};
