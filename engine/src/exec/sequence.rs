//! Sequence values: `nextval`, `currval`, `setval`, `lastval`.
//!
//! As in PostgreSQL, a sequence is not transactional: a value once handed
//! out is never handed out again, whether the transaction that took it
//! commits or not, and `setval` is not undone by a rollback.
//!
//! * **Shared state.** One [`SequenceStates`] per store holds each
//!   sequence's last value behind a mutex of its own, held only to compute
//!   the next values: sessions taking values from one sequence never wait
//!   for each other's transactions. A sequence is named by its database's
//!   oid and its own everywhere (memory and store): CREATE DATABASE copies
//!   a template's sequences with their OIDs ([`copy_state`]), and the
//!   copies advance independently.
//! * **Durable high-water mark.** The state is stored outside MVCC
//!   ([`rocksgres_storage::Store::put_unversioned`]), written ahead
//!   [`LOG_AHEAD`] values at a time, as PostgreSQL WAL-logs its sequences
//!   32 values ahead: after a crash the sequence resumes past every value it
//!   may have handed out (leaving a gap), never before. The write is not
//!   synced on its own; the one log of the store makes any later durable
//!   commit (the one that stores a value) sync it first.
//! * **Session cache.** With `CACHE n` a session takes `n` values at once
//!   and hands them out itself, as PostgreSQL's backend-local cache does,
//!   so values are unique but not ordered across sessions.
//! * **Per session**: `currval` is the last value the session got from the
//!   sequence, `lastval` the last value it got from any (55000 before).

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use rocksgres_storage::{Store, Transaction};

use crate::catalog::sequence::{lookup_sequence, sequence_by_oid, SeqParams, SequenceDesc};
use crate::catalog::{self, SearchPath};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::plan::expr::SeqFunc;
use crate::types::Value;

/// How many values past the last one handed out the durable state is
/// written (PostgreSQL's `SEQ_LOG_VALS`).
pub const LOG_AHEAD: i64 = 32;

/// Where sequence state is kept durably: the store's unversioned values.
/// A sequence is named by its database's oid and its own: a database
/// copied from a template keeps its sequences' OIDs, and each copy has a
/// state of its own.
pub trait SequenceStore: Send + Sync {
    /// The stored state of sequence `oid` of database `db`: (last value,
    /// is_called).
    fn load(&self, db: u32, oid: u32) -> Result<Option<(i64, bool)>>;
    /// Stores it.
    fn save(&self, db: u32, oid: u32, last: i64, is_called: bool) -> Result<()>;
}

/// The unversioned key of sequence `oid`'s state in database `db`:
/// `seq` then both oids, big-endian.
fn state_key(db: u32, oid: u32) -> [u8; 11] {
    let d = db.to_be_bytes();
    let o = oid.to_be_bytes();
    [
        b's', b'e', b'q', d[0], d[1], d[2], d[3], o[0], o[1], o[2], o[3],
    ]
}

/// The key of the layout before databases could be copied: `seq` then the
/// sequence's oid. Such a state belongs to the one database that held the
/// sequence (OIDs are unique in the store, and no database could be copied
/// from a template holding objects then), so a sequence without a state
/// under [`state_key`] reads this one; the next value it hands out writes
/// the new key.
fn old_state_key(oid: u32) -> [u8; 7] {
    let o = oid.to_be_bytes();
    [b's', b'e', b'q', o[0], o[1], o[2], o[3]]
}

impl<S: Store> SequenceStore for S {
    fn load(&self, db: u32, oid: u32) -> Result<Option<(i64, bool)>> {
        let v = match self.get_unversioned(&state_key(db, oid))? {
            Some(v) => v,
            None => match self.get_unversioned(&old_state_key(oid))? {
                Some(v) => v,
                None => return Ok(None),
            },
        };
        let bad = || EngineError::new(SqlState::DataCorrupted, "bad sequence state");
        let last = i64::from_be_bytes(v.get(..8).ok_or_else(bad)?.try_into().map_err(|_| bad())?);
        Ok(Some((last, v.get(8).copied().ok_or_else(bad)? != 0)))
    }

    fn save(&self, db: u32, oid: u32, last: i64, is_called: bool) -> Result<()> {
        let mut v = [0u8; 9];
        v[..8].copy_from_slice(&last.to_be_bytes());
        v[8] = u8::from(is_called);
        self.put_unversioned(&state_key(db, oid), &v, false)?;
        Ok(())
    }
}

