//! Unknown query parameters are refused (400 naming the parameter) on every resource, not only
//! the items, so a typo never silently changes an answer.
//!
//! Contract: [`check_params`] (middleware) looks up the parameters the requested path takes
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
        ["tiles.json"] | ["health"] | ["metrics"] | ["api", "events"] | ["api", "articles"] => Some(NONE),
        _ => None,
    }
}

/// Middleware: a query parameter the resource does not take is a 400 naming it.
pub async fn check_params(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    if let (Some(known), Some(q)) = (known_params(req.uri().path()), req.uri().query()) {
        let landing = req.uri().path() == "/";
        for (k, v) in form_urlencoded::parse(q.as_bytes()) {
            if !known.contains(&k.as_ref()) {
                return ApiError::from(crate::features::unknown_param(&k, known)).into_response();
            }
            let offered = if landing { matches!(&*v, "json" | "html") } else { v == "json" };
            if k == "f" && !offered {
                let offers = if landing { "f=json or f=html" } else { "f=json" };
                return ApiError::BadRequest(format!("invalid parameter `f`: {v:?} is not offered here; use {offers}"))
                    .into_response();
            }
        }
    }
    next.run(req).await
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
    }
}
