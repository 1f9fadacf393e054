//! Sessions: statement dispatch and PostgreSQL's transaction states.
//!
//! Outside a transaction block every statement runs in its own transaction
//! (autocommit). `BEGIN` opens a block; an error inside it puts the block in
//! the *failed* state, where every statement but ROLLBACK/COMMIT fails with
//! 25P02 and COMMIT reports ROLLBACK, exactly like PostgreSQL. Under READ
//! COMMITTED each statement takes a fresh snapshot.
//!
//! Several statements sent together outside a block (a multi-statement
//! simple Query, or the extended-protocol messages up to Sync) run as one
//! *implicit* transaction; SET is transactional, statements in read-only
//! transactions may not write, and a statement that panics fails like one
//! that errs: see [`transaction`] for all of these.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rocksgres_storage::{Isolation, Store, Timestamp, Transaction, TxnOptions, WaitLimits};
use sqlparser::ast::{self as ast, Statement};

use crate::catalog::lock::TableLocks;
use crate::catalog::temp::{self, OnCommitActions};
use crate::catalog::{self, Relation, SearchPath};
use crate::database::Database;
use crate::db_txn::DbTxn;
use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::exec::run::{run, Flow};
use crate::exec::scratch::Scratch;
use crate::exec::sequence::{SequenceAccess, SessionSequences};
use crate::exec::{ddl, dml};
use crate::interrupt::Interrupt;
use crate::plan::bind::Binder;
use crate::plan::cte_dml;
use crate::plan::node::Node;
use crate::result::{Column, CommandTag, QueryResult, Row, Rows};
use crate::result_sink::{Collector, ResultSink, RowCallback};
use crate::settings::Settings;
use crate::sql::identifiers::ident_name;
use crate::sql::sequence::SequenceStmt;
use crate::sql::{self, depth, Parsed};
use crate::types::{SqlType, Value};

mod cursor_rows;
mod cursors;
mod database_stmt;
mod explain_dml;
mod explain_run;
mod plan_cache;
mod portals;
mod temp_tables;
mod transaction;
pub use plan_cache::PlanCacheStats;
pub use transaction::SERIALIZABLE_WARNING;

/// The WARNING of `SET CONSTRAINTS` outside a transaction block.
pub const SET_CONSTRAINTS_WARNING: &str = "SET CONSTRAINTS can only be used in transaction blocks";
use transaction::{BlockSettings, Savepoint};

/// The transaction state of a session (PostgreSQL's ReadyForQuery status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnStatus {
    /// Not in a transaction block (`I`).
    Idle,
    /// In a transaction block (`T`).
    InBlock,
    /// In a failed transaction block (`E`).
    Failed,
}

/// A session of a [`Database`]; see the module docs.
pub struct Session<S: Store> {
    db: Database<S>,
    /// The oid of the database the session is connected to (every key it
    /// reads or writes is in that database's ranges, see [`crate::db_txn`]).
    db_id: u32,
    /// The session's entry in the database's session list.
    ticket: crate::database::SessionTicket,
    txn: Option<DbTxn<S::Txn>>,
    status: TxnStatus,
    /// SET/SHOW settings (durability, default isolation, timeouts, ...).
    settings: Settings,
    /// Open savepoints of the block.
    savepoints: Vec<Savepoint>,
    /// Whether statements outside an explicit block share one implicit
    /// transaction (see [`Session::begin_implicit`]).
    implicit: bool,
    /// Whether the open transaction has run a statement: its isolation
    /// level and read-write mode are fixed from then on (25001).
    txn_used: bool,
    /// The settings to restore when the open block (explicit or implicit)
    /// ends; `None` outside one.
    block_settings: Option<BlockSettings>,
    /// Set by [`CancelHandle::cancel`] to stop the running statement.
    cancel: Arc<AtomicBool>,
    /// While the embedder runs one statement as many calls (COPY FROM):
    /// its deadline, shared by those calls.
    long_statement: Option<Option<Instant>>,
    /// The plan cache of the prepared statement being run, if any.
    current_plan: Option<Arc<PlanSlot>>,
    /// Whether the current transaction ran DDL: its end changes the catalog
    /// other sessions see, so it invalidates cached plans again.
    ddl_in_txn: bool,
    /// (user, database) the session is connected as.
    identity: Arc<(String, String)>,
    /// The session user's name, shared by every statement's search path
    /// (no allocation per statement).
    user_name: Arc<str>,
    backend_pid: i32,
    /// The embedder's named prepared statements, which DEALLOCATE drops.
    prepared_statements: Option<Box<dyn PreparedStatements>>,
    /// Buffers lent to each statement (see [`crate::exec::scratch`]).
    scratch: Scratch,
    /// Plans of simple-protocol statements that differ only in literals.
    plan_cache: plan_cache::PlanCache,
    /// The session's temp schema and ON COMMIT actions (see
    /// [`temp_tables`]).
    temp: temp_tables::TempTables,
    /// `currval`/`lastval` state and cached sequence values.
    sequences: Arc<parking_lot::Mutex<SessionSequences>>,
    /// The transaction's deferred foreign key checks and `SET
    /// CONSTRAINTS` state.
    deferred: crate::exec::deferred_fks::SharedDeferred,
    /// The enum labels the transaction added (unsafe to use before it
    /// commits; see [`crate::types::enum_type::with_new_labels`]).
    new_enum_labels: parking_lot::Mutex<Vec<u32>>,
    /// The open SQL cursors (see [`cursors`]).
    cursors: cursors::SharedCursors,
}

/// The named prepared statements of a session. The engine keeps none
/// itself ([`Session::prepare`] hands the statement to the caller); an
/// embedder that names them, as the server does for the wire protocol's
/// Parse, registers its store with [`Session::set_prepared_statements`] so
/// that `DEALLOCATE` drops them as in PostgreSQL.
pub trait PreparedStatements: Send + Sync {
    /// Drops the statement `name`; whether it existed.
    fn deallocate(&mut self, name: &str) -> bool;
    /// Drops every named statement.
    fn deallocate_all(&mut self);
}

/// The cached plan of a prepared statement, with the catalog version it
/// was made for.
#[derive(Default)]
pub struct PlanSlot {
    plan: parking_lot::Mutex<Option<(u64, Arc<Plan>)>>,
    /// The prepared statement's parameter types: plans are made for these,
    /// not for the types of the values (a `uuid` or array parameter's value
    /// is carried as text).
    param_types: Vec<SqlType>,
}

impl std::fmt::Debug for PlanSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlanSlot")
    }
}

impl PlanSlot {
    fn get(&self, version: u64) -> Option<Arc<Plan>> {
        match &*self.plan.lock() {
            Some((v, p)) if *v == version => Some(Arc::clone(p)),
            _ => None,
        }
    }

    fn put(&self, version: u64, plan: Arc<Plan>) {
        *self.plan.lock() = Some((version, plan));
    }

    fn for_params(param_types: Vec<SqlType>) -> Self {
        PlanSlot {
            plan: Default::default(),
            param_types,
        }
    }
}

/// Cancels the statement a session is running (PostgreSQL's CancelRequest);
/// cheap to clone and usable from any thread.
#[derive(Debug, Clone)]
pub struct CancelHandle(Arc<AtomicBool>);

impl CancelHandle {
    /// Asks the running statement to stop with 57014. A statement checks
    /// in every loop (see [`crate::interrupt`]) and in lock waits; a
    /// cancel that arrives between statements is ignored, as in
    /// PostgreSQL.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether a cancel is pending (asked for and not yet seen by the
    /// running statement, or asked for between statements).
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// What may interrupt one statement.
struct Interrupts {
    identity: Arc<(String, String)>,
    settings: Settings,
    deadline: Option<Instant>,
    lock_timeout: Option<Duration>,
    cancel: Arc<AtomicBool>,
    backend_pid: i32,
    /// How the statement resolves relation names.
    search_path: SearchPath,
    /// Where CREATE TEMP TABLE ... ON COMMIT registers its action.
    on_commit: OnCommitActions,
    /// The session's sequence state.
    sequences: Arc<parking_lot::Mutex<SessionSequences>>,
    /// The oid of the session's database.
    database: u32,
    /// The transaction's deferred foreign key checks.
    deferred: crate::exec::deferred_fks::SharedDeferred,
    /// Whether the transaction is READ ONLY.
    read_only: bool,
    /// The statement's `set_config` calls.
    config: crate::exec::config::ConfigChanges,
    /// The session's cursors (for `pg_cursors`).
    cursors: cursors::SharedCursors,
}

impl Interrupts {
    /// What sequence functions need, over `db`.
    fn sequence_access<'a, S: Store>(&'a self, db: &'a Database<S>) -> SequenceAccess<'a> {
        SequenceAccess {
            store: db.store(),
            states: db.sequence_states(),
            database: self.database,
            session: &self.sequences,
            read_only: self.read_only,
        }
    }
}

impl Interrupts {
    /// The statement's interrupt, for the executor's loops.
    fn interrupt(&self) -> Interrupt {
        Interrupt::new(self.deadline, Some(Arc::clone(&self.cancel)))
    }
}

fn micros_since_2000() -> i64 {
    const PG_EPOCH_UNIX_SECS: i64 = 946_684_800;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    now.as_micros() as i64 - PG_EPOCH_UNIX_SECS * 1_000_000
}

impl<S: Store> Session<S> {
    pub(crate) fn new(db: Database<S>, db_id: u32, db_name: &str) -> Self {
        let backend_pid = db.next_backend_pid();
        let temp = temp_tables::TempTables::new(&db, db_id);
        let cancel = Arc::new(AtomicBool::new(false));
        let ticket = db.register_session(db_id, Arc::clone(&cancel));
        Session {
            db,
            db_id,
            ticket,
            txn: None,
            status: TxnStatus::Idle,
            settings: Settings::default(),
            savepoints: Vec::new(),
            implicit: false,
            txn_used: false,
            block_settings: None,
            cancel,
            long_statement: None,
            current_plan: None,
            ddl_in_txn: false,
            identity: Arc::new(("postgres".into(), db_name.into())),
            user_name: Arc::from("postgres"),
            prepared_statements: None,
            scratch: Scratch::default(),
            plan_cache: plan_cache::PlanCache::default(),
            backend_pid,
            temp,
            sequences: Default::default(),
            deferred: Default::default(),
            new_enum_labels: Default::default(),
            cursors: Default::default(),
        }
    }

    /// The session's backend pid: what `pg_backend_pid()` returns and
    /// `pg_locks` and `pg_stat_activity` show. Each session gets a distinct
    /// one; a server sets the pid it announced in BackendKeyData.
    pub fn backend_pid(&self) -> i32 {
        self.backend_pid
    }

    /// Sets the session's backend pid (see [`Session::backend_pid`]).
    pub fn set_backend_pid(&mut self, pid: i32) {
        self.backend_pid = pid;
    }

    /// Registers the store of the session's named prepared statements,
    /// which `DEALLOCATE` drops from (see [`PreparedStatements`]). Without
    /// one, `DEALLOCATE ALL` drops nothing and `DEALLOCATE name` fails with
    /// 26000.
    pub fn set_prepared_statements(&mut self, store: Box<dyn PreparedStatements>) {
        self.prepared_statements = Some(store);
    }

    /// `DEALLOCATE [PREPARE] name | ALL`. Not transactional, as in
    /// PostgreSQL: allowed in a block, refused (25P02) in a failed one.
    fn deallocate(&mut self, name: &ast::Ident) -> Result<QueryResult> {
        if self.status == TxnStatus::Failed {
            return Err(in_failed_block());
        }
        if name.quote_style.is_none() && name.value.eq_ignore_ascii_case("all") {
            if let Some(store) = self.prepared_statements.as_mut() {
                store.deallocate_all();
            }
            return Ok(QueryResult::command("DEALLOCATE ALL"));
        }
        let name = ident_name(name);
        let found = self
            .prepared_statements
            .as_mut()
            .is_some_and(|store| store.deallocate(&name));
        if !found {
            self.fail_block();
            return Err(EngineError::new(
                SqlState::InvalidSqlStatementName,
                format!("prepared statement \"{name}\" does not exist"),
            ));
        }
        Ok(QueryResult::command("DEALLOCATE"))
    }

