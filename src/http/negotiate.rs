//! Content negotiation and conditional requests (RFC 9110 §12.5, §13.1.2).
//!
//! Contract: [`negotiate`] picks, among the server's offers in its order of preference, the media
//! type the `Accept` header ranks highest (q-values and the most specific matching range count;
//! `q=0` refuses; no `Accept` or a tie takes the server's first offer). [`accepts_gzip`] reads
//! `Accept-Encoding` the same way (`gzip;q=0` refuses gzip, `*` covers it). [`etag_matches`]
//! compares an `If-None-Match` list with an entity tag weakly (`W/"x"` matches `"x"`), as a GET
//! must. Every 200 JSON answer that has none gets a weak
//! ETag over its bytes and answers a matching `If-None-Match` with 304 ([`tag_json`]).
//! Not for: choosing what a resource offers (the handlers do).

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

/// One element of an `Accept`/`Accept-Encoding` list: its value (lower case) and q-value.
fn elements(v: &str) -> impl Iterator<Item = (String, f32)> + '_ {
    v.split(',').filter_map(|el| {
        let mut parts = el.split(';');
        let value = parts.next()?.trim().to_ascii_lowercase();
        if value.is_empty() {
            return None;
        }
        let mut q = 1.0f32;
        for p in parts {
            if let Some((k, v)) = p.split_once('=') {
                if k.trim().eq_ignore_ascii_case("q") {
                    q = v.trim().parse::<f32>().ok().filter(|q| (0.0..=1.0).contains(q)).unwrap_or(0.0);
                }
            }
        }
        Some((value, q))
    })
}

fn header_str<'a>(headers: &'a HeaderMap, name: &header::HeaderName) -> Option<String> {
    let vals: Vec<&'a str> = headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
    (!vals.is_empty()).then(|| vals.join(","))
}

/// The q-value `accept` gives `offer` (`type/subtype`): that of the most specific matching range.
fn quality(accept: &[(String, f32)], offer: &str) -> f32 {
    let (ot, os) = offer.split_once('/').unwrap_or((offer, ""));
    let mut best: Option<(u8, f32)> = None;
    for (range, q) in accept {
        let range = range.split(';').next().unwrap_or("");
        let (rt, rs) = range.split_once('/').unwrap_or((range, ""));
        let specificity = match (rt, rs) {
            ("*", "*") => 1,
            (t, "*") if t == ot => 2,
            (t, s) if t == ot && s == os => 3,
            _ => continue,
        };
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, *q));
        }
    }
    best.map_or(0.0, |(_, q)| q)
}

/// The offer the client prefers, or `None` when it accepts none of them (a 406). Offers are in
/// the server's order of preference: without an `Accept` header, or on a tie, the first wins.
pub fn negotiate<'a>(headers: &HeaderMap, offers: &[&'a str]) -> Option<&'a str> {
    let Some(accept) = header_str(headers, &header::ACCEPT) else {
        return offers.first().copied();
    };
    let accept: Vec<(String, f32)> = elements(&accept).collect();
    if accept.is_empty() {
        return offers.first().copied();
    }
    let mut best: Option<(&str, f32)> = None;
    for o in offers {
        let q = quality(&accept, o);
        if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
            best = Some((o, q));
        }
    }
    best.map(|(o, _)| o)
}

/// Whether the client takes `Content-Encoding: gzip` (tiles and items pages are kept gzipped).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    // the common answers without parsing: what browsers and tile clients send
    if let (Some(v), 1) =
        (headers.get(header::ACCEPT_ENCODING), headers.get_all(header::ACCEPT_ENCODING).iter().count())
    {
        if matches!(v.as_bytes(), b"gzip" | b"gzip, deflate" | b"gzip, deflate, br" | b"gzip, deflate, br, zstd") {
            return true;
        }
    }
    let Some(v) = header_str(headers, &header::ACCEPT_ENCODING) else {
        return false;
    };
    let mut star = None;
    for (coding, q) in elements(&v) {
        match coding.as_str() {
            "gzip" | "x-gzip" => return q > 0.0,
            "*" => star = Some(q),
            _ => {}
        }
    }
    star.is_some_and(|q| q > 0.0)
}

/// Whether `If-None-Match` names `etag` (weak comparison, RFC 9110 §13.1.2) or is `*`.
pub fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    let strip = |t: &str| -> String { t.trim().trim_start_matches("W/").to_string() };
    let ours = strip(etag);
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').any(|t| {
            let t = t.trim();
            t == "*" || strip(t) == ours
        })
    })
}

