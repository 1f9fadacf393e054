//! `SEARCH` and `CYCLE` clauses of a recursive CTE (read by
//! [`crate::sql::cte_clauses`]), planned as PostgreSQL 15's rewriter
//! (`rewriteSearchCycle.c`) expands them:
//!
//! ```text
//! WITH RECURSIVE t(c1, c2, c3, seq, mark, path) AS (
//!     SELECT c1, c2, c3,
//!            ARRAY[ROW(c1, c2)]            -- DEPTH FIRST BY c1, c2
//!          | ROW(0, c1, c2),               -- BREADTH FIRST BY c1, c2
//!            <default>, ARRAY[ROW(cycle columns)]
//!       FROM (non-recursive term)
//!   UNION [ALL]
//!     SELECT c1, c2, c3,
//!            seq || ARRAY[ROW(c1, c2)]     -- depth
//!          | ROW(seq.depth + 1, c1, c2),   -- breadth
//!            CASE WHEN ROW(cycle columns) = ANY (path) THEN <value> ELSE <default> END,
//!            path || ARRAY[ROW(cycle columns)]
//!       FROM (recursive term, also reading t.seq, t.mark, t.path)
//!      WHERE mark <> <value>
//! )
//! ```
//!
//! Here the expansion is done on the plan: the non-recursive term's plan
//! gets a projection adding the columns, the worktable has them, the
//! recursive term's select list is extended with the worktable's copies
//! (so its reference must be at the top level of that SELECT, as in
//! PostgreSQL), and its plan gets the filter and the projection.
//!
//! The row values are of an anonymous record type whose fields have the
//! columns' types (a [`CompositeDef`] named `record`, OID 2249, array OID
//! 2287), so `ORDER BY seq` compares the fields by their types, as
//! `record_cmp` does, and the values print as PostgreSQL prints them
//! (`{"(1,2)","(2,3)"}`). `ROW(...) = ANY (path)` is `record_eq`: NULL
//! fields are equal to each other.

use std::cmp::Ordering;

use sqlparser::ast;

use super::bind::{Binder, Scope};
use super::expr::Expr;
use super::node::OutputColumn;
use crate::error::{EngineError, Result, SqlState};
use crate::sql::cte_clauses::Clauses;
use crate::sql::identifiers::ident_name;
use crate::types::composite::{self, CompositeAttr, CompositeDef};
use crate::types::{BinaryOp, ScalarFunction, SqlType, Value, Volatility};

/// The anonymous record type with fields of `types`.
fn record_def(types: &[SqlType]) -> &'static CompositeDef {
    composite::intern(&CompositeDef {
        oid: 2249,
        array_oid: 2287,
        relid: 0,
        schema: "pg_catalog".into(),
        name: "record".into(),
        attrs: types
            .iter()
            .enumerate()
            .map(|(i, t)| CompositeAttr {
                name: format!("f{}", i + 1),
                ty: *t,
            })
            .collect(),
    })
}

fn record_array(def: &'static CompositeDef) -> SqlType {
    composite::array_type(def).unwrap_or(SqlType::Record)
}

fn not_typed(_: &dyn crate::types::FunctionEnv, _: &[Value]) -> Result<Value> {
    Err(EngineError::internal("typed function called untyped"))
}

fn function(
    name: &'static str,
    arg_types: Vec<SqlType>,
    return_type: SqlType,
    typed: crate::types::functions::TypedFn,
) -> ScalarFunction {
    ScalarFunction {
        name,
        arg_types,
        return_type,
        strict: false,
        volatility: Volatility::Immutable,
        catalog: false,
        eval: not_typed,
        typed: Some(typed),
    }
}

/// `{"<row>"}`: a one-element array of the row of `values`.
fn one_row_array(values: &[Value]) -> String {
    let row = composite::row_text(values);
    crate::types::array::format(std::iter::once(Some(row.as_str())))
}

/// `array || ARRAY[ROW(values)]` for a one-dimensional array.
fn append_row(array: &Value, values: &[Value]) -> Result<Value> {
    let one = one_row_array(values);
    match array {
        Value::Text(a) if a.len() > 2 && a.ends_with('}') && a.starts_with('{') => {
            Ok(Value::Text(format!("{},{}", &a[..a.len() - 1], &one[1..])))
        }
        _ => Ok(Value::Text(one)),
    }
}

