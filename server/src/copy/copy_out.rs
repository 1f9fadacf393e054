//! COPY TO STDOUT: runs the SELECT and writes its rows as CopyData.
//!
//! The query runs with a streaming sink ([`rocksgres_engine::ResultSink`]):
//! each row is formatted into one CopyData message as the engine produces
//! it (PostgreSQL also sends one row per message), in text, CSV or binary
//! format, and the messages go to the socket in batches while the query
//! runs ([`crate::stream::Outbox`]), so memory does not grow with the
//! table.

use std::fmt::Debug;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures::{Sink, SinkExt};
use pgwire::api::ClientInfo;
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::copy::{CopyData, CopyDone, CopyOutResponse};
use pgwire::messages::response::CommandComplete;
use pgwire::messages::PgWireBackendMessage;

use super::format::encode_field;
use super::statement::{CopyCommand, CopyFormat, Source};
use crate::state::ConnState;
use crate::stream::{before_engine_call, pgwire_to_engine, Outbox};
use crate::wire::{engine_error, notice_response};
use rocksgres_engine::{Column, EngineError, ResultSink, Row, SqlState, SqlType};

/// Fails, as PostgreSQL, when the relation COPY is to read is a view or a
/// sequence (42809); a missing relation fails with its 42P01.
async fn check_source(conn: &Arc<ConnState>, name: &str) -> PgWireResult<()> {
    let sql = format!(
        "SELECT relkind FROM pg_catalog.pg_class WHERE oid = '{}'::regclass",
        name.replace('\'', "''")
    );
    let result = conn
        .run(move |s| s.query(&sql, &[]))
        .await?
        .map_err(|e| engine_error(&e))?;
    let kind = result.rows.first().and_then(|r| match r.values().first() {
        Some(rocksgres_engine::Value::Text(k)) => Some(k.clone()),
        _ => None,
    });
    let err = match kind.as_deref() {
        Some("v") => EngineError::new(
            SqlState::WrongObjectType,
            format!("cannot copy from view \"{}\"", unquoted(name)),
        )
        .with_hint("Try the COPY (SELECT ...) TO variant."),
        Some("S") => EngineError::new(
            SqlState::WrongObjectType,
            format!("cannot copy from sequence \"{}\"", unquoted(name)),
        ),
        _ => return Ok(()),
    };
    Err(engine_error(&err))
}

/// The relation name of a (possibly schema-qualified, quoted) name as
/// PostgreSQL's messages print it.
fn unquoted(name: &str) -> String {
    let last = name.rsplit_once('.').map_or(name, |(_, n)| n);
    match last.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(q) => q.replace("\"\"", "\""),
        None => last.to_lowercase(),
    }
}

/// Runs COPY TO STDOUT: CopyOutResponse, one CopyData per row, CopyDone and
/// CommandComplete `COPY n`. The rows stream to the socket as the query
/// produces them ([`CopySink`]). An error before the first message is
/// returned as is (the caller reports it like any failed statement); an
/// error after it follows the rows sent so far, as in PostgreSQL.
pub async fn run<C>(client: &mut C, conn: &Arc<ConnState>, cmd: CopyCommand) -> PgWireResult<()>
where
    C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    if let Source::Table { name, .. } = &cmd.source {
        check_source(conn, name).await?;
    }
    let sql = match &cmd.source {
        Source::Table { name, columns } if columns.is_empty() => format!("SELECT * FROM {name}"),
        Source::Table { name, columns } => format!("SELECT {} FROM {name}", columns.join(", ")),
        Source::Query(q) => q.clone(),
    };
    before_engine_call(client).await?;
    let mut sink = CopySink {
        out: conn.outbox(),
        cmd: &cmd,
        described: false,
        types: Vec::new(),
        rows: 0,
        buf: BytesMut::new(),
        line: String::new(),
        text: String::new(),
    };
    let result = conn.run_borrowing(|s| s.query_to(&sql, &[], &mut sink))?;
    // A statement whose rows are collected, not streamed (`RETURNING`):
    // sent the same way once it is done.
    let result = result.and_then(|r| {
        if !sink.described {
            sink.columns(&r.columns)?;
            for row in &r.rows {
                sink.row(row)?;
            }
        }
        if cmd.options.format == CopyFormat::Binary {
            let mut buf = BytesMut::new();
            super::binary::write_trailer(&mut buf);
            sink.out.push(copy_data(buf.freeze()), 32)?;
        }
        Ok(r)
    });
    let rows = sink.rows;
    sink.out.finish(client).await?;
    result.map_err(|e| engine_error(&e))?;
    client
        .feed(PgWireBackendMessage::CopyDone(CopyDone::new()))
        .await?;
    client
        .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
            format!("COPY {rows}"),
        )))
        .await?;
    Ok(())
}

