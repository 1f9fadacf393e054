//! `ON DELETE SET NULL (cols)` and `ON DELETE SET DEFAULT (cols)`
//! (PostgreSQL 15), whose column list `sqlparser` 0.63 does not parse.
//!
//! [`strip`] blanks each column list out of the text (spaces of the same
//! width, so every later token keeps its line and column) and remembers it
//! with the position of the referenced table's name; after parsing,
//! [`mark`] finds the foreign key whose `REFERENCES` name starts there and
//! carries the list in its (otherwise MySQL-only) `index_name` as
//! [`MARKER`] followed by the column names, which [`columns`] reads back.
//! `ON UPDATE SET NULL (cols)` fails as PostgreSQL's grammar fails it
//! (0A000).

use sqlparser::ast::{
    AlterTableOperation, ColumnOption, ForeignKeyConstraint, Ident, Statement, TableConstraint,
};
use sqlparser::tokenizer::Token;

use super::{location, word};
use crate::error::{EngineError, Result, SqlState};
use crate::sql::identifiers::ident_name;

/// The `index_name` prefix that carries a column list.
pub const MARKER: &str = "__rocksgres_delete_set";

/// A column list taken out of the text: the (line, column) where the
/// referenced table's name starts, and the columns (names folded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    at: (u64, u64),
    columns: Vec<String>,
}

/// Whether `sql` may hold a column list after SET NULL / SET DEFAULT
/// (the cheap test).
pub fn may_contain(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    lower.contains("references") && (lower.contains("null") || lower.contains("default"))
}

/// The text with every `ON DELETE SET NULL|DEFAULT (cols)` column list
/// blanked out, and the lists; `None` when there is none. 0A000 for a
/// column list after `ON UPDATE SET ...`.
pub fn strip(sql: &str) -> Result<Option<(String, Vec<Mark>)>> {
    let Some(toks) = super::tokens_with_ranges(sql) else {
        return Ok(None);
    };
    let sig = super::significant(toks.iter().map(|t| &t.0));
    let at = |k: usize, w: &str| sig.get(k).is_some_and(|&i| word(&toks[i].0, w));
    let mut blanks = Vec::new();
    let mut marks = Vec::new();
    for k in 0..sig.len() {
        let on_delete = at(k + 1, "delete");
        if !(at(k, "on")
            && (on_delete || at(k + 1, "update"))
            && at(k + 2, "set")
            && (at(k + 3, "null") || at(k + 3, "default"))
            && sig.get(k + 4).is_some_and(|&i| toks[i].0 == Token::LParen))
        {
            continue;
        }
        if !on_delete {
            let action = if at(k + 3, "null") { "NULL" } else { "DEFAULT" };
            return Err(EngineError::new(
                SqlState::FeatureNotSupported,
                format!("a column list with SET {action} is only supported for ON DELETE actions"),
            ));
        }
        // The column names, to the closing parenthesis.
        let mut columns = Vec::new();
        let mut j = k + 5;
        let close = loop {
            let Some(&i) = sig.get(j) else {
                return Ok(None);
            };
            match &toks[i].0 {
                Token::Word(w) => columns.push(ident_name(&match w.quote_style {
                    Some(q) => Ident::with_quote(q, w.value.clone()),
                    None => Ident::new(w.value.clone()),
                })),
                Token::Comma => {}
                Token::RParen => break i,
                // Not a column list: leave it to the parser's error.
                _ => return Ok(None),
            }
            j += 1;
        };
        // The referenced table's name: the token after the nearest
        // REFERENCES before, within the statement.
        let mut r = k;
        let name = loop {
            if r == 0 || toks[sig[r]].0 == Token::SemiColon {
                return Ok(None);
            }
            r -= 1;
            if word(&toks[sig[r]].0, "references") {
                match sig.get(r + 1) {
                    Some(&i) => break i,
                    None => return Ok(None),
                }
            }
        };
        marks.push(Mark {
            at: location(sql, toks[name].1.start),
            columns,
        });
        blanks.push(toks[sig[k + 4]].1.start..toks[close].1.end);
    }
    if marks.is_empty() {
        return Ok(None);
    }
    Ok(Some((super::blank_out(sql, &blanks), marks)))
}

