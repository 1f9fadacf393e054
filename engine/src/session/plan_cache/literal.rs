//! Literal text -> parameter value, exactly as the binder types literals.
//!
//! The binder (`plan::bind`, `bind_value` and `coerce`) gives a number the
//! smallest of `integer`, `bigint` and `numeric` that holds it, folds a
//! unary minus into it, and converts it with a cast when its context wants
//! another type; a string stays `unknown` until its context's type reads
//! it with that type's input function. [`value`] does the same steps, so a
//! parameter carries the value the literal would have had in its place.

use crate::error::Result;
use crate::sql::normalize::LiteralKind;
use crate::types::{cast, eval_unary, CastKind, SqlType, UnaryOp, Value};

/// The value of the numeric literal `text`, as the binder makes it.
fn number(text: &str) -> Result<Value> {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = text.parse::<i32>() {
            return Ok(Value::Int4(i));
        }
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Value::Int8(i));
        }
    }
    Value::parse_text(text, &SqlType::NUMERIC)
}

/// The value of literal `text` of class `kind` (negated for `-5`) in a
/// place whose type is `target` (`Unknown`: whatever the literal is).
/// Errors are those the binder would raise for the literal.
pub(super) fn value(kind: LiteralKind, text: &str, negate: bool, target: SqlType) -> Result<Value> {
    if kind == LiteralKind::String {
        return if target == SqlType::Unknown {
            Ok(Value::Text(text.to_owned()))
        } else {
            Value::parse_text(text, &target)
        };
    }
    let mut v = number(text)?;
    if negate {
        v = eval_unary(UnaryOp::Minus, &v)?;
    }
    if target == SqlType::Unknown || v.sql_type() == Some(target) {
        Ok(v)
    } else {
        cast(v, &target, CastKind::Implicit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_take_the_smallest_type() {
        let v = |t: &str| value(LiteralKind::of_number(t), t, false, SqlType::Unknown).unwrap();
        assert_eq!(v("2147483647"), Value::Int4(i32::MAX));
        assert_eq!(v("2147483648"), Value::Int8(2_147_483_648));
        assert!(matches!(v("9223372036854775808"), Value::Numeric(_)));
        assert!(matches!(v("1.5"), Value::Numeric(_)));
    }

    #[test]
    fn minus_and_casts_follow_the_binder() {
        let neg = value(LiteralKind::Int8, "2147483648", true, SqlType::Unknown).unwrap();
        assert_eq!(neg, Value::Int8(i64::from(i32::MIN)));
        let wide = value(LiteralKind::Int4, "5", true, SqlType::Int8).unwrap();
        assert_eq!(wide, Value::Int8(-5));
        let s = value(LiteralKind::String, "42", false, SqlType::Int4).unwrap();
        assert_eq!(s, Value::Int4(42));
        assert!(value(LiteralKind::String, "x", false, SqlType::Int4).is_err());
        let t = value(LiteralKind::String, "x", false, SqlType::Unknown).unwrap();
        assert_eq!(t, Value::Text("x".into()));
    }
}
