//! Noticing a client that hangs up while its statement runs.
//!
//! A connection's thread runs its engine calls inline (see
//! [`crate::server`]), so while a statement runs nobody reads the socket
//! and a client that disconnects would go unnoticed until the statement
//! ends, however long that takes, keeping its transaction's row locks. One
//! watcher thread per server waits in an epoll set holding every
//! authenticated connection's socket, registered for `EPOLLRDHUP` only
//! (plus the `EPOLLHUP`/`EPOLLERR` epoll always reports): it wakes when a
//! peer closes or resets, never for ordinary traffic, so it costs nothing
//! per statement. When a socket hangs up the watcher cancels the session's
//! running statement through its [`CancelHandle`], as PostgreSQL's
//! `client_connection_check_interval` does with `POLLRDHUP`, and repeats
//! the cancel every [`RECANCEL`] while the connection lives: a statement
//! that starts after the first cancel (the client pipelined it just before
//! leaving) resets the cancel flag, and the next tick stops it too. The
//! statement fails, the connection's loop then reads the end of the stream
//! and drops the session, which rolls its transaction back.
//!
//! The watch is removed from the epoll set ([`Watch`]'s drop) before the
//! socket is closed, so a file descriptor number reused by a later
//! connection is never confused with this one. Only Linux has
//! `EPOLLRDHUP`; elsewhere [`Hangups::watch`] watches nothing.

use std::os::fd::RawFd;

use rocksgres_engine::CancelHandle;

/// How often the statements of connections whose client has gone are
/// cancelled again, until their connection closes.
#[cfg(target_os = "linux")]
const RECANCEL: std::time::Duration = std::time::Duration::from_millis(50);

/// The watcher of one server (cheap to clone).
#[derive(Clone)]
pub struct Hangups {
    #[cfg(target_os = "linux")]
    inner: std::sync::Arc<linux::Inner>,
}

/// One watched connection; dropping it stops the watch. Drop it before
/// the socket is closed.
pub struct Watch {
    #[cfg(target_os = "linux")]
    inner: std::sync::Arc<linux::Inner>,
    #[cfg(target_os = "linux")]
    id: u64,
    #[cfg(target_os = "linux")]
    fd: RawFd,
}

impl Hangups {
    /// Starts the watcher thread.
    pub fn start() -> std::io::Result<Hangups> {
        #[cfg(target_os = "linux")]
        {
            Ok(Hangups {
                inner: linux::start()?,
            })
        }
        #[cfg(not(target_os = "linux"))]
        {
            Ok(Hangups {})
        }
    }

    /// Watches socket `fd`: when its peer hangs up, `cancel` is cancelled
    /// (and again every [`RECANCEL`]) until the returned watch drops.
    pub fn watch(&self, fd: RawFd, cancel: CancelHandle) -> std::io::Result<Watch> {
        #[cfg(target_os = "linux")]
        {
            let id = self.inner.add(fd, cancel)?;
            Ok(Watch {
                inner: std::sync::Arc::clone(&self.inner),
                id,
                fd,
            })
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (fd, cancel);
            Ok(Watch {})
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        self.inner.remove(self.id, self.fd);
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::collections::HashMap;
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex, MutexGuard};

    use rocksgres_engine::CancelHandle;

    use super::RECANCEL;

    struct Entry {
        cancel: CancelHandle,
        /// The peer hung up.
        gone: bool,
    }

    /// The epoll set and the watched connections by id.
    pub struct Inner {
        epoll: OwnedFd,
        entries: Mutex<HashMap<u64, Entry>>,
        next_id: AtomicU64,
    }

    pub fn start() -> io::Result<Arc<Inner>> {
        // SAFETY: epoll_create1 takes no pointers; a valid descriptor it
        // returns is owned by nothing else.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor (checked above).
        let epoll = unsafe { OwnedFd::from_raw_fd(fd) };
        let inner = Arc::new(Inner {
            epoll,
            entries: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
        });
        let watcher = Arc::clone(&inner);
        std::thread::Builder::new()
            .name("rocksgres-hangup".into())
            .spawn(move || watcher.run())?;
        Ok(inner)
    }

    impl Inner {
        fn entries(&self) -> MutexGuard<'_, HashMap<u64, Entry>> {
            self.entries.lock().unwrap_or_else(|p| p.into_inner())
        }

        pub fn add(&self, fd: RawFd, cancel: CancelHandle) -> io::Result<u64> {
            let id = self.next_id.fetch_add(1, Ordering::Relaxed);
            self.entries().insert(
                id,
                Entry {
                    cancel,
                    gone: false,
                },
            );
            let mut event = libc::epoll_event {
                events: (libc::EPOLLRDHUP | libc::EPOLLONESHOT) as u32,
                u64: id,
            };
            // SAFETY: `event` is a valid epoll_event for the call's duration.
            let rc = unsafe {
                libc::epoll_ctl(self.epoll.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut event)
            };
            if rc < 0 {
                self.entries().remove(&id);
                return Err(io::Error::last_os_error());
            }
            Ok(id)
        }

        pub fn remove(&self, id: u64, fd: RawFd) {
            // SAFETY: EPOLL_CTL_DEL ignores the event pointer (null allowed
            // since Linux 2.6.9); `fd` is still open (see the module docs).
            unsafe {
                libc::epoll_ctl(
                    self.epoll.as_raw_fd(),
                    libc::EPOLL_CTL_DEL,
                    fd,
                    std::ptr::null_mut(),
                );
            }
            self.entries().remove(&id);
        }

        fn run(&self) {
            let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 64];
            loop {
                let any_gone = self.entries().values().any(|e| e.gone);
                let timeout = if any_gone {
                    RECANCEL.as_millis() as i32
                } else {
                    -1
                };
                // SAFETY: `events` has room for `events.len()` entries.
                let n = unsafe {
                    libc::epoll_wait(
                        self.epoll.as_raw_fd(),
                        events.as_mut_ptr(),
                        events.len() as i32,
                        timeout,
                    )
                };
                if n < 0 {
                    let e = io::Error::last_os_error();
                    if e.kind() == io::ErrorKind::Interrupted {
                        continue;
                    }
                    tracing::error!(error = %e, "the hang-up watcher stopped");
                    return;
                }
                let mut entries = self.entries();
                for event in &events[..n as usize] {
                    let id = event.u64;
                    if let Some(entry) = entries.get_mut(&id) {
                        if !entry.gone {
                            tracing::debug!(id, "client hung up; cancelling its statement");
                        }
                        entry.gone = true;
                    }
                }
                for entry in entries.values().filter(|e| e.gone) {
                    entry.cancel.cancel();
                }
            }
        }
    }
}
