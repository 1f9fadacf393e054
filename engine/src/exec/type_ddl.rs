//! `CREATE TYPE ... AS ENUM`, `ALTER TYPE` and `DROP TYPE`.
//!
//! Enum types are the user-defined types built so far (see
//! [`crate::types::enum_type`] for values and [`crate::catalog::user_type`]
//! for storage); the other `CREATE TYPE` forms fail with 0A000. A type
//! shares its name space with relations, as in PostgreSQL where every
//! table has a row type of its name.

use rocksgres_storage::Transaction;
use sqlparser::ast;

use crate::catalog::{self, user_type, SearchPath};
use crate::error::{EngineError, Result, SqlState};
use crate::types::enum_type::{check_label, EnumDef, EnumLabel};
use crate::types::sql_type::undefined_type;

/// A label as written: a string literal (`'sad'`), as PostgreSQL's grammar
/// requires.
fn label(ident: &ast::Ident) -> Result<String> {
    if ident.quote_style != Some('\'') {
        return Err(EngineError::new(
            SqlState::SyntaxError,
            format!("syntax error at or near \"{}\"", ident.value),
        ));
    }
    Ok(ident.value.clone())
}

fn type_exists(name: &str) -> EngineError {
    EngineError::new(
        SqlState::DuplicateObject,
        format!("type \"{name}\" already exists"),
    )
}

/// Fails with 42710 when a type or relation is already named
/// `schema.name`.
pub(crate) fn check_free<T: Transaction>(txn: &mut T, schema: &str, name: &str) -> Result<()> {
    if user_type::lookup(txn, schema, name)?.is_some()
        || catalog::relation_exists(txn, schema, name)?
    {
        return Err(type_exists(name));
    }
    Ok(())
}

/// `CREATE TYPE name [AS ENUM (...)]`.
pub fn create_type<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    name: &ast::ObjectName,
    representation: Option<&ast::UserDefinedTypeRepresentation>,
) -> Result<()> {
    if let Some(ast::UserDefinedTypeRepresentation::Composite { attributes }) = representation {
        return crate::exec::composite_ddl::create_composite(txn, path, name, attributes);
    }
    let Some(ast::UserDefinedTypeRepresentation::Enum { labels }) = representation else {
        return Err(EngineError::unsupported(
            "CREATE TYPE other than AS ENUM or AS (...) (range and base types)",
        ));
    };
    let (schema, tname) = user_type::type_name_parts(txn, path, name)?;
    check_free(txn, &schema, &tname)?;
    let oid = catalog::allocate_id(txn)?;
    let array_oid = catalog::allocate_id(txn)?;
    let mut def = EnumDef {
        oid,
        array_oid,
        schema,
        name: tname,
        labels: Vec::with_capacity(labels.len()),
    };
    for (i, l) in labels.iter().enumerate() {
        let l = label(l)?;
        check_label(&l)?;
        if def.position(&l).is_some() {
            return Err(EngineError::new(
                SqlState::UniqueViolation,
                "duplicate key value violates unique constraint \"pg_enum_typid_label_index\"",
            )
            .with_detail(format!(
                "Key (enumtypid, enumlabel)=({oid}, {l}) already exists."
            )));
        }
        def.labels.push(EnumLabel {
            oid: catalog::allocate_id(txn)?,
            sort: (i + 1) as f32,
            name: l,
        });
    }
    user_type::put_enum(txn, &def)
}

/// Reads the enum type `name` (42704 when there is none).
fn require_enum<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    name: &ast::ObjectName,
) -> Result<Option<EnumDef>> {
    let (schema, n) = user_type::existing_type_parts(txn, path, name)?;
    user_type::lookup_enum(txn, &schema, &n)
}

