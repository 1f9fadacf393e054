//! The FROM list of `UPDATE ... FROM` and the USING list of
//! `DELETE ... USING`.
//!
//! The list is planned as a query's FROM clause is
//! ([`Binder::plan_from`]: joins, subqueries, functions); the statement's
//! WHERE clause is split on its top-level ANDs into the conditions on the
//! target row alone, which filter the target's scan (and are re-checked
//! on the newest version of a locked row, as a plain UPDATE's are), and
//! the join conditions. Once the target's scan is planned
//! ([`PlannedFrom::join_target`]) the two are joined, as PostgreSQL's
//! planner would join them:
//!
//! * a **hash join** when the join conditions hold equalities between the
//!   target row and the FROM row and the target's scan is not a point
//!   lookup: the FROM rows (their own conditions pushed down to them, and
//!   their joins planned, as a SELECT's) are read once into a hash table on
//!   their keys, and every target row probes it;
//! * otherwise a **nested loop** whose inner side is the FROM plan filtered
//!   by the join conditions with the target row as its enclosing (outer)
//!   row, so a join on the FROM table's key reads one row per target row.
//!
//! Either way the join is a [`Node::Join`] whose left input is the target's
//! scan: EXPLAIN shows it as it is, and execution
//! ([`crate::exec::update_from`]) runs its parts. Each target row is
//! changed at most once, with the first FROM row that joins it (PostgreSQL
//! also uses whichever joined row its plan meets first).
//!
//! Assignments and RETURNING are bound over the target row followed by
//! the FROM row. The join conditions are also kept over that joined row
//! ([`PlannedFrom::recheck`]): under READ COMMITTED a target row changed by a
//! concurrent transaction is re-checked on its newest version, its own
//! conditions and the join conditions with the FROM row it had joined, as
//! PostgreSQL's EvalPlanQual re-checks it (the FROM row is not read
//! again), and is skipped when they no longer hold.

use sqlparser::ast::{self as ast, Expr as AstExpr};

use crate::error::{EngineError, Result, SqlState};
use crate::plan::bind::{Binder, Scope};
use crate::plan::expr::{conjuncts as expr_conjuncts, Expr};
use crate::plan::join_plan::{self, hash_parts, push, small_outer};
use crate::plan::node::{JoinKind, Node, ScanPlan};
use crate::plan::optimize::access::choose_access;
use crate::sql::identifiers::ident_name;
use crate::types::{CastKind, SqlType};

/// The FROM (USING) items of an UPDATE (DELETE), joined to the target row.
#[derive(Debug)]
pub struct FromJoin {
    /// The join of the target's scan (the left input, a [`Node::Scan`])
    /// with the FROM items: an inner hash join, or a lateral nested loop
    /// whose right input reads the target row as its innermost enclosing
    /// row.
    pub join: Node,
}

/// A planned FROM list, before the target's scan is.
pub(crate) struct PlannedFrom {
    /// The FROM items' rows that join the target row: their filter refers
    /// to the target row as the innermost enclosing row.
    correlated: Node,
    /// The FROM items' rows with none of the join conditions, and those
    /// conditions over the target row followed by the FROM row.
    hashable: Option<(Node, Expr)>,
    /// The target's columns followed by the FROM items'.
    pub scope: Scope,
    /// The conditions of WHERE on the target row alone, joined by AND.
    pub target_filter: Option<AstExpr>,
    /// The join conditions over the target row followed by the FROM row
    /// (see [`ModifyPlan::join_recheck`](crate::exec::dml::ModifyPlan)).
    pub recheck: Option<Expr>,
}

