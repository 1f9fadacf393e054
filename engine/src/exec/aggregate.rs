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

use crate::error::{EngineError, Result, SqlState};
use crate::exec::agg_inputs::{AggInputs, SortedInputs};
use crate::exec::ctx::Ctx;
use crate::exec::spill::SpillEnv;
use crate::interrupt::Interrupt;
use crate::plan::node::{AggCall, AggFunc};
use crate::types::{
    array, cast, compare_typed, eval_binary, json, json_funcs, BinaryOp, CastKind, SqlType, Value,
};
use rocksgres_storage::Transaction;

/// The running state of one aggregate call in one group.
#[derive(Debug, Clone)]
pub struct Accumulator {
    func: AggFunc,
    ty: SqlType,
    count: i64,
    value: Value,
    distinct: bool,
    /// The kept inputs (`DISTINCT`, the collecting and the ordered-set
    /// aggregates): `ORDER BY` keys, distinct values, then for the
    /// collecting ones the value and the delimiter (or JSON object key);
    /// the JSON ones keep the value as JSON text. See
    /// [`crate::exec::agg_inputs`].
    inputs: Option<AggInputs>,
    sort: Vec<crate::plan::node::SortKey>,
    /// The argument types (the JSON aggregates convert by type).
    arg_types: (SqlType, SqlType),
    /// `sum`/`avg` into a numeric while `value` is still NULL: the exact
    /// sum so far as an integer scaled by `10^scale` (the largest display
    /// scale of the inputs), kept while it fits in 128 bits, so adding
    /// an input allocates nothing. Turned into `value`
    /// ([`Accumulator::flush_fixed`]) before `value` is used, and when an
    /// input does not fit; the result is the same numeric, display scale
    /// included.
    fixed: Option<FixedSum>,
}

/// A scaled integer sum (see [`Accumulator::fixed`]).
#[derive(Debug, Clone, Copy)]
struct FixedSum {
    sum: i128,
    scale: u16,
}

/// The largest display scale a [`FixedSum`] takes.
const FIXED_MAX_SCALE: u16 = 30;

impl FixedSum {
    /// The sum plus `v` (an integer or a numeric), `None` when `v` is not
    /// finite or the result does not fit.
    fn add(self, v: &Value) -> Option<FixedSum> {
        let (negative, magnitude, v_scale) = match v {
            Value::Int2(_) | Value::Int4(_) | Value::Int8(_) => {
                let i = v.as_i64()?;
                (i < 0, i128::from(i).unsigned_abs(), 0u16)
            }
            Value::Numeric(n) if n.is_finite() && n.dscale() <= FIXED_MAX_SCALE => {
                let mut m: u128 = 0;
                for &d in n.digits() {
                    m = m.checked_mul(10)?.checked_add(u128::from(d))?;
                }
                // The last digit sits at position weight - (len - 1);
                // scaled by 10^dscale it is at a power >= 0 (digits never
                // reach past the display scale).
                let last = i64::from(n.weight()) - (n.digits().len() as i64 - 1);
                let shift = u32::try_from(last + i64::from(n.dscale())).ok()?;
                if m != 0 {
                    m = m.checked_mul(10u128.checked_pow(shift)?)?;
                }
                (n.is_negative(), m, n.dscale())
            }
            _ => return None,
        };
        let scale = self.scale.max(v_scale);
        let up = |x: i128, from: u16| x.checked_mul(10i128.checked_pow(u32::from(scale - from))?);
        let sum = up(self.sum, self.scale)?;
        let m = i128::try_from(magnitude).ok()?;
        let v = up(if negative { -m } else { m }, v_scale)?;
        Some(FixedSum {
            sum: sum.checked_add(v)?,
            scale,
        })
    }

