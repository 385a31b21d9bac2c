//! Device control request and response (spec 13.4.1, 13.4.2; biz_code 1002 / 102).

use std::borrow::Cow;
use std::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::value::Stream;

/// Control request, biz_code 1002 (spec 13.4.1): the streams to change plus the full current
/// snapshot.
///
/// Unknown keys are ignored, not kept. `snapshot` is optional on input (SDK examples and the LAN
/// vectors send control without it, NOTES.md §15 item 10); absent stays absent on output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlRequest<'a> {
    /// The data points to set.
    #[serde(borrow)]
    pub streams: Vec<Stream<'a>>,
    /// The device's full state as the cloud/APP knows it ("当前快照，包含全属性").
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Vec<Stream<'a>>>,
}

/// Control response, biz_code 102 (spec 13.4.2): result code, the snapshot after the change, and
/// a message the APP shows.
///
/// Unknown keys are ignored. `streams` and `msg` are optional (a failure reply may carry only
/// `code`/`msg`); absent stays absent on output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlResponse<'a> {
    /// 0 = success, anything else a response code (spec "响应（Code）码定义").
    pub code: i32,
    /// The snapshot after the control.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub streams: Option<Vec<Stream<'a>>>,
    /// Text shown to the user, e.g. "控制成功".
    #[serde(
        borrow,
        default,
        deserialize_with = "crate::value::opt_cow_str",
        skip_serializing_if = "Option::is_none"
    )]
    pub msg: Option<Cow<'a, str>>,
}