    /// Sets the user name the session reports (`current_user`); the
    /// server passes the client's start-up value. The database is the one
    /// the session was opened on ([`Database::session_on`]).
    pub fn set_user(&mut self, user: &str) {
        self.identity = Arc::new((user.to_string(), self.identity.1.clone()));
        self.user_name = Arc::from(user);
    }

    /// The name of the database the session is connected to.
    pub fn database_name(&self) -> &str {
        &self.identity.1
    }

    /// Whether another session's `DROP DATABASE ... WITH (FORCE)` ended
    /// this one: the embedder closes it (the server with FATAL 57P01), and
    /// every statement it still sends fails with 57P01.
    pub fn terminated(&self) -> bool {
        self.ticket.terminate.load(Ordering::Relaxed)
    }

    /// The flag behind [`Session::terminated`], for an embedder that
    /// watches it while the session waits for its client.
    pub fn termination_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.ticket.terminate)
    }

    /// A handle that cancels this session's running statement.
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle(Arc::clone(&self.cancel))
    }

    /// Starts one statement that the embedder runs as several calls (the
    /// server's COPY FROM runs an INSERT per row): until
    /// [`Session::end_long_statement`] the calls share one deadline,
    /// `statement_timeout` from now, and a cancel during any of them stops
    /// them all; [`Session::check_interrupt`] reports it between calls.
    pub fn begin_long_statement(&mut self) {
        self.cancel.store(false, Ordering::Relaxed);
        let deadline = self
            .settings
            .statement_timeout()
            .map(|t| Instant::now() + t);
        self.long_statement = Some(deadline);
    }

    /// Fails with 57014 when the long statement (see
    /// [`Session::begin_long_statement`]) was cancelled or has passed its
    /// deadline; `Ok` when none is running.
    pub fn check_interrupt(&self) -> Result<()> {
        match self.long_statement {
            Some(deadline) => Interrupt::new(deadline, Some(Arc::clone(&self.cancel))).check_now(),
            None => Ok(()),
        }
    }

    /// Ends the long statement begun by [`Session::begin_long_statement`].
    pub fn end_long_statement(&mut self) {
        self.long_statement = None;
    }

    fn interrupts(&self) -> Interrupts {
        let deadline = match self.long_statement {
            Some(deadline) => deadline,
            None => {
                self.cancel.store(false, Ordering::Relaxed);
                self.settings
                    .statement_timeout()
                    .map(|t| Instant::now() + t)
            }
        };
        Interrupts {
            identity: Arc::clone(&self.identity),
            settings: self.settings.clone(),
            deadline,
            lock_timeout: self.settings.lock_timeout(),
            cancel: Arc::clone(&self.cancel),
            backend_pid: self.backend_pid,
            search_path: self.search_path(),
            on_commit: self.temp.on_commit(),
            sequences: Arc::clone(&self.sequences),
            database: self.db_id,
            deferred: Arc::clone(&self.deferred),
            read_only: self.read_only(),
            config: Default::default(),
            cursors: Arc::clone(&self.cursors),
        }
    }

    /// How the session resolves relation names now: its temp schema and
    /// `search_path`.
    fn search_path(&self) -> SearchPath {
        self.temp
            .search_path()
            .with_settings(self.settings.search_path(), Arc::clone(&self.user_name))
    }

    /// The limits and directory a result kept past its statement spills
    /// within (the session's `work_mem` and `temp_file_limit`, the
    /// database's temporary directory): a cursor's or a suspended
    /// portal's rows.
    pub fn spill_env(&self) -> crate::exec::spill::SpillEnv {
        crate::exec::spill::SpillEnv::new(Arc::clone(self.db.temp_dir()), Some(&self.settings))
    }

    /// The current transaction status.
    pub fn status(&self) -> TxnStatus {
        self.status
    }

    /// Runs every statement of `sql` (simple-query style: no parameters);
    /// stops at the first error.
    /// Several statements run as one implicit transaction, as in
    /// [`Session::simple_query`].
    pub fn batch(&mut self, sql: &str) -> Result<Vec<QueryResult>> {
        self.simple_query(sql).into_iter().collect()
    }

    /// Runs the statements of `sql` one by one, as PostgreSQL's simple-query
    /// protocol does: one result per statement, stopping after the first
    /// error (which is the last element). A single statement may run from
    /// the session's plan cache ([`Session::plan_cache_stats`]). Several
    /// statements outside an explicit block run as one implicit transaction
    /// (PostgreSQL's rule): an error undoes them all, and a `BEGIN` among
    /// them opens a block that includes the statements before it.
    /// Every row is collected; [`Session::simple_query_to`] streams them.
    pub fn simple_query(&mut self, sql: &str) -> Vec<Result<QueryResult>> {
        let mut collector = Collector::default();
        self.simple_query_to(sql, &mut collector);
        collector.results
    }

    /// [`Session::simple_query`] with its output streamed to `sink`: query
    /// rows as they are produced, each statement's result (or error) as
    /// soon as it ends (see [`crate::result_sink`]).
    pub fn simple_query_to(&mut self, sql: &str, sink: &mut dyn ResultSink) {
        depth::with_statement_stack(sql.len(), || self.simple_query_on_stack(sql, sink))
    }

    fn simple_query_on_stack(&mut self, sql: &str, sink: &mut dyn ResultSink) {
        // Inside an implicit block begun elsewhere (extended-protocol
        // messages not yet followed by Sync), the Query joins it and ends
        // it, as PostgreSQL's simple Query commits the open transaction.
        let outer = self.implicit;
        let ok = self.simple_query_inner(sql, sink);
        if outer {
            if let Err(e) = self.end_implicit(ok) {
                sink.finished(Err(e));
            }
        }
    }

    /// Sends the notices PostgreSQL raises while it scans the text
    /// (identifier truncation, typmod warnings); returns the text to run.
    fn lexical_notices<'t>(
        sql: &'t str,
        sink: &mut dyn ResultSink,
    ) -> Result<std::borrow::Cow<'t, str>> {
        let text = match sql::identifiers::truncate(sql) {
            Some((text, notices)) => {
                for n in notices {
                    sink.notice(n)?;
                }
                std::borrow::Cow::Owned(text)
            }
            None => std::borrow::Cow::Borrowed(sql),
        };
        for w in sql::typmod_warnings::warnings(&text) {
            sink.notice(w)?;
        }
        Ok(text)
    }

    /// Runs the statements; whether the last one succeeded.
    fn simple_query_inner(&mut self, sql: &str, sink: &mut dyn ResultSink) -> bool {
        let text = match Self::lexical_notices(sql, sink) {
            Ok(t) => t,
            Err(e) => {
                sink.finished(Err(e));
                return false;
            }
        };
        self.simple_query_scanned(&text, sink)
    }

    /// [`Session::simple_query_inner`] once the text's lexical notices
    /// are taken.
    fn simple_query_scanned(&mut self, sql: &str, sink: &mut dyn ResultSink) -> bool {
        if let Some(r) = self.run_cached_guarded(sql, sink) {
            let ok = r.is_ok();
            sink.finished(r);
            return ok;
        }
        let parsed = match self.guarded(|_| sql::parse(sql)) {
            Ok(p) => p,
            Err(e) => {
                self.statement_failed();
                sink.finished(Err(e));
                return false;
            }
        };
        let implicit = parsed.len() > 1 && !self.implicit;
        if implicit {
            self.begin_implicit();
        }
        let mut failed = false;
        for p in &parsed {
            let r = self.run_parsed(p, &[], sink);
            failed = r.is_err();
            sink.finished(r);
            if failed {
                break;
            }
        }
        if implicit {
            if let Err(e) = self.end_implicit(!failed) {
                sink.finished(Err(e));
                return false;
            }
        }
        !failed
    }

    /// [`Session::run_cached`] behind the panic guard.
    fn run_cached_guarded(
        &mut self,
        sql: &str,
        sink: &mut dyn ResultSink,
    ) -> Option<Result<QueryResult>> {
        match self.guarded(|s| Ok(s.run_cached(sql, sink))) {
            Ok(r) => r,
            Err(e) => {
                self.statement_failed();
                Some(Err(e))
            }
        }
    }

    /// Runs one statement with parameters and returns its result.
    pub fn query(&mut self, sql: &str, params: &[Value]) -> Result<QueryResult> {
        let mut collector = Collector::default();
        let mut r = self.query_to(sql, params, &mut collector)?;
        collector.attach(&mut r);
        Ok(r)
    }

    /// [`Session::query`] with its rows streamed to `sink` as they are
    /// produced (see [`crate::result_sink`]); the result then has no rows.
    pub fn query_to(
        &mut self,
        sql: &str,
        params: &[Value],
        sink: &mut dyn ResultSink,
    ) -> Result<QueryResult> {
        depth::with_statement_stack(sql.len(), || {
            let text = Self::lexical_notices(sql, sink)?;
            self.query_scanned(&text, params, sink)
        })
    }

    /// Runs one statement and calls `f` with each result row as it is
    /// produced, in constant memory whatever the size of the result: the
    /// streaming form of [`Session::query`] for embedding services. The
    /// returned result has the columns, the command tag and the notices,
    /// and no rows. An error from `f` stops the statement with that error.
    pub fn for_each_row(
        &mut self,
        sql: &str,
        params: &[Value],
        f: impl FnMut(&Row) -> Result<()>,
    ) -> Result<QueryResult> {
        let mut sink = RowCallback {
            f,
            notices: Vec::new(),
        };
        let mut r = self.query_to(sql, params, &mut sink)?;
        r.notices.splice(0..0, sink.notices);
        Ok(r)
    }

    /// [`Session::query_to`] once the text's lexical notices are taken.
    fn query_scanned(
        &mut self,
        sql: &str,
        params: &[Value],
        sink: &mut dyn ResultSink,
    ) -> Result<QueryResult> {
        if params.is_empty() {
            if let Some(r) = self.run_cached_guarded(sql, sink) {
                return r;
            }
        }
        let parsed = match self.guarded(|_| sql::parse(sql)) {
            Ok(p) => p,
            Err(e) => {
                self.statement_failed();
                return Err(e);
            }
        };
        match parsed.as_slice() {
            [one] => self.run_parsed(one, params, sink),
            [] => Ok(QueryResult::command("")),
            _ => {
                self.statement_failed();
                Err(EngineError::new(
                    SqlState::SyntaxError,
                    "cannot insert multiple commands into a prepared statement",
                ))
            }
        }
    }

    /// Parses and describes one statement without running it: the types of
    /// its parameters (inferred from their use; `$n` used nowhere typed is
    /// `text`) and of its result columns.
    pub fn prepare(&mut self, sql: &str) -> Result<Prepared> {
        self.prepare_typed(sql, &[])
    }

    /// Like [`Session::prepare`], with some parameter types given by the
    /// caller (`SqlType::Unknown` for "infer it").
    /// An error fails the transaction, as any error in PostgreSQL does.
    pub fn prepare_typed(&mut self, sql: &str, param_types: &[SqlType]) -> Result<Prepared> {
        depth::with_statement_stack(sql.len(), || self.prepare_on_stack(sql, param_types))
    }

    fn prepare_on_stack(&mut self, sql: &str, param_types: &[SqlType]) -> Result<Prepared> {
        let r = self.guarded(|s| s.prepare_inner(sql, param_types));
        if r.is_err() {
            self.statement_failed();
        }
        r
    }

    fn prepare_inner(&mut self, sql: &str, param_types: &[SqlType]) -> Result<Prepared> {
        let truncated = sql::identifiers::truncate(sql);
        let sql = truncated.as_ref().map_or(sql, |(text, _)| text.as_str());
        let parsed = sql::parse(sql)?;
        if parsed.len() > 1 {
            return Err(EngineError::new(
                SqlState::SyntaxError,
                "cannot insert multiple commands into a prepared statement",
            ));
        }
        let Some(first) = parsed.into_iter().next() else {
            return Ok(Prepared {
                parsed: None,
                param_types: param_types.to_vec(),
                columns: crate::result::no_columns(),
                plan: Arc::default(),
                text_len: sql.len(),
                plan_error: None,
            });
        };
        let mut plan_error = None;
        let to_plan = match &first {
            Parsed::Statement(stmt) if needs_planning(stmt) => Some(&**stmt),
            Parsed::Cursor(c) => c.declared_query(),
            _ => None,
        };
        let (types, mut columns) = match (&first, to_plan) {
            (_, Some(stmt)) => {
                if self.status == TxnStatus::Failed {
                    return Err(in_failed_block());
                }
                let declared = param_types.to_vec();
                let path = self.search_path();
                let describe = |txn: &mut DbTxn<S::Txn>| -> Result<(Vec<SqlType>, Arc<[Column]>)> {
                    let mut lookup = |name: &ast::ObjectName, in_view: bool| -> Result<Relation> {
                        catalog::resolve_relation(&mut *txn, path.for_view(in_view), name)
                    };
                    let mut binder = Binder::new(declared, &mut lookup);
                    let planned = plan_statement(stmt, &mut binder)?;
                    let columns = planned.columns().into();
                    let types = binder
                        .param_types
                        .iter()
                        .map(|t| {
                            if *t == SqlType::Unknown {
                                SqlType::Text
                            } else {
                                *t
                            }
                        })
                        .collect();
                    Ok((types, columns))
                };
                let described = match self.txn.as_mut() {
                    Some(txn) => describe(txn),
                    None => {
                        let mut txn = self.db.begin(self.db_id, self.begin_options())?;
                        let r = describe(&mut txn);
                        txn.rollback();
                        r
                    }
                };
                match described {
                    Ok(d) => d,
                    // A data exception while planning (constant folding of
                    // `1/0`) is raised when the statement is bound, as
                    // PostgreSQL plans at Bind, not at Parse.
                    Err(e) if e.code().starts_with("22") => {
                        plan_error = Some(e);
                        (param_types.to_vec(), crate::result::no_columns())
                    }
                    Err(e) => return Err(e),
                }
            }
            (Parsed::Cursor(c), None) => (
                param_types.to_vec(),
                self.fetch_columns(c)
                    .unwrap_or_else(crate::result::no_columns),
            ),
            _ => (param_types.to_vec(), crate::result::no_columns()),
        };
        if to_plan.is_some() && matches!(first, Parsed::Cursor(_)) {
            // A DECLARE returns no rows; its query gave the parameters.
            columns = crate::result::no_columns();
        }
        Ok(Prepared {
            parsed: Some(first),
            plan: Arc::new(PlanSlot::for_params(types.clone())),
            param_types: types,
            columns,
            text_len: sql.len(),
            plan_error,
        })
    }

    /// Runs a prepared statement with `params` (converted to the prepared
    /// parameter types).
    pub fn query_prepared(&mut self, prepared: &Prepared, params: &[Value]) -> Result<QueryResult> {
        self.query_prepared_to(prepared, params, &mut Collector::default())
    }

    /// [`Session::query_prepared`] with its rows streamed to `sink` as
    /// they are produced (see [`crate::result_sink`]); the result then has
    /// no rows.
    pub fn query_prepared_to(
        &mut self,
        prepared: &Prepared,
        params: &[Value],
        sink: &mut dyn ResultSink,
    ) -> Result<QueryResult> {
        depth::with_statement_stack(prepared.text_len, || {
            self.query_prepared_on_stack(prepared, params, sink)
        })
    }

    fn query_prepared_on_stack(
        &mut self,
        prepared: &Prepared,
        params: &[Value],
        sink: &mut dyn ResultSink,
    ) -> Result<QueryResult> {
        let r = self.guarded(|s| s.query_prepared_inner(prepared, params, sink));
        // The plan slot is the running statement's only: cleared on every
        // exit path, a panic included.
        self.current_plan = None;
        if r.is_err() {
            self.statement_failed();
        }
        r
    }

    fn query_prepared_inner(
        &mut self,
        prepared: &Prepared,
        params: &[Value],
        sink: &mut dyn ResultSink,
    ) -> Result<QueryResult> {
        if params.len() != prepared.param_types.len() {
            return Err(EngineError::new(
                SqlState::ProtocolViolation,
                format!(
                    "bind message supplies {} parameters, but prepared statement requires {}",
                    params.len(),
                    prepared.param_types.len()
                ),
            ));
        }
        let ready = params
            .iter()
            .zip(&prepared.param_types)
            .all(|(v, ty)| v.is_null() || *ty == SqlType::Unknown || v.sql_type() == Some(*ty));
        let converted;
        let params = if ready {
            // Already of the declared types: used as they are, no copy.
            params
        } else {
            converted = convert_params(params, &prepared.param_types)?;
            &converted
        };
        match &prepared.parsed {
            None => Ok(QueryResult::command("")),
            Some(p) => {
                self.current_plan = Some(Arc::clone(&prepared.plan));
                let r = self.run_parsed(p, params, sink);
                self.current_plan = None;
                r
            }
        }
    }

    /// Runs one statement and returns the number of rows it affected.
    pub fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.query(sql, params).map(|r| r.rows_affected)
    }

    /// Runs one parsed statement; a failure (an error or a panic) fails
    /// the transaction (see [`transaction`]).
    fn run_parsed(
        &mut self,
        p: &Parsed,
        params: &[Value],
        sink: &mut dyn ResultSink,
    ) -> Result<QueryResult> {
        if self.terminated() {
            return Err(EngineError::new(
                SqlState::AdminShutdown,
                "terminating connection due to administrator command",
            ));
        }
        if !keeps_cursors_lazy(p) {
            self.drain_cursors();
        }
        let r = self.guarded(|s| match p {
            Parsed::Utility(tag) => s.in_transaction(|_, _| Ok(QueryResult::command(tag))),
            Parsed::Statement(stmt) => s.run_statement(stmt, params, sink),
            Parsed::Sequence(stmt) => s.run_sequence_statement(stmt),
            Parsed::SetConstraints(stmt) => s.set_constraints(stmt),
            Parsed::Domain(stmt) => s.run_domain_statement(stmt),
            Parsed::Database(stmt) => s.run_database_statement(stmt),
            Parsed::Cursor(stmt) => s.run_cursor_statement(stmt, params),
            Parsed::Analyze(stmt) => s.run_analyze(stmt),
            Parsed::Vacuum(stmt) => s.run_vacuum(stmt),
        });
        if r.is_err() {
            self.statement_failed();
        }
        r
    }

    fn begin_options(&self) -> TxnOptions {
        TxnOptions {
            isolation: self.settings.default_isolation(),
            durability: self.settings.durability(),
            lock_timeout: self.settings.lock_timeout(),
            owner: self.backend_pid as u64,
        }
    }

    /// The session's settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Changes a setting, as `SET name = value` does.
    pub fn set(&mut self, name: &str, value: &str) -> Result<()> {
        self.settings.set(name, value)
    }

    /// Changes a setting as a client's start-up packet does: RESET
    /// restores this value ([`Settings::set_session_default`]).
    pub fn set_session_default(&mut self, name: &str, value: &str) -> Result<()> {
        self.settings.set_session_default(name, value)
    }

    /// Applies a setting from the server's command line (`-c`), which may
    /// also name the settings fixed for the server's lifetime
    /// ([`Settings::set_server`]).
    pub fn set_server(&mut self, name: &str, value: &str) -> Result<()> {
        self.settings.set_server(name, value)
    }

    fn set_statement(&mut self, set: &ast::Set) -> Result<QueryResult> {
        if self.status == TxnStatus::Failed {
            return Err(in_failed_block());
        }
        let mut r = QueryResult::command("SET");
        match set {
            ast::Set::SingleAssignment {
                variable,
                values,
                scope,
                ..
            } => {
                let name = variable.to_string();
                let local = matches!(scope, Some(ast::ContextModifier::Local));
                let text = set_value_text(&name, values);
                self.apply_set(&name, text.as_deref(), local, &mut r)?;
            }
            ast::Set::SetTimeZone { value, local } => {
                // SET TIME ZONE LOCAL / DEFAULT restore the default.
                let is_default = matches!(value, ast::Expr::Identifier(id) if id.quote_style.is_none()
                    && (id.value.eq_ignore_ascii_case("local") || id.value.eq_ignore_ascii_case("default")));
                let text = setting_text(value);
                let value = if is_default {
                    None
                } else {
                    Some(text.as_str())
                };
                self.apply_set("TimeZone", value, *local, &mut r)?;
            }
            ast::Set::SetTransaction {
                modes,
                snapshot: None,
                session: false,
            } => self.set_transaction(modes, &mut r)?,
            // SET SESSION CHARACTERISTICS AS TRANSACTION: the defaults.
            ast::Set::SetTransaction {
                modes,
                snapshot: None,
                session: true,
            } => {
                for m in modes {
                    let (name, value) = match m {
                        ast::TransactionMode::IsolationLevel(level) => {
                            ("default_transaction_isolation", isolation_name(level))
                        }
                        ast::TransactionMode::AccessMode(mode) => (
                            "default_transaction_read_only",
                            if *mode == ast::TransactionAccessMode::ReadOnly {
                                "on"
                            } else {
                                "off"
                            },
                        ),
                    };
                    self.apply_set(name, Some(value), false, &mut r)?;
                }
            }
            other => return Err(EngineError::unsupported(format!("{other}"))),
        }
        Ok(r)
    }

    fn show_statement(&mut self, name: &str) -> Result<QueryResult> {
        if self.status == TxnStatus::Failed {
            return Err(in_failed_block());
        }
        if name.eq_ignore_ascii_case("all") {
            let rows = Rows::from_vecs(
                self.settings
                    .all()
                    .into_iter()
                    .map(|(n, v)| vec![Value::Text(n), Value::Text(v), Value::Text(String::new())])
                    .collect(),
            );
            let n = rows.len() as u64;
            return Ok(QueryResult {
                tag: CommandTag::new("SHOW"),
                columns: ["name", "setting", "description"]
                    .iter()
                    .map(|c| crate::result::Column {
                        name: c.to_string(),
                        ty: SqlType::Text,
                    })
                    .collect::<Vec<_>>()
                    .into(),
                rows,
                rows_affected: n,
                notices: Vec::new(),
            });
        }
        let value = self.settings.get(name)?.to_string();
        let column = if name.eq_ignore_ascii_case("transaction isolation level") {
            "transaction_isolation".to_string()
        } else {
            self.settings.canonical_name(name)
        };
        Ok(QueryResult {
            tag: CommandTag::new("SHOW"),
            columns: Arc::from([crate::result::Column {
                name: column,
                ty: SqlType::Text,
            }]),
            rows: Rows::from_vecs(vec![vec![Value::Text(value)]]),
            rows_affected: 1,
            notices: Vec::new(),
        })
    }

    fn run_statement(
        &mut self,
        stmt: &Statement,
        params: &[Value],
        sink: &mut dyn ResultSink,
    ) -> Result<QueryResult> {
        match stmt {
            Statement::StartTransaction { modes, .. } => {
                let mut r = QueryResult::command("BEGIN");
                if self.status != TxnStatus::Idle {
                    r.notices
                        .push("there is already a transaction in progress".into());
                    return Ok(r);
                }
                // In an implicit block BEGIN makes it explicit: the
                // statements before it become part of the block.
                if self.implicit {
                    self.implicit = false;
                } else {
                    self.block_settings = Some(self.snapshot_settings());
                    self.txn_used = false;
                }
                self.status = TxnStatus::InBlock;
                if self.txn.is_none() {
                    self.txn = Some(self.db.begin(self.db_id, self.begin_options())?);
                }
                let result = self.set_transaction(modes, &mut r);
                if result.is_ok()
                    && !modes
                        .iter()
                        .any(|m| matches!(m, ast::TransactionMode::IsolationLevel(_)))
                    && self.settings.get("transaction_isolation").ok() == Some("serializable")
                {
                    r.notices.push(transaction::SERIALIZABLE_WARNING.into());
                }
                result.map(|()| r)
            }
            Statement::Commit { .. } => Ok(match self.status {
                TxnStatus::Idle => {
                    let mut r = QueryResult::command("COMMIT");
                    r.notices.push("there is no transaction in progress".into());
                    if self.implicit {
                        // Commits the implicit block; the next statement
                        // starts a new one.
                        self.finish_block(true)?;
                        self.block_settings = Some(self.snapshot_settings());
                    }
                    r
                }
                TxnStatus::Failed => {
                    self.end(false)?;
                    QueryResult::command("ROLLBACK")
                }
                TxnStatus::InBlock => {
                    self.end(true)?;
                    QueryResult::command("COMMIT")
                }
            }),
            Statement::Rollback {
                savepoint: None, ..
            } => {
                let mut r = QueryResult::command("ROLLBACK");
                if self.status == TxnStatus::Idle {
                    r.notices.push("there is no transaction in progress".into());
                }
                self.end(false)?;
                if self.implicit {
                    self.block_settings = Some(self.snapshot_settings());
                }
                Ok(r)
            }
            Statement::Savepoint { name } => {
                let name = ident_name(name);
                match self.status {
                    TxnStatus::Idle => Err(EngineError::new(
                        SqlState::NoActiveSqlTransaction,
                        "SAVEPOINT can only be used in transaction blocks",
                    )),
                    TxnStatus::Failed => Err(in_failed_block()),
                    TxnStatus::InBlock => {
                        let txn = self.txn.as_mut().expect("a block has a transaction");
                        let depth = txn.savepoint();
                        let session_settings = self
                            .block_settings
                            .as_ref()
                            .map_or_else(|| self.settings.clone(), |b| b.session.clone());
                        self.savepoints.push(Savepoint {
                            name,
                            depth,
                            on_commit_mark: self.temp.savepoint(),
                            sequence_mark: self.sequences.lock().mark(),
                            settings: self.settings.clone(),
                            session_settings,
                            constraint_modes: self.deferred.lock().modes(),
                        });
                        Ok(QueryResult::command("SAVEPOINT"))
                    }
                }
            }
            Statement::Rollback {
                savepoint: Some(name),
                ..
            } => {
                let name = ident_name(name);
                if self.status == TxnStatus::Idle {
                    return Err(EngineError::new(
                        SqlState::NoActiveSqlTransaction,
                        "ROLLBACK TO SAVEPOINT can only be used in transaction blocks",
                    ));
                }
                let Some(pos) = self.savepoints.iter().rposition(|sp| sp.name == name) else {
                    self.fail_block();
                    return Err(no_savepoint(&name));
                };
                let sp = &self.savepoints[pos];
                let depth = sp.depth;
                self.temp.rollback_to(sp.on_commit_mark);
                self.sequences.lock().rollback_to(sp.sequence_mark);
                self.deferred
                    .lock()
                    .restore_modes(sp.constraint_modes.clone());
                self.settings = sp.settings.clone();
                if let Some(b) = self.block_settings.as_mut() {
                    b.session = sp.session_settings.clone();
                }
                self.savepoints.truncate(pos + 1);
                self.cursors.lock().rollback_to(pos);
                if let Some(txn) = self.txn.as_mut() {
                    txn.rollback_to_savepoint(depth);
                }
                self.status = TxnStatus::InBlock;
                Ok(QueryResult::command("ROLLBACK"))
            }
            Statement::ReleaseSavepoint { name } => {
                let name = ident_name(name);
                match self.status {
                    TxnStatus::Idle => Err(EngineError::new(
                        SqlState::NoActiveSqlTransaction,
                        "RELEASE SAVEPOINT can only be used in transaction blocks",
                    )),
                    TxnStatus::Failed => Err(in_failed_block()),
                    TxnStatus::InBlock => {
                        let Some(pos) = self.savepoints.iter().rposition(|sp| sp.name == name)
                        else {
                            self.fail_block();
                            return Err(no_savepoint(&name));
                        };
                        let depth = self.savepoints[pos].depth;
                        self.savepoints.truncate(pos);
                        self.cursors.lock().release(pos);
                        if let Some(txn) = self.txn.as_mut() {
                            txn.release_savepoint(depth);
                        }
                        Ok(QueryResult::command("RELEASE"))
                    }
                }
            }
            Statement::Set(set) => self.set_statement(set),
            Statement::Deallocate { name, .. } => self.deallocate(name),
            Statement::ShowVariable { variable } => {
                let words: Vec<&str> = variable.iter().map(|i| i.value.as_str()).collect();
                // sqlparser splits `SHOW a.b` like `SHOW time zone`: the
                // multi-word names PostgreSQL knows are words, the rest a
                // custom placeholder's dotted name.
                let spaced = words.join(" ");
                let name = if words.len() == 1
                    || matches!(
                        spaced.to_ascii_lowercase().as_str(),
                        "time zone" | "transaction isolation level" | "session authorization"
                    ) {
                    spaced
                } else {
                    words.join(".")
                };
                self.show_statement(&name)
            }
            Statement::Reset(r) => {
                if self.status == TxnStatus::Failed {
                    return Err(in_failed_block());
                }
                let mut result = QueryResult::command("RESET");
                match &r.reset {
                    ast::Reset::ALL => self.reset_all()?,
                    ast::Reset::ConfigurationParameter(n) => {
                        self.apply_set(&n.to_string(), None, false, &mut result)?
                    }
                    ast::Reset::SessionAuthorization => {}
                }
                Ok(result)
            }
            Statement::CreateIndex(ci) if ci.concurrently => {
                self.check_writable(stmt)?;
                self.create_index_concurrently(ci)
            }
            Statement::Lock(_) if self.status == TxnStatus::Idle && !self.implicit => {
                Err(EngineError::new(
                    SqlState::NoActiveSqlTransaction,
                    "LOCK TABLE can only be used in transaction blocks",
                ))
            }
            other => {
                self.check_writable(other)?;
                let interrupts = self.interrupts();
                let cache = self.current_plan.clone();
                if is_ddl(other) {
                    self.ddl_in_txn = true;
                }
                if matches!(other, Statement::CreateTable(_)) {
                    self.temp.may_have_tables();
                }
                let mut scratch = std::mem::take(&mut self.scratch);
                let r = self.in_transaction(|txn, db| {
                    execute(
                        txn,
                        db,
                        other,
                        params,
                        &interrupts,
                        cache.as_deref(),
                        StatementIo {
                            scratch: &mut scratch,
                            sink,
                        },
                    )
                });
                self.scratch = scratch;
                let mut r = r?;
                for (name, value, local) in interrupts.config.take() {
                    // set_config(..., true) outside a transaction block
                    // lasts for its statement only, without SET LOCAL's
                    // warning.
                    if !local || self.in_block() {
                        self.apply_set(&name, value.as_deref(), local, &mut r)?;
                    }
                }
                Ok(r)
            }
        }
    }

    /// `CREATE INDEX CONCURRENTLY`, in transactions of its own (see
    /// [`crate::exec::index_ddl::create_index_concurrently`]); 25001 in a
    /// transaction block, as PostgreSQL.
    fn create_index_concurrently(&mut self, ci: &ast::CreateIndex) -> Result<QueryResult> {
        if self.status != TxnStatus::Idle || self.implicit {
            return Err(EngineError::new(
                SqlState::ActiveSqlTransaction,
                "CREATE INDEX CONCURRENTLY cannot run inside a transaction block",
            ));
        }
        let interrupts = self.interrupts();
        let db = &self.db;
        let options = TxnOptions {
            // Row locks and newest versions, never a serialization failure.
            isolation: Isolation::ReadCommitted,
            ..self.begin_options()
        };
        let db_id = self.db_id;
        let mut begin = || -> Result<DbTxn<S::Txn>> {
            let mut txn = db.begin(db_id, options)?;
            txn.set_lock_timeout(interrupts.lock_timeout);
            txn.set_wait_limits(WaitLimits {
                deadline: interrupts.deadline,
                cancel: Some(Arc::clone(&interrupts.cancel)),
            });
            Ok(txn)
        };
        let committed = || db.bump_catalog_version();
        let notices = crate::exec::index_ddl::create_index_concurrently(
            &mut begin,
            &committed,
            &interrupts.search_path,
            ci,
            micros_since_2000(),
            interrupts.interrupt(),
        )?;
        let mut r = QueryResult::command("CREATE INDEX");
        r.notices = notices;
        Ok(r)
    }

    /// `SET CONSTRAINTS` (see [`crate::exec::deferred_fks`]). Outside a
    /// transaction block it warns, as PostgreSQL, and lasts for its own
    /// transaction only.
    fn set_constraints(
        &mut self,
        stmt: &sql::set_constraints::SetConstraints,
    ) -> Result<QueryResult> {
        use crate::exec::deferred_fks;
        let mut r = QueryResult::command("SET CONSTRAINTS");
        if self.status == TxnStatus::Idle && !self.implicit {
            r.notices.push(SET_CONSTRAINTS_WARNING.into());
        }
        let interrupts = self.interrupts();
        self.in_transaction(|txn, _| {
            let oids = match &stmt.names {
                None => None,
                Some(names) => {
                    let mut oids = Vec::new();
                    for n in names {
                        oids.extend(deferred_fks::resolve_name(
                            &mut *txn,
                            &interrupts.search_path,
                            n,
                            stmt.deferred,
                        )?);
                    }
                    Some(oids)
                }
            };
            let mut ctx = Ctx::new(txn, &[], micros_since_2000());
            ctx.interrupt = interrupts.interrupt();
            ctx.deferred = Some(Arc::clone(&interrupts.deferred));
            deferred_fks::set_constraints(&interrupts.deferred, oids, stmt.deferred, &mut ctx)?;
            Ok(r)
        })
    }

    /// CREATE or ALTER SEQUENCE.
    fn run_sequence_statement(&mut self, stmt: &SequenceStmt) -> Result<QueryResult> {
        self.check_writable_command(match stmt {
            SequenceStmt::Create { .. } => "CREATE SEQUENCE",
            SequenceStmt::Alter { .. } => "ALTER SEQUENCE",
            SequenceStmt::AlterIdentity { .. } => "ALTER TABLE",
        })?;
        let interrupts = self.interrupts();
        self.ddl_in_txn = true;
        if matches!(stmt, SequenceStmt::Create { .. }) {
            // It may be a temp sequence, dropped with the session.
            self.temp.may_have_tables();
        }
        self.in_transaction(|txn, db| {
            db.bump_catalog_version();
            let access = interrupts.sequence_access(db);
            let (tag, notices) = crate::exec::sequence_ddl::run(
                txn,
                &interrupts.search_path,
                stmt,
                &access,
                &interrupts.identity.0,
            )?;
            let mut r = QueryResult::command(tag);
            r.notices = notices;
            Ok(r)
        })
    }

    /// ANALYZE (see [`crate::exec::analyze`]); allowed in a transaction
    /// block and in a read-only transaction, as in PostgreSQL. Cached
    /// plans are made again with the new statistics.
    fn run_analyze(&mut self, stmt: &sql::analyze::AnalyzeStmt) -> Result<QueryResult> {
        let interrupts = self.interrupts();
        self.ddl_in_txn = true;
        self.in_transaction(|txn, db| {
            db.bump_catalog_version();
            txn.set_lock_timeout(interrupts.lock_timeout);
            txn.set_wait_limits(WaitLimits {
                deadline: interrupts.deadline,
                cancel: Some(Arc::clone(&interrupts.cancel)),
            });
            let notices = crate::exec::analyze::run(
                txn,
                &interrupts.search_path,
                stmt,
                micros_since_2000(),
                &mut interrupts.interrupt(),
            );
            txn.set_wait_limits(WaitLimits::default());
            let mut r = QueryResult::command("ANALYZE");
            r.notices = notices?;
            Ok(r)
        })
    }

    /// VACUUM (see [`sql::vacuum`]): 25001 in a transaction block (an
    /// implicit one too: a query string with more statements fails to
    /// parse), as PostgreSQL's `PreventInTransactionBlock`;
    /// then ANALYZE of the tables when asked, else a check that the
    /// tables named exist. Nothing is reclaimed.
    fn run_vacuum(&mut self, stmt: &sql::vacuum::VacuumStmt) -> Result<QueryResult> {
        match self.status {
            TxnStatus::Failed => return Err(in_failed_block()),
            TxnStatus::InBlock => return Err(sql::vacuum::in_block()),
            // A statement before it in the same implicit block (a
            // pipeline of extended-protocol messages).
            TxnStatus::Idle if self.implicit && self.txn.is_some() => {
                return Err(sql::vacuum::in_block())
            }
            TxnStatus::Idle => {}
        }
        let mut r = if stmt.analyze {
            self.run_analyze(&stmt.stmt)?
        } else {
            let path = self.search_path();
            let targets = &stmt.stmt.targets;
            self.in_transaction(|txn, _| {
                let mut r = QueryResult::command("VACUUM");
                r.notices = crate::exec::analyze::check_vacuum_targets(txn, &path, targets)?;
                Ok(r)
            })?
        };
        r.tag = crate::result::CommandTag::new("VACUUM");
        r.notices = crate::exec::analyze::as_vacuum_notices(std::mem::take(&mut r.notices));
        Ok(r)
    }

    fn run_domain_statement(&mut self, stmt: &sql::domain::DomainStmt) -> Result<QueryResult> {
        self.check_writable_command(stmt.tag())?;
        let interrupts = self.interrupts();
        self.ddl_in_txn = true;
        self.in_transaction(|txn, db| {
            db.bump_catalog_version();
            let mut r = QueryResult::command(stmt.tag());
            r.notices = crate::exec::domain_ddl::run(
                txn,
                &interrupts.search_path,
                stmt,
                &interrupts.identity.0,
                micros_since_2000(),
                &mut interrupts.interrupt(),
            )?;
            Ok(r)
        })
    }

    /// The transaction committed: the temp tables' and sequences' state
    /// follow.
    fn txn_committed(&self) {
        self.cursors.lock().committed();
        self.new_enum_labels.lock().clear();
        self.temp.committed();
        self.deferred.lock().clear();
        // The restarts took effect in memory; a failed write is redone by
        // the sequence's next value (see `SessionSequences::committed`),
        // and the commit itself stands.
        let _ =
            self.sequences
                .lock()
                .committed(self.db.store(), self.db.sequence_states(), self.db_id);
    }

    /// The transaction rolled back.
    fn txn_rolled_back(&self) {
        self.cursors.lock().rolled_back();
        self.new_enum_labels.lock().clear();
        self.temp.rolled_back();
        self.deferred.lock().clear();
        self.sequences.lock().rolled_back();
    }

    /// Marks an open block failed after an error.
    fn fail_block(&mut self) {
        if self.status == TxnStatus::InBlock {
            self.status = TxnStatus::Failed;
        }
    }

    /// A transaction that ran DDL ended: plans made meanwhile by other
    /// sessions saw the catalog before this change became visible.
    fn ddl_ended(&mut self) {
        if self.ddl_in_txn {
            self.ddl_in_txn = false;
            self.db.bump_catalog_version();
        }
    }

    /// Ends the current transaction.
    fn end(&mut self, commit: bool) -> Result<()> {
        self.finish_block(commit)
    }

    /// Runs `f` in the open block's transaction (explicit, or implicit:
    /// opened with its first statement). Failures are handled by the
    /// caller (`statement_failed`).
    fn in_block_txn(
        &mut self,
        f: impl FnOnce(&mut DbTxn<S::Txn>, &Database<S>) -> Result<QueryResult>,
    ) -> Result<QueryResult> {
        self.ensure_txn()?;
        let txn = self.txn.as_mut().expect("a block has a transaction");
        if txn.isolation() == Isolation::ReadCommitted {
            txn.refresh_snapshot()?;
        }
        self.txn_used = true;
        let labels = std::mem::take(&mut *self.new_enum_labels.lock());
        let (r, labels) = crate::types::enum_type::with_new_labels(labels, || f(txn, &self.db));
        *self.new_enum_labels.lock() = labels;
        r
    }

    /// Runs `f` inside the block's transaction, or in its own autocommit
    /// transaction, applying PostgreSQL's failure rules.
    fn in_transaction(
        &mut self,
        f: impl FnOnce(&mut DbTxn<S::Txn>, &Database<S>) -> Result<QueryResult>,
    ) -> Result<QueryResult> {
        match self.status {
            TxnStatus::Failed => Err(in_failed_block()),
            // An explicit block, or an implicit one (whose transaction
            // opens with its first statement). Failures are handled by the
            // caller (`statement_failed`).
            TxnStatus::InBlock => self.in_block_txn(f),
            TxnStatus::Idle if self.implicit => self.in_block_txn(f),
            TxnStatus::Idle => {
                let mut txn = self.db.begin(self.db_id, self.begin_options())?;
                let r = match f(&mut txn, &self.db)
                    .and_then(|r| self.pre_commit(&mut txn).map(|_| r))
                {
                    Ok(r) => {
                        let r = txn.commit().map(|_| r).map_err(EngineError::from);
                        if r.is_ok() {
                            self.txn_committed();
                        } else {
                            self.txn_rolled_back();
                        }
                        r
                    }
                    Err(e) => {
                        txn.rollback();
                        self.txn_rolled_back();
                        Err(e)
                    }
                };
                self.ddl_ended();
                r
            }
        }
    }
}

