#!/usr/bin/env bash
# Builds the Debian package: a release build, then the man pages and shell completions the
# binary writes about itself (so they never disagree with --help), then cargo-deb, which only
# packs what is built (--no-build). Prints the .deb's path. Install it with
#   sudo dpkg -i target/debian/ploy-connect_*.deb      (remove: sudo dpkg -r ploy-connect)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL=0

# The version that builds with the toolchain CI uses (Rust 1.95).
if ! command -v cargo-deb >/dev/null; then
  echo "installing cargo-deb"
  cargo install --locked cargo-deb@3.8.0
fi

cargo build --release --locked --bin ploy-connect

# target/release/… is where Cargo.toml's [package.metadata.deb] assets point; cargo-deb maps
# that prefix to the real target dir (CARGO_TARGET_DIR included).
target=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
: "${target:?cannot tell where cargo builds}"
bin="$target/release/ploy-connect"
assets="$target/release/deb-assets"
rm -rf "$assets"
mkdir -p "$assets/man" "$assets/completions"

# The binary keeps a log in its state dir; a packaging run leaves none in the builder's home.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
run() { HOME="$scratch" XDG_STATE_HOME="$scratch" "$bin" "$@"; }
run man --out-dir "$assets/man" >/dev/null
gzip -9n "$assets"/man/*.1   # Debian installs man pages compressed
run completions bash >"$assets/completions/ploy-connect"
run completions zsh >"$assets/completions/_ploy-connect"
run completions fish >"$assets/completions/ploy-connect.fish"

cargo deb --package ploy-connect --no-build
