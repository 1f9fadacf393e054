//! `WITH` queries (common table expressions): binding CTE names into
//! scope and planning them.
//!
//! A query with a `WITH` clause plans each CTE once, in order, into a
//! shared [`Cte`]; the names stay in scope (on the binder's CTE stack)
//! while the rest of the query -- its body, later CTEs, subqueries at any
//! depth -- is planned, so a table reference naming one becomes a
//! [`CteNode::Scan`] of it. The query's plan is wrapped in a
//! [`CteNode::With`], which at run time forgets the rows of its CTEs
//! (each run of a correlated subquery computes them afresh).
//!
//! How a CTE is read (see [`crate::exec::cte`]): one referenced once is
//! streamed from its plan (so `LIMIT` over an endless recursive CTE
//! stops it) and its rows kept for a re-scan; one referenced more often is
//! computed in full by its first scan and replayed to every scan, so it is
//! evaluated once (`nextval` in it gives one value).
//!
//! `WITH RECURSIVE`: a CTE whose body refers to its own name must be
//! `non-recursive-term UNION [ALL] recursive-term`; it plans into a
//! [`CteNode::RecursiveUnion`] whose recursive term reads the previous
//! iteration's rows through a [`CteNode::WorkTable`]. PostgreSQL's rules
//! for well-formed recursion are checked here (42P19), and the column
//! types are the non-recursive term's (42804 when the recursive term
//! would widen them).
//!
//! A recursive CTE's `SEARCH` and `CYCLE` clauses add columns to it as
//! PostgreSQL's rewriter does (see [`crate::plan::search_cycle`]).
//!
//! A view's body sees none of the CTEs of the query that uses it; the
//! binder's CTE stack is set aside while a view is expanded.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use sqlparser::ast;

use crate::error::{EngineError, Result, SqlState};
use crate::plan::bind::{Binder, Scope};
use crate::plan::cte_dml;
use crate::plan::expr::Expr;
use crate::plan::node::{JoinKind, Node, OutputColumn};
use crate::plan::search_cycle::SearchCycle;
use crate::sql::identifiers::ident_name;
use crate::types::{CastKind, SqlType};

/// One planned CTE, shared by every scan of it.
#[derive(Debug)]
pub struct Cte {
    /// Identifier within the statement (keys its rows at run time).
    pub id: usize,
    /// Its name.
    pub name: String,
    /// Its plan.
    pub plan: Node,
    /// Its output columns (named by the column alias list, if any).
    pub columns: Vec<OutputColumn>,
    /// `MATERIALIZED` (`Some(true)`) / `NOT MATERIALIZED` (`Some(false)`).
    pub materialized: Option<bool>,
    /// Whether it refers to itself (`WITH RECURSIVE`).
    pub recursive: bool,
    /// Whether it calls a volatile function (`nextval`, `random`, ...):
    /// never inlined, so it is evaluated once.
    pub volatile: bool,
    /// A data-modifying item: its rows come from the statement's prelude
    /// (see [`crate::plan::cte_dml`]), `plan` is never run.
    pub dml: bool,
    /// How many scans of it the statement's plan holds.
    refs: AtomicUsize,
}

impl Cte {
    /// How many scans of this CTE the plan holds.
    pub fn references(&self) -> usize {
        self.refs.load(Ordering::Relaxed)
    }

    /// Whether PostgreSQL would inline it into the query (a
    /// non-recursive CTE read once, or marked `NOT MATERIALIZED`): EXPLAIN
    /// then shows its plan in place of a CTE Scan.
    pub fn inlined(&self) -> bool {
        !self.recursive
            && !self.volatile
            && match self.materialized {
                Some(m) => !m,
                None => self.references() == 1,
            }
    }
}

