//! The lock table: row locks and PostgreSQL's eight table lock modes in one
//! table, with FIFO waiting, timeouts and one deadlock detector over both.
//!
//! A lock is identified by a [`LockId`]: a table lock by the table's id with
//! the top bit set, a row lock by a 64-bit hash of the row's key with the top
//! bit clear, so taking a row lock never copies the key; two keys that
//! collide merely share a lock (a spurious wait, never a missed conflict).
//! Row locks are taken in the four modes that carry PostgreSQL's row lock
//! strengths (see [`crate::mvcc::row_lock`]); a held row mode covers every
//! mode whose conflicts are a subset of its own, so asking for a weaker
//! strength than one held is a no-op. Table locks are taken in any of the
//! eight modes of PostgreSQL's conflict table ([`LockMode::conflicts_with`]),
//! and one transaction may hold several modes of one table.
//!
//! Granting: a request is granted at once when it conflicts with no mode
//! another transaction holds and -- unless the requester already holds the
//! lock in some mode, as PostgreSQL does to avoid self-deadlocks -- with no
//! earlier waiter's request. Otherwise it joins the FIFO queue. When a holder
//! releases (or a waiter gives up), the queue is walked front to back and
//! every waiter that conflicts neither with the holders nor with a waiter
//! still queued before it is granted, so waiters are served in arrival order.
//!
//! Deadlocks: a waiter is blocked by every other holder of a conflicting
//! mode and by every conflicting waiter queued before it. A waiter searches
//! that waits-for graph (depth first) when it starts waiting and again every
//! `deadlock_check_interval`; if a path leads back to itself, the cycle's
//! member that has waited longest is the victim (as in PostgreSQL, where the
//! first waiter's deadlock timeout fires first): it leaves the queue and
//! reports [`StorageError::Deadlock`]; the others go on waiting. The search
//! runs under the table's mutex, so each cycle gets exactly one victim, and
//! it sees table and row locks alike: a cycle through a TRUNCATE's table lock
//! and an UPDATE's row lock is found like any other.
//!
//! Catalog freshness: when a transaction that held table locks commits, the
//! table remembers, per lock mode, the newest commit timestamp of a holder
//! of that mode. Every grant reports the newest commit of a holder of a
//! mode conflicting with the one granted ([`Acquired::conflict_ts`]); it
//! cannot grow while the lock is held. A caller that read the table's
//! definition at an older snapshot reads it again (READ COMMITTED) or fails
//! (REPEATABLE READ), so no statement works from a definition that a
//! TRUNCATE, ALTER or CREATE INDEX replaced while it waited.
//!
//! Interrupts: besides its lock timeout, a wait ends at the caller's
//! [`WaitLimits`] -- a deadline ([`StorageError::WaitDeadline`]) and a
//! cancel flag set from another thread ([`StorageError::WaitCanceled`]).
//! The flag cannot wake the condition variable, so a waiter with a flag
//! polls it every [`CANCEL_POLL`]; the engine uses both for
//! `statement_timeout` and CancelRequest.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use parking_lot::{Condvar, Mutex};
use smallvec::SmallVec;

use crate::api::{Timestamp, TxnId};
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

/// PostgreSQL's table lock modes, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LockMode {
    /// SELECT.
    AccessShare,
    /// SELECT FOR UPDATE / FOR SHARE.
    RowShare,
    /// INSERT, UPDATE, DELETE.
    RowExclusive,
    /// VACUUM, ANALYZE, CREATE INDEX CONCURRENTLY.
    ShareUpdateExclusive,
    /// CREATE INDEX.
    Share,
    /// CREATE TRIGGER, some ALTER TABLE forms.
    ShareRowExclusive,
    /// REFRESH MATERIALIZED VIEW CONCURRENTLY.
    Exclusive,
    /// DROP, TRUNCATE, most ALTER TABLE forms; also every row lock.
    AccessExclusive,
}

impl LockMode {
    /// Every mode, weakest first.
    pub const ALL: [LockMode; 8] = [
        LockMode::AccessShare,
        LockMode::RowShare,
        LockMode::RowExclusive,
        LockMode::ShareUpdateExclusive,
        LockMode::Share,
        LockMode::ShareRowExclusive,
        LockMode::Exclusive,
        LockMode::AccessExclusive,
    ];

