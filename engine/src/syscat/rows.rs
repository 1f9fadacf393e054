//! Row generators of the `pg_catalog` relations.
//!
//! Each generator turns the [`Snapshot`] into the rows PostgreSQL would
//! show for the same objects. Relations for features Rocksgres does not
//! have (inheritance, partitioning, policies, publications, triggers,
//! extensions, comments) are empty, which is exactly what PostgreSQL shows
//! for a database that does not use them.
//!
//! `pg_depend` holds the dependencies clients read: every table, view and
//! sequence on its schema (`n`), an owned sequence on its column (`a` for
//! a serial column or OWNED BY, `i` for an identity column), and each
//! column default on its column (`a`) and on the sequence its `nextval`
//! names (`n`). Dependencies of indexes, constraints and row types are
//! not shown.

use super::{info_schema, static_rows, CatalogRows, RowBuilder, Snapshot};
use crate::catalog::sequence::SequenceDesc;
use crate::catalog::system::{
    SysRel, BTREE_AM_OID, C_COLLATION_OID, DEFAULT_COLLATION_OID, HEAP_AM_OID, USER_OID,
};
use crate::catalog::{ColumnDesc, IndexDesc, TableDesc, ViewDesc};
use crate::error::Result;
use crate::interrupt::Interrupt;
use crate::types::{SqlType, Value};

/// The last value a sequence handed out (`None`: none yet), for
/// `pg_sequences.last_value`: runtime state, not catalog.
pub type LastValue<'a> = &'a dyn Fn(&SequenceDesc) -> Result<Option<i64>>;

/// The rows of system relation `rel`; fails with 57014 when `interrupt`
/// fires while they are generated.
pub fn rows(
    rel: &'static SysRel,
    snap: &Snapshot,
    interrupt: &mut Interrupt,
    last_value: LastValue<'_>,
) -> Result<Vec<Vec<Value>>> {
    let mut out = CatalogRows::new(interrupt);
    if rel.schema == "information_schema" {
        info_schema::rows(rel, snap, &mut out)?;
        return out.finish();
    }
    match rel.name {
        "pg_type" => {
            from_static(rel, static_rows::PG_TYPE, &mut out)?;
            super::user_types::pg_type(rel, snap, &mut out);
            super::domain_rows::pg_type(rel, snap, &mut out);
            super::composite_rows::pg_type(rel, snap, &mut out);
            super::table_row_types::pg_type(rel, snap, &mut out);
        }
        "pg_enum" => super::user_types::pg_enum(rel, snap, &mut out),
        "pg_am" => from_static(rel, static_rows::PG_AM, &mut out)?,
        "pg_opclass" => super::opclass::pg_opclass(rel, &mut out),
        "pg_collation" => from_static(rel, static_rows::PG_COLLATION, &mut out)?,
        "pg_tablespace" => from_static(rel, static_rows::PG_TABLESPACE, &mut out)?,
        "pg_namespace" => {
            from_static(rel, static_rows::PG_NAMESPACE, &mut out)?;
            temp_namespaces(rel, snap, &mut out);
            for s in &snap.schemas {
                let mut r = RowBuilder::new(rel);
                r.oid("oid", s.oid)
                    .text("nspname", &s.name)
                    .oid("nspowner", s.owner);
                out.push(r.finish());
            }
        }
        "pg_class" => {
            pg_class(rel, snap, &mut out);
            super::composite_rows::pg_class(rel, snap, &mut out);
        }
        "pg_attribute" => {
            pg_attribute(rel, snap, &mut out);
            super::composite_rows::pg_attribute(rel, snap, &mut out);
        }
        "pg_index" => pg_index(rel, snap, &mut out),
        "pg_constraint" => pg_constraint(rel, snap, &mut out),
        "pg_attrdef" => pg_attrdef(rel, snap, &mut out),
        "pg_database" => pg_database(rel, snap, &mut out)?,
        "pg_db_role_setting" => pg_db_role_setting(rel, snap, &mut out),
        "pg_authid" | "pg_roles" | "pg_user" => roles(rel, snap, &mut out),
        "pg_tables" => pg_tables(rel, snap, &mut out),
        "pg_views" => pg_views(rel, snap, &mut out),
        "pg_indexes" => pg_indexes(rel, snap, &mut out),
        "pg_stat_activity" => pg_stat_activity(rel, snap, &mut out),
        "pg_locks" => super::locks::pg_locks(rel, snap, &mut out),
        "pg_settings" => pg_settings(rel, snap, &mut out),
        "pg_timezone_names" => super::timezones::pg_timezone_names(rel, &mut out),
        "pg_timezone_abbrevs" => super::timezones::pg_timezone_abbrevs(rel, &mut out),
        "pg_sequence" => pg_sequence(rel, snap, &mut out),
        "pg_sequences" => pg_sequences(rel, snap, &mut out, last_value)?,
        "pg_depend" => {
            pg_depend(rel, snap, &mut out);
            super::table_row_types::pg_depend(rel, snap, &mut out);
        }
        "pg_description" => pg_description(rel, snap, &mut out),
        "pg_stats" => super::stats_rows::pg_stats(rel, snap, &mut out),
        _ => {}
    }
    out.finish()
}

