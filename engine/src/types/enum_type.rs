//! User-defined enum types (`CREATE TYPE mood AS ENUM ('sad', 'ok')`).
//!
//! An [`EnumDef`] is the whole definition of one enum type: its OIDs, its
//! name and its labels with PostgreSQL's `enumsortorder` (a `real`, so
//! `ADD VALUE ... BEFORE/AFTER` can place a label between two others
//! without renumbering). Definitions are interned ([`intern`]) into
//! `'static` references, so [`crate::types::SqlType::Enum`] stays `Copy`;
//! the interner holds one entry per distinct definition (each DDL change
//! makes a new one), which the DDL statements bound.
//!
//! A value is [`crate::types::Value::Enum`]: its definition and the label's
//! position in it. Values compare by sort order and are stored as their
//! sort order (a `float4` datum), so index keys follow the declaration
//! order and renaming a label rewrites no rows.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::error::{EngineError, Result, SqlState};

/// One label of an enum type (a `pg_enum` row).
#[derive(Debug, Clone, PartialEq)]
pub struct EnumLabel {
    /// `pg_enum.oid`.
    pub oid: u32,
    /// `pg_enum.enumsortorder`.
    pub sort: f32,
    /// `pg_enum.enumlabel`.
    pub name: String,
}

/// An enum type's definition (its `pg_type` row and `pg_enum` rows).
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDef {
    /// `pg_type.oid`.
    pub oid: u32,
    /// The OID of the array type `_name`.
    pub array_oid: u32,
    /// The schema.
    pub schema: String,
    /// The type name.
    pub name: String,
    /// The labels in sort order.
    pub labels: Vec<EnumLabel>,
}

// Sort orders are never NaN, so equality is total.
impl Eq for EnumDef {}

impl std::hash::Hash for EnumDef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.oid.hash(state);
        self.name.hash(state);
    }
}

/// Longest label PostgreSQL accepts (`NAMEDATALEN - 1` bytes).
const MAX_LABEL_BYTES: usize = 63;

