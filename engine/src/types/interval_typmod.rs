//! `interval` type modifiers: the field restriction (`interval year to
//! month`, `interval hour`, ...) and the fractional-seconds precision
//! (`interval(3)`, `interval day to second(2)`).
//!
//! The modifier is kept exactly as PostgreSQL packs it into `atttypmod`:
//! the range mask in the high 16 bits (one bit per field, PostgreSQL's
//! `INTERVAL_MASK`, `0x7FFF` for every field) and the precision in the low
//! 16 (`0xFFFF` for none). Keeping PostgreSQL's number means the catalogs,
//! `format_type` and the wire's typmod need no translation.
//!
//! The range does two things, as in PostgreSQL:
//! * on input, it says what a bare number means (`interval '2' hour` is two
//!   hours, [`IntervalTypmod::bare_unit`]) and that `'1:2'` is minutes and
//!   seconds under `minute to second`;
//! * on every assignment or cast, [`IntervalTypmod::adjust`] clears the
//!   fields below the range and rounds the seconds
//!   (`AdjustIntervalForTypmod`).

use sqlparser::ast::IntervalFields;

use super::interval::Interval;
use crate::error::{EngineError, Result, SqlState};

// PostgreSQL's field numbers (datetime.h); a range is a mask of them.
const MONTH: u32 = 1 << 1;
const YEAR: u32 = 1 << 2;
const DAY: u32 = 1 << 3;
const HOUR: u32 = 1 << 10;
const MINUTE: u32 = 1 << 11;
const SECOND: u32 = 1 << 12;
/// Every field: no restriction.
const FULL_RANGE: u32 = 0x7FFF;
/// No precision given.
const FULL_PRECISION: u32 = 0xFFFF;
/// The largest precision (`MAX_INTERVAL_PRECISION`).
const MAX_PRECISION: u32 = 6;

/// The ranges PostgreSQL's grammar can produce, with their SQL spelling.
const RANGES: [(u32, &str); 13] = [
    (YEAR, "year"),
    (MONTH, "month"),
    (DAY, "day"),
    (HOUR, "hour"),
    (MINUTE, "minute"),
    (SECOND, "second"),
    (YEAR | MONTH, "year to month"),
    (DAY | HOUR, "day to hour"),
    (DAY | HOUR | MINUTE, "day to minute"),
    (DAY | HOUR | MINUTE | SECOND, "day to second"),
    (HOUR | MINUTE, "hour to minute"),
    (HOUR | MINUTE | SECOND, "hour to second"),
    (MINUTE | SECOND, "minute to second"),
];

/// A unit a bare number in interval input stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BareUnit {
    /// Years.
    Year,
    /// Months.
    Month,
    /// Days.
    Day,
    /// Hours.
    Hour,
    /// Minutes.
    Minute,
    /// Seconds (also the meaning without a range).
    Second,
}

impl BareUnit {
    /// The unit's name as interval input spells it.
    pub fn name(self) -> &'static str {
        match self {
            BareUnit::Year => "year",
            BareUnit::Month => "month",
            BareUnit::Day => "day",
            BareUnit::Hour => "hour",
            BareUnit::Minute => "minute",
            BareUnit::Second => "second",
        }
    }
}

/// An `interval` type modifier, PostgreSQL's packed `typmod`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IntervalTypmod(u32);

impl IntervalTypmod {
    /// The modifier for `fields` and `precision` as written in a type name;
    /// `None` for a plain `interval`. A precision above 6 is reduced to 6
    /// (PostgreSQL warns; see [`crate::sql::typmod_warnings`]); a
    /// precision with a range that does not end in SECOND is a syntax
    /// error in PostgreSQL's grammar.
    pub fn from_fields(
        fields: Option<&IntervalFields>,
        precision: Option<u64>,
    ) -> Result<Option<IntervalTypmod>> {
        let range = match fields {
            None => FULL_RANGE,
            Some(f) => range_of(f),
        };
        if precision.is_some() && range != FULL_RANGE && range & SECOND == 0 {
            return Err(EngineError::new(
                SqlState::SyntaxError,
                "syntax error at or near \"(\"",
            ));
        }
        let precision = match precision {
            None => FULL_PRECISION,
            Some(p) => p.min(u64::from(MAX_PRECISION)) as u32,
        };
        Ok(Self::from_parts(range, precision))
    }

