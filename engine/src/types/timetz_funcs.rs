//! The `timetz` functions: `extract` / `date_part` (PostgreSQL's
//! `timetz_part`) and `AT TIME ZONE` (`timetz_zone`, `timetz_izone`).
//!
//! A named zone's offset is the one in force at the transaction's start,
//! as PostgreSQL takes it (a time of day has no date to look it up at).

use rocksgres_codec::Numeric;

use super::datetime::{USECS_PER_DAY, USECS_PER_SEC};
use super::datetime_ops::{canonical_unit, extract_time, to_date_part, unit_error};
use super::functions::{Arity, Candidate, FunctionEnv, Ret, ScalarFn, Volatility};
use super::{SqlType, Value};
use crate::error::{EngineError, Result, SqlState};

const TYPE_NAME: &str = "time with time zone";

fn timetz(v: &Value) -> Result<(i64, i32)> {
    match v {
        Value::TimeTz(t, z) => Ok((*t, *z)),
        other => Err(EngineError::internal(format!(
            "expected time with time zone, got {other:?}"
        ))),
    }
}

fn text(v: &Value) -> Result<&str> {
    match v {
        Value::Text(s) => Ok(s),
        other => Err(EngineError::internal(format!(
            "expected text, got {other:?}"
        ))),
    }
}

/// `extract(field FROM timetz)`: the time fields as for `time`, the
/// zone (seconds east, and its hours and minutes), and `epoch` (the UTC
/// seconds since midnight); the date fields are 0A000.
pub fn extract_timetz(field: &str, time: i64, zone: i32) -> Result<Numeric> {
    let u = canonical_unit(field).ok_or_else(|| unit_error(field, TYPE_NAME, false))?;
    let east = -zone;
    match u {
        "microseconds" | "milliseconds" | "second" | "minute" | "hour" => extract_time(u, time),
        "timezone" => Ok(Numeric::from(i64::from(east))),
        "timezone_hour" => Ok(Numeric::from(i64::from(east / 3600))),
        "timezone_minute" => Ok(Numeric::from(i64::from(east / 60 % 60))),
        "epoch" => {
            let us = time + i64::from(zone) * USECS_PER_SEC;
            Numeric::parse(&format!("{us}e-6")).map_err(super::numeric_ops::codec_error)
        }
        _ => Err(unit_error(field, TYPE_NAME, true)),
    }
}

/// `timetz AT TIME ZONE` a zone of `east` seconds: the same instant's
/// time of day there.
fn shift(time: i64, zone: i32, east: i32) -> Value {
    let west = -east;
    let t = (time + i64::from(zone - west) * USECS_PER_SEC).rem_euclid(USECS_PER_DAY);
    Value::TimeTz(t, west)
}

fn at_zone(env: &dyn FunctionEnv, a: &[Value]) -> Result<Value> {
    let name = text(&a[0])?;
    let (time, zone) = timetz(&a[1])?;
    let z = super::zone::Zone::for_at_time_zone(name).ok_or_else(|| {
        EngineError::new(
            SqlState::InvalidParameterValue,
            format!("time zone \"{name}\" not recognized"),
        )
    })?;
    Ok(shift(time, zone, z.offset_at(env.statement_ts_micros())))
}

fn at_interval(a: &[Value]) -> Result<Value> {
    let iv = a[0]
        .as_interval()
        .ok_or_else(|| EngineError::internal("expected interval"))?;
    let (time, zone) = timetz(&a[1])?;
    if iv.months != 0 || iv.days != 0 {
        let mut shown = String::new();
        a[0].write_text(&mut shown);
        return Err(EngineError::new(
            SqlState::InvalidParameterValue,
            format!("interval time zone \"{shown}\" must not include months or days"),
        ));
    }
    Ok(shift(time, zone, (iv.micros / USECS_PER_SEC) as i32))
}

fn cand(
    name: &'static str,
    params: &'static [SqlType],
    ret: SqlType,
    volatility: Volatility,
    eval: ScalarFn,
) -> Candidate {
    Candidate {
        name,
        params,
        arity: Arity::Exact,
        ret: Ret::Fixed(ret),
        strict: true,
        volatility,
        catalog: false,
        eval,
    }
}

/// The `timetz` functions, as candidates of the function resolver.
pub(crate) fn candidates() -> Vec<Candidate> {
    const T: SqlType = SqlType::Text;
    const TTZ: SqlType = SqlType::TimeTz(None);
    const IV: SqlType = SqlType::Interval(None);
    vec![
        cand(
            "extract",
            &[T, TTZ],
            SqlType::NUMERIC,
            Volatility::Immutable,
            |_, a| {
                let (t, z) = timetz(&a[1])?;
                Ok(Value::Numeric(extract_timetz(text(&a[0])?, t, z)?))
            },
        ),
        cand(
            "date_part",
            &[T, TTZ],
            SqlType::Float8,
            Volatility::Immutable,
            |_, a| {
                let (t, z) = timetz(&a[1])?;
                Ok(Value::Float8(to_date_part(&extract_timetz(
                    text(&a[0])?,
                    t,
                    z,
                )?)))
            },
        ),
        cand("timezone", &[T, TTZ], TTZ, Volatility::Volatile, at_zone),
        cand(
            "timezone",
            &[IV, TTZ],
            TTZ,
            Volatility::Immutable,
            |_, a| at_interval(a),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_and_shifts_as_postgres() {
        // psql: select extract(timezone from timetz '10:30+05:30'),
        //   extract(timezone_minute from timetz '10:30-03:30'),
        //   extract(epoch from timetz '10:30+02')
        let h = 3_600 * USECS_PER_SEC;
        assert_eq!(
            extract_timetz("timezone", 0, -19_800).unwrap().to_string(),
            "19800"
        );
        assert_eq!(
            extract_timetz("timezone_minute", 0, 12_600)
                .unwrap()
                .to_string(),
            "-30"
        );
        assert_eq!(
            extract_timetz("epoch", 10 * h + h / 2, -7_200)
                .unwrap()
                .to_string(),
            "30600.000000"
        );
        assert_eq!(
            extract_timetz("day", 0, 0).unwrap_err().state,
            SqlState::FeatureNotSupported
        );
        // select timetz '10:30+05' at time zone interval '02:00' -> 07:30:00+02
        assert_eq!(
            shift(10 * h + h / 2, -18_000, 7_200),
            Value::TimeTz(7 * h + h / 2, -7_200)
        );
    }
}
