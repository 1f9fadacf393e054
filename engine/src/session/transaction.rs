//! Transaction semantics of a session beyond BEGIN/COMMIT, as PostgreSQL 15.
//!
//! * **Statement atomicity.** Every statement runs behind
//!   [`Session::guarded`]: a panic inside the engine becomes an `XX000`
//!   error instead of unwinding into the caller, and any failed statement
//!   ([`Session::statement_failed`]) puts an explicit block in the failed
//!   state (25P02 until ROLLBACK; COMMIT reports ROLLBACK) or rolls back
//!   an implicit one, so none of its writes can commit. A failed
//!   statement's writes lie after every open savepoint, so `ROLLBACK TO
//!   SAVEPOINT` removes them. The prepared statement's plan slot is cleared
//!   on every exit path.
//! * **Implicit transactions.** Between [`Session::begin_implicit`] and
//!   [`Session::end_implicit`] statements outside an explicit block share
//!   one transaction (PostgreSQL's "implicit transaction block": a
//!   multi-statement Query string, or the extended-protocol messages up to
//!   Sync). An error rolls it back; `BEGIN` turns it into an explicit block
//!   (the statements before it become part of the block); `COMMIT` and
//!   `ROLLBACK` end it with PostgreSQL's warning that no transaction is in
//!   progress, and the next statement starts a new one.
//! * **Transactional settings.** A block remembers the settings at its
//!   start and the session-level values (those set without `LOCAL`): a
//!   commit keeps the session-level values (so `SET LOCAL` ends with the
//!   transaction), a rollback restores the values from before the block,
//!   and `ROLLBACK TO SAVEPOINT` the values at the savepoint.
//! * **Transaction characteristics.** `transaction_isolation` and
//!   `transaction_read_only` describe the open transaction; they may change
//!   only before its first statement (25001), except that a transaction
//!   may always become read-only. In a read-only transaction every
//!   statement that writes fails with 25006. SERIALIZABLE runs as
//!   REPEATABLE READ (snapshot isolation) and says so with a warning.
//!   `synchronous_commit` is read when the transaction commits.

use std::panic::{catch_unwind, AssertUnwindSafe};

use rocksgres_storage::{Store, Transaction};
use sqlparser::ast::{self as ast, Statement};

use super::{in_failed_block, Session, TxnStatus};
use crate::error::{EngineError, Result, SqlState};
use crate::result::QueryResult;
use crate::settings::{isolation_from, Settings};

/// The warning every transaction that asks for SERIALIZABLE gets.
pub const SERIALIZABLE_WARNING: &str =
    "SERIALIZABLE is not supported yet; the transaction runs as REPEATABLE READ";

/// The warning for `SET LOCAL` outside a transaction block.
const SET_LOCAL_OUTSIDE: &str = "SET LOCAL can only be used in transaction blocks";

/// The warning for `SET TRANSACTION` outside a transaction block.
const SET_TRANSACTION_OUTSIDE: &str = "SET TRANSACTION can only be used in transaction blocks";

/// The settings a block restores when it ends.
#[derive(Debug, Clone)]
pub(super) struct BlockSettings {
    /// The settings when the block started (restored by a rollback).
    pub before: Settings,
    /// The settings as they would be without `SET LOCAL` (kept by a commit).
    pub session: Settings,
}

/// An open savepoint.
#[derive(Debug, Clone)]
pub(super) struct Savepoint {
    pub name: String,
    /// The storage savepoint depth.
    pub depth: usize,
    /// The session's ON COMMIT registrations when it was taken.
    pub on_commit_mark: usize,
    /// The session's sequence restarts when it was taken.
    pub sequence_mark: usize,
    /// The settings when it was taken, restored by `ROLLBACK TO`.
    pub settings: Settings,
    /// The session-level settings when it was taken.
    pub session_settings: Settings,
    /// The `SET CONSTRAINTS` modes when it was taken, restored by
    /// `ROLLBACK TO` (as PostgreSQL's subtransaction abort restores them).
    pub constraint_modes: crate::exec::deferred_fks::ConstraintModes,
}

/// The text of a panic's payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "unknown cause"
    }
}

