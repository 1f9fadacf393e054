//! Temporary tables: each session's temp schema, and how names resolve
//! through it.
//!
//! A temporary table is an ordinary catalog table (descriptor, name and
//! index-name entries, written through the session's transaction) whose
//! schema is the session's temp schema, `pg_temp_<n>`, where `n` is a small
//! number the [`crate::Database`] lends the session for its lifetime. So
//! every catalog function (update, drop, index registration) works on temp
//! tables unchanged, CREATE TEMP TABLE rolls back like any DDL, and table
//! locks are taken as for any table.
//!
//! Names resolve through a [`SearchPath`] the session passes down: an
//! unqualified relation name is looked up in the temp schema first (as
//! PostgreSQL's implicit `pg_temp` comes first for relations), then in
//! `pg_catalog` (unless `search_path` lists them elsewhere), then in the
//! schemas `search_path` lists that exist; `pg_temp.x` names the session's own temp
//! table, and qualifying another session's temp schema fails with 0A000.
//! View bodies resolve without the temp schema (views are permanent and a
//! permanent view never reads a temp table), so a temp table never changes
//! what an existing view reads.
//!
//! The schema itself is a catalog entry (`CAT_NAMESPACE`, holding its oid
//! and the oid of its `pg_toast_temp_<n>` twin), created with the first
//! temp table and kept afterwards, as PostgreSQL keeps its `pg_namespace`
//! rows. The session drops its temp tables when it ends; a database drops
//! every temp table when it is opened (orphans of a crash).

use std::sync::Arc;

use rocksgres_storage::{Direction, KeyRange, Transaction};
use sqlparser::ast;

use super::{all_tables, TableDesc, DEFAULT_SCHEMA};
use crate::error::{EngineError, Result, SqlState};
use crate::keys;

/// The prefix of every temp schema's name (`pg_temp_3`).
pub const TEMP_PREFIX: &str = "pg_temp_";

/// The prefix of the toast schema PostgreSQL pairs with each temp schema.
pub const TOAST_TEMP_PREFIX: &str = "pg_toast_temp_";

/// Whether `schema` is a temp schema (the session's own or another's).
pub fn is_temp_schema(schema: &str) -> bool {
    schema
        .strip_prefix(TEMP_PREFIX)
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The relation search path of a session: its temp schema, the schemas
/// `search_path` lists (`None`: the default `"$user", public`) and the
/// session's user (for `"$user"`). Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct SearchPath {
    temp: Option<Arc<str>>,
    listed: Option<Arc<[String]>>,
    user: Option<Arc<str>>,
}

/// One place an unqualified name is looked up, in path order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathEntry {
    /// The session's temp schema.
    Temp(String),
    /// `pg_catalog` (the system relations).
    Catalog,
    /// `public` or a user schema that exists.
    User(String),
}

impl SearchPath {
    /// The path of a session whose temp schema is `pg_temp_<number>`.
    pub fn with_temp(number: u32) -> Self {
        SearchPath {
            temp: Some(format!("{TEMP_PREFIX}{number}").into()),
            listed: None,
            user: None,
        }
    }

    /// A path without a temp schema (view bodies, internal lookups).
    pub fn permanent() -> Self {
        SearchPath {
            temp: None,
            listed: None,
            user: None,
        }
    }

    /// `self` with `search_path` listing `listed` (`None`: the default)
    /// for session user `user`.
    pub fn with_settings(&self, listed: Option<Arc<[String]>>, user: Arc<str>) -> Self {
        SearchPath {
            temp: self.temp.clone(),
            listed,
            user: Some(user),
        }
    }

    /// `self`, or while a view's body is bound (`in_view`) the path
    /// without the temp schema.
    pub fn for_view(&self, in_view: bool) -> &SearchPath {
        static PERMANENT: SearchPath = SearchPath {
            temp: None,
            listed: None,
            user: None,
        };
        if in_view {
            &PERMANENT
        } else {
            self
        }
    }

