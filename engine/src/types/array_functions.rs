//! The polymorphic array functions and operators: `array_append`,
//! `array_prepend`, `array_cat`, `array_remove`, `array_replace`,
//! `array_position(s)`, `array_ndims`, `array_dims`, `array_fill`,
//! `string_to_array`, the containment operators `@>`, `<@`, `&&`, and the
//! element-wise ordering of arrays (`=`, `<`, ... and `ORDER BY`).
//!
//! PostgreSQL declares these over `anyarray`/`anycompatible`: the
//! argument types decide the element type and the result type.
//! [`resolve`] does that resolution for the functions (the planner casts
//! the arguments to the returned [`ScalarFunction::arg_types`]), and
//! [`resolve_containment`] for the operators. Array values are canonical
//! text (see [`super::array`]); evaluators that compare elements parse
//! them with the element type: the element value's own type for the
//! functions that take one, or the element type's OID, which the planner
//! passes as a hidden last argument to the containment operators.

use std::cmp::Ordering;

use super::array;
use super::cast::implicit_common_type;
use super::compare::{compare, compare_typed};
use super::functions::{undefined_function, FunctionEnv, ScalarFunction, Volatility};
use super::sql_type::SqlType;
use super::value::Value;
use crate::error::{EngineError, Result, SqlState};

/// The element type two polymorphic arguments agree on (`None` where the
/// types do not match: no such function). An `unknown` argument takes the
/// other's type; two `unknown` arguments are `text`.
fn common_element(arr: &SqlType, elems: &[SqlType]) -> Option<SqlType> {
    let mut common = match arr {
        SqlType::Array(e) => **e,
        SqlType::Unknown => SqlType::Unknown,
        _ => return None,
    };
    for e in elems {
        if matches!(e, SqlType::Array(_)) {
            return None;
        }
        common = implicit_common_type(&common, e)?;
    }
    Some(if common == SqlType::Unknown {
        SqlType::Text
    } else {
        common.without_typmod()
    })
}

fn function(
    name: &'static str,
    arg_types: Vec<SqlType>,
    return_type: SqlType,
    strict: bool,
    eval: super::functions::ScalarFn,
) -> ScalarFunction {
    ScalarFunction {
        name,
        arg_types,
        return_type,
        strict,
        volatility: Volatility::Immutable,
        catalog: false,
        eval,
        typed: None,
    }
}

fn polymorphic_unknown() -> EngineError {
    EngineError::new(
        SqlState::DatatypeMismatch,
        "could not determine polymorphic type because input has type unknown",
    )
}

