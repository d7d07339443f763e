#!/usr/bin/env python3
"""HTTP clients and probes of scripts/bench-realistic.sh (stdlib only; 127.0.0.1 only).

Measures, each subcommand appending labelled rows ("label<TAB>value") to --table:
  dbstats   database size (file + WAL) and bytes per stored mention beyond the article texts
  ingest    POST /api/articles in batches (default 50) for --seconds: articles/s, mentions/s,
            batch latency; with --probe-interval, a second thread posts one article at a time and
            times "new incident visible": from the POST's answer until GET
            /collections/incidents/items?bbox=(around one of its mentions)&q=(its unique ref) lists it
  batch     one POST of --count short articles (default 10,000, body kept under 8 MiB): status, time,
            RSS growth of the server
  geoparse-big         one POST /api/geoparse of a big text (~1 MB): status, time, size, RSS growth
  geoparse-concurrent  --workers (50) threads POSTing /api/geoparse with corpus articles for --seconds
  rss       the server's VmRSS / VmHWM now
Every request has a timeout; every loop a deadline. The articles come from make_articles.py
(corpus texts made unique), built in process.

Run (the bench script does this; by hand, with a server on PORT started with --token T):
  python3 scripts/bench/client.py --url http://127.0.0.1:PORT --token T --eval ../shared/eval \
      --pid SERVER_PID --table /tmp/t.tsv ingest --seconds 20 --batch 50 --probe-interval 2
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import re
import sqlite3
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_articles  # noqa: E402

MAX_BODY = 8 * 1024 * 1024


# ------------------------------------------------------------------ helpers
def proc_status(pid, field):
    """A /proc/PID/status size field in MB, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        return None
    return None


def alive(pid):
    return pid is not None and os.path.exists(f"/proc/{pid}/status") and proc_status(pid, "VmRSS") is not None


def mb(v):
    return "-" if v is None else f"{v:,.0f} MB"


def pct(values, p):
    if not values:
        return None
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * (len(v) - 1)))))
    return v[k]


def ms(v):
    return "-" if v is None else (f"{v * 1000:,.1f} ms" if v < 10 else f"{v:,.1f} s")


class Table:
    def __init__(self, path):
        self.path = path

    def row(self, label, value):
        line = f"{label}\t{value}"
        print("  " + line.replace("\t", ": "), flush=True)
        if self.path:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(line + "\n")


class Client:
    """One keep-alive connection to the server (reconnects after an error)."""

    def __init__(self, url, token=None, timeout=60.0):
        u = urllib.parse.urlsplit(url)
        if u.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"client.py: refusing non-loopback host {u.hostname}")
        self.host, self.port, self.token, self.timeout = u.hostname, u.port or 80, token, timeout
        self.conn = None

    def request(self, method, path, body=None, timeout=None):
        """(status, body bytes); status 0 and the error text on a connection failure or timeout."""
        headers = {"Connection": "keep-alive"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in (0, 1):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout or self.timeout)
                else:
                    self.conn.timeout = timeout or self.timeout
                    if self.conn.sock is not None:
                        self.conn.sock.settimeout(timeout or self.timeout)
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.close()
                return r.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                self.close()
                if attempt == 1 or method != "GET":  # a stale keep-alive GET is retried once, a POST never
                    return 0, f"{type(e).__name__}: {e}".encode()
            except (OSError, http.client.HTTPException) as e:
                self.close()
                return 0, f"{type(e).__name__}: {e}".encode()
        return 0, b"unreachable"

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
        self.conn = None


def post_json(client, path, obj, timeout=None):
    return client.request("POST", path, json.dumps(obj, ensure_ascii=False).encode("utf-8"), timeout)


