//! The simple Query protocol.
//!
//! pgwire's default `on_query` derives the transaction status from the
//! responses; the engine knows it exactly, so this handler replaces
//! `on_query`: it runs the whole query string in one blocking engine call
//! ([`rocksgres_engine::Session::simple_query`]: one result per statement,
//! stopping at the first error), writes each statement's notices, row
//! description, rows and command tag (or its error), then ParameterStatus for
//! settings a SET changed, and ReadyForQuery with the session's status.
//! Everything is fed to the write buffer and flushed once, at
//! ReadyForQuery. A COPY statement is routed to [`crate::copy`]. Named
//! statements a DEALLOCATE dropped leave pgwire's statement store right
//! after the engine call ([`drop_deallocated`]); the unnamed statement and
//! portal of the extended protocol are dropped before it, as in PostgreSQL.

use std::fmt::Debug;

use async_trait::async_trait;
use futures::{Sink, SinkExt};
use pgwire::api::query::SimpleQueryHandler;
use pgwire::api::results::Response;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireConnectionState, DEFAULT_NAME};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::response::{CommandComplete, EmptyQueryResponse, ReadyForQuery};
use pgwire::messages::simplequery::Query;
use pgwire::messages::startup::ParameterStatus;
use pgwire::messages::PgWireBackendMessage;
use rocksgres_engine::{EngineError, QueryResult};

use crate::copy::statement::{self, Direction};
use crate::copy::{copy_in, copy_out};
use crate::handler::Handler;
use crate::startup::{changed_parameters, reported_parameters};
use crate::state::{conn_state, drop_deallocated};
use crate::wire::{error_response, internal_error, notice_response, row_description, RowEncoder};

/// Whether a query string holds no statement (only `;` and whitespace).
pub fn is_empty_query(q: &str) -> bool {
    q.chars().all(|c| c == ';' || c.is_whitespace())
}

/// Whether a query string may change a reported setting (SET, RESET, the
/// COMMIT or ROLLBACK ending a SET LOCAL or undoing a SET, ...).
fn may_change_settings(q: &str) -> bool {
    let lower = q.to_ascii_lowercase();
    ["set", "discard", "commit", "rollback", "end", "abort"]
        .iter()
        .any(|w| lower.contains(w))
}

/// What one simple query produced, computed on the blocking pool.
struct Outcome {
    results: Vec<Result<QueryResult, EngineError>>,
    /// The reported settings after the query, when it may have changed
    /// one.
    current: Option<Vec<(&'static str, String)>>,
}

/// Writes one statement's result (notices, rows, tag) to the client.
pub async fn send_result<C>(client: &mut C, result: &QueryResult) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    for n in &result.notices {
        client
            .feed(PgWireBackendMessage::NoticeResponse(notice_response(n)))
            .await?;
    }
    if result.returns_rows() {
        client
            .feed(PgWireBackendMessage::RowDescription(row_description(
                &result.columns,
                None,
            )))
            .await?;
        let mut enc = RowEncoder::new(&result.columns, None);
        for row in &result.rows {
            client
                .feed(PgWireBackendMessage::DataRow(enc.encode(row)?))
                .await?;
        }
    }
    client
        .feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(
            result.tag.to_string(),
        )))
        .await?;
    Ok(())
}

impl Handler {
    /// Runs a COPY statement from the simple protocol. Returns whether a
    /// COPY FROM is now in progress (then no ReadyForQuery is sent yet).
    async fn simple_copy<C>(&self, client: &mut C, sql: &str) -> PgWireResult<bool>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let conn = conn_state(client)?;
        let cmd = statement::parse(sql).map_err(|e| crate::wire::user_error(e.code, e.message))?;
        match cmd.direction {
            Direction::From => {
                copy_in::start(client, &conn, cmd, false).await?;
                Ok(true)
            }
            Direction::To => {
                copy_out::run(client, &conn, cmd).await?;
                Ok(false)
            }
        }
    }
}

#[async_trait]
impl SimpleQueryHandler for Handler {
    async fn on_query<C>(&self, client: &mut C, query: Query) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if !matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            return Err(PgWireError::NotReadyForQuery);
        }
        client.set_state(PgWireConnectionState::QueryInProgress);
        // As PostgreSQL: a Query drops the unnamed statement and portal of
        // the extended protocol (a later Bind or Execute naming them fails).
        client.portal_store().rm_statement(DEFAULT_NAME);
        client.portal_store().rm_portal(DEFAULT_NAME);
        let conn = conn_state(client)?;
        let sql = query.query;
        if is_empty_query(&sql) {
            client
                .feed(PgWireBackendMessage::EmptyQueryResponse(
                    EmptyQueryResponse::new(),
                ))
                .await?;
        } else if statement::is_copy(&sql) {
            match self.simple_copy(client, &sql).await {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(e) => {
                    let info: ErrorInfo = e.into();
                    client
                        .feed(PgWireBackendMessage::ErrorResponse(info.into()))
                        .await?;
                }
            }
        } else {
            let check_settings = may_change_settings(&sql);
            let outcome = conn
                .run(move |s| {
                    let results = s.simple_query(&sql);
                    let current = check_settings.then(|| reported_parameters(s));
                    Outcome { results, current }
                })
                .await?;
            let changed = outcome
                .current
                .map(|now| changed_parameters(&conn, now))
                .unwrap_or_default();
            drop_deallocated(client, &conn);
            if outcome.results.is_empty() {
                client
                    .feed(PgWireBackendMessage::EmptyQueryResponse(
                        EmptyQueryResponse::new(),
                    ))
                    .await?;
            }
            for r in &outcome.results {
                match r {
                    Ok(result) => send_result(client, result).await?,
                    Err(e) => {
                        client
                            .feed(PgWireBackendMessage::ErrorResponse(error_response(e)))
                            .await?;
                    }
                }
            }
            for (name, value) in changed {
                client
                    .feed(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
                        name.to_owned(),
                        value,
                    )))
                    .await?;
            }
        }
        let status = conn.wire_status();
        client.set_state(PgWireConnectionState::ReadyForQuery);
        client.set_transaction_status(status);
        client
            .send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(
                status,
            )))
            .await?;
        Ok(())
    }

    async fn do_query<C>(&self, _client: &mut C, _query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // on_query is overridden and never calls this.
        Err(internal_error("simple query dispatch error".into()))
    }
}
