//! Runs the SQL corpus (`regression-tests/slt/**/*.slt`) in process against
//! the Rocksgres engine through its embedding API, each file on a fresh
//! RocksDB database in a temporary directory.
//!
//! Files listed in `slt/PENDING` use features the engine does not have yet;
//! they must still FAIL (the test says so when one starts passing, so the
//! list only shrinks). Every other file must pass completely. The summary
//! line counts passing records across all files, pending ones included.
//!
//! `SLT_FILTER=<substring>` restricts the run to matching files;
//! `SLT_SHOW=1` also prints the failing records of pending files.

use std::collections::BTreeSet;

use rocksgres_engine::Database;
use rocksgres_regression_tests::slt::{corpus_dir, run_slt_file, slt_files, EngineDb};

fn pending() -> BTreeSet<String> {
    let path = corpus_dir().join("PENDING");
    std::fs::read_to_string(&path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn corpus_runs_in_process() {
    let root = corpus_dir();
    let filter = std::env::var("SLT_FILTER").unwrap_or_default();
    let pending = pending();
    let files: Vec<_> = slt_files(&root)
        .expect("cannot list the corpus")
        .into_iter()
        .filter(|f| f.to_string_lossy().contains(&filter))
        .collect();
    assert!(!files.is_empty(), "no .slt files under {}", root.display());

    let mut problems = Vec::new();
    let (mut records, mut failed_records) = (0usize, 0usize);
    let mut passing_files = 0usize;
    for file in &files {
        let name = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        let dir = tempfile::tempdir().expect("temporary directory");
        let db = Database::open(dir.path()).expect("open a database");
        let report = run_slt_file(file, || Ok(EngineDb::new(&db)));
        records += report.records;
        failed_records += report.failures.len();
        let is_pending = pending.contains(&name);
        eprintln!(
            "{name}: {}/{} records pass{}",
            report.records - report.failures.len(),
            report.records,
            if is_pending { " (pending)" } else { "" }
        );
        match (report.passed(), is_pending) {
            (true, false) => passing_files += 1,
            (false, true) => {
                if std::env::var_os("SLT_SHOW").is_some() {
                    eprintln!("{report}");
                }
            }
            (true, true) => problems.push(format!("{name} passes now: remove it from slt/PENDING")),
            (false, false) => problems.push(report.to_string()),
        }
    }
    eprintln!(
        "{passing_files} of {} files pass; {} of {records} records pass",
        files.len(),
        records - failed_records
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