impl<S: Store> Drop for Session<S> {
    /// Rolls back the open transaction and drops the session's temp
    /// tables.
    fn drop(&mut self) {
        if let Some(t) = self.txn.take() {
            t.rollback();
        }
        self.temp.end_session(&self.db);
        self.db.unregister_session(self.ticket.id);
    }
}

/// The text of a SET value: string literals unquoted, identifiers as written.
/// The value `SET name = values` gives (`None` for `DEFAULT`): the values
/// as text, joined by commas; a list setting (`search_path`) quotes each
/// element that needs it (PostgreSQL's GUC_LIST_QUOTE).
pub(crate) fn set_value_text(name: &str, values: &[ast::Expr]) -> Option<String> {
    let is_default = matches!(values, [ast::Expr::Identifier(id)] if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"));
    if is_default {
        return None;
    }
    let list = name.eq_ignore_ascii_case("search_path");
    Some(
        values
            .iter()
            .map(|v| {
                if list {
                    let item = match v {
                        ast::Expr::Identifier(id) => crate::sql::identifiers::ident_name(id),
                        other => setting_text(other),
                    };
                    crate::sql::identifiers::quote_ident(&item)
                } else {
                    setting_text(v)
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
    )
}

fn setting_text(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
            ast::Value::Number(n, _) => n.clone(),
            ast::Value::Boolean(b) => if *b { "on" } else { "off" }.into(),
            other => other.to_string(),
        },
        ast::Expr::Identifier(id) => id.value.clone(),
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => format!("-{}", setting_text(expr)),
        other => other.to_string(),
    }
}

fn isolation_name(level: &ast::TransactionIsolationLevel) -> &'static str {
    match level {
        ast::TransactionIsolationLevel::ReadUncommitted => "read uncommitted",
        ast::TransactionIsolationLevel::ReadCommitted => "read committed",
        ast::TransactionIsolationLevel::RepeatableRead => "repeatable read",
        _ => "serializable",
    }
}

fn in_failed_block() -> EngineError {
    EngineError::new(
        SqlState::InFailedSqlTransaction,
        "current transaction is aborted, commands ignored until end of transaction block",
    )
}

fn no_savepoint(name: &str) -> EngineError {
    EngineError::new(
        SqlState::InvalidSavepointSpecification,
        format!("savepoint \"{name}\" does not exist"),
    )
}

/// Whether `p` leaves the session's lazy cursors lazy: it cannot write
/// in the transaction (whose writes those cursors must not see; see
/// [`cursors`]). Everything else drains them first.
fn keeps_cursors_lazy(p: &Parsed) -> bool {
    match p {
        Parsed::Cursor(_) => true,
        Parsed::Statement(stmt) => match &**stmt {
            Statement::Query(q) => {
                select_into(stmt).is_none()
                    && q.with.as_ref().is_none_or(|w| {
                        w.cte_tables.iter().all(|c| {
                            !matches!(
                                *c.query.body,
                                ast::SetExpr::Insert(_)
                                    | ast::SetExpr::Update(_)
                                    | ast::SetExpr::Delete(_)
                                    | ast::SetExpr::Merge(_)
                            )
                        })
                    })
            }
            Statement::StartTransaction { .. }
            | Statement::Commit { .. }
            | Statement::Rollback { .. }
            | Statement::Savepoint { .. }
            | Statement::ReleaseSavepoint { .. } => true,
            // Settings and prepared-statement names live in the session,
            // not in the transaction's writes: a `SET` between two
            // FETCHes leaves the cursor running as it is fetched, as in
            // PostgreSQL (whose portal then runs under the new setting).
            Statement::Set(_)
            | Statement::ShowVariable { .. }
            | Statement::Reset(_)
            | Statement::Deallocate { .. } => true,
            _ => false,
        },
        _ => false,
    }
}

/// Executes one planned statement inside `txn`.
/// Where a statement's working memory and output go: the session's
/// reusable buffers and the caller's [`ResultSink`].
struct StatementIo<'o> {
    scratch: &'o mut Scratch,
    sink: &'o mut dyn ResultSink,
}

