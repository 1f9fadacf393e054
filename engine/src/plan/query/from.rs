//! The FROM clause: tables, views, derived tables, joins.
//!
//! Items are planned left to right and joined as written; a function or
//! a LATERAL subquery sees the items to its left. A join's condition is
//! bound over the joined row; USING and NATURAL merge the named columns
//! (one output column each, of their common type) as PostgreSQL does, and
//! a RIGHT join is a swapped LEFT join whose columns are put back in
//! left-then-right order. Predicate push-down and the choice of join
//! algorithm are [`crate::plan::join_plan`]'s, the order of a run of inner
//! joins [`crate::plan::optimize::join_order`]'s.
//!
//! A view is planned from its stored query text, with the names it read
//! when it was created ([`crate::catalog::ViewDesc::bindings`]).

use sqlparser::ast;

use super::table_functions::{is_function_factor, static_columns, SEQUENCE_COLUMNS};
use super::{relation_scope, rename_columns, table_scope};
use crate::error::{EngineError, Result, SqlState};
use crate::plan::bind::{Binder, Scope, ScopeColumn};
use crate::plan::expr::Expr;
use crate::plan::node::{JoinKind, Node, OutputColumn, ScanPlan};
use crate::sql::depth;
use crate::sql::identifiers::ident_name;
use crate::types::{CastKind, SqlType};