# ------------------------------------------------------------------ dbstats
def cmd_dbstats(args, table):
    files = [args.db, args.db + "-wal", args.db + "-shm"]
    sizes = {f: os.path.getsize(f) for f in files if os.path.exists(f)}
    size = sum(sizes.get(f, 0) for f in files[:2])  # the -shm index is not data
    con = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True, timeout=30)
    try:
        arts = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        mentions = con.execute("SELECT count(*) FROM mentions").fetchone()[0]
        places = con.execute("SELECT count(*) FROM places").fetchone()[0]
        text_bytes = con.execute("SELECT coalesce(sum(length(CAST(text AS BLOB))), 0) FROM articles").fetchone()[0]
        page = con.execute("PRAGMA page_size").fetchone()[0]
    finally:
        con.close()
    pre = args.label
    table.row(f"{pre}articles / mentions / places stored", f"{arts:,} / {mentions:,} / {places:,}")
    table.row(f"{pre}database size (file + WAL)", f"{size / 1e6:,.1f} MB ({size:,} B; page {page} B)")
    table.row(f"{pre}article text stored", f"{text_bytes / 1e6:,.1f} MB")
    if mentions:
        table.row(f"{pre}bytes per mention beyond article text", f"{(size - text_bytes) / mentions:,.0f} B")
    if arts:
        table.row(f"{pre}mentions per article (stored)", f"{mentions / arts:.2f}")
    print(json.dumps({"articles": arts, "mentions": mentions, "places": places, "db_bytes": size, "text_bytes": text_bytes}))


# ------------------------------------------------------------------ ingest (+ visibility probe)
MENTION_IDS = re.compile(rb'"mention_ids":\s*\[([0-9,\s]*)\]')
CREATED = re.compile(rb'"created":\s*(true|false)')


def keys(pattern, body):
    """Group 1 of every match that is a JSON key, not text inside a string (no backslash before it)."""
    return [m.group(1) for m in pattern.finditer(body) if m.start() == 0 or body[m.start() - 1] != 0x5C]


def ack_counts(body):
    """(articles, created, stored mention ids) of a POST /api/articles answer, without parsing it:
    the answer carries every mention's full geometry (country polygons), often 100+ MB a batch,
    and json.loads of that would make this client, not the server, the bottleneck."""
    created = keys(CREATED, body)
    ids = [int(x) for m in keys(MENTION_IDS, body) for x in m.split(b",") if x.strip()]
    return len(created), sum(1 for c in created if c == b"true"), ids


POINT = re.compile(rb'"kind":"([a-z0-9_]+)","lat":([-0-9.eE+]+),"lon":([-0-9.eE+]+),'
                   rb'(?:"(?:[^"\\]|\\.)*":(?:"(?:[^"\\]|\\.)*"|[-0-9.eE+]+|null),)*?"role":"(place|demonym)"')


def place_points(body):
    """[(lon, lat)] of the place mentions in a POST /api/articles answer, settlements first (a
    quick scan of the sorted properties; full JSON parse when the scan finds nothing)."""
    pts = [(k != b"settlement", float(lon), float(lat)) for k, lat, lon, role in POINT.findall(body) if role == b"place"]
    if not pts:
        _, feats = mentions_of(json.loads(body))
        pts = [(f["properties"].get("kind") != "settlement", f["properties"]["lon"], f["properties"]["lat"]) for f in feats]
    return [(lon, lat) for _, lon, lat in sorted(pts, key=lambda p: p[0])]


def mentions_of(answer):
    """(stored mention ids, place features) of every article in a POST /api/articles answer."""
    ids, feats = [], []
    for a in answer.get("articles", []):
        ids.extend(a.get("mention_ids", []))
        for f in (a.get("mentions") or {}).get("features", []):
            if (f.get("properties") or {}).get("role", "place") == "place":
                feats.append(f)
    return ids, feats


