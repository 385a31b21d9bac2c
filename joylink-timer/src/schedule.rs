//! When a [`TimeExp`] fires: [`TimeExp::next_after`] and the [`Firings`] iterator.
//!
//! # The reading this crate defines (no SDK implements one, compat §9)
//!
//! A civil time `t` *matches* when every field accepts it:
//!
//! * `*` accepts anything; a value or list accepts the listed values.
//! * **Day of month and day of week are combined with AND** (every field is a constraint), not
//!   with cron's OR: `0_0_12_13_*_5_*` is "Friday the 13th at noon". The spec's examples restrict
//!   only one of the two, where both readings agree.
//! * `/N` counts units from the **anchor**, the task's creation time that the caller passes: a
//!   second/minute/hour/day/month/year `/N` accepts `t` when the number of whole units between
//!   the anchor's and `t`'s (seconds, minutes, hours, days, months since 1970, or years) is a
//!   multiple of `N`; a week `/N` accepts days a multiple of `7·N` days after the anchor's day.
//! * Fields finer than the finest `/N` field that are `*` take the anchor's value, so that
//!   `*_/2_*_*_*_*_*` is "every 2 minutes" (at the anchor's second), not "every second of every
//!   other minute", and `*_*_*_*_*_*_/2` fires on the anchor's anniversary every other year.
//!   The day of month is pinned only when both day fields are `*` and the interval is a month
//!   or year one. Spelled-out fields are never overridden: `0_/2_*_*_*_*_*` fires at second 0.
//! * An expression with a `/N` field fires only strictly after its anchor.
//! * Years run up to 9999: an expression whose years are all past, or that cannot fire before
//!   10000 (`0_0_0_31_4_*_*`), has no next time.
//!
//! # Cost
//!
//! [`TimeExp::next_after`] walks the calendar field by field, never second by second: it jumps
//! to the next acceptable year (list lookup or arithmetic), then tries at most 12 months, at most
//! 31 days each, and for the first acceptable day computes the hour, minute and second directly.
//! The cost is therefore the same for a firing one second away and one two years away; only
//! expressions that can fire on very few days (or never) scan more years, at most to 9999.

use crate::civil::{CivilTime, MAX_YEAR, days_from_civil, days_in_month, weekday_from_days};
use crate::time_exp::{FieldSpec, TimeExp, ValueSet, YearSpec};

/// The expression with pins applied and the anchor's absolute counts precomputed.
#[derive(Debug, Clone, Copy)]
struct Resolved {
    sec: FieldSpec,
    min: FieldSpec,
    hour: FieldSpec,
    day: FieldSpec,
    month: FieldSpec,
    week: FieldSpec,
    year: YearSpec,
    /// Anchor seconds/minutes/hours/days/months since 1970 and year.
    a_sec: i64,
    a_min: i64,
    a_hour: i64,
    a_day: i64,
    a_month: i64,
    a_year: i64,
    /// Firings must be strictly after this (the anchor, for interval expressions).
    floor: Option<CivilTime>,
}

/// Rank of the finest `/N` field: 0 sec … 5 year; 6 when there is none.
fn finest_interval(exp: &TimeExp) -> u8 {
    let specs = [exp.second(), exp.minute(), exp.hour()];
    for (rank, s) in (0u8..).zip(specs) {
        if matches!(s, FieldSpec::Every(_)) {
            return rank;
        }
    }
    if matches!(exp.day(), FieldSpec::Every(_)) || matches!(exp.week(), FieldSpec::Every(_)) {
        return 3;
    }
    if matches!(exp.month(), FieldSpec::Every(_)) {
        return 4;
    }
    if matches!(exp.year(), YearSpec::Every(_)) {
        return 5;
    }
    6
}

fn pin(spec: FieldSpec, rank: u8, finest: u8, value: u8) -> FieldSpec {
    if finest < 6 && rank < finest && spec == FieldSpec::Any {
        FieldSpec::Values(ValueSet::single(value))
    } else {
        spec
    }
}

