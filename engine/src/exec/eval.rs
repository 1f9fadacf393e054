//! Evaluating bound expressions ([`Expr`]) over a row: a plain recursive
//! walk with SQL's three-valued logic for NULL.
//!
//! The planner builds [`Expr`] trees and never evaluates them; this
//! executor module is where they run, with the statement's [`Ctx`]
//! (parameters, outer rows of correlated subqueries, sequences, the
//! interrupt). Keeping evaluation here lets `plan` own the expression's
//! shape without depending on the executor.

use std::borrow::Cow;
use std::cmp::Ordering;

use rocksgres_storage::Transaction;

use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::plan::expr::Expr;
use crate::types::{and3, cast, compare, eval_unary, not3, or3, CastKind, SqlType, UnaryOp, Value};

impl Expr {
    /// Evaluates into `dst`, like `*dst = self.eval(row, ctx)?`, but a
    /// column, parameter or literal is copied into `dst`'s own buffer
    /// (no allocation once it is large enough).
    pub fn eval_into<T: Transaction>(
        &self,
        row: &[Value],
        ctx: &mut Ctx<'_, T>,
        dst: &mut Value,
    ) -> Result<()> {
        let src = match self {
            Expr::Literal(v, _) => v,
            Expr::Column(i, _) => match row.get(*i) {
                Some(v) => v,
                None => return Err(EngineError::internal(format!("column {i} out of range"))),
            },
            Expr::Param(i, ty) => match ctx.params.get(*i) {
                Some(v) if usable_as_is(v, ty) => v,
                _ => {
                    *dst = self.eval(row, ctx)?;
                    return Ok(());
                }
            },
            _ => {
                *dst = self.eval(row, ctx)?;
                return Ok(());
            }
        };
        dst.assign_from(src);
        Ok(())
    }

    /// Evaluates the expression over `row`.
    pub fn eval<T: Transaction>(&self, row: &[Value], ctx: &mut Ctx<'_, T>) -> Result<Value> {
        crate::sql::depth::guard(|| self.eval_level(row, ctx))
    }

