//! `pg_timezone_names` and `pg_timezone_abbrevs`: the zones of the
//! bundled IANA database (see [`crate::types::zone`]) and PostgreSQL's
//! default abbreviation set, each with its offset from UTC and whether it
//! is daylight time, as of now.
//!
//! A zone's abbreviation, offset and daylight flag are those in force at
//! the current time. An abbreviation whose meaning follows a zone's
//! history takes the offset it had when last in use in that zone (now, or
//! the latest earlier transition to it), as PostgreSQL's
//! `DetermineTimeZoneAbbrevOffset` does.

use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::{CatalogRows, RowBuilder};
use crate::catalog::system::SysRel;
use crate::types::zone::Abbrev;
use crate::types::{Interval, Value};

fn offset_value(secs: i32) -> Value {
    Value::Interval(Interval::new(0, 0, i64::from(secs) * 1_000_000))
}

/// The rows of `pg_timezone_names`.
pub(crate) fn pg_timezone_names(rel: &'static SysRel, out: &mut CatalogRows<'_>) {
    let now = Timestamp::now();
    let db = jiff::tz::db();
    for name in db.available() {
        let name = name.as_str();
        let Ok(tz) = db.get(name) else {
            continue;
        };
        let info = tz.to_offset_info(now);
        let mut r = RowBuilder::new(rel);
        r.text("name", name)
            .text("abbrev", info.abbreviation())
            .set("utc_offset", offset_value(info.offset().seconds()))
            .bool("is_dst", info.dst().is_dst());
        out.push(r.finish());
    }
}

/// The offset and daylight flag `abbrev` had when last in use in `tz`.
fn dynamic_offset(tz: &TimeZone, abbrev: &str, now: Timestamp) -> Option<(i32, bool)> {
    let info = tz.to_offset_info(now);
    if info.abbreviation().eq_ignore_ascii_case(abbrev) {
        return Some((info.offset().seconds(), info.dst().is_dst()));
    }
    tz.preceding(now)
        .take(10_000)
        .find(|t| t.abbreviation().eq_ignore_ascii_case(abbrev))
        .map(|t| (t.offset().seconds(), t.dst().is_dst()))
}

/// The rows of `pg_timezone_abbrevs`.
pub(crate) fn pg_timezone_abbrevs(rel: &'static SysRel, out: &mut CatalogRows<'_>) {
    let now = Timestamp::now();
    for (name, meaning) in crate::types::zone::abbreviations() {
        let (offset, dst) = match meaning {
            Abbrev::Fixed(offset, dst) => (*offset, *dst),
            Abbrev::Dynamic(zone) => {
                let Some(found) = TimeZone::get(zone)
                    .ok()
                    .and_then(|tz| dynamic_offset(&tz, name, now))
                else {
                    continue;
                };
                found
            }
        };
        let mut r = RowBuilder::new(rel);
        r.text("abbrev", name.to_ascii_uppercase())
            .set("utc_offset", offset_value(offset))
            .bool("is_dst", dst);
        out.push(r.finish());
    }
}