    /// The version cached plans made under this path belong to, at
    /// catalog version `catalog_version`: a changed `search_path` may
    /// resolve names differently, so its plans are not reused (PostgreSQL
    /// replans too). The default path keeps the catalog version itself.
    pub fn plan_version(&self, catalog_version: u64) -> u64 {
        use std::hash::{Hash, Hasher};
        match &self.listed {
            None => catalog_version,
            Some(l) => {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                catalog_version.hash(&mut h);
                l.hash(&mut h);
                self.user.hash(&mut h);
                h.finish()
            }
        }
    }

    /// The session's temp schema, if it has one.
    pub fn temp_schema(&self) -> Option<&str> {
        self.temp.as_deref()
    }

    /// The schemas `search_path` lists, as written (`$user` unexpanded).
    pub fn listed(&self) -> Vec<&str> {
        match &self.listed {
            Some(l) => l.iter().map(String::as_str).collect(),
            None => vec!["$user", DEFAULT_SCHEMA],
        }
    }

    /// The listed schema `s` as it resolves: `None` when it names nothing
    /// (a schema that does not exist, `$user` without a schema of that
    /// name, `pg_temp` before the session has temp tables).
    fn entry<T: Transaction>(&self, txn: &mut T, s: &str) -> Result<Option<PathEntry>> {
        let s = if s == "$user" {
            match self.user.as_deref() {
                Some(u) => u,
                None => return Ok(None),
            }
        } else {
            s
        };
        Ok(match s {
            "pg_catalog" => Some(PathEntry::Catalog),
            "pg_temp" => self.temp.as_deref().map(|t| PathEntry::Temp(t.into())),
            _ if super::schema::relation_schema_exists(txn, s)? => {
                Some(PathEntry::User(s.to_string()))
            }
            _ => None,
        })
    }

    /// Where an unqualified relation name is looked up, in order: the temp
    /// schema and `pg_catalog` first unless listed, then the listed schemas
    /// that exist (PostgreSQL's effective search path).
    pub fn entries<T: Transaction>(&self, txn: &mut T) -> Result<Vec<PathEntry>> {
        let listed = self.listed();
        let mut out = Vec::with_capacity(listed.len() + 2);
        if let Some(t) = self.temp.as_deref() {
            if !listed.contains(&"pg_temp") {
                out.push(PathEntry::Temp(t.into()));
            }
        }
        if !listed.contains(&"pg_catalog") {
            out.push(PathEntry::Catalog);
        }
        for s in listed {
            if let Some(e) = self.entry(txn, s)? {
                if !out.contains(&e) {
                    out.push(e);
                }
            }
        }
        Ok(out)
    }

    /// The schema new objects named without a schema go to: the first
    /// listed one that exists; 3F000 when none does.
    pub fn creation<T: Transaction>(&self, txn: &mut T) -> Result<PathEntry> {
        for s in self.listed() {
            if let Some(e) = self.entry(txn, s)? {
                return Ok(e);
            }
        }
        Err(EngineError::new(
            SqlState::InvalidSchemaName,
            "no schema has been selected to create in",
        ))
    }
}

/// What the schema part of a qualified name names.
enum SchemaRef {
    /// `public` or a user schema.
    User(String),
    /// The session's own temp schema (`pg_temp` or `pg_temp_<own n>`).
    OwnTemp(String),
    /// Another session's temp schema.
    OtherTemp(String),
    /// A schema that does not exist (or where user relations cannot be).
    Unknown(String),
}

fn schema_ref<T: Transaction>(txn: &mut T, path: &SearchPath, schema: &str) -> Result<SchemaRef> {
    Ok(match path.temp_schema() {
        Some(own) if schema == "pg_temp" || schema == own => SchemaRef::OwnTemp(own.to_string()),
        _ if is_temp_schema(schema) => SchemaRef::OtherTemp(schema.to_string()),
        _ if super::schema::relation_schema_exists(txn, schema)? => {
            SchemaRef::User(schema.to_string())
        }
        _ => SchemaRef::Unknown(schema.to_string()),
    })
}

