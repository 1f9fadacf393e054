//! The row type of a table: as in PostgreSQL, every table `t` is also a
//! composite type `t` whose attributes are its (live) columns, so
//! `NULL::t`, `ROW(1, 'x')::t`, `'(1,x)'::t` and
//! `json_populate_record(NULL::t, ...)` work, and a whole-row reference
//! `t` (in `SELECT t FROM t`, or `x` in `SELECT x FROM t x`) is of type `t`.
//!
//! Rocksgres keeps no `pg_type` row for a table's row type: the type is
//! built from the table's descriptor when a name fails to resolve as a
//! type, its OID the table's own (`pg_class.oid`; type and relation OIDs
//! come from one counter, so no type has it). Table columns of a table's
//! row type are not built (the type name does not resolve there). A
//! sequence has no row type in PostgreSQL 15: its whole-row reference is
//! 42809.

use sqlparser::ast;

use super::bind::{Binder, Scope};
use super::expr::Expr;
use crate::catalog::{Relation, TableDesc};
use crate::error::{EngineError, Result, SqlState};
use crate::types::composite::{intern, CompositeAttr, CompositeDef};
use crate::types::SqlType;

/// The composite type of table `t`'s rows.
pub fn table_row_def(t: &TableDesc) -> &'static CompositeDef {
    intern(&CompositeDef {
        oid: t.id,
        array_oid: 0,
        relid: t.id,
        schema: t.schema.clone(),
        name: t.name.clone(),
        attrs: t
            .visible_columns()
            .map(|(_, c)| CompositeAttr {
                name: c.name.clone(),
                ty: c.ty,
            })
            .collect(),
    })
}

impl Binder<'_> {
    /// The row type of the table `name` names, for a type name that is no
    /// type; `None` when it names no table.
    pub(crate) fn table_row_type(&mut self, name: &ast::ObjectName) -> Option<SqlType> {
        match self.lookup_relation(name) {
            Ok(Relation::Table(t)) => Some(SqlType::Composite(table_row_def(&t))),
            _ => None,
        }
    }

    /// A whole-row reference to a table (alias) `name` of an enclosing
    /// scope (a correlated subquery, a function in FROM after the table):
    /// a record of its columns, as outer references.
    fn outer_whole_row(&mut self, name: &str) -> Option<Expr> {
        for depth in 1..=self.outer.len() {
            let s = &self.outer[self.outer.len() - depth];
            if !s.columns.iter().any(|c| c.table.as_deref() == Some(name)) {
                continue;
            }
            let fields: Vec<Expr> = s
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    c.table.as_deref() == Some(name) && !c.hidden && !c.name.starts_with('\0')
                })
                .map(|(i, c)| Expr::Outer(depth, i, c.ty))
                .collect();
            let n = self.correlated.len();
            for c in &mut self.correlated[n.saturating_sub(depth)..] {
                *c = true;
            }
            return Some(super::row_expr::record_of(fields));
        }
        None
    }

    /// A whole-row reference `name` (see [`Binder::whole_row`]): of the
    /// row type of the table `name` when it names one whose columns the
    /// scope's `name` columns are; 42809 for a sequence.
    pub(crate) fn whole_row_ref(&mut self, name: &str, scope: &Scope) -> Result<Option<Expr>> {
        let Some(row) = self
            .whole_row(name, scope)
            .or_else(|| self.outer_whole_row(name))
        else {
            return Ok(None);
        };
        let rel = ast::ObjectName(vec![ast::ObjectNamePart::Identifier(
            ast::Ident::with_quote('"', name),
        )]);
        // An alias stands for its table (`SELECT x FROM t x` is of type
        // `t`); the latest table given that alias is the innermost.
        let aliased = self
            .aliased_tables
            .iter()
            .rev()
            .find(|(a, _)| a == name)
            .map(|(_, t)| Relation::Table(t.clone()));
        let relation = match aliased {
            Some(r) => Ok(r),
            None => self.lookup_relation(&rel),
        };
        match relation {
            Ok(Relation::Table(t)) => {
                let def = table_row_def(&t);
                let Expr::Function(_, fields) = &row else {
                    return Ok(Some(row));
                };
                let same = fields.len() == def.attrs.len()
                    && fields.iter().zip(&def.attrs).all(|(f, a)| f.ty() == a.ty);
                if same {
                    return Ok(Some(super::row_expr::composite_of(def, fields.clone())));
                }
                Ok(Some(row))
            }
            Ok(Relation::Sequence(_)) => Err(EngineError::new(
                SqlState::WrongObjectType,
                format!("relation \"{name}\" does not have a composite type"),
            )),
            _ => Ok(Some(row)),
        }
    }
}
