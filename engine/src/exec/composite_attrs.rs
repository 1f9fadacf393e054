//! `ALTER TYPE name { ADD | DROP | ALTER | RENAME } ATTRIBUTE ...` of a
//! composite type (parsed by [`crate::sql::type_attrs`]).
//!
//! The actions change the definition in order; the new one is stored and
//! copied into the descriptors of the tables whose columns use the type
//! ([`composite_type::refresh_tables`]). Stored row values are record
//! texts, so a renamed attribute needs nothing more; adding or dropping
//! one rewrites the stored values of those columns (NULL for the new
//! attribute, the dropped one removed: what PostgreSQL reads back from
//! its rows), row by row. As in PostgreSQL, changing the type of an
//! attribute is refused (0A000) while a column uses the type. A column
//! of the type inside an index is not rewritten (0A000).

use rocksgres_storage::Transaction;
use sqlparser::ast;

use crate::catalog::{self, composite_type, user_type, SearchPath, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::interrupt::Interrupt;
use crate::sql::identifiers::ident_name;
use crate::sql::type_attrs::{AlterAttributes, AttrAction};
use crate::types::composite::{self, CompositeAttr, CompositeDef};
use crate::types::{SqlType, Value};

fn no_attr(def: &CompositeDef, name: &str) -> EngineError {
    EngineError::new(
        SqlState::UndefinedColumn,
        format!(
            "column \"{name}\" of relation \"{}\" does not exist",
            def.name
        ),
    )
}

fn attr_exists(def: &CompositeDef, name: &str) -> EngineError {
    EngineError::new(
        SqlState::DuplicateColumn,
        format!(
            "column \"{name}\" of relation \"{}\" already exists",
            def.name
        ),
    )
}

/// The type of a new or changed attribute: 42P16 for the type itself,
/// 42804 for a collation on a type without one.
fn attr_type<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    def: &CompositeDef,
    ty: &ast::DataType,
    collation: Option<&ast::ObjectName>,
) -> Result<SqlType> {
    if let Ok(Some(SqlType::Composite(d))) = user_type::column_user_type(txn, path, ty) {
        if d.oid == def.oid {
            return Err(EngineError::new(
                SqlState::InvalidTableDefinition,
                format!(
                    "composite type {} cannot be made a member of itself",
                    def.name
                ),
            ));
        }
    }
    let t = crate::exec::composite_ddl::attribute_type(txn, path, ty)?;
    if collation.is_some() && !t.is_string_family() {
        return Err(EngineError::new(
            SqlState::DatatypeMismatch,
            format!("collations are not supported by type {}", t.display_name()),
        ));
    }
    Ok(t)
}

