//! Timer task bodies (type 13, spec chapter 10) for C code that keeps its own timer table
//! instead of the `jl_wan_device_*` machine's: the cloud's requests read task by task, command
//! by command, and the 16-byte `code` answer. Thin wrappers over joylink-wire's `TimerMessage`;
//! bodies are the plaintext after `jl_open_in_place` (its timestamp is the body's first field).
//!
//! The accessors parse the whole body again on every call (no state kept between calls): a
//! request is at most one packet, and a task table is a handful of entries.
//!
//! Buffer contract: parse functions write their outputs only on `JL_OK`; pointers in them point
//! into the caller's body. `jl_timer_code_response_build` follows the codec contract
//! (`*out_len` = the length on `JL_OK`, the length needed on `JL_ERR_BUFFER_TOO_SMALL` with
//! nothing written, 0 otherwise).

use core::ffi::c_int;

use joylink_wire::wan::timer::{CmdTrank, List, Task, TaskBody, TaskCodeResponse, TimerMessage};
use joylink_wire::{BizCode, ControlHeader, Direction};

use crate::ptr::{bytes, bytes_mut, check_struct, write};
use crate::status::{JL_ERR_BUFFER_TOO_SMALL, JL_ERR_INVALID_ARGUMENT, Status, ret};

/// Length of a timer `code` answer (`time_task_rsp_t`: preamble + `code`, spec 10).
pub const JL_TIMER_CODE_RESPONSE_LEN: usize = 16;

/// A cloud timer request (type 13, `jl_timer_request_parse`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JlTimerRequest {
    /// The sender's time.
    pub timestamp: u32,
    /// What it asks (spec 10: 1090 support, 1091 add, 1092 update, 1093 delete, 1094 query,
    /// 1095 stop, 1096 restart; the cloud's answers to reports).
    pub biz_code: u32,
    /// Request serial, echoed in the answer.
    pub serial: u32,
    /// Tasks it carries (add, update): read them with `jl_timer_request_task`.
    pub task_count: usize,
    /// Task ids it names (delete, query, stop, restart): `jl_timer_request_id`.
    pub id_count: usize,
}

/// One task of a request (`jl_timer_request_task`). Fields a mode does not use are 0 / NULL.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JlTimerTask {
    /// 0 base (a `time_exp` and commands), 1 period, 2 cycle, 3 countdown.
    pub mode: i32,
    /// Task format version.
    pub version: i32,
    /// Task id.
    pub id: i32,
    /// 0 stopped, 1 started (spec 10).
    pub state: u8,
    /// Who made it (0 user, ...).
    pub source: u8,
    /// The `time_exp` (base), the start expression (period); for `jl_time_exp_parse`.
    pub exp: *const u8,
    /// Its length.
    pub exp_len: usize,
    /// The stop expression (period).
    pub stop_exp: *const u8,
    /// Its length.
    pub stop_exp_len: usize,
    /// Seconds: action interval (cycle), countdown interval (countdown).
    pub interval: i32,
    /// Sleep interval (cycle).
    pub sleep_interval: i32,
    /// Repetitions (cycle).
    pub times: i32,
    /// Commands of list 0: the commands (base), start (period), action (cycle, countdown).
    pub cmd_count: usize,
    /// Commands of list 1: stop (period, countdown), sleep (cycle).
    pub cmd2_count: usize,
}

fn request(body: &[u8]) -> Status<TimerMessage<'_>> {
    Ok(TimerMessage::parse(body, Direction::ToDevice)?)
}

/// The tasks of a request that carries some.
fn tasks<'a>(m: &TimerMessage<'a>) -> Option<List<'a, Task<'a>>> {
    match m {
        TimerMessage::Add(r)
        | TimerMessage::Update(r)
        | TimerMessage::ReportAdd(r)
        | TimerMessage::ReportUpdate(r) => Some(r.tasks),
        _ => None,
    }
}

fn ids<'a>(m: &TimerMessage<'a>) -> Option<List<'a, i32>> {
    match m {
        TimerMessage::Delete(r)
        | TimerMessage::Query(r)
        | TimerMessage::Stop(r)
        | TimerMessage::Restart(r)
        | TimerMessage::ReportDelete(r) => Some(r.ids),
        _ => None,
    }
}

