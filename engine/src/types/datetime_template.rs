//! Reading text by a datetime template, as PostgreSQL 15's
//! `formatting.c` does for `to_timestamp(text, text)`, `to_date(text,
//! text)` and the jsonpath item method `.datetime(template)`.
//!
//! A template compiles into [`Node`]s: fields (`YYYY`, `MM`, `HH24`,
//! `TZH`, ...), separators (punctuation), spaces and literal text. Input
//! is then consumed node by node. A numeric field reads its digits up to
//! its width when the next node is another field (`YYYYMMDD`), and every
//! digit there is otherwise (`YYYY-MM`), as PostgreSQL does.
//!
//! Two modes: the SQL functions' lenient mode (a separator matches any
//! one non-alphanumeric character, spaces are skipped, trailing input is
//! ignored) and the SQL/JSON *standard* mode of jsonpath, where separators
//! must match exactly, the input must be used up and the template must
//! not run past the input. Errors are PostgreSQL's (22007, 22008).
//! Fields PostgreSQL reads but that carry no value applications rely on
//! (`Q`, `W`, `WW`, `IW`, `ID`, `D`, `RM`, `CC`, ISO years) fail with
//! 0A000 naming them, rather than being ignored.

use crate::error::{EngineError, Result, SqlState};

/// What a template read from its input.
#[derive(Debug, Default, Clone)]
pub struct Fields {
    /// Year (astronomical after BC is applied).
    pub year: Option<i64>,
    /// Month 1..=12.
    pub month: Option<u32>,
    /// Day of month.
    pub day: Option<u32>,
    /// Day of year (`DDD`).
    pub day_of_year: Option<u32>,
    /// Julian day (`J`).
    pub julian: Option<i64>,
    /// Hour as read (24-hour unless `hour12`).
    pub hour: Option<u32>,
    /// `HH`/`HH12` was used.
    pub hour12: bool,
    /// `PM` (`Some(true)`) or `AM`.
    pub pm: Option<bool>,
    /// Minute.
    pub minute: Option<u32>,
    /// Second.
    pub second: Option<u32>,
    /// Seconds past midnight (`SSSS`).
    pub seconds_of_day: Option<u32>,
    /// Fraction of a second in microseconds.
    pub micros: i64,
    /// `BC` was given.
    pub bc: bool,
    /// Zone offset in seconds east of UTC (`TZH`, `TZM`).
    pub zone_east: Option<i32>,
    /// The template has date fields.
    pub dated: bool,
    /// The template has time fields.
    pub timed: bool,
    /// The template has zone fields.
    pub zoned: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Field {
    YearComma,
    Year4,
    Year3,
    Year2,
    Year1,
    Month,
    MonthName,
    MonthAbbrev,
    DayName,
    DayAbbrev,
    DayOfYear,
    Day,
    Hour24,
    Hour12,
    Minute,
    SecondsOfDay,
    Second,
    Milli,
    Micro,
    Fraction(u32),
    Meridian,
    MeridianDots,
    Era,
    EraDots,
    TzHour,
    TzMinute,
    Julian,
}

#[derive(Debug, Clone)]
enum Node {
    Field(Field, &'static str),
    Separator(char),
    Space,
    Literal(char),
}

/// The template keywords, longest first where one is a prefix of
/// another; matched case-insensitively.
const KEYWORDS: &[(&str, Field)] = &[
    ("Y,YYY", Field::YearComma),
    ("YYYY", Field::Year4),
    ("YYY", Field::Year3),
    ("YY", Field::Year2),
    ("Y", Field::Year1),
    ("MONTH", Field::MonthName),
    ("MON", Field::MonthAbbrev),
    ("MM", Field::Month),
    ("MS", Field::Milli),
    ("MI", Field::Minute),
    ("DAY", Field::DayName),
    ("DDD", Field::DayOfYear),
    ("DD", Field::Day),
    ("DY", Field::DayAbbrev),
    ("HH24", Field::Hour24),
    ("HH12", Field::Hour12),
    ("HH", Field::Hour12),
    ("SSSSS", Field::SecondsOfDay),
    ("SSSS", Field::SecondsOfDay),
    ("SS", Field::Second),
    ("US", Field::Micro),
    ("FF1", Field::Fraction(1)),
    ("FF2", Field::Fraction(2)),
    ("FF3", Field::Fraction(3)),
    ("FF4", Field::Fraction(4)),
    ("FF5", Field::Fraction(5)),
    ("FF6", Field::Fraction(6)),
    ("A.M.", Field::MeridianDots),
    ("P.M.", Field::MeridianDots),
    ("AM", Field::Meridian),
    ("PM", Field::Meridian),
    ("B.C.", Field::EraDots),
    ("A.D.", Field::EraDots),
    ("BC", Field::Era),
    ("AD", Field::Era),
    ("TZH", Field::TzHour),
    ("TZM", Field::TzMinute),
    ("J", Field::Julian),
];

/// Keywords PostgreSQL reads that are refused here (0A000).
const REFUSED: &[&str] = &[
    "IYYY", "IYY", "IY", "IW", "ID", "WW", "CC", "RM", "TZ", "OF", "Q", "W", "D", "I",
];

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

const DAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

fn format_error(msg: impl Into<String>) -> EngineError {
    EngineError::new(SqlState::InvalidDatetimeFormat, msg)
}

/// Compiles a template; `standard` applies the SQL/JSON rules to its
/// separators.
fn compile(template: &str, standard: bool) -> Result<Vec<Node>> {
    let mut nodes = Vec::new();
    let mut rest = template;
    'outer: while let Some(c) = rest.chars().next() {
        if c == 'F' || c == 'f' {
            // `FX` (fixed format) and the `FM` prefix.
            let upper = rest.get(..2).map(str::to_ascii_uppercase);
            if upper.as_deref() == Some("FX") || upper.as_deref() == Some("FM") {
                return Err(EngineError::unsupported(format!(
                    "datetime template modifier {}",
                    upper.unwrap_or_default()
                )));
            }
        }
        for (kw, field) in KEYWORDS {
            if rest.len() >= kw.len()
                && rest.is_char_boundary(kw.len())
                && rest[..kw.len()].eq_ignore_ascii_case(kw)
            {
                nodes.push(Node::Field(*field, kw));
                rest = &rest[kw.len()..];
                continue 'outer;
            }
        }
        if c.is_ascii_alphabetic() {
            if let Some(kw) = REFUSED.iter().find(|kw| {
                rest.len() >= kw.len()
                    && rest.is_char_boundary(kw.len())
                    && rest[..kw.len()].eq_ignore_ascii_case(kw)
            }) {
                return Err(EngineError::unsupported(format!(
                    "datetime template field {kw}"
                )));
            }
        }
        rest = &rest[c.len_utf8()..];
        if c == '"' {
            // Literal text up to the closing quote.
            let mut chars = rest.char_indices();
            let mut end = rest.len();
            while let Some((i, ch)) = chars.next() {
                match ch {
                    '"' => {
                        end = i;
                        break;
                    }
                    '\\' => {
                        if let Some((_, esc)) = chars.next() {
                            nodes.push(Node::Literal(esc));
                        }
                    }
                    ch => nodes.push(Node::Literal(ch)),
                }
            }
            rest = rest.get(end + 1..).unwrap_or("");
        } else if c == ' ' {
            nodes.push(Node::Space);
        } else if c.is_ascii_alphanumeric() {
            if standard {
                return Err(format_error(format!(
                    "invalid datetime format separator: \"{c}\""
                )));
            }
            nodes.push(Node::Literal(c));
        } else {
            if standard && !"-./,':; ".contains(c) {
                return Err(format_error(format!(
                    "invalid datetime format separator: \"{c}\""
                )));
            }
            nodes.push(Node::Separator(c));
        }
    }
    Ok(nodes)
}

fn is_numeric_field(f: Field) -> bool {
    !matches!(
        f,
        Field::MonthName
            | Field::MonthAbbrev
            | Field::DayName
            | Field::DayAbbrev
            | Field::Meridian
            | Field::MeridianDots
            | Field::Era
            | Field::EraDots
    )
}

/// The most digits a numeric field reads when another field follows it
/// directly.
fn width(f: Field) -> usize {
    match f {
        Field::Year4 | Field::YearComma => 4,
        Field::Year3 | Field::DayOfYear | Field::Milli => 3,
        Field::Year1 => 1,
        Field::Micro => 6,
        Field::Fraction(n) => n as usize,
        Field::SecondsOfDay => 5,
        Field::Julian => 7,
        _ => 2,
    }
}

struct Reader<'a> {
    input: &'a str,
    pos: usize,
    standard: bool,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    fn skip_spaces(&mut self) {
        let r = self.rest();
        self.pos += r.len() - r.trim_start().len();
    }

