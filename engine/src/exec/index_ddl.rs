//! CREATE INDEX, ALTER INDEX ... RENAME TO and DROP INDEX.

use rocksgres_storage::{LockMode, Transaction};
use sqlparser::ast;

use crate::catalog::{self, IndexColumn, IndexDesc, Relation, SearchPath, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::exec::ddl::{existing_table, table_name};
use crate::exec::index::backfill;
use crate::interrupt::Interrupt;
use crate::plan::bind::Binder;
use crate::plan::bound_index::bind_index;
use crate::sql::identifiers::ident_name;

/// PostgreSQL's generated index name: `<table>_<col>_<col>_idx`, made
/// unique with a number suffix.
fn generated_name<T: Transaction>(
    txn: &mut T,
    table: &TableDesc,
    cols: &[String],
) -> Result<String> {
    let base = format!("{}_{}_idx", table.name, cols.join("_"));
    let mut name = base.clone();
    let mut n = 0;
    while catalog::relation_exists(txn, &table.schema, &name)? {
        n += 1;
        name = format!("{}_{}_idx{n}", table.name, cols.join("_"));
    }
    Ok(name)
}

/// CREATE [UNIQUE] INDEX; returns notices. The backfill stops with 57014
/// when `interrupt` fires. The index is in its table's schema (so an
/// index on a temp table is temp too).
pub fn create_index<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    ci: &ast::CreateIndex,
    now: i64,
    interrupt: Interrupt,
) -> Result<Vec<String>> {
    let (table, bound) = match define(txn, path, ci, LockMode::Share)? {
        Defined::Skip(notices) => return Ok(notices),
        Defined::New(table, bound) => (*table, *bound),
    };
    let mut ctx = Ctx::new(txn, &[], now);
    ctx.interrupt = interrupt;
    backfill(&table, &bound, &mut ctx)?;
    catalog::register_index_name(txn, &table.schema, &bound.desc.name, table.id)?;
    catalog::update_table(txn, &table)?;
    Ok(Vec::new())
}

/// A CREATE INDEX checked and added to its table's definition (in
/// memory): the table with it, and the index bound over the table.
enum Defined {
    /// IF NOT EXISTS found the name taken: the notice.
    Skip(Vec<String>),
    /// The new index (the last of the table's indexes).
    New(Box<TableDesc>, Box<crate::plan::bound_index::BoundIndex>),
}

