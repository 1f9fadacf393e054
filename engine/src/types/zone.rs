//! Time zones: the session's `TimeZone` setting and the zones named in
//! `timestamptz` input, `AT TIME ZONE` and `timezone(zone, ts)`.
//!
//! A [`Zone`] is either a fixed offset (`SET TIME ZONE -5`, POSIX strings
//! without daylight rules such as `UTC+3`, whose sign is POSIX's: west of
//! Greenwich is positive) or a zone of the IANA database, bundled through
//! the `jiff` crate (its `tzdb-bundle-always` data: the same on every
//! machine), or a POSIX string with daylight rules. Offsets are seconds
//! east of UTC, as they are printed (`-04` for New York in summer).
//!
//! Turning a local (wall-clock) time into UTC follows PostgreSQL's
//! `DetermineTimeZoneOffset`: a time skipped by a spring-forward
//! transition takes the offset before it, an ambiguous time in a
//! fall-back transition the offset after it.
//!
//! The session's zone lives in a thread-local ([`install_session_zone`]):
//! the engine installs its session's zone whenever it runs a statement (and
//! leaves it installed afterwards, so output written right after a call
//! uses it); a server writing rows on another thread installs it there.
//! Output, input and arithmetic of `timestamptz` read it through
//! [`with_session_zone`], as PostgreSQL reads its global `session_timezone`.

use std::cell::RefCell;
use std::sync::Arc;

use jiff::tz::{AmbiguousOffset, TimeZone};

use super::datetime::{split_timestamp, ymd_from_days, UNIX_EPOCH_DAYS, USECS_PER_SEC};
use super::zone_abbrevs::ABBREVIATIONS;

/// A time zone abbreviation of PostgreSQL's default set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abbrev {
    /// A fixed offset (seconds east of UTC) and whether it is daylight time.
    Fixed(i32, bool),
    /// An abbreviation whose offset follows the history of a zone.
    Dynamic(&'static str),
}

#[derive(Debug, Clone)]
enum Kind {
    Fixed(i32),
    Tz(TimeZone),
}

/// A time zone: its name as `SHOW TimeZone` prints it and its rules.
#[derive(Debug, Clone)]
pub struct Zone {
    name: String,
    kind: Kind,
    /// A fixed zone's abbreviation (empty: print the offset).
    abbrev: String,
}

