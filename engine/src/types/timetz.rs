//! `time with time zone` (`timetz`): a time of day with a UTC offset.
//!
//! A value is [`crate::types::Value::TimeTz`]: microseconds since
//! midnight and the zone in seconds *west* of UTC, as PostgreSQL keeps
//! them (and sends them in binary). Input is `time`'s (see
//! [`super::datetime::parse_time_zone`]) with the zone written after the
//! time, or the session zone's current offset when none is; output is the
//! time and the offset (`12:34:56+05:30`).
//!
//! Ordering is `timetz_cmp`'s: the UTC-equivalent time, then the zone
//! (west seconds, so `+02` before `+01` at the same instant). Stored
//! values are 12 bytes in that order ([`to_key`]).

use std::cmp::Ordering;

use super::datetime::{self, USECS_PER_DAY, USECS_PER_SEC};
use super::interval::Interval;
use crate::error::{EngineError, Result, SqlState};

/// Reads `timetz` input: `(time, zone west seconds)`.
pub fn parse(input: &str) -> Result<(i64, i32)> {
    let parsed = datetime::parse_time_zone(input).map_err(|mut e| {
        let from = "invalid input syntax for type time:";
        if e.message.starts_with(from) {
            e.message = e.message.replacen(
                from,
                "invalid input syntax for type time with time zone:",
                1,
            );
        }
        e
    })?;
    if parsed.had_date {
        return Err(EngineError::unsupported(
            "time with time zone input with a date",
        ));
    }
    let east = match parsed.zone {
        Some(z) => z,
        None => {
            let now = super::functions::clock_micros();
            super::zone::with_session_zone(|z| z.offset_at(now))
        }
    };
    if !check(parsed.time, -east) {
        return Err(EngineError::new(
            SqlState::DatetimeFieldOverflow,
            format!("time zone displacement out of range: \"{input}\""),
        ));
    }
    Ok((parsed.time, -east))
}

/// Appends the output form.
pub fn write_text(time: i64, zone: i32, out: &mut String) {
    datetime::write_time(out, time);
    super::zone::write_offset(out, -zone);
}

/// `timetz_cmp`.
pub fn compare(a: (i64, i32), b: (i64, i32)) -> Ordering {
    let utc = |(t, z): (i64, i32)| t + i64::from(z) * USECS_PER_SEC;
    utc(a).cmp(&utc(b)).then(a.1.cmp(&b.1))
}

/// The stored form, ordered as [`compare`].
pub fn to_key(time: i64, zone: i32) -> Vec<u8> {
    let utc = time + i64::from(zone) * USECS_PER_SEC;
    let mut out = ((utc as u64) ^ (1 << 63)).to_be_bytes().to_vec();
    out.extend_from_slice(&((zone as u32) ^ (1 << 31)).to_be_bytes());
    out
}

/// Reads [`to_key`]'s form; `None` when malformed.
pub fn from_key(key: &[u8]) -> Option<(i64, i32)> {
    let (utc, zone) = key.split_first_chunk::<8>()?;
    let zone: [u8; 4] = zone.try_into().ok()?;
    let utc = (u64::from_be_bytes(*utc) ^ (1 << 63)) as i64;
    let zone = (u32::from_be_bytes(zone) ^ (1 << 31)) as i32;
    let time = utc - i64::from(zone) * USECS_PER_SEC;
    check(time, zone).then_some((time, zone))
}

/// Whether the parts are a valid `timetz`.
pub fn check(time: i64, zone: i32) -> bool {
    (0..=USECS_PER_DAY).contains(&time)
        && (-15 * 3600 - 59 * 60..=15 * 3600 + 59 * 60).contains(&zone)
}

/// The binary form: the time as int8, the zone (west seconds) as int4.
pub fn to_binary(time: i64, zone: i32) -> Vec<u8> {
    let mut out = time.to_be_bytes().to_vec();
    out.extend_from_slice(&zone.to_be_bytes());
    out
}

/// Reads the binary form (`timetz_recv`, with its range checks).
pub fn from_binary(data: &[u8]) -> Result<(i64, i32)> {
    let bad = |m: &str| EngineError::new(SqlState::InvalidBinaryRepresentation, m.to_owned());
    let Some((time, zone)) = data.split_first_chunk::<8>() else {
        return Err(bad("insufficient data left in message"));
    };
    let zone: [u8; 4] = zone
        .try_into()
        .map_err(|_| bad("insufficient data left in message"))?;
    let (time, zone) = (i64::from_be_bytes(*time), i32::from_be_bytes(zone));
    if !(0..=USECS_PER_DAY).contains(&time) {
        return Err(EngineError::new(
            SqlState::NumericValueOutOfRange,
            "time out of range",
        ));
    }
    if !check(time, zone) {
        return Err(EngineError::new(
            SqlState::InvalidBinaryRepresentation,
            "time zone displacement out of range",
        ));
    }
    Ok((time, zone))
}

/// `timetz ± interval`: the time part moves modulo a day, the zone stays.
pub fn add_interval(time: i64, iv: &Interval, sign: i64) -> i64 {
    (time + sign * (iv.micros % USECS_PER_DAY)).rem_euclid(USECS_PER_DAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> String {
        let (t, z) = parse(s).unwrap();
        let mut out = String::new();
        write_text(t, z, &mut out);
        out
    }

    #[test]
    fn io_and_order() {
        // psql: select '12:34:56+05:30'::timetz, '12:34:56.789-08'::timetz,
        //   '12:34 PST'::timetz, '1:2:3 z'::timetz, '12:00:00+05:30:15'::timetz,
        //   '24:00:00+01'::timetz, '12:00 UTC+3'::timetz, '12:00 EDT'::timetz
        assert_eq!(text("12:34:56+05:30"), "12:34:56+05:30");
        assert_eq!(text("12:34:56.789-08"), "12:34:56.789-08");
        assert_eq!(text("12:34 PST"), "12:34:00-08");
        assert_eq!(text("1:2:3 z"), "01:02:03+00");
        assert_eq!(text("12:00:00+05:30:15"), "12:00:00+05:30:15");
        assert_eq!(text("24:00:00+01"), "24:00:00+01");
        assert_eq!(text("12:00 UTC+3"), "12:00:00-03");
        assert_eq!(text("12:00 EDT"), "12:00:00-04");
        // psql: ... order by x -> 13:00+02, 12:00+01, 11:00+00, 12:00+00, 11:00-01
        let sorted = ["13:00+02", "12:00+01", "11:00+00", "12:00+00", "11:00-01"];
        for w in sorted.windows(2) {
            let (a, b) = (parse(w[0]).unwrap(), parse(w[1]).unwrap());
            assert_eq!(compare(a, b), Ordering::Less);
            assert!(to_key(a.0, a.1) < to_key(b.0, b.1));
            assert_eq!(from_key(&to_key(a.0, a.1)), Some(a));
        }
        assert_eq!(
            parse("abc").unwrap_err().message,
            "invalid input syntax for type time with time zone: \"abc\""
        );
    }
}
