//! `CREATE SCHEMA`, `DROP SCHEMA` and `ALTER SCHEMA`, with PostgreSQL's
//! messages.
//!
//! A schema is a catalog entry ([`crate::catalog::schema`]); the relations
//! in it are keyed by its name. DROP SCHEMA finds what lives in the schema
//! (its tables, their foreign keys' referencing constraints elsewhere, its
//! sequences and views), lists them in PostgreSQL's DETAIL (object-id order,
//! as PostgreSQL's dependency scan) and with CASCADE drops them through the
//! ordinary drop functions. Serial and identity sequences and indexes go
//! with their table and are not listed, as in PostgreSQL.

use rocksgres_storage::{LockMode, Transaction};
use sqlparser::ast;

use crate::catalog::schema::{self, SchemaDesc, SYSTEM_SCHEMAS};
use crate::catalog::system::USER_OID;
use crate::catalog::temp::{self, PathEntry, SearchPath};
use crate::catalog::{self, TableDesc, DEFAULT_SCHEMA};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::owner::{check_new_owner, role_name};
use crate::sql::identifiers::ident_name;

/// The name a one-part schema name denotes (42601 for a dotted one).
fn schema_name(name: &ast::ObjectName) -> Result<String> {
    match temp::name_parts(name)? {
        (None, n) => Ok(n),
        (Some(_), _) => Err(EngineError::new(
            SqlState::SyntaxError,
            format!("improper qualified name (too many dotted names): {name}"),
        )),
    }
}

/// Checks that `role` (an AUTHORIZATION or OWNER TO role) may own a
/// schema of the session's `user`.
fn check_role(role: &str, user: &str) -> Result<()> {
    check_new_owner(Some(role), user)
}

/// CREATE SCHEMA [IF NOT EXISTS] name [AUTHORIZATION role] (or
/// `CREATE SCHEMA AUTHORIZATION role`, naming the schema after the role);
/// returns the notice of IF NOT EXISTS on an existing schema.
pub fn create_schema<T: Transaction>(
    txn: &mut T,
    name: &ast::SchemaName,
    if_not_exists: bool,
    user: &str,
) -> Result<Option<String>> {
    let (name, role) = match name {
        ast::SchemaName::Simple(n) => (schema_name(n)?, None),
        ast::SchemaName::UnnamedAuthorization(r) => (ident_name(r), Some(ident_name(r))),
        ast::SchemaName::NamedAuthorization(n, r) => (schema_name(n)?, Some(ident_name(r))),
    };
    if let Some(role) = &role {
        check_role(role, user)?;
    }
    schema::check_schema_name(&name)?;
    match schema::create_schema(txn, &name, USER_OID, if_not_exists)? {
        Some(_) => Ok(None),
        None => Ok(Some(format!("schema \"{name}\" already exists, skipping"))),
    }
}

/// What lives in a schema DROP SCHEMA must drop: (oid, description,
/// what it depends on), in oid order.
struct Dependents {
    tables: Vec<TableDesc>,
    sequences: Vec<catalog::sequence::SequenceDesc>,
    views: Vec<catalog::ViewDesc>,
    /// Views of other schemas reading the schema's relations.
    outside_views: Vec<catalog::ViewDesc>,
    types: Vec<crate::types::enum_type::EnumDef>,
    /// (line, object-id order key) of every dependent.
    lines: Vec<(u32, String)>,
}

/// How a relation is named in a dependency line: qualified unless its
/// schema is on the search path.
pub(crate) fn rel_name(visible: &[PathEntry], schema: &str, name: &str) -> String {
    let on_path = visible
        .iter()
        .any(|e| matches!(e, PathEntry::User(s) | PathEntry::Temp(s) if s == schema));
    if on_path {
        name.to_string()
    } else {
        format!("{schema}.{name}")
    }
}

