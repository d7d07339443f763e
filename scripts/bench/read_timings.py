#!/usr/bin/env python3
"""Read-path timings for scripts/bench-pg.sh: bbox item pages and cold tiles from a running server.

Prints four numbers on one line: bbox p50 ms, bbox p95 ms, cold-tile p50 ms, cold-tile p95 ms.
The same seed gives the same boxes and tiles for every backend. Each tile is asked once (cold:
nothing cached it before). Sequential, one keep-alive connection, 127.0.0.1 only.
"""
import argparse
import http.client
import math
import random
import statistics
import time

# lon/lat of towns in make_briefs.py's area (a subset is enough to land tiles on incidents)
CENTRES = [(36.23, 49.99), (37.26, 49.21), (37.62, 49.71), (46.34, 39.51), (34.25, 31.29),
           (35.2, 33.27), (37.16, 36.2), (43.13, 36.34), (45.32, 15.46), (25.35, 13.63),
           (29.22, -1.68), (-0.04, 16.27), (13.16, 11.85), (45.34, 2.04), (39.47, 13.5),
           (97.4, 25.38), (71.58, 34.0), (65.71, 31.61)]


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(math.ceil(q * len(v))) - 1)]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    c = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)

    def timed(path):
        t = time.perf_counter()
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        if r.status not in (200, 204):
            raise SystemExit(f"GET {path}: HTTP {r.status}")
        return (time.perf_counter() - t) * 1000

    bbox = []
    for _ in range(a.queries):
        lon, lat = rng.choice(CENTRES)
        lon += rng.uniform(-1, 1)
        lat += rng.uniform(-1, 1)
        bbox.append(timed(f"/collections/incidents/items?bbox={lon-1:.4f},{lat-1:.4f},{lon+1:.4f},{lat+1:.4f}&limit=100"))
    seen, tiles = set(), []
    while len(tiles) < a.queries:
        lon, lat = rng.choice(CENTRES)
        z = rng.randrange(8, 13)
        n = 2 ** z
        lon += rng.uniform(-0.5, 0.5)
        lat += rng.uniform(-0.5, 0.5)
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        if (z, x, y) in seen:
            continue
        seen.add((z, x, y))
        tiles.append(timed(f"/tiles/{z}/{x}/{y}.mvt"))
    print(f"{statistics.median(bbox):.2f} {pct(bbox, .95):.2f} {statistics.median(tiles):.2f} {pct(tiles, .95):.2f}")


if __name__ == "__main__":
    main()
