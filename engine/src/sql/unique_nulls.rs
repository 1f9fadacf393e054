//! Column-level `UNIQUE NULLS [NOT] DISTINCT` (PostgreSQL 15), which
//! `sqlparser` 0.63 parses only as a table constraint.
//!
//! [`strip`] blanks the `NULLS [NOT] DISTINCT` words after a column's
//! `UNIQUE` (spaces of the same width, so every later token keeps its line
//! and column) and remembers the position of the column's name; after
//! parsing, [`mark`] sets the option on the UNIQUE of the column whose
//! name starts there. A mark that finds no column fails with 0A000 rather
//! than be dropped.

use sqlparser::ast::{
    AlterTableOperation, ColumnDef, ColumnOption, NullsDistinctOption, Statement,
};
use sqlparser::tokenizer::Token;

use super::{location, word};
use crate::error::{EngineError, Result};

/// A stripped option: where the column's name starts (line, column) and
/// whether it said NOT DISTINCT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    at: (u64, u64),
    not_distinct: bool,
}

/// Whether `sql` may hold the option (the cheap test).
pub fn may_contain(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    lower.contains("unique") && lower.contains("nulls")
}

/// The text with every column-level `NULLS [NOT] DISTINCT` blanked out,
/// and the marks; `None` when there is none.
pub fn strip(sql: &str) -> Option<(String, Vec<Mark>)> {
    let toks = super::tokens_with_ranges(sql)?;
    let sig = super::significant(toks.iter().map(|t| &t.0));
    let at = |k: usize, w: &str| sig.get(k).is_some_and(|&i| word(&toks[i].0, w));
    let paren = |k: usize| sig.get(k).is_some_and(|&i| toks[i].0 == Token::LParen);
    let mut blanks = Vec::new();
    let mut marks = Vec::new();
    for k in 0..sig.len() {
        if !(at(k, "unique") && at(k + 1, "nulls")) {
            continue;
        }
        let (not_distinct, end) = if at(k + 2, "not") && at(k + 3, "distinct") {
            (true, k + 3)
        } else if at(k + 2, "distinct") {
            (false, k + 2)
        } else {
            continue;
        };
        if paren(end + 1) {
            // A table constraint's column list follows: sqlparser's.
            continue;
        }
        // The column's name: the first token after the `(` or `,` that
        // opens its definition.
        let mut depth = 0usize;
        let mut r = k;
        let name = loop {
            if r == 0 {
                break None;
            }
            r -= 1;
            match &toks[sig[r]].0 {
                Token::RParen => depth += 1,
                Token::LParen if depth == 0 => break sig.get(r + 1).copied(),
                Token::LParen => depth -= 1,
                Token::Comma if depth == 0 => break sig.get(r + 1).copied(),
                Token::SemiColon => break None,
                _ => {}
            }
        };
        let Some(name) = name else {
            continue;
        };
        // ALTER TABLE ... ADD [COLUMN] name: the name after ADD/COLUMN.
        let mut name = name;
        let mut n = sig.iter().position(|&i| i == name).unwrap_or(0);
        while word(&toks[name].0, "add") || word(&toks[name].0, "column") {
            n += 1;
            match sig.get(n) {
                Some(&i) => name = i,
                None => break,
            }
        }
        marks.push(Mark {
            at: location(sql, toks[name].1.start),
            not_distinct,
        });
        blanks.push(toks[sig[k + 1]].1.start..toks[sig[end]].1.end);
    }
    if marks.is_empty() {
        return None;
    }
    Some((super::blank_out(sql, &blanks), marks))
}

/// Sets each mark's option on the UNIQUE of the column of `statements`
/// whose name starts where the mark says.
pub fn mark<'a>(
    statements: impl IntoIterator<Item = &'a mut Statement>,
    marks: &[Mark],
) -> Result<()> {
    let mut used = vec![false; marks.len()];
    let mut put = |c: &mut ColumnDef| {
        let start = (c.name.span.start.line, c.name.span.start.column);
        let Some(k) = marks.iter().position(|m| m.at == start) else {
            return;
        };
        for o in &mut c.options {
            if let ColumnOption::Unique(u) = &mut o.option {
                u.nulls_distinct = if marks[k].not_distinct {
                    NullsDistinctOption::NotDistinct
                } else {
                    NullsDistinctOption::Distinct
                };
                used[k] = true;
            }
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
    if used.iter().all(|u| *u) {
        Ok(())
    } else {
        Err(EngineError::unsupported(
            "UNIQUE NULLS [NOT] DISTINCT on a column in this statement",
        ))
    }
}