fn dependents<T: Transaction>(
    txn: &mut T,
    visible: &[PathEntry],
    s: &SchemaDesc,
) -> Result<Dependents> {
    let mut lines = Vec::new();
    let tables: Vec<TableDesc> = catalog::all_tables(txn)?
        .into_iter()
        .filter(|t| t.schema == s.name)
        .collect();
    let ids: Vec<u32> = tables.iter().map(|t| t.id).collect();
    for t in &tables {
        let tname = rel_name(visible, &t.schema, &t.name);
        lines.push((t.id, format!("table {tname}|schema {}", s.name)));
        for (child, fk) in crate::exec::foreign_key_ddl::referenced_by(txn, t)? {
            if ids.contains(&child.id) {
                continue;
            }
            let cname = rel_name(visible, &child.schema, &child.name);
            lines.push((
                t.id,
                format!("constraint {fk} on table {cname}|table {tname}"),
            ));
        }
    }
    let sequences: Vec<_> = catalog::sequence::all_sequences(txn)?
        .into_iter()
        .filter(|q| q.schema == s.name && q.owner.is_none())
        .collect();
    for q in &sequences {
        let qname = rel_name(visible, &q.schema, &q.name);
        lines.push((q.oid, format!("sequence {qname}|schema {}", s.name)));
    }
    let views: Vec<_> = catalog::all_views(txn)?
        .into_iter()
        .filter(|v| v.schema == s.name)
        .collect();
    for v in &views {
        let vname = rel_name(visible, &v.schema, &v.name);
        lines.push((v.oid, format!("view {vname}|schema {}", s.name)));
    }
    // Views elsewhere reading the schema's relations go too, each listed
    // right after the relation it reads.
    let mut skip: Vec<String> = tables
        .iter()
        .map(|t| catalog::view::dep_key(&t.schema, &t.name))
        .chain(
            sequences
                .iter()
                .map(|q| catalog::view::dep_key(&q.schema, &q.name)),
        )
        .chain(views.iter().map(catalog::ViewDesc::dep_key))
        .collect();
    let roots: Vec<(u32, &str, &str, &str)> = tables
        .iter()
        .map(|t| (t.id, "table", t.schema.as_str(), t.name.as_str()))
        .chain(
            sequences
                .iter()
                .map(|q| (q.oid, "sequence", q.schema.as_str(), q.name.as_str())),
        )
        .chain(
            views
                .iter()
                .map(|v| (v.oid, "view", v.schema.as_str(), v.name.as_str())),
        )
        .collect();
    let mut outside_views = Vec::new();
    for (oid, kind, schema, name) in roots {
        let mut found = Vec::new();
        crate::exec::views::collect_dependents(
            txn, visible, kind, schema, name, &mut skip, &mut found,
        )?;
        for d in found {
            lines.push((oid, format!("{}|{}", d.what, d.on)));
            outside_views.push(d.view);
        }
    }
    let types: Vec<_> = catalog::user_type::all_enums(txn)?
        .into_iter()
        .filter(|d| d.schema == s.name)
        .collect();
    for d in &types {
        let tname = rel_name(visible, &d.schema, &d.name);
        lines.push((d.oid, format!("type {tname}|schema {}", s.name)));
    }
    for d in catalog::user_type::all_domains(txn)? {
        if d.schema == s.name {
            let tname = rel_name(visible, &d.schema, &d.name);
            lines.push((d.oid, format!("type {tname}|schema {}", s.name)));
        }
    }
    for d in catalog::composite_type::all_composites(txn)? {
        if d.schema == s.name {
            let tname = rel_name(visible, &d.schema, &d.name);
            lines.push((d.oid, format!("type {tname}|schema {}", s.name)));
        }
    }
    // Stable: a table's referencing constraints stay right after it.
    lines.sort_by_key(|(oid, _)| *oid);
    Ok(Dependents {
        tables,
        sequences,
        views,
        outside_views,
        types,
        lines,
    })
}

