//! Session settings: `SET`, `SHOW`, `RESET`, as PostgreSQL's GUCs.
//!
//! Known settings are validated and some take effect in the engine:
//! `synchronous_commit` picks the commit durability (read when a transaction
//! commits), `default_transaction_isolation` and `default_transaction_read_only`
//! the isolation and access mode of new transactions (`transaction_isolation`
//! and `transaction_read_only` show the current one's), `lock_timeout` the
//! row-lock wait limit, `TimeZone` the zone `timestamptz` values are
//! read and written in ([`crate::types::zone`]).
//! `DateStyle` and `IntervalStyle` how date/time values are written
//! ([`crate::types::datestyle`]). Others (`client_encoding`,
//! `search_path`, ...) are stored and reported. Unknown names fail with
//! 42704, as in PostgreSQL.

use std::collections::BTreeMap;
use std::time::Duration;

use rocksgres_storage::{Durability, Isolation};

use crate::error::{EngineError, Result, SqlState};
use crate::types::datestyle::{DateStyle, IntervalStyle};
use crate::types::zone::Zone;

/// The PostgreSQL version the engine reports (`server_version`).
pub const SERVER_VERSION: &str = "15.0 (Rocksgres)";

/// `work_mem`'s default, 4MB.
pub const DEFAULT_WORK_MEM: usize = 4 * 1024 * 1024;

/// `hash_mem_multiplier`'s default in PostgreSQL 15, 2.
pub const DEFAULT_HASH_MEM_MULTIPLIER: f64 = 2.0;

/// (name as PostgreSQL spells it, default value).
const DEFAULTS: &[(&str, &str)] = &[
    ("application_name", ""),
    ("authentication_timeout", "1min"),
    ("autovacuum", "on"),
    ("autovacuum_naptime", "1min"),
    ("client_encoding", "UTF8"),
    ("client_min_messages", "notice"),
    ("DateStyle", "ISO, MDY"),
    ("default_transaction_isolation", "read committed"),
    ("default_transaction_read_only", "off"),
    ("extra_float_digits", "1"),
    ("idle_in_transaction_session_timeout", "0"),
    ("integer_datetimes", "on"),
    ("IntervalStyle", "postgres"),
    ("is_superuser", "on"),
    ("lock_timeout", "0"),
    ("max_connections", "100"),
    ("search_path", "\"$user\", public"),
    ("server_encoding", "UTF8"),
    ("server_version", SERVER_VERSION),
    ("server_version_num", "150000"),
    ("standard_conforming_strings", "on"),
    ("statement_timeout", "0"),
    ("synchronous_commit", "on"),
    ("TimeZone", "UTC"),
    ("transaction_isolation", "read committed"),
    ("transaction_read_only", "off"),
    ("work_mem", "4MB"),
    ("hash_mem_multiplier", "2"),
    ("temp_file_limit", "-1"),
    ("max_parallel_workers_per_gather", "2"),
    ("jit", "off"),
    ("row_security", "on"),
];

const READ_ONLY: &[&str] = &[
    "server_version",
    "server_version_num",
    "server_encoding",
    "integer_datetimes",
    "is_superuser",
];

/// Settings fixed for the server's lifetime: set on the server's command
/// line (`-c`, [`Settings::set_server`]), shown by `SHOW`, refused by `SET`
/// and `RESET` with 55P02 in PostgreSQL's words (`max_connections` is a
/// postmaster setting, `authentication_timeout` a reload one).
const SERVER_FIXED: &[(&str, &str)] = &[
    (
        "max_connections",
        "cannot be changed without restarting the server",
    ),
    ("authentication_timeout", "cannot be changed now"),
    ("autovacuum", "cannot be changed now"),
    ("autovacuum_naptime", "cannot be changed now"),
];

/// The 55P02 error for changing a [`SERVER_FIXED`] setting in a session.
fn server_fixed_error(key: &str) -> Option<EngineError> {
    SERVER_FIXED
        .iter()
        .find(|(n, _)| *n == key)
        .map(|(n, why)| {
            EngineError::new(
                SqlState::CantChangeRuntimeParam,
                format!("parameter \"{n}\" {why}"),
            )
        })
}

