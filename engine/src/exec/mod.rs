//! Execution of planned statements over a storage transaction.
//!
//! Rows stream from a storage cursor ([`scan`]) through the plan tree
//! ([`run`]) into a sink; only sorts, aggregates, DISTINCT, set operations
//! and join inner sides hold rows. Writes ([`dml`]) lock rows and
//! re-check them on their newest version; DDL ([`ddl`]) edits the catalog
//! in the same transaction.

pub mod agg_inputs;
pub mod aggregate;
pub mod alter;
pub mod analyze;
pub mod analyze_stats;
pub mod checks;
pub mod comment;
pub mod composite_attrs;
pub mod composite_ddl;
pub mod config;
pub mod cte;
pub mod cte_dml;
pub mod ctx;
pub mod database_copy;
pub mod database_ddl;
pub mod ddl;
pub mod deferred_fks;
pub mod deferred_unique;
pub mod dependents;
pub mod dml;
pub mod dml_join;
pub mod domain_check;
pub mod domain_ddl;
pub mod eval;
pub mod foreign_key_ddl;
pub mod foreign_keys;
pub mod gather_stage;
pub mod generated;
pub mod group_key;
pub mod grouping_sets;
pub mod hash_agg;
pub mod hash_distinct;
pub mod hash_join;
pub mod hash_join_spill;
pub mod hash_setop;
pub mod hashed_in;
pub mod index;
pub mod index_ddl;
pub mod instrument;
pub mod join_emit;
pub(crate) mod key_bounds;
pub mod lock_table;
pub mod merge;
pub mod merge_join;
pub mod ordered_set;
pub mod owner;
pub mod parallel_probe;
pub mod parallel_scan;
pub mod primary_key_ddl;
pub mod resume;
pub mod row;
pub mod row_locks;
pub mod row_type_deps;
pub mod run;
pub mod sample;
pub mod scan;
pub mod schema_ddl;
pub mod scratch;
pub mod sequence;
pub mod sequence_ddl;
pub mod series;
pub mod sort;
pub mod spill;
pub mod subquery;
pub mod temp_views;
pub mod ties;
pub mod top_n;
pub mod type_ddl;
pub mod type_deps;
pub mod typed_key;
pub mod unique_ddl;
pub mod update_from;
pub mod view_rename;
pub mod view_sequences;
pub mod views;
pub mod window;
