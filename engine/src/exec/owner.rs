//! `ALTER { TABLE | VIEW | INDEX | SEQUENCE } ... OWNER TO role`.
//!
//! Every relation is owned by the session's user (the one login role the
//! engine knows), so giving a relation to that user (by name or as
//! `CURRENT_USER`, `CURRENT_ROLE` or `SESSION_USER`) changes nothing, as
//! in PostgreSQL; a role that does not exist fails with 42704 as there. The
//! one other role in `pg_roles`, `pg_database_owner`, cannot own a relation
//! here yet (0A000).

use sqlparser::ast;

use crate::error::{EngineError, Result, SqlState};
use crate::sql::identifiers::ident_name;

/// The role an `OWNER TO` names: `Ok(None)` for the session's user under
/// one of its keyword spellings.
pub fn role_name(owner: &ast::Owner) -> Option<String> {
    match owner {
        ast::Owner::Ident(id) => Some(ident_name(id)),
        ast::Owner::CurrentRole | ast::Owner::CurrentUser | ast::Owner::SessionUser => None,
    }
}

/// Checks `OWNER TO role` (`None`: the current user) for the session's
/// `user`.
pub fn check_new_owner(role: Option<&str>, user: &str) -> Result<()> {
    match role {
        None => Ok(()),
        Some(r) if r == user => Ok(()),
        Some("pg_database_owner") => Err(EngineError::unsupported(
            "giving a relation to a role other than the session's user",
        )),
        Some(r) => Err(EngineError::new(
            SqlState::UndefinedObject,
            format!("role \"{r}\" does not exist"),
        )),
    }
}
