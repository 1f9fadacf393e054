//! Operators: type resolution for the planner ([`resolve_binary_op`],
//! [`binary_op_type`], [`unary_op_type`]) and evaluation
//! ([`eval_binary`], [`eval_unary`], three-valued [`and3`]/[`or3`]/
//! [`not3`]).
//!
//! Resolution follows PostgreSQL's operator catalogue for the built-in
//! types: integer operators keep the wider operand type (`smallint +
//! smallint` is `smallint`, `int4 + int8` is `bigint`), numeric beats the
//! integers, floats beat numeric (`real` only with `real`), `/` on integers
//! truncates, `%` exists for integers and numeric only; the date/time
//! operators (`date + int`, `date - date`, `timestamp ± interval`,
//! `timestamp - timestamp`, `interval * float8`, `time ± interval`,
//! `time - time`, `date + time`, ...); `||` on strings (a
//! non-string operand is printed with its output function) and on bytea;
//! comparisons within a type category. An `unknown` operand (an untyped
//! literal) takes the other operand's type, with PostgreSQL's fallbacks
//! (`timestamp + '1 day'` is an interval). No match is `42883 operator
//! does not exist: integer + boolean`.
//!
//! [`BinaryOpSig`] carries the operand types the planner must cast to
//! (`left`, `right`) and the result type; [`BinaryOpSig::eval`] knows about
//! `char(n)` comparison semantics, which [`eval_binary`] (typed only by
//! the values) cannot.

use std::cmp::Ordering;
use std::fmt;

use super::cast::int_out_of_range;
use super::compare::{compare_bpchar, try_compare};
use super::datetime_ops::{
    date_add_days, date_add_interval, date_add_time, date_diff, time_add_interval, time_diff,
    timestamp_add_interval, timestamp_diff, timestamptz_add_interval,
};
use super::float::{float_overflow, float_underflow};
use super::functions::power_f64;
use super::numeric_ops::{
    numeric_add, numeric_div, numeric_mod, numeric_mul, numeric_neg, numeric_power, numeric_sub,
};
use super::sql_type::SqlType;
use super::value::Value;
use crate::error::{EngineError, Result, SqlState};
use rocksgres_codec::Numeric;

/// A binary operator (AND/OR are evaluated with [`and3`]/[`or3`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Multiply,
    /// `/`
    Divide,
    /// `%`
    Modulo,
    /// `||`
    Concat,
    /// `=`
    Eq,
    /// `<>` / `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `&` (integer bitwise and)
    BitAnd,
    /// `|` (integer bitwise or)
    BitOr,
    /// `#` (integer bitwise xor)
    BitXor,
    /// `<<` (integer shift left; the count is `integer`)
    ShiftLeft,
    /// `>>` (integer arithmetic shift right; the count is `integer`)
    ShiftRight,
    /// `^` (exponentiation: `double precision` or `numeric`)
    Power,
    /// `~` (POSIX regular-expression match, case-sensitive)
    RegexMatch,
    /// `~*` (regular-expression match, case-insensitive)
    RegexIMatch,
    /// `!~`
    NotRegexMatch,
    /// `!~*`
    NotRegexIMatch,
    /// `->` (JSON field or element)
    JsonGet,
    /// `->>` (JSON field or element as text)
    JsonGetText,
    /// `#>` (JSON path)
    JsonPath,
    /// `#>>` (JSON path as text)
    JsonPathText,
    /// `@>` (jsonb contains)
    JsonContains,
    /// `<@` (jsonb is contained by)
    JsonContainedBy,
    /// `?` (jsonb key exists)
    JsonExists,
    /// `?|` (jsonb any key exists)
    JsonExistsAny,
    /// `?&` (jsonb all keys exist)
    JsonExistsAll,
    /// `#-` (jsonb delete path)
    JsonDeletePath,
    /// `@?` (jsonb path exists)
    JsonPathExists,
    /// `@@` (jsonb path predicate)
    JsonPathMatch,
    /// `<<=` (network is contained by or equals)
    SubnetEq,
    /// `>>=` (network contains or equals)
    SupernetEq,
    /// `&&` (networks overlap)
    Overlap,
}

impl BinaryOp {
    /// The operator's SQL symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Plus => "+",
            BinaryOp::Minus => "-",
            BinaryOp::Multiply => "*",
            BinaryOp::Divide => "/",
            BinaryOp::Modulo => "%",
            BinaryOp::Concat => "||",
            BinaryOp::Eq => "=",
            BinaryOp::NotEq => "<>",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
            BinaryOp::BitAnd => "&",
            BinaryOp::BitOr => "|",
            BinaryOp::BitXor => "#",
            BinaryOp::ShiftLeft => "<<",
            BinaryOp::ShiftRight => ">>",
            BinaryOp::Power => "^",
            BinaryOp::RegexMatch => "~",
            BinaryOp::RegexIMatch => "~*",
            BinaryOp::NotRegexMatch => "!~",
            BinaryOp::NotRegexIMatch => "!~*",
            BinaryOp::JsonGet => "->",
            BinaryOp::JsonGetText => "->>",
            BinaryOp::JsonPath => "#>",
            BinaryOp::JsonPathText => "#>>",
            BinaryOp::JsonContains => "@>",
            BinaryOp::JsonContainedBy => "<@",
            BinaryOp::JsonExists => "?",
            BinaryOp::JsonExistsAny => "?|",
            BinaryOp::JsonExistsAll => "?&",
            BinaryOp::JsonDeletePath => "#-",
            BinaryOp::JsonPathExists => "@?",
            BinaryOp::JsonPathMatch => "@@",
            BinaryOp::SubnetEq => "<<=",
            BinaryOp::SupernetEq => ">>=",
            BinaryOp::Overlap => "&&",
        }
    }

    /// Whether this is one of the regular-expression operators.
    pub fn is_regex(self) -> bool {
        matches!(
            self,
            BinaryOp::RegexMatch
                | BinaryOp::RegexIMatch
                | BinaryOp::NotRegexMatch
                | BinaryOp::NotRegexIMatch
        )
    }

    /// Whether this is an integer bitwise operator (`&`, `|`, `#`, `<<`,
    /// `>>`).
    pub fn is_bitwise(self) -> bool {
        matches!(
            self,
            BinaryOp::BitAnd
                | BinaryOp::BitOr
                | BinaryOp::BitXor
                | BinaryOp::ShiftLeft
                | BinaryOp::ShiftRight
        )
    }

    /// Whether this is a shift (`<<`, `>>`), whose right operand is
    /// `integer` whatever the left operand's type.
    pub fn is_shift(self) -> bool {
        matches!(self, BinaryOp::ShiftLeft | BinaryOp::ShiftRight)
    }

    /// Whether this is a comparison (result `boolean`).
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq
                | BinaryOp::NotEq
                | BinaryOp::Lt
                | BinaryOp::LtEq
                | BinaryOp::Gt
                | BinaryOp::GtEq
        )
    }

    /// The operator with its operands swapped (`<` -> `>`), for
    /// comparisons; arithmetic operators are returned unchanged.
    pub fn commute(self) -> BinaryOp {
        match self {
            BinaryOp::Lt => BinaryOp::Gt,
            BinaryOp::LtEq => BinaryOp::GtEq,
            BinaryOp::Gt => BinaryOp::Lt,
            BinaryOp::GtEq => BinaryOp::LtEq,
            other => other,
        }
    }

    /// Whether a comparison with this operator holds for operands that
    /// compare as `ord` (`false` for operators other than comparisons).
    pub(crate) fn test(self, ord: Ordering) -> bool {
        match self {
            BinaryOp::Eq => ord == Ordering::Equal,
            BinaryOp::NotEq => ord != Ordering::Equal,
            BinaryOp::Lt => ord == Ordering::Less,
            BinaryOp::LtEq => ord != Ordering::Greater,
            BinaryOp::Gt => ord == Ordering::Greater,
            BinaryOp::GtEq => ord != Ordering::Less,
            _ => false,
        }
    }
}