    fn too_short(&self) -> EngineError {
        format_error("input string is too short for datetime format")
    }

    /// Reads an integer: up to `max` digits when `bounded`, else every
    /// digit, with an optional sign for `signed` fields.
    fn int(&mut self, name: &str, max: usize, bounded: bool, signed: bool) -> Result<i64> {
        if !self.standard {
            self.skip_spaces();
        }
        let r = self.rest();
        if r.is_empty() {
            return Err(self.too_short());
        }
        let b = r.as_bytes();
        let mut n = 0;
        if signed && matches!(b[0], b'+' | b'-') {
            n = 1;
        }
        let digits_start = n;
        while n < b.len() && b[n].is_ascii_digit() && (!bounded || n - digits_start < max) {
            n += 1;
        }
        if n == digits_start {
            let shown: String = r.chars().take(max.max(1)).collect();
            return Err(
                format_error(format!("invalid value \"{shown}\" for \"{name}\""))
                    .with_detail("Value must be an integer."),
            );
        }
        let v: i64 = r[..n].parse().map_err(|_| {
            EngineError::new(
                SqlState::DatetimeFieldOverflow,
                format!("value for \"{name}\" in source string is out of range"),
            )
            .with_detail("Value must be in the range -2147483648 to 2147483647.")
        })?;
        self.pos += n;
        Ok(v)
    }

