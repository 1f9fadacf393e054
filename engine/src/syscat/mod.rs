//! The system catalogs: `pg_catalog` and `information_schema` as virtual,
//! read-only relations generated from the engine's catalog.
//!
//! PostgreSQL clients learn about a database by querying its catalogs:
//! psql's `\d` family, drivers' type and table introspection, pgbench's
//! partition probe. Rocksgres keeps its own descriptors ([`TableDesc`],
//! [`ViewDesc`]) and shows them through PostgreSQL's catalog relations, with
//! PostgreSQL's column names and types
//! ([`crate::catalog::system::defs`], generated from a real PostgreSQL 15) and stable OIDs:
//!
//! * a table's OID is its table id, an index's and a view's OID come from
//!   the same id counter when they are created (so they never collide and
//!   survive restarts), constraints of primary keys and UNIQUE columns get
//!   their own; the built-in objects (types, schemas, access methods, the
//!   system relations themselves) have PostgreSQL's own OIDs;
//! * the one role is the session user, OID 10 (the bootstrap superuser in
//!   PostgreSQL), owner of every object; `pg_database` lists the shared
//!   database list ([`crate::catalog::database`]), the session's database
//!   among them.
//!
//! A system relation is planned as a [`crate::plan::node::Node::SystemScan`];
//! its rows are generated when the statement runs, from a [`Snapshot`] of
//! the catalog read through the statement's own transaction (so a table
//! created earlier in the same transaction is visible, as in PostgreSQL).
//! The snapshot is loaded once per statement and only by statements that
//! touch the catalogs. Rows are materialised per scan: the catalogs are
//! bounded by the number of objects, not by data size.
//!
//! Generation checks the statement's interrupt once per row
//! ([`CatalogRows`]), and a statement generates each relation's rows once
//! (the executor keeps them, see [`crate::exec::ctx::Ctx::syscat_rows`]),
//! so a join or a correlated subquery over the catalogs costs no more than
//! over a table of the same size, and stops as promptly.
//!
//! Functions that need the catalog (`pg_get_indexdef`, `regclass` casts,
//! ...) live in [`functions`] and read the same snapshot.

mod composite_rows;
pub(crate) mod deparse;
mod domain_rows;
pub mod functions;
mod info_schema;
mod locks;
pub mod opclass;
pub(crate) mod rows;
mod sizes;
pub mod static_rows;
mod stats_rows;
pub(crate) mod table_row_types;
mod timezones;
mod user_types;
mod viewdef;

use std::sync::Arc;

use rocksgres_storage::Transaction;

use crate::catalog::sequence::SequenceDesc;
use crate::catalog::system::{
    by_oid, is_system_schema, lookup, SysRel, DATABASE_OID, DATABASE_OWNER_OID, PG_CATALOG_OID,
    PUBLIC_OID, USER_OID,
};
use crate::catalog::{self, TableDesc, ViewDesc};
use crate::error::{EngineError, Result};
use crate::interrupt::Interrupt;
use crate::types::{SqlType, Value};

pub use rows::rows;

