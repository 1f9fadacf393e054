//! Calendar arithmetic and the text forms of `date`, `time`, `timestamp`
//! and `timestamptz` (`time` input is [`parse_time`]).
//!
//! Values use PostgreSQL's internal representation: a date is days since
//! 2000-01-01, a timestamp microseconds since 2000-01-01 00:00:00 (UTC for
//! `timestamptz`); `i32::MIN`/`i32::MAX` and `i64::MIN`/`i64::MAX` are
//! `-infinity`/`infinity`. The calendar is the proleptic Gregorian one with
//! astronomical year numbering inside (year 0 = 1 BC), as PostgreSQL's
//! `date2j`/`j2date`; the valid ranges are PostgreSQL's (dates from
//! 4714-11-24 BC to 5874897-12-31, timestamps to 294276-12-31).
//!
//! Input accepts the forms a PostgreSQL user writes with `DateStyle = ISO,
//! MDY`: `YYYY-MM-DD`, `YYYYMMDD`, `MM/DD/YYYY`, `YYYY/MM/DD`, an optional
//! time `HH:MM[:SS[.ffffff]]` after a space or `T`, an optional zone (an
//! offset `+HH`, `-HH:MM`, `+HHMM`; an abbreviation of PostgreSQL's default
//! set, `UTC`, `PDT`; a zone name, `Europe/Paris`), an optional `BC`/`AD`,
//! and the special words `infinity`, `-infinity` and `epoch`. A
//! `timestamptz` without a zone is a wall-clock time of the session's zone
//! ([`super::zone`]), and is printed in that zone with its offset. Output
//! follows the session's `DateStyle` ([`super::datestyle`]), whose field
//! order also decides how `01/02/2024` reads.

use super::datestyle::{styles, DateOrder, DateStyle, Style};
use super::zone::{abbreviation, with_session_zone, write_offset, Abbrev, Zone};
use crate::error::{EngineError, Result, SqlState};

/// Microseconds in a second.
pub const USECS_PER_SEC: i64 = 1_000_000;
/// Microseconds in a minute.
pub const USECS_PER_MINUTE: i64 = 60 * USECS_PER_SEC;
/// Microseconds in an hour.
pub const USECS_PER_HOUR: i64 = 60 * USECS_PER_MINUTE;
/// Microseconds in a day.
pub const USECS_PER_DAY: i64 = 24 * USECS_PER_HOUR;

/// Julian day number of 2000-01-01.
pub(crate) const POSTGRES_EPOCH_JDATE: i64 = 2_451_545;
/// First Julian day past the last valid date (5874898-01-01).
const DATE_END_JULIAN: i64 = 2_147_483_494;
/// 4714-11-24 BC 00:00:00, the first valid timestamp.
const MIN_TIMESTAMP: i64 = -211_813_488_000_000_000;
/// 294277-01-01 00:00:00, the first timestamp past the valid range.
const END_TIMESTAMP: i64 = 9_223_371_331_200_000_000;

/// Days between 2000-01-01 and 1970-01-01 (the Unix epoch) is -10957.
pub const UNIX_EPOCH_DAYS: i64 = -10_957;

/// The `date` `-infinity`.
pub const DATE_NEG_INFINITY: i32 = i32::MIN;
/// The `date` `infinity`.
pub const DATE_INFINITY: i32 = i32::MAX;
/// The `timestamp` `-infinity`.
pub const TS_NEG_INFINITY: i64 = i64::MIN;
/// The `timestamp` `infinity`.
pub const TS_INFINITY: i64 = i64::MAX;

/// Whether `y` (astronomical numbering) is a Gregorian leap year.
pub fn is_leap(y: i64) -> bool {
    y.rem_euclid(4) == 0 && (y.rem_euclid(100) != 0 || y.rem_euclid(400) == 0)
}

/// Days in month `m` (1..=12) of year `y`.
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if is_leap(y) {
                29
            } else {
                28
            }
        }
    }
}

/// Days since 2000-01-01 of a (proleptic Gregorian, astronomical-year)
/// date. Any month/day inside their ranges is accepted; callers check.
pub fn days_from_ymd(y: i64, m: u32, d: u32) -> i64 {
    // Howard Hinnant's days_from_civil, shifted to PostgreSQL's epoch.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 - 10_957
}

/// The (year, month, day) of a day count since 2000-01-01.
pub fn ymd_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 10_957 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Whether a day count is inside PostgreSQL's date range.
pub fn date_in_range(days: i64) -> bool {
    let julian = days + POSTGRES_EPOCH_JDATE;
    (0..DATE_END_JULIAN).contains(&julian)
}

