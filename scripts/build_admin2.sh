#!/usr/bin/env bash
# Rebuild data/gazetteer/admin2.geojson.gz (US counties and parishes) from pinned npm packages:
#   us-atlas 3.0.1        US Census Bureau cartographic boundaries 2017 (public domain), ISC
#   topojson-client 3.1.0 TopoJSON -> GeoJSON, ISC
# then repairs the polygons with shapely (scripts/requirements-gazetteer.txt venv, as build_gazetteer.sh).
# Also reads the shipped data/gazetteer/{admin1.geojson.gz,places.tsv.gz} (state codes, populations).
#
#   scripts/build_admin2.sh                      # download (if not cached), verify, build
#   SITREP_BUILD_CACHE=/some/dir scripts/build_admin2.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SITREP_BUILD_CACHE:-/tmp/sitrep-gazetteer-cache}"
PKGS="$CACHE/packages"
SUMS="$ROOT/scripts/admin2-packages.sha256"
FILES=(us-atlas-3.0.1.tgz topojson-client-3.1.0.tgz)
mkdir -p "$PKGS"

need=0
for f in "${FILES[@]}"; do [[ -s "$PKGS/$f" ]] || need=1; done
if (( need )); then
  echo ">> npm pack us-atlas@3.0.1 topojson-client@3.1.0"
  (cd "$PKGS" && npm pack --silent us-atlas@3.0.1 topojson-client@3.1.0 >/dev/null)
fi
echo ">> verifying SHA-256 checksums"
(cd "$PKGS" && sha256sum --check --strict "$SUMS")

WORK="$CACHE/admin2"
rm -rf "$WORK" && mkdir -p "$WORK/us-atlas" "$WORK/topojson-client"
tar xzf "$PKGS/us-atlas-3.0.1.tgz" -C "$WORK/us-atlas"
tar xzf "$PKGS/topojson-client-3.1.0.tgz" -C "$WORK/topojson-client"

# Python with shapely, the same pinned venv as build_gazetteer.sh.
VENV="$CACHE/venv"
source "$ROOT/scripts/gazetteer-venv.sh"

node "$ROOT/scripts/build_admin2.cjs" \
  "$WORK/us-atlas/package/counties-10m.json" \
  "$WORK/topojson-client/package/dist/topojson-client.js" \
  "$ROOT/data/gazetteer" > "$WORK/counties.raw.json"
exec "$VENV/bin/python" "$ROOT/scripts/build_admin2.py" "$WORK/counties.raw.json" "$ROOT/data/gazetteer"
