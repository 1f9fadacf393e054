//! `CREATE SEQUENCE` and `ALTER SEQUENCE`, parsed here rather than by
//! `sqlparser`.
//!
//! `sqlparser` 0.63 accepts sequence options only in one fixed order and
//! has no `ALTER SEQUENCE` at all, while PostgreSQL takes the options in any
//! order (and pg_dump writes `AS type` first, `OWNED BY` in an `ALTER`).
//! The grammar is small, so these two statements are recognised by their
//! first words ([`is_sequence_statement`]) and parsed from `sqlparser`'s
//! tokens by a little recursive descent that follows PostgreSQL's
//! `CreateSeqStmt`/`AlterSeqStmt`: any order, each option at most once
//! (42601 `conflicting or redundant options` otherwise), numbers with an
//! optional sign. The same option list is what identity columns take
//! ([`parse_option_list`]), with `SEQUENCE NAME` allowed there only.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer, Word};

use crate::error::{EngineError, Result, SqlState};

/// The options of a sequence as written (`None`: not given).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeqOptions {
    /// `AS type`, the type name as written (lower-cased unless quoted).
    pub as_type: Option<String>,
    /// `INCREMENT [BY] n`.
    pub increment: Option<i64>,
    /// `MINVALUE n` (`Some(Some(n))`) or `NO MINVALUE` (`Some(None)`).
    pub min: Option<Option<i64>>,
    /// `MAXVALUE n` or `NO MAXVALUE`.
    pub max: Option<Option<i64>>,
    /// `START [WITH] n`.
    pub start: Option<i64>,
    /// `RESTART [[WITH] n]` (ALTER only; `Some(None)`: restart at START).
    pub restart: Option<Option<i64>>,
    /// `CACHE n`.
    pub cache: Option<i64>,
    /// `CYCLE` / `NO CYCLE`.
    pub cycle: Option<bool>,
    /// `OWNED BY table.column` (`Some(Some(name parts))`) or `OWNED BY NONE`.
    pub owned_by: Option<Option<Vec<String>>>,
    /// `SEQUENCE NAME name` (identity columns only).
    pub sequence_name: Option<Vec<String>>,
    /// `LOGGED` / `UNLOGGED` (identity option lists).
    pub logged: Option<bool>,
}

/// What an `ALTER SEQUENCE` does.
#[derive(Debug, Clone, PartialEq)]
pub enum AlterSequenceAction {
    /// Changes options.
    Options(SeqOptions),
    /// `RENAME TO name`.
    RenameTo(String),
    /// `OWNER TO role`.
    OwnerTo(String),
    /// `SET SCHEMA name`.
    SetSchema(String),
    /// `SET LOGGED` / `SET UNLOGGED`.
    SetLogged(bool),
}

/// One identity action of `ALTER TABLE ... ALTER [COLUMN] c ...`.
#[derive(Debug, Clone, PartialEq)]
pub enum IdentityAction {
    /// `ADD GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY [(options)]`.
    Add {
        /// ALWAYS (else BY DEFAULT).
        always: bool,
        /// The options (`SEQUENCE NAME` included).
        options: SeqOptions,
    },
    /// `SET GENERATED { ALWAYS | BY DEFAULT }`.
    SetGenerated(bool),
    /// `SET` sequence options and `RESTART [[WITH] n]`, in one list.
    SetOptions(SeqOptions),
    /// `DROP IDENTITY [IF EXISTS]`.
    Drop {
        /// IF EXISTS.
        if_exists: bool,
    },
}

