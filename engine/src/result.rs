//! Statement results and typed row access for embedding users.
//!
//! A [`QueryResult`] is built without a heap allocation per row: its rows
//! live in one flat vector of values ([`Rows`]), a row being a slice of it
//! ([`Row`]); its command tag is an inline string ([`CommandTag`]); and its
//! column list is shared with the cached plan (`Arc<[Column]>`), not copied
//! per execution.

use std::sync::Arc;

use crate::error::{EngineError, Result, SqlState};
use crate::plan::node::OutputColumn;
use crate::types::{SqlType, Value};

/// A result column: its name and type (`ty.oid()` is the PostgreSQL OID).
pub type Column = OutputColumn;

/// One result row: a view of its values inside [`Rows`].
#[derive(Debug, PartialEq)]
#[repr(transparent)]
pub struct Row {
    values: [Value],
}

impl Row {
    /// The row made of `values`.
    pub fn from_values(values: &[Value]) -> &Row {
        // SAFETY: `Row` is `repr(transparent)` over `[Value]`, so the two
        // have the same layout and pointer metadata.
        unsafe { &*(values as *const [Value] as *const Row) }
    }

    /// All values.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The number of values (columns).
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Column `idx` converted to `T` (`Option<T>` accepts NULL).
    pub fn get<T: FromValue>(&self, idx: usize) -> Result<T> {
        let v = self.values.get(idx).ok_or_else(|| {
            EngineError::new(
                SqlState::InvalidParameterValue,
                format!("row has no column {idx}"),
            )
        })?;
        T::from_value(v)
    }
}

/// Conversion from a SQL value to a Rust type.
pub trait FromValue: Sized {
    /// Converts, failing with 22023 on a type mismatch or NULL.
    fn from_value(v: &Value) -> Result<Self>;
}

fn mismatch(v: &Value, want: &str) -> EngineError {
    EngineError::new(
        SqlState::InvalidParameterValue,
        format!("cannot read {} value as {want}", describe(v)),
    )
}

fn describe(v: &Value) -> String {
    if v.is_null() {
        "NULL".into()
    } else {
        v.sql_type()
            .map(|t| t.display_name())
            .unwrap_or_else(|| "unknown".into())
    }
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Int2(i) => Ok(i64::from(*i)),
            Value::Int4(i) => Ok(i64::from(*i)),
            Value::Int8(i) => Ok(*i),
            other => Err(mismatch(other, "i64")),
        }
    }
}

impl FromValue for i32 {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Int2(i) => Ok(i32::from(*i)),
            Value::Int4(i) => Ok(*i),
            other => Err(mismatch(other, "i32")),
        }
    }
}

impl FromValue for f64 {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Float4(f) => Ok(f64::from(*f)),
            Value::Float8(f) => Ok(*f),
            Value::Int2(i) => Ok(f64::from(*i)),
            Value::Int4(i) => Ok(f64::from(*i)),
            other => Err(mismatch(other, "f64")),
        }
    }
}

impl FromValue for bool {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Bool(b) => Ok(*b),
            other => Err(mismatch(other, "bool")),
        }
    }
}

impl FromValue for String {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Null => Err(mismatch(v, "String")),
            Value::Text(s) => Ok(s.clone()),
            other => {
                let mut s = String::new();
                other.write_text(&mut s);
                Ok(s)
            }
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Bytea(b) => Ok(b.clone()),
            other => Err(mismatch(other, "Vec<u8>")),
        }
    }
}

impl FromValue for Value {
    fn from_value(v: &Value) -> Result<Self> {
        Ok(v.clone())
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Result<Self> {
        if v.is_null() {
            Ok(None)
        } else {
            T::from_value(v).map(Some)
        }
    }
}

/// The rows of a result, stored flat: row `i` is the values
/// `i * width .. (i + 1) * width` of one vector, so adding a row costs no
/// allocation of its own.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rows {
    width: usize,
    len: usize,
    values: Vec<Value>,
}

impl Rows {
    /// No rows yet, of `width` columns each.
    pub fn new(width: usize) -> Self {
        Rows {
            width,
            len: 0,
            values: Vec::new(),
        }
    }

    /// Rows from one vector of values per row (all of the same length).
    pub fn from_vecs(rows: Vec<Vec<Value>>) -> Self {
        let width = rows.first().map_or(0, Vec::len);
        let mut out = Rows::new(width);
        for r in rows {
            debug_assert_eq!(r.len(), width, "rows of one result have one width");
            out.values.extend(r);
            out.len += 1;
        }
        out
    }

