//! The execution context: the storage transaction and per-statement state.

use std::collections::HashMap;

use rocksgres_storage::Transaction;

use crate::types::Value;

/// The result of an uncorrelated subquery, computed once per statement.
#[derive(Debug, Clone)]
pub enum CachedSubquery {
    /// Scalar value.
    Scalar(Value),
    /// EXISTS.
    Exists(bool),
    /// IN: the subquery's values.
    Values(Vec<Value>),
}

/// Everything execution needs besides the plan.
pub struct Ctx<'a, T: Transaction> {
    /// The storage transaction.
    pub txn: &'a mut T,
    /// Statement parameters, `$1` first.
    pub params: &'a [Value],
    /// The statement's start time, µs since 2000-01-01 UTC (for `now()`).
    pub statement_ts: i64,
    /// Rows of enclosing queries, innermost last (correlated subqueries).
    pub outer: Vec<Vec<Value>>,
    /// Results of uncorrelated subqueries, by subquery id.
    pub cache: HashMap<usize, CachedSubquery>,
}

impl<'a, T: Transaction> Ctx<'a, T> {
    /// A context for one statement.
    pub fn new(txn: &'a mut T, params: &'a [Value], statement_ts: i64) -> Self {
        Ctx {
            txn,
            params,
            statement_ts,
            outer: Vec::new(),
            cache: HashMap::new(),
        }
    }
}

impl<T: Transaction> crate::types::functions::FunctionEnv for Ctx<'_, T> {
    fn statement_ts_micros(&self) -> i64 {
        self.statement_ts
    }

    fn random(&self) -> f64 {
        crate::types::functions::thread_random()
    }
}
