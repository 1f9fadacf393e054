//! Planning queries: the stage that turns a bound `SELECT` (or `VALUES`,
//! or a set operation) into a plan tree ([`Node`]).
//!
//! # How a query becomes a plan
//!
//! Rocksgres binds and plans in one walk over the parsed query, as the
//! [`Binder`] methods of this module and its children: a name is resolved
//! ([`crate::plan::bind`]) at the moment the node that reads it is built,
//! so there is no separate logical plan yet. The walk follows SQL's
//! evaluation order, and each step is a file:
//!
//! 1. [`from`]: the FROM list, joins (with USING/NATURAL merging), derived
//!    tables and views; a run of joins is handed to
//!    [`crate::plan::join_plan`] for predicate push-down and the join
//!    algorithm, and to [`crate::plan::optimize::join_order`] for the
//!    order.
//! 2. [`table_functions`]: set-returning functions in FROM (or taken out
//!    of a select list): `generate_series`, `unnest`, the JSON record
//!    functions, ...; WHERE conjuncts over the tables left of a function
//!    are pushed below it.
//! 3. [`select`]: WHERE, GROUP BY (grouping sets included), aggregates and
//!    HAVING, window functions, the select list, DISTINCT [ON], ORDER BY.
//!    ORDER BY keys that are not output columns are computed as hidden
//!    extra columns and dropped after sorting, as PostgreSQL's "resjunk"
//!    columns.
//! 4. [`aggregate`]: binding inside a grouped query: a column must be a
//!    grouping key or inside an aggregate call, and each call becomes an
//!    [`AggCall`] of the aggregate node.
//! 5. [`subquery`]: subqueries inside expressions (`EXISTS`, `IN`,
//!    scalar, `op ANY/ALL`), planned as nodes of their own; correlated
//!    ones read enclosing rows through [`Expr::Outer`].
//! 6. [`srf_rewrite`]: a syntactic rewrite done before planning, for a
//!    grouped select whose list calls set-returning functions.
//!
//! This file keeps the entry points ([`Binder::plan_query`], set
//! operations, `VALUES`, LIMIT/OFFSET) and the helpers the other planning
//! modules share ([`table_scope`], [`output_name`], [`sort_key`]). Once a
//! query is planned, [`crate::plan::optimize`] decides how each table is
//! read and which columns are decoded; a sort the primary index already
//! gives becomes an index scan
//! ([`crate::plan::optimize::index_order`]).

pub mod aggregate;
pub mod from;
pub mod select;
pub mod srf_rewrite;
pub mod subquery;
pub mod table_functions;

use sqlparser::ast::{self as ast, Expr as AstExpr};

use crate::error::{EngineError, Result, SqlState};
use crate::plan::bind::{Binder, Scope, ScopeColumn};
use crate::plan::expr::Expr;
use crate::plan::node::{Node, OutputColumn, SetOpKind, SortKey};
use crate::sql::depth;
use crate::sql::identifiers::ident_name;
use crate::types::{CastKind, SqlType, Value};

/// Output names as PostgreSQL derives them (`?column?` for expressions).
pub fn output_name(e: &AstExpr) -> String {
    depth::guard(|| output_name_level(e))
}

fn output_name_level(e: &AstExpr) -> String {
    named(e).0
}

