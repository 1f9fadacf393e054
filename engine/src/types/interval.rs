//! `interval`: PostgreSQL's three-field time span, its text forms and its
//! arithmetic.
//!
//! An interval is months, days and microseconds kept apart, exactly as in
//! PostgreSQL, because a month has no fixed number of days and a day no
//! fixed number of hours across DST. For comparison and hashing the fields
//! are folded into one 128-bit microsecond count with 30-day months and
//! 24-hour days (PostgreSQL's `interval_cmp_value`), so `'1 mon' = '30
//! days'`.
//!
//! Input accepts PostgreSQL's verbose syntax (`1 year 2 mons 3 days
//! 04:05:06`, `-1 day`, `1.5 hours`, `@ 1 minute ago`, a bare `10` = 10
//! seconds) and ISO 8601 designators (`P1Y2M3DT4H5M6S`, `PT2H`). Output is
//! `IntervalStyle = postgres`.
//!
//! Storage: [`Interval::to_bytes`] gives 16 bytes (months, days, micros,
//! big-endian with the sign bit flipped), stored as a `bytea` by the codec.

use std::cmp::Ordering;
use std::fmt::Write;
use std::hash::{Hash, Hasher};

use super::datestyle::IntervalStyle;
use super::datetime::{USECS_PER_DAY, USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC};
use super::interval_typmod::IntervalTypmod;
use crate::error::{EngineError, Result, SqlState};

/// Days per month when an interval is converted to a single span.
pub const DAYS_PER_MONTH: i64 = 30;

/// A PostgreSQL `interval`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Interval {
    /// Months (years are 12 months).
    pub months: i32,
    /// Days.
    pub days: i32,
    /// Microseconds.
    pub micros: i64,
}

/// `22008 interval out of range`.
pub fn interval_out_of_range() -> EngineError {
    EngineError::new(SqlState::DatetimeFieldOverflow, "interval out of range")
}

impl Interval {
    /// A new interval.
    pub const fn new(months: i32, days: i32, micros: i64) -> Interval {
        Interval {
            months,
            days,
            micros,
        }
    }

    /// The interval as one microsecond count (30-day months), the key
    /// PostgreSQL compares intervals by.
    pub fn span_micros(&self) -> i128 {
        (i128::from(self.months) * i128::from(DAYS_PER_MONTH) + i128::from(self.days))
            * i128::from(USECS_PER_DAY)
            + i128::from(self.micros)
    }