/// Checks a CREATE INDEX, takes `mode` on its table and adds the index to
/// the table's definition (not yet stored, nor filled).
fn define<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    ci: &ast::CreateIndex,
    mode: LockMode,
) -> Result<Defined> {
    check_index_options(ci)?;
    let (schema, tname) = existing_table(txn, path, &ci.table_name, "create indexes on")?;
    if let Some(Some(kind)) = crate::exec::ddl::other_relation(txn, &schema, &tname)? {
        if kind == crate::exec::ddl::RelationKind::Index {
            return Err(EngineError::new(
                SqlState::WrongObjectType,
                format!("\"{tname}\" is an index"),
            ));
        }
        return Err(EngineError::new(
            SqlState::WrongObjectType,
            format!("cannot create index on relation \"{tname}\""),
        )
        .with_detail(format!(
            "This operation is not supported for {}.",
            kind.plural()
        )));
    }
    let Some(mut table) = catalog::lock::lock_named(txn, &schema, &tname, mode)? else {
        return Err(EngineError::new(
            SqlState::UndefinedTable,
            format!("relation \"{tname}\" does not exist"),
        ));
    };
    let mut columns = Vec::new();
    let mut name_parts = Vec::new();
    for c in &ci.columns {
        let descending = matches!(c.column.options.sort, Some(ast::OrderBySort::Desc));
        let nulls_first = c.column.options.nulls_first.unwrap_or(descending);
        match &c.column.expr {
            ast::Expr::Identifier(id) => {
                let n = ident_name(id);
                let column = table.column_index(&n).ok_or_else(|| {
                    EngineError::new(
                        SqlState::UndefinedColumn,
                        format!("column \"{n}\" does not exist"),
                    )
                })?;
                crate::exec::ddl::check_key_column(&table.columns[column])?;
                name_parts.push(n);
                columns.push(IndexColumn {
                    column,
                    expr: None,
                    descending,
                    nulls_first,
                });
            }
            other => {
                let text = other.to_string();
                name_parts.push(match other {
                    ast::Expr::Function(f) => f
                        .name
                        .0
                        .last()
                        .and_then(|p| p.as_ident())
                        .map(ident_name)
                        .unwrap_or_else(|| "expr".into()),
                    _ => "expr".into(),
                });
                columns.push(IndexColumn {
                    column: 0,
                    expr: Some(text),
                    descending,
                    nulls_first,
                });
            }
        }
    }
    let mut include = Vec::new();
    for c in &ci.include {
        let n = ident_name(c);
        let column = table.column_index(&n).ok_or_else(|| {
            EngineError::new(
                SqlState::UndefinedColumn,
                format!("column \"{n}\" does not exist"),
            )
        })?;
        name_parts.push(n);
        include.push(column);
    }
    let name = match &ci.name {
        Some(n) => {
            let n = table_name(n)?;
            if catalog::relation_exists(txn, &table.schema, &n)? {
                if ci.if_not_exists {
                    return Ok(Defined::Skip(vec![format!(
                        "relation \"{n}\" already exists, skipping"
                    )]));
                }
                return Err(EngineError::new(
                    SqlState::DuplicateTable,
                    format!("relation \"{n}\" already exists"),
                ));
            }
            n
        }
        None => generated_name(txn, &table, &name_parts)?,
    };
    let (oid, _) = catalog::allocate_index_oids(txn, false)?;
    let ix = IndexDesc {
        id: table.next_index_id,
        name: name.clone(),
        columns,
        unique: ci.unique,
        primary: false,
        oid,
        constraint_oid: 0,
        nulls_not_distinct: ci.nulls_distinct == Some(false),
        predicate: ci.predicate.as_ref().map(ToString::to_string),
        include,
        valid: true,
        deferrable: false,
        initially_deferred: false,
    };
    table.next_index_id += 1;
    table.indexes.push(ix.clone());
    let bound = {
        let mut lookup = |_: &ast::ObjectName, _: bool| -> Result<Relation> {
            Err(EngineError::unsupported("subqueries in index expressions"))
        };
        let mut binder = Binder::new(Vec::new(), &mut lookup);
        bind_index(&table, &ix, &mut binder)?
    };
    for key in &bound.keys {
        crate::exec::ddl::check_key_type(key.ty())?;
        if !crate::exec::generated::is_immutable(key) {
            return Err(EngineError::new(
                SqlState::InvalidObjectDefinition,
                "functions in index expression must be marked IMMUTABLE",
            ));
        }
    }
    if let Some(p) = &bound.predicate {
        if !crate::exec::generated::is_immutable(p) {
            return Err(EngineError::new(
                SqlState::InvalidObjectDefinition,
                "functions in index predicate must be marked IMMUTABLE",
            ));
        }
    }
    Ok(Defined::New(Box::new(table), Box::new(bound)))
}

/// Rows read per transaction by CREATE INDEX CONCURRENTLY's backfill.
const CONCURRENT_BATCH: usize = 1024;

