#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod control;
mod envelope;
mod error;
#[cfg(feature = "lua")]
mod lua;
mod recipe;
mod snapshot;
mod translator;
mod value;

pub use control::{ControlRequest, ControlResponseDoc};
pub use envelope::{
    AddSubDevice, AddSubDeviceResponse, LanCmd, LanRequest, LanRequestData, LanResponse,
};
pub use error::{Direction, Error, Result};
#[cfg(feature = "lua")]
pub use lua::{Limits, LuaTranslator};
pub use recipe::{Recipe, RecipeResponse, RecipeStep};
pub use snapshot::{SnapshotRequest, SnapshotResponse};
pub use translator::{Jds2Pri, Pri2Jds, Translator};
pub use value::find_stream;

/// The JSON values every document is built from: one definition, in joylink-wire.
pub use joylink_wire::lan::{FeedId, JsonNumber, RawJson, Stream, StreamKeyOrder, StreamValue};
/// The WAN JSON documents a script reads or writes (task report 7.3.13, video 7.3.25/26, upload
/// 13.4.5): one definition, in joylink-wire.
pub use joylink_wire::wan::{
    PUSH_STREAM, PushStream, SubTaskResult, TaskOutcome, TaskReportDoc, UploadDoc, VideoCommand,
    VideoControl, VideoDevice, VideoResponse, VideoResult,
};
