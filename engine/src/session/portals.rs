//! Protocol portals executed with a row limit (Execute with `max_rows`),
//! run as they are fetched where their query can resume.
//!
//! PostgreSQL runs a portal's plan only as far as each Execute needs: the
//! first rows of a portal over a huge table come at once, and an error on
//! a later row is raised by the Execute that reaches it. The wire server
//! opens such a portal here ([`Session::open_portal`]); when the query is
//! a resumable pipeline (see [`crate::exec::resume`]) the portal keeps
//! its plan and position, like a lazy SQL cursor (see
//! [`super::cursor_rows`]), and every Execute runs it on for its rows
//! ([`Session::portal_fetch`]). Other queries are not opened here: the
//! server runs them to completion into a row store, as before.
//!
//! A lazy portal follows the lazy cursors' rules: it reads at the
//! snapshot of the Execute that opened it, is drained into its row store
//! before a statement that may write and before COMMIT (an implicit
//! transaction commits at Sync, and a named portal outlives it, as the
//! server's portals did before), and closes when its transaction rolls
//! back. It is not a SQL cursor: FETCH and `pg_cursors` do not see it.

use std::sync::Arc;

use rocksgres_storage::Store;

use super::cursor_rows::{CursorRows, Lazy};
use super::cursors::resumable_query;
use super::{convert_params, keeps_cursors_lazy, Prepared, Session, TxnStatus};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::spill::TupleStore;
use crate::result::{Column, Row};
use crate::sql::Parsed;
use crate::types::{SqlType, Value};

/// A lazy protocol portal.
pub(super) struct Portal {
    /// The protocol portal's name (`""`: the unnamed portal).
    name: String,
    /// Its rows: those drained, then those still to run.
    pub(super) rows: CursorRows,
    /// How many of the kept rows were sent.
    next: u64,
}

impl<S: Store> Session<S> {
    /// Opens protocol portal `name` (replacing one of that name) over
    /// `prepared` with `params`, for Executes with a row limit: its
    /// columns when its query runs as it is fetched
    /// ([`Session::portal_fetch`]), `None` when the caller must run the
    /// statement itself (see the module docs). Call in a transaction
    /// ([`Session::begin_implicit`]).
    pub fn open_portal(
        &mut self,
        name: &str,
        prepared: &Prepared,
        params: &[Value],
    ) -> Result<Option<Arc<[Column]>>> {
        self.close_portal(name);
        let Some(p) = &prepared.parsed else {
            return Ok(None);
        };
        let Parsed::Statement(stmt) = p else {
            return Ok(None);
        };
        if self.status == TxnStatus::Failed
            || !self.in_block()
            || !matches!(**stmt, sqlparser::ast::Statement::Query(_))
            || !keeps_cursors_lazy(p)
            || prepared.plan_error.is_some()
            || params.len() != prepared.param_types.len()
        {
            return Ok(None);
        }
        let ready = params
            .iter()
            .zip(&prepared.param_types)
            .all(|(v, ty)| v.is_null() || *ty == SqlType::Unknown || v.sql_type() == Some(*ty));
        let params = if ready {
            params.to_vec()
        } else {
            match convert_params(params, &prepared.param_types) {
                Ok(p) => p,
                // The caller's run reports it.
                Err(_) => return Ok(None),
            }
        };
        let interrupts = self.interrupts();
        let cache = Some(Arc::clone(&prepared.plan));
        let mut lazy: Option<Lazy> = None;
        let r = crate::sql::depth::with_statement_stack(prepared.text_len, || {
            self.guarded(|s| {
                s.in_transaction(|txn, db| {
                    lazy = resumable_query(txn, db, stmt, &params, &interrupts, cache.as_deref())?;
                    Ok(crate::result::QueryResult::command("SELECT"))
                })
            })
        });
        if let Err(e) = r {
            self.statement_failed();
            return Err(e);
        }
        let Some(lazy) = lazy else {
            return Ok(None);
        };
        let columns = Arc::clone(&lazy.plan.columns);
        let rows = CursorRows::new(TupleStore::new(self.spill_env()), Some(lazy));
        self.cursors.lock().portals.push(Portal {
            name: name.to_string(),
            rows,
            next: 0,
        });
        Ok(Some(columns))
    }

    /// Runs lazy portal `name` on until it has given `out` `max` more rows
    /// (at least 1); `Ok(true)` when it may have more. An error fails
    /// the transaction, as a statement's does.
    pub fn portal_fetch(
        &mut self,
        name: &str,
        max: u64,
        out: &mut dyn FnMut(&Row) -> Result<()>,
    ) -> Result<bool> {
        let r = self.guarded(|s| s.portal_fetch_inner(name, max.max(1), out));
        if r.is_err() {
            self.statement_failed();
        }
        r
    }

    fn portal_fetch_inner(
        &mut self,
        name: &str,
        max: u64,
        out: &mut dyn FnMut(&Row) -> Result<()>,
    ) -> Result<bool> {
        if self.status == TxnStatus::Failed {
            return Err(super::in_failed_block());
        }
        let cursors = Arc::clone(&self.cursors);
        let mut set = cursors.lock();
        let Some(p) = set.portals.iter_mut().find(|p| p.name == name) else {
            return Err(EngineError::new(
                SqlState::InvalidCursorName,
                format!("portal \"{name}\" does not exist"),
            ));
        };
        let mut sent = 0u64;
        while sent < max && p.next < p.rows.len() {
            p.rows
                .with_row(p.next, |row| out(Row::from_values(row)))??;
            p.next += 1;
            sent += 1;
        }
        if sent < max && p.rows.open() {
            let want = max - sent;
            self.with_pull(|src| {
                p.rows
                    .pull_to(Some(want), src, &mut |row| out(Row::from_values(row)))
            })?;
        }
        Ok(p.rows.open() || p.next < p.rows.len())
    }

    /// Closes protocol portal `name`, if it is open here.
    pub fn close_portal(&mut self, name: &str) {
        let held = {
            let mut set = self.cursors.lock();
            let Some(i) = set.portals.iter().position(|p| p.name == name) else {
                return;
            };
            set.portals.remove(i).rows.held_snapshot()
        };
        if let (Some(ts), Some(txn)) = (held, self.txn.as_mut()) {
            rocksgres_storage::Transaction::release_snapshot(txn, ts);
        }
    }
}
