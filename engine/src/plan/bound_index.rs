//! Binding a secondary index's definition for a statement: its key
//! expressions (`lower(email)`) and a partial index's predicate, stored as
//! SQL text in the catalog ([`IndexDesc`]), bound over the table's row
//! once per statement plan. The executor maintains entries from the bound
//! form ([`crate::exec::index`]); the planner reads predicates to choose
//! access paths ([`crate::plan::optimize::access`]), and `pg_catalog` prints them.

use crate::catalog::{IndexDesc, TableDesc};
use crate::error::Result;
use crate::plan::bind::{Binder, Scope};
use crate::plan::expr::Expr;
use crate::plan::query::table_scope;
use crate::types::CastKind;

/// A secondary index with its key expressions bound over the table's row.
#[derive(Debug, Clone)]
pub struct BoundIndex {
    /// The index.
    pub desc: IndexDesc,
    /// One expression per key column.
    pub keys: Vec<Expr>,
    /// A partial index's predicate.
    pub predicate: Option<Expr>,
}

/// Binds a partial index's predicate text over `table`'s rows as a
/// boolean condition.
pub fn bind_predicate(table: &TableDesc, text: &str, binder: &mut Binder<'_>) -> Result<Expr> {
    let scope: Scope = table_scope(table, &table.name);
    let e = crate::sql::parse_expr(text)?;
    let b = binder.bind(&e, &scope)?;
    binder.coerce(b, crate::types::SqlType::Bool, CastKind::Assignment)
}

/// Binds the key expressions of `ix` over `table`'s rows.
pub fn bind_index(
    table: &TableDesc,
    ix: &IndexDesc,
    binder: &mut Binder<'_>,
) -> Result<BoundIndex> {
    let scope: Scope = table_scope(table, &table.name);
    let mut keys = Vec::new();
    for ic in &ix.columns {
        keys.push(match &ic.expr {
            None => Expr::Column(ic.column, table.columns[ic.column].ty),
            Some(text) => {
                let e = crate::sql::parse_expr(text)?;
                let b = binder.bind(&e, &scope)?;
                let ty = b_ty(&b);
                binder.coerce(b, ty, CastKind::Implicit)?
            }
        });
    }
    let predicate = match &ix.predicate {
        Some(text) => Some(bind_predicate(table, text, binder)?),
        None => None,
    };
    Ok(BoundIndex {
        desc: ix.clone(),
        keys,
        predicate,
    })
}

fn b_ty(e: &Expr) -> crate::types::SqlType {
    let t = e.ty();
    if t == crate::types::SqlType::Unknown {
        crate::types::SqlType::Text
    } else {
        t
    }
}

/// Binds every secondary index of `table`.
pub fn bind_indexes(table: &TableDesc, binder: &mut Binder<'_>) -> Result<Vec<BoundIndex>> {
    table.indexes[1..]
        .iter()
        .map(|ix| bind_index(table, ix, binder))
        .collect()
}
