//! SQL text -> statements.
//!
//! Parsing uses `sqlparser`'s PostgreSQL dialect. A few utility statements
//! that clients send but the parser rejects or that need no planning
//! (CHECKPOINT) are recognised by their first keyword before the parser
//! runs; ANALYZE and VACUUM have parsers of their own ([`analyze`],
//! [`vacuum`]).
//! Parse errors become SQLSTATE 42601.
//!
//! [`normalize`] and [`parametrize`] serve the session's plan cache: the
//! first turns a query string into a cache key and its literals, the
//! second turns the literals of a parsed statement into parameters.

use sqlparser::ast::{Expr, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use crate::error::{EngineError, Result, SqlState};

pub mod alter_index;
pub mod alter_owner;
pub mod analyze;
pub mod clause_exprs;
pub mod column_options;
pub mod comment;
pub mod create_like;
pub mod cte_clauses;
pub mod cursor_stmt;
pub mod database;
pub mod depth;
pub mod domain;
pub mod field_star;
pub mod fk_set_columns;
pub mod identifiers;
pub mod locking_clause;
pub mod merge_default_values;
pub mod normalize;
pub mod overriding;
pub mod parametrize;
pub mod sequence;
pub mod sequence_args;
pub mod set_constraints;
pub mod set_schema;
pub mod type_attrs;
pub mod typed_literal;
pub mod typmod_warnings;
pub mod unique_nulls;
pub mod vacuum;
pub mod window_exclude;

/// One statement of a query string.
#[derive(Debug, Clone)]
pub enum Parsed {
    /// A statement for the planner.
    Statement(Box<Statement>),
    /// A maintenance command that is accepted and does nothing here
    /// (the command tag to report).
    Utility(&'static str),
    /// CREATE or ALTER SEQUENCE (parsed by [`sequence`]).
    Sequence(Box<sequence::SequenceStmt>),
    /// SET CONSTRAINTS (parsed by [`set_constraints`]).
    SetConstraints(set_constraints::SetConstraints),
    /// CREATE, ALTER or DROP DOMAIN (parsed by [`domain`]).
    Domain(Box<domain::DomainStmt>),
    /// CREATE, DROP or ALTER DATABASE (parsed by [`database`]).
    Database(Box<database::DatabaseStmt>),
    /// DECLARE, FETCH, MOVE or CLOSE (parsed by [`cursor_stmt`]).
    Cursor(Box<cursor_stmt::CursorStmt>),
    /// ANALYZE (parsed by [`analyze`]).
    Analyze(Box<analyze::AnalyzeStmt>),
    /// VACUUM (parsed by [`vacuum`]).
    Vacuum(Box<vacuum::VacuumStmt>),
}

fn first_keyword(sql: &str) -> String {
    sql.trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

fn syntax_error(e: sqlparser::parser::ParserError) -> EngineError {
    let msg = match e {
        sqlparser::parser::ParserError::ParserError(m)
        | sqlparser::parser::ParserError::TokenizerError(m) => m,
        sqlparser::parser::ParserError::RecursionLimitExceeded => return depth::too_deep(),
    };
    EngineError::new(SqlState::SyntaxError, format!("syntax error: {msg}"))
}

/// A parser for `sql` with recursion limit `limit`.
fn parser_with(
    sql: &str,
    limit: usize,
) -> std::result::Result<Parser<'static>, sqlparser::parser::ParserError> {
    Parser::new(&PostgreSqlDialect {})
        .with_recursion_limit(limit)
        .try_with_sql(sql)
}

/// A parser for `sql` with the engine's recursion limit (see [`depth`]).
fn parser(sql: &str) -> std::result::Result<Parser<'static>, sqlparser::parser::ParserError> {
    parser_with(sql, depth::PARSER_RECURSION_LIMIT)
}

/// The error for a text whose parse failed with `e`. Some of `sqlparser`'s
/// paths turn reaching the recursion limit into an ordinary syntax error
/// (an alternative that does not fit); a long text's failure is therefore
/// checked with a slightly higher limit: when the error changes, it was
/// the depth that failed the statement, 54001.
fn parse_error(sql: &str, e: sqlparser::parser::ParserError) -> EngineError {
    use sqlparser::parser::ParserError;
    if sql.len() > depth::LONG_TEXT && !matches!(e, ParserError::RecursionLimitExceeded) {
        let again = depth::guard(|| {
            parser_with(sql, depth::PARSER_RECURSION_LIMIT + 1000)
                .and_then(|mut p| p.parse_statements())
        });
        match again {
            Err(e2) if e2 == e => {}
            _ => return depth::too_deep(),
        }
    }
    syntax_error(e)
}

/// Parses a query string holding zero or more `;`-separated statements.
pub fn parse(sql: &str) -> Result<Vec<Parsed>> {
    match first_keyword(sql).as_str() {
        "VACUUM" => return vacuum::parse(sql),
        "ANALYZE" | "ANALYSE" => return analyze::parse(sql),
        "CHECKPOINT" => return Ok(vec![Parsed::Utility("CHECKPOINT")]),
        "CREATE" | "DROP" | "ALTER" if database::is_database_statement(sql) => {
            return Ok(vec![Parsed::Database(Box::new(database::parse(sql)?))]);
        }
        _ => {}
    }
    if cursor_stmt::may_contain(sql) {
        if let Some(out) = cursor_stmt::split(sql)? {
            return Ok(out);
        }
    }
    if sequence::is_sequence_statement(sql)
        || set_constraints::may_contain(sql)
        || domain::may_contain(sql)
    {
        let mut out = Vec::new();
        for piece in sequence::split(sql)? {
            match piece {
                sequence::Piece::Sequence(s) => out.push(Parsed::Sequence(s)),
                sequence::Piece::Other(text) => {
                    if let Some(d) = domain::parse(&text)? {
                        out.push(Parsed::Domain(Box::new(d)));
                        continue;
                    }
                    match set_constraints::parse(&text)? {
                        Some(s) => out.push(Parsed::SetConstraints(s)),
                        None => out.extend(parse_statements(&text)?),
                    }
                }
            }
        }
        return Ok(out);
    }
    parse_statements(sql)
}

/// Parses statements with `sqlparser` (after the rewrites it needs).
fn parse_statements(sql: &str) -> Result<Vec<Parsed>> {
    let typed = if typed_literal::may_contain(sql) {
        typed_literal::rewrite(sql)
    } else {
        None
    };
    let sql = typed.as_deref().unwrap_or(sql);
    let identity = sequence::canonical_identity_options(sql)?;
    let sql = identity.as_ref().map_or(sql, |(text, _)| text.as_str());
    let lower = sql.to_ascii_lowercase();
    let if_exists = if lower.contains("index") && lower.contains("exists") {
        alter_index::rewrite(sql)
    } else {
        None
    };
    let sql = if_exists.as_deref().unwrap_or(sql);
    let options = if column_options::may_contain(sql) {
        column_options::rewrite(sql)
    } else {
        None
    };
    let sql = options.as_deref().unwrap_or(sql);
    let like = if create_like::may_contain(sql) {
        create_like::rewrite(sql)
    } else {
        None
    };
    let sql = like.as_deref().unwrap_or(sql);
    let constraint_comment = if comment::may_contain(sql) {
        comment::rewrite(sql)
    } else {
        None
    };
    let sql = constraint_comment.as_deref().unwrap_or(sql);
    let owner = if alter_owner::may_contain(sql) {
        alter_owner::rewrite(sql)
    } else {
        None
    };
    let sql = owner.as_deref().unwrap_or(sql);
    let set_schema = if set_schema::may_contain(sql) {
        set_schema::rewrite(sql)
    } else {
        None
    };
    let sql = set_schema.as_deref().unwrap_or(sql);
    let fk_set = if fk_set_columns::may_contain(sql) {
        fk_set_columns::strip(sql)?
    } else {
        None
    };
    let sql = fk_set.as_ref().map_or(sql, |(text, _)| text.as_str());
    let unique_nulls = if unique_nulls::may_contain(sql) {
        unique_nulls::strip(sql)
    } else {
        None
    };
    let sql = unique_nulls.as_ref().map_or(sql, |(text, _)| text.as_str());
    let merge_defaults = if merge_default_values::may_contain(sql) {
        merge_default_values::rewrite(sql)
    } else {
        None
    };
    let sql = merge_defaults.as_deref().unwrap_or(sql);
    let mut out = None;
    if sql.to_ascii_lowercase().contains("overriding") {
        if let Some((text, marks)) = overriding::strip(sql)? {
            let mut parsed = parse_plain(&text)?;
            overriding::mark(&mut parsed, &marks)?;
            out = Some(parsed);
        }
    }
    let mut out = match out {
        Some(out) => out,
        None => parse_plain(sql)?,
    };
    if let Some((_, marks)) = &fk_set {
        let statements = out.iter_mut().filter_map(|p| match p {
            Parsed::Statement(s) => Some(&mut **s),
            _ => None,
        });
        fk_set_columns::mark(statements, marks)?;
    }
    if let Some((_, marks)) = &unique_nulls {
        let statements = out.iter_mut().filter_map(|p| match p {
            Parsed::Statement(s) => Some(&mut **s),
            _ => None,
        });
        unique_nulls::mark(statements, marks)?;
    }
    if let Some((_, names)) = &identity {
        if names.iter().any(Option::is_some) {
            let statements = out.iter_mut().filter_map(|p| match p {
                Parsed::Statement(s) => Some(&mut **s),
                _ => None,
            });
            sequence::carry_sequence_names(statements, names)?;
        }
    }
    Ok(out)
}

/// [`parse_statements`] after the rewrites of identity options and
/// OVERRIDING.
fn parse_plain(sql: &str) -> Result<Vec<Parsed>> {
    let rewritten;
    let sql = if sql.to_ascii_lowercase().contains("symmetric") {
        rewritten = rewrite_between_symmetric(sql);
        rewritten.as_deref().unwrap_or(sql)
    } else {
        sql
    };
    let star;
    let sql = if field_star::may_contain(sql) {
        star = field_star::rewrite(sql);
        star.as_deref().unwrap_or(sql)
    } else {
        sql
    };
    let locking;
    let sql = if locking_clause::may_contain(sql) {
        locking = locking_clause::rewrite(sql);
        locking.as_deref().unwrap_or(sql)
    } else {
        sql
    };
    let exclude;
    let sql = if window_exclude::may_contain(sql) {
        exclude = window_exclude::rewrite(sql);
        exclude.as_deref().unwrap_or(sql)
    } else {
        sql
    };
    let counts = if clause_exprs::may_contain(sql) {
        clause_exprs::rewrite(sql)
    } else {
        None
    };
    let sql = counts.as_ref().map_or(sql, |(text, _)| text.as_str());
    let clauses = if cte_clauses::may_contain(sql) {
        cte_clauses::strip(sql)
    } else {
        None
    };
    let sql = clauses.as_ref().map_or(sql, |(text, _)| text.as_str());
    depth::check_nesting(sql)?;
    let mut statements = depth::guard(|| parser(sql).and_then(|mut p| p.parse_statements()))
        .map_err(|e| parse_error(sql, e))?;
    if let Some((_, marks)) = &clauses {
        cte_clauses::mark(statements.iter_mut(), marks)?;
    }
    if let Some((_, fetch)) = &counts {
        clause_exprs::mark(statements.iter_mut(), fetch)?;
    }
    statements
        .into_iter()
        .map(|s| match s {
            // `...; ANALYZE t` later in a query string: `sqlparser` read
            // its plain form; ours takes over.
            Statement::Analyze(a)
                if a.partitions.is_none()
                    && !a.for_columns
                    && !a.cache_metadata
                    && !a.noscan
                    && !a.compute_statistics
                    && !a.has_table_keyword =>
            {
                let text = a.to_string();
                analyze::parse(&text)?
                    .into_iter()
                    .next()
                    .ok_or_else(|| EngineError::internal("an ANALYZE parsed to nothing"))
            }
            s => Ok(Parsed::Statement(Box::new(s))),
        })
        .collect()
}

/// The marker function that carries `BETWEEN SYMMETRIC` through the parser.
pub const SYMMETRIC_MARKER: &str = "__rocksgres_between_symmetric";

/// sqlparser 0.63 does not parse `x BETWEEN SYMMETRIC a AND b`. This rewrites
/// it to `x BETWEEN __rocksgres_between_symmetric(a) AND b` (the low bound
/// ends at the first AND outside parentheses, as in the grammar); the binder
/// turns the marker back into the symmetric test. `None` when there is
/// nothing to rewrite.
fn rewrite_between_symmetric(sql: &str) -> Option<String> {
    use sqlparser::keywords::Keyword;
    use sqlparser::tokenizer::{Token, Tokenizer};
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize_with_location()
        .ok()?;
    // Byte offset of each (line, column) location.
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(sql.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |line: u64, column: u64| -> Option<usize> {
        let start = *line_starts.get(usize::try_from(line).ok()?.checked_sub(1)?)?;
        let col = usize::try_from(column).ok()?.checked_sub(1)?;
        Some(
            start
                + sql[start..]
                    .char_indices()
                    .nth(col)
                    .map_or(sql.len() - start, |(i, _)| i),
        )
    };
    // (start, end) byte ranges of SYMMETRIC words to drop, and where the
    // marker's closing parenthesis goes.
    let mut edits: Vec<(usize, usize, usize)> = Vec::new();
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    for (k, &i) in significant.iter().enumerate() {
        let is_kw = |idx: usize, kw: Keyword| matches!(&tokens[idx].token, Token::Word(w) if w.keyword == kw && w.quote_style.is_none());
        if !is_kw(i, Keyword::BETWEEN) {
            continue;
        }
        let Some(&sym) = significant.get(k + 1) else {
            continue;
        };
        if !is_kw(sym, Keyword::SYMMETRIC) {
            continue;
        }
        let mut depth = 0i32;
        let mut and_at = None;
        for &j in &significant[k + 2..] {
            match &tokens[j].token {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                _ if depth == 0 && is_kw(j, Keyword::AND) => {
                    and_at = Some(j);
                    break;
                }
                _ => {}
            }
        }
        let and_at = and_at?;
        let s = &tokens[sym].span;
        let start = offset(s.start.line, s.start.column)?;
        let end = offset(s.end.line, s.end.column)?;
        let a = &tokens[and_at].span;
        let close = offset(a.start.line, a.start.column)?;
        edits.push((start, end, close));
    }
    if edits.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(sql.len() + 64);
    let mut pos = 0;
    for (start, end, close) in edits {
        out.push_str(&sql[pos..start]);
        out.push_str(SYMMETRIC_MARKER);
        out.push('(');
        out.push_str(&sql[end..close]);
        out.push_str(") ");
        pos = close;
    }
    out.push_str(&sql[pos..]);
    Some(out)
}

/// Parses a (possibly qualified) object name, e.g. `"S".t`.
pub fn parse_object_name(sql: &str) -> Result<sqlparser::ast::ObjectName> {
    parser(sql)
        .and_then(|mut p| {
            let name = p.parse_object_name(false)?;
            p.expect_token(&sqlparser::tokenizer::Token::EOF)?;
            Ok(name)
        })
        .map_err(syntax_error)
}

/// Parses one scalar expression (stored DEFAULT expressions).
pub fn parse_expr(sql: &str) -> Result<Expr> {
    depth::guard(|| parser(sql).and_then(|mut p| p.parse_expr())).map_err(syntax_error)
}

/// Whether `t` is the unquoted keyword `w` (in any case): what the
/// token rewrites of this module match statements by.
pub(crate) fn word(t: &sqlparser::tokenizer::Token, w: &str) -> bool {
    matches!(t, sqlparser::tokenizer::Token::Word(x)
        if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w))
}

/// The (line, column) of byte offset `at` of `sql`, counted as the
/// tokenizer counts them (characters, from 1): where a parsed identifier's
/// span starts, so a rewrite can find the node it stripped text from.
pub(crate) fn location(sql: &str, at: usize) -> (u64, u64) {
    let before = &sql[..at];
    let line = before.matches('\n').count() as u64 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, sql[line_start..at].chars().count() as u64 + 1)
}

