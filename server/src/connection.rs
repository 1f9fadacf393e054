//! One client connection: start-up on the shared runtime, then the
//! message loop on the connection's own thread.
//!
//! [`authenticate`] runs on the server's multi-threaded runtime: SSL
//! negotiation (refused), the StartupMessage, which takes a session slot
//! ([`crate::limits`]; none free is FATAL 53300), and authentication. A
//! CancelRequest is served there too and never costs a thread. The whole
//! start-up must end within `authentication_timeout`; a client that takes
//! longer (a silent or half-open socket, a stalled SCRAM exchange) is
//! closed without a message, as PostgreSQL does. Only an authenticated
//! connection is [`detach`]ed from that runtime and handed to a thread of
//! its own ([`crate::server`]), where [`serve`] runs the message loop.
//!
//! The loop is pgwire's `process_socket` loop with these changes: a
//! frontend message that cannot be decoded (garbage, a bad length, an
//! unknown type) is answered with a FATAL `08P01` ErrorResponse before the
//! connection is closed, instead of a silent hang-up; a server shutdown
//! ends an idle connection with FATAL `57P01`, as PostgreSQL's smart
//! shutdown does; a session left idle inside a transaction block for
//! longer than its `idle_in_transaction_session_timeout` is ended with
//! FATAL `25P03`; and while the connection lives, its socket is watched for
//! a hang-up that cancels the running statement ([`crate::hangup`]).
//! Dispatch to the handlers and error recovery (skip to Sync after an
//! extended-protocol error) are pgwire's, with PostgreSQL's code and
//! wording for an unknown statement or portal name; an extended-protocol
//! error also fails the session's transaction, as any error does in
//! PostgreSQL (25P02 until ROLLBACK inside a block). When the loop ends the
//! connection state drops, and with it the engine session, which rolls
//! back any open transaction.

use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use futures::{SinkExt, StreamExt};
use pgwire::api::query::ExtendedQueryHandler;
use pgwire::api::{ClientInfo, PgWireConnectionState, DEFAULT_NAME};
use pgwire::error::{ErrorInfo, PgWireError};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use pgwire::tokio::server::{
    negotiate_tls, process_error, process_message, MaybeTls, PgWireMessageServerCodec,
};
use rocksgres_engine::TxnStatus;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_util::codec::{Framed, FramedParts};

use crate::handler::Handler;
use crate::hangup::Hangups;
use crate::limits::{Limits, Slot};
use crate::state::conn_state;
use crate::wire::user_error;

/// A negotiated client connection.
pub type Socket =
    Framed<MaybeTls, PgWireMessageServerCodec<<Handler as ExtendedQueryHandler>::Statement>>;

/// What every connection of one server shares.
pub struct Shared {
    /// The protocol handler.
    pub handler: Arc<Handler>,
    /// Connection limits and the authentication timeout.
    pub limits: Limits,
    /// The hang-up watcher.
    pub hangups: Hangups,
    /// Becomes `true` when the server shuts down.
    pub stop: watch::Receiver<bool>,
}

fn fatal(code: &str, message: String) -> PgWireBackendMessage {
    let mut info = ErrorInfo::new("FATAL".into(), code.into(), message);
    info.severity_nonlocalized = Some("FATAL".into());
    PgWireBackendMessage::ErrorResponse(info.into())
}

/// The bytes of FATAL 53300 `sorry, too many clients already`.
pub fn too_many_clients() -> BytesMut {
    let mut buf = BytesMut::new();
    let _ = fatal("53300", "sorry, too many clients already".into()).encode(&mut buf);
    buf
}

/// pgwire's errors for an unknown statement name (Bind, Describe: 26000)
/// or portal name (Describe, Execute: 34000, where pgwire says 26000) in
/// PostgreSQL's code and words; other errors unchanged. pgwire names the
/// unnamed statement and portal [`DEFAULT_NAME`].
fn postgres_wording(e: PgWireError) -> PgWireError {
    match e {
        PgWireError::StatementNotFound(name) if name.is_empty() || name == DEFAULT_NAME => {
            user_error("26000", "unnamed prepared statement does not exist")
        }
        PgWireError::StatementNotFound(name) => user_error(
            "26000",
            format!("prepared statement \"{name}\" does not exist"),
        ),
        PgWireError::PortalNotFound(name) => {
            let name = if name == DEFAULT_NAME { "" } else { &name };
            user_error("34000", format!("portal \"{name}\" does not exist"))
        }
        other => other,
    }
}

/// Resolves once the server is shutting down.
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Whether the connection goes on after a message.
enum Flow {
    Continue,
    Close,
}

/// Reads the next message, or ends the connection: `None` when the client
/// left, sent something undecodable (answered with FATAL 08P01) or sent
/// Terminate.
fn next_message(
    msg: Option<Result<PgWireFrontendMessage, PgWireError>>,
    peer: std::net::SocketAddr,
) -> Result<PgWireFrontendMessage, Option<PgWireBackendMessage>> {
    match msg {
        None => Err(None),
        Some(Err(e)) => {
            tracing::info!(%peer, error = %e, "closing connection: invalid frontend message");
            Err(Some(fatal(
                "08P01",
                format!("invalid frontend message: {e}"),
            )))
        }
        Some(Ok(PgWireFrontendMessage::Terminate(_))) => Err(None),
        Some(Ok(m)) => Ok(m),
    }
}

