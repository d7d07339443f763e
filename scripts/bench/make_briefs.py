#!/usr/bin/env python3
"""Short conflict briefs for benchmarks (scripts/bench-pg.sh): JSONL {"title","text","published"}.

Templates and places written for the project (towns and regions of the conflicts in
data/conflict/); every text is unique (a serial number in it), so each one is stored. No corpus
text is read or copied.
"""
import argparse
import datetime
import json
import random

PLACES = [
    ("Kharkiv", "Ukraine"), ("Izium", "Ukraine"), ("Kupiansk", "Ukraine"), ("Avdiivka", "Ukraine"),
    ("Bakhmut", "Ukraine"), ("Kherson", "Ukraine"), ("Odesa", "Ukraine"), ("Zaporizhzhia", "Ukraine"),
    ("Sumy", "Ukraine"), ("Chernihiv", "Ukraine"), ("Pokrovsk", "Ukraine"), ("Mykolaiv", "Ukraine"),
    ("Belgorod", "Russia"), ("Kursk", "Russia"), ("Bryansk", "Russia"),
    ("Goris", "Armenia"), ("Jermuk", "Armenia"), ("Kapan", "Armenia"), ("Stepanakert", "Azerbaijan"),
    ("Lachin", "Azerbaijan"), ("Shusha", "Azerbaijan"),
    ("Rafah", "Gaza"), ("Khan Younis", "Gaza"), ("Jabalia", "Gaza"), ("Deir el-Balah", "Gaza"),
    ("Tyre", "Lebanon"), ("Nabatieh", "Lebanon"), ("Baalbek", "Lebanon"),
    ("Aleppo", "Syria"), ("Idlib", "Syria"), ("Deir ez-Zor", "Syria"), ("Raqqa", "Syria"),
    ("Mosul", "Iraq"), ("Kirkuk", "Iraq"), ("Erbil", "Iraq"),
    ("Marib", "Yemen"), ("Taiz", "Yemen"), ("Hodeidah", "Yemen"), ("Aden", "Yemen"),
    ("El Fasher", "Sudan"), ("Omdurman", "Sudan"), ("Nyala", "Sudan"), ("El Obeid", "Sudan"),
    ("Goma", "Democratic Republic of the Congo"), ("Bunia", "Democratic Republic of the Congo"),
    ("Gao", "Mali"), ("Timbuktu", "Mali"), ("Mopti", "Mali"), ("Djibo", "Burkina Faso"),
    ("Maiduguri", "Nigeria"), ("Mogadishu", "Somalia"), ("Kismayo", "Somalia"),
    ("Mekelle", "Ethiopia"), ("Gondar", "Ethiopia"),
    ("Myitkyina", "Myanmar"), ("Lashio", "Myanmar"), ("Sittwe", "Myanmar"),
    ("Peshawar", "Pakistan"), ("Quetta", "Pakistan"), ("Kandahar", "Afghanistan"),
]
EVENTS = [
    "Shelling damaged homes in {town}, {country}, on {day}, local officials said (brief {n}).",
    "A drone struck a fuel depot near {town}, {country}, overnight; no casualties were reported (report {n}).",
    "Fighting was reported on the outskirts of {town} in {country} on {day} (note {n}).",
    "An air strike hit a market in {town}, {country}, killing several civilians, medics said (item {n}).",
    "Gunmen attacked a checkpoint outside {town}, {country}, on {day} (entry {n}).",
    "Aid convoys were halted near {town}, {country}, after clashes on {day} (dispatch {n}).",
]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    start = datetime.date(2023, 1, 1)
    for i in range(a.count):
        town, country = rng.choice(PLACES)
        day = start + datetime.timedelta(days=rng.randrange(700))
        text = rng.choice(EVENTS).format(town=town, country=country, day=day.strftime("%A"), n=f"{a.seed}-{i}")
        print(json.dumps({"title": f"{town}: incident {a.seed}-{i}", "text": text, "published": day.isoformat()}))


if __name__ == "__main__":
    main()
