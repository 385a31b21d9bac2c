//! Timer tasks, type 13 (spec chapter 10): every timer `biz_code` as one [`TimerMessage`].
//!
//! Every payload starts with the [`ControlHeader`] `timestamp ‖ biz_code ‖ serial` that types
//! 4, 11, 14 and 111 share; the rest is documented on [`TimerMessage`] and, for the tasks, on
//! [`Task`]. Time itself (parsing a `time_exp`, the next firing, snapshot reconciliation) is
//! `joylink-timer`'s: this module only moves the bytes.

#[cfg(feature = "json")]
mod json;
mod list;
mod task;

#[cfg(feature = "json")]
pub use json::{TaskBodyDoc, TaskDoc};

pub use list::{List, ListIter, TaskForm};
pub use task::{
    BaseTask, Cmd, CmdTrank, CountdownTask, CycleTask, ExpText, Label, MAX_EXP_LEN, NAME_LEN,
    PERIOD_LEN, PeriodTask, Task, TaskBody, TaskHead, TaskSource, TaskState,
};

use list::{Item, add, count_i32, read_count};
use task::{read_tasks, tasks_len, write_tasks};

use crate::codec::{Reader, Writer, room};
use crate::wan::{check_fixed, put_fixed};
use crate::{BizCode, ControlHeader, Direction, Error, FEEDID_LEN, FixedText, Result};

/// `time_task_rsp_t` (16 bytes): the `code` reply (190, 191, 192; 200 — spec 10, 10.11).
///
/// Not the 8-byte `{timestamp, code}` [`CodeResponse`](crate::wan::CodeResponse) of types 10,
/// 12 and 110: this one starts with the whole control preamble.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskCodeResponse {
    /// Preamble.
    pub preamble: ControlHeader,
    /// `code`: 0 success / supported, non-zero failure.
    pub code: i32,
}

/// `time_task_req_t`: tasks in the full form (1091, 1092, 1098, 1100).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskRequest<'a> {
    /// Preamble.
    pub preamble: ControlHeader,
    /// `task_num` + `tasks[]` (every task must have a `label`).
    pub tasks: List<'a, Task<'a>>,
}

/// `simplified_time_task_req_t`: the query reply (194) and the snapshot (1101).
///
/// Equal to another when the preambles, the `feedid` texts (not their padding) and the tasks
/// are.
#[derive(Debug, Clone, Copy)]
pub struct SimplifiedTaskRequest<'a> {
    /// Preamble.
    pub preamble: ControlHeader,
    /// `feedid[32]` of the device.
    #[doc(alias = "feedid")]
    pub feed_id: FixedText<'a>,
    /// `task_num` + `simplified_tasks[]` (no task may have a `label`).
    pub tasks: List<'a, Task<'a>>,
}

impl PartialEq for SimplifiedTaskRequest<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.preamble == other.preamble
            && self.feed_id.as_bytes() == other.feed_id.as_bytes()
            && self.tasks == other.tasks
    }
}

impl Eq for SimplifiedTaskRequest<'_> {}

/// `time_task_ids_req_t`: ids to delete, query, stop or restart (1093–1096, 1099); an empty
/// list means "all" (spec 10.3, 10.5, 10.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdsRequest<'a> {
    /// Preamble.
    pub preamble: ControlHeader,
    /// `ids_num` + `ids[]`.
    pub ids: List<'a, i32>,
}

/// `time_task_ids_rsp_t`: 193, 195, 196, 199 (ids that failed) and 201 (ids the cloud got).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdsResponse<'a> {
    /// Preamble.
    pub preamble: ControlHeader,
    /// `code`.
    pub code: i32,
    /// `ids_num` + `ids[]`, or `None` when they are absent or inconsistent with the payload
    /// length (the SDK leaves them uninitialised, module docs). Encoding `None` writes neither.
    pub ids: Option<List<'a, i32>>,
}

/// One `result[]` entry of `time_task_result_report_t` (9 bytes packed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskResult {
    /// The task's `id`.
    pub id: i32,
    /// `step`: 1, 2 or 3.
    pub step: u8,
    /// `code`: 0 executed, non-zero failed.
    pub code: i32,
}

