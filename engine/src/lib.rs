//! Rocksgres SQL engine and embedding API.
//!
//! Work in progress (issue 3): SQL is parsed with `sqlparser`, bound against
//! a catalog stored in the transactional store, planned and executed over
//! the [`rocksgres_storage::Store`] trait.

#![warn(missing_docs)]

pub mod error;
pub mod types;

pub use error::{EngineError, Result, SqlState};
pub use rocksgres_storage as storage;
