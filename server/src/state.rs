//! Per-connection state and the bridge from async handlers to the blocking
//! engine.
//!
//! Every connection owns one engine [`Session`] behind a mutex, stored in
//! pgwire's per-connection `session_extensions()` as an [`Arc<ConnState>`].
//! Engine calls may wait on RocksDB I/O or on row locks held by other
//! sessions, so they never run on a runtime worker: [`ConnState::run`]
//! moves them to tokio's blocking pool. The connection processes its
//! messages one at a time, so the mutex is uncontended; it exists to hand the
//! session to the blocking thread and back.
//!
//! The transaction status the session reports after each call is cached in
//! an atomic, so protocol code that cannot block (Sync, CopyDone) can send an
//! accurate ReadyForQuery.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use pgwire::api::ClientInfo;
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::response::TransactionStatus;
use rocksgres_engine::{Session, TxnStatus};

use crate::copy::copy_in::CopyIn;
use crate::wire::internal_error;

/// The engine session type the server uses (RocksDB-backed).
pub type EngineSession = Session<rocksgres_engine::storage::RocksStore>;

/// Everything a connection keeps between messages.
pub struct ConnState {
    session: Mutex<EngineSession>,
    /// The session's [`TxnStatus`] after the last engine call, as a byte.
    status: AtomicU8,
    /// The COPY FROM STDIN in progress, if any.
    pub copy_in: Mutex<Option<CopyIn>>,
    /// This session's CancelRequest registration (removed on drop).
    pub cancel: Mutex<Option<crate::cancel::Registration>>,
}

fn encode_status(s: TxnStatus) -> u8 {
    match s {
        TxnStatus::Idle => 0,
        TxnStatus::InBlock => 1,
        TxnStatus::Failed => 2,
    }
}

/// Maps the engine's transaction status to ReadyForQuery's.
pub fn wire_status(s: TxnStatus) -> TransactionStatus {
    match s {
        TxnStatus::Idle => TransactionStatus::Idle,
        TxnStatus::InBlock => TransactionStatus::Transaction,
        TxnStatus::Failed => TransactionStatus::Error,
    }
}

impl ConnState {
    /// Wraps a fresh session.
    pub fn new(session: EngineSession) -> Self {
        let status = encode_status(session.status());
        ConnState {
            session: Mutex::new(session),
            status: AtomicU8::new(status),
            copy_in: Mutex::new(None),
            cancel: Mutex::new(None),
        }
    }

    /// The transaction status after the last engine call.
    pub fn status(&self) -> TxnStatus {
        match self.status.load(Ordering::Acquire) {
            0 => TxnStatus::Idle,
            1 => TxnStatus::InBlock,
            _ => TxnStatus::Failed,
        }
    }

    /// The status as ReadyForQuery reports it.
    pub fn wire_status(&self) -> TransactionStatus {
        wire_status(self.status())
    }

    fn lock(&self) -> MutexGuard<'_, EngineSession> {
        // A panic in an engine call poisons the mutex; the session itself is
        // still usable (the engine keeps its invariants per statement).
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Locks the COPY state (never poisoned in practice; recovered if so).
    pub fn copy_in(&self) -> MutexGuard<'_, Option<CopyIn>> {
        self.copy_in.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the session in tokio's blocking pool and records the
    /// transaction status afterwards.
    pub async fn run<R, F>(self: &Arc<Self>, f: F) -> PgWireResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut EngineSession) -> R + Send + 'static,
    {
        let me = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let mut session = me.lock();
            let r = f(&mut session);
            me.status
                .store(encode_status(session.status()), Ordering::Release);
            r
        })
        .await
        .map_err(|e| internal_error(format!("engine task failed: {e}")))
    }
}

/// The connection state of `client`, created by the startup handler.
pub fn conn_state<C: ClientInfo + ?Sized>(client: &C) -> PgWireResult<Arc<ConnState>> {
    client
        .session_extensions()
        .get::<ConnState>()
        .ok_or_else(|| -> PgWireError { internal_error("connection has no session".into()) })
}
