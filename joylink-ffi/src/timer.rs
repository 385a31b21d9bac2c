//! `time_exp` (spec chapter 10): `jl_time_exp_parse`, `jl_time_exp_next`, and civil time ↔
//! seconds helpers. The library never reads a clock: the caller passes the time.

use core::ffi::{c_char, c_int};

use joylink_timer::{CivilTime, Strictness, TimeExp};

use crate::ptr::{bytes, read, write};
use crate::status::{
    JL_ERR_BAD_TIME, JL_ERR_INVALID_ARGUMENT, JL_ERR_NO_NEXT_TIME, JlStatus, Status, ret,
};

/// `jl_time_exp_*` flag: accept empty fields between `_` (the spec's own example 3 prints
/// `0_1_22__11,15_*_*_*`). Without it the expression must have exactly seven fields.
pub const JL_TIME_EXP_LENIENT: u32 = 1;

/// A civil date and time (the device's local time, which the caller chooses), 1970-01-01
/// 00:00:00 to 9999-12-31 23:59:59.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JlCivilTime {
    /// 1970–9999.
    pub year: u16,
    /// 1–12.
    pub month: u8,
    /// 1–31 (up to the month's length).
    pub day: u8,
    /// 0–23.
    pub hour: u8,
    /// 0–59.
    pub minute: u8,
    /// 0–59.
    pub second: u8,
}

impl JlCivilTime {
    fn to_civil(self) -> Status<CivilTime> {
        CivilTime::new(
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
        )
        .map_err(|_| JL_ERR_BAD_TIME)
    }
}

impl From<CivilTime> for JlCivilTime {
    fn from(t: CivilTime) -> Self {
        JlCivilTime {
            year: t.year(),
            month: t.month(),
            day: t.day(),
            hour: t.hour(),
            minute: t.minute(),
            second: t.second(),
        }
    }
}

/// # Safety
/// `exp` readable for `exp_len` bytes.
unsafe fn parse(exp: *const c_char, exp_len: usize, flags: u32) -> Status<TimeExp> {
    let strictness = match flags {
        0 => Strictness::Strict,
        JL_TIME_EXP_LENIENT => Strictness::Lenient,
        _ => return Err(JL_ERR_INVALID_ARGUMENT),
    };
    // SAFETY: forwarded caller contract; c_char and u8 have the same layout.
    let text = unsafe { bytes(exp.cast::<u8>(), exp_len) }?;
    TimeExp::parse_bytes_with(text, strictness).map_err(JlStatus::from)
}

/// Checks that `exp_len` bytes at `exp` are a valid `time_exp` (`"sec_min_hour_day_month_week_year"`,
/// spec chapter 10; no NUL terminator is needed or counted).
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT` (unknown flag), `JL_ERR_TIME_EXP`.
///
/// # Safety
/// `exp` readable for `exp_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_time_exp_parse(
    exp: *const c_char,
    exp_len: usize,
    flags: u32,
) -> c_int {
    // SAFETY: forwarded caller contract.
    ret(unsafe { parse(exp, exp_len, flags) }.map(|_| ()))
}

/// The first time strictly after `*after` at which the `time_exp` fires, into `*next`.
///
/// `*anchor` is the task's creation time: `/N` intervals count from it and such expressions fire
/// only after it (ignored by expressions without `/N`; see joylink-timer's `schedule` docs for the
/// full reading, e.g. day-of-month AND day-of-week). The cost does not depend on how far away
/// the firing is.
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_TIME_EXP`,
/// `JL_ERR_BAD_TIME` (an invalid `after`/`anchor`), `JL_ERR_NO_NEXT_TIME` (never fires again;
/// `*next` is then zeroed).
///
/// # Safety
/// `exp` readable for `exp_len` bytes; `after`, `anchor` readable; `next` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_time_exp_next(
    exp: *const c_char,
    exp_len: usize,
    flags: u32,
    after: *const JlCivilTime,
    anchor: *const JlCivilTime,
    next: *mut JlCivilTime,
) -> c_int {
    let r = (|| -> Status {
        // SAFETY: forwarded caller contract.
        unsafe { write(next, JlCivilTime::default()) }?;
        // SAFETY: forwarded caller contract.
        let e = unsafe { parse(exp, exp_len, flags) }?;
        // SAFETY: forwarded caller contract.
        let (t, a) = unsafe { (read(after)?, read(anchor)?) };
        let found = e
            .next_after(t.to_civil()?, a.to_civil()?)
            .ok_or(JL_ERR_NO_NEXT_TIME)?;
        // SAFETY: forwarded caller contract.
        unsafe { write(next, found.into()) }
    })();
    ret(r)
}

/// Converts seconds since 1970-01-01 00:00:00 into a civil time (no time zone is applied: add
/// your zone's offset first, e.g. +8 h for China).
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_BAD_TIME` (outside
/// 1970–9999).
///
/// # Safety
/// `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_civil_from_seconds(seconds: i64, out: *mut JlCivilTime) -> c_int {
    let r = (|| -> Status {
        crate::ptr::check_struct(out)?;
        let t = CivilTime::from_seconds_since_epoch(seconds).ok_or(JL_ERR_BAD_TIME)?;
        // SAFETY: forwarded caller contract.
        unsafe { write(out, t.into()) }
    })();
    ret(r)
}

/// Converts a civil time into seconds since 1970-01-01 00:00:00 (the inverse of
/// `jl_civil_from_seconds`).
///
/// Returns `JL_OK`, `JL_ERR_NULL`, `JL_ERR_INVALID_ARGUMENT`, `JL_ERR_BAD_TIME`.
///
/// # Safety
/// `t` readable; `seconds` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn jl_civil_to_seconds(t: *const JlCivilTime, seconds: *mut i64) -> c_int {
    let r = (|| -> Status {
        crate::ptr::check_struct(seconds)?;
        // SAFETY: forwarded caller contract.
        let c = unsafe { read(t) }?.to_civil()?;
        // SAFETY: forwarded caller contract.
        unsafe { write(seconds, c.seconds_since_epoch()) }
    })();
    ret(r)
}
