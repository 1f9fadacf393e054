//! `ALTER TYPE name action [, ...]` on the attributes of a composite type,
//! which `sqlparser` 0.63 does not parse:
//!
//! ```text
//! ADD ATTRIBUTE a type [COLLATE c] [CASCADE | RESTRICT]
//! DROP ATTRIBUTE [IF EXISTS] a [CASCADE | RESTRICT]
//! ALTER ATTRIBUTE a [SET DATA] TYPE type [COLLATE c] [CASCADE | RESTRICT]
//! RENAME ATTRIBUTE a TO b [CASCADE | RESTRICT]      (alone)
//! ```
//!
//! Read with [`super::domain`]'s token cursor after the type's name; the
//! data type's tokens are cut out (up to `COLLATE`, `CASCADE`, `RESTRICT`
//! or a comma outside parentheses) and parsed by `sqlparser`. What the
//! statement does is [`crate::exec::composite_attrs`]'s. `CASCADE` (which
//! in PostgreSQL reaches typed tables, which Rocksgres does not have) is
//! accepted.

use sqlparser::ast::{self, Ident, ObjectName};
use sqlparser::tokenizer::Token;

use super::domain::{syntax_error, Cursor};
use super::word;
use crate::error::Result;

/// One attribute action.
#[derive(Debug, Clone)]
pub enum AttrAction {
    /// `ADD ATTRIBUTE name type [COLLATE c]`.
    Add(Ident, ast::DataType, Option<ObjectName>),
    /// `DROP ATTRIBUTE [IF EXISTS] name`.
    Drop(Ident, bool),
    /// `ALTER ATTRIBUTE name [SET DATA] TYPE type [COLLATE c]`.
    Type(Ident, ast::DataType, Option<ObjectName>),
    /// `RENAME ATTRIBUTE a TO b`.
    Rename(Ident, Ident),
}

/// A parsed `ALTER TYPE` of attributes.
#[derive(Debug, Clone)]
pub struct AlterAttributes {
    /// The type.
    pub name: ObjectName,
    /// The actions, in order.
    pub actions: Vec<AttrAction>,
}

/// The data type whose tokens start at the cursor, and its `COLLATE`.
fn data_type(c: &mut Cursor) -> Result<(ast::DataType, Option<ObjectName>)> {
    let start = c.i;
    let mut depth = 0i32;
    while let Some(t) = c.peek() {
        match t {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            Token::Comma if depth == 0 => break,
            _ if depth == 0
                && ["collate", "cascade", "restrict"]
                    .iter()
                    .any(|w| word(t, w)) =>
            {
                break
            }
            _ => {}
        }
        c.i += 1;
    }
    if c.i == start {
        return Err(syntax_error(c.peek()));
    }
    let text: Vec<String> = c.toks[start..c.i].iter().map(ToString::to_string).collect();
    let ty = super::parser(&text.join(" "))
        .and_then(|mut p| p.parse_data_type())
        .map_err(super::syntax_error)?;
    let collation = if c.eat("collate") {
        Some(c.name()?)
    } else {
        None
    };
    Ok((ty, collation))
}

/// The attribute actions after `ALTER TYPE name` (the cursor just past
/// the name); `None` when the statement is no such `ALTER TYPE`.
pub(super) fn parse(c: &mut Cursor, name: ObjectName) -> Result<Option<AlterAttributes>> {
    let is_attr_action = |c: &Cursor| {
        ["add", "drop", "alter", "rename"].iter().any(|w| c.at(w))
            && c.toks.get(c.i + 1).is_some_and(|t| word(t, "attribute"))
    };
    if !is_attr_action(c) {
        return Ok(None);
    }
    let mut actions = Vec::new();
    loop {
        if !is_attr_action(c) {
            return Err(syntax_error(c.peek()));
        }
        let verb = c.peek().map(ToString::to_string).unwrap_or_default();
        c.i += 2;
        let action = match verb.to_ascii_lowercase().as_str() {
            "add" => {
                let a = c.ident()?;
                let (ty, coll) = data_type(c)?;
                AttrAction::Add(a, ty, coll)
            }
            "drop" => {
                let if_exists =
                    c.at("if") && c.toks.get(c.i + 1).is_some_and(|t| word(t, "exists"));
                if if_exists {
                    c.i += 2;
                }
                AttrAction::Drop(c.ident()?, if_exists)
            }
            "alter" => {
                let a = c.ident()?;
                if c.eat("set") {
                    c.expect("data")?;
                }
                c.expect("type")?;
                let (ty, coll) = data_type(c)?;
                AttrAction::Type(a, ty, coll)
            }
            _ => {
                if !actions.is_empty() {
                    return Err(syntax_error(c.toks.get(c.i - 2)));
                }
                let a = c.ident()?;
                c.expect("to")?;
                let b = c.ident()?;
                let _ = c.eat("cascade") || c.eat("restrict");
                c.end()?;
                return Ok(Some(AlterAttributes {
                    name,
                    actions: vec![AttrAction::Rename(a, b)],
                }));
            }
        };
        actions.push(action);
        let _ = c.eat("cascade") || c.eat("restrict");
        if c.peek() == Some(&Token::Comma) {
            c.i += 1;
            continue;
        }
        c.end()?;
        return Ok(Some(AlterAttributes { name, actions }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::domain::{parse as parse_domain, DomainStmt};

    fn actions(sql: &str) -> Vec<AttrAction> {
        match parse_domain(sql).unwrap() {
            Some(DomainStmt::AlterAttributes(a)) => a.actions,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parses_attribute_actions() {
        let a = actions(
            "ALTER TYPE c ADD ATTRIBUTE z numeric(5, 2), DROP ATTRIBUTE IF EXISTS y CASCADE",
        );
        assert!(matches!(&a[0], AttrAction::Add(n, _, None) if n.value == "z"));
        assert!(matches!(&a[1], AttrAction::Drop(n, true) if n.value == "y"));
        let a = actions("alter type c alter attribute x set data type text collate \"C\"");
        assert!(matches!(&a[0], AttrAction::Type(_, _, Some(_))));
        let a = actions("alter type c rename attribute x to y");
        assert!(matches!(&a[0], AttrAction::Rename(x, y) if x.value == "x" && y.value == "y"));
        assert!(parse_domain("alter type c add attribute").is_err());
        assert!(parse_domain("alter type c rename attribute x to y, add attribute z int").is_err());
        assert!(parse_domain("alter type c add value 'x'")
            .unwrap()
            .is_none());
    }
}
