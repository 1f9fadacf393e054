//! Table, column and index descriptors, and their stored byte format.
//!
//! A [`TableDesc`] is the whole definition of a table: its columns (dropped
//! columns stay as placeholders so stored rows keep their positions), its
//! indexes (the primary index first; a table without a declared primary key
//! gets a hidden `int8` row id as its primary index key), and two ids: the
//! table id (stable, its identity in the catalog) and the storage id (the
//! data key prefix; TRUNCATE swaps it, as PostgreSQL swaps relfilenodes).
//!
//! Stored format: a version byte, then fields in order, integers big-endian,
//! strings as u32 length + UTF-8 bytes. Small, explicit, and easy to extend
//! by bumping the version. A column's flags byte says which optional
//! fields follow it (bit 6: a statistics target, bit 7: a storage kind), so
//! those needed no new version. Likewise the byte before a column's
//! DEFAULT text says 0 (none), 1 (a DEFAULT) or 2 (a generation
//! expression: `GENERATED ALWAYS AS (expr) STORED`).

use crate::error::{EngineError, Result};
use crate::types::{SqlType, Value};

/// Version 2 added the index and constraint OIDs; version 1 descriptors
/// still decode, with OIDs derived from the table id and index id
/// ([`derived_oid`]). Version 3 added identity columns (a list after the
/// indexes); version 4 appended the CHECK constraints ([`CheckDesc`]) after
/// them. Older versions decode with none. Version 5 appended the foreign
/// keys ([`ForeignKeyDesc`]).
const FORMAT_VERSION: u8 = 6;

/// The bit of a column's flags byte saying a statistics target follows.
const COL_STAT_TARGET: u8 = 6;
/// The bit of a column's flags byte saying a storage kind follows.
const COL_STORAGE: u8 = 7;
/// The bit of a column's flags byte saying the definition of its enum
/// type follows the flags (see [`crate::catalog::user_type`]).
const COL_ENUM: u8 = 5;
/// With [`COL_ENUM`]: the column is an array of the enum type.
const COL_ENUM_ARRAY: u8 = 4;
/// A column of a composite type (or of an array of one: its type OID is
/// then the definition's `array_oid`) has [`COL_ENUM_ARRAY`] without
/// [`COL_ENUM`]: the composite type's definition follows the flags.
fn composite_of(ty: &SqlType) -> Option<&'static crate::types::composite::CompositeDef> {
    match ty {
        SqlType::Composite(d) | SqlType::Array(SqlType::Composite(d)) => Some(d),
        _ => None,
    }
}

/// The bit of a column's flags byte saying the definition of its domain
/// follows the flags (and the enum definition, if any).
const COL_DOMAIN: u8 = 3;

/// The enum type of a column of an enum type or of an array of one, and
/// whether it is the array.
fn enum_of(ty: &SqlType) -> Option<(&'static crate::types::enum_type::EnumDef, bool)> {
    match ty {
        SqlType::Enum(d) => Some((d, false)),
        SqlType::Array(SqlType::Enum(d)) => Some((d, true)),
        _ => None,
    }
}

