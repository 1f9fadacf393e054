//! A throwaway PostgreSQL 15 cluster, the reference that Rocksgres is tested
//! against.
//!
//! [`PostgresRef::start`] builds a brand-new cluster in a temporary
//! directory and starts a postmaster on it; dropping the value stops the
//! server and removes the directory. Nothing outside that directory is
//! touched: the system cluster (if any) keeps running untouched, and the
//! server listens only on 127.0.0.1, on a port the kernel reported free.
//!
//! # How the cluster is made
//!
//! 1. The binaries are looked up in `/usr/lib/postgresql/15/bin` (Debian and
//!    Ubuntu's layout), then in `pg_config --bindir`; `postgres --version`
//!    must say 15. When neither has them the error says which packages to
//!    install (`apt-get install postgresql-15 postgresql-client-15`): tests
//!    fail loudly rather than skip.
//! 2. `initdb -A trust -U postgres -E UTF8 --locale=C --no-sync` creates the
//!    data directory. PostgreSQL refuses to run as root, so when the tests run
//!    as root the temporary directory is handed to the `postgres` OS user and
//!    every server binary runs through `runuser -u postgres --`.
//! 3. A free loopback port is found by binding `127.0.0.1:0`; the postmaster
//!    is started on it with durability switched off (`fsync=off`, ...) and a
//!    Unix socket in the temporary directory, so it can never clash with the
//!    system socket in `/var/run/postgresql`. Should another process take the
//!    port in the short window before the postmaster binds it, the start is
//!    retried on a fresh port.
//! 4. The start waits until a real login succeeds (not merely until the port
//!    accepts TCP), so callers can connect at once.
//!
//! Server settings that change how values print are pinned (`TimeZone=UTC`,
//! `DateStyle=ISO, MDY`, `lc_messages=C`, ...) so that expected outputs do not
//! depend on the machine. An in-process engine compared with this reference
//! must use the same defaults.

use std::fmt;
use std::fs;
use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// Where Debian and Ubuntu install the PostgreSQL 15 server binaries.
const DEBIAN_BINDIR: &str = "/usr/lib/postgresql/15/bin";

/// The OS user (and database superuser) the cluster runs as.
const PG_USER: &str = "postgres";

/// The loopback address the server listens on.
const HOST: &str = "127.0.0.1";

/// How long to wait for a starting server to accept a login.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How many ports to try before giving up (each try follows a port clash).
const START_ATTEMPTS: usize = 5;

/// Settings passed to the postmaster with `-c`. Durability is off (the data
/// is thrown away), and everything that changes how values are printed or
/// how errors are worded is pinned.
const SERVER_SETTINGS: &[&str] = &[
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "autovacuum=off",
    "max_connections=100",
    "shared_buffers=32MB",
    "TimeZone=UTC",
    "log_timezone=UTC",
    "DateStyle=ISO, MDY",
    "IntervalStyle=postgres",
    "lc_messages=C",
    "lc_monetary=C",
    "lc_numeric=C",
    "lc_time=C",
    "extra_float_digits=1",
    "logging_collector=off",
    "log_min_messages=warning",
];

/// Why a reference cluster could not be made, started or used.
#[derive(Debug)]
pub struct RefError {
    message: String,
}

impl RefError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    fn io(what: &str, err: io::Error) -> Self {
        Self::new(format!("{what}: {err}"))
    }
}

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RefError {}

