//! OGC API Features Part 3 (Filtering) on the real server over loopback: CQL2 text and JSON
//! filters on `/collections/incidents/items` counted against what the stored incidents say (every
//! feature read once without a filter and the filter computed here by hand), the 400s naming an
//! unknown property, bad syntax, a bad `filter-lang` or `filter-crs`, `/queryables` and the
//! conformance classes, and real clients: OWSLib with a CQL2 filter, GDAL's `ogr2ogr -where`
//! through paging.

mod common;

use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The server with the sample articles; nothing writes to it, so counts are fixed.
fn server() -> &'static common::Server {
    static S: OnceLock<common::Server> = OnceLock::new();
    S.get_or_init(|| common::start(None, &[]))
}

fn items_url(query: &[(&str, &str)]) -> String {
    let q: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(query).finish();
    format!("{}/collections/incidents/items?{q}", server().base)
}

fn get(query: &[(&str, &str)]) -> (StatusCode, Value) {
    let r = common::client().get(items_url(query)).send().unwrap();
    let status = r.status();
    (status, r.json().unwrap_or(Value::Null))
}

/// Every stored incident, unfiltered.
fn all() -> &'static Vec<Value> {
    static A: OnceLock<Vec<Value>> = OnceLock::new();
    A.get_or_init(|| {
        let (s, v) = get(&[("limit", "10000")]);
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["numberMatched"], v["numberReturned"], "the sample data fits one page");
        v["features"].as_array().unwrap().clone()
    })
}

fn expected(pred: impl Fn(&Value) -> bool) -> BTreeSet<u64> {
    all().iter().filter(|f| pred(&f["properties"])).map(|f| f["id"].as_u64().unwrap()).collect()
}

fn filtered(query: &[(&str, &str)]) -> (u64, BTreeSet<u64>) {
    let mut q = query.to_vec();
    q.push(("limit", "10000"));
    let (s, v) = get(&q);
    assert_eq!(s, StatusCode::OK, "{query:?}: {v}");
    let ids: BTreeSet<u64> = v["features"].as_array().unwrap().iter().map(|f| f["id"].as_u64().unwrap()).collect();
    (v["numberMatched"].as_u64().unwrap(), ids)
}

fn s<'a>(p: &'a Value, k: &str) -> &'a str {
    p[k].as_str().unwrap_or("")
}
fn n(p: &Value, k: &str) -> f64 {
    p[k].as_f64().unwrap_or(f64::NAN)
}

#[test]
fn cql2_text_filters_count_what_the_data_says() {
    assert!(all().len() > 50, "the samples hold incidents");
    let cases: Vec<(&str, Box<dyn Fn(&Value) -> bool>)> = vec![
        (
            "kind = 'settlement' AND precision <= 2",
            Box::new(|p| s(p, "kind") == "settlement" && n(p, "precision") <= 2.0),
        ),
        (
            "kind IN ('country', 'admin1') OR confidence < 0.5",
            Box::new(|p| matches!(s(p, "kind"), "country" | "admin1") || n(p, "confidence") < 0.5),
        ),
        (
            "NOT (kind = 'settlement') AND precision BETWEEN 2 AND 4",
            Box::new(|p| s(p, "kind") != "settlement" && (2.0..=4.0).contains(&n(p, "precision"))),
        ),
        ("place_name LIKE 'K%'", Box::new(|p| s(p, "place_name").starts_with('K'))),
        ("CASEI(quote) LIKE '%shell%'", Box::new(|p| s(p, "quote").to_lowercase().contains("shell"))),
        ("url IS NULL", Box::new(|p| p.get("url").is_none())),
        (
            "S_INTERSECTS(geometry, BBOX(43, 38.5, 47.5, 41.5)) AND kind = 'settlement'",
            Box::new(|p| {
                s(p, "kind") == "settlement"
                    && (43.0..=47.5).contains(&n(p, "lon"))
                    && (38.5..=41.5).contains(&n(p, "lat"))
            }),
        ),
        (
            "T_INTERSECTS(datetime, INTERVAL('2021-01-01', '2021-12-31'))",
            Box::new(|p| ("2021-01-01"..="2021-12-31").contains(&s(p, "published"))),
        ),
        ("datetime >= DATE('2022-01-01')", Box::new(|p| s(p, "published") >= "2022-01-01")),
    ];
    let mut nonempty = 0;
    for (f, pred) in cases {
        let want = expected(pred);
        let (matched, ids) = filtered(&[("filter", f)]);
        assert_eq!(ids, want, "{f}");
        assert_eq!(matched, want.len() as u64, "numberMatched counts the filtered items: {f}");
        assert!(want.len() < all().len(), "{f} filters something out");
        nonempty += usize::from(!want.is_empty());
    }
    assert!(nonempty >= 7, "the filters select something");
}