impl fmt::Display for BinaryOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// A unary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x`
    Minus,
    /// `+x`
    Plus,
    /// `NOT x`
    Not,
    /// `~x` (integer bitwise not)
    BitNot,
}

impl UnaryOp {
    /// The operator's SQL symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Minus => "-",
            UnaryOp::Plus => "+",
            UnaryOp::Not => "NOT",
            UnaryOp::BitNot => "~",
        }
    }
}

impl fmt::Display for UnaryOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// A resolved binary operator: the types the operands must be cast to
/// before evaluation and the result type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BinaryOpSig {
    /// The operator.
    pub op: BinaryOp,
    /// Type the left operand is cast to (equal to its own type unless an
    /// `unknown` or `char(n)` operand has to be converted).
    pub left: SqlType,
    /// Type the right operand is cast to.
    pub right: SqlType,
    /// Result type.
    pub result: SqlType,
}

impl BinaryOpSig {
    /// A comparison of values of the everyday scalar types (integers
    /// with integers, numeric with numeric, text with text other than
    /// `char(n)`) done directly: `Some(Some(result))`, `Some(None)` for a
    /// NULL operand, `None` when the operator, the signature or the
    /// values are of another kind (then [`BinaryOpSig::eval`] decides).
    /// The same results as `eval`, without its dispatch; filters and join
    /// conditions call it once per row.
    #[inline]
    pub fn quick_test(&self, l: &Value, r: &Value) -> Option<Option<bool>> {
        if !self.op.is_comparison() {
            return None;
        }
        if l.is_null() || r.is_null() {
            return Some(None);
        }
        let text = |t: &SqlType| matches!(t, SqlType::Text | SqlType::Varchar(_));
        let ord = match (l, r) {
            (
                Value::Int2(_) | Value::Int4(_) | Value::Int8(_),
                Value::Int2(_) | Value::Int4(_) | Value::Int8(_),
            ) if self.left.is_integer() && self.right.is_integer() => l.as_i64()?.cmp(&r.as_i64()?),
            (Value::Numeric(a), Value::Numeric(b))
                if matches!(self.left, SqlType::Numeric { .. })
                    && matches!(self.right, SqlType::Numeric { .. }) =>
            {
                a.cmp(b)
            }
            (Value::Text(a), Value::Text(b)) if text(&self.left) && text(&self.right) => {
                a.as_bytes().cmp(b.as_bytes())
            }
            _ => return None,
        };
        Some(Some(self.op.test(ord)))
    }

    /// Evaluates the operator on operands already cast to `left`/`right`.
    pub fn eval(&self, l: &Value, r: &Value) -> Result<Value> {
        if self.op.is_comparison()
            && matches!(self.left, SqlType::Char(_))
            && matches!(self.right, SqlType::Char(_))
        {
            return Ok(match (l, r) {
                (Value::Text(a), Value::Text(b)) => Value::Bool(self.op.test(compare_bpchar(a, b))),
                _ => Value::Null,
            });
        }
        for elem in [&SqlType::Json, &SqlType::JsonPath] {
            if self.op.is_comparison()
                && (self.left == SqlType::Array(elem) || self.right == SqlType::Array(elem))
            {
                return json_array_compare(self.op, l, r, elem);
            }
        }
        if let (true, SqlType::Composite(d)) = (self.op.is_comparison(), self.left) {
            return Ok(match (l, r) {
                (Value::Text(a), Value::Text(b)) => {
                    Value::Bool(self.op.test(super::composite::compare(d, a, b)?))
                }
                _ => Value::Null,
            });
        }
        if let (true, SqlType::Array(elem)) = (self.op.is_comparison(), self.left) {
            return Ok(match (l, r) {
                (Value::Text(a), Value::Text(b)) => Value::Bool(
                    self.op
                        .test(super::array_functions::compare_arrays(a, b, elem)?),
                ),
                _ => Value::Null,
            });
        }
        if super::json_ops::handles(self) {
            return super::json_ops::eval(self, l, r);
        }
        if let (BinaryOp::Concat, SqlType::Array(_)) = (self.op, self.result) {
            return super::array::concat(l, &self.left, r, &self.right);
        }
        eval_binary(self.op, l, r)
    }
}

/// Compares arrays of `json` or `jsonpath` as PostgreSQL's array_eq /
/// array_cmp do:
/// arrays of different lengths are unequal, but comparing elements needs
/// json's equality or ordering, which does not exist (42883).
fn json_array_compare(op: BinaryOp, l: &Value, r: &Value, elem: &SqlType) -> Result<Value> {
    let (Value::Text(a), Value::Text(b)) = (l, r) else {
        return Ok(Value::Null);
    };
    let equality = matches!(op, BinaryOp::Eq | BinaryOp::NotEq);
    if equality {
        let na = super::array::elements(a, elem)?.len();
        let nb = super::array::elements(b, elem)?.len();
        if na != nb {
            return Ok(Value::Bool(op == BinaryOp::NotEq));
        }
    }
    let name = elem.display_name();
    Err(EngineError::new(
        SqlState::UndefinedFunction,
        if equality {
            format!("could not identify an equality operator for type {name}")
        } else {
            format!("could not identify a comparison function for type {name}")
        },
    ))
}

fn no_operator(op: &str, l: &SqlType, r: &SqlType) -> EngineError {
    EngineError::new(
        SqlState::UndefinedFunction,
        format!(
            "operator does not exist: {} {op} {}",
            l.display_name(),
            r.display_name()
        ),
    )
    .with_hint(
        "No operator matches the given name and argument types. You might need to add explicit type casts.",
    )
}

fn not_unique(op: &str, l: &SqlType, r: &SqlType) -> EngineError {
    EngineError::new(
        SqlState::AmbiguousFunction,
        format!(
            "operator is not unique: {} {op} {}",
            l.display_name(),
            r.display_name()
        ),
    )
    .with_hint(
        "Could not choose a best candidate operator. You might need to add explicit type casts.",
    )
}

