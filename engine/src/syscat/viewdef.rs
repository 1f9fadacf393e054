//! A view's definition as PostgreSQL prints it (`pg_get_viewdef`, psql's
//! `\d+`, `information_schema.views.view_definition`), and whether a view
//! is automatically updatable (`information_schema` `is_updatable`).
//!
//! PostgreSQL deparses the stored rule (`ruleutils.c`): one select-list
//! item a line, every column qualified with its `FROM` item's name,
//! relations schema-qualified where the path does not show them, `ORDER
//! BY` / `GROUP BY` ordinals replaced by the items they denote, operators
//! parenthesised (except in pretty mode). This module rebuilds that from
//! the stored text for `SELECT`s (`DISTINCT [ON]` included) over
//! relations, joins, subqueries in `FROM` and CTEs, with named `WINDOW`s,
//! under `WITH` and set operations (`UNION`, `INTERSECT`, `EXCEPT`),
//! indenting nested queries
//! as `ruleutils.c` does (8 columns a level). The expressions go through
//! [`super::deparse`] where the `SELECT` reads one table, else a simpler
//! printer. A view of another shape (recursive CTEs, `LATERAL`, a
//! subquery in an expression, ...) prints as its stored text.

use sqlparser::ast::{self, VisitMut, VisitorMut};

use super::Snapshot;
use crate::catalog::{TableDesc, ViewDesc};
use crate::sql::identifiers::{ident_name, quote_ident};

/// `pg_get_viewdef(v, pretty)`.
pub fn view_def(snap: &Snapshot, v: &ViewDesc, pretty: bool) -> String {
    deparse(snap, v, pretty)
        .unwrap_or_else(|| format!(" {};", crate::sql::cte_clauses::restore(&v.sql)))
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

/// A CTE in scope: its name and its output column names.
type Cte = (String, Vec<String>);

/// PostgreSQL's indentation step (`PRETTYINDENT_STD`).
const STEP: usize = 8;

fn pad(n: usize) -> String {
    " ".repeat(n)
}

/// What every query of one view's definition prints with.
#[derive(Clone, Copy)]
struct Env<'s> {
    snap: &'s Snapshot,
    view: &'s ViewDesc,
    pretty: bool,
}

/// The printer of one `SELECT`.
struct Deparser<'s> {
    snap: &'s Snapshot,
    view: &'s ViewDesc,
    pretty: bool,
    items: Vec<Item<'s>>,
    /// The CTEs its `FROM` may name.
    ctes: Vec<Cte>,
    /// Its output column names.
    names: Vec<String>,
    /// Its indentation level (`ruleutils.c`'s `indentLevel` before it).
    indent: usize,
}

fn deparse(snap: &Snapshot, v: &ViewDesc, pretty: bool) -> Option<String> {
    let q = crate::catalog::view::parse_view(v)?;
    let env = Env {
        snap,
        view: v,
        pretty,
    };
    let mut out = query_def(env, &q, Some(&v.columns), 0, &[])?;
    out.push(';');
    Some(out)
}

