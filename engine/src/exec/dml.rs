//! INSERT (VALUES, SELECT, DEFAULT, ON CONFLICT), UPDATE and DELETE, all
//! with RETURNING.
//!
//! Each statement is planned first (every expression bound, defaults
//! included) and then executed. Writes go through the storage
//! transaction's row locks: an INSERT takes the lock of the new key and
//! reads its newest committed version (a concurrent inserter of the same
//! key is waited for, then reported as a unique violation or handled by ON
//! CONFLICT); UPDATE and DELETE lock each selected row, re-read its newest
//! version and re-check the WHERE clause on it (PostgreSQL's READ COMMITTED
//! EvalPlanQual). Under snapshot isolation the storage layer raises the
//! serialization error instead.

use std::collections::HashSet;
use std::sync::Arc;

use rocksgres_storage::Transaction;
use sqlparser::ast::{self as ast, Expr as AstExpr};

use crate::catalog::{Relation, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::checks::{bind_checks, enforce as enforce_checks, BoundCheck};
use crate::exec::ctx::Ctx;
use crate::exec::foreign_keys::{FkSlot, FkState};
use crate::exec::generated::{bind_generated, compute as compute_generated, BoundGenerated};
use crate::exec::index::{delete_entries, find_unique, insert_entries, update_entries};
use crate::exec::row::{decode_values, describe_row, describe_visible, encode_values, primary_key};
use crate::exec::row_locks;
use crate::exec::run::{collect, run, Flow};
use crate::exec::scan::scan_rows;
use crate::exec::scratch::copy_row;
use crate::exec::spill::TupleStore;
use crate::plan::bind::{Binder, Scope, ScopeColumn};
use crate::plan::bound_index::{bind_indexes, BoundIndex};
use crate::plan::dml_from::{aliased_target_error, FromJoin, PlannedFrom};
use crate::plan::expr::Expr;
use crate::plan::node::{Node, OutputColumn, ScanPlan};
use crate::plan::optimize::access::choose_access;
use crate::plan::query::{output_name, table_scope};
use crate::sql::identifiers::ident_name;
use crate::sql::overriding::Overriding;
use crate::types::{cast, CastKind, SqlType, Value};

/// What a DML statement produced.
#[derive(Debug, Default)]
pub struct DmlOutcome {
    /// Rows affected.
    pub count: u64,
    /// INSERT: rows inserted (not updated by ON CONFLICT DO UPDATE).
    pub inserted: u64,
    /// INSERT ... ON CONFLICT: rows that met a conflict.
    pub conflicting: u64,
    /// RETURNING rows.
    pub rows: ReturningRows,
}

/// A statement's RETURNING rows, kept until it has run (its constraints
/// checked) and they are sent: in a [`TupleStore`], so in a temporary
/// file past `work_mem`, made at the first row.
#[derive(Default)]
pub struct ReturningRows(Option<TupleStore>);

impl std::fmt::Debug for ReturningRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReturningRows({})", self.len())
    }
}

impl ReturningRows {
    /// Keeps one row.
    pub fn push<T: Transaction>(&mut self, row: &[Value], ctx: &mut Ctx<'_, T>) -> Result<()> {
        if self.0.is_none() {
            self.0 = Some(TupleStore::new(ctx.spill_env()));
        }
        match &mut self.0 {
            Some(store) => store.push(row),
            None => Ok(()),
        }
    }

    /// The rows kept.
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, TupleStore::len)
    }

    /// Whether no row was kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows, rewound (`None` when there were none).
    pub fn into_store(self) -> Option<TupleStore> {
        self.0.map(|mut s| {
            s.rewind();
            s
        })
    }
}

/// Allocates hidden row ids for tables without a primary key.
pub trait RowIds {
    /// The next row id of `table`.
    fn next_rowid<T: Transaction>(&self, txn: &mut T, table: &TableDesc) -> Result<i64>;
}

fn is_default_keyword(e: &AstExpr) -> bool {
    matches!(e, AstExpr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"))
}

fn column_ref_name(name: &ast::ObjectName) -> String {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(ident_name)
        .unwrap_or_default()
}

fn no_such_column(table: &TableDesc, n: &str) -> EngineError {
    EngineError::new(
        SqlState::UndefinedColumn,
        format!(
            "column \"{n}\" of relation \"{}\" does not exist",
            table.name
        ),
    )
}

/// RETURNING, bound over the table's row (followed by the FROM items'
/// row, whose columns follow the table's in `scope`).
fn bind_returning(
    items: &Option<Vec<ast::SelectItem>>,
    table: &TableDesc,
    scope: &Scope,
    binder: &mut Binder<'_>,
) -> Result<(Vec<Expr>, Vec<OutputColumn>)> {
    let mut exprs = Vec::new();
    let mut cols = Vec::new();
    let Some(items) = items else {
        return Ok((exprs, cols));
    };
    let width = table.columns.len();
    let extra = scope.columns.get(width..).unwrap_or_default();
    let star = |qualifier: Option<&str>, exprs: &mut Vec<Expr>, cols: &mut Vec<OutputColumn>| {
        let own = match qualifier {
            None => true,
            Some(q) => {
                extra.is_empty()
                    || scope.columns[..width]
                        .iter()
                        .any(|c| c.table.as_deref() == Some(q))
            }
        };
        if own {
            for (i, c) in table.visible_columns() {
                exprs.push(Expr::Column(i, c.ty));
                cols.push(OutputColumn {
                    name: c.name.clone(),
                    ty: c.ty,
                });
            }
        }
        let mut found = own;
        for (i, c) in extra.iter().enumerate() {
            let wanted = match qualifier {
                None => !c.hidden,
                Some(q) => !own && c.table.as_deref() == Some(q),
            };
            if wanted {
                found = true;
                exprs.push(Expr::Column(width + i, c.ty));
                cols.push(OutputColumn {
                    name: c.name.clone(),
                    ty: c.ty,
                });
            }
        }
        match (found, qualifier) {
            (false, Some(q)) => Err(EngineError::new(
                SqlState::UndefinedTable,
                format!("missing FROM-clause entry for table \"{q}\""),
            )),
            _ => Ok(()),
        }
    };
    for item in items {
        match item {
            ast::SelectItem::Wildcard(_) => star(None, &mut exprs, &mut cols)?,
            ast::SelectItem::QualifiedWildcard(kind, _) => {
                let q = match kind {
                    ast::SelectItemQualifiedWildcardKind::ObjectName(n) => column_ref_name(n),
                    ast::SelectItemQualifiedWildcardKind::Expr(e) => {
                        return Err(EngineError::unsupported(format!("RETURNING {e}.*")))
                    }
                };
                star(Some(&q), &mut exprs, &mut cols)?
            }
            ast::SelectItem::ExprWithAliases { .. } => {
                return Err(EngineError::unsupported("multiple aliases"));
            }
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                let mut b = binder.bind(e, scope)?;
                if b.ty() == SqlType::Unknown {
                    b = binder.coerce(b, SqlType::Text, CastKind::Implicit)?;
                }
                let name = match item {
                    ast::SelectItem::ExprWithAlias { alias, .. } => ident_name(alias),
                    _ => output_name(e),
                };
                cols.push(OutputColumn { name, ty: b.ty() });
                exprs.push(b);
            }
        }
    }
    Ok((exprs, cols))
}

