//! Generic walks over bound expressions.
//!
//! Several planner passes need to visit or rewrite the column references of
//! an [`Expr`]: moving a predicate below a join (its columns shift), putting
//! window results in place of their placeholders, turning a join key into a
//! lookup key. Each used to carry its own match over every variant, and a
//! `_ => {}` arm in one of them silently skipped new variants. Here the
//! knowledge of which variants have which children lives in exactly one
//! place, [`Expr::for_each_child`] / [`Expr::for_each_child_mut`], whose
//! matches are exhaustive, so a new variant fails to compile until it is
//! handled.
//!
//! "Children" are the expressions evaluated over the same row as the
//! parent. A subquery's plan is not a child (it runs over its own rows and
//! sees this row only through [`Expr::Outer`] references inside it); the
//! left operand of `x IN (SELECT ...)` and `x op ANY (SELECT ...)` is.

use crate::plan::expr::{Expr, SubqueryKind};
use crate::sql::depth;
use crate::types::SqlType;

impl Expr {
    /// Calls `f` on each direct child expression (see the module docs).
    pub fn for_each_child<'e>(&'e self, f: &mut dyn FnMut(&'e Expr)) {
        match self {
            Expr::Literal(..) | Expr::Column(..) | Expr::Param(..) | Expr::Outer(..) => {}
            Expr::Binary(_, a, b)
            | Expr::IsDistinct(_, a, b, _)
            | Expr::And(a, b)
            | Expr::Or(a, b)
            | Expr::NullIf(a, b, _)
            | Expr::Like(a, b, _, _) => {
                f(a);
                f(b);
            }
            Expr::Negate(a, _)
            | Expr::Unary(_, a, _)
            | Expr::Not(a)
            | Expr::IsNull(a, _)
            | Expr::IsBool(a, _, _)
            | Expr::Cast(a, _, _)
            | Expr::Domain(a, _) => f(a),
            Expr::Function(_, args) | Expr::Coalesce(args, _) | Expr::Sequence(_, args) => {
                args.iter().for_each(f)
            }
            Expr::Case {
                operand,
                whens,
                otherwise,
                ..
            } => {
                if let Some(o) = operand {
                    f(o);
                }
                for (w, t) in whens {
                    f(w);
                    f(t);
                }
                if let Some(o) = otherwise {
                    f(o);
                }
            }
            Expr::InList(a, list, _) => {
                f(a);
                list.iter().for_each(f);
            }
            Expr::Between(a, b, c, _) => {
                f(a);
                f(b);
                f(c);
            }
            Expr::Subquery(sq) => match &sq.kind {
                SubqueryKind::In(x, _) | SubqueryKind::Quantified(x, _, _) => f(x),
                SubqueryKind::Row(r) => r.probes.iter().for_each(f),
                SubqueryKind::Scalar | SubqueryKind::Exists | SubqueryKind::Array => {}
            },
        }
    }

    /// Calls `f` on each direct child expression, mutably.
    pub fn for_each_child_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        match self {
            Expr::Literal(..) | Expr::Column(..) | Expr::Param(..) | Expr::Outer(..) => {}
            Expr::Binary(_, a, b)
            | Expr::IsDistinct(_, a, b, _)
            | Expr::And(a, b)
            | Expr::Or(a, b)
            | Expr::NullIf(a, b, _)
            | Expr::Like(a, b, _, _) => {
                f(a);
                f(b);
            }
            Expr::Negate(a, _)
            | Expr::Unary(_, a, _)
            | Expr::Not(a)
            | Expr::IsNull(a, _)
            | Expr::IsBool(a, _, _)
            | Expr::Cast(a, _, _)
            | Expr::Domain(a, _) => f(a),
            Expr::Function(_, args) | Expr::Coalesce(args, _) | Expr::Sequence(_, args) => {
                args.iter_mut().for_each(f)
            }
            Expr::Case {
                operand,
                whens,
                otherwise,
                ..
            } => {
                if let Some(o) = operand {
                    f(o);
                }
                for (w, t) in whens {
                    f(w);
                    f(t);
                }
                if let Some(o) = otherwise {
                    f(o);
                }
            }
            Expr::InList(a, list, _) => {
                f(a);
                list.iter_mut().for_each(f);
            }
            Expr::Between(a, b, c, _) => {
                f(a);
                f(b);
                f(c);
            }
            Expr::Subquery(sq) => match &mut sq.kind {
                SubqueryKind::In(x, _) | SubqueryKind::Quantified(x, _, _) => f(x),
                SubqueryKind::Row(r) => r.probes.iter_mut().for_each(f),
                SubqueryKind::Scalar | SubqueryKind::Exists | SubqueryKind::Array => {}
            },
        }
    }

    /// Whether `pred` holds for this expression or any expression below it
    /// (children first-to-last, depth first).
    pub fn any(&self, pred: &mut dyn FnMut(&Expr) -> bool) -> bool {
        depth::guard(|| {
            if pred(self) {
                return true;
            }
            let mut found = false;
            self.for_each_child(&mut |c| {
                if !found {
                    found = c.any(pred);
                }
            });
            found
        })
    }

    /// Calls `f` on this expression and every expression below it
    /// (parents before children).
    pub fn visit_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        depth::guard(|| {
            f(self);
            self.for_each_child_mut(&mut |c| c.visit_mut(f));
        })
    }

    /// Replaces every column reference `i` of the current row by `f(i)`.
    ///
    /// A correlated subquery reads the current row through references
    /// inside its own plan, which this does not rewrite: callers moving an
    /// expression to a differently shaped row check
    /// [`Expr::has_correlated_subquery`] first.
    pub fn map_columns(&mut self, f: &dyn Fn(usize) -> usize) {
        self.visit_mut(&mut |e| {
            if let Expr::Column(i, _) = e {
                *i = f(*i);
            }
        });
    }

    /// Replaces every column reference `i` of the current row by
    /// `f(i, type)`; the replacements themselves are not walked again.
    pub fn substitute_columns(&mut self, f: &dyn Fn(usize, SqlType) -> Expr) {
        depth::guard(|| match self {
            Expr::Column(i, t) => *self = f(*i, *t),
            _ => self.for_each_child_mut(&mut |c| c.substitute_columns(f)),
        })
    }

    /// Whether a subquery below reads enclosing rows.
    pub fn has_correlated_subquery(&self) -> bool {
        self.any(&mut |e| matches!(e, Expr::Subquery(sq) if sq.correlated))
    }

    /// Whether the expression may be evaluated on a differently shaped row
    /// or at another point of the plan without changing its meaning: no
    /// subquery, no sequence function, no volatile (or stable) function.
    pub fn is_movable(&self) -> bool {
        !self.any(&mut |e| match e {
            Expr::Subquery(_) | Expr::Sequence(..) => true,
            Expr::Function(f, _) => f.is_volatile(),
            _ => false,
        })
    }

    /// The lowest and highest column of the current row the expression
    /// reads (`None` when it reads none).
    pub fn column_span(&self) -> Option<(usize, usize)> {
        let mut span: Option<(usize, usize)> = None;
        self.any(&mut |e| {
            if let Expr::Column(i, _) = e {
                span = Some(match span {
                    None => (*i, *i),
                    Some((lo, hi)) => (lo.min(*i), hi.max(*i)),
                });
            }
            false
        });
        span
    }

    /// Adds `by` to the depth of every reference to an enclosing row (for
    /// an expression that will run one row-nesting level deeper).
    pub fn deepen_outer(&mut self, by: usize) {
        self.visit_mut(&mut |e| {
            if let Expr::Outer(depth, _, _) = e {
                *depth += by;
            }
        });
    }
}