/// The shared state of one sequence.
#[derive(Debug, Default)]
struct SeqState {
    loaded: bool,
    /// The last value handed out (or, not `is_called`, the next one).
    last: i64,
    is_called: bool,
    /// The value the durable state covers up to (`None`: none handed out).
    logged: Option<i64>,
}

/// A sequence's shared state, behind its own mutex.
type SharedState = Arc<Mutex<SeqState>>;

/// Every sequence's shared state, by (database oid, sequence oid).
#[derive(Debug, Default)]
pub struct SequenceStates {
    states: Mutex<HashMap<(u32, u32), SharedState>>,
}

impl SequenceStates {
    fn state(&self, db: u32, oid: u32) -> Arc<Mutex<SeqState>> {
        Arc::clone(self.states.lock().entry((db, oid)).or_default())
    }
}

/// Gives sequence `oid` of database `to` (a copy of database `from`) the
/// state it has in `from`, as PostgreSQL's CREATE DATABASE copies the
/// sequence's page: the same last value, and the same values covered by
/// the durable state. Nobody uses `to` yet; sessions that were on `from`
/// have gone (their cached values are lost, as in PostgreSQL).
pub fn copy_state(
    store: &dyn SequenceStore,
    states: &SequenceStates,
    from: u32,
    to: u32,
    desc: &SequenceDesc,
) -> Result<()> {
    let src = SequenceAccess::load_state(store, states, from, desc)?;
    let (last, is_called, logged) = {
        let st = src.lock();
        (st.last, st.is_called, st.logged)
    };
    let dst = states.state(to, desc.oid);
    let mut st = dst.lock();
    st.loaded = true;
    st.last = last;
    st.is_called = is_called;
    st.logged = None;
    match logged {
        Some(ahead) => store.save(to, desc.oid, ahead, true)?,
        None => store.save(to, desc.oid, last, is_called)?,
    }
    st.logged = logged;
    Ok(())
}

/// Values a session has taken from a sequence and not handed out yet.
#[derive(Debug, Clone, Copy)]
struct Cached {
    next: i64,
    last: i64,
    increment: i64,
}

/// A restart made by the open transaction (ALTER SEQUENCE ... RESTART,
/// TRUNCATE ... RESTART IDENTITY): like PostgreSQL's new relfilenode for
/// the sequence, the transaction takes its values from this private state,
/// which replaces the shared one when it commits and is dropped when it
/// rolls back.
#[derive(Debug, Clone, Copy)]
struct Pending {
    oid: u32,
    last: i64,
    is_called: bool,
}

/// One session's sequence state.
#[derive(Debug, Default)]
pub struct SessionSequences {
    cached: HashMap<u32, Cached>,
    current: HashMap<u32, i64>,
    last_used: Option<u32>,
    /// Restarts of the open transaction, oldest first.
    pending: Vec<Pending>,
}

impl SessionSequences {
    /// A mark for [`SessionSequences::rollback_to`] (a savepoint).
    pub fn mark(&self) -> usize {
        self.pending.len()
    }

    /// ROLLBACK TO a savepoint: drops the restarts made after `mark`.
    pub fn rollback_to(&mut self, mark: usize) {
        self.pending.truncate(mark);
    }

    /// The transaction rolled back: its restarts never happened.
    pub fn rolled_back(&mut self) {
        self.pending.clear();
    }

    /// The transaction committed: its restarts become the shared state.
    /// They always take effect in memory; an error means one was not
    /// written to the store yet, which the sequence's next value does
    /// (see [`set_shared`]).
    pub fn committed(
        &mut self,
        store: &dyn SequenceStore,
        states: &SequenceStates,
        db: u32,
    ) -> Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let mut done: Vec<u32> = Vec::new();
        let mut failed = None;
        // The newest restart of each sequence wins.
        for p in pending.iter().rev() {
            if done.contains(&p.oid) {
                continue;
            }
            done.push(p.oid);
            self.cached.remove(&p.oid);
            if let Err(e) = set_shared(store, states, db, p.oid, p.last, p.is_called) {
                failed.get_or_insert(e);
            }
        }
        failed.map_or(Ok(()), Err)
    }
}