/// The bound DEFAULT of column `col` (a NULL literal without one).
pub(crate) fn bind_default(table: &TableDesc, col: usize, binder: &mut Binder<'_>) -> Result<Expr> {
    let ty = table.columns[col].ty;
    if table.columns[col].generated {
        // Computed after the row is formed (`exec::generated`).
        return Ok(Expr::Literal(Value::Null, ty));
    }
    if let Some(id) = &table.columns[col].identity {
        let next = Expr::Sequence(
            crate::plan::expr::SeqFunc::Nextval,
            vec![Expr::Literal(
                Value::Int8(i64::from(id.sequence)),
                SqlType::Int8,
            )],
        );
        return binder.coerce(next, ty, CastKind::Assignment);
    }
    // A column without a default takes its domain's.
    let domain_default = table.columns[col]
        .domain
        .and_then(|d| d.default_for(table.columns[col].ty));
    match table.columns[col].default.as_ref().or(domain_default) {
        None => Ok(Expr::Literal(Value::Null, ty)),
        Some(text) => {
            let e = crate::sql::parse_expr(text)?;
            let b = binder.bind(&e, &Scope::default())?;
            binder.coerce(b, ty, CastKind::Assignment)
        }
    }
}

/// Whether a value given for column `col` is replaced by the identity
/// sequence's (`OVERRIDING USER VALUE`); 428C9 when it is not allowed at
/// all (GENERATED ALWAYS without `OVERRIDING SYSTEM VALUE`).
fn takes_identity(table: &TableDesc, col: usize, overriding: Option<Overriding>) -> Result<bool> {
    let c = &table.columns[col];
    if c.generated {
        return Err(EngineError::new(
            SqlState::GeneratedAlways,
            format!(
                "cannot insert a non-DEFAULT value into column \"{}\"",
                c.name
            ),
        )
        .with_detail(format!("Column \"{}\" is a generated column.", c.name)));
    }
    let Some(id) = &c.identity else {
        return Ok(false);
    };
    match overriding {
        Some(Overriding::User) => Ok(true),
        Some(Overriding::System) => Ok(false),
        None if id.always => Err(EngineError::new(
            SqlState::GeneratedAlways,
            format!(
                "cannot insert a non-DEFAULT value into column \"{}\"",
                c.name
            ),
        )
        .with_detail(format!(
            "Column \"{}\" is an identity column defined as GENERATED ALWAYS.",
            c.name
        ))
        .with_hint("Use OVERRIDING SYSTEM VALUE to override.")),
        None => Ok(false),
    }
}

/// 428C9 for assigning a generated column anything but DEFAULT.
fn update_generated(name: &str) -> EngineError {
    EngineError::new(
        SqlState::GeneratedAlways,
        format!("column \"{name}\" can only be updated to DEFAULT"),
    )
    .with_detail(format!("Column \"{name}\" is a generated column."))
}

/// Casts to column types and checks NOT NULL constraints.
pub(crate) fn conform_row(table: &TableDesc, row: &mut [Value]) -> Result<()> {
    for (i, c) in table.columns.iter().enumerate() {
        if c.dropped {
            row[i] = Value::Null;
            continue;
        }
        let v = std::mem::replace(&mut row[i], Value::Null);
        row[i] = if v.is_null() {
            v
        } else {
            cast(v, &c.ty, CastKind::Assignment)?
        };
    }
    for (i, c) in table.columns.iter().enumerate() {
        if c.not_null && !c.dropped && row[i].is_null() {
            return Err(EngineError::new(
                SqlState::NotNullViolation,
                format!(
                    "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                    c.name, table.name
                ),
            )
            .with_detail(format!(
                "Failing row contains {}.",
                describe_visible(table, row)
            ))
            .with_column(&table.schema, &table.name, &c.name));
        }
    }
    Ok(())
}

pub(crate) fn duplicate_key(table: &TableDesc, row: &[Value]) -> EngineError {
    let pk = table.primary();
    let names: Vec<&str> = pk
        .columns
        .iter()
        .map(|ic| table.columns[ic.column].name.as_str())
        .collect();
    let values: Vec<Value> = pk.columns.iter().map(|ic| row[ic.column].clone()).collect();
    EngineError::new(
        SqlState::UniqueViolation,
        format!(
            "duplicate key value violates unique constraint \"{}\"",
            pk.name
        ),
    )
    .with_detail(format!(
        "Key ({})={} already exists.",
        names.join(", "),
        describe_row(&values)
    ))
    .with_constraint(&table.schema, &table.name, &pk.name)
}

/// Which unique constraint an ON CONFLICT clause arbitrates on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arbiter {
    /// The primary key.
    Primary,
    /// Secondary index `n` of the plan's index list.
    Index(usize),
    /// Every unique constraint (DO NOTHING without a target).
    Any,
}

/// ON CONFLICT handling.
#[derive(Debug)]
pub enum OnConflict {
    /// Raise 23505.
    Error,
    /// Skip the row.
    Nothing,
    /// Update the existing row: assignments over `existing ++ excluded`.
    Update {
        /// (column, expression).
        sets: Vec<(usize, Expr)>,
        /// Optional WHERE.
        filter: Option<Expr>,
    },
}

/// A planned INSERT.
#[derive(Debug)]
pub struct InsertPlan {
    /// Target table.
    pub table: Arc<TableDesc>,
    /// Rows to insert, one value per physical column.
    pub source: Node,
    /// Whether the source must be read completely before writing (it may
    /// read the target table).
    pub materialize: bool,
    /// ON CONFLICT behaviour.
    pub on_conflict: OnConflict,
    /// The constraint ON CONFLICT arbitrates on.
    pub arbiter: Arbiter,
    /// The table's secondary indexes.
    pub indexes: Vec<BoundIndex>,
    /// The table's CHECK constraints.
    pub checks: Vec<BoundCheck>,
    /// The table's generation expressions.
    pub generated: BoundGenerated,
    /// The table's foreign keys (both ways with DO UPDATE).
    pub fks: FkSlot,
    /// RETURNING expressions over the new row.
    pub returning: Vec<Expr>,
    /// RETURNING columns.
    pub columns: Vec<OutputColumn>,
}

