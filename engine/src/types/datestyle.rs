//! `DateStyle` and `IntervalStyle`: how dates, timestamps and intervals
//! are written, and the order of the fields of an ambiguous input date
//! (`01/02/2024`).
//!
//! `DateStyle` is an output style (`ISO`, `SQL`, `Postgres`, `German`) and
//! a field order (`MDY`, `DMY`, `YMD`), set together or one at a time as
//! PostgreSQL's `check_datestyle` allows (`SET datestyle = 'German'` also
//! implies `DMY` unless an order is given). `IntervalStyle` is one of
//! `postgres`, `postgres_verbose`, `sql_standard`, `iso_8601`.
//!
//! As the session's time zone ([`super::zone`]), the styles in force live
//! in a thread-local the engine installs while it runs a session's
//! statement ([`install_styles`]); the text output functions read it
//! ([`styles`]). Text stored in the catalog is written in the defaults
//! ([`with_default_styles`]) so that it reads back under any setting.

use std::cell::Cell;

/// The output style part of `DateStyle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `2024-07-01 12:00:00-04`.
    Iso,
    /// `07/01/2024 12:00:00 EDT`.
    Sql,
    /// `Mon Jul 01 12:00:00 2024 EDT`.
    Postgres,
    /// `01.07.2024 12:00:00 EDT`.
    German,
}

/// The field order part of `DateStyle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// Month, day, year.
    Mdy,
    /// Day, month, year.
    Dmy,
    /// Year, month, day.
    Ymd,
}

/// A `DateStyle` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateStyle {
    /// How values are written.
    pub style: Style,
    /// How ambiguous input dates are read (and SQL/Postgres output ordered).
    pub order: DateOrder,
}

impl Default for DateStyle {
    fn default() -> Self {
        DateStyle {
            style: Style::Iso,
            order: DateOrder::Mdy,
        }
    }
}

impl DateStyle {
    /// Applies a `DateStyle` setting to the current value (`None` when it
    /// is invalid or conflicting), as PostgreSQL's `check_datestyle`.
    pub fn parse(value: &str, current: DateStyle) -> Option<DateStyle> {
        let mut style = current.style;
        let mut order = current.order;
        let (mut have_style, mut have_order) = (false, false);
        for tok in value
            .split(|c: char| c == ',' || c.is_ascii_whitespace())
            .filter(|t| !t.is_empty())
        {
            let upper = tok.to_ascii_uppercase();
            let (new_style, new_order) = match upper.as_str() {
                "ISO" => (Some(Style::Iso), None),
                "SQL" => (Some(Style::Sql), None),
                "POSTGRES" => (Some(Style::Postgres), None),
                "GERMAN" => (Some(Style::German), None),
                "YMD" => (None, Some(DateOrder::Ymd)),
                "DMY" | "EURO" | "EUROPEAN" => (None, Some(DateOrder::Dmy)),
                "MDY" | "US" | "NONEURO" | "NONEUROPEAN" => (None, Some(DateOrder::Mdy)),
                "DEFAULT" => {
                    if !have_style {
                        style = Style::Iso;
                    }
                    if !have_order {
                        order = DateOrder::Mdy;
                    }
                    continue;
                }
                _ => return None,
            };
            if let Some(s) = new_style {
                if have_style && s != style {
                    return None;
                }
                style = s;
                have_style = true;
                if s == Style::German && !have_order {
                    order = DateOrder::Dmy;
                }
            }
            if let Some(o) = new_order {
                if have_order && o != order {
                    return None;
                }
                order = o;
                have_order = true;
            }
        }
        Some(DateStyle { style, order })
    }

    /// The setting's text (`ISO, MDY`).
    pub fn name(self) -> String {
        let style = match self.style {
            Style::Iso => "ISO",
            Style::Sql => "SQL",
            Style::Postgres => "Postgres",
            Style::German => "German",
        };
        let order = match self.order {
            DateOrder::Mdy => "MDY",
            DateOrder::Dmy => "DMY",
            DateOrder::Ymd => "YMD",
        };
        format!("{style}, {order}")
    }
}

/// An `IntervalStyle` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IntervalStyle {
    /// `1 year 2 mons 3 days 04:05:06`.
    #[default]
    Postgres,
    /// `@ 1 year 2 mons 3 days 4 hours 5 mins 6 secs`.
    PostgresVerbose,
    /// `+1-2 +3 +4:05:06`.
    SqlStandard,
    /// `P1Y2M3DT4H5M6S`.
    Iso8601,
}

impl IntervalStyle {
    /// The value of an `IntervalStyle` setting (case-insensitive).
    pub fn parse(value: &str) -> Option<IntervalStyle> {
        Some(match value.trim().to_ascii_lowercase().as_str() {
            "postgres" => IntervalStyle::Postgres,
            "postgres_verbose" => IntervalStyle::PostgresVerbose,
            "sql_standard" => IntervalStyle::SqlStandard,
            "iso_8601" => IntervalStyle::Iso8601,
            _ => return None,
        })
    }

    /// The setting's text.
    pub fn name(self) -> &'static str {
        match self {
            IntervalStyle::Postgres => "postgres",
            IntervalStyle::PostgresVerbose => "postgres_verbose",
            IntervalStyle::SqlStandard => "sql_standard",
            IntervalStyle::Iso8601 => "iso_8601",
        }
    }
}

thread_local! {
    static STYLES: Cell<(DateStyle, IntervalStyle)> =
        Cell::new((DateStyle::default(), IntervalStyle::default()));
}

/// Makes these the styles text output uses on this thread.
pub fn install_styles(date: DateStyle, interval: IntervalStyle) {
    STYLES.with(|s| s.set((date, interval)));
}

/// The styles installed on this thread.
pub fn styles() -> (DateStyle, IntervalStyle) {
    STYLES.with(Cell::get)
}

/// Runs `f` with the default styles (ISO, MDY; postgres), restoring the
/// installed ones afterwards.
pub fn with_default_styles<R>(f: impl FnOnce() -> R) -> R {
    let saved = styles();
    install_styles(DateStyle::default(), IntervalStyle::default());
    let r = f();
    install_styles(saved.0, saved.1);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datestyle_settings() {
        let d = DateStyle::default();
        assert_eq!(DateStyle::parse("German", d).unwrap().name(), "German, DMY");
        assert_eq!(DateStyle::parse("sql, dmy", d).unwrap().name(), "SQL, DMY");
        assert_eq!(DateStyle::parse("ymd", d).unwrap().name(), "ISO, YMD");
        assert!(DateStyle::parse("ISO, SQL", d).is_none());
        assert!(DateStyle::parse("bogus", d).is_none());
        assert_eq!(
            IntervalStyle::parse("ISO_8601"),
            Some(IntervalStyle::Iso8601)
        );
    }
}
