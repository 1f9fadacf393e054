//! Test harness shared by the `server_*` tests: starts the `rocksgres`
//! binary on a free loopback port with a temporary data directory, and
//! kills it when dropped.
//!
//! The binary is looked up next to the test executable's profile directory
//! (`target/<profile>/rocksgres`), so build it first with
//! `cargo build --release --workspace` (or run the tests with
//! `cargo test --release --workspace`, which builds it). The server is
//! started with `--listen 127.0.0.1:0` and prints the port it bound on its
//! first stdout line, so no port is ever guessed. Its log goes to
//! `server.log` in the temporary directory and is printed if start-up fails.
//!
//! This file is also compiled as a test target of its own; it holds one
//! smoke test so that target is not empty.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use tempfile::TempDir;

/// Where the PostgreSQL 15 client binaries live (Debian layout).
pub const PG_BINDIR: &str = "/usr/lib/postgresql/15/bin";

/// The `rocksgres` binary of the profile these tests were built with.
pub fn server_binary() -> PathBuf {
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        // target/<profile>/deps/<test>-<hash>
        if let Some(profile_dir) = exe.parent().and_then(Path::parent) {
            candidates.push(profile_dir.join("rocksgres"));
        }
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    candidates.push(target.join("release/rocksgres"));
    candidates.push(target.join("debug/rocksgres"));
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "rocksgres binary not found (looked at {candidates:?}); \
                 build it with `cargo build --release --workspace`"
            )
        })
}

/// A running `rocksgres` server on a temporary data directory.
pub struct TestServer {
    child: Child,
    port: u16,
    dir: TempDir,
}

impl TestServer {
    /// Starts a server with extra command-line arguments.
    pub fn start_with(extra: &[&str]) -> TestServer {
        let dir = tempfile::Builder::new()
            .prefix("rocksgres-server-test-")
            .tempdir()
            .expect("cannot create a temporary directory");
        let (child, port) = Self::spawn(&dir, extra);
        TestServer { child, port, dir }
    }

    /// Kills the server with SIGKILL (no shutdown of any kind, as `kill -9`)
    /// and starts a new one on the same data directory and arguments.
    pub fn kill_and_restart(&mut self, extra: &[&str]) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let (child, port) = Self::spawn(&self.dir, extra);
        self.child = child;
        self.port = port;
    }

    /// Starts the binary on `dir`'s data directory; its child and port.
    fn spawn(dir: &TempDir, extra: &[&str]) -> (Child, u16) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.path().join("server.log"))
            .expect("cannot create log");
        let mut child = Command::new(server_binary())
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("cannot start rocksgres");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            // Keep draining so the server never blocks on stdout.
            for _ in lines {}
        });
        let line = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let log =
                    std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
                panic!("rocksgres did not start; its log:\n{log}");
            }
        };
        let port = line
            .split("127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("cannot read the port from {line:?}"));
        (child, port)
    }

    /// Starts a server with default settings.
    pub fn start() -> TestServer {
        Self::start_with(&[])
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// A client session.
    pub fn connect(&self) -> postgres::Client {
        connect(self.port)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the server process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client session to the server on `port` (user postgres, no TLS).
pub fn connect(port: u16) -> postgres::Client {
    postgres::Config::new()
        .host("127.0.0.1")
        .port(port)
        .user("postgres")
        .dbname("postgres")
        .connect_timeout(Duration::from_secs(10))
        .connect(postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to port {port}: {e}"))
}

/// A `psql` command connected to `port` as user `postgres`, database
/// `postgres`, ignoring `~/.psqlrc` (`-X`), with the time zone and client
/// encoding pinned. Callers add the remaining arguments and the stdio.
pub fn psql_command(port: u16) -> Command {
    let mut cmd = Command::new("psql");
    cmd.args([
        "-X",
        "-h",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "-U",
        "postgres",
        "-d",
        "postgres",
    ])
    .env("PGTZ", "UTC")
    .env("PGCLIENTENCODING", "UTF8")
    .env_remove("PGOPTIONS");
    cmd
}

/// Runs `psql` with `script` on stdin against `port`, stdout and stderr
/// merged into one stream (as a terminal would show them).
pub fn psql_script(port: u16, script: &str) -> Output {
    let mut out = tempfile::tempfile().expect("cannot create a temporary file");
    let mut child = psql_command(port)
        .args(["-v", "ON_ERROR_STOP=0", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::from(out.try_clone().expect("dup")))
        .stderr(Stdio::from(out.try_clone().expect("dup")))
        .spawn()
        .expect("cannot run psql");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        stdin
            .write_all(script.as_bytes())
            .expect("cannot write the script to psql");
    }
    let status = child.wait().expect("psql did not finish");
    use std::io::{Read, Seek};
    out.rewind().expect("rewind");
    let mut stdout = Vec::new();
    out.read_to_end(&mut stdout).expect("read psql output");
    Output {
        status,
        stdout,
        stderr: Vec::new(),
    }
}

/// Runs a PostgreSQL 15 client binary (`pgbench`, ...) against `port`.
pub fn pg_tool(tool: &str, port: u16, args: &[&str]) -> Output {
    let bin = Path::new(PG_BINDIR).join(tool);
    let bin = if bin.is_file() {
        bin
    } else {
        PathBuf::from(tool)
    };
    Command::new(bin)
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
        .args(args)
        .env_remove("PGOPTIONS")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"))
}

#[test]
fn server_starts_and_answers() {
    let server = TestServer::start();
    let mut client = server.connect();
    let row = client.query_one("SELECT 1 + 1", &[]).expect("query");
    let v: i32 = row.get(0);
    assert_eq!(v, 2);
}