impl EnumDef {
    /// The position of label `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.labels.iter().position(|l| l.name == name)
    }

    /// The position of the label stored with sort order `sort`.
    pub fn position_of_sort(&self, sort: f32) -> Option<usize> {
        self.labels.iter().position(|l| l.sort == sort)
    }

    /// Reads `input` as a label (the enum's input function): 22P02 when
    /// it is not one, 55P04 when it is one added in this transaction.
    pub fn parse(&self, input: &str) -> Result<usize> {
        let pos = self.position(input).ok_or_else(|| {
            EngineError::new(
                SqlState::InvalidTextRepresentation,
                format!("invalid input value for enum {}: \"{input}\"", self.name),
            )
        })?;
        self.check_safe(pos)?;
        Ok(pos)
    }

    /// 55P04 when the label at `pos` was added by `ALTER TYPE ... ADD
    /// VALUE` in the running transaction (PostgreSQL's
    /// `check_safe_enum_use`): it may not be used before it commits.
    pub fn check_safe(&self, pos: usize) -> Result<()> {
        let Some(label) = self.labels.get(pos) else {
            return Ok(());
        };
        let new = NEW_LABELS.with(|n| n.borrow().as_ref().is_some_and(|v| v.contains(&label.oid)));
        if new {
            return Err(EngineError::new(
                SqlState::UnsafeNewEnumValueUsage,
                format!(
                    "unsafe use of new value \"{}\" of enum type {}",
                    label.name, self.name
                ),
            )
            .with_hint("New enum values must be committed before they can be used."));
        }
        Ok(())
    }

    /// Serializes the definition.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.clear();
        out.push(1);
        out.extend_from_slice(&self.oid.to_be_bytes());
        out.extend_from_slice(&self.array_oid.to_be_bytes());
        put_str(out, &self.schema);
        put_str(out, &self.name);
        out.extend_from_slice(&(self.labels.len() as u32).to_be_bytes());
        for l in &self.labels {
            out.extend_from_slice(&l.oid.to_be_bytes());
            out.extend_from_slice(&l.sort.to_be_bytes());
            put_str(out, &l.name);
        }
    }

    /// Deserializes a definition written by [`EnumDef::encode`], from the
    /// front of `input` (advanced past it).
    pub fn decode(input: &mut &[u8]) -> Result<EnumDef> {
        if get_u8(input)? != 1 {
            return Err(corrupt());
        }
        let oid = get_u32(input)?;
        let array_oid = get_u32(input)?;
        let schema = get_str(input)?;
        let name = get_str(input)?;
        let n = get_u32(input)? as usize;
        let mut labels = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            labels.push(EnumLabel {
                oid: get_u32(input)?,
                sort: f32::from_bits(get_u32(input)?),
                name: get_str(input)?,
            });
        }
        Ok(EnumDef {
            oid,
            array_oid,
            schema,
            name,
            labels,
        })
    }

    /// Checks a new label: 22023 when longer than 63 bytes, 42710 when
    /// the type already has it.
    pub fn check_new_label(&self, label: &str) -> Result<()> {
        check_label(label)?;
        if self.position(label).is_some() {
            return Err(EngineError::new(
                SqlState::DuplicateObject,
                format!("enum label \"{label}\" already exists"),
            ));
        }
        Ok(())
    }

    /// The sort order of a label inserted at `pos` (between the labels at
    /// `pos - 1` and `pos`), as PostgreSQL's `AddEnumLabel` computes it.
    /// PostgreSQL renumbers the labels when two neighbours leave no room
    /// between them; that is not built (0A000).
    pub fn sort_for_insert(&self, pos: usize) -> Result<f32> {
        let before = pos.checked_sub(1).map(|i| self.labels[i].sort);
        let after = self.labels.get(pos).map(|l| l.sort);
        let sort = match (before, after) {
            (None, None) => 1.0,
            (Some(b), None) => b + 1.0,
            (None, Some(a)) => a - 1.0,
            (Some(b), Some(a)) => (b + a) / 2.0,
        };
        if Some(sort) == before || Some(sort) == after || !sort.is_finite() {
            return Err(EngineError::unsupported(
                "renumbering enum labels (no room between the neighbours' sort orders)",
            ));
        }
        Ok(sort)
    }

    /// The error for a label that is not one of the type's (22023).
    pub fn not_a_label(label: &str) -> EngineError {
        EngineError::new(
            SqlState::InvalidParameterValue,
            format!("\"{label}\" is not an existing enum label"),
        )
    }
}

thread_local! {
    /// The labels added by `ALTER TYPE ... ADD VALUE` in the transaction
    /// of the statement running on this thread (`None` outside one).
    static NEW_LABELS: std::cell::RefCell<Option<Vec<u32>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` (a statement of a transaction) with `labels`, the OIDs of
/// the labels the transaction added, as the unsafe ones; returns its
/// result and the labels, with those `f` added ([`note_new_label`]).
/// The session keeps the list between its transaction's statements.
pub fn with_new_labels<R>(labels: Vec<u32>, f: impl FnOnce() -> R) -> (R, Vec<u32>) {
    struct Restore(Option<Vec<u32>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let old = self.0.take();
            NEW_LABELS.with(|n| *n.borrow_mut() = old);
        }
    }
    let outer = NEW_LABELS.with(|n| n.borrow_mut().replace(labels));
    let guard = Restore(outer);
    let r = f();
    let labels = NEW_LABELS
        .with(|n| n.borrow_mut().take())
        .unwrap_or_default();
    drop(guard);
    (r, labels)
}

/// Records that the running transaction added label `oid` (nothing
/// outside [`with_new_labels`]: an autocommit ALTER TYPE commits it at
/// once).
pub fn note_new_label(oid: u32) {
    NEW_LABELS.with(|n| {
        if let Some(v) = n.borrow_mut().as_mut() {
            v.push(oid);
        }
    });
}

/// Checks a label's length (22023 past 63 bytes, as PostgreSQL).
pub fn check_label(label: &str) -> Result<()> {
    if label.len() > MAX_LABEL_BYTES {
        return Err(EngineError::new(
            SqlState::InvalidParameterValue,
            format!("invalid enum label \"{label}\""),
        )
        .with_detail("Labels must be 63 bytes or less."));
    }
    Ok(())
}

/// The `'static` copy of `def`: one per distinct definition, shared by
/// every type and value that refers to it.
pub fn intern(def: &EnumDef) -> &'static EnumDef {
    static TABLE: OnceLock<Mutex<HashMap<Vec<u8>, &'static EnumDef>>> = OnceLock::new();
    let mut key = Vec::new();
    def.encode(&mut key);
    let mut table = TABLE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    table
        .entry(key)
        .or_insert_with(|| Box::leak(Box::new(def.clone())))
}