/// The command a statement that writes names in 25006 errors, `None` for
/// statements a read-only transaction may run.
fn write_command(stmt: &Statement) -> Option<&'static str> {
    Some(match stmt {
        Statement::Insert(_) => "INSERT",
        Statement::Update(_) => "UPDATE",
        Statement::Delete(_) => "DELETE",
        Statement::Merge(_) => "MERGE",
        Statement::CreateTable(_) => "CREATE TABLE",
        Statement::CreateView(_) => "CREATE VIEW",
        Statement::CreateIndex(_) => "CREATE INDEX",
        Statement::AlterTable(_) => "ALTER TABLE",
        Statement::AlterIndex { .. } => "ALTER INDEX",
        Statement::Truncate(_) => "TRUNCATE TABLE",
        Statement::Drop { object_type, .. } => match object_type {
            ast::ObjectType::Table => "DROP TABLE",
            ast::ObjectType::View => "DROP VIEW",
            ast::ObjectType::Index => "DROP INDEX",
            ast::ObjectType::Sequence => "DROP SEQUENCE",
            ast::ObjectType::Type => "DROP TYPE",
            _ => return None,
        },
        Statement::CreateType { .. } => "CREATE TYPE",
        Statement::AlterType(_) => "ALTER TYPE",
        Statement::Lock(l)
            if crate::exec::lock_table::requested_mode(l)
                > rocksgres_storage::LockMode::RowExclusive =>
        {
            "LOCK TABLE"
        }
        // EXPLAIN ANALYZE runs the statement it explains.
        Statement::Explain {
            statement,
            analyze,
            verbose,
            format,
            options,
            ..
        } if crate::plan::explain_options::parse(
            *analyze,
            *verbose,
            format.as_ref(),
            options.as_deref(),
        )
        .is_ok_and(|o| o.analyze) =>
        {
            return write_command(statement)
        }
        Statement::Query(_) if super::select_into(stmt).is_some() => "SELECT INTO",
        Statement::Query(q) if crate::plan::cte_dml::write_command(q).is_some() => {
            crate::plan::cte_dml::write_command(q)?
        }
        Statement::Query(q) => match q.locks.first() {
            Some(l) => match crate::sql::locking_clause::decode(l).0 {
                rocksgres_storage::RowLockStrength::Update => "SELECT FOR UPDATE",
                rocksgres_storage::RowLockStrength::NoKeyUpdate => "SELECT FOR NO KEY UPDATE",
                rocksgres_storage::RowLockStrength::Share => "SELECT FOR SHARE",
                rocksgres_storage::RowLockStrength::KeyShare => "SELECT FOR KEY SHARE",
            },
            None => return None,
        },
        _ => return None,
    })
}

fn on_off(value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" | "t" | "y" => Ok(true),
        "off" | "false" | "no" | "0" | "f" | "n" => Ok(false),
        _ => Err(EngineError::new(
            SqlState::InvalidParameterValue,
            "parameter \"transaction_read_only\" requires a Boolean value",
        )),
    }
}

impl<S: Store> Session<S> {
    /// Installs the session's `TimeZone`, `DateStyle` and `IntervalStyle`
    /// on this thread, for the value input and output functions.
    fn install_datetime_settings(&self) {
        crate::types::zone::install_session_zone(self.settings.zone());
        crate::types::datestyle::install_styles(
            self.settings.date_style(),
            self.settings.interval_style(),
        );
    }

    /// Runs `f`, turning a panic inside it into an `XX000` error. The
    /// caller then fails the statement as any other error
    /// ([`Session::statement_failed`]).
    pub(super) fn guarded<R>(&mut self, f: impl FnOnce(&mut Self) -> Result<R>) -> Result<R> {
        // The session's time zone is the thread's while it runs (and
        // after: see `types::zone`); a SET or a rollback may change it.
        self.install_datetime_settings();
        let outcome = catch_unwind(AssertUnwindSafe(|| f(self)));
        self.install_datetime_settings();
        match outcome {
            Ok(r) => r,
            Err(payload) => {
                self.current_plan = None;
                self.scratch = Default::default();
                Err(EngineError::internal(format!(
                    "internal error: {}",
                    panic_message(payload.as_ref())
                )))
            }
        }
    }

    /// A statement failed: an explicit block enters the failed state (its
    /// transaction aborted at once unless savepoints must survive a
    /// `ROLLBACK TO`), an implicit one is rolled back. Autocommit
    /// statements have rolled back their own transaction already.
    pub(super) fn statement_failed(&mut self) {
        self.current_plan = None;
        match self.status {
            TxnStatus::InBlock => {
                self.status = TxnStatus::Failed;
                // As in PostgreSQL, the failed transaction is aborted now
                // (its row locks released at once), though the block stays
                // open until ROLLBACK. With savepoints the work before them
                // must survive a ROLLBACK TO, so it is kept; the failed
                // statement's writes lie after every open savepoint.
                if self.savepoints.is_empty() {
                    if let Some(t) = self.txn.take() {
                        t.rollback();
                    }
                }
            }
            TxnStatus::Idle if self.implicit => {
                // A rollback cannot fail.
                let _ = self.finish_block(false);
                self.block_settings = Some(self.snapshot_settings());
            }
            _ => {}
        }
    }

    /// Fails the current statement's transaction after an error the caller
    /// met while handling it (a wire-protocol error such as an undecodable
    /// parameter), as PostgreSQL aborts the transaction on any error.
    pub fn fail_transaction(&mut self) {
        self.statement_failed();
    }

