//! Video push-stream control and response, WAN types 200/201 (spec 7.3.25, 7.3.26).
//!
//! The control's `current_value` is a JSON document *inside a string*:
//! `"{ \"resolution\":240,\"address\": \"rtsp://jdserver.com\"}"`; [`PushStream`] reads and writes
//! that inner document.

use std::borrow::Cow;
use std::string::String;
use std::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::value::{FeedId, RawJson, Stream, StreamValue, find_stream};

/// The `stream_id` of the push-stream command.
pub const PUSH_STREAM: &str = "push_stream";

/// Video control request `cmd` (spec 7.3.25, type 200).
///
/// `attribute` is opaque ("设备端不需要解析，只需原封不动添加到响应包中"): kept as raw JSON so
/// the response can echo it byte for byte. Unknown keys are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoControl<'a> {
    /// Functions to drive, normally one `push_stream` entry.
    #[serde(borrow)]
    pub control: Vec<Stream<'a>>,
    /// The device's cloud id (a number in the spec's example, a string in its response; compat:
    /// NOTES.md §13 on 7.3.26).
    #[serde(borrow)]
    pub feed_id: FeedId<'a>,
    /// Echoed verbatim in the response (currently `{"serial": n}`).
    #[serde(borrow)]
    pub attribute: RawJson<'a>,
}

impl VideoControl<'_> {
    /// The decoded `push_stream` command, if the request carries one.
    ///
    /// # Errors
    /// [`Error::Json`] when its `current_value` is not a string holding a [`PushStream`] document.
    pub fn push_stream(&self) -> Result<Option<PushStream>> {
        find_stream(&self.control, PUSH_STREAM)
            .map(|s| PushStream::from_value(&s.current_value))
            .transpose()
    }
}

/// The document inside `push_stream`'s string value (spec 7.3.25).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushStream {
    /// Requested resolution: 240, 360 or 480 (流畅, 标清, 高清).
    pub resolution: u32,
    /// The RTSP server to push to.
    pub address: String,
}

impl PushStream {
    /// Decodes the inner document from a `current_value`.
    ///
    /// # Errors
    /// [`Error::Json`] when the value is not a string or its text is not a valid document.
    pub fn from_value(value: &StreamValue<'_>) -> Result<Self> {
        match value {
            StreamValue::String(text) => Ok(serde_json::from_str(text)?),
            _ => Err(Error::Json(serde::de::Error::custom(
                "push_stream current_value must be a string holding a JSON document",
            ))),
        }
    }

    /// The `push_stream` stream whose value is this document, as a string.
    ///
    /// # Errors
    /// [`Error::Json`] if serialization fails (it cannot for this type).
    pub fn to_stream(&self) -> Result<Stream<'static>> {
        let text = serde_json::to_string(self)?;
        Ok(Stream::new(
            PUSH_STREAM,
            StreamValue::String(Cow::Owned(text)),
        ))
    }
}

/// Video control response `resp` (spec 7.3.26, type 201).
///
/// Unknown keys are ignored. `streams` (listed in the field table, absent from the example) is
/// optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoResponse<'a> {
    /// 0 success, 1 authentication failed, -2 no authentication, -3 offline, -4 unsupported,
    /// -5 other. compat: NOTES.md §11 — these differ from the main response-code table.
    pub result: i32,
    /// Text for the APP, e.g. "control_success".
    #[serde(borrow)]
    pub control_resp: Cow<'a, str>,
    /// Resolutions the device supports.
    pub resolution: Vec<u32>,
    /// The request's `attribute`, echoed.
    #[serde(borrow)]
    pub attribute: RawJson<'a>,
    /// The device's identity.
    #[serde(borrow)]
    pub device: VideoDevice<'a>,
    /// Every data point after a successful control, when sent.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub streams: Option<Vec<Stream<'a>>>,
}

/// `device` of a [`VideoResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoDevice<'a> {
    /// The device's cloud id.
    #[serde(borrow)]
    pub feed_id: FeedId<'a>,
    /// The device's access key.
    #[serde(borrow)]
    pub access_key: Cow<'a, str>,
}
