//! CREATE VIEW, DROP VIEW, and the dependency rules DROP TABLE follows
//! (refuse with 2BP01 unless CASCADE, which drops the dependent views).

use rocksgres_storage::Transaction;

use crate::catalog::{self, ViewDesc, DEFAULT_SCHEMA};
use crate::error::{EngineError, Result, SqlState};

/// Stores a view; `replace` is CREATE OR REPLACE (columns may only be
/// appended, as in PostgreSQL).
pub fn create_view<T: Transaction>(txn: &mut T, mut view: ViewDesc, replace: bool) -> Result<()> {
    if catalog::lookup_table(txn, DEFAULT_SCHEMA, &view.name)?.is_some()
        || catalog::sequence::lookup_sequence(txn, DEFAULT_SCHEMA, &view.name)?.is_some()
    {
        return Err(EngineError::new(
            SqlState::DuplicateTable,
            format!("relation \"{}\" already exists", view.name),
        ));
    }
    if let Some(old) = catalog::lookup_view(txn, DEFAULT_SCHEMA, &view.name)? {
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

/// Views that read relation `name`.
pub fn dependents<T: Transaction>(txn: &mut T, name: &str) -> Result<Vec<ViewDesc>> {
    Ok(catalog::all_views(txn)?
        .into_iter()
        .filter(|v| v.depends_on.iter().any(|d| d == name))
        .collect())
}

/// Handles the views that depend on `name` before it is dropped: an error
/// without CASCADE, else drops them (recursively) and returns notices.
/// Each view is visited once, so dependency cycles (views made cyclic by
/// CREATE OR REPLACE, as PostgreSQL allows) end.
pub fn drop_dependents<T: Transaction>(
    txn: &mut T,
    kind: &str,
    name: &str,
    cascade: bool,
) -> Result<Vec<String>> {
    let mut dropping = vec![name.to_string()];
    drop_dependents_of(txn, kind, name, cascade, &mut dropping)
}

/// [`drop_dependents`], skipping the views in `dropping` (being dropped).
fn drop_dependents_of<T: Transaction>(
    txn: &mut T,
    kind: &str,
    name: &str,
    cascade: bool,
    dropping: &mut Vec<String>,
) -> Result<Vec<String>> {
    let deps: Vec<ViewDesc> = dependents(txn, name)?
        .into_iter()
        .filter(|v| !dropping.contains(&v.name))
        .collect();
    if deps.is_empty() {
        return Ok(Vec::new());
    }
    if !cascade {
        let detail = deps
            .iter()
            .map(|v| format!("view {} depends on {kind} {name}", v.name))
            .collect::<Vec<_>>()
            .join("\n");
        return Err(EngineError::new(
            SqlState::DependentObjectsStillExist,
            format!("cannot drop {kind} {name} because other objects depend on it"),
        )
        .with_detail(detail)
        .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
    }
    let mut notices = Vec::new();
    for v in deps {
        if dropping.contains(&v.name) {
            continue;
        }
        dropping.push(v.name.clone());
        let inner =
            crate::sql::depth::guard(|| drop_dependents_of(txn, "view", &v.name, true, dropping))?;
        notices.extend(inner);
        catalog::drop_view(txn, &v)?;
        notices.push(format!("drop cascades to view {}", v.name));
    }
    Ok(notices)
}

/// DROP VIEW [IF EXISTS] ... [CASCADE]; returns notices.
pub fn drop_views<T: Transaction>(
    txn: &mut T,
    names: &[String],
    if_exists: bool,
    cascade: bool,
) -> Result<Vec<String>> {
    let mut notices = Vec::new();
    for name in names {
        match catalog::lookup_view(txn, DEFAULT_SCHEMA, name)? {
            Some(v) => {
                notices.extend(drop_dependents(txn, "view", name, cascade)?);
                catalog::drop_view(txn, &v)?;
            }
            None if if_exists => notices.push(format!("view \"{name}\" does not exist, skipping")),
            None => {
                return Err(EngineError::new(
                    SqlState::UndefinedTable,
                    format!("view \"{name}\" does not exist"),
                ))
            }
        }
    }
    Ok(notices)
}
