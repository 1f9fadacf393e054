//! Turning the literals of a parsed statement into parameters, for the
//! plan cache.
//!
//! [`parametrize`] walks a SELECT, INSERT, UPDATE or DELETE and offers each
//! literal that may become a parameter to a callback, which says whether
//! it does (and as which `$n`); the literal is then replaced by that
//! placeholder. The walk is a whitelist: it descends only into the clauses
//! and expression forms listed below, so a literal anywhere else stays in
//! the statement as written. What stays inline:
//!
//! * ORDER BY, GROUP BY and DISTINCT ON (positions such as `ORDER BY 2`
//!   select a column, and their expressions are matched against the select
//!   list by value);
//! * the select list and HAVING of a SELECT whose ORDER BY or GROUP BY
//!   holds more than plain names and positions, or that has DISTINCT ON
//!   (for the same matching);
//! * typed literals (`DATE '...'`, `INTERVAL '...'`), and the arguments of
//!   the special forms (EXTRACT, SUBSTRING, TRIM, AT TIME ZONE, ...);
//! * FROM items other than derived tables and join conditions, WITH, and
//!   every clause the engine does not plan.
//!
//! A `-` directly before a number (`-5`) goes into the parameter with it,
//! as the binder folds it into the literal.
//!
//! The caller checks the result: the plan of the parameterised statement
//! must match the plan of the original one (see `session::plan_cache`).
//! This walk only keeps the literals whose role a parameter cannot take
//! (such as `ORDER BY 2`) out of that check.

use sqlparser::ast::{
    self as ast, Expr, JoinConstraint, JoinOperator, Query, Select, SelectItem, SetExpr, Statement,
    TableFactor, TableWithJoins, UnaryOperator, Value, ValueWithSpan,
};

/// A literal the walk offers as a parameter.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// The literal: an unsigned number or a plain single-quoted string,
    /// with the span of its token.
    pub value: &'a ValueWithSpan,
    /// Whether a unary minus before it is part of the parameter (`-5`).
    pub negated: bool,
}

/// Replaces, in `stmt`, each literal for which `choose` returns `Some(n)`
/// by the placeholder `$n`. `false` when `stmt` is not a SELECT, INSERT,
/// UPDATE or DELETE (nothing is replaced then).
pub fn parametrize(
    stmt: &mut Statement,
    choose: &mut dyn FnMut(Candidate<'_>) -> Option<usize>,
) -> bool {
    let mut w = Walker { choose };
    match stmt {
        Statement::Query(q) => w.query(q),
        Statement::Insert(ins) => {
            if let Some(source) = ins.source.as_mut() {
                w.query(source);
            }
            if let Some(ast::OnInsert::OnConflict(oc)) = ins.on.as_mut() {
                if let ast::OnConflictAction::DoUpdate(du) = &mut oc.action {
                    for a in &mut du.assignments {
                        w.expr(&mut a.value);
                    }
                    if let Some(sel) = du.selection.as_mut() {
                        w.expr(sel);
                    }
                }
            }
            w.returning(ins.returning.as_mut());
        }
        Statement::Update(up) => {
            for a in &mut up.assignments {
                w.expr(&mut a.value);
            }
            if let Some(sel) = up.selection.as_mut() {
                w.expr(sel);
            }
            w.returning(up.returning.as_mut());
        }
        Statement::Delete(del) => {
            if let Some(sel) = del.selection.as_mut() {
                w.expr(sel);
            }
            w.returning(del.returning.as_mut());
        }
        _ => return false,
    }
    true
}

/// The placeholder `$n`.
fn placeholder(n: usize) -> Expr {
    Expr::Value(Value::Placeholder(format!("${n}")).with_empty_span())
}

/// Whether `v` is a literal the walk offers.
fn offered(v: &Value) -> bool {
    matches!(v, Value::Number(_, false) | Value::SingleQuotedString(_))
}

/// A name or a position: what ORDER BY / GROUP BY may hold without making
/// the select list's literals part of the plan's shape.
fn plain_reference(e: &Expr) -> bool {
    match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => true,
        Expr::Value(v) => matches!(v.value, Value::Number(..)),
        _ => false,
    }
}

struct Walker<'c> {
    choose: &'c mut dyn FnMut(Candidate<'_>) -> Option<usize>,
}