    fn bit(self) -> u8 {
        1 << self as u8
    }

    /// The modes this one conflicts with, as a bit set (bit `m as u8`).
    fn conflict_mask(self) -> u8 {
        use LockMode::*;
        let modes: &[LockMode] = match self {
            AccessShare => &[AccessExclusive],
            RowShare => &[Exclusive, AccessExclusive],
            RowExclusive => &[Share, ShareRowExclusive, Exclusive, AccessExclusive],
            ShareUpdateExclusive => &[
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ],
            Share => &[
                RowExclusive,
                ShareUpdateExclusive,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ],
            ShareRowExclusive => &[
                RowExclusive,
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ],
            Exclusive => &[
                RowShare,
                RowExclusive,
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ],
            AccessExclusive => &LockMode::ALL,
        };
        modes.iter().fold(0, |m, x| m | x.bit())
    }

    /// Whether a holder of `self` blocks a request for `other` (the
    /// relation is symmetric).
    pub fn conflicts_with(self, other: LockMode) -> bool {
        self.conflict_mask() & other.bit() != 0
    }

    /// The name `pg_locks.mode` shows (`AccessShareLock`, ...).
    pub fn pg_name(self) -> &'static str {
        match self {
            LockMode::AccessShare => "AccessShareLock",
            LockMode::RowShare => "RowShareLock",
            LockMode::RowExclusive => "RowExclusiveLock",
            LockMode::ShareUpdateExclusive => "ShareUpdateExclusiveLock",
            LockMode::Share => "ShareLock",
            LockMode::ShareRowExclusive => "ShareRowExclusiveLock",
            LockMode::Exclusive => "ExclusiveLock",
            LockMode::AccessExclusive => "AccessExclusiveLock",
        }
    }

    /// Whether holding the modes of `held` includes holding `self`: one of
    /// them conflicts with everything `self` conflicts with.
    fn covered_by(self, held: u8) -> bool {
        let mask = self.conflict_mask();
        LockMode::modes_in(held).any(|h| h.conflict_mask() & mask == mask)
    }

    fn modes_in(mask: u8) -> impl Iterator<Item = LockMode> {
        LockMode::ALL
            .into_iter()
            .filter(move |m| mask & m.bit() != 0)
    }
}

/// A lock identifier: see the module docs.
pub type LockId = u64;

const TABLE_BIT: u64 = 1 << 63;

/// What a lock protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LockTarget {
    /// A row, by the hash of its key.
    Row(u64),
    /// A table, by its id.
    Table(u32),
}

impl LockTarget {
    /// The lock's identifier.
    pub fn id(self) -> LockId {
        match self {
            LockTarget::Row(h) => h & !TABLE_BIT,
            LockTarget::Table(t) => TABLE_BIT | u64::from(t),
        }
    }

    fn of(id: LockId) -> LockTarget {
        if id & TABLE_BIT != 0 {
            LockTarget::Table(id as u32)
        } else {
            LockTarget::Row(id)
        }
    }
}

