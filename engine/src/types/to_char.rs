//! `to_char(timestamp|timestamptz, text)`: PostgreSQL's date/time template
//! patterns (`formatting.c`'s `DCH_to_char`).
//!
//! Supported: `YYYY YYY YY Y Y,YYY IYYY IYY IY I CC`, `MM Mon MON mon Month
//! MONTH month RM rm Q`, `DD DDD IDDD D ID Day DAY day Dy DY dy W WW IW J`,
//! `HH HH12 HH24 MI SS SSSS SSSSS MS US FF1..FF6`, `AM PM am pm A.M. P.M.
//! a.m. p.m.`, `AD BC ad bc A.D. B.C. a.d. b.c.`, `TZ tz TZH TZM OF`, the
//! `FM`/`fm` prefix (no padding), `TM` (accepted, English names), the
//! `TH`/`th` suffix (ordinal), `SP` (ignored) and double-quoted literals
//! (`\"` escapes a quote). The session time zone is UTC: `TZ` prints `UTC`
//! for `timestamptz` and nothing for `timestamp`.

use super::datetime::{
    days_from_ymd, split_timestamp, timestamp_is_finite, ymd_from_days, USECS_PER_HOUR,
    USECS_PER_MINUTE, USECS_PER_SEC,
};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const ROMAN: [&str; 12] = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
];

/// The keywords in PostgreSQL's table order (the first prefix match wins).
const KEYWORDS: &[&str] = &[
    "A.D.", "A.M.", "AD", "AM", "B.C.", "BC", "CC", "DAY", "DDD", "DD", "DY", "Day", "Dy", "D",
    "FF1", "FF2", "FF3", "FF4", "FF5", "FF6", "FX", "HH24", "HH12", "HH", "IDDD", "ID", "IW",
    "IYYY", "IYY", "IY", "I", "J", "MI", "MM", "MONTH", "MON", "MS", "Month", "Mon", "OF", "P.M.",
    "PM", "Q", "RM", "SSSSS", "SSSS", "SS", "TZH", "TZM", "TZ", "US", "WW", "W", "Y,YYY", "YYYY",
    "YYY", "YY", "Y", "a.d.", "a.m.", "ad", "am", "b.c.", "bc", "cc", "day", "ddd", "dd", "dy",
    "d", "ff1", "ff2", "ff3", "ff4", "ff5", "ff6", "fx", "hh24", "hh12", "hh", "iddd", "id", "iw",
    "iyyy", "iyy", "iy", "i", "j", "mi", "mm", "month", "mon", "ms", "of", "p.m.", "pm", "q", "rm",
    "sssss", "ssss", "ss", "tzh", "tzm", "tz", "us", "ww", "w", "y,yyy", "yyyy", "yyy", "yy", "y",
];

enum Node {
    Literal(String),
    Key {
        key: &'static str,
        fm: bool,
        th: Option<bool>,
    },
}

fn parse(format: &str) -> Vec<Node> {
    let mut nodes = Vec::new();
    let mut rest = format;
    while !rest.is_empty() {
        let mut fm = false;
        for p in ["FM", "fm", "TM", "tm"] {
            if let Some(r) = rest.strip_prefix(p) {
                fm |= p.eq_ignore_ascii_case("FM");
                rest = r;
                break;
            }
        }
        if rest.is_empty() {
            break;
        }
        if let Some(key) = KEYWORDS.iter().find(|k| rest.starts_with(**k)) {
            rest = &rest[key.len()..];
            let mut th = None;
            for (p, upper) in [("TH", Some(true)), ("th", Some(false)), ("SP", None)] {
                if let Some(r) = rest.strip_prefix(p) {
                    th = upper;
                    rest = r;
                    break;
                }
            }
            nodes.push(Node::Key { key, fm, th });
            continue;
        }
        let mut chars = rest.chars();
        let c = chars.next().unwrap_or(' ');
        if c == '"' {
            let mut lit = String::new();
            let mut it = rest[1..].char_indices().peekable();
            let mut consumed = rest.len();
            while let Some((i, ch)) = it.next() {
                if ch == '"' {
                    consumed = 1 + i + 1;
                    break;
                }
                if ch == '\\' {
                    if let Some(&(_, next)) = it.peek() {
                        lit.push(next);
                        it.next();
                        continue;
                    }
                }
                lit.push(ch);
            }
            nodes.push(Node::Literal(lit));
            rest = &rest[consumed..];
            continue;
        }
        if c == '\\' && rest[1..].starts_with('"') {
            nodes.push(Node::Literal("\"".into()));
            rest = &rest[2..];
            continue;
        }
        nodes.push(Node::Literal(c.to_string()));
        rest = &rest[c.len_utf8()..];
    }
    nodes
}

