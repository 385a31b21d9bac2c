#![doc = include_str!("../README.md")]
//!
// Links of the README to items of a feature the build lacks go to its feature table instead
// (rustdoc of a default build has no broken link; docs.rs builds with every feature).
#![cfg_attr(not(feature = "alloc"), doc = "[`BytesFrameDecoder`]: crate#features")]
#![no_std]
#![forbid(unsafe_code)]
// Unit tests compute expected values freely; the library itself is checked in the non-test build.
#![cfg_attr(
    test,
    allow(clippy::arithmetic_side_effects, clippy::cast_possible_truncation)
)]

// `alloc`/`std` are linked only when their feature asks for them, so that neither can creep into a
// firmware build unnoticed (rustls does the same). Unit tests link std for `format!`/`to_string`.
#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod macros;

mod codec;
mod codes;
mod control_header;
pub mod crc;
mod direction;
mod error;
mod fixed_text;
mod fragment;
mod frame;
mod header;
mod packet;
mod partial;
mod secret;
mod timestamped;
mod view;

pub mod lan;
pub mod table;
pub mod wan;

/// The `bytes` crate [`BytesFrameDecoder`] works on (feature `alloc`), re-exported so callers
/// name the same `BytesMut`.
#[cfg(feature = "alloc")]
pub use bytes;
pub use codes::{
    BizCode, EncType, HardwareError, MAGIC_LAN, MAGIC_WAN, Magic, PacketType, ResponseCode,
    UnknownCode,
};
pub use control_header::{CONTROL_HEADER_LEN, Control, ControlBody, ControlHeader};
pub use crc::{Crc16, CrcPolicy, crc16};
pub use direction::Direction;
pub use error::{Error, Result};
pub use fixed_text::{FEEDID_LEN, FixedText, write_fixed_text};
pub use fragment::{
    FRAGMENT_PIECE_LEN, Fragment, REASSEMBLY_TIMEOUT_MS, Reassembled, Reassembler, ReassemblyStats,
    ReassemblyStatus, Splitter, WAN_FRAGMENT_PIECE_LEN, fragment_piece_len,
};
#[cfg(feature = "alloc")]
pub use frame::BytesFrameDecoder;
pub use frame::{FrameDecoder, FrameStatus};
pub use header::{HEADER_LEN, Header, VERSION};
pub use packet::{
    CrcStatus, MAX_PACKET_LEN, MAX_SECTION_LEN, Packet, Parsed, emit, packet_len, parse,
};
pub use partial::{PartialParse, Parts};
#[cfg(feature = "alloc")]
pub use secret::SecretText;
pub use secret::{Secret, SecretValue};
pub use timestamped::{Timestamped, TimestampedBody, TimestampedPayload};
