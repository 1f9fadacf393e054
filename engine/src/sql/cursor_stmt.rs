//! SQL cursor statements: `DECLARE`, `FETCH`, `MOVE` and `CLOSE`, as
//! PostgreSQL 15's grammar has them.
//!
//! `sqlparser` 0.63 has `Statement::Declare`, `Fetch` and `Close`, but its
//! FETCH needs FROM/IN and a direction, takes no signed counts and there is
//! no MOVE; so these statements are read here, from the tokens, and the
//! cursor's query (everything after `FOR`) goes through [`super::parse`]
//! like any other query. [`split`] cuts a query string at its top-level
//! semicolons when one of its statements is a cursor statement, so cursor
//! statements mix with others in one simple Query.
//!
//! A DECLARE keeps the whole query string it came in (PostgreSQL shows it
//! in `pg_cursors.statement`), and [`Declare::scrollable`] guesses, from
//! the query's shape, whether PostgreSQL's plan could run backwards: a
//! cursor declared with neither SCROLL nor NO SCROLL scrolls exactly then
//! (`ExecSupportsBackwardScan`; see [`backward_scan`]).
//!
//! `WHERE CURRENT OF` is refused here with 0A000 (cursors hold a
//! materialized result, not a position in a table).

use std::sync::Arc;

use sqlparser::ast::{self as ast, Query, SetExpr, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use super::Parsed;
use crate::error::{EngineError, Result, SqlState};

/// `FETCH_ALL` of PostgreSQL: "all rows" as a count.
pub const FETCH_ALL: i64 = i64::MAX;

/// A cursor statement.
#[derive(Debug, Clone)]
pub enum CursorStmt {
    /// `DECLARE name ... CURSOR ... FOR query`.
    Declare(Box<Declare>),
    /// `FETCH` or `MOVE`.
    Fetch(Fetch),
    /// `CLOSE name`, or `CLOSE ALL` (`None`).
    Close(Option<String>),
    /// A statement with `WHERE CURRENT OF`, refused (0A000) when it runs.
    CurrentOf,
}

impl CursorStmt {
    /// A DECLARE's query (what describes its parameters).
    pub fn declared_query(&self) -> Option<&Statement> {
        match self {
            CursorStmt::Declare(d) => Some(&d.query),
            _ => None,
        }
    }
}

/// A parsed `DECLARE`.
#[derive(Debug, Clone)]
pub struct Declare {
    /// The cursor's name.
    pub name: String,
    /// `BINARY`.
    pub binary: bool,
    /// `SCROLL` (`Some(true)`), `NO SCROLL` (`Some(false)`) or neither.
    pub scroll: Option<bool>,
    /// `INSENSITIVE` was given.
    pub insensitive: bool,
    /// Both SCROLL and NO SCROLL, or both ASENSITIVE and INSENSITIVE,
    /// were given (42P11 when it runs).
    conflict: Option<&'static str>,
    /// `WITH HOLD`.
    pub hold: bool,
    /// The query (a `Statement::Query`).
    pub query: Box<Statement>,
    /// The whole query string the statement came in (`pg_cursors.statement`).
    pub source: Arc<str>,
}

impl Declare {
    /// PostgreSQL's checks of a DECLARE's options against its query
    /// (`transformDeclareCursorStmt`), made when it runs.
    pub fn check(&self) -> Result<()> {
        if let Some(conflict) = self.conflict {
            return Err(EngineError::new(
                SqlState::InvalidCursorDefinition,
                conflict,
            ));
        }
        if crate::session::select_into(&self.query).is_some() {
            return Err(EngineError::new(
                SqlState::SyntaxError,
                "SELECT ... INTO is not allowed here",
            ));
        }
        let Statement::Query(q) = self.query.as_ref() else {
            return Err(EngineError::internal("a cursor's statement is a query"));
        };
        if modifying_cte(q) {
            return Err(EngineError::new(
                SqlState::FeatureNotSupported,
                "DECLARE CURSOR must not contain data-modifying statements in WITH",
            ));
        }
        if let Some(lock) = q.locks.first() {
            let clause = lock_clause(lock);
            if self.hold {
                return Err(EngineError::new(
                    SqlState::FeatureNotSupported,
                    format!("DECLARE CURSOR WITH HOLD ... {clause} is not supported"),
                )
                .with_detail("Holdable cursors must be READ ONLY."));
            }
            if self.scroll == Some(true) {
                return Err(EngineError::new(
                    SqlState::FeatureNotSupported,
                    format!("DECLARE SCROLL CURSOR ... {clause} is not supported"),
                )
                .with_detail("Scrollable cursors must be READ ONLY."));
            }
            if self.insensitive {
                return Err(EngineError::new(
                    SqlState::InvalidCursorDefinition,
                    format!("DECLARE INSENSITIVE CURSOR ... {clause} is not valid"),
                )
                .with_detail("Insensitive cursors must be READ ONLY."));
            }
            // A cursor's rows are materialized when it is declared: a row
            // lock would be taken on every row at once, not as it is
            // fetched.
            return Err(EngineError::unsupported(format!(
                "DECLARE CURSOR ... {clause}"
            )));
        }
        Ok(())
    }

    /// Whether the cursor may move backwards: as declared, or, with
    /// neither SCROLL nor NO SCROLL, whether PostgreSQL's plan for the
    /// query could (see [`backward_scan`]).
    pub fn scrollable(&self) -> bool {
        match (self.scroll, self.query.as_ref()) {
            (Some(s), _) => s,
            (None, Statement::Query(q)) => backward_scan(q),
            (None, _) => false,
        }
    }
}

/// Which way a FETCH or MOVE goes (PostgreSQL's `FetchDirection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `count` rows forward.
    Forward,
    /// `count` rows backward.
    Backward,
    /// To row `count` (negative: from the end).
    Absolute,
    /// `count` rows from the current one.
    Relative,
}

