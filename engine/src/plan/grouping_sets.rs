//! `GROUP BY` with `GROUPING SETS`, `ROLLUP`, `CUBE` and `()`, and the
//! `GROUPING(...)` function, as PostgreSQL 15.
//!
//! The items of a `GROUP BY` list each expand to a list of grouping sets
//! (a plain expression to the one set holding it, `ROLLUP (a, b)` to
//! `(a, b), (a), ()`, `CUBE` to every subset, `()` to the empty set); the
//! list's sets are the cross product of its items' sets, duplicates kept
//! (PostgreSQL emits a duplicated set's groups twice).
//!
//! The aggregate groups by the distinct expressions of all sets plus a
//! placeholder column holding each output row's set number (see
//! [`crate::exec::grouping_sets`]); `GROUPING(a, b)` binds to a `CASE`
//! over that column giving each set's bitmask (bit set = argument not
//! grouped in that set, the first argument the most significant bit).

use sqlparser::ast::{self as ast, Expr as AstExpr};

use crate::error::{EngineError, Result, SqlState};
use crate::plan::bind::Binder;
use crate::plan::expr::Expr;
use crate::types::{SqlType, Value};

/// The SQL text of the placeholder group (never the text of a real
/// expression).
pub const SET_COLUMN: &str = "\0grouping set";

/// The most grouping sets one query may have (PostgreSQL's limit).
const MAX_SETS: usize = 4096;

/// The grouping sets of a `GROUP BY` list, each a list of expressions;
/// `None` when the list has no grouping-set construct (a plain GROUP BY).
pub fn expand(items: &[AstExpr]) -> Result<Option<Vec<Vec<&AstExpr>>>> {
    let construct = |e: &AstExpr| {
        matches!(
            e,
            AstExpr::GroupingSets(_) | AstExpr::Rollup(_) | AstExpr::Cube(_) | AstExpr::Tuple(_)
        )
    };
    if !items.iter().any(construct) {
        return Ok(None);
    }
    let mut sets: Vec<Vec<&AstExpr>> = vec![Vec::new()];
    for item in items {
        let item_sets = item_sets(item)?;
        if sets.len().saturating_mul(item_sets.len()) > MAX_SETS {
            return Err(too_many());
        }
        let mut next = Vec::with_capacity(sets.len() * item_sets.len());
        for s in &sets {
            for t in &item_sets {
                let mut u = s.clone();
                u.extend(t.iter().copied());
                next.push(u);
            }
        }
        sets = next;
    }
    Ok(Some(sets))
}

fn too_many() -> EngineError {
    EngineError::new(
        SqlState::StatementTooComplex,
        format!("too many grouping sets present (maximum {MAX_SETS})"),
    )
}

/// The sets one `GROUP BY` item stands for (a parenthesized list groups
/// by its elements, as PostgreSQL).
fn item_sets(item: &AstExpr) -> Result<Vec<Vec<&AstExpr>>> {
    Ok(match item {
        AstExpr::Tuple(t) => vec![t.iter().collect()],
        AstExpr::GroupingSets(sets) => {
            let mut out = Vec::new();
            for set in sets {
                // `ROLLUP (..)` / `CUBE (..)` inside GROUPING SETS parse as
                // calls.
                match set.as_slice() {
                    [AstExpr::Function(f)] if nested_construct(f).is_some() => {
                        let (cube, args) = nested_construct(f).expect("checked");
                        out.extend(if cube {
                            cube_sets(args)?
                        } else {
                            rollup_sets(args)
                        });
                    }
                    _ => out.push(set.iter().collect()),
                }
                if out.len() > MAX_SETS {
                    return Err(too_many());
                }
            }
            out
        }
        AstExpr::Rollup(sets) => rollup_sets(elems(sets)),
        AstExpr::Cube(sets) => cube_sets(elems(sets))?,
        other => vec![vec![other]],
    })
}

/// The elements of `ROLLUP` / `CUBE` as lists of expressions.
fn elems(sets: &[Vec<AstExpr>]) -> Vec<Vec<&AstExpr>> {
    sets.iter().map(|s| s.iter().collect()).collect()
}

/// A `rollup(..)` / `cube(..)` call's elements (a parenthesized element
/// groups its expressions together); `true` for CUBE.
fn nested_construct(f: &ast::Function) -> Option<(bool, Vec<Vec<&AstExpr>>)> {
    let name = crate::sql::identifiers::ident_name(f.name.0.last()?.as_ident()?);
    let cube = match name.as_str() {
        "cube" => true,
        "rollup" => false,
        _ => return None,
    };
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    if f.over.is_some() || f.filter.is_some() || !list.clauses.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(list.args.len());
    for a in &list.args {
        let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = a else {
            return None;
        };
        out.push(match e {
            AstExpr::Tuple(t) => t.iter().collect(),
            other => vec![other],
        });
    }
    Some((cube, out))
}

/// `ROLLUP (e1, .., en)`: `(e1..en), (e1..en-1), .., ()`.
fn rollup_sets(elems: Vec<Vec<&AstExpr>>) -> Vec<Vec<&AstExpr>> {
    (0..=elems.len())
        .rev()
        .map(|k| elems[..k].iter().flatten().copied().collect())
        .collect()
}

/// `CUBE (e1, .., en)`: every subset (at most 12 elements, 54011).
fn cube_sets(elems: Vec<Vec<&AstExpr>>) -> Result<Vec<Vec<&AstExpr>>> {
    if elems.len() > 12 {
        return Err(EngineError::new(
            SqlState::TooManyColumns,
            "CUBE is limited to 12 elements",
        ));
    }
    let n = elems.len();
    Ok((0..1usize << n)
        .rev()
        .map(|mask| {
            (0..n)
                .filter(|i| mask & (1 << (n - 1 - i)) != 0)
                .flat_map(|i| elems[i].iter().copied())
                .collect()
        })
        .collect())
}