/// Resolves a call of one of this module's functions: `Ok(None)` for
/// other names.
pub fn resolve(name: &str, args: &[SqlType]) -> Result<Option<ScalarFunction>> {
    const I4: SqlType = SqlType::Int4;
    const T: SqlType = SqlType::Text;
    let int4_array = SqlType::Array(&SqlType::Int4);
    let nope = || undefined_function(name, args);
    let elem_of = |arr: &SqlType, elems: &[SqlType]| -> Result<(SqlType, SqlType)> {
        let e = common_element(arr, elems).ok_or_else(nope)?;
        let a = e.array_of().ok_or_else(nope)?;
        Ok((a, e))
    };
    Ok(Some(match (name, args) {
        ("array_append", [a, e]) => {
            let (a, e) = elem_of(a, &[*e])?;
            function("array_append", vec![a, e], a, false, eval_append)
        }
        ("array_prepend", [e, a]) => {
            let (a, e) = elem_of(a, &[*e])?;
            function("array_prepend", vec![e, a], a, false, eval_prepend)
        }
        ("array_cat", [a, b]) => {
            let b_elem = match b {
                SqlType::Array(e) => **e,
                SqlType::Unknown => SqlType::Unknown,
                _ => return Err(nope()),
            };
            let (a, _) = elem_of(a, &[b_elem])?;
            function("array_cat", vec![a, a], a, false, eval_cat)
        }
        ("array_remove", [a, e]) => {
            let (a, e) = elem_of(a, &[*e])?;
            function("array_remove", vec![a, e], a, false, eval_remove)
        }
        ("array_replace", [a, from, to]) => {
            let (a, e) = elem_of(a, &[*from, *to])?;
            function("array_replace", vec![a, e, e], a, false, eval_replace)
        }
        ("array_position", [a, e]) => {
            let (a, e) = elem_of(a, &[*e])?;
            function("array_position", vec![a, e], I4, false, eval_position)
        }
        ("array_position", [a, e, start]) if start.is_integer() || *start == SqlType::Unknown => {
            let (a, e) = elem_of(a, &[*e])?;
            function("array_position", vec![a, e, I4], I4, false, eval_position)
        }
        ("array_positions", [a, e]) => {
            let (a, e) = elem_of(a, &[*e])?;
            function(
                "array_positions",
                vec![a, e],
                int4_array,
                false,
                eval_positions,
            )
        }
        ("array_ndims" | "array_dims", [a]) => {
            if *a == SqlType::Unknown {
                return Err(polymorphic_unknown());
            }
            if !matches!(a, SqlType::Array(_)) {
                return Err(nope());
            }
            if name == "array_ndims" {
                function("array_ndims", vec![*a], I4, true, |_, a| {
                    let n = array::parse_array(text(&a[0]))?.ndims();
                    Ok(if n == 0 {
                        Value::Null
                    } else {
                        Value::Int4(n as i32)
                    })
                })
            } else {
                function("array_dims", vec![*a], T, true, |_, a| {
                    let arr = array::parse_array(text(&a[0]))?;
                    Ok(if arr.ndims() == 0 {
                        Value::Null
                    } else {
                        Value::Text(arr.dims_text())
                    })
                })
            }
        }
        ("array_fill", [e, dims, rest @ ..]) if rest.len() <= 1 => {
            if *e == SqlType::Unknown {
                return Err(polymorphic_unknown());
            }
            let a = e.array_of().ok_or_else(nope)?;
            let int_array = |t: &SqlType| {
                matches!(t, SqlType::Unknown)
                    || matches!(t, SqlType::Array(x) if x.is_integer() && **x != SqlType::Int8)
            };
            if !int_array(dims) || !rest.iter().all(int_array) {
                return Err(nope());
            }
            let mut params = vec![e.without_typmod(), int4_array];
            params.extend(rest.iter().map(|_| int4_array));
            function("array_fill", params, a, false, eval_fill)
        }
        ("string_to_array", [_, _]) => function(
            "string_to_array",
            vec![T, T],
            SqlType::Array(&T),
            false,
            |_, a| string_to_array(&a[0], &a[1], &Value::Null),
        ),
        ("string_to_array", [_, _, _]) => function(
            "string_to_array",
            vec![T, T, T],
            SqlType::Array(&T),
            false,
            |_, a| string_to_array(&a[0], &a[1], &a[2]),
        ),
        _ => return Ok(None),
    }))
}

fn text(v: &Value) -> &str {
    match v {
        Value::Text(s) => s,
        _ => "",
    }
}

/// The element texts of an array argument (a `NULL` array is empty).
fn items_of(v: &Value) -> Result<Vec<Option<String>>> {
    match v {
        Value::Text(s) => array::parse(s),
        _ => Ok(Vec::new()),
    }
}

fn array_value(items: &[Option<String>]) -> Value {
    Value::Text(array::format(items.iter().map(|t| t.as_deref())))
}

/// Marks an operand of [`array::concat`] as an array.
const ANY_ARRAY: SqlType = SqlType::Array(&SqlType::Text);

fn eval_append(_: &dyn FunctionEnv, a: &[Value]) -> Result<Value> {
    array::concat(&a[0], &ANY_ARRAY, &a[1], &SqlType::Text)
}

fn eval_prepend(_: &dyn FunctionEnv, a: &[Value]) -> Result<Value> {
    array::concat(&a[0], &SqlType::Text, &a[1], &ANY_ARRAY)
}

fn eval_cat(_: &dyn FunctionEnv, a: &[Value]) -> Result<Value> {
    match (&a[0], &a[1]) {
        (Value::Null, Value::Null) => Ok(Value::Null),
        (Value::Null, v) | (v, Value::Null) => Ok(v.clone()),
        (l, r) => array::concat(l, &ANY_ARRAY, r, &ANY_ARRAY),
    }
}

/// Whether element text `item` is not distinct from `probe` (compared as
/// values of the probe's type; `NULL` matches `NULL`).
fn same(item: &Option<String>, probe: &Value) -> Result<bool> {
    Ok(match (item, probe) {
        (None, Value::Null) => true,
        (None, _) | (Some(_), Value::Null) => false,
        (Some(t), p) => {
            let ty = p.sql_type().unwrap_or(SqlType::Text);
            let v = Value::parse_text_base(t, &ty)?;
            compare(&v, p) == Some(Ordering::Equal)
        }
    })
}