/// A parsed `FETCH` or `MOVE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    /// The cursor's name.
    pub name: String,
    /// `MOVE` (no rows returned).
    pub is_move: bool,
    /// The direction.
    pub direction: Direction,
    /// The count ([`FETCH_ALL`] for ALL).
    pub count: i64,
}

fn is_word(t: Option<&Token>, w: &str) -> bool {
    matches!(t, Some(Token::Word(x)) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w))
}

/// Whether `sql` may hold a cursor statement or `WHERE CURRENT OF` (the
/// cheap test before [`split`]).
pub fn may_contain(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    ["declare", "fetch", "move", "close", "current"]
        .iter()
        .any(|w| lower.contains(w))
}

/// The tokens of `sql` with their byte ranges, whitespace left out.
fn tokens(sql: &str) -> Option<Vec<(Token, usize, usize)>> {
    let toks = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize_with_location()
        .ok()?;
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
    let mut out = Vec::with_capacity(toks.len());
    for TokenWithSpan { token, span } in toks {
        if matches!(token, Token::Whitespace(_)) {
            continue;
        }
        let start = offset(span.start.line, span.start.column)?;
        let end = offset(span.end.line, span.end.column)?;
        out.push((token, start, end));
    }
    Some(out)
}

fn starts_cursor_statement(piece: &[(Token, usize, usize)]) -> bool {
    let first = piece.first().map(|(t, _, _)| t);
    ["declare", "fetch", "move", "close"]
        .iter()
        .any(|w| is_word(first, w))
}

fn has_current_of(piece: &[(Token, usize, usize)]) -> bool {
    piece
        .windows(2)
        .any(|w| is_word(Some(&w[0].0), "current") && is_word(Some(&w[1].0), "of"))
}

/// Splits `sql` into its statements when one of them is a cursor statement
/// (parsed here) or uses `WHERE CURRENT OF` (0A000); `None` when none is,
/// and the ordinary parse goes on. The other statements are parsed by
/// [`super::parse`], one by one.
pub fn split(sql: &str) -> Result<Option<Vec<Parsed>>> {
    let Some(all) = tokens(sql) else {
        return Ok(None);
    };
    let pieces: Vec<&[(Token, usize, usize)]> = all
        .split(|(t, _, _)| *t == Token::SemiColon)
        .filter(|p| !p.is_empty() && !matches!(p[0].0, Token::EOF))
        .collect();
    if !pieces
        .iter()
        .any(|p| starts_cursor_statement(p) || has_current_of(p))
    {
        return Ok(None);
    }
    let source: Arc<str> = Arc::from(sql);
    let mut out = Vec::with_capacity(pieces.len());
    for whole in pieces {
        let piece: Vec<&(Token, usize, usize)> = whole
            .iter()
            .filter(|(t, _, _)| !matches!(t, Token::EOF))
            .collect();
        let (Some(first), Some(last)) = (piece.first(), piece.last()) else {
            continue;
        };
        let text = &sql[first.1..last.2];
        if is_word(Some(&first.0), "declare") {
            out.push(Parsed::Cursor(Box::new(CursorStmt::Declare(Box::new(
                parse_declare(sql, &piece, &source)?,
            )))));
        } else if is_word(Some(&first.0), "fetch") || is_word(Some(&first.0), "move") {
            out.push(Parsed::Cursor(Box::new(CursorStmt::Fetch(parse_fetch(
                &piece,
            )?))));
        } else if is_word(Some(&first.0), "close") {
            out.push(Parsed::Cursor(Box::new(CursorStmt::Close(parse_close(
                &piece,
            )?))));
        } else if has_current_of(whole) {
            out.push(Parsed::Cursor(Box::new(CursorStmt::CurrentOf)));
        } else {
            out.extend(super::parse(text)?);
        }
    }
    Ok(Some(out))
}

