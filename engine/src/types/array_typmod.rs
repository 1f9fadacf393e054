//! Arrays whose element type has a type modifier (`varchar(3)[]`,
//! `numeric(10,2)[]`, `bit(4)[]`, `timestamp(0)[]`, ...).
//!
//! PostgreSQL keeps an array column's modifier in `atttypmod` as the
//! element's (`varchar(3)[]` is `_varchar` with typmod 7) and applies it
//! to every element on assignment and on casts, as the element's length
//! coercion would: explicit casts truncate strings, assignments fail with
//! 22001, `numeric` elements are rounded to the scale (22003 past the
//! precision), bit strings are checked, timestamps rounded.
//!
//! [`SqlType::Array`] holds a `'static` element type; an element with a
//! modifier is interned here ([`element`]), one leaked entry per distinct
//! element type (bounded by the types a schema names, not by data).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::cast::{apply_typmod, CastKind};
use super::sql_type::SqlType;
use super::value::Value;
use crate::error::Result;

/// The interned `'static` copy of element type `ty` (also used for the
/// element of a composite type's array type).
pub fn element(ty: SqlType) -> &'static SqlType {
    static TABLE: OnceLock<Mutex<HashMap<SqlType, &'static SqlType>>> = OnceLock::new();
    let mut table = TABLE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    table.entry(ty).or_insert_with(|| Box::leak(Box::new(ty)))
}

/// The array of `elem` keeping its modifier (`varchar(3)` ->
/// `varchar(3)[]`); `None` where arrays of the element's base type are
/// not built.
pub fn array_of(elem: &SqlType) -> Option<SqlType> {
    let base = elem.array_of()?;
    if elem.typmod() == -1 {
        return Some(base);
    }
    Some(SqlType::Array(element(*elem)))
}

/// Whether `ty` is an array whose element type has a modifier.
pub fn has_element_typmod(ty: &SqlType) -> bool {
    matches!(ty, SqlType::Array(e) if e.typmod() != -1)
}

/// Applies element type `elem`'s modifier to every element of the array
/// text `text` (in context `kind`); returns the new array text.
pub fn apply(text: &str, elem: &SqlType, kind: CastKind) -> Result<String> {
    let mut arr = super::array::parse_array(text)?;
    for item in arr.items.iter_mut().flatten() {
        let v = Value::parse_text_base(item, elem)?;
        let v = apply_typmod(v, elem, kind)?;
        *item = v.to_text().unwrap_or_default();
    }
    Ok(arr.to_text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_get_the_modifier() {
        let ty = array_of(&SqlType::Varchar(Some(3))).unwrap();
        assert_eq!(ty.display_name(), "character varying(3)[]");
        assert_eq!(ty.oid(), 1015);
        assert_eq!(ty.typmod(), 7);
        assert_eq!(SqlType::from_oid_typmod(1015, 7), Some(ty));
        assert_eq!(
            ty.without_typmod(),
            SqlType::Varchar(None).array_of().unwrap()
        );
        let e = SqlType::Varchar(Some(3));
        assert_eq!(
            apply("{abcd,ab,NULL}", &e, CastKind::Explicit).unwrap(),
            "{abc,ab,NULL}"
        );
        let err = apply("{abcd}", &e, CastKind::Assignment).unwrap_err();
        assert_eq!(err.message, "value too long for type character varying(3)");
        let n = SqlType::Numeric {
            precision: Some(4),
            scale: Some(2),
        };
        assert_eq!(
            apply("{1.256}", &n, CastKind::Assignment).unwrap(),
            "{1.26}"
        );
        assert_eq!(
            apply("{a}", &SqlType::Char(Some(2)), CastKind::Assignment).unwrap(),
            "{\"a \"}"
        );
    }
}
