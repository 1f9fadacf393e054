//! Data-modifying statements and `WITH`: a `WITH` clause before INSERT,
//! UPDATE, DELETE or MERGE, and INSERT / UPDATE / DELETE as `WITH` items
//! (`WITH moved AS (DELETE ... RETURNING *) INSERT INTO b SELECT * FROM
//! moved`).
//!
//! As in PostgreSQL, a data-modifying `WITH` item is allowed only in the
//! `WITH` clause of the top-level statement (0A000 elsewhere), it runs
//! exactly once and to completion whether or not it is read, and the rest
//! of the statement sees its RETURNING rows, never its effects on the
//! table. Each such item is planned into a [`DmlCte`] of the statement's
//! prelude (kept by the binder in [`WithDml`], then by the cached plan);
//! the prelude runs before the statement ([`crate::exec::cte_dml`]) and
//! leaves each item's RETURNING rows where a scan of the CTE replays them.
//!
//! Our transactions read their own writes, so a part of the statement
//! that read a table a prelude item changes would see the change, where
//! PostgreSQL's single snapshot would not. When some part reads a table
//! another part writes (the other `WITH` items and the main statement, an
//! UPDATE / DELETE / MERGE target counting as read), the statement runs
//! under a *statement view* of the transaction
//! ([`rocksgres_storage::Transaction::open_statement_view`]): its reads
//! see the transaction's own writes as they were when it began, so the
//! main query reads the table as it was before the `WITH` items changed
//! it, as in PostgreSQL, while locking reads and constraint checks see
//! every write. Two parts changing the same row: the later one finds the
//! row changed when it locks it and skips it (PostgreSQL leaves the
//! outcome unspecified).

use std::sync::Arc;

use sqlparser::ast;

use crate::catalog::TableDesc;
use crate::error::{EngineError, Result, SqlState};
use crate::exec::dml::{self, InsertPlan, ModifyPlan};
use crate::plan::bind::Binder;
use crate::sql::identifiers::ident_name;

/// A planned INSERT, UPDATE or DELETE.
#[derive(Debug)]
pub enum DmlPlan {
    /// INSERT.
    Insert(InsertPlan),
    /// UPDATE.
    Update(ModifyPlan),
    /// DELETE.
    Delete(ModifyPlan),
}

impl DmlPlan {
    /// The table it writes.
    pub fn table(&self) -> &Arc<TableDesc> {
        match self {
            DmlPlan::Insert(p) => &p.table,
            DmlPlan::Update(p) | DmlPlan::Delete(p) => &p.table,
        }
    }

    /// Whether it has a RETURNING list.
    pub fn returns(&self) -> bool {
        match self {
            DmlPlan::Insert(p) => !p.returning.is_empty(),
            DmlPlan::Update(p) | DmlPlan::Delete(p) => !p.returning.is_empty(),
        }
    }

    /// Its RETURNING columns.
    pub fn columns(&self) -> Vec<crate::plan::node::OutputColumn> {
        match self {
            DmlPlan::Insert(p) => p.columns.clone(),
            DmlPlan::Update(p) | DmlPlan::Delete(p) => p.columns.clone(),
        }
    }
}

/// A data-modifying `WITH` item of the top-level statement.
#[derive(Debug)]
pub struct DmlCte {
    /// The CTE's identifier: its RETURNING rows are kept under it.
    pub id: usize,
    /// The CTE's name.
    pub name: String,
    /// The statement.
    pub plan: DmlPlan,
}

/// The binder's state for data-modifying `WITH` items.
#[derive(Debug, Default)]
pub struct WithDml {
    /// Set by the top-level statement when it has a `WITH` clause, and
    /// taken by the first `WITH` clause planned (which is then that one).
    pub(crate) top: bool,
    /// Every table resolved so far, in order, and whether as the target of
    /// a write.
    pub(crate) reads: Vec<(u32, bool)>,
    /// Whether the top-level statement after `WITH` is an INSERT.
    pub(crate) main_insert: bool,
    /// The planned data-modifying items, in declaration order.
    pub(crate) prelude: Vec<DmlCte>,
    /// Some part of the statement reads a table a data-modifying item
    /// writes: it runs under a statement view (see the module docs).
    pub(crate) needs_view: bool,
}

/// What a part of a `WITH` statement reads: the tables resolved while it
/// was planned (an INSERT's own target excluded).
pub(crate) fn part_reads(log: &[(u32, bool)], insert: bool) -> Vec<u32> {
    log.iter()
        .filter(|(_, target)| !(insert && *target))
        .map(|(id, _)| *id)
        .collect()
}

/// Whether some part of a statement reads a table one of its
/// data-modifying `WITH` items writes (so it must run under a statement
/// view). `parts` holds each part's reads and, for a data-modifying
/// item, the table it writes.
pub(crate) fn reads_written(parts: &[(Vec<u32>, Option<Arc<TableDesc>>)]) -> bool {
    parts.iter().enumerate().any(|(i, (_, writes))| {
        writes.as_ref().is_some_and(|t| {
            parts
                .iter()
                .enumerate()
                .any(|(j, (reads, _))| i != j && reads.contains(&t.id))
        })
    })
}

