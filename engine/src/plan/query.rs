//! Planning queries: FROM (tables, joins, derived tables, VALUES,
//! generate_series), WHERE, GROUP BY / aggregates / HAVING, the select list,
//! DISTINCT, ORDER BY, LIMIT/OFFSET, set operations, and subqueries in
//! expressions (correlated ones refer to enclosing rows through
//! [`Expr::Outer`]).
//!
//! ORDER BY keys that are not output columns are computed as hidden extra
//! columns of the projection and dropped after sorting, as PostgreSQL does
//! ("resjunk" columns). A sort the primary index already satisfies is
//! replaced by an (optionally backward) index scan.

use std::sync::Arc;

use sqlparser::ast::{self as ast, Expr as AstExpr};

use crate::error::{EngineError, Result, SqlState};
use crate::plan::access::choose_access;
use crate::plan::bind::{AggMode, Binder, Scope, ScopeColumn};
use crate::plan::expr::{Expr, Subquery, SubqueryKind};
use crate::plan::node::agg_result_type;
use crate::plan::node::{
    Access, AggCall, AggFunc, JoinKind, Node, OutputColumn, ScanPlan, SetOpKind, SortKey,
};
use crate::sql::depth;
use crate::sql::identifiers::ident_name;
use crate::types::{CastKind, RegKind, SqlType, Value};

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

pub(crate) fn agg_func(name: &str) -> Option<AggFunc> {
    Some(match name {
        "count" => AggFunc::Count,
        "sum" => AggFunc::Sum,
        "avg" => AggFunc::Avg,
        "min" => AggFunc::Min,
        "max" => AggFunc::Max,
        "bool_and" | "every" => AggFunc::BoolAnd,
        "bool_or" => AggFunc::BoolOr,
        "string_agg" => AggFunc::StringAgg,
        "json_agg" => AggFunc::JsonAgg,
        "jsonb_agg" => AggFunc::JsonbAgg,
        "json_object_agg" => AggFunc::JsonObjectAgg,
        "jsonb_object_agg" => AggFunc::JsonbObjectAgg,
        "array_agg" => AggFunc::ArrayAgg,
        _ => return None,
    })
}

pub(crate) fn function_name(f: &ast::Function) -> String {
    f.name
        .0
        .last()
        .and_then(|p| p.as_ident())
        .map(ident_name)
        .unwrap_or_default()
}

/// Whether an AST expression contains an aggregate call (not looking into
/// subqueries, whose aggregates are their own).
fn has_aggregate(e: &AstExpr) -> bool {
    depth::guard(|| has_aggregate_level(e))
}