fn from_static(
    rel: &'static SysRel,
    data: &[&[Option<&str>]],
    out: &mut CatalogRows<'_>,
) -> Result<()> {
    for row in data {
        let mut values = Vec::with_capacity(rel.columns.len());
        for ((_, ty), text) in rel.columns.iter().zip(row.iter()) {
            values.push(match text {
                None => Value::Null,
                Some(t) => Value::parse_text_base(t, ty)?,
            });
        }
        out.push(values);
    }
    Ok(())
}

/// `pg_type.typstorage` of a column type.
pub(crate) fn storage(ty: &SqlType) -> &'static str {
    match ty {
        SqlType::Numeric { .. } => "m",
        SqlType::Text
        | SqlType::Varchar(_)
        | SqlType::Char(_)
        | SqlType::Bytea
        | SqlType::Composite(_)
        | SqlType::Record
        | SqlType::Array(_) => "x",
        _ => "p",
    }
}

pub(super) fn align(ty: &SqlType) -> &'static str {
    match ty {
        SqlType::Bool | SqlType::Name | SqlType::QChar => "c",
        SqlType::Int2 => "s",
        SqlType::Int8
        | SqlType::Float8
        | SqlType::Timestamp(_)
        | SqlType::Timestamptz(_)
        | SqlType::Time(_)
        | SqlType::Composite(_)
        | SqlType::Record
        | SqlType::Interval(_) => "d",
        _ => "i",
    }
}

/// The collation of a column type (`attcollation`/`typcollation`).
pub(crate) fn collation(ty: &SqlType) -> u32 {
    match ty {
        SqlType::Text | SqlType::Varchar(_) | SqlType::Char(_) => DEFAULT_COLLATION_OID,
        SqlType::Name => C_COLLATION_OID,
        _ => 0,
    }
}

/// The visible indexes of a table (not the hidden row-id index of a
/// table without a primary key).
pub(crate) fn visible_indexes(t: &TableDesc) -> impl Iterator<Item = &IndexDesc> {
    t.indexes.iter().filter(|ix| !ix.columns.is_empty())
}

/// The `attnum` of each column (its 1-based physical position).
fn attnum(i: usize) -> i16 {
    i16::try_from(i + 1).unwrap_or(i16::MAX)
}

/// The rows of the temp schemas (`pg_temp_<n>` and `pg_toast_temp_<n>`),
/// owned by the bootstrap superuser and without ACL, as in PostgreSQL.
fn temp_namespaces(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    use crate::catalog::temp::{TEMP_PREFIX, TOAST_TEMP_PREFIX};
    for ns in &snap.namespaces {
        let n = ns.name.strip_prefix(TEMP_PREFIX).unwrap_or(&ns.name);
        for (oid, name) in [
            (ns.oid, ns.name.clone()),
            (ns.toast_oid, format!("{TOAST_TEMP_PREFIX}{n}")),
        ] {
            let mut r = RowBuilder::new(rel);
            r.oid("oid", oid).text("nspname", name).oid("nspowner", 10);
            out.push(r.finish());
        }
    }
}

pub(super) fn class_row(rel: &'static SysRel, schema: &str) -> RowBuilder {
    let temp = crate::catalog::temp::is_temp_schema(schema);
    let mut r = RowBuilder::new(rel);
    r.oid("relowner", USER_OID)
        .text("relpersistence", if temp { "t" } else { "p" })
        .text("relreplident", "d")
        .int4("relpages", 0)
        .set("reltuples", Value::Float4(-1.0))
        .bool("relispopulated", true);
    r
}