/// Hashes a key into the identifier of its row lock (FNV-1a, then a final
/// mix).
pub fn lock_id(key: &[u8]) -> LockId {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in key {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    LockTarget::Row(h ^ (h >> 33)).id()
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

#[derive(Debug, Clone, Copy)]
struct Holder {
    txn: TxnId,
    modes: u8,
}

#[derive(Debug, Clone, Copy)]
struct Waiter {
    txn: TxnId,
    mode: LockMode,
}

#[derive(Debug, Default)]
struct Entry {
    granted: SmallVec<[Holder; 1]>,
    queue: VecDeque<Waiter>,
}

impl Entry {
    fn held_by(&self, txn: TxnId) -> u8 {
        self.granted
            .iter()
            .find(|h| h.txn == txn)
            .map_or(0, |h| h.modes)
    }

    /// Whether a holder other than `txn` holds a mode conflicting with `mode`.
    fn holders_conflict(&self, txn: TxnId, mode: LockMode) -> bool {
        let mask = mode.conflict_mask();
        self.granted
            .iter()
            .any(|h| h.txn != txn && h.modes & mask != 0)
    }

    fn grant(&mut self, txn: TxnId, mode: LockMode) {
        match self.granted.iter_mut().find(|h| h.txn == txn) {
            Some(h) => h.modes |= mode.bit(),
            None => self.granted.push(Holder {
                txn,
                modes: mode.bit(),
            }),
        }
    }

    /// Grants, front to back, every waiter that conflicts neither with the
    /// holders nor with a waiter still queued ahead of it. Whether any was.
    fn promote(&mut self) -> bool {
        let mut granted_any = false;
        let mut ahead: u8 = 0;
        let mut i = 0;
        while i < self.queue.len() {
            let w = self.queue[i];
            let blocked_by_queue = w.mode.conflict_mask() & ahead != 0;
            if !blocked_by_queue && !self.holders_conflict(w.txn, w.mode) {
                self.grant(w.txn, w.mode);
                self.queue.remove(i);
                granted_any = true;
            } else {
                ahead |= w.mode.bit();
                i += 1;
            }
        }
        granted_any
    }

    fn is_empty(&self) -> bool {
        self.granted.is_empty() && self.queue.is_empty()
    }
}

#[derive(Debug, Clone, Copy)]
struct Wait {
    lock: LockId,
    mode: LockMode,
    since: Instant,
    since_wall: SystemTime,
}

#[derive(Debug, Default)]
struct State {
    locks: IdMap<Entry>,
    /// What each waiting transaction waits for, and since when.
    waiting: IdMap<Wait>,
    /// Waiters chosen as deadlock victims, not yet woken.
    victims: Vec<TxnId>,
    /// The owner tag of each transaction holding or awaiting a lock.
    owners: IdMap<u64>,
    /// Per table lock, the newest commit timestamp of a holder of each mode.
    table_commits: IdMap<[Timestamp; 8]>,
    /// How many callers of [`LockTable::wait_for_holders`] are waiting.
    holder_waits: usize,
}

impl State {
    /// The transactions `txn`, waiting as `wait`, waits for: the other
    /// holders of a conflicting mode and the conflicting waiters ahead of it.
    fn blockers(&self, txn: TxnId, wait: &Wait) -> SmallVec<[TxnId; 4]> {
        let mut out = SmallVec::new();
        let Some(entry) = self.locks.get(&wait.lock) else {
            return out;
        };
        let mask = wait.mode.conflict_mask();
        for h in &entry.granted {
            if h.txn != txn && h.modes & mask != 0 {
                out.push(h.txn);
            }
        }
        for w in &entry.queue {
            if w.txn == txn {
                break;
            }
            if w.mode.conflicts_with(wait.mode) && !out.contains(&w.txn) {
                out.push(w.txn);
            }
        }
        out
    }

    /// If `me` is on a cycle of waiters: the cycle's longest waiter.
    fn cycle_victim(&self, me: TxnId) -> Option<TxnId> {
        let my_wait = self.waiting.get(&me)?;
        // Depth-first search with an explicit stack of (node, depth) and the
        // current path.
        let mut stack: Vec<(TxnId, usize)> = self
            .blockers(me, my_wait)
            .into_iter()
            .map(|t| (t, 1))
            .collect();
        let mut path: Vec<TxnId> = vec![me];
        let mut seen: HashSet<TxnId> = HashSet::new();
        while let Some((t, depth)) = stack.pop() {
            path.truncate(depth);
            if t == me {
                return path
                    .iter()
                    .copied()
                    .min_by_key(|m| self.waiting.get(m).map(|w| w.since));
            }
            if !seen.insert(t) {
                continue;
            }
            let Some(w) = self.waiting.get(&t) else {
                continue;
            };
            path.push(t);
            for next in self.blockers(t, w) {
                stack.push((next, depth + 1));
            }
        }
        None
    }

    /// Removes waiter `me` from the queue of `lock`, granting whoever that
    /// unblocks; whether anyone was.
    fn leave_queue(&mut self, me: TxnId, lock: LockId) -> bool {
        self.waiting.remove(&me);
        let mut promoted = false;
        if let Some(entry) = self.locks.get_mut(&lock) {
            entry.queue.retain(|w| w.txn != me);
            promoted = entry.promote();
            if entry.is_empty() {
                self.locks.remove(&lock);
            }
        }
        promoted
    }

    /// The newest commit timestamp of a holder of a mode conflicting with
    /// `mode` (0 if none; always 0 for row locks).
    fn conflict_ts(&self, lock: LockId, mode: LockMode) -> Timestamp {
        self.table_commits.get(&lock).map_or(0, |commits| {
            LockMode::modes_in(mode.conflict_mask())
                .map(|m| commits[m as usize])
                .max()
                .unwrap_or(0)
        })
    }
}

/// How an acquisition ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acquired {
    /// The lock is newly held in this mode.
    New {
        /// Whether the caller had to wait for another holder first.
        waited: bool,
        /// Whether the caller held the lock in no mode before (record it
        /// for release).
        first: bool,
        /// See [`Acquired::conflict_ts`].
        conflict_ts: Timestamp,
    },
    /// The caller already held it in this mode.
    AlreadyHeld {
        /// See [`Acquired::conflict_ts`].
        conflict_ts: Timestamp,
    },
}

impl Acquired {
    /// For a table lock: the newest commit timestamp of a transaction that
    /// held a mode conflicting with the one granted (0 if none). A table
    /// definition read at an older snapshot may be out of date.
    pub fn conflict_ts(self) -> Timestamp {
        match self {
            Acquired::New { conflict_ts, .. } | Acquired::AlreadyHeld { conflict_ts } => {
                conflict_ts
            }
        }
    }
}

/// One request of a transaction, for [`LockTable::acquire`].
#[derive(Debug, Clone, Copy)]
pub struct Request {
    /// The requesting transaction.
    pub txn: TxnId,
    /// Its owner tag (what [`LockStatus::owner`] reports).
    pub owner: u64,
    /// What to lock.
    pub lock: LockId,
    /// In which mode.
    pub mode: LockMode,
    /// Fail with [`StorageError::LockNotAvailable`] instead of waiting.
    pub nowait: bool,
}

/// One row of the lock table's status (what `pg_locks` shows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockStatus {
    /// What is locked.
    pub target: LockTarget,
    /// The holding or waiting transaction.
    pub txn: TxnId,
    /// Its owner tag.
    pub owner: u64,
    /// The mode held or requested.
    pub mode: LockMode,
    /// Held (`true`) or awaited.
    pub granted: bool,
    /// When the wait began (awaited locks only).
    pub wait_start: Option<SystemTime>,
    /// The transactions a waiter waits for (empty for held locks).
    pub blocked_by: Vec<TxnId>,
}