    pub(super) fn snapshot_settings(&self) -> BlockSettings {
        BlockSettings {
            before: self.settings.clone(),
            session: self.settings.clone(),
        }
    }

    /// Whether statements run in a transaction block now (explicit, or an
    /// implicit one), where SET LOCAL and SET TRANSACTION take effect.
    pub(super) fn in_block(&self) -> bool {
        self.status != TxnStatus::Idle || self.implicit
    }

    /// Starts an implicit transaction block: until [`Session::end_implicit`]
    /// the statements run outside an explicit block share one transaction,
    /// committed at the end (PostgreSQL's rule for a Query message with
    /// several statements and for extended-protocol messages up to Sync).
    /// Does nothing inside an explicit block or an implicit one.
    pub fn begin_implicit(&mut self) {
        if self.status == TxnStatus::Idle && !self.implicit {
            self.implicit = true;
            self.block_settings = Some(self.snapshot_settings());
        }
    }

    /// Ends the implicit block: commits its transaction (`commit`) or rolls
    /// it back. An explicit block a `BEGIN` opened meanwhile stays open.
    pub fn end_implicit(&mut self, commit: bool) -> Result<()> {
        if !self.implicit {
            return Ok(());
        }
        self.implicit = false;
        if self.status != TxnStatus::Idle {
            return Ok(());
        }
        self.finish_block(commit)
    }

    /// Ends the open block's transaction (if any) and its settings scope.
    pub(super) fn finish_block(&mut self, commit: bool) -> Result<()> {
        self.status = TxnStatus::Idle;
        self.savepoints.clear();
        self.txn_used = false;
        // synchronous_commit is read at commit, SET LOCAL included.
        let durability = self.settings.durability();
        if let Some(b) = self.block_settings.take() {
            self.settings = if commit { b.session } else { b.before };
        }
        self.sync_characteristics();
        let r = match self.txn.take() {
            Some(mut t) if commit => {
                t.set_durability(durability);
                match self.pre_commit(&mut t) {
                    Ok(()) => {
                        let r = t.commit().map(|_| ()).map_err(EngineError::from);
                        if r.is_ok() {
                            self.txn_committed();
                        } else {
                            self.txn_rolled_back();
                        }
                        r
                    }
                    Err(e) => {
                        t.rollback();
                        self.txn_rolled_back();
                        Err(e)
                    }
                }
            }
            Some(t) => {
                t.rollback();
                self.txn_rolled_back();
                Ok(())
            }
            None => {
                if !commit {
                    self.txn_rolled_back();
                }
                Ok(())
            }
        };
        self.ddl_ended();
        r
    }

    /// Outside a transaction, `transaction_isolation` and
    /// `transaction_read_only` show the defaults the next one gets.
    pub(super) fn sync_characteristics(&mut self) {
        if self.in_block() && self.block_settings.is_some() && self.txn.is_some() {
            return;
        }
        for (name, default) in [
            ("transaction_isolation", "default_transaction_isolation"),
            ("transaction_read_only", "default_transaction_read_only"),
        ] {
            let want = self.settings.get(default).unwrap_or("").to_string();
            if self.settings.get(name).ok() != Some(want.as_str()) {
                let _ = self.settings.set(name, &want);
            }
        }
    }

    /// Opens the block's transaction if an implicit block has none yet.
    pub(super) fn ensure_txn(&mut self) -> Result<()> {
        if self.txn.is_none() && self.in_block() {
            self.txn = Some(self.db.begin(self.db_id, self.begin_options())?);
            self.txn_used = false;
        }
        Ok(())
    }

    /// Fails with 25006 when `stmt` writes and the transaction it would run
    /// in is read-only.
    pub(super) fn check_writable(&self, stmt: &Statement) -> Result<()> {
        if self.status == TxnStatus::Failed {
            return Err(in_failed_block());
        }
        let Some(command) = write_command(stmt) else {
            return Ok(());
        };
        self.check_writable_command(command)
    }

    /// Whether the statement about to run is in a READ ONLY transaction.
    pub(super) fn read_only(&self) -> bool {
        if self.in_block() && self.txn.is_some() {
            self.settings.get("transaction_read_only").ok() == Some("on")
        } else {
            self.settings.get("default_transaction_read_only").ok() == Some("on")
        }
    }

    /// 25006 when the transaction is READ ONLY, naming `command`.
    pub(super) fn check_writable_command(&self, command: &str) -> Result<()> {
        if self.status == TxnStatus::Failed {
            return Err(in_failed_block());
        }
        if self.read_only() {
            return Err(EngineError::new(
                SqlState::ReadOnlySqlTransaction,
                format!("cannot execute {command} in a read-only transaction"),
            ));
        }
        Ok(())
    }

