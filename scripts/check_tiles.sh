#!/bin/bash
# Render the bench tile list (same tiles as ../shared/tools/bench/node/bench.mjs) from a GeoJSON file and run
# the shared strict MVT checker over every non-empty tile.
# usage: bash scripts/check_tiles.sh [FILE.geojson=$BENCH_WORK/data/random.geojson] [zooms=0,2,4,6,8,10,12,14] [per_zoom=300]
# needs: python3 with mapbox-vector-tile (pip install mapbox-vector-tile==2.2.0 protobuf) and ../shared/tools/mvt_check.py
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
checker=../shared/tools/mvt_check.py
if [ ! -f "$checker" ]; then echo "note: $checker not found; nothing to check"; exit 0; fi
file=${1:-${BENCH_WORK:-/tmp/sitrep-bench}/data/random.geojson}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
SITREP_BENCH_DUMP_DIR=$out cargo bench --bench tiles -- "$file" "${2:-0,2,4,6,8,10,12,14}" "${3:-300}"
echo "checking $(ls "$out" | wc -l) tiles"
python3 "$checker" --quiet "$out"/*.mvt | tail -n 1
