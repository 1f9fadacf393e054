//! Join planning: predicate push-down and the choice of join algorithm.
//!
//! The binder builds joins as the query wrote them: `FROM a, b WHERE a.x =
//! b.y` is a cross join under a filter, and every join condition sits on
//! its join. Run as written, that is a nested loop over the product. This
//! pass, run over the FROM/WHERE tree of each SELECT before grouping,
//! reshapes it the way PostgreSQL's planner would:
//!
//! 1. **Push-down.** The conjuncts of a WHERE (or of an inner join's ON)
//!    move as far down as they stay correct: a conjunct reading only one
//!    side of an inner join goes to that side; one reading both becomes
//!    part of the join condition; through a LEFT join only conjuncts on the
//!    preserved (left) side go down, and the ON's conjuncts on the nullable
//!    side filter that side; nothing passes a FULL join, an aggregate, a
//!    window or a LIMIT. A conjunct reaching a table scan joins its filter,
//!    so the scan's access path (primary-key point, range or index lookup)
//!    is chosen again with it. Conjuncts pass through a projection (a
//!    derived table or view) by substituting the projected expressions.
//!    Only "movable" conjuncts move: no subquery, sequence call or
//!    volatile function (see [`Expr::is_movable`]).
//!
//! 2. **Algorithm.** A join whose condition contains equalities between an
//!    expression of the left row and one of the right row (the equi-join
//!    keys) becomes
//!    * an **index nested-loop join** when the right side is a table whose
//!      primary key or an index can be looked up by those keys and the
//!      left side is known to be small (a point lookup, a short `VALUES`
//!      list, a small LIMIT): the right scan runs once per left row as a
//!      lateral scan whose key is the left row's value;
//!    * a **merge join** ([`crate::exec::merge_join`]) when both sides are
//!      table scans joined on the first column of each one's primary key
//!      and both are estimated too large for the smaller to be hashed in
//!      PostgreSQL's default 8 MB: both primary indexes are read in key
//!      order and matched as they stream, in the memory of one group of
//!      equal keys (see `merge_key`);
//!    * otherwise a **hash join** ([`HashKeys`], executed by
//!      [`crate::exec::hash_join`]): the right side is read once into a
//!      hash table on its keys and every left row probes it.
//!
//!    The full join condition is still checked on every candidate pair, so
//!    the keys only narrow which pairs are looked at: they need only be
//!    such that SQL-equal values have equal hash keys, which holds for
//!    keys of one type family (the same encoding GROUP BY uses). Joins
//!    without such keys stay plain nested loops.
//!
//! 3. **Semi and anti joins.** A WHERE conjunct `EXISTS (SELECT ... FROM t
//!    WHERE t.k = outer.x AND ...)` (or its `NOT`) over a single table,
//!    correlated only through conjuncts of its WHERE, becomes a semi (anti)
//!    join of the query's rows with `t` filtered by the uncorrelated
//!    conjuncts, the correlated ones forming the join condition: a hash
//!    semi (anti) join when they include an equality, as PostgreSQL plans
//!    it, instead of one run of the subquery per row.
//!
//!    A WHERE conjunct `x IN (SELECT ...)` with an uncorrelated subquery
//!    becomes a semi join on `x = column` the same way (PostgreSQL's
//!    sublink pull-up; see `in_join`); `NOT IN` stays a subquery.
//!
//! 4. **Join order.** A run of at least three inner joins whose relations
//!    all have statistics is ordered by estimated cost
//!    ([`crate::plan::optimize::join_order`]); other joins keep the written order.
//!
//! 5. **Build side.** The hash table is built from the right input, as
//!    written, unless both inputs of an inner hash join have row
//!    estimates from `ANALYZE` statistics ([`crate::plan::optimize::estimate`]) and
//!    the left one is estimated smaller: then the inputs swap (the
//!    smaller is hashed, PostgreSQL's choice) and a projection puts the
//!    columns back in the query's order. Without statistics the plan is
//!    as written, so a query joining a large table on the right of a
//!    small one builds its hash table from the large one.