/// A parsed sequence statement.
#[derive(Debug, Clone, PartialEq)]
pub enum SequenceStmt {
    /// `ALTER TABLE [IF EXISTS] [ONLY] t ALTER [COLUMN] c <identity
    /// action>`, which `sqlparser` does not parse (but for a plain ADD
    /// GENERATED).
    AlterIdentity {
        /// IF EXISTS.
        if_exists: bool,
        /// The table name's parts.
        table: Vec<String>,
        /// The column.
        column: String,
        /// What to do.
        action: IdentityAction,
    },
    /// `CREATE [TEMP | UNLOGGED] SEQUENCE [IF NOT EXISTS] name options`.
    Create {
        /// TEMP / TEMPORARY.
        temporary: bool,
        /// UNLOGGED.
        unlogged: bool,
        /// IF NOT EXISTS.
        if_not_exists: bool,
        /// The name's parts (schema-qualified or not).
        name: Vec<String>,
        /// The options.
        options: SeqOptions,
    },
    /// `ALTER SEQUENCE [IF EXISTS] name action`.
    Alter {
        /// IF EXISTS.
        if_exists: bool,
        /// The name's parts.
        name: Vec<String>,
        /// What to change.
        action: AlterSequenceAction,
    },
}

/// The significant tokens (no whitespace or comments) of `sql`.
fn tokens(sql: &str) -> Result<Vec<Token>> {
    let all = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize()
        .map_err(|e| EngineError::new(SqlState::SyntaxError, format!("syntax error: {e}")))?;
    Ok(all
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect())
}

fn is_word(t: Option<&Token>, w: &str) -> bool {
    matches!(t, Some(Token::Word(Word { value, quote_style: None, .. })) if value.eq_ignore_ascii_case(w))
}

/// Where the action of `ALTER TABLE [IF EXISTS] [ONLY] name [*] ALTER
/// [COLUMN] col` starts in `toks`, if they begin so.
fn alter_column_action(toks: &[Token]) -> Option<usize> {
    let t = |i: usize| toks.get(i);
    if !is_word(t(0), "alter") || !is_word(t(1), "table") {
        return None;
    }
    let mut i = 2;
    if is_word(t(i), "if") && is_word(t(i + 1), "exists") {
        i += 2;
    }
    if is_word(t(i), "only") {
        i += 1;
    }
    // The name: words separated by periods.
    matches!(t(i), Some(Token::Word(_))).then_some(())?;
    i += 1;
    while t(i) == Some(&Token::Period) && matches!(t(i + 1), Some(Token::Word(_))) {
        i += 2;
    }
    if t(i) == Some(&Token::Mul) {
        i += 1;
    }
    if !is_word(t(i), "alter") {
        return None;
    }
    i += 1;
    if is_word(t(i), "column") {
        i += 1;
    }
    matches!(t(i), Some(Token::Word(_))).then_some(i + 1)
}

/// Whether `toks` are an ALTER TABLE whose one action is an identity
/// action `sqlparser` does not parse (everything but ADD GENERATED
/// without options it cannot carry is left to it).
fn is_identity_alter(toks: &[Token]) -> bool {
    let Some(a) = alter_column_action(toks) else {
        return false;
    };
    let t = |i: usize| toks.get(i);
    if toks[a..].contains(&Token::Comma) && !toks[a..].contains(&Token::LParen) {
        return false;
    }
    if is_word(t(a), "add") && is_word(t(a + 1), "generated") {
        // Left to sqlparser unless the options say SEQUENCE NAME.
        return toks[a..]
            .windows(2)
            .any(|w| is_word(w.first(), "sequence") && is_word(w.get(1), "name"));
    }
    (is_word(t(a), "set") && is_word(t(a + 1), "generated"))
        || (is_word(t(a), "drop") && is_word(t(a + 1), "identity"))
        || is_word(t(a), "restart")
        || (is_word(t(a), "set")
            && [
                "increment",
                "start",
                "minvalue",
                "maxvalue",
                "cache",
                "cycle",
                "no",
            ]
            .iter()
            .any(|w| is_word(t(a + 1), w)))
}

