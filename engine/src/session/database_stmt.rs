//! Running CREATE, DROP and ALTER DATABASE in a session: CREATE and DROP
//! cannot run in a transaction block (25001, as PostgreSQL's
//! `PreventInTransactionBlock`) and commit on their own; ALTER runs in the
//! session's transaction like other DDL. What they do is
//! [`crate::exec::database_ddl`]'s.

use rocksgres_storage::Store;

use super::{in_failed_block, Session, TxnStatus};
use crate::error::{EngineError, Result, SqlState};
use crate::exec::database_ddl::{self, Caller};
use crate::result::QueryResult;
use crate::sql::database::{ConfigAction, DatabaseStmt};

impl<S: Store> Session<S> {
    /// Runs a statement on databases.
    pub(super) fn run_database_statement(&mut self, stmt: &DatabaseStmt) -> Result<QueryResult> {
        let user = self.user_name.clone();
        let caller = Caller {
            database: self.db_id,
            session: self.ticket.id,
            user: &user,
        };
        match stmt {
            DatabaseStmt::Create { .. } | DatabaseStmt::Drop { .. } => {
                match self.status {
                    TxnStatus::Failed => return Err(in_failed_block()),
                    TxnStatus::InBlock => {
                        return Err(EngineError::new(
                            SqlState::ActiveSqlTransaction,
                            format!("{} cannot run inside a transaction block", stmt.command()),
                        ))
                    }
                    TxnStatus::Idle => {}
                }
                match stmt {
                    DatabaseStmt::Create { name, options } => {
                        database_ddl::create(&self.db, &caller, name, options)
                    }
                    DatabaseStmt::Drop {
                        name,
                        if_exists,
                        force,
                    } => database_ddl::drop(&self.db, &caller, name, *if_exists, *force),
                    _ => unreachable!("matched above"),
                }
            }
            DatabaseStmt::Rename { name, to } => {
                self.in_transaction(|txn, db| database_ddl::rename(db, txn, &caller, name, to))
            }
            DatabaseStmt::Alter { name, options } => {
                self.in_transaction(|txn, _| database_ddl::alter(txn, name, options))
            }
            DatabaseStmt::Owner { name, role } => {
                self.in_transaction(|txn, _| database_ddl::owner(txn, &caller, name, role))
            }
            DatabaseStmt::Config { name, action } => {
                let change = config_change(action)?;
                self.in_transaction(|txn, _| database_ddl::set_config(txn, name, &change))
            }
            DatabaseStmt::AlterOther { what } => Err(EngineError::unsupported(what)),
        }
    }

    /// Applies the `ALTER DATABASE ... SET` settings of the session's
    /// database as the values RESET restores, as PostgreSQL does at
    /// connection start (after the server's own settings, before the
    /// client's). A stored value no longer valid is skipped, as
    /// PostgreSQL warns and goes on.
    pub fn apply_database_settings(&mut self) -> Result<()> {
        let name = self.identity.1.clone();
        if let Some(desc) = self.db.lookup_database(&name)? {
            self.apply_settings(&desc.settings);
        }
        Ok(())
    }

    /// Applies `name=value` settings as the values RESET restores.
    pub(crate) fn apply_settings(&mut self, settings: &[String]) {
        for entry in settings {
            if let Some((param, value)) = entry.split_once('=') {
                let _ = self.set_session_default(param, value);
            }
        }
    }
}

/// The change `ALTER DATABASE ... SET | RESET` makes: the parameter (`None`
/// for RESET ALL) and its new value (`None`: removed).
fn config_change(action: &ConfigAction) -> Result<database_ddl::ConfigChange> {
    use sqlparser::ast;
    match action {
        ConfigAction::Reset(param) => Ok(database_ddl::ConfigChange {
            param: param.clone(),
            value: None,
        }),
        ConfigAction::Set(text) => {
            let dialect = sqlparser::dialect::PostgreSqlDialect {};
            let parsed = sqlparser::parser::Parser::parse_sql(&dialect, text)
                .map_err(|e| EngineError::new(SqlState::SyntaxError, e.to_string()))?;
            match parsed.as_slice() {
                [ast::Statement::Set(ast::Set::SingleAssignment {
                    scope: None,
                    hivevar: false,
                    variable,
                    values,
                })] => {
                    let param = variable
                        .0
                        .iter()
                        .map(|p| match p.as_ident() {
                            Some(i) => crate::sql::identifiers::ident_name(i),
                            None => p.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(".");
                    let value = super::set_value_text(&param, values);
                    Ok(database_ddl::ConfigChange {
                        param: Some(param),
                        value,
                    })
                }
                _ => Err(EngineError::unsupported(format!(
                    "ALTER DATABASE ... {text}"
                ))),
            }
        }
    }
}
