//! Row generators of the `information_schema` views: `schemata`,
//! `tables`, `columns`, `views`, `table_constraints`, `check_constraints`,
//! `key_column_usage`, `constraint_column_usage`, `referential_constraints`
//! and `sequences`, with the SQL-standard spellings PostgreSQL uses
//! (`BASE TABLE`, `YES`/`NO`, `character varying`, ...).
//!
//! As in PostgreSQL, NOT NULL columns also appear in `table_constraints`
//! and `check_constraints` (`<column> IS NOT NULL`) as CHECK constraints named `<schema oid>_<table oid>_<attnum>_not_null`.

use super::rows::{visible_columns, visible_indexes};
use super::{CatalogRows, RowBuilder, Snapshot};
use crate::catalog::system::{defs, SysRel};
use crate::catalog::TableDesc;
use crate::error::Result;
use crate::types::{SqlType, Value};

/// Generates into `out` the rows of `information_schema` view `rel`.
pub fn rows(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) -> Result<()> {
    match rel.name {
        "schemata" => {
            for (schema, owner) in [
                ("information_schema", snap.user.as_str()),
                ("pg_catalog", snap.user.as_str()),
                ("pg_toast", snap.user.as_str()),
                ("public", "pg_database_owner"),
            ]
            .into_iter()
            .chain(
                snap.schemas
                    .iter()
                    .map(|s| (s.name.as_str(), snap.user.as_str())),
            ) {
                let mut r = RowBuilder::new(rel);
                r.text("catalog_name", &snap.database)
                    .text("schema_name", schema)
                    .text("schema_owner", owner);
                out.push(r.finish());
            }
        }
        "tables" => {
            for t in &snap.tables {
                let kind = if crate::catalog::temp::is_temp_schema(&t.schema) {
                    "LOCAL TEMPORARY"
                } else {
                    "BASE TABLE"
                };
                out.push(table_row(rel, snap, &t.schema, &t.name, kind));
            }
            for v in &snap.views {
                let kind = if crate::catalog::temp::is_temp_schema(&v.schema) {
                    "LOCAL TEMPORARY"
                } else {
                    "VIEW"
                };
                out.push(table_row(rel, snap, &v.schema, &v.name, kind));
            }
            for s in defs::SYSTEM_RELATIONS {
                let kind = if s.kind == b'r' { "BASE TABLE" } else { "VIEW" };
                out.push(table_row(rel, snap, s.schema, s.name, kind));
            }
        }
        "views" => {
            for v in &snap.views {
                // Updatable (UPDATE and DELETE) when some column is.
                let updatable = super::viewdef::updatable_columns(snap, v)
                    .is_some_and(|cols| cols.contains(&true));
                let mut r = RowBuilder::new(rel);
                r.text("table_catalog", &snap.database)
                    .text("table_schema", &v.schema)
                    .text("table_name", &v.name)
                    .text("view_definition", super::viewdef::view_def(snap, v, false))
                    .text("check_option", "NONE")
                    .text("is_updatable", yes_no(updatable))
                    .text("is_insertable_into", yes_no(updatable))
                    .text("is_trigger_updatable", "NO")
                    .text("is_trigger_deletable", "NO")
                    .text("is_trigger_insertable_into", "NO");
                out.push(r.finish());
            }
        }
        "columns" => {
            for t in &snap.tables {
                for (num, c) in visible_columns(t) {
                    let mut r = RowBuilder::new(rel);
                    r.text("table_catalog", &snap.database)
                        .text("table_schema", &t.schema)
                        .text("table_name", &t.name)
                        .text("column_name", &c.name)
                        .int4("ordinal_position", i32::from(num))
                        .text("is_nullable", if c.not_null { "NO" } else { "YES" })
                        .text("udt_catalog", &snap.database)
                        .text("udt_schema", "pg_catalog")
                        .text("udt_name", c.ty.type_name())
                        .text("dtd_identifier", num.to_string())
                        .text("is_self_referencing", "NO")
                        .text("is_identity", "NO")
                        .text("identity_cycle", "NO")
                        .text("is_generated", "NEVER")
                        .text("is_updatable", "YES");
                    match &c.default {
                        Some(d) if c.generated => {
                            r.text("is_generated", "ALWAYS").text(
                                "generation_expression",
                                super::deparse::expr_def(t, d, false),
                            );
                        }
                        Some(d) => {
                            r.text(
                                "column_default",
                                super::functions::default_text(snap, d, &c.ty),
                            );
                        }
                        None => {}
                    }
                    if let Some(id) = &c.identity {
                        r.text("is_identity", "YES").text(
                            "identity_generation",
                            if id.always { "ALWAYS" } else { "BY DEFAULT" },
                        );
                        if let Some(s) = snap.sequence(id.sequence) {
                            let p = &s.params;
                            r.text("identity_start", p.start.to_string())
                                .text("identity_increment", p.increment.to_string())
                                .text("identity_maximum", p.max.to_string())
                                .text("identity_minimum", p.min.to_string())
                                .text("identity_cycle", if p.cycle { "YES" } else { "NO" });
                        }
                    }
                    type_columns(&mut r, &c.ty);
                    if let Some((schema, name)) = user_udt(&c.ty) {
                        r.text("udt_schema", schema).text("udt_name", name);
                    }
                    // A column of a domain names it; a column of an array
                    // of one has the domain's array type as its UDT.
                    if let Some(d) = c.domain {
                        if c.ty == d.base {
                            r.text("domain_catalog", &snap.database)
                                .text("domain_schema", &d.schema)
                                .text("domain_name", &d.name);
                        } else {
                            r.text("udt_schema", &d.schema)
                                .text("udt_name", format!("_{}", d.name));
                        }
                    }
                    out.push(r.finish());
                }
            }
            for (v, columns) in snap.views.iter().zip(&snap.view_columns) {
                let updatable = super::viewdef::updatable_columns(snap, v);
                for (i, (name, ty)) in columns.iter().enumerate() {
                    let num = i + 1;
                    let column_updatable = updatable
                        .as_ref()
                        .is_some_and(|u| u.get(i).copied().unwrap_or(false));
                    let mut r = RowBuilder::new(rel);
                    r.text("table_catalog", &snap.database)
                        .text("table_schema", &v.schema)
                        .text("table_name", &v.name)
                        .text("column_name", name)
                        .int4("ordinal_position", i32::try_from(num).unwrap_or(i32::MAX))
                        .text("is_nullable", "YES")
                        .text("udt_catalog", &snap.database)
                        .text("udt_schema", "pg_catalog")
                        .text("udt_name", ty.type_name())
                        .text("dtd_identifier", num.to_string())
                        .text("is_self_referencing", "NO")
                        .text("is_identity", "NO")
                        .text("identity_cycle", "NO")
                        .text("is_generated", "NEVER")
                        .text("is_updatable", yes_no(column_updatable));
                    type_columns(&mut r, ty);
                    out.push(r.finish());
                }
            }
        }
        "table_constraints" => {
            for t in &snap.tables {
                for ix in visible_indexes(t).filter(|ix| ix.constraint_oid != 0) {
                    let kind = if ix.primary { "PRIMARY KEY" } else { "UNIQUE" };
                    let deferral = (ix.deferrable, ix.initially_deferred);
                    let mut row = constraint_row(rel, snap, t, &ix.name, kind, deferral);
                    if ix.nulls_not_distinct {
                        if let Some(i) =
                            rel.columns.iter().position(|(n, _)| *n == "nulls_distinct")
                        {
                            row[i] = Value::Text("NO".into());
                        }
                    }
                    out.push(row);
                }
                for c in &t.checks {
                    out.push(constraint_row(
                        rel,
                        snap,
                        t,
                        &c.name,
                        "CHECK",
                        (false, false),
                    ));
                }
                for fk in &t.foreign_keys {
                    out.push(constraint_row(
                        rel,
                        snap,
                        t,
                        &fk.name,
                        "FOREIGN KEY",
                        (fk.deferrable, fk.initially_deferred),
                    ));
                }
                for (num, _) in visible_columns(t).filter(|(_, c)| c.not_null) {
                    let name = format!("{}_{}_{num}_not_null", snap.schema_oid(&t.schema), t.id);
                    out.push(constraint_row(rel, snap, t, &name, "CHECK", (false, false)));
                }
            }
        }
        "check_constraints" => {
            for t in &snap.tables {
                let mut check_row = |name: &str, clause: String| {
                    let mut r = RowBuilder::new(rel);
                    r.text("constraint_catalog", &snap.database)
                        .text("constraint_schema", &t.schema)
                        .text("constraint_name", name)
                        .text("check_clause", clause);
                    out.push(r.finish());
                };
                for c in &t.checks {
                    // `substring(pg_get_constraintdef(oid) from 7)`: the
                    // definition without its `CHECK ` prefix.
                    let def = super::deparse::check_def(t, c, false);
                    check_row(&c.name, def["CHECK ".len()..].to_string());
                }
                for (num, c) in visible_columns(t).filter(|(_, c)| c.not_null) {
                    let name = format!("{}_{}_{num}_not_null", snap.schema_oid(&t.schema), t.id);
                    check_row(&name, format!("{} IS NOT NULL", c.name));
                }
            }
        }
        "key_column_usage" => {
            for t in &snap.tables {
                for ix in visible_indexes(t).filter(|ix| ix.constraint_oid != 0) {
                    for (k, ic) in ix.columns.iter().enumerate() {
                        if ic.expr.is_some() {
                            continue;
                        }
                        let mut r = RowBuilder::new(rel);
                        r.text("constraint_catalog", &snap.database)
                            .text("constraint_schema", &t.schema)
                            .text("constraint_name", &ix.name)
                            .text("table_catalog", &snap.database)
                            .text("table_schema", &t.schema)
                            .text("table_name", &t.name)
                            .text("column_name", &t.columns[ic.column].name)
                            .int4("ordinal_position", k as i32 + 1);
                        out.push(r.finish());
                    }
                }
                for fk in &t.foreign_keys {
                    let parent = snap.tables.iter().find(|p| p.id == fk.parent);
                    let unique =
                        parent.and_then(|p| p.indexes.iter().find(|ix| ix.id == fk.parent_index));
                    for (k, &c) in fk.columns.iter().enumerate() {
                        // Where the referenced column sits in the unique
                        // constraint's key.
                        let pos = unique.and_then(|ix| {
                            ix.columns
                                .iter()
                                .position(|ic| ic.column == fk.parent_columns[k])
                        });
                        let mut r = RowBuilder::new(rel);
                        r.text("constraint_catalog", &snap.database)
                            .text("constraint_schema", &t.schema)
                            .text("constraint_name", &fk.name)
                            .text("table_catalog", &snap.database)
                            .text("table_schema", &t.schema)
                            .text("table_name", &t.name)
                            .text("column_name", &t.columns[c].name)
                            .int4("ordinal_position", k as i32 + 1);
                        if let Some(p) = pos {
                            r.int4("position_in_unique_constraint", p as i32 + 1);
                        }
                        out.push(r.finish());
                    }
                }
            }
        }
        "constraint_column_usage" => constraint_column_usage(rel, snap, out)?,
        "referential_constraints" => {
            for t in &snap.tables {
                for fk in &t.foreign_keys {
                    let unique = snap
                        .tables
                        .iter()
                        .find(|p| p.id == fk.parent)
                        .and_then(|p| {
                            p.indexes
                                .iter()
                                .find(|ix| ix.id == fk.parent_index && ix.constraint_oid != 0)
                                .map(|ix| (p, ix))
                        });
                    let mut r = RowBuilder::new(rel);
                    r.text("constraint_catalog", &snap.database)
                        .text("constraint_schema", &t.schema)
                        .text("constraint_name", &fk.name)
                        .text("match_option", if fk.match_full { "FULL" } else { "NONE" })
                        .text("update_rule", fk.on_update.sql())
                        .text("delete_rule", fk.on_delete.sql());
                    if let Some((p, ix)) = unique {
                        r.text("unique_constraint_catalog", &snap.database)
                            .text("unique_constraint_schema", &p.schema)
                            .text("unique_constraint_name", &ix.name);
                    }
                    out.push(r.finish());
                }
            }
        }
        "domains" | "domain_constraints" => super::domain_rows::info_schema(rel, snap, out),
        "sequences" => {
            // Identity columns' sequences are not listed, as in
            // PostgreSQL.
            for s in snap.sequences.iter().filter(|s| {
                !s.owner.is_some_and(|o| o.identity)
                    && !super::rows::is_other_temp_schema(snap, &s.schema)
            }) {
                let p = &s.params;
                let bits = match p.ty {
                    SqlType::Int2 => 16,
                    SqlType::Int4 => 32,
                    _ => 64,
                };
                let mut r = RowBuilder::new(rel);
                r.text("sequence_catalog", &snap.database)
                    .text("sequence_schema", &s.schema)
                    .text("sequence_name", &s.name)
                    .text("data_type", p.ty.display_name())
                    .int4("numeric_precision", bits)
                    .int4("numeric_precision_radix", 2)
                    .int4("numeric_scale", 0)
                    .text("start_value", p.start.to_string())
                    .text("minimum_value", p.min.to_string())
                    .text("maximum_value", p.max.to_string())
                    .text("increment", p.increment.to_string())
                    .text("cycle_option", if p.cycle { "YES" } else { "NO" });
                out.push(r.finish());
            }
        }
        _ => {}
    }
    Ok(())
}