fn preamble(m: &TimerMessage<'_>) -> Status<ControlHeader> {
    use TimerMessage as M;
    Ok(match m {
        M::SupportQuery(p) => *p,
        M::Add(r) | M::Update(r) | M::ReportAdd(r) | M::ReportUpdate(r) => r.preamble,
        M::Delete(r) | M::Query(r) | M::Stop(r) | M::Restart(r) | M::ReportDelete(r) => r.preamble,
        M::SupportResponse(r)
        | M::AddResponse(r)
        | M::UpdateResponse(r)
        | M::ReportUpdateResponse(r) => r.preamble,
        M::DeleteResponse(r)
        | M::StopResponse(r)
        | M::RestartResponse(r)
        | M::ReportDeleteResponse(r)
        | M::ReportSnapshotResponse(r) => r.preamble,
        M::QueryResponse(r) | M::ReportSnapshot(r) => r.preamble,
        M::ReportResult(r) => r.preamble,
        M::ReportResultResponse(r) => r.preamble,
        M::ReportAddResponse(r) => r.preamble,
        _ => return Err(JL_ERR_INVALID_ARGUMENT),
    })
}

fn nth_task<'a>(body: &'a [u8], index: usize) -> Status<Task<'a>> {
    let m = request(body)?;
    tasks(&m)
        .and_then(|t| t.iter().nth(index))
        .ok_or(JL_ERR_INVALID_ARGUMENT)
}

fn tranks<'a>(t: &TaskBody<'a>) -> [Option<CmdTrank<'a>>; 2] {
    match t {
        TaskBody::Base(b) => [Some(b.cmds), None],
        TaskBody::Period(p) => [Some(p.start_cmds), Some(p.stop_cmds)],
        TaskBody::Cycle(c) => [Some(c.action_cmds), Some(c.sleep_cmds)],
        TaskBody::Countdown(c) => [Some(c.action_cmds), Some(c.stop_cmds)],
    }
}

/// Parses a cloud timer request (type 13 plaintext, cloud → device): the preamble and how many
/// tasks or ids it carries.
///
/// Returns `JL_OK`; `JL_ERR_NULL`; `JL_ERR_INVALID_ARGUMENT`; `JL_ERR_TRUNCATED`;
/// `JL_ERR_MALFORMED` (not a timer biz_code, a negative count or length, an unknown task mode,
/// trailing bytes). `*out` is written only on `JL_OK`.
///
/// # Safety
/// `body` readable for `len` bytes; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_timer_request_parse(
    body: *const u8,
    len: usize,
    out: *mut JlTimerRequest,
) -> c_int {
    let r = (|| -> Status {
        check_struct(out)?;
        // SAFETY: forwarded caller contract.
        let m = request(unsafe { bytes(body, len) }?)?;
        let p = preamble(&m)?;
        let v = JlTimerRequest {
            timestamp: p.timestamp,
            biz_code: u32::from(p.biz_code),
            serial: p.serial,
            task_count: tasks(&m).map_or(0, |t| t.len()),
            id_count: ids(&m).map_or(0, |i| i.len()),
        };
        // SAFETY: forwarded caller contract.
        unsafe { write(out, v) }
    })();
    ret(r)
}

/// Task `index` (from 0 to `task_count - 1`) of a request `jl_timer_request_parse` accepted.
///
/// Returns `JL_OK`; `JL_ERR_NULL`; `JL_ERR_INVALID_ARGUMENT` (`index` out of range, a request
/// without tasks); the parse errors of `jl_timer_request_parse`. `*out` is written only on
/// `JL_OK`; its pointers point into `body`.
///
/// # Safety
/// `body` readable for `len` bytes (and alive while `out`'s pointers are used); `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_timer_request_task(
    body: *const u8,
    len: usize,
    index: usize,
    out: *mut JlTimerTask,
) -> c_int {
    let r = (|| -> Status {
        check_struct(out)?;
        // SAFETY: forwarded caller contract.
        let t = nth_task(unsafe { bytes(body, len) }?, index)?;
        let head = t.body.head();
        let mut v = JlTimerTask {
            mode: t.body.mode(),
            version: t.version,
            id: head.id,
            state: head.state.into(),
            source: head.source.into(),
            exp: core::ptr::null(),
            exp_len: 0,
            stop_exp: core::ptr::null(),
            stop_exp_len: 0,
            interval: 0,
            sleep_interval: 0,
            times: 0,
            cmd_count: 0,
            cmd2_count: 0,
        };
        let [a, b] = tranks(&t.body);
        v.cmd_count = a.map_or(0, |c| c.cmds.len());
        v.cmd2_count = b.map_or(0, |c| c.cmds.len());
        let text = |e: &[u8]| (e.as_ptr(), e.len());
        match &t.body {
            TaskBody::Base(b) => (v.exp, v.exp_len) = text(b.exp.as_bytes()),
            TaskBody::Period(p) => {
                (v.exp, v.exp_len) = text(p.start_exp.as_bytes());
                (v.stop_exp, v.stop_exp_len) = text(p.stop_exp.as_bytes());
            }
            TaskBody::Cycle(c) => {
                v.interval = c.action_interval;
                v.sleep_interval = c.sleep_interval;
                v.times = c.times;
            }
            TaskBody::Countdown(c) => v.interval = c.interval,
        }
        // SAFETY: forwarded caller contract.
        unsafe { write(out, v) }
    })();
    ret(r)
}