/// Whether a microsecond count is inside PostgreSQL's timestamp range.
pub fn timestamp_in_range(us: i64) -> bool {
    (MIN_TIMESTAMP..END_TIMESTAMP).contains(&us)
}

/// Splits a finite timestamp into days since 2000-01-01 and microseconds
/// into the day.
pub fn split_timestamp(us: i64) -> (i64, i64) {
    (us.div_euclid(USECS_PER_DAY), us.rem_euclid(USECS_PER_DAY))
}

/// Whether a date is one of the infinities.
pub fn date_is_finite(d: i32) -> bool {
    d != DATE_INFINITY && d != DATE_NEG_INFINITY
}

/// Whether a timestamp is one of the infinities.
pub fn timestamp_is_finite(t: i64) -> bool {
    t != TS_INFINITY && t != TS_NEG_INFINITY
}

/// `22008 date out of range`.
pub fn date_out_of_range() -> EngineError {
    EngineError::new(SqlState::DatetimeFieldOverflow, "date out of range")
}

/// `22008 timestamp out of range`.
pub fn timestamp_out_of_range() -> EngineError {
    EngineError::new(SqlState::DatetimeFieldOverflow, "timestamp out of range")
}

/// Converts a date to the timestamp at its midnight (infinities map to
/// infinities); errors past the timestamp range.
pub fn date_to_timestamp(d: i32) -> Result<i64> {
    match d {
        DATE_INFINITY => Ok(TS_INFINITY),
        DATE_NEG_INFINITY => Ok(TS_NEG_INFINITY),
        _ => {
            let us = i64::from(d) * USECS_PER_DAY;
            if timestamp_in_range(us) {
                Ok(us)
            } else {
                Err(EngineError::new(
                    SqlState::DatetimeFieldOverflow,
                    "date out of range for timestamp",
                ))
            }
        }
    }
}

/// Converts a timestamp to its date (infinities map to infinities).
pub fn timestamp_to_date(t: i64) -> Result<i32> {
    match t {
        TS_INFINITY => Ok(DATE_INFINITY),
        TS_NEG_INFINITY => Ok(DATE_NEG_INFINITY),
        _ => {
            let days = split_timestamp(t).0;
            i32::try_from(days)
                .ok()
                .filter(|d| date_in_range(i64::from(*d)))
                .ok_or_else(date_out_of_range)
        }
    }
}

/// Builds a timestamp from calendar fields, checking the range.
pub fn timestamp_from_parts(y: i64, m: u32, d: u32, time_us: i64) -> Result<i64> {
    let days = days_from_ymd(y, m, d);
    days.checked_mul(USECS_PER_DAY)
        .and_then(|v| v.checked_add(time_us))
        .filter(|v| timestamp_in_range(*v))
        .ok_or_else(timestamp_out_of_range)
}

// ---------------------------------------------------------------------------
// Output

/// Appends a finite date in the `DateStyle` style and order; returns
/// whether it is BC (the caller appends ` BC`).
fn write_year_month_day(out: &mut String, days: i64, ds: DateStyle) -> bool {
    use std::fmt::Write;
    let (y, m, d) = ymd_from_days(days);
    let bc = y <= 0;
    let year = if bc { 1 - y } else { y };
    let dmy = ds.order == DateOrder::Dmy;
    let _ = match ds.style {
        Style::Iso => write!(out, "{year:04}-{m:02}-{d:02}"),
        Style::Sql if dmy => write!(out, "{d:02}/{m:02}/{year:04}"),
        Style::Sql => write!(out, "{m:02}/{d:02}/{year:04}"),
        Style::Postgres if dmy => write!(out, "{d:02}-{m:02}-{year:04}"),
        Style::Postgres => write!(out, "{m:02}-{d:02}-{year:04}"),
        Style::German => write!(out, "{d:02}.{m:02}.{year:04}"),
    };
    bc
}

/// Appends `time_us` (microseconds into a day, or any non-negative span)
/// as `HH:MM:SS[.ffffff]` with trailing fractional zeros removed.
pub fn write_time_of_day(out: &mut String, time_us: i64) {
    use std::fmt::Write;
    let hours = time_us / USECS_PER_HOUR;
    let minutes = (time_us / USECS_PER_MINUTE) % 60;
    let seconds = (time_us / USECS_PER_SEC) % 60;
    let frac = time_us % USECS_PER_SEC;
    let _ = write!(out, "{hours:02}:{minutes:02}:{seconds:02}");
    write_fraction(out, frac);
}

