//! `FETCH FIRST n ROWS WITH TIES`: the limit also passes the rows after
//! the n-th that equal it on the ORDER BY keys.
//!
//! The limit node carries the ORDER BY keys as expressions over its input
//! row ([`Node::Limit`]'s `ties`). A SELECT whose ORDER BY reads columns
//! it does not output sorts on hidden columns its plan projects away on
//! top; the limit then goes below that projection, where the keys are
//! still there. Execution is in [`crate::exec::ties`].

use sqlparser::ast;

use crate::error::{EngineError, Result, SqlState};
use crate::plan::bind::Binder;
use crate::plan::expr::Expr;
use crate::plan::node::Node;

/// PostgreSQL's checks of a query with `WITH TIES`: it needs ORDER BY,
/// excludes SKIP LOCKED, and its row count is not a NULL literal.
pub(crate) fn check_ties(q: &ast::Query) -> Result<()> {
    if q.order_by.is_none() {
        return Err(EngineError::new(
            SqlState::SyntaxError,
            "WITH TIES cannot be specified without ORDER BY clause",
        ));
    }
    if q.locks
        .iter()
        .any(|l| matches!(l.nonblock, Some(ast::NonBlock::SkipLocked)))
    {
        return Err(EngineError::new(
            SqlState::SyntaxError,
            "SKIP LOCKED and WITH TIES options cannot be used together",
        ));
    }
    let mut count = q.fetch.as_ref().and_then(|f| f.quantity.as_ref());
    while let Some(ast::Expr::Nested(inner)) = count {
        count = Some(inner);
    }
    if let Some(ast::Expr::Value(v)) = count {
        if matches!(v.value, ast::Value::Null) {
            return Err(EngineError::new(
                SqlState::InvalidRowCountInLimitClause,
                "row count cannot be null in FETCH FIRST ... WITH TIES clause",
            ));
        }
    }
    Ok(())
}

/// `node` under a `WITH TIES` limit on `keys` (over the rows below the
/// projection of hidden sort columns when `trimmed`).
pub(crate) fn with_ties(
    binder: &mut Binder<'_>,
    node: Node,
    limit: Option<&ast::Expr>,
    offset: Option<&ast::Expr>,
    keys: Vec<Expr>,
    trimmed: bool,
) -> Result<Node> {
    match node {
        Node::Project {
            input,
            exprs,
            columns,
        } if trimmed => Ok(Node::Project {
            input: Box::new(binder.with_limit(*input, limit, offset, Some(keys))?),
            exprs,
            columns,
        }),
        node => binder.with_limit(node, limit, offset, Some(keys)),
    }
}