/// Plans INSERT.
pub fn plan_insert(
    insert: &ast::Insert,
    table: Arc<TableDesc>,
    binder: &mut Binder<'_>,
) -> Result<InsertPlan> {
    let width = table.columns.len();
    let targets: Vec<usize> = if insert.columns.is_empty() {
        table.visible_columns().map(|(i, _)| i).collect()
    } else {
        let mut t = Vec::new();
        for name in &insert.columns {
            let n = column_ref_name(name);
            let i = table
                .column_index(&n)
                .ok_or_else(|| no_such_column(&table, &n))?;
            if t.contains(&i) {
                return Err(EngineError::new(
                    SqlState::DuplicateColumn,
                    format!("column \"{n}\" specified more than once"),
                ));
            }
            t.push(i);
        }
        t
    };
    let overriding = crate::sql::overriding::of(insert)?;
    let mut defaults = Vec::with_capacity(width);
    for col in 0..width {
        defaults.push(bind_default(&table, col, binder)?);
    }
    let empty = Scope::default();
    let columns_out: Vec<OutputColumn> = table
        .columns
        .iter()
        .map(|c| OutputColumn {
            name: c.name.clone(),
            ty: c.ty,
        })
        .collect();
    let too_many = || {
        EngineError::new(
            SqlState::SyntaxError,
            "INSERT has more expressions than target columns",
        )
    };
    let (source, materialize) = match insert.source.as_deref() {
        None => (
            Node::Values {
                rows: vec![defaults.clone()],
                columns: columns_out.clone(),
            },
            false,
        ),
        Some(q) => match q.body.as_ref() {
            ast::SetExpr::Values(v) if q.order_by.is_none() && q.limit_clause.is_none() => {
                let mut rows = Vec::new();
                for r in &v.rows {
                    if r.content.len() > targets.len() {
                        return Err(too_many());
                    }
                    let mut row = defaults.clone();
                    for (e, &col) in r.content.iter().zip(&targets) {
                        row[col] =
                            if is_default_keyword(e) || takes_identity(&table, col, overriding)? {
                                defaults[col].clone()
                            } else {
                                let b = binder.bind(e, &empty)?;
                                binder.coerce(b, table.columns[col].ty, CastKind::Assignment)?
                            };
                    }
                    rows.push(row);
                }
                (
                    Node::Values {
                        rows,
                        columns: columns_out.clone(),
                    },
                    false,
                )
            }
            _ => {
                let query = binder.plan_query(q)?;
                let qcols = query.columns();
                if qcols.len() > targets.len() {
                    return Err(too_many());
                }
                let mut exprs = defaults.clone();
                for (i, &col) in targets.iter().enumerate().take(qcols.len()) {
                    if takes_identity(&table, col, overriding)? {
                        continue;
                    }
                    exprs[col] = binder.coerce(
                        Expr::Column(i, qcols[i].ty),
                        table.columns[col].ty,
                        CastKind::Assignment,
                    )?;
                }
                (
                    Node::Project {
                        input: Box::new(query),
                        exprs,
                        columns: columns_out.clone(),
                    },
                    true,
                )
            }
        },
    };
    let scope = table_scope(&table, &table.name);
    let indexes = bind_indexes(&table, binder)?;
    let mut arbiter = Arbiter::Primary;
    let on_conflict = match &insert.on {
        None => OnConflict::Error,
        Some(ast::OnInsert::OnConflict(oc)) => {
            match &oc.conflict_target {
                None => arbiter = Arbiter::Any,
                Some(ast::ConflictTarget::Columns(cols)) => {
                    let mut names: Vec<String> = cols.iter().map(ident_name).collect();
                    names.sort();
                    let columns_of = |ix: &crate::catalog::IndexDesc| -> Option<Vec<String>> {
                        let mut v = Vec::new();
                        for ic in &ix.columns {
                            if ic.expr.is_some() {
                                return None;
                            }
                            v.push(table.columns[ic.column].name.clone());
                        }
                        v.sort();
                        Some(v)
                    };
                    if columns_of(table.primary()).as_ref() == Some(&names)
                        && !table.has_hidden_rowid()
                    {
                        arbiter = Arbiter::Primary;
                    } else if let Some(i) = indexes.iter().position(|ix| {
                        ix.desc.unique
                            && ix.desc.valid
                            && ix.desc.predicate.is_none()
                            && columns_of(&ix.desc).as_ref() == Some(&names)
                    }) {
                        arbiter = Arbiter::Index(i);
                    } else {
                        return Err(EngineError::new(
                            SqlState::InvalidColumnReference,
                            "there is no unique or exclusion constraint matching the ON CONFLICT specification",
                        ));
                    }
                }
                Some(ast::ConflictTarget::OnConstraint(name)) => {
                    let n = column_ref_name(name);
                    if table.primary().name == n {
                        arbiter = Arbiter::Primary;
                    } else if let Some(i) = indexes
                        .iter()
                        .position(|ix| ix.desc.unique && ix.desc.name == n)
                    {
                        arbiter = Arbiter::Index(i);
                    } else {
                        return Err(EngineError::new(
                            SqlState::UndefinedObject,
                            format!(
                                "constraint \"{n}\" for table \"{}\" does not exist",
                                table.name
                            ),
                        ));
                    }
                }
            }
            match &oc.action {
                ast::OnConflictAction::DoNothing => OnConflict::Nothing,
                ast::OnConflictAction::DoUpdate(du) => {
                    if oc.conflict_target.is_none() {
                        return Err(EngineError::new(
                            SqlState::SyntaxError,
                            "ON CONFLICT DO UPDATE requires inference specification or constraint name",
                        ));
                    }
                    let mut both = scope.clone();
                    both.columns
                        .extend(table.columns.iter().map(|c| ScopeColumn {
                            table: Some("excluded".into()),
                            name: c.name.clone(),
                            ty: c.ty,
                            hidden: false,
                        }));
                    let mut sets = Vec::new();
                    for a in &du.assignments {
                        let ast::AssignmentTarget::ColumnName(name) = &a.target else {
                            return Err(EngineError::unsupported("tuple assignment"));
                        };
                        let n = column_ref_name(name);
                        let col = table
                            .column_index(&n)
                            .ok_or_else(|| no_such_column(&table, &n))?;
                        if table.columns[col].generated && !is_default_keyword(&a.value) {
                            return Err(update_generated(&table.columns[col].name));
                        }
                        let e = if is_default_keyword(&a.value) {
                            bind_default(&table, col, binder)?
                        } else {
                            binder.bind(&a.value, &both)?
                        };
                        sets.push((
                            col,
                            binder.coerce(e, table.columns[col].ty, CastKind::Assignment)?,
                        ));
                    }
                    let filter = match &du.selection {
                        Some(w) => {
                            let e = binder.bind(w, &both)?;
                            Some(binder.coerce(e, SqlType::Bool, CastKind::Implicit)?)
                        }
                        None => None,
                    };
                    OnConflict::Update { sets, filter }
                }
            }
        }
        Some(_) => return Err(EngineError::unsupported("ON DUPLICATE KEY")),
    };
    let (returning, columns) = bind_returning(&insert.returning, &table, &scope, binder)?;
    let checks = bind_checks(&table, binder)?;
    let generated = bind_generated(&table, binder)?;
    let fks = FkSlot::new(matches!(on_conflict, OnConflict::Update { .. }));
    Ok(InsertPlan {
        table,
        source,
        materialize,
        on_conflict,
        arbiter,
        indexes,
        checks,
        generated,
        fks,
        returning,
        columns,
    })
}

