//! The text form of a `jsonpath` value, as PostgreSQL 15's
//! `printJsonPathItem` writes it.
//!
//! A `jsonpath` is stored as this normalized text, so `'$.a'::jsonpath`
//! reads back as `$."a"`: keys and variables are always quoted, numbers
//! are printed as `numeric` prints them, `lax` is left out and `strict`
//! kept. Operators are bracketed the way PostgreSQL brackets them: the
//! outermost operator always, an operand when its operator binds no
//! tighter than the one above it (so `1 - (2 - 3)` keeps its brackets
//! and `(1 * 2) * 3` gains one). PostgreSQL's quirk of printing
//! `(expr).method()` under a comparison without the brackets is kept,
//! since clients compare this text with PostgreSQL's.

use std::fmt::Write;

use super::json::{escape_into, Json};
use super::json_path::{ArithOp, Base, CmpOp, JsonPath, Method, PathExpr, Step, LAST_LEVEL};
use crate::error::Result;

impl JsonPath {
    /// Parses `input` and returns its normalized text (the `jsonpath`
    /// type's input function).
    pub fn normalize(input: &str) -> Result<String> {
        Ok(JsonPath::parse(input)?.to_text())
    }

    /// The path's text as PostgreSQL prints it.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if self.strict {
            out.push_str("strict ");
        }
        print(&mut out, &self.expr, true);
        out
    }
}

/// PostgreSQL's `operationPriority`: higher binds tighter.
fn priority(e: &PathExpr) -> u8 {
    match e {
        PathExpr::Or(..) => 0,
        PathExpr::And(..) => 1,
        PathExpr::Cmp(..) | PathExpr::StartsWith(..) => 2,
        PathExpr::Arith(ArithOp::Add | ArithOp::Sub, ..) => 3,
        PathExpr::Arith(..) => 4,
        PathExpr::Unary(..) => 5,
        // A chain starting with a bracketed operator prints as that
        // operator.
        PathExpr::Path(b, _) => match &**b {
            Base::Expr(inner) => priority(inner),
            _ => 6,
        },
        _ => 6,
    }
}

fn cmp_symbol(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "==",
        CmpOp::Ne => "!=",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
    }
}

/// Prints a binary operator: `l op r`, bracketed when `brackets`.
fn binary(out: &mut String, l: &PathExpr, op: &str, r: &PathExpr, me: u8, brackets: bool) {
    if brackets {
        out.push('(');
    }
    print(out, l, priority(l) <= me);
    out.push(' ');
    out.push_str(op);
    out.push(' ');
    print(out, r, priority(r) <= me);
    if brackets {
        out.push(')');
    }
}

fn print(out: &mut String, e: &PathExpr, brackets: bool) {
    let me = priority(e);
    match e {
        PathExpr::Path(base, steps) => {
            match &**base {
                Base::Root => out.push('$'),
                Base::Current => out.push('@'),
                Base::Last => out.push_str("last"),
                Base::Var(name) => {
                    out.push('$');
                    escape_into(out, name);
                }
                Base::Literal(j) => literal(out, j),
                Base::Expr(inner) => print(out, inner, brackets),
            }
            for step in steps {
                print_step(out, step);
            }
        }
        PathExpr::Arith(op, l, r) => binary(out, l, op.symbol(), r, me, brackets),
        PathExpr::Cmp(op, l, r) => binary(out, l, cmp_symbol(*op), r, me, brackets),
        PathExpr::And(l, r) => binary(out, l, "&&", r, me, brackets),
        PathExpr::Or(l, r) => binary(out, l, "||", r, me, brackets),
        PathExpr::StartsWith(l, r) => binary(out, l, "starts with", r, me, brackets),
        PathExpr::Unary(neg, arg) => {
            if brackets {
                out.push('(');
            }
            out.push(if *neg { '-' } else { '+' });
            print(out, arg, priority(arg) <= me);
            if brackets {
                out.push(')');
            }
        }
        PathExpr::Not(arg) => {
            out.push_str("!(");
            print(out, arg, false);
            out.push(')');
        }
        PathExpr::IsUnknown(arg) => {
            out.push('(');
            print(out, arg, false);
            out.push_str(") is unknown");
        }
        PathExpr::Exists(arg) => {
            out.push_str("exists (");
            print(out, arg, false);
            out.push(')');
        }
        PathExpr::LikeRegex(l, re) => {
            if brackets {
                out.push('(');
            }
            print(out, l, priority(l) <= me);
            out.push_str(" like_regex ");
            escape_into(out, &re.pattern);
            let flags: String = ['i', 's', 'm', 'x', 'q']
                .into_iter()
                .filter(|f| re.flags.contains(*f))
                .collect();
            if !flags.is_empty() {
                let _ = write!(out, " flag \"{flags}\"");
            }
            if brackets {
                out.push(')');
            }
        }
    }
}

fn literal(out: &mut String, j: &Json) {
    match j {
        Json::String(s) => escape_into(out, s),
        Json::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // Only scalars are path literals.
        other => out.push_str(&other.to_jsonb_text()),
    }
}

