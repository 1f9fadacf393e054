//! Datetime items of SQL/JSON path evaluation: what the jsonpath item
//! method `.datetime([template])` makes of a string.
//!
//! As in PostgreSQL, such an item exists only while a path runs: it has
//! its own `.type()` (`"date"`, `"timestamp with time zone"`, ...), it
//! compares with other datetime items by PostgreSQL's `compareDatetime`
//! rules (dates, timestamps and timestamptz compare across types; a
//! conversion that needs the session's time zone is allowed only in the
//! `*_tz` functions and fails with 0A000 elsewhere), and it leaves the path
//! as a JSON string in ISO 8601 form (`"2017-03-10T12:34:56+03:00"`),
//! keeping the zone offset it was read with.
//!
//! Without a template, the formats PostgreSQL tries are tried in its
//! order; the first that reads the whole string decides the type.

use std::cmp::Ordering;
use std::fmt::Write;

use super::datetime;
use super::datetime_template::{self as tpl, Fields};
use super::zone;
use crate::error::{EngineError, Result, SqlState};

const USECS_PER_DAY: i64 = 86_400_000_000;

/// The type of a datetime item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatetimeKind {
    /// `date`: `value` is days since 2000-01-01.
    Date,
    /// `time`: microseconds since midnight.
    Time,
    /// `timetz`: microseconds since midnight, local to `zone_east`.
    TimeTz,
    /// `timestamp`: microseconds since 2000-01-01.
    Timestamp,
    /// `timestamptz`: microseconds since 2000-01-01 UTC, shown at
    /// `zone_east`.
    Timestamptz,
}

/// A datetime item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JsonDatetime {
    /// Its type.
    pub kind: DatetimeKind,
    /// The value (see [`DatetimeKind`]).
    pub value: i64,
    /// The zone offset, seconds east of UTC (zoned kinds).
    pub zone_east: i32,
}

/// The formats `.datetime()` tries without a template, in PostgreSQL's
/// order.
const DEFAULT_FORMATS: &[&str] = &[
    "yyyy-mm-dd",
    "HH24:MI:SS.USTZH:TZM",
    "HH24:MI:SS.USTZH",
    "HH24:MI:SSTZH:TZM",
    "HH24:MI:SSTZH",
    "HH24:MI:SS.US",
    "HH24:MI:SS",
    "yyyy-mm-dd HH24:MI:SS.USTZH:TZM",
    "yyyy-mm-dd HH24:MI:SS.USTZH",
    "yyyy-mm-dd HH24:MI:SSTZH:TZM",
    "yyyy-mm-dd HH24:MI:SSTZH",
    "yyyy-mm-dd HH24:MI:SS.US",
    "yyyy-mm-dd HH24:MI:SS",
    "yyyy-mm-dd\"T\"HH24:MI:SS.USTZH:TZM",
    "yyyy-mm-dd\"T\"HH24:MI:SS.USTZH",
    "yyyy-mm-dd\"T\"HH24:MI:SSTZH:TZM",
    "yyyy-mm-dd\"T\"HH24:MI:SSTZH",
    "yyyy-mm-dd\"T\"HH24:MI:SS.US",
    "yyyy-mm-dd\"T\"HH24:MI:SS",
];

fn datetime_error(msg: impl Into<String>) -> EngineError {
    EngineError::new(SqlState::InvalidArgumentForSqlJsonDatetimeFunction, msg)
}

impl JsonDatetime {
    /// `.datetime(template)` of string `s` (`None`: the default formats).
    pub fn parse(s: &str, template: Option<&str>) -> Result<JsonDatetime> {
        match template {
            Some(t) => Self::from_fields(&tpl::parse(s, t, true)?, s),
            None => DEFAULT_FORMATS
                .iter()
                .find_map(|t| {
                    tpl::parse(s, t, true)
                        .ok()
                        .and_then(|f| Self::from_fields(&f, s).ok())
                })
                .ok_or_else(|| {
                    datetime_error(format!("datetime format is not recognized: \"{s}\"")).with_hint(
                        "Use a datetime template argument to specify the input data format.",
                    )
                }),
        }
    }

