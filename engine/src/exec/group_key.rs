//! Grouping keys by type: the bytes GROUP BY, DISTINCT, UNION, INTERSECT,
//! EXCEPT and DISTINCT aggregates compare, equal exactly when the values
//! are equal under the type's equality operator.
//!
//! Most values carry their equality in their key encoding
//! ([`crate::exec::run::row_key`]). Arrays, `jsonb`, composite rows,
//! intervals and unbounded `bpchar` do not: `'1.0'::jsonb = '1'::jsonb`
//! (numbers compare as numeric), `'{1.0}'::numeric[] = '{1}'`,
//! `'1 day'::interval = '24 hours'` and `'a'::bpchar = 'a  '`. Their keys
//! are the nested keys of [`crate::exec::typed_key`], built from the
//! parsed value, which are equal exactly when the values are.

use rocksgres_codec::SortOrder;

use crate::exec::typed_key::{is_typed, push_typed_key};
use crate::types::{SqlType, Value};

/// Encodes `row`, whose columns have types `types`, into `out` so that
/// rows equal under their types' equality (NULLs equal) have equal
/// bytes. A value a typed key cannot parse keeps its plain key.
pub fn row_key_typed(row: &[Value], types: &[SqlType], out: &mut Vec<u8>) {
    if !types.iter().any(is_typed) {
        return crate::exec::run::row_key(row, out);
    }
    out.clear();
    let mut one = Vec::new();
    for (i, v) in row.iter().enumerate() {
        let ty = types.get(i).copied().unwrap_or(SqlType::Text);
        if is_typed(&ty) && !v.is_null() {
            one.clear();
            if push_typed_key(&mut one, v, &ty, SortOrder::ASC).is_ok() {
                out.push(0xFE);
                out.extend_from_slice(&(one.len() as u64).to_be_bytes());
                out.extend_from_slice(&one);
                continue;
            }
        }
        one.clear();
        crate::exec::run::row_key(std::slice::from_ref(v), &mut one);
        out.push(0xFD);
        out.extend_from_slice(&one);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(v: &str, ty: SqlType) -> Vec<u8> {
        let mut out = Vec::new();
        row_key_typed(&[Value::Text(v.into())], &[ty], &mut out);
        out
    }

    #[test]
    fn equal_values_share_a_key() {
        assert_eq!(key("1.0", SqlType::Jsonb), key("1", SqlType::Jsonb));
        assert_eq!(
            key(r#"{"a": [1.50, null]}"#, SqlType::Jsonb),
            key(r#"{"a": [1.5, null]}"#, SqlType::Jsonb)
        );
        assert_ne!(key("1", SqlType::Jsonb), key("\"1\"", SqlType::Jsonb));
        assert_ne!(key("[1]", SqlType::Jsonb), key("1", SqlType::Jsonb));
        let num = SqlType::Array(&SqlType::Numeric {
            precision: None,
            scale: None,
        });
        assert_eq!(key("{1.0,2}", num), key("{1,2.00}", num));
        assert_ne!(key("{1,2}", num), key("{{1,2}}", num));
        assert_ne!(key("{1,NULL}", num), key("{1}", num));
    }
}