/// DROP SCHEMA [IF EXISTS] a, b [CASCADE | RESTRICT]; returns the notices.
pub fn drop_schemas<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    names: &[ast::ObjectName],
    if_exists: bool,
    cascade: bool,
) -> Result<Vec<String>> {
    let mut notices = Vec::new();
    let mut found = Vec::new();
    for n in names {
        let name = schema_name(n)?;
        if SYSTEM_SCHEMAS.contains(&name.as_str()) {
            return Err(EngineError::new(
                SqlState::DependentObjectsStillExist,
                format!("cannot drop schema {name} because it is required by the database system"),
            ));
        }
        if name == DEFAULT_SCHEMA {
            return Err(EngineError::unsupported("DROP SCHEMA public"));
        }
        if temp::is_temp_schema(&name) {
            return Err(EngineError::unsupported(
                "DROP SCHEMA of a temporary schema",
            ));
        }
        match schema::lookup_schema(txn, &name)? {
            Some(s) => {
                if !found.contains(&s) {
                    found.push(s);
                }
            }
            None if if_exists => {
                notices.push(format!("schema \"{name}\" does not exist, skipping"))
            }
            None => return Err(schema::no_schema(&name)),
        }
    }
    let visible = path.entries(txn)?;
    let mut cascaded = Vec::new();
    let mut doomed = Vec::new();
    for s in &found {
        let deps = dependents(txn, &visible, s)?;
        if !cascade && !deps.lines.is_empty() {
            let detail: Vec<String> = deps
                .lines
                .iter()
                .map(|(_, l)| {
                    let (what, on) = l.split_once('|').unwrap_or((l, ""));
                    format!("{what} depends on {on}")
                })
                .collect();
            return Err(crate::exec::dependents::still_exist(
                &format!("schema {}", s.name),
                &detail,
            ));
        }
        cascaded.extend(
            deps.lines
                .iter()
                .map(|(_, l)| l.split_once('|').map_or(l.as_str(), |(w, _)| w).to_string()),
        );
        doomed.push((s, deps));
    }
    for (s, deps) in doomed {
        for v in &deps.outside_views {
            catalog::drop_view(txn, v)?;
        }
        let mut tables = Vec::with_capacity(deps.tables.len());
        for t in &deps.tables {
            if let Some(t) =
                catalog::lock::lock_named(txn, &t.schema, &t.name, LockMode::AccessExclusive)?
            {
                tables.push(t);
            }
        }
        crate::exec::foreign_key_ddl::drop_tables_fks(txn, &tables, true)?;
        for t in &tables {
            catalog::drop_table(txn, t)?;
        }
        for q in &deps.sequences {
            catalog::sequence::drop_sequence(txn, q)?;
        }
        for v in &deps.views {
            catalog::drop_view(txn, v)?;
        }
        for d in &deps.types {
            // Columns of other schemas' tables would have to go too.
            if catalog::user_type::tables_using(txn, d.oid)?
                .iter()
                .any(|t| t.schema != s.name)
            {
                return Err(EngineError::unsupported(
                    "DROP SCHEMA ... CASCADE of a type columns of other schemas use (dropping the columns)",
                ));
            }
            catalog::user_type::drop_enum(txn, d)?;
        }
        for d in catalog::user_type::all_domains(txn)? {
            if d.schema != s.name {
                continue;
            }
            if !catalog::user_type::tables_using_domain(txn, d.oid)?.is_empty() {
                return Err(EngineError::unsupported(
                    "DROP SCHEMA ... CASCADE of a domain columns of other schemas use (dropping the columns)",
                ));
            }
            catalog::user_type::drop_domain(txn, &d)?;
        }
        for d in catalog::composite_type::all_composites(txn)? {
            if d.schema != s.name {
                continue;
            }
            if !catalog::composite_type::tables_using(txn, d.oid)?.is_empty() {
                return Err(EngineError::unsupported(
                    "DROP SCHEMA ... CASCADE of a composite type columns of other schemas use (dropping the columns)",
                ));
            }
            catalog::composite_type::drop_composite(txn, &d)?;
        }
        schema::drop_schema_entry(txn, &s.name)?;
    }
    notices.extend(crate::exec::dependents::cascade_notice(&cascaded));
    Ok(notices)
}

