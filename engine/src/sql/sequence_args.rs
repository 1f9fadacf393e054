//! Sequence functions' arguments in a parsed query (`nextval('s')`,
//! `currval('s'::regclass)`, `setval('sch.s', 1)`): finding the literal
//! that names the sequence, so views can record and rewrite it (see
//! [`crate::exec::view_sequences`]) and `pg_get_viewdef` can print it.

use sqlparser::ast;

use crate::sql::identifiers::ident_name;

/// The functions whose first argument names a sequence.
const FUNCTIONS: &[&str] = &["nextval", "currval", "setval"];

/// Whether `f` is a sequence function (unqualified or in `pg_catalog`).
fn is_sequence_function(f: &ast::Function) -> bool {
    let parts: Vec<String> = f
        .name
        .0
        .iter()
        .filter_map(|p| p.as_ident().map(ident_name))
        .collect();
    match parts.as_slice() {
        [n] => FUNCTIONS.contains(&n.as_str()),
        [s, n] => s == "pg_catalog" && FUNCTIONS.contains(&n.as_str()),
        _ => false,
    }
}

/// The first argument of `e`, when `e` calls a sequence function.
pub fn argument_mut(e: &mut ast::Expr) -> Option<&mut ast::Expr> {
    let ast::Expr::Function(f) = e else {
        return None;
    };
    if !is_sequence_function(f) {
        return None;
    }
    let ast::FunctionArguments::List(list) = &mut f.args else {
        return None;
    };
    match list.args.first_mut()? {
        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(arg)) => Some(arg),
        _ => None,
    }
}

/// The literal naming the sequence in `e`, when `e` calls a sequence
/// function with a string literal (or one cast to `regclass`) first.
pub fn literal_mut(e: &mut ast::Expr) -> Option<&mut String> {
    string_literal(argument_mut(e)?)
}

/// The text of a sequence function's argument `arg` when it is a string
/// literal (possibly cast to `regclass`).
pub fn literal_of(arg: &mut ast::Expr) -> Option<&str> {
    string_literal(arg).map(|s| s.as_str())
}

/// The string literal `e` is, possibly cast to `regclass` or in
/// parentheses.
fn string_literal(e: &mut ast::Expr) -> Option<&mut String> {
    match e {
        ast::Expr::Cast {
            expr, data_type, ..
        } if data_type.to_string().eq_ignore_ascii_case("regclass") => string_literal(expr),
        ast::Expr::Nested(inner) => string_literal(inner),
        ast::Expr::Value(v) => match &mut v.value {
            ast::Value::SingleQuotedString(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}
