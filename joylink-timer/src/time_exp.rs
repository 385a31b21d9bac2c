//! The `time_exp` expression of spec 10: `sec_min_hour_day_month_week_year`.
//!
//! No shipped SDK parses it (compat §9), so this module defines the reference reading:
//!
//! * exactly seven `_`-separated fields, in the order second, minute, hour, day of month, month,
//!   day of week, year;
//! * each field is `*` (any value), a decimal value, a comma list of values (`1,3,5`), or `/N`
//!   (every `N` units, counted from the task's creation time; see [`crate::schedule`]);
//! * ranges: sec 0–59, min 0–59, hour 0–23, day 1–31, month 1–12, week 0–6 with **0 = Sunday**
//!   (spec example 2 writes Mon/Wed/Fri as `1,3,5`; compat §9), year 1970–9999;
//! * `/N` limits: sec ≤ 60, min ≤ 60, hour ≤ 24, day ≤ 31, month ≤ 12, week ≤ 52, year ≤ 400;
//! * the text is ASCII; numbers are plain digits (leading zeros accepted, written without).
//!
//! The spec's example 3, `0_1_22__11,15_*_*_*`, has a doubled `_` (eight fields). The default
//! [`Strictness::Strict`] rejects it with [`Error::FieldCount`]; [`Strictness::Lenient`]
//! collapses runs of `_` (and ignores leading/trailing ones), which yields the intended
//! `0_1_22_11,15_*_*_*` ("the 11th and 15th of every month at 22:01:00").
//!
//! [`TimeExp`]'s `Display` writes the canonical text: lists ascending without duplicates,
//! numbers without leading zeros. Parsing canonical text and displaying it gives it back.
//!
//! With the `serde` feature, [`TimeExp`], [`FieldSpec`], [`YearSpec`] and [`YearSet`] serialize
//! as their canonical text and deserialize through their parsers (`FromStr`), so a deserialized
//! value is always one the parser could have produced: a document cannot smuggle in a `/0` step
//! (which would divide by zero in [`TimeExp::next_after`]), a second 60 or an unsorted year list.
//! [`ValueSet`] is a plain bit mask (every `u64` is a valid set) and serializes as that number.

use core::fmt;
use core::num::NonZeroU16;
use core::str::FromStr;

use crate::error::{Error, ExpField, ExpReason, Result};

/// Most distinct years a year list may hold (the expression is stored without allocation).
pub const MAX_YEARS: usize = 8;

/// How [`TimeExp::parse_with`] treats empty fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strictness {
    /// Every `_` separates two fields; an empty field is an error. The default.
    #[default]
    Strict,
    /// Runs of `_` count as one separator and leading/trailing `_` are ignored, so the spec's
    /// example 3 `0_1_22__11,15_*_*_*` reads as `0_1_22_11,15_*_*_*`. // compat: compat §9
    Lenient,
}

/// A set of small values (0–63) as a bit mask: bit `v` set means value `v` is in the set.
///
/// Every mask is a valid set, so (feature `serde`) it serializes as the bare `u64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct ValueSet(u64);

impl ValueSet {
    /// The set holding exactly `v` (`v` < 64, larger values give the empty set).
    #[must_use]
    pub const fn single(v: u8) -> ValueSet {
        ValueSet(match 1u64.checked_shl(v as u32) {
            Some(b) => b,
            None => 0,
        })
    }

    /// The raw mask.
    #[must_use]
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// `true` if `v` is in the set.
    #[must_use]
    pub const fn contains(self, v: u8) -> bool {
        match self.0.checked_shr(v as u32) {
            Some(x) => x & 1 == 1,
            None => false,
        }
    }

