//! DEFERRABLE PRIMARY KEY constraints and the INCLUDE columns of PRIMARY
//! KEY and UNIQUE constraints.
//!
//! Storage of a deferrable primary key: the primary index (id 1) holds the
//! rows keyed by their primary-key columns, so two rows with one key
//! cannot both be stored there, as a deferred check requires until it
//! runs. A table whose primary key is DEFERRABLE is therefore stored as a
//! table without a primary key (rows keyed by the hidden `int8` row id,
//! [`TableDesc::has_hidden_rowid`]), and the constraint is a *secondary*
//! index marked `primary`: the index of a deferrable UNIQUE constraint in
//! every other respect (non-unique entry layout, checks at the end of the
//! statement or at COMMIT, `SET CONSTRAINTS`: see
//! [`crate::exec::deferred_unique`]), shown in the catalog as PostgreSQL
//! shows a deferrable primary key (`contype 'p'`, `indisprimary`,
//! `indimmediate` false). Its columns are NOT NULL, checked at once as in
//! PostgreSQL. The hidden row-id index then has no name (an empty one, so
//! that no lookup by the constraint's name finds it). Lookups by key go
//! through the secondary index ([`crate::plan::optimize::access`]).
//!
//! INCLUDE columns are catalog-only (an index entry points at the row,
//! which has them): they are recorded in [`IndexDesc::include`] and shown
//! by `pg_index`, `pg_get_constraintdef`, `pg_get_indexdef` and `\d`.

use rocksgres_storage::Transaction;
use sqlparser::ast;

