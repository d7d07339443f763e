//! Several `sitrep serve` replicas on one PostgreSQL database (a throwaway PostGIS cluster, see
//! common/pg.rs): an article ingested through one replica reaches another's items, tiles and event
//! stream within 2 s (LISTEN/NOTIFY); a replica started later serves what is stored; the same
//! article posted to two replicas at once is stored once; GIS clients read the `incidents` view;
//! an article deleted through one replica leaves the others' items, tiles and streams within 2 s
//! (on PostgreSQL, and on SQLite with two servers on one file); a database of the previous schema
//! migrates. Skipped (failing under SITREP_REQUIRE_ALL=1) when PostgreSQL 15 or PostGIS is not installed.

mod common;

use serde_json::{json, Value};
use std::time::Duration;

const TOKEN: &str = "replica-token";

use common::tile_of;

fn replica(url: &str) -> common::Server {
    common::start_on(std::path::Path::new(url), &["--no-samples", "--refresh-ms", "100", "--token", TOKEN])
}

fn items(c: &reqwest::blocking::Client, base: &str, bbox: &str) -> Value {
    c.get(format!("{base}/collections/incidents/items?bbox={bbox}&limit=1000")).send().unwrap().json().unwrap()
}

fn post(c: &reqwest::blocking::Client, base: &str, body: &Value) -> Value {
    let r = c.post(format!("{base}/api/articles")).bearer_auth(TOKEN).json(body).send().unwrap();
    assert!(r.status().is_success(), "POST {base}: {}", r.status());
    r.json().unwrap()
}

#[test]
fn an_article_ingested_through_one_replica_reaches_the_others_within_two_seconds() {
    let Some(cluster) = common::pg::shared() else { return };
    let url = cluster.database();
    let a = replica(&url);
    let b = replica(&url);
    let c = common::client();
    let goris = "46,39,47,40";
    assert!(items(&c, &b.base, goris)["features"].as_array().unwrap().is_empty());
    // B's tile over Goris, fetched (and cached) while empty
    let (x, y) = tile_of(46.342, 39.511, 10);
    let tile_url = format!("{}/tiles/10/{x}/{y}.mvt", b.base);
    assert_eq!(c.get(&tile_url).send().unwrap().status(), reqwest::StatusCode::NO_CONTENT);
    // B's event stream, listened to before A writes
    let events = common::listen(&format!("{}/api/events", b.base));

    let body = json!({"title": "Refugees reach Goris", "published": "2023-09-25",
        "text": "Thousands of refugees arrived in Goris, Armenia, on Monday."});
    let v = post(&c, &a.base, &body);
    let id = v["articles"][0]["id"].as_i64().unwrap();

    let seen = common::within(Duration::from_secs(2), || {
        items(&c, &b.base, goris)["features"].as_array().unwrap().iter().any(|f| f["properties"]["article_id"] == id)
    })
    .unwrap_or_else(|| panic!("article {id} not in replica B's items within 2 s"));
    eprintln!("visible on replica B {} ms after replica A stored it", seen.as_millis());

    // B's cached empty tile was invalidated
    let r = c.get(&tile_url).send().unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let t = common::mvt::decode(&r.bytes().unwrap());
    assert!(t.get("incidents").is_some_and(|fs| !fs.is_empty()), "B's tile has no incident points: {t:?}");

    // B announced it on its event stream
    assert!(
        common::await_event(&events, "ingest", &format!("\"article_id\":{id}"), Duration::from_secs(2)),
        "no ingest event for article {id} on replica B's /api/events"
    );

    // the incidents view holds the mentions with PostGIS geometries, for GIS clients
    let n: i64 = cluster
        .query(
            &url,
            &format!("SELECT count(*) FROM incidents WHERE article_id = {id} AND ST_SRID(geom) = 4326 AND place_name = 'Goris'"),
        )
        .parse()
        .unwrap();
    assert!(n >= 1, "no Goris row in the incidents view");

    // a replica started after the ingest serves it
    let late = replica(&url);
    let page = items(&c, &late.base, goris);
    assert!(
        page["features"].as_array().unwrap().iter().any(|f| f["properties"]["article_id"] == id),
        "the late replica does not serve article {id}: {page}"
    );
    let h: Value = c.get(format!("{}/health", late.base)).send().unwrap().json().unwrap();
    assert_eq!(h["articles"], 1);
}

#[test]
fn the_same_article_posted_to_two_replicas_at_once_is_stored_once() {
    let Some(cluster) = common::pg::shared() else { return };
    let url = cluster.database();
    let a = replica(&url);
    let b = replica(&url);
    let c = common::client();
    for round in 0..5 {
        let body = json!({"title": format!("Round {round}"),
            "text": format!("Shelling was reported near Kharkiv overnight, round {round}, officials in Izium said.")});
        let ids: Vec<i64> = std::thread::scope(|s| {
            let posts: Vec<_> = [&a.base, &b.base]
                .into_iter()
                .map(|base| {
                    let (c, body) = (c.clone(), body.clone());
                    s.spawn(move || post(&c, base, &body)["articles"][0]["id"].as_i64().unwrap())
                })
                .collect();
            posts.into_iter().map(|p| p.join().unwrap()).collect()
        });
        assert_eq!(ids[0], ids[1], "round {round}: two ids for one text");
    }
    let stored: i64 = cluster.query(&url, "SELECT count(*) FROM articles").parse().unwrap();
    assert_eq!(stored, 5);
    // and both replicas show each article's mentions once
    std::thread::sleep(Duration::from_millis(500));
    let ha: Value = c.get(format!("{}/health", a.base)).send().unwrap().json().unwrap();
    let hb: Value = c.get(format!("{}/health", b.base)).send().unwrap().json().unwrap();
    let mentions: i64 = cluster.query(&url, "SELECT count(*) FROM mentions").parse().unwrap();
    assert_eq!(ha["incidents"].as_i64(), Some(mentions), "{ha}");
    assert_eq!(hb["incidents"].as_i64(), Some(mentions), "{hb}");
}