/// The data-modifying statement `q` is, if it is one (`MERGE` refused
/// with PostgreSQL 15's 0A000).
pub(crate) fn dml_item(q: &ast::Query) -> Result<Option<&ast::Statement>> {
    match q.body.as_ref() {
        ast::SetExpr::Insert(s) | ast::SetExpr::Update(s) | ast::SetExpr::Delete(s) => Ok(Some(s)),
        ast::SetExpr::Merge(_) => Err(EngineError::new(
            SqlState::FeatureNotSupported,
            "MERGE not supported in WITH query",
        )),
        _ => Ok(None),
    }
}

/// PostgreSQL's error for a data-modifying `WITH` item below the top level.
pub(crate) fn not_top_level() -> EngineError {
    EngineError::new(
        SqlState::FeatureNotSupported,
        "WITH clause containing a data-modifying statement must be at the top level",
    )
}

/// The command a read-only transaction refuses `q` as (25006): the main
/// statement's when it is INSERT / UPDATE / DELETE / MERGE after `WITH`,
/// SELECT when only a `WITH` item writes; `None` when nothing writes.
pub fn write_command(q: &ast::Query) -> Option<&'static str> {
    match q.body.as_ref() {
        ast::SetExpr::Insert(_) => return Some("INSERT"),
        ast::SetExpr::Update(_) => return Some("UPDATE"),
        ast::SetExpr::Delete(_) => return Some("DELETE"),
        ast::SetExpr::Merge(_) => return Some("MERGE"),
        _ => {}
    }
    let with = q.with.as_ref()?;
    with.cte_tables
        .iter()
        .any(|c| {
            matches!(
                c.query.body.as_ref(),
                ast::SetExpr::Insert(_) | ast::SetExpr::Update(_) | ast::SetExpr::Delete(_)
            )
        })
        .then_some("SELECT")
}

/// The one table of an UPDATE / DELETE target list and its alias.
pub(crate) fn single_table(
    from: &[ast::TableWithJoins],
) -> Result<Option<(ast::ObjectName, Option<String>)>> {
    match from {
        [] => Ok(None),
        [twj] if twj.joins.is_empty() => match &twj.relation {
            ast::TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } => Ok(Some((
                name.clone(),
                alias.as_ref().map(|a| ident_name(&a.name)),
            ))),
            other => Err(EngineError::unsupported(format!("target {other}"))),
        },
        _ => Err(EngineError::unsupported("joins in UPDATE/DELETE")),
    }
}

/// Plans INSERT, UPDATE or DELETE `stmt`; `None` for any other statement.
pub fn plan_dml(stmt: &ast::Statement, binder: &mut Binder<'_>) -> Result<Option<DmlPlan>> {
    Ok(Some(match stmt {
        ast::Statement::Insert(ins) => {
            let ast::TableObject::TableName(name) = &ins.table else {
                return Err(EngineError::unsupported("INSERT INTO a function"));
            };
            let table = binder.table(name)?;
            DmlPlan::Insert(dml::plan_insert(ins, table, binder)?)
        }
        ast::Statement::Update(up) => {
            let Some((name, alias)) = single_table(std::slice::from_ref(&up.table))? else {
                return Err(EngineError::internal("UPDATE without a table"));
            };
            let target = dml::modify_target(&name, alias, binder)?;
            DmlPlan::Update(dml::plan_update(up, target, binder)?)
        }
        ast::Statement::Delete(del) => {
            let from = match &del.from {
                ast::FromTable::WithFromKeyword(f) | ast::FromTable::WithoutKeyword(f) => f,
            };
            let Some((name, alias)) = single_table(from)? else {
                return Err(EngineError::internal("DELETE without a table"));
            };
            let target = dml::modify_target(&name, alias, binder)?;
            DmlPlan::Delete(dml::plan_delete(del, target, binder)?)
        }
        _ => return Ok(None),
    }))
}

impl Binder<'_> {
    /// Plans top-level statement `q`, `WITH ... INSERT / UPDATE / DELETE /
    /// MERGE`: `body` plans the statement after the `WITH` clause, with
    /// its items in scope.
    pub fn plan_with_statement<R>(
        &mut self,
        q: &ast::Query,
        body: impl FnOnce(&mut Self) -> Result<R>,
    ) -> Result<R> {
        self.with_dml.main_insert = matches!(q.body.as_ref(), ast::SetExpr::Insert(_));
        match &q.with {
            Some(with) => Ok(self.plan_with_scope(with, true, body)?.1),
            None => body(self),
        }
    }

    /// Marks the statement about to be planned as the top level: its
    /// `WITH` clause may hold data-modifying items.
    pub fn set_top_level_with(&mut self) {
        self.with_dml.top = true;
    }

    /// The planned data-modifying `WITH` items of the statement, taken
    /// out of the binder.
    pub fn take_dml_prelude(&mut self) -> Vec<DmlCte> {
        std::mem::take(&mut self.with_dml.prelude)
    }

    /// Whether the statement must run under a statement view (see the
    /// module docs).
    pub fn dml_needs_view(&self) -> bool {
        self.with_dml.needs_view
    }
}
