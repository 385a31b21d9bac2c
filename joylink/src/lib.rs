#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

#[cfg(feature = "std")]
extern crate std;

pub use joylink_crypto as crypto;
/// The sans-IO endpoints (device, app, gateway, cloud machines).
pub use joylink_session as session;
pub use joylink_timer as timer;
pub use joylink_wire as wire;

mod error;
#[cfg(feature = "json")]
mod message;

/// Where the spec and shipped devices disagree, and what these crates do (cited as *compat §N*).
#[doc = include_str!("../docs/compat.md")]
pub mod compat {}

pub mod lan;
pub mod wan;

pub use error::{Error, Result};
/// The sub-device inner layer (spec 8.2), defined once in joylink-crypto.
pub use joylink_crypto::{inner_sealed_len, open_inner, seal_inner};
#[cfg(feature = "json")]
pub use message::{Keys, Message, OpenedPacket, open};

// The workspace README's examples run as doc-tests too (the file is outside this package, so only
// under `cfg(doctest)`: `cargo package` never compiles it).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct WorkspaceReadmeDoctests;
