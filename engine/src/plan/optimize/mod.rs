//! Rewrite and optimisation: the choices that make a correct plan a fast
//! one, from the query's own shape and from `ANALYZE` statistics.
//!
//! The binder builds a plan that computes the right answer in the order
//! the query is written; the modules here change *how*, never *what*.
//! Each is a small pass with one question:
//!
//! * [`access`]: how a table is read. From a scan's filter it picks a
//!   primary-key point lookup, a key range over an index (keyset
//!   pagination included), a range over the first key column, or the full
//!   scan; a secondary index only when the table was never analyzed or
//!   its statistics say the index selects under a twentieth of the rows; a
//!   partial index only when the filter implies its predicate.
//!   The filter stays on the scan, so an access path only narrows what is
//!   read.
//! * [`estimate`]: how many rows. Row counts and selectivities from the
//!   statistics the catalog keeps ([`crate::catalog::statistic`]), as
//!   PostgreSQL's `var_eq_const`, `eqjoinsel` and default selectivities
//!   compute them.
//! * [`join_order`]: in which order a run of inner joins is done, by
//!   cost over those estimates (dynamic programming up to a limit, greedy
//!   beyond); runs without statistics keep the written order.
//! * [`prune`]: which columns each scan decodes, found by walking the
//!   finished plan from the root down.
//! * [`index_order`]: a sort the primary index already gives is replaced
//!   by reading the index in that order.
//! * [`index_only`]: an index scan whose index entries hold every column
//!   the query reads decodes them from the entries, never reading the row
//!   (run with [`prune`], once the columns read are known).
//!
//! Predicate push-down and the choice of join algorithm (hash, merge,
//! index nested loop, nested loop) are in [`crate::plan::join_plan`],
//! which the binder calls as it builds each join.
//!
//! # Where the passes run
//!
//! Binding and planning are one walk today: the binder calls
//! [`access::choose_access`] when it makes a scan, [`join_order`] (through
//! `join_plan`) when a run of joins is complete, and [`prune::prune_query`]
//! once the whole query is planned. The passes take plan nodes and
//! expressions ([`crate::plan::node`], [`crate::plan::expr`]) and never
//! the binder's scopes, so they can move to a separate rewrite stage
//! between a logical and a physical plan without changing.

pub mod access;
pub mod estimate;
pub mod index_only;
pub mod index_order;
pub mod join_order;
pub mod prune;
