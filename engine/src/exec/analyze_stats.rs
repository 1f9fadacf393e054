//! The per-column statistics of `ANALYZE`, computed from a row sample as
//! PostgreSQL 15's `analyze.c` computes them.
//!
//! * Types with an ordering (nearly all) get `compute_scalar_stats`: the
//!   sample's non-null values are sorted (equal values in sample order);
//!   runs of equal values give the distinct count and the most common
//!   values (only values seen more than once; ties in count keep the
//!   smaller value first); `n_distinct` is the count when every value was
//!   seen more than once, else Haas and Stokes' Duj1 estimator
//!   `n*d / (n - f1 + f1*n/N)`, and becomes `-(d/N)` when it passes 10%
//!   of the rows. The MCV list is complete when it holds every distinct
//!   value; otherwise values not significantly more common than the rest
//!   are cut (`analyze_mcv_list`; a fully read table keeps the whole
//!   list). The histogram takes evenly spaced values among those not in
//!   the MCV list (at most target + 1 bounds, only with 2 or more such
//!   distinct values), and the correlation is that of the sorted
//!   position with the sample position.
//! * `json` and `jsonpath` (no equality) get `compute_trivial_stats`:
//!   null fraction and width only, `n_distinct` 0 ("unknown").
//!
//! Widths are PostgreSQL's stored sizes: a fixed-length type's length, a
//! varlena's bytes with its 1- or 4-byte header (exact for the string
//! types, `bytea`, `numeric`, `bit`, `inet`; the text length for the
//! others). Values wider than 1024 bytes are counted but never compared
//! (`WIDTH_THRESHOLD`): they count as distinct. Array columns get no
//! element statistics (`most_common_elems` is NULL).

use std::cmp::Ordering;

use crate::catalog::statistic::ColumnStats;
use crate::types::compare_typed;
use crate::types::{SqlType, Value};

/// Values wider than this are not compared (PostgreSQL's
/// `WIDTH_THRESHOLD`).
pub const WIDTH_THRESHOLD: usize = 1024;

/// One sampled value of a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// NULL.
    Null,
    /// A value wider than [`WIDTH_THRESHOLD`], kept only as its width.
    Wide(usize),
    /// A value.
    Val(Value),
}

impl Cell {
    /// The cell for `v`, a value of `ty`.
    pub fn of(v: &Value, ty: &SqlType) -> Cell {
        if v.is_null() {
            return Cell::Null;
        }
        if fixed_width(ty).is_none() {
            let w = stored_width(v, ty);
            if w > WIDTH_THRESHOLD {
                return Cell::Wide(w);
            }
        }
        Cell::Val(v.clone())
    }
}

/// The length of a fixed-length type (`typlen`), `None` for a varlena.
pub fn fixed_width(ty: &SqlType) -> Option<i32> {
    Some(match ty {
        SqlType::Bool | SqlType::QChar => 1,
        SqlType::Int2 => 2,
        SqlType::Int4 | SqlType::Float4 | SqlType::Date | SqlType::Oid | SqlType::Reg(_) => 4,
        SqlType::Enum(_) => 4,
        SqlType::Int8
        | SqlType::Float8
        | SqlType::Time(_)
        | SqlType::Timestamp(_)
        | SqlType::Timestamptz(_) => 8,
        SqlType::Interval(_) | SqlType::Uuid => 16,
        SqlType::TimeTz(_) => 12,
        SqlType::MacAddr => 6,
        SqlType::MacAddr8 => 8,
        SqlType::Name => 64,
        _ => return None,
    })
}

/// A varlena of `data` bytes as stored: a 1-byte header when it fits
/// (PostgreSQL's short varlena), else 4.
fn varlena(data: usize) -> usize {
    if data < 127 {
        data + 1
    } else {
        data + 4
    }
}

/// The stored size of a `numeric` from its text form: base-10000 digits
/// without leading or trailing zero groups, after a 2-byte header (4 when
/// the weight or display scale is out of the short format's range).
fn numeric_width(text: &str) -> usize {
    let t = text.trim_start_matches('-');
    if !t.starts_with(|c: char| c.is_ascii_digit()) {
        return varlena(2); // NaN, Infinity
    }
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let int = int.trim_start_matches('0');
    // Integer groups counted from the point leftwards, fraction groups
    // rightwards.
    let mut groups: Vec<bool> = Vec::new(); // whether each group is nonzero
    let lead = int.len() % 4;
    let mut chunks: Vec<&str> = Vec::new();
    if lead > 0 {
        chunks.push(&int[..lead]);
    }
    let mut i = lead;
    while i < int.len() {
        chunks.push(&int[i..i + 4]);
        i += 4;
    }
    let int_groups = chunks.len();
    let mut i = 0;
    while i < frac.len() {
        chunks.push(&frac[i..(i + 4).min(frac.len())]);
        i += 4;
    }
    groups.extend(chunks.iter().map(|c| c.bytes().any(|b| b != b'0')));
    let first = groups.iter().position(|&g| g);
    let last = groups.iter().rposition(|&g| g);
    let ndigits = match (first, last) {
        (Some(f), Some(l)) => l - f + 1,
        _ => 0,
    };
    let weight = match first {
        Some(f) => int_groups as i64 - 1 - f as i64,
        None => 0,
    };
    let short = frac.len() <= 63 && (-64..=63).contains(&weight);
    varlena(if short { 2 } else { 4 } + 2 * ndigits)
}