/// `CREATE INDEX CONCURRENTLY`: builds the index without holding off
/// writers, as PostgreSQL does, in transactions of its own (`begin` opens
/// one; `committed` runs after each commit that changed a definition):
///
/// 1. The index is added to the table's definition as not valid, under
///    SHARE UPDATE EXCLUSIVE (which writers do not wait for), and the
///    commit marks the definition changed
///    ([`Transaction::mark_definition_changed`]): a writer that planned
///    before it finds the table changed when it takes its lock and plans
///    again (see [`catalog::lock`]), so writers maintain the index from
///    then on. Then it waits for the writers that already held their lock,
///    as PostgreSQL waits for lockers: their rows are committed (or gone)
///    before the backfill reads.
/// 2. The rows are indexed in batches of [`CONCURRENT_BATCH`], each in its
///    own transaction: each row is locked (a shared row lock, which a
///    writer's row lock waits for) and its newest committed version
///    indexed, so an entry never outlives the version it came from. A key
///    another row already holds fails with 23505.
/// 3. The index is marked valid (SHARE UPDATE EXCLUSIVE, which writers do
///    not wait for); queries use it from then on.
///
/// A failure after step 1 leaves the index in place, not valid (as
/// PostgreSQL's INVALID index), to be dropped or rebuilt.
pub fn create_index_concurrently<T: Transaction>(
    begin: &mut dyn FnMut() -> Result<T>,
    committed: &dyn Fn(),
    path: &SearchPath,
    ci: &ast::CreateIndex,
    now: i64,
    interrupt: Interrupt,
) -> Result<Vec<String>> {
    // 1. The definition, not valid.
    let mut txn = begin()?;
    let (table_id, index_id) = match define(&mut txn, path, ci, LockMode::ShareUpdateExclusive) {
        Ok(Defined::Skip(notices)) => {
            txn.rollback();
            return Ok(notices);
        }
        Ok(Defined::New(mut table, bound)) => {
            let r = (|| {
                if let Some(ix) = table.indexes.last_mut() {
                    ix.valid = false;
                }
                catalog::register_index_name(&mut txn, &table.schema, &bound.desc.name, table.id)?;
                catalog::update_table(&mut txn, &table)?;
                txn.mark_definition_changed(table.id);
                Ok(())
            })();
            if let Err(e) = r {
                txn.rollback();
                return Err(e);
            }
            txn.commit()?;
            committed();
            // The writers that held their lock before: their rows must be
            // committed (or gone) before the backfill reads.
            let mut wait = begin()?;
            let waited = wait.wait_for_table_lockers(table.id, LockMode::Share);
            wait.rollback();
            waited?;
            (table.id, bound.desc.id)
        }
        Err(e) => {
            txn.rollback();
            return Err(e);
        }
    };
    // 2. The rows, in batches.
    let mut from: Option<Vec<u8>> = None;
    loop {
        let mut txn = begin()?;
        let r = backfill_batch(
            &mut txn,
            table_id,
            index_id,
            from.as_deref(),
            now,
            &interrupt,
        );
        match r {
            Ok(next) => {
                txn.commit()?;
                match next {
                    Some(k) => from = Some(k),
                    None => break,
                }
            }
            Err(e) => {
                txn.rollback();
                return Err(e);
            }
        }
    }
    // 3. Valid.
    let mut txn = begin()?;
    let r = (|| {
        let Some(mut table) =
            catalog::lock::lock_found(&mut txn, LockMode::ShareUpdateExclusive, |txn| {
                catalog::foreign_key::table_by_id(txn, table_id)
            })?
        else {
            return Err(dropped_meanwhile());
        };
        let Some(ix) = table.indexes.iter_mut().find(|ix| ix.id == index_id) else {
            return Err(dropped_meanwhile());
        };
        ix.valid = true;
        catalog::update_table(&mut txn, &table)
    })();
    match r {
        Ok(()) => {
            txn.commit()?;
            committed();
            Ok(Vec::new())
        }
        Err(e) => {
            txn.rollback();
            Err(e)
        }
    }
}

fn dropped_meanwhile() -> EngineError {
    EngineError::new(
        SqlState::ObjectNotInPrerequisiteState,
        "index was dropped while CREATE INDEX CONCURRENTLY was building it",
    )
}

