//! The expression binder: `sqlparser` AST -> typed [`Expr`].
//!
//! Names resolve against a [`Scope`] (the columns of the relation the
//! expression runs over). Types are decided here: numeric literals take the
//! smallest of integer/bigint/numeric that holds them (as in PostgreSQL),
//! string literals stay `unknown` until their context gives them a type, and
//! parameters `$n` get the type of whatever they are compared with or
//! assigned to (recorded in [`Binder::param_types`]).

use rocksgres_storage::LockMode;
use std::sync::Arc;

use sqlparser::ast::{self as ast, Expr as AstExpr, UnaryOperator, Value as AstValue};

use crate::catalog::{Relation, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::plan::expr::{Expr, SubqueryKind};
use crate::plan::node::{AggCall, OutputColumn};
use crate::sql::depth;
use crate::sql::identifiers::ident_name;
use crate::types::interval_typmod::IntervalTypmod;
use crate::types::{
    apply_typmod, eval_unary, implicit_common_type, resolve_binary_op, resolve_function, BinaryOp,
    CastKind, RegKind, SqlType, UnaryOp, Value,
};

/// Looks up a table or view by name (`[schema.]name`), failing with 42P01.
/// The flag is set while a view's body is bound: a view never reads the
/// session's temp tables (see [`crate::catalog::temp`]).
pub type CatalogLookup<'c> = dyn FnMut(&ast::ObjectName, bool) -> Result<Relation> + 'c;

/// Aggregate-mode state: while binding the select list, HAVING and ORDER BY
/// of a grouped query, expressions refer to the aggregate node's output
/// (group values, then aggregate results).
#[derive(Debug, Default)]
pub struct AggMode {
    /// The scope of the aggregate's input rows.
    pub input: Scope,
    /// GROUP BY expressions (bound over the input) and their SQL text.
    pub groups: Vec<(Expr, String)>,
    /// Aggregate calls collected so far.
    pub aggs: Vec<AggCall>,
    /// The grouping sets as indexes into `groups` (empty for a plain
    /// GROUP BY; see [`crate::plan::grouping_sets`]).
    pub sets: Vec<Vec<usize>>,
}

/// One column visible to expressions.
#[derive(Debug, Clone)]
pub struct ScopeColumn {
    /// The table name or alias qualifying it.
    pub table: Option<String>,
    /// Column name.
    pub name: String,
    /// Column type.
    pub ty: SqlType,
    /// Hidden from unqualified references and `*` (the right-hand copy of
    /// a JOIN ... USING column).
    pub hidden: bool,
}

/// The columns an expression may reference, in input-row order.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Columns, in row order.
    pub columns: Vec<ScopeColumn>,
}

impl Scope {
    /// The scope's columns as the output columns of a row source (name and
    /// type; qualifiers and hiding dropped).
    pub fn output_columns(&self) -> Vec<OutputColumn> {
        self.columns
            .iter()
            .map(|c| OutputColumn {
                name: c.name.clone(),
                ty: c.ty,
            })
            .collect()
    }

    fn resolve(&self, table: Option<&str>, name: &str) -> Result<(usize, SqlType)> {
        let mut found = None;
        for (i, c) in self.columns.iter().enumerate() {
            let table_ok = match table {
                None => !c.hidden,
                Some(t) => c.table.as_deref() == Some(t),
            };
            if table_ok && c.name == name {
                if found.is_some() {
                    return Err(EngineError::new(
                        SqlState::AmbiguousColumn,
                        format!("column reference \"{name}\" is ambiguous"),
                    ));
                }
                found = Some((i, c.ty));
            }
        }
        found.ok_or_else(|| match table {
            Some(t) if !self.columns.iter().any(|c| c.table.as_deref() == Some(t)) => {
                EngineError::new(
                    SqlState::UndefinedTable,
                    format!("missing FROM-clause entry for table \"{t}\""),
                )
            }
            Some(t) => EngineError::new(
                SqlState::UndefinedColumn,
                format!("column {t}.{name} does not exist"),
            ),
            None => EngineError::new(
                SqlState::UndefinedColumn,
                format!("column \"{name}\" does not exist"),
            ),
        })
    }
}

/// `e` (of the domain's base type) checked against `domain`'s constraints
/// when there is one.
fn to_domain(e: Expr, domain: Option<&'static crate::types::domain::DomainDef>) -> Result<Expr> {
    Ok(match domain {
        Some(d) => {
            let ty = e.ty();
            Expr::Domain(
                Box::new(e),
                Arc::new(crate::plan::domain_check::DomainCoercion::for_type(d, ty)?),
            )
        }
        None => e,
    })
}

/// Binds and plans one statement.
pub struct Binder<'c> {
    /// Inferred parameter types, `$1` first (`Unknown` until inferred).
    pub param_types: Vec<SqlType>,
    pub(crate) catalog: &'c mut CatalogLookup<'c>,
    /// Scopes of enclosing queries, innermost last.
    pub(crate) outer: Vec<Scope>,
    /// For each open subquery level: whether it refers to an enclosing row.
    pub(crate) correlated: Vec<bool>,
    pub(crate) next_subquery: usize,
    /// Set while binding the output expressions of a grouped query.
    pub(crate) agg: Option<AggMode>,
    /// Why aggregates are not allowed here (e.g. "WHERE"), if they are not.
    pub(crate) no_aggs: Option<&'static str>,
    /// Window calls of the SELECT whose output is being bound.
    pub(crate) window: Option<crate::plan::window::WindowMode>,
    /// The views being expanded, outermost first: meeting one of them
    /// again is a cycle (42P17, as PostgreSQL's rewriter reports it).
    pub(crate) expanding_views: Vec<u32>,
    /// The tables (and views) scanned under an alias (`FROM t x`), alias
    /// first: a whole-row reference `x` is of `t`'s row type (see
    /// [`crate::plan::table_row`]).
    pub(crate) aliased_tables: Vec<(String, Relation)>,
    /// The recorded name bindings of the views being expanded, in step
    /// with `expanding_views` (see [`crate::catalog::view`]).
    pub(crate) view_bindings: Vec<Option<Vec<(String, String)>>>,
    /// The table locks the statement takes: ACCESS SHARE on every table
    /// it reads, ROW EXCLUSIVE on the one it writes.
    pub locks: crate::catalog::lock::TableLocks,
    /// The CTE names in scope, innermost last (see [`crate::plan::cte`]).
    pub(crate) ctes: Vec<crate::plan::cte::CteScope>,
    /// The row locking clauses of the queries being planned, innermost
    /// last (see [`crate::plan::locking`]).
    pub(crate) row_locking: Vec<crate::plan::locking::Level>,
    /// Data-modifying `WITH` items (see [`crate::plan::cte_dml`]).
    pub(crate) with_dml: crate::plan::cte_dml::WithDml,
    /// The ORDER BY keys of the SELECT planned last, over its projection,
    /// and whether hidden sort columns are projected away on top (for
    /// `FETCH FIRST ... WITH TIES`).
    pub(crate) select_order: Option<(Vec<Expr>, bool)>,
}

/// The name a part of an object name denotes.
fn ident_name_part(part: &ast::ObjectNamePart) -> String {
    match part.as_ident() {
        Some(i) => ident_name(i),
        None => part.to_string(),
    }
}

impl<'c> Binder<'c> {
    /// The type a cast or typed literal names: a built-in type, else a
    /// user-defined type looked up through the catalog (see
    /// [`crate::catalog::TYPE_LOOKUP`]).
    /// When `ty` names a domain, the type is its base type and the
    /// domain comes with it.
    pub(crate) fn resolve_type_or_domain(
        &mut self,
        ty: &ast::DataType,
    ) -> Result<(SqlType, Option<&'static crate::types::domain::DomainDef>)> {
        match SqlType::from_ast(ty) {
            Err(e) if e.state == SqlState::UndefinedObject => {
                if let ast::DataType::Array(
                    ast::ArrayElemTypeDef::SquareBracket(inner, _)
                    | ast::ArrayElemTypeDef::AngleBracket(inner),
                ) = ty
                {
                    return match self.resolve_type_or_domain(inner)? {
                        (t @ SqlType::Enum(_), None) => t.array_of().ok_or(e).map(|t| (t, None)),
                        (t @ SqlType::Composite(_), None) => {
                            t.array_of().ok_or(e).map(|t| (t, None))
                        }
                        (t, Some(d)) => match t {
                            SqlType::Array(_) => Err(EngineError::unsupported(
                                "arrays of domains over array types",
                            )),
                            _ => t.array_of().ok_or(e).map(|t| (t, Some(d))),
                        },
                        _ => Err(e),
                    };
                }
                let ast::DataType::Custom(name, mods) = ty else {
                    return Err(e);
                };
                if !mods.is_empty() {
                    return Err(e);
                }
                // `x::record`: the anonymous row type (a cast target only;
                // no column or attribute may have it).
                if let [ast::ObjectNamePart::Identifier(id)] = name.0.as_slice() {
                    if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("record") {
                        return Ok((SqlType::Record, None));
                    }
                }
                let mut parts = vec![ast::ObjectNamePart::Identifier(ast::Ident::new(
                    crate::catalog::TYPE_LOOKUP,
                ))];
                parts.extend(name.0.iter().cloned());
                match (self.catalog)(&ast::ObjectName(parts), false) {
                    Ok(Relation::Type(t)) => Ok((t, None)),
                    Ok(Relation::Domain(d)) => Ok((d.base, Some(d))),
                    Ok(_) => Err(e),
                    // A table's name is also its row type's.
                    Err(le) if le.state == SqlState::UndefinedObject => {
                        self.table_row_type(name).map(|t| (t, None)).ok_or(le)
                    }
                    Err(le) => Err(le),
                }
            }
            other => other.map(|t| (t, None)),
        }
    }