/// Command `cmd_index` of list `list` (0 or 1, see `jl_timer_task_t.cmd_count` /
/// `cmd2_count`) of task `task_index`: `*cmd` / `*cmd_len` = the command's bytes in `body`
/// (what `JL_WAN_EVENT_TIMER_FIRED` gives a machine-driven device).
///
/// Returns `JL_OK`; `JL_ERR_NULL`; `JL_ERR_INVALID_ARGUMENT` (an index or list out of range);
/// the parse errors of `jl_timer_request_parse`. Outputs written only on `JL_OK`.
///
/// # Safety
/// `body` readable for `len` bytes; `cmd` and `cmd_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_timer_task_cmd(
    body: *const u8,
    len: usize,
    task_index: usize,
    list: usize,
    cmd_index: usize,
    cmd: *mut *const u8,
    cmd_len: *mut usize,
) -> c_int {
    let r = (|| -> Status {
        check_struct(cmd)?;
        check_struct(cmd_len)?;
        // SAFETY: forwarded caller contract.
        let t = nth_task(unsafe { bytes(body, len) }?, task_index)?;
        let trank = tranks(&t.body)
            .get(list)
            .copied()
            .flatten()
            .ok_or(JL_ERR_INVALID_ARGUMENT)?;
        let c = trank
            .cmds
            .iter()
            .nth(cmd_index)
            .ok_or(JL_ERR_INVALID_ARGUMENT)?;
        // SAFETY: forwarded caller contract (both checked above).
        unsafe {
            write(cmd, c.0.as_ptr())?;
            write(cmd_len, c.0.len())
        }
    })();
    ret(r)
}

/// Id `index` (from 0 to `id_count - 1`) of a delete / query / stop / restart request.
///
/// Returns `JL_OK`; `JL_ERR_NULL`; `JL_ERR_INVALID_ARGUMENT` (`index` out of range, a request
/// without ids); the parse errors of `jl_timer_request_parse`. `*id` is written only on `JL_OK`.
///
/// # Safety
/// `body` readable for `len` bytes; `id` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_timer_request_id(
    body: *const u8,
    len: usize,
    index: usize,
    id: *mut i32,
) -> c_int {
    let r = (|| -> Status {
        check_struct(id)?;
        // SAFETY: forwarded caller contract.
        let m = request(unsafe { bytes(body, len) }?)?;
        let v = ids(&m)
            .and_then(|i| i.iter().nth(index))
            .ok_or(JL_ERR_INVALID_ARGUMENT)?;
        // SAFETY: forwarded caller contract.
        unsafe { write(id, v) }
    })();
    ret(r)
}

