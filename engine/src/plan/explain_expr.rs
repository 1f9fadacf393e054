//! EXPLAIN's expressions: a bound [`Expr`] printed as PostgreSQL's
//! `ruleutils.c` prints a plan's expression (`deparse_expression` without
//! pretty flags, as `explain.c` calls it).
//!
//! Every operator is parenthesised (`(a > 1)`, `((a + 1) > (b * 2))`),
//! `AND`/`OR` chains print flat (`((a > 1) AND (b < 2) AND c)`), explicit
//! casts print as `(a)::text`, constants as `get_const_expr` prints them
//! (`10`, `'x'::text`, `'-1'::integer`). Implicit casts are shown below
//! the top level except between integer types (PostgreSQL compares them
//! with cross-type operators and has no cast there). `BETWEEN` prints
//! expanded and `IN (...)` of constants as `= ANY ('{...}'::type[])`, as
//! the parse analysis PostgreSQL deparses turned them.
//!
//! Columns print by the names a [`Names`] gives for the row the expression
//! reads: the input node's output, each column `alias.column` or bare
//! `column` (see [`crate::plan::explain`]), or a computed column's own
//! expression text. A subquery prints as PostgreSQL 15 prints its
//! SubPlan: an uncorrelated scalar, EXISTS or ARRAY subquery runs once
//! before the node, as an InitPlan whose result is a parameter (`$0`); an
//! uncorrelated `IN` is a hashed SubPlan (`(hashed SubPlan 1)`, `(NOT
//! (hashed SubPlan 1))`); anything else `(SubPlan n)`. Numbers are given
//! in the order [`SubplanCounter::number`] first meets each subquery.

use std::collections::HashMap;

use crate::plan::expr::{Expr, Subquery, SubqueryKind};
use crate::types::{BinaryOp, CastKind, SqlType};

/// The names of the columns of the row an expression reads, and those of
/// the enclosing rows (innermost last) its outer references read.
pub struct Names<'a> {
    /// The row's columns.
    pub row: &'a [String],
    /// Enclosing rows, outermost first.
    pub outer: &'a [Vec<String>],
}

/// Numbers subqueries met while printing (PostgreSQL's `SubPlan n`) and
/// the parameters of InitPlans (`$n`).
#[derive(Default)]
pub struct SubplanCounter {
    /// The last number given.
    pub next: usize,
    /// The next InitPlan parameter.
    next_param: usize,
    /// Numbers given, by the address of the subquery's plan: (number,
    /// parameter).
    given: HashMap<usize, (usize, Option<usize>)>,
}

impl SubplanCounter {
    /// `sq`'s SubPlan number and, for an InitPlan, its parameter; given
    /// the first time `sq` is met.
    pub fn number(&mut self, sq: &Subquery) -> (usize, Option<usize>) {
        // Keyed by the plan, which copies of the expression share.
        let key = std::sync::Arc::as_ptr(&sq.plan) as usize;
        if let Some(g) = self.given.get(&key) {
            return *g;
        }
        self.next += 1;
        let param = is_init_plan(sq).then(|| {
            self.next_param += 1;
            self.next_param - 1
        });
        self.given.insert(key, (self.next, param));
        (self.next, param)
    }
}

/// Whether PostgreSQL runs `sq` once, before its node, as an InitPlan.
pub fn is_init_plan(sq: &Subquery) -> bool {
    !sq.correlated
        && matches!(
            sq.kind,
            SubqueryKind::Scalar | SubqueryKind::Exists | SubqueryKind::Array
        )
}

/// Whether PostgreSQL hashes `sq`'s rows (an uncorrelated `IN`/`= ANY`).
fn is_hashed(sq: &Subquery) -> bool {
    !sq.correlated
        && match &sq.kind {
            SubqueryKind::In(..) => true,
            SubqueryKind::Quantified(_, sig, all) => !all && sig.op == BinaryOp::Eq,
            SubqueryKind::Row(r) => !r.all && r.operator() == Some(BinaryOp::Eq),
            _ => false,
        }
}

/// `e` as PostgreSQL's EXPLAIN prints it.
pub fn deparse(e: &Expr, names: &Names<'_>, subplans: &mut SubplanCounter) -> String {
    let mut out = String::new();
    crate::sql::depth::guard(|| print(e, names, subplans, true, &mut out));
    out
}