/// The stored width of value `v` of type `ty` (see the module docs).
pub fn stored_width(v: &Value, ty: &SqlType) -> usize {
    if let Some(w) = fixed_width(ty) {
        return w as usize;
    }
    match v {
        Value::Text(s) => varlena(s.len()),
        Value::Bytea(b) => varlena(b.len()),
        Value::Bits(b) => varlena(4 + b.bytes.len()),
        Value::Inet(i) => varlena(2 + i.nbytes()),
        Value::Numeric(_) => numeric_width(&v.to_text().unwrap_or_default()),
        other => varlena(other.to_text().map_or(0, |t| t.len())),
    }
}

/// Whether values of `ty` can be sorted (else only the trivial stats).
fn sortable(ty: &SqlType) -> bool {
    !matches!(ty, SqlType::Json | SqlType::JsonPath)
}

/// What a column's sample gives, before it is tagged with the column.
fn stats(null_frac: f32, avg_width: i32, n_distinct: f32) -> ColumnStats {
    ColumnStats {
        column: 0,
        type_oid: 0,
        null_frac,
        avg_width,
        n_distinct,
        mcv: Vec::new(),
        mcv_freqs: Vec::new(),
        histogram: Vec::new(),
        correlation: None,
    }
}

/// The statistics of one column from its sampled `cells` (in the rows'
/// stored order), out of `total_rows` rows, with statistics target
/// `target`; `None` when the sample is empty.
pub fn compute(
    ty: &SqlType,
    target: usize,
    cells: &[Cell],
    total_rows: f64,
) -> Option<ColumnStats> {
    if cells.is_empty() {
        return None;
    }
    if sortable(ty) {
        compute_scalar(ty, target, cells, total_rows)
    } else {
        compute_trivial(ty, cells)
    }
}

/// The width totals of a sample: (nulls, non-nulls, too wide, total width).
fn widths(ty: &SqlType, cells: &[Cell]) -> (usize, usize, usize, f64) {
    let (mut nulls, mut nonnull, mut wide, mut total) = (0, 0, 0, 0.0);
    for c in cells {
        match c {
            Cell::Null => nulls += 1,
            Cell::Wide(w) => {
                nonnull += 1;
                wide += 1;
                total += *w as f64;
            }
            Cell::Val(v) => {
                nonnull += 1;
                total += stored_width(v, ty) as f64;
            }
        }
    }
    (nulls, nonnull, wide, total)
}

fn avg_width(ty: &SqlType, total: f64, nonnull: usize) -> i32 {
    match fixed_width(ty) {
        Some(w) => w,
        // PostgreSQL assigns the double to an int4: truncation.
        None => (total / nonnull as f64) as i32,
    }
}

/// The stats of a column whose sample is all NULL.
fn all_null(ty: &SqlType) -> ColumnStats {
    stats(1.0, fixed_width(ty).unwrap_or(0), 0.0)
}

fn compute_trivial(ty: &SqlType, cells: &[Cell]) -> Option<ColumnStats> {
    let (nulls, nonnull, _, total) = widths(ty, cells);
    if nonnull == 0 {
        return Some(all_null(ty));
    }
    let null_frac = (nulls as f64 / cells.len() as f64) as f32;
    Some(stats(null_frac, avg_width(ty, total, nonnull), 0.0))
}