/// The CTE plan nodes.
#[derive(Debug, Clone)]
pub enum CteNode {
    /// A query with a `WITH` clause: its plan, and the CTEs it declares.
    With {
        /// The query's plan.
        input: Box<Node>,
        /// The CTEs, in declaration order.
        ctes: Vec<Arc<Cte>>,
    },
    /// A scan of a CTE.
    Scan {
        /// The CTE.
        cte: Arc<Cte>,
        /// How many enclosing rows (subquery levels) lie between the scan
        /// and the CTE's declaration: its plan runs without them.
        levels_up: usize,
        /// The alias the scan gives it.
        alias: Option<String>,
    },
    /// `non-recursive-term UNION [ALL] recursive-term`: the first term's
    /// rows, then the second's run over the previous iteration's rows
    /// until it yields none.
    RecursiveUnion {
        /// The non-recursive term.
        nonrec: Box<Node>,
        /// The recursive term (reads the worktable).
        rec: Box<Node>,
        /// UNION ALL (else rows repeating any earlier row are dropped).
        all: bool,
        /// The worktable's identifier.
        worktable: usize,
    },
    /// The recursive term's read of the previous iteration's rows.
    WorkTable {
        /// The worktable's identifier.
        worktable: usize,
        /// The CTE's name.
        name: String,
        /// The alias the reference gives it.
        alias: Option<String>,
        /// Its columns.
        columns: Vec<OutputColumn>,
    },
}

impl CteNode {
    /// The columns the node outputs.
    pub fn columns(&self) -> Vec<OutputColumn> {
        match self {
            CteNode::With { input, .. } => input.columns(),
            CteNode::Scan { cte, .. } => cte.columns.clone(),
            CteNode::RecursiveUnion { nonrec, .. } => nonrec.columns(),
            CteNode::WorkTable { columns, .. } => columns.clone(),
        }
    }
}

/// What a CTE name in scope stands for.
#[derive(Debug)]
enum Binding {
    /// A `WITH RECURSIVE` item not planned yet.
    Pending,
    /// Its own non-recursive term is being planned.
    NonRecursiveTerm,
    /// Its own recursive term is being planned: the worktable.
    WorkTable {
        id: usize,
        columns: Vec<OutputColumn>,
        refs: usize,
    },
    /// Planned.
    Ready(Arc<Cte>),
    /// A data-modifying item without RETURNING: reading it is an error.
    NoReturning,
    /// Its planning failed on a value (`1/0` folded): an error only if
    /// it is read, as PostgreSQL never plans an unreferenced CTE.
    Failed(EngineError),
}

/// A CTE name in scope.
#[derive(Debug)]
pub(crate) struct CteScope {
    name: String,
    /// The binder's enclosing-scope depth where it was declared.
    outer_len: usize,
    /// Whether its plan reads enclosing rows.
    correlated: bool,
    binding: Binding,
}

fn recursion_error(msg: String) -> EngineError {
    EngineError::new(SqlState::InvalidRecursion, msg)
}

/// The volatile functions a CTE may call that keep it from being
/// inlined (PostgreSQL's `provolatile = 'v'`).
const VOLATILE: &[&str] = &[
    "nextval",
    "setval",
    "currval",
    "lastval",
    "random",
    "gen_random_uuid",
    "clock_timestamp",
    "timeofday",
    "set_config",
];

/// Whether `q` calls a function of [`VOLATILE`] anywhere.
fn calls_volatile(q: &ast::Query) -> bool {
    ast::visit_expressions(q, |e| match e {
        ast::Expr::Function(f)
            if f.name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .is_some_and(|i| VOLATILE.contains(&i.value.to_ascii_lowercase().as_str())) =>
        {
            ControlFlow::Break(())
        }
        _ => ControlFlow::Continue(()),
    })
    .is_break()
}

/// Whether `q` names relation `name` (unqualified) anywhere.
fn refers_to(q: &ast::Query, name: &str) -> bool {
    ast::visit_relations(q, |rel| match rel.0.as_slice() {
        [part] if part.as_ident().map(ident_name).as_deref() == Some(name) => {
            ControlFlow::Break(())
        }
        _ => ControlFlow::Continue(()),
    })
    .is_break()
}

