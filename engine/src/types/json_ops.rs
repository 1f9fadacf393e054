//! The `json`/`jsonb` operators (`->`, `->>`, `#>`, `#>>`, `@>`, `<@`,
//! `?`, `?|`, `?&`, `||`, `-`, `#-`, jsonb comparison) and the casts from
//! `jsonb` to `numeric`, the other number types and `boolean`.
//!
//! [`resolve`] picks the operand and result types as PostgreSQL's
//! operator catalogue does (an `unknown` key of `->` is `text`, of `@>`
//! `jsonb`; `-` takes `text`, `text[]` or `integer`); [`eval`] works on
//! the parsed trees of [`super::json`]. `json`'s extraction operators
//! return the selected part of the input text as written.

use std::cmp::Ordering;

use super::json::{self, jsonb_tree, Json};
use super::ops::{BinaryOp, BinaryOpSig};
use super::sql_type::SqlType;
use super::value::Value;
use crate::error::{EngineError, Result, SqlState};

const TEXT_ARRAY: SqlType = SqlType::Array(&SqlType::Text);

/// Resolves a JSON operator when either operand is `json`/`jsonb` (or the
/// operator exists only for JSON); `None` leaves the operator to the
/// general rules.
pub fn resolve(op: BinaryOp, l: &SqlType, r: &SqlType) -> Option<BinaryOpSig> {
    use SqlType as T;
    let sig = |left: SqlType, right: SqlType, result: SqlType| {
        Some(BinaryOpSig {
            op,
            left,
            right,
            result,
        })
    };
    let key = |r: &SqlType| -> Option<SqlType> {
        match r {
            T::Unknown => Some(T::Text),
            t if t.is_string_family() => Some(T::Text),
            T::Int2 | T::Int4 => Some(T::Int4),
            _ => None,
        }
    };
    let path = |r: &SqlType| matches!(r, T::Unknown | T::Array(T::Text));
    match (op, l) {
        (BinaryOp::JsonGet, T::Json | T::Jsonb) => sig(*l, key(r)?, *l),
        (BinaryOp::JsonGetText, T::Json | T::Jsonb) => sig(*l, key(r)?, T::Text),
        (BinaryOp::JsonPath, T::Json | T::Jsonb) if path(r) => sig(*l, TEXT_ARRAY, *l),
        (BinaryOp::JsonPathText, T::Json | T::Jsonb) if path(r) => sig(*l, TEXT_ARRAY, T::Text),
        (BinaryOp::JsonContains | BinaryOp::JsonContainedBy, _)
            if matches!((l, r), (T::Jsonb | T::Unknown, T::Jsonb | T::Unknown))
                && (*l == T::Jsonb || *r == T::Jsonb) =>
        {
            sig(T::Jsonb, T::Jsonb, T::Bool)
        }
        (BinaryOp::JsonExists, T::Jsonb) if key(r) == Some(T::Text) => {
            sig(T::Jsonb, T::Text, T::Bool)
        }
        (BinaryOp::JsonExistsAny | BinaryOp::JsonExistsAll, T::Jsonb) if path(r) => {
            sig(T::Jsonb, TEXT_ARRAY, T::Bool)
        }
        (BinaryOp::JsonDeletePath, T::Jsonb) if path(r) => sig(T::Jsonb, TEXT_ARRAY, T::Jsonb),
        (BinaryOp::JsonPathExists | BinaryOp::JsonPathMatch, T::Jsonb)
            if matches!(r, T::Unknown | T::JsonPath) =>
        {
            sig(T::Jsonb, T::JsonPath, T::Bool)
        }
        (BinaryOp::Concat, _)
            if (*l == T::Jsonb && matches!(r, T::Jsonb | T::Unknown))
                || (*r == T::Jsonb && *l == T::Unknown) =>
        {
            sig(T::Jsonb, T::Jsonb, T::Jsonb)
        }
        (BinaryOp::Minus, T::Jsonb) => match r {
            T::Unknown => sig(T::Jsonb, T::Text, T::Jsonb),
            T::Array(T::Text) => sig(T::Jsonb, TEXT_ARRAY, T::Jsonb),
            t => sig(T::Jsonb, key(t)?, T::Jsonb),
        },
        _ => None,
    }
}