/// Finds the directory holding the PostgreSQL 15 server binaries (`initdb`,
/// `postgres`, `pg_ctl`).
///
/// Tries `/usr/lib/postgresql/15/bin`, then `pg_config --bindir`. The error
/// names the packages to install when PostgreSQL 15 is missing.
pub fn find_pg15_bindir() -> Result<PathBuf, RefError> {
    let mut candidates = vec![PathBuf::from(DEBIAN_BINDIR)];
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        if out.status.success() {
            let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !dir.is_empty() {
                candidates.push(PathBuf::from(dir));
            }
        }
    }
    let mut seen = Vec::new();
    for dir in candidates {
        if !dir.join("initdb").is_file() || !dir.join("postgres").is_file() {
            continue;
        }
        let version = server_version(&dir)?;
        if version.starts_with("15.") || version == "15" {
            return Ok(dir);
        }
        seen.push(format!("{} is PostgreSQL {version}", dir.display()));
    }
    let found = if seen.is_empty() {
        String::from("no PostgreSQL server binaries were found")
    } else {
        seen.join("; ")
    };
    Err(RefError::new(format!(
        "PostgreSQL 15 is required as the reference for these tests, but {found} \
         (looked in {DEBIAN_BINDIR} and `pg_config --bindir`). Install it with \
         `apt-get install postgresql-15 postgresql-client-15`."
    )))
}

/// Returns the version number printed by `<bindir>/postgres --version`,
/// e.g. `15.8`.
fn server_version(bindir: &Path) -> Result<String, RefError> {
    let out = Command::new(bindir.join("postgres"))
        .arg("--version")
        .output()
        .map_err(|e| RefError::io("cannot run postgres --version", e))?;
    // "postgres (PostgreSQL) 15.8 (Ubuntu 15.8-1.pgdg22.04+1)"
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .split_whitespace()
        .nth(2)
        .unwrap_or_default()
        .to_string())
}

