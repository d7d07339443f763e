#!/bin/bash
# sitrep against its peers, end to end, with the peer harness in ../shared/tools/bench (README there):
#   data (120k/12k sets + a 1M-point set), peers installed into $BENCH_WORK (never into the repo),
#   request lists, then in one sitting:
#     cold tile generation in process (benches/tiles.rs vs node bench.mjs maplibre, z4–z14)
#     cold tiles over HTTP (sitrep --tile-cache-mb 0 vs node peer without cache vs martin GeoJSON, cache 0)
#     warm-cache tiles over HTTP (sitrep with its cache, second pass, vs martin serving tippecanoe PMTiles)
#     bbox queries over HTTP on the 12k set (sitrep vs pygeoapi, bbox.txt), and in process on 1M points
#     start-up time to the first served tile and RSS (sitrep with the 120k set and with 1M points)
# Prints a figures table and appends it to $BENCH_WORK/results/sitrep-vs-peers.txt.
#
# Usage: bash scripts/bench-peers.sh
# Environment:
#   BENCH_WORK=/tmp/sitrep-bench   where everything is written (installs, data, logs, results)
#   BENCH_DIR=../shared/tools/bench (relative to the repo)
#   SECS=20 THREADS=2 CONN=32      wrk settings for the tile runs (same for every server)
#   BBOX_SECS=20 BBOX_CONN=1       wrk settings for the bbox runs (pygeoapi takes ~1.5 s per query)
#   MARTIN=auto|skip|install       auto: use martin if built, else skip its rows; install: build it first
#                                  (harness martin/install.sh, ~20+ min, MARTIN_INSTALL_TIMEOUT)
#   SKIP_SETUP=1                   do not run the harness setup steps (data, npm, venv, tippecanoe, paths)
#   SKIP_INPROC=1                  skip the in-process benches (tiles.rs, bench.mjs, bbox.rs)
#   SKIP_BUILD=1                   use the sitrep binary already built in ${CARGO_TARGET_DIR:-target}/release
# Everything listens on 127.0.0.1; every load test is bounded in time.
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${BENCH_DIR:-$REPO/../shared/tools/bench}
B=$(cd "$B" && pwd) || { echo "no bench harness at $B (set BENCH_DIR)" >&2; exit 1; }
export BENCH_WORK=${BENCH_WORK:-/tmp/sitrep-bench}
mkdir -p "$BENCH_WORK/results" "$BENCH_WORK/sitrep"
SECS=${SECS:-20} THREADS=${THREADS:-2} CONN=${CONN:-32}
BBOX_SECS=${BBOX_SECS:-20} BBOX_CONN=${BBOX_CONN:-1}
MARTIN=${MARTIN:-auto}
SPORT=${SITREP_PORT:-8080}
D=$BENCH_WORK/data P=$BENCH_WORK/paths R=$BENCH_WORK/results S=$BENCH_WORK/sitrep
MBIN=$BENCH_WORK/martin/cargo-root/bin/martin
TS=$(date -u +%FT%TZ)
ROWS=()   # "figure|command|sitrep|peer|ratio"
row() { ROWS+=("$1|$2|$3|$4|$5"); printf '  %-44s %-14s sitrep=%-14s peer=%-14s ratio=%s\n' "$1" "$2" "$3" "$4" "$5"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<< "$2" | head -1; }   # field KEY "wrk line"
rps() { awk -v r="$(field requests "$1")" -v d="$(field duration_s "$1")" 'BEGIN { if (d > 0) printf "%.2f", r / d; else print "-" }'; }   # req/s to 2 decimals
log() { echo "== $*"; }

