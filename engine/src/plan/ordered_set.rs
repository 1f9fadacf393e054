//! Binding the ordered-set aggregates (`percentile_cont`,
//! `percentile_disc`, `mode`) and the hypothetical-set aggregates (`rank`,
//! `dense_rank`, `percent_rank`, `cume_dist` with `WITHIN GROUP`), with
//! PostgreSQL 15's types and errors: `WITHIN GROUP` on a plain aggregate
//! is 42809 when the call's total arguments would fit it and 42883
//! otherwise; an ordered-set aggregate without `WITHIN GROUP` is 42809
//! (42883 for the percentiles, whose one-argument form does not exist);
//! with `OVER` it is 0A000.
//!
//! The `WITHIN GROUP` keys become the call's sort keys (over the input
//! row); the direct arguments are bound in aggregate mode, so they may
//! read grouped columns only (42803), and are evaluated over the group's
//! output row (see [`crate::exec::ordered_set`]).

use sqlparser::ast::{self as ast, Expr as AstExpr};

use crate::error::{EngineError, Result, SqlState};
use crate::plan::bind::{Binder, Scope};
use crate::plan::expr::Expr;
use crate::plan::node::{AggCall, AggFunc, SortKey};
use crate::plan::query::aggregate::agg_func;
use crate::plan::query::{function_name, sort_key};
use crate::types::{CastKind, SqlType};

/// The ordered-set aggregate named `name`.
pub fn ordered_set_func(name: &str) -> Option<AggFunc> {
    Some(match name {
        "percentile_cont" => AggFunc::PercentileCont,
        "percentile_disc" => AggFunc::PercentileDisc,
        "mode" => AggFunc::Mode,
        "rank" => AggFunc::HypotheticalRank,
        "dense_rank" => AggFunc::HypotheticalDenseRank,
        "percent_rank" => AggFunc::HypotheticalPercentRank,
        "cume_dist" => AggFunc::HypotheticalCumeDist,
        _ => return None,
    })
}

/// Whether `f` is bound as an ordered-set aggregate call: any call with
/// `WITHIN GROUP`, and (to report PostgreSQL's error) an ordered-set
/// aggregate called without it and without `OVER` (the hypothetical ones
/// only with arguments: `rank()` alone is the window function).
pub fn is_ordered_set_call(f: &ast::Function) -> bool {
    if !f.within_group.is_empty() {
        return true;
    }
    if f.over.is_some() {
        return false;
    }
    let has_args = matches!(&f.args, ast::FunctionArguments::List(l) if !l.args.is_empty());
    match function_name(f).as_str() {
        "percentile_cont" | "percentile_disc" | "mode" => true,
        "rank" | "dense_rank" | "percent_rank" | "cume_dist" => has_args,
        _ => false,
    }
}

/// 42883 for `name(types)`.
fn no_function(name: &str, types: &[SqlType]) -> EngineError {
    let list: Vec<String> = types.iter().map(SqlType::display_name).collect();
    EngineError::new(
        SqlState::UndefinedFunction,
        format!("function {name}({}) does not exist", list.join(", ")),
    )
    .with_hint(
        "No function matches the given name and argument types. You might need to add explicit type casts.",
    )
}

/// How many arguments the plain aggregate `func` takes.
fn plain_arity(func: AggFunc) -> usize {
    match func {
        AggFunc::StringAgg | AggFunc::JsonObjectAgg | AggFunc::JsonbObjectAgg => 2,
        _ => 1,
    }
}

