//! OGC API Features (Part 1 Core) resources, `/health` and the JSON 404.

use super::negotiate::{etag_matches, negotiate, not_modified};
use super::origin::{BaseUrl, HttpOptions};
use super::{ApiError, AppState};
use crate::features::{self, ItemsQuery, COLLECTION};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;

const GEOJSON: &str = "application/geo+json";

pub(super) fn pairs(query: &Option<String>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()).into_owned().collect()
}

/// `GET /`: the landing page as JSON (OGC API) or the web map (HTML). `f=json|html` decides;
/// otherwise `Accept` with its q-values, JSON for clients that state no preference (`*/*`, none):
/// a browser asks for `text/html` first.
pub async fn landing(
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    BaseUrl(b): BaseUrl,
    Extension(options): Extension<Arc<HttpOptions>>,
) -> Response {
    let f = pairs(&query).into_iter().find(|(k, _)| k == "f").map(|(_, v)| v);
    let html = match f.as_deref() {
        Some("html") => true,
        Some(_) => false,
        None => match negotiate(&headers, &["application/json", "text/html"]) {
            Some(t) => t == "text/html",
            None => {
                return (
                    StatusCode::NOT_ACCEPTABLE,
                    [(header::VARY, "Accept")],
                    Json(json!({"error": "not_acceptable", "message": "the landing page is offered as application/json or text/html (or send f=json / f=html)"})),
                )
                    .into_response();
            }
        },
    };
    let mut resp = if !html {
        Json(json!({
            "title": "sitrep",
            "description": "Places named in news articles, geoparsed and served as incidents (OGC API Features, vector tiles, web map).",
            "links": [
                {"href": format!("{b}/?f=json"), "rel": "self", "type": "application/json", "title": "this document"},
                {"href": format!("{b}/api"), "rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0", "title": "the API definition"},
                {"href": format!("{b}/conformance"), "rel": "conformance", "type": "application/json", "title": "conformance classes"},
                {"href": format!("{b}/collections"), "rel": "data", "type": "application/json", "title": "collections"},
                {"href": format!("{b}/tiles.json"), "rel": "tiles", "type": "application/json", "title": "TileJSON of the incident tiles"},
                {"href": format!("{b}/?f=html"), "rel": "alternate", "type": "text/html", "title": "the web map"}
            ]
        }))
        .into_response()
    } else {
        match tokio::fs::read_to_string(options.static_dir.join("index.html")).await {
            Ok(html) => ([(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response(),
            Err(_) => ApiError::NotFound(format!(
                "the web map ({}) is not installed; the JSON API is at /?f=json",
                options.static_dir.join("index.html").display()
            ))
            .into_response(),
        }
    };
    resp.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept"));
    resp
}

/// The conformance classes implemented: Part 1 Core, GeoJSON, OAS 3.0; Part 3 Filtering with
/// queryables; CQL2 text and JSON with the operators [`features::filter`] offers.
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
];

pub async fn conformance() -> Json<Value> {
    Json(json!({ "conformsTo": CONFORMANCE }))
}

/// `/collections/incidents/queryables`: what a CQL2 filter can name, as a JSON Schema.
pub async fn queryables(BaseUrl(b): BaseUrl, Path(c): Path<String>) -> Result<Response, ApiError> {
    check_collection(&c)?;
    let doc = features::filter::queryables(&format!("{b}/collections/{COLLECTION}/queryables"));
    Ok(([(header::CONTENT_TYPE, "application/schema+json")], Json(doc)).into_response())
}

fn collection_doc(b: &str, state: &AppState) -> Value {
    let snap = state.index.snapshot();
    let bbox = snap.bounds().unwrap_or([-180.0, -90.0, 180.0, 90.0]);
    let (t0, t1) = snap.time_range().unwrap_or((1, 0));
    let day = crate::datetime::rfc3339_day;
    let interval = if t0 <= t1 { json!([[day(t0), day(t1)]]) } else { json!([[null, null]]) };
    json!({
        "id": COLLECTION,
        "title": "Incidents",
        "description": "One feature per place mention in an ingested article: points for settlements, lines for corridors and lines of contact, areas for provinces, regions and countries.",
        "itemType": "feature",
        "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
        "extent": {
            "spatial": {"bbox": [bbox], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"},
            "temporal": {"interval": interval, "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
        },
        "links": [
            {"href": format!("{b}/collections/{COLLECTION}"), "rel": "self", "type": "application/json"},
            {"href": format!("{b}/collections/{COLLECTION}/items"), "rel": "items", "type": GEOJSON, "title": "the incidents"},
            {"href": format!("{b}/collections/{COLLECTION}/queryables"), "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables", "type": "application/schema+json", "title": "what a CQL2 filter can name"}
        ]
    })
}

pub async fn collections(BaseUrl(b): BaseUrl, State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(json!({
        "links": [{"href": format!("{b}/collections"), "rel": "self", "type": "application/json"}],
        "collections": [collection_doc(&b, &state)]
    }))
}

fn check_collection(c: &str) -> Result<(), ApiError> {
    if c != COLLECTION {
        return Err(ApiError::NotFound(format!("no collection `{c}`; the only collection is `{COLLECTION}`")));
    }
    Ok(())
}

pub async fn collection(
    BaseUrl(b): BaseUrl,
    Path(c): Path<String>,
    State(state): State<Arc<AppState>>,
) -> Result<Json<Value>, ApiError> {
    check_collection(&c)?;
    Ok(Json(collection_doc(&b, &state)))
}

fn answer(
    state: &AppState,
    headers: &HeaderMap,
    base: &str,
    query: &Option<String>,
    path: &str,
) -> Result<Response, ApiError> {
    let raw = pairs(query);
    let q = ItemsQuery::parse(raw.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    // the paging links repeat the query, the filter in its normalised cql2-text: two spellings of
    // one filter give one page (and one cache entry)
    let mut extra: Vec<String> = query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| {
            let name = p.split('=').next().unwrap_or("");
            !p.is_empty() && !matches!(name, "limit" | "offset" | "filter" | "filter-lang" | "filter-crs")
        })
        .map(str::to_string)
        .collect();
    if let Some(f) = &q.filter {
        let text: String = form_urlencoded::byte_serialize(f.normalized().as_bytes()).collect();
        extra.push(format!("filter={text}&filter-lang=cql2-text"));
    }
    let gzip_ok = super::accepts_gzip(headers);
    let key = format!("{base}{path}?{}&limit={}&offset={}", extra.join("&"), q.limit, q.offset);
    // the rejected incidents are a small set of their own, not cached (their writes are not noted)
    let rejected = q.review == Some(crate::store::ReviewStatus::Rejected);
    let cached = if rejected { None } else { state.item_pages.current(&key) };
    let page = match cached {
        Some(p) => p,
        None => {
            let snap = if rejected { state.rejected.snapshot() } else { state.index.snapshot() };
            let body = features::items(&snap, &q, &format!("{base}{path}"), &extra.join("&"));
            let identity: super::pages::Identity = body
                .features
                .iter()
                .map(|f| {
                    let review = match &f.incident.props {
                        crate::schema::Props::Mention(m) => m.review.as_ref().map_or(0, |r| r.seq),
                        crate::schema::Props::Json(_) => 0,
                    };
                    (f.incident.id, Arc::as_ptr(&f.incident.place) as usize, f.incident.time, review)
                })
                .collect();
            let mut failed = None;
            let part_key = if rejected { "" } else { key.as_str() };
            let part = state.item_pages.part(part_key, identity, |identity| {
                let json = serde_json::to_vec(&body.features).unwrap_or_else(|e| {
                    failed = Some(e);
                    Vec::new()
                });
                super::pages::Part::new(identity, &json)
            });
            if let Some(e) = failed {
                return Err(ApiError::Internal(format!("items page: {e}")));
            }
            let tail = features::ItemsTail::of(&body);
            let mut tail = serde_json::to_vec(&tail).map_err(|e| ApiError::Internal(format!("items page: {e}")))?;
            // `{"numberMatched":…}` continues the features part: `,"numberMatched":…}`
            if let Some(first) = tail.first_mut() {
                *first = b',';
            }
            let page = part.page(tail);
            let bbox = q.bbox.unwrap_or([-180.0, -90.0, 180.0, 90.0]);
            if !rejected {
                state.item_pages.store(key, snap.generation(), bbox, &page);
            }
            page
        }
    };
    let etag = if gzip_ok { &page.etag_gzip } else { &page.etag };
    let mut vary = HeaderMap::new();
    vary.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if etag_matches(headers, etag) {
        return Ok(not_modified(etag, &vary));
    }
    let mut resp = if gzip_ok {
        let mut r = page.gzip().into_response();
        r.headers_mut().insert(header::CONTENT_ENCODING, axum::http::HeaderValue::from_static("gzip"));
        r
    } else {
        page.raw().into_response()
    };
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, axum::http::HeaderValue::from_static(GEOJSON));
    h.insert(header::VARY, axum::http::HeaderValue::from_static("Accept-Encoding"));
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(asked) = q.limit_asked {
        // OGC API Features 17-069r4 §7.15.3: a limit above the maximum is not an error; say so
        if let Ok(v) = HeaderValue::from_str(&format!(
            "limit={asked} is above the maximum {}; this page holds at most {} (see the self link)",
            features::MAX_LIMIT,
            q.limit
        )) {
            h.insert(header::HeaderName::from_static("sitrep-limit-clamped"), v);
        }
    }
    Ok(resp)
}

pub async fn items(
    headers: HeaderMap,
    BaseUrl(b): BaseUrl,
    Path(c): Path<String>,
    RawQuery(query): RawQuery,
    State(state): State<Arc<AppState>>,
) -> Result<Response, ApiError> {
    check_collection(&c)?;
    answer(&state, &headers, &b, &query, &format!("/collections/{COLLECTION}/items"))
}

pub async fn incidents_alias(
    headers: HeaderMap,
    BaseUrl(b): BaseUrl,
    RawQuery(query): RawQuery,
    State(state): State<Arc<AppState>>,
) -> Result<Response, ApiError> {
    answer(&state, &headers, &b, &query, "/api/incidents")
}

pub async fn item(
    BaseUrl(b): BaseUrl,
    Path((c, id)): Path<(String, String)>,
    State(state): State<Arc<AppState>>,
) -> Result<Response, ApiError> {
    check_collection(&c)?;
    let n: u64 = id.parse().map_err(|_| ApiError::NotFound(format!("no incident `{id}`: ids are integers")))?;
    let (snap, rejected) = (state.index.snapshot(), state.rejected.snapshot());
    let inc = snap.get(n).or_else(|| rejected.get(n)).ok_or_else(|| ApiError::NotFound(format!("no incident {n}")))?;
    let mut f = features::feature(inc);
    f["links"] = json!([
        {"href": format!("{b}/collections/{COLLECTION}/items/{n}"), "rel": "self", "type": GEOJSON},
        {"href": format!("{b}/collections/{COLLECTION}"), "rel": "collection", "type": "application/json"}
    ]);
    Ok(([(header::CONTENT_TYPE, GEOJSON)], Json(f)).into_response())
}

pub async fn health(State(state): State<Arc<AppState>>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "articles": state.store.article_count()?,
        "incidents": state.index.snapshot().len(),
        "places": state.geoparser.gazetteer().len(),
    })))
}

