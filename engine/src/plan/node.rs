//! The plan tree.
//!
//! A query plans into a tree of [`Node`]s. Every node produces rows of a
//! fixed width (its [`Node::columns`]); expressions above it refer to those
//! positions. Execution ([`crate::exec::run`]) is push-based: a node runs
//! its input with a callback and pushes its own output rows to its parent,
//! so rows stream from the storage cursor to the client, and only Sort,
//! Aggregate, Distinct, set operations and the inner side of a FULL join
//! hold rows.

use std::sync::Arc;

use crate::catalog::TableDesc;
use crate::plan::expr::Expr;
use crate::types::SqlType;

/// A result column.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputColumn {
    /// Column name as the client sees it.
    pub name: String,
    /// Type.
    pub ty: SqlType,
}

/// How the rows of a table are read.
#[derive(Debug, Clone)]
pub enum Access {
    /// Every row of the primary index.
    Full,
    /// The row whose primary key equals these values (one per key column).
    PkPoint(Vec<Expr>),
    /// Rows whose first primary-key column lies between the bounds
    /// (`(expr, inclusive)`).
    PkRange {
        /// Lower bound.
        lower: Option<(Expr, bool)>,
        /// Upper bound.
        upper: Option<(Expr, bool)>,
    },
    /// Rows found through secondary index `index` (position in the
    /// table's index list): leading key columns equal to `eq`, the next one
    /// within the bounds.
    IndexScan {
        /// Position of the index in `TableDesc::indexes`.
        index: usize,
        /// Values of the leading key columns.
        eq: Vec<Expr>,
        /// Lower bound of the next key column.
        lower: Option<(Expr, bool)>,
        /// Upper bound of the next key column.
        upper: Option<(Expr, bool)>,
    },
    /// Rows whose key in index `index` (position in `TableDesc::indexes`,
    /// 0 for the primary index) starts with the values `eq`, followed by
    /// columns whose values compare with the bounds as a row comparison
    /// does: `(a, b) > ($1, $2)` for keyset pagination (see
    /// [`crate::exec::key_bounds`]).
    KeyRange {
        /// Position of the index in `TableDesc::indexes`.
        index: usize,
        /// Values of the leading key columns.
        eq: Vec<Expr>,
        /// Lower bound: values of the next key columns, inclusive.
        lower: Option<(Vec<Expr>, bool)>,
        /// Upper bound: values of the next key columns, inclusive.
        upper: Option<(Vec<Expr>, bool)>,
    },
}

/// A table read: all physical columns of each selected row.
#[derive(Debug, Clone)]
pub struct ScanPlan {
    /// The table.
    pub table: Arc<TableDesc>,
    /// The access path.
    pub access: Access,
    /// Read the primary index backwards.
    pub reverse: bool,
    /// Filter over the table's row (always re-checked on every row).
    pub filter: Option<Expr>,
    /// The WHERE text, for EXPLAIN.
    pub filter_text: Option<String>,
    /// The alias the query gave the table (`FROM orders o`), for EXPLAIN.
    pub alias: Option<String>,
    /// SELECT ... FOR UPDATE/SHARE: lock each selected row so, re-read
    /// its newest version and re-check the filter on it.
    pub lock: Option<crate::plan::locking::RowLock>,
    /// The columns the plan reads (see [`crate::plan::optimize::prune`]); the others
    /// are left NULL instead of decoded. `None`: every column.
    pub needed: Option<Vec<bool>>,
    /// `TABLESAMPLE`: the scan keeps a sample of the rows.
    pub sample: Option<Arc<crate::plan::tablesample::TableSample>>,
    /// The plan relies on the rows coming in the primary index's order
    /// (an ORDER BY the scan gives, see
    /// [`crate::plan::optimize::index_order`]): never read in parallel.
    pub ordered: bool,
    /// Every column the plan reads is in the entries of the index the
    /// access path reads: the rows are decoded from the entries alone
    /// (see [`crate::plan::optimize::index_only`]).
    pub index_only: bool,
}

/// One ORDER BY key over the input row.
#[derive(Debug, Clone)]
pub struct SortKey {
    /// Expression.
    pub expr: Expr,
    /// DESC.
    pub descending: bool,
    /// NULLS FIRST.
    pub nulls_first: bool,
}

/// Join kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// INNER / CROSS.
    Inner,
    /// LEFT OUTER.
    Left,
    /// FULL OUTER.
    Full,
    /// Semi join (`EXISTS`): each left row once if some right row
    /// matches; the output is the left row alone.
    Semi,
    /// Anti join (`NOT EXISTS`): each left row no right row matches; the
    /// output is the left row alone.
    Anti,
}