fn pg_class(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    // PostgreSQL's RI triggers sit on both ends of every foreign key, so
    // both the referencing and the referenced table have relhastriggers.
    let referenced: std::collections::HashSet<u32> = snap
        .tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter().map(|fk| fk.parent))
        .collect();
    for t in &snap.tables {
        let schema_oid = snap.schema_oid(&t.schema);
        let mut r = class_row(rel, &t.schema);
        r.oid("oid", t.id)
            .text("relname", &t.name)
            .oid("relnamespace", schema_oid)
            .oid("relam", HEAP_AM_OID)
            .oid("relfilenode", t.storage_id)
            .oid("reltype", t.id)
            .text("relkind", "r")
            .int2("relnatts", t.columns.len() as i16)
            .bool("relhasindex", visible_indexes(t).next().is_some())
            .bool(
                "relhastriggers",
                !t.foreign_keys.is_empty() || referenced.contains(&t.id),
            )
            .int2("relchecks", t.checks.len() as i16);
        if let Some(st) = snap.statistics_of(t.id) {
            r.int4("relpages", i32::try_from(st.relpages).unwrap_or(i32::MAX))
                .set("reltuples", Value::Float4(st.reltuples as f32));
        }
        out.push(r.finish());
        for ix in visible_indexes(t) {
            let mut r = class_row(rel, &t.schema);
            r.oid("oid", ix.oid)
                .text("relname", &ix.name)
                .oid("relnamespace", schema_oid)
                .oid("relam", BTREE_AM_OID)
                .oid("relfilenode", ix.oid)
                .text("relkind", "i")
                .text("relreplident", "n")
                .set("reltuples", Value::Float4(0.0))
                .int2("relnatts", (ix.columns.len() + ix.include.len()) as i16);
            out.push(r.finish());
        }
    }
    for v in &snap.views {
        let mut r = class_row(rel, &v.schema);
        r.oid("oid", v.oid)
            .text("relname", &v.name)
            .oid("relnamespace", snap.schema_oid(&v.schema))
            .text("relkind", "v")
            .text("relreplident", "n")
            .set("reltuples", Value::Float4(0.0))
            .int2("relnatts", v.columns.len() as i16);
        out.push(r.finish());
    }
    for s in &snap.sequences {
        let mut r = class_row(rel, &s.schema);
        r.oid("oid", s.oid)
            .text("relname", &s.name)
            .oid("relnamespace", snap.schema_oid(&s.schema))
            .oid("relfilenode", s.oid)
            .text("relkind", "S")
            .text("relreplident", "n")
            .int4("relpages", 1)
            .set("reltuples", Value::Float4(1.0))
            .int2("relnatts", SEQUENCE_COLUMNS.len() as i16);
        out.push(r.finish());
    }
    for s in crate::catalog::system::defs::SYSTEM_RELATIONS {
        let mut r = class_row(rel, s.schema);
        r.oid("oid", s.oid)
            .text("relname", s.name)
            .oid("relnamespace", s.schema_oid)
            .oid("relam", if s.kind == b'r' { HEAP_AM_OID } else { 0 })
            .oid("relfilenode", if s.kind == b'r' { s.oid } else { 0 })
            .text("relkind", (s.kind as char).to_string())
            .text("relreplident", "n")
            .int2("relnatts", s.columns.len() as i16);
        out.push(r.finish());
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn attribute_row(
    rel: &'static SysRel,
    relid: u32,
    name: &str,
    ty: &SqlType,
    num: i16,
    not_null: bool,
    has_default: bool,
    dropped: bool,
) -> RowBuilder {
    let mut r = RowBuilder::new(rel);
    let len = ty.type_len();
    r.oid("attrelid", relid)
        .text("attname", name)
        .oid("atttypid", if dropped { 0 } else { ty.oid() })
        .int4("attstattarget", -1)
        .int2("attlen", len)
        .int2("attnum", num)
        .int4("attndims", i32::from(matches!(ty, SqlType::Array(_))))
        .int4("attcacheoff", -1)
        .int4("atttypmod", ty.typmod())
        .bool("attbyval", matches!(len, 1 | 2 | 4 | 8))
        .text("attalign", align(ty))
        .text("attstorage", storage(ty))
        .text("attcompression", "")
        .bool("attnotnull", not_null)
        .bool("atthasdef", has_default)
        .bool("attisdropped", dropped)
        .bool("attislocal", true)
        .oid("attcollation", collation(ty));
    r
}

/// The columns of every sequence relation (`SELECT * FROM seq`).
pub(crate) const SEQUENCE_COLUMNS: [(&str, SqlType); 3] = [
    ("last_value", SqlType::Int8),
    ("log_cnt", SqlType::Int8),
    ("is_called", SqlType::Bool),
];

fn pg_attribute(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    for t in &snap.tables {
        for (i, c) in t.columns.iter().enumerate() {
            let name = if c.dropped {
                format!("........pg.dropped.{}........", i + 1)
            } else {
                c.name.clone()
            };
            let mut r = attribute_row(
                rel,
                t.id,
                &name,
                &c.ty,
                attnum(i),
                c.not_null,
                c.default.is_some(),
                c.dropped,
            );
            if let Some(id) = &c.identity {
                r.text("attidentity", if id.always { "a" } else { "d" });
            }
            if c.generated && !c.dropped {
                r.text("attgenerated", "s");
            }
            if let Some(n) = c.stat_target {
                r.int4("attstattarget", n);
            }
            if let Some(k) = c.storage {
                r.text("attstorage", char::from(k).to_string());
            }
            if let Some(d) = c.domain.filter(|_| !c.dropped) {
                // The domain carries the type modifier (`typtypmod`).
                // An array of the domain has the domain's array type.
                let oid = if c.ty == d.base { d.oid } else { d.array_oid };
                r.oid("atttypid", oid).int4("atttypmod", -1);
            }
            out.push(r.finish());
        }
        for ix in visible_indexes(t) {
            for (k, ic) in ix.columns.iter().enumerate() {
                let (name, ty) = match &ic.expr {
                    Some(_) => (
                        format!("expr{}", if k == 0 { String::new() } else { k.to_string() }),
                        SqlType::Text,
                    ),
                    None => {
                        let c = &t.columns[ic.column];
                        (c.name.clone(), c.ty)
                    }
                };
                out.push(
                    attribute_row(rel, ix.oid, &name, &ty, attnum(k), false, false, false).finish(),
                );
            }
            // INCLUDE columns follow the key columns.
            for (k, &c) in ix.include.iter().enumerate() {
                let c = &t.columns[c];
                let num = attnum(ix.columns.len() + k);
                out.push(
                    attribute_row(rel, ix.oid, &c.name, &c.ty, num, false, false, false).finish(),
                );
            }
        }
    }
    for (v, columns) in snap.views.iter().zip(&snap.view_columns) {
        for (i, (name, ty)) in columns.iter().enumerate() {
            out.push(attribute_row(rel, v.oid, name, ty, attnum(i), false, false, false).finish());
        }
    }
    for s in &snap.sequences {
        for (i, (name, ty)) in SEQUENCE_COLUMNS.iter().enumerate() {
            out.push(attribute_row(rel, s.oid, name, ty, attnum(i), true, false, false).finish());
        }
    }
    for s in crate::catalog::system::defs::SYSTEM_RELATIONS {
        for (i, (name, ty)) in s.columns.iter().enumerate() {
            out.push(attribute_row(rel, s.oid, name, ty, attnum(i), false, false, false).finish());
        }
    }
}

/// The 1-based column numbers of an index (0 for an expression),
/// INCLUDE columns last.
fn key_columns(ix: &IndexDesc) -> impl Iterator<Item = i64> + '_ {
    ix.columns
        .iter()
        .map(|ic| match ic.expr {
            Some(_) => 0,
            None => ic.column as i64 + 1,
        })
        .chain(ix.include.iter().map(|c| *c as i64 + 1))
}

