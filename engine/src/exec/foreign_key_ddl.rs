//! FOREIGN KEY DDL: `REFERENCES` column constraints and `FOREIGN KEY`
//! table constraints of CREATE TABLE, `ALTER TABLE ... ADD ... FOREIGN KEY
//! [NOT VALID]`, and what dropping tables and columns does to foreign keys.
//!
//! A new foreign key is checked as PostgreSQL's `ATAddForeignKeyConstraint`
//! checks it: the referenced relation must be a table (42809) of the same
//! persistence (42P16); the referenced columns (the primary key when none
//! are named: 42830 without one) must be exactly the columns of a unique
//! index without expressions (42830 `there is no unique constraint
//! matching given keys ...`); the column counts must agree (42830) and
//! each pair of types must be comparable (42804 `... cannot be
//! implemented`). `DEFERRABLE [INITIALLY DEFERRED]` is recorded (the
//! checks wait as [`crate::exec::deferred_fks`] describes). What is not
//! implemented is refused with 0A000: MATCH PARTIAL (PostgreSQL refuses it
//! too) and MySQL's `[NOT] ENFORCED`.

use rocksgres_storage::{LockMode, Transaction};
use sqlparser::ast::{self as ast, ColumnOption, ConstraintReferenceMatchKind, ReferentialAction};

use crate::catalog::{
    self, constraint, FkAction, ForeignKeyDesc, IndexDesc, Relation, SearchPath, TableDesc,
};
use crate::error::{EngineError, Result, SqlState};
use crate::interrupt::Interrupt;
use crate::sql::identifiers::ident_name;
use crate::types::{can_cast, CastKind, SqlType};

/// PostgreSQL's identifier limit.
const MAX_IDENTIFIER: usize = 63;

/// Splits the REFERENCES options off a column definition: the definition
/// without them, and each as a one-column FOREIGN KEY constraint (a
/// `CONSTRAINT name` before REFERENCES names it).
pub fn split_column_fks(c: &ast::ColumnDef) -> (ast::ColumnDef, Vec<ast::ForeignKeyConstraint>) {
    let mut rest = c.clone();
    rest.options
        .retain(|o| !matches!(o.option, ColumnOption::ForeignKey(_)));
    let fks = c
        .options
        .iter()
        .filter_map(|o| match &o.option {
            ColumnOption::ForeignKey(k) => {
                let mut k = k.clone();
                if k.name.is_none() {
                    k.name = o.name.clone();
                }
                if k.columns.is_empty() {
                    k.columns = vec![c.name.clone()];
                }
                Some(k)
            }
            _ => None,
        })
        .collect();
    (rest, fks)
}

fn action(a: &Option<ReferentialAction>) -> FkAction {
    match a {
        None | Some(ReferentialAction::NoAction) => FkAction::NoAction,
        Some(ReferentialAction::Restrict) => FkAction::Restrict,
        Some(ReferentialAction::Cascade) => FkAction::Cascade,
        Some(ReferentialAction::SetNull) => FkAction::SetNull,
        Some(ReferentialAction::SetDefault) => FkAction::SetDefault,
    }
}

/// What a FOREIGN KEY clause says besides its columns and actions.
struct Clause {
    /// `ON DELETE SET NULL|DEFAULT (cols)`'s columns.
    delete_set: Vec<String>,
    match_full: bool,
    deferrable: bool,
    initially_deferred: bool,
}

/// Reads MATCH and the deferral characteristics (INITIALLY DEFERRED
/// implies DEFERRABLE, as in PostgreSQL's grammar), refusing (0A000) what
/// is parsed but not implemented.
fn check_clause(c: &ast::ForeignKeyConstraint) -> Result<Clause> {
    let mut clause = Clause {
        delete_set: Vec::new(),
        match_full: false,
        deferrable: false,
        initially_deferred: false,
    };
    if let Some(ch) = &c.characteristics {
        clause.initially_deferred = matches!(ch.initially, Some(ast::DeferrableInitial::Deferred));
        if clause.initially_deferred && ch.deferrable == Some(false) {
            return Err(EngineError::new(
                SqlState::SyntaxError,
                "constraint declared INITIALLY DEFERRED must be DEFERRABLE",
            ));
        }
        clause.deferrable = ch.deferrable.unwrap_or(clause.initially_deferred);
        if ch.enforced.is_some() {
            return Err(EngineError::unsupported(
                "ENFORCED on foreign key constraints",
            ));
        }
    }
    match crate::sql::fk_set_columns::columns(c) {
        None => {}
        Some(Ok(cols)) => clause.delete_set = cols,
        Some(Err(())) => return Err(EngineError::unsupported("an index name in FOREIGN KEY")),
    }
    clause.match_full = match c.match_kind {
        None | Some(ConstraintReferenceMatchKind::Simple) => false,
        Some(ConstraintReferenceMatchKind::Full) => true,
        Some(ConstraintReferenceMatchKind::Partial) => {
            return Err(EngineError::new(
                SqlState::FeatureNotSupported,
                "MATCH PARTIAL not yet implemented",
            ))
        }
    };
    Ok(clause)
}