/// Appends `.ffffff` (trailing zeros trimmed) for a non-zero microsecond
/// fraction.
pub(crate) fn write_fraction(out: &mut String, frac: i64) {
    use std::fmt::Write;
    if frac != 0 {
        let mut digits = format!("{frac:06}");
        while digits.ends_with('0') {
            digits.pop();
        }
        let _ = write!(out, ".{digits}");
    }
}

/// Appends a `date` in the session's `DateStyle` (`2020-01-31`,
/// `0044-03-15 BC`, `infinity`).
pub fn write_date(out: &mut String, d: i32) {
    match d {
        DATE_INFINITY => out.push_str("infinity"),
        DATE_NEG_INFINITY => out.push_str("-infinity"),
        _ => {
            if write_year_month_day(out, i64::from(d), styles().0) {
                out.push_str(" BC");
            }
        }
    }
}

/// Appends a `timestamp` (`with_tz` = `timestamptz`, printed in the
/// session's zone with its offset, `2024-07-01 12:00:00-04`, or its
/// abbreviation outside ISO style) in the session's `DateStyle`.
pub fn write_timestamp(out: &mut String, t: i64, with_tz: bool) {
    match t {
        TS_INFINITY => out.push_str("infinity"),
        TS_NEG_INFINITY => out.push_str("-infinity"),
        _ => {
            let ds = styles().0;
            if with_tz {
                let (east, abbrev) = with_session_zone(|z| {
                    let east = z.offset_at(t);
                    let abbrev = if ds.style == Style::Iso {
                        String::new()
                    } else {
                        z.abbreviation_at(t)
                    };
                    (east, abbrev)
                });
                let local = t + i64::from(east) * USECS_PER_SEC;
                write_local_timestamp(out, local, Some((east, &abbrev)), ds);
            } else {
                write_local_timestamp(out, t, None, ds);
            }
        }
    }
}

const DAY_NAMES: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Appends a finite wall-clock timestamp in `ds`'s style, with the zone
/// (offset east of UTC and abbreviation) after the time when given.
fn write_local_timestamp(out: &mut String, t: i64, zone: Option<(i32, &str)>, ds: DateStyle) {
    use std::fmt::Write;
    let (days, time) = split_timestamp(t);
    let bc = if ds.style == Style::Postgres {
        let (y, m, d) = ymd_from_days(days);
        let dow = DAY_NAMES[(days + 6).rem_euclid(7) as usize];
        let mon = MONTH_NAMES[m as usize - 1];
        let _ = if ds.order == DateOrder::Dmy {
            write!(out, "{dow} {d:02} {mon} ")
        } else {
            write!(out, "{dow} {mon} {d:02} ")
        };
        write_time_of_day(out, time);
        let _ = write!(out, " {:04}", if y <= 0 { 1 - y } else { y });
        y <= 0
    } else {
        let bc = write_year_month_day(out, days, ds);
        out.push(' ');
        write_time_of_day(out, time);
        bc
    };
    if let Some((east, abbrev)) = zone {
        if ds.style == Style::Iso {
            write_offset(out, east);
        } else if abbrev.is_empty() {
            out.push(' ');
            write_offset(out, east);
        } else {
            out.push(' ');
            out.push_str(abbrev);
        }
    }
    if bc {
        out.push_str(" BC");
    }
}

// ---------------------------------------------------------------------------
// Input

/// Which type a date/time string is being read as (for messages and for
/// what to do with a zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateTimeKind {
    /// `date`.
    Date,
    /// `timestamp without time zone` (a zone in the input is ignored).
    Timestamp,
    /// `timestamp with time zone` (a zone in the input is applied).
    Timestamptz,
}

impl DateTimeKind {
    fn type_name(self) -> &'static str {
        match self {
            DateTimeKind::Date => "date",
            DateTimeKind::Timestamp => "timestamp",
            DateTimeKind::Timestamptz => "timestamp with time zone",
        }
    }
}

/// A zone written in a date/time string.
#[derive(Debug, Clone)]
enum ZoneSpec {
    /// A fixed offset, seconds east of UTC (`+05:30`, `PDT`).
    Offset(i64),
    /// A zone whose offset depends on the local time (`Europe/Paris`).
    Named(Zone),
}

/// A parsed date/time string.
#[derive(Debug, Clone)]
enum Parsed {
    Infinity,
    NegInfinity,
    Fields {
        year: i64,
        month: u32,
        day: u32,
        time_us: i64,
        zone: Option<ZoneSpec>,
    },
}

struct Errors<'a> {
    input: &'a str,
    kind: DateTimeKind,
}

