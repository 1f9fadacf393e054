//! `VACUUM` statements, parsed by hand with [`super::analyze`]'s tokens
//! (`sqlparser` does not know PostgreSQL's form).
//!
//! PostgreSQL 15's grammar:
//!
//! ```text
//! VACUUM [ FULL ] [ FREEZE ] [ VERBOSE ] [ ANALYZE ] [ table [ ( column [, ...] ) ] [, ...] ]
//! VACUUM ( option [, ...] ) [ table [ ( column [, ...] ) ] [, ...] ]
//!     option: FULL, FREEZE, VERBOSE, ANALYZE, DISABLE_PAGE_SKIPPING,
//!             SKIP_LOCKED, PROCESS_TOAST, TRUNCATE [ boolean ],
//!             INDEX_CLEANUP { AUTO | ON | OFF }, PARALLEL integer
//! ```
//!
//! What runs (see `Session::run_vacuum`): space is not reclaimed here
//! (old versions are another part's business), so the vacuum part itself
//! does nothing beyond checking the tables named; with `ANALYZE` the
//! tables are analyzed exactly as by `ANALYZE` ([`crate::exec::analyze`]).
//! `FULL` (a rewrite of the table) and `FREEZE` (freezing of row
//! versions) are refused with 0A000 rather than accepted and ignored;
//! the options that only tune how space is reclaimed
//! (`DISABLE_PAGE_SKIPPING`, `INDEX_CLEANUP`, `PROCESS_TOAST`,
//! `TRUNCATE`, `PARALLEL`) are checked as PostgreSQL checks them and have
//! nothing to tune. `VERBOSE` reports ANALYZE's INFO lines (the vacuum
//! part, doing nothing, reports nothing).
//!
//! Errors as PostgreSQL's: an unknown option 42601 (`unrecognized VACUUM
//! option "x"`), a bad option value 42601, a column list without ANALYZE
//! 0A000, `DISABLE_PAGE_SKIPPING` with `FULL` 0A000; in a transaction
//! block 25001 (checked when it runs).

use super::analyze::{boolean, syntax, syntax_at_end, targets, tokenize, AnalyzeStmt, Cursor, Tok};
use super::Parsed;
use crate::error::{EngineError, Result, SqlState};

/// A `VACUUM` statement.
#[derive(Debug, Clone, PartialEq)]
pub struct VacuumStmt {
    /// Whether the tables are analyzed too (`ANALYZE`).
    pub analyze: bool,
    /// The tables and options, as an ANALYZE of them would have them
    /// (VERBOSE, SKIP_LOCKED, the tables and columns).
    pub stmt: AnalyzeStmt,
}

/// Parses a query string starting with `VACUUM`: the statement, then
/// whatever follows its `;`.
pub fn parse(sql: &str) -> Result<Vec<Parsed>> {
    let (toks, rest) = tokenize(sql)?;
    let stmt = parse_tokens(&toks)?;
    // More statements in the string make an implicit transaction block,
    // where VACUUM cannot run (PostgreSQL fails it before running any).
    if let Some(rest) = rest {
        if !super::parse(rest)?.is_empty() {
            return Err(in_block());
        }
    }
    Ok(vec![Parsed::Vacuum(Box::new(stmt))])
}

/// 25001: VACUUM in a transaction block (explicit or implicit).
pub fn in_block() -> EngineError {
    EngineError::new(
        SqlState::ActiveSqlTransaction,
        "VACUUM cannot run inside a transaction block",
    )
}

fn unsupported(what: &str) -> EngineError {
    EngineError::unsupported(format!(
        "VACUUM {what} (row versions are not rewritten or frozen by VACUUM here; plain VACUUM and VACUUM ANALYZE are supported)"
    ))
}

fn is_word(t: Option<&Tok>, w: &str) -> bool {
    matches!(t, Some(Tok::Word(x, false)) if x == w)
}

