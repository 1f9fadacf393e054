//! The `rocksgres` binary: the PostgreSQL wire-protocol server.
//!
//! The wire server is not built yet (it is issue 4). Until then this binary
//! says so and exits with status 2, rather than pretending to serve.

fn main() {
    eprintln!(
        "rocksgres {}: the PostgreSQL wire server is not implemented yet; \
         the storage layer is usable as a library (crate rocksgres-storage)",
        env!("CARGO_PKG_VERSION")
    );
    std::process::exit(2);
}