#[test]
fn cql2_json_gives_the_same_page_as_text() {
    let text = "kind = 'settlement' AND precision <= 2";
    let json = json!({"op": "and", "args": [
        {"op": "=", "args": [{"property": "kind"}, "settlement"]},
        {"op": "<=", "args": [{"property": "precision"}, 2]}
    ]})
    .to_string();
    let want = expected(|p| s(p, "kind") == "settlement" && n(p, "precision") <= 2.0);
    let (m, ids) = filtered(&[("filter", &json), ("filter-lang", "cql2-json")]);
    assert_eq!((m, &ids), (want.len() as u64, &want));
    // one filter, two spellings: one page, its links in the normalised text
    let page = |q: &[(&str, &str)]| {
        let r = common::client().get(items_url(q)).send().unwrap();
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        (etag, r.json::<Value>().unwrap())
    };
    let (ea, a) = page(&[("filter", text), ("limit", "3")]);
    let (eb, b) = page(&[("filter", &json), ("filter-lang", "cql2-json"), ("limit", "3")]);
    assert_eq!(a, b);
    assert_eq!(ea, eb);
    let next = a["links"].as_array().unwrap().iter().find(|l| l["rel"] == "next").expect("a next link");
    let href = next["href"].as_str().unwrap();
    assert!(href.contains("filter-lang=cql2-text"), "{href}");
    // the next link works and pages on through the filtered set
    let v: Value = common::client().get(href).send().unwrap().json().unwrap();
    assert_eq!(v["numberMatched"].as_u64(), Some(want.len() as u64));
    let second: Vec<u64> = v["features"].as_array().unwrap().iter().map(|f| f["id"].as_u64().unwrap()).collect();
    assert_eq!(second, want.iter().copied().skip(3).take(3).collect::<Vec<_>>());
    // a temporal interval in JSON
    let t =
        json!({"op": "t_intersects", "args": [{"property": "datetime"}, {"interval": ["2021-01-01", "2021-12-31"]}]});
    let (m, _) = filtered(&[("filter", &t.to_string()), ("filter-lang", "cql2-json")]);
    assert_eq!(m, expected(|p| ("2021-01-01"..="2021-12-31").contains(&s(p, "published"))).len() as u64);
}

fn error(query: &[(&str, &str)]) -> String {
    let (status, v) = get(query);
    assert_eq!(status, StatusCode::BAD_REQUEST, "{query:?}: {v}");
    assert!(v["error"].is_string(), "{v}");
    v["message"].as_str().unwrap().to_string()
}