impl PlannedFrom {
    /// Joins the FROM items to the rows of the target's scan `scan` (see
    /// the module docs).
    pub(crate) fn join_target(self, scan: &ScanPlan) -> FromJoin {
        let left = Box::new(Node::Scan(scan.clone()));
        if let Some((plain, cond)) = self.hashable {
            if !small_outer(&left) {
                let mut parts = Vec::new();
                expr_conjuncts(&cond, &mut parts);
                let (on_from, rest, keys) = hash_parts(parts, scan.table.columns.len());
                if let Some(keys) = keys {
                    return FromJoin {
                        join: Node::Join {
                            left,
                            right: Box::new(push(plain, on_from)),
                            kind: JoinKind::Inner,
                            on: join_plan::and_all(rest),
                            lateral: false,
                            hash: Some(Box::new(keys)),
                        },
                    };
                }
            }
        }
        FromJoin {
            join: Node::Join {
                left,
                right: Box::new(self.correlated),
                kind: JoinKind::Inner,
                on: None,
                lateral: true,
                hash: None,
            },
        }
    }
}

/// The top-level AND operands of `e`.
fn conjuncts<'e>(e: &'e AstExpr, out: &mut Vec<&'e AstExpr>) {
    match e {
        AstExpr::BinaryOp {
            left,
            op: ast::BinaryOperator::And,
            right,
        } => {
            conjuncts(left, out);
            conjuncts(right, out);
        }
        other => out.push(other),
    }
}

/// The names FROM item `f` makes visible to the statement (its alias, or
/// a table's own name).
fn refnames(f: &ast::TableFactor, out: &mut Vec<String>) {
    use ast::TableFactor as F;
    match f {
        F::Table { alias: Some(a), .. }
        | F::Derived { alias: Some(a), .. }
        | F::NestedJoin { alias: Some(a), .. }
        | F::Function { alias: Some(a), .. }
        | F::UNNEST { alias: Some(a), .. }
        | F::TableFunction { alias: Some(a), .. } => out.push(ident_name(&a.name)),
        F::Table { name, .. } => {
            if let Some(id) = name.0.last().and_then(|p| p.as_ident()) {
                out.push(ident_name(id));
            }
        }
        F::NestedJoin {
            table_with_joins, ..
        } => twj_refnames(table_with_joins, out),
        _ => {}
    }
}

fn twj_refnames(twj: &ast::TableWithJoins, out: &mut Vec<String>) {
    refnames(&twj.relation, out);
    for j in &twj.joins {
        refnames(&j.relation, out);
    }
}

/// 42712 when two of the statement's relations go by the same name.
pub(crate) fn check_names(target_ref: &str, items: &[ast::TableWithJoins]) -> Result<()> {
    let mut names = vec![target_ref.to_string()];
    for twj in items {
        twj_refnames(twj, &mut names);
    }
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(EngineError::new(
                SqlState::DuplicateAlias,
                format!("table name \"{n}\" specified more than once"),
            ));
        }
    }
    Ok(())
}

/// PostgreSQL's 42P01 for a reference to the target by its own name when
/// the statement gave it an alias: `err` rewritten, other errors as they
/// are.
pub(crate) fn aliased_target_error(err: EngineError, name: &str, alias: &str) -> EngineError {
    if name == alias
        || err.state != SqlState::UndefinedTable
        || err.message != format!("missing FROM-clause entry for table \"{name}\"")
    {
        return err;
    }
    EngineError::new(
        SqlState::UndefinedTable,
        format!("invalid reference to FROM-clause entry for table \"{name}\""),
    )
    .with_hint(format!(
        "Perhaps you meant to reference the table alias \"{alias}\"."
    ))
}

/// PostgreSQL's error for a reference to the target `target_ref` from a
/// part of the statement that cannot see it (a FROM item, MERGE's source
/// or its INSERT values): 42P01, or 42P10 from a LATERAL item; other
/// errors as they are.
pub(crate) fn hidden_target_error(
    err: EngineError,
    target_ref: &str,
    lateral: bool,
) -> EngineError {
    if err.state != SqlState::UndefinedTable
        || err.message != format!("missing FROM-clause entry for table \"{target_ref}\"")
    {
        return err;
    }
    EngineError::new(
        if lateral {
            SqlState::InvalidColumnReference
        } else {
            SqlState::UndefinedTable
        },
        format!("invalid reference to FROM-clause entry for table \"{target_ref}\""),
    )
    .with_hint(format!(
        "There is an entry for table \"{target_ref}\", but it cannot be referenced from this part of the query."
    ))
}