fn level(out: &mut String, l: u32) {
    if l == LAST_LEVEL {
        out.push_str("last");
    } else {
        let _ = write!(out, "{l}");
    }
}

fn print_step(out: &mut String, step: &Step) {
    match step {
        Step::Member(name) => {
            out.push('.');
            escape_into(out, name);
        }
        Step::AnyMember => out.push_str(".*"),
        Step::AnyElement => out.push_str("[*]"),
        Step::Elements(subs) => {
            out.push('[');
            for (i, (from, to)) in subs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                print(out, from, false);
                if let Some(to) = to {
                    out.push_str(" to ");
                    print(out, to, false);
                }
            }
            out.push(']');
        }
        Step::Filter(pred) => {
            out.push_str("?(");
            print(out, pred, false);
            out.push(')');
        }
        Step::Recursive(lo, hi) => {
            out.push_str(".**");
            if (*lo, *hi) == (0, LAST_LEVEL) {
                return;
            }
            out.push('{');
            level(out, *lo);
            if lo != hi {
                out.push_str(" to ");
                level(out, *hi);
            }
            out.push('}');
        }
        Step::Method(m) => {
            let _ = write!(out, ".{}", method_text(m));
        }
        Step::Datetime(template) => {
            out.push_str(".datetime(");
            if let Some(t) = template {
                escape_into(out, t);
            }
            out.push(')');
        }
    }
}

fn method_text(m: &Method) -> &'static str {
    match m {
        Method::Type => "type()",
        Method::Size => "size()",
        Method::Double => "double()",
        Method::Ceiling => "ceiling()",
        Method::Floor => "floor()",
        Method::Abs => "abs()",
        Method::KeyValue => "keyvalue()",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expectations are PostgreSQL 15's output for the same input.
    #[test]
    fn prints_as_postgres() {
        for (input, want) in [
            ("$.a", "$.\"a\""),
            (
                "strict $.a[*] ? (@.b > 1 && @.c < 2 || !(@ == 3))",
                "strict $.\"a\"[*]?(@.\"b\" > 1 && @.\"c\" < 2 || !(@ == 3))",
            ),
            ("1 + 2 * 3", "(1 + 2 * 3)"),
            ("(1+2)*3", "((1 + 2) * 3)"),
            ("1-(2-3)", "(1 - (2 - 3))"),
            ("-$.a", "(-$.\"a\")"),
            ("+1", "1"),
            ("- 1", "-1"),
            ("-(1)", "-1"),
            ("-(-1)", "1"),
            (
                "$.a like_regex \"^x\" flag \"mi\"",
                "($.\"a\" like_regex \"^x\" flag \"im\")",
            ),
            ("$ ? (@ starts with \"a\")", "$?(@ starts with \"a\")"),
            ("$ ? ((@ > 1) is unknown)", "$?((@ > 1) is unknown)"),
            ("$ ? (exists (@.a))", "$?(exists (@.\"a\"))"),
            ("$.** ? (@ == 1)", "$.**?(@ == 1)"),
            ("$.**{2}", "$.**{2}"),
            ("$.**{1 to last}", "$.**{1 to last}"),
            ("$.**{last}", "$.**{last}"),
            ("$.**{0 to last}", "$.**"),
            ("$[1, 2 to last, last - 1]", "$[1,2 to last,last - 1]"),
            ("$var", "$\"var\""),
            ("\"a\\n\"", "\"a\\n\""),
            ("1.50e2", "150"),
            ("0.0001e10", "1000000"),
            ("1.0", "1.0"),
            ("($.a + 1).type()", "($.\"a\" + 1).type()"),
            (
                "($.a + 1).type() == \"number\"",
                "($.\"a\" + 1.type() == \"number\")",
            ),
            ("($.a).b", "$.\"a\".\"b\""),
            ("$.a.b ? (@ > $x).c", "$.\"a\".\"b\"?(@ > $\"x\").\"c\""),
            ("lax $", "$"),
            ("($)", "$"),
            ("1 * 2 * 3", "((1 * 2) * 3)"),
            ("1 / 2 % 3", "((1 / 2) % 3)"),
            ("1 + -2", "(1 + -2)"),
            ("$.a + $.b * -$.c", "($.\"a\" + $.\"b\" * -$.\"c\")"),
            (
                "$ ? (!(@.a > 1) && !exists(@.b))",
                "$?(!(@.\"a\" > 1) && !(exists (@.\"b\")))",
            ),
            (
                "$ ? (@ like_regex \"a\" flag \"qxsi\")",
                "$?(@ like_regex \"a\" flag \"isxq\")",
            ),
            ("$.a.b ? (@.c == 1) [*]", "$.\"a\".\"b\"?(@.\"c\" == 1)[*]"),
            ("$.datetime(\"HH\\\"x\")", "$.datetime(\"HH\\\"x\")"),
            ("$.datetime()", "$.datetime()"),
        ] {
            assert_eq!(JsonPath::normalize(input).unwrap(), want, "{input}");
        }
    }
}