/// A user relation as the catalogs show it.
#[derive(Debug, Clone, Copy)]
pub enum UserRel<'a> {
    /// A table.
    Table(&'a TableDesc),
    /// An index: (table, position in its index list).
    Index(&'a TableDesc, usize),
    /// A view.
    View(&'a ViewDesc),
    /// A sequence.
    Sequence(&'a SequenceDesc),
}

/// What the catalog held when a statement first needed it.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Every table.
    pub tables: Vec<TableDesc>,
    /// Every view.
    pub views: Vec<ViewDesc>,
    /// Every sequence, in OID order.
    pub sequences: Vec<SequenceDesc>,
    /// The output columns of each view (parallel to `views`), from
    /// planning its query; empty for a view that no longer plans.
    pub view_columns: Vec<Vec<(String, SqlType)>>,
    /// The session's user name.
    pub user: String,
    /// The session's database name.
    pub database: String,
    /// The session's database oid.
    pub database_oid: u32,
    /// Every database (`pg_database` rows), in oid order.
    pub databases: Vec<catalog::database::DatabaseDesc>,
    /// The session's settings.
    pub settings: crate::settings::Settings,
    /// The session's backend pid.
    pub backend_pid: i32,
    /// Every held and awaited lock, as the statement started reading the
    /// catalogs (for `pg_locks`).
    pub locks: Vec<rocksgres_storage::LockStatus>,
    /// The session's temp schema (`pg_temp_<n>`).
    pub temp_schema: Option<String>,
    /// Every temp schema ever created (`pg_namespace` rows).
    pub namespaces: Vec<catalog::temp::Namespace>,
    /// The comments on objects that exist (`pg_description` rows).
    pub descriptions: Vec<catalog::description::Description>,
    /// Every enum type, in OID order (`pg_type` and `pg_enum` rows).
    pub enums: Vec<crate::types::enum_type::EnumDef>,
    /// Every domain, in OID order (`pg_type` and `pg_constraint` rows).
    pub domains: Vec<crate::types::domain::DomainDef>,
    /// Every composite type, in OID order (`pg_type`, `pg_class` and
    /// `pg_attribute` rows).
    pub composites: Vec<crate::types::composite::CompositeDef>,
    /// Every user schema (`pg_namespace` rows).
    pub schemas: Vec<catalog::schema::SchemaDesc>,
    /// The effective search path: (schema, whether implicitly searched)
    /// for every schema that exists, in search order.
    pub search_path: Vec<(String, bool)>,
    /// Every analyzed table's statistics, in table-id order (`pg_stats`,
    /// `pg_class.reltuples`).
    pub statistics: Vec<catalog::statistic::TableStats>,
}

impl Snapshot {
    /// Reads every table and view through `txn`; fails with 57014 when
    /// `interrupt` fires meanwhile. `temp_schema` is the session's (for
    /// visibility).
    #[allow(clippy::too_many_arguments)]
    pub fn load<T: Transaction>(
        txn: &mut T,
        user: &str,
        database: &str,
        settings: crate::settings::Settings,
        interrupt: &mut Interrupt,
        backend_pid: i32,
        locks: Vec<rocksgres_storage::LockStatus>,
        temp_schema: Option<&str>,
    ) -> Result<Arc<Snapshot>> {
        let tables = catalog::all_tables(txn)?;
        let namespaces = catalog::temp::all_namespaces(txn)?;
        let schemas = catalog::schema::all_schemas(txn)?;
        let search_path = effective_path(&settings, user, temp_schema, &namespaces, &schemas);
        interrupt.check_now()?;
        let views = catalog::all_views(txn)?;
        let sequences = catalog::sequence::all_sequences(txn)?;
        let enums = catalog::user_type::all_enums(txn)?;
        let domains = catalog::user_type::all_domains(txn)?;
        let composites = catalog::composite_type::all_composites(txn)?;
        let databases = catalog::database::all(txn)?;
        let database_oid = databases
            .iter()
            .find(|d| d.name == database)
            .map_or(DATABASE_OID, |d| d.oid);
        let mut view_columns = Vec::with_capacity(views.len());
        for v in &views {
            interrupt.check()?;
            // A view that no longer plans (a dropped column, a cycle made
            // by CREATE OR REPLACE) shows no columns; it never fails the
            // catalog query.
            let columns =
                crate::sql::depth::with_statement_stack(v.sql.len(), || view_output(txn, v));
            view_columns.push(columns.unwrap_or_default());
        }
        let mut snap = Snapshot {
            tables,
            views,
            sequences,
            view_columns,
            user: user.to_string(),
            database: database.to_string(),
            database_oid,
            databases,
            settings,
            backend_pid,
            locks,
            temp_schema: temp_schema.map(str::to_string),
            namespaces,
            descriptions: Vec::new(),
            enums,
            domains,
            composites,
            schemas,
            search_path,
            statistics: catalog::statistic::all(txn)?,
        };
        let descriptions = catalog::description::all(txn)?;
        snap.descriptions = descriptions
            .into_iter()
            .filter(|d| snap.describes_existing(d))
            .collect();
        // The comment PostgreSQL's initdb puts on `public`.
        let public = |d: &catalog::description::Description| {
            d.objoid == PUBLIC_OID && d.classoid == catalog::description::PG_NAMESPACE
        };
        if !snap.descriptions.iter().any(public) {
            snap.descriptions.push(catalog::description::Description {
                objoid: PUBLIC_OID,
                classoid: catalog::description::PG_NAMESPACE,
                objsubid: 0,
                text: "standard public schema".to_string(),
            });
        }
        Ok(Arc::new(snap))
    }

    /// Whether the object comment `d` is on still exists.
    fn describes_existing(&self, d: &catalog::description::Description) -> bool {
        use catalog::description::{PG_CLASS, PG_CONSTRAINT, PG_NAMESPACE};
        match d.classoid {
            PG_CLASS => {
                if let Some(t) = self.table(d.objoid) {
                    return d.objsubid == 0
                        || usize::try_from(d.objsubid - 1)
                            .ok()
                            .and_then(|i| t.columns.get(i))
                            .is_some_and(|c| !c.dropped);
                }
                if let Some(v) = self.views.iter().find(|v| v.oid == d.objoid) {
                    return usize::try_from(d.objsubid).is_ok_and(|n| n <= v.columns.len());
                }
                d.objsubid == 0
                    && (self.sequence(d.objoid).is_some()
                        || self
                            .tables
                            .iter()
                            .any(|t| t.named_indexes().any(|ix| ix.oid == d.objoid)))
            }
            PG_CONSTRAINT => self.tables.iter().any(|t| {
                t.indexes
                    .iter()
                    .any(|ix| ix.constraint_oid != 0 && ix.constraint_oid == d.objoid)
                    || t.checks.iter().any(|c| c.oid == d.objoid)
                    || t.foreign_keys.iter().any(|f| f.oid == d.objoid)
            }),
            PG_NAMESPACE => {
                matches!(d.objoid, PUBLIC_OID | PG_CATALOG_OID)
                    || self.namespaces.iter().any(|ns| ns.oid == d.objoid)
                    || self.schemas.iter().any(|s| s.oid == d.objoid)
            }
            _ => false,
        }
    }

    /// The comment on object `objoid` of catalog `classoid` (any catalog
    /// when `None`), sub-id `objsubid` (`obj_description`,
    /// `col_description`).
    pub fn description(&self, objoid: u32, classoid: Option<u32>, objsubid: i32) -> Option<&str> {
        self.descriptions
            .iter()
            .find(|d| {
                d.objoid == objoid
                    && classoid.is_none_or(|c| c == d.classoid)
                    && d.objsubid == objsubid
            })
            .map(|d| d.text.as_str())
    }

    /// The statistics of table `id`, if it was analyzed.
    pub fn statistics_of(&self, id: u32) -> Option<&catalog::statistic::TableStats> {
        self.statistics
            .binary_search_by_key(&id, |s| s.table_id)
            .ok()
            .map(|i| &self.statistics[i])
    }

    /// The oid of schema `schema` (`public`, a user or a temp schema).
    pub fn schema_oid(&self, schema: &str) -> u32 {
        self.namespace_oid(schema).unwrap_or(PUBLIC_OID)
    }

    /// The oid of schema `name`, if it exists (`regnamespace`).
    pub fn namespace_oid(&self, name: &str) -> Option<u32> {
        if let Some(ns) = self.namespaces.iter().find(|ns| ns.name == name) {
            return Some(ns.oid);
        }
        if let Some(s) = self.schemas.iter().find(|s| s.name == name) {
            return Some(s.oid);
        }
        functions::builtin_namespace_oid(name)
    }

    /// The name of schema `oid`, if it exists.
    pub fn namespace_name(&self, oid: u32) -> Option<String> {
        if let Some(ns) = self.namespaces.iter().find(|ns| ns.oid == oid) {
            return Some(ns.name.clone());
        }
        if let Some(s) = self.schemas.iter().find(|s| s.oid == oid) {
            return Some(s.name.clone());
        }
        functions::builtin_namespace_name(oid)
    }

    /// Whether relation `name` of schema `schema` is what its unqualified
    /// name finds (`pg_table_is_visible`): the first schema of the search
    /// path holding a relation of that name is `schema`.
    pub fn is_visible(&self, schema: &str, name: &str) -> bool {
        for (s, _) in &self.search_path {
            let found = if s == "pg_catalog" {
                lookup(None, name).is_some()
            } else {
                self.relation_in(s, name).is_some()
            };
            if found {
                return s == schema;
            }
        }
        false
    }

    /// The oid of the table, index, view or sequence `name` of schema
    /// `schema`.
    fn relation_in(&self, schema: &str, name: &str) -> Option<u32> {
        if let Some(v) = self
            .views
            .iter()
            .find(|v| v.schema == schema && v.name == name)
        {
            return Some(v.oid);
        }
        self.temp_relation(schema, name)
    }

    /// The oid of table, index or sequence `name` of schema `schema`.
    fn temp_relation(&self, schema: &str, name: &str) -> Option<u32> {
        self.tables
            .iter()
            .filter(|t| t.schema == schema)
            .find_map(|t| {
                if t.name == name {
                    return Some(t.id);
                }
                t.indexes
                    .iter()
                    .find(|ix| ix.name == name && !ix.columns.is_empty())
                    .map(|ix| ix.oid)
            })
            .or_else(|| self.sequence_oid(schema, name))
    }

    /// The oid of sequence `schema.name`.
    fn sequence_oid(&self, schema: &str, name: &str) -> Option<u32> {
        self.sequences
            .iter()
            .find(|s| s.schema == schema && s.name == name)
            .map(|s| s.oid)
    }

    /// The sequence with OID `oid`.
    pub fn sequence(&self, oid: u32) -> Option<&SequenceDesc> {
        self.sequences.iter().find(|s| s.oid == oid)
    }

    /// The table with id `oid`.
    pub fn table(&self, oid: u32) -> Option<&TableDesc> {
        self.tables.iter().find(|t| t.id == oid)
    }

    /// The schema and name of user relation `rel`.
    pub fn user_rel_schema(&self, rel: UserRel<'_>) -> (String, String) {
        match rel {
            UserRel::Table(t) => (t.schema.clone(), t.name.clone()),
            UserRel::Index(t, i) => (t.schema.clone(), t.indexes[i].name.clone()),
            UserRel::View(v) => (v.schema.clone(), v.name.clone()),
            UserRel::Sequence(s) => (s.schema.clone(), s.name.clone()),
        }
    }

    /// The user relation with OID `oid`.
    pub fn user_rel(&self, oid: u32) -> Option<UserRel<'_>> {
        for t in &self.tables {
            if t.id == oid {
                return Some(UserRel::Table(t));
            }
            if let Some(i) = t
                .indexes
                .iter()
                .position(|ix| ix.oid == oid && !ix.columns.is_empty())
            {
                return Some(UserRel::Index(t, i));
            }
        }
        if let Some(v) = self.views.iter().find(|v| v.oid == oid) {
            return Some(UserRel::View(v));
        }
        self.sequence(oid).map(UserRel::Sequence)
    }

    /// Whether user relation `rel` is visible (`pg_table_is_visible`).
    pub fn rel_is_visible(&self, rel: UserRel<'_>) -> bool {
        let (schema, name) = self.user_rel_schema(rel);
        self.is_visible(&schema, &name)
    }

    /// The OID of relation `name` (table, index, view, sequence or system
    /// relation), optionally schema-qualified.
    pub fn relation_oid(&self, schema: Option<&str>, name: &str) -> Option<u32> {
        match schema {
            None => self.search_path.iter().find_map(|(s, _)| {
                if s == "pg_catalog" {
                    lookup(None, name).map(|r| r.oid)
                } else {
                    self.relation_in(s, name)
                }
            }),
            Some("pg_temp") => self
                .temp_schema
                .as_deref()
                .and_then(|own| self.temp_relation(own, name)),
            Some(s) if is_system_schema(s) => lookup(Some(s), name).map(|r| r.oid),
            Some(s) => self.relation_in(s, name),
        }
    }

    /// The name `regclass` prints for relation `oid` (unqualified when
    /// the name finds it, else schema-qualified), or `None`.
    pub fn relation_name(&self, oid: u32) -> Option<String> {
        match self.user_rel(oid) {
            Some(rel) => {
                let (schema, name) = self.user_rel_schema(rel);
                Some(if self.is_visible(&schema, &name) {
                    name
                } else {
                    format!("{schema}.{name}")
                })
            }
            None => by_oid(oid).map(|r| {
                if r.schema == "pg_catalog" {
                    r.name.to_string()
                } else {
                    format!("{}.{}", r.schema, r.name)
                }
            }),
        }
    }

    /// The role name of OID `oid` (`pg_get_userbyid`).
    pub fn role_name(&self, oid: u32) -> String {
        match oid {
            USER_OID => self.user.clone(),
            DATABASE_OWNER_OID => "pg_database_owner".to_string(),
            other => format!("unknown (OID={other})"),
        }
    }
}

/// The effective search path of a session (see [`Snapshot::search_path`]):
/// its temp schema (when it exists) and `pg_catalog` first unless listed,
/// then the listed schemas that exist, `$user` standing for `user`.
fn effective_path(
    settings: &crate::settings::Settings,
    user: &str,
    temp_schema: Option<&str>,
    namespaces: &[catalog::temp::Namespace],
    schemas: &[catalog::schema::SchemaDesc],
) -> Vec<(String, bool)> {
    let path = catalog::SearchPath::permanent().with_settings(settings.search_path(), user.into());
    let listed = path.listed();
    let temp = temp_schema.filter(|t| namespaces.iter().any(|ns| ns.name == *t));
    let mut out: Vec<(String, bool)> = Vec::new();
    if let Some(t) = temp.filter(|_| !listed.contains(&"pg_temp")) {
        out.push((t.to_string(), true));
    }
    if !listed.contains(&"pg_catalog") {
        out.push(("pg_catalog".to_string(), true));
    }
    for s in listed {
        let s = if s == "$user" { user } else { s };
        let name = match s {
            "pg_temp" => match temp {
                Some(t) => t,
                None => continue,
            },
            s if s == catalog::DEFAULT_SCHEMA
                || catalog::schema::SYSTEM_SCHEMAS.contains(&s)
                || schemas.iter().any(|d| d.name == s) =>
            {
                s
            }
            _ => continue,
        };
        if !out.iter().any(|(n, _)| n == name) {
            out.push((name.to_string(), false));
        }
    }
    out
}

/// The output columns of view `v` (names as stored, types from planning
/// its query).
fn view_output<T: Transaction>(txn: &mut T, v: &ViewDesc) -> Result<Vec<(String, SqlType)>> {
    let parsed = crate::sql::parse(&v.sql)?;
    let [crate::sql::Parsed::Statement(stmt)] = parsed.as_slice() else {
        return Ok(Vec::new());
    };
    let sqlparser::ast::Statement::Query(q) = stmt.as_ref() else {
        return Ok(Vec::new());
    };
    // A temporary view reads along its session's path.
    let path = match v
        .schema
        .strip_prefix(catalog::temp::TEMP_PREFIX)
        .and_then(|n| n.parse().ok())
    {
        Some(n) => catalog::SearchPath::with_temp(n),
        None => catalog::SearchPath::permanent(),
    };
    let mut lookup = |name: &sqlparser::ast::ObjectName, _: bool| {
        catalog::resolve_relation(&mut *txn, &path, name)
    };
    let mut binder = crate::plan::bind::Binder::new(Vec::new(), &mut lookup);
    // Bound as the body of the view: along the path it recorded.
    binder.expanding_views.push(v.oid);
    binder.view_bindings.push(v.bindings.clone());
    let columns = binder.plan_query(q)?.columns();
    Ok(columns
        .into_iter()
        .zip(v.columns.iter())
        .map(|(c, name)| (name.clone(), c.ty))
        .collect())
}

/// The rows a generator produces, checking the statement's interrupt once
/// per row. A generator just pushes; once the interrupt has fired the rows
/// are dropped and [`CatalogRows::finish`] reports the error.
pub(crate) struct CatalogRows<'i> {
    rows: Vec<Vec<Value>>,
    interrupt: &'i mut Interrupt,
    error: Option<EngineError>,
}