/// Posts an article through replica `a`, waits for `b` to serve it, deletes it through `a`: it
/// must leave `b`'s items, its (cached) tile and its health counts, announced as a `delete`
/// event, within 2 s.
fn a_delete_through_one_server_reaches_the_other(db: &str) {
    let a = replica(db);
    let b = replica(db);
    let c = common::client();
    let goris = "46,39,47,40";
    let body = json!({"title": "Shelling near Goris", "published": "2023-09-26",
        "text": "Shelling was reported near Goris, Armenia, overnight."});
    let id = post(&c, &a.base, &body)["articles"][0]["id"].as_i64().unwrap();
    let has = |base: &str| {
        items(&c, base, goris)["features"].as_array().unwrap().iter().any(|f| f["properties"]["article_id"] == id)
    };
    assert!(common::within(Duration::from_secs(2), || has(&b.base)).is_some(), "B never served article {id}");
    // B's tile over Goris, cached while it holds the article
    let (x, y) = tile_of(46.342, 39.511, 10);
    let tile_url = format!("{}/tiles/10/{x}/{y}.mvt", b.base);
    assert_eq!(c.get(&tile_url).send().unwrap().status(), reqwest::StatusCode::OK);
    let events = common::listen(&format!("{}/api/events", b.base));

    let r = c.delete(format!("{}/api/articles/{id}", a.base)).bearer_auth(TOKEN).send().unwrap();
    assert!(r.status().is_success(), "DELETE through A: {}", r.status());
    let gone = common::within(Duration::from_secs(2), || !has(&b.base))
        .unwrap_or_else(|| panic!("article {id} still in replica B's items 2 s after A deleted it"));
    eprintln!("gone from B {} ms after A deleted it", gone.as_millis());
    assert_eq!(c.get(&tile_url).send().unwrap().status(), reqwest::StatusCode::NO_CONTENT, "B's cached tile is stale");
    assert!(
        common::await_event(&events, "delete", &format!("\"article_id\":{id}"), Duration::from_secs(2)),
        "no delete event for article {id} on B's /api/events"
    );
    let h: Value = c.get(format!("{}/health", b.base)).send().unwrap().json().unwrap();
    assert_eq!(h["incidents"], 0, "{h}");
    // A itself announced nothing twice and serves nothing of it either
    assert!(!has(&a.base));
    assert_eq!(c.get(format!("{}/api/articles/{id}", b.base)).send().unwrap().status(), reqwest::StatusCode::NOT_FOUND);
}

#[test]
fn an_article_deleted_through_one_replica_leaves_the_others_within_two_seconds() {
    let Some(cluster) = common::pg::shared() else { return };
    a_delete_through_one_server_reaches_the_other(&cluster.database());
}

#[test]
fn an_article_deleted_by_a_second_server_on_the_same_sqlite_file_leaves_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    a_delete_through_one_server_reaches_the_other(db.to_str().unwrap());
}

#[test]
fn a_postgres_database_of_an_earlier_schema_migrates_and_logs_deletions() {
    let Some(cluster) = common::pg::shared() else { return };
    let url = cluster.database();
    let c = common::client();
    let id = {
        let a = replica(&url);
        let body = json!({"title": "Goris", "text": "Thousands of refugees arrived in Goris, Armenia."});
        post(&c, &a.base, &body)["articles"][0]["id"].as_i64().unwrap()
    };
    // back to schema v2, as an earlier release left it: no change log of deletions (v3), no
    // role reading (v4), no reviews (v5) or report links (v6), the incidents view as v1 made it
    cluster.query(
        &url,
        "DROP TABLE report_links; DROP TABLE reviews; DROP TABLE deleted_mentions; DROP VIEW incidents;
         ALTER TABLE mentions DROP COLUMN literal, DROP COLUMN event, DROP COLUMN role_reason;
         CREATE VIEW incidents AS
         SELECT m.id, m.article_id, m.place_id, p.name AS place_name, p.kind, m.surface, m.precision,
                m.geo_precision, m.confidence, m.relation, a.title, a.url, a.source, a.published,
                a.ingested_at, p.geom
         FROM mentions m JOIN places p ON p.id = m.place_id JOIN articles a ON a.id = m.article_id;
         UPDATE schema_version SET version = 2",
    );
    let mentions: i64 = cluster.query(&url, "SELECT count(*) FROM mentions").parse().unwrap();
    assert!(mentions >= 2);
    let a = replica(&url);
    assert_eq!(
        cluster.query(&url, "SELECT version FROM schema_version"),
        "6",
        "v2 -> v3 (deletion log) -> v4 (roles) -> v5 (reviews) -> v6 (report links)"
    );
    // rows stored before the role reading have none
    assert_eq!(
        cluster.query(&url, "SELECT count(*) FROM incidents WHERE event IS NULL").parse::<i64>().unwrap(),
        mentions
    );
    let h: Value = c.get(format!("{}/health", a.base)).send().unwrap().json().unwrap();
    assert_eq!(h["incidents"].as_i64(), Some(mentions), "every mention kept: {h}");
    let r = c.delete(format!("{}/api/articles/{id}", a.base)).bearer_auth(TOKEN).send().unwrap();
    assert!(r.status().is_success());
    let logged: i64 =
        cluster.query(&url, &format!("SELECT count(*) FROM deleted_mentions WHERE article_id = {id}")).parse().unwrap();
    assert_eq!(logged, mentions, "each deleted mention logged");
}
