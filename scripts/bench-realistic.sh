#!/bin/bash
# Realistic benchmark of sitrep (issue 12): articles with the real mix of mentions, at scale.
#
# Load: the news texts of the evaluation corpora (../shared/eval/*.jsonl), turned into unique
# article variants (moved date, unique lower-case suffix; scripts/bench/make_articles.py) in a temp
# dir at run time — never copied into the repository — until about $MENTIONS stored mentions.
# Measures, and prints as one labelled table at the end:
#   (1) CLI ingest: `sitrep ingest --db DB articles.jsonl`, one process pinned to core 0, articles/s
#   (2) database size and bytes per mention beyond the article text
#   (3) restart: `sitrep serve` on that database until the first tile /tiles/0/0/0.mvt answers 200/204
#   (4) server RSS (VmRSS after start, after the load, at the end; peak VmHWM)
#   (5) HTTP ingest: POST /api/articles in batches of 50, articles/s
#   (6) mixed read load (wrk, scripts/bench/mixed.lua: ~80 % tiles z0-z14 over 50 cities, ~20 % OGC
#       bbox pages) for $DURATION s while a client ingests over HTTP: req/s, p50, p99, non-2xx,
#       timeouts, ingest rate during the load, and "new incident visible within N s" after a POST
#   (7) POST /api/geoparse with ~1 MB of news text: status, time, response size, RSS growth
#   (8) one POST /api/articles of 10,000 short articles (body under 8 MiB): status, time, RSS growth
#   (9) 50 concurrent /api/geoparse clients while wrk measures tile p99 (vs. a tiles-only run)
#
# Run:   bash scripts/bench-realistic.sh                       # MENTIONS=1000000, DURATION=30
#        MENTIONS=20000 DURATION=10 bash scripts/bench-realistic.sh   # quick smoke run (minutes)
# Environment:
#   SITREP_BIN=target/release/sitrep  binary (build it first: cargo build --release)
#   MENTIONS=1000000     stored mentions to reach with the CLI ingest
#   DURATION=30          seconds of each wrk run (tiles-only, mixed, under concurrent geoparse)
#   HTTP_SECS=20         seconds of the HTTP ingest run (5)    HTTP_BATCH=50   its batch size
#   BATCH_COUNT=10000    articles in the single big POST (8)  GEOPARSE_BYTES=1000000 (7)
#   GEOPARSE_WORKERS=50  concurrent geoparse clients (9)
#   WRK_THREADS=2 WRK_CONN=16   wrk settings        BENCH_PORT=18931   port on 127.0.0.1
#   MEM_LIMIT=8G         address-space limit (prlimit --as) of every sitrep process: a blow-up kills
#                        only that process; the figure then reads "failed (OOM/killed)" and the run goes on
#   START_TIMEOUT=900    seconds allowed for a server start   INGEST_TIMEOUT=14400 for the CLI ingest
#   EVAL_DIR=../shared/eval (relative to the repo)   BENCH_TMP=/tmp   KEEP=1 keeps the temp dir (DB included)
# Requires: python3 (stdlib only), wrk (apt-get install -y wrk), curl, prlimit, taskset.
# Traffic goes to 127.0.0.1 only; every request, loop and load run is bounded in time; every server
# the script starts is stopped on exit.
set -uo pipefail
export PYTHONDONTWRITEBYTECODE=1
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$REPO/scripts/bench
EVAL=${EVAL_DIR:-$REPO/../shared/eval}
BIN=${SITREP_BIN:-$REPO/target/release/sitrep}
MENTIONS=${MENTIONS:-1000000}
DURATION=${DURATION:-30}
HTTP_SECS=${HTTP_SECS:-20}
HTTP_BATCH=${HTTP_BATCH:-50}
BATCH_COUNT=${BATCH_COUNT:-10000}
GEOPARSE_BYTES=${GEOPARSE_BYTES:-1000000}
GEOPARSE_WORKERS=${GEOPARSE_WORKERS:-50}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONN=${WRK_CONN:-16}
PORT=${BENCH_PORT:-18931}
MEM_LIMIT=${MEM_LIMIT:-8G}
START_TIMEOUT=${START_TIMEOUT:-900}
INGEST_TIMEOUT=${INGEST_TIMEOUT:-14400}