    /// The smallest value `≥ from` in the set.
    #[must_use]
    pub const fn first_from(self, from: u8) -> Option<u8> {
        let rest = match self.0.checked_shr(from as u32) {
            Some(x) => x,
            None => 0,
        };
        if rest == 0 {
            None
        } else {
            // trailing_zeros < 64 and from + it is a set bit index < 64.
            #[expect(
                clippy::cast_possible_truncation,
                reason = "trailing_zeros of a non-zero u64 is < 64"
            )]
            let skip = rest.trailing_zeros() as u8;
            Some(from.wrapping_add(skip))
        }
    }

    /// The values in ascending order.
    pub fn iter(self) -> impl Iterator<Item = u8> {
        (0u8..64).filter(move |v| self.contains(*v))
    }

    const fn insert(&mut self, v: u8) {
        self.0 |= ValueSet::single(v).0;
    }
}

/// One of the first six fields (second … week).
///
/// Its text form (`Display`, `FromStr`, and serde with the `serde` feature) is the field's text in
/// a `time_exp`: `*`, `1,3,5` or `/2`. On its own a field does not know which field it is, so
/// `FromStr` checks only what holds for every field (values 0–63, a non-empty list, `/N` with
/// `N ≥ 1`); [`TimeExp::parse`] checks each field's own range.
///
/// # Examples
/// ```
/// use core::num::NonZeroU16;
/// use joylink_timer::{ExpReason, FieldSpec};
/// let every2: FieldSpec = "/2".parse()?;
/// assert_eq!(every2, FieldSpec::Every(NonZeroU16::new(2).unwrap()));
/// assert_eq!("/0".parse::<FieldSpec>(), Err(ExpReason::StepZero));
/// assert_eq!("3,1".parse::<FieldSpec>()?.to_string(), "1,3");
/// # Ok::<(), ExpReason>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldSpec {
    /// `*`: any value.
    Any,
    /// A value or comma list (never empty when parsed).
    Values(ValueSet),
    /// `/N`: every `N` units from the anchor. A step of 0 cannot be built.
    Every(NonZeroU16),
}

/// The distinct years of a year list, ascending (at most [`MAX_YEARS`], each 1970–9999, at
/// least one).
///
/// Its text form (`Display`, `FromStr`, serde) is the comma list: `2025,2030`.
///
/// # Examples
/// ```
/// use joylink_timer::{ExpReason, YearSet};
/// let set: YearSet = "2030,2025,2030".parse()?;
/// assert_eq!(set.as_slice(), [2025, 2030]);
/// assert_eq!(set.to_string(), "2025,2030");
/// assert!("1969".parse::<YearSet>().is_err());
/// # Ok::<(), ExpReason>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct YearSet {
    years: [u16; MAX_YEARS],
    len: u8,
}

impl YearSet {
    /// The years, ascending.
    #[must_use]
    pub fn as_slice(&self) -> &[u16] {
        self.years.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// The smallest listed year `≥ from`.
    #[must_use]
    pub fn first_from(&self, from: u16) -> Option<u16> {
        self.as_slice().iter().copied().find(|y| *y >= from)
    }

    fn insert(&mut self, y: u16) -> core::result::Result<(), ExpReason> {
        let len = usize::from(self.len);
        let slice = self.years.get_mut(..len).ok_or(ExpReason::TooManyYears)?;
        match slice.binary_search(&y) {
            Ok(_) => Ok(()),
            Err(pos) => {
                if len >= MAX_YEARS {
                    return Err(ExpReason::TooManyYears);
                }
                // Shift the tail right by one (len < MAX_YEARS, so index len exists).
                self.years.copy_within(pos..len, pos.saturating_add(1));
                if let Some(slot) = self.years.get_mut(pos) {
                    *slot = y;
                }
                self.len = self.len.saturating_add(1);
                Ok(())
            }
        }
    }
}

/// The year field.
///
/// Its text form (`Display`, `FromStr`, serde) is the field's text in a `time_exp`: `*`,
/// `2025,2030` or `/2` (`N` ≤ 400).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum YearSpec {
    /// `*`: any year.
    Any,
    /// A year or a comma list of years.
    Values(YearSet),
    /// `/N`: every `N` years from the anchor's year. A step of 0 cannot be built.
    Every(NonZeroU16),
}

