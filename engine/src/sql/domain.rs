//! `CREATE DOMAIN`, `ALTER DOMAIN` and `DROP DOMAIN`, which `sqlparser`
//! 0.63 parses only in part (no ALTER DOMAIN, no NOT NULL / NULL
//! constraints, a fixed clause order, one name to drop).
//!
//! [`parse`] reads one statement's text (the caller splits a query string
//! at its top-level semicolons) with PostgreSQL's grammar, leaving the
//! data type and the expressions to `sqlparser`: the tokens of each are
//! cut out (up to the next clause keyword outside parentheses) and parsed
//! alone. What the statements do is [`crate::exec::domain_ddl`]'s.

use sqlparser::ast::{self, Ident, ObjectName, ObjectNamePart};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::word;
use crate::error::{EngineError, Result, SqlState};

/// One constraint of a domain as written.
#[derive(Debug, Clone)]
pub struct ConstraintDef {
    /// `CONSTRAINT name`, if given.
    pub name: Option<Ident>,
    /// What it requires.
    pub kind: ConstraintKind,
}

/// The kinds of domain constraints.
#[derive(Debug, Clone)]
pub enum ConstraintKind {
    /// `NOT NULL`.
    NotNull,
    /// `NULL` (the default; conflicts with NOT NULL).
    Null,
    /// `CHECK (expr)`.
    Check(Box<ast::Expr>),
}

/// A parsed `CREATE DOMAIN`.
#[derive(Debug, Clone)]
pub struct CreateDomain {
    /// The domain's name.
    pub name: ObjectName,
    /// The base type.
    pub data_type: ast::DataType,
    /// `COLLATE name`.
    pub collation: Option<ObjectName>,
    /// `DEFAULT expr`.
    pub default: Option<ast::Expr>,
    /// The constraints, in order.
    pub constraints: Vec<ConstraintDef>,
}

/// The actions of `ALTER DOMAIN`.
#[derive(Debug, Clone)]
pub enum AlterDomainOp {
    /// `SET DEFAULT expr`.
    SetDefault(ast::Expr),
    /// `DROP DEFAULT`.
    DropDefault,
    /// `SET NOT NULL`.
    SetNotNull,
    /// `DROP NOT NULL`.
    DropNotNull,
    /// `ADD constraint [NOT VALID]`.
    AddConstraint(ConstraintDef, bool),
    /// `DROP CONSTRAINT [IF EXISTS] name [CASCADE | RESTRICT]`.
    DropConstraint {
        /// The constraint.
        name: Ident,
        /// IF EXISTS.
        if_exists: bool,
    },
    /// `RENAME TO name`.
    RenameTo(Ident),
    /// `RENAME CONSTRAINT a TO b`.
    RenameConstraint(Ident, Ident),
    /// `VALIDATE CONSTRAINT name`.
    ValidateConstraint(Ident),
    /// `OWNER TO role` (`None`: `CURRENT_USER`, `CURRENT_ROLE` or
    /// `SESSION_USER`).
    OwnerTo(Option<String>),
    /// `SET SCHEMA name`.
    SetSchema(Ident),
}

/// A parsed domain statement.
#[derive(Debug, Clone)]
pub enum DomainStmt {
    /// `CREATE DOMAIN`.
    Create(Box<CreateDomain>),
    /// `ALTER DOMAIN name action`.
    Alter {
        /// The domain.
        name: ObjectName,
        /// The action.
        op: Box<AlterDomainOp>,
    },
    /// `ALTER TYPE name { OWNER TO role | SET SCHEMA s }` (of any
    /// user-defined type; the other ALTER TYPE forms are `sqlparser`'s).
    AlterType {
        /// The type.
        name: ObjectName,
        /// The action: [`AlterDomainOp::OwnerTo`] or
        /// [`AlterDomainOp::SetSchema`].
        op: Box<AlterDomainOp>,
    },
    /// `ALTER TYPE name { ADD | DROP | ALTER | RENAME } ATTRIBUTE ...` of
    /// a composite type (see [`super::type_attrs`]).
    AlterAttributes(Box<super::type_attrs::AlterAttributes>),
    /// `DROP DOMAIN [IF EXISTS] name [, ...] [CASCADE | RESTRICT]`.
    Drop {
        /// The domains.
        names: Vec<ObjectName>,
        /// IF EXISTS.
        if_exists: bool,
        /// CASCADE.
        cascade: bool,
    },
}

