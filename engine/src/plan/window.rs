//! Window functions: binding `f(...) OVER (...)` calls and planning the
//! `WindowAgg` nodes that compute them.
//!
//! While a SELECT's output expressions (select list, ORDER BY, DISTINCT
//! ON) are bound, the binder holds a [`WindowMode`]: every window call met
//! is bound (its arguments, its window's PARTITION BY / ORDER BY / frame,
//! all over the rows the select list sees: the FROM rows, or the groups of
//! a grouped query) and stands for a placeholder column
//! ([`PLACEHOLDER_BASE`] + its number). Once the select list is bound,
//! [`plan_windows`] puts one [`Node::Window`] per distinct window above the
//! query's rows (each on a Sort by its partition and order keys, unless the
//! rows already come in that order), each appending its calls' results to
//! the row, and [`remap`] turns the placeholders into those columns.
//!
//! Named windows (`WINDOW w AS (...)`, `OVER w`, `OVER (w ORDER BY ...)`)
//! are resolved here with PostgreSQL's copy rules and errors. The frame
//! computations themselves are in [`crate::exec::window`].

use sqlparser::ast::{self as ast, Expr as AstExpr};

use crate::error::{EngineError, Result, SqlState};
use crate::plan::bind::{Binder, Scope};
use crate::plan::expr::Expr;
use crate::plan::node::{AggCall, Node, OutputColumn, SortKey};
use crate::sql::identifiers::ident_name;
use crate::sql::window_exclude::Exclude;
use crate::types::{CastKind, SqlType};

/// Placeholder columns for window results start here (far above any real
/// row width); [`remap`] replaces them.
pub const PLACEHOLDER_BASE: usize = 1 << 30;

/// Frame units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameUnits {
    /// `ROWS`.
    Rows,
    /// `RANGE`.
    Range,
    /// `GROUPS`.
    Groups,
}

/// One end of a frame.
#[derive(Debug, Clone)]
pub enum FrameBound {
    /// `UNBOUNDED PRECEDING`.
    UnboundedPreceding,
    /// `n PRECEDING` (a constant expression).
    Preceding(Expr),
    /// `CURRENT ROW`.
    CurrentRow,
    /// `n FOLLOWING`.
    Following(Expr),
    /// `UNBOUNDED FOLLOWING`.
    UnboundedFollowing,
}

/// A window frame.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Units.
    pub units: FrameUnits,
    /// Start.
    pub start: FrameBound,
    /// End.
    pub end: FrameBound,
    /// Exclusion.
    pub exclude: Exclude,
}

impl Frame {
    /// PostgreSQL's default frame: `RANGE UNBOUNDED PRECEDING` to the
    /// current row and its peers.
    pub fn default_frame() -> Self {
        Frame {
            units: FrameUnits::Range,
            start: FrameBound::UnboundedPreceding,
            end: FrameBound::CurrentRow,
            exclude: Exclude::NoOthers,
        }
    }
}

/// A window function.
#[derive(Debug, Clone)]
pub enum WindowFunc {
    /// `row_number()`.
    RowNumber,
    /// `rank()`.
    Rank,
    /// `dense_rank()`.
    DenseRank,
    /// `percent_rank()`.
    PercentRank,
    /// `cume_dist()`.
    CumeDist,
    /// `ntile(buckets)`.
    Ntile(Expr),
    /// `lag`/`lead(value [, offset [, default]])`.
    Shift {
        /// The value.
        value: Expr,
        /// The offset (default 1).
        offset: Option<Expr>,
        /// The default (default NULL).
        default: Option<Expr>,
        /// `lead` (else `lag`).
        lead: bool,
    },
    /// `first_value(x)`.
    FirstValue(Expr),
    /// `last_value(x)`.
    LastValue(Expr),
    /// `nth_value(x, n)`.
    NthValue(Expr, Expr),
    /// An aggregate over the frame.
    Agg(AggCall),
}

/// One window call.
#[derive(Debug, Clone)]
pub struct WindowCall {
    /// The function.
    pub func: WindowFunc,
    /// Result type.
    pub ty: SqlType,
}

/// A window: partition and order keys and frame, over the input row.
#[derive(Debug, Clone)]
pub struct WindowDef {
    /// PARTITION BY.
    pub partition_by: Vec<Expr>,
    /// ORDER BY.
    pub order_by: Vec<SortKey>,
    /// The frame.
    pub frame: Frame,
}