    fn from_fields(f: &Fields, input: &str) -> Result<JsonDatetime> {
        let zone_east = f.zone_east.unwrap_or(0);
        let (kind, value) = match (f.dated, f.timed, f.zoned) {
            (true, true, zoned) => {
                let days = f.date_days(input)?;
                let local = days * USECS_PER_DAY + f.time_micros(input)?;
                if !datetime::timestamp_in_range(local) {
                    return Err(datetime::timestamp_out_of_range());
                }
                if zoned {
                    (
                        DatetimeKind::Timestamptz,
                        local - i64::from(zone_east) * 1_000_000,
                    )
                } else {
                    (DatetimeKind::Timestamp, local)
                }
            }
            (true, false, false) => {
                let days = f.date_days(input)?;
                if !datetime::date_in_range(days) {
                    return Err(datetime::date_out_of_range());
                }
                (DatetimeKind::Date, days)
            }
            (true, false, true) => {
                return Err(EngineError::new(
                    SqlState::InvalidDatetimeFormat,
                    "datetime format is zoned but not timed",
                ))
            }
            (false, true, zoned) => (
                if zoned {
                    DatetimeKind::TimeTz
                } else {
                    DatetimeKind::Time
                },
                f.time_micros(input)?,
            ),
            (false, false, _) => {
                return Err(EngineError::new(
                    SqlState::InvalidDatetimeFormat,
                    "datetime format is not dated and not timed",
                ))
            }
        };
        Ok(JsonDatetime {
            kind,
            value,
            zone_east,
        })
    }

    /// The `.type()` name.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            DatetimeKind::Date => "date",
            DatetimeKind::Time => "time without time zone",
            DatetimeKind::TimeTz => "time with time zone",
            DatetimeKind::Timestamp => "timestamp without time zone",
            DatetimeKind::Timestamptz => "timestamp with time zone",
        }
    }

    /// The ISO 8601 text the item leaves the path as (PostgreSQL's
    /// `JsonEncodeDateTime`).
    pub fn iso_text(&self) -> String {
        let mut out = String::new();
        let date = |out: &mut String, days: i64| {
            let (y, m, d) = datetime::ymd_from_days(days);
            if y > 0 {
                let _ = write!(out, "{y:04}-{m:02}-{d:02}");
            } else {
                let _ = write!(out, "{:04}-{m:02}-{d:02} BC", 1 - y);
            }
        };
        match self.kind {
            DatetimeKind::Date => date(&mut out, self.value),
            DatetimeKind::Time => datetime::write_time_of_day(&mut out, self.value),
            DatetimeKind::TimeTz => {
                datetime::write_time_of_day(&mut out, self.value);
                offset(&mut out, self.zone_east);
            }
            DatetimeKind::Timestamp | DatetimeKind::Timestamptz => {
                let local = if self.kind == DatetimeKind::Timestamptz {
                    self.value + i64::from(self.zone_east) * 1_000_000
                } else {
                    self.value
                };
                let (days, time) = datetime::split_timestamp(local);
                date(&mut out, days);
                let bc = out.ends_with(" BC");
                if bc {
                    out.truncate(out.len() - 3);
                }
                out.push('T');
                datetime::write_time_of_day(&mut out, time);
                if self.kind == DatetimeKind::Timestamptz {
                    offset(&mut out, self.zone_east);
                }
                if bc {
                    out.push_str(" BC");
                }
            }
        }
        out
    }

    /// PostgreSQL's `compareDatetime`: `Ok(None)` when the two types do
    /// not compare (a date and a time); 0A000 when the comparison needs
    /// the session's time zone and `use_tz` is off.
    pub fn compare(&self, other: &JsonDatetime, use_tz: bool) -> Result<Option<Ordering>> {
        use DatetimeKind as K;
        let need_tz = |from: &str, to: &str| -> Result<()> {
            if use_tz {
                Ok(())
            } else {
                Err(EngineError::new(
                    SqlState::FeatureNotSupported,
                    format!("cannot convert value from {from} to {to} without time zone usage"),
                )
                .with_hint("Use *_tz() function for time zone support."))
            }
        };
        let name = |k: K| match k {
            K::Date => "date",
            K::Time => "time",
            K::TimeTz => "timetz",
            K::Timestamp => "timestamp",
            K::Timestamptz => "timestamptz",
        };
        Ok(Some(match (self.kind, other.kind) {
            (K::Date, K::Date) | (K::Time, K::Time) | (K::Timestamp, K::Timestamp) => {
                self.value.cmp(&other.value)
            }
            (K::Timestamptz, K::Timestamptz) => self.value.cmp(&other.value),
            (K::TimeTz, K::TimeTz) => timetz_cmp(self, other),
            (K::Date, K::Timestamp) => (self.value * USECS_PER_DAY).cmp(&other.value),
            (K::Timestamp, K::Date) => self.value.cmp(&(other.value * USECS_PER_DAY)),
            (K::Date | K::Timestamp, K::Timestamptz) => {
                need_tz(name(self.kind), "timestamptz")?;
                self.local_to_utc().cmp(&other.value)
            }
            (K::Timestamptz, K::Date | K::Timestamp) => {
                need_tz(name(other.kind), "timestamptz")?;
                self.value.cmp(&other.local_to_utc())
            }
            (K::Time, K::TimeTz) => {
                need_tz("time", "timetz")?;
                timetz_cmp(&self.time_to_timetz(), other)
            }
            (K::TimeTz, K::Time) => {
                need_tz("time", "timetz")?;
                timetz_cmp(self, &other.time_to_timetz())
            }
            _ => return Ok(None),
        }))
    }

    /// A date or timestamp read in the session's zone, as UTC micros.
    fn local_to_utc(&self) -> i64 {
        let local = if self.kind == DatetimeKind::Date {
            self.value * USECS_PER_DAY
        } else {
            self.value
        };
        zone::with_session_zone(|z| z.from_local(local))
    }

    /// A time given the session zone's offset now (as PostgreSQL's
    /// `time` to `timetz` cast).
    fn time_to_timetz(&self) -> JsonDatetime {
        let unix_us = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(0));
        let now = unix_us - 946_684_800_000_000;
        let east = zone::with_session_zone(|z| z.offset_at(now));
        JsonDatetime {
            kind: DatetimeKind::TimeTz,
            value: self.value,
            zone_east: east,
        }
    }
}

