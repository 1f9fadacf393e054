//! EXPLAIN of INSERT, UPDATE, DELETE and MERGE: PostgreSQL's `ModifyTable`
//! node (`Insert on t`, `Update on t x`, `Delete on t`, `Merge on t`) over
//! the plan that produces its rows.
//!
//! ```text
//! Update on t
//!   ->  Index Scan using t_pkey on t
//!         Index Cond: (id = 3)
//! Insert on t
//!   Conflict Resolution: UPDATE
//!   Conflict Arbiter Indexes: t_pkey
//!   Conflict Filter: (t.v > 1)
//!   ->  Result
//! ```
//!
//! An UPDATE or DELETE reads its target through its own scan (never in
//! parallel: it writes as it reads, so never under a `Gather`), shown as
//! its outer plan; with `FROM` / `USING` the outer plan is the join of
//! that scan with the FROM items ([`crate::plan::dml_from`]): a hash join,
//! or a nested loop whose inner side reads the target row, its references
//! to it qualified. An INSERT's rows come from its source plan, named after the
//! target (so `INSERT INTO t SELECT ... FROM t` reads `t_1`, as PostgreSQL
//! names it); a one-row VALUES list is PostgreSQL's `Result`.
//!
//! A statement's data-modifying `WITH` items show as PostgreSQL shows
//! them: `CTE name` init plans of the statement's top node, each over its
//! own `ModifyTable`, their relations named after the statement's
//! ([`name`] first names every part, then [`item`] builds each).
//!
//! It lives with the session, above the executor whose DML plans it
//! shows. Under EXPLAIN ANALYZE the statement runs (and writes). The
//! `ModifyTable` node's rows are those it returns (RETURNING), the target
//! scan counts its own rows (see [`crate::exec::instrument::scan_counted`]),
//! and ON CONFLICT adds PostgreSQL's `Tuples Inserted` and `Conflicting
//! Tuples`.

use crate::exec::dml::{Arbiter, InsertPlan, ModifyPlan, OnConflict};
use crate::exec::instrument::statement_key;
use crate::exec::merge::MergeCounts;
use crate::plan::cte_dml::{DmlCte, DmlPlan};
use crate::plan::explain::{quote_ident, Builder, Item, Prop};
use crate::plan::merge::MergePlan;
use crate::plan::node::Node;

/// What an EXPLAIN ANALYZE of an INSERT with ON CONFLICT counted.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct ConflictCounts {
    /// Rows inserted.
    pub(super) inserted: u64,
    /// Rows that met a conflict.
    pub(super) conflicting: u64,
}

/// What an EXPLAIN ANALYZE of a statement counted beside its rows.
#[derive(Debug, Clone, Copy)]
pub(super) enum Counted {
    /// An INSERT with ON CONFLICT.
    Conflict(ConflictCounts),
    /// A MERGE.
    Merge(MergeCounts),
}

