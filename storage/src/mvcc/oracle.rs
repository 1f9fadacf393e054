//! The timestamp oracle and its visible watermark.
//!
//! Commit timestamps come from one counter. A commit is *in flight* from the
//! moment it takes its timestamp until its batch has been applied. The
//! *visible watermark* is the largest `W` such that every commit `<= W` has
//! been applied: `min(in flight) - 1`, or the last issued timestamp when
//! nothing is in flight. Snapshots are taken at the watermark, so no
//! snapshot ever sees timestamp `T` while a commit `<= T` is still being
//! applied (it would otherwise see a later commit and miss an earlier one).
//!
//! A commit is acknowledged only once the watermark has reached its own
//! timestamp ([`Oracle::wait_visible`]): a small commit that finishes while
//! an older, larger one is still applying waits for it, so every statement
//! that starts after the acknowledgement -- in any session, the committer's
//! included -- sees the commit. (Without the wait, a session's next SELECT
//! could miss the row it had just committed.) The wait cannot deadlock: a
//! commit only waits for commits with smaller timestamps, which wait for
//! nothing but their own batch.
//!
//! The oracle also tracks the live snapshots; the oldest of them (or the
//! watermark, when there are none) is the GC safe point published to
//! [`GcState`].
//!
//! Restart safety: timestamps are *reserved* in windows. Before issuing a
//! timestamp at or beyond the persisted reservation, the oracle durably
//! stores a new reservation a window ahead; after a restart, counting
//! resumes from the stored reservation, so a timestamp is never reused and
//! never goes backwards, at the cost of one synced metadata write per window.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use crate::api::Timestamp;
use crate::error::Result;
use crate::mvcc::gc::GcState;

/// How many timestamps one durable reservation covers.
pub const RESERVATION_WINDOW: u64 = 1 << 20;

#[derive(Debug)]
struct State {
    /// The next timestamp to issue.
    next: Timestamp,
    /// Timestamps below this are covered by the persisted reservation.
    reserved: Timestamp,
    in_flight: BTreeSet<Timestamp>,
    snapshots: BTreeMap<Timestamp, usize>,
}

impl State {
    fn watermark(&self) -> Timestamp {
        match self.in_flight.first() {
            Some(&oldest) => oldest - 1,
            None => self.next - 1,
        }
    }

    fn safe_point(&self) -> Timestamp {
        let w = self.watermark();
        match self.snapshots.first_key_value() {
            Some((&oldest, _)) => oldest.min(w),
            None => w,
        }
    }
}

/// Issues snapshot and commit timestamps.
#[derive(Debug)]
pub struct Oracle {
    state: Mutex<State>,
    /// Signalled whenever the watermark may have advanced.
    advanced: Condvar,
    gc: Arc<GcState>,
}

impl Oracle {
    /// An oracle resuming after every timestamp below `resume_at`.
    /// `resume_at` must be at least 1.
    pub fn new(resume_at: Timestamp, gc: Arc<GcState>) -> Self {
        let resume_at = resume_at.max(1);
        let oracle = Oracle {
            state: Mutex::new(State {
                next: resume_at,
                reserved: resume_at,
                in_flight: BTreeSet::new(),
                snapshots: BTreeMap::new(),
            }),
            advanced: Condvar::new(),
            gc,
        };
        oracle.gc.advance_safe_point(resume_at - 1);
        oracle
    }

    /// The current visible watermark.
    pub fn watermark(&self) -> Timestamp {
        self.state.lock().watermark()
    }

    /// Registers and returns a snapshot at the watermark.
    pub fn begin_snapshot(&self) -> Timestamp {
        let mut s = self.state.lock();
        let ts = s.watermark();
        *s.snapshots.entry(ts).or_insert(0) += 1;
        ts
    }

    /// Registers `ts`, a snapshot registered already, once more (it stays
    /// until [`Oracle::end_snapshot`] was called for each registration).
    pub fn hold_snapshot(&self, ts: Timestamp) {
        *self.state.lock().snapshots.entry(ts).or_insert(0) += 1;
    }

    /// Moves a registered snapshot to the current watermark.
    pub fn refresh_snapshot(&self, old: Timestamp) -> Timestamp {
        let mut s = self.state.lock();
        let ts = s.watermark();
        if ts != old {
            Self::remove_snapshot(&mut s, old);
            *s.snapshots.entry(ts).or_insert(0) += 1;
            self.gc.advance_safe_point(s.safe_point());
        }
        ts
    }

