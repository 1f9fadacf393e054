//! Table statistics gathered by `ANALYZE`: PostgreSQL's `pg_statistic`
//! and the `reltuples`/`relpages` of `pg_class`.
//!
//! One catalog entry per analyzed table, keyed by its table id
//! (`[KS_CATALOG][CAT_STATISTIC][table id]`, see [`crate::keys`]), holds a
//! [`TableStats`]: the row count and page estimate of the last ANALYZE,
//! when it ran and how often, and one [`ColumnStats`] per analyzed column
//! (null fraction, average width, distinct-value estimate, most common
//! values with their frequencies, histogram bounds, correlation). Values
//! are kept as their text form (what `pg_stats` shows, and what the
//! column type's input function reads back for the planner), tagged with
//! the column's type OID, so an entry never decodes into a value of the
//! wrong type.
//!
//! Entries are written through the statement's transaction, so ANALYZE
//! is transactional like the rest of the catalog (PostgreSQL's
//! `pg_statistic` rows are; its `pg_class.reltuples` is updated in place,
//! which here rolls back with the rest). DROP TABLE deletes the entry; a
//! dropped column's or a retyped column's stats are removed by [`sweep`]
//! after ALTER TABLE, and ignored by readers until then ([`TableStats::column`]).
//! TRUNCATE keeps them, as in PostgreSQL.
//!
//! Stored format: a version byte, then fields big-endian, strings as u32
//! length + UTF-8, floats as their IEEE bits.

use rocksgres_storage::Transaction;

use super::desc::{corrupt, get_str, get_u32, get_u8, put_str, put_u32};
use super::TableDesc;
use crate::error::Result;
use crate::keys;

const FORMAT_VERSION: u8 = 1;

/// The statistics of one column (a `pg_stats` row).
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnStats {
    /// The column's position in [`TableDesc::columns`] (attnum - 1).
    pub column: u32,
    /// The OID of the column's type when it was analyzed.
    pub type_oid: u32,
    /// Fraction of rows that are NULL (`null_frac`).
    pub null_frac: f32,
    /// Average stored width in bytes of the non-null values (`avg_width`).
    pub avg_width: i32,
    /// Distinct non-null values: a count when positive, minus a fraction
    /// of the row count when negative (scales with the table), 0 unknown
    /// (`n_distinct`).
    pub n_distinct: f32,
    /// Most common values, most common first, as text.
    pub mcv: Vec<String>,
    /// Their frequencies (fractions of all rows).
    pub mcv_freqs: Vec<f32>,
    /// Histogram bounds of the values not in `mcv`, ascending, as text.
    pub histogram: Vec<String>,
    /// Correlation of the values' order with the rows' stored order.
    pub correlation: Option<f32>,
}

/// What ANALYZE found for one table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableStats {
    /// The table's id.
    pub table_id: u32,
    /// Row count (`pg_class.reltuples`).
    pub reltuples: f64,
    /// Estimated 8 kB pages the rows would fill in PostgreSQL's heap
    /// (`pg_class.relpages`; see [`crate::exec::analyze`]).
    pub relpages: u32,
    /// When the last ANALYZE ran, microseconds since 2000-01-01 UTC.
    pub last_analyze: i64,
    /// How many times the table was analyzed.
    pub analyze_count: u64,
    /// Per-column statistics, by column position.
    pub columns: Vec<ColumnStats>,
}

impl TableStats {
    /// The statistics of column `column` (position in
    /// [`TableDesc::columns`]) of `table`, if they were gathered for the
    /// column as it is now (not dropped, same type).
    pub fn column(&self, table: &TableDesc, column: usize) -> Option<&ColumnStats> {
        let c = table.columns.get(column).filter(|c| !c.dropped)?;
        self.columns
            .iter()
            .find(|s| s.column as usize == column && s.type_oid == c.ty.oid())
    }

    /// Serializes the statistics.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.clear();
        out.push(FORMAT_VERSION);
        put_u32(out, self.table_id);
        put_u64(out, self.reltuples.to_bits());
        put_u32(out, self.relpages);
        put_u64(out, self.last_analyze as u64);
        put_u64(out, self.analyze_count);
        put_u32(out, self.columns.len() as u32);
        for c in &self.columns {
            put_u32(out, c.column);
            put_u32(out, c.type_oid);
            put_u32(out, c.null_frac.to_bits());
            put_u32(out, c.avg_width as u32);
            put_u32(out, c.n_distinct.to_bits());
            put_strs(out, &c.mcv);
            put_u32(out, c.mcv_freqs.len() as u32);
            for f in &c.mcv_freqs {
                put_u32(out, f.to_bits());
            }
            put_strs(out, &c.histogram);
            match c.correlation {
                None => out.push(0),
                Some(v) => {
                    out.push(1);
                    put_u32(out, v.to_bits());
                }
            }
        }
    }

    /// Reads statistics written by [`TableStats::encode`].
    pub fn decode(mut input: &[u8]) -> Result<TableStats> {
        let r = &mut input;
        if get_u8(r)? != FORMAT_VERSION {
            return Err(corrupt("unknown statistics format"));
        }
        let table_id = get_u32(r)?;
        let reltuples = f64::from_bits(get_u64(r)?);
        let relpages = get_u32(r)?;
        let last_analyze = get_u64(r)? as i64;
        let analyze_count = get_u64(r)?;
        let n = get_u32(r)? as usize;
        let mut columns = Vec::with_capacity(n.min(1600));
        for _ in 0..n {
            let column = get_u32(r)?;
            let type_oid = get_u32(r)?;
            let null_frac = f32::from_bits(get_u32(r)?);
            let avg_width = get_u32(r)? as i32;
            let n_distinct = f32::from_bits(get_u32(r)?);
            let mcv = get_strs(r)?;
            let nf = get_u32(r)? as usize;
            let mut mcv_freqs = Vec::with_capacity(nf.min(10_000));
            for _ in 0..nf {
                mcv_freqs.push(f32::from_bits(get_u32(r)?));
            }
            let histogram = get_strs(r)?;
            let correlation = match get_u8(r)? {
                0 => None,
                _ => Some(f32::from_bits(get_u32(r)?)),
            };
            columns.push(ColumnStats {
                column,
                type_oid,
                null_frac,
                avg_width,
                n_distinct,
                mcv,
                mcv_freqs,
                histogram,
                correlation,
            });
        }
        if !r.is_empty() {
            return Err(corrupt("trailing bytes in a statistics entry"));
        }
        Ok(TableStats {
            table_id,
            reltuples,
            relpages,
            last_analyze,
            analyze_count,
            columns,
        })
    }
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn get_u64(r: &mut &[u8]) -> Result<u64> {
    let hi = get_u32(r)? as u64;
    let lo = get_u32(r)? as u64;
    Ok(hi << 32 | lo)
}

