//! The simple Query protocol.
//!
//! pgwire's default `on_query` derives the transaction status from the
//! responses; the engine knows it exactly, so this handler replaces
//! `on_query`: it runs the whole query string in one engine call
//! ([`rocksgres_engine::Session::simple_query_to`]: statement by statement,
//! stopping at the first error) with a [`crate::stream::WireSink`] that
//! turns each statement's notices, row description, rows and command tag
//! (or its error) into messages as they are produced, writing them to the
//! socket in batches while the statement runs; then ParameterStatus for
//! settings a SET changed, and ReadyForQuery with the session's status. A
//! small result leaves the engine call still queued and goes out in one
//! write with its ReadyForQuery. A COPY statement is routed to
//! [`crate::copy`]. Named statements a DEALLOCATE dropped leave pgwire's
//! statement store right after the engine call ([`drop_deallocated`]); the
//! unnamed statement and portal of the extended protocol are dropped
//! before it, as in PostgreSQL.

use std::fmt::Debug;

use async_trait::async_trait;
use futures::{Sink, SinkExt};
use pgwire::api::query::SimpleQueryHandler;
use pgwire::api::results::Response;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireConnectionState, DEFAULT_NAME};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::response::{EmptyQueryResponse, ReadyForQuery};
use pgwire::messages::simplequery::Query;
use pgwire::messages::startup::ParameterStatus;
use pgwire::messages::PgWireBackendMessage;

use crate::copy::statement::{self, Direction};
use crate::copy::{copy_in, copy_out};
use crate::handler::Handler;
use crate::startup::{changed_parameters, reported_parameters};
use crate::state::{conn_state, drop_deallocated};
use crate::stream::before_engine_call;
use crate::wire::internal_error;

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
            before_engine_call(client).await?;
            let mut sink = conn.sink(None, true);
            let current = conn.run_borrowing(|s| {
                s.simple_query_to(&sql, &mut sink);
                check_settings.then(|| reported_parameters(s))
            })?;
            let any = sink.statements() > 0;
            let changed = current
                .map(|now| changed_parameters(&conn, now))
                .unwrap_or_default();
            drop_deallocated(client, &conn);
            sink.finish(client).await?;
            if !any {
                client
                    .feed(PgWireBackendMessage::EmptyQueryResponse(
                        EmptyQueryResponse::new(),
                    ))
                    .await?;
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
