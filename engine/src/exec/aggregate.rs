//! Aggregate accumulators (count, sum, avg, min, max, bool_and, bool_or,
//! and the collecting ones, string_agg, array_agg, json[b]_agg and
//! json[b]_object_agg, which keep their inputs with their `ORDER BY` keys
//! and sort them at the end),
//! with PostgreSQL's result types: sum(int2/int4) is bigint, sum(int8) and
//! avg of integers are numeric, avg of floats is double precision.
//! The ordered-set aggregates (`WITHIN GROUP`) collect their sort keys the
//! same way and are computed by [`crate::exec::ordered_set`].
//!
//! [`accumulate`] and [`finish_group`] feed one input row to a group's
//! accumulators and produce a group's output row; the plain hash aggregate
//! and the grouping-sets one ([`crate::exec::grouping_sets`]) share them.

use std::cmp::Ordering;
use std::collections::HashSet;

use crate::error::{EngineError, Result, SqlState};
use crate::exec::ctx::Ctx;
use crate::exec::interrupt::Interrupt;
use crate::plan::node::{AggCall, AggFunc};
use crate::types::{
    array, cast, compare_typed, eval_binary, json, json_funcs, BinaryOp, CastKind, SqlType, Value,
};
use rocksgres_storage::Transaction;

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

/// The running state of one aggregate call in one group.
#[derive(Debug, Clone)]
pub struct Accumulator {
    func: AggFunc,
    ty: SqlType,
    count: i64,
    value: Value,
    seen: Option<HashSet<Vec<u8>>>,
    /// The collecting aggregates: (sort keys, value, delimiter or JSON
    /// object key) per input; the JSON ones keep the value as JSON text.
    parts: Vec<(Vec<Value>, Value, Option<String>)>,
    sort: Vec<crate::plan::node::SortKey>,
    /// The argument types (the JSON aggregates convert by type).
    arg_types: (SqlType, SqlType),
}

impl Accumulator {
    /// A fresh accumulator for `call`.
    pub fn new(call: &AggCall) -> Self {
        Accumulator {
            func: call.func,
            ty: call.ty,
            count: 0,
            value: Value::Null,
            seen: call.distinct.then(HashSet::new),
            parts: Vec::new(),
            sort: call.order_by.clone(),
            arg_types: (
                call.arg.as_ref().map_or(SqlType::Text, |e| e.ty()),
                call.extra.as_ref().map_or(SqlType::Text, |e| e.ty()),
            ),
        }
    }

    /// Adds one input of a JSON aggregate (`json_agg(v)`, or
    /// `json_object_agg(v, extra)`) with its sort keys.
    pub fn add_json(&mut self, v: Value, extra: Value, keys: Vec<Value>) -> Result<()> {
        let (t1, t2) = self.arg_types;
        let text = |v: &Value, t: &SqlType, jsonb: bool| -> Result<String> {
            if jsonb {
                Ok(json_funcs::to_json_tree(v, t)?.to_jsonb_text())
            } else {
                json_funcs::json_text(v, t)
            }
        };
        if !self.first_seen(&[&v, &extra]) {
            return Ok(());
        }
        let part = match self.func {
            AggFunc::JsonAgg | AggFunc::JsonbAgg => (
                keys,
                Value::Text(text(&v, &t1, self.func == AggFunc::JsonbAgg)?),
                None,
            ),
            _ => {
                if v.is_null() {
                    return Err(EngineError::new(
                        SqlState::InvalidParameterValue,
                        "field name must not be null",
                    ));
                }
                let mut key = String::new();
                v.write_text(&mut key);
                if let Value::Bool(b) = v {
                    key = if b { "true" } else { "false" }.to_owned();
                }
                let value = text(&extra, &t2, self.func == AggFunc::JsonbObjectAgg)?;
                (keys, Value::Text(value), Some(key))
            }
        };
        self.parts.push(part);
        Ok(())
    }

