//! Aggregates: which function names are aggregates ([`agg_func`]), whether
//! an expression calls one, and binding inside a grouped query ("aggregate
//! mode"): a column reference must be a grouping key or sit inside an
//! aggregate call (42803 otherwise, as PostgreSQL), and each call becomes
//! an [`AggCall`] of the aggregate node, its arguments bound over the
//! input row and its result read back as a column of the aggregate's
//! output.
//!
//! `DISTINCT` aggregates with `ORDER BY` (`string_agg`, `array_agg`) follow
//! PostgreSQL: the ordering keys must be arguments (42P10), and without
//! `ORDER BY` the distinct values come out sorted, as PostgreSQL's
//! sort-based `DISTINCT` does.

use sqlparser::ast::{self as ast, Expr as AstExpr};

use super::srf_rewrite::{has_srf, is_aggregate_call};
use super::{function_name, sort_key};
use crate::error::{EngineError, Result, SqlState};
use crate::plan::bind::{Binder, Scope};
use crate::plan::expr::Expr;
use crate::plan::node::{agg_result_type, AggCall, AggFunc, SortKey};
use crate::sql::depth;
use crate::types::{CastKind, SqlType};

pub(crate) fn agg_func(name: &str) -> Option<AggFunc> {
    Some(match name {
        "count" => AggFunc::Count,
        "sum" => AggFunc::Sum,
        "avg" => AggFunc::Avg,
        "min" => AggFunc::Min,
        "max" => AggFunc::Max,
        "bool_and" | "every" => AggFunc::BoolAnd,
        "bool_or" => AggFunc::BoolOr,
        "string_agg" => AggFunc::StringAgg,
        "json_agg" => AggFunc::JsonAgg,
        "jsonb_agg" => AggFunc::JsonbAgg,
        "json_object_agg" => AggFunc::JsonObjectAgg,
        "jsonb_object_agg" => AggFunc::JsonbObjectAgg,
        "array_agg" => AggFunc::ArrayAgg,
        _ => return None,
    })
}

/// Whether an AST expression contains an aggregate call (not looking into
/// subqueries, whose aggregates are their own).
pub(super) fn has_aggregate(e: &AstExpr) -> bool {
    depth::guard(|| has_aggregate_level(e))
}

fn has_aggregate_level(e: &AstExpr) -> bool {
    let any = |list: &[AstExpr]| list.iter().any(has_aggregate);
    match e {
        AstExpr::Function(f) => {
            if is_aggregate_call(f) {
                return true;
            }
            // A window's keys may be aggregates (`rank() OVER (ORDER BY
            // count(*))`).
            if let Some(ast::WindowType::WindowSpec(w)) = &f.over {
                if w.partition_by.iter().any(has_aggregate)
                    || w.order_by.iter().any(|k| has_aggregate(&k.expr))
                {
                    return true;
                }
            }
            match &f.args {
                ast::FunctionArguments::List(l) => l.args.iter().any(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => has_aggregate(x),
                    _ => false,
                }),
                _ => false,
            }
        }
        AstExpr::BinaryOp { left, right, .. } => has_aggregate(left) || has_aggregate(right),
        AstExpr::UnaryOp { expr, .. }
        | AstExpr::Nested(expr)
        | AstExpr::Cast { expr, .. }
        | AstExpr::IsNull(expr)
        | AstExpr::IsNotNull(expr)
        | AstExpr::IsTrue(expr)
        | AstExpr::IsFalse(expr)
        | AstExpr::IsNotTrue(expr)
        | AstExpr::IsNotFalse(expr) => has_aggregate(expr),
        AstExpr::InList { expr, list, .. } => has_aggregate(expr) || any(list),
        AstExpr::Between {
            expr, low, high, ..
        } => has_aggregate(expr) || has_aggregate(low) || has_aggregate(high),
        AstExpr::Like { expr, pattern, .. } | AstExpr::ILike { expr, pattern, .. } => {
            has_aggregate(expr) || has_aggregate(pattern)
        }
        AstExpr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            operand.as_deref().is_some_and(has_aggregate)
                || conditions
                    .iter()
                    .any(|c| has_aggregate(&c.condition) || has_aggregate(&c.result))
                || else_result.as_deref().is_some_and(has_aggregate)
        }
        _ => false,
    }
}

