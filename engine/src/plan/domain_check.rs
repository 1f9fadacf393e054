//! Domain coercion: checking a value against a domain's NOT NULL and
//! CHECK constraints (PostgreSQL's `CoerceToDomain`).
//!
//! A domain's checks are SQL text over `VALUE` (see
//! [`crate::types::domain`]); [`DomainCoercion::new`] binds them over a
//! one-column row holding the value, once per statement plan. A cast to a
//! domain becomes [`Expr::Domain`] around the cast to its base type; a
//! write to a column declared with a domain runs the same check (see
//! [`crate::exec::checks`]). A check fails only when it is false: NULL
//! passes, as in SQL.

use rocksgres_storage::Transaction;
use sqlparser::ast::Expr as AstExpr;

use crate::catalog::constraint::{bind_check_in, no_subquery};
use crate::error::Result;
use crate::exec::ctx::Ctx;
use crate::plan::bind::{Binder, Scope, ScopeColumn};
use crate::plan::expr::Expr;
use crate::types::domain::DomainDef;
use crate::types::{SqlType, Value};

/// A domain with its checks bound.
#[derive(Debug, Clone)]
pub struct DomainCoercion {
    /// The domain.
    pub def: &'static DomainDef,
    /// Each check's name and expression over the row `[VALUE]`.
    pub checks: Vec<(String, Expr)>,
}

/// The scope of a domain check: the one column `VALUE`.
fn value_scope(base: SqlType) -> Scope {
    Scope {
        columns: vec![ScopeColumn {
            table: None,
            name: "value".into(),
            ty: base,
            hidden: false,
        }],
    }
}

/// Binds a domain check over `VALUE` of type `base` (what CREATE DOMAIN
/// and ALTER DOMAIN ADD CONSTRAINT check, with the table check's rules).
pub fn bind_domain_check(base: SqlType, expr: &AstExpr) -> Result<Expr> {
    let mut lookup = |_: &sqlparser::ast::ObjectName,
                      _: bool|
     -> Result<crate::catalog::Relation> { Err(no_subquery()) };
    let mut binder = Binder::new(Vec::new(), &mut lookup);
    bind_check_in(&value_scope(base), expr, &mut binder)
}

impl DomainCoercion {
    /// Binds the checks of `def`.
    pub fn new(def: &'static DomainDef) -> Result<DomainCoercion> {
        let mut checks = Vec::with_capacity(def.checks.len());
        for c in &def.checks {
            let ast = crate::sql::parse_expr(&c.expr)?;
            checks.push((c.name.clone(), bind_domain_check(def.base, &ast)?));
        }
        // PostgreSQL applies a domain's checks in name order.
        checks.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(DomainCoercion { def, checks })
    }

    /// Fails with 23502 or 23514 when `v` (of the base type) is no value
    /// of the domain.
    pub fn check<T: Transaction>(&self, v: &Value, ctx: &mut Ctx<'_, T>) -> Result<()> {
        if self.def.not_null && v.is_null() {
            return Err(self.def.null_violation());
        }
        if self.checks.is_empty() {
            return Ok(());
        }
        let row = std::slice::from_ref(v);
        for (name, e) in &self.checks {
            if e.eval(row, ctx)? == Value::Bool(false) {
                return Err(self.def.check_violation(name));
            }
        }
        Ok(())
    }
}
