//! Lock table tests: row locks (one holder, FIFO), the table-mode conflict
//! table, queue fairness, deadlocks across modes, waits that end, the
//! freshness flag and the status rows.

use super::*;
use std::sync::Arc;
use std::thread;

fn row(txn: TxnId, lock: LockId) -> Request {
    Request {
        txn,
        owner: txn * 100,
        lock: LockTarget::Row(lock).id(),
        mode: LockMode::AccessExclusive,
        nowait: false,
    }
}

fn table(txn: TxnId, t: u32, mode: LockMode) -> Request {
    Request {
        txn,
        owner: txn * 100,
        lock: LockTarget::Table(t).id(),
        mode,
        nowait: false,
    }
}

fn none() -> WaitLimits {
    WaitLimits::default()
}

fn new(waited: bool, first: bool) -> Acquired {
    Acquired::New {
        waited,
        first,
        conflict_ts: 0,
    }
}

/// Waits until `n` transactions are queued.
fn until_waiting(table: &LockTable, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while table.waiters() < n {
        assert!(Instant::now() < deadline, "never saw {n} waiters");
        thread::sleep(Duration::from_millis(2));
    }
}

/// Asks for `req` on a thread of its own and returns once it waits.
fn waiting_acquire(
    t: &Arc<LockTable>,
    req: Request,
    timeout: Option<Duration>,
) -> thread::JoinHandle<Result<Acquired>> {
    let before = t.waiters();
    let handle = {
        let t = Arc::clone(t);
        thread::spawn(move || t.acquire(req, timeout, &none()))
    };
    until_waiting(t, before + 1);
    handle
}

#[test]
fn second_holder_waits_then_gets_the_lock() {
    let table = Arc::new(LockTable::default());
    assert_eq!(
        table.acquire(row(1, 7), None, &none()).unwrap(),
        new(false, true)
    );
    assert_eq!(
        table.acquire(row(1, 7), None, &none()).unwrap(),
        Acquired::AlreadyHeld { conflict_ts: 0 }
    );
    let t2 = {
        let table = Arc::clone(&table);
        thread::spawn(move || table.acquire(row(2, 7), None, &none()))
    };
    until_waiting(&table, 1);
    table.release_all(1, &[LockTarget::Row(7).id()], None);
    assert_eq!(t2.join().unwrap().unwrap(), new(true, true));
    table.release_all(2, &[LockTarget::Row(7).id()], None);
    assert_eq!(table.held(), 0);
}

#[test]
fn the_conflict_table_is_postgresqls() {
    use LockMode::*;
    // PostgreSQL 15 documentation, table 13.2 ("Conflicting Lock Modes"):
    // for each requested mode, the held modes it conflicts with.
    let expected: [(LockMode, &[LockMode]); 8] = [
        (AccessShare, &[AccessExclusive]),
        (RowShare, &[Exclusive, AccessExclusive]),
        (
            RowExclusive,
            &[Share, ShareRowExclusive, Exclusive, AccessExclusive],
        ),
        (
            ShareUpdateExclusive,
            &[
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ],
        ),
        (
            Share,
            &[
                RowExclusive,
                ShareUpdateExclusive,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ],
        ),
        (
            ShareRowExclusive,
            &[
                RowExclusive,
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ],
        ),
        (
            Exclusive,
            &[
                RowShare,
                RowExclusive,
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ],
        ),
        (AccessExclusive, &LockMode::ALL),
    ];
    for (requested, conflicting) in expected {
        for held in LockMode::ALL {
            assert_eq!(
                requested.conflicts_with(held),
                conflicting.contains(&held),
                "{requested:?} vs {held:?}"
            );
            assert_eq!(
                requested.conflicts_with(held),
                held.conflicts_with(requested),
                "symmetric"
            );
            // And the lock table acts on it: a NOWAIT request fails exactly
            // when the held mode conflicts.
            let t = LockTable::default();
            t.acquire(table(1, 5, held), None, &none()).unwrap();
            let mut req = table(2, 5, requested);
            req.nowait = true;
            let r = t.acquire(req, None, &none());
            assert_eq!(
                r.is_err(),
                conflicting.contains(&held),
                "{requested:?} requested while {held:?} is held: {r:?}"
            );
            if let Err(e) = r {
                assert_eq!(e, StorageError::LockNotAvailable);
            }
        }
    }
}