fn returning_row<T: Transaction>(
    exprs: &[Expr],
    row: &[Value],
    ctx: &mut Ctx<'_, T>,
    out: &mut DmlOutcome,
) -> Result<()> {
    if exprs.is_empty() {
        return Ok(());
    }
    let mut r = Vec::with_capacity(exprs.len());
    for e in exprs {
        r.push(e.eval(row, ctx)?);
    }
    out.rows.push(&r, ctx)
}

/// The full primary key of an existing row that conflicts with `row` on
/// the arbiter constraint, if any.
fn find_conflict<T: Transaction>(
    plan: &InsertPlan,
    row: &[Value],
    key: &[u8],
    ctx: &mut Ctx<'_, T>,
) -> Result<Option<Vec<u8>>> {
    let table = &plan.table;
    let mut buf = Vec::new();
    let pk_conflict = |ctx: &mut Ctx<'_, T>, buf: &mut Vec<u8>| -> Result<Option<Vec<u8>>> {
        if table.has_hidden_rowid() {
            return Ok(None);
        }
        Ok(ctx.txn.get_for_update(key, buf)?.then(|| key.to_vec()))
    };
    match plan.arbiter {
        Arbiter::Primary => pk_conflict(ctx, &mut buf),
        Arbiter::Index(i) => find_unique(table, &plan.indexes[i], row, ctx),
        Arbiter::Any => {
            if let Some(k) = pk_conflict(ctx, &mut buf)? {
                return Ok(Some(k));
            }
            for ix in plan.indexes.iter().filter(|ix| ix.desc.unique) {
                if let Some(k) = find_unique(table, ix, row, ctx)? {
                    return Ok(Some(k));
                }
            }
            Ok(None)
        }
    }
}

/// Inserts `row` (conformed to the table's types in place), with the key
/// and value buffers of the statement's scratch pool.
fn insert_one<T: Transaction, R: RowIds>(
    plan: &InsertPlan,
    row: &mut [Value],
    ctx: &mut Ctx<'_, T>,
    rowids: &R,
    out: &mut DmlOutcome,
    (touched, fk): (&mut HashSet<Vec<u8>>, &mut FkState),
) -> Result<()> {
    let mut key = ctx.scratch.take_bytes();
    let mut value = ctx.scratch.take_bytes();
    let r = insert_row(
        plan,
        row,
        ctx,
        rowids,
        out,
        (touched, fk),
        &mut key,
        &mut value,
    );
    ctx.scratch.give_bytes(key);
    ctx.scratch.give_bytes(value);
    r
}

#[allow(clippy::too_many_arguments)]
fn insert_row<T: Transaction, R: RowIds>(
    plan: &InsertPlan,
    row: &mut [Value],
    ctx: &mut Ctx<'_, T>,
    rowids: &R,
    out: &mut DmlOutcome,
    (touched, fk): (&mut HashSet<Vec<u8>>, &mut FkState),
    key: &mut Vec<u8>,
    value: &mut Vec<u8>,
) -> Result<()> {
    let table = &plan.table;
    compute_generated(&plan.generated, row, ctx)?;
    conform_row(table, row)?;
    enforce_checks(&plan.checks, table, row, ctx)?;
    if table.has_hidden_rowid() {
        let id = rowids.next_rowid(ctx.txn, table)?;
        primary_key(key, table, row, id)?;
    } else {
        primary_key(key, table, row, 0)?;
    }
    if !matches!(plan.on_conflict, OnConflict::Error) {
        if let Some(existing_key) = find_conflict(plan, row, key, ctx)? {
            out.conflicting += 1;
            let OnConflict::Update { sets, filter } = &plan.on_conflict else {
                return Ok(()); // DO NOTHING
            };
            if !touched.insert(existing_key.clone()) {
                return Err(EngineError::new(
                    SqlState::CardinalityViolation,
                    "ON CONFLICT DO UPDATE command cannot affect row a second time",
                )
                .with_hint("Ensure that no rows proposed for insertion within the same command have duplicate constrained values."));
            }
            if !ctx.txn.get_for_update(&existing_key, value)? {
                return Err(EngineError::internal("conflicting row vanished"));
            }
            let mut existing = Vec::new();
            decode_values(table, value, &mut existing)?;
            let mut both = existing.clone();
            both.extend(row.iter().cloned());
            if let Some(f) = filter {
                if !f.holds(&both, ctx)? {
                    return Ok(());
                }
            }
            let mut updated = existing.clone();
            for (col, e) in sets {
                updated[*col] = e.eval(&both, ctx)?;
            }
            compute_generated(&plan.generated, &mut updated, ctx)?;
            conform_row(table, &mut updated)?;
            enforce_checks(&plan.checks, table, &updated, ctx)?;
            let mut new_key = Vec::new();
            if table.has_hidden_rowid() {
                new_key.extend_from_slice(&existing_key);
            } else {
                primary_key(&mut new_key, table, &updated, 0)?;
            }
            if new_key != existing_key {
                return Err(EngineError::unsupported(
                    "ON CONFLICT DO UPDATE changing the primary key",
                ));
            }
            delete_entries(table, &plan.indexes, &existing, &existing_key, ctx)?;
            encode_values(value, &updated);
            ctx.txn.put(&existing_key, value)?;
            insert_entries(table, &plan.indexes, &updated, &existing_key, ctx, false)?;
            fk.updating(&existing, &updated, ctx)?;
            fk.written(Some(&existing), &updated, ctx)?;
            out.count += 1;
            return returning_row(&plan.returning, &updated, ctx, out);
        }
    }
    if !table.has_hidden_rowid() && ctx.txn.get_for_update(key, value)? {
        return Err(duplicate_key(table, row));
    }
    encode_values(value, row);
    ctx.txn.put(key, value)?;
    insert_entries(table, &plan.indexes, row, key, ctx, false)?;
    fk.written(None, row, ctx)?;
    if matches!(plan.on_conflict, OnConflict::Update { .. }) {
        touched.insert(key.clone());
    }
    out.count += 1;
    out.inserted += 1;
    returning_row(&plan.returning, row, ctx, out)
}

