//! Planning one `SELECT` block, in SQL's evaluation order: FROM (see
//! [`super::from`]), then WHERE, then GROUP BY with its aggregates and
//! HAVING, window functions, the select list, DISTINCT or DISTINCT ON,
//! and ORDER BY.
//!
//! Set-returning calls in the select list multiply the rows: they are
//! taken out of the list and planned as a lateral join with the function
//! (several run in lockstep, as PostgreSQL's ProjectSet), each call
//! replaced by a reference to its column. WHERE conjuncts are pushed down
//! before joins get their algorithm. GROUPING SETS, ROLLUP and CUBE group
//! by the distinct expressions of all sets, and each set picks among them.
//! ORDER BY names an output column by name or position, else computes a
//! hidden column (PostgreSQL's "resjunk") that is dropped after the sort;
//! DISTINCT ON expressions are (possibly hidden) output columns too.

use sqlparser::ast::{self as ast, Expr as AstExpr};

use super::aggregate::has_aggregate;
use super::srf_rewrite::{grouped_srf_rewrite, has_srf, take_srfs, SrfCall};
use super::table_functions::push_below_function;
use super::{output_name, sort_key};
use crate::error::{EngineError, Result, SqlState};
use crate::plan::bind::{AggMode, Binder, Scope};
use crate::plan::expr::Expr;
use crate::plan::node::{JoinKind, Node, OutputColumn};
use crate::plan::optimize::access::choose_access;
use crate::plan::optimize::index_order::use_index_order;
use crate::sql::identifiers::ident_name;
use crate::types::{CastKind, SqlType};

impl Binder<'_> {
    pub(super) fn plan_select(
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
}