impl Resolved {
    #[expect(
        clippy::arithmetic_side_effects,
        reason = "a u16 year × 12 plus a u8 month, in i64: below 2^21"
    )]
    fn new(exp: &TimeExp, a: CivilTime) -> Resolved {
        let finest = finest_interval(exp);
        let a_sec = a.seconds_since_epoch();
        let both_days_any = exp.day() == FieldSpec::Any && exp.week() == FieldSpec::Any;
        let day = if both_days_any && (4..6).contains(&finest) {
            FieldSpec::Values(ValueSet::single(a.day()))
        } else {
            exp.day()
        };
        Resolved {
            sec: pin(exp.second(), 0, finest, a.second()),
            min: pin(exp.minute(), 1, finest, a.minute()),
            hour: pin(exp.hour(), 2, finest, a.hour()),
            day,
            month: pin(exp.month(), 4, finest, a.month()),
            week: exp.week(),
            year: exp.year(),
            a_sec,
            a_min: a_sec.div_euclid(60),
            a_hour: a_sec.div_euclid(3600),
            a_day: a.days_since_epoch(),
            a_month: i64::from(a.year()) * 12 + i64::from(a.month()) - 1,
            a_year: i64::from(a.year()),
            floor: if finest < 6 { Some(a) } else { None },
        }
    }

    /// First year ≥ `from` the year field accepts.
    fn next_year(&self, from: u16) -> Option<u16> {
        if from > MAX_YEAR {
            return None;
        }
        match self.year {
            YearSpec::Any => Some(from),
            YearSpec::Values(set) => set.first_from(from),
            YearSpec::Every(n) => {
                // n is a NonZeroU16, so rem_euclid cannot divide by zero.
                let n = i64::from(n.get());
                let r = self.a_year.checked_sub(i64::from(from))?.rem_euclid(n);
                u16::try_from(i64::from(from).checked_add(r)?)
                    .ok()
                    .filter(|y| *y <= MAX_YEAR)
            }
        }
    }

    /// First instant ≥ `s` that matches.
    fn first_at_or_after(&self, s: CivilTime) -> Option<CivilTime> {
        let mut year = self.next_year(s.year())?;
        loop {
            let same_year = year == s.year();
            let mut month = if same_year { s.month() } else { 1 };
            let year_months = i64::from(year).checked_mul(12)?.checked_sub(1)?;
            while let Some(m) = next_value(self.month, month, 12, year_months, self.a_month) {
                let same_month = same_year && m == s.month();
                let first_day = if same_month { s.day() } else { 1 };
                if let Some(found) = self.in_month(year, m, first_day, same_month.then_some(s)) {
                    return Some(found);
                }
                month = m.checked_add(1)?;
            }
            year = self.next_year(year.checked_add(1)?)?;
        }
    }

    /// First match in `year-month` on a day ≥ `first_day`; `start` is the lower bound's time
    /// when `first_day` is its day.
    fn in_month(
        &self,
        year: u16,
        month: u8,
        first_day: u8,
        start: Option<CivilTime>,
    ) -> Option<CivilTime> {
        let last = days_in_month(year, month);
        let base = days_from_civil(year, month, 1).checked_sub(1)?;
        let mut day = first_day;
        while let Some(d) = next_value(self.day, day, last, base, self.a_day) {
            let days = base.checked_add(i64::from(d))?;
            if self.week_accepts(days) {
                let from = match start {
                    Some(s) if d == s.day() => (s.hour(), s.minute(), s.second()),
                    _ => (0, 0, 0),
                };
                if let Some((h, mi, se)) = self.time_of_day(days, from) {
                    return Some(CivilTime::from_parts(year, month, d, h, mi, se));
                }
            }
            day = d.checked_add(1)?;
        }
        None
    }

    fn week_accepts(&self, days: i64) -> bool {
        match self.week {
            FieldSpec::Any => true,
            FieldSpec::Values(set) => set.contains(weekday_from_days(days)),
            // n is a NonZeroU16, so the period is at least 7.
            FieldSpec::Every(n) => {
                match (
                    days.checked_sub(self.a_day),
                    i64::from(n.get()).checked_mul(7),
                ) {
                    (Some(d), Some(period)) => d.rem_euclid(period) == 0,
                    _ => false,
                }
            }
        }
    }

    /// First `(h, m, s) ≥ from` on day `days` accepted by the hour, minute and second fields.
    fn time_of_day(&self, days: i64, (h0, m0, s0): (u8, u8, u8)) -> Option<(u8, u8, u8)> {
        let mut hour = h0;
        let day_hours = days.checked_mul(24)?;
        while let Some(h) = next_value(self.hour, hour, 23, day_hours, self.a_hour) {
            let hour_mins = day_hours.checked_add(i64::from(h))?.checked_mul(60)?;
            let mut minute = if h == h0 { m0 } else { 0 };
            while let Some(m) = next_value(self.min, minute, 59, hour_mins, self.a_min) {
                let min_secs = hour_mins.checked_add(i64::from(m))?.checked_mul(60)?;
                let sec = if h == h0 && m == m0 { s0 } else { 0 };
                if let Some(s) = next_value(self.sec, sec, 59, min_secs, self.a_sec) {
                    return Some((h, m, s));
                }
                minute = m.checked_add(1)?;
            }
            hour = h.checked_add(1)?;
        }
        None
    }
}