/// Whether the statement tokens `toks` begin a CREATE or ALTER SEQUENCE,
/// or are an identity ALTER TABLE ([`is_identity_alter`]).
fn starts_sequence_statement(toks: &[Token]) -> bool {
    let t = |i: usize| toks.get(i);
    if is_word(t(0), "alter") {
        return is_word(t(1), "sequence") || is_identity_alter(toks);
    }
    if !is_word(t(0), "create") {
        return false;
    }
    let next = if ["temp", "temporary", "unlogged"]
        .iter()
        .any(|w| is_word(t(1), w))
    {
        2
    } else {
        1
    };
    is_word(t(next), "sequence")
}

/// Whether `sql` (one statement or several) holds a CREATE or ALTER
/// SEQUENCE, the cheap test first.
pub fn is_sequence_statement(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    if !["sequence", "identity", "generated", "restart"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return false;
    }
    let Ok(toks) = tokens(sql) else {
        return false;
    };
    toks.split(|t| *t == Token::SemiColon)
        .any(starts_sequence_statement)
}

/// One piece of a query string split at its top-level semicolons: a
/// sequence statement, or the text of any other statement.
pub enum Piece {
    /// A CREATE or ALTER SEQUENCE.
    Sequence(Box<SequenceStmt>),
    /// Any other statement, for `sqlparser` (its tokens written back).
    Other(String),
}

/// Splits `sql` into statements and parses the sequence ones.
pub fn split(sql: &str) -> Result<Vec<Piece>> {
    let all = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize()
        .map_err(|e| EngineError::new(SqlState::SyntaxError, format!("syntax error: {e}")))?;
    let mut out = Vec::new();
    for stmt in all.split(|t| *t == Token::SemiColon) {
        let significant: Vec<Token> = stmt
            .iter()
            .filter(|t| !matches!(t, Token::Whitespace(_)))
            .cloned()
            .collect();
        if significant.is_empty() {
            continue;
        }
        if starts_sequence_statement(&significant) {
            out.push(Piece::Sequence(Box::new(
                Parser::new(significant).statement()?,
            )));
        } else {
            out.push(Piece::Other(stmt.iter().map(ToString::to_string).collect()));
        }
    }
    Ok(out)
}

/// Parses a relation name as `regclass` input takes it (`a`, `"A"`,
/// `s.a`): its parts, unquoted ones lower-cased; 42602 when it is not a
/// name.
pub fn parse_name(text: &str) -> Result<Vec<String>> {
    let invalid = || EngineError::new(SqlState::InvalidName, "invalid name syntax");
    let mut p = Parser::new(tokens(text).map_err(|_| invalid())?);
    let parts = p.qualified().map_err(|_| invalid())?;
    p.end().map_err(|_| invalid())?;
    Ok(parts)
}