fn syntax_error(near: Option<&Token>) -> EngineError {
    let msg = match near {
        Some(t) if !matches!(t, Token::EOF) => format!("syntax error at or near \"{t}\""),
        _ => "syntax error at end of input".to_string(),
    };
    EngineError::new(SqlState::SyntaxError, msg)
}

/// A cursor name: an identifier (unquoted ones lower-cased).
fn name(t: Option<&&(Token, usize, usize)>) -> Result<String> {
    match t.map(|t| &t.0) {
        Some(Token::Word(w)) if w.quote_style == Some('"') => Ok(w.value.clone()),
        Some(Token::Word(w)) if w.quote_style.is_none() => Ok(w.value.to_lowercase()),
        other => Err(syntax_error(other)),
    }
}

fn parse_declare(sql: &str, toks: &[&(Token, usize, usize)], source: &Arc<str>) -> Result<Declare> {
    let mut i = 1;
    let name = name(toks.get(i))?;
    i += 1;
    let word = |i: usize, w: &str| is_word(toks.get(i).map(|t| &t.0), w);
    let (mut binary, mut scroll, mut no_scroll, mut insensitive, mut asensitive) =
        (false, false, false, false, false);
    loop {
        if word(i, "binary") {
            binary = true;
        } else if word(i, "scroll") {
            scroll = true;
        } else if word(i, "no") && word(i + 1, "scroll") {
            no_scroll = true;
            i += 1;
        } else if word(i, "insensitive") {
            insensitive = true;
        } else if word(i, "asensitive") {
            asensitive = true;
        } else {
            break;
        }
        i += 1;
    }
    if !word(i, "cursor") {
        return Err(syntax_error(toks.get(i).map(|t| &t.0)));
    }
    i += 1;
    let mut hold = false;
    if word(i, "with") && word(i + 1, "hold") {
        hold = true;
        i += 2;
    } else if word(i, "without") && word(i + 1, "hold") {
        i += 2;
    }
    if !word(i, "for") {
        return Err(syntax_error(toks.get(i).map(|t| &t.0)));
    }
    i += 1;
    let (Some(first), Some(last)) = (toks.get(i), toks.last()) else {
        return Err(syntax_error(None));
    };
    let conflict = if scroll && no_scroll {
        Some("cannot specify both SCROLL and NO SCROLL")
    } else if insensitive && asensitive {
        Some("cannot specify both ASENSITIVE and INSENSITIVE")
    } else {
        None
    };
    // Only a SELECT (VALUES, TABLE, WITH ... SELECT) may follow.
    let starts_query = matches!(first.0, Token::LParen)
        || ["select", "values", "table", "with"]
            .iter()
            .any(|w| is_word(Some(&first.0), w));
    if !starts_query {
        return Err(syntax_error(Some(&first.0)));
    }
    // `TABLE name` is `SELECT * FROM name` (PostgreSQL's grammar; the
    // parser does not take it as a statement).
    let table_query;
    let text = if is_word(Some(&first.0), "table") {
        table_query = format!("SELECT * FROM {}", &sql[first.2..last.2]);
        table_query.as_str()
    } else {
        &sql[first.1..last.2]
    };
    let parsed = super::parse(text)?;
    let query = match <[Parsed; 1]>::try_from(parsed) {
        Ok([Parsed::Statement(s)]) if matches!(*s, Statement::Query(_)) => s,
        _ => return Err(syntax_error(Some(&first.0))),
    };
    Ok(Declare {
        name,
        binary,
        scroll: if scroll {
            Some(true)
        } else if no_scroll {
            Some(false)
        } else {
            None
        },
        insensitive,
        conflict,
        hold,
        query,
        source: Arc::clone(source),
    })
}

