//! SQL cursors of a session: `DECLARE`, `FETCH`, `MOVE`, `CLOSE` and the
//! rows of `pg_cursors`, with PostgreSQL 15's rules.
//!
//! * **Run as fetched.** In a transaction block, a cursor whose query is
//!   a resumable pipeline (a table scan under filters, projections and
//!   LIMIT/OFFSET; see [`crate::exec::resume`]) runs it only as FETCH and
//!   MOVE need rows, at the snapshot of its DECLARE (which the transaction
//!   holds), so the query's errors and side effects (a `nextval`, a
//!   division by zero on row 1000) happen at the FETCH that reaches them,
//!   as in PostgreSQL. Before a statement that may write in the
//!   transaction (anything but a plain query, a cursor statement,
//!   transaction control, or `SET`, `SHOW`, `RESET` and `DEALLOCATE`,
//!   which change only the session) the session runs such cursors to their ends
//!   first, since their rows must not show those writes; a WITH HOLD one
//!   runs to its end at COMMIT, as PostgreSQL materializes it then (an
//!   error fails the COMMIT). See [`super::cursor_rows`].
//! * **Materialized at DECLARE** otherwise: the executor pushes rows to
//!   its caller (see [`crate::exec::run`]), so other queries (sorts,
//!   joins, aggregates, function scans) run to completion when the cursor
//!   is declared, into its row buffer, and their errors and side effects
//!   happen at DECLARE. The rows read are kept either way, so SCROLL
//!   cursors read them again.
//! * **Positions** follow PostgreSQL's portal state exactly (`atStart`,
//!   `atEnd`, `portalPos` and the tuplestore's read pointer; see
//!   [`Cursor::fetch`], a transcription of `DoPortalRunFetch`,
//!   `PortalRunSelect` and `RunFromStore`), so every direction returns the
//!   same rows and the same counts, and a NO SCROLL cursor fails with 55000
//!   exactly where PostgreSQL's does.
//! * **Transaction ends.** A cursor remembers the savepoint depth it was
//!   declared at, `None` once its transaction committed. COMMIT closes the
//!   cursors without HOLD and keeps the others; ROLLBACK closes every cursor
//!   declared in the transaction, WITH HOLD ones included, and keeps those
//!   of earlier transactions; ROLLBACK TO SAVEPOINT closes those declared
//!   after the savepoint, and RELEASE hands them to the enclosing level.
//!   Positions are never rolled back, as in PostgreSQL.
//! * Refused with 0A000: BINARY cursors, `FOR UPDATE`/`FOR SHARE` in a
//!   cursor's query (the rows would all be locked at DECLARE) and `WHERE
//!   CURRENT OF` (see [`crate::sql::cursor_stmt`]).

use std::sync::Arc;

use rocksgres_storage::Store;

use super::cursor_rows::{CursorRows, Lazy, Pull};
use super::PlanSlot;
use super::{
    execute, in_failed_block, micros_since_2000, plan_and_lock, statement_ctx, Interrupts, Planned,
    Session, StatementIo, TxnStatus,
};
use crate::database::Database;
use crate::db_txn::DbTxn;
use crate::error::{EngineError, Result, SqlState};
use crate::exec::resume::{resumable, Resumable};
use crate::exec::spill::TupleStore;
use crate::result::{Column, CommandTag, QueryResult, Rows};
use crate::result_sink::StoreSink;
use crate::sql::cursor_stmt::{CursorStmt, Declare, Direction, Fetch, FETCH_ALL};
use crate::types::Value;
use rocksgres_storage::{Timestamp, Transaction, WaitLimits};
use sqlparser::ast::Statement;

/// The session's cursors, shared with the statements that read
/// `pg_cursors`.
pub(super) type SharedCursors = Arc<parking_lot::Mutex<CursorSet>>;

/// The open cursors of a session.
#[derive(Default)]
pub(super) struct CursorSet {
    cursors: Vec<Cursor>,
    /// Protocol portals run lazily (see [`super::portals`]).
    pub(super) portals: Vec<super::portals::Portal>,
}