/// A parsed `time_exp` (spec 10).
///
/// Built only by the parsers, so every field is in range and every `/N` has `N ≥ 1`. With the
/// `serde` feature it serializes as its canonical text and deserializes through
/// [`TimeExp::parse`] (strict), so a deserialized expression is as valid as a parsed one.
///
/// # Examples
/// ```
/// use joylink_timer::{CivilTime, TimeExp};
/// // Spec 10, example 2: Mondays, Wednesdays and Fridays at 22:01:00.
/// let exp: TimeExp = "0_1_22_*_*_1,3,5_*".parse()?;
/// let now = CivilTime::new(2024, 1, 2, 12, 0, 0)?; // a Tuesday
/// let next = exp.next_after(now, now).unwrap();
/// assert_eq!(next, CivilTime::new(2024, 1, 3, 22, 1, 0)?); // Wednesday
/// assert_eq!(exp.to_string(), "0_1_22_*_*_1,3,5_*");
/// # Ok::<(), joylink_timer::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeExp {
    fields: [FieldSpec; 6],
    year: YearSpec,
}

/// `(min, max, max_step)` for each of the six small fields.
const LIMITS: [(u8, u8, u16); 6] = [
    (0, 59, 60),
    (0, 59, 60),
    (0, 23, 24),
    (1, 31, 31),
    (1, 12, 12),
    (0, 6, 52),
];
const YEAR_MIN: u16 = crate::civil::MIN_YEAR;
const YEAR_MAX: u16 = crate::civil::MAX_YEAR;
const YEAR_MAX_STEP: u16 = 400;

/// Reads a run of ASCII digits; values above `u32::MAX` saturate.
fn number(s: &str) -> core::result::Result<u32, ExpReason> {
    if s.is_empty() {
        return Err(ExpReason::NotANumber);
    }
    let mut v: u32 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return Err(ExpReason::NotANumber);
        }
        v = v
            .saturating_mul(10)
            .saturating_add(u32::from(b.wrapping_sub(b'0')));
    }
    Ok(v)
}

fn step(s: &str, max: u16) -> core::result::Result<NonZeroU16, ExpReason> {
    let n = number(s)?;
    let step = u16::try_from(n)
        .ok()
        .filter(|n| *n <= max)
        .ok_or(ExpReason::StepTooLarge {
            step: n,
            max: u32::from(max),
        })?;
    NonZeroU16::new(step).ok_or(ExpReason::StepZero)
}

fn in_range(v: u32, min: u32, max: u32) -> core::result::Result<u32, ExpReason> {
    if (min..=max).contains(&v) {
        Ok(v)
    } else {
        Err(ExpReason::OutOfRange { value: v, min, max })
    }
}

fn parse_small(
    s: &str,
    (min, max, max_step): (u8, u8, u16),
) -> core::result::Result<FieldSpec, ExpReason> {
    if s.is_empty() {
        return Err(ExpReason::EmptyField);
    }
    if s == "*" {
        return Ok(FieldSpec::Any);
    }
    if let Some(n) = s.strip_prefix('/') {
        return step(n, max_step).map(FieldSpec::Every);
    }
    let mut set = ValueSet::default();
    for item in s.split(',') {
        if item.is_empty() {
            return Err(ExpReason::EmptyItem);
        }
        let v = in_range(number(item)?, u32::from(min), u32::from(max))?;
        // v ≤ max ≤ 59 fits in u8.
        set.insert(u8::try_from(v).unwrap_or(u8::MAX));
    }
    Ok(FieldSpec::Values(set))
}

fn parse_year(s: &str) -> core::result::Result<YearSpec, ExpReason> {
    if s.is_empty() {
        return Err(ExpReason::EmptyField);
    }
    if s == "*" {
        return Ok(YearSpec::Any);
    }
    if let Some(n) = s.strip_prefix('/') {
        return step(n, YEAR_MAX_STEP).map(YearSpec::Every);
    }
    parse_year_list(s).map(YearSpec::Values)
}