/// Sets the shared (and durable) state of sequence `oid`.
fn set_shared(
    store: &dyn SequenceStore,
    states: &SequenceStates,
    db: u32,
    oid: u32,
    last: i64,
    is_called: bool,
) -> Result<()> {
    let state = states.state(db, oid);
    let mut st = state.lock();
    st.loaded = true;
    st.last = last;
    st.is_called = is_called;
    // Until the write succeeds nothing is covered: the next nextval writes
    // the state again (and fails the same way while the store does).
    st.logged = None;
    store.save(db, oid, last, is_called)?;
    st.logged = is_called.then_some(last);
    Ok(())
}

/// What a statement needs to call sequence functions.
#[derive(Clone, Copy)]
pub struct SequenceAccess<'a> {
    /// Durable state.
    pub store: &'a dyn SequenceStore,
    /// Every database's shared state.
    pub states: &'a SequenceStates,
    /// The oid of the session's database.
    pub database: u32,
    /// The session's state.
    pub session: &'a Mutex<SessionSequences>,
    /// Whether the transaction is READ ONLY (nextval and setval fail).
    pub read_only: bool,
}

/// The value after `cur`, `None` past the sequence's limit.
fn step(cur: i64, p: &SeqParams) -> Option<i64> {
    cur.checked_add(p.increment)
        .filter(|n| (p.min..=p.max).contains(n))
}

fn limit_error(desc: &SequenceDesc) -> EngineError {
    let p = &desc.params;
    let (which, v) = if p.increment > 0 {
        ("maximum", p.max)
    } else {
        ("minimum", p.min)
    };
    EngineError::new(
        SqlState::SequenceGeneratorLimitExceeded,
        format!(
            "nextval: reached {which} value of sequence \"{}\" ({v})",
            desc.name
        ),
    )
}

fn read_only_error(f: &str) -> EngineError {
    EngineError::new(
        SqlState::ReadOnlySqlTransaction,
        format!("cannot execute {f}() in a read-only transaction"),
    )
}