/// One open cursor.
struct Cursor {
    name: String,
    /// The query string that declared it.
    statement: Arc<str>,
    hold: bool,
    binary: bool,
    scrollable: bool,
    /// When it was declared (µs since 2000-01-01 UTC).
    created: i64,
    /// The savepoint depth it was declared at; `None` once the declaring
    /// transaction committed (a WITH HOLD cursor).
    level: Option<usize>,
    columns: Arc<[Column]>,
    rows: CursorRows,
    at_start: bool,
    at_end: bool,
    /// PostgreSQL's `portalPos`.
    pos: u64,
    /// The row store's read pointer: rows before it were read forward.
    current: u64,
    /// The read pointer ran off the end.
    eof: bool,
}

fn no_cursor(name: &str) -> EngineError {
    EngineError::new(
        SqlState::InvalidCursorName,
        format!("cursor \"{name}\" does not exist"),
    )
}

fn forward_only() -> EngineError {
    EngineError::new(
        SqlState::ObjectNotInPrerequisiteState,
        "cursor can only scan forward",
    )
    .with_hint("Declare it with SCROLL option to enable backward scan.")
}

impl Cursor {
    /// `RunFromStore`: up to `count` rows (0: all) from the read pointer,
    /// forward or backward, appended to `out` when there is one.
    /// Rows not produced yet are pulled from the query as they are
    /// needed (see [`super::cursor_rows`]).
    fn run_from_store(
        &mut self,
        forward: Option<bool>,
        count: u64,
        out: &mut Option<&mut Rows>,
        src: &mut Pull<'_>,
    ) -> Result<u64> {
        let Some(forward) = forward else {
            return Ok(0);
        };
        let mut total = self.rows.len();
        let mut n = 0;
        loop {
            if forward && !self.eof && self.current >= total && self.rows.open() {
                let want = (count != 0).then(|| count - n);
                self.rows.pull(want, src)?;
                total = self.rows.len();
            }
            let row = if forward {
                if self.eof {
                    None
                } else if self.current < total {
                    self.current += 1;
                    Some(self.current - 1)
                } else {
                    self.eof = true;
                    None
                }
            } else {
                if self.eof {
                    self.current = total;
                    self.eof = false;
                } else if self.current == 0 {
                    break;
                } else {
                    self.current -= 1;
                }
                self.current.checked_sub(1)
            };
            let Some(i) = row else { break };
            if let Some(out) = out.as_deref_mut() {
                self.rows.read(i, out)?;
            }
            n += 1;
            if count != 0 && n == count {
                break;
            }
        }
        Ok(n)
    }

    /// `PortalRunSelect`.
    fn run_select(
        &mut self,
        forward: bool,
        count: i64,
        out: &mut Option<&mut Rows>,
        src: &mut Pull<'_>,
    ) -> Result<u64> {
        if forward {
            let moving = !(self.at_end || count <= 0);
            let count = if !moving || count == FETCH_ALL {
                0
            } else {
                count as u64
            };
            let n = self.run_from_store(moving.then_some(true), count, out, src)?;
            if moving {
                if n > 0 {
                    self.at_start = false;
                }
                if count == 0 || n < count {
                    self.at_end = true;
                }
                self.pos += n;
            }
            Ok(n)
        } else {
            if !self.scrollable {
                return Err(forward_only());
            }
            let moving = !(self.at_start || count <= 0);
            let count = if !moving || count == FETCH_ALL {
                0
            } else {
                count as u64
            };
            let n = self.run_from_store(moving.then_some(false), count, out, src)?;
            if moving {
                if n > 0 && self.at_end {
                    self.at_end = false;
                    self.pos += 1;
                }
                if count == 0 || n < count {
                    self.at_start = true;
                    self.pos = 0;
                } else {
                    self.pos -= n;
                }
            }
            Ok(n)
        }
    }

    /// `DoPortalRewind`.
    fn rewind(&mut self) -> Result<()> {
        if self.at_start && !self.at_end {
            return Ok(());
        }
        if !self.scrollable {
            return Err(forward_only());
        }
        self.current = 0;
        self.eof = false;
        self.at_start = true;
        self.at_end = false;
        self.pos = 0;
        Ok(())
    }