/// The elements of a one-dimensional array argument (0A000 naming
/// `what` for a multi-dimensional one, as PostgreSQL).
fn one_dim_items(v: &Value, what: &str) -> Result<Vec<Option<String>>> {
    let arr = match v {
        Value::Text(s) => array::parse_array(s)?,
        _ => return Ok(Vec::new()),
    };
    if arr.ndims() > 1 {
        return Err(EngineError::unsupported(format!(
            "{what} multidimensional arrays"
        )));
    }
    Ok(arr.items)
}

fn eval_remove(_: &dyn FunctionEnv, a: &[Value]) -> Result<Value> {
    if a[0].is_null() {
        return Ok(Value::Null);
    }
    let mut out = Vec::new();
    for item in one_dim_items(&a[0], "removing elements from")? {
        if !same(&item, &a[1])? {
            out.push(item);
        }
    }
    Ok(array_value(&out))
}

fn eval_replace(_: &dyn FunctionEnv, a: &[Value]) -> Result<Value> {
    if a[0].is_null() {
        return Ok(Value::Null);
    }
    let Value::Text(s) = &a[0] else {
        return Ok(Value::Null);
    };
    let mut arr = array::parse_array(s)?;
    for item in arr.items.iter_mut() {
        if same(item, &a[1])? {
            *item = a[2].to_text();
        }
    }
    Ok(arr.into_value())
}

fn eval_position(_: &dyn FunctionEnv, a: &[Value]) -> Result<Value> {
    if a[0].is_null() {
        return Ok(Value::Null);
    }
    let start = match a.get(2) {
        None => 1,
        Some(Value::Null) => {
            return Err(EngineError::new(
                SqlState::NullValueNotAllowed,
                "initial position must not be null",
            ))
        }
        Some(v) => v.as_i64().unwrap_or(1),
    };
    for (i, item) in one_dim_items(&a[0], "searching for elements in")?
        .iter()
        .enumerate()
    {
        let pos = i as i64 + 1;
        if pos >= start && same(item, &a[1])? {
            return Ok(Value::Int4(pos as i32));
        }
    }
    Ok(Value::Null)
}

fn eval_positions(_: &dyn FunctionEnv, a: &[Value]) -> Result<Value> {
    if a[0].is_null() {
        return Ok(Value::Null);
    }
    let mut out = Vec::new();
    for (i, item) in one_dim_items(&a[0], "searching for elements in")?
        .iter()
        .enumerate()
    {
        if same(item, &a[1])? {
            out.push(Some((i + 1).to_string()));
        }
    }
    Ok(array_value(&out))
}

fn eval_fill(_: &dyn FunctionEnv, a: &[Value]) -> Result<Value> {
    let null_dims = || {
        EngineError::new(
            SqlState::NullValueNotAllowed,
            "dimension array or low bound array cannot be null",
        )
    };
    if a[1..].iter().any(Value::is_null) {
        return Err(null_dims());
    }
    let dims = array::elements(text(&a[1]), &SqlType::Int4)?;
    if dims.is_empty() {
        return Ok(Value::Text("{}".into()));
    }
    if dims.iter().any(Value::is_null) {
        return Err(EngineError::new(
            SqlState::NullValueNotAllowed,
            "dimension values cannot be null",
        ));
    }
    let mut lowers = vec![1i32; dims.len()];
    if let Some(lb) = a.get(2) {
        let lbs = array::elements(text(lb), &SqlType::Int4)?;
        if lbs.len() != dims.len() {
            return Err(EngineError::new(
                SqlState::ArraySubscriptError,
                "wrong number of array subscripts",
            )
            .with_detail("Low bound array has different size than dimensions array."));
        }
        if lbs.iter().any(Value::is_null) {
            return Err(EngineError::new(
                SqlState::NullValueNotAllowed,
                "dimension values cannot be null",
            ));
        }
        for (l, v) in lowers.iter_mut().zip(&lbs) {
            *l = v.as_i64().unwrap_or(1) as i32;
        }
    }
    if dims.len() > array::MAX_DIMS {
        return Err(EngineError::new(
            SqlState::ProgramLimitExceeded,
            format!(
                "number of array dimensions ({}) exceeds the maximum allowed ({})",
                dims.len(),
                array::MAX_DIMS
            ),
        ));
    }
    let mut n: i64 = 1;
    for d in &dims {
        n = n.saturating_mul(d.as_i64().unwrap_or(0).max(0));
    }
    if n <= 0 {
        return Ok(Value::Text("{}".into()));
    }
    if n > (1 << 27) {
        return Err(EngineError::new(
            SqlState::ProgramLimitExceeded,
            format!(
                "array size exceeds the maximum allowed ({})",
                (1usize << 30) / 4 - 1
            ),
        ));
    }
    let item = a[0].to_text();
    let arr = array::ArrayText {
        dims: dims
            .iter()
            .zip(lowers)
            .map(|(d, lower)| array::Dim {
                len: d.as_i64().unwrap_or(0) as usize,
                lower,
            })
            .collect(),
        items: vec![item; n as usize],
    };
    Ok(arr.into_value())
}