/// The result type of `l op r`.
pub fn binary_op_type(op: BinaryOp, l: &SqlType, r: &SqlType) -> Result<SqlType> {
    resolve_binary_op(op, l, r).map(|sig| sig.result)
}

/// Whether one operand is `numeric` and the other an integer type.
fn mixes_numeric_and_integer(l: &SqlType, r: &SqlType) -> bool {
    matches!(
        (l.numeric_rank(), r.numeric_rank()),
        (Some(3), Some(0..=2)) | (Some(0..=2), Some(3))
    )
}

/// Resolves `l op r` to operand and result types.
pub fn resolve_binary_op(op: BinaryOp, l: &SqlType, r: &SqlType) -> Result<BinaryOpSig> {
    use SqlType as T;
    let sig = |left: SqlType, right: SqlType, result: SqlType| {
        Ok(BinaryOpSig {
            op,
            left,
            right,
            result,
        })
    };
    if let Some(s) = super::inet_ops::resolve(op, l, r) {
        return Ok(s);
    }
    if let Some(s) = super::bits_ops::resolve(op, l, r) {
        return Ok(s);
    }
    if let Some(s) = super::macaddr::resolve(op, l, r) {
        return Ok(s);
    }
    // `timetz ± interval`, `interval + timetz`.
    match (op, l, r) {
        (
            BinaryOp::Plus | BinaryOp::Minus,
            SqlType::TimeTz(_),
            SqlType::Interval(_) | SqlType::Unknown,
        ) => {
            return sig(
                SqlType::TimeTz(None),
                SqlType::Interval(None),
                SqlType::TimeTz(None),
            )
        }
        (BinaryOp::Plus, SqlType::Interval(_), SqlType::TimeTz(_)) => {
            return sig(
                SqlType::Interval(None),
                SqlType::TimeTz(None),
                SqlType::TimeTz(None),
            )
        }
        // `time` meets `timetz` through its implicit cast.
        (_, SqlType::TimeTz(_), SqlType::Time(_)) | (_, SqlType::Time(_), SqlType::TimeTz(_))
            if op.is_comparison() =>
        {
            return sig(SqlType::TimeTz(None), SqlType::TimeTz(None), SqlType::Bool)
        }
        _ => {}
    }
    // JSON operators.
    let jsonish = |t: &SqlType| matches!(t, T::Json | T::Jsonb | T::JsonPath);
    if super::json_ops::is_json_only(op) || jsonish(l) || jsonish(r) {
        if let Some(s) = super::json_ops::resolve(op, l, r) {
            return Ok(s);
        }
        if super::json_ops::is_json_only(op) && *l == T::Unknown && *r == T::Unknown {
            return Err(not_unique(op.symbol(), l, r));
        }
        if super::json_ops::is_json_only(op)
            || (op.is_comparison() && (*l == T::Json || *r == T::Json))
            || *l == T::JsonPath
            || *r == T::JsonPath
        {
            return Err(no_operator(op.symbol(), l, r));
        }
    }
    // Unknown operands.
    match (l, r) {
        (T::Unknown, T::Unknown) => {
            return if op.is_comparison() || op == BinaryOp::Concat || op.is_regex() {
                sig(
                    T::Text,
                    T::Text,
                    if op == BinaryOp::Concat {
                        T::Text
                    } else {
                        T::Bool
                    },
                )
            } else {
                Err(not_unique(op.symbol(), l, r))
            };
        }
        // An untyped literal compared with a row value is a `record`,
        // whose input is not implemented (0A000), as in PostgreSQL.
        (T::Unknown, T::Composite(_) | T::Record) | (T::Composite(_) | T::Record, T::Unknown)
            if op.is_comparison() =>
        {
            return sig(T::Record, T::Record, T::Bool);
        }
        (T::Unknown, other) | (other, T::Unknown) => {
            let unknown_left = *l == T::Unknown;
            let guess = if op.is_shift() && !unknown_left {
                T::Int4
            } else {
                unknown_guess(op, other)
            };
            let (nl, nr) = if unknown_left {
                (guess, *other)
            } else {
                (*other, guess)
            };
            if let Ok(s) = resolve_binary_op(op, &nl, &nr) {
                return Ok(s);
            }
            return Err(no_operator(op.symbol(), l, r));
        }
        _ => {}
    }
    let err = || Err(no_operator(op.symbol(), l, r));
    let l0 = l.without_typmod();
    let r0 = r.without_typmod();
    if op.is_regex() {
        return if l.is_string_family() && r.is_string_family() {
            sig(T::Text, T::Text, T::Bool)
        } else {
            err()
        };
    }
    // Composite values compare with their own type (a `record` operand
    // converts to it); an array of them with a row is the array rules'.
    let row_only = !matches!((l, r), (T::Array(_), _) | (_, T::Array(_)));
    if row_only
        && matches!(
            (l, r),
            (T::Composite(_) | T::Record, _) | (_, T::Composite(_) | T::Record)
        )
    {
        return match (l, r) {
            (T::Composite(a), T::Composite(b)) if a.oid == b.oid && op.is_comparison() => {
                sig(*l, *r, T::Bool)
            }
            (T::Composite(_), T::Record) if op.is_comparison() => sig(*l, *l, T::Bool),
            (T::Record, T::Composite(_)) if op.is_comparison() => sig(*r, *r, T::Bool),
            _ => err(),
        };
    }
    if let (T::Array(_), _) | (_, T::Array(_)) = (l, r) {
        return match (op, l0, r0) {
            (_, T::Array(a), T::Array(b)) if a == b && op.is_comparison() => sig(l0, r0, T::Bool),
            (BinaryOp::Concat, T::Array(a), T::Array(b)) if a == b => sig(l0, r0, l0),
            (BinaryOp::Concat, T::Array(a), e) if e.same_base(a) => sig(l0, *a, l0),
            (BinaryOp::Concat, e, T::Array(a)) if e.same_base(a) => sig(*a, r0, r0),
            _ => err(),
        };
    }
    // The object-identifier alias types compare as `oid` with anything
    // but themselves (`c.oid = 'items'::regclass`).
    if op.is_comparison() && (matches!(l, T::Reg(_)) || matches!(r, T::Reg(_))) && l0 != r0 {
        let oidish = |t: &SqlType| matches!(t, T::Oid | T::Reg(_)) || t.is_integer();
        return if oidish(l) && oidish(r) {
            sig(T::Oid, T::Oid, T::Bool)
        } else {
            err()
        };
    }
    if op.is_comparison() {
        if l.is_string_family() && r.is_string_family() {
            // char(n) vs char(n) keeps blank-insensitive semantics; any
            // other mix compares as text (char operands lose padding).
            if matches!(l, T::Char(_)) && matches!(r, T::Char(_)) {
                return sig(l0, r0, T::Bool);
            }
            let to = |t: &SqlType| {
                if matches!(t, T::Char(_)) {
                    T::Text
                } else {
                    t.without_typmod()
                }
            };
            return sig(to(l), to(r), T::Bool);
        }
        // `time` compares with `time`, and with `interval` through its
        // implicit cast to `interval`.
        if matches!(
            (&l0, &r0),
            (T::Time(_), T::Interval(_)) | (T::Interval(_), T::Time(_))
        ) {
            return sig(T::Interval(None), T::Interval(None), T::Bool);
        }
        // numeric against an integer: PostgreSQL has no such cross-type
        // operators; the integer side is cast to numeric (a literal is
        // converted at bind time, `amount > '990'::numeric`).
        if mixes_numeric_and_integer(l, r) {
            return sig(T::NUMERIC, T::NUMERIC, T::Bool);
        }
        let comparable = (l.is_numeric_family() && r.is_numeric_family())
            || (l.is_datetime_family() && r.is_datetime_family())
            || l0 == r0;
        return if comparable && !matches!(l, T::Unknown) {
            sig(l0, r0, T::Bool)
        } else {
            err()
        };
    }
    if op == BinaryOp::Concat {
        return match (l, r) {
            (T::Bytea, T::Bytea) => sig(T::Bytea, T::Bytea, T::Bytea),
            _ if l.is_string_family() || r.is_string_family() => {
                let to = |t: &SqlType| if t.is_string_family() { T::Text } else { *t };
                sig(to(l), to(r), T::Text)
            }
            _ => err(),
        };
    }
    if op.is_bitwise() {
        let is_integer = |t: &SqlType| matches!(t, T::Int2 | T::Int4 | T::Int8);
        if !is_integer(&l0) || !is_integer(&r0) {
            return err();
        }
        if op.is_shift() {
            // int2/int4/int8 << int4 only: an int8 count has no cast.
            return if r0 == T::Int8 {
                err()
            } else {
                sig(l0, T::Int4, l0)
            };
        }
        let wider = if l.numeric_rank() >= r.numeric_rank() {
            l0
        } else {
            r0
        };
        return sig(wider, wider, wider);
    }
    if op == BinaryOp::Power {
        // ^(float8, float8) and ^(numeric, numeric): integers go to the
        // preferred float8 unless the other operand is numeric.
        return match (l.numeric_rank(), r.numeric_rank()) {
            (Some(a), Some(b)) => {
                let t = if a >= 4 || b >= 4 || (a <= 2 && b <= 2) {
                    T::Float8
                } else {
                    T::NUMERIC
                };
                sig(t, t, t)
            }
            _ => err(),
        };
    }
    // Arithmetic.
    if let (Some(a), Some(b)) = (l.numeric_rank(), r.numeric_rank()) {
        let result = if a <= 2 && b <= 2 {
            if a >= b {
                l0
            } else {
                r0
            }
        } else if a == 4 && b == 4 {
            T::Float4
        } else if a >= 4 || b >= 4 {
            if op == BinaryOp::Modulo {
                return err();
            }
            T::Float8
        } else {
            // numeric with numeric or an integer: `numeric op numeric`,
            // the integer side cast as in PostgreSQL.
            return sig(T::NUMERIC, T::NUMERIC, T::NUMERIC);
        };
        return sig(l0, r0, result);
    }
    let is_int = |t: &SqlType| matches!(t, T::Int2 | T::Int4);
    match (op, &l0, &r0) {
        // `time`: its own operators, then those of `interval` reached by
        // the implicit time -> interval cast.
        (BinaryOp::Minus, T::Time(_), T::Time(_)) => {
            sig(T::Time(None), T::Time(None), T::Interval(None))
        }
        (BinaryOp::Plus, T::Time(_), T::Time(_)) => Err(not_unique(op.symbol(), l, r)),
        (BinaryOp::Plus | BinaryOp::Minus, T::Time(_), T::Interval(_)) => {
            sig(T::Time(None), T::Interval(None), T::Time(None))
        }
        (BinaryOp::Plus, T::Interval(_), T::Time(_)) => {
            sig(T::Interval(None), T::Time(None), T::Time(None))
        }
        (BinaryOp::Minus, T::Interval(_), T::Time(_)) => {
            sig(T::Interval(None), T::Interval(None), T::Interval(None))
        }
        (BinaryOp::Plus, T::Date, T::Time(_)) => sig(T::Date, T::Time(None), T::Timestamp(None)),
        (BinaryOp::Plus, T::Time(_), T::Date) => sig(T::Time(None), T::Date, T::Timestamp(None)),
        (BinaryOp::Minus, T::Date, T::Time(_)) => {
            sig(T::Date, T::Interval(None), T::Timestamp(None))
        }
        (BinaryOp::Plus | BinaryOp::Minus, T::Timestamp(_) | T::Timestamptz(_), T::Time(_)) => {
            sig(l0, T::Interval(None), l0)
        }
        (BinaryOp::Plus, T::Time(_), T::Timestamp(_) | T::Timestamptz(_)) => {
            sig(T::Interval(None), r0, r0)
        }
        (BinaryOp::Multiply | BinaryOp::Divide, T::Time(_), t) if t.is_numeric_family() => {
            sig(T::Interval(None), T::Float8, T::Interval(None))
        }
        (BinaryOp::Multiply, t, T::Time(_)) if t.is_numeric_family() => {
            sig(T::Float8, T::Interval(None), T::Interval(None))
        }
        (BinaryOp::Plus, T::Date, t) if is_int(t) => sig(T::Date, T::Int4, T::Date),
        (BinaryOp::Plus, t, T::Date) if is_int(t) => sig(T::Int4, T::Date, T::Date),
        (BinaryOp::Minus, T::Date, t) if is_int(t) => sig(T::Date, T::Int4, T::Date),
        (BinaryOp::Minus, T::Date, T::Date) => sig(T::Date, T::Date, T::Int4),
        (BinaryOp::Plus | BinaryOp::Minus, T::Date, T::Interval(_)) => {
            sig(T::Date, T::Interval(None), T::Timestamp(None))
        }
        (BinaryOp::Plus, T::Interval(_), T::Date) => {
            sig(T::Interval(None), T::Date, T::Timestamp(None))
        }
        (BinaryOp::Plus | BinaryOp::Minus, T::Timestamp(_) | T::Timestamptz(_), T::Interval(_)) => {
            sig(l0, T::Interval(None), l0)
        }
        (BinaryOp::Plus, T::Interval(_), T::Timestamp(_) | T::Timestamptz(_)) => {
            sig(T::Interval(None), r0, r0)
        }
        (BinaryOp::Minus, a, b) if a.is_datetime_family() && b.is_datetime_family() => {
            let common = if *a == T::Timestamptz(None) || *b == T::Timestamptz(None) {
                T::Timestamptz(None)
            } else {
                T::Timestamp(None)
            };
            sig(common, common, T::Interval(None))
        }
        (BinaryOp::Plus | BinaryOp::Minus, T::Interval(_), T::Interval(_)) => {
            sig(T::Interval(None), T::Interval(None), T::Interval(None))
        }
        (BinaryOp::Multiply | BinaryOp::Divide, T::Interval(_), t) if t.is_numeric_family() => {
            sig(T::Interval(None), T::Float8, T::Interval(None))
        }
        (BinaryOp::Multiply, t, T::Interval(_)) if t.is_numeric_family() => {
            sig(T::Float8, T::Interval(None), T::Interval(None))
        }
        _ => err(),
    }
}