impl Errors<'_> {
    fn syntax(&self) -> EngineError {
        EngineError::new(
            SqlState::InvalidDatetimeFormat,
            format!(
                "invalid input syntax for type {}: \"{}\"",
                self.kind.type_name(),
                self.input
            ),
        )
    }

    fn field(&self) -> EngineError {
        EngineError::new(
            SqlState::DatetimeFieldOverflow,
            format!("date/time field value out of range: \"{}\"", self.input),
        )
    }

    fn range(&self) -> EngineError {
        let what = match self.kind {
            DateTimeKind::Date => "date",
            _ => "timestamp",
        };
        EngineError::new(
            SqlState::DatetimeFieldOverflow,
            format!("{what} out of range: \"{}\"", self.input),
        )
    }
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_spaces(&mut self) -> bool {
        let start = self.pos;
        while matches!(
            self.peek(),
            Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0B' | b'\x0C')
        ) {
            self.pos += 1;
        }
        self.pos > start
    }

    /// A run of ASCII digits (as text), possibly empty.
    fn digits(&mut self) -> &[u8] {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        &self.bytes[start..self.pos]
    }

    fn word(&mut self) -> String {
        let start = self.pos;
        while matches!(self.peek(), Some(b'a'..=b'z' | b'A'..=b'Z')) {
            self.pos += 1;
        }
        String::from_utf8_lossy(&self.bytes[start..self.pos]).to_ascii_lowercase()
    }

    /// A word that may name a zone: letters, digits, `_` and `/`, and
    /// after a `/` also `+` and `-` (`Etc/GMT+5`).
    fn zone_word(&mut self) -> String {
        let start = self.pos;
        let mut slash = false;
        while let Some(b) = self.peek() {
            match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' => {}
                b'/' => slash = true,
                b'+' | b'-' if slash => {}
                _ => break,
            }
            self.pos += 1;
        }
        String::from_utf8_lossy(&self.bytes[start..self.pos]).into_owned()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
}

fn num(digits: &[u8]) -> Option<i64> {
    if digits.is_empty() || digits.len() > 12 {
        return None;
    }
    let mut v: i64 = 0;
    for &d in digits {
        v = v * 10 + i64::from(d - b'0');
    }
    Some(v)
}

/// Parses `.ffff` digits (already past the point) into microseconds,
/// rounding at the seventh digit.
fn fraction_micros(digits: &[u8]) -> i64 {
    let mut us: i64 = 0;
    for i in 0..6 {
        us = us * 10 + digits.get(i).map_or(0, |d| i64::from(d - b'0'));
    }
    if digits.get(6).is_some_and(|d| *d >= b'5') {
        us += 1;
    }
    us
}