/// The array type of enum type `def` (`mood[]`), as an interned
/// `'static` element type.
pub fn array_type(def: &'static EnumDef) -> crate::types::SqlType {
    static TABLE: OnceLock<Mutex<HashMap<usize, &'static crate::types::SqlType>>> = OnceLock::new();
    let mut table = TABLE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let elem = table
        .entry(def as *const EnumDef as usize)
        .or_insert_with(|| Box::leak(Box::new(crate::types::SqlType::Enum(def))));
    crate::types::SqlType::Array(elem)
}

/// What a corrupt descriptor of this kind is called in the error.
const WHAT: &str = "enum type";

fn put_str(out: &mut Vec<u8>, s: &str) {
    super::descriptor::put_str(out, s)
}

fn corrupt() -> EngineError {
    EngineError::new(SqlState::DataCorrupted, format!("bad {WHAT} descriptor"))
}

fn get_u8(r: &mut &[u8]) -> Result<u8> {
    super::descriptor::get_u8(r, WHAT)
}

fn get_u32(r: &mut &[u8]) -> Result<u32> {
    super::descriptor::get_u32(r, WHAT)
}

fn get_str(r: &mut &[u8]) -> Result<String> {
    super::descriptor::get_str(r, WHAT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mood() -> EnumDef {
        EnumDef {
            oid: 16400,
            array_oid: 16399,
            schema: "public".into(),
            name: "mood".into(),
            labels: vec![
                EnumLabel {
                    oid: 16401,
                    sort: 1.0,
                    name: "sad".into(),
                },
                EnumLabel {
                    oid: 16402,
                    sort: 2.0,
                    name: "ok".into(),
                },
            ],
        }
    }

    #[test]
    fn round_trips_and_interns() {
        let def = mood();
        let mut buf = Vec::new();
        def.encode(&mut buf);
        let back = EnumDef::decode(&mut buf.as_slice()).unwrap();
        assert_eq!(back, def);
        assert!(std::ptr::eq(intern(&def), intern(&back)));
    }

    #[test]
    fn sort_orders_as_postgres() {
        let def = mood();
        assert_eq!(def.sort_for_insert(0).unwrap(), 0.0);
        assert_eq!(def.sort_for_insert(1).unwrap(), 1.5);
        assert_eq!(def.sort_for_insert(2).unwrap(), 3.0);
        assert_eq!(def.parse("ok").unwrap(), 1);
        assert_eq!(
            def.parse("x").unwrap_err().message,
            "invalid input value for enum mood: \"x\""
        );
        let (r, labels) = with_new_labels(Vec::new(), || {
            note_new_label(16402);
            (def.parse("sad").is_ok(), def.parse("ok").unwrap_err())
        });
        assert!(r.0);
        assert_eq!(r.1.state, SqlState::UnsafeNewEnumValueUsage);
        assert_eq!(labels, vec![16402]);
        assert!(def.parse("ok").is_ok());
    }
}
