//! EXPLAIN: renders a plan tree as PostgreSQL does (without costs), in
//! its text, JSON, YAML and XML formats.
//!
//! ```text
//! Hash Join
//!   Hash Cond: (o.cid = c.id)
//!   ->  Seq Scan on orders o
//!         Filter: (amount > 10)
//!   ->  Hash
//!         ->  Seq Scan on customers c
//! ```
//!
//! The plan first becomes a tree of [`Item`]s: one per node PostgreSQL
//! would show (a hash join's inner side gets its `Hash` node, a
//! projection shows as nothing), each with PostgreSQL's node type, its
//! text heading, and its properties under PostgreSQL's key names in
//! PostgreSQL's order (`Relation Name`, `Alias`, `Index Cond`, `Filter`,
//! `Hash Cond`, `Sort Key`, ...). The formats then print that tree: the
//! text format a heading line per node with its detail lines, the others
//! every property (see [`crate::plan::explain_format`]).
//!
//! Expressions print as PostgreSQL's `ruleutils.c` prints them (see
//! [`crate::plan::explain_expr`]), their columns named as in
//! PostgreSQL: a scan's own conditions by `column`; the others (join
//! conditions, sort and group keys) by `column` when the statement reads
//! one relation, else `alias.column`; each relation by its alias or name, a name used twice
//! numbered (`t`, `t_1`) as PostgreSQL's `set_rtable_names` does (the
//! relations of subqueries after the statement's own, as they follow
//! them in PostgreSQL's range table).
//!
//! A subquery inside a node's expressions shows below that node, as
//! PostgreSQL's SubPlans and InitPlans do: `InitPlan 1 (returns $0)`
//! before the node's inputs for one that runs once, `SubPlan 1` after
//! them for one that runs per row (see [`crate::plan::explain_expr`] for
//! how each prints inside the expression). Subqueries of a select list
//! are numbered before those of the WHERE clause below it, as PostgreSQL
//! plans them; their plans see the node's row as the enclosing row, so
//! their references to it print qualified (`t.a`).

use std::collections::HashMap;

use crate::exec::instrument::{Instrument, NodeStats};
use crate::plan::explain_expr::{deparse, Names, SubplanCounter};
use crate::plan::expr::{Expr, Subquery};
use crate::plan::node::{Access, JoinKind, Node, ScanPlan, SetOpKind, SortKey};
use crate::types::BinaryOp;

/// EXPLAIN's output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Lines of text (one row each).
    Text,
    /// One JSON document.
    Json,
    /// One YAML document.
    Yaml,
    /// One XML document.
    Xml,
}

/// A property value.
#[derive(Debug, Clone)]
pub enum Prop {
    /// A string.
    Text(String),
    /// A list of strings (`Sort Key`, `Group Key`).
    List(Vec<String>),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(u64),
    /// A number with three decimals (milliseconds).
    Ms(f64),
}

/// One node as EXPLAIN shows it.
#[derive(Debug, Clone)]
pub struct Item<'n> {
    /// The plan node whose counters it shows (EXPLAIN ANALYZE).
    pub node: Option<&'n Node>,
    /// The scan whose filter counts it shows (`Rows Removed by Filter`).
    pub scan: Option<&'n ScanPlan>,
    /// The parallel scan a `Gather` gathers (its `Workers Launched`).
    pub gather: Option<&'n ScanPlan>,
    /// For a `ModifyTable`, the key of its statement's counters (see
    /// [`crate::exec::instrument::statement_key`]).
    pub statement: Option<usize>,
    /// PostgreSQL's `Parallel Aware`: a node each worker runs a part of,
    /// whose counters show per worker.
    pub parallel_aware: bool,
    /// PostgreSQL's node type (`Seq Scan`, `Aggregate`).
    pub node_type: String,
    /// The text format's heading (`Seq Scan on t x`, `HashAggregate`).
    pub heading: String,
    /// Properties printed before `Parent Relationship` (`Strategy`).
    pub early: Vec<(&'static str, Prop)>,
    /// The relationship to its parent (`Outer`, `Inner`, `Member`,
    /// `InitPlan`, `SubPlan`).
    pub relationship: Option<&'static str>,
    /// `Subplan Name` (`CTE x`, `SubPlan 1`): also the text format's
    /// header line above it.
    pub subplan_name: Option<String>,
    /// Properties after `Async Capable`: the join type, the relation.
    pub target: Vec<(&'static str, Prop)>,
    /// Properties after the counters: conditions, keys. Those whose name
    /// starts with `~` are left out of the text format, those whose name
    /// starts with `^` are in the text format only.
    pub details: Vec<(&'static str, Prop)>,
    /// Children: init plans first, then the outer and inner inputs, then
    /// sub plans.
    pub children: Vec<Item<'n>>,
}

impl<'n> Item<'n> {
    /// An item of type `node_type` shown as `heading`, with no node,
    /// properties or children yet.
    pub fn new(node_type: &str, heading: String) -> Self {
        Item {
            node: None,
            scan: None,
            gather: None,
            statement: None,
            parallel_aware: false,
            node_type: node_type.into(),
            heading,
            early: Vec::new(),
            relationship: None,
            subplan_name: None,
            target: Vec::new(),
            details: Vec::new(),
            children: Vec::new(),
        }
    }
}

/// What an EXPLAIN ANALYZE adds: the counters, and whether times show.
pub type Actuals<'s> = Option<(&'s Instrument, bool)>;

/// The counters `item` shows: its node's, per worker for a parallel
/// scan.
pub(crate) fn stats_of(item: &Item<'_>, stats: &Instrument) -> Option<NodeStats> {
    if let Some(key) = item.statement {
        return stats.statement(key);
    }
    let Some(node) = item.node else {
        if item.scan.is_none() && item.node_type == "Append" {
            return appended(item, stats);
        }
        // A DML statement's own scan counts itself.
        return stats.scan_stats(item.scan?);
    };
    match item.scan {
        Some(scan) if item.parallel_aware => stats.per_worker(node, scan),
        // A merge join's inner scan counts itself.
        _ => stats
            .get(node)
            .copied()
            .or_else(|| item.scan.and_then(|s| stats.scan_stats(s))),
    }
}

/// The counters of an `Append` that stands for no node of ours (a
/// UNION's, under its `HashAggregate`): its members' rows, once they ran.
fn appended(item: &Item<'_>, stats: &Instrument) -> Option<NodeStats> {
    let ran: Vec<NodeStats> = item
        .children
        .iter()
        .filter_map(|c| stats_of(c, stats))
        .collect();
    let first = ran.first()?;
    Some(NodeStats {
        loops: ran.iter().map(|s| s.loops).max().unwrap_or(1),
        rows: ran.iter().map(|s| s.rows).sum(),
        startup: first.startup,
        total: ran.iter().map(|s| s.total).sum(),
    })
}

/// Which output columns of `node` it computes (an aggregate, an
/// expression) rather than passes on from a table: PostgreSQL's
/// non-`Var` target entries.
fn computed_outputs(node: &Node) -> Vec<bool> {
    crate::sql::depth::guard(|| match node {
        Node::Filter { input, .. }
        | Node::Sort { input, .. }
        | Node::Limit { input, .. }
        | Node::Distinct { input, .. } => computed_outputs(input),
        Node::Project { input, exprs, .. } => {
            let below = computed_outputs(input);
            exprs
                .iter()
                .map(|e| match e {
                    Expr::Column(i, _) => below.get(*i).copied().unwrap_or(false),
                    _ => true,
                })
                .collect()
        }
        Node::Aggregate { group_by, aggs, .. } => group_by
            .iter()
            .map(|g| !matches!(g, Expr::Column(..)))
            .chain(aggs.iter().map(|_| true))
            .collect(),
        _ => Vec::new(),
    })
}

/// The tree of [`Item`]s EXPLAIN shows for `node`, its parallel scans
/// planned with at most `max_workers` workers each
/// (`max_parallel_workers_per_gather`).
pub fn build(node: &Node, max_workers: usize) -> Item<'_> {
    let mut b = Builder::new(max_workers);
    b.name_relations(&[node], Vec::new());
    let mut item = b.item(node);
    item.relationship = None;
    item
}

