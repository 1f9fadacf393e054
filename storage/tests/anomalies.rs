//! Golden-file MVCC anomaly scripts, run against both backends in both
//! isolation modes.
//!
//! A script (`tests/scripts/NAME.script`) is a list of steps `SESSION: COMMAND`.
//! Each session runs on its own thread, so a step that waits for a row lock
//! really waits; the runner issues one step at a time and, after each, waits
//! until the system is quiet: every session is either done with its step or
//! queued for a lock (`Store::lock_waiters`). Outputs are therefore
//! deterministic. Under READ COMMITTED every statement takes a fresh
//! snapshot, as PostgreSQL does. An error of the serialization, deadlock or
//! lock-timeout kind rolls the session's transaction back, as the SQL layer
//! will.
//!
//! The rendered transcript for both modes must equal `NAME.golden`, for both
//! backends. `UPDATE_GOLDEN=1 cargo test` rewrites the golden files (from the
//! in-memory backend); review the diff before committing it.
//!
//! Commands: `begin`, `get K`, `get_for_update K`, `put K V`, `delete K`,
//! `scan [LO HI]` (half-open), `commit`, `rollback`; `setup: put K V` lines
//! run in one committed transaction before the sessions start.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{key, unkey};
use rocksgres_storage::{
    Direction, Isolation, KeyRange, StorageError, Store, Transaction, TxnOptions,
};

struct Session<T> {
    txn: Option<T>,
    failed: bool,
    isolation: Isolation,
}

impl<T: Transaction> Session<T> {
    fn run<S: Store<Txn = T>>(&mut self, store: &S, command: &str) -> String {
        let words: Vec<&str> = command.split_whitespace().collect();
        match words.as_slice() {
            ["begin"] => {
                let options = TxnOptions {
                    isolation: self.isolation,
                    ..TxnOptions::default()
                };
                self.txn = Some(store.begin(options).unwrap());
                self.failed = false;
                "ok".into()
            }
            ["commit"] => match self.txn.take() {
                Some(t) => match t.commit() {
                    Ok(_) => "ok".into(),
                    Err(e) => format!("error: {e}"),
                },
                None if self.failed => "rollback (the transaction had failed)".into(),
                None => "no transaction".into(),
            },
            ["rollback"] => {
                self.failed = false;
                match self.txn.take() {
                    Some(t) => {
                        t.rollback();
                        "ok".into()
                    }
                    None => "no transaction".into(),
                }
            }
            _ => {
                let Some(txn) = self.txn.as_mut() else {
                    return if self.failed {
                        "skipped: the transaction had failed".into()
                    } else {
                        "no transaction".into()
                    };
                };
                if self.isolation == Isolation::ReadCommitted {
                    txn.refresh_snapshot().unwrap();
                }
                match Self::statement(txn, &words) {
                    Ok(out) => out,
                    Err(e) => {
                        if matches!(
                            e,
                            StorageError::Serialization
                                | StorageError::Deadlock
                                | StorageError::LockTimeout
                        ) {
                            self.txn.take().unwrap().rollback();
                            self.failed = true;
                            format!("error: {e} (rolled back)")
                        } else {
                            format!("error: {e}")
                        }
                    }
                }
            }
        }
    }

    fn statement(txn: &mut T, words: &[&str]) -> Result<String, StorageError> {
        let mut out = Vec::new();
        Ok(match words {
            ["get", k] => match txn.get(&key(k), &mut out)? {
                true => format!("{k} = {}", String::from_utf8_lossy(&out)),
                false => format!("{k} not found"),
            },
            ["get_for_update", k] => match txn.get_for_update(&key(k), &mut out)? {
                true => format!("{k} = {}", String::from_utf8_lossy(&out)),
                false => format!("{k} not found"),
            },
            ["put", k, v] => {
                txn.put(&key(k), v.as_bytes())?;
                "ok".into()
            }
            ["delete", k] => {
                txn.delete(&key(k))?;
                "ok".into()
            }
            ["scan", rest @ ..] => {
                let bounds: Vec<Vec<u8>> = rest.iter().map(|w| key(w)).collect();
                let range = match bounds.as_slice() {
                    [] => KeyRange::all(),
                    [lo, hi] => KeyRange::half_open(lo, hi),
                    _ => panic!("scan takes no bounds or two"),
                };
                let mut cursor = txn.cursor();
                txn.seek(&mut cursor, range, Direction::Forward)?;
                let mut rows = Vec::new();
                while let Some((k, v)) = txn.next(&mut cursor)? {
                    rows.push(format!("{}={}", unkey(k), String::from_utf8_lossy(v)));
                }
                format!("[{}]", rows.join(", "))
            }
            other => panic!("unknown command {other:?}"),
        })
    }
}