fn parse_fields(input: &str, err: &Errors<'_>) -> Result<Parsed> {
    let trimmed = input.trim_matches(|c: char| c.is_ascii_whitespace());
    match trimmed.to_ascii_lowercase().as_str() {
        "infinity" | "+infinity" => return Ok(Parsed::Infinity),
        "-infinity" => return Ok(Parsed::NegInfinity),
        "epoch" => {
            return Ok(Parsed::Fields {
                year: 1970,
                month: 1,
                day: 1,
                time_us: 0,
                zone: Some(ZoneSpec::Offset(0)),
            })
        }
        _ => {}
    }
    let mut s = Scanner {
        bytes: trimmed.as_bytes(),
        pos: 0,
    };
    // Date part.
    let a = s.digits().to_vec();
    if a.is_empty() {
        return Err(err.syntax());
    }
    let (mut year, month, day, two_digit_year);
    match s.peek() {
        Some(sep @ (b'-' | b'/' | b'.')) => {
            s.pos += 1;
            let b = s.digits().to_vec();
            if !s.eat(sep) {
                return Err(err.syntax());
            }
            let c = s.digits().to_vec();
            let (a_n, b_n, c_n) = match (num(&a), num(&b), num(&c)) {
                (Some(x), Some(y), Some(z)) => (x, y, z),
                _ => return Err(err.syntax()),
            };
            let order = styles().0.order;
            if a.len() >= 3 || order == DateOrder::Ymd {
                year = a_n;
                month = b_n;
                day = c_n;
                two_digit_year = a.len() <= 2;
            } else if order == DateOrder::Dmy {
                day = a_n;
                month = b_n;
                year = c_n;
                two_digit_year = c.len() <= 2;
            } else {
                month = a_n;
                day = b_n;
                year = c_n;
                two_digit_year = c.len() <= 2;
            }
        }
        _ if a.len() == 8 => {
            year = num(&a[..4]).unwrap_or(0);
            month = num(&a[4..6]).unwrap_or(0);
            day = num(&a[6..]).unwrap_or(0);
            two_digit_year = false;
        }
        _ => return Err(err.syntax()),
    }
    if two_digit_year {
        year += if year < 70 { 2000 } else { 1900 };
    }

    // Time part.
    let mut time_us: i64 = 0;
    let mut zone: Option<ZoneSpec> = None;
    let mut bc = false;
    let had_space = s.skip_spaces();
    let after_sep = if !had_space && matches!(s.peek(), Some(b'T' | b't')) {
        s.pos += 1;
        true
    } else {
        had_space
    };
    if after_sep && matches!(s.peek(), Some(b'0'..=b'9')) {
        let h = num(s.digits()).ok_or_else(|| err.syntax())?;
        if !s.eat(b':') {
            return Err(err.syntax());
        }
        let m = num(s.digits()).ok_or_else(|| err.syntax())?;
        let mut sec = 0;
        let mut frac = 0;
        if s.eat(b':') {
            sec = num(s.digits()).ok_or_else(|| err.syntax())?;
            if s.eat(b'.') {
                frac = fraction_micros(s.digits());
            }
        }
        if h > 24 || m > 59 || sec > 60 || (h == 24 && (m > 0 || sec > 0 || frac > 0)) {
            return Err(err.field());
        }
        time_us = h * USECS_PER_HOUR + m * USECS_PER_MINUTE + sec * USECS_PER_SEC + frac;
    } else if after_sep && !had_space {
        return Err(err.syntax());
    }
    // Zone and era, in any order.
    loop {
        s.skip_spaces();
        match s.peek() {
            None => break,
            Some(sign @ (b'+' | b'-')) => {
                if zone.is_some() {
                    return Err(err.syntax());
                }
                s.pos += 1;
                let first = s.digits().to_vec();
                let (hh, mut mm, mut ss) = match first.len() {
                    1 | 2 => (num(&first).unwrap_or(0), 0, 0),
                    4 => (
                        num(&first[..2]).unwrap_or(0),
                        num(&first[2..]).unwrap_or(0),
                        0,
                    ),
                    6 => (
                        num(&first[..2]).unwrap_or(0),
                        num(&first[2..4]).unwrap_or(0),
                        num(&first[4..]).unwrap_or(0),
                    ),
                    _ => return Err(err.syntax()),
                };
                if first.len() <= 2 && s.eat(b':') {
                    mm = num(s.digits()).ok_or_else(|| err.syntax())?;
                    if s.eat(b':') {
                        ss = num(s.digits()).ok_or_else(|| err.syntax())?;
                    }
                }
                if hh > 15 * 60 || mm > 59 || ss > 59 {
                    return Err(err.field());
                }
                let secs = hh * 3600 + mm * 60 + ss;
                zone = Some(ZoneSpec::Offset(if sign == b'-' { -secs } else { secs }));
            }
            Some(b'a'..=b'z' | b'A'..=b'Z') => {
                let w = s.zone_word();
                match w.to_ascii_lowercase().as_str() {
                    "bc" => bc = true,
                    "ad" => {}
                    _ if zone.is_some() => return Err(err.syntax()),
                    lower => {
                        let named = if lower.contains('/') {
                            None
                        } else {
                            abbreviation(lower)
                        };
                        zone = Some(match named {
                            Some(Abbrev::Fixed(east, _)) => ZoneSpec::Offset(i64::from(east)),
                            Some(Abbrev::Dynamic(name)) => {
                                ZoneSpec::Named(Zone::by_name(name).ok_or_else(|| err.syntax())?)
                            }
                            None if lower.contains('/') => {
                                ZoneSpec::Named(Zone::by_name(&w).ok_or_else(|| err.syntax())?)
                            }
                            None => return Err(err.syntax()),
                        });
                    }
                }
            }
            Some(_) => return Err(err.syntax()),
        }
    }
    if bc {
        if year == 0 {
            return Err(err.field());
        }
        year = 1 - year;
    } else if year == 0 {
        return Err(err.field());
    }
    if !(1..=12).contains(&month) {
        let e = err.field();
        return Err(if month > 12 {
            e.with_hint("Perhaps you need a different \"datestyle\" setting.")
        } else {
            e
        });
    }
    let month = month as u32;
    if day < 1 || day > i64::from(days_in_month(year, month)) {
        return Err(err.field());
    }
    Ok(Parsed::Fields {
        year,
        month,
        day: day as u32,
        time_us,
        zone,
    })
}

/// Parses a `date` (a time part, if any, is checked and dropped).
pub fn parse_date(input: &str) -> Result<i32> {
    let err = Errors {
        input,
        kind: DateTimeKind::Date,
    };
    match parse_fields(input, &err)? {
        Parsed::Infinity => Ok(DATE_INFINITY),
        Parsed::NegInfinity => Ok(DATE_NEG_INFINITY),
        Parsed::Fields {
            year, month, day, ..
        } => {
            if !(-4713..=5_874_898).contains(&year) {
                return Err(err.range());
            }
            let days = days_from_ymd(year, month, day);
            if !date_in_range(days) {
                return Err(err.range());
            }
            Ok(days as i32)
        }
    }
}