#[test]
fn one_transaction_may_hold_several_modes_and_releases_all() {
    let t = LockTable::default();
    let id = LockTarget::Table(9).id();
    t.acquire(table(1, 9, LockMode::AccessShare), None, &none())
        .unwrap();
    assert_eq!(
        t.acquire(table(1, 9, LockMode::AccessExclusive), None, &none())
            .unwrap(),
        new(false, false),
        "its own AccessShare does not block it"
    );
    let held: Vec<LockMode> = t.status().iter().map(|s| s.mode).collect();
    assert_eq!(held.len(), 2);
    t.release_all(1, &[id], None);
    assert_eq!(t.held(), 0);
    assert!(t.status().is_empty());
}

#[test]
fn waiters_are_served_in_order_and_a_later_reader_queues_behind_a_writer() {
    // A holds AccessShare; B asks AccessExclusive (waits); C asks
    // AccessShare: compatible with A, but queued behind B, as in
    // PostgreSQL.
    let t = Arc::new(LockTable::default());
    let id = LockTarget::Table(3).id();
    t.acquire(table(1, 3, LockMode::AccessShare), None, &none())
        .unwrap();
    let b = {
        let t = Arc::clone(&t);
        thread::spawn(move || {
            let r = t.acquire(table(2, 3, LockMode::AccessExclusive), None, &none());
            thread::sleep(Duration::from_millis(30));
            t.release_all(2, &[id], None);
            r
        })
    };
    until_waiting(&t, 1);
    let c = {
        let t = Arc::clone(&t);
        thread::spawn(move || {
            let r = t.acquire(table(3, 3, LockMode::AccessShare), None, &none());
            let holders_when_granted: Vec<TxnId> = t
                .status()
                .iter()
                .filter(|s| s.granted)
                .map(|s| s.txn)
                .collect();
            t.release_all(3, &[id], None);
            (r, holders_when_granted)
        })
    };
    until_waiting(&t, 2);
    let queued: Vec<(TxnId, bool)> = t.status().iter().map(|s| (s.txn, s.granted)).collect();
    assert!(queued.contains(&(3, false)), "C waits behind B: {queued:?}");
    t.release_all(1, &[id], None);
    assert_eq!(b.join().unwrap().unwrap(), new(true, true));
    let (rc, holders) = c.join().unwrap();
    assert_eq!(rc.unwrap(), new(true, true));
    assert!(
        !holders.contains(&2),
        "C got the lock only after B released"
    );
    assert_eq!(t.held(), 0);
}

#[test]
fn timeout_reports_lock_timeout() {
    let t = LockTable::default();
    t.acquire(row(1, 7), None, &none()).unwrap();
    let err = t
        .acquire(row(2, 7), Some(Duration::from_millis(20)), &none())
        .unwrap_err();
    assert_eq!(err, StorageError::LockTimeout);
    assert_eq!(t.waiters(), 0, "the timed-out waiter left the queue");
    t.release_all(1, &[LockTarget::Row(7).id()], None);
    assert_eq!(t.held(), 0);
}

#[test]
fn a_waiter_that_gives_up_unblocks_those_behind_it() {
    // 1 holds AccessShare, 2 waits for AccessExclusive with a timeout, 3
    // waits for AccessShare behind 2: when 2 times out, 3 is granted.
    let t = Arc::new(LockTable::default());
    t.acquire(table(1, 4, LockMode::AccessShare), None, &none())
        .unwrap();
    let two = waiting_acquire(
        &t,
        table(2, 4, LockMode::AccessExclusive),
        Some(Duration::from_millis(150)),
    );
    let three = t.acquire(table(3, 4, LockMode::AccessShare), None, &none());
    assert_eq!(three.unwrap(), new(true, true));
    assert_eq!(two.join().unwrap(), Err(StorageError::LockTimeout));
}