    /// The 16-byte storage form: months, days, micros, big-endian with the
    /// sign bits flipped.
    pub fn to_bytes(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..4].copy_from_slice(&((self.months as u32) ^ 0x8000_0000).to_be_bytes());
        out[4..8].copy_from_slice(&((self.days as u32) ^ 0x8000_0000).to_be_bytes());
        out[8..].copy_from_slice(&((self.micros as u64) ^ (1 << 63)).to_be_bytes());
        out
    }

    /// Reads the storage form; `None` unless exactly 16 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Interval> {
        if bytes.len() != 16 {
            return None;
        }
        let months = u32::from_be_bytes(bytes[..4].try_into().ok()?) ^ 0x8000_0000;
        let days = u32::from_be_bytes(bytes[4..8].try_into().ok()?) ^ 0x8000_0000;
        let micros = u64::from_be_bytes(bytes[8..].try_into().ok()?) ^ (1 << 63);
        Some(Interval::new(months as i32, days as i32, micros as i64))
    }

    /// `self + other`, field by field.
    pub fn checked_add(&self, other: &Interval) -> Result<Interval> {
        Ok(Interval {
            months: self
                .months
                .checked_add(other.months)
                .ok_or_else(interval_out_of_range)?,
            days: self
                .days
                .checked_add(other.days)
                .ok_or_else(interval_out_of_range)?,
            micros: self
                .micros
                .checked_add(other.micros)
                .ok_or_else(interval_out_of_range)?,
        })
    }

    /// `self - other`, field by field.
    pub fn checked_sub(&self, other: &Interval) -> Result<Interval> {
        self.checked_add(&other.checked_neg()?)
    }

    /// `-self`.
    pub fn checked_neg(&self) -> Result<Interval> {
        Ok(Interval {
            months: self
                .months
                .checked_neg()
                .ok_or_else(interval_out_of_range)?,
            days: self.days.checked_neg().ok_or_else(interval_out_of_range)?,
            micros: self
                .micros
                .checked_neg()
                .ok_or_else(interval_out_of_range)?,
        })
    }

    /// `self * factor` with PostgreSQL's cascading of fractional months
    /// into days and fractional days into time (`interval_mul`).
    pub fn mul_f64(&self, factor: f64) -> Result<Interval> {
        self.scale(|v| v * factor)
    }

    /// `self / factor` (`interval_div`); dividing by zero is 22012.
    pub fn div_f64(&self, factor: f64) -> Result<Interval> {
        if factor == 0.0 {
            return Err(EngineError::new(
                SqlState::DivisionByZero,
                "division by zero",
            ));
        }
        self.scale(|v| v / factor)
    }

    fn scale(&self, f: impl Fn(f64) -> f64) -> Result<Interval> {
        fn tsround(v: f64) -> f64 {
            (v * 1_000_000.0).round_ties_even() / 1_000_000.0
        }
        let fits_i32 = |v: f64| (-2_147_483_648.0..2_147_483_648.0).contains(&v);
        let months_f = f(f64::from(self.months));
        if !fits_i32(months_f) {
            return Err(interval_out_of_range());
        }
        let months = months_f as i32;
        let days_f = f(f64::from(self.days));
        if !fits_i32(days_f) {
            return Err(interval_out_of_range());
        }
        let mut days = days_f as i32;
        let month_remainder_days = tsround((months_f - f64::from(months)) * DAYS_PER_MONTH as f64);
        let mut sec_remainder = tsround(
            (days_f - f64::from(days) + month_remainder_days - month_remainder_days.trunc())
                * 86_400.0,
        );
        if sec_remainder.abs() >= 86_400.0 {
            let whole = (sec_remainder / 86_400.0).trunc();
            days = days
                .checked_add(whole as i32)
                .ok_or_else(interval_out_of_range)?;
            sec_remainder -= whole * 86_400.0;
        }
        days = days
            .checked_add(month_remainder_days as i32)
            .ok_or_else(interval_out_of_range)?;
        let micros_f = (f(self.micros as f64) + sec_remainder * 1_000_000.0).round_ties_even();
        if micros_f.is_nan()
            || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&micros_f)
        {
            return Err(interval_out_of_range());
        }
        Ok(Interval::new(months, days, micros_f as i64))
    }

    /// Moves whole days out of the time field (`justify_hours`).
    pub fn justify_hours(&self) -> Interval {
        let mut days = i64::from(self.days) + self.micros / USECS_PER_DAY;
        let mut micros = self.micros % USECS_PER_DAY;
        if days > 0 && micros < 0 {
            micros += USECS_PER_DAY;
            days -= 1;
        } else if days < 0 && micros > 0 {
            micros -= USECS_PER_DAY;
            days += 1;
        }
        Interval::new(
            self.months,
            days.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
            micros,
        )
    }

    /// Appends the text form in the session's `IntervalStyle`.
    pub fn write_text(&self, out: &mut String) {
        match super::datestyle::styles().1 {
            IntervalStyle::Postgres => self.write_postgres(out),
            IntervalStyle::PostgresVerbose => self.write_verbose(out),
            IntervalStyle::SqlStandard => self.write_sql_standard(out),
            IntervalStyle::Iso8601 => self.write_iso_8601(out),
        }
    }

    /// PostgreSQL's fields of an interval: years, months, days, hours,
    /// minutes, seconds, microseconds (all truncated toward zero, so the
    /// time fields share the time's sign).
    fn fields(&self) -> (i32, i32, i32, i64, i64, i64, i64) {
        let t = self.micros;
        (
            self.months / 12,
            self.months % 12,
            self.days,
            t / USECS_PER_HOUR,
            t / USECS_PER_MINUTE % 60,
            t / USECS_PER_SEC % 60,
            t % USECS_PER_SEC,
        )
    }

    /// `IntervalStyle = postgres_verbose`: `@ 1 year 2 mons -3 days ago`.
    fn write_verbose(&self, out: &mut String) {
        let (year, mon, mday, hour, min, sec, fsec) = self.fields();
        out.push('@');
        let mut is_zero = true;
        let mut is_before = false;
        for (v, unit) in [
            (i64::from(year), "year"),
            (i64::from(mon), "mon"),
            (i64::from(mday), "day"),
            (hour, "hour"),
            (min, "min"),
        ] {
            if v == 0 {
                continue;
            }
            let mut v = v;
            if is_zero {
                is_before = v < 0;
                v = v.abs();
            } else if is_before {
                v = -v;
            }
            let _ = write!(out, " {v} {unit}{}", if v == 1 { "" } else { "s" });
            is_zero = false;
        }
        if sec != 0 || fsec != 0 {
            out.push(' ');
            if sec < 0 || (sec == 0 && fsec < 0) {
                if is_zero {
                    is_before = true;
                } else if !is_before {
                    out.push('-');
                }
            } else if is_before {
                out.push('-');
            }
            append_seconds(out, sec, fsec, false);
            let plural = sec.abs() != 1 || fsec != 0;
            let _ = write!(out, " sec{}", if plural { "s" } else { "" });
            is_zero = false;
        }
        if is_zero {
            out.push_str(" 0");
        }
        if is_before {
            out.push_str(" ago");
        }
    }

    /// `IntervalStyle = sql_standard`: `1-2`, `3 4:05:06`, or
    /// `+1-2 -3 +4:05:06` for mixed signs.
    fn write_sql_standard(&self, out: &mut String) {
        let (mut year, mut mon, mut mday, mut hour, mut min, mut sec, mut fsec) = self.fields();
        let has_negative =
            year < 0 || mon < 0 || mday < 0 || hour < 0 || min < 0 || sec < 0 || fsec < 0;
        let has_positive =
            year > 0 || mon > 0 || mday > 0 || hour > 0 || min > 0 || sec > 0 || fsec > 0;
        let has_year_month = year != 0 || mon != 0;
        let has_day_time = mday != 0 || hour != 0 || min != 0 || sec != 0 || fsec != 0;
        let standard = !(has_negative && has_positive || has_year_month && has_day_time);
        if has_negative && standard {
            out.push('-');
            (year, mon, mday, hour, min, sec, fsec) =
                (-year, -mon, -mday, -hour, -min, -sec, -fsec);
        }
        if !has_negative && !has_positive {
            out.push('0');
        } else if !standard {
            let year_sign = if year < 0 || mon < 0 { '-' } else { '+' };
            let day_sign = if mday < 0 { '-' } else { '+' };
            let sec_sign = if hour < 0 || min < 0 || sec < 0 || fsec < 0 {
                '-'
            } else {
                '+'
            };
            let _ = write!(
                out,
                "{year_sign}{}-{} {day_sign}{} {sec_sign}{}:{:02}:",
                year.unsigned_abs(),
                mon.unsigned_abs(),
                mday.unsigned_abs(),
                hour.unsigned_abs(),
                min.unsigned_abs()
            );
            append_seconds(out, sec, fsec, true);
        } else if has_year_month {
            let _ = write!(out, "{year}-{mon}");
        } else if mday != 0 {
            let _ = write!(out, "{mday} {hour}:{min:02}:");
            append_seconds(out, sec, fsec, true);
        } else {
            let _ = write!(out, "{hour}:{min:02}:");
            append_seconds(out, sec, fsec, true);
        }
    }

    /// `IntervalStyle = iso_8601`: `P1Y2M3DT4H5M6S`.
    fn write_iso_8601(&self, out: &mut String) {
        let (year, mon, mday, hour, min, sec, fsec) = self.fields();
        if year == 0 && mon == 0 && mday == 0 && hour == 0 && min == 0 && sec == 0 && fsec == 0 {
            out.push_str("PT0S");
            return;
        }
        out.push('P');
        for (v, unit) in [
            (i64::from(year), 'Y'),
            (i64::from(mon), 'M'),
            (i64::from(mday), 'D'),
        ] {
            if v != 0 {
                let _ = write!(out, "{v}{unit}");
            }
        }
        if hour != 0 || min != 0 || sec != 0 || fsec != 0 {
            out.push('T');
        }
        for (v, unit) in [(hour, 'H'), (min, 'M')] {
            if v != 0 {
                let _ = write!(out, "{v}{unit}");
            }
        }
        if sec != 0 || fsec != 0 {
            if sec < 0 || fsec < 0 {
                out.push('-');
            }
            append_seconds(out, sec, fsec, false);
            out.push('S');
        }
    }

    /// Appends the `IntervalStyle = postgres` text form.
    fn write_postgres(&self, out: &mut String) {
        let year = self.months / 12;
        let mon = self.months % 12;
        let mut is_zero = true;
        let mut is_before = false;
        add_part(out, year, "year", &mut is_zero, &mut is_before);
        add_part(out, mon, "mon", &mut is_zero, &mut is_before);
        add_part(out, self.days, "day", &mut is_zero, &mut is_before);
        if is_zero || self.micros != 0 {
            let minus = self.micros < 0;
            let abs = self.micros.unsigned_abs();
            let hours = abs / USECS_PER_HOUR as u64;
            let minutes = (abs / USECS_PER_MINUTE as u64) % 60;
            let seconds = (abs / USECS_PER_SEC as u64) % 60;
            let frac = (abs % USECS_PER_SEC as u64) as i64;
            let _ = write!(
                out,
                "{}{}{hours:02}:{minutes:02}:{seconds:02}",
                if is_zero { "" } else { " " },
                if minus {
                    "-"
                } else if is_before {
                    "+"
                } else {
                    ""
                }
            );
            super::datetime::write_fraction(out, frac);
        }
    }

    /// Parses PostgreSQL's interval input; see the module documentation.
    pub fn parse(input: &str) -> Result<Interval> {
        parse_interval(input, None)
    }

    /// Parses interval input for a column or cast of type `interval` with
    /// modifier `typmod`: its range says what a bare number means
    /// (`interval '2' hour`) and whether `m:s` is minutes and seconds. The
    /// modifier itself is not applied here.
    pub fn parse_for(input: &str, typmod: Option<IntervalTypmod>) -> Result<Interval> {
        parse_interval(input, typmod)
    }
}