/// What type PostgreSQL ends up assuming for an `unknown` operand next to
/// `other`.
fn unknown_guess(op: BinaryOp, other: &SqlType) -> SqlType {
    use SqlType as T;
    match (op, other) {
        (BinaryOp::Concat, T::Array(_)) => *other,
        (BinaryOp::Concat, _) => T::Text,
        (BinaryOp::Plus, T::Timestamp(_) | T::Timestamptz(_) | T::Date | T::Time(_)) => {
            T::Interval(None)
        }
        (BinaryOp::Multiply | BinaryOp::Divide, T::Interval(_)) => T::Float8,
        (BinaryOp::Minus, T::Interval(_)) => T::Interval(None),
        (_, T::Char(_)) => T::Char(None),
        _ => other.without_typmod(),
    }
}

/// The result type of a unary operator.
pub fn unary_op_type(op: UnaryOp, t: &SqlType) -> Result<SqlType> {
    let err = |sym: &str| {
        Err(EngineError::new(
            SqlState::UndefinedFunction,
            format!("operator does not exist: {sym} {}", t.display_name()),
        )
        .with_hint(
            "No operator matches the given name and argument type. You might need to add an explicit type cast.",
        ))
    };
    match op {
        UnaryOp::Not => match t {
            SqlType::Bool | SqlType::Unknown => Ok(SqlType::Bool),
            _ => Err(EngineError::new(
                SqlState::DatatypeMismatch,
                format!(
                    "argument of NOT must be type boolean, not type {}",
                    t.display_name()
                ),
            )),
        },
        UnaryOp::Minus => match t {
            SqlType::Unknown => Err(EngineError::new(
                SqlState::AmbiguousFunction,
                "operator is not unique: - unknown",
            )
            .with_hint(
                "Could not choose a best candidate operator. You might need to add explicit type casts.",
            )),
            t if t.is_numeric_family() || matches!(t, SqlType::Interval(_)) => Ok(t.without_typmod()),
            _ => err("-"),
        },
        UnaryOp::Plus => match t {
            t if t.is_numeric_family() => Ok(t.without_typmod()),
            _ => err("+"),
        },
        UnaryOp::BitNot => match t {
            SqlType::Int2 | SqlType::Int4 | SqlType::Int8 => Ok(*t),
            SqlType::Inet | SqlType::Cidr => Ok(SqlType::Inet),
            SqlType::Bit(_) | SqlType::VarBit(_) => Ok(SqlType::Bit(None)),
            SqlType::MacAddr => Ok(SqlType::MacAddr),
            SqlType::MacAddr8 => Ok(SqlType::MacAddr8),
            SqlType::Unknown => Err(EngineError::new(
                SqlState::AmbiguousFunction,
                "operator is not unique: ~ unknown",
            )
            .with_hint(
                "Could not choose a best candidate operator. You might need to add explicit type casts.",
            )),
            _ => err("~"),
        },
    }
}