fn parse_year_list(s: &str) -> core::result::Result<YearSet, ExpReason> {
    if s.is_empty() {
        return Err(ExpReason::EmptyField);
    }
    let mut set = YearSet {
        years: [0; MAX_YEARS],
        len: 0,
    };
    for item in s.split(',') {
        if item.is_empty() {
            return Err(ExpReason::EmptyItem);
        }
        let v = in_range(number(item)?, u32::from(YEAR_MIN), u32::from(YEAR_MAX))?;
        set.insert(u16::try_from(v).unwrap_or(u16::MAX))?;
    }
    Ok(set)
}

/// What every small field allows when the field is not known: the bit mask's 0–63 and any
/// non-zero `u16` step.
const ANY_FIELD: (u8, u8, u16) = (0, 63, u16::MAX);

impl FromStr for FieldSpec {
    type Err = ExpReason;
    /// Parses one field's text with the limits common to every field (see [`FieldSpec`]).
    fn from_str(s: &str) -> core::result::Result<FieldSpec, ExpReason> {
        parse_small(s, ANY_FIELD)
    }
}

impl FromStr for YearSpec {
    type Err = ExpReason;
    /// Parses the year field's text (`*`, a list of years 1970–9999, `/N` with `N` 1–400).
    fn from_str(s: &str) -> core::result::Result<YearSpec, ExpReason> {
        parse_year(s)
    }
}

impl FromStr for YearSet {
    type Err = ExpReason;
    /// Parses a comma list of 1 to [`MAX_YEARS`] distinct years, 1970–9999 (duplicates are
    /// merged, the order is free).
    fn from_str(s: &str) -> core::result::Result<YearSet, ExpReason> {
        parse_year_list(s)
    }
}

impl TimeExp {
    /// Every second (`*_*_*_*_*_*_*`).
    pub const EVERY_SECOND: TimeExp = TimeExp {
        fields: [FieldSpec::Any; 6],
        year: YearSpec::Any,
    };

    /// Parses strictly ([`Strictness::Strict`]).
    ///
    /// # Errors
    /// [`Error::NonAscii`], [`Error::FieldCount`], or [`Error::Exp`] naming the field and the
    /// reason ([`ExpReason`]).
    pub fn parse(s: &str) -> Result<TimeExp> {
        TimeExp::parse_with(s, Strictness::Strict)
    }

    /// Parses the bytes of a `time_exp_t` (strict). Same errors as [`TimeExp::parse`].
    ///
    /// # Errors
    /// As [`TimeExp::parse`]; non-UTF-8 input is reported as [`Error::NonAscii`].
    pub fn parse_bytes(b: &[u8]) -> Result<TimeExp> {
        TimeExp::parse_bytes_with(b, Strictness::Strict)
    }

    /// [`TimeExp::parse_bytes`] with a chosen [`Strictness`].
    ///
    /// # Errors
    /// As [`TimeExp::parse_with`].
    pub fn parse_bytes_with(b: &[u8], strictness: Strictness) -> Result<TimeExp> {
        if let Some(position) = b.iter().position(|c| !c.is_ascii()) {
            return Err(Error::NonAscii { position });
        }
        // All bytes are ASCII, so this cannot fail; map defensively anyway.
        let s = core::str::from_utf8(b).map_err(|e| Error::NonAscii {
            position: e.valid_up_to(),
        })?;
        TimeExp::parse_with(s, strictness)
    }

