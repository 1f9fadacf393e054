//! Order-preserving keys of values whose order is their type's, not their
//! bytes': arrays, `interval`, unbounded `bpchar`, `jsonb` and composite
//! rows.
//!
//! These values are carried as text (arrays, `jsonb`, rows) or as raw
//! fields (intervals), whose plain key encoding orders and compares unlike
//! PostgreSQL (`{10}` before `{9}`, `'1 day'` apart from `'24 hours'`).
//! Their index keys are *nested* keys ([`rocksgres_codec::key::nested`])
//! built from the parsed value, so that byte order is PostgreSQL's B-tree
//! order and byte equality its equality:
//!
//! * `interval`: the 128-bit span of `interval_cmp_value` (months as 30
//!   days, days as 24 hours, in microseconds).
//! * `bpchar`: the text without trailing blanks (`bpcharcmp`).
//! * arrays (`array_cmp`): the elements in storage order (a NULL after
//!   any value), an end marker (fewer elements first), then the number of
//!   dimensions, each dimension's length and each lower bound.
//! * rows (`record_cmp`): the fields in order, a NULL after any value.
//! * `jsonb` (`compareJsonbContainers`): a tag per node in PostgreSQL's
//!   type order (null < string < number < boolean < array < object), an
//!   array's element count, an object's pair count, then the children in
//!   storage order (object keys by length, then bytes). A top-level
//!   scalar is PostgreSQL's one-element "raw scalar" array, which sorts
//!   before any other one-element array (and after the empty array).
//!
//! Elements and fields of other types use their plain key encoding. The
//! keys are canonical and not decodable; nothing reads values back from
//! index keys (rows are read through the primary key instead).

use rocksgres_codec::key::nested::{
    encode_key_nested, push_element, push_elements_end, push_i128, push_i32, push_nested_element,
    push_null_element, push_u32, push_u8,
};
use rocksgres_codec::{Datum, SortOrder};

use crate::error::{EngineError, Result, SqlState};
use crate::types::json::{self, Json};
use crate::types::{SqlType, Value};

/// Whether key columns of type `ty` need a nested key (their plain key
/// encoding does not give PostgreSQL's order and equality).
pub fn is_typed(ty: &SqlType) -> bool {
    matches!(
        ty,
        SqlType::Array(_)
            | SqlType::Interval(_)
            | SqlType::Char(None)
            | SqlType::Jsonb
            | SqlType::Composite(_)
    )
}

/// Whether an element or field of type `ty` gets a nested body (the
/// typed types, and blank-padded `char(n)`, whose comparison ignores
/// trailing blanks too).
fn nested_body(ty: &SqlType) -> bool {
    is_typed(ty) || matches!(ty, SqlType::Char(_))
}

/// Appends the key column of non-null `value` of type `ty` (one for which
/// [`is_typed`] holds) in `order`.
pub fn push_typed_key(
    buf: &mut Vec<u8>,
    value: &Value,
    ty: &SqlType,
    order: SortOrder,
) -> Result<()> {
    encode_key_nested(buf, order, |b| body(b, value, ty))
}

/// The ascending body of non-null `value` of type `ty`.
fn body(buf: &mut Vec<u8>, value: &Value, ty: &SqlType) -> Result<()> {
    match (ty, value) {
        (SqlType::Interval(_), Value::Interval(i)) => push_i128(buf, i.span_micros()),
        (SqlType::Char(_), Value::Text(s)) => {
            scalar(buf, &Datum::Text(s.trim_end_matches(' ').into()))?
        }
        (SqlType::Jsonb, Value::Text(s)) => {
            let mut tree = json::jsonb_tree(s)?;
            tree.normalize();
            jsonb_top(buf, &tree)?;
        }
        (SqlType::Array(elem), Value::Text(s)) => array(buf, s, elem)?,
        (SqlType::Composite(def), Value::Text(s)) => {
            for (field, attr) in crate::types::composite::fields(def, s)?
                .iter()
                .zip(&def.attrs)
            {
                element(buf, field, &attr.ty)?;
            }
        }
        _ => {
            return Err(EngineError::internal(format!(
                "no key encoding for a value of type {ty}"
            )))
        }
    }
    Ok(())
}

/// Appends one element or field of type `ty` (NULL after any value).
fn element(buf: &mut Vec<u8>, v: &Value, ty: &SqlType) -> Result<()> {
    if v.is_null() {
        push_null_element(buf);
    } else if nested_body(ty) {
        push_nested_element(buf);
        body(buf, v, ty)?;
    } else {
        push_element(buf, &v.to_datum()).map_err(key_error)?;
    }
    Ok(())
}