impl Binder<'_> {
    /// Plans query `q`, whose `WITH` clause is `with`.
    pub(crate) fn plan_with(&mut self, with: &ast::With, q: &ast::Query) -> Result<Node> {
        if !matches!(
            q.body.as_ref(),
            ast::SetExpr::Select(_)
                | ast::SetExpr::Query(_)
                | ast::SetExpr::Values(_)
                | ast::SetExpr::SetOperation { .. }
        ) {
            return Err(EngineError::unsupported(
                "WITH before INSERT, UPDATE or DELETE",
            ));
        }
        let top = std::mem::take(&mut self.with_dml.top);
        let (ctes, input) = self.plan_with_scope(with, top, |b| b.plan_query_body(q))?;
        Ok(Node::Cte(CteNode::With {
            input: Box::new(input),
            ctes,
        }))
    }

    /// Plans `body` with the items of `with` in scope: the CTEs it reads
    /// and its result. `top`: `with` is the top-level statement's, whose
    /// items may modify data (see [`crate::plan::cte_dml`]).
    pub(crate) fn plan_with_scope<R>(
        &mut self,
        with: &ast::With,
        top: bool,
        body: impl FnOnce(&mut Self) -> Result<R>,
    ) -> Result<(Vec<Arc<Cte>>, R)> {
        let names: Vec<String> = with
            .cte_tables
            .iter()
            .map(|c| ident_name(&c.alias.name))
            .collect();
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                return Err(EngineError::new(
                    SqlState::DuplicateAlias,
                    format!("WITH query name \"{n}\" specified more than once"),
                ));
            }
        }
        let mark = self.ctes.len();
        let r = self.plan_with_items(with, &names, top, body);
        self.ctes.truncate(mark);
        r
    }

    fn plan_with_items<R>(
        &mut self,
        with: &ast::With,
        names: &[String],
        top: bool,
        body: impl FnOnce(&mut Self) -> Result<R>,
    ) -> Result<(Vec<Arc<Cte>>, R)> {
        let outer_len = self.outer.len();
        let base = self.ctes.len();
        if with.recursive {
            for n in names {
                self.ctes.push(CteScope {
                    name: n.clone(),
                    outer_len,
                    correlated: false,
                    binding: Binding::Pending,
                });
            }
        }
        let mut ctes = Vec::with_capacity(names.len());
        // Each part's reads, and the table a data-modifying item writes.
        let mut parts = Vec::new();
        for (i, item) in with.cte_tables.iter().enumerate() {
            let clauses = match &item.from {
                None => None,
                Some(f) => match crate::sql::cte_clauses::clauses_of(f) {
                    Some(c) => Some(c?),
                    None => return Err(EngineError::unsupported("WITH ... FROM")),
                },
            };
            let name = names[i].clone();
            if clauses.is_some() && !(with.recursive && refers_to(&item.query, &name)) {
                return Err(EngineError::new(
                    SqlState::SyntaxError,
                    "WITH query is not recursive",
                ));
            }
            let read_mark = self.with_dml.reads.len();
            if let Some(stmt) = cte_dml::dml_item(&item.query)? {
                if !top {
                    return Err(cte_dml::not_top_level());
                }
                let binding = self.plan_dml_item(stmt, &name, item, &mut parts, read_mark)?;
                let scope = CteScope {
                    name,
                    outer_len,
                    correlated: false,
                    binding,
                };
                if with.recursive {
                    self.ctes[base + i] = scope;
                } else {
                    self.ctes.push(scope);
                }
                continue;
            }
            let recursive = with.recursive && refers_to(&item.query, &name);
            // The plan's own level: did it read enclosing rows?
            let was = self.correlated.last().copied();
            if let Some(c) = self.correlated.last_mut() {
                *c = false;
            }
            let planned = if recursive {
                self.ctes[base + i].binding = Binding::NonRecursiveTerm;
                self.plan_recursive(item, &name, base + i, clauses)
            } else {
                self.plan_query(&item.query)
            };
            let correlated = self.correlated.last().copied().unwrap_or(false);
            if let (Some(c), Some(w)) = (self.correlated.last_mut(), was) {
                *c |= w;
            }
            if top {
                parts.push((
                    cte_dml::part_reads(&self.with_dml.reads[read_mark..], false),
                    None,
                ));
            }
            let node = match planned {
                Err(e) if !recursive && e.state.code().starts_with("22") => {
                    let scope = CteScope {
                        name,
                        outer_len,
                        correlated,
                        binding: Binding::Failed(e),
                    };
                    if with.recursive {
                        self.ctes[base + i] = scope;
                    } else {
                        self.ctes.push(scope);
                    }
                    continue;
                }
                r => r?,
            };
            let columns = alias_columns(&name, node.columns(), &item.alias)?;
            let cte = Arc::new(Cte {
                id: self.next_subquery,
                name: name.clone(),
                plan: node,
                columns,
                materialized: item
                    .materialized
                    .as_ref()
                    .map(|m| matches!(m, ast::CteAsMaterialized::Materialized)),
                recursive,
                volatile: calls_volatile(&item.query),
                dml: false,
                refs: AtomicUsize::new(0),
            });
            self.next_subquery += 1;
            let scope = CteScope {
                name,
                outer_len,
                correlated,
                binding: Binding::Ready(Arc::clone(&cte)),
            };
            if with.recursive {
                self.ctes[base + i] = scope;
            } else {
                self.ctes.push(scope);
            }
            ctes.push(cte);
        }
        let read_mark = self.with_dml.reads.len();
        let out = body(self)?;
        if !parts.is_empty() && parts.iter().any(|(_, w)| w.is_some()) {
            let log = &self.with_dml.reads[read_mark..];
            // An INSERT's own target is written, not read.
            parts.push((cte_dml::part_reads(log, self.with_dml.main_insert), None));
            if cte_dml::reads_written(&parts) {
                self.with_dml.needs_view = true;
            }
        }
        Ok((ctes, out))
    }

    /// Plans data-modifying `WITH` item `item` (statement `stmt`) into the
    /// statement's prelude, recording its part in `parts`; the binding of
    /// its name.
    fn plan_dml_item(
        &mut self,
        stmt: &ast::Statement,
        name: &str,
        item: &ast::Cte,
        parts: &mut Vec<(Vec<u32>, Option<Arc<crate::catalog::TableDesc>>)>,
        read_mark: usize,
    ) -> Result<Binding> {
        let plan = cte_dml::plan_dml(stmt, self)?
            .ok_or_else(|| EngineError::internal("data-modifying WITH item"))?;
        let insert = matches!(plan, cte_dml::DmlPlan::Insert(_));
        parts.push((
            cte_dml::part_reads(&self.with_dml.reads[read_mark..], insert),
            Some(Arc::clone(plan.table())),
        ));
        let id = self.next_subquery;
        self.next_subquery += 1;
        if !plan.returns() {
            self.with_dml.prelude.push(cte_dml::DmlCte {
                id,
                name: name.to_string(),
                plan,
            });
            return Ok(Binding::NoReturning);
        }
        let columns = alias_columns(name, plan.columns(), &item.alias)?;
        let cte = Arc::new(Cte {
            id,
            name: name.to_string(),
            // Never run: the prelude leaves the rows for the scans.
            plan: Node::Values {
                rows: Vec::new(),
                columns: columns.clone(),
            },
            columns,
            materialized: Some(true),
            recursive: false,
            volatile: true,
            dml: true,
            refs: AtomicUsize::new(0),
        });
        self.with_dml.prelude.push(cte_dml::DmlCte {
            id,
            name: name.to_string(),
            plan,
        });
        Ok(Binding::Ready(cte))
    }

    /// The CTE that unqualified relation `name` names, if one is in
    /// scope: its scan and scope (`None` for any other name).
    pub(crate) fn cte_reference(
        &mut self,
        name: &ast::ObjectName,
        alias: Option<&ast::TableAlias>,
    ) -> Result<Option<(Node, Scope)>> {
        let [part] = name.0.as_slice() else {
            return Ok(None);
        };
        let Some(ident) = part.as_ident() else {
            return Ok(None);
        };
        let n = ident_name(ident);
        let Some(pos) = self.ctes.iter().rposition(|c| c.name == n) else {
            return Ok(None);
        };
        let depth = self.outer.len();
        let entry = &mut self.ctes[pos];
        let levels_up = depth.saturating_sub(entry.outer_len);
        let alias_name = alias.map(|a| ident_name(&a.name));
        let node = match &mut entry.binding {
            Binding::Pending => {
                return Err(EngineError::unsupported(
                    "forward references between WITH RECURSIVE items",
                ))
            }
            Binding::Failed(e) => return Err(e.clone()),
            Binding::NoReturning => {
                return Err(EngineError::new(
                    SqlState::FeatureNotSupported,
                    format!("WITH query \"{n}\" does not have a RETURNING clause"),
                ))
            }
            Binding::NonRecursiveTerm => {
                return Err(recursion_error(format!(
                    "recursive reference to query \"{n}\" must not appear within its non-recursive term"
                )))
            }
            Binding::WorkTable { id, columns, refs } => {
                if levels_up > 0 {
                    return Err(recursion_error(format!(
                        "recursive reference to query \"{n}\" must not appear within a subquery"
                    )));
                }
                *refs += 1;
                if *refs > 1 {
                    return Err(recursion_error(format!(
                        "recursive reference to query \"{n}\" must not appear more than once"
                    )));
                }
                Node::Cte(CteNode::WorkTable {
                    worktable: *id,
                    name: n.clone(),
                    alias: alias_name,
                    columns: columns.clone(),
                })
            }
            Binding::Ready(cte) => {
                cte.refs.fetch_add(1, Ordering::Relaxed);
                if entry.correlated {
                    let k = self.correlated.len();
                    for c in &mut self.correlated[k.saturating_sub(levels_up)..] {
                        *c = true;
                    }
                }
                Node::Cte(CteNode::Scan {
                    cte: Arc::clone(cte),
                    levels_up,
                    alias: alias_name,
                })
            }
        };
        let scope = super::query::relation_scope(&node.columns(), &n, alias)?;
        Ok(Some((node, scope)))
    }

    /// Sets the CTEs in scope aside (while a view's body is planned).
    pub(crate) fn take_ctes(&mut self) -> Vec<CteScope> {
        std::mem::take(&mut self.ctes)
    }

    /// Restores CTEs set aside by [`Binder::take_ctes`].
    pub(crate) fn restore_ctes(&mut self, ctes: Vec<CteScope>) {
        self.ctes = ctes;
    }

    /// Plans the body of recursive CTE `item` (scope entry `slot`).
    fn plan_recursive(
        &mut self,
        item: &ast::Cte,
        name: &str,
        slot: usize,
        clauses: Option<crate::sql::cte_clauses::Clauses>,
    ) -> Result<Node> {
        let q = &item.query;
        let not_form = || {
            recursion_error(format!(
                "recursive query \"{name}\" does not have the form non-recursive-term UNION [ALL] recursive-term"
            ))
        };
        let ast::SetExpr::SetOperation {
            left,
            op: ast::SetOperator::Union,
            set_quantifier,
            right,
        } = q.body.as_ref()
        else {
            return Err(not_form());
        };
        let all = match set_quantifier {
            ast::SetQuantifier::All => true,
            ast::SetQuantifier::Distinct | ast::SetQuantifier::None => false,
            _ => return Err(not_form()),
        };
        if q.order_by.is_some() {
            return Err(EngineError::new(
                SqlState::FeatureNotSupported,
                "ORDER BY in a recursive query is not implemented",
            ));
        }
        if let Some(lc) = &q.limit_clause {
            let offset = match lc {
                ast::LimitClause::LimitOffset { limit, offset, .. } => {
                    if limit.is_some() {
                        return Err(EngineError::new(
                            SqlState::FeatureNotSupported,
                            "LIMIT in a recursive query is not implemented",
                        ));
                    }
                    offset.is_some()
                }
                ast::LimitClause::OffsetCommaLimit { .. } => {
                    return Err(EngineError::new(
                        SqlState::FeatureNotSupported,
                        "LIMIT in a recursive query is not implemented",
                    ))
                }
            };
            if offset {
                return Err(EngineError::new(
                    SqlState::FeatureNotSupported,
                    "OFFSET in a recursive query is not implemented",
                ));
            }
        }
        if !q.locks.is_empty() {
            return Err(EngineError::new(
                SqlState::FeatureNotSupported,
                "FOR UPDATE/SHARE in a recursive query is not implemented",
            ));
        }
        if q.with.is_some() || q.fetch.is_some() {
            return Err(EngineError::unsupported(
                "WITH or FETCH around a recursive query's terms",
            ));
        }
        // SEARCH / CYCLE (see `search_cycle`): the mark's type first, the
        // form of the terms, then the added columns.
        let sc = match clauses {
            Some(c) => Some(SearchCycle::new(self, c)?),
            None => None,
        };
        let right_select = match &sc {
            Some(_) => Some(SearchCycle::check_form(left, right)?),
            None => None,
        };
        if right_select.is_none()
            && matches!(
                right.as_ref(),
                ast::SetExpr::SetOperation { .. } | ast::SetExpr::Query(_)
            )
        {
            return Err(EngineError::unsupported(
                "a set operation or parenthesized query as a recursive term",
            ));
        }
        let nonrec = self.plan_set_expr(left)?;
        let mut columns = nonrec.columns();
        let nonrec = known_types(self, nonrec, &mut columns)?;
        // Name the worktable's columns as the CTE's.
        for (c, a) in columns.iter_mut().zip(&item.alias.columns) {
            c.name = ident_name(&a.name);
        }
        let own_columns = columns.clone();
        let mut layout = None;
        let mut added = Vec::new();
        let nonrec = match &sc {
            None => nonrec,
            Some(sc) => {
                let l = sc.layout(&columns)?;
                sc.check_names(&columns)?;
                added = sc.added_columns(&l);
                let cols: Vec<Expr> = columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| Expr::Column(i, c.ty))
                    .collect();
                let mut exprs = cols.clone();
                exprs.extend(sc.initial(&l, &cols));
                columns.extend(added.iter().cloned());
                layout = Some(l);
                Node::Project {
                    input: Box::new(nonrec),
                    exprs,
                    columns: columns.clone(),
                }
            }
        };
        let worktable = self.next_subquery;
        self.next_subquery += 1;
        self.ctes[slot].binding = Binding::WorkTable {
            id: worktable,
            columns: columns.clone(),
            refs: 0,
        };
        let rec = match (&sc, right_select) {
            (Some(sc), Some(select)) => {
                let select = sc.extend_recursive_term(select, name, &added)?;
                self.plan_set_expr(&ast::SetExpr::Select(Box::new(select)))?
            }
            _ => self.plan_set_expr(right)?,
        };
        check_recursive_term(&rec, name)?;
        let rc = rec.columns();
        if rc.len() != columns.len() {
            return Err(EngineError::new(
                SqlState::SyntaxError,
                "each UNION query must have the same number of columns",
            ));
        }
        let mut exprs = Vec::with_capacity(rc.len());
        for (i, (r, c)) in rc.iter().zip(&columns).enumerate() {
            let e = Expr::Column(i, r.ty);
            if r.ty == c.ty || r.ty == SqlType::Unknown {
                exprs.push(self.coerce(e, c.ty, CastKind::Implicit)?);
                continue;
            }
            match crate::types::implicit_common_type(&c.ty, &r.ty) {
                Some(t) if t == c.ty => exprs.push(self.coerce(e, c.ty, CastKind::Implicit)?),
                Some(t) => {
                    return Err(EngineError::new(
                        SqlState::DatatypeMismatch,
                        format!(
                            "recursive query \"{name}\" column {} has type {} in non-recursive term but type {} overall",
                            i + 1,
                            c.ty.display_name(),
                            t.display_name()
                        ),
                    )
                    .with_hint("Cast the output of the non-recursive term to the correct type."))
                }
                None => {
                    return Err(EngineError::new(
                        SqlState::DatatypeMismatch,
                        format!(
                            "UNION types {} and {} cannot be matched",
                            c.ty.display_name(),
                            r.ty.display_name()
                        ),
                    ))
                }
            }
        }
        let (rec, exprs) = match (&sc, &layout) {
            (Some(sc), Some(l)) => {
                let own = &exprs[..own_columns.len()];
                let (step, filter) = sc.step(l, own, &added)?;
                let mut out = own.to_vec();
                out.extend(step);
                let rec = match filter {
                    Some(predicate) => Node::Filter {
                        input: Box::new(rec),
                        predicate,
                    },
                    None => rec,
                };
                (rec, out)
            }
            _ => (rec, exprs),
        };
        let identity = exprs
            .iter()
            .enumerate()
            .all(|(i, e)| matches!(e, Expr::Column(j, _) if *j == i));
        let rec = if identity {
            rec
        } else {
            Node::Project {
                input: Box::new(rec),
                exprs,
                columns: columns.clone(),
            }
        };
        Ok(Node::Cte(CteNode::RecursiveUnion {
            nonrec: Box::new(nonrec),
            rec: Box::new(rec),
            all,
            worktable,
        }))
    }
}

