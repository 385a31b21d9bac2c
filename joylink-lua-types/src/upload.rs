//! Device data upload (spec 13.4.5 "同【获取设备快照响应】"; WAN type 12, spec 7.3.5).

use std::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::value::Stream;

/// Data upload: the same shape as the [`SnapshotResponse`](crate::SnapshotResponse) (spec 13.4.5),
/// but `code` is optional because devices reporting spontaneously often omit it.
///
/// Unknown keys are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Upload<'a> {
    /// 0 = success, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// All data points of the device.
    #[serde(borrow)]
    pub streams: Vec<Stream<'a>>,
}