/// A `WindowAgg` node: window calls over one window.
#[derive(Debug, Clone)]
pub struct WindowPlan {
    /// Input, sorted by the partition then order keys.
    pub input: Node,
    /// The window.
    pub def: WindowDef,
    /// The calls; their results follow the input columns.
    pub calls: Vec<WindowCall>,
}

impl WindowPlan {
    /// Output columns: the input's, then one per call.
    pub fn columns(&self) -> Vec<OutputColumn> {
        let mut c = self.input.columns();
        c.extend(self.calls.iter().map(|w| OutputColumn {
            name: "?window?".into(),
            ty: w.ty,
        }));
        c
    }
}

/// A bound window call of the select list.
#[derive(Debug, Clone)]
pub struct BoundCall {
    text: String,
    def: WindowDef,
    call: WindowCall,
}

/// Window state of a SELECT while its output expressions are bound.
#[derive(Debug, Default)]
pub struct WindowMode {
    /// The named windows, resolved.
    named: Vec<(String, ast::WindowSpec)>,
    /// The calls bound so far.
    calls: Vec<BoundCall>,
    /// Why window calls are not allowed here (the whole message), if not.
    pub(crate) forbid: Option<&'static str>,
}

const NOT_HERE: &str = "window functions are not allowed in this context";

fn windowing(msg: impl Into<String>) -> EngineError {
    EngineError::new(SqlState::WindowingError, msg)
}

/// Whether `name` is one of the window-only functions.
pub fn is_window_function(name: &str) -> bool {
    matches!(
        name,
        "row_number"
            | "rank"
            | "dense_rank"
            | "percent_rank"
            | "cume_dist"
            | "ntile"
            | "lag"
            | "lead"
            | "first_value"
            | "last_value"
            | "nth_value"
    )
}

impl WindowMode {
    /// The state for a SELECT with these `WINDOW` definitions (resolved in
    /// order; each may copy an earlier one). Window calls are forbidden
    /// until [`WindowMode::allow`].
    pub fn new(defs: &[ast::NamedWindowDefinition]) -> Result<Self> {
        let mut named: Vec<(String, ast::WindowSpec)> = Vec::new();
        for ast::NamedWindowDefinition(name, expr) in defs {
            let name = ident_name(name);
            if named.iter().any(|(n, _)| *n == name) {
                return Err(windowing(format!("window \"{name}\" is already defined")));
            }
            let spec = match expr {
                ast::NamedWindowExpr::NamedWindow(base) => ast::WindowSpec {
                    window_name: Some(base.clone()),
                    partition_by: Vec::new(),
                    order_by: Vec::new(),
                    window_frame: None,
                },
                ast::NamedWindowExpr::WindowSpec(s) => s.clone(),
            };
            let resolved = resolve(&named, &spec, true)?;
            named.push((name, resolved));
        }
        Ok(WindowMode {
            named,
            calls: Vec::new(),
            forbid: Some(NOT_HERE),
        })
    }

    /// Allows window calls (in the select list and ORDER BY), or forbids
    /// them with `msg`.
    pub fn allow(&mut self, msg: Option<&'static str>) {
        self.forbid = msg;
    }

    /// Whether any window call was bound.
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }
}

/// A window specification with its base window (`w` in `OVER (w ...)`)
/// copied in, as PostgreSQL's rules allow.
fn resolve(
    named: &[(String, ast::WindowSpec)],
    spec: &ast::WindowSpec,
    in_window_clause: bool,
) -> Result<ast::WindowSpec> {
    let Some(base_name) = &spec.window_name else {
        return Ok(spec.clone());
    };
    let name = ident_name(base_name);
    let Some((_, base)) = named.iter().find(|(n, _)| *n == name) else {
        return Err(EngineError::new(
            SqlState::UndefinedObject,
            format!("window \"{name}\" does not exist"),
        ));
    };
    if !spec.partition_by.is_empty() {
        return Err(windowing(format!(
            "cannot override PARTITION BY clause of window \"{name}\""
        )));
    }
    if !spec.order_by.is_empty() && !base.order_by.is_empty() {
        return Err(windowing(format!(
            "cannot override ORDER BY clause of window \"{name}\""
        )));
    }
    if base.window_frame.is_some() {
        let e = windowing(format!(
            "cannot copy window \"{name}\" because it has a frame clause"
        ));
        let bare = spec.order_by.is_empty() && spec.window_frame.is_none();
        return Err(if in_window_clause || !bare {
            e
        } else {
            e.with_hint("Omit the parentheses in this OVER clause.")
        });
    }
    Ok(ast::WindowSpec {
        window_name: None,
        partition_by: base.partition_by.clone(),
        order_by: if spec.order_by.is_empty() {
            base.order_by.clone()
        } else {
            spec.order_by.clone()
        },
        window_frame: spec.window_frame.clone(),
    })
}

