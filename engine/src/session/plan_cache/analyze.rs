//! A plan-cache miss: working out whether, and how, a text is cached.
//!
//! The text is parsed, and [`parametrize`] replaces the literals it offers
//! (matched to the lexer's literals by position and text) with
//! placeholders. Then, in a transaction that sees the catalog of the
//! current catalog version, the original statement is planned (the
//! *literal plan*) and so is the parameterised one, in two tries:
//!
//! 1. numbers declared with their literal types, strings `unknown`;
//! 2. everything `unknown` (a number's parameter then takes the type of
//!    its context, as `LIMIT 5` or `bigint_col = 5` cast the literal).
//!
//! In each try the inferred parameter types say how to convert the literal
//! texts ([`literal::value`]); the statement is then planned once more
//! with the types of those values as the declared types, because that is
//! what [`Session::query_prepared`] plans with when the catalog changes.
//! That plan is accepted only when its result columns are the literal
//! plan's and its `Debug` rendering, with every `Param(k, ..)` written as
//! the literal of value `k` and every `$n` in SQL text written as the
//! literal's text, is the literal plan's rendering: the same tree, types,
//! casts and folded constants. Anything else gives a negative entry, for
//! every text with the same inline literals; when the text itself does
//! not plan (`id = '1x'`), for that text only, so that a bad value seen
//! first does not keep its key out of the cache.

use std::fmt::Write;
use std::sync::Arc;

use rocksgres_storage::{Isolation, Store, Timestamp, Transaction};
use sqlparser::ast::{self as ast, Statement};

use super::{literal, Entry, Slot};
use crate::catalog::lock::TableLocks;
use crate::catalog::{self, Relation, SearchPath};
use crate::db_txn::DbTxn;
use crate::error::Result;
use crate::plan::bind::Binder;
use crate::session::{plan_statement, Plan, PlanSlot, Planned, Prepared, Session};
use crate::sql::normalize::{Literal, LiteralKind, Normalized};
use crate::sql::parametrize::parametrize;
use crate::sql::{self, Parsed};
use crate::types::{cast, CastKind, SqlType, Value};

/// One parameter of the parameterised statement.
struct Param {
    /// Index of its literal in the lexer's list.
    literal: usize,
    /// Whether a unary minus went into it.
    negate: bool,
    /// The replaced SQL text (`-5`, `'it''s'`).
    display: String,
}

/// A parameterised statement shown to plan like the literal text.
struct Validated {
    plan: Planned,
    /// Its table locks.
    locks: TableLocks,
    /// The snapshot it was made at.
    planned_at: Timestamp,
    /// How long making it took.
    planning: std::time::Duration,
    /// Conversion targets of the literals, one per parameter.
    targets: Vec<SqlType>,
    /// Declared parameter types (those of the converted values).
    declared: Vec<SqlType>,
}

/// Works out the entry for `sql` (a positive one only when safe).
pub(super) fn analyze<S: Store>(
    session: &mut Session<S>,
    sql: &str,
    norm: &Normalized<'_>,
    version: u64,
) -> Entry {
    let Some((original, parameterised, params)) = parse(sql, &norm.literals) else {
        return Entry::negative(version, Vec::new());
    };
    let mut slots: Vec<Slot> = norm
        .literals
        .iter()
        .map(|l| Slot::Inline(l.raw.into()))
        .collect();
    for (index, p) in params.iter().enumerate() {
        slots[p.literal] = Slot::Param {
            index,
            negate: p.negate,
            target: SqlType::Unknown,
        };
    }
    let path = session.search_path();
    let validated = with_catalog(session, |txn| {
        Some(validate(
            txn,
            &path,
            &original,
            &parameterised,
            &params,
            &norm.literals,
        ))
    });
    let v = match validated {
        Some(Validation::Cached(v)) => v,
        // The text itself does not plan (an unknown column, or a value
        // such as '1x' for an integer): only this text is known to fail.
        Some(Validation::LiteralFails) => {
            let exact = norm
                .literals
                .iter()
                .map(|l| Slot::Inline(l.raw.into()))
                .collect();
            return Entry::negative(version, exact);
        }
        // Parameters do not plan like the literals: that holds for every
        // text with these inline literals.
        Some(Validation::NotCacheable) | None => return Entry::negative(version, slots),
    };
    for slot in &mut slots {
        if let Slot::Param { index, target, .. } = slot {
            *target = v.targets[*index];
        }
    }
    let plan = Plan::new(v.plan, v.locks, v.planned_at, v.planning);
    let columns = Arc::clone(&plan.columns);
    let slot = PlanSlot::default();
    slot.put(version, Arc::new(plan));
    Entry {
        version,
        last_used: 0,
        slots,
        statement: Some(Arc::new(Prepared {
            parsed: Some(Parsed::Statement(Box::new(parameterised))),
            param_types: v.declared,
            columns,
            plan: Arc::new(slot),
            text_len: sql.len(),
            plan_error: None,
        })),
    }
}