    fn eval_level<T: Transaction>(&self, row: &[Value], ctx: &mut Ctx<'_, T>) -> Result<Value> {
        Ok(match self {
            Expr::Literal(v, _) => v.clone(),
            Expr::Column(i, _) => row
                .get(*i)
                .cloned()
                .ok_or_else(|| EngineError::internal(format!("column {i} out of range")))?,
            Expr::Param(i, ty) => {
                let v = ctx.params.get(*i).cloned().ok_or_else(|| {
                    EngineError::new(
                        SqlState::UndefinedParameter,
                        format!("there is no parameter ${}", i + 1),
                    )
                })?;
                if v.is_null() || *ty == SqlType::Unknown {
                    v
                } else {
                    cast(v, ty, CastKind::Implicit)?
                }
            }
            Expr::Binary(sig, a, b) => {
                let (l, r) = (a.operand(row, ctx)?, b.operand(row, ctx)?);
                sig.eval(&l, &r)?
            }
            Expr::Negate(a, _) => {
                let v = a.eval(row, ctx)?;
                eval_unary(UnaryOp::Minus, &v)?
            }
            Expr::Unary(op, a, _) => {
                let v = a.eval(row, ctx)?;
                eval_unary(*op, &v)?
            }
            Expr::Not(a) => bool_value(not3(truth(&*a.operand(row, ctx)?)?)),
            Expr::And(a, b) => {
                let l = truth(&*a.operand(row, ctx)?)?;
                if l == Some(false) {
                    return Ok(Value::Bool(false));
                }
                bool_value(and3(l, truth(&*b.operand(row, ctx)?)?))
            }
            Expr::Or(a, b) => {
                let l = truth(&*a.operand(row, ctx)?)?;
                if l == Some(true) {
                    return Ok(Value::Bool(true));
                }
                bool_value(or3(l, truth(&*b.operand(row, ctx)?)?))
            }
            Expr::IsNull(a, negated) => Value::Bool(a.operand(row, ctx)?.is_null() != *negated),
            Expr::IsBool(a, expected, negated) => {
                let t = truth(&*a.operand(row, ctx)?)?;
                Value::Bool((t == Some(*expected)) != *negated)
            }
            // An array's elements are cast from the source's element type,
            // which its (text-carried) value does not show.
            Expr::Cast(a, ty @ SqlType::Array(_), kind) => {
                crate::types::cast::cast_from(a.eval(row, ctx)?, &a.ty(), ty, *kind)?
            }
            Expr::Cast(a, ty, kind) => cast(a.eval(row, ctx)?, ty, *kind)?,
            Expr::Domain(a, d) => {
                let v = a.eval(row, ctx)?;
                d.check(&v, ctx)?;
                v
            }
            Expr::Function(f, args) => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(a.eval(row, ctx)?);
                }
                if f.catalog {
                    ctx.syscat()?;
                }
                f.call(&values, &*ctx)?
            }
            Expr::Sequence(f, args) => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(a.eval(row, ctx)?);
                }
                crate::exec::sequence::call(*f, &values, ctx)?
            }
            Expr::Case {
                operand,
                whens,
                otherwise,
                ..
            } => {
                let op = match operand {
                    Some(o) => Some(o.eval(row, ctx)?),
                    None => None,
                };
                for (when, then) in whens {
                    let w = when.eval(row, ctx)?;
                    let hit = match &op {
                        Some(o) => compare(o, &w) == Some(Ordering::Equal),
                        None => truth(&w)? == Some(true),
                    };
                    if hit {
                        return then.eval(row, ctx);
                    }
                }
                match otherwise {
                    Some(e) => e.eval(row, ctx)?,
                    None => Value::Null,
                }
            }
            Expr::Coalesce(args, _) => {
                for a in args {
                    let v = a.eval(row, ctx)?;
                    if !v.is_null() {
                        return Ok(v);
                    }
                }
                Value::Null
            }
            Expr::NullIf(a, b, _) => {
                let l = a.eval(row, ctx)?;
                let r = b.eval(row, ctx)?;
                if compare(&l, &r) == Some(Ordering::Equal) {
                    Value::Null
                } else {
                    l
                }
            }
            Expr::InList(a, list, negated) => {
                let v = a.operand(row, ctx)?;
                if v.is_null() {
                    return Ok(Value::Null);
                }
                let mut saw_null = false;
                for item in list {
                    let w = item.operand(row, ctx)?;
                    match crate::types::compare_typed(&a.ty(), &v, &w) {
                        Some(Ordering::Equal) => return Ok(Value::Bool(!negated)),
                        None => saw_null = true,
                        _ => {}
                    }
                }
                if saw_null {
                    Value::Null
                } else {
                    Value::Bool(*negated)
                }
            }
            Expr::Between(a, lo, hi, negated) => {
                let v = a.operand(row, ctx)?;
                let (l, h) = (lo.operand(row, ctx)?, hi.operand(row, ctx)?);
                let ty = a.ty();
                let ge = crate::types::compare_typed(&ty, &v, &l).map(|o| o != Ordering::Less);
                let le = crate::types::compare_typed(&ty, &v, &h).map(|o| o != Ordering::Greater);
                let inside = and3(ge, le);
                bool_value(if *negated { not3(inside) } else { inside })
            }
            Expr::Outer(depth, i, _) => ctx
                .outer
                .len()
                .checked_sub(*depth)
                .and_then(|d| ctx.outer.get(d))
                .and_then(|r| r.get(*i))
                .cloned()
                .ok_or_else(|| EngineError::internal("outer reference out of range"))?,
            Expr::Subquery(sq) => crate::exec::subquery::eval_subquery(sq, row, ctx)?,
            Expr::IsDistinct(sig, a, b, negated) => {
                let (l, r) = (a.operand(row, ctx)?, b.operand(row, ctx)?);
                let distinct = match (l.is_null(), r.is_null()) {
                    (true, true) => false,
                    (true, false) | (false, true) => true,
                    (false, false) => !matches!(sig.eval(&l, &r)?, Value::Bool(true)),
                };
                Value::Bool(distinct != *negated)
            }
            Expr::Like(a, p, negated, ci) => {
                let v = a.operand(row, ctx)?;
                let pat = p.operand(row, ctx)?;
                match (&*v, &*pat) {
                    (Value::Null, _) | (_, Value::Null) => Value::Null,
                    (Value::Text(s), Value::Text(pt)) => Value::Bool(like(s, pt, *ci)? != *negated),
                    _ => {
                        return Err(EngineError::internal("LIKE on non-text values"));
                    }
                }
            }
        })
    }

    /// The value of an operand: borrowed when it is a column, a literal or
    /// a parameter of its type (so comparing a text column with a text
    /// parameter copies no text), computed otherwise.
    fn operand<'v, 'a: 'v, T: Transaction>(
        &'v self,
        row: &'v [Value],
        ctx: &mut Ctx<'a, T>,
    ) -> Result<Cow<'v, Value>> {
        match self {
            Expr::Literal(v, _) => Ok(Cow::Borrowed(v)),
            Expr::Param(i, ty) => {
                let params: &'a [Value] = ctx.params;
                match params.get(*i) {
                    Some(v) if usable_as_is(v, ty) => Ok(Cow::Borrowed(v)),
                    _ => self.eval(row, ctx).map(Cow::Owned),
                }
            }
            Expr::Column(i, _) => row
                .get(*i)
                .map(Cow::Borrowed)
                .ok_or_else(|| EngineError::internal(format!("column {i} out of range"))),
            _ => self.eval(row, ctx).map(Cow::Owned),
        }
    }

    /// Evaluates a predicate: true only for a TRUE result (NULL is false).
    ///
    /// A comparison of columns and literals of the everyday types is
    /// decided without evaluating it into a value
    /// ([`crate::types::BinaryOpSig::quick_test`]), and an AND holds when
    /// both sides do (stopping at the first that does not, as evaluation
    /// stops at a FALSE).
    pub fn holds<T: Transaction>(&self, row: &[Value], ctx: &mut Ctx<'_, T>) -> Result<bool> {
        match self {
            Expr::Binary(..) => {
                if let Some(t) = self.quick_truth(row, ctx.params) {
                    return Ok(t == Some(true));
                }
            }
            Expr::And(a, b) => {
                return crate::sql::depth::guard(|| Ok(a.holds(row, ctx)? && b.holds(row, ctx)?))
            }
            _ => {}
        }
        Ok(truth(&self.eval(row, ctx)?)? == Some(true))
    }

    /// The truth of the expression over `row` when it is made of
    /// comparisons of columns and literals of the everyday types
    /// ([`crate::types::BinaryOpSig::quick_test`]) joined by AND, OR and
    /// NOT, and `IS [NOT] NULL` of columns: `Some(Some(b))`, `Some(None)`
    /// for NULL; `None` for any other expression (then it is evaluated).
    /// A parameter of its own type counts as a literal (`params` are the
    /// statement's: a cached simple-protocol plan has its literals as
    /// parameters). Needs no [`Ctx`], so parallel scan workers use it too.
    pub(crate) fn quick_truth(&self, row: &[Value], params: &[Value]) -> Option<Option<bool>> {
        self.quick_truth_joined(row, &[], params)
    }

    /// [`Expr::quick_truth`] over the row `left` followed by `right` (a
    /// join's candidate pair, without copying it into one row).
    pub(crate) fn quick_truth_joined(
        &self,
        left: &[Value],
        right: &[Value],
        params: &[Value],
    ) -> Option<Option<bool>> {
        crate::sql::depth::guard(|| match self {
            Expr::Binary(sig, a, b) => sig.quick_test(
                a.joined_operand(left, right, params)?,
                b.joined_operand(left, right, params)?,
            ),
            Expr::And(a, b) => {
                let l = a.quick_truth_joined(left, right, params)?;
                if l == Some(false) {
                    return Some(Some(false));
                }
                Some(and3(l, b.quick_truth_joined(left, right, params)?))
            }
            Expr::Or(a, b) => {
                let l = a.quick_truth_joined(left, right, params)?;
                if l == Some(true) {
                    return Some(Some(true));
                }
                Some(or3(l, b.quick_truth_joined(left, right, params)?))
            }
            Expr::Not(a) => Some(not3(a.quick_truth_joined(left, right, params)?)),
            Expr::IsNull(a, negated) => Some(Some(
                a.joined_operand(left, right, params)?.is_null() != *negated,
            )),
            _ => None,
        })
    }

    /// [`Expr::plain_operand`] over the row `left` followed by `right`.
    #[inline]
    fn joined_operand<'v>(
        &'v self,
        left: &'v [Value],
        right: &'v [Value],
        params: &'v [Value],
    ) -> Option<&'v Value> {
        match self {
            Expr::Column(i, _) if *i >= left.len() => right.get(*i - left.len()),
            _ => self.plain_operand(left, params),
        }
    }

    /// Whether the expression is a column, a literal or a parameter (what
    /// [`Expr::plain_operand`] may borrow).
    pub(crate) fn is_plain_operand(&self) -> bool {
        matches!(self, Expr::Literal(..) | Expr::Column(..) | Expr::Param(..))
    }

    /// Whether [`Expr::quick_truth`] may decide the expression: its shape
    /// is one it knows (whether it does also depends on the operands'
    /// values and types).
    pub(crate) fn may_quick_decide(&self) -> bool {
        crate::sql::depth::guard(|| match self {
            Expr::Binary(sig, a, b) => {
                sig.op.is_comparison() && a.is_plain_operand() && b.is_plain_operand()
            }
            Expr::And(a, b) | Expr::Or(a, b) => a.may_quick_decide() && b.may_quick_decide(),
            Expr::Not(a) => a.may_quick_decide(),
            Expr::IsNull(a, _) => a.is_plain_operand(),
            _ => false,
        })
    }

    /// A column's, a literal's or a parameter's value, borrowed (a
    /// parameter only when it already has its declared type, as
    /// [`Expr::eval`] would use it uncast); `None` for anything else.
    #[inline]
    pub(crate) fn plain_operand<'v>(
        &'v self,
        row: &'v [Value],
        params: &'v [Value],
    ) -> Option<&'v Value> {
        match self {
            Expr::Literal(v, _) => Some(v),
            Expr::Column(i, _) => row.get(*i),
            Expr::Param(i, ty) => params.get(*i).filter(|v| usable_as_is(v, ty)),
            _ => None,
        }
    }
}

/// Whether parameter value `v` serves as a parameter declared `ty` without
/// a cast: NULL, an untyped parameter, or a value of that very type.
fn usable_as_is(v: &Value, ty: &SqlType) -> bool {
    v.is_null() || *ty == SqlType::Unknown || v.sql_type() == Some(*ty)
}

fn bool_value(b: Option<bool>) -> Value {
    match b {
        Some(b) => Value::Bool(b),
        None => Value::Null,
    }
}

/// The truth value of a boolean-typed value.
pub fn truth(v: &Value) -> Result<Option<bool>> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        other => Err(EngineError::new(
            SqlState::DatatypeMismatch,
            format!(
                "argument of boolean expression must be type boolean, not type {}",
                other
                    .sql_type()
                    .map(|t| t.display_name())
                    .unwrap_or_else(|| "unknown".into())
            ),
        )),
    }
}

/// SQL LIKE matching with `%`, `_` and backslash escapes.
pub fn like(s: &str, pattern: &str, case_insensitive: bool) -> Result<bool> {
    let (s, p): (Vec<char>, Vec<char>) = if case_insensitive {
        (
            s.to_lowercase().chars().collect(),
            pattern.to_lowercase().chars().collect(),
        )
    } else {
        (s.chars().collect(), pattern.chars().collect())
    };
    // Iterative matcher with backtracking on the last `%`.
    let (mut si, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() {
            match p[pi] {
                '%' => {
                    star = Some((pi, si));
                    pi += 1;
                    continue;
                }
                '_' => {
                    si += 1;
                    pi += 1;
                    continue;
                }
                '\\' => {
                    let Some(&lit) = p.get(pi + 1) else {
                        return Err(EngineError::new(
                            SqlState::InvalidParameterValue,
                            "LIKE pattern must not end with escape character",
                        ));
                    };
                    if lit == s[si] {
                        si += 1;
                        pi += 2;
                        continue;
                    }
                }
                c if c == s[si] => {
                    si += 1;
                    pi += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, ss)) => {
                pi = sp + 1;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return Ok(false),
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    Ok(pi == p.len())
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_patterns() {
        assert!(like("hello", "h%o", false).unwrap());
        assert!(like("hello", "h_llo", false).unwrap());
        assert!(!like("hello", "h_lo", false).unwrap());
        assert!(like("HeLLo", "hello", true).unwrap());
        assert!(like("50%", "50\\%", false).unwrap());
        assert!(!like("501", "50\\%", false).unwrap());
        assert!(like("", "%", false).unwrap());
        assert!(like("abcabc", "%bc", false).unwrap());
        assert!(like("a", "\\", false).is_err());
    }
}
