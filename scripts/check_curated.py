#!/usr/bin/env python3
"""Validate the hand-curated layers: data/conflict/*.geojson and data/gazetteer/world.geojson
(plus data/gazetteer/aliases.tsv). Stdlib only; uses shapely for OGC validity if installed.

Checks: unique ids across all files, top-level id == properties.id == sitrep:<slug>, required
properties and types, known kind, non-empty source, ISO dates that parse and are ordered,
coordinates in range, LineStrings with >= 2 distinct points, closed polygon rings with >= 4
positions and a CCW exterior, optional label [lon,lat] in range, `members` features with null
geometry and a label. Exit code 1 on any error.

Usage: python3 scripts/check_curated.py [repo_root]
"""
import datetime, glob, json, os, re, sys

KINDS = {"region", "corridor", "line_of_contact", "border_segment", "crossing", "natural", "sea", "river",
         "lake", "mountain_range", "desert", "continent", "settlement"}
REQUIRED = ["id", "name", "names", "kind", "country", "source", "valid_from", "valid_to", "approximate"]
MEMBER_RE = re.compile(r"^(ne-country:[A-Z]{3}|adm1:[A-Z]{3}[-+][0-9A-Za-z?]+)$")
try:
    from shapely.geometry import shape
    HAVE_SHAPELY = True
except ImportError:
    HAVE_SHAPELY = False

errors = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


def check_pos(where, p):
    if not (isinstance(p, list) and len(p) >= 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in p[:2])):
        err(where, f"bad position {p!r}")
        return False
    if not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90):
        err(where, f"position out of range {p!r}")
        return False
    return True


def ring_area2(ring):
    return sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1))


def check_line(where, coords):
    if not isinstance(coords, list) or not all(check_pos(where, p) for p in coords):
        return
    if len({tuple(p[:2]) for p in coords}) < 2:
        err(where, "line needs >= 2 distinct points")


def check_polygon(where, rings):
    if not isinstance(rings, list) or not rings:
        err(where, "polygon without rings")
        return
    for i, ring in enumerate(rings):
        if not isinstance(ring, list) or not all(check_pos(where, p) for p in ring):
            return
        if len(ring) < 4:
            err(where, f"ring {i} has < 4 positions")
        elif ring[0] != ring[-1]:
            err(where, f"ring {i} not closed")
        elif i == 0 and ring_area2(ring) <= 0:
            err(where, "exterior ring not counter-clockwise")
        elif i > 0 and ring_area2(ring) >= 0:
            err(where, f"hole {i} not clockwise")


def check_geometry(where, g):
    t, c = g.get("type"), g.get("coordinates")
    if t == "Point":
        check_pos(where, c)
    elif t == "LineString":
        check_line(where, c)
    elif t == "MultiLineString":
        if not c:
            err(where, "empty MultiLineString")
        for part in c or []:
            check_line(where, part)
    elif t == "Polygon":
        check_polygon(where, c)
    elif t == "MultiPolygon":
        if not c:
            err(where, "empty MultiPolygon")
        for part in c or []:
            check_polygon(where, part)
    else:
        err(where, f"unsupported geometry type {t!r}")
        return
    if HAVE_SHAPELY and t in ("Polygon", "MultiPolygon", "LineString", "MultiLineString") and not errors_for(where):
        s = shape(g)
        if t in ("Polygon", "MultiPolygon") and not s.is_valid:
            from shapely.validation import explain_validity
            err(where, "invalid polygon: " + explain_validity(s))


def errors_for(where):
    return any(e.startswith(where + ":") for e in errors)