/// The plain arguments of a call (0A000 for named or `*` arguments other
/// than `count(*)`'s).
fn plain_args(f: &ast::Function) -> Result<Vec<&AstExpr>> {
    match &f.args {
        ast::FunctionArguments::None => Ok(Vec::new()),
        ast::FunctionArguments::List(l) => l
            .args
            .iter()
            .map(|a| match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Ok(e),
                _ => Err(EngineError::unsupported(format!(
                    "window function call {f}"
                ))),
            })
            .collect(),
        ast::FunctionArguments::Subquery(_) => Err(EngineError::unsupported(format!(
            "window function call {f}"
        ))),
    }
}

impl Binder<'_> {
    /// Binds a window function call (`f(...) OVER ...`, or a window-only
    /// function without OVER, which is 42809) to its placeholder column.
    pub(crate) fn bind_window_call(
        &mut self,
        f: &ast::Function,
        name: &str,
        scope: &Scope,
    ) -> Result<Expr> {
        let Some(over) = &f.over else {
            return Err(EngineError::new(
                SqlState::WrongObjectType,
                format!("window function {name} requires an OVER clause"),
            ));
        };
        let agg = crate::plan::query::aggregate::agg_func(name);
        if agg.is_none() && !is_window_function(name) {
            return Err(EngineError::new(
                SqlState::WrongObjectType,
                format!(
                    "OVER specified, but {name} is not a window function nor an aggregate function"
                ),
            ));
        }
        let nested = "window function calls cannot be nested";
        if self.window.as_ref().and_then(|m| m.forbid) == Some(nested) {
            return Err(windowing(nested));
        }
        match self.no_aggs {
            Some("aggregate function calls") => {
                return Err(EngineError::new(
                    SqlState::GroupingError,
                    "aggregate function calls cannot contain window function calls",
                ))
            }
            Some(ctx) => {
                return Err(windowing(format!(
                    "window functions are not allowed in {ctx}"
                )))
            }
            None => {}
        }
        let text = f.to_string();
        let (named, mode_forbid) = match &self.window {
            None => return Err(windowing(NOT_HERE)),
            Some(m) => {
                if let Some(msg) = m.forbid {
                    return Err(windowing(msg));
                }
                if let Some(j) = m.calls.iter().position(|c| c.text == text) {
                    let ty = m.calls[j].call.ty;
                    return Ok(Expr::Column(PLACEHOLDER_BASE + j, ty));
                }
                (m.named.clone(), m.forbid)
            }
        };
        let spec = match over {
            ast::WindowType::NamedWindow(w) => {
                let wname = ident_name(w);
                named
                    .iter()
                    .find(|(n, _)| *n == wname)
                    .map(|(_, s)| s.clone())
                    .ok_or_else(|| {
                        EngineError::new(
                            SqlState::UndefinedObject,
                            format!("window \"{wname}\" does not exist"),
                        )
                    })?
            }
            ast::WindowType::WindowSpec(s) => resolve(&named, s, false)?,
        };
        let r = (|| -> Result<(WindowDef, WindowCall)> {
            self.set_window_forbid(Some(
                "window functions are not allowed in window definitions",
            ));
            let def = self.bind_window_def(&spec, scope)?;
            self.set_window_forbid(Some(nested));
            let call = self.bind_window_func(f, name, agg, scope)?;
            Ok((def, call))
        })();
        self.set_window_forbid(mode_forbid);
        let (def, call) = r?;
        let m = self.window.as_mut().expect("window mode");
        let ty = call.ty;
        m.calls.push(BoundCall { text, def, call });
        Ok(Expr::Column(PLACEHOLDER_BASE + m.calls.len() - 1, ty))
    }

    fn bind_window_def(&mut self, spec: &ast::WindowSpec, scope: &Scope) -> Result<WindowDef> {
        let mut partition_by = Vec::new();
        for p in &spec.partition_by {
            let e = self.bind(p, scope)?;
            partition_by.push(self.text_if_unknown(e)?);
        }
        let mut order_by = Vec::new();
        for k in &spec.order_by {
            let e = self.bind(&k.expr, scope)?;
            let e = self.text_if_unknown(e)?;
            let key = crate::plan::query::sort_key(e, k)?;
            // A repeated key orders nothing more (PostgreSQL drops it).
            let text = format!("{:?}", key.expr);
            if order_by
                .iter()
                .all(|o: &SortKey| format!("{:?}", o.expr) != text)
            {
                order_by.push(key);
            }
        }
        let frame = match &spec.window_frame {
            None => Frame::default_frame(),
            Some(fr) => self.bind_frame(fr, &order_by)?,
        };
        Ok(WindowDef {
            partition_by,
            order_by,
            frame,
        })
    }

    fn text_if_unknown(&mut self, e: Expr) -> Result<Expr> {
        if e.ty() == SqlType::Unknown {
            self.coerce(e, SqlType::Text, CastKind::Implicit)
        } else {
            Ok(e)
        }
    }

    fn bind_frame(&mut self, fr: &ast::WindowFrame, order_by: &[SortKey]) -> Result<Frame> {
        use ast::WindowFrameBound as B;
        let (units, unit_name) = match fr.units {
            ast::WindowFrameUnits::Rows => (FrameUnits::Rows, "ROWS"),
            ast::WindowFrameUnits::Range => (FrameUnits::Range, "RANGE"),
            ast::WindowFrameUnits::Groups => (FrameUnits::Groups, "GROUPS"),
        };
        let (end_ast, exclude) = match &fr.end_bound {
            Some(b) => crate::sql::window_exclude::decode(b)?,
            None => (B::CurrentRow, Exclude::NoOthers),
        };
        let start_ast = &fr.start_bound;
        if matches!(start_ast, B::Following(None)) {
            return Err(windowing("frame start cannot be UNBOUNDED FOLLOWING"));
        }
        if matches!(end_ast, B::Preceding(None)) {
            return Err(windowing("frame end cannot be UNBOUNDED PRECEDING"));
        }
        match (start_ast, &end_ast) {
            (B::CurrentRow, B::Preceding(Some(_))) => {
                return Err(windowing(
                    "frame starting from current row cannot have preceding rows",
                ))
            }
            (B::Following(Some(_)), B::Preceding(Some(_)) | B::CurrentRow) => {
                return Err(windowing(
                    "frame starting from following row cannot have preceding rows",
                ))
            }
            _ => {}
        }
        if units == FrameUnits::Groups && order_by.is_empty() {
            return Err(windowing("GROUPS mode requires an ORDER BY clause"));
        }
        let has_offset = |b: &B| matches!(b, B::Preceding(Some(_)) | B::Following(Some(_)));
        let offset_ty =
            if units == FrameUnits::Range && (has_offset(start_ast) || has_offset(&end_ast)) {
                if order_by.len() != 1 {
                    return Err(windowing(
                    "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column",
                ));
                }
                let col = order_by[0].expr.ty();
                Some(range_offset_type(&col).ok_or_else(|| {
                    EngineError::new(
                        SqlState::FeatureNotSupported,
                        format!(
                        "RANGE with offset PRECEDING/FOLLOWING is not supported for column type {}",
                        col.display_name()
                    ),
                    )
                })?)
            } else {
                None
            };
        let mut bound = |b: &B| -> Result<FrameBound> {
            Ok(match b {
                B::CurrentRow => FrameBound::CurrentRow,
                B::Preceding(None) => FrameBound::UnboundedPreceding,
                B::Following(None) => FrameBound::UnboundedFollowing,
                B::Preceding(Some(e)) | B::Following(Some(e)) => {
                    let x = self.bind(e, &Scope::default()).map_err(|err| {
                        if err.state == SqlState::UndefinedColumn {
                            EngineError::new(
                                SqlState::InvalidColumnReference,
                                format!("argument of {unit_name} must not contain variables"),
                            )
                        } else {
                            err
                        }
                    })?;
                    if !x.is_constant() {
                        return Err(EngineError::new(
                            SqlState::InvalidColumnReference,
                            format!("argument of {unit_name} must not contain variables"),
                        ));
                    }
                    let ty = offset_ty.unwrap_or(SqlType::Int8);
                    let x = self.coerce(x, ty, CastKind::Implicit)?;
                    if matches!(b, B::Preceding(_)) {
                        FrameBound::Preceding(x)
                    } else {
                        FrameBound::Following(x)
                    }
                }
            })
        };
        let start = bound(start_ast)?;
        let end = bound(&end_ast)?;
        Ok(Frame {
            units,
            start,
            end,
            exclude,
        })
    }

    fn bind_window_func(
        &mut self,
        f: &ast::Function,
        name: &str,
        agg: Option<crate::plan::node::AggFunc>,
        scope: &Scope,
    ) -> Result<WindowCall> {
        if let ast::FunctionArguments::List(l) = &f.args {
            if matches!(
                l.duplicate_treatment,
                Some(ast::DuplicateTreatment::Distinct)
            ) {
                return Err(EngineError::new(
                    SqlState::FeatureNotSupported,
                    "DISTINCT is not implemented for window functions",
                ));
            }
            if l.clauses
                .iter()
                .any(|c| matches!(c, ast::FunctionArgumentClause::OrderBy(_)))
            {
                return Err(EngineError::new(
                    SqlState::FeatureNotSupported,
                    "aggregate ORDER BY is not implemented for window functions",
                ));
            }
            if !l.clauses.is_empty() {
                return Err(EngineError::unsupported(format!(
                    "window function call {f}"
                )));
            }
        }
        if f.null_treatment.is_some() || !f.within_group.is_empty() {
            return Err(EngineError::unsupported(format!(
                "window function call {f}"
            )));
        }
        if let Some(func) = agg {
            let call = self.bind_agg_call(f, func, scope)?;
            let ty = call.ty;
            return Ok(WindowCall {
                func: WindowFunc::Agg(call),
                ty,
            });
        }
        if f.filter.is_some() {
            return Err(EngineError::new(
                SqlState::FeatureNotSupported,
                "FILTER is not implemented for non-aggregate window functions",
            ));
        }
        let args = plain_args(f)?;
        let mut bound = Vec::with_capacity(args.len());
        for a in &args {
            let e = self.bind(a, scope)?;
            bound.push(e);
        }
        let no_such = |b: &Self, bound: &[Expr]| {
            let _ = b;
            let types: Vec<String> = bound
                .iter()
                .map(|e| e.ty().display_name().to_string())
                .collect();
            EngineError::new(
                SqlState::UndefinedFunction,
                format!("function {name}({}) does not exist", types.join(", ")),
            )
            .with_hint("No function matches the given name and argument types. You might need to add explicit type casts.")
        };
        if matches!(name, "rank" | "dense_rank" | "percent_rank" | "cume_dist") && !bound.is_empty()
        {
            return Err(EngineError::new(
                SqlState::WrongObjectType,
                format!("WITHIN GROUP is required for ordered-set aggregate {name}"),
            ));
        }
        let int4 = |b: &mut Self, e: Expr| b.coerce(e, SqlType::Int4, CastKind::Implicit);
        let (func, ty) = match (name, bound.len()) {
            ("row_number", 0) => (WindowFunc::RowNumber, SqlType::Int8),
            ("rank", 0) => (WindowFunc::Rank, SqlType::Int8),
            ("dense_rank", 0) => (WindowFunc::DenseRank, SqlType::Int8),
            ("percent_rank", 0) => (WindowFunc::PercentRank, SqlType::Float8),
            ("cume_dist", 0) => (WindowFunc::CumeDist, SqlType::Float8),
            ("ntile", 1) => {
                let n = int4(self, bound.pop().expect("one"))?;
                (WindowFunc::Ntile(n), SqlType::Int4)
            }
            ("first_value" | "last_value", 1) => {
                let v = self.text_if_unknown(bound.pop().expect("one"))?;
                let ty = v.ty();
                if name == "first_value" {
                    (WindowFunc::FirstValue(v), ty)
                } else {
                    (WindowFunc::LastValue(v), ty)
                }
            }
            ("nth_value", 2) => {
                let n = int4(self, bound.pop().expect("two"))?;
                let v = self.text_if_unknown(bound.pop().expect("two"))?;
                let ty = v.ty();
                (WindowFunc::NthValue(v, n), ty)
            }
            ("lag" | "lead", 1..=3) => {
                let mut it = bound.into_iter();
                let mut value = it.next().expect("value");
                let offset = match it.next() {
                    Some(o) => Some(int4(self, o)?),
                    None => None,
                };
                let default = match it.next() {
                    Some(d) => {
                        let mut u = self.unify(vec![value, d], name)?;
                        let d = u.pop().expect("two");
                        value = u.pop().expect("two");
                        Some(d)
                    }
                    None => None,
                };
                let value = self.text_if_unknown(value)?;
                let ty = value.ty();
                (
                    WindowFunc::Shift {
                        value,
                        offset,
                        default,
                        lead: name == "lead",
                    },
                    ty,
                )
            }
            _ => return Err(no_such(self, &bound)),
        };
        Ok(WindowCall { func, ty })
    }
}

