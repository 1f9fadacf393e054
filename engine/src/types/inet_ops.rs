//! Operators and functions of `inet` and `cidr` (PostgreSQL's
//! `network.c`): containment `<<` `<<=` `>>` `>>=` `&&`, the bitwise
//! `~` `&` `|`, address arithmetic `inet ± int8` and `inet - inet`, and
//! `host()`, `masklen()`, `set_masklen()`, `network()`, `broadcast()`,
//! `netmask()`, `hostmask()`, `family()`, `text()`, `abbrev()`,
//! `inet_same_family()`, `inet_merge()`, and the `cidr(inet)` cast function.
//!
//! As in PostgreSQL the operators are declared on `inet` only: a `cidr`
//! operand reaches them through the implicit `cidr` -> `inet` cast, and
//! an untyped literal next to a network operand is read as `inet`.

use super::functions::{Arity, Candidate, Ret, ScalarFn, Volatility};
use super::inet::Inet;
use super::ops::{BinaryOp, BinaryOpSig};
use super::sql_type::SqlType;
use super::value::Value;
use crate::error::{EngineError, Result};

/// Whether `t` is `inet` or `cidr`.
pub fn is_net(t: &SqlType) -> bool {
    matches!(t, SqlType::Inet | SqlType::Cidr)
}

/// Resolves `l op r` when a network type is involved; `None` leaves the
/// operator to the general rules (and their 42883).
pub(crate) fn resolve(op: BinaryOp, l: &SqlType, r: &SqlType) -> Option<BinaryOpSig> {
    use SqlType as T;
    let net_or_unknown = |t: &SqlType| is_net(t) || *t == T::Unknown;
    let int = |t: &SqlType| matches!(t, T::Int2 | T::Int4 | T::Int8 | T::Unknown);
    if !(is_net(l) || is_net(r)) {
        return None;
    }
    let sig = |left, right, result| {
        Some(BinaryOpSig {
            op,
            left,
            right,
            result,
        })
    };
    let both = net_or_unknown(l) && net_or_unknown(r);
    match op {
        _ if op.is_comparison() && both => sig(T::Inet, T::Inet, T::Bool),
        BinaryOp::ShiftLeft
        | BinaryOp::ShiftRight
        | BinaryOp::SubnetEq
        | BinaryOp::SupernetEq
        | BinaryOp::Overlap
            if both =>
        {
            sig(T::Inet, T::Inet, T::Bool)
        }
        BinaryOp::BitAnd | BinaryOp::BitOr if both => sig(T::Inet, T::Inet, T::Inet),
        BinaryOp::Minus if both => sig(T::Inet, T::Inet, T::Int8),
        BinaryOp::Plus | BinaryOp::Minus if is_net(l) && int(r) => sig(T::Inet, T::Int8, T::Inet),
        BinaryOp::Plus if int(l) && is_net(r) => sig(T::Int8, T::Inet, T::Inet),
        _ => None,
    }
}

/// Evaluates a network operator (comparisons are [`super::compare`]'s);
/// `None` when no operand is a network value.
pub(crate) fn eval(op: BinaryOp, l: &Value, r: &Value) -> Option<Result<Value>> {
    let bool_of = |b: bool| Some(Ok(Value::Bool(b)));
    match (op, l, r) {
        (BinaryOp::ShiftLeft, Value::Inet(a), Value::Inet(b)) => bool_of(a.contained_by(b, true)),
        (BinaryOp::SubnetEq, Value::Inet(a), Value::Inet(b)) => bool_of(a.contained_by(b, false)),
        (BinaryOp::ShiftRight, Value::Inet(a), Value::Inet(b)) => bool_of(b.contained_by(a, true)),
        (BinaryOp::SupernetEq, Value::Inet(a), Value::Inet(b)) => bool_of(b.contained_by(a, false)),
        (BinaryOp::Overlap, Value::Inet(a), Value::Inet(b)) => bool_of(a.overlaps(b)),
        (BinaryOp::BitAnd | BinaryOp::BitOr, Value::Inet(a), Value::Inet(b)) => {
            Some(a.bitwise(b, op == BinaryOp::BitAnd).map(Value::Inet))
        }
        (BinaryOp::Minus, Value::Inet(a), Value::Inet(b)) => Some(a.minus(b).map(Value::Int8)),
        (BinaryOp::Plus | BinaryOp::Minus, Value::Inet(a), n) => {
            let n = i128::from(n.as_i64()?);
            let n = if op == BinaryOp::Minus { -n } else { n };
            Some(a.add(n).map(Value::Inet))
        }
        (BinaryOp::Plus, n, Value::Inet(a)) => {
            Some(a.add(i128::from(n.as_i64()?)).map(Value::Inet))
        }
        _ => None,
    }
}

