//! FOREIGN KEY constraints in the catalog: their descriptor, stored format,
//! names, and the text `pg_get_constraintdef` shows.
//!
//! A foreign key is stored in the descriptor of its *referencing* table
//! ([`ForeignKeyDesc`] in [`TableDesc::foreign_keys`]), naming the
//! referenced table by id and both column lists by position, so renames of
//! tables and columns need no rewriting. The referenced columns are those
//! of a PRIMARY KEY or UNIQUE constraint of the referenced table (its index
//! id is kept, PostgreSQL's `conindid`), which the referencing checks use
//! to find the referenced row.
//!
//! The referenced side is not recorded in the referenced table's
//! descriptor: the tables referencing a table are found by reading the
//! catalog ([`referencing`]) when a statement that changes or drops the
//! referenced table is planned (plans live as long as the catalog version,
//! so this is once per plan).
//!
//! Names follow PostgreSQL's `ChooseForeignKeyConstraintName`:
//! `<table>_<col1>_<col2>..._fkey`, then `fkey1`, `fkey2`, ... until unused
//! in the schema (see [`super::constraint`]).

use rocksgres_storage::Transaction;

use super::desc::{corrupt, get_str, get_u32, get_u8, put_str, put_u32};
use super::TableDesc;
use crate::error::Result;
use crate::sql::identifiers::quote_ident;

/// What happens to referencing rows when the referenced key is deleted or
/// changed (`ON DELETE` / `ON UPDATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FkAction {
    /// NO ACTION (the default): fail at the end of the statement if
    /// referencing rows remain.
    NoAction,
    /// RESTRICT: fail at once if referencing rows exist.
    Restrict,
    /// CASCADE: delete the referencing rows, or change their keys.
    Cascade,
    /// SET NULL.
    SetNull,
    /// SET DEFAULT.
    SetDefault,
}

impl FkAction {
    /// PostgreSQL's `pg_constraint.confupdtype` / `confdeltype` letter.
    pub fn code(self) -> char {
        match self {
            FkAction::NoAction => 'a',
            FkAction::Restrict => 'r',
            FkAction::Cascade => 'c',
            FkAction::SetNull => 'n',
            FkAction::SetDefault => 'd',
        }
    }

    fn from_code(c: u8) -> Result<FkAction> {
        Ok(match c {
            b'a' => FkAction::NoAction,
            b'r' => FkAction::Restrict,
            b'c' => FkAction::Cascade,
            b'n' => FkAction::SetNull,
            b'd' => FkAction::SetDefault,
            _ => return Err(corrupt("unknown foreign key action")),
        })
    }

    /// The SQL words (`SET NULL`), as `pg_get_constraintdef` and
    /// `information_schema` print them.
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }
}

/// A FOREIGN KEY constraint, stored with its referencing table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeyDesc {
    /// Constraint name, unique among the table's constraints.
    pub name: String,
    /// The constraint's OID (`pg_constraint.oid`).
    pub oid: u32,
    /// Referencing columns (positions in this table), in key order.
    pub columns: Vec<usize>,
    /// The referenced table's id.
    pub parent: u32,
    /// Referenced columns (positions in the referenced table), matching
    /// `columns` one to one.
    pub parent_columns: Vec<usize>,
    /// Id of the referenced table's PRIMARY KEY or UNIQUE index whose
    /// columns are `parent_columns`.
    pub parent_index: u32,
    /// ON UPDATE action.
    pub on_update: FkAction,
    /// ON DELETE action.
    pub on_delete: FkAction,
    /// The columns `ON DELETE SET NULL (...)` / `SET DEFAULT (...)` sets
    /// (positions in this table); empty means all of `columns`.
    pub delete_set_columns: Vec<usize>,
    /// MATCH FULL (else MATCH SIMPLE).
    pub match_full: bool,
    /// Whether every row is known to satisfy it (false after `NOT VALID`
    /// until `VALIDATE CONSTRAINT`).
    pub validated: bool,
    /// DEFERRABLE: `SET CONSTRAINTS` may defer its checks to COMMIT.
    pub deferrable: bool,
    /// INITIALLY DEFERRED: its checks wait for COMMIT unless `SET
    /// CONSTRAINTS` says IMMEDIATE.
    pub initially_deferred: bool,
}

impl ForeignKeyDesc {
    /// Appends the stored form.
    pub(super) fn encode(&self, out: &mut Vec<u8>) {
        put_str(out, &self.name);
        put_u32(out, self.oid);
        put_positions(out, &self.columns);
        put_u32(out, self.parent);
        put_positions(out, &self.parent_columns);
        put_u32(out, self.parent_index);
        out.push(self.on_update.code() as u8);
        out.push(self.on_delete.code() as u8);
        put_positions(out, &self.delete_set_columns);
        out.push(
            u8::from(self.match_full)
                | u8::from(self.validated) << 1
                | u8::from(self.deferrable) << 2
                | u8::from(self.initially_deferred) << 3,
        );
    }