fn execute<S: Store>(
    txn: &mut DbTxn<S::Txn>,
    db: &Database<S>,
    stmt: &Statement,
    params: &[Value],
    interrupts: &Interrupts,
    cache: Option<&PlanSlot>,
    io: StatementIo<'_>,
) -> Result<QueryResult> {
    // Lock waits end at lock_timeout, the statement's deadline or its
    // cancel, whichever comes first.
    txn.set_lock_timeout(interrupts.lock_timeout);
    txn.set_wait_limits(WaitLimits {
        deadline: interrupts.deadline,
        cancel: Some(Arc::clone(&interrupts.cancel)),
    });
    let mut r = execute_statement(txn, db, stmt, params, interrupts, cache, io);
    if r.is_ok()
        && matches!(
            stmt,
            Statement::Drop { .. } | Statement::AlterTable(_) | Statement::DropDomain(_)
        )
    {
        // Comments go with their objects, and so do statistics.
        if let Err(e) = catalog::description::sweep(txn) {
            r = Err(e);
        } else if let Err(e) = catalog::statistic::sweep(txn) {
            r = Err(e);
        }
    }
    txn.set_wait_limits(WaitLimits::default());
    r
}

fn execute_statement<S: Store>(
    txn: &mut DbTxn<S::Txn>,
    db: &Database<S>,
    stmt: &Statement,
    params: &[Value],
    interrupts: &Interrupts,
    cache: Option<&PlanSlot>,
    io: StatementIo<'_>,
) -> Result<QueryResult> {
    let StatementIo { scratch, sink } = io;
    if is_ddl(stmt) {
        db.bump_catalog_version();
    }
    match stmt {
        Statement::CreateTable(ct) if ct.query.is_some() => {
            return create_table_as(txn, db, ct, params, interrupts, scratch);
        }
        Statement::Query(_) if select_into(stmt).is_some() => {
            if let Some(ct) = select_into(stmt) {
                return create_table_as(txn, db, &ct?, params, interrupts, scratch);
            }
        }
        Statement::CreateTable(ct) => {
            let mut r = QueryResult::command("CREATE TABLE");
            match ddl::create_table(txn, &interrupts.search_path, ct)? {
                ddl::Created::Skipped(name) => r
                    .notices
                    .push(format!("relation \"{name}\" already exists, skipping")),
                ddl::Created::Table(t) => {
                    let action = match ct.on_commit {
                        Some(ast::OnCommit::Drop) => Some(temp::OnCommit::Drop),
                        Some(ast::OnCommit::DeleteRows) => Some(temp::OnCommit::DeleteRows),
                        _ => None,
                    };
                    if let Some(a) = action {
                        interrupts.on_commit.lock().register(t.id, a);
                    }
                }
            }
            return Ok(r);
        }
        Statement::Drop {
            object_type,
            if_exists,
            names,
            cascade,
            ..
        } if matches!(object_type, ast::ObjectType::Table | ast::ObjectType::View) => {
            let mut r;
            if *object_type == ast::ObjectType::Table {
                r = QueryResult::command("DROP TABLE");
                r.notices =
                    ddl::drop_tables(txn, &interrupts.search_path, names, *if_exists, *cascade)?;
            } else {
                r = QueryResult::command("DROP VIEW");
                r.notices = crate::exec::views::drop_views(
                    txn,
                    &interrupts.search_path,
                    names,
                    *if_exists,
                    *cascade,
                )?;
            }
            return Ok(r);
        }
        Statement::CreateView(cv) => {
            if cv.materialized {
                return Err(EngineError::unsupported("materialized views"));
            }
            let (schema, name, temporary) =
                temp::creation_schema(txn, &interrupts.search_path, &cv.name, cv.temporary)?;
            // Whether the body reads a temporary relation (then the view
            // is temporary too, as PostgreSQL makes it).
            let mut reads_temp = false;
            let mut deps: Vec<String> = Vec::new();
            let path = &interrupts.search_path;
            // The schema each unqualified name the body reads denotes now.
            let mut bindings: Vec<(String, String)> = Vec::new();
            let columns = {
                let mut lookup = |n: &ast::ObjectName, in_view: bool| -> Result<Relation> {
                    let r = catalog::resolve_relation(&mut *txn, path.for_view(in_view), n)?;
                    let temp_relation = match &r {
                        Relation::Table(t) => temp::is_temp_schema(&t.schema),
                        Relation::Sequence(q) => temp::is_temp_schema(&q.schema),
                        Relation::View(v) => temp::is_temp_schema(&v.schema),
                        _ => false,
                    };
                    reads_temp |= temp_relation && !in_view;
                    if let (false, [part]) = (in_view, n.0.as_slice()) {
                        let schema = match &r {
                            Relation::Table(t) => Some(t.schema.clone()),
                            Relation::View(v) => Some(v.schema.clone()),
                            Relation::Sequence(q) => Some(q.schema.clone()),
                            Relation::System(s) => Some(s.schema.to_string()),
                            Relation::Type(_) | Relation::Domain(_) => None,
                        };
                        if let (Some(schema), Some(id)) = (schema, part.as_ident()) {
                            let name = crate::sql::identifiers::ident_name(id);
                            if !bindings.iter().any(|(b, _)| *b == name) {
                                bindings.push((name, schema));
                            }
                        }
                    }
                    // The relations the view reads itself (those of the
                    // views it reads are theirs).
                    match &r {
                        _ if in_view => {}
                        Relation::Table(t) => deps.push(catalog::view::dep_key(&t.schema, &t.name)),
                        Relation::View(v) => deps.push(v.dep_key()),
                        Relation::Sequence(s) => {
                            deps.push(catalog::view::dep_key(&s.schema, &s.name))
                        }
                        Relation::System(_) | Relation::Type(_) | Relation::Domain(_) => {}
                    }
                    Ok(r)
                };
                let mut binder = Binder::new(Vec::new(), &mut lookup);
                binder.plan_query(&cv.query)?.columns()
            };
            let mut names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
            if cv.columns.len() > names.len() {
                return Err(EngineError::new(
                    SqlState::SyntaxError,
                    "CREATE VIEW specifies more column names than columns",
                ));
            }
            for (slot, c) in names.iter_mut().zip(&cv.columns) {
                *slot = ident_name(&c.name);
            }
            for (name, c) in names.iter().zip(&columns) {
                crate::exec::ddl::refuse_pseudo_type(name, c.ty)?;
            }
            reads_temp |= crate::exec::view_sequences::record(
                &mut *txn,
                path,
                &cv.query,
                &mut deps,
                &mut bindings,
            )?;
            deps.sort();
            deps.dedup();
            let (schema, notices) = crate::exec::temp_views::view_schema(
                txn,
                &interrupts.search_path,
                &cv.name,
                schema,
                &name,
                temporary,
                reads_temp,
            )?;
            let oid = catalog::allocate_id(txn)?;
            crate::exec::views::create_view(
                txn,
                catalog::ViewDesc {
                    oid,
                    schema,
                    name,
                    sql: cv.query.to_string(),
                    columns: names,
                    depends_on: deps,
                    bindings: Some(bindings),
                },
                cv.or_replace,
            )?;
            let mut r = QueryResult::command("CREATE VIEW");
            r.notices = notices;
            return Ok(r);
        }
        Statement::CreateIndex(ci) => {
            let mut r = QueryResult::command("CREATE INDEX");
            r.notices = crate::exec::index_ddl::create_index(
                txn,
                &interrupts.search_path,
                ci,
                micros_since_2000(),
                interrupts.interrupt(),
            )?;
            return Ok(r);
        }
        Statement::CreateSchema {
            schema_name,
            if_not_exists,
            or_replace,
            with,
            options,
            default_collate_spec,
            clone,
        } => {
            if *or_replace
                || with.is_some()
                || options.is_some()
                || default_collate_spec.is_some()
                || clone.is_some()
            {
                return Err(EngineError::unsupported(format!("{stmt}")));
            }
            let mut r = QueryResult::command("CREATE SCHEMA");
            r.notices.extend(crate::exec::schema_ddl::create_schema(
                txn,
                schema_name,
                *if_not_exists,
                &interrupts.identity.0,
            )?);
            return Ok(r);
        }
        Statement::Drop {
            object_type: ast::ObjectType::Schema,
            if_exists,
            names,
            cascade,
            ..
        } => {
            let mut r = QueryResult::command("DROP SCHEMA");
            r.notices = crate::exec::schema_ddl::drop_schemas(
                txn,
                &interrupts.search_path,
                names,
                *if_exists,
                *cascade,
            )?;
            return Ok(r);
        }
        Statement::AlterSchema(alter) => {
            if alter.if_exists {
                return Err(EngineError::unsupported("ALTER SCHEMA IF EXISTS"));
            }
            crate::exec::schema_ddl::alter_schema(txn, alter, &interrupts.identity.0)?;
            return Ok(QueryResult::command("ALTER SCHEMA"));
        }
        Statement::Drop {
            object_type: ast::ObjectType::Sequence,
            if_exists,
            names,
            cascade,
            ..
        } => {
            let mut r = QueryResult::command("DROP SEQUENCE");
            r.notices = crate::exec::sequence_ddl::drop_sequences(
                txn,
                &interrupts.search_path,
                names,
                *if_exists,
                *cascade,
            )?;
            return Ok(r);
        }
        Statement::Drop {
            object_type: ast::ObjectType::Type,
            if_exists,
            names,
            cascade,
            ..
        } => {
            let mut r = QueryResult::command("DROP TYPE");
            r.notices = crate::exec::type_ddl::drop_types(
                txn,
                &interrupts.search_path,
                names,
                *if_exists,
                *cascade,
            )?;
            return Ok(r);
        }
        Statement::CreateType {
            name,
            representation,
        } => {
            crate::exec::type_ddl::create_type(
                txn,
                &interrupts.search_path,
                name,
                representation.as_ref(),
            )?;
            return Ok(QueryResult::command("CREATE TYPE"));
        }
        Statement::AlterType(at) => {
            let mut r = QueryResult::command("ALTER TYPE");
            r.notices = crate::exec::type_ddl::alter_type(txn, &interrupts.search_path, at)?;
            return Ok(r);
        }
        Statement::Drop {
            object_type: ast::ObjectType::Index,
            if_exists,
            names,
            cascade,
            ..
        } => {
            let mut r = QueryResult::command("DROP INDEX");
            r.notices = crate::exec::index_ddl::drop_indexes(
                txn,
                &interrupts.search_path,
                names,
                *if_exists,
                *cascade,
            )?;
            return Ok(r);
        }
        Statement::AlterIndex {
            name,
            operation: ast::AlterIndexOperation::RenameIndex { index_name },
        } => {
            let (to, if_exists) = crate::sql::alter_index::if_exists(index_name);
            let mut r = QueryResult::command("ALTER INDEX");
            r.notices = crate::exec::index_ddl::rename_index(
                txn,
                &interrupts.search_path,
                name,
                &to,
                if_exists,
            )?;
            return Ok(r);
        }
        Statement::AlterTable(at) => {
            let mut r = QueryResult::command(match crate::sql::alter_owner::of(at) {
                Some(crate::sql::alter_owner::AlterKind::View) => "ALTER VIEW",
                Some(crate::sql::alter_owner::AlterKind::Index) => "ALTER INDEX",
                _ => "ALTER TABLE",
            });
            let access = interrupts.sequence_access(db);
            r.notices = crate::exec::alter::alter_table(
                txn,
                &interrupts.search_path,
                at,
                micros_since_2000(),
                &interrupts.identity.0,
                &access,
                &mut interrupts.interrupt(),
            )?;
            return Ok(r);
        }
        Statement::Comment {
            object_type,
            object_name,
            comment,
            if_exists,
        } => {
            crate::exec::comment::comment_on(
                txn,
                &interrupts.search_path,
                object_type,
                object_name,
                comment.as_deref(),
                *if_exists,
            )?;
            return Ok(QueryResult::command("COMMENT"));
        }
        Statement::Lock(l) => {
            crate::exec::lock_table::lock_tables(txn, &interrupts.search_path, l)?;
            return Ok(QueryResult::command("LOCK TABLE"));
        }
        Statement::Truncate(t) => {
            let names: Vec<ast::ObjectName> =
                t.table_names.iter().map(|n| n.name.clone()).collect();
            let cascade = matches!(t.cascade, Some(ast::CascadeOption::Cascade));
            let (names, notices) = crate::exec::foreign_key_ddl::truncate_targets(
                txn,
                &interrupts.search_path,
                &names,
                cascade,
            )?;
            let access = interrupts.sequence_access(db);
            let restart = matches!(t.identity, Some(ast::TruncateIdentityOption::Restart));
            let deferred = Arc::clone(&interrupts.deferred);
            crate::exec::alter::truncate(
                txn,
                &interrupts.search_path,
                &names,
                restart.then_some(&access),
                &|id| deferred.lock().pending_on(id),
            )?;
            let mut r = QueryResult::command("TRUNCATE TABLE");
            r.notices = notices;
            return Ok(r);
        }
        _ => {}
    }

    let plan = plan_and_lock(txn, db, stmt, params, interrupts, cache)?;
    let mut ctx = statement_ctx(txn, db, params, interrupts, micros_since_2000());
    ctx.scratch = std::mem::take(scratch);
    let lock_status = || db.store().lock_status();
    ctx.lock_status = Some(&lock_status);
    let pg_cursors = || interrupts.cursors.lock().pg_cursors_rows();
    ctx.pg_cursors = Some(&pg_cursors);
    let mut r = run_plan(&plan, &mut ctx, db, sink);
    // DEFERRABLE UNIQUE constraints that are immediate: checked now.
    let checked = crate::exec::deferred_unique::end_statement(r.is_ok(), &mut ctx);
    if let (Ok(_), Err(e)) = (&r, checked) {
        r = Err(e);
    }
    *scratch = std::mem::take(&mut ctx.scratch);
    r
}

