//! Cross-origin access (CORS) for browser pages on other origins (MapLibre, Leaflet, OpenLayers).
//!
//! Contract: [`reads`] lets pages of the read origins (any by default, as Martin does;
//! `--cors-origin` to restrict) GET every resource and POST to the public `/api/geoparse`, and
//! answers their preflight; the ETag and Content-Encoding of answers are readable by them.
//! [`writes`] lets pages of the write origins (none by default; `--cors-write-origin`) send
//! `POST /api/articles` with `Authorization` — the token is still required: CORS only decides
//! whether a browser lets the page make the request. No credentials (cookies) are ever allowed.
//! Not for: authentication (that is the bearer token in `articles`).

use super::origin::{HttpOptions, Origins};
use axum::http::{header, HeaderName, HeaderValue, Method};
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

fn allow_origin(origins: &Origins) -> AllowOrigin {
    match origins {
        Origins::Any => AllowOrigin::any(),
        Origins::List(list) => AllowOrigin::list(list.iter().filter_map(|o| HeaderValue::from_str(o).ok())),
    }
}

fn exposed() -> [HeaderName; 5] {
    [header::ETAG, header::CONTENT_ENCODING, header::CONTENT_LENGTH, header::RETRY_AFTER, header::LINK]
}

/// CORS of the public resources.
pub fn reads(origins: &Origins) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(allow_origin(origins))
        .allow_methods([Method::GET, Method::HEAD, Method::POST])
        .allow_headers([header::ACCEPT, header::CONTENT_TYPE, header::IF_NONE_MATCH, header::CACHE_CONTROL])
        .expose_headers(exposed())
        .max_age(Duration::from_secs(86_400))
}

/// CORS of the token-protected writes.
pub fn writes(origins: &Origins) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(allow_origin(origins))
        .allow_methods([Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .expose_headers(exposed())
        .max_age(Duration::from_secs(600))
}

/// The two CORS policies of the server.
pub struct Cors {
    reads: CorsLayer,
    writes: CorsLayer,
    /// With reads from any origin, what a read that is not a preflight gets (the same for every
    /// request: `Access-Control-Allow-Origin: *` and the exposed headers).
    any_read: Option<[(HeaderName, HeaderValue); 2]>,
}

impl Cors {
    pub fn new(options: &HttpOptions) -> Cors {
        let exposed = exposed().iter().map(|h| h.as_str()).collect::<Vec<_>>().join(",");
        let any_read = (options.read_origins == Origins::Any).then(|| {
            [
                (header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
                (
                    header::ACCESS_CONTROL_EXPOSE_HEADERS,
                    HeaderValue::from_str(&exposed).unwrap_or(HeaderValue::from_static("etag")),
                ),
            ]
        });
        Cors { reads: reads(&options.read_origins), writes: writes(&options.write_origins), any_read }
    }

    /// The constant headers of `req`'s answer when it needs no more (a read, not a preflight,
    /// with reads open to any origin); `None` when the CORS layer must decide.
    pub fn constant_headers(&self, req: &axum::extract::Request) -> Option<&[(HeaderName, HeaderValue); 2]> {
        if *req.method() == Method::OPTIONS || is_write(req.uri().path()) {
            return None;
        }
        self.any_read.as_ref()
    }
}

/// The paths that write (the token-protected ones).
fn is_write(path: &str) -> bool {
    path == "/api/articles"
        || path == "/api/reports/link"
        || (path.starts_with("/api/incidents/") && path.ends_with("/review"))
}

impl Cors {
    /// The policy of `path`: the write policy for the writes, the read policy for the rest.
    pub fn policy(&self, path: &str) -> &CorsLayer {
        if is_write(path) {
            &self.writes
        } else {
            &self.reads
        }
    }
}

/// Parses `--cors-origin` values: `*` is any origin, otherwise each must be `scheme://host[:port]`.
pub fn parse_origins(values: &[String], default: Origins) -> Result<Origins, String> {
    if values.is_empty() {
        return Ok(default);
    }
    if values.iter().any(|v| v == "*") {
        return Ok(Origins::Any);
    }
    let mut out = Vec::new();
    for v in values.iter().flat_map(|v| v.split(',')).map(str::trim).filter(|v| !v.is_empty()) {
        let ok = (v.starts_with("http://") || v.starts_with("https://"))
            && !v.trim_start_matches("http://").trim_start_matches("https://").contains('/')
            && HeaderValue::from_str(v).is_ok();
        if !ok {
            return Err(format!("{v:?} is not an origin: give scheme://host[:port] (no path), or * for any"));
        }
        out.push(v.to_string());
    }
    Ok(Origins::List(out))
}
