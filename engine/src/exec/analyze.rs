//! `ANALYZE`: gathers table statistics into the catalog
//! ([`crate::catalog::statistic`]).
//!
//! Each table named (or, with no list, every table of the database except
//! other sessions' temp tables) is locked SHARE UPDATE EXCLUSIVE, as in
//! PostgreSQL (concurrent reads and writes go on; a second ANALYZE or DDL
//! waits), and read once through the statement's snapshot in stored
//! (primary-key) order. Up to `300 * target` rows (target: the largest
//! statistics target of the analyzed columns, 100 by default, as
//! `default_statistics_target`) are kept by reservoir sampling, then put
//! back in stored order, as PostgreSQL sorts its sample by position; a
//! smaller table is read whole, so its statistics are exact and
//! deterministic. Only the analyzed columns' values are kept, and values
//! wider than 1024 bytes only as their width, so memory is bounded by the
//! sample whatever the table's size (the rows themselves stream by).
//! Unlike PostgreSQL, which reads a random subset of pages, the scan reads
//! every row: `reltuples` is then the exact row count.
//!
//! Per column, [`crate::exec::analyze_stats`] computes what
//! `pg_stats` shows. Columns with `SET STATISTICS 0` are skipped. The new
//! column statistics replace those of the same columns; the others stay.
//! An empty table keeps its column statistics and gets `reltuples` 0.
//!
//! `relpages` is an estimate of the 8 kB heap pages PostgreSQL would
//! need: per row a 24-byte tuple header plus the stored row (both
//! aligned to 8) and a 4-byte line pointer, 8168 usable bytes a page.
//!
//! Views, sequences and composite types are skipped with PostgreSQL's
//! WARNING; a system catalog named explicitly fails with 0A000 (they are
//! generated, and have no statistics here). `SKIP_LOCKED` skips a table
//! whose lock is taken, with PostgreSQL's WARNING.

use rocksgres_storage::{Direction, LockMode, Transaction};

use crate::catalog::statistic::{self, ColumnStats, TableStats};
use crate::catalog::{self, lock, temp, Relation, SearchPath, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::analyze_stats::{compute, Cell};
use crate::exec::row::{decode_values, seek_rows};
use crate::interrupt::Interrupt;
use crate::sql::analyze::{AnalyzeStmt, AnalyzeTarget};

/// `default_statistics_target`.
pub const DEFAULT_STATISTICS_TARGET: usize = 100;

/// The INFO notice VERBOSE starts each table with (the server reports
/// notices starting so as INFO).
pub const ANALYZING_PREFIX: &str = "analyzing \"";

/// How a view, sequence or other non-table named by ANALYZE is skipped
/// (the server reports it as a WARNING).
pub const SKIP_SUFFIX: &str = "--- cannot analyze non-tables or special system tables";

/// How a locked table is skipped under SKIP_LOCKED (a WARNING).
pub const LOCK_SKIP_SUFFIX: &str = "--- lock not available";

/// How VACUUM skips a view, sequence or other non-table (a WARNING).
pub const VACUUM_SKIP_SUFFIX: &str = "--- cannot vacuum non-tables or special system tables";

/// Bytes of a heap page PostgreSQL can fill (8192 less the page header).
const PAGE_USABLE: u64 = 8168;

/// One table to analyze: its id and the columns (positions) asked for
/// (`None`: all).
struct Job {
    id: u32,
    columns: Option<Vec<usize>>,
}

/// Runs `stmt` in `txn`; returns its notices. `now` is the statement's
/// time (microseconds since 2000), recorded as `last_analyze`.
pub fn run<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    stmt: &AnalyzeStmt,
    now: i64,
    interrupt: &mut Interrupt,
) -> Result<Vec<String>> {
    let mut notices = Vec::new();
    let mut jobs = Vec::new();
    if stmt.targets.is_empty() {
        let own_temp = path.temp_schema().map(str::to_string);
        for t in catalog::all_tables(txn)? {
            let other_temp =
                temp::is_temp_schema(&t.schema) && own_temp.as_deref() != Some(t.schema.as_str());
            if !other_temp {
                jobs.push(Job {
                    id: t.id,
                    columns: None,
                });
            }
        }
    } else {
        for target in &stmt.targets {
            if let Some(job) = resolve(txn, path, target, &mut notices)? {
                jobs.push(job);
            }
        }
    }
    for job in jobs {
        interrupt.check()?;
        let Some(table) = lock_table(txn, job.id, stmt.skip_locked, &mut notices)? else {
            continue;
        };
        analyze_table(
            txn,
            &table,
            job.columns.as_deref(),
            stmt.verbose,
            now,
            interrupt,
            &mut notices,
        )?;
    }
    Ok(notices)
}

