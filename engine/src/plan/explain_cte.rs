//! EXPLAIN of the `WITH` plan nodes ([`CteNode`]), as PostgreSQL shows
//! them: a CTE read in place of a CTE Scan when PostgreSQL would inline
//! it, else `CTE Scan on x` with the CTE's plan under a `CTE x` header
//! of the query's top node; `Recursive Union` over the two terms and
//! `WorkTable Scan on x` for the recursive reference.

use crate::plan::cte::CteNode;
use crate::plan::node::Node;

/// How a CTE node renders.
pub enum Parts<'n> {
    /// As this node (a pass-through).
    Through(&'n Node),
    /// As a node of its own: its heading and children.
    Node(String, Vec<&'n Node>),
}

/// How `node` renders; a `WITH` adds its shown CTEs to `subplans`.
pub fn parts<'n>(node: &'n CteNode, subplans: &mut Vec<(String, &'n Node)>) -> Parts<'n> {
    match node {
        CteNode::With { input, ctes } => {
            for c in ctes {
                // A data-modifying item shows as its statement, among the
                // statement's init plans (`session::explain_dml`).
                if c.references() > 0 && !c.inlined() && !c.dml {
                    subplans.push((format!("CTE {}", c.name), &c.plan));
                }
            }
            Parts::Through(input)
        }
        CteNode::Scan { cte, .. } if cte.inlined() => Parts::Through(&cte.plan),
        CteNode::Scan { cte, alias, .. } => Parts::Node(
            match alias {
                Some(a) => format!("CTE Scan on {} {a}", cte.name),
                None => format!("CTE Scan on {}", cte.name),
            },
            vec![],
        ),
        CteNode::RecursiveUnion { nonrec, rec, .. } => Parts::Node(
            "Recursive Union".into(),
            vec![nonrec.as_ref(), rec.as_ref()],
        ),
        CteNode::WorkTable { name, alias, .. } => Parts::Node(
            match alias {
                Some(a) => format!("WorkTable Scan on {name} {a}"),
                // PostgreSQL names the reference apart from the CTE Scan.
                None => format!("WorkTable Scan on {name} {name}_1"),
            },
            vec![],
        ),
    }
}