/// Dispatches one message to the handlers and reports its error, if any.
async fn handle(msg: PgWireFrontendMessage, socket: &mut Socket, handler: &Arc<Handler>) -> Flow {
    let is_extended = match socket.state() {
        PgWireConnectionState::CopyInProgress(extended) => extended,
        _ => msg.is_extended_query(),
    };
    let is_cancel = matches!(msg, PgWireFrontendMessage::CancelRequest(_));
    let h = handler;
    let result = process_message(
        msg,
        socket,
        Arc::clone(h),
        Arc::clone(h),
        Arc::clone(h),
        Arc::clone(h),
        Arc::clone(h),
    )
    .await;
    if let Err(e) = result {
        let e = postgres_wording(e);
        let fatal = e.is_fatal();
        if let PgWireError::IoError(ref io) = e {
            tracing::debug!(peer = %socket.socket_addr(), error = %io, "connection I/O error");
            return Flow::Close;
        }
        if is_extended && !fatal {
            fail_transaction(socket).await;
        }
        if process_error(socket, e, is_extended).await.is_err() || fatal {
            return Flow::Close;
        }
    }
    if is_cancel {
        return Flow::Close;
    }
    Flow::Continue
}

/// Fails the session's transaction after an error of the extended
/// protocol, as PostgreSQL aborts the transaction on any error: inside a
/// block every statement then fails with 25P02 until ROLLBACK (and COMMIT
/// rolls back); an implicit transaction is rolled back (Sync ends it). The
/// engine has already failed the transaction for its own errors, and
/// failing it again changes nothing; this covers the errors raised by the
/// protocol layer, such as a Bind, Describe or Execute that names an
/// unknown statement or portal.
async fn fail_transaction(socket: &Socket) {
    if let Ok(conn) = conn_state(socket) {
        // Only a panic fails this call; the error being reported matters more.
        let _ = conn.run(|s| s.fail_transaction()).await;
    }
}

fn in_startup(socket: &Socket) -> bool {
    matches!(
        socket.state(),
        PgWireConnectionState::AwaitingStartup | PgWireConnectionState::AuthenticationInProgress
    )
}

/// The start-up of one connection, on the shared runtime: returns the
/// authenticated socket and its session slot, or `None` when the
/// connection ended (a CancelRequest, a failed authentication, no slot,
/// the client left, the server is stopping, `authentication_timeout`).
pub async fn authenticate(tcp: TcpStream, shared: &Shared) -> Option<(Socket, Slot)> {
    let peer = tcp.peer_addr().ok()?;
    let deadline = tokio::time::Instant::now() + shared.limits.authentication_timeout;
    let mut slot = None;
    let timed_out = |slot: &Option<Slot>| {
        if slot.is_some() {
            tracing::info!(%peer, "canceling authentication due to timeout");
        } else {
            tracing::debug!(%peer, "closing connection: no start-up message in time");
        }
    };
    let mut socket: Socket = match tokio::time::timeout_at(deadline, negotiate_tls(tcp, None)).await
    {
        Ok(Ok(Some(socket))) => socket,
        Ok(Ok(None)) => return None,
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "connection failed during negotiation");
            return None;
        }
        Err(_) => {
            timed_out(&slot);
            return None;
        }
    };
    let mut stop = shared.stop.clone();
    while in_startup(&socket) {
        let msg = tokio::select! {
            m = socket.next() => m,
            _ = stopped(&mut stop) => {
                let _ = socket
                    .send(fatal("57P01", "terminating connection due to administrator command".into()))
                    .await;
                return None;
            }
            _ = tokio::time::sleep_until(deadline) => {
                timed_out(&slot);
                return None;
            }
        };
        let msg = match next_message(msg, peer) {
            Ok(m) => m,
            Err(reply) => {
                if let Some(reply) = reply {
                    let _ = socket.send(reply).await;
                }
                return None;
            }
        };
        if matches!(msg, PgWireFrontendMessage::Startup(_)) && slot.is_none() {
            match shared.limits.sessions.try_take() {
                Some(s) => slot = Some(s),
                None => {
                    tracing::info!(%peer, "sorry, too many clients already");
                    let _ = socket
                        .send(fatal("53300", "sorry, too many clients already".into()))
                        .await;
                    return None;
                }
            }
        }
        match tokio::time::timeout_at(deadline, handle(msg, &mut socket, &shared.handler)).await {
            Ok(Flow::Continue) => {}
            Ok(Flow::Close) => return None,
            Err(_) => {
                timed_out(&slot);
                return None;
            }
        }
    }
    Some((socket, slot?))
}

/// An authenticated connection taken off the runtime it started on, to be
/// [`attach`]ed on the runtime of its own thread.
pub struct Detached {
    tcp: std::net::TcpStream,
    parts: FramedParts<(), PgWireMessageServerCodec<<Handler as ExtendedQueryHandler>::Statement>>,
}