/// Analyzes `table` (every column) for autoanalyze (see
/// [`crate::autoanalyze`]): skipped, with `false`, when another
/// transaction holds a lock that conflicts (autovacuum never waits) or
/// the table is gone.
pub fn analyze_automatically<T: Transaction>(
    txn: &mut T,
    table: &TableDesc,
    now: i64,
) -> Result<bool> {
    let mut notices = Vec::new();
    let Some(table) = lock_table(txn, table.id, true, &mut notices)? else {
        return Ok(false);
    };
    analyze_table(
        txn,
        &table,
        None,
        false,
        now,
        &mut Interrupt::none(),
        &mut notices,
    )?;
    Ok(true)
}

/// VACUUM's notices from ANALYZE's: a relation skipped is skipped by
/// VACUUM, as PostgreSQL words it.
pub fn as_vacuum_notices(notices: Vec<String>) -> Vec<String> {
    notices
        .into_iter()
        .map(|n| {
            if let Some(head) = n.strip_suffix(SKIP_SUFFIX) {
                format!("{head}{VACUUM_SKIP_SUFFIX}")
            } else if let Some(rest) = n.strip_prefix("skipping analyze of \"") {
                format!("skipping vacuum of \"{rest}")
            } else {
                n
            }
        })
        .collect()
}

/// Checks the tables a VACUUM without ANALYZE names (42P01 for one that
/// does not exist); returns its notices (a WARNING per relation it
/// skips, as PostgreSQL).
pub fn check_vacuum_targets<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    targets: &[AnalyzeTarget],
) -> Result<Vec<String>> {
    let mut notices = Vec::new();
    for target in targets {
        let name = match catalog::resolve_relation(txn, path, &target.name)? {
            Relation::Table(_) => continue,
            Relation::System(s) if s.kind == b'r' => continue,
            Relation::View(v) => v.name.clone(),
            Relation::Sequence(s) => s.name.clone(),
            Relation::System(s) => s.name.to_string(),
            Relation::Type(_) | Relation::Domain(_) => {
                return Err(EngineError::internal("a type is not a relation"))
            }
        };
        notices.push(format!("skipping \"{name}\" {VACUUM_SKIP_SUFFIX}"));
    }
    Ok(notices)
}

/// The table `target` names, with its columns checked; `None` (and a
/// WARNING) for a relation ANALYZE skips.
fn resolve<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    target: &AnalyzeTarget,
    notices: &mut Vec<String>,
) -> Result<Option<Job>> {
    let skip = |name: &str| format!("skipping \"{name}\" {SKIP_SUFFIX}");
    let relation = match catalog::resolve_relation(txn, path, &target.name) {
        // As PostgreSQL's RangeVarGetRelid: a missing schema is 3F000.
        Err(e) if e.state == SqlState::UndefinedTable && target.name.0.len() == 2 => {
            match target.name.0[0].as_ident().map(|i| i.value.clone()) {
                Some(schema) if !catalog::schema::any_schema_exists(txn, &schema)? => {
                    return Err(catalog::schema::no_schema(&schema))
                }
                _ => return Err(e),
            }
        }
        r => r?,
    };
    let table = match relation {
        Relation::Table(t) => t,
        Relation::View(v) => {
            notices.push(skip(&v.name));
            return Ok(None);
        }
        Relation::Sequence(s) => {
            notices.push(skip(&s.name));
            return Ok(None);
        }
        Relation::System(s) if s.kind != b'r' => {
            notices.push(skip(s.name));
            return Ok(None);
        }
        Relation::System(s) => {
            return Err(EngineError::unsupported(format!(
            "ANALYZE of system catalog \"{}\" (the catalogs are generated and have no statistics)",
            s.name
        )))
        }
        Relation::Type(_) | Relation::Domain(_) => {
            return Err(EngineError::internal("a type is not a relation"))
        }
    };
    if target.columns.is_empty() {
        return Ok(Some(Job {
            id: table.id,
            columns: None,
        }));
    }
    let mut columns = Vec::with_capacity(target.columns.len());
    for name in &target.columns {
        let Some(i) = table.column_index(name) else {
            return Err(EngineError::new(
                SqlState::UndefinedColumn,
                format!(
                    "column \"{name}\" of relation \"{}\" does not exist",
                    table.name
                ),
            ));
        };
        if columns.contains(&i) {
            return Err(EngineError::new(
                SqlState::DuplicateColumn,
                format!(
                    "column \"{name}\" of relation \"{}\" appears more than once",
                    table.name
                ),
            ));
        }
        columns.push(i);
    }
    Ok(Some(Job {
        id: table.id,
        columns: Some(columns),
    }))
}

/// Locks table `id` SHARE UPDATE EXCLUSIVE and reads its definition in
/// force under the lock; `None` when it is gone, or (with `skip_locked`)
/// when the lock is taken.
fn lock_table<T: Transaction>(
    txn: &mut T,
    id: u32,
    skip_locked: bool,
    notices: &mut Vec<String>,
) -> Result<Option<TableDesc>> {
    for _ in 0..lock::MAX_REPLANS {
        let read_at = txn.snapshot_ts();
        let Some(table) = catalog::foreign_key::table_by_id(txn, id)? else {
            return Ok(None);
        };
        match lock::lock_table(
            txn,
            id,
            &table.name,
            LockMode::ShareUpdateExclusive,
            skip_locked,
            read_at,
        ) {
            Ok(false) => return Ok(Some(table)),
            Ok(true) => lock::refresh_after_change(txn)?,
            Err(e) if skip_locked && e.code() == SqlState::LockNotAvailable.code() => {
                notices.push(format!(
                    "skipping analyze of \"{}\" {LOCK_SKIP_SUFFIX}",
                    table.name
                ));
                return Ok(None);
            }
            Err(e) => return Err(e),
        }
    }
    Err(lock::changed_under_snapshot())
}