/// Whether `op` exists only for JSON operands.
pub fn is_json_only(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::JsonGet
            | BinaryOp::JsonGetText
            | BinaryOp::JsonPath
            | BinaryOp::JsonPathText
            | BinaryOp::JsonContains
            | BinaryOp::JsonContainedBy
            | BinaryOp::JsonExists
            | BinaryOp::JsonExistsAny
            | BinaryOp::JsonExistsAll
            | BinaryOp::JsonDeletePath
            | BinaryOp::JsonPathExists
            | BinaryOp::JsonPathMatch
    )
}

/// Whether the signature is evaluated here.
pub fn handles(sig: &BinaryOpSig) -> bool {
    is_json_only(sig.op)
        || (sig.result == SqlType::Jsonb && matches!(sig.op, BinaryOp::Concat | BinaryOp::Minus))
        || (sig.left == SqlType::Jsonb && sig.op.is_comparison())
}

fn jsonb_value(j: &Json) -> Value {
    Value::Text(j.to_jsonb_text())
}

fn text_of(v: &Value) -> Result<&str> {
    v.as_str()
        .ok_or_else(|| EngineError::internal("json operand is not text"))
}

fn path_of(v: &Value) -> Result<Vec<Option<String>>> {
    super::array::parse(text_of(v)?)
}

/// Evaluates a JSON operator (operands already cast to the signature).
pub fn eval(sig: &BinaryOpSig, l: &Value, r: &Value) -> Result<Value> {
    if l.is_null() || r.is_null() {
        return Ok(Value::Null);
    }
    let lt = text_of(l)?;
    if sig.left == SqlType::Json {
        return eval_json(sig, lt, r);
    }
    let doc = jsonb_tree(lt)?;
    Ok(match sig.op {
        BinaryOp::JsonGet | BinaryOp::JsonGetText => {
            let found = match r {
                Value::Text(k) => doc.field(k),
                other => doc.element(other.as_i64().unwrap_or_default()),
            };
            extracted(found, sig.op == BinaryOp::JsonGetText)
        }
        BinaryOp::JsonPath | BinaryOp::JsonPathText => {
            let path = path_of(r)?;
            extracted(doc.path(&path), sig.op == BinaryOp::JsonPathText)
        }
        BinaryOp::JsonContains => Value::Bool(json::contains(&doc, &jsonb_tree(text_of(r)?)?)),
        BinaryOp::JsonContainedBy => Value::Bool(json::contains(&jsonb_tree(text_of(r)?)?, &doc)),
        BinaryOp::JsonExists => Value::Bool(json::exists(&doc, text_of(r)?)),
        BinaryOp::JsonExistsAny | BinaryOp::JsonExistsAll => {
            let keys = path_of(r)?;
            let mut present = keys.iter().flatten().map(|k| json::exists(&doc, k));
            Value::Bool(if sig.op == BinaryOp::JsonExistsAny {
                present.any(|b| b)
            } else {
                present.all(|b| b)
            })
        }
        BinaryOp::Concat => jsonb_value(&concat(doc, jsonb_tree(text_of(r)?)?)),
        BinaryOp::Minus if matches!(sig.right, SqlType::Array(_)) => {
            jsonb_value(&delete_key_array(doc, &path_of(r)?))
        }
        BinaryOp::Minus => jsonb_value(&delete(doc, r)?),
        BinaryOp::JsonDeletePath => {
            let path = path_of(r)?;
            let mut doc = doc;
            if matches!(doc, Json::Array(_) | Json::Object(_)) {
                delete_path(&mut doc, &path)?;
            } else {
                return Err(EngineError::new(
                    SqlState::InvalidParameterValue,
                    "cannot delete path in scalar",
                ));
            }
            jsonb_value(&doc)
        }
        BinaryOp::JsonPathExists | BinaryOp::JsonPathMatch => {
            let path = super::json_path::JsonPath::parse(text_of(r)?)?;
            // The operators suppress the path's structural errors.
            let silent = |e: EngineError| {
                if super::json_path::is_suppressible(&e) {
                    Ok(None)
                } else {
                    Err(e)
                }
            };
            let result = if sig.op == BinaryOp::JsonPathExists {
                path.exists(&doc).map(Some).or_else(silent)?
            } else {
                path.matches(&doc).or_else(silent)?
            };
            result.map_or(Value::Null, Value::Bool)
        }
        op if op.is_comparison() => {
            let ord = json::jsonb_cmp(&doc, &jsonb_tree(text_of(r)?)?);
            Value::Bool(test(op, ord))
        }
        other => return Err(EngineError::internal(format!("json operator {other}"))),
    })
}