fn column_of(table: &TableDesc, id: &ast::Ident) -> Result<usize> {
    let n = ident_name(id);
    table.column_index(&n).ok_or_else(|| {
        EngineError::new(
            SqlState::UndefinedColumn,
            format!("column \"{n}\" referenced in foreign key constraint does not exist"),
        )
    })
}

/// Whether PostgreSQL can compare a referencing `fk` value with a
/// referenced `pk` value: the same type (any modifier), two integer types
/// (one btree family), or an implicit cast from `fk` to `pk`.
fn comparable(fk: &SqlType, pk: &SqlType) -> bool {
    fk.oid() == pk.oid()
        || (fk.is_integer() && pk.is_integer())
        || can_cast(fk, pk, CastKind::Implicit)
}

/// `<col1>_<col2>...` as PostgreSQL's `ChooseForeignKeyConstraintNameAddition`
/// builds it (cut at the identifier limit).
fn name_addition(table: &TableDesc, cols: &[usize]) -> String {
    let mut s = String::new();
    for &c in cols {
        let name = &table.columns[c].name;
        if !s.is_empty() {
            s.push('_');
        }
        s.push_str(name);
        if s.len() >= MAX_IDENTIFIER {
            break;
        }
    }
    let mut n = s.len().min(MAX_IDENTIFIER);
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    s.truncate(n);
    s
}

fn is_temp_schema(schema: &str) -> bool {
    schema.starts_with("pg_temp")
}