use crate::plan::expr::conjuncts;
use crate::plan::expr::{Expr, SubqueryKind};
use crate::plan::node::{Access, JoinKind, Node};
use crate::plan::optimize::access::choose_access;
use crate::sql::depth;
use crate::types::{BinaryOp, CastKind, SqlType};

/// The equi-join keys of a hash join (or, with `merge`, of a merge join):
/// `left[i]` over the left row equals `right[i]` over the right row, both
/// compared as `types[i]`.
#[derive(Debug, Clone)]
pub struct HashKeys {
    /// Key expressions over the left (probe) row.
    pub left: Vec<Expr>,
    /// Key expressions over the right (build) row alone.
    pub right: Vec<Expr>,
    /// The type both sides' values have.
    pub types: Vec<SqlType>,
    /// A merge join ([`crate::exec::merge_join`]): both inputs are table
    /// scans read in the order of the one key (the first column of each
    /// one's primary key), matched as they stream instead of hashed.
    pub merge: bool,
}

/// What a hash join's build side keeps per column of a row (about what
/// [`crate::exec::hash_join`] holds per value), for the merge-join choice.
const BUILD_BYTES_PER_COLUMN: f64 = 32.0;

/// PostgreSQL's default hash table memory: `work_mem` (4 MB) times
/// `hash_mem_multiplier` (2).
const DEFAULT_HASH_MEM: f64 = 8.0 * 1024.0 * 1024.0;

/// Largest `VALUES` list or LIMIT count treated as a small outer side.
const SMALL_OUTER_ROWS: usize = 100;

/// Pushes predicates down and picks join algorithms in `node` (see the
/// module docs).
pub fn plan_joins(node: Node) -> Node {
    push(node, Vec::new())
}

/// ANDs `parts` together (`None` when empty).
pub(crate) fn and_all(parts: Vec<Expr>) -> Option<Expr> {
    parts
        .into_iter()
        .reduce(|a, b| Expr::And(Box::new(a), Box::new(b)))
}

/// `node` under a filter of `preds` (none: `node` itself).
fn filtered(node: Node, preds: Vec<Expr>) -> Node {
    match and_all(preds) {
        None => node,
        Some(predicate) => Node::Filter {
            input: Box::new(node),
            predicate,
        },
    }
}

/// Where a conjunct over a join's row can go.
enum Side {
    Left,
    Right,
    Both,
}

fn side_of(e: &Expr, left_width: usize) -> Side {
    if !e.is_movable() {
        return Side::Both;
    }
    match e.column_span() {
        Some((_, hi)) if hi < left_width => Side::Left,
        Some((lo, _)) if lo >= left_width => Side::Right,
        Some(_) => Side::Both,
        // Reads no column: the left side evaluates it once per row, as
        // cheaply as anywhere.
        None => Side::Left,
    }
}

/// Moves `e` from the join row to the right row.
fn to_right(mut e: Expr, left_width: usize) -> Expr {
    e.map_columns(&|i| i - left_width);
    e
}

