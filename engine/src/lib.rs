//! Rocksgres SQL engine and embedding API.
//!
//! SQL text is parsed with `sqlparser` ([`sql`]), bound and planned against
//! the catalog ([`plan`], [`catalog`]), and executed over the transactional
//! store ([`exec`]) through the [`rocksgres_storage::Store`] trait only: the
//! engine never sees RocksDB. [`Database`] and [`Session`] are the
//! embedding API; see [`database`] for an example. [`syscat`] shows the
//! catalog as PostgreSQL's `pg_catalog` and `information_schema`.

#![warn(missing_docs)]

pub mod autoanalyze;
pub mod catalog;
pub mod change_count;
pub mod database;
pub mod db_txn;
pub mod error;
pub mod exec;
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