/// Builds the 16-byte `code` answer (`time_task_rsp_t`) to a support query, add or update
/// (`biz_code` the answer's: 190, 191, 192; `serial` the request's; `code` 0 success).
/// Buffer contract in the module docs.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `buf` writable for `cap` bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_timer_code_response_build(
    timestamp: u32,
    biz_code: u32,
    serial: u32,
    code: i32,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        unsafe { write(out_len, 0) }?;
        if cap < JL_TIMER_CODE_RESPONSE_LEN {
            // SAFETY: forwarded caller contract.
            unsafe { write(out_len, JL_TIMER_CODE_RESPONSE_LEN) }?;
            return Err(JL_ERR_BUFFER_TOO_SMALL);
        }
        // SAFETY: forwarded caller contract.
        let out = unsafe { bytes_mut(buf, cap) }?;
        let msg = TaskCodeResponse {
            preamble: ControlHeader {
                timestamp,
                biz_code: BizCode::from(biz_code),
                serial,
            },
            code,
        };
        let mut n = [0u8; JL_TIMER_CODE_RESPONSE_LEN];
        // Through the message codec, so the layout is the one the cloud parses.
        let len = TimerMessage::AddResponse(msg).emit(&mut n)?;
        out.get_mut(..len)
            .ok_or(JL_ERR_BUFFER_TOO_SMALL)?
            .copy_from_slice(n.get(..len).unwrap_or_default());
        // SAFETY: forwarded caller contract.
        unsafe { write(out_len, len) }
    })();
    ret(r)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used)]
    extern crate std;
    use super::*;
    use joylink_wire::wan::timer::{
        BaseTask, Cmd, CountdownTask, ExpText, Label, TaskHead, TaskRequest, TaskSource, TaskState,
    };

    static ON: [Cmd<'static>; 2] = [Cmd(b"power=1"), Cmd(b"light=0")];
    static OFF: [Cmd<'static>; 1] = [Cmd(b"power=0")];

    fn add_request(buf: &mut [u8]) -> usize {
        let head = |id| TaskHead {
            id,
            state: TaskState::Started,
            source: TaskSource::User,
        };
        let tasks = [
            Task {
                version: 0,
                label: Some(Label::new(b"feed", b"")),
                body: TaskBody::Base(BaseTask {
                    head: head(7),
                    exp: ExpText(b"0_30_7_*_*_*_*"),
                    cmds: CmdTrank::new(&ON),
                }),
            },
            Task {
                version: 0,
                label: Some(Label::new(b"feed", b"")),
                body: TaskBody::Countdown(CountdownTask {
                    head: head(8),
                    interval: 60,
                    action_cmds: CmdTrank::new(&ON),
                    stop_cmds: CmdTrank::new(&OFF),
                }),
            },
        ];
        let m = TimerMessage::Add(TaskRequest {
            preamble: ControlHeader {
                timestamp: 5,
                biz_code: BizCode::TimerAdd,
                serial: 9,
            },
            tasks: List::from_slice(&tasks),
        });
        m.emit(buf).unwrap()
    }

    #[test]
    fn a_request_is_read_task_by_task_and_command_by_command() {
        let mut buf = [0u8; 1024];
        let n = add_request(&mut buf);
        let body = &buf[..n];
        let mut req = core::mem::MaybeUninit::<JlTimerRequest>::uninit();
        // SAFETY: valid buffers.
        let rc = unsafe { jl_timer_request_parse(body.as_ptr(), n, req.as_mut_ptr()) };
        assert_eq!(rc, 0);
        // SAFETY: written on JL_OK.
        let req = unsafe { req.assume_init() };
        assert_eq!((req.biz_code, req.serial, req.task_count), (1091, 9, 2));
        let mut t = core::mem::MaybeUninit::<JlTimerTask>::uninit();
        // SAFETY: valid buffers.
        let rc = unsafe { jl_timer_request_task(body.as_ptr(), n, 1, t.as_mut_ptr()) };
        assert_eq!(rc, 0);
        // SAFETY: written on JL_OK.
        let t = unsafe { t.assume_init() };
        assert_eq!(
            (t.mode, t.id, t.interval, t.cmd_count, t.cmd2_count),
            (3, 8, 60, 2, 1)
        );
        let (mut p, mut l) = (core::ptr::null(), 0usize);
        // SAFETY: valid buffers.
        let rc = unsafe { jl_timer_task_cmd(body.as_ptr(), n, 1, 1, 0, &mut p, &mut l) };
        assert_eq!(rc, 0);
        // SAFETY: points into `body`.
        assert_eq!(unsafe { core::slice::from_raw_parts(p, l) }, b"power=0");
        // SAFETY: valid buffers; out-of-range indexes are refused.
        unsafe {
            assert_eq!(
                jl_timer_task_cmd(body.as_ptr(), n, 1, 1, 1, &mut p, &mut l),
                JL_ERR_INVALID_ARGUMENT as c_int
            );
            assert_eq!(
                jl_timer_task_cmd(body.as_ptr(), n, 0, 1, 0, &mut p, &mut l),
                JL_ERR_INVALID_ARGUMENT as c_int
            );
            let mut id = 0;
            assert_eq!(
                jl_timer_request_id(body.as_ptr(), n, 0, &mut id),
                JL_ERR_INVALID_ARGUMENT as c_int
            );
        }
    }

    #[test]
    fn code_response_round_trips_and_reports_its_size() {
        let mut buf = [0u8; 16];
        let mut n = 0usize;
        // SAFETY: valid buffers.
        unsafe {
            assert_eq!(
                jl_timer_code_response_build(1, 191, 9, 0, buf.as_mut_ptr(), 15, &mut n),
                JL_ERR_BUFFER_TOO_SMALL as c_int
            );
            assert_eq!(n, 16);
            assert_eq!(
                jl_timer_code_response_build(1, 191, 9, -1, buf.as_mut_ptr(), 16, &mut n),
                0
            );
        }
        let m = TimerMessage::parse(&buf[..n], Direction::FromDevice).unwrap();
        let TimerMessage::AddResponse(r) = m else {
            panic!("{m:?}")
        };
        assert_eq!((r.preamble.serial, r.code), (9, -1));
    }
}
