//! Analysts' review (issue 14): with the token an incident is marked verified, rejected or
//! corrected (to a gazetteer place or drawn coordinates) with an author and a note; the review is
//! stored beside the machine's reading, shows on the map at once (items, tiles, the `review`
//! event), leaves a rejected incident out of the default tiles and items, survives a restart and
//! the article's deletion and re-ingest, and reaches a second server on the same database.
//! Runs on SQLite, and on PostgreSQL with `SITREP_TEST_BACKEND=postgres`.

mod common;

use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

const TOKEN: &str = "review-token";
const TEXT: &str =
    "KHARKIV, May 5 - Missiles struck a rail depot in Lozova overnight, wounding three workers, Kyiv said.";

/// name -> feature of every incident the items resource returns for `query`, and numberMatched.
fn items(c: &reqwest::blocking::Client, base: &str, query: &str) -> (BTreeMap<String, Value>, u64) {
    let r = c.get(format!("{base}/collections/incidents/items?limit=100{query}")).send().unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{query}");
    let v: Value = r.json().unwrap();
    let by_name = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["properties"]["name"].as_str().unwrap().to_string(), f.clone()))
        .collect();
    (by_name, v["numberMatched"].as_u64().unwrap())
}

fn review(c: &reqwest::blocking::Client, base: &str, id: &Value, body: Value) -> reqwest::blocking::Response {
    c.post(format!("{base}/api/incidents/{id}/review")).bearer_auth(TOKEN).json(&body).send().unwrap()
}

fn ingest(c: &reqwest::blocking::Client, base: &str) -> i64 {
    let r = c
        .post(format!("{base}/api/articles"))
        .bearer_auth(TOKEN)
        .json(&json!({"title": "Depot hit", "published": "2024-05-05", "text": TEXT}))
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let v: Value = r.json().unwrap();
    v["articles"][0]["id"].as_i64().or_else(|| v["id"].as_i64()).unwrap_or_else(|| panic!("no article id in {v}"))
}

/// The point features named `name` in the z12 tile over (lon, lat), with `query`.
fn tile_names(c: &reqwest::blocking::Client, base: &str, lon: f64, lat: f64, query: &str) -> Vec<String> {
    let (x, y) = common::tile_of(lon, lat, 12);
    let r = c.get(format!("{base}/tiles/12/{x}/{y}.mvt{query}")).send().unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    if r.status() == StatusCode::NO_CONTENT {
        return vec![];
    }
    let t = common::mvt::decode(&r.bytes().unwrap());
    t.get("incidents").map(|fs| fs.iter().filter_map(|(_, _, p)| p.get("name").cloned()).collect()).unwrap_or_default()
}

/// What the reviews below leave: Lozova verified, Kyiv rejected, the dateline moved.
fn check_reviewed(c: &reqwest::blocking::Client, base: &str) {
    let (all, matched) = items(c, base, "");
    assert_eq!(matched, 2, "the rejected incident is not counted: {all:?}");
    assert!(!all.contains_key("Kyiv"), "a rejected incident is off the default items");
    let lozova = &all["Lozova"]["properties"];
    assert_eq!(lozova["review"], "verified", "{lozova}");
    assert_eq!(lozova["reviewed_by"], "desk analyst");
    assert_eq!(lozova["review_note"], "two sources");
    let dateline = &all["KHARKIV"];
    assert_eq!(dateline["properties"]["review"], "corrected", "{dateline}");
    assert_eq!(dateline["geometry"]["coordinates"], json!([36.5, 49.25]), "{dateline}");
    assert_eq!(dateline["properties"]["original_place_name"], "Kharkiv", "{dateline}");
    let (rejected, n) = items(c, base, "&review=rejected");
    assert_eq!((n, rejected.keys().map(String::as_str).collect::<Vec<_>>()), (1, vec!["Kyiv"]));
    assert_eq!(rejected["Kyiv"]["properties"]["review"], "rejected");
    let (verified, _) = items(c, base, "&review=verified");
    assert_eq!(verified.keys().map(String::as_str).collect::<Vec<_>>(), vec!["Lozova"]);
    // tiles: Kyiv off the default tile, on the rejected one
    assert!(!tile_names(c, base, 30.5234, 50.4501, "").iter().any(|n| n.contains("Kyiv")));
    assert!(tile_names(c, base, 30.5234, 50.4501, "?review=rejected").iter().any(|n| n.contains("Kyiv")));
    assert!(tile_names(c, base, 36.5, 49.25, "").iter().any(|n| n.contains("KHARKIV")), "the moved dateline is drawn");
}

