//! Multi-version concurrency control over any [`crate::backend::Backend`].
//!
//! See design.md "Transactions and isolation". The pieces:
//! [`key`] (version key layout), [`oracle`] (timestamps and the visible
//! watermark), [`locks`] (row locks, deadlock detection), [`row_lock`]
//! (the four row lock strengths), [`gc`] (which
//! versions are garbage), [`cursor`] (reusable merged scans), [`txn`]
//! (transactions), `write_buffer` (a transaction's buffered writes, in a
//! recycled arena) and [`store`] (the [`crate::api::Store`]
//! implementation).

pub mod cursor;
pub mod gc;
pub mod key;
pub mod locks;
pub mod oracle;
pub mod row_lock;
pub mod store;
pub mod txn;
mod view;
mod write_buffer;
