//! Domains (`CREATE DOMAIN posint AS int CHECK (VALUE > 0)`).
//!
//! A [`DomainDef`] is the whole definition of one domain: its OIDs, name,
//! base type, NOT NULL, DEFAULT and CHECK constraints (SQL text over
//! `VALUE`). A domain is no [`crate::types::SqlType`] of its own: values of
//! a domain are values of its base type, and expressions of a domain type
//! have the base type, so operators, functions, storage and the wire
//! (PostgreSQL sends the base type's OID in RowDescription) need nothing
//! new. What a domain adds is checks where a value becomes the domain's:
//! a cast to it (`plan::domain_check`), and a write to a column declared
//! with it (the column descriptor keeps a copy of the definition, as for
//! enum types; see [`crate::catalog::user_type`]).
//!
//! Definitions are interned ([`intern`]) into `'static` references, as
//! enum definitions are, so a column descriptor and a plan can hold one.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::enum_type::{self, EnumDef};
use super::SqlType;
use crate::error::{EngineError, Result, SqlState};

/// One CHECK constraint of a domain (a `pg_constraint` row with
/// `contypid`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DomainCheck {
    /// `pg_constraint.oid`.
    pub oid: u32,
    /// The constraint name (`<domain>_check` unless named).
    pub name: String,
    /// The expression as SQL text over `VALUE`.
    pub expr: String,
    /// False while added `NOT VALID` and not validated since.
    pub validated: bool,
}

/// A domain's definition (its `pg_type` row and constraints).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DomainDef {
    /// `pg_type.oid`.
    pub oid: u32,
    /// The OID of the array type `_name`.
    pub array_oid: u32,
    /// The schema.
    pub schema: String,
    /// The domain name.
    pub name: String,
    /// The base type, with its type modifier (`typbasetype`,
    /// `typtypmod`); for a domain over a domain, the innermost domain's
    /// base type (the type of the values).
    pub base: SqlType,
    /// For a domain over a domain: that domain's definition (whose
    /// constraints apply first; `typbasetype` is its OID).
    pub parent: Option<&'static DomainDef>,
    /// `NOT NULL` (`typnotnull`).
    pub not_null: bool,
    /// The DEFAULT expression as SQL text (`typdefault`).
    pub default: Option<String>,
    /// The CHECK constraints, in creation order.
    pub checks: Vec<DomainCheck>,
}

/// The first byte of an encoded domain (an enum's is 1).
pub const DOMAIN_TAG: u8 = 2;

