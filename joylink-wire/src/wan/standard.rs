//! JD's standard JSON documents that travel inside the type-11/12 bodies (spec 13.4) and that a
//! Lua script reads and writes (joylink-lua-types re-exports them).
//!
//! Same rules as every JSON document of the crate: strings borrow from the input, stream values
//! keep their JSON kind and exact number text ([`StreamValue`](crate::lan::StreamValue)), unknown
//! keys are ignored, a missing required key is an [`Error::Json`](crate::Error::Json).

use alloc::borrow::Cow;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::lan::Stream;

/// Control response, biz_code 102 (spec 13.4.2): result code, the snapshot after the change, and
/// a message the APP shows.
///
/// Not the binary type-4 reply [`lan::Control`](crate::lan::Control) (which may carry this
/// document as its `resp[]`). Required: `code`; `streams` and `msg` are optional (a failure
/// reply may carry only `code`/`msg`) and absent stays absent on output.
///
/// ```
/// use joylink_wire::wan::ControlResponseDoc;
/// let text = br#"{"code":0,"streams":[{"stream_id":"switch","current_value":1}],"msg":"ok"}"#;
/// let doc = ControlResponseDoc::parse(text)?;
/// assert_eq!(doc.streams.as_ref().map(|s| s[0].current_value.as_i64()), Some(Some(1)));
/// assert_eq!(doc.to_vec()?, text);
/// # Ok::<(), joylink_wire::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlResponseDoc<'a> {
    /// 0 = success, anything else a response code (spec "响应（Code）码定义").
    pub code: i32,
    /// The snapshot after the control.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub streams: Option<Vec<Stream<'a>>>,
    /// Text shown to the user, e.g. "控制成功".
    #[serde(
        borrow,
        default,
        deserialize_with = "crate::lan::borrow::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub msg: Option<Cow<'a, str>>,
}

/// Data upload document (spec 13.4.5, "同【获取设备快照响应】"; the `data[]` of a type-12
/// [`Upload`](crate::wan::Upload), spec 7.3.5).
///
/// The snapshot response's shape, but `code` is optional because devices reporting
/// spontaneously often omit it. Required: `streams`.
///
/// ```
/// use joylink_wire::wan::UploadDoc;
/// let doc = UploadDoc::parse(br#"{"streams":[{"stream_id":"temp","current_value":24}]}"#)?;
/// assert_eq!(doc.code, None);
/// assert_eq!(doc.streams[0].current_value.as_i64(), Some(24));
/// assert!(UploadDoc::parse(br#"{"code":0}"#).is_err()); // no streams
/// # Ok::<(), joylink_wire::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadDoc<'a> {
    /// 0 = success, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// All data points of the device.
    #[serde(borrow)]
    pub streams: Vec<Stream<'a>>,
}

crate::wan::json_doc!(ControlResponseDoc, "control response");
crate::wan::json_doc!(UploadDoc, "upload");