/// PostgreSQL's `FigureColnameInternal`: the name and its strength (2: a
/// column, function or other named expression; 1: a type name or `case`;
/// 0: no name, `?column?`). A cast names its column by its type only
/// when the operand has no stronger name.
fn named(e: &AstExpr) -> (String, u8) {
    let unnamed = || ("?column?".to_string(), 0);
    match e {
        AstExpr::Identifier(id) => (ident_name(id), 2),
        AstExpr::CompoundIdentifier(parts) => (parts.last().map(ident_name).unwrap_or_default(), 2),
        AstExpr::Function(f) => match f.name.0.last().and_then(|p| p.as_ident()) {
            Some(id) => (ident_name(id), 2),
            None => unnamed(),
        },
        AstExpr::Cast {
            expr, data_type, ..
        } => {
            let inner = depth::guard(|| named(expr));
            if inner.1 > 1 {
                return inner;
            }
            (cast_type_name(data_type).unwrap_or(inner.0), 1)
        }
        AstExpr::Nested(inner) => depth::guard(|| named(inner)),
        AstExpr::Tuple(_) => ("row".into(), 2),
        AstExpr::Array(_) => ("array".into(), 2),
        AstExpr::CompoundFieldAccess { root, access_chain } => match access_chain.last() {
            Some(ast::AccessExpr::Dot(AstExpr::Identifier(id))) => (ident_name(id), 2),
            // `a.b[1]`: a subscript names its column as what it indexes.
            Some(ast::AccessExpr::Subscript(_)) => {
                match access_chain.iter().rev().find_map(|a| match a {
                    ast::AccessExpr::Dot(AstExpr::Identifier(id)) => Some(id),
                    _ => None,
                }) {
                    Some(id) => (ident_name(id), 2),
                    None => depth::guard(|| named(root)),
                }
            }
            _ => unnamed(),
        },
        AstExpr::Case { .. } => ("case".into(), 1),
        AstExpr::Exists { .. } => ("exists".into(), 2),
        AstExpr::Subquery(q) => match q.body.as_ref() {
            ast::SetExpr::Select(s) => match s.projection.first() {
                Some(ast::SelectItem::UnnamedExpr(e)) => (output_name(e), 2),
                Some(ast::SelectItem::ExprWithAlias { alias, .. }) => (ident_name(alias), 2),
                _ => unnamed(),
            },
            _ => unnamed(),
        },
        _ => unnamed(),
    }
}

/// The last name of a cast's type as PostgreSQL's grammar spells it
/// (`int4` for `integer`, `int4` for `int[]`, a user type's own name).
fn cast_type_name(data_type: &ast::DataType) -> Option<String> {
    match SqlType::from_ast(data_type) {
        Ok(t) => Some(t.element().unwrap_or(t).type_name().to_string()),
        Err(_) => match data_type {
            ast::DataType::Custom(name, _) => {
                name.0.last().and_then(|p| p.as_ident()).map(ident_name)
            }
            ast::DataType::Array(
                ast::ArrayElemTypeDef::SquareBracket(inner, _)
                | ast::ArrayElemTypeDef::AngleBracket(inner),
            ) => cast_type_name(inner),
            _ => None,
        },
    }
}

/// The scope of a table's columns, qualified by `qualifier`.
pub fn table_scope(table: &crate::catalog::TableDesc, qualifier: &str) -> Scope {
    Scope {
        columns: table
            .columns
            .iter()
            .map(|c| ScopeColumn {
                table: Some(qualifier.to_string()),
                // Dropped columns keep their row slot but can never be named.
                name: if c.dropped {
                    "\0dropped".into()
                } else {
                    c.name.clone()
                },
                ty: c.ty,
                hidden: false,
            })
            .collect(),
    }
}

pub(crate) fn function_name(f: &ast::Function) -> String {
    f.name
        .0
        .last()
        .and_then(|p| p.as_ident())
        .map(ident_name)
        .unwrap_or_default()
}

fn limit_offset(q: &ast::Query) -> (Option<&AstExpr>, Option<&AstExpr>) {
    match &q.limit_clause {
        None => (None, None),
        Some(ast::LimitClause::LimitOffset { limit, offset, .. }) => {
            (limit.as_ref(), offset.as_ref().map(|o| &o.value))
        }
        Some(ast::LimitClause::OffsetCommaLimit { offset, limit }) => (Some(limit), Some(offset)),
    }
}

fn output_scope(columns: &[OutputColumn]) -> Scope {
    Scope {
        columns: columns
            .iter()
            .map(|c| ScopeColumn {
                table: None,
                name: c.name.clone(),
                ty: c.ty,
                hidden: false,
            })
            .collect(),
    }
}