impl Binder<'_> {
    /// In aggregate mode: binds references to group values and aggregate
    /// calls; `None` lets normal binding recurse into the expression.
    pub(crate) fn bind_in_agg_mode(&mut self, e: &AstExpr) -> Result<Option<Expr>> {
        let text = e.to_string();
        let agg = self.agg.as_ref().expect("agg mode");
        if let Some(i) = agg.groups.iter().position(|(_, t)| *t == text) {
            return Ok(Some(Expr::Column(i, agg.groups[i].0.ty())));
        }
        match e {
            AstExpr::Function(f) if crate::plan::grouping_sets::is_grouping_call(f) => {
                self.bind_grouping(f).map(Some)
            }
            AstExpr::Function(f) if crate::plan::ordered_set::is_ordered_set_call(f) => {
                self.bind_ordered_set_call(f).map(Some)
            }
            AstExpr::Function(f) if agg_func(&function_name(f)).is_some() && f.over.is_none() => {
                let func = agg_func(&function_name(f)).expect("checked");
                if let ast::FunctionArguments::List(list) = &f.args {
                    if list.args.iter().any(|a| {
                        matches!(a, ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) if has_srf(x))
                    }) {
                        return Err(EngineError::new(
                            SqlState::FeatureNotSupported,
                            "aggregate function calls cannot contain set-returning function calls",
                        )
                        .with_hint(
                            "You might be able to move the set-returning function into a LATERAL FROM item.",
                        ));
                    }
                }
                let mut mode = self.agg.take().expect("agg mode");
                let r = self.bind_agg_call(f, func, &mode.input);
                let r = r.map(|call| {
                    let idx = mode.groups.len() + mode.aggs.len();
                    let ty = call.ty;
                    mode.aggs.push(call);
                    Expr::Column(idx, ty)
                });
                self.agg = Some(mode);
                r.map(Some)
            }
            AstExpr::Identifier(_) | AstExpr::CompoundIdentifier(_) => {
                let mode = self.agg.take().expect("agg mode");
                let r = self.bind(e, &mode.input);
                let groups: Vec<Expr> = mode.groups.iter().map(|(g, _)| g.clone()).collect();
                self.agg = Some(mode);
                match r? {
                    Expr::Column(c, ty) => {
                        if let Some(i) = groups
                            .iter()
                            .position(|g| matches!(g, Expr::Column(gc, _) if *gc == c))
                        {
                            return Ok(Some(Expr::Column(i, ty)));
                        }
                        Err(EngineError::new(
                            SqlState::GroupingError,
                            format!(
                                "column \"{}\" must appear in the GROUP BY clause or be used in an aggregate function",
                                text.to_lowercase()
                            ),
                        ))
                    }
                    other => Ok(Some(other)),
                }
            }
            _ => Ok(None),
        }
    }

    pub(crate) fn bind_agg_call(
        &mut self,
        f: &ast::Function,
        func: AggFunc,
        input: &Scope,
    ) -> Result<AggCall> {
        let name = function_name(f);
        let ast::FunctionArguments::List(list) = &f.args else {
            return Err(EngineError::new(
                SqlState::UndefinedFunction,
                format!("function {name}() does not exist"),
            ));
        };
        let distinct = matches!(
            list.duplicate_treatment,
            Some(ast::DuplicateTreatment::Distinct)
        );
        let mut order_by = Vec::new();
        for clause in &list.clauses {
            match clause {
                ast::FunctionArgumentClause::OrderBy(keys) => {
                    for k in keys {
                        self.no_aggs = Some("aggregate function calls");
                        let e = self.bind(&k.expr, input);
                        self.no_aggs = None;
                        order_by.push(sort_key(e?, k)?);
                    }
                }
                _ => return Err(EngineError::unsupported(format!("aggregate call {f}"))),
            }
        }
        if distinct && func.collects() {
            self.distinct_agg_order(list, &mut order_by, input)?;
        }
        let filter = match &f.filter {
            Some(w) => {
                self.no_aggs = Some("FILTER");
                let b = self.bind(w, input);
                self.no_aggs = None;
                Some(self.coerce(b?, SqlType::Bool, CastKind::Implicit)?)
            }
            None => None,
        };
        match list.args.as_slice() {
            [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard)]
                if func == AggFunc::Count =>
            {
                Ok(AggCall {
                    func: AggFunc::CountStar,
                    arg: None,
                    distinct: false,
                    ty: SqlType::Int8,
                    filter,
                    extra: None,
                    order_by,
                    direct: Vec::new(),
                })
            }
            [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(a))] => {
                self.no_aggs = Some("aggregate function calls");
                let arg = self.bind(a, input);
                self.no_aggs = None;
                let mut arg = arg?;
                if arg.ty() == SqlType::Unknown {
                    arg = self.coerce(arg, SqlType::Text, CastKind::Implicit)?;
                }
                let t = arg.ty();
                let ok = match func {
                    AggFunc::Sum | AggFunc::Avg => {
                        t.is_numeric_family() || matches!(t, SqlType::Interval(_))
                    }
                    AggFunc::BoolAnd | AggFunc::BoolOr => t == SqlType::Bool,
                    // PostgreSQL 15 has no min/max for uuid, bit strings or
                    // macaddr.
                    AggFunc::Min | AggFunc::Max => !matches!(
                        t,
                        SqlType::Uuid
                            | SqlType::Json
                            | SqlType::Jsonb
                            | SqlType::Bit(_)
                            | SqlType::VarBit(_)
                            | SqlType::MacAddr
                            | SqlType::MacAddr8
                    ),
                    AggFunc::ArrayAgg => matches!(t, SqlType::Array(_)) || t.array_of().is_some(),
                    _ => true,
                };
                if !ok {
                    return Err(EngineError::new(
                        SqlState::UndefinedFunction,
                        format!("function {name}({}) does not exist", t.display_name()),
                    )
                    .with_hint("No function matches the given name and argument types. You might need to add explicit type casts."));
                }
                Ok(AggCall {
                    func,
                    ty: agg_result_type(func, t),
                    arg: Some(arg),
                    distinct,
                    filter,
                    extra: None,
                    order_by,
                    direct: Vec::new(),
                })
            }
            [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(a)), ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(d))]
                if matches!(func, AggFunc::JsonObjectAgg | AggFunc::JsonbObjectAgg) =>
            {
                self.no_aggs = Some("aggregate function calls");
                let text_if_unknown = |b: &mut Self, e: Expr| {
                    if e.ty() == SqlType::Unknown {
                        b.coerce(e, SqlType::Text, CastKind::Implicit)
                    } else {
                        Ok(e)
                    }
                };
                let key = self.bind(a, input).and_then(|x| text_if_unknown(self, x));
                let value = self.bind(d, input).and_then(|x| text_if_unknown(self, x));
                self.no_aggs = None;
                Ok(AggCall {
                    func,
                    ty: agg_result_type(func, SqlType::Text),
                    arg: Some(key?),
                    distinct,
                    filter,
                    extra: Some(value?),
                    order_by,
                    direct: Vec::new(),
                })
            }
            [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(a)), ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(d))]
                if func == AggFunc::StringAgg =>
            {
                self.no_aggs = Some("aggregate function calls");
                let arg = self
                    .bind(a, input)
                    .and_then(|x| self.coerce(x, SqlType::Text, CastKind::Implicit));
                let delim = self
                    .bind(d, input)
                    .and_then(|x| self.coerce(x, SqlType::Text, CastKind::Implicit));
                self.no_aggs = None;
                Ok(AggCall {
                    func,
                    ty: SqlType::Text,
                    arg: Some(arg?),
                    distinct,
                    filter,
                    extra: Some(delim?),
                    order_by,
                    direct: Vec::new(),
                })
            }
            _ => Err(EngineError::new(
                SqlState::UndefinedFunction,
                format!("function {name} with these arguments does not exist"),
            )),
        }
    }

    /// `string_agg`/`array_agg` with `DISTINCT`: the `ORDER BY` keys must
    /// be arguments (42P10, as PostgreSQL); without `ORDER BY` the distinct
    /// values come out sorted, as PostgreSQL's sort-based `DISTINCT` does.
    fn distinct_agg_order(
        &mut self,
        list: &ast::FunctionArgumentList,
        order_by: &mut Vec<SortKey>,
        input: &Scope,
    ) -> Result<()> {
        let Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(arg))) = list.args.first()
        else {
            return Ok(());
        };
        let keys = list.clauses.iter().find_map(|c| match c {
            ast::FunctionArgumentClause::OrderBy(keys) => Some(keys),
            _ => None,
        });
        match keys {
            Some(keys) => {
                let in_args = |k: &ast::OrderByExpr| {
                    list.args.iter().any(|a| {
                        matches!(a, ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) if x.to_string() == k.expr.to_string())
                    })
                };
                if !keys.iter().all(in_args) {
                    return Err(EngineError::new(
                        SqlState::InvalidColumnReference,
                        "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list",
                    ));
                }
            }
            None => {
                self.no_aggs = Some("aggregate function calls");
                let e = self.bind(arg, input);
                self.no_aggs = None;
                let mut e = e?;
                if e.ty() == SqlType::Unknown {
                    e = self.coerce(e, SqlType::Text, CastKind::Implicit)?;
                }
                order_by.push(SortKey {
                    expr: e,
                    descending: false,
                    nulls_first: false,
                });
            }
        }
        Ok(())
    }
}