/// PostgreSQL's `AppendSeconds` with full precision: the absolute
/// seconds (two digits with `fill_zeros`) and the fraction, trailing zeros
/// trimmed.
fn append_seconds(out: &mut String, sec: i64, fsec: i64, fill_zeros: bool) {
    let sec = sec.unsigned_abs();
    if fill_zeros {
        let _ = write!(out, "{sec:02}");
    } else {
        let _ = write!(out, "{sec}");
    }
    super::datetime::write_fraction(out, fsec.abs());
}

fn add_part(out: &mut String, value: i32, unit: &str, is_zero: &mut bool, is_before: &mut bool) {
    if value == 0 {
        return;
    }
    let _ = write!(
        out,
        "{}{}{value} {unit}{}",
        if *is_zero { "" } else { " " },
        if *is_before && value > 0 { "+" } else { "" },
        if value != 1 { "s" } else { "" }
    );
    *is_before = value < 0;
    *is_zero = false;
}

impl PartialEq for Interval {
    fn eq(&self, other: &Interval) -> bool {
        self.span_micros() == other.span_micros()
    }
}

impl Eq for Interval {}

impl Ord for Interval {
    fn cmp(&self, other: &Interval) -> Ordering {
        self.span_micros().cmp(&other.span_micros())
    }
}

