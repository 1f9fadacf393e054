//! The execution context: the storage transaction and per-statement state.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

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
    /// When the statement must stop (statement_timeout), if ever.
    pub deadline: Option<Instant>,
    /// Set by another thread to cancel the statement (CancelRequest).
    pub cancel: Option<Arc<AtomicBool>>,
    /// The session's user and database names.
    pub identity: Option<Arc<(String, String)>>,
    /// The session's settings (for `pg_settings`).
    pub settings: Option<crate::settings::Settings>,
    /// The system catalogs, once a statement has needed them.
    syscat: Option<Arc<crate::syscat::Snapshot>>,
    /// Reusable buffers (a session lends its pool to each statement).
    pub scratch: crate::exec::scratch::Scratch,
    ticks: u32,
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
            deadline: None,
            cancel: None,
            identity: None,
            settings: None,
            syscat: None,
            scratch: Default::default(),
            ticks: 0,
        }
    }

    /// The system catalogs as this statement sees them, read through its
    /// transaction the first time they are needed.
    pub fn syscat(&mut self) -> crate::error::Result<Arc<crate::syscat::Snapshot>> {
        if let Some(s) = &self.syscat {
            return Ok(Arc::clone(s));
        }
        let (user, database) = match self.identity.as_deref() {
            Some((u, d)) => (u.clone(), d.clone()),
            None => ("postgres".to_string(), "postgres".to_string()),
        };
        let settings = self.settings.clone().unwrap_or_default();
        let snap = crate::syscat::Snapshot::load(&mut *self.txn, &user, &database, settings)?;
        self.syscat = Some(Arc::clone(&snap));
        Ok(snap)
    }

    /// Fails with 57014 when the statement was cancelled or ran past its
    /// deadline. Cheap: the clock is read every 256 calls.
    pub fn check_interrupt(&mut self) -> crate::error::Result<()> {
        self.ticks = self.ticks.wrapping_add(1);
        if !self.ticks.is_multiple_of(256) {
            return Ok(());
        }
        if self
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
        {
            return Err(crate::error::EngineError::new(
                crate::error::SqlState::QueryCanceled,
                "canceling statement due to user request",
            ));
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(crate::error::EngineError::new(
                crate::error::SqlState::QueryCanceled,
                "canceling statement due to statement timeout",
            ));
        }
        Ok(())
    }
}

impl<T: Transaction> crate::types::functions::FunctionEnv for Ctx<'_, T> {
    fn statement_ts_micros(&self) -> i64 {
        self.statement_ts
    }

    fn random(&self) -> f64 {
        crate::types::functions::thread_random()
    }

    fn user_name(&self) -> &str {
        self.identity
            .as_deref()
            .map_or("postgres", |i| i.0.as_str())
    }

    fn database_name(&self) -> &str {
        self.identity
            .as_deref()
            .map_or("postgres", |i| i.1.as_str())
    }

    fn syscat(&self) -> Option<&crate::syscat::Snapshot> {
        self.syscat.as_deref()
    }
}