/// Executes a planned INSERT.
pub fn run_insert<T: Transaction, R: RowIds>(
    plan: &InsertPlan,
    ctx: &mut Ctx<'_, T>,
    rowids: &R,
) -> Result<DmlOutcome> {
    let mut out = DmlOutcome::default();
    let mut touched = HashSet::new();
    let mut fk = FkState::begin(&plan.fks, &plan.table, ctx)?;
    if plan.materialize {
        for mut row in collect(&plan.source, ctx)? {
            ctx.check_interrupt()?;
            insert_one(
                plan,
                &mut row,
                ctx,
                rowids,
                &mut out,
                (&mut touched, &mut fk),
            )?;
        }
    } else {
        let mut buf = ctx.scratch.take_row();
        let r = run(&plan.source, ctx, &mut |ctx, row| {
            copy_row(&mut buf, row);
            insert_one(
                plan,
                &mut buf,
                ctx,
                rowids,
                &mut out,
                (&mut touched, &mut fk),
            )?;
            Ok(Flow::Continue)
        });
        ctx.scratch.give_row(buf);
        r?;
    }
    fk.finish(ctx)?;
    Ok(out)
}

/// The relation an UPDATE or DELETE changes: a table, or a simple view
/// over one (its columns renamed, its WHERE clause added to the statement's).
#[derive(Debug, Clone)]
pub struct Target {
    /// The table whose rows change.
    pub table: Arc<TableDesc>,
    /// The columns as the statement names them (over the table's row).
    pub scope: Scope,
    /// The view's own predicate, over the table's row.
    pub view_filter: Option<Expr>,
    /// The relation's name (the table's, or the view's).
    pub name: String,
    /// The name the statement refers to it by (its alias, or its name).
    pub qualifier: String,
}

impl Target {
    /// A plain table, named `qualifier` in the statement.
    pub fn table(table: Arc<TableDesc>, qualifier: &str) -> Self {
        Target {
            scope: table_scope(&table, qualifier),
            name: table.name.clone(),
            qualifier: qualifier.to_string(),
            table,
            view_filter: None,
        }
    }

    fn column(&self, name: &str) -> Result<usize> {
        self.scope
            .columns
            .iter()
            .position(|c| !c.hidden && c.name == name)
            .ok_or_else(|| no_such_column(&self.table, name))
    }
}

/// A planned UPDATE or DELETE.
#[derive(Debug)]
pub struct ModifyPlan {
    /// Target table.
    pub table: Arc<TableDesc>,
    /// The rows to visit (filter included).
    pub scan: ScanPlan,
    /// Assignments (empty for DELETE).
    pub sets: Vec<(usize, Expr)>,
    /// The table's secondary indexes.
    pub indexes: Vec<BoundIndex>,
    /// The table's CHECK constraints (none for DELETE).
    pub checks: Vec<BoundCheck>,
    /// The table's generation expressions (none for DELETE).
    pub generated: BoundGenerated,
    /// The table's foreign keys, both ways.
    pub fks: FkSlot,
    /// RETURNING expressions over the new (UPDATE) or old (DELETE) row
    /// (followed by the FROM row with `from`).
    pub returning: Vec<Expr>,
    /// RETURNING columns.
    pub columns: Vec<OutputColumn>,
    /// `UPDATE ... FROM` / `DELETE ... USING`: the FROM items joined to
    /// each target row; assignments and RETURNING then read the target row
    /// followed by the first FROM row that joins it.
    pub from: Option<FromJoin>,
    /// Conditions over the target row followed by the row joined to it
    /// (the FROM row of `UPDATE ... FROM`, MERGE's source row): re-checked
    /// with that row on the newest version of the target row, which is
    /// skipped when they no longer hold (EvalPlanQual; see [`recheck`]).
    pub join_recheck: Option<Expr>,
}

fn plan_scan(
    target: &Target,
    selection: Option<&AstExpr>,
    binder: &mut Binder<'_>,
) -> Result<ScanPlan> {
    let table = &target.table;
    let filter = match selection {
        Some(w) => {
            binder.no_aggs = Some("WHERE");
            let e = binder.bind(w, &target.scope);
            binder.no_aggs = None;
            Some(binder.coerce(e?, SqlType::Bool, CastKind::Implicit)?)
        }
        None => None,
    };
    let filter = match (filter, target.view_filter.clone()) {
        (Some(a), Some(b)) => Some(Expr::And(Box::new(b), Box::new(a))),
        (a, b) => a.or(b),
    };
    Ok(ScanPlan {
        access: choose_access(table, filter.as_ref()),
        table: Arc::clone(table),
        reverse: false,
        filter,
        filter_text: selection.map(|w| w.to_string()),
        // The statement's alias of a table (`UPDATE t AS x`), for EXPLAIN.
        alias: (target.name == table.name && target.qualifier != table.name)
            .then(|| target.qualifier.clone()),
        lock: None,
        needed: None,
        sample: None,
        ordered: false,
        index_only: false,
    })
}