/// Gives every scanned relation its reference name (its alias or name,
/// numbered when repeated) and counts the relations; the plans of
/// subqueries met are queued on `subplans`, to be named after.
fn name_relations<'n>(
    node: &'n Node,
    names: &mut HashMap<usize, String>,
    used: &mut Vec<String>,
    count: &mut usize,
    subplans: &mut Vec<&'n Node>,
) {
    crate::sql::depth::guard(|| {
        let mut base: Option<String> = None;
        match node {
            Node::Scan(s) => {
                base = Some(s.alias.clone().unwrap_or_else(|| s.table.name.clone()));
            }
            Node::SystemScan { rel, .. } => base = Some(rel.name.to_string()),
            Node::SequenceRow { seq, .. } => base = Some(seq.name.clone()),
            Node::Values { rows, .. } if !(rows.len() == 1 && rows[0].is_empty()) => {
                base = Some("*VALUES*".into())
            }
            Node::Series { .. } => base = Some("generate_series".into()),
            Node::Unnest { .. } => base = Some("unnest".into()),
            Node::JsonRecords { func, .. } => base = Some(func.to_string()),
            Node::JsonRows { func, .. } => base = Some(func.name().to_string()),
            _ => {}
        }
        // A node named beforehand (a DML statement's target scan) keeps
        // its name.
        let base = base.filter(|_| !names.contains_key(&(node as *const Node as usize)));
        if let Some(base) = base {
            *count += 1;
            let mut name = base.clone();
            let mut k = 0;
            while used.contains(&name) {
                k += 1;
                name = format!("{base}_{k}");
            }
            used.push(name.clone());
            names.insert(node as *const Node as usize, name);
        }
        let mut subs = Vec::new();
        for e in own_exprs(node) {
            subqueries_in(e, &mut subs);
        }
        subplans.extend(subs.into_iter().map(|s| &*s.plan));
        for c in children_of(node) {
            name_relations(c, names, used, count, subplans);
        }
    })
}

/// The expressions of `node` itself (not those of its inputs) whose
/// subqueries EXPLAIN shows below it.
fn own_exprs(node: &Node) -> Vec<&Expr> {
    let mut v: Vec<&Expr> = Vec::new();
    match node {
        Node::Scan(s) => {
            match &s.access {
                Access::Full => {}
                Access::PkPoint(eq) => v.extend(eq),
                Access::PkRange { lower, upper } => {
                    v.extend(lower.iter().chain(upper).map(|(e, _)| e))
                }
                Access::IndexScan {
                    eq, lower, upper, ..
                } => {
                    v.extend(eq);
                    v.extend(lower.iter().chain(upper).map(|(e, _)| e));
                }
                Access::KeyRange {
                    eq, lower, upper, ..
                } => {
                    v.extend(eq);
                    v.extend(lower.iter().chain(upper).flat_map(|(e, _)| e));
                }
            }
            v.extend(&s.filter);
        }
        Node::Filter { predicate, .. } => v.push(predicate),
        Node::Project { exprs, .. } => v.extend(exprs),
        Node::Join { on, .. } => v.extend(on),
        Node::Sort { keys, .. } => v.extend(keys.iter().map(|k| &k.expr)),
        Node::Limit { limit, offset, .. } => {
            v.extend(limit);
            v.extend(offset);
        }
        Node::Aggregate { group_by, .. } => v.extend(group_by),
        Node::Distinct { on, .. } => v.extend(on),
        _ => {}
    }
    v
}

/// The number of an InitPlan item (`InitPlan 3 (returns $2)`).
fn init_plan_number(item: &Item<'_>) -> Option<usize> {
    item.subplan_name
        .as_deref()?
        .strip_prefix("InitPlan ")?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

/// The subqueries in `e`, outermost first (not those inside their plans).
fn subqueries_in<'e>(e: &'e Expr, out: &mut Vec<&'e Subquery>) {
    crate::sql::depth::guard(|| {
        if let Expr::Subquery(sq) = e {
            out.push(sq);
        }
        e.for_each_child(&mut |c| subqueries_in(c, out));
    })
}

/// The plan inputs of `node` (for naming relations).
fn children_of(node: &Node) -> Vec<&Node> {
    match node {
        Node::Filter { input, .. }
        | Node::Project { input, .. }
        | Node::Aggregate { input, .. }
        | Node::Sort { input, .. }
        | Node::Limit { input, .. }
        | Node::Distinct { input, .. } => vec![input],
        Node::Window(w) => vec![&w.input],
        Node::Join { left, right, .. } | Node::SetOp { left, right, .. } => vec![left, right],
        Node::RowsFrom { funcs } => funcs.iter().collect(),
        Node::Cte(c) => match c {
            crate::plan::cte::CteNode::With { input, ctes } => {
                let mut v: Vec<&Node> = ctes.iter().map(|c| &c.plan).collect();
                v.push(input);
                v
            }
            crate::plan::cte::CteNode::RecursiveUnion { nonrec, rec, .. } => {
                vec![nonrec, rec]
            }
            _ => vec![],
        },
        _ => vec![],
    }
}

/// The members of a UNION (with ALL when `all`) that `node` contributes:
/// `node` itself, or the members of a UNION it is whose rows PostgreSQL's
/// planner appends in the same `Append` (a UNION ALL under either, or a
/// UNION under a UNION).
fn union_members<'n>(node: &'n Node, all: bool, out: &mut Vec<&'n Node>) {
    match node {
        Node::SetOp {
            left,
            right,
            kind: SetOpKind::Union,
            all: inner,
        } if *inner == all || *inner => {
            union_members(left, all, out);
            union_members(right, all, out);
        }
        other => out.push(other),
    }
}

