#!/usr/bin/env python3
"""Fits the weights of the geoparser's confidence (src/geoparse/confidence.rs) and prints its
reliability table.

  python3 scripts/fit_confidence.py fit   [EVAL_DIR]            # fit on the tuning halves + golden set,
                                                               # write data/lexicon/confidence_weights.tsv
  python3 scripts/fit_confidence.py score [EVAL_DIR] [dev|test] # reliability of the shipped weights

The tuning data are the first half of each shared corpus (GeoWebNews 0-99, LGL 0-293, TR-News
0-58, GeoVirus 0-114) and the project's golden conflict set (data/golden/conflict.jsonl); `score
test` reads the second halves (held out: report once, never fit or choose on them). Every mention
`sitrep geoparse --jsonl --confidence-features` gives is a row: label 1 when it matches a gold
toponym with coordinates (score.py's inexact rule: same string, span centres < 10 characters apart,
greedy in gold order) and lies within 161 km of it, else 0 — a false positive, or the right name
placed elsewhere. Demonyms are left out where the corpus does not annotate them (GeoVirus, golden),
as scripts/eval.sh does. The fit is scripts/logistic.py (Newton's method); `fit` chooses the L2 strength by two-fold
cross-validation over documents and prints the reliability of the out-of-fold probabilities, the
honest figure for the tuning data.
"""
import json, math, os, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from logistic import fit_exact, prob  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("SITREP_BIN", os.path.join(ROOT, "target/release/sitrep"))
WEIGHTS = os.path.join(ROOT, "data/lexicon/confidence_weights.tsv")
GOLDEN = os.path.join(ROOT, "data/golden/conflict.jsonl")
CORPORA = [("gwn", "include"), ("lgl", "include"), ("trnews", "include"), ("geovirus", "exclude")]


def haversine_km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def load(path):
    return [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]


def corpora(ev, split):
    out = []
    for name, dem in CORPORA:
        docs = load(os.path.join(ev, f"{name}.jsonl"))
        half = len(docs) // 2
        out.append((name, docs[:half] if split == "dev" else docs[half:], dem))
    if split == "dev":
        out.append(("golden", load(GOLDEN), "exclude"))
    return out


def rows_of(name, docs, dem):
    """(features, label, shipped confidence, document key) for every predicted mention."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        f.write("".join(json.dumps(d) + "\n" for d in docs))
        path = f.name
    out = subprocess.run([BIN, "geoparse", "--jsonl", path, "--confidence-features", "--demonyms", dem],
                         check=True, capture_output=True, text=True).stdout
    os.unlink(path)
    pred = {d["id"]: d["toponyms"] for d in map(json.loads, out.splitlines())}
    rows = []
    for d in docs:
        preds = [p for p in pred.get(d["id"], []) if p.get("lat") is not None]
        right = [0] * len(preds)
        gold = sorted((t for t in d["toponyms"] if t.get("lat") is not None), key=lambda t: (t["start"], t["end"]))
        free = list(range(len(preds)))
        for g in gold:
            c = (g["start"] + g["end"]) / 2
            hit = next((i for i in free if preds[i]["name"].lower() == g["name"].lower()
                        and abs((preds[i]["start"] + preds[i]["end"]) / 2 - c) < 10), None)
            if hit is None:
                continue
            free.remove(hit)
            p = preds[hit]
            right[hit] = int(haversine_km(g["lat"], g["lon"], p["lat"], p["lon"]) < 161)
        for p, y in zip(preds, right):
            x = {"bias": 1.0, "kind=" + p["kind"]: 1.0}
            x.update({f: 1.0 for f in p["confidence_features"]})
            rows.append((x, y, p["confidence"], f"{name}:{d['id']}"))
    return rows


def reliability(pairs, bins=10):
    """Table rows (lo, hi, n, mean confidence, fraction right), expected calibration error, Brier."""
    table, ece = [], 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        sel = [(p, y) for p, y in pairs if lo <= p < hi or (b == bins - 1 and p == 1.0)]
        if sel:
            mp = sum(p for p, _ in sel) / len(sel)
            fy = sum(y for _, y in sel) / len(sel)
            ece += len(sel) / len(pairs) * abs(mp - fy)
            table.append((lo, hi, len(sel), mp, fy))
    brier = sum((p - y) ** 2 for p, y in pairs) / len(pairs)
    return table, ece, brier


def report(title, pairs):
    table, ece, brier = reliability(pairs)
    right = sum(y for _, y in pairs)
    print(f"{title}: {len(pairs)} mentions, {right / len(pairs):.3f} right; ECE {ece:.3f}, Brier {brier:.3f}")
    print("  confidence     mentions  mean conf  fraction right")
    for lo, hi, n, mp, fy in table:
        print(f"  {lo:.1f}-{hi:.1f}        {n:8d}  {mp:9.3f}  {fy:14.3f}")
    return {"mentions": len(pairs), "ece": round(ece, 4), "brier": round(brier, 4)}


def folds(rows):
    keys = sorted({r[3] for r in rows})
    side = {k: i % 2 for i, k in enumerate(keys)}
    return [[r for r in rows if side[r[3]] != f] for f in (0, 1)], [[r for r in rows if side[r[3]] == f] for f in (0, 1)]


def main():
    sys.stdout.reconfigure(line_buffering=True)
    cmd = sys.argv[1] if len(sys.argv) > 1 else "score"
    ev = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "../shared/eval")
    split = "dev" if cmd == "fit" else (sys.argv[3] if len(sys.argv) > 3 else "dev")
    parts = [(name, rows_of(name, docs, dem)) for name, docs, dem in corpora(ev, split)]
    rows = [r for _, rs in parts for r in rs]
    if cmd == "fit":
        train, held = folds(rows)
        best = None
        for lam in (0.1, 0.3, 1.0, 3.0, 10.0):
            models = [fit_exact(a, lam=lam) for a in train]
            oof = [(prob(w, r[0]), r[1]) for w, b in zip(models, held) for r in b]
            ll = -sum(math.log(max(1e-9, p if y else 1 - p)) for p, y in oof) / len(oof)
            print(f"L2 {lam:5.1f}: out-of-fold log-loss {ll:.4f}")
            if best is None or ll < best[0]:
                best = (ll, lam, oof)
        _, lam, oof = best
        report(f"out-of-fold (two-fold over documents, L2 {lam})", oof)
        w = fit_exact(rows, lam=lam)
        with open(WEIGHTS, "w") as f:
            f.write("# Weights of the confidence reading (src/geoparse/confidence.rs): feature<TAB>log-odds weight.\n")
            f.write("# Written by `python3 scripts/fit_confidence.py fit` on the tuning halves (GWN 0-99, LGL 0-293,\n")
            f.write(f"# TR-News 0-58, GeoVirus 0-114) and the golden set: {len(rows)} mentions, L2 {lam}; do not edit by hand.\n")
            for k in sorted(w):
                f.write(f"{k}\t{w[k]:.4f}\n")
        print(json.dumps({"mentions": len(rows), "l2": lam, "weights": WEIGHTS}))
    else:
        out = {"split": split}
        for name, rs in parts:
            out[name] = report(f"{name}-{split}", [(r[2], r[1]) for r in rs])
        out["all"] = report(f"all-{split}", [(r[2], r[1]) for r in rows])
        print(json.dumps(out))


if __name__ == "__main__":
    main()