/// `constraint_column_usage`: the columns a CHECK reads, the key columns
/// of a PRIMARY KEY or UNIQUE constraint, and the *referenced* columns of
/// a foreign key (each in its table's column order, as PostgreSQL's
/// `attnum = ANY (conkey)` join yields them).
fn constraint_column_usage(
    rel: &'static SysRel,
    snap: &Snapshot,
    out: &mut CatalogRows<'_>,
) -> Result<()> {
    let mut push = |t: &TableDesc, mut cols: Vec<usize>, owner: &TableDesc, name: &str| {
        cols.sort_unstable();
        cols.dedup();
        for c in cols {
            let mut r = RowBuilder::new(rel);
            r.text("table_catalog", &snap.database)
                .text("table_schema", &t.schema)
                .text("table_name", &t.name)
                .text("column_name", &t.columns[c].name)
                .text("constraint_catalog", &snap.database)
                .text("constraint_schema", &owner.schema)
                .text("constraint_name", name);
            out.push(r.finish());
        }
    };
    for t in &snap.tables {
        for c in &t.checks {
            let cols = crate::sql::parse_expr(&c.expr)
                .and_then(|e| crate::plan::check::bind_check(t, &e))
                .map(|e| crate::plan::check::columns_of(&e))
                .unwrap_or_default();
            push(t, cols, t, &c.name);
        }
        for ix in visible_indexes(t).filter(|ix| ix.constraint_oid != 0) {
            let cols = ix
                .columns
                .iter()
                .filter(|ic| ic.expr.is_none())
                .map(|ic| ic.column)
                .collect();
            push(t, cols, t, &ix.name);
        }
        for fk in &t.foreign_keys {
            if let Some(p) = snap.tables.iter().find(|p| p.id == fk.parent) {
                push(p, fk.parent_columns.clone(), t, &fk.name);
            }
        }
    }
    Ok(())
}

