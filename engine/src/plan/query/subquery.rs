//! Subqueries inside expressions: `EXISTS`, `IN (subquery)`, scalar
//! subqueries and `op ANY/ALL (subquery)`. Each is planned as a plan of
//! its own ([`Subquery`]) with the enclosing scope pushed on the binder's
//! outer stack, so a correlated column becomes an [`Expr::Outer`] read
//! from the enclosing row when the subquery runs. The executor decides
//! how to run each one (a hashed `IN` set, a semi join, or once per row).

use std::sync::Arc;

use sqlparser::ast;

use crate::error::{EngineError, Result, SqlState};
use crate::plan::bind::{Binder, Scope};
use crate::plan::expr::{Expr, Subquery, SubqueryKind};
use crate::types::{CastKind, SqlType};

impl Binder<'_> {
    /// Plans a subquery used in an expression over `scope`.
    pub(crate) fn bind_subquery(
        &mut self,
        q: &ast::Query,
        kind: SubqueryKind,
        scope: &Scope,
    ) -> Result<Expr> {
        self.outer.push(scope.clone());
        self.correlated.push(false);
        let saved_agg = self.agg.take();
        let saved_no = self.no_aggs.take();
        let plan = self.plan_query(q);
        self.agg = saved_agg;
        self.no_aggs = saved_no;
        let correlated = self.correlated.pop().unwrap_or(false);
        self.outer.pop();
        let plan = plan?;
        let cols = plan.columns();
        let ty = match &kind {
            SubqueryKind::Scalar | SubqueryKind::In(..) => {
                if cols.len() != 1 {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        "subquery must return only one column",
                    ));
                }
                if matches!(kind, SubqueryKind::Scalar) {
                    cols[0].ty
                } else {
                    SqlType::Bool
                }
            }
            SubqueryKind::Array => {
                if cols.len() != 1 {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        "subquery must return only one column",
                    ));
                }
                cols[0].ty.array_of().ok_or_else(|| {
                    EngineError::new(
                        SqlState::UndefinedObject,
                        format!(
                            "could not find array type for data type {}",
                            cols[0].ty.display_name()
                        ),
                    )
                })?
            }
            // A row sublink's column count is checked by its binder.
            SubqueryKind::Row(_) => SqlType::Bool,
            SubqueryKind::Exists | SubqueryKind::Quantified(..) => {
                if matches!(kind, SubqueryKind::Quantified(..)) && cols.len() != 1 {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        "subquery has too many columns",
                    ));
                }
                SqlType::Bool
            }
        };
        let id = self.next_subquery;
        self.next_subquery += 1;
        Ok(Expr::Subquery(Box::new(Subquery {
            plan: Arc::new(plan),
            kind,
            correlated,
            id,
            ty,
        })))
    }

    /// Plans `probe op ANY/ALL (subquery)`.
    pub(crate) fn bind_quantified(
        &mut self,
        probe: Expr,
        op: crate::types::BinaryOp,
        all: bool,
        q: &ast::Query,
        scope: &Scope,
    ) -> Result<Expr> {
        // Plan once to learn the column type, then build the comparison.
        let placeholder =
            crate::types::resolve_binary_op(op, &SqlType::Unknown, &SqlType::Unknown)?;
        let sq = self.bind_subquery(
            q,
            SubqueryKind::Quantified(probe.clone(), placeholder, all),
            scope,
        )?;
        let Expr::Subquery(mut s) = sq else {
            return Ok(sq);
        };
        let col = s
            .plan
            .columns()
            .first()
            .map(|c| c.ty)
            .unwrap_or(SqlType::Text);
        let sig = crate::types::resolve_binary_op(op, &probe.ty(), &col)?;
        let probe = self.coerce(probe, sig.left, CastKind::Implicit)?;
        s.kind = SubqueryKind::Quantified(probe, sig, all);
        Ok(Expr::Subquery(s))
    }
}
