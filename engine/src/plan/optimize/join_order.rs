//! Join order by cost: the order in which a run of inner joins is done.
//!
//! The binder builds `FROM a, b, c WHERE ...` and chains of `INNER JOIN`
//! as written: `(a ⋈ b) ⋈ c`. When a maximal run of (non-lateral) inner
//! joins holds at least three relations, each of them has a row estimate
//! from `ANALYZE` statistics ([`crate::plan::optimize::estimate::node_rows`]) and
//! every condition is movable (no subquery, no volatile function), the
//! run is planned as PostgreSQL's standard join search does it:
//!
//! 1. **Flatten.** The run's relations (the leaves: scans, derived
//!    tables, outer or lateral joins, ...) and its conditions (the ONs and
//!    the conjuncts pushed from above, over the written row: every
//!    leaf's columns in written order) are collected. A conjunct reading
//!    one leaf is pushed into it (as [`crate::plan::join_plan`] does); one
//!    reading several is a join clause, which connects them.
//!
//! 2. **Estimates.** A leaf's rows are its estimate after its own
//!    filters. A set of leaves is estimated, whatever its join order, as
//!    the product of its leaves' rows and of the selectivities of the
//!    join clauses inside it (PostgreSQL's `calc_joinrel_size_estimate`
//!    for inner joins). An equality of two columns has PostgreSQL's basic
//!    `eqjoinsel`: `(1 - nullfrac1) * (1 - nullfrac2) / max(nd1, nd2)`
//!    with the columns' distinct values from `pg_statistic`
//!    ([`crate::plan::optimize::estimate::join_eq_selectivity`]); another clause
//!    counts as `DEFAULT_INEQ_SEL` (1/3).
//!
//! 3. **Cost.** Reading the leaves costs the same in every order, so only
//!    the joins count: a join of `a` and `b` rows giving `n` rows costs
//!    `2 * min(a, b) + max(a, b) + n` when a clause between them is an
//!    equality (a hash join: each build row hashed and stored, each probe
//!    row looked up, each result row made), `a * b + n` otherwise (a
//!    nested loop). A plan's cost is the sum over its joins.
//!
//! 4. **Search.** Up to [`DP_LIMIT`] leaves, dynamic programming over the
//!    subsets (PostgreSQL's `standard_join_search`): the cheapest plan of
//!    each set of leaves from the cheapest plans of two disjoint subsets
//!    joined by a clause (bushy plans included; no cross join). When the
//!    leaves are not all connected by clauses, or there are more of them,
//!    a greedy search: repeatedly the cheapest join of two of the current
//!    plans, among those a clause connects, a cross join only when no
//!    pair is connected. Ties keep the written order.
//!
//! 5. **Build.** The chosen tree is made with the usual algorithm choice
//!    ([`crate::plan::join_plan`]'s): the larger input on the left (the
//!    probe side), the smaller on the right (hashed), unless the smaller
//!    one is known to be tiny and the larger is a table scan (then the
//!    tiny one goes left, so that an index nested-loop join can look the
//!    table up by its keys). A projection on top gives the columns in the
//!    query's order.
//!
//! Runs that do not qualify (two relations, a relation without
//! statistics, a subquery in a condition) keep the written order, so the
//! plans of tables never analyzed do not change.

use crate::plan::expr::Expr;
use crate::plan::join_plan::{and_all, choose_algorithm, push, small_outer};
use crate::plan::node::{JoinKind, Node};
use crate::plan::optimize::estimate::{self, DEFAULT_INEQ_SEL, DEFAULT_NUM_DISTINCT};
use crate::types::BinaryOp;

/// The most leaves ordered by dynamic programming; more are ordered
/// greedily (PostgreSQL's `geqo_threshold` is 12, its
/// `join_collapse_limit` 8).
pub const DP_LIMIT: usize = 8;

/// The most leaves reordered at all (sets are bit masks).
const MAX_LEAVES: usize = 64;