/// Appends a scalar as an element (its marker included).
fn scalar(buf: &mut Vec<u8>, d: &Datum<'_>) -> Result<()> {
    push_element(buf, d).map_err(key_error)
}

fn key_error(e: rocksgres_codec::CodecError) -> EngineError {
    EngineError::new(
        SqlState::InvalidParameterValue,
        format!("cannot encode key value: {e}"),
    )
}

/// An array's body: its elements, the end marker, the number of
/// dimensions, their lengths, then their lower bounds (as `array_cmp`
/// breaks ties).
fn array(buf: &mut Vec<u8>, text: &str, elem: &SqlType) -> Result<()> {
    let shape = crate::types::array::parse_array(text)?;
    for v in &crate::types::array::elements(text, elem)? {
        element(buf, v, elem)?;
    }
    push_elements_end(buf);
    push_u32(buf, shape.dims.len() as u32);
    for d in &shape.dims {
        push_i32(buf, i32::try_from(d.len).unwrap_or(i32::MAX));
    }
    for d in &shape.dims {
        push_i32(buf, d.lower);
    }
    Ok(())
}

/// Tags of jsonb nodes, in PostgreSQL's order of types.
const J_NULL: u8 = 0x10;
const J_STRING: u8 = 0x20;
const J_NUMBER: u8 = 0x30;
const J_BOOL: u8 = 0x40;
const J_ARRAY: u8 = 0x50;
const J_OBJECT: u8 = 0x60;

/// A top-level jsonb value: a scalar is a one-element raw-scalar array.
fn jsonb_top(buf: &mut Vec<u8>, j: &Json) -> Result<()> {
    match j {
        Json::Array(_) | Json::Object(_) => jsonb_node(buf, j),
        scalar => {
            push_u8(buf, J_ARRAY);
            push_u32(buf, 1);
            push_u8(buf, 0); // raw scalar: before a real one-element array
            jsonb_node(buf, scalar)
        }
    }
}