/// Parses `sql` into its statement and the parameterised copy.
fn parse(sql: &str, literals: &[Literal<'_>]) -> Option<(Statement, Statement, Vec<Param>)> {
    // Only queries and DML are cached: skip parsing anything else (BEGIN,
    // SET, DDL). `sql::parse` rewrites BETWEEN SYMMETRIC, which moves the
    // tokens.
    let lower = sql.to_ascii_lowercase();
    let first = lower
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    if !matches!(
        first,
        "select" | "insert" | "update" | "delete" | "values" | ""
    ) || lower.contains("symmetric")
    {
        return None;
    }
    // Typed literals of names `sqlparser` does not know are rewritten to
    // casts, which moves the tokens too.
    if sql::typed_literal::may_contain(sql) && sql::typed_literal::rewrite(sql).is_some() {
        return None;
    }
    let mut parsed = sql::parse(sql).ok()?;
    let original = match (parsed.pop(), parsed.is_empty()) {
        (Some(Parsed::Statement(s)), true) => *s,
        _ => return None,
    };
    // A second parse, not a clone: cloning a deep tree takes far more
    // stack than parsing it (see `sql::depth`).
    let mut parameterised = match sql::parse(sql).ok()?.pop() {
        Some(Parsed::Statement(s)) => *s,
        _ => return None,
    };
    let mut params: Vec<Param> = Vec::new();
    let mut taken = vec![false; literals.len()];
    let cacheable = parametrize(&mut parameterised, &mut |c| {
        let start = c.value.span.start;
        let i = literals
            .binary_search_by_key(&(start.line, start.column), |l| (l.line, l.column))
            .ok()?;
        let lit = &literals[i];
        let same = match &c.value.value {
            ast::Value::Number(n, false) => lit.kind != LiteralKind::String && *n == *lit.raw,
            ast::Value::SingleQuotedString(s) => lit.kind == LiteralKind::String && *s == *lit.text,
            _ => false,
        };
        if !same || taken[i] || (c.negated && lit.kind == LiteralKind::String) {
            return None;
        }
        taken[i] = true;
        let sign = if c.negated { "-" } else { "" };
        params.push(Param {
            literal: i,
            negate: c.negated,
            display: format!("{sign}{}", c.value),
        });
        Some(params.len())
    });
    cacheable.then_some((original, parameterised, params))
}

/// Runs `f` in a transaction that sees the catalog of the version read
/// before it: the block's (READ COMMITTED, so its snapshot is refreshed
/// first), or a read-only one of its own.
fn with_catalog<S: Store, R>(
    session: &mut Session<S>,
    f: impl FnOnce(&mut DbTxn<S::Txn>) -> Option<R>,
) -> Option<R> {
    match session.txn.as_mut() {
        Some(txn) => {
            if txn.isolation() != Isolation::ReadCommitted {
                return None;
            }
            txn.refresh_snapshot().ok()?;
            f(txn)
        }
        None => {
            let mut txn = session
                .db
                .begin(session.db_id, session.begin_options())
                .ok()?;
            let r = f(&mut txn);
            txn.rollback();
            r
        }
    }
}

/// Plans `stmt` with parameter types `declared`; the plan and the
/// parameter types after inference.
fn plan_with<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    stmt: &Statement,
    declared: Vec<SqlType>,
) -> Result<(Planned, Vec<SqlType>, TableLocks)> {
    let mut lookup = |name: &ast::ObjectName, in_view: bool| -> Result<Relation> {
        catalog::resolve_relation(&mut *txn, path.for_view(in_view), name)
    };
    let mut binder = Binder::new(declared, &mut lookup);
    let planned = plan_statement(stmt, &mut binder)?;
    Ok((planned, binder.param_types, binder.locks))
}

