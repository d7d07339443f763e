#!/usr/bin/env bash
# What each filter of the geoparser is worth: `sitrep eval --explain` over the tuning halves and the
# golden set (never the held-out halves), as one Markdown table.
# Usage: scripts/explain.sh [EVAL_DIR]   (default ../shared/eval) -> $OUT/explain.md (OUT=target/eval)
# Columns: fired = spans the filter rejected (first of its stage to do so), summed over the corpora;
# changed = mentions added, dropped or resolved differently when it alone is turned off; then the F1
# and acc@161 of each corpus without it, as differences from the figures with every filter
# (negative: the filter helps).
set -euo pipefail
cd "$(dirname "$0")/.."
EVAL=${1:-../shared/eval}
OUT=${OUT:-target/eval}
THREADS=${THREADS:-2}
mkdir -p "$OUT"
cargo build --release --quiet
BIN=${SITREP_BIN:-${CARGO_TARGET_DIR:-target}/release/sitrep}
python3 - "$EVAL" "$OUT" <<'PY'
import sys
ev, out = sys.argv[1:3]
for c in ["gwn", "lgl", "trnews", "geovirus"]:
    lines = [l for l in open(f"{ev}/{c}.jsonl", encoding="utf-8").read().split("\n") if l.strip()]
    open(f"{out}/{c}-dev.jsonl", "w", encoding="utf-8").write("\n".join(lines[: len(lines) // 2]) + "\n")
PY
for c in gwn lgl trnews geovirus golden; do
  if [ "$c" = golden ]; then gold=data/golden/conflict.jsonl; name=golden; else gold="$OUT/$c-dev.jsonl"; name="$c-dev"; fi
  dem=include; case $c in geovirus|golden) dem=exclude ;; esac
  "$BIN" eval "$gold" --demonyms $dem --threads "$THREADS" --explain > "$OUT/$name.explain.json"
done
python3 - "$OUT" <<'PY' > "$OUT/explain.md"
import json, sys
out = sys.argv[1]
names = ["gwn-dev", "lgl-dev", "trnews-dev", "geovirus-dev", "golden"]
runs = {n: json.load(open(f"{out}/{n}.explain.json")) for n in names}
ids = [r["id"] for r in runs[names[0]]["rules"]]
print("| rule | fired | changed | " + " | ".join(f"{n} ΔF1 | Δacc161" for n in names) + " |")
print("|---|---:|---:|" + "---:|---:|" * len(names))
print("| (every rule) | | | " + " | ".join("%.3f | %.3f" % (runs[n]["with_every_rule"]["f1"], runs[n]["with_every_rule"]["acc161"]) for n in names) + " |")
for i, rid in enumerate(ids):
    rs = [runs[n]["rules"][i] for n in names]
    fired = sum(r["fired"] for r in rs)
    changed = sum(r["changed_mentions"] for r in rs)
    cells = []
    for n, r in zip(names, rs):
        base = runs[n]["with_every_rule"]
        cells.append("%+.3f | %+.3f" % (r["without"]["f1"] - base["f1"], (r["without"]["acc161"] or 0) - (base["acc161"] or 0)))
    print(f"| {rid} | {fired} | {changed} | " + " | ".join(cells) + " |")
PY
cat "$OUT/explain.md"