impl<'a> Item<'a> for TaskResult {
    fn read(r: &mut Reader<'a>, _: TaskForm) -> Result<TaskResult> {
        Ok(TaskResult {
            id: r.i32_le()?,
            step: r.u8()?,
            code: r.i32_le()?,
        })
    }
    fn encoded_len(&self, _: TaskForm) -> Result<usize> {
        Ok(9)
    }
    fn write(&self, w: &mut Writer<'_>, _: TaskForm) -> Result<()> {
        w.i32_le(self.id)?;
        w.u8(self.step)?;
        w.i32_le(self.code)
    }
}

/// One `received[]` entry of `time_task_result_report_rsp_t` (5 bytes packed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReceivedResult {
    /// The task's `id`.
    pub id: i32,
    /// `step`.
    pub step: u8,
}

impl<'a> Item<'a> for ReceivedResult {
    fn read(r: &mut Reader<'a>, _: TaskForm) -> Result<ReceivedResult> {
        Ok(ReceivedResult {
            id: r.i32_le()?,
            step: r.u8()?,
        })
    }
    fn encoded_len(&self, _: TaskForm) -> Result<usize> {
        Ok(5)
    }
    fn write(&self, w: &mut Writer<'_>, _: TaskForm) -> Result<()> {
        w.i32_le(self.id)?;
        w.u8(self.step)
    }
}

/// `time_task_result_report_t` (1097, spec 10.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultReport<'a> {
    /// Preamble.
    pub preamble: ControlHeader,
    /// `num` + `result[]`.
    pub results: List<'a, TaskResult>,
}

/// `time_task_result_report_rsp_t` (197, spec 10.8): results the cloud received; the device
/// re-reports the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultReportResponse<'a> {
    /// Preamble.
    pub preamble: ControlHeader,
    /// `num` + `received[]`.
    pub received: List<'a, ReceivedResult>,
}

/// `time_task_report_new_rsp_t` (198, spec 10.9): the id the cloud assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReportNewResponse {
    /// Preamble.
    pub preamble: ControlHeader,
    /// `code`.
    pub code: i32,
    /// `id`: the new task's id.
    pub id: i32,
}

