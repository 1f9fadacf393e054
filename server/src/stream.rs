//! Streaming a statement's rows to the socket while the engine runs.
//!
//! Engine calls run inline on the connection's own thread (see
//! [`crate::server`]), inside the future that handles the message, so the
//! engine cannot `await` the socket while it produces rows. [`WireSink`]
//! is the engine's [`ResultSink`] for a connection: it turns each event
//! into its protocol message (NoticeResponse, RowDescription, DataRow,
//! CommandComplete, ErrorResponse) and keeps the messages in order in a
//! small queue. When the queue holds more than [`FLUSH_AT`] bytes it is
//! encoded and written straight to the connection's socket descriptor
//! with `write(2)`, waiting in `poll(2)` while the client's receive window
//! is full: the engine then waits for the client, as PostgreSQL's backend
//! does, and memory stays bounded by the batch size whatever the size of
//! the result. Whatever is still queued when the engine returns goes to
//! the connection's framed writer as before, so a small result costs one
//! write with its ReadyForQuery, exactly as without streaming.
//!
//! Ordering: before the engine call the handler flushes the framed
//! writer ([`before_engine_call`]), so bytes written directly never
//! overtake earlier messages; during the call nothing else writes.
//! Connections are always plain TCP once authenticated (TLS is refused at
//! hand-off, [`crate::connection::detach`]); where no descriptor is known
//! the queue is simply kept until the call returns.
//!
//! A write that fails (the client went away) fails the statement with
//! 08006; a cancel (CancelRequest, or the hang-up watcher) while the
//! engine waits for the client fails it with 57014.

use std::fmt::Debug;
use std::os::fd::RawFd;
use std::sync::Arc;

use bytes::BytesMut;
use futures::{Sink, SinkExt};
use pgwire::api::portal::Format;
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::response::CommandComplete;
use pgwire::messages::PgWireBackendMessage;
use rocksgres_engine::session::CancelHandle;
use rocksgres_engine::{Column, EngineError, QueryResult, ResultSink, Row, SqlState};

use crate::wire::{error_response, notice_response, row_description, RowEncoder};

/// Queued bytes past which the queue is written to the socket.
pub const FLUSH_AT: usize = 64 * 1024;

/// How long one `poll(2)` waits for the socket before the cancel flag is
/// looked at again, in milliseconds.
const POLL_MS: i32 = 100;

/// Messages of one engine call not yet written, written to the socket
/// directly once they pass [`FLUSH_AT`] bytes (see the module docs).
pub struct Outbox {
    fd: Option<RawFd>,
    cancel: CancelHandle,
    /// Messages not yet written, in order.
    queue: Vec<PgWireBackendMessage>,
    queued_bytes: usize,
    /// Reused buffer for direct writes.
    raw: BytesMut,
}

impl Outbox {
    /// An outbox writing to `fd` (when known), checking `cancel` while it
    /// waits for the client.
    pub fn new(fd: Option<RawFd>, cancel: CancelHandle) -> Self {
        Outbox {
            fd,
            cancel,
            queue: Vec::new(),
            queued_bytes: 0,
            raw: BytesMut::new(),
        }
    }

    /// Queues `msg` (about `size` bytes on the wire), writing the queue
    /// out once it is large enough.
    pub fn push(&mut self, msg: PgWireBackendMessage, size: usize) -> Result<(), EngineError> {
        self.queue.push(msg);
        self.queued_bytes += size;
        if self.queued_bytes >= FLUSH_AT {
            self.write_queue()?;
        }
        Ok(())
    }

    /// Encodes the queue and writes it to the socket (no-op without a
    /// descriptor: the queue then waits for [`Outbox::finish`]).
    fn write_queue(&mut self) -> Result<(), EngineError> {
        let Some(fd) = self.fd else {
            return Ok(());
        };
        self.raw.clear();
        for m in self.queue.drain(..) {
            m.encode(&mut self.raw).map_err(|e| {
                EngineError::new(SqlState::InternalError, format!("encoding a message: {e}"))
            })?;
        }
        self.queued_bytes = 0;
        write_all(fd, &self.raw, &self.cancel)
    }

    /// Feeds what is still queued to the framed writer `client` (in
    /// order, after everything written directly).
    pub async fn finish<C>(self, client: &mut C) -> PgWireResult<()>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        for m in self.queue {
            client.feed(m).await?;
        }
        Ok(())
    }
}

/// Where the rows of one engine call go (see the module docs).
pub struct WireSink<'f> {
    out: Outbox,
    /// Result formats of the portal (extended protocol); `None` is text.
    formats: Option<&'f Format>,
    /// Whether a streamed query's RowDescription is sent here (simple
    /// protocol) or was sent by Describe (extended protocol).
    describe: bool,
    /// The current statement's row encoder, once its columns are known.
    encoder: Option<RowEncoder>,
    /// Whether the current statement's rows were streamed.
    streamed: bool,
    /// How many statements have ended (a simple Query of comments only
    /// has none, and is answered with EmptyQueryResponse).
    finished: usize,
}