/// Plans `node` with the extra conjuncts `preds` (over its output row)
/// applied as low as they can go.
pub(crate) fn push(node: Node, mut preds: Vec<Expr>) -> Node {
    depth::guard(|| match node {
        Node::Filter { input, predicate } => {
            conjuncts(&predicate, &mut preds);
            let lw = input.width();
            let (semis, rest) = take_semis(preds, lw);
            wrap_semis(push(*input, rest), semis, lw)
        }
        Node::Scan(mut s) => {
            // EXISTS conjuncts of the scan's own filter (a one-table FROM
            // gets its WHERE there) become semi joins above it.
            let lw = s.table.columns.len();
            let mut semis = Vec::new();
            if let Some(f) = s.filter.take() {
                let mut parts = Vec::new();
                conjuncts(&f, &mut parts);
                let (found, keep) = take_semis(parts, lw);
                if found.is_empty() {
                    s.filter = Some(f);
                } else {
                    semis = found;
                    s.filter = and_all(keep);
                    s.filter_text = None;
                    s.access = choose_access(&s.table, s.filter.as_ref());
                }
            }
            if !preds.is_empty() {
                let mut all = Vec::new();
                if let Some(f) = s.filter.take() {
                    all.push(f);
                }
                all.extend(preds);
                let filter = and_all(all);
                s.access = choose_access(&s.table, filter.as_ref());
                s.filter = filter;
            }
            wrap_semis(Node::Scan(s), semis, lw)
        }
        Node::Project {
            input,
            exprs,
            columns,
        } => {
            // A conjunct moves below when every projected expression it
            // reads can be evaluated in its place.
            let (down, up): (Vec<Expr>, Vec<Expr>) = preds.into_iter().partition(|p| {
                p.is_movable()
                    && !p.any(&mut |e| {
                        matches!(e, Expr::Column(i, _)
                        if exprs.get(*i).is_none_or(|x| !x.is_movable()))
                    })
            });
            let down = down
                .into_iter()
                .map(|mut p| {
                    p.substitute_columns(&|i, _| exprs[i].clone());
                    p
                })
                .collect();
            let node = Node::Project {
                input: Box::new(push(*input, down)),
                exprs,
                columns,
            };
            filtered(node, up)
        }
        Node::Sort { input, keys } => Node::Sort {
            input: Box::new(push(*input, preds)),
            keys,
        },
        Node::Join {
            left,
            right,
            kind,
            on,
            lateral,
            hash: _,
        } => join(*left, *right, kind, on, lateral, preds),
        other => filtered(recurse(other), preds),
    })
}

/// Plans the joins inside a node that takes no predicates.
fn recurse(node: Node) -> Node {
    match node {
        Node::Limit {
            input,
            limit,
            offset,
            ties,
        } => Node::Limit {
            input: Box::new(push(*input, Vec::new())),
            limit,
            offset,
            ties,
        },
        Node::Distinct { input, on } => Node::Distinct {
            input: Box::new(push(*input, Vec::new())),
            on,
        },
        other => other,
    }
}

fn join(
    left: Node,
    right: Node,
    kind: JoinKind,
    on: Option<Expr>,
    lateral: bool,
    preds: Vec<Expr>,
) -> Node {
    if kind == JoinKind::Inner && !lateral {
        let (movable, fixed): (Vec<Expr>, Vec<Expr>) =
            preds.iter().cloned().partition(Expr::is_movable);
        if crate::plan::optimize::join_order::qualifies(&left, &right, on.as_ref(), &movable) {
            let node = crate::plan::optimize::join_order::reorder(left, right, on, movable);
            return filtered(node, fixed);
        }
    }
    let lw = left.width();
    let mut left_preds = Vec::new();
    let mut right_preds = Vec::new();
    let mut join_preds = Vec::new();
    let mut above = Vec::new();
    // Conjuncts from above the join.
    for p in preds {
        match (kind, side_of(&p, lw)) {
            (JoinKind::Inner | JoinKind::Left | JoinKind::Semi | JoinKind::Anti, Side::Left) => {
                left_preds.push(p)
            }
            (JoinKind::Inner, Side::Right) if !lateral => right_preds.push(to_right(p, lw)),
            (JoinKind::Inner, _) => join_preds.push(p),
            _ => above.push(p),
        }
    }
    // The join's own condition.
    if let Some(on) = on {
        let mut parts = Vec::new();
        conjuncts(&on, &mut parts);
        for p in parts {
            match (kind, side_of(&p, lw)) {
                (JoinKind::Inner, Side::Left) => left_preds.push(p),
                (JoinKind::Inner | JoinKind::Left, Side::Right) if !lateral => {
                    right_preds.push(to_right(p, lw))
                }
                _ => join_preds.push(p),
            }
        }
    }
    let left = push(left, left_preds);
    let right = if lateral {
        // The lateral side reads the left row as an enclosing row; its
        // own joins are planned, nothing moves into it.
        filtered(push(right, Vec::new()), right_preds)
    } else {
        push(right, right_preds)
    };
    let on = and_all(join_preds.clone());
    let node = if lateral {
        Node::Join {
            left: Box::new(left),
            right: Box::new(right),
            kind,
            on,
            lateral,
            hash: None,
        }
    } else {
        choose_algorithm(left, right, kind, on, &join_preds, lw)
    };
    filtered(node, above)
}