/// Runs `ALTER TYPE ... ATTRIBUTE ...`; returns the notices.
pub fn alter_attributes<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    stmt: &AlterAttributes,
    interrupt: &mut Interrupt,
) -> Result<Vec<String>> {
    let (schema, n) = user_type::existing_type_parts(txn, path, &stmt.name)?;
    let Some(old) = composite_type::lookup_composite(txn, &schema, &n)? else {
        // PostgreSQL looks the name up as a relation (of kind `c`).
        if let Ok(catalog::Relation::Table(_)) = catalog::resolve_relation(txn, path, &stmt.name) {
            return Err(EngineError::new(
                SqlState::WrongObjectType,
                format!("\"{n}\" is not a composite type"),
            ));
        }
        return Err(EngineError::new(
            SqlState::UndefinedTable,
            format!("relation \"{n}\" does not exist"),
        ));
    };
    let users = composite_type::tables_using(txn, old.oid)?;
    let mut def = old.clone();
    let mut notices = Vec::new();
    // For each attribute of the new definition, its position in the old
    // one (`None`: added).
    let mut from: Vec<Option<usize>> = (0..old.attrs.len()).map(Some).collect();
    for action in &stmt.actions {
        match action {
            AttrAction::Add(name, ty, coll) => {
                let name = ident_name(name);
                if def.position(&name).is_some() {
                    return Err(attr_exists(&def, &name));
                }
                let ty = attr_type(txn, path, &def, ty, coll.as_ref())?;
                crate::exec::ddl::refuse_pseudo_type(&name, ty)?;
                def.attrs.push(CompositeAttr { name, ty });
                from.push(None);
            }
            AttrAction::Drop(name, if_exists) => {
                let name = ident_name(name);
                match def.position(&name) {
                    Some(p) => {
                        def.attrs.remove(p);
                        from.remove(p);
                    }
                    None if *if_exists => notices.push(format!(
                        "column \"{name}\" of relation \"{}\" does not exist, skipping",
                        def.name
                    )),
                    None => return Err(no_attr(&def, &name)),
                }
            }
            AttrAction::Type(name, ty, coll) => {
                let name = ident_name(name);
                let p = def.position(&name).ok_or_else(|| no_attr(&def, &name))?;
                let ty = attr_type(txn, path, &def, ty, coll.as_ref())?;
                crate::exec::ddl::refuse_pseudo_type(&name, ty)?;
                if let Some((t, c)) = users.iter().find_map(|t| {
                    t.visible_columns()
                        .find(|(_, c)| matches!(c.ty, SqlType::Composite(d) if d.oid == old.oid))
                        .map(|(_, c)| (t, c))
                }) {
                    return Err(EngineError::new(
                        SqlState::FeatureNotSupported,
                        format!(
                            "cannot alter type \"{}\" because column \"{}.{}\" uses it",
                            def.name, t.name, c.name
                        ),
                    ));
                }
                def.attrs[p].ty = ty;
            }
            AttrAction::Rename(a, b) => {
                let (a, b) = (ident_name(a), ident_name(b));
                let p = def.position(&a).ok_or_else(|| {
                    EngineError::new(
                        SqlState::UndefinedColumn,
                        format!("column \"{a}\" does not exist"),
                    )
                })?;
                if def.position(&b).is_some() {
                    return Err(attr_exists(&def, &b));
                }
                def.attrs[p].name = b;
            }
        }
    }
    composite_type::put_composite(txn, &def)?;
    let reshaped =
        from.len() != old.attrs.len() || from.iter().enumerate().any(|(i, f)| *f != Some(i));
    if reshaped {
        for t in &users {
            rewrite_values(txn, t, &old, &from, interrupt)?;
        }
    }
    composite_type::refresh_tables(txn, &def)?;
    Ok(notices)
}

/// A row value of the old definition `old` as a value of the new one
/// (`from`: each new attribute's old position).
fn reshape(old: &CompositeDef, from: &[Option<usize>], text: &str) -> Result<String> {
    let fields = composite::split(text, old.attrs.len())?;
    let mut out = String::from("(");
    for (i, f) in from.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if let Some(Some(s)) = f.map(|p| fields[p].as_deref()) {
            composite::write_field(&mut out, Some(s));
        }
    }
    out.push(')');
    Ok(out)
}

/// Rewrites the values of `table`'s columns of type `old` as values of
/// the reshaped type.
fn rewrite_values<T: Transaction>(
    txn: &mut T,
    table: &TableDesc,
    old: &CompositeDef,
    from: &[Option<usize>],
    interrupt: &mut Interrupt,
) -> Result<()> {
    let uses = |ty: &SqlType| matches!(ty, SqlType::Composite(d) if d.oid == old.oid);
    let positions: Vec<usize> = table
        .visible_columns()
        .filter(|(_, c)| uses(&c.ty))
        .map(|(p, _)| p)
        .collect();
    let indexed = table.indexes.iter().any(|ix| {
        ix.columns
            .iter()
            .any(|ic| ic.expr.is_some() || positions.contains(&ic.column))
    });
    if indexed {
        return Err(EngineError::unsupported(
            "adding or dropping an attribute of a composite type an indexed column uses",
        ));
    }
    let mut t = table.clone();
    let mut changed_missing = false;
    for &p in &positions {
        if let Some(Value::Text(m)) = &t.columns[p].missing {
            t.columns[p].missing = Some(Value::Text(reshape(old, from, m)?));
            changed_missing = true;
        }
    }
    if changed_missing {
        catalog::update_table(txn, &t)?;
    }
    crate::exec::row::rewrite_rows(txn, table, interrupt, |_, row| {
        for &p in &positions {
            if let Some(Value::Text(s)) = row.get(p) {
                let new = reshape(old, from, s)?;
                row[p] = Value::Text(new);
            }
        }
        Ok(())
    })
}
