//! Drift guard between the router and the OpenAPI document, on the real server: every route the
//! router declares (`.route(...)` in src/http/mod.rs) is in `/api`'s `paths`, and every path and
//! method of `/api` is answered by a route, not by the JSON 404 fallback or a 405. The file trees
//! `/static/...` and `/fonts/...` (nested services, any path) are the only routes left out.

mod common;

use serde_json::Value;

/// The route templates of the router, read from its source.
fn router_routes() -> Vec<String> {
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/mod.rs")).unwrap();
    let mut out = Vec::new();
    for marker in [".route(\"", ".route_service(\""] {
        for (i, _) in src.match_indices(marker) {
            let rest = &src[i + marker.len()..];
            out.push(rest[..rest.find('"').unwrap()].to_string());
        }
    }
    assert!(out.len() >= 15, "read only {out:?} from src/http/mod.rs");
    out
}

/// Whether router template `route` serves spec path `path`: segment by segment, a `{param}` of the
/// router matches any segment (`{collection}` ↔ `incidents`, `{y}` ↔ `{y}.mvt`).
fn serves(route: &str, path: &str) -> bool {
    let (r, p): (Vec<&str>, Vec<&str>) = (route.split('/').collect(), path.split('/').collect());
    r.len() == p.len() && r.iter().zip(&p).all(|(a, b)| a == b || (a.starts_with('{') && a.ends_with('}')))
}

#[test]
fn every_route_is_documented_and_every_documented_path_is_served() {
    let server = common::start(Some("tok"), &[]);
    let c = common::client();
    let doc: Value = c.get(format!("{}/api", server.base)).send().unwrap().json().unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let routes = router_routes();
    for route in &routes {
        assert!(
            paths.keys().any(|p| serves(route, p)),
            "route {route} of src/http/mod.rs is not in the OpenAPI paths {:?}",
            paths.keys().collect::<Vec<_>>()
        );
    }
    for (path, ops) in paths {
        assert!(routes.iter().any(|r| serves(r, path)), "OpenAPI path {path} matches no route of the router");
        let url = format!(
            "{}{}",
            server.base,
            path.replace("{z}", "0").replace("{x}", "0").replace("{y}", "0").replace("{id}", "1")
        );
        for method in ops.as_object().unwrap().keys() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            // no token and no body: writes are refused (401/415), nothing changes
            let r = c.request(m, &url).send().unwrap();
            let status = r.status();
            assert_ne!(status, reqwest::StatusCode::METHOD_NOT_ALLOWED, "{method} {path}: 405");
            if status == reqwest::StatusCode::NOT_FOUND {
                let body: Value = r.json().unwrap_or(Value::Null);
                let message = body["message"].as_str().unwrap_or("");
                assert!(!message.starts_with("no resource at"), "{method} {path} reaches the 404 fallback: {body}");
            }
        }
    }
}
