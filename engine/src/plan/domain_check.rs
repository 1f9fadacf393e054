//! Domain coercion: checking a value against a domain's NOT NULL and
//! CHECK constraints (PostgreSQL's `CoerceToDomain`).
//!
//! A domain's checks are SQL text over `VALUE` (see
//! [`crate::types::domain`]); [`DomainCoercion::new`] binds them over a
//! one-column row holding the value, once per statement plan. A cast to a
//! domain becomes [`Expr::Domain`] around the cast to its base type; a
//! write to a column declared with a domain runs the same check (see
//! [`crate::exec::checks`]). The check itself runs in the executor
//! ([`crate::exec::domain_check`]).

use sqlparser::ast::Expr as AstExpr;

use crate::error::Result;
use crate::plan::bind::{Binder, Scope, ScopeColumn};
use crate::plan::check::{bind_check_in, no_subquery};
use crate::plan::expr::Expr;
use crate::types::domain::DomainDef;
use crate::types::SqlType;

/// A domain with its checks bound.
#[derive(Debug, Clone)]
pub struct DomainCoercion {
    /// The domain (the one errors name, as PostgreSQL names the result
    /// type even for an ancestor's constraint).
    pub def: &'static DomainDef,
    /// Whether the value is an array of the domain: each element is
    /// checked.
    pub array: bool,
    /// The constraints of each level, outermost ancestor first (as
    /// PostgreSQL's `load_domaintype_info` orders them): NOT NULL, then
    /// each check's name and expression over the row `[VALUE]`.
    pub levels: Vec<(bool, Vec<(String, Expr)>)>,
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
    /// Binds the checks of `def` and of the domains it derives from.
    pub fn new(def: &'static DomainDef) -> Result<DomainCoercion> {
        let mut levels = Vec::new();
        for d in def.lineage() {
            let mut checks = Vec::with_capacity(d.checks.len());
            for c in &d.checks {
                let ast = crate::sql::parse_expr(&c.expr)?;
                checks.push((c.name.clone(), bind_domain_check(d.base, &ast)?));
            }
            // PostgreSQL applies a domain's checks in name order.
            checks.sort_by(|a, b| a.0.cmp(&b.0));
            levels.push((d.not_null, checks));
        }
        Ok(DomainCoercion {
            def,
            array: false,
            levels,
        })
    }

    /// The coercion to a value of type `ty`: the domain itself, or an
    /// array of it (each element checked) when `ty` is the array of the
    /// domain's base type.
    pub fn for_type(def: &'static DomainDef, ty: SqlType) -> Result<DomainCoercion> {
        let mut c = DomainCoercion::new(def)?;
        c.array = ty != def.base && def.base.array_of() == Some(ty);
        Ok(c)
    }

    /// The name `pg_typeof` shows for the coerced value.
    pub fn type_name(&self) -> String {
        if self.array {
            format!("{}[]", self.def.name)
        } else {
            self.def.name.clone()
        }
    }
}