/// `sqlparser` takes an identity column's options (`AS IDENTITY (...)`)
/// only in one order; this rewrites each such list of `sql` into that
/// order (PostgreSQL takes any). `None` when there is nothing to rewrite;
/// 0A000 for the options `sqlparser` cannot carry (`[UN]LOGGED`). A
/// `SEQUENCE NAME` is taken out of the list and returned, one entry per
/// rewritten list in the order of the text, for [`carry_sequence_names`].
pub fn canonical_identity_options(sql: &str) -> Result<Option<(String, SequenceNames)>> {
    if !sql.to_ascii_lowercase().contains("identity") {
        return Ok(None);
    }
    let Ok(toks) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize() else {
        return Ok(None);
    };
    let sig = super::significant(toks.iter());
    let mut out: Vec<String> = Vec::new();
    let mut pos = 0;
    let mut changed = false;
    let mut names = Vec::new();
    for (k, &i) in sig.iter().enumerate() {
        if i < pos || !is_word(Some(&toks[i]), "as") {
            continue;
        }
        let (Some(&id), Some(&open)) = (sig.get(k + 1), sig.get(k + 2)) else {
            continue;
        };
        if !is_word(Some(&toks[id]), "identity") || toks[open] != Token::LParen {
            continue;
        }
        let Some(&close) = sig[k + 3..].iter().find(|&&j| toks[j] == Token::RParen) else {
            continue;
        };
        let inner: String = toks[open + 1..close]
            .iter()
            .map(ToString::to_string)
            .collect();
        let o = parse_option_list(&inner)?;
        names.push(o.sequence_name.clone());
        if o.logged.is_some() {
            return Err(EngineError::unsupported(
                "LOGGED and UNLOGGED in identity options",
            ));
        }
        if o.as_type.is_some() || o.owned_by.is_some() || o.restart.is_some() {
            return Err(EngineError::new(
                SqlState::SyntaxError,
                "syntax error in identity options",
            ));
        }
        let mut list = Vec::new();
        if let Some(n) = o.increment {
            list.push(format!("INCREMENT BY {n}"));
        }
        match o.min {
            Some(Some(n)) => list.push(format!("MINVALUE {n}")),
            Some(None) => list.push("NO MINVALUE".into()),
            None => {}
        }
        match o.max {
            Some(Some(n)) => list.push(format!("MAXVALUE {n}")),
            Some(None) => list.push("NO MAXVALUE".into()),
            None => {}
        }
        if let Some(n) = o.start {
            list.push(format!("START WITH {n}"));
        }
        if let Some(n) = o.cache {
            list.push(format!("CACHE {n}"));
        }
        match o.cycle {
            Some(true) => list.push("CYCLE".into()),
            Some(false) => list.push("NO CYCLE".into()),
            None => {}
        }
        out.extend(toks[pos..=open].iter().map(ToString::to_string));
        out.push(list.join(" "));
        pos = close;
        changed = true;
    }
    if !changed {
        return Ok(None);
    }
    out.extend(toks[pos..].iter().map(ToString::to_string));
    Ok(Some((out.concat(), names)))
}

/// The `SEQUENCE NAME` of each identity option list of a statement text,
/// in the order of the text (`None` for a list without one).
pub type SequenceNames = Vec<Option<Vec<String>>>;

/// The option name of the column option that carries an identity
/// column's `SEQUENCE NAME` past `sqlparser` (a MySQL-only `COMMENT`
/// option, which PostgreSQL's grammar never produces; the name parts are
/// joined by NUL).
pub const SEQUENCE_NAME_MARKER: &str = "__rocksgres_sequence_name";

/// The `SEQUENCE NAME` a column carries (see [`SEQUENCE_NAME_MARKER`]).
pub fn carried_sequence_name(opt: &sqlparser::ast::ColumnOptionDef) -> Option<Vec<String>> {
    match (&opt.name, &opt.option) {
        (Some(n), sqlparser::ast::ColumnOption::Comment(text))
            if n.value == SEQUENCE_NAME_MARKER =>
        {
            Some(text.split('\0').map(str::to_string).collect())
        }
        _ => None,
    }
}

/// Puts each `SEQUENCE NAME` of `names` on its identity column of
/// `statements` (the identity columns with an option list, in order); 0A000
/// when the lists and the columns do not pair up.
pub fn carry_sequence_names<'a>(
    statements: impl IntoIterator<Item = &'a mut sqlparser::ast::Statement>,
    names: &SequenceNames,
) -> Result<()> {
    use sqlparser::ast::{AlterTableOperation, ColumnDef, ColumnOption, GeneratedAs, Statement};
    let mut next = names.iter();
    let mut unpaired = false;
    let mut put = |c: &mut ColumnDef| {
        let has_list = c.options.iter().any(|o| {
            matches!(
                &o.option,
                ColumnOption::Generated {
                    generation_expr: None,
                    generated_as: GeneratedAs::Always | GeneratedAs::ByDefault,
                    sequence_options: Some(_),
                    ..
                }
            )
        });
        if !has_list {
            return;
        }
        match next.next() {
            Some(Some(parts)) => c.options.push(sqlparser::ast::ColumnOptionDef {
                name: Some(sqlparser::ast::Ident::new(SEQUENCE_NAME_MARKER)),
                option: ColumnOption::Comment(parts.join("\0")),
            }),
            Some(None) => {}
            None => unpaired = true,
        }
    };
    for s in statements {
        match s {
            Statement::CreateTable(ct) => ct.columns.iter_mut().for_each(&mut put),
            Statement::AlterTable(at) => {
                for op in &mut at.operations {
                    if let AlterTableOperation::AddColumn { column_def, .. } = op {
                        put(column_def);
                    }
                }
            }
            _ => {}
        }
    }
    if unpaired || next.next().is_some() {
        return Err(EngineError::unsupported(
            "SEQUENCE NAME in identity options in this statement",
        ));
    }
    Ok(())
}