/// `q` as `get_query_def` prints it at indentation `indent`: `names` are
/// the output names a view's columns give (`None`: the query's own).
fn query_def(
    env: Env<'_>,
    q: &ast::Query,
    names: Option<&[String]>,
    indent: usize,
    ctes: &[Cte],
) -> Option<String> {
    if q.fetch.is_some()
        || !q.locks.is_empty()
        || q.for_clause.is_some()
        || q.settings.is_some()
        || q.format_clause.is_some()
        || !q.pipe_operators.is_empty()
    {
        return None;
    }
    let mut out = String::new();
    let mut scope: Vec<Cte> = ctes.to_vec();
    if let Some(with) = &q.with {
        if with.recursive {
            return None;
        }
        out.push_str(" WITH ");
        for (i, cte) in with.cte_tables.iter().enumerate() {
            if cte.materialized.is_some() || cte.from.is_some() {
                return None;
            }
            if i > 0 {
                out.push_str(", ");
            }
            let name = ident_name(&cte.alias.name);
            out.push_str(&quote_ident(&name));
            let mut cols = output_names(env, &cte.query, &scope)?;
            if !cte.alias.columns.is_empty() {
                if cte.alias.columns.len() > cols.len()
                    || cte.alias.columns.iter().any(|c| c.data_type.is_some())
                {
                    return None;
                }
                let given: Vec<String> = cte
                    .alias
                    .columns
                    .iter()
                    .map(|c| ident_name(&c.name))
                    .collect();
                out.push('(');
                out.push_str(
                    &given
                        .iter()
                        .map(|c| quote_ident(c))
                        .collect::<Vec<_>>()
                        .join(", "),
                );
                out.push(')');
                for (slot, g) in cols.iter_mut().zip(given) {
                    *slot = g;
                }
            }
            let body = query_def(env, &cte.query, None, indent + STEP, &scope)?;
            out.push_str(" AS (\n");
            out.push_str(&pad(indent + STEP));
            out.push_str(&body);
            out.push('\n');
            out.push_str(&pad(indent + STEP));
            out.push(')');
            scope.push((name, cols));
        }
        out.push('\n');
        out.push_str(&pad(indent));
    }
    match q.body.as_ref() {
        ast::SetExpr::Select(s) => {
            out.push_str(&select_def(env, s, Some(q), names, indent, &scope)?);
        }
        ast::SetExpr::SetOperation { .. } => {
            out.push_str(&setop_def(env, &q.body, names, indent, &scope)?);
            let cols = match names {
                Some(n) => n.to_vec(),
                None => output_names(env, q, &scope)?,
            };
            // The sort keys by column number, as PostgreSQL prints them.
            let sort = |e: &ast::Expr| -> Option<String> {
                match e {
                    ast::Expr::Value(v) => match &v.value {
                        ast::Value::Number(n, _) => Some(n.clone()),
                        _ => None,
                    },
                    ast::Expr::Identifier(id) => {
                        let n = ident_name(id);
                        cols.iter()
                            .position(|c| *c == n)
                            .map(|i| (i + 1).to_string())
                    }
                    _ => None,
                }
            };
            let expr = |e: &ast::Expr| -> Option<String> {
                match e {
                    ast::Expr::Value(_) => Some(e.to_string()),
                    _ => None,
                }
            };
            out.push_str(&tail(q, indent, &sort, &expr)?);
        }
        _ => return None,
    }
    Some(out)
}

/// A set operation's operand without the parentheses around it (a
/// parenthesised query that adds nothing else).
fn operand(e: &ast::SetExpr) -> Option<&ast::SetExpr> {
    match e {
        ast::SetExpr::Query(q) => {
            if q.with.is_some()
                || q.order_by.is_some()
                || q.limit_clause.is_some()
                || q.fetch.is_some()
                || !q.locks.is_empty()
            {
                return None;
            }
            operand(&q.body)
        }
        other => Some(other),
    }
}