die() { echo "bench-realistic: $*" >&2; exit 2; }
[ -d "$EVAL" ] || die "no evaluation corpora at $EVAL (expected ../shared/eval relative to the repo, with gwn.jsonl, lgl.jsonl, ...; set EVAL_DIR)"
compgen -G "$EVAL/*.jsonl" > /dev/null || die "no *.jsonl corpora in $EVAL"
EVAL=$(cd "$EVAL" && pwd)
case "$BIN" in /*) ;; *) BIN=$REPO/$BIN ;; esac
[ -x "$BIN" ] || die "no sitrep binary at $BIN (cargo build --release, or set SITREP_BIN)"
for t in python3 curl wrk prlimit taskset timeout; do
  command -v "$t" > /dev/null || die "$t is not installed${t:+ (wrk: apt-get install -y wrk)}"
done
[[ "$MENTIONS" =~ ^[0-9]+$ && "$MENTIONS" -gt 0 ]] || die "MENTIONS must be a positive integer"
[[ "$DURATION" =~ ^[0-9]+$ && "$DURATION" -gt 0 ]] || die "DURATION must be a positive integer (seconds)"
MEM_BYTES=$(python3 -c "import sys; s=sys.argv[1].upper(); m={'K':1<<10,'M':1<<20,'G':1<<30,'T':1<<40}; print(int(float(s[:-1])*m[s[-1]]) if s[-1] in m else int(s))" "$MEM_LIMIT") \
  || die "MEM_LIMIT $MEM_LIMIT is not a size (e.g. 8G)"
python3 -c "import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(); s.close()" "$PORT" 2>/dev/null \
  || die "port $PORT on 127.0.0.1 is in use (set BENCH_PORT)"

WORK=$(mktemp -d "${BENCH_TMP:-/tmp}/sitrep-bench-realistic.XXXXXX") || die "cannot create a temp dir"
DB=$WORK/bench.db
TABLE=$WORK/table.tsv
URL=http://127.0.0.1:$PORT
TOKEN=bench-$(python3 -c "import secrets; print(secrets.token_hex(12))")
: > "$TABLE"
SERVER_PID=
BG_PIDS=()
MAX_HWM_KB=0

row() { printf '%s\t%s\n' "$1" "$2" >> "$TABLE"; printf '  %s: %s\n' "$1" "$2"; }
log() { echo "== $(date +%T) $*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null; }   # status_kb PID VmRSS
mbof() { awk -v k="${1:-}" 'BEGIN { if (k == "") print "-"; else printf "%.0f MB", k / 1024 }'; }
note_hwm() {   # remembers the highest VmHWM of any server process so far (the monitor's record included)
  local h m; h=$(status_kb "$SERVER_PID" VmHWM); m=$(cat "$WORK/max_hwm" 2> /dev/null)
  [ -n "$h" ] && [ "$h" -gt "$MAX_HWM_KB" ] && MAX_HWM_KB=$h
  [ -n "$m" ] && [ "$m" -gt "$MAX_HWM_KB" ] && MAX_HWM_KB=$m
  return 0
}
rss_row() { note_hwm; row "$1" "$(mbof "$(status_kb "$SERVER_PID" VmRSS)") (peak VmHWM $(mbof "$(status_kb "$SERVER_PID" VmHWM)"))"; }
CLIENT_OPTS=(--url "$URL" --token "$TOKEN" --eval "$EVAL" --table "$TABLE")
# client SECONDS ARGS...: scripts/bench/client.py, bounded (background runs call timeout directly, so $! is killable)
client() { timeout "$1" python3 "$HERE/client.py" "${CLIENT_OPTS[@]}" --pid "${SERVER_PID:-0}" "${@:2}"; }
signame() { local rc=$1; if [ "$rc" -gt 128 ]; then echo "signal $(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128)))"; else echo "exit $rc"; fi; }

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    note_hwm
    kill -INT "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
  fi
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
}

print_table() {
  [ -s "$TABLE" ] || return 0
  echo
  echo "sitrep realistic benchmark (bash scripts/bench-realistic.sh; MENTIONS=$MENTIONS DURATION=$DURATION)"
  awk -F'\t' '{ l[NR] = $1; v[NR] = $2; if (length($1) > w) w = length($1) } END {
    sep = sprintf("%" (w + 2) "s", ""); gsub(/ /, "-", sep)
    printf "%-" w "s | %s\n", "figure", "value"; printf "%s+%s\n", sep, "------------------------------------------"
    for (i = 1; i <= NR; i++) printf "%-" w "s | %s\n", l[i], v[i] }' "$TABLE" | tee "$WORK/table.txt"
}

cleanup() {
  local p
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  stop_server
  print_table
  if [ "${KEEP:-0}" = 1 ]; then
    echo "bench-realistic: kept $WORK"
  else
    rm -f "$WORK"/*.db "$WORK"/*.db-wal "$WORK"/*.db-shm "$WORK"/*.jsonl "$WORK"/*.json
    echo "bench-realistic: logs and table in $WORK (KEEP=1 keeps the database and the generated articles too)"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

health_articles() { curl -s --max-time 30 "$URL/health" | python3 -c "import json,sys; print(json.load(sys.stdin)['articles'])" 2> /dev/null; }

# death_note: why the server stopped, from its log (Rust's allocation-failure message under the limit)
death_note() {
  local m; m=$(grep -m1 -o 'memory allocation of [0-9]* bytes failed' "$SERVER_LOG")
  if [ -n "$m" ]; then echo "$m under the $MEM_LIMIT address-space limit; last VmHWM seen $(mbof "$(cat "$WORK/last_hwm" 2>/dev/null)")"
  else echo "log: $(grep -v '^[[:space:]]*$' "$SERVER_LOG" | tail -1 | cut -c1-120)"; fi
}

# start_server NAME: the server on $DB under the memory limit, in the background ($SERVER_PID)
start_server() {
  SERVER_LOG=$WORK/serve-$1.log
  prlimit --as="$MEM_BYTES" -- "$BIN" serve --db "$DB" --addr "127.0.0.1:$PORT" --no-samples --token "$TOKEN" \
    --data "$REPO/data" --static-dir "$REPO/static" > "$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  # memory monitor: the server's VmHWM every 0.5 s while it lives (what it reached before a kill)
  local pid=$SERVER_PID
  ( while kill -0 "$pid" 2> /dev/null; do
      h=$(status_kb "$pid" VmHWM); [ -n "$h" ] && echo "$h" > "$WORK/last_hwm.tmp" && mv -f "$WORK/last_hwm.tmp" "$WORK/last_hwm"
      [ -n "$h" ] && [ "$h" -gt "$(cat "$WORK/max_hwm" 2> /dev/null || echo 0)" ] && echo "$h" > "$WORK/max_hwm"
      sleep 0.5
    done ) &
  BG_PIDS+=($!)
}

# wait_first_tile: seconds until GET /tiles/0/0/0.mvt answers 200/204 (prints it), 1 if the server died or timed out
wait_first_tile() {
  local t0 code; t0=$1
  while :; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then return 1; fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 300 "$URL/tiles/0/0/0.mvt" 2>/dev/null)
    if [ "$code" = 200 ] || [ "$code" = 204 ]; then since "$t0"; FIRST_TILE_CODE=$code; return 0; fi
    if awk -v a="$(since "$t0")" -v b="$START_TIMEOUT" 'BEGIN { exit !(a > b) }'; then return 1; fi
    sleep 0.05
  done
}

# server_check STEP: if the server died during STEP, record why and start a new one (not timed)
server_check() {
  [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null && return 0
  local rc=0
  if [ -n "$SERVER_PID" ]; then wait "$SERVER_PID" 2>/dev/null; rc=$?; fi
  row "$1: server" "failed (OOM/killed: $(signame "$rc"); $(death_note))"
  SERVER_PID=
  log "restarting the server after $1"
  start_server "after-$(echo "$1" | tr -c 'a-z0-9' '-' | cut -c1-20)"
  local t0; t0=$(now)
  local first
  if ! first=$(wait_first_tile "$t0"); then
    row "$1: restart" "failed (server did not come back: $(death_note))"
    return 1
  fi
  row "$1: server restarted (untimed here)" "first tile after $first s; RSS $(mbof "$(status_kb "$SERVER_PID" VmRSS)")"
  return 0
}

# wrk_run NAME MODE: a bounded wrk run with mixed.lua; result line in $WORK/wrk-NAME.txt
wrk_run() {
  BENCH_MODE=$2 timeout $((DURATION + 60)) wrk -t"$WRK_THREADS" -c"$WRK_CONN" -d"${DURATION}s" --timeout 10s --latency \
    -s "$HERE/mixed.lua" "$URL" > "$WORK/wrk-$1.txt" 2>&1
}
wrk_field() { awk -v k="$2" '$1 == "BENCH" { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) { print kv[2]; exit } } }' "$WORK/wrk-$1.txt"; }
wrk_rows() {   # wrk_rows NAME LABEL
  local n=$1 L=$2 req dur
  req=$(wrk_field "$n" requests); dur=$(wrk_field "$n" duration_us)
  if [ -z "$req" ]; then row "$L" "failed (wrk: $(tail -1 "$WORK/wrk-$n.txt"))"; return; fi
  row "$L req/s" "$(awk -v r="$req" -v d="$dur" 'BEGIN { printf "%.0f (%d requests in %.1f s)", r / (d / 1e6), r, d / 1e6 }')"
  [ "$req" -gt 0 ] || { row "$L" "no request completed in ${DURATION}s ($(wrk_field "$n" timeouts) timeouts; socket errors: connect $(wrk_field "$n" connect), read $(wrk_field "$n" read), write $(wrk_field "$n" write))"; return; }
  row "$L latency p50 / p99 / max" "$(awk -v a="$(wrk_field "$n" p50_us)" -v b="$(wrk_field "$n" p99_us)" -v c="$(wrk_field "$n" max_us)" 'BEGIN { printf "%.2f / %.2f / %.1f ms", a / 1000, b / 1000, c / 1000 }')"
  row "$L non-2xx / timeouts / socket errors" "$(wrk_field "$n" non2xx) (4xx $(wrk_field "$n" status_4xx), 5xx $(wrk_field "$n" status_5xx)) / $(wrk_field "$n" timeouts) / connect $(wrk_field "$n" connect), read $(wrk_field "$n" read), write $(wrk_field "$n" write)"
}

log "sitrep realistic benchmark: MENTIONS=$MENTIONS DURATION=${DURATION}s, binary $BIN, temp dir $WORK"
row "run" "$(date -u +%FT%TZ), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), git $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'), MENTIONS=$MENTIONS DURATION=${DURATION}s, memory limit $MEM_LIMIT"

# ---------------------------------------------------------------- load: mentions per article, articles
log "estimating stored mentions per article (sitrep geoparse --jsonl over every corpus document)"
python3 "$HERE/make_articles.py" --eval "$EVAL" sample --out "$WORK/sample.jsonl" > /dev/null || die "make_articles sample failed"
t0=$(now)
timeout 600 prlimit --as="$MEM_BYTES" -- "$BIN" geoparse --jsonl "$WORK/sample.jsonl" --data "$REPO/data" > "$WORK/sample-pred.jsonl" 2> "$WORK/sample-pred.log" \
  || die "sitrep geoparse --jsonl failed: $(tail -2 "$WORK/sample-pred.log")"
gp_s=$(since "$t0")
MPA_JSON=$(python3 "$HERE/make_articles.py" --eval "$EVAL" mpa --predictions "$WORK/sample-pred.jsonl") || die "mpa failed"
MPA=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['per_article'])" "$MPA_JSON")
NDOCS=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['docs'])" "$MPA_JSON")
row "load: corpus documents, stored mentions per article (geoparse)" "$NDOCS docs, $(printf '%.2f' "$MPA") place mentions each (geoparse --jsonl, 1 thread: $gp_s s incl. gazetteer load)"
N_ARTICLES=$(python3 -c "import math,sys; print(max(1, math.ceil(int(sys.argv[1]) / float(sys.argv[2]))))" "$MENTIONS" "$MPA")
log "generating $N_ARTICLES article variants for ~$MENTIONS mentions"
GEN=$(python3 "$HERE/make_articles.py" --eval "$EVAL" articles --count "$N_ARTICLES" --out "$WORK/articles.jsonl") || die "make_articles articles failed"
row "load: articles generated for the CLI ingest" "$N_ARTICLES ($(python3 -c "import json,sys; print('%.1f MB of text' % (json.loads(sys.argv[1])['text_bytes'] / 1e6))" "$GEN"), $(du -m "$WORK/articles.jsonl" | cut -f1) MB JSONL)"

# ---------------------------------------------------------------- (1) CLI ingest, one core
log "(1) CLI ingest on core 0"
python3 "$HERE/make_articles.py" --eval "$EVAL" articles --count 1 --namespace z --out "$WORK/one.jsonl" > /dev/null
t0=$(now)
taskset -c 0 prlimit --as="$MEM_BYTES" -- "$BIN" ingest --db "$WORK/startup.db" --data "$REPO/data" "$WORK/one.jsonl" > "$WORK/ingest-startup.log" 2>&1
startup_s=$(since "$t0")
rm -f "$WORK"/startup.db*
t0=$(now)
timeout "$INGEST_TIMEOUT" taskset -c 0 prlimit --as="$MEM_BYTES" -- "$BIN" ingest --db "$DB" --data "$REPO/data" "$WORK/articles.jsonl" > "$WORK/ingest.log" 2>&1
rc=$?
ingest_s=$(since "$t0")
summary=$(grep -m1 'articles stored' "$WORK/ingest.log")
if [ $rc -ne 0 ] || [ -z "$summary" ]; then
  what="exit $rc"; [ $rc -eq 124 ] && what="timed out after ${INGEST_TIMEOUT}s"; [ $rc -gt 128 ] && what="OOM/killed: $(signame $rc)"
  row "(1) CLI ingest articles/s (one core)" "failed ($what after $ingest_s s: $(tail -1 "$WORK/ingest.log" | cut -c1-120))"
else
  stored=$(sed -n 's/.*articles stored: \([0-9]*\).*/\1/p' <<< "$summary")
  ment=$(sed -n 's/.*mentions stored: \([0-9]*\).*/\1/p' <<< "$summary")
  row "(1) CLI ingest articles/s (one core, taskset -c 0)" "$(awk -v n="$stored" -v t="$ingest_s" -v s="$startup_s" -v m="$ment" 'BEGIN { printf "%.0f wall (%d articles, %d mentions in %.1f s); %.0f excluding the %.2f s start-up; %.0f mentions/s", n / t, n, m, t, (t > s ? n / (t - s) : 0), s, m / t }')"