fn put_strs(out: &mut Vec<u8>, items: &[String]) {
    put_u32(out, items.len() as u32);
    for s in items {
        put_str(out, s);
    }
}

fn get_strs(r: &mut &[u8]) -> Result<Vec<String>> {
    let n = get_u32(r)? as usize;
    let mut out = Vec::with_capacity(n.min(10_000));
    for _ in 0..n {
        out.push(get_str(r)?);
    }
    Ok(out)
}

/// Catalog key of table `table_id`'s statistics.
fn key(buf: &mut Vec<u8>, table_id: u32) {
    buf.clear();
    buf.push(keys::KS_CATALOG);
    buf.push(keys::CAT_STATISTIC);
    buf.extend_from_slice(&table_id.to_be_bytes());
}

/// The statistics of table `table_id`, if it was analyzed.
pub fn load<T: Transaction>(txn: &mut T, table_id: u32) -> Result<Option<TableStats>> {
    let mut k = Vec::new();
    let mut out = Vec::new();
    key(&mut k, table_id);
    if !txn.get(&k, &mut out)? {
        return Ok(None);
    }
    TableStats::decode(&out).map(Some)
}

/// Stores (replacing) a table's statistics.
pub fn store<T: Transaction>(txn: &mut T, stats: &TableStats) -> Result<()> {
    let mut k = Vec::new();
    let mut v = Vec::new();
    key(&mut k, stats.table_id);
    stats.encode(&mut v);
    txn.put(&k, &v)?;
    Ok(())
}

/// Removes table `table_id`'s statistics (DROP TABLE).
pub fn remove<T: Transaction>(txn: &mut T, table_id: u32) -> Result<()> {
    let mut k = Vec::new();
    key(&mut k, table_id);
    txn.delete(&k)?;
    Ok(())
}

/// Every table's statistics, in table-id order.
pub fn all<T: Transaction>(txn: &mut T) -> Result<Vec<TableStats>> {
    super::all_of_kind(txn, keys::CAT_STATISTIC, TableStats::decode)
}

/// Removes the statistics of tables that no longer exist and of columns
/// that were dropped or changed type (PostgreSQL's `RemoveStatistics` at
/// DROP COLUMN and ALTER COLUMN TYPE).
pub fn sweep<T: Transaction>(txn: &mut T) -> Result<()> {
    let stats = all(txn)?;
    if stats.is_empty() {
        return Ok(());
    }
    let tables = super::all_tables(txn)?;
    for mut s in stats {
        match tables.iter().find(|t| t.id == s.table_id) {
            None => remove(txn, s.table_id)?,
            Some(t) => {
                let before = s.columns.len();
                let keep: Vec<bool> = s
                    .columns
                    .iter()
                    .map(|c| {
                        t.columns
                            .get(c.column as usize)
                            .is_some_and(|d| !d.dropped && d.ty.oid() == c.type_oid)
                    })
                    .collect();
                let mut i = 0;
                s.columns.retain(|_| {
                    i += 1;
                    keep[i - 1]
                });
                if s.columns.len() != before {
                    store(txn, &s)?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_round_trips() {
        let s = TableStats {
            table_id: 16384,
            reltuples: 40.0,
            relpages: 1,
            last_analyze: 123_456,
            analyze_count: 2,
            columns: vec![ColumnStats {
                column: 1,
                type_oid: 23,
                null_frac: 0.2,
                avg_width: 4,
                n_distinct: -0.175,
                mcv: vec!["1".into(), "a b".into()],
                mcv_freqs: vec![0.125, 0.1],
                histogram: vec!["0".into(), "9".into()],
                correlation: Some(0.5),
            }],
        };
        let mut v = Vec::new();
        s.encode(&mut v);
        assert_eq!(TableStats::decode(&v).unwrap(), s);
        assert!(TableStats::decode(&v[..v.len() - 1]).is_err());
    }
}