/// Seconds since 2000-01-01 for jiff, clamped to the years jiff knows
/// (-9999..9999); zones have no transitions that far out.
fn jiff_timestamp(secs_2000: i64) -> jiff::Timestamp {
    let unix = secs_2000 - UNIX_EPOCH_DAYS * 86_400;
    let lo = jiff::Timestamp::MIN.as_second() + 86_400 * 2;
    let hi = jiff::Timestamp::MAX.as_second() - 86_400 * 2;
    jiff::Timestamp::from_second(unix.clamp(lo, hi)).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// PostgreSQL's name of a fixed-offset zone made from a number of hours
/// (`<-05>+05` for five hours west of UTC).
fn offset_zone_name(east: i32) -> String {
    let mut signed = String::new();
    write_offset(&mut signed, east.saturating_abs());
    let s = &signed[1..];
    if east < 0 {
        format!("<-{s}>+{s}")
    } else {
        format!("<+{s}>-{s}")
    }
}

/// Parses `[+-]h[h][:mm[:ss]]` (all of `s`) into seconds.
fn parse_hms(s: &str) -> Option<i32> {
    let (neg, body) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let mut parts = body.split(':');
    let mut total = 0i32;
    for (i, unit) in [3600, 60, 1].into_iter().enumerate() {
        let Some(p) = parts.next() else { break };
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: i32 = p.parse().ok()?;
        if (i > 0 && v > 59) || (i == 0 && v > 24) {
            return None;
        }
        total += v * unit;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(if neg { -total } else { total })
}

/// A POSIX zone without daylight rules: `STD[offset]` with `STD` three or
/// more letters, `<...>` or empty, and the offset west of UTC. Returns the
/// abbreviation and the offset east.
fn posix_fixed(s: &str) -> Option<(&str, i32)> {
    let (abbrev, rest) = if let Some(r) = s.strip_prefix('<') {
        let end = r.find('>')?;
        (&r[..end], &r[end + 1..])
    } else {
        let n = s.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        if n != 0 && n < 3 {
            return None;
        }
        (&s[..n], &s[n..])
    };
    if rest.is_empty() {
        return None;
    }
    parse_hms(rest).map(|west| (abbrev, -west))
}

impl Zone {
    /// UTC, the default zone.
    pub fn utc() -> Zone {
        Zone {
            name: "UTC".into(),
            kind: Kind::Fixed(0),
            abbrev: "UTC".into(),
        }
    }

    /// A fixed offset (seconds east of UTC) named as PostgreSQL names it.
    pub fn fixed(east: i32) -> Zone {
        let mut abbrev = String::new();
        write_offset(&mut abbrev, east);
        Zone {
            name: offset_zone_name(east),
            kind: Kind::Fixed(east),
            abbrev,
        }
    }

    /// The name `SHOW TimeZone` prints.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A `TimeZone` setting's value (PostgreSQL's `check_timezone`): a
    /// number of hours east of UTC, else a zone name as [`Zone::by_name`].
    pub fn parse_setting(value: &str) -> Option<Zone> {
        let v = value.trim();
        if let Ok(hours) = v.parse::<f64>() {
            if !hours.is_finite() || hours.abs() > 24.0 * 7.0 {
                return None;
            }
            return Some(Zone::fixed((hours * 3600.0).round() as i32));
        }
        Zone::by_name(v)
    }

    /// A zone of the IANA database (case-insensitive), else a POSIX zone
    /// string (`UTC+3`, `EST5EDT,M3.2.0,M11.1.0`), as PostgreSQL's
    /// `pg_tzset`. Abbreviations are not zones here.
    pub fn by_name(name: &str) -> Option<Zone> {
        if name.is_empty() || name.len() > 255 {
            return None;
        }
        if let Ok(tz) = TimeZone::get(name) {
            return Some(Zone {
                name: tz.iana_name().unwrap_or(name).to_string(),
                kind: Kind::Tz(tz),
                abbrev: String::new(),
            });
        }
        let upper = name.to_ascii_uppercase();
        if let Some((abbrev, east)) = posix_fixed(&upper) {
            return Some(Zone {
                abbrev: abbrev.to_string(),
                name: upper,
                kind: Kind::Fixed(east),
            });
        }
        if upper.contains(',') {
            if let Ok(tz) = TimeZone::posix(&upper) {
                return Some(Zone {
                    name: upper,
                    kind: Kind::Tz(tz),
                    abbrev: String::new(),
                });
            }
        }
        None
    }

    /// A zone named in `AT TIME ZONE` / `timezone(zone, ...)`: an
    /// abbreviation of the default set first, then [`Zone::by_name`]
    /// (PostgreSQL's `DecodeTimezoneName`).
    pub fn for_at_time_zone(name: &str) -> Option<Zone> {
        match abbreviation(name) {
            Some(Abbrev::Fixed(east, _)) => Some(Zone {
                name: name.to_string(),
                kind: Kind::Fixed(east),
                abbrev: name.to_ascii_uppercase(),
            }),
            Some(Abbrev::Dynamic(zone)) => Zone::by_name(zone),
            None => Zone::by_name(name),
        }
    }

    /// The offset (seconds east of UTC) at a UTC instant (microseconds
    /// since 2000-01-01).
    pub fn offset_at(&self, utc_us: i64) -> i32 {
        match &self.kind {
            Kind::Fixed(east) => *east,
            Kind::Tz(tz) => tz
                .to_offset(jiff_timestamp(utc_us.div_euclid(USECS_PER_SEC)))
                .seconds(),
        }
    }

    /// The offset in force at a UTC instant with its abbreviation
    /// (`EDT`; a fixed zone's is its offset, `-05`).
    pub fn abbreviation_at(&self, utc_us: i64) -> String {
        match &self.kind {
            Kind::Fixed(east) => {
                if self.abbrev.is_empty() {
                    let mut s = String::new();
                    write_offset(&mut s, *east);
                    s
                } else {
                    self.abbrev.clone()
                }
            }
            Kind::Tz(tz) => tz
                .to_offset_info(jiff_timestamp(utc_us.div_euclid(USECS_PER_SEC)))
                .abbreviation()
                .to_string(),
        }
    }

    /// The offset (seconds east of UTC) of a local time (microseconds
    /// since 2000-01-01 on the wall clock), PostgreSQL's rules for skipped
    /// and repeated times.
    pub fn local_offset(&self, local_us: i64) -> i32 {
        let tz = match &self.kind {
            Kind::Fixed(east) => return *east,
            Kind::Tz(tz) => tz,
        };
        let secs = local_us.div_euclid(USECS_PER_SEC);
        // The wall clock as jiff's civil time, clamped to its years.
        let clamped = jiff_timestamp(secs).as_second() + UNIX_EPOCH_DAYS * 86_400;
        let (days, time) = split_timestamp(clamped * USECS_PER_SEC);
        let (y, m, d) = ymd_from_days(days);
        let t = time / USECS_PER_SEC;
        let dt = jiff::civil::DateTime::new(
            y as i16,
            m as i8,
            d as i8,
            (t / 3600) as i8,
            (t / 60 % 60) as i8,
            (t % 60) as i8,
            0,
        );
        let Ok(dt) = dt else {
            return tz.to_offset(jiff_timestamp(secs)).seconds();
        };
        match tz.to_ambiguous_timestamp(dt).offset() {
            AmbiguousOffset::Unambiguous { offset } => offset.seconds(),
            AmbiguousOffset::Gap { before, .. } => before.seconds(),
            AmbiguousOffset::Fold { after, .. } => after.seconds(),
        }
    }

    /// The wall-clock time (microseconds since 2000-01-01) of a UTC
    /// instant; infinities stay.
    pub fn to_local(&self, utc_us: i64) -> i64 {
        if !super::datetime::timestamp_is_finite(utc_us) {
            return utc_us;
        }
        utc_us + i64::from(self.offset_at(utc_us)) * USECS_PER_SEC
    }

    /// The UTC instant of a wall-clock time; infinities stay.
    pub fn from_local(&self, local_us: i64) -> i64 {
        if !super::datetime::timestamp_is_finite(local_us) {
            return local_us;
        }
        local_us - i64::from(self.local_offset(local_us)) * USECS_PER_SEC
    }
}

/// The meaning of a time zone abbreviation (case-insensitive) in
/// PostgreSQL's default set.
pub fn abbreviation(name: &str) -> Option<Abbrev> {
    let lower = name.to_ascii_lowercase();
    ABBREVIATIONS
        .binary_search_by(|(n, _)| (*n).cmp(lower.as_str()))
        .ok()
        .map(|i| ABBREVIATIONS[i].1)
}

/// PostgreSQL's default abbreviation set, sorted by lower-case name.
pub fn abbreviations() -> &'static [(&'static str, Abbrev)] {
    ABBREVIATIONS
}

