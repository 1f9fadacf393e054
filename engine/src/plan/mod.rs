//! Planning: from a parsed statement to a plan tree the executor runs.
//!
//! PostgreSQL plans in stages: parse analysis binds names and types, the
//! rewriter expands views and rules, the planner optimises and picks the
//! physical plan. Rocksgres keeps the same stages, each in its own
//! modules, so a newcomer can find where a decision is made:
//!
//! 1. **Binding (names, types).** [`bind`] resolves names against the
//!    catalog and the scopes of a query and types every expression
//!    ([`expr`]): implicit casts, unknown literals, operator and function
//!    resolution. Stored SQL text is bound by the same binder: CHECK
//!    constraints ([`check`]), domains ([`domain_check`]), index keys and
//!    predicates ([`bound_index`]), a table's or view's row type
//!    ([`table_row`]).
//! 2. **Logical planning.** [`query`] builds the plan of a query in SQL's
//!    evaluation order (FROM, WHERE, GROUP BY, HAVING, windows, select
//!    list, DISTINCT, ORDER BY, LIMIT), one file per clause, with CTEs
//!    ([`cte`], [`search_cycle`]), windows ([`window`]), grouping sets
//!    ([`grouping_sets`]), ordered-set aggregates ([`ordered_set`]), row
//!    locking ([`locking`]), and the DML statements' planning ([`merge`],
//!    [`cte_dml`], [`dml_from`]). Binding and logical planning are still
//!    one walk: a name is resolved when the node that reads it is built.
//! 3. **Rewrite and optimisation.** [`optimize`]: access paths, row
//!    estimates from `ANALYZE` statistics, cost-based join order, column
//!    pruning, sort elimination; [`join_plan`] pushes predicates down and
//!    picks each join's algorithm (hash, merge, index nested loop, nested
//!    loop).
//! 4. **Physical plan.** [`node`]: the plan tree the executor runs
//!    ([`crate::exec`], one operator per file), with the algorithm and
//!    access path of every node decided. [`explain`] and its helpers print
//!    it as PostgreSQL's EXPLAIN does.
//!
//! The planner builds and inspects plans and expressions and never runs
//! them: evaluation is the executor's ([`crate::exec::eval`]).

pub mod bind;
pub mod bound_index;
pub mod check;
pub mod cte;
pub mod cte_dml;
pub mod dml_from;
pub mod domain_check;
pub mod explain;
pub mod explain_cte;
pub mod explain_expr;
pub mod explain_format;
pub mod explain_options;
pub mod expr;
pub mod expr_walk;
pub mod grouping_sets;
pub mod join_plan;
pub mod json_populate;
pub mod locking;
pub mod merge;
pub mod node;
pub mod optimize;
pub mod ordered_set;
pub mod query;
pub mod row_expr;
pub mod row_sublink;
pub mod search_cycle;
pub mod table_row;
pub mod tablesample;
pub mod ties;
pub mod unnest_rows;
pub mod window;