/// Builds the foreign key `c` of `table` (stored by the caller), checking
/// it as the module docs say; `taken` holds the constraint names chosen
/// earlier in the same command. With `validate` the existing rows are
/// checked (ALTER TABLE ... ADD without NOT VALID).
pub fn build_fk<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    table: &TableDesc,
    c: &ast::ForeignKeyConstraint,
    taken: &[String],
    validate: Option<(i64, &mut Interrupt)>,
) -> Result<ForeignKeyDesc> {
    let clause = check_clause(c)?;
    let parent_name = c
        .foreign_table
        .0
        .last()
        .and_then(|p| p.as_ident())
        .map(ident_name)
        .unwrap_or_default();
    let parent = match catalog::resolve_relation(&mut *txn, path, &c.foreign_table)? {
        Relation::Table(t) if t.id == table.id => std::sync::Arc::new(table.clone()),
        Relation::Table(t) => t,
        _ => {
            return Err(EngineError::new(
                SqlState::WrongObjectType,
                format!("referenced relation \"{parent_name}\" is not a table"),
            ))
        }
    };
    if is_temp_schema(&table.schema) != is_temp_schema(&parent.schema) {
        return Err(EngineError::new(
            SqlState::InvalidTableDefinition,
            if is_temp_schema(&table.schema) {
                "constraints on temporary tables may reference only temporary tables"
            } else {
                "constraints on permanent tables may reference only permanent tables"
            },
        ));
    }
    if parent.id != table.id {
        let ts = txn.snapshot_ts();
        catalog::lock::lock_table(
            txn,
            parent.id,
            &parent.name,
            LockMode::ShareRowExclusive,
            false,
            ts,
        )?;
    }
    let columns = c
        .columns
        .iter()
        .map(|id| column_of(table, id))
        .collect::<Result<Vec<_>>>()?;
    // The referenced columns: named, or the primary key's.
    let parent_columns: Vec<usize> = if c.referred_columns.is_empty() {
        if parent.primary_key_index().is_some_and(|ix| ix.deferrable) {
            return Err(EngineError::new(
                SqlState::ObjectNotInPrerequisiteState,
                format!(
                    "cannot use a deferrable primary key for referenced table \"{}\"",
                    parent.name
                ),
            ));
        }
        if parent.has_hidden_rowid() {
            return Err(EngineError::new(
                SqlState::InvalidForeignKey,
                format!(
                    "there is no primary key for referenced table \"{}\"",
                    parent.name
                ),
            ));
        }
        parent
            .primary()
            .columns
            .iter()
            .map(|ic| ic.column)
            .collect()
    } else {
        c.referred_columns
            .iter()
            .map(|id| column_of(&parent, id))
            .collect::<Result<Vec<_>>>()?
    };
    let mut sorted = parent_columns.clone();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return Err(EngineError::new(
            SqlState::InvalidForeignKey,
            "foreign key referenced-columns list must not contain duplicates",
        ));
    }
    let matching = |ix: &&IndexDesc| {
        let mut cols: Vec<usize> = Vec::new();
        for ic in &ix.columns {
            if ic.expr.is_some() {
                return false;
            }
            cols.push(ic.column);
        }
        cols.sort_unstable();
        ix.unique && ix.predicate.is_none() && !ix.columns.is_empty() && cols == sorted
    };
    let index = parent
        .indexes
        .iter()
        .filter(|ix| !ix.deferrable)
        .find(matching)
        .ok_or_else(|| {
            if parent.indexes.iter().any(|ix| matching(&ix)) {
                // As PostgreSQL: a deferrable one matches, but cannot do.
                return EngineError::new(
                    SqlState::ObjectNotInPrerequisiteState,
                    format!(
                        "cannot use a deferrable unique constraint for referenced table \"{}\"",
                        parent.name
                    ),
                );
            }
            EngineError::new(
                SqlState::InvalidForeignKey,
                format!(
                    "there is no unique constraint matching given keys for referenced table \"{}\"",
                    parent.name
                ),
            )
        })?;
    if columns.len() != parent_columns.len() {
        return Err(EngineError::new(
            SqlState::InvalidForeignKey,
            "number of referencing and referenced columns for foreign key disagree",
        ));
    }
    let name = match c.name.as_ref().map(ident_name) {
        Some(n) => {
            if taken.contains(&n) || constraint::constraint_names(table).any(|x| x == n) {
                return Err(EngineError::new(
                    SqlState::DuplicateObject,
                    format!(
                        "constraint \"{n}\" for relation \"{}\" already exists",
                        table.name
                    ),
                ));
            }
            n
        }
        None => constraint::choose_constraint_name(
            txn,
            table,
            Some(&name_addition(table, &columns)),
            "fkey",
            taken,
        )?,
    };
    for (&fc, &pc) in columns.iter().zip(&parent_columns) {
        let (ft, pt) = (&table.columns[fc].ty, &parent.columns[pc].ty);
        if !comparable(ft, pt) {
            return Err(EngineError::new(
                SqlState::DatatypeMismatch,
                format!("foreign key constraint \"{name}\" cannot be implemented"),
            )
            .with_detail(format!(
                "Key columns \"{}\" and \"{}\" are of incompatible types: {} and {}.",
                table.columns[fc].name,
                parent.columns[pc].name,
                ft.display_name(),
                pt.display_name()
            )));
        }
    }
    let on_delete = action(&c.on_delete);
    let on_update = action(&c.on_update);
    let mut delete_set_columns = Vec::with_capacity(clause.delete_set.len());
    for n in &clause.delete_set {
        let col = column_of(table, &ast::Ident::with_quote('"', n.clone()))?;
        if !columns.contains(&col) {
            return Err(EngineError::new(
                SqlState::InvalidColumnReference,
                format!(
                    "column \"{n}\" referenced in ON DELETE SET action must be part of foreign key"
                ),
            ));
        }
        delete_set_columns.push(col);
    }
    let fk = ForeignKeyDesc {
        name,
        oid: catalog::allocate_id(txn)?,
        columns,
        parent: parent.id,
        parent_columns,
        parent_index: index.id,
        on_update,
        on_delete,
        delete_set_columns,
        match_full: clause.match_full,
        validated: true,
        deferrable: clause.deferrable,
        initially_deferred: clause.initially_deferred,
    };
    if let Some((now, interrupt)) = validate {
        crate::exec::foreign_keys::validate(txn, table, &fk, &parent, now, interrupt)?;
    }
    Ok(fk)
}

/// Adds the foreign keys of a CREATE TABLE (column constraints first, then
/// table constraints, as PostgreSQL names them) to the new `table`.
pub fn create_fks<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    table: &mut TableDesc,
    clauses: &[ast::ForeignKeyConstraint],
) -> Result<()> {
    let mut taken: Vec<String> = Vec::new();
    for c in clauses {
        let fk = build_fk(txn, path, table, c, &taken, None)?;
        taken.push(fk.name.clone());
        table.foreign_keys.push(fk);
    }
    Ok(())
}