/// What validating a text found.
enum Validation {
    /// A parameterised statement that plans like the text.
    Cached(Box<Validated>),
    /// The text itself does not plan.
    LiteralFails,
    /// No parameterised form plans like the text.
    NotCacheable,
}

fn validate<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    original: &Statement,
    parameterised: &Statement,
    params: &[Param],
    literals: &[Literal<'_>],
) -> Validation {
    let Ok((literal_plan, _, _)) = plan_with(txn, path, original, Vec::new()) else {
        return Validation::LiteralFails;
    };
    let expected = Expected {
        text: plan_text(&literal_plan),
        columns: literal_plan.columns(),
    };
    let found = [true, false].into_iter().find_map(|literal_types| {
        let declared: Vec<SqlType> = params
            .iter()
            .map(|p| match literals[p.literal].kind {
                LiteralKind::Int4 if literal_types => SqlType::Int4,
                LiteralKind::Int8 if literal_types => SqlType::Int8,
                LiteralKind::Numeric if literal_types => SqlType::NUMERIC,
                _ => SqlType::Unknown,
            })
            .collect();
        attempt(
            txn,
            path,
            parameterised,
            params,
            literals,
            declared,
            &expected,
        )
    });
    found.map_or(Validation::NotCacheable, |v| {
        Validation::Cached(Box::new(v))
    })
}

/// What the literal plan looks like.
struct Expected {
    text: String,
    columns: Vec<crate::result::Column>,
}

fn attempt<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    stmt: &Statement,
    params: &[Param],
    literals: &[Literal<'_>],
    declared: Vec<SqlType>,
    expected: &Expected,
) -> Option<Validated> {
    let planned_at = txn.snapshot_ts();
    let started = std::time::Instant::now();
    let (first, targets, first_locks) = plan_with(txn, path, stmt, declared.clone()).ok()?;
    if targets.len() != params.len() {
        return None;
    }
    let mut values = Vec::with_capacity(params.len());
    for (p, target) in params.iter().zip(&targets) {
        let lit = &literals[p.literal];
        values.push(literal::value(lit.kind, &lit.text, p.negate, *target).ok()?);
    }
    let value_types: Vec<SqlType> = values
        .iter()
        .map(|v| v.sql_type().unwrap_or(SqlType::Unknown))
        .collect();
    let (plan, inferred, locks) = if value_types == declared {
        (first, targets.clone(), first_locks)
    } else {
        plan_with(txn, path, stmt, value_types.clone()).ok()?
    };
    if inferred != value_types {
        return None;
    }
    // `query_prepared` converts each value to its parameter type: that
    // must leave it as it is.
    for (v, ty) in values.iter().zip(&value_types) {
        if prepared_conversion(v, ty).ok()? != *v {
            return None;
        }
    }
    let displays: Vec<&str> = params.iter().map(|p| p.display.as_str()).collect();
    if plan.columns() != expected.columns
        || substitute(&plan_text(&plan), &values, &displays)? != expected.text
    {
        return None;
    }
    Some(Validated {
        plan,
        locks,
        planned_at,
        planning: started.elapsed(),
        targets,
        declared: value_types,
    })
}