/// Evaluates a unary operator (`NULL` in, `NULL` out).
pub fn eval_unary(op: UnaryOp, v: &Value) -> Result<Value> {
    Ok(match (op, v) {
        (_, Value::Null) => Value::Null,
        (UnaryOp::Not, Value::Bool(b)) => Value::Bool(!b),
        (UnaryOp::Plus, v) if v.as_f64().is_some() => v.clone(),
        (UnaryOp::Minus, Value::Int2(i)) => Value::Int2(
            i.checked_neg()
                .ok_or_else(|| int_out_of_range(&SqlType::Int2))?,
        ),
        (UnaryOp::Minus, Value::Int4(i)) => Value::Int4(
            i.checked_neg()
                .ok_or_else(|| int_out_of_range(&SqlType::Int4))?,
        ),
        (UnaryOp::Minus, Value::Int8(i)) => Value::Int8(
            i.checked_neg()
                .ok_or_else(|| int_out_of_range(&SqlType::Int8))?,
        ),
        (UnaryOp::Minus, Value::Float4(f)) => Value::Float4(-f),
        (UnaryOp::Minus, Value::Float8(f)) => Value::Float8(-f),
        (UnaryOp::Minus, Value::Numeric(n)) => Value::Numeric(numeric_neg(n)),
        (UnaryOp::Minus, Value::Interval(i)) => Value::Interval(i.checked_neg()?),
        (UnaryOp::BitNot, Value::Int2(i)) => Value::Int2(!i),
        (UnaryOp::BitNot, Value::Int4(i)) => Value::Int4(!i),
        (UnaryOp::BitNot, Value::Int8(i)) => Value::Int8(!i),
        (UnaryOp::BitNot, Value::Inet(i)) => Value::Inet(i.not()),
        (UnaryOp::BitNot, Value::Bits(b)) => Value::Bits(b.not()),
        (UnaryOp::BitNot, Value::MacAddr(m)) => Value::MacAddr(m.map(|b| !b)),
        (UnaryOp::BitNot, Value::MacAddr8(m)) => Value::MacAddr8(m.map(|b| !b)),
        (op, v) => {
            return Err(EngineError::internal(format!(
                "unary operator {op:?} not defined for {v:?}"
            )))
        }
    })
}

/// SQL `AND` with three-valued logic (`None` = `NULL`).
pub fn and3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// SQL `OR` with three-valued logic.
pub fn or3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// SQL `NOT` with three-valued logic.
pub fn not3(a: Option<bool>) -> Option<bool> {
    a.map(|b| !b)
}

fn int_width(v: &Value) -> Option<(i64, SqlType)> {
    match v {
        Value::Int2(i) => Some((i64::from(*i), SqlType::Int2)),
        Value::Int4(i) => Some((i64::from(*i), SqlType::Int4)),
        Value::Int8(i) => Some((*i, SqlType::Int8)),
        _ => None,
    }
}

fn division_by_zero() -> EngineError {
    EngineError::new(SqlState::DivisionByZero, "division by zero")
}

fn int_arith(op: BinaryOp, a: i64, b: i64, ty: SqlType) -> Result<Value> {
    let overflow = || int_out_of_range(&ty);
    let r: i64 = match op {
        BinaryOp::Plus => a.checked_add(b).ok_or_else(overflow)?,
        BinaryOp::Minus => a.checked_sub(b).ok_or_else(overflow)?,
        BinaryOp::Multiply => a.checked_mul(b).ok_or_else(overflow)?,
        BinaryOp::Divide => {
            if b == 0 {
                return Err(division_by_zero());
            }
            a.checked_div(b).ok_or_else(overflow)?
        }
        BinaryOp::Modulo => {
            if b == 0 {
                return Err(division_by_zero());
            }
            if b == -1 {
                0
            } else {
                a % b
            }
        }
        BinaryOp::BitAnd => a & b,
        BinaryOp::BitOr => a | b,
        BinaryOp::BitXor => a ^ b,
        _ => return Err(EngineError::internal("not an arithmetic operator")),
    };
    Ok(match ty {
        SqlType::Int2 => Value::Int2(i16::try_from(r).map_err(|_| overflow())?),
        SqlType::Int4 => Value::Int4(i32::try_from(r).map_err(|_| overflow())?),
        _ => Value::Int8(r),
    })
}