/// The server's autovacuum settings (see [`crate::autoanalyze`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutovacuumSettings {
    /// `autovacuum`: whether the worker analyzes at all.
    pub enabled: bool,
    /// `autovacuum_naptime`: how long it sleeps between passes.
    pub naptime: Duration,
}

impl Default for AutovacuumSettings {
    fn default() -> Self {
        AutovacuumSettings {
            enabled: true,
            naptime: DEFAULT_NAPTIME,
        }
    }
}

/// `autovacuum_naptime`'s default.
pub const DEFAULT_NAPTIME: Duration = Duration::from_secs(60);

/// PostgreSQL's error for an integer setting outside its range.
fn out_of_range(name: &str, value: i64, min: i64, max: i64) -> EngineError {
    EngineError::new(
        SqlState::InvalidParameterValue,
        format!("{value} is outside the valid range for parameter \"{name}\" ({min} .. {max})"),
    )
}

/// The settings of one session. The values are shared copy-on-write, so
/// handing a statement a copy (for `pg_settings`) is a reference-count
/// increment.
#[derive(Debug, Clone)]
pub struct Settings {
    values: std::sync::Arc<BTreeMap<String, (String, String)>>,
    /// The values RESET restores instead of the built-in defaults: those
    /// the server's command line and the client's start-up packet gave
    /// (lower-case name, value), as PostgreSQL's reset values.
    session_defaults: std::sync::Arc<Vec<(String, String)>>,
    /// The parsed `TimeZone`.
    zone: std::sync::Arc<Zone>,
    /// The parsed `DateStyle`.
    date_style: DateStyle,
    /// The parsed `IntervalStyle`.
    interval_style: IntervalStyle,
    /// The parsed `search_path` (`None`: the default).
    search_path: Option<std::sync::Arc<[String]>>,
}

impl Default for Settings {
    fn default() -> Self {
        let mut values = BTreeMap::new();
        for (name, v) in DEFAULTS {
            values.insert(name.to_lowercase(), (name.to_string(), v.to_string()));
        }
        Settings {
            values: std::sync::Arc::new(values),
            session_defaults: Default::default(),
            zone: std::sync::Arc::new(Zone::utc()),
            date_style: DateStyle::default(),
            interval_style: IntervalStyle::default(),
            search_path: None,
        }
    }
}

fn unknown(name: &str) -> EngineError {
    EngineError::new(
        SqlState::UndefinedObject,
        format!("unrecognized configuration parameter \"{name}\""),
    )
}

/// Whether `name` (lower case) is a custom placeholder's name: two or more
/// identifiers separated by dots, as PostgreSQL's
/// `valid_custom_variable_name`.
pub fn is_custom_name(name: &str) -> bool {
    name.contains('.')
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_' || !c.is_ascii())
                && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$' || !c.is_ascii())
        })
}

fn invalid(name: &str, value: &str) -> EngineError {
    EngineError::new(
        SqlState::InvalidParameterValue,
        format!("invalid value for parameter \"{name}\": \"{value}\""),
    )
}

/// Parses a PostgreSQL duration setting (ms by default; `s`, `min`, `ms` units).
fn parse_millis(name: &str, value: &str) -> Result<u64> {
    parse_duration_ms(name, value, 1)
}

/// Parses a duration setting whose bare numbers count `bare_unit_ms`
/// milliseconds (1000 for a setting in seconds), into milliseconds.
/// Fractions are rounded to the millisecond, as PostgreSQL.
fn parse_duration_ms(name: &str, value: &str, bare_unit_ms: u64) -> Result<u64> {
    let (n, unit) = split_unit(name, value)?;
    let scale = match unit {
        "" => bare_unit_ms as f64,
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1e3,
        "min" => 6e4,
        "h" => 3.6e6,
        "d" => 8.64e7,
        _ => return Err(invalid(name, value).with_hint(
            "Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".",
        )),
    };
    Ok((n * scale).round() as u64)
}