/// The parts of a relation name: `(schema, name)`, the schema `None` when
/// unqualified; more than two parts fail with 42601.
pub fn name_parts(name: &ast::ObjectName) -> Result<(Option<String>, String)> {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| {
            p.as_ident()
                .map(crate::sql::identifiers::ident_name)
                .unwrap_or_default()
        })
        .collect();
    match <[String; 2]>::try_from(parts) {
        Ok([s, n]) => Ok((Some(s), n)),
        Err(parts) if parts.len() == 1 => Ok((None, parts.into_iter().next().unwrap_or_default())),
        Err(_) => Err(EngineError::new(
            SqlState::SyntaxError,
            format!("improper qualified name (too many dotted names): {name}"),
        )),
    }
}

fn no_schema(schema: &str) -> EngineError {
    super::schema::no_schema(schema)
}

/// The error for naming another session's temp table.
pub fn other_session_error() -> EngineError {
    EngineError::new(
        SqlState::FeatureNotSupported,
        "cannot access temporary tables of other sessions",
    )
}

/// The schema holding the existing relation `name` (written `[schema.]n`),
/// with `exists(txn, schema, n)` telling whether the relation is there:
/// an unqualified name is the first schema's on the search path that has
/// it, else the creation schema's (or `public`'s). Another session's temp
/// relation fails with 0A000, "cannot <verb> temporary tables of other
/// sessions", when `refuse_other` is `Some(verb)` (`None` for DROP TABLE,
/// which PostgreSQL allows a superuser); a schema that does not exist
/// fails with 3F000.
pub fn existing_schema<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    name: &ast::ObjectName,
    refuse_other: Option<&str>,
    mut exists: impl FnMut(&mut T, &str, &str) -> Result<bool>,
) -> Result<(String, String)> {
    let (schema, n) = name_parts(name)?;
    let Some(schema) = schema else {
        let mut fallback = None;
        for e in path.entries(txn)? {
            let s = match e {
                PathEntry::Temp(s) | PathEntry::User(s) => s,
                PathEntry::Catalog => continue,
            };
            if exists(txn, &s, &n)? {
                return Ok((s, n));
            }
            fallback.get_or_insert(s);
        }
        return Ok((fallback.unwrap_or_else(|| DEFAULT_SCHEMA.to_string()), n));
    };
    match schema_ref(txn, path, &schema)? {
        SchemaRef::User(s) | SchemaRef::OwnTemp(s) => Ok((s, n)),
        SchemaRef::OtherTemp(s) => {
            if exists(txn, &s, &n)? {
                match refuse_other {
                    None => Ok((s, n)),
                    Some(verb) => Err(EngineError::new(
                        SqlState::FeatureNotSupported,
                        format!("cannot {verb} temporary tables of other sessions"),
                    )),
                }
            } else if namespace_oids(txn, &s)?.is_some() {
                Ok((s, n))
            } else {
                Err(no_schema(&s))
            }
        }
        SchemaRef::Unknown(s) => Err(no_schema(&s)),
    }
}