/// Cost of one build row of a hash join.
const BUILD_COST: f64 = 2.0;
/// Cost of one probe row of a hash join.
const PROBE_COST: f64 = 1.0;
/// Cost of one result row of a join.
const OUTPUT_COST: f64 = 1.0;

/// Whether `node` is an inner join that belongs to a run (see the module
/// docs).
fn is_run_join(node: &Node) -> bool {
    matches!(
        node,
        Node::Join {
            kind: JoinKind::Inner,
            lateral: false,
            ..
        }
    )
}

/// Collects the leaves of the run under `node` (by reference); false
/// when a condition of the run is not movable.
fn leaves_ref<'a>(node: &'a Node, out: &mut Vec<&'a Node>) -> bool {
    crate::sql::depth::guard(|| match node {
        Node::Join {
            left, right, on, ..
        } if is_run_join(node) => {
            on.as_ref().is_none_or(Expr::is_movable)
                && leaves_ref(left, out)
                && leaves_ref(right, out)
        }
        other => {
            out.push(other);
            true
        }
    })
}

/// Whether the inner join of `left` and `right` with `on` under the
/// conjuncts `preds` is reordered (see the module docs).
pub fn qualifies(left: &Node, right: &Node, on: Option<&Expr>, preds: &[Expr]) -> bool {
    if on.is_some_and(|e| !e.is_movable()) || preds.iter().any(|p| !p.is_movable()) {
        return false;
    }
    let mut leaves = Vec::new();
    if !leaves_ref(left, &mut leaves) || !leaves_ref(right, &mut leaves) {
        return false;
    }
    (3..=MAX_LEAVES).contains(&leaves.len())
        && leaves.iter().all(|l| estimate::node_rows(l).is_some())
}

/// Collects the leaves and conditions of the run under `node`, whose
/// first column is column `offset` of the written row.
fn flatten(node: Node, offset: usize, leaves: &mut Vec<Node>, conds: &mut Vec<Expr>) {
    crate::sql::depth::guard(|| {
        if !is_run_join(&node) {
            leaves.push(node);
            return;
        }
        let Node::Join {
            left, right, on, ..
        } = node
        else {
            unreachable!("checked by is_run_join")
        };
        let lw = left.width();
        if let Some(on) = on {
            let mut parts = Vec::new();
            crate::plan::expr::conjuncts(&on, &mut parts);
            for mut p in parts {
                p.map_columns(&|i| i + offset);
                conds.push(p);
            }
        }
        flatten(*left, offset, leaves, conds);
        flatten(*right, offset + lw, leaves, conds);
    })
}

/// A join clause: its condition over the written row, the leaves it
/// reads, its selectivity and whether it is an equality of two leaves'
/// expressions (hashable).
struct Clause {
    expr: Expr,
    mask: u64,
    selectivity: f64,
    equality: bool,
}

/// A join tree over leaf indexes.
enum Tree {
    Leaf(usize),
    Join(Box<Tree>, Box<Tree>),
}

impl Tree {
    fn mask(&self) -> u64 {
        match self {
            Tree::Leaf(i) => 1 << i,
            Tree::Join(a, b) => a.mask() | b.mask(),
        }
    }
}

/// The written relations, their columns' positions and the clauses.
struct Run {
    /// Each leaf's first column in the written row.
    offsets: Vec<usize>,
    /// Each leaf's width.
    widths: Vec<usize>,
    /// Each leaf's estimated rows.
    rows: Vec<f64>,
    clauses: Vec<Clause>,
}

impl Run {
    /// The leaf holding column `k` of the written row.
    fn leaf_of(&self, k: usize) -> usize {
        self.offsets.partition_point(|&o| o <= k) - 1
    }

    /// The leaves `e` reads.
    fn mask_of(&self, e: &Expr) -> u64 {
        let mut m = 0u64;
        e.any(&mut |x| {
            if let Expr::Column(k, _) = x {
                m |= 1 << self.leaf_of(*k);
            }
            false
        });
        m
    }