/// The SELECTs (leaves) of the set operation `node` (1 for any other node).
fn setop_leaves(node: &Node) -> usize {
    match node {
        Node::SetOp { left, right, .. } => setop_leaves(left) + setop_leaves(right),
        _ => 1,
    }
}

/// Builds [`Item`]s: the names of the relations and of the subplans met so
/// far, and what decides how expressions print.
pub(crate) struct Builder {
    refnames: HashMap<usize, String>,
    /// The reference names taken so far.
    used: Vec<String>,
    /// The relations named so far.
    count: usize,
    prefix: bool,
    outer: Vec<Vec<String>>,
    subplans: SubplanCounter,
    /// `max_parallel_workers_per_gather`.
    max_workers: usize,
    /// The scans read serially whatever their table (a DML statement's
    /// target, which it writes as it reads), by address.
    serial: Vec<usize>,
    /// Within a set operation, the leaves (its SELECTs) before the part
    /// being shown: PostgreSQL numbers them `*SELECT* 1`, `*SELECT* 2`,
    /// ... across the whole operation.
    setop_leaf: usize,
    /// Whether the parallel workers take part in top-N sorts and
    /// aggregates above them ([`crate::exec::gather_stage`]): not under
    /// EXPLAIN ANALYZE, which runs the plan without.
    stages: bool,
}

fn text(s: impl Into<String>) -> Prop {
    Prop::Text(s.into())
}

impl Builder {
    /// Whether a LIMIT `limit` OFFSET `offset` over `input` runs as a
    /// top-N sort whose rows the parallel workers sort first
    /// ([`crate::exec::gather_stage`]): `input` a Sort (under a projection
    /// that only picks columns), a constant count within
    /// [`crate::exec::top_n::MAX_TOP_N`], and the sort's input one the
    /// workers read.
    fn top_n_staged(&self, input: &Node, limit: &Option<Expr>, offset: &Option<Expr>) -> bool {
        let Some((Node::Sort { input, keys }, _)) = input.top_n_sort() else {
            return false;
        };
        let literal = |e: &Expr| match e {
            Expr::Literal(v, _) => v.as_i64(),
            _ => None,
        };
        let Some(l) = limit.as_ref().and_then(literal) else {
            return false;
        };
        let o = match offset {
            None => 0,
            Some(e) => match literal(e) {
                Some(o) => o,
                None => return false,
            },
        };
        if l <= 0 || o < 0 {
            return false;
        }
        let n = l.saturating_add(o);
        n as u64 <= crate::exec::top_n::MAX_TOP_N
            && crate::exec::gather_stage::GatherStage::top_n(
                input,
                keys,
                n as usize,
                self.max_workers,
            )
            .is_some()
    }

    /// Shows the plan as EXPLAIN ANALYZE runs it (`analyze`): without the
    /// workers' part in top-N sorts and aggregates.
    pub(crate) fn set_analyze(&mut self, analyze: bool) {
        self.stages = !analyze;
    }

    /// A builder whose parallel scans plan at most `max_workers` workers.
    pub(crate) fn new(max_workers: usize) -> Self {
        Builder {
            refnames: HashMap::new(),
            used: Vec::new(),
            count: 0,
            prefix: false,
            outer: Vec::new(),
            subplans: SubplanCounter::default(),
            max_workers,
            stages: true,
            serial: Vec::new(),
            setop_leaf: 0,
        }
    }

    /// Shows `s` read serially (never under a `Gather`).
    pub(crate) fn read_serially(&mut self, s: &ScanPlan) {
        self.serial.push(s as *const ScanPlan as usize);
    }

    /// Whether node `n` may be read in parallel: false for a scan marked
    /// by [`Builder::read_serially`].
    fn parallel_allowed(&self, n: &Node) -> bool {
        !matches!(n, Node::Scan(s) if self.serial.contains(&(s as *const ScanPlan as usize)))
    }

    /// Names the relations `roots` (and the subqueries in them) read, after
    /// those named before and the names `used` (taken by relations that
    /// are no plan node); column names are then qualified when there are
    /// several relations.
    pub(crate) fn name_relations(&mut self, roots: &[&Node], used: Vec<String>) {
        self.count += used.len();
        self.used.extend(used);
        let mut pending: Vec<&Node> = roots.to_vec();
        let mut k = 0;
        while let Some(&n) = pending.get(k) {
            name_relations(
                n,
                &mut self.refnames,
                &mut self.used,
                &mut self.count,
                &mut pending,
            );
            k += 1;
        }
        self.prefix = self.count > 1;
    }

    /// Takes a reference name for a DML statement's target: `base`, or
    /// `base_1`, `base_2`, ... when taken; the scan node `scan` reading
    /// the target (an UPDATE ... FROM's join input) gets it too.
    pub(crate) fn take_name(&mut self, base: &str, scan: Option<&Node>) -> String {
        let mut name = base.to_string();
        let mut k = 0;
        while self.used.contains(&name) {
            k += 1;
            name = format!("{base}_{k}");
        }
        self.name_relations(&[], vec![name.clone()]);
        if let Some(n) = scan {
            self.refnames
                .insert(n as *const Node as usize, name.clone());
        }
        name
    }

    fn refname(&self, node: &Node) -> String {
        self.refnames
            .get(&(node as *const Node as usize))
            .cloned()
            .unwrap_or_default()
    }

    /// `e` over a row whose columns are named `row`.
    pub(crate) fn expr(&mut self, e: &Expr, row: &[String]) -> String {
        let names = Names {
            row,
            outer: &self.outer,
        };
        deparse(e, &names, &mut self.subplans)
    }

    /// The names of `node`'s output columns, as expressions over it.
    fn output_names(&mut self, node: &Node) -> Vec<String> {
        crate::sql::depth::guard(|| self.output_names_level(node))
    }

    /// The names of `node`'s output columns as its parent refers to them:
    /// PostgreSQL parenthesizes a reference to a column the node below
    /// computes (`Sort Key: (count(*))`, `Sort Key: ((v + 1))`).
    fn referenced_names(&mut self, node: &Node) -> Vec<String> {
        let names = self.output_names(node);
        let computed = computed_outputs(node);
        names
            .into_iter()
            .enumerate()
            .map(|(i, n)| match computed.get(i) {
                Some(true) => format!("({n})"),
                _ => n,
            })
            .collect()
    }