#[test]
fn two_way_deadlock_has_exactly_one_victim() {
    let t = Arc::new(LockTable::default());
    t.acquire(row(1, 10), None, &none()).unwrap();
    t.acquire(row(2, 20), None, &none()).unwrap();
    let all = [LockTarget::Row(10).id(), LockTarget::Row(20).id()];
    let t1 = {
        let t = Arc::clone(&t);
        thread::spawn(move || {
            let r = t.acquire(row(1, 20), None, &none());
            t.release_all(1, &all, None);
            r
        })
    };
    until_waiting(&t, 1);
    let r2 = t.acquire(row(2, 10), None, &none());
    t.release_all(2, &all, None);
    let r1 = t1.join().unwrap();
    let victims = [&r1, &r2]
        .iter()
        .filter(|r| matches!(r, Err(StorageError::Deadlock)))
        .count();
    assert_eq!(victims, 1, "r1 = {r1:?}, r2 = {r2:?}");
    assert_eq!(
        r1,
        Err(StorageError::Deadlock),
        "the longest waiter is the victim"
    );
    assert!(r2.is_ok());
}

#[test]
fn a_cycle_through_a_table_lock_and_a_row_lock_is_a_deadlock() {
    // 1 holds row 10 and waits for AccessExclusive on table 1 (a
    // TRUNCATE); 2 holds RowExclusive on table 1 and waits for row 10.
    let t = Arc::new(LockTable::default());
    t.acquire(row(1, 10), None, &none()).unwrap();
    t.acquire(table(2, 1, LockMode::RowExclusive), None, &none())
        .unwrap();
    let one = {
        let t = Arc::clone(&t);
        thread::spawn(move || {
            let r = t.acquire(table(1, 1, LockMode::AccessExclusive), None, &none());
            if r.is_err() {
                t.release_all(1, &[LockTarget::Row(10).id()], None);
            }
            r
        })
    };
    until_waiting(&t, 1);
    let two = t.acquire(row(2, 10), None, &none());
    assert_eq!(one.join().unwrap(), Err(StorageError::Deadlock));
    assert_eq!(two.unwrap(), new(true, true));
}

#[test]
fn two_upgrades_of_one_lock_deadlock_at_once_and_the_newcomer_is_the_victim() {
    // 1 and 2 both hold Share on table 1; each then asks for
    // ShareRowExclusive, which conflicts with the other's Share. As in
    // PostgreSQL, the second request fails at once.
    let t = Arc::new(LockTable::default());
    let id = LockTarget::Table(1).id();
    t.acquire(table(1, 1, LockMode::Share), None, &none())
        .unwrap();
    t.acquire(table(2, 1, LockMode::Share), None, &none())
        .unwrap();
    let one = waiting_acquire(&t, table(1, 1, LockMode::ShareRowExclusive), None);
    let two = t.acquire(table(2, 1, LockMode::ShareRowExclusive), None, &none());
    assert_eq!(two, Err(StorageError::Deadlock));
    t.release_all(2, &[id], None);
    assert_eq!(one.join().unwrap().unwrap(), new(true, false));
}

#[test]
fn a_holder_queues_ahead_of_a_waiter_that_waits_for_it() {
    // 1 holds AccessShare; 2 waits for AccessExclusive; 3 holds RowShare
    // and asks for RowExclusive, which 2's request conflicts with but no
    // holder does: as in PostgreSQL it is granted at once, not queued
    // behind 2 (which would deadlock: 2 waits for 3's RowShare).
    let t = Arc::new(LockTable::default());
    t.acquire(table(1, 6, LockMode::AccessShare), None, &none())
        .unwrap();
    t.acquire(table(3, 6, LockMode::RowShare), None, &none())
        .unwrap();
    let two = waiting_acquire(
        &t,
        table(2, 6, LockMode::AccessExclusive),
        Some(Duration::from_secs(5)),
    );
    let three = t.acquire(table(3, 6, LockMode::RowExclusive), None, &none());
    assert_eq!(three.unwrap(), new(false, false));
    let id = LockTarget::Table(6).id();
    t.release_all(1, &[id], None);
    t.release_all(3, &[id], None);
    assert_eq!(two.join().unwrap().unwrap(), new(true, true));
}

