//! The row lock table: exclusive write locks with FIFO waiting, timeouts and
//! deadlock detection.
//!
//! Locks are identified by a 64-bit hash of the key, so taking a lock never
//! copies the key; two keys that collide merely share a lock (a spurious
//! wait, never a missed conflict). Each lock has one holder and a FIFO queue
//! of waiters; release hands the lock straight to the head of the queue, so
//! waiters are served in arrival order, as PostgreSQL does for row locks.
//!
//! Deadlocks: a transaction waits for at most one lock at a time, so the
//! waits-for graph is a set of chains: waiter -> holder of the lock it waits
//! for -> the lock that holder waits for -> ... A waiter walks that chain
//! when it starts waiting and again every `deadlock_check_interval`; if the
//! chain leads back to itself, the cycle's member that has waited longest
//! is the victim (as in PostgreSQL, where the first waiter's deadlock
//! timeout fires first): it leaves the queue and reports
//! [`StorageError::Deadlock`]; the others go on waiting. The walk runs under
//! the table's mutex, so each cycle gets exactly one victim.
//!
//! Interrupts: besides its lock timeout, a wait ends at the caller's
//! [`WaitLimits`] -- a deadline ([`StorageError::WaitDeadline`]) and a
//! cancel flag set from another thread ([`StorageError::WaitCanceled`]).
//! The flag cannot wake the condition variable, so a waiter with a flag
//! polls it every [`CANCEL_POLL`]; the engine uses both for
//! `statement_timeout` and CancelRequest.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::api::TxnId;
use crate::error::{Result, StorageError};

/// How often a waiter with a cancel flag looks at it.
pub const CANCEL_POLL: Duration = Duration::from_millis(10);

/// What else ends a lock wait besides the lock timeout and deadlocks.
#[derive(Debug, Clone, Default)]
pub struct WaitLimits {
    /// Waits end at this instant with [`StorageError::WaitDeadline`].
    pub deadline: Option<Instant>,
    /// Waits end soon after this is set, with [`StorageError::WaitCanceled`].
    pub cancel: Option<Arc<AtomicBool>>,
}