/// `string_to_array(s, delimiter, null_string)`: a `NULL` delimiter
/// splits into characters, an empty one yields the whole string, an
/// empty string yields an empty array.
fn string_to_array(s: &Value, delim: &Value, null_str: &Value) -> Result<Value> {
    let Value::Text(s) = s else {
        return Ok(Value::Null);
    };
    if s.is_empty() {
        return Ok(Value::Text("{}".into()));
    }
    let parts: Vec<&str> = match delim {
        Value::Text(d) if d.is_empty() => vec![s.as_str()],
        Value::Text(d) => s.split(d.as_str()).collect(),
        _ => s
            .char_indices()
            .map(|(i, c)| &s[i..i + c.len_utf8()])
            .collect(),
    };
    let null = match null_str {
        Value::Text(n) => Some(n.as_str()),
        _ => None,
    };
    let items: Vec<Option<&str>> = parts
        .into_iter()
        .map(|p| if Some(p) == null { None } else { Some(p) })
        .collect();
    Ok(Value::Text(array::format(items)))
}

/// The containment and overlap operators over arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Containment {
    /// `@>`: the left array contains every element of the right one.
    Contains,
    /// `<@`: the left array is contained by the right one.
    ContainedBy,
    /// `&&`: the arrays have an element in common.
    Overlaps,
}

impl Containment {
    /// The operator's symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Containment::Contains => "@>",
            Containment::ContainedBy => "<@",
            Containment::Overlaps => "&&",
        }
    }
}

/// Resolves `l op r` for a containment operator: the array type both
/// operands are cast to, and the function to call with the two operands
/// and the element type's OID (an `int8` literal) as arguments. `Ok(None)`
/// when neither operand is an array (no array operator applies).
pub fn resolve_containment(
    op: Containment,
    l: &SqlType,
    r: &SqlType,
) -> Result<Option<(SqlType, ScalarFunction)>> {
    let ty = match (l.without_typmod(), r.without_typmod()) {
        (SqlType::Array(a), SqlType::Array(b)) if a == b => SqlType::Array(a),
        (SqlType::Array(a), SqlType::Unknown) | (SqlType::Unknown, SqlType::Array(a)) => {
            SqlType::Array(a)
        }
        (SqlType::Array(_), _) | (_, SqlType::Array(_)) => {
            return Err(EngineError::new(
                SqlState::UndefinedFunction,
                format!(
                    "operator does not exist: {} {} {}",
                    l.display_name(),
                    op.symbol(),
                    r.display_name()
                ),
            )
            .with_hint(
                "No operator matches the given name and argument types. You might need to add explicit type casts.",
            ))
        }
        _ => return Ok(None),
    };
    let eval: super::functions::ScalarFn = match op {
        Containment::Contains => |_, a| contains(&a[0], &a[1], &a[2]),
        Containment::ContainedBy => |_, a| contains(&a[1], &a[0], &a[2]),
        Containment::Overlaps => |_, a| overlaps(&a[0], &a[1], &a[2]),
    };
    Ok(Some((
        ty,
        function(
            op.symbol(),
            vec![ty, ty, SqlType::Int8],
            SqlType::Bool,
            true,
            eval,
        ),
    )))
}

/// The non-NULL elements of array value `v` whose element type has OID
/// `oid`.
fn typed_elements(v: &Value, oid: &Value) -> Result<Vec<Value>> {
    let elem = oid
        .as_i64()
        .and_then(|o| u32::try_from(o).ok())
        .and_then(SqlType::from_oid)
        .unwrap_or(SqlType::Text);
    Ok(array::elements(text(v), &elem)?
        .into_iter()
        .filter(|v| !v.is_null())
        .collect())
}

