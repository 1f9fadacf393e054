//! Connection start-up: authentication, session creation and the
//! ParameterStatus messages clients depend on.
//!
//! With trust (the default) every user is accepted without a password.
//! With `--password-file` ([`crate::auth`]) the client first completes a
//! SCRAM-SHA-256 exchange: AuthenticationSASL, SASLInitialResponse,
//! AuthenticationSASLContinue, SASLResponse, AuthenticationSASLFinal; a
//! wrong password or unknown user ends it with FATAL 28P01. Either way the
//! same post-authentication part follows ([`Handler::finish_startup`]).
//! The engine session is created there and stored in the connection's
//! `session_extensions()`.
//! Settings are applied in order: the server's `-c` defaults, then the
//! startup packet's `options` (`-c name=value`, `--name=value`; an invalid
//! one is FATAL, as in PostgreSQL), the other parameters that name a
//! setting (libpq's `timezone` from PGTZ, `datestyle` from PGDATESTYLE),
//! `application_name` and `client_encoding`. Then AuthenticationOk, the ParameterStatus set of a
//! PostgreSQL 15 server in its order, BackendKeyData and ReadyForQuery.
//! [`reported_parameters`] is also used after SET to send ParameterStatus
//! for changed values.

use std::fmt::Debug;

use async_trait::async_trait;
use futures::{Sink, SinkExt};
use pgwire::api::auth::driver::AuthOutcome;
use pgwire::api::auth::mechanism::AuthMechanismFactory;
use pgwire::api::auth::{
    protocol_negotiation, save_startup_parameters_to_metadata, StartupHandler,
};
use pgwire::api::{ClientInfo, PgWireConnectionState, PidSecretKeyGenerator, METADATA_USER};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::response::{ReadyForQuery, TransactionStatus};
use pgwire::messages::startup::{Authentication, BackendKeyData, ParameterStatus};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};

use crate::auth::{Authentication as AuthMethod, Scram};
use crate::handler::Handler;
use crate::state::{ConnState, EngineSession};

/// Settings reported with ParameterStatus that a session can change.
const TRACKED: &[&str] = &[
    "application_name",
    "client_encoding",
    "DateStyle",
    "default_transaction_read_only",
    "IntervalStyle",
    "standard_conforming_strings",
    "TimeZone",
];

/// The current values of the settings reported with ParameterStatus that
/// can change during a session.
pub fn reported_parameters(s: &EngineSession) -> Vec<(&'static str, String)> {
    TRACKED
        .iter()
        .map(|name| (*name, s.settings().get(name).unwrap_or("").to_owned()))
        .collect()
}

/// The reported settings whose values differ from what the client was
/// last told (`now` as [`reported_parameters`] computed it), remembering
/// `now` as told: the caller sends them as ParameterStatus before
/// ReadyForQuery, as PostgreSQL reports a change (SET, RESET, the end of a
/// SET LOCAL, the rollback of a SET) when it next becomes idle.
pub fn changed_parameters(
    conn: &ConnState,
    now: Vec<(&'static str, String)>,
) -> Vec<(&'static str, String)> {
    let mut last = conn.reported.lock().unwrap_or_else(|p| p.into_inner());
    let changed = now.iter().filter(|p| !last.contains(p)).cloned().collect();
    *last = now;
    changed
}

fn fatal(code: &str, message: String) -> PgWireError {
    let mut info = ErrorInfo::new("FATAL".into(), code.into(), message);
    info.severity_nonlocalized = Some("FATAL".into());
    PgWireError::UserError(Box::new(info))
}

/// Splits a startup `options` string into `(name, value)` settings.
/// Arguments are separated by spaces; a backslash escapes the next
/// character (`-c default_transaction_isolation=repeatable\ read`).
pub fn parse_options(options: &str) -> Result<Vec<(String, String)>, String> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut chars = options.chars();
    let mut in_arg = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                in_arg = true;
            }
            c if c.is_whitespace() => {
                if in_arg {
                    args.push(std::mem::take(&mut cur));
                    in_arg = false;
                }
            }
            c => {
                cur.push(c);
                in_arg = true;
            }
        }
    }
    if in_arg {
        args.push(cur);
    }
    let mut out = Vec::new();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let setting = if arg == "-c" {
            it.next().ok_or_else(|| "-c requires a value".to_string())?
        } else if let Some(rest) = arg.strip_prefix("-c") {
            rest.to_owned()
        } else if let Some(rest) = arg.strip_prefix("--") {
            rest.to_owned()
        } else {
            return Err(format!(
                "invalid command-line argument for server process: {arg}"
            ));
        };
        match setting.split_once('=') {
            Some((name, value)) => out.push((name.replace('-', "_"), value.to_owned())),
            None => return Err(format!("-c {setting} requires a value")),
        }
    }
    Ok(out)
}

