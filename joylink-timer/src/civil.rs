//! Civil (wall-clock) date-times given by the caller.
//!
//! The crate reads no clock and knows no time zones: a [`CivilTime`] is whatever local time the
//! device keeps, and all arithmetic treats it as a proleptic Gregorian calendar with no leap
//! seconds and no DST jumps. The day count is Howard Hinnant's `days_from_civil` algorithm.

use core::fmt;

use crate::error::{Error, Result};

/// Earliest year a [`CivilTime`] may hold (spec 10: years ≥ 1970).
pub const MIN_YEAR: u16 = 1970;
/// Latest year a [`CivilTime`] may hold; [`crate::TimeExp::next_after`] stops searching there.
pub const MAX_YEAR: u16 = 9999;

/// A date and time of day, 1970-01-01 00:00:00 ..= 9999-12-31 23:59:59, validated on creation.
///
/// Ordering is chronological. With the `serde` feature it (de)serializes as an object with the
/// six fields (`{"year":2015,"month":2,"day":26,"hour":22,"minute":1,"second":0}`), read through
/// [`CivilTime::new`]: month 13, 31 April or hour 24 are refused as they are by the constructor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CivilTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
}

/// `true` for Gregorian leap years.
#[must_use]
pub const fn is_leap_year(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// Number of days in `month` (1–12) of `year`; 0 for an invalid month.
#[must_use]
pub const fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a valid date (Hinnant's `days_from_civil`).
#[must_use]
#[expect(
    clippy::arithmetic_side_effects,
    reason = "u16 year, u8 month and day widened to i64: every intermediate is below 2^27"
)]
pub(crate) const fn days_from_civil(year: u16, month: u8, day: u8) -> i64 {
    let y = if month <= 2 {
        year as i64 - 1
    } else {
        year as i64
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`] (Hinnant's `civil_from_days`), for a day count of a valid
/// [`CivilTime`] (0 ..= days of 9999-12-31, below 2^22).
#[must_use]
#[expect(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    reason = "callers pass days < 2^22, so intermediates stay below 2^25; \
              the algorithm yields day 1..=31 and month 1..=12, which fit u8"
)]
pub(crate) const fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Weekday of a day count since 1970-01-01, 0 = Sunday … 6 = Saturday (1970-01-01 was a
/// Thursday).
#[must_use]
#[expect(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    reason = "callers pass days of a valid CivilTime (< 2^22); rem_euclid(7) is in 0..7: fits u8"
)]
pub(crate) const fn weekday_from_days(days: i64) -> u8 {
    (days + 4).rem_euclid(7) as u8
}

impl CivilTime {
    /// The earliest representable time, 1970-01-01 00:00:00.
    pub const MIN: CivilTime = CivilTime {
        year: MIN_YEAR,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
    };
    /// The latest representable time, 9999-12-31 23:59:59.
    pub const MAX: CivilTime = CivilTime {
        year: MAX_YEAR,
        month: 12,
        day: 31,
        hour: 23,
        minute: 59,
        second: 59,
    };

    /// A validated date-time.
    ///
    /// # Errors
    /// [`Error::InvalidCivil`] naming the first component out of range (year outside
    /// 1970–9999, month outside 1–12, day beyond the month's length, hour > 23, minute or
    /// second > 59).
    ///
    /// # Examples
    /// ```
    /// use joylink_timer::CivilTime;
    /// let t = CivilTime::new(2024, 2, 29, 22, 1, 0)?;
    /// assert_eq!(t.weekday(), 4); // Thursday
    /// assert!(CivilTime::new(2023, 2, 29, 0, 0, 0).is_err());
    /// # Ok::<(), joylink_timer::Error>(())
    /// ```
    pub const fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Result<CivilTime> {
        if year < MIN_YEAR || year > MAX_YEAR {
            return Err(Error::InvalidCivil {
                field: "year",
                value: year as u32,
            });
        }
        if month < 1 || month > 12 {
            return Err(Error::InvalidCivil {
                field: "month",
                value: month as u32,
            });
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(Error::InvalidCivil {
                field: "day",
                value: day as u32,
            });
        }
        if hour > 23 {
            return Err(Error::InvalidCivil {
                field: "hour",
                value: hour as u32,
            });
        }
        if minute > 59 {
            return Err(Error::InvalidCivil {
                field: "minute",
                value: minute as u32,
            });
        }
        if second > 59 {
            return Err(Error::InvalidCivil {
                field: "second",
                value: second as u32,
            });
        }
        Ok(CivilTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
        })
    }

    /// Year, 1970–9999.
    #[must_use]
    pub const fn year(&self) -> u16 {
        self.year
    }
    /// Month, 1–12.
    #[must_use]
    pub const fn month(&self) -> u8 {
        self.month
    }
    /// Day of the month, 1–31.
    #[must_use]
    pub const fn day(&self) -> u8 {
        self.day
    }
    /// Hour, 0–23.
    #[must_use]
    pub const fn hour(&self) -> u8 {
        self.hour
    }
    /// Minute, 0–59.
    #[must_use]
    pub const fn minute(&self) -> u8 {
        self.minute
    }
    /// Second, 0–59.
    #[must_use]
    pub const fn second(&self) -> u8 {
        self.second
    }

    /// Days since 1970-01-01.
    #[must_use]
    pub const fn days_since_epoch(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }

    /// Day of the week, 0 = Sunday … 6 = Saturday (the `time_exp` week numbering, compat §9).
    #[must_use]
    pub const fn weekday(&self) -> u8 {
        weekday_from_days(self.days_since_epoch())
    }

    /// Seconds since 1970-01-01 00:00:00 of this civil time, read as if it were UTC.
    ///
    /// Used for `/N` second, minute and hour intervals; the caller's zone never enters.
    #[must_use]
    #[expect(
        clippy::arithmetic_side_effects,
        reason = "validated fields: days < 2^22, so the sum is below 2^39"
    )]
    pub const fn seconds_since_epoch(&self) -> i64 {
        self.days_since_epoch() * 86_400
            + self.hour as i64 * 3600
            + self.minute as i64 * 60
            + self.second as i64
    }

    /// The civil time `secs` seconds after 1970-01-01 00:00:00 (the inverse of
    /// [`CivilTime::seconds_since_epoch`]); `None` outside 1970–9999.
    ///
    /// # Examples
    /// ```
    /// use joylink_timer::CivilTime;
    /// let t = CivilTime::from_seconds_since_epoch(1_424_959_260).unwrap();
    /// assert_eq!(t, CivilTime::new(2015, 2, 26, 14, 1, 0)?);
    /// # Ok::<(), joylink_timer::Error>(())
    /// ```
    #[must_use]
    pub const fn from_seconds_since_epoch(secs: i64) -> Option<CivilTime> {
        if secs < 0 || secs > CivilTime::MAX.seconds_since_epoch() {
            return None;
        }
        let days = secs.div_euclid(86_400);
        #[expect(
            clippy::cast_possible_truncation,
            reason = "rem_euclid(86_400) is in 0..86_400, which fits u32"
        )]
        let sod = secs.rem_euclid(86_400) as u32;
        Some(CivilTime::from_days_and_seconds(days, sod))
    }

    /// Builds from a day count (valid, within the range) and a second of the day (< 86400).
    #[expect(
        clippy::cast_possible_truncation,
        reason = "a day count within the range gives a year in 1970..=9999 (fits u16); \
                  sod < 86_400 gives an hour < 24 (fits u8)"
    )]
    pub(crate) const fn from_days_and_seconds(days: i64, sod: u32) -> CivilTime {
        let (y, m, d) = civil_from_days(days);
        CivilTime {
            year: y as u16,
            month: m,
            day: d,
            hour: (sod / 3600) as u8,
            minute: (sod / 60 % 60) as u8,
            second: (sod % 60) as u8,
        }
    }

    /// Unchecked constructor for values the caller has already validated.
    pub(crate) const fn from_parts(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> CivilTime {
        CivilTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
        }
    }

    /// The next second, or `None` after [`CivilTime::MAX`].
    #[must_use]
    pub const fn succ(&self) -> Option<CivilTime> {
        match self.seconds_since_epoch().checked_add(1) {
            Some(secs) => CivilTime::from_seconds_since_epoch(secs),
            None => None,
        }
    }
}

