#!/bin/bash
# PostgreSQL/PostGIS backend against SQLite (issue 16), one run, same machine, same articles.
#
# Load: $ARTICLES short conflict briefs generated here (scripts/bench/make_briefs.py: templates
# written for the project over ~60 towns and regions of data/conflict/'s conflicts, each text
# unique), stored once into a SQLite file and once into a throwaway PostgreSQL 15 + PostGIS
# cluster (initdb in a temp dir, loopback port, fsync off as in the tests).
# Measures, per backend, and prints one table with the PostgreSQL/SQLite ratio:
#   (1) CLI ingest of the briefs: articles/s
#   (2) restart: `sitrep serve` on the stored database until /health answers (index loaded)
#   (3) bbox item pages: $QUERIES `/collections/incidents/items?bbox=` over random 2°×2° boxes of
#       the briefs' area, sequential, one keep-alive connection: median and p95 ms
#   (4) cold tiles: $QUERIES distinct z8–z12 tiles over the briefs' towns, each asked once (never
#       cached before): median and p95 ms
#   (5) catch-up: a running server on the database, paused (SIGSTOP) while another process
#       (`sitrep ingest`) writes $CATCHUP more briefs, then resumed: seconds from the resume until
#       its /health counts every stored mention (its index caught up incrementally, no reload)
# Reads are answered from each server's in-memory index on both backends, so (3) and (4) show
# what the backend costs on the read path (nothing, by design) and (2) and (5) what it costs to
# load and to follow other writers.
#
# Run:   bash scripts/bench-pg.sh                       # ARTICLES=20000 CATCHUP=10000 QUERIES=300
#        ARTICLES=2000 CATCHUP=1000 bash scripts/bench-pg.sh   # quick run
# Requires: PostgreSQL 15 and PostGIS 3 (Debian: postgresql-15 postgresql-15-postgis-3), python3,
# a release build (cargo build --release). Traffic stays on 127.0.0.1; every wait is bounded; the
# cluster and servers the script starts are stopped on exit.
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${SITREP_BIN:-$REPO/target/release/sitrep}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
ARTICLES=${ARTICLES:-20000}
CATCHUP=${CATCHUP:-10000}
QUERIES=${QUERIES:-300}
REFRESH_MS=${REFRESH_MS:-200}
die() { echo "bench-pg: $*" >&2; exit 2; }
[ -x "$BIN" ] || die "no binary at $BIN: cargo build --release"
[ -x "$PGBIN/initdb" ] || die "PostgreSQL 15 is missing ($PGBIN/initdb): apt-get install postgresql-15"
[ -f /usr/share/postgresql/15/extension/postgis.control ] || die "PostGIS is missing: apt-get install postgresql-15-postgis-3"

TMP=$(mktemp -d "${BENCH_TMP:-/tmp}/sitrep-bench-pg.XXXXXX")
chmod 755 "$TMP" # the cluster runs as user postgres when this runs as root
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ -n "${PGDATA_DIR:-}" ] && as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m immediate stop >/dev/null 2>&1
  [ -n "${KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# --- the cluster
PGDATA_DIR=$TMP/pg/data
mkdir -p "$TMP/pg" && { [ "$(id -u)" -ne 0 ] || chown postgres "$TMP/pg"; }
as_pg "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null || die "initdb failed"
PGPORT=$(free_port)
as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$TMP/pg/log" -w -t 60 \
  -o "-p $PGPORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$TMP/pg -c fsync=off -c max_connections=100" \
  start >/dev/null || die "PostgreSQL did not start: $(tail -5 "$TMP/pg/log")"
"$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qAt -c "CREATE DATABASE bench" || die "createdb failed"
PG_URL="postgres://postgres@127.0.0.1:$PGPORT/bench"
SQLITE_DB=$TMP/bench.db

# --- the load
python3 "$REPO/scripts/bench/make_briefs.py" --count "$ARTICLES" --seed 1 > "$TMP/briefs.jsonl" || die "make_briefs failed"
python3 "$REPO/scripts/bench/make_briefs.py" --count "$CATCHUP" --seed 2 > "$TMP/catchup.jsonl" || die "make_briefs failed"

declare -A R
ingest() { # db file -> articles/s
  local t0 t1; t0=$(date +%s.%N)
  "$BIN" ingest --db "$1" "$2" > "$TMP/ingest.out" 2>&1 || die "ingest into $1 failed: $(tail -3 "$TMP/ingest.out")"
  t1=$(date +%s.%N)
  python3 -c "import sys; n,a,b=int(sys.argv[1]),float(sys.argv[2]),float(sys.argv[3]); print(f'{n/(b-a):.0f}')" "$(wc -l < "$2")" "$t0" "$t1"
}
serve() { # db port -> pid
  "$BIN" serve --db "$1" --addr "127.0.0.1:$2" --no-samples --refresh-ms "$REFRESH_MS" > "$TMP/serve-$2.log" 2>&1 &
  echo $!
}
wait_health() { # port timeout_s -> seconds until /health answers
  python3 - "$1" "$2" <<'EOF'
import sys, time, urllib.request
port, limit = int(sys.argv[1]), float(sys.argv[2])
t0 = time.time()
while time.time() - t0 < limit:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
        print(f"{time.time() - t0:.2f}"); sys.exit(0)
    except Exception:
        time.sleep(0.05)
print("timeout"); sys.exit(1)
EOF
}
mentions_in() { # db -> stored mentions
  case "$1" in
    postgres://*) "$PGBIN/psql" -d "$1" -qAt -c "SELECT count(*) FROM mentions" ;;
    *) python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from mentions').fetchone()[0])" "$1" ;;
  esac
}

