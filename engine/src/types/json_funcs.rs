//! The scalar `json`/`jsonb` functions: the builders (`to_json[b]`,
//! `json[b]_build_object`, `json[b]_build_array`, `row_to_json` over the
//! columns the binder expands), `jsonb_set`, `jsonb_insert`,
//! `jsonb_strip_nulls`, `json[b]_typeof`, `json[b]_array_length` and
//! `jsonb_pretty`.
//!
//! Converting an SQL value to JSON depends on its SQL type (a `text`
//! becomes a JSON string, a `jsonb` is embedded), so the builders are
//! typed functions ([`super::functions::TypedFn`]): [`resolve`] keeps each
//! argument's own type and the evaluator receives the types with the
//! values. `json` results are written as PostgreSQL writes them
//! (`json_build_object`: `{"a" : 1}`, `to_json` of an array: `[1,2]`,
//! `row_to_json`: `{"a":1,"b":"x"}`), `jsonb` results are canonical.

use rocksgres_codec::Numeric;

use super::datetime;
use super::functions::{ScalarFunction, TypedFn, Volatility};
use super::json::{self, escape_into, jsonb_tree, Json};
use super::sql_type::SqlType;
use super::value::Value;
use crate::error::{EngineError, Result, SqlState};

/// The JSON tree of an SQL value of type `ty` (`to_jsonb`'s conversion).
pub fn to_json_tree(v: &Value, ty: &SqlType) -> Result<Json> {
    Ok(match (v, ty) {
        (Value::Null, _) => Json::Null,
        (Value::Text(s), SqlType::Json) => {
            let mut j = json::json_tree(s)?;
            j.normalize();
            j
        }
        (Value::Text(s), SqlType::Jsonb) => jsonb_tree(s)?,
        // A composite value: an object of its attributes.
        (Value::Text(s), SqlType::Composite(d)) => Json::Object(
            super::composite::fields(d, s)?
                .iter()
                .zip(&d.attrs)
                .map(|(v, a)| Ok((a.name.clone(), to_json_tree(v, &a.ty)?)))
                .collect::<Result<Vec<_>>>()?,
        ),
        (Value::Text(s), SqlType::Array(elem)) => {
            let dims = super::array::parse_array(s)?.dims;
            let leaves = super::array::elements(s, elem)?
                .iter()
                .map(|e| to_json_tree(e, elem))
                .collect::<Result<Vec<_>>>()?;
            nest_json(leaves, &dims)
        }
        (Value::Bool(b), _) => Json::Bool(*b),
        (Value::Int2(_) | Value::Int4(_) | Value::Int8(_), _) if *ty != SqlType::Oid => {
            Json::Number(Numeric::from(v.as_i64().unwrap_or_default()))
        }
        (Value::Numeric(n), _) if n.is_finite() => Json::Number(n.clone()),
        (Value::Float4(_) | Value::Float8(_), _) => {
            let text = scalar_text(v);
            match Numeric::parse(&text) {
                Ok(n) if n.is_finite() => Json::Number(n),
                _ => Json::String(text),
            }
        }
        _ => Json::String(scalar_text(v)),
    })
}

/// The text PostgreSQL's JSON conversion gives a non-number scalar:
/// date/time types in ISO 8601 (`T` between date and time).
fn scalar_text(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Timestamp(t) | Value::Timestamptz(t) if datetime_finite(*t) => {
            datetime::write_timestamp(&mut out, *t, matches!(v, Value::Timestamptz(_)));
            if let Some(i) = out.find(' ') {
                out.replace_range(i..=i, "T");
            }
            if matches!(v, Value::Timestamptz(_)) && out.ends_with("+00") {
                out.push_str(":00");
            }
        }
        other => other.write_text(&mut out),
    }
    out
}

/// A multi-dimensional array's elements as nested JSON arrays, one level
/// per dimension.
fn nest_json(leaves: Vec<Json>, dims: &[super::array::Dim]) -> Json {
    if dims.len() <= 1 {
        return Json::Array(leaves);
    }
    let per: usize = dims[1..].iter().map(|d| d.len).product();
    let mut it = leaves.into_iter();
    Json::Array(
        (0..dims[0].len)
            .map(|_| nest_json(it.by_ref().take(per).collect(), &dims[1..]))
            .collect(),
    )
}

