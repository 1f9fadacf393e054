//! Building protocol messages from engine results.
//!
//! Rows are encoded straight into one reused `BytesMut` per result (each
//! field as a length-prefixed text or binary value), split off per row, so a
//! result of many rows costs one buffer and no per-field allocation beyond
//! the engine's own values. Errors keep the engine's SQLSTATE, detail, hint,
//! cursor position and object fields (schema, table, column, data type,
//! constraint); notices become NoticeResponse (warnings where
//! PostgreSQL reports a WARNING).

use bytes::{BufMut, BytesMut};
use pgwire::api::portal::Format;
use pgwire::error::{ErrorInfo, PgWireError};
use pgwire::messages::data::{DataRow, FieldDescription, RowDescription};
use pgwire::messages::response::{ErrorResponse, NoticeResponse};
use rocksgres_engine::{Column, EngineError, Row, SqlType, Value};

use crate::binary;

/// An `ERROR` with SQLSTATE `code`, as a pgwire error.
pub fn user_error(code: &str, message: impl Into<String>) -> PgWireError {
    PgWireError::UserError(Box::new(error_info("ERROR", code, message.into())))
}

/// An internal error (XX000).
pub fn internal_error(message: String) -> PgWireError {
    user_error("XX000", message)
}

fn error_info(severity: &str, code: &str, message: String) -> ErrorInfo {
    let mut info = ErrorInfo::new(severity.to_owned(), code.to_owned(), message);
    info.severity_nonlocalized = Some(severity.to_owned());
    info
}

/// The ErrorInfo for an engine error.
pub fn engine_error_info(e: &EngineError) -> ErrorInfo {
    let mut info = error_info("ERROR", e.code(), e.message.clone());
    info.detail = e.detail.clone();
    info.hint = e.hint.clone();
    info.position = e.position.map(|p| p.to_string());
    if let Some(f) = e.fields.as_deref() {
        info.schema = f.schema.clone();
        info.table = f.table.clone();
        info.column = f.column.clone();
        info.datatype = f.datatype.clone();
        info.constraint = f.constraint.clone();
    }
    info
}

/// An engine error as a pgwire error.
pub fn engine_error(e: &EngineError) -> PgWireError {
    PgWireError::UserError(Box::new(engine_error_info(e)))
}

/// An engine error as an ErrorResponse message.
pub fn error_response(e: &EngineError) -> ErrorResponse {
    engine_error_info(e).into()
}

/// A notice the engine produced. PostgreSQL reports the transaction-state
/// notices as WARNINGs with their own SQLSTATEs, ANALYZE VERBOSE's lines as
/// INFO; everything else is a NOTICE.
pub fn notice_response(message: &str) -> NoticeResponse {
    let (severity, code) = match message {
        "there is no transaction in progress" => ("WARNING", "25P01"),
        "there is already a transaction in progress" => ("WARNING", "25001"),
        "SET LOCAL can only be used in transaction blocks"
        | "SET TRANSACTION can only be used in transaction blocks"
        | rocksgres_engine::session::SET_CONSTRAINTS_WARNING => ("WARNING", "25P01"),
        rocksgres_engine::session::SERIALIZABLE_WARNING => ("WARNING", "01000"),
        rocksgres_engine::exec::alter::STATISTICS_LOWERED => ("WARNING", "22023"),
        m if m.ends_with(rocksgres_engine::sql::typmod_warnings::REDUCED) => ("WARNING", "22023"),
        m if m.starts_with("skipping \"")
            && m.ends_with(rocksgres_engine::exec::analyze::SKIP_SUFFIX) =>
        {
            ("WARNING", "01000")
        }
        m if m.starts_with("skipping \"")
            && m.ends_with(rocksgres_engine::exec::analyze::VACUUM_SKIP_SUFFIX) =>
        {
            ("WARNING", "01000")
        }
        m if (m.starts_with("skipping analyze of \"")
            || m.starts_with("skipping vacuum of \""))
            && m.ends_with(rocksgres_engine::exec::analyze::LOCK_SKIP_SUFFIX) =>
        {
            ("WARNING", "55P03")
        }
        m if m.starts_with(rocksgres_engine::exec::analyze::ANALYZING_PREFIX)
            || (m.starts_with('"')
                && m.contains("\": scanned ")
                && m.ends_with(" estimated total rows")) =>
        {
            ("INFO", "00000")
        }
        m if m.starts_with("column \"") && m.ends_with("already exists, skipping") => {
            ("NOTICE", "42701")
        }
        m if m.starts_with("identifier \"") && m.contains("will be truncated to") => {
            ("NOTICE", "42622")
        }
        m if m.starts_with("schema \"") && m.ends_with("already exists, skipping") => {
            ("NOTICE", "42P06")
        }
        _ => ("NOTICE", "00000"),
    };
    // A notice of several lines (DROP ... CASCADE's "drop cascades to N
    // other objects") carries the lines after the first as its DETAIL.
    let (message, detail) = match message.split_once('\n') {
        Some((m, d)) => (m, Some(d)),
        None => (message, None),
    };
    let mut fields = vec![
        (b'S', severity.to_owned()),
        (b'V', severity.to_owned()),
        (b'C', code.to_owned()),
        (b'M', message.to_owned()),
    ];
    if let Some(d) = detail {
        fields.push((b'D', d.to_owned()));
    }
    NoticeResponse::new(fields)
}