/// `pg_constraint.conkey` of an index-backed constraint: an `int2[]` of
/// its key columns (INCLUDE columns are not part of the key).
fn key_numbers(ix: &IndexDesc) -> String {
    let nums: Vec<String> = key_columns(ix)
        .take(ix.columns.len())
        .map(|n| n.to_string())
        .collect();
    crate::types::array::format(nums.iter().map(|s| Some(s.as_str())))
}

fn pg_index(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    for t in &snap.tables {
        for ix in visible_indexes(t) {
            let n = ix.columns.len() as i16;
            let total = n + ix.include.len() as i16;
            let exprs: Vec<&str> = ix
                .columns
                .iter()
                .filter_map(|ic| ic.expr.as_deref())
                .collect();
            let [class, collation, option] = super::opclass::index_vectors(t, ix);
            let mut r = RowBuilder::new(rel);
            r.oid("indexrelid", ix.oid)
                .oid("indrelid", t.id)
                .int2("indnatts", total)
                .int2("indnkeyatts", n)
                .bool("indisunique", ix.unique)
                .bool("indnullsnotdistinct", ix.nulls_not_distinct)
                .bool("indisprimary", ix.primary)
                .bool("indimmediate", !ix.deferrable)
                .bool("indisvalid", ix.valid)
                .bool("indisready", true)
                .bool("indislive", true)
                .text("indkey", crate::types::vector::format(key_columns(ix)))
                .text("indcollation", collation)
                .text("indclass", class)
                .text("indoption", option);
            if !exprs.is_empty() {
                r.text("indexprs", exprs.join(", "));
            }
            if let Some(p) = &ix.predicate {
                r.text("indpred", super::deparse::expr_def(t, p, false));
            }
            out.push(r.finish());
        }
    }
}