fn has_aggregate_level(e: &AstExpr) -> bool {
    let any = |list: &[AstExpr]| list.iter().any(has_aggregate);
    match e {
        AstExpr::Function(f) => {
            if is_aggregate_call(f) {
                return true;
            }
            // A window's keys may be aggregates (`rank() OVER (ORDER BY
            // count(*))`).
            if let Some(ast::WindowType::WindowSpec(w)) = &f.over {
                if w.partition_by.iter().any(has_aggregate)
                    || w.order_by.iter().any(|k| has_aggregate(&k.expr))
                {
                    return true;
                }
            }
            match &f.args {
                ast::FunctionArguments::List(l) => l.args.iter().any(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => has_aggregate(x),
                    _ => false,
                }),
                _ => false,
            }
        }
        AstExpr::BinaryOp { left, right, .. } => has_aggregate(left) || has_aggregate(right),
        AstExpr::UnaryOp { expr, .. }
        | AstExpr::Nested(expr)
        | AstExpr::Cast { expr, .. }
        | AstExpr::IsNull(expr)
        | AstExpr::IsNotNull(expr)
        | AstExpr::IsTrue(expr)
        | AstExpr::IsFalse(expr)
        | AstExpr::IsNotTrue(expr)
        | AstExpr::IsNotFalse(expr) => has_aggregate(expr),
        AstExpr::InList { expr, list, .. } => has_aggregate(expr) || any(list),
        AstExpr::Between {
            expr, low, high, ..
        } => has_aggregate(expr) || has_aggregate(low) || has_aggregate(high),
        AstExpr::Like { expr, pattern, .. } | AstExpr::ILike { expr, pattern, .. } => {
            has_aggregate(expr) || has_aggregate(pattern)
        }
        AstExpr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            operand.as_deref().is_some_and(has_aggregate)
                || conditions
                    .iter()
                    .any(|c| has_aggregate(&c.condition) || has_aggregate(&c.result))
                || else_result.as_deref().is_some_and(has_aggregate)
        }
        _ => false,
    }
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

    fn plan_select(
        &mut self,
        select: &ast::Select,
        order_by: Option<&[ast::OrderByExpr]>,
    ) -> Result<Node> {
        // Window calls of this SELECT (see crate::plan::window).
        let mode = crate::plan::window::WindowMode::new(&select.named_window)?;
        let saved = self.window.replace(mode);
        let r = self.plan_select_body(select, order_by);
        self.window = saved;
        r
    }

    fn plan_select_body(
        &mut self,
        select: &ast::Select,
        order_by: Option<&[ast::OrderByExpr]>,
    ) -> Result<Node> {
        if select.into.is_some() {
            return Err(EngineError::unsupported("SELECT INTO"));
        }
        if let Some(outer) = grouped_srf_rewrite(select)? {
            return self.plan_select(&outer, order_by);
        }
        // Set-returning calls in the select list multiply the rows: plan
        // them as a lateral join with the function (several run in
        // lockstep, as PostgreSQL's ProjectSet), each call replaced by a
        // reference to its column.
        let mut rewritten = None;
        let mut srfs: Vec<SrfCall> = Vec::new();
        for (i, item) in select.projection.iter().enumerate() {
            // Only an item with a series call is copied (a deep item's
            // clone takes far more stack than binding it).
            if !matches!(item, ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } if has_srf(e))
            {
                continue;
            }
            let mut item = item.clone();
            if let ast::SelectItem::UnnamedExpr(e)
            | ast::SelectItem::ExprWithAlias { expr: e, .. } = &mut item
            {
                let name = output_name(e);
                take_srfs(e, &mut srfs);
                if let ast::SelectItem::UnnamedExpr(e2) = &item {
                    // `(f(...)).*` keeps its form (expanded below).
                    if matches!(e2, AstExpr::Function(f)
                        if f.name.to_string() == crate::sql::field_star::FIELD_STAR_MARKER)
                    {
                        let sel = rewritten.get_or_insert_with(|| select.clone());
                        sel.projection[i] = item;
                        continue;
                    }
                    item = ast::SelectItem::ExprWithAlias {
                        expr: e2.clone(),
                        alias: ast::Ident::with_quote('"', name),
                    };
                }
            }
            let sel = rewritten.get_or_insert_with(|| select.clone());
            sel.projection[i] = item;
        }
        let select = rewritten.as_ref().unwrap_or(select);
        let (mut node, mut scope) = self.plan_from(&select.from)?;
        if let Some(w) = &select.selection {
            self.no_aggs = Some("WHERE");
            let pred = self.bind(w, &scope);
            self.no_aggs = None;
            let pred = self.coerce(pred?, SqlType::Bool, CastKind::Implicit)?;
            // Conditions on the tables left of a function in FROM filter
            // those rows before the function runs (as PostgreSQL pushes
            // them down), so it never sees rows the WHERE rejects.
            let (pushed, rest) = push_below_function(node, pred);
            node = pushed;
            if let Some(pred) = rest {
                node = match node {
                    Node::Scan(mut s) if s.filter.is_none() => {
                        s.access = choose_access(&s.table, Some(&pred));
                        s.filter = Some(pred);
                        s.filter_text = Some(w.to_string());
                        Node::Scan(s)
                    }
                    other => Node::Filter {
                        input: Box::new(other),
                        predicate: pred,
                    },
                };
            }
        }

        // Predicates move down and joins get their algorithm.
        node = crate::plan::join_plan::plan_joins(node);

        if !srfs.is_empty() {
            // The calls may read the FROM row: plan them as a lateral join.
            self.outer.push(scope.clone());
            self.correlated.push(false);
            let planned = self.plan_select_list_srfs(&srfs);
            self.correlated.pop();
            self.outer.pop();
            let (series, series_scope) = planned?;
            scope.columns.extend(series_scope.columns);
            node = Node::Join {
                left: Box::new(node),
                right: Box::new(series),
                kind: JoinKind::Inner,
                on: None,
                lateral: true,
                hash: None,
            };
        }

        let group_items: &[AstExpr] = match &select.group_by {
            ast::GroupByExpr::Expressions(e, mods) if mods.is_empty() => e,
            ast::GroupByExpr::Expressions(..) | ast::GroupByExpr::All(_) => {
                return Err(EngineError::unsupported("GROUP BY modifiers"))
            }
        };
        // GROUPING SETS / ROLLUP / CUBE: the distinct expressions of all
        // sets are grouped; the sets pick among them.
        let grouping_sets = crate::plan::grouping_sets::expand(group_items)?;
        let group_exprs: Vec<&AstExpr> = match &grouping_sets {
            None => group_items.iter().collect(),
            Some(sets) => {
                let mut seen: Vec<&AstExpr> = Vec::new();
                for e in sets.iter().flatten() {
                    if !seen.iter().any(|s| s.to_string() == e.to_string()) {
                        seen.push(e);
                    }
                }
                seen
            }
        };
        let grouped = !group_items.is_empty()
            || select.having.is_some()
            || select.projection.iter().any(|item| match item {
                ast::SelectItem::UnnamedExpr(e)
                | ast::SelectItem::ExprWithAlias { expr: e, .. } => has_aggregate(e),
                _ => false,
            })
            || order_by.is_some_and(|keys| keys.iter().any(|k| has_aggregate(&k.expr)));

        // The scope output expressions are bound in.
        let mut out_scope = scope.clone();
        if grouped {
            let mut groups = Vec::new();
            for g in &group_exprs {
                // GROUP BY n / GROUP BY alias refer to select-list items.
                // References, not clones: a deep expression's clone takes
                // far more stack than binding it.
                let target: &AstExpr = match g {
                    AstExpr::Value(v) if matches!(v.value, ast::Value::Number(..)) => {
                        let ast::Value::Number(n, _) = &v.value else {
                            unreachable!()
                        };
                        let pos: usize = n.parse().unwrap_or(0);
                        match select.projection.get(pos.wrapping_sub(1)) {
                            Some(ast::SelectItem::UnnamedExpr(e))
                            | Some(ast::SelectItem::ExprWithAlias { expr: e, .. }) => e,
                            _ => {
                                return Err(EngineError::new(
                                    SqlState::InvalidColumnReference,
                                    format!("GROUP BY position {n} is not in select list"),
                                ))
                            }
                        }
                    }
                    AstExpr::Identifier(id)
                        if scope.columns.iter().all(|c| c.name != ident_name(id)) =>
                    {
                        let name = ident_name(id);
                        select
                            .projection
                            .iter()
                            .find_map(|item| match item {
                                ast::SelectItem::ExprWithAlias { expr, alias }
                                    if ident_name(alias) == name =>
                                {
                                    Some(expr)
                                }
                                _ => None,
                            })
                            .unwrap_or(g)
                    }
                    other => other,
                };
                self.no_aggs = Some("GROUP BY");
                let bound = self.bind(target, &scope);
                self.no_aggs = None;
                groups.push((bound?, target.to_string()));
            }
            let sets = match &grouping_sets {
                Some(sets) => {
                    crate::plan::grouping_sets::index_sets(sets, &group_exprs, &mut groups)
                }
                None => Vec::new(),
            };
            self.agg = Some(AggMode {
                input: scope.clone(),
                groups,
                aggs: Vec::new(),
                sets,
            });
            // Output scope of the aggregate: group values then aggregates
            // (names are irrelevant: agg mode intercepts every reference).
            out_scope = Scope::default();
        }

        let mut projection = Vec::new();
        let mut columns = Vec::new();
        self.set_window_forbid(None);
        let result = (|| -> Result<()> {
            for item in &select.projection {
                match item {
                    ast::SelectItem::Wildcard(_) => {
                        if grouped {
                            return Err(EngineError::unsupported("SELECT * with GROUP BY"));
                        }
                        if scope.columns.is_empty() {
                            return Err(EngineError::new(
                                SqlState::SyntaxError,
                                "SELECT * with no tables specified is not valid",
                            ));
                        }
                        for (i, c) in scope.columns.iter().enumerate() {
                            if c.name.starts_with('\0') || c.hidden {
                                continue;
                            }
                            projection.push(Expr::Column(i, c.ty));
                            columns.push(OutputColumn {
                                name: c.name.clone(),
                                ty: c.ty,
                            });
                        }
                    }
                    ast::SelectItem::UnnamedExpr(AstExpr::Function(f))
                        if f.name.to_string() == crate::sql::field_star::FIELD_STAR_MARKER =>
                    {
                        // `(c).*` (rewritten by the parser's front end):
                        // every field of a composite value.
                        let e = crate::plan::row_expr::row_call_items(f)
                            .and_then(|items| items.first().copied())
                            .ok_or_else(|| EngineError::unsupported("this (expr).*"))?;
                        for (name, expr) in self.bind_field_star(e, &scope)? {
                            columns.push(OutputColumn {
                                name,
                                ty: expr.ty(),
                            });
                            projection.push(expr);
                        }
                    }
                    ast::SelectItem::QualifiedWildcard(
                        ast::SelectItemQualifiedWildcardKind::Expr(e),
                        _,
                    ) => {
                        // `(c).*`: every field of a composite value.
                        for (name, expr) in self.bind_field_star(e, &scope)? {
                            columns.push(OutputColumn {
                                name,
                                ty: expr.ty(),
                            });
                            projection.push(expr);
                        }
                    }
                    ast::SelectItem::QualifiedWildcard(kind, _) => {
                        let qualifier = match kind {
                            ast::SelectItemQualifiedWildcardKind::ObjectName(n) => {
                                n.0.last()
                                    .and_then(|p| p.as_ident())
                                    .map(ident_name)
                                    .unwrap_or_default()
                            }
                            _ => return Err(EngineError::unsupported("this wildcard")),
                        };
                        let mut any = false;
                        for (i, c) in scope.columns.iter().enumerate() {
                            if c.table.as_deref() == Some(qualifier.as_str())
                                && !c.name.starts_with('\0')
                            {
                                any = true;
                                projection.push(Expr::Column(i, c.ty));
                                columns.push(OutputColumn {
                                    name: c.name.clone(),
                                    ty: c.ty,
                                });
                            }
                        }
                        if !any {
                            return Err(EngineError::new(
                                SqlState::UndefinedTable,
                                format!("missing FROM-clause entry for table \"{qualifier}\""),
                            ));
                        }
                    }
                    ast::SelectItem::UnnamedExpr(e) => {
                        let b = self.bind(e, &out_scope)?;
                        let b = self.finalize_unknown(b)?;
                        columns.push(OutputColumn {
                            name: output_name(e),
                            ty: b.ty(),
                        });
                        projection.push(b);
                    }
                    ast::SelectItem::ExprWithAliases { .. } => {
                        return Err(EngineError::unsupported("multiple aliases"));
                    }
                    ast::SelectItem::ExprWithAlias { expr, alias } => {
                        let b = self.bind(expr, &out_scope)?;
                        let b = self.finalize_unknown(b)?;
                        columns.push(OutputColumn {
                            name: ident_name(alias),
                            ty: b.ty(),
                        });
                        projection.push(b);
                    }
                }
            }
            Ok(())
        })();
        if let Err(e) = result {
            self.agg = None;
            return Err(e);
        }

        let mut having = None;
        self.set_window_forbid(Some("window functions are not allowed in HAVING"));
        if let Some(h) = &select.having {
            let r = self
                .bind(h, &out_scope)
                .and_then(|p| self.coerce(p, SqlType::Bool, CastKind::Implicit));
            match r {
                Ok(p) => having = Some(p),
                Err(e) => {
                    self.agg = None;
                    return Err(e);
                }
            }
        }

        self.set_window_forbid(None);
        // ORDER BY: output columns by name/position, else hidden columns.
        let visible = projection.len();
        let mut sort = Vec::new();
        let distinct = matches!(select.distinct, Some(ast::Distinct::Distinct));
        if let Some(keys) = order_by {
            for k in keys {
                let r = (|| -> Result<Expr> {
                    if let Some(i) = self.output_reference(&k.expr, &columns)? {
                        let only_output = match &k.expr {
                            AstExpr::Identifier(id) => {
                                grouped
                                    || scope.columns.iter().all(|c| c.name != ident_name(id))
                                    || columns.iter().filter(|c| c.name == ident_name(id)).count()
                                        == 1
                            }
                            _ => true,
                        };
                        if only_output {
                            return Ok(Expr::Column(i, columns[i].ty));
                        }
                    }
                    let b = self.bind(&k.expr, &out_scope)?;
                    if let Some(i) = projection
                        .iter()
                        .position(|p| format!("{p:?}") == format!("{b:?}"))
                    {
                        return Ok(Expr::Column(i, columns[i].ty));
                    }
                    if distinct {
                        return Err(EngineError::new(
                            SqlState::InvalidColumnReference,
                            "for SELECT DISTINCT, ORDER BY expressions must appear in select list",
                        ));
                    }
                    let ty = b.ty();
                    projection.push(b);
                    columns.push(OutputColumn {
                        name: "?sort?".into(),
                        ty,
                    });
                    Ok(Expr::Column(projection.len() - 1, ty))
                })();
                match r {
                    Ok(expr) => match sort_key(expr, k) {
                        Ok(key) => sort.push(key),
                        Err(e) => {
                            self.agg = None;
                            return Err(e);
                        }
                    },
                    Err(e) => {
                        self.agg = None;
                        return Err(e);
                    }
                }
            }
        }

        if let Some(agg) = self.agg.take() {
            let mut agg_columns: Vec<OutputColumn> = agg
                .groups
                .iter()
                .map(|(g, text)| OutputColumn {
                    name: text.clone(),
                    ty: g.ty(),
                })
                .collect();
            agg_columns.extend(agg.aggs.iter().map(|a| OutputColumn {
                name: "?agg?".into(),
                ty: a.ty,
            }));
            node = Node::Aggregate {
                input: Box::new(node),
                group_by: agg.groups.into_iter().map(|(g, _)| g).collect(),
                aggs: agg.aggs,
                columns: agg_columns,
                sets: agg.sets,
            };
            if let Some(h) = having {
                node = Node::Filter {
                    input: Box::new(node),
                    predicate: h,
                };
            }
        }

        // DISTINCT ON expressions, as (possibly hidden) output columns.
        let mut distinct_on = Vec::new();
        if let Some(ast::Distinct::On(exprs)) = &select.distinct {
            for e in exprs {
                let r = (|| -> Result<Expr> {
                    if let Some(i) = self.output_reference(e, &columns)? {
                        return Ok(Expr::Column(i, columns[i].ty));
                    }
                    let b = self.bind(e, &out_scope)?;
                    if let Some(i) = projection
                        .iter()
                        .position(|p| format!("{p:?}") == format!("{b:?}"))
                    {
                        return Ok(Expr::Column(i, columns[i].ty));
                    }
                    let ty = b.ty();
                    projection.push(b);
                    columns.push(OutputColumn {
                        name: "?distinct?".into(),
                        ty,
                    });
                    Ok(Expr::Column(projection.len() - 1, ty))
                })();
                distinct_on.push(r?);
            }
        }
        node = self.plan_window_calls(node, &mut projection, !srfs.is_empty())?;
        node = Node::Project {
            input: Box::new(node),
            exprs: projection,
            columns: columns.clone(),
        };
        self.select_order = Some((
            sort.iter().map(|k| k.expr.clone()).collect(),
            columns.len() > visible,
        ));
        match &select.distinct {
            Some(ast::Distinct::Distinct) => {
                node = Node::Distinct {
                    input: Box::new(node),
                    on: Vec::new(),
                };
                if !sort.is_empty() {
                    node = use_index_order(node, sort);
                }
            }
            Some(ast::Distinct::On(_)) => {
                if !sort.is_empty() {
                    node = use_index_order(node, sort);
                }
                node = Node::Distinct {
                    input: Box::new(node),
                    on: distinct_on,
                };
            }
            _ => {
                if !sort.is_empty() {
                    node = use_index_order(node, sort);
                }
            }
        }
        if columns.len() > visible {
            let exprs = (0..visible)
                .map(|i| Expr::Column(i, columns[i].ty))
                .collect();
            columns.truncate(visible);
            node = Node::Project {
                input: Box::new(node),
                exprs,
                columns,
            };
        }
        Ok(node)
    }

    fn finalize_unknown(&mut self, e: Expr) -> Result<Expr> {
        if e.ty() == SqlType::Unknown {
            self.coerce(e, SqlType::Text, CastKind::Implicit)
        } else {
            Ok(e)
        }
    }

    /// In aggregate mode: binds references to group values and aggregate
    /// calls; `None` lets normal binding recurse into the expression.
    pub(crate) fn bind_in_agg_mode(&mut self, e: &AstExpr) -> Result<Option<Expr>> {
        let text = e.to_string();
        let agg = self.agg.as_ref().expect("agg mode");
        if let Some(i) = agg.groups.iter().position(|(_, t)| *t == text) {
            return Ok(Some(Expr::Column(i, agg.groups[i].0.ty())));
        }
        match e {
            AstExpr::Function(f) if crate::plan::grouping_sets::is_grouping_call(f) => {
                self.bind_grouping(f).map(Some)
            }
            AstExpr::Function(f) if crate::plan::ordered_set::is_ordered_set_call(f) => {
                self.bind_ordered_set_call(f).map(Some)
            }
            AstExpr::Function(f) if agg_func(&function_name(f)).is_some() && f.over.is_none() => {
                let func = agg_func(&function_name(f)).expect("checked");
                if let ast::FunctionArguments::List(list) = &f.args {
                    if list.args.iter().any(|a| {
                        matches!(a, ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) if has_srf(x))
                    }) {
                        return Err(EngineError::new(
                            SqlState::FeatureNotSupported,
                            "aggregate function calls cannot contain set-returning function calls",
                        )
                        .with_hint(
                            "You might be able to move the set-returning function into a LATERAL FROM item.",
                        ));
                    }
                }
                let mut mode = self.agg.take().expect("agg mode");
                let r = self.bind_agg_call(f, func, &mode.input);
                let r = r.map(|call| {
                    let idx = mode.groups.len() + mode.aggs.len();
                    let ty = call.ty;
                    mode.aggs.push(call);
                    Expr::Column(idx, ty)
                });
                self.agg = Some(mode);
                r.map(Some)
            }
            AstExpr::Identifier(_) | AstExpr::CompoundIdentifier(_) => {
                let mode = self.agg.take().expect("agg mode");
                let r = self.bind(e, &mode.input);
                let groups: Vec<Expr> = mode.groups.iter().map(|(g, _)| g.clone()).collect();
                self.agg = Some(mode);
                match r? {
                    Expr::Column(c, ty) => {
                        if let Some(i) = groups
                            .iter()
                            .position(|g| matches!(g, Expr::Column(gc, _) if *gc == c))
                        {
                            return Ok(Some(Expr::Column(i, ty)));
                        }
                        Err(EngineError::new(
                            SqlState::GroupingError,
                            format!(
                                "column \"{}\" must appear in the GROUP BY clause or be used in an aggregate function",
                                text.to_lowercase()
                            ),
                        ))
                    }
                    other => Ok(Some(other)),
                }
            }
            _ => Ok(None),
        }
    }

    pub(crate) fn bind_agg_call(
        &mut self,
        f: &ast::Function,
        func: AggFunc,
        input: &Scope,
    ) -> Result<AggCall> {
        let name = function_name(f);
        let ast::FunctionArguments::List(list) = &f.args else {
            return Err(EngineError::new(
                SqlState::UndefinedFunction,
                format!("function {name}() does not exist"),
            ));
        };
        let distinct = matches!(
            list.duplicate_treatment,
            Some(ast::DuplicateTreatment::Distinct)
        );
        let mut order_by = Vec::new();
        for clause in &list.clauses {
            match clause {
                ast::FunctionArgumentClause::OrderBy(keys) => {
                    for k in keys {
                        self.no_aggs = Some("aggregate function calls");
                        let e = self.bind(&k.expr, input);
                        self.no_aggs = None;
                        order_by.push(sort_key(e?, k)?);
                    }
                }
                _ => return Err(EngineError::unsupported(format!("aggregate call {f}"))),
            }
        }
        if distinct && func.collects() {
            self.distinct_agg_order(list, &mut order_by, input)?;
        }
        let filter = match &f.filter {
            Some(w) => {
                self.no_aggs = Some("FILTER");
                let b = self.bind(w, input);
                self.no_aggs = None;
                Some(self.coerce(b?, SqlType::Bool, CastKind::Implicit)?)
            }
            None => None,
        };
        match list.args.as_slice() {
            [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard)]
                if func == AggFunc::Count =>
            {
                Ok(AggCall {
                    func: AggFunc::CountStar,
                    arg: None,
                    distinct: false,
                    ty: SqlType::Int8,
                    filter,
                    extra: None,
                    order_by,
                    direct: Vec::new(),
                })
            }
            [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(a))] => {
                self.no_aggs = Some("aggregate function calls");
                let arg = self.bind(a, input);
                self.no_aggs = None;
                let mut arg = arg?;
                if arg.ty() == SqlType::Unknown {
                    arg = self.coerce(arg, SqlType::Text, CastKind::Implicit)?;
                }
                let t = arg.ty();
                let ok = match func {
                    AggFunc::Sum | AggFunc::Avg => {
                        t.is_numeric_family() || matches!(t, SqlType::Interval(_))
                    }
                    AggFunc::BoolAnd | AggFunc::BoolOr => t == SqlType::Bool,
                    // PostgreSQL 15 has no min/max for uuid, bit strings or
                    // macaddr.
                    AggFunc::Min | AggFunc::Max => !matches!(
                        t,
                        SqlType::Uuid
                            | SqlType::Json
                            | SqlType::Jsonb
                            | SqlType::Bit(_)
                            | SqlType::VarBit(_)
                            | SqlType::MacAddr
                            | SqlType::MacAddr8
                    ),
                    AggFunc::ArrayAgg => matches!(t, SqlType::Array(_)) || t.array_of().is_some(),
                    _ => true,
                };
                if !ok {
                    return Err(EngineError::new(
                        SqlState::UndefinedFunction,
                        format!("function {name}({}) does not exist", t.display_name()),
                    )
                    .with_hint("No function matches the given name and argument types. You might need to add explicit type casts."));
                }
                Ok(AggCall {
                    func,
                    ty: agg_result_type(func, t),
                    arg: Some(arg),
                    distinct,
                    filter,
                    extra: None,
                    order_by,
                    direct: Vec::new(),
                })
            }
            [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(a)), ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(d))]
                if matches!(func, AggFunc::JsonObjectAgg | AggFunc::JsonbObjectAgg) =>
            {
                self.no_aggs = Some("aggregate function calls");
                let text_if_unknown = |b: &mut Self, e: Expr| {
                    if e.ty() == SqlType::Unknown {
                        b.coerce(e, SqlType::Text, CastKind::Implicit)
                    } else {
                        Ok(e)
                    }
                };
                let key = self.bind(a, input).and_then(|x| text_if_unknown(self, x));
                let value = self.bind(d, input).and_then(|x| text_if_unknown(self, x));
                self.no_aggs = None;
                Ok(AggCall {
                    func,
                    ty: agg_result_type(func, SqlType::Text),
                    arg: Some(key?),
                    distinct,
                    filter,
                    extra: Some(value?),
                    order_by,
                    direct: Vec::new(),
                })
            }
            [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(a)), ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(d))]
                if func == AggFunc::StringAgg =>
            {
                self.no_aggs = Some("aggregate function calls");
                let arg = self
                    .bind(a, input)
                    .and_then(|x| self.coerce(x, SqlType::Text, CastKind::Implicit));
                let delim = self
                    .bind(d, input)
                    .and_then(|x| self.coerce(x, SqlType::Text, CastKind::Implicit));
                self.no_aggs = None;
                Ok(AggCall {
                    func,
                    ty: SqlType::Text,
                    arg: Some(arg?),
                    distinct,
                    filter,
                    extra: Some(delim?),
                    order_by,
                    direct: Vec::new(),
                })
            }
            _ => Err(EngineError::new(
                SqlState::UndefinedFunction,
                format!("function {name} with these arguments does not exist"),
            )),
        }
    }

    /// `string_agg`/`array_agg` with `DISTINCT`: the `ORDER BY` keys must
    /// be arguments (42P10, as PostgreSQL); without `ORDER BY` the distinct
    /// values come out sorted, as PostgreSQL's sort-based `DISTINCT` does.
    fn distinct_agg_order(
        &mut self,
        list: &ast::FunctionArgumentList,
        order_by: &mut Vec<SortKey>,
        input: &Scope,
    ) -> Result<()> {
        let Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(arg))) = list.args.first()
        else {
            return Ok(());
        };
        let keys = list.clauses.iter().find_map(|c| match c {
            ast::FunctionArgumentClause::OrderBy(keys) => Some(keys),
            _ => None,
        });
        match keys {
            Some(keys) => {
                let in_args = |k: &ast::OrderByExpr| {
                    list.args.iter().any(|a| {
                        matches!(a, ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) if x.to_string() == k.expr.to_string())
                    })
                };
                if !keys.iter().all(in_args) {
                    return Err(EngineError::new(
                        SqlState::InvalidColumnReference,
                        "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list",
                    ));
                }
            }
            None => {
                self.no_aggs = Some("aggregate function calls");
                let e = self.bind(arg, input);
                self.no_aggs = None;
                let mut e = e?;
                if e.ty() == SqlType::Unknown {
                    e = self.coerce(e, SqlType::Text, CastKind::Implicit)?;
                }
                order_by.push(SortKey {
                    expr: e,
                    descending: false,
                    nulls_first: false,
                });
            }
        }
        Ok(())
    }

    /// Plans a subquery used in an expression over `scope`.
    pub(crate) fn bind_subquery(
        &mut self,
        q: &ast::Query,
        kind: SubqueryKind,
        scope: &Scope,
    ) -> Result<Expr> {
        self.outer.push(scope.clone());
        self.correlated.push(false);
        let saved_agg = self.agg.take();
        let saved_no = self.no_aggs.take();
        let plan = self.plan_query(q);
        self.agg = saved_agg;
        self.no_aggs = saved_no;
        let correlated = self.correlated.pop().unwrap_or(false);
        self.outer.pop();
        let plan = plan?;
        let cols = plan.columns();
        let ty = match &kind {
            SubqueryKind::Scalar | SubqueryKind::In(..) => {
                if cols.len() != 1 {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        "subquery must return only one column",
                    ));
                }
                if matches!(kind, SubqueryKind::Scalar) {
                    cols[0].ty
                } else {
                    SqlType::Bool
                }
            }
            SubqueryKind::Array => {
                if cols.len() != 1 {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        "subquery must return only one column",
                    ));
                }
                cols[0].ty.array_of().ok_or_else(|| {
                    EngineError::new(
                        SqlState::UndefinedObject,
                        format!(
                            "could not find array type for data type {}",
                            cols[0].ty.display_name()
                        ),
                    )
                })?
            }
            SubqueryKind::Exists | SubqueryKind::Quantified(..) => {
                if matches!(kind, SubqueryKind::Quantified(..)) && cols.len() != 1 {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        "subquery has too many columns",
                    ));
                }
                SqlType::Bool
            }
        };
        let id = self.next_subquery;
        self.next_subquery += 1;
        Ok(Expr::Subquery(Box::new(Subquery {
            plan: Arc::new(plan),
            kind,
            correlated,
            id,
            ty,
        })))
    }

    /// Plans `probe op ANY/ALL (subquery)`.
    pub(crate) fn bind_quantified(
        &mut self,
        probe: Expr,
        op: crate::types::BinaryOp,
        all: bool,
        q: &ast::Query,
        scope: &Scope,
    ) -> Result<Expr> {
        // Plan once to learn the column type, then build the comparison.
        let placeholder =
            crate::types::resolve_binary_op(op, &SqlType::Unknown, &SqlType::Unknown)?;
        let sq = self.bind_subquery(
            q,
            SubqueryKind::Quantified(probe.clone(), placeholder, all),
            scope,
        )?;
        let Expr::Subquery(mut s) = sq else {
            return Ok(sq);
        };
        let col = s
            .plan
            .columns()
            .first()
            .map(|c| c.ty)
            .unwrap_or(SqlType::Text);
        let sig = crate::types::resolve_binary_op(op, &probe.ty(), &col)?;
        let probe = self.coerce(probe, sig.left, CastKind::Implicit)?;
        s.kind = SubqueryKind::Quantified(probe, sig, all);
        Ok(Expr::Subquery(s))
    }

    pub(crate) fn plan_from(&mut self, from: &[ast::TableWithJoins]) -> Result<(Node, Scope)> {
        let mut result: Option<(Node, Scope)> = None;
        for twj in from {
            // A function in FROM sees the items to its left (implicitly
            // LATERAL, as in PostgreSQL), as does a LATERAL subquery.
            let lateral_item = result.is_some()
                && (is_function_factor(&twj.relation)
                    || matches!(
                        twj.relation,
                        ast::TableFactor::Derived { lateral: true, .. }
                    ));
            let mut item = match &result {
                Some((_, ls)) if lateral_item => {
                    self.outer.push(ls.clone());
                    self.correlated.push(false);
                    let r = self.plan_factor(&twj.relation);
                    self.correlated.pop();
                    self.outer.pop();
                    r?
                }
                _ => self.plan_factor(&twj.relation)?,
            };
            for j in &twj.joins {
                let lateral = matches!(j.relation, ast::TableFactor::Derived { lateral: true, .. })
                    || is_function_factor(&j.relation);
                let right = if lateral {
                    // The subquery sees the columns to its left as an
                    // enclosing row; the join re-runs it for every left row.
                    self.outer.push(item.1.clone());
                    self.correlated.push(false);
                    let r = self.plan_factor(&j.relation);
                    self.correlated.pop();
                    self.outer.pop();
                    r?
                } else {
                    self.plan_factor(&j.relation)?
                };
                item = self.plan_join(item, right, &j.join_operator, lateral)?;
            }
            result = Some(match result {
                None => item,
                Some((ln, ls)) => {
                    let mut scope = ls;
                    scope.columns.extend(item.1.columns);
                    (
                        Node::Join {
                            left: Box::new(ln),
                            right: Box::new(item.0),
                            kind: JoinKind::Inner,
                            on: None,
                            lateral: lateral_item,
                            hash: None,
                        },
                        scope,
                    )
                }
            });
        }
        Ok(result.unwrap_or_else(|| {
            (
                Node::Values {
                    rows: vec![Vec::new()],
                    columns: Vec::new(),
                },
                Scope::default(),
            )
        }))
    }

    fn plan_join(
        &mut self,
        (ln, ls): (Node, Scope),
        (rn, rs): (Node, Scope),
        op: &ast::JoinOperator,
        lateral: bool,
    ) -> Result<(Node, Scope)> {
        use ast::JoinOperator as J;
        let (kind, constraint, swap) = match op {
            J::Join(c) | J::Inner(c) => (JoinKind::Inner, Some(c), false),
            J::CrossJoin(_) => (JoinKind::Inner, None, false),
            J::Left(c) | J::LeftOuter(c) => (JoinKind::Left, Some(c), false),
            J::Right(c) | J::RightOuter(c) => (JoinKind::Left, Some(c), true),
            J::FullOuter(c) => (JoinKind::Full, Some(c), false),
            other => return Err(EngineError::unsupported(format!("join {other:?}"))),
        };
        let left_width = ls.columns.len();
        let mut scope = ls.clone();
        scope.columns.extend(rs.columns.clone());
        let mut using = Vec::new();
        // Whether `on` indexes the executed row of a RIGHT JOIN (right side
        // first) rather than the left-then-right row.
        let mut on_swapped = false;
        let on = match constraint {
            None | Some(ast::JoinConstraint::None) => None,
            Some(ast::JoinConstraint::On(e)) => {
                // A RIGHT JOIN runs as a LEFT JOIN with the sides swapped:
                // bind its condition against that row, so that columns and
                // the outer references of correlated subqueries in it (which
                // no remapping reaches) index the row the join evaluates.
                let swapped;
                let on_scope = if swap {
                    let mut s = rs.clone();
                    s.columns.extend(ls.columns.clone());
                    swapped = s;
                    on_swapped = true;
                    &swapped
                } else {
                    &scope
                };
                self.no_aggs = Some("JOIN conditions");
                let b = self.bind(e, on_scope);
                self.no_aggs = None;
                Some(self.coerce(b?, SqlType::Bool, CastKind::Implicit)?)
            }
            Some(ast::JoinConstraint::Using(cols)) => {
                let names: Vec<String> = cols
                    .iter()
                    .map(|c| {
                        c.0.last()
                            .and_then(|p| p.as_ident())
                            .map(ident_name)
                            .unwrap_or_default()
                    })
                    .collect();
                self.using_condition(&names, &ls, &rs, &mut using)?
            }
            Some(ast::JoinConstraint::Natural) => {
                let names: Vec<String> = ls
                    .columns
                    .iter()
                    .filter(|l| {
                        !l.hidden && rs.columns.iter().any(|r| !r.hidden && r.name == l.name)
                    })
                    .map(|l| l.name.clone())
                    .collect();
                self.using_condition(&names, &ls, &rs, &mut using)?
            }
        };
        let on = if swap && !on_swapped {
            // A USING condition indexes the left-then-right row: move it
            // to the executed (right-then-left) one.
            let right_width = rs.columns.len();
            on.map(|mut e| {
                e.map_columns(&|i| swapped_index(i, left_width, right_width));
                e
            })
        } else {
            on
        };
        let (node, scope) = self.join_node(ln, rn, kind, on, lateral, swap, scope, left_width)?;
        if using.is_empty() {
            return Ok((node, scope));
        }
        // USING / NATURAL: the merged columns come first, as in PostgreSQL:
        // the left column for INNER and LEFT joins, the right one for RIGHT
        // joins, COALESCE(left, right) for FULL joins. Both sides' own
        // copies stay reachable qualified (`a.id`) but are hidden from
        // unqualified references and `*`.
        let inner = node.columns();
        let mut exprs = Vec::new();
        let mut columns = Vec::new();
        let mut out_scope = Scope::default();
        for (name, l, r, ty) in &using {
            let le = self.coerce(Expr::Column(*l, inner[*l].ty), *ty, CastKind::Implicit)?;
            let re = self.coerce(Expr::Column(*r, inner[*r].ty), *ty, CastKind::Implicit)?;
            exprs.push(match (kind, swap) {
                (JoinKind::Full, _) => Expr::Coalesce(vec![le, re], *ty),
                (_, true) => re,
                _ => le,
            });
            columns.push(OutputColumn {
                name: name.clone(),
                ty: *ty,
            });
            out_scope.columns.push(ScopeColumn {
                table: None,
                name: name.clone(),
                ty: *ty,
                hidden: false,
            });
        }
        for (i, c) in inner.iter().enumerate() {
            exprs.push(Expr::Column(i, c.ty));
            columns.push(c.clone());
        }
        for (i, mut c) in scope.columns.into_iter().enumerate() {
            if using.iter().any(|(_, l, r, _)| *l == i || *r == i) {
                c.hidden = true;
            }
            out_scope.columns.push(c);
        }
        Ok((
            Node::Project {
                input: Box::new(node),
                exprs,
                columns,
            },
            out_scope,
        ))
    }

    /// The join condition of USING (`names`): each column equal on both
    /// sides; records (name, left position, right position in the joined
    /// row, common type) of each merged column in `using`.
    fn using_condition(
        &mut self,
        names: &[String],
        ls: &Scope,
        rs: &Scope,
        using: &mut Vec<(String, usize, usize, SqlType)>,
    ) -> Result<Option<Expr>> {
        let left_width = ls.columns.len();
        let mut cond: Option<Expr> = None;
        for name in names {
            for (side, sc) in [("left", ls), ("right", rs)] {
                if sc
                    .columns
                    .iter()
                    .filter(|x| !x.hidden && x.name == *name)
                    .count()
                    > 1
                {
                    return Err(EngineError::new(
                        SqlState::AmbiguousColumn,
                        format!(
                            "common column name \"{name}\" appears more than once in {side} table"
                        ),
                    ));
                }
            }
            let l = ls.columns.iter().position(|x| !x.hidden && x.name == *name);
            let r = rs.columns.iter().position(|x| !x.hidden && x.name == *name);
            let (Some(l), Some(r)) = (l, r) else {
                return Err(EngineError::new(
                    SqlState::UndefinedColumn,
                    format!(
                        "column \"{name}\" specified in USING clause does not exist in {} table",
                        if l.is_none() { "left" } else { "right" }
                    ),
                ));
            };
            let lt = ls.columns[l].ty;
            let rt = rs.columns[r].ty;
            let sig = crate::types::resolve_binary_op(crate::types::BinaryOp::Eq, &lt, &rt)?;
            let common = if lt == rt {
                lt
            } else {
                crate::types::implicit_common_type(&lt, &rt).unwrap_or(sig.left)
            };
            using.push((name.clone(), l, left_width + r, common));
            let le = self.coerce(Expr::Column(l, lt), sig.left, CastKind::Implicit)?;
            let re = self.coerce(
                Expr::Column(left_width + r, rt),
                sig.right,
                CastKind::Implicit,
            )?;
            let e = Expr::Binary(sig, Box::new(le), Box::new(re));
            cond = Some(match cond {
                None => e,
                Some(c) => Expr::And(Box::new(c), Box::new(e)),
            });
        }
        Ok(cond)
    }

    /// The join node itself (a RIGHT join is a swapped LEFT join put back
    /// in left-then-right column order). For a RIGHT JOIN (`swap`), `on`
    /// already indexes the executed right-then-left row.
    #[allow(clippy::too_many_arguments)]
    fn join_node(
        &mut self,
        ln: Node,
        rn: Node,
        kind: JoinKind,
        on: Option<Expr>,
        lateral: bool,
        swap: bool,
        scope: Scope,
        left_width: usize,
    ) -> Result<(Node, Scope)> {
        let right_width = scope.columns.len() - left_width;
        if !swap {
            return Ok((
                Node::Join {
                    left: Box::new(ln),
                    right: Box::new(rn),
                    kind,
                    on,
                    lateral,
                    hash: None,
                },
                scope,
            ));
        }
        // RIGHT JOIN: a LEFT JOIN with the sides swapped, then the columns
        // put back in left-then-right order.
        if lateral {
            return Err(EngineError::unsupported("RIGHT JOIN LATERAL"));
        }
        let node = Node::Join {
            left: Box::new(rn),
            right: Box::new(ln),
            kind,
            on,
            lateral: false,
            hash: None,
        };
        let cols = node.columns();
        let mut exprs = Vec::new();
        let mut columns = Vec::new();
        for i in 0..left_width + right_width {
            let src = swapped_index(i, left_width, right_width);
            exprs.push(Expr::Column(src, cols[src].ty));
            columns.push(cols[src].clone());
        }
        Ok((
            Node::Project {
                input: Box::new(node),
                exprs,
                columns,
            },
            scope,
        ))
    }

    fn plan_factor(&mut self, f: &ast::TableFactor) -> Result<(Node, Scope)> {
        let _level = depth::enter()?;
        let (mut node, scope) = depth::guard(|| self.plan_factor_level(f))?;
        if let Some(name) = crate::plan::locking::from_item_name(f) {
            self.lock_from_item(name.as_deref(), &mut node)?;
        }
        Ok((node, scope))
    }

    fn plan_factor_level(&mut self, f: &ast::TableFactor) -> Result<(Node, Scope)> {
        match f {
            ast::TableFactor::Table {
                name,
                alias,
                args,
                with_ordinality,
                sample,
                ..
            } => {
                if let Some(args) = args {
                    return self.plan_table_function(
                        name,
                        &args.args,
                        alias.as_ref(),
                        *with_ordinality,
                    );
                }
                let sampled = match sample {
                    Some(k) => Some(std::sync::Arc::new(
                        self.bind_tablesample(crate::plan::tablesample::sample_of(k))?,
                    )),
                    None => None,
                };
                // `FROM ONLY t` reaches here as a table named `only` with
                // alias `t` (ONLY is reserved: a relation of that name
                // must be quoted). Without table inheritance or
                // partitioning, ONLY reads what the plain name reads.
                if let (
                    [ast::ObjectNamePart::Identifier(id)],
                    Some(ast::TableAlias {
                        name: real,
                        columns,
                        ..
                    }),
                ) = (name.0.as_slice(), alias)
                {
                    if id.quote_style.is_none()
                        && id.value.eq_ignore_ascii_case("only")
                        && columns.is_empty()
                    {
                        let plain = ast::TableFactor::Table {
                            name: ast::ObjectName(vec![ast::ObjectNamePart::Identifier(
                                real.clone(),
                            )]),
                            alias: None,
                            args: None,
                            with_hints: vec![],
                            version: None,
                            with_ordinality: false,
                            partitions: vec![],
                            json_path: None,
                            sample: sample.clone(),
                            index_hints: vec![],
                        };
                        return self.plan_factor(&plain);
                    }
                }
                if let [ast::ObjectNamePart::Identifier(id)] = name.0.as_slice() {
                    const RESERVED: &[&str] = &[
                        "WHERE",
                        "GROUP",
                        "ORDER",
                        "LIMIT",
                        "OFFSET",
                        "HAVING",
                        "UNION",
                        "SELECT",
                        "FROM",
                        "ON",
                        "AND",
                        "OR",
                        "NOT",
                        "JOIN",
                        "INTERSECT",
                        "EXCEPT",
                    ];
                    if id.quote_style.is_none()
                        && RESERVED.contains(&id.value.to_uppercase().as_str())
                    {
                        return Err(EngineError::new(
                            SqlState::SyntaxError,
                            format!("syntax error at or near \"{}\"", id.value),
                        ));
                    }
                }
                if let Some(cte) = self.cte_reference(name, alias.as_ref())? {
                    if sampled.is_some() {
                        return Err(crate::plan::tablesample::not_a_table());
                    }
                    return Ok(cte);
                }
                let relation = self.resolve(name)?;
                if sampled.is_some() && !matches!(relation, crate::catalog::Relation::Table(_)) {
                    return Err(crate::plan::tablesample::not_a_table());
                }
                let table = match relation {
                    crate::catalog::Relation::Table(t) => t,
                    crate::catalog::Relation::Type(_) | crate::catalog::Relation::Domain(_) => {
                        return Err(EngineError::internal("a type is not a relation"))
                    }
                    crate::catalog::Relation::View(v) => {
                        let planned = self.plan_view(&v, alias.as_ref())?;
                        if let Some(a) = alias {
                            let view = crate::catalog::Relation::View(v);
                            self.aliased_tables.push((ident_name(&a.name), view));
                        }
                        return Ok(planned);
                    }
                    crate::catalog::Relation::System(rel) => {
                        let columns = static_columns(rel.columns);
                        let scope = relation_scope(&columns, rel.name, alias.as_ref())?;
                        return Ok((Node::SystemScan { rel, columns }, scope));
                    }
                    crate::catalog::Relation::Sequence(seq) => {
                        let columns = static_columns(&SEQUENCE_COLUMNS);
                        let scope = relation_scope(&columns, &seq.name, alias.as_ref())?;
                        return Ok((Node::SequenceRow { seq, columns }, scope));
                    }
                };
                let qualifier = match alias {
                    Some(a) => ident_name(&a.name),
                    None => table.name.clone(),
                };
                if alias.is_some() {
                    self.aliased_tables.push((
                        qualifier.clone(),
                        crate::catalog::Relation::Table(table.clone()),
                    ));
                }
                let mut scope = table_scope(&table, &qualifier);
                if let Some(a) = alias {
                    rename_columns(&mut scope, a)?;
                }
                Ok((
                    Node::Scan(ScanPlan {
                        table,
                        access: crate::plan::node::Access::Full,
                        reverse: false,
                        filter: None,
                        filter_text: None,
                        alias: alias.as_ref().map(|a| ident_name(&a.name)),
                        lock: None,
                        needed: None,
                        sample: sampled,
                    }),
                    scope,
                ))
            }
            ast::TableFactor::UNNEST {
                alias,
                array_exprs,
                with_offset: false,
                with_ordinality,
                ..
            } => {
                let args: Vec<&ast::Expr> = array_exprs.iter().collect();
                self.plan_unnest(&args, alias.as_ref(), *with_ordinality)
            }
            // LATERAL is handled by `plan_from`, which sets up the scope.
            ast::TableFactor::Derived {
                subquery, alias, ..
            } => {
                let node = self.plan_query(subquery)?;
                let Some(alias) = alias else {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        "subquery in FROM must have an alias",
                    ));
                };
                let qualifier = ident_name(&alias.name);
                let mut scope = Scope {
                    columns: node
                        .columns()
                        .into_iter()
                        .map(|c| ScopeColumn {
                            table: Some(qualifier.clone()),
                            name: c.name,
                            ty: c.ty,
                            hidden: false,
                        })
                        .collect(),
                };
                rename_columns(&mut scope, alias)?;
                Ok((node, scope))
            }
            ast::TableFactor::NestedJoin {
                table_with_joins,
                alias: None,
            } => self.plan_from(std::slice::from_ref(table_with_joins)),
            ast::TableFactor::NestedJoin {
                table_with_joins,
                alias: Some(alias),
            } => {
                // `(a JOIN b ...) AS j`: the join's visible columns, under
                // the alias only.
                let (node, scope) = self.plan_from(std::slice::from_ref(table_with_joins))?;
                let visible: Vec<(usize, &ScopeColumn)> = scope
                    .columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| !c.hidden)
                    .collect();
                let columns: Vec<OutputColumn> = visible
                    .iter()
                    .map(|(_, c)| OutputColumn {
                        name: c.name.clone(),
                        ty: c.ty,
                    })
                    .collect();
                let node = Node::Project {
                    input: Box::new(node),
                    exprs: visible
                        .iter()
                        .map(|(i, c)| Expr::Column(*i, c.ty))
                        .collect(),
                    columns: columns.clone(),
                };
                let scope = relation_scope(&columns, "", Some(alias))?;
                Ok((node, scope))
            }
            ast::TableFactor::Function {
                name,
                args,
                alias,
                with_ordinality,
                ..
            } => self.plan_table_function(name, args, alias.as_ref(), *with_ordinality),
            other => Err(EngineError::unsupported(format!("FROM {other}"))),
        }
    }

    /// Plans a view reference as its stored query.
    pub(crate) fn plan_view(
        &mut self,
        view: &crate::catalog::ViewDesc,
        alias: Option<&ast::TableAlias>,
    ) -> Result<(Node, Scope)> {
        if self.expanding_views.contains(&view.oid) {
            return Err(EngineError::new(
                SqlState::InvalidObjectDefinition,
                format!(
                    "infinite recursion detected in rules for relation \"{}\"",
                    view.name
                ),
            ));
        }
        self.expanding_views.push(view.oid);
        self.view_bindings.push(view.bindings.clone());
        // The stored text may be long and its tree deep: stack for it.
        let r = depth::with_statement_stack(view.sql.len(), || self.plan_view_body(view, alias));
        self.expanding_views.pop();
        self.view_bindings.pop();
        r
    }

    /// [`Binder::plan_view`] once the view is known not to be expanding.
    fn plan_view_body(
        &mut self,
        view: &crate::catalog::ViewDesc,
        alias: Option<&ast::TableAlias>,
    ) -> Result<(Node, Scope)> {
        let parsed = crate::sql::parse(&view.sql)?;
        let [crate::sql::Parsed::Statement(stmt)] = parsed.as_slice() else {
            return Err(EngineError::internal("stored view is not one query"));
        };
        let ast::Statement::Query(q) = stmt.as_ref() else {
            return Err(EngineError::internal("stored view is not a query"));
        };
        // A view's query sees no enclosing scopes.
        let outer = std::mem::take(&mut self.outer);
        let correlated = std::mem::take(&mut self.correlated);
        let ctes = self.take_ctes();
        let node = self.plan_query(q);
        self.restore_ctes(ctes);
        self.outer = outer;
        self.correlated = correlated;
        let node = node?;
        let qualifier = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| view.name.clone());
        let mut scope = Scope {
            columns: node
                .columns()
                .into_iter()
                .zip(view.columns.iter().map(Some).chain(std::iter::repeat(None)))
                .map(|(c, name)| ScopeColumn {
                    table: Some(qualifier.clone()),
                    name: name.cloned().unwrap_or(c.name),
                    ty: c.ty,
                    hidden: false,
                })
                .collect(),
        };
        if let Some(a) = alias {
            rename_columns(&mut scope, a)?;
        }
        Ok((node, scope))
    }

    /// `unnest(array, ...) [WITH ORDINALITY]` in FROM (or from a select
    /// list). One array's column is named after the alias, as for any
    /// function returning a scalar; several arrays' columns are `unnest`.
    fn plan_unnest(
        &mut self,
        exprs: &[&ast::Expr],
        alias: Option<&ast::TableAlias>,
        with_ordinality: bool,
    ) -> Result<(Node, Scope)> {
        let mut args = Vec::with_capacity(exprs.len());
        for e in exprs {
            let arg = self.bind(e, &Scope::default())?;
            args.push(if arg.ty() == SqlType::Unknown {
                if exprs.len() == 1 {
                    self.coerce(arg, SqlType::Array(&SqlType::Text), CastKind::Implicit)?
                } else {
                    return Err(EngineError::new(
                        SqlState::DatatypeMismatch,
                        "could not determine polymorphic type because input has type unknown",
                    ));
                }
            } else {
                self.devector(arg)?
            });
        }
        let mut elems = Vec::with_capacity(args.len());
        for arg in &args {
            elems.push(arg.ty().element().ok_or_else(|| {
                let types: Vec<SqlType> = args.iter().map(Expr::ty).collect();
                crate::types::functions::undefined_function("unnest", &types)
            })?);
        }
        let qualifier = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| "unnest".to_string());
        let column_name = if args.len() == 1 {
            qualifier.clone()
        } else {
            "unnest".to_string()
        };
        // One array of rows in FROM (not a select list's call, whose
        // alias is a reserved name): a column per field.
        if let ([SqlType::Composite(def)], false) =
            (elems.as_slice(), qualifier.starts_with('\u{1}'))
        {
            let def = *def;
            let arg = args.pop().expect("one argument");
            return self.plan_unnest_rows(arg, def, &qualifier, alias, with_ordinality);
        }
        let mut scope = Scope {
            columns: elems
                .iter()
                .map(|ty| ScopeColumn {
                    table: Some(qualifier.clone()),
                    name: column_name.clone(),
                    ty: *ty,
                    hidden: false,
                })
                .collect(),
        };
        if with_ordinality {
            scope.columns.push(ScopeColumn {
                table: Some(qualifier.clone()),
                name: "ordinality".to_string(),
                ty: SqlType::Int8,
                hidden: false,
            });
        }
        if let Some(a) = alias {
            rename_columns(&mut scope, a)?;
        }
        let columns = scope.output_columns();
        Ok((
            Node::Unnest {
                args,
                columns,
                ordinality: with_ordinality,
            },
            scope,
        ))
    }

    /// A set-returning JSON function in FROM (or taken from a select
    /// list).
    fn plan_json_srf(
        &mut self,
        func: crate::types::json_srf::JsonSrf,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
    ) -> Result<(Node, Scope)> {
        let mut exprs = Vec::with_capacity(args.len());
        for a in args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => exprs.push(e),
                _ => {
                    return Err(EngineError::unsupported(format!(
                        "named arguments to {}",
                        func.name()
                    )))
                }
            }
        }
        let arity_ok = if func.takes_path() {
            (2..=4).contains(&exprs.len())
        } else {
            exprs.len() == 1
        };
        if !arity_ok {
            return Err(EngineError::new(
                SqlState::UndefinedFunction,
                format!(
                    "function {} with these arguments does not exist",
                    func.name()
                ),
            ));
        }
        let e = exprs[0];
        // jsonb_path_query's path, vars and silent arguments.
        let mut path = Vec::with_capacity(exprs.len() - 1);
        for (p, ty) in exprs[1..]
            .iter()
            .zip([SqlType::JsonPath, SqlType::Jsonb, SqlType::Bool])
        {
            let p = self.bind(p, &Scope::default())?;
            path.push(self.coerce(p, ty, CastKind::Implicit)?);
        }
        let arg = self.bind(e, &Scope::default())?;
        let want = func.arg_type();
        if !crate::types::can_cast(&arg.ty(), &want, CastKind::Implicit) {
            return Err(EngineError::new(
                SqlState::UndefinedFunction,
                format!(
                    "function {}({}) does not exist",
                    func.name(),
                    arg.ty().display_name()
                ),
            )
            .with_hint("No function matches the given name and argument types. You might need to add explicit type casts."));
        }
        let arg = self.coerce(arg, want, CastKind::Implicit)?;
        let qualifier = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| func.name().to_string());
        let mut scope = Scope {
            columns: func
                .columns()
                .into_iter()
                .map(|(name, ty)| ScopeColumn {
                    table: Some(qualifier.clone()),
                    name: if name.is_empty() {
                        qualifier.clone()
                    } else {
                        name.to_string()
                    },
                    ty,
                    hidden: false,
                })
                .collect(),
        };
        if let Some(a) = alias {
            rename_columns(&mut scope, a)?;
        }
        let columns = scope.output_columns();
        Ok((
            Node::JsonRows {
                func,
                arg,
                path,
                columns,
            },
            scope,
        ))
    }

    /// `json[b]_to_record[set](doc) AS x(col type, ...)`: the column
    /// definition list types the rows; 42601 without one, as PostgreSQL.
    fn plan_json_records(
        &mut self,
        fname: &str,
        is_json: bool,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
    ) -> Result<(Node, Scope)> {
        let func = match fname {
            "jsonb_to_record" => "jsonb_to_record",
            "jsonb_to_recordset" => "jsonb_to_recordset",
            "json_to_record" => "json_to_record",
            _ => "json_to_recordset",
        };
        let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e))] = args else {
            return Err(EngineError::new(
                SqlState::UndefinedFunction,
                format!("function {func} with these arguments does not exist"),
            ));
        };
        let want = if is_json {
            SqlType::Json
        } else {
            SqlType::Jsonb
        };
        let arg = self.bind(e, &Scope::default())?;
        let arg = self.coerce(arg, want, CastKind::Implicit)?;
        let defs = alias
            .map(|a| a.columns.as_slice())
            .filter(|c| !c.is_empty() && c.iter().all(|c| c.data_type.is_some()))
            .ok_or_else(|| {
                EngineError::new(
                    SqlState::SyntaxError,
                    "a column definition list is required for functions returning \"record\"",
                )
            })?;
        let qualifier = alias.map(|a| ident_name(&a.name)).unwrap_or_default();
        let mut columns = Vec::with_capacity(defs.len());
        let mut scope = Scope::default();
        for d in defs {
            let ty = d.data_type.as_ref().expect("checked above");
            let (ty, domain) = self.resolve_type_or_domain(ty)?;
            if domain.is_some() {
                return Err(EngineError::unsupported(format!(
                    "domain columns in the column definition list of {func}"
                )));
            }
            let name = ident_name(&d.name);
            scope.columns.push(ScopeColumn {
                table: Some(qualifier.clone()),
                name: name.clone(),
                ty,
                hidden: false,
            });
            columns.push(OutputColumn { name, ty });
        }
        Ok((
            Node::JsonRecords {
                func,
                arg,
                base: None,
                columns,
            },
            scope,
        ))
    }

    /// `pg_partition_ancestors(regclass)`: the relation followed by its
    /// ancestors in the partition tree. Rocksgres has no partitioning, and
    /// PostgreSQL returns no rows for a relation that is neither a
    /// partition nor partitioned (psql's queries add the relation itself
    /// with `UNION ALL VALUES`), so the result is empty; the argument is
    /// still bound, for its errors (an unknown relation name).
    fn plan_partition_ancestors(
        &mut self,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
        with_ordinality: bool,
    ) -> Result<(Node, Scope)> {
        let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e))] = args else {
            return Err(EngineError::new(
                SqlState::UndefinedFunction,
                "function pg_partition_ancestors with these arguments does not exist",
            ));
        };
        let ty = SqlType::Reg(RegKind::Class);
        // No row is produced; the argument is bound only to check the call
        // (an unknown relation name is not reported: the cast is never run).
        let arg = self.bind(e, &Scope::default())?;
        self.coerce(arg, ty, CastKind::Implicit)?;
        let qualifier = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| "pg_partition_ancestors".to_string());
        let mut scope = Scope {
            columns: vec![ScopeColumn {
                table: Some(qualifier.clone()),
                name: "relid".to_string(),
                ty,
                hidden: false,
            }],
        };
        if with_ordinality {
            scope.columns.push(ScopeColumn {
                table: Some(qualifier),
                name: "ordinality".to_string(),
                ty: SqlType::Int8,
                hidden: false,
            });
        }
        if let Some(a) = alias {
            rename_columns(&mut scope, a)?;
        }
        let columns = scope.output_columns();
        Ok((
            Node::Values {
                rows: Vec::new(),
                columns,
            },
            scope,
        ))
    }

    /// Plans the set-returning calls taken out of a select list: one
    /// function node, or for several a [`Node::RowsFrom`] that runs them in
    /// lockstep (as many rows as the longest, the others padded with
    /// `NULL`s, as PostgreSQL 10 and later do).
    fn plan_select_list_srfs(&mut self, srfs: &[SrfCall]) -> Result<(Node, Scope)> {
        let mut funcs = Vec::with_capacity(srfs.len());
        let mut scope = Scope::default();
        for (n, (fname, args)) in srfs.iter().enumerate() {
            let column = srf_column(n);
            if let Some(p) = crate::types::json_record::populate_by_name(fname) {
                let (node, sub) = self.plan_select_list_populate(p, args, &column)?;
                scope.columns.extend(sub.columns);
                funcs.push(node);
                continue;
            }
            // A function of several columns (`jsonb_each`) gives each
            // column as `<srf>.name`, for `(f(...)).name`, and the row
            // of them as a record, for the call itself.
            let fields: Vec<&str> = crate::types::json_srf::JsonSrf::by_name(fname)
                .map(|j| j.columns().into_iter().map(|(c, _)| c).collect())
                .filter(|c: &Vec<&str>| c.len() > 1)
                .unwrap_or_default();
            let names: Vec<String> = if fields.is_empty() {
                vec![column.clone()]
            } else {
                fields.iter().map(|f| format!("{column}.{f}")).collect()
            };
            let (mut node, sub) = self.plan_table_function(
                &ast::ObjectName::from(vec![ast::Ident::new(*fname)]),
                args,
                Some(&ast::TableAlias {
                    explicit: true,
                    name: ast::Ident::with_quote('"', column.clone()),
                    columns: names
                        .iter()
                        .map(|c| ast::TableAliasColumnDef {
                            name: ast::Ident::with_quote('"', c.clone()),
                            data_type: None,
                        })
                        .collect(),
                    at: None,
                }),
                false,
            )?;
            let mut sub_columns = sub.columns;
            if !fields.is_empty() {
                let mut exprs: Vec<Expr> = sub_columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| Expr::Column(i, c.ty))
                    .collect();
                exprs.push(crate::plan::row_expr::record_of(exprs.clone()));
                let mut columns = node.columns();
                columns.push(OutputColumn {
                    name: column.clone(),
                    ty: SqlType::Record,
                });
                sub_columns.push(ScopeColumn {
                    table: Some(column.clone()),
                    name: column,
                    ty: SqlType::Record,
                    hidden: false,
                });
                node = Node::Project {
                    input: Box::new(node),
                    exprs,
                    columns,
                };
            }
            scope.columns.extend(sub_columns);
            funcs.push(node);
        }
        if funcs.len() == 1 {
            return Ok((funcs.pop().expect("one function"), scope));
        }
        Ok((Node::RowsFrom { funcs }, scope))
    }

    fn plan_table_function(
        &mut self,
        name: &ast::ObjectName,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
        with_ordinality: bool,
    ) -> Result<(Node, Scope)> {
        let fname = name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map(ident_name)
            .unwrap_or_default();
        if fname == "unnest" {
            let mut exprs = Vec::with_capacity(args.len());
            for a in args {
                let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = a else {
                    return Err(EngineError::unsupported("unnest with named arguments"));
                };
                exprs.push(e);
            }
            if exprs.is_empty() {
                return Err(crate::types::functions::undefined_function("unnest", &[]));
            }
            return self.plan_unnest(&exprs, alias, with_ordinality);
        }
        if fname == "pg_partition_ancestors" {
            return self.plan_partition_ancestors(args, alias, with_ordinality);
        }
        if let Some(func) = crate::types::json_srf::JsonSrf::by_name(&fname) {
            if with_ordinality {
                return Err(EngineError::unsupported(format!(
                    "{fname}(...) WITH ORDINALITY"
                )));
            }
            return self.plan_json_srf(func, args, alias);
        }
        if with_ordinality {
            return Err(EngineError::unsupported(format!(
                "{fname}(...) WITH ORDINALITY"
            )));
        }
        if fname == "generate_subscripts" {
            return self.plan_generate_subscripts(args, alias);
        }
        if let Some((_, is_json)) = crate::types::json_record::by_name(&fname) {
            return self.plan_json_records(&fname, is_json, args, alias);
        }
        if let Some(func) = crate::types::json_record::populate_by_name(&fname) {
            return self.plan_json_populate(func, args, alias);
        }
        if fname != "generate_series" {
            return Err(EngineError::new(
                SqlState::UndefinedFunction,
                format!("function {fname} does not exist"),
            ));
        }
        let empty = Scope::default();
        let mut bound = Vec::new();
        for a in args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                    bound.push(self.bind(e, &empty)?)
                }
                _ => return Err(EngineError::unsupported("this generate_series call")),
            }
        }
        if !(2..=3).contains(&bound.len()) {
            return Err(EngineError::new(
                SqlState::UndefinedFunction,
                "function generate_series with these arguments does not exist",
            ));
        }
        let first = bound[0].ty();
        let (bound, ty) = if first.is_datetime_family() {
            // Timestamps stepped by an interval.
            if bound.len() != 3 {
                return Err(EngineError::new(
                    SqlState::UndefinedFunction,
                    "function generate_series(timestamp, timestamp) does not exist",
                ));
            }
            let t = if first == SqlType::Timestamptz(None) {
                SqlType::Timestamptz(None)
            } else {
                SqlType::Timestamp(None)
            };
            let mut it = bound.into_iter();
            let (a, b, c) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
            let a = self.coerce(a, t, CastKind::Implicit)?;
            let b = self.coerce(b, t, CastKind::Implicit)?;
            let c = self.coerce(c, SqlType::Interval(None), CastKind::Implicit)?;
            (vec![a, b, c], t)
        } else {
            let bound = self.unify(bound, "generate_series")?;
            let t = match bound[0].ty() {
                SqlType::Int2 | SqlType::Int4 => SqlType::Int4,
                SqlType::Int8 => SqlType::Int8,
                other => {
                    return Err(EngineError::unsupported(format!(
                        "generate_series over {}",
                        other.display_name()
                    )))
                }
            };
            let bound = bound
                .into_iter()
                .map(|e| self.coerce(e, t, CastKind::Implicit))
                .collect::<Result<Vec<_>>>()?;
            (bound, t)
        };
        let qualifier = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| fname.clone());
        let mut scope = Scope {
            columns: vec![ScopeColumn {
                table: Some(qualifier.clone()),
                name: qualifier,
                ty,
                hidden: false,
            }],
        };
        if let Some(a) = alias {
            rename_columns(&mut scope, a)?;
        }
        Ok((
            Node::Series {
                args: bound,
                column: crate::plan::node::OutputColumn {
                    name: scope.columns[0].name.clone(),
                    ty,
                },
            },
            scope,
        ))
    }
}

