//! Rocksgres SQL engine and embedding API.
//!
//! Not built yet (issue 3): it will parse SQL with `sqlparser`, bind against a
//! catalog stored in the transactional store, plan and execute over the
//! [`rocksgres_storage::Store`] trait, and expose `Database` / `Session` for
//! Rust services.

pub use rocksgres_storage as storage;