/// The schema a new relation `name` goes to, and whether it is temporary:
/// an unqualified name goes to the temp schema when `temporary`, else to
/// the search path's creation schema; `pg_temp.x` makes a temp relation
/// even without TEMP (as in PostgreSQL); TEMP in a permanent schema fails
/// with 42P16.
pub fn creation_schema<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    name: &ast::ObjectName,
    temporary: bool,
) -> Result<(String, String, bool)> {
    let (schema, n) = name_parts(name)?;
    let temp = || {
        path.temp_schema()
            .map(str::to_string)
            .ok_or_else(|| EngineError::unsupported("temporary relations here"))
    };
    let Some(schema) = schema else {
        if temporary {
            return Ok((temp()?, n, true));
        }
        return match path.creation(txn)? {
            PathEntry::User(s) => Ok((s, n, false)),
            PathEntry::Temp(s) => Ok((s, n, true)),
            PathEntry::Catalog => Err(system_schema_create_error("pg_catalog", &n)),
        };
    };
    if super::schema::SYSTEM_SCHEMAS.contains(&schema.as_str()) {
        return Err(system_schema_create_error(&schema, &n));
    }
    match schema_ref(txn, path, &schema)? {
        SchemaRef::User(_) if temporary => Err(EngineError::new(
            SqlState::InvalidTableDefinition,
            "cannot create temporary relation in non-temporary schema",
        )),
        SchemaRef::User(s) => Ok((s, n, false)),
        SchemaRef::OwnTemp(s) => Ok((s, n, true)),
        SchemaRef::OtherTemp(_) => Err(EngineError::new(
            SqlState::InvalidTableDefinition,
            "cannot create relations in temporary schemas of other sessions",
        )),
        SchemaRef::Unknown(s) => Err(no_schema(&s)),
    }
}

/// PostgreSQL's error for creating a relation in a system schema.
fn system_schema_create_error(schema: &str, name: &str) -> EngineError {
    EngineError::new(
        SqlState::InsufficientPrivilege,
        format!("permission denied to create \"{schema}.{name}\""),
    )
    .with_detail("System catalog modifications are currently disallowed.")
}

/// Resolves `[schema.]name` as a query names a relation, looking an
/// unqualified name up along the search path (see the module docs).
pub fn resolve_relation<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    name: &ast::ObjectName,
) -> Result<super::Relation> {
    if name.0.len() > 1
        && name.0[0].as_ident().map(|i| i.value.as_str()) == Some(super::TYPE_LOOKUP)
    {
        let rest = ast::ObjectName(name.0[1..].to_vec());
        return match super::user_type::resolve_type(txn, path, &rest)? {
            Some(t) => Ok(t),
            None => Err(crate::types::sql_type::undefined_type(
                &rest.to_string().trim_matches('"').to_ascii_lowercase(),
            )),
        };
    }
    let (schema, n) = name_parts(name)?;
    let missing = |s: &str| {
        EngineError::new(
            SqlState::UndefinedTable,
            format!("relation \"{s}.{n}\" does not exist"),
        )
    };
    match schema {
        None => {
            for e in path.entries(txn)? {
                match e {
                    PathEntry::Temp(temp) => {
                        if let Some(rel) = super::lookup_relation(txn, &temp, &n)? {
                            return Ok(rel);
                        }
                    }
                    PathEntry::Catalog => {
                        if let Some(rel) = crate::catalog::system::lookup(None, &n) {
                            return Ok(super::Relation::System(rel));
                        }
                    }
                    PathEntry::User(s) => {
                        if let Some(rel) = super::lookup_relation(txn, &s, &n)? {
                            return Ok(rel);
                        }
                    }
                }
            }
            Err(EngineError::new(
                SqlState::UndefinedTable,
                format!("relation \"{n}\" does not exist"),
            ))
        }
        Some(s) if crate::catalog::system::is_system_schema(&s) => {
            crate::catalog::system::lookup(Some(&s), &n)
                .map(super::Relation::System)
                .ok_or_else(|| missing(&s))
        }
        Some(s) => match schema_ref(txn, path, &s)? {
            SchemaRef::User(u) => super::lookup_relation(txn, &u, &n)?.ok_or_else(|| missing(&s)),
            SchemaRef::OwnTemp(own) => {
                super::lookup_relation(txn, &own, &n)?.ok_or_else(|| missing(&s))
            }
            SchemaRef::OtherTemp(other) => {
                if super::lookup_table(txn, &other, &n)?.is_some() {
                    Err(other_session_error())
                } else {
                    // Whether or not the schema exists, as PostgreSQL.
                    Err(missing(&s))
                }
            }
            // A query naming a schema that does not exist finds no
            // relation (42P01), as PostgreSQL.
            SchemaRef::Unknown(_) => Err(missing(&s)),
        },
    }
}