/// Defines float arithmetic for one float type: PostgreSQL's checks for
/// division by zero, overflow and underflow, the same for `real` and
/// `double precision`.
macro_rules! float_arith_fn {
    ($name:ident, $t:ty, $sql:literal) => {
        fn $name(op: BinaryOp, a: $t, b: $t) -> Result<$t> {
            let r = match op {
                BinaryOp::Plus => a + b,
                BinaryOp::Minus => a - b,
                BinaryOp::Multiply => a * b,
                BinaryOp::Divide => {
                    if b == 0.0 && !a.is_nan() {
                        return Err(division_by_zero());
                    }
                    a / b
                }
                _ => {
                    return Err(EngineError::new(
                        SqlState::UndefinedFunction,
                        concat!("operator does not exist: ", $sql, " % ", $sql),
                    ))
                }
            };
            if r.is_infinite() && !a.is_infinite() && !b.is_infinite() {
                return Err(float_overflow());
            }
            let underflow = match op {
                BinaryOp::Multiply => r == 0.0 && a != 0.0 && b != 0.0,
                BinaryOp::Divide => r == 0.0 && a != 0.0 && !b.is_infinite(),
                _ => false,
            };
            if underflow {
                return Err(float_underflow());
            }
            Ok(r)
        }
    };
}

float_arith_fn!(float_arith, f64, "double precision");
float_arith_fn!(float4_arith, f32, "real");

fn numeric_arith(op: BinaryOp, a: &Numeric, b: &Numeric) -> Result<Numeric> {
    match op {
        BinaryOp::Plus => numeric_add(a, b),
        BinaryOp::Minus => numeric_sub(a, b),
        BinaryOp::Multiply => numeric_mul(a, b),
        BinaryOp::Divide => numeric_div(a, b),
        BinaryOp::Modulo => numeric_mod(a, b),
        _ => Err(EngineError::internal("not an arithmetic operator")),
    }
}

fn as_numeric(v: &Value) -> Option<Numeric> {
    match v {
        Value::Numeric(n) => Some(n.clone()),
        other => other.as_i64().map(Numeric::from),
    }
}

fn value_type_name(v: &Value) -> String {
    v.sql_type()
        .map_or_else(|| "unknown".to_owned(), |t| t.display_name())
}

/// `<<`/`>>` as PostgreSQL computes them in C on x86-64: the count is
/// taken modulo the width of the (promoted) operand, `smallint` shifts in
/// 32 bits and truncates.
fn shift(op: BinaryOp, l: &Value, r: &Value) -> Result<Value> {
    let count = r.as_i64().unwrap_or(0) as u32;
    let left = op == BinaryOp::ShiftLeft;
    Ok(match l {
        Value::Int2(a) => {
            let x = i32::from(*a);
            Value::Int2(if left {
                x.wrapping_shl(count)
            } else {
                x.wrapping_shr(count)
            } as i16)
        }
        Value::Int4(a) => Value::Int4(if left {
            a.wrapping_shl(count)
        } else {
            a.wrapping_shr(count)
        }),
        Value::Int8(a) => Value::Int8(if left {
            a.wrapping_shl(count)
        } else {
            a.wrapping_shr(count)
        }),
        _ => {
            return Err(no_operator(
                op.symbol(),
                &l.sql_type().unwrap_or(SqlType::Unknown),
                &r.sql_type().unwrap_or(SqlType::Unknown),
            ))
        }
    })
}

/// `^`: `numeric` when either operand is numeric and neither a float,
/// `double precision` otherwise.
fn power(l: &Value, r: &Value) -> Result<Value> {
    let is_float = |v: &Value| matches!(v, Value::Float4(_) | Value::Float8(_));
    let is_numeric = |v: &Value| matches!(v, Value::Numeric(_));
    if !is_float(l) && !is_float(r) && (is_numeric(l) || is_numeric(r)) {
        if let (Some(a), Some(b)) = (as_numeric(l), as_numeric(r)) {
            return Ok(Value::Numeric(numeric_power(&a, &b)?));
        }
    }
    match (l.as_f64(), r.as_f64()) {
        (Some(a), Some(b)) => power_f64(a, b),
        _ => Err(no_operator(
            "^",
            &l.sql_type().unwrap_or(SqlType::Unknown),
            &r.sql_type().unwrap_or(SqlType::Unknown),
        )),
    }
}

