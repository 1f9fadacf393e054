//! Row locking clauses: `FOR UPDATE | NO KEY UPDATE | SHARE | KEY SHARE
//! [OF name [, ...]] [NOWAIT | SKIP LOCKED]`, as PostgreSQL's
//! `transformLockingClause`.
//!
//! A query's clauses are pushed as a [`Level`] when its planning starts
//! ([`Binder::begin_row_locking`]); every FROM item planned at that level
//! ([`Binder::lock_from_item`]) looks for the clauses that apply to it --
//! those without `OF`, and those naming it (its alias, else its table's
//! name) -- and marks every table scan under it with the strongest
//! strength that applies and the strictest wait policy (NOWAIT over SKIP
//! LOCKED over waiting), so a subquery or view in FROM has all its tables
//! locked, as PostgreSQL does. Subqueries elsewhere and WITH queries are
//! not locked. When the query is planned ([`Binder::end_row_locking`]) the
//! clauses are checked against what PostgreSQL refuses (GROUP BY,
//! DISTINCT, aggregates, ...) and every `OF` name must have matched a FROM
//! item (42P01). A locked table gets ROW SHARE instead of ACCESS SHARE.
//!
//! The scan takes the row lock on each row that passes its filter, re-reads
//! the newest version and re-checks the filter (PostgreSQL's EvalPlanQual;
//! see `exec::scan`).

use rocksgres_storage::{LockMode, RowLockStrength, RowLockWait};
use sqlparser::ast;

use crate::catalog::lock::TableLocks;
use crate::error::{EngineError, Result, SqlState};
use crate::plan::bind::Binder;
use crate::plan::node::Node;
use crate::sql::depth;
use crate::sql::identifiers::ident_name;

/// How a scan locks the rows it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowLock {
    /// The lock strength.
    pub strength: RowLockStrength,
    /// What happens when another transaction holds a conflicting lock.
    pub wait: RowLockWait,
}

impl RowLock {
    /// The lock that satisfies both `self` and `other`.
    fn merge(self, other: RowLock) -> RowLock {
        RowLock {
            strength: self.strength.max(other.strength),
            wait: self.wait.max(other.wait),
        }
    }
}

/// One locking clause of a query.
#[derive(Debug)]
struct Clause {
    lock: RowLock,
    /// The `OF` name (`None`: every FROM item).
    of: Option<String>,
    /// Whether a FROM item had that name.
    matched: bool,
}

/// The locking clauses of the query being planned.
#[derive(Debug, Default)]
pub struct Level {
    clauses: Vec<Clause>,
}

fn not_allowed(strength: RowLockStrength, what: &str) -> EngineError {
    EngineError::new(
        SqlState::FeatureNotSupported,
        format!("{} is not allowed with {what}", strength.sql()),
    )
}