/// The oids of temp schema `schema` and of its toast twin, if the schema
/// was ever created.
pub fn namespace_oids<T: Transaction>(txn: &mut T, schema: &str) -> Result<Option<(u32, u32)>> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    keys::namespace_key(&mut key, schema);
    if !txn.get(&key, &mut out)? {
        return Ok(None);
    }
    decode_oids(&out).map(Some)
}

fn decode_oids(v: &[u8]) -> Result<(u32, u32)> {
    match v {
        [a, b, c, d, e, f, g, h] => Ok((
            u32::from_be_bytes([*a, *b, *c, *d]),
            u32::from_be_bytes([*e, *f, *g, *h]),
        )),
        _ => Err(EngineError::new(
            SqlState::DataCorrupted,
            "bad namespace entry",
        )),
    }
}

/// Creates the entry of temp schema `schema` (with oids for it and its
/// toast twin) unless it exists.
pub fn ensure_namespace<T: Transaction>(txn: &mut T, schema: &str) -> Result<()> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    keys::namespace_key(&mut key, schema);
    if txn.get_for_update(&key, &mut out)? {
        return Ok(());
    }
    let oid = super::allocate_id(txn)?;
    let toast = super::allocate_id(txn)?;
    let mut value = oid.to_be_bytes().to_vec();
    value.extend_from_slice(&toast.to_be_bytes());
    txn.put(&key, &value)?;
    Ok(())
}

/// A schema entry: its name, oid and the oid of its toast twin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    /// `pg_temp_<n>`.
    pub name: String,
    /// Its oid.
    pub oid: u32,
    /// The oid of `pg_toast_temp_<n>`.
    pub toast_oid: u32,
}

/// Every temp schema ever created, in name order.
pub fn all_namespaces<T: Transaction>(txn: &mut T) -> Result<Vec<Namespace>> {
    let start = [keys::KS_CATALOG, keys::CAT_NAMESPACE];
    let end = [keys::KS_CATALOG, keys::CAT_NAMESPACE + 1];
    let mut cursor = txn.cursor();
    txn.seek(
        &mut cursor,
        KeyRange::half_open(&start, &end),
        Direction::Forward,
    )?;
    let mut out = Vec::new();
    while let Some((k, v)) = txn.next(&mut cursor)? {
        let name = k[2..].strip_suffix(&[0]).unwrap_or(&k[2..]);
        let (oid, toast_oid) = decode_oids(v)?;
        out.push(Namespace {
            name: String::from_utf8_lossy(name).into_owned(),
            oid,
            toast_oid,
        });
    }
    Ok(out)
}

/// Drops every table and sequence of temp schema `schema`, or of every
/// temp schema when `None` (orphans left by a crash); returns how many.
pub fn drop_temp_tables<T: Transaction>(txn: &mut T, schema: Option<&str>) -> Result<usize> {
    // Temporary views first (they may read the tables).
    for v in super::all_views(txn)? {
        let doomed = match schema {
            Some(s) => v.schema == s,
            None => is_temp_schema(&v.schema),
        };
        if doomed {
            super::drop_view(txn, &v)?;
        }
    }
    let doomed: Vec<TableDesc> = all_tables(txn)?
        .into_iter()
        .filter(|t| match schema {
            Some(s) => t.schema == s,
            None => is_temp_schema(&t.schema),
        })
        .collect();
    for t in &doomed {
        super::drop_table(txn, t)?;
    }
    // Temp sequences (those of serial columns went with their tables).
    let sequences: Vec<_> = super::sequence::all_sequences(txn)?
        .into_iter()
        .filter(|q| match schema {
            Some(s) => q.schema == s,
            None => is_temp_schema(&q.schema),
        })
        .collect();
    for q in &sequences {
        super::sequence::drop_sequence(txn, q)?;
    }
    let dropped = doomed.len() + sequences.len();
    if dropped > 0 {
        super::description::sweep(txn)?;
    }
    Ok(dropped)
}

