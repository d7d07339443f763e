//! The real server on a loopback port: OGC API Features, ingest with and without the token, the
//! bad-input matrix (every client mistake is a 4xx with a JSON body and writes nothing).

mod common;

use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::OnceLock;

const TOKEN: &str = "test-token-123";

fn server() -> &'static common::Server {
    static S: OnceLock<common::Server> = OnceLock::new();
    S.get_or_init(|| common::start(Some(TOKEN), &[]))
}

fn get(path: &str) -> (StatusCode, Value) {
    let r =
        common::client().get(format!("{}{path}", server().base)).header("Accept", "application/json").send().unwrap();
    let s = r.status();
    (s, r.json().unwrap_or(Value::Null))
}

fn health() -> Value {
    get("/health").1
}

fn assert_json_error(status: StatusCode, body: &Value, expect: StatusCode, what: &str) {
    assert_eq!(status, expect, "{what}: {body}");
    assert!(
        body["error"].is_string() && body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: JSON error body expected, got {body}"
    );
}

#[test]
fn health_reports_the_sample_articles() {
    let h = health();
    assert_eq!(h["status"], "ok");
    assert!(h["articles"].as_i64().unwrap() >= 20, "{h}");
    assert!(h["incidents"].as_i64().unwrap() >= 100, "{h}");
}

#[test]
fn ogc_landing_conformance_collections() {
    let (s, landing) = get("/?f=json");
    assert_eq!(s, StatusCode::OK);
    let rels: Vec<&str> = landing["links"].as_array().unwrap().iter().map(|l| l["rel"].as_str().unwrap()).collect();
    for rel in ["service-desc", "conformance", "data"] {
        assert!(rels.contains(&rel), "{rel} missing in {rels:?}");
    }
    let (_, conf) = get("/conformance");
    assert!(conf["conformsTo"].as_array().unwrap().iter().any(|c| c.as_str().unwrap().ends_with("conf/core")));
    let (_, cols) = get("/collections");
    assert_eq!(cols["collections"][0]["id"], "incidents");
    let (s, api) = get("/api");
    assert_eq!(s, StatusCode::OK);
    assert!(api["paths"]["/collections/incidents/items"].is_object());
}

#[test]
fn bbox_returns_exactly_the_features_inside() {
    let (_, all) = get("/collections/incidents/items?limit=10000");
    let all = all["features"].as_array().unwrap().clone();
    assert!(all.len() >= 100);
    // A box over the South Caucasus; every point feature inside it must come back, none outside.
    let bbox = [43.0, 38.5, 47.5, 41.5];
    let (s, got) =
        get(&format!("/collections/incidents/items?limit=10000&bbox={},{},{},{}", bbox[0], bbox[1], bbox[2], bbox[3]));
    assert_eq!(s, StatusCode::OK);
    let got = got["features"].as_array().unwrap();
    let ids: std::collections::HashSet<u64> = got.iter().map(|f| f["id"].as_u64().unwrap()).collect();
    for f in &all {
        if f["geometry"]["type"] == "Point" {
            let c = &f["geometry"]["coordinates"];
            let (x, y) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
            let inside = x >= bbox[0] && x <= bbox[2] && y >= bbox[1] && y <= bbox[3];
            assert_eq!(inside, ids.contains(&f["id"].as_u64().unwrap()), "point {x},{y}");
        }
    }
    assert!(got.iter().any(|f| f["geometry"]["type"] == "Point"), "the samples have towns in the South Caucasus");
}

#[test]
fn paging_links_and_filters() {
    let (_, page) = get("/collections/incidents/items?limit=5");
    assert_eq!(page["numberReturned"], 5);
    let matched = page["numberMatched"].as_u64().unwrap();
    assert!(matched > 5);
    let next = page["links"].as_array().unwrap().iter().find(|l| l["rel"] == "next").expect("next link");
    let href = next["href"].as_str().unwrap();
    let r: Value = common::client().get(href).send().unwrap().json().unwrap();
    assert_eq!(r["numberReturned"], 5);
    assert_ne!(r["features"][0]["id"], page["features"][0]["id"]);
    let (_, areas) = get("/collections/incidents/items?precision=4&limit=10000");
    assert!(areas["features"].as_array().unwrap().iter().all(|f| f["properties"]["precision"] == 4));
    let (_, kinds) = get("/collections/incidents/items?kind=settlement&limit=10000");
    assert!(kinds["features"].as_array().unwrap().iter().all(|f| f["properties"]["kind"] == "settlement"));
    let (_, none) = get("/collections/incidents/items?datetime=1900-01-01/1900-12-31");
    assert_eq!(none["numberMatched"], 0);
    let first_id = page["features"][0]["id"].as_u64().unwrap();
    let (s, one) = get(&format!("/collections/incidents/items/{first_id}"));
    assert_eq!(s, StatusCode::OK);
    assert_eq!(one["id"].as_u64(), Some(first_id));
}

