//! Isolation scenarios (`regression-tests/isolation/*.spec`) run against a
//! real PostgreSQL 15 and against the engine in process; both transcripts
//! must equal the scenario's `.out` file. `UPDATE_GOLDEN=1` rewrites the
//! `.out` files from PostgreSQL's transcripts (never from the engine's).

use std::path::{Path, PathBuf};

use rocksgres_regression_tests::isolation::{self, engine::EngineBackend, postgres::PgBackend};
use rocksgres_regression_tests::postgres_ref::PostgresRef;

fn specs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("isolation");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "spec"))
        .collect();
    v.sort();
    assert!(v.len() >= 7, "scenarios missing from {}", dir.display());
    v
}

#[test]
fn scenarios_match_postgres_and_engine() {
    let cluster = PostgresRef::start().expect("start the reference PostgreSQL 15");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for (i, spec) in specs().iter().enumerate() {
        let scenario = isolation::parse(&std::fs::read_to_string(spec).unwrap());
        let golden = spec.with_extension("out");
        let dbname = format!("iso_{i}");
        cluster.create_database(&dbname).unwrap();
        let pg = isolation::run(&PgBackend::new(&cluster, &dbname), &scenario);
        if update {
            std::fs::write(&golden, &pg).unwrap();
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_default();
        if pg != expected {
            failures.push(format!(
                "{} (PostgreSQL):\n--- expected\n{expected}--- actual\n{pg}",
                spec.display()
            ));
        }
        let engine = isolation::run(&EngineBackend::new(), &scenario);
        if engine != expected {
            failures.push(format!(
                "{} (engine):\n--- expected\n{expected}--- actual\n{engine}",
                spec.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