# ---------------------------------------------------------------- setup (harness scripts only)
if [ "${SKIP_SETUP:-0}" != 1 ]; then
  log setup
  { [ -s "$D/random.geojson" ] || bash "$B/gen-data.sh" random; } || exit 1
  { [ -s "$D/small.geojson" ] || bash "$B/gen-data.sh" small; } || exit 1
  { [ -d "$BENCH_WORK/node/node_modules" ] || bash "$B/node/setup.sh"; } || exit 1
  { [ -x "$BENCH_WORK/venv/bin/pygeoapi" ] || bash "$B/python/setup.sh"; } || exit 1
  t=()
  [ -s "$BENCH_WORK/out/small-tiles/metadata.json" ] || t+=(small-dir)
  [ -s "$BENCH_WORK/out/random-z10.pmtiles" ] || t+=(random-z10)
  [ -s "$BENCH_WORK/out/points-z14-cluster.pmtiles" ] || t+=(points-z14)
  [ ${#t[@]} -eq 0 ] || bash "$B/tippecanoe/make-tiles.sh" "${t[@]}" || exit 1
  bash "$B/make-paths.sh" > /dev/null || exit 1
  # 1M points spread like the 120k set's points (same generator, same seed)
  [ -s "$D/points-1m.geojson" ] || node "$B/node/gen.mjs" "$D/points-1m.geojson" 1000000 0 0 42 || exit 1
fi
if [ "$MARTIN" = install ] && [ ! -x "$MBIN" ]; then bash "$B/martin/install.sh" || echo "martin install failed; its rows are skipped"; fi
HAVE_MARTIN=0
[ "$MARTIN" != skip ] && [ -x "$MBIN" ] && HAVE_MARTIN=1
[ $HAVE_MARTIN = 1 ] || echo "martin not available ($MBIN): its rows are skipped (MARTIN=install builds it)"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "build sitrep (release)"
  (cd "$REPO" && cargo build --release --quiet) || exit 1
fi
SBIN=${CARGO_TARGET_DIR:-$REPO/target}/release/sitrep

# ---------------------------------------------------------------- helpers: sitrep server
SPID=
sitrep_start() {   # sitrep_start GEOJSON [extra args]; sets SPID, STARTUP_S (spawn → first 200 tile)
  local file=$1; shift
  rm -f "$S/bench.db"
  local t0 t1
  t0=$(date +%s.%N)
  "$SBIN" serve --db "$S/bench.db" --addr "127.0.0.1:$SPORT" --no-samples --data "$REPO/data" \
    --load-geojson "$file" "$@" > "$S/sitrep.log" 2>&1 &
  SPID=$!
  echo "$SPID" > "$S/sitrep.pid"
  for _ in $(seq 1 6000); do
    if curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SPORT/tiles/4/8/5.mvt" | grep -q '^20'; then break; fi
    kill -0 "$SPID" 2>/dev/null || { echo "sitrep exited:" >&2; tail -5 "$S/sitrep.log" >&2; SPID=; return 1; }
    sleep 0.02
  done
  t1=$(date +%s.%N)
  STARTUP_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  grep -h "sitrep:" "$S/sitrep.log" | sed 's/^/  /'
}
sitrep_stop() {
  [ -n "$SPID" ] || return 0
  kill "$SPID" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
  SPID=
  rm -f "$S/sitrep.pid"
}
rss_mb() { awk '{ printf "%.0f", $1 / 1024 }' <<< "$(ps -o rss= -p "$1")"; }
trap 'sitrep_stop; bash "$B/stop.sh" node >/dev/null 2>&1; bash "$B/stop.sh" martin >/dev/null 2>&1; bash "$B/stop.sh" pygeoapi >/dev/null 2>&1' EXIT
wrk_run() { # wrk_run BASE PATHS SECS CONN THREADS → one wrk line
  bash "$B/wrk/run.sh" "$1" "$2" "$3" "$4" "$5" gzip
}
warm() { # one pass over a path list (fills a tile cache), 4 parallel curls
  sed "s|^|$1|" "$2" | xargs -P 4 -n 1 curl -s -o /dev/null -H 'Accept-Encoding: gzip'
}

echo "sitrep vs peers, $TS, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), wrk ${SECS}s t=$THREADS c=$CONN"

# ---------------------------------------------------------------- 1. cold tile generation, in process
if [ "${SKIP_INPROC:-0}" != 1 ]; then
  log "cold tiles in process, z4-z14 (benches/tiles.rs vs node bench.mjs maplibre)"
  Z=4,6,8,10,12,14
  (cd "$REPO" && cargo bench --quiet --bench tiles -- "$D/random.geojson" "$Z" 300) > "$R/sitrep-tiles-bench.txt" 2>&1
  node --max-old-space-size=8000 "$BENCH_WORK/node/bench.mjs" "$D/random.geojson" maplibre "$Z" 300 > "$R/bench-maplibre-z4-14.txt" 2>&1
  # sitrep: columns z tiles invalid cold/s ...; node: z tiles cold get/s warm enc gz end2end_cold/s ...
  s_rate=$(awk '/^ *[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+/ && $1>=4 && $1<=14 { n += $2; t += $2 / $4 } END { if (t > 0) printf "%.0f", n / t }' "$R/sitrep-tiles-bench.txt")
  n_rate=$(awk '/^ *[0-9]+ +[0-9]+ +[0-9]+/ && NF >= 11 && $1>=4 && $1<=14 && $7 > 0 { n += $2; t += $2 / $7 } END { if (t > 0) printf "%.0f", n / t }' "$R/bench-maplibre-z4-14.txt")
  row "cold tiles/s in process z4-14 (gzip incl.)" "bench tiles" "$s_rate" "$n_rate" "$(ratio "$s_rate" "$n_rate")"
  for z in 4 8 14; do
    sz=$(awk -v z=$z '$1==z && NF>=10 && /^ *[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+/ { print $4 }' "$R/sitrep-tiles-bench.txt" | head -1)
    nz=$(awk -v z=$z '$1==z && NF>=11 { print $7 }' "$R/bench-maplibre-z4-14.txt" | head -1)
    row "  z$z cold tiles/s in process" "bench tiles" "$sz" "$nz" "$(ratio "$sz" "$nz")"
  done
fi

# ---------------------------------------------------------------- 2. cold tiles over HTTP (no cache)
log "cold tiles over HTTP, no tile cache (sitrep.txt / node.txt / martin-random.txt)"
sitrep_start "$D/random.geojson" --tile-cache-mb 0 || exit 1
st_startup_120k=$STARTUP_S st_rss_120k=$(rss_mb "$SPID")
s=$(wrk_run "http://127.0.0.1:$SPORT" "$P/sitrep.txt" "$SECS" "$CONN" "$THREADS")
sitrep_stop
bash "$B/node/serve.sh" "$D/random.geojson" 3100 0 > /dev/null || exit 1
n=$(wrk_run http://127.0.0.1:3100 "$P/node.txt" "$SECS" "$CONN" "$THREADS")
node_rss=$(rss_mb "$(cat "$BENCH_WORK/node/server.pid")")
bash "$B/stop.sh" node > /dev/null
row "cold HTTP tiles req/s (vs node peer)" "wrk sitrep.txt" "$(field 'req\/s' "$s")" "$(field 'req\/s' "$n")" "$(ratio "$(field 'req\/s' "$s")" "$(field 'req\/s' "$n")")"
row "  cold HTTP p99 ms (vs node peer)" "wrk sitrep.txt" "$(field p99_ms "$s")" "$(field p99_ms "$n")" "$(ratio "$(field p99_ms "$n")" "$(field p99_ms "$s")")"
if [ $HAVE_MARTIN = 1 ]; then
  MARTIN_CACHE_MB=0 bash "$B/martin/run.sh" geojson > /dev/null || exit 1
  m=$(WRK_TIMEOUT=10s wrk_run http://127.0.0.1:3000 "$P/martin-random.txt" "$SECS" "$CONN" "$THREADS")
  bash "$B/stop.sh" martin > /dev/null
  row "cold HTTP tiles req/s (vs martin GeoJSON)" "wrk sitrep.txt" "$(field 'req\/s' "$s")" "$(field 'req\/s' "$m")" "$(ratio "$(field 'req\/s' "$s")" "$(field 'req\/s' "$m")")"
  row "  p99 ms (vs martin GeoJSON, timeout 10s)" "wrk sitrep.txt" "$(field p99_ms "$s")" "$(field p99_ms "$m")" "$(ratio "$(field p99_ms "$m")" "$(field p99_ms "$s")")"
fi

# ---------------------------------------------------------------- 3. warm cache vs martin PMTiles
log "warm tiles over HTTP (sitrep cache, second pass) vs martin PMTiles"
sitrep_start "$D/random.geojson" || exit 1
warm "http://127.0.0.1:$SPORT" "$P/sitrep.txt"; warm "http://127.0.0.1:$SPORT" "$P/sitrep-z10.txt"
sw=$(wrk_run "http://127.0.0.1:$SPORT" "$P/sitrep.txt" "$SECS" "$CONN" "$THREADS")
sz=$(wrk_run "http://127.0.0.1:$SPORT" "$P/sitrep-z10.txt" "$SECS" "$CONN" "$THREADS")
sh=$(wrk_run "http://127.0.0.1:$SPORT" "$P/health.txt" "$SECS" "$CONN" "$THREADS")
st_rss_120k_loaded=$(rss_mb "$SPID")
sitrep_stop
if [ $HAVE_MARTIN = 1 ]; then
  bash "$B/martin/run.sh" pmtiles > /dev/null || exit 1
  warm http://127.0.0.1:3000 "$P/martin-clusters.txt"; warm http://127.0.0.1:3000 "$P/martin-rz10.txt"
  mw=$(wrk_run http://127.0.0.1:3000 "$P/martin-clusters.txt" "$SECS" "$CONN" "$THREADS")
  mz=$(wrk_run http://127.0.0.1:3000 "$P/martin-rz10.txt" "$SECS" "$CONN" "$THREADS")
  mh=$(wrk_run http://127.0.0.1:3000 "$P/health.txt" "$SECS" "$CONN" "$THREADS")
  m_rss=$(rss_mb "$(cat "$BENCH_WORK/martin/martin.pid")")
  bash "$B/stop.sh" martin > /dev/null
else
  mw= mz= mh= m_rss=
fi
for pair in "warm z4,8,12,14 (vs martin clusters.pmtiles)|sitrep.txt|$sw|$mw" "warm z4-10 (vs martin random-z10.pmtiles)|sitrep-z10.txt|$sz|$mz" "/health ceiling|health.txt|$sh|$mh"; do
  IFS='|' read -r name list a b <<< "$pair"
  row "$name req/s" "wrk $list" "$(field 'req\/s' "$a")" "$(field 'req\/s' "$b")" "$(ratio "$(field 'req\/s' "$a")" "$(field 'req\/s' "$b")")"
  row "  p99 ms" "wrk $list" "$(field p99_ms "$a")" "$(field p99_ms "$b")" "$(ratio "$(field p99_ms "$b")" "$(field p99_ms "$a")")"
  row "  4xx/5xx answers" "wrk $list" "$(field status_4xx_5xx "$a")" "$(field status_4xx_5xx "$b")" "-"
done

# ---------------------------------------------------------------- 4. bbox queries over HTTP, 12k set
log "bbox queries over HTTP on the 12k set (bbox.txt), ${BBOX_SECS}s c=$BBOX_CONN t=1"
sitrep_start "$D/small.geojson" || exit 1
sb=$(wrk_run "http://127.0.0.1:$SPORT" "$P/bbox.txt" "$BBOX_SECS" "$BBOX_CONN" 1)
curl -s "http://127.0.0.1:$SPORT$(head -1 "$P/bbox.txt")" | python3 -c 'import json,sys; print("  sitrep answers", len(json.load(sys.stdin)["features"]), "features for the first box")'
sitrep_stop
bash "$B/pygeoapi/run.sh" > /dev/null || exit 1
curl -s "http://127.0.0.1:5000$(head -1 "$P/bbox.txt")" | python3 -c 'import json,sys; print("  pygeoapi answers", len(json.load(sys.stdin)["features"]), "features for the first box")'
pb=$(WRK_TIMEOUT=10s wrk_run http://127.0.0.1:5000 "$P/bbox.txt" "$BBOX_SECS" "$BBOX_CONN" 1)
bash "$B/stop.sh" pygeoapi > /dev/null
row "bbox req/s, 12k set (vs pygeoapi)" "wrk bbox.txt" "$(rps "$sb")" "$(rps "$pb")" "$(ratio "$(rps "$sb")" "$(rps "$pb")")"
row "  bbox median ms (p50)" "wrk bbox.txt" "$(field p50_ms "$sb")" "$(field p50_ms "$pb")" "$(ratio "$(field p50_ms "$pb")" "$(field p50_ms "$sb")")"

# ---------------------------------------------------------------- 5. start-up and memory
log "start-up to first tile and RSS"
row "start-up to first tile s, 120k set" "serve --load-geojson" "$st_startup_120k" "-" "-"
row "RSS MB after load, 120k set" "ps rss" "$st_rss_120k" "${node_rss:-}" "node peer after load run"
row "RSS MB after warm runs, 120k set" "ps rss" "$st_rss_120k_loaded" "${m_rss:-}" "martin PMTiles after runs"
sitrep_start "$D/points-1m.geojson" || exit 1
row "start-up to first tile s, 1M points" "serve --load-geojson" "$STARTUP_S" "-" "-"
row "RSS MB after load, 1M points" "ps rss" "$(rss_mb "$SPID")" "-" "-"
sitrep_stop

# ---------------------------------------------------------------- 6. bbox in process, 1M points
if [ "${SKIP_INPROC:-0}" != 1 ]; then
  log "bbox queries in process, 1M points (benches/bbox.rs)"
  (cd "$REPO" && cargo bench --quiet --bench bbox -- 1000000 hotspots 1000) > "$R/sitrep-bbox-bench.txt" 2>&1
  sed 's/^/  /' "$R/sitrep-bbox-bench.txt" | grep -v '^  *$' | tail -8
  for k in "raw query_bbox_lonlat" "features::items (page, borrowed)" "features::items + serde_json::to_vec"; do
    med=$(grep -F "$k " "$R/sitrep-bbox-bench.txt" | awk '{ print $(NF-3) }')
    p99=$(grep -F "$k " "$R/sitrep-bbox-bench.txt" | awk '{ print $(NF-1) }')
    row "bbox 1M, ~100 feats: $k median/p99 us" "bench bbox" "$med/$p99" "-" "-"
  done
  b=$(sed -n 's/.*rss_after_trim_MB=\([0-9]*\).*/\1/p' "$R/sitrep-bbox-bench.txt"); bt=$(sed -n 's/.*index_build_ms=\([0-9]*\).*/\1/p' "$R/sitrep-bbox-bench.txt")
  row "1M points in process: RSS MB / index build ms" "bench bbox" "$b/$bt" "-" "-"
fi

# ---------------------------------------------------------------- table
{
  echo
  echo "## sitrep vs peers, $TS ($(nproc) cores; wrk ${SECS}s t=$THREADS c=$CONN, bbox ${BBOX_SECS}s c=$BBOX_CONN; martin: $([ $HAVE_MARTIN = 1 ] && echo yes || echo 'not built, rows skipped'))"
  printf '| %s | %s | %s | %s | %s |\n' figure command sitrep peer "ratio (sitrep advantage)"
  echo "|---|---|---|---|---|"
  for r in "${ROWS[@]}"; do IFS='|' read -r a b c d e <<< "$r"; printf '| %s | %s | %s | %s | %s |\n' "$a" "$b" "$c" "$d" "$e"; done
} | tee -a "$R/sitrep-vs-peers.txt"