    /// Parses with the given [`Strictness`].
    ///
    /// # Errors
    /// [`Error::NonAscii`] for any non-ASCII character, [`Error::FieldCount`] unless there are
    /// seven fields, then [`Error::Exp`] for the first invalid field.
    ///
    /// # Examples
    /// ```
    /// use joylink_timer::{Error, ExpField, ExpReason, Strictness, TimeExp};
    /// // Spec 10, example 3, as printed (doubled `_`).
    /// let printed = "0_1_22__11,15_*_*_*";
    /// assert_eq!(TimeExp::parse(printed), Err(Error::FieldCount { found: 8 }));
    /// let lenient = TimeExp::parse_with(printed, Strictness::Lenient)?;
    /// assert_eq!(lenient.to_string(), "0_1_22_11,15_*_*_*");
    /// assert_eq!(
    ///     TimeExp::parse("0_1_24_*_*_*_*"),
    ///     Err(Error::Exp {
    ///         field: ExpField::Hour,
    ///         reason: ExpReason::OutOfRange { value: 24, min: 0, max: 23 },
    ///     })
    /// );
    /// # Ok::<(), Error>(())
    /// ```
    pub fn parse_with(s: &str, strictness: Strictness) -> Result<TimeExp> {
        if let Some(position) = s.bytes().position(|c| !c.is_ascii()) {
            return Err(Error::NonAscii { position });
        }
        let keep = |f: &&str| strictness == Strictness::Strict || !f.is_empty();
        let found = s.split('_').filter(keep).count();
        if found != 7 {
            return Err(Error::FieldCount { found });
        }
        let mut parts = s.split('_').filter(keep);
        let mut fields = [FieldSpec::Any; 6];
        for ((slot, limits), field) in fields.iter_mut().zip(LIMITS).zip(ExpField::ALL) {
            let text = parts.next().unwrap_or("");
            *slot = parse_small(text, limits).map_err(|reason| Error::Exp { field, reason })?;
        }
        let year = parse_year(parts.next().unwrap_or("")).map_err(|reason| Error::Exp {
            field: ExpField::Year,
            reason,
        })?;
        Ok(TimeExp { fields, year })
    }

    /// The spec of one of the first six fields; `None` for [`ExpField::Year`] (see
    /// [`TimeExp::year`]).
    #[must_use]
    pub fn field(&self, field: ExpField) -> Option<FieldSpec> {
        let i = match field {
            ExpField::Second => 0,
            ExpField::Minute => 1,
            ExpField::Hour => 2,
            ExpField::Day => 3,
            ExpField::Month => 4,
            ExpField::Week => 5,
            ExpField::Year => return None,
        };
        self.fields.get(i).copied()
    }

    /// The second field.
    #[must_use]
    pub const fn second(&self) -> FieldSpec {
        self.fields[0]
    }
    /// The minute field.
    #[must_use]
    pub const fn minute(&self) -> FieldSpec {
        self.fields[1]
    }
    /// The hour field.
    #[must_use]
    pub const fn hour(&self) -> FieldSpec {
        self.fields[2]
    }
    /// The day-of-month field.
    #[must_use]
    pub const fn day(&self) -> FieldSpec {
        self.fields[3]
    }
    /// The month field.
    #[must_use]
    pub const fn month(&self) -> FieldSpec {
        self.fields[4]
    }
    /// The day-of-week field (0 = Sunday).
    #[must_use]
    pub const fn week(&self) -> FieldSpec {
        self.fields[5]
    }
    /// The year field.
    #[must_use]
    pub const fn year(&self) -> YearSpec {
        self.year
    }

    /// `true` if some field is a `/N` interval (then the anchor matters, see
    /// [`crate::schedule`]).
    #[must_use]
    pub fn has_interval(&self) -> bool {
        matches!(self.year, YearSpec::Every(_))
            || self.fields.iter().any(|f| matches!(f, FieldSpec::Every(_)))
    }
}

impl core::str::FromStr for TimeExp {
    type Err = Error;
    fn from_str(s: &str) -> Result<TimeExp> {
        TimeExp::parse(s)
    }
}

fn write_list<I: Iterator<Item = u32>>(f: &mut fmt::Formatter<'_>, items: I) -> fmt::Result {
    for (i, v) in items.enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        write!(f, "{v}")?;
    }
    Ok(())
}

impl fmt::Display for FieldSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldSpec::Any => f.write_str("*"),
            FieldSpec::Every(n) => write!(f, "/{n}"),
            FieldSpec::Values(set) => write_list(f, set.iter().map(u32::from)),
        }
    }
}

impl fmt::Display for YearSet {
    /// The comma list, ascending.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_list(f, self.as_slice().iter().map(|y| u32::from(*y)))
    }
}

