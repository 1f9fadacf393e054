//! CREATE VIEW, DROP VIEW, and the dependency rules DROP TABLE follows
//! (refuse with 2BP01 unless CASCADE, which drops the dependent views).
//! Views live in any schema and read relations of any schema; they find
//! the relations they read through [`ViewDesc::depends_on`] (see
//! [`crate::catalog::view`]).

use rocksgres_storage::Transaction;
use sqlparser::ast;

use crate::catalog::temp::{self, PathEntry, SearchPath};
use crate::catalog::{self, ViewDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::dependents::{cascade_notice, still_exist};
use crate::exec::schema_ddl::rel_name;

/// Stores a view; `replace` is CREATE OR REPLACE (columns may only be
/// appended, as in PostgreSQL).
pub fn create_view<T: Transaction>(txn: &mut T, mut view: ViewDesc, replace: bool) -> Result<()> {
    if catalog::lookup_table(txn, &view.schema, &view.name)?.is_some()
        || catalog::sequence::lookup_sequence(txn, &view.schema, &view.name)?.is_some()
        || catalog::index_owner(txn, &view.schema, &view.name)?.is_some()
    {
        return Err(EngineError::new(
            SqlState::DuplicateTable,
            format!("relation \"{}\" already exists", view.name),
        ));
    }
    if let Some(old) = catalog::lookup_view(txn, &view.schema, &view.name)? {
        if !replace {
            return Err(EngineError::new(
                SqlState::DuplicateTable,
                format!("relation \"{}\" already exists", view.name),
            ));
        }
        // A replaced view keeps its identity.
        view.oid = old.oid;
        if view.columns.len() < old.columns.len() {
            return Err(EngineError::new(
                SqlState::InvalidTableDefinition,
                "cannot drop columns from view",
            ));
        }
        for (new, old) in view.columns.iter().zip(&old.columns) {
            if new != old {
                return Err(EngineError::new(
                    SqlState::InvalidTableDefinition,
                    format!("cannot change name of view column \"{old}\" to \"{new}\""),
                )
                .with_hint(
                    "Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.",
                ));
            }
        }
    }
    catalog::put_view(txn, &view)
}

/// Views that read the relation of [`catalog::view::dep_key`] `key`, in
/// object-id order.
pub fn dependents<T: Transaction>(txn: &mut T, key: &str) -> Result<Vec<ViewDesc>> {
    let mut out: Vec<ViewDesc> = catalog::all_views(txn)?
        .into_iter()
        .filter(|v| v.depends_on.iter().any(|d| d == key))
        .collect();
    out.sort_by_key(|v| v.oid);
    Ok(out)
}

/// One view that goes with a dropped object: the view, how a report
/// names it (`view s.v`) and what it depends on (`table s.t`).
pub struct Dependent {
    /// The view.
    pub view: ViewDesc,
    /// `view <name>`, qualified unless visible.
    pub what: String,
    /// The object it depends on, as the report names it.
    pub on: String,
}

/// The views that depend, directly or through other views, on the
/// relation `schema.name` (reported as `<kind> <name>`), in PostgreSQL's
/// depth-first order, skipping the [`catalog::view::dep_key`]s in `skip`
/// (objects being dropped anyway) and adding the keys found to it. Each
/// view is visited once, so dependency cycles (views made cyclic by
/// CREATE OR REPLACE, as PostgreSQL allows) end.
pub fn collect_dependents<T: Transaction>(
    txn: &mut T,
    visible: &[PathEntry],
    kind: &str,
    schema: &str,
    name: &str,
    skip: &mut Vec<String>,
    out: &mut Vec<Dependent>,
) -> Result<()> {
    let on = format!("{kind} {}", rel_name(visible, schema, name));
    for v in dependents(txn, &catalog::view::dep_key(schema, name))? {
        let key = v.dep_key();
        if skip.contains(&key) {
            continue;
        }
        skip.push(key);
        let (vschema, vname) = (v.schema.clone(), v.name.clone());
        out.push(Dependent {
            what: format!("view {}", rel_name(visible, &vschema, &vname)),
            on: on.clone(),
            view: v,
        });
        crate::sql::depth::guard(|| {
            collect_dependents(txn, visible, "view", &vschema, &vname, skip, out)
        })?;
    }
    Ok(())
}

/// Handles the views that depend on relation `schema.name` (a `kind`)
/// before it is dropped: 2BP01 listing them without CASCADE, else drops
/// them and returns the NOTICE.
pub fn drop_dependents<T: Transaction>(
    txn: &mut T,
    visible: &[PathEntry],
    kind: &str,
    schema: &str,
    name: &str,
    cascade: bool,
) -> Result<Vec<String>> {
    let mut skip = vec![catalog::view::dep_key(schema, name)];
    drop_dependents_skipping(txn, visible, kind, schema, name, cascade, &mut skip)
}

/// [`drop_dependents`], leaving alone the views in `skip` (being dropped
/// by the same statement).
fn drop_dependents_skipping<T: Transaction>(
    txn: &mut T,
    visible: &[PathEntry],
    kind: &str,
    schema: &str,
    name: &str,
    cascade: bool,
    skip: &mut Vec<String>,
) -> Result<Vec<String>> {
    let mut deps = Vec::new();
    collect_dependents(txn, visible, kind, schema, name, skip, &mut deps)?;
    if deps.is_empty() {
        return Ok(Vec::new());
    }
    if !cascade {
        let lines: Vec<String> = deps
            .iter()
            .map(|d| format!("{} depends on {}", d.what, d.on))
            .collect();
        return Err(still_exist(
            &format!("{kind} {}", rel_name(visible, schema, name)),
            &lines,
        ));
    }
    for d in &deps {
        catalog::drop_view(txn, &d.view)?;
    }
    let lines: Vec<String> = deps.into_iter().map(|d| d.what).collect();
    Ok(cascade_notice(&lines).into_iter().collect())
}

/// DROP VIEW [IF EXISTS] ... [CASCADE]; returns notices.
pub fn drop_views<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    names: &[ast::ObjectName],
    if_exists: bool,
    cascade: bool,
) -> Result<Vec<String>> {
    let mut notices = Vec::new();
    let mut found = Vec::new();
    for n in names {
        // The relation of that name, whatever its kind (then 42809 unless
        // a view), as PostgreSQL's lookup does.
        let resolved = temp::existing_schema(txn, path, n, None, |txn, s, n| {
            Ok(crate::exec::ddl::other_relation(txn, s, n)?.is_some())
        });
        let (schema, name) = match resolved {
            Err(e) if if_exists && e.state == SqlState::InvalidSchemaName => {
                let (schema, _) = temp::name_parts(n)?;
                notices.push(format!(
                    "schema \"{}\" does not exist, skipping",
                    schema.unwrap_or_default()
                ));
                continue;
            }
            r => r?,
        };
        match catalog::lookup_view(txn, &schema, &name)? {
            Some(v) => found.push(v),
            None => {
                if let Some(other) = crate::exec::ddl::other_relation(txn, &schema, &name)? {
                    let hint = match other {
                        None => "Use DROP TABLE to remove a table.",
                        Some(k) => k.drop_hint(),
                    };
                    return Err(EngineError::new(
                        SqlState::WrongObjectType,
                        format!("\"{name}\" is not a view"),
                    )
                    .with_hint(hint));
                }
                if if_exists {
                    notices.push(format!("view \"{name}\" does not exist, skipping"));
                } else {
                    return Err(EngineError::new(
                        SqlState::UndefinedTable,
                        format!("view \"{name}\" does not exist"),
                    ));
                }
            }
        }
    }
    let visible = path.entries(txn)?;
    let mut skip: Vec<String> = found.iter().map(ViewDesc::dep_key).collect();
    for v in &found {
        notices.extend(drop_dependents_skipping(
            txn, &visible, "view", &v.schema, &v.name, cascade, &mut skip,
        )?);
        catalog::drop_view(txn, v)?;
    }
    Ok(notices)
}

