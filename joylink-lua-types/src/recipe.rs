//! Cloud recipe (task) dispatch and its response (spec 13.4.6, 13.4.7; biz_code 1050 / 150).

use std::borrow::Cow;
use std::vec::Vec;

use serde::{Deserialize, Serialize};

use joylink_wire::lan::{FeedId, Stream};

/// Cloud recipe dispatch, biz_code 1050 (spec 13.4.6, WAN type 11, spec 7.3.11).
///
/// `feed_id` keeps its exact digits (the spec's `144093466370504020` does not fit an f64).
/// Unknown keys are ignored. All fields are required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe<'a> {
    /// Dispatch time, milliseconds since the Unix epoch ("时间").
    pub at: u64,
    /// The biz_code again: 1050.
    pub code: u32,
    /// The device's cloud id.
    #[serde(borrow)]
    pub feed_id: FeedId<'a>,
    /// The recipe's steps.
    #[serde(borrow, rename = "subTask")]
    pub sub_task: Vec<RecipeStep<'a>>,
    /// The recipe id ("菜谱 ID").
    pub task_id: u64,
}

/// One step of a [`Recipe`] (an element of `subTask`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecipeStep<'a> {
    /// Step id ("菜谱步骤 ID").
    pub id: u64,
    /// Execution order, from 1 ("执行顺序(step)").
    pub index: u32,
    /// The data points this step sets.
    #[serde(borrow)]
    pub streams: Vec<Stream<'a>>,
}

/// Recipe dispatch response, biz_code 150 (spec 13.4.7).
///
/// Unknown keys are ignored; `msg` is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecipeResponse<'a> {
    /// 0 = success.
    pub code: i32,
    /// Text shown to the user, e.g. "控制成功".
    #[serde(
        borrow,
        default,
        deserialize_with = "crate::value::opt_cow_str",
        skip_serializing_if = "Option::is_none"
    )]
    pub msg: Option<Cow<'a, str>>,
}