fn equal(a: &Value, b: &Value) -> bool {
    compare(a, b) == Some(Ordering::Equal)
}

/// `outer @> inner`. `NULL` elements never match, so an inner `NULL`
/// makes the result false.
fn contains(outer: &Value, inner: &Value, oid: &Value) -> Result<Value> {
    let has_null = items_of(inner)?.iter().any(Option::is_none);
    if has_null {
        return Ok(Value::Bool(false));
    }
    let outer = typed_elements(outer, oid)?;
    let inner = typed_elements(inner, oid)?;
    Ok(Value::Bool(
        inner.iter().all(|i| outer.iter().any(|o| equal(i, o))),
    ))
}

fn overlaps(l: &Value, r: &Value, oid: &Value) -> Result<Value> {
    let l = typed_elements(l, oid)?;
    let r = typed_elements(r, oid)?;
    Ok(Value::Bool(l.iter().any(|x| r.iter().any(|y| equal(x, y)))))
}

/// Orders two array values of element type `elem` as PostgreSQL's
/// `array_cmp`: element by element (a `NULL` element after any other,
/// two `NULL`s equal), then the shorter array first.
pub fn compare_arrays(l: &str, r: &str, elem: &SqlType) -> Result<Ordering> {
    let (la, ra) = (array::parse_array(l)?, array::parse_array(r)?);
    let l = array::elements(l, elem)?;
    let r = array::elements(r, elem)?;
    for (a, b) in l.iter().zip(&r) {
        let ord = match (a.is_null(), b.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => compare_typed(elem, a, b).unwrap_or(Ordering::Equal),
        };
        if ord != Ordering::Equal {
            return Ok(ord);
        }
    }
    // Equal elements: PostgreSQL's array_cmp then orders by the number
    // of elements, of dimensions, by the dimensions' lengths and then by
    // their lower bounds.
    let lens = |a: &array::ArrayText| -> Vec<usize> { a.dims.iter().map(|d| d.len).collect() };
    let lowers = |a: &array::ArrayText| -> Vec<i32> { a.dims.iter().map(|d| d.lower).collect() };
    Ok(l.len()
        .cmp(&r.len())
        .then(la.ndims().cmp(&ra.ndims()))
        .then_with(|| lens(&la).cmp(&lens(&ra)))
        .then_with(|| lowers(&la).cmp(&lowers(&ra))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::EvalContext;

    #[test]
    fn orders_element_wise() {
        let i = SqlType::Int4;
        assert_eq!(
            compare_arrays("{10}", "{9}", &i).unwrap(),
            Ordering::Greater
        );
        assert_eq!(
            compare_arrays("{1,2}", "{1,2,3}", &i).unwrap(),
            Ordering::Less
        );
        assert_eq!(
            compare_arrays("{1,NULL}", "{1,2}", &i).unwrap(),
            Ordering::Greater
        );
        assert_eq!(
            compare_arrays("{1,NULL}", "{1,NULL}", &i).unwrap(),
            Ordering::Equal
        );
    }

    #[test]
    fn resolves_polymorphic_calls() {
        let f = resolve("array_append", &[SqlType::Unknown, SqlType::Unknown])
            .unwrap()
            .unwrap();
        assert_eq!(f.return_type, SqlType::Array(&SqlType::Text));
        let f = resolve(
            "array_append",
            &[SqlType::Array(&SqlType::Int4), SqlType::Int8],
        )
        .unwrap()
        .unwrap();
        assert_eq!(f.return_type, SqlType::Array(&SqlType::Int8));
        assert!(resolve("array_append", &[SqlType::Int4, SqlType::Int4]).is_err());
        assert!(resolve("lower", &[SqlType::Text]).unwrap().is_none());
        let env = EvalContext::new(0);
        let v = string_to_array(
            &Value::Text("a,b,,c".into()),
            &Value::Text(",".into()),
            &Value::Text(String::new()),
        )
        .unwrap();
        assert_eq!(v, Value::Text("{a,b,NULL,c}".into()));
        let r = eval_remove(
            &env,
            &[
                Value::Text("{1.0,2,NULL}".into()),
                Value::Numeric(crate::types::Numeric::parse("1").unwrap()),
            ],
        )
        .unwrap();
        assert_eq!(r, Value::Text("{2,NULL}".into()));
    }
}
