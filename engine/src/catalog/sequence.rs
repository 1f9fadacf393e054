//! Sequence definitions in the catalog.
//!
//! A sequence is a relation (it shares the name space of tables, views and
//! indexes and has a `pg_class` row of kind `S`), so its definition is a
//! transactional catalog entry like a table's: a rolled-back CREATE
//! SEQUENCE never existed. Two entries: the descriptor by OID and the OID
//! by (schema, name).
//!
//! Only the definition lives here. The sequence's *state* (its last value)
//! is not transactional, as in PostgreSQL, and lives outside MVCC (see
//! [`crate::exec::sequence`]).
//!
//! [`SeqParams::define`] turns written options into a definition with
//! PostgreSQL's defaults and checks (`init_params` in PostgreSQL's
//! `sequence.c`): the bounds default to the type's range in the direction
//! of the increment, START defaults to the bound it counts from, and every
//! inconsistency is 22023 with PostgreSQL's message.

use rocksgres_storage::Transaction;

use crate::error::{EngineError, Result, SqlState};
use crate::keys;
use crate::sql::sequence::SeqOptions;
use crate::types::SqlType;

/// Stored format version of a sequence descriptor.
const FORMAT_VERSION: u8 = 1;

/// The numbers that define a sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeqParams {
    /// `smallint`, `integer` or `bigint`.
    pub ty: SqlType,
    /// START value.
    pub start: i64,
    /// INCREMENT (never 0).
    pub increment: i64,
    /// MINVALUE.
    pub min: i64,
    /// MAXVALUE.
    pub max: i64,
    /// CACHE (at least 1).
    pub cache: i64,
    /// CYCLE.
    pub cycle: bool,
}

/// The column a sequence belongs to (`OWNED BY`, a serial or an identity
/// column): dropped with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    /// The table's id.
    pub table: u32,
    /// The column's position in the table's columns (0-based).
    pub column: u32,
    /// Whether it is an identity column's sequence (`pg_depend` type `i`,
    /// not `a`).
    pub identity: bool,
}

/// A sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceDesc {
    /// Its OID (`pg_class.oid`).
    pub oid: u32,
    /// Schema name.
    pub schema: String,
    /// Sequence name.
    pub name: String,
    /// Its definition.
    pub params: SeqParams,
    /// The column owning it, if any.
    pub owner: Option<Owner>,
}

fn invalid(msg: String) -> EngineError {
    EngineError::new(SqlState::InvalidParameterValue, msg)
}

/// The range of a sequence type.
fn type_range(ty: SqlType) -> (i64, i64) {
    match ty {
        SqlType::Int2 => (i64::from(i16::MIN), i64::from(i16::MAX)),
        SqlType::Int4 => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    }
}

/// The type an `AS` clause names; 22023 unless an integer type.
pub fn sequence_type(name: &str) -> Result<SqlType> {
    match SqlType::from_name(name) {
        Ok(t @ (SqlType::Int2 | SqlType::Int4 | SqlType::Int8)) => Ok(t),
        Ok(_) => Err(invalid(
            "sequence type must be smallint, integer, or bigint".into(),
        )),
        Err(_) => Err(EngineError::new(
            SqlState::UndefinedObject,
            format!("type \"{name}\" does not exist"),
        )),
    }
}

impl SeqParams {
    /// The definition `options` give, over `old` for ALTER SEQUENCE (and
    /// the type `default_type` where neither says one). Returns it and
    /// the value RESTART asks for (`Some`) when given.
    pub fn define(
        options: &SeqOptions,
        old: Option<&SeqParams>,
        default_type: SqlType,
    ) -> Result<(SeqParams, Option<i64>)> {
        let ty = match &options.as_type {
            Some(t) => sequence_type(t)?,
            None => old.map_or(default_type, |o| o.ty),
        };
        let (type_min, type_max) = type_range(ty);
        let increment = match options.increment {
            Some(0) => return Err(invalid("INCREMENT must not be zero".into())),
            Some(n) => n,
            None => old.map_or(1, |o| o.increment),
        };
        let cycle = options.cycle.or(old.map(|o| o.cycle)).unwrap_or(false);
        // A bound still at its old type's default follows a type change,
        // as in PostgreSQL.
        let old_range = old.map(|o| type_range(o.ty));
        let max = match options.max {
            Some(Some(n)) => n,
            Some(None) => {
                if increment > 0 {
                    type_max
                } else {
                    -1
                }
            }
            None => match old {
                Some(o) if options.as_type.is_some() && old_range.map(|r| r.1) == Some(o.max) => {
                    type_max
                }
                Some(o) => o.max,
                None if increment > 0 => type_max,
                None => -1,
            },
        };
        let min = match options.min {
            Some(Some(n)) => n,
            Some(None) => {
                if increment > 0 {
                    1
                } else {
                    type_min
                }
            }
            None => match old {
                Some(o) if options.as_type.is_some() && old_range.map(|r| r.0) == Some(o.min) => {
                    type_min
                }
                Some(o) => o.min,
                None if increment > 0 => 1,
                None => type_min,
            },
        };
        let tname = ty.display_name();
        if max < type_min || max > type_max {
            return Err(invalid(format!(
                "MAXVALUE ({max}) is out of range for sequence data type {tname}"
            )));
        }
        if min < type_min || min > type_max {
            return Err(invalid(format!(
                "MINVALUE ({min}) is out of range for sequence data type {tname}"
            )));
        }
        if min >= max {
            return Err(invalid(format!(
                "MINVALUE ({min}) must be less than MAXVALUE ({max})"
            )));
        }
        let start = match options.start {
            Some(n) => n,
            None => match old {
                Some(o) => o.start,
                None if increment > 0 => min,
                None => max,
            },
        };
        // START and RESTART must lie within the bounds.
        let within = |what: &str, v: i64| -> Result<()> {
            if v < min {
                return Err(invalid(format!(
                    "{what} value ({v}) cannot be less than MINVALUE ({min})"
                )));
            }
            if v > max {
                return Err(invalid(format!(
                    "{what} value ({v}) cannot be greater than MAXVALUE ({max})"
                )));
            }
            Ok(())
        };
        within("START", start)?;
        let restart = options.restart.map(|r| r.unwrap_or(start));
        if let Some(r) = restart {
            within("RESTART", r)?;
        }
        let cache = match options.cache {
            Some(n) if n <= 0 => {
                return Err(invalid(format!("CACHE ({n}) must be greater than zero")))
            }
            Some(n) => n,
            None => old.map_or(1, |o| o.cache),
        };
        Ok((
            SeqParams {
                ty,
                start,
                increment,
                min,
                max,
                cache,
                cycle,
            },
            restart,
        ))
    }
}

