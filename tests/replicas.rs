//! Several `sitrep serve` replicas on one PostgreSQL database (a throwaway PostGIS cluster, see
//! common/pg.rs): an article ingested through one replica reaches another's items, tiles and event
//! stream within 2 s (LISTEN/NOTIFY); a replica started later serves what is stored; the same
//! article posted to two replicas at once is stored once; GIS clients read the `incidents` view.
//! Skipped (failing under SITREP_REQUIRE_ALL=1) when PostgreSQL 15 or PostGIS is not installed.

mod common;

use serde_json::{json, Value};
use std::io::BufRead;
use std::time::{Duration, Instant};

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
    let events_url = format!("{}/api/events", b.base);
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        let r = reqwest::blocking::Client::new().get(events_url).send().unwrap();
        for line in std::io::BufReader::new(r).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    std::thread::sleep(Duration::from_millis(300));

    let body = json!({"title": "Refugees reach Goris", "published": "2023-09-25",
        "text": "Thousands of refugees arrived in Goris, Armenia, on Monday."});
    let v = post(&c, &a.base, &body);
    let id = v["articles"][0]["id"].as_i64().unwrap();
    let written = Instant::now();

    let mut seen = None;
    while written.elapsed() < Duration::from_secs(2) {
        let page = items(&c, &b.base, goris);
        if page["features"].as_array().unwrap().iter().any(|f| f["properties"]["article_id"] == id) {
            seen = Some(written.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let seen = seen.unwrap_or_else(|| panic!("article {id} not in replica B's items within 2 s"));
    eprintln!("visible on replica B {} ms after replica A stored it", seen.as_millis());

    // B's cached empty tile was invalidated
    let r = c.get(&tile_url).send().unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let t = common::mvt::decode(&r.bytes().unwrap());
    assert!(t.get("incidents").is_some_and(|fs| !fs.is_empty()), "B's tile has no incident points: {t:?}");

    // B announced it on its event stream
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut got_event = false;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) if line.contains(&format!("\"article_id\":{id}")) => {
                got_event = true;
                break;
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    assert!(got_event, "no ingest event for article {id} on replica B's /api/events");

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
