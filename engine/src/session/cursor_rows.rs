//! The rows of a cursor, behind the small interface cursors need: append
//! while the query runs, then read row `i` in any order.
//!
//! For now the rows are kept in memory, flat (one vector of values, a row
//! being `width` of them), so a cursor over a large result costs that
//! result's memory until it is closed. The spill-to-disk `TupleStore`
//! being written in `exec/spill` is meant to replace this buffer behind
//! the same three calls.

use crate::error::Result;
use crate::result::Rows;
use crate::types::Value;

/// A cursor's materialized result.
#[derive(Debug, Default)]
pub(super) struct CursorRows {
    width: usize,
    len: u64,
    values: Vec<Value>,
}

impl CursorRows {
    /// No rows yet, of `width` columns each (the first row fixes the width
    /// when it is not known yet).
    pub(super) fn new() -> Self {
        CursorRows::default()
    }

    /// Appends `row`.
    pub(super) fn push(&mut self, row: &[Value]) -> Result<()> {
        if self.len == 0 {
            self.width = row.len();
        }
        self.values.extend_from_slice(row);
        self.len += 1;
        Ok(())
    }

    /// The number of rows.
    pub(super) fn len(&self) -> u64 {
        self.len
    }

    /// Appends row `i` (from 0; `i < len()`) to `out`.
    pub(super) fn read(&mut self, i: u64, out: &mut Rows) -> Result<()> {
        let at = usize::try_from(i).unwrap_or(usize::MAX);
        let start = at.saturating_mul(self.width);
        match self.values.get(start..start + self.width) {
            Some(row) => out.push(row),
            None => {
                return Err(crate::error::EngineError::internal(format!(
                    "cursor row {i} of {}",
                    self.len
                )))
            }
        }
        Ok(())
    }
}