/// The format code of result column `idx` (0 text, 1 binary).
pub fn format_code(formats: Option<&Format>, idx: usize) -> i16 {
    match formats {
        Some(f) if f.is_binary(idx) => 1,
        _ => 0,
    }
}

/// One RowDescription field for an engine column.
pub fn field_description(col: &Column, format: i16) -> FieldDescription {
    FieldDescription::new(
        col.name.clone(),
        0,
        0,
        col.ty.oid(),
        col.ty.type_len(),
        col.ty.typmod(),
        format,
    )
}

/// The RowDescription of `columns` in the given result formats.
pub fn row_description(columns: &[Column], formats: Option<&Format>) -> RowDescription {
    RowDescription::new(
        columns
            .iter()
            .enumerate()
            .map(|(i, c)| field_description(c, format_code(formats, i)))
            .collect(),
    )
}

/// Encodes rows into DataRow messages, reusing one buffer.
pub struct RowEncoder {
    buf: BytesMut,
    text: String,
    types: Vec<SqlType>,
    binary: Vec<bool>,
}

impl RowEncoder {
    /// An encoder for rows of `columns` in the given result formats.
    pub fn new(columns: &[Column], formats: Option<&Format>) -> Self {
        RowEncoder {
            buf: BytesMut::with_capacity(256),
            text: String::new(),
            types: columns.iter().map(|c| c.ty).collect(),
            binary: (0..columns.len())
                .map(|i| format_code(formats, i) == 1)
                .collect(),
        }
    }

    /// Encodes one row; fails (0A000) for a value with no binary encoding.
    pub fn encode(&mut self, row: &Row) -> Result<DataRow, PgWireError> {
        let values = row.values();
        for (i, v) in values.iter().enumerate() {
            if v.is_null() {
                self.buf.put_i32(-1);
                continue;
            }
            let len_at = self.buf.len();
            self.buf.put_i32(0);
            if self.binary.get(i).copied().unwrap_or(false) {
                let ty = self.types.get(i).copied().unwrap_or(SqlType::Text);
                binary::encode(v, &ty, &mut self.buf)?;
            } else {
                self.text.clear();
                write_text(v, &mut self.text);
                self.buf.put_slice(self.text.as_bytes());
            }
            let len = (self.buf.len() - len_at - 4) as i32;
            self.buf[len_at..len_at + 4].copy_from_slice(&len.to_be_bytes());
        }
        Ok(DataRow::new(self.buf.split(), values.len() as i16))
    }
}

/// PostgreSQL's text output of a value.
pub fn write_text(v: &Value, out: &mut String) {
    v.write_text(out);
}
