//! The crate's one error type.
//!
//! Every parser and decoder of the crate returns one of these variants instead of panicking; every
//! encoder returns [`Error::BufferTooSmall`] before writing anything when the caller's buffer is
//! short. The enum is `Copy` and carries no heap data, so it is usable in `no_std` firmware.

use core::fmt;

/// The seven fields of a `time_exp` expression, in their textual order (spec 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExpField {
    /// Seconds, 0–59 (秒).
    Second,
    /// Minutes, 0–59 (分).
    Minute,
    /// Hours, 0–23 (时).
    Hour,
    /// Day of the month, 1–31 (日).
    Day,
    /// Month, 1–12 (月).
    Month,
    /// Day of the week, 0 = Sunday … 6 = Saturday (周). // compat: NOTES.md §9
    Week,
    /// Year, 1970–9999 (年).
    Year,
}

impl ExpField {
    /// All fields in textual order.
    pub const ALL: [ExpField; 7] = [
        ExpField::Second,
        ExpField::Minute,
        ExpField::Hour,
        ExpField::Day,
        ExpField::Month,
        ExpField::Week,
        ExpField::Year,
    ];

    /// The field's short English name, as used in error messages (`"sec"`, `"min"`, …).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            ExpField::Second => "sec",
            ExpField::Minute => "min",
            ExpField::Hour => "hour",
            ExpField::Day => "day",
            ExpField::Month => "month",
            ExpField::Week => "week",
            ExpField::Year => "year",
        }
    }
}

impl fmt::Display for ExpField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why one field of a `time_exp` expression was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpReason {
    /// The field is empty (two adjacent `_`, or a leading/trailing `_`) and the parser is strict.
    EmptyField,
    /// A comma list has an empty item (`1,,2`, `,1`, `1,`).
    EmptyItem,
    /// An item is not a decimal number (`a`, `-1`, `*` inside a list, `/` without a number).
    NotANumber,
    /// A value outside the field's range (sec 0–59, min 0–59, hour 0–23, day 1–31, month 1–12,
    /// week 0–6, year 1970–9999). Values too large for `u32` are reported as `u32::MAX`.
    OutOfRange {
        /// The value written.
        value: u32,
        /// Smallest allowed value.
        min: u32,
        /// Largest allowed value.
        max: u32,
    },
    /// `/0`: an interval of zero units.
    StepZero,
    /// `/N` with `N` larger than the field's step limit (see [`crate::TimeExp`]).
    StepTooLarge {
        /// The step written.
        step: u32,
        /// Largest allowed step.
        max: u32,
    },
    /// More distinct years than [`crate::MAX_YEARS`] in the year list.
    TooManyYears,
}

impl fmt::Display for ExpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpReason::EmptyField => f.write_str("empty field"),
            ExpReason::EmptyItem => f.write_str("empty list item"),
            ExpReason::NotANumber => f.write_str("not a decimal number"),
            ExpReason::OutOfRange { value, min, max } => {
                write!(f, "value {value} out of range {min}..={max}")
            }
            ExpReason::StepZero => f.write_str("step /0"),
            ExpReason::StepTooLarge { step, max } => write!(f, "step /{step} larger than /{max}"),
            ExpReason::TooManyYears => write!(f, "more than {} years", crate::MAX_YEARS),
        }
    }
}

/// Everything that can go wrong in this crate.
///
/// `#[non_exhaustive]`: later spec revisions may add variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error of the wire layer (header, codes).
    #[error("wire: {0}")]
    Wire(#[from] joylink_wire::Error),
    /// The caller's output buffer is shorter than what the encoder must write; nothing was written.
    #[error("output buffer too small: {needed} bytes needed, {available} available")]
    BufferTooSmall {
        /// Bytes the encoder needs.
        needed: usize,
        /// Bytes the caller's buffer holds.
        available: usize,
    },
    /// The input ends before the format says it should.
    #[error("input truncated: {needed} bytes needed, {available} available")]
    Truncated {
        /// Bytes the format requires at this point.
        needed: usize,
        /// Bytes actually present.
        available: usize,
    },
    /// Bytes left over after a complete structure (`what` names it), where the format allows none.
    #[error("{len} trailing bytes after {what}")]
    TrailingData {
        /// The structure that ended early.
        what: &'static str,
        /// How many bytes were left.
        len: usize,
    },
    /// A length or count field holds a value the format cannot have (negative, or not matching
    /// the bytes it describes).
    #[error("{field} has invalid value {value}")]
    BadLength {
        /// The field concerned (`"cmd_t.len"`, `"task_num"`, …).
        field: &'static str,
        /// The value read.
        value: i64,
    },
    /// A variable part is longer than its length field can express.
    #[error("{field} too long: {len} bytes, at most {max}")]
    TooLong {
        /// The field concerned.
        field: &'static str,
        /// Its length.
        len: usize,
        /// The largest length allowed.
        max: usize,
    },
    /// A fixed-size text field (`feedid[32]`, `name[128]`) given to an encoder contains a NUL
    /// byte, which the receiver would read as the end of the text.
    #[error("{field} contains a NUL byte")]
    NulInText {
        /// The field concerned.
        field: &'static str,
    },
    /// A fixed-size text field is not UTF-8 (only returned by the `to_str` accessors; decoding
    /// itself accepts any bytes).
    #[error("{field} is not UTF-8")]
    NotUtf8 {
        /// The field concerned.
        field: &'static str,
    },
    /// `task_t.mode` is not 0–3 (spec 10): the union's layout is unknown, so the rest of the list
    /// cannot be read.
    #[error("unknown task mode {0}")]
    UnknownTaskMode(i32),
    /// A full (`task_t`) list was given a simplified task or the other way round.
    #[error("task form mismatch: expected the {expected} form")]
    TaskForm {
        /// `"full"` or `"simplified"`.
        expected: &'static str,
    },
    /// The payload's `biz_code` is not a timer code (spec 10).
    #[error("biz_code {0} is not a timer code")]
    NotTimer(u32),
    /// A `time_exp` has the wrong number of `_`-separated fields (7 are required).
    #[error("time_exp has {found} fields, 7 required")]
    FieldCount {
        /// Fields found.
        found: usize,
    },
    /// A `time_exp` contains a byte that is not ASCII (`position` is its byte offset).
    #[error("time_exp has a non-ASCII byte at {position}")]
    NonAscii {
        /// Byte offset of the first non-ASCII byte.
        position: usize,
    },
    /// One field of a `time_exp` is invalid.
    #[error("time_exp field {field}: {reason}")]
    Exp {
        /// The field.
        field: ExpField,
        /// Why.
        reason: ExpReason,
    },
    /// A civil date-time is not valid (month 13, 31 April, year before 1970 or after 9999…).
    #[error("invalid civil time: {field} = {value}")]
    InvalidCivil {
        /// The component concerned (`"year"`, `"month"`, …).
        field: &'static str,
        /// The value given.
        value: u32,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
