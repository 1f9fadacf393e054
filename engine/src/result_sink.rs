//! Streaming results: where a statement's output goes while it runs.
//!
//! The executor is push-based ([`crate::exec::run`]): every plan hands its
//! rows one at a time to a callback. A [`QueryResult`] collects them into
//! one vector, which is right for small results and for callers that want
//! the whole answer, but grows with the result. A [`ResultSink`] is the
//! other end of that callback for callers that consume rows as they come:
//! the wire server encodes each row into a DataRow and writes them to the
//! socket in batches, and an embedding service reads each row by reference
//! ([`crate::Session::for_each_row`]). Memory then stays constant whatever
//! the size of the result.
//!
//! The events of one call arrive in PostgreSQL's message order:
//!
//! * [`ResultSink::notice`] for notices raised before the statement runs
//!   (identifier truncation, typmod warnings: PostgreSQL raises them while
//!   parsing, before any row description);
//! * for a query whose rows stream, [`ResultSink::columns`] once, then
//!   [`ResultSink::row`] per row; the statement's [`QueryResult`] then has
//!   no rows, its `rows_affected` counts the rows sent, and its `notices`
//!   are those raised while it ran;
//! * in a multi-statement simple Query ([`crate::Session::simple_query_to`]),
//!   [`ResultSink::finished`] after each statement with its result (or its
//!   error), before the next statement starts.
//!
//! Only plain queries (`SELECT`, `VALUES`, `TABLE`, `WITH ... SELECT`,
//! catalog queries) stream; `EXPLAIN`, `SHOW` and `RETURNING` results are
//! still collected into the [`QueryResult`] (their sizes are bounded by the
//! plan, the setting, or the statement's own writes). An error returned by
//! a sink method stops the statement with that error, as a client that went
//! away stops PostgreSQL's backend.
//!
//! [`Collector`] is the sink that builds the old results: rows collected,
//! notices prepended to the next result. The non-streaming entry points
//! (`query`, `simple_query`) run through it, so both forms share one path.

use std::sync::Arc;

use crate::error::Result;
use crate::exec::spill::TupleStore;
use crate::result::{Column, QueryResult, Row};

/// Receives a statement's output while it runs (see the module docs).
pub trait ResultSink {
    /// Whether rows go to [`ResultSink::row`] (`true`) or are collected
    /// into the statement's [`QueryResult`] (`false`).
    fn streams_rows(&self) -> bool {
        true
    }

    /// A notice raised before the statement's rows.
    fn notice(&mut self, text: String) -> Result<()>;

    /// A query starts returning rows with these columns; called once,
    /// before its first row.
    fn columns(&mut self, columns: &Arc<[Column]>) -> Result<()>;

    /// One result row.
    fn row(&mut self, row: &Row) -> Result<()>;

    /// One statement of a multi-statement simple Query ended (only
    /// [`crate::Session::simple_query_to`] calls this).
    fn finished(&mut self, result: Result<QueryResult>) {
        let _ = result;
    }
}

/// The sink behind the collecting entry points: rows stay in the
/// [`QueryResult`], early notices join the next result, finished results
/// are kept in order.
#[derive(Default)]
pub struct Collector {
    /// Notices not yet attached to a result.
    pending: Vec<String>,
    /// The results handed to [`ResultSink::finished`].
    pub results: Vec<Result<QueryResult>>,
}

impl Collector {
    /// Puts the pending notices in front of `result`'s own.
    pub fn attach(&mut self, result: &mut QueryResult) {
        if !self.pending.is_empty() {
            result.notices.splice(0..0, self.pending.drain(..));
        }
    }
}

impl ResultSink for Collector {
    fn streams_rows(&self) -> bool {
        false
    }

    fn notice(&mut self, text: String) -> Result<()> {
        self.pending.push(text);
        Ok(())
    }

    fn columns(&mut self, _columns: &Arc<[Column]>) -> Result<()> {
        Ok(())
    }

    fn row(&mut self, _row: &Row) -> Result<()> {
        Ok(())
    }

    fn finished(&mut self, mut result: Result<QueryResult>) {
        if let Ok(r) = result.as_mut() {
            self.attach(r);
        }
        self.results.push(result);
    }
}

/// A sink that hands each row to a callback and drops notices into the
/// result ([`crate::Session::for_each_row`]).
pub(crate) struct RowCallback<F> {
    /// The callback.
    pub f: F,
    /// Notices raised before the rows.
    pub notices: Vec<String>,
}

impl<F: FnMut(&Row) -> Result<()>> ResultSink for RowCallback<F> {
    fn notice(&mut self, text: String) -> Result<()> {
        self.notices.push(text);
        Ok(())
    }

    fn columns(&mut self, _columns: &Arc<[Column]>) -> Result<()> {
        Ok(())
    }

    fn row(&mut self, row: &Row) -> Result<()> {
        (self.f)(row)
    }
}

/// A sink that keeps a statement's rows in a [`TupleStore`] (in memory up
/// to `work_mem`, a temporary file beyond it), for results read later and
/// piecemeal: a SQL cursor's rows, a suspended portal's rows.
pub struct StoreSink {
    store: TupleStore,
    /// Whether the statement streamed its rows here (a query); `false`
    /// when they stayed in its [`QueryResult`] (RETURNING).
    streamed: bool,
}

impl StoreSink {
    /// An empty sink over `store`.
    pub fn new(store: TupleStore) -> Self {
        StoreSink {
            store,
            streamed: false,
        }
    }

    /// The store, holding every row of `result`: those streamed here, or
    /// else the ones the statement collected in its result.
    pub fn into_store(mut self, result: &QueryResult) -> Result<TupleStore> {
        if !self.streamed {
            for row in &result.rows {
                self.store.push(row.values())?;
            }
        }
        Ok(self.store)
    }
}

impl ResultSink for StoreSink {
    fn notice(&mut self, _text: String) -> Result<()> {
        // Early notices come only from `query_to` / `simple_query_to`,
        // which store sinks are not given to.
        Ok(())
    }

    fn columns(&mut self, _columns: &Arc<[Column]>) -> Result<()> {
        self.streamed = true;
        Ok(())
    }

    fn row(&mut self, row: &Row) -> Result<()> {
        self.store.push(row.values())
    }
}
