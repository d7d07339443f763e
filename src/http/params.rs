//! Unknown query parameters are refused (400 naming the parameter) on every resource, not only
//! the items, so a typo never silently changes an answer.
//!
//! Contract: [`refusal`] looks up the parameters the requested path takes
//! ([`known_params`]) and answers a request carrying any other with a 400 whose message names the
//! parameter and lists those the resource takes. Resources that parse their own parameters (the
//! items, `/api/geoparse`) and those that take any (static files, where `?v=` busts caches; tiles,
//! whose URL the web map versions with `v` and its filters) are left to themselves.
//! Not for: the values of parameters (each handler checks those).

use super::ApiError;
use axum::response::IntoResponse;

/// The parameters `path` takes, or `None` when the resource checks them itself or takes any.
pub fn known_params(path: &str) -> Option<&'static [&'static str]> {
    const F: &[&str] = &["f"];
    const NONE: &[&str] = &[];
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        [""] | ["conformance"] | ["api"] | ["collections"] | ["collections", _] => Some(F),
        ["collections", _, "items", _] | ["collections", _, "queryables"] => Some(F),
        ["tiles.json"] | ["health"] | ["metrics"] | ["api", "events"] => Some(NONE),
        ["api", "incidents", _, "review"] | ["api", "incidents", _, "reviews"] | ["api", "reports", "link"] => {
            Some(NONE)
        }
        // (`/api/articles` and `/export/…` read their own parameters and refuse unknown ones)
        _ => None,
    }
}

/// The 400 for a query parameter the resource does not take (or an `f` it does not offer).
pub fn refusal(uri: &axum::http::Uri) -> Option<axum::response::Response> {
    let req = uri;
    if let (Some(known), Some(q)) = (known_params(req.path()), req.query()) {
        let landing = req.path() == "/";
        for (k, v) in form_urlencoded::parse(q.as_bytes()) {
            if !known.contains(&k.as_ref()) {
                return Some(ApiError::from(crate::features::unknown_param(&k, known)).into_response());
            }
            let offered = if landing { matches!(&*v, "json" | "html") } else { v == "json" };
            if k == "f" && !offered {
                let offers = if landing { "f=json or f=html" } else { "f=json" };
                return Some(
                    ApiError::BadRequest(format!("invalid parameter `f`: {v:?} is not offered here; use {offers}"))
                        .into_response(),
                );
            }
        }
    }
    None
}

/// The route template of `path`, for metrics labels (bounded: `unmatched` for anything else).
pub fn route_template(path: &str) -> &'static str {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        [""] => "/",
        ["conformance"] => "/conformance",
        ["api"] => "/api",
        ["collections"] => "/collections",
        ["collections", _] => "/collections/{collection}",
        ["collections", _, "items"] => "/collections/{collection}/items",
        ["collections", _, "items", _] => "/collections/{collection}/items/{id}",
        ["collections", _, "queryables"] => "/collections/{collection}/queryables",
        ["api", "incidents"] => "/api/incidents",
        ["api", "geoparse"] => "/api/geoparse",
        ["api", "articles"] => "/api/articles",
        ["api", "articles", _] => "/api/articles/{id}",
        ["api", "incidents", _, "review"] => "/api/incidents/{id}/review",
        ["api", "reports"] => "/api/reports",
        ["api", "reports", "link"] => "/api/reports/link",
        ["api", "incidents", _, "reviews"] => "/api/incidents/{id}/reviews",
        ["export", _] => "/export/{file}",
        ["api", "events"] => "/api/events",
        ["tiles", _, _, _] => "/tiles/{z}/{x}/{y}",
        ["basemap", _, _, _] => "/basemap/{z}/{x}/{y}",
        ["tiles.json"] => "/tiles.json",
        ["health"] => "/health",
        ["metrics"] => "/metrics",
        ["style.json"] => "/style.json",
        ["static", ..] => "/static/*",
        ["fonts", ..] => "/fonts/*",
        _ => "unmatched",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_resource_has_its_parameters() {
        assert_eq!(known_params("/"), Some(&["f"][..]));
        assert_eq!(known_params("/collections/incidents"), Some(&["f"][..]));
        assert_eq!(known_params("/collections/incidents/items/3"), Some(&["f"][..]));
        assert_eq!(known_params("/health"), Some(&[][..]));
        assert_eq!(known_params("/collections/incidents/items"), None);
        assert_eq!(known_params("/static/app.js"), None);
        assert_eq!(known_params("/tiles/1/2/3.mvt"), None);
        assert_eq!(route_template("/tiles/1/2/3.mvt"), "/tiles/{z}/{x}/{y}");
        assert_eq!(route_template("/collections/incidents/items"), "/collections/{collection}/items");
        assert_eq!(route_template("/static/vendor/maplibre-gl/maplibre-gl.mjs"), "/static/*");
        assert_eq!(route_template("/wp-login.php"), "unmatched");
    }
}