    /// Reads one of `names` (case-insensitive, full or first three
    /// letters); returns its index.
    fn word(&mut self, field: &str, names: &[&str], abbrev: bool) -> Result<usize> {
        if !self.standard {
            self.skip_spaces();
        }
        let r = self.rest();
        for (i, name) in names.iter().enumerate() {
            let want = if abbrev { &name[..3] } else { name };
            if r.len() >= want.len()
                && r.is_char_boundary(want.len())
                && r[..want.len()].eq_ignore_ascii_case(want)
            {
                self.pos += want.len();
                return Ok(i);
            }
        }
        if r.is_empty() {
            return Err(self.too_short());
        }
        let shown: String = r.chars().take_while(|c| c.is_alphabetic()).collect();
        Err(
            format_error(format!("invalid value \"{shown}\" for \"{field}\"")).with_detail(
                "The given value did not match any of the allowed values for this field.",
            ),
        )
    }
}

/// Reads `input` by `template`. `standard` is jsonpath's mode (see the
/// module docs).
pub fn parse(input: &str, template: &str, standard: bool) -> Result<Fields> {
    let nodes = compile(template, standard)?;
    let mut r = Reader {
        input,
        pos: 0,
        standard,
    };
    let mut f = Fields::default();
    for (i, node) in nodes.iter().enumerate() {
        match node {
            Node::Space => {
                if standard {
                    match r.rest().chars().next() {
                        Some(' ') => r.pos += 1,
                        None => return Err(r.too_short()),
                        Some(_) => {
                            return Err(format_error("unmatched format separator \" \""));
                        }
                    }
                } else {
                    r.skip_spaces();
                }
            }
            Node::Separator(c) => match r.rest().chars().next() {
                None if standard => return Err(r.too_short()),
                None => {}
                Some(got) if standard => {
                    if got == *c {
                        r.pos += got.len_utf8();
                    } else {
                        return Err(format_error(format!("unmatched format separator \"{c}\"")));
                    }
                }
                Some(got) if !got.is_alphanumeric() => r.pos += got.len_utf8(),
                Some(_) => {}
            },
            Node::Literal(c) => match r.rest().chars().next() {
                None if standard => return Err(r.too_short()),
                None => {}
                Some(got) => {
                    if standard && got != *c {
                        return Err(format_error(format!("unmatched format character \"{c}\"")));
                    }
                    r.pos += got.len_utf8();
                }
            },
            Node::Field(field, name) => {
                let bounded = matches!(nodes.get(i + 1), Some(Node::Field(next, _)) if is_numeric_field(*next))
                    || matches!(field, Field::Fraction(_) | Field::Milli | Field::Micro);
                read_field(&mut r, &mut f, *field, name, bounded)?;
            }
        }
    }
    if standard && !r.rest().is_empty() {
        return Err(format_error(
            "trailing characters remain in input string after datetime format",
        ));
    }
    check_ranges(&f, input)?;
    Ok(f)
}