fn datetime_finite(t: i64) -> bool {
    t != i64::MIN && t != i64::MAX
}

/// Appends the `json` text of a value (`to_json`'s output: arrays without
/// spaces, `json` embedded as written).
fn write_json(out: &mut String, v: &Value, ty: &SqlType) -> Result<()> {
    match (v, ty) {
        (Value::Null, _) => out.push_str("null"),
        (Value::Text(s), SqlType::Json | SqlType::Jsonb) => out.push_str(s),
        (Value::Text(s), SqlType::Array(_)) if super::array::parse_array(s)?.ndims() > 1 => {
            to_json_tree(v, ty)?.write(out, ",", ":");
        }
        (Value::Text(s), SqlType::Composite(d)) => {
            out.push('{');
            for (i, (f, a)) in super::composite::fields(d, s)?
                .iter()
                .zip(&d.attrs)
                .enumerate()
            {
                if i > 0 {
                    out.push(',');
                }
                escape_into(out, &a.name);
                out.push(':');
                write_json(out, f, &a.ty)?;
            }
            out.push('}');
        }
        (Value::Text(s), SqlType::Array(elem)) => {
            out.push('[');
            for (i, e) in super::array::elements(s, elem)?.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, e, elem)?;
            }
            out.push(']');
        }
        _ => match to_json_tree(v, ty)? {
            Json::String(s) => escape_into(out, &s),
            other => other.write(out, ",", ":"),
        },
    }
    Ok(())
}

/// The `json` text of a value of type `ty` (`to_json`'s output; `null`
/// for NULL), as `json_agg` collects it.
pub fn json_text(v: &Value, ty: &SqlType) -> Result<String> {
    let mut out = String::new();
    write_json(&mut out, v, ty)?;
    Ok(out)
}

fn text_value(s: String) -> Value {
    Value::Text(s)
}

fn key_text(v: &Value, ty: &SqlType, position: usize) -> Result<String> {
    if v.is_null() {
        return Err(EngineError::new(
            SqlState::InvalidParameterValue,
            format!("argument {position}: key must not be null"),
        ));
    }
    if matches!(ty, SqlType::Array(_) | SqlType::Json | SqlType::Jsonb) {
        return Err(EngineError::new(
            SqlState::InvalidParameterValue,
            "key value must be scalar, not array, composite, or json",
        ));
    }
    Ok(match v {
        Value::Bool(b) => if *b { "true" } else { "false" }.to_owned(),
        other => scalar_text(other),
    })
}

fn even_args(name: &str, n: usize) -> Result<()> {
    if n.is_multiple_of(2) {
        return Ok(());
    }
    Err(EngineError::new(
        SqlState::InvalidParameterValue,
        "argument list must have even number of elements",
    )
    .with_hint(format!(
        "The arguments of {name}() must consist of alternating keys and values."
    )))
}

fn jsonb_build_object(a: &[Value], t: &[SqlType]) -> Result<Value> {
    even_args("jsonb_build_object", a.len())?;
    let mut pairs = Vec::with_capacity(a.len() / 2);
    for i in (0..a.len()).step_by(2) {
        pairs.push((
            key_text(&a[i], &t[i], i + 1)?,
            to_json_tree(&a[i + 1], &t[i + 1])?,
        ));
    }
    let mut j = Json::Object(pairs);
    j.normalize();
    Ok(text_value(j.to_jsonb_text()))
}

fn json_build_object(a: &[Value], t: &[SqlType]) -> Result<Value> {
    even_args("json_build_object", a.len())?;
    let mut out = String::from("{");
    for i in (0..a.len()).step_by(2) {
        if i > 0 {
            out.push_str(", ");
        }
        escape_into(&mut out, &key_text(&a[i], &t[i], i + 1)?);
        out.push_str(" : ");
        write_json(&mut out, &a[i + 1], &t[i + 1])?;
    }
    out.push('}');
    Ok(text_value(out))
}