impl fmt::Display for CivilTime {
    /// ISO 8601 without zone: `2015-02-26 22:01:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// serde through [`CivilTime::new`]: the fields are read into a plain struct, then validated.
#[cfg(feature = "serde")]
mod civil_serde {
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

    use super::CivilTime;

    /// The serialized shape: the six fields, unchecked until [`CivilTime::new`] sees them.
    #[derive(Serialize, Deserialize)]
    struct Fields {
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    }

    impl Serialize for CivilTime {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            Fields {
                year: self.year,
                month: self.month,
                day: self.day,
                hour: self.hour,
                minute: self.minute,
                second: self.second,
            }
            .serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for CivilTime {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let f = Fields::deserialize(d)?;
            CivilTime::new(f.year, f.month, f.day, f.hour, f.minute, f.second)
                .map_err(de::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(weekday_from_days(0), 4); // Thursday
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(CivilTime::new(2015, 2, 26, 0, 0, 0).unwrap().weekday(), 4);
        assert_eq!(CivilTime::new(2024, 1, 7, 0, 0, 0).unwrap().weekday(), 0); // Sunday
        assert_eq!(
            civil_from_days(days_from_civil(9999, 12, 31)),
            (9999, 12, 31)
        );
    }

    #[test]
    fn month_lengths() {
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2023, 4), 30);
        assert_eq!(days_in_month(2023, 13), 0);
    }

    #[test]
    fn rejects_invalid() {
        assert_eq!(
            CivilTime::new(1969, 1, 1, 0, 0, 0),
            Err(Error::InvalidCivil {
                field: "year",
                value: 1969
            })
        );
        assert!(CivilTime::new(2023, 4, 31, 0, 0, 0).is_err());
        assert!(CivilTime::new(2023, 4, 1, 24, 0, 0).is_err());
        assert!(CivilTime::new(2023, 4, 1, 0, 60, 0).is_err());
        assert!(CivilTime::new(2023, 4, 1, 0, 0, 60).is_err());
        assert_eq!(CivilTime::MAX.succ(), None);
    }

    #[test]
    fn seconds_roundtrip_every_day_boundary() {
        let mut d = 0i64;
        while d < days_from_civil(2401, 1, 1) {
            let t = CivilTime::from_seconds_since_epoch(d * 86_400 + 86_399).unwrap();
            assert_eq!(t.seconds_since_epoch(), d * 86_400 + 86_399);
            assert_eq!(t.succ().unwrap().seconds_since_epoch(), (d + 1) * 86_400);
            d += 1;
        }
    }
}