/// Whether the row of `values` (of `types`) equals an element of the
/// array of rows `path`, as `record_eq` compares (NULL fields equal).
fn in_path(path: &Value, values: &[Value], types: &[SqlType]) -> Result<bool> {
    let Value::Text(p) = path else {
        return Ok(false);
    };
    for item in crate::types::array::parse(p)?.into_iter().flatten() {
        let fields = composite::split(&item, values.len())?;
        let mut equal = true;
        for ((f, v), t) in fields.iter().zip(values).zip(types) {
            let same = match (f, v.is_null()) {
                (None, true) => true,
                (None, false) | (Some(_), true) => false,
                (Some(s), false) => {
                    let fv = Value::parse_text(s, t)?;
                    crate::types::compare_typed(t, &fv, v) == Some(Ordering::Equal)
                }
            };
            if !same {
                equal = false;
                break;
            }
        }
        if equal {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The clauses of one recursive CTE, bound.
pub(crate) struct SearchCycle {
    clauses: Clauses,
    /// The cycle mark's value and default, of their common type.
    marks: Option<(Expr, Expr)>,
}

/// Where the added columns are, once the CTE's columns are known.
pub(crate) struct Layout {
    /// The CTE's own columns.
    n: usize,
    search: Option<(bool, Vec<usize>, &'static CompositeDef)>,
    cycle: Option<(Vec<usize>, &'static CompositeDef)>,
}

fn not_in_list(what: &str, c: &str) -> EngineError {
    EngineError::new(
        SqlState::SyntaxError,
        format!("{what} column \"{c}\" not in WITH query column list"),
    )
}

fn positions(what: &str, cols: &[String], names: &[String]) -> Result<Vec<usize>> {
    let mut out: Vec<usize> = Vec::with_capacity(cols.len());
    for c in cols {
        let Some(i) = names.iter().position(|n| n == c) else {
            return Err(not_in_list(what, c));
        };
        if out.contains(&i) {
            return Err(EngineError::new(
                SqlState::DuplicateColumn,
                format!("{what} column \"{c}\" specified more than once"),
            ));
        }
        out.push(i);
    }
    Ok(out)
}

impl SearchCycle {
    /// Binds the cycle mark's value and default (before the query is
    /// planned, as PostgreSQL does: their type is the mark column's).
    pub(crate) fn new(b: &mut Binder<'_>, clauses: Clauses) -> Result<SearchCycle> {
        let marks = match &clauses.cycle {
            None => None,
            Some(c) => {
                let mut bound = Vec::with_capacity(2);
                for text in [&c.values.0, &c.values.1] {
                    let e = crate::sql::parse_expr(text)?;
                    if !matches!(
                        e,
                        ast::Expr::Value(_)
                            | ast::Expr::TypedString { .. }
                            | ast::Expr::Interval(_)
                    ) {
                        return Err(EngineError::new(
                            SqlState::SyntaxError,
                            format!("syntax error at or near \"{text}\""),
                        ));
                    }
                    bound.push(b.bind(&e, &Scope::default())?);
                }
                let mut v = b.unify(bound, "CYCLE")?;
                let d = v.pop().unwrap_or(Expr::Literal(Value::Null, SqlType::Text));
                let m = v.pop().unwrap_or(Expr::Literal(Value::Null, SqlType::Text));
                let ty = m.ty();
                if crate::types::resolve_binary_op(BinaryOp::NotEq, &ty, &ty).is_err() {
                    return Err(EngineError::new(
                        SqlState::UndefinedFunction,
                        format!(
                            "could not identify an equality operator for type {}",
                            ty.display_name()
                        ),
                    ));
                }
                Some((m, d))
            }
        };
        Ok(SearchCycle { clauses, marks })
    }

    /// PostgreSQL's checks on the form of the CTE's body: the left side
    /// of the UNION a SELECT (0A000), the right side a SELECT (42601),
    /// which is returned.
    pub(crate) fn check_form(left: &ast::SetExpr, right: &ast::SetExpr) -> Result<ast::Select> {
        let simple = |q: &ast::Query| {
            q.with.is_none()
                && q.order_by.is_none()
                && q.limit_clause.is_none()
                && q.fetch.is_none()
                && q.locks.is_empty()
        };
        let left_ok = match left {
            ast::SetExpr::Select(_) | ast::SetExpr::Values(_) => true,
            ast::SetExpr::Query(q) => matches!(
                q.body.as_ref(),
                ast::SetExpr::Select(_) | ast::SetExpr::Values(_)
            ),
            _ => false,
        };
        if !left_ok {
            return Err(EngineError::new(
                SqlState::FeatureNotSupported,
                "with a SEARCH or CYCLE clause, the left side of the UNION must be a SELECT",
            ));
        }
        let right_select = match right {
            ast::SetExpr::Select(s) => Some(s.as_ref().clone()),
            ast::SetExpr::Query(q) if simple(q) => match q.body.as_ref() {
                ast::SetExpr::Select(s) => Some(s.as_ref().clone()),
                _ => None,
            },
            _ => None,
        };
        right_select.ok_or_else(|| {
            EngineError::new(
                SqlState::SyntaxError,
                "with a SEARCH or CYCLE clause, the right side of the UNION must be a SELECT",
            )
        })
    }

    /// Checks the clauses' columns against the CTE's `columns` and lays
    /// out the added ones.
    pub(crate) fn layout(&self, columns: &[OutputColumn]) -> Result<Layout> {
        let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
        let search = match &self.clauses.search {
            None => None,
            Some(s) => {
                let pos = positions("search", &s.columns, &names)?;
                let mut types: Vec<SqlType> = pos.iter().map(|&i| columns[i].ty).collect();
                if s.breadth {
                    types.insert(0, SqlType::Int8);
                }
                Some((s.breadth, pos, record_def(&types)))
            }
        };
        let cycle = match &self.clauses.cycle {
            None => None,
            Some(c) => {
                let pos = positions("cycle", &c.columns, &names)?;
                let types: Vec<SqlType> = pos.iter().map(|&i| columns[i].ty).collect();
                Some((pos, record_def(&types)))
            }
        };
        Ok(Layout {
            n: columns.len(),
            search,
            cycle,
        })
    }

    /// The columns the clauses add (to the CTE and its worktable).
    pub(crate) fn added_columns(&self, layout: &Layout) -> Vec<OutputColumn> {
        let mut out = Vec::new();
        if let (Some(s), Some((breadth, _, def))) = (&self.clauses.search, &layout.search) {
            out.push(OutputColumn {
                name: s.set.clone(),
                ty: if *breadth {
                    SqlType::Composite(def)
                } else {
                    record_array(def)
                },
            });
        }
        if let (Some(c), Some((_, def)), Some((m, _))) =
            (&self.clauses.cycle, &layout.cycle, &self.marks)
        {
            out.push(OutputColumn {
                name: c.mark.clone(),
                ty: m.ty(),
            });
            out.push(OutputColumn {
                name: c.path.clone(),
                ty: record_array(def),
            });
        }
        out
    }

    /// The non-recursive term's added values over its row of `cols`.
    pub(crate) fn initial(&self, layout: &Layout, cols: &[Expr]) -> Vec<Expr> {
        let mut out = Vec::new();
        if let Some((breadth, pos, def)) = &layout.search {
            let mut args: Vec<Expr> = pos.iter().map(|&i| cols[i].clone()).collect();
            let types: Vec<SqlType> = args.iter().map(Expr::ty).collect();
            if *breadth {
                args.insert(0, Expr::Literal(Value::Int8(0), SqlType::Int8));
                let mut t = types;
                t.insert(0, SqlType::Int8);
                out.push(Expr::Function(
                    function("row", t, SqlType::Composite(def), |a, _| {
                        Ok(Value::Text(composite::row_text(a)))
                    }),
                    args,
                ));
            } else {
                out.push(Expr::Function(
                    function("array", types, record_array(def), |a, _| {
                        Ok(Value::Text(one_row_array(a)))
                    }),
                    args,
                ));
            }
        }
        if let (Some((pos, def)), Some((_, d))) = (&layout.cycle, &self.marks) {
            out.push(d.clone());
            let args: Vec<Expr> = pos.iter().map(|&i| cols[i].clone()).collect();
            let types: Vec<SqlType> = args.iter().map(Expr::ty).collect();
            out.push(Expr::Function(
                function("array", types, record_array(def), |a, _| {
                    Ok(Value::Text(one_row_array(a)))
                }),
                args,
            ));
        }
        out
    }

    /// `right` (the recursive term's SELECT) also reading the added
    /// columns of its reference to CTE `name`; 0A000 when the reference
    /// is not at the top level of its FROM.
    pub(crate) fn extend_recursive_term(
        &self,
        mut right: ast::Select,
        name: &str,
        added: &[OutputColumn],
    ) -> Result<ast::Select> {
        fn find(f: &ast::TableFactor, name: &str) -> Option<ast::Ident> {
            match f {
                ast::TableFactor::Table { name: n, alias, .. } => match n.0.as_slice() {
                    [part] if part.as_ident().map(ident_name).as_deref() == Some(name) => {
                        Some(match alias {
                            Some(a) => a.name.clone(),
                            None => ast::Ident::with_quote('"', name),
                        })
                    }
                    _ => None,
                },
                ast::TableFactor::NestedJoin {
                    table_with_joins, ..
                } => find_in(table_with_joins, name),
                _ => None,
            }
        }
        fn find_in(t: &ast::TableWithJoins, name: &str) -> Option<ast::Ident> {
            find(&t.relation, name).or_else(|| t.joins.iter().find_map(|j| find(&j.relation, name)))
        }
        let Some(q) = right.from.iter().find_map(|t| find_in(t, name)) else {
            return Err(EngineError::new(
                SqlState::FeatureNotSupported,
                format!(
                    "with a SEARCH or CYCLE clause, the recursive reference to WITH query \"{name}\" must be at the top level of its right-hand SELECT"
                ),
            ));
        };
        for c in added {
            right
                .projection
                .push(ast::SelectItem::UnnamedExpr(ast::Expr::CompoundIdentifier(
                    vec![q.clone(), ast::Ident::with_quote('"', c.name.clone())],
                )));
        }
        Ok(right)
    }

    /// PostgreSQL's checks on the names of the added columns (before the
    /// recursive term is planned: a name the CTE already has would make
    /// the worktable's reference to it ambiguous).
    pub(crate) fn check_names(&self, names: &[OutputColumn]) -> Result<()> {
        let used = |what: &str, c: &str| -> Result<()> {
            if names.iter().any(|n| n.name == c) {
                return Err(EngineError::new(
                    SqlState::SyntaxError,
                    format!("{what} column name \"{c}\" already used in WITH query column list"),
                ));
            }
            Ok(())
        };
        let same = |msg: &str| Err(EngineError::new(SqlState::SyntaxError, msg.to_string()));
        if let Some(s) = &self.clauses.search {
            used("search sequence", &s.set)?;
        }
        if let Some(c) = &self.clauses.cycle {
            used("cycle mark", &c.mark)?;
            used("cycle path", &c.path)?;
            if c.mark == c.path {
                return same("cycle mark column name and cycle path column name are the same");
            }
        }
        if let (Some(s), Some(c)) = (&self.clauses.search, &self.clauses.cycle) {
            if s.set == c.mark {
                return same("search sequence column name and cycle mark column name are the same");
            }
            if s.set == c.path {
                return same("search sequence column name and cycle path column name are the same");
            }
        }
        Ok(())
    }

    /// The recursive term's plan `rec` (its row: the CTE's columns as
    /// `cols`, then the worktable's added columns) with the cycle filter
    /// and the added values computed: the new expressions after `cols`,
    /// and the filter's predicate, if any.
    pub(crate) fn step(
        &self,
        layout: &Layout,
        cols: &[Expr],
        added: &[OutputColumn],
    ) -> Result<(Vec<Expr>, Option<Expr>)> {
        let mut out = Vec::new();
        let mut k = layout.n;
        if let Some((breadth, pos, def)) = &layout.search {
            let prev = Expr::Column(k, added[0].ty);
            k += 1;
            let mut args = vec![prev];
            args.extend(pos.iter().map(|&i| cols[i].clone()));
            let types: Vec<SqlType> = args.iter().map(Expr::ty).collect();
            out.push(if *breadth {
                Expr::Function(
                    function("row", types, SqlType::Composite(def), |a, _| {
                        let depth = match &a[0] {
                            Value::Text(s) => composite::split(s, composite::field_count(s))?
                                .into_iter()
                                .next()
                                .flatten()
                                .and_then(|d| d.parse::<i64>().ok())
                                .unwrap_or(0),
                            _ => 0,
                        };
                        let mut fields = vec![Value::Int8(depth + 1)];
                        fields.extend_from_slice(&a[1..]);
                        Ok(Value::Text(composite::row_text(&fields)))
                    }),
                    args,
                )
            } else {
                Expr::Function(
                    function("array_cat", types, record_array(def), |a, _| {
                        append_row(&a[0], &a[1..])
                    }),
                    args,
                )
            });
        }
        let mut filter = None;
        if let (Some((pos, def)), Some((m, d))) = (&layout.cycle, &self.marks) {
            let mark_ty = m.ty();
            let mark = Expr::Column(k, mark_ty);
            let path = Expr::Column(k + 1, added[added.len() - 1].ty);
            let sig = crate::types::resolve_binary_op(BinaryOp::NotEq, &mark_ty, &mark_ty)?;
            filter = Some(Expr::Binary(sig, Box::new(mark), Box::new(m.clone())));
            let mut args = vec![path];
            args.extend(pos.iter().map(|&i| cols[i].clone()));
            let types: Vec<SqlType> = args.iter().map(Expr::ty).collect();
            let seen = Expr::Function(
                function("record_eq_any", types.clone(), SqlType::Bool, |a, t| {
                    Ok(Value::Bool(in_path(&a[0], &a[1..], &t[1..])?))
                }),
                args.clone(),
            );
            out.push(Expr::Case {
                operand: None,
                whens: vec![(seen, m.clone())],
                otherwise: Some(Box::new(d.clone())),
                ty: mark_ty,
            });
            out.push(Expr::Function(
                function("array_cat", types, record_array(def), |a, _| {
                    append_row(&a[0], &a[1..])
                }),
                args,
            ));
        }
        Ok((out, filter))
    }
}
