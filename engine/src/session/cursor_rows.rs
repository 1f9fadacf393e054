//! The rows of a cursor: produced as they are fetched where the query can
//! resume, kept so that they can be read again by position in any order.
//!
//! * **Lazy.** A cursor whose query is a resumable pipeline (see
//!   [`crate::exec::resume`]) and that was declared in a transaction block
//!   runs it only as FETCH and MOVE need rows: [`CursorRows::pull`] asks
//!   the session ([`Pull`]) for exactly the rows still wanted, so the
//!   query's errors and side effects happen at the FETCH that reaches
//!   them, as in PostgreSQL. The query reads at its DECLARE's snapshot,
//!   which the transaction holds ([`Lazy::snapshot`]). The session drains
//!   a lazy cursor ([`CursorRows::drain`], the rest of its rows, or up to
//!   its error, which the FETCH that reaches it then reports) before its
//!   transaction may write (PostgreSQL's cursor would not see those
//!   writes; ours reads the transaction's own writes) and, for a WITH HOLD
//!   cursor, before COMMIT (where PostgreSQL materializes it too).
//! * **Materialized.** Other queries (sorts, joins, aggregates, ...) run
//!   to completion at DECLARE, as before.
//!
//! Either way the rows produced live in a [`TupleStore`], which keeps them
//! in memory up to `work_mem` and in a temporary file beyond it (see
//! [`crate::exec::spill`]), so a cursor costs bounded memory however long
//! it stays open, and SCROLL cursors read rows again from there.

use std::sync::Arc;

use rocksgres_storage::Timestamp;

use crate::error::{EngineError, Result};
use crate::exec::resume::Resumable;
use crate::exec::spill::TupleStore;
use crate::result::Rows;
use crate::types::Value;

/// The state of a cursor whose query still runs as rows are fetched.
pub(in crate::session) struct Lazy {
    /// The query's plan (a resumable [`super::Planned::Query`]).
    pub(in crate::session) plan: Arc<super::Plan>,
    /// The DECLARE's parameters.
    pub(in crate::session) params: Vec<Value>,
    /// The DECLARE's statement time (`statement_timestamp()`).
    pub(in crate::session) statement_ts: i64,
    /// The DECLARE's snapshot, held by the transaction.
    pub(in crate::session) snapshot: Timestamp,
    /// The transaction's buffered writes at DECLARE: a cursor resumed
    /// after its transaction wrote would see those writes.
    pub(in crate::session) writes: usize,
    /// Where the query stopped.
    pub(in crate::session) run: Resumable,
}

/// Runs a lazy cursor's query on: `(state, max, out)` gives `out` up to
/// `max` more rows (`None`: all), returning how many it gave.
pub(in crate::session) type Pull<'p> =
    dyn FnMut(&mut Lazy, Option<u64>, &mut dyn FnMut(&[Value]) -> Result<()>) -> Result<u64> + 'p;

/// A cursor's rows (see the module docs).
pub(super) struct CursorRows {
    store: TupleStore,
    /// The query, while it has rows left to produce.
    lazy: Option<Lazy>,
    /// The error a drain stopped at, reported by the read past its rows.
    failed: Option<EngineError>,
}

impl CursorRows {
    /// The rows in `store` (filled through a
    /// [`crate::result_sink::StoreSink`] while DECLARE ran the query),
    /// followed by those `lazy` produces.
    pub(super) fn new(store: TupleStore, lazy: Option<Lazy>) -> Self {
        CursorRows {
            store,
            lazy,
            failed: None,
        }
    }

    /// The number of rows produced so far.
    pub(super) fn len(&self) -> u64 {
        self.store.len() as u64
    }

    /// Whether [`CursorRows::pull`] may add rows (or fail).
    pub(super) fn open(&self) -> bool {
        self.lazy.is_some() || self.failed.is_some()
    }

    /// The snapshot the query reads at, while it runs lazily.
    pub(super) fn held_snapshot(&self) -> Option<Timestamp> {
        self.lazy.as_ref().map(|l| l.snapshot)
    }

    /// Produces up to `want` more rows (`None`: all that are left), kept
    /// to be read by position.
    pub(super) fn pull(&mut self, want: Option<u64>, src: &mut Pull<'_>) -> Result<()> {
        let Some(lazy) = self.lazy.as_mut() else {
            return self.failed.take().map_or(Ok(()), Err);
        };
        let store = &mut self.store;
        let r = src(lazy, want, &mut |row| store.push(row));
        if r.is_err() || lazy.run.is_done() {
            self.lazy = None;
        }
        r.map(|_| ())
    }

    /// Produces up to `want` more rows straight to `out` (a forward-only
    /// reader that has read every kept row).
    pub(super) fn pull_to(
        &mut self,
        want: Option<u64>,
        src: &mut Pull<'_>,
        out: &mut dyn FnMut(&[Value]) -> Result<()>,
    ) -> Result<()> {
        let Some(lazy) = self.lazy.as_mut() else {
            return self.failed.take().map_or(Ok(()), Err);
        };
        let r = src(lazy, want, out);
        if r.is_err() || lazy.run.is_done() {
            self.lazy = None;
        }
        r.map(|_| ())
    }

    /// Produces every row that is left now; an error is kept for the
    /// read that reaches it.
    pub(super) fn drain(&mut self, src: &mut Pull<'_>) {
        if self.lazy.is_none() {
            return;
        }
        if let Err(e) = self.pull(None, src) {
            self.failed = Some(e);
        }
    }

    /// The error a drain stopped at, taken.
    pub(super) fn take_failure(&mut self) -> Option<EngineError> {
        self.failed.take()
    }

    /// Calls `f` with row `i` (from 0; `i < len()`).
    pub(super) fn with_row<R>(&mut self, i: u64, f: impl FnOnce(&[Value]) -> R) -> Result<R> {
        let len = self.store.len();
        let at = usize::try_from(i).unwrap_or(usize::MAX);
        match self.store.get(at)? {
            Some(row) => Ok(f(row)),
            None => Err(EngineError::internal(format!("cursor row {i} of {len}"))),
        }
    }

    /// Appends row `i` (from 0; `i < len()`) to `out`.
    pub(super) fn read(&mut self, i: u64, out: &mut Rows) -> Result<()> {
        let len = self.store.len();
        let at = usize::try_from(i).unwrap_or(usize::MAX);
        match self.store.get(at)? {
            Some(row) => out.push(row),
            None => return Err(EngineError::internal(format!("cursor row {i} of {len}"))),
        }
        Ok(())
    }
}