/// The columns of a sequence's one row, as PostgreSQL's.
const SEQUENCE_COLUMNS: [(&str, SqlType); 3] = [
    ("last_value", SqlType::Int8),
    ("log_cnt", SqlType::Int8),
    ("is_called", SqlType::Bool),
];

/// Output columns from a fixed list of names and types.
fn static_columns(columns: &[(&str, SqlType)]) -> Vec<OutputColumn> {
    columns
        .iter()
        .map(|(n, ty)| OutputColumn {
            name: n.to_string(),
            ty: *ty,
        })
        .collect()
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

impl Binder<'_> {
    /// `generate_subscripts(array, dim)`: the subscripts of dimension
    /// `dim`, a series from the lower to the upper bound (none for a
    /// `NULL` or empty array or a dimension it does not have).
    fn plan_generate_subscripts(
        &mut self,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
    ) -> Result<(Node, Scope)> {
        let mut bound = Vec::new();
        for a in args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                    let arg = self.bind(e, &Scope::default())?;
                    bound.push(self.devector(arg)?)
                }
                _ => return Err(EngineError::unsupported("this generate_subscripts call")),
            }
        }
        if bound.len() == 3 {
            return Err(EngineError::unsupported(
                "generate_subscripts(..., reverse)",
            ));
        }
        let types: Vec<SqlType> = bound.iter().map(Expr::ty).collect();
        let (2, Some(_)) = (bound.len(), types[0].element()) else {
            return Err(crate::types::functions::undefined_function(
                "generate_subscripts",
                &types,
            ));
        };
        let lower = self.call_function("array_lower", bound.clone())?;
        let upper = self.call_function("array_upper", bound)?;
        let one = Expr::Literal(Value::Int4(1), SqlType::Int4);
        let ty = SqlType::Int4;
        let qualifier = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| "generate_subscripts".to_string());
        let mut scope = Scope {
            columns: vec![ScopeColumn {
                table: Some(qualifier.clone()),
                name: qualifier,
                ty,
                hidden: false,
            }],
        };
        if let Some(a) = alias {
            rename_columns(&mut scope, a)?;
        }
        Ok((
            Node::Series {
                args: vec![lower, upper, one],
                column: OutputColumn {
                    name: scope.columns[0].name.clone(),
                    ty,
                },
            },
            scope,
        ))
    }
}