/// `node` with its `unknown` columns (bare literals) made `text`.
fn known_types(b: &mut Binder<'_>, node: Node, columns: &mut [OutputColumn]) -> Result<Node> {
    if columns.iter().all(|c| c.ty != SqlType::Unknown) {
        return Ok(node);
    }
    let mut exprs = Vec::with_capacity(columns.len());
    for (i, c) in columns.iter_mut().enumerate() {
        let e = Expr::Column(i, c.ty);
        if c.ty == SqlType::Unknown {
            c.ty = SqlType::Text;
            exprs.push(b.coerce(e, SqlType::Text, CastKind::Implicit)?);
        } else {
            exprs.push(e);
        }
    }
    Ok(Node::Project {
        input: Box::new(node),
        exprs,
        columns: columns.to_vec(),
    })
}

/// The CTE's output columns: the plan's, renamed by the alias list.
fn alias_columns(
    name: &str,
    mut columns: Vec<OutputColumn>,
    alias: &ast::TableAlias,
) -> Result<Vec<OutputColumn>> {
    if alias.columns.len() > columns.len() {
        return Err(EngineError::new(
            SqlState::InvalidColumnReference,
            format!(
                "WITH query \"{name}\" has {} columns available but {} columns specified",
                columns.len(),
                alias.columns.len()
            ),
        ));
    }
    for (c, a) in columns.iter_mut().zip(&alias.columns) {
        c.name = ident_name(&a.name);
    }
    Ok(columns)
}