impl Binder<'_> {
    /// Plans a query.
    pub fn plan_query(&mut self, q: &ast::Query) -> Result<Node> {
        let _level = depth::enter()?;
        // The aliases a query gives its tables are its own.
        let mark = self.aliased_tables.len();
        let node = depth::guard(|| self.plan_query_level(q));
        self.aliased_tables.truncate(mark);
        node
    }

    /// [`Binder::plan_query`], one level down.
    fn plan_query_level(&mut self, q: &ast::Query) -> Result<Node> {
        if let Some(with) = &q.with {
            return self.plan_with(with, q);
        }
        self.plan_query_body(q)
    }

    /// [`Binder::plan_query`] once its `WITH` clause, if any, is in scope.
    pub(crate) fn plan_query_body(&mut self, q: &ast::Query) -> Result<Node> {
        self.begin_row_locking(q)?;
        match self.plan_query_body_locked(q) {
            Ok(node) => {
                self.end_row_locking(q, &node)?;
                Ok(node)
            }
            Err(e) => {
                self.row_locking.pop();
                Err(e)
            }
        }
    }

    /// [`Binder::plan_query_body`] inside the query's row locking level
    /// (see [`crate::plan::locking`]).
    fn plan_query_body_locked(&mut self, q: &ast::Query) -> Result<Node> {
        // `FETCH FIRST n ROWS ONLY` is `LIMIT n` (n defaults to 1).
        let one = AstExpr::value(ast::Value::Number("1".into(), false));
        let ties = q.fetch.as_ref().is_some_and(|f| f.with_ties);
        if ties {
            crate::plan::ties::check_ties(q)?;
        }
        let fetch = match &q.fetch {
            None => None,
            Some(f) if f.percent => {
                return Err(EngineError::new(
                    SqlState::SyntaxError,
                    "syntax error at or near \"PERCENT\"",
                ))
            }
            Some(f) => Some(f.quantity.as_ref().unwrap_or(&one)),
        };
        let (mut limit, offset) = limit_offset(q);
        if fetch.is_some() {
            if limit.is_some() {
                return Err(EngineError::new(
                    SqlState::SyntaxError,
                    "syntax error at or near \"FETCH\"",
                ));
            }
            limit = fetch;
        }
        let order_by = match &q.order_by {
            None => None,
            Some(ob) => match &ob.kind {
                ast::OrderByKind::Expressions(e) => Some(e.as_slice()),
                ast::OrderByKind::All(_) => return Err(EngineError::unsupported("ORDER BY ALL")),
            },
        };
        // WITH TIES: the ORDER BY keys over the rows the limit counts, and
        // whether a projection dropping hidden sort columns sits on top.
        let mut tie_keys: Option<(Vec<Expr>, bool)> = None;
        let node = match q.body.as_ref() {
            ast::SetExpr::Select(select) => {
                let node = self.plan_select(select, order_by)?;
                tie_keys = self.select_order.take();
                node
            }
            other => {
                let node = self.plan_set_expr(other)?;
                match order_by {
                    Some(keys) => {
                        let scope = output_scope(&node.columns());
                        let mut sort = Vec::new();
                        for k in keys {
                            let expr = match self.output_reference(&k.expr, &node.columns())? {
                                Some(i) => Expr::Column(i, node.columns()[i].ty),
                                None => self.bind(&k.expr, &scope)?,
                            };
                            sort.push(sort_key(expr, k)?);
                        }
                        tie_keys = Some((sort.iter().map(|k| k.expr.clone()).collect(), false));
                        Node::Sort {
                            input: Box::new(node),
                            keys: sort,
                        }
                    }
                    None => node,
                }
            }
        };
        match tie_keys {
            Some((keys, trimmed)) if ties => {
                crate::plan::ties::with_ties(self, node, limit, offset, keys, trimmed)
            }
            _ => self.with_limit(node, limit, offset, None),
        }
    }

    /// `node` under LIMIT `limit` / OFFSET `offset`; `ties`: the ORDER BY
    /// keys of FETCH FIRST ... WITH TIES.
    pub(crate) fn with_limit(
        &mut self,
        node: Node,
        limit: Option<&AstExpr>,
        offset: Option<&AstExpr>,
        ties: Option<Vec<Expr>>,
    ) -> Result<Node> {
        if limit.is_none() && offset.is_none() {
            return Ok(node);
        }
        let empty = Scope::default();
        let bind_count = |b: &mut Self, e: Option<&AstExpr>| -> Result<Option<Expr>> {
            match e {
                None => Ok(None),
                Some(e) => {
                    let x = b.bind(e, &empty)?;
                    Ok(Some(b.coerce(x, SqlType::Int8, CastKind::Implicit)?))
                }
            }
        };
        let limit = bind_count(self, limit)?;
        let offset = bind_count(self, offset)?;
        Ok(Node::Limit {
            input: Box::new(node),
            limit,
            offset,
            ties,
        })
    }

    pub(crate) fn plan_set_expr(&mut self, body: &ast::SetExpr) -> Result<Node> {
        let _level = depth::enter()?;
        depth::guard(|| self.plan_set_expr_level(body))
    }

    fn plan_set_expr_level(&mut self, body: &ast::SetExpr) -> Result<Node> {
        match body {
            ast::SetExpr::Select(select) => self.plan_select(select, None),
            ast::SetExpr::Query(q) => self.plan_query(q),
            ast::SetExpr::Values(values) => self.plan_values(values),
            ast::SetExpr::SetOperation {
                left,
                op,
                set_quantifier,
                right,
            } => {
                let l = self.plan_set_expr(left)?;
                let r = self.plan_set_expr(right)?;
                let kind = match op {
                    ast::SetOperator::Union => SetOpKind::Union,
                    ast::SetOperator::Intersect => SetOpKind::Intersect,
                    ast::SetOperator::Except | ast::SetOperator::Minus => SetOpKind::Except,
                };
                let all = match set_quantifier {
                    ast::SetQuantifier::All => true,
                    ast::SetQuantifier::Distinct | ast::SetQuantifier::None => false,
                    other => return Err(EngineError::unsupported(format!("{other}"))),
                };
                let (l, r) = self.unify_set_sides(l, r, op)?;
                Ok(Node::SetOp {
                    left: Box::new(l),
                    right: Box::new(r),
                    kind,
                    all,
                })
            }
            other => Err(EngineError::unsupported(format!("query {other}"))),
        }
    }

    /// Casts both sides of a set operation to common column types.
    fn unify_set_sides(&mut self, l: Node, r: Node, op: &ast::SetOperator) -> Result<(Node, Node)> {
        let (lc, rc) = (l.columns(), r.columns());
        if lc.len() != rc.len() {
            return Err(EngineError::new(
                SqlState::SyntaxError,
                format!("each {op} query must have the same number of columns"),
            ));
        }
        let mut targets = Vec::new();
        for (a, b) in lc.iter().zip(&rc) {
            let t = match (a.ty, b.ty) {
                (SqlType::Unknown, SqlType::Unknown) => SqlType::Text,
                (SqlType::Unknown, t) | (t, SqlType::Unknown) => t,
                (x, y) => crate::types::implicit_common_type(&x, &y).ok_or_else(|| {
                    EngineError::new(
                        SqlState::DatatypeMismatch,
                        format!(
                            "{op} types {} and {} cannot be matched",
                            x.display_name(),
                            y.display_name()
                        ),
                    )
                })?,
            };
            targets.push(t);
        }
        let recast = |b: &mut Self, node: Node, cols: &[OutputColumn]| -> Result<Node> {
            if cols.iter().zip(&targets).all(|(c, t)| c.ty == *t) {
                return Ok(node);
            }
            let mut exprs = Vec::new();
            let mut columns = Vec::new();
            for (i, (c, t)) in cols.iter().zip(&targets).enumerate() {
                exprs.push(b.coerce(Expr::Column(i, c.ty), *t, CastKind::Implicit)?);
                columns.push(OutputColumn {
                    name: lc[i].name.clone(),
                    ty: *t,
                });
            }
            Ok(Node::Project {
                input: Box::new(node),
                exprs,
                columns,
            })
        };
        let l = recast(self, l, &lc)?;
        let r = recast(self, r, &rc)?;
        Ok((l, r))
    }

    fn plan_values(&mut self, values: &ast::Values) -> Result<Node> {
        let empty = Scope::default();
        let mut rows: Vec<Vec<Expr>> = Vec::new();
        for r in &values.rows {
            let mut row = Vec::new();
            for e in &r.content {
                row.push(self.bind(e, &empty)?);
            }
            if let Some(first) = rows.first() {
                if first.len() != row.len() {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        "VALUES lists must all be the same length",
                    ));
                }
            }
            rows.push(row);
        }
        let width = rows.first().map_or(0, Vec::len);
        let mut columns = Vec::new();
        for c in 0..width {
            let col: Vec<Expr> = rows.iter().map(|r| r[c].clone()).collect();
            let col = self.unify(col, "VALUES")?;
            let ty = col.first().map(Expr::ty).unwrap_or(SqlType::Text);
            for (r, e) in rows.iter_mut().zip(col) {
                r[c] = e;
            }
            columns.push(OutputColumn {
                name: format!("column{}", c + 1),
                ty,
            });
        }
        Ok(Node::Values { rows, columns })
    }

    /// `Some(i)` when `e` names output column `i` (by alias or position).
    fn output_reference(&self, e: &AstExpr, columns: &[OutputColumn]) -> Result<Option<usize>> {
        match e {
            AstExpr::Value(v) => {
                if let ast::Value::Number(n, _) = &v.value {
                    let pos: usize = n.parse().unwrap_or(0);
                    if pos == 0 || pos > columns.len() {
                        return Err(EngineError::new(
                            SqlState::InvalidColumnReference,
                            format!("ORDER BY position {n} is not in select list"),
                        ));
                    }
                    return Ok(Some(pos - 1));
                }
                Ok(None)
            }
            AstExpr::Identifier(id) => {
                let name = ident_name(id);
                Ok(columns.iter().position(|c| c.name == name))
            }
            _ => Ok(None),
        }
    }
}