/// Takes `socket` off the current runtime, keeping its protocol state and
/// any bytes already read.
pub fn detach(socket: Socket) -> std::io::Result<Detached> {
    let parts = socket.into_parts();
    let tcp = match parts.io {
        MaybeTls::Plain(tcp) => tcp.into_std()?,
        _ => {
            return Err(std::io::Error::other(
                "only plain TCP connections are served",
            ))
        }
    };
    let mut rest = FramedParts::new::<PgWireBackendMessage>((), parts.codec);
    rest.read_buf = parts.read_buf;
    rest.write_buf = parts.write_buf;
    Ok(Detached { tcp, parts: rest })
}

/// Registers a [`Detached`] connection with the current runtime.
pub fn attach(d: Detached) -> std::io::Result<Socket> {
    let tcp = TcpStream::from_std(d.tcp)?;
    let mut parts = FramedParts::new::<PgWireBackendMessage>(MaybeTls::Plain(tcp), d.parts.codec);
    parts.read_buf = d.parts.read_buf;
    parts.write_buf = d.parts.write_buf;
    Ok(Framed::from_parts(parts))
}

/// The session's `idle_in_transaction_session_timeout`, when it is inside
/// a transaction block (failed or not) and has one.
async fn idle_in_transaction_limit(socket: &Socket) -> Option<Duration> {
    let state = conn_state(socket).ok()?;
    if state.status() == TxnStatus::Idle {
        return None;
    }
    state
        .run(|s| s.settings().idle_in_transaction_session_timeout())
        .await
        .ok()
        .flatten()
}

/// Returns once `flag` is set (polled: DROP DATABASE ... WITH (FORCE)
/// waits for the sessions it ends, so a tenth of a second is soon enough).
async fn terminated_by_drop(flag: Option<&std::sync::atomic::AtomicBool>) {
    let Some(flag) = flag else {
        return std::future::pending().await;
    };
    while !flag.load(std::sync::atomic::Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Serves an authenticated connection until the client leaves, sends
/// something malformed, stays idle in a transaction too long, or the server
/// shuts down.
pub async fn serve(mut socket: Socket, shared: &Shared) {
    let peer = socket.socket_addr();
    let watch = match (socket.get_ref(), conn_state(&socket)) {
        (MaybeTls::Plain(tcp), Ok(state)) => {
            let fd = tcp.as_raw_fd();
            state.set_fd(fd);
            match state.run(|s| s.cancel_handle()).await {
                Ok(cancel) => match shared.hangups.watch(fd, cancel) {
                    Ok(w) => Some(w),
                    Err(e) => {
                        tracing::warn!(%peer, error = %e, "cannot watch the connection for hang-ups");
                        None
                    }
                },
                Err(_) => None,
            }
        }
        _ => None,
    };
    let mut stop = shared.stop.clone();
    // Set when another session's DROP DATABASE ... WITH (FORCE) ends this one.
    let terminated = match conn_state(&socket) {
        Ok(state) => state.run(|s| s.termination_flag()).await.ok(),
        Err(_) => None,
    };
    // ReadyForQuery was the last message sent: the session waits for its
    // client (PostgreSQL's idle states).
    let mut idle = true;
    loop {
        let idle_limit = if idle {
            idle_in_transaction_limit(&socket).await
        } else {
            None
        };
        let msg = tokio::select! {
            m = socket.next() => m,
            _ = stopped(&mut stop) => {
                let _ = socket
                    .send(fatal("57P01", "terminating connection due to administrator command".into()))
                    .await;
                break;
            }
            _ = terminated_by_drop(terminated.as_deref()), if terminated.is_some() => {
                let _ = socket
                    .send(fatal("57P01", "terminating connection due to administrator command".into()))
                    .await;
                break;
            }
            _ = tokio::time::sleep(idle_limit.unwrap_or_default()), if idle_limit.is_some() => {
                tracing::info!(%peer, "terminating connection due to idle-in-transaction timeout");
                let _ = socket
                    .send(fatal("25P03", "terminating connection due to idle-in-transaction timeout".into()))
                    .await;
                break;
            }
        };
        let msg = match next_message(msg, peer) {
            Ok(m) => m,
            Err(reply) => {
                if let Some(reply) = reply {
                    let _ = socket.send(reply).await;
                }
                break;
            }
        };
        let ends_cycle = matches!(
            msg,
            PgWireFrontendMessage::Query(_)
                | PgWireFrontendMessage::Sync(_)
                | PgWireFrontendMessage::CopyDone(_)
                | PgWireFrontendMessage::CopyFail(_)
        );
        if let Flow::Close = handle(msg, &mut socket, &shared.handler).await {
            break;
        }
        idle = ends_cycle
            && !matches!(
                socket.state(),
                PgWireConnectionState::CopyInProgress(_) | PgWireConnectionState::AwaitingSync
            );
    }
    // Off the hang-up watcher before the socket (and its descriptor) goes.
    drop(watch);
    drop(socket);
    tracing::debug!(%peer, "connection closed");
}
