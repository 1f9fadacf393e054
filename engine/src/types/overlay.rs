//! `overlay(string PLACING replacement FROM start [FOR count])` on text,
//! bytea and bit strings, as PostgreSQL's `textoverlay`, `byteaoverlay`
//! and `bitoverlay`: the string's first `start - 1` items, the
//! replacement, then the string from `start + count` on (`count`
//! defaults to the replacement's length). A negative `start - 1` is
//! 22011, as the substring it takes; `start + count` past `int4` is
//! 22003.

use super::bits::BitString;
use super::functions::{Arity, Candidate, Ret, ScalarFn, Volatility};
use super::{SqlType, Value};
use crate::error::{EngineError, Result, SqlState};

/// The overlaid items of `s` (1-based positions, clipped as substring
/// clips them).
fn overlay_items<T: Clone>(s: &[T], r: &[T], start: i64, count: Option<i64>) -> Result<Vec<T>> {
    let count = count.unwrap_or(r.len() as i64);
    let rest = start
        .checked_add(count)
        .filter(|v| i32::try_from(*v).is_ok())
        .ok_or_else(|| {
            EngineError::new(SqlState::NumericValueOutOfRange, "integer out of range")
        })?;
    if start - 1 < 0 {
        return Err(EngineError::new(
            SqlState::SubstringError,
            "negative substring length not allowed",
        ));
    }
    let head = ((start - 1) as usize).min(s.len());
    let tail = (rest.max(1) - 1) as usize;
    let mut out = Vec::with_capacity(s.len() + r.len());
    out.extend_from_slice(&s[..head]);
    out.extend_from_slice(r);
    if tail < s.len() {
        out.extend_from_slice(&s[tail..]);
    }
    Ok(out)
}

fn int_arg(a: &[Value], i: usize) -> Option<i64> {
    a.get(i).and_then(Value::as_i64)
}

fn text_overlay(a: &[Value]) -> Result<Value> {
    let (Value::Text(s), Value::Text(r)) = (&a[0], &a[1]) else {
        return Err(EngineError::internal("overlay of non-text"));
    };
    let s: Vec<char> = s.chars().collect();
    let r: Vec<char> = r.chars().collect();
    let out = overlay_items(&s, &r, int_arg(a, 2).unwrap_or(1), int_arg(a, 3))?;
    Ok(Value::Text(out.into_iter().collect()))
}

fn bytea_overlay(a: &[Value]) -> Result<Value> {
    let (Value::Bytea(s), Value::Bytea(r)) = (&a[0], &a[1]) else {
        return Err(EngineError::internal("overlay of non-bytea"));
    };
    Ok(Value::Bytea(overlay_items(
        s,
        r,
        int_arg(a, 2).unwrap_or(1),
        int_arg(a, 3),
    )?))
}

fn bit_overlay(a: &[Value]) -> Result<Value> {
    let (Value::Bits(s), Value::Bits(r)) = (&a[0], &a[1]) else {
        return Err(EngineError::internal("overlay of non-bits"));
    };
    let bools = |b: &BitString| (0..b.len).map(|i| b.get(i)).collect::<Vec<bool>>();
    let out = overlay_items(
        &bools(s),
        &bools(r),
        int_arg(a, 2).unwrap_or(1),
        int_arg(a, 3),
    )?;
    let mut b = BitString::zeros(out.len());
    for (i, on) in out.into_iter().enumerate() {
        if on {
            b.set(i, true);
        }
    }
    Ok(Value::Bits(b))
}

fn cand(params: &'static [SqlType], ret: SqlType, eval: ScalarFn) -> Candidate {
    Candidate {
        name: "overlay",
        params,
        arity: Arity::Exact,
        ret: Ret::Fixed(ret),
        strict: true,
        volatility: Volatility::Immutable,
        catalog: false,
        eval,
    }
}

/// The `overlay` functions, as candidates of the function resolver.
pub(crate) fn candidates() -> Vec<Candidate> {
    const T: SqlType = SqlType::Text;
    const BY: SqlType = SqlType::Bytea;
    const B: SqlType = SqlType::Bit(None);
    const I4: SqlType = SqlType::Int4;
    vec![
        cand(&[T, T, I4], T, |_, a| text_overlay(a)),
        cand(&[T, T, I4, I4], T, |_, a| text_overlay(a)),
        cand(&[BY, BY, I4], BY, |_, a| bytea_overlay(a)),
        cand(&[BY, BY, I4, I4], BY, |_, a| bytea_overlay(a)),
        cand(&[B, B, I4], B, |_, a| bit_overlay(a)),
        cand(&[B, B, I4, I4], B, |_, a| bit_overlay(a)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str, r: &str, start: i64, count: Option<i64>) -> Result<String> {
        let s: Vec<char> = s.chars().collect();
        let r: Vec<char> = r.chars().collect();
        overlay_items(&s, &r, start, count).map(|v| v.into_iter().collect())
    }

    #[test]
    fn overlays_as_postgres() {
        // psql: select overlay('abcdef' placing 'XY' from 2),
        //   overlay('abcdef' placing 'XY' from 2 for 0),
        //   overlay('abcdef' placing 'XY' from 5 for 9), overlay('abc' placing 'X' from 10),
        //   overlay('abc' placing 'x' from 1 for -1)
        assert_eq!(t("abcdef", "XY", 2, None).unwrap(), "aXYdef");
        assert_eq!(t("abcdef", "XY", 2, Some(0)).unwrap(), "aXYbcdef");
        assert_eq!(t("abcdef", "XY", 5, Some(9)).unwrap(), "abcdXY");
        assert_eq!(t("abc", "X", 10, None).unwrap(), "abcX");
        assert_eq!(t("abc", "x", 1, Some(-1)).unwrap(), "xabc");
        assert_eq!(
            t("abc", "x", 0, None).unwrap_err().state,
            SqlState::SubstringError
        );
    }
}
