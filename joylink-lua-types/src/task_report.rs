//! Recipe (task) progress report, WAN type 16 (spec 7.3.13).

use std::borrow::Cow;
use std::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::value::StreamValue;

/// Task report (spec 7.3.13, `report[]` of `reportTask`).
///
/// The spec writes every id as a *string* (`"task_id": "123"`), while the dispatch (13.4.6) uses
/// numbers; scripts send either, so ids and `result` keep their JSON kind ([`StreamValue`], read
/// with [`StreamValue::as_i64`]). Unknown keys are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskReport<'a> {
    /// Recipe id ("菜谱 id").
    #[serde(borrow)]
    pub task_id: StreamValue<'a>,
    /// Per-step results.
    #[serde(borrow, rename = "subTask")]
    pub sub_task: Vec<TaskStepReport<'a>>,
}

/// One step's outcome in a [`TaskReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskStepReport<'a> {
    /// Step id ("步骤 id").
    #[serde(borrow)]
    pub id: StreamValue<'a>,
    /// Order ("顺序 id").
    #[serde(borrow)]
    pub index: StreamValue<'a>,
    /// 0 success, 1 failure, -1 not executed ("执行结果"); see [`TaskStepReport::outcome`].
    #[serde(borrow)]
    pub result: StreamValue<'a>,
    /// Step start, `"YYYY-MM-DD hh:mm:ss"` device local time, kept as text.
    #[serde(borrow, rename = "startTime")]
    pub start_time: Cow<'a, str>,
    /// Step end, same format.
    #[serde(borrow, rename = "endTime")]
    pub end_time: Cow<'a, str>,
}

/// What a step's `result` means (spec 7.3.13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskOutcome {
    /// 0: succeeded.
    Success,
    /// 1: failed.
    Failed,
    /// -1: not executed.
    NotExecuted,
    /// Any other number.
    Unknown(i64),
}

impl TaskStepReport<'_> {
    /// The step's outcome, when `result` is a number or numeric string.
    pub fn outcome(&self) -> Option<TaskOutcome> {
        Some(match self.result.as_i64()? {
            0 => TaskOutcome::Success,
            1 => TaskOutcome::Failed,
            -1 => TaskOutcome::NotExecuted,
            n => TaskOutcome::Unknown(n),
        })
    }
}