def parse_date(where, key, v):
    if v is None:
        return None
    if not isinstance(v, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        err(where, f"{key} must be YYYY-MM-DD or null, got {v!r}")
        return None
    try:
        return datetime.date.fromisoformat(v)
    except ValueError:
        err(where, f"{key} is not a real date: {v}")
        return None


def check_feature(where, f, seen):
    if f.get("type") != "Feature":
        err(where, "not a Feature")
        return
    props = f.get("properties") or {}
    fid = f.get("id")
    where = f"{where}[{fid}]"
    if not isinstance(fid, str) or not re.fullmatch(r"sitrep:[a-z0-9][a-z0-9-]*", fid):
        err(where, "top-level id must be sitrep:<slug>")
    if props.get("id") != fid:
        err(where, "properties.id differs from top-level id")
    if fid in seen:
        err(where, f"duplicate id (also in {seen[fid]})")
    seen[fid] = where
    for k in REQUIRED:
        if k not in props:
            err(where, f"missing property {k}")
    if not isinstance(props.get("name"), str) or not props.get("name", "").strip():
        err(where, "empty name")
    names = props.get("names")
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        err(where, "names must be a list of non-empty strings")
    elif props.get("name") not in names:
        err(where, "names must include name")
    elif len(set(names)) != len(names):
        err(where, "duplicate entries in names")
    if props.get("kind") not in KINDS:
        err(where, f"unknown kind {props.get('kind')!r}")
    c = props.get("country")
    if c is not None and not (isinstance(c, str) and re.fullmatch(r"[A-Z]{2}", c)):
        err(where, f"country must be ISO alpha-2 or null, got {c!r}")
    if not isinstance(props.get("source"), str) or len(props.get("source", "").strip()) < 10:
        err(where, "source must be a non-empty citation")
    if not isinstance(props.get("approximate"), bool):
        err(where, "approximate must be a bool")
    a = parse_date(where, "valid_from", props.get("valid_from"))
    b = parse_date(where, "valid_to", props.get("valid_to"))
    if a and b and a > b:
        err(where, "valid_from after valid_to")
    gid = props.get("geonameid")
    if gid is not None and (not isinstance(gid, int) or isinstance(gid, bool) or gid <= 0):
        err(where, "geonameid must be a positive int")
    if "label" in props:
        check_pos(where, props["label"])
    members = props.get("members")
    geom = f.get("geometry")
    if members is not None:
        if not isinstance(members, list) or not members or not all(isinstance(m, str) and MEMBER_RE.match(m) for m in members):
            err(where, f"bad members {members!r}")
        if geom is not None:
            err(where, "members feature must have null geometry")
        if "label" not in props:
            err(where, "members feature needs a label")
    elif geom is None:
        err(where, "null geometry without members")
    else:
        check_geometry(where, geom)


def check_aliases(path, ids):
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    if lines[0] != "target_id\talias":
        err(path, "header must be 'target_id\\talias'")
    seen = set()
    for n, line in enumerate(lines[1:], 2):
        if not line:
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            err(f"{path}:{n}", "expected two non-empty tab-separated fields")
            continue
        t, a = parts
        if not re.fullmatch(r"(geonames:\d+|ne-admin1:\S+|ne-country:[A-Z0-9]{3}|sitrep:[a-z0-9-]+)", t):
            err(f"{path}:{n}", f"bad target id {t!r}")
        if t.startswith("sitrep:") and t not in ids:
            err(f"{path}:{n}", f"unknown curated id {t}")
        if (t, a) in seen:
            err(f"{path}:{n}", "duplicate row")
        seen.add((t, a))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    files = sorted(glob.glob(os.path.join(root, "data", "conflict", "*.geojson")))
    world = os.path.join(root, "data", "gazetteer", "world.geojson")
    if os.path.exists(world):
        files.append(world)
    if not files:
        print("no curated files found", file=sys.stderr)
        return 1
    seen, counts = {}, {}
    for path in files:
        rel = os.path.relpath(path, root)
        try:
            with open(path, encoding="utf-8") as fh:
                fc = json.load(fh)
        except (OSError, ValueError) as e:
            err(rel, f"cannot parse: {e}")
            continue
        if fc.get("type") != "FeatureCollection" or not isinstance(fc.get("features"), list):
            err(rel, "not a FeatureCollection")
            continue
        for i, f in enumerate(fc["features"]):
            check_feature(f"{rel}#{i}", f, seen)
            k = (f.get("properties") or {}).get("kind")
            counts[k] = counts.get(k, 0) + 1
        print(f"{rel}: {len(fc['features'])} features")
    aliases = os.path.join(root, "data", "gazetteer", "aliases.tsv")
    if os.path.exists(aliases):
        check_aliases(aliases, set(seen))
    print("kinds:", ", ".join(f"{k}={v}" for k, v in sorted(counts.items(), key=lambda kv: str(kv[0]))))
    if not HAVE_SHAPELY:
        print("note: shapely not installed; polygon self-intersection not checked")
    for e in errors:
        print("ERROR", e, file=sys.stderr)
    print(f"{len(seen)} features, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
