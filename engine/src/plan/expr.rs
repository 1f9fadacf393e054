//! Bound scalar expressions and their evaluation.
//!
//! The binder turns `sqlparser` expressions into [`Expr`]: names resolved to
//! column positions, every node typed (the result type is known before
//! execution, so the server can describe result columns), untyped literals
//! coerced to the type their context demands. Evaluation is a plain
//! recursive walk over a row slice; NULL handling follows SQL's three-valued
//! logic.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::error::{EngineError, Result, SqlState};
use std::sync::Arc;

use rocksgres_storage::Transaction;

use crate::exec::ctx::Ctx;
use crate::plan::node::Node;
use crate::types::{
    and3, cast, compare, eval_unary, not3, or3, BinaryOpSig, CastKind, ScalarFunction, SqlType,
    UnaryOp, Value,
};

/// A bound, typed scalar expression.
#[derive(Debug, Clone)]
pub enum Expr {
    /// A constant.
    Literal(Value, SqlType),
    /// Column `index` of the input row.
    Column(usize, SqlType),
    /// Statement parameter `$index+1`.
    Param(usize, SqlType),
    /// A binary operator (its resolved signature: operand and result types).
    Binary(BinaryOpSig, Box<Expr>, Box<Expr>),
    /// Unary minus.
    Negate(Box<Expr>, SqlType),
    /// Another unary operator (`~`).
    Unary(UnaryOp, Box<Expr>, SqlType),
    /// Logical NOT.
    Not(Box<Expr>),
    /// Logical AND.
    And(Box<Expr>, Box<Expr>),
    /// Logical OR.
    Or(Box<Expr>, Box<Expr>),
    /// `IS [NOT] NULL` (the flag is `negated`).
    IsNull(Box<Expr>, bool),
    /// `IS [NOT] TRUE/FALSE`: (expr, expected value, negated).
    IsBool(Box<Expr>, bool, bool),
    /// A type cast.
    Cast(Box<Expr>, SqlType, CastKind),
    /// A scalar function call.
    Function(ScalarFunction, Vec<Expr>),
    /// `CASE [operand] WHEN .. THEN .. ELSE .. END`.
    Case {
        /// Simple-CASE operand.
        operand: Option<Box<Expr>>,
        /// WHEN/THEN pairs.
        whens: Vec<(Expr, Expr)>,
        /// ELSE result.
        otherwise: Option<Box<Expr>>,
        /// Result type.
        ty: SqlType,
    },
    /// `COALESCE(...)`.
    Coalesce(Vec<Expr>, SqlType),
    /// `NULLIF(a, b)`.
    NullIf(Box<Expr>, Box<Expr>, SqlType),
    /// `expr [NOT] IN (list)`.
    InList(Box<Expr>, Vec<Expr>, bool),
    /// `expr [NOT] BETWEEN low AND high`.
    Between(Box<Expr>, Box<Expr>, Box<Expr>, bool),
    /// `expr [NOT] [I]LIKE pattern`: (expr, pattern, negated, case-insensitive).
    Like(Box<Expr>, Box<Expr>, bool, bool),
    /// Column `index` of an enclosing query's row, `depth` levels out
    /// (a correlated reference inside a subquery).
    Outer(usize, usize, SqlType),
    /// A subquery used as a value.
    Subquery(Box<Subquery>),
    /// `a IS [NOT] DISTINCT FROM b` (the flag is NOT): equality with NULLs
    /// equal to each other.
    IsDistinct(BinaryOpSig, Box<Expr>, Box<Expr>, bool),
    /// A sequence function (`nextval`, ...; see [`crate::exec::sequence`]):
    /// volatile, and it needs the transaction, so it is not a
    /// [`ScalarFunction`].
    Sequence(crate::exec::sequence::SeqFunc, Vec<Expr>),
    /// A value (of the domain's base type) checked against a domain's
    /// constraints: a cast to a domain.
    Domain(Box<Expr>, Arc<crate::plan::domain_check::DomainCoercion>),
}