fn timetz_cmp(a: &JsonDatetime, b: &JsonDatetime) -> Ordering {
    super::timetz::compare((a.value, -a.zone_east), (b.value, -b.zone_east))
}

/// Appends an offset as XSD dates write it: `+03:00`.
fn offset(out: &mut String, east: i32) {
    let abs = east.unsigned_abs();
    let sign = if east < 0 { '-' } else { '+' };
    let _ = write!(out, "{sign}{:02}:{:02}", abs / 3600, abs / 60 % 60);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expectations are PostgreSQL 15's output.
    #[test]
    fn reads_and_prints_as_postgres() {
        for (input, want, ty) in [
            ("2017-03-10", "2017-03-10", "date"),
            (
                "2017-03-10 12:34:56",
                "2017-03-10T12:34:56",
                "timestamp without time zone",
            ),
            (
                "2017-03-10T12:34:56",
                "2017-03-10T12:34:56",
                "timestamp without time zone",
            ),
            (
                "2017-03-10 12:34:56+3",
                "2017-03-10T12:34:56+03:00",
                "timestamp with time zone",
            ),
            ("12:34:56", "12:34:56", "time without time zone"),
            ("12:34:56+05:30", "12:34:56+05:30", "time with time zone"),
            (
                "2017-03-10 1:2:3",
                "2017-03-10T01:02:03",
                "timestamp without time zone",
            ),
            ("2017-3-1", "2017-03-01", "date"),
            ("17-03-10", "0017-03-10", "date"),
        ] {
            let d = JsonDatetime::parse(input, None).unwrap();
            assert_eq!(d.iso_text(), want, "{input}");
            assert_eq!(d.type_name(), ty, "{input}");
        }
        let d = JsonDatetime::parse(
            "10-03-2017 12:34:56.789 +05:30",
            Some("dd-mm-yyyy HH24:MI:SS.MS TZH:TZM"),
        )
        .unwrap();
        assert_eq!(d.iso_text(), "2017-03-10T12:34:56.789+05:30");
        assert_eq!(
            JsonDatetime::parse("x", None).unwrap_err().message,
            "datetime format is not recognized: \"x\""
        );
    }
}