impl DomainStmt {
    /// The command tag.
    pub fn tag(&self) -> &'static str {
        match self {
            DomainStmt::Create(_) => "CREATE DOMAIN",
            DomainStmt::Alter { .. } => "ALTER DOMAIN",
            DomainStmt::AlterType { .. } | DomainStmt::AlterAttributes(_) => "ALTER TYPE",
            DomainStmt::Drop { .. } => "DROP DOMAIN",
        }
    }
}

/// Whether a statement of `sql` (one or several) may be a domain
/// statement (the cheap test).
pub fn may_contain(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    lower.contains("domain")
        || (lower.contains("type")
            && (lower.contains("owner") || lower.contains("schema") || lower.contains("attribute")))
}

pub(super) fn syntax_error(near: Option<&Token>) -> EngineError {
    let msg = match near {
        Some(t) => format!("syntax error at or near \"{t}\""),
        None => "syntax error at end of input".to_string(),
    };
    EngineError::new(SqlState::SyntaxError, msg)
}

/// Words that end a data type or an expression at the top level.
const CLAUSE_WORDS: &[&str] = &["collate", "default", "constraint", "not", "null", "check"];

/// The significant tokens of a statement and the position reached (also
/// [`super::type_attrs`]'s).
pub(super) struct Cursor {
    pub(super) toks: Vec<Token>,
    pub(super) i: usize,
}

impl Cursor {
    pub(super) fn peek(&self) -> Option<&Token> {
        self.toks.get(self.i)
    }

    pub(super) fn at(&self, w: &str) -> bool {
        self.peek().is_some_and(|t| word(t, w))
    }

    pub(super) fn eat(&mut self, w: &str) -> bool {
        if self.at(w) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    pub(super) fn expect(&mut self, w: &str) -> Result<()> {
        if self.eat(w) {
            Ok(())
        } else {
            Err(syntax_error(self.peek()))
        }
    }

    pub(super) fn ident(&mut self) -> Result<Ident> {
        match self.peek() {
            Some(Token::Word(w)) => {
                let id = match w.quote_style {
                    Some(q) => Ident::with_quote(q, w.value.clone()),
                    None => Ident::new(w.value.clone()),
                };
                self.i += 1;
                Ok(id)
            }
            other => Err(syntax_error(other)),
        }
    }

    pub(super) fn name(&mut self) -> Result<ObjectName> {
        let mut parts = vec![ObjectNamePart::Identifier(self.ident()?)];
        while self.peek() == Some(&Token::Period) {
            self.i += 1;
            parts.push(ObjectNamePart::Identifier(self.ident()?));
        }
        Ok(ObjectName(parts))
    }

    /// The text of the tokens up to the next top-level clause word (or
    /// the end).
    fn until_clause(&mut self, stop: &[&str]) -> Result<String> {
        let start = self.i;
        let mut depth = 0i32;
        while let Some(t) = self.peek() {
            match t {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth -= 1,
                _ if depth == 0 && stop.iter().any(|w| word(t, w)) => break,
                _ => {}
            }
            self.i += 1;
        }
        if self.i == start {
            return Err(syntax_error(self.peek()));
        }
        Ok(self.toks[start..self.i]
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" "))
    }