#[test]
fn bad_input_matrix() {
    let before = health();
    let c = common::client();
    let base = &server().base;
    for path in [
        "/tiles/23/0/0.mvt",
        "/tiles/3/8/0.mvt",
        "/tiles/3/0/8.mvt",
        "/tiles/a/0/0.mvt",
        "/tiles/3/x/0.mvt",
        "/tiles/3/0/y.mvt",
        "/tiles/-1/0/0.mvt",
        "/collections/incidents/items?bbox=1,2,3",
        "/collections/incidents/items?bbox=190,50,5,60",
        "/collections/incidents/items?bbox=1,2,3,4,5",
        "/collections/incidents/items?bbox=0,60,5,50",
        "/collections/incidents/items?bbox=a,b,c,d",
        "/collections/incidents/items?limit=0",
        "/collections/incidents/items?datetime=2021-02-31",
        "/collections/incidents/items?limit=abc",
        "/collections/incidents/items?datetime=never",
        "/collections/incidents/items?precision=9",
    ] {
        let r = c.get(format!("{base}{path}")).send().unwrap();
        let s = r.status();
        let body: Value = r.json().unwrap_or(Value::Null);
        assert_json_error(s, &body, StatusCode::BAD_REQUEST, path);
    }
    let (s, b) = get("/collections/nope/items");
    assert_json_error(s, &b, StatusCode::NOT_FOUND, "unknown collection");
    let (s, b) = get("/collections/incidents/items/999999999");
    assert_json_error(s, &b, StatusCode::NOT_FOUND, "unknown item");

    let post = |body: reqwest::blocking::Body, auth: Option<&str>, ct: &str| {
        let mut rq = c.post(format!("{base}/api/articles")).header("Content-Type", ct).body(body);
        if let Some(a) = auth {
            rq = rq.header("Authorization", a);
        }
        let r = rq.send().unwrap();
        let s = r.status();
        (s, r.json::<Value>().unwrap_or(Value::Null))
    };
    let good = json!({"title": "t", "text": "Shelling was reported in Goris, Armenia."}).to_string();
    let bearer = format!("Bearer {TOKEN}");
    let (s, b) = post(good.clone().into(), None, "application/json");
    assert_json_error(s, &b, StatusCode::UNAUTHORIZED, "no token");
    let (s, b) = post(good.clone().into(), Some("Bearer wrong"), "application/json");
    assert_json_error(s, &b, StatusCode::UNAUTHORIZED, "wrong token");
    let (s, b) = post("{\"title\": ".into(), Some(&bearer), "application/json");
    assert_json_error(s, &b, StatusCode::BAD_REQUEST, "malformed JSON");
    let (s, b) = post(b"{\"text\": \"Goris \xff\xfe\"}".to_vec().into(), Some(&bearer), "application/json");
    assert!(s.is_client_error(), "non-UTF-8 body: {s}");
    assert!(b["error"].is_string(), "non-UTF-8 body: {b}");
    let (s, b) = post(json!({"title": "no text"}).to_string().into(), Some(&bearer), "application/json");
    assert_json_error(s, &b, StatusCode::BAD_REQUEST, "missing text");
    let (s, b) =
        post(json!({"text": "Goris", "published": "yesterday"}).to_string().into(), Some(&bearer), "application/json");
    assert_json_error(s, &b, StatusCode::BAD_REQUEST, "bad date");
    // A batch with one bad article writes nothing.
    let batch = json!([{"text": "Clashes near Kapan in Syunik."}, {"text": ""}]).to_string();
    let (s, b) = post(batch.into(), Some(&bearer), "application/json");
    assert_json_error(s, &b, StatusCode::BAD_REQUEST, "batch with an empty article");
    // A body over the limit is refused from its Content-Length, before it is read. Send only the
    // headers over a raw socket: a client still uploading when the server answers may see the
    // connection close instead of the answer, which would make this check flaky.
    let (s, b) = oversized_post(&bearer);
    assert_json_error(s, &b, StatusCode::PAYLOAD_TOO_LARGE, "body over the limit");
    let (s, b) = post(good.into(), Some(&bearer), "application/xml");
    assert_json_error(s, &b, StatusCode::UNSUPPORTED_MEDIA_TYPE, "not JSON, JSONL or text");
    let r =
        c.post(format!("{base}/api/geoparse")).header("Content-Type", "application/json").body("[1,2]").send().unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "geoparse with a body of the wrong shape");
    let after = health();
    assert_eq!(before["articles"], after["articles"], "nothing was written");
}

/// POSTs headers announcing a 9 MiB JSON body and reads the answer without sending the body.
fn oversized_post(bearer: &str) -> (StatusCode, Value) {
    use std::io::{Read, Write};
    let addr = server().base.trim_start_matches("http://").to_string();
    let mut sock = std::net::TcpStream::connect(&addr).unwrap();
    sock.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    write!(
        sock,
        "POST /api/articles HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {bearer}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        9 * 1024 * 1024
    )
    .unwrap();
    let mut buf = Vec::new();
    let _ = sock.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let status: u16 = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).expect(&text);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    // The body may be chunked: take the JSON object inside.
    let json = body.find('{').and_then(|a| body.rfind('}').map(|b| &body[a..=b])).unwrap_or("null");
    (StatusCode::from_u16(status).unwrap(), serde_json::from_str(json).unwrap_or(Value::Null))
}