    /// The sum as a numeric of display scale `scale`.
    fn to_numeric(self) -> Result<Value> {
        let digits: Vec<u8> = self
            .sum
            .unsigned_abs()
            .to_string()
            .bytes()
            .map(|b| b - b'0')
            .collect();
        let weight = digits.len() as i32 - 1 - i32::from(self.scale);
        rocksgres_codec::Numeric::from_parts(self.sum < 0, &digits, weight, self.scale)
            .map(Value::Numeric)
            .map_err(|e| EngineError::internal(format!("sum: {e}")))
    }
}

impl Accumulator {
    /// A fresh accumulator for `call` that keeps its inputs in memory (a
    /// window's).
    pub fn new(call: &AggCall) -> Self {
        Self::within(call, None)
    }

    /// A fresh accumulator for `call` whose kept inputs spill past
    /// `work_mem` within `env` (`None`: in memory).
    pub fn within(call: &AggCall, env: Option<&SpillEnv>) -> Self {
        let arg_types = (
            call.arg.as_ref().map_or(SqlType::Text, |e| e.ty()),
            call.extra.as_ref().map_or(SqlType::Text, |e| e.ty()),
        );
        let keeps = call.distinct || call.func.collects() || call.func.is_ordered_set();
        let inputs = keeps.then(|| {
            let distinct = if !call.distinct {
                Vec::new()
            } else if call.func.is_json() {
                vec![arg_types.0, arg_types.1]
            } else {
                vec![arg_types.0]
            };
            let order = if call.func.collects() || call.func.is_ordered_set() {
                call.order_by.clone()
            } else {
                Vec::new()
            };
            AggInputs::new(order, distinct, env)
        });
        Accumulator {
            func: call.func,
            ty: call.ty,
            count: 0,
            value: Value::Null,
            distinct: call.distinct,
            inputs,
            sort: call.order_by.clone(),
            arg_types,
            fixed: None,
        }
    }

    /// Moves a [`FixedSum`] into `value` (which is NULL while there is one).
    fn flush_fixed(&mut self) -> Result<()> {
        if let Some(f) = self.fixed.take() {
            self.value = f.to_numeric()?;
        }
        Ok(())
    }

    /// Merges `other`, the state of the same call over other rows (a
    /// parallel worker's: see [`crate::exec::gather_stage`]), into this
    /// one, as if this one had been fed those rows too. Only for the
    /// calls whose state is a count and a value: `count`, `sum`, `avg`,
    /// `min`, `max`, `bool_and`, `bool_or`, without `DISTINCT`.
    pub fn merge(&mut self, mut other: Accumulator) -> Result<()> {
        other.flush_fixed()?;
        let count = other.count;
        if !other.value.is_null() && !matches!(self.func, AggFunc::CountStar | AggFunc::Count) {
            // Counts one input; the other's count replaces it below.
            self.add_value(other.value)?;
            self.count -= 1;
        }
        self.count += count;
        Ok(())
    }

    /// The state of a mergeable call (see [`Accumulator::merge`]) as two
    /// values, its count and its value, to write to a temporary file.
    pub fn into_partial(mut self) -> Result<[Value; 2]> {
        self.flush_fixed()?;
        Ok([Value::Int8(self.count), self.value])
    }

    /// The state [`Accumulator::into_partial`] gave, for `call`.
    pub fn from_partial(call: &AggCall, count: &Value, value: Value) -> Self {
        let mut acc = Accumulator::new(call);
        acc.count = count.as_i64().unwrap_or(0);
        acc.value = value;
        acc
    }

    /// Whether kept inputs went to temporary files.
    pub fn is_spilled(&self) -> bool {
        self.inputs.as_ref().is_some_and(AggInputs::is_spilled)
    }

    /// Keeps one input: `keys`, the distinct values (when `DISTINCT`),
    /// then `payload`.
    fn keep(
        &mut self,
        mut keys: Vec<Value>,
        distinct: &[&Value],
        payload: [Value; 2],
        interrupt: &mut Interrupt,
    ) -> Result<()> {
        if self.distinct {
            keys.extend(distinct.iter().map(|v| (*v).clone()));
        }
        keys.extend(payload);
        match &mut self.inputs {
            Some(inputs) => inputs.push(keys, interrupt),
            None => Ok(()),
        }
    }