/// Puts each mark's column list on the foreign key of `statements` whose
/// referenced name starts where the mark says. A mark that finds no
/// foreign key (the text moved under another rewrite) fails with 0A000
/// rather than be dropped.
pub fn mark<'a>(
    statements: impl IntoIterator<Item = &'a mut Statement>,
    marks: &[Mark],
) -> Result<()> {
    let mut used = vec![false; marks.len()];
    let mut put = |fk: &mut ForeignKeyConstraint| {
        let Some(start) = fk
            .foreign_table
            .0
            .first()
            .and_then(|p| p.as_ident())
            .map(|i| (i.span.start.line, i.span.start.column))
        else {
            return;
        };
        if let Some(k) = marks.iter().position(|m| m.at == start) {
            used[k] = true;
            let mut carried = MARKER.to_string();
            for c in &marks[k].columns {
                carried.push('\0');
                carried.push_str(c);
            }
            fk.index_name = Some(Ident::new(carried));
        }
    };
    for s in statements {
        match s {
            Statement::CreateTable(ct) => {
                for c in &mut ct.columns {
                    column_fks(&mut c.options, &mut put);
                }
                for c in &mut ct.constraints {
                    if let TableConstraint::ForeignKey(fk) = c {
                        put(fk);
                    }
                }
            }
            Statement::AlterTable(at) => {
                for op in &mut at.operations {
                    match op {
                        AlterTableOperation::AddConstraint {
                            constraint: TableConstraint::ForeignKey(fk),
                            ..
                        } => put(fk),
                        AlterTableOperation::AddColumn { column_def, .. } => {
                            column_fks(&mut column_def.options, &mut put)
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    if used.iter().all(|u| *u) {
        Ok(())
    } else {
        Err(EngineError::unsupported(
            "ON DELETE SET NULL/DEFAULT with a column list in this statement",
        ))
    }
}

fn column_fks(
    options: &mut [sqlparser::ast::ColumnOptionDef],
    put: &mut impl FnMut(&mut ForeignKeyConstraint),
) {
    for o in options {
        if let ColumnOption::ForeignKey(fk) = &mut o.option {
            put(fk);
        }
    }
}

/// The column list [`mark`] put on `fk`: `None` when it has none,
/// `Some(Err(..))` for a real (MySQL) index name.
pub fn columns(fk: &ForeignKeyConstraint) -> Option<std::result::Result<Vec<String>, ()>> {
    let name = fk.index_name.as_ref()?;
    Some(match name.value.strip_prefix(MARKER) {
        Some(rest) if name.quote_style.is_none() => {
            Ok(rest.split('\0').skip(1).map(str::to_string).collect())
        }
        _ => Err(()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(sql: &str) -> Vec<Statement> {
        let (text, marks) = strip(sql).unwrap().unwrap();
        let mut statements =
            sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::PostgreSqlDialect {}, &text)
                .unwrap();
        mark(&mut statements, &marks).unwrap();
        statements
    }

    #[test]
    fn carries_each_list_to_its_foreign_key() {
        let s = parse(
            "CREATE TABLE c (a int, b int REFERENCES p2 ON DELETE SET DEFAULT (B), \
             FOREIGN KEY (a, b) REFERENCES p ON DELETE SET NULL (b, \"A\") ON UPDATE CASCADE)",
        );
        let Statement::CreateTable(ct) = &s[0] else {
            panic!("{s:?}")
        };
        let ColumnOption::ForeignKey(col) = &ct.columns[1].options[0].option else {
            panic!()
        };
        assert_eq!(columns(col), Some(Ok(vec!["b".to_string()])));
        let TableConstraint::ForeignKey(t) = &ct.constraints[0] else {
            panic!()
        };
        assert_eq!(columns(t), Some(Ok(vec!["b".to_string(), "A".to_string()])));
    }

    #[test]
    fn alter_table_and_untouched_text() {
        let s = parse("ALTER TABLE c ADD FOREIGN KEY (a) REFERENCES s.p ON DELETE SET NULL (a)");
        let Statement::AlterTable(at) = &s[0] else {
            panic!()
        };
        let AlterTableOperation::AddConstraint {
            constraint: TableConstraint::ForeignKey(fk),
            ..
        } = &at.operations[0]
        else {
            panic!()
        };
        assert_eq!(columns(fk), Some(Ok(vec!["a".to_string()])));
        assert_eq!(
            strip("CREATE TABLE c (a int REFERENCES p ON DELETE SET NULL)").unwrap(),
            None
        );
    }

    #[test]
    fn on_update_lists_are_refused() {
        let e = strip("CREATE TABLE c (a int REFERENCES p ON UPDATE SET NULL (a))").unwrap_err();
        assert_eq!(e.code(), "0A000");
        assert_eq!(
            e.message,
            "a column list with SET NULL is only supported for ON DELETE actions"
        );
    }
}