fn table_row(
    rel: &'static SysRel,
    snap: &Snapshot,
    schema: &str,
    name: &str,
    kind: &str,
) -> Vec<Value> {
    let mut r = RowBuilder::new(rel);
    r.text("table_catalog", &snap.database)
        .text("table_schema", schema)
        .text("table_name", name)
        .text("table_type", kind)
        .text(
            "is_insertable_into",
            if kind == "LOCAL TEMPORARY" || (kind == "BASE TABLE" && schema == "public") {
                "YES"
            } else {
                "NO"
            },
        )
        .text("is_typed", "NO");
    r.finish()
}

/// A `table_constraints` row; `deferral` is (DEFERRABLE, INITIALLY
/// DEFERRED).
fn constraint_row(
    rel: &'static SysRel,
    snap: &Snapshot,
    t: &TableDesc,
    name: &str,
    kind: &str,
    deferral: (bool, bool),
) -> Vec<Value> {
    let yes_no = |b: bool| if b { "YES" } else { "NO" };
    let mut r = RowBuilder::new(rel);
    r.text("constraint_catalog", &snap.database)
        .text("constraint_schema", &t.schema)
        .text("constraint_name", name)
        .text("table_catalog", &snap.database)
        .text("table_schema", &t.schema)
        .text("table_name", &t.name)
        .text("constraint_type", kind)
        .text("is_deferrable", yes_no(deferral.0))
        .text("initially_deferred", yes_no(deferral.1))
        .text("enforced", "YES");
    if kind == "UNIQUE" {
        // NULL for a primary key, as PostgreSQL.
        r.text("nulls_distinct", "YES");
    }
    r.finish()
}