fn is_int(t: &SqlType) -> bool {
    matches!(t, SqlType::Int2 | SqlType::Int4 | SqlType::Int8)
}

/// ANDs (or ORs) of a chain, flattened as PostgreSQL's n-ary BoolExpr
/// (iteratively: a chain may be very long).
fn flatten<'e>(e: &'e Expr, and: bool, out: &mut Vec<&'e Expr>) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match e {
            Expr::And(a, b) if and => {
                stack.push(b);
                stack.push(a);
            }
            Expr::Or(a, b) if !and => {
                stack.push(b);
                stack.push(a);
            }
            other => out.push(other),
        }
    }
}

fn print(e: &Expr, n: &Names<'_>, sp: &mut SubplanCounter, top: bool, out: &mut String) {
    crate::sql::depth::guard(|| print_level(e, n, sp, top, out))
}

fn print_level(e: &Expr, n: &Names<'_>, sp: &mut SubplanCounter, top: bool, out: &mut String) {
    match e {
        Expr::Literal(v, ty) => {
            crate::syscat::deparse::const_text(v.to_text().as_deref(), ty, true, out)
        }
        Expr::Column(i, _) => match n.row.get(*i) {
            Some(name) => out.push_str(name),
            None => out.push_str("?column?"),
        },
        Expr::Outer(depth, i, _) => {
            let name = n
                .outer
                .len()
                .checked_sub(*depth)
                .and_then(|d| n.outer.get(d))
                .and_then(|r| r.get(*i));
            match name {
                Some(name) => out.push_str(name),
                None => out.push_str("?column?"),
            }
        }
        Expr::Param(i, _) => out.push_str(&format!("${}", i + 1)),
        Expr::Binary(sig, a, b) => {
            out.push('(');
            print(a, n, sp, false, out);
            out.push(' ');
            out.push_str(sig.op.symbol());
            out.push(' ');
            print(b, n, sp, false, out);
            out.push(')');
        }
        Expr::Negate(a, _) => {
            out.push_str("(- ");
            print(a, n, sp, false, out);
            out.push(')');
        }
        Expr::Unary(op, a, _) => {
            out.push('(');
            out.push_str(op.symbol());
            out.push(' ');
            print(a, n, sp, false, out);
            out.push(')');
        }
        Expr::Not(a) => {
            out.push_str("(NOT ");
            print(a, n, sp, false, out);
            out.push(')');
        }
        Expr::And(..) | Expr::Or(..) => {
            let and = matches!(e, Expr::And(..));
            let mut parts = Vec::new();
            flatten(e, and, &mut parts);
            out.push('(');
            for (k, p) in parts.iter().enumerate() {
                if k > 0 {
                    out.push_str(if and { " AND " } else { " OR " });
                }
                print(p, n, sp, false, out);
            }
            out.push(')');
        }
        Expr::IsNull(a, negated) => {
            out.push('(');
            print(a, n, sp, false, out);
            out.push_str(if *negated {
                " IS NOT NULL)"
            } else {
                " IS NULL)"
            });
        }
        Expr::IsBool(a, value, negated) => {
            out.push('(');
            print(a, n, sp, false, out);
            out.push_str(match (value, negated) {
                (true, false) => " IS TRUE)",
                (true, true) => " IS NOT TRUE)",
                (false, false) => " IS FALSE)",
                (false, true) => " IS NOT FALSE)",
            });
        }
        Expr::Cast(a, ty, kind) => {
            let hidden = *kind == CastKind::Implicit && (top || (is_int(&a.ty()) && is_int(ty)));
            if hidden {
                return print(a, n, sp, top, out);
            }
            if let Expr::Literal(v, _) = a.as_ref() {
                // A cast constant is folded into a constant of the type.
                let text = v.to_text();
                out.push_str(&match text {
                    Some(t) => format!("'{}'", t.replace('\'', "''")),
                    None => "NULL".into(),
                });
            } else {
                out.push('(');
                print(a, n, sp, false, out);
                out.push(')');
            }
            out.push_str("::");
            out.push_str(&ty.display_name());
        }
        Expr::Domain(a, _) => print(a, n, sp, top, out),
        Expr::Function(f, args) => {
            out.push_str(f.name);
            out.push('(');
            list(args, n, sp, out);
            out.push(')');
        }
        Expr::Sequence(f, args) => {
            out.push_str(&format!("{f:?}").to_ascii_lowercase());
            out.push('(');
            list(args, n, sp, out);
            out.push(')');
        }
        Expr::Case {
            operand,
            whens,
            otherwise,
            ..
        } => {
            out.push_str("CASE");
            if let Some(o) = operand {
                out.push(' ');
                print(o, n, sp, false, out);
            }
            for (w, t) in whens {
                out.push_str(" WHEN ");
                print(w, n, sp, false, out);
                out.push_str(" THEN ");
                print(t, n, sp, false, out);
            }
            if let Some(o) = otherwise {
                out.push_str(" ELSE ");
                print(o, n, sp, false, out);
            }
            out.push_str(" END");
        }
        Expr::Coalesce(args, _) => {
            out.push_str("COALESCE(");
            list(args, n, sp, out);
            out.push(')');
        }
        Expr::NullIf(a, b, _) => {
            out.push_str("NULLIF(");
            print(a, n, sp, false, out);
            out.push_str(", ");
            print(b, n, sp, false, out);
            out.push(')');
        }
        Expr::InList(a, items, negated) => {
            out.push('(');
            print(a, n, sp, false, out);
            out.push_str(if *negated { " <> ALL (" } else { " = ANY (" });
            let consts: Option<Vec<Option<String>>> = items
                .iter()
                .map(|i| match i {
                    Expr::Literal(v, _) => Some(v.to_text()),
                    _ => None,
                })
                .collect();
            match consts {
                Some(values) => {
                    let ty = a.ty();
                    let elems: Vec<String> = values
                        .into_iter()
                        .map(|v| match v {
                            None => "NULL".into(),
                            Some(t) => array_elem(&t),
                        })
                        .collect();
                    out.push_str(&format!(
                        "'{{{}}}'::{}[]",
                        elems.join(",").replace('\'', "''"),
                        ty.display_name()
                    ));
                }
                None => {
                    out.push_str("ARRAY[");
                    list(items, n, sp, out);
                    out.push(']');
                }
            }
            out.push_str("))");
        }
        Expr::Between(a, lo, hi, negated) => {
            let (op1, op2, join) = if *negated {
                ("<", ">", " OR ")
            } else {
                (">=", "<=", " AND ")
            };
            out.push_str("((");
            print(a, n, sp, false, out);
            out.push_str(&format!(" {op1} "));
            print(lo, n, sp, false, out);
            out.push(')');
            out.push_str(join);
            out.push('(');
            print(a, n, sp, false, out);
            out.push_str(&format!(" {op2} "));
            print(hi, n, sp, false, out);
            out.push_str("))");
        }
        Expr::Like(a, p, negated, insensitive) => {
            out.push('(');
            print(a, n, sp, false, out);
            out.push_str(match (negated, insensitive) {
                (false, false) => " ~~ ",
                (true, false) => " !~~ ",
                (false, true) => " ~~* ",
                (true, true) => " !~~* ",
            });
            print(p, n, sp, false, out);
            out.push(')');
        }
        Expr::IsDistinct(_, a, b, not) => {
            if *not {
                out.push_str("(NOT ");
            }
            out.push('(');
            print(a, n, sp, false, out);
            out.push_str(" IS DISTINCT FROM ");
            print(b, n, sp, false, out);
            out.push(')');
            if *not {
                out.push(')');
            }
        }
        Expr::Subquery(sq) => {
            let (k, param) = sp.number(sq);
            let name = if is_hashed(sq) {
                format!("hashed SubPlan {k}")
            } else {
                format!("SubPlan {k}")
            };
            match (&sq.kind, param) {
                (_, Some(p)) => out.push_str(&format!("${p}")),
                (SubqueryKind::In(_, true), _) => out.push_str(&format!("(NOT ({name}))")),
                _ => out.push_str(&format!("({name})")),
            }
        }
    }
}

/// An array element as `array_out` writes it: quoted when it needs to be.
fn array_elem(t: &str) -> String {
    let plain = !t.is_empty()
        && !t.eq_ignore_ascii_case("null")
        && !t
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\\' | '{' | '}' | ','));
    if plain {
        t.to_string()
    } else {
        format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn list(args: &[Expr], n: &Names<'_>, sp: &mut SubplanCounter, out: &mut String) {
    for (k, a) in args.iter().enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        print(a, n, sp, false, out);
    }
}
