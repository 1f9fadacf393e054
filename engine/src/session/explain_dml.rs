//! EXPLAIN of INSERT, UPDATE and DELETE: PostgreSQL's `ModifyTable` node
//! (`Insert on t`, `Update on t x`, `Delete on t`) over the plan that
//! produces its rows.
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
//! its outer plan; with `FROM`
//! / `USING` each target row is joined to the FROM items' rows, shown as
//! the nested loop it is, the FROM plan's references to the target row
//! qualified. An INSERT's rows come from its source plan, named after the
//! target (so `INSERT INTO t SELECT ... FROM t` reads `t_1`, as PostgreSQL
//! names it); a one-row VALUES list is PostgreSQL's `Result`.
//!
//! It lives with the session, above the executor whose DML plans it
//! shows. Under EXPLAIN ANALYZE the statement runs (and writes). The
//! `ModifyTable` node's rows are those it returns (RETURNING), the target
//! scan counts its own rows (see [`crate::exec::instrument::scan_counted`]),
//! and ON CONFLICT adds PostgreSQL's `Tuples Inserted` and `Conflicting
//! Tuples`.

use crate::exec::dml::{Arbiter, InsertPlan, ModifyPlan, OnConflict};
use crate::plan::explain::{quote_ident, Builder, Item, Prop};
use crate::plan::node::Node;

/// What an EXPLAIN ANALYZE of an INSERT with ON CONFLICT counted.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct ConflictCounts {
    /// Rows inserted.
    pub(super) inserted: u64,
    /// Rows that met a conflict.
    pub(super) conflicting: u64,
}

/// The `ModifyTable` item of an INSERT.
pub(super) fn insert(
    plan: &InsertPlan,
    max_workers: usize,
    counts: Option<ConflictCounts>,
) -> Item<'_> {
    let name = plan.table.name.clone();
    let mut b = Builder::new(max_workers);
    b.name_relations(&[&plan.source], vec![name.clone()]);
    let mut item = modify_item("Insert", &name, &name);
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
        for prefix in [quote_ident(&name), "excluded".to_string()] {
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
pub(super) fn modify(plan: &ModifyPlan, delete: bool, max_workers: usize) -> Item<'_> {
    let table = &plan.table;
    let refname = plan
        .scan
        .alias
        .clone()
        .unwrap_or_else(|| table.name.clone());
    let mut b = Builder::new(max_workers);
    let from = plan.from.as_ref().map(|f| &f.node);
    b.name_relations(from.as_slice(), vec![refname.clone()]);
    let operation = if delete { "Delete" } else { "Update" };
    let mut item = modify_item(operation, &table.name, &refname);
    let mut scan = b.scan_named(&plan.scan, refname.clone());
    scan.relationship = Some("Outer");
    match from {
        None => item.children.push(scan),
        Some(node) => {
            // Each target row joins the FROM items' rows, whose plan reads
            // the target row as its enclosing row.
            let mut join = Item::new("Nested Loop", "Nested Loop".into());
            join.target = vec![("Join Type", Prop::Text("Inner".into()))];
            join.relationship = Some("Outer");
            let row: Vec<String> = table
                .columns
                .iter()
                .map(|c| format!("{}.{}", quote_ident(&refname), quote_ident(&c.name)))
                .collect();
            b.push_outer(row);
            let mut inner = b.item(node);
            b.pop_outer();
            inner.relationship = Some("Inner");
            join.children.push(scan);
            join.children.push(inner);
            item.children.push(join);
        }
    }
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
