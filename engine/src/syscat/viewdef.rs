//! A view's definition as PostgreSQL prints it (`pg_get_viewdef`, psql's
//! `\d+`, `information_schema.views.view_definition`), and whether a view
//! is automatically updatable (`information_schema` `is_updatable`).
//!
//! PostgreSQL deparses the stored rule (`ruleutils.c`): one select-list
//! item a line, every column qualified with its `FROM` item's name,
//! relations schema-qualified where the path does not show them, `ORDER
//! BY` / `GROUP BY` ordinals replaced by the items they denote, operators
//! parenthesised (except in pretty mode). This module rebuilds that from
//! the stored text for plain `SELECT`s over relations and joins; the
//! expressions go through [`super::deparse`] where the `SELECT` reads one
//! table, else a simpler printer. A view of another shape (CTEs, set
//! operations, `DISTINCT`, subqueries in `FROM`) prints as its stored text.

use sqlparser::ast::{self, VisitMut, VisitorMut};

use super::functions::quote_ident;
use super::Snapshot;
use crate::catalog::{TableDesc, ViewDesc};
use crate::plan::bind::ident_name;

/// `pg_get_viewdef(v, pretty)`.
pub fn view_def(snap: &Snapshot, v: &ViewDesc, pretty: bool) -> String {
    deparse(snap, v, pretty).unwrap_or_else(|| format!(" {};", v.sql))
}

/// One `FROM` item of the `SELECT`.
struct Item<'s> {
    /// The name its columns are qualified with.
    refname: String,
    /// The table, when it is one.
    table: Option<&'s TableDesc>,
    /// Its column names.
    columns: Vec<String>,
}

/// The relation `(schema, name)` a view names `parts`, as it recorded.
fn resolve(v: &ViewDesc, parts: &[String]) -> Option<(String, String)> {
    match parts {
        [n] => match &v.bindings {
            Some(b) => b
                .iter()
                .find(|(x, _)| x == n)
                .map(|(_, s)| (s.clone(), n.clone())),
            None => Some((crate::catalog::DEFAULT_SCHEMA.to_string(), n.clone())),
        },
        [.., s, n] => Some((s.clone(), n.clone())),
        [] => None,
    }
}

struct Deparser<'s> {
    snap: &'s Snapshot,
    view: &'s ViewDesc,
    pretty: bool,
    items: Vec<Item<'s>>,
}