/// Evaluates `l op r` on values, typed by their variants (text operands are
/// `text`; use [`BinaryOpSig::eval`] for `char(n)` comparisons). `NULL` in
/// either operand gives `NULL`.
pub fn eval_binary(op: BinaryOp, l: &Value, r: &Value) -> Result<Value> {
    use Value as V;
    if l.is_null() || r.is_null() {
        return Ok(V::Null);
    }
    if let Some(v) = super::inet_ops::eval(op, l, r) {
        return v;
    }
    if let Some(v) = super::bits_ops::eval(op, l, r) {
        return v;
    }
    if let Some(v) = super::macaddr::eval(op, l, r) {
        return v;
    }
    match (op, l, r) {
        (BinaryOp::Plus | BinaryOp::Minus, V::TimeTz(t, z), V::Interval(iv)) => {
            let sign = if op == BinaryOp::Plus { 1 } else { -1 };
            return Ok(V::TimeTz(super::timetz::add_interval(*t, iv, sign), *z));
        }
        (BinaryOp::Plus, V::Interval(iv), V::TimeTz(t, z)) => {
            return Ok(V::TimeTz(super::timetz::add_interval(*t, iv, 1), *z));
        }
        _ => {}
    }
    if op.is_comparison() {
        return Ok(match try_compare(l, r)? {
            Some(ord) => V::Bool(op.test(ord)),
            None => V::Null,
        });
    }
    if op.is_regex() {
        return super::regex::eval(op, l, r);
    }
    if op == BinaryOp::Concat {
        return Ok(match (l, r) {
            (V::Bytea(a), V::Bytea(b)) => {
                let mut out = Vec::with_capacity(a.len() + b.len());
                out.extend_from_slice(a);
                out.extend_from_slice(b);
                V::Bytea(out)
            }
            _ => {
                // A non-string operand goes through its cast to text
                // (booleans print as `true`/`false` there).
                let mut s = String::new();
                for v in [l, r] {
                    match v {
                        V::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
                        V::Inet(i) => s.push_str(&i.show()),
                        other => other.write_text(&mut s),
                    }
                }
                V::Text(s)
            }
        });
    }
    if op.is_shift() {
        return shift(op, l, r);
    }
    if op == BinaryOp::Power {
        return power(l, r);
    }
    // Integers.
    if let (Some((a, ta)), Some((b, tb))) = (int_width(l), int_width(r)) {
        let ty = if ta.numeric_rank() >= tb.numeric_rank() {
            ta
        } else {
            tb
        };
        return int_arith(op, a, b, ty);
    }
    match (l, r) {
        (V::Float4(a), V::Float4(b)) => return Ok(V::Float4(float4_arith(op, *a, *b)?)),
        (V::Float4(_) | V::Float8(_), _) | (_, V::Float4(_) | V::Float8(_))
            if l.as_f64().is_some() && r.as_f64().is_some() =>
        {
            let (a, b) = (l.as_f64().unwrap_or(0.0), r.as_f64().unwrap_or(0.0));
            return Ok(V::Float8(float_arith(op, a, b)?));
        }
        _ => {}
    }
    if let (Some(a), Some(b)) = (as_numeric(l), as_numeric(r)) {
        return Ok(V::Numeric(numeric_arith(op, &a, &b)?));
    }
    let sign = match op {
        BinaryOp::Plus => 1,
        BinaryOp::Minus => -1,
        _ => 0,
    };
    Ok(match (op, l, r) {
        (BinaryOp::Plus | BinaryOp::Minus, V::Date(d), n) if n.as_i64().is_some() => V::Date(
            date_add_days(*d, n.as_i64().unwrap_or(0) * i64::from(sign))?,
        ),
        (BinaryOp::Plus, n, V::Date(d)) if n.as_i64().is_some() => {
            V::Date(date_add_days(*d, n.as_i64().unwrap_or(0))?)
        }
        (BinaryOp::Minus, V::Date(a), V::Date(b)) => V::Int4(date_diff(*a, *b)?),
        (BinaryOp::Minus, V::Time(a), V::Time(b)) => V::Interval(time_diff(*a, *b)),
        (BinaryOp::Plus | BinaryOp::Minus, V::Time(t), V::Interval(iv)) => {
            V::Time(time_add_interval(*t, iv, sign))
        }
        (BinaryOp::Plus, V::Interval(iv), V::Time(t)) => V::Time(time_add_interval(*t, iv, 1)),
        (BinaryOp::Plus, V::Date(d), V::Time(t)) | (BinaryOp::Plus, V::Time(t), V::Date(d)) => {
            V::Timestamp(date_add_time(*d, *t)?)
        }
        (BinaryOp::Plus | BinaryOp::Minus, V::Date(d), V::Interval(iv)) => {
            V::Timestamp(date_add_interval(*d, iv, sign)?)
        }
        (BinaryOp::Plus, V::Interval(iv), V::Date(d)) => {
            V::Timestamp(date_add_interval(*d, iv, 1)?)
        }
        (BinaryOp::Plus | BinaryOp::Minus, V::Timestamp(t), V::Interval(iv)) => {
            V::Timestamp(timestamp_add_interval(*t, iv, sign)?)
        }
        (BinaryOp::Plus | BinaryOp::Minus, V::Timestamptz(t), V::Interval(iv)) => {
            V::Timestamptz(timestamptz_add_interval(*t, iv, sign)?)
        }
        (BinaryOp::Plus, V::Interval(iv), V::Timestamp(t)) => {
            V::Timestamp(timestamp_add_interval(*t, iv, 1)?)
        }
        (BinaryOp::Plus, V::Interval(iv), V::Timestamptz(t)) => {
            V::Timestamptz(timestamptz_add_interval(*t, iv, 1)?)
        }
        (
            BinaryOp::Minus,
            V::Timestamp(a) | V::Timestamptz(a),
            V::Timestamp(b) | V::Timestamptz(b),
        ) => V::Interval(timestamp_diff(*a, *b)?),
        (BinaryOp::Minus, V::Date(a), V::Timestamp(b) | V::Timestamptz(b)) => {
            V::Interval(timestamp_diff(super::datetime::date_to_timestamp(*a)?, *b)?)
        }
        (BinaryOp::Minus, V::Timestamp(a) | V::Timestamptz(a), V::Date(b)) => {
            V::Interval(timestamp_diff(*a, super::datetime::date_to_timestamp(*b)?)?)
        }
        (BinaryOp::Plus, V::Interval(a), V::Interval(b)) => V::Interval(a.checked_add(b)?),
        (BinaryOp::Minus, V::Interval(a), V::Interval(b)) => V::Interval(a.checked_sub(b)?),
        (BinaryOp::Multiply, V::Interval(iv), n) | (BinaryOp::Multiply, n, V::Interval(iv))
            if n.as_f64().is_some() =>
        {
            V::Interval(iv.mul_f64(n.as_f64().unwrap_or(0.0))?)
        }
        (BinaryOp::Divide, V::Interval(iv), n) if n.as_f64().is_some() => {
            V::Interval(iv.div_f64(n.as_f64().unwrap_or(0.0))?)
        }
        _ => {
            return Err(no_operator(
                op.symbol(),
                &l.sql_type().unwrap_or(SqlType::Unknown),
                &r.sql_type().unwrap_or(SqlType::Unknown),
            )
            .with_detail(format!(
                "operands: {} and {}",
                value_type_name(l),
                value_type_name(r)
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_comparisons_agree_with_eval() {
        use SqlType as T;
        let n = |s: &str| Value::Numeric(Numeric::parse(s).unwrap());
        let t = |s: &str| Value::Text(s.into());
        let cases: Vec<(T, T, Vec<Value>)> = vec![
            (
                T::Int4,
                T::Int8,
                vec![
                    Value::Int4(-3),
                    Value::Int8(-3),
                    Value::Int2(7),
                    Value::Int8(i64::MAX),
                    Value::Null,
                ],
            ),
            (
                T::NUMERIC,
                T::NUMERIC,
                vec![
                    n("-1.5"),
                    n("0"),
                    n("990"),
                    n("990.25"),
                    n("NaN"),
                    n("Infinity"),
                    Value::Null,
                ],
            ),
            (
                T::Text,
                T::Varchar(None),
                vec![t(""), t("a"), t("ab"), t("b"), t("é"), Value::Null],
            ),
        ];
        let ops = [
            BinaryOp::Eq,
            BinaryOp::NotEq,
            BinaryOp::Lt,
            BinaryOp::LtEq,
            BinaryOp::Gt,
            BinaryOp::GtEq,
        ];
        for (lt, rt, values) in &cases {
            for op in ops {
                let sig = BinaryOpSig {
                    op,
                    left: *lt,
                    right: *rt,
                    result: T::Bool,
                };
                for l in values {
                    for r in values {
                        let want = match sig.eval(l, r).unwrap() {
                            Value::Bool(b) => Some(b),
                            _ => None,
                        };
                        assert_eq!(sig.quick_test(l, r), Some(want), "{l:?} {op:?} {r:?}");
                    }
                }
            }
        }
        // char(n) compares without trailing blanks: not a quick case.
        let bpchar = BinaryOpSig {
            op: BinaryOp::Eq,
            left: T::Char(None),
            right: T::Char(None),
            result: T::Bool,
        };
        assert_eq!(bpchar.quick_test(&t("a "), &t("a")), None);
        // Arithmetic is not a comparison.
        let plus = BinaryOpSig {
            op: BinaryOp::Plus,
            left: T::Int4,
            right: T::Int4,
            result: T::Int4,
        };
        assert_eq!(plus.quick_test(&Value::Int4(1), &Value::Int4(2)), None);
    }

    #[test]
    fn resolution() {
        use SqlType as T;
        let t = |op, l, r| binary_op_type(op, &l, &r).map(|t| t.display_name());
        assert_eq!(t(BinaryOp::Plus, T::Int2, T::Int2).unwrap(), "smallint");
        assert_eq!(t(BinaryOp::Plus, T::Int4, T::Int8).unwrap(), "bigint");
        assert_eq!(t(BinaryOp::Plus, T::Int4, T::NUMERIC).unwrap(), "numeric");
        assert_eq!(
            t(BinaryOp::Plus, T::Int4, T::Float4).unwrap(),
            "double precision"
        );
        assert_eq!(t(BinaryOp::Plus, T::Float4, T::Float4).unwrap(), "real");
        assert_eq!(t(BinaryOp::Minus, T::Date, T::Date).unwrap(), "integer");
        assert_eq!(
            t(BinaryOp::Plus, T::Date, T::Interval(None)).unwrap(),
            "timestamp without time zone"
        );
        assert_eq!(
            t(BinaryOp::Plus, T::Timestamp(None), T::Unknown).unwrap(),
            "timestamp without time zone"
        );
        assert_eq!(t(BinaryOp::Concat, T::Int4, T::Text).unwrap(), "text");
        assert_eq!(t(BinaryOp::Eq, T::Int4, T::Unknown).unwrap(), "boolean");
        let e = binary_op_type(BinaryOp::Plus, &T::Int4, &T::Bool).unwrap_err();
        assert_eq!(e.message, "operator does not exist: integer + boolean");
        assert_eq!(e.state, SqlState::UndefinedFunction);
        assert!(binary_op_type(BinaryOp::Modulo, &T::Float8, &T::Int4).is_err());
    }

    #[test]
    fn integer_arithmetic() {
        let e = eval_binary(BinaryOp::Plus, &Value::Int4(i32::MAX), &Value::Int4(1)).unwrap_err();
        assert_eq!(e.message, "integer out of range");
        let e =
            eval_binary(BinaryOp::Divide, &Value::Int4(i32::MIN), &Value::Int4(-1)).unwrap_err();
        assert_eq!(e.message, "integer out of range");
        assert_eq!(
            eval_binary(BinaryOp::Modulo, &Value::Int4(i32::MIN), &Value::Int4(-1)).unwrap(),
            Value::Int4(0)
        );
        let e = eval_binary(BinaryOp::Divide, &Value::Int4(5), &Value::Int4(0)).unwrap_err();
        assert_eq!(e.state, SqlState::DivisionByZero);
        assert_eq!(
            eval_binary(BinaryOp::Divide, &Value::Int4(-7), &Value::Int4(2)).unwrap(),
            Value::Int4(-3)
        );
        let e = eval_binary(BinaryOp::Multiply, &Value::Int2(200), &Value::Int2(200)).unwrap_err();
        assert_eq!(e.message, "smallint out of range");
    }

    #[test]
    fn float_errors() {
        let e =
            eval_binary(BinaryOp::Multiply, &Value::Float8(1e308), &Value::Int4(10)).unwrap_err();
        assert_eq!(e.message, "value out of range: overflow");
        let e = eval_binary(
            BinaryOp::Multiply,
            &Value::Float8(1e-300),
            &Value::Float8(1e-300),
        )
        .unwrap_err();
        assert_eq!(e.message, "value out of range: underflow");
        let e =
            eval_binary(BinaryOp::Divide, &Value::Float8(1.0), &Value::Float8(0.0)).unwrap_err();
        assert_eq!(e.message, "division by zero");
    }

    #[test]
    fn time_operators() {
        use SqlType as T;
        // psql: select time '23:00' + interval '2 hours', time '01:00' - interval '2 hours',
        //   time '12:00' - time '13:30:00.5', date '2000-01-01' + time '12:34:56.5'
        //   -> 01:00:00|23:00:00|-01:30:00.5|2000-01-01 12:34:56.5
        let t = |op, l, r| binary_op_type(op, &l, &r).map(|t| t.display_name());
        assert_eq!(
            t(BinaryOp::Minus, T::Time(None), T::Time(None)).unwrap(),
            "interval"
        );
        assert_eq!(
            t(BinaryOp::Plus, T::Time(None), T::Interval(None)).unwrap(),
            "time without time zone"
        );
        assert_eq!(
            t(BinaryOp::Plus, T::Date, T::Time(None)).unwrap(),
            "timestamp without time zone"
        );
        assert_eq!(
            t(BinaryOp::Plus, T::Time(None), T::Unknown).unwrap(),
            "time without time zone"
        );
        assert!(binary_op_type(BinaryOp::Eq, &T::Time(None), &T::Date).is_err());
        let hour = Value::Interval(super::super::Interval::new(0, 0, 3_600_000_000));
        let two_hours = Value::Interval(super::super::Interval::new(0, 0, 7_200_000_000));
        let at = |h: i64| Value::Time(h * 3_600_000_000);
        assert_eq!(
            eval_binary(BinaryOp::Plus, &at(23), &two_hours).unwrap(),
            at(1)
        );
        assert_eq!(
            eval_binary(BinaryOp::Minus, &at(1), &two_hours).unwrap(),
            at(23)
        );
        assert_eq!(eval_binary(BinaryOp::Plus, &hour, &at(24)).unwrap(), at(1));
        assert_eq!(
            eval_binary(BinaryOp::Minus, &at(12), &at(13)).unwrap(),
            Value::Interval(super::super::Interval::new(0, 0, -3_600_000_000))
        );
        assert_eq!(
            eval_binary(BinaryOp::Plus, &Value::Date(1), &at(12)).unwrap(),
            Value::Timestamp(86_400_000_000 + 12 * 3_600_000_000)
        );
        assert_eq!(
            eval_binary(BinaryOp::Lt, &at(12), &at(24)).unwrap(),
            Value::Bool(true)
        );
    }

    #[test]
    fn three_valued_logic() {
        assert_eq!(and3(None, Some(false)), Some(false));
        assert_eq!(and3(None, Some(true)), None);
        assert_eq!(or3(None, Some(true)), Some(true));
        assert_eq!(or3(None, Some(false)), None);
        assert_eq!(not3(None), None);
    }
}
