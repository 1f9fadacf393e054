//! Date/time arithmetic: `date ± integer`, `date - date`, `timestamp ±
//! interval` (months first with end-of-month clamping, then days, then
//! time, as PostgreSQL's `timestamp_pl_interval`), `timestamp - timestamp`
//! (an interval with whole days split off the time), the `time` operators
//! (`time ± interval` wrapping around midnight, `time - time`, `date +
//! time`), and the field logic behind `date_trunc` and
//! `extract`/`date_part`.

use rocksgres_codec::Numeric;

use super::datetime::{
    date_out_of_range, date_to_timestamp, days_from_ymd, days_in_month, split_timestamp,
    timestamp_in_range, timestamp_is_finite, timestamp_out_of_range, ymd_from_days, DATE_INFINITY,
    DATE_NEG_INFINITY, TS_INFINITY, TS_NEG_INFINITY, UNIX_EPOCH_DAYS, USECS_PER_DAY,
    USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC,
};
use super::interval::{interval_out_of_range, Interval, DAYS_PER_MONTH};
use super::numeric_ops::numeric_div;
use super::zone::with_session_zone;
use crate::error::{EngineError, Result, SqlState};

/// `date + days` (`date - days` with a negated count).
pub fn date_add_days(d: i32, days: i64) -> Result<i32> {
    if d == DATE_INFINITY || d == DATE_NEG_INFINITY {
        return Ok(d);
    }
    let r = i64::from(d) + days;
    if super::datetime::date_in_range(r) {
        Ok(r as i32)
    } else {
        Err(date_out_of_range())
    }
}

/// `date - date`: days between.
pub fn date_diff(a: i32, b: i32) -> Result<i32> {
    let finite = |d: i32| d != DATE_INFINITY && d != DATE_NEG_INFINITY;
    if !finite(a) || !finite(b) {
        return Err(EngineError::new(
            SqlState::DatetimeFieldOverflow,
            "cannot subtract infinite dates",
        ));
    }
    Ok(a - b)
}

/// `timestamp + interval` (`sign` = -1 subtracts).
pub fn timestamp_add_interval(t: i64, iv: &Interval, sign: i32) -> Result<i64> {
    if !timestamp_is_finite(t) {
        return Ok(t);
    }
    let iv = if sign < 0 { iv.checked_neg()? } else { *iv };
    let mut t = t;
    if iv.months != 0 {
        let (days, time) = split_timestamp(t);
        let (y, m, d) = ymd_from_days(days);
        let total = y * 12 + i64::from(m) - 1 + i64::from(iv.months);
        let ny = total.div_euclid(12);
        let nm = (total.rem_euclid(12) + 1) as u32;
        let nd = d.min(days_in_month(ny, nm));
        t = days_from_ymd(ny, nm, nd)
            .checked_mul(USECS_PER_DAY)
            .and_then(|v| v.checked_add(time))
            .filter(|v| timestamp_in_range(*v))
            .ok_or_else(timestamp_out_of_range)?;
    }
    if iv.days != 0 {
        t = t
            .checked_add(i64::from(iv.days) * USECS_PER_DAY)
            .filter(|v| timestamp_in_range(*v))
            .ok_or_else(timestamp_out_of_range)?;
    }
    t.checked_add(iv.micros)
        .filter(|v| timestamp_in_range(*v))
        .ok_or_else(timestamp_out_of_range)
}

/// `timestamptz + interval` (`sign` = -1 subtracts): months and days move
/// the wall clock of the session's zone (a day across a DST change keeps
/// the local time), the time part moves the instant, as PostgreSQL's
/// `timestamptz_pl_interval`.
pub fn timestamptz_add_interval(t: i64, iv: &Interval, sign: i32) -> Result<i64> {
    if !timestamp_is_finite(t) {
        return Ok(t);
    }
    let iv = if sign < 0 { iv.checked_neg()? } else { *iv };
    let mut t = t;
    if iv.months != 0 || iv.days != 0 {
        t = with_session_zone(|z| -> Result<i64> {
            let local = z.to_local(t);
            let moved = timestamp_add_interval(local, &Interval::new(iv.months, iv.days, 0), 1)?;
            Ok(z.from_local(moved))
        })?;
    }
    t.checked_add(iv.micros)
        .filter(|v| timestamp_in_range(*v))
        .ok_or_else(timestamp_out_of_range)
}