/// A set operation as `get_setop_query` prints it.
fn setop_def(
    env: Env<'_>,
    body: &ast::SetExpr,
    names: Option<&[String]>,
    indent: usize,
    scope: &[Cte],
) -> Option<String> {
    let (left, op, quantifier, right) = match operand(body)? {
        ast::SetExpr::Select(s) => return select_def(env, s, None, names, indent, scope),
        ast::SetExpr::SetOperation {
            left,
            op,
            set_quantifier,
            right,
        } => (left, op, set_quantifier, right),
        _ => return None,
    };
    let kw = match op {
        ast::SetOperator::Union => "UNION",
        ast::SetOperator::Except => "EXCEPT",
        ast::SetOperator::Intersect => "INTERSECT",
        _ => return None,
    };
    let all = |q: &ast::SetQuantifier| -> Option<bool> {
        match q {
            ast::SetQuantifier::All => Some(true),
            ast::SetQuantifier::Distinct | ast::SetQuantifier::None => Some(false),
            _ => None,
        }
    };
    let is_all = all(quantifier)?;
    let mut out = String::new();
    // A left operand that is another kind of set operation is in
    // parentheses, one line further in.
    let left = operand(left)?;
    let left_paren = match left {
        ast::SetExpr::SetOperation {
            op: lop,
            set_quantifier: lq,
            ..
        } => !(lop == op && all(lq)? == is_all),
        _ => false,
    };
    if left_paren {
        out.push_str("(\n");
        out.push_str(&pad(indent + STEP));
        out.push_str(&setop_def(env, left, names, indent + STEP, scope)?);
        out.push('\n');
        out.push_str(&pad(indent));
        out.push_str(") ");
    } else {
        out.push_str(&setop_def(env, left, names, indent, scope)?);
        out.push('\n');
        out.push_str(&pad(indent));
    }
    out.push_str(kw);
    if is_all {
        out.push_str(" ALL");
    }
    let right = operand(right)?;
    let right_paren = matches!(right, ast::SetExpr::SetOperation { .. });
    let sub = if right_paren {
        out.push_str(" (");
        STEP
    } else {
        0
    };
    out.push('\n');
    out.push_str(&pad(indent + sub));
    out.push_str(&setop_def(env, right, names, indent + sub, scope)?);
    if right_paren {
        out.push('\n');
        out.push_str(&pad(indent));
        out.push(')');
    }
    Some(out)
}

/// The name PostgreSQL gives an unnamed select-list item
/// (`FigureColname`), where we know it.
fn figure_colname(e: &ast::Expr) -> Option<String> {
    match e {
        ast::Expr::Identifier(id) => Some(ident_name(id)),
        ast::Expr::CompoundIdentifier(ids) => ids.last().map(ident_name),
        ast::Expr::Function(f) => f.name.0.last()?.as_ident().map(ident_name),
        ast::Expr::Nested(inner) => figure_colname(inner),
        ast::Expr::Cast { expr, .. } => match expr.as_ref() {
            ast::Expr::Identifier(_)
            | ast::Expr::CompoundIdentifier(_)
            | ast::Expr::Function(_) => figure_colname(expr),
            _ => None,
        },
        ast::Expr::Case { .. } => Some("case".to_string()),
        ast::Expr::Value(_)
        | ast::Expr::BinaryOp { .. }
        | ast::Expr::UnaryOp { .. }
        | ast::Expr::IsNull(_)
        | ast::Expr::IsNotNull(_) => Some("?column?".to_string()),
        _ => None,
    }
}

/// The output column names of query `q`: those of its first `SELECT`.
fn output_names(env: Env<'_>, q: &ast::Query, scope: &[Cte]) -> Option<Vec<String>> {
    let mut body = q.body.as_ref();
    let s = loop {
        match body {
            ast::SetExpr::Select(s) => break s,
            ast::SetExpr::SetOperation { left, .. } => body = left,
            ast::SetExpr::Query(inner) => body = &inner.body,
            _ => return None,
        }
    };
    let mut d = Deparser::new(env, scope, 0);
    for twj in &s.from {
        d.collect(&twj.relation)?;
        for j in &twj.joins {
            d.collect(&j.relation)?;
        }
    }
    let mut out = Vec::new();
    for item in &s.projection {
        match item {
            ast::SelectItem::UnnamedExpr(e) => out.push(figure_colname(e)?),
            ast::SelectItem::ExprWithAlias { alias, .. } => out.push(ident_name(alias)),
            ast::SelectItem::Wildcard(_) => {
                for it in &d.items {
                    out.extend(it.columns.iter().cloned());
                }
            }
            ast::SelectItem::QualifiedWildcard(
                ast::SelectItemQualifiedWildcardKind::ObjectName(n),
                _,
            ) => {
                let only = ident_name(n.0.last()?.as_ident()?);
                let it = d.items.iter().find(|i| i.refname == only)?;
                out.extend(it.columns.iter().cloned());
            }
            _ => return None,
        }
    }
    Some(out)
}