fn pg_constraint(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    super::domain_rows::pg_constraint(rel, snap, out);
    for t in &snap.tables {
        for ix in visible_indexes(t).filter(|ix| ix.constraint_oid != 0) {
            let mut r = RowBuilder::new(rel);
            r.oid("oid", ix.constraint_oid)
                .text("conname", &ix.name)
                .oid("connamespace", snap.schema_oid(&t.schema))
                .text("contype", if ix.primary { "p" } else { "u" })
                .bool("convalidated", true)
                .oid("conrelid", t.id)
                .oid("conindid", ix.oid)
                .text("confupdtype", " ")
                .text("confdeltype", " ")
                .text("confmatchtype", " ")
                .bool("condeferrable", ix.deferrable)
                .bool("condeferred", ix.initially_deferred)
                .bool("conislocal", true)
                .bool("connoinherit", true)
                .text("conkey", key_numbers(ix));
            out.push(r.finish());
        }
        for c in &t.checks {
            let def = super::deparse::check_def(t, c, false);
            // conbin holds the expression in display form (see
            // `pg_get_expr`), as pg_attrdef.adbin does.
            let body = def
                .strip_prefix("CHECK (")
                .and_then(|d| d.strip_suffix(" NOT VALID").or(Some(d)))
                .and_then(|d| d.strip_suffix(')'))
                .unwrap_or(&def)
                .to_string();
            let columns = crate::sql::parse_expr(&c.expr)
                .and_then(|e| crate::plan::check::bind_check(t, &e))
                .map(|e| crate::plan::check::columns_of(&e))
                .unwrap_or_default();
            let numbers: Vec<String> = columns.iter().map(|&i| attnum(i).to_string()).collect();
            let conkey = crate::types::array::format(numbers.iter().map(|n| Some(n.as_str())));
            let mut r = RowBuilder::new(rel);
            r.oid("oid", c.oid)
                .text("conname", &c.name)
                .oid("connamespace", snap.schema_oid(&t.schema))
                .text("contype", "c")
                .bool("convalidated", c.validated)
                .oid("conrelid", t.id)
                .text("confupdtype", " ")
                .text("confdeltype", " ")
                .text("confmatchtype", " ")
                .bool("conislocal", true)
                .text("conkey", conkey)
                .text("conbin", body);
            out.push(r.finish());
        }
        for fk in &t.foreign_keys {
            let Some(parent) = snap.tables.iter().find(|p| p.id == fk.parent) else {
                continue;
            };
            let numbers = |cols: &[usize]| -> String {
                let n: Vec<String> = cols.iter().map(|&i| attnum(i).to_string()).collect();
                crate::types::array::format(n.iter().map(|x| Some(x.as_str())))
            };
            let index_oid = parent
                .indexes
                .iter()
                .find(|ix| ix.id == fk.parent_index)
                .map_or(0, |ix| ix.oid);
            let mut r = RowBuilder::new(rel);
            r.oid("oid", fk.oid)
                .text("conname", &fk.name)
                .oid("connamespace", snap.schema_oid(&t.schema))
                .text("contype", "f")
                .bool("convalidated", fk.validated)
                .oid("conrelid", t.id)
                .oid("conindid", index_oid)
                .oid("confrelid", fk.parent)
                .text("confupdtype", fk.on_update.code().to_string())
                .text("confdeltype", fk.on_delete.code().to_string())
                .text("confmatchtype", if fk.match_full { "f" } else { "s" })
                .bool("condeferrable", fk.deferrable)
                .bool("condeferred", fk.initially_deferred)
                .bool("conislocal", true)
                .bool("connoinherit", true)
                .text("conkey", numbers(&fk.columns))
                .text("confkey", numbers(&fk.parent_columns));
            if !fk.delete_set_columns.is_empty() {
                r.text("confdelsetcols", numbers(&fk.delete_set_columns));
            }
            out.push(r.finish());
        }
    }
}