impl WaitLimits {
    fn canceled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

/// A lock identifier: the hash of the locked key.
pub type LockId = u64;

/// Hashes a key into its lock identifier (FNV-1a, then a final mix).
pub fn lock_id(key: &[u8]) -> LockId {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in key {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// Identity hasher for keys that are already hashes.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

#[derive(Debug)]
struct Entry {
    holder: TxnId,
    queue: VecDeque<TxnId>,
}

#[derive(Debug, Default)]
struct State {
    locks: IdMap<Entry>,
    /// Which lock each waiting transaction waits for, and since when.
    waiting: IdMap<(LockId, Instant)>,
    /// Waiters chosen as deadlock victims, not yet woken.
    victims: Vec<TxnId>,
}

impl State {
    /// If `me`, waiting for `lock`, closes a cycle of waiters: the cycle's
    /// longest waiter.
    fn cycle_victim(&self, me: TxnId, lock: LockId) -> Option<TxnId> {
        let mut current = lock;
        let mut members = vec![me];
        for _ in 0..=self.waiting.len() {
            let entry = self.locks.get(&current)?;
            if entry.holder == me {
                return members
                    .into_iter()
                    .min_by_key(|t| self.waiting.get(t).map(|(_, since)| *since));
            }
            members.push(entry.holder);
            match self.waiting.get(&entry.holder) {
                Some(&(next, _)) => current = next,
                None => return None,
            }
        }
        None
    }

    fn leave_queue(&mut self, me: TxnId, lock: LockId) {
        self.waiting.remove(&me);
        if let Some(entry) = self.locks.get_mut(&lock) {
            entry.queue.retain(|&t| t != me);
        }
    }
}

/// How an acquisition ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acquired {
    /// The lock is newly held; record it for release.
    New {
        /// Whether the caller had to wait for another holder first.
        waited: bool,
    },
    /// The caller already held it.
    AlreadyHeld,
}

/// The table of row write locks of one store.
#[derive(Debug)]
pub struct LockTable {
    state: Mutex<State>,
    released: Condvar,
    deadlock_check_interval: Duration,
}

impl Default for LockTable {
    fn default() -> Self {
        Self::new(Duration::from_millis(100))
    }
}

impl LockTable {
    /// A table whose waiters re-check for deadlocks at `deadlock_check_interval`.
    pub fn new(deadlock_check_interval: Duration) -> Self {
        LockTable {
            state: Mutex::new(State::default()),
            released: Condvar::new(),
            deadlock_check_interval,
        }
    }

    /// Takes `lock` for `txn`, waiting at most `timeout` (forever if
    /// `None`) and no longer than `limits` allow.
    pub fn acquire(
        &self,
        txn: TxnId,
        lock: LockId,
        timeout: Option<Duration>,
        limits: &WaitLimits,
    ) -> Result<Acquired> {
        let mut s = self.state.lock();
        match s.locks.get_mut(&lock) {
            None => {
                s.locks.insert(
                    lock,
                    Entry {
                        holder: txn,
                        queue: VecDeque::new(),
                    },
                );
                return Ok(Acquired::New { waited: false });
            }
            Some(e) if e.holder == txn => return Ok(Acquired::AlreadyHeld),
            Some(e) => e.queue.push_back(txn),
        }
        s.waiting.insert(txn, (lock, Instant::now()));
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            if s.locks.get(&lock).is_some_and(|e| e.holder == txn) {
                s.waiting.remove(&txn);
                s.victims.retain(|&v| v != txn);
                return Ok(Acquired::New { waited: true });
            }
            if let Some(pos) = s.victims.iter().position(|&v| v == txn) {
                s.victims.swap_remove(pos);
                s.leave_queue(txn, lock);
                return Err(StorageError::Deadlock);
            }
            match s.cycle_victim(txn, lock) {
                Some(victim) if victim == txn => {
                    s.leave_queue(txn, lock);
                    return Err(StorageError::Deadlock);
                }
                Some(victim) => {
                    if !s.victims.contains(&victim) {
                        s.victims.push(victim);
                    }
                    self.released.notify_all();
                }
                None => {}
            }
            if limits.canceled() {
                s.leave_queue(txn, lock);
                return Err(StorageError::WaitCanceled);
            }
            let now = Instant::now();
            let mut wake = now + self.deadlock_check_interval;
            if let Some(d) = limits.deadline {
                if now >= d {
                    s.leave_queue(txn, lock);
                    return Err(StorageError::WaitDeadline);
                }
                wake = wake.min(d);
            }
            if let Some(d) = deadline {
                if now >= d {
                    s.leave_queue(txn, lock);
                    return Err(StorageError::LockTimeout);
                }
                wake = wake.min(d);
            }
            if limits.cancel.is_some() {
                wake = wake.min(now + CANCEL_POLL);
            }
            self.released.wait_until(&mut s, wake);
        }
    }

    /// Releases every lock in `locks` held by `txn`, handing each to its
    /// first waiter.
    pub fn release_all(&self, txn: TxnId, locks: &[LockId]) {
        if locks.is_empty() {
            return;
        }
        let mut handed_over = false;
        {
            let mut s = self.state.lock();
            for lock in locks {
                let Some(entry) = s.locks.get_mut(lock) else {
                    continue;
                };
                if entry.holder != txn {
                    continue;
                }
                match entry.queue.pop_front() {
                    Some(next) => {
                        entry.holder = next;
                        handed_over = true;
                    }
                    None => {
                        s.locks.remove(lock);
                    }
                }
            }
        }
        if handed_over {
            self.released.notify_all();
        }
    }

    /// Number of locks currently held (for tests and monitoring).
    pub fn held(&self) -> usize {
        self.state.lock().locks.len()
    }

    /// Number of transactions queued for a lock held by another.
    pub fn waiters(&self) -> usize {
        self.state
            .lock()
            .locks
            .values()
            .map(|e| e.queue.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::thread;

    #[test]
    fn second_holder_waits_then_gets_the_lock() {
        let none = WaitLimits::default();
        let table = Arc::new(LockTable::default());
        assert_eq!(
            table.acquire(1, 7, None, &none).unwrap(),
            Acquired::New { waited: false }
        );
        assert_eq!(
            table.acquire(1, 7, None, &none).unwrap(),
            Acquired::AlreadyHeld
        );
        let t2 = {
            let table = Arc::clone(&table);
            thread::spawn(move || table.acquire(2, 7, None, &WaitLimits::default()))
        };
        thread::sleep(Duration::from_millis(50));
        table.release_all(1, &[7]);
        assert_eq!(t2.join().unwrap().unwrap(), Acquired::New { waited: true });
        table.release_all(2, &[7]);
        assert_eq!(table.held(), 0);
    }

    #[test]
    fn timeout_reports_lock_timeout() {
        let none = WaitLimits::default();
        let table = LockTable::default();
        table.acquire(1, 7, None, &none).unwrap();
        let err = table
            .acquire(2, 7, Some(Duration::from_millis(20)), &none)
            .unwrap_err();
        assert_eq!(err, StorageError::LockTimeout);
        table.release_all(1, &[7]);
        assert_eq!(table.held(), 0, "the timed-out waiter left the queue");
    }

    #[test]
    fn two_way_deadlock_has_exactly_one_victim() {
        let none = WaitLimits::default();
        let table = Arc::new(LockTable::default());
        table.acquire(1, 10, None, &none).unwrap();
        table.acquire(2, 20, None, &none).unwrap();
        let t1 = {
            let table = Arc::clone(&table);
            thread::spawn(move || {
                let r = table.acquire(1, 20, None, &WaitLimits::default());
                table.release_all(1, &[10, 20]);
                r
            })
        };
        thread::sleep(Duration::from_millis(30));
        let r2 = table.acquire(2, 10, None, &none);
        table.release_all(2, &[10, 20]);
        let r1 = t1.join().unwrap();
        let victims = [&r1, &r2]
            .iter()
            .filter(|r| matches!(r, Err(StorageError::Deadlock)))
            .count();
        assert_eq!(victims, 1, "r1 = {r1:?}, r2 = {r2:?}");
        assert!(r1.is_ok() || r2.is_ok());
    }

    #[test]
    fn a_cancel_flag_ends_the_wait() {
        let table = Arc::new(LockTable::default());
        let none = WaitLimits::default();
        table.acquire(1, 7, None, &none).unwrap();
        let flag = Arc::new(AtomicBool::new(false));
        let limits = WaitLimits {
            deadline: None,
            cancel: Some(Arc::clone(&flag)),
        };
        let waiter = {
            let table = Arc::clone(&table);
            thread::spawn(move || table.acquire(2, 7, None, &limits))
        };
        thread::sleep(Duration::from_millis(30));
        flag.store(true, Ordering::Relaxed);
        assert_eq!(waiter.join().unwrap(), Err(StorageError::WaitCanceled));
        assert_eq!(table.waiters(), 0, "the cancelled waiter left the queue");
        table.release_all(1, &[7]);
        assert_eq!(table.held(), 0);
    }

    #[test]
    fn a_deadline_ends_the_wait() {
        let table = LockTable::default();
        table.acquire(1, 7, None, &WaitLimits::default()).unwrap();
        let limits = WaitLimits {
            deadline: Some(Instant::now() + Duration::from_millis(20)),
            cancel: None,
        };
        let err = table
            .acquire(2, 7, Some(Duration::from_secs(60)), &limits)
            .unwrap_err();
        assert_eq!(err, StorageError::WaitDeadline);
        assert_eq!(table.waiters(), 0);
    }
}
