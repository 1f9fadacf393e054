//! Plans MERGE (PostgreSQL 15's form: `MERGE INTO target USING source ON
//! cond WHEN [NOT] MATCHED [AND cond] THEN action ...`).
//!
//! The source is planned as a FROM item ([`Binder::plan_from`]) and joined
//! to the target on the ON condition, as PostgreSQL joins them: an inner
//! join when every clause is WHEN MATCHED, else an outer join that keeps
//! every source row (`target RIGHT JOIN source`), its unmatched rows the
//! WHEN NOT MATCHED clauses' input. The join is a [`Node::Join`] that
//! EXPLAIN shows as it is and [`crate::exec::merge`] runs:
//!
//! * a **hash join** when ON holds an equality between the target row and
//!   the source row: the source rows go into a hash table on their keys
//!   and each row of one scan of the target probes it (PostgreSQL's `Hash
//!   Right Join`, or `Hash Join`). Conditions of ON on the target row alone
//!   filter that scan; those on the source row alone filter the source
//!   only for an inner join (an outer join must still see the source rows
//!   they reject, as not matched);
//! * a **nested loop** otherwise, or when the source is a few rows and ON
//!   looks the target up by a unique key: for each source row, a scan of
//!   the target filtered by ON with the source row as its enclosing row
//!   (a join on the target's key reads one row).
//!
//! WHEN MATCHED conditions, UPDATE assignments are bound over the target
//! row followed by the source row, and each UPDATE or DELETE action is a
//! [`ModifyPlan`] run through the row-change path of a plain
//! UPDATE/DELETE. WHEN NOT MATCHED conditions see the source row only; an
//! INSERT action is an [`InsertPlan`] whose VALUES read the source row as
//! their enclosing row, run as a one-row INSERT.

use std::sync::Arc;

use sqlparser::ast::{self as ast};