fn net(v: &Value) -> Result<&Inet> {
    match v {
        Value::Inet(i) => Ok(i),
        other => Err(EngineError::internal(format!(
            "network function got {other:?}"
        ))),
    }
}

fn cand(name: &'static str, params: &'static [SqlType], ret: SqlType, eval: ScalarFn) -> Candidate {
    Candidate {
        name,
        params,
        arity: Arity::Exact,
        ret: Ret::Fixed(ret),
        strict: true,
        volatility: Volatility::Immutable,
        catalog: false,
        eval,
    }
}

/// The network functions, as candidates of the function resolver.
pub(crate) fn candidates() -> Vec<Candidate> {
    const I: SqlType = SqlType::Inet;
    const C: SqlType = SqlType::Cidr;
    const T: SqlType = SqlType::Text;
    const I4: SqlType = SqlType::Int4;
    vec![
        cand("host", &[I], T, |_, a| Ok(Value::Text(net(&a[0])?.host()))),
        cand("masklen", &[I], I4, |_, a| {
            Ok(Value::Int4(i32::from(net(&a[0])?.bits)))
        }),
        cand("set_masklen", &[I, I4], I, |_, a| {
            Ok(Value::Inet(
                net(&a[0])?.set_masklen(a[1].as_i64().unwrap_or(0) as i32)?,
            ))
        }),
        cand("set_masklen", &[C, I4], C, |_, a| {
            Ok(Value::Inet(
                net(&a[0])?.set_masklen(a[1].as_i64().unwrap_or(0) as i32)?,
            ))
        }),
        cand("network", &[I], C, |_, a| {
            Ok(Value::Inet(net(&a[0])?.network()))
        }),
        cand("cidr", &[I], C, |_, a| {
            Ok(Value::Inet(net(&a[0])?.network()))
        }),
        cand("broadcast", &[I], I, |_, a| {
            Ok(Value::Inet(net(&a[0])?.broadcast()))
        }),
        cand("netmask", &[I], I, |_, a| {
            Ok(Value::Inet(net(&a[0])?.netmask()))
        }),
        cand("hostmask", &[I], I, |_, a| {
            Ok(Value::Inet(net(&a[0])?.hostmask()))
        }),
        cand("family", &[I], I4, |_, a| {
            Ok(Value::Int4(if net(&a[0])?.v6 { 6 } else { 4 }))
        }),
        cand("text", &[I], T, |_, a| Ok(Value::Text(net(&a[0])?.show()))),
        cand("abbrev", &[I], T, |_, a| {
            Ok(Value::Text(net(&a[0])?.abbrev()))
        }),
        cand("abbrev", &[C], T, |_, a| {
            Ok(Value::Text(net(&a[0])?.abbrev()))
        }),
        cand("inet_same_family", &[I, I], SqlType::Bool, |_, a| {
            Ok(Value::Bool(net(&a[0])?.v6 == net(&a[1])?.v6))
        }),
        cand("inet_merge", &[I, I], C, |_, a| {
            Ok(Value::Inet(net(&a[0])?.merge(net(&a[1])?)?))
        }),
    ]
}