for backend in sqlite pg; do
  db=$SQLITE_DB; [ "$backend" = pg ] && db=$PG_URL
  echo "bench-pg: $backend: ingesting $ARTICLES briefs" >&2
  R[$backend.ingest]=$(ingest "$db" "$TMP/briefs.jsonl")
  port=$(free_port)
  t0=$(date +%s.%N)
  pid=$(serve "$db" "$port"); PIDS+=("$pid")
  R[$backend.restart]=$(wait_health "$port" 600)
  R[$backend.mentions]=$(mentions_in "$db")
  echo "bench-pg: $backend: reads" >&2
  read -r R[$backend.bbox_p50] R[$backend.bbox_p95] R[$backend.tile_p50] R[$backend.tile_p95] < <(
    python3 "$REPO/scripts/bench/read_timings.py" --port "$port" --queries "$QUERIES" --seed 7)
  echo "bench-pg: $backend: catch-up after $CATCHUP briefs written by another process" >&2
  # the server is paused (SIGSTOP) while the other process writes, so it then has every row to
  # catch up on at once, as a replica that was busy or cut off would
  kill -STOP "$pid"
  "$BIN" ingest --db "$db" "$TMP/catchup.jsonl" > "$TMP/ingest.out" 2>&1 || { kill -CONT "$pid"; die "catch-up ingest failed: $(tail -3 "$TMP/ingest.out")"; }
  want=$(mentions_in "$db")
  kill -CONT "$pid"
  R[$backend.catchup]=$(python3 - "$port" "$want" <<'EOF'
import json, sys, time, urllib.request
port, want = int(sys.argv[1]), int(sys.argv[2])
t0 = time.time()
while time.time() - t0 < 120:
    h = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5))
    if h.get("incidents") == want:
        print(f"{time.time() - t0:.2f}"); sys.exit(0)
    time.sleep(0.05)
print(f"timeout ({h.get('incidents')} of {want})")
EOF
)
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
done

ratio() { python3 -c "import sys
try: print(f'{float(sys.argv[2])/float(sys.argv[1]):.2f}')
except Exception: print('-')" "$1" "$2"; }
echo
echo "sitrep bench-pg: $ARTICLES briefs ($(printf %s "${R[sqlite.mentions]}") mentions on SQLite, ${R[pg.mentions]} on PostgreSQL), catch-up $CATCHUP, $QUERIES queries, refresh ${REFRESH_MS} ms"
printf '%-44s %12s %12s %10s\n' "figure" "SQLite" "PostgreSQL" "PG/SQLite"
row() { printf '%-44s %12s %12s %10s\n' "$1" "${R[sqlite.$2]}" "${R[pg.$2]}" "$(ratio "${R[sqlite.$2]}" "${R[pg.$2]}")"; }
row "CLI ingest, articles/s" ingest
row "restart until /health, s" restart
row "bbox items page p50, ms" bbox_p50
row "bbox items page p95, ms" bbox_p95
row "cold tile p50, ms" tile_p50
row "cold tile p95, ms" tile_p95
row "catch-up of $CATCHUP briefs by another writer, s" catchup