/// 0A000 when views read relation `schema.name`: they name it in their
/// text, so `what` (renaming or moving it) would break them.
pub fn refuse_if_read<T: Transaction>(
    txn: &mut T,
    schema: &str,
    name: &str,
    what: &str,
) -> Result<()> {
    if dependents(txn, &catalog::view::dep_key(schema, name))?.is_empty() {
        Ok(())
    } else {
        Err(EngineError::unsupported(format!("{what} that views read")))
    }
}

/// `ALTER VIEW [IF EXISTS] name <one action>` (rewritten to an ALTER
/// TABLE by [`crate::sql::alter_owner`]): 42809 unless `name` is a view,
/// then the action as ALTER TABLE does it on a view.
pub fn alter_view<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    at: &ast::AlterTable,
) -> Result<Vec<String>> {
    let (schema, name) = temp::existing_schema(txn, path, &at.name, Some("alter"), |txn, s, n| {
        catalog::relation_exists(txn, s, n)
    })?;
    if !catalog::relation_exists(txn, &schema, &name)? {
        if at.if_exists {
            return Ok(vec![format!(
                "relation \"{name}\" does not exist, skipping"
            )]);
        }
        let written = match temp::name_parts(&at.name)? {
            (Some(s), n) => format!("{s}.{n}"),
            (None, n) => n,
        };
        return Err(EngineError::new(
            SqlState::UndefinedTable,
            format!("relation \"{written}\" does not exist"),
        ));
    }
    if catalog::lookup_view(txn, &schema, &name)?.is_none() {
        return Err(EngineError::new(
            SqlState::WrongObjectType,
            format!("\"{name}\" is not a view"),
        ));
    }
    crate::exec::alter::alter_view_relation(txn, path, at, &schema, &name)
}