/// Splits `pred` over a lateral join of a function in FROM: the
/// conjuncts that read only the join's left columns (and nothing
/// volatile or correlated) become a filter on the left input; the rest
/// is returned for the join's output (`None` when nothing is left).
fn push_below_function(node: Node, pred: Expr) -> (Node, Option<Expr>) {
    let Node::Join {
        left,
        right,
        kind: JoinKind::Inner,
        on: None,
        lateral: true,
        hash: None,
    } = node
    else {
        return (node, Some(pred));
    };
    if !matches!(
        *right,
        Node::JsonRows { .. }
            | Node::JsonRecords { .. }
            | Node::Unnest { .. }
            | Node::Series { .. }
            | Node::RowsFrom { .. }
    ) {
        let node = Node::Join {
            left,
            right,
            kind: JoinKind::Inner,
            on: None,
            lateral: true,
            hash: None,
        };
        return (node, Some(pred));
    }
    let width = left.width();
    let mut parts = Vec::new();
    crate::plan::access::conjuncts(&pred, &mut parts);
    let (below, above): (Vec<Expr>, Vec<Expr>) =
        parts.into_iter().partition(|e| reads_only_below(e, width));
    let and_all = |v: Vec<Expr>| {
        v.into_iter()
            .reduce(|a, b| Expr::And(Box::new(a), Box::new(b)))
    };
    let left = match and_all(below) {
        Some(p) => Box::new(Node::Filter {
            input: left,
            predicate: p,
        }),
        None => left,
    };
    (
        Node::Join {
            left,
            right,
            kind: JoinKind::Inner,
            on: None,
            lateral: true,
            hash: None,
        },
        and_all(above),
    )
}