    /// Adds one `string_agg` or `array_agg` input with its delimiter and
    /// sort keys (`array_agg` keeps `NULL`s; `DISTINCT` keeps the first
    /// of equal values; `array_agg` of arrays refuses `NULL` and empty
    /// ones, as PostgreSQL).
    pub fn add_ordered(&mut self, v: Value, delimiter: Value, keys: Vec<Value>) -> Result<()> {
        if v.is_null() && self.func == AggFunc::StringAgg {
            return Ok(());
        }
        if self.func == AggFunc::ArrayAgg && matches!(self.arg_types.0, SqlType::Array(_)) {
            match &v {
                Value::Text(t) if array::parse_array(t)?.items.is_empty() => {
                    return Err(EngineError::new(
                        SqlState::ArraySubscriptError,
                        "cannot accumulate empty arrays",
                    ))
                }
                Value::Text(_) => {}
                _ => {
                    return Err(EngineError::new(
                        SqlState::NullValueNotAllowed,
                        "cannot accumulate null arrays",
                    ))
                }
            }
        }
        if !self.first_seen(&[&v]) {
            return Ok(());
        }
        let d = match delimiter {
            Value::Text(d) => Some(d),
            _ => None,
        };
        self.parts.push((keys, v, d));
        Ok(())
    }

    /// Whether `values` are new to a `DISTINCT` aggregate (always true
    /// without `DISTINCT`).
    fn first_seen(&mut self, values: &[&Value]) -> bool {
        let Some(seen) = &mut self.seen else {
            return true;
        };
        let owned: Vec<Value> = values.iter().map(|v| (*v).clone()).collect();
        let mut key = Vec::new();
        let types = [self.arg_types.0, self.arg_types.1];
        crate::exec::group_key::row_key_typed(&owned, &types[..owned.len().min(2)], &mut key);
        seen.insert(key)
    }

    /// Adds one input (`None` for `count(*)`).
    pub fn add(&mut self, v: Option<Value>) -> Result<()> {
        let Some(v) = v else {
            self.count += 1;
            return Ok(());
        };
        if v.is_null() {
            return Ok(());
        }
        if let Some(seen) = &mut self.seen {
            let mut key = Vec::new();
            crate::exec::group_key::row_key_typed(
                std::slice::from_ref(&v),
                std::slice::from_ref(&self.arg_types.0),
                &mut key,
            );
            if !seen.insert(key) {
                return Ok(());
            }
        }
        self.count += 1;
        match self.func {
            AggFunc::CountStar | AggFunc::Count => {}
            AggFunc::Sum | AggFunc::Avg => {
                let acc_ty = match (self.func, self.ty) {
                    (AggFunc::Avg, SqlType::Float8) => SqlType::Float8,
                    (_, t) => t,
                };
                let v = cast(v, &acc_ty, CastKind::Implicit)?;
                self.value = if self.value.is_null() {
                    v
                } else {
                    eval_binary(BinaryOp::Plus, &self.value, &v)?
                };
            }
            AggFunc::Min | AggFunc::Max => {
                let ord = compare_typed(&self.ty, &v, &self.value);
                let replace = self.value.is_null()
                    || match ord {
                        Some(Ordering::Less) => self.func == AggFunc::Min,
                        Some(Ordering::Greater) => self.func == AggFunc::Max,
                        _ => false,
                    };
                if replace {
                    self.value = v;
                }
            }
            AggFunc::StringAgg
            | AggFunc::ArrayAgg
            | AggFunc::JsonAgg
            | AggFunc::JsonbAgg
            | AggFunc::JsonObjectAgg
            | AggFunc::JsonbObjectAgg => {}
            AggFunc::PercentileCont
            | AggFunc::PercentileDisc
            | AggFunc::Mode
            | AggFunc::HypotheticalRank
            | AggFunc::HypotheticalDenseRank
            | AggFunc::HypotheticalPercentRank
            | AggFunc::HypotheticalCumeDist => {}
            AggFunc::BoolAnd | AggFunc::BoolOr => {
                let b = matches!(v, Value::Bool(true));
                self.value = match (&self.value, self.func) {
                    (Value::Bool(cur), AggFunc::BoolAnd) => Value::Bool(*cur && b),
                    (Value::Bool(cur), _) => Value::Bool(*cur || b),
                    _ => Value::Bool(b),
                };
            }
        }
        Ok(())
    }

