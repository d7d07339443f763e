//! Every request is bounded: the reproductions of a heavy user's failures, with small limits, on
//! the real server over loopback. Each test fails without the bound it names.

mod common;

use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const TOKEN: &str = "limits-token";

fn health(s: &common::Server) -> Value {
    common::client().get(format!("{}/health", s.base)).send().unwrap().json().unwrap()
}

fn post_articles(s: &common::Server, body: &Value, timeout: Duration) -> reqwest::Result<reqwest::blocking::Response> {
    reqwest::blocking::Client::builder()
        .timeout(timeout)
        .build()
        .unwrap()
        .post(format!("{}/api/articles", s.base))
        .bearer_auth(TOKEN)
        .json(body)
        .send()
}

#[test]
fn geoparse_answers_each_place_once_and_stays_small() {
    let s = common::start(None, &["--no-samples"]);
    let text = common::news_text(300_000, 7);
    let r = common::client().post(format!("{}/api/geoparse", s.base)).json(&json!({"text": text})).send().unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().unwrap();
    let fc: Value = serde_json::from_slice(&bytes).unwrap();
    let features = fc["features"].as_array().unwrap();
    assert!(features.len() > 1000, "{}", features.len());
    assert!(
        features.iter().all(|f| f["geometry"]["type"] == "Point"),
        "mentions carry points, not their place's geometry"
    );
    let ids: HashSet<&str> = features.iter().map(|f| f["properties"]["place_id"].as_str().unwrap()).collect();
    let places = fc["places"].as_object().unwrap();
    assert_eq!(places.len(), ids.len(), "each place once");
    assert!(ids.iter().all(|id| places[*id]["geometry"]["type"].is_string()));
    // Russia and Ukraine named hundreds of times: the answer is a few times the text, not GBs
    let per_place = serde_json::to_vec(&fc["places"]).unwrap().len() / places.len();
    let per_mention = (bytes.len() - per_place * places.len()) / features.len();
    eprintln!(
        "{} bytes for {} bytes of text: {} mentions, {per_mention} B each; {} places, {per_place} B each",
        bytes.len(),
        text.len(),
        features.len(),
        places.len()
    );
    assert!(per_mention < 700 && per_place < 20_000, "{per_mention} B a mention, {per_place} B a place");
    // geometry=point leaves the geometries out; full keeps every vertex of a country
    let small = common::client()
        .post(format!("{}/api/geoparse?geometry=point", s.base))
        .json(&json!({"text": "Shelling in Russia and Ukraine."}))
        .send()
        .unwrap();
    let small: Value = small.json().unwrap();
    assert!(
        small["places"]["ne-country:RUS"].is_object() && small["places"]["ne-country:RUS"].get("geometry").is_none(),
        "{small}"
    );
    let r = common::client()
        .post(format!("{}/api/geoparse?geometry=everything", s.base))
        .json(&json!({"text": "Kharkiv"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[test]
fn an_oversized_batch_is_refused_with_413_naming_the_limit() {
    let s = common::start(Some(TOKEN), &["--no-samples", "--max-batch", "5"]);
    let batch: Vec<Value> = (0..6).map(|i| json!({"text": format!("Clashes near Kapan, report {i}.")})).collect();
    let r = post_articles(&s, &Value::Array(batch.clone()), Duration::from_secs(60)).unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let b: Value = r.json().unwrap();
    assert!(b["message"].as_str().unwrap().contains("limit is 5"), "{b}");
    // an invalid article in the middle of a batch leaves nothing written
    let mut bad = batch[..4].to_vec();
    bad[2] = json!({"text": "Goris", "published": "2022-02-31x"});
    let r = post_articles(&s, &Value::Array(bad), Duration::from_secs(60)).unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.json::<Value>().unwrap()["message"].as_str().unwrap().contains("article 3"));
    assert_eq!(health(&s)["articles"], 0);
    let r = post_articles(&s, &Value::Array(batch[..5].to_vec()), Duration::from_secs(60)).unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(health(&s)["articles"], 5);
}

/// A batch that takes several seconds to geoparse: three articles near the text limit.
fn slow_batch(seed: u64) -> Value {
    Value::Array(
        (0..3).map(|i| json!({"title": format!("long {i}"), "text": common::news_text(1_900_000, seed + i)})).collect(),
    )
}

#[test]
fn a_disconnected_clients_work_stops_and_writes_nothing() {
    let s = common::start(Some(TOKEN), &["--no-samples", "--work-deadline", "120"]);
    let t = Instant::now();
    let err = post_articles(&s, &slow_batch(11), Duration::from_millis(1500)).expect_err("the client gives up first");
    assert!(err.is_timeout(), "{err}");
    // Had the work gone on, the batch would be stored well within this; it must not be.
    std::thread::sleep(Duration::from_secs(25).saturating_sub(t.elapsed()));
    assert_eq!(health(&s)["articles"], 0, "the work of a client that went away was stopped before its commit");
}

#[test]
fn work_past_its_deadline_is_a_503_with_retry_after_and_writes_nothing() {
    let s = common::start(Some(TOKEN), &["--no-samples", "--work-deadline", "0.5"]);
    let r = post_articles(&s, &slow_batch(21), Duration::from_secs(120)).unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().get("retry-after").is_some());
    let b: Value = r.json().unwrap();
    assert!(b["message"].as_str().unwrap().contains("deadline"), "{b}");
    std::thread::sleep(Duration::from_secs(15));
    assert_eq!(health(&s)["articles"], 0);
}

#[test]
fn cpu_heavy_requests_beyond_the_slots_get_503_and_tiles_stay_served() {
    let s = common::start(None, &["--no-samples", "--cpu-slots", "1", "--queue-wait", "0.2"]);
    let base = s.base.clone();
    let long = std::thread::spawn(move || {
        let text = common::news_text(1_900_000, 3);
        common::client()
            .post(format!("{base}/api/geoparse?geometry=point"))
            .json(&json!({"text": text}))
            .send()
            .map(|r| r.status())
    });
    std::thread::sleep(Duration::from_millis(600));
    let r = common::client()
        .post(format!("{}/api/geoparse", s.base))
        .json(&json!({"text": "Fighting near Izium."}))
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "the only slot is taken");
    assert!(r.headers().get("retry-after").is_some());
    let tile = common::client().get(format!("{}/tiles/0/0/0.mvt", s.base)).send().unwrap();
    assert!(tile.status().is_success(), "tiles do not wait for geoparsing: {}", tile.status());
    assert_eq!(long.join().unwrap().unwrap(), StatusCode::OK);
}

#[test]
fn a_slow_header_connection_is_closed() {
    let s = common::start(None, &["--no-samples", "--header-timeout", "1"]);
    let addr = s.base.trim_start_matches("http://").to_string();
    let mut sock = std::net::TcpStream::connect(&addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    // headers started, never finished
    write!(sock, "GET /health HTTP/1.1\r\nHost: {addr}\r\n").unwrap();
    let t = Instant::now();
    let mut buf = Vec::new();
    let _ = sock.read_to_end(&mut buf);
    let waited = t.elapsed();
    assert!(waited < Duration::from_secs(10), "the connection stayed open {waited:?}");
    // a complete request on a fresh connection is served as usual
    assert_eq!(health(&s)["status"], "ok");
}

#[test]
fn kill_9_during_ingest_loses_no_acknowledged_article() {
    let mut s = common::start(Some(TOKEN), &["--no-samples"]);
    let base = s.base.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let writer = std::thread::spawn(move || {
        let client = common::client();
        let mut acked: Vec<i64> = Vec::new();
        for round in 0..10_000u64 {
            if flag.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
            let batch: Vec<Value> = (0..10)
                .map(|i| json!({"title": format!("r{round}-{i}"), "text": common::news_text(1500, round * 100 + i)}))
                .collect();
            match client.post(format!("{base}/api/articles")).bearer_auth(TOKEN).json(&batch).send() {
                Ok(r) if r.status().is_success() => {
                    let v: Value = r.json().unwrap();
                    acked.extend(v["articles"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()));
                }
                _ => break,
            }
        }
        acked
    });
    std::thread::sleep(Duration::from_secs(4));
    s.kill9();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let acked = writer.join().unwrap();
    assert!(acked.len() >= 10, "some batches were acknowledged before the kill: {}", acked.len());
    let c = rusqlite::Connection::open(&s.db).unwrap();
    assert_eq!(c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)).unwrap(), "ok");
    let stored: HashSet<i64> = c
        .prepare("SELECT id FROM articles")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let lost: Vec<&i64> = acked.iter().filter(|id| !stored.contains(id)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    // every stored article has its mentions (a batch is one transaction)
    let orphans: i64 = c
        .query_row(
            "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = a.id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
}