def probe_loop(args, docs, stop, results):
    """Posts one article every --probe-interval s and times until one of its incidents is listed."""
    c = Client(args.url, args.token, timeout=30)
    i = args.start
    while not stop.is_set():
        t_next = time.monotonic() + args.probe_interval
        art = make_articles.variant(docs, i, "p" + args.namespace)
        ref = make_articles.ref("p" + args.namespace, i)
        i += 1
        status, body = post_json(c, "/api/articles", [art], timeout=30)
        t_ack = time.monotonic()
        if status not in (200, 201):
            results["errors"] += 1
            stop.wait(max(0.0, t_next - time.monotonic()))
            continue
        ids = set(ack_counts(body)[2])
        points = place_points(body)
        if not ids or not points:
            stop.wait(max(0.0, t_next - time.monotonic()))
            continue
        lon, lat, h = points[0][0], points[0][1], 0.01
        bbox = f"{max(-180, lon - h):.5f},{max(-90, lat - h):.5f},{min(180, lon + h):.5f},{min(90, lat + h):.5f}"
        path = f"/collections/incidents/items?bbox={bbox}&q={ref}&limit=100"
        deadline = t_ack + args.probe_timeout
        seen = None
        while time.monotonic() < deadline:
            st, b = c.request("GET", path, timeout=10)
            if st == 200:
                page = json.loads(b)
                if any(f.get("id") in ids or (f.get("properties") or {}).get("mention_id") in ids for f in page.get("features", [])):
                    seen = time.monotonic() - t_ack
                    break
            time.sleep(0.02)
        if seen is None:
            results["not_visible"] += 1
        else:
            results["visible"].append(seen)
        stop.wait(max(0.0, t_next - time.monotonic()))
    c.close()


def cmd_ingest(args, table):
    docs = make_articles.load_docs(args.eval)
    c = Client(args.url, args.token, timeout=args.timeout)
    stop = threading.Event()
    probe = {"visible": [], "not_visible": 0, "errors": 0}
    th = None
    if args.probe_interval > 0:
        th = threading.Thread(target=probe_loop, args=(args, docs, stop, probe), daemon=True)
        th.start()
    t0 = time.monotonic()
    deadline = t0 + args.seconds
    i, arts, created, mentions, errors, lat, resp_bytes = args.start, 0, 0, 0, 0, [], 0
    err_sample = ""
    while time.monotonic() < deadline and (args.max_articles <= 0 or arts < args.max_articles):
        batch = list(make_articles.variants(docs, i, args.batch, args.namespace))
        i += args.batch
        ts = time.monotonic()
        status, body = post_json(c, "/api/articles", batch)
        lat.append(time.monotonic() - ts)
        if status in (200, 201):
            n, c_new, ids = ack_counts(body)
            arts += len(batch)
            created += c_new
            mentions += len(ids)
            resp_bytes += len(body)
        else:
            errors += 1
            err_sample = err_sample or f"{status} {body[:200]!r}"
            if status == 0 and not alive(args.pid):
                break
            time.sleep(0.2)
    elapsed = time.monotonic() - t0
    stop.set()
    if th:
        th.join(timeout=args.probe_timeout + 15)
    pre = args.label
    table.row(f"{pre}articles/s", f"{arts / elapsed:,.1f} ({arts:,} articles in {elapsed:.1f} s, batches of {args.batch}, {created:,} new)")
    table.row(f"{pre}mentions/s", f"{mentions / elapsed:,.0f} ({mentions:,} mentions)")
    table.row(f"{pre}batch latency p50 / p99", f"{ms(pct(lat, 50))} / {ms(pct(lat, 99))} ({len(lat)} batches)")
    if arts:
        table.row(f"{pre}answer size per article", f"{resp_bytes / arts / 1e3:,.0f} kB ({resp_bytes / 1e6:,.0f} MB in all)")
    if errors:
        table.row(f"{pre}failed batches", f"{errors} (first: {err_sample})")
    if args.probe_interval > 0:
        v = probe["visible"]
        extra = f", {probe['not_visible']} not visible within {args.probe_timeout:.0f} s" if probe["not_visible"] else ""
        extra += f", {probe['errors']} probe POSTs failed" if probe["errors"] else ""
        if v:
            table.row(f"{pre}new incident visible after POST (p50 / max)", f"{ms(pct(v, 50))} / {ms(max(v))} ({len(v)} probes{extra})")
        else:
            table.row(f"{pre}new incident visible after POST", f"no probe completed{extra}")
    if args.pid:
        table.row(f"{pre}server RSS after", f"{mb(proc_status(args.pid, 'VmRSS'))} (peak VmHWM {mb(proc_status(args.pid, 'VmHWM'))})")
    c.close()