    /// Adds one input row of an ordered-set aggregate: its `WITHIN GROUP`
    /// keys (the percentiles and `mode` skip `NULL` inputs, as PostgreSQL).
    pub fn add_sorted(&mut self, keys: Vec<Value>) {
        let hypothetical = !matches!(
            self.func,
            AggFunc::PercentileCont | AggFunc::PercentileDisc | AggFunc::Mode
        );
        if hypothetical || !keys.first().is_some_and(Value::is_null) {
            self.parts.push((keys, Value::Null, None));
        }
    }

    /// The value of an ordered-set aggregate, given its direct arguments.
    pub fn finish_ordered_set(
        self,
        direct: Vec<Value>,
        interrupt: &mut Interrupt,
    ) -> Result<Value> {
        let keys: Vec<Vec<Value>> = self.parts.into_iter().map(|p| p.0).collect();
        crate::exec::ordered_set::finish(self.func, self.ty, &self.sort, keys, direct, interrupt)
    }

    /// The aggregate's value; the ordered `string_agg` sort and
    /// concatenation check `interrupt`.
    pub fn finish(mut self, interrupt: &mut Interrupt) -> Result<Value> {
        if self.func.collects() {
            if self.parts.is_empty() {
                return Ok(Value::Null);
            }
            let sort = std::mem::take(&mut self.sort);
            if !sort.is_empty() {
                crate::exec::sort::sort_by(
                    &mut self.parts,
                    |a, b| crate::exec::run::sort_cmp(&sort, &a.0, &b.0),
                    interrupt,
                )?;
            }
        }
        Ok(match self.func {
            AggFunc::JsonAgg
            | AggFunc::JsonbAgg
            | AggFunc::JsonObjectAgg
            | AggFunc::JsonbObjectAgg => {
                return self.finish_json(interrupt);
            }
            AggFunc::StringAgg | AggFunc::ArrayAgg => {
                if self.func == AggFunc::ArrayAgg {
                    let values: Vec<Value> = self.parts.drain(..).map(|p| p.1).collect();
                    if matches!(self.arg_types.0, SqlType::Array(_)) {
                        return array_of_arrays(&values);
                    }
                    return Ok(array::from_values(&values));
                }
                let mut out = String::new();
                for (i, (_, s, d)) in self.parts.iter().enumerate() {
                    interrupt.check()?;
                    if i > 0 {
                        if let Some(d) = d {
                            out.push_str(d);
                        }
                    }
                    s.write_text(&mut out);
                }
                Value::Text(out)
            }
            AggFunc::CountStar | AggFunc::Count => Value::Int8(self.count),
            // Computed by `finish_ordered_set`.
            AggFunc::PercentileCont
            | AggFunc::PercentileDisc
            | AggFunc::Mode
            | AggFunc::HypotheticalRank
            | AggFunc::HypotheticalDenseRank
            | AggFunc::HypotheticalPercentRank
            | AggFunc::HypotheticalCumeDist => Value::Null,
            AggFunc::Avg => {
                if self.count == 0 {
                    Value::Null
                } else {
                    let n = cast(Value::Int8(self.count), &self.ty, CastKind::Implicit)
                        .unwrap_or(Value::Int8(self.count));
                    eval_binary(BinaryOp::Divide, &self.value, &n)?
                }
            }
            _ => self.value,
        })
    }

    /// A JSON aggregate's value from its sorted inputs (JSON texts).
    fn finish_json(mut self, interrupt: &mut Interrupt) -> Result<Value> {
        let text = |v: &Value| match v {
            Value::Text(s) => s.clone(),
            _ => String::new(),
        };
        let mut out = String::new();
        match self.func {
            AggFunc::JsonAgg => {
                // PostgreSQL puts a line break before structured items.
                let sep = if matches!(self.arg_types.0, SqlType::Array(_)) {
                    ", \n "
                } else {
                    ", "
                };
                out.push('[');
                for (i, (_, s, _)) in self.parts.iter().enumerate() {
                    interrupt.check()?;
                    if i > 0 {
                        out.push_str(sep);
                    }
                    out.push_str(&text(s));
                }
                out.push(']');
            }
            AggFunc::JsonObjectAgg => {
                out.push_str("{ ");
                for (i, (_, v, k)) in self.parts.iter().enumerate() {
                    interrupt.check()?;
                    if i > 0 {
                        out.push_str(", ");
                    }
                    json::escape_into(&mut out, k.as_deref().unwrap_or_default());
                    out.push_str(" : ");
                    out.push_str(&text(v));
                }
                out.push_str(" }");
            }
            AggFunc::JsonbAgg => {
                let mut items = Vec::with_capacity(self.parts.len());
                for (_, s, _) in &self.parts {
                    interrupt.check()?;
                    items.push(json::jsonb_tree(&text(s))?);
                }
                out = json::Json::Array(items).to_jsonb_text();
            }
            _ => {
                let mut pairs = Vec::with_capacity(self.parts.len());
                for (_, v, k) in self.parts.drain(..) {
                    interrupt.check()?;
                    pairs.push((k.unwrap_or_default(), json::jsonb_tree(&text(&v))?));
                }
                let mut j = json::Json::Object(pairs);
                j.normalize();
                out = j.to_jsonb_text();
            }
        }
        Ok(Value::Text(out))
    }
}