impl PartialOrd for Interval {
    fn partial_cmp(&self, other: &Interval) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Hash for Interval {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.span_micros().hash(state);
    }
}

/// Accumulates fields in wide integers plus fractional carry so overflow
/// is detected once at the end.
#[derive(Default)]
struct Acc {
    micros: f64,
    months_i: i64,
    days_i: i64,
    micros_i: i128,
}

impl Acc {
    fn add_months(&mut self, whole: i64, frac: f64) {
        self.months_i = self.months_i.saturating_add(whole);
        // Fractional months become days (30 per month), then time.
        self.add_days(0, frac * DAYS_PER_MONTH as f64);
    }

    fn add_days(&mut self, whole: i64, frac: f64) {
        self.days_i = self.days_i.saturating_add(whole);
        let whole_frac = frac.trunc();
        self.days_i = self.days_i.saturating_add(whole_frac as i64);
        self.micros += (frac - whole_frac) * USECS_PER_DAY as f64;
    }

    fn add_micros(&mut self, whole: i128, frac: f64) {
        self.micros_i = self.micros_i.saturating_add(whole);
        self.micros += frac;
    }
}

fn parse_interval(input: &str, typmod: Option<IntervalTypmod>) -> Result<Interval> {
    let syntax = || {
        EngineError::new(
            SqlState::InvalidDatetimeFormat,
            format!("invalid input syntax for type interval: \"{input}\""),
        )
    };
    let overflow = || {
        EngineError::new(
            SqlState::IntervalFieldOverflow,
            format!("interval field value out of range: \"{input}\""),
        )
    };
    let text = input.trim().to_ascii_lowercase();
    let text = text.strip_prefix('@').unwrap_or(&text).trim();
    if text.is_empty() {
        return Err(syntax());
    }
    let mut acc = Acc::default();
    if let Some(iso) = text.strip_prefix('p') {
        parse_iso(iso, &mut acc).ok_or_else(syntax)?;
    } else {
        parse_verbose(text, typmod, &mut acc).map_err(|bad| match bad {
            Bad::Syntax => syntax(),
            Bad::Overflow => overflow(),
        })?;
    }
    let micros = acc.micros_i + acc.micros.round_ties_even() as i128;
    let months = i32::try_from(acc.months_i).map_err(|_| overflow())?;
    let days = i32::try_from(acc.days_i).map_err(|_| overflow())?;
    let micros = i64::try_from(micros).map_err(|_| overflow())?;
    Ok(Interval::new(months, days, micros))
}