/// `FOR UPDATE` and its kin, as PostgreSQL names them in errors.
fn lock_clause(lock: &ast::LockClause) -> &'static str {
    match super::locking_clause::decode(lock).0 {
        rocksgres_storage::RowLockStrength::Update => "FOR UPDATE",
        rocksgres_storage::RowLockStrength::NoKeyUpdate => "FOR NO KEY UPDATE",
        rocksgres_storage::RowLockStrength::Share => "FOR SHARE",
        rocksgres_storage::RowLockStrength::KeyShare => "FOR KEY SHARE",
    }
}

/// Whether a WITH clause of `q` (at any level) holds INSERT, UPDATE,
/// DELETE or MERGE.
fn modifying_cte(q: &Query) -> bool {
    q.with.as_ref().is_some_and(|w| {
        w.cte_tables.iter().any(|cte| {
            matches!(
                cte.query.body.as_ref(),
                SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_)
            ) || modifying_cte(&cte.query)
        })
    })
}

/// A signed integer constant (PostgreSQL's `SignedIconst`: an int4).
fn signed_count(toks: &[&(Token, usize, usize)], i: &mut usize) -> Option<Result<i64>> {
    let mut sign = 1i64;
    let mut j = *i;
    match toks.get(j).map(|t| &t.0) {
        Some(Token::Minus) => {
            sign = -1;
            j += 1;
        }
        Some(Token::Plus) => j += 1,
        _ => {}
    }
    let Some(Token::Number(text, _)) = toks.get(j).map(|t| &t.0) else {
        return None;
    };
    *i = j + 1;
    Some(match text.parse::<i32>() {
        Ok(n) => Ok(sign * i64::from(n)),
        Err(_) => Err(syntax_error(Some(&toks[j].0))),
    })
}

fn parse_fetch(toks: &[&(Token, usize, usize)]) -> Result<Fetch> {
    let is_move = is_word(toks.first().map(|t| &t.0), "move");
    let word = |i: usize, w: &str| is_word(toks.get(i).map(|t| &t.0), w);
    // A direction keyword followed by nothing is the cursor's name.
    let has_more = |i: usize| toks.len() > i + 1;
    let mut i = 1;
    let mut direction = Direction::Forward;
    let mut count = 1;
    let mut take = |d: Direction, c: i64| {
        direction = d;
        count = c;
    };
    if has_more(i) && word(i, "next") {
        i += 1;
    } else if has_more(i) && word(i, "prior") {
        take(Direction::Backward, 1);
        i += 1;
    } else if has_more(i) && word(i, "first") {
        take(Direction::Absolute, 1);
        i += 1;
    } else if has_more(i) && word(i, "last") {
        take(Direction::Absolute, -1);
        i += 1;
    } else if has_more(i) && (word(i, "absolute") || word(i, "relative")) {
        let d = if word(i, "absolute") {
            Direction::Absolute
        } else {
            Direction::Relative
        };
        i += 1;
        match signed_count(toks, &mut i) {
            Some(c) => take(d, c?),
            None => return Err(syntax_error(toks.get(i).map(|t| &t.0))),
        }
    } else if has_more(i) && word(i, "all") {
        take(Direction::Forward, FETCH_ALL);
        i += 1;
    } else if has_more(i) && (word(i, "forward") || word(i, "backward")) {
        let d = if word(i, "forward") {
            Direction::Forward
        } else {
            Direction::Backward
        };
        i += 1;
        if has_more(i) && word(i, "all") {
            take(d, FETCH_ALL);
            i += 1;
        } else if let Some(c) = signed_count(toks, &mut i) {
            take(d, c?);
        } else {
            take(d, 1);
        }
    } else if let Some(c) = signed_count(toks, &mut i) {
        take(Direction::Forward, c?);
    }
    if word(i, "from") || word(i, "in") {
        i += 1;
    }
    let name = name(toks.get(i))?;
    if let Some(extra) = toks.get(i + 1) {
        return Err(syntax_error(Some(&extra.0)));
    }
    Ok(Fetch {
        name,
        is_move,
        direction,
        count,
    })
}

fn parse_close(toks: &[&(Token, usize, usize)]) -> Result<Option<String>> {
    let all = toks.len() == 2 && is_word(toks.get(1).map(|t| &t.0), "all");
    let name = if all { None } else { Some(name(toks.get(1))?) };
    if let Some(extra) = toks.get(2) {
        return Err(syntax_error(Some(&extra.0)));
    }
    Ok(name)
}