impl<'i> CatalogRows<'i> {
    /// An empty set of rows checked against `interrupt`.
    pub(crate) fn new(interrupt: &'i mut Interrupt) -> Self {
        CatalogRows {
            rows: Vec::new(),
            interrupt,
            error: None,
        }
    }

    /// Adds one row (dropped once the interrupt has fired).
    pub(crate) fn push(&mut self, row: Vec<Value>) {
        if self.error.is_some() {
            return;
        }
        match self.interrupt.check() {
            Ok(()) => self.rows.push(row),
            Err(e) => {
                self.rows = Vec::new();
                self.error = Some(e);
            }
        }
    }

    /// The rows, or the interrupt's error.
    pub(crate) fn finish(self) -> Result<Vec<Vec<Value>>> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.rows),
        }
    }
}

/// A row under construction for a system relation: columns are set by
/// name, and the ones left unset take a neutral value by type (false, 0,
/// an empty `"char"`, otherwise NULL; always NULL in `information_schema`),
/// which is what PostgreSQL shows for
/// features Rocksgres does not have (no row security, no triggers, ...).
pub(crate) struct RowBuilder {
    rel: &'static SysRel,
    values: Vec<Value>,
}

impl RowBuilder {
    /// A row of `rel` with every column at its neutral value.
    pub(crate) fn new(rel: &'static SysRel) -> RowBuilder {
        let nulls = rel.schema == "information_schema";
        let values = rel
            .columns
            .iter()
            .map(|(_, ty)| match ty {
                _ if nulls => Value::Null,
                SqlType::Bool => Value::Bool(false),
                SqlType::Int2 => Value::Int2(0),
                SqlType::Int4 => Value::Int4(0),
                SqlType::Int8 | SqlType::Oid => Value::Int8(0),
                SqlType::Float4 => Value::Float4(0.0),
                SqlType::QChar => Value::Text(String::new()),
                _ => Value::Null,
            })
            .collect();
        RowBuilder { rel, values }
    }

