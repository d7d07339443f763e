//! Issue 15, "every GIS client works", on the real server over loopback: content negotiation
//! (`Accept` with q-values, `Vary`), `datetime` with UTC offsets, `limit` above the maximum,
//! 6-number and antimeridian boxes, `Accept-Encoding` q-values, weak `If-None-Match` and ETags on
//! JSON, unknown parameters, `--static-dir`, cluster ids a JavaScript decoder keeps apart, CORS,
//! forwarded headers, `/metrics` read by Python's `prometheus_client`, and OWSLib as a client.

mod common;

use reqwest::blocking::Response;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashSet};
use std::sync::OnceLock;

const TOKEN: &str = "gis-token";

/// The server with the default options (and the sample articles).
fn server() -> &'static common::Server {
    static S: OnceLock<common::Server> = OnceLock::new();
    S.get_or_init(|| common::start(Some(TOKEN), &[]))
}

/// A copy of the web map's files with a marker in `index.html`, for `--static-dir`.
fn web_copy() -> &'static std::path::Path {
    static D: OnceLock<tempfile::TempDir> = OnceLock::new();
    D.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
        let html = std::fs::read_to_string(src.join("index.html")).unwrap();
        std::fs::write(d.path().join("index.html"), html.replace("<head>", "<head><!-- copy-for-gis-test -->"))
            .unwrap();
        std::fs::write(d.path().join("app.js"), "// app.js of the copy\n").unwrap();
        d
    })
    .path()
}

/// A server behind an imagined proxy: `--trust-forwarded`, restricted CORS origins, its own
/// static directory.
fn configured() -> &'static common::Server {
    static S: OnceLock<common::Server> = OnceLock::new();
    S.get_or_init(|| {
        let dir = web_copy().to_str().unwrap().to_string();
        common::start(
            Some(TOKEN),
            &[
                "--trust-forwarded",
                "--cors-origin",
                "https://maps.example.org",
                "--cors-write-origin",
                "https://ops.example.org",
                "--static-dir",
                &dir,
            ],
        )
    })
}

fn get_with(base: &str, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut r = common::client().get(format!("{base}{path}"));
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.send().unwrap()
}

fn json_of(path: &str) -> Value {
    let r = get_with(&server().base, path, &[]);
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().unwrap()
}

fn header(r: &Response, name: &str) -> Option<String> {
    let all: Vec<String> = r.headers().get_all(name).iter().map(|v| v.to_str().unwrap().to_string()).collect();
    (!all.is_empty()).then(|| all.join(", "))
}

fn error_of(r: Response, status: StatusCode, what: &str) -> String {
    assert_eq!(r.status(), status, "{what}");
    let v: Value = r.json().unwrap_or(Value::Null);
    assert!(v["error"].is_string(), "{what}: JSON error body expected, got {v}");
    v["message"].as_str().unwrap().to_string()
}

fn matched(query: &str) -> u64 {
    json_of(&format!("/collections/incidents/items?limit=1&{query}"))["numberMatched"].as_u64().unwrap()
}