use crate::catalog::{self, ColumnDesc, IndexDesc, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::interrupt::Interrupt;
use crate::sql::identifiers::ident_name;

impl TableDesc {
    /// The index of the table's PRIMARY KEY constraint: the primary index,
    /// or the secondary index of a deferrable primary key; `None` when the
    /// table has no primary key.
    pub fn primary_key_index(&self) -> Option<&IndexDesc> {
        self.indexes
            .iter()
            .find(|ix| ix.primary && !ix.columns.is_empty())
    }
}

/// Column `c`'s PRIMARY KEY option's (DEFERRABLE, INITIALLY DEFERRED).
pub fn column_pk_deferral(c: &ast::ColumnDef) -> Result<(bool, bool)> {
    for o in &c.options {
        if let ast::ColumnOption::PrimaryKey(p) = &o.option {
            return crate::exec::deferred_unique::deferral(&p.characteristics);
        }
    }
    Ok((false, false))
}

/// The positions in `columns` of a constraint's INCLUDE columns (42703
/// "column ... named in key does not exist" for an unknown one, as
/// PostgreSQL).
pub fn include_positions(include: &[ast::Ident], columns: &[ColumnDesc]) -> Result<Vec<usize>> {
    include
        .iter()
        .map(|id| {
            let n = ident_name(id);
            columns
                .iter()
                .position(|c| !c.dropped && c.name == n)
                .ok_or_else(|| {
                    EngineError::new(
                        SqlState::UndefinedColumn,
                        format!("column \"{n}\" named in key does not exist"),
                    )
                })
        })
        .collect()
}

/// Makes the primary key of the new table `desc` (declared on its primary
/// index, before any other index is added) DEFERRABLE: the rows are keyed
/// by the hidden row id and the key moves to a secondary index.
pub fn defer_primary_key<T: Transaction>(
    txn: &mut T,
    desc: &mut TableDesc,
    initially_deferred: bool,
) -> Result<()> {
    let (oid, constraint_oid) = catalog::allocate_index_oids(txn, true)?;
    let mut key = desc.indexes[0].clone();
    key.id = desc.next_index_id;
    key.oid = oid;
    key.constraint_oid = constraint_oid;
    key.deferrable = true;
    key.initially_deferred = initially_deferred;
    desc.next_index_id += 1;
    let rowid = &mut desc.indexes[0];
    rowid.columns.clear();
    rowid.include.clear();
    rowid.name.clear();
    desc.indexes.push(key);
    Ok(())
}

/// 42P16 "multiple primary keys for table ... are not allowed" when
/// `table` has a primary key.
pub fn check_no_primary_key(table: &TableDesc) -> Result<()> {
    if table.primary_key_index().is_some() {
        return Err(EngineError::new(
            SqlState::InvalidTableDefinition,
            format!(
                "multiple primary keys for table \"{}\" are not allowed",
                table.name
            ),
        ));
    }
    Ok(())
}

/// The name of primary key `p` of `table`: as written, else PostgreSQL's
/// `<table>_pkey` (made unique among the schema's relations).
pub fn primary_key_name<T: Transaction>(
    txn: &mut T,
    table: &TableDesc,
    p: &ast::PrimaryKeyConstraint,
) -> Result<String> {
    match p.name.as_ref().map(ident_name) {
        Some(n) => Ok(n),
        None => crate::exec::ddl::choose_relation_name(
            txn,
            &table.schema,
            &table.name,
            None,
            "pkey",
            &[],
        ),
    }
}

/// `ALTER TABLE ... ADD [CONSTRAINT name] PRIMARY KEY (...) DEFERRABLE`:
/// a deferrable UNIQUE constraint's index marked primary (see the module
/// docs), named `<table>_pkey` unless named; its columns become NOT NULL
/// (23502 when a row has a NULL there, checked after the index is built,
/// as PostgreSQL reports a duplicate first).
pub fn add_deferrable_primary_key<T: Transaction>(
    txn: &mut T,
    table: &mut TableDesc,
    p: &ast::PrimaryKeyConstraint,
    now: i64,
    interrupt: &mut Interrupt,
) -> Result<()> {
    check_no_primary_key(table)?;
    let name = primary_key_name(txn, table, p)?;
    let u = ast::UniqueConstraint {
        name: Some(ast::Ident::with_quote('"', name)),
        index_name: None,
        index_type_display: ast::KeyOrIndexDisplay::None,
        index_type: None,
        columns: p.columns.clone(),
        include: p.include.clone(),
        index_options: p.index_options.clone(),
        characteristics: p.characteristics,
        nulls_distinct: ast::NullsDistinctOption::None,
    };
    crate::exec::unique_ddl::add_unique(txn, table, &u, now, interrupt)?;
    let ix = table
        .indexes
        .last_mut()
        .ok_or_else(|| EngineError::internal("new primary key index vanished"))?;
    ix.primary = true;
    let cols: Vec<usize> = ix.columns.iter().map(|ic| ic.column).collect();
    crate::exec::alter::check_not_null(txn, table, &cols, interrupt)?;
    for c in cols {
        table.columns[c].not_null = true;
    }
    Ok(())
}

/// Splits the PRIMARY KEY and UNIQUE options off an `ADD COLUMN`'s
/// column definition: the column to add, and the table constraints that
/// say the same (`ADD COLUMN u int UNIQUE` is `ADD COLUMN u int` then
/// `ADD UNIQUE (u)`, as PostgreSQL runs it).
pub fn split_column_keys(c: &ast::ColumnDef) -> (ast::ColumnDef, Vec<ast::TableConstraint>) {
    let mut column = c.clone();
    let mut keys = Vec::new();
    column.options.retain(|o| {
        let this = || vec![ast::IndexColumn::from(c.name.clone())];
        match &o.option {
            ast::ColumnOption::PrimaryKey(p) => {
                let mut p = p.clone();
                p.name = o.name.clone();
                p.columns = this();
                keys.push(ast::TableConstraint::PrimaryKey(p));
                false
            }
            ast::ColumnOption::Unique(u) => {
                let mut u = u.clone();
                u.name = o.name.clone();
                u.columns = this();
                keys.push(ast::TableConstraint::Unique(u));
                false
            }
            _ => true,
        }
    });
    (column, keys)
}

/// Fills every secondary index of `table` from its rows: after ADD
/// PRIMARY KEY re-keyed the rows into a fresh storage id, whose index
/// ranges are empty (entries hold the primary key, which changed).
pub fn rebuild_secondary_indexes<T: Transaction>(
    txn: &mut T,
    table: &TableDesc,
    now: i64,
    interrupt: &mut Interrupt,
) -> Result<()> {
    let bound = {
        let mut lookup = |_: &ast::ObjectName, _: bool| -> Result<catalog::Relation> {
            Err(EngineError::internal(
                "index expressions have no subqueries",
            ))
        };
        let mut binder = crate::plan::bind::Binder::new(Vec::new(), &mut lookup);
        crate::plan::bound_index::bind_indexes(table, &mut binder)?
    };
    let mut ctx = crate::exec::ctx::Ctx::new(&mut *txn, &[], now);
    ctx.interrupt = interrupt.clone();
    for ix in &bound {
        crate::exec::index::backfill(table, ix, &mut ctx)?;
    }
    Ok(())
}