# ------------------------------------------------------------------ one big batch
def cmd_batch(args, table):
    docs = make_articles.load_docs(args.eval)
    short = args.short
    while True:
        arts = list(make_articles.variants(docs, args.start, args.count, args.namespace, short))
        body = json.dumps(arts, ensure_ascii=False).encode("utf-8")
        if len(body) < MAX_BODY - 4096 or short < 60:
            break
        short = int(short * 0.85)
    pre = args.label
    rss0, hwm0 = proc_status(args.pid, "VmRSS"), proc_status(args.pid, "VmHWM")
    c = Client(args.url, args.token)
    t0 = time.monotonic()
    status, resp = c.request("POST", "/api/articles", body, timeout=args.timeout)
    dt = time.monotonic() - t0
    rss1, hwm1 = proc_status(args.pid, "VmRSS"), proc_status(args.pid, "VmHWM")
    c.close()
    desc = f"{args.count:,} articles of <= {short} chars, body {len(body) / 1e6:.2f} MB"
    if status == 0:
        gone = "" if alive(args.pid) else "; server gone (OOM/killed?)"
        table.row(f"{pre}status", f"failed: {resp.decode(errors='replace')[:120]}{gone} ({desc}, after {dt:.1f} s; RSS before {mb(rss0)})")
        return
    n_ment = len(ack_counts(resp)[2]) if status in (200, 201) else 0
    detail = f"{n_ment:,} mentions" if status in (200, 201) else resp[:160].decode(errors="replace")
    table.row(f"{pre}status, time", f"{status} in {dt:.2f} s = {args.count / dt:,.0f} articles/s ({desc}; {detail})")
    table.row(f"{pre}response size", f"{len(resp) / 1e6:,.1f} MB")
    table.row(f"{pre}server RSS before -> after (growth)", f"{mb(rss0)} -> {mb(rss1)} ({mb(None if rss1 is None or rss0 is None else rss1 - rss0)})")
    table.row(f"{pre}server peak VmHWM before -> after", f"{mb(hwm0)} -> {mb(hwm1)}")


# ------------------------------------------------------------------ geoparse
def cmd_geoparse_big(args, table):
    with open(args.body, "rb") as f:
        body = f.read()
    text_bytes = len(json.loads(body)["text"].encode("utf-8"))
    pre = args.label
    rss0, hwm0 = proc_status(args.pid, "VmRSS"), proc_status(args.pid, "VmHWM")
    c = Client(args.url, None)
    t0 = time.monotonic()
    status, resp = c.request("POST", "/api/geoparse", body, timeout=args.timeout)
    dt = time.monotonic() - t0
    rss1, hwm1 = proc_status(args.pid, "VmRSS"), proc_status(args.pid, "VmHWM")
    c.close()
    if status == 0:
        gone = "" if alive(args.pid) else "; server gone (OOM/killed?)"
        table.row(f"{pre}status", f"failed: {resp.decode(errors='replace')[:120]}{gone} (text {text_bytes / 1e6:.2f} MB, after {dt:.1f} s; RSS before {mb(rss0)})")
        return
    feats = "-"
    if status == 200:
        try:
            feats = f"{len(json.loads(resp).get('features', [])):,} features"
        except ValueError:
            feats = "unparseable JSON"
    else:
        feats = resp[:160].decode(errors="replace")
    table.row(f"{pre}status, time", f"{status} in {dt:.2f} s (text {text_bytes / 1e6:.2f} MB; {feats})")
    table.row(f"{pre}response size", f"{len(resp) / 1e6:,.2f} MB")
    table.row(f"{pre}server RSS before -> after (growth)", f"{mb(rss0)} -> {mb(rss1)} ({mb(None if rss1 is None or rss0 is None else rss1 - rss0)})")
    table.row(f"{pre}server peak VmHWM before -> after", f"{mb(hwm0)} -> {mb(hwm1)}")