impl Walker<'_> {
    fn returning(&mut self, items: Option<&mut Vec<SelectItem>>) {
        for item in items.into_iter().flatten() {
            self.select_item(item);
        }
    }

    fn select_item(&mut self, item: &mut SelectItem) {
        match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => self.expr(e),
            _ => {}
        }
    }

    fn query(&mut self, q: &mut Query) {
        super::depth::guard(|| self.query_level(q))
    }

    fn query_level(&mut self, q: &mut Query) {
        if q.with.is_some() || q.fetch.is_some() || !q.pipe_operators.is_empty() {
            return;
        }
        let plain_order = match &q.order_by {
            None => true,
            Some(ob) => match &ob.kind {
                ast::OrderByKind::Expressions(keys) => {
                    keys.iter().all(|k| plain_reference(&k.expr))
                }
                ast::OrderByKind::All(_) => false,
            },
        };
        self.set_expr(&mut q.body, plain_order);
        if let Some(ast::LimitClause::LimitOffset {
            limit,
            offset,
            limit_by,
        }) = q.limit_clause.as_mut()
        {
            if limit_by.is_empty() {
                if let Some(l) = limit.as_mut() {
                    self.expr(l);
                }
                if let Some(o) = offset.as_mut() {
                    self.expr(&mut o.value);
                }
            }
        }
    }

    fn set_expr(&mut self, body: &mut SetExpr, plain_order: bool) {
        match body {
            SetExpr::Select(s) => self.select(s, plain_order),
            SetExpr::Query(q) => self.query(q),
            SetExpr::SetOperation { left, right, .. } => {
                // ORDER BY of a set operation sorts its output columns.
                self.set_expr(left, true);
                self.set_expr(right, true);
            }
            SetExpr::Values(values) => {
                for row in &mut values.rows {
                    for e in &mut row.content {
                        self.expr(e);
                    }
                }
            }
            _ => {}
        }
    }

    fn select(&mut self, s: &mut Select, plain_order: bool) {
        let plain_group = match &s.group_by {
            ast::GroupByExpr::Expressions(exprs, modifiers) => {
                modifiers.is_empty() && exprs.iter().all(plain_reference)
            }
            ast::GroupByExpr::All(_) => false,
        };
        let distinct_on = matches!(s.distinct, Some(ast::Distinct::On(_)));
        if plain_order && plain_group && !distinct_on {
            for item in &mut s.projection {
                self.select_item(item);
            }
            if let Some(h) = s.having.as_mut() {
                self.expr(h);
            }
        }
        for twj in &mut s.from {
            self.table_with_joins(twj);
        }
        if let Some(w) = s.selection.as_mut() {
            self.expr(w);
        }
    }

    fn table_with_joins(&mut self, twj: &mut TableWithJoins) {
        self.table_factor(&mut twj.relation);
        for j in &mut twj.joins {
            self.table_factor(&mut j.relation);
            let constraint = match &mut j.join_operator {
                JoinOperator::Join(c)
                | JoinOperator::Inner(c)
                | JoinOperator::Left(c)
                | JoinOperator::LeftOuter(c)
                | JoinOperator::Right(c)
                | JoinOperator::RightOuter(c)
                | JoinOperator::FullOuter(c) => Some(c),
                _ => None,
            };
            if let Some(JoinConstraint::On(e)) = constraint {
                self.expr(e);
            }
        }
    }

    fn table_factor(&mut self, f: &mut TableFactor) {
        match f {
            TableFactor::Derived { subquery, .. } => self.query(subquery),
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => self.table_with_joins(table_with_joins),
            _ => {}
        }
    }

    fn offer(&mut self, value: &ValueWithSpan, negated: bool) -> Option<usize> {
        (self.choose)(Candidate { value, negated })
    }

    fn expr(&mut self, e: &mut Expr) {
        super::depth::guard(|| self.expr_level(e))
    }

    fn expr_level(&mut self, e: &mut Expr) {
        let replace = match e {
            Expr::Value(v) if offered(&v.value) => self.offer(v, false),
            Expr::UnaryOp {
                op: UnaryOperator::Minus,
                expr: inner,
            } if matches!(inner.as_ref(), Expr::Value(v) if matches!(v.value, Value::Number(_, false))) => {
                match inner.as_ref() {
                    Expr::Value(v) => self.offer(v, true),
                    _ => None,
                }
            }
            _ => {
                self.children(e);
                None
            }
        };
        if let Some(n) = replace {
            *e = placeholder(n);
        }
    }

    fn children(&mut self, e: &mut Expr) {
        match e {
            Expr::UnaryOp { expr, .. }
            | Expr::Nested(expr)
            | Expr::IsNull(expr)
            | Expr::IsNotNull(expr)
            | Expr::IsTrue(expr)
            | Expr::IsNotTrue(expr)
            | Expr::IsFalse(expr)
            | Expr::IsNotFalse(expr)
            | Expr::IsUnknown(expr)
            | Expr::IsNotUnknown(expr) => self.expr(expr),
            Expr::Cast {
                kind: ast::CastKind::Cast | ast::CastKind::DoubleColon,
                expr,
                format: None,
                ..
            } => self.expr(expr),
            Expr::BinaryOp { left, right, .. }
            | Expr::IsDistinctFrom(left, right)
            | Expr::IsNotDistinctFrom(left, right)
            | Expr::AnyOp { left, right, .. }
            | Expr::AllOp { left, right, .. } => {
                self.expr(left);
                self.expr(right);
            }
            Expr::InList { expr, list, .. } => {
                self.expr(expr);
                for item in list {
                    self.expr(item);
                }
            }
            Expr::InSubquery { expr, subquery, .. } => {
                self.expr(expr);
                self.query(subquery);
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                self.expr(expr);
                self.expr(low);
                self.expr(high);
            }
            Expr::Like {
                expr,
                pattern,
                escape_char: None,
                any: false,
                ..
            }
            | Expr::ILike {
                expr,
                pattern,
                escape_char: None,
                any: false,
                ..
            } => {
                self.expr(expr);
                self.expr(pattern);
            }
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                if let Some(o) = operand.as_mut() {
                    self.expr(o);
                }
                for cw in conditions {
                    self.expr(&mut cw.condition);
                    self.expr(&mut cw.result);
                }
                if let Some(e) = else_result.as_mut() {
                    self.expr(e);
                }
            }
            Expr::Function(f) => self.function(f),
            Expr::Subquery(q) | Expr::Exists { subquery: q, .. } => self.query(q),
            Expr::Array(a) => {
                for item in &mut a.elem {
                    self.expr(item);
                }
            }
            Expr::Tuple(items) => {
                for item in items {
                    self.expr(item);
                }
            }
            _ => {}
        }
    }

    fn function(&mut self, f: &mut ast::Function) {
        let plain = matches!(f.parameters, ast::FunctionArguments::None)
            && f.within_group.is_empty()
            && f.filter.is_none()
            && f.null_treatment.is_none()
            && f.over.is_none();
        if !plain {
            return;
        }
        if let ast::FunctionArguments::List(list) = &mut f.args {
            for arg in &mut list.args {
                if let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = arg {
                    self.expr(e);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parametrises every offered literal; returns the new text and what
    /// was offered, as `text` or `-text`.
    fn all(sql: &str) -> (String, Vec<String>) {
        let mut stmt = match crate::sql::parse(sql).unwrap().pop().unwrap() {
            crate::sql::Parsed::Statement(s) => *s,
            _ => panic!("not a sqlparser statement"),
        };
        let mut seen = Vec::new();
        let ok = parametrize(&mut stmt, &mut |c| {
            let sign = if c.negated { "-" } else { "" };
            seen.push(format!("{sign}{}", c.value));
            Some(seen.len())
        });
        assert!(ok);
        (stmt.to_string(), seen)
    }

    #[test]
    fn pgbench_statements() {
        let (sql, seen) =
            all("UPDATE pgbench_accounts SET abalance = abalance + -2384 WHERE aid = 53426;");
        assert_eq!(
            sql,
            "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2"
        );
        assert_eq!(seen, ["-2384", "53426"]);
        let (sql, _) = all(
            "INSERT INTO h (tid, aid, delta, mtime) VALUES (7, 53426, -2384, CURRENT_TIMESTAMP);",
        );
        assert_eq!(
            sql,
            "INSERT INTO h (tid, aid, delta, mtime) VALUES ($1, $2, $3, CURRENT_TIMESTAMP)"
        );
    }

    #[test]
    fn positions_and_typed_literals_stay() {
        let (sql, _) = all(
            "SELECT a, 'x' FROM t WHERE d > DATE '2020-01-01' AND i < INTERVAL '1 day' \
             ORDER BY 2, a LIMIT 5 OFFSET 1",
        );
        assert_eq!(
            sql,
            "SELECT a, $1 FROM t WHERE d > DATE '2020-01-01' AND i < INTERVAL '1 day' \
             ORDER BY 2, a LIMIT $2 OFFSET $3"
        );
        let (sql, _) =
            all("SELECT a + 1, count(*) FROM t WHERE b = 2 GROUP BY a + 1 HAVING count(*) > 3");
        assert_eq!(
            sql,
            "SELECT a + 1, count(*) FROM t WHERE b = $1 GROUP BY a + 1 HAVING count(*) > 3"
        );
        let (sql, _) = all("SELECT a + 1 FROM t ORDER BY a + 1");
        assert_eq!(sql, "SELECT a + 1 FROM t ORDER BY a + 1");
    }

    #[test]
    fn subqueries_joins_and_functions() {
        let (sql, _) = all("SELECT * FROM t JOIN u ON u.k = t.k AND u.v = 'v' \
             WHERE t.x IN (SELECT y FROM w WHERE z = 3) AND abs(t.q) = 4 AND t.s LIKE 'a%'");
        assert_eq!(
            sql,
            "SELECT * FROM t JOIN u ON u.k = t.k AND u.v = $1 \
             WHERE t.x IN (SELECT y FROM w WHERE z = $2) AND abs(t.q) = $3 AND t.s LIKE $4"
        );
    }

    #[test]
    fn other_statements_are_refused() {
        let mut stmt = match crate::sql::parse("CREATE TABLE t (a int DEFAULT 5)")
            .unwrap()
            .pop()
            .unwrap()
        {
            crate::sql::Parsed::Statement(s) => *s,
            _ => panic!("not a sqlparser statement"),
        };
        assert!(!parametrize(&mut stmt, &mut |_| Some(1)));
    }
}