/// `timestamptz` truncated in the session's zone (`date_trunc('day', tz)`
/// is the local midnight).
pub fn timestamptz_trunc(unit: &str, t: i64) -> Result<i64> {
    let name = "timestamp with time zone";
    if !timestamp_is_finite(t) {
        return timestamp_trunc(unit, t, name);
    }
    with_session_zone(|z| Ok(z.from_local(timestamp_trunc(unit, z.to_local(t), name)?)))
}

/// `date + interval` as a timestamp.
pub fn date_add_interval(d: i32, iv: &Interval, sign: i32) -> Result<i64> {
    timestamp_add_interval(date_to_timestamp(d)?, iv, sign)
}

/// `timestamp - timestamp`: an interval of days and time.
pub fn timestamp_diff(a: i64, b: i64) -> Result<Interval> {
    if !timestamp_is_finite(a) || !timestamp_is_finite(b) {
        return Err(EngineError::new(
            SqlState::DatetimeFieldOverflow,
            "cannot subtract infinite timestamps",
        ));
    }
    let micros = a.checked_sub(b).ok_or_else(interval_out_of_range)?;
    Ok(Interval::new(0, 0, micros).justify_hours())
}

/// `time + interval` (`sign` = -1 subtracts), as PostgreSQL's
/// `time_pl_interval`: only the interval's time part counts (its days and
/// months are ignored) and the result wraps around midnight, so
/// `24:00:00 + '0'` is `00:00:00`.
pub fn time_add_interval(t: i64, iv: &Interval, sign: i32) -> i64 {
    let r = i128::from(t) + i128::from(sign) * i128::from(iv.micros);
    r.rem_euclid(i128::from(USECS_PER_DAY)) as i64
}

/// `time - time`: the difference as an interval of microseconds only.
pub fn time_diff(a: i64, b: i64) -> Interval {
    Interval::new(0, 0, a - b)
}

/// `date + time`: the timestamp of the date at that time (the infinities
/// stay infinite).
pub fn date_add_time(d: i32, t: i64) -> Result<i64> {
    let base = date_to_timestamp(d)?;
    if !timestamp_is_finite(base) {
        return Ok(base);
    }
    base.checked_add(t)
        .filter(|v| timestamp_in_range(*v))
        .ok_or_else(timestamp_out_of_range)
}

/// `extract(field from time)`: `hour`, `minute`, `second`,
/// `milliseconds`, `microseconds` and `epoch` (seconds since midnight);
/// the date fields are `0A000 unit "day" not supported for type time
/// without time zone`.
pub fn extract_time(field: &str, t: i64) -> Result<Numeric> {
    const TYPE_NAME: &str = "time without time zone";
    let u = canonical_unit(field).ok_or_else(|| unit_error(field, TYPE_NAME, false))?;
    let scaled = |v: i64, scale: u32| -> Result<Numeric> {
        Numeric::parse(&format!("{v}e-{scale}")).map_err(super::numeric_ops::codec_error)
    };
    match u {
        "microseconds" => Ok(Numeric::from(t % USECS_PER_MINUTE)),
        "milliseconds" => scaled(t % USECS_PER_MINUTE, 3),
        "second" => scaled(t % USECS_PER_MINUTE, 6),
        "minute" => Ok(Numeric::from((t / USECS_PER_MINUTE) % 60)),
        "hour" => Ok(Numeric::from(t / USECS_PER_HOUR)),
        "epoch" => scaled(t, 6),
        _ => Err(unit_error(field, TYPE_NAME, true)),
    }
}