/// A query's `ORDER BY`, `OFFSET` and `LIMIT`, the sort keys printed by
/// `sort` and the counts by `expr`.
fn tail(
    q: &ast::Query,
    indent: usize,
    sort: &dyn Fn(&ast::Expr) -> Option<String>,
    expr: &dyn Fn(&ast::Expr) -> Option<String>,
) -> Option<String> {
    let mut out = String::new();
    if let Some(ob) = &q.order_by {
        let ast::OrderByKind::Expressions(exprs) = &ob.kind else {
            return None;
        };
        let mut parts = Vec::new();
        for o in exprs {
            let mut text = sort(&o.expr)?;
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
        out.push('\n');
        out.push_str(&pad(indent + 1));
        out.push_str(" ORDER BY ");
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
                out.push('\n');
                out.push_str(&pad(indent));
                out.push_str(" OFFSET ");
                out.push_str(&expr(&o.value)?);
            }
            if let Some(l) = limit {
                out.push('\n');
                out.push_str(&pad(indent));
                out.push_str(" LIMIT ");
                out.push_str(&expr(l)?);
            }
        }
        _ => return None,
    }
    Some(out)
}

/// One `SELECT` as `get_basic_select_query` prints it at indentation
/// `indent`, with the `ORDER BY` / `LIMIT` of `query` when it is the
/// query's body.
fn select_def(
    env: Env<'_>,
    s: &ast::Select,
    query: Option<&ast::Query>,
    names: Option<&[String]>,
    indent: usize,
    scope: &[Cte],
) -> Option<String> {
    if matches!(s.group_by, ast::GroupByExpr::All(_)) {
        return None;
    }
    let mut d = Deparser::new(env, scope, indent);
    for twj in &s.from {
        d.collect(&twj.relation)?;
        for j in &twj.joins {
            d.collect(&j.relation)?;
        }
    }
    // The select list: (expression text, output name, expression).
    let mut targets: Vec<(String, ast::Expr)> = Vec::new();
    let mut out = String::from(" SELECT");
    match &s.distinct {
        None | Some(ast::Distinct::All) => {}
        Some(ast::Distinct::Distinct) => out.push_str(" DISTINCT"),
        Some(ast::Distinct::On(exprs)) => {
            let mut on = Vec::new();
            for e in exprs {
                on.push(d.expr(e)?);
            }
            out.push_str(" DISTINCT ON (");
            out.push_str(&on.join(", "));
            out.push(')');
        }
    }
    out.push(' ');
    let mut lines = Vec::new();
    let mut pos = 0;
    for item in &s.projection {
        match item {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                let name = match (names, item) {
                    (Some(n), _) => n.get(pos)?.clone(),
                    (None, ast::SelectItem::ExprWithAlias { alias, .. }) => ident_name(alias),
                    (None, _) => figure_colname(e)?,
                };
                d.names.push(name.clone());
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
                        if names.is_some_and(|n| n.get(pos) != Some(c)) {
                            return None;
                        }
                        d.names.push(c.clone());
                        pos += 1;
                        lines.push(text.clone());
                        targets.push((text, ast::Expr::Identifier(ast::Ident::new(c.clone()))));
                    }
                }
            }
            _ => return None,
        }
    }
    if names.is_some_and(|n| pos != n.len()) {
        return None;
    }
    out.push_str(&lines.join(&format!(",\n{}", pad(indent + 4))));
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
                        format!("({text}\n{} {kw} {right} ON ({on}))", pad(indent + 4))
                    }
                    ast::JoinConstraint::None => {
                        format!("({text}\n{} {kw} {right})", pad(indent + 4))
                    }
                    _ => return None,
                };
            }
            froms.push(text);
        }
        out.push('\n');
        out.push_str(&pad(indent + 2));
        out.push_str(" FROM ");
        out.push_str(&froms.join(&format!(",\n{}", pad(indent + 4))));
    }
    if let Some(w) = &s.selection {
        out.push('\n');
        out.push_str(&pad(indent + 1));
        out.push_str(" WHERE ");
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
            out.push('\n');
            out.push_str(&pad(indent + 1));
            out.push_str(" GROUP BY ");
            out.push_str(&g.join(", "));
        }
    }
    if let Some(h) = &s.having {
        // ruleutils.c indents HAVING one column less than WHERE.
        out.push('\n');
        out.push_str(&pad(indent));
        out.push_str(" HAVING ");
        out.push_str(&d.expr(h)?);
    }
    if !s.named_window.is_empty() {
        let mut defs = Vec::new();
        for ast::NamedWindowDefinition(name, def) in &s.named_window {
            let spec = match def {
                ast::NamedWindowExpr::NamedWindow(other) => {
                    format!("({})", quote_ident(&ident_name(other)))
                }
                ast::NamedWindowExpr::WindowSpec(spec) => window_spec(&d, spec)?,
            };
            defs.push(format!("{} AS {spec}", quote_ident(&ident_name(name))));
        }
        out.push('\n');
        out.push_str(&pad(indent + 1));
        out.push_str(" WINDOW ");
        out.push_str(&defs.join(", "));
    }
    if let Some(q) = query {
        let sort = |e: &ast::Expr| d.sort_expr(e, &targets);
        let expr = |e: &ast::Expr| d.expr(e);
        out.push_str(&tail(q, indent, &sort, &expr)?);
    }
    Some(out)
}