def cmd_geoparse_concurrent(args, table):
    docs = make_articles.load_docs(args.eval)
    deadline = time.monotonic() + args.seconds
    lock = threading.Lock()
    lat, errors, statuses = [], [0], {}
    peak = [proc_status(args.pid, "VmHWM")]

    def worker(w):
        c = Client(args.url, None, timeout=args.timeout)
        k = w
        while time.monotonic() < deadline:
            d = docs[k % len(docs)]
            k += args.workers
            ts = time.monotonic()
            status, _ = post_json(c, "/api/geoparse", {"text": d["text"]})
            el = time.monotonic() - ts
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 200:
                    lat.append(el)
                else:
                    errors[0] += 1
            if status == 0:
                if not alive(args.pid):
                    break
                time.sleep(0.1)
        c.close()

    rss0 = proc_status(args.pid, "VmRSS")
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.workers) as ex:
        futs = [ex.submit(worker, w) for w in range(args.workers)]
        concurrent.futures.wait(futs, timeout=args.seconds + args.timeout + 10)
    elapsed = time.monotonic() - t0
    pre = args.label
    n = len(lat)
    table.row(f"{pre}geoparse req/s ({args.workers} concurrent)", f"{n / elapsed:,.1f} ({n:,} ok in {elapsed:.1f} s, {errors[0]} errors; statuses {statuses})")
    table.row(f"{pre}geoparse latency p50 / p99", f"{ms(pct(lat, 50))} / {ms(pct(lat, 99))}")
    table.row(f"{pre}server RSS before -> after", f"{mb(rss0)} -> {mb(proc_status(args.pid, 'VmRSS'))} (VmHWM {mb(proc_status(args.pid, 'VmHWM'))})")


def cmd_rss(args, table):
    table.row(f"{args.label}server RSS", f"{mb(proc_status(args.pid, 'VmRSS'))} (peak VmHWM {mb(proc_status(args.pid, 'VmHWM'))})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--token", default=os.environ.get("BENCH_TOKEN"))
    ap.add_argument("--eval", default=None, help="../shared/eval")
    ap.add_argument("--pid", type=int, default=None, help="server process id (for RSS)")
    ap.add_argument("--table", default=None, help="append label<TAB>value rows here")
    ap.add_argument("--label", default="", help="prefix of the row labels")
    ap.add_argument("--timeout", type=float, default=120.0, help="per-request timeout, s")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("dbstats")
    s.add_argument("--db", required=True)
    s = sub.add_parser("ingest")
    s.add_argument("--seconds", type=float, default=20)
    s.add_argument("--max-articles", type=int, default=0)
    s.add_argument("--batch", type=int, default=50)
    s.add_argument("--namespace", default="h")
    s.add_argument("--start", type=int, default=0)
    s.add_argument("--probe-interval", type=float, default=0)
    s.add_argument("--probe-timeout", type=float, default=30)
    s = sub.add_parser("batch")
    s.add_argument("--count", type=int, default=10_000)
    s.add_argument("--short", type=int, default=400)
    s.add_argument("--namespace", default="b")
    s.add_argument("--start", type=int, default=0)
    s = sub.add_parser("geoparse-big")
    s.add_argument("--body", required=True, help="JSON file {\"text\": ...}")
    s = sub.add_parser("geoparse-concurrent")
    s.add_argument("--workers", type=int, default=50)
    s.add_argument("--seconds", type=float, default=30)
    sub.add_parser("rss")
    args = ap.parse_args()
    if args.cmd in ("ingest", "batch", "geoparse-concurrent") and not args.eval:
        ap.error("--eval is needed")
    table = Table(args.table)
    {
        "dbstats": cmd_dbstats, "ingest": cmd_ingest, "batch": cmd_batch, "geoparse-big": cmd_geoparse_big,
        "geoparse-concurrent": cmd_geoparse_concurrent, "rss": cmd_rss,
    }[args.cmd](args, table)


if __name__ == "__main__":
    main()
