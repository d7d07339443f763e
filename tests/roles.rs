//! The geoparser's role reading (issue 14) kept with each stored mention: the event site and the
//! context (a dateline, a government) are stored, survive a restart, are served in OGC items and
//! tile tags, and `role=event|context` (and the CQL2 queryable `event`) filter items and tiles.
//! Runs on SQLite, and on PostgreSQL with `SITREP_TEST_BACKEND=postgres`.

mod common;

use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const TOKEN: &str = "role-token";
const TEXT: &str =
    "KHARKIV, May 5 - Missiles struck a rail depot in Lozova overnight, wounding three workers, Kyiv said.";

fn names(c: &reqwest::blocking::Client, base: &str, query: &str) -> BTreeSet<String> {
    let r = c.get(format!("{base}/collections/incidents/items?limit=100{query}")).send().unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{query}");
    let v: Value = r.json().unwrap();
    v["features"].as_array().unwrap().iter().map(|f| f["properties"]["name"].as_str().unwrap().to_string()).collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn event_sites_and_context_are_stored_served_and_filtered() {
    let mut s = common::start(Some(TOKEN), &["--no-samples"]);
    let c = common::client();
    let r = c
        .post(format!("{}/api/articles", s.base))
        .bearer_auth(TOKEN)
        .json(&json!({"title": "Depot hit", "published": "2024-05-05", "text": TEXT}))
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());

    let check = |base: &str| {
        let v: Value = c.get(format!("{base}/collections/incidents/items?limit=100")).send().unwrap().json().unwrap();
        let by_name = |n: &str| {
            v["features"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["properties"]["name"] == n)
                .cloned()
                .unwrap_or_else(|| panic!("no {n} in {v}"))["properties"]
                .clone()
        };
        let lozova = by_name("Lozova");
        assert_eq!(lozova["event"], true, "{lozova}");
        assert_eq!(lozova["literal"], true);
        assert!(lozova.get("role_reason").is_none(), "{lozova}");
        let dateline = by_name("KHARKIV");
        assert_eq!(dateline["event"], false, "{dateline}");
        assert_eq!(dateline["role_reason"], "dateline");
        assert_eq!(by_name("Kyiv")["event"], false);
    };
    check(&s.base);

    assert_eq!(names(&c, &s.base, ""), set(&["KHARKIV", "Kyiv", "Lozova"]));
    assert_eq!(names(&c, &s.base, "&role=event"), set(&["Lozova"]));
    assert_eq!(names(&c, &s.base, "&role=context"), set(&["KHARKIV", "Kyiv"]));
    assert_eq!(names(&c, &s.base, "&role=all"), set(&["KHARKIV", "Kyiv", "Lozova"]));
    assert_eq!(names(&c, &s.base, "&filter=event%20%3D%20false"), set(&["KHARKIV", "Kyiv"]));
    let r = c.get(format!("{}/collections/incidents/items?role=site", s.base)).send().unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: Value = r.json().unwrap();
    assert!(e["message"].as_str().unwrap().contains("role"), "{e}");
    // the queryables list the role fields
    let q: Value = c.get(format!("{}/collections/incidents/queryables", s.base)).send().unwrap().json().unwrap();
    assert_eq!(q["properties"]["event"]["type"], "boolean", "{q}");

    // tiles: the dateline's point carries event=false and its reason; role=event leaves it out
    let (x, y) = common::tile_of(36.2304, 49.9935, 12);
    let url = format!("{}/tiles/12/{x}/{y}.mvt", s.base);
    let r = c.get(&url).send().unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let t = common::mvt::decode(&r.bytes().unwrap());
    let kharkiv = t["incidents"].iter().find(|(_, _, p)| p.get("name").is_some_and(|n| n.contains("KHARKIV")));
    let (_, _, p) = kharkiv.unwrap_or_else(|| panic!("no KHARKIV point in {t:?}"));
    assert!(p["event"].contains("false"), "{p:?}");
    assert!(p["role_reason"].contains("dateline"), "{p:?}");
    let r = c.get(format!("{url}?role=event")).send().unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "role=event tile over the dateline");
    let r = c.get(format!("{url}?role=context")).send().unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // areas carry how many of their mentions are event sites
    let tj: Value = c.get(format!("{}/tiles.json", s.base)).send().unwrap().json().unwrap();
    let fields = tj["vector_layers"].as_array().unwrap().iter().find(|l| l["id"] == "areas").unwrap()["fields"].clone();
    for f in ["event", "literal", "role_reason", "event_count"] {
        assert!(fields.get(f).is_some(), "TileJSON areas lack {f}: {fields}");
    }

    // stored, not recomputed: a restart on the same database serves the same reading
    let db = s.db.clone();
    s.kill9();
    let again = common::start_on(&db, &["--no-samples"]);
    check(&again.base);
}
