#!/usr/bin/env python3
"""Fits the weights of the geoparser's literal/non-literal reading (src/geoparse/literal.rs) and
scores it.

  python3 scripts/fit_literal.py fit   [EVAL_DIR]   # fit on GWN documents 0-99, write data/lexicon/literal_weights.tsv
  python3 scripts/fit_literal.py score [EVAL_DIR] [dev|test]   # accuracy on matched mentions

Mentions are those of `sitrep geoparse --jsonl --literal-features` that match a gold toponym with
coordinates (the scorer's rule: same string, span centres < 10 characters apart). GeoWebNews types
Literal, Literal_Modifier, Embedded_Literal, Coercion and Mixed count as literal, the rest
(Metonymic, Non_Literal_Modifier, Embedded_Non_Lit, Demonym, Language, Homonym) as not.
The fit is an L2-regularised logistic regression by gradient descent (scripts/logistic.py); it prints
the two-fold cross-validated accuracy on the tuning half beside the training accuracy.
"""
import json, os, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from logistic import fit  # noqa: E402

LITERAL = {"Literal", "Literal_Modifier", "Embedded_Literal", "Coercion", "Mixed"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("SITREP_BIN", os.path.join(ROOT, "target/release/sitrep"))
WEIGHTS = os.path.join(ROOT, "data/lexicon/literal_weights.tsv")


def matched(docs):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.write("".join(json.dumps(d) + "\n" for d in docs))
        path = f.name
    out = subprocess.run([BIN, "geoparse", "--jsonl", path, "--literal-features"], check=True,
                         capture_output=True, text=True).stdout
    os.unlink(path)
    pred = {d["id"]: d["toponyms"] for d in map(json.loads, out.splitlines())}
    rows = []
    for g in docs:
        for t in g["toponyms"]:
            if t.get("lat") is None:
                continue
            c = (t["start"] + t["end"]) / 2
            m = [p for p in pred.get(g["id"], []) if p["name"].lower() == t["name"].lower()
                 and abs((p["start"] + p["end"]) / 2 - c) < 10]
            if m:
                p = m[0]
                x = {"bias": 1.0, "kind=" + p["kind"]: 1.0}
                x.update({f: 1.0 for f in p["literal_features"]})
                rows.append((x, 1 if t["type"] in LITERAL else 0, p["literal"]))
    return rows


def accuracy(w, rows):
    return sum((sum(w.get(k, 0.0) * v for k, v in x.items()) > 0) == (y == 1) for x, y, _ in rows) / len(rows)


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else "score"
    ev = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "../shared/eval")
    split = sys.argv[3] if len(sys.argv) > 3 else "dev"
    docs = [json.loads(l) for l in open(os.path.join(ev, "gwn.jsonl"), encoding="utf-8") if l.strip()]
    half = len(docs) // 2
    docs = docs[:half] if (cmd == "fit" or split == "dev") else docs[half:]
    rows = matched(docs)
    lit = sum(y for _, y, _ in rows)
    if cmd == "fit":
        h = len(rows) // 2
        cv = [accuracy(fit(a), b) for a, b in ((rows[:h], rows[h:]), (rows[h:], rows[:h]))]
        w = fit(rows)
        with open(WEIGHTS, "w") as f:
            f.write("# Weights of the literal reading (src/geoparse/literal.rs): feature<TAB>log-odds weight.\n")
            f.write("# Written by `python3 scripts/fit_literal.py fit` on GeoWebNews documents 0-99 "
                    f"({len(rows)} matched mentions); do not edit by hand.\n")
            for k in sorted(w):
                f.write(f"{k}\t{w[k]:.4f}\n")
        print(json.dumps({"mentions": len(rows), "train_accuracy": round(accuracy(w, rows), 4),
                          "cv_accuracy": [round(a, 4) for a in cv], "weights": WEIGHTS}))
    else:
        acc = sum(p == (y == 1) for _, y, p in rows) / len(rows)
        print(json.dumps({"split": split, "mentions": len(rows), "accuracy": round(acc, 4),
                          "majority_baseline": round(max(lit, len(rows) - lit) / len(rows), 4)}))


if __name__ == "__main__":
    main()