/// The type RANGE offsets take for an ordering column of type `col`
/// (`None`: RANGE offsets are not supported for it).
pub fn range_offset_type(col: &SqlType) -> Option<SqlType> {
    Some(match col {
        SqlType::Int2 | SqlType::Int4 | SqlType::Int8 => SqlType::Int8,
        SqlType::Numeric { .. } => SqlType::Numeric {
            precision: None,
            scale: None,
        },
        SqlType::Float4 | SqlType::Float8 => SqlType::Float8,
        SqlType::Date
        | SqlType::Timestamp(_)
        | SqlType::Timestamptz(_)
        | SqlType::Time(_)
        | SqlType::Interval(_) => SqlType::Interval(None),
        _ => return None,
    })
}

/// One window's definition, its text (to find equal ones) and its calls
/// (with their numbers).
type WindowGroup = (WindowDef, String, Vec<(usize, WindowCall)>);

/// Puts `WindowAgg` nodes for `calls` above `input` (one per distinct
/// window, the first used on top, each on a Sort by its keys unless the
/// one below left the rows in that order); returns the node and, for each call, its output
/// column.
pub(crate) fn plan_windows(input: Node, calls: Vec<BoundCall>) -> (Node, Vec<usize>) {
    let width = input.width();
    // Windows in order of first use, with their calls.
    let mut groups: Vec<WindowGroup> = Vec::new();
    for (j, c) in calls.into_iter().enumerate() {
        let key = format!("{:?}", c.def);
        match groups.iter_mut().find(|g| g.1 == key) {
            Some(g) => g.2.push((j, c.call)),
            None => groups.push((c.def, key, vec![(j, c.call)])),
        }
    }
    let total: usize = groups.iter().map(|g| g.2.len()).sum();
    let mut positions = vec![0; total];
    let mut node = input;
    let mut next = width;
    let mut sorted: Option<String> = None;
    // The first window used ends up on top, as in PostgreSQL's plans.
    for (def, _, list) in groups.into_iter().rev() {
        let mut keys: Vec<SortKey> = def
            .partition_by
            .iter()
            .map(|e| SortKey {
                expr: e.clone(),
                descending: false,
                nulls_first: false,
            })
            .collect();
        keys.extend(def.order_by.iter().cloned());
        let key_text = format!("{keys:?}");
        if !keys.is_empty() && sorted.as_deref() != Some(key_text.as_str()) {
            node = Node::Sort {
                input: Box::new(node),
                keys,
            };
        }
        sorted = Some(key_text);
        let mut out_calls = Vec::with_capacity(list.len());
        for (j, call) in list {
            positions[j] = next;
            next += 1;
            out_calls.push(call);
        }
        node = Node::Window(Box::new(WindowPlan {
            input: node,
            def,
            calls: out_calls,
        }));
    }
    (node, positions)
}