#[test]
fn reviews_are_stored_shown_and_survive_restart_and_reingest() {
    let mut s = common::start(Some(TOKEN), &["--no-samples"]);
    let c = common::client();
    let article = ingest(&c, &s.base);
    let (all, matched) = items(&c, &s.base, "");
    assert_eq!(matched, 3, "{all:?}");
    let id = |n: &str| all[n]["properties"]["mention_id"].clone();
    let events = common::listen(&format!("{}/api/events", s.base));

    // refused, nothing written: no token, a bad status, a correction without a target, ...
    let r = c.post(format!("{}/api/incidents/{}/review", s.base, id("Lozova"))).json(&json!({})).send().unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    for (body, field) in [
        (json!({"status": "approved", "author": "a"}), "status"),
        (json!({"status": "verified", "author": " "}), "author"),
        (json!({"status": "corrected", "author": "a"}), "status"),
        (json!({"status": "verified", "author": "a", "lon": 1.0, "lat": 2.0}), "status"),
        (json!({"status": "corrected", "author": "a", "lon": 200.0, "lat": 2.0}), "lon"),
        (json!({"status": "corrected", "author": "a", "lon": 20.0}), "lat"),
        (json!({"status": "corrected", "author": "a", "place_id": "nowhere:1"}), "place_id"),
        (json!({"status": "verified", "author": "a", "colour": "red"}), "colour"),
    ] {
        let r = review(&c, &s.base, &id("Lozova"), body.clone());
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        let e: Value = r.json().unwrap();
        assert!(e["message"].as_str().unwrap().contains(field), "{body}: {e}");
    }
    let r = review(&c, &s.base, &json!(987654), json!({"status": "verified", "author": "a"}));
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let h: Value = c.get(format!("{}/api/incidents/{}/reviews", s.base, id("Lozova"))).send().unwrap().json().unwrap();
    assert_eq!(h["reviews"], json!([]), "the refused reviews wrote nothing");

    // verified, then undone, then verified again: the history keeps all three
    let r = review(&c, &s.base, &id("Lozova"), json!({"status": "verified", "author": "desk analyst"}));
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().unwrap();
    assert_eq!(v["incident"]["properties"]["review"], "verified", "{v}");
    assert!(common::await_event(&events, "review", &format!("\"article_id\":{article}"), Duration::from_secs(5)));
    review(&c, &s.base, &id("Lozova"), json!({"status": "pending", "author": "desk analyst"}));
    assert!(items(&c, &s.base, "").0["Lozova"]["properties"].get("review").is_none(), "pending undoes the review");
    let r = review(
        &c,
        &s.base,
        &id("Lozova"),
        json!({"status": "verified", "author": "desk analyst", "note": "two sources"}),
    );
    assert_eq!(r.status(), StatusCode::OK);
    let h: Value = c.get(format!("{}/api/incidents/{}/reviews", s.base, id("Lozova"))).send().unwrap().json().unwrap();
    let statuses: Vec<&str> = h["reviews"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["verified", "pending", "verified"], "{h}");

    // a correction to a gazetteer place by name moves it there; then to drawn coordinates
    let r = review(
        &c,
        &s.base,
        &id("KHARKIV"),
        json!({"status": "corrected", "author": "desk analyst", "place_name": "Poltava"}),
    );
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().unwrap();
    let p = &v["incident"]["properties"];
    assert_eq!(p["place_name"], "Poltava", "{v}");
    assert_eq!(p["original_place_name"], "Kharkiv", "{v}");
    let r = review(
        &c,
        &s.base,
        &id("KHARKIV"),
        json!({"status": "corrected", "author": "desk analyst", "lon": 36.5, "lat": 49.25}),
    );
    assert_eq!(r.status(), StatusCode::OK);
    let r = review(&c, &s.base, &id("Kyiv"), json!({"status": "rejected", "author": "desk analyst"}));
    assert_eq!(r.status(), StatusCode::OK);
    check_reviewed(&c, &s.base);
    // a rejected incident is still found by id (for its reviewer)
    let r = c.get(format!("{}/collections/incidents/items/{}", s.base, id("Kyiv"))).send().unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // a second server on the same database sees another's reviews: after a restart ...
    let db = s.db.clone();
    s.kill9();
    let again = common::start_on(&db, &["--no-samples", "--token", TOKEN]);
    check_reviewed(&c, &again.base);
    // ... and while running (the store's log), as the article is deleted and ingested again:
    // new mention ids, the same text, the same reviews
    let other = common::start_on(&db, &["--no-samples"]);
    let r = c.delete(format!("{}/api/articles/{article}", again.base)).bearer_auth(TOKEN).send().unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    ingest(&c, &again.base);
    let (fresh, _) = items(&c, &again.base, "&review=verified");
    assert_ne!(fresh["Lozova"]["properties"]["mention_id"], id("Lozova"), "re-ingest gives new ids");
    check_reviewed(&c, &again.base);
    let caught_up = common::within(Duration::from_secs(10), || {
        items(&c, &other.base, "&review=verified").0.get("Lozova").map(|f| f["properties"]["mention_id"].clone())
            == Some(fresh["Lozova"]["properties"]["mention_id"].clone())
    });
    assert!(caught_up.is_some(), "the other server never caught up");
    let verify_kharkiv = review(
        &c,
        &again.base,
        &items(&c, &again.base, "").0["KHARKIV"]["properties"]["mention_id"],
        json!({"status": "pending", "author": "desk analyst"}),
    );
    assert_eq!(verify_kharkiv.status(), StatusCode::OK);
    let moved_back = common::within(Duration::from_secs(10), || {
        items(&c, &other.base, "").0.get("KHARKIV").is_some_and(|f| f["properties"].get("review").is_none())
    });
    assert!(moved_back.is_some(), "another server's review never reached this one");
    let back = &items(&c, &other.base, "").0["KHARKIV"];
    assert_eq!(back["properties"]["place_name"], "Kharkiv", "undone: back at the machine's reading: {back}");
}
