//! Row locking clauses that `sqlparser` 0.63 does not parse: `FOR NO KEY
//! UPDATE`, `FOR KEY SHARE`, and `OF` with several tables.
//!
//! [`rewrite`] turns each clause into clauses the parser takes: one per
//! table named in `OF` (a clause naming several tables locks each as if it
//! named it alone, as in PostgreSQL), and the two strengths it lacks as
//! `FOR UPDATE` / `FOR SHARE` whose `OF` name starts with a marker part
//! (and `FOR READ ONLY`, which locks nothing, is dropped):
//!
//! ```text
//! FOR NO KEY UPDATE OF a, b NOWAIT
//!   -> FOR UPDATE OF __rocksgres_no_key_update.a NOWAIT
//!      FOR UPDATE OF __rocksgres_no_key_update.b NOWAIT
//! FOR KEY SHARE -> FOR SHARE OF __rocksgres_key_share
//! ```
//!
//! [`decode`] gives the binder the strength and the real name back.

use sqlparser::ast;
use sqlparser::tokenizer::Token;

use super::word;

/// The first `OF` name part marking `FOR NO KEY UPDATE`.
pub const NO_KEY_UPDATE: &str = "__rocksgres_no_key_update";
/// The first `OF` name part marking `FOR KEY SHARE`.
pub const KEY_SHARE: &str = "__rocksgres_key_share";

/// Whether `sql` may hold a clause [`rewrite`] changes (a cheap test).
pub fn may_contain(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    lower.contains("for")
        && (lower.contains("key") || lower.contains(',') || lower.contains("read"))
}

/// Rewrites the locking clauses of `sql` (see the module docs); `None`
/// when there is nothing to rewrite.
pub fn rewrite(sql: &str) -> Option<String> {
    let located = super::tokens_with_ranges(sql)?;
    let toks: Vec<&Token> = located.iter().map(|(t, _)| t).collect();
    let sig = super::significant(toks.iter().copied());
    let text = |k: usize| &sql[located[sig[k]].1.clone()];
    let at = |k: usize| sig.get(k).map(|&i| toks[i]);
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut k = 0;
    while k < sig.len() {
        if !at(k).is_some_and(|t| word(t, "for")) {
            k += 1;
            continue;
        }
        let is = |n: usize, w: &str| at(n).is_some_and(|t| word(t, w));
        if is(k + 1, "read") && is(k + 2, "only") {
            // `FOR READ ONLY` locks nothing (PostgreSQL accepts it).
            edits.push((
                located[sig[k]].1.start,
                located[sig[k + 2]].1.end,
                String::new(),
            ));
            k += 3;
            continue;
        }
        let (base, marker, mut next) = if is(k + 1, "update") {
            ("UPDATE", None, k + 2)
        } else if is(k + 1, "share") {
            ("SHARE", None, k + 2)
        } else if is(k + 1, "no") && is(k + 2, "key") && is(k + 3, "update") {
            ("UPDATE", Some(NO_KEY_UPDATE), k + 4)
        } else if is(k + 1, "key") && is(k + 2, "share") {
            ("SHARE", Some(KEY_SHARE), k + 3)
        } else {
            k += 1;
            continue;
        };
        // OF name [, name ...], each name of dot-separated words.
        let mut names: Vec<String> = Vec::new();
        if is(next, "of") {
            next += 1;
            loop {
                let mut name = String::new();
                while let Some(Token::Word(_)) = at(next) {
                    name.push_str(text(next));
                    next += 1;
                    if matches!(at(next), Some(Token::Period)) {
                        name.push('.');
                        next += 1;
                    } else {
                        break;
                    }
                }
                if name.is_empty() {
                    // Leave the parser to report it.
                    return None;
                }
                names.push(name);
                if matches!(at(next), Some(Token::Comma)) {
                    next += 1;
                } else {
                    break;
                }
            }
        }
        let nonblock = if is(next, "nowait") {
            next += 1;
            " NOWAIT"
        } else if is(next, "skip") && is(next + 1, "locked") {
            next += 2;
            " SKIP LOCKED"
        } else {
            ""
        };
        if marker.is_some() || names.len() > 1 {
            let clause = |name: Option<&str>| {
                let of = match (marker, name) {
                    (Some(m), Some(n)) => format!(" OF {m}.{n}"),
                    (Some(m), None) => format!(" OF {m}"),
                    (None, Some(n)) => format!(" OF {n}"),
                    (None, None) => String::new(),
                };
                format!("FOR {base}{of}{nonblock}")
            };
            let replacement = if names.is_empty() {
                clause(None)
            } else {
                names
                    .iter()
                    .map(|n| clause(Some(n)))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let start = located[sig[k]].1.start;
            let end = located[sig[next - 1]].1.end;
            edits.push((start, end, replacement));
        }
        k = next;
    }
    if edits.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(sql.len() + 64);
    let mut pos = 0;
    for (start, end, text) in edits {
        out.push_str(&sql[pos..start]);
        out.push_str(&text);
        pos = end;
    }
    out.push_str(&sql[pos..]);
    Some(out)
}

/// The strength a parsed locking clause asks for, and the table name its
/// `OF` gives without the marker (see the module docs).
pub fn decode(
    lock: &ast::LockClause,
) -> (rocksgres_storage::RowLockStrength, Option<ast::ObjectName>) {
    use rocksgres_storage::RowLockStrength as S;
    let plain = match lock.lock_type {
        ast::LockType::Update => S::Update,
        ast::LockType::Share => S::Share,
    };
    let Some(of) = &lock.of else {
        return (plain, None);
    };
    let marked = of.0.first().and_then(|p| p.as_ident()).and_then(|id| {
        if id.quote_style.is_some() {
            None
        } else if id.value == NO_KEY_UPDATE {
            Some(S::NoKeyUpdate)
        } else if id.value == KEY_SHARE {
            Some(S::KeyShare)
        } else {
            None
        }
    });
    match marked {
        None => (plain, Some(of.clone())),
        Some(strength) => {
            let rest = &of.0[1..];
            let name = (!rest.is_empty()).then(|| ast::ObjectName(rest.to_vec()));
            (strength, name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::rewrite;

    #[test]
    fn rewrites_strengths_and_table_lists() {
        assert_eq!(
            rewrite("select * from a, b for no key update of a, \"B\" nowait").as_deref(),
            Some(
                "select * from a, b FOR UPDATE OF __rocksgres_no_key_update.a NOWAIT \
                 FOR UPDATE OF __rocksgres_no_key_update.\"B\" NOWAIT"
            )
        );
        assert_eq!(
            rewrite("select 1 from t for key share skip locked limit 1").as_deref(),
            Some("select 1 from t FOR SHARE OF __rocksgres_key_share SKIP LOCKED limit 1")
        );
        assert_eq!(
            rewrite("select 1 from a, b for update of a, b").as_deref(),
            Some("select 1 from a, b FOR UPDATE OF a FOR UPDATE OF b")
        );
        assert_eq!(rewrite("select 1 from t for update of t"), None);
        assert_eq!(rewrite("select substring('a', 1 for 2), 'key'"), None);
    }
}
