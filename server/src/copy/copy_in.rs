//! COPY FROM STDIN: streaming rows into the engine.
//!
//! [`start`] prepares the INSERT (opening a transaction first when the
//! session is idle, so the whole COPY is atomic) and answers
//! CopyInResponse. Each CopyData payload then goes through the
//! [`CopyDecoder`] (binary data: [`BinaryDecoder`], straight into values of
//! the columns' types); decoded rows collect in a batch of at most
//! [`BATCH_ROWS`] rows, which one blocking engine call inserts. Memory is
//! bounded by one batch plus one partial record, however large the input.
//! CopyDone inserts the rest, commits the implicit transaction and reports
//! `COPY n`. Any error (bad data, a constraint, CopyFail) rolls the implicit
//! transaction back, or leaves an explicit transaction block failed, as
//! PostgreSQL does.
//!
//! The whole COPY is one statement for `statement_timeout` and
//! CancelRequest, as in PostgreSQL: [`start`] begins a long statement on
//! the engine session (one deadline, one cancel flag for all the batch
//! calls), each row is inserted only after checking it, and the COPY ends
//! with 57014 and the line it reached (`COPY t, line n`).

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use futures::{Sink, SinkExt};
use pgwire::api::copy::CopyHandler;
use pgwire::api::{ClientInfo, PgWireConnectionState};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::copy::{CopyData, CopyDone, CopyFail, CopyInResponse};
use pgwire::messages::response::CommandComplete;
use pgwire::messages::PgWireBackendMessage;
use rocksgres_engine::{EngineError, Prepared, SqlState, TxnStatus, Value};

use super::binary::BinaryDecoder;
use super::format::{CopyDecoder, DataError, NumberedRecord};
use super::statement::{CopyCommand, CopyFormat, Source};
use crate::handler::Handler;
use crate::state::{conn_state, ConnState, EngineSession};
use crate::wire::{engine_error, engine_error_info, user_error};

/// Rows inserted per blocking engine call.
pub const BATCH_ROWS: usize = 1000;

/// The data decoder of a COPY FROM STDIN: text and CSV decode into
/// strings the INSERT parses; binary decodes into values of the columns'
/// types.
enum Decoder {
    Text(CopyDecoder),
    Binary(BinaryDecoder),
}

/// A decoded row with the input line (or binary row number) it came from.
type PendingRow = (u64, Vec<Value>);

/// A COPY FROM STDIN in progress on a connection.
pub struct CopyIn {
    relation: String,
    columns: Vec<String>,
    decoder: Decoder,
    insert: Arc<Prepared>,
    /// Whether COPY opened the transaction (and must end it).
    implicit: bool,
    pending: Vec<PendingRow>,
    /// Scratch for the text decoder's records.
    records: Vec<NumberedRecord>,
    count: u64,
}

impl Decoder {
    fn line(&self) -> u64 {
        match self {
            Decoder::Text(d) => d.line(),
            Decoder::Binary(d) => d.line(),
        }
    }

    fn push(
        &mut self,
        data: &[u8],
        records: &mut Vec<NumberedRecord>,
        out: &mut Vec<PendingRow>,
    ) -> Result<(), DataError> {
        match self {
            Decoder::Text(d) => {
                let r = d.push(data, records);
                out.extend(records.drain(..).map(text_row));
                r
            }
            Decoder::Binary(d) => d.push(data, out),
        }
    }

    fn finish(
        &mut self,
        records: &mut Vec<NumberedRecord>,
        out: &mut Vec<PendingRow>,
    ) -> Result<(), DataError> {
        match self {
            Decoder::Text(d) => {
                let r = d.finish(records);
                out.extend(records.drain(..).map(text_row));
                r
            }
            Decoder::Binary(d) => d.finish(),
        }
    }
}

fn text_row((line, rec): NumberedRecord) -> PendingRow {
    (
        line,
        rec.into_iter()
            .map(|f| f.map_or(Value::Null, Value::Text))
            .collect(),
    )
}

/// Quotes an identifier for SQL text.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn with_context(mut info: ErrorInfo, relation: &str, line: u64) -> ErrorInfo {
    info.where_context = Some(format!("COPY {relation}, line {line}"));
    info
}

fn data_error(e: DataError, relation: &str, line: u64) -> Box<ErrorInfo> {
    let mut info = ErrorInfo::new("ERROR".into(), e.code.into(), e.message);
    info.severity_nonlocalized = Some("ERROR".into());
    Box::new(with_context(info, relation, line))
}

/// Prepares the INSERT for `cmd` on the session, opening a transaction when
/// the session is idle. Returns the statement, the column names and whether
/// the transaction is COPY's own.
fn begin(
    s: &mut EngineSession,
    table: &str,
    columns: &[String],
) -> Result<(Prepared, Vec<String>, bool), EngineError> {
    s.begin_long_statement();
    let r = prepare_insert(s, table, columns);
    if r.is_err() {
        s.end_long_statement();
    }
    r
}

