//! Running a domain's constraints against a value (PostgreSQL's
//! `CoerceToDomain` at run time): NOT NULL, then each CHECK bound by
//! [`DomainCoercion::new`] over the row `[VALUE]`. A check fails only when
//! it is false: NULL passes, as in SQL.

use rocksgres_storage::Transaction;

use crate::error::Result;
use crate::exec::ctx::Ctx;
use crate::plan::domain_check::DomainCoercion;
use crate::types::Value;

impl DomainCoercion {
    /// Fails with 23502 or 23514 when `v` (of the base type, or an array
    /// of it) is no value of the domain.
    pub fn check<T: Transaction>(&self, v: &Value, ctx: &mut Ctx<'_, T>) -> Result<()> {
        if self.array {
            if let Value::Text(text) = v {
                for e in crate::types::array::elements(text, &self.def.base)? {
                    self.check_one(&e, ctx)?;
                }
            }
            return Ok(());
        }
        self.check_one(v, ctx)
    }

    fn check_one<T: Transaction>(&self, v: &Value, ctx: &mut Ctx<'_, T>) -> Result<()> {
        for (not_null, checks) in &self.levels {
            if *not_null && v.is_null() {
                return Err(self.def.null_violation());
            }
            let row = std::slice::from_ref(v);
            for (name, e) in checks {
                if e.eval(row, ctx)? == Value::Bool(false) {
                    return Err(self.def.check_violation(name));
                }
            }
        }
        Ok(())
    }
}
