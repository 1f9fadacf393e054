//! The WARNING PostgreSQL gives for a datetime precision above 6.
//!
//! `timestamp(7)`, `time(8) with time zone`, `interval(9)` and
//! `interval day to second(7)` are accepted with precision 6, and
//! PostgreSQL's type-modifier functions warn (22023) `TIMESTAMP(7)
//! precision reduced to maximum allowed, 6`. The type is read deep inside
//! binding, where no notice channel reaches, so the warnings come from the
//! statement's tokens instead, as [`super::identifiers`] finds long names:
//! [`may_need`] is a cheap byte scan that rules out almost every text, and
//! only a text it lets through is tokenized.

use sqlparser::tokenizer::Token;

/// The text every precision warning ends with (the server sends it as a
/// WARNING with SQLSTATE 22023).
pub const REDUCED: &str = "precision reduced to maximum allowed, 6";

/// Whether `sql` may hold a parenthesised number above 6 (`(7`).
fn may_need(sql: &str) -> bool {
    let b = sql.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        if c != b'(' {
            return false;
        }
        let digits = b[i + 1..]
            .iter()
            .skip_while(|c| c.is_ascii_whitespace())
            .take_while(|c| c.is_ascii_digit())
            .count();
        let start = b[i + 1..]
            .iter()
            .position(|c| !c.is_ascii_whitespace())
            .map_or(0, |p| i + 1 + p);
        digits > 1 || (digits == 1 && b[start] > b'6')
    })
}

/// PostgreSQL's warnings for the datetime types in `sql` whose precision
/// is above 6, in text order (empty for almost every statement).
pub fn warnings(sql: &str) -> Vec<String> {
    if !may_need(sql) {
        return Vec::new();
    }
    let Some(toks) = super::tokens_with_ranges(sql) else {
        return Vec::new();
    };
    let toks: Vec<&Token> = toks
        .iter()
        .map(|(t, _)| t)
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let word = |i: usize| match toks.get(i) {
        Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.value.to_ascii_lowercase()),
        _ => None,
    };
    let mut out = Vec::new();
    for i in 0..toks.len() {
        let Some(name) = word(i) else { continue };
        let kind = match name.as_str() {
            "timestamp" | "timestamptz" | "time" | "timetz" | "interval" => name,
            _ => continue,
        };
        // An interval's fields come before its precision.
        let mut j = i + 1;
        if kind == "interval" {
            while word(j).is_some_and(|w| {
                matches!(
                    w.as_str(),
                    "year" | "month" | "day" | "hour" | "minute" | "second" | "to"
                )
            }) {
                j += 1;
            }
        }
        let (Some(Token::LParen), Some(Token::Number(n, _)), Some(Token::RParen)) =
            (toks.get(j), toks.get(j + 1), toks.get(j + 2))
        else {
            continue;
        };
        let Ok(p) = n.parse::<u64>() else { continue };
        if p <= 6 {
            continue;
        }
        let with_zone = matches!(kind.as_str(), "timestamptz" | "timetz")
            || (word(j + 3).as_deref() == Some("with")
                && word(j + 4).as_deref() == Some("time")
                && word(j + 5).as_deref() == Some("zone"));
        let base = match kind.as_str() {
            "timestamp" | "timestamptz" => "TIMESTAMP",
            "time" | "timetz" => "TIME",
            _ => "INTERVAL",
        };
        let zone = if with_zone && base != "INTERVAL" {
            " WITH TIME ZONE"
        } else {
            ""
        };
        out.push(format!("{base}({p}){zone} {REDUCED}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_warning_texts() {
        // PostgreSQL 15: SELECT '2000-01-01'::timestamp(7), '1:00'::time(8),
        // now()::timestamptz(9), '1:00+1'::timetz(7), '1'::interval(7),
        // '1'::interval day to second(9), '1'::time(7) with time zone.
        let got = warnings(
            "SELECT '2000-01-01'::timestamp(7), '1:00'::time(8), now()::timestamptz(9), \
             '1:00+1'::timetz(7), '1'::interval(7), '1'::interval day to second(9), \
             '1'::time(7) with time zone, '1'::timestamp(6), '(7)'",
        );
        assert_eq!(
            got,
            [
                "TIMESTAMP(7) precision reduced to maximum allowed, 6",
                "TIME(8) precision reduced to maximum allowed, 6",
                "TIMESTAMP(9) WITH TIME ZONE precision reduced to maximum allowed, 6",
                "TIME(7) WITH TIME ZONE precision reduced to maximum allowed, 6",
                "INTERVAL(7) precision reduced to maximum allowed, 6",
                "INTERVAL(9) precision reduced to maximum allowed, 6",
                "TIME(7) WITH TIME ZONE precision reduced to maximum allowed, 6",
            ]
        );
        assert!(warnings("SELECT round(x, 10) FROM t").is_empty());
        assert!(warnings("SELECT 1").is_empty());
    }
}