/// `ALTER TYPE name { ADD VALUE | RENAME VALUE | RENAME TO }`; returns the
/// notices.
pub fn alter_type<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    at: &ast::AlterType,
) -> Result<Vec<String>> {
    let (schema, n) = user_type::existing_type_parts(txn, path, &at.name)?;
    if let Some(c) = catalog::composite_type::lookup_composite(txn, &schema, &n)? {
        crate::exec::composite_ddl::alter_composite(txn, c, at)?;
        return Ok(Vec::new());
    }
    let mut def = require_enum(txn, path, &at.name)?.ok_or_else(|| undefined_type(&n))?;
    let mut notices = Vec::new();
    match &at.operation {
        ast::AlterTypeOperation::AddValue(add) => {
            let new = label(&add.value)?;
            check_label(&new)?;
            if def.position(&new).is_some() {
                if add.if_not_exists {
                    notices.push(format!("enum label \"{new}\" already exists, skipping"));
                    return Ok(notices);
                }
                def.check_new_label(&new)?;
            }
            let pos = match &add.position {
                None => def.labels.len(),
                Some(ast::AlterTypeAddValuePosition::Before(w)) => {
                    let w = label(w)?;
                    def.position(&w).ok_or_else(|| EnumDef::not_a_label(&w))?
                }
                Some(ast::AlterTypeAddValuePosition::After(w)) => {
                    let w = label(w)?;
                    def.position(&w).ok_or_else(|| EnumDef::not_a_label(&w))? + 1
                }
            };
            let sort = def.sort_for_insert(pos)?;
            let oid = catalog::allocate_id(txn)?;
            crate::types::enum_type::note_new_label(oid);
            def.labels.insert(
                pos,
                EnumLabel {
                    oid,
                    sort,
                    name: new,
                },
            );
        }
        ast::AlterTypeOperation::RenameValue(rv) => {
            let from = label(&rv.from)?;
            let to = label(&rv.to)?;
            check_label(&to)?;
            let pos = def
                .position(&from)
                .ok_or_else(|| EnumDef::not_a_label(&from))?;
            if def.position(&to).is_some() {
                def.check_new_label(&to)?;
            }
            def.labels[pos].name = to;
        }
        ast::AlterTypeOperation::Rename(r) => {
            let to = crate::sql::identifiers::ident_name(&r.new_name);
            check_free(txn, &def.schema, &to)?;
            user_type::drop_enum(txn, &def)?;
            def.name = to;
        }
    }
    user_type::put_enum(txn, &def)?;
    user_type::refresh_tables(txn, &def)?;
    Ok(notices)
}

/// `DROP TYPE [IF EXISTS] name [, ...] [CASCADE | RESTRICT]`; returns the
/// notices. What depends on the type is 2BP01, or dropped along with
/// CASCADE (see [`crate::exec::type_deps`]).
pub fn drop_types<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    names: &[ast::ObjectName],
    if_exists: bool,
    cascade: bool,
) -> Result<Vec<String>> {
    let mut notices = Vec::new();
    for name in names {
        let (schema, n) = user_type::existing_type_parts(txn, path, name)?;
        if let Some(d) = user_type::lookup_domain(txn, &schema, &n)? {
            notices.extend(crate::exec::domain_ddl::drop_domain(txn, &d, cascade)?);
            continue;
        }
        if let Some(c) = catalog::composite_type::lookup_composite(txn, &schema, &n)? {
            notices.extend(crate::exec::composite_ddl::drop_composite(
                txn, &c, cascade,
            )?);
            continue;
        }
        let Some(def) = require_enum(txn, path, name)? else {
            // A table's row type belongs to the table.
            if let Ok(catalog::Relation::Table(_)) = catalog::resolve_relation(txn, path, name) {
                return Err(EngineError::new(
                    SqlState::DependentObjectsStillExist,
                    format!("cannot drop type {n} because table {n} requires it"),
                )
                .with_hint(format!("You can drop table {n} instead.")));
            }
            if if_exists {
                notices.push(format!("type \"{n}\" does not exist, skipping"));
                continue;
            }
            return Err(undefined_type(&n));
        };
        let ty = crate::exec::type_deps::DroppedType {
            oid: def.oid,
            array_oid: def.array_oid,
            name: &def.name,
            domain: false,
        };
        notices.extend(crate::exec::type_deps::drop_dependents(txn, ty, cascade)?);
        user_type::drop_enum(txn, &def)?;
    }
    Ok(notices)
}