pub(crate) fn unit_error(unit: &str, type_name: &str, recognized: bool) -> EngineError {
    if recognized {
        EngineError::new(
            SqlState::FeatureNotSupported,
            format!("unit \"{unit}\" not supported for type {type_name}"),
        )
    } else {
        EngineError::new(
            SqlState::InvalidParameterValue,
            format!("unit \"{unit}\" not recognized for type {type_name}"),
        )
    }
}

/// Normalises a unit name (`days` -> `day`, `hrs` -> `hour`, ...);
/// `None` when unknown.
pub(crate) fn canonical_unit(unit: &str) -> Option<&'static str> {
    Some(match unit.to_ascii_lowercase().trim() {
        "microsecond" | "microseconds" | "us" | "usec" | "usecs" | "useconds" => "microseconds",
        "millisecond" | "milliseconds" | "ms" | "msec" | "msecs" | "mseconds" => "milliseconds",
        "second" | "seconds" | "s" | "sec" | "secs" => "second",
        "minute" | "minutes" | "m" | "min" | "mins" => "minute",
        "hour" | "hours" | "h" | "hr" | "hrs" => "hour",
        "day" | "days" | "d" => "day",
        "week" | "weeks" | "w" => "week",
        "month" | "months" | "mon" | "mons" => "month",
        "quarter" | "qtr" => "quarter",
        "year" | "years" | "y" | "yr" | "yrs" => "year",
        "decade" | "decades" | "dec" | "decs" => "decade",
        "century" | "centuries" | "c" | "cent" => "century",
        "millennium" | "millennia" | "mil" | "mils" => "millennium",
        "epoch" => "epoch",
        "dow" => "dow",
        "doy" => "doy",
        "isodow" => "isodow",
        "julian" => "julian",
        "timezone" => "timezone",
        "timezone_hour" => "timezone_hour",
        "timezone_minute" => "timezone_minute",
        _ => return None,
    })
}

/// `date_trunc(unit, timestamp)`.
pub fn timestamp_trunc(unit: &str, t: i64, type_name: &str) -> Result<i64> {
    let u = canonical_unit(unit).ok_or_else(|| unit_error(unit, type_name, false))?;
    if !timestamp_is_finite(t) {
        return Ok(t);
    }
    let (days, time) = split_timestamp(t);
    let (y, m, _) = ymd_from_days(days);
    let at_day = |d: i64| d * USECS_PER_DAY;
    let floor_year = |step: i64| -> i64 {
        // PostgreSQL truncates decades/centuries/millennia on years 1-based
        // for centuries and millennia.
        match step {
            10 => y.div_euclid(10) * 10,
            100 => {
                if y > 0 {
                    ((y - 1) / 100) * 100 + 1
                } else {
                    -((99 - (y - 1)) / 100) * 100 + 1
                }
            }
            _ => {
                if y > 0 {
                    ((y - 1) / 1000) * 1000 + 1
                } else {
                    -((999 - (y - 1)) / 1000) * 1000 + 1
                }
            }
        }
    };
    Ok(match u {
        "microseconds" => t,
        "milliseconds" => t - t.rem_euclid(1000),
        "second" => t - t.rem_euclid(USECS_PER_SEC),
        "minute" => t - t.rem_euclid(USECS_PER_MINUTE),
        "hour" => t - t.rem_euclid(USECS_PER_HOUR),
        "day" => t - time,
        "week" => {
            // ISO weeks start on Monday; 2000-01-01 was a Saturday.
            let dow_monday0 = (days + 5).rem_euclid(7);
            at_day(days - dow_monday0)
        }
        "month" => at_day(days_from_ymd(y, m, 1)),
        "quarter" => at_day(days_from_ymd(y, (m - 1) / 3 * 3 + 1, 1)),
        "year" => at_day(days_from_ymd(y, 1, 1)),
        "decade" => at_day(days_from_ymd(floor_year(10), 1, 1)),
        "century" => at_day(days_from_ymd(floor_year(100), 1, 1)),
        "millennium" => at_day(days_from_ymd(floor_year(1000), 1, 1)),
        _ => return Err(unit_error(unit, type_name, true)),
    })
}