/// ALTER TABLE ... ADD [CONSTRAINT name] FOREIGN KEY ... [NOT VALID].
pub fn add_fk<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    table: &mut TableDesc,
    c: &ast::ForeignKeyConstraint,
    not_valid: bool,
    now: i64,
    interrupt: &mut Interrupt,
) -> Result<()> {
    let validate = (!not_valid).then_some((now, interrupt));
    let mut fk = build_fk(txn, path, table, c, &[], validate)?;
    fk.validated = !not_valid;
    table.foreign_keys.push(fk);
    Ok(())
}

/// ALTER TABLE ... VALIDATE CONSTRAINT of a foreign key; `false` when
/// `name` is no foreign key of `table`.
pub fn validate_fk<T: Transaction>(
    txn: &mut T,
    table: &mut TableDesc,
    name: &str,
    now: i64,
    interrupt: &mut Interrupt,
) -> Result<bool> {
    let Some(pos) = table.foreign_keys.iter().position(|f| f.name == name) else {
        return Ok(false);
    };
    if !table.foreign_keys[pos].validated {
        let fk = table.foreign_keys[pos].clone();
        let parent = if fk.parent == table.id {
            table.clone()
        } else {
            catalog::foreign_key::table_by_id(txn, fk.parent)?
                .ok_or_else(|| EngineError::internal("foreign key to a missing table"))?
        };
        crate::exec::foreign_keys::validate(txn, table, &fk, &parent, now, interrupt)?;
        table.foreign_keys[pos].validated = true;
    }
    Ok(true)
}

/// Drops foreign key `name` of `table`; `false` when there is none.
pub fn drop_fk(table: &mut TableDesc, name: &str) -> bool {
    let before = table.foreign_keys.len();
    table.foreign_keys.retain(|f| f.name != name);
    table.foreign_keys.len() != before
}

/// Drops the foreign keys of `table` whose referencing columns include
/// column `pos` (before the column is dropped), as PostgreSQL drops a
/// column's constraints with it (those referencing the column are
/// [`drop_dependent_fks`]'s).
pub fn drop_column_fks(table: &mut TableDesc, pos: usize) {
    table.foreign_keys.retain(|f| !f.columns.contains(&pos));
}

/// The foreign keys of other tables that reference `table` (for DROP TABLE
/// and TRUNCATE): (referencing table, constraint name).
pub fn referenced_by<T: Transaction>(
    txn: &mut T,
    table: &TableDesc,
) -> Result<Vec<(TableDesc, String)>> {
    let mut out = Vec::new();
    for (child, fks) in catalog::foreign_key::referencing(txn, table.id)? {
        if child.id == table.id {
            continue;
        }
        for i in fks {
            let name = child.foreign_keys[i].name.clone();
            out.push((child.clone(), name));
        }
    }
    Ok(out)
}

/// Drops the foreign keys of other tables that reference one of `ids`
/// (DROP TABLE ... CASCADE); returns the notices PostgreSQL gives.
pub fn drop_referencing<T: Transaction>(txn: &mut T, ids: &[u32]) -> Result<Vec<String>> {
    let mut notices = Vec::new();
    for mut t in catalog::all_tables(txn)? {
        if ids.contains(&t.id) {
            continue;
        }
        let before = t.foreign_keys.len();
        t.foreign_keys.retain(|f| {
            let hit = ids.contains(&f.parent);
            if hit {
                notices.push(format!(
                    "drop cascades to constraint {} on table {}",
                    f.name, t.name
                ));
            }
            !hit
        });
        if t.foreign_keys.len() != before {
            catalog::update_table(txn, &t)?;
        }
    }
    Ok(notices)
}

