//! How many connections the server holds, so that no number of clients,
//! well-behaved or not, can exhaust its threads or file descriptors.
//!
//! Two bounded counts, as PostgreSQL's postmaster keeps:
//!
//! * **sessions** (`max_connections`, default 100): a connection takes a
//!   slot when its StartupMessage arrives, before authentication, as a
//!   PostgreSQL backend takes its PGPROC; without a free slot it gets
//!   FATAL 53300 `sorry, too many clients already`. The slot is held until
//!   the connection closes. Only a connection holding one gets a thread.
//! * **starting** connections (sockets not yet authenticated, including
//!   those that have sent nothing at all): at most
//!   `max(max_connections, MIN_STARTING)`. They cost a small task on the
//!   shared runtime and a descriptor each, and each is closed when it has
//!   not authenticated within `authentication_timeout`. A socket accepted
//!   while that many are starting is told 53300 at once and closed, as
//!   PostgreSQL's postmaster refuses children beyond twice its backends.
//!
//! So the server holds at most about `2 * max_connections` client sockets
//! and `max_connections` connection threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The least number of connections allowed to be starting at once.
const MIN_STARTING: usize = 16;

/// A bounded count of things held.
#[derive(Debug)]
pub struct Counter {
    held: AtomicUsize,
    max: usize,
}

/// One unit of a [`Counter`], given back on drop.
#[derive(Debug)]
pub struct Slot(Arc<Counter>);

impl Counter {
    fn new(max: usize) -> Arc<Counter> {
        Arc::new(Counter {
            held: AtomicUsize::new(0),
            max,
        })
    }

    /// Takes a slot, or `None` when all are held.
    pub fn try_take(self: &Arc<Self>) -> Option<Slot> {
        self.held
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(Arc::clone(self)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.held.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The server's connection limits.
#[derive(Debug)]
pub struct Limits {
    /// Sessions: `max_connections`.
    pub sessions: Arc<Counter>,
    /// Connections not yet authenticated.
    pub starting: Arc<Counter>,
    /// `authentication_timeout`: how long a connection may take from
    /// accept to the end of authentication.
    pub authentication_timeout: Duration,
}

impl Limits {
    /// Limits for `max_connections` sessions.
    pub fn new(max_connections: usize, authentication_timeout: Duration) -> Limits {
        Limits {
            sessions: Counter::new(max_connections),
            starting: Counter::new(max_connections.max(MIN_STARTING)),
            authentication_timeout,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_bounds_and_releases() {
        let c = Counter::new(2);
        let a = c.try_take().unwrap();
        let b = c.try_take().unwrap();
        assert!(c.try_take().is_none());
        assert_eq!(c.held.load(Ordering::Acquire), 2);
        drop(a);
        let again = c.try_take().unwrap();
        assert!(c.try_take().is_none());
        drop((b, again));
        assert_eq!(c.held.load(Ordering::Acquire), 0);
    }

    #[test]
    fn starting_has_a_floor() {
        let l = Limits::new(3, Duration::from_secs(1));
        assert_eq!(l.sessions.max, 3);
        assert_eq!(l.starting.max, MIN_STARTING);
        assert_eq!(Limits::new(100, Duration::from_secs(1)).starting.max, 100);
    }
}