/// Whether `e` reads only columns below `width` of the current row and
/// nothing volatile or from a subquery.
fn reads_only_below(e: &Expr, width: usize) -> bool {
    e.is_movable() && e.column_span().is_none_or(|(_, hi)| hi < width)
}

/// Whether `f` is a function call in FROM (which may refer to the FROM
/// items to its left).
fn is_function_factor(f: &ast::TableFactor) -> bool {
    matches!(
        f,
        ast::TableFactor::UNNEST { .. }
            | ast::TableFactor::Table { args: Some(_), .. }
            | ast::TableFactor::Function { .. }
    )
}

/// Whether [`take_srfs`] finds a call in `e`.
fn has_srf(e: &AstExpr) -> bool {
    depth::guard(|| {
        match e {
        AstExpr::Function(f) => match &f.args {
            ast::FunctionArguments::List(_) if is_srf_name(&function_name(f)) => true,
            // An ordinary function over a set-returning call runs once
            // per row of it; an aggregate over one is refused later.
            ast::FunctionArguments::List(list) if !is_aggregate_call(f) => {
                list.args.iter().any(|a| {
                    matches!(a, ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) if has_srf(x))
                })
            }
            _ => false,
        },
        AstExpr::BinaryOp { left, right, .. } => has_srf(left) || has_srf(right),
        AstExpr::UnaryOp { expr, .. } | AstExpr::Nested(expr) | AstExpr::Cast { expr, .. } => {
            has_srf(expr)
        }
        // `(unnest(c)).a`: a field of each row of the call.
        AstExpr::CompoundFieldAccess { root, .. } => srf_field(e).is_some() || has_srf(root),
        _ => false,
    }
    })
}