/// Whether `node` reads the worktable.
fn reads_worktable(node: &Node) -> bool {
    crate::sql::depth::guard(|| match node {
        Node::Cte(CteNode::WorkTable { .. }) => true,
        Node::Cte(CteNode::With { input, .. }) => reads_worktable(input),
        Node::Cte(CteNode::RecursiveUnion { nonrec, rec, .. }) => {
            reads_worktable(nonrec) || reads_worktable(rec)
        }
        Node::Filter { input, .. }
        | Node::Project { input, .. }
        | Node::Sort { input, .. }
        | Node::Limit { input, .. }
        | Node::Distinct { input, .. }
        | Node::Aggregate { input, .. } => reads_worktable(input),
        Node::Join { left, right, .. } | Node::SetOp { left, right, .. } => {
            reads_worktable(left) || reads_worktable(right)
        }
        _ => false,
    })
}

/// PostgreSQL's checks on a recursive term's plan: the worktable not on
/// the nullable side of an outer join, no aggregation over it.
fn check_recursive_term(node: &Node, name: &str) -> Result<()> {
    crate::sql::depth::guard(|| match node {
        Node::Join {
            left, right, kind, ..
        } => {
            let nullable = match kind {
                JoinKind::Inner | JoinKind::Semi | JoinKind::Anti => false,
                JoinKind::Left => reads_worktable(right),
                JoinKind::Full => reads_worktable(left) || reads_worktable(right),
            };
            if nullable {
                return Err(recursion_error(format!(
                    "recursive reference to query \"{name}\" must not appear within an outer join"
                )));
            }
            check_recursive_term(left, name)?;
            check_recursive_term(right, name)
        }
        Node::Aggregate { input, .. } if reads_worktable(input) => Err(recursion_error(
            "aggregate functions are not allowed in a recursive query's recursive term".into(),
        )),
        Node::SetOp {
            left, right, kind, ..
        } => {
            if reads_worktable(left) || reads_worktable(right) {
                let what = match kind {
                    crate::plan::node::SetOpKind::Union => None,
                    crate::plan::node::SetOpKind::Intersect => Some("INTERSECT"),
                    crate::plan::node::SetOpKind::Except => Some("EXCEPT"),
                };
                if let Some(w) = what {
                    return Err(recursion_error(format!(
                        "recursive reference to query \"{name}\" must not appear within {w}"
                    )));
                }
            }
            check_recursive_term(left, name)?;
            check_recursive_term(right, name)
        }
        Node::Filter { input, .. }
        | Node::Project { input, .. }
        | Node::Sort { input, .. }
        | Node::Limit { input, .. }
        | Node::Distinct { input, .. }
        | Node::Aggregate { input, .. } => check_recursive_term(input, name),
        Node::Cte(CteNode::With { input, .. }) => check_recursive_term(input, name),
        _ => Ok(()),
    })
}