fn pg_attrdef(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    for t in &snap.tables {
        for (i, c) in t.columns.iter().enumerate() {
            let Some(def) = &c.default else { continue };
            if c.dropped {
                continue;
            }
            let mut r = RowBuilder::new(rel);
            r.oid("oid", attrdef_oid(t.id, i))
                .oid("adrelid", t.id)
                .int2("adnum", attnum(i))
                .text(
                    "adbin",
                    if c.generated {
                        super::deparse::expr_def(t, def, false)
                    } else {
                        super::functions::default_text(snap, def, &c.ty)
                    },
                );
            out.push(r.finish());
        }
    }
}

/// The OID shown for a column default: derived from the table id and
/// column position (nothing refers to it by OID).
fn attrdef_oid(table_id: u32, column: usize) -> u32 {
    0x5000_0000 | (table_id.wrapping_sub(16384) & 0x3_FFFF) << 11 | (column as u32 & 0x7FF)
}

/// One row per database with `ALTER DATABASE ... SET` settings (roles
/// have none).
fn pg_db_role_setting(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    for d in snap.databases.iter().filter(|d| !d.settings.is_empty()) {
        let mut r = RowBuilder::new(rel);
        r.oid("setdatabase", d.oid).oid("setrole", 0).text(
            "setconfig",
            crate::types::array::format(d.settings.iter().map(|s| Some(s.as_str()))),
        );
        out.push(r.finish());
    }
}

fn pg_database(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) -> Result<()> {
    for d in &snap.databases {
        let mut r = RowBuilder::new(rel);
        r.oid("oid", d.oid)
            .text("datname", &d.name)
            .oid("datdba", d.owner)
            .int4("encoding", 6)
            .text("datlocprovider", "c")
            .bool("datistemplate", d.is_template)
            .bool("datallowconn", d.allow_connections)
            .int4("datconnlimit", d.connection_limit)
            .set("datfrozenxid", Value::Int8(716))
            .set("datminmxid", Value::Int8(1))
            .oid("dattablespace", 1663)
            .text("datcollate", &d.collate)
            .text("datctype", &d.ctype);
        if d.is_template {
            // initdb's grant on the templates: CONNECT for PUBLIC, all to
            // the owner.
            let owner = &snap.user;
            let acl = format!("{{=c/{owner},{owner}=CTc/{owner}}}");
            r.set(
                "datacl",
                Value::parse_text_base(&acl, &SqlType::Array(&SqlType::Text))?,
            );
        }
        out.push(r.finish());
    }
    Ok(())
}

fn roles(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    let mut r = RowBuilder::new(rel);
    if rel.name == "pg_user" {
        r.text("usename", &snap.user)
            .oid("usesysid", USER_OID)
            .bool("usecreatedb", true)
            .bool("usesuper", true)
            .bool("userepl", true)
            .bool("usebypassrls", true)
            .text("passwd", "********");
        out.push(r.finish());
        return;
    }
    r.oid("oid", USER_OID)
        .text("rolname", &snap.user)
        .bool("rolsuper", true)
        .bool("rolinherit", true)
        .bool("rolcreaterole", true)
        .bool("rolcreatedb", true)
        .bool("rolcanlogin", true)
        .bool("rolreplication", true)
        .bool("rolbypassrls", true)
        .int4("rolconnlimit", -1);
    if rel.name == "pg_roles" {
        r.text("rolpassword", "********");
    }
    out.push(r.finish());
    let mut r = RowBuilder::new(rel);
    r.oid("oid", crate::catalog::system::DATABASE_OWNER_OID)
        .text("rolname", "pg_database_owner")
        .bool("rolinherit", true)
        .int4("rolconnlimit", -1);
    if rel.name == "pg_roles" {
        r.text("rolpassword", "********");
    }
    out.push(r.finish());
}