    /// The estimated rows of the join of the leaves in `set`.
    fn set_rows(&self, set: u64) -> f64 {
        let mut rows: f64 = (0..self.rows.len())
            .filter(|i| set & (1 << i) != 0)
            .map(|i| self.rows[i])
            .product();
        for c in &self.clauses {
            if c.mask & !set == 0 {
                rows *= c.selectivity;
            }
        }
        rows.max(1.0)
    }

    /// How sets `a` and `b` are joined: `None` when no clause connects
    /// them, else whether one of the clauses is hashable.
    fn connection(&self, a: u64, b: u64) -> Option<bool> {
        let mut found = None;
        for c in &self.clauses {
            if c.mask & !(a | b) == 0 && c.mask & a != 0 && c.mask & b != 0 {
                found = Some(found.unwrap_or(false) || c.equality);
            }
        }
        found
    }

    /// The cost of joining sets `a` and `b` (see the module docs).
    fn join_cost(&self, a: u64, b: u64, hashable: bool) -> f64 {
        let (ra, rb) = (self.set_rows(a), self.set_rows(b));
        let out = self.set_rows(a | b) * OUTPUT_COST;
        if hashable {
            BUILD_COST * ra.min(rb) + PROBE_COST * ra.max(rb) + out
        } else {
            ra * rb + out
        }
    }

    /// The cheapest tree by dynamic programming over subsets; `None` when
    /// the leaves are not connected.
    fn dynamic(&self) -> Option<Tree> {
        let n = self.rows.len();
        let full: u64 = (1 << n) - 1;
        // Per set: cost and the left subset of its best split.
        let mut best: Vec<Option<(f64, u64)>> = vec![None; 1 << n];
        for i in 0..n {
            best[1 << i] = Some((0.0, 0));
        }
        for set in 1..=full {
            if set.count_ones() < 2 {
                continue;
            }
            let low = set & set.wrapping_neg();
            // Every proper subset holding the lowest leaf.
            let mut a = (set - 1) & set;
            while a > 0 {
                if a & low != 0 {
                    let b = set ^ a;
                    if let (Some((ca, _)), Some((cb, _))) = (best[a as usize], best[b as usize]) {
                        if let Some(hashable) = self.connection(a, b) {
                            let cost = ca + cb + self.join_cost(a, b, hashable);
                            if best[set as usize].is_none_or(|(c, _)| cost < c) {
                                best[set as usize] = Some((cost, a));
                            }
                        }
                    }
                }
                a = (a - 1) & set;
            }
        }
        best[full as usize]?;
        Some(self.tree_of(&best, full))
    }

    fn tree_of(&self, best: &[Option<(f64, u64)>], set: u64) -> Tree {
        if set.count_ones() == 1 {
            return Tree::Leaf(set.trailing_zeros() as usize);
        }
        let a = best[set as usize].map_or(0, |b| b.1);
        Tree::Join(
            Box::new(self.tree_of(best, a)),
            Box::new(self.tree_of(best, set ^ a)),
        )
    }

    /// The tree a greedy search gives (see the module docs).
    fn greedy(&self) -> Tree {
        let mut items: Vec<Tree> = (0..self.rows.len()).map(Tree::Leaf).collect();
        while items.len() > 1 {
            // (connected, cost, i, j): connected pairs first, then the
            // cheapest, then the first written.
            let mut pick: Option<(bool, f64, usize, usize)> = None;
            for i in 0..items.len() {
                for j in i + 1..items.len() {
                    let (a, b) = (items[i].mask(), items[j].mask());
                    let conn = self.connection(a, b);
                    let cost = self.join_cost(a, b, conn.unwrap_or(false));
                    let better = match pick {
                        None => true,
                        Some((pc, pcost, ..)) => {
                            (conn.is_some() && !pc) || (conn.is_some() == pc && cost < pcost)
                        }
                    };
                    if better {
                        pick = Some((conn.is_some(), cost, i, j));
                    }
                }
            }
            let Some((_, _, i, j)) = pick else { break };
            let b = items.remove(j);
            let a = items.remove(i);
            items.insert(i, Tree::Join(Box::new(a), Box::new(b)));
        }
        items.pop().unwrap_or(Tree::Leaf(0))
    }
}

