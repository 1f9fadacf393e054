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
use crate::sql::database::DatabaseStmt;

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
            DatabaseStmt::AlterOther { what } => Err(EngineError::unsupported(what)),
        }
    }
}