fn pg_description(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    for d in &snap.descriptions {
        let mut r = RowBuilder::new(rel);
        r.oid("objoid", d.objoid)
            .oid("classoid", d.classoid)
            .int4("objsubid", d.objsubid)
            .text("description", &d.text);
        out.push(r.finish());
    }
}

fn pg_tables(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    for t in &snap.tables {
        let mut r = RowBuilder::new(rel);
        r.text("schemaname", &t.schema)
            .text("tablename", &t.name)
            .text("tableowner", &snap.user)
            .bool("hasindexes", visible_indexes(t).next().is_some());
        out.push(r.finish());
    }
    for s in crate::catalog::system::defs::SYSTEM_RELATIONS
        .iter()
        .filter(|s| s.kind == b'r')
    {
        let mut r = RowBuilder::new(rel);
        r.text("schemaname", s.schema)
            .text("tablename", s.name)
            .text("tableowner", &snap.user);
        out.push(r.finish());
    }
}

fn pg_views(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    for v in &snap.views {
        out.push(view_row(rel, snap, v));
    }
    for s in crate::catalog::system::defs::SYSTEM_RELATIONS
        .iter()
        .filter(|s| s.kind == b'v')
    {
        let mut r = RowBuilder::new(rel);
        r.text("schemaname", s.schema)
            .text("viewname", s.name)
            .text("viewowner", &snap.user);
        out.push(r.finish());
    }
}

fn view_row(rel: &'static SysRel, snap: &Snapshot, v: &ViewDesc) -> Vec<Value> {
    let mut r = RowBuilder::new(rel);
    r.text("schemaname", &v.schema)
        .text("viewname", &v.name)
        .text("viewowner", &snap.user)
        .text("definition", super::viewdef::view_def(snap, v, false));
    r.finish()
}

fn pg_indexes(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    for t in &snap.tables {
        for ix in visible_indexes(t) {
            let mut r = RowBuilder::new(rel);
            r.text("schemaname", &t.schema)
                .text("tablename", &t.name)
                .text("indexname", &ix.name)
                .text("indexdef", super::functions::index_def(t, ix, true));
            out.push(r.finish());
        }
    }
}

fn pg_settings(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    let mut all = snap.settings.describe();
    all.sort_by_key(|(name, ..)| name.to_lowercase());
    for (name, value, default, read_only) in all {
        let mut r = RowBuilder::new(rel);
        r.text("name", name)
            .text(
                "source",
                if value == default {
                    "default"
                } else {
                    "session"
                },
            )
            .text("setting", value)
            .text("context", if read_only { "internal" } else { "user" })
            .text("vartype", "string")
            .text("boot_val", default.clone())
            .text("reset_val", default)
            .bool("pending_restart", false);
        out.push(r.finish());
    }
}

fn pg_stat_activity(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    let mut r = RowBuilder::new(rel);
    r.oid("datid", snap.database_oid)
        .text("datname", &snap.database)
        .int4("pid", snap.backend_pid)
        .oid("usesysid", USER_OID)
        .text("usename", &snap.user)
        .text("application_name", "")
        .text("state", "active")
        .text("backend_type", "client backend");
    out.push(r.finish());
}

/// OID of `pg_class` (the `classid` of a relation in `pg_depend`).
const PG_CLASS_OID: u32 = 1259;
/// OID of `pg_namespace`.
const PG_NAMESPACE_OID: u32 = 2615;
/// OID of `pg_attrdef`.
const PG_ATTRDEF_OID: u32 = 2604;

fn pg_sequence(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    for s in &snap.sequences {
        let p = &s.params;
        let mut r = RowBuilder::new(rel);
        r.oid("seqrelid", s.oid)
            .oid("seqtypid", p.ty.oid())
            .set("seqstart", Value::Int8(p.start))
            .set("seqincrement", Value::Int8(p.increment))
            .set("seqmax", Value::Int8(p.max))
            .set("seqmin", Value::Int8(p.min))
            .set("seqcache", Value::Int8(p.cache))
            .bool("seqcycle", p.cycle);
        out.push(r.finish());
    }
}