/// The equi-join keys among `parts`: (left key, right key over the right
/// row, type).
fn equi_keys(parts: &[Expr], lw: usize) -> Vec<(Expr, Expr, SqlType)> {
    let mut keys = Vec::new();
    for p in parts {
        let Expr::Binary(sig, a, b) = p else {
            continue;
        };
        if sig.op != BinaryOp::Eq {
            continue;
        }
        let (l, r) = match (side_of(a, lw), side_of(b, lw)) {
            (Side::Left, Side::Right) => (a, b),
            (Side::Right, Side::Left) => (b, a),
            _ => continue,
        };
        // Both sides must read a column (a constant side is a filter).
        if l.column_span().is_none() || r.column_span().is_none() {
            continue;
        }
        let (lt, rt) = (l.ty(), r.ty());
        let (l, r, ty) = if lt.same_base(&rt) {
            ((**l).clone(), (**r).clone(), lt)
        } else if lt.is_integer() && rt.is_integer() {
            let widen = |e: &Expr| {
                if e.ty() == SqlType::Int8 {
                    e.clone()
                } else {
                    Expr::Cast(Box::new(e.clone()), SqlType::Int8, CastKind::Implicit)
                }
            };
            (widen(l), widen(r), SqlType::Int8)
        } else {
            continue;
        };
        keys.push((l, to_right(r, lw), ty));
    }
    keys
}

/// Splits the conjuncts `parts` of an inner join's condition (over the
/// joined row, the left row `lw` wide) for a hash join whose sides are
/// fixed: the conjuncts on the right row alone (moved onto it, to filter
/// it), the rest (the join condition checked on each pair), and the
/// equi-join keys among the rest, if any.
pub(crate) fn hash_parts(parts: Vec<Expr>, lw: usize) -> (Vec<Expr>, Vec<Expr>, Option<HashKeys>) {
    let (on_right, rest): (Vec<Expr>, Vec<Expr>) = parts
        .into_iter()
        .partition(|p| matches!(side_of(p, lw), Side::Right));
    let on_right = on_right.into_iter().map(|p| to_right(p, lw)).collect();
    let keys = equi_keys(&rest, lw);
    let keys = (!keys.is_empty()).then(|| hash_keys(keys));
    (on_right, rest, keys)
}

/// The conjuncts of a join condition whose left side is not preserved
/// (MERGE's ON, the target row on the left, the source row on the
/// right), split for a hash join whose sides are fixed: those on the
/// left row alone (to filter the left input), those on the right row
/// alone (moved onto it when `push_right`, for an inner join; kept in
/// the rest when the right side is preserved), the rest, and the
/// equi-join keys among the rest, if any.
pub(crate) fn outer_hash_parts(
    parts: Vec<Expr>,
    lw: usize,
    push_right: bool,
) -> (Vec<Expr>, Vec<Expr>, Vec<Expr>, Option<HashKeys>) {
    let mut on_left = Vec::new();
    let mut on_right = Vec::new();
    let mut rest = Vec::new();
    for p in parts {
        match side_of(&p, lw) {
            Side::Left => on_left.push(p),
            Side::Right if push_right => on_right.push(to_right(p, lw)),
            _ => rest.push(p),
        }
    }
    let keys = equi_keys(&rest, lw);
    let keys = (!keys.is_empty()).then(|| hash_keys(keys));
    (on_left, on_right, rest, keys)
}

/// The [`HashKeys`] of a hash join on `keys`.
fn hash_keys(keys: Vec<(Expr, Expr, SqlType)>) -> HashKeys {
    let mut hk = HashKeys {
        left: Vec::new(),
        right: Vec::new(),
        types: Vec::new(),
        merge: false,
    };
    for (l, r, t) in keys {
        hk.left.push(l);
        hk.right.push(r);
        hk.types.push(t);
    }
    hk
}

