//! Statement interrupts: `statement_timeout` and CancelRequest, checked in
//! every loop that may run long.
//!
//! A statement carries one [`Interrupt`]: the session's cancel flag (set
//! from any thread by [`crate::session::CancelHandle`]) and the statement's
//! deadline. Every loop whose trip count depends on data calls
//! [`Interrupt::check`] once per iteration: rows read from storage, each
//! pair a nested-loop join considers (whether or not it matches), each row
//! a sort, aggregate, DISTINCT or set operation takes or gives, each
//! element of an IN list, each catalog object turned into catalog rows,
//! each row an index build or a table rewrite visits, the steps of a sort's
//! merge passes. Lock waits poll the same flag and deadline in storage.
//!
//! Cost: `check` decrements a countdown and returns; every
//! [`CHECK_EVERY`]th call it loads the flag (one relaxed atomic load) and
//! reads the monotonic clock (a vDSO call, about 20 ns with the TSC
//! clocksource). That is well under a nanosecond per iteration, and the
//! latency from the deadline or the cancel to the error is at most
//! `CHECK_EVERY` iterations of the slowest loop body -- microseconds for
//! the loops above, whose bodies do a bounded amount of work (a body that
//! runs a subquery checks inside it too). A statement with neither a
//! deadline nor a cancel flag pays only the countdown.
//!
//! The error is PostgreSQL's: SQLSTATE 57014 with `canceling statement due
//! to user request` or `canceling statement due to statement timeout`; a
//! cancel wins when both apply, as in PostgreSQL's `ProcessInterrupts`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::error::{EngineError, Result};

/// Calls to [`Interrupt::check`] between two looks at the flag and clock.
pub const CHECK_EVERY: u32 = 64;

/// What may stop one statement: a cancel flag and a deadline.
#[derive(Debug, Clone, Default)]
pub struct Interrupt {
    deadline: Option<Instant>,
    cancel: Option<Arc<AtomicBool>>,
    countdown: u32,
}

impl Interrupt {
    /// An interrupt that never fires (internal statements, tests).
    pub fn none() -> Self {
        Interrupt::default()
    }

    /// An interrupt for a statement that must end by `deadline` (if any)
    /// or when `cancel` is set.
    pub fn new(deadline: Option<Instant>, cancel: Option<Arc<AtomicBool>>) -> Self {
        Interrupt {
            deadline,
            cancel,
            countdown: CHECK_EVERY,
        }
    }

    /// The statement's deadline, if it has one.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The cancel flag, if the statement has one.
    pub fn cancel_flag(&self) -> Option<&Arc<AtomicBool>> {
        self.cancel.as_ref()
    }

    /// Fails with 57014 when the statement was cancelled or has passed
    /// its deadline; looks only every [`CHECK_EVERY`] calls.
    #[inline]
    pub fn check(&mut self) -> Result<()> {
        if self.countdown > 0 {
            self.countdown -= 1;
            return Ok(());
        }
        self.countdown = CHECK_EVERY;
        self.check_now()
    }

    /// Like [`Interrupt::check`], but looks now (for loops whose every
    /// iteration is expensive, and at statement boundaries).
    #[cold]
    pub fn check_now(&self) -> Result<()> {
        match self.fired() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The error the statement must stop with now, if any.
    pub fn fired(&self) -> Option<EngineError> {
        if self
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
        {
            return Some(EngineError::canceled_by_user());
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Some(EngineError::timed_out());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SqlState;
    use std::time::Duration;

    #[test]
    fn none_never_fires() {
        let mut i = Interrupt::none();
        for _ in 0..10_000 {
            i.check().unwrap();
        }
    }

    #[test]
    fn cancel_fires_within_check_every_calls() {
        let flag = Arc::new(AtomicBool::new(false));
        let mut i = Interrupt::new(None, Some(Arc::clone(&flag)));
        for _ in 0..1000 {
            i.check().unwrap();
        }
        flag.store(true, Ordering::Relaxed);
        let mut calls = 0;
        let e = loop {
            calls += 1;
            if let Err(e) = i.check() {
                break e;
            }
        };
        assert!(calls <= CHECK_EVERY + 1, "{calls} calls");
        assert_eq!(e.state, SqlState::QueryCanceled);
        assert_eq!(e.message, "canceling statement due to user request");
    }

    #[test]
    fn past_deadline_fires_with_timeout_message() {
        let past = Instant::now() - Duration::from_millis(1);
        let i = Interrupt::new(Some(past), None);
        let e = i.check_now().unwrap_err();
        assert_eq!(e.message, "canceling statement due to statement timeout");
    }

    #[test]
    fn cancel_wins_over_timeout() {
        let past = Instant::now() - Duration::from_millis(1);
        let i = Interrupt::new(Some(past), Some(Arc::new(AtomicBool::new(true))));
        assert_eq!(
            i.check_now().unwrap_err().message,
            "canceling statement due to user request"
        );
    }
}
