#!/usr/bin/env python3
"""Benchmark load for scripts/bench-realistic.sh: articles built from the evaluation corpora.

Measures nothing itself. It turns the news texts of ../shared/eval/*.jsonl (GeoWebNews, LGL,
TR-News, GeoVirus: the real mix of place mentions) into sitrep articles, written to a temp dir at
run time (never into the repository: the texts belong to their publishers). To scale past the
~1,100 corpus documents it makes variants: variant i of document d gets a published date that moves
with i and a short unique lower-case suffix ("bench ref h00001234"), so every text has its own
SHA-256 (ingest is idempotent by text hash) while the mentions stay those of the original text.
The same reference is put in the title, so a probe can find an article's incidents with `q=`.

Run (stdlib only):
  python3 scripts/bench/make_articles.py --eval ../shared/eval articles --count 90000 --out /tmp/x/a.jsonl
  python3 scripts/bench/make_articles.py --eval ../shared/eval sample --out /tmp/x/sample.jsonl
  python3 scripts/bench/make_articles.py --eval ../shared/eval concat --bytes 1000000 --out /tmp/x/big.json
  python3 scripts/bench/make_articles.py --eval ../shared/eval mpa --predictions preds.jsonl
Also imported by client.py (the HTTP load), which makes its variants in process.
"""
import argparse
import datetime
import glob
import json
import os
import sys

CORPORA = ("gwn", "lgl", "trnews", "geovirus")
BASE_DATE = datetime.date(2019, 1, 1)
DATE_SPAN_DAYS = 6 * 365  # 2019..2024: curated features valid on the day vary with it


def load_docs(eval_dir):
    """Every corpus document as {"id", "title", "url", "text"}, in a fixed order."""
    docs = []
    names = [os.path.join(eval_dir, f"{c}.jsonl") for c in CORPORA]
    names = [n for n in names if os.path.exists(n)] or sorted(glob.glob(os.path.join(eval_dir, "*.jsonl")))
    for name in names:
        corpus = os.path.basename(name)[: -len(".jsonl")]
        with open(name, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                d = json.loads(line)
                text = d.get("text") or ""
                if not text.strip():
                    continue
                docs.append({
                    "id": str(d.get("id", f"{corpus}-{len(docs)}")),
                    "corpus": corpus,
                    "title": (d.get("title") or "").strip() or None,
                    "url": d.get("url") or None,
                    "text": text,
                })
    if not docs:
        raise SystemExit(f"make_articles: no documents with text in {eval_dir}/*.jsonl")
    return docs


def ref(namespace, i):
    """The unique lower-case reference of variant i (no capitals: it must not look like a place)."""
    return f"{namespace}{i:08d}"


def short_text(text, limit):
    """The first sentences of a text, at most `limit` characters (cut at a sentence end if one is near)."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind(".\n"))
    return cut[: end + 1] if end > limit // 3 else cut


def variant(docs, i, namespace="a", short=None):
    """Article number i of the stream `namespace`: document i mod n, pass i div n."""
    d = docs[i % len(docs)]
    r = ref(namespace, i)
    day = BASE_DATE + datetime.timedelta(days=(i * 37 + i // len(docs)) % DATE_SPAN_DAYS)
    text = d["text"] if short is None else short_text(d["text"], short)
    title = d["title"] or text.split("\n", 1)[0][:80]
    return {
        "title": f"{title} [{r}]",
        "url": (d["url"] or f"https://example.invalid/{d['id']}") + f"#{r}",
        "published": day.isoformat(),
        "source": f"bench-{d['corpus']}",
        "text": f"{text}\n\nbench ref {r}",
    }


def variants(docs, start, count, namespace="a", short=None):
    for i in range(start, start + count):
        yield variant(docs, i, namespace, short)


def concat_text(docs, nbytes):
    """Corpus texts joined by blank lines until about `nbytes` UTF-8 bytes (one big news text)."""
    parts, size, i = [], 0, 0
    while size < nbytes:
        t = docs[i % len(docs)]["text"]
        b = len(t.encode("utf-8")) + 2
        if size + b > nbytes:
            t = t.encode("utf-8")[: max(0, nbytes - size - 2)].decode("utf-8", "ignore")
            b = len(t.encode("utf-8")) + 2
            if not t:
                break
        parts.append(t)
        size += b
        i += 1
    return "\n\n".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval", required=True, help="directory of the evaluation corpora (../shared/eval)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("articles", help="JSONL of article variants for `sitrep ingest`")
    a.add_argument("--count", type=int, required=True)
    a.add_argument("--start", type=int, default=0)
    a.add_argument("--namespace", default="a")
    a.add_argument("--short", type=int, default=None, help="keep only the first N characters of each text")
    a.add_argument("--out", required=True)
    s = sub.add_parser("sample", help="every corpus document as {id,text} JSONL for `sitrep geoparse --jsonl`")
    s.add_argument("--out", required=True)
    c = sub.add_parser("concat", help="a {\"text\": ...} JSON body of about N bytes of news text")
    c.add_argument("--bytes", type=int, default=1_000_000)
    c.add_argument("--out", required=True)
    m = sub.add_parser("mpa", help="stored mentions per article from `sitrep geoparse --jsonl` output")
    m.add_argument("--predictions", required=True)
    args = ap.parse_args()

    docs = load_docs(args.eval)
    if args.cmd == "articles":
        text_bytes = 0
        with open(args.out, "w", encoding="utf-8") as f:
            for art in variants(docs, args.start, args.count, args.namespace, args.short):
                text_bytes += len(art["text"].encode("utf-8"))
                f.write(json.dumps(art, ensure_ascii=False) + "\n")
        print(json.dumps({"articles": args.count, "text_bytes": text_bytes, "docs": len(docs)}))
    elif args.cmd == "sample":
        with open(args.out, "w", encoding="utf-8") as f:
            for i, art in enumerate(variants(docs, 0, len(docs), "s")):
                f.write(json.dumps({"id": str(i), "text": art["text"], "date": art["published"]}, ensure_ascii=False) + "\n")
        print(json.dumps({"docs": len(docs)}))
    elif args.cmd == "concat":
        text = concat_text(docs, args.bytes)
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump({"text": text}, f, ensure_ascii=False)
        print(json.dumps({"text_bytes": len(text.encode("utf-8"))}))
    elif args.cmd == "mpa":
        n = places = demonyms = 0
        with open(args.predictions, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                p = json.loads(line)
                n += 1
                for t in p.get("toponyms", []):
                    if t.get("role", "place") == "place":
                        places += 1
                    else:
                        demonyms += 1
        if n == 0:
            raise SystemExit("make_articles mpa: no predictions")
        # only role=place mentions are stored (demonyms are reported, not mapped)
        print(json.dumps({"docs": n, "place_mentions": places, "demonyms": demonyms, "per_article": places / n}))


if __name__ == "__main__":
    sys.exit(main())
