#!/usr/bin/env bash
# Scores the geoparser on the evaluation corpora beside the best published system.
# Usage: scripts/eval.sh [EVAL_DIR]   (default ../shared/eval; data from $SITREP_DATA or ./data)
#        SPLIT=dev  (default) the tuning halves: GWN 0-99, LGL 0-293, TR-News 0-58, GeoVirus 0-114
#        SPLIT=test the held-out halves, reported once at the end of a piece of work, never tuned on
# Also the project's own conflict-domain golden set (data/golden/conflict.jsonl, a tuning set).
set -euo pipefail
cd "$(dirname "$0")/.."
EVAL=${1:-../shared/eval}
SPLIT=${SPLIT:-dev}
OUT=${OUT:-target/eval}
mkdir -p "$OUT"
cargo build --release --quiet
BIN=${SITREP_BIN:-${CARGO_TARGET_DIR:-target}/release/sitrep}
python3 - "$EVAL" "$OUT" "$SPLIT" <<'PY'
import sys
ev, out, split = sys.argv[1:4]
for c in ["gwn", "lgl", "trnews", "geovirus"]:
    lines = open(f"{ev}/{c}.jsonl", encoding="utf-8").read().split("\n")
    lines = [l for l in lines if l.strip()]
    half = len(lines) // 2
    part = lines[:half] if split == "dev" else lines[half:]
    open(f"{out}/{c}-{split}.jsonl", "w", encoding="utf-8").write("\n".join(part) + "\n")
PY
printf "%-16s %6s %6s %6s %7s %7s | %9s\n" corpus P R F1 acc161 e2e docs/s
for c in gwn lgl trnews geovirus golden; do
  if [ "$c" = golden ]; then gold=data/golden/conflict.jsonl; name=golden; else gold="$OUT/$c-$SPLIT.jsonl"; name="$c-$SPLIT"; fi
  # GeoVirus does not annotate demonyms ("Chinese" is no toponym there), nor does the golden set.
  dem=include; case $c in geovirus|golden) dem=exclude ;; esac
  "$BIN" geoparse --jsonl "$gold" --demonyms $dem > "$OUT/$name.pred.jsonl"
  s=$(python3 "$EVAL/score.py" "$gold" "$OUT/$name.pred.jsonl")
  dps=$("$BIN" eval "$gold" --demonyms $dem | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents_per_second"])')
  python3 -c 'import json,sys; s=json.loads(sys.argv[1]); print("%-16s %6.3f %6.3f %6.3f %7.3f %7.3f | %9s" % (sys.argv[2], s["precision"], s["recall"], s["f1"], s["acc161"], s["acc161_end_to_end"], sys.argv[3]))' "$s" "$name" "$dps"
done