/// `extract(field from timestamp)` as PostgreSQL 14+ computes it: a
/// numeric (seconds carry six decimals, epoch likewise).
pub fn extract_timestamp(field: &str, t: i64, with_tz: bool) -> Result<Numeric> {
    let type_name = if with_tz {
        "timestamp with time zone"
    } else {
        "timestamp without time zone"
    };
    let u = canonical_unit(field).ok_or_else(|| unit_error(field, type_name, false))?;
    if !timestamp_is_finite(t) {
        // PostgreSQL returns ±Infinity for monotonic fields, NULL otherwise;
        // without NULL here, use the infinities for all fields that grow
        // with time and report the others as unsupported.
        let inf = if t == TS_INFINITY {
            Numeric::infinity()
        } else {
            Numeric::neg_infinity()
        };
        return match u {
            "year" | "decade" | "century" | "millennium" | "epoch" | "julian" => Ok(inf),
            _ => Err(unit_error(field, type_name, true)),
        };
    }
    let _ = TS_NEG_INFINITY;
    // A timestamptz's fields are those of the session zone's wall clock.
    let east = if with_tz {
        i64::from(with_session_zone(|z| z.offset_at(t)))
    } else {
        0
    };
    let (days, time) = split_timestamp(t + east * USECS_PER_SEC);
    let (y, m, d) = ymd_from_days(days);
    let int = |v: i64| Ok(Numeric::from(v));
    let scaled = |v: i64, scale: u32| -> Result<Numeric> {
        let n =
            Numeric::parse(&format!("{v}e-{scale}")).map_err(super::numeric_ops::codec_error)?;
        Ok(n)
    };
    match u {
        "microseconds" => int(time % USECS_PER_MINUTE),
        "milliseconds" => scaled(time % USECS_PER_MINUTE, 3),
        "second" => scaled(time % USECS_PER_MINUTE, 6),
        "minute" => int((time / USECS_PER_MINUTE) % 60),
        "hour" => int(time / USECS_PER_HOUR),
        "day" => int(i64::from(d)),
        "month" => int(i64::from(m)),
        "quarter" => int((i64::from(m) - 1) / 3 + 1),
        "year" => int(if y > 0 { y } else { y - 1 }),
        "decade" => int(y.div_euclid(10)),
        "century" => int(if y > 0 {
            (y + 99) / 100
        } else {
            -((99 - (y - 1)) / 100)
        }),
        "millennium" => int(if y > 0 {
            (y + 999) / 1000
        } else {
            -((999 - (y - 1)) / 1000)
        }),
        "dow" => int((days + 6).rem_euclid(7)),
        "isodow" => int((days + 5).rem_euclid(7) + 1),
        "doy" => int(days - days_from_ymd(y, 1, 1) + 1),
        "week" => int(iso_week(days)),
        "epoch" => scaled(t - UNIX_EPOCH_DAYS * USECS_PER_DAY, 6),
        "julian" => {
            let jd = days + 2_451_545;
            let frac = scaled(time, 6)?;
            numeric_div(&frac, &Numeric::from(86_400i64))
                .and_then(|f| super::numeric_ops::numeric_add(&Numeric::from(jd), &f))
        }
        "timezone" if with_tz => int(east),
        "timezone_hour" if with_tz => int(east / 3600),
        "timezone_minute" if with_tz => int(east / 60 % 60),
        _ => Err(unit_error(field, type_name, true)),
    }
}

/// ISO 8601 week number of a day.
fn iso_week(days: i64) -> i64 {
    let isodow = (days + 5).rem_euclid(7); // Monday = 0
    let thursday = days - isodow + 3;
    let (ty, _, _) = ymd_from_days(thursday);
    (thursday - days_from_ymd(ty, 1, 1)) / 7 + 1
}