fn test(op: BinaryOp, ord: Ordering) -> bool {
    match op {
        BinaryOp::Eq => ord.is_eq(),
        BinaryOp::NotEq => ord.is_ne(),
        BinaryOp::Lt => ord.is_lt(),
        BinaryOp::LtEq => ord.is_le(),
        BinaryOp::Gt => ord.is_gt(),
        _ => ord.is_ge(),
    }
}

fn extracted(found: Option<&Json>, as_text: bool) -> Value {
    match found {
        None => Value::Null,
        Some(j) if as_text => j.to_text().map_or(Value::Null, Value::Text),
        Some(j) => jsonb_value(j),
    }
}

/// `json`'s extraction operators, on the text as written.
fn eval_json(sig: &BinaryOpSig, text: &str, r: &Value) -> Result<Value> {
    let as_text = matches!(sig.op, BinaryOp::JsonGetText | BinaryOp::JsonPathText);
    let found: Option<&str> = match sig.op {
        BinaryOp::JsonGet | BinaryOp::JsonGetText => match r {
            Value::Text(k) => json::raw_field(text, k)?,
            other => json::raw_element(text, other.as_i64().unwrap_or_default())?,
        },
        BinaryOp::JsonPath | BinaryOp::JsonPathText => {
            let path = path_of(r)?;
            let mut cur = Some(text);
            for step in &path {
                let Some(c) = cur else { break };
                let Some(step) = step.as_deref() else {
                    cur = None;
                    break;
                };
                cur = match json::raw_kind(c) {
                    b'{' => json::raw_field(c, step)?,
                    b'[' => match step.trim().parse::<i64>() {
                        Ok(i) => json::raw_element(c, i)?,
                        Err(_) => None,
                    },
                    _ => None,
                };
            }
            cur
        }
        other => {
            return Err(EngineError::new(
                SqlState::UndefinedFunction,
                format!("operator does not exist: json {other} {}", "json"),
            ))
        }
    };
    Ok(match found {
        None => Value::Null,
        Some(raw) if as_text => match json::json_tree(raw)? {
            Json::Null => Value::Null,
            Json::String(s) => Value::Text(s),
            _ => Value::Text(raw.to_owned()),
        },
        Some(raw) => Value::Text(raw.to_owned()),
    })
}

/// `jsonb || jsonb`: objects merge (right wins), arrays concatenate, a
/// scalar or object joins an array as an element.
pub fn concat(l: Json, r: Json) -> Json {
    match (l, r) {
        (Json::Object(mut a), Json::Object(b)) => {
            a.extend(b);
            let mut j = Json::Object(a);
            j.normalize();
            j
        }
        (Json::Array(mut a), Json::Array(b)) => {
            a.extend(b);
            Json::Array(a)
        }
        (Json::Array(mut a), b) => {
            a.push(b);
            Json::Array(a)
        }
        (a, Json::Array(b)) => {
            let mut items = vec![a];
            items.extend(b);
            Json::Array(items)
        }
        (a, b) => Json::Array(vec![a, b]),
    }
}