fi
# top up to the target if the estimate fell short (not part of the timed figure)
for round in 1 2; do
  have=$(python3 -c "import sqlite3,sys; c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True); print(c.execute('select count(*) from mentions').fetchone()[0])" "$DB" 2>/dev/null || echo 0)
  arts=$(python3 -c "import sqlite3,sys; c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True); print(c.execute('select count(*) from articles').fetchone()[0])" "$DB" 2>/dev/null || echo 0)
  [ "$have" -ge $((MENTIONS * 98 / 100)) ] || [ "$arts" -eq 0 ] || {
    more=$(python3 -c "import math,sys; h,a,t=map(int,sys.argv[1:]); print(math.ceil((t-h)/(h/a)*1.02))" "$have" "$arts" "$MENTIONS")
    log "top-up $round: $have mentions stored, ingesting $more more articles"
    python3 "$HERE/make_articles.py" --eval "$EVAL" articles --count "$more" --start "$N_ARTICLES" --namespace t$round --out "$WORK/topup.jsonl" > /dev/null
    timeout "$INGEST_TIMEOUT" prlimit --as="$MEM_BYTES" -- "$BIN" ingest --db "$DB" --data "$REPO/data" "$WORK/topup.jsonl" > "$WORK/ingest-topup$round.log" 2>&1
    row "load: top-up $round (untimed)" "$(grep -m1 'articles stored' "$WORK/ingest-topup$round.log" || echo failed)"
    continue
  }
  break
