//! The listener: opening the database, accepting connections, shutting
//! down.
//!
//! The database is opened before the socket is bound, so a second server on
//! the same data directory fails at once (RocksDB's lock file) with a clear
//! message and a non-zero exit. Every accepted socket gets TCP keepalives
//! ([`KEEPALIVE_IDLE`], [`KEEPALIVE_INTERVAL`], [`KEEPALIVE_RETRIES`]: a
//! client that vanished without a FIN is noticed within about two minutes)
//! and starts on the shared multi-threaded runtime, where it negotiates and
//! authenticates ([`connection::authenticate`]) within
//! `authentication_timeout`, and where CancelRequests are served; no thread
//! is spent on a socket that has not authenticated, and
//! [`crate::limits`] bounds how many sockets may be starting and how many
//! sessions may exist (`max_connections`).
//!
//! An authenticated connection gets a thread of its own, running
//! [`connection::serve`] on a single-threaded tokio runtime, and engine
//! calls run inline on that thread, as PostgreSQL runs each backend in its
//! own process: a statement waiting for a row lock or for the WAL fsync
//! blocks only its own connection, and a statement costs no hand-off to a
//! thread pool and back (on the pgbench select-only load those two context
//! switches per statement were about 40 % of the CPU profile). The
//! listener keeps one task per connection that ends when the connection's
//! thread does. On SIGINT or SIGTERM the listener is closed, idle
//! connections are told FATAL 57P01 and closed (their sessions drop, which
//! rolls back open transactions), connections busy in a statement get a
//! grace period, and the database is dropped last.

use std::sync::Arc;
use std::time::Duration;

use rocksgres_engine::Database;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::auth::{Authentication, Credentials};
use crate::cli::Args;
use crate::connection::{self, Shared};
use crate::handler::Handler;
use crate::hangup::Hangups;
use crate::limits::{Limits, Slot};

/// Idle time before the first TCP keepalive probe.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(60);
/// Time between unanswered keepalive probes.
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
/// Unanswered probes before the connection is declared dead.
const KEEPALIVE_RETRIES: u32 = 6;

/// Sets the socket options of an accepted connection: no Nagle delay
/// (small protocol messages go out at once, as PostgreSQL's do) and TCP
/// keepalives.
fn configure(tcp: &TcpStream) {
    let _ = tcp.set_nodelay(true);
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(KEEPALIVE_IDLE)
        .with_interval(KEEPALIVE_INTERVAL)
        .with_retries(KEEPALIVE_RETRIES);
    if let Err(e) = socket2::SockRef::from(tcp).set_tcp_keepalive(&keepalive) {
        tracing::warn!(error = %e, "could not set TCP keepalives");
    }
}

/// Serves one connection: start-up here, on the shared runtime, then the
/// session on a thread of its own (see the module docs); resolves when the
/// connection is done.
async fn serve_connection(tcp: TcpStream, shared: Arc<Shared>, starting: Slot) {
    configure(&tcp);
    let Some((socket, session_slot)) = connection::authenticate(tcp, &shared).await else {
        return;
    };
    drop(starting);
    match connection::detach(socket) {
        Ok(detached) => serve_on_own_thread(detached, shared, session_slot).await,
        Err(e) => tracing::warn!(error = %e, "could not hand the connection to its thread"),
    }
}

/// Serves an authenticated connection on a new thread with its own
/// single-threaded runtime (see the module docs); resolves when that thread
/// is done. The session slot is given back when the thread ends.
async fn serve_on_own_thread(
    detached: connection::Detached,
    shared: Arc<Shared>,
    session_slot: Slot,
) {
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name("rocksgres-conn".into())
        // Room for deep statements: the engine guards its own recursion
        // (54001 past its limits) and runs statements that need more than
        // this on a stack of their own; address space, touched as used.
        .stack_size(64 * 1024 * 1024)
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match runtime {
                Ok(rt) => rt.block_on(async move {
                    match connection::attach(detached) {
                        Ok(socket) => connection::serve(socket, &shared).await,
                        Err(e) => tracing::warn!(error = %e, "could not register the connection"),
                    }
                }),
                Err(e) => tracing::warn!(error = %e, "could not start a connection runtime"),
            }
            drop(session_slot);
            drop(done_tx);
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not start a connection thread");
        return;
    }
    let _ = done_rx.await;
}