/// A signed decimal number split into whole and fractional parts.
fn split_number(token: &str) -> Option<(i64, f64)> {
    let value: f64 = token.parse().ok()?;
    if !value.is_finite() || !token.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    if token.contains(['e', 'i', 'n']) {
        return None;
    }
    let whole = value.trunc();
    if whole.abs() > 9.0e18 {
        return Some((i64::MAX, 0.0));
    }
    Some((whole as i64, value - whole))
}

fn apply_unit(acc: &mut Acc, unit: &str, whole: i64, frac: f64) -> Option<()> {
    let micros_unit = |acc: &mut Acc, per: i64| {
        acc.add_micros(i128::from(whole) * i128::from(per), frac * per as f64);
    };
    match unit {
        "microsecond" | "microseconds" | "us" | "usec" | "usecs" | "useconds" => {
            micros_unit(acc, 1)
        }
        "millisecond" | "milliseconds" | "ms" | "msec" | "msecs" | "mseconds" => {
            micros_unit(acc, 1000)
        }
        "second" | "seconds" | "s" | "sec" | "secs" => micros_unit(acc, USECS_PER_SEC),
        "minute" | "minutes" | "m" | "min" | "mins" => micros_unit(acc, USECS_PER_MINUTE),
        "hour" | "hours" | "h" | "hr" | "hrs" => micros_unit(acc, USECS_PER_HOUR),
        "day" | "days" | "d" => acc.add_days(whole, frac),
        "week" | "weeks" | "w" => acc.add_days(whole.saturating_mul(7), frac * 7.0),
        "month" | "months" | "mon" | "mons" => acc.add_months(whole, frac),
        "year" | "years" | "y" | "yr" | "yrs" => {
            acc.add_months(whole.saturating_mul(12), 0.0);
            acc.months_i = acc
                .months_i
                .saturating_add((frac * 12.0).round_ties_even() as i64);
        }
        "decade" | "decades" | "dec" | "decs" => {
            acc.add_months(whole.saturating_mul(120), 0.0);
            acc.months_i = acc
                .months_i
                .saturating_add((frac * 120.0).round_ties_even() as i64);
        }
        "century" | "centuries" | "c" | "cent" => {
            acc.add_months(whole.saturating_mul(1200), 0.0);
            acc.months_i = acc
                .months_i
                .saturating_add((frac * 1200.0).round_ties_even() as i64);
        }
        "millennium" | "millennia" | "mil" | "mils" | "millenniums" => {
            acc.add_months(whole.saturating_mul(12000), 0.0);
            acc.months_i = acc
                .months_i
                .saturating_add((frac * 12000.0).round_ties_even() as i64);
        }
        _ => return None,
    }
    Some(())
}

