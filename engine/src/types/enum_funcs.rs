//! The enum support functions `enum_first`, `enum_last` and `enum_range`
//! (PostgreSQL's `anyenum` functions): their result type is the
//! argument's enum type (or its array type), so they resolve here, from
//! the argument types, rather than from the fixed candidate list.

use super::enum_type::{array_type, EnumDef};
use super::functions::{ScalarFunction, Volatility};
use super::{SqlType, Value};
use crate::error::{EngineError, Result};

/// Resolves `name` when it is one of the enum functions and its arguments
/// are of one enum type; `None` leaves the name to the other functions
/// (and to their 42883).
pub fn resolve(name: &str, arg_types: &[SqlType]) -> Option<Result<ScalarFunction>> {
    let def = match arg_types {
        [SqlType::Enum(d)]
        | [SqlType::Enum(d), SqlType::Unknown]
        | [SqlType::Unknown, SqlType::Enum(d)] => *d,
        [SqlType::Enum(d), SqlType::Enum(e)] if d.oid == e.oid => *d,
        _ => return None,
    };
    let (fname, ret, typed): (&'static str, SqlType, super::functions::TypedFn) =
        match (name, arg_types.len()) {
            ("enum_first", 1) => ("enum_first", SqlType::Enum(def), first),
            ("enum_last", 1) => ("enum_last", SqlType::Enum(def), last),
            ("enum_range", 1 | 2) => ("enum_range", array_type(def), range),
            _ => return None,
        };
    Some(Ok(ScalarFunction {
        name: fname,
        arg_types: vec![SqlType::Enum(def); arg_types.len()],
        return_type: ret,
        strict: false,
        volatility: Volatility::Stable,
        catalog: false,
        eval: |_, _| Err(EngineError::internal("typed function called untyped")),
        typed: Some(typed),
    }))
}

fn def_of(types: &[SqlType]) -> Result<&'static EnumDef> {
    match types.first() {
        Some(SqlType::Enum(d)) => Ok(d),
        _ => Err(EngineError::internal(
            "enum function without an enum argument",
        )),
    }
}

fn first(_: &[Value], types: &[SqlType]) -> Result<Value> {
    let d = def_of(types)?;
    Ok(if d.labels.is_empty() {
        Value::Null
    } else {
        d.check_safe(0)?;
        Value::Enum(d, 0)
    })
}

fn last(_: &[Value], types: &[SqlType]) -> Result<Value> {
    let d = def_of(types)?;
    Ok(match d.labels.len() {
        0 => Value::Null,
        n => {
            d.check_safe(n - 1)?;
            Value::Enum(d, n as u32 - 1)
        }
    })
}

/// `enum_range(x)`: every label; `enum_range(a, b)`: the labels from `a`
/// to `b` (a `NULL` bound is open), empty when `a` comes after `b`.
fn range(args: &[Value], types: &[SqlType]) -> Result<Value> {
    let d = def_of(types)?;
    let (from, to) = if args.len() == 2 {
        let pos = |v: &Value| match v {
            Value::Enum(_, i) => Some(*i as usize),
            _ => None,
        };
        (
            pos(&args[0]).unwrap_or(0),
            pos(&args[1]).map_or(d.labels.len(), |i| i + 1),
        )
    } else {
        (0, d.labels.len())
    };
    let mut items = Vec::with_capacity(to.saturating_sub(from));
    for i in from..to.max(from) {
        d.check_safe(i)?;
        items.push(Value::Enum(d, i as u32));
    }
    Ok(super::array::from_values(&items))
}
