//! EXPLAIN: renders a plan tree in PostgreSQL's text layout (without costs).
//!
//! ```text
//! Limit
//!   ->  Index Scan Backward using t_pkey on t
//!         Index Cond: range on the primary key
//! ```

use crate::exec::instrument::Instrument;
use crate::plan::node::{Access, JoinKind, Node, SetOpKind};

/// The lines of the plan of `node`.
pub fn explain(node: &Node) -> Vec<String> {
    let mut lines = Vec::new();
    render(node, 0, &mut lines, None);
    lines
}

/// The lines of the plan of `node` after it ran under EXPLAIN ANALYZE:
/// each node's line ends with its actual rows and loops (and times, with
/// `timing`), as PostgreSQL prints them.
pub fn explain_analyzed(node: &Node, stats: &Instrument, timing: bool) -> Vec<String> {
    let mut lines = Vec::new();
    render(node, 0, &mut lines, Some((stats, timing)));
    lines
}

/// The counters an EXPLAIN ANALYZE shows, and whether it shows times.
type Actuals<'s> = Option<(&'s Instrument, bool)>;

/// PostgreSQL's ` (actual time=a..b rows=n loops=l)` for `node`.
fn actual(node: &Node, actuals: Actuals<'_>) -> String {
    let Some((stats, timing)) = actuals else {
        return String::new();
    };
    let Some(s) = stats.get(node).filter(|s| s.loops > 0) else {
        return " (never executed)".into();
    };
    let loops = s.loops as f64;
    // Per loop, rounded as C's `%.0f` (half to even), as PostgreSQL prints.
    let rows = s.rows as f64 / loops;
    if timing {
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0 / loops;
        format!(
            " (actual time={:.3}..{:.3} rows={rows:.0} loops={})",
            ms(s.startup),
            ms(s.total),
            s.loops
        )
    } else {
        format!(" (actual rows={rows:.0} loops={})", s.loops)
    }
}

fn render(node: &Node, depth: usize, out: &mut Vec<String>, actuals: Actuals<'_>) {
    crate::sql::depth::guard(|| render_level(node, depth, out, Vec::new(), actuals))
}