/// Aggregate functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggFunc {
    /// `count(*)`.
    CountStar,
    /// `count(x)`.
    Count,
    /// `sum(x)`.
    Sum,
    /// `avg(x)`.
    Avg,
    /// `min(x)`.
    Min,
    /// `max(x)`.
    Max,
    /// `bool_and(x)`.
    BoolAnd,
    /// `bool_or(x)`.
    BoolOr,
    /// `string_agg(x, delimiter)`.
    StringAgg,
    /// `array_agg(x)`.
    ArrayAgg,
    /// `json_agg(x)`.
    JsonAgg,
    /// `jsonb_agg(x)`.
    JsonbAgg,
    /// `json_object_agg(key, value)`.
    JsonObjectAgg,
    /// `jsonb_object_agg(key, value)`.
    JsonbObjectAgg,
    /// `percentile_cont(f) WITHIN GROUP (ORDER BY x)` (float8 or interval,
    /// a fraction or an array of them).
    PercentileCont,
    /// `percentile_disc(f) WITHIN GROUP (ORDER BY x)`.
    PercentileDisc,
    /// `mode() WITHIN GROUP (ORDER BY x)`.
    Mode,
    /// Hypothetical-set `rank(args) WITHIN GROUP (ORDER BY ...)`.
    HypotheticalRank,
    /// Hypothetical-set `dense_rank`.
    HypotheticalDenseRank,
    /// Hypothetical-set `percent_rank`.
    HypotheticalPercentRank,
    /// Hypothetical-set `cume_dist`.
    HypotheticalCumeDist,
}

impl AggFunc {
    /// Whether inputs are collected with their sort keys (the
    /// order-sensitive aggregates: string_agg, array_agg and the JSON
    /// ones).
    pub fn collects(self) -> bool {
        self.is_json() || matches!(self, AggFunc::StringAgg | AggFunc::ArrayAgg)
    }

    /// Whether this is an ordered-set or hypothetical-set aggregate
    /// (`WITHIN GROUP`; see [`crate::exec::ordered_set`]).
    pub fn is_ordered_set(self) -> bool {
        matches!(
            self,
            AggFunc::PercentileCont
                | AggFunc::PercentileDisc
                | AggFunc::Mode
                | AggFunc::HypotheticalRank
                | AggFunc::HypotheticalDenseRank
                | AggFunc::HypotheticalPercentRank
                | AggFunc::HypotheticalCumeDist
        )
    }

    /// Whether this is one of the JSON aggregates (`json[b]_agg`,
    /// `json[b]_object_agg`).
    pub fn is_json(self) -> bool {
        matches!(
            self,
            AggFunc::JsonAgg | AggFunc::JsonbAgg | AggFunc::JsonObjectAgg | AggFunc::JsonbObjectAgg
        )
    }
}

/// One aggregate call.
#[derive(Debug, Clone)]
pub struct AggCall {
    /// The function.
    pub func: AggFunc,
    /// Its argument (none for `count(*)`).
    pub arg: Option<Expr>,
    /// `DISTINCT` inside the call.
    pub distinct: bool,
    /// Result type.
    pub ty: SqlType,
    /// `FILTER (WHERE ...)`.
    pub filter: Option<Expr>,
    /// Second argument (the `string_agg` delimiter).
    pub extra: Option<Expr>,
    /// `ORDER BY` inside the call (or its `WITHIN GROUP` keys): keys over
    /// the input row.
    pub order_by: Vec<SortKey>,
    /// The direct arguments of an ordered-set aggregate (the fraction of
    /// `percentile_cont`, the hypothetical row of `rank`), bound over the
    /// aggregate's output row (they may read grouped columns only).
    pub direct: Vec<Expr>,
}

/// Set operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOpKind {
    /// UNION.
    Union,
    /// INTERSECT.
    Intersect,
    /// EXCEPT.
    Except,
}