/// Whether `schema` is another session's temp schema
/// (`pg_is_other_temp_schema`).
pub(crate) fn is_other_temp_schema(snap: &Snapshot, schema: &str) -> bool {
    crate::catalog::temp::is_temp_schema(schema) && snap.temp_schema.as_deref() != Some(schema)
}

fn pg_sequences(
    rel: &'static SysRel,
    snap: &Snapshot,
    out: &mut CatalogRows<'_>,
    last_value: LastValue<'_>,
) -> Result<()> {
    for s in snap
        .sequences
        .iter()
        .filter(|s| !is_other_temp_schema(snap, &s.schema))
    {
        let p = &s.params;
        let mut r = RowBuilder::new(rel);
        r.text("schemaname", &s.schema)
            .text("sequencename", &s.name)
            .text("sequenceowner", &snap.user)
            .text("data_type", p.ty.display_name())
            .set("start_value", Value::Int8(p.start))
            .set("min_value", Value::Int8(p.min))
            .set("max_value", Value::Int8(p.max))
            .set("increment_by", Value::Int8(p.increment))
            .bool("cycle", p.cycle)
            .set("cache_size", Value::Int8(p.cache))
            .set(
                "last_value",
                last_value(s)?.map_or(Value::Null, Value::Int8),
            );
        out.push(r.finish());
    }
    Ok(())
}

/// The sequence a column default's `nextval('name'::regclass)` names.
pub(crate) fn default_sequence<'s>(snap: &'s Snapshot, default: &str) -> Option<&'s SequenceDesc> {
    let name = super::functions::default_nextval(default)?;
    let oid = super::functions::relation_oid_of(snap, &name)?;
    snap.sequence(oid)
}

fn pg_depend(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    let mut dep = |classid: u32,
                   objid: u32,
                   refclassid: u32,
                   refobjid: u32,
                   refobjsubid: i32,
                   deptype: &str| {
        let mut r = RowBuilder::new(rel);
        r.oid("classid", classid)
            .oid("objid", objid)
            .int4("objsubid", 0)
            .oid("refclassid", refclassid)
            .oid("refobjid", refobjid)
            .int4("refobjsubid", refobjsubid)
            .text("deptype", deptype);
        out.push(r.finish());
    };
    for t in &snap.tables {
        let ns = snap.schema_oid(&t.schema);
        dep(PG_CLASS_OID, t.id, PG_NAMESPACE_OID, ns, 0, "n");
        for (i, c) in t.columns.iter().enumerate() {
            let Some(def) = c.default.as_deref().filter(|_| !c.dropped) else {
                continue;
            };
            let oid = attrdef_oid(t.id, i);
            if let Some(s) = default_sequence(snap, def) {
                dep(PG_ATTRDEF_OID, oid, PG_CLASS_OID, s.oid, 0, "n");
            }
            dep(
                PG_ATTRDEF_OID,
                oid,
                PG_CLASS_OID,
                t.id,
                i32::from(attnum(i)),
                "a",
            );
        }
    }
    for v in &snap.views {
        dep(
            PG_CLASS_OID,
            v.oid,
            PG_NAMESPACE_OID,
            snap.schema_oid(&v.schema),
            0,
            "n",
        );
    }
    for s in &snap.sequences {
        dep(
            PG_CLASS_OID,
            s.oid,
            PG_NAMESPACE_OID,
            snap.schema_oid(&s.schema),
            0,
            "n",
        );
        if let Some(o) = &s.owner {
            let deptype = if o.identity { "i" } else { "a" };
            dep(
                PG_CLASS_OID,
                s.oid,
                PG_CLASS_OID,
                o.table,
                o.column as i32 + 1,
                deptype,
            );
        }
    }
}

/// The columns of a table that a column-level catalog shows: visible
/// columns with their 1-based `attnum`.
pub(crate) fn visible_columns(t: &TableDesc) -> impl Iterator<Item = (i16, &ColumnDesc)> {
    t.columns
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.dropped)
        .map(|(i, c)| (attnum(i), c))
}