/// The statistics target of column `c` (`None`: skipped).
fn target_of(c: &catalog::ColumnDesc) -> Option<usize> {
    match c.stat_target {
        Some(0) => None,
        Some(t) if t > 0 => Some(t as usize),
        _ => Some(DEFAULT_STATISTICS_TARGET),
    }
}

/// A small xorshift generator for the reservoir (statistics need no
/// cryptographic randomness).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x % n
    }
}

/// Analyzes one (locked) table.
fn analyze_table<T: Transaction>(
    txn: &mut T,
    table: &TableDesc,
    asked: Option<&[usize]>,
    verbose: bool,
    now: i64,
    interrupt: &mut Interrupt,
    notices: &mut Vec<String>,
) -> Result<()> {
    if verbose {
        notices.push(format!(
            "{ANALYZING_PREFIX}{}.{}\"",
            table.schema, table.name
        ));
    }
    // The columns to analyze, with their targets.
    let columns: Vec<(usize, usize)> = match asked {
        Some(list) => list
            .iter()
            .filter_map(|&i| target_of(&table.columns[i]).map(|t| (i, t)))
            .collect(),
        None => table
            .visible_columns()
            .filter_map(|(i, c)| target_of(c).map(|t| (i, t)))
            .collect(),
    };
    let max_target = columns
        .iter()
        .map(|c| c.1)
        .max()
        .unwrap_or(DEFAULT_STATISTICS_TARGET);
    let target_rows = 300usize.saturating_mul(max_target).max(1);
    // (position in the table, the analyzed columns' cells).
    let mut sample: Vec<(u64, Vec<Cell>)> = Vec::new();
    let mut seen: u64 = 0;
    let mut bytes: u64 = 0;
    let mut rng = Rng::new((now as u64) ^ u64::from(table.id).rotate_left(32));
    let mut row = Vec::new();
    let mut cursor = seek_rows(txn, table, Direction::Forward)?;
    loop {
        interrupt.check()?;
        let Some((_, v)) = txn.next(&mut cursor)? else {
            break;
        };
        bytes += (24 + v.len() as u64).div_ceil(8) * 8 + 4;
        decode_values(table, v, &mut row)?;
        let slot = if sample.len() < target_rows {
            sample.push((0, Vec::new()));
            Some(sample.len() - 1)
        } else {
            let r = rng.below(seen + 1) as usize;
            (r < target_rows).then_some(r)
        };
        if let Some(s) = slot {
            let cells = columns
                .iter()
                .map(|&(i, _)| Cell::of(&row[i], &table.columns[i].ty))
                .collect();
            sample[s] = (seen, cells);
        }
        seen += 1;
    }
    // Back to stored order (the correlation reads it).
    sample.sort_by_key(|s| s.0);
    let total = seen as f64;
    let relpages = u32::try_from(bytes.div_ceil(PAGE_USABLE)).unwrap_or(u32::MAX);
    if verbose {
        notices.push(format!(
            "\"{}\": scanned {relpages} of {relpages} pages, containing {seen} live rows and 0 dead rows; {} rows in sample, {seen} estimated total rows",
            table.name,
            sample.len()
        ));
    }
    let old = statistic::load(txn, table.id)?;
    let mut stats = TableStats {
        table_id: table.id,
        reltuples: total,
        relpages,
        last_analyze: now,
        analyze_count: old.as_ref().map_or(0, |o| o.analyze_count) + 1,
        columns: Vec::new(),
    };
    // The columns' earlier statistics that still fit them.
    if let Some(o) = &old {
        for c in &o.columns {
            if o.column(table, c.column as usize).is_some() {
                stats.columns.push(c.clone());
            }
        }
    }
    if !sample.is_empty() {
        let mut cells = Vec::with_capacity(sample.len());
        for (k, &(i, target)) in columns.iter().enumerate() {
            interrupt.check()?;
            cells.clear();
            // Each column's cells move out of the sample once.
            cells.extend(
                sample
                    .iter_mut()
                    .map(|s| std::mem::replace(&mut s.1[k], Cell::Null)),
            );
            let ty = &table.columns[i].ty;
            let Some(mut s) = compute(ty, target, &cells, total) else {
                continue;
            };
            s.column = i as u32;
            s.type_oid = ty.oid();
            stats
                .columns
                .retain(|c: &ColumnStats| c.column as usize != i);
            stats.columns.push(s);
        }
        stats.columns.sort_by_key(|c| c.column);
    }
    statistic::store(txn, &stats)
}