fn ids(query: &str) -> BTreeSet<u64> {
    json_of(&format!("/collections/incidents/items?limit=10000&{query}"))["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_u64().unwrap())
        .collect()
}

#[test]
fn landing_page_negotiates_with_q_values_and_varies_on_accept() {
    let base = &server().base;
    let is_json = |r: &Response| header(r, "content-type").is_some_and(|c| c.starts_with("application/json"));
    let is_html = |r: &Response| header(r, "content-type").is_some_and(|c| c.starts_with("text/html"));
    // no Accept at all (OWSLib, curl), */*: JSON
    let r = common::client().get(format!("{base}/")).send().unwrap();
    assert!(is_json(&r), "{:?}", r.headers());
    assert!(header(&r, "vary").is_some_and(|v| v.to_ascii_lowercase().contains("accept")), "{:?}", r.headers());
    assert!(is_json(&get_with(base, "/", &[("Accept", "*/*")])));
    // a browser's Accept: HTML
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let r = get_with(base, "/", &[("Accept", browser)]);
    assert!(is_html(&r));
    assert!(header(&r, "vary").is_some_and(|v| v.to_ascii_lowercase().contains("accept")));
    // q-values decide, not the order or the presence of a word
    assert!(is_json(&get_with(base, "/", &[("Accept", "text/html;q=0.4, application/json;q=0.9")])));
    assert!(is_html(&get_with(base, "/", &[("Accept", "application/json;q=0, */*")])));
    // f= wins over Accept
    assert!(is_html(&get_with(base, "/?f=html", &[("Accept", "application/json")])));
    assert!(is_json(&get_with(base, "/?f=json", &[("Accept", browser)])));
    let r = get_with(base, "/", &[("Accept", "image/png")]);
    assert_eq!(r.status(), StatusCode::NOT_ACCEPTABLE);
}

#[test]
fn datetime_honours_utc_offsets_and_refuses_impossible_dates() {
    // the day with the most incidents, and the day after it
    let all = json_of("/collections/incidents/items?limit=10000");
    let mut days: std::collections::BTreeMap<String, usize> = Default::default();
    for f in all["features"].as_array().unwrap() {
        if let Some(d) = f["properties"]["published"].as_str() {
            *days.entry(d[..10].to_string()).or_default() += 1;
        }
    }
    let (day, _) = days.iter().max_by_key(|(_, n)| **n).unwrap();
    let d = jiff::civil::Date::strptime("%Y-%m-%d", day).unwrap();
    let next = d.tomorrow().unwrap().to_string();
    let on_day = matched(&format!("datetime={day}"));
    let on_next = matched(&format!("datetime={next}"));
    assert!(on_day > 0);
    // 20:00 at UTC-10 is 06:00 UTC the next day; 20:00Z is the day itself
    assert_eq!(matched(&format!("datetime={day}T20:00:00-10:00")), on_next, "{day}");
    assert_eq!(matched(&format!("datetime={day}T20:00:00Z")), on_day);
    assert_eq!(matched(&format!("datetime={day}T23:30:00%2B01:00")), on_day, "22:30Z the same day");
    // an interval ending at 01:00+02:00 of the next day ends at 23:00Z of the day
    assert_eq!(matched(&format!("datetime={day}/{next}T01:00:00%2B02:00")), on_day);
    for bad in ["2021-02-31", "2021-02-31T00:00:00Z", "2021-05-14T20:00:00", "2021-13-01/..", "2021-06-01/2021-05-01"] {
        let r = get_with(&server().base, &format!("/collections/incidents/items?datetime={bad}"), &[]);
        let m = error_of(r, StatusCode::BAD_REQUEST, bad);
        assert!(m.contains("`datetime`"), "{bad}: {m}");
    }
}

#[test]
fn limit_above_the_maximum_is_clamped_not_refused() {
    let r = get_with(&server().base, "/collections/incidents/items?limit=100000", &[]);
    assert_eq!(r.status(), StatusCode::OK);
    let note = header(&r, "sitrep-limit-clamped").expect("the clamp is announced");
    assert!(note.contains("10000"), "{note}");
    let v: Value = r.json().unwrap();
    let me = v["links"].as_array().unwrap().iter().find(|l| l["rel"] == "self").unwrap();
    assert!(me["href"].as_str().unwrap().contains("limit=10000"), "{me}");
    assert!(v["numberReturned"].as_u64().unwrap() <= 10_000);
    let m = error_of(
        get_with(&server().base, "/collections/incidents/items?limit=0", &[]),
        StatusCode::BAD_REQUEST,
        "limit=0",
    );
    assert!(m.contains("`limit`"), "{m}");
}

#[test]
fn six_number_and_antimeridian_boxes() {
    let four = ids("bbox=43,38.5,47.5,41.5");
    assert!(!four.is_empty());
    assert_eq!(ids("bbox=43,38.5,-100,47.5,41.5,9000"), four);
    // the standard's own example is answered
    let r = get_with(&server().base, "/collections/incidents/items?bbox=160.6,-55.95,-170,-25.89", &[]);
    assert_eq!(r.status(), StatusCode::OK);
    // a box across the antimeridian is the union of its two halves
    let across = ids("bbox=100,-60,-100,80");
    let mut halves = ids("bbox=100,-60,180,80");
    halves.extend(ids("bbox=-180,-60,-100,80"));
    assert_eq!(across, halves);
    assert!(!across.is_empty(), "Asia is in the samples");
    assert!(across.len() < ids("").len(), "Europe and Africa are not in the box");
}

#[test]
fn encodings_etags_and_conditional_requests() {
    let base = &server().base;
    // gzip;q=0 refuses gzip, for the pages kept gzipped, for the tiles and for JSON
    let (x, y) = (2, 1); // z2 tile over Europe and the Middle East
    for path in ["/collections/incidents/items?limit=50".to_string(), format!("/tiles/2/{x}/{y}.mvt"), "/api".into()] {
        let r = get_with(base, &path, &[("Accept-Encoding", "gzip;q=0, identity")]);
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&r, "content-encoding"), None, "{path}");
        let r = get_with(base, &path, &[("Accept-Encoding", "gzip")]);
        assert_eq!(header(&r, "content-encoding").as_deref(), Some("gzip"), "{path}");
    }
    // every JSON answer has an ETag; a weak If-None-Match naming it gets a 304
    for path in [
        "/",
        "/conformance",
        "/collections",
        "/collections/incidents",
        "/collections/incidents/items?limit=7",
        "/api",
        "/tiles.json",
        "/health",
    ] {
        let r = get_with(base, path, &[("Accept", "application/json")]);
        let etag = header(&r, "etag").unwrap_or_else(|| panic!("{path}: no ETag"));
        let weak = if etag.starts_with("W/") { etag.clone() } else { format!("W/{etag}") };
        let again = get_with(base, path, &[("Accept", "application/json"), ("If-None-Match", &weak)]);
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path} with {weak}");
        let other = get_with(base, path, &[("Accept", "application/json"), ("If-None-Match", "W/\"other\"")]);
        assert_eq!(other.status(), StatusCode::OK, "{path}");
    }
    // tiles: a strong ETag, matched weakly
    let r = get_with(base, &format!("/tiles/2/{x}/{y}.mvt"), &[("Accept-Encoding", "gzip")]);
    let etag = header(&r, "etag").unwrap();
    let again = get_with(
        base,
        &format!("/tiles/2/{x}/{y}.mvt"),
        &[("Accept-Encoding", "gzip"), ("If-None-Match", &format!("\"x\", W/{etag}"))],
    );
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}

