//! Planning: binding statements against the catalog and building plan trees.
//!
//! [`bind`] resolves names and types expressions ([`expr`]); [`query`]
//! plans queries into [`node`] trees; [`access`] picks primary-key point
//! lookups and range scans from WHERE clauses; [`explain`] renders plans.

pub mod access;
pub mod bind;
pub mod bound_index;
pub mod check;
pub mod cte;
pub mod cte_dml;
pub mod dml_from;
pub mod domain_check;
pub mod estimate;
pub mod explain;
pub mod explain_cte;
pub mod explain_expr;
pub mod explain_format;
pub mod explain_options;
pub mod expr;
pub mod expr_walk;
pub mod grouping_sets;
pub mod join_order;
pub mod join_plan;
pub mod json_populate;
pub mod locking;
pub mod merge;
pub mod node;
pub mod ordered_set;
pub mod prune;
pub mod query;
pub mod row_expr;
pub mod search_cycle;
pub mod table_row;
pub mod tablesample;
pub mod ties;
pub mod unnest_rows;
pub mod window;
