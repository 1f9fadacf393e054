//! CREATE, DROP and ALTER DATABASE (PostgreSQL's `dbcommands.c`).
//!
//! A database is an entry of the shared catalog
//! ([`crate::catalog::database`]) and the key ranges under its oid. CREATE
//! copies the template's key ranges under a new oid
//! ([`crate::exec::database_copy`]), then writes the entry; DROP removes
//! the entry, then deletes both key ranges at once ([`rocksgres_storage::Store::delete_range`]). The options follow
//! PostgreSQL's checks and messages; the ones without an implementation
//! here fail with 0A000 naming them.

use std::time::{Duration, Instant};

use rocksgres_storage::{Store, Transaction, TxnOptions};

use crate::catalog::database::{self as databases, DatabaseDesc, TEMPLATE0_OID};
use crate::database::Database;
use crate::error::{EngineError, Result, SqlState};
use crate::result::QueryResult;
use crate::sql::database::OptionValue;

/// Who runs the statement.
pub struct Caller<'a> {
    /// The session's database oid.
    pub database: u32,
    /// The session's id in the database's session list.
    pub session: u64,
    /// The session user's name (the only role besides the built-in ones).
    pub user: &'a str,
}

/// PostgreSQL's server encodings other than UTF8 (known names, which we
/// do not support; any other name is not an encoding at all).
const OTHER_ENCODINGS: &[&str] = &[
    "sqlascii",
    "eucjp",
    "euccn",
    "euckr",
    "euctw",
    "eucjis2004",
    "muleinternal",
    "latin1",
    "latin2",
    "latin3",
    "latin4",
    "latin5",
    "latin6",
    "latin7",
    "latin8",
    "latin9",
    "latin10",
    "win1256",
    "win1258",
    "win866",
    "win874",
    "koi8r",
    "win1251",
    "win1252",
    "iso88595",
    "iso88596",
    "iso88597",
    "iso88598",
    "win1250",
    "win1253",
    "win1254",
    "win1255",
    "win1257",
    "koi8u",
];

/// Locales with the C library's "C" behaviour, the only one we implement.
fn is_c_locale(l: &str) -> bool {
    matches!(
        l,
        "C" | "POSIX" | "C.UTF-8" | "C.utf8" | "C.UTF8" | "C.utf-8"
    )
}

fn parse_bool(name: &str, v: &OptionValue) -> Result<bool> {
    match v.text().to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "1" | "t" => Ok(true),
        "false" | "off" | "no" | "0" | "f" => Ok(false),
        _ => Err(EngineError::new(
            SqlState::SyntaxError,
            format!("{name} requires a Boolean value"),
        )),
    }
}

fn parse_limit(v: &OptionValue) -> Result<i32> {
    let n: i32 = match v {
        OptionValue::Number(n) => n.parse().map_err(|_| {
            EngineError::new(
                SqlState::SyntaxError,
                "connection limit requires an integer value",
            )
        })?,
        OptionValue::Default => -1,
        OptionValue::Text(_) => {
            return Err(EngineError::new(
                SqlState::SyntaxError,
                "connection limit requires an integer value",
            ))
        }
    };
    if n < -1 {
        return Err(EngineError::new(
            SqlState::InvalidParameterValue,
            format!("invalid connection limit: {n}"),
        ));
    }
    Ok(n)
}

fn check_encoding(v: &OptionValue) -> Result<()> {
    let text = v.text();
    if let OptionValue::Number(n) = v {
        return match n.as_str() {
            "6" => Ok(()),
            _ => Err(EngineError::new(
                SqlState::UndefinedObject,
                format!("{n} is not a valid encoding code"),
            )),
        };
    }
    let norm: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if norm == "utf8" || norm == "unicode" || matches!(v, OptionValue::Default) {
        Ok(())
    } else if OTHER_ENCODINGS.contains(&norm.as_str()) {
        Err(EngineError::unsupported(format!("encoding \"{text}\"")))
    } else {
        Err(EngineError::new(
            SqlState::UndefinedObject,
            format!("{text} is not a valid encoding name"),
        ))
    }
}

fn check_role(role: &str, user: &str) -> Result<()> {
    if role == user || role == "current_user" || role == "session_user" {
        Ok(())
    } else {
        Err(EngineError::new(
            SqlState::UndefinedObject,
            format!("role \"{role}\" does not exist"),
        ))
    }
}

fn conflicting() -> EngineError {
    EngineError::new(SqlState::SyntaxError, "conflicting or redundant options")
}