done
rm -f "$WORK/articles.jsonl" "$WORK/topup.jsonl"

# ---------------------------------------------------------------- (2) database size
log "(2) database size"
python3 "$HERE/client.py" --table "$TABLE" --label "(2) " dbstats --db "$DB" > /dev/null || row "(2) database" "failed"

# ---------------------------------------------------------------- (3) restart to first tile, (4) RSS
log "(3) restart: serve until the first tile"
start_server restart
t0=$(now)
if first=$(wait_first_tile "$t0"); then
  row "(3) restart: start to first tile /tiles/0/0/0.mvt" "$first s (answer $(curl -s -o /dev/null -w '%{http_code}' --max-time 60 "$URL/tiles/0/0/0.mvt"); server says: $(grep -m1 -o 'ready in [0-9.]* s[^)]*' "$SERVER_LOG"))"
  HEALTH=$(curl -s --max-time 30 "$URL/health")
  row "(3) /health after start" "$(python3 -c "import json,sys; h=json.loads(sys.argv[1]); print('articles %s, incidents %s, gazetteer places %s' % (h.get('articles'), h.get('incidents'), h.get('places')))" "$HEALTH" 2>/dev/null || echo "$HEALTH" | cut -c1-120)"
  rss_row "(4) server RSS after start + first tile"