/// Refuses a socket accepted while too many connections are starting:
/// FATAL 53300 if it can be written at once, then close.
fn refuse(tcp: TcpStream, peer: std::net::SocketAddr) {
    tracing::info!(%peer, "sorry, too many clients already (too many connections starting)");
    let _ = tcp.try_write(&connection::too_many_clients());
}

/// How long shutdown waits for busy connections before abandoning them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Resolves on the first SIGINT or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut int), Ok(mut term)) => {
                tokio::select! {
                    _ = int.recv() => tracing::info!("received SIGINT, shutting down"),
                    _ = term.recv() => tracing::info!("received SIGTERM, shutting down"),
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn open_database(args: &Args) -> Result<Database, String> {
    let dir = args.data_dir.display();
    Database::open(&args.data_dir).map_err(|e| {
        let lower = e.message.to_lowercase();
        if lower.contains("lock") {
            format!(
                "could not open data directory {dir}: it is in use by another process \
                 (is another rocksgres server running on it?): {}",
                e.message
            )
        } else {
            format!("could not open data directory {dir}: {}", e.message)
        }
    })
}

/// Runs the server until a shutdown signal.
pub async fn run(args: Args) -> Result<(), String> {
    // Read the password file first: a bad one fails before the database
    // is touched.
    let auth = match args.password_file.clone() {
        None => Authentication::Trust,
        Some(path) => {
            let credentials = tokio::task::spawn_blocking(move || Credentials::load(&path))
                .await
                .map_err(|e| format!("could not read the password file: {e}"))??;
            tracing::info!(users = credentials.len(), "password file loaded");
            Authentication::scram(credentials)
        }
    };
    let opened_args = args.clone();
    let db = tokio::task::spawn_blocking(move || open_database(&opened_args))
        .await
        .map_err(|e| format!("could not open the database: {e}"))??;
    // Validate the -c settings once, on a throwaway session, and read the
    // server's own settings from it.
    let limits = {
        let mut s = db.session();
        for (name, value) in &args.settings {
            s.set_server(name, value)
                .map_err(|e| format!("invalid setting -c {name}={value}: {}", e.message))?;
        }
        db.set_autovacuum(s.settings().autovacuum());
        Limits::new(
            s.settings().max_connections(),
            s.settings().authentication_timeout(),
        )
    };
    let hangups =
        Hangups::start().map_err(|e| format!("could not start the hang-up watcher: {e}"))?;
    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("could not listen on {}: {e}", args.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("could not read the listen address: {e}"))?;
    // The start-up line goes to stdout (tests read the port from it).
    println!(
        "rocksgres {} listening on {addr}, data directory {}, authentication: {}",
        env!("CARGO_PKG_VERSION"),
        args.data_dir.display(),
        auth.method()
    );
    tracing::info!(%addr, data_dir = %args.data_dir.display(), auth = auth.method(), "server started");

    let handler = Arc::new(Handler::new(db, args.settings.clone(), auth));
    let (stop_tx, stop_rx) = watch::channel(false);
    let shared = Arc::new(Shared {
        handler: Arc::clone(&handler),
        limits,
        hangups,
        stop: stop_rx,
    });
    let mut conns = JoinSet::new();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => match shared.limits.starting.try_take() {
                    Some(starting) => {
                        tracing::debug!(%peer, "connection accepted");
                        conns.spawn(serve_connection(tcp, Arc::clone(&shared), starting));
                    }
                    None => refuse(tcp, peer),
                },
                Err(e) => {
                    // Out of file descriptors and the like: back off briefly.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while conns.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            remaining = conns.len(),
            "connections still busy after the grace period; closing them"
        );
        conns.abort_all();
        while conns.join_next().await.is_some() {}
    }
    drop(shared);
    drop(handler);
    tracing::info!("server stopped");
    Ok(())
}