/// `sql` with each byte range of `blanks` (in order, not overlapping)
/// replaced by as many spaces as it has characters, so the parser's
/// locations of everything else stay where they were.
pub(crate) fn blank_out(sql: &str, blanks: &[std::ops::Range<usize>]) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut from = 0;
    for b in blanks {
        out.push_str(&sql[from..b.start]);
        out.extend(std::iter::repeat_n(' ', sql[b.clone()].chars().count()));
        from = b.end;
    }
    out.push_str(&sql[from..]);
    out
}

/// The positions of the tokens that are not whitespace (nor the end of
/// input), which the token rewrites walk.
pub(crate) fn significant<'a>(
    toks: impl Iterator<Item = &'a sqlparser::tokenizer::Token>,
) -> Vec<usize> {
    use sqlparser::tokenizer::Token;
    toks.enumerate()
        .filter(|(_, t)| !matches!(t, Token::Whitespace(_) | Token::EOF))
        .map(|(i, _)| i)
        .collect()
}

/// The tokens of `sql` (whitespace and comments included) with the byte
/// range each covers in `sql`, for rewrites that must leave the rest of the
/// text exactly as written (a token's own display does not re-escape
/// quotes); `None` when the text does not tokenize.
pub(crate) fn tokens_with_ranges(
    sql: &str,
) -> Option<Vec<(sqlparser::tokenizer::Token, std::ops::Range<usize>)>> {
    let toks = sqlparser::tokenizer::Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize_with_location()
        .ok()?;
    // Walk the text as the tokenizer counts lines and columns.
    let mut chars = sql.char_indices().peekable();
    let (mut line, mut col) = (1u64, 1u64);
    let mut offset_of = |l: u64, c: u64| -> usize {
        while (line, col) < (l, c) {
            match chars.next() {
                Some((_, '\n')) => {
                    line += 1;
                    col = 1;
                }
                Some(_) => col += 1,
                None => break,
            }
        }
        chars.peek().map_or(sql.len(), |&(i, _)| i)
    };
    let starts: Vec<usize> = toks
        .iter()
        .map(|t| offset_of(t.span.start.line, t.span.start.column))
        .collect();
    // Ranges that do not follow one another, or an unquoted word whose
    // range does not hold it, would mean the walk lost count: no rewrite
    // then (never a wrong one, never a bad slice).
    let sound = starts.windows(2).all(|w| w[0] <= w[1])
        && toks.iter().zip(&starts).enumerate().all(|(i, (t, &a))| {
            let b = starts.get(i + 1).copied().unwrap_or(sql.len());
            match &t.token {
                sqlparser::tokenizer::Token::Word(w) if w.quote_style.is_none() => {
                    sql.get(a..b) == Some(w.value.as_str())
                }
                _ => true,
            }
        });
    if !sound {
        return None;
    }
    Some(
        toks.into_iter()
            .enumerate()
            .map(|(i, t)| {
                let end = starts.get(i + 1).copied().unwrap_or(sql.len());
                (t.token, starts[i]..end)
            })
            .collect(),
    )
}
