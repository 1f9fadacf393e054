//! COPY TO STDOUT: runs the SELECT and writes its rows as CopyData.
//!
//! The engine returns a statement's rows at once, so the result is in memory
//! already; each row is formatted into one CopyData message (PostgreSQL also
//! sends one row per message) and fed to the connection's write buffer, in
//! text, CSV or binary format.

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
use crate::wire::engine_error;
use rocksgres_engine::{EngineError, SqlState, SqlType};

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
/// CommandComplete `COPY n`. An error before the first message is returned
/// as is (the caller reports it like any failed statement).
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
    let result = conn
        .run(move |s| s.query(&sql, &[]))
        .await?
        .map_err(|e| engine_error(&e))?;
    let ncols = result.columns.len();
    let binary = cmd.options.format == CopyFormat::Binary;
    client
        .feed(PgWireBackendMessage::CopyOutResponse(CopyOutResponse::new(
            i8::from(binary),
            ncols as i16,
            vec![i16::from(binary); ncols],
        )))
        .await?;
    if binary {
        let types: Vec<SqlType> = result.columns.iter().map(|c| c.ty).collect();
        let mut buf = BytesMut::new();
        super::binary::write_header(&mut buf);
        for row in &result.rows {
            super::binary::write_row(&mut buf, row.values(), &types)?;
            client
                .feed(PgWireBackendMessage::CopyData(CopyData::new(
                    buf.split().freeze(),
                )))
                .await?;
        }
        super::binary::write_trailer(&mut buf);
        client
            .feed(PgWireBackendMessage::CopyData(CopyData::new(
                buf.split().freeze(),
            )))
            .await?;
    } else {
        write_text_rows(client, &cmd, &result).await?;
    }
    client
        .feed(PgWireBackendMessage::CopyDone(CopyDone::new()))
        .await?;
    client
        .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
            format!("COPY {}", result.rows.len()),
        )))
        .await?;
    Ok(())
}

/// Writes the header line (if asked for) and the rows in text or CSV.
async fn write_text_rows<C>(
    client: &mut C,
    cmd: &CopyCommand,
    result: &rocksgres_engine::QueryResult,
) -> PgWireResult<()>
where
    C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let opts = &cmd.options;
    let delim = opts.delimiter as char;
    let mut line = String::new();
    if opts.header {
        for (i, c) in result.columns.iter().enumerate() {
            if i > 0 {
                line.push(delim);
            }
            encode_field(&mut line, Some(&c.name), opts);
        }
        line.push('\n');
        client
            .feed(PgWireBackendMessage::CopyData(CopyData::new(Bytes::from(
                std::mem::take(&mut line),
            ))))
            .await?;
    }
    let mut text = String::new();
    for row in &result.rows {
        for (i, v) in row.values().iter().enumerate() {
            if i > 0 {
                line.push(delim);
            }
            if v.is_null() {
                encode_field(&mut line, None, opts);
            } else {
                text.clear();
                v.write_text(&mut text);
                encode_field(&mut line, Some(&text), opts);
            }
        }
        line.push('\n');
        client
            .feed(PgWireBackendMessage::CopyData(CopyData::new(Bytes::from(
                std::mem::take(&mut line),
            ))))
            .await?;
    }
    Ok(())
}
