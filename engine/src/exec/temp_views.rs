//! Temporary views: CREATE TEMP VIEW, and views made temporary because
//! their query reads a temporary relation.
//!
//! A temporary view is an ordinary view descriptor in the session's temp
//! schema (`pg_temp_<n>`, see [`crate::catalog::temp`]): only the session
//! resolves it, it reads its session's temp relations through the schema
//! it recorded for each name (the binder resolves those along the
//! session's own path), and the session drops it when it ends, with its
//! temp tables ([`crate::catalog::temp::drop_temp_tables`]).

use rocksgres_storage::Transaction;
use sqlparser::ast;

use crate::catalog::temp::{self, SearchPath};
use crate::error::{EngineError, Result, SqlState};

/// The schema a new view `name` goes to: `schema` (from its name and the
/// path; `temporary` when that is the temp schema), or the session's temp
/// schema when the query reads a temporary relation (`reads_temp`) and the
/// name is unqualified, with PostgreSQL's NOTICE. A view qualified with a
/// permanent schema that reads a temporary relation fails (42P16).
pub fn view_schema<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    written: &ast::ObjectName,
    schema: String,
    name: &str,
    temporary: bool,
    reads_temp: bool,
) -> Result<(String, Vec<String>)> {
    if temporary {
        temp::ensure_namespace(txn, &schema)?;
        return Ok((schema, Vec::new()));
    }
    if !reads_temp {
        return Ok((schema, Vec::new()));
    }
    if temp::name_parts(written)?.0.is_some() {
        return Err(EngineError::new(
            SqlState::InvalidTableDefinition,
            "cannot create temporary relation in non-temporary schema",
        ));
    }
    let Some(temp_schema) = path.temp_schema() else {
        return Err(EngineError::unsupported("temporary relations here"));
    };
    let temp_schema = temp_schema.to_string();
    temp::ensure_namespace(txn, &temp_schema)?;
    Ok((
        temp_schema,
        vec![format!("view \"{name}\" will be a temporary view")],
    ))
}
