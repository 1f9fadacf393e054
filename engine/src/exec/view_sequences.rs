//! Views that name a sequence in a sequence function's argument
//! (`nextval('s')`, `currval('s'::regclass)`, `setval('sch.s', 1)`).
//!
//! PostgreSQL casts such a literal to `regclass` when the view is created,
//! so the view holds the sequence's OID: it depends on the sequence (DROP
//! needs CASCADE) and follows its renames (its definition then prints the
//! new name). Our views store their text, so CREATE VIEW records such a
//! sequence as read ([`record`]: a dependency key and, for an unqualified
//! name, the schema it resolved to, as for a `FROM` item), and a rename or
//! move of the sequence rewrites the literal ([`rewrite`]): the new name,
//! qualified unless the sequence stays in the schema it was found in.

use std::ops::ControlFlow;

use rocksgres_storage::Transaction;
use sqlparser::ast::{self, VisitMut, VisitorMut};

use crate::catalog::temp::SearchPath;
use crate::catalog::ViewDesc;
use crate::error::Result;
use crate::sql::sequence_args::literal_mut;

/// Every sequence-function literal of a query.
#[derive(Default)]
struct Literals(Vec<String>);

impl VisitorMut for Literals {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &mut ast::Expr) -> ControlFlow<()> {
        if let Some(s) = literal_mut(e) {
            self.0.push(s.clone());
        }
        ControlFlow::Continue(())
    }
}

/// Records the sequences `q` names in sequence-function literals: their
/// dependency keys in `deps` and, for an unqualified name, the schema it
/// resolved to in `bindings` (when the name has none yet). A literal that
/// names no sequence is left to fail when the view runs, as before.
/// Returns whether one of them is a temporary sequence (the view is then
/// temporary too, as PostgreSQL makes it).
pub fn record<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    q: &ast::Query,
    deps: &mut Vec<String>,
    bindings: &mut Vec<(String, String)>,
) -> Result<bool> {
    let mut temp = false;
    let mut lits = Literals::default();
    let _ = VisitMut::visit(&mut q.clone(), &mut lits);
    for text in lits.0 {
        if text.parse::<u32>().is_ok() {
            continue;
        }
        let Ok(desc) = crate::exec::sequence::resolve(txn, path, &text) else {
            continue;
        };
        temp |= crate::catalog::temp::is_temp_schema(&desc.schema);
        deps.push(crate::catalog::view::dep_key(&desc.schema, &desc.name));
        if let Ok(parts) = crate::sql::sequence::parse_name(&text) {
            if let [n] = parts.as_slice() {
                if !bindings.iter().any(|(b, _)| b == n) {
                    bindings.push((n.clone(), desc.schema.clone()));
                }
            }
        }
    }
    Ok(temp)
}

/// The literal for sequence `schema.name`, qualified or not.
fn literal(schema: Option<&str>, name: &str) -> String {
    let q = crate::sql::identifiers::quote_ident;
    match schema {
        Some(s) => format!("{}.{}", q(s), q(name)),
        None => q(name).to_string(),
    }
}

/// Rewrites the sequence-function literals of one query.
struct Rewriter<'a> {
    view: &'a ViewDesc,
    target: (&'a str, &'a str),
    to: (&'a str, &'a str),
    /// Whether an unqualified new name still denotes the sequence.
    bare_ok: bool,
    /// How many literals were rewritten.
    count: usize,
    /// Whether a rewritten literal was unqualified.
    unqualified: bool,
}

impl VisitorMut for Rewriter<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &mut ast::Expr) -> ControlFlow<()> {
        let Some(lit) = literal_mut(e) else {
            return ControlFlow::Continue(());
        };
        let Ok(parts) = crate::sql::sequence::parse_name(lit) else {
            return ControlFlow::Continue(());
        };
        let Some((s, n)) = self.view.resolve_name(&parts) else {
            return ControlFlow::Continue(());
        };
        if (s.as_str(), n.as_str()) != self.target {
            return ControlFlow::Continue(());
        }
        let bare = parts.len() == 1 && self.bare_ok;
        self.unqualified |= bare;
        *lit = literal((!bare).then_some(self.to.0), self.to.1);
        self.count += 1;
        ControlFlow::Continue(())
    }
}

/// Rewrites the literals of view `view`'s query `q` naming sequence
/// `schema.name` (see [`ViewDesc::resolve_name`]) to name `to_schema.to_name`;
/// an unqualified literal stays unqualified when `bare_ok`. Returns how
/// many were rewritten and whether one of them stayed unqualified.
pub fn rewrite(
    q: &mut ast::Query,
    view: &ViewDesc,
    (schema, name): (&str, &str),
    (to_schema, to_name): (&str, &str),
    bare_ok: bool,
) -> (usize, bool) {
    let mut w = Rewriter {
        view,
        target: (schema, name),
        to: (to_schema, to_name),
        bare_ok,
        count: 0,
        unqualified: false,
    };
    let _ = VisitMut::visit(q, &mut w);
    (w.count, w.unqualified)
}

/// Rewrites the qualified literals of `q` naming schema `old` to name
/// `new` instead (ALTER SCHEMA ... RENAME TO).
pub fn rename_schema(q: &mut ast::Query, old: &str, new: &str) {
    struct W<'a>(&'a str, &'a str);
    impl VisitorMut for W<'_> {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &mut ast::Expr) -> ControlFlow<()> {
            if let Some(lit) = literal_mut(e) {
                if let Ok(parts) = crate::sql::sequence::parse_name(lit) {
                    if let [s, n] = parts.as_slice() {
                        if s == self.0 {
                            *lit = literal(Some(self.1), n);
                        }
                    }
                }
            }
            ControlFlow::Continue(())
        }
    }
    let _ = VisitMut::visit(q, &mut W(old, new));
}