/// Renames user schema `desc` to `to`, moving every relation in it.
fn rename_schema<T: Transaction>(txn: &mut T, desc: &SchemaDesc, to: &str) -> Result<()> {
    // Views name the schema in their text and record it.
    crate::exec::view_rename::follow(
        txn,
        crate::exec::view_rename::Rename::Schema {
            old: &desc.name,
            new: to,
        },
    )?;
    schema::rename_schema_entry(txn, desc, to)?;
    let tables: Vec<TableDesc> = catalog::all_tables(txn)?
        .into_iter()
        .filter(|t| t.schema == desc.name)
        .collect();
    for t in &tables {
        let Some(t) =
            catalog::lock::lock_named(txn, &t.schema, &t.name, LockMode::AccessExclusive)?
        else {
            continue;
        };
        move_table(txn, &t, to)?;
    }
    for mut q in catalog::sequence::all_sequences(txn)? {
        if q.schema == desc.name {
            catalog::sequence::move_sequence(txn, &mut q, to)?;
        }
    }
    Ok(())
}

/// ALTER SCHEMA name OWNER TO role (the session's user: nothing changes,
/// as every schema is the bootstrap superuser's here) or RENAME TO
/// (moving every relation of the schema; 0A000 for `public`).
pub fn alter_schema<T: Transaction>(
    txn: &mut T,
    alter: &ast::AlterSchema,
    user: &str,
) -> Result<()> {
    let name = schema_name(&alter.name)?;
    let exists = schema::lookup_schema(txn, &name)?.is_some()
        || name == DEFAULT_SCHEMA
        || SYSTEM_SCHEMAS.contains(&name.as_str());
    if !exists {
        return Err(schema::no_schema(&name));
    }
    for op in &alter.operations {
        match op {
            ast::AlterSchemaOperation::OwnerTo { owner } => {
                let role = role_name(owner);
                check_new_owner(role.as_deref(), user)?;
                if name == DEFAULT_SCHEMA || SYSTEM_SCHEMAS.contains(&name.as_str()) {
                    return Err(EngineError::unsupported(format!(
                        "ALTER SCHEMA {name} OWNER TO"
                    )));
                }
            }
            ast::AlterSchemaOperation::Rename { name: to } => {
                let to = schema_name(to)?;
                if SYSTEM_SCHEMAS.contains(&name.as_str()) || name == DEFAULT_SCHEMA {
                    schema::check_schema_name(&to)?;
                }
                if schema::any_schema_exists(txn, &to)? {
                    return Err(EngineError::new(
                        SqlState::DuplicateSchema,
                        format!("schema \"{to}\" already exists"),
                    ));
                }
                schema::check_schema_name(&to)?;
                let Some(desc) = schema::lookup_schema(txn, &name)? else {
                    return Err(EngineError::unsupported(format!(
                        "ALTER SCHEMA {name} RENAME TO"
                    )));
                };
                rename_schema(txn, &desc, &to)?;
            }
            other => {
                return Err(EngineError::unsupported(format!(
                    "ALTER SCHEMA ... {other}"
                )))
            }
        }
    }
    Ok(())
}

/// The 0A000 error for moving into or out of a temp schema.
fn temp_move_error() -> EngineError {
    EngineError::new(
        SqlState::FeatureNotSupported,
        "cannot move objects into or out of temporary schemas",
    )
}