#[test]
fn unknown_parameters_are_refused_naming_them() {
    let base = &server().base;
    for (path, param) in [
        ("/collections?colour=red", "colour"),
        ("/?fmt=json", "fmt"),
        ("/conformance?x=1", "x"),
        ("/collections/incidents?limt=5", "limt"),
        ("/collections/incidents/items?limt=5", "limt"),
        ("/collections/incidents/items/1?foo=", "foo"),
        ("/tiles.json?token=abc", "token"),
        ("/health?verbose=1", "verbose"),
        ("/collections/incidents/items?bbox-crs=EPSG:3857", "bbox-crs"),
        ("/conformance?f=xml", "f"),
    ] {
        let m = error_of(get_with(base, path, &[]), StatusCode::BAD_REQUEST, path);
        assert!(m.contains(&format!("`{param}`")), "{path}: {m}");
    }
    // the parameters a resource does take still work
    assert_eq!(get_with(base, "/collections?f=json", &[]).status(), StatusCode::OK);
}

#[test]
fn static_dir_serves_the_landing_page_and_the_scripts() {
    let base = &configured().base;
    let r = get_with(base, "/", &[("Accept", "text/html")]);
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().unwrap().contains("copy-for-gis-test"), "GET / comes from --static-dir");
    let r = get_with(base, "/static/app.js", &[]);
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().unwrap(), "// app.js of the copy\n");
    // the default server serves the shipped map
    let r = get_with(&server().base, "/static/app.js", &[]);
    assert_eq!(r.status(), StatusCode::OK);
}

