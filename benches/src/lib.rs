//! Rocksgres benchmarks (criterion timing, dhat allocation counts) live in
//! this crate's `benches/` and `tests/` folders; see `README.md` here.