    /// Appends a copy of `row` (which must have the rows' width).
    pub fn push(&mut self, row: &[Value]) {
        debug_assert_eq!(row.len(), self.width, "rows of one result have one width");
        self.values.extend_from_slice(row);
        self.len += 1;
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Row `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<&Row> {
        (i < self.len).then(|| self.row(i))
    }

    /// The first row, if any.
    pub fn first(&self) -> Option<&Row> {
        self.get(0)
    }

    /// The rows in order.
    pub fn iter(&self) -> RowsIter<'_> {
        RowsIter {
            rows: self,
            next: 0,
            end: self.len,
        }
    }

    fn row(&self, i: usize) -> &Row {
        Row::from_values(&self.values[i * self.width..(i + 1) * self.width])
    }
}

impl std::ops::Index<usize> for Rows {
    type Output = Row;

    fn index(&self, i: usize) -> &Row {
        assert!(i < self.len, "row {i} of {} rows", self.len);
        self.row(i)
    }
}

impl<'r> IntoIterator for &'r Rows {
    type Item = &'r Row;
    type IntoIter = RowsIter<'r>;

    fn into_iter(self) -> RowsIter<'r> {
        self.iter()
    }
}

/// An iterator over the rows of [`Rows`].
#[derive(Debug, Clone)]
pub struct RowsIter<'r> {
    rows: &'r Rows,
    next: usize,
    end: usize,
}

impl<'r> Iterator for RowsIter<'r> {
    type Item = &'r Row;

    fn next(&mut self) -> Option<&'r Row> {
        (self.next < self.end).then(|| {
            self.next += 1;
            self.rows.row(self.next - 1)
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end - self.next;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for RowsIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        (self.next < self.end).then(|| {
            self.end -= 1;
            self.rows.row(self.end)
        })
    }
}

impl ExactSizeIterator for RowsIter<'_> {}

/// A command tag (`SELECT 3`, `INSERT 0 1`, `CREATE TABLE`, ...), kept
/// inline: building one allocates nothing. Derefs to `str`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommandTag {
    len: u8,
    buf: [u8; CommandTag::CAPACITY],
}

impl CommandTag {
    /// The longest tag kept (longer ones are cut at a character boundary;
    /// PostgreSQL's longest tag with a row count is 29 bytes).
    pub const CAPACITY: usize = 46;

    /// The tag `text`.
    pub fn new(text: &str) -> Self {
        let mut tag = CommandTag {
            len: 0,
            buf: [0; CommandTag::CAPACITY],
        };
        tag.push(text);
        tag
    }

    /// `verb n`, e.g. `UPDATE 3`.
    pub fn with_count(verb: &str, n: u64) -> Self {
        let mut tag = CommandTag::new(verb);
        tag.push(" ");
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut rest = n;
        loop {
            i -= 1;
            digits[i] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        tag.push(std::str::from_utf8(&digits[i..]).unwrap_or("0"));
        tag
    }

    fn push(&mut self, text: &str) {
        let at = self.len as usize;
        let mut n = text.len().min(CommandTag::CAPACITY - at);
        while !text.is_char_boundary(n) {
            n -= 1;
        }
        self.buf[at..at + n].copy_from_slice(&text.as_bytes()[..n]);
        self.len = (at + n) as u8;
    }

    /// The tag's text.
    pub fn as_str(&self) -> &str {
        // Only whole UTF-8 characters are ever copied in.
        std::str::from_utf8(&self.buf[..self.len as usize]).unwrap_or_default()
    }
}

impl std::ops::Deref for CommandTag {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for CommandTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for CommandTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq<str> for CommandTag {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for CommandTag {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for CommandTag {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

/// An empty column list, shared (an empty `Arc<[Column]>` would still
/// allocate its counts).
pub(crate) fn no_columns() -> Arc<[Column]> {
    static NONE: std::sync::LazyLock<Arc<[Column]>> = std::sync::LazyLock::new(|| Arc::from([]));
    Arc::clone(&NONE)
}

/// What one statement produced.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    /// The command tag, as PostgreSQL reports it (`SELECT 3`, `INSERT 0 1`,
    /// `CREATE TABLE`, ...).
    pub tag: CommandTag,
    /// Result columns (empty for statements that return no rows).
    pub columns: Arc<[Column]>,
    /// Result rows.
    pub rows: Rows,
    /// Rows affected (inserted, updated, deleted or returned).
    pub rows_affected: u64,
    /// Notices/warnings PostgreSQL would send (e.g. "there is no
    /// transaction in progress").
    pub notices: Vec<String>,
}

impl QueryResult {
    pub(crate) fn command(tag: &str) -> Self {
        QueryResult {
            tag: CommandTag::new(tag),
            columns: no_columns(),
            rows: Rows::default(),
            rows_affected: 0,
            notices: Vec::new(),
        }
    }

    /// Whether the statement returns rows (has a row description).
    pub fn returns_rows(&self) -> bool {
        !self.columns.is_empty()
    }

    /// The type of result column `i`.
    pub fn column_type(&self, i: usize) -> Option<SqlType> {
        self.columns.get(i).map(|c| c.ty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_slices_of_one_vector() {
        let mut rows = Rows::new(2);
        rows.push(&[Value::Int4(1), Value::Text("a".into())]);
        rows.push(&[Value::Int4(2), Value::Null]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].values(), &[Value::Int4(2), Value::Null]);
        assert_eq!(rows[0].get::<String>(1).unwrap(), "a");
        assert!(rows.get(2).is_none());
        let firsts: Vec<i32> = rows.iter().map(|r| r.get(0).unwrap()).collect();
        assert_eq!(firsts, vec![1, 2]);
        let empty = Rows::from_vecs(vec![Vec::new(), Vec::new()]);
        assert_eq!(empty.len(), 2, "rows without columns still count");
        assert!(empty[1].is_empty());
    }

    #[test]
    fn command_tags_are_inline() {
        assert_eq!(CommandTag::with_count("UPDATE", 0), "UPDATE 0");
        assert_eq!(
            CommandTag::with_count("INSERT 0", u64::MAX).as_str(),
            "INSERT 0 18446744073709551615"
        );
        assert_eq!(CommandTag::new("CREATE TABLE").to_string(), "CREATE TABLE");
        let long = "é".repeat(40);
        assert_eq!(
            CommandTag::new(&long).len(),
            46,
            "cut at a character boundary"
        );
    }
}