impl SequenceAccess<'_> {
    fn loaded(&self, desc: &SequenceDesc) -> Result<Arc<Mutex<SeqState>>> {
        Self::load_state(self.store, self.states, self.database, desc)
    }

    /// The shared state of sequence `desc` of database `db`, read from
    /// the store the first time.
    fn load_state(
        store: &dyn SequenceStore,
        states: &SequenceStates,
        db: u32,
        desc: &SequenceDesc,
    ) -> Result<Arc<Mutex<SeqState>>> {
        let state = states.state(db, desc.oid);
        {
            let mut st = state.lock();
            if !st.loaded {
                match store.load(db, desc.oid)? {
                    Some((last, called)) => {
                        st.last = last;
                        st.is_called = called;
                        st.logged = called.then_some(last);
                    }
                    None => {
                        st.last = desc.params.start;
                        st.is_called = false;
                        st.logged = None;
                    }
                }
                st.loaded = true;
            }
        }
        Ok(state)
    }

    /// `nextval`.
    pub fn nextval(&self, desc: &SequenceDesc) -> Result<i64> {
        if self.read_only {
            return Err(read_only_error("nextval"));
        }
        let p = &desc.params;
        {
            let mut s = self.session.lock();
            if let Some(pending) = s.pending.iter_mut().rev().find(|x| x.oid == desc.oid) {
                let v = if pending.is_called {
                    match step(pending.last, p) {
                        Some(v) => v,
                        None if p.cycle && p.increment > 0 => p.min,
                        None if p.cycle => p.max,
                        None => return Err(limit_error(desc)),
                    }
                } else {
                    pending.last
                };
                pending.last = v;
                pending.is_called = true;
                s.current.insert(desc.oid, v);
                s.last_used = Some(desc.oid);
                return Ok(v);
            }
            if let Some(c) = s.cached.get_mut(&desc.oid) {
                let v = c.next;
                if v == c.last {
                    s.cached.remove(&desc.oid);
                } else if c.increment == p.increment {
                    c.next += c.increment;
                } else {
                    s.cached.remove(&desc.oid);
                }
                if (p.min..=p.max).contains(&v) {
                    s.current.insert(desc.oid, v);
                    s.last_used = Some(desc.oid);
                    return Ok(v);
                }
            }
        }
        let state = self.loaded(desc)?;
        let (first, last) = {
            let mut st = state.lock();
            let mut cur = st.last;
            let mut called = st.is_called;
            let mut first = None;
            let mut fetched = 0;
            while fetched < p.cache {
                let v = if !called {
                    called = true;
                    Some(cur).filter(|v| (p.min..=p.max).contains(v))
                } else {
                    step(cur, p)
                };
                let v = match v {
                    Some(v) => v,
                    None if fetched > 0 => break,
                    None if p.cycle => {
                        if p.increment > 0 {
                            p.min
                        } else {
                            p.max
                        }
                    }
                    None => return Err(limit_error(desc)),
                };
                first.get_or_insert(v);
                cur = v;
                fetched += 1;
            }
            let first = first.unwrap_or(cur);
            let covered = st
                .logged
                .is_some_and(|l| if p.increment > 0 { cur <= l } else { cur >= l });
            if !covered {
                let mut ahead = cur;
                for _ in 0..LOG_AHEAD {
                    match step(ahead, p) {
                        Some(n) => ahead = n,
                        None => break,
                    }
                }
                self.store.save(self.database, desc.oid, ahead, true)?;
                st.logged = Some(ahead);
            }
            st.last = cur;
            st.is_called = true;
            (first, cur)
        };
        let mut s = self.session.lock();
        if last != first {
            s.cached.insert(
                desc.oid,
                Cached {
                    next: first + p.increment,
                    last,
                    increment: p.increment,
                },
            );
        }
        s.current.insert(desc.oid, first);
        s.last_used = Some(desc.oid);
        Ok(first)
    }

    /// `currval`.
    pub fn currval(&self, desc: &SequenceDesc) -> Result<i64> {
        self.session
            .lock()
            .current
            .get(&desc.oid)
            .copied()
            .ok_or_else(|| {
                EngineError::new(
                    SqlState::ObjectNotInPrerequisiteState,
                    format!(
                        "currval of sequence \"{}\" is not yet defined in this session",
                        desc.name
                    ),
                )
            })
    }

    /// `lastval`: the sequence the session last took a value from.
    pub fn last_used(&self) -> Result<(u32, i64)> {
        let s = self.session.lock();
        s.last_used
            .and_then(|oid| s.current.get(&oid).map(|v| (oid, *v)))
            .ok_or_else(|| {
                EngineError::new(
                    SqlState::ObjectNotInPrerequisiteState,
                    "lastval is not yet defined in this session",
                )
            })
    }

    /// `setval(seq, value, is_called)`.
    pub fn setval(&self, desc: &SequenceDesc, value: i64, is_called: bool) -> Result<i64> {
        if self.read_only {
            return Err(read_only_error("setval"));
        }
        let p = &desc.params;
        if !(p.min..=p.max).contains(&value) {
            return Err(EngineError::new(
                SqlState::NumericValueOutOfRange,
                format!(
                    "setval: value {value} is out of bounds for sequence \"{}\" ({}..{})",
                    desc.name, p.min, p.max
                ),
            ));
        }
        self.restart(desc, value, is_called)?;
        let mut s = self.session.lock();
        if is_called {
            s.current.insert(desc.oid, value);
        }
        Ok(value)
    }

    /// Sets the state at once, outside the transaction (setval), and
    /// drops the session's cached values; a restart of the open
    /// transaction is set instead.
    pub fn restart(&self, desc: &SequenceDesc, value: i64, is_called: bool) -> Result<()> {
        let mut s = self.session.lock();
        if let Some(p) = s.pending.iter_mut().rev().find(|x| x.oid == desc.oid) {
            p.last = value;
            p.is_called = is_called;
            return Ok(());
        }
        set_shared(
            self.store,
            self.states,
            self.database,
            desc.oid,
            value,
            is_called,
        )?;
        s.cached.remove(&desc.oid);
        Ok(())
    }

    /// Restarts sequence `oid` at `value` in the open transaction (see
    /// [`Pending`]).
    pub fn restart_in_transaction(&self, oid: u32, value: i64) {
        self.session.lock().pending.push(Pending {
            oid,
            last: value,
            is_called: false,
        });
    }

    /// The sequence's one row as `SELECT * FROM seq` shows it:
    /// `last_value`, `log_cnt` (values the durable state covers beyond
    /// `last_value`, PostgreSQL's pre-logged count) and `is_called`. A
    /// restart of the open transaction shows its private state.
    pub fn tuple(&self, desc: &SequenceDesc) -> Result<(i64, i64, bool)> {
        if let Some(p) = self
            .session
            .lock()
            .pending
            .iter()
            .rev()
            .find(|p| p.oid == desc.oid)
        {
            return Ok((p.last, 0, p.is_called));
        }
        let state = self.loaded(desc)?;
        let st = state.lock();
        let inc = desc.params.increment;
        let log_cnt = match st.logged {
            Some(l) if st.is_called => ((i128::from(l) - i128::from(st.last)) / i128::from(inc))
                .clamp(0, i128::from(i64::MAX)) as i64,
            _ => 0,
        };
        Ok((st.last, log_cnt, st.is_called))
    }

    /// The state `pg_sequences.last_value` shows: the last value handed
    /// out, `None` when none was.
    pub fn last_value(&self, desc: &SequenceDesc) -> Result<Option<i64>> {
        let state = self.loaded(desc)?;
        let st = state.lock();
        Ok(st.is_called.then_some(st.last))
    }
}