/// Appends an offset as PostgreSQL prints it: `+05`, `-04:30`,
/// `-04:56:02`.
pub fn write_offset(out: &mut String, east: i32) {
    use std::fmt::Write;
    let abs = east.unsigned_abs();
    let sign = if east < 0 { '-' } else { '+' };
    let _ = write!(out, "{sign}{:02}", abs / 3600);
    if !abs.is_multiple_of(3600) {
        let _ = write!(out, ":{:02}", abs / 60 % 60);
        if !abs.is_multiple_of(60) {
            let _ = write!(out, ":{:02}", abs % 60);
        }
    }
}

thread_local! {
    static SESSION_ZONE: RefCell<Arc<Zone>> = RefCell::new(Arc::new(Zone::utc()));
}

/// Makes `zone` the zone `timestamptz` values are read and written in on
/// this thread (a pointer copy when it is already installed).
pub fn install_session_zone(zone: &Arc<Zone>) {
    SESSION_ZONE.with(|z| {
        let mut z = z.borrow_mut();
        if !Arc::ptr_eq(&z, zone) {
            *z = Arc::clone(zone);
        }
    });
}

/// Runs `f` with the zone installed on this thread.
pub fn with_session_zone<R>(f: impl FnOnce(&Zone) -> R) -> R {
    SESSION_ZONE.with(|z| f(&z.borrow()))
}

/// The zone installed on this thread.
pub fn session_zone() -> Arc<Zone> {
    SESSION_ZONE.with(|z| Arc::clone(&z.borrow()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_and_offsets() {
        assert_eq!(Zone::parse_setting("-5").unwrap().name(), "<-05>+05");
        assert_eq!(Zone::parse_setting("5.5").unwrap().name(), "<+05:30>-05:30");
        assert_eq!(Zone::parse_setting("utc+3").unwrap().name(), "UTC+3");
        assert_eq!(
            Zone::parse_setting("utc+3").unwrap().offset_at(0),
            -3 * 3600
        );
        let ny = Zone::parse_setting("america/new_york").unwrap();
        assert_eq!(ny.name(), "America/New_York");
        assert!(Zone::parse_setting("bogus/zone").is_none());
        assert!(Zone::parse_setting("Z").is_none());
        assert_eq!(abbreviation("PDT"), Some(Abbrev::Fixed(-25200, true)));
    }
}
