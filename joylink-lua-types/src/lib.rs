#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod control;
mod error;
#[cfg(feature = "lua")]
mod lua;
mod recipe;
mod snapshot;
mod translator;
mod value;

pub use control::{ControlRequest, ControlResponseDoc};
pub use error::{Error, Result, ScriptFunction};
/// The script contract (spec 13.2, 13.3): one trait, defined with the device machine that calls it.
pub use joylink_session::lan::Translator;
#[cfg(feature = "lua")]
pub use lua::{Limits, LuaTranslator};
pub use recipe::{Recipe, RecipeResponse, RecipeStep};
pub use snapshot::{SnapshotRequest, SnapshotResponse};
pub use translator::{Jds2Pri, Pri2Jds};
pub use value::find_stream;

/// The LAN JSON envelopes a script's input arrives in and its answer leaves in (spec 6.3.3 type 3,
/// 6.3.5 type 105, 6.3.7 type 103): one definition, in joylink-wire.
pub use joylink_wire::lan::{
    AddSubDevData, AddSubDevRequest, JsonBody, JsonCommand, JsonControlRequest,
    JsonControlResponse, SubDevProtocol, SubDevResponse,
};
/// The JSON values every document is built from: one definition, in joylink-wire.
pub use joylink_wire::lan::{FeedId, JsonNumber, RawJson, Stream, StreamKeyOrder, StreamValue};
/// The WAN JSON documents a script reads or writes (task report 7.3.13, video 7.3.25/26, upload
/// 13.4.5): one definition, in joylink-wire.
pub use joylink_wire::wan::{
    PUSH_STREAM, PushStream, SubTaskResult, TaskOutcome, TaskReportDoc, UploadDoc, VideoCommand,
    VideoControl, VideoDevice, VideoResponse, VideoResult,
};
