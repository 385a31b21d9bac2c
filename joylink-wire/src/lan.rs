//! LAN bodies (spec chapter 6): discovery, authorization, JSON and script control, sub-devices.
//!
//! | type | app → device | device → app | enctype (compat §3.5) |
//! |---|---|---|---|
//! | 1 | [`ScanRequest`] | [`ScanResponse`] | 0 / 0 |
//! | 2 | [`WriteKeyRequest`] | [`WriteKeyResponse`] | 2 / 0 |
//! | 3 | [`JsonControlRequest`] | [`JsonControlResponse`] (sent as **type 4**) | 3 / 3 |
//! | 4 | [`Control`] (`cmd[]`) | [`Control`] (`resp[]`) | 3 / 3 |
//! | 102 | [`SubDevAuthRequest`] | [`SubDevResponse`] | 2 / 0 |
//! | 103 | [`JsonControlRequest`] with `feedid` | [`JsonControlResponse`] (sent as type 4) | 3 / 3 |
//! | 104 | [`SubDevScriptControl`] | [`SubDevScriptControlResponse`] | 3 / 3, inner layer sub-device key |
//! | 105 | [`AddSubDevRequest`] | [`SubDevResponse`] | 3 / 3 |
//!
//! The binary bodies of types 4 and 104 are zero-copy views ([`ControlBody`],
//! [`SubDevScriptBody`]) and plain reprs with `parse`/`emit`/`buffer_len`; they need neither
//! `alloc` nor `json`. The JSON bodies, [`parse`] and [`Message`] are behind the `json` feature:
//! they borrow strings from the plaintext (`Cow<'a, str>`), ignore unknown keys, and name a
//! missing required key in their error ([`JsonBody`] states the rule). Stream values keep their
//! JSON kind and exact number text ([`StreamValue`]).
//!
//! A device's own documents (scan, write-key, sub-device add and authorization) are declared
//! once and also work without an allocator (feature `json-core`): each takes its field types
//! from a [`Flavor`] — `Json` (the default with `json`: `Cow` strings, lenient values, every key
//! kept) or [`JsonCore`] (strings read in place, only what a device keeps) — and
//! `core_json::parse`/`core_json::emit` read and write the `JsonCore` flavor with
//! serde-json-core into the caller's buffer, tested byte-equal to serde_json.
//!
//! The plaintext is the *decrypted* payload (joylink-crypto opens packets); the 4-byte timestamp
//! in front of most bodies is part of it (compat §5, [`Timestamped`]).
//!
// Without the features that build them, the links above go to the crate's feature table (a
// link reference definition cannot interrupt a paragraph, hence the empty line above).
#![cfg_attr(
    not(any(feature = "json", feature = "json-core")),
    doc = "[`ScanRequest`]: crate#features
[`ScanResponse`]: crate#features
[`WriteKeyRequest`]: crate#features
[`WriteKeyResponse`]: crate#features
[`SubDevAuthRequest`]: crate#features
[`SubDevResponse`]: crate#features
[`AddSubDevRequest`]: crate#features
[`Flavor`]: crate#features
[`JsonCore`]: crate#features"
)]
#![cfg_attr(
    not(feature = "json"),
    doc = "[`JsonControlRequest`]: crate#features
[`JsonControlResponse`]: crate#features
[`parse`]: crate#features
[`Message`]: crate#features
[`JsonBody`]: crate#features
[`StreamValue`]: crate#features"
)]

#[cfg(feature = "json-core")]
pub mod core_json;
mod printer;
mod quirk;
mod script_control;
mod subdev_script;

/// Length of a `devkey` (the scan reply's key, spec 6.3.1): two hex characters per byte of the
/// 21-byte compressed secp160r1 public key. The one definition: joylink-crypto re-exports it.
pub const DEVKEY_LEN: usize = 42;

/// The timestamp prefix of the JSON bodies: the crate's one [`Timestamped`].
pub use crate::Timestamped;
pub use quirk::Quirk;

pub use crate::Control;
pub use crate::control_header::ControlBody;
pub use script_control::is_script_response;
pub use subdev_script::{
    ResponseLayout, SUBDEV_SCRIPT_FIXED_LEN, SubDevScriptBody, SubDevScriptControl,
    SubDevScriptControlResponse,
};

#[cfg(feature = "json")]
pub(crate) mod borrow;
#[cfg(any(feature = "json", feature = "json-core"))]
mod codes;
#[cfg(any(feature = "json", feature = "json-core"))]
mod discovery;
#[cfg(any(feature = "json", feature = "json-core"))]
mod flavor;
#[cfg(feature = "json")]
mod json_body;
#[cfg(feature = "json")]
mod json_control;
#[cfg(feature = "json")]
mod message;
#[cfg(any(feature = "json", feature = "json-core"))]
mod subdev;
#[cfg(feature = "json")]
mod value;
#[cfg(any(feature = "json", feature = "json-core"))]
mod write_key;

#[cfg(any(feature = "json", feature = "json-core"))]
pub use codes::{DevType, LanControl, ScanStatus, SubDevAuthState, SubDevProtocol, TranType};
#[cfg(any(feature = "json", feature = "json-core"))]
pub use discovery::{AppIdentity, DebugInfo, DeviceIdentity, ScanRequest, ScanResponse, SubDevice};
#[cfg(feature = "json")]
pub use flavor::Json;
#[cfg(any(feature = "json", feature = "json-core"))]
pub use flavor::{DefaultFlavor, First, Flavor, JsonCore, JsonField, Seq, Skipped, Text};
#[cfg(feature = "json")]
pub use json_body::JsonBody;
#[cfg(feature = "json")]
pub(crate) use json_body::json_error;
#[cfg(feature = "json")]
pub use json_control::{
    ControlData, JsonCommand, JsonControlRequest, JsonControlResponse, Stream, StreamKeyOrder,
};
#[cfg(feature = "json")]
pub use message::{LanBody, LanBodyKind, Message, parse, parse_lenient};
pub use printer::Style;
#[cfg(feature = "json")]
pub(crate) use printer::write as write_styled;
#[cfg(any(feature = "json", feature = "json-core"))]
pub use subdev::{
    AddSubDevData, AddSubDevRequest, SubDevAuthData, SubDevAuthRequest, SubDevResponse,
};
#[cfg(feature = "json")]
pub use value::{FeedId, JsonNumber, RawJson, StreamValue};
#[cfg(any(feature = "json", feature = "json-core"))]
pub use write_key::{CloudIdentity, WriteKeyData, WriteKeyRequest, WriteKeyResponse};