impl fmt::Display for YearSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            YearSpec::Any => f.write_str("*"),
            YearSpec::Every(n) => write!(f, "/{n}"),
            YearSpec::Values(set) => write!(f, "{set}"),
        }
    }
}

impl fmt::Display for TimeExp {
    /// The canonical text (`sec_min_hour_day_month_week_year`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for field in &self.fields {
            write!(f, "{field}_")?;
        }
        write!(f, "{}", self.year)
    }
}

/// serde as text: `Serialize` writes `Display`, `Deserialize` reads a string through `FromStr`
/// (the validating parser), so no invalid value can be deserialized.
#[cfg(feature = "serde")]
mod text_serde {
    use core::fmt;
    use core::marker::PhantomData;
    use core::str::FromStr;

    use serde::de::{self, Deserializer, Visitor};
    use serde::ser::Serializer;

    use super::{FieldSpec, TimeExp, YearSet, YearSpec};

    struct TextVisitor<T>(PhantomData<T>, &'static str);

    impl<T> Visitor<'_> for TextVisitor<T>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.1)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            v.parse().map_err(E::custom)
        }
    }

    macro_rules! text_serde {
        ($($ty:ty => $expecting:literal),+ $(,)?) => {$(
            impl serde::Serialize for $ty {
                fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.collect_str(self)
                }
            }
            impl<'de> serde::Deserialize<'de> for $ty {
                fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    d.deserialize_str(TextVisitor(PhantomData, $expecting))
                }
            }
        )+};
    }

    text_serde! {
        TimeExp => "a time_exp text such as \"0_1_22_*_*_1,3,5_*\"",
        FieldSpec => "a time_exp field text such as \"*\", \"1,3,5\" or \"/2\"",
        YearSpec => "a time_exp year text such as \"*\", \"2025,2030\" or \"/2\"",
        YearSet => "a comma list of years such as \"2025,2030\"",
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;

    use super::*;

    fn exp_err(s: &str) -> (ExpField, ExpReason) {
        match TimeExp::parse(s) {
            Err(Error::Exp { field, reason }) => (field, reason),
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn spec_examples_parse() {
        for s in [
            "0_1_22_26_2_*_2015",
            "0_1_22_*_*_1,3,5_*",
            "0_1_22_11,15_*_*_*",
            "0_1_22_*_*_*_*",
            "/2_*_*_*_*_*_*",
            "*_/2_*_*_*_*_*",
            "*_*_/2_*_*_*_*",
            "*_*_*_/2_*_*_*",
            "*_*_*_*_*_*_/2",
        ] {
            let e = TimeExp::parse(s).unwrap();
            assert_eq!(e.to_string(), s);
        }
    }

    #[test]
    fn example_3_strict_and_lenient() {
        let s = "0_1_22__11,15_*_*_*";
        assert_eq!(TimeExp::parse(s), Err(Error::FieldCount { found: 8 }));
        let e = TimeExp::parse_with(s, Strictness::Lenient).unwrap();
        assert_eq!(e.day(), FieldSpec::Values(ValueSet((1 << 11) | (1 << 15))));
        assert_eq!(e.month(), FieldSpec::Any);
        // Lenient also ignores leading/trailing separators; strict reports them as empty.
        assert!(TimeExp::parse_with("_0_1_22_11_*_*_*_", Strictness::Lenient).is_ok());
        assert_eq!(
            exp_err("_1_22_11_*_*_*"),
            (ExpField::Second, ExpReason::EmptyField)
        );
    }

    #[test]
    fn each_error_names_field_and_reason() {
        use ExpReason::*;
        let oor = |value, min, max| OutOfRange { value, min, max };
        assert_eq!(
            exp_err("60_*_*_*_*_*_*"),
            (ExpField::Second, oor(60, 0, 59))
        );
        assert_eq!(
            exp_err("*_60_*_*_*_*_*"),
            (ExpField::Minute, oor(60, 0, 59))
        );
        assert_eq!(exp_err("*_*_24_*_*_*_*"), (ExpField::Hour, oor(24, 0, 23)));
        assert_eq!(exp_err("*_*_*_0_*_*_*"), (ExpField::Day, oor(0, 1, 31)));
        assert_eq!(exp_err("*_*_*_32_*_*_*"), (ExpField::Day, oor(32, 1, 31)));
        assert_eq!(exp_err("*_*_*_*_13_*_*"), (ExpField::Month, oor(13, 1, 12)));
        assert_eq!(exp_err("*_*_*_*_*_7_*"), (ExpField::Week, oor(7, 0, 6)));
        assert_eq!(
            exp_err("*_*_*_*_*_*_1969"),
            (ExpField::Year, oor(1969, 1970, 9999))
        );
        assert_eq!(
            exp_err("*_*_*_*_*_*_99999999999"),
            (ExpField::Year, oor(u32::MAX, 1970, 9999))
        );
        assert_eq!(exp_err("/0_*_*_*_*_*_*"), (ExpField::Second, StepZero));
        assert_eq!(
            exp_err("*_*_/25_*_*_*_*"),
            (ExpField::Hour, StepTooLarge { step: 25, max: 24 })
        );
        assert_eq!(exp_err("*_1,,2_*_*_*_*_*"), (ExpField::Minute, EmptyItem));
        assert_eq!(exp_err("*_*_*_1,_*_*_*"), (ExpField::Day, EmptyItem));
        assert_eq!(exp_err("*_*_*_*_a_*_*"), (ExpField::Month, NotANumber));
        assert_eq!(exp_err("*_*_*_*_*_-1_*"), (ExpField::Week, NotANumber));
        assert_eq!(exp_err("*_*_*_*_*_/_*"), (ExpField::Week, NotANumber));
        assert_eq!(exp_err("*_*_*_*_*_1,*_*"), (ExpField::Week, NotANumber));
        assert_eq!(exp_err("*_*__*_*_*_*"), (ExpField::Hour, EmptyField));
        assert_eq!(
            exp_err("*_*_*_*_*_*_2001,2002,2003,2004,2005,2006,2007,2008,2009"),
            (ExpField::Year, TooManyYears)
        );
        assert_eq!(
            TimeExp::parse("*_*_*_*_*_*"),
            Err(Error::FieldCount { found: 6 })
        );
        assert_eq!(TimeExp::parse(""), Err(Error::FieldCount { found: 1 }));
        assert_eq!(
            TimeExp::parse("*_*_*_*_*_*_*_*"),
            Err(Error::FieldCount { found: 8 })
        );
        assert_eq!(
            TimeExp::parse("*_*_*_*_*_*_é"),
            Err(Error::NonAscii { position: 12 })
        );
        assert_eq!(
            TimeExp::parse_bytes(b"*_*_*_*_*_*_\xff"),
            Err(Error::NonAscii { position: 12 })
        );
    }

    #[test]
    fn canonical_display_sorts_and_dedups() {
        let e = TimeExp::parse("05_3,1,3_*_*_*_*_2030,2025,2030").unwrap();
        assert_eq!(e.to_string(), "5_1,3_*_*_*_*_2025,2030");
        assert_eq!(TimeExp::parse(&e.to_string()).unwrap(), e);
        // Eight distinct years fit; duplicates don't count.
        let y = "*_*_*_*_*_*_2001,2002,2003,2004,2005,2006,2007,2008,2008";
        assert_eq!(
            TimeExp::parse(y).unwrap().year().to_string(),
            "2001,2002,2003,2004,2005,2006,2007,2008"
        );
    }

    #[test]
    fn value_set_edges() {
        assert_eq!(ValueSet::single(64).bits(), 0);
        assert!(!ValueSet::single(3).contains(200));
        assert_eq!(ValueSet::single(63).first_from(63), Some(63));
        assert_eq!(ValueSet::single(5).first_from(6), None);
        assert_eq!(ValueSet::single(5).first_from(200), None);
    }
}