/// The OID a version-1 descriptor's index (or its constraint, with
/// `constraint` set) is shown with: stable, and outside the range the id
/// counter hands out in practice.
pub fn derived_oid(table_id: u32, index_id: u32, constraint: bool) -> u32 {
    0x4000_0000
        | (table_id.wrapping_sub(16384) & 0x000F_FFFF) << 10
        | (index_id & 0x1FF) << 1
        | u32::from(constraint)
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDesc {
    /// Column name.
    pub name: String,
    /// Declared type (with type modifier).
    pub ty: SqlType,
    /// NOT NULL constraint (always true for primary-key columns).
    pub not_null: bool,
    /// DEFAULT expression as SQL text; for a generated column its
    /// generation expression (PostgreSQL keeps both in `pg_attrdef`).
    pub default: Option<String>,
    /// `GENERATED ALWAYS AS (expr) STORED`: `default` is the expression,
    /// computed from the row's other columns on every write
    /// (`pg_attribute.attgenerated = 's'`).
    pub generated: bool,
    /// Dropped columns keep their slot in stored rows and are invisible.
    pub dropped: bool,
    /// The value rows stored before this column was added read as
    /// (PostgreSQL's `attmissingval`; NULL when `None`).
    pub missing: Option<Value>,
    /// `GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY`.
    pub identity: Option<Identity>,
    /// `ALTER COLUMN ... SET STATISTICS n` (`pg_attribute.attstattarget`;
    /// `None`: -1, the default).
    pub stat_target: Option<i32>,
    /// `ALTER COLUMN ... SET STORAGE` (`pg_attribute.attstorage`, one of
    /// `p`, `e`, `x`, `m`; `None`: the type's default).
    pub storage: Option<u8>,
    /// The domain the column was declared with (`ty` is its base type;
    /// `pg_attribute.atttypid` is the domain's OID).
    pub domain: Option<&'static crate::types::domain::DomainDef>,
}

/// An identity column's generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// GENERATED ALWAYS (else BY DEFAULT).
    pub always: bool,
    /// The OID of its sequence.
    pub sequence: u32,
}

/// One key column of an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexColumn {
    /// Position of the column in [`TableDesc::columns`] (unused for an
    /// expression key).
    pub column: usize,
    /// An expression key (SQL text over the table's columns), e.g. `lower(email)`.
    pub expr: Option<String>,
    /// DESC order.
    pub descending: bool,
    /// NULLS FIRST.
    pub nulls_first: bool,
}

/// An index of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDesc {
    /// Index id within the table; the primary index is 1.
    pub id: u32,
    /// Index name (`<table>_pkey` for a primary key, as PostgreSQL names it).
    pub name: String,
    /// Key columns; empty for the hidden row id of a table without a primary key.
    pub columns: Vec<IndexColumn>,
    /// Whether keys are unique.
    pub unique: bool,
    /// Whether this is the primary index.
    pub primary: bool,
    /// The index's object id (`pg_class.oid`), from the catalog's id
    /// counter.
    pub oid: u32,
    /// The OID of the constraint the index implements (PRIMARY KEY or
    /// UNIQUE), 0 for a plain `CREATE [UNIQUE] INDEX`.
    pub constraint_oid: u32,
    /// `NULLS NOT DISTINCT`: a unique index whose NULL keys conflict.
    pub nulls_not_distinct: bool,
    /// A partial index's `WHERE` predicate (SQL text over the table's
    /// columns): only rows for which it is true have entries.
    pub predicate: Option<String>,
    /// `INCLUDE (...)` columns (positions in [`TableDesc::columns`]):
    /// catalog-only, as entries point at the row, which has them.
    pub include: Vec<usize>,
    /// Whether queries may use it (PostgreSQL's `indisvalid`): false while
    /// `CREATE INDEX CONCURRENTLY` builds it and after such a build
    /// failed. Writes maintain it either way.
    pub valid: bool,
    /// A DEFERRABLE UNIQUE constraint's index (`pg_index.indimmediate`
    /// false): its entries have the non-unique layout, so duplicates may
    /// exist until the check (see [`crate::exec::deferred_unique`]).
    pub deferrable: bool,
    /// INITIALLY DEFERRED (with `deferrable`): checked at COMMIT unless
    /// `SET CONSTRAINTS` says IMMEDIATE.
    pub initially_deferred: bool,
}

/// A CHECK constraint of a table (see [`crate::catalog::constraint`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckDesc {
    /// Constraint name, unique among the table's constraints.
    pub name: String,
    /// The boolean expression as SQL text over the table's column names
    /// (rewritten when a column it names is renamed).
    pub expr: String,
    /// The constraint's OID (`pg_constraint.oid`).
    pub oid: u32,
    /// Whether every row is known to satisfy it (false after `NOT VALID`
    /// until `VALIDATE CONSTRAINT`).
    pub validated: bool,
}

pub use super::foreign_key::{FkAction, ForeignKeyDesc};