    fn qualified(&self, node: &Node, cols: impl Iterator<Item = String>) -> Vec<String> {
        let r = self.refname(node);
        cols.map(|c| {
            let c = quote_ident(&c);
            if self.prefix && !r.is_empty() {
                format!("{}.{c}", quote_ident(&r))
            } else {
                c
            }
        })
        .collect()
    }

    fn output_names_level(&mut self, node: &Node) -> Vec<String> {
        match node {
            Node::Scan(s) => self.qualified(node, s.table.columns.iter().map(|c| c.name.clone())),
            Node::Filter { input, .. }
            | Node::Sort { input, .. }
            | Node::Limit { input, .. }
            | Node::Distinct { input, .. } => self.output_names(input),
            Node::Project { input, exprs, .. } => {
                let inner = self.output_names(input);
                exprs.iter().map(|e| self.expr(e, &inner)).collect()
            }
            Node::Join {
                left,
                right,
                kind,
                lateral,
                ..
            } => {
                let mut l = self.output_names(left);
                if matches!(kind, JoinKind::Semi | JoinKind::Anti) {
                    return l;
                }
                if *lateral {
                    self.outer.push(l.clone());
                }
                let r = self.output_names(right);
                if *lateral {
                    self.outer.pop();
                }
                l.extend(r);
                l
            }
            Node::Aggregate {
                input,
                group_by,
                aggs,
                ..
            } => {
                let inner = self.output_names(input);
                let mut out: Vec<String> = group_by.iter().map(|g| self.expr(g, &inner)).collect();
                for a in aggs {
                    let name = agg_name(a.func);
                    let arg = match &a.arg {
                        None => "*".to_string(),
                        Some(e) => self.expr(e, &inner),
                    };
                    let distinct = if a.distinct { "DISTINCT " } else { "" };
                    out.push(format!("{name}({distinct}{arg})"));
                }
                out
            }
            Node::Window(w) => {
                let mut out = self.output_names(&w.input);
                out.extend(w.calls.iter().map(|_| "?window?".to_string()));
                out
            }
            Node::SetOp { left, .. } => self.output_names(left),
            Node::RowsFrom { funcs } => funcs.iter().flat_map(|f| self.output_names(f)).collect(),
            other => self.qualified(other, other.columns().into_iter().map(|c| c.name)),
        }
    }