fn prepare_insert(
    s: &mut EngineSession,
    table: &str,
    columns: &[String],
) -> Result<(Prepared, Vec<String>, bool), EngineError> {
    // Generated columns are computed, never read (as PostgreSQL's COPY).
    let generated = s.query(
        "SELECT attname::text FROM pg_catalog.pg_attribute \
         WHERE attrelid = $1::text::regclass AND attgenerated = 's'",
        &[Value::Text(table.into())],
    )?;
    let generated: Vec<String> = generated
        .rows
        .iter()
        .filter_map(|r| r.values().first()?.as_str().map(str::to_string))
        .collect();
    let cols: Vec<String> = if columns.is_empty() {
        let all = s.prepare(&format!("SELECT * FROM {table}"))?;
        all.columns
            .iter()
            .filter(|c| !generated.contains(&c.name))
            .map(|c| quote_ident(&c.name))
            .collect()
    } else {
        // A column as written: `"B"` is B, `b` and `B` are b.
        let unquote = |c: &str| match c.strip_prefix('"').and_then(|c| c.strip_suffix('"')) {
            Some(q) => q.replace("\"\"", "\""),
            None => c.to_lowercase(),
        };
        if let Some(name) = columns
            .iter()
            .map(|c| unquote(c))
            .find(|c| generated.contains(c))
        {
            return Err(EngineError::new(
                SqlState::InvalidColumnReference,
                format!("column \"{name}\" is a generated column"),
            )
            .with_detail("Generated columns cannot be used in COPY."));
        }
        columns.to_vec()
    };
    let placeholders: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {table} ({}) OVERRIDING SYSTEM VALUE VALUES ({})",
        cols.join(", "),
        placeholders.join(", ")
    );
    let implicit = s.status() == TxnStatus::Idle;
    if implicit {
        if let Some(Err(e)) = s.simple_query("BEGIN").pop() {
            return Err(e);
        }
    }
    match s.prepare(&sql) {
        Ok(p) => Ok((p, cols, implicit)),
        Err(e) => {
            if implicit {
                s.simple_query("ROLLBACK");
            }
            Err(e)
        }
    }
}

/// Ends a failed COPY: rolls back COPY's own transaction, or puts an
/// explicit block into the failed state (rows already inserted must not
/// commit).
fn abort(s: &mut EngineSession, implicit: bool) {
    s.end_long_statement();
    if implicit {
        s.simple_query("ROLLBACK");
    } else {
        s.fail_transaction();
    }
}

/// Starts COPY FROM STDIN: prepares, stores the state and sends
/// CopyInResponse. `extended` says which protocol the COPY came from.
pub async fn start<C>(
    client: &mut C,
    conn: &Arc<ConnState>,
    cmd: CopyCommand,
    extended: bool,
) -> PgWireResult<()>
where
    C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let Source::Table { name, columns } = cmd.source.clone() else {
        return Err(user_error("42601", "COPY (query) FROM is not allowed"));
    };
    let table = name.clone();
    let (insert, columns, implicit) = conn
        .run(move |s| begin(s, &table, &columns))
        .await?
        .map_err(|e| engine_error(&e))?;
    let ncols = columns.len();
    let binary = cmd.options.format == CopyFormat::Binary;
    let decoder = if binary {
        Decoder::Binary(BinaryDecoder::new(insert.param_types.clone()))
    } else {
        Decoder::Text(CopyDecoder::new(cmd.options))
    };
    *conn.copy_in() = Some(CopyIn {
        relation: name,
        columns,
        decoder,
        insert: Arc::new(insert),
        implicit,
        pending: Vec::with_capacity(BATCH_ROWS),
        records: Vec::new(),
        count: 0,
    });
    client.set_transaction_status(conn.wire_status());
    client.set_state(PgWireConnectionState::CopyInProgress(extended));
    client
        .send(PgWireBackendMessage::CopyInResponse(CopyInResponse::new(
            i8::from(binary),
            ncols as i16,
            vec![i16::from(binary); ncols],
        )))
        .await?;
    Ok(())
}

impl CopyIn {
    /// Checks the field counts of newly decoded records.
    fn check_counts(&self, from: usize) -> Result<(), Box<ErrorInfo>> {
        for (line, rec) in &self.pending[from..] {
            if rec.len() > self.columns.len() {
                return Err(data_error(
                    DataError {
                        code: "22P04",
                        message: "extra data after last expected column".into(),
                    },
                    &self.relation,
                    *line,
                ));
            }
            if rec.len() < self.columns.len() {
                let col = self.columns[rec.len()].trim_matches('"').to_owned();
                return Err(data_error(
                    DataError {
                        code: "22P04",
                        message: format!("missing data for column \"{col}\""),
                    },
                    &self.relation,
                    *line,
                ));
            }
        }
        Ok(())
    }

