//! The crate's one error type.
//!
//! Every parser of the crate returns one of these variants instead of panicking. The enum is
//! `Copy` and carries no heap data, so it is usable in `no_std` firmware. The type-13 codecs are
//! `joylink_wire::wan::timer`'s and report `joylink_wire::Error`.

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
    /// Day of the week, 0 = Sunday … 6 = Saturday (周). // compat: compat §9
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
