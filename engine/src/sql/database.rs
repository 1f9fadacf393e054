//! `CREATE DATABASE`, `DROP DATABASE` and `ALTER DATABASE`, which
//! `sqlparser` 0.63 parses only in part (no options, no FORCE).
//!
//! Like PostgreSQL's grammar, CREATE DATABASE takes a list of generic
//! `name [=] value` options (`CONNECTION LIMIT` is the one two-word name);
//! which names exist and what their values mean is checked when the
//! statement runs ([`crate::exec::database_ddl`]), as `dbcommands.c` does.
//! These statements cannot run in a transaction block, so a query string
//! holding one and another statement fails with 25001.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::error::{EngineError, Result, SqlState};

/// An option value as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionValue {
    /// `DEFAULT`.
    Default,
    /// A word or a quoted string.
    Text(String),
    /// A number (with its sign).
    Number(String),
}

impl OptionValue {
    /// The value as text (`DEFAULT` as "default").
    pub fn text(&self) -> &str {
        match self {
            OptionValue::Default => "default",
            OptionValue::Text(s) | OptionValue::Number(s) => s,
        }
    }
}

/// A statement on databases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseStmt {
    /// `CREATE DATABASE name [WITH] option...` (option names lower-cased,
    /// `connection limit` with one space).
    Create {
        /// The new database.
        name: String,
        /// The options, in order.
        options: Vec<(String, OptionValue)>,
    },
    /// `DROP DATABASE [IF EXISTS] name [[WITH] (FORCE)]`.
    Drop {
        /// The database.
        name: String,
        /// IF EXISTS.
        if_exists: bool,
        /// FORCE.
        force: bool,
    },
    /// `ALTER DATABASE name RENAME TO new`.
    Rename {
        /// The database.
        name: String,
        /// Its new name.
        to: String,
    },
    /// `ALTER DATABASE name [WITH] option...`.
    Alter {
        /// The database.
        name: String,
        /// The options, as for CREATE.
        options: Vec<(String, OptionValue)>,
    },
    /// `ALTER DATABASE name OWNER TO role`.
    Owner {
        /// The database.
        name: String,
        /// The new owner (`current_user` and `session_user` as written).
        role: String,
    },
    /// `ALTER DATABASE name SET param { TO | = } value` (`Set`: the
    /// `SET ...` text, parsed as the SET statement is) or `RESET param |
    /// ALL`.
    Config {
        /// The database.
        name: String,
        /// What changes.
        action: ConfigAction,
    },
    /// Another form of ALTER DATABASE (SET, RESET, ...).
    AlterOther {
        /// What it does, for the 0A000 message.
        what: String,
    },
}

/// What `ALTER DATABASE ... SET | RESET` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigAction {
    /// `SET param { TO | = } value...` as the text of a SET statement.
    Set(String),
    /// `RESET param` (lower-cased) or, with `None`, `RESET ALL`.
    Reset(Option<String>),
}

impl DatabaseStmt {
    /// The statement's name in messages ("CREATE DATABASE").
    pub fn command(&self) -> &'static str {
        match self {
            DatabaseStmt::Create { .. } => "CREATE DATABASE",
            DatabaseStmt::Drop { .. } => "DROP DATABASE",
            _ => "ALTER DATABASE",
        }
    }
}

fn is_word(t: Option<&Token>, w: &str) -> bool {
    t.is_some_and(|t| super::word(t, w))
}

fn syntax_error(near: Option<&Token>) -> EngineError {
    let msg = match near {
        Some(t) => format!("syntax error at or near \"{t}\""),
        None => "syntax error at end of input".to_string(),
    };
    EngineError::new(SqlState::SyntaxError, msg)
}

/// An identifier: unquoted words fold to lower case.
fn ident(t: Option<&Token>) -> Result<String> {
    match t {
        Some(Token::Word(w)) if w.quote_style.is_none() => Ok(w.value.to_lowercase()),
        Some(Token::Word(w)) => Ok(w.value.clone()),
        other => Err(syntax_error(other)),
    }
}