/// A table definition.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDesc {
    /// Stable table id.
    pub id: u32,
    /// Current storage id (data key prefix).
    pub storage_id: u32,
    /// Schema name.
    pub schema: String,
    /// Table name.
    pub name: String,
    /// Columns, dropped ones included.
    pub columns: Vec<ColumnDesc>,
    /// Indexes; `indexes[0]` is the primary index.
    pub indexes: Vec<IndexDesc>,
    /// The next free index id.
    pub next_index_id: u32,
    /// CHECK constraints, in creation order.
    pub checks: Vec<CheckDesc>,
    /// FOREIGN KEY constraints of this table (as the referencing table),
    /// in creation order.
    pub foreign_keys: Vec<ForeignKeyDesc>,
    /// The table's `ANALYZE` statistics, attached when a query resolves
    /// the table by name ([`crate::catalog::lookup_relation`]) for the
    /// planner's estimates; never part of the stored descriptor (see
    /// [`crate::catalog::statistic`]).
    pub stats: Option<std::sync::Arc<super::statistic::TableStats>>,
}

impl TableDesc {
    /// The primary index.
    pub fn primary(&self) -> &IndexDesc {
        &self.indexes[0]
    }

    /// The indexes that are relations of their own (with a name in the
    /// catalog and a `pg_class` row): all but a hidden row-id index.
    pub fn named_indexes(&self) -> impl Iterator<Item = &IndexDesc> {
        self.indexes.iter().filter(|ix| !ix.columns.is_empty())
    }

    /// Whether the table uses a hidden row id as its primary key.
    pub fn has_hidden_rowid(&self) -> bool {
        self.primary().columns.is_empty()
    }

    /// Positions of the visible (not dropped) columns, in order.
    pub fn visible_columns(&self) -> impl Iterator<Item = (usize, &ColumnDesc)> {
        self.columns.iter().enumerate().filter(|(_, c)| !c.dropped)
    }