fn delete(doc: Json, r: &Value) -> Result<Json> {
    Ok(match r {
        Value::Text(key) => delete_keys(doc, &[key.as_str()]),
        other => {
            let i = other.as_i64().unwrap_or_default();
            match doc {
                Json::Array(mut items) => {
                    let len = items.len() as i64;
                    let idx = if i < 0 { len + i } else { i };
                    if (0..len).contains(&idx) {
                        items.remove(idx as usize);
                    }
                    Json::Array(items)
                }
                Json::Object(_) => {
                    return Err(EngineError::new(
                        SqlState::InvalidParameterValue,
                        "cannot delete from object using integer index",
                    ))
                }
                _ => {
                    return Err(EngineError::new(
                        SqlState::InvalidParameterValue,
                        "cannot delete from scalar",
                    ))
                }
            }
        }
    })
}

/// `jsonb - text` / `jsonb - text[]` (the latter through
/// [`delete_key_array`]).
fn delete_keys(doc: Json, keys: &[&str]) -> Json {
    match doc {
        Json::Object(pairs) => Json::Object(
            pairs
                .into_iter()
                .filter(|(k, _)| !keys.contains(&k.as_str()))
                .collect(),
        ),
        Json::Array(items) => Json::Array(
            items
                .into_iter()
                .filter(|v| !matches!(v, Json::String(s) if keys.contains(&s.as_str())))
                .collect(),
        ),
        other => other,
    }
}

/// `jsonb - text[]`.
pub fn delete_key_array(doc: Json, keys: &[Option<String>]) -> Json {
    let keys: Vec<&str> = keys.iter().flatten().map(String::as_str).collect();
    delete_keys(doc, &keys)
}

fn array_index(step: &str, len: usize, level: usize) -> Result<Option<usize>> {
    let i: i64 = step.trim().parse().map_err(|_| {
        EngineError::new(
            SqlState::InvalidTextRepresentation,
            format!("path element at position {level} is not an integer: \"{step}\""),
        )
    })?;
    let len = len as i64;
    let idx = if i < 0 { len + i } else { i };
    Ok((0..len).contains(&idx).then_some(idx as usize))
}

fn delete_path(doc: &mut Json, path: &[Option<String>]) -> Result<()> {
    fn go(doc: &mut Json, path: &[Option<String>], level: usize) -> Result<()> {
        let Some((first, rest)) = path.split_first() else {
            return Ok(());
        };
        let Some(step) = first.as_deref() else {
            return Err(EngineError::new(
                SqlState::NullValueNotAllowed,
                format!("path element at position {level} is null"),
            ));
        };
        match doc {
            Json::Object(pairs) => {
                if rest.is_empty() {
                    pairs.retain(|(k, _)| k != step);
                } else if let Some((_, v)) = pairs.iter_mut().find(|(k, _)| k == step) {
                    go(v, rest, level + 1)?;
                }
            }
            Json::Array(items) => {
                if let Some(i) = array_index(step, items.len(), level)? {
                    if rest.is_empty() {
                        items.remove(i);
                    } else {
                        go(&mut items[i], rest, level + 1)?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
    go(doc, path, 1)
}

/// Casts a `jsonb` value to a number type or `boolean` (PostgreSQL 15's
/// `jsonb_numeric`, `jsonb_int4`, `jsonb_bool`, ...).
pub fn cast_jsonb(text: &str, to: &SqlType) -> Result<Value> {
    let doc = jsonb_tree(text)?;
    let want_bool = *to == SqlType::Bool;
    let fail = |j: &Json| {
        let kind = match j {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "numeric",
            Json::String(_) | Json::Datetime(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        };
        EngineError::new(
            SqlState::InvalidParameterValue,
            format!("cannot cast jsonb {kind} to type {}", to.display_name()),
        )
    };
    match (&doc, want_bool) {
        (Json::Bool(b), true) => Ok(Value::Bool(*b)),
        (Json::Number(n), false) => super::cast::cast_from(
            Value::Numeric(n.clone()),
            &SqlType::NUMERIC,
            to,
            super::cast::CastKind::Explicit,
        ),
        (other, _) => Err(fail(other)),
    }
}