fn copy_data(bytes: Bytes) -> PgWireBackendMessage {
    PgWireBackendMessage::CopyData(CopyData::new(bytes))
}

/// The engine sink of COPY TO: CopyOutResponse when the query's columns
/// are known (and the header line or binary header), then one CopyData
/// per row, through the connection's [`Outbox`].
struct CopySink<'c> {
    out: Outbox,
    cmd: &'c CopyCommand,
    /// Whether CopyOutResponse was queued.
    described: bool,
    /// The column types (binary format), set by `columns`.
    types: Vec<SqlType>,
    rows: u64,
    buf: BytesMut,
    line: String,
    text: String,
}

impl ResultSink for CopySink<'_> {
    fn notice(&mut self, text: String) -> rocksgres_engine::Result<()> {
        self.out.push(
            PgWireBackendMessage::NoticeResponse(notice_response(&text)),
            64,
        )
    }

    fn columns(&mut self, columns: &Arc<[Column]>) -> rocksgres_engine::Result<()> {
        let opts = &self.cmd.options;
        let binary = opts.format == CopyFormat::Binary;
        let ncols = columns.len();
        self.described = true;
        self.types = columns.iter().map(|c| c.ty).collect();
        self.out.push(
            PgWireBackendMessage::CopyOutResponse(CopyOutResponse::new(
                i8::from(binary),
                ncols as i16,
                vec![i16::from(binary); ncols],
            )),
            16 + 2 * ncols,
        )?;
        if binary {
            super::binary::write_header(&mut self.buf);
            let header = self.buf.split().freeze();
            return self.out.push(copy_data(header), 32);
        }
        if opts.header {
            let delim = opts.delimiter as char;
            let mut line = String::new();
            for (i, c) in columns.iter().enumerate() {
                if i > 0 {
                    line.push(delim);
                }
                encode_field(&mut line, Some(&c.name), opts);
            }
            line.push('\n');
            let size = line.len() + 5;
            self.out.push(copy_data(Bytes::from(line)), size)?;
        }
        Ok(())
    }

    fn row(&mut self, row: &Row) -> rocksgres_engine::Result<()> {
        let opts = &self.cmd.options;
        let data = if opts.format == CopyFormat::Binary {
            super::binary::write_row(&mut self.buf, row.values(), &self.types)
                .map_err(pgwire_to_engine)?;
            self.buf.split().freeze()
        } else {
            let delim = opts.delimiter as char;
            for (i, v) in row.values().iter().enumerate() {
                if i > 0 {
                    self.line.push(delim);
                }
                if v.is_null() {
                    encode_field(&mut self.line, None, opts);
                } else {
                    self.text.clear();
                    v.write_text(&mut self.text);
                    encode_field(&mut self.line, Some(&self.text), opts);
                }
            }
            self.line.push('\n');
            Bytes::from(std::mem::take(&mut self.line))
        };
        self.rows += 1;
        let size = data.len() + 5;
        self.out.push(copy_data(data), size)
    }
}