impl SequenceDesc {
    /// Serializes the descriptor.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.clear();
        out.push(FORMAT_VERSION);
        out.extend_from_slice(&self.oid.to_be_bytes());
        for s in [&self.schema, &self.name] {
            out.extend_from_slice(&(s.len() as u32).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        let p = &self.params;
        out.extend_from_slice(&p.ty.oid().to_be_bytes());
        for n in [p.start, p.increment, p.min, p.max, p.cache] {
            out.extend_from_slice(&n.to_be_bytes());
        }
        out.push(u8::from(p.cycle));
        match &self.owner {
            None => out.push(0),
            Some(o) => {
                out.push(1 + u8::from(o.identity));
                out.extend_from_slice(&o.table.to_be_bytes());
                out.extend_from_slice(&o.column.to_be_bytes());
            }
        }
    }

    /// Deserializes a descriptor written by [`SequenceDesc::encode`].
    pub fn decode(input: &[u8]) -> Result<SequenceDesc> {
        let corrupt = || EngineError::new(SqlState::DataCorrupted, "bad sequence descriptor");
        let mut r = input;
        let mut take = |n: usize| -> Result<&[u8]> {
            if r.len() < n {
                return Err(corrupt());
            }
            let (head, rest) = r.split_at(n);
            r = rest;
            Ok(head)
        };
        if take(1)?[0] != FORMAT_VERSION {
            return Err(corrupt());
        }
        let u32_of = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        let oid = u32_of(take(4)?);
        let mut strings = Vec::new();
        for _ in 0..2 {
            let n = u32_of(take(4)?) as usize;
            let s = String::from_utf8(take(n)?.to_vec()).map_err(|_| corrupt())?;
            strings.push(s);
        }
        let ty = SqlType::from_oid(u32_of(take(4)?)).ok_or_else(corrupt)?;
        let mut nums = [0i64; 5];
        for n in &mut nums {
            let b = take(8)?;
            *n = i64::from_be_bytes(b.try_into().map_err(|_| corrupt())?);
        }
        let cycle = take(1)?[0] != 0;
        let owner = match take(1)?[0] {
            0 => None,
            k => {
                let table = u32_of(take(4)?);
                let column = u32_of(take(4)?);
                Some(Owner {
                    table,
                    column,
                    identity: k == 2,
                })
            }
        };
        let name = strings.pop().unwrap_or_default();
        let schema = strings.pop().unwrap_or_default();
        let [start, increment, min, max, cache] = nums;
        Ok(SequenceDesc {
            oid,
            schema,
            name,
            params: SeqParams {
                ty,
                start,
                increment,
                min,
                max,
                cache,
                cycle,
            },
            owner,
        })
    }
}

/// Reads the sequence `schema.name`.
pub fn lookup_sequence<T: Transaction>(
    txn: &mut T,
    schema: &str,
    name: &str,
) -> Result<Option<SequenceDesc>> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    keys::sequence_name_key(&mut key, schema, name);
    if !txn.get(&key, &mut out)? {
        return Ok(None);
    }
    let oid = <[u8; 4]>::try_from(out.as_slice())
        .map(u32::from_be_bytes)
        .map_err(|_| EngineError::new(SqlState::DataCorrupted, "bad sequence name entry"))?;
    sequence_by_oid(txn, oid)
}

/// Reads the sequence with OID `oid`.
pub fn sequence_by_oid<T: Transaction>(txn: &mut T, oid: u32) -> Result<Option<SequenceDesc>> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    keys::sequence_key(&mut key, oid);
    if !txn.get(&key, &mut out)? {
        return Ok(None);
    }
    SequenceDesc::decode(&out).map(Some)
}