/// The assignments of UPDATE (or of MERGE's UPDATE action): (column,
/// expression over the rows of `scope`).
pub(crate) fn bind_sets(
    assignments: &[ast::Assignment],
    target: &Target,
    scope: &Scope,
    binder: &mut Binder<'_>,
) -> Result<Vec<(usize, Expr)>> {
    let table = &target.table;
    let mut sets: Vec<(usize, Expr)> = Vec::new();
    let mut field_sets: Vec<usize> = Vec::new();
    for a in assignments {
        let ast::AssignmentTarget::ColumnName(name) = &a.target else {
            return Err(EngineError::unsupported("tuple assignment in UPDATE"));
        };
        // `SET c.f = v`: field `f` of composite column `c`.
        let field = match name.0.as_slice() {
            [c, f] => Some((
                c.as_ident().map(ident_name).unwrap_or_default(),
                f.as_ident().map(ident_name).unwrap_or_default(),
            )),
            [_, _, ..] => {
                return Err(EngineError::unsupported(format!(
                    "assignment to nested field {name}"
                )))
            }
            _ => None,
        };
        let n = match &field {
            Some((c, _)) => c.clone(),
            None => column_ref_name(name),
        };
        let col = target.column(&n)?;
        // Several fields of one composite column may be assigned: each
        // applies to the row the previous one built.
        let earlier_field = match &field {
            Some(_) if field_sets.contains(&col) => sets
                .iter()
                .position(|(c, _)| *c == col)
                .map(|i| sets.remove(i).1),
            _ => None,
        };
        if sets.iter().any(|(c, _)| *c == col) || (field.is_none() && field_sets.contains(&col)) {
            return Err(EngineError::new(
                SqlState::DuplicateColumn,
                format!("multiple assignments to same column \"{n}\""),
            ));
        }
        let e = if is_default_keyword(&a.value) {
            bind_default(table, col, binder)?
        } else if table.columns[col].generated {
            return Err(update_generated(&table.columns[col].name));
        } else if let Some(c) = table.columns[col]
            .identity
            .filter(|i| i.always)
            .map(|_| &table.columns[col])
        {
            return Err(EngineError::new(
                SqlState::GeneratedAlways,
                format!("column \"{}\" can only be updated to DEFAULT", c.name),
            )
            .with_detail(format!(
                "Column \"{}\" is an identity column defined as GENERATED ALWAYS.",
                c.name
            )));
        } else {
            binder.bind(&a.value, scope)?
        };
        let e = match &field {
            Some((c, f)) => {
                field_sets.push(col);
                let old = earlier_field.unwrap_or_else(|| Expr::Column(col, table.columns[col].ty));
                binder.bind_field_assignment(old, c, f, e)?
            }
            None => e,
        };
        sets.push((
            col,
            binder.coerce(e, table.columns[col].ty, CastKind::Assignment)?,
        ));
    }
    Ok(sets)
}

/// Plans UPDATE.
pub fn plan_update(
    update: &ast::Update,
    target: Target,
    binder: &mut Binder<'_>,
) -> Result<ModifyPlan> {
    let (name, alias) = (target.name.clone(), target.qualifier.clone());
    plan_update_inner(update, target, binder).map_err(|e| aliased_target_error(e, &name, &alias))
}

fn plan_update_inner(
    update: &ast::Update,
    target: Target,
    binder: &mut Binder<'_>,
) -> Result<ModifyPlan> {
    let items = match &update.from {
        None => None,
        Some(ast::UpdateTableFromKind::AfterSet(items)) => Some(items),
        Some(ast::UpdateTableFromKind::BeforeSet(_)) => {
            return Err(EngineError::new(
                SqlState::SyntaxError,
                "syntax error at or near \"FROM\"",
            ))
        }
    };
    let table = Arc::clone(&target.table);
    let (scope, from, selection) = join_from(&target, items, update.selection.as_ref(), binder)?;
    let sets = bind_sets(&update.assignments, &target, &scope, binder)?;
    let scan = plan_scan(&target, selection.as_ref(), binder)?;
    let join_recheck = from.as_ref().and_then(|f| f.recheck.clone());
    let from = from.map(|f| f.join_target(&scan));
    let (returning, columns) = bind_returning(&update.returning, &table, &scope, binder)?;
    let indexes = bind_indexes(&table, binder)?;
    let checks = bind_checks(&table, binder)?;
    let generated = bind_generated(&table, binder)?;
    Ok(ModifyPlan {
        table,
        scan,
        sets,
        indexes,
        checks,
        generated,
        fks: FkSlot::new(true),
        returning,
        columns,
        from,
        join_recheck,
    })
}

/// The scope of an UPDATE's or DELETE's expressions, its FROM (USING)
/// items (to be joined to the target's scan) and the WHERE conditions its
/// target's scan applies.
fn join_from(
    target: &Target,
    items: Option<&Vec<ast::TableWithJoins>>,
    selection: Option<&AstExpr>,
    binder: &mut Binder<'_>,
) -> Result<(Scope, Option<PlannedFrom>, Option<AstExpr>)> {
    match items {
        None => Ok((target.scope.clone(), None, selection.cloned())),
        Some(items) => {
            let mut p = binder.plan_dml_from(&target.scope, &target.qualifier, items, selection)?;
            let (scope, filter) = (std::mem::take(&mut p.scope), p.target_filter.take());
            Ok((scope, Some(p), filter))
        }
    }
}

/// Plans DELETE.
pub fn plan_delete(
    delete: &ast::Delete,
    target: Target,
    binder: &mut Binder<'_>,
) -> Result<ModifyPlan> {
    let (name, alias) = (target.name.clone(), target.qualifier.clone());
    plan_delete_inner(delete, target, binder).map_err(|e| aliased_target_error(e, &name, &alias))
}

fn plan_delete_inner(
    delete: &ast::Delete,
    target: Target,
    binder: &mut Binder<'_>,
) -> Result<ModifyPlan> {
    let table = Arc::clone(&target.table);
    let (scope, from, selection) = join_from(
        &target,
        delete.using.as_ref(),
        delete.selection.as_ref(),
        binder,
    )?;
    let scan = plan_scan(&target, selection.as_ref(), binder)?;
    let join_recheck = from.as_ref().and_then(|f| f.recheck.clone());
    let from = from.map(|f| f.join_target(&scan));
    let (returning, columns) = bind_returning(&delete.returning, &table, &scope, binder)?;
    let indexes = bind_indexes(&table, binder)?;
    Ok(ModifyPlan {
        table,
        scan,
        sets: Vec::new(),
        indexes,
        checks: Vec::new(),
        generated: Vec::new(),
        fks: FkSlot::new(true),
        returning,
        columns,
        from,
        join_recheck,
    })
}