#[test]
fn cluster_ids_are_unique_per_layer_and_exact_in_javascript_z0_to_z8() {
    let base = &server().base;
    let all = json_of("/collections/incidents/items?limit=10000");
    let points: Vec<(f64, f64)> = all["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["geometry"]["type"] == "Point")
        .map(|f| {
            let c = &f["geometry"]["coordinates"];
            (c[0].as_f64().unwrap(), c[1].as_f64().unwrap())
        })
        .collect();
    assert!(points.len() > 50);
    let mut tiles = 0;
    let mut clusters = 0;
    for z in 0..=8u8 {
        let n = 1u32 << z;
        let mut wanted: BTreeSet<(u32, u32)> = BTreeSet::new();
        for &(lon, lat) in &points {
            let x = (((lon + 180.0) / 360.0 * f64::from(n)).floor() as u32).min(n - 1);
            let l = lat.to_radians();
            let y = (((1.0 - (l.tan() + 1.0 / l.cos()).ln() / std::f64::consts::PI) / 2.0 * f64::from(n)).floor()
                as u32)
                .min(n - 1);
            wanted.insert((x, y));
        }
        for (x, y) in wanted {
            let r = get_with(base, &format!("/tiles/{z}/{x}/{y}.mvt"), &[("Accept-Encoding", "identity")]);
            if r.status() == StatusCode::NO_CONTENT {
                continue;
            }
            assert_eq!(r.status(), StatusCode::OK);
            let tile = common::mvt::decode(&r.bytes().unwrap());
            tiles += 1;
            for (layer, features) in &tile {
                // as a JavaScript decoder reads them: doubles
                let mut seen: HashSet<u64> = HashSet::new();
                for (id, _, props) in features {
                    let id = id.unwrap_or_else(|| panic!("{z}/{x}/{y} {layer}: a feature without an id"));
                    assert!(id <= 1 << 53, "{z}/{x}/{y} {layer}: id {id} is above 2^53");
                    assert!(seen.insert((id as f64).to_bits()), "{z}/{x}/{y} {layer}: id {id} repeats");
                    if props.contains_key("point_count") {
                        clusters += 1;
                    }
                }
            }
        }
    }
    assert!(tiles > 30 && clusters > 10, "{tiles} tiles, {clusters} clusters: the sweep saw too little");
}

#[test]
fn cors_reads_from_any_origin_and_writes_only_from_configured_ones() {
    let base = &server().base;
    let c = common::client();
    let preflight = |base: &str, path: &str, origin: &str, method: &str, headers: &str| {
        let mut r = c
            .request(reqwest::Method::OPTIONS, format!("{base}{path}"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method);
        if !headers.is_empty() {
            r = r.header("Access-Control-Request-Headers", headers);
        }
        r.send().unwrap()
    };
    // default: reads from any origin, preflight answered
    let r = preflight(base, "/tiles/2/2/1.mvt", "https://elsewhere.example", "GET", "if-none-match");
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some("*"));
    let r = get_with(base, "/collections/incidents/items?limit=1", &[("Origin", "https://elsewhere.example")]);
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some("*"));
    assert!(header(&r, "access-control-expose-headers").is_some_and(|h| h.contains("etag")));
    let r = preflight(base, "/api/geoparse", "https://elsewhere.example", "POST", "content-type");
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some("*"));
    // default: no page of another origin may write
    let r = preflight(base, "/api/articles", "https://elsewhere.example", "POST", "authorization,content-type");
    assert_eq!(header(&r, "access-control-allow-origin"), None);

    // configured: reads from one origin, writes from another (and still with the token)
    let base = &configured().base;
    let r = preflight(base, "/tiles/2/2/1.mvt", "https://maps.example.org", "GET", "");
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some("https://maps.example.org"));
    let r = preflight(base, "/tiles/2/2/1.mvt", "https://elsewhere.example", "GET", "");
    assert_eq!(header(&r, "access-control-allow-origin"), None);
    let r = preflight(base, "/api/articles", "https://ops.example.org", "POST", "authorization,content-type");
    assert!(r.status().is_success());
    assert_eq!(header(&r, "access-control-allow-origin").as_deref(), Some("https://ops.example.org"));
    assert!(header(&r, "access-control-allow-headers").is_some_and(|h| h.contains("authorization")), "{r:?}");
    let article = json!({"title": "t", "text": "Shelling was reported near Kharkiv.", "published": "2024-01-02"});
    let r = c
        .post(format!("{base}/api/articles"))
        .header("Origin", "https://ops.example.org")
        .json(&article)
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "CORS lets the page ask; the token still decides");
}