/// Parses an identity column's parenthesised option list (the text
/// between the parentheses).
pub fn parse_option_list(sql: &str) -> Result<SeqOptions> {
    let mut p = Parser::new(tokens(sql)?);
    let o = p.options(Context::Identity)?;
    p.end()?;
    Ok(o)
}

#[derive(Clone, Copy, PartialEq)]
enum Context {
    Create,
    Alter,
    Identity,
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
}

fn redundant() -> EngineError {
    EngineError::new(SqlState::SyntaxError, "conflicting or redundant options")
}

/// Adds the options of `more` to `into` (42601 when one is given twice).
fn merge(into: &mut SeqOptions, more: SeqOptions) -> Result<()> {
    fn one<T>(a: &mut Option<T>, b: Option<T>) -> Result<()> {
        match b {
            Some(v) => set(a, v),
            None => Ok(()),
        }
    }
    one(&mut into.as_type, more.as_type)?;
    one(&mut into.increment, more.increment)?;
    one(&mut into.min, more.min)?;
    one(&mut into.max, more.max)?;
    one(&mut into.start, more.start)?;
    one(&mut into.restart, more.restart)?;
    one(&mut into.cache, more.cache)?;
    one(&mut into.cycle, more.cycle)?;
    one(&mut into.owned_by, more.owned_by)?;
    one(&mut into.sequence_name, more.sequence_name)?;
    one(&mut into.logged, more.logged)
}

fn set<T>(slot: &mut Option<T>, v: T) -> Result<()> {
    if slot.is_some() {
        return Err(redundant());
    }
    *slot = Some(v);
    Ok(())
}

impl Parser {
    fn new(toks: Vec<Token>) -> Self {
        Parser { toks, pos: 0 }
    }

    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn error(&self) -> EngineError {
        match self.peek() {
            None => EngineError::new(SqlState::SyntaxError, "syntax error at end of input"),
            Some(t) => EngineError::new(
                SqlState::SyntaxError,
                format!("syntax error at or near \"{t}\""),
            ),
        }
    }