/// `[-]H:MM[:SS[.fff]]` (or `MM:SS.fff`, and `MM:SS` when
/// `minutes_first`): microseconds.
fn parse_clock(token: &str, minutes_first: bool) -> Option<i128> {
    let (neg, body) = match token.as_bytes().first()? {
        b'-' => (true, &token[1..]),
        b'+' => (false, &token[1..]),
        _ => (false, token),
    };
    let parts: Vec<&str> = body.split(':').collect();
    let int = |s: &str| -> Option<i128> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 18 {
            return None;
        }
        s.parse().ok()
    };
    let seconds = |s: &str| -> Option<i128> {
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut us: i128 = 0;
        for i in 0..6 {
            us = us * 10 + frac.as_bytes().get(i).map_or(0, |d| i128::from(d - b'0'));
        }
        if frac.as_bytes().get(6).is_some_and(|d| *d >= b'5') {
            us += 1;
        }
        Some(int(whole)? * i128::from(USECS_PER_SEC) + us)
    };
    let total = match parts.as_slice() {
        [h, m] if m.contains('.') || minutes_first => {
            // MM:SS[.fff]
            int(h)? * i128::from(USECS_PER_MINUTE) + seconds(m)?
        }
        [h, m] => int(h)? * i128::from(USECS_PER_HOUR) + int(m)? * i128::from(USECS_PER_MINUTE),
        [h, m, s] => {
            int(h)? * i128::from(USECS_PER_HOUR)
                + int(m)? * i128::from(USECS_PER_MINUTE)
                + seconds(s)?
        }
        _ => return None,
    };
    Some(if neg { -total } else { total })
}

/// Why verbose input was refused.
enum Bad {
    /// 22007 invalid input syntax.
    Syntax,
    /// 22015 interval field value out of range.
    Overflow,
}

/// The canonical name of a unit word and the field bits it fills
/// (PostgreSQL's `tmask`; a field given twice is a syntax error).
fn unit_of(word: &str) -> Option<(&'static str, u32)> {
    Some(match word {
        "microsecond" | "microseconds" | "us" | "usec" | "usecs" | "useconds" => {
            ("microsecond", F_US)
        }
        "millisecond" | "milliseconds" | "ms" | "msec" | "msecs" | "mseconds" => {
            ("millisecond", F_MS)
        }
        "second" | "seconds" | "s" | "sec" | "secs" => ("second", F_SEC),
        "minute" | "minutes" | "m" | "min" | "mins" => ("minute", F_MIN),
        "hour" | "hours" | "h" | "hr" | "hrs" => ("hour", F_HOUR),
        "day" | "days" | "d" => ("day", F_DAY),
        "week" | "weeks" | "w" => ("week", F_WEEK),
        "month" | "months" | "mon" | "mons" => ("month", F_MONTH),
        "year" | "years" | "y" | "yr" | "yrs" => ("year", F_YEAR),
        "decade" | "decades" | "dec" | "decs" => ("decade", F_DECADE),
        "century" | "centuries" | "c" | "cent" => ("century", F_CENTURY),
        "millennium" | "millennia" | "mil" | "mils" | "millenniums" => ("millennium", F_MILLENNIUM),
        _ => return None,
    })
}

