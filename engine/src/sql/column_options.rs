//! `ALTER TABLE ... ALTER [COLUMN] c SET STATISTICS n`,
//! `... SET STORAGE { PLAIN | EXTERNAL | EXTENDED | MAIN }` and
//! `... DROP EXPRESSION [IF EXISTS]`, which `sqlparser` 0.63 does not
//! parse.
//!
//! [`rewrite`] turns each into `SET DEFAULT <marker>(<argument>)` (the
//! marker functions [`STATISTICS_MARKER`] and [`STORAGE_MARKER`]), which the
//! parser accepts as an ordinary `ALTER COLUMN ... SET DEFAULT`; ALTER
//! TABLE reads the action back with [`of`] before treating a SET DEFAULT
//! as a default. The rewrite works on tokens, so string literals and
//! quoted identifiers are never touched.

use sqlparser::ast::{self, Expr};
use sqlparser::tokenizer::Token;

use super::word;

/// The marker function that carries `SET STATISTICS n` through the parser.
pub const STATISTICS_MARKER: &str = "__rocksgres_set_statistics";
/// The marker function that carries `SET STORAGE kind` through the parser.
pub const STORAGE_MARKER: &str = "__rocksgres_set_storage";

/// The marker function that carries `DROP EXPRESSION [IF EXISTS]` through
/// the parser.
pub const DROP_EXPRESSION_MARKER: &str = "__rocksgres_drop_expression";

/// A column option set by ALTER COLUMN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnOption {
    /// `SET STATISTICS n`.
    Statistics(i64),
    /// `SET STORAGE name` (the name as written, lower-cased unless quoted).
    Storage(String),
    /// `DROP EXPRESSION [IF EXISTS]` (true with IF EXISTS).
    DropExpression(bool),
}

/// Whether `sql` may hold one of the clauses (a cheap test before
/// [`rewrite`]).
pub fn may_contain(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    lower.contains("statistics") || lower.contains("storage") || lower.contains("expression")
}

/// The text with each `SET STATISTICS n` / `SET STORAGE name` replaced by
/// its marker default; `None` when there is none.
pub fn rewrite(sql: &str) -> Option<String> {
    let toks = super::tokens_with_ranges(sql)?;
    let sig = super::significant(toks.iter().map(|t| &t.0));
    let tok = |k: usize| sig.get(k).map(|&i| &toks[i].0);
    let mut out = String::with_capacity(sql.len() + 32);
    let mut copied = 0;
    let mut k = 0;
    while k + 1 < sig.len() {
        // `ALTER [COLUMN] c DROP EXPRESSION`, not `DROP expression` (a
        // column of that name).
        let after_column = k >= 2
            && matches!(toks[sig[k - 1]].0, Token::Word(_))
            && (word(&toks[sig[k - 2]].0, "alter") || word(&toks[sig[k - 2]].0, "column"));
        if after_column && word(&toks[sig[k]].0, "drop") && word(&toks[sig[k + 1]].0, "expression")
        {
            let if_exists = tok(k + 2).is_some_and(|t| word(t, "if"))
                && tok(k + 3).is_some_and(|t| word(t, "exists"));
            let last = if if_exists { k + 3 } else { k + 1 };
            out.push_str(&sql[copied..toks[sig[k]].1.start]);
            out.push_str(&format!(
                "SET DEFAULT {DROP_EXPRESSION_MARKER}({if_exists})"
            ));
            copied = toks[sig[last]].1.end;
            k = last + 1;
            continue;
        }
        if k + 2 >= sig.len() {
            break;
        }
        let (set, what, arg) = (&toks[sig[k]].0, &toks[sig[k + 1]].0, &toks[sig[k + 2]].0);
        let mut edit = None;
        if word(set, "set") && word(what, "statistics") {
            let (sign, at) = if *arg == Token::Minus {
                ("-", k + 3)
            } else {
                ("", k + 2)
            };
            if let Some(Token::Number(n, false)) = tok(at) {
                if n.bytes().all(|b| b.is_ascii_digit()) {
                    edit = Some((at, format!("SET DEFAULT {STATISTICS_MARKER}({sign}{n})")));
                }
            }
        } else if word(set, "set") && word(what, "storage") {
            if let Token::Word(w) = arg {
                let name = if w.quote_style.is_none() {
                    w.value.to_ascii_lowercase()
                } else {
                    w.value.clone()
                };
                edit = Some((
                    k + 2,
                    format!(
                        "SET DEFAULT {STORAGE_MARKER}('{}')",
                        name.replace('\'', "''")
                    ),
                ));
            }
        }
        match edit {
            Some((last, text)) => {
                out.push_str(&sql[copied..toks[sig[k]].1.start]);
                out.push_str(&text);
                copied = toks[sig[last]].1.end;
                k = last + 1;
            }
            None => k += 1,
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&sql[copied..]);
    Some(out)
}

/// The column option a parsed `SET DEFAULT` expression carries, if it is
/// one of the markers; `None` for an ordinary default.
pub fn of(value: &Expr) -> Option<ColumnOption> {
    let Expr::Function(f) = value else {
        return None;
    };
    let name = f.name.to_string();
    if name != STATISTICS_MARKER && name != STORAGE_MARKER && name != DROP_EXPRESSION_MARKER {
        return None;
    }
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(arg))] = list.args.as_slice() else {
        return None;
    };
    if name == DROP_EXPRESSION_MARKER {
        let Expr::Value(v) = arg else { return None };
        let ast::Value::Boolean(b) = &v.value else {
            return None;
        };
        return Some(ColumnOption::DropExpression(*b));
    }
    if name == STORAGE_MARKER {
        let Expr::Value(v) = arg else { return None };
        let ast::Value::SingleQuotedString(s) = &v.value else {
            return None;
        };
        return Some(ColumnOption::Storage(s.clone()));
    }
    let (neg, e) = match arg {
        Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => (true, expr.as_ref()),
        e => (false, e),
    };
    let Expr::Value(v) = e else { return None };
    let ast::Value::Number(n, _) = &v.value else {
        return None;
    };
    // Too large for any statistics target: PostgreSQL lowers it anyway.
    let n = n.parse::<i64>().unwrap_or(i64::MAX);
    Some(ColumnOption::Statistics(if neg { -n } else { n }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_statistics_and_storage() {
        assert_eq!(
            rewrite("alter table t alter column a set statistics -1, alter b SET STORAGE Plain")
                .unwrap(),
            "alter table t alter column a SET DEFAULT __rocksgres_set_statistics(-1), \
             alter b SET DEFAULT __rocksgres_set_storage('plain')"
        );
        assert_eq!(rewrite("select 'set statistics 5'"), None);
        assert_eq!(rewrite("alter table t alter a set statistics 1.5"), None);
    }

    #[test]
    fn rewrites_drop_expression() {
        assert_eq!(
            rewrite(
                "alter table t alter column a drop expression, alter b DROP EXPRESSION IF EXISTS"
            )
            .unwrap(),
            "alter table t alter column a SET DEFAULT __rocksgres_drop_expression(false), \
             alter b SET DEFAULT __rocksgres_drop_expression(true)"
        );
        // A column named `expression` is dropped, not rewritten.
        assert_eq!(rewrite("alter table t drop expression"), None);
    }
}