/// Smallest `v` in `from..=max` that `spec` accepts, where value `v` has absolute count
/// `base + v` (for `/N` against the anchor's count `anchor`).
fn next_value(spec: FieldSpec, from: u8, max: u8, base: i64, anchor: i64) -> Option<u8> {
    if from > max {
        return None;
    }
    let v = match spec {
        FieldSpec::Any => from,
        FieldSpec::Values(set) => set.first_from(from)?,
        FieldSpec::Every(n) => {
            // n is a NonZeroU16, so rem_euclid cannot divide by zero.
            let r = anchor
                .checked_sub(base)?
                .checked_sub(i64::from(from))?
                .rem_euclid(i64::from(n.get()));
            u8::try_from(i64::from(from).checked_add(r)?).ok()?
        }
    };
    (v <= max).then_some(v)
}

impl TimeExp {
    /// The first civil time strictly after `t` at which the expression fires, or `None` if it
    /// never fires again (a past fixed year, an impossible date, or nothing before year 10000).
    ///
    /// `anchor` is the task's creation time: `/N` intervals count from it, and an expression
    /// with a `/N` field fires only after it. It is ignored by expressions without `/N`. See the
    /// [module docs](crate::schedule) for the full reading.
    ///
    /// # Examples
    /// ```
    /// use joylink_timer::{CivilTime, TimeExp};
    /// let created = CivilTime::new(2024, 5, 1, 8, 0, 30)?;
    /// // "Every 2 minutes" (spec 10, example 5b), counted from the creation time.
    /// let exp: TimeExp = "*_/2_*_*_*_*_*".parse()?;
    /// let now = CivilTime::new(2024, 5, 1, 8, 3, 0)?;
    /// assert_eq!(exp.next_after(now, created), Some(CivilTime::new(2024, 5, 1, 8, 4, 30)?));
    /// // A one-shot in the past never fires again.
    /// let once: TimeExp = "0_1_22_26_2_*_2015".parse()?;
    /// assert_eq!(once.next_after(now, now), None);
    /// # Ok::<(), joylink_timer::Error>(())
    /// ```
    #[must_use]
    pub fn next_after(&self, t: CivilTime, anchor: CivilTime) -> Option<CivilTime> {
        let r = Resolved::new(self, anchor);
        r.next_after(t)
    }