    /// `SET [LOCAL] name = value` (`None`: `DEFAULT`), and `RESET name`.
    pub(super) fn apply_set(
        &mut self,
        name: &str,
        value: Option<&str>,
        local: bool,
        r: &mut QueryResult,
    ) -> Result<()> {
        let key = name.to_ascii_lowercase();
        if key == "transaction_isolation" || key == "transaction_read_only" {
            if !self.in_block() {
                // The statement's own transaction ends at once: no effect
                // (and, as in PostgreSQL, no warning).
                return Ok(());
            }
            let value = match value {
                Some(v) => v.to_string(),
                None => self
                    .settings
                    .get(&format!("default_{key}"))
                    .unwrap_or("")
                    .to_string(),
            };
            return if key == "transaction_isolation" {
                self.set_txn_isolation(&value.to_ascii_lowercase(), r)
            } else {
                self.set_txn_read_only(on_off(&value)?)
            };
        }
        if local && !self.in_block() {
            r.notices.push(SET_LOCAL_OUTSIDE.into());
            return Ok(());
        }
        let change = |s: &mut Settings| match value {
            None => s.reset(Some(name)),
            Some(v) => s.set(name, v),
        };
        change(&mut self.settings)?;
        if !local {
            if let Some(b) = self.block_settings.as_mut() {
                change(&mut b.session)?;
            }
        }
        if key == "default_transaction_isolation"
            && self.settings.get(&key).ok() == Some("serializable")
        {
            r.notices.push(SERIALIZABLE_WARNING.into());
        }
        self.sync_characteristics();
        Ok(())
    }

    /// `RESET ALL`: every session setting back to its default (inside a
    /// block, undone by a rollback like SET).
    pub(super) fn reset_all(&mut self) -> Result<()> {
        self.settings.reset(None)?;
        if let Some(b) = self.block_settings.as_mut() {
            b.session.reset(None)?;
        }
        self.sync_characteristics();
        Ok(())
    }

    /// `SET TRANSACTION ISOLATION LEVEL` (or `SET transaction_isolation`).
    pub(super) fn set_txn_isolation(&mut self, level: &str, r: &mut QueryResult) -> Result<()> {
        if self.status == TxnStatus::Failed {
            return Err(in_failed_block());
        }
        if !self.in_block() {
            r.notices.push(SET_TRANSACTION_OUTSIDE.into());
            return Ok(());
        }
        let current = self.settings.get("transaction_isolation").unwrap_or("");
        if current == level {
            if level == "serializable" {
                r.notices.push(SERIALIZABLE_WARNING.into());
            }
            return Ok(());
        }
        if self.txn_used {
            return Err(EngineError::new(
                SqlState::ActiveSqlTransaction,
                "SET TRANSACTION ISOLATION LEVEL must be called before any query",
            ));
        }
        // Validates the name before anything changes.
        self.settings.set("transaction_isolation", level)?;
        if let Some(old) = self.txn.take() {
            old.rollback();
        }
        let mut opts = self.begin_options();
        opts.isolation = isolation_from(level);
        self.txn = Some(self.db.begin(self.db_id, opts)?);
        if level == "serializable" {
            r.notices.push(SERIALIZABLE_WARNING.into());
        }
        Ok(())
    }

    /// `SET TRANSACTION READ ONLY | READ WRITE`.
    pub(super) fn set_txn_read_only(&mut self, read_only: bool) -> Result<()> {
        if self.status == TxnStatus::Failed {
            return Err(in_failed_block());
        }
        let current = self.settings.get("transaction_read_only").ok() == Some("on");
        if current && !read_only && self.txn_used {
            return Err(EngineError::new(
                SqlState::ActiveSqlTransaction,
                "transaction read-write mode must be set before any query",
            ));
        }
        self.ensure_txn()?;
        self.settings.set(
            "transaction_read_only",
            if read_only { "on" } else { "off" },
        )
    }

    /// `SET TRANSACTION` with its modes.
    pub(super) fn set_transaction(
        &mut self,
        modes: &[ast::TransactionMode],
        r: &mut QueryResult,
    ) -> Result<()> {
        if self.status == TxnStatus::Failed {
            return Err(in_failed_block());
        }
        if !self.in_block() {
            r.notices.push(SET_TRANSACTION_OUTSIDE.into());
            return Ok(());
        }
        self.ensure_txn()?;
        for m in modes {
            match m {
                ast::TransactionMode::IsolationLevel(level) => {
                    self.set_txn_isolation(super::isolation_name(level), r)?
                }
                ast::TransactionMode::AccessMode(mode) => {
                    self.set_txn_read_only(*mode == ast::TransactionAccessMode::ReadOnly)?
                }
            }
        }
        Ok(())
    }
}