/// The selectivity of a join clause and whether it is an equality of two
/// leaves' expressions.
fn clause_estimate(e: &Expr, run: &Run, leaves: &[Node]) -> (f64, bool) {
    let Expr::Binary(sig, a, b) = e else {
        return (DEFAULT_INEQ_SEL, false);
    };
    if sig.op != BinaryOp::Eq {
        return (DEFAULT_INEQ_SEL, false);
    }
    let (ma, mb) = (run.mask_of(a), run.mask_of(b));
    if ma == 0 || mb == 0 || ma & mb != 0 {
        return (DEFAULT_INEQ_SEL, false);
    }
    let sel = estimate::join_eq_selectivity(origin(a, run, leaves), origin(b, run, leaves))
        .unwrap_or(1.0 / DEFAULT_NUM_DISTINCT);
    (sel, true)
}

/// The table column a join clause's operand is (under casts), if it is
/// one.
fn origin<'a>(
    x: &Expr,
    run: &Run,
    leaves: &'a [Node],
) -> Option<(&'a crate::catalog::TableDesc, usize)> {
    let mut x = x;
    while let Expr::Cast(inner, ..) = x {
        x = inner;
    }
    let Expr::Column(k, _) = x else {
        return None;
    };
    let leaf = run.leaf_of(*k);
    column_origin(&leaves[leaf], k - run.offsets[leaf])
}

/// The table column that column `j` of `node`'s output reads unchanged,
/// if any.
fn column_origin(node: &Node, j: usize) -> Option<(&crate::catalog::TableDesc, usize)> {
    crate::sql::depth::guard(|| match node {
        Node::Scan(s) => Some((&*s.table, j)),
        Node::Project { input, exprs, .. } => match exprs.get(j)? {
            Expr::Column(c, _) => column_origin(input, *c),
            _ => None,
        },
        Node::Filter { input, .. }
        | Node::Sort { input, .. }
        | Node::Distinct { input, .. }
        | Node::Limit { input, .. } => column_origin(input, j),
        Node::Join {
            left, right, kind, ..
        } => {
            let lw = left.width();
            if j < lw {
                column_origin(left, j)
            } else if matches!(kind, JoinKind::Semi | JoinKind::Anti) {
                None
            } else {
                column_origin(right, j - lw)
            }
        }
        _ => None,
    })
}

