//! `unnest` of one array of a composite type in FROM: as in PostgreSQL,
//! a function returning a composite type gives one column per attribute
//! (`SELECT * FROM unnest(ARRAY[ROW(1,'x')::pair])` has columns `a`
//! and `b`), then `ordinality` when asked for. The plan is the ordinary
//! [`Node::Unnest`] of the row values with a projection of their fields
//! on top. In a select list, `unnest(c)` stays one column of row values.

use sqlparser::ast;

use super::bind::{Binder, Scope, ScopeColumn};
use super::expr::Expr;
use super::node::{Node, OutputColumn};
use super::row_expr::field_of;
use crate::error::Result;
use crate::types::composite::CompositeDef;
use crate::types::SqlType;

impl Binder<'_> {
    /// The plan of `unnest(arg)` in FROM, `arg` an array of composite type
    /// `def`: its rows' fields as columns.
    pub(crate) fn plan_unnest_rows(
        &mut self,
        arg: Expr,
        def: &'static CompositeDef,
        qualifier: &str,
        alias: Option<&ast::TableAlias>,
        ordinality: bool,
    ) -> Result<(Node, Scope)> {
        let row = SqlType::Composite(def);
        let mut inner = vec![OutputColumn {
            name: qualifier.to_string(),
            ty: row,
        }];
        let mut scope = Scope::default();
        let mut exprs = Vec::with_capacity(def.attrs.len() + 1);
        for (i, a) in def.attrs.iter().enumerate() {
            exprs.push(field_of(def, Expr::Column(0, row), i));
            scope.columns.push(ScopeColumn {
                table: Some(qualifier.to_string()),
                name: a.name.clone(),
                ty: a.ty,
                hidden: false,
            });
        }
        if ordinality {
            inner.push(OutputColumn {
                name: "ordinality".to_string(),
                ty: SqlType::Int8,
            });
            exprs.push(Expr::Column(1, SqlType::Int8));
            scope.columns.push(ScopeColumn {
                table: Some(qualifier.to_string()),
                name: "ordinality".to_string(),
                ty: SqlType::Int8,
                hidden: false,
            });
        }
        if let Some(a) = alias {
            super::query::rename_columns(&mut scope, a)?;
        }
        let columns = scope
            .columns
            .iter()
            .map(|c| OutputColumn {
                name: c.name.clone(),
                ty: c.ty,
            })
            .collect();
        let node = Node::Project {
            input: Box::new(Node::Unnest {
                args: vec![arg],
                columns: inner,
                ordinality,
            }),
            exprs,
            columns,
        };
        Ok((node, scope))
    }
}