fn compute_scalar(
    ty: &SqlType,
    target: usize,
    cells: &[Cell],
    total_rows: f64,
) -> Option<ColumnStats> {
    let sample_rows = cells.len();
    let (nulls, nonnull, too_wide, total) = widths(ty, cells);
    if nonnull == 0 {
        return Some(all_null(ty));
    }
    let null_frac = (nulls as f64 / sample_rows as f64) as f32;
    let width = avg_width(ty, total, nonnull);
    // The comparable values with their position among them.
    let mut values: Vec<(usize, &Value)> = cells
        .iter()
        .filter_map(|c| match c {
            Cell::Val(v) => Some(v),
            _ => None,
        })
        .enumerate()
        .collect();
    if values.is_empty() {
        // All too wide: assume a unique column.
        return Some(stats(
            null_frac,
            width,
            -(1.0 - f64::from(null_frac)) as f32,
        ));
    }
    let cmp = |a: &Value, b: &Value| compare_typed(ty, a, b).unwrap_or(Ordering::Equal);
    values.sort_by(|a, b| cmp(a.1, b.1).then(a.0.cmp(&b.0)));
    let n_values = values.len();
    let num_target = target.max(1);
    // (count, first position in `values`) of the most common values seen
    // more than once, most common first.
    let mut track: Vec<(usize, usize)> = Vec::with_capacity(num_target);
    let (mut ndistinct, mut nmultiple, mut dups) = (0usize, 0usize, 0usize);
    let mut corr_xysum = 0.0f64;
    for (i, &(tupno, v)) in values.iter().enumerate() {
        corr_xysum += i as f64 * tupno as f64;
        dups += 1;
        let last_of_run = values
            .get(i + 1)
            .is_none_or(|next| cmp(v, next.1) != Ordering::Equal);
        if !last_of_run {
            continue;
        }
        ndistinct += 1;
        if dups > 1 {
            nmultiple += 1;
            if track.len() < num_target || dups > track[track.len() - 1].0 {
                if track.len() < num_target {
                    track.push((0, 0));
                }
                let mut j = track.len() - 1;
                while j > 0 && dups > track[j - 1].0 {
                    track[j] = track[j - 1];
                    j -= 1;
                }
                track[j] = (dups, i + 1 - dups);
            }
        }
        dups = 0;
    }
    let null_frac64 = f64::from(null_frac);
    let mut n_distinct: f64 = if nmultiple == 0 {
        -(1.0 - null_frac64)
    } else if too_wide == 0 && nmultiple == ndistinct {
        ndistinct as f64
    } else {
        let f1 = (ndistinct - nmultiple + too_wide) as f64;
        let d = f1 + nmultiple as f64;
        let n = (sample_rows - nulls) as f64;
        let big_n = total_rows * (1.0 - null_frac64);
        let mut est = if big_n > 0.0 {
            (n * d) / ((n - f1) + f1 * n / big_n)
        } else {
            0.0
        };
        if est < d {
            est = d;
        }
        if est > big_n {
            est = big_n;
        }
        (est + 0.5).floor()
    };
    if n_distinct > 0.1 * total_rows {
        n_distinct = -(n_distinct / total_rows);
    }
    let n_distinct = n_distinct as f32;
    let mut num_mcv = target;
    if track.len() == ndistinct && too_wide == 0 && n_distinct > 0.0 && track.len() <= num_mcv {
        num_mcv = track.len();
    } else {
        num_mcv = num_mcv.min(track.len());
        if num_mcv > 0 {
            let counts: Vec<usize> = track[..num_mcv].iter().map(|t| t.0).collect();
            num_mcv = analyze_mcv_list(
                &counts,
                n_distinct as f64,
                null_frac64,
                sample_rows,
                total_rows,
            );
        }
    }
    let mut out = stats(null_frac, width, n_distinct);
    let text = |v: &Value| v.to_text().unwrap_or_default();
    for &(count, first) in &track[..num_mcv] {
        out.mcv.push(text(values[first].1));
        out.mcv_freqs
            .push((count as f64 / sample_rows as f64) as f32);
    }
    // The histogram, over the values not in the MCV list.
    let num_bins = target;
    let mut num_hist = ndistinct - num_mcv;
    if num_hist > num_bins {
        num_hist = num_bins + 1;
    }
    if num_hist >= 2 {
        let mut mcvs: Vec<(usize, usize)> = track[..num_mcv].to_vec();
        mcvs.sort_by_key(|t| t.1);
        let mut rest: Vec<&Value> = Vec::with_capacity(n_values);
        let mut j = 0;
        let mut src = 0;
        while src < n_values {
            if j < mcvs.len() && src >= mcvs[j].1 {
                src = mcvs[j].1 + mcvs[j].0;
                j += 1;
                continue;
            }
            let stop = if j < mcvs.len() { mcvs[j].1 } else { n_values };
            rest.extend(values[src..stop].iter().map(|v| v.1));
            src = stop;
        }
        let nvals = rest.len();
        let delta = (nvals - 1) / (num_hist - 1);
        let delta_frac = (nvals - 1) % (num_hist - 1);
        let (mut pos, mut pos_frac) = (0usize, 0usize);
        for _ in 0..num_hist {
            out.histogram.push(text(rest[pos]));
            pos += delta;
            pos_frac += delta_frac;
            if pos_frac >= num_hist - 1 {
                pos += 1;
                pos_frac -= num_hist - 1;
            }
        }
    }
    if n_values > 1 {
        let n = n_values as f64;
        let xsum = (n - 1.0) * n / 2.0;
        let x2sum = (n - 1.0) * n * (2.0 * n - 1.0) / 6.0;
        let corr = (n * corr_xysum - xsum * xsum) / (n * x2sum - xsum * xsum);
        out.correlation = Some(corr as f32);
    }
    Some(out)
}

