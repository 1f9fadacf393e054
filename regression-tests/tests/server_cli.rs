//! Starting the server: `scripts/serve` passes its arguments to the
//! server, logs written to a pipe carry no colour codes, and trust
//! authentication refuses an address other than loopback unless the user
//! opts in.
//!
//! Every server here listens on a free port and uses a temporary data
//! directory: nothing touches port 5432 or `./rocksgres-data`.

mod server_harness;

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use server_harness::{connect, server_binary};

/// A loopback port that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("cannot find a free port")
        .port()
}

/// The first stdout line of `child` (its "listening on" line), waiting at
/// most a minute; the rest of stdout is drained in the background.
fn first_line(child: &mut Child) -> Option<String> {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(line)) = lines.next() {
            let _ = tx.send(line);
        }
        for _ in lines {}
    });
    rx.recv_timeout(Duration::from_secs(60)).ok()
}

/// Stops `child` with SIGTERM (a graceful shutdown) and waits for it.
fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    child.wait().expect("wait for the server")
}

/// The port in a "listening on ADDR:PORT," line.
fn port_of(line: &str) -> u16 {
    line.split("listening on ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .and_then(|addr| addr.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"))
}

/// The target directory holding the server binary (`<target>/release`'s
/// parent), so `scripts/serve` starts the binary these tests built.
fn target_dir(binary: &Path) -> PathBuf {
    binary
        .parent()
        .and_then(Path::parent)
        .expect("the binary lies in <target>/<profile>")
        .to_path_buf()
}

#[test]
fn serve_script_passes_its_arguments_to_the_server() {
    let binary = server_binary();
    let profile = binary
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        profile, "release",
        "scripts/serve starts the release binary; run the tests with --release"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/serve");
    let mut child = Command::new("bash")
        .arg(&script)
        .args(["--listen", &listen, "--data-dir"])
        .arg(&data)
        // The binary is built already (it is the one these tests run);
        // skipping the build keeps cargo out of a running test.
        .env("ROCKSGRES_NO_BUILD", "1")
        .env("CARGO_TARGET_DIR", target_dir(&binary))
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run scripts/serve");
    let Some(line) = first_line(&mut child) else {
        let _ = child.kill();
        let _ = child.wait();
        let mut err = String::new();
        let _ = child.stderr.take().map(|mut e| e.read_to_string(&mut err));
        panic!("scripts/serve did not start the server; stderr:\n{err}");
    };
    assert!(
        line.contains(&format!("listening on {listen}")),
        "the server did not get --listen: {line:?}"
    );
    assert!(
        line.contains(&format!("data directory {}", data.display())),
        "the server did not get --data-dir: {line:?}"
    );
    let mut client = connect(port);
    let row = client.query_one("SELECT 40 + 2", &[]).expect("query");
    assert_eq!(row.get::<_, i32>(0), 42);
    drop(client);
    let status = terminate(&mut child);
    assert!(
        status.success(),
        "the server did not stop cleanly: {status}"
    );
    assert!(data.is_dir(), "the data directory was not created");
}

#[test]
fn logs_to_a_pipe_carry_no_colour_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(server_binary())
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .env("RUST_LOG", "debug")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start rocksgres");
    let line = first_line(&mut child).expect("the server did not start");
    // A connection and an error make some more log lines.
    let mut client = connect(port_of(&line));
    client.simple_query("SELECT 1").expect("query");
    drop(client);
    assert!(terminate(&mut child).success());
    let mut log = Vec::new();
    child
        .stderr
        .take()
        .expect("stderr is piped")
        .read_to_end(&mut log)
        .expect("read the log");
    let text = String::from_utf8_lossy(&log);
    assert!(text.contains("server started"), "{text}");
    assert!(text.contains("server stopped"), "{text}");
    assert!(
        !log.contains(&0x1b),
        "the log written to a pipe has ANSI escape codes:\n{text:?}"
    );
}

/// Runs the server with `args` and a temporary data directory, expecting
/// it to refuse to start; returns its stderr.
fn refused(args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let out = Command::new(server_binary())
        .args(args)
        .arg("--data-dir")
        .arg(&data)
        .stdin(Stdio::null())
        .output()
        .expect("cannot run rocksgres");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "the server started with {args:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).is_empty(),
        "it printed a listening line"
    );
    assert!(
        !data.exists(),
        "it opened the data directory before refusing"
    );
    stderr
}

#[test]
fn trust_on_a_non_loopback_address_needs_an_explicit_opt_in() {
    for addr in ["0.0.0.0:0", "[::]:0"] {
        let err = refused(&["--listen", addr]);
        assert!(
            err.contains("trust authentication")
                && err.contains("--password-file")
                && err.contains("--allow-trust-remote"),
            "{addr}: {err}"
        );
    }

    // With the opt-in it starts, and answers (here through loopback).
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(server_binary())
        .args([
            "--listen",
            "0.0.0.0:0",
            "--allow-trust-remote",
            "--data-dir",
        ])
        .arg(dir.path().join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start rocksgres");
    let line = first_line(&mut child).expect("the server did not start with the opt-in");
    assert!(line.contains("listening on 0.0.0.0:"), "{line}");
    let mut client = connect(port_of(&line));
    client.simple_query("SELECT 1").expect("query");
    drop(client);
    assert!(terminate(&mut child).success());

    // A password file needs no opt-in.
    let pw = dir.path().join("passwords");
    std::fs::write(&pw, "alice:secret\n").expect("write the password file");
    let mut child = Command::new(server_binary())
        .args(["--listen", "0.0.0.0:0", "--password-file"])
        .arg(&pw)
        .arg("--data-dir")
        .arg(dir.path().join("data2"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start rocksgres");
    let line = first_line(&mut child).expect("the server did not start with a password file");
    assert!(line.contains("scram-sha-256"), "{line}");
    assert!(terminate(&mut child).success());

    // The help names the option.
    let help = Command::new(server_binary())
        .arg("--help")
        .output()
        .expect("cannot run rocksgres --help");
    assert!(String::from_utf8_lossy(&help.stdout).contains("--allow-trust-remote"));
}
