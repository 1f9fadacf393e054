//! Bound scalar expressions and their evaluation.
//!
//! The binder turns `sqlparser` expressions into [`Expr`]: names resolved to
//! column positions, every node typed (the result type is known before
//! execution, so the server can describe result columns), untyped literals
//! coerced to the type their context demands. Evaluation is the
//! executor's ([`crate::exec::eval`]): the planner only builds and inspects
//! expressions.

use std::sync::Arc;

use crate::plan::node::Node;
use crate::types::{BinaryOpSig, CastKind, ScalarFunction, SqlType, UnaryOp, Value};

/// A sequence function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqFunc {
    /// `nextval(regclass)`.
    Nextval,
    /// `currval(regclass)`.
    Currval,
    /// `setval(regclass, bigint [, bool])`.
    Setval,
    /// `lastval()`.
    Lastval,
}

impl SeqFunc {
    /// The function of this name, if it is one.
    pub fn from_name(name: &str) -> Option<SeqFunc> {
        Some(match name {
            "nextval" => SeqFunc::Nextval,
            "currval" => SeqFunc::Currval,
            "setval" => SeqFunc::Setval,
            "lastval" => SeqFunc::Lastval,
            _ => return None,
        })
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            SeqFunc::Nextval => "nextval",
            SeqFunc::Currval => "currval",
            SeqFunc::Setval => "setval",
            SeqFunc::Lastval => "lastval",
        }
    }
}

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
    Sequence(SeqFunc, Vec<Expr>),
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
}

/// The AND-ed parts of `e`, appended to `out`.
pub(crate) fn conjuncts(e: &Expr, out: &mut Vec<Expr>) {
    crate::sql::depth::guard(|| match e {
        Expr::And(a, b) => {
            conjuncts(a, out);
            conjuncts(b, out);
        }
        other => out.push(other.clone()),
    })
}