    /// `DoPortalRunFetch`: the rows a FETCH returns go to `out`; a MOVE
    /// has none. Returns the count of its command tag.
    fn fetch(&mut self, f: &Fetch, mut out: Option<&mut Rows>, src: &mut Pull<'_>) -> Result<u64> {
        let is_move = out.is_none();
        let none = &mut None;
        let (mut direction, mut count) = (f.direction, f.count);
        match direction {
            Direction::Forward | Direction::Backward => {
                if count < 0 {
                    direction = if direction == Direction::Forward {
                        Direction::Backward
                    } else {
                        Direction::Forward
                    };
                    count = -count;
                }
            }
            Direction::Absolute => {
                if count > 0 {
                    let pos = self.pos as i64;
                    if count - 1 <= pos / 2 {
                        self.rewind()?;
                        if count > 1 {
                            self.run_select(true, count - 1, none, src)?;
                        }
                    } else {
                        let pos = if self.at_end { pos + 1 } else { pos };
                        if count <= pos {
                            self.run_select(false, pos - count + 1, none, src)?;
                        } else if count > pos + 1 {
                            self.run_select(true, count - pos - 1, none, src)?;
                        }
                    }
                    return self.run_select(true, 1, &mut out, src);
                } else if count < 0 {
                    self.run_select(true, FETCH_ALL, none, src)?;
                    if count < -1 {
                        self.run_select(false, -count - 1, none, src)?;
                    }
                    return self.run_select(false, 1, &mut out, src);
                } else {
                    self.rewind()?;
                    return self.run_select(true, 0, &mut out, src);
                }
            }
            Direction::Relative => {
                if count > 0 {
                    if count > 1 {
                        self.run_select(true, count - 1, none, src)?;
                    }
                    return self.run_select(true, 1, &mut out, src);
                } else if count < 0 {
                    if count < -1 {
                        self.run_select(false, -count - 1, none, src)?;
                    }
                    return self.run_select(false, 1, &mut out, src);
                }
                direction = Direction::Forward;
            }
        }
        let mut forward = direction == Direction::Forward;
        if count == 0 {
            let on_row = !self.at_start && !self.at_end;
            if is_move {
                return Ok(u64::from(on_row));
            }
            if on_row {
                self.run_select(false, 1, none, src)?;
                count = 1;
                forward = true;
            }
        }
        if !forward && count == FETCH_ALL && is_move {
            let mut result = self.pos;
            if result > 0 && !self.at_end {
                result -= 1;
            }
            self.rewind()?;
            return Ok(result);
        }
        self.run_select(forward, count, &mut out, src)
    }

    /// The cursor's `pg_cursors` row.
    fn pg_cursors_row(&self) -> Vec<Value> {
        vec![
            Value::Text(self.name.clone()),
            Value::Text(self.statement.to_string()),
            Value::Bool(self.hold),
            Value::Bool(self.binary),
            Value::Bool(self.scrollable),
            Value::Timestamptz(self.created),
        ]
    }
}

impl CursorSet {
    fn position(&self, name: &str) -> Option<usize> {
        self.cursors.iter().position(|c| c.name == name)
    }

    /// The rows of `pg_cursors`.
    pub(super) fn pg_cursors_rows(&self) -> Vec<Vec<Value>> {
        self.cursors.iter().map(Cursor::pg_cursors_row).collect()
    }

    /// The result columns of cursor `name`, if it is open.
    pub(super) fn columns(&self, name: &str) -> Option<Arc<[Column]>> {
        self.position(name)
            .map(|i| Arc::clone(&self.cursors[i].columns))
    }

    /// The declaring transaction committed: cursors without HOLD close,
    /// the others now outlive it.
    pub(super) fn committed(&mut self) {
        self.cursors.retain(|c| c.hold || c.level.is_none());
        for c in &mut self.cursors {
            c.level = None;
        }
    }

    /// The transaction rolled back: every cursor it declared closes.
    pub(super) fn rolled_back(&mut self) {
        self.cursors.retain(|c| c.level.is_none());
        self.portals.retain(|p| !p.rows.open());
    }

