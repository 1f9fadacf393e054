//! `pg_stats`: the statistics ANALYZE gathered
//! ([`crate::catalog::statistic`]), one row per analyzed column of a
//! table that still exists, as PostgreSQL's view over `pg_statistic`
//! shows them.
//!
//! `most_common_vals` and `histogram_bounds` are PostgreSQL's `anyarray`;
//! here they are `text[]` holding the values' text forms, which prints
//! the same array literal. Empty lists are NULL, as is the correlation
//! when the sample had fewer than two comparable values. The element
//! statistics of array columns (`most_common_elems`,
//! `most_common_elem_freqs`, `elem_count_histogram`) are not gathered:
//! always NULL. `inherited` is false (there is no inheritance).

use super::{CatalogRows, RowBuilder, Snapshot};
use crate::catalog::system::SysRel;
use crate::types::{array, Value};

/// A text array of `items` (NULL when empty).
fn text_array(items: &[String]) -> Value {
    if items.is_empty() {
        Value::Null
    } else {
        Value::Text(array::format(items.iter().map(|s| Some(s.as_str()))))
    }
}

/// A `real[]` of `items` (NULL when empty).
fn float4_array(items: &[f32]) -> Value {
    if items.is_empty() {
        return Value::Null;
    }
    let texts: Vec<String> = items
        .iter()
        .map(|f| Value::Float4(*f).to_text().unwrap_or_default())
        .collect();
    Value::Text(array::format(texts.iter().map(|s| Some(s.as_str()))))
}

/// The rows of `pg_stats`.
pub(super) fn pg_stats(rel: &'static SysRel, snap: &Snapshot, out: &mut CatalogRows<'_>) {
    for t in &snap.tables {
        let Some(stats) = snap.statistics_of(t.id) else {
            continue;
        };
        for (i, c) in t.visible_columns() {
            let Some(s) = stats.column(t, i) else {
                continue;
            };
            let mut r = RowBuilder::new(rel);
            r.text("schemaname", &t.schema)
                .text("tablename", &t.name)
                .text("attname", &c.name)
                .bool("inherited", false)
                .set("null_frac", Value::Float4(s.null_frac))
                .int4("avg_width", s.avg_width)
                .set("n_distinct", Value::Float4(s.n_distinct))
                .set("most_common_vals", text_array(&s.mcv))
                .set("most_common_freqs", float4_array(&s.mcv_freqs))
                .set("histogram_bounds", text_array(&s.histogram))
                .set(
                    "correlation",
                    s.correlation.map_or(Value::Null, Value::Float4),
                );
            out.push(r.finish());
        }
    }
}