    /// The item of `node` and its inputs.
    pub(crate) fn item<'n>(&mut self, node: &'n Node) -> Item<'n> {
        crate::sql::depth::guard(|| {
            let mut subs = Vec::new();
            for e in own_exprs(node) {
                subqueries_in(e, &mut subs);
            }
            // A select list's subqueries are planned (numbered) before
            // those of the nodes below it.
            if matches!(node, Node::Project { .. }) {
                for s in &subs {
                    self.subplans.number(s);
                }
            }
            let mut item = self.item_level(node);
            if !subs.is_empty() {
                self.attach_subplans(&mut item, node, subs);
            }
            item
        })
    }

    /// Adds the plans of `subs` (subqueries of `node`'s own expressions)
    /// to `item`: InitPlans after those already there, SubPlans last.
    fn attach_subplans<'n>(
        &mut self,
        item: &mut Item<'n>,
        node: &'n Node,
        subs: Vec<&'n Subquery>,
    ) {
        let row = match node {
            Node::Scan(_) => self.output_names(node),
            Node::Filter { input, .. }
            | Node::Project { input, .. }
            | Node::Sort { input, .. }
            | Node::Limit { input, .. }
            | Node::Aggregate { input, .. }
            | Node::Distinct { input, .. } => self.output_names(input),
            Node::Join { left, right, .. } => {
                let mut l = self.output_names(left);
                l.extend(self.output_names(right));
                l
            }
            other => self.output_names(other),
        };
        for sq in subs {
            let (k, param) = self.subplans.number(sq);
            self.outer.push(row.clone());
            let mut child = self.item(&sq.plan);
            self.outer.pop();
            match param {
                Some(p) => {
                    child.relationship = Some("InitPlan");
                    child.subplan_name = Some(format!("InitPlan {k} (returns ${p})"));
                    // Among the InitPlans already there, in number order.
                    let at = item
                        .children
                        .iter()
                        .position(|c| {
                            c.relationship != Some("InitPlan") || init_plan_number(c) > Some(k)
                        })
                        .unwrap_or(item.children.len());
                    item.children.insert(at, child);
                }
                None => {
                    child.relationship = Some("SubPlan");
                    child.subplan_name = Some(format!("SubPlan {k}"));
                    item.children.push(child);
                }
            }
        }
    }

    /// An item of `node` without details or children.
    pub(crate) fn leaf<'n>(&self, node: &'n Node, node_type: &str, heading: String) -> Item<'n> {
        let mut item = Item::new(node_type, heading);
        item.node = Some(node);
        item
    }

    /// A scan of a relation-like leaf: `Function Scan on f` and its
    /// alias when it differs.
    fn scan_leaf<'n>(&self, node: &'n Node, node_type: &str, rel: &str) -> Item<'n> {
        let r = self.refname(node);
        let heading = if r == rel || r.is_empty() {
            format!("{node_type} on {rel}")
        } else {
            format!("{node_type} on {rel} {r}")
        };
        let mut item = self.leaf(node, node_type, heading);
        let key = if node_type == "Function Scan" {
            "Function Name"
        } else {
            "Relation Name"
        };
        item.target.push((key, text(rel)));
        item.target.push(("Alias", text(r)));
        item
    }

    fn sort_keys(&mut self, keys: &[SortKey], row: &[String]) -> Vec<String> {
        keys.iter()
            .map(|k| {
                let mut s = self.expr(&k.expr, row);
                if k.descending {
                    s.push_str(" DESC");
                    if !k.nulls_first {
                        s.push_str(" NULLS LAST");
                    }
                } else if k.nulls_first {
                    s.push_str(" NULLS FIRST");
                }
                s
            })
            .collect()
    }

    /// Adds `Parent Relationship` to children and builds them.
    fn with_children<'n>(
        &mut self,
        mut item: Item<'n>,
        children: &[(&'n Node, &'static str)],
    ) -> Item<'n> {
        for (c, rel) in children {
            let mut ci = self.item(c);
            ci.relationship = Some(*rel);
            item.children.push(ci);
        }
        item
    }

    fn item_level<'n>(&mut self, node: &'n Node) -> Item<'n> {
        match node {
            Node::Cte(c) => {
                let mut init: Vec<(String, &'n Node)> = Vec::new();
                match crate::plan::explain_cte::parts(c, &mut init) {
                    crate::plan::explain_cte::Parts::Through(input) => {
                        let mut item = self.item(input);
                        let mut inits = Vec::new();
                        for (name, plan) in init {
                            let mut ci = self.item(plan);
                            ci.relationship = Some("InitPlan");
                            ci.subplan_name = Some(name);
                            inits.push(ci);
                        }
                        inits.append(&mut item.children);
                        item.children = inits;
                        item
                    }
                    crate::plan::explain_cte::Parts::Node(head, children) => {
                        let node_type = head.split(" on ").next().unwrap_or("").to_string();
                        let mut item = self.leaf(node, &node_type, head.clone());
                        if let Some((_, rest)) = head.split_once(" on ") {
                            let mut words = rest.split(' ');
                            let name = words.next().unwrap_or("").to_string();
                            let alias = words.next().unwrap_or(&name).to_string();
                            item.target.push(("CTE Name", text(name)));
                            item.target.push(("Alias", text(alias)));
                        }
                        let rels = ["Outer", "Inner"];
                        let kids: Vec<(&'n Node, &'static str)> = children
                            .into_iter()
                            .enumerate()
                            .map(|(k, c)| (c, rels[k.min(1)]))
                            .collect();
                        self.with_children(item, &kids)
                    }
                }
            }
            Node::Values { rows, .. } if rows.len() == 1 && rows[0].is_empty() => {
                self.leaf(node, "Result", "Result".into())
            }
            Node::Values { .. } => {
                let heading = format!("Values Scan on {}", quote_ident(&self.refname(node)));
                let mut item = self.leaf(node, "Values Scan", heading);
                item.target.push(("Alias", text(self.refname(node))));
                item
            }
            Node::Series { .. } => self.scan_leaf(node, "Function Scan", "generate_series"),
            Node::Unnest { .. } => self.scan_leaf(node, "Function Scan", "unnest"),
            Node::RowsFrom { .. } => self.leaf(node, "ProjectSet", "ProjectSet".into()),
            Node::JsonRecords { func, .. } => self.scan_leaf(node, "Function Scan", func),
            Node::JsonRows { func, .. } => self.scan_leaf(node, "Function Scan", func.name()),
            Node::SystemScan { rel, .. } => self.scan_leaf(node, "Seq Scan", rel.name),
            Node::SequenceRow { seq, .. } => self.scan_leaf(node, "Seq Scan", &seq.name),
            Node::Scan(s) => self.scan(node, s),
            Node::Filter { input, predicate } => {
                // PostgreSQL shows such a filter on the node below it.
                let row = self.output_names(input);
                let cond = self.expr(predicate, &row);
                let mut item = self.item(input);
                item.node = Some(node);
                match item.details.iter_mut().find(|(k, _)| *k == "Filter") {
                    Some((_, Prop::Text(t))) => *t = and_text(vec![t.clone(), cond]),
                    _ => item.details.push(("Filter", text(cond))),
                }
                item
            }
            Node::Project { input, .. } => self.item(input),
            Node::Join {
                left,
                right,
                kind,
                on,
                lateral,
                hash,
            } => {
                // A semi join whose inner side is unique on the hash keys
                // is an inner join: PostgreSQL plans it as one
                // (`reduce_unique_semijoins`), and shows it so.
                let unique = hash.as_ref().is_some_and(|h| inner_unique(right, &h.right));
                let merge = hash.as_ref().is_some_and(|h| h.merge);
                let shown = match kind {
                    JoinKind::Semi if unique && !merge => JoinKind::Inner,
                    k => *k,
                };
                let join_type = match shown {
                    JoinKind::Inner => "Inner",
                    JoinKind::Left => "Left",
                    JoinKind::Full => "Full",
                    JoinKind::Semi => "Semi",
                    JoinKind::Anti => "Anti",
                };
                let l = self.output_names(left);
                if *lateral {
                    self.outer.push(l.clone());
                }
                let r = self.output_names(right);
                let mut row = l.clone();
                row.extend(r.iter().cloned());
                let mut conds: Vec<String> = Vec::new();
                if let Some(on) = on {
                    let mut parts = Vec::new();
                    crate::plan::expr::conjuncts(on, &mut parts);
                    // A constant true (`ON true`) is no condition.
                    conds = parts
                        .iter()
                        .filter(|p| !matches!(p, Expr::Literal(crate::types::Value::Bool(true), _)))
                        .map(|p| self.expr(p, &row))
                        .collect();
                }
                let mut hash_conds = Vec::new();
                if let Some(h) = hash {
                    for (lk, rk) in h.left.iter().zip(&h.right) {
                        let a = self.expr(lk, &l);
                        let b = self.expr(rk, &r);
                        let c = format!("({a} = {b})");
                        let flipped = format!("({b} = {a})");
                        if let Some(pos) = conds.iter().position(|x| *x == c || *x == flipped) {
                            conds.remove(pos);
                        }
                        hash_conds.push(c);
                    }
                }
                let (node_type, heading) = match (hash.is_some(), merge, shown) {
                    (true, true, JoinKind::Inner) => ("Merge Join", "Merge Join".to_string()),
                    (true, true, _) => ("Merge Join", format!("Merge {join_type} Join")),
                    (true, false, JoinKind::Inner) => ("Hash Join", "Hash Join".to_string()),
                    (true, false, _) => ("Hash Join", format!("Hash {join_type} Join")),
                    (false, _, JoinKind::Inner) => ("Nested Loop", "Nested Loop".to_string()),
                    (false, _, _) => ("Nested Loop", format!("Nested Loop {join_type} Join")),
                };
                let mut item = self.leaf(node, node_type, heading);
                item.target.push(("Join Type", text(join_type)));
                item.target.push(("~Inner Unique", Prop::Bool(unique)));
                if !hash_conds.is_empty() {
                    let key = if merge { "Merge Cond" } else { "Hash Cond" };
                    item.details.push((key, text(and_text(hash_conds))));
                }
                if !conds.is_empty() {
                    item.details.push(("Join Filter", text(and_text(conds))));
                }
                let mut left_item = self.item(left);
                left_item.relationship = Some("Outer");
                let right_item = self.item(right);
                if *lateral {
                    self.outer.pop();
                }
                item.children.push(left_item);
                if hash.is_some() && !merge {
                    let mut h = self.leaf(right, "Hash", "Hash".into());
                    h.relationship = Some("Inner");
                    let mut ri = right_item;
                    ri.relationship = Some("Outer");
                    h.children.push(ri);
                    h.node = Some(right);
                    item.children.push(h);
                    if let Some(keys) = hash.as_ref().filter(|_| self.parallel_allowed(left)) {
                        let workers = crate::exec::parallel_probe::planned(
                            left,
                            *kind,
                            on.as_ref(),
                            keys,
                            self.max_workers,
                        );
                        if workers > 0 {
                            item = gather_join(node, item);
                        }
                    }
                } else {
                    let mut ri = right_item;
                    ri.relationship = Some("Inner");
                    item.children.push(ri);
                }
                item
            }
            Node::Aggregate {
                input,
                group_by,
                aggs,
                sets,
                ..
            } => {
                let row = self.output_names(input);
                let (strategy, heading) = if group_by.is_empty() {
                    ("Plain", "Aggregate")
                } else {
                    ("Hashed", "HashAggregate")
                };
                let mut item = self.leaf(node, "Aggregate", heading.into());
                item.early.push(("Strategy", text(strategy)));
                item.early.push(("Partial Mode", text("Simple")));
                if !group_by.is_empty() && sets.is_empty() {
                    let keys = group_by.iter().map(|g| self.expr(g, &row)).collect();
                    item.details.push(("Group Key", Prop::List(keys)));
                }
                let item = self.with_children(item, &[(input.as_ref(), "Outer")]);
                let staged = self.stages
                    && sets.is_empty()
                    && crate::exec::gather_stage::GatherStage::aggregate(
                        input,
                        group_by,
                        aggs,
                        0,
                        self.max_workers,
                    )
                    .is_some();
                if staged {
                    partial_aggregate(item)
                } else {
                    item
                }
            }
            Node::Sort { input, keys } => {
                let row = self.referenced_names(input);
                let mut item = self.leaf(node, "Sort", "Sort".into());
                let keys = self.sort_keys(keys, &row);
                item.details.push(("Sort Key", Prop::List(keys)));
                self.with_children(item, &[(input.as_ref(), "Outer")])
            }
            Node::Window(w) => {
                let item = self.leaf(node, "WindowAgg", "WindowAgg".into());
                self.with_children(item, &[(&w.input, "Outer")])
            }
            Node::Limit {
                input,
                limit,
                offset,
                ties,
            } => {
                let item = self.leaf(node, "Limit", "Limit".into());
                let item = self.with_children(item, &[(input.as_ref(), "Outer")]);
                if self.stages && ties.is_none() && self.top_n_staged(input, limit, offset) {
                    gather_merge(item)
                } else {
                    item
                }
            }
            Node::Distinct { input, on } if on.is_empty() => {
                let row = self.output_names(input);
                let mut item = self.leaf(node, "Aggregate", "HashAggregate".into());
                item.early.push(("Strategy", text("Hashed")));
                item.early.push(("Partial Mode", text("Simple")));
                item.details.push(("Group Key", Prop::List(row)));
                self.with_children(item, &[(input.as_ref(), "Outer")])
            }
            Node::Distinct { input, .. } => {
                let item = self.leaf(node, "Unique", "Unique".into());
                self.with_children(item, &[(input.as_ref(), "Outer")])
            }
            Node::SetOp {
                left,
                right,
                kind,
                all,
            } => self.setop(node, left, right, *kind, *all),
        }
    }

    /// A set operation as PostgreSQL plans it: a UNION's members (nested
    /// UNIONs flattened as PostgreSQL's `plan_union_children` does) under
    /// an `Append`, itself under a `HashAggregate` on every column without
    /// ALL; INTERSECT and EXCEPT as a `HashSetOp` over an `Append` of its
    /// two inputs, each a `Subquery Scan on "*SELECT* n"`.
    fn setop<'n>(
        &mut self,
        node: &'n Node,
        left: &'n Node,
        right: &'n Node,
        kind: SetOpKind,
        all: bool,
    ) -> Item<'n> {
        let mut append = Item::new("Append", "Append".into());
        if kind == SetOpKind::Union {
            let mut members = Vec::new();
            union_members(left, all, &mut members);
            union_members(right, all, &mut members);
            let base = self.setop_leaf;
            let mut first = base;
            for m in members {
                let nested = matches!(m, Node::SetOp { .. });
                self.setop_leaf = if nested { first } else { 0 };
                let mut mi = self.item(m);
                mi.relationship = Some("Member");
                append.children.push(mi);
                first += setop_leaves(m);
            }
            self.setop_leaf = base;
            if all {
                append.node = Some(node);
                return append;
            }
            let keys = self.output_names(left);
            let mut item = self.leaf(node, "Aggregate", "HashAggregate".into());
            item.early.push(("Strategy", text("Hashed")));
            item.early.push(("Partial Mode", text("Simple")));
            item.details.push(("Group Key", Prop::List(keys)));
            append.relationship = Some("Outer");
            item.children.push(append);
            return item;
        }
        let command = match (kind, all) {
            (SetOpKind::Intersect, false) => "Intersect",
            (SetOpKind::Intersect, true) => "Intersect All",
            (_, false) => "Except",
            (_, true) => "Except All",
        };
        let mut item = self.leaf(node, "SetOp", format!("HashSetOp {command}"));
        item.early.push(("Strategy", text("Hashed")));
        let base = self.setop_leaf;
        for (first, input) in [(base, left), (base + setop_leaves(left), right)] {
            let nested = matches!(input, Node::SetOp { .. });
            // A leaf's own plan starts no numbering of this operation's.
            self.setop_leaf = if nested { first } else { 0 };
            let mut ci = self.item(input);
            self.setop_leaf = base;
            if nested {
                ci.relationship = Some("Member");
            } else {
                let name = format!("*SELECT* {}", first + 1);
                let mut sub = Item::new(
                    "Subquery Scan",
                    format!("Subquery Scan on {}", quote_ident(&name)),
                );
                // The scan passes its input's rows on.
                sub.node = Some(input);
                sub.target.push(("Alias", text(name)));
                sub.relationship = Some("Member");
                ci.relationship = Some("Subquery");
                sub.children.push(ci);
                ci = sub;
            }
            append.children.push(ci);
        }
        append.relationship = Some("Outer");
        item.children.push(append);
        item
    }

    fn scan<'n>(&mut self, node: &'n Node, s: &'n ScanPlan) -> Item<'n> {
        let r = self.refname(node);
        let mut item = self.scan_named(s, r);
        item.node = Some(node);
        let workers = crate::exec::parallel_scan::planned(s, self.max_workers);
        if workers > 0 && item.node_type == "Seq Scan" && self.parallel_allowed(node) {
            return gather(item, s, workers);
        }
        item
    }

    /// The item of scan `s` of the relation named `r` (without a plan
    /// node: the scan of an UPDATE or DELETE, whose counters are kept by
    /// the scan itself).
    pub(crate) fn scan_named<'n>(&mut self, s: &'n ScanPlan, r: String) -> Item<'n> {
        let t = &s.table;
        let on = if r == t.name {
            quote_ident(&t.name)
        } else {
            format!("{} {}", quote_ident(&t.name), quote_ident(&r))
        };
        // A scan's own conditions name columns without the relation, as
        // PostgreSQL's `show_scan_qual` does (without VERBOSE).
        let row: Vec<String> = t.columns.iter().map(|c| quote_ident(&c.name)).collect();
        // The filter's conjuncts, those the index serves apart.
        let mut parts = Vec::new();
        if let Some(f) = &s.filter {
            crate::plan::expr::conjuncts(f, &mut parts);
        }
        let index = match &s.access {
            // Read in key order: an index scan of the primary key.
            Access::Full if s.reverse || s.ordered => Some((t.primary(), 0)),
            Access::Full => None,
            Access::PkPoint(_) => Some((t.primary(), t.primary().columns.len())),
            Access::PkRange { .. } => Some((t.primary(), 1)),
            Access::IndexScan {
                index,
                eq,
                lower,
                upper,
            } => Some((
                &t.indexes[*index],
                eq.len() + usize::from(lower.is_some() || upper.is_some()),
            )),
            Access::KeyRange { index, eq, .. } => Some((&t.indexes[*index], eq.len() + 1)),
        };
        let mut index_conds: Vec<(usize, String)> = Vec::new();
        let mut filters: Vec<String> = Vec::new();
        for p in &parts {
            // A constant true (an `ON true` pushed down) is no condition.
            if matches!(p, Expr::Literal(crate::types::Value::Bool(true), _)) {
                continue;
            }
            if let Some(cond) = self.row_key_condition(s, p, &row) {
                index_conds.push(cond);
                continue;
            }
            let keyed = index.and_then(|(ix, n)| {
                let (col, flipped_sig, other) = key_comparison(p)?;
                let pos = ix.columns[..n.min(ix.columns.len())]
                    .iter()
                    .position(|c| c.column == col)?;
                Some((pos, col, flipped_sig, other))
            });
            match keyed {
                Some((pos, col, op, other)) => {
                    let v = self.expr(other, &row);
                    let name = row.get(col).cloned().unwrap_or_default();
                    index_conds.push((pos, format!("({name} {} {v})", op.symbol())));
                }
                None => filters.push(self.expr(p, &row)),
            }
        }
        index_conds.sort_by_key(|(pos, _)| *pos);
        if index_conds.is_empty() {
            // The keys come from elsewhere (a join's outer row): shown
            // from the access path itself.
            index_conds = self.access_conds(s, &row);
        }
        let mut item = Item::new("Seq Scan", String::new());
        item.scan = Some(s);
        if let Some(sample) = &s.sample {
            item.node_type = "Sample Scan".into();
            item.heading = format!("Sample Scan on {on}");
            item.target.push(("Relation Name", text(t.name.clone())));
            item.target.push(("Alias", text(r)));
            if let Some((k, v)) = crate::plan::tablesample::explain_detail(sample).split_once(": ")
            {
                item.details.push((leak_key(k), text(v)));
            }
        } else if let Some((ix, _)) = index {
            let kind = if s.index_only {
                "Index Only Scan"
            } else {
                "Index Scan"
            };
            item.node_type = kind.into();
            let backward = if s.reverse { " Backward" } else { "" };
            item.heading = format!("{kind}{backward} using {} on {on}", quote_ident(&ix.name));
            let dir = if s.reverse { "Backward" } else { "Forward" };
            item.target.push(("Scan Direction", text(dir)));
            item.target.push(("Index Name", text(ix.name.clone())));
            item.target.push(("Relation Name", text(t.name.clone())));
            item.target.push(("Alias", text(r)));
            if !index_conds.is_empty() {
                let conds = index_conds.into_iter().map(|(_, c)| c).collect();
                item.details.push(("Index Cond", text(and_text(conds))));
            }
        } else {
            item.heading = format!("Seq Scan on {on}");
            item.target.push(("Relation Name", text(t.name.clone())));
            item.target.push(("Alias", text(r)));
        }
        if !filters.is_empty() {
            item.details.push(("Filter", text(and_text(filters))));
        }
        if let Some(lock) = s.lock {
            if let Some((k, v)) = crate::exec::row_locks::explain_detail(lock).split_once(": ") {
                item.details.push((leak_key(k), text(v)));
            }
        }
        item
    }
}