#[test]
fn bad_filters_are_400s_naming_the_problem() {
    let m = error(&[("filter", "colour = 'red'")]);
    assert!(m.contains("`colour`") && m.contains("filter"), "{m}");
    let m = error(&[("filter", r#"{"op":"=","args":[{"property":"colour"},"red"]}"#), ("filter-lang", "cql2-json")]);
    assert!(m.contains("`colour`"), "{m}");
    let m = error(&[("filter", "kind = ")]);
    assert!(m.contains("cql2-text"), "{m}");
    let m = error(&[("filter", "{\"op\": "), ("filter-lang", "cql2-json")]);
    assert!(m.contains("cql2-json"), "{m}");
    let m = error(&[("filter", "precision = 'high'")]);
    assert!(m.contains("type mismatch"), "{m}");
    let m = error(&[("filter", "kind = 'x'"), ("filter-crs", "http://www.opengis.net/def/crs/EPSG/0/3857")]);
    assert!(m.contains("filter-crs"), "{m}");
    let m = error(&[("filter", "kind = 'x'"), ("filter-lang", "ecql")]);
    assert!(m.contains("filter-lang"), "{m}");
    // nesting deep enough to overflow a recursive parser's stack is refused, and the server stays up
    let m = error(&[("filter", &("NOT ".repeat(3000) + "kind = 'x'"))]);
    assert!(m.contains("nested deeper"), "{m}");
    let health = common::client().get(format!("{}/health", server().base)).send().unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    // CRS84 is the default and may be named
    let (s, _) = get(&[("filter", "kind = 'x'"), ("filter-crs", "http://www.opengis.net/def/crs/OGC/1.3/CRS84")]);
    assert_eq!(s, StatusCode::OK);
}

#[test]
fn queryables_and_conformance() {
    let base = &server().base;
    let r = common::client().get(format!("{base}/collections/incidents/queryables")).send().unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/schema+json");
    let q: Value = r.json().unwrap();
    assert_eq!(q["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(q["properties"]["kind"]["type"], "string");
    assert_eq!(q["properties"]["precision"]["type"], "integer");
    assert_eq!(q["properties"]["confidence"]["type"], "number");
    assert_eq!(q["properties"]["datetime"]["format"], "date-time");
    assert!(q["properties"]["geometry"].is_object());
    assert!(q["properties"].get("relation").is_none(), "objects cannot be filtered on");
    // every queryable is accepted by the filter
    for name in q["properties"].as_object().unwrap().keys() {
        if name == "geometry" || name == "datetime" {
            continue;
        }
        let (s, v) = get(&[("filter", &format!("{name} IS NULL")), ("limit", "1")]);
        assert_eq!(s, StatusCode::OK, "{name}: {v}");
    }
    let c: Value = common::client().get(format!("{base}/collections/incidents")).send().unwrap().json().unwrap();
    assert!(
        c["links"].as_array().unwrap().iter().any(|l| l["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/queryables"
            && l["href"].as_str().unwrap().ends_with("/collections/incidents/queryables")),
        "{c}"
    );
    let conf: Value = common::client().get(format!("{base}/conformance")).send().unwrap().json().unwrap();
    let classes: Vec<&str> = conf["conformsTo"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    for c in [
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    ] {
        assert!(classes.contains(&c), "{c} in {classes:?}");
    }
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

const OWSLIB: &str = r#"
import json, sys
from owslib.ogcapi.features import Features
w = Features(sys.argv[1])
q = w.collection_queryables("incidents")
page = w.collection_items("incidents", limit=10000, filter=sys.argv[2], **{"filter-lang": "cql2-text"})
print(json.dumps({"queryables": sorted(q["properties"]), "matched": page["numberMatched"],
                  "ids": sorted(f["id"] for f in page["features"])}))
"#;

#[test]
fn owslib_filters_with_cql2() {
    let base = &server().base;
    let f = "kind = 'settlement' AND precision <= 2";
    let Some(out) = python("owslib", OWSLIB, &[base, f]) else { return };
    let v: Value = serde_json::from_str(&out).unwrap();
    let want = expected(|p| s(p, "kind") == "settlement" && n(p, "precision") <= 2.0);
    assert!(!want.is_empty());
    assert_eq!(v["matched"].as_u64(), Some(want.len() as u64));
    assert_eq!(v["ids"], json!(want));
    assert!(v["queryables"].as_array().unwrap().contains(&json!("kind")), "{v}");
}

#[test]
fn gdal_ogr2ogr_where_through_paging() {
    if std::process::Command::new("ogr2ogr").arg("--version").output().is_err() {
        common::skip("ogr2ogr (gdal-bin) is not installed");
        return;
    }
    let base = &server().base;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.gpkg");
    let want = expected(|p| s(p, "kind") == "settlement" && n(p, "precision") <= 2.0);
    assert!(want.len() > 20, "more than two pages of 10");
    let (matched, _) = filtered(&[("filter", "kind = 'settlement' AND precision <= 2")]);
    assert_eq!(matched, want.len() as u64);
    let run = std::process::Command::new("ogr2ogr")
        .args(["-f", "GPKG", out.to_str().unwrap(), &format!("OAPIF:{base}"), "incidents"])
        .args(["-where", "kind = 'settlement' AND precision <= 2", "-oo", "PAGE_SIZE=10"])
        .output()
        .unwrap();
    assert!(run.status.success(), "ogr2ogr failed: {}", String::from_utf8_lossy(&run.stderr));
    let info = std::process::Command::new("ogrinfo")
        .args(["-ro", "-so", out.to_str().unwrap(), "incidents"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&info.stdout);
    let count: u64 =
        text.lines().find_map(|l| l.strip_prefix("Feature Count: ")).and_then(|n| n.trim().parse().ok()).expect(&text);
    assert_eq!(count, matched, "{text}");
}
