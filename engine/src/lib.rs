//! Rocksgres SQL engine and embedding API.
//!
//! SQL text is parsed with `sqlparser` ([`sql`]), bound and planned against
//! the catalog ([`plan`], [`catalog`]), and executed over the transactional
//! store ([`exec`]) through the [`rocksgres_storage::Store`] trait only: the
//! engine never sees RocksDB. [`Database`] and [`Session`] are the
//! embedding API; see [`database`] for an example. [`syscat`] shows the
//! catalog as PostgreSQL's `pg_catalog` and `information_schema`.
//!
//! # Layers
//!
//! The modules form layers, and a module imports only the layers below
//! it, so each can be read (and tested) without the ones above.
//! `tests/layers.rs` checks this on every build and names the few upward
//! imports still left, with why. Lowest first:
//!
//! 1. [`error`]: `EngineError` and SQLSTATEs; [`interrupt`]: a statement's
//!    cancel flag and deadline, checked in every long loop.
//! 2. [`keys`]: the key layout; [`change_count`]: the rows a transaction
//!    changed per table, for autoanalyze; [`db_txn`]: the storage
//!    transaction a database's statements run in.
//! 3. [`sql`]: parsing (`sqlparser` plus what it lacks) and the identifier
//!    rules every layer shares ([`sql::identifiers`]).
//! 4. [`types`]: values, SQL types, casts, operators, built-in functions.
//! 5. [`settings`]: session settings (GUCs) and their defaults.
//! 6. [`catalog`]: descriptors kept in the catalog keyspace, name
//!    resolution, the system relations' definitions
//!    ([`catalog::system`]) and a table's row type.
//! 7. [`plan`]: binding names and types, planning, rewriting and choosing
//!    access paths and join orders; it builds plan trees and never runs
//!    them.
//! 8. [`syscat`]: the rows of `pg_catalog` and `information_schema`, and
//!    deparsing (`pg_get_viewdef`, `pg_get_expr`), which bind stored text
//!    with the planner.
//! 9. [`result`]: result sets as the embedding API returns them.
//! 10. [`exec`]: operators, expression evaluation, DML and DDL execution;
//!     [`autoanalyze`]: ANALYZE of changed tables in the background;
//!     [`result_sink`]: where a statement's rows go.
//! 11. [`database`]: the shared state of one open database;
//!     [`session`]: a connection's statements and transactions.

#![warn(missing_docs)]

pub mod autoanalyze;
pub mod catalog;
pub mod change_count;
pub mod database;
pub mod db_txn;
pub mod error;
pub mod exec;
pub mod interrupt;
pub mod keys;
pub mod plan;
pub mod result;
pub mod result_sink;
pub mod session;
pub mod settings;
pub mod sql;
pub mod syscat;
pub mod types;

pub use database::Database;
pub use error::{EngineError, ErrorFields, Result, SqlState};
pub use result::{Column, CommandTag, FromValue, QueryResult, Row, Rows, RowsIter};
pub use result_sink::{Collector, ResultSink, StoreSink};
pub use rocksgres_storage as storage;
pub use session::{CancelHandle, PlanCacheStats, Prepared, Session, TxnStatus};
pub use types::{SqlType, Value};