/// Whether `f` calls an aggregate (not as a window function).
fn is_aggregate_call(f: &ast::Function) -> bool {
    (agg_func(&function_name(f)).is_some() && f.over.is_none())
        || crate::plan::ordered_set::is_ordered_set_call(f)
        || crate::plan::grouping_sets::is_grouping_call(f)
}

/// `(f(...)).field` of a set-returning function with several output
/// columns (`jsonb_each`, ...): the call and the field, when `field` is
/// one of its columns.
fn srf_field(e: &AstExpr) -> Option<(&ast::Function, String)> {
    let AstExpr::CompoundFieldAccess { root, access_chain } = e else {
        return None;
    };
    let [ast::AccessExpr::Dot(AstExpr::Identifier(field))] = access_chain.as_slice() else {
        return None;
    };
    let mut root = &**root;
    while let AstExpr::Nested(inner) = root {
        root = inner;
    }
    let AstExpr::Function(f) = root else {
        return None;
    };
    let fname = function_name(f);
    if crate::types::json_record::populate_by_name(&fname).is_some_and(|(_, set, _)| set) {
        // The fields are the base's type's, known once it is bound.
        return Some((f, ident_name(field)));
    }
    let func = crate::types::json_srf::JsonSrf::by_name(&fname)?;
    let field = ident_name(field);
    let columns = func.columns();
    (columns.len() > 1 && columns.iter().any(|(c, _)| *c == field)).then_some((f, field))
}