fn deparse(snap: &Snapshot, v: &ViewDesc, pretty: bool) -> Option<String> {
    let q = crate::exec::view_rename::parse_view(v)?;
    if q.with.is_some() || q.fetch.is_some() || !q.locks.is_empty() {
        return None;
    }
    let ast::SetExpr::Select(s) = q.body.as_ref() else {
        return None;
    };
    if s.distinct.is_some() || matches!(s.group_by, ast::GroupByExpr::All(_)) {
        return None;
    }
    let mut d = Deparser {
        snap,
        view: v,
        pretty,
        items: Vec::new(),
    };
    for twj in &s.from {
        d.collect(&twj.relation)?;
        for j in &twj.joins {
            d.collect(&j.relation)?;
        }
    }
    // The select list: (expression text, output name, expression).
    let mut targets: Vec<(String, ast::Expr)> = Vec::new();
    let mut out = String::from(" SELECT ");
    let mut lines = Vec::new();
    let mut pos = 0;
    for item in &s.projection {
        match item {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                let name = v.columns.get(pos)?.clone();
                pos += 1;
                let text = d.expr(e)?;
                let natural = match e {
                    ast::Expr::Identifier(id) => Some(ident_name(id)),
                    ast::Expr::CompoundIdentifier(ids) => ids.last().map(ident_name),
                    _ => None,
                };
                if natural.as_deref() == Some(name.as_str()) {
                    lines.push(text.clone());
                } else {
                    lines.push(format!("{text} AS {}", quote_ident(&name)));
                }
                targets.push((text, e.clone()));
            }
            ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                let only = match item {
                    ast::SelectItem::QualifiedWildcard(
                        ast::SelectItemQualifiedWildcardKind::ObjectName(n),
                        _,
                    ) => Some(ident_name(n.0.last()?.as_ident()?)),
                    ast::SelectItem::Wildcard(_) => None,
                    _ => return None,
                };
                for it in &d.items {
                    if only.as_ref().is_some_and(|o| *o != it.refname) {
                        continue;
                    }
                    for c in &it.columns {
                        let text = format!("{}.{}", quote_ident(&it.refname), quote_ident(c));
                        if v.columns.get(pos) != Some(c) {
                            return None;
                        }
                        pos += 1;
                        lines.push(text.clone());
                        targets.push((text, ast::Expr::Identifier(ast::Ident::new(c.clone()))));
                    }
                }
            }
            _ => return None,
        }
    }
    if pos != v.columns.len() {
        return None;
    }
    out.push_str(&lines.join(",\n    "));
    if !s.from.is_empty() {
        let mut froms = Vec::new();
        for twj in &s.from {
            let mut text = d.factor(&twj.relation)?;
            for j in &twj.joins {
                let right = d.factor(&j.relation)?;
                let (kw, c) = match &j.join_operator {
                    ast::JoinOperator::Join(c) | ast::JoinOperator::Inner(c) => ("JOIN", c),
                    ast::JoinOperator::Left(c) | ast::JoinOperator::LeftOuter(c) => {
                        ("LEFT JOIN", c)
                    }
                    ast::JoinOperator::Right(c) | ast::JoinOperator::RightOuter(c) => {
                        ("RIGHT JOIN", c)
                    }
                    ast::JoinOperator::FullOuter(c) => ("FULL JOIN", c),
                    ast::JoinOperator::CrossJoin(c) => ("CROSS JOIN", c),
                    _ => return None,
                };
                text = match c {
                    ast::JoinConstraint::On(e) => {
                        let on = d.expr_with(e, false)?;
                        format!("({text}\n     {kw} {right} ON ({on}))")
                    }
                    ast::JoinConstraint::None => format!("({text}\n     {kw} {right})"),
                    _ => return None,
                };
            }
            froms.push(text);
        }
        out.push_str("\n   FROM ");
        out.push_str(&froms.join(",\n    "));
    }
    if let Some(w) = &s.selection {
        out.push_str("\n  WHERE ");
        out.push_str(&d.expr(w)?);
    }
    if let ast::GroupByExpr::Expressions(exprs, modifiers) = &s.group_by {
        if !modifiers.is_empty() {
            return None;
        }
        if !exprs.is_empty() {
            let mut g = Vec::new();
            for e in exprs {
                g.push(d.sort_expr(e, &targets)?);
            }
            out.push_str("\n  GROUP BY ");
            out.push_str(&g.join(", "));
        }
    }
    if let Some(h) = &s.having {
        out.push_str("\n  HAVING ");
        out.push_str(&d.expr(h)?);
    }
    if let Some(ob) = &q.order_by {
        let ast::OrderByKind::Expressions(exprs) = &ob.kind else {
            return None;
        };
        let mut parts = Vec::new();
        for o in exprs {
            let mut text = d.sort_expr(&o.expr, &targets)?;
            let desc = match &o.options.sort {
                None | Some(ast::OrderBySort::Asc) => false,
                Some(ast::OrderBySort::Desc) => true,
                Some(ast::OrderBySort::Using(_)) => return None,
            };
            if desc {
                text.push_str(" DESC");
            }
            match (o.options.nulls_first, desc) {
                (Some(true), false) => text.push_str(" NULLS FIRST"),
                (Some(false), true) => text.push_str(" NULLS LAST"),
                _ => {}
            }
            parts.push(text);
        }
        out.push_str("\n  ORDER BY ");
        out.push_str(&parts.join(", "));
    }
    match &q.limit_clause {
        None => {}
        Some(ast::LimitClause::LimitOffset {
            limit,
            offset,
            limit_by,
        }) if limit_by.is_empty() => {
            if let Some(o) = offset {
                out.push_str("\n OFFSET ");
                out.push_str(&d.expr(&o.value)?);
            }
            if let Some(l) = limit {
                out.push_str("\n LIMIT ");
                out.push_str(&d.expr(l)?);
            }
        }
        _ => return None,
    }
    out.push(';');
    Some(out)
}