impl<'f> WireSink<'f> {
    /// A sink writing to `out`. `describe`: send a RowDescription before
    /// streamed rows (simple protocol).
    pub fn new(out: Outbox, formats: Option<&'f Format>, describe: bool) -> Self {
        WireSink {
            out,
            formats,
            describe,
            encoder: None,
            streamed: false,
            finished: 0,
        }
    }

    /// How many statements have ended through this sink.
    pub fn statements(&self) -> usize {
        self.finished
    }

    /// Whether the last statement's rows were streamed (its result then
    /// carries none).
    pub fn streamed(&self) -> bool {
        self.streamed
    }

    fn push(&mut self, msg: PgWireBackendMessage, size: usize) -> Result<(), EngineError> {
        self.out.push(msg, size)
    }

    /// Queues a collected or streamed statement's closing messages.
    fn push_result(&mut self, result: &QueryResult) -> Result<(), EngineError> {
        for n in &result.notices {
            self.push(PgWireBackendMessage::NoticeResponse(notice_response(n)), 64)?;
        }
        if !self.streamed && result.returns_rows() {
            self.push(
                PgWireBackendMessage::RowDescription(row_description(&result.columns, None)),
                64,
            )?;
            let mut enc = RowEncoder::new(&result.columns, None);
            for row in &result.rows {
                let data = enc.encode(row).map_err(pgwire_to_engine)?;
                let size = data.data.len() + 7;
                self.push(PgWireBackendMessage::DataRow(data), size)?;
            }
        }
        self.push(
            PgWireBackendMessage::CommandComplete(CommandComplete::new(result.tag.to_string())),
            32,
        )
    }

    /// Feeds what is still queued to the framed writer `client`.
    pub async fn finish<C>(self, client: &mut C) -> PgWireResult<()>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.out.finish(client).await
    }
}

impl ResultSink for WireSink<'_> {
    fn notice(&mut self, text: String) -> rocksgres_engine::Result<()> {
        self.push(
            PgWireBackendMessage::NoticeResponse(notice_response(&text)),
            64,
        )
    }

    fn columns(&mut self, columns: &Arc<[Column]>) -> rocksgres_engine::Result<()> {
        self.streamed = true;
        self.encoder = Some(RowEncoder::new(columns, self.formats));
        if self.describe {
            self.push(
                PgWireBackendMessage::RowDescription(row_description(columns, self.formats)),
                64,
            )?;
        }
        Ok(())
    }

    fn row(&mut self, row: &Row) -> rocksgres_engine::Result<()> {
        let Some(enc) = self.encoder.as_mut() else {
            return Err(EngineError::internal("row before its columns"));
        };
        let data = enc.encode(row).map_err(pgwire_to_engine)?;
        let size = data.data.len() + 7;
        self.push(PgWireBackendMessage::DataRow(data), size)
    }

    fn finished(&mut self, result: rocksgres_engine::Result<QueryResult>) {
        // A write error here means the client is gone: the queue is
        // dropped with the connection, and the engine's next row (if any)
        // or the connection loop notices.
        let _ = match &result {
            Ok(r) => self.push_result(r),
            Err(e) => self.push(PgWireBackendMessage::ErrorResponse(error_response(e)), 128),
        };
        self.streamed = false;
        self.encoder = None;
        self.finished += 1;
    }
}

/// A pgwire encoding error (a value with no binary form) as the
/// engine's.
pub fn pgwire_to_engine(e: PgWireError) -> EngineError {
    match e {
        PgWireError::UserError(info) if info.code == "0A000" => {
            EngineError::new(SqlState::FeatureNotSupported, info.message)
        }
        other => EngineError::internal(other.to_string()),
    }
}

/// Writes all of `buf` to the non-blocking socket `fd`, waiting in
/// `poll(2)` while it is full.
fn write_all(fd: RawFd, mut buf: &[u8], cancel: &CancelHandle) -> Result<(), EngineError> {
    while !buf.is_empty() {
        // SAFETY: `fd` is the connection's open socket, owned by its
        // framed writer for the whole engine call; `buf` is valid for
        // `buf.len()` bytes.
        let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
        if n >= 0 {
            buf = &buf[n as usize..];
            continue;
        }
        let err = std::io::Error::last_os_error();
        match err.kind() {
            std::io::ErrorKind::Interrupted => continue,
            std::io::ErrorKind::WouldBlock => {
                if cancel.is_cancelled() {
                    return Err(EngineError::new(
                        SqlState::QueryCanceled,
                        "canceling statement due to user request",
                    ));
                }
                let mut pfd = libc::pollfd {
                    fd,
                    events: libc::POLLOUT,
                    revents: 0,
                };
                // SAFETY: one valid pollfd.
                unsafe { libc::poll(&mut pfd, 1, POLL_MS) };
            }
            _ => return Err(connection_lost(&err)),
        }
    }
    Ok(())
}

fn connection_lost(err: &std::io::Error) -> EngineError {
    EngineError::new(
        SqlState::ConnectionFailure,
        format!("could not send data to client: {err}"),
    )
}

/// Flushes the framed writer before an engine call that may write to the
/// socket directly (see the module docs).
pub async fn before_engine_call<C>(client: &mut C) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    client.flush().await?;
    Ok(())
}