impl Binder<'_> {
    /// Binds an ordered-set aggregate call in aggregate mode (see the
    /// module docs); the result reads the call's aggregate column.
    pub(crate) fn bind_ordered_set_call(&mut self, f: &ast::Function) -> Result<Expr> {
        let name = function_name(f);
        let list = match &f.args {
            ast::FunctionArguments::List(l) => Some(l),
            _ => None,
        };
        let mut direct_ast: Vec<&AstExpr> = Vec::new();
        if let Some(l) = list {
            for a in &l.args {
                match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => direct_ast.push(e),
                    _ => return Err(EngineError::unsupported(format!("aggregate call {f}"))),
                }
            }
            if (l.duplicate_treatment.is_some() || !l.clauses.is_empty())
                && ordered_set_func(&name).is_some()
                && !f.within_group.is_empty()
            {
                return Err(EngineError::unsupported(format!("aggregate call {f}")));
            }
        }
        let func = ordered_set_func(&name);
        let Some(func) = func.filter(|_| !f.within_group.is_empty()) else {
            if f.within_group.is_empty() {
                if matches!(name.as_str(), "percentile_cont" | "percentile_disc") {
                    let types = self.arg_types(&direct_ast)?;
                    return Err(no_function(&name, &types));
                }
                return Err(EngineError::new(
                    SqlState::WrongObjectType,
                    format!("WITHIN GROUP is required for ordered-set aggregate {name}"),
                ));
            }
            // WITHIN GROUP on something else.
            let mut all = direct_ast.clone();
            all.extend(f.within_group.iter().map(|k| &k.expr));
            let types = self.arg_types(&all)?;
            if let Some(plain) = agg_func(&name) {
                if plain_arity(plain) == all.len() {
                    return Err(EngineError::new(
                        SqlState::WrongObjectType,
                        format!(
                            "{name} is not an ordered-set aggregate, so it cannot have WITHIN GROUP"
                        ),
                    ));
                }
            }
            return Err(no_function(&name, &types));
        };
        if f.over.is_some() {
            return Err(EngineError::new(
                SqlState::FeatureNotSupported,
                format!("OVER is not supported for ordered-set aggregate {name}"),
            ));
        }
        let (nd, nk) = (direct_ast.len(), f.within_group.len());
        let arity_ok = match func {
            AggFunc::PercentileCont | AggFunc::PercentileDisc => nd == 1 && nk == 1,
            AggFunc::Mode => nd == 0 && nk == 1,
            _ => nd == nk,
        };
        if !arity_ok {
            let mut all = direct_ast.clone();
            all.extend(f.within_group.iter().map(|k| &k.expr));
            let err = no_function(&name, &self.arg_types(&all)?);
            return Err(
                if matches!(
                    func,
                    AggFunc::PercentileCont | AggFunc::PercentileDisc | AggFunc::Mode
                ) {
                    err
                } else {
                    err.with_hint(format!(
                    "To use the hypothetical-set aggregate {name}, the number of hypothetical direct arguments (here {nd}) must match the number of ordering columns (here {nk})."
                ))
                },
            );
        }

        // The WITHIN GROUP keys, over the input rows.
        let mut mode = self.agg.take().expect("agg mode");
        let input = mode.input.clone();
        let keys = (|| -> Result<Vec<Expr>> {
            let mut keys = Vec::with_capacity(f.within_group.len());
            for k in &f.within_group {
                self.no_aggs = Some("aggregate function calls");
                let e = self.bind(&k.expr, &input);
                self.no_aggs = None;
                keys.push(e?);
            }
            Ok(keys)
        })();
        let filter = match (&keys, &f.filter) {
            (Ok(_), Some(w)) => {
                self.no_aggs = Some("FILTER");
                let b = self.bind(w, &input);
                self.no_aggs = None;
                Some(b.and_then(|b| self.coerce(b, SqlType::Bool, CastKind::Implicit)))
            }
            _ => None,
        };
        // Direct arguments: over the aggregate's output row.
        let idx = mode.groups.len() + mode.aggs.len();
        mode.aggs.push(AggCall {
            func,
            arg: None,
            distinct: false,
            ty: SqlType::Int4,
            filter: None,
            extra: None,
            order_by: Vec::new(),
            direct: Vec::new(),
        });
        self.agg = Some(mode);
        let mut keys = keys?;
        let filter = filter.transpose()?;
        let mut direct = Vec::with_capacity(direct_ast.len());
        for d in &direct_ast {
            direct.push(self.bind(d, &Scope::default()).map_err(|e| {
                if e.state == SqlState::GroupingError && e.message.starts_with("column ") {
                    e.with_detail(
                        "Direct arguments of an ordered-set aggregate must use only grouped columns.",
                    )
                } else {
                    e
                }
            })?);
        }
        let ty = self.type_ordered_set(func, &name, &mut direct, &mut keys)?;
        let order_by = f
            .within_group
            .iter()
            .zip(keys)
            .map(|(k, e)| sort_key(e, k))
            .collect::<Result<Vec<SortKey>>>()?;
        let mode = self.agg.as_mut().expect("agg mode");
        let call = &mut mode.aggs[idx - mode.groups.len()];
        call.ty = ty;
        call.filter = filter;
        call.order_by = order_by;
        call.direct = direct;
        Ok(Expr::Column(idx, ty))
    }

    /// The types of `args` bound over the aggregate's input (for error
    /// messages).
    fn arg_types(&mut self, args: &[&AstExpr]) -> Result<Vec<SqlType>> {
        let mode = self.agg.take().expect("agg mode");
        let mut types = Vec::with_capacity(args.len());
        let mut result = Ok(());
        for a in args {
            self.no_aggs = Some("aggregate function calls");
            let b = self.bind(a, &mode.input);
            self.no_aggs = None;
            match b {
                Ok(b) => types.push(b.ty()),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        self.agg = Some(mode);
        result.map(|_| types)
    }

    /// Checks the call's argument counts and types, coerces the direct
    /// arguments and keys as PostgreSQL resolves them, and gives the
    /// result type.
    fn type_ordered_set(
        &mut self,
        func: AggFunc,
        name: &str,
        direct: &mut [Expr],
        keys: &mut [Expr],
    ) -> Result<SqlType> {
        let all_types = |direct: &[Expr], keys: &[Expr]| -> Vec<SqlType> {
            direct.iter().chain(keys.iter()).map(Expr::ty).collect()
        };
        match func {
            AggFunc::PercentileCont | AggFunc::PercentileDisc => {
                if direct.len() != 1 || keys.len() != 1 {
                    return Err(no_function(name, &all_types(direct, keys)));
                }
                let kt = keys[0].ty();
                let value_ty = if func == AggFunc::PercentileCont {
                    if kt.is_numeric_family() || kt == SqlType::Unknown {
                        SqlType::Float8
                    } else if matches!(kt, SqlType::Interval(_)) {
                        SqlType::Interval(None)
                    } else {
                        return Err(no_function(name, &all_types(direct, keys)));
                    }
                } else if kt == SqlType::Unknown {
                    SqlType::Text
                } else {
                    kt.without_typmod()
                };
                keys[0] = self.coerce(keys[0].clone(), value_ty, CastKind::Implicit)?;
                let array = matches!(direct[0].ty(), SqlType::Array(_));
                let fraction_ty = if array {
                    SqlType::Float8
                        .array_of()
                        .unwrap_or(SqlType::Array(&SqlType::Float8))
                } else {
                    SqlType::Float8
                };
                direct[0] = self
                    .coerce(direct[0].clone(), fraction_ty, CastKind::Implicit)
                    .map_err(|e| {
                        if e.state == SqlState::CannotCoerce
                            || e.state == SqlState::DatatypeMismatch
                        {
                            no_function(name, &all_types(direct, keys))
                        } else {
                            e
                        }
                    })?;
                Ok(if array {
                    value_ty
                        .array_of()
                        .unwrap_or(SqlType::Array(&SqlType::Text))
                } else {
                    value_ty
                })
            }
            AggFunc::Mode => {
                if !direct.is_empty() || keys.len() != 1 {
                    return Err(no_function(name, &all_types(direct, keys)));
                }
                if keys[0].ty() == SqlType::Unknown {
                    keys[0] = self.coerce(keys[0].clone(), SqlType::Text, CastKind::Implicit)?;
                }
                Ok(keys[0].ty().without_typmod())
            }
            _ => {
                for (d, k) in direct.iter_mut().zip(keys.iter_mut()) {
                    let unified = self.unify(vec![d.clone(), k.clone()], "WITHIN GROUP")?;
                    let mut it = unified.into_iter();
                    if let (Some(a), Some(b)) = (it.next(), it.next()) {
                        *d = a;
                        *k = b;
                    }
                    if k.ty() == SqlType::Unknown {
                        *d = self.coerce(d.clone(), SqlType::Text, CastKind::Implicit)?;
                        *k = self.coerce(k.clone(), SqlType::Text, CastKind::Implicit)?;
                    }
                }
                Ok(match func {
                    AggFunc::HypotheticalRank | AggFunc::HypotheticalDenseRank => SqlType::Int8,
                    _ => SqlType::Float8,
                })
            }
        }
    }
}