    /// The domain name `pg_typeof` shows for column `i` of `scope` (of
    /// type `ty`) when it is a table column declared with a domain (or
    /// an array of one): the column's table is found by its qualifier.
    fn column_domain_name(&mut self, scope: &Scope, i: usize, ty: SqlType) -> Option<String> {
        let c = scope.columns.get(i)?;
        let qualifier = c.table.as_ref()?;
        let name = ast::ObjectName(vec![ast::ObjectNamePart::Identifier(
            ast::Ident::with_quote('"', qualifier.clone()),
        )]);
        let Ok(Relation::Table(t)) = (self.catalog)(&name, false) else {
            return None;
        };
        let col = t
            .columns
            .iter()
            .find(|tc| !tc.dropped && tc.name == c.name)?;
        let d = col.domain.filter(|_| col.ty == ty)?;
        Some(if ty == d.base {
            d.name.clone()
        } else {
            format!("{}[]", d.name)
        })
    }

    /// A binder for a statement whose parameter types are already known
    /// (from the client, or `Unknown`), reading tables through `catalog`.
    pub fn new(param_types: Vec<SqlType>, catalog: &'c mut CatalogLookup<'c>) -> Self {
        Binder {
            param_types,
            catalog,
            outer: Vec::new(),
            correlated: Vec::new(),
            next_subquery: 0,
            agg: None,
            no_aggs: None,
            window: None,
            expanding_views: Vec::new(),
            aliased_tables: Vec::new(),
            view_bindings: Vec::new(),
            locks: Default::default(),
            ctes: Vec::new(),
            row_locking: Vec::new(),
            with_dml: Default::default(),
            select_order: None,
        }
    }

    /// Looks relation `name` up: along the session's path, or inside a
    /// view's body in the schema the view recorded for the name (see
    /// [`crate::catalog::view`]; a name it recorded none for, and any name
    /// of a view without bindings, resolves as the catalog does for views).
    pub(crate) fn lookup_relation(&mut self, name: &ast::ObjectName) -> Result<Relation> {
        let in_view = !self.expanding_views.is_empty();
        let bound = match (self.view_bindings.last(), name.0.as_slice()) {
            (Some(Some(bindings)), [part]) => {
                let n = ident_name_part(part);
                bindings
                    .iter()
                    .find(|(b, _)| *b == n)
                    .map(|(_, schema)| schema.clone())
            }
            _ => None,
        };
        match bound {
            Some(schema) => {
                // A temporary view's names in the session's temp schema
                // resolve along the session's own path.
                let temp = crate::catalog::temp::is_temp_schema(&schema);
                let mut parts = vec![ast::ObjectNamePart::Identifier(ast::Ident::with_quote(
                    '"', schema,
                ))];
                parts.extend(name.0.iter().cloned());
                (self.catalog)(&ast::ObjectName(parts), in_view && !temp)
            }
            None => (self.catalog)(name, in_view),
        }
    }

    /// Resolves a relation the statement reads, recording ACCESS SHARE on
    /// a table.
    pub(crate) fn resolve(&mut self, name: &ast::ObjectName) -> Result<Relation> {
        let r = self.lookup_relation(name)?;
        if let Relation::Table(t) = &r {
            self.locks.add(t, LockMode::AccessShare);
            self.with_dml.reads.push((t.id, false));
        }
        Ok(r)
    }

    /// Resolves the relation a statement writes, recording ROW EXCLUSIVE
    /// on a table.
    pub(crate) fn resolve_target(&mut self, name: &ast::ObjectName) -> Result<Relation> {
        let r = self.lookup_relation(name)?;
        if let Relation::Table(t) = &r {
            self.locks.add(t, LockMode::RowExclusive);
            self.with_dml.reads.push((t.id, true));
        }
        Ok(r)
    }

    /// Looks up a table that is to be written (views are not updatable yet).
    pub fn table(&mut self, name: &ast::ObjectName) -> Result<Arc<TableDesc>> {
        match self.resolve_target(name)? {
            Relation::Table(t) => Ok(t),
            Relation::Type(_) | Relation::Domain(_) => {
                Err(EngineError::internal("a type is not a relation"))
            }
            Relation::System(s) => Err(crate::catalog::system_catalog_error(s.name)),
            Relation::Sequence(s) => Err(crate::catalog::sequence_write_error(&s.name)),
            Relation::View(v) => Err(EngineError::new(
                SqlState::FeatureNotSupported,
                format!(
                    "cannot change view \"{}\" (updatable views are being built)",
                    v.name
                ),
            )),
        }
    }

    /// Resolves a column name in `scope`, then in enclosing scopes.
    fn resolve_column(&mut self, table: Option<&str>, name: &str, scope: &Scope) -> Result<Expr> {
        let local = scope.resolve(table, name);
        match local {
            Ok((i, ty)) => Ok(Expr::Column(i, ty)),
            Err(e) if e.state == SqlState::AmbiguousColumn => Err(e),
            Err(e) => {
                for depth in 1..=self.outer.len() {
                    let s = &self.outer[self.outer.len() - depth];
                    if let Ok((i, ty)) = s.resolve(table, name) {
                        let n = self.correlated.len();
                        for c in &mut self.correlated[n.saturating_sub(depth)..] {
                            *c = true;
                        }
                        return Ok(Expr::Outer(depth, i, ty));
                    }
                }
                Err(e)
            }
        }
    }

    /// Binds `e` over `scope`. Each level of nesting counts towards the
    /// depth limit (54001 past it; parentheses are free) and runs with
    /// stack to spare (see [`crate::sql::depth`]).
    pub fn bind(&mut self, e: &AstExpr, scope: &Scope) -> Result<Expr> {
        let _level = match e {
            AstExpr::Nested(_) => None,
            _ => Some(depth::enter()?),
        };
        depth::guard(|| self.bind_level(e, scope))
    }

