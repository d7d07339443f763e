#!/usr/bin/env bash
# Runs every test of sitrep: the Rust unit and integration tests (real server on loopback, real
# SQLite, a throwaway PostgreSQL/PostGIS cluster, GDAL's ogrinfo as an independent OGC API client)
# and the browser end-to-end test
# (headless Chromium). Installs what the tests need first when it is missing (Debian, as root).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v ogrinfo >/dev/null || need_apt+=(gdal-bin)
command -v chromium >/dev/null || need_apt+=(chromium)
[ -d /usr/share/fonts/truetype/noto ] || need_apt+=(fonts-noto-core)
command -v node >/dev/null || need_apt+=(nodejs npm)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need_apt+=(postgresql-15)
[ -f /usr/share/postgresql/15/extension/postgis.control ] || need_apt+=(postgresql-15-postgis-3)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "run as root, or install these Debian packages first: ${need_apt[*]}" >&2
    exit 1
  fi
fi

cargo build --release --locked
cargo test --release --locked
# The HTTP suites again with every server on a fresh PostgreSQL (PostGIS) database instead of a
# SQLite file (tests/common/pg.rs starts a throwaway cluster).
SITREP_TEST_BACKEND=postgres cargo test --release --locked \
  --test http_api --test articles_api --test tiles_http --test gis_clients --test live --test roles --test reviews --test reports

if [ -f tests/e2e/package.json ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --silent \
    && SITREP_BIN="$OLDPWD/target/release/sitrep" node --test map.test.mjs archive.test.mjs)
fi