pub(crate) fn choose_algorithm(
    left: Node,
    right: Node,
    kind: JoinKind,
    on: Option<Expr>,
    parts: &[Expr],
    lw: usize,
) -> Node {
    let keys = equi_keys(parts, lw);
    if keys.is_empty() {
        return Node::Join {
            left: Box::new(left),
            right: Box::new(right),
            kind,
            on,
            lateral: false,
            hash: None,
        };
    }
    if matches!(kind, JoinKind::Inner | JoinKind::Left) && small_outer(&left) {
        match index_lookup(right, &keys) {
            Ok(right) => {
                return Node::Join {
                    left: Box::new(left),
                    right: Box::new(right),
                    kind,
                    on,
                    lateral: true,
                    hash: None,
                }
            }
            Err(right) => return hash_join(left, *right, kind, on, keys),
        }
    }
    hash_join(left, right, kind, on, keys)
}

fn hash_join(
    left: Node,
    right: Node,
    kind: JoinKind,
    on: Option<Expr>,
    keys: Vec<(Expr, Expr, SqlType)>,
) -> Node {
    if let Some(k) = merge_key(&left, &right, kind, &keys) {
        let (l, r, ty) = keys.into_iter().nth(k).expect("merge key");
        return merge_join(left, right, kind, on, (l, r, ty));
    }
    let hk = hash_keys(keys);
    if kind == JoinKind::Inner && build_on_left(&left, &right, on.as_ref()) {
        return swapped_hash_join(left, right, on, hk);
    }
    Node::Join {
        left: Box::new(left),
        right: Box::new(right),
        kind,
        on,
        lateral: false,
        hash: Some(Box::new(hk)),
    }
}

/// The position in `keys` of the key a merge join of `left` and `right`
/// would merge on, when the join should be merged: both inputs are table
/// scans that can read their primary index in order (no lock, sample or
/// other index), the key is the first column of each one's primary key
/// (ascending, the same type, one whose key order is its SQL order), the
/// join is inner, left, semi or anti, and both tables are estimated
/// large enough that hashing the smaller would pass the hash table's
/// memory ([`DEFAULT_HASH_MEM`]) and spill. A merge then needs no memory
/// but one group of equal keys, as PostgreSQL's merge join over two index
/// scans. Without statistics the join is hashed.
fn merge_key(
    left: &Node,
    right: &Node,
    kind: JoinKind,
    keys: &[(Expr, Expr, SqlType)],
) -> Option<usize> {
    if !matches!(
        kind,
        JoinKind::Inner | JoinKind::Left | JoinKind::Semi | JoinKind::Anti
    ) {
        return None;
    }
    let (Node::Scan(l), Node::Scan(r)) = (left, right) else {
        return None;
    };
    let ordered_first = |s: &crate::plan::node::ScanPlan, outer: bool| {
        let access_ok = match &s.access {
            Access::Full => true,
            Access::PkPoint(_) | Access::PkRange { .. } => outer,
            _ => false,
        };
        if !access_ok || s.reverse || s.lock.is_some() || s.sample.is_some() {
            return None;
        }
        let first = s.table.primary().columns.first()?;
        (!first.descending).then_some(first.column)
    };
    let (lc, rc) = (ordered_first(l, true)?, ordered_first(r, false)?);
    let k = keys.iter().position(|(a, b, ty)| {
        matches!((a, b), (Expr::Column(x, _), Expr::Column(y, _)) if *x == lc && *y == rc)
            && merge_type(ty)
            && a.ty() == b.ty()
    })?;
    let bytes = |n: &Node| {
        let rows = crate::plan::optimize::estimate::node_rows(n)?;
        Some(rows * n.width() as f64 * BUILD_BYTES_PER_COLUMN)
    };
    let smaller = bytes(left)?.min(bytes(right)?);
    (smaller > DEFAULT_HASH_MEM).then_some(k)
}

/// Whether keys of type `ty` are stored in their SQL order (so a primary
/// index read in order gives them sorted as [`crate::types::compare_typed`]
/// compares them).
fn merge_type(ty: &SqlType) -> bool {
    matches!(
        ty,
        SqlType::Int2
            | SqlType::Int4
            | SqlType::Int8
            | SqlType::Date
            | SqlType::Timestamp(_)
            | SqlType::Timestamptz(_)
    )
}

