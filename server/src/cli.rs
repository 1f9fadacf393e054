//! Command-line arguments of the `rocksgres` binary.

use std::net::SocketAddr;
use std::path::PathBuf;

/// The usage text printed by `--help`.
pub const USAGE: &str = "\
rocksgres: the Rocksgres PostgreSQL wire-protocol server

Usage: rocksgres [OPTIONS]

Options:
  -D, --data-dir DIR      data directory (created if missing) [default: ./rocksgres-data]
  -l, --listen ADDR:PORT  address to listen on (port 0 picks a free port) [default: 127.0.0.1:5432]
  -c NAME=VALUE           default setting for every session (repeatable),
                          e.g. -c synchronous_commit=off; also the server's
                          own settings: max_connections (default 100),
                          authentication_timeout (default 1min),
                          autovacuum (default on) and autovacuum_naptime
                          (default 1min: how often tables whose rows
                          changed enough are analyzed)
      --password-file FILE
                          require SCRAM-SHA-256 password authentication for
                          every connection, against the users in FILE: one
                          user:password per line (the password is everything
                          after the first colon); blank lines and lines
                          starting with # are ignored
      --allow-trust-remote
                          allow trust authentication (no --password-file)
                          on an address other than loopback: anyone who
                          can reach the port connects as any user
  -h, --help              print this help
  -V, --version           print the version

Without --password-file, clients connect with trust authentication (any
user, no password); the server then refuses to listen on an address other
than loopback unless --allow-trust-remote is given. Logging goes to stderr
(coloured only on a terminal) and follows RUST_LOG (default: info).";

/// Parsed arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// The data directory.
    pub data_dir: PathBuf,
    /// The listen address.
    pub listen: SocketAddr,
    /// `-c name=value` settings.
    pub settings: Vec<(String, String)>,
    /// `--password-file`: SCRAM-SHA-256 authentication against its users;
    /// `None` means trust.
    pub password_file: Option<PathBuf>,
    /// `--allow-trust-remote`: trust authentication may listen on an
    /// address other than loopback.
    pub allow_trust_remote: bool,
}

impl Args {
    /// Refuses trust authentication on an address other than loopback
    /// unless `--allow-trust-remote` asks for it: anyone who can reach the
    /// port would connect as any user, without a password.
    pub fn check_trust(&self) -> Result<(), String> {
        let ip = self.listen.ip().to_canonical();
        if self.password_file.is_some() || self.allow_trust_remote || ip.is_loopback() {
            return Ok(());
        }
        Err(format!(
            "refusing to listen on {} with trust authentication: any client that can reach \
             it could connect as any user without a password; give --password-file FILE to \
             require SCRAM-SHA-256 passwords, or --allow-trust-remote to accept this",
            self.listen
        ))
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run the server.
    Run(Args),
    /// Print the usage.
    Help,
    /// Print the version.
    Version,
}

/// Parses the arguments (without the program name).
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Command, String> {
    let mut data_dir = PathBuf::from("./rocksgres-data");
    let mut listen: SocketAddr = "127.0.0.1:5432".parse().map_err(|_| "bad default")?;
    let mut settings = Vec::new();
    let mut password_file = None;
    let mut allow_trust_remote = false;
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => it.next().ok_or_else(|| format!("{name} requires a value")),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "-D" | "--data-dir" => data_dir = PathBuf::from(value("--data-dir")?),
            "-l" | "--listen" => {
                let v = value("--listen")?;
                listen = v
                    .parse()
                    .map_err(|_| format!("invalid listen address {v:?} (expected ADDR:PORT)"))?;
            }
            "--password-file" => password_file = Some(PathBuf::from(value("--password-file")?)),
            "--allow-trust-remote" if inline.is_none() => allow_trust_remote = true,
            "-c" => settings.push(setting(&value("-c")?)?),
            other if other.starts_with("-c") && other.len() > 2 => {
                settings.push(setting(&other[2..])?)
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Command::Run(Args {
        data_dir,
        listen,
        settings,
        password_file,
        allow_trust_remote,
    }))
}

fn setting(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((n, v)) if !n.is_empty() => Ok((n.trim().to_owned(), v.trim().to_owned())),
        _ => Err(format!("-c expects NAME=VALUE, got {s:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_and_flags() {
        let Command::Run(a) = p(&[]).unwrap() else {
            panic!()
        };
        assert_eq!(a.listen.port(), 5432);
        assert_eq!(a.data_dir, PathBuf::from("./rocksgres-data"));
        let Command::Run(a) = p(&[
            "--data-dir",
            "/tmp/x",
            "--listen=0.0.0.0:6000",
            "-c",
            "synchronous_commit=off",
            "-cwork_mem=8MB",
        ])
        .unwrap() else {
            panic!()
        };
        assert_eq!(a.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(a.listen.port(), 6000);
        assert_eq!(a.settings.len(), 2);
        assert_eq!(a.password_file, None);
        let Command::Run(a) = p(&["--password-file", "/etc/pw"]).unwrap() else {
            panic!()
        };
        assert_eq!(a.password_file, Some(PathBuf::from("/etc/pw")));
        let Command::Run(a) = p(&["--password-file=pw"]).unwrap() else {
            panic!()
        };
        assert_eq!(a.password_file, Some(PathBuf::from("pw")));
        assert!(p(&["--password-file"]).is_err());
        assert_eq!(p(&["--help"]).unwrap(), Command::Help);
        assert!(p(&["--bogus"]).is_err());
        assert!(p(&["--listen", "nope"]).is_err());
        assert!(p(&["-c", "x"]).is_err());
        assert!(p(&["--allow-trust-remote=yes"]).is_err());
    }

    #[test]
    fn trust_on_remote_addresses() {
        let run = |args: &[&str]| match p(args).unwrap() {
            Command::Run(a) => a,
            _ => panic!(),
        };
        assert!(run(&[]).check_trust().is_ok());
        assert!(run(&["--listen", "[::1]:5432"]).check_trust().is_ok());
        assert!(run(&["--listen", "127.0.0.2:5432"]).check_trust().is_ok());
        for addr in [
            "0.0.0.0:5432",
            "[::]:5432",
            "192.0.2.1:5432",
            "[::ffff:192.0.2.1]:1",
        ] {
            let e = run(&["--listen", addr]).check_trust().unwrap_err();
            assert!(
                e.contains("--password-file") && e.contains("--allow-trust-remote"),
                "{e}"
            );
        }
        assert!(run(&["--listen", "0.0.0.0:5432", "--allow-trust-remote"])
            .check_trust()
            .is_ok());
        assert!(run(&["--listen", "0.0.0.0:5432", "--password-file", "pw"])
            .check_trust()
            .is_ok());
    }
}