impl Binder<'_> {
    /// Opens the locking level of query `q` (see the module docs).
    pub(crate) fn begin_row_locking(&mut self, q: &ast::Query) -> Result<()> {
        let mut level = Level::default();
        for lock in &q.locks {
            let (strength, of) = crate::sql::locking_clause::decode(lock);
            let wait = match lock.nonblock {
                None => RowLockWait::Block,
                Some(ast::NonBlock::Nowait) => RowLockWait::NoWait,
                Some(ast::NonBlock::SkipLocked) => RowLockWait::Skip,
            };
            let of = match of {
                None => None,
                Some(name) => match name.0.as_slice() {
                    [part] => Some(match part.as_ident() {
                        Some(id) => ident_name(id),
                        None => part.to_string(),
                    }),
                    _ => {
                        return Err(EngineError::new(
                            SqlState::SyntaxError,
                            format!("{} must specify unqualified relation names", strength.sql()),
                        ))
                    }
                },
            };
            level.clauses.push(Clause {
                lock: RowLock { strength, wait },
                of,
                matched: false,
            });
        }
        self.row_locking.push(level);
        Ok(())
    }

    /// Locks the rows of FROM item `node` named `name` (its alias or
    /// table name; `None` for one without a name) as the current level's
    /// clauses say.
    pub(crate) fn lock_from_item(&mut self, name: Option<&str>, node: &mut Node) -> Result<()> {
        let Some(level) = self.row_locking.last_mut() else {
            return Ok(());
        };
        if level.clauses.is_empty() {
            return Ok(());
        }
        let mut lock: Option<RowLock> = None;
        let mut named: Option<RowLockStrength> = None;
        for c in &mut level.clauses {
            let applies = match (&c.of, name) {
                (None, _) => true,
                (Some(of), Some(n)) if of == n => {
                    c.matched = true;
                    named = Some(c.lock.strength);
                    true
                }
                _ => false,
            };
            if applies {
                lock = Some(lock.map_or(c.lock, |l| l.merge(c.lock)));
            }
        }
        let Some(lock) = lock else {
            return Ok(());
        };
        if let Some(strength) = named {
            // Named in OF: an item that has no rows of a table to lock.
            let what = match peel(node) {
                Node::Cte(_) => Some("a WITH query"),
                Node::Series { .. }
                | Node::Unnest { .. }
                | Node::JsonRows { .. }
                | Node::JsonRecords { .. }
                | Node::RowsFrom { .. } => Some("a function"),
                _ => None,
            };
            if let Some(what) = what {
                return Err(EngineError::new(
                    SqlState::FeatureNotSupported,
                    format!("{} cannot be applied to {what}", strength.sql()),
                ));
            }
        }
        mark_scans(node, lock, &mut self.locks)
    }

    /// Closes the locking level of query `q`, planned as `node`: the checks
    /// of PostgreSQL's `CheckSelectLocking` and of unmatched `OF` names.
    pub(crate) fn end_row_locking(&mut self, q: &ast::Query, node: &Node) -> Result<()> {
        let Some(level) = self.row_locking.pop() else {
            return Ok(());
        };
        let Some(first) = level.clauses.first() else {
            return Ok(());
        };
        check_select_locking(q.body.as_ref(), node, first.lock.strength)?;
        if let Some(c) = level.clauses.iter().find(|c| !c.matched && c.of.is_some()) {
            return Err(EngineError::new(
                SqlState::UndefinedTable,
                format!(
                    "relation \"{}\" in {} clause not found in FROM clause",
                    c.of.as_deref().unwrap_or_default(),
                    c.lock.strength.sql()
                ),
            ));
        }
        Ok(())
    }
}

/// The name a FROM item goes by in `OF` (its alias, else its relation's
/// or function's name): `Some(None)` for an item without one, `None` for
/// a parenthesised join (whose items are locked one by one).
pub(crate) fn from_item_name(f: &ast::TableFactor) -> Option<Option<String>> {
    let last = |n: &ast::ObjectName| {
        n.0.last().map(|p| match p.as_ident() {
            Some(id) => ident_name(id),
            None => p.to_string(),
        })
    };
    let alias = |a: &Option<ast::TableAlias>| a.as_ref().map(|a| ident_name(&a.name));
    Some(match f {
        ast::TableFactor::NestedJoin { .. } => return None,
        ast::TableFactor::Table { name, alias: a, .. } => alias(a).or_else(|| last(name)),
        ast::TableFactor::Function { name, alias: a, .. } => alias(a).or_else(|| last(name)),
        ast::TableFactor::Derived { alias: a, .. } | ast::TableFactor::UNNEST { alias: a, .. } => {
            alias(a)
        }
        _ => None,
    })
}

/// The node under projections (what a FROM item is made of).
fn peel(node: &Node) -> &Node {
    match node {
        Node::Project { input, .. } => peel(input),
        other => other,
    }
}