use crate::catalog::{Relation, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::checks::bind_checks;
use crate::exec::dml::{bind_sets, plan_insert, InsertPlan, ModifyPlan, Target};
use crate::exec::foreign_keys::FkSlot;
use crate::exec::generated::bind_generated;
use crate::plan::bind::{Binder, Scope};
use crate::plan::bound_index::bind_indexes;
use crate::plan::dml_from::{aliased_target_error, check_names, has_lateral, hidden_target_error};
use crate::plan::expr::{conjuncts, Expr};
use crate::plan::join_plan::{and_all, outer_hash_parts, push, small_outer};
use crate::plan::node::{JoinKind, Node, ScanPlan};
use crate::plan::optimize::access::choose_access;
use crate::sql::identifiers::ident_name;
use crate::types::{CastKind, SqlType};

/// What a WHEN MATCHED clause does.
#[derive(Debug)]
pub enum MatchedAction {
    /// UPDATE SET ...: assignments over the target row then the source row.
    Update(ModifyPlan),
    /// DELETE.
    Delete(ModifyPlan),
    /// DO NOTHING.
    Nothing,
}

/// One WHEN MATCHED clause.
#[derive(Debug)]
pub struct MatchedClause {
    /// `AND cond`, over the target row then the source row.
    pub cond: Option<Expr>,
    /// The action.
    pub action: MatchedAction,
}

/// One WHEN NOT MATCHED clause.
#[derive(Debug)]
pub struct NotMatchedClause {
    /// `AND cond`, over the source row.
    pub cond: Option<Expr>,
    /// INSERT (its VALUES read the source row as the enclosing row), or
    /// `None` for DO NOTHING.
    pub insert: Option<InsertPlan>,
}

/// A planned MERGE.
#[derive(Debug)]
pub struct MergePlan {
    /// The target table.
    pub table: Arc<TableDesc>,
    /// The target's alias, when the statement gives one.
    pub alias: Option<String>,
    /// The join of the target with the source (see the module docs): a
    /// hash join whose left input is the target's scan and whose right
    /// input is the source, or a lateral nested loop whose left input is
    /// the source and whose right input is a [`Node::Scan`] of the target
    /// rows matching ON.
    pub join: Node,
    /// ON over the target row followed by the source row: re-checked on
    /// the newest version of a target row a concurrent transaction
    /// changed (EvalPlanQual; see [`crate::exec::merge`]).
    pub on: Expr,
    /// WHEN MATCHED clauses, in order.
    pub matched: Vec<MatchedClause>,
    /// WHEN NOT MATCHED clauses, in order.
    pub not_matched: Vec<NotMatchedClause>,
}

fn syntax(msg: &str) -> EngineError {
    EngineError::new(SqlState::SyntaxError, msg.to_string())
}

/// A [`ModifyPlan`] for one UPDATE (`sets`) or DELETE action: the row is
/// already chosen, so its scan is never run and re-checks nothing.
///
/// `recheck` (ON and the clause's condition, over the target row then the
/// source row) is re-checked on the newest version of a target row a
/// concurrent transaction changed (EvalPlanQual).
fn action_plan(
    target: &Target,
    sets: Vec<(usize, Expr)>,
    delete: bool,
    recheck: Expr,
    binder: &mut Binder<'_>,
) -> Result<ModifyPlan> {
    let table = &target.table;
    Ok(ModifyPlan {
        table: Arc::clone(table),
        scan: target_scan(table, None, None),
        sets,
        indexes: bind_indexes(table, binder)?,
        checks: if delete {
            Vec::new()
        } else {
            bind_checks(table, binder)?
        },
        generated: if delete {
            Vec::new()
        } else {
            bind_generated(table, binder)?
        },
        fks: FkSlot::new(true),
        returning: Vec::new(),
        columns: Vec::new(),
        from: None,
        join_recheck: Some(recheck),
    })
}

/// The INSERT of a WHEN NOT MATCHED clause, planned as `INSERT INTO
/// target ...` with the source row as the enclosing row.
fn insert_plan(
    ins: &ast::MergeInsertExpr,
    table: &Arc<TableDesc>,
    source: &Scope,
    binder: &mut Binder<'_>,
) -> Result<InsertPlan> {
    if ins.insert_predicate.is_some() {
        return Err(EngineError::unsupported("MERGE INSERT ... WHERE"));
    }
    if !matches!(ins.kind, ast::MergeInsertKind::Values(_)) {
        return Err(EngineError::unsupported(format!(
            "MERGE INSERT {}",
            ins.kind
        )));
    }
    let text = if crate::sql::merge_default_values::is_default_values(ins) {
        "INSERT INTO merge_target DEFAULT VALUES".to_string()
    } else {
        format!("INSERT INTO merge_target {ins}")
    };
    let parsed = crate::sql::parse(&text)?;
    let [crate::sql::Parsed::Statement(stmt)] = parsed.as_slice() else {
        return Err(EngineError::internal("MERGE INSERT is not one statement"));
    };
    let ast::Statement::Insert(insert) = stmt.as_ref() else {
        return Err(EngineError::internal("MERGE INSERT is not an INSERT"));
    };
    if let Some(q) = &insert.source {
        if matches!(q.body.as_ref(), ast::SetExpr::Values(v) if v.rows.len() != 1) {
            return Err(syntax("syntax error at or near \",\""));
        }
    }
    binder.outer.push(source.clone());
    binder.correlated.push(false);
    let r = plan_insert(insert, Arc::clone(table), binder);
    binder.correlated.pop();
    binder.outer.pop();
    r
}

/// A scan of `table` filtered by `filter` (its access path chosen by it).
fn target_scan(table: &Arc<TableDesc>, filter: Option<Expr>, text: Option<String>) -> ScanPlan {
    ScanPlan {
        access: choose_access(table, filter.as_ref()),
        table: Arc::clone(table),
        reverse: false,
        filter,
        filter_text: text,
        alias: None,
        lock: None,
        needed: None,
        sample: None,
        ordered: false,
        index_only: false,
    }
}

/// ON (`on`) and a WHEN MATCHED clause's condition `cond`: what its
/// action re-checks on a target row's newest version.
fn recheck_of(on: &Expr, cond: &Option<Expr>) -> Expr {
    let mut parts = vec![on.clone()];
    parts.extend(cond.clone());
    and_all(parts).unwrap_or_else(|| on.clone())
}

/// The join of the target with `source` (see the module docs): `matches`
/// are the target rows matching ON with the source row enclosing them,
/// `on` the ON condition over the target row followed by the source row;
/// `outer` when the unmatched source rows are kept.
fn join(source: Node, matches: ScanPlan, on: Expr, outer: bool) -> Node {
    let kind = if outer {
        JoinKind::Left
    } else {
        JoinKind::Inner
    };
    let table = Arc::clone(&matches.table);
    let keyed = small_outer(&Node::Scan(matches.clone()));
    let nested = |source: Node, matches: ScanPlan| Node::Join {
        left: Box::new(source),
        right: Box::new(Node::Scan(matches)),
        kind,
        on: None,
        lateral: true,
        hash: None,
    };
    if keyed && small_outer(&source) {
        return nested(source, matches);
    }
    let mut parts = Vec::new();
    conjuncts(&on, &mut parts);
    let (on_target, on_source, rest, keys) = outer_hash_parts(parts, table.columns.len(), !outer);
    let Some(keys) = keys else {
        return nested(source, matches);
    };
    let scan = target_scan(&table, and_all(on_target), None);
    Node::Join {
        left: Box::new(Node::Scan(scan)),
        right: Box::new(push(source, on_source)),
        kind: JoinKind::Inner,
        on: and_all(rest),
        lateral: false,
        hash: Some(Box::new(keys)),
    }
}

impl Binder<'_> {
    /// Plans MERGE.
    pub fn plan_merge(&mut self, merge: &ast::Merge) -> Result<MergePlan> {
        if merge.output.is_some() {
            return Err(EngineError::unsupported("MERGE ... OUTPUT"));
        }
        let ast::TableFactor::Table {
            name,
            alias,
            args: None,
            ..
        } = &merge.table
        else {
            return Err(syntax("syntax error at or near \"(\""));
        };
        let table = match self.resolve_target(name)? {
            Relation::Table(t) => t,
            Relation::System(s) => return Err(crate::catalog::system_catalog_error(s.name)),
            Relation::View(v) => {
                return Err(EngineError::new(
                    SqlState::FeatureNotSupported,
                    format!("cannot execute MERGE on relation \"{}\"", v.name),
                )
                .with_detail("This operation is not supported for views."))
            }
            Relation::Sequence(s) => {
                return Err(EngineError::new(
                    SqlState::FeatureNotSupported,
                    format!("cannot execute MERGE on relation \"{}\"", s.name),
                )
                .with_detail("This operation is not supported for sequences."))
            }
            Relation::Type(_) | Relation::Domain(_) => {
                return Err(EngineError::internal("a type is not a relation"))
            }
        };
        let qualifier = alias
            .as_ref()
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| table.name.clone());
        let target = Target::table(Arc::clone(&table), &qualifier);
        let name = table.name.clone();
        self.plan_merge_body(merge, target)
            .map_err(|e| aliased_target_error(e, &name, &qualifier))
    }

    fn plan_merge_body(&mut self, merge: &ast::Merge, target: Target) -> Result<MergePlan> {
        let items = [ast::TableWithJoins {
            relation: merge.source.clone(),
            joins: Vec::new(),
        }];
        check_names(&target.qualifier, &items)?;
        let (source, source_scope) = self
            .plan_from(&items)
            .map_err(|e| hidden_target_error(e, &target.qualifier, has_lateral(&merge.source)))?;
        let mut both = target.scope.clone();
        both.columns.extend(source_scope.columns.iter().cloned());
        // ON: errors as over the joined row, then bound over the target
        // row with the source row enclosing it.
        self.no_aggs = Some("JOIN conditions");
        let whole = self.bind(&merge.on, &both);
        self.no_aggs = None;
        let joined = self.coerce(whole?, SqlType::Bool, CastKind::Implicit)?;
        self.outer.push(source_scope.clone());
        self.correlated.push(false);
        let on = self.bind(&merge.on, &target.scope);
        self.correlated.pop();
        self.outer.pop();
        let on = self.coerce(on?, SqlType::Bool, CastKind::Implicit)?;
        let table = Arc::clone(&target.table);
        let matches = target_scan(&table, Some(on), Some(merge.on.to_string()));
        let mut matched = Vec::new();
        let mut not_matched = Vec::new();
        let mut unconditional = [false, false];
        for clause in &merge.clauses {
            // PostgreSQL 15 has no `NOT MATCHED BY SOURCE / TARGET`.
            let is_matched = match clause.clause_kind {
                ast::MergeClauseKind::Matched => true,
                ast::MergeClauseKind::NotMatched => false,
                ast::MergeClauseKind::NotMatchedByTarget
                | ast::MergeClauseKind::NotMatchedBySource => {
                    return Err(syntax("syntax error at or near \"BY\""))
                }
            };
            let slot = usize::from(!is_matched);
            if unconditional[slot] {
                return Err(syntax(
                    "unreachable WHEN clause specified after unconditional WHEN clause",
                ));
            }
            if clause.predicate.is_none() {
                unconditional[slot] = true;
            }
            let cond_scope = if is_matched { &both } else { &source_scope };
            let cond = match &clause.predicate {
                Some(p) => {
                    self.no_aggs = Some("WHEN conditions");
                    let c = self.bind(p, cond_scope);
                    self.no_aggs = None;
                    let c = match is_matched {
                        true => c,
                        false => c.map_err(|e| hidden_target_error(e, &target.qualifier, false)),
                    };
                    Some(self.coerce(c?, SqlType::Bool, CastKind::Implicit)?)
                }
                None => None,
            };
            match (&clause.action, is_matched) {
                (ast::MergeAction::Update(u), true) => {
                    if u.update_predicate.is_some() || u.delete_predicate.is_some() {
                        return Err(EngineError::unsupported("MERGE UPDATE ... WHERE"));
                    }
                    let ast::MergeUpdateKind::Set(assignments) = &u.kind else {
                        return Err(EngineError::unsupported("MERGE UPDATE *"));
                    };
                    let sets = bind_sets(assignments, &target, &both, self)?;
                    let recheck = recheck_of(&joined, &cond);
                    let plan = action_plan(&target, sets, false, recheck, self)?;
                    matched.push(MatchedClause {
                        cond,
                        action: MatchedAction::Update(plan),
                    });
                }
                (ast::MergeAction::Delete { .. }, true) => {
                    let recheck = recheck_of(&joined, &cond);
                    let plan = action_plan(&target, Vec::new(), true, recheck, self)?;
                    matched.push(MatchedClause {
                        cond,
                        action: MatchedAction::Delete(plan),
                    });
                }
                (ast::MergeAction::DoNothing { .. }, true) => matched.push(MatchedClause {
                    cond,
                    action: MatchedAction::Nothing,
                }),
                (ast::MergeAction::Insert(ins), false) => {
                    let insert = insert_plan(ins, &table, &source_scope, self)
                        .map_err(|e| hidden_target_error(e, &target.qualifier, false))?;
                    not_matched.push(NotMatchedClause {
                        cond,
                        insert: Some(insert),
                    });
                }
                (ast::MergeAction::DoNothing { .. }, false) => {
                    not_matched.push(NotMatchedClause { cond, insert: None })
                }
                (ast::MergeAction::Insert(_), true) => {
                    return Err(syntax("syntax error at or near \"INSERT\""))
                }
                (ast::MergeAction::Update(_), false) => {
                    return Err(syntax("syntax error at or near \"UPDATE\""))
                }
                (ast::MergeAction::Delete { .. }, false) => {
                    return Err(syntax("syntax error at or near \"DELETE\""))
                }
            }
        }
        let join = join(source, matches, joined.clone(), !not_matched.is_empty());
        let alias = (target.qualifier != table.name).then(|| target.qualifier.clone());
        Ok(MergePlan {
            table,
            alias,
            join,
            on: joined,
            matched,
            not_matched,
        })
    }
}