/// Indexes up to [`CONCURRENT_BATCH`] rows of table `table_id` after key
/// `from` (from the first without) into index `index_id`; returns the
/// last row key read, `None` at the end of the table.
fn backfill_batch<T: Transaction>(
    txn: &mut T,
    table_id: u32,
    index_id: u32,
    from: Option<&[u8]>,
    now: i64,
    interrupt: &Interrupt,
) -> Result<Option<Vec<u8>>> {
    use rocksgres_storage::{Direction, KeyRange};
    let Some(table) = catalog::foreign_key::table_by_id(txn, table_id)? else {
        return Err(dropped_meanwhile());
    };
    let Some(desc) = table.indexes.iter().find(|ix| ix.id == index_id).cloned() else {
        return Err(dropped_meanwhile());
    };
    let bound = {
        let mut lookup = |_: &ast::ObjectName, _: bool| -> Result<Relation> {
            Err(EngineError::unsupported("subqueries in index expressions"))
        };
        let mut binder = Binder::new(Vec::new(), &mut lookup);
        bind_index(&table, &desc, &mut binder)?
    };
    // The batch's row keys (bounded), read at the snapshot.
    let (start, end) = crate::keys::primary_range(table.storage_id);
    let mut after = Vec::new();
    let lower = match from {
        Some(k) => {
            // The smallest key after `k` (keys are prefix-free).
            after.extend_from_slice(k);
            after.push(0);
            after.as_slice()
        }
        None => start.as_slice(),
    };
    let mut keys: Vec<Vec<u8>> = Vec::with_capacity(CONCURRENT_BATCH);
    {
        let mut cursor = txn.cursor();
        txn.seek(
            &mut cursor,
            KeyRange::half_open(lower, &end),
            Direction::Forward,
        )?;
        while keys.len() < CONCURRENT_BATCH {
            match txn.next(&mut cursor)? {
                Some((k, _)) => keys.push(k.to_vec()),
                None => break,
            }
        }
    }
    let last = (keys.len() == CONCURRENT_BATCH).then(|| keys[keys.len() - 1].clone());
    let mut ctx = Ctx::new(txn, &[], now);
    ctx.interrupt = interrupt.clone();
    let mut value = Vec::new();
    let mut row = Vec::new();
    let mut entry = Vec::new();
    for key in &keys {
        ctx.check_interrupt()?;
        // A writer's row lock waits for this one, and this one for it:
        // the newest committed version is the one to index.
        ctx.txn.lock_shared(key)?;
        if !ctx.txn.get_latest(key, &mut value)?.found {
            continue;
        }
        crate::exec::row::decode_values(&table, &value, &mut row)?;
        crate::exec::index::put_concurrent_entry(&table, &bound, &row, key, &mut ctx, &mut entry)?;
    }
    Ok(last)
}

/// Refuses (0A000) every CREATE INDEX clause the engine does not
/// implement; `USING btree` and `WITH (fillfactor = n)` are what every
/// index is.
fn check_index_options(ci: &ast::CreateIndex) -> Result<()> {
    match &ci.using {
        None | Some(ast::IndexType::BTree) => {}
        Some(other) => {
            return Err(EngineError::unsupported(format!(
                "access method \"{}\"",
                other.to_string().to_lowercase()
            )))
        }
    }
    if ci.columns.iter().any(|c| c.operator_class.is_some()) {
        return Err(EngineError::unsupported("index operator classes"));
    }
    if ci.r#async || !ci.index_options.is_empty() || !ci.alter_options.is_empty() {
        return Err(EngineError::unsupported("this CREATE INDEX option"));
    }
    let mut params = Vec::new();
    for w in &ci.with {
        match w {
            ast::Expr::BinaryOp {
                left,
                op: ast::BinaryOperator::Eq,
                right,
            } => match left.as_ref() {
                ast::Expr::Identifier(key) => params.push(ast::SqlOption::KeyValue {
                    key: key.clone(),
                    value: (**right).clone(),
                }),
                _ => return Err(EngineError::unsupported(format!("storage parameter {w}"))),
            },
            other => {
                return Err(EngineError::unsupported(format!(
                    "storage parameter {other}"
                )))
            }
        }
    }
    crate::exec::ddl::check_storage_parameters(&params)
}

/// DROP INDEX [IF EXISTS] ... [CASCADE]; returns notices. Foreign keys
/// referencing a unique index need CASCADE, which drops them.
pub fn drop_indexes<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    names: &[ast::ObjectName],
    if_exists: bool,
    cascade: bool,
) -> Result<Vec<String>> {
    let mut notices = Vec::new();
    for n in names {
        let (schema, name) =
            catalog::temp::existing_schema(txn, path, n, Some("access"), |txn, s, n| {
                Ok(catalog::index_owner(txn, s, n)?.is_some())
            })?;
        let Some(mut table) = catalog::lock::lock_found(txn, LockMode::AccessExclusive, |txn| {
            catalog::index_owner(txn, &schema, &name)
        })?
        else {
            if if_exists {
                notices.push(format!("index \"{name}\" does not exist, skipping"));
                continue;
            }
            return Err(EngineError::new(
                SqlState::UndefinedObject,
                format!("index \"{name}\" does not exist"),
            ));
        };
        let pos = table
            .indexes
            .iter()
            .position(|ix| ix.name == name)
            .ok_or_else(|| EngineError::internal("index name points at a table without it"))?;
        // The index of a PRIMARY KEY or UNIQUE constraint goes with it.
        if pos == 0 || table.indexes[pos].constraint_oid != 0 {
            return Err(EngineError::new(
                SqlState::DependentObjectsStillExist,
                format!(
                    "cannot drop index {name} because constraint {name} on table {} requires it",
                    table.name
                ),
            )
            .with_hint(format!(
                "You can drop constraint {name} on table {} instead.",
                table.name
            )));
        }
        let id = table.indexes[pos].id;
        let what = format!("index {name}");
        notices.extend(crate::exec::foreign_key_ddl::drop_dependent_fks(
            txn,
            &mut table,
            |f| f.parent_index == id,
            (&what, &what),
            cascade,
        )?);
        table.indexes.remove(pos);
        catalog::unregister_index_name(txn, &table.schema, &name)?;
        catalog::update_table(txn, &table)?;
    }
    Ok(notices)
}

