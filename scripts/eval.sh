#!/usr/bin/env bash
# Scores the geoparser on the evaluation corpora beside the best published system.
# Usage: scripts/eval.sh [EVAL_DIR]   (default ../shared/eval; data from $SITREP_DATA or ./data)
# GWN is split into dev (documents 0-99, the only split tuned on) and held-out (100-199).
set -euo pipefail
cd "$(dirname "$0")/.."
EVAL=${1:-../shared/eval}
OUT=${OUT:-target/eval}
mkdir -p "$OUT"
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/sitrep
python3 - "$EVAL/gwn.jsonl" "$OUT" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
open(f"{sys.argv[2]}/gwn-dev.jsonl", "w", encoding="utf-8").write("\n".join(lines[:100]) + "\n")
open(f"{sys.argv[2]}/gwn-heldout.jsonl", "w", encoding="utf-8").write("\n".join(lines[100:200]) + "\n")
PY
declare -A GOLD=([gwn-dev]="$OUT/gwn-dev.jsonl" [gwn-heldout]="$OUT/gwn-heldout.jsonl" [lgl]="$EVAL/lgl.jsonl" [trnews]="$EVAL/trnews.jsonl" [geovirus]="$EVAL/geovirus.jsonl")
# best published F1 / acc161_end_to_end per corpus (README of the evaluation data)
declare -A PEER=([gwn-dev]="0.740 0.518" [gwn-heldout]="0.740 0.518" [lgl]="0.714 0.411" [trnews]="0.808 0.531" [geovirus]="0.915 0.618")
printf "%-12s %6s %6s %6s %7s %7s | %8s %8s | %9s\n" corpus P R F1 acc161 e2e peerF1 peerE2E docs/s
for c in gwn-dev gwn-heldout lgl trnews geovirus; do
  # GeoVirus does not annotate demonyms ("Chinese" is no toponym there); the other corpora do.
  dem=include; [ "$c" = geovirus ] && dem=exclude
  "$BIN" geoparse --jsonl "${GOLD[$c]}" --demonyms $dem > "$OUT/$c.pred.jsonl"
  s=$(python3 "$EVAL/score.py" "${GOLD[$c]}" "$OUT/$c.pred.jsonl")
  dps=$("$BIN" eval "${GOLD[$c]}" --demonyms $dem | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents_per_second"])')
  read -r pf pe <<< "${PEER[$c]}"
  python3 -c 'import json,sys; s=json.loads(sys.argv[1]); print("%-12s %6.3f %6.3f %6.3f %7.3f %7.3f | %8s %8s | %9s" % (sys.argv[2], s["precision"], s["recall"], s["f1"], s["acc161"], s["acc161_end_to_end"], sys.argv[3], sys.argv[4], sys.argv[5]))' "$s" "$c" "$pf" "$pe" "$dps"
done
for t in 1 2; do
  echo "lgl.jsonl --threads $t: $("$BIN" eval "$EVAL/lgl.jsonl" --threads $t | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["documents_per_second"], "documents/s")')"
done
