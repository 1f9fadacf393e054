//! `json[b]_to_record` and `json[b]_to_recordset`: rows typed by the
//! caller's column definition list (`AS x(a int, b text)`).
//!
//! Each column takes the value of the object key of the same name (the
//! last one of a `json` object that repeats it; missing keys and JSON
//! `null` give SQL `NULL`), converted as PostgreSQL's `populate_record`
//! does: into `json`/`jsonb` columns the value itself (a `json` value as
//! written), a JSON string through the column type's input from the
//! unescaped text, a JSON array into an array column element by element,
//! anything else through the input of its JSON text. Input errors are the
//! column type's own (22P02 for `"zz"` into `int`). Rows are produced from
//! the one document the call received, so they are bounded by its size.
//!
//! `json[b]_populate_record[set](base, doc)` convert the same way into the
//! attributes of `base`'s composite type; a key the object lacks takes
//! the field of `base` (NULL for a NULL `base`) ([`populate_rows`]).

use super::json::{self, Json};
use super::{CastKind, SqlType, Value};
use crate::error::{EngineError, Result, SqlState};

/// The functions of this module, by name: whether it is a `...set`
/// variant and whether it reads `json` (not `jsonb`).
pub fn by_name(name: &str) -> Option<(bool, bool)> {
    match name {
        "jsonb_to_record" => Some((false, false)),
        "jsonb_to_recordset" => Some((true, false)),
        "json_to_record" => Some((false, true)),
        "json_to_recordset" => Some((true, true)),
        _ => None,
    }
}

/// The `populate` functions, by name: their `'static` name, whether it
/// is a `...set` variant and whether it reads `json` (not `jsonb`).
pub fn populate_by_name(name: &str) -> Option<(&'static str, bool, bool)> {
    match name {
        "jsonb_populate_record" => Some(("jsonb_populate_record", false, false)),
        "jsonb_populate_recordset" => Some(("jsonb_populate_recordset", true, false)),
        "json_populate_record" => Some(("json_populate_record", false, true)),
        "json_populate_recordset" => Some(("json_populate_recordset", true, true)),
        _ => None,
    }
}

/// The fields of a `populate` function's `base` argument: `None` for SQL
/// `NULL` (the planner checked that `ty` is a composite type).
pub fn base_fields(ty: &SqlType, base: &Value) -> Result<Option<Vec<Value>>> {
    match (ty, base) {
        (_, Value::Null) => Ok(None),
        (SqlType::Composite(def), Value::Text(s)) => Ok(Some(super::composite::fields(def, s)?)),
        _ => Err(EngineError::internal("populate base is not a row")),
    }
}

/// The rows of `fname(doc)` for columns `columns` (`doc` is the argument's
/// text; `None` for SQL `NULL`: one row of `NULL`s for `..._to_record`, no
/// rows for `..._to_recordset`).
pub fn rows(
    fname: &str,
    doc: Option<&str>,
    columns: &[(String, SqlType)],
) -> Result<Vec<Vec<Value>>> {
    populate_rows(fname, None, doc, columns)
}

/// The rows of `fname(base, doc)` (or `fname(doc)` for `..._to_record[set]`,
/// with no `base`): as [`rows`], a key the object lacks taking `base`'s
/// field; a `NULL` document gives `base` (its fields, or `NULL`s) for
/// `..._record`.
pub fn populate_rows(
    fname: &str,
    base: Option<&[Value]>,
    doc: Option<&str>,
    columns: &[(String, SqlType)],
) -> Result<Vec<Vec<Value>>> {
    let (set, is_json) = by_name(fname)
        .or_else(|| populate_by_name(fname).map(|(_, s, j)| (s, j)))
        .unwrap_or((false, false));
    let Some(doc) = doc else {
        return Ok(if set {
            Vec::new()
        } else {
            vec![base.map_or_else(|| vec![Value::Null; columns.len()], <[Value]>::to_vec)]
        });
    };
    let bad = |msg: String| EngineError::new(SqlState::InvalidParameterValue, msg);
    if !set {
        return match json::raw_kind(doc) {
            b'{' => Ok(vec![record(doc, columns, base, is_json)?]),
            b'[' => Err(bad("cannot call populate_composite on an array".into())),
            _ => Err(bad("cannot call populate_composite on a scalar".into())),
        };
    }
    match (json::raw_kind(doc), is_json) {
        (b'[', _) => {}
        (_, false) => return Err(bad(format!("cannot call {fname} on a non-array"))),
        (b'{', true) => return Err(bad(format!("cannot call {fname} on an object"))),
        (_, true) => return Err(bad(format!("cannot call {fname} on a scalar"))),
    }
    let mut out = Vec::new();
    for (_, element) in json::raw_items(doc)? {
        if json::raw_kind(element) != b'{' {
            return Err(bad(format!(
                "argument of {fname} must be an array of objects"
            )));
        }
        out.push(record(element, columns, base, is_json)?);
    }
    Ok(out)
}

/// One row from the object text `obj` (missing keys from `base`).
fn record(
    obj: &str,
    columns: &[(String, SqlType)],
    base: Option<&[Value]>,
    is_json: bool,
) -> Result<Vec<Value>> {
    let members = json::raw_items(obj)?;
    columns
        .iter()
        .enumerate()
        .map(|(i, (name, ty))| {
            match members
                .iter()
                .rev()
                .find(|(k, _)| k.as_deref() == Some(name.as_str()))
            {
                Some((_, v)) => value(v, ty, is_json),
                None => Ok(base.and_then(|b| b.get(i)).cloned().unwrap_or(Value::Null)),
            }
        })
        .collect()
}