/// The scope of a relation's `columns`, qualified by its alias or `name`.
pub(super) fn relation_scope(
    columns: &[OutputColumn],
    name: &str,
    alias: Option<&ast::TableAlias>,
) -> Result<Scope> {
    let qualifier = match alias {
        Some(a) => ident_name(&a.name),
        None => name.to_string(),
    };
    let mut scope = output_scope(columns);
    for c in &mut scope.columns {
        c.table = Some(qualifier.clone());
    }
    if let Some(a) = alias {
        rename_columns(&mut scope, a)?;
    }
    Ok(scope)
}

pub(super) fn rename_columns(scope: &mut Scope, alias: &ast::TableAlias) -> Result<()> {
    if alias.columns.len() > scope.columns.len() {
        return Err(EngineError::new(
            SqlState::InvalidColumnReference,
            format!(
                "table \"{}\" has {} columns available but {} columns specified",
                ident_name(&alias.name),
                scope.columns.len(),
                alias.columns.len()
            ),
        ));
    }
    for (c, a) in scope.columns.iter_mut().zip(&alias.columns) {
        c.name = ident_name(&a.name);
    }
    Ok(())
}

/// A sort key; 42883 for `json` and `jsonpath` (and arrays of them),
/// which have no ordering operator in PostgreSQL.
pub(crate) fn sort_key(expr: Expr, k: &ast::OrderByExpr) -> Result<SortKey> {
    let ty = expr.ty();
    let unordered = |t: &SqlType| matches!(t, SqlType::Json | SqlType::JsonPath);
    if unordered(&ty) || ty.element().is_some_and(|e| unordered(&e)) {
        return Err(EngineError::new(
            SqlState::UndefinedFunction,
            format!(
                "could not identify an ordering operator for type {}",
                ty.display_name()
            ),
        ));
    }
    let descending = matches!(k.options.sort, Some(ast::OrderBySort::Desc));
    Ok(SortKey {
        expr,
        descending,
        nulls_first: k.options.nulls_first.unwrap_or(descending),
    })
}

/// A literal `Value` as an expression (used by DML defaults).
pub fn literal(v: Value, ty: SqlType) -> Expr {
    Expr::Literal(v, ty)
}