/// The merge join of `left` and `right` on `key` (see [`merge_key`]): both
/// scans read their primary index in order.
fn merge_join(
    mut left: Node,
    mut right: Node,
    kind: JoinKind,
    on: Option<Expr>,
    (l, r, ty): (Expr, Expr, SqlType),
) -> Node {
    for n in [&mut left, &mut right] {
        if let Node::Scan(s) = n {
            s.ordered = true;
        }
    }
    Node::Join {
        left: Box::new(left),
        right: Box::new(right),
        kind,
        on,
        lateral: false,
        hash: Some(Box::new(HashKeys {
            left: vec![l],
            right: vec![r],
            types: vec![ty],
            merge: true,
        })),
    }
}

/// Whether an inner hash join should hash its left input: both inputs
/// have estimates and the left one is smaller (see the module docs). A
/// condition that is not movable (a subquery) keeps the join as written.
fn build_on_left(left: &Node, right: &Node, on: Option<&Expr>) -> bool {
    if on.is_some_and(|e| !e.is_movable()) {
        return false;
    }
    match (
        crate::plan::optimize::estimate::node_rows(left),
        crate::plan::optimize::estimate::node_rows(right),
    ) {
        (Some(l), Some(r)) => l < r,
        _ => false,
    }
}

/// The inner hash join of `left` and `right` that hashes `left`: the
/// inputs swapped (keys and condition follow), under a projection that
/// gives the columns in the original order.
fn swapped_hash_join(left: Node, right: Node, on: Option<Expr>, keys: HashKeys) -> Node {
    let lw = left.width();
    let rw = right.width();
    let mut columns = left.columns();
    columns.extend(right.columns());
    let on = on.map(|mut e| {
        e.map_columns(&|i| if i < lw { i + rw } else { i - lw });
        e
    });
    let keys = HashKeys {
        left: keys.right,
        right: keys.left,
        types: keys.types,
        merge: false,
    };
    let exprs = (0..lw)
        .map(|j| Expr::Column(rw + j, columns[j].ty))
        .chain((0..rw).map(|j| Expr::Column(j, columns[lw + j].ty)))
        .collect();
    Node::Project {
        input: Box::new(Node::Join {
            left: Box::new(right),
            right: Box::new(left),
            kind: JoinKind::Inner,
            on,
            lateral: false,
            hash: Some(Box::new(keys)),
        }),
        exprs,
        columns,
    }
}

/// Whether `node` is known to produce few rows.
pub(crate) fn small_outer(node: &Node) -> bool {
    depth::guard(|| match node {
        Node::Scan(s) => match &s.access {
            Access::PkPoint(_) => true,
            Access::IndexScan {
                index, eq, lower, ..
            } => {
                let ix = &s.table.indexes[*index];
                ix.unique && eq.len() == ix.columns.len() && lower.is_none()
            }
            _ => false,
        },
        Node::Values { rows, .. } => rows.len() <= SMALL_OUTER_ROWS,
        Node::Limit {
            limit: Some(Expr::Literal(v, _)),
            ..
        } => v
            .as_i64()
            .is_some_and(|n| (0..=SMALL_OUTER_ROWS as i64).contains(&n)),
        Node::Limit { input, .. }
        | Node::Filter { input, .. }
        | Node::Project { input, .. }
        | Node::Sort { input, .. }
        | Node::Distinct { input, .. } => small_outer(input),
        Node::Join {
            left, right, kind, ..
        } => *kind != JoinKind::Full && small_outer(left) && small_outer(right),
        _ => false,
    })
}