#[test]
fn ingest_is_idempotent_and_updates_the_map() {
    let c = common::client();
    let base = &server().base;
    let text = "Artillery fire hit the outskirts of Jermuk on Tuesday, officials in Yerevan said.";
    // the page around Jermuk is asked for (and cached) before the article arrives
    let around = "/collections/incidents/items?bbox=45.5,39.7,45.8,40.0&limit=1000";
    let (_, before) = get(around);
    let before_n = before["numberMatched"].as_u64().unwrap();
    let body = json!({"title": "Jermuk shelled", "url": "https://example.org/jermuk", "published": "2022-09-13", "text": text});
    let r = c.post(format!("{base}/api/articles")).bearer_auth(TOKEN).json(&body).send().unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().unwrap();
    let id = v["articles"][0]["id"].as_i64().unwrap();
    assert_eq!(v["articles"][0]["created"], true);
    let names: Vec<&str> = v["articles"][0]["mentions"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Jermuk") && names.contains(&"Yerevan"), "{names:?}");
    let r = c.post(format!("{base}/api/articles")).bearer_auth(TOKEN).json(&body).send().unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v2: Value = r.json().unwrap();
    assert_eq!(v2["articles"][0]["id"].as_i64(), Some(id));
    assert_eq!(v2["articles"][0]["created"], false);
    // The cached page is not served stale: the new Jermuk mention is in it.
    let (_, after) = get(around);
    assert!(after["numberMatched"].as_u64().unwrap() > before_n, "{before_n} -> {}", after["numberMatched"]);
    assert!(after["features"].as_array().unwrap().iter().any(|f| f["properties"]["article_id"] == id));
    // The new incidents are queryable at once.
    let (_, items) = get("/collections/incidents/items?q=jermuk%20shelled&limit=100");
    let found: Vec<&Value> =
        items["features"].as_array().unwrap().iter().filter(|f| f["properties"]["article_id"] == id).collect();
    assert!(!found.is_empty(), "{items}");
    assert!(found.iter().any(|f| f["properties"]["place_name"] == "Jermuk"));
}

#[test]
fn writes_without_a_configured_token_are_refused_with_instructions() {
    let s = common::start(None, &["--no-samples"]);
    let r = common::client()
        .post(format!("{}/api/articles", s.base))
        .bearer_auth("anything")
        .json(&json!({"text": "Goris"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let b: Value = r.json().unwrap();
    assert!(b["message"].as_str().unwrap().contains("--token"), "{b}");
    let h: Value = common::client().get(format!("{}/health", s.base)).send().unwrap().json().unwrap();
    assert_eq!(h["articles"], 0, "--no-samples starts empty");
    // Geoparsing needs no token and stores nothing.
    let r = common::client()
        .post(format!("{}/api/geoparse", s.base))
        .json(&json!({"text": "Fighting near Goris, Armenia."}))
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let fc: Value = r.json().unwrap();
    assert_eq!(fc["type"], "FeatureCollection");
    assert!(
        fc["features"].as_array().unwrap().iter().any(|f| f["properties"]["place_id"] == "geonames:174895"),
        "{fc}"
    );
}

#[test]
fn gdal_reads_the_collection() {
    if std::process::Command::new("ogrinfo").arg("--version").output().is_err() {
        common::skip("ogrinfo (gdal-bin) is not installed");
        return;
    }
    let base = &server().base;
    // other tests of this server ingest while this one runs: counts are bounded by the numbers
    // matched just before and just after each GDAL call
    let matched = |q: &str| get(&format!("/collections/incidents/items?{q}")).1["numberMatched"].as_u64().unwrap();
    let before = matched("limit=1");
    let out = std::process::Command::new("ogrinfo")
        .args(["-ro", "-so", &format!("OAPIF:{base}"), "incidents"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "ogrinfo failed: {}", String::from_utf8_lossy(&out.stderr));
    let count: usize =
        text.lines().find_map(|l| l.strip_prefix("Feature Count: ")).and_then(|n| n.trim().parse().ok()).expect(&text);
    let after = matched("limit=1");
    assert!((before..=after).contains(&(count as u64)), "GDAL counted {count}, the API {before}..{after}: {text}");
    let before = matched("bbox=43,38.5,47.5,41.5&limit=1");
    // A spatial filter through GDAL returns exactly the features the API returns for that box.
    let out = std::process::Command::new("ogrinfo")
        .args(["-ro", "-q", "-spat", "43", "38.5", "47.5", "41.5", &format!("OAPIF:{base}"), "incidents"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let gdal_n = text.lines().filter(|l| l.starts_with("OGRFeature(")).count();
    let after = matched("bbox=43,38.5,47.5,41.5&limit=1");
    assert!(
        (before..=after).contains(&(gdal_n as u64)),
        "GDAL read {gdal_n} in the box, the API {before}..{after}: {text}"
    );
}
