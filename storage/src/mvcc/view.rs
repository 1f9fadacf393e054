//! A backend iterator together with how fresh its view of the data is.
//!
//! Backend iterators read the data as of their creation or last refresh.
//! Refreshing costs allocations, so it is done only when needed:
//! * a snapshot read at `S` needs a view taken after every commit `<= S`
//!   was applied, i.e. a view whose recorded watermark is `>= S`;
//! * a *latest* read (after taking a row lock) needs every commit applied so
//!   far, i.e. a view whose recorded apply counter is still current.

use crate::api::Timestamp;
use crate::backend::{Backend, RawIter};
use crate::error::Result;
use crate::mvcc::store::Shared;

/// What a read needs of its view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Freshness {
    /// Reads at this snapshot timestamp.
    Snapshot(Timestamp),
    /// Reads the newest applied versions.
    Latest,
}

/// What a view's iterator is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// Point reads only ([`Backend::point_iter`]).
    Point,
    /// Range scans ([`Backend::iter`]).
    Scan,
}

/// An iterator and the point in time its view covers.
pub(crate) struct View<I> {
    pub(crate) iter: I,
    watermark: Timestamp,
    applied: u64,
}

impl<I: RawIter> View<I> {
    /// Makes `slot` hold a view fresh enough for `need` and returns its iterator.
    pub(crate) fn ensure<'a, B: Backend<Iter = I>>(
        slot: &'a mut Option<View<I>>,
        shared: &Shared<B>,
        need: Freshness,
        used_for: Use,
    ) -> Result<&'a mut I> {
        // Read the counters before (re)creating, so the view covers at least them.
        let applied = shared.applied();
        let fresh = |v: &View<I>| match need {
            Freshness::Snapshot(ts) => ts <= v.watermark,
            Freshness::Latest => v.applied == applied,
        };
        match slot {
            Some(view) if fresh(view) => {}
            Some(view) => {
                let watermark = shared.oracle.watermark();
                view.iter.refresh()?;
                view.watermark = watermark;
                view.applied = applied;
            }
            None => {
                let watermark = shared.oracle.watermark();
                let iter = match used_for {
                    Use::Point => shared.backend.point_iter()?,
                    Use::Scan => shared.backend.iter()?,
                };
                *slot = Some(View {
                    iter,
                    watermark,
                    applied,
                });
            }
        }
        Ok(&mut slot.as_mut().expect("view was just ensured").iter)
    }
}
