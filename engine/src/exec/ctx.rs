//! The execution context: the storage transaction and per-statement state.

use std::collections::HashMap;
use std::sync::Arc;

use rocksgres_storage::Transaction;

use crate::interrupt::Interrupt;
use crate::types::Value;

/// The result of an uncorrelated subquery, computed once per statement.
#[derive(Debug, Clone)]
pub enum CachedSubquery {
    /// Scalar value.
    Scalar(Value),
    /// EXISTS.
    Exists(bool),
    /// IN, ANY, ALL: the subquery's values (shared: rows probe them
    /// without copying; in a temporary file past `work_mem`).
    Stored(Arc<std::sync::Mutex<crate::exec::spill::TupleStore>>),
    /// IN over values hashed by [`crate::exec::hashed_in`].
    Hashed(Arc<crate::exec::hashed_in::HashedValues>),
}

/// The generated rows of one system relation, shared by every scan of it
/// in a statement.
pub type SysRows = Arc<Vec<Vec<Value>>>;

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
    /// The rows of CTEs and recursive worktables, by id (see
    /// [`crate::exec::cte`]).
    pub ctes: HashMap<usize, Arc<crate::exec::cte::CteRows>>,
    /// What stops the statement early: its deadline (statement_timeout)
    /// and the session's cancel flag (CancelRequest).
    pub interrupt: Interrupt,
    /// The session's user and database names.
    pub identity: Option<Arc<(String, String)>>,
    /// The session's settings (for `pg_settings`).
    pub settings: Option<crate::settings::Settings>,
    /// The system catalogs, once a statement has needed them.
    syscat: Option<Arc<crate::syscat::Snapshot>>,
    /// The rows of each system relation the statement has read, by
    /// (schema, name): generated once, however often a join or a
    /// correlated subquery scans them.
    syscat_rows: HashMap<(&'static str, &'static str), SysRows>,
    /// Reusable buffers (a session lends its pool to each statement).
    pub scratch: crate::exec::scratch::Scratch,
    /// The session's backend pid (`pg_backend_pid()`, `pg_locks.pid`).
    pub backend_pid: i32,
    /// Reads the store's lock table (for `pg_locks`).
    pub lock_status: Option<&'a dyn Fn() -> Vec<rocksgres_storage::LockStatus>>,
    /// The rows of `pg_cursors`: the session's open cursors.
    pub pg_cursors: Option<&'a dyn Fn() -> Vec<Vec<crate::types::Value>>>,
    /// The session's search path; its temp schema is what
    /// `pg_table_is_visible` needs (a shared name: no copy per statement).
    pub search_path: crate::catalog::temp::SearchPath,
    /// Sequence state (`nextval` and friends); `None` where sequence
    /// functions cannot run.
    pub sequences: Option<crate::exec::sequence::SequenceAccess<'a>>,
    /// The transaction's deferred foreign key checks; `None` where every
    /// check runs at once.
    pub deferred: Option<crate::exec::deferred_fks::SharedDeferred>,
    /// Where `set_config` records its changes; `None` where settings
    /// cannot change.
    pub config: Option<&'a crate::exec::config::ConfigChanges>,
    /// The database's temporary directory (`None`: a process-wide one,
    /// [`crate::exec::spill::temp_files::TempDir::fallback`]).
    pub temp_dir: Option<Arc<crate::exec::spill::temp_files::TempDir>>,
    /// The statement's spill limits, made on first use.
    spill: Option<crate::exec::spill::SpillEnv>,
    /// EXPLAIN ANALYZE's per-node counters; `None` for every other
    /// statement (see [`crate::exec::instrument`]).
    pub instrument: Option<Box<crate::exec::instrument::Instrument>>,
    /// The work an operator offers the parallel workers of one gather
    /// below it while its input runs (see
    /// [`crate::exec::gather_stage`]).
    pub(crate) gather_stage: Option<Arc<crate::exec::gather_stage::GatherStage>>,
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
            ctes: HashMap::new(),
            interrupt: Interrupt::none(),
            identity: None,
            settings: None,
            syscat: None,
            syscat_rows: HashMap::new(),
            scratch: Default::default(),
            backend_pid: 0,
            lock_status: None,
            pg_cursors: None,
            search_path: crate::catalog::temp::SearchPath::permanent(),
            sequences: None,
            deferred: None,
            config: None,
            temp_dir: None,
            spill: None,
            instrument: None,
            gather_stage: None,
        }
    }

    /// The statement's `work_mem`, `temp_file_limit` and temporary
    /// directory, for an operator that may spill (see
    /// [`crate::exec::spill`]); every operator of the statement shares
    /// one `temp_file_limit` count.
    pub fn spill_env(&mut self) -> crate::exec::spill::SpillEnv {
        if let Some(env) = &self.spill {
            return env.clone();
        }
        let dir = self
            .temp_dir
            .clone()
            .unwrap_or_else(crate::exec::spill::temp_files::TempDir::fallback);
        let env = crate::exec::spill::SpillEnv::new(dir, self.settings.as_ref());
        self.spill = Some(env.clone());
        env
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
        let snap = crate::syscat::Snapshot::load(
            &mut *self.txn,
            &user,
            &database,
            settings,
            &mut self.interrupt,
            self.backend_pid,
            self.lock_status.map(|f| f()).unwrap_or_default(),
            self.search_path.temp_schema(),
        )?;
        self.syscat = Some(Arc::clone(&snap));
        Ok(snap)
    }

    /// The rows of system relation `rel` as this statement sees them,
    /// generated the first time they are needed.
    pub fn syscat_rows(
        &mut self,
        rel: &'static crate::catalog::system::SysRel,
    ) -> crate::error::Result<SysRows> {
        if let Some(rows) = self.syscat_rows.get(&(rel.schema, rel.name)) {
            return Ok(Arc::clone(rows));
        }
        if rel.name == "pg_cursors" {
            // Session state, not catalog.
            let rows = Arc::new(self.pg_cursors.map(|f| f()).unwrap_or_default());
            self.syscat_rows
                .insert((rel.schema, rel.name), Arc::clone(&rows));
            return Ok(rows);
        }
        let snap = self.syscat()?;
        // `pg_sequences.last_value` is runtime state, not catalog: read
        // only for the relation that shows it.
        let sequences = self.sequences;
        let last_value = |d: &crate::catalog::sequence::SequenceDesc| match sequences {
            Some(s) => s.last_value(d),
            None => Ok(None),
        };
        let rows = Arc::new(crate::syscat::rows(
            rel,
            &snap,
            &mut self.interrupt,
            &last_value,
        )?);
        self.syscat_rows
            .insert((rel.schema, rel.name), Arc::clone(&rows));
        Ok(rows)
    }

    /// `max_parallel_workers_per_gather`: the most workers a parallel
    /// scan may start (PostgreSQL's default, 2, without settings).
    pub fn max_parallel_workers(&self) -> usize {
        self.settings
            .as_ref()
            .map_or(2, |s| s.max_parallel_workers_per_gather())
    }

    /// Fails with 57014 when the statement was cancelled or ran past its
    /// deadline; called once per iteration of every loop that may run
    /// long (cheap: see [`crate::interrupt`]).
    #[inline]
    pub fn check_interrupt(&mut self) -> crate::error::Result<()> {
        self.interrupt.check()
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

    fn approximate_size(&self, start: &[u8], end: &[u8]) -> crate::error::Result<Option<u64>> {
        Ok(Some(self.txn.approximate_size(start, end)?))
    }

    fn backend_pid(&self) -> i32 {
        self.backend_pid
    }

    fn current_setting(
        &self,
        name: &str,
        missing_ok: bool,
    ) -> crate::error::Result<Option<String>> {
        let fresh;
        let base = match &self.settings {
            Some(s) => s,
            None => {
                fresh = crate::settings::Settings::default();
                &fresh
            }
        };
        match self.config {
            Some(c) => c.current(base, name, missing_ok),
            None => crate::exec::config::ConfigChanges::default().current(base, name, missing_ok),
        }
    }

    fn set_config(
        &self,
        name: &str,
        value: Option<&str>,
        local: bool,
    ) -> crate::error::Result<String> {
        match (self.config, &self.settings) {
            (Some(c), Some(base)) => c.set(base, name, value, local),
            _ => Err(crate::error::EngineError::unsupported(
                "set_config outside a session statement",
            )),
        }
    }
}