/// The plan of `stmt` (the cached one when still valid, else a new one),
/// with its table locks taken.
fn plan_and_lock<S: Store>(
    txn: &mut DbTxn<S::Txn>,
    db: &Database<S>,
    stmt: &Statement,
    params: &[Value],
    interrupts: &Interrupts,
    cache: Option<&PlanSlot>,
) -> Result<Arc<Plan>> {
    let version = interrupts.search_path.plan_version(db.catalog_version());
    let mut plan = match cache.and_then(|c| c.get(version)) {
        Some(plan) => plan,
        None => {
            let plan = plan_for_params(txn, &interrupts.search_path, stmt, params, cache)?;
            if let Some(c) = cache {
                c.put(version, Arc::clone(&plan));
            }
            plan
        }
    };
    // Lock the plan's tables; a table changed after the plan was made
    // (see `catalog::lock`) means a new snapshot and a new plan.
    let mut rounds = 0;
    while plan.locks.acquire(txn, plan.planned_at)? {
        rounds += 1;
        if rounds > catalog::lock::MAX_REPLANS {
            return Err(catalog::lock::changed_under_snapshot());
        }
        catalog::lock::refresh_after_change(txn)?;
        plan = plan_for_params(txn, &interrupts.search_path, stmt, params, cache)?;
        if let Some(c) = cache {
            c.put(version, Arc::clone(&plan));
        }
    }
    Ok(plan)
}

