//! Autoanalyze: ANALYZE of the tables whose rows changed enough, in the
//! background, as PostgreSQL's autovacuum does it.
//!
//! PostgreSQL's autovacuum launcher wakes every `autovacuum_naptime` (one
//! minute) and analyzes each table whose rows changed (inserted, updated or
//! deleted: `n_mod_since_analyze`) more than `autovacuum_analyze_threshold`
//! (50) plus `autovacuum_analyze_scale_factor` (0.1) times its row count
//! (`reltuples`) since it was last analyzed. Here:
//!
//! * every transaction counts the rows it writes per table: each write of
//!   a table's primary index (which holds the row) is one changed row
//!   (`TxnChanges::count`, called by [`crate::db_txn::DbTxn`] for each
//!   write it passes down; a few comparisons and no allocation per row);
//! * a committed transaction adds its counts to the database's
//!   [`ChangeTally`] (a rolled-back one adds nothing);
//! * a worker thread (started by [`crate::database::Database`], holding
//!   only a weak reference to it, so it ends when the database is closed)
//!   wakes every naptime and runs [`run_pass`]: it reads the catalog of each
//!   database with counts, and analyzes the tables past the threshold with
//!   ANALYZE's own code ([`crate::exec::analyze::analyze_automatically`]),
//!   skipping a table whose lock another transaction holds (as
//!   `SKIP_LOCKED`: autovacuum never waits for DDL); the counts it saw are
//!   then subtracted, so changes made while it ran count for the next pass.
//!
//! Counts are kept by storage id: TRUNCATE gives a table a fresh one, and
//! the counts of a storage id no table has any more are dropped. The
//! settings are the server's (`autovacuum`, on by default, and
//! `autovacuum_naptime`, [`crate::settings::AutovacuumSettings`]), given to
//! [`crate::database::Database::set_autovacuum`].

use rocksgres_storage::{Store, Transaction, TxnOptions};

use crate::change_count::ChangeTally;
use crate::error::Result;

/// `autovacuum_analyze_threshold`.
pub const ANALYZE_THRESHOLD: u64 = 50;
/// `autovacuum_analyze_scale_factor`.
pub const ANALYZE_SCALE_FACTOR: f64 = 0.1;

/// Whether `changed` rows call for an analyze of a table of `reltuples`
/// rows (`None`: never analyzed, taken as empty).
pub fn needs_analyze(changed: u64, reltuples: Option<f64>) -> bool {
    let rows = reltuples.unwrap_or(0.0).max(0.0);
    changed as f64 > ANALYZE_THRESHOLD as f64 + ANALYZE_SCALE_FACTOR * rows
}

/// One pass of the worker over `tally`: analyzes every table past the
/// threshold, each database in a transaction of its own; returns the
/// (database, table id) pairs it analyzed.
pub fn run_pass<S: Store>(
    begin: &dyn Fn(u32) -> Result<crate::db_txn::DbTxn<S::Txn>>,
    tally: &ChangeTally,
    now: i64,
) -> Result<Vec<(u32, u32)>> {
    let mut analyzed = Vec::new();
    for (db, counts) in tally.snapshot() {
        let mut txn = begin(db)?;
        let tables = crate::catalog::all_tables(&mut txn)?;
        let mut jobs = Vec::new();
        for (storage, n) in counts {
            let Some(t) = tables.iter().find(|t| t.storage_id == storage) else {
                // Truncated, dropped, or a dropped database: nothing to
                // analyze any more.
                tally.subtract(db, storage, n);
                continue;
            };
            if crate::catalog::temp::is_temp_schema(&t.schema) {
                // Autovacuum cannot see other sessions' temp tables.
                tally.subtract(db, storage, n);
                continue;
            }
            let stats = crate::catalog::statistic::load(&mut txn, t.id)?;
            if needs_analyze(n, stats.map(|s| s.reltuples)) {
                jobs.push((t.clone(), n));
            }
        }
        let mut done = Vec::new();
        for (t, n) in &jobs {
            if crate::exec::analyze::analyze_automatically(&mut txn, t, now)? {
                done.push((t.storage_id, *n));
                analyzed.push((db, t.id));
            }
        }
        txn.commit()?;
        for (storage, n) in done {
            tally.subtract(db, storage, n);
        }
    }
    Ok(analyzed)
}

/// The transaction options the worker's transactions use.
pub fn txn_options() -> TxnOptions {
    TxnOptions::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_is_postgresqls() {
        assert!(!needs_analyze(50, None));
        assert!(needs_analyze(51, None));
        assert!(!needs_analyze(150, Some(1000.0)));
        assert!(needs_analyze(151, Some(1000.0)));
    }
}