/// Whether the query string `sql` starts with CREATE, DROP or ALTER
/// DATABASE (the cheap test first).
pub fn is_database_statement(sql: &str) -> bool {
    if !sql.to_ascii_lowercase().contains("database") {
        return false;
    }
    let Ok(all) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize() else {
        return false;
    };
    let mut words = all
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_) | Token::SemiColon));
    let first = words.next();
    (is_word(first, "create") || is_word(first, "drop") || is_word(first, "alter"))
        && is_word(words.next(), "database")
}

/// Parses the query string `sql`, which [`is_database_statement`] said
/// starts with a statement on databases.
pub fn parse(sql: &str) -> Result<DatabaseStmt> {
    let all = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize()
        .map_err(|e| EngineError::new(SqlState::SyntaxError, e.to_string()))?;
    let toks: Vec<Token> = all
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let end = toks
        .iter()
        .position(|t| *t == Token::SemiColon)
        .unwrap_or(toks.len());
    let stmt = parse_one(&toks[..end])?;
    if toks[end..].iter().any(|t| *t != Token::SemiColon) {
        return Err(EngineError::new(
            SqlState::ActiveSqlTransaction,
            format!("{} cannot run inside a transaction block", stmt.command()),
        ));
    }
    Ok(stmt)
}

fn parse_one(t: &[Token]) -> Result<DatabaseStmt> {
    let verb = t.first();
    let mut i = 2;
    if is_word(verb, "create") {
        let name = ident(t.get(i))?;
        i += 1;
        let options = parse_options(t, i)?;
        return Ok(DatabaseStmt::Create { name, options });
    }
    if is_word(verb, "drop") {
        let if_exists = is_word(t.get(i), "if") && is_word(t.get(i + 1), "exists");
        if if_exists {
            i += 2;
        }
        let name = ident(t.get(i))?;
        i += 1;
        let mut force = false;
        if i < t.len() {
            if is_word(t.get(i), "with") {
                i += 1;
            }
            if t.get(i) != Some(&Token::LParen) {
                return Err(syntax_error(t.get(i)));
            }
            i += 1;
            loop {
                if is_word(t.get(i), "force") {
                    force = true;
                    i += 1;
                } else {
                    return Err(syntax_error(t.get(i)));
                }
                match t.get(i) {
                    Some(Token::Comma) => i += 1,
                    Some(Token::RParen) => {
                        i += 1;
                        break;
                    }
                    other => return Err(syntax_error(other)),
                }
            }
            if i < t.len() {
                return Err(syntax_error(t.get(i)));
            }
        }
        return Ok(DatabaseStmt::Drop {
            name,
            if_exists,
            force,
        });
    }
    let name = ident(t.get(i))?;
    i += 1;
    if is_word(t.get(i), "rename") {
        if !is_word(t.get(i + 1), "to") {
            return Err(syntax_error(t.get(i + 1)));
        }
        let to = ident(t.get(i + 2))?;
        if i + 3 < t.len() {
            return Err(syntax_error(t.get(i + 3)));
        }
        return Ok(DatabaseStmt::Rename { name, to });
    }
    if is_word(t.get(i), "owner") {
        if !is_word(t.get(i + 1), "to") {
            return Err(syntax_error(t.get(i + 1)));
        }
        let role = ident(t.get(i + 2))?;
        if i + 3 < t.len() {
            return Err(syntax_error(t.get(i + 3)));
        }
        return Ok(DatabaseStmt::Owner { name, role });
    }
    let option_start = is_word(t.get(i), "with")
        || is_word(t.get(i), "connection")
        || is_word(t.get(i), "is_template")
        || is_word(t.get(i), "allow_connections");
    if option_start {
        let options = parse_options(t, i)?;
        return Ok(DatabaseStmt::Alter { name, options });
    }
    if is_word(t.get(i), "set")
        && !is_word(t.get(i + 1), "tablespace")
        && !(i + 2..t.len()).any(|j| is_word(t.get(j), "from") && is_word(t.get(j + 1), "current"))
    {
        let text = t[i..]
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        return Ok(DatabaseStmt::Config {
            name,
            action: ConfigAction::Set(text),
        });
    }
    if is_word(t.get(i), "reset") {
        let param = match &t[i + 1..] {
            [w] if is_word(Some(w), "all") => None,
            [Token::Word(a)] => Some(a.value.to_lowercase()),
            [Token::Word(a), Token::Period, Token::Word(b)] => Some(format!(
                "{}.{}",
                a.value.to_lowercase(),
                b.value.to_lowercase()
            )),
            rest => return Err(syntax_error(rest.first())),
        };
        return Ok(DatabaseStmt::Config {
            name,
            action: ConfigAction::Reset(param),
        });
    }
    match t.get(i) {
        Some(Token::Word(_))
            if is_word(t.get(i), "set") && !is_word(t.get(i + 1), "tablespace") =>
        {
            Ok(DatabaseStmt::AlterOther {
                what: "ALTER DATABASE ... SET ... FROM CURRENT".to_string(),
            })
        }
        Some(Token::Word(w)) => Ok(DatabaseStmt::AlterOther {
            what: format!("ALTER DATABASE ... {}", w.value.to_uppercase()),
        }),
        other => Err(syntax_error(other)),
    }
}

