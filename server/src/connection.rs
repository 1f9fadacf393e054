//! One client connection: the message loop.
//!
//! This is pgwire's `process_socket` loop with two changes: a frontend
//! message that cannot be decoded (garbage, a bad length, an unknown type)
//! is answered with a FATAL `08P01` ErrorResponse before the connection is
//! closed, instead of a silent hang-up; and a server shutdown ends an idle
//! connection with FATAL `57P01`, as PostgreSQL's smart shutdown does.
//! Dispatch to the handlers and error recovery (skip to Sync after an
//! extended-protocol error) are pgwire's, with PostgreSQL's wording for an
//! unknown statement name. When the loop ends the connection
//! state drops, and with it the engine session, which rolls back any open
//! transaction.

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use pgwire::api::{ClientInfo, PgWireConnectionState};
use pgwire::error::{ErrorInfo, PgWireError};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use pgwire::tokio::server::{negotiate_tls, process_error, process_message};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::handler::Handler;
use crate::wire::user_error;

/// How long a client may take to finish start-up.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

fn fatal(code: &str, message: String) -> PgWireBackendMessage {
    let mut info = ErrorInfo::new("FATAL".into(), code.into(), message);
    info.severity_nonlocalized = Some("FATAL".into());
    PgWireBackendMessage::ErrorResponse(info.into())
}

/// pgwire's error for an unknown statement name (Bind, Describe) in
/// PostgreSQL's words; other errors unchanged.
fn postgres_wording(e: PgWireError) -> PgWireError {
    match e {
        PgWireError::StatementNotFound(name) if name.is_empty() => {
            user_error("26000", "unnamed prepared statement does not exist")
        }
        PgWireError::StatementNotFound(name) => user_error(
            "26000",
            format!("prepared statement \"{name}\" does not exist"),
        ),
        other => other,
    }
}

/// Resolves once the server is shutting down.
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Serves one TCP connection until the client leaves, sends something
/// malformed, or the server shuts down.
pub async fn serve(tcp: TcpStream, handler: Arc<Handler>, mut shutdown: watch::Receiver<bool>) {
    let peer = tcp.peer_addr().ok();
    let negotiated = tokio::time::timeout(STARTUP_TIMEOUT, negotiate_tls(tcp, None)).await;
    let mut socket = match negotiated {
        Ok(Ok(Some(socket))) => socket,
        Ok(Ok(None)) => return,
        Ok(Err(e)) => {
            tracing::debug!(?peer, error = %e, "connection failed during negotiation");
            return;
        }
        Err(_) => return,
    };
    let started = tokio::time::Instant::now();
    loop {
        let in_startup = matches!(
            socket.state(),
            PgWireConnectionState::AwaitingStartup
                | PgWireConnectionState::AuthenticationInProgress
        );
        let msg = tokio::select! {
            m = socket.next() => m,
            _ = stopped(&mut shutdown) => {
                let _ = socket
                    .send(fatal("57P01", "terminating connection due to administrator command".into()))
                    .await;
                break;
            }
            _ = tokio::time::sleep_until(started + STARTUP_TIMEOUT), if in_startup => {
                let _ = socket.send(fatal("08006", "timeout during start-up".into())).await;
                break;
            }
        };
        let msg = match msg {
            None => break,
            Some(Err(e)) => {
                tracing::info!(?peer, error = %e, "closing connection: invalid frontend message");
                let _ = socket
                    .send(fatal("08P01", format!("invalid frontend message: {e}")))
                    .await;
                break;
            }
            Some(Ok(PgWireFrontendMessage::Terminate(_))) => break,
            Some(Ok(m)) => m,
        };
        let is_extended = match socket.state() {
            PgWireConnectionState::CopyInProgress(extended) => extended,
            _ => msg.is_extended_query(),
        };
        let is_cancel = matches!(msg, PgWireFrontendMessage::CancelRequest(_));
        let h = &handler;
        let result = process_message(
            msg,
            &mut socket,
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
                tracing::debug!(?peer, error = %io, "connection I/O error");
                break;
            }
            if process_error(&mut socket, e, is_extended).await.is_err() || fatal {
                break;
            }
        }
        if is_cancel {
            break;
        }
    }
    tracing::debug!(?peer, "connection closed");
}