    /// Unregisters a snapshot.
    pub fn end_snapshot(&self, ts: Timestamp) {
        let mut s = self.state.lock();
        Self::remove_snapshot(&mut s, ts);
        self.gc.advance_safe_point(s.safe_point());
    }

    fn remove_snapshot(s: &mut State, ts: Timestamp) {
        if let Some(n) = s.snapshots.get_mut(&ts) {
            *n -= 1;
            if *n == 0 {
                s.snapshots.remove(&ts);
            }
        }
    }

    /// Issues a commit timestamp and marks it in flight. `persist` is called
    /// (under the oracle's lock) with a new reservation whenever the current
    /// one is used up; it must store it durably.
    pub fn begin_commit(&self, persist: impl FnOnce(Timestamp) -> Result<()>) -> Result<Timestamp> {
        let mut s = self.state.lock();
        if s.next >= s.reserved {
            let reservation = s.next + RESERVATION_WINDOW;
            persist(reservation)?;
            s.reserved = reservation;
        }
        let ts = s.next;
        s.next += 1;
        s.in_flight.insert(ts);
        Ok(ts)
    }

    /// Marks a commit as applied (or abandoned); the watermark may advance.
    pub fn end_commit(&self, ts: Timestamp) {
        let mut s = self.state.lock();
        let oldest = s.in_flight.first() == Some(&ts);
        s.in_flight.remove(&ts);
        self.gc.advance_safe_point(s.safe_point());
        drop(s);
        if oldest {
            self.advanced.notify_all();
        }
    }

    /// Waits until the watermark has reached `ts` (every commit `<= ts` is
    /// applied), so that a snapshot taken afterwards sees commit `ts`.
    pub fn wait_visible(&self, ts: Timestamp) {
        let mut s = self.state.lock();
        while s.watermark() < ts {
            self.advanced.wait(&mut s);
        }
    }

    /// The current GC safe point.
    pub fn safe_point(&self) -> Timestamp {
        self.state.lock().safe_point()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oracle() -> Oracle {
        Oracle::new(1, Arc::new(GcState::default()))
    }

    #[test]
    fn watermark_waits_for_the_oldest_in_flight_commit() {
        let o = oracle();
        let a = o.begin_commit(|_| Ok(())).unwrap();
        let b = o.begin_commit(|_| Ok(())).unwrap();
        assert_eq!(o.watermark(), a - 1);
        o.end_commit(b);
        assert_eq!(o.watermark(), a - 1, "b applied but a is still in flight");
        o.end_commit(a);
        assert_eq!(o.watermark(), b);
    }

    #[test]
    fn wait_visible_returns_once_older_commits_are_applied() {
        let o = Arc::new(oracle());
        let big = o.begin_commit(|_| Ok(())).unwrap();
        let small = o.begin_commit(|_| Ok(())).unwrap();
        o.end_commit(small);
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let o = Arc::clone(&o);
            std::thread::spawn(move || {
                o.wait_visible(small);
                tx.send(o.watermark()).unwrap();
            })
        };
        // The waiter cannot return while `big` is in flight: if it did, the
        // watermark it reports would be below `small`.
        if let Ok(w) = rx.recv_timeout(std::time::Duration::from_millis(100)) {
            panic!("wait_visible returned at watermark {w} with {big} in flight");
        }
        o.end_commit(big);
        let w = rx.recv().unwrap();
        assert!(w >= small);
        waiter.join().unwrap();
    }

    #[test]
    fn safe_point_is_the_oldest_snapshot() {
        let o = oracle();
        let c = o.begin_commit(|_| Ok(())).unwrap();
        o.end_commit(c);
        let s1 = o.begin_snapshot();
        let c2 = o.begin_commit(|_| Ok(())).unwrap();
        o.end_commit(c2);
        assert_eq!(o.safe_point(), s1);
        o.end_snapshot(s1);
        assert_eq!(o.safe_point(), c2);
    }

    #[test]
    fn reservations_are_persisted_ahead_of_use() {
        let o = Oracle::new(5, Arc::new(GcState::default()));
        let mut persisted = None;
        let ts = o
            .begin_commit(|r| {
                persisted = Some(r);
                Ok(())
            })
            .unwrap();
        assert_eq!(ts, 5);
        assert_eq!(persisted, Some(5 + RESERVATION_WINDOW));
        let ts2 = o
            .begin_commit(|_| panic!("no new reservation needed"))
            .unwrap();
        assert_eq!(ts2, 6);
    }
}