/// PostgreSQL's `CheckSelectLocking` over a query's body and plan.
fn check_select_locking(body: &ast::SetExpr, node: &Node, strength: RowLockStrength) -> Result<()> {
    match body {
        ast::SetExpr::SetOperation { .. } => {
            return Err(not_allowed(strength, "UNION/INTERSECT/EXCEPT"))
        }
        ast::SetExpr::Query(q) => return check_select_locking(q.body.as_ref(), node, strength),
        ast::SetExpr::Select(s) => {
            if s.distinct.is_some() {
                return Err(not_allowed(strength, "DISTINCT clause"));
            }
            let grouped = match &s.group_by {
                ast::GroupByExpr::All(_) => true,
                ast::GroupByExpr::Expressions(e, m) => !e.is_empty() || !m.is_empty(),
            };
            if grouped {
                return Err(not_allowed(strength, "GROUP BY clause"));
            }
            if s.having.is_some() {
                return Err(not_allowed(strength, "HAVING clause"));
            }
        }
        _ => {}
    }
    if top_has(node, &|n| matches!(n, Node::Aggregate { .. })) {
        return Err(not_allowed(strength, "aggregate functions"));
    }
    if top_has(node, &|n| matches!(n, Node::Window(_))) {
        return Err(not_allowed(strength, "window functions"));
    }
    Ok(())
}

/// Whether `pred` holds for a node of the query's own level (above its
/// FROM items).
fn top_has(node: &Node, pred: &dyn Fn(&Node) -> bool) -> bool {
    if pred(node) {
        return true;
    }
    match node {
        Node::Filter { input, .. }
        | Node::Project { input, .. }
        | Node::Sort { input, .. }
        | Node::Limit { input, .. }
        | Node::Distinct { input, .. }
        | Node::Aggregate { input, .. } => top_has(input, pred),
        Node::Window(w) => top_has(&w.input, pred),
        _ => false,
    }
}

/// Marks every table scan under `node` to lock its rows with `lock`, and
/// raises the table lock of each to ROW SHARE.
fn mark_scans(node: &mut Node, lock: RowLock, locks: &mut TableLocks) -> Result<()> {
    depth::guard(|| mark_scans_level(node, lock, locks))
}

fn mark_scans_level(node: &mut Node, lock: RowLock, locks: &mut TableLocks) -> Result<()> {
    let strength = lock.strength;
    match node {
        Node::Scan(s) => {
            s.lock = Some(s.lock.map_or(lock, |l| l.merge(lock)));
            locks.raise(&s.table, LockMode::RowShare);
            Ok(())
        }
        Node::Aggregate { .. } => Err(not_allowed(strength, "aggregate functions")),
        Node::Distinct { .. } => Err(not_allowed(strength, "DISTINCT clause")),
        Node::Window(_) => Err(not_allowed(strength, "window functions")),
        Node::SetOp { .. } => Err(not_allowed(strength, "UNION/INTERSECT/EXCEPT")),
        Node::Filter { input, .. }
        | Node::Project { input, .. }
        | Node::Sort { input, .. }
        | Node::Limit { input, .. } => mark_scans(input, lock, locks),
        Node::Join { left, right, .. } => {
            mark_scans(left, lock, locks)?;
            mark_scans(right, lock, locks)
        }
        // A CTE's rows are not locked (as PostgreSQL).
        Node::Cte(crate::plan::cte::CteNode::With { input, .. }) => mark_scans(input, lock, locks),
        Node::Cte(_) => Ok(()),
        Node::Values { .. }
        | Node::Series { .. }
        | Node::Unnest { .. }
        | Node::JsonRows { .. }
        | Node::JsonRecords { .. }
        | Node::RowsFrom { .. } => Ok(()),
        Node::SystemScan { rel, .. } => Err(crate::catalog::system_catalog_error(rel.name)),
        Node::SequenceRow { seq, .. } => Err(EngineError::new(
            SqlState::WrongObjectType,
            format!("cannot lock rows in sequence \"{}\"", seq.name),
        )),
    }
}