impl Handler {
    fn new_session<C: ClientInfo>(&self, client: &C) -> PgWireResult<EngineSession> {
        let meta = client.metadata();
        let user = meta
            .get("user")
            .cloned()
            .unwrap_or_else(|| "postgres".into());
        // libpq's default database is the user name.
        let database = meta
            .get("database")
            .cloned()
            .unwrap_or_else(|| user.clone());
        let mut session = self
            .db
            .session_on(&database)
            .map_err(|e| fatal(e.code(), e.message))?;
        for (name, value) in &self.defaults {
            // Validated when the server started.
            let _ = session.set_server(name, value);
        }
        // ALTER DATABASE ... SET outranks the server's settings.
        session
            .apply_database_settings()
            .map_err(|e| fatal(e.code(), e.message))?;
        session.set_user(&user);
        if let Some(options) = meta.get("options") {
            let settings = parse_options(options).map_err(|m| fatal("42601", m))?;
            for (name, value) in settings {
                session
                    .set_session_default(&name, &value)
                    .map_err(|e| fatal(e.code(), e.message))?;
            }
        }
        // Other startup parameters naming a setting (libpq sends PGTZ as
        // `timezone`, PGDATESTYLE as `datestyle`) apply as SET would; an
        // invalid value is FATAL, as in PostgreSQL.
        for (name, value) in meta.iter() {
            let lower = name.to_ascii_lowercase();
            if matches!(
                lower.as_str(),
                "user"
                    | "database"
                    | "options"
                    | "replication"
                    | "application_name"
                    | "client_encoding"
            ) || session.settings().get(&lower).is_err()
            {
                continue;
            }
            session
                .set_session_default(name, value)
                .map_err(|e| fatal(e.code(), e.message))?;
        }
        if let Some(app) = meta.get("application_name") {
            let _ = session.set_session_default("application_name", app);
        }
        if let Some(enc) = meta.get("client_encoding") {
            if let Err(e) = session.set_session_default("client_encoding", enc) {
                tracing::warn!(encoding = %enc, error = %e, "client encoding not supported; using UTF8");
            }
        }
        Ok(session)
    }
}

/// The authenticated user's name (PostgreSQL's default when absent).
fn user_of<C: ClientInfo>(client: &C) -> String {
    client
        .metadata()
        .get(METADATA_USER)
        .cloned()
        .unwrap_or_else(|| "postgres".into())
}

/// The error a failed SCRAM exchange ends with, as PostgreSQL reports it:
/// a wrong password or an unknown user is `28P01`, a message that breaks
/// the protocol `08P01`. Connection I/O errors pass through (the
/// connection is gone).
fn auth_failure<C: ClientInfo>(client: &C, scram: &Scram, error: PgWireError) -> PgWireError {
    let user = user_of(client);
    let addr = client.socket_addr();
    match error {
        PgWireError::IoError(_) => error,
        PgWireError::InvalidPassword(_) => {
            let reason = if scram.credentials.contains(&user) {
                "password does not match"
            } else {
                "no such user"
            };
            tracing::info!(%user, %addr, reason, "password authentication failed");
            fatal(
                "28P01",
                format!("password authentication failed for user \"{user}\""),
            )
        }
        PgWireError::UnsupportedSASLAuthMethod(method) => {
            tracing::info!(%user, %addr, %method, "unsupported SASL mechanism");
            fatal(
                "08P01",
                "client selected an invalid SASL authentication mechanism".into(),
            )
        }
        other => {
            tracing::info!(%user, %addr, error = %other, "malformed SCRAM message");
            let mut info = ErrorInfo::new(
                "FATAL".into(),
                "08P01".into(),
                "malformed SCRAM message".into(),
            );
            info.severity_nonlocalized = Some("FATAL".into());
            info.detail = Some(other.to_string());
            PgWireError::UserError(Box::new(info))
        }
    }
}

impl Handler {
    /// Everything after a successful authentication, the same for trust
    /// and SCRAM: creates the engine session (applying the settings),
    /// sends AuthenticationOk, the ParameterStatus set, BackendKeyData,
    /// registers the session for CancelRequest and sends ReadyForQuery.
    async fn finish_startup<C>(&self, client: &mut C) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut session = self.new_session(client)?;
        let (pid, secret_key) = self.pids.generate(client);
        // pg_backend_pid() and pg_locks show the pid the client was told.
        session.set_backend_pid(pid);
        client.set_pid_and_secret_key(pid, secret_key.clone());
        let secret_key_copy = secret_key.clone();

