//! The rows of a cursor: appended while its query runs, then read by
//! position in any order.
//!
//! They live in a [`TupleStore`], which keeps them in memory up to
//! `work_mem` and in a temporary file beyond it (see
//! [`crate::exec::spill`]), so a cursor over a large result costs bounded
//! memory however long it stays open. The query's rows reach the store as
//! a [`ResultSink`]: the cursor's DECLARE runs the query like any other
//! statement, with this buffer as the place its rows stream to.

use std::sync::Arc;

use crate::error::{EngineError, Result};
use crate::exec::spill::{SpillEnv, TupleStore};
use crate::result::{Column, Row, Rows};
use crate::result_sink::ResultSink;

/// A cursor's materialized result.
pub(super) struct CursorRows {
    store: TupleStore,
}

impl CursorRows {
    /// No rows yet; they spill within `env`'s limits.
    pub(super) fn new(env: SpillEnv) -> Self {
        CursorRows {
            store: TupleStore::new(env),
        }
    }

    /// The number of rows.
    pub(super) fn len(&self) -> u64 {
        self.store.len() as u64
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

impl ResultSink for CursorRows {
    fn notice(&mut self, _text: String) -> Result<()> {
        Ok(())
    }

    fn columns(&mut self, _columns: &Arc<[Column]>) -> Result<()> {
        Ok(())
    }

    fn row(&mut self, row: &Row) -> Result<()> {
        self.store.push(row.values())
    }
}
