//! Runs every `.slt` file of the corpus (`regression-tests/slt/**/*.slt`)
//! against a throwaway PostgreSQL 15 cluster. The corpus' expectations must
//! be PostgreSQL's own; this test keeps them honest.
//!
//! With `UPDATE_SLT=1` the files are first rewritten from PostgreSQL's
//! output (see the crate README), then checked.
//!
//! `SLT_FILTER=<substring>` restricts the run to files whose path contains
//! the substring.

use rocksgres_regression_tests::postgres_ref::PostgresRef;
use rocksgres_regression_tests::slt::{
    corpus_dir, run_file_on_postgres, slt_files, update_file_from_postgres,
};

#[test]
fn corpus_matches_postgres_15() {
    let cluster = PostgresRef::start().expect("cannot start the reference PostgreSQL 15");
    let root = corpus_dir();
    let filter = std::env::var("SLT_FILTER").unwrap_or_default();
    let files: Vec<_> = slt_files(&root)
        .expect("cannot list the corpus")
        .into_iter()
        .filter(|f| f.to_string_lossy().contains(&filter))
        .collect();
    assert!(!files.is_empty(), "no .slt files under {}", root.display());
    let update = std::env::var("UPDATE_SLT").is_ok_and(|v| v == "1");

    let mut failed = Vec::new();
    let mut records = 0;
    for (i, file) in files.iter().enumerate() {
        let dbname = format!("slt_{i}");
        if update {
            update_file_from_postgres(&cluster, &dbname, file)
                .unwrap_or_else(|e| panic!("cannot update {}: {e}", file.display()));
        }
        let report = run_file_on_postgres(&cluster, &dbname, file)
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", file.display()));
        records += report.records;
        if !report.passed() {
            failed.push(report);
        }
    }
    if !failed.is_empty() {
        let mut text = String::new();
        for report in &failed {
            text.push_str(&report.to_string());
        }
        let names: Vec<_> = failed
            .iter()
            .map(|r| {
                r.path
                    .strip_prefix(&root)
                    .unwrap_or(&r.path)
                    .display()
                    .to_string()
            })
            .collect();
        panic!(
            "{text}\n{} of {} files failed against PostgreSQL 15: {}",
            failed.len(),
            files.len(),
            names.join(", ")
        );
    }
    println!(
        "{} files, {records} records: all match PostgreSQL 15",
        files.len()
    );
}
