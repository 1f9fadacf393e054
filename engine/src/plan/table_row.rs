//! The row type of a table: as in PostgreSQL, every table `t` is also a
//! composite type `t` whose attributes are its (live) columns, so
//! `NULL::t`, `ROW(1, 'x')::t`, `'(1,x)'::t` and
//! `json_populate_record(NULL::t, ...)` work, and a whole-row reference
//! `t` (in `SELECT t FROM t`, or `x` in `SELECT x FROM t x`) is of type `t`.
//!
//! Rocksgres stores no type descriptor for a table's row type: the type
//! is built from the table's descriptor when a name fails to resolve as
//! a type, its OID the table's own (`pg_class.oid`; type and relation
//! OIDs come from one counter, so no type has it) and its array type's
//! OID derived from that ([`crate::catalog::row_type::row_array_oid`]), so `p[]`, `array_agg(p)`
//! and columns of type `p` or `p[]` work (the column keeps a copy of the
//! definition, as for `CREATE TYPE` composites; see
//! [`crate::exec::row_type_deps`] for what may change under it). A
//! view's row type is built the same way from its planned query. A
//! sequence has no row type in PostgreSQL 15: its whole-row reference is
//! 42809.

use sqlparser::ast;

use super::bind::{Binder, Scope};
use super::expr::Expr;
use crate::catalog::row_type::{row_array_oid, table_row_def};
use crate::catalog::Relation;
use crate::error::{EngineError, Result, SqlState};
use crate::types::composite::{intern, CompositeAttr, CompositeDef};
use crate::types::SqlType;

impl Binder<'_> {
    /// The row type of the table `name` names, for a type name that is no
    /// type; `None` when it names no table.
    pub(crate) fn table_row_type(&mut self, name: &ast::ObjectName) -> Option<SqlType> {
        match self.lookup_relation(name) {
            Ok(Relation::Table(t)) => Some(SqlType::Composite(table_row_def(&t))),
            Ok(Relation::View(v)) => self.view_row_def(&v).ok().map(SqlType::Composite),
            _ => None,
        }
    }

    /// The composite type of view `v`'s rows: its output columns, as
    /// its query plans them.
    pub(crate) fn view_row_def(
        &mut self,
        v: &crate::catalog::ViewDesc,
    ) -> Result<&'static CompositeDef> {
        let (node, _) = self.plan_view(v, None)?;
        let attrs = node
            .columns()
            .into_iter()
            .zip(v.columns.iter().map(Some).chain(std::iter::repeat(None)))
            .map(|(c, name)| CompositeAttr {
                name: name.cloned().unwrap_or(c.name),
                ty: c.ty,
            })
            .collect();
        Ok(intern(&CompositeDef {
            oid: v.oid,
            array_oid: row_array_oid(v.oid),
            relid: v.oid,
            schema: v.schema.clone(),
            name: v.name.clone(),
            attrs,
        }))
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
        // An alias stands for its table or view (`SELECT x FROM t x` is of
        // type `t`); the latest one given that alias is the innermost.
        let aliased = self
            .aliased_tables
            .iter()
            .rev()
            .find(|(a, _)| a == name)
            .map(|(_, t)| t.clone());
        let relation = match aliased {
            Some(r) => Ok(r),
            None => self.lookup_relation(&rel),
        };
        let def = match relation {
            Ok(Relation::Table(t)) => table_row_def(&t),
            Ok(Relation::View(v)) => match self.view_row_def(&v) {
                Ok(def) => def,
                Err(_) => return Ok(Some(row)),
            },
            Ok(Relation::Sequence(_)) => {
                return Err(EngineError::new(
                    SqlState::WrongObjectType,
                    format!("relation \"{name}\" does not have a composite type"),
                ))
            }
            _ => return Ok(Some(row)),
        };
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
}
