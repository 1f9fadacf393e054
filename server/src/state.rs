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
//!
//! Named statements from Parse live in pgwire's per-connection statement
//! store, which only the async handlers can reach. [`StatementNames`] keeps
//! their names and is registered with the session, so `DEALLOCATE` run by
//! the engine drops them: it records what it dropped, and the handler that
//! ran the statement then removes those from pgwire's store
//! ([`drop_deallocated`]) before the next message is read.

use std::collections::HashSet;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::response::TransactionStatus;
use rocksgres_engine::session::{CancelHandle, PreparedStatements};
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
    /// The names of the connection's named prepared statements.
    pub statements: StatementNames,
    /// The reported settings' values as the client was last told them
    /// (ParameterStatus; see [`crate::startup::changed_parameters`]).
    pub reported: Mutex<Vec<(&'static str, String)>>,
    /// The connection's socket descriptor once it is served on its own
    /// thread (-1 before), for rows streamed during an engine call
    /// ([`crate::stream`]).
    fd: AtomicI32,
    /// The session's cancel flag, which a streaming write checks while it
    /// waits for the client.
    cancel_flag: CancelHandle,
    /// The row limit of the Execute running now: how many rows a lazy
    /// portal runs its query on for (see `crate::extended`).
    pub execute_limit: AtomicUsize,
}

#[derive(Default)]
struct Names {
    /// Named statements in pgwire's store (the unnamed one is not tracked:
    /// DEALLOCATE cannot name it).
    live: HashSet<String>,
    /// Names a DEALLOCATE dropped, still to be removed from pgwire's store.
    dropped: Vec<String>,
}

/// The names of a connection's named prepared statements, shared between
/// the protocol handlers (Parse, Close) and the engine session (DEALLOCATE).
#[derive(Clone, Default)]
pub struct StatementNames(Arc<Mutex<Names>>);

impl StatementNames {
    fn lock(&self) -> MutexGuard<'_, Names> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A Parse stored statement `name`.
    pub fn parsed(&self, name: &str) {
        if name.is_empty() {
            return;
        }
        let mut names = self.lock();
        names.dropped.retain(|n| n != name);
        names.live.insert(name.to_owned());
    }

    /// A Close removed statement `name`.
    pub fn closed(&self, name: &str) {
        self.lock().live.remove(name);
    }

    /// The names DEALLOCATE dropped since the last call.
    fn take_dropped(&self) -> Vec<String> {
        std::mem::take(&mut self.lock().dropped)
    }
}

impl PreparedStatements for StatementNames {
    fn deallocate(&mut self, name: &str) -> bool {
        let mut names = self.lock();
        let found = names.live.remove(name);
        if found {
            names.dropped.push(name.to_owned());
        }
        found
    }

    fn deallocate_all(&mut self) {
        let mut names = self.lock();
        let live = std::mem::take(&mut names.live);
        names.dropped.extend(live);
    }
}

/// Removes from pgwire's statement store the statements that DEALLOCATE
/// dropped; called after every engine call that may have run one.
pub fn drop_deallocated<C>(client: &C, conn: &ConnState)
where
    C: ClientPortalStore,
    C::PortalStore: PortalStore,
{
    for name in conn.statements.take_dropped() {
        client.portal_store().rm_statement(&name);
    }
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
    /// Wraps a fresh session (registering the connection's statement
    /// names with it, for DEALLOCATE).
    pub fn new(mut session: EngineSession) -> Self {
        let status = encode_status(session.status());
        let statements = StatementNames::default();
        session.set_prepared_statements(Box::new(statements.clone()));
        let reported = Mutex::new(crate::startup::reported_parameters(&session));
        let cancel_flag = session.cancel_handle();
        ConnState {
            fd: AtomicI32::new(-1),
            cancel_flag,
            session: Mutex::new(session),
            status: AtomicU8::new(status),
            copy_in: Mutex::new(None),
            cancel: Mutex::new(None),
            statements,
            reported,
            execute_limit: AtomicUsize::new(0),
        }
    }

    /// Records the socket descriptor rows may be streamed to.
    pub fn set_fd(&self, fd: RawFd) {
        self.fd.store(fd, Ordering::Release);
    }

    /// Where an engine call's messages go while it runs: this
    /// connection's socket (see [`crate::stream`]).
    pub fn outbox(&self) -> crate::stream::Outbox {
        let fd = self.fd.load(Ordering::Acquire);
        crate::stream::Outbox::new((fd >= 0).then_some(fd), self.cancel_flag.clone())
    }

    /// A sink streaming an engine call's output to this connection's
    /// socket (see [`crate::stream`]).
    pub fn sink<'f>(
        &self,
        formats: Option<&'f pgwire::api::portal::Format>,
        describe: bool,
    ) -> crate::stream::WireSink<'f> {
        crate::stream::WireSink::new(self.outbox(), formats, describe)
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

    /// Runs `f` on the session, on the calling thread (each connection has
    /// a thread of its own: see [`crate::server`]), and records the
    /// transaction status afterwards. A panic inside the engine fails the
    /// call with an internal error instead of ending the connection.
    pub async fn run<R, F>(self: &Arc<Self>, f: F) -> PgWireResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut EngineSession) -> R + Send + 'static,
    {
        self.run_borrowing(f)
    }

    /// [`ConnState::run`] for a call that borrows from its caller (a
    /// streaming sink): the call runs inline, so nothing needs to be
    /// `'static` or `Send`.
    pub fn run_borrowing<R, F>(&self, f: F) -> PgWireResult<R>
    where
        F: FnOnce(&mut EngineSession) -> R,
    {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut session = self.lock();
            let r = f(&mut session);
            self.status
                .store(encode_status(session.status()), Ordering::Release);
            r
        }));
        outcome.map_err(|_| {
            // The engine turns its own panics into errors; this is the last
            // resort for a panic outside it. Report the status it left.
            let status = self.lock().status();
            self.status.store(encode_status(status), Ordering::Release);
            internal_error("engine call panicked".to_string())
        })
    }
}

/// The connection state of `client`, created by the startup handler.
pub fn conn_state<C: ClientInfo + ?Sized>(client: &C) -> PgWireResult<Arc<ConnState>> {
    client
        .session_extensions()
        .get::<ConnState>()
        .ok_or_else(|| -> PgWireError { internal_error("connection has no session".into()) })
}