/// Locks the row at `key` for `plan`'s change (`FOR UPDATE`, or `FOR NO
/// KEY UPDATE` for an UPDATE of no key column: see [`row_locks`]) and
/// reads its newest version into `row`; `false` when it is gone.
pub(crate) fn lock_newest<T: Transaction>(
    plan: &ModifyPlan,
    key: &[u8],
    ctx: &mut Ctx<'_, T>,
    row: &mut Vec<Value>,
) -> Result<bool> {
    // An UPDATE has at least one assignment; a DELETE none.
    let delete = plan.sets.is_empty();
    let strength =
        row_locks::modify_strength(&plan.table, delete, plan.sets.iter().map(|(c, _)| *c));
    let mut buf = ctx.scratch.take_bytes();
    let found = match row_locks::lock_for_change(ctx, strength, key, &mut buf) {
        Ok(true) => decode_values(&plan.table, &buf, row).map(|()| true),
        Ok(false) => Ok(false),
        Err(e) => Err(e),
    };
    ctx.scratch.give_bytes(buf);
    found
}

/// Locks the row at `key` and reads its newest version into `row`
/// ([`lock_newest`]);
/// `false` when it is gone or no longer satisfies the scan's filter, or,
/// joined to the FROM (USING) row `from`, the join conditions
/// (EvalPlanQual).
fn recheck<T: Transaction>(
    plan: &ModifyPlan,
    key: &[u8],
    ctx: &mut Ctx<'_, T>,
    row: &mut Vec<Value>,
    from: &[Value],
) -> Result<bool> {
    if !lock_newest(plan, key, ctx, row)? {
        return Ok(false);
    }
    if let Some(f) = &plan.scan.filter {
        if !f.holds(row, ctx)? {
            return Ok(false);
        }
    }
    match &plan.join_recheck {
        Some(cond) if !from.is_empty() => joined(row, from, ctx, |both, ctx| cond.holds(both, ctx)),
        _ => Ok(true),
    }
}

/// The buffers of one row change, borrowed from the statement's scratch
/// pool.
struct RowBufs {
    old: Vec<Value>,
    new: Vec<Value>,
    key: Vec<u8>,
    value: Vec<u8>,
}

impl RowBufs {
    fn take<T: Transaction>(ctx: &mut Ctx<'_, T>) -> Self {
        RowBufs {
            old: ctx.scratch.take_row(),
            new: ctx.scratch.take_row(),
            key: ctx.scratch.take_bytes(),
            value: ctx.scratch.take_bytes(),
        }
    }

    fn give<T: Transaction>(self, ctx: &mut Ctx<'_, T>) {
        ctx.scratch.give_row(self.old);
        ctx.scratch.give_row(self.new);
        ctx.scratch.give_bytes(self.key);
        ctx.scratch.give_bytes(self.value);
    }
}

/// Updates the row at `key`; `from` is the FROM items' row joined to it
/// (empty without FROM).
pub(crate) fn update_one<T: Transaction>(
    plan: &ModifyPlan,
    key: &[u8],
    ctx: &mut Ctx<'_, T>,
    (out, fk): (&mut DmlOutcome, &mut FkState),
    from: &[Value],
) -> Result<()> {
    let mut bufs = RowBufs::take(ctx);
    let r = update_row(plan, key, ctx, (out, fk), &mut bufs, from);
    bufs.give(ctx);
    r
}

/// Runs `f` over `row` followed by `from` (over `row` itself when `from`
/// is empty), the joined row borrowed from the statement's scratch pool.
fn joined<T: Transaction, R>(
    row: &[Value],
    from: &[Value],
    ctx: &mut Ctx<'_, T>,
    f: impl FnOnce(&[Value], &mut Ctx<'_, T>) -> Result<R>,
) -> Result<R> {
    if from.is_empty() {
        return f(row, ctx);
    }
    let mut both = ctx.scratch.take_row();
    both.clear();
    both.extend_from_slice(row);
    both.extend_from_slice(from);
    let r = f(&both, ctx);
    ctx.scratch.give_row(both);
    r
}

fn update_row<T: Transaction>(
    plan: &ModifyPlan,
    key: &[u8],
    ctx: &mut Ctx<'_, T>,
    (out, fk): (&mut DmlOutcome, &mut FkState),
    bufs: &mut RowBufs,
    from: &[Value],
) -> Result<()> {
    let table = &plan.table;
    let RowBufs {
        old,
        new: row,
        key: new_key,
        value,
    } = bufs;
    if !recheck(plan, key, ctx, old, from)? {
        return Ok(());
    }
    copy_row(row, old);
    joined(old, from, ctx, |old, ctx| {
        for (col, e) in &plan.sets {
            e.eval_into(old, ctx, &mut row[*col])?;
        }
        Ok(())
    })?;
    compute_generated(&plan.generated, row, ctx)?;
    conform_row(table, row)?;
    enforce_checks(&plan.checks, table, row, ctx)?;
    if table.has_hidden_rowid() {
        new_key.clear();
        new_key.extend_from_slice(key);
    } else {
        primary_key(new_key, table, row, 0)?;
    }
    update_entries(table, &plan.indexes, (old, key), (row, new_key), ctx)?;
    if new_key.as_slice() != key {
        ctx.txn.delete(key)?;
        if ctx.txn.get_for_update(new_key, value)? {
            return Err(duplicate_key(table, row));
        }
    }
    encode_values(value, row);
    ctx.txn.put(new_key, value)?;
    if !fk.is_empty() {
        fk.updating(old, row, ctx)?;
        fk.written(Some(old), row, ctx)?;
    }
    out.count += 1;
    joined(row, from, ctx, |row, ctx| {
        returning_row(&plan.returning, row, ctx, out)
    })
}

/// Deletes the row at `key`; `from` is the USING items' row joined to it
/// (empty without USING).
pub(crate) fn delete_one<T: Transaction>(
    plan: &ModifyPlan,
    key: &[u8],
    ctx: &mut Ctx<'_, T>,
    (out, fk): (&mut DmlOutcome, &mut FkState),
    from: &[Value],
) -> Result<()> {
    let mut old = ctx.scratch.take_row();
    let r = (|| {
        if recheck(plan, key, ctx, &mut old, from)? {
            delete_entries(&plan.table, &plan.indexes, &old, key, ctx)?;
            ctx.txn.delete(key)?;
            fk.deleting(&old, ctx)?;
            out.count += 1;
            joined(&old, from, ctx, |row, ctx| {
                returning_row(&plan.returning, row, ctx, out)
            })?;
        }
        Ok(())
    })();
    ctx.scratch.give_row(old);
    r
}

/// Executes UPDATE (`delete == false`) or DELETE.
pub fn run_modify<T: Transaction>(
    plan: &ModifyPlan,
    delete: bool,
    ctx: &mut Ctx<'_, T>,
) -> Result<DmlOutcome> {
    if let Some(from) = &plan.from {
        return crate::exec::update_from::run_modify_from(plan, from, delete, ctx);
    }
    let mut out = DmlOutcome::default();
    let moves_keys = !delete
        && plan.sets.iter().any(|(c, _)| {
            plan.table
                .primary()
                .columns
                .iter()
                .any(|ic| ic.column == *c)
        });
    let via_index = matches!(
        plan.scan.access,
        crate::plan::node::Access::IndexScan { .. }
            | crate::plan::node::Access::KeyRange { index: 1.., .. }
    );
    let mut fk = FkState::begin(&plan.fks, &plan.table, ctx)?;
    let mut apply = |key: &[u8], ctx: &mut Ctx<'_, T>, out: &mut DmlOutcome| -> Result<()> {
        if delete {
            delete_one(plan, key, ctx, (out, &mut fk), &[])
        } else {
            update_one(plan, key, ctx, (out, &mut fk), &[])
        }
    };
    // EXPLAIN ANALYZE counts the scan's rows and time.
    let mut timer = crate::exec::instrument::ScanTimer::start(ctx);
    if moves_keys || via_index {
        // Rows whose keys change (or that an index scan could meet again)
        // are collected first, then changed.
        let mut keys = Vec::new();
        scan_rows(&plan.scan, ctx, &mut |_, key, _| {
            if let Some(t) = timer.as_mut() {
                t.row();
            }
            keys.push(key.to_vec());
            Ok(Flow::Continue)
        })?;
        if let Some(t) = timer.take() {
            t.finish(ctx, &plan.scan);
        }
        for key in keys {
            ctx.check_interrupt()?;
            apply(&key, ctx, &mut out)?;
        }
    } else {
        scan_rows(&plan.scan, ctx, &mut |ctx, key, _| {
            let at = timer.as_mut().map(|t| t.row());
            apply(key, ctx, &mut out)?;
            if let (Some(t), Some(at)) = (timer.as_mut(), at) {
                t.back(at);
            }
            Ok(Flow::Continue)
        })?;
        if let Some(t) = timer.take() {
            t.finish(ctx, &plan.scan);
        }
    }
    fk.finish(ctx)?;
    Ok(out)
}

