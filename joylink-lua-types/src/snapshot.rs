//! Snapshot request and response (spec 13.4.3, 13.4.4; biz_code 1004 / 104).

use std::borrow::Cow;
use std::vec::Vec;

use serde::{Deserialize, Serialize};

use joylink_wire::lan::Stream;

/// Snapshot request, biz_code 1004 (spec 13.4.3: "无", no body).
///
/// It is still a JSON document: give `jds2pri` `{}` (what this type writes) or the request body
/// as received, never an empty string, because real vendor scripts `cjson.decode` every input
/// whatever its biz_code. This type parses any JSON object (its keys are ignored).
///
/// # Examples
/// ```
/// use joylink_lua_types::SnapshotRequest;
/// assert_eq!(serde_json::to_string(&SnapshotRequest {})?, "{}");
/// let _: SnapshotRequest = serde_json::from_str(r#"{"cmd":4}"#)?;
/// assert!(serde_json::from_str::<SnapshotRequest>("").is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SnapshotRequest {}

/// Snapshot response, biz_code 104 (spec 13.4.4): result code and every data point.
///
/// Unknown keys are ignored; `msg` is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotResponse<'a> {
    /// 0 = success.
    pub code: i32,
    /// All data points of the device.
    #[serde(borrow)]
    pub streams: Vec<Stream<'a>>,
    /// Optional text.
    #[serde(
        borrow,
        default,
        deserialize_with = "crate::value::opt_cow_str",
        skip_serializing_if = "Option::is_none"
    )]
    pub msg: Option<Cow<'a, str>>,
}