impl DomainDef {
    /// Serializes the definition.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.clear();
        out.push(DOMAIN_TAG);
        out.extend_from_slice(&self.oid.to_be_bytes());
        out.extend_from_slice(&self.array_oid.to_be_bytes());
        put_str(out, &self.schema);
        put_str(out, &self.name);
        // The base type: a domain or an enum (or array of one) carries its
        // definition.
        if let Some(p) = self.parent {
            out.push(3);
            let mut def = Vec::new();
            p.encode(&mut def);
            put_bytes(out, &def);
            return self.encode_rest(out);
        }
        let en = match self.base {
            SqlType::Enum(d) => Some((d, 1u8)),
            SqlType::Array(SqlType::Enum(d)) => Some((*d, 2u8)),
            _ => None,
        };
        match (en, self.base) {
            (Some((d, kind)), _) => {
                out.push(kind);
                let mut def = Vec::new();
                d.encode(&mut def);
                put_bytes(out, &def);
            }
            // An array of a composite type: kind 4 and the definition.
            (None, SqlType::Array(SqlType::Composite(d))) => {
                out.push(4);
                let mut def = Vec::new();
                d.encode(&mut def);
                put_bytes(out, &def);
            }
            (None, _) => {
                out.push(0);
                out.extend_from_slice(&self.base.oid().to_be_bytes());
                out.extend_from_slice(&self.base.typmod().to_be_bytes());
            }
        }
        self.encode_rest(out);
    }

    /// Serializes what follows the base type.
    fn encode_rest(&self, out: &mut Vec<u8>) {
        out.push(u8::from(self.not_null));
        match &self.default {
            Some(d) => {
                out.push(1);
                put_str(out, d);
            }
            None => out.push(0),
        }
        out.extend_from_slice(&(self.checks.len() as u32).to_be_bytes());
        for c in &self.checks {
            out.extend_from_slice(&c.oid.to_be_bytes());
            put_str(out, &c.name);
            put_str(out, &c.expr);
            out.push(u8::from(c.validated));
        }
    }

    /// Deserializes a definition written by [`DomainDef::encode`], from
    /// the front of `input` (advanced past it).
    pub fn decode(input: &mut &[u8]) -> Result<DomainDef> {
        if get_u8(input)? != DOMAIN_TAG {
            return Err(corrupt());
        }
        let oid = get_u32(input)?;
        let array_oid = get_u32(input)?;
        let schema = get_str(input)?;
        let name = get_str(input)?;
        let mut parent = None;
        let base = match get_u8(input)? {
            0 => {
                let toid = get_u32(input)?;
                let typmod = get_u32(input)? as i32;
                SqlType::from_oid_typmod(toid, typmod).ok_or_else(corrupt)?
            }
            3 => {
                let bytes = get_bytes(input)?;
                let p = intern(&DomainDef::decode(&mut &bytes[..])?);
                parent = Some(p);
                p.base
            }
            4 => {
                let bytes = get_bytes(input)?;
                let d = super::composite::intern(&super::composite::CompositeDef::decode(
                    &mut &bytes[..],
                )?);
                super::composite::array_type(d).ok_or_else(corrupt)?
            }
            kind => {
                let bytes = get_bytes(input)?;
                let d = enum_type::intern(&EnumDef::decode(&mut &bytes[..])?);
                if kind == 2 {
                    enum_type::array_type(d)
                } else {
                    SqlType::Enum(d)
                }
            }
        };
        let not_null = get_u8(input)? != 0;
        let default = match get_u8(input)? {
            0 => None,
            _ => Some(get_str(input)?),
        };
        let n = get_u32(input)? as usize;
        let mut checks = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            checks.push(DomainCheck {
                oid: get_u32(input)?,
                name: get_str(input)?,
                expr: get_str(input)?,
                validated: get_u8(input)? != 0,
            });
        }
        Ok(DomainDef {
            oid,
            array_oid,
            schema,
            name,
            base,
            parent,
            not_null,
            default,
            checks,
        })
    }

    /// The default a column of type `ty` declared with this domain takes:
    /// the domain's, unless the column is an array of the domain.
    pub fn default_for(&self, ty: SqlType) -> Option<&String> {
        self.default.as_ref().filter(|_| ty == self.base)
    }

    /// The OID of `typbasetype`: the parent domain's, else the base
    /// type's.
    pub fn base_oid(&self) -> u32 {
        self.parent.map_or(self.base.oid(), |p| p.oid)
    }

    /// Whether this domain is `oid` or derives from it.
    pub fn is_or_derives(&self, oid: u32) -> bool {
        self.oid == oid || self.parent.is_some_and(|p| p.is_or_derives(oid))
    }

    /// The chain of domains from the outermost ancestor to this one.
    pub fn lineage(&'static self) -> Vec<&'static DomainDef> {
        let mut out = vec![self];
        while let Some(p) = out.last().and_then(|d| d.parent) {
            out.push(p);
        }
        out.reverse();
        out
    }

    /// The position of check `name`.
    pub fn check_position(&self, name: &str) -> Option<usize> {
        self.checks.iter().position(|c| c.name == name)
    }

    /// 23502 for a NULL where the domain is NOT NULL.
    pub fn null_violation(&self) -> EngineError {
        EngineError::new(
            SqlState::NotNullViolation,
            format!("domain {} does not allow null values", self.name),
        )
        .with_datatype(&self.schema, &self.name, None)
    }

    /// 23514 for a value that makes check `check` false.
    pub fn check_violation(&self, check: &str) -> EngineError {
        EngineError::new(
            SqlState::CheckViolation,
            format!(
                "value for domain {} violates check constraint \"{check}\"",
                self.name
            ),
        )
        .with_datatype(&self.schema, &self.name, Some(check))
    }
}

/// The `'static` copy of `def`: one per distinct definition.
pub fn intern(def: &DomainDef) -> &'static DomainDef {
    static TABLE: OnceLock<Mutex<HashMap<Vec<u8>, &'static DomainDef>>> = OnceLock::new();
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

/// What a corrupt descriptor of this kind is called in the error.
const WHAT: &str = "domain";

fn put_str(out: &mut Vec<u8>, s: &str) {
    super::descriptor::put_str(out, s)
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    super::descriptor::put_bytes(out, b)
}

fn get_bytes(r: &mut &[u8]) -> Result<Vec<u8>> {
    super::descriptor::get_bytes(r, WHAT)
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

    #[test]
    fn round_trips_and_interns() {
        let def = DomainDef {
            oid: 16500,
            array_oid: 16499,
            schema: "public".into(),
            name: "posint".into(),
            base: SqlType::Varchar(Some(10)),
            parent: None,
            not_null: true,
            default: Some("1".into()),
            checks: vec![DomainCheck {
                oid: 16501,
                name: "posint_check".into(),
                expr: "VALUE > 0".into(),
                validated: false,
            }],
        };
        let mut buf = Vec::new();
        def.encode(&mut buf);
        let back = DomainDef::decode(&mut buf.as_slice()).unwrap();
        assert_eq!(back, def);
        assert!(std::ptr::eq(intern(&def), intern(&back)));
        let child = DomainDef {
            oid: 16600,
            array_oid: 16601,
            name: "small".into(),
            parent: Some(intern(&def)),
            checks: Vec::new(),
            ..def.clone()
        };
        child.encode(&mut buf);
        let back = DomainDef::decode(&mut buf.as_slice()).unwrap();
        assert_eq!(back, child);
        assert_eq!(back.base_oid(), 16500);
        assert!(back.is_or_derives(16500) && !def.is_or_derives(16600));
        assert_eq!(intern(&back).lineage().len(), 2);
        assert_eq!(
            def.check_violation("posint_check").message,
            "value for domain posint violates check constraint \"posint_check\""
        );
    }
}