/// One jsonb node: its tag, then its content.
fn jsonb_node(buf: &mut Vec<u8>, j: &Json) -> Result<()> {
    crate::sql::depth::guard(|| match j {
        Json::Null => {
            push_u8(buf, J_NULL);
            Ok(())
        }
        Json::String(s) => {
            push_u8(buf, J_STRING);
            scalar(buf, &Datum::Text(s.as_str().into()))
        }
        // Stored documents hold no datetime items; one keys as its string.
        Json::Datetime(d) => {
            push_u8(buf, J_STRING);
            scalar(buf, &Datum::Text(d.iso_text().into()))
        }
        Json::Number(n) => {
            push_u8(buf, J_NUMBER);
            scalar(buf, &Datum::Numeric(n.clone()))
        }
        Json::Bool(b) => {
            push_u8(buf, J_BOOL);
            push_u8(buf, u8::from(*b));
            Ok(())
        }
        Json::Array(items) => {
            push_u8(buf, J_ARRAY);
            push_u32(buf, items.len() as u32);
            push_u8(buf, 1); // not a raw scalar
            items.iter().try_for_each(|item| jsonb_node(buf, item))
        }
        Json::Object(pairs) => {
            push_u8(buf, J_OBJECT);
            push_u32(buf, pairs.len() as u32);
            for (k, v) in pairs {
                scalar(buf, &Datum::Text(k.as_str().into()))?;
                jsonb_node(buf, v)?;
            }
            Ok(())
        }
    })
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering;

    use super::*;
    use crate::types::compare_typed;

    fn key(text: &str, ty: &SqlType) -> Vec<u8> {
        let v = Value::parse_text(text, ty).unwrap();
        let mut out = Vec::new();
        push_typed_key(&mut out, &v, ty, SortOrder::ASC).unwrap();
        out
    }

    /// Every pair of `values` (given in PostgreSQL's order, equal ones
    /// adjacent and marked `=`) compares as its keys do, and as
    /// `compare_typed`.
    fn check_sorted(values: &[&str], ty: &SqlType) {
        let mut parsed = Vec::new();
        for v in values {
            let (eq, text) = match v.strip_prefix('=') {
                Some(t) => (true, t),
                None => (false, *v),
            };
            parsed.push((eq, text, key(text, ty)));
        }
        for w in parsed.windows(2) {
            let want = if w[1].0 {
                Ordering::Equal
            } else {
                Ordering::Less
            };
            assert_eq!(w[0].2.cmp(&w[1].2), want, "{} vs {}", w[0].1, w[1].1);
            let a = Value::parse_text(w[0].1, ty).unwrap();
            let b = Value::parse_text(w[1].1, ty).unwrap();
            assert_eq!(
                compare_typed(ty, &a, &b),
                Some(want),
                "compare {} vs {}",
                w[0].1,
                w[1].1
            );
        }
    }

    #[test]
    fn intervals_by_span() {
        check_sorted(
            &[
                "-1 year",
                "-1 day",
                "0",
                "1 hour",
                "1 day",
                "=24 hours",
                "1 mon",
                "=30 days",
                "1 year",
            ],
            &SqlType::Interval(None),
        );
    }

    #[test]
    fn arrays_as_array_cmp() {
        let int = SqlType::Array(&SqlType::Int4);
        check_sorted(
            &[
                "{}",
                "{1}",
                "[0:1]={1,2}",
                "{1,2}",
                "{{1,2}}",
                "{1,2,3}",
                "{1,NULL}",
                "{9}",
                "{10}",
                "{NULL}",
            ],
            &int,
        );
    }

    #[test]
    fn jsonb_as_postgres() {
        check_sorted(
            &[
                "[]",
                "null",
                "\"\"",
                "\"a\"",
                "\"b\"",
                "-1",
                "1",
                "=1.0",
                "2",
                "false",
                "true",
                "[1]",
                "[2]",
                "[\"a\", 1]",
                "[1, 2]",
                "{}",
                "{\"aa\": 1}",
                "{\"b\": 1}",
                "{\"a\": 1, \"b\": 2}",
            ],
            &SqlType::Jsonb,
        );
    }

    #[test]
    fn bpchar_ignores_trailing_blanks() {
        assert_eq!(
            key("a  ", &SqlType::Char(None)),
            key("a", &SqlType::Char(None))
        );
        assert!(key("a", &SqlType::Char(None)) < key("a\t", &SqlType::Char(None)));
    }

    /// Every pair of `texts` orders by key as `compare_typed` orders it,
    /// and no key is a proper prefix of another (keys stay prefix-free).
    fn check_all_pairs(texts: &[String], ty: &SqlType) {
        let keyed: Vec<(Value, Vec<u8>)> = texts
            .iter()
            .map(|t| (Value::parse_text(t, ty).unwrap(), key(t, ty)))
            .collect();
        for (i, (a, ka)) in keyed.iter().enumerate() {
            for (j, (b, kb)) in keyed.iter().enumerate() {
                assert_eq!(
                    Some(ka.cmp(kb)),
                    compare_typed(ty, a, b),
                    "{} vs {}",
                    texts[i],
                    texts[j]
                );
                if ka != kb {
                    assert!(!kb.starts_with(ka), "{} prefixes {}", texts[i], texts[j]);
                }
            }
        }
    }

    #[test]
    fn small_arrays_exhaustively() {
        let items = ["NULL", "1", "2", "10"];
        let mut texts = vec!["{}".to_string()];
        for a in items {
            texts.push(format!("{{{a}}}"));
            texts.push(format!("[0:0]={{{a}}}"));
            for b in items {
                texts.push(format!("{{{a},{b}}}"));
                texts.push(format!("{{{{{a}}},{{{b}}}}}"));
                texts.push(format!("[2:3]={{{a},{b}}}"));
                for c in ["NULL", "2"] {
                    texts.push(format!("{{{a},{b},{c}}}"));
                }
            }
        }
        check_all_pairs(&texts, &SqlType::Array(&SqlType::Int4));
        let spans = [
            "{}",
            "{1 day}",
            "{24:00}",
            "{1 mon,NULL}",
            "{30 days}",
            "{-1 day}",
        ];
        let spans: Vec<String> = spans.iter().map(|s| s.to_string()).collect();
        check_all_pairs(&spans, &SqlType::Array(&SqlType::Interval(None)));
    }

    #[test]
    fn jsonb_pairs_exhaustively() {
        let texts: Vec<String> = [
            "null",
            "true",
            "false",
            "0",
            "-0.5",
            "1",
            "1.0",
            "\"\"",
            "\"a\"",
            "\"ab\"",
            "[]",
            "[null]",
            "[[]]",
            "[1, 2]",
            "[2, 1]",
            "[\"a\", null]",
            "{}",
            "{\"a\": null}",
            "{\"a\": 1}",
            "{\"b\": 0}",
            "{\"aa\": 0}",
            "{\"a\": [1], \"b\": {}}",
            "{\"a\": [1.0], \"b\": {}}",
            "[{}, []]",
            "[[], {}]",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        check_all_pairs(&texts, &SqlType::Jsonb);
    }
}
