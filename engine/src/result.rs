//! Statement results and typed row access for embedding users.

use crate::error::{EngineError, Result, SqlState};
use crate::plan::node::OutputColumn;
use crate::types::{SqlType, Value};

/// A result column: its name and type (`ty.oid()` is the PostgreSQL OID).
pub type Column = OutputColumn;

/// One result row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    values: Vec<Value>,
}

impl Row {
    /// Wraps values.
    pub fn new(values: Vec<Value>) -> Self {
        Row { values }
    }

    /// All values.
    pub fn values(&self) -> &[Value] {
        &self.values
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

/// What one statement produced.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    /// The command tag, as PostgreSQL reports it (`SELECT 3`, `INSERT 0 1`,
    /// `CREATE TABLE`, ...).
    pub tag: String,
    /// Result columns (empty for statements that return no rows).
    pub columns: Vec<Column>,
    /// Result rows.
    pub rows: Vec<Row>,
    /// Rows affected (inserted, updated, deleted or returned).
    pub rows_affected: u64,
    /// Notices/warnings PostgreSQL would send (e.g. "there is no
    /// transaction in progress").
    pub notices: Vec<String>,
}

impl QueryResult {
    pub(crate) fn command(tag: impl Into<String>) -> Self {
        QueryResult {
            tag: tag.into(),
            columns: Vec::new(),
            rows: Vec::new(),
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
