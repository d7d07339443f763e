#!/usr/bin/env python3
"""Checks a gold file in the evaluation JSONL format (default data/golden/conflict.jsonl): ids unique,
code-point offsets inside the text, text[start:end] == name, no overlapping toponyms, coordinates in range,
and the golden set's extra keys (style, kind, demonyms, precision) well formed. Exit status 1 on any error.

Usage: python3 scripts/golden_check.py [FILE...]
"""
import json
import os
import sys

STYLES = {"wire", "note", "headline", "post"}
KINDS = {"qualifier", "missing-village", "org", "person-like", "folded-foreign", "alone", "variant", "trap"}


def check(path):
    errors, ids, n_docs, n_tops = [], set(), 0, 0
    for lineno, line in enumerate(open(path, encoding="utf-8"), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            d = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"{where}: malformed JSON: {e}")
            continue
        n_docs += 1
        did, text = d.get("id"), d.get("text")
        if not isinstance(did, str) or not did:
            errors.append(f"{where}: no id")
        elif did in ids:
            errors.append(f"{where}: duplicate id {did}")
        ids.add(did)
        if not isinstance(text, str):
            errors.append(f"{where}: no text")
            continue
        if "style" in d and d["style"] not in STYLES:
            errors.append(f"{where}: style {d['style']!r} not one of {sorted(STYLES)}")
        if "kind" in d and d["kind"] not in KINDS:
            errors.append(f"{where}: kind {d['kind']!r} not one of {sorted(KINDS)}")
        if "demonyms" in d and d["demonyms"] not in ("excluded", "included"):
            errors.append(f"{where}: demonyms must be excluded or included")
        spans = []
        for t in d.get("toponyms", []):
            n_tops += 1
            s, e, name = t.get("start"), t.get("end"), t.get("name")
            if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text)):
                errors.append(f"{where} ({did}): bad offsets {s}..{e} (text has {len(text)} code points)")
                continue
            if text[s:e] != name:
                errors.append(f"{where} ({did}): text[{s}:{e}] is {text[s:e]!r}, name is {name!r}")
            lat, lon = t.get("lat"), t.get("lon")
            if (lat is None) != (lon is None):
                errors.append(f"{where} ({did}): {name}: lat and lon must both be given or both null")
            elif lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
                errors.append(f"{where} ({did}): {name}: coordinates out of range")
            if "precision" in t and t["precision"] not in (1, 2, 3, 4):
                errors.append(f"{where} ({did}): {name}: precision must be 1-4")
            if t.get("geonameid") is not None and not (isinstance(t["geonameid"], int) and t["geonameid"] > 0):
                errors.append(f"{where} ({did}): {name}: geonameid must be a positive integer")
            spans.append((s, e, name))
        spans.sort()
        for a, b in zip(spans, spans[1:]):
            if b[0] < a[1]:
                errors.append(f"{where} ({did}): {a[2]!r} and {b[2]!r} overlap")
    return errors, n_docs, n_tops


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    paths = sys.argv[1:] or [os.path.join(root, "data", "golden", "conflict.jsonl")]
    bad = False
    for p in paths:
        errors, n_docs, n_tops = check(p)
        for e in errors:
            print(e)
        bad |= bool(errors)
        print(f"{p}: {n_docs} documents, {n_tops} toponyms, {len(errors)} error(s)")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