/// `[WITH] name [=] value ...` from token `i` to the end.
fn parse_options(t: &[Token], mut i: usize) -> Result<Vec<(String, OptionValue)>> {
    if is_word(t.get(i), "with") {
        i += 1;
    }
    let mut out = Vec::new();
    while i < t.len() {
        let name = match t.get(i) {
            Some(Token::Word(w)) if w.quote_style.is_none() => w.value.to_lowercase(),
            other => return Err(syntax_error(other)),
        };
        i += 1;
        let name = if name == "connection" {
            if !is_word(t.get(i), "limit") {
                return Err(syntax_error(t.get(i)));
            }
            i += 1;
            "connection limit".to_string()
        } else {
            name
        };
        if t.get(i) == Some(&Token::Eq) {
            i += 1;
        }
        let value = match t.get(i) {
            Some(Token::Word(w))
                if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("default") =>
            {
                OptionValue::Default
            }
            Some(Token::Word(w)) if w.quote_style.is_none() => {
                OptionValue::Text(w.value.to_lowercase())
            }
            Some(Token::Word(w)) => OptionValue::Text(w.value.clone()),
            Some(Token::SingleQuotedString(s)) => OptionValue::Text(s.clone()),
            Some(Token::Number(n, _)) => OptionValue::Number(n.clone()),
            Some(Token::Minus) => match t.get(i + 1) {
                Some(Token::Number(n, _)) => {
                    i += 1;
                    OptionValue::Number(format!("-{n}"))
                }
                other => return Err(syntax_error(other)),
            },
            other => return Err(syntax_error(other)),
        };
        i += 1;
        out.push((name, value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_pg_restore_sends() {
        let s = "CREATE DATABASE shop WITH TEMPLATE = template0 ENCODING = 'UTF8' \
                 LOCALE_PROVIDER = libc LOCALE = 'C.UTF-8';";
        assert!(is_database_statement(s));
        let DatabaseStmt::Create { name, options } = parse(s).unwrap() else {
            panic!()
        };
        assert_eq!(name, "shop");
        let names: Vec<_> = options.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["template", "encoding", "locale_provider", "locale"]);
        assert_eq!(options[3].1.text(), "C.UTF-8");
    }

    #[test]
    fn parses_drop_and_rename() {
        assert_eq!(
            parse("drop database if exists \"X\" with (force)").unwrap(),
            DatabaseStmt::Drop {
                name: "X".into(),
                if_exists: true,
                force: true
            }
        );
        assert_eq!(
            parse("ALTER DATABASE a RENAME TO B").unwrap(),
            DatabaseStmt::Rename {
                name: "a".into(),
                to: "b".into()
            }
        );
        assert_eq!(
            parse("create database a connection limit -1").unwrap(),
            DatabaseStmt::Create {
                name: "a".into(),
                options: vec![("connection limit".into(), OptionValue::Number("-1".into()))]
            }
        );
        assert_eq!(
            parse("create database a; select 1").unwrap_err().code(),
            "25001"
        );
        assert!(!is_database_statement("select 'create database'"));
    }
}