/// The table of row and table locks of one store.
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

    /// Takes a lock as `req` asks, waiting at most `timeout` (forever if
    /// `None`) and no longer than `limits` allow.
    pub fn acquire(
        &self,
        req: Request,
        timeout: Option<Duration>,
        limits: &WaitLimits,
    ) -> Result<Acquired> {
        let Request {
            txn,
            owner,
            lock,
            mode,
            nowait,
        } = req;
        let mut s = self.state.lock();
        let entry = s.locks.entry(lock).or_default();
        let held = entry.held_by(txn);
        let row = lock & TABLE_BIT == 0;
        if held & mode.bit() != 0 || (row && mode.covered_by(held)) {
            let conflict_ts = s.conflict_ts(lock, mode);
            return Ok(Acquired::AlreadyHeld { conflict_ts });
        }
        let queue_blocks = held == 0 && entry.queue.iter().any(|w| w.mode.conflicts_with(mode));
        if !queue_blocks && !entry.holders_conflict(txn, mode) {
            entry.grant(txn, mode);
            s.owners.insert(txn, owner);
            return Ok(Acquired::New {
                waited: false,
                first: held == 0,
                conflict_ts: s.conflict_ts(lock, mode),
            });
        }
        if nowait {
            if entry.is_empty() {
                s.locks.remove(&lock);
            }
            return Err(StorageError::LockNotAvailable);
        }
        // A holder of this lock queues ahead of the first waiter that waits
        // for it (so an upgrade does not deadlock against a later request);
        // if that waiter also holds a mode this request waits for, the two
        // are deadlocked now, and the newcomer is the victim -- as in
        // PostgreSQL's ProcSleep.
        let mut insert_at = entry.queue.len();
        if held != 0 {
            for (i, w) in entry.queue.iter().enumerate() {
                if w.mode.conflict_mask() & held != 0 {
                    if mode.conflict_mask() & entry.held_by(w.txn) != 0 {
                        return Err(StorageError::Deadlock);
                    }
                    insert_at = i;
                    break;
                }
            }
        }
        entry.queue.insert(insert_at, Waiter { txn, mode });
        s.owners.insert(txn, owner);
        s.waiting.insert(
            txn,
            Wait {
                lock,
                mode,
                since: Instant::now(),
                since_wall: SystemTime::now(),
            },
        );
        let deadline = timeout.map(|t| Instant::now() + t);
        let fail = |s: &mut State, err: StorageError| {
            if s.leave_queue(txn, lock) {
                self.released.notify_all();
            }
            Err(err)
        };
        loop {
            if s.locks
                .get(&lock)
                .is_some_and(|e| e.held_by(txn) & mode.bit() != 0)
            {
                s.waiting.remove(&txn);
                s.victims.retain(|&v| v != txn);
                return Ok(Acquired::New {
                    waited: true,
                    first: held == 0,
                    conflict_ts: s.conflict_ts(lock, mode),
                });
            }
            if let Some(pos) = s.victims.iter().position(|&v| v == txn) {
                s.victims.swap_remove(pos);
                return fail(&mut s, StorageError::Deadlock);
            }
            match s.cycle_victim(txn) {
                Some(victim) if victim == txn => return fail(&mut s, StorageError::Deadlock),
                Some(victim) => {
                    if !s.victims.contains(&victim) {
                        s.victims.push(victim);
                    }
                    self.released.notify_all();
                }
                None => {}
            }
            if limits.canceled() {
                return fail(&mut s, StorageError::WaitCanceled);
            }
            let now = Instant::now();
            let mut wake = now + self.deadlock_check_interval;
            if let Some(d) = limits.deadline {
                if now >= d {
                    return fail(&mut s, StorageError::WaitDeadline);
                }
                wake = wake.min(d);
            }
            if let Some(d) = deadline {
                if now >= d {
                    return fail(&mut s, StorageError::LockTimeout);
                }
                wake = wake.min(d);
            }
            if limits.cancel.is_some() {
                wake = wake.min(now + CANCEL_POLL);
            }
            self.released.wait_until(&mut s, wake);
        }
    }

    /// Releases every lock in `locks` held by `txn` (in every mode),
    /// granting waiters they unblock, and forgets `txn`'s owner tag; call it
    /// once at the end of every transaction that called [`LockTable::acquire`].
    /// `commit_ts` is the transaction's commit timestamp if it committed
    /// writes: table locks remember it.
    pub fn release_all(&self, txn: TxnId, locks: &[LockId], commit_ts: Option<Timestamp>) {
        self.release_all_changing(txn, locks, commit_ts, &[]);
    }

    /// [`LockTable::release_all`], recording also that the transaction
    /// changed the definitions of tables `changed` (if it committed): the
    /// commit counts as one of an ACCESS EXCLUSIVE holder of each for the
    /// catalog freshness check, though it held a weaker mode (see
    /// [`crate::Transaction::mark_definition_changed`]).
    pub fn release_all_changing(
        &self,
        txn: TxnId,
        locks: &[LockId],
        commit_ts: Option<Timestamp>,
        changed: &[u32],
    ) {
        let mut handed_over = false;
        {
            let mut s = self.state.lock();
            s.owners.remove(&txn);
            if let Some(ts) = commit_ts {
                for &table in changed {
                    let commits = s
                        .table_commits
                        .entry(LockTarget::Table(table).id())
                        .or_default();
                    let slot = &mut commits[LockMode::AccessExclusive as usize];
                    *slot = (*slot).max(ts);
                }
            }
            if locks.is_empty() {
                return;
            }
            // Callers of `wait_for_holders` wake at every release.
            let holder_waits = s.holder_waits > 0;
            for &lock in locks {
                let Some(entry) = s.locks.get_mut(&lock) else {
                    continue;
                };
                let Some(pos) = entry.granted.iter().position(|h| h.txn == txn) else {
                    continue;
                };
                let modes = entry.granted.swap_remove(pos).modes;
                handed_over |= entry.promote() || holder_waits;
                if entry.is_empty() {
                    s.locks.remove(&lock);
                }
                if let (Some(ts), true) = (commit_ts, lock & TABLE_BIT != 0) {
                    let commits = s.table_commits.entry(lock).or_default();
                    for m in LockMode::modes_in(modes) {
                        let slot = &mut commits[m as usize];
                        *slot = (*slot).max(ts);
                    }
                }
            }
        }
        if handed_over {
            self.released.notify_all();
        }
    }

    /// Every held and awaited lock, for `pg_locks`.
    pub fn status(&self) -> Vec<LockStatus> {
        let s = self.state.lock();
        let mut out = Vec::new();
        for (&lock, entry) in &s.locks {
            let target = LockTarget::of(lock);
            for h in &entry.granted {
                for mode in LockMode::modes_in(h.modes) {
                    out.push(LockStatus {
                        target,
                        txn: h.txn,
                        owner: s.owners.get(&h.txn).copied().unwrap_or(0),
                        mode,
                        granted: true,
                        wait_start: None,
                        blocked_by: Vec::new(),
                    });
                }
            }
            for w in &entry.queue {
                let wait = s.waiting.get(&w.txn).copied();
                out.push(LockStatus {
                    target,
                    txn: w.txn,
                    owner: s.owners.get(&w.txn).copied().unwrap_or(0),
                    mode: w.mode,
                    granted: false,
                    wait_start: wait.map(|w| w.since_wall),
                    blocked_by: wait
                        .map(|wt| s.blockers(w.txn, &wt).into_vec())
                        .unwrap_or_default(),
                });
            }
        }
        out
    }

    /// Number of locks currently held (for tests and monitoring).
    pub fn held(&self) -> usize {
        self.state
            .lock()
            .locks
            .values()
            .filter(|e| !e.granted.is_empty())
            .count()
    }

    /// Number of transactions queued for a lock held by another.
    pub fn waiters(&self) -> usize {
        let s = self.state.lock();
        s.locks.values().map(|e| e.queue.len()).sum::<usize>() + s.holder_waits
    }

    /// Waits until every transaction that holds table lock `table` in a
    /// mode conflicting with `mode` now has released it, without
    /// requesting the lock (so later requests are not queued behind this
    /// wait): PostgreSQL's `WaitForLockers`, which CREATE INDEX
    /// CONCURRENTLY uses. Counted as a waiter; ends early as a lock wait
    /// does (`timeout`, `limits`).
    pub fn wait_for_holders(
        &self,
        table: u32,
        mode: LockMode,
        timeout: Option<Duration>,
        limits: &WaitLimits,
    ) -> Result<()> {
        let lock = LockTarget::Table(table).id();
        let mut s = self.state.lock();
        let holders: Vec<TxnId> = s.locks.get(&lock).map_or_else(Vec::new, |e| {
            e.granted
                .iter()
                .filter(|h| LockMode::modes_in(h.modes).any(|m| m.conflicts_with(mode)))
                .map(|h| h.txn)
                .collect()
        });
        let deadline = timeout.map(|t| Instant::now() + t);
        s.holder_waits += 1;
        let r = loop {
            let held = s
                .locks
                .get(&lock)
                .is_some_and(|e| e.granted.iter().any(|h| holders.contains(&h.txn)));
            if !held {
                break Ok(());
            }
            if limits.canceled() {
                break Err(StorageError::WaitCanceled);
            }
            let now = Instant::now();
            let mut wake = now + CANCEL_POLL;
            if let Some(d) = limits.deadline {
                if now >= d {
                    break Err(StorageError::WaitDeadline);
                }
                wake = wake.min(d);
            }
            if let Some(d) = deadline {
                if now >= d {
                    break Err(StorageError::LockTimeout);
                }
                wake = wake.min(d);
            }
            self.released.wait_until(&mut s, wake);
        };
        s.holder_waits -= 1;
        r
    }
}

#[cfg(test)]
mod tests;