/// The target of UPDATE/DELETE on `name`: a table, or a simple view (one
/// table, plain column references, optional WHERE) resolved to its table.
pub fn modify_target(
    name: &ast::ObjectName,
    alias: Option<String>,
    binder: &mut Binder<'_>,
) -> Result<Target> {
    let view = match binder.resolve_target(name)? {
        Relation::Table(t) => {
            let q = alias.unwrap_or_else(|| t.name.clone());
            return Ok(Target::table(t, &q));
        }
        Relation::View(v) => v,
        Relation::System(s) => return Err(crate::catalog::system_catalog_error(s.name)),
        Relation::Sequence(s) => return Err(crate::catalog::sequence_write_error(&s.name)),
        Relation::Type(_) | Relation::Domain(_) => {
            return Err(EngineError::internal("a type is not a relation"))
        }
    };
    let not_updatable = |why: &str| {
        EngineError::new(
            SqlState::FeatureNotSupported,
            format!("cannot change view \"{}\"", view.name),
        )
        .with_detail(why.to_string())
    };
    let parsed = crate::sql::parse(&view.sql)?;
    let [crate::sql::Parsed::Statement(stmt)] = parsed.as_slice() else {
        return Err(EngineError::internal("stored view is not one query"));
    };
    let ast::Statement::Query(q) = stmt.as_ref() else {
        return Err(EngineError::internal("stored view is not a query"));
    };
    let ast::SetExpr::Select(sel) = q.body.as_ref() else {
        return Err(not_updatable(
            "Views containing UNION, INTERSECT, or EXCEPT are not automatically updatable.",
        ));
    };
    let simple = q.with.is_none()
        && q.limit_clause.is_none()
        && q.order_by.is_none()
        && sel.distinct.is_none()
        && sel.having.is_none()
        && matches!(&sel.group_by, ast::GroupByExpr::Expressions(e, _) if e.is_empty());
    if !simple {
        return Err(not_updatable("Views containing DISTINCT, GROUP BY, HAVING, LIMIT or WITH are not automatically updatable."));
    }
    let [twj] = sel.from.as_slice() else {
        return Err(not_updatable(
            "Views that do not select from a single table or view are not automatically updatable.",
        ));
    };
    let ast::TableFactor::Table {
        name: base_name,
        alias: base_alias,
        args: None,
        ..
    } = &twj.relation
    else {
        return Err(not_updatable(
            "Views that do not select from a single table or view are not automatically updatable.",
        ));
    };
    if !twj.joins.is_empty() {
        return Err(not_updatable(
            "Views that do not select from a single table or view are not automatically updatable.",
        ));
    }
    // The view's base table is named in the view's body: resolved as a
    // view resolves its names (never to a temp table).
    binder.expanding_views.push(view.oid);
    let base = binder.resolve_target(base_name);
    binder.expanding_views.pop();
    let Relation::Table(base) = base? else {
        return Err(EngineError::unsupported("changing a view over a view"));
    };
    let base_q = base_alias
        .as_ref()
        .map(|a| ident_name(&a.name))
        .unwrap_or_else(|| base.name.clone());
    let base_scope = table_scope(&base, &base_q);
    let view_q = alias.unwrap_or_else(|| view.name.clone());
    let mut scope = table_scope(&base, &view_q);
    let (name, qualifier) = (view.name.clone(), view_q);
    for c in &mut scope.columns {
        c.hidden = true;
    }
    for (i, item) in sel.projection.iter().enumerate() {
        let e = match item {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => e,
            _ => {
                return Err(not_updatable(
                    "Views with * or qualified wildcards are not supported for changes yet.",
                ))
            }
        };
        let AstExpr::Identifier(id) = e else {
            // A computed column: it cannot be assigned (nor, here, referenced).
            continue;
        };
        let pos = base
            .column_index(&ident_name(id))
            .ok_or_else(|| no_such_column(&base, &ident_name(id)))?;
        if let Some(name) = view.columns.get(i) {
            scope.columns[pos].name = name.clone();
            scope.columns[pos].hidden = false;
        }
    }
    let view_filter = match &sel.selection {
        Some(w) => {
            let e = binder.bind(w, &base_scope)?;
            Some(binder.coerce(e, SqlType::Bool, CastKind::Implicit)?)
        }
        None => None,
    };
    Ok(Target {
        table: base,
        scope,
        view_filter,
        name,
        qualifier,
    })
}