/// Resolves a `regclass`-style sequence name (or OID digits) as the
/// statement sees it.
pub fn resolve<T: Transaction>(txn: &mut T, path: &SearchPath, text: &str) -> Result<SequenceDesc> {
    if let Ok(oid) = text.parse::<u32>() {
        return sequence_by_oid(txn, oid)?.ok_or_else(|| {
            EngineError::new(
                SqlState::UndefinedTable,
                format!("could not open relation with OID {oid}"),
            )
        });
    }
    let parts = crate::sql::sequence::parse_name(text)?;
    let (schema, name) = match parts.as_slice() {
        [n] => (None, n.clone()),
        [s, n] => (Some(s.clone()), n.clone()),
        _ => {
            return Err(EngineError::new(
                SqlState::SyntaxError,
                format!("improper relation name (too many dotted names): {text}"),
            ))
        }
    };
    let schemas: Vec<String> = match schema {
        Some(s) if s == "pg_temp" => path.temp_schema().map(str::to_string).into_iter().collect(),
        Some(s)
            if catalog::temp::is_temp_schema(&s)
                || catalog::schema::relation_schema_exists(txn, &s)? =>
        {
            vec![s]
        }
        Some(s) if s == "pg_catalog" || s == "information_schema" => vec![s],
        Some(s) => {
            return Err(EngineError::new(
                SqlState::InvalidSchemaName,
                format!("schema \"{s}\" does not exist"),
            ))
        }
        None => path
            .entries(txn)?
            .into_iter()
            .filter_map(|e| match e {
                catalog::PathEntry::Temp(s) | catalog::PathEntry::User(s) => Some(s),
                catalog::PathEntry::Catalog => None,
            })
            .collect(),
    };
    for s in &schemas {
        if let Some(d) = lookup_sequence(txn, s, &name)? {
            return Ok(d);
        }
        if catalog::relation_exists(txn, s, &name)? {
            return Err(EngineError::new(
                SqlState::WrongObjectType,
                format!("\"{name}\" is not a sequence"),
            ));
        }
    }
    Err(EngineError::new(
        SqlState::UndefinedTable,
        format!("relation \"{name}\" does not exist"),
    ))
}

/// Calls sequence function `f` with argument values `args`.
pub fn call<T: Transaction>(f: SeqFunc, args: &[Value], ctx: &mut Ctx<'_, T>) -> Result<Value> {
    let access = ctx.sequences.ok_or_else(|| {
        EngineError::new(
            SqlState::FeatureNotSupported,
            format!("{}() in this context", f.name()),
        )
    })?;
    if f == SeqFunc::Lastval {
        let (oid, v) = access.last_used()?;
        // PostgreSQL checks the sequence still exists.
        if sequence_by_oid(ctx.txn, oid)?.is_none() {
            return Err(EngineError::new(
                SqlState::ObjectNotInPrerequisiteState,
                "lastval is not yet defined in this session",
            ));
        }
        return Ok(Value::Int8(v));
    }
    if args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    let name = match &args[0] {
        Value::Text(s) => s.clone(),
        other => other
            .as_i64()
            .map(|n| n.to_string())
            .ok_or_else(|| EngineError::internal("sequence argument is not a name"))?,
    };
    let desc = resolve(ctx.txn, &ctx.search_path, &name)?;
    let v = match f {
        SeqFunc::Nextval => access.nextval(&desc)?,
        SeqFunc::Currval => access.currval(&desc)?,
        SeqFunc::Setval => {
            let value = args[1]
                .as_i64()
                .ok_or_else(|| EngineError::internal("setval value is not an integer"))?;
            let called = match args.get(2) {
                Some(Value::Bool(b)) => *b,
                _ => true,
            };
            access.setval(&desc, value, called)?
        }
        SeqFunc::Lastval => return Err(EngineError::internal("lastval takes no argument")),
    };
    Ok(Value::Int8(v))
}