    fn eat(&mut self, w: &str) -> bool {
        if is_word(self.peek(), w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_all(&mut self, ws: &[&str]) -> bool {
        let save = self.pos;
        for w in ws {
            if !self.eat(w) {
                self.pos = save;
                return false;
            }
        }
        true
    }

    fn expect(&mut self, w: &str) -> Result<()> {
        if self.eat(w) {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn end(&self) -> Result<()> {
        if self.pos < self.toks.len() {
            return Err(self.error());
        }
        Ok(())
    }

    fn ident(&mut self) -> Result<String> {
        match self.peek() {
            Some(Token::Word(w)) => {
                let name = if w.quote_style.is_some() {
                    w.value.clone()
                } else {
                    w.value.to_lowercase()
                };
                self.pos += 1;
                Ok(name)
            }
            _ => Err(self.error()),
        }
    }

    fn qualified(&mut self) -> Result<Vec<String>> {
        let mut parts = vec![self.ident()?];
        while self.peek() == Some(&Token::Period) {
            self.pos += 1;
            parts.push(self.ident()?);
        }
        Ok(parts)
    }

    fn number(&mut self) -> Result<i64> {
        let negative = match self.peek() {
            Some(Token::Minus) => {
                self.pos += 1;
                true
            }
            Some(Token::Plus) => {
                self.pos += 1;
                false
            }
            _ => false,
        };
        let Some(Token::Number(text, _)) = self.peek() else {
            return Err(self.error());
        };
        let text = if negative {
            format!("-{text}")
        } else {
            text.clone()
        };
        self.pos += 1;
        if text.contains(['.', 'e', 'E']) {
            return Err(EngineError::new(
                SqlState::InvalidTextRepresentation,
                format!("invalid input syntax for type bigint: \"{text}\""),
            ));
        }
        text.parse::<i64>().map_err(|_| {
            EngineError::new(
                SqlState::NumericValueOutOfRange,
                format!("value \"{text}\" is out of range for type bigint"),
            )
        })
    }

    /// A type name: one word, `double precision`, or a word with a
    /// parenthesised modifier (refused later as not an integer type).
    fn type_name(&mut self) -> Result<String> {
        let mut name = self.ident()?;
        if name == "double" && self.eat("precision") {
            name.push_str(" precision");
        }
        if self.peek() == Some(&Token::LParen) {
            while let Some(t) = self.peek() {
                let close = *t == Token::RParen;
                self.pos += 1;
                if close {
                    break;
                }
            }
            name.push_str("()");
        }
        Ok(name)
    }

    fn options(&mut self, ctx: Context) -> Result<SeqOptions> {
        let mut o = SeqOptions::default();
        loop {
            if self.eat("as") {
                let t = self.type_name()?;
                set(&mut o.as_type, t)?;
            } else if self.eat("increment") {
                self.eat("by");
                let n = self.number()?;
                set(&mut o.increment, n)?;
            } else if self.eat("minvalue") {
                let n = self.number()?;
                set(&mut o.min, Some(n))?;
            } else if self.eat("maxvalue") {
                let n = self.number()?;
                set(&mut o.max, Some(n))?;
            } else if self.eat("start") {
                self.eat("with");
                let n = self.number()?;
                set(&mut o.start, n)?;
            } else if ctx != Context::Create && self.eat("restart") {
                let with = self.eat("with");
                let n = if with || matches!(self.peek(), Some(Token::Number(..) | Token::Minus)) {
                    Some(self.number()?)
                } else {
                    None
                };
                set(&mut o.restart, n)?;
            } else if self.eat("cache") {
                let n = self.number()?;
                set(&mut o.cache, n)?;
            } else if self.eat("cycle") {
                set(&mut o.cycle, true)?;
            } else if self.eat("no") {
                if self.eat("minvalue") {
                    set(&mut o.min, None)?;
                } else if self.eat("maxvalue") {
                    set(&mut o.max, None)?;
                } else if self.eat("cycle") {
                    set(&mut o.cycle, false)?;
                } else {
                    return Err(self.error());
                }
            } else if ctx != Context::Identity && self.eat_all(&["owned", "by"]) {
                let target = if self.eat("none") {
                    None
                } else {
                    Some(self.qualified()?)
                };
                set(&mut o.owned_by, target)?;
            } else if self.eat_all(&["sequence", "name"]) {
                if ctx != Context::Identity {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        "invalid sequence option SEQUENCE NAME",
                    ));
                }
                let n = self.qualified()?;
                set(&mut o.sequence_name, n)?;
            } else if ctx == Context::Identity && self.eat("logged") {
                set(&mut o.logged, true)?;
            } else if ctx == Context::Identity && self.eat("unlogged") {
                set(&mut o.logged, false)?;
            } else {
                return Ok(o);
            }
        }
    }

    /// `ALTER TABLE ... ALTER [COLUMN] c <identity action>`.
    fn identity_alter(mut self) -> Result<SequenceStmt> {
        self.expect("alter")?;
        self.expect("table")?;
        let if_exists = self.eat_all(&["if", "exists"]);
        self.eat("only");
        let table = self.qualified()?;
        if self.peek() == Some(&Token::Mul) {
            self.pos += 1;
        }
        self.expect("alter")?;
        self.eat("column");
        let column = self.ident()?;
        let action = if self.eat_all(&["add", "generated"]) {
            let always = if self.eat("always") {
                true
            } else {
                self.expect("by")?;
                self.expect("default")?;
                false
            };
            self.expect("as")?;
            self.expect("identity")?;
            let options = if self.peek() == Some(&Token::LParen) {
                self.pos += 1;
                let o = self.options(Context::Identity)?;
                if self.peek() != Some(&Token::RParen) {
                    return Err(self.error());
                }
                self.pos += 1;
                o
            } else {
                SeqOptions::default()
            };
            IdentityAction::Add { always, options }
        } else if self.eat_all(&["drop", "identity"]) {
            IdentityAction::Drop {
                if_exists: self.eat_all(&["if", "exists"]),
            }
        } else if self.eat_all(&["set", "generated"]) {
            let always = if self.eat("always") {
                true
            } else {
                self.expect("by")?;
                self.expect("default")?;
                false
            };
            IdentityAction::SetGenerated(always)
        } else {
            // `SET option` and `RESTART`, repeated.
            let mut merged = SeqOptions::default();
            loop {
                if !self.eat("set") && !is_word(self.peek(), "restart") {
                    break;
                }
                let one = self.options(Context::Alter)?;
                if one == SeqOptions::default() {
                    return Err(self.error());
                }
                merge(&mut merged, one)?;
            }
            if merged.owned_by.is_some() || merged.as_type.is_some() {
                return Err(EngineError::new(
                    SqlState::SyntaxError,
                    "invalid identity column option",
                ));
            }
            IdentityAction::SetOptions(merged)
        };
        self.end()?;
        Ok(SequenceStmt::AlterIdentity {
            if_exists,
            table,
            column,
            action,
        })
    }

    fn statement(mut self) -> Result<SequenceStmt> {
        if is_word(self.toks.get(1), "table") {
            return self.identity_alter();
        }
        if self.eat("create") {
            let temporary = self.eat("temp") || self.eat("temporary");
            let unlogged = !temporary && self.eat("unlogged");
            self.expect("sequence")?;
            let if_not_exists = self.eat_all(&["if", "not", "exists"]);
            let name = self.qualified()?;
            let options = self.options(Context::Create)?;
            self.end()?;
            return Ok(SequenceStmt::Create {
                temporary,
                unlogged,
                if_not_exists,
                name,
                options,
            });
        }
        self.expect("alter")?;
        self.expect("sequence")?;
        let if_exists = self.eat_all(&["if", "exists"]);
        let name = self.qualified()?;
        let action = if self.eat_all(&["rename", "to"]) {
            AlterSequenceAction::RenameTo(self.ident()?)
        } else if self.eat_all(&["owner", "to"]) {
            AlterSequenceAction::OwnerTo(self.ident()?)
        } else if self.eat_all(&["set", "schema"]) {
            AlterSequenceAction::SetSchema(self.ident()?)
        } else if self.eat_all(&["set", "logged"]) {
            AlterSequenceAction::SetLogged(true)
        } else if self.eat_all(&["set", "unlogged"]) {
            AlterSequenceAction::SetLogged(false)
        } else {
            let o = self.options(Context::Alter)?;
            if o == SeqOptions::default() {
                return Err(self.error());
            }
            AlterSequenceAction::Options(o)
        };
        self.end()?;
        Ok(SequenceStmt::Alter {
            if_exists,
            name,
            action,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(sql: &str) -> SequenceStmt {
        match split(sql).unwrap().pop() {
            Some(Piece::Sequence(s)) => *s,
            _ => panic!("not a sequence statement: {sql}"),
        }
    }

    #[test]
    fn options_in_any_order() {
        let SequenceStmt::Create { name, options, .. } =
            one("create sequence S.\"Q\" cache 5 as integer start 3 no cycle increment by -2 maxvalue +9 no minvalue owned by t.id")
        else {
            panic!()
        };
        assert_eq!(name, vec!["s".to_string(), "Q".to_string()]);
        assert_eq!(options.as_type.as_deref(), Some("integer"));
        assert_eq!(options.cache, Some(5));
        assert_eq!(options.start, Some(3));
        assert_eq!(options.cycle, Some(false));
        assert_eq!(options.increment, Some(-2));
        assert_eq!(options.max, Some(Some(9)));
        assert_eq!(options.min, Some(None));
        assert_eq!(options.owned_by, Some(Some(vec!["t".into(), "id".into()])));
    }

    #[test]
    fn repeated_option_is_redundant() {
        let e = split("create sequence s start 1 start 2").err().unwrap();
        assert_eq!(e.message, "conflicting or redundant options");
    }

    #[test]
    fn alter_forms() {
        assert_eq!(
            one("ALTER SEQUENCE IF EXISTS s RESTART"),
            SequenceStmt::Alter {
                if_exists: true,
                name: vec!["s".into()],
                action: AlterSequenceAction::Options(SeqOptions {
                    restart: Some(None),
                    ..Default::default()
                })
            }
        );
        assert!(matches!(
            one("alter sequence s rename to t"),
            SequenceStmt::Alter { action: AlterSequenceAction::RenameTo(n), .. } if n == "t"
        ));
        assert!(split("alter sequence s").is_err());
        assert!(split("create sequence s restart 1").is_err());
    }

    #[test]
    fn splits_mixed_strings() {
        let pieces = split("select 'a;b'; create sequence s; select nextval('s')").unwrap();
        assert_eq!(pieces.len(), 3);
        assert!(matches!(&pieces[0], Piece::Other(t) if t.trim() == "select 'a;b'"));
        assert!(matches!(&pieces[1], Piece::Sequence(_)));
        assert!(is_sequence_statement("SELECT 1; CREATE TEMP SEQUENCE s"));
        assert!(!is_sequence_statement("DROP SEQUENCE s"));
    }

    #[test]
    fn identity_alters() {
        assert!(is_sequence_statement(
            "ALTER TABLE u ALTER COLUMN v DROP IDENTITY"
        ));
        assert!(matches!(
            one("ALTER TABLE ONLY public.u ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME public.u_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1)"),
            SequenceStmt::AlterIdentity { action: IdentityAction::Add { always: true, options }, .. }
                if options.sequence_name == Some(vec!["public".into(), "u_id_seq".into()])
        ));
        assert!(matches!(
            one("alter table u alter id set increment by 5 restart"),
            SequenceStmt::AlterIdentity { action: IdentityAction::SetOptions(o), .. }
                if o.increment == Some(5) && o.restart == Some(None)
        ));
        assert!(!is_sequence_statement(
            "ALTER TABLE u ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY"
        ));
        assert!(!is_sequence_statement(
            "ALTER TABLE u ALTER COLUMN id SET DEFAULT 1, ALTER COLUMN v DROP NOT NULL"
        ));
    }

    #[test]
    fn identity_options() {
        let o = parse_option_list("sequence name public.x start with 10 increment by 5").unwrap();
        assert_eq!(o.sequence_name, Some(vec!["public".into(), "x".into()]));
        assert_eq!(o.start, Some(10));
        assert!(parse_option_list("owned by t.a").is_err());
        let sql = "create table t (id int generated always as identity (start 5 increment by -1 maxvalue 9))";
        assert_eq!(
            canonical_identity_options(sql).unwrap().map(|(t, _)| t).as_deref(),
            Some("create table t (id int generated always as identity (INCREMENT BY -1 MAXVALUE 9 START WITH 5))")
        );
        assert_eq!(
            canonical_identity_options("select 1 as identity").unwrap(),
            None
        );
    }
}