    /// Adds one input of a JSON aggregate (`json_agg(v)`, or
    /// `json_object_agg(v, extra)`) with its sort keys.
    pub fn add_json(
        &mut self,
        v: Value,
        extra: Value,
        keys: Vec<Value>,
        interrupt: &mut Interrupt,
    ) -> Result<()> {
        let (t1, t2) = self.arg_types;
        let text = |v: &Value, t: &SqlType, jsonb: bool| -> Result<String> {
            if jsonb {
                Ok(json_funcs::to_json_tree(v, t)?.to_jsonb_text())
            } else {
                json_funcs::json_text(v, t)
            }
        };
        let payload = match self.func {
            AggFunc::JsonAgg | AggFunc::JsonbAgg => [
                Value::Text(text(&v, &t1, self.func == AggFunc::JsonbAgg)?),
                Value::Null,
            ],
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
                [Value::Text(value), Value::Text(key)]
            }
        };
        self.keep(keys, &[&v, &extra], payload, interrupt)
    }

    /// Adds one `string_agg` or `array_agg` input with its delimiter and
    /// sort keys (`array_agg` keeps `NULL`s; `DISTINCT` keeps the first
    /// of equal values; `array_agg` of arrays refuses `NULL` and empty
    /// ones, as PostgreSQL).
    pub fn add_ordered(
        &mut self,
        v: Value,
        delimiter: Value,
        keys: Vec<Value>,
        interrupt: &mut Interrupt,
    ) -> Result<()> {
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
        let d = if matches!(delimiter, Value::Text(_)) {
            delimiter
        } else {
            Value::Null
        };
        let dv = if self.distinct {
            v.clone()
        } else {
            Value::Null
        };
        self.keep(keys, &[&dv], [v, d], interrupt)
    }

    /// Adds one input (`None` for `count(*)`); a `DISTINCT` one is kept
    /// until the group ends.
    pub fn add(&mut self, v: Option<Value>, interrupt: &mut Interrupt) -> Result<()> {
        let Some(v) = v else {
            self.count += 1;
            return Ok(());
        };
        if v.is_null() {
            return Ok(());
        }
        if self.distinct {
            if let Some(inputs) = &mut self.inputs {
                return inputs.push(vec![v], interrupt);
            }
        }
        self.add_value(v)
    }

    /// Adds one non-`NULL` input.
    fn add_value(&mut self, v: Value) -> Result<()> {
        self.count += 1;
        match self.func {
            AggFunc::CountStar | AggFunc::Count => {}
            AggFunc::Sum | AggFunc::Avg => {
                let acc_ty = match (self.func, self.ty) {
                    (AggFunc::Avg, SqlType::Float8) => SqlType::Float8,
                    (_, t) => t,
                };
                let plain_numeric = SqlType::Numeric {
                    precision: None,
                    scale: None,
                };
                if acc_ty == plain_numeric && self.value.is_null() {
                    let so_far = self.fixed.unwrap_or(FixedSum { sum: 0, scale: 0 });
                    if let Some(f) = so_far.add(&v) {
                        self.fixed = Some(f);
                        return Ok(());
                    }
                    self.flush_fixed()?;
                }
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
    pub fn add_sorted(&mut self, keys: Vec<Value>, interrupt: &mut Interrupt) -> Result<()> {
        let hypothetical = !matches!(
            self.func,
            AggFunc::PercentileCont | AggFunc::PercentileDisc | AggFunc::Mode
        );
        if hypothetical || !keys.first().is_some_and(Value::is_null) {
            if let Some(inputs) = &mut self.inputs {
                inputs.push(keys, interrupt)?;
            }
        }
        Ok(())
    }

    /// The value of an ordered-set aggregate, given its direct arguments.
    pub fn finish_ordered_set(
        self,
        direct: Vec<Value>,
        interrupt: &mut Interrupt,
    ) -> Result<Value> {
        let inputs = self
            .inputs
            .unwrap_or_else(|| AggInputs::new(self.sort.clone(), Vec::new(), None));
        crate::exec::ordered_set::finish(self.func, self.ty, &self.sort, inputs, direct, interrupt)
    }

    /// The aggregate's value; the ordered `string_agg` sort and
    /// concatenation check `interrupt`.
    pub fn finish(mut self, interrupt: &mut Interrupt) -> Result<Value> {
        let inputs = self.inputs.take();
        if self.func.collects() {
            let Some(inputs) = inputs else {
                return Ok(Value::Null);
            };
            if inputs.is_empty() {
                return Ok(Value::Null);
            }
            let at = inputs.key_len();
            let rows = inputs.finish(interrupt)?;
            return if self.func.is_json() {
                self.finish_json(rows, at, interrupt)
            } else {
                self.finish_collected(rows, at, interrupt)
            };
        }
        if let Some(inputs) = inputs {
            // DISTINCT: the distinct values, sorted, once each.
            let mut rows = inputs.finish(interrupt)?;
            let mut e = Vec::new();
            while rows.next_into(&mut e)? {
                interrupt.check()?;
                if let Some(v) = e.pop() {
                    self.add_value(v)?;
                }
            }
        }
        self.flush_fixed()?;
        Ok(match self.func {
            AggFunc::CountStar | AggFunc::Count => Value::Int8(self.count),
            AggFunc::Avg => {
                if self.count == 0 {
                    Value::Null
                } else {
                    let n = cast(Value::Int8(self.count), &self.ty, CastKind::Implicit)
                        .unwrap_or(Value::Int8(self.count));
                    eval_binary(BinaryOp::Divide, &self.value, &n)?
                }
            }
            // Computed by `finish_ordered_set`.
            AggFunc::PercentileCont
            | AggFunc::PercentileDisc
            | AggFunc::Mode
            | AggFunc::HypotheticalRank
            | AggFunc::HypotheticalDenseRank
            | AggFunc::HypotheticalPercentRank
            | AggFunc::HypotheticalCumeDist => Value::Null,
            _ => self.value,
        })
    }

    /// `string_agg` or `array_agg` from its sorted inputs (value and
    /// delimiter at `at`).
    fn finish_collected(
        &self,
        mut rows: SortedInputs,
        at: usize,
        interrupt: &mut Interrupt,
    ) -> Result<Value> {
        let mut e = Vec::new();
        if self.func == AggFunc::ArrayAgg {
            let mut values = Vec::new();
            while rows.next_into(&mut e)? {
                interrupt.check()?;
                values.push(std::mem::replace(&mut e[at], Value::Null));
            }
            if matches!(self.arg_types.0, SqlType::Array(_)) {
                return array_of_arrays(&values);
            }
            return Ok(array::from_values(&values));
        }
        let mut out = String::new();
        let mut first = true;
        while rows.next_into(&mut e)? {
            interrupt.check()?;
            if !first {
                if let Value::Text(d) = &e[at + 1] {
                    out.push_str(d);
                }
            }
            first = false;
            e[at].write_text(&mut out);
        }
        Ok(Value::Text(out))
    }

    /// A JSON aggregate's value from its sorted inputs (JSON texts, and
    /// object keys, at `at`).
    fn finish_json(
        &self,
        mut rows: SortedInputs,
        at: usize,
        interrupt: &mut Interrupt,
    ) -> Result<Value> {
        let take = |e: &mut Vec<Value>, i: usize| match std::mem::replace(&mut e[i], Value::Null) {
            Value::Text(s) => s,
            _ => String::new(),
        };
        let mut e = Vec::new();
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
                let mut first = true;
                while rows.next_into(&mut e)? {
                    interrupt.check()?;
                    if !first {
                        out.push_str(sep);
                    }
                    first = false;
                    out.push_str(&take(&mut e, at));
                }
                out.push(']');
            }
            AggFunc::JsonObjectAgg => {
                out.push_str("{ ");
                let mut first = true;
                while rows.next_into(&mut e)? {
                    interrupt.check()?;
                    if !first {
                        out.push_str(", ");
                    }
                    first = false;
                    json::escape_into(&mut out, &take(&mut e, at + 1));
                    out.push_str(" : ");
                    out.push_str(&take(&mut e, at));
                }
                out.push_str(" }");
            }
            AggFunc::JsonbAgg => {
                let mut items = Vec::new();
                while rows.next_into(&mut e)? {
                    interrupt.check()?;
                    items.push(json::jsonb_tree(&take(&mut e, at))?);
                }
                out = json::Json::Array(items).to_jsonb_text();
            }
            _ => {
                let mut pairs = Vec::new();
                while rows.next_into(&mut e)? {
                    interrupt.check()?;
                    let v = json::jsonb_tree(&take(&mut e, at))?;
                    pairs.push((take(&mut e, at + 1), v));
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
            acc.add_sorted(keys, &mut ctx.interrupt)?;
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
                acc.add_json(v, d, keys, &mut ctx.interrupt)?;
            } else {
                acc.add_ordered(v, d, keys, &mut ctx.interrupt)?;
            }
            continue;
        }
        let v = match &call.arg {
            Some(e) => Some(e.eval(row, ctx)?),
            None => None,
        };
        acc.add(v, &mut ctx.interrupt)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Value {
        Value::Numeric(rocksgres_codec::Numeric::parse(s).unwrap())
    }

    /// The sum as the numeric `+` computes it, display scale included.
    fn slow_sum(values: &[Value]) -> Value {
        let ty = SqlType::Numeric {
            precision: None,
            scale: None,
        };
        let mut acc = Value::Null;
        for v in values {
            let v = cast(v.clone(), &ty, CastKind::Implicit).unwrap();
            acc = if acc.is_null() {
                v
            } else {
                eval_binary(BinaryOp::Plus, &acc, &v).unwrap()
            };
        }
        acc
    }

    #[test]
    fn fixed_sum_matches_numeric_addition() {
        let cases: Vec<Vec<Value>> = vec![
            vec![num("1.50"), num("-1.50")],
            vec![num("0.25"), num("990.25"), num("7")],
            vec![
                Value::Int8(i64::MAX),
                Value::Int8(i64::MAX),
                Value::Int4(-3),
            ],
            vec![num("0"), num("0.000")],
            vec![num("-0.001"), num("12345678901234567890.5")],
            vec![num("1e20"), num("0.0001"), Value::Int2(-7)],
            vec![num("100"), num("2.5e3")],
        ];
        for values in cases {
            let mut f = FixedSum { sum: 0, scale: 0 };
            for v in &values {
                f = f.add(v).expect("fits");
            }
            let fast = f.to_numeric().unwrap();
            let slow = slow_sum(&values);
            assert_eq!(
                fast.to_text(),
                slow.to_text(),
                "{values:?}: {fast:?} vs {slow:?}"
            );
        }
    }

    #[test]
    fn fixed_sum_refuses_what_does_not_fit() {
        let f = FixedSum { sum: 0, scale: 0 };
        assert!(f.add(&num("NaN")).is_none());
        assert!(f.add(&num("Infinity")).is_none());
        assert!(f.add(&num("1e40")).is_none());
        assert!(f.add(&num("0.0000000000000000000000000000001")).is_none());
        let big = f.add(&num("1e38")).unwrap();
        assert!(big.add(&num("0.1")).is_none());
    }
}