/// Whether this process runs as root (uid 0), read from `/proc/self/status`
/// with `id -u` as a fallback.
fn running_as_root() -> bool {
    if let Ok(status) = fs::read_to_string("/proc/self/status") {
        if let Some(line) = status.lines().find(|l| l.starts_with("Uid:")) {
            return line.split_whitespace().nth(1) == Some("0");
        }
    }
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Looks up a numeric id of the `postgres` OS user with `id <flag> postgres`.
fn postgres_os_id(flag: &str) -> Result<u32, RefError> {
    let out = Command::new("id")
        .args([flag, PG_USER])
        .output()
        .map_err(|e| RefError::io("cannot run `id`", e))?;
    if !out.status.success() {
        return Err(RefError::new(format!(
            "running as root, but there is no `{PG_USER}` OS user to run PostgreSQL as \
             (PostgreSQL refuses to run as root); installing postgresql-15 creates it"
        )));
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|e| RefError::new(format!("unexpected output of `id {flag} {PG_USER}`: {e}")))
}

/// Asks the kernel for a currently free TCP port on 127.0.0.1.
fn free_loopback_port() -> Result<u16, RefError> {
    let listener = TcpListener::bind((HOST, 0))
        .map_err(|e| RefError::io("cannot bind 127.0.0.1:0 to find a free port", e))?;
    let port = listener
        .local_addr()
        .map_err(|e| RefError::io("cannot read the bound address", e))?
        .port();
    Ok(port)
}

/// The last `max` bytes of a text file, for error messages (empty when the
/// file cannot be read).
fn file_tail(path: &Path, max: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_string()
}

/// A running, throwaway PostgreSQL 15 cluster. Stopped and deleted on drop.
///
/// Connect with [`PostgresRef::connect`] or build your own client from
/// [`PostgresRef::host`], [`PostgresRef::port`] and [`PostgresRef::user`]
/// (authentication is `trust`: no password).
pub struct PostgresRef {
    /// The postmaster, possibly wrapped in `runuser`.
    child: Option<Child>,
    bindir: PathBuf,
    data_dir: PathBuf,
    port: u16,
    as_postgres_user: bool,
    /// Dropped last: removes the data directory, socket and log.
    dir: TempDir,
}

impl PostgresRef {
    /// Creates a fresh cluster in a temporary directory and starts it on a
    /// free loopback port, returning once it accepts logins.
    pub fn start() -> Result<Self, RefError> {
        let bindir = find_pg15_bindir()?;
        let as_postgres_user = running_as_root();
        let dir = tempfile::Builder::new()
            .prefix("rocksgres-pgref-")
            .tempdir()
            .map_err(|e| RefError::io("cannot create a temporary directory", e))?;
        if as_postgres_user {
            let uid = postgres_os_id("-u")?;
            let gid = postgres_os_id("-g")?;
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).map_err(|e| {
                RefError::io(
                    "cannot hand the temporary directory to the postgres user",
                    e,
                )
            })?;
        }
        let data_dir = dir.path().join("data");
        let mut cluster = Self {
            child: None,
            bindir,
            data_dir,
            port: 0,
            as_postgres_user,
            dir,
        };
        cluster.initdb()?;
        let mut last_error = RefError::new("the server was never started");
        for _ in 0..START_ATTEMPTS {
            match cluster.launch() {
                Ok(()) => return Ok(cluster),
                Err(err) => {
                    cluster.stop_server();
                    last_error = err;
                }
            }
        }
        Err(last_error)
    }

    /// The host to connect to: always `127.0.0.1`.
    pub fn host(&self) -> &str {
        HOST
    }

    /// The TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The superuser to log in as (`postgres`, no password).
    pub fn user(&self) -> &str {
        PG_USER
    }

    /// The directory holding the server's Unix socket (`psql -h <this>`).
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The directory holding the PostgreSQL 15 binaries in use.
    pub fn bindir(&self) -> &Path {
        &self.bindir
    }

    /// A libpq-style connection string for `dbname`, e.g.
    /// `host=127.0.0.1 port=54321 user=postgres dbname=postgres`.
    pub fn connection_string(&self, dbname: &str) -> String {
        format!(
            "host={HOST} port={} user={PG_USER} dbname={dbname}",
            self.port
        )
    }

    /// A client configuration for `dbname` on this cluster.
    pub fn config(&self, dbname: &str) -> postgres::Config {
        let mut config = postgres::Config::new();
        config
            .host(HOST)
            .port(self.port)
            .user(PG_USER)
            .dbname(dbname)
            .application_name("rocksgres-regression-tests")
            .connect_timeout(Duration::from_secs(10));
        config
    }

    /// Opens a new (synchronous) client session on database `dbname`.
    pub fn connect(&self, dbname: &str) -> Result<postgres::Client, postgres::Error> {
        self.config(dbname).connect(postgres::NoTls)
    }

    /// Creates an empty database named `name` (from `template0`, UTF8, C
    /// locale). `name` must be a plain lower-case identifier.
    pub fn create_database(&self, name: &str) -> Result<(), RefError> {
        check_identifier(name)?;
        let mut admin = self
            .connect("postgres")
            .map_err(|e| RefError::new(format!("cannot connect to the reference: {e}")))?;
        admin
            .batch_execute(&format!(
                "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
            ))
            .map_err(|e| RefError::new(format!("CREATE DATABASE {name} failed: {e}")))
    }

    /// Drops database `name` if it exists, disconnecting its sessions.
    pub fn drop_database(&self, name: &str) -> Result<(), RefError> {
        check_identifier(name)?;
        let mut admin = self
            .connect("postgres")
            .map_err(|e| RefError::new(format!("cannot connect to the reference: {e}")))?;
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .map_err(|e| RefError::new(format!("DROP DATABASE {name} failed: {e}")))
    }

    /// Stops the server and removes its directory now (dropping the value
    /// does the same).
    pub fn stop(mut self) {
        self.stop_server();
    }

    /// A command running `program` from the PostgreSQL bindir, as the
    /// `postgres` OS user when this process is root, with the temporary
    /// directory as working directory (the `postgres` user may not be able
    /// to enter ours) and a neutral locale.
    fn pg_command(&self, program: &str) -> Command {
        let exe = self.bindir.join(program);
        let mut cmd = if self.as_postgres_user {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", PG_USER, "--"]).arg(exe);
            cmd
        } else {
            Command::new(exe)
        };
        cmd.current_dir(self.dir.path())
            .env("LC_ALL", "C")
            .env("LANG", "C")
            .env_remove("PGDATA")
            .env_remove("PGPORT")
            .env_remove("PGHOST")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `initdb` on the data directory.
    fn initdb(&self) -> Result<(), RefError> {
        let out: Output = self
            .pg_command("initdb")
            .arg("-D")
            .arg(&self.data_dir)
            .args([
                "-A",
                "trust",
                "-U",
                PG_USER,
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ])
            .output()
            .map_err(|e| RefError::io("cannot run initdb", e))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(RefError::new(format!(
                "initdb failed ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )))
        }
    }

    /// Starts the postmaster on a fresh free port and waits for a login.
    fn launch(&mut self) -> Result<(), RefError> {
        self.port = free_loopback_port()?;
        let log_path = self.dir.path().join(format!("postgres-{}.log", self.port));
        let log = fs::File::create(&log_path)
            .map_err(|e| RefError::io("cannot create the server log", e))?;
        let log_err = log
            .try_clone()
            .map_err(|e| RefError::io("cannot duplicate the server log handle", e))?;
        let mut cmd = self.pg_command("postgres");
        cmd.arg("-D")
            .arg(&self.data_dir)
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-k")
            .arg(self.dir.path())
            .args(["-c", "listen_addresses=127.0.0.1"]);
        for setting in SERVER_SETTINGS {
            cmd.arg("-c").arg(setting);
        }
        let child = cmd
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| RefError::io("cannot start postgres", e))?;
        self.child = Some(child);
        self.wait_until_ready(&log_path)
    }

    /// Polls with real logins until one succeeds, the postmaster exits, or
    /// [`START_TIMEOUT`] passes.
    fn wait_until_ready(&mut self, log_path: &Path) -> Result<(), RefError> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(RefError::new(format!(
                        "postgres exited during startup ({status}); server log:\n{}",
                        file_tail(log_path, 4000)
                    )));
                }
            }
            let attempt = self.config("postgres").connect(postgres::NoTls);
            match attempt {
                Ok(client) => {
                    drop(client);
                    return Ok(());
                }
                Err(err) if Instant::now() >= deadline => {
                    return Err(RefError::new(format!(
                        "postgres did not accept a login within {START_TIMEOUT:?} \
                         (last error: {err}); server log:\n{}",
                        file_tail(log_path, 4000)
                    )));
                }
                Err(_) => thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// Stops the postmaster: `pg_ctl stop -m immediate`, then a kill of the
    /// pid in `postmaster.pid` if that did not work, then of our child.
    fn stop_server(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if let Ok(None) = child.try_wait() {
            let stopped = self
                .pg_command("pg_ctl")
                .arg("stop")
                .arg("-D")
                .arg(&self.data_dir)
                .args(["-m", "immediate", "-w", "-t", "30"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if !stopped {
                self.kill_postmaster_by_pidfile();
            }
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while let Ok(None) = child.try_wait() {
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGKILL to the pid recorded in this cluster's `postmaster.pid`.
    fn kill_postmaster_by_pidfile(&self) {
        let pidfile = self.data_dir.join("postmaster.pid");
        let Ok(text) = fs::read_to_string(pidfile) else {
            return;
        };
        let Some(pid) = text
            .lines()
            .next()
            .and_then(|l| l.trim().parse::<u32>().ok())
        else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for PostgresRef {
    fn drop(&mut self) {
        self.stop_server();
        // `dir` is removed when the field drops, after this.
    }
}

impl fmt::Debug for PostgresRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresRef")
            .field("bindir", &self.bindir)
            .field("dir", &self.dir.path())
            .field("port", &self.port)
            .field("as_postgres_user", &self.as_postgres_user)
            .finish()
    }
}

/// Accepts only names made of `a-z`, `0-9` and `_` (not starting with a
/// digit), so they can be spliced into SQL unquoted.
fn check_identifier(name: &str) -> Result<(), RefError> {
    let ok = !name.is_empty()
        && name.len() < 64
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(RefError::new(format!(
            "`{name}` is not a plain lower-case identifier"
        )))
    }
}
