//! `x [NOT] IN (SELECT ...)` over an uncorrelated subquery, hashed.
//!
//! An uncorrelated subquery runs once per statement; probing its values
//! with a linear search made `x IN (SELECT ...)` cost the product of the
//! two row counts. Like PostgreSQL's "hashed SubPlan", the values go into
//! a hash set of their equality keys (the GROUP BY encoding of
//! [`row_key_typed`], so SQL-equal values have one key), and each probe is
//! one lookup. SQL's three-valued result is kept: a NULL probe, or a
//! probe not found among values that include a NULL, is NULL (unless the
//! set is empty).
//!
//! Hashing applies when the probe and the subquery column share a type
//! family (integers of any width count as one); other pairs keep the
//! linear search.

use std::collections::HashSet;

use crate::exec::group_key::row_key_typed;
use crate::types::{SqlType, Value};

/// The hashed values of an IN subquery.
#[derive(Debug)]
pub struct HashedValues {
    keys: HashSet<Vec<u8>>,
    has_null: bool,
    empty: bool,
    ty: SqlType,
}

/// The type the keys of a probe of type `probe` against a column of type
/// `column` are encoded as, when they can be hashed.
pub fn key_type(probe: SqlType, column: SqlType) -> Option<SqlType> {
    if probe.is_integer() && column.is_integer() {
        Some(SqlType::Int8)
    } else if probe.same_base(&column) {
        Some(column)
    } else {
        None
    }
}

fn encode(v: &Value, ty: SqlType, out: &mut Vec<u8>) {
    match (ty, v.as_i64()) {
        (SqlType::Int8, Some(i)) => row_key_typed(&[Value::Int8(i)], &[ty], out),
        _ => row_key_typed(std::slice::from_ref(v), &[ty], out),
    }
}

impl HashedValues {
    /// Hashes `values`, encoded as `ty` (from [`key_type`]).
    pub fn new(values: &[Value], ty: SqlType) -> HashedValues {
        let mut keys = HashSet::new();
        let mut has_null = false;
        let mut key = Vec::new();
        for v in values {
            if v.is_null() {
                has_null = true;
                continue;
            }
            encode(v, ty, &mut key);
            if !keys.contains(key.as_slice()) {
                keys.insert(key.clone());
            }
        }
        HashedValues {
            keys,
            has_null,
            empty: values.is_empty(),
            ty,
        }
    }

    /// `probe [NOT] IN (values)` (`negated` for NOT IN).
    pub fn probe(&self, probe: &Value, negated: bool) -> Value {
        if self.empty {
            return Value::Bool(negated);
        }
        if probe.is_null() {
            return Value::Null;
        }
        let mut key = Vec::new();
        encode(probe, self.ty, &mut key);
        if self.keys.contains(key.as_slice()) {
            Value::Bool(!negated)
        } else if self.has_null {
            Value::Null
        } else {
            Value::Bool(negated)
        }
    }
}