impl Binder<'_> {
    pub(crate) fn plan_from(&mut self, from: &[ast::TableWithJoins]) -> Result<(Node, Scope)> {
        let mut result: Option<(Node, Scope)> = None;
        for twj in from {
            // A function in FROM sees the items to its left (implicitly
            // LATERAL, as in PostgreSQL), as does a LATERAL subquery.
            let lateral_item = result.is_some()
                && (is_function_factor(&twj.relation)
                    || matches!(
                        twj.relation,
                        ast::TableFactor::Derived { lateral: true, .. }
                    ));
            let mut item = match &result {
                Some((_, ls)) if lateral_item => {
                    self.outer.push(ls.clone());
                    self.correlated.push(false);
                    let r = self.plan_factor(&twj.relation);
                    self.correlated.pop();
                    self.outer.pop();
                    r?
                }
                _ => self.plan_factor(&twj.relation)?,
            };
            for j in &twj.joins {
                let lateral = matches!(j.relation, ast::TableFactor::Derived { lateral: true, .. })
                    || is_function_factor(&j.relation);
                let right = if lateral {
                    // The subquery sees the columns to its left as an
                    // enclosing row; the join re-runs it for every left row.
                    self.outer.push(item.1.clone());
                    self.correlated.push(false);
                    let r = self.plan_factor(&j.relation);
                    self.correlated.pop();
                    self.outer.pop();
                    r?
                } else {
                    self.plan_factor(&j.relation)?
                };
                item = self.plan_join(item, right, &j.join_operator, lateral)?;
            }
            result = Some(match result {
                None => item,
                Some((ln, ls)) => {
                    let mut scope = ls;
                    scope.columns.extend(item.1.columns);
                    (
                        Node::Join {
                            left: Box::new(ln),
                            right: Box::new(item.0),
                            kind: JoinKind::Inner,
                            on: None,
                            lateral: lateral_item,
                            hash: None,
                        },
                        scope,
                    )
                }
            });
        }
        Ok(result.unwrap_or_else(|| {
            (
                Node::Values {
                    rows: vec![Vec::new()],
                    columns: Vec::new(),
                },
                Scope::default(),
            )
        }))
    }

    fn plan_join(
        &mut self,
        (ln, ls): (Node, Scope),
        (rn, rs): (Node, Scope),
        op: &ast::JoinOperator,
        lateral: bool,
    ) -> Result<(Node, Scope)> {
        use ast::JoinOperator as J;
        let (kind, constraint, swap) = match op {
            J::Join(c) | J::Inner(c) => (JoinKind::Inner, Some(c), false),
            J::CrossJoin(_) => (JoinKind::Inner, None, false),
            J::Left(c) | J::LeftOuter(c) => (JoinKind::Left, Some(c), false),
            J::Right(c) | J::RightOuter(c) => (JoinKind::Left, Some(c), true),
            J::FullOuter(c) => (JoinKind::Full, Some(c), false),
            other => return Err(EngineError::unsupported(format!("join {other:?}"))),
        };
        let left_width = ls.columns.len();
        let mut scope = ls.clone();
        scope.columns.extend(rs.columns.clone());
        let mut using = Vec::new();
        // Whether `on` indexes the executed row of a RIGHT JOIN (right side
        // first) rather than the left-then-right row.
        let mut on_swapped = false;
        let on = match constraint {
            None | Some(ast::JoinConstraint::None) => None,
            Some(ast::JoinConstraint::On(e)) => {
                // A RIGHT JOIN runs as a LEFT JOIN with the sides swapped:
                // bind its condition against that row, so that columns and
                // the outer references of correlated subqueries in it (which
                // no remapping reaches) index the row the join evaluates.
                let swapped;
                let on_scope = if swap {
                    let mut s = rs.clone();
                    s.columns.extend(ls.columns.clone());
                    swapped = s;
                    on_swapped = true;
                    &swapped
                } else {
                    &scope
                };
                self.no_aggs = Some("JOIN conditions");
                let b = self.bind(e, on_scope);
                self.no_aggs = None;
                Some(self.coerce(b?, SqlType::Bool, CastKind::Implicit)?)
            }
            Some(ast::JoinConstraint::Using(cols)) => {
                let names: Vec<String> = cols
                    .iter()
                    .map(|c| {
                        c.0.last()
                            .and_then(|p| p.as_ident())
                            .map(ident_name)
                            .unwrap_or_default()
                    })
                    .collect();
                self.using_condition(&names, &ls, &rs, &mut using)?
            }
            Some(ast::JoinConstraint::Natural) => {
                let names: Vec<String> = ls
                    .columns
                    .iter()
                    .filter(|l| {
                        !l.hidden && rs.columns.iter().any(|r| !r.hidden && r.name == l.name)
                    })
                    .map(|l| l.name.clone())
                    .collect();
                self.using_condition(&names, &ls, &rs, &mut using)?
            }
        };
        let on = if swap && !on_swapped {
            // A USING condition indexes the left-then-right row: move it
            // to the executed (right-then-left) one.
            let right_width = rs.columns.len();
            on.map(|mut e| {
                e.map_columns(&|i| swapped_index(i, left_width, right_width));
                e
            })
        } else {
            on
        };
        let (node, scope) = self.join_node(ln, rn, kind, on, lateral, swap, scope, left_width)?;
        if using.is_empty() {
            return Ok((node, scope));
        }
        // USING / NATURAL: the merged columns come first, as in PostgreSQL:
        // the left column for INNER and LEFT joins, the right one for RIGHT
        // joins, COALESCE(left, right) for FULL joins. Both sides' own
        // copies stay reachable qualified (`a.id`) but are hidden from
        // unqualified references and `*`.
        let inner = node.columns();
        let mut exprs = Vec::new();
        let mut columns = Vec::new();
        let mut out_scope = Scope::default();
        for (name, l, r, ty) in &using {
            let le = self.coerce(Expr::Column(*l, inner[*l].ty), *ty, CastKind::Implicit)?;
            let re = self.coerce(Expr::Column(*r, inner[*r].ty), *ty, CastKind::Implicit)?;
            exprs.push(match (kind, swap) {
                (JoinKind::Full, _) => Expr::Coalesce(vec![le, re], *ty),
                (_, true) => re,
                _ => le,
            });
            columns.push(OutputColumn {
                name: name.clone(),
                ty: *ty,
            });
            out_scope.columns.push(ScopeColumn {
                table: None,
                name: name.clone(),
                ty: *ty,
                hidden: false,
            });
        }
        for (i, c) in inner.iter().enumerate() {
            exprs.push(Expr::Column(i, c.ty));
            columns.push(c.clone());
        }
        for (i, mut c) in scope.columns.into_iter().enumerate() {
            if using.iter().any(|(_, l, r, _)| *l == i || *r == i) {
                c.hidden = true;
            }
            out_scope.columns.push(c);
        }
        Ok((
            Node::Project {
                input: Box::new(node),
                exprs,
                columns,
            },
            out_scope,
        ))
    }

    /// The join condition of USING (`names`): each column equal on both
    /// sides; records (name, left position, right position in the joined
    /// row, common type) of each merged column in `using`.
    fn using_condition(
        &mut self,
        names: &[String],
        ls: &Scope,
        rs: &Scope,
        using: &mut Vec<(String, usize, usize, SqlType)>,
    ) -> Result<Option<Expr>> {
        let left_width = ls.columns.len();
        let mut cond: Option<Expr> = None;
        for name in names {
            for (side, sc) in [("left", ls), ("right", rs)] {
                if sc
                    .columns
                    .iter()
                    .filter(|x| !x.hidden && x.name == *name)
                    .count()
                    > 1
                {
                    return Err(EngineError::new(
                        SqlState::AmbiguousColumn,
                        format!(
                            "common column name \"{name}\" appears more than once in {side} table"
                        ),
                    ));
                }
            }
            let l = ls.columns.iter().position(|x| !x.hidden && x.name == *name);
            let r = rs.columns.iter().position(|x| !x.hidden && x.name == *name);
            let (Some(l), Some(r)) = (l, r) else {
                return Err(EngineError::new(
                    SqlState::UndefinedColumn,
                    format!(
                        "column \"{name}\" specified in USING clause does not exist in {} table",
                        if l.is_none() { "left" } else { "right" }
                    ),
                ));
            };
            let lt = ls.columns[l].ty;
            let rt = rs.columns[r].ty;
            let sig = crate::types::resolve_binary_op(crate::types::BinaryOp::Eq, &lt, &rt)?;
            let common = if lt == rt {
                lt
            } else {
                crate::types::implicit_common_type(&lt, &rt).unwrap_or(sig.left)
            };
            using.push((name.clone(), l, left_width + r, common));
            let le = self.coerce(Expr::Column(l, lt), sig.left, CastKind::Implicit)?;
            let re = self.coerce(
                Expr::Column(left_width + r, rt),
                sig.right,
                CastKind::Implicit,
            )?;
            let e = Expr::Binary(sig, Box::new(le), Box::new(re));
            cond = Some(match cond {
                None => e,
                Some(c) => Expr::And(Box::new(c), Box::new(e)),
            });
        }
        Ok(cond)
    }

    /// The join node itself (a RIGHT join is a swapped LEFT join put back
    /// in left-then-right column order). For a RIGHT JOIN (`swap`), `on`
    /// already indexes the executed right-then-left row.
    #[allow(clippy::too_many_arguments)]
    fn join_node(
        &mut self,
        ln: Node,
        rn: Node,
        kind: JoinKind,
        on: Option<Expr>,
        lateral: bool,
        swap: bool,
        scope: Scope,
        left_width: usize,
    ) -> Result<(Node, Scope)> {
        let right_width = scope.columns.len() - left_width;
        if !swap {
            return Ok((
                Node::Join {
                    left: Box::new(ln),
                    right: Box::new(rn),
                    kind,
                    on,
                    lateral,
                    hash: None,
                },
                scope,
            ));
        }
        // RIGHT JOIN: a LEFT JOIN with the sides swapped, then the columns
        // put back in left-then-right order.
        if lateral {
            return Err(EngineError::unsupported("RIGHT JOIN LATERAL"));
        }
        let node = Node::Join {
            left: Box::new(rn),
            right: Box::new(ln),
            kind,
            on,
            lateral: false,
            hash: None,
        };
        let cols = node.columns();
        let mut exprs = Vec::new();
        let mut columns = Vec::new();
        for i in 0..left_width + right_width {
            let src = swapped_index(i, left_width, right_width);
            exprs.push(Expr::Column(src, cols[src].ty));
            columns.push(cols[src].clone());
        }
        Ok((
            Node::Project {
                input: Box::new(node),
                exprs,
                columns,
            },
            scope,
        ))
    }

    fn plan_factor(&mut self, f: &ast::TableFactor) -> Result<(Node, Scope)> {
        let _level = depth::enter()?;
        let (mut node, scope) = depth::guard(|| self.plan_factor_level(f))?;
        if let Some(name) = crate::plan::locking::from_item_name(f) {
            self.lock_from_item(name.as_deref(), &mut node)?;
        }
        Ok((node, scope))
    }

    fn plan_factor_level(&mut self, f: &ast::TableFactor) -> Result<(Node, Scope)> {
        match f {
            ast::TableFactor::Table {
                name,
                alias,
                args,
                with_ordinality,
                sample,
                ..
            } => {
                if let Some(args) = args {
                    return self.plan_table_function(
                        name,
                        &args.args,
                        alias.as_ref(),
                        *with_ordinality,
                    );
                }
                let sampled = match sample {
                    Some(k) => Some(std::sync::Arc::new(
                        self.bind_tablesample(crate::plan::tablesample::sample_of(k))?,
                    )),
                    None => None,
                };
                // `FROM ONLY t` reaches here as a table named `only` with
                // alias `t` (ONLY is reserved: a relation of that name
                // must be quoted). Without table inheritance or
                // partitioning, ONLY reads what the plain name reads.
                if let (
                    [ast::ObjectNamePart::Identifier(id)],
                    Some(ast::TableAlias {
                        name: real,
                        columns,
                        ..
                    }),
                ) = (name.0.as_slice(), alias)
                {
                    if id.quote_style.is_none()
                        && id.value.eq_ignore_ascii_case("only")
                        && columns.is_empty()
                    {
                        let plain = ast::TableFactor::Table {
                            name: ast::ObjectName(vec![ast::ObjectNamePart::Identifier(
                                real.clone(),
                            )]),
                            alias: None,
                            args: None,
                            with_hints: vec![],
                            version: None,
                            with_ordinality: false,
                            partitions: vec![],
                            json_path: None,
                            sample: sample.clone(),
                            index_hints: vec![],
                        };
                        return self.plan_factor(&plain);
                    }
                }
                if let [ast::ObjectNamePart::Identifier(id)] = name.0.as_slice() {
                    const RESERVED: &[&str] = &[
                        "WHERE",
                        "GROUP",
                        "ORDER",
                        "LIMIT",
                        "OFFSET",
                        "HAVING",
                        "UNION",
                        "SELECT",
                        "FROM",
                        "ON",
                        "AND",
                        "OR",
                        "NOT",
                        "JOIN",
                        "INTERSECT",
                        "EXCEPT",
                    ];
                    if id.quote_style.is_none()
                        && RESERVED.contains(&id.value.to_uppercase().as_str())
                    {
                        return Err(EngineError::new(
                            SqlState::SyntaxError,
                            format!("syntax error at or near \"{}\"", id.value),
                        ));
                    }
                }
                if let Some(cte) = self.cte_reference(name, alias.as_ref())? {
                    if sampled.is_some() {
                        return Err(crate::plan::tablesample::not_a_table());
                    }
                    return Ok(cte);
                }
                let relation = self.resolve(name)?;
                if sampled.is_some() && !matches!(relation, crate::catalog::Relation::Table(_)) {
                    return Err(crate::plan::tablesample::not_a_table());
                }
                let table = match relation {
                    crate::catalog::Relation::Table(t) => t,
                    crate::catalog::Relation::Type(_) | crate::catalog::Relation::Domain(_) => {
                        return Err(EngineError::internal("a type is not a relation"))
                    }
                    crate::catalog::Relation::View(v) => {
                        let planned = self.plan_view(&v, alias.as_ref())?;
                        if let Some(a) = alias {
                            let view = crate::catalog::Relation::View(v);
                            self.aliased_tables.push((ident_name(&a.name), view));
                        }
                        return Ok(planned);
                    }
                    crate::catalog::Relation::System(rel) => {
                        let columns = static_columns(rel.columns);
                        let scope = relation_scope(&columns, rel.name, alias.as_ref())?;
                        return Ok((Node::SystemScan { rel, columns }, scope));
                    }
                    crate::catalog::Relation::Sequence(seq) => {
                        let columns = static_columns(&SEQUENCE_COLUMNS);
                        let scope = relation_scope(&columns, &seq.name, alias.as_ref())?;
                        return Ok((Node::SequenceRow { seq, columns }, scope));
                    }
                };
                let qualifier = match alias {
                    Some(a) => ident_name(&a.name),
                    None => table.name.clone(),
                };
                if alias.is_some() {
                    self.aliased_tables.push((
                        qualifier.clone(),
                        crate::catalog::Relation::Table(table.clone()),
                    ));
                }
                let mut scope = table_scope(&table, &qualifier);
                if let Some(a) = alias {
                    rename_columns(&mut scope, a)?;
                }
                Ok((
                    Node::Scan(ScanPlan {
                        table,
                        access: crate::plan::node::Access::Full,
                        reverse: false,
                        filter: None,
                        filter_text: None,
                        alias: alias.as_ref().map(|a| ident_name(&a.name)),
                        lock: None,
                        needed: None,
                        sample: sampled,
                        ordered: false,
                        index_only: false,
                    }),
                    scope,
                ))
            }
            ast::TableFactor::UNNEST {
                alias,
                array_exprs,
                with_offset: false,
                with_ordinality,
                ..
            } => {
                let args: Vec<&ast::Expr> = array_exprs.iter().collect();
                self.plan_unnest(&args, alias.as_ref(), *with_ordinality)
            }
            // LATERAL is handled by `plan_from`, which sets up the scope.
            ast::TableFactor::Derived {
                subquery, alias, ..
            } => {
                let node = self.plan_query(subquery)?;
                let Some(alias) = alias else {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        "subquery in FROM must have an alias",
                    ));
                };
                let qualifier = ident_name(&alias.name);
                let mut scope = Scope {
                    columns: node
                        .columns()
                        .into_iter()
                        .map(|c| ScopeColumn {
                            table: Some(qualifier.clone()),
                            name: c.name,
                            ty: c.ty,
                            hidden: false,
                        })
                        .collect(),
                };
                rename_columns(&mut scope, alias)?;
                Ok((node, scope))
            }
            ast::TableFactor::NestedJoin {
                table_with_joins,
                alias: None,
            } => self.plan_from(std::slice::from_ref(table_with_joins)),
            ast::TableFactor::NestedJoin {
                table_with_joins,
                alias: Some(alias),
            } => {
                // `(a JOIN b ...) AS j`: the join's visible columns, under
                // the alias only.
                let (node, scope) = self.plan_from(std::slice::from_ref(table_with_joins))?;
                let visible: Vec<(usize, &ScopeColumn)> = scope
                    .columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| !c.hidden)
                    .collect();
                let columns: Vec<OutputColumn> = visible
                    .iter()
                    .map(|(_, c)| OutputColumn {
                        name: c.name.clone(),
                        ty: c.ty,
                    })
                    .collect();
                let node = Node::Project {
                    input: Box::new(node),
                    exprs: visible
                        .iter()
                        .map(|(i, c)| Expr::Column(*i, c.ty))
                        .collect(),
                    columns: columns.clone(),
                };
                let scope = relation_scope(&columns, "", Some(alias))?;
                Ok((node, scope))
            }
            ast::TableFactor::Function {
                name,
                args,
                alias,
                with_ordinality,
                ..
            } => self.plan_table_function(name, args, alias.as_ref(), *with_ordinality),
            other => Err(EngineError::unsupported(format!("FROM {other}"))),
        }
    }

    /// Plans a view reference as its stored query.
    pub(crate) fn plan_view(
        &mut self,
        view: &crate::catalog::ViewDesc,
        alias: Option<&ast::TableAlias>,
    ) -> Result<(Node, Scope)> {
        if self.expanding_views.contains(&view.oid) {
            return Err(EngineError::new(
                SqlState::InvalidObjectDefinition,
                format!(
                    "infinite recursion detected in rules for relation \"{}\"",
                    view.name
                ),
            ));
        }
        self.expanding_views.push(view.oid);
        self.view_bindings.push(view.bindings.clone());
        // The stored text may be long and its tree deep: stack for it.
        let r = depth::with_statement_stack(view.sql.len(), || self.plan_view_body(view, alias));
        self.expanding_views.pop();
        self.view_bindings.pop();
        r
    }

    /// [`Binder::plan_view`] once the view is known not to be expanding.
    fn plan_view_body(
        &mut self,
        view: &crate::catalog::ViewDesc,
        alias: Option<&ast::TableAlias>,
    ) -> Result<(Node, Scope)> {
        let parsed = crate::sql::parse(&view.sql)?;
        let [crate::sql::Parsed::Statement(stmt)] = parsed.as_slice() else {
            return Err(EngineError::internal("stored view is not one query"));
        };
        let ast::Statement::Query(q) = stmt.as_ref() else {
            return Err(EngineError::internal("stored view is not a query"));
        };
        // A view's query sees no enclosing scopes.
        let outer = std::mem::take(&mut self.outer);
        let correlated = std::mem::take(&mut self.correlated);
        let ctes = self.take_ctes();
        let node = self.plan_query(q);
        self.restore_ctes(ctes);
        self.outer = outer;
        self.correlated = correlated;
        let node = node?;
        let qualifier = alias
            .map(|a| ident_name(&a.name))
            .unwrap_or_else(|| view.name.clone());
        let mut scope = Scope {
            columns: node
                .columns()
                .into_iter()
                .zip(view.columns.iter().map(Some).chain(std::iter::repeat(None)))
                .map(|(c, name)| ScopeColumn {
                    table: Some(qualifier.clone()),
                    name: name.cloned().unwrap_or(c.name),
                    ty: c.ty,
                    hidden: false,
                })
                .collect(),
        };
        if let Some(a) = alias {
            rename_columns(&mut scope, a)?;
        }
        Ok((node, scope))
    }
}

/// Rewrites column positions of `e` (same nesting level only).
/// Where column `i` of a left-then-right joined row sits in the row of a
/// RIGHT JOIN, which runs as a LEFT JOIN with the sides swapped.
fn swapped_index(i: usize, left_width: usize, right_width: usize) -> usize {
    if i < left_width {
        i + right_width
    } else {
        i - left_width
    }
}