    /// Reads what [`ForeignKeyDesc::encode`] wrote.
    pub(super) fn decode(r: &mut &[u8]) -> Result<ForeignKeyDesc> {
        let name = get_str(r)?;
        let oid = get_u32(r)?;
        let columns = get_positions(r)?;
        let parent = get_u32(r)?;
        let parent_columns = get_positions(r)?;
        let parent_index = get_u32(r)?;
        let on_update = FkAction::from_code(get_u8(r)?)?;
        let on_delete = FkAction::from_code(get_u8(r)?)?;
        let delete_set_columns = get_positions(r)?;
        let flags = get_u8(r)?;
        if columns.len() != parent_columns.len() || columns.is_empty() {
            return Err(corrupt("foreign key with mismatched columns"));
        }
        Ok(ForeignKeyDesc {
            name,
            oid,
            columns,
            parent,
            parent_columns,
            parent_index,
            on_update,
            on_delete,
            delete_set_columns,
            match_full: flags & 1 != 0,
            validated: flags & 2 != 0,
            deferrable: flags & 4 != 0,
            initially_deferred: flags & 8 != 0,
        })
    }

    /// The columns `ON DELETE SET NULL/DEFAULT` changes.
    pub fn delete_set(&self) -> &[usize] {
        if self.delete_set_columns.is_empty() {
            &self.columns
        } else {
            &self.delete_set_columns
        }
    }

    /// `pg_get_constraintdef`'s text, as PostgreSQL 15 prints it:
    /// `FOREIGN KEY (pid) REFERENCES p(id) ON DELETE CASCADE`.
    pub fn definition(&self, table: &TableDesc, parent: &TableDesc) -> String {
        let names = |t: &TableDesc, cols: &[usize]| -> String {
            cols.iter()
                .map(|&c| quote_ident(&t.columns[c].name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut s = format!(
            "FOREIGN KEY ({}) REFERENCES {}({})",
            names(table, &self.columns),
            relation_name(table, parent),
            names(parent, &self.parent_columns)
        );
        if self.match_full {
            s.push_str(" MATCH FULL");
        }
        if self.on_update != FkAction::NoAction {
            s.push_str(" ON UPDATE ");
            s.push_str(self.on_update.sql());
        }
        if self.on_delete != FkAction::NoAction {
            s.push_str(" ON DELETE ");
            s.push_str(self.on_delete.sql());
        }
        if !self.delete_set_columns.is_empty() {
            s.push_str(&format!(" ({})", names(table, &self.delete_set_columns)));
        }
        if self.deferrable {
            s.push_str(" DEFERRABLE");
        }
        if self.initially_deferred {
            s.push_str(" INITIALLY DEFERRED");
        }
        if !self.validated {
            s.push_str(" NOT VALID");
        }
        s
    }
}

/// The referenced table's name as `pg_get_constraintdef` writes it:
/// qualified only when it is not in the referencing table's schema.
fn relation_name(table: &TableDesc, parent: &TableDesc) -> String {
    if parent.schema == table.schema || parent.schema == super::DEFAULT_SCHEMA {
        quote_ident(&parent.name)
    } else {
        format!(
            "{}.{}",
            quote_ident(&parent.schema),
            quote_ident(&parent.name)
        )
    }
}

fn put_positions(out: &mut Vec<u8>, cols: &[usize]) {
    put_u32(out, cols.len() as u32);
    for &c in cols {
        put_u32(out, c as u32);
    }
}

fn get_positions(r: &mut &[u8]) -> Result<Vec<usize>> {
    let n = get_u32(r)? as usize;
    let mut v = Vec::with_capacity(n.min(32));
    for _ in 0..n {
        v.push(get_u32(r)? as usize);
    }
    Ok(v)
}

/// The table with id `id`, if it exists.
pub fn table_by_id<T: Transaction>(txn: &mut T, id: u32) -> Result<Option<TableDesc>> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    crate::keys::table_key(&mut key, id);
    if !txn.get(&key, &mut out)? {
        return Ok(None);
    }
    TableDesc::decode(&out).map(Some)
}

/// The foreign keys that reference table `id`: each referencing table
/// (the table itself for a self-reference) with the positions of its
/// foreign keys on `id`, in table-id order.
pub fn referencing<T: Transaction>(txn: &mut T, id: u32) -> Result<Vec<(TableDesc, Vec<usize>)>> {
    let mut out = Vec::new();
    for t in super::all_tables(txn)? {
        let fks: Vec<usize> = t
            .foreign_keys
            .iter()
            .enumerate()
            .filter(|(_, fk)| fk.parent == id)
            .map(|(i, _)| i)
            .collect();
        if !fks.is_empty() {
            out.push((t, fks));
        }
    }
    Ok(out)
}