/// Moves `view` to schema `to` (`ALTER VIEW ... SET SCHEMA`).
pub fn move_view<T: Transaction>(txn: &mut T, view: &ViewDesc, to: &str) -> Result<()> {
    crate::exec::schema_ddl::target_schema(txn, to)?;
    if view.schema == to {
        return Ok(());
    }
    if catalog::relation_exists(txn, to, &view.name)? {
        return Err(crate::exec::schema_ddl::taken_in(&view.name, to));
    }
    crate::exec::view_rename::follow(
        txn,
        crate::exec::view_rename::Rename::Relation {
            schema: &view.schema,
            name: &view.name,
            to_schema: to,
            to_name: &view.name,
        },
    )?;
    catalog::drop_view(txn, view)?;
    let mut moved = view.clone();
    moved.schema = to.to_string();
    catalog::put_view(txn, &moved)
}

/// Renames `view` to `new` (`ALTER VIEW|TABLE ... RENAME TO`).
pub fn rename_view<T: Transaction>(txn: &mut T, view: &ViewDesc, new: &str) -> Result<()> {
    if catalog::relation_exists(txn, &view.schema, new)? {
        return Err(EngineError::new(
            SqlState::DuplicateTable,
            format!("relation \"{new}\" already exists"),
        ));
    }
    crate::exec::view_rename::follow(
        txn,
        crate::exec::view_rename::Rename::Relation {
            schema: &view.schema,
            name: &view.name,
            to_schema: &view.schema,
            to_name: new,
        },
    )?;
    catalog::drop_view(txn, view)?;
    let mut renamed = view.clone();
    renamed.name = new.to_string();
    catalog::put_view(txn, &renamed)
}

/// Renames output column `old` of `view` to `new` (`ALTER VIEW ... RENAME
/// COLUMN`).
pub fn rename_view_column<T: Transaction>(
    txn: &mut T,
    view: &ViewDesc,
    old: &str,
    new: &str,
) -> Result<()> {
    let Some(pos) = view.columns.iter().position(|c| c == old) else {
        return Err(EngineError::new(
            SqlState::UndefinedColumn,
            format!("column \"{old}\" does not exist"),
        ));
    };
    if view.columns.iter().any(|c| c == new) {
        return Err(EngineError::new(
            SqlState::DuplicateColumn,
            format!(
                "column \"{new}\" of relation \"{}\" already exists",
                view.name
            ),
        ));
    }
    crate::exec::view_rename::follow(
        txn,
        crate::exec::view_rename::Rename::Column {
            schema: &view.schema,
            relation: &view.name,
            old,
            new,
        },
    )?;
    let mut renamed = view.clone();
    renamed.columns[pos] = new.to_string();
    catalog::put_view(txn, &renamed)
}