    fn bind_level(&mut self, e: &AstExpr, scope: &Scope) -> Result<Expr> {
        if self.agg.is_some() {
            if let Some(bound) = self.bind_in_agg_mode(e)? {
                return Ok(bound);
            }
        }
        Ok(match e {
            AstExpr::Identifier(id) => match self.resolve_column(None, &ident_name(id), scope) {
                Err(e) if e.state == SqlState::UndefinedColumn => {
                    self.whole_row_ref(&ident_name(id), scope)?.ok_or(e)?
                }
                other => other?,
            },
            AstExpr::Tuple(items) => {
                let items: Vec<&AstExpr> = items.iter().collect();
                self.bind_row(&items, scope)?
            }
            AstExpr::CompoundIdentifier(parts) => match parts.as_slice() {
                [t, c] => self.resolve_column(Some(&ident_name(t)), &ident_name(c), scope)?,
                [_, t, c] => self.resolve_column(Some(&ident_name(t)), &ident_name(c), scope)?,
                _ => return Err(EngineError::unsupported(format!("column reference {e}"))),
            },
            AstExpr::Subquery(q) => self.bind_subquery(q, SubqueryKind::Scalar, scope)?,
            AstExpr::Exists { subquery, negated } => {
                let sq = self.bind_subquery(subquery, SubqueryKind::Exists, scope)?;
                if *negated {
                    Expr::Not(Box::new(sq))
                } else {
                    sq
                }
            }
            AstExpr::InSubquery {
                expr,
                subquery,
                negated,
            } if crate::plan::row_expr::constructor_items(expr).is_some() => {
                let items = crate::plan::row_expr::constructor_items(expr).unwrap_or_default();
                let e = self.bind_row_sublink(&items, BinaryOp::Eq, false, subquery, scope)?;
                if *negated {
                    Expr::Not(Box::new(e))
                } else {
                    e
                }
            }
            AstExpr::InSubquery {
                expr,
                subquery,
                negated,
            } => {
                let probe = self.bind(expr, scope)?;
                let sq = self.bind_subquery(subquery, SubqueryKind::In(probe, *negated), scope)?;
                // The probe is compared with the subquery's single column.
                if let Expr::Subquery(mut s) = sq {
                    if let SubqueryKind::In(p, n) = &s.kind {
                        let target = s.plan.columns().first().map(|c| c.ty);
                        if let Some(t) = target {
                            // Integers of any width compare as they are
                            // (`bigint IN (SELECT int)` is int84eq, not a
                            // cast); otherwise the probe takes the column's
                            // type, or the operand type `probe = column`
                            // resolves to.
                            let p = if p.ty().is_integer() && t.is_integer() {
                                p.clone()
                            } else {
                                match self.coerce(p.clone(), t, CastKind::Implicit) {
                                    Ok(p) => p,
                                    Err(_) => {
                                        let sig = crate::types::resolve_binary_op(
                                            crate::types::BinaryOp::Eq,
                                            &p.ty(),
                                            &t,
                                        )?;
                                        self.coerce(p.clone(), sig.left, CastKind::Implicit)?
                                    }
                                }
                            };
                            s.kind = SubqueryKind::In(p, *n);
                        }
                    }
                    Expr::Subquery(s)
                } else {
                    sq
                }
            }
            AstExpr::Value(v) => self.bind_value(&v.value)?,
            AstExpr::Nested(inner) => self.bind(inner, scope)?,
            // Text compares by bytes whatever the collation (see
            // `types::compare`); the clause is accepted and has no effect.
            AstExpr::Collate { expr, .. } => self.bind(expr, scope)?,
            AstExpr::Array(arr) => {
                let mut items = Vec::new();
                for e in &arr.elem {
                    items.push(self.bind(e, scope)?);
                }
                self.array_constructor(items)?
            }
            AstExpr::CompoundFieldAccess { root, access_chain }
                if matches!(**root, AstExpr::Identifier(_))
                    && matches!(
                        access_chain.first(),
                        Some(ast::AccessExpr::Dot(AstExpr::Identifier(_)))
                    )
                    && access_chain.len() > 1 =>
            {
                // `t.col[1]`: the dotted prefix is a qualified column name.
                let mut idents = Vec::new();
                if let AstExpr::Identifier(first) = &**root {
                    idents.push(first.clone());
                }
                let mut rest = access_chain.as_slice();
                while let Some((ast::AccessExpr::Dot(AstExpr::Identifier(part)), tail)) =
                    rest.split_first()
                {
                    idents.push(part.clone());
                    rest = tail;
                }
                let column = AstExpr::CompoundIdentifier(idents);
                if rest.is_empty() {
                    return self.bind(&column, scope);
                }
                let e = AstExpr::CompoundFieldAccess {
                    root: Box::new(column),
                    access_chain: rest.to_vec(),
                };
                return self.bind(&e, scope);
            }
            AstExpr::CompoundFieldAccess { root, access_chain } => {
                // `(c).a`: a field of a composite value.
                if let [ast::AccessExpr::Dot(AstExpr::Identifier(field))] = access_chain.as_slice()
                {
                    return self.bind_field_select(root, field, scope);
                }
                // `c[1].a`: a field of an element of an array of rows.
                if let Some((ast::AccessExpr::Dot(AstExpr::Identifier(field)), prefix)) =
                    access_chain.split_last()
                {
                    let inner = AstExpr::CompoundFieldAccess {
                        root: root.clone(),
                        access_chain: prefix.to_vec(),
                    };
                    return self.bind_field_select(&inner, field, scope);
                }
                let base = self.bind(root, scope)?;
                // `a[i][j]`: an element; with any `lo:hi`, a slice in
                // which a plain `i` means `1:i` (as PostgreSQL). An
                // omitted bound is the array's own.
                let slice = access_chain
                    .iter()
                    .any(|a| matches!(a, ast::AccessExpr::Subscript(ast::Subscript::Slice { .. })));
                let mut args = Vec::new();
                for a in access_chain {
                    let mut bound = |b: Option<&AstExpr>, default: i32| match b {
                        Some(b) => self.bind(b, scope),
                        None => Ok(Expr::Literal(Value::Int4(default), SqlType::Int4)),
                    };
                    match a {
                        ast::AccessExpr::Subscript(ast::Subscript::Index { index }) => {
                            if slice {
                                args.push(bound(None, 1)?);
                            }
                            args.push(bound(Some(index), 0)?);
                        }
                        ast::AccessExpr::Subscript(ast::Subscript::Slice {
                            lower_bound,
                            upper_bound,
                            stride: None,
                        }) => {
                            args.push(bound(lower_bound.as_ref(), i32::MIN)?);
                            args.push(bound(upper_bound.as_ref(), i32::MAX)?);
                        }
                        _ => return Err(EngineError::unsupported(format!("expression {e}"))),
                    }
                }
                if args.len() > 2 * crate::types::array::MAX_DIMS {
                    return Err(EngineError::new(
                        SqlState::ProgramLimitExceeded,
                        format!(
                            "number of array dimensions ({}) exceeds the maximum allowed ({})",
                            if slice { args.len() / 2 } else { args.len() },
                            crate::types::array::MAX_DIMS
                        ),
                    ));
                }
                if slice {
                    self.array_slice(base, args)?
                } else {
                    self.array_subscript(base, args)?
                }
            }
            AstExpr::TypedString(ts) => {
                let (mut ty, domain) = self.resolve_type_or_domain(&ts.data_type)?;
                // `bit 'x'` has no length (unlike `'x'::bit`, which is
                // `bit(1)`).
                if matches!(ts.data_type, ast::DataType::Bit(None)) {
                    ty = SqlType::Bit(None);
                }
                let text = match &ts.value.value {
                    AstValue::SingleQuotedString(s) => s.clone(),
                    other => other.to_string(),
                };
                to_domain(Expr::Literal(Value::parse_text(&text, &ty)?, ty), domain)?
            }
            AstExpr::Cast {
                expr, data_type, ..
            } => {
                let (ty, domain) = self.resolve_type_or_domain(data_type)?;
                if let Some(row) = self.bind_cast_to_row(expr, ty, scope)? {
                    return Ok(row);
                }
                let inner = self.bind(expr, scope)?;
                to_domain(self.coerce(inner, ty, CastKind::Explicit)?, domain)?
            }
            AstExpr::UnaryOp { op, expr } => {
                let inner = self.bind(expr, scope)?;
                match op {
                    UnaryOperator::Not => Expr::Not(Box::new(self.coerce(
                        inner,
                        SqlType::Bool,
                        CastKind::Implicit,
                    )?)),
                    UnaryOperator::Minus => {
                        // Resolve the operator first: `- text` is 42883,
                        // `- unknown` 42725, as in PostgreSQL.
                        crate::types::unary_op_type(UnaryOp::Minus, &inner.ty())?;
                        match inner {
                            Expr::Literal(v, ty) => {
                                let neg = eval_unary(UnaryOp::Minus, &v)?;
                                Expr::Literal(neg, ty)
                            }
                            other => {
                                let ty = other.ty();
                                Expr::Negate(Box::new(other), ty)
                            }
                        }
                    }
                    UnaryOperator::Plus => inner,
                    UnaryOperator::BitwiseNot => {
                        let ty = crate::types::unary_op_type(UnaryOp::BitNot, &inner.ty())?;
                        Expr::Unary(UnaryOp::BitNot, Box::new(inner), ty)
                    }
                    other => return Err(EngineError::unsupported(format!("operator {other}"))),
                }
            }
            AstExpr::BinaryOp {
                op: op @ (ast::BinaryOperator::And | ast::BinaryOperator::Or),
                ..
            } => self.bind_logical(e, op, scope)?,
            AstExpr::BinaryOp { left, op, right } => self.bind_binary(left, op, right, scope)?,
            AstExpr::IsNull(inner) | AstExpr::IsNotNull(inner) => {
                let negated = matches!(e, AstExpr::IsNotNull(_));
                match self.bind_row_is_null(inner, negated, scope)? {
                    Some(t) => t,
                    None => {
                        let b = self.bind(inner, scope)?;
                        self.row_value_is_null(b, negated)?
                    }
                }
            }
            AstExpr::IsTrue(inner) => {
                Expr::IsBool(Box::new(self.bind_bool(inner, scope)?), true, false)
            }
            AstExpr::IsNotTrue(inner) => {
                Expr::IsBool(Box::new(self.bind_bool(inner, scope)?), true, true)
            }
            AstExpr::IsFalse(inner) => {
                Expr::IsBool(Box::new(self.bind_bool(inner, scope)?), false, false)
            }
            AstExpr::IsNotFalse(inner) => {
                Expr::IsBool(Box::new(self.bind_bool(inner, scope)?), false, true)
            }
            AstExpr::InList {
                expr,
                list,
                negated,
            } => {
                let mut items = vec![self.bind(expr, scope)?];
                for item in list {
                    items.push(self.bind(item, scope)?);
                }
                let items = self.unify(items, "IN")?;
                let mut it = items.into_iter();
                let first = it.next().expect("the tested expression is first");
                Expr::InList(Box::new(first), it.collect(), *negated)
            }
            AstExpr::Between {
                expr,
                negated,
                low,
                high,
            } => {
                // `BETWEEN SYMMETRIC` arrives with its low bound wrapped in a
                // marker call (see `sql::parse`).
                let (low, symmetric) = match low.as_ref() {
                    AstExpr::Function(f) if f.name.to_string() == crate::sql::SYMMETRIC_MARKER => {
                        match &f.args {
                            ast::FunctionArguments::List(l) => match l.args.as_slice() {
                                [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e))] => {
                                    (e, true)
                                }
                                _ => (low.as_ref(), false),
                            },
                            _ => (low.as_ref(), false),
                        }
                    }
                    other => (other, false),
                };
                let items = vec![
                    self.bind(expr, scope)?,
                    self.bind(low, scope)?,
                    self.bind(high, scope)?,
                ];
                let mut it = self.unify(items, "BETWEEN")?.into_iter();
                let (a, b, c) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
                if symmetric {
                    // a BETWEEN SYMMETRIC b AND c = a BETWEEN b AND c OR a BETWEEN c AND b
                    let forward = Expr::Between(
                        Box::new(a.clone()),
                        Box::new(b.clone()),
                        Box::new(c.clone()),
                        false,
                    );
                    let backward = Expr::Between(Box::new(a), Box::new(c), Box::new(b), false);
                    let either = Expr::Or(Box::new(forward), Box::new(backward));
                    if *negated {
                        Expr::Not(Box::new(either))
                    } else {
                        either
                    }
                } else {
                    Expr::Between(Box::new(a), Box::new(b), Box::new(c), *negated)
                }
            }
            AstExpr::Like {
                negated,
                expr,
                pattern,
                escape_char: None,
                any: false,
            } => self.bind_like(expr, pattern, *negated, false, scope)?,
            AstExpr::ILike {
                negated,
                expr,
                pattern,
                escape_char: None,
                any: false,
            } => self.bind_like(expr, pattern, *negated, true, scope)?,
            AstExpr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                let operand = match operand {
                    Some(o) => Some(self.bind(o, scope)?),
                    None => None,
                };
                let mut whens = Vec::new();
                let mut results = Vec::new();
                for cw in conditions {
                    let w = self.bind(&cw.condition, scope)?;
                    let w = match &operand {
                        Some(o) => self.coerce(w, o.ty(), CastKind::Implicit)?,
                        None => self.coerce(w, SqlType::Bool, CastKind::Implicit)?,
                    };
                    whens.push(w);
                    results.push(self.bind(&cw.result, scope)?);
                }
                if let Some(e) = else_result {
                    results.push(self.bind(e, scope)?);
                }
                let mut results = self.unify(results, "CASE")?;
                let otherwise = if else_result.is_some() {
                    results.pop().map(Box::new)
                } else {
                    None
                };
                let ty = results
                    .first()
                    .map(Expr::ty)
                    .or(otherwise.as_ref().map(|o| o.ty()))
                    .unwrap_or(SqlType::Text);
                Expr::Case {
                    operand: operand.map(Box::new),
                    whens: whens.into_iter().zip(results).collect(),
                    otherwise,
                    ty,
                }
            }
            AstExpr::Function(f) => self.bind_function(f, scope)?,
            AstExpr::IsUnknown(inner) => {
                Expr::IsNull(Box::new(self.bind_bool(inner, scope)?), false)
            }
            AstExpr::IsNotUnknown(inner) => {
                Expr::IsNull(Box::new(self.bind_bool(inner, scope)?), true)
            }
            AstExpr::IsDistinctFrom(a, b) | AstExpr::IsNotDistinctFrom(a, b) => {
                let l = self.bind(a, scope)?;
                let r = self.bind(b, scope)?;
                let sig = resolve_binary_op(BinaryOp::Eq, &l.ty(), &r.ty())?;
                let l = self.coerce(l, sig.left, CastKind::Implicit)?;
                let r = self.coerce(r, sig.right, CastKind::Implicit)?;
                let negated = matches!(e, AstExpr::IsNotDistinctFrom(..));
                Expr::IsDistinct(sig, Box::new(l), Box::new(r), negated)
            }
            AstExpr::AnyOp {
                left,
                compare_op,
                right,
                ..
            }
            | AstExpr::AllOp {
                left,
                compare_op,
                right,
            } => {
                let all = matches!(e, AstExpr::AllOp { .. });
                let op = comparison_op(compare_op)?;
                if let (Some(items), AstExpr::Subquery(q)) = (
                    crate::plan::row_expr::constructor_items(left),
                    right.as_ref(),
                ) {
                    return self.bind_row_sublink(&items, op, all, q, scope);
                }
                let probe = self.bind(left, scope)?;
                match right.as_ref() {
                    AstExpr::Subquery(q) => self.bind_quantified(probe, op, all, q, scope)?,
                    other => {
                        let arr = self.bind(other, scope)?;
                        self.bind_array_quantified(probe, op, all, arr)?
                    }
                }
            }
            AstExpr::Interval(iv) => {
                let AstExpr::Value(v) = iv.value.as_ref() else {
                    return Err(EngineError::unsupported(format!("interval {iv}")));
                };
                let text = match &v.value {
                    AstValue::SingleQuotedString(s) => s.clone(),
                    other => other.to_string(),
                };
                let typmod = match &iv.leading_field {
                    None => None,
                    Some(lead) => {
                        let lead_name = lead.to_string();
                        let seconds_only =
                            iv.last_field.is_none() && lead_name.eq_ignore_ascii_case("second");
                        let precision = if seconds_only {
                            iv.fractional_seconds_precision.or(iv.leading_precision)
                        } else if iv.leading_precision.is_some() {
                            return Err(EngineError::new(
                                SqlState::SyntaxError,
                                "syntax error at or near \"(\"",
                            ));
                        } else {
                            iv.fractional_seconds_precision
                        };
                        let last = iv.last_field.as_ref().map(ToString::to_string);
                        IntervalTypmod::from_literal_fields(&lead_name, last.as_deref(), precision)?
                    }
                };
                let ty = SqlType::Interval(typmod);
                Expr::Literal(Value::parse_text(&text, &ty)?, ty)
            }
            AstExpr::Ceil { expr, field } | AstExpr::Floor { expr, field } => {
                if matches!(field, ast::CeilFloorKind::Scale(_)) {
                    return Err(EngineError::unsupported(format!("expression {e}")));
                }
                let name = if matches!(e, AstExpr::Ceil { .. }) {
                    "ceil"
                } else {
                    "floor"
                };
                let arg = self.bind(expr, scope)?;
                self.call_function(name, vec![arg])?
            }
            AstExpr::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                let mut args = vec![self.bind(expr, scope)?];
                match substring_from {
                    Some(f) => args.push(self.bind(f, scope)?),
                    None => args.push(Expr::Literal(Value::Int4(1), SqlType::Int4)),
                }
                if let Some(n) = substring_for {
                    args.push(self.bind(n, scope)?);
                }
                // Bit strings have their own `substring(bit, int[, int])`.
                let name = if crate::types::bits_ops::is_bits(&args[0].ty()) {
                    "substring"
                } else {
                    "substr"
                };
                self.call_function(name, args)?
            }
            AstExpr::Trim {
                expr,
                trim_where,
                trim_what,
                trim_characters,
            } => {
                let name = match trim_where {
                    Some(ast::TrimWhereField::Leading) => "ltrim",
                    Some(ast::TrimWhereField::Trailing) => "rtrim",
                    _ => "btrim",
                };
                let mut args = vec![self.bind(expr, scope)?];
                if let Some(w) = trim_what {
                    args.push(self.bind(w, scope)?);
                }
                for c in trim_characters.iter().flatten() {
                    args.push(self.bind(c, scope)?);
                }
                self.call_function(name, args)?
            }
            AstExpr::Position { expr, r#in } => {
                let needle = self.bind(expr, scope)?;
                let hay = self.bind(r#in, scope)?;
                // `position(bit, bit)` for bit strings.
                let name = if crate::types::bits_ops::is_bits(&hay.ty()) {
                    "position"
                } else {
                    "strpos"
                };
                self.call_function(name, vec![hay, needle])?
            }
            AstExpr::AtTimeZone {
                timestamp,
                time_zone,
            } => {
                let ts = self.bind(timestamp, scope)?;
                let zone = self.bind(time_zone, scope)?;
                self.call_function("timezone", vec![zone, ts])?
            }
            AstExpr::Overlay {
                expr,
                overlay_what,
                overlay_from,
                overlay_for,
            } => {
                let mut args = vec![
                    self.bind(expr, scope)?,
                    self.bind(overlay_what, scope)?,
                    self.bind(overlay_from, scope)?,
                ];
                if let Some(f) = overlay_for {
                    args.push(self.bind(f, scope)?);
                }
                self.call_function("overlay", args)?
            }
            AstExpr::Extract { field, expr, .. } => {
                let f = field.to_string().to_lowercase();
                let arg = self.bind(expr, scope)?;
                self.call_function(
                    "extract",
                    vec![Expr::Literal(Value::Text(f), SqlType::Unknown), arg],
                )?
            }
            other => return Err(EngineError::unsupported(format!("expression {other}"))),
        })
    }

    fn bind_bool(&mut self, e: &AstExpr, scope: &Scope) -> Result<Expr> {
        let inner = self.bind(e, scope)?;
        self.coerce(inner, SqlType::Bool, CastKind::Implicit)
    }

    fn bind_like(
        &mut self,
        expr: &AstExpr,
        pattern: &AstExpr,
        negated: bool,
        ci: bool,
        scope: &Scope,
    ) -> Result<Expr> {
        let e = self.bind(expr, scope)?;
        let e = self.coerce(e, SqlType::Text, CastKind::Implicit)?;
        let p = self.bind(pattern, scope)?;
        let p = self.coerce(p, SqlType::Text, CastKind::Implicit)?;
        Ok(Expr::Like(Box::new(e), Box::new(p), negated, ci))
    }

    fn bind_value(&mut self, v: &AstValue) -> Result<Expr> {
        Ok(match v {
            AstValue::Number(text, _) => {
                let is_integer = text.bytes().all(|b| b.is_ascii_digit());
                if is_integer {
                    if let Ok(i) = text.parse::<i32>() {
                        return Ok(Expr::Literal(Value::Int4(i), SqlType::Int4));
                    }
                    if let Ok(i) = text.parse::<i64>() {
                        return Ok(Expr::Literal(Value::Int8(i), SqlType::Int8));
                    }
                }
                let ty = SqlType::Numeric {
                    precision: None,
                    scale: None,
                };
                Expr::Literal(Value::parse_text(text, &ty)?, ty)
            }
            AstValue::SingleQuotedString(s)
            | AstValue::EscapedStringLiteral(s)
            | AstValue::TripleSingleQuotedString(s) => {
                Expr::Literal(Value::Text(s.clone()), SqlType::Unknown)
            }
            AstValue::DollarQuotedString(d) => {
                Expr::Literal(Value::Text(d.value.clone()), SqlType::Unknown)
            }
            // B'0101' and X'1F' are bit strings.
            AstValue::SingleQuotedByteStringLiteral(s) => Expr::Literal(
                Value::Bits(crate::types::bits::BitString::parse(&format!("b{s}"))?),
                SqlType::Bit(None),
            ),
            AstValue::HexStringLiteral(s) => Expr::Literal(
                Value::Bits(crate::types::bits::BitString::parse(&format!("x{s}"))?),
                SqlType::Bit(None),
            ),
            AstValue::Boolean(b) => Expr::Literal(Value::Bool(*b), SqlType::Bool),
            AstValue::Null => Expr::Literal(Value::Null, SqlType::Unknown),
            AstValue::Placeholder(p) => {
                let n: usize = p
                    .strip_prefix('$')
                    .and_then(|d| d.parse().ok())
                    .filter(|&n| n >= 1)
                    .ok_or_else(|| {
                        EngineError::new(SqlState::SyntaxError, format!("bad parameter {p}"))
                    })?;
                if self.param_types.len() < n {
                    self.param_types.resize(n, SqlType::Unknown);
                }
                Expr::Param(n - 1, self.param_types[n - 1])
            }
            other => return Err(EngineError::unsupported(format!("literal {other}"))),
        })
    }

    /// Binds a chain `a AND b AND c ...` (or OR) of any length without
    /// recursing along it: the parser's left-deep tree is walked down its
    /// left spine, each operand bound on its own, and the result is a tree
    /// of logarithmic depth (left-deep, as written, for short chains), the
    /// operands in their written order.
    fn bind_logical(
        &mut self,
        e: &AstExpr,
        op: &ast::BinaryOperator,
        scope: &Scope,
    ) -> Result<Expr> {
        let mut operands = Vec::new();
        let mut cur = e;
        while let AstExpr::BinaryOp { left, op: o, right } = cur {
            if o != op {
                break;
            }
            operands.push(right.as_ref());
            cur = left;
        }
        operands.push(cur);
        operands.reverse();
        let mut bound = Vec::with_capacity(operands.len());
        for o in operands {
            let b = self.bind(o, scope)?;
            bound.push(self.coerce(b, SqlType::Bool, CastKind::Implicit)?);
        }
        let and = matches!(op, ast::BinaryOperator::And);
        let join = |l: Expr, r: Expr| {
            if and {
                Expr::And(Box::new(l), Box::new(r))
            } else {
                Expr::Or(Box::new(l), Box::new(r))
            }
        };
        /// Chains up to this long keep their written left-deep shape.
        const LEFT_DEEP_MAX: usize = 64;
        if bound.len() <= LEFT_DEEP_MAX {
            let mut it = bound.into_iter();
            let first = it.next().expect("a chain has an operand");
            return Ok(it.fold(first, join));
        }
        // Pairwise rounds: depth log2(n), order kept.
        while bound.len() > 1 {
            let mut next = Vec::with_capacity(bound.len().div_ceil(2));
            let mut it = bound.into_iter();
            while let Some(l) = it.next() {
                match it.next() {
                    Some(r) => next.push(join(l, r)),
                    None => next.push(l),
                }
            }
            bound = next;
        }
        Ok(bound.pop().expect("a chain has an operand"))
    }

    fn bind_binary(
        &mut self,
        left: &AstExpr,
        op: &ast::BinaryOperator,
        right: &AstExpr,
        scope: &Scope,
    ) -> Result<Expr> {
        use ast::BinaryOperator as B;
        if let Some(cmp) = row_comparison(op) {
            if let Some(bound) = self.bind_row_compare(left, cmp, right, scope)? {
                return Ok(bound);
            }
        }
        let l = self.bind(left, scope)?;
        let l = self.devector(l)?;
        let r = self.bind(right, scope)?;
        let r = self.devector(r)?;
        let bop = match op {
            B::And | B::Or => {
                let l = self.coerce(l, SqlType::Bool, CastKind::Implicit)?;
                let r = self.coerce(r, SqlType::Bool, CastKind::Implicit)?;
                return Ok(if matches!(op, B::And) {
                    Expr::And(Box::new(l), Box::new(r))
                } else {
                    Expr::Or(Box::new(l), Box::new(r))
                });
            }
            B::Plus => BinaryOp::Plus,
            B::Minus => BinaryOp::Minus,
            B::Multiply => BinaryOp::Multiply,
            B::Divide => BinaryOp::Divide,
            B::Modulo => BinaryOp::Modulo,
            B::StringConcat => BinaryOp::Concat,
            B::Eq => BinaryOp::Eq,
            B::NotEq => BinaryOp::NotEq,
            B::Lt => BinaryOp::Lt,
            B::LtEq => BinaryOp::LtEq,
            B::Gt => BinaryOp::Gt,
            B::GtEq => BinaryOp::GtEq,
            B::BitwiseAnd => BinaryOp::BitAnd,
            B::BitwiseOr => BinaryOp::BitOr,
            B::PGBitwiseXor => BinaryOp::BitXor,
            B::PGBitwiseShiftLeft => BinaryOp::ShiftLeft,
            B::PGBitwiseShiftRight => BinaryOp::ShiftRight,
            B::PGExp => BinaryOp::Power,
            B::PGRegexMatch => BinaryOp::RegexMatch,
            B::PGRegexIMatch => BinaryOp::RegexIMatch,
            B::PGRegexNotMatch => BinaryOp::NotRegexMatch,
            B::PGRegexNotIMatch => BinaryOp::NotRegexIMatch,
            B::PGOverlap
                if crate::types::inet_ops::is_net(&l.ty())
                    || crate::types::inet_ops::is_net(&r.ty()) =>
            {
                BinaryOp::Overlap
            }
            B::Custom(sym) if sym == "<<=" || sym == ">>=" => {
                operator_by_symbol(sym).unwrap_or(BinaryOp::SubnetEq)
            }
            // `@>`, `<@` over arrays (else jsonb's), `&&` (arrays only).
            B::AtArrow | B::ArrowAt | B::PGOverlap
                if matches!(op, B::PGOverlap)
                    || matches!(l.ty(), SqlType::Array(_))
                    || matches!(r.ty(), SqlType::Array(_)) =>
            {
                use crate::types::array_functions::Containment;
                let kind = match op {
                    B::AtArrow => Containment::Contains,
                    B::ArrowAt => Containment::ContainedBy,
                    _ => Containment::Overlaps,
                };
                return self.bind_array_containment(kind, l, r);
            }
            B::Arrow => BinaryOp::JsonGet,
            B::LongArrow => BinaryOp::JsonGetText,
            B::HashArrow => BinaryOp::JsonPath,
            B::HashLongArrow => BinaryOp::JsonPathText,
            B::AtArrow => BinaryOp::JsonContains,
            B::ArrowAt => BinaryOp::JsonContainedBy,
            B::Question => BinaryOp::JsonExists,
            B::QuestionPipe => BinaryOp::JsonExistsAny,
            B::QuestionAnd => BinaryOp::JsonExistsAll,
            B::HashMinus => BinaryOp::JsonDeletePath,
            B::AtQuestion => BinaryOp::JsonPathExists,
            B::AtAt => BinaryOp::JsonPathMatch,
            // `OPERATOR(pg_catalog.~)`: the built-in operator of that name.
            B::PGCustomBinaryOperator(parts) => {
                let schema_ok = parts.len() == 1 || (parts.len() == 2 && parts[0] == "pg_catalog");
                match parts.last().map(String::as_str) {
                    Some(sym) if schema_ok => operator_by_symbol(sym).ok_or_else(|| {
                        EngineError::new(
                            SqlState::UndefinedFunction,
                            format!("operator does not exist: {}", parts.join(".")),
                        )
                    })?,
                    _ => {
                        return Err(EngineError::new(
                            SqlState::UndefinedFunction,
                            format!("operator does not exist: {}", parts.join(".")),
                        ))
                    }
                }
            }
            other => return Err(EngineError::unsupported(format!("operator {other}"))),
        };
        let sig = resolve_binary_op(bop, &l.ty(), &r.ty())?;
        let l = self.coerce(l, sig.left, CastKind::Implicit)?;
        let r = self.coerce(r, sig.right, CastKind::Implicit)?;
        if matches!(sig.result, SqlType::Array(_)) {
            // Array concatenation is evaluated with the signature's types.
            return Ok(Expr::Binary(sig, Box::new(l), Box::new(r)));
        }
        if let (Expr::Literal(a, _), Expr::Literal(b, _)) = (&l, &r) {
            // Constant folding (errors such as division by zero surface at
            // bind time, as with PostgreSQL's constant folding).
            let v = sig.eval(a, b)?;
            return Ok(Expr::Literal(v, sig.result));
        }
        Ok(Expr::Binary(sig, Box::new(l), Box::new(r)))
    }

    fn bind_function(&mut self, f: &ast::Function, scope: &Scope) -> Result<Expr> {
        let name = f
            .name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map(ident_name)
            .unwrap_or_default();
        if let ("array", ast::FunctionArguments::Subquery(q)) = (name.as_str(), &f.args) {
            return self.bind_subquery(q, SubqueryKind::Array, scope);
        }
        if name == crate::sql::field_star::FIELD_STAR_MARKER {
            return Err(EngineError::unsupported("(expr).* outside a select list"));
        }
        if super::row_expr::is_row_call(f) {
            let items = super::row_expr::row_call_items(f)
                .ok_or_else(|| EngineError::unsupported(format!("row constructor {f}")))?;
            return self.bind_row(&items, scope);
        }
        if let Some(e) = super::grouping_sets::misplaced(f, self.no_aggs) {
            return Err(e);
        }
        if f.over.is_some() || super::window::is_window_function(&name) {
            return self.bind_window_call(f, &name, scope);
        }
        if matches!(
            name.as_str(),
            "count"
                | "sum"
                | "avg"
                | "min"
                | "max"
                | "bool_and"
                | "bool_or"
                | "every"
                | "string_agg"
                | "json_agg"
                | "jsonb_agg"
                | "json_object_agg"
                | "jsonb_object_agg"
                | "array_agg"
        ) {
            return Err(EngineError::new(
                SqlState::GroupingError,
                format!(
                    "aggregate functions are not allowed in {}",
                    self.no_aggs.unwrap_or("this context")
                ),
            ));
        }
        if matches!(name.as_str(), "row_to_json" | "to_json" | "to_jsonb") {
            if let Some(e) = whole_row_json(&name, f, scope)? {
                return Ok(e);
            }
        }
        let mut args = Vec::new();
        match &f.args {
            ast::FunctionArguments::None => {}
            ast::FunctionArguments::List(list) => {
                if list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
                    return Err(EngineError::unsupported(format!("function call {f}")));
                }
                for a in &list.args {
                    match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                            args.push(self.bind(e, scope)?)
                        }
                        _ => return Err(EngineError::unsupported(format!("function call {f}"))),
                    }
                }
            }
            ast::FunctionArguments::Subquery(_) => {
                return Err(EngineError::unsupported("subqueries"));
            }
        }
        if f.filter.is_some() || f.over.is_some() {
            return Err(EngineError::unsupported(format!("function call {f}")));
        }
        if crate::types::json_record::populate_by_name(&name).is_some() {
            return self.bind_json_populate(&name, args);
        }
        match name.as_str() {
            "coalesce" => {
                let args = self.unify(args, "COALESCE")?;
                let ty = args.first().map(Expr::ty).unwrap_or(SqlType::Text);
                Ok(Expr::Coalesce(args, ty))
            }
            // The argument's type, as regtype (PostgreSQL evaluates the
            // argument only to learn its type, so it is not run here).
            "pg_typeof" if args.len() == 1 => {
                // A subscript is a cast of the element's text.
                let arg = match &args[0] {
                    Expr::Cast(inner, _, _) if matches!(**inner, Expr::Function(..)) => inner,
                    other => other,
                };
                let column_domain = match arg {
                    Expr::Column(i, ty) => self.column_domain_name(scope, *i, *ty),
                    // An element of an array of a domain is of the domain.
                    Expr::Function(f, a) if f.name == "array_subscript" && a.len() == 2 => {
                        match &a[0] {
                            Expr::Column(i, ty) => self.column_domain_name(scope, *i, *ty),
                            Expr::Domain(_, d) => Some(d.type_name()),
                            _ => None,
                        }
                        .and_then(|n| n.strip_suffix("[]").map(str::to_string))
                    }
                    _ => None,
                };
                let name = match (&args[0], args[0].ty()) {
                    _ if column_domain.is_some() => column_domain.unwrap_or_default(),
                    (Expr::Domain(_, d), _) => d.type_name(),
                    (
                        _,
                        t @ (SqlType::Enum(_)
                        | SqlType::Array(SqlType::Enum(_) | SqlType::Composite(_))
                        | SqlType::Composite(_)
                        | SqlType::Record),
                    ) => t.display_name(),
                    (_, t) => crate::syscat::functions::type_name_of(t.oid())
                        .unwrap_or_else(|| "???".into()),
                };
                Ok(Expr::Literal(
                    Value::Text(name),
                    SqlType::Reg(RegKind::Type),
                ))
            }
            "nullif" if args.len() == 2 => {
                let mut it = self.unify(args, "NULLIF")?.into_iter();
                let (a, b) = (it.next().unwrap(), it.next().unwrap());
                let ty = a.ty();
                Ok(Expr::NullIf(Box::new(a), Box::new(b), ty))
            }
            _ => match crate::plan::expr::SeqFunc::from_name(&name) {
                Some(sf) => self.sequence_call(sf, args),
                None => self.call_function(&name, args),
            },
        }
    }

    /// `nextval(regclass)`, `currval(regclass)`, `setval(regclass, bigint
    /// [, boolean])`, `lastval()`. The sequence argument stays a name
    /// (`regclass` values are carried as names) resolved when the call
    /// runs, as PostgreSQL's `nextval('s')` resolves `'s'::regclass`
    /// against the catalog of its time; an integer is an OID.
    fn sequence_call(&mut self, f: crate::plan::expr::SeqFunc, args: Vec<Expr>) -> Result<Expr> {
        use crate::plan::expr::SeqFunc;
        let types: Vec<SqlType> = args.iter().map(Expr::ty).collect();
        let arity_ok = match f {
            SeqFunc::Lastval => args.is_empty(),
            SeqFunc::Nextval | SeqFunc::Currval => args.len() == 1,
            SeqFunc::Setval => args.len() == 2 || args.len() == 3,
        };
        if !arity_ok {
            return Err(crate::types::functions::undefined_function(
                f.name(),
                &types,
            ));
        }
        let mut bound = Vec::with_capacity(args.len());
        for (i, a) in args.into_iter().enumerate() {
            let t = a.ty();
            let e = match i {
                0 => match (t, a) {
                    // `'s'::regclass` folds to its name here, not through
                    // the catalog function `regin`: the name is resolved
                    // when the call runs.
                    (SqlType::Reg(RegKind::Class), Expr::Function(f, args))
                        if f.name == "regin" && matches!(args.first(), Some(Expr::Literal(..))) =>
                    {
                        args.into_iter()
                            .next()
                            .unwrap_or(Expr::Literal(Value::Null, SqlType::Text))
                    }
                    (SqlType::Reg(RegKind::Class), a) => a,
                    (t, a) if t.is_integer() || t == SqlType::Oid => {
                        self.coerce(a, SqlType::Int8, CastKind::Implicit)?
                    }
                    (t, a) if t == SqlType::Unknown || t.is_string_family() => {
                        self.coerce(a, SqlType::Text, CastKind::Implicit)?
                    }
                    _ => {
                        return Err(crate::types::functions::undefined_function(
                            f.name(),
                            &types,
                        ))
                    }
                },
                1 => self.coerce(a, SqlType::Int8, CastKind::Implicit)?,
                _ => self.coerce(a, SqlType::Bool, CastKind::Implicit)?,
            };
            bound.push(e);
        }
        Ok(Expr::Sequence(f, bound))
    }

    /// Resolves and binds a call of scalar function `name`.
    pub fn call_function(&mut self, name: &str, args: Vec<Expr>) -> Result<Expr> {
        let args = args
            .into_iter()
            .map(|a| self.devector(a))
            .collect::<Result<Vec<_>>>()?;
        let types: Vec<SqlType> = args.iter().map(Expr::ty).collect();
        let func = resolve_function(name, &types)?;
        let args = args
            .into_iter()
            .zip(func.arg_types().to_vec())
            .map(|(a, t)| self.coerce(a, t, CastKind::Implicit))
            .collect::<Result<Vec<_>>>()?;
        Ok(Expr::Function(func, args))
    }

    /// A catalog vector (`int2vector`, `oidvector`) meeting an operator
    /// or function becomes the zero-based array of its elements, as
    /// PostgreSQL's binary-coercible cast does; anything else is
    /// returned as is.
    pub fn devector(&mut self, e: Expr) -> Result<Expr> {
        match e.ty().vector_element() {
            Some(elem) => self.coerce(e, SqlType::Array(elem), CastKind::Implicit),
            None => Ok(e),
        }
    }

    /// Gives a list of expressions one common type (CASE, IN, COALESCE, ...).
    pub fn unify(&mut self, items: Vec<Expr>, context: &str) -> Result<Vec<Expr>> {
        let mut common: Option<SqlType> = None;
        for e in &items {
            let t = e.ty();
            if t == SqlType::Unknown {
                continue;
            }
            common = Some(match common {
                None => t,
                Some(c) => implicit_common_type(&c, &t).ok_or_else(|| {
                    EngineError::new(
                        SqlState::DatatypeMismatch,
                        format!(
                            "{context} types {} and {} cannot be matched",
                            c.display_name(),
                            t.display_name()
                        ),
                    )
                })?,
            });
        }
        let target = common.unwrap_or(SqlType::Text);
        items
            .into_iter()
            .map(|e| self.coerce(e, target, CastKind::Implicit))
            .collect()
    }

    /// Coerces `e` to `ty`: literals are converted now, parameters take the
    /// type, other expressions get a cast node when the types differ.
    pub fn coerce(&mut self, e: Expr, ty: SqlType, kind: CastKind) -> Result<Expr> {
        if ty == SqlType::Unknown {
            return Ok(e);
        }
        if let Some(converted) = self.coerce_reg(&e, ty, kind)? {
            return Ok(converted);
        }
        match e {
            Expr::Literal(v, from) => {
                if from == ty {
                    return Ok(Expr::Literal(v, ty));
                }
                if from == SqlType::Unknown {
                    // An untyped literal goes through the type's input
                    // function, then the type modifier as the context says
                    // (an INSERT of a too-long string fails; a cast cuts it).
                    if let Value::Text(text) = &v {
                        let parsed = Value::parse_text_base(text, &ty)?;
                        return Ok(Expr::Literal(apply_typmod(parsed, &ty, kind)?, ty));
                    }
                }
                Ok(Expr::Literal(
                    crate::types::cast::cast_from(v, &from, &ty, kind)?,
                    ty,
                ))
            }
            Expr::Param(i, SqlType::Unknown) => {
                if let Some(slot) = self.param_types.get_mut(i) {
                    *slot = ty.without_typmod();
                }
                Ok(Expr::Param(i, ty.without_typmod()))
            }
            other if other.ty() == ty => Ok(other),
            other if other.ty().same_base(&ty) && kind == CastKind::Implicit => Ok(other),
            other => {
                let from = other.ty();
                if !crate::types::can_cast(&from, &ty, kind) {
                    return Err(EngineError::new(
                        SqlState::DatatypeMismatch,
                        format!(
                            "cannot cast type {} to {}",
                            from.display_name(),
                            ty.display_name()
                        ),
                    ));
                }
                Ok(Expr::Cast(Box::new(other), ty, kind))
            }
        }
    }
}