/// Plans the inner join of `left` and `right` (with `on`, under the
/// conjuncts `preds`), which [`qualifies`], in the order of least cost
/// (see the module docs).
pub fn reorder(left: Node, right: Node, on: Option<Expr>, preds: Vec<Expr>) -> Node {
    let lw = left.width();
    let mut leaves = Vec::new();
    let mut conds = preds;
    if let Some(on) = on {
        crate::plan::expr::conjuncts(&on, &mut conds);
    }
    flatten(left, 0, &mut leaves, &mut conds);
    flatten(right, lw, &mut leaves, &mut conds);
    let written: Vec<_> = leaves.iter().flat_map(|l| l.columns()).collect();
    let unplanned_rows: Vec<Option<f64>> = leaves.iter().map(estimate::node_rows).collect();
    let widths: Vec<usize> = leaves.iter().map(Node::width).collect();
    let mut offsets = Vec::with_capacity(widths.len());
    let mut at = 0;
    for w in &widths {
        offsets.push(at);
        at += w;
    }
    let mut run = Run {
        offsets,
        widths,
        rows: Vec::new(),
        clauses: Vec::new(),
    };
    // Conjuncts of one leaf go into it; the others are join clauses.
    let mut leaf_preds: Vec<Vec<Expr>> = vec![Vec::new(); leaves.len()];
    let mut joins = Vec::new();
    for c in conds {
        let m = run.mask_of(&c);
        if m.count_ones() <= 1 {
            let leaf = m.trailing_zeros().min(63) as usize;
            let leaf = if m == 0 { 0 } else { leaf };
            let off = run.offsets[leaf];
            let mut c = c;
            c.map_columns(&|i| i - off);
            leaf_preds[leaf].push(c);
        } else {
            joins.push((c, m));
        }
    }
    let planned: Vec<Node> = leaves
        .into_iter()
        .zip(leaf_preds)
        .map(|(l, p)| push(l, p))
        .collect();
    run.rows = planned
        .iter()
        .zip(&unplanned_rows)
        .map(|(p, u)| estimate::node_rows(p).or(*u).unwrap_or(1.0))
        .collect();
    for (expr, mask) in joins {
        let (selectivity, equality) = clause_estimate(&expr, &run, &planned);
        run.clauses.push(Clause {
            expr,
            mask,
            selectivity,
            equality,
        });
    }
    let tree = if run.rows.len() <= DP_LIMIT {
        run.dynamic().unwrap_or_else(|| run.greedy())
    } else {
        run.greedy()
    };
    let mut slots: Vec<Option<Node>> = planned.into_iter().map(Some).collect();
    let mut applied = vec![false; run.clauses.len()];
    let (node, order) = build(tree, &run, &mut slots, &mut applied);
    // The columns back in the written order.
    let positions = new_offsets(&run, &order);
    let exprs: Vec<Expr> = (0..written.len())
        .map(|k| {
            let leaf = run.leaf_of(k);
            Expr::Column(positions[leaf] + k - run.offsets[leaf], written[k].ty)
        })
        .collect();
    if exprs
        .iter()
        .enumerate()
        .all(|(k, e)| matches!(e, Expr::Column(i, _) if *i == k))
    {
        return node;
    }
    Node::Project {
        input: Box::new(node),
        exprs,
        columns: written,
    }
}

/// Each leaf's first column in a row holding the leaves `order` in that
/// order (leaves not in it: unused).
fn new_offsets(run: &Run, order: &[usize]) -> Vec<usize> {
    let mut pos = vec![0; run.widths.len()];
    let mut at = 0;
    for &leaf in order {
        pos[leaf] = at;
        at += run.widths[leaf];
    }
    pos
}

/// Makes the plan of `tree`; returns it with its leaves in output order.
fn build(
    tree: Tree,
    run: &Run,
    slots: &mut [Option<Node>],
    applied: &mut [bool],
) -> (Node, Vec<usize>) {
    crate::sql::depth::guard(|| match tree {
        Tree::Leaf(i) => (
            slots[i]
                .take()
                .unwrap_or_else(|| unreachable!("each leaf is used once")),
            vec![i],
        ),
        Tree::Join(a, b) => {
            let (ma, mb) = (a.mask(), b.mask());
            let (na, oa) = build(*a, run, slots, applied);
            let (nb, ob) = build(*b, run, slots, applied);
            let (ra, rb) = (run.set_rows(ma), run.set_rows(mb));
            // The larger input probes, the smaller is hashed; a tiny input
            // goes first when the other is a table it can look up.
            let a_first = if ra >= rb {
                !(small_outer(&nb) && matches!(na, Node::Scan(_)))
            } else {
                small_outer(&na) && matches!(nb, Node::Scan(_))
            };
            let ((left, lo), (right, ro)) = if a_first {
                ((na, oa), (nb, ob))
            } else {
                ((nb, ob), (na, oa))
            };
            let mut order = lo;
            order.extend(ro);
            let positions = new_offsets(run, &order);
            let set = ma | mb;
            let mut parts = Vec::new();
            for (c, done) in run.clauses.iter().zip(applied.iter_mut()) {
                if !*done && c.mask & !set == 0 {
                    *done = true;
                    let mut e = c.expr.clone();
                    e.map_columns(&|k| {
                        let leaf = run.leaf_of(k);
                        positions[leaf] + k - run.offsets[leaf]
                    });
                    parts.push(e);
                }
            }
            let lw = left.width();
            let on = and_all(parts.clone());
            let node = choose_algorithm(left, right, JoinKind::Inner, on, &parts, lw);
            (node, order)
        }
    })
}
