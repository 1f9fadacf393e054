//! Typed literals of types `sqlparser` 0.63 does not know by keyword:
//! `inet '1.2.3.4'`, `cidr '10/8'`, a user-defined type or domain
//! (`mood 'ok'`, `s.posint '5'`). PostgreSQL's grammar reads any type
//! name followed by a string constant as the string cast to the type
//! (`func_name Sconst`); `sqlparser` takes the string for a column alias
//! (or fails inside a call).
//!
//! [`rewrite`] turns such a pair, a (dotted) name of plain identifiers
//! followed by a string, into `CAST('...' AS name)`, which means the same;
//! names `sqlparser` parses as keywords (`date`, `interval`, `zone`,
//! `escape`, ...) are left alone, so its own typed strings and the
//! clauses that end in a string keep their meaning. The rewrite works on
//! tokens, so string literals and quoted identifiers are never touched.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::Token;

/// Plain identifiers that precede a string in clauses other than
/// expressions (locale options), never rewritten.
const NOT_TYPES: &[&str] = &[
    "lc_collate",
    "lc_ctype",
    "locale",
    "provider",
    "label",
    "document",
    "content",
];

/// Whether `sql` may hold a typed literal (a cheap test before
/// [`rewrite`]): an identifier character before the opening quote of a
/// string.
pub fn may_contain(sql: &str) -> bool {
    let b = sql.as_bytes();
    let mut in_string = false;
    for (i, &c) in b.iter().enumerate() {
        if c != b'\'' {
            continue;
        }
        if !in_string {
            let mut j = i;
            while j > 0 && b[j - 1].is_ascii_whitespace() {
                j -= 1;
            }
            if j > 0 && (b[j - 1].is_ascii_alphanumeric() || b[j - 1] == b'_' || b[j - 1] == b'"') {
                return true;
            }
        }
        in_string = !in_string;
    }
    false
}

/// Whether `t` may be (the last part of) a type name of a typed literal.
fn type_word(t: &Token) -> bool {
    match t {
        Token::Word(w) if w.quote_style == Some('"') => true,
        Token::Word(w) if w.quote_style.is_none() => {
            w.keyword == Keyword::NoKeyword
                && !NOT_TYPES.iter().any(|n| w.value.eq_ignore_ascii_case(n))
        }
        _ => false,
    }
}

/// The text with each `name 'string'` rewritten to `CAST('string' AS
/// name)`; `None` when there is none.
pub fn rewrite(sql: &str) -> Option<String> {
    let toks = super::tokens_with_ranges(sql)?;
    let sig = super::significant(toks.iter().map(|t| &t.0));
    let t = |k: usize| &toks[sig[k]].0;
    let mut out = String::with_capacity(sql.len() + 16);
    let mut copied = 0;
    for k in 1..sig.len() {
        if !matches!(t(k), Token::SingleQuotedString(_)) || !type_word(t(k - 1)) {
            continue;
        }
        let mut first = k - 1;
        while first >= 2
            && *t(first - 1) == Token::Period
            && matches!(t(first - 2), Token::Word(w) if w.quote_style.is_some() || w.keyword == Keyword::NoKeyword)
        {
            first -= 2;
        }
        // A name after a period that is not itself a name part (`x.*`)
        // is left alone.
        if first >= 1 && *t(first - 1) == Token::Period {
            continue;
        }
        let start = toks[sig[first]].1.start;
        if start < copied {
            continue;
        }
        out.push_str(&sql[copied..start]);
        out.push_str("CAST(");
        out.push_str(&sql[toks[sig[k]].1.clone()]);
        out.push_str(" AS ");
        out.push_str(&sql[start..toks[sig[k - 1]].1.end]);
        out.push(')');
        copied = toks[sig[k]].1.end;
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&sql[copied..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_type_name_string_pairs() {
        assert_eq!(
            rewrite("select inet '1.2.3.4', s.\"D\" 'x''y', pg_typeof(mood 'ok')").unwrap(),
            "select CAST('1.2.3.4' AS inet), CAST('x''y' AS s.\"D\"), pg_typeof(CAST('ok' AS mood))"
        );
        assert_eq!(rewrite("select date '2020-01-01', 'a' like 'b'"), None);
        assert_eq!(rewrite("set time zone 'UTC'"), None);
        assert_eq!(rewrite("select 'inet ''x'''"), None);
        assert!(may_contain("select inet '1.2.3.4'"));
        assert!(!may_contain("x = 'a' or y in ('b')"));
    }
}