/// The conversion `Session::query_prepared` applies to a parameter value.
fn prepared_conversion(v: &Value, ty: &SqlType) -> Result<Value> {
    if v.is_null() || *ty == SqlType::Unknown {
        return Ok(v.clone());
    }
    match v {
        Value::Text(text) if *ty != SqlType::Text => Value::parse_text(text, ty),
        Value::Text(_) => Ok(v.clone()),
        _ => cast(v.clone(), ty, CastKind::Assignment),
    }
}

/// The plan as text, for comparing. The derived `Debug` recursion is not
/// guarded and takes about a kilobyte of stack per level of a plan up to
/// `depth::MAX_DEPTH` deep: it runs with room for that.
fn plan_text(p: &Planned) -> String {
    crate::sql::depth::with_stack(DEBUG_STACK, || plan_text_unguarded(p))
}

/// Stack for [`plan_text`].
const DEBUG_STACK: usize = 32 * 1024 * 1024;

fn plan_text_unguarded(p: &Planned) -> String {
    match p {
        Planned::Query(n) => format!("Query {n:?}"),
        Planned::Explain(n, options) => format!("Explain {options:?} {n:?}"),
        Planned::ExplainDml(p, options) => {
            format!("Explain {options:?} {}", plan_text_unguarded(p))
        }
        Planned::Insert(i) => format!("Insert {i:?}"),
        Planned::Update(u) => format!("Update {u:?}"),
        Planned::Delete(d) => format!("Delete {d:?}"),
        Planned::Merge(m) => format!("Merge {m:?}"),
    }
}

/// `text` (a plan's `Debug` rendering) with each `Param(k, ` written as
/// `Literal(<values[k]>, ` and each `$n` (in rendered SQL text) as the
/// escaped `displays[n - 1]`. `None` when a parameter is out of range.
fn substitute(text: &str, values: &[Value], displays: &[&str]) -> Option<String> {
    const PARAM: &str = "Param(";
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    loop {
        let param = rest.find(PARAM);
        let dollar = rest.find('$');
        let (at, is_param) = match (param, dollar) {
            (None, None) => break,
            (Some(p), Some(d)) => (p.min(d), p < d),
            (Some(p), None) => (p, true),
            (None, Some(d)) => (d, false),
        };
        out.push_str(&rest[..at]);
        let skip = if is_param { PARAM.len() } else { 1 };
        let after = &rest[at + skip..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let glued = out
            .chars()
            .last()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        if is_param && digits > 0 && !glued && after[digits..].starts_with(", ") {
            let k: usize = after[..digits].parse().ok()?;
            write!(out, "Literal({:?}, ", values.get(k)?).ok()?;
            rest = &after[digits + 2..];
        } else if !is_param && digits > 0 {
            let n: usize = after[..digits].parse().ok()?;
            let shown = format!("{:?}", displays.get(n.checked_sub(1)?)?);
            out.push_str(&shown[1..shown.len() - 1]);
            rest = &after[digits..];
        } else {
            out.push_str(&rest[at..at + skip]);
            rest = after;
        }
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitute_writes_params_as_literals() {
        let text = r#"Filter(Binary(Column(0, Int4), Param(0, Int4)), Some("a = $1 AND b = $10"), XParam(3, x))"#;
        let values = vec![Value::Int4(7)];
        let mut displays = vec!["7"; 10];
        displays[9] = "'it''s \"q\"'";
        assert_eq!(
            substitute(text, &values, &displays).unwrap(),
            r#"Filter(Binary(Column(0, Int4), Literal(Int4(7), Int4)), Some("a = 7 AND b = 'it''s \"q\"'"), XParam(3, x))"#
        );
        assert!(substitute("Param(1, Int4)", &values, &displays).is_none());
        assert!(substitute("\"$11\"", &values, &displays).is_none());
    }
}