impl Builder {
    /// A row comparison a key-range scan reads by
    /// ([`Access::KeyRange`]), as PostgreSQL prints it: `(ROW(a, b) >
    /// ROW(2, 7))`, with the position of its first key column.
    fn row_key_condition(
        &mut self,
        s: &ScanPlan,
        p: &Expr,
        row: &[String],
    ) -> Option<(usize, String)> {
        let Access::KeyRange { index, eq, .. } = &s.access else {
            return None;
        };
        let (cols, values, op) = crate::plan::optimize::access::row_comparison_parts(p)?;
        let ix = &s.table.indexes[*index];
        if ix.columns.get(eq.len()).map(|c| c.column) != Some(cols[0]) {
            return None;
        }
        let names: Vec<String> = cols
            .iter()
            .map(|c| row.get(*c).cloned().unwrap_or_default())
            .collect();
        let values: Vec<String> = values.iter().map(|v| self.expr(v, row)).collect();
        Some((
            eq.len(),
            format!(
                "(ROW({}) {} ROW({}))",
                names.join(", "),
                op.symbol(),
                values.join(", ")
            ),
        ))
    }

    /// The index conditions an access path holds, one per key bound.
    fn access_conds(&mut self, s: &ScanPlan, row: &[String]) -> Vec<(usize, String)> {
        let t = &s.table;
        let (ix, eq, lower, upper) = match &s.access {
            // Row comparisons are constants, never a join's outer row.
            Access::Full | Access::KeyRange { .. } => return Vec::new(),
            Access::PkPoint(values) => (t.primary(), values.as_slice(), &None, &None),
            Access::PkRange { lower, upper } => (t.primary(), &[][..], lower, upper),
            Access::IndexScan {
                index,
                eq,
                lower,
                upper,
            } => (&t.indexes[*index], eq.as_slice(), lower, upper),
        };
        let name = |k: usize| {
            ix.columns
                .get(k)
                .and_then(|c| row.get(c.column))
                .cloned()
                .unwrap_or_default()
        };
        let mut out = Vec::new();
        for (k, e) in eq.iter().enumerate() {
            let v = self.expr(e, row);
            out.push((k, format!("({} = {v})", name(k))));
        }
        let k = eq.len();
        if let Some((e, inclusive)) = lower {
            let v = self.expr(e, row);
            let op = if *inclusive { ">=" } else { ">" };
            out.push((k, format!("({} {op} {v})", name(k))));
        }
        if let Some((e, inclusive)) = upper {
            let v = self.expr(e, row);
            let op = if *inclusive { "<=" } else { "<" };
            out.push((k, format!("({} {op} {v})", name(k))));
        }
        out
    }
}