fn jsonb_build_array(a: &[Value], t: &[SqlType]) -> Result<Value> {
    let items = a
        .iter()
        .zip(t)
        .map(|(v, ty)| to_json_tree(v, ty))
        .collect::<Result<Vec<_>>>()?;
    Ok(text_value(Json::Array(items).to_jsonb_text()))
}

fn json_build_array(a: &[Value], t: &[SqlType]) -> Result<Value> {
    let mut out = String::from("[");
    for (i, (v, ty)) in a.iter().zip(t).enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_json(&mut out, v, ty)?;
    }
    out.push(']');
    Ok(text_value(out))
}

fn to_jsonb(a: &[Value], t: &[SqlType]) -> Result<Value> {
    if a[0].is_null() {
        return Ok(Value::Null);
    }
    Ok(text_value(to_json_tree(&a[0], &t[0])?.to_jsonb_text()))
}

fn to_json(a: &[Value], t: &[SqlType]) -> Result<Value> {
    if a[0].is_null() {
        return Ok(Value::Null);
    }
    let mut out = String::new();
    write_json(&mut out, &a[0], &t[0])?;
    Ok(text_value(out))
}

/// `row_to_json` over the columns the binder expanded: the arguments are
/// alternating column names (text literals) and values.
fn row_to_json(a: &[Value], t: &[SqlType]) -> Result<Value> {
    let mut out = String::from("{");
    for i in (0..a.len()).step_by(2) {
        if i > 0 {
            out.push(',');
        }
        escape_into(&mut out, a[i].as_str().unwrap_or_default());
        out.push(':');
        write_json(&mut out, &a[i + 1], &t[i + 1])?;
    }
    out.push('}');
    Ok(text_value(out))
}

/// The builder functions taking any argument types: name, minimum and
/// maximum argument count, result type, evaluator.
const BUILDERS: &[(&str, usize, usize, SqlType, TypedFn)] = &[
    (
        "jsonb_build_object",
        0,
        100,
        SqlType::Jsonb,
        jsonb_build_object,
    ),
    (
        "json_build_object",
        0,
        100,
        SqlType::Json,
        json_build_object,
    ),
    (
        "jsonb_build_array",
        0,
        100,
        SqlType::Jsonb,
        jsonb_build_array,
    ),
    ("json_build_array", 0, 100, SqlType::Json, json_build_array),
    ("to_jsonb", 1, 1, SqlType::Jsonb, to_jsonb),
    ("to_json", 1, 1, SqlType::Json, to_json),
    ("row_to_json", 0, 200, SqlType::Json, row_to_json),
];

/// Resolves a typed JSON builder; `None` for other names.
pub fn resolve(name: &str, arg_types: &[SqlType]) -> Option<Result<ScalarFunction>> {
    let (fname, min, max, ret, typed) = BUILDERS.iter().find(|b| b.0 == name)?;
    if arg_types.len() < *min || arg_types.len() > *max {
        let list: Vec<String> = arg_types.iter().map(SqlType::display_name).collect();
        return Some(Err(EngineError::new(
            SqlState::UndefinedFunction,
            format!("function {name}({}) does not exist", list.join(", ")),
        )
        .with_hint(
            "No function matches the given name and argument types. You might need to add explicit type casts.",
        )));
    }
    let arg_types = arg_types
        .iter()
        .map(|t| {
            if *t == SqlType::Unknown {
                SqlType::Text
            } else {
                *t
            }
        })
        .collect();
    Some(Ok(ScalarFunction {
        name: fname,
        arg_types,
        return_type: *ret,
        strict: false,
        volatility: Volatility::Stable,
        catalog: false,
        eval: |_, _| Err(EngineError::internal("typed function called untyped")),
        typed: Some(*typed),
    }))
}

// ---- fixed-signature functions (registered as ordinary candidates) ----

fn doc(v: &Value) -> Result<Json> {
    jsonb_tree(
        v.as_str()
            .ok_or_else(|| EngineError::internal("jsonb argument is not text"))?,
    )
}