    /// The position of the visible column `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.visible_columns()
            .find(|(_, c)| c.name == name)
            .map(|(i, _)| i)
    }

    /// Serializes the descriptor.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.clear();
        out.push(FORMAT_VERSION);
        put_u32(out, self.id);
        put_u32(out, self.storage_id);
        put_str(out, &self.schema);
        put_str(out, &self.name);
        put_u32(out, self.columns.len() as u32);
        for c in &self.columns {
            put_str(out, &c.name);
            put_u32(out, c.ty.oid());
            put_u32(out, c.ty.typmod() as u32);
            out.push(
                u8::from(c.not_null)
                    | u8::from(c.dropped) << 1
                    | u8::from(c.stat_target.is_some()) << COL_STAT_TARGET
                    | u8::from(c.storage.is_some()) << COL_STORAGE
                    | u8::from(enum_of(&c.ty).is_some()) << COL_ENUM
                    | u8::from(
                        enum_of(&c.ty).is_some_and(|(_, a)| a) || composite_of(&c.ty).is_some(),
                    ) << COL_ENUM_ARRAY
                    | u8::from(c.domain.is_some()) << COL_DOMAIN,
            );
            if let Some((d, _)) = enum_of(&c.ty) {
                let mut def = Vec::new();
                d.encode(&mut def);
                out.extend_from_slice(&def);
            }
            if let Some(d) = composite_of(&c.ty) {
                let mut def = Vec::new();
                d.encode(&mut def);
                out.extend_from_slice(&def);
            }
            if let Some(d) = c.domain {
                let mut def = Vec::new();
                d.encode(&mut def);
                out.extend_from_slice(&def);
            }
            match &c.default {
                Some(d) => {
                    out.push(if c.generated { 2 } else { 1 });
                    put_str(out, d);
                }
                None => out.push(0),
            }
            match &c.missing {
                Some(v) if !v.is_null() => {
                    out.push(1);
                    // Written in the default styles, to read back under any.
                    let mut text = String::new();
                    crate::types::datestyle::with_default_styles(|| v.write_text(&mut text));
                    put_str(out, &text);
                }
                _ => out.push(0),
            }
            if let Some(n) = c.stat_target {
                put_u32(out, n as u32);
            }
            if let Some(k) = c.storage {
                out.push(k);
            }
        }
        put_u32(out, self.indexes.len() as u32);
        for ix in &self.indexes {
            put_u32(out, ix.id);
            put_str(out, &ix.name);
            out.push(u8::from(ix.unique) | u8::from(ix.primary) << 1);
            put_u32(out, ix.oid);
            put_u32(out, ix.constraint_oid);
            put_u32(out, ix.columns.len() as u32);
            for ic in &ix.columns {
                put_u32(out, ic.column as u32);
                out.push(
                    u8::from(ic.descending)
                        | u8::from(ic.nulls_first) << 1
                        | u8::from(ic.expr.is_some()) << 2,
                );
                if let Some(e) = &ic.expr {
                    put_str(out, e);
                }
            }
        }
        put_u32(out, self.next_index_id);
        let identities: Vec<(usize, &Identity)> = self
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.identity.as_ref().map(|id| (i, id)))
            .collect();
        put_u32(out, identities.len() as u32);
        for (i, id) in identities {
            put_u32(out, i as u32);
            out.push(u8::from(id.always));
            put_u32(out, id.sequence);
        }
        // Version 4.
        put_u32(out, self.checks.len() as u32);
        for c in &self.checks {
            put_str(out, &c.name);
            put_str(out, &c.expr);
            put_u32(out, c.oid);
            out.push(u8::from(c.validated));
        }
        // Version 5.
        put_u32(out, self.foreign_keys.len() as u32);
        for fk in &self.foreign_keys {
            fk.encode(out);
        }
        // Version 6: per index, NULLS NOT DISTINCT, predicate, INCLUDE (flag
        // bits 3 and 4, DEFERRABLE and INITIALLY DEFERRED, came later).
        for ix in &self.indexes {
            out.push(
                u8::from(ix.nulls_not_distinct)
                    | u8::from(ix.predicate.is_some()) << 1
                    | u8::from(!ix.valid) << 2
                    | u8::from(ix.deferrable) << 3
                    | u8::from(ix.initially_deferred) << 4,
            );
            if let Some(p) = &ix.predicate {
                put_str(out, p);
            }
            put_u32(out, ix.include.len() as u32);
            for &c in &ix.include {
                put_u32(out, c as u32);
            }
        }
    }

    /// Deserializes a descriptor written by [`TableDesc::encode`].
    pub fn decode(mut input: &[u8]) -> Result<TableDesc> {
        let r = &mut input;
        let version = get_u8(r)?;
        if !(1..=FORMAT_VERSION).contains(&version) {
            return Err(corrupt("unknown table descriptor version"));
        }
        let id = get_u32(r)?;
        let storage_id = get_u32(r)?;
        let schema = get_str(r)?;
        let name = get_str(r)?;
        let ncols = get_u32(r)? as usize;
        let mut columns = Vec::with_capacity(ncols.min(1600));
        for _ in 0..ncols {
            let cname = get_str(r)?;
            let oid = get_u32(r)?;
            let typmod = get_u32(r)? as i32;
            let flags = get_u8(r)?;
            let ty = if flags & 1 << COL_ENUM != 0 {
                let def =
                    crate::types::enum_type::intern(&crate::types::enum_type::EnumDef::decode(r)?);
                if flags & 1 << COL_ENUM_ARRAY != 0 {
                    crate::types::enum_type::array_type(def)
                } else {
                    SqlType::Enum(def)
                }
            } else if flags & 1 << COL_ENUM_ARRAY != 0 {
                let def = crate::types::composite::intern(
                    &crate::types::composite::CompositeDef::decode(r)?,
                );
                if oid != def.oid && oid == def.array_oid {
                    crate::types::composite::array_type(def)
                        .ok_or_else(|| corrupt("bad composite array column"))?
                } else {
                    SqlType::Composite(def)
                }
            } else {
                SqlType::from_oid_typmod(oid, typmod)
                    .ok_or_else(|| corrupt("unknown column type in table descriptor"))?
            };
            let domain = if flags & 1 << COL_DOMAIN != 0 {
                Some(crate::types::domain::intern(
                    &crate::types::domain::DomainDef::decode(r)?,
                ))
            } else {
                None
            };
            let default_kind = get_u8(r)?;
            let default = match default_kind {
                0 => None,
                _ => Some(get_str(r)?),
            };
            let missing = match get_u8(r)? {
                0 => None,
                _ => Some(Value::parse_text(&get_str(r)?, &ty)?),
            };
            let stat_target = if flags & 1 << COL_STAT_TARGET != 0 {
                Some(get_u32(r)? as i32)
            } else {
                None
            };
            let storage = if flags & 1 << COL_STORAGE != 0 {
                Some(get_u8(r)?)
            } else {
                None
            };
            columns.push(ColumnDesc {
                name: cname,
                ty,
                not_null: flags & 1 != 0,
                dropped: flags & 2 != 0,
                default,
                generated: default_kind == 2,
                missing,
                identity: None,
                stat_target,
                storage,
                domain,
            });
        }
        let nidx = get_u32(r)? as usize;
        let mut indexes = Vec::with_capacity(nidx.min(64));
        for _ in 0..nidx {
            let iid = get_u32(r)?;
            let iname = get_str(r)?;
            let flags = get_u8(r)?;
            let (oid, constraint_oid) = if version >= 2 {
                (get_u32(r)?, get_u32(r)?)
            } else {
                let primary = flags & 2 != 0;
                (
                    derived_oid(id, iid, false),
                    if primary {
                        derived_oid(id, iid, true)
                    } else {
                        0
                    },
                )
            };
            let n = get_u32(r)? as usize;
            let mut cols = Vec::with_capacity(n.min(32));
            for _ in 0..n {
                let column = get_u32(r)? as usize;
                let f = get_u8(r)?;
                let expr = if f & 4 != 0 { Some(get_str(r)?) } else { None };
                cols.push(IndexColumn {
                    column,
                    expr,
                    descending: f & 1 != 0,
                    nulls_first: f & 2 != 0,
                });
            }
            indexes.push(IndexDesc {
                id: iid,
                name: iname,
                columns: cols,
                unique: flags & 1 != 0,
                primary: flags & 2 != 0,
                oid,
                constraint_oid,
                nulls_not_distinct: false,
                predicate: None,
                include: Vec::new(),
                valid: true,
                deferrable: false,
                initially_deferred: false,
            });
        }
        let next_index_id = get_u32(r)?;
        if version >= 3 {
            for _ in 0..get_u32(r)? {
                let col = get_u32(r)? as usize;
                let always = get_u8(r)? != 0;
                let sequence = get_u32(r)?;
                let c = columns
                    .get_mut(col)
                    .ok_or_else(|| corrupt("identity of a missing column"))?;
                c.identity = Some(Identity { always, sequence });
            }
        }
        let mut checks = Vec::new();
        if version >= 4 {
            let n = get_u32(r)? as usize;
            checks.reserve(n.min(64));
            for _ in 0..n {
                checks.push(CheckDesc {
                    name: get_str(r)?,
                    expr: get_str(r)?,
                    oid: get_u32(r)?,
                    validated: get_u8(r)? & 1 != 0,
                });
            }
        }
        let mut foreign_keys = Vec::new();
        if version >= 5 {
            let n = get_u32(r)? as usize;
            foreign_keys.reserve(n.min(64));
            for _ in 0..n {
                foreign_keys.push(ForeignKeyDesc::decode(r)?);
            }
        }
        if version >= 6 {
            for ix in &mut indexes {
                let flags = get_u8(r)?;
                ix.nulls_not_distinct = flags & 1 != 0;
                ix.valid = flags & 4 == 0;
                ix.deferrable = flags & 8 != 0;
                ix.initially_deferred = flags & 16 != 0;
                if flags & 2 != 0 {
                    ix.predicate = Some(get_str(r)?);
                }
                let n = get_u32(r)? as usize;
                ix.include.reserve(n.min(32));
                for _ in 0..n {
                    ix.include.push(get_u32(r)? as usize);
                }
            }
        }
        if indexes.is_empty() || !indexes[0].primary {
            return Err(corrupt("table descriptor without a primary index"));
        }
        Ok(TableDesc {
            id,
            storage_id,
            schema,
            name,
            columns,
            indexes,
            next_index_id,
            checks,
            foreign_keys,
            stats: None,
        })
    }
}

