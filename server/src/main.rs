//! The `rocksgres` binary: the PostgreSQL wire-protocol server of Rocksgres.
//!
//! It serves one Rocksgres database (a RocksDB directory) to PostgreSQL 15
//! clients such as `psql` and `pgbench`, using the `pgwire` crate for the
//! protocol and tokio for I/O. Connections start and authenticate on a
//! shared runtime; each authenticated connection then gets a thread of its
//! own, where engine calls (which may block on RocksDB or on row locks) run
//! inline.
//!
//! Modules, in the order a connection meets them:
//!
//! * [`cli`] — command-line arguments;
//! * [`server`] — opening the database, the listener, graceful shutdown;
//! * [`limits`] — `max_connections` and the bound on starting connections;
//! * [`connection`] — start-up, then one connection's message loop;
//! * [`hangup`] — cancelling the statement of a client that hung up;
//! * [`handler`] — the handler shared by all connections;
//! * [`startup`] — start-up, authentication, ParameterStatus;
//! * [`auth`] — trust or SCRAM-SHA-256 against a password file;
//! * [`state`] — per-connection session state and the blocking bridge;
//! * [`simple`] — the simple Query protocol;
//! * [`extended`] — Parse/Bind/Describe/Execute/Sync;
//! * [`copy`] — COPY FROM STDIN and COPY TO STDOUT;
//! * [`wire`], [`binary`] — encoding results, errors and binary values.

mod auth;
mod binary;
mod cancel;
mod cli;
mod connection;
mod copy;
mod extended;
mod handler;
mod hangup;
mod limits;
mod record_recv;
mod server;
mod simple;
mod startup;
mod state;
mod stream;
mod wire;

use std::io::IsTerminal;
use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let command = match cli::parse(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("rocksgres: {e}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    let args = match command {
        cli::Command::Help => {
            println!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        cli::Command::Version => {
            println!("rocksgres {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        cli::Command::Run(args) => args,
    };
    if let Err(e) = args.check_trust() {
        eprintln!("rocksgres: error: {e}");
        return ExitCode::FAILURE;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal, never into a log file or pipe.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("rocksgres")
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rocksgres: error: could not start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(server::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rocksgres: error: {e}");
            ExitCode::FAILURE
        }
    }
}