/// The 304 answer to a GET whose `If-None-Match` matched: the validator and cache headers only.
pub fn not_modified(etag: &str, resp_headers: &HeaderMap) -> Response {
    let mut r = StatusCode::NOT_MODIFIED.into_response();
    if let Ok(v) = HeaderValue::from_str(etag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    for h in [header::CACHE_CONTROL, header::VARY, header::CONTENT_LOCATION] {
        if let Some(v) = resp_headers.get(&h) {
            r.headers_mut().insert(h, v.clone());
        }
    }
    r
}

/// Largest JSON answer the middleware reads to tag (items pages are at most a few MiB).
const MAX_TAGGED: usize = 64 << 20;

/// What [`tag_json`] needs of the request.
pub struct Conditional {
    is_get: bool,
    if_none_match: Option<HeaderValue>,
}

impl Conditional {
    pub fn of(req: &axum::extract::Request) -> Conditional {
        Conditional {
            is_get: matches!(*req.method(), Method::GET | Method::HEAD),
            if_none_match: req.headers().get(header::IF_NONE_MATCH).cloned(),
        }
    }
}

/// A 200 JSON answer to a GET (or HEAD) without an ETag gets a weak one, the SHA-256 of its bytes
/// (as sent: an answer kept gzipped is tagged over its gzip); a request whose `If-None-Match`
/// names it gets a 304 without the body.
pub async fn tag_json(cond: Conditional, resp: Response) -> Response {
    use sha2::Digest;
    let Conditional { is_get, if_none_match: inm } = cond;
    let json =
        resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| ct.contains("json"));
    if !is_get || resp.status() != StatusCode::OK || !json || resp.headers().contains_key(header::ETAG) {
        return resp;
    }
    // A streamed answer (an export download) or one too large to hold is sent untagged: reading it
    // whole would buffer what is streamed on purpose.
    let size = http_body::Body::size_hint(resp.body()).exact();
    if size.is_none_or(|n| n > MAX_TAGGED as u64) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_TAGGED).await {
        Ok(b) => b,
        Err(e) => {
            return super::ApiError::Internal(format!("reading the answer to tag it: {e}")).into_response();
        }
    };
    let digest = sha2::Sha256::digest(&bytes);
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    let etag = format!("W/\"{hex}\"");
    if let Some(v) = inm {
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, v);
        if etag_matches(&h, &etag) {
            return not_modified(&etag, &parts.headers);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        parts.headers.insert(header::ETAG, v);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(name: header::HeaderName, v: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(name, HeaderValue::from_str(v).unwrap());
        m
    }

    #[test]
    fn accept_with_q_values() {
        let offers = ["application/json", "text/html"];
        assert_eq!(negotiate(&HeaderMap::new(), &offers), Some("application/json"));
        assert_eq!(negotiate(&h(header::ACCEPT, "*/*"), &offers), Some("application/json"));
        // a browser
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8";
        assert_eq!(negotiate(&h(header::ACCEPT, browser), &offers), Some("text/html"));
        assert_eq!(
            negotiate(&h(header::ACCEPT, "text/html;q=0.5, application/json"), &offers),
            Some("application/json")
        );
        assert_eq!(negotiate(&h(header::ACCEPT, "application/json;q=0.1, text/*"), &offers), Some("text/html"));
        // the most specific range wins: */* would allow JSON, but application/json;q=0 refuses it
        assert_eq!(negotiate(&h(header::ACCEPT, "application/json;q=0, */*"), &offers), Some("text/html"));
        assert_eq!(negotiate(&h(header::ACCEPT, "image/png"), &offers), None);
        assert_eq!(negotiate(&h(header::ACCEPT, "APPLICATION/JSON"), &offers), Some("application/json"));
    }

    #[test]
    fn accept_encoding_with_q_values() {
        assert!(!accepts_gzip(&HeaderMap::new()));
        assert!(accepts_gzip(&h(header::ACCEPT_ENCODING, "gzip, deflate, br")));
        assert!(!accepts_gzip(&h(header::ACCEPT_ENCODING, "gzip;q=0")));
        assert!(!accepts_gzip(&h(header::ACCEPT_ENCODING, "gzip;q=0, *")));
        assert!(!accepts_gzip(&h(header::ACCEPT_ENCODING, "gzip ; q=0.000")));
        assert!(accepts_gzip(&h(header::ACCEPT_ENCODING, "br, *;q=0.5")));
        assert!(!accepts_gzip(&h(header::ACCEPT_ENCODING, "identity")));
        assert!(!accepts_gzip(&h(header::ACCEPT_ENCODING, "gzipx")));
    }

    #[test]
    fn if_none_match_compares_weakly() {
        assert!(etag_matches(&h(header::IF_NONE_MATCH, "W/\"abc\""), "\"abc\""));
        assert!(etag_matches(&h(header::IF_NONE_MATCH, "\"x\", W/\"abc\""), "W/\"abc\""));
        assert!(etag_matches(&h(header::IF_NONE_MATCH, "*"), "\"abc\""));
        assert!(!etag_matches(&h(header::IF_NONE_MATCH, "\"abd\""), "\"abc\""));
        assert!(!etag_matches(&HeaderMap::new(), "\"abc\""));
    }
}
