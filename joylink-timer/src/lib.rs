#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

// `alloc`/`std` are linked only when their feature asks for them, so that neither can creep into a
// firmware build unnoticed (rustls does the same).
#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod civil;
mod codec;
mod error;
mod message;
mod reconcile;
pub mod schedule;
mod task;
mod time_exp;

pub use civil::{CivilTime, MAX_YEAR, MIN_YEAR, days_in_month, is_leap_year};
pub use codec::{List, ListIter};
pub use error::{Error, ExpField, ExpReason, Result};
pub use message::{
    CodeResponse, Direction, IdsRequest, IdsResponse, PREAMBLE_LEN, Preamble, ReceivedResult,
    ReportNewResponse, ResultReport, ResultReportResponse, SimplifiedTaskRequest, TaskRequest,
    TaskResult, TimerMessage,
};
pub use reconcile::{Operation, Reconcile, SnapshotAck, TaskKey, check_snapshot_ack, reconcile};
pub use schedule::Firings;
pub use task::{
    BaseTask, Cmd, CmdTrank, CountdownTask, CycleTask, ExpText, FEED_ID_LEN, Label, MAX_EXP_LEN,
    NAME_LEN, PERIOD_LEN, PeriodTask, Task, TaskBody, TaskForm, TaskHead, TaskSource, TaskState,
    Text,
};
pub use time_exp::{FieldSpec, MAX_YEARS, Strictness, TimeExp, ValueSet, YearSet, YearSpec};