/// The schema and `pg_type` name of a user-defined column type (an enum
/// or composite type, or an array of one: `_name`).
fn user_udt(ty: &SqlType) -> Option<(&'static str, String)> {
    match ty {
        SqlType::Enum(d) => Some((&d.schema, d.name.clone())),
        SqlType::Composite(d) => Some((&d.schema, d.name.clone())),
        SqlType::Array(SqlType::Enum(d)) => Some((&d.schema, format!("_{}", d.name))),
        SqlType::Array(SqlType::Composite(d)) => Some((&d.schema, format!("_{}", d.name))),
        _ => None,
    }
}

/// The type columns of `information_schema.columns`.
pub(super) fn type_columns(r: &mut RowBuilder, ty: &SqlType) {
    let data_type = match ty {
        SqlType::Array(_) => "ARRAY".to_string(),
        SqlType::Enum(_) | SqlType::Composite(_) => "USER-DEFINED".to_string(),
        SqlType::Numeric { .. } => "numeric".to_string(),
        other => other.base_name().to_string(),
    };
    r.text("data_type", data_type);
    match ty {
        SqlType::Varchar(n) | SqlType::Char(n) => {
            if let Some(n) = n {
                r.int4("character_maximum_length", *n as i32);
                r.int4("character_octet_length", (*n as i32).saturating_mul(4));
            } else {
                r.int4("character_octet_length", 1_073_741_824);
            }
        }
        SqlType::Text => {
            r.int4("character_octet_length", 1_073_741_824);
        }
        SqlType::Int2 | SqlType::Int4 | SqlType::Int8 => {
            let bits = match ty {
                SqlType::Int2 => 16,
                SqlType::Int4 => 32,
                _ => 64,
            };
            r.int4("numeric_precision", bits)
                .int4("numeric_precision_radix", 2)
                .int4("numeric_scale", 0);
        }
        SqlType::Float4 | SqlType::Float8 => {
            r.int4(
                "numeric_precision",
                if *ty == SqlType::Float4 { 24 } else { 53 },
            )
            .int4("numeric_precision_radix", 2);
        }
        SqlType::Numeric { precision, scale } => {
            r.int4("numeric_precision_radix", 10);
            if let Some(p) = precision {
                r.int4("numeric_precision", i32::from(*p))
                    .int4("numeric_scale", i32::from(scale.unwrap_or(0)));
            }
        }
        SqlType::Date => {
            r.int4("datetime_precision", 0);
        }
        SqlType::Timestamp(Some(p))
        | SqlType::Timestamptz(Some(p))
        | SqlType::Time(Some(p))
        | SqlType::TimeTz(Some(p)) => {
            r.int4("datetime_precision", i32::from(*p));
        }
        SqlType::Interval(Some(m)) => {
            // `_pg_interval_type`: the modifier after `interval`, when it
            // names fields.
            if m.fields_name().is_some() {
                r.text("interval_type", m.suffix().trim().to_ascii_uppercase());
            }
            r.int4("datetime_precision", m.precision().map_or(6, i32::from));
        }
        SqlType::Time(_)
        | SqlType::TimeTz(_)
        | SqlType::Timestamp(_)
        | SqlType::Timestamptz(_)
        | SqlType::Interval(None) => {
            r.int4("datetime_precision", 6);
        }
        _ => {}
    }
}

/// `YES` / `NO`, as `information_schema` spells booleans.
fn yes_no(b: bool) -> &'static str {
    if b {
        "YES"
    } else {
        "NO"
    }
}