/// Parses a `timestamp` or `timestamptz` (`kind` says which; a zone
/// offset is applied only for `timestamptz`, whose result is UTC).
pub fn parse_timestamp(input: &str, kind: DateTimeKind) -> Result<i64> {
    let err = Errors { input, kind };
    match parse_fields(input, &err)? {
        Parsed::Infinity => Ok(TS_INFINITY),
        Parsed::NegInfinity => Ok(TS_NEG_INFINITY),
        Parsed::Fields {
            year,
            month,
            day,
            time_us,
            zone,
        } => {
            if !(-4713..=294_277).contains(&year) {
                return Err(err.range());
            }
            let mut us = days_from_ymd(year, month, day) * USECS_PER_DAY + time_us;
            if kind == DateTimeKind::Timestamptz {
                us = match zone {
                    Some(ZoneSpec::Offset(east)) => us - east * USECS_PER_SEC,
                    Some(ZoneSpec::Named(z)) => z.from_local(us),
                    None => with_session_zone(|z| z.from_local(us)),
                };
            }
            if !timestamp_in_range(us) {
                return Err(err.range());
            }
            Ok(us)
        }
    }
}

// ---------------------------------------------------------------------------
// `time`

/// `24:00:00`, the largest `time` (microseconds since midnight).
pub const TIME_MAX: i64 = USECS_PER_DAY;

/// Appends a `time` (`HH:MM:SS[.ffffff]`, trailing fractional zeros
/// trimmed, `24:00:00` for the end of the day).
pub fn write_time(out: &mut String, t: i64) {
    write_time_of_day(out, t);
}

fn time_syntax(input: &str) -> EngineError {
    EngineError::new(
        SqlState::InvalidDatetimeFormat,
        format!("invalid input syntax for type time: \"{input}\""),
    )
}

fn time_field(input: &str) -> EngineError {
    EngineError::new(
        SqlState::DatetimeFieldOverflow,
        format!("date/time field value out of range: \"{input}\""),
    )
}

/// A digit run as a number, saturating (an absurdly long run is simply
/// out of range later); an empty run is 0.
fn saturating_num(digits: &[u8]) -> i64 {
    digits.iter().fold(0i64, |v, d| {
        v.saturating_mul(10).saturating_add(i64::from(d - b'0'))
    })
}

/// `.ffff` digits (past the point) as microseconds, rounded as
/// PostgreSQL does (`rint` of the fraction read as a double times 10^6).
fn time_fraction(digits: &[u8]) -> i64 {
    if digits.is_empty() {
        return 0;
    }
    let text = format!("0.{}", String::from_utf8_lossy(digits));
    let frac: f64 = text.parse().unwrap_or(0.0);
    (frac * USECS_PER_SEC as f64).round_ties_even() as i64
}

/// Parses a `time [without time zone]` as PostgreSQL's `time_in` does:
/// `HH:MM[:SS[.ffffff]]` (empty fields after a colon are 0; `MM:SS.ff`
/// when the second field has a fraction), `HHMM` and `HHMMSS[.ff]`, an
/// optional leading `T`, `AM`/`PM`, a zone (`Z`, `UTC`, `+HH[:MM]`, ...)
/// which is checked and ignored, a date before the time (also ignored),
/// and `allballs` (midnight). Hours run to 24 (`24:00:00` only), seconds
/// to 60 (a leap second, carried over) as long as the total is at most
/// `24:00:00`; other values are `22008 date/time field value out of
/// range`, malformed input `22007 invalid input syntax for type time`.
/// `now` is not supported (0A000).
pub fn parse_time(input: &str) -> Result<i64> {
    parse_time_zone(input).map(|t| t.time)
}

/// A time of day as read by [`parse_time_zone`].
pub struct TimeWithZone {
    /// Microseconds since midnight.
    pub time: i64,
    /// The zone written after the time, in seconds east of UTC.
    pub zone: Option<i32>,
    /// Whether a date came first (its zone, if any, is not reported).
    pub had_date: bool,
}