/// A grouped select whose list calls set-returning functions runs them
/// after grouping, as PostgreSQL's ProjectSet above the Agg: rewritten as
/// an outer select over the grouped one, `SELECT <items> FROM (SELECT
/// <every subexpression without a set-returning call> ... GROUP BY ...)`,
/// the calls left in the outer list over the inner columns. `None` when
/// the select is not such a query.
fn grouped_srf_rewrite(select: &ast::Select) -> Result<Option<ast::Select>> {
    let items: Vec<&AstExpr> = select
        .projection
        .iter()
        .filter_map(|item| match item {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                Some(e)
            }
            _ => None,
        })
        .collect();
    if !items.iter().any(|e| has_srf(e)) {
        return Ok(None);
    }
    let group_by = match &select.group_by {
        ast::GroupByExpr::Expressions(e, _) => e.as_slice(),
        ast::GroupByExpr::All(_) => &[],
    };
    let grouped =
        !group_by.is_empty() || select.having.is_some() || items.iter().any(|e| has_aggregate(e));
    if !grouped {
        return Ok(None);
    }
    let mut inner = select.clone();
    let mut hoisted = Vec::new();
    let mut outer_items = Vec::with_capacity(select.projection.len());
    for item in &select.projection {
        let (e, alias) = match item {
            ast::SelectItem::UnnamedExpr(e) => (e, ast::Ident::with_quote('"', output_name(e))),
            ast::SelectItem::ExprWithAlias { expr, alias } => (expr, alias.clone()),
            _ => return Err(EngineError::unsupported("SELECT * with GROUP BY")),
        };
        outer_items.push(ast::SelectItem::ExprWithAlias {
            expr: hoist(e, &mut hoisted)?,
            alias,
        });
    }
    // GROUP BY n names an item of the original list.
    if let ast::GroupByExpr::Expressions(exprs, _) = &mut inner.group_by {
        for g in exprs.iter_mut() {
            let AstExpr::Value(v) = g else { continue };
            let ast::Value::Number(n, _) = &v.value else {
                continue;
            };
            let pos: usize = n.parse().unwrap_or(0);
            match items.get(pos.wrapping_sub(1)) {
                Some(e) if !has_srf(e) => *g = (*e).clone(),
                Some(_) => {
                    return Err(EngineError::new(
                        SqlState::FeatureNotSupported,
                        "set-returning functions are not allowed in GROUP BY",
                    ))
                }
                None => {
                    return Err(EngineError::new(
                        SqlState::InvalidColumnReference,
                        format!("GROUP BY position {n} is not in select list"),
                    ))
                }
            }
        }
    }
    inner.distinct = None;
    inner.projection = hoisted
        .into_iter()
        .enumerate()
        .map(|(i, expr)| ast::SelectItem::ExprWithAlias {
            expr,
            alias: ast::Ident::with_quote('"', hoisted_column(i)),
        })
        .collect();
    let query = ast::Query {
        with: None,
        body: Box::new(ast::SetExpr::Select(Box::new(inner))),
        order_by: None,
        limit_clause: None,
        fetch: None,
        locks: Vec::new(),
        for_clause: None,
        settings: None,
        format_clause: None,
        pipe_operators: Vec::new(),
    };
    let mut outer = select.clone();
    outer.projection = outer_items;
    outer.selection = None;
    outer.having = None;
    outer.group_by = ast::GroupByExpr::Expressions(Vec::new(), Vec::new());
    outer.from = vec![ast::TableWithJoins {
        relation: ast::TableFactor::Derived {
            lateral: false,
            subquery: Box::new(query),
            alias: Some(ast::TableAlias {
                explicit: true,
                name: ast::Ident::with_quote('"', "\u{1}grouped"),
                columns: Vec::new(),
                at: None,
            }),
            sample: None,
        },
        joins: Vec::new(),
    }];
    Ok(Some(outer))
}