#[test]
fn a_cancel_flag_ends_the_wait() {
    let t = Arc::new(LockTable::default());
    t.acquire(row(1, 7), None, &none()).unwrap();
    let flag = Arc::new(AtomicBool::new(false));
    let limits = WaitLimits {
        deadline: None,
        cancel: Some(Arc::clone(&flag)),
    };
    let waiter = {
        let t = Arc::clone(&t);
        thread::spawn(move || t.acquire(row(2, 7), None, &limits))
    };
    until_waiting(&t, 1);
    flag.store(true, Ordering::Relaxed);
    assert_eq!(waiter.join().unwrap(), Err(StorageError::WaitCanceled));
    assert_eq!(t.waiters(), 0, "the cancelled waiter left the queue");
    t.release_all(1, &[LockTarget::Row(7).id()], None);
    assert_eq!(t.held(), 0);
}

#[test]
fn a_deadline_ends_the_wait() {
    let t = LockTable::default();
    t.acquire(row(1, 7), None, &none()).unwrap();
    let limits = WaitLimits {
        deadline: Some(Instant::now() + Duration::from_millis(20)),
        cancel: None,
    };
    let err = t
        .acquire(row(2, 7), Some(Duration::from_secs(60)), &limits)
        .unwrap_err();
    assert_eq!(err, StorageError::WaitDeadline);
    assert_eq!(t.waiters(), 0);
}

#[test]
fn grants_report_the_newest_conflicting_commit() {
    let t = LockTable::default();
    let id = LockTarget::Table(2).id();
    // Transaction 1 truncates (AccessExclusive) and commits at ts 50.
    t.acquire(table(1, 2, LockMode::AccessExclusive), None, &none())
        .unwrap();
    t.release_all(1, &[id], Some(50));
    let a = t.acquire(table(2, 2, LockMode::AccessShare), None, &none());
    assert_eq!(a.unwrap().conflict_ts(), 50);
    let b = t.acquire(table(3, 2, LockMode::RowExclusive), None, &none());
    assert_eq!(b.unwrap().conflict_ts(), 50);
    t.release_all(2, &[id], None);
    t.release_all(3, &[id], Some(60));
    // RowExclusive commits matter to Share (CREATE INDEX), not to readers.
    let reader = t.acquire(table(4, 2, LockMode::AccessShare), None, &none());
    assert_eq!(reader.unwrap().conflict_ts(), 50);
    let build = t.acquire(table(5, 2, LockMode::Share), None, &none());
    assert_eq!(build.unwrap().conflict_ts(), 60);
    // A transaction that wrote nothing leaves no mark.
    t.release_all(4, &[id], None);
    t.release_all(5, &[id], None);
    let later = t.acquire(table(6, 2, LockMode::AccessExclusive), None, &none());
    assert_eq!(later.unwrap().conflict_ts(), 60);
    // Row locks carry none.
    t.acquire(row(7, 3), None, &none()).unwrap();
    t.release_all(7, &[LockTarget::Row(3).id()], Some(70));
    assert_eq!(
        t.acquire(row(8, 3), None, &none()).unwrap().conflict_ts(),
        0
    );
}

#[test]
fn status_shows_holders_and_waiters_with_their_blockers() {
    let t = Arc::new(LockTable::default());
    t.acquire(table(1, 8, LockMode::RowExclusive), None, &none())
        .unwrap();
    let waiter = waiting_acquire(&t, table(2, 8, LockMode::Share), None);
    let mut rows = t.status();
    rows.sort_by_key(|r| r.txn);
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (
            rows[0].target,
            rows[0].txn,
            rows[0].owner,
            rows[0].mode,
            rows[0].granted
        ),
        (LockTarget::Table(8), 1, 100, LockMode::RowExclusive, true)
    );
    assert_eq!(
        (rows[1].txn, rows[1].owner, rows[1].mode, rows[1].granted),
        (2, 200, LockMode::Share, false)
    );
    assert_eq!(rows[1].blocked_by, vec![1]);
    assert!(rows[1].wait_start.is_some());
    t.release_all(1, &[LockTarget::Table(8).id()], None);
    waiter.join().unwrap().unwrap();
}