/// Whether FROM item `f` (or one joined inside it) is LATERAL.
pub(crate) fn has_lateral(f: &ast::TableFactor) -> bool {
    match f {
        ast::TableFactor::Derived { lateral, .. } => *lateral,
        ast::TableFactor::NestedJoin {
            table_with_joins, ..
        } => {
            has_lateral(&table_with_joins.relation)
                || table_with_joins
                    .joins
                    .iter()
                    .any(|j| has_lateral(&j.relation))
        }
        _ => false,
    }
}

/// `a AND b AND ...` of `items`.
fn and_all(items: &[&AstExpr]) -> Option<AstExpr> {
    items.iter().fold(None, |acc, e| {
        Some(match acc {
            None => (*e).clone(),
            Some(a) => AstExpr::BinaryOp {
                left: Box::new(a),
                op: ast::BinaryOperator::And,
                right: Box::new((*e).clone()),
            },
        })
    })
}

impl Binder<'_> {
    /// Plans the FROM items `items` of an UPDATE (USING items of a DELETE)
    /// whose target, named `target_ref`, has the columns of `target`, and
    /// splits `selection` between the target's scan and the join.
    pub(crate) fn plan_dml_from(
        &mut self,
        target: &Scope,
        target_ref: &str,
        items: &[ast::TableWithJoins],
        selection: Option<&AstExpr>,
    ) -> Result<PlannedFrom> {
        check_names(target_ref, items)?;
        // The FROM items cannot see the target (PostgreSQL's namespace
        // rules): they are planned on their own.
        let lateral = items
            .iter()
            .any(|t| has_lateral(&t.relation) || t.joins.iter().any(|j| has_lateral(&j.relation)));
        let (mut node, from_scope) = self
            .plan_from(items)
            .map_err(|e| hidden_target_error(e, target_ref, lateral))?;
        let plain = node.clone();
        let mut scope = target.clone();
        scope.columns.extend(from_scope.columns.iter().cloned());
        let mut on_target = Vec::new();
        let mut on_join = Vec::new();
        if let Some(w) = selection {
            // Errors (ambiguous or unknown names, aggregates) as over the
            // whole joined row.
            self.no_aggs = Some("WHERE");
            let whole = self.bind(w, &scope);
            self.no_aggs = None;
            self.coerce(whole?, SqlType::Bool, CastKind::Implicit)?;
            let mut parts = Vec::new();
            conjuncts(w, &mut parts);
            for c in parts {
                if self.bind(c, target).is_ok() {
                    on_target.push(c);
                } else {
                    on_join.push(c);
                }
            }
        }
        let mut hashable = None;
        let mut recheck = None;
        if let Some(cond) = and_all(&on_join) {
            // The join conditions over the joined row, for a hash join.
            let joined = self.bind(&cond, &scope)?;
            let joined = self.coerce(joined, SqlType::Bool, CastKind::Implicit)?;
            recheck = Some(joined.clone());
            hashable = Some((plain, joined));
            self.outer.push(target.clone());
            self.correlated.push(false);
            let pred = self.bind(&cond, &from_scope);
            self.correlated.pop();
            self.outer.pop();
            let pred = self.coerce(pred?, SqlType::Bool, CastKind::Implicit)?;
            node = with_filter(node, pred, cond.to_string());
        }
        Ok(PlannedFrom {
            correlated: node,
            hashable,
            scope,
            target_filter: and_all(&on_target),
            recheck,
        })
    }
}

/// `node` filtered by `pred` (a lone table scan takes it as its filter and
/// chooses its access path by it: a join on the key reads one row).
fn with_filter(node: Node, pred: Expr, text: String) -> Node {
    match node {
        Node::Scan(mut s) if s.filter.is_none() => {
            s.access = choose_access(&s.table, Some(&pred));
            s.filter = Some(pred);
            s.filter_text = Some(text);
            Node::Scan(s)
        }
        other => Node::Filter {
            input: Box::new(other),
            predicate: pred,
        },
    }
}