/// An aggregate whose input the parallel workers aggregate first
/// ([`crate::exec::gather_stage`]) as PostgreSQL shows one: a `Finalize`
/// aggregate over the `Gather`, over a `Partial` one of the same keys.
fn partial_aggregate(mut finalize: Item<'_>) -> Item<'_> {
    let Some(at) = finalize
        .children
        .iter()
        .position(|c| c.relationship == Some("Outer") && c.node_type == "Gather")
    else {
        return finalize;
    };
    let mut gather = finalize.children.remove(at);
    let mode = |item: &mut Item<'_>, to: &str| {
        for (k, v) in &mut item.early {
            if *k == "Partial Mode" {
                *v = text(to);
            }
        }
    };
    let mut partial = Item::new("Aggregate", format!("Partial {}", finalize.heading));
    partial.early = finalize.early.clone();
    mode(&mut partial, "Partial");
    partial.details = finalize.details.clone();
    partial.relationship = Some("Outer");
    partial.children = std::mem::take(&mut gather.children);
    gather.children = vec![partial];
    mode(&mut finalize, "Finalize");
    finalize.heading = format!("Finalize {}", finalize.heading);
    finalize.children.insert(at, gather);
    finalize
}

/// A top-N sort whose input the parallel workers sort first
/// ([`crate::exec::gather_stage`]) as PostgreSQL shows one: the `Limit`
/// over a `Gather Merge` over the `Sort`, the Gather's input below it.
fn gather_merge(mut limit: Item<'_>) -> Item<'_> {
    let Some(at) = limit
        .children
        .iter()
        .position(|c| c.relationship == Some("Outer") && c.node_type == "Sort")
    else {
        return limit;
    };
    let mut sort = limit.children.remove(at);
    let Some(g) = sort
        .children
        .iter()
        .position(|c| c.relationship == Some("Outer") && c.node_type == "Gather")
    else {
        limit.children.insert(at, sort);
        return limit;
    };
    let mut gather = sort.children.remove(g);
    let mut merge = Item::new("Gather Merge", "Gather Merge".into());
    merge.gather = gather.gather;
    merge.details = gather
        .details
        .iter()
        .filter(|(k, _)| *k == "Workers Planned")
        .cloned()
        .collect();
    merge.relationship = Some("Outer");
    for (i, c) in std::mem::take(&mut gather.children).into_iter().enumerate() {
        sort.children.insert(g + i, c);
    }
    merge.children = vec![sort];
    limit.children.insert(at, merge);
    limit
}

/// A parallel scan as PostgreSQL shows one: `Gather` (`Workers
/// Planned`) over the `Parallel Seq Scan`.
fn gather<'n>(mut scan_item: Item<'n>, s: &'n ScanPlan, workers: usize) -> Item<'n> {
    scan_item.heading = format!("Parallel {}", scan_item.heading);
    scan_item.parallel_aware = true;
    scan_item.relationship = Some("Outer");
    let mut g = Item::new("Gather", "Gather".into());
    g.node = scan_item.node;
    g.gather = Some(s);
    g.details = vec![
        ("Workers Planned", Prop::Int(workers as u64)),
        ("~Single Copy", Prop::Bool(false)),
    ];
    g.children.push(scan_item);
    g
}

/// A hash join whose parallel workers probe it (its outer side a
/// `Gather` over a `Parallel Seq Scan`) as PostgreSQL shows one: the
/// `Gather` above the join, the parallel scan its outer side.
fn gather_join<'n>(node: &'n Node, mut join: Item<'n>) -> Item<'n> {
    if join.children.first().map(|c| c.node_type.as_str()) != Some("Gather") {
        return join;
    }
    let mut gather = join.children.remove(0);
    let Some(mut scan) = gather.children.pop() else {
        return join;
    };
    scan.relationship = Some("Outer");
    join.children.insert(0, scan);
    join.relationship = Some("Outer");
    gather.node = Some(node);
    gather.children = vec![join];
    gather
}

/// An aggregate's name as PostgreSQL prints its call.
fn agg_name(f: crate::plan::node::AggFunc) -> String {
    use crate::plan::node::AggFunc as A;
    match f {
        A::CountStar => return "count".into(),
        A::HypotheticalRank => return "rank".into(),
        A::HypotheticalDenseRank => return "dense_rank".into(),
        A::HypotheticalPercentRank => return "percent_rank".into(),
        A::HypotheticalCumeDist => return "cume_dist".into(),
        _ => {}
    }
    let mut out = String::new();
    for (i, c) in format!("{f:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Whether the hash join's inner side `right` has at most one row per
/// key (its keys cover a unique index), PostgreSQL's `Inner Unique`.
fn inner_unique(right: &Node, keys: &[Expr]) -> bool {
    // A projection of the table's columns (`IN (SELECT id FROM t)`) passes
    // them on.
    let (s, projected) = match right {
        Node::Scan(s) => (s, None),
        Node::Project { input, exprs, .. } => match input.as_ref() {
            Node::Scan(s) => (s, Some(exprs)),
            _ => return false,
        },
        _ => return false,
    };
    let cols: Vec<usize> = keys
        .iter()
        .filter_map(|k| match strip(k) {
            Expr::Column(c, _) => match projected {
                None => Some(*c),
                Some(exprs) => match exprs.get(*c).map(strip) {
                    Some(Expr::Column(t, _)) => Some(*t),
                    _ => None,
                },
            },
            _ => None,
        })
        .collect();
    s.table.indexes.iter().any(|ix| {
        ix.unique
            && ix.valid
            && ix.predicate.is_none()
            && !ix.columns.is_empty()
            && ix.columns.iter().all(|c| cols.contains(&c.column))
    })
}

/// A detail's key as a static string (the few keys other modules print).
fn leak_key(k: &str) -> &'static str {
    match k {
        "Sampling" => "Sampling",
        "Lock" => "Lock",
        _ => "Detail",
    }
}

/// `part` as `column op value` over an index key column: the column, the
/// operator with the column on its left, and the value.
fn key_comparison(part: &Expr) -> Option<(usize, BinaryOp, &Expr)> {
    let Expr::Binary(sig, l, r) = part else {
        return None;
    };
    if !matches!(
        sig.op,
        BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq | BinaryOp::Eq
    ) {
        return None;
    }
    let flipped = sig.op.commute();
    let row_free = |e: &Expr| !e.any(&mut |x| matches!(x, Expr::Column(..)));
    match (strip(l), strip(r)) {
        (Expr::Column(c, _), k) if row_free(k) => Some((*c, sig.op, k)),
        (k, Expr::Column(c, _)) if row_free(k) => Some((*c, flipped, k)),
        _ => None,
    }
}

fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Cast(a, _, crate::types::CastKind::Implicit) => strip(a),
        other => other,
    }
}

/// Conditions ANDed as PostgreSQL prints a qual list: one as itself,
/// several as `(a AND b)`.
fn and_text(mut parts: Vec<String>) -> String {
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        format!("({})", parts.join(" AND "))
    }
}

/// An identifier as `quote_identifier` prints it: quoted unless plain
/// lower case.
pub fn quote_ident(s: &str) -> String {
    let plain = !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}
