//! The protocol handler shared by all connections.
//!
//! One [`Handler`] serves every connection: it holds the [`Database`] and
//! the server-wide settings, and implements pgwire's handler traits in the
//! files named for them: [`crate::startup`] (start-up and
//! authentication, configured by [`crate::auth`]), [`crate::simple`] (simple Query), [`crate::extended`]
//! (Parse/Bind/Describe/Execute/Sync) and [`crate::copy::copy_in`] (COPY
//! data). Per-connection state lives in [`crate::state::ConnState`].

use std::sync::Arc;

use async_trait::async_trait;
use pgwire::api::cancel::CancelHandler;
use pgwire::api::RandomPidSecretKeyGenerator;
use pgwire::messages::cancel::CancelRequest;
use rocksgres_engine::Database;

use crate::auth::Authentication;
use crate::extended::StatementParser;

/// The handler behind every connection of one server.
pub struct Handler {
    /// The database all sessions share.
    pub db: Database,
    /// `name=value` settings from the command line, applied to every session
    /// before the client's own.
    pub defaults: Vec<(String, String)>,
    /// Hands out BackendKeyData process ids and secrets.
    pub pids: RandomPidSecretKeyGenerator,
    /// The extended-protocol statement parser.
    pub parser: Arc<StatementParser>,
    /// Live sessions, for CancelRequest.
    pub cancels: crate::cancel::Registry,
    /// How clients authenticate (trust or SCRAM-SHA-256).
    pub auth: Authentication,
}

impl Handler {
    /// A handler over `db` with server-wide `defaults`, authenticating
    /// clients with `auth`.
    pub fn new(db: Database, defaults: Vec<(String, String)>, auth: Authentication) -> Self {
        Handler {
            db,
            defaults,
            pids: RandomPidSecretKeyGenerator::default(),
            parser: Arc::new(StatementParser),
            cancels: crate::cancel::Registry::default(),
            auth,
        }
    }
}

/// CancelRequest: the named session's running statement stops with 57014
/// at its next check (the engine checks while it reads rows; a statement
/// waiting for a row lock stops at its lock or statement timeout).
#[async_trait]
impl CancelHandler for Handler {
    async fn on_cancel_request(&self, cancel_request: CancelRequest) {
        let found = self
            .cancels
            .cancel(cancel_request.pid, &cancel_request.secret_key);
        tracing::debug!(pid = cancel_request.pid, found, "cancel request");
    }
}