/// The execution context of a statement of the session whose state
/// `interrupts` holds, started at `statement_ts`.
fn statement_ctx<'a, S: Store>(
    txn: &'a mut DbTxn<S::Txn>,
    db: &'a Database<S>,
    params: &'a [Value],
    interrupts: &'a Interrupts,
    statement_ts: i64,
) -> Ctx<'a, DbTxn<S::Txn>> {
    let mut ctx = Ctx::new(txn, params, statement_ts);
    ctx.interrupt = interrupts.interrupt();
    ctx.identity = Some(Arc::clone(&interrupts.identity));
    ctx.settings = Some(interrupts.settings.clone());
    ctx.backend_pid = interrupts.backend_pid;
    ctx.search_path = interrupts.search_path.clone();
    ctx.sequences = Some(interrupts.sequence_access(db));
    ctx.deferred = Some(Arc::clone(&interrupts.deferred));
    ctx.config = Some(&interrupts.config);
    ctx.temp_dir = Some(Arc::clone(db.temp_dir()));
    ctx
}

/// Converts parameters to their declared types (text is parsed, other
/// values cast as in an assignment).
/// `CREATE [TEMP] TABLE [IF NOT EXISTS] name AS query [WITH [NO] DATA]`:
/// a table with the query's output columns (unknown-typed ones as `text`,
/// as PostgreSQL), filled by `INSERT INTO name query` unless `WITH NO
/// DATA`. The tag is PostgreSQL's: `SELECT n`, or `CREATE TABLE AS` when
/// no rows were written.
fn create_table_as<S: Store>(
    txn: &mut DbTxn<S::Txn>,
    db: &Database<S>,
    ct: &ast::CreateTable,
    params: &[Value],
    interrupts: &Interrupts,
    scratch: &mut Scratch,
) -> Result<QueryResult> {
    let Some(query) = &ct.query else {
        return Err(EngineError::internal("CREATE TABLE AS without a query"));
    };
    if !ct.columns.is_empty() || !ct.constraints.is_empty() {
        return Err(EngineError::unsupported(
            "column lists in CREATE TABLE ... AS",
        ));
    }
    let with_data = match &ct.with_data {
        Some(w) if w.statistics.is_some() => {
            return Err(EngineError::new(
                SqlState::SyntaxError,
                "syntax error at or near \"AND\"",
            ))
        }
        Some(w) => w.data,
        None => true,
    };
    let path = &interrupts.search_path;
    let columns = {
        let mut lookup = |n: &ast::ObjectName, in_view: bool| -> Result<Relation> {
            catalog::resolve_relation(&mut *txn, path.for_view(in_view), n)
        };
        let mut binder = Binder::new(Vec::new(), &mut lookup);
        binder.plan_query(query)?.columns()
    };
    let mut defs = Vec::with_capacity(columns.len());
    for c in &columns {
        if defs.iter().any(|(n, _): &(String, String)| *n == c.name) {
            return Err(EngineError::new(
                SqlState::DuplicateColumn,
                format!("column \"{}\" specified more than once", c.name),
            ));
        }
        crate::exec::ddl::refuse_pseudo_type(&c.name, c.ty)?;
        let ty = match c.ty {
            SqlType::Unknown => SqlType::Text,
            t => t,
        };
        defs.push((c.name.clone(), ty.display_name()));
    }
    let sql = format!(
        "CREATE TABLE t ({})",
        defs.iter()
            .map(|(n, t)| format!("\"{}\" {t}", n.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let parsed = sql::parse(&sql)?;
    let [sql::Parsed::Statement(plain)] = parsed.as_slice() else {
        return Err(EngineError::internal("CREATE TABLE AS: column definitions"));
    };
    let Statement::CreateTable(plain) = plain.as_ref() else {
        return Err(EngineError::internal("CREATE TABLE AS: column definitions"));
    };
    // Every other clause (UNLOGGED, ON COMMIT, WITH (...), ...) is checked
    // as for a plain CREATE TABLE.
    let mut plain = ast::CreateTable {
        columns: plain.columns.clone(),
        query: None,
        with_data: None,
        ..ct.clone()
    };
    plain.name = ct.name.clone();
    let created = execute_statement(
        txn,
        db,
        &Statement::CreateTable(plain),
        params,
        interrupts,
        None,
        StatementIo {
            scratch,
            sink: &mut Collector::default(),
        },
    )?;
    if !created.notices.is_empty() || !with_data {
        // IF NOT EXISTS found the table (and wrote nothing), or WITH NO DATA.
        let mut r = QueryResult::command("CREATE TABLE AS");
        r.notices = created.notices;
        return Ok(r);
    }
    let parsed = sql::parse("INSERT INTO t SELECT 1")?;
    let [sql::Parsed::Statement(insert)] = parsed.as_slice() else {
        return Err(EngineError::internal("CREATE TABLE AS: INSERT"));
    };
    let Statement::Insert(insert) = insert.as_ref() else {
        return Err(EngineError::internal("CREATE TABLE AS: INSERT"));
    };
    let mut insert = insert.clone();
    insert.table = ast::TableObject::TableName(ct.name.clone());
    insert.source = Some(query.clone());
    let inserted = execute_statement(
        txn,
        db,
        &Statement::Insert(insert),
        params,
        interrupts,
        None,
        StatementIo {
            scratch,
            sink: &mut Collector::default(),
        },
    )?;
    let mut r = QueryResult::command("SELECT");
    r.tag = CommandTag::with_count("SELECT", inserted.rows_affected);
    r.rows_affected = inserted.rows_affected;
    Ok(r)
}

/// Plans `stmt` at the transaction's snapshot, for the parameter types of
/// the prepared statement `slot` belongs to where known, else the types of
/// the values.
fn plan_for_params<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    stmt: &Statement,
    params: &[Value],
    slot: Option<&PlanSlot>,
) -> Result<Arc<Plan>> {
    let declared = slot.map_or(&[][..], |s| s.param_types.as_slice());
    let param_types: Vec<SqlType> = params
        .iter()
        .enumerate()
        .map(|(i, p)| match declared.get(i) {
            Some(t) if *t != SqlType::Unknown => *t,
            _ => p.sql_type().unwrap_or(SqlType::Unknown),
        })
        .collect();
    let planned_at = txn.snapshot_ts();
    let started = Instant::now();
    let mut lookup = |name: &ast::ObjectName, in_view: bool| -> Result<Relation> {
        catalog::resolve_relation(&mut *txn, path.for_view(in_view), name)
    };
    let mut binder = Binder::new(param_types, &mut lookup);
    let planned = plan_statement(stmt, &mut binder)?;
    let locks = std::mem::take(&mut binder.locks);
    let mut plan = Plan::new(planned, locks, planned_at, started.elapsed());
    plan.prelude = binder.take_dml_prelude();
    plan.prelude_view = binder.dml_needs_view();
    Ok(Arc::new(plan))
}

fn convert_params(params: &[Value], types: &[SqlType]) -> Result<Vec<Value>> {
    let mut converted = Vec::with_capacity(params.len());
    for (v, ty) in params.iter().zip(types) {
        converted.push(if v.is_null() || *ty == SqlType::Unknown {
            v.clone()
        } else if let Value::Text(text) = v {
            if *ty == SqlType::Text {
                v.clone()
            } else {
                Value::parse_text(text, ty)?
            }
        } else {
            crate::types::cast(v.clone(), ty, crate::types::CastKind::Assignment)?
        });
    }
    Ok(converted)
}

/// Runs a planned statement (under a statement view when its parts read
/// what its data-modifying WITH items write).
fn run_plan<S: Store>(
    plan: &Plan,
    ctx: &mut Ctx<'_, DbTxn<S::Txn>>,
    db: &Database<S>,
    sink: &mut dyn ResultSink,
) -> Result<QueryResult> {
    if !plan.prelude_view || plan.prelude.is_empty() {
        return run_planned(plan, ctx, db, sink);
    }
    let depth = ctx.txn.open_statement_view();
    let r = run_planned(plan, ctx, db, sink);
    ctx.txn.close_statement_view(depth);
    r
}

fn run_planned<S: Store>(
    plan: &Plan,
    ctx: &mut Ctx<'_, DbTxn<S::Txn>>,
    db: &Database<S>,
    sink: &mut dyn ResultSink,
) -> Result<QueryResult> {
    let columns = Arc::clone(&plan.columns);
    // EXPLAIN runs the prelude only under ANALYZE (`explain_run`).
    let explain = matches!(plan.planned, Planned::Explain(..) | Planned::ExplainDml(..));
    if !plan.prelude.is_empty() && !explain {
        let rowids = db.rowids(ctx.txn.database());
        crate::exec::cte_dml::run_prelude(&plan.prelude, ctx, &rowids)?;
    }
    let (tag, rows, n) = match &plan.planned {
        Planned::Query(node) if sink.streams_rows() => {
            sink.columns(&columns)?;
            let mut n = 0u64;
            run(node, ctx, &mut |_, r| {
                sink.row(Row::from_values(r))?;
                n += 1;
                Ok(Flow::Continue)
            })?;
            (CommandTag::with_count("SELECT", n), Rows::default(), n)
        }
        Planned::Query(node) => {
            let mut rows = Rows::new(columns.len());
            run(node, ctx, &mut |_, r| {
                rows.push(r);
                Ok(Flow::Continue)
            })?;
            let n = rows.len() as u64;
            (CommandTag::with_count("SELECT", n), rows, n)
        }
        Planned::Explain(node, options) => {
            let rows = db.rowids(ctx.txn.database());
            let lines = explain_run::explain_query(plan, node, options, ctx, &rows)?;
            let rows = Rows::from_vecs(lines.into_iter().map(|l| vec![Value::Text(l)]).collect());
            let n = rows.len() as u64;
            (CommandTag::new("EXPLAIN"), rows, n)
        }
        Planned::ExplainDml(inner, options) => {
            let rows = db.rowids(ctx.txn.database());
            let lines = explain_run::explain_dml(plan, inner, options, ctx, &rows)?;
            let rows = Rows::from_vecs(lines.into_iter().map(|l| vec![Value::Text(l)]).collect());
            let n = rows.len() as u64;
            (CommandTag::new("EXPLAIN"), rows, n)
        }
        Planned::Insert(plan) => {
            let rowids = db.rowids(ctx.txn.database());
            let out = dml::run_insert(plan, ctx, &rowids)?;
            let rows = returning_rows(out.rows, &columns, sink)?;
            (
                CommandTag::with_count("INSERT 0", out.count),
                rows,
                out.count,
            )
        }
        Planned::Update(plan) => {
            let out = dml::run_modify(plan, false, ctx)?;
            let rows = returning_rows(out.rows, &columns, sink)?;
            (CommandTag::with_count("UPDATE", out.count), rows, out.count)
        }
        Planned::Delete(plan) => {
            let out = dml::run_modify(plan, true, ctx)?;
            let rows = returning_rows(out.rows, &columns, sink)?;
            (CommandTag::with_count("DELETE", out.count), rows, out.count)
        }
        Planned::Merge(plan) => {
            let rowids = db.rowids(ctx.txn.database());
            let n = crate::exec::merge::run_merge(plan, ctx, &rowids)?.changed();
            (CommandTag::with_count("MERGE", n), Rows::default(), n)
        }
    };
    Ok(QueryResult {
        tag,
        columns,
        rows,
        rows_affected: n,
        notices: Vec::new(),
    })
}

/// A DML statement's RETURNING rows (kept in a temporary file past
/// `work_mem`): streamed to `sink` when it streams rows (the result then
/// holds none), else collected into the result.
fn returning_rows(
    kept: dml::ReturningRows,
    columns: &Arc<[Column]>,
    sink: &mut dyn ResultSink,
) -> Result<Rows> {
    let mut rows = Rows::new(columns.len());
    if columns.is_empty() {
        return Ok(rows);
    }
    let streams = sink.streams_rows();
    if streams {
        sink.columns(columns)?;
    }
    if let Some(mut store) = kept.into_store() {
        let mut row = Vec::new();
        while store.next_into(&mut row)? {
            if streams {
                sink.row(Row::from_values(&row))?;
            } else {
                rows.push(&row);
            }
        }
    }
    Ok(rows)
}

/// Statements that change the catalog (and so invalidate cached plans).
fn is_ddl(stmt: &Statement) -> bool {
    matches!(
        stmt,
        Statement::CreateTable(_)
            | Statement::Drop { .. }
            | Statement::AlterTable(_)
            | Statement::AlterIndex { .. }
            | Statement::CreateIndex(_)
            | Statement::Truncate(_)
            | Statement::CreateView(_)
            | Statement::Comment { .. }
            | Statement::CreateType { .. }
            | Statement::AlterType(_)
            | Statement::CreateSchema { .. }
            | Statement::AlterSchema(_)
    ) || select_into(stmt).is_some()
}

/// `SELECT ... INTO [TEMP] name FROM ...` as the `CREATE TABLE ... AS` it
/// is in PostgreSQL; `None` for any other statement (an INTO anywhere but
/// the top-level SELECT stays the binder's 0A000).
pub(crate) fn select_into(stmt: &Statement) -> Option<Result<ast::CreateTable>> {
    let Statement::Query(q) = stmt else {
        return None;
    };
    let ast::SetExpr::Select(select) = q.body.as_ref() else {
        return None;
    };
    let into = select.into.as_ref()?;
    Some((|| {
        let name = match into.targets.as_slice() {
            [ast::Expr::Identifier(id)] => ast::ObjectName::from(vec![id.clone()]),
            [ast::Expr::CompoundIdentifier(ids)] => ast::ObjectName::from(ids.clone()),
            _ => return Err(EngineError::unsupported("this SELECT INTO target")),
        };
        let parsed = sql::parse("CREATE TABLE t AS SELECT 1")?;
        let [sql::Parsed::Statement(ct)] = parsed.as_slice() else {
            return Err(EngineError::internal("SELECT INTO: CREATE TABLE AS"));
        };
        let Statement::CreateTable(ct) = ct.as_ref() else {
            return Err(EngineError::internal("SELECT INTO: CREATE TABLE AS"));
        };
        let mut query = q.clone();
        if let ast::SetExpr::Select(sel) = query.body.as_mut() {
            sel.into = None;
        }
        let mut ct = ct.clone();
        ct.name = name;
        ct.temporary = into.temporary;
        ct.unlogged = into.unlogged;
        ct.query = Some(query);
        Ok(ct)
    })())
}

fn needs_planning(stmt: &Statement) -> bool {
    matches!(
        stmt,
        Statement::Query(_)
            | Statement::Explain { .. }
            | Statement::Insert(_)
            | Statement::Update(_)
            | Statement::Delete(_)
            | Statement::Merge(_)
    ) && select_into(stmt).is_none()
}

/// A statement parsed and described once, run many times
/// ([`Session::prepare`], [`Session::query_prepared`]).
#[derive(Debug, Clone)]
pub struct Prepared {
    parsed: Option<Parsed>,
    /// Parameter types, `$1` first.
    pub param_types: Vec<SqlType>,
    /// Result columns (empty for statements that return no rows).
    pub columns: Arc<[Column]>,
    /// The plan, made on first execution and reused until the catalog
    /// changes.
    plan: Arc<PlanSlot>,
    /// The length of the statement's text, which bounds the stack its
    /// syntax tree needs (see [`crate::sql::depth`]).
    text_len: usize,
    /// The error planning raised at prepare time, if it is one PostgreSQL
    /// raises when the statement is bound (see [`Prepared::plan_error`]).
    plan_error: Option<EngineError>,
}

impl Drop for Prepared {
    /// A long statement's syntax tree may be deep: it is dropped with the
    /// stack it needs, whatever thread drops it.
    fn drop(&mut self) {
        if self.text_len > depth::LONG_TEXT {
            let parsed = self.parsed.take();
            let plan = std::mem::take(&mut self.plan);
            depth::drop_with_stack(self.text_len, (parsed, plan));
        }
    }
}

impl Prepared {
    /// A data exception planning raised (constant folding of `1/0`):
    /// PostgreSQL plans at Bind, so a wire protocol front end reports it
    /// there; running the statement raises it again.
    pub fn plan_error(&self) -> Option<&EngineError> {
        self.plan_error.as_ref()
    }
}

impl Planned {
    fn columns(&self) -> Vec<Column> {
        match self {
            Planned::Query(n) => n.columns(),
            Planned::Explain(_, options) | Planned::ExplainDml(_, options) => vec![Column {
                name: "QUERY PLAN".into(),
                // PostgreSQL's xml type is not the engine's: XML is text.
                ty: match options.format {
                    crate::plan::explain::Format::Json => SqlType::Json,
                    _ => SqlType::Text,
                },
            }],
            Planned::Insert(p) => p.columns.clone(),
            Planned::Update(p) | Planned::Delete(p) => p.columns.clone(),
            Planned::Merge(_) => Vec::new(),
        }
    }
}

/// A planned statement with its result columns, as the plan cache keeps
/// it: each execution shares the column list instead of rebuilding it.
struct Plan {
    planned: Planned,
    columns: Arc<[Column]>,
    /// The table locks it takes before it runs.
    locks: TableLocks,
    /// The snapshot its table definitions were read at.
    planned_at: Timestamp,
    /// Its data-modifying WITH items, run before it.
    prelude: Vec<cte_dml::DmlCte>,
    /// It reads a table its WITH items write: it runs under a statement
    /// view (see [`crate::plan::cte_dml`]).
    prelude_view: bool,
    /// How long planning took (EXPLAIN ANALYZE's "Planning Time").
    planning: Duration,
}

impl Plan {
    fn new(planned: Planned, locks: TableLocks, planned_at: Timestamp, planning: Duration) -> Self {
        Plan {
            columns: planned.columns().into(),
            planned,
            locks,
            planned_at,
            prelude: Vec::new(),
            prelude_view: false,
            planning,
        }
    }
}

/// A statement after planning.
enum Planned {
    Query(Node),
    Explain(Node, crate::plan::explain_options::ExplainOptions),
    /// EXPLAIN of an INSERT, UPDATE or DELETE (the inner plan is one).
    ExplainDml(Box<Planned>, crate::plan::explain_options::ExplainOptions),
    Insert(dml::InsertPlan),
    Update(dml::ModifyPlan),
    Delete(dml::ModifyPlan),
    Merge(crate::plan::merge::MergePlan),
}

fn plan_statement(stmt: &Statement, binder: &mut Binder<'_>) -> Result<Planned> {
    Ok(match stmt {
        Statement::Query(q) => {
            // The top-level WITH may hold data-modifying items.
            if q.with.is_some() {
                binder.set_top_level_with();
            }
            match q.body.as_ref() {
                ast::SetExpr::Insert(s)
                | ast::SetExpr::Update(s)
                | ast::SetExpr::Delete(s)
                | ast::SetExpr::Merge(s) => {
                    binder.plan_with_statement(q, |b| plan_statement(s, b))?
                }
                _ => {
                    let mut node = binder.plan_query(q)?;
                    crate::plan::optimize::prune::prune_query(&mut node);
                    Planned::Query(node)
                }
            }
        }
        Statement::Explain {
            statement,
            analyze,
            verbose,
            format,
            options,
            ..
        } => {
            let options = crate::plan::explain_options::parse(
                *analyze,
                *verbose,
                format.as_ref(),
                options.as_deref(),
            )?;
            match statement.as_ref() {
                Statement::Query(_) => {
                    // Planned as the statement itself is (its top-level
                    // WITH may hold data-modifying items), so EXPLAIN
                    // shows (and EXPLAIN ANALYZE runs) the plan the
                    // statement would run.
                    match plan_statement(statement, binder)? {
                        Planned::Query(node) => Planned::Explain(node, options),
                        inner @ (Planned::Insert(_)
                        | Planned::Update(_)
                        | Planned::Delete(_)
                        | Planned::Merge(_)) => Planned::ExplainDml(Box::new(inner), options),
                        _ => return Err(EngineError::unsupported("EXPLAIN of this statement")),
                    }
                }
                Statement::Insert(_)
                | Statement::Update(_)
                | Statement::Delete(_)
                | Statement::Merge(_) => {
                    let inner = plan_statement(statement, binder)?;
                    Planned::ExplainDml(Box::new(inner), options)
                }
                _ => return Err(EngineError::unsupported("EXPLAIN of this statement")),
            }
        }
        Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_) => {
            match cte_dml::plan_dml(stmt, binder)? {
                Some(cte_dml::DmlPlan::Insert(p)) => Planned::Insert(p),
                Some(cte_dml::DmlPlan::Update(p)) => Planned::Update(p),
                Some(cte_dml::DmlPlan::Delete(p)) => Planned::Delete(p),
                None => return Err(EngineError::internal("not INSERT, UPDATE or DELETE")),
            }
        }
        Statement::Merge(merge) => Planned::Merge(binder.plan_merge(merge)?),
        other => {
            return Err(EngineError::unsupported(format!(
                "statement `{}` (being built)",
                other.to_string().chars().take(60).collect::<String>()
            )))
        }
    })
}
