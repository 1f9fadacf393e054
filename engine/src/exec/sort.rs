//! An interruptible stable sort for the rows a statement sorts.
//!
//! `slice::sort_by` cannot be stopped: a sort of millions of rows would
//! run to its end after `statement_timeout` or a cancel. [`sort_by`] sorts
//! runs of [`RUN`] elements with the standard library's stable sort
//! (checking the interrupt between runs), then merges runs pairwise,
//! bottom up, checking the interrupt once per element merged. Each merge
//! takes from the left run on ties, so the result is stable, as
//! `sort_by` is. Inputs of at most one run take the standard sort alone.

use std::cmp::Ordering;

use crate::error::Result;
use crate::interrupt::Interrupt;

/// Elements per initially sorted run (a run sorts in well under a
/// millisecond for typical rows).
pub const RUN: usize = 4096;

/// Sorts `v` stably by `cmp`; fails with 57014 (leaving `v` empty) when
/// `interrupt` fires.
pub fn sort_by<T, F>(v: &mut Vec<T>, mut cmp: F, interrupt: &mut Interrupt) -> Result<()>
where
    F: FnMut(&T, &T) -> Ordering,
{
    if v.len() <= RUN {
        v.sort_by(&mut cmp);
        return Ok(());
    }
    // Cut `v` into runs from the end (each split moves one run only).
    let mut rest = std::mem::take(v);
    let mut runs: Vec<Vec<T>> = Vec::with_capacity(rest.len() / RUN + 1);
    while !rest.is_empty() {
        interrupt.check_now()?;
        let at = rest.len().saturating_sub(RUN);
        let mut run = if at == 0 {
            std::mem::take(&mut rest)
        } else {
            rest.split_off(at)
        };
        run.sort_by(&mut cmp);
        runs.push(run);
    }
    runs.reverse();
    while runs.len() > 1 {
        let mut merged = Vec::with_capacity(runs.len().div_ceil(2));
        let mut pairs = runs.into_iter();
        while let Some(left) = pairs.next() {
            match pairs.next() {
                Some(right) => merged.push(merge(left, right, &mut cmp, interrupt)?),
                None => merged.push(left),
            }
        }
        runs = merged;
    }
    *v = runs.pop().unwrap_or_default();
    Ok(())
}

/// Merges two sorted runs, taking from `left` on ties.
fn merge<T, F>(
    left: Vec<T>,
    right: Vec<T>,
    cmp: &mut F,
    interrupt: &mut Interrupt,
) -> Result<Vec<T>>
where
    F: FnMut(&T, &T) -> Ordering,
{
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    loop {
        interrupt.check()?;
        let take_right = match (left.peek(), right.peek()) {
            (Some(l), Some(r)) => cmp(r, l) == Ordering::Less,
            (Some(_), None) => {
                out.extend(left);
                return Ok(out);
            }
            (None, _) => {
                out.extend(right);
                return Ok(out);
            }
        };
        let next = if take_right {
            right.next()
        } else {
            left.next()
        };
        out.extend(next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;

    fn pseudo_random(n: usize) -> Vec<(u32, usize)> {
        let mut x: u32 = 12345;
        (0..n)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x % 1000, i)
            })
            .collect()
    }

    #[test]
    fn sorts_stably_like_the_standard_sort() {
        for n in [0, 1, 7, RUN, RUN + 1, 3 * RUN + 17, 10 * RUN] {
            let mut ours = pseudo_random(n);
            let mut std = ours.clone();
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0), &mut Interrupt::none()).unwrap();
            std.sort_by_key(|a| a.0);
            assert_eq!(ours, std, "n = {n}");
        }
    }

    #[test]
    fn a_cancelled_sort_stops_with_57014() {
        let flag = Arc::new(AtomicBool::new(true));
        let mut interrupt = Interrupt::new(None, Some(flag));
        let mut v = pseudo_random(5 * RUN);
        let e = sort_by(&mut v, |a, b| a.0.cmp(&b.0), &mut interrupt).unwrap_err();
        assert_eq!(e.state, crate::error::SqlState::QueryCanceled);
    }
}