/// The tables TRUNCATE empties: `names`, and with CASCADE every table
/// referencing one of them (transitively), each with PostgreSQL's notice
/// `truncate cascades to table "c"`. Without CASCADE a table referenced
/// from outside the list is 0A000, as in PostgreSQL.
pub fn truncate_targets<T: Transaction>(
    txn: &mut T,
    path: &SearchPath,
    names: &[ast::ObjectName],
    cascade: bool,
) -> Result<(Vec<ast::ObjectName>, Vec<String>)> {
    let mut ids = Vec::new();
    for n in names {
        let (schema, name) = crate::exec::ddl::existing_table(txn, path, n, "truncate")?;
        if let Some(Some(_)) = crate::exec::ddl::other_relation(txn, &schema, &name)? {
            return Err(crate::exec::ddl::not_a_table(&name));
        }
        if let Some(t) = catalog::lookup_table(txn, &schema, &name)? {
            ids.push(t.id);
        }
    }
    let mut out = names.to_vec();
    let mut notices = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let id = ids[i];
        i += 1;
        let Some(parent) = catalog::foreign_key::table_by_id(txn, id)? else {
            continue;
        };
        for (child, _) in catalog::foreign_key::referencing(txn, id)? {
            if ids.contains(&child.id) {
                continue;
            }
            if !cascade {
                return Err(EngineError::new(
                    SqlState::FeatureNotSupported,
                    "cannot truncate a table referenced in a foreign key constraint",
                )
                .with_detail(format!(
                    "Table \"{}\" references \"{}\".",
                    child.name, parent.name
                ))
                .with_hint(format!(
                    "Truncate table \"{}\" at the same time, or use TRUNCATE ... CASCADE.",
                    child.name
                )));
            }
            notices.push(format!("truncate cascades to table \"{}\"", child.name));
            ids.push(child.id);
            let mut parts = Vec::new();
            if child.schema != catalog::DEFAULT_SCHEMA {
                parts.push(ast::Ident::with_quote('"', child.schema.clone()));
            }
            parts.push(ast::Ident::with_quote('"', child.name.clone()));
            out.push(ast::ObjectName::from(parts));
        }
    }
    Ok((out, notices))
}

/// The foreign keys that depend on a part of `table` a DROP removes
/// (`depends` tells which: referenced columns, or the referenced index),
/// in other tables and in `table` itself. Without `cascade` they fail the
/// DROP of `what` ("column a of table t", "index i") with 2BP01, each
/// DETAIL line ending in `on` ("column a of table t", "index i"); with
/// `cascade` they are dropped and the NOTICE is returned.
pub fn drop_dependent_fks<T: Transaction>(
    txn: &mut T,
    table: &mut TableDesc,
    depends: impl Fn(&ForeignKeyDesc) -> bool,
    (what, on): (&str, &str),
    cascade: bool,
) -> Result<Option<String>> {
    let mut dropped = Vec::new();
    let mut children = Vec::new();
    for (child, fks) in catalog::foreign_key::referencing(txn, table.id)? {
        if child.id == table.id {
            continue;
        }
        let hit: Vec<u32> = fks
            .into_iter()
            .map(|i| &child.foreign_keys[i])
            .filter(|f| depends(f))
            .map(|f| {
                dropped.push(format!("constraint {} on table {}", f.name, child.name));
                f.oid
            })
            .collect();
        if !hit.is_empty() {
            children.push((child, hit));
        }
    }
    let own = |f: &ForeignKeyDesc| f.parent == table.id && depends(f);
    for f in table.foreign_keys.iter().filter(|f| own(f)) {
        dropped.push(format!("constraint {} on table {}", f.name, table.name));
    }
    if dropped.is_empty() {
        return Ok(None);
    }
    if !cascade {
        let lines: Vec<String> = dropped
            .iter()
            .map(|d| format!("{d} depends on {on}"))
            .collect();
        return Err(crate::exec::dependents::still_exist(what, &lines));
    }
    for (mut child, hit) in children {
        child.foreign_keys.retain(|f| !hit.contains(&f.oid));
        catalog::update_table(txn, &child)?;
    }
    let id = table.id;
    table
        .foreign_keys
        .retain(|f| !(f.parent == id && depends(f)));
    Ok(crate::exec::dependents::cascade_notice(&dropped))
}

/// DROP TABLE of `dropping` (table ids): without CASCADE 2BP01 when a
/// table not dropped references one of them; with CASCADE those foreign
/// keys are dropped, with PostgreSQL's notices.
pub fn drop_tables_fks<T: Transaction>(
    txn: &mut T,
    dropping: &[TableDesc],
    cascade: bool,
) -> Result<Vec<String>> {
    let ids: Vec<u32> = dropping.iter().map(|t| t.id).collect();
    if !cascade {
        for t in dropping {
            let lines: Vec<String> = referenced_by(txn, t)?
                .into_iter()
                .filter(|(child, _)| !ids.contains(&child.id))
                .map(|(child, name)| {
                    format!(
                        "constraint {name} on table {} depends on table {}",
                        child.name, t.name
                    )
                })
                .collect();
            if !lines.is_empty() {
                return Err(crate::exec::dependents::still_exist(
                    &format!("table {}", t.name),
                    &lines,
                ));
            }
        }
        return Ok(Vec::new());
    }
    drop_referencing(txn, &ids)
}

#[cfg(test)]
mod tests {
    use crate::catalog::constraint::make_object_name;

    #[test]
    fn object_name_of_a_foreign_key() {
        assert_eq!(make_object_name("c", Some("a_b"), "fkey"), "c_a_b_fkey");
    }
}
