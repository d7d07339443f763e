#!/usr/bin/env bash
# Vendor a pinned PMTiles JS build into static/vendor/pmtiles/ (the pmtiles:// protocol for MapLibre,
# so the web map can read a PMTiles archive from any static HTTP server with Range support).
# Fetches the package tarballs with `npm pack` (npm registry only) and checks their sha256 against the
# pinned values below. dist/pmtiles.js is the self-contained browser build (global `pmtiles`); it
# bundles fflate, whose MIT licence is copied from fflate's own tarball. The pmtiles npm tarball has
# no licence file: static/vendor/pmtiles/LICENSE is the BSD-3-Clause text of the PMTiles repository
# (github.com/protomaps/PMTiles, LICENSE at commit 182d5b3, the v4.5.0 JS release), kept in git.
set -euo pipefail

VERSION="4.5.0"
SHA256="23ae7c575578ad24cd579377d69c46550631da219e6f179997ec2cf3b8c937e5"
FFLATE_VERSION="0.8.2"
FFLATE_SHA256="61fd5061e2fc8e5e3e3129f7f2fec7bd78a313e1bf4becbf1cc1cc9998d141dc"

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/static/vendor/pmtiles"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent "pmtiles@$VERSION" "fflate@$FFLATE_VERSION" >/dev/null
printf '%s  %s\n%s  %s\n' "$SHA256" "pmtiles-$VERSION.tgz" "$FFLATE_SHA256" "fflate-$FFLATE_VERSION.tgz" | sha256sum -c -
mkdir pm ff
tar xzf "pmtiles-$VERSION.tgz" -C pm
tar xzf "fflate-$FFLATE_VERSION.tgz" -C ff

mkdir -p "$DEST"
[ -s "$DEST/LICENSE" ] || { echo "missing $DEST/LICENSE (BSD-3-Clause of protomaps/PMTiles; kept in git)" >&2; exit 1; }
cp pm/package/dist/pmtiles.js "$DEST/pmtiles.js"
cp ff/package/LICENSE "$DEST/LICENSE-fflate"
printf 'pmtiles %s (dist/pmtiles.js, with fflate %s bundled)\nnpm tarball sha256 %s\nfflate npm tarball sha256 %s\nfile sha256 %s\nlicense BSD-3-Clause (LICENSE), fflate MIT (LICENSE-fflate)\n' \
  "$VERSION" "$FFLATE_VERSION" "$SHA256" "$FFLATE_SHA256" "$(sha256sum "$DEST/pmtiles.js" | cut -d' ' -f1)" > "$DEST/VERSION"
echo "vendored pmtiles $VERSION into $DEST"