/// [`parse_time`], also reporting the zone written after the time
/// (numeric offsets, `Z`/`UTC`/`GMT` and the North American
/// abbreviations, with a POSIX-style offset after a name: `UTC+3` is
/// three hours west).
pub fn parse_time_zone(input: &str) -> Result<TimeWithZone> {
    let trimmed = input.trim_matches(|c: char| c.is_ascii_whitespace());
    match trimmed.to_ascii_lowercase().as_str() {
        "allballs" => {
            return Ok(TimeWithZone {
                time: 0,
                zone: None,
                had_date: false,
            })
        }
        "now" => return Err(EngineError::unsupported("time input \"now\"")),
        _ => {}
    }
    // A date first: `2000-01-01 12:34:56` (the date must be followed by
    // a time).
    let first_token_end = trimmed
        .find(|c: char| c.is_ascii_whitespace())
        .unwrap_or(trimmed.len());
    let first_token = &trimmed[..first_token_end];
    let after_digits = first_token.trim_start_matches(|c: char| c.is_ascii_digit());
    if after_digits.len() < first_token.len() && after_digits.starts_with(['-', '/']) {
        let rest = trimmed[first_token_end..].trim_start_matches(|c: char| c.is_ascii_whitespace());
        if !rest.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(time_syntax(input));
        }
        return match parse_timestamp(input, DateTimeKind::Timestamp) {
            Ok(t) if timestamp_is_finite(t) => {
                // `split_timestamp` puts 24:00 on the next day.
                let time = split_timestamp(t).1;
                let (_, time_part) = trimmed.split_at(first_token_end);
                let time = if time == 0 && time_part.trim_start().starts_with("24") {
                    TIME_MAX
                } else {
                    time
                };
                Ok(TimeWithZone {
                    time,
                    zone: None,
                    had_date: true,
                })
            }
            Ok(_) => Err(time_syntax(input)),
            Err(e) if e.state == SqlState::InvalidDatetimeFormat => Err(time_syntax(input)),
            Err(e) => Err(e),
        };
    }

    let mut s = Scanner {
        bytes: trimmed.as_bytes(),
        pos: 0,
    };
    if matches!(s.peek(), Some(b'T' | b't')) && matches!(s.bytes.get(1), Some(b'0'..=b'9')) {
        s.pos += 1;
    }
    let first = s.digits().to_vec();
    if first.is_empty() {
        return Err(time_syntax(input));
    }
    let (mut hour, minute, second, frac);
    if s.eat(b':') {
        let b = s.digits().to_vec();
        if s.eat(b':') {
            let c = s.digits().to_vec();
            let f = if s.eat(b'.') {
                s.digits().to_vec()
            } else {
                Vec::new()
            };
            hour = saturating_num(&first);
            minute = saturating_num(&b);
            second = saturating_num(&c);
            frac = time_fraction(&f);
        } else if s.eat(b'.') {
            // `MM:SS.ff`.
            let f = s.digits().to_vec();
            hour = 0;
            minute = saturating_num(&first);
            second = saturating_num(&b);
            frac = time_fraction(&f);
        } else {
            hour = saturating_num(&first);
            minute = saturating_num(&b);
            second = 0;
            frac = 0;
        }
    } else if first.len() == 4 || first.len() == 6 {
        // `HHMM`, `HHMMSS[.ff]`.
        hour = saturating_num(&first[..2]);
        minute = saturating_num(&first[2..4]);
        second = if first.len() == 6 {
            saturating_num(&first[4..])
        } else {
            0
        };
        frac = if first.len() == 6 && s.eat(b'.') {
            time_fraction(s.digits())
        } else {
            0
        };
    } else {
        return Err(time_syntax(input));
    }
    if minute > 59 || second > 60 || frac > USECS_PER_SEC {
        return Err(time_field(input));
    }
    // AM/PM, zone and era, in any order.
    let mut meridian: Option<bool> = None; // Some(true) = PM
    let mut zone = false;
    let mut east: Option<i32> = None;
    loop {
        s.skip_spaces();
        match s.peek() {
            None => break,
            Some(b'+' | b'-') => {
                if zone {
                    return Err(time_syntax(input));
                }
                zone = true;
                let negative = s.peek() == Some(b'-');
                s.pos += 1;
                let digits = s.digits().to_vec();
                let (hh, mut mm, mut ss) = match digits.len() {
                    1 | 2 => (saturating_num(&digits), 0, 0),
                    4 => (
                        saturating_num(&digits[..2]),
                        saturating_num(&digits[2..]),
                        0,
                    ),
                    6 => (
                        saturating_num(&digits[..2]),
                        saturating_num(&digits[2..4]),
                        saturating_num(&digits[4..]),
                    ),
                    _ => return Err(time_syntax(input)),
                };
                if digits.len() <= 2 && s.eat(b':') {
                    mm = saturating_num(s.digits());
                    if s.eat(b':') {
                        ss = saturating_num(s.digits());
                    }
                }
                if hh > 15 || mm > 59 || ss > 59 {
                    // PostgreSQL's SQLSTATE is 22009, which the engine
                    // reports as the nearest date/time overflow.
                    return Err(EngineError::new(
                        SqlState::DatetimeFieldOverflow,
                        format!("time zone displacement out of range: \"{input}\""),
                    ));
                }
                let secs = (hh * 3600 + mm * 60 + ss) as i32;
                east = Some(if negative { -secs } else { secs });
            }
            Some(b'a'..=b'z' | b'A'..=b'Z') => {
                let w = s.word();
                match w.as_str() {
                    "am" | "pm" if meridian.is_none() => meridian = Some(w == "pm"),
                    "z" | "zulu" | "utc" | "ut" | "gmt" | "est" | "edt" | "cst" | "cdt" | "mst"
                    | "mdt" | "pst" | "pdt"
                        if !zone =>
                    {
                        zone = true;
                        let hours_east = match w.as_str() {
                            "edt" => -4,
                            "est" | "cdt" => -5,
                            "cst" | "mdt" => -6,
                            "mst" | "pdt" => -7,
                            "pst" => -8,
                            _ => 0,
                        };
                        let mut offset = hours_east * 3600;
                        // `UTC+3`: a POSIX-style offset (west positive) may
                        // follow the zone name.
                        if matches!(s.peek(), Some(b'+' | b'-')) {
                            let negative = s.peek() == Some(b'-');
                            s.pos += 1;
                            let h = s.digits().to_vec();
                            if h.is_empty() {
                                return Err(time_syntax(input));
                            }
                            let mut secs = saturating_num(&h).min(100) * 3600;
                            if s.eat(b':') {
                                secs += saturating_num(s.digits()).min(100) * 60;
                            }
                            let secs = secs as i32;
                            offset += if negative { secs } else { -secs };
                        }
                        east = Some(offset);
                    }
                    "ad" | "bc" => {}
                    _ => return Err(time_syntax(input)),
                }
            }
            Some(_) => return Err(time_syntax(input)),
        }
    }
    if let Some(pm) = meridian {
        if hour > 12 {
            return Err(time_field(input));
        }
        if !pm && hour == 12 {
            hour = 0;
        } else if pm && hour != 12 {
            hour += 12;
        }
    }
    if hour > 24 || (hour == 24 && (minute > 0 || second > 0 || frac > 0)) {
        return Err(time_field(input));
    }
    let total = hour * USECS_PER_HOUR + minute * USECS_PER_MINUTE + second * USECS_PER_SEC + frac;
    if total > TIME_MAX {
        return Err(time_field(input));
    }
    Ok(TimeWithZone {
        time: total,
        zone: east,
        had_date: false,
    })
}