fn jsonb(j: &Json) -> Value {
    Value::Text(j.to_jsonb_text())
}

/// `jsonb_typeof(jsonb)`.
pub fn jsonb_typeof(a: &[Value]) -> Result<Value> {
    Ok(Value::Text(doc(&a[0])?.type_name().to_owned()))
}

/// `json_typeof(json)`.
pub fn json_typeof(a: &[Value]) -> Result<Value> {
    let text = a[0].as_str().unwrap_or_default();
    Ok(Value::Text(json::json_tree(text)?.type_name().to_owned()))
}

fn array_length(j: &Json, json_type: &str) -> Result<Value> {
    match j {
        Json::Array(items) => Ok(Value::Int4(items.len() as i32)),
        Json::Object(_) => Err(EngineError::new(
            SqlState::InvalidParameterValue,
            "cannot get array length of a non-array",
        )),
        _ => Err(EngineError::new(
            SqlState::InvalidParameterValue,
            format!("cannot get array length of a scalar{json_type}"),
        )),
    }
}

/// `jsonb_array_length(jsonb)`.
pub fn jsonb_array_length(a: &[Value]) -> Result<Value> {
    array_length(&doc(&a[0])?, "")
}

/// `json_array_length(json)`.
pub fn json_array_length(a: &[Value]) -> Result<Value> {
    array_length(&json::json_tree(a[0].as_str().unwrap_or_default())?, "")
}

/// `jsonb_pretty(jsonb)`.
pub fn jsonb_pretty(a: &[Value]) -> Result<Value> {
    Ok(Value::Text(doc(&a[0])?.pretty()))
}

