//! Running a statement's data-modifying `WITH` items (see
//! [`crate::plan::cte_dml`]): each runs once, in declaration order,
//! before the statement, and its RETURNING rows are kept in the statement
//! context under the CTE's id, where the CTE's scans replay them (kept in
//! a [`TupleStore`], as the rows of any CTE read more than once are).
//! Under EXPLAIN ANALYZE each item's counters are kept under its plan's
//! [`crate::exec::instrument::statement_key`] ([`run_statement`]).

use rocksgres_storage::Transaction;

use crate::error::Result;
use crate::exec::cte::CteRows;
use crate::exec::ctx::Ctx;
use crate::exec::dml::{run_insert, run_modify, RowIds};
use crate::exec::instrument::run_statement;
use crate::exec::spill::TupleStore;
use crate::plan::cte_dml::{DmlCte, DmlPlan};

/// Runs `prelude`, the data-modifying `WITH` items of a statement.
pub fn run_prelude<T: Transaction, R: RowIds>(
    prelude: &[DmlCte],
    ctx: &mut Ctx<'_, T>,
    rowids: &R,
) -> Result<()> {
    for item in prelude {
        ctx.check_interrupt()?;
        let returns = item.plan.returns();
        let out = match &item.plan {
            DmlPlan::Insert(p) => run_statement(p, returns, ctx, |ctx| run_insert(p, ctx, rowids))?,
            DmlPlan::Update(p) => run_statement(p, returns, ctx, |ctx| run_modify(p, false, ctx))?,
            DmlPlan::Delete(p) => run_statement(p, returns, ctx, |ctx| run_modify(p, true, ctx))?,
        };
        if item.plan.returns() {
            let rows = match out.rows.into_store() {
                Some(rows) => rows,
                None => TupleStore::new(ctx.spill_env()),
            };
            ctx.ctes.insert(item.id, CteRows::new(rows));
        }
    }
    Ok(())
}