/// Replaces the window placeholders in `e` by the columns `positions`
/// gives.
pub(crate) fn remap(e: &mut Expr, positions: &[usize]) {
    e.map_columns(&|i| {
        i.checked_sub(PLACEHOLDER_BASE)
            .and_then(|k| positions.get(k).copied())
            .unwrap_or(i)
    });
}

impl Binder<'_> {
    /// Forbids window calls with `msg` from here on (`None` allows them).
    pub(crate) fn set_window_forbid(&mut self, msg: Option<&'static str>) {
        if let Some(m) = &mut self.window {
            m.forbid = msg;
        }
    }

    /// Puts the `WindowAgg` nodes of the window calls bound in the select
    /// list above `node` and points the `projection` at their results;
    /// window calls are forbidden afterwards. PostgreSQL computes window
    /// functions before the select list's set-returning functions, which
    /// are planned below here: that mix is 0A000 (`with_srfs`).
    pub(crate) fn plan_window_calls(
        &mut self,
        node: Node,
        projection: &mut [Expr],
        with_srfs: bool,
    ) -> Result<Node> {
        let Some(mode) = &mut self.window else {
            return Ok(node);
        };
        mode.forbid = Some(NOT_HERE);
        if mode.calls.is_empty() {
            return Ok(node);
        }
        if with_srfs {
            mode.calls.clear();
            return Err(EngineError::unsupported(
                "window functions with set-returning functions in the select list",
            ));
        }
        let calls = std::mem::take(&mut mode.calls);
        let (node, positions) = plan_windows(node, calls);
        for e in projection {
            remap(e, &positions);
        }
        Ok(node)
    }
}