    /// The firings strictly after `t`, in increasing order (see [`TimeExp::next_after`]).
    ///
    /// # Examples
    /// ```
    /// use joylink_timer::{CivilTime, TimeExp};
    /// let exp: TimeExp = "0_0_0_29_2_*_*".parse()?; // midnight on 29 February
    /// let t = CivilTime::new(2024, 3, 1, 0, 0, 0)?;
    /// let years: Vec<u16> = exp.firings(t, t).take(3).map(|f| f.year()).collect();
    /// assert_eq!(years, [2028, 2032, 2036]);
    /// # Ok::<(), joylink_timer::Error>(())
    /// ```
    #[must_use]
    pub fn firings(&self, t: CivilTime, anchor: CivilTime) -> Firings {
        Firings {
            resolved: Resolved::new(self, anchor),
            cursor: Some(t),
        }
    }
}

impl Resolved {
    fn next_after(&self, t: CivilTime) -> Option<CivilTime> {
        let lower = match self.floor {
            Some(f) if f > t => f,
            _ => t,
        };
        self.first_at_or_after(lower.succ()?)
    }
}

/// Iterator over the firing times of a [`TimeExp`], from [`TimeExp::firings`].
///
/// Each item is strictly later than the previous one; the iterator ends when the expression
/// cannot fire again.
#[derive(Debug, Clone)]
pub struct Firings {
    resolved: Resolved,
    cursor: Option<CivilTime>,
}

impl Iterator for Firings {
    type Item = CivilTime;
    fn next(&mut self) -> Option<CivilTime> {
        let next = self.resolved.next_after(self.cursor?);
        self.cursor = next;
        next
    }
}

