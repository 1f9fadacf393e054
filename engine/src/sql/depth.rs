//! Stack depth: deep statements fail with 54001, they never overflow.
//!
//! A statement's syntax tree is as deep as its nesting (`((((1))))`,
//! `abs(abs(...))`, subqueries in subqueries) and as long as its left-deep
//! operator chains (`1 + 1 + ... + 1` is a tree of depth n). Every walk over
//! such a tree -- the parser, the binder, the planner, the evaluator,
//! EXPLAIN, the plan cache's parametrizer -- recurses, and the caller's
//! thread may be any thread of an embedding program (Rust's test threads
//! have 2 MB). Three measures keep that safe, in the spirit of PostgreSQL's
//! `check_stack_depth`:
//!
//! * every recursive function of the engine runs its body through
//!   [`guard`], which moves the recursion to a fresh heap-allocated stack
//!   segment (`stacker::maybe_grow`) when less than [`RED_ZONE`] of the
//!   current one is left, so recursion depth is bounded by memory, not by
//!   the thread's stack;
//! * the parser's recursion limit and the binder's nesting counter
//!   ([`enter`]) bound how deep a statement may be: past them it fails with
//!   [`too_deep`] (SQLSTATE 54001, PostgreSQL's `stack depth limit
//!   exceeded`). The limits are above what PostgreSQL 15 accepts with its
//!   default `max_stack_depth` of 2 MB in every shape measured (nested
//!   parentheses 9,993, nested calls 4,091, nested scalar subqueries 2,111,
//!   `NOT` chains 7,703, `UNION ALL` chains 7,274, `+` chains 4,092), so
//!   whatever PostgreSQL runs runs here. `AND`/`OR` chains are flattened by
//!   the binder (as PostgreSQL's parser does), so 100,000-term conditions
//!   are fine;
//! * what the compiler recurses through without asking -- dropping a
//!   syntax tree or a plan -- must fit the stack it runs on:
//!   [`with_statement_stack`] gives each statement a stack in proportion to
//!   the length of its text (a tree is at most about half as deep as its
//!   text is long), growing one only for long texts.

use std::cell::Cell;

use crate::error::{EngineError, SqlState};

/// How much of the current stack must be left before a guarded function
/// runs on it; below this, [`guard`] switches to a new segment. It covers
/// the largest stack use between two guarded calls: cloning or dropping a
/// plan expression of [`MAX_DEPTH`] levels.
pub const RED_ZONE: usize = 2 * 1024 * 1024;

/// The size of each stack segment [`guard`] allocates (address space,
/// touched only as far as it is used).
pub const SEGMENT: usize = 16 * 1024 * 1024;

/// Statement texts longer than this may hold syntax trees too deep to drop
/// on an arbitrary thread's stack (see [`drop_with_stack`]).
pub const LONG_TEXT: usize = 4096;

/// The most nested levels the binder and planner take (expression nodes,
/// queries, set operations, view expansions) before 54001.
pub const MAX_DEPTH: usize = 10_000;

/// The recursion limit given to `sqlparser` (it counts nested expressions
/// and queries); past it the statement fails with 54001.
pub const PARSER_RECURSION_LIMIT: usize = 24_000;

/// The deepest nesting of parentheses, brackets and CASE ... END a long
/// text may have (see [`check_nesting`]).
pub const MAX_TEXT_NESTING: usize = 12_000;