#[test]
fn forwarded_headers_shape_links_only_when_trusted() {
    let proxied = [("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "maps.example.org")];
    // trusted
    let base = &configured().base;
    let tj: Value = get_with(base, "/tiles.json", &proxied).json().unwrap();
    assert_eq!(tj["tiles"][0], "https://maps.example.org/tiles/{z}/{x}/{y}.mvt");
    let landing: Value = get_with(base, "/?f=json", &proxied).json().unwrap();
    assert!(landing["links"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["href"].as_str().unwrap().starts_with("https://maps.example.org/")));
    let page: Value = get_with(base, "/collections/incidents/items?limit=1", &proxied).json().unwrap();
    let next = page["links"].as_array().unwrap().iter().find(|l| l["rel"] == "next").unwrap();
    assert!(next["href"].as_str().unwrap().starts_with("https://maps.example.org/collections/incidents/items?"));
    let rfc7239 = [("Forwarded", "for=192.0.2.60;proto=https;host=gis.example.net")];
    let tj: Value = get_with(base, "/tiles.json", &rfc7239).json().unwrap();
    assert_eq!(tj["tiles"][0], "https://gis.example.net/tiles/{z}/{x}/{y}.mvt");
    // not trusted by default: the headers are ignored
    let base = &server().base;
    let tj: Value = get_with(base, "/tiles.json", &proxied).json().unwrap();
    assert!(tj["tiles"][0].as_str().unwrap().starts_with("http://127.0.0.1:"), "{}", tj["tiles"][0]);
}

/// Runs a Python script with `args`; `None` (after `common::skip`) when `module` is missing.
fn python(module: &str, script: &str, args: &[&str]) -> Option<String> {
    let have = std::process::Command::new("python3").args(["-c", &format!("import {module}")]).output();
    if !have.is_ok_and(|o| o.status.success()) {
        common::skip(&format!("the Python package {module} is missing"));
        return None;
    }
    let out = std::process::Command::new("python3").arg("-c").arg(script).args(args).output().unwrap();
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).unwrap())
}

const READ_METRICS: &str = r#"
import json, sys, urllib.request
from prometheus_client.parser import text_string_to_metric_families
text = urllib.request.urlopen(sys.argv[1] + "/metrics").read().decode()
out = {}
for fam in text_string_to_metric_families(text):
    for s in fam.samples:
        key = s.name + json.dumps(s.labels, sort_keys=True, separators=(",", ":"))
        out[key] = s.value
print(json.dumps(out))
"#;

fn metrics(base: &str) -> Option<Value> {
    python("prometheus_client", READ_METRICS, &[base]).map(|s| serde_json::from_str(&s).unwrap())
}

fn sample(m: &Value, name: &str, labels: Value) -> f64 {
    let key = format!("{name}{}", serde_json::to_string(&labels).unwrap());
    m.get(&key).and_then(Value::as_f64).unwrap_or(0.0)
}

