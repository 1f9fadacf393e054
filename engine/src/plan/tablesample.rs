//! `TABLESAMPLE { SYSTEM | BERNOULLI } (percentage) [REPEATABLE (seed)]`
//! on a table: binding the clause into a [`TableSample`] carried by the
//! table's [`crate::plan::node::ScanPlan`] (which EXPLAIN then shows as a
//! `Sample Scan`), with PostgreSQL's errors. Which rows are kept is
//! decided while scanning, by [`crate::exec::sample`].
//!
//! PostgreSQL samples by physical position (pages for SYSTEM, tuples for
//! BERNOULLI); this engine has no pages, so the exact rows differ from
//! PostgreSQL's, but the contract holds: 0 keeps no row, 100 keeps every
//! row, each row (BERNOULLI) or each group of rows (SYSTEM) is kept with
//! the given probability, and `REPEATABLE (seed)` gives the same sample
//! again as long as the table is unchanged.

use sqlparser::ast;

use super::bind::{Binder, Scope};
use super::expr::Expr;
use crate::error::{EngineError, Result, SqlState};
use crate::types::{CastKind, SqlType, Value};

/// A bound `TABLESAMPLE` clause.
#[derive(Debug, Clone)]
pub struct TableSample {
    /// BERNOULLI (per row); else SYSTEM (per group of rows).
    pub bernoulli: bool,
    /// The percentage (`real`), evaluated when the scan starts.
    pub percent: Expr,
    /// The `REPEATABLE` seed (`double precision`); a random one per scan
    /// when absent.
    pub seed: Option<Expr>,
}

fn syntax(near: &str) -> EngineError {
    EngineError::new(
        SqlState::SyntaxError,
        format!("syntax error at or near \"{near}\""),
    )
}

/// The error for a relation that is not a table.
pub fn not_a_table() -> EngineError {
    EngineError::new(
        SqlState::FeatureNotSupported,
        "TABLESAMPLE clause can only be applied to tables and materialized views",
    )
}

/// The `TableSample` of a table factor's `sample` field.
pub fn sample_of(kind: &ast::TableSampleKind) -> &ast::TableSample {
    match kind {
        ast::TableSampleKind::BeforeTableAlias(s) | ast::TableSampleKind::AfterTableAlias(s) => s,
    }
}

impl Binder<'_> {
    /// Binds a `TABLESAMPLE` clause.
    pub(crate) fn bind_tablesample(&mut self, s: &ast::TableSample) -> Result<TableSample> {
        if s.modifier != ast::TableSampleModifier::TableSample
            || s.bucket.is_some()
            || s.offset.is_some()
        {
            return Err(syntax("TABLESAMPLE"));
        }
        let Some(q) = &s.quantity else {
            return Err(syntax("TABLESAMPLE"));
        };
        if q.unit.is_some() {
            return Err(syntax(
                if matches!(q.unit, Some(ast::TableSampleUnit::Rows)) {
                    "ROWS"
                } else {
                    "PERCENT"
                },
            ));
        }
        // A method that is not a keyword reads as a function call:
        // `TABLESAMPLE foo (10)`. Several arguments, or a seed that is an
        // expression, come in `sql::clause_exprs`' marker form.
        let mut marked_seed = None;
        let (method, args): (String, Vec<&ast::Expr>) = match (&s.name, &q.value) {
            (Some(m), _) if !q.parenthesized => return Err(syntax(&m.to_string())),
            (Some(m), v) => match crate::sql::clause_exprs::sample_parts(v) {
                Some((args, seed)) => {
                    marked_seed = seed;
                    (m.to_string().to_lowercase(), args)
                }
                None => (m.to_string().to_lowercase(), vec![v]),
            },
            (None, ast::Expr::Function(f)) if !q.parenthesized => {
                let name = f.name.to_string().to_lowercase();
                let args = match &f.args {
                    ast::FunctionArguments::List(l) if l.clauses.is_empty() => l
                        .args
                        .iter()
                        .map(|a| match a {
                            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Ok(e),
                            _ => Err(syntax(&name)),
                        })
                        .collect::<Result<Vec<_>>>()?,
                    _ => return Err(syntax(&name)),
                };
                (name, args)
            }
            _ => return Err(syntax("TABLESAMPLE")),
        };
        let bernoulli = match method.as_str() {
            "bernoulli" => true,
            "system" => false,
            "row" => return Err(syntax("ROW")),
            other => {
                return Err(EngineError::new(
                    SqlState::UndefinedObject,
                    format!("tablesample method {other} does not exist"),
                ))
            }
        };
        if args.len() != 1 {
            return Err(EngineError::new(
                SqlState::InvalidTablesampleArgument,
                format!(
                    "tablesample method {method} requires 1 argument, not {}",
                    args.len()
                ),
            ));
        }
        let percent = self.bind(args[0], &Scope::default())?;
        let percent = self.coerce(percent, SqlType::Float4, CastKind::Implicit)?;
        let seed_expr = marked_seed
            .cloned()
            .or_else(|| s.seed.as_ref().map(|v| ast::Expr::Value(v.value.clone())));
        let seed = match seed_expr {
            None => None,
            Some(e) => {
                let e = self.bind(&e, &Scope::default())?;
                Some(self.coerce(e, SqlType::Float8, CastKind::Implicit)?)
            }
        };
        Ok(TableSample {
            bernoulli,
            percent,
            seed,
        })
    }
}

/// An argument as EXPLAIN shows it: `'50'::real`.
fn shown(e: &Expr, ty: &str) -> String {
    match e {
        Expr::Literal(v, _) => match v.to_text() {
            Some(t) => format!("'{t}'::{ty}"),
            None => "NULL".into(),
        },
        Expr::Param(i, _) => format!("${}", i + 1),
        Expr::Cast(inner, _, _) => shown(inner, ty),
        _ => format!("({ty} expression)"),
    }
}

/// EXPLAIN's `Sampling: bernoulli ('50'::real) REPEATABLE ('1'::double
/// precision)`.
pub fn explain_detail(s: &TableSample) -> String {
    let mut out = format!(
        "Sampling: {} ({})",
        if s.bernoulli { "bernoulli" } else { "system" },
        shown(&s.percent, "real")
    );
    if let Some(seed) = &s.seed {
        out.push_str(&format!(
            " REPEATABLE ({})",
            shown(seed, "double precision")
        ));
    }
    out
}

/// The percentage and seed of a scan's sample, checked as PostgreSQL
/// checks them when the scan starts.
pub fn check_arguments(percent: &Value, seed: Option<&Value>) -> Result<(f64, Option<f64>)> {
    let p = match percent.as_f64() {
        None if percent.is_null() => {
            return Err(EngineError::new(
                SqlState::InvalidTablesampleArgument,
                "TABLESAMPLE parameter cannot be null",
            ))
        }
        None => return Err(EngineError::internal("TABLESAMPLE percentage")),
        Some(p) => p,
    };
    if !(0.0..=100.0).contains(&p) || p.is_nan() {
        return Err(EngineError::new(
            SqlState::InvalidTablesampleArgument,
            "sample percentage must be between 0 and 100",
        ));
    }
    let seed = match seed {
        None => None,
        Some(v) if v.is_null() => {
            return Err(EngineError::new(
                SqlState::InvalidTablesampleRepeat,
                "TABLESAMPLE REPEATABLE parameter cannot be null",
            ))
        }
        Some(v) => Some(v.as_f64().unwrap_or(0.0)),
    };
    Ok((p, seed))
}