/// Turns a table scan into a lookup by the left row's key values (a
/// lateral scan, run once per left row), when the keys reach an index or
/// the primary key; gives the scan back unchanged otherwise.
fn index_lookup(right: Node, keys: &[(Expr, Expr, SqlType)]) -> Result<Node, Box<Node>> {
    let Node::Scan(scan) = &right else {
        return Err(Box::new(right));
    };
    if scan.lock.is_some() || scan.filter.as_ref().is_some_and(|f| !f.is_movable()) {
        return Err(Box::new(right));
    }
    let mut lookup = Vec::new();
    for (l, r, _) in keys {
        let Expr::Column(..) = r else {
            continue;
        };
        // The left key, read from the enclosing (left) row.
        let mut outer = l.clone();
        outer.deepen_outer(1);
        outer.substitute_columns(&|i, t| Expr::Outer(1, i, t));
        let Ok(sig) = crate::types::resolve_binary_op(BinaryOp::Eq, &r.ty(), &outer.ty()) else {
            continue;
        };
        lookup.push(Expr::Binary(sig, Box::new(r.clone()), Box::new(outer)));
    }
    let mut filter = scan.filter.clone();
    if let Some(f) = &mut filter {
        f.deepen_outer(1);
    }
    let filter = and_all(filter.into_iter().chain(lookup).collect());
    let access = choose_access(&scan.table, filter.as_ref());
    if matches!(access, Access::Full) {
        return Err(Box::new(right));
    }
    let Node::Scan(mut scan) = right else {
        unreachable!("checked above")
    };
    scan.access = access;
    scan.filter = filter;
    Ok(Node::Scan(scan))
}

/// A semi or anti join to put above a node: right side, condition, kind.
type SemiJoin = (Node, Expr, JoinKind);

/// Splits `preds` (over rows of width `lw`) into the EXISTS conjuncts
/// that become semi/anti joins and the rest.
fn take_semis(preds: Vec<Expr>, lw: usize) -> (Vec<SemiJoin>, Vec<Expr>) {
    let mut semis = Vec::new();
    let mut rest = Vec::new();
    for p in preds {
        match exists_join(&p, lw).or_else(|| in_join(&p, lw)) {
            Some(j) => semis.push(j),
            None => rest.push(p),
        }
    }
    (semis, rest)
}

/// Puts the semi/anti joins `semis` above `node` (of width `lw`).
fn wrap_semis(mut node: Node, semis: Vec<SemiJoin>, lw: usize) -> Node {
    for (right, on, kind) in semis {
        let mut parts = Vec::new();
        conjuncts(&on, &mut parts);
        node = choose_algorithm(node, right, kind, Some(on), &parts, lw);
    }
    node
}

/// A WHERE conjunct `[NOT] EXISTS (SELECT ... FROM t WHERE ...)` over rows
/// of width `lw`, as a semi (anti) join: the right side (`t` with the
/// uncorrelated conjuncts), the join condition (the correlated conjuncts
/// over the left row then `t`'s), and the kind. `None` when the subquery
/// has another shape, reads rows further out than this query's, or has no
/// equality to hash on.
fn exists_join(pred: &Expr, lw: usize) -> Option<SemiJoin> {
    let (sq, kind) = match pred {
        Expr::Subquery(sq) => (sq, JoinKind::Semi),
        Expr::Not(inner) => match inner.as_ref() {
            Expr::Subquery(sq) => (sq, JoinKind::Anti),
            _ => return None,
        },
        _ => return None,
    };
    if !matches!(sq.kind, SubqueryKind::Exists) || !sq.correlated {
        return None;
    }
    let scan = match sq.plan.as_ref() {
        Node::Project { input, .. } => match input.as_ref() {
            Node::Scan(s) => s,
            _ => return None,
        },
        Node::Scan(s) => s,
        _ => return None,
    };
    if scan_locks(scan) || scan.reverse {
        return None;
    }
    let filter = scan.filter.as_ref()?;
    let mut parts = Vec::new();
    conjuncts(filter, &mut parts);
    let mut local = Vec::new();
    let mut correlated = Vec::new();
    for p in parts {
        // Only this query's row (depth 1) may be read from outside.
        if !p.is_movable() || p.any(&mut |e| matches!(e, Expr::Outer(d, ..) if *d != 1)) {
            return None;
        }
        if p.any(&mut |e| matches!(e, Expr::Outer(..))) {
            let mut on = p;
            on.visit_mut(&mut |e| match e {
                Expr::Column(j, _) => *j += lw,
                Expr::Outer(_, i, t) => *e = Expr::Column(*i, *t),
                _ => {}
            });
            correlated.push(on);
        } else {
            local.push(p);
        }
    }
    if equi_keys(&correlated, lw).is_empty() {
        return None;
    }
    let mut right = scan.clone();
    let filter = and_all(local);
    right.access = choose_access(&right.table, filter.as_ref());
    right.filter = filter;
    right.filter_text = None;
    Some((Node::Scan(right), and_all(correlated)?, kind))
}