/// The schema `to` as a target of SET SCHEMA: a user schema or `public`
/// (3F000 otherwise; 0A000 for temp and system schemas).
pub(crate) fn target_schema<T: Transaction>(txn: &mut T, to: &str) -> Result<()> {
    if temp::is_temp_schema(to) || to == "pg_temp" {
        return Err(temp_move_error());
    }
    if SYSTEM_SCHEMAS.contains(&to) {
        return Err(EngineError::unsupported(format!(
            "moving a relation to schema {to}"
        )));
    }
    if !schema::relation_schema_exists(txn, to)? {
        return Err(schema::no_schema(to));
    }
    Ok(())
}

pub(crate) fn taken_in(name: &str, to: &str) -> EngineError {
    EngineError::new(
        SqlState::DuplicateTable,
        format!("relation \"{name}\" already exists in schema \"{to}\""),
    )
}

/// Moves table `table` to schema `to` (`ALTER TABLE ... SET SCHEMA`), its
/// indexes and owned sequences with it, as PostgreSQL; nothing happens
/// when it is there already.
pub fn move_table<T: Transaction>(txn: &mut T, table: &TableDesc, to: &str) -> Result<()> {
    target_schema(txn, to)?;
    if table.schema == to {
        return Ok(());
    }
    if temp::is_temp_schema(&table.schema) {
        return Err(temp_move_error());
    }
    let owned = catalog::sequence::owned_by_table(txn, table.id)?;
    let names = std::iter::once(table.name.as_str())
        .chain(table.named_indexes().map(|ix| ix.name.as_str()))
        .chain(owned.iter().map(|q| q.name.as_str()));
    for n in names {
        if catalog::relation_exists(txn, to, n)? {
            return Err(taken_in(n, to));
        }
    }
    // Views name the tables they read in their text.
    crate::exec::view_rename::follow(
        txn,
        crate::exec::view_rename::Rename::Relation {
            schema: &table.schema,
            name: &table.name,
            to_schema: to,
            to_name: &table.name,
        },
    )?;
    let mut key = Vec::new();
    crate::keys::table_name_key(&mut key, &table.schema, &table.name);
    txn.delete(&key)?;
    for ix in &table.indexes {
        catalog::unregister_owned_index_name(txn, &table.schema, &ix.name, table.id)?;
    }
    let mut moved = table.clone();
    moved.schema = to.to_string();
    crate::keys::table_name_key(&mut key, to, &moved.name);
    txn.put(&key, &moved.id.to_be_bytes())?;
    for ix in moved.named_indexes() {
        catalog::register_index_name(txn, to, &ix.name, moved.id)?;
    }
    for mut q in owned {
        catalog::sequence::move_sequence(txn, &mut q, to)?;
        if let Some(o) = q.owner.filter(|o| !o.identity) {
            if let Some(c) = usize::try_from(o.column)
                .ok()
                .and_then(|i| moved.columns.get_mut(i))
            {
                c.default = Some(crate::exec::ddl::serial_default(to, &q.name));
            }
        }
    }
    catalog::update_table(txn, &moved)
}

/// Moves standalone sequence `desc` to schema `to` (`ALTER SEQUENCE ...
/// SET SCHEMA`); a sequence owned by a column moves with its table only
/// (0A000 here).
pub fn move_sequence<T: Transaction>(
    txn: &mut T,
    desc: &mut catalog::sequence::SequenceDesc,
    to: &str,
) -> Result<()> {
    target_schema(txn, to)?;
    if desc.schema == to {
        return Ok(());
    }
    if temp::is_temp_schema(&desc.schema) {
        return Err(temp_move_error());
    }
    if desc.owner.is_some() {
        return Err(EngineError::unsupported(
            "ALTER SEQUENCE ... SET SCHEMA of a sequence owned by a column",
        ));
    }
    if catalog::relation_exists(txn, to, &desc.name)? {
        return Err(taken_in(&desc.name, to));
    }
    crate::exec::view_rename::follow(
        txn,
        crate::exec::view_rename::Rename::Relation {
            schema: &desc.schema,
            name: &desc.name,
            to_schema: to,
            to_name: &desc.name,
        },
    )?;
    catalog::sequence::move_sequence(txn, desc, to)
}
