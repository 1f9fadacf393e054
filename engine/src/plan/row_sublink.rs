//! Row-valued sublinks: `(a, b) [NOT] IN (SELECT x, y ...)` and
//! `(a, b) op ANY | ALL (SELECT x, y ...)`.
//!
//! PostgreSQL reads `(a, b) IN (SELECT x, y ...)` as `(a, b) = ANY (...)`
//! and `NOT IN` as its negation; each subquery row is compared with the
//! row constructor as a row comparison (not as composite values): `=` is
//! true when every pair is equal, false when some pair of non-NULL fields
//! differs, NULL otherwise; `<>` is its negation; `<`, `<=`, `>`, `>=`
//! compare the pairs left to right up to the first pair that is not
//! equal, and are NULL when that pair holds a NULL. ANY is true when some
//! row's comparison is true, false when every row's is false, NULL
//! otherwise (ALL the other way round).
//!
//! Binding ([`Binder::bind_row_sublink`]) pairs each field of the
//! constructor with a column of the subquery, resolves the operator of
//! every pair as `field op column` would be, casts the fields to the left
//! operand types and projects the subquery's columns cast to the right
//! ones; a subquery with fewer or more columns than the constructor has
//! fields is 42601, as in PostgreSQL. [`compare_rows`] evaluates one row
//! comparison; the executor (`crate::exec::subquery`) folds it over the
//! subquery's rows, and a WHERE conjunct `(a, b) IN (SELECT ...)` over an
//! uncorrelated subquery becomes a semi join on every pair (see
//! `crate::plan::join_plan`).

use std::sync::Arc;

use sqlparser::ast::{self as ast, Expr as AstExpr};

use super::bind::{Binder, Scope};
use super::expr::{Expr, SubqueryKind};
use super::node::Node;
use crate::error::{EngineError, Result, SqlState};
use crate::types::{resolve_binary_op, BinaryOp, BinaryOpSig, CastKind, SqlType, Value};

/// A bound row-valued sublink (the subquery itself is the
/// [`super::expr::Subquery`] that holds it).
#[derive(Debug, Clone)]
pub struct RowSublink {
    /// The constructor's fields, each cast to its pair's left operand type.
    pub probes: Vec<Expr>,
    /// Each pair's `=` (every comparison tests the pairs for equality).
    pub eq: Vec<BinaryOpSig>,
    /// Each pair's operator (the same as `eq` for `=`).
    pub op: Vec<BinaryOpSig>,
    /// ALL (else ANY).
    pub all: bool,
}

impl RowSublink {
    /// The comparison operator.
    pub fn operator(&self) -> Option<BinaryOp> {
        self.op.first().map(|s| s.op)
    }
}

impl Binder<'_> {
    /// Binds `(items) op ANY|ALL (q)` (IN is `= ANY`); the caller negates
    /// it for NOT IN.
    pub(crate) fn bind_row_sublink(
        &mut self,
        items: &[&AstExpr],
        op: BinaryOp,
        all: bool,
        q: &ast::Query,
        scope: &Scope,
    ) -> Result<Expr> {
        if !matches!(
            op,
            BinaryOp::Eq
                | BinaryOp::NotEq
                | BinaryOp::Lt
                | BinaryOp::LtEq
                | BinaryOp::Gt
                | BinaryOp::GtEq
        ) {
            return Err(EngineError::new(
                SqlState::UndefinedFunction,
                format!(
                    "could not determine interpretation of row comparison operator {}",
                    op.symbol()
                ),
            ));
        }
        let mut fields = Vec::with_capacity(items.len());
        for e in items {
            fields.push(self.bind(e, scope)?);
        }
        let placeholder = RowSublink {
            probes: fields.clone(),
            eq: Vec::new(),
            op: Vec::new(),
            all,
        };
        let sq = self.bind_subquery(q, SubqueryKind::Row(placeholder), scope)?;
        let Expr::Subquery(mut s) = sq else {
            return Ok(sq);
        };
        let columns = s.plan.columns();
        if columns.len() != fields.len() {
            return Err(EngineError::new(
                SqlState::SyntaxError,
                if columns.len() < fields.len() {
                    "subquery has too few columns"
                } else {
                    "subquery has too many columns"
                },
            ));
        }
        let mut probes = Vec::with_capacity(fields.len());
        let mut eqs = Vec::with_capacity(fields.len());
        let mut ops = Vec::with_capacity(fields.len());
        let mut exprs = Vec::with_capacity(fields.len());
        let mut out_columns = Vec::with_capacity(fields.len());
        let mut recast = false;
        for (i, (field, col)) in fields.into_iter().zip(&columns).enumerate() {
            // An untyped literal takes its column's type, as in
            // PostgreSQL (`(1, 'a') IN (SELECT 1, 2)` fails casting 'a').
            let field = if field.ty() == SqlType::Unknown {
                self.coerce(field, col.ty, CastKind::Implicit)?
            } else {
                field
            };
            let sig = resolve_binary_op(op, &field.ty(), &col.ty)?;
            let eq = if op == BinaryOp::Eq {
                sig
            } else {
                resolve_binary_op(BinaryOp::Eq, &sig.left, &sig.right)?
            };
            probes.push(self.coerce(field, sig.left, CastKind::Implicit)?);
            let column = Expr::Column(i, col.ty);
            let column = if col.ty == sig.right {
                column
            } else {
                recast = true;
                self.coerce(column, sig.right, CastKind::Implicit)?
            };
            exprs.push(column);
            let mut c = col.clone();
            c.ty = sig.right;
            out_columns.push(c);
            eqs.push(eq);
            ops.push(sig);
        }
        if recast {
            s.plan = Arc::new(Node::Project {
                input: Box::new((*s.plan).clone()),
                exprs,
                columns: out_columns,
            });
        }
        s.kind = SubqueryKind::Row(RowSublink {
            probes,
            eq: eqs,
            op: ops,
            all,
        });
        Ok(Expr::Subquery(s))
    }
}

/// One row comparison of `probe` with `row` (the first `probe.len()`
/// values of a subquery row): `Some(result)`, or `None` when it is NULL.
pub fn compare_rows(s: &RowSublink, probe: &[Value], row: &[Value]) -> Result<Option<bool>> {
    let op = s.operator().unwrap_or(BinaryOp::Eq);
    match op {
        BinaryOp::Eq | BinaryOp::NotEq => {
            let mut unknown = false;
            for ((a, b), eq) in probe.iter().zip(row).zip(&s.eq) {
                if a.is_null() || b.is_null() {
                    unknown = true;
                    continue;
                }
                if !truth(eq.eval(a, b)?)?.unwrap_or(false) {
                    return Ok(Some(op == BinaryOp::NotEq));
                }
            }
            Ok(if unknown {
                None
            } else {
                Some(op == BinaryOp::Eq)
            })
        }
        _ => {
            for (((a, b), eq), cmp) in probe.iter().zip(row).zip(&s.eq).zip(&s.op) {
                if a.is_null() || b.is_null() {
                    return Ok(None);
                }
                if truth(eq.eval(a, b)?)? == Some(true) {
                    continue;
                }
                return truth(cmp.eval(a, b)?);
            }
            Ok(Some(matches!(op, BinaryOp::LtEq | BinaryOp::GtEq)))
        }
    }
}

fn truth(v: Value) -> Result<Option<bool>> {
    match v {
        Value::Bool(b) => Ok(Some(b)),
        Value::Null => Ok(None),
        _ => Err(EngineError::internal("row comparison operator not boolean")),
    }
}