/// Whether PostgreSQL's plan for `q` could run backwards
/// (`ExecSupportsBackwardScan`), judged from the query's shape: a scan of
/// one table, function or VALUES list, under Sort, Limit or UNION ALL,
/// can; a join, aggregate, DISTINCT, window function, set-returning select
/// list, UNION/INTERSECT/EXCEPT or a SELECT without FROM cannot. ORDER BY
/// puts a Sort on top, which always can. A guess where PostgreSQL's
/// planner has a choice (an ORDER BY it satisfies with a GroupAggregate).
pub fn backward_scan(q: &Query) -> bool {
    if !q.locks.is_empty() {
        return false;
    }
    if q.order_by.is_some() && !select_distinct(&q.body) {
        return true;
    }
    let ctes = q.with.as_ref();
    body_backward(&q.body, ctes)
}

fn select_distinct(body: &SetExpr) -> bool {
    matches!(body, SetExpr::Select(s) if s.distinct.is_some())
}

fn body_backward(body: &SetExpr, ctes: Option<&ast::With>) -> bool {
    match body {
        SetExpr::Select(s) => select_backward(s, ctes),
        SetExpr::Query(q) => backward_scan(q),
        SetExpr::SetOperation {
            op: ast::SetOperator::Union,
            set_quantifier: ast::SetQuantifier::All,
            left,
            right,
        } => body_backward(left, ctes) && body_backward(right, ctes),
        SetExpr::Values(_) | SetExpr::Table(_) => true,
        _ => false,
    }
}

fn select_backward(s: &ast::Select, ctes: Option<&ast::With>) -> bool {
    if s.distinct.is_some() || s.having.is_some() {
        return false;
    }
    match &s.group_by {
        ast::GroupByExpr::All(_) => return false,
        ast::GroupByExpr::Expressions(e, _) if !e.is_empty() => return false,
        _ => {}
    }
    let [from] = s.from.as_slice() else {
        return false;
    };
    if !from.joins.is_empty() || projection_blocks(&s.projection) {
        return false;
    }
    match &from.relation {
        ast::TableFactor::Derived { subquery, .. } => backward_scan(subquery),
        ast::TableFactor::Table {
            name, args: None, ..
        } => {
            // A CTE is inlined (its query decides) unless recursive.
            let cte = ctes.filter(|w| !w.recursive).and_then(|w| {
                let [part] = name.0.as_slice() else {
                    return None;
                };
                let n = crate::sql::identifiers::ident_name(part.as_ident()?);
                w.cte_tables
                    .iter()
                    .find(|c| crate::sql::identifiers::ident_name(&c.alias.name) == n)
            });
            cte.is_none_or(|c| backward_scan(&c.query))
        }
        _ => true,
    }
}

/// Whether a select list calls an aggregate, a window function or a
/// set-returning function (outside subqueries).
fn projection_blocks(items: &[ast::SelectItem]) -> bool {
    use std::ops::ControlFlow;
    struct Finder {
        depth: usize,
    }
    impl ast::Visitor for Finder {
        type Break = ();
        fn pre_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
            self.depth += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
            self.depth -= 1;
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, e: &ast::Expr) -> ControlFlow<()> {
            if self.depth > 0 {
                return ControlFlow::Continue(());
            }
            if let ast::Expr::Function(f) = e {
                let name = f
                    .name
                    .0
                    .last()
                    .and_then(|p| p.as_ident())
                    .map(|i| i.value.to_ascii_lowercase())
                    .unwrap_or_default();
                if f.over.is_some()
                    || crate::plan::query::aggregate::agg_func(&name).is_some()
                    || crate::plan::window::is_window_function(&name)
                    || matches!(
                        name.as_str(),
                        "generate_series"
                            | "generate_subscripts"
                            | "unnest"
                            | "regexp_matches"
                            | "regexp_split_to_table"
                            | "json_array_elements"
                            | "jsonb_array_elements"
                            | "json_array_elements_text"
                            | "jsonb_array_elements_text"
                            | "json_each"
                            | "jsonb_each"
                            | "json_each_text"
                            | "jsonb_each_text"
                            | "json_object_keys"
                            | "jsonb_object_keys"
                    )
                {
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        }
    }
    use ast::Visit;
    let mut f = Finder { depth: 0 };
    items.iter().any(|i| i.visit(&mut f).is_break())
}