/// An INSERT, UPDATE, DELETE or MERGE plan, as EXPLAIN shows it.
#[derive(Clone, Copy)]
pub(super) enum Dml<'p> {
    /// INSERT.
    Insert(&'p InsertPlan),
    /// UPDATE.
    Update(&'p ModifyPlan),
    /// DELETE.
    Delete(&'p ModifyPlan),
    /// MERGE.
    Merge(&'p MergePlan),
}

impl<'p> Dml<'p> {
    /// The plan of a data-modifying `WITH` item.
    pub(super) fn of(plan: &'p DmlPlan) -> Self {
        match plan {
            DmlPlan::Insert(p) => Dml::Insert(p),
            DmlPlan::Update(p) => Dml::Update(p),
            DmlPlan::Delete(p) => Dml::Delete(p),
        }
    }

    /// The key of its counters.
    fn key(self) -> usize {
        match self {
            Dml::Insert(p) => statement_key(p),
            Dml::Update(p) | Dml::Delete(p) => statement_key(p),
            Dml::Merge(p) => statement_key(p),
        }
    }
}

/// Names the relations `dml` reads in `b`, its target first; gives the
/// target's reference name (numbered when an earlier part of the
/// statement took its name).
pub(super) fn name(b: &mut Builder, dml: Dml<'_>) -> String {
    match dml {
        Dml::Insert(p) => {
            let name = b.take_name(&p.table.name, None);
            b.name_relations(&[&p.source], Vec::new());
            name
        }
        Dml::Update(p) | Dml::Delete(p) => {
            let base = p.scan.alias.clone().unwrap_or_else(|| p.table.name.clone());
            let Some(from) = &p.from else {
                return b.take_name(&base, None);
            };
            // The join's left input is the target's scan, which writes as
            // it reads: never in parallel.
            let left = match &from.join {
                Node::Join { left, .. } => Some(left.as_ref()),
                _ => None,
            };
            if let Some(Node::Scan(s)) = left {
                b.read_serially(s);
            }
            let name = b.take_name(&base, left);
            b.name_relations(&[&from.join], Vec::new());
            name
        }
        Dml::Merge(p) => {
            let target = merge_target(&p.join);
            if let Some(Node::Scan(s)) = target {
                b.read_serially(s);
            }
            let base = p.alias.clone().unwrap_or_else(|| p.table.name.clone());
            let name = b.take_name(&base, target);
            b.name_relations(&[&p.join], Vec::new());
            name
        }
    }
}

/// The scan of MERGE's target in its join `join`: a hash join's left
/// input, a nested loop's right input.
fn merge_target(join: &Node) -> Option<&Node> {
    match join {
        Node::Join {
            left,
            hash: Some(_),
            ..
        } => Some(left),
        Node::Join { right, .. } => Some(right),
        _ => None,
    }
}

/// The `ModifyTable` item of `dml`, whose target [`name`] named
/// `refname`; `counts` are an INSERT's ON CONFLICT counters.
pub(super) fn item<'p>(
    b: &mut Builder,
    dml: Dml<'p>,
    refname: &str,
    counts: Option<Counted>,
) -> Item<'p> {
    let mut item = match dml {
        Dml::Insert(p) => {
            let conflicts = match counts {
                Some(Counted::Conflict(c)) => Some(c),
                _ => None,
            };
            insert(b, p, refname, conflicts)
        }
        Dml::Update(p) => modify(b, p, false, refname),
        Dml::Delete(p) => modify(b, p, true, refname),
        Dml::Merge(p) => {
            let did = match counts {
                Some(Counted::Merge(c)) => Some(c),
                _ => None,
            };
            merge(b, p, refname, did)
        }
    };
    item.statement = Some(dml.key());
    item
}

/// Puts the statement's data-modifying `WITH` items `prelude`, named
/// `names` by [`name`], first among the init plans of `top`, the
/// statement's top item, each as `CTE name` over its `ModifyTable`.
pub(super) fn attach_prelude<'p>(
    b: &mut Builder,
    top: &mut Item<'p>,
    prelude: &'p [DmlCte],
    names: &[String],
) {
    let items = prelude.iter().zip(names).map(|(c, refname)| {
        let mut ci = item(b, Dml::of(&c.plan), refname, None);
        ci.relationship = Some("InitPlan");
        ci.subplan_name = Some(format!("CTE {}", c.name));
        ci
    });
    let rest = std::mem::take(&mut top.children);
    top.children = items.chain(rest).collect();
}

/// The `ModifyTable` item of an INSERT.
fn insert<'p>(
    b: &mut Builder,
    plan: &'p InsertPlan,
    refname: &str,
    counts: Option<ConflictCounts>,
) -> Item<'p> {
    let name = plan.table.name.clone();
    let mut item = modify_item("Insert", &name, refname);
    match &plan.on_conflict {
        OnConflict::Error => {}
        OnConflict::Nothing => item
            .details
            .push(("Conflict Resolution", Prop::Text("NOTHING".into()))),
        OnConflict::Update { .. } => item
            .details
            .push(("Conflict Resolution", Prop::Text("UPDATE".into()))),
    }
    if !matches!(plan.on_conflict, OnConflict::Error) {
        let arbiter = match plan.arbiter {
            Arbiter::Primary => Some(plan.table.primary().name.clone()),
            Arbiter::Index(i) => plan.indexes.get(i).map(|ix| ix.desc.name.clone()),
            Arbiter::Any => None,
        };
        if let Some(a) = arbiter {
            item.details
                .push(("Conflict Arbiter Indexes", Prop::List(vec![a])));
        }
    }
    if let OnConflict::Update {
        filter: Some(f), ..
    } = &plan.on_conflict
    {
        // The filter reads the existing row, then the row proposed for
        // insertion (EXCLUDED).
        let mut row: Vec<String> = Vec::new();
        for prefix in [quote_ident(refname), "excluded".to_string()] {
            row.extend(
                plan.table
                    .columns
                    .iter()
                    .map(|c| format!("{prefix}.{}", quote_ident(&c.name))),
            );
        }
        let text = b.expr(f, &row);
        item.details.push(("Conflict Filter", Prop::Text(text)));
    }
    if let Some(c) = counts {
        item.details
            .push(("Tuples Inserted", Prop::Int(c.inserted)));
        item.details
            .push(("Conflicting Tuples", Prop::Int(c.conflicting)));
    }
    let mut source = match one_row_values(&plan.source) {
        Some(values) => b.leaf(values, "Result", "Result".into()),
        None => b.item(&plan.source),
    };
    source.relationship = Some("Outer");
    item.children.push(source);
    item
}