fn read_field(
    r: &mut Reader<'_>,
    f: &mut Fields,
    field: Field,
    name: &str,
    bounded: bool,
) -> Result<()> {
    let w = width(field);
    match field {
        Field::YearComma => {
            let thousands = r.int(name, 1, true, false)?;
            if r.rest().starts_with(',') {
                r.pos += 1;
            }
            let rest = r.int(name, 3, true, false)?;
            f.year = Some(thousands * 1000 + rest);
            f.dated = true;
        }
        Field::Year4 | Field::Year3 | Field::Year2 | Field::Year1 => {
            let start = r.pos;
            let v = r.int(name, w, bounded, false)?;
            let digits = r.input[start..r.pos].trim_start().len();
            // PostgreSQL's adjust_partial_year_to_2020.
            let v = match (field, digits) {
                (Field::Year1, 1) => v + 2000,
                (Field::Year2, ..=2) => {
                    if v < 70 {
                        v + 2000
                    } else {
                        v + 1900
                    }
                }
                (Field::Year3, ..=3) => {
                    if v < 100 {
                        v + 2000
                    } else {
                        v + 1000
                    }
                }
                _ => v,
            };
            f.year = Some(v);
            f.dated = true;
        }
        Field::Month => {
            f.month = Some(small(r.int(name, w, bounded, false)?));
            f.dated = true;
        }
        Field::MonthName | Field::MonthAbbrev => {
            let i = r.word(name, &MONTHS, field == Field::MonthAbbrev)?;
            f.month = Some(i as u32 + 1);
            f.dated = true;
        }
        Field::DayName | Field::DayAbbrev => {
            // Read and checked, but (as PostgreSQL) not used.
            r.word(name, &DAYS, field == Field::DayAbbrev)?;
            f.dated = true;
        }
        Field::Day => {
            f.day = Some(small(r.int(name, w, bounded, false)?));
            f.dated = true;
        }
        Field::DayOfYear => {
            f.day_of_year = Some(small(r.int(name, w, bounded, false)?));
            f.dated = true;
        }
        Field::Julian => {
            f.julian = Some(r.int(name, w, bounded, false)?);
            f.dated = true;
        }
        Field::Hour24 | Field::Hour12 => {
            f.hour = Some(small(r.int(name, w, bounded, false)?));
            f.hour12 |= field == Field::Hour12;
            f.timed = true;
        }
        Field::Minute => {
            f.minute = Some(small(r.int(name, w, bounded, false)?));
            f.timed = true;
        }
        Field::Second => {
            f.second = Some(small(r.int(name, w, bounded, false)?));
            f.timed = true;
        }
        Field::SecondsOfDay => {
            f.seconds_of_day = Some(small(r.int(name, w, bounded, false)?));
            f.timed = true;
        }
        Field::Milli | Field::Micro | Field::Fraction(_) => {
            let start = r.pos;
            let v = r.int(name, w, true, false)?;
            let digits = r.input[start..r.pos].trim_start().len() as u32;
            // `.5` is half a second in every width.
            f.micros = v * 10_i64.pow(6 - digits.min(6));
            f.timed = true;
        }
        Field::Meridian | Field::MeridianDots => {
            let names: &[&str] = if field == Field::Meridian {
                &["am", "pm"]
            } else {
                &["a.m.", "p.m."]
            };
            f.pm = Some(r.word(name, names, false)? == 1);
            f.timed = true;
        }
        Field::Era | Field::EraDots => {
            let names: &[&str] = if field == Field::Era {
                &["ad", "bc"]
            } else {
                &["a.d.", "b.c."]
            };
            f.bc = r.word(name, names, false)? == 1;
            f.dated = true;
        }
        Field::TzHour => {
            // A sign, or a blank standing for `+`.
            if !r.standard && r.rest().starts_with(' ') {
                r.pos += 1;
            }
            let negative = r.rest().starts_with('-');
            let h = r.int(name, w, bounded, true)?;
            let east = h.unsigned_abs() as i32 * 3600;
            f.zone_east = Some(if negative { -east } else { east });
            f.zoned = true;
        }
        Field::TzMinute => {
            let m = r.int(name, w, bounded, false)? as i32 * 60;
            let east = f.zone_east.unwrap_or(0);
            f.zone_east = Some(if east < 0 { east - m } else { east + m });
            f.zoned = true;
        }
    }
    Ok(())
}