/// A plan node.
// `Scan` is the largest variant and also the most common leaf: boxing it
// would add an allocation to every scan for the sake of the rarer nodes.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Node {
    /// Literal rows (`VALUES`, or one empty row for a FROM-less SELECT).
    Values {
        /// Rows of expressions (constant, or outer references).
        rows: Vec<Vec<Expr>>,
        /// Output columns.
        columns: Vec<OutputColumn>,
    },
    /// A table read.
    Scan(ScanPlan),
    /// The rows of a system catalog relation, generated when run.
    SystemScan {
        /// The relation.
        rel: &'static crate::catalog::system::SysRel,
        /// Its columns.
        columns: Vec<OutputColumn>,
    },
    /// The one row of a sequence (`SELECT * FROM seq`): `last_value`,
    /// `log_cnt`, `is_called`, read from its state when run.
    SequenceRow {
        /// The sequence.
        seq: std::sync::Arc<crate::catalog::sequence::SequenceDesc>,
        /// Its columns.
        columns: Vec<OutputColumn>,
    },
    /// `generate_series(start, stop[, step])` over integers.
    Series {
        /// Start, stop, step.
        args: Vec<Expr>,
        /// Output column.
        column: OutputColumn,
    },
    /// A set-returning JSON function (`jsonb_array_elements`,
    /// `jsonb_each`, ...): rows from one document.
    JsonRows {
        /// The function.
        func: crate::types::json_srf::JsonSrf,
        /// The document (`json` or `jsonb`).
        arg: Expr,
        /// `jsonb_path_query`'s path (as text), then its optional `vars`
        /// (`jsonb`) and `silent` (`boolean`) arguments; empty for the
        /// other functions.
        path: Vec<Expr>,
        /// Output columns.
        columns: Vec<OutputColumn>,
    },
    /// `json[b]_to_record[set](doc) AS x(col type, ...)`: rows typed by
    /// the column definition list (see [`crate::types::json_record`]).
    JsonRecords {
        /// The function's name.
        func: &'static str,
        /// The document (`json` or `jsonb`).
        arg: Expr,
        /// `json[b]_populate_record[set]`'s `base` row (of a composite
        /// type); `None` for the `..._to_record[set]` functions.
        base: Option<Expr>,
        /// Output columns, from the column definition list (or `base`'s
        /// type).
        columns: Vec<OutputColumn>,
    },
    /// `unnest(array, ...) [WITH ORDINALITY]`: one row per element of the
    /// longest array, the shorter ones padded with `NULL`s, then the
    /// ordinality (`bigint`, from 1) when asked for.
    Unnest {
        /// The arrays.
        args: Vec<Expr>,
        /// Output columns: one per array (of its element type), then the
        /// ordinality column.
        columns: Vec<OutputColumn>,
        /// `WITH ORDINALITY`.
        ordinality: bool,
    },
    /// Several set-returning function nodes run in lockstep (`SELECT
    /// f(...), g(...)`, PostgreSQL's ProjectSet): row `i` holds each
    /// function's `i`th row, `NULL`s for a function that has run out, until
    /// all have.
    RowsFrom {
        /// The function nodes (each a leaf: series, unnest, JSON rows, ...).
        funcs: Vec<Node>,
    },
    /// Rows of `input` for which `predicate` is true.
    Filter {
        /// Input.
        input: Box<Node>,
        /// Predicate.
        predicate: Expr,
    },
    /// Computes `exprs` over each input row.
    Project {
        /// Input.
        input: Box<Node>,
        /// Output expressions.
        exprs: Vec<Expr>,
        /// Output columns.
        columns: Vec<OutputColumn>,
    },
    /// A join; output is left columns then right columns.
    Join {
        /// Outer side.
        left: Box<Node>,
        /// Inner side (re-run for every outer row).
        right: Box<Node>,
        /// Kind.
        kind: JoinKind,
        /// Join condition over the concatenated row.
        on: Option<Expr>,
        /// LATERAL: `right` refers to the left row (as an enclosing row)
        /// and is re-run for every left row.
        lateral: bool,
        /// A hash join: `right` is read once into a hash table on these
        /// keys, which each left row probes (`on` is still checked on
        /// every candidate pair). See [`crate::plan::join_plan`].
        hash: Option<Box<crate::plan::join_plan::HashKeys>>,
    },
    /// Grouping and aggregation; output is group values then aggregates.
    Aggregate {
        /// Input.
        input: Box<Node>,
        /// GROUP BY expressions.
        group_by: Vec<Expr>,
        /// Aggregate calls.
        aggs: Vec<AggCall>,
        /// Output columns.
        columns: Vec<OutputColumn>,
        /// `GROUPING SETS` / `ROLLUP` / `CUBE`: each set's indexes into
        /// `group_by` (empty for a plain GROUP BY). With sets, the last
        /// `group_by` entry is a placeholder whose output column holds the
        /// set's number (see [`crate::exec::grouping_sets`]).
        sets: Vec<Vec<usize>>,
    },
    /// Window functions over sorted partitions (PostgreSQL's WindowAgg,
    /// see [`crate::plan::window`]): the input columns, then one column
    /// per call.
    Window(Box<crate::plan::window::WindowPlan>),
    /// ORDER BY.
    Sort {
        /// Input.
        input: Box<Node>,
        /// Keys.
        keys: Vec<SortKey>,
    },
    /// LIMIT / OFFSET.
    Limit {
        /// Input.
        input: Box<Node>,
        /// LIMIT.
        limit: Option<Expr>,
        /// OFFSET.
        offset: Option<Expr>,
        /// `FETCH FIRST ... WITH TIES`: the ORDER BY keys; the rows after
        /// the last counted one that equal it on them are passed too.
        ties: Option<Vec<Expr>>,
    },
    /// Removes duplicate rows: whole rows, or with `on` (DISTINCT ON) the
    /// rows whose `on` values repeat an earlier row's.
    Distinct {
        /// Input.
        input: Box<Node>,
        /// DISTINCT ON expressions (empty: the whole row).
        on: Vec<Expr>,
    },
    /// UNION / INTERSECT / EXCEPT [ALL].
    SetOp {
        /// Left input.
        left: Box<Node>,
        /// Right input.
        right: Box<Node>,
        /// Operation.
        kind: SetOpKind,
        /// ALL.
        all: bool,
    },
    /// `WITH` queries: see [`crate::plan::cte`].
    Cte(crate::plan::cte::CteNode),
}