/// The `ModifyTable` item of an UPDATE (`delete` false) or DELETE.
fn modify<'p>(b: &mut Builder, plan: &'p ModifyPlan, delete: bool, refname: &str) -> Item<'p> {
    let operation = if delete { "Delete" } else { "Update" };
    let mut item = modify_item(operation, &plan.table.name, refname);
    let mut input = match &plan.from {
        None => b.scan_named(&plan.scan, refname.to_string()),
        Some(from) => b.item(&from.join),
    };
    input.relationship = Some("Outer");
    item.children.push(input);
    item
}

/// The `ModifyTable` item of a MERGE: over its join, a hash join shown
/// as PostgreSQL's `Hash Right Join` when it keeps the unmatched source
/// rows; under ANALYZE, what it did (`Tuples: inserted=N ...` in the text
/// format, the counts that are not zero).
fn merge<'p>(
    b: &mut Builder,
    plan: &'p MergePlan,
    refname: &str,
    did: Option<MergeCounts>,
) -> Item<'p> {
    let mut item = modify_item("Merge", &plan.table.name, refname);
    if let Some(c) = did {
        let counts = [
            ("inserted", c.inserted),
            ("updated", c.updated),
            ("deleted", c.deleted),
            ("skipped", c.skipped),
        ];
        let line: Vec<String> = counts
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{k}={n}"))
            .collect();
        if !line.is_empty() {
            item.details.push(("^Tuples", Prop::Text(line.join(" "))));
        }
        item.details
            .push(("~Tuples Inserted", Prop::Int(c.inserted)));
        item.details.push(("~Tuples Updated", Prop::Int(c.updated)));
        item.details.push(("~Tuples Deleted", Prop::Int(c.deleted)));
        item.details.push(("~Tuples Skipped", Prop::Int(c.skipped)));
    }
    let mut input = b.item(&plan.join);
    let hashed = matches!(&plan.join, Node::Join { hash: Some(_), .. });
    if hashed && !plan.not_matched.is_empty() {
        // The target probes the source's hash table, whose unmatched
        // rows come last: the source is the preserved, right side.
        input.heading = "Hash Right Join".into();
        for (k, v) in &mut input.target {
            if *k == "Join Type" {
                *v = Prop::Text("Right".into());
            }
        }
    }
    input.relationship = Some("Outer");
    item.children.push(input);
    item
}

/// A `ModifyTable` item: `Insert on t`, `Update on t x`.
fn modify_item<'n>(operation: &str, table: &str, refname: &str) -> Item<'n> {
    let on = if refname == table {
        quote_ident(table)
    } else {
        format!("{} {}", quote_ident(table), quote_ident(refname))
    };
    let mut item = Item::new("ModifyTable", format!("{operation} on {on}"));
    item.early = vec![("Operation", Prop::Text(operation.into()))];
    item.target = vec![
        ("Relation Name", Prop::Text(table.into())),
        ("Alias", Prop::Text(refname.into())),
    ];
    item
}

/// The VALUES node of a one-row VALUES list (under the projections that
/// fill in defaults), which PostgreSQL plans as a `Result`.
fn one_row_values(node: &Node) -> Option<&Node> {
    match node {
        Node::Project { input, .. } => one_row_values(input),
        Node::Values { rows, .. } if rows.len() == 1 => Some(node),
        _ => None,
    }
}