/// Splits a setting into its non-negative number and its unit.
fn split_unit<'v>(name: &str, value: &'v str) -> Result<(f64, &'v str)> {
    let v = value.trim();
    let (num, unit) = v
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((v, ""), |i| (&v[..i], v[i..].trim()));
    let n: f64 = num.parse().map_err(|_| invalid(name, value))?;
    if !n.is_finite() || n > i64::MAX as f64 {
        return Err(invalid(name, value));
    }
    Ok((n, unit))
}

/// A setting's value as `pg_settings.setting` shows it: durations in
/// milliseconds and `work_mem` in kB (their base units), as plain numbers.
fn in_base_unit(key: &str, value: &str) -> String {
    match key {
        "statement_timeout" | "lock_timeout" | "idle_in_transaction_session_timeout" => {
            parse_millis(key, value).map_or_else(|_| value.to_string(), |ms| ms.to_string())
        }
        "temp_file_limit" if value.trim() == "-1" => "-1".to_string(),
        "work_mem" | "temp_file_limit" => split_unit(key, value)
            .ok()
            .and_then(|(n, unit)| {
                let kb = match unit {
                    "" | "kB" => n,
                    "MB" => n * 1024.0,
                    "GB" => n * 1024.0 * 1024.0,
                    "TB" => n * 1024.0 * 1024.0 * 1024.0,
                    _ => return None,
                };
                Some((kb.round() as i64).to_string())
            })
            .unwrap_or_else(|| value.to_string()),
        _ => value.to_string(),
    }
}

/// A duration in milliseconds as PostgreSQL shows it: in the largest unit
/// that divides it.
fn format_ms(ms: u64) -> String {
    if ms == 0 {
        return "0".into();
    }
    for (unit_ms, unit) in [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "min"),
        (1000, "s"),
    ] {
        if ms.is_multiple_of(unit_ms) {
            return format!("{}{unit}", ms / unit_ms);
        }
    }
    format!("{ms}ms")
}

/// Parses a memory setting counted in kB (`work_mem`) within
/// `[min, max]` kB, and shows it as PostgreSQL: in the largest unit that
/// divides it.
fn normalize_kb(name: &str, value: &str, min: i64, max: i64) -> Result<String> {
    let (n, unit) = split_unit(name, value)?;
    let scale = match unit {
        "" | "kB" => 1.0,
        "B" => 1.0 / 1024.0,
        "MB" => 1024.0,
        "GB" => 1024.0 * 1024.0,
        "TB" => 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(invalid(name, value).with_hint(
                "Valid units for this parameter are \"B\", \"kB\", \"MB\", \"GB\", and \"TB\".",
            ))
        }
    };
    let kb = (n * scale).round() as i64;
    if kb < min || kb > max {
        return Err(EngineError::new(
            SqlState::InvalidParameterValue,
            format!("{kb} kB is outside the valid range for parameter \"{name}\" ({min} .. {max})"),
        ));
    }
    if kb <= 0 {
        return Ok(kb.to_string());
    }
    for (unit_kb, unit) in [(1i64 << 30, "TB"), (1 << 20, "GB"), (1 << 10, "MB")] {
        if kb % unit_kb == 0 {
            return Ok(format!("{}{unit}", kb / unit_kb));
        }
    }
    Ok(format!("{kb}kB"))
}

