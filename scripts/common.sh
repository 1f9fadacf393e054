# Shared set-up for scripts/test and scripts/serve (sourced, not executed).
#
# * Installs the Debian packages the build needs (libclang for the rocksdb
#   crate's bindgen) when they are missing, or says exactly what to install
#   when this user cannot.
# * Points cargo at one target directory outside the clone
#   ($HOME/.cache/rocksgres-target unless CARGO_TARGET_DIR is set), so the
#   ~20-minute RocksDB C++ build is paid once per machine, not once per clone.
#
# A sourced file sees the positional parameters of the script that sources
# it; they belong to that script (scripts/serve passes them to the server,
# scripts/test to cargo test), so nothing here reads "$@".

set -euo pipefail

ROCKSGRES_APT_PACKAGES=(libclang1-14 libclang-common-14-dev postgresql-15 postgresql-client-15 default-jdk-headless libpostgresql-jdbc-java)

rocksgres_missing_packages() {
    local missing=()
    for pkg in "${ROCKSGRES_APT_PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$pkg")
        fi
    done
    echo "${missing[@]:-}"
}

rocksgres_install_packages() {
    local missing
    missing="$(rocksgres_missing_packages)"
    if [ -z "$missing" ]; then
        return 0
    fi
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo="sudo -n"
        else
            echo "error: missing Debian packages: $missing" >&2
            echo "install them with: sudo apt-get install -y --no-install-recommends $missing" >&2
            exit 1
        fi
    fi
    echo "installing Debian packages: $missing" >&2
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends $missing >&2
}

rocksgres_check_toolchain() {
    if ! command -v cargo >/dev/null 2>&1; then
        echo "error: cargo not found; install Rust 1.88 or newer from https://rustup.rs" >&2
        exit 1
    fi
}

rocksgres_install_packages
rocksgres_check_toolchain
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rocksgres-target}"
mkdir -p "$CARGO_TARGET_DIR"