        let user = user_of(client);
        // Echo the client's encoding name, as PostgreSQL reports what it uses.
        let client_encoding = client
            .metadata()
            .get("client_encoding")
            .cloned()
            .unwrap_or_else(|| "UTF8".into());
        let get = |name: &str| session.settings().get(name).unwrap_or("").to_owned();
        let params: Vec<(&str, String)> = vec![
            ("application_name", get("application_name")),
            ("client_encoding", client_encoding),
            ("DateStyle", get("DateStyle")),
            (
                "default_transaction_read_only",
                get("default_transaction_read_only"),
            ),
            ("in_hot_standby", "off".into()),
            ("integer_datetimes", get("integer_datetimes")),
            ("IntervalStyle", get("IntervalStyle")),
            ("is_superuser", get("is_superuser")),
            ("server_encoding", get("server_encoding")),
            ("server_version", get("server_version")),
            ("session_authorization", user.clone()),
            (
                "standard_conforming_strings",
                get("standard_conforming_strings"),
            ),
            ("TimeZone", get("TimeZone")),
        ];
        client
            .feed(PgWireBackendMessage::Authentication(Authentication::Ok))
            .await?;
        for (name, value) in params {
            client
                .feed(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
                    name.to_owned(),
                    value,
                )))
                .await?;
        }
        client
            .feed(PgWireBackendMessage::BackendKeyData(BackendKeyData::new(
                pid, secret_key,
            )))
            .await?;
        let registration = self
            .cancels
            .register(pid, secret_key_copy, session.cancel_handle());
        let state = ConnState::new(session);
        if let Ok(mut slot) = state.cancel.lock() {
            *slot = Some(registration);
        }
        client.session_extensions().insert(state);
        tracing::debug!(pid, %user, addr = %client.socket_addr(), "session started");
        client
            .send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(
                TransactionStatus::Idle,
            )))
            .await?;
        client.set_state(PgWireConnectionState::ReadyForQuery);
        Ok(())
    }

    /// Acts on one SCRAM step: waits for the next client message, or sends
    /// the server-final message and finishes the start-up.
    async fn scram_step<C>(
        &self,
        client: &mut C,
        scram: &Scram,
        outcome: PgWireResult<AuthOutcome>,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match outcome.map_err(|e| auth_failure(client, scram, e))? {
            AuthOutcome::InProgress => Ok(()),
            AuthOutcome::Authenticated { final_message, .. } => {
                if let Some(message) = final_message {
                    // SASLFinal (the server signature); flushed with the rest.
                    client
                        .feed(PgWireBackendMessage::Authentication(message))
                        .await?;
                }
                tracing::debug!(user = %user_of(client), "scram-sha-256 authentication succeeded");
                self.finish_startup(client).await
            }
        }
    }
}

#[async_trait]
impl StartupHandler for Handler {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match (message, &self.auth) {
            (PgWireFrontendMessage::Startup(ref startup), auth)
                if matches!(client.state(), PgWireConnectionState::AwaitingStartup) =>
            {
                protocol_negotiation(client, startup).await?;
                save_startup_parameters_to_metadata(client, startup);
                match auth {
                    AuthMethod::Trust => self.finish_startup(client).await,
                    AuthMethod::Scram(scram) => {
                        // Sends AuthenticationSASL (SCRAM-SHA-256).
                        let outcome = scram
                            .driver
                            .begin_authentication(client, scram.mechanism.create())
                            .await;
                        self.scram_step(client, scram, outcome).await
                    }
                }
            }
            (PgWireFrontendMessage::PasswordMessageFamily(m), AuthMethod::Scram(scram))
                if matches!(
                    client.state(),
                    PgWireConnectionState::AuthenticationInProgress
                ) =>
            {
                // SASLInitialResponse (client-first), then SASLResponse
                // (client-final).
                let outcome = scram.driver.advance_authentication(client, m).await;
                self.scram_step(client, scram, outcome).await
            }
            // Trust asks for no password; nothing else belongs here.
            _ => Err(fatal("08P01", "unexpected message during start-up".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_options;

    #[test]
    fn options() {
        assert_eq!(
            parse_options("-c default_transaction_isolation=repeatable\\ read --work-mem=8MB -csynchronous_commit=off")
                .unwrap(),
            vec![
                ("default_transaction_isolation".into(), "repeatable read".into()),
                ("work_mem".into(), "8MB".into()),
                ("synchronous_commit".into(), "off".into()),
            ]
        );
        assert!(parse_options("-x").is_err());
        assert!(parse_options("-c foo").is_err());
        assert_eq!(parse_options("  ").unwrap(), vec![]);
    }
}