fn small(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn out_of_range(input: &str) -> EngineError {
    EngineError::new(
        SqlState::DatetimeFieldOverflow,
        format!("date/time field value out of range: \"{input}\""),
    )
}

fn check_ranges(f: &Fields, input: &str) -> Result<()> {
    if let (Some(h), true) = (f.hour, f.hour12) {
        if !(1..=12).contains(&h) {
            return Err(EngineError::new(
                SqlState::InvalidDatetimeFormat,
                format!("hour \"{h}\" is invalid for the 12-hour clock"),
            )
            .with_hint("Use the 24-hour clock, or give an hour between 1 and 12."));
        }
    }
    if f.month.is_some_and(|m| !(1..=12).contains(&m))
        || f.hour.is_some_and(|h| h > 24)
        || f.minute.is_some_and(|m| m > 59)
        || f.second.is_some_and(|s| s > 60)
    {
        return Err(out_of_range(input));
    }
    Ok(())
}

impl Fields {
    /// The date read, as days since 2000-01-01 (year 1, January and day 1
    /// stand in for what the template leaves out).
    pub fn date_days(&self, input: &str) -> Result<i64> {
        if let Some(j) = self.julian {
            return Ok(j - super::datetime::POSTGRES_EPOCH_JDATE);
        }
        let mut year = self.year.unwrap_or(1);
        if self.bc {
            year = 1 - year;
        }
        if let Some(doy) = self.day_of_year {
            let len = if super::datetime::is_leap(year) {
                366
            } else {
                365
            };
            if !(1..=len).contains(&doy) {
                return Err(out_of_range(input));
            }
            return Ok(super::datetime::days_from_ymd(year, 1, 1) + i64::from(doy) - 1);
        }
        let month = self.month.unwrap_or(1);
        let day = self.day.unwrap_or(1);
        if day == 0 || day > super::datetime::days_in_month(year, month) {
            return Err(out_of_range(input));
        }
        Ok(super::datetime::days_from_ymd(year, month, day))
    }

    /// The time of day read, in microseconds.
    pub fn time_micros(&self, input: &str) -> Result<i64> {
        const SEC: i64 = 1_000_000;
        if let Some(s) = self.seconds_of_day {
            return Ok(i64::from(s) * SEC + self.micros);
        }
        let mut hour = i64::from(self.hour.unwrap_or(0));
        match self.pm {
            Some(true) if hour < 12 => hour += 12,
            Some(false) if hour == 12 => hour = 0,
            _ => {}
        }
        let t = (hour * 3600
            + i64::from(self.minute.unwrap_or(0)) * 60
            + i64::from(self.second.unwrap_or(0)))
            * SEC
            + self.micros;
        if t > 24 * 3600 * SEC {
            return Err(out_of_range(input));
        }
        Ok(t)
    }
}

/// `to_timestamp(text, text)`: the local time read, in the zone the
/// template gives (`TZH`/`TZM`) or else the session's.
pub fn to_timestamp(input: &str, template: &str) -> Result<i64> {
    let f = parse(input, template, false)?;
    let local = f.date_days(input)? * 86_400_000_000 + f.time_micros(input)?;
    let utc = match f.zone_east {
        Some(east) => local - i64::from(east) * 1_000_000,
        None => super::zone::with_session_zone(|z| z.from_local(local)),
    };
    if !super::datetime::timestamp_in_range(utc) {
        return Err(super::datetime::timestamp_out_of_range());
    }
    Ok(utc)
}

/// `to_date(text, text)`.
pub fn to_date(input: &str, template: &str) -> Result<i32> {
    let f = parse(input, template, false)?;
    let days = f.date_days(input)?;
    if !super::datetime::date_in_range(days) {
        return Err(EngineError::new(
            SqlState::DatetimeFieldOverflow,
            format!("date out of range: \"{input}\""),
        ));
    }
    i32::try_from(days).map_err(|_| super::datetime::date_out_of_range())
}

/// `to_timestamp(double precision)`: seconds since the Unix epoch.
pub fn to_timestamp_epoch(seconds: f64) -> Result<i64> {
    if seconds.is_nan() {
        return Err(EngineError::new(
            SqlState::DatetimeFieldOverflow,
            "timestamp cannot be NaN",
        ));
    }
    if seconds.is_infinite() {
        return Ok(if seconds > 0.0 { i64::MAX } else { i64::MIN });
    }
    // Seconds between 1970-01-01 and 2000-01-01.
    let us = (seconds - 946_684_800.0) * 1_000_000.0;
    let out_of_range = || {
        EngineError::new(
            SqlState::DatetimeFieldOverflow,
            format!("timestamp out of range: \"{seconds}\""),
        )
    };
    if !(-2.0e17..2.0e17).contains(&us) {
        return Err(out_of_range());
    }
    let us = us.round() as i64;
    if !super::datetime::timestamp_in_range(us) {
        return Err(out_of_range());
    }
    Ok(us)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields() {
        let f = parse(
            "10-03-2017 12:34:56.789 +05:30",
            "dd-mm-yyyy HH24:MI:SS.MS TZH:TZM",
            true,
        )
        .unwrap();
        assert_eq!((f.year, f.month, f.day), (Some(2017), Some(3), Some(10)));
        assert_eq!(
            (f.hour, f.minute, f.second, f.micros),
            (Some(12), Some(34), Some(56), 789_000)
        );
        assert_eq!(f.zone_east, Some(5 * 3600 + 30 * 60));
        let f = parse("20170310", "YYYYMMDD", false).unwrap();
        assert_eq!((f.year, f.month, f.day), (Some(2017), Some(3), Some(10)));
        let f = parse("Mar 10 2017 12:34 PM", "Mon DD YYYY HH:MI AM", true).unwrap();
        assert_eq!(
            f.time_micros("").unwrap(),
            (12 * 3600 + 34 * 60) * 1_000_000
        );
    }

    #[test]
    fn standard_mode_errors_as_postgres() {
        let msg = |i: &str, t: &str| parse(i, t, true).unwrap_err().message;
        assert_eq!(
            msg("10-03-2017", "dd-mm-yyyy HH24"),
            "input string is too short for datetime format"
        );
        assert_eq!(
            msg("10-03-2017 12", "dd-mm-yyyy"),
            "trailing characters remain in input string after datetime format"
        );
        assert_eq!(
            msg("1x-03-2017", "dd-mm-yyyy"),
            "unmatched format separator \"-\""
        );
        assert_eq!(
            msg("2017", "XYZ"),
            "invalid datetime format separator: \"X\""
        );
    }
}
