//! Query cancellation: CancelRequest (pid + secret, on a new connection)
//! reaches the engine session it names through a registry of cancel
//! handles. An entry lives as long as its connection's state
//! ([`Registration`] removes it on drop), so the registry never grows with
//! the number of connections served.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pgwire::messages::startup::SecretKey;
use rocksgres_engine::CancelHandle;

type Entries = HashMap<i32, (SecretKey, CancelHandle)>;

/// Live sessions by BackendKeyData process id.
#[derive(Debug, Default, Clone)]
pub struct Registry {
    entries: Arc<Mutex<Entries>>,
}

impl Registry {
    /// Registers a session; the entry goes away with the returned value.
    pub fn register(&self, pid: i32, secret: SecretKey, handle: CancelHandle) -> Registration {
        if let Ok(mut e) = self.entries.lock() {
            e.insert(pid, (secret, handle));
        }
        Registration {
            entries: Arc::clone(&self.entries),
            pid,
        }
    }

    /// Cancels the running statement of session `pid` if `secret` matches;
    /// a request naming no live session is ignored, as in PostgreSQL.
    pub fn cancel(&self, pid: i32, secret: &SecretKey) -> bool {
        let Ok(e) = self.entries.lock() else {
            return false;
        };
        match e.get(&pid) {
            Some((s, handle)) if s.eq_value(secret) => {
                handle.cancel();
                true
            }
            _ => false,
        }
    }
}

/// Keeps a session's registry entry alive.
#[derive(Debug)]
pub struct Registration {
    entries: Arc<Mutex<Entries>>,
    pid: i32,
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Ok(mut e) = self.entries.lock() {
            e.remove(&self.pid);
        }
    }
}
