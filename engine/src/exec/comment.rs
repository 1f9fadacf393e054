//! `COMMENT ON { TABLE | COLUMN | INDEX | SEQUENCE | VIEW | SCHEMA |
//! CONSTRAINT ... ON } name IS 'text' | NULL`.
//!
//! The object is resolved as PostgreSQL's `get_object_address` does (with
//! its errors: 42P01, 42809 for a relation of the wrong kind, 42703, 42704,
//! 3F000) and the comment is stored in [`catalog::description`]; an empty
//! text removes it, as NULL does. Kinds of objects the engine does not
//! have (functions, types, roles, databases, ...) fail with 0A000.

use rocksgres_storage::Transaction;
use sqlparser::ast::{self, CommentObject};

use crate::catalog::description::{self, PG_CLASS, PG_CONSTRAINT, PG_NAMESPACE};
use crate::catalog::{self, temp, SearchPath};
use crate::error::{EngineError, Result, SqlState};
use crate::sql::comment::CONSTRAINT_MARKER;
use crate::sql::identifiers::ident_name;

/// A relation found by name, whatever its kind.
enum Found {
    Table(catalog::TableDesc),
    View(catalog::ViewDesc),
    Index(u32),
    Sequence(u32),
}

fn wrong_kind(name: &str, what: &str) -> EngineError {
    EngineError::new(
        SqlState::WrongObjectType,
        format!("\"{name}\" is not {what}"),
    )
}

/// The relation `name` (tables, views, indexes, sequences), 42P01 when
/// there is none.
fn relation<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    name: &ast::ObjectName,
) -> Result<(String, Found)> {
    let (schema, n) = temp::existing_schema(txn, path, name, Some("comment on"), |txn, s, n| {
        catalog::relation_exists(txn, s, n)
    })?;
    if let Some(t) = catalog::lookup_table(txn, &schema, &n)? {
        return Ok((n, Found::Table(t)));
    }
    if let Some(v) = catalog::lookup_view(txn, &schema, &n)? {
        return Ok((n, Found::View(v)));
    }
    if let Some(s) = catalog::sequence::lookup_sequence(txn, &schema, &n)? {
        return Ok((n, Found::Sequence(s.oid)));
    }
    if let Some(t) = catalog::index_owner(txn, &schema, &n)? {
        if let Some(ix) = t.named_indexes().find(|ix| ix.name == n) {
            return Ok((n, Found::Index(ix.oid)));
        }
    }
    if matches!(name.0.len(), 2) {
        let (s, _) = temp::name_parts(name)?;
        if matches!(s.as_deref(), Some("pg_catalog" | "information_schema")) {
            return Err(EngineError::unsupported("COMMENT ON a system catalog"));
        }
    }
    Err(EngineError::new(
        SqlState::UndefinedTable,
        format!("relation \"{n}\" does not exist"),
    ))
}