impl<'s> Deparser<'s> {
    fn collect(&mut self, f: &ast::TableFactor) -> Option<()> {
        match f {
            ast::TableFactor::Table {
                name, alias, args, ..
            } if args.is_none() => {
                let parts: Vec<String> = name
                    .0
                    .iter()
                    .map(|p| p.as_ident().map(ident_name))
                    .collect::<Option<_>>()?;
                let (schema, rel) = resolve(self.view, &parts)?;
                let refname = alias
                    .as_ref()
                    .map_or_else(|| rel.clone(), |a| ident_name(&a.name));
                if alias.as_ref().is_some_and(|a| !a.columns.is_empty()) {
                    return None;
                }
                let snap = self.snap;
                if let Some(t) = snap
                    .tables
                    .iter()
                    .find(|t| t.schema == schema && t.name == rel)
                {
                    self.items.push(Item {
                        refname,
                        table: Some(t),
                        columns: t
                            .columns
                            .iter()
                            .filter(|c| !c.dropped)
                            .map(|c| c.name.clone())
                            .collect(),
                    });
                } else if let Some(v) = snap
                    .views
                    .iter()
                    .find(|v| v.schema == schema && v.name == rel)
                {
                    self.items.push(Item {
                        refname,
                        table: None,
                        columns: v.columns.clone(),
                    });
                } else {
                    return None;
                }
                Some(())
            }
            ast::TableFactor::NestedJoin {
                table_with_joins,
                alias: None,
            } => {
                self.collect(&table_with_joins.relation)?;
                for j in &table_with_joins.joins {
                    self.collect(&j.relation)?;
                }
                Some(())
            }
            _ => None,
        }
    }

    /// How `FROM` names a relation item: schema-qualified unless the path
    /// shows it, then its alias.
    fn factor(&self, f: &ast::TableFactor) -> Option<String> {
        let ast::TableFactor::Table { name, alias, .. } = f else {
            return None;
        };
        let parts: Vec<String> = name
            .0
            .iter()
            .map(|p| p.as_ident().map(ident_name))
            .collect::<Option<_>>()?;
        let (schema, rel) = resolve(self.view, &parts)?;
        let visible = self
            .snap
            .search_path
            .iter()
            .find_map(|(s, _)| {
                let here = self
                    .snap
                    .tables
                    .iter()
                    .any(|t| t.schema == *s && t.name == rel)
                    || self
                        .snap
                        .views
                        .iter()
                        .any(|v| v.schema == *s && v.name == rel);
                here.then_some(s)
            })
            .is_some_and(|s| *s == schema);
        let mut text = if visible {
            quote_ident(&rel)
        } else {
            format!("{}.{}", quote_ident(&schema), quote_ident(&rel))
        };
        if let Some(a) = alias {
            text.push(' ');
            text.push_str(&quote_ident(&ident_name(&a.name)));
        }
        Some(text)
    }

    /// `e` with its columns qualified by their items.
    fn qualified(&self, e: &ast::Expr) -> Option<ast::Expr> {
        struct Q<'a, 's> {
            items: &'a [Item<'s>],
        }
        impl VisitorMut for Q<'_, '_> {
            type Break = ();
            fn pre_visit_query(&mut self, _: &mut ast::Query) -> std::ops::ControlFlow<()> {
                std::ops::ControlFlow::Break(())
            }
            fn pre_visit_expr(&mut self, e: &mut ast::Expr) -> std::ops::ControlFlow<()> {
                if let ast::Expr::Identifier(id) = e {
                    let n = ident_name(id);
                    let mut owners = self.items.iter().filter(|i| i.columns.contains(&n));
                    match (owners.next(), owners.next()) {
                        (Some(i), None) => {
                            *e = ast::Expr::CompoundIdentifier(vec![
                                crate::exec::view_rename::ident(&i.refname),
                                id.clone(),
                            ]);
                        }
                        _ => return std::ops::ControlFlow::Break(()),
                    }
                }
                std::ops::ControlFlow::Continue(())
            }
        }
        let mut e = e.clone();
        let mut q = Q { items: &self.items };
        if VisitMut::visit(&mut e, &mut q).is_break() {
            return None;
        }
        Some(e)
    }

    fn expr(&self, e: &ast::Expr) -> Option<String> {
        self.expr_with(e, self.pretty)
    }

    fn expr_with(&self, e: &ast::Expr, pretty: bool) -> Option<String> {
        let q = self.qualified(e)?;
        if let [Item {
            refname,
            table: Some(t),
            ..
        }] = self.items.as_slice()
        {
            if let Some(s) = super::deparse::view_expr_def(t, refname, &q, pretty) {
                return Some(s);
            }
        }
        Some(simple(&q, !pretty))
    }

    /// A `GROUP BY` / `ORDER BY` expression: an ordinal or an output name
    /// stands for its select-list item.
    fn sort_expr(&self, e: &ast::Expr, targets: &[(String, ast::Expr)]) -> Option<String> {
        if let ast::Expr::Value(v) = e {
            if let ast::Value::Number(n, _) = &v.value {
                let i: usize = n.parse().ok()?;
                return targets.get(i.checked_sub(1)?).map(|(t, _)| t.clone());
            }
        }
        if let ast::Expr::Identifier(id) = e {
            let n = ident_name(id);
            let own = self.items.iter().any(|i| i.columns.contains(&n));
            if !own {
                let pos = self.view.columns.iter().position(|c| *c == n)?;
                return targets.get(pos).map(|(t, _)| t.clone());
            }
        }
        self.expr(e)
    }
}