/// `jsonb_strip_nulls(jsonb)`: object fields whose value is null go,
/// recursively.
pub fn jsonb_strip_nulls(a: &[Value]) -> Result<Value> {
    fn strip(j: &mut Json) {
        match j {
            Json::Object(pairs) => {
                pairs.retain(|(_, v)| !matches!(v, Json::Null));
                pairs.iter_mut().for_each(|(_, v)| strip(v));
            }
            Json::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut j = doc(&a[0])?;
    strip(&mut j);
    Ok(jsonb(&j))
}

fn path_arg(v: &Value) -> Result<Vec<Option<String>>> {
    super::array::parse(v.as_str().unwrap_or_default())
}

/// `jsonb_set(target, path, new_value, create_if_missing)` and
/// `jsonb_insert(target, path, new_value, insert_after)` share the walk:
/// `insert` = Some(after) for jsonb_insert.
fn set_path(a: &[Value], insert: bool) -> Result<Value> {
    let mut target = doc(&a[0])?;
    let path = path_arg(&a[1])?;
    let new = doc(&a[2])?;
    let flag = a.get(3).and_then(Value::as_bool).unwrap_or(!insert);
    if matches!(target, Json::Array(_) | Json::Object(_)) {
        if path.is_empty() {
            return Ok(jsonb(&target));
        }
        set_in(&mut target, &path, new, flag, insert, 1)?;
    } else {
        return Err(EngineError::new(
            SqlState::InvalidParameterValue,
            "cannot set path in scalar",
        ));
    }
    Ok(jsonb(&target))
}

fn set_in(
    j: &mut Json,
    path: &[Option<String>],
    new: Json,
    flag: bool,
    insert: bool,
    level: usize,
) -> Result<()> {
    let Some(step) = path[0].as_deref() else {
        return Err(EngineError::new(
            SqlState::NullValueNotAllowed,
            format!("path element at position {level} is null"),
        ));
    };
    let last = path.len() == 1;
    match j {
        Json::Object(pairs) => {
            let found = pairs.iter().position(|(k, _)| k == step);
            match (found, last) {
                (Some(_), true) if insert => {
                    return Err(EngineError::new(
                        SqlState::InvalidParameterValue,
                        "cannot replace existing key",
                    )
                    .with_hint("Try using the function jsonb_set to replace key value."));
                }
                (Some(i), true) => pairs[i].1 = new,
                (None, true) if flag || insert => {
                    pairs.push((step.to_owned(), new));
                    j.normalize();
                }
                (Some(i), false) => {
                    set_in(&mut pairs[i].1, &path[1..], new, flag, insert, level + 1)?
                }
                _ => {}
            }
        }
        Json::Array(items) => {
            let n: i64 = step.trim().parse().map_err(|_| {
                EngineError::new(
                    SqlState::InvalidTextRepresentation,
                    format!("path element at position {level} is not an integer: \"{step}\""),
                )
            })?;
            let len = items.len() as i64;
            let idx = if n < 0 { len + n } else { n };
            if last {
                if insert {
                    // jsonb_insert: before (or after) the element; out of
                    // range goes to the nearest end.
                    let mut pos = idx.clamp(0, len);
                    if flag && (0..len).contains(&idx) {
                        pos += 1;
                    }
                    if n < 0 && idx < 0 {
                        pos = 0;
                    }
                    items.insert(pos as usize, new);
                } else if (0..len).contains(&idx) {
                    items[idx as usize] = new;
                } else if flag {
                    if idx < 0 {
                        items.insert(0, new);
                    } else {
                        items.push(new);
                    }
                }
            } else if (0..len).contains(&idx) {
                set_in(
                    &mut items[idx as usize],
                    &path[1..],
                    new,
                    flag,
                    insert,
                    level + 1,
                )?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The items of `jsonb_path_*(target, path [, vars [, silent]])`:
/// `None` when `silent` suppressed an error.
fn path_query(a: &[Value], tz: bool) -> Result<Option<Vec<Json>>> {
    let vars = match a.get(2) {
        Some(v) => Some(doc(v)?),
        None => None,
    };
    let silent = matches!(a.get(3), Some(Value::Bool(true)));
    super::json_path::query_silently(
        a[1].as_str().unwrap_or_default(),
        &doc(&a[0])?,
        vars.as_ref(),
        silent,
        tz,
    )
}

/// `jsonb_path_exists[_tz](jsonb, jsonpath [, vars [, silent]])`; `tz`
/// for the `_tz` form.
pub fn jsonb_path_exists(a: &[Value], tz: bool) -> Result<Value> {
    Ok(path_query(a, tz)?.map_or(Value::Null, |items| Value::Bool(!items.is_empty())))
}

/// `jsonb_path_match(jsonb, jsonpath [, vars [, silent]])`.
pub fn jsonb_path_match(a: &[Value], tz: bool) -> Result<Value> {
    let Some(items) = path_query(a, tz)? else {
        return Ok(Value::Null);
    };
    match items.as_slice() {
        [Json::Bool(b)] => Ok(Value::Bool(*b)),
        [Json::Null] => Ok(Value::Null),
        _ if matches!(a.get(3), Some(Value::Bool(true))) => Ok(Value::Null),
        _ => Err(EngineError::new(
            SqlState::SingletonSqlJsonItemRequired,
            "single boolean result is expected",
        )),
    }
}

/// `jsonb_path_query_array(jsonb, jsonpath [, vars [, silent]])`.
pub fn jsonb_path_query_array(a: &[Value], tz: bool) -> Result<Value> {
    Ok(jsonb(&Json::Array(path_query(a, tz)?.unwrap_or_default())))
}

/// `jsonb_path_query_first(jsonb, jsonpath [, vars [, silent]])`.
pub fn jsonb_path_query_first(a: &[Value], tz: bool) -> Result<Value> {
    Ok(path_query(a, tz)?
        .and_then(|items| items.into_iter().next())
        .map_or(Value::Null, |j| jsonb(&j)))
}

/// `jsonb_set(jsonb, text[], jsonb [, boolean])`.
pub fn jsonb_set(a: &[Value]) -> Result<Value> {
    set_path(a, false)
}

/// `jsonb_insert(jsonb, text[], jsonb [, boolean])`.
pub fn jsonb_insert(a: &[Value]) -> Result<Value> {
    set_path(a, true)
}