impl Node {
    /// The Sort a LIMIT over this node runs as a top-N sort: this node
    /// itself, or the Sort under a projection that only picks columns
    /// (one that drops hidden sort columns), with that projection's
    /// expressions.
    pub fn top_n_sort(&self) -> Option<(&Node, Option<&[Expr]>)> {
        match self {
            Node::Sort { .. } => Some((self, None)),
            Node::Project { input, exprs, .. }
                if matches!(input.as_ref(), Node::Sort { .. })
                    && exprs.iter().all(|e| matches!(e, Expr::Column(..))) =>
            {
                Some((input, Some(exprs)))
            }
            _ => None,
        }
    }

    /// The columns this node outputs.
    pub fn columns(&self) -> Vec<OutputColumn> {
        crate::sql::depth::guard(|| self.columns_level())
    }

    fn columns_level(&self) -> Vec<OutputColumn> {
        match self {
            Node::Values { columns, .. }
            | Node::SystemScan { columns, .. }
            | Node::SequenceRow { columns, .. }
            | Node::Project { columns, .. }
            | Node::Aggregate { columns, .. } => columns.clone(),
            Node::Scan(s) => s
                .table
                .columns
                .iter()
                .map(|c| OutputColumn {
                    name: c.name.clone(),
                    ty: c.ty,
                })
                .collect(),
            Node::Series { column, .. } => vec![column.clone()],
            Node::Window(w) => w.columns(),
            Node::Unnest { columns, .. }
            | Node::JsonRows { columns, .. }
            | Node::JsonRecords { columns, .. } => columns.clone(),
            Node::Filter { input, .. }
            | Node::Sort { input, .. }
            | Node::Limit { input, .. }
            | Node::Distinct { input, .. } => input.columns(),
            Node::Join {
                left,
                kind: JoinKind::Semi | JoinKind::Anti,
                ..
            } => left.columns(),
            Node::Join { left, right, .. } => {
                let mut c = left.columns();
                c.extend(right.columns());
                c
            }
            Node::SetOp { left, .. } => left.columns(),
            Node::RowsFrom { funcs } => funcs.iter().flat_map(Node::columns).collect(),
            Node::Cte(c) => c.columns(),
        }
    }

    /// Number of output columns.
    pub fn width(&self) -> usize {
        self.columns().len()
    }
}

/// The result type of `func` over an argument of type `arg`.
pub fn agg_result_type(func: AggFunc, arg: SqlType) -> SqlType {
    let numeric = SqlType::Numeric {
        precision: None,
        scale: None,
    };
    match func {
        AggFunc::CountStar | AggFunc::Count => SqlType::Int8,
        AggFunc::BoolAnd | AggFunc::BoolOr => SqlType::Bool,
        AggFunc::StringAgg => SqlType::Text,
        AggFunc::JsonAgg | AggFunc::JsonObjectAgg => SqlType::Json,
        AggFunc::JsonbAgg | AggFunc::JsonbObjectAgg => SqlType::Jsonb,
        // Of arrays: an array of one more dimension, of the same type.
        AggFunc::ArrayAgg if matches!(arg, SqlType::Array(_)) => arg.without_typmod(),
        AggFunc::ArrayAgg => arg.array_of().unwrap_or(SqlType::Array(&SqlType::Text)),
        AggFunc::Min | AggFunc::Max => arg.without_typmod(),
        // Typed when bound (see `crate::plan::ordered_set`).
        AggFunc::PercentileCont
        | AggFunc::PercentileDisc
        | AggFunc::Mode
        | AggFunc::HypotheticalRank
        | AggFunc::HypotheticalDenseRank
        | AggFunc::HypotheticalPercentRank
        | AggFunc::HypotheticalCumeDist => arg,
        AggFunc::Sum => match arg {
            SqlType::Int2 | SqlType::Int4 => SqlType::Int8,
            SqlType::Int8 | SqlType::Numeric { .. } => numeric,
            SqlType::Float4 => SqlType::Float4,
            SqlType::Interval(_) => SqlType::Interval(None),
            _ => SqlType::Float8,
        },
        AggFunc::Avg => match arg {
            SqlType::Float4 | SqlType::Float8 => SqlType::Float8,
            SqlType::Interval(_) => SqlType::Interval(None),
            _ => numeric,
        },
    }
}