    /// The modifier for the `INTERVAL 'text' field [TO field](p)` literal
    /// syntax, given the leading and last fields' names.
    pub fn from_literal_fields(
        leading: &str,
        last: Option<&str>,
        precision: Option<u64>,
    ) -> Result<Option<IntervalTypmod>> {
        let syntax = || EngineError::new(SqlState::SyntaxError, "syntax error at or near \"TO\"");
        let lead = leading.to_ascii_lowercase();
        let last = last.map(str::to_ascii_lowercase);
        let range = match (lead.as_str(), last.as_deref()) {
            ("year", None) => YEAR,
            ("month", None) => MONTH,
            ("day", None) => DAY,
            ("hour", None) => HOUR,
            ("minute", None) => MINUTE,
            ("second", None) => SECOND,
            ("year", Some("month")) => YEAR | MONTH,
            ("day", Some("hour")) => DAY | HOUR,
            ("day", Some("minute")) => DAY | HOUR | MINUTE,
            ("day", Some("second")) => DAY | HOUR | MINUTE | SECOND,
            ("hour", Some("minute")) => HOUR | MINUTE,
            ("hour", Some("second")) => HOUR | MINUTE | SECOND,
            ("minute", Some("second")) => MINUTE | SECOND,
            _ => return Err(syntax()),
        };
        if precision.is_some() && range & SECOND == 0 {
            return Err(syntax());
        }
        let precision = precision.map_or(FULL_PRECISION, |p| p.min(6) as u32);
        Ok(Self::from_parts(range, precision))
    }

    fn from_parts(range: u32, precision: u32) -> Option<IntervalTypmod> {
        if range == FULL_RANGE && precision == FULL_PRECISION {
            return None;
        }
        Some(IntervalTypmod((range << 16) | precision))
    }

    /// The modifier for a stored `typmod` (`atttypmod`); `None` for -1 or a
    /// value PostgreSQL could not have written.
    pub fn from_typmod(typmod: i32) -> Option<IntervalTypmod> {
        let t = u32::try_from(typmod).ok()?;
        let (range, precision) = (t >> 16, t & 0xFFFF);
        let known = range == FULL_RANGE || RANGES.iter().any(|(m, _)| *m == range);
        (known && (precision <= MAX_PRECISION || precision == FULL_PRECISION))
            .then(|| Self::from_parts(range, precision))
            .flatten()
    }

    /// PostgreSQL's packed `typmod`.
    pub fn typmod(self) -> i32 {
        self.0 as i32
    }

    fn range(self) -> u32 {
        self.0 >> 16
    }

    /// The fractional-seconds precision, if one was given.
    pub fn precision(self) -> Option<u8> {
        let p = self.0 & 0xFFFF;
        (p != FULL_PRECISION).then_some(p as u8)
    }

    /// The field restriction as SQL spells it (`year to month`), if any.
    pub fn fields_name(self) -> Option<&'static str> {
        RANGES
            .iter()
            .find(|(m, _)| *m == self.range())
            .map(|(_, n)| *n)
    }

    /// `intervaltypmodout`: ` year to month`, `(3)`, ` day to second(2)`.
    pub fn suffix(self) -> String {
        let mut out = String::new();
        if let Some(f) = self.fields_name() {
            out.push(' ');
            out.push_str(f);
        }
        if let Some(p) = self.precision() {
            out.push_str(&format!("({p})"));
        }
        out
    }

    /// What a bare number in the input means under this range (the
    /// range's last field).
    pub fn bare_unit(self) -> BareUnit {
        let r = self.range();
        if r == FULL_RANGE || r & SECOND != 0 {
            BareUnit::Second
        } else if r & MINUTE != 0 {
            BareUnit::Minute
        } else if r & HOUR != 0 {
            BareUnit::Hour
        } else if r & DAY != 0 {
            BareUnit::Day
        } else if r & MONTH != 0 {
            BareUnit::Month
        } else {
            BareUnit::Year
        }
    }

    /// Whether `h:m` input means minutes and seconds (`minute to second`).
    pub fn clock_is_minutes(self) -> bool {
        self.range() == MINUTE | SECOND
    }

    /// PostgreSQL's `AdjustIntervalForTypmod`: the fields below the range
    /// cleared (truncated toward zero), the time rounded to the precision
    /// (halves away from zero).
    pub fn adjust(self, iv: Interval) -> Interval {
        const HOUR_US: i64 = 3_600_000_000;
        const MINUTE_US: i64 = 60_000_000;
        let Interval {
            mut months,
            mut days,
            mut micros,
        } = iv;
        let r = self.range();
        if r == YEAR {
            months = (months / 12) * 12;
        }
        if r & (DAY | HOUR | MINUTE | SECOND) == 0 && r != FULL_RANGE {
            days = 0;
            micros = 0;
        } else if r == DAY {
            micros = 0;
        } else if r == HOUR || r == DAY | HOUR {
            micros = (micros / HOUR_US) * HOUR_US;
        } else if r == MINUTE || r == DAY | HOUR | MINUTE || r == HOUR | MINUTE {
            micros = (micros / MINUTE_US) * MINUTE_US;
        }
        if let Some(p) = self.precision() {
            micros = super::cast::round_micros(micros, p);
        }
        Interval::new(months, days, micros)
    }
}