impl Settings {
    /// The value of setting `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Result<&str> {
        // The engine's own lookups use lower-case names: they take no
        // allocation on this per-statement path.
        let lowered;
        let key = if name.bytes().any(|b| b.is_ascii_uppercase()) || !name.is_ascii() {
            lowered = name.to_lowercase();
            lowered.as_str()
        } else {
            name
        };
        let key = match key {
            "transaction isolation level" => "transaction_isolation",
            "time zone" => "timezone",
            other => other,
        };
        self.values
            .get(key)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| unknown(name))
    }

    /// Sets `name` to `value`, validating it.
    pub fn set(&mut self, name: &str, value: &str) -> Result<()> {
        let key = name.to_lowercase();
        let Some((canonical, _)) = self.values.get(&key).cloned() else {
            if is_custom_name(&key) {
                // A custom placeholder (`SET app.user_id = ...`): any
                // value, as PostgreSQL keeps it for an extension that may
                // never load.
                std::sync::Arc::make_mut(&mut self.values)
                    .insert(key.clone(), (key, value.to_string()));
                return Ok(());
            }
            return Err(unknown(name));
        };
        if READ_ONLY.contains(&key.as_str()) {
            return Err(EngineError::new(
                SqlState::CantChangeRuntimeParam,
                format!("parameter \"{canonical}\" cannot be changed"),
            ));
        }
        if let Some(e) = server_fixed_error(&key) {
            return Err(e);
        }
        let normalized = match key.as_str() {
            "synchronous_commit" => match value.to_lowercase().as_str() {
                "on" | "true" | "yes" | "1" | "local" | "remote_write" | "remote_apply" => {
                    value.to_lowercase()
                }
                "off" | "false" | "no" | "0" => "off".into(),
                _ => return Err(invalid(&canonical, value)),
            },
            "default_transaction_isolation" | "transaction_isolation" => {
                match value.to_lowercase().as_str() {
                    v @ ("read committed" | "repeatable read" | "serializable"
                    | "read uncommitted") => v.to_string(),
                    _ => return Err(invalid(&canonical, value)),
                }
            }
            "default_transaction_read_only" | "transaction_read_only" => {
                match value.to_ascii_lowercase().as_str() {
                    "on" | "true" | "yes" | "1" | "t" | "y" => "on".into(),
                    "off" | "false" | "no" | "0" | "f" | "n" => "off".into(),
                    _ => {
                        return Err(EngineError::new(
                            SqlState::InvalidParameterValue,
                            format!("parameter \"{canonical}\" requires a Boolean value"),
                        ))
                    }
                }
            }
            "statement_timeout" | "lock_timeout" | "idle_in_transaction_session_timeout" => {
                format_ms(parse_millis(&canonical, value)?)
            }
            "work_mem" => normalize_kb(&canonical, value, 64, 2_147_483_647)?,
            "temp_file_limit" => match value.trim().parse::<i64>() {
                Ok(-1) => "-1".into(),
                Ok(n) if n < -1 => {
                    return Err(EngineError::new(
                        SqlState::InvalidParameterValue,
                        format!(
                            "{n} kB is outside the valid range for parameter \"{canonical}\" (-1 .. 2147483647)"
                        ),
                    ))
                }
                _ => normalize_kb(&canonical, value, -1, 2_147_483_647)?,
            },
            "client_encoding" => match value.to_uppercase().replace('-', "").as_str() {
                "UTF8" | "UNICODE" => "UTF8".into(),
                "SQL_ASCII" => "SQL_ASCII".into(),
                _ => {
                    return Err(EngineError::new(
                        SqlState::FeatureNotSupported,
                        format!("conversion between {value} and UTF8 is not supported"),
                    ))
                }
            },
            "datestyle" => {
                let style = DateStyle::parse(value, self.date_style)
                    .ok_or_else(|| invalid(&canonical, value))?;
                self.date_style = style;
                style.name()
            }
            "intervalstyle" => {
                // An enum setting's error names it as written (PostgreSQL).
                let style = IntervalStyle::parse(value)
                    .ok_or_else(|| invalid(&name.to_lowercase(), value))?;
                self.interval_style = style;
                style.name().to_string()
            }
            "timezone" => {
                let zone = Zone::parse_setting(value).ok_or_else(|| invalid(&canonical, value))?;
                let name = zone.name().to_string();
                self.zone = std::sync::Arc::new(zone);
                name
            }
            "search_path" => {
                let list = parse_search_path(value).ok_or_else(|| {
                    invalid(&canonical, value).with_detail("List syntax is invalid.")
                })?;
                self.search_path = Some(list.into());
                value.to_string()
            }
            "hash_mem_multiplier" => {
                let n: f64 = value
                    .trim()
                    .parse()
                    .ok()
                    .filter(|n: &f64| n.is_finite())
                    .ok_or_else(|| invalid(&canonical, value))?;
                if !(1.0..=1000.0).contains(&n) {
                    return Err(EngineError::new(
                        SqlState::InvalidParameterValue,
                        format!(
                            "{} is outside the valid range for parameter \"{canonical}\" (1 .. 1000)",
                            value.trim()
                        ),
                    ));
                }
                // PostgreSQL shows a real setting with %g.
                format!("{n}")
            }
            "extra_float_digits" => {
                let n: i32 = value
                    .trim()
                    .parse()
                    .map_err(|_| invalid(&canonical, value))?;
                if !(-15..=3).contains(&n) {
                    return Err(invalid(&canonical, value));
                }
                n.to_string()
            }
            _ => value.to_string(),
        };
        std::sync::Arc::make_mut(&mut self.values).insert(key, (canonical, normalized));
        Ok(())
    }

    /// Restores the default of `name`, or of every setting with `None`.
    pub fn reset(&mut self, name: Option<&str>) -> Result<()> {
        let fresh = Settings::default();
        match name {
            None => {
                // The open transaction's characteristics and the server's
                // fixed settings are not reset.
                let mut keep: Vec<(String, (String, String))> =
                    ["transaction_isolation", "transaction_read_only"]
                        .iter()
                        .filter_map(|k| Some((k.to_string(), self.values.get(*k)?.clone())))
                        .collect();
                // Custom placeholders stay defined, reset to the empty
                // string, as PostgreSQL keeps them.
                keep.extend(
                    self.values
                        .iter()
                        .filter(|(k, _)| {
                            is_custom_name(k) && !self.session_defaults.iter().any(|(d, _)| d == *k)
                        })
                        .map(|(k, (name, _))| (k.clone(), (name.clone(), String::new()))),
                );
                let keep_fixed: Vec<_> = SERVER_FIXED
                    .iter()
                    .filter_map(|(n, _)| Some((n.to_string(), self.values.get(*n)?.clone())))
                    .collect();
                let defaults = std::sync::Arc::clone(&self.session_defaults);
                *self = fresh;
                for (k, v) in defaults.iter() {
                    // Validated when they were first applied.
                    let _ = self.set(k, v);
                }
                self.session_defaults = defaults;
                for (k, v) in keep {
                    std::sync::Arc::make_mut(&mut self.values).insert(k, v);
                }
                std::sync::Arc::make_mut(&mut self.values).extend(keep_fixed);
            }
            Some(n) => {
                let key = n.to_lowercase();
                if let Some(e) = server_fixed_error(&key) {
                    return Err(e);
                }
                let v = match fresh.values.get(&key) {
                    Some(v) => v.clone(),
                    // A custom placeholder resets to the empty string.
                    None if is_custom_name(&key) => (key.clone(), String::new()),
                    None => return Err(unknown(n)),
                };
                match key.as_str() {
                    "timezone" => self.zone = fresh.zone,
                    "datestyle" => self.date_style = fresh.date_style,
                    "intervalstyle" => self.interval_style = fresh.interval_style,
                    "search_path" => self.search_path = None,
                    _ => {}
                }
                std::sync::Arc::make_mut(&mut self.values).insert(key.clone(), v);
                let session_default = self
                    .session_defaults
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v.clone());
                if let Some(v) = session_default {
                    let _ = self.set(&key, &v);
                }
            }
        }
        Ok(())
    }

    /// The schemas `search_path` lists (`None`: the default,
    /// `"$user", public`).
    pub fn search_path(&self) -> Option<std::sync::Arc<[String]>> {
        self.search_path.clone()
    }

    /// The session's time zone (`TimeZone`).
    pub fn zone(&self) -> &std::sync::Arc<Zone> {
        &self.zone
    }

    /// The session's `DateStyle`.
    pub fn date_style(&self) -> DateStyle {
        self.date_style
    }

    /// The session's `IntervalStyle`.
    pub fn interval_style(&self) -> IntervalStyle {
        self.interval_style
    }

    /// The canonical spelling of a setting's name (`DateStyle`), for SHOW.
    pub fn canonical_name(&self, name: &str) -> String {
        self.values
            .get(&name.to_lowercase())
            .map(|(c, _)| c.to_lowercase())
            .unwrap_or_else(|| name.to_lowercase())
    }

    /// The durability `synchronous_commit` asks for.
    pub fn durability(&self) -> Durability {
        match self.get("synchronous_commit") {
            Ok("off") => Durability::Async,
            _ => Durability::Sync,
        }
    }

    /// The isolation of new transactions.
    pub fn default_isolation(&self) -> Isolation {
        isolation_from(self.get("default_transaction_isolation").unwrap_or(""))
    }

    /// `lock_timeout` (`None` = wait forever).
    pub fn lock_timeout(&self) -> Option<Duration> {
        match self
            .get("lock_timeout")
            .ok()
            .and_then(|v| parse_millis("", v).ok())?
        {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }

    /// `work_mem` in bytes: what one sort or hash may hold before it
    /// spills to temporary files ([`crate::exec::spill`]).
    pub fn work_mem_bytes(&self) -> usize {
        self.get("work_mem")
            .ok()
            .and_then(|v| in_base_unit("work_mem", v).parse::<usize>().ok())
            .map_or(DEFAULT_WORK_MEM, |kb| kb * 1024)
    }

    /// `max_parallel_workers_per_gather`: how many workers a parallel
    /// scan may use (0: none; see [`crate::exec::parallel_scan`]).
    pub fn max_parallel_workers_per_gather(&self) -> usize {
        self.get("max_parallel_workers_per_gather")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(2)
    }

    /// `hash_mem_multiplier`: hash tables may hold this many times
    /// `work_mem` (PostgreSQL 15's default 2).
    pub fn hash_mem_multiplier(&self) -> f64 {
        self.get("hash_mem_multiplier")
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(DEFAULT_HASH_MEM_MULTIPLIER)
    }

    /// `temp_file_limit` in kB (`None` = unlimited, its default -1).
    pub fn temp_file_limit_kb(&self) -> Option<u64> {
        self.get("temp_file_limit")
            .ok()
            .and_then(|v| in_base_unit("temp_file_limit", v).parse::<i64>().ok())
            .and_then(|kb| u64::try_from(kb).ok())
    }

    /// `statement_timeout` (`None` = no limit).
    pub fn statement_timeout(&self) -> Option<Duration> {
        match self
            .get("statement_timeout")
            .ok()
            .and_then(|v| parse_millis("", v).ok())?
        {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }

    /// Sets `name` from the server's command line (`-c name=value`): as
    /// [`Settings::set`], and also the settings fixed for the server's
    /// lifetime (`max_connections`, `authentication_timeout`), validated
    /// as PostgreSQL validates them.
    pub fn set_server(&mut self, name: &str, value: &str) -> Result<()> {
        let key = name.to_lowercase();
        let normalized = match key.as_str() {
            "max_connections" => {
                let n: i64 = value
                    .trim()
                    .parse()
                    .map_err(|_| invalid("max_connections", value))?;
                if !(1..=262_143).contains(&n) {
                    return Err(out_of_range("max_connections", n, 1, 262_143));
                }
                n.to_string()
            }
            "authentication_timeout" => {
                let ms = parse_duration_ms("authentication_timeout", value, 1000)?;
                // A setting in seconds: rounded to the nearest second.
                let secs = (ms + 500) / 1000;
                if !(1..=600).contains(&secs) {
                    return Err(out_of_range("authentication_timeout", secs as i64, 1, 600));
                }
                if secs % 60 == 0 {
                    format!("{}min", secs / 60)
                } else {
                    format!("{secs}s")
                }
            }
            "autovacuum" => match value.trim().to_lowercase().as_str() {
                "on" | "true" | "yes" | "1" => "on".into(),
                "off" | "false" | "no" | "0" => "off".into(),
                _ => {
                    return Err(EngineError::new(
                        SqlState::InvalidParameterValue,
                        "parameter \"autovacuum\" requires a Boolean value",
                    ))
                }
            },
            "autovacuum_naptime" => {
                let ms = parse_duration_ms("autovacuum_naptime", value, 1000)?;
                let secs = (ms + 500) / 1000;
                if !(1..=2_147_483).contains(&secs) {
                    return Err(out_of_range(
                        "autovacuum_naptime",
                        secs as i64,
                        1,
                        2_147_483,
                    ));
                }
                if secs % 60 == 0 {
                    format!("{}min", secs / 60)
                } else {
                    format!("{secs}s")
                }
            }
            _ => return self.set_session_default(name, value),
        };
        let canonical = self
            .values
            .get(&key)
            .map(|(c, _)| c.clone())
            .unwrap_or(key.clone());
        std::sync::Arc::make_mut(&mut self.values).insert(key, (canonical, normalized));
        Ok(())
    }

    /// Sets `name` as [`Settings::set`] and makes the value the one RESET
    /// restores (a setting from the server's command line or the client's
    /// start-up packet).
    pub fn set_session_default(&mut self, name: &str, value: &str) -> Result<()> {
        self.set(name, value)?;
        let key = name.to_lowercase();
        let defaults = std::sync::Arc::make_mut(&mut self.session_defaults);
        defaults.retain(|(k, _)| *k != key);
        defaults.push((key, value.to_string()));
        Ok(())
    }

    /// `autovacuum` and `autovacuum_naptime`: the server's autoanalyze
    /// (see [`crate::autoanalyze`]).
    pub fn autovacuum(&self) -> AutovacuumSettings {
        let enabled = self.get("autovacuum").map_or(true, |v| v == "on");
        let naptime = self
            .get("autovacuum_naptime")
            .ok()
            .and_then(|v| parse_duration_ms("autovacuum_naptime", v, 1000).ok())
            .map_or(DEFAULT_NAPTIME, Duration::from_millis);
        AutovacuumSettings { enabled, naptime }
    }

    /// `max_connections`: how many client sessions the server admits.
    pub fn max_connections(&self) -> usize {
        self.get("max_connections")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100)
    }

    /// `authentication_timeout`: how long a client may take to connect
    /// and authenticate.
    pub fn authentication_timeout(&self) -> Duration {
        self.get("authentication_timeout")
            .ok()
            .and_then(|v| parse_duration_ms("authentication_timeout", v, 1000).ok())
            .map_or(Duration::from_secs(60), Duration::from_millis)
    }

    /// `idle_in_transaction_session_timeout` (`None` = no limit): how long
    /// a session may wait for its client inside a transaction block.
    pub fn idle_in_transaction_session_timeout(&self) -> Option<Duration> {
        match self
            .get("idle_in_transaction_session_timeout")
            .ok()
            .and_then(|v| parse_millis("", v).ok())?
        {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }

    /// Every setting as (name, value, default value, read-only), for
    /// `pg_settings`.
    pub fn describe(&self) -> Vec<(String, String, String, bool)> {
        let defaults = Settings::default();
        self.values
            .iter()
            .map(|(key, (name, value))| {
                let default = defaults
                    .values
                    .get(key)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                (
                    name.clone(),
                    in_base_unit(key, value),
                    in_base_unit(key, &default),
                    READ_ONLY.contains(&key.as_str()),
                )
            })
            .collect()
    }

    /// Every setting, as (name, value), for `SHOW ALL`.
    pub fn all(&self) -> Vec<(String, String)> {
        self.values
            .values()
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect()
    }
}

/// Maps an isolation-level name to the storage mode. SERIALIZABLE runs as
/// REPEATABLE READ (snapshot isolation) until serializable snapshot
/// isolation exists; READ UNCOMMITTED is READ COMMITTED, as in PostgreSQL.
pub fn isolation_from(name: &str) -> Isolation {
    match name {
        "repeatable read" | "serializable" => Isolation::Snapshot,
        _ => Isolation::ReadCommitted,
    }
}

/// Parses a `search_path` value into its schema names: comma-separated,
/// an unquoted name lower-cased and trimmed, a double-quoted one taken
/// literally (`""` a quote), as PostgreSQL's `SplitIdentifierString`.
/// `None` for a malformed list.
pub fn parse_search_path(text: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return (out.is_empty() || text.trim().is_empty()).then_some(out);
        }
        let mut name = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        name.push('"');
                    }
                    '"' => break,
                    c => name.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' || c.is_whitespace() {
                    break;
                }
                name.extend(c.to_lowercase());
                chars.next();
            }
            if name.is_empty() {
                return None;
            }
        }
        out.push(name);
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            None => return Some(out),
            Some(',') => {}
            Some(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_show_reset() {
        let mut s = Settings::default();
        assert_eq!(s.get("DATESTYLE").unwrap(), "ISO, MDY");
        s.set("synchronous_commit", "off").unwrap();
        assert_eq!(s.durability(), Durability::Async);
        s.set("statement_timeout", "2s").unwrap();
        assert_eq!(s.statement_timeout(), Some(Duration::from_secs(2)));
        assert_eq!(
            s.set("nosuch", "1").unwrap_err().state,
            SqlState::UndefinedObject
        );
        assert_eq!(
            s.set("server_version", "1").unwrap_err().state,
            SqlState::CantChangeRuntimeParam
        );
        s.reset(Some("synchronous_commit")).unwrap();
        assert_eq!(s.durability(), Durability::Sync);
        s.set("default_transaction_isolation", "repeatable read")
            .unwrap();
        assert_eq!(s.default_isolation(), Isolation::Snapshot);
    }

    #[test]
    fn server_fixed_settings() {
        let mut s = Settings::default();
        assert_eq!(s.get("max_connections").unwrap(), "100");
        assert_eq!(s.get("authentication_timeout").unwrap(), "1min");
        assert_eq!(s.max_connections(), 100);
        assert_eq!(s.authentication_timeout(), Duration::from_secs(60));
        // A session cannot change them (PostgreSQL's words).
        let e = s.set("max_connections", "5").unwrap_err();
        assert_eq!(e.state, SqlState::CantChangeRuntimeParam);
        assert_eq!(
            e.message,
            "parameter \"max_connections\" cannot be changed without restarting the server"
        );
        let e = s.set("authentication_timeout", "5s").unwrap_err();
        assert_eq!(
            e.message,
            "parameter \"authentication_timeout\" cannot be changed now"
        );
        assert!(s.reset(Some("max_connections")).is_err());
        // The server's command line can.
        s.set_server("max_connections", "3").unwrap();
        s.set_server("authentication_timeout", "2").unwrap();
        assert_eq!(s.max_connections(), 3);
        assert_eq!(s.get("authentication_timeout").unwrap(), "2s");
        assert_eq!(s.authentication_timeout(), Duration::from_secs(2));
        s.set_server("authentication_timeout", "2min").unwrap();
        assert_eq!(s.get("authentication_timeout").unwrap(), "2min");
        assert_eq!(s.authentication_timeout(), Duration::from_secs(120));
        s.reset(None).unwrap();
        assert_eq!(s.max_connections(), 3);
        let e = s.set_server("max_connections", "0").unwrap_err();
        assert_eq!(
            e.message,
            "0 is outside the valid range for parameter \"max_connections\" (1 .. 262143)"
        );
        assert!(s.set_server("max_connections", "x").is_err());
        assert!(s.set_server("authentication_timeout", "601").is_err());
        // Other settings go through set.
        s.set_server("statement_timeout", "1s").unwrap();
        assert_eq!(s.statement_timeout(), Some(Duration::from_secs(1)));
        assert!(s.set_server("server_version", "1").is_err());
        // idle_in_transaction_session_timeout is a session setting.
        assert_eq!(s.idle_in_transaction_session_timeout(), None);
        s.set("idle_in_transaction_session_timeout", "300ms")
            .unwrap();
        assert_eq!(
            s.idle_in_transaction_session_timeout(),
            Some(Duration::from_millis(300))
        );
    }
}

#[cfg(test)]
mod search_path_tests {
    use super::parse_search_path;

    #[test]
    fn search_path_lists() {
        let p = |s: &str| parse_search_path(s);
        assert_eq!(
            p("\"$user\", public"),
            Some(vec!["$user".into(), "public".into()])
        );
        assert_eq!(p("x,  Y"), Some(vec!["x".into(), "y".into()]));
        assert_eq!(p("\"a, b\""), Some(vec!["a, b".into()]));
        assert_eq!(p("\"\""), Some(vec![String::new()]));
        assert_eq!(p(""), Some(vec![]));
        assert_eq!(p("a,,b"), None);
        assert_eq!(p("a b"), None);
    }
}
