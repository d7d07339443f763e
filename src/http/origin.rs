//! The server's options that shape answers rather than bound them ([`HttpOptions`]: static files,
//! forwarded headers, CORS), and the absolute URL of the request ([`BaseUrl`]) for links.
//!
//! Contract: [`BaseUrl`] is `scheme://host` as the client reached the server: the `Host` header
//! and `http`, or — only with `trust_forwarded` (`sitrep serve --trust-forwarded`, for a server
//! behind a reverse proxy that sets these headers) — the first `Forwarded` element's `proto` and
//! `host` (RFC 7239), else `X-Forwarded-Proto` / `X-Forwarded-Host`. A value that is not `http`/
//! `https` or not a plain host[:port] is ignored, so a header cannot inject text into links.
//! Not for: who may read or write (tokens, CORS origins are applied in `cors`).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;

/// Origins allowed to use a resource from a browser page on another origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origins {
    Any,
    List(Vec<String>),
}

/// How answers are shaped (each a `sitrep serve` flag).
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// The web map's files: `/` serves its `index.html`, `/static/*` the rest.
    pub static_dir: PathBuf,
    /// Build links from `Forwarded` / `X-Forwarded-*` (only behind a proxy that sets them).
    pub trust_forwarded: bool,
    /// Origins whose pages may read (GET, and the public `POST /api/geoparse`): any by default.
    pub read_origins: Origins,
    /// Origins whose pages may write (`POST /api/articles`, with the token): none by default.
    pub write_origins: Origins,
}

impl HttpOptions {
    pub fn new(static_dir: PathBuf) -> HttpOptions {
        HttpOptions {
            static_dir,
            trust_forwarded: false,
            read_origins: Origins::Any,
            write_origins: Origins::List(Vec::new()),
        }
    }
}

/// Whether `v` is a plain `host[:port]` (letters, digits, `.-:[]` only).
fn plain_host(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 255
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'_'))
}

fn plain_proto(v: &str) -> Option<&'static str> {
    match v.to_ascii_lowercase().as_str() {
        "http" => Some("http"),
        "https" => Some("https"),
        _ => None,
    }
}

/// `(proto, host)` of the first element of a `Forwarded` header (RFC 7239 §4).
fn forwarded(headers: &HeaderMap) -> (Option<&'static str>, Option<String>) {
    let Some(v) = headers.get(header::FORWARDED).and_then(|v| v.to_str().ok()) else {
        return (None, None);
    };
    let first = v.split(',').next().unwrap_or("");
    let (mut proto, mut host) = (None, None);
    for pair in first.split(';') {
        if let Some((k, val)) = pair.split_once('=') {
            let val = val.trim().trim_matches('"');
            match k.trim().to_ascii_lowercase().as_str() {
                "proto" => proto = plain_proto(val),
                "host" if plain_host(val) => host = Some(val.to_string()),
                _ => {}
            }
        }
    }
    (proto, host)
}

/// `scheme://host` of a request (see the module contract).
pub fn base_url(headers: &HeaderMap, trust_forwarded: bool) -> String {
    let first = |name: &str| {
        headers.get(name).and_then(|v| v.to_str().ok()).map(|v| v.split(',').next().unwrap_or("").trim().to_string())
    };
    let mut host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| plain_host(h))
        .unwrap_or("127.0.0.1:8080")
        .to_string();
    let mut proto = "http";
    if trust_forwarded {
        let (fp, fh) = forwarded(headers);
        if let Some(p) = fp.or_else(|| first("x-forwarded-proto").and_then(|p| plain_proto(&p))) {
            proto = p;
        }
        if let Some(h) = fh.or_else(|| first("x-forwarded-host").filter(|h| plain_host(h))) {
            host = h;
        }
    }
    format!("{proto}://{host}")
}

/// Extractor: the request's absolute base URL, `scheme://host` (see [`base_url`]).
pub struct BaseUrl(pub String);

impl<S: Send + Sync> FromRequestParts<S> for BaseUrl {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let trust = parts.extensions.get::<Arc<HttpOptions>>().is_some_and(|o| o.trust_forwarded);
        Ok(BaseUrl(base_url(&parts.headers, trust)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn forwarded_headers_only_when_trusted() {
        let h = headers(&[
            ("host", "127.0.0.1:9000"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "maps.example.org"),
        ]);
        assert_eq!(base_url(&h, false), "http://127.0.0.1:9000");
        assert_eq!(base_url(&h, true), "https://maps.example.org");
        let h = headers(&[
            ("host", "127.0.0.1:9000"),
            ("forwarded", "for=192.0.2.60;proto=https;host=\"a.example:8443\", for=10.0.0.1;proto=http"),
            ("x-forwarded-proto", "http"),
        ]);
        assert_eq!(base_url(&h, true), "https://a.example:8443");
        // nothing but a scheme and a plain host gets into links
        let h = headers(&[("host", "h"), ("x-forwarded-proto", "javascript"), ("x-forwarded-host", "evil/\"x")]);
        assert_eq!(base_url(&h, true), "http://h");
    }
}
