#!/usr/bin/env bash
# Installs sitrep under PREFIX (default /usr/local): the binary in PREFIX/bin, its data and the web
# map in PREFIX/share/sitrep/{data,static}, where the binary looks for them (see `sitrep serve --help`).
# Usage: bash scripts/install.sh [PREFIX]     (builds with cargo first; no network needed once the
# dependencies are fetched)
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${1:-/usr/local}"
cargo install --locked --path . --root "$prefix" --no-track
mkdir -p "$prefix/share/sitrep"
rm -rf "$prefix/share/sitrep/data" "$prefix/share/sitrep/static"
cp -R data "$prefix/share/sitrep/data"
cp -R static "$prefix/share/sitrep/static"
echo "installed: $prefix/bin/sitrep, data and web map in $prefix/share/sitrep"
case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "add $prefix/bin to PATH to run sitrep by name" ;; esac