/// How many of the candidate most common values (their sample `counts`,
/// most common first) are worth keeping: PostgreSQL's
/// `analyze_mcv_list`.
fn analyze_mcv_list(
    counts: &[usize],
    n_distinct: f64,
    null_frac: f64,
    sample_rows: usize,
    total_rows: f64,
) -> usize {
    let mut num_mcv = counts.len();
    let samplerows = sample_rows as f64;
    if samplerows == total_rows || total_rows <= 1.0 {
        return num_mcv;
    }
    let ndistinct_table = if n_distinct < 0.0 {
        -n_distinct * total_rows
    } else {
        n_distinct
    };
    let mut sumcount: f64 = counts[..num_mcv - 1].iter().map(|&c| c as f64).sum();
    while num_mcv > 0 {
        let mut selec = 1.0 - sumcount / samplerows - null_frac;
        selec = selec.clamp(0.0, 1.0);
        let otherdistinct = ndistinct_table - (num_mcv as f64 - 1.0);
        if otherdistinct > 1.0 {
            selec /= otherdistinct;
        }
        let big_n = total_rows;
        let n = samplerows;
        let k = big_n * counts[num_mcv - 1] as f64 / n;
        let variance = n * k * (big_n - k) * (big_n - n) / (big_n * big_n * (big_n - 1.0));
        let stddev = variance.sqrt();
        if counts[num_mcv - 1] as f64 > selec * samplerows + 2.0 * stddev + 0.5 {
            break;
        }
        num_mcv -= 1;
        if num_mcv == 0 {
            break;
        }
        sumcount -= counts[num_mcv - 1] as f64;
    }
    num_mcv
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(v: &[Option<i32>]) -> Vec<Cell> {
        v.iter()
            .map(|x| match x {
                None => Cell::Null,
                Some(i) => Cell::Val(Value::Int4(*i)),
            })
            .collect()
    }

    #[test]
    fn unique_column() {
        let cells = ints(&[Some(1), Some(2), Some(3), Some(4)]);
        let s = compute(&SqlType::Int4, 100, &cells, 4.0).unwrap();
        assert_eq!(s.n_distinct, -1.0);
        assert!(s.mcv.is_empty());
        assert_eq!(s.histogram, vec!["1", "2", "3", "4"]);
        assert_eq!(s.correlation, Some(1.0));
        assert_eq!(s.avg_width, 4);
    }

    #[test]
    fn repeated_values() {
        // 0..3 each ten times, in rotation (PostgreSQL: n_distinct 4, all
        // four values as MCVs at 0.25, no histogram).
        let cells: Vec<Cell> = (1..=40).map(|i| Cell::Val(Value::Int4(i % 4))).collect();
        let s = compute(&SqlType::Int4, 100, &cells, 40.0).unwrap();
        assert_eq!(s.n_distinct, 4.0);
        assert_eq!(s.mcv, vec!["0", "1", "2", "3"]);
        assert_eq!(s.mcv_freqs, vec![0.25; 4]);
        assert!(s.histogram.is_empty());
        assert_eq!(s.correlation, Some(0.228_893_06));
    }

    #[test]
    fn nulls_only() {
        let s = compute(&SqlType::Int4, 100, &ints(&[None, None]), 2.0).unwrap();
        assert_eq!((s.null_frac, s.avg_width, s.n_distinct), (1.0, 4, 0.0));
        assert_eq!(s.correlation, None);
    }

    #[test]
    fn widths_as_stored() {
        let w = |t: &str| numeric_width(t);
        assert_eq!(w("1.25"), 7);
        assert_eq!(w("5.00"), 5);
        assert_eq!(w("0.00"), 3);
        assert_eq!(w("10000"), 5);
        assert_eq!(stored_width(&Value::Text("v1".into()), &SqlType::Text), 3);
        assert_eq!(
            stored_width(&Value::Text("x".repeat(200)), &SqlType::Text),
            204
        );
    }
}