    /// `ROLLBACK TO` the savepoint at depth `depth` (0 for the first):
    /// cursors declared after it close.
    pub(super) fn rollback_to(&mut self, depth: usize) {
        self.cursors.retain(|c| c.level.is_none_or(|l| l <= depth));
    }

    /// `RELEASE` of the savepoint at depth `depth`: its cursors belong to
    /// the enclosing level now.
    pub(super) fn release(&mut self, depth: usize) {
        for c in &mut self.cursors {
            if let Some(l) = c.level.as_mut() {
                *l = (*l).min(depth);
            }
        }
    }

    /// Whether a cursor still runs its query as rows are fetched.
    pub(super) fn any_lazy(&self) -> bool {
        self.cursors.iter().any(|c| c.rows.open()) || self.portals.iter().any(|p| p.rows.open())
    }

    /// Runs the queries of the lazy cursors (those WITH HOLD only, when
    /// `hold_only`) to their ends (see [`CursorRows::drain`]).
    /// Fails with the first error a WITH HOLD cursor's query raised, when
    /// `hold_only` (COMMIT then fails, as PostgreSQL's does).
    /// Protocol portals count as WITH HOLD (they outlive an implicit
    /// transaction's commit at Sync).
    pub(super) fn drain(&mut self, hold_only: bool, src: &mut Pull<'_>) -> Result<()> {
        for p in &mut self.portals {
            p.rows.drain(src);
        }
        for c in &mut self.cursors {
            if c.hold || !hold_only {
                c.rows.drain(src);
                if hold_only {
                    if let Some(e) = c.rows.take_failure() {
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    }

    fn fetch(&mut self, f: &Fetch, src: &mut Pull<'_>) -> Result<QueryResult> {
        let Some(i) = self.position(&f.name) else {
            return Err(no_cursor(&f.name));
        };
        let cursor = &mut self.cursors[i];
        if f.is_move {
            let n = cursor.fetch(f, None, src)?;
            let mut r = QueryResult::command("MOVE");
            r.tag = CommandTag::with_count("MOVE", n);
            r.rows_affected = n;
            return Ok(r);
        }
        let mut rows = Rows::new(cursor.columns.len());
        let n = cursor.fetch(f, Some(&mut rows), src)?;
        let mut r = QueryResult::command("FETCH");
        r.tag = CommandTag::with_count("FETCH", n);
        r.columns = Arc::clone(&cursor.columns);
        r.rows = rows;
        r.rows_affected = n;
        Ok(r)
    }

    /// Closes cursor `name` (every cursor: `None`); `held` gets the
    /// snapshots the closed cursors no longer read at.
    fn close(&mut self, name: Option<&str>, held: &mut Vec<Timestamp>) -> Result<QueryResult> {
        match name {
            None => {
                held.extend(self.cursors.iter().filter_map(|c| c.rows.held_snapshot()));
                self.cursors.clear();
                Ok(QueryResult::command("CLOSE CURSOR ALL"))
            }
            Some(name) => {
                let Some(i) = self.position(name) else {
                    return Err(no_cursor(name));
                };
                held.extend(self.cursors.remove(i).rows.held_snapshot());
                Ok(QueryResult::command("CLOSE CURSOR"))
            }
        }
    }
}

impl<S: Store> Session<S> {
    /// Runs a DECLARE, FETCH, MOVE or CLOSE.
    pub(super) fn run_cursor_statement(
        &mut self,
        stmt: &CursorStmt,
        params: &[Value],
    ) -> Result<QueryResult> {
        if self.status == TxnStatus::Failed {
            return Err(in_failed_block());
        }
        match stmt {
            CursorStmt::Declare(d) => self.declare_cursor(d, params),
            CursorStmt::Fetch(f) => {
                let cursors = Arc::clone(&self.cursors);
                let mut set = cursors.lock();
                self.with_pull(|src| set.fetch(f, src))
            }
            CursorStmt::Close(name) => {
                let mut held = Vec::new();
                let r = self.cursors.lock().close(name.as_deref(), &mut held);
                if let Some(txn) = self.txn.as_mut() {
                    for ts in held {
                        txn.release_snapshot(ts);
                    }
                }
                r
            }
            CursorStmt::CurrentOf => Err(EngineError::unsupported("WHERE CURRENT OF")),
        }
    }

    /// The result columns of open cursor `name` (what a wire-protocol
    /// Describe of the portal of that name answers, as SQL cursors are
    /// portals in PostgreSQL); `None` when there is no such cursor.
    pub fn cursor_columns(&self, name: &str) -> Option<Arc<[Column]>> {
        self.cursors.lock().columns(name)
    }

    /// The columns a FETCH (not a MOVE) is described with: its cursor's,
    /// when it is open.
    pub(super) fn fetch_columns(&self, stmt: &CursorStmt) -> Option<Arc<[Column]>> {
        match stmt {
            CursorStmt::Fetch(f) if !f.is_move => self.cursor_columns(&f.name),
            _ => None,
        }
    }

    fn declare_cursor(&mut self, d: &Declare, params: &[Value]) -> Result<QueryResult> {
        d.check()?;
        if d.binary {
            return Err(EngineError::unsupported("DECLARE BINARY CURSOR"));
        }
        if !d.hold && !self.in_block() {
            return Err(EngineError::new(
                SqlState::NoActiveSqlTransaction,
                "DECLARE CURSOR can only be used in transaction blocks",
            ));
        }
        if self.cursors.lock().position(&d.name).is_some() {
            return Err(EngineError::new(
                SqlState::DuplicateCursor,
                format!("cursor \"{}\" already exists", d.name),
            ));
        }
        let mut rows = StoreSink::new(TupleStore::new(self.spill_env()));
        let interrupts = self.interrupts();
        let cache = self.current_plan.clone();
        let mut scratch = std::mem::take(&mut self.scratch);
        // In a block the query may run as rows are fetched (see
        // `cursor_rows`); a WITH HOLD cursor declared outside one is
        // materialized now, as its transaction commits at once.
        let may_resume = self.in_block()
            && matches!(&*d.query, Statement::Query(_))
            && super::select_into(&d.query).is_none();
        let mut lazy = None;
        let r = self.in_transaction(|txn, db| {
            if may_resume {
                if let Some(l) =
                    resumable_query(txn, db, &d.query, params, &interrupts, cache.as_deref())?
                {
                    let mut r = QueryResult::command("SELECT");
                    r.columns = Arc::clone(&l.plan.columns);
                    lazy = Some(l);
                    return Ok(r);
                }
            }
            execute(
                txn,
                db,
                &d.query,
                params,
                &interrupts,
                cache.as_deref(),
                StatementIo {
                    scratch: &mut scratch,
                    sink: &mut rows,
                },
            )
        });
        self.scratch = scratch;
        let done = r?;
        let rows = CursorRows::new(rows.into_store(&done)?, lazy);
        let mut result = QueryResult::command("DECLARE CURSOR");
        for (name, value, local) in interrupts.config.take() {
            if !local || self.in_block() {
                self.apply_set(&name, value.as_deref(), local, &mut result)?;
            }
        }
        let level = self.in_block().then_some(self.savepoints.len());
        self.cursors.lock().cursors.push(Cursor {
            name: d.name.clone(),
            statement: Arc::clone(&d.source),
            hold: d.hold,
            binary: d.binary,
            scrollable: d.scrollable(),
            created: micros_since_2000(),
            level,
            columns: done.columns,
            rows,
            at_start: true,
            at_end: false,
            pos: 0,
            current: 0,
            eof: false,
        });
        Ok(result)
    }
}

/// The lazy state of a cursor over `stmt`, when its plan can resume (see
/// [`crate::exec::resume`]) and the transaction can hold its snapshot;
/// `None` to materialize it.
pub(super) fn resumable_query<S: Store>(
    txn: &mut DbTxn<S::Txn>,
    db: &Database<S>,
    stmt: &Statement,
    params: &[Value],
    interrupts: &Interrupts,
    cache: Option<&PlanSlot>,
) -> Result<Option<Lazy>> {
    // Table lock waits end as a statement's do (see `execute`).
    txn.set_lock_timeout(interrupts.lock_timeout);
    txn.set_wait_limits(WaitLimits {
        deadline: interrupts.deadline,
        cancel: Some(Arc::clone(&interrupts.cancel)),
    });
    let plan = plan_and_lock(txn, db, stmt, params, interrupts, cache);
    txn.set_wait_limits(WaitLimits::default());
    let plan = plan?;
    let Planned::Query(node) = &plan.planned else {
        return Ok(None);
    };
    if !plan.prelude.is_empty() || !resumable(node) {
        return Ok(None);
    }
    let Some(snapshot) = txn.hold_snapshot() else {
        return Ok(None);
    };
    Ok(Some(Lazy {
        plan,
        params: params.to_vec(),
        statement_ts: micros_since_2000(),
        snapshot,
        writes: txn.pending_writes(),
        run: Resumable::new(),
    }))
}

/// Runs a lazy cursor's query on (see [`super::cursor_rows::Pull`]), in
/// `txn` at the cursor's snapshot.
fn pull_rows<S: Store>(
    txn: &mut DbTxn<S::Txn>,
    db: &Database<S>,
    interrupts: &Interrupts,
    lazy: &mut Lazy,
    max: Option<u64>,
    out: &mut dyn FnMut(&[Value]) -> Result<()>,
) -> Result<u64> {
    if txn.pending_writes() != lazy.writes {
        // The session drains lazy cursors before statements that write.
        return Err(EngineError::internal(
            "cursor resumed after its transaction wrote",
        ));
    }
    let Planned::Query(node) = &lazy.plan.planned else {
        return Err(EngineError::internal("lazy cursor without a query"));
    };
    let own = txn.swap_snapshot(lazy.snapshot);
    let r = {
        let mut ctx = statement_ctx(txn, db, &lazy.params, interrupts, lazy.statement_ts);
        lazy.run.pull(node, &mut ctx, max, out)
    };
    txn.swap_snapshot(own);
    if r.is_err() || lazy.run.is_done() {
        txn.release_snapshot(lazy.snapshot);
    }
    r
}

impl<S: Store> Session<S> {
    /// Calls `f` with the [`Pull`] that runs lazy cursors on in the
    /// session's transaction.
    pub(super) fn with_pull<R>(&mut self, f: impl FnOnce(&mut Pull<'_>) -> R) -> R {
        let interrupts = self.interrupts();
        let db = &self.db;
        let mut txn = self.txn.as_mut();
        let mut src =
            |lazy: &mut Lazy, max: Option<u64>, out: &mut dyn FnMut(&[Value]) -> Result<()>| {
                match txn.as_deref_mut() {
                    Some(txn) => pull_rows(txn, db, &interrupts, lazy, max, out),
                    None => Err(EngineError::internal("lazy cursor outside its transaction")),
                }
            };
        f(&mut src)
    }

    /// Runs the lazy cursors' queries to their ends, before a statement
    /// that may write (their rows must not show its writes).
    pub(super) fn drain_cursors(&mut self) {
        if self.status == TxnStatus::Failed {
            // Nothing runs in a failed transaction; ROLLBACK closes them.
            return;
        }
        let cursors = Arc::clone(&self.cursors);
        let mut set = cursors.lock();
        if set.any_lazy() {
            // Errors stay with the cursors (see `CursorRows::drain`).
            let _ = self.with_pull(|src| set.drain(false, src));
        }
    }

    /// Runs the rest of the lazy WITH HOLD cursors' queries in `txn`,
    /// which is about to commit; fails with the error one of them raised.
    pub(super) fn drain_hold_cursors(&mut self, txn: &mut DbTxn<S::Txn>) -> Result<()> {
        let cursors = Arc::clone(&self.cursors);
        let mut set = cursors.lock();
        if !set.any_lazy() {
            return Ok(());
        }
        let interrupts = self.interrupts();
        let db = &self.db;
        let mut src =
            |lazy: &mut Lazy, max: Option<u64>, out: &mut dyn FnMut(&[Value]) -> Result<()>| {
                pull_rows(txn, db, &interrupts, lazy, max, out)
            };
        set.drain(true, &mut src)
    }
}