/// Renders `node` at `depth`; `subplans` (a header and a plan, such as a
/// CTE's) are shown under it before its children.
fn render_level<'n>(
    node: &'n Node,
    depth: usize,
    out: &mut Vec<String>,
    mut subplans: Vec<(String, &'n Node)>,
    actuals: Actuals<'_>,
) {
    let (head, details, children): (String, Vec<String>, Vec<&Node>) = match node {
        Node::Cte(c) => match crate::plan::explain_cte::parts(c, &mut subplans) {
            crate::plan::explain_cte::Parts::Through(input) => {
                return crate::sql::depth::guard(|| {
                    render_level(input, depth, out, subplans, actuals)
                })
            }
            crate::plan::explain_cte::Parts::Node(head, children) => (head, vec![], children),
        },
        Node::Values { rows, .. } if rows.len() == 1 && rows[0].is_empty() => {
            ("Result".into(), vec![], vec![])
        }
        Node::Values { .. } => ("Values Scan".into(), vec![], vec![]),
        Node::Series { .. } => ("Function Scan on generate_series".into(), vec![], vec![]),
        Node::Unnest { .. } => ("Function Scan on unnest".into(), vec![], vec![]),
        Node::RowsFrom { .. } => ("ProjectSet".into(), vec![], vec![]),
        Node::JsonRecords { func, .. } => (format!("Function Scan on {func}"), vec![], vec![]),
        Node::JsonRows { func, .. } => {
            (format!("Function Scan on {}", func.name()), vec![], vec![])
        }
        Node::SystemScan { rel, .. } => (format!("Seq Scan on {}", rel.name), vec![], vec![]),
        Node::SequenceRow { seq, .. } => (format!("Seq Scan on {}", seq.name), vec![], vec![]),
        Node::Scan(s) => {
            let t = &s.table;
            let mut details = Vec::new();
            let head = match &s.access {
                Access::Full => format!("Seq Scan on {}", t.name),
                Access::PkPoint(_) => {
                    details.push("Index Cond: point lookup on the primary key".into());
                    format!("Index Scan using {} on {}", t.primary().name, t.name)
                }
                Access::IndexScan {
                    index,
                    eq,
                    lower,
                    upper,
                } => {
                    if !eq.is_empty() || lower.is_some() || upper.is_some() {
                        details.push("Index Cond: lookup in the index".into());
                    }
                    format!(
                        "Index Scan{} using {} on {}",
                        if s.reverse { " Backward" } else { "" },
                        t.indexes[*index].name,
                        t.name
                    )
                }
                Access::KeyRange { index, .. } => {
                    details.push("Index Cond: row comparison on the index key".into());
                    format!(
                        "Index Scan{} using {} on {}",
                        if s.reverse { " Backward" } else { "" },
                        t.indexes[*index].name,
                        t.name
                    )
                }
                Access::PkRange { .. } => {
                    details.push("Index Cond: range on the primary key".into());
                    format!(
                        "Index Scan{} using {} on {}",
                        if s.reverse { " Backward" } else { "" },
                        t.primary().name,
                        t.name
                    )
                }
            };
            let head = if let Some(sample) = &s.sample {
                details.clear();
                details.push(crate::plan::tablesample::explain_detail(sample));
                format!("Sample Scan on {}", t.name)
            } else if matches!(s.access, Access::Full) && s.reverse {
                format!(
                    "Index Scan Backward using {} on {}",
                    t.primary().name,
                    t.name
                )
            } else {
                head
            };
            if let Some(f) = &s.filter_text {
                details.push(format!("Filter: ({f})"));
            }
            if let Some(lock) = s.lock {
                details.push(crate::exec::row_locks::explain_detail(lock));
            }
            (head, details, vec![])
        }
        Node::Filter { input, .. } => ("Filter".into(), vec![], vec![input.as_ref()]),
        Node::Project { input, .. } => {
            return crate::sql::depth::guard(|| render_level(input, depth, out, subplans, actuals))
        }
        Node::Join {
            left,
            right,
            kind,
            hash: Some(_),
            ..
        } => {
            let head = match kind {
                JoinKind::Inner => "Hash Join",
                JoinKind::Left => "Hash Left Join",
                JoinKind::Full => "Hash Full Join",
                JoinKind::Semi => "Hash Semi Join",
                JoinKind::Anti => "Hash Anti Join",
            };
            let head = format!("{head}{}", actual(node, actuals));
            push_line(depth, head, vec![], subplans, out, actuals);
            render(left, depth + 1, out, actuals);
            let hash = format!("Hash{}", actual(right, actuals));
            push_line(depth + 1, hash, vec![], Vec::new(), out, actuals);
            render(right, depth + 2, out, actuals);
            return;
        }
        Node::Join {
            left, right, kind, ..
        } => (
            match kind {
                JoinKind::Inner => "Nested Loop".into(),
                JoinKind::Left => "Nested Loop Left Join".into(),
                JoinKind::Full => "Nested Loop Full Join".into(),
                JoinKind::Semi => "Nested Loop Semi Join".into(),
                JoinKind::Anti => "Nested Loop Anti Join".into(),
            },
            vec![],
            vec![left.as_ref(), right.as_ref()],
        ),
        Node::Aggregate {
            input, group_by, ..
        } => (
            if group_by.is_empty() {
                "Aggregate".into()
            } else {
                "HashAggregate".into()
            },
            vec![],
            vec![input.as_ref()],
        ),
        Node::Sort { input, .. } => ("Sort".into(), vec![], vec![input.as_ref()]),
        Node::Window(w) => ("WindowAgg".into(), vec![], vec![&w.input]),
        Node::Limit { input, .. } => ("Limit".into(), vec![], vec![input.as_ref()]),
        Node::Distinct { input, on } if on.is_empty() => {
            ("HashAggregate".into(), vec![], vec![input.as_ref()])
        }
        Node::Distinct { input, .. } => ("Unique".into(), vec![], vec![input.as_ref()]),
        Node::SetOp {
            left,
            right,
            kind,
            all,
        } => (
            match (kind, all) {
                (SetOpKind::Union, true) => "Append".into(),
                (SetOpKind::Union, false) => "HashAggregate (Union)".into(),
                (SetOpKind::Intersect, _) => "HashSetOp Intersect".into(),
                (SetOpKind::Except, _) => "HashSetOp Except".into(),
            },
            vec![],
            vec![left.as_ref(), right.as_ref()],
        ),
    };
    let head = format!("{head}{}", actual(node, actuals));
    push_line(depth, head, details, subplans, out, actuals);
    for c in children {
        render(c, depth + 1, out, actuals);
    }
}

/// Writes a node's line at `depth`, its detail lines and its subplans.
fn push_line(
    depth: usize,
    head: String,
    details: Vec<String>,
    subplans: Vec<(String, &Node)>,
    out: &mut Vec<String>,
    actuals: Actuals<'_>,
) {
    let (prefix, detail_pad) = if depth == 0 {
        (String::new(), "  ".to_string())
    } else {
        let pad = " ".repeat(depth * 6 - 6);
        (format!("{pad}  ->  "), format!("{pad}        "))
    };
    out.push(format!("{prefix}{head}"));
    for d in details {
        out.push(format!("{detail_pad}{d}"));
    }
    for (header, plan) in subplans {
        out.push(format!("{detail_pad}{header}"));
        let mut lines = Vec::new();
        render(plan, depth + 1, &mut lines, actuals);
        out.extend(lines.into_iter().map(|l| format!("  {l}")));
    }
}