/// How a subquery's rows become a value.
#[derive(Debug, Clone)]
pub enum SubqueryKind {
    /// `(SELECT x ...)`: the single value of at most one row.
    Scalar,
    /// `EXISTS (...)`.
    Exists,
    /// `expr [NOT] IN (SELECT ...)`: (expr, negated).
    In(Expr, bool),
    /// `expr op ANY/ALL (SELECT ...)`: (expr, comparison, ALL).
    Quantified(Expr, BinaryOpSig, bool),
    /// `ARRAY(SELECT ...)`: the column's values as an array.
    Array,
    /// `(a, b) op ANY/ALL (SELECT x, y ...)`, IN included (see
    /// [`super::row_sublink`]).
    Row(super::row_sublink::RowSublink),
}

/// A planned subquery inside an expression.
#[derive(Debug, Clone)]
pub struct Subquery {
    /// Its plan.
    pub plan: Arc<Node>,
    /// How its result is used.
    pub kind: SubqueryKind,
    /// Whether it refers to enclosing rows (else its result is computed once).
    pub correlated: bool,
    /// Identifier within the statement (caches uncorrelated results).
    pub id: usize,
    /// Result type.
    pub ty: SqlType,
}

impl Expr {
    /// The result type.
    pub fn ty(&self) -> SqlType {
        match self {
            Expr::Literal(_, t)
            | Expr::Column(_, t)
            | Expr::Param(_, t)
            | Expr::Negate(_, t)
            | Expr::Unary(_, _, t)
            | Expr::Cast(_, t, _)
            | Expr::Coalesce(_, t)
            | Expr::NullIf(_, _, t)
            | Expr::Outer(_, _, t)
            | Expr::Case { ty: t, .. } => *t,
            Expr::Subquery(sq) => sq.ty,
            Expr::Domain(a, _) => a.ty(),
            Expr::Binary(sig, _, _) => sig.result,
            Expr::Function(f, _) => f.return_type(),
            Expr::Sequence(..) => SqlType::Int8,
            Expr::Not(_)
            | Expr::And(..)
            | Expr::Or(..)
            | Expr::IsNull(..)
            | Expr::IsBool(..)
            | Expr::IsDistinct(..)
            | Expr::InList(..)
            | Expr::Between(..)
            | Expr::Like(..) => SqlType::Bool,
        }
    }

    /// Whether the expression reads no column (literals and parameters only).
    pub fn is_constant(&self) -> bool {
        crate::sql::depth::guard(|| self.is_constant_level())
    }

    fn is_constant_level(&self) -> bool {
        match self {
            Expr::Literal(..) | Expr::Param(..) => true,
            Expr::Column(..)
            | Expr::Outer(..)
            | Expr::Subquery(..)
            | Expr::Sequence(..)
            | Expr::Domain(..) => false,
            Expr::Binary(_, a, b)
            | Expr::IsDistinct(_, a, b, _)
            | Expr::And(a, b)
            | Expr::Or(a, b)
            | Expr::NullIf(a, b, _) => a.is_constant() && b.is_constant(),
            Expr::Negate(a, _)
            | Expr::Unary(_, a, _)
            | Expr::Not(a)
            | Expr::IsNull(a, _)
            | Expr::IsBool(a, _, _)
            | Expr::Cast(a, _, _) => a.is_constant(),
            Expr::Function(f, args) => !f.is_volatile() && args.iter().all(Expr::is_constant),
            Expr::Coalesce(args, _) => args.iter().all(Expr::is_constant),
            Expr::Case {
                operand,
                whens,
                otherwise,
                ..
            } => {
                operand.as_ref().is_none_or(|o| o.is_constant())
                    && whens
                        .iter()
                        .all(|(w, t)| w.is_constant() && t.is_constant())
                    && otherwise.as_ref().is_none_or(|o| o.is_constant())
            }
            Expr::InList(a, l, _) => a.is_constant() && l.iter().all(Expr::is_constant),
            Expr::Between(a, b, c, _) => a.is_constant() && b.is_constant() && c.is_constant(),
            Expr::Like(a, b, _, _) => a.is_constant() && b.is_constant(),
        }
    }

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
                Some(v) if v.is_null() || *ty == SqlType::Unknown || v.sql_type() == Some(*ty) => v,
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
                    Some(v)
                        if v.is_null() || *ty == SqlType::Unknown || v.sql_type() == Some(*ty) =>
                    {
                        Ok(Cow::Borrowed(v))
                    }
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
    pub fn holds<T: Transaction>(&self, row: &[Value], ctx: &mut Ctx<'_, T>) -> Result<bool> {
        Ok(truth(&self.eval(row, ctx)?)? == Some(true))
    }
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
