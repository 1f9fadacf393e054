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
                          e.g. -c synchronous_commit=off
      --password-file FILE
                          require SCRAM-SHA-256 password authentication for
                          every connection, against the users in FILE: one
                          user:password per line (the password is everything
                          after the first colon); blank lines and lines
                          starting with # are ignored
  -h, --help              print this help
  -V, --version           print the version

Without --password-file, clients connect with trust authentication (any
user, no password); listen on a loopback address then. Logging goes to
stderr and follows RUST_LOG (default: info).";

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
    }
}