pub async fn not_found(uri: Uri) -> (StatusCode, Json<Value>) {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": "not_found", "message": format!("no resource at {}; see /api for the API", uri.path())})),
    )
}

/// The OpenAPI 3.0.3 document of every route (`src/http/openapi.json`, written by hand), with
/// this server's base URL and version filled in.
pub async fn openapi(BaseUrl(b): BaseUrl) -> Response {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    let mut doc = DOC.get_or_init(openapi_template).clone();
    doc["servers"] = json!([{"url": b}]);
    doc["info"]["version"] = json!(env!("CARGO_PKG_VERSION"));
    ([(header::CONTENT_TYPE, "application/vnd.oai.openapi+json;version=3.0")], Json(doc)).into_response()
}

/// `openapi.json` as shipped in the binary (checked by the test below, so it always parses).
fn openapi_template() -> Value {
    serde_json::from_str(include_str!("openapi.json")).unwrap_or_else(|_| json!({"openapi": "3.0.3", "paths": {}}))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document parses, and the limits it states are the server's.
    #[test]
    fn openapi_document_states_the_server_limits() {
        let doc: Value = serde_json::from_str(include_str!("openapi.json")).expect("openapi.json parses");
        assert_eq!(doc["openapi"], "3.0.3");
        let p = &doc["components"]["parameters"];
        assert_eq!(p["filter"]["schema"]["maxLength"], json!(features::filter::MAX_FILTER_BYTES));
        assert_eq!(p["filter-crs"]["schema"]["enum"], json!([features::CRS84]));
        assert_eq!(p["bbox-crs"]["schema"]["enum"], json!([features::CRS84]));
        assert_eq!(p["z"]["schema"]["maximum"], json!(crate::tiles::MAX_ZOOM));
        let items = &doc["paths"]["/collections/incidents/items"]["get"]["parameters"];
        let names: Vec<String> = items
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let name = r["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
                p[name]["name"].as_str().unwrap().to_string()
            })
            .collect();
        for n in features::ITEMS_PARAMS {
            assert!(names.iter().any(|x| x == n), "items parameter {n} is not in openapi.json");
        }
    }
}
