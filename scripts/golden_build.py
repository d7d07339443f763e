#!/usr/bin/env python3
"""Builds data/golden/conflict.jsonl from the hand-annotated source data/golden/conflict.src and the
place table data/golden/places.tsv (see the head of each file for its format).

A place is given by hand coordinates (`lat,lon`), by a GeoNames id of the shipped gazetteer (`gid:N`,
coordinates read from data/gazetteer/places.tsv.gz), by an admin-1 unit (`A1:CC:Name`, Natural Earth label
point and GeoNames id from data/gazetteer/admin1.geojson.gz) or by a curated feature (`CUR:id`, its label
point in data/conflict/*.geojson). The build only reads those files; the test never runs it.

Usage: python3 scripts/golden_build.py [--check]   (then python3 scripts/golden_check.py)
--check: write nothing; exit 1 if conflict.jsonl is not what the source builds (CI).
"""
import glob
import gzip
import json
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
G = os.path.join(ROOT, "data", "golden")
MARK = re.compile(r"\[([^\]|]+)(?:\|([^\]|]*))?(?:\|(\d))?\]")
STYLES = {"wire", "note", "headline", "post"}
KINDS = {"qualifier", "missing-village", "org", "person-like", "folded-foreign", "alone", "variant", "trap"}


def slug(s):
    return re.sub(r"[^a-z0-9]+", "-", s.lower().replace("'", "")).strip("-")


def load_places():
    table = {}
    for lineno, line in enumerate(open(os.path.join(G, "places.tsv"), encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) < 3:
            sys.exit(f"places.tsv:{lineno}: want KEY<TAB>SPEC<TAB>PRECISION[<TAB>note]")
        key, spec, prec = f[0], f[1], int(f[2])
        if key in table:
            sys.exit(f"places.tsv:{lineno}: duplicate key {key}")
        table[key] = (spec, prec)
    return table


def resolver(specs):
    gids = {int(s[4:]) for s, _ in specs if s.startswith("gid:")}
    rows = {}
    if gids:
        with gzip.open(os.path.join(ROOT, "data", "gazetteer", "places.tsv.gz"), "rt", encoding="utf-8") as fh:
            next(fh)
            for line in fh:
                f = line.split("\t", 5)
                if int(f[0]) in gids:
                    rows[int(f[0])] = (float(f[3]), float(f[4]))
    a1 = {}
    if any(s.startswith("A1:") for s, _ in specs):
        for feat in json.load(gzip.open(os.path.join(ROOT, "data", "gazetteer", "admin1.geojson.gz")))["features"]:
            p = feat["properties"]
            for n in [p["name"]] + list(p.get("names") or []):
                a1.setdefault((p["country"], n), (p["label"][1], p["label"][0], p.get("geonameid")))
    cur = {}
    for path in glob.glob(os.path.join(ROOT, "data", "conflict", "*.geojson")):
        for feat in json.load(open(path, encoding="utf-8"))["features"]:
            p = feat["properties"]
            cur.setdefault(p["id"], (p["label"][1], p["label"][0], p.get("geonameid")))

    def resolve(spec):
        if spec.startswith("gid:"):
            g = int(spec[4:])
            if g not in rows:
                raise KeyError(f"geonameid {g} not in the shipped gazetteer")
            return rows[g] + (g,)
        if spec.startswith("A1:"):
            _, cc, name = spec.split(":", 2)
            return a1[(cc, name)]
        if spec.startswith("CUR:"):
            return cur[spec[4:]]
        lat, lon = spec.split(",")[:2]
        rest = spec.split(",")[2:]
        return float(lat), float(lon), int(rest[0]) if rest else None

    return resolve


def main():
    places = load_places()
    resolve = resolver(list(places.values()))
    out, counts, errors = [], {}, []
    for lineno, line in enumerate(open(os.path.join(G, "conflict.src"), encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        head, src = line.split(" :: ", 1)
        style, kind = head.split()
        if style not in STYLES or kind not in KINDS:
            errors.append(f"conflict.src:{lineno}: unknown style or kind {head!r}")
            continue
        text, tops, pos = "", [], 0
        for m in MARK.finditer(src):
            text += src[pos : m.start()]
            surface, key, prec = m.group(1), m.group(2) or slug(m.group(1)), m.group(3)
            if key not in places:
                errors.append(f"conflict.src:{lineno}: no place {key!r} in places.tsv")
                key = None
            start = len(text)
            text += surface
            pos = m.end()
            if key is None:
                continue
            spec, p = places[key]
            try:
                lat, lon, gid = resolve(spec)
            except KeyError as e:
                errors.append(f"places.tsv: {key}: {e}")
                continue
            t = {"start": start, "end": start + len(surface), "name": surface, "lat": round(lat, 4), "lon": round(lon, 4)}
            t["geonameid"] = gid or None
            t.update({"type": "Literal", "precision": int(prec) if prec else p})
            tops.append(t)
        text += src[pos:]
        if "[" in text or "]" in text:
            errors.append(f"conflict.src:{lineno}: unbalanced markup")
        counts[kind] = counts.get(kind, 0) + 1
        doc = {"id": f"{kind}-{counts[kind]:03d}", "style": style, "kind": kind, "demonyms": "excluded", "text": text, "toponyms": tops}
        out.append(doc)
    if errors:
        sys.exit("\n".join(errors))
    body = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in out)
    path = os.path.join(G, "conflict.jsonl")
    if "--check" in sys.argv[1:]:
        current = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
        if current != body:
            sys.exit(f"{path} is out of date: run python3 scripts/golden_build.py")
    else:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(body)
    print(f"{len(out)} documents, {sum(len(d['toponyms']) for d in out)} toponyms", file=sys.stderr)


if __name__ == "__main__":
    main()