pub(super) fn corrupt(what: &str) -> EngineError {
    EngineError::new(crate::error::SqlState::DataCorrupted, what.to_string())
}

pub(super) fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub(super) fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

pub(super) fn get_u8(r: &mut &[u8]) -> Result<u8> {
    let (&b, rest) = r
        .split_first()
        .ok_or_else(|| corrupt("truncated descriptor"))?;
    *r = rest;
    Ok(b)
}

pub(super) fn get_u32(r: &mut &[u8]) -> Result<u32> {
    if r.len() < 4 {
        return Err(corrupt("truncated descriptor"));
    }
    let (head, rest) = r.split_at(4);
    *r = rest;
    Ok(u32::from_be_bytes([head[0], head[1], head[2], head[3]]))
}

pub(super) fn get_str(r: &mut &[u8]) -> Result<String> {
    let n = get_u32(r)? as usize;
    if r.len() < n {
        return Err(corrupt("truncated descriptor"));
    }
    let (head, rest) = r.split_at(n);
    *r = rest;
    String::from_utf8(head.to_vec()).map_err(|_| corrupt("descriptor string is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_round_trips() {
        let desc = TableDesc {
            id: 7,
            storage_id: 9,
            schema: "public".into(),
            name: "t".into(),
            columns: vec![
                ColumnDesc {
                    name: "id".into(),
                    ty: SqlType::Int4,
                    not_null: true,
                    default: None,
                    generated: false,
                    dropped: false,
                    missing: None,
                    identity: None,
                    stat_target: None,
                    storage: None,
                    domain: None,
                },
                ColumnDesc {
                    name: "v".into(),
                    ty: SqlType::Varchar(Some(10)),
                    not_null: false,
                    default: Some("'x'".into()),
                    generated: true,
                    dropped: true,
                    missing: Some(Value::Text("m".into())),
                    identity: Some(Identity {
                        always: true,
                        sequence: 16390,
                    }),
                    stat_target: Some(-1),
                    storage: Some(b'e'),
                    domain: None,
                },
            ],
            indexes: vec![IndexDesc {
                id: 1,
                name: "t_pkey".into(),
                columns: vec![IndexColumn {
                    column: 0,
                    expr: None,
                    descending: false,
                    nulls_first: false,
                }],
                unique: true,
                primary: true,
                oid: 16390,
                constraint_oid: 16391,
                nulls_not_distinct: true,
                predicate: Some("id > 0".into()),
                include: vec![1],
                valid: true,
                deferrable: true,
                initially_deferred: true,
            }],
            next_index_id: 2,
            checks: vec![CheckDesc {
                name: "t_id_check".into(),
                expr: "id > 0".into(),
                oid: 16392,
                validated: false,
            }],
            foreign_keys: vec![ForeignKeyDesc {
                name: "t_v_fkey".into(),
                oid: 16393,
                columns: vec![1, 0],
                parent: 16384,
                parent_columns: vec![0, 2],
                parent_index: 3,
                on_update: FkAction::Cascade,
                on_delete: FkAction::SetNull,
                delete_set_columns: vec![1],
                match_full: true,
                validated: false,
                deferrable: true,
                initially_deferred: true,
            }],
            stats: None,
        };
        let mut buf = Vec::new();
        desc.encode(&mut buf);
        assert_eq!(TableDesc::decode(&buf).unwrap(), desc);
        assert!(TableDesc::decode(&buf[..buf.len() - 1]).is_err());
    }
}