/// The ordinal suffix of a number's text (`1` -> `st`).
fn ordinal(num: &str, upper: bool) -> &'static str {
    let b = num.as_bytes();
    let last = b.last().copied().unwrap_or(b'0');
    let teen = b.len() > 1 && b[b.len() - 2] == b'1';
    let s = match (teen, last) {
        (false, b'1') => "st",
        (false, b'2') => "nd",
        (false, b'3') => "rd",
        _ => "th",
    };
    if upper {
        match s {
            "st" => "ST",
            "nd" => "ND",
            "rd" => "RD",
            _ => "TH",
        }
    } else {
        s
    }
}

fn pad(v: i64, width: usize, fm: bool) -> String {
    if fm {
        v.to_string()
    } else if v < 0 {
        format!("-{:0w$}", -v, w = width)
    } else {
        format!("{v:0width$}")
    }
}

fn cased(name: &str, key: &str) -> String {
    if key.chars().all(|c| !c.is_ascii_lowercase()) {
        name.to_ascii_uppercase()
    } else if key.chars().all(|c| !c.is_ascii_uppercase()) {
        name.to_ascii_lowercase()
    } else {
        name.to_owned()
    }
}

fn padded_name(name: String, fm: bool, width: usize) -> String {
    if fm {
        name
    } else {
        format!("{name:<width$}")
    }
}

/// ISO year of a day count.
fn iso_year_week(days: i64) -> (i64, i64) {
    let isodow = (days + 5).rem_euclid(7); // Monday = 0
    let thursday = days - isodow + 3;
    let (ty, _, _) = ymd_from_days(thursday);
    (ty, (thursday - days_from_ymd(ty, 1, 1)) / 7 + 1)
}