/// A printer for what [`super::deparse`] does not rebuild: operators in
/// parentheses (`paren`), the rest as written.
fn simple(e: &ast::Expr, paren: bool) -> String {
    match e {
        ast::Expr::CompoundIdentifier(ids) => ids
            .iter()
            .map(|i| quote_ident(&ident_name(i)))
            .collect::<Vec<_>>()
            .join("."),
        ast::Expr::Nested(inner) => simple(inner, paren),
        ast::Expr::BinaryOp { left, op, right } => {
            let s = format!("{} {op} {}", simple(left, true), simple(right, true));
            if paren {
                format!("({s})")
            } else {
                s
            }
        }
        other => other.to_string(),
    }
}

/// For an automatically updatable view (PostgreSQL's rules: one relation,
/// no aggregates, DISTINCT, GROUP BY, set operations, LIMIT), whether each
/// output column is updatable (a plain column); `None` when it is not.
pub fn updatable_columns(snap: &Snapshot, v: &ViewDesc) -> Option<Vec<bool>> {
    updatable_at(snap, v, 0)
}

/// [`updatable_columns`] of a view read through `depth` others (views made
/// cyclic by CREATE OR REPLACE end at a bound).
fn updatable_at(snap: &Snapshot, v: &ViewDesc, depth: usize) -> Option<Vec<bool>> {
    if depth > 32 {
        return None;
    }
    let q = crate::exec::view_rename::parse_view(v)?;
    if q.with.is_some() || q.limit_clause.is_some() || q.fetch.is_some() {
        return None;
    }
    let ast::SetExpr::Select(s) = q.body.as_ref() else {
        return None;
    };
    let grouped = !matches!(&s.group_by, ast::GroupByExpr::Expressions(e, _) if e.is_empty());
    if s.distinct.is_some() || s.having.is_some() || grouped || s.from.len() != 1 {
        return None;
    }
    let twj = &s.from[0];
    if !twj.joins.is_empty() {
        return None;
    }
    let ast::TableFactor::Table { name, args, .. } = &twj.relation else {
        return None;
    };
    if args.is_some() {
        return None;
    }
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| p.as_ident().map(ident_name))
        .collect::<Option<_>>()?;
    let (schema, rel) = resolve(v, &parts)?;
    let base_columns: Vec<String> = if let Some(t) = snap
        .tables
        .iter()
        .find(|t| t.schema == schema && t.name == rel)
    {
        t.columns
            .iter()
            .filter(|c| !c.dropped)
            .map(|c| c.name.clone())
            .collect()
    } else {
        let base = snap
            .views
            .iter()
            .find(|b| b.schema == schema && b.name == rel && b.oid != v.oid)?;
        updatable_at(snap, base, depth + 1)?;
        base.columns.clone()
    };
    let mut out = Vec::new();
    for item in &s.projection {
        match item {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                if contains_aggregate(e) {
                    return None;
                }
                out.push(matches!(
                    e,
                    ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_)
                ));
            }
            ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                out.extend(base_columns.iter().map(|_| true));
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Whether `e` calls an aggregate or window function.
fn contains_aggregate(e: &ast::Expr) -> bool {
    const AGGREGATES: &[&str] = &[
        "count",
        "sum",
        "avg",
        "min",
        "max",
        "array_agg",
        "string_agg",
        "bool_and",
        "bool_or",
        "every",
        "json_agg",
        "jsonb_agg",
        "json_object_agg",
        "jsonb_object_agg",
        "bit_and",
        "bit_or",
        "stddev",
        "variance",
    ];
    let text = e.to_string().to_lowercase();
    AGGREGATES.iter().any(|a| text.contains(&format!("{a}("))) || text.contains(" over ")
}