/// Fails a long text nested deeper than [`MAX_TEXT_NESTING`] with 54001
/// before it is parsed. `sqlparser` backtracks through nested CASE and
/// ARRAY[...] when it reaches its recursion limit, in time quadratic in the
/// depth; counting tokens first keeps deep texts from getting there.
pub fn check_nesting(sql: &str) -> Result<(), EngineError> {
    use sqlparser::keywords::Keyword;
    use sqlparser::tokenizer::{Token, Tokenizer};
    if sql.len() <= LONG_TEXT {
        return Ok(());
    }
    // A text that does not tokenize fails in the parser, with its message.
    let Ok(tokens) = Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, sql).tokenize()
    else {
        return Ok(());
    };
    let mut depth = 0usize;
    for t in &tokens {
        match t {
            Token::LParen | Token::LBracket => depth += 1,
            Token::Word(w) if w.quote_style.is_none() && w.keyword == Keyword::CASE => depth += 1,
            Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
            Token::Word(w) if w.quote_style.is_none() && w.keyword == Keyword::END => {
                depth = depth.saturating_sub(1)
            }
            _ => {}
        }
        if depth > MAX_TEXT_NESTING {
            return Err(too_deep());
        }
    }
    Ok(())
}

/// Stack every statement may count on for what is not guarded (dropping
/// or cloning a plan of at most [`MAX_DEPTH`] levels) plus one red zone.
/// Threads with less to spare (2 MB ones) run each statement on a new
/// segment; the server's connection threads have plenty.
const STATEMENT_BASE_STACK: usize = 4 * 1024 * 1024;

/// Stack per byte of statement text for dropping its syntax tree (about
/// 64 bytes per tree level measured, at most one level per two bytes,
/// doubled).
const STACK_PER_TEXT_BYTE: usize = 64;

/// PostgreSQL's error for a statement nested too deeply.
pub fn too_deep() -> EngineError {
    EngineError::new(SqlState::StatementTooComplex, "stack depth limit exceeded").with_hint(
        "Increase the configuration parameter \"max_stack_depth\" (currently 2048kB), \
         after ensuring the platform's stack depth limit is adequate.",
    )
}

/// Runs `f` on a stack with at least [`RED_ZONE`] left (see the module
/// docs). Cheap when there is room: one thread-local read.
#[inline]
pub fn guard<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}

thread_local! {
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// One level of binder/planner nesting, counted until dropped.
#[must_use = "the level is left when this is dropped"]
pub struct Level(());

impl Drop for Level {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// Enters one more nested level: 54001 past [`MAX_DEPTH`].
#[inline]
pub fn enter() -> Result<Level, EngineError> {
    DEPTH.with(|d| {
        let n = d.get();
        if n >= MAX_DEPTH {
            Err(too_deep())
        } else {
            d.set(n + 1);
            Ok(Level(()))
        }
    })
}

/// The stack a statement of `text_len` bytes needs for its unguarded work.
pub fn statement_stack(text_len: usize) -> usize {
    STATEMENT_BASE_STACK.saturating_add(text_len.saturating_mul(STACK_PER_TEXT_BYTE))
}

/// Runs `f`, the processing of a statement of `text_len` bytes, on a stack
/// with at least [`statement_stack`] left: on the caller's own stack when
/// it has room (always, for ordinary statements on ordinary threads), else
/// on a new segment of twice that size.
pub fn with_statement_stack<R>(text_len: usize, f: impl FnOnce() -> R) -> R {
    with_stack(statement_stack(text_len), f)
}

/// Runs `f` on a stack with at least `need` bytes left (a new segment of
/// twice that when the current one has less).
pub fn with_stack<R>(need: usize, f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(need, need.saturating_mul(2), f)
}

/// Drops `value` (a syntax tree or plan made from a text of `text_len`
/// bytes) with the stack it needs.
pub fn drop_with_stack<T>(text_len: usize, value: T) {
    with_statement_stack(text_len, move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_counted_and_limited() {
        let mut held = Vec::new();
        for _ in 0..MAX_DEPTH {
            held.push(enter().expect("within the limit"));
        }
        let e = enter().err().expect("past the limit");
        assert_eq!(e.state, SqlState::StatementTooComplex);
        held.pop();
        assert!(enter().is_ok());
    }

    #[test]
    fn guarded_recursion_does_not_overflow() {
        fn down(n: usize) -> usize {
            guard(|| if n == 0 { 0 } else { 1 + down(n - 1) })
        }
        let h = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| down(200_000))
            .expect("thread");
        assert_eq!(h.join().expect("no overflow"), 200_000);
    }
}