#[test]
fn metrics_parse_as_prometheus_text_and_move_with_requests() {
    // its own server: other tests' requests would move the counters
    let s = common::start(Some(TOKEN), &["--no-samples"]);
    let base = &s.base;
    let Some(before) = metrics(base) else { return };
    let route = |status: u16| json!({"method": "GET", "route": "/collections", "status": status.to_string()});
    for _ in 0..3 {
        assert_eq!(get_with(base, "/collections", &[]).status(), StatusCode::OK);
    }
    assert_eq!(get_with(base, "/collections?nope=1", &[]).status(), StatusCode::BAD_REQUEST);
    let r = common::client()
        .post(format!("{base}/api/articles"))
        .bearer_auth(TOKEN)
        .json(
            &json!({"title": "t", "text": "Shelling was reported near Kharkiv and Izium.", "published": "2024-01-02"}),
        )
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let stored: Value = r.json().unwrap();
    let mentions = stored["articles"][0]["mention_ids"].as_array().unwrap().len() as f64;
    assert!(mentions >= 1.0, "{stored}");
    for _ in 0..2 {
        let r = get_with(base, "/tiles/5/19/10.mvt", &[]);
        assert!(r.status().is_success());
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let after = metrics(base).unwrap();
    let d = |name: &str, labels: Value| sample(&after, name, labels.clone()) - sample(&before, name, labels);
    assert_eq!(d("sitrep_http_requests_total", route(200)), 3.0);
    assert_eq!(d("sitrep_http_requests_total", route(400)), 1.0);
    assert!(d("sitrep_http_request_duration_seconds_count", json!({"route": "/collections"})) >= 4.0);
    assert!(d("sitrep_http_request_duration_seconds_count", json!({"route": "/api/articles"})) >= 1.0);
    assert_eq!(d("sitrep_ingested_articles_total", json!({})), 1.0);
    assert_eq!(d("sitrep_ingested_mentions_total", json!({})), mentions);
    assert_eq!(d("sitrep_tile_cache_misses", json!({"cache": "incidents"})), 1.0);
    assert_eq!(d("sitrep_tile_cache_hits", json!({"cache": "incidents"})), 1.0);
    assert!(sample(&after, "sitrep_tile_cache_entries", json!({"cache": "incidents"})) >= 1.0);
    assert!(sample(&after, "sitrep_tile_cache_size_bytes", json!({"cache": "incidents"})) > 0.0);
    assert_eq!(sample(&after, "sitrep_index_incidents", json!({})), mentions);
    assert_eq!(sample(&after, "sitrep_store_articles", json!({})), 1.0);
    assert_eq!(sample(&after, "sitrep_sse_clients", json!({})), 0.0);
}

const OWSLIB: &str = r#"
import json, sys
from owslib.ogcapi.features import Features
w = Features(sys.argv[1])
out = {"conformance": w.conformance()["conformsTo"], "collections": [c["id"] for c in w.collections()["collections"]]}
out["collection"] = w.collection("incidents")["id"]
page = w.collection_items("incidents", bbox=[43, 38.5, 47.5, 41.5], limit=5)
out["bbox"] = [page["numberMatched"], page["numberReturned"]]
dated = w.collection_items("incidents", datetime_=sys.argv[2], limit=10000)
out["datetime"] = [dated["numberMatched"], len(dated["features"])]
print(json.dumps(out))
"#;

#[test]
fn owslib_reads_the_service() {
    let base = &server().base;
    let Some(out) = python("owslib", OWSLIB, &[base, "2000-01-01/2022-12-31"]) else { return };
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(v["conformance"].as_array().unwrap().iter().any(|c| c.as_str().unwrap().ends_with("conf/core")));
    assert_eq!(v["collections"], json!(["incidents"]));
    assert_eq!(v["collection"], "incidents");
    let in_box = matched("bbox=43,38.5,47.5,41.5");
    assert_eq!(v["bbox"], json!([in_box, in_box.min(5)]));
    let dated = matched("datetime=2000-01-01/2022-12-31");
    assert_eq!(v["datetime"], json!([dated, dated]));
}