/// The time of day of a timestamp (`timestamp::time`); `None` (SQL
/// `NULL`, as PostgreSQL returns) for the infinities.
pub fn timestamp_to_time(t: i64) -> Option<i64> {
    timestamp_is_finite(t).then(|| split_timestamp(t).1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> String {
        let mut out = String::new();
        write_timestamp(
            &mut out,
            parse_timestamp(s, DateTimeKind::Timestamp).unwrap(),
            false,
        );
        out
    }

    #[test]
    fn calendar_round_trip() {
        assert_eq!(days_from_ymd(2000, 1, 1), 0);
        assert_eq!(days_from_ymd(1970, 1, 1), UNIX_EPOCH_DAYS);
        assert_eq!(days_from_ymd(-4713, 11, 24), -POSTGRES_EPOCH_JDATE);
        for d in (-3_000_000..3_000_000).step_by(997) {
            let (y, m, dd) = ymd_from_days(d);
            assert_eq!(days_from_ymd(y, m, dd), d);
        }
    }

    #[test]
    fn parse_and_print() {
        assert_eq!(ts("2020-01-01 10:00:00"), "2020-01-01 10:00:00");
        assert_eq!(ts("2020-01-01T10:00:00.5"), "2020-01-01 10:00:00.5");
        assert_eq!(ts("2020-01-01 24:00:00"), "2020-01-02 00:00:00");
        assert_eq!(ts("1/2/2020"), "2020-01-02 00:00:00");
        assert_eq!(ts("0001-01-01 BC"), "0001-01-01 00:00:00 BC");
        assert!(parse_timestamp("2020-01-01 25:00", DateTimeKind::Timestamp).is_err());
        assert_eq!(
            parse_date("abc").unwrap_err().state,
            SqlState::InvalidDatetimeFormat
        );
        assert_eq!(
            parse_date("2020-02-30").unwrap_err().state,
            SqlState::DatetimeFieldOverflow
        );
    }
}