/// A WHERE conjunct `x IN (SELECT ...)` over rows of width `lw`, as a
/// semi join of the rows with the subquery's rows on `x = column`:
/// PostgreSQL pulls such a sublink up into a join when the subquery reads
/// nothing of the enclosing rows. As a WHERE conjunct, an IN that is NULL
/// rejects the row as one that is false does, so the semi join (which
/// keeps a row when the equality is true for some subquery row) gives
/// exactly its rows. `NOT IN` stays a (hashed) subquery: its NULL
/// semantics are not an anti join's. `None` when the subquery is
/// correlated, `x` reads no column of the row, or the pair cannot be
/// hashed (then the subquery runs as before).
fn in_join(pred: &Expr, lw: usize) -> Option<SemiJoin> {
    let Expr::Subquery(sq) = pred else {
        return None;
    };
    if let SubqueryKind::Row(r) = &sq.kind {
        return row_in_join(sq, r, lw);
    }
    let SubqueryKind::In(probe, false) = &sq.kind else {
        return None;
    };
    if sq.correlated || !probe.is_movable() || probe.column_span().is_none() {
        return None;
    }
    let columns = sq.plan.columns();
    let column = columns.first()?;
    let mut right = (*sq.plan).clone();
    if columns.len() != 1 {
        right = Node::Project {
            input: Box::new(right),
            exprs: vec![Expr::Column(0, column.ty)],
            columns: vec![column.clone()],
        };
    }
    let sig = crate::types::resolve_binary_op(BinaryOp::Eq, &probe.ty(), &column.ty).ok()?;
    let on = Expr::Binary(
        sig,
        Box::new(probe.clone()),
        Box::new(Expr::Column(lw, column.ty)),
    );
    if equi_keys(std::slice::from_ref(&on), lw).is_empty() {
        return None;
    }
    Some((right, on, JoinKind::Semi))
}

/// [`in_join`] for `(a, b) IN (SELECT x, y ...)`: a semi join on
/// `a = x AND b = y` (the subquery's columns already have the pairs'
/// operand types, see [`crate::plan::row_sublink`]). As a WHERE conjunct
/// an IN that is NULL rejects its row as a false one does, so the semi
/// join keeps exactly its rows.
fn row_in_join(
    sq: &crate::plan::expr::Subquery,
    r: &crate::plan::row_sublink::RowSublink,
    lw: usize,
) -> Option<SemiJoin> {
    if sq.correlated
        || r.all
        || r.operator() != Some(BinaryOp::Eq)
        || r.probes
            .iter()
            .any(|p| !p.is_movable() || p.column_span().is_none())
    {
        return None;
    }
    let columns = sq.plan.columns();
    if columns.len() != r.probes.len() {
        return None;
    }
    let on: Vec<Expr> = r
        .probes
        .iter()
        .zip(&r.eq)
        .zip(&columns)
        .enumerate()
        .map(|(i, ((p, sig), c))| {
            Expr::Binary(
                *sig,
                Box::new(p.clone()),
                Box::new(Expr::Column(lw + i, c.ty)),
            )
        })
        .collect();
    if equi_keys(&on, lw).len() != on.len() {
        return None;
    }
    Some(((*sq.plan).clone(), and_all(on)?, JoinKind::Semi))
}

/// Whether a scan locks the rows it reads.
fn scan_locks(scan: &crate::plan::node::ScanPlan) -> bool {
    scan.lock.is_some()
}