fn run_script<S: Store>(store: &S, script: &str, isolation: Isolation) -> String {
    let mut out = String::new();
    let mut setup = store.begin(TxnOptions::default()).unwrap();
    let mut steps = Vec::new();
    for line in script.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (who, command) = line.split_once(':').expect("step is SESSION: COMMAND");
        let (who, command) = (who.trim(), command.trim());
        if who == "setup" {
            let words: Vec<&str> = command.split_whitespace().collect();
            let ["put", k, v] = words.as_slice() else {
                panic!("setup only puts: {line}");
            };
            setup.put(&key(k), v.as_bytes()).unwrap();
            writeln!(out, "setup: {command}").unwrap();
        } else {
            steps.push((who.to_string(), command.to_string()));
        }
    }
    setup.commit().unwrap();

    std::thread::scope(|scope| {
        let (done_tx, done_rx) = mpsc::channel::<(String, String, String)>();
        let mut inboxes: BTreeMap<String, mpsc::Sender<String>> = BTreeMap::new();
        // Steps issued but not yet answered, by session.
        let mut pending: BTreeMap<String, String> = BTreeMap::new();
        for (who, command) in steps {
            if !inboxes.contains_key(&who) {
                let (tx, rx) = mpsc::channel::<String>();
                let done_tx = done_tx.clone();
                let name = who.clone();
                scope.spawn(move || {
                    let mut session = Session::<S::Txn> {
                        txn: None,
                        failed: false,
                        isolation,
                    };
                    for command in rx {
                        let result = session.run(store, &command);
                        if done_tx.send((name.clone(), command, result)).is_err() {
                            break;
                        }
                    }
                });
                inboxes.insert(who.clone(), tx);
            }
            assert!(
                !pending.contains_key(&who),
                "script error: {who} is still waiting when given `{command}`"
            );
            writeln!(out, "{who}: {command}").unwrap();
            pending.insert(who.clone(), command.clone());
            inboxes[&who].send(command.clone()).unwrap();

            // Wait until every session is finished or queued for a lock.
            let deadline = Instant::now() + Duration::from_secs(20);
            let mut finished: BTreeMap<String, (String, String)> = BTreeMap::new();
            let mut quiet_rounds = 0;
            loop {
                let mut answered = false;
                while let Ok((name, cmd, result)) = done_rx.try_recv() {
                    pending.remove(&name);
                    finished.insert(name, (cmd, result));
                    answered = true;
                }
                // A session that was granted a lock has left the queue but is
                // still pending, so equality means all pending ones are queued.
                if !answered && pending.len() == store.lock_waiters() {
                    quiet_rounds += 1;
                    if quiet_rounds >= 2 {
                        break;
                    }
                } else {
                    quiet_rounds = 0;
                }
                assert!(
                    Instant::now() < deadline,
                    "script hung at `{who}: {command}`"
                );
                std::thread::sleep(Duration::from_millis(2));
            }
            match finished.remove(&who) {
                Some((_, result)) => writeln!(out, "  => {result}").unwrap(),
                None => writeln!(out, "  => waiting").unwrap(),
            }
            for (name, (cmd, result)) in finished {
                writeln!(out, "  => {name} ({cmd}) resumes: {result}").unwrap();
            }
        }
        assert!(
            pending.is_empty(),
            "script ended with waiting sessions: {pending:?}"
        );
        drop(inboxes);
    });
    out
}

fn transcript<S: Store>(store_for: impl Fn() -> S, script: &str) -> String {
    let mut out = String::new();
    for (label, isolation) in [
        ("read committed", Isolation::ReadCommitted),
        ("snapshot", Isolation::Snapshot),
    ] {
        writeln!(out, "== {label}").unwrap();
        out.push_str(&run_script(&store_for(), script, isolation));
    }
    out
}

fn scripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "script"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "anomaly scripts are missing from {dir:?}");
    paths
}

fn check_against_golden<S: Store>(store_for: impl Fn() -> S, update: bool) {
    let mut failures = Vec::new();
    for path in scripts() {
        let script = std::fs::read_to_string(&path).unwrap();
        let actual = transcript(&store_for, &script);
        let golden = path.with_extension("golden");
        if update {
            std::fs::write(&golden, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_default();
        if actual != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}\n--- actual\n{actual}",
                golden.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn anomalies_memory() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    check_against_golden(rocksgres_storage::MemoryStore::new, update);
}

#[test]
fn anomalies_rocksdb() {
    let dirs = std::cell::RefCell::new(Vec::new());
    check_against_golden(
        || {
            let (dir, store) = common::rocks();
            dirs.borrow_mut().push(dir);
            store
        },
        false,
    );
}