impl Binder<'_> {
    /// Casts to and from the object-identifier alias types (`regclass`,
    /// ...), which need the catalog: they become calls of the internal
    /// conversion functions (see `syscat::functions`). `None` when
    /// neither side is such a type (or both are the same one).
    fn coerce_reg(&mut self, e: &Expr, ty: SqlType, kind: CastKind) -> Result<Option<Expr>> {
        let from = e.ty();
        let code = |k: RegKind| {
            Expr::Literal(
                Value::Int4(crate::syscat::functions::code_of(k)),
                SqlType::Int4,
            )
        };
        match (from, ty) {
            (a, b) if a == b => Ok(None),
            (_, SqlType::Reg(k)) => {
                if from.is_string_family()
                    || from == SqlType::Unknown
                    || matches!(e, Expr::Param(_, SqlType::Unknown))
                {
                    let text = self.coerce(e.clone(), SqlType::Text, kind)?;
                    let f = self.call_function("regin", vec![text, code(k)])?;
                    return Ok(Some(retyped(f, ty)));
                }
                let oid = match from {
                    SqlType::Reg(other) => {
                        self.call_function("regtooid", vec![e.clone(), code(other)])?
                    }
                    _ => self.coerce(e.clone(), SqlType::Oid, kind)?,
                };
                let f = self.call_function("regfromoid", vec![oid, code(k)])?;
                Ok(Some(retyped(f, ty)))
            }
            (SqlType::Reg(k), SqlType::Oid | SqlType::Int2 | SqlType::Int4 | SqlType::Int8) => {
                if !crate::types::can_cast(&from, &ty, kind) {
                    return Ok(None);
                }
                let oid = self.call_function("regtooid", vec![e.clone(), code(k)])?;
                self.coerce(oid, ty, kind).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// `ARRAY[a, b, ...]`.
    fn array_constructor(&mut self, items: Vec<Expr>) -> Result<Expr> {
        let items = self.unify(items, "ARRAY")?;
        let elem = items.first().map_or(SqlType::Text, Expr::ty);
        if matches!(elem, SqlType::Array(_)) {
            // `ARRAY[[1,2],[3,4]]`: sub-arrays make one more dimension.
            let func = crate::types::ScalarFunction {
                name: "array",
                arg_types: vec![elem; items.len()],
                return_type: elem,
                strict: false,
                volatility: crate::types::Volatility::Immutable,
                catalog: false,
                typed: None,
                eval: |_, a| crate::types::array::from_subarrays(a),
            };
            return Ok(Expr::Function(func, items));
        }
        let ty = elem.array_of().ok_or_else(|| {
            EngineError::new(
                SqlState::UndefinedObject,
                format!(
                    "could not find array type for data type {}",
                    elem.display_name()
                ),
            )
        })?;
        let func = crate::types::ScalarFunction {
            name: "array",
            arg_types: vec![elem; items.len()],
            return_type: ty,
            strict: false,
            volatility: crate::types::Volatility::Immutable,
            catalog: false,
            typed: None,
            eval: |_, a| Ok(crate::types::array::from_values(a)),
        };
        Ok(Expr::Function(func, items))
    }

    /// `array[i][j]...` (NULL out of range or for a number of subscripts
    /// other than the array's dimensions).
    fn array_subscript(&mut self, base: Expr, indexes: Vec<Expr>) -> Result<Expr> {
        let base = self.devector(base)?;
        let Some(elem) = base.ty().element() else {
            return Err(EngineError::new(
                SqlState::DatatypeMismatch,
                format!(
                    "cannot subscript type {} because it does not support subscripting",
                    base.ty().display_name()
                ),
            ));
        };
        let mut args = vec![base];
        for i in indexes {
            args.push(self.coerce(i, SqlType::Int4, CastKind::Implicit)?);
        }
        let mut arg_types = vec![args[0].ty()];
        arg_types.resize(args.len(), SqlType::Int4);
        let func = crate::types::ScalarFunction {
            name: "array_subscript",
            arg_types,
            return_type: SqlType::Text,
            strict: true,
            volatility: crate::types::Volatility::Immutable,
            catalog: false,
            typed: None,
            eval: |_, a| {
                let Value::Text(arr) = &a[0] else {
                    return Ok(Value::Null);
                };
                let arr = crate::types::array::parse_array(arr)?;
                if a.len() - 1 != arr.ndims() {
                    return Ok(Value::Null);
                }
                let mut offset = 0usize;
                for (d, i) in arr.dims.iter().zip(&a[1..]) {
                    let i = i.as_i64().unwrap_or(i64::MIN);
                    if i < i64::from(d.lower) || i > d.upper() {
                        return Ok(Value::Null);
                    }
                    offset = offset * d.len + (i - i64::from(d.lower)) as usize;
                }
                Ok(arr
                    .items
                    .get(offset)
                    .cloned()
                    .flatten()
                    .map_or(Value::Null, Value::Text))
            },
        };
        if elem == SqlType::Record {
            // An anonymous row's text is its value (it has no input).
            return Ok(Expr::Function(
                crate::types::ScalarFunction {
                    return_type: SqlType::Record,
                    ..func
                },
                args,
            ));
        }
        // The element's text goes through the element type's input.
        Ok(Expr::Cast(
            Box::new(Expr::Function(func, args)),
            elem,
            CastKind::Explicit,
        ))
    }

    /// `l @> r`, `l <@ r`, `l && r` over arrays (0A000 for other types).
    fn bind_array_containment(
        &mut self,
        kind: crate::types::array_functions::Containment,
        l: Expr,
        r: Expr,
    ) -> Result<Expr> {
        let (l, r) = (self.devector(l)?, self.devector(r)?);
        let Some((ty, func)) =
            crate::types::array_functions::resolve_containment(kind, &l.ty(), &r.ty())?
        else {
            return Err(EngineError::unsupported(format!(
                "operator {} for {} and {}",
                kind.symbol(),
                l.ty().display_name(),
                r.ty().display_name()
            )));
        };
        let l = self.coerce(l, ty, CastKind::Implicit)?;
        let r = self.coerce(r, ty, CastKind::Implicit)?;
        let oid = ty.element().map_or(0, |e| e.oid());
        Ok(Expr::Function(
            func,
            vec![
                l,
                r,
                Expr::Literal(Value::Int8(i64::from(oid)), SqlType::Int8),
            ],
        ))
    }

    /// `array[lo:hi][lo:hi]...`, `bounds` holding `lo, hi` per subscript
    /// (an omitted bound is the array's own; the result starts at 1;
    /// out-of-range bounds are clamped; dimensions not subscripted are
    /// taken whole).
    fn array_slice(&mut self, base: Expr, bounds: Vec<Expr>) -> Result<Expr> {
        let base = self.devector(base)?;
        if base.ty().element().is_none() {
            return Err(EngineError::new(
                SqlState::DatatypeMismatch,
                format!(
                    "cannot subscript type {} because it does not support subscripting",
                    base.ty().display_name()
                ),
            ));
        }
        let mut args = vec![base];
        for b in bounds {
            args.push(self.coerce(b, SqlType::Int4, CastKind::Implicit)?);
        }
        let mut arg_types = vec![args[0].ty()];
        arg_types.resize(args.len(), SqlType::Int4);
        let func = crate::types::ScalarFunction {
            name: "array_slice",
            arg_types,
            return_type: args[0].ty(),
            strict: true,
            volatility: crate::types::Volatility::Immutable,
            catalog: false,
            typed: None,
            eval: |_, a| {
                let Value::Text(arr) = &a[0] else {
                    return Ok(Value::Null);
                };
                crate::types::array::slice(arr, &a[1..])
            },
        };
        Ok(Expr::Function(func, args))
    }

    /// `probe op ANY/ALL (array)`.
    fn bind_array_quantified(
        &mut self,
        probe: Expr,
        op: BinaryOp,
        all: bool,
        arr: Expr,
    ) -> Result<Expr> {
        let arr = self.devector(arr)?;
        let arr = match arr.ty() {
            SqlType::Unknown => {
                let base = if probe.ty() == SqlType::Unknown {
                    SqlType::Text
                } else {
                    probe.ty()
                };
                let ty = base.array_of().ok_or_else(|| {
                    EngineError::new(
                        SqlState::UndefinedObject,
                        format!(
                            "could not find array type for data type {}",
                            base.display_name()
                        ),
                    )
                })?;
                self.coerce(arr, ty, CastKind::Implicit)?
            }
            _ => arr,
        };
        let Some(elem) = arr.ty().element() else {
            return Err(EngineError::new(
                SqlState::WrongObjectType,
                "op ANY/ALL (array) requires array on right side",
            ));
        };
        let sig = resolve_binary_op(op, &probe.ty(), &elem)?;
        let probe = self.coerce(probe, sig.left, CastKind::Implicit)?;
        let code = [
            BinaryOp::Eq,
            BinaryOp::NotEq,
            BinaryOp::Lt,
            BinaryOp::LtEq,
            BinaryOp::Gt,
            BinaryOp::GtEq,
        ]
        .iter()
        .position(|o| *o == op)
        .unwrap_or(0) as i32;
        let func = crate::types::ScalarFunction {
            name: if all { "all" } else { "any" },
            arg_types: vec![sig.left, arr.ty(), SqlType::Int4],
            return_type: SqlType::Bool,
            strict: false,
            volatility: crate::types::Volatility::Immutable,
            catalog: false,
            typed: None,
            eval: if all { array_all } else { array_any },
        };
        Ok(Expr::Function(
            func,
            vec![probe, arr, Expr::Literal(Value::Int4(code), SqlType::Int4)],
        ))
    }
}

/// A function call whose result is typed `ty` (the internal conversions
/// produce the text of an object-identifier alias type).
fn retyped(e: Expr, ty: SqlType) -> Expr {
    match e {
        Expr::Function(mut f, args) => {
            f.return_type = ty;
            Expr::Function(f, args)
        }
        other => other,
    }
}

fn array_quantified(args: &[Value], all: bool) -> Result<Value> {
    let (probe, arr) = (&args[0], &args[1]);
    let Value::Text(arr) = arr else {
        return Ok(Value::Null);
    };
    let op = match args[2].as_i64() {
        Some(1) => BinaryOp::NotEq,
        Some(2) => BinaryOp::Lt,
        Some(3) => BinaryOp::LtEq,
        Some(4) => BinaryOp::Gt,
        Some(5) => BinaryOp::GtEq,
        _ => BinaryOp::Eq,
    };
    let items = crate::types::array::parse(arr)?;
    if probe.is_null() {
        return Ok(if items.is_empty() {
            Value::Bool(all)
        } else {
            Value::Null
        });
    }
    let elem_ty = probe.sql_type().unwrap_or(SqlType::Text);
    let mut saw_null = false;
    for item in items {
        let v = match item {
            None => Value::Null,
            Some(t) => Value::parse_text_base(&t, &elem_ty)?,
        };
        match crate::types::eval_binary(op, probe, &v)? {
            Value::Bool(true) if !all => return Ok(Value::Bool(true)),
            Value::Bool(false) if all => return Ok(Value::Bool(false)),
            Value::Null => saw_null = true,
            _ => {}
        }
    }
    Ok(if saw_null {
        Value::Null
    } else {
        Value::Bool(all)
    })
}

fn array_any(_: &dyn crate::types::FunctionEnv, args: &[Value]) -> Result<Value> {
    array_quantified(args, false)
}

fn array_all(_: &dyn crate::types::FunctionEnv, args: &[Value]) -> Result<Value> {
    array_quantified(args, true)
}

/// The built-in binary operator spelled `sym` (for `OPERATOR(...)`).
fn operator_by_symbol(sym: &str) -> Option<BinaryOp> {
    Some(match sym {
        "+" => BinaryOp::Plus,
        "-" => BinaryOp::Minus,
        "*" => BinaryOp::Multiply,
        "/" => BinaryOp::Divide,
        "%" => BinaryOp::Modulo,
        "||" => BinaryOp::Concat,
        "=" => BinaryOp::Eq,
        "<>" | "!=" => BinaryOp::NotEq,
        "<" => BinaryOp::Lt,
        "<=" => BinaryOp::LtEq,
        ">" => BinaryOp::Gt,
        ">=" => BinaryOp::GtEq,
        "~" => BinaryOp::RegexMatch,
        "~*" => BinaryOp::RegexIMatch,
        "!~" => BinaryOp::NotRegexMatch,
        "!~*" => BinaryOp::NotRegexIMatch,
        "->" => BinaryOp::JsonGet,
        "->>" => BinaryOp::JsonGetText,
        "#>" => BinaryOp::JsonPath,
        "#>>" => BinaryOp::JsonPathText,
        "@>" => BinaryOp::JsonContains,
        "<@" => BinaryOp::JsonContainedBy,
        "?" => BinaryOp::JsonExists,
        "?|" => BinaryOp::JsonExistsAny,
        "?&" => BinaryOp::JsonExistsAll,
        "#-" => BinaryOp::JsonDeletePath,
        "@?" => BinaryOp::JsonPathExists,
        "@@" => BinaryOp::JsonPathMatch,
        "<<=" => BinaryOp::SubnetEq,
        ">>=" => BinaryOp::SupernetEq,
        "&&" => BinaryOp::Overlap,
        "<<" => BinaryOp::ShiftLeft,
        ">>" => BinaryOp::ShiftRight,
        _ => return None,
    })
}

/// `row_to_json(t)`, `to_json(t)`, `to_jsonb(t)` of a table (alias) `t`
/// of the scope: its visible columns as alternating name and value
/// arguments of the row builders; `None` when the argument is not a bare
/// table name.
fn whole_row_json(name: &str, f: &ast::Function, scope: &Scope) -> Result<Option<Expr>> {
    let ast::FunctionArguments::List(list) = &f.args else {
        return Ok(None);
    };
    let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(AstExpr::Identifier(id)))] =
        list.args.as_slice()
    else {
        return Ok(None);
    };
    let table = ident_name(id);
    if scope
        .columns
        .iter()
        .any(|c| !c.hidden && c.name == table && c.table.as_deref() != Some(&table))
        || !scope
            .columns
            .iter()
            .any(|c| c.table.as_deref() == Some(&table))
    {
        return Ok(None);
    }
    let mut args = Vec::new();
    for (i, c) in scope.columns.iter().enumerate() {
        if c.hidden || c.table.as_deref() != Some(&table) {
            continue;
        }
        args.push(Expr::Literal(Value::Text(c.name.clone()), SqlType::Text));
        args.push(Expr::Column(i, c.ty));
    }
    let builder = if name == "to_jsonb" {
        "jsonb_build_object"
    } else {
        "row_to_json"
    };
    let types: Vec<SqlType> = args.iter().map(Expr::ty).collect();
    let func = crate::types::resolve_function(builder, &types)?;
    Ok(Some(Expr::Function(func, args)))
}

/// The comparison a row comparison may use (`None` for other operators).
fn row_comparison(op: &ast::BinaryOperator) -> Option<BinaryOp> {
    use ast::BinaryOperator as B;
    Some(match op {
        B::Eq => BinaryOp::Eq,
        B::NotEq => BinaryOp::NotEq,
        B::Lt => BinaryOp::Lt,
        B::LtEq => BinaryOp::LtEq,
        B::Gt => BinaryOp::Gt,
        B::GtEq => BinaryOp::GtEq,
        _ => return None,
    })
}

/// Maps a comparison operator of the AST.
pub fn comparison_op(op: &ast::BinaryOperator) -> Result<BinaryOp> {
    use ast::BinaryOperator as B;
    Ok(match op {
        B::Eq => BinaryOp::Eq,
        B::NotEq => BinaryOp::NotEq,
        B::Lt => BinaryOp::Lt,
        B::LtEq => BinaryOp::LtEq,
        B::Gt => BinaryOp::Gt,
        B::GtEq => BinaryOp::GtEq,
        other => {
            return Err(EngineError::unsupported(format!(
                "operator {other} with ANY/ALL"
            )))
        }
    })
}