const F_US: u32 = 1;
const F_MS: u32 = 1 << 1;
const F_SEC: u32 = 1 << 2;
const F_MIN: u32 = 1 << 3;
const F_HOUR: u32 = 1 << 4;
const F_DAY: u32 = 1 << 5;
const F_WEEK: u32 = 1 << 6;
const F_MONTH: u32 = 1 << 7;
const F_YEAR: u32 = 1 << 8;
const F_DECADE: u32 = 1 << 9;
const F_CENTURY: u32 = 1 << 10;
const F_MILLENNIUM: u32 = 1 << 11;
/// Every seconds field: a fractional number of seconds fills them all.
const F_ALL_SECS: u32 = F_SEC | F_MS | F_US;
/// What an `h:m:s` clock fills.
const F_TIME: u32 = F_HOUR | F_MIN | F_ALL_SECS;

/// PostgreSQL's `DecodeInterval` for the verbose syntax. Fields are read
/// right to left, so a unit word names the number before it; a bare
/// number takes the unit of the field to its right, or (rightmost) the
/// last field of the column's range, else seconds. After an hour or a
/// clock, a bare number is days (`'1 2:03'`, `'1 2' hour`). A field given
/// twice is a syntax error.
fn parse_verbose(
    text: &str,
    typmod: Option<IntervalTypmod>,
    acc: &mut Acc,
) -> std::result::Result<(), Bad> {
    // Split "1day" style tokens into number and unit.
    let mut tokens: Vec<String> = Vec::new();
    for raw in text.split_ascii_whitespace() {
        let split = raw
            .char_indices()
            .find(|(i, c)| *i > 0 && c.is_ascii_alphabetic())
            .map(|(i, _)| i);
        match split {
            Some(i) if raw[..i].bytes().any(|b| b.is_ascii_digit()) => {
                tokens.push(raw[..i].to_owned());
                tokens.push(raw[i..].to_owned());
            }
            _ => tokens.push(raw.to_owned()),
        }
    }
    let ago = tokens.last().is_some_and(|t| t == "ago");
    if ago {
        tokens.pop();
    }
    let minutes_first = typmod.is_some_and(|m| m.clock_is_minutes());
    let mut filled = 0u32;
    let mut fill = |mask: u32| {
        if filled & mask != 0 {
            return Err(Bad::Syntax);
        }
        filled |= mask;
        Ok(())
    };
    let mut unit: Option<&'static str> = None;
    let mut any = false;
    for tok in tokens.iter().rev() {
        let tok = tok.as_str();
        if tok.contains(':') {
            let us = parse_clock(tok, minutes_first).ok_or(Bad::Syntax)?;
            fill(F_TIME)?;
            acc.add_micros(us, 0.0);
            unit = Some("day");
            any = true;
        } else if let Some(months) = year_month(tok)? {
            fill(F_MONTH)?;
            acc.add_months(months, 0.0);
            unit = Some("month");
            any = true;
        } else if let Some((whole, frac)) = split_number(tok) {
            let name = unit.unwrap_or_else(|| typmod.map_or("second", |m| m.bare_unit().name()));
            let (name, mask) = unit_of(name).ok_or(Bad::Syntax)?;
            fill(if name == "second" && frac != 0.0 {
                F_ALL_SECS
            } else {
                mask
            })?;
            apply_unit(acc, name, whole, frac).ok_or(Bad::Syntax)?;
            unit = Some(if name == "hour" { "day" } else { name });
            any = true;
        } else {
            let (name, _) = unit_of(tok).ok_or(Bad::Syntax)?;
            unit = Some(name);
        }
    }
    if !any {
        return Err(Bad::Syntax);
    }
    if ago {
        acc.months_i = -acc.months_i;
        acc.days_i = -acc.days_i;
        acc.micros_i = -acc.micros_i;
        acc.micros = -acc.micros;
    }
    Ok(())
}