/// Whether index `ix` of `table` depends on column `pos`: as a plain or
/// INCLUDE column, or read by a key expression or the predicate (so
/// dropping the column drops the index, as in PostgreSQL).
pub fn index_reads_column(table: &TableDesc, ix: &IndexDesc, pos: usize) -> Result<bool> {
    if ix.include.contains(&pos)
        || ix
            .columns
            .iter()
            .any(|ic| ic.expr.is_none() && ic.column == pos)
    {
        return Ok(true);
    }
    for text in ix
        .columns
        .iter()
        .filter_map(|ic| ic.expr.as_deref())
        .chain(ix.predicate.as_deref())
    {
        let ast = crate::sql::parse_expr(text)?;
        let bound = crate::plan::check::bind_check(table, &ast)?;
        if crate::plan::check::columns_of(&bound).contains(&pos) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Rewrites the key expressions and predicates of `table`'s indexes for a
/// column renamed from `old` to `new`.
pub fn rename_index_column_refs(table: &mut TableDesc, old: &str, new: &str) -> Result<()> {
    for ix in &mut table.indexes {
        for ic in &mut ix.columns {
            if let Some(e) = &ic.expr {
                ic.expr = Some(catalog::constraint::rename_column_refs(e, old, new)?);
            }
        }
        if let Some(p) = &ix.predicate {
            ix.predicate = Some(catalog::constraint::rename_column_refs(p, old, new)?);
        }
    }
    Ok(())
}

/// ALTER INDEX [IF EXISTS] name RENAME TO new; returns notices. Renaming
/// the index of a PRIMARY KEY or UNIQUE constraint renames the constraint
/// (whose name is its index's).
pub fn rename_index<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    name: &ast::ObjectName,
    to: &ast::ObjectName,
    if_exists: bool,
) -> Result<Vec<String>> {
    let (schema, old) =
        catalog::temp::existing_schema(txn, path, name, Some("access"), |txn, s, n| {
            Ok(catalog::index_owner(txn, s, n)?.is_some())
        })?;
    let Some(mut table) = catalog::lock::lock_found(txn, LockMode::AccessExclusive, |txn| {
        catalog::index_owner(txn, &schema, &old)
    })?
    else {
        if catalog::relation_exists(txn, &schema, &old)? {
            return Err(EngineError::unsupported(
                "ALTER INDEX ... RENAME on a relation that is not an index",
            ));
        }
        if if_exists {
            return Ok(vec![format!("relation \"{old}\" does not exist, skipping")]);
        }
        return Err(EngineError::new(
            SqlState::UndefinedTable,
            format!("relation \"{old}\" does not exist"),
        ));
    };
    let new = table_name(to)?;
    if catalog::relation_exists(txn, &table.schema, &new)? {
        return Err(EngineError::new(
            SqlState::DuplicateTable,
            format!("relation \"{new}\" already exists"),
        ));
    }
    let ix = table
        .indexes
        .iter_mut()
        .find(|ix| ix.name == old)
        .ok_or_else(|| EngineError::internal("index name points at a table without it"))?;
    ix.name = new.clone();
    catalog::unregister_index_name(txn, &table.schema, &old)?;
    catalog::register_index_name(txn, &table.schema, &new, table.id)?;
    catalog::update_table(txn, &table)?;
    Ok(Vec::new())
}