/// `array_agg` of arrays: one more dimension (2202E when the inputs'
/// dimensions differ, as PostgreSQL).
fn array_of_arrays(values: &[Value]) -> Result<Value> {
    let mut parts = Vec::with_capacity(values.len());
    for v in values {
        if let Value::Text(t) = v {
            parts.push(array::parse_array(t)?);
        }
    }
    if parts
        .first()
        .is_some_and(|p| p.ndims() + 1 > array::MAX_DIMS)
    {
        return Err(EngineError::new(
            SqlState::ProgramLimitExceeded,
            format!(
                "number of array dimensions ({}) exceeds the maximum allowed ({})",
                parts[0].ndims() + 1,
                array::MAX_DIMS
            ),
        ));
    }
    array::ArrayText::stack(parts)
        .map(array::ArrayText::into_value)
        .ok_or_else(|| {
            EngineError::new(
                SqlState::ArraySubscriptError,
                "cannot accumulate arrays of different dimensionality",
            )
        })
}

/// Feeds one input `row` to a group's accumulators (`FILTER` applied).
pub fn accumulate<T: Transaction>(
    accs: &mut [Accumulator],
    aggs: &[AggCall],
    row: &[Value],
    ctx: &mut Ctx<'_, T>,
) -> Result<()> {
    for (acc, call) in accs.iter_mut().zip(aggs) {
        if let Some(f) = &call.filter {
            if !f.holds(row, ctx)? {
                continue;
            }
        }
        if call.func.is_ordered_set() {
            let mut keys = Vec::with_capacity(call.order_by.len());
            for k in &call.order_by {
                keys.push(k.expr.eval(row, ctx)?);
            }
            acc.add_sorted(keys);
            continue;
        }
        if call.func.collects() {
            let v = match &call.arg {
                Some(e) => e.eval(row, ctx)?,
                None => Value::Null,
            };
            let d = match &call.extra {
                Some(e) => e.eval(row, ctx)?,
                None => Value::Null,
            };
            let mut keys = Vec::with_capacity(call.order_by.len());
            for k in &call.order_by {
                keys.push(k.expr.eval(row, ctx)?);
            }
            if call.func.is_json() {
                acc.add_json(v, d, keys)?;
            } else {
                acc.add_ordered(v, d, keys)?;
            }
            continue;
        }
        let v = match &call.arg {
            Some(e) => Some(e.eval(row, ctx)?),
            None => None,
        };
        acc.add(v)?;
    }
    Ok(())
}

/// Appends a group's aggregate values to `out` (which holds the group's
/// values): the direct arguments of ordered-set aggregates are evaluated
/// over that row.
pub fn finish_group<T: Transaction>(
    accs: Vec<Accumulator>,
    aggs: &[AggCall],
    out: &mut Vec<Value>,
    ctx: &mut Ctx<'_, T>,
) -> Result<()> {
    for (acc, call) in accs.into_iter().zip(aggs) {
        let v = if call.func.is_ordered_set() {
            let mut direct = Vec::with_capacity(call.direct.len());
            for d in &call.direct {
                direct.push(d.eval(out, ctx)?);
            }
            acc.finish_ordered_set(direct, &mut ctx.interrupt)?
        } else {
            acc.finish(&mut ctx.interrupt)?
        };
        out.push(v);
    }
    Ok(())
}