fn parse_tokens(toks: &[Tok]) -> Result<VacuumStmt> {
    let mut c = Cursor { toks, pos: 0 };
    if !is_word(c.bump(), "vacuum") {
        return Err(EngineError::internal("not a VACUUM statement"));
    }
    let mut full = false;
    let mut freeze = false;
    let mut disable_page_skipping = false;
    let mut out = VacuumStmt {
        analyze: false,
        stmt: AnalyzeStmt {
            verbose: false,
            skip_locked: false,
            targets: Vec::new(),
        },
    };
    if c.punct('(') {
        loop {
            let (name, _) = c.ident()?;
            let value = match c.peek() {
                Some(Tok::Punct(',' | ')')) => None,
                Some(t) => {
                    let t = t.clone();
                    c.pos += 1;
                    Some(t)
                }
                None => return Err(syntax_at_end()),
            };
            match name.as_str() {
                "verbose" => out.stmt.verbose = boolean(&name, value.as_ref())?,
                "skip_locked" => out.stmt.skip_locked = boolean(&name, value.as_ref())?,
                "analyze" => out.analyze = boolean(&name, value.as_ref())?,
                "full" => full = boolean(&name, value.as_ref())?,
                "freeze" => freeze = boolean(&name, value.as_ref())?,
                "disable_page_skipping" => disable_page_skipping = boolean(&name, value.as_ref())?,
                "process_toast" | "truncate" => {
                    boolean(&name, value.as_ref())?;
                }
                "index_cleanup" => {
                    let auto = match &value {
                        Some(Tok::Word(w, _)) | Some(Tok::Str(w)) => w.eq_ignore_ascii_case("auto"),
                        _ => false,
                    };
                    if !auto {
                        boolean(&name, value.as_ref())?;
                    }
                }
                "parallel" => {
                    let n = match &value {
                        None => {
                            return Err(EngineError::new(
                                SqlState::SyntaxError,
                                "parallel option requires a value between 0 and 1024",
                            ))
                        }
                        Some(Tok::Num(n)) => n.parse::<i64>().map_err(|_| {
                            EngineError::new(
                                SqlState::SyntaxError,
                                "parallel requires an integer value",
                            )
                        })?,
                        Some(Tok::Punct(p)) => return Err(syntax(&p.to_string())),
                        Some(_) => {
                            return Err(EngineError::new(
                                SqlState::SyntaxError,
                                "parallel requires an integer value",
                            ))
                        }
                    };
                    if !(0..=1024).contains(&n) {
                        return Err(EngineError::new(
                            SqlState::SyntaxError,
                            "parallel workers for vacuum must be between 0 and 1024",
                        ));
                    }
                }
                _ => {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        format!("unrecognized VACUUM option \"{name}\""),
                    ))
                }
            }
            if c.punct(',') {
                continue;
            }
            if c.punct(')') {
                break;
            }
            return Err(c.error());
        }
    } else {
        // The old form: the keywords in this order, each optional.
        if is_word(c.peek(), "full") {
            c.pos += 1;
            full = true;
        }
        if is_word(c.peek(), "freeze") {
            c.pos += 1;
            freeze = true;
        }
        if is_word(c.peek(), "verbose") {
            c.pos += 1;
            out.stmt.verbose = true;
        }
        if is_word(c.peek(), "analyze") || is_word(c.peek(), "analyse") {
            c.pos += 1;
            out.analyze = true;
        }
    }
    out.stmt.targets = targets(&mut c)?;
    if !out.analyze && out.stmt.targets.iter().any(|t| !t.columns.is_empty()) {
        return Err(EngineError::new(
            SqlState::FeatureNotSupported,
            "ANALYZE option must be specified when a column list is provided",
        ));
    }
    if full && disable_page_skipping {
        return Err(EngineError::new(
            SqlState::FeatureNotSupported,
            "VACUUM option DISABLE_PAGE_SKIPPING cannot be used with FULL",
        ));
    }
    if full {
        return Err(unsupported("FULL"));
    }
    if freeze {
        return Err(unsupported("FREEZE"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(sql: &str) -> Result<VacuumStmt> {
        match parse(sql)?.into_iter().next() {
            Some(Parsed::Vacuum(s)) => Ok(*s),
            other => panic!("not a VACUUM: {other:?}"),
        }
    }

    #[test]
    fn forms() {
        let s = one("VACUUM").unwrap();
        assert!(!s.analyze && s.stmt.targets.is_empty());
        let s = one("vacuum verbose analyze t (a), u").unwrap();
        assert!(s.analyze && s.stmt.verbose);
        assert_eq!(s.stmt.targets.len(), 2);
        assert_eq!(s.stmt.targets[0].columns, vec!["a".to_string()]);
        let s = one("VACUUM (ANALYZE, SKIP_LOCKED, INDEX_CLEANUP auto, PARALLEL 2) t").unwrap();
        assert!(s.analyze && s.stmt.skip_locked);
        let s = one("VACUUM (ANALYZE false) t").unwrap();
        assert!(!s.analyze);
        assert_eq!(parse("VACUUM ANALYZE; ").unwrap().len(), 1);
        let e = parse("VACUUM ANALYZE; SELECT 1").unwrap_err();
        assert_eq!(e.code(), "25001");
    }

    #[test]
    fn errors() {
        let code = |sql: &str| one(sql).unwrap_err().code().to_string();
        assert_eq!(code("VACUUM (FOO) t"), "42601");
        assert_eq!(code("VACUUM (ANALYZE maybe) t"), "42601");
        assert_eq!(code("VACUUM t (a)"), "0A000");
        assert_eq!(code("VACUUM FULL t"), "0A000");
        assert_eq!(code("VACUUM (FREEZE) t"), "0A000");
        assert_eq!(code("VACUUM analyze verbose t"), "42601");
        assert_eq!(code("VACUUM (PARALLEL 2000) t"), "42601");
    }
}