/// A decoded type-13 payload.
///
/// All structures are packed little-endian (compat §7.11) and begin with the 12-byte
/// [`ControlHeader`] `timestamp, biz_code, serial` (`unsigned int` each). Decoders borrow from the
/// caller's (decrypted) payload; encoders write into the caller's buffer.
///
/// # biz_code numbers (compat §10)
///
/// Shipped devices use 1100/200 (report update) and 1101/201 (report snapshot) where chapter 10
/// says 10100/1100 and 10101/1101; chapter 3.7 numbers the requests 1902…1909. The constructors
/// of this module emit the device numbers; the decoder accepts the spec's numbers as aliases and
/// keeps the number it read in [`ControlHeader::biz_code`], so a message re-encodes to the same
/// bytes. The spec's reply numbers 1100/1101 collide with the device requests 1100/1101: the
/// [`Direction`] passed to [`TimerMessage::parse`] tells them apart.
///
/// # Uninitialised fields in shipped replies (compat §9)
///
/// The SDK answers with fixed-size structs and leaves some fields uninitialised:
/// * 190: `serial` is stack garbage — do not match a 190 to its request by serial;
/// * 193/195/196: 24 bytes, `ids_num` and `ids[0]` uninitialised (195/196: `ids_num` = 0). The
///   decoder exposes [`IdsResponse::ids`] only when `ids_num` is consistent with the payload
///   length (or is 0 with the SDK's one spare slot), and `None` otherwise;
/// * 194: 243 bytes with `task_num = 0` and zeros after it; a [`SimplifiedTaskRequest`] accepts
///   trailing bytes only when they are all zero.
///
/// # Examples
/// ```
/// use joylink_wire::wan::timer::{IdsRequest, List, TimerMessage};
/// use joylink_wire::{BizCode, ControlHeader, Direction};
///
/// // Spec 10.3: delete tasks 7 and 9.
/// let ids = [7, 9];
/// let msg = TimerMessage::Delete(IdsRequest {
///     preamble: ControlHeader::new(0x5f5e_1000, BizCode::TimerDelete, 42),
///     ids: List::from_slice(&ids),
/// });
/// let mut buf = [0u8; 64];
/// let n = msg.emit(&mut buf)?;
/// assert_eq!(
///     &buf[..n],
///     &[0x00, 0x10, 0x5e, 0x5f, 0x45, 0x04, 0, 0, 42, 0, 0, 0, 2, 0, 0, 0, 7, 0, 0, 0, 9, 0, 0, 0]
/// );
/// let back = TimerMessage::parse(&buf[..n], Direction::ToDevice)?;
/// assert_eq!(back, msg);
/// if let TimerMessage::Delete(req) = back {
///     assert_eq!(req.ids.iter().collect::<Vec<_>>(), [7, 9]);
/// }
/// # Ok::<(), joylink_wire::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimerMessage<'a> {
    /// 1090 `time_task_query_t`: does the device support timers (10.1).
    SupportQuery(ControlHeader),
    /// 190: 0 = supported.
    SupportResponse(TaskCodeResponse),
    /// 1091: add tasks (10.2).
    Add(TaskRequest<'a>),
    /// 191.
    AddResponse(TaskCodeResponse),
    /// 1092 (alias 1902): update tasks (10.4).
    Update(TaskRequest<'a>),
    /// 192.
    UpdateResponse(TaskCodeResponse),
    /// 1093 (alias 1903): delete tasks (10.3).
    Delete(IdsRequest<'a>),
    /// 193: ids not deleted.
    DeleteResponse(IdsResponse<'a>),
    /// 1094 (alias 1904): query tasks (10.5).
    Query(IdsRequest<'a>),
    /// 194: the tasks, simplified.
    QueryResponse(SimplifiedTaskRequest<'a>),
    /// 1095 (alias 1905): stop tasks (10.6).
    Stop(IdsRequest<'a>),
    /// 195: ids not stopped.
    StopResponse(IdsResponse<'a>),
    /// 1096 (alias 1906): restart tasks (10.7).
    Restart(IdsRequest<'a>),
    /// 196: ids not restarted.
    RestartResponse(IdsResponse<'a>),
    /// 1097 (alias 1907): execution results (10.8).
    ReportResult(ResultReport<'a>),
    /// 197.
    ReportResultResponse(ResultReportResponse<'a>),
    /// 1098 (alias 1908): a task added on the device, id 0 (10.9).
    ReportAdd(TaskRequest<'a>),
    /// 198: the assigned id.
    ReportAddResponse(ReportNewResponse),
    /// 1099 (alias 1909): tasks deleted on the device (10.10).
    ReportDelete(IdsRequest<'a>),
    /// 199.
    ReportDeleteResponse(IdsResponse<'a>),
    /// 1100 (spec 10100): a task updated on the device (10.11).
    ReportUpdate(TaskRequest<'a>),
    /// 200 (spec 1100, [`Direction::ToDevice`]).
    ReportUpdateResponse(TaskCodeResponse),
    /// 1101 (spec 10101): the device's task snapshot (10.12).
    ReportSnapshot(SimplifiedTaskRequest<'a>),
    /// 201 (spec 1101, [`Direction::ToDevice`]): the ids the cloud received.
    ReportSnapshotResponse(IdsResponse<'a>),
}

/// The body layouts.
#[derive(Clone, Copy)]
enum Layout {
    Query,
    Code,
    Tasks,
    Simplified,
    IdsReq,
    IdsRsp,
    Results,
    Received,
    NewId,
}

fn no_trailing(r: &Reader<'_>, what: &'static str) -> Result<()> {
    r.expect_empty(what)
}

fn read_ids<'a>(r: &mut Reader<'a>) -> Result<List<'a, i32>> {
    let n = read_count(r, "ids_num", 4)?;
    List::read(r, n, TaskForm::Full)
}

impl<'a> TimerMessage<'a> {
    /// Decodes a type-13 payload (plaintext, after decryption).
    ///
    /// # Errors
    /// [`Error::Truncated`] for a short payload, [`Error::OutOfRange`] for a non-timer
    /// `biz_code` (field `"timer biz_code"`), a negative count or length, or an unknown
    /// `task_t.mode`, [`Error::TrailingData`] for bytes after the structure.
    pub fn parse(payload: &'a [u8], direction: Direction) -> Result<TimerMessage<'a>> {
        let mut r = Reader::new(payload);
        let p = ControlHeader::read(&mut r)?;
        use BizCode as B;
        use TimerMessage as M;
        let kind = match (p.biz_code.canonical(), direction) {
            (B::TimerSupport, _) => Layout::Query,
            (
                B::TimerSupportResponse
                | B::TimerAddResponse
                | B::TimerUpdateResponse
                | B::TimerReportUpdateResponse,
                _,
            )
            | (B::TimerReportUpdate, Direction::ToDevice) => Layout::Code,
            (B::TimerAdd | B::TimerUpdate | B::TimerReportAdd, _)
            | (B::TimerReportUpdate, Direction::FromDevice) => Layout::Tasks,
            (B::TimerQueryResponse, _) | (B::TimerReportSnapshot, Direction::FromDevice) => {
                Layout::Simplified
            }
            (
                B::TimerDelete
                | B::TimerQuery
                | B::TimerStop
                | B::TimerRestart
                | B::TimerReportDelete,
                _,
            ) => Layout::IdsReq,
            (
                B::TimerDeleteResponse
                | B::TimerStopResponse
                | B::TimerRestartResponse
                | B::TimerReportDeleteResponse
                | B::TimerReportSnapshotResponse,
                _,
            )
            | (B::TimerReportSnapshot, Direction::ToDevice) => Layout::IdsRsp,
            (B::TimerReportResult, _) => Layout::Results,
            (B::TimerReportResultResponse, _) => Layout::Received,
            (B::TimerReportAddResponse, _) => Layout::NewId,
            (other, _) => {
                return Err(Error::OutOfRange {
                    field: "timer biz_code",
                    value: other.value(),
                });
            }
        };
        let body = match kind {
            Layout::Query => {
                no_trailing(&r, "time_task_query_t")?;
                return Ok(M::SupportQuery(p));
            }
            Layout::Code => {
                let code = r.i32_le()?;
                no_trailing(&r, "time_task_rsp_t")?;
                return Ok(Self::code_variant(TaskCodeResponse { preamble: p, code }));
            }
            Layout::NewId => {
                let m = ReportNewResponse {
                    preamble: p,
                    code: r.i32_le()?,
                    id: r.i32_le()?,
                };
                no_trailing(&r, "time_task_report_new_rsp_t")?;
                return Ok(M::ReportAddResponse(m));
            }
            Layout::Tasks => {
                let tasks = read_tasks(&mut r, TaskForm::Full)?;
                no_trailing(&r, "time_task_req_t")?;
                Body::Tasks(TaskRequest { preamble: p, tasks })
            }
            Layout::Simplified => {
                let n = read_count(&mut r, "task_num", 0)?;
                let feed_id = FixedText::new("feedid", r.take(FEEDID_LEN)?);
                let tasks = List::read(&mut r, n, TaskForm::Simplified)?;
                // compat §9: the SDK's 194 is a 243-byte struct padded with zeros.
                let rest = r.rest();
                if rest.iter().any(|b| *b != 0) {
                    return Err(Error::TrailingData {
                        what: "simplified_time_task_req_t",
                        len: rest.len(),
                    });
                }
                Body::Simplified(SimplifiedTaskRequest {
                    preamble: p,
                    feed_id,
                    tasks,
                })
            }
            Layout::IdsReq => {
                let ids = read_ids(&mut r)?;
                no_trailing(&r, "time_task_ids_req_t")?;
                Body::IdsReq(IdsRequest { preamble: p, ids })
            }
            Layout::IdsRsp => {
                let code = r.i32_le()?;
                let ids = ids_if_consistent(r.rest());
                Body::IdsRsp(IdsResponse {
                    preamble: p,
                    code,
                    ids,
                })
            }
            Layout::Results => {
                let n = read_count(&mut r, "num", 9)?;
                let results = List::read(&mut r, n, TaskForm::Full)?;
                no_trailing(&r, "time_task_result_report_t")?;
                return Ok(M::ReportResult(ResultReport {
                    preamble: p,
                    results,
                }));
            }
            Layout::Received => {
                let n = read_count(&mut r, "num", 5)?;
                let received = List::read(&mut r, n, TaskForm::Full)?;
                no_trailing(&r, "time_task_result_report_rsp_t")?;
                return Ok(M::ReportResultResponse(ResultReportResponse {
                    preamble: p,
                    received,
                }));
            }
        };
        Ok(match (p.biz_code.canonical(), body) {
            (B::TimerAdd, Body::Tasks(t)) => M::Add(t),
            (B::TimerUpdate, Body::Tasks(t)) => M::Update(t),
            (B::TimerReportAdd, Body::Tasks(t)) => M::ReportAdd(t),
            (_, Body::Tasks(t)) => M::ReportUpdate(t),
            (B::TimerQueryResponse, Body::Simplified(t)) => M::QueryResponse(t),
            (_, Body::Simplified(t)) => M::ReportSnapshot(t),
            (B::TimerDelete, Body::IdsReq(t)) => M::Delete(t),
            (B::TimerQuery, Body::IdsReq(t)) => M::Query(t),
            (B::TimerStop, Body::IdsReq(t)) => M::Stop(t),
            (B::TimerRestart, Body::IdsReq(t)) => M::Restart(t),
            (_, Body::IdsReq(t)) => M::ReportDelete(t),
            (B::TimerDeleteResponse, Body::IdsRsp(t)) => M::DeleteResponse(t),
            (B::TimerStopResponse, Body::IdsRsp(t)) => M::StopResponse(t),
            (B::TimerRestartResponse, Body::IdsRsp(t)) => M::RestartResponse(t),
            (B::TimerReportDeleteResponse, Body::IdsRsp(t)) => M::ReportDeleteResponse(t),
            (_, Body::IdsRsp(t)) => M::ReportSnapshotResponse(t),
        })
    }

    fn code_variant(c: TaskCodeResponse) -> TimerMessage<'a> {
        match c.preamble.biz_code.canonical() {
            BizCode::TimerSupportResponse => TimerMessage::SupportResponse(c),
            BizCode::TimerAddResponse => TimerMessage::AddResponse(c),
            BizCode::TimerUpdateResponse => TimerMessage::UpdateResponse(c),
            _ => TimerMessage::ReportUpdateResponse(c),
        }
    }

    /// Who sends this message: the requests 1090–1096 and the answers to the device's reports
    /// travel to the device, the replies 190–196 and the reports 1097–1101 from it (spec 10).
    #[must_use]
    pub const fn direction(&self) -> Direction {
        use TimerMessage as M;
        match self {
            M::SupportQuery(_)
            | M::Add(_)
            | M::Update(_)
            | M::Delete(_)
            | M::Query(_)
            | M::Stop(_)
            | M::Restart(_)
            | M::ReportResultResponse(_)
            | M::ReportAddResponse(_)
            | M::ReportDeleteResponse(_)
            | M::ReportUpdateResponse(_)
            | M::ReportSnapshotResponse(_) => Direction::ToDevice,
            M::SupportResponse(_)
            | M::AddResponse(_)
            | M::UpdateResponse(_)
            | M::DeleteResponse(_)
            | M::QueryResponse(_)
            | M::StopResponse(_)
            | M::RestartResponse(_)
            | M::ReportResult(_)
            | M::ReportAdd(_)
            | M::ReportDelete(_)
            | M::ReportUpdate(_)
            | M::ReportSnapshot(_) => Direction::FromDevice,
        }
    }

    /// The preamble.
    #[must_use]
    pub const fn preamble(&self) -> &ControlHeader {
        use TimerMessage as M;
        match self {
            M::SupportQuery(p) => p,
            M::SupportResponse(m)
            | M::AddResponse(m)
            | M::UpdateResponse(m)
            | M::ReportUpdateResponse(m) => &m.preamble,
            M::Add(m) | M::Update(m) | M::ReportAdd(m) | M::ReportUpdate(m) => &m.preamble,
            M::QueryResponse(m) | M::ReportSnapshot(m) => &m.preamble,
            M::Delete(m) | M::Query(m) | M::Stop(m) | M::Restart(m) | M::ReportDelete(m) => {
                &m.preamble
            }
            M::DeleteResponse(m)
            | M::StopResponse(m)
            | M::RestartResponse(m)
            | M::ReportDeleteResponse(m)
            | M::ReportSnapshotResponse(m) => &m.preamble,
            M::ReportResult(m) => &m.preamble,
            M::ReportResultResponse(m) => &m.preamble,
            M::ReportAddResponse(m) => &m.preamble,
        }
    }

    /// The exact number of bytes [`TimerMessage::emit`] writes, after validating the message.
    ///
    /// # Errors
    /// [`Error::TooLong`] (a `time_exp` over 127 bytes, a text over its field, more than 255
    /// commands, counts beyond `i32`), [`Error::TaskForm`] (a task with a
    /// label in a simplified list or without one in a full list).
    pub fn buffer_len(&self) -> Result<usize> {
        use TimerMessage as M;
        let body = match self {
            M::SupportQuery(_) => 0,
            M::SupportResponse(_)
            | M::AddResponse(_)
            | M::UpdateResponse(_)
            | M::ReportUpdateResponse(_) => 4,
            M::ReportAddResponse(_) => 8,
            M::Add(m) | M::Update(m) | M::ReportAdd(m) | M::ReportUpdate(m) => {
                tasks_len(&m.tasks, TaskForm::Full)?
            }
            M::QueryResponse(m) | M::ReportSnapshot(m) => {
                check_fixed("feedid", &m.feed_id, FEEDID_LEN)?;
                add(FEEDID_LEN, tasks_len(&m.tasks, TaskForm::Simplified)?)?
            }
            M::Delete(m) | M::Query(m) | M::Stop(m) | M::Restart(m) | M::ReportDelete(m) => {
                list_len(&m.ids, "ids_num")?
            }
            M::DeleteResponse(m)
            | M::StopResponse(m)
            | M::RestartResponse(m)
            | M::ReportDeleteResponse(m)
            | M::ReportSnapshotResponse(m) => match &m.ids {
                Some(ids) => add(4, list_len(ids, "ids_num")?)?,
                None => 4,
            },
            M::ReportResult(m) => list_len(&m.results, "num")?,
            M::ReportResultResponse(m) => list_len(&m.received, "num")?,
        };
        add(ControlHeader::LEN, body)
    }

    /// Writes the payload into `buf` and returns its length.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] (nothing written) and the validation errors of
    /// [`TimerMessage::buffer_len`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize> {
        use TimerMessage as M;
        let len = self.buffer_len()?;
        let mut w = Writer::new(room(len, buf)?);
        self.preamble().write(&mut w)?;
        match self {
            M::SupportQuery(_) => Ok(()),
            M::SupportResponse(m)
            | M::AddResponse(m)
            | M::UpdateResponse(m)
            | M::ReportUpdateResponse(m) => w.i32_le(m.code),
            M::ReportAddResponse(m) => {
                w.i32_le(m.code)?;
                w.i32_le(m.id)
            }
            M::Add(m) | M::Update(m) | M::ReportAdd(m) | M::ReportUpdate(m) => {
                write_tasks(&mut w, &m.tasks, TaskForm::Full)
            }
            M::QueryResponse(m) | M::ReportSnapshot(m) => {
                // Spec order: task_num, then feedid, then the tasks.
                w.i32_le(count_i32("task_num", m.tasks.len())?)?;
                put_fixed(&mut w, &m.feed_id, FEEDID_LEN)?;
                m.tasks.write(&mut w, TaskForm::Simplified)
            }
            M::Delete(m) | M::Query(m) | M::Stop(m) | M::Restart(m) | M::ReportDelete(m) => {
                write_list(&mut w, &m.ids, "ids_num")
            }
            M::DeleteResponse(m)
            | M::StopResponse(m)
            | M::RestartResponse(m)
            | M::ReportDeleteResponse(m)
            | M::ReportSnapshotResponse(m) => {
                w.i32_le(m.code)?;
                match &m.ids {
                    Some(ids) => write_list(&mut w, ids, "ids_num"),
                    None => Ok(()),
                }
            }
            M::ReportResult(m) => write_list(&mut w, &m.results, "num"),
            M::ReportResultResponse(m) => write_list(&mut w, &m.received, "num"),
        }?;
        Ok(len)
    }
}

enum Body<'a> {
    Tasks(TaskRequest<'a>),
    Simplified(SimplifiedTaskRequest<'a>),
    IdsReq(IdsRequest<'a>),
    IdsRsp(IdsResponse<'a>),
}

/// `ids_num` + `ids[]` after `code`, if they describe exactly the remaining bytes, or if
/// `ids_num` is 0 followed by the SDK's single spare slot. // compat: compat §9
fn ids_if_consistent(rest: &[u8]) -> Option<List<'_, i32>> {
    let mut r = Reader::new(rest);
    let n = usize::try_from(r.i32_le().ok()?).ok()?;
    let needed = n.checked_mul(4)?;
    if needed == r.left() || (n == 0 && r.left() == 4) {
        List::read(&mut r, n, TaskForm::Full).ok()
    } else {
        None
    }
}

fn list_len<'a, T: Item<'a>>(l: &List<'a, T>, field: &'static str) -> Result<usize> {
    count_i32(field, l.len())?;
    add(4, l.encoded_len(TaskForm::Full)?)
}

fn write_list<'a, T: Item<'a>>(
    w: &mut Writer<'_>,
    l: &List<'a, T>,
    field: &'static str,
) -> Result<()> {
    w.i32_le(count_i32(field, l.len())?)?;
    l.write(w, TaskForm::Full)
}
