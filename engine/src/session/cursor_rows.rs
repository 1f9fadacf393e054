//! The rows of a cursor: appended while its query runs, then read by
//! position in any order.
//!
//! They live in a [`TupleStore`], which keeps them in memory up to
//! `work_mem` and in a temporary file beyond it (see
//! [`crate::exec::spill`]), so a cursor over a large result costs bounded
//! memory however long it stays open. The query's rows reach the store
//! through a [`crate::result_sink::StoreSink`]: the cursor's DECLARE runs
//! the query like any other statement, with that sink as the place its
//! rows stream to.

use crate::error::{EngineError, Result};
use crate::exec::spill::TupleStore;
use crate::result::Rows;

/// A cursor's materialized result.
pub(super) struct CursorRows {
    store: TupleStore,
}

impl CursorRows {
    /// The rows in `store` (filled through a
    /// [`crate::result_sink::StoreSink`] while DECLARE ran the query).
    pub(super) fn new(store: TupleStore) -> Self {
        CursorRows { store }
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