else
  rc=0; kill -0 "$SERVER_PID" 2>/dev/null || { wait "$SERVER_PID"; rc=$?; }
  row "(3) restart: start to first tile" "failed after $(since "$t0") s ($( [ $rc -ne 0 ] && echo "OOM/killed: $(signame $rc)" || echo "no tile within ${START_TIMEOUT}s"); $(death_note))"
  stop_server
  echo "bench-realistic: the server does not start on the benchmark database; the HTTP figures are skipped" >&2
  for f in "(4) server RSS" "(5) HTTP ingest" "(6) mixed load" "(7) geoparse ~1 MB" "(8) batch of $BATCH_COUNT" "(9) concurrent geoparse"; do
    row "$f" "skipped: the server does not start on this database (see 3)"
  done
  SKIP_HTTP=1
fi

if [ "${SKIP_HTTP:-0}" != 1 ]; then
  # ---------------------------------------------------------------- (5) HTTP ingest
  log "(5) HTTP ingest, batches of $HTTP_BATCH, ${HTTP_SECS}s"
  client $((HTTP_SECS + 300)) --label "(5) HTTP ingest: " ingest --seconds "$HTTP_SECS" --batch "$HTTP_BATCH" --namespace h > "$WORK/http-ingest.log" 2>&1
  sed 's/^/  /' "$WORK/http-ingest.log" | grep -v '^  $' | head -20
  server_check "(5) HTTP ingest"

  # ---------------------------------------------------------------- tiles-only reference
  log "tiles only (reference for 9), ${DURATION}s"
  wrk_run tiles tiles
  wrk_rows tiles "(ref) tiles only, no writes:"
  server_check "(ref) tiles only"

  # ---------------------------------------------------------------- (6) mixed load + ingest + visibility
  log "(6) mixed load ${DURATION}s with concurrent HTTP ingest and visibility probes"
  timeout $((DURATION + 120)) python3 "$HERE/client.py" "${CLIENT_OPTS[@]}" --pid "$SERVER_PID" --label "(6) during mixed load, HTTP ingest: " ingest --seconds $((DURATION + 1)) --batch "$HTTP_BATCH" \
    --namespace m --probe-interval 2 --probe-timeout 30 > "$WORK/mixed-ingest.log" 2>&1 &
  ING=$!; BG_PIDS+=("$ING")
  sleep 0.5
  wrk_run mixed mixed
  wrk_rows mixed "(6) mixed 80/20 tiles/items:"
  row "(6) mixed: requests tiles / items (distinct URLs)" "$(wrk_field mixed tiles) / $(wrk_field mixed items) ($(wrk_field mixed urls_tiles) / $(wrk_field mixed urls_items))"
  wait "$ING"
  server_check "(6) mixed load"
  rss_row "(4) server RSS after the ingest + mixed load"

  # ---------------------------------------------------------------- (7) 1 MB geoparse
  log "(7) POST /api/geoparse with ~$GEOPARSE_BYTES bytes"
  python3 "$HERE/make_articles.py" --eval "$EVAL" concat --bytes "$GEOPARSE_BYTES" --out "$WORK/big-geoparse.json" > /dev/null
  client 400 --label "(7) geoparse ~1 MB: " --timeout 300 geoparse-big --body "$WORK/big-geoparse.json" > "$WORK/geoparse-big.log" 2>&1 \
    || row "(7) geoparse ~1 MB" "failed (client: $(tail -1 "$WORK/geoparse-big.log"))"
  server_check "(7) geoparse ~1 MB"
  note_hwm

  # ---------------------------------------------------------------- (8) one batch of 10,000 articles
  log "(8) one POST of $BATCH_COUNT short articles"
  arts_before=$(health_articles)
  client 1000 --label "(8) batch of $BATCH_COUNT: " --timeout 900 batch --count "$BATCH_COUNT" > "$WORK/batch.log" 2>&1 \
    || row "(8) batch of $BATCH_COUNT" "failed (client: $(tail -1 "$WORK/batch.log"))"
  server_check "(8) batch of $BATCH_COUNT"
  row "(8) batch of $BATCH_COUNT: articles stored (from /health, after any restart)" "$(awk -v a="$arts_before" -v b="$(health_articles)" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%d of '"$BATCH_COUNT"'", b - a }')"
  note_hwm

  # ---------------------------------------------------------------- (9) concurrent geoparse + tiles
  log "(9) $GEOPARSE_WORKERS concurrent geoparse clients + tiles, ${DURATION}s"
  timeout $((DURATION + 200)) python3 "$HERE/client.py" "${CLIENT_OPTS[@]}" --pid "$SERVER_PID" --label "(9) " --timeout 120 geoparse-concurrent --workers "$GEOPARSE_WORKERS" --seconds $((DURATION + 2)) > "$WORK/geoparse-conc.log" 2>&1 &
  GC=$!; BG_PIDS+=("$GC")
  sleep 1
  wrk_run geoconc tiles
  wrk_rows geoconc "(9) tiles under $GEOPARSE_WORKERS concurrent geoparse:"
  wait "$GC"
  server_check "(9) concurrent geoparse"

  # ---------------------------------------------------------------- end
  rss_row "(4) server RSS at the end"
  HEALTH=$(curl -s --max-time 30 "$URL/health")
  row "(end) /health" "$(python3 -c "import json,sys; h=json.loads(sys.argv[1]); print('articles %s, incidents %s' % (h.get('articles'), h.get('incidents')))" "$HEALTH" 2>/dev/null || echo "$HEALTH" | cut -c1-120)"
  stop_server
  note_hwm
  row "(4) peak VmHWM of any server process" "$(mbof "$MAX_HWM_KB")"
  python3 "$HERE/client.py" --table "$TABLE" --label "(end) " dbstats --db "$DB" > /dev/null || true
fi

# ---------------------------------------------------------------- the table (printed by cleanup, also after a failure)