impl core::iter::FusedIterator for Firings {}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> CivilTime {
        CivilTime::new(y, mo, d, h, mi, s).unwrap()
    }
    fn e(s: &str) -> TimeExp {
        TimeExp::parse(s).unwrap()
    }

    #[test]
    fn example_1_once_in_2015() {
        let x = e("0_1_22_26_2_*_2015");
        let now = t(2015, 1, 1, 0, 0, 0);
        assert_eq!(x.next_after(now, now), Some(t(2015, 2, 26, 22, 1, 0)));
        assert_eq!(x.next_after(t(2015, 2, 26, 22, 1, 0), now), None);
        assert_eq!(x.firings(now, now).count(), 1);
    }

    #[test]
    fn example_2_mon_wed_fri() {
        let x = e("0_1_22_*_*_1,3,5_*");
        // 2024-01-05 is a Friday.
        let from = t(2024, 1, 5, 22, 1, 0);
        let got: [CivilTime; 3] = {
            let mut it = x.firings(from, from);
            [it.next().unwrap(), it.next().unwrap(), it.next().unwrap()]
        };
        assert_eq!(
            got,
            [
                t(2024, 1, 8, 22, 1, 0),
                t(2024, 1, 10, 22, 1, 0),
                t(2024, 1, 12, 22, 1, 0)
            ]
        );
    }

    #[test]
    fn example_3_days_11_and_15() {
        let x = TimeExp::parse_with("0_1_22__11,15_*_*_*", crate::Strictness::Lenient).unwrap();
        let from = t(2023, 12, 15, 22, 1, 0);
        let mut it = x.firings(from, from);
        assert_eq!(it.next(), Some(t(2024, 1, 11, 22, 1, 0)));
        assert_eq!(it.next(), Some(t(2024, 1, 15, 22, 1, 0)));
        assert_eq!(it.next(), Some(t(2024, 2, 11, 22, 1, 0)));
    }

    #[test]
    fn example_4_daily() {
        let x = e("0_1_22_*_*_*_*");
        let from = t(2023, 12, 31, 22, 1, 0);
        assert_eq!(x.next_after(from, from), Some(t(2024, 1, 1, 22, 1, 0)));
        let before = t(2023, 12, 31, 22, 0, 59);
        assert_eq!(
            x.next_after(before, before),
            Some(t(2023, 12, 31, 22, 1, 0))
        );
    }

    #[test]
    fn example_5_intervals() {
        let a = t(2024, 2, 28, 23, 59, 58);
        assert_eq!(
            e("/2_*_*_*_*_*_*").next_after(a, a),
            Some(t(2024, 2, 29, 0, 0, 0))
        );
        assert_eq!(
            e("*_/2_*_*_*_*_*").next_after(a, a),
            Some(t(2024, 2, 29, 0, 1, 58))
        );
        assert_eq!(
            e("*_*_/2_*_*_*_*").next_after(a, a),
            Some(t(2024, 2, 29, 1, 59, 58))
        );
        assert_eq!(
            e("*_*_*_/2_*_*_*").next_after(a, a),
            Some(t(2024, 3, 1, 23, 59, 58))
        );
        // Every 2 years on the anchor's anniversary; 2026-02-28.
        assert_eq!(
            e("*_*_*_*_*_*_/2").next_after(a, a),
            Some(t(2026, 2, 28, 23, 59, 58))
        );
        // Before the anchor nothing fires: the first firing is one interval after it.
        let early = t(2000, 1, 1, 0, 0, 0);
        assert_eq!(
            e("/2_*_*_*_*_*_*").next_after(early, a),
            Some(t(2024, 2, 29, 0, 0, 0))
        );
    }

    #[test]
    fn day_and_week_are_anded() {
        // Friday the 13th at noon: after 2024-01-01 the first is 2024-09-13.
        let x = e("0_0_12_13_*_5_*");
        let from = t(2024, 1, 1, 0, 0, 0);
        assert_eq!(x.next_after(from, from), Some(t(2024, 9, 13, 12, 0, 0)));
    }

    #[test]
    fn month_lengths_and_leap_years() {
        let x = e("0_0_0_31_*_*_*");
        let from = t(2024, 1, 31, 0, 0, 0);
        assert_eq!(x.next_after(from, from), Some(t(2024, 3, 31, 0, 0, 0)));
        let feb29 = e("0_0_0_29_2_*_*");
        let from = t(2096, 3, 1, 0, 0, 0);
        assert_eq!(feb29.next_after(from, from), Some(t(2104, 2, 29, 0, 0, 0))); // 2100 no leap
        assert_eq!(e("0_0_0_31_4_*_*").next_after(from, from), None);
        assert_eq!(e("0_0_0_30_2_*_*").next_after(from, from), None);
    }

    #[test]
    fn end_of_range() {
        let x = EVERY;
        assert_eq!(x.next_after(CivilTime::MAX, CivilTime::MAX), None);
        let last = t(9999, 12, 31, 23, 59, 58);
        assert_eq!(x.next_after(last, last), Some(CivilTime::MAX));
        assert_eq!(e("*_*_*_*_*_*_/400").next_after(last, last), None);
    }
    const EVERY: TimeExp = TimeExp::EVERY_SECOND;

    #[test]
    fn explicit_fields_are_not_pinned() {
        let a = t(2024, 1, 1, 0, 0, 30);
        // Every two minutes at second 0 (the anchor's minute parity).
        let x = e("0_/2_*_*_*_*_*");
        assert_eq!(x.next_after(a, a), Some(t(2024, 1, 1, 0, 2, 0)));
        // Every 2 weeks: same weekday as the anchor, anchor's time of day.
        let w = e("*_*_*_*_*_/2_*");
        assert_eq!(w.next_after(a, a), Some(t(2024, 1, 15, 0, 0, 30)));
        // Every 3 months pins the day of month to the anchor's.
        let m = e("0_0_9_*_/3_*_*");
        assert_eq!(m.next_after(a, a), Some(t(2024, 1, 1, 9, 0, 0)));
        assert_eq!(
            m.next_after(t(2024, 1, 1, 9, 0, 0), a),
            Some(t(2024, 4, 1, 9, 0, 0))
        );
    }
}