/// `extract(field from date)` (PostgreSQL 14+: time fields are errors).
pub fn extract_date(field: &str, d: i32) -> Result<Numeric> {
    let u = canonical_unit(field).ok_or_else(|| unit_error(field, "date", false))?;
    if matches!(
        u,
        "microseconds" | "milliseconds" | "second" | "minute" | "hour"
    ) {
        return Err(unit_error(field, "date", true));
    }
    if u == "epoch" && (d == DATE_INFINITY || d == DATE_NEG_INFINITY) {
        return Ok(if d == DATE_INFINITY {
            Numeric::infinity()
        } else {
            Numeric::neg_infinity()
        });
    }
    let t = date_to_timestamp(d)?;
    if u == "epoch" {
        return Ok(Numeric::from((i64::from(d) - UNIX_EPOCH_DAYS) * 86_400));
    }
    extract_timestamp(field, t, false)
}

/// `extract(field from interval)`.
pub fn extract_interval(field: &str, iv: &Interval) -> Result<Numeric> {
    let u = canonical_unit(field).ok_or_else(|| unit_error(field, "interval", false))?;
    let int = |v: i64| Ok(Numeric::from(v));
    let scaled = |v: i128, scale: u32| -> Result<Numeric> {
        Numeric::parse(&format!("{v}e-{scale}")).map_err(super::numeric_ops::codec_error)
    };
    let months = i64::from(iv.months);
    match u {
        "microseconds" => int(iv.micros % USECS_PER_MINUTE),
        "milliseconds" => scaled(i128::from(iv.micros % USECS_PER_MINUTE), 3),
        "second" => scaled(i128::from(iv.micros % USECS_PER_MINUTE), 6),
        "minute" => int((iv.micros / USECS_PER_MINUTE) % 60),
        "hour" => int(iv.micros / USECS_PER_HOUR),
        "day" => int(i64::from(iv.days)),
        "month" => int(months % 12),
        "quarter" => int((months % 12) / 3 + 1),
        "year" => int(months / 12),
        "decade" => int(months / 120),
        "century" => int(months / 1200),
        "millennium" => int(months / 12000),
        "epoch" => {
            // PostgreSQL: years count 365.25 days, months 30 days.
            let years = months / 12;
            let rem_months = months % 12;
            let secs_years = i128::from(years) * 36_525 * 864; // 365.25 * 86400 = 31557600
            let secs = secs_years
                + i128::from(rem_months) * i128::from(DAYS_PER_MONTH) * 86_400
                + i128::from(iv.days) * 86_400;
            scaled(secs * i128::from(USECS_PER_SEC) + i128::from(iv.micros), 6)
        }
        _ => Err(unit_error(field, "interval", true)),
    }
}

/// `date_part(field, ...)`: the `extract` value as `double precision`.
pub fn to_date_part(n: &Numeric) -> f64 {
    super::numeric_ops::numeric_to_f64(n)
}

/// `date_trunc` on an interval.
pub fn interval_trunc(unit: &str, iv: &Interval) -> Result<Interval> {
    let u = canonical_unit(unit).ok_or_else(|| unit_error(unit, "interval", false))?;
    let m = iv.months;
    let t = iv.micros;
    Ok(match u {
        "microseconds" => *iv,
        "milliseconds" => Interval::new(m, iv.days, t - t % 1000),
        "second" => Interval::new(m, iv.days, t - t % USECS_PER_SEC),
        "minute" => Interval::new(m, iv.days, t - t % USECS_PER_MINUTE),
        "hour" => Interval::new(m, iv.days, t - t % USECS_PER_HOUR),
        "day" => Interval::new(m, iv.days, 0),
        "month" => Interval::new(m, 0, 0),
        "quarter" => Interval::new(m - m % 3, 0, 0),
        "year" => Interval::new(m - m % 12, 0, 0),
        "decade" => Interval::new(m - m % 120, 0, 0),
        "century" => Interval::new(m - m % 1200, 0, 0),
        "millennium" => Interval::new(m - m % 12000, 0, 0),
        _ => return Err(unit_error(unit, "interval", true)),
    })
}