    /// Sets column `name` (which must exist: the relations' columns are
    /// fixed at compile time, so a typo is a bug, caught by the tests).
    pub(crate) fn set(&mut self, name: &str, v: Value) -> &mut Self {
        match self.rel.column(name) {
            Some(i) => self.values[i] = v,
            None => debug_assert!(false, "{}.{name} is not a column", self.rel.name),
        }
        self
    }

    /// Sets an `oid` column.
    pub(crate) fn oid(&mut self, name: &str, oid: u32) -> &mut Self {
        self.set(name, Value::Int8(i64::from(oid)))
    }

    /// Sets a text-like column (`name`, `text`, `"char"`, arrays, ...).
    pub(crate) fn text(&mut self, name: &str, s: impl Into<String>) -> &mut Self {
        self.set(name, Value::Text(s.into()))
    }

    /// Sets a `bool` column.
    pub(crate) fn bool(&mut self, name: &str, b: bool) -> &mut Self {
        self.set(name, Value::Bool(b))
    }

    /// Sets an `int2` column.
    pub(crate) fn int2(&mut self, name: &str, v: i16) -> &mut Self {
        self.set(name, Value::Int2(v))
    }

    /// Sets an `int4` column.
    pub(crate) fn int4(&mut self, name: &str, v: i32) -> &mut Self {
        self.set(name, Value::Int4(v))
    }

    /// The finished row.
    pub(crate) fn finish(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.values)
    }
}