/// Stores a new sequence; fails with 42P07 if a relation has its name.
pub fn create_sequence<T: Transaction>(txn: &mut T, desc: &SequenceDesc) -> Result<()> {
    if super::relation_exists(txn, &desc.schema, &desc.name)? {
        return Err(EngineError::new(
            SqlState::DuplicateTable,
            format!("relation \"{}\" already exists", desc.name),
        ));
    }
    let mut key = Vec::new();
    keys::sequence_name_key(&mut key, &desc.schema, &desc.name);
    txn.put(&key, &desc.oid.to_be_bytes())?;
    update_sequence(txn, desc)
}

/// Rewrites a sequence's descriptor (same name).
pub fn update_sequence<T: Transaction>(txn: &mut T, desc: &SequenceDesc) -> Result<()> {
    let mut key = Vec::new();
    let mut out = Vec::new();
    keys::sequence_key(&mut key, desc.oid);
    desc.encode(&mut out);
    txn.put(&key, &out).map_err(EngineError::from)
}

/// Renames a sequence (the caller checked the new name is free).
pub fn rename_sequence<T: Transaction>(
    txn: &mut T,
    desc: &mut SequenceDesc,
    new_name: &str,
) -> Result<()> {
    let mut key = Vec::new();
    keys::sequence_name_key(&mut key, &desc.schema, &desc.name);
    txn.delete(&key)?;
    desc.name = new_name.to_string();
    keys::sequence_name_key(&mut key, &desc.schema, &desc.name);
    txn.put(&key, &desc.oid.to_be_bytes())?;
    update_sequence(txn, desc)
}

/// Moves a sequence to schema `to` (the caller checked the name is free
/// there).
pub fn move_sequence<T: Transaction>(txn: &mut T, desc: &mut SequenceDesc, to: &str) -> Result<()> {
    let mut key = Vec::new();
    keys::sequence_name_key(&mut key, &desc.schema, &desc.name);
    txn.delete(&key)?;
    desc.schema = to.to_string();
    keys::sequence_name_key(&mut key, &desc.schema, &desc.name);
    txn.put(&key, &desc.oid.to_be_bytes())?;
    update_sequence(txn, desc)
}

/// Removes a sequence from the catalog (its unversioned state stays,
/// unreachable: OIDs are never reused, and a rolled-back DROP must find
/// it again).
pub fn drop_sequence<T: Transaction>(txn: &mut T, desc: &SequenceDesc) -> Result<()> {
    let mut key = Vec::new();
    keys::sequence_name_key(&mut key, &desc.schema, &desc.name);
    txn.delete(&key)?;
    keys::sequence_key(&mut key, desc.oid);
    txn.delete(&key)?;
    Ok(())
}

/// Every sequence, in OID order.
pub fn all_sequences<T: Transaction>(txn: &mut T) -> Result<Vec<SequenceDesc>> {
    super::all_of_kind(txn, keys::CAT_SEQUENCE, SequenceDesc::decode)
}

/// The sequences owned by a column of table `table`.
pub fn owned_by_table<T: Transaction>(txn: &mut T, table: u32) -> Result<Vec<SequenceDesc>> {
    Ok(all_sequences(txn)?
        .into_iter()
        .filter(|s| s.owner.is_some_and(|o| o.table == table))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn define(o: SeqOptions) -> Result<SeqParams> {
        SeqParams::define(&o, None, SqlType::Int8).map(|(p, _)| p)
    }

    #[test]
    fn defaults_follow_the_increment() {
        let up = define(SeqOptions::default()).unwrap();
        assert_eq!((up.min, up.max, up.start, up.cache), (1, i64::MAX, 1, 1));
        let down = define(SeqOptions {
            increment: Some(-1),
            as_type: Some("smallint".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!((down.min, down.max, down.start), (-32768, -1, -1));
    }

    #[test]
    fn checks_like_postgres() {
        let e = define(SeqOptions {
            min: Some(Some(10)),
            max: Some(Some(5)),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.message, "MINVALUE (10) must be less than MAXVALUE (5)");
        let e = define(SeqOptions {
            as_type: Some("smallint".into()),
            max: Some(Some(40000)),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(
            e.message,
            "MAXVALUE (40000) is out of range for sequence data type smallint"
        );
        let e = define(SeqOptions {
            as_type: Some("text".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(
            e.message,
            "sequence type must be smallint, integer, or bigint"
        );
    }

    #[test]
    fn descriptor_round_trips() {
        let d = SequenceDesc {
            oid: 16390,
            schema: "public".into(),
            name: "t_id_seq".into(),
            params: define(SeqOptions {
                as_type: Some("integer".into()),
                cycle: Some(true),
                ..Default::default()
            })
            .unwrap(),
            owner: Some(Owner {
                table: 16384,
                column: 0,
                identity: true,
            }),
        };
        let mut buf = Vec::new();
        d.encode(&mut buf);
        assert_eq!(SequenceDesc::decode(&buf).unwrap(), d);
    }
}