/// Formats a timestamp (microseconds since 2000-01-01; a `timestamptz`,
/// `with_tz`, is shown in the session's zone) with a template; `None`
/// (SQL `NULL`) for an empty template or an infinite timestamp, as
/// PostgreSQL.
pub fn format_timestamp(t: i64, format: &str, with_tz: bool) -> Option<String> {
    if format.is_empty() || !timestamp_is_finite(t) {
        return None;
    }
    let (east, abbrev) = if with_tz {
        super::zone::with_session_zone(|z| (z.offset_at(t), z.abbreviation_at(t)))
    } else {
        (0, String::new())
    };
    let t = t + i64::from(east) * USECS_PER_SEC;
    let sign = if east < 0 { '-' } else { '+' };
    let (off_h, off_m) = (east.unsigned_abs() / 3600, east.unsigned_abs() / 60 % 60);
    let (days, time) = split_timestamp(t);
    let (year, month, mday) = ymd_from_days(days);
    let hour = time / USECS_PER_HOUR;
    let minute = (time / USECS_PER_MINUTE) % 60;
    let second = (time / USECS_PER_SEC) % 60;
    let fsec = time % USECS_PER_SEC;
    let wday = (days + 6).rem_euclid(7); // Sunday = 0
    let yday = days - days_from_ymd(year, 1, 1) + 1;
    // PostgreSQL's ADJUST_YEAR: 1 BC is year 1.
    let adj = |y: i64| if y <= 0 { 1 - y } else { y };
    let mut out = String::new();
    for node in parse(format) {
        let (key, fm, th) = match node {
            Node::Literal(s) => {
                out.push_str(&s);
                continue;
            }
            Node::Key { key, fm, th } => (key, fm, th),
        };
        let upper = key.to_ascii_uppercase();
        let numeric: Option<String> = match upper.as_str() {
            "HH" | "HH12" => Some(pad(if hour % 12 == 0 { 12 } else { hour % 12 }, 2, fm)),
            "HH24" => Some(pad(hour, 2, fm)),
            "MI" => Some(pad(minute, 2, fm)),
            "SS" => Some(pad(second, 2, fm)),
            "FF1" => Some(format!("{}", fsec / 100_000)),
            "FF2" => Some(format!("{:02}", fsec / 10_000)),
            "FF3" | "MS" => Some(format!("{:03}", fsec / 1_000)),
            "FF4" => Some(format!("{:04}", fsec / 100)),
            "FF5" => Some(format!("{:05}", fsec / 10)),
            "FF6" | "US" => Some(format!("{fsec:06}")),
            "SSSS" | "SSSSS" => Some((hour * 3600 + minute * 60 + second).to_string()),
            "MM" => Some(pad(i64::from(month), 2, fm)),
            "DDD" => Some(pad(yday, 3, fm)),
            "IDDD" => {
                let isodow = (days + 5).rem_euclid(7);
                Some(pad((iso_year_week(days).1 - 1) * 7 + isodow + 1, 3, fm))
            }
            "DD" => Some(pad(i64::from(mday), 2, fm)),
            "D" => Some((wday + 1).to_string()),
            "ID" => Some((if wday == 0 { 7 } else { wday }).to_string()),
            "WW" => Some(pad((yday - 1) / 7 + 1, 2, fm)),
            "IW" => Some(pad(iso_year_week(days).1, 2, fm)),
            "Q" => Some(((i64::from(month) - 1) / 3 + 1).to_string()),
            "CC" => {
                let c = if year > 0 {
                    (year - 1) / 100 + 1
                } else {
                    year / 100 - 1
                };
                Some(if (-99..=99).contains(&c) {
                    pad(c, 2, fm)
                } else {
                    c.to_string()
                })
            }
            "Y,YYY" => {
                let y = adj(year);
                Some(format!("{},{:03}", y / 1000, y % 1000))
            }
            "YYYY" => Some(pad(adj(year), 4, fm)),
            "IYYY" => Some(pad(adj(iso_year_week(days).0), 4, fm)),
            "YYY" => Some(pad(adj(year) % 1000, 3, fm)),
            "IYY" => Some(pad(adj(iso_year_week(days).0) % 1000, 3, fm)),
            "YY" => Some(pad(adj(year) % 100, 2, fm)),
            "IY" => Some(pad(adj(iso_year_week(days).0) % 100, 2, fm)),
            "Y" => Some((adj(year) % 10).to_string()),
            "I" => Some((adj(iso_year_week(days).0) % 10).to_string()),
            "W" => Some(((i64::from(mday) - 1) / 7 + 1).to_string()),
            "J" => Some((days + 2_451_545).to_string()),
            _ => None,
        };
        if let Some(mut s) = numeric {
            if let Some(up) = th {
                let suffix = ordinal(&s, up);
                s.push_str(suffix);
            }
            out.push_str(&s);
            continue;
        }
        let pm = hour >= 12;
        let bc = year <= 0;
        let text = match key {
            "AM" | "PM" => (if pm { "PM" } else { "AM" }).to_owned(),
            "am" | "pm" => (if pm { "pm" } else { "am" }).to_owned(),
            "A.M." | "P.M." => (if pm { "P.M." } else { "A.M." }).to_owned(),
            "a.m." | "p.m." => (if pm { "p.m." } else { "a.m." }).to_owned(),
            "AD" | "BC" => (if bc { "BC" } else { "AD" }).to_owned(),
            "ad" | "bc" => (if bc { "bc" } else { "ad" }).to_owned(),
            "A.D." | "B.C." => (if bc { "B.C." } else { "A.D." }).to_owned(),
            "a.d." | "b.c." => (if bc { "b.c." } else { "a.d." }).to_owned(),
            "MONTH" | "Month" | "month" => {
                padded_name(cased(MONTHS[month as usize - 1], key), fm, 9)
            }
            "MON" | "Mon" | "mon" => cased(&MONTHS[month as usize - 1][..3], key),
            "DAY" | "Day" | "day" => padded_name(cased(DAYS[wday as usize], key), fm, 9),
            "DY" | "Dy" | "dy" => cased(&DAYS[wday as usize][..3], key),
            "RM" => padded_name(ROMAN[month as usize - 1].to_owned(), fm, 4),
            "rm" => padded_name(ROMAN[month as usize - 1].to_ascii_lowercase(), fm, 4),
            "TZ" => abbrev.to_ascii_uppercase(),
            "tz" => abbrev.to_ascii_lowercase(),
            "TZH" | "tzh" => format!("{sign}{off_h:02}"),
            "TZM" | "tzm" => format!("{off_m:02}"),
            "OF" | "of" => {
                let mut s = if fm {
                    format!("{sign}{off_h}")
                } else {
                    format!("{sign}{off_h:02}")
                };
                if off_m != 0 {
                    s.push_str(&format!(":{off_m:02}"));
                }
                s
            }
            // FX and anything else print nothing.
            _ => String::new(),
        };
        out.push_str(&text);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::datetime::timestamp_from_parts;

    #[test]
    fn formats_like_postgres() {
        // psql: select to_char('2020-05-07 14:05:09.123456'::timestamp,
        //   'YYYY-MM-DD HH24:MI:SS.MS US')
        let t = timestamp_from_parts(2020, 5, 7, 14 * 3_600_000_000 + 5 * 60_000_000 + 9_123_456)
            .unwrap();
        assert_eq!(
            format_timestamp(t, "YYYY-MM-DD HH24:MI:SS.MS US", false).unwrap(),
            "2020-05-07 14:05:09.123 123456"
        );
        assert_eq!(
            format_timestamp(t, "FMMonth FMDay FMDD Dy", true).unwrap(),
            "May Thursday 7 Thu"
        );
        assert_eq!(format_timestamp(t, "", false), None);
    }
}