/// The grouping `sets` as indexes into `groups` (bound from `exprs`, the
/// sets' distinct expressions, in order); expressions that resolve to the
/// same text (`GROUP BY ROLLUP (1, a)`) become one group. Appends the
/// set-number placeholder to `groups`, unless there is just one set of
/// every group (`GROUP BY (), a`): then it is a plain GROUP BY and the
/// result is empty.
pub fn index_sets(
    sets: &[Vec<&AstExpr>],
    exprs: &[&AstExpr],
    groups: &mut Vec<(Expr, String)>,
) -> Vec<Vec<usize>> {
    // Merge groups of equal text.
    let mut unique: Vec<(Expr, String)> = Vec::with_capacity(groups.len());
    let mut map = Vec::with_capacity(groups.len());
    for (g, t) in groups.drain(..) {
        match unique.iter().position(|(_, u)| *u == t) {
            Some(i) => map.push(i),
            None => {
                map.push(unique.len());
                unique.push((g, t));
            }
        }
    }
    *groups = unique;
    let texts: Vec<String> = exprs.iter().map(|e| e.to_string()).collect();
    let indexed: Vec<Vec<usize>> = sets
        .iter()
        .map(|set| {
            let mut out: Vec<usize> = Vec::with_capacity(set.len());
            for e in set {
                let t = e.to_string();
                if let Some(raw) = texts.iter().position(|x| *x == t) {
                    if !out.contains(&map[raw]) {
                        out.push(map[raw]);
                    }
                }
            }
            out
        })
        .collect();
    if indexed.len() == 1 && indexed[0].len() == groups.len() {
        return Vec::new();
    }
    groups.push((
        Expr::Literal(Value::Int4(0), SqlType::Int4),
        SET_COLUMN.to_string(),
    ));
    indexed
}

/// The error for `GROUPING(...)` or a `WITHIN GROUP` aggregate where
/// aggregates are not allowed (`context`: WHERE, GROUP BY, ...); `None`
/// for other calls.
pub fn misplaced(f: &ast::Function, context: Option<&str>) -> Option<EngineError> {
    let context = context.unwrap_or("this context");
    if is_grouping_call(f) {
        return Some(EngineError::new(
            SqlState::GroupingError,
            format!("grouping operations are not allowed in {context}"),
        ));
    }
    if !f.within_group.is_empty() && f.over.is_none() {
        return Some(EngineError::new(
            SqlState::GroupingError,
            format!("aggregate functions are not allowed in {context}"),
        ));
    }
    None
}

/// Whether `f` is a `GROUPING(...)` call.
pub fn is_grouping_call(f: &ast::Function) -> bool {
    f.over.is_none()
        && f.within_group.is_empty()
        && f.name.0.len() == 1
        && f.name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .is_some_and(|i| crate::sql::identifiers::ident_name(i) == "grouping")
}

impl Binder<'_> {
    /// Binds `GROUPING(args)` in aggregate mode: each argument must be one
    /// of the query's grouping expressions (42803 otherwise).
    pub(crate) fn bind_grouping(&mut self, f: &ast::Function) -> Result<Expr> {
        let ast::FunctionArguments::List(list) = &f.args else {
            return Err(not_grouping());
        };
        if list.args.len() > 31 {
            return Err(EngineError::new(
                SqlState::TooManyArguments,
                "GROUPING must have fewer than 32 arguments",
            ));
        }
        let mode = self.agg.take().expect("agg mode");
        let mut found = Vec::with_capacity(list.args.len());
        let mut result = Ok(());
        for a in &list.args {
            let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = a else {
                result = Err(not_grouping());
                break;
            };
            let text = e.to_string();
            let mut at = mode.groups.iter().position(|(_, t)| *t == text);
            if at.is_none() {
                match self.bind(e, &mode.input) {
                    Ok(b) => {
                        let b = format!("{b:?}");
                        at = mode
                            .groups
                            .iter()
                            .position(|(g, t)| t != SET_COLUMN && format!("{g:?}") == b);
                    }
                    Err(err) => {
                        result = Err(err);
                        break;
                    }
                }
            }
            match at {
                Some(i) => found.push(i),
                None => {
                    result = Err(not_grouping());
                    break;
                }
            }
        }
        let sets = mode.sets.clone();
        let set_column = mode.groups.len().wrapping_sub(1);
        self.agg = Some(mode);
        result?;
        if sets.is_empty() {
            return Ok(Expr::Literal(Value::Int4(0), SqlType::Int4));
        }
        let whens = sets
            .iter()
            .enumerate()
            .map(|(n, set)| {
                let mask = found
                    .iter()
                    .fold(0i32, |m, g| (m << 1) | i32::from(!set.contains(g)));
                (
                    Expr::Literal(Value::Int4(n as i32), SqlType::Int4),
                    Expr::Literal(Value::Int4(mask), SqlType::Int4),
                )
            })
            .collect();
        Ok(Expr::Case {
            operand: Some(Box::new(Expr::Column(set_column, SqlType::Int4))),
            whens,
            otherwise: Some(Box::new(Expr::Literal(Value::Int4(0), SqlType::Int4))),
            ty: SqlType::Int4,
        })
    }
}

fn not_grouping() -> EngineError {
    EngineError::new(
        SqlState::GroupingError,
        "arguments to GROUPING must be grouping expressions of the associated query level",
    )
}