/// Converts one member's JSON text to a column value (other than a
/// string, a `json` member through the input of its text as written).
fn value(v: &str, ty: &SqlType, is_json: bool) -> Result<Value> {
    let input = |text: String| {
        super::cast::cast_from(Value::Text(text), &SqlType::Text, ty, CastKind::Assignment)
    };
    match (json::raw_kind(v), ty) {
        (b'n', _) => Ok(Value::Null),
        (_, SqlType::Json) => Ok(Value::Text(v.trim().to_owned())),
        (_, SqlType::Jsonb) => Ok(Value::Text(json::parse_jsonb_text(v)?)),
        (b'"', _) => match json::parse(v, false)? {
            Json::String(s) => input(s),
            _ => Err(EngineError::internal("JSON string expected")),
        },
        (b'[', t) if t.element().is_some() => {
            let tree = json::parse(v, false)?;
            let mut literal = String::new();
            array_literal(&tree, &mut literal)?;
            input(literal)
        }
        _ if is_json => input(v.trim().to_owned()),
        _ => input(json::parse_jsonb_text(v)?),
    }
}

fn malformed() -> EngineError {
    EngineError::new(SqlState::InvalidTextRepresentation, "malformed JSON array")
        .with_detail("Multidimensional arrays must have sub-arrays with matching dimensions.")
}

/// The shape of a JSON array as a PostgreSQL array: its dimensions, 22P02
/// when sub-arrays do not match.
fn dims(j: &Json) -> Result<Vec<usize>> {
    let Json::Array(items) = j else {
        return Ok(Vec::new());
    };
    let mut inner: Option<Vec<usize>> = None;
    for item in items {
        let d = match item {
            Json::Array(_) => dims(item)?,
            _ => Vec::new(),
        };
        match &inner {
            Some(prev) if *prev != d || (d.is_empty() && matches!(item, Json::Array(_))) => {
                return Err(malformed())
            }
            _ => inner = Some(d),
        }
    }
    let mut out = vec![items.len()];
    out.extend(inner.unwrap_or_default());
    Ok(out)
}

/// Writes a JSON array as a PostgreSQL array literal (`{1,"a b",NULL}`).
fn array_literal(j: &Json, out: &mut String) -> Result<()> {
    dims(j)?;
    write_elements(j, out);
    Ok(())
}

fn write_elements(j: &Json, out: &mut String) {
    match j {
        Json::Array(items) => {
            out.push('{');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_elements(item, out);
            }
            out.push('}');
        }
        Json::Null => out.push_str("NULL"),
        other => {
            let text = match other {
                Json::String(s) => s.clone(),
                _ => other.to_jsonb_text(),
            };
            out.push('"');
            for c in text.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(c: &[(&str, SqlType)]) -> Vec<(String, SqlType)> {
        c.iter().map(|(n, t)| (n.to_string(), *t)).collect()
    }

    #[test]
    fn values_convert_by_column_type() {
        let c = cols(&[
            ("a", SqlType::Int4),
            ("b", SqlType::Text),
            ("c", SqlType::Jsonb),
        ]);
        let r = rows(
            "jsonb_to_record",
            Some(r#"{"a": 1, "b": "x", "c": {"k": 1}}"#),
            &c,
        )
        .unwrap();
        assert_eq!(
            r,
            vec![vec![
                Value::Int4(1),
                Value::Text("x".into()),
                Value::Text(r#"{"k": 1}"#.into())
            ]]
        );
        let e = rows("jsonb_to_record", Some(r#"{"a": "zz"}"#), &c).unwrap_err();
        assert_eq!(e.state, SqlState::InvalidTextRepresentation);
    }

    #[test]
    fn sets_and_shapes() {
        let c = cols(&[("a", SqlType::Int4)]);
        assert_eq!(
            rows("jsonb_to_recordset", Some(r#"[{"a": 1}, {}]"#), &c)
                .unwrap()
                .len(),
            2
        );
        assert!(rows("jsonb_to_recordset", None, &c).unwrap().is_empty());
        assert_eq!(
            rows("jsonb_to_record", None, &c).unwrap(),
            vec![vec![Value::Null]]
        );
        let e = rows("jsonb_to_recordset", Some("[1]"), &c).unwrap_err();
        assert_eq!(e.state, SqlState::InvalidParameterValue);
        let e = rows("jsonb_to_record", Some("[1]"), &c).unwrap_err();
        assert_eq!(e.state, SqlState::InvalidParameterValue);
    }

    #[test]
    fn arrays_must_be_rectangular() {
        let mut s = String::new();
        array_literal(
            &json::parse(r#"[[1, 2], [3, "x y"]]"#, false).unwrap(),
            &mut s,
        )
        .unwrap();
        assert_eq!(s, r#"{{"1","2"},{"3","x y"}}"#);
        let e = array_literal(&json::parse("[[1, 2], [3]]", false).unwrap(), &mut s).unwrap_err();
        assert_eq!(e.state, SqlState::InvalidTextRepresentation);
    }
}