/// COMMENT ON ...; `comment` `None` (or empty) removes the comment.
pub fn comment_on<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    object_type: &CommentObject,
    object_name: &ast::ObjectName,
    comment: Option<&str>,
    if_exists: bool,
) -> Result<()> {
    if if_exists {
        return Err(EngineError::new(
            SqlState::SyntaxError,
            "syntax error at or near \"EXISTS\"",
        ));
    }
    let text = comment.filter(|t| !t.is_empty());
    let (objoid, classoid, subid) = match object_type {
        CommentObject::Table
        | CommentObject::Index
        | CommentObject::Sequence
        | CommentObject::View => {
            let (name, found) = relation(txn, path, object_name)?;
            let oid = match (object_type, found) {
                (CommentObject::Table, Found::Table(t)) => t.id,
                (CommentObject::Table, _) => return Err(wrong_kind(&name, "a table")),
                (CommentObject::View, Found::View(v)) => v.oid,
                (CommentObject::View, _) => return Err(wrong_kind(&name, "a view")),
                (CommentObject::Index, Found::Index(oid)) => oid,
                (CommentObject::Index, _) => return Err(wrong_kind(&name, "an index")),
                (_, Found::Sequence(oid)) => oid,
                _ => return Err(wrong_kind(&name, "a sequence")),
            };
            (oid, PG_CLASS, 0)
        }
        CommentObject::Column => {
            let Some((column, rel)) = object_name.0.split_last() else {
                return Err(EngineError::internal("empty column name"));
            };
            if rel.is_empty() {
                return Err(EngineError::new(
                    SqlState::SyntaxError,
                    "column name must be qualified",
                ));
            }
            let column = column.as_ident().map(ident_name).unwrap_or_default();
            let rel = ast::ObjectName(rel.to_vec());
            let (name, found) = relation(txn, path, &rel)?;
            let columns: Vec<String> = match &found {
                Found::Table(t) => t
                    .columns
                    .iter()
                    .map(|c| {
                        if c.dropped {
                            String::new()
                        } else {
                            c.name.clone()
                        }
                    })
                    .collect(),
                Found::View(v) => v.columns.clone(),
                Found::Index(_) | Found::Sequence(_) => {
                    return Err(EngineError::unsupported(
                        "COMMENT ON COLUMN of an index or a sequence",
                    ))
                }
            };
            let Some(pos) = columns.iter().position(|c| *c == column) else {
                return Err(EngineError::new(
                    SqlState::UndefinedColumn,
                    format!("column \"{column}\" of relation \"{name}\" does not exist"),
                ));
            };
            let oid = match found {
                Found::Table(t) => t.id,
                Found::View(v) => v.oid,
                Found::Index(oid) | Found::Sequence(oid) => oid,
            };
            (oid, PG_CLASS, pos as i32 + 1)
        }
        CommentObject::Schema => {
            let [part] = object_name.0.as_slice() else {
                return Err(EngineError::new(
                    SqlState::SyntaxError,
                    "schema name cannot be qualified",
                ));
            };
            let schema = part.as_ident().map(ident_name).unwrap_or_default();
            let oid = match schema.as_str() {
                catalog::DEFAULT_SCHEMA => crate::catalog::system::PUBLIC_OID,
                "pg_catalog" => crate::catalog::system::PG_CATALOG_OID,
                s => match catalog::schema::lookup_schema(txn, s)? {
                    Some(desc) => desc.oid,
                    None => match temp::namespace_oids(txn, s)? {
                        Some((oid, _)) => oid,
                        None => {
                            return Err(EngineError::new(
                                SqlState::InvalidSchemaName,
                                format!("schema \"{s}\" does not exist"),
                            ))
                        }
                    },
                },
            };
            (oid, PG_NAMESPACE, 0)
        }
        // COMMENT ON CONSTRAINT c ON t, rewritten by `sql::comment`.
        CommentObject::Collation
            if object_name
                .0
                .first()
                .and_then(|p| p.as_ident())
                .map(|i| i.value.as_str())
                == Some(CONSTRAINT_MARKER) =>
        {
            let constraint = object_name
                .0
                .get(1)
                .and_then(|p| p.as_ident())
                .map(ident_name)
                .unwrap_or_default();
            let rel = ast::ObjectName(object_name.0[2..].to_vec());
            let (name, found) = relation(txn, path, &rel)?;
            let Found::Table(t) = found else {
                return Err(EngineError::new(
                    SqlState::UndefinedObject,
                    format!("constraint \"{constraint}\" for table \"{name}\" does not exist"),
                ));
            };
            let oid = t
                .indexes
                .iter()
                .filter(|ix| ix.constraint_oid != 0 && !ix.columns.is_empty())
                .find(|ix| ix.name == constraint)
                .map(|ix| ix.constraint_oid)
                .or_else(|| {
                    t.checks
                        .iter()
                        .find(|c| c.name == constraint)
                        .map(|c| c.oid)
                })
                .or_else(|| {
                    t.foreign_keys
                        .iter()
                        .find(|f| f.name == constraint)
                        .map(|f| f.oid)
                })
                .ok_or_else(|| {
                    EngineError::new(
                        SqlState::UndefinedObject,
                        format!("constraint \"{constraint}\" for table \"{name}\" does not exist"),
                    )
                })?;
            (oid, PG_CONSTRAINT, 0)
        }
        other => {
            return Err(EngineError::unsupported(format!(
                "COMMENT ON {}",
                kind_name(other)
            )))
        }
    };
    description::set(txn, objoid, classoid, subid, text)
}

fn kind_name(o: &CommentObject) -> &'static str {
    match o {
        CommentObject::Collation => "COLLATION",
        CommentObject::Database => "DATABASE",
        CommentObject::Domain => "DOMAIN",
        CommentObject::Extension => "EXTENSION",
        CommentObject::Function => "FUNCTION",
        CommentObject::MaterializedView => "MATERIALIZED VIEW",
        CommentObject::Procedure => "PROCEDURE",
        CommentObject::Role => "ROLE",
        CommentObject::Type => "TYPE",
        CommentObject::User => "USER",
        _ => "this object",
    }
}
