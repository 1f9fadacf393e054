//! Grouping keys by type: the bytes GROUP BY, DISTINCT, UNION, INTERSECT,
//! EXCEPT and DISTINCT aggregates compare, equal exactly when the values
//! are equal under the type's equality operator.
//!
//! Most values carry their equality in their key encoding
//! ([`crate::exec::run::row_key`]). `jsonb` values and arrays are carried
//! as text, which is not enough: `'1.0'::jsonb = '1'::jsonb` (numbers
//! compare as numeric) and `'{1.0}'::numeric[] = '{1}'`. Their keys are
//! built from the parsed value instead: a jsonb tree with each number
//! key-encoded as a numeric, an array as its dimensions and the keys of
//! its elements of the element type.

use rocksgres_codec::{encode_key_column, SortOrder};

use crate::types::json::Json;
use crate::types::{SqlType, Value};

/// Whether values of `ty` need a typed key (they are carried as text
/// whose bytes do not decide equality).
fn typed(ty: &SqlType) -> bool {
    matches!(ty, SqlType::Jsonb | SqlType::Array(_))
}

/// Encodes `row`, whose columns have types `types`, into `out` so that
/// rows equal under their types' equality (NULLs equal) have equal
/// bytes. A value a typed key cannot parse keeps its plain key.
pub fn row_key_typed(row: &[Value], types: &[SqlType], out: &mut Vec<u8>) {
    if !types.iter().any(typed) {
        return crate::exec::run::row_key(row, out);
    }
    out.clear();
    let mut one = Vec::new();
    for (i, v) in row.iter().enumerate() {
        let ty = types.get(i).copied().unwrap_or(SqlType::Text);
        if typed(&ty) && !v.is_null() {
            one.clear();
            if value_key(v, &ty, &mut one) {
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

/// The typed key of one non-null value of `ty` (false when it cannot be
/// parsed).
fn value_key(v: &Value, ty: &SqlType, out: &mut Vec<u8>) -> bool {
    let Value::Text(text) = v else {
        return false;
    };
    match ty {
        SqlType::Jsonb => match crate::types::json::jsonb_tree(text) {
            Ok(j) => {
                json_key(&j, out);
                true
            }
            Err(_) => false,
        },
        SqlType::Array(elem) => {
            let Ok(arr) = crate::types::array::parse_array(text) else {
                return false;
            };
            out.extend_from_slice(&(arr.dims.len() as u32).to_be_bytes());
            for d in &arr.dims {
                out.extend_from_slice(&(d.len as u64).to_be_bytes());
                out.extend_from_slice(&d.lower.to_be_bytes());
            }
            let Ok(items) = crate::types::array::elements(text, elem) else {
                return false;
            };
            let types = std::slice::from_ref(*elem);
            let mut one = Vec::new();
            for item in &items {
                row_key_typed(std::slice::from_ref(item), types, &mut one);
                out.extend_from_slice(&(one.len() as u64).to_be_bytes());
                out.extend_from_slice(&one);
            }
            true
        }
        _ => false,
    }
}

/// The key of a jsonb tree: a tag per node, numbers as numeric keys
/// (so `1.0` and `1` meet), strings and object keys length-prefixed.
fn json_key(j: &Json, out: &mut Vec<u8>) {
    match j {
        Json::Null => out.push(1),
        Json::Bool(b) => {
            out.push(2);
            out.push(u8::from(*b));
        }
        Json::Number(n) => {
            out.push(3);
            let mut k = Vec::new();
            if encode_key_column(
                &mut k,
                &Value::Numeric(n.clone()).to_datum(),
                SortOrder::ASC,
            )
            .is_err()
            {
                k = n.to_string().into_bytes();
            }
            out.extend_from_slice(&(k.len() as u32).to_be_bytes());
            out.extend_from_slice(&k);
        }
        Json::String(s) => {
            out.push(4);
            out.extend_from_slice(&(s.len() as u64).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        Json::Array(items) => {
            out.push(5);
            out.extend_from_slice(&(items.len() as u64).to_be_bytes());
            for item in items {
                json_key(item, out);
            }
        }
        Json::Object(pairs) => {
            out.push(6);
            out.extend_from_slice(&(pairs.len() as u64).to_be_bytes());
            for (k, v) in pairs {
                out.extend_from_slice(&(k.len() as u64).to_be_bytes());
                out.extend_from_slice(k.as_bytes());
                json_key(v, out);
            }
        }
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