fn others_detail(n: usize) -> String {
    if n == 1 {
        "There is 1 other session using the database.".to_string()
    } else {
        format!("There are {n} other sessions using the database.")
    }
}

fn in_use(name: &str, n: usize) -> EngineError {
    EngineError::new(
        SqlState::ObjectInUse,
        format!("database \"{name}\" is being accessed by other users"),
    )
    .with_detail(others_detail(n))
}

/// How long a statement that needs a database to itself waits for the
/// other sessions on it to go (PostgreSQL's `CountOtherDBBackends` waits
/// 5 seconds too: a client that just disconnected may not be gone yet).
const OTHERS_WAIT: Duration = Duration::from_secs(5);

/// How many sessions but the caller are still on database `oid` after
/// waiting up to [`OTHERS_WAIT`] for them to go.
fn others_after_wait<S: Store>(db: &Database<S>, oid: u32, caller: &Caller<'_>) -> usize {
    let until = Instant::now() + OTHERS_WAIT;
    loop {
        let n = db.sessions_on(oid, caller.session);
        if n == 0 || Instant::now() >= until {
            return n;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn duplicate(name: &str) -> EngineError {
    EngineError::new(
        SqlState::DuplicateDatabase,
        format!("database \"{name}\" already exists"),
    )
}

fn missing(name: &str) -> EngineError {
    EngineError::new(
        SqlState::InvalidCatalogName,
        format!("database \"{name}\" does not exist"),
    )
}

/// Runs `f` in a transaction of its own on the shared catalog, committed.
fn shared_txn<S: Store, R>(
    db: &Database<S>,
    caller: &Caller<'_>,
    f: impl FnOnce(&mut crate::db_txn::DbTxn<S::Txn>) -> Result<R>,
) -> Result<R> {
    let mut txn = db.begin(caller.database, TxnOptions::default())?;
    match f(&mut txn) {
        Ok(r) => {
            txn.commit()?;
            Ok(r)
        }
        Err(e) => {
            txn.rollback();
            Err(e)
        }
    }
}

/// `CREATE DATABASE name option...`.
pub fn create<S: Store>(
    db: &Database<S>,
    caller: &Caller<'_>,
    name: &str,
    options: &[(String, OptionValue)],
) -> Result<QueryResult> {
    let mut seen: Vec<&str> = Vec::new();
    let mut template = "template1".to_string();
    let mut encoding = None;
    let mut locale = None;
    let mut collate = None;
    let mut ctype = None;
    let mut desc = DatabaseDesc::new(name, 0, crate::catalog::system::USER_OID);
    for (opt, value) in options {
        if seen.contains(&opt.as_str()) {
            return Err(conflicting());
        }
        seen.push(opt);
        match opt.as_str() {
            "owner" => {
                if !matches!(value, OptionValue::Default) {
                    check_role(value.text(), caller.user)?;
                }
            }
            "template" => {
                if !matches!(value, OptionValue::Default) {
                    template = value.text().to_string();
                }
            }
            "encoding" => encoding = Some(value.clone()),
            "locale_provider" => match value.text().to_ascii_lowercase().as_str() {
                "libc" | "default" => {}
                "icu" => return Err(EngineError::unsupported("the ICU locale provider")),
                other => {
                    return Err(EngineError::new(
                        SqlState::InvalidParameterValue,
                        format!("unrecognized locale provider: {other}"),
                    ))
                }
            },
            "locale" => locale = Some(value.clone()),
            "lc_collate" => collate = Some(value.clone()),
            "lc_ctype" => ctype = Some(value.clone()),
            "connection limit" => desc.connection_limit = parse_limit(value)?,
            "is_template" => desc.is_template = parse_bool(opt, value)?,
            "allow_connections" => desc.allow_connections = parse_bool(opt, value)?,
            "icu_locale" | "collation_version" | "tablespace" | "location" | "oid" | "strategy" => {
                return Err(EngineError::unsupported(format!(
                    "CREATE DATABASE option \"{opt}\""
                )))
            }
            other => {
                return Err(EngineError::new(
                    SqlState::SyntaxError,
                    format!("option \"{other}\" not recognized"),
                ))
            }
        }
    }
    if locale.is_some() && (collate.is_some() || ctype.is_some()) {
        return Err(conflicting()
            .with_detail("LOCALE cannot be specified together with LC_COLLATE or LC_CTYPE."));
    }
    let source = db.lookup_database(&template)?.ok_or_else(|| {
        EngineError::new(
            SqlState::InvalidCatalogName,
            format!("template database \"{template}\" does not exist"),
        )
    })?;
    if let Some(e) = &encoding {
        check_encoding(e)?;
    }
    let pick = |v: &Option<OptionValue>, inherited: &str| -> Result<String> {
        let v = v.as_ref().or(locale.as_ref());
        match v {
            None | Some(OptionValue::Default) => Ok(inherited.to_string()),
            Some(v) if is_c_locale(v.text()) => Ok(v.text().to_string()),
            Some(v) => Err(EngineError::unsupported(format!("locale \"{}\"", v.text()))),
        }
    };
    desc.collate = pick(&collate, &source.collate)?;
    desc.ctype = pick(&ctype, &source.ctype)?;
    if source.oid != TEMPLATE0_OID {
        if desc.collate != source.collate {
            return Err(EngineError::new(
                SqlState::InvalidParameterValue,
                format!(
                    "new collation ({}) is incompatible with the collation of the template database ({})",
                    desc.collate, source.collate
                ),
            )
            .with_hint("Use the same collation as in the template database, or use template0 as template."));
        }
        if desc.ctype != source.ctype {
            return Err(EngineError::new(
                SqlState::InvalidParameterValue,
                format!(
                    "new LC_CTYPE ({}) is incompatible with the LC_CTYPE of the template database ({})",
                    desc.ctype, source.ctype
                ),
            )
            .with_hint("Use the same LC_CTYPE as in the template database, or use template0 as template."));
        }
    }
    if db.lookup_database(name)?.is_some() {
        return Err(duplicate(name));
    }
    let others = others_after_wait(db, source.oid, caller);
    if others > 0 {
        return Err(EngineError::new(
            SqlState::ObjectInUse,
            format!("source database \"{template}\" is being accessed by other users"),
        )
        .with_detail(others_detail(others)));
    }
    let oid = shared_txn(db, caller, crate::catalog::allocate_id)?;
    if databases::has_objects(db.store(), source.oid)? {
        crate::exec::database_copy::copy_database(db, source.oid, oid)?;
    }
    desc.oid = oid;
    let r = shared_txn(db, caller, |txn| {
        let mut key = Vec::new();
        let mut out = Vec::new();
        crate::keys::database_key(&mut key, name);
        if txn.get_for_update(&key, &mut out)? {
            return Err(duplicate(name));
        }
        databases::save(txn, &desc)
    });
    if r.is_err() {
        for (start, end) in crate::keys::database_ranges(oid) {
            let _ = db.store().delete_range(&start, &end);
        }
    }
    r?;
    Ok(QueryResult::command("CREATE DATABASE"))
}

/// `DROP DATABASE [IF EXISTS] name [WITH (FORCE)]`.
pub fn drop<S: Store>(
    db: &Database<S>,
    caller: &Caller<'_>,
    name: &str,
    if_exists: bool,
    force: bool,
) -> Result<QueryResult> {
    let Some(desc) = db.lookup_database(name)? else {
        if if_exists {
            let mut r = QueryResult::command("DROP DATABASE");
            r.notices
                .push(format!("database \"{name}\" does not exist, skipping"));
            return Ok(r);
        }
        return Err(missing(name));
    };
    if desc.is_template {
        return Err(EngineError::new(
            SqlState::WrongObjectType,
            "cannot drop a template database",
        ));
    }
    if desc.oid == caller.database {
        return Err(EngineError::new(
            SqlState::ObjectInUse,
            "cannot drop the currently open database",
        ));
    }
    if force {
        db.terminate_sessions_on(desc.oid, caller.session);
    }
    let others = others_after_wait(db, desc.oid, caller);
    if others > 0 {
        return Err(in_use(name, others));
    }
    shared_txn(db, caller, |txn| {
        let mut key = Vec::new();
        let mut out = Vec::new();
        crate::keys::database_key(&mut key, name);
        if !txn.get_for_update(&key, &mut out)? {
            return Err(missing(name));
        }
        databases::remove(txn, name)
    })?;
    for (start, end) in crate::keys::database_ranges(desc.oid) {
        db.store().delete_range(&start, &end)?;
    }
    db.bump_catalog_version();
    Ok(QueryResult::command("DROP DATABASE"))
}

/// `ALTER DATABASE name RENAME TO new`, in the session's transaction `txn`.
pub fn rename<S: Store, T: Transaction>(
    db: &Database<S>,
    txn: &mut T,
    caller: &Caller<'_>,
    name: &str,
    to: &str,
) -> Result<QueryResult> {
    let desc = databases::lookup(txn, name)?.ok_or_else(|| missing(name))?;
    if databases::lookup(txn, to)?.is_some() {
        return Err(EngineError::new(
            SqlState::DuplicateDatabase,
            format!("database \"{to}\" already exists"),
        ));
    }
    if desc.oid == caller.database {
        return Err(EngineError::new(
            SqlState::FeatureNotSupported,
            "current database cannot be renamed",
        ));
    }
    let others = others_after_wait(db, desc.oid, caller);
    if others > 0 {
        return Err(in_use(name, others));
    }
    databases::remove(txn, name)?;
    databases::save(
        txn,
        &DatabaseDesc {
            name: to.to_string(),
            ..desc
        },
    )?;
    Ok(QueryResult::command("ALTER DATABASE"))
}

/// `ALTER DATABASE name [WITH] option...` (CONNECTION LIMIT, IS_TEMPLATE,
/// ALLOW_CONNECTIONS), in the session's transaction `txn`.
pub fn alter<T: Transaction>(
    txn: &mut T,
    name: &str,
    options: &[(String, OptionValue)],
) -> Result<QueryResult> {
    let mut desc = databases::lookup(txn, name)?.ok_or_else(|| missing(name))?;
    let mut seen: Vec<&str> = Vec::new();
    for (opt, value) in options {
        if seen.contains(&opt.as_str()) {
            return Err(conflicting());
        }
        seen.push(opt);
        match opt.as_str() {
            "connection limit" => desc.connection_limit = parse_limit(value)?,
            "is_template" => desc.is_template = parse_bool(opt, value)?,
            "allow_connections" => desc.allow_connections = parse_bool(opt, value)?,
            "tablespace" => {
                return Err(EngineError::unsupported(
                    "ALTER DATABASE ... SET TABLESPACE",
                ))
            }
            other => {
                return Err(EngineError::new(
                    SqlState::SyntaxError,
                    format!("option \"{other}\" not recognized"),
                ))
            }
        }
    }
    databases::save(txn, &desc)?;
    Ok(QueryResult::command("ALTER DATABASE"))
}

/// `ALTER DATABASE name OWNER TO role`: the session user is the only role
/// that can own anything, and owns every database already.
pub fn owner<T: Transaction>(
    txn: &mut T,
    caller: &Caller<'_>,
    name: &str,
    role: &str,
) -> Result<QueryResult> {
    databases::lookup(txn, name)?.ok_or_else(|| missing(name))?;
    check_role(role, caller.user)?;
    Ok(QueryResult::command("ALTER DATABASE"))
}

/// What `ALTER DATABASE ... SET | RESET` changes.
#[derive(Debug, Clone)]
pub struct ConfigChange {
    /// The parameter as written, lower-cased; `None` for RESET ALL.
    pub param: Option<String>,
    /// Its new value; `None` removes it (RESET, SET ... TO DEFAULT).
    pub value: Option<String>,
}

/// `ALTER DATABASE name SET param = value | RESET param | RESET ALL`, in
/// the session's transaction `txn`: the value is checked as SET checks it
/// (42704 for an unknown parameter, 22023 for a bad value) and stored as
/// `name=value` in the database's settings, which new sessions of it apply
/// ([`crate::Session::apply_database_settings`]).
pub fn set_config<T: Transaction>(
    txn: &mut T,
    name: &str,
    change: &ConfigChange,
) -> Result<QueryResult> {
    let mut desc = databases::lookup(txn, name)?.ok_or_else(|| missing(name))?;
    match &change.param {
        None => desc.settings.clear(),
        Some(param) => {
            let mut check = crate::settings::Settings::default();
            let canonical = match &change.value {
                Some(v) => {
                    check.set(param, v)?;
                    canonical_name(&check, param)
                }
                None => {
                    if !param.contains('.') {
                        check.get(param)?;
                    }
                    canonical_name(&check, param)
                }
            };
            desc.settings.retain(|e| {
                e.split_once('=')
                    .is_none_or(|(n, _)| !n.eq_ignore_ascii_case(&canonical))
            });
            if let Some(v) = &change.value {
                desc.settings.push(format!("{canonical}={v}"));
            }
        }
    }
    databases::save(txn, &desc)?;
    Ok(QueryResult::command("ALTER DATABASE"))
}

/// A parameter's name as PostgreSQL spells it (`DateStyle`).
fn canonical_name(settings: &crate::settings::Settings, param: &str) -> String {
    settings
        .describe()
        .into_iter()
        .find(|(n, ..)| n.eq_ignore_ascii_case(param))
        .map_or_else(|| param.to_string(), |(n, ..)| n)
}