/// A named window's `(...)` as PostgreSQL prints it: the spec goes
/// through the same printer as an inline `OVER (...)`.
fn window_spec(d: &Deparser<'_>, spec: &ast::WindowSpec) -> Option<String> {
    let call = sqlparser::parser::Parser::new(&sqlparser::dialect::PostgreSqlDialect {})
        .try_with_sql(&format!("x() OVER ({spec})"))
        .ok()?
        .parse_expr()
        .ok()?;
    d.expr(&call)?.strip_prefix("x() OVER ").map(str::to_owned)
}

impl<'s> Deparser<'s> {
    fn new(env: Env<'s>, ctes: &[Cte], indent: usize) -> Deparser<'s> {
        Deparser {
            snap: env.snap,
            view: env.view,
            pretty: env.pretty,
            items: Vec::new(),
            ctes: ctes.to_vec(),
            names: Vec::new(),
            indent,
        }
    }

    fn env(&self) -> Env<'s> {
        Env {
            snap: self.snap,
            view: self.view,
            pretty: self.pretty,
        }
    }

    /// The CTE a `FROM` item named `parts` is, if it is one.
    fn cte(&self, parts: &[String]) -> Option<&Cte> {
        match parts {
            [n] => self.ctes.iter().rev().find(|(c, _)| c == n),
            _ => None,
        }
    }

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
                if alias.as_ref().is_some_and(|a| !a.columns.is_empty()) {
                    return None;
                }
                if let Some((cte, columns)) = self.cte(&parts) {
                    let refname = alias
                        .as_ref()
                        .map_or_else(|| cte.clone(), |a| ident_name(&a.name));
                    let columns = columns.clone();
                    self.items.push(Item {
                        refname,
                        table: None,
                        columns,
                    });
                    return Some(());
                }
                let (schema, rel) = self.view.resolve_name(&parts)?;
                let refname = alias
                    .as_ref()
                    .map_or_else(|| rel.clone(), |a| ident_name(&a.name));
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
                } else if snap
                    .sequences
                    .iter()
                    .any(|q| q.schema == schema && q.name == rel)
                {
                    // A sequence's one row.
                    self.items.push(Item {
                        refname,
                        table: None,
                        columns: ["last_value", "log_cnt", "is_called"]
                            .map(str::to_string)
                            .to_vec(),
                    });
                } else {
                    return None;
                }
                Some(())
            }
            ast::TableFactor::Derived {
                lateral: false,
                subquery,
                alias: Some(alias),
                sample: None,
            } if alias.columns.is_empty() => {
                let columns = output_names(self.env(), subquery, &self.ctes)?;
                self.items.push(Item {
                    refname: ident_name(&alias.name),
                    table: None,
                    columns,
                });
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
        if let ast::TableFactor::Derived {
            subquery, alias, ..
        } = f
        {
            let body = query_def(self.env(), subquery, None, self.indent + STEP, &self.ctes)?;
            let alias = ident_name(&alias.as_ref()?.name);
            return Some(format!("({body}) {}", quote_ident(&alias)));
        }
        let ast::TableFactor::Table { name, alias, .. } = f else {
            return None;
        };
        let parts: Vec<String> = name
            .0
            .iter()
            .map(|p| p.as_ident().map(ident_name))
            .collect::<Option<_>>()?;
        if let Some((cte, _)) = self.cte(&parts) {
            let mut text = quote_ident(cte);
            if let Some(a) = alias {
                text.push(' ');
                text.push_str(&quote_ident(&ident_name(&a.name)));
            }
            return Some(text);
        }
        let (schema, rel) = self.view.resolve_name(&parts)?;
        let mut text = self.relation_name(&schema, &rel);
        if let Some(a) = alias {
            text.push(' ');
            text.push_str(&quote_ident(&ident_name(&a.name)));
        }
        Some(text)
    }

    /// How PostgreSQL names relation `schema.rel` (as `regclass` prints
    /// it): unqualified when it is the first relation of that name the
    /// path shows.
    fn relation_name(&self, schema: &str, rel: &str) -> String {
        let snap = self.snap;
        let visible = snap
            .search_path
            .iter()
            .find_map(|(s, _)| {
                let here = snap.tables.iter().any(|t| t.schema == *s && t.name == rel)
                    || snap.views.iter().any(|v| v.schema == *s && v.name == rel)
                    || snap
                        .sequences
                        .iter()
                        .any(|q| q.schema == *s && q.name == rel);
                here.then_some(s)
            })
            .is_some_and(|s| *s == schema);
        if visible {
            quote_ident(rel)
        } else {
            format!("{}.{}", quote_ident(schema), quote_ident(rel))
        }
    }

    /// Prints the sequence named by each sequence function's literal as
    /// PostgreSQL's stored `regclass` constant prints: `'name'::regclass`.
    fn sequence_literals(&self, e: &mut ast::Expr) {
        struct W<'a, 's>(&'a Deparser<'s>);
        impl VisitorMut for W<'_, '_> {
            type Break = ();
            fn pre_visit_expr(&mut self, e: &mut ast::Expr) -> std::ops::ControlFlow<()> {
                if let Some(arg) = crate::sql::sequence_args::argument_mut(e) {
                    let named = crate::sql::sequence_args::literal_of(arg)
                        .and_then(|l| crate::sql::sequence::parse_name(l).ok())
                        .and_then(|p| self.0.view.resolve_name(&p));
                    if let Some((schema, rel)) = named {
                        let text = self.0.relation_name(&schema, &rel).replace('\'', "''");
                        // Printed as is (an identifier never quoted).
                        *arg =
                            ast::Expr::Identifier(ast::Ident::new(format!("'{text}'::regclass")));
                    }
                }
                std::ops::ControlFlow::Continue(())
            }
        }
        let _ = VisitMut::visit(e, &mut W(self));
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
                                crate::sql::identifiers::ident(&i.refname),
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
        let mut q = self.qualified(e)?;
        self.sequence_literals(&mut q);
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
                let pos = self.names.iter().position(|c| *c == n)?;
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
    let q = crate::catalog::view::parse_view(v)?;
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
    let (schema, rel) = v.resolve_name(&parts)?;
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
