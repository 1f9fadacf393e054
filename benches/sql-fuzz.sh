#!/usr/bin/env bash
# The long run of the SQL robustness fuzz test (issue 12): generated
# statements against one running Rocksgres server, every statement must get
# a result or an ErrorResponse, and the server must answer SELECT 1 after.
# The suite runs a short run of the same test
# (regression-tests/tests/sql_fuzz.rs); this runs it long.
#
# Usage: benches/sql-fuzz.sh [STATEMENTS_PER_CONNECTION] [CONNECTIONS] [FIRST_SEED]
#        (defaults: 250000 statements on 4 connections = 1,000,000, seed 1000)
# Prints the summary line (statements, time, ok/errors by SQLSTATE) and
# exits non-zero on the first statement without an answer.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rocksgres-target}"
export ROCKSGRES_FUZZ_STATEMENTS="${1:-250000}"
export ROCKSGRES_FUZZ_CONNECTIONS="${2:-4}"
export ROCKSGRES_FUZZ_SEED="${3:-1000}"
exec cargo test --release --workspace --test sql_fuzz -- --nocapture