    /// A parenthesized expression.
    fn paren_expr(&mut self) -> Result<ast::Expr> {
        if self.peek() != Some(&Token::LParen) {
            return Err(syntax_error(self.peek()));
        }
        let start = self.i;
        let mut depth = 0i32;
        while let Some(t) = self.peek() {
            match t {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        self.i += 1;
                        break;
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
        if depth != 0 {
            return Err(syntax_error(None));
        }
        let text: Vec<String> = self.toks[start + 1..self.i - 1]
            .iter()
            .map(ToString::to_string)
            .collect();
        super::parse_expr(&text.join(" "))
    }

    /// `[CONSTRAINT name] { NOT NULL | NULL | CHECK (expr) }`, if one is
    /// next.
    fn constraint(&mut self) -> Result<Option<ConstraintDef>> {
        let name = if self.eat("constraint") {
            Some(self.ident()?)
        } else {
            None
        };
        let kind = if self.eat("not") {
            self.expect("null")?;
            ConstraintKind::NotNull
        } else if self.eat("null") {
            ConstraintKind::Null
        } else if self.eat("check") {
            ConstraintKind::Check(Box::new(self.paren_expr()?))
        } else if name.is_some() {
            return Err(syntax_error(self.peek()));
        } else {
            return Ok(None);
        };
        Ok(Some(ConstraintDef { name, kind }))
    }

    /// The role of `OWNER TO`: `None` for the current user's keywords.
    fn role(&mut self) -> Result<Option<String>> {
        let id = self.ident()?;
        if id.quote_style.is_none() {
            let lower = id.value.to_ascii_lowercase();
            if matches!(
                lower.as_str(),
                "current_user" | "current_role" | "session_user"
            ) {
                return Ok(None);
            }
        }
        Ok(Some(crate::sql::identifiers::ident_name(&id)))
    }

    /// `OWNER TO role` or `SET SCHEMA s`, if next.
    fn owner_or_schema(&mut self) -> Result<Option<AlterDomainOp>> {
        if self.eat("owner") {
            self.expect("to")?;
            return Ok(Some(AlterDomainOp::OwnerTo(self.role()?)));
        }
        if self.at("set") && self.toks.get(self.i + 1).is_some_and(|t| word(t, "schema")) {
            self.i += 2;
            return Ok(Some(AlterDomainOp::SetSchema(self.ident()?)));
        }
        Ok(None)
    }

    pub(super) fn end(&self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            t => Err(syntax_error(t)),
        }
    }
}

/// The statement `sql` as a domain statement; `None` when it is another
/// statement.
pub fn parse(sql: &str) -> Result<Option<DomainStmt>> {
    let Ok(all) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize() else {
        return Ok(None);
    };
    let toks: Vec<Token> = all
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_) | Token::SemiColon | Token::EOF))
        .collect();
    if toks.len() > 2 && word(&toks[0], "alter") && word(&toks[1], "type") {
        let mut c = Cursor { toks, i: 2 };
        let Ok(name) = c.name() else {
            return Ok(None);
        };
        return Ok(match c.owner_or_schema()? {
            Some(op) => {
                c.end()?;
                Some(DomainStmt::AlterType {
                    name,
                    op: Box::new(op),
                })
            }
            None => super::type_attrs::parse(&mut c, name)?
                .map(|a| DomainStmt::AlterAttributes(Box::new(a))),
        });
    }
    if !toks.get(1).is_some_and(|t| word(t, "domain")) {
        return Ok(None);
    }
    let mut c = Cursor { toks, i: 2 };
    let stmt = if word(&c.toks[0], "create") {
        let name = c.name()?;
        c.eat("as");
        let type_text = c.until_clause(CLAUSE_WORDS)?;
        let data_type = super::parser(&type_text)
            .and_then(|mut p| p.parse_data_type())
            .map_err(super::syntax_error)?;
        let mut d = CreateDomain {
            name,
            data_type,
            collation: None,
            default: None,
            constraints: Vec::new(),
        };
        loop {
            if c.eat("collate") {
                d.collation = Some(c.name()?);
            } else if c.eat("default") {
                let text = c.until_clause(CLAUSE_WORDS)?;
                if d.default.is_some() {
                    return Err(EngineError::new(
                        SqlState::SyntaxError,
                        "multiple default expressions",
                    ));
                }
                d.default = Some(super::parse_expr(&text)?);
            } else if let Some(k) = c.constraint()? {
                d.constraints.push(k);
            } else {
                break;
            }
        }
        c.end()?;
        DomainStmt::Create(Box::new(d))
    } else if word(&c.toks[0], "alter") {
        let name = c.name()?;
        let op = if let Some(op) = c.owner_or_schema()? {
            op
        } else if c.eat("set") {
            if c.eat("default") {
                let text = c.until_clause(&[])?;
                AlterDomainOp::SetDefault(super::parse_expr(&text)?)
            } else {
                c.expect("not")?;
                c.expect("null")?;
                AlterDomainOp::SetNotNull
            }
        } else if c.eat("drop") {
            if c.eat("default") {
                AlterDomainOp::DropDefault
            } else if c.eat("not") {
                c.expect("null")?;
                AlterDomainOp::DropNotNull
            } else {
                c.expect("constraint")?;
                let if_exists = c.eat("if");
                if if_exists {
                    c.expect("exists")?;
                }
                let name = c.ident()?;
                // Nothing depends on a domain's CHECK constraint, so
                // CASCADE drops what RESTRICT does.
                if !c.eat("cascade") {
                    c.eat("restrict");
                }
                AlterDomainOp::DropConstraint { name, if_exists }
            }
        } else if c.eat("add") {
            let k = c.constraint()?.ok_or_else(|| syntax_error(c.peek()))?;
            let not_valid = c.eat("not");
            if not_valid {
                c.expect("valid")?;
            }
            AlterDomainOp::AddConstraint(k, not_valid)
        } else if c.eat("rename") {
            if c.eat("constraint") {
                let from = c.ident()?;
                c.expect("to")?;
                AlterDomainOp::RenameConstraint(from, c.ident()?)
            } else {
                c.expect("to")?;
                AlterDomainOp::RenameTo(c.ident()?)
            }
        } else if c.eat("validate") {
            c.expect("constraint")?;
            AlterDomainOp::ValidateConstraint(c.ident()?)
        } else {
            return Err(syntax_error(c.peek()));
        };
        c.end()?;
        DomainStmt::Alter {
            name,
            op: Box::new(op),
        }
    } else if word(&c.toks[0], "drop") {
        let if_exists = c.eat("if");
        if if_exists {
            c.expect("exists")?;
        }
        let mut names = vec![c.name()?];
        while c.peek() == Some(&Token::Comma) {
            c.i += 1;
            names.push(c.name()?);
        }
        let cascade = c.eat("cascade");
        if !cascade {
            c.eat("restrict");
        }
        c.end()?;
        DomainStmt::Drop {
            names,
            if_exists,
            cascade,
        }
    } else {
        return Ok(None);
    };
    Ok(Some(stmt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_postgres_forms() {
        let Some(DomainStmt::Create(d)) = parse(
            "create domain d int default 5 constraint nn not null check (value > 0) check (VALUE < 10)",
        )
        .unwrap() else {
            panic!("not a create");
        };
        assert_eq!(d.data_type.to_string(), "INT");
        assert_eq!(d.default.unwrap().to_string(), "5");
        assert_eq!(d.constraints.len(), 3);
        let Some(DomainStmt::Alter { op, .. }) =
            parse("ALTER DOMAIN d ADD CONSTRAINT c CHECK (value <> 3) NOT VALID").unwrap()
        else {
            panic!("not an alter");
        };
        assert!(matches!(*op, AlterDomainOp::AddConstraint(_, true)));
        assert!(matches!(
            parse("drop domain if exists a, b cascade").unwrap(),
            Some(DomainStmt::Drop { names, if_exists: true, cascade: true }) if names.len() == 2
        ));
        assert!(parse("select 1").unwrap().is_none());
        assert!(matches!(
            parse("alter domain d owner to current_user").unwrap(),
            Some(DomainStmt::Alter { op, .. }) if matches!(*op, AlterDomainOp::OwnerTo(None))
        ));
        assert!(matches!(
            parse("ALTER TYPE s.e SET SCHEMA t").unwrap(),
            Some(DomainStmt::AlterType { op, .. }) if matches!(*op, AlterDomainOp::SetSchema(_))
        ));
        assert!(parse("alter type e add value 'x'").unwrap().is_none());
        assert!(parse("create domain d as int check value > 0").is_err());
    }
}
