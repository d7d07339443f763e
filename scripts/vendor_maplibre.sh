#!/usr/bin/env bash
# Vendor a pinned MapLibre GL JS build into static/vendor/maplibre-gl/ (no CDN, no build step at run time).
# Fetches the package tarball with `npm pack` (npm registry only), checks its sha256 against the pinned
# value below, and copies the ES-module dist files, the CSS and the licence.
# MapLibre GL JS 6.x ships ES modules only; maplibre-gl.mjs loads ./maplibre-gl-worker.mjs from its own
# URL, so the files must stay side by side.
set -euo pipefail

VERSION="6.17.0"
SHA256="587807d8d6c99349022e027fa310c16cfaa55392131f6263df080306db6809b0"

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/static/vendor/maplibre-gl"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent "maplibre-gl@$VERSION" >/dev/null
TGZ="maplibre-gl-$VERSION.tgz"
echo "$SHA256  $TGZ" | sha256sum -c -
tar xzf "$TGZ"

mkdir -p "$DEST"
rm -f "$DEST"/*
for f in maplibre-gl.mjs maplibre-gl-shared.mjs maplibre-gl-worker.mjs maplibre-gl.css; do
  cp "package/dist/$f" "$DEST/$f"
done
cp package/LICENSE.txt "$DEST/LICENSE.txt"
printf 'maplibre-gl %s\nnpm tarball sha256 %s\nlicense BSD-3-Clause (LICENSE.txt)\n' "$VERSION" "$SHA256" > "$DEST/VERSION"
echo "vendored maplibre-gl $VERSION into $DEST"