    async fn feed(&mut self, conn: &Arc<ConnState>, data: &[u8]) -> Result<(), Box<ErrorInfo>> {
        let before = self.pending.len();
        let pushed = self
            .decoder
            .push(data, &mut self.records, &mut self.pending);
        self.check_counts(before)?;
        if let Err(e) = pushed {
            return Err(data_error(e, &self.relation, self.decoder.line()));
        }
        if self.pending.len() >= BATCH_ROWS {
            self.flush(conn).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, conn: &Arc<ConnState>) -> Result<(), Box<ErrorInfo>> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let rows = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH_ROWS));
        let insert = Arc::clone(&self.insert);
        let relation = self.relation.clone();
        let n = conn
            .run(move |s| {
                let mut n = 0u64;
                let mut params: Vec<Value> = Vec::new();
                for (line, rec) in rows {
                    params.clear();
                    params.extend(rec);
                    let inserted = s
                        .check_interrupt()
                        .and_then(|()| s.query_prepared(&insert, &params));
                    if let Err(e) = inserted {
                        return Err(Box::new(with_context(
                            engine_error_info(&e),
                            &relation,
                            line,
                        )));
                    }
                    n += 1;
                }
                Ok(n)
            })
            .await
            .map_err(|e| Box::new(ErrorInfo::from(e)))??;
        self.count += n;
        Ok(())
    }

    async fn finish(&mut self, conn: &Arc<ConnState>) -> Result<u64, Box<ErrorInfo>> {
        let before = self.pending.len();
        let finished = self.decoder.finish(&mut self.records, &mut self.pending);
        self.check_counts(before)?;
        if let Err(e) = finished {
            return Err(data_error(e, &self.relation, self.decoder.line()));
        }
        self.flush(conn).await?;
        conn.run(|s| s.end_long_statement())
            .await
            .map_err(|e| Box::new(ErrorInfo::from(e)))?;
        if self.implicit {
            let committed = conn
                .run(|s| s.simple_query("COMMIT").pop())
                .await
                .map_err(|e| Box::new(ErrorInfo::from(e)))?;
            if let Some(Err(e)) = committed {
                return Err(Box::new(engine_error_info(&e)));
            }
            self.implicit = false;
        }
        Ok(self.count)
    }

    async fn abort(&mut self, conn: &Arc<ConnState>) {
        let implicit = self.implicit;
        let _ = conn.run(move |s| abort(s, implicit)).await;
    }
}

async fn fail<C>(
    client: &mut C,
    conn: &Arc<ConnState>,
    mut copy: CopyIn,
    info: Box<ErrorInfo>,
) -> PgWireError
where
    C: ClientInfo,
{
    copy.abort(conn).await;
    client.set_transaction_status(conn.wire_status());
    PgWireError::UserError(info)
}

fn no_copy() -> PgWireError {
    user_error("08P01", "no COPY in progress")
}

#[async_trait]
impl CopyHandler for Handler {
    async fn on_copy_data<C>(&self, client: &mut C, copy_data: CopyData) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let conn = conn_state(client)?;
        let mut copy = conn.copy_in().take().ok_or_else(no_copy)?;
        match copy.feed(&conn, &copy_data.data).await {
            Ok(()) => {
                *conn.copy_in() = Some(copy);
                Ok(())
            }
            Err(info) => Err(fail(client, &conn, copy, info).await),
        }
    }

    async fn on_copy_done<C>(&self, client: &mut C, _done: CopyDone) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let conn = conn_state(client)?;
        let mut copy = conn.copy_in().take().ok_or_else(no_copy)?;
        match copy.finish(&conn).await {
            Ok(n) => {
                client.set_transaction_status(conn.wire_status());
                client
                    .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
                        format!("COPY {n}"),
                    )))
                    .await?;
                Ok(())
            }
            Err(info) => Err(fail(client, &conn, copy, info).await),
        }
    }

    async fn on_copy_fail<C>(&self, client: &mut C, fail_msg: CopyFail) -> PgWireError
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let conn = match conn_state(client) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let message = format!("COPY from stdin failed: {}", fail_msg.message);
        let mut info = ErrorInfo::new("ERROR".into(), "57014".into(), message);
        info.severity_nonlocalized = Some("ERROR".into());
        let copy = conn.copy_in().take();
        match copy {
            Some(copy) => fail(client, &conn, copy, Box::new(info)).await,
            None => PgWireError::UserError(Box::new(info)),
        }
    }
}
