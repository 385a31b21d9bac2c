#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod control;
mod envelope;
mod error;
#[cfg(feature = "lua")]
mod lua;
mod recipe;
mod snapshot;
mod task_report;
mod translator;
mod upload;
mod value;
mod video;

pub use control::{ControlRequest, ControlResponse};
pub use envelope::{
    AddSubDevice, AddSubDeviceResponse, LanCmd, LanRequest, LanRequestData, LanResponse,
};
pub use error::{Direction, Error, Result};
#[cfg(feature = "lua")]
pub use lua::{Limits, LuaTranslator};
pub use recipe::{Recipe, RecipeResponse, RecipeStep};
pub use snapshot::{SnapshotRequest, SnapshotResponse};
pub use task_report::{TaskOutcome, TaskReport, TaskStepReport};
pub use translator::{Jds2Pri, Pri2Jds, Translator};
pub use upload::Upload;
pub use value::{FeedId, JsonNumber, RawJson, Stream, StreamValue, find_stream};
pub use video::{PUSH_STREAM, PushStream, VideoControl, VideoDevice, VideoResponse};
