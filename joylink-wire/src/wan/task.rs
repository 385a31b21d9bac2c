//! Task (cloud recipe) report, type 16 (spec 7.3.13, 7.3.14). No shipped SDK implements it
//! (compat §7.10); the layout follows the spec, packed (compat §7.11).

use crate::codec::Writer;
use crate::view::body_view;
use crate::{ResponseCode, Result};

body_view! {
    /// View of a task report (spec 7.3.13): `timestamp u32, serial u32, report[]`.
    pub struct TaskReportBody, min_len = 8;
    ints {
        /// Device time.
        timestamp, set_timestamp: u32 as u32 @ 0,
        /// Sequence number.
        serial, set_serial: u32 as u32 @ 4,
    }
    texts {}
    tail
        /// The report (JSON of spec 7.3.13).
        report, report_mut @ 8;
}

body_view! {
    /// View of a task-report answer (spec 7.3.14): `timestamp u32, serial u32, code u32`.
    pub struct TaskReportResponseBody, min_len = 12;
    ints {
        /// Server time.
        timestamp, set_timestamp: u32 as u32 @ 0,
        /// The report's serial.
        serial, set_serial: u32 as u32 @ 4,
        /// Result code.
        code, set_code: ResponseCode as i32 @ 8,
    }
    texts {}
    repr TaskReportResponse, "task report response";
}

/// The device's task report (spec 7.3.13, type 16, device → cloud).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TaskReport<'a> {
    /// Device time.
    pub timestamp: u32,
    /// Sequence number.
    pub serial: u32,
    /// The report, JSON of the shape [`TaskReportDoc`] (feature `json`).
    ///
    #[cfg_attr(feature = "json", doc = "[`TaskReportDoc`]: super::TaskReportDoc")]
    #[cfg_attr(not(feature = "json"), doc = "[`TaskReportDoc`]: crate#features")]
    pub report: &'a [u8],
}

impl<'a> TaskReport<'a> {
    /// Parses a body through its view [`TaskReportBody`].
    ///
    /// # Errors
    /// [`Error::Truncated`](crate::Error::Truncated) below 8 bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let view = TaskReportBody::new_checked(bytes)?;
        Ok(Self {
            timestamp: view.timestamp(),
            serial: view.serial(),
            report: view.report(),
        })
    }

    /// `8 + report.len()`.
    pub const fn buffer_len(&self) -> usize {
        self.report.len().saturating_add(8)
    }

    /// Writes the body.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall) (nothing written).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        let mut w = Writer::new(super::room(self.buffer_len(), buf)?);
        w.u32_le(self.timestamp)?;
        w.u32_le(self.serial)?;
        w.put(self.report)?;
        Ok(w.written())
    }
}

/// The cloud's answer to a task report (spec 7.3.14, type 16, cloud → device).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TaskReportResponse {
    /// Server time.
    pub timestamp: u32,
    /// The report's serial.
    pub serial: u32,
    /// Result code (`unsigned int` in the spec, read as `i32` as in [`super::CodeResponse`]).
    pub code: ResponseCode,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn report_layout() {
        // spec 7.3.13: ts, serial, report
        let bytes = b"\x01\x00\x00\x00\x02\x00\x00\x00{}";
        let t = TaskReport::parse(bytes).unwrap();
        assert_eq!(
            t,
            TaskReport {
                timestamp: 1,
                serial: 2,
                report: b"{}"
            }
        );
        let mut buf = [0xa5; 10];
        t.emit(&mut buf).unwrap();
        assert_eq!(&buf, bytes);
        assert_eq!(
            TaskReportBody::new_checked(&bytes[..]).unwrap().report(),
            b"{}"
        );
        assert!(TaskReport::parse(&bytes[..7]).is_err());
    }

    #[test]
    fn response_layout() {
        // spec 7.3.14: ts, serial, code
        let bytes = [1, 0, 0, 0, 2, 0, 0, 0, 0xfc, 0xff, 0xff, 0xff];
        let r = TaskReportResponse::parse(&bytes).unwrap();
        assert_eq!(r.code, ResponseCode::NotSupported);
        assert_eq!(r.serial, 2);
        let mut buf = [0xa5; 12];
        r.emit(&mut buf).unwrap();
        assert_eq!(buf, bytes);
        assert_eq!(
            TaskReportResponseBody::new_unchecked(&bytes).code(),
            ResponseCode::NotSupported
        );
        assert_eq!(
            TaskReportResponse::parse(&bytes[..11]),
            Err(Error::Truncated {
                needed: 12,
                available: 11
            })
        );
    }
}

#[cfg(feature = "json")]
pub use json::*;

#[cfg(feature = "json")]
mod json {
    use alloc::borrow::Cow;
    use alloc::vec::Vec;
    use serde::{Deserialize, Serialize};

    use crate::lan::StreamValue;

    /// The `report[]` JSON of a task report (spec 7.3.13): a recipe id and the result of each
    /// step.
    ///
    /// The spec writes every id as a *string* (`"task_id": "123"`) while the recipe dispatch
    /// (13.4.6) uses numbers, and scripts send either: the ids and `result` keep their JSON kind
    /// ([`StreamValue`], read with [`StreamValue::as_i64`]) so a report re-encodes as received.
    /// Unknown keys are ignored; every key listed is required.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct TaskReportDoc<'a> {
        /// Recipe id (菜谱 id).
        #[serde(borrow)]
        pub task_id: StreamValue<'a>,
        /// One entry per step.
        #[serde(borrow, rename = "subTask")]
        #[doc(alias = "subTask")]
        pub sub_tasks: Vec<SubTaskResult<'a>>,
    }

    /// One step of a [`TaskReportDoc`].
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SubTaskResult<'a> {
        /// Step id (步骤 id).
        #[serde(borrow)]
        pub id: StreamValue<'a>,
        /// Position of the step (顺序 id).
        #[serde(borrow)]
        pub index: StreamValue<'a>,
        /// `"0"` success, `"1"` failure, `"-1"` not run (or the same as numbers); see
        /// [`SubTaskResult::outcome`].
        #[serde(borrow)]
        pub result: StreamValue<'a>,
        /// Start time, `"2015-05-07 16:03:53"`.
        #[serde(borrow, rename = "startTime")]
        #[doc(alias = "startTime")]
        pub start_time: Cow<'a, str>,
        /// End time.
        #[serde(borrow, rename = "endTime")]
        #[doc(alias = "endTime")]
        pub end_time: Cow<'a, str>,
    }

    /// The meaning of [`SubTaskResult::result`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum TaskOutcome {
        /// `"0"`: succeeded (成功).
        Success,
        /// `"1"`: failed (失败).
        Failure,
        /// `"-1"`: not run (未执行).
        NotRun,
    }

    impl SubTaskResult<'_> {
        /// The result as a [`TaskOutcome`], from a number or a numeric string; `None` for any
        /// other value.
        #[must_use]
        pub fn outcome(&self) -> Option<TaskOutcome> {
            match self.result.as_i64()? {
                0 => Some(TaskOutcome::Success),
                1 => Some(TaskOutcome::Failure),
                -1 => Some(TaskOutcome::NotRun),
                _ => None,
            }
        }
    }

    crate::wan::json_doc!(TaskReportDoc, "task report");
}