fn range_of(f: &IntervalFields) -> u32 {
    match f {
        IntervalFields::Year => YEAR,
        IntervalFields::Month => MONTH,
        IntervalFields::Day => DAY,
        IntervalFields::Hour => HOUR,
        IntervalFields::Minute => MINUTE,
        IntervalFields::Second => SECOND,
        IntervalFields::YearToMonth => YEAR | MONTH,
        IntervalFields::DayToHour => DAY | HOUR,
        IntervalFields::DayToMinute => DAY | HOUR | MINUTE,
        IntervalFields::DayToSecond => DAY | HOUR | MINUTE | SECOND,
        IntervalFields::HourToMinute => HOUR | MINUTE,
        IntervalFields::HourToSecond => HOUR | MINUTE | SECOND,
        IntervalFields::MinuteToSecond => MINUTE | SECOND,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typmods_are_postgres_numbers() {
        // SELECT atttypmod FROM pg_attribute on PostgreSQL 15 for columns
        // of each of these types.
        let cases = [
            (Some(IntervalFields::Year), None, 327679),
            (Some(IntervalFields::Month), None, 196607),
            (Some(IntervalFields::DayToHour), None, 67698687),
            (Some(IntervalFields::DayToSecond), None, 470351871),
            (Some(IntervalFields::MinuteToSecond), None, 402718719),
            (None, Some(0), 2147418112),
            (Some(IntervalFields::Second), Some(3), 268435459),
        ];
        for (f, p, want) in cases {
            let m = IntervalTypmod::from_fields(f.as_ref(), p).unwrap().unwrap();
            assert_eq!(m.typmod(), want, "{f:?} {p:?}");
            assert_eq!(IntervalTypmod::from_typmod(want), Some(m));
        }
        assert_eq!(IntervalTypmod::from_fields(None, None).unwrap(), None);
        assert!(IntervalTypmod::from_fields(Some(&IntervalFields::Year), Some(2)).is_err());
    }

    #[test]
    fn literal_fields() {
        let m = |a, b| {
            IntervalTypmod::from_literal_fields(a, b, None)
                .unwrap()
                .unwrap()
        };
        assert_eq!(m("year", Some("month")).typmod(), 458751);
        assert_eq!(m("day", Some("second")).typmod(), 470351871);
        assert_eq!(m("hour", Some("minute")).typmod(), 201392127);
        assert!(IntervalTypmod::from_literal_fields("month", Some("year"), None).is_err());
        assert!(IntervalTypmod::from_literal_fields("year", Some("day"), None).is_err());
    }

    #[test]
    fn adjust_clears_and_rounds() {
        let iv = Interval::new(14, 3, 7_384_567_800);
        let f = |fields, p| {
            let a = IntervalTypmod::from_fields(Some(&fields), p)
                .unwrap()
                .unwrap()
                .adjust(iv);
            (a.months, a.days, a.micros)
        };
        assert_eq!(f(IntervalFields::Year, None), (12, 0, 0));
        assert_eq!(f(IntervalFields::Month, None), (14, 0, 0));
        assert_eq!(f(IntervalFields::Day, None), (14, 3, 0));
        assert_eq!(f(IntervalFields::Hour, None), (14, 3, 7_200_000_000));
        assert_eq!(f(IntervalFields::DayToMinute, None), (14, 3, 7_380_000_000));
        assert_eq!(f(IntervalFields::Second, Some(1)), (14, 3, 7_384_600_000));
    }
}