/// The SQL `years-months` form (`1-2`, `-1-2`) as months; the months must
/// be below 12.
fn year_month(tok: &str) -> std::result::Result<Option<i64>, Bad> {
    let (neg, body) = match tok.as_bytes().first() {
        Some(b'-') => (true, &tok[1..]),
        Some(b'+') => (false, &tok[1..]),
        _ => (false, tok),
    };
    let Some((y, m)) = body.split_once('-') else {
        return Ok(None);
    };
    let digits = |s: &str| !s.is_empty() && s.len() < 10 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(y) || !digits(m) {
        return Ok(None);
    }
    let (y, m): (i64, i64) = (
        y.parse().map_err(|_| Bad::Syntax)?,
        m.parse().map_err(|_| Bad::Syntax)?,
    );
    if m >= 12 {
        return Err(Bad::Overflow);
    }
    let months = y * 12 + m;
    Ok(Some(if neg { -months } else { months }))
}

fn parse_iso(text: &str, acc: &mut Acc) -> Option<()> {
    let mut in_time = false;
    let mut rest = text;
    let mut any = false;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('t') {
            if in_time {
                return None;
            }
            in_time = true;
            rest = r;
            continue;
        }
        let end = rest
            .char_indices()
            .find(|(i, c)| c.is_ascii_alphabetic() && *i > 0)
            .map(|(i, _)| i)?;
        let (whole, frac) = split_number(&rest[..end])?;
        let designator = &rest[end..end + 1];
        let unit = match (in_time, designator) {
            (false, "y") => "year",
            (false, "m") => "month",
            (false, "w") => "week",
            (false, "d") => "day",
            (true, "h") => "hour",
            (true, "m") => "minute",
            (true, "s") => "second",
            _ => return None,
        };
        apply_unit(acc, unit, whole, frac)?;
        any = true;
        rest = &rest[end + 1..];
    }
    any.then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(s: &str) -> String {
        let mut out = String::new();
        Interval::parse(s).unwrap().write_text(&mut out);
        out
    }

    #[test]
    fn postgres_output() {
        // psql: select interval '...' for each input below (PostgreSQL 15).
        let cases = [
            (
                "1 year 2 mons 3 days 04:05:06",
                "1 year 2 mons 3 days 04:05:06",
            ),
            ("-1 day", "-1 days"),
            ("-1 year 2 mons", "-10 mons"),
            ("1 day -01:00", "1 day -01:00:00"),
            ("00:01:30", "00:01:30"),
            ("1.5 days", "1 day 12:00:00"),
            ("1.5 months", "1 mon 15 days"),
            ("P1Y2M3DT4H5M6.5S", "1 year 2 mons 3 days 04:05:06.5"),
            ("0", "00:00:00"),
            ("10", "00:00:10"),
            ("-00:01:30", "-00:01:30"),
            ("1 week", "7 days"),
            ("1 day 2 hours ago", "-1 days -02:00:00"),
            ("@ 1 hour", "01:00:00"),
        ];
        for (input, want) in cases {
            assert_eq!(show(input), want, "{input}");
        }
    }

    #[test]
    fn errors() {
        let e = Interval::parse("999999999999 years").unwrap_err();
        assert_eq!(
            e.message,
            "interval field value out of range: \"999999999999 years\""
        );
        assert_eq!(
            Interval::parse("abc").unwrap_err().state,
            SqlState::InvalidDatetimeFormat
        );
    }

    #[test]
    fn bytes_round_trip() {
        let iv = Interval::new(-3, 7, -123_456_789);
        assert_eq!(
            Interval::from_bytes(&iv.to_bytes()).map(|i| (i.months, i.days, i.micros)),
            Some((-3, 7, -123_456_789))
        );
    }
}