/// The inner column name of the `n`th hoisted subexpression.
fn hoisted_column(n: usize) -> String {
    format!("\u{1}h{n}")
}

/// `e` with every subexpression that calls no set-returning function
/// moved into `out` (replaced by a reference to its inner column).
fn hoist(e: &AstExpr, out: &mut Vec<AstExpr>) -> Result<AstExpr> {
    depth::guard(|| {
        if !has_srf(e) {
            out.push(e.clone());
            return Ok(AstExpr::Identifier(ast::Ident::with_quote(
                '"',
                hoisted_column(out.len() - 1),
            )));
        }
        Ok(match e {
            AstExpr::Function(f) => {
                let is_srf = is_srf_name(&function_name(f));
                let mut f = f.clone();
                if let ast::FunctionArguments::List(list) = &mut f.args {
                    for a in list.args.iter_mut() {
                        if let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) = a {
                            if is_srf && has_srf(x) {
                                return Err(EngineError::unsupported(
                                    "set-returning function calls nested in the arguments of \
                                     another in a grouped query",
                                ));
                            }
                            *x = hoist(x, out)?;
                        }
                    }
                }
                AstExpr::Function(f)
            }
            AstExpr::BinaryOp { left, op, right } => AstExpr::BinaryOp {
                left: Box::new(hoist(left, out)?),
                op: op.clone(),
                right: Box::new(hoist(right, out)?),
            },
            AstExpr::UnaryOp { op, expr } => AstExpr::UnaryOp {
                op: *op,
                expr: Box::new(hoist(expr, out)?),
            },
            AstExpr::Nested(expr) => AstExpr::Nested(Box::new(hoist(expr, out)?)),
            AstExpr::CompoundFieldAccess { root, access_chain } => AstExpr::CompoundFieldAccess {
                root: Box::new(hoist(root, out)?),
                access_chain: access_chain.clone(),
            },
            AstExpr::Cast {
                kind,
                expr,
                data_type,
                format,
            } => AstExpr::Cast {
                kind: kind.clone(),
                expr: Box::new(hoist(expr, out)?),
                data_type: data_type.clone(),
                format: format.clone(),
            },
            other => other.clone(),
        })
    })
}

/// The set-returning functions a select list may call.
fn is_srf_name(name: &str) -> bool {
    matches!(
        name,
        "generate_series" | "generate_subscripts" | "pg_partition_ancestors" | "unnest"
    ) || crate::types::json_srf::JsonSrf::by_name(name).is_some()
        || crate::types::json_record::populate_by_name(name).is_some_and(|(_, set, _)| set)
}

/// A set-returning call taken out of a select list: the function's name
/// and its arguments.
type SrfCall = (&'static str, Vec<ast::FunctionArg>);

/// The column name that stands for the `n`th set-returning call of a
/// select list (a name no user can write).
fn srf_column(n: usize) -> String {
    format!("\u{1}srf{n}")
}

/// Replaces every set-returning call (`generate_series(...)`,
/// `unnest(...)`, ...) inside `e` by a reference to its column and appends
/// the calls to `out` (simple expression forms only).
fn take_srfs(e: &mut AstExpr, out: &mut Vec<SrfCall>) {
    depth::guard(|| take_srfs_level(e, out))
}

fn take_srfs_level(e: &mut AstExpr, out: &mut Vec<SrfCall>) {
    match e {
        AstExpr::Function(f) if is_srf_name(&function_name(f)) => {
            let fname = function_name(f);
            let populate = crate::types::json_record::populate_by_name(&fname);
            let name = match crate::types::json_srf::JsonSrf::by_name(&fname) {
                Some(j) => j.name(),
                None if populate.is_some() => populate.map_or("", |p| p.0),
                None => match fname.as_str() {
                    "generate_series" => "generate_series",
                    "unnest" => "unnest",
                    "generate_subscripts" => "generate_subscripts",
                    _ => "pg_partition_ancestors",
                },
            };
            let ast::FunctionArguments::List(list) = &f.args else {
                return;
            };
            let args = list.args.clone();
            *e = AstExpr::Identifier(ast::Ident::with_quote('"', srf_column(out.len())));
            out.push((name, args));
        }
        AstExpr::Function(f) if !is_aggregate_call(f) => {
            if let ast::FunctionArguments::List(list) = &mut f.args {
                for a in list.args.iter_mut() {
                    if let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) = a {
                        take_srfs(x, out);
                    }
                }
            }
        }
        AstExpr::CompoundFieldAccess { .. } => {
            let Some((f, field)) = srf_field(e) else {
                if let AstExpr::CompoundFieldAccess { root, .. } = e {
                    take_srfs(root, out);
                }
                return;
            };
            let ast::FunctionArguments::List(list) = &f.args else {
                return;
            };
            let fname = function_name(f);
            let name = match crate::types::json_srf::JsonSrf::by_name(&fname) {
                Some(func) => func.name(),
                None => match crate::types::json_record::populate_by_name(&fname) {
                    Some((name, ..)) => name,
                    None => return,
                },
            };
            let args = list.args.clone();
            let column = format!("{}.{field}", srf_column(out.len()));
            *e = AstExpr::Identifier(ast::Ident::with_quote('"', column));
            out.push((name, args));
        }
        AstExpr::BinaryOp { left, right, .. } => {
            take_srfs(left, out);
            take_srfs(right, out);
        }
        AstExpr::UnaryOp { expr, .. } | AstExpr::Nested(expr) | AstExpr::Cast { expr, .. } => {
            take_srfs(expr, out)
        }
        _ => {}
    }
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

/// Rewrites column positions of `e` (same nesting level only).
/// Where column `i` of a left-then-right joined row sits in the row of a
/// RIGHT JOIN, which runs as a LEFT JOIN with the sides swapped.
fn swapped_index(i: usize, left_width: usize, right_width: usize) -> usize {
    if i < left_width {
        i + right_width
    } else {
        i - left_width
    }
}

/// Replaces a sort over `Project(Scan)` by scanning the primary index in
/// the requested order, when the keys are exactly its leading columns.
fn use_index_order(node: Node, keys: Vec<SortKey>) -> Node {
    if let Node::Project {
        input,
        exprs,
        columns,
    } = &node
    {
        if let Node::Scan(scan) = input.as_ref() {
            let pk = &scan.table.primary().columns;
            let all_desc = keys.iter().all(|k| k.descending);
            let all_asc = keys.iter().all(|k| !k.descending);
            // Only a scan of the primary index itself yields rows in its
            // order (a secondary index scan yields them in that index's).
            let reads_primary = matches!(
                scan.access,
                Access::Full
                    | Access::PkPoint(_)
                    | Access::PkRange { .. }
                    | Access::KeyRange { index: 0, .. }
            );
            let matches = reads_primary
                && !pk.is_empty()
                && keys.len() <= pk.len()
                && (all_desc || all_asc)
                && keys.iter().zip(pk.iter()).all(|(k, ic)| {
                    !ic.descending
                        && matches!(&k.expr, Expr::Column(p, _)
                            if matches!(exprs.get(*p), Some(Expr::Column(c, _)) if *c == ic.column))
                });
            if matches {
                let mut scan = scan.clone();
                // Primary-key columns are NOT NULL: NULL placement is moot.
                scan.reverse = all_desc;
                return Node::Project {
                    input: Box::new(Node::Scan(scan)),
                    exprs: exprs.clone(),
                    columns: columns.clone(),
                };
            }
            // A secondary index whose leading columns are the sort keys, read
            // forwards (ASC NULLS LAST) or backwards (DESC NULLS FIRST).
            // A scan through a secondary index already yields that index's
            // order; the sort keys may start after its equality prefix.
            let (chosen, skip) = match &scan.access {
                Access::Full => (None, 0),
                Access::IndexScan { index, eq, .. } | Access::KeyRange { index, eq, .. }
                    if *index != 0 =>
                {
                    (Some(*index), eq.len())
                }
                _ => (None, usize::MAX),
            };
            if skip != usize::MAX && (all_desc || all_asc) {
                // Whether the sort keys are the index's columns from `from`
                // on, read forwards (ASC NULLS LAST) or backwards (DESC
                // NULLS FIRST).
                let keys_match = |ix: &crate::catalog::IndexDesc, from: usize| {
                    keys.len() + from <= ix.columns.len()
                        && keys.iter().zip(&ix.columns[from..]).all(|(k, ic)| {
                            ic.expr.is_none()
                                && !ic.descending
                                && !ic.nulls_first
                                && k.nulls_first == all_desc
                                && matches!(&k.expr, Expr::Column(p, _)
                                    if matches!(exprs.get(*p), Some(Expr::Column(c, _)) if *c == ic.column))
                        })
                };
                let found = scan
                    .table
                    .indexes
                    .iter()
                    .enumerate()
                    .skip(1)
                    .find(|(pos, ix)| {
                        chosen.is_none_or(|c| c == *pos)
                            && ix.valid
                            && (keys_match(ix, 0) || (skip > 0 && keys_match(ix, skip)))
                    });
                if let Some((pos, _)) = found {
                    let mut scan = scan.clone();
                    if chosen.is_none() {
                        scan.access = Access::IndexScan {
                            index: pos,
                            eq: Vec::new(),
                            lower: None,
                            upper: None,
                        };
                    }
                    scan.reverse = all_desc;
                    return Node::Project {
                        input: Box::new(Node::Scan(scan)),
                        exprs: exprs.clone(),
                        columns: columns.clone(),
                    };
                }
            }
        }
    }
    Node::Sort {
        input: Box::new(node),
        keys,
    }
}

/// A literal `Value` as an expression (used by DML defaults).
pub fn literal(v: Value, ty: SqlType) -> Expr {
    Expr::Literal(v, ty)
}