/// What a temp table does at the commit of a transaction (`ON COMMIT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnCommit {
    /// `DELETE ROWS`: its rows are removed at each commit.
    DeleteRows,
    /// `DROP`: it is dropped at the commit of the creating transaction.
    Drop,
}

/// A session's ON COMMIT actions, by table id: those registered by its
/// open transaction (`pending`, forgotten when it rolls back, cut back
/// by ROLLBACK TO SAVEPOINT, since a rolled-back table id may be handed
/// out again) and the DELETE ROWS tables of committed transactions.
#[derive(Debug, Default)]
pub struct OnCommitList {
    pending: Vec<(u32, OnCommit)>,
    committed: Vec<u32>,
}

impl OnCommitList {
    /// Registers the action of a table the open transaction created.
    pub fn register(&mut self, table: u32, action: OnCommit) {
        self.pending.push((table, action));
    }

    /// How many actions the open transaction registered (for a savepoint).
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// ROLLBACK TO SAVEPOINT: forgets the actions registered after it.
    pub fn rollback_to(&mut self, len: usize) {
        self.pending.truncate(len);
    }

    /// The open transaction rolled back.
    pub fn rolled_back(&mut self) {
        self.pending.clear();
    }

    /// The open transaction committed: its DELETE ROWS tables now apply
    /// to every later transaction.
    pub fn committed(&mut self) {
        for (id, action) in self.pending.drain(..) {
            if action == OnCommit::DeleteRows {
                self.committed.push(id);
            }
        }
    }
}

/// The session's ON COMMIT actions (shared between the session and the
/// statement that creates the table).
pub type OnCommitActions = Arc<parking_lot::Mutex<OnCommitList>>;

/// Runs the ON COMMIT actions in `txn` just before it commits: drops the
/// ON COMMIT DROP tables, and gives each non-empty ON COMMIT DELETE ROWS
/// table new (empty) storage, as TRUNCATE does. DELETE ROWS tables that
/// no longer exist are forgotten. Returns whether the catalog changed.
pub fn run_on_commit<T: Transaction>(txn: &mut T, actions: &OnCommitActions) -> Result<bool> {
    let mut list = actions.lock();
    if list.pending.is_empty() && list.committed.is_empty() {
        return Ok(false);
    }
    let mut changed = false;
    let todo: Vec<(u32, OnCommit)> = list
        .committed
        .iter()
        .map(|id| (*id, OnCommit::DeleteRows))
        .chain(list.pending.iter().copied())
        .collect();
    let mut gone = Vec::new();
    let mut key = Vec::new();
    let mut out = Vec::new();
    for (id, action) in todo {
        keys::table_key(&mut key, id);
        if !txn.get(&key, &mut out)? {
            gone.push(id);
            continue;
        }
        let mut table = TableDesc::decode(&out)?;
        match action {
            OnCommit::Drop => {
                super::drop_table(txn, &table)?;
                super::description::sweep(txn)?;
                changed = true;
            }
            OnCommit::DeleteRows => {
                let (start, end) = keys::primary_range(table.storage_id);
                let mut cursor = txn.cursor();
                txn.seek(
                    &mut cursor,
                    KeyRange::half_open(&start, &end),
                    Direction::Forward,
                )?;
                if txn.next(&mut cursor)?.is_some() {
                    table.storage_id = super::allocate_id(txn)?;
                    super::update_table(txn, &table)?;
                    changed = true;
                }
            }
        }
    }
    list.committed.retain(|id| !gone.contains(id));
    Ok(changed)
}
