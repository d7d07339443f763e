//! `GET /tiles/{z}/{x}/{y}.mvt`, `GET /basemap/{z}/{x}/{y}.mvt` and `GET /tiles.json`.
//!
//! Tiles come from the cache or are rendered from the current index snapshot; responses carry a
//! strong ETag (304 on If-None-Match), Cache-Control, and gzip when the client accepts it.
//! An empty tile is 204. Bad coordinates are 400 with a JSON body.
//! The incidents tile takes the items filters `datetime`, `kind`, `precision`, `q` and a CQL2
//! `filter` (with `filter-lang`, `filter-crs`) (and `v`, a
//! client's cache-buster, ignored): the tile is then drawn from the matching incidents only
//! (clusters counting only them), cached apart under its normalised filter; any other parameter
//! is a 400 naming it.

use super::origin::BaseUrl;
use super::{ApiError, AppState};
use crate::features::{self, ItemsQuery};
use crate::tiles::cache::{CachedTile, Lookup, TileCache};
use crate::tiles::{self, TileError};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use std::sync::Arc;

const MVT: &str = "application/vnd.mapbox-vector-tile";

/// Parses `z`, `x` and `y.mvt` path segments; anything else is a 400 naming the segment.
fn parse_zxy(z: &str, x: &str, y: &str) -> Result<(u8, u32, u32), ApiError> {
    let bad = |what: &str, v: &str| {
        ApiError::BadRequest(format!("tile {what} {v:?} is not a number; request /tiles/{{z}}/{{x}}/{{y}}.mvt"))
    };
    let y = y
        .strip_suffix(".mvt")
        .or_else(|| y.strip_suffix(".pbf"))
        .ok_or_else(|| ApiError::NotFound(format!("no tile format {y:?}; request /tiles/{{z}}/{{x}}/{{y}}.mvt")))?;
    let z: u8 = z.parse().map_err(|_| bad("zoom", z))?;
    let x: u32 = x.parse().map_err(|_| bad("column", x))?;
    let y: u32 = y.parse().map_err(|_| bad("row", y))?;
    Ok((z, x, y))
}

impl From<TileError> for ApiError {
    fn from(e: TileError) -> ApiError {
        ApiError::BadRequest(e.to_string())
    }
}

fn respond(tile: &CachedTile, headers: &HeaderMap, max_age: u32) -> Response {
    let cache_control = format!("public, max-age={max_age}");
    if tile.raw.is_empty() {
        return (StatusCode::NO_CONTENT, [(header::CACHE_CONTROL, cache_control)]).into_response();
    }
    let gzip_ok = super::accepts_gzip(headers);
    let etag = if gzip_ok { tile.etag_gzip.as_str() } else { tile.etag.as_str() };
    if super::negotiate::etag_matches(headers, etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag.to_string()), (header::CACHE_CONTROL, cache_control)])
            .into_response();
    }
    let mut resp = if gzip_ok {
        let mut r = tile.gzip.clone().into_response();
        r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    } else {
        tile.raw.clone().into_response()
    };
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(MVT));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&cache_control) {
        h.insert(header::CACHE_CONTROL, v);
    }
    resp
}

/// The cached tile, or a freshly rendered one (off the async threads) cached under the snapshot
/// generation it was rendered from, so an ingest racing the render cannot leave a stale tile.
/// A tile a recent write made out of date is served while one background render replaces it
/// (`tiles::cache::TileCache::with_refresh`; not when `must_show` asks for a later generation).
/// Concurrent misses of one tile render it once (the others wait for it and take it from the
/// cache; a render that the cache refused because of a later write is done again).
async fn cached<R>(
    state: &Arc<AppState>,
    which: fn(&AppState) -> &TileCache,
    key: (u8, u32, u32, u64),
    generation: u64,
    must_show: Option<u64>,
    render: R,
) -> Result<Arc<CachedTile>, ApiError>
where
    R: FnOnce() -> Result<Vec<u8>, TileError> + Send + 'static,
{
    let cache = which(state);
    match cache.lookup(key, must_show) {
        Lookup::Fresh(t) => return Ok(t),
        Lookup::Stale { tile, refresh } => {
            if refresh {
                let st = state.clone();
                tokio::task::spawn_blocking(move || {
                    let c = which(&st);
                    match render() {
                        Ok(raw) => {
                            c.insert(key, generation, CachedTile::new(raw));
                        }
                        Err(_) => c.refresh_failed(key),
                    }
                });
            }
            return Ok(tile);
        }
        Lookup::Miss => {}
    }
    // one render per tile at a time: who waited here finds the tile the first one cached
    let _flight = cache.flight(key).lock().await;
    match cache.peek(key, must_show) {
        Lookup::Fresh(t) | Lookup::Stale { tile: t, refresh: false } => return Ok(t),
        Lookup::Stale { refresh: true, .. } => cache.refresh_failed(key),
        Lookup::Miss => {}
    }
    let tile = tokio::task::spawn_blocking(move || render().map(CachedTile::new))
        .await
        .map_err(|e| ApiError::Internal(format!("tile task failed: {e}")))??;
    Ok(cache.insert(key, generation, tile))
}

/// The parameters the incidents tile takes.
const TILE_PARAMS: &[&str] =
    &["datetime", "kind", "precision", "role", "review", "q", "filter", "filter-lang", "filter-crs", "v"];

/// A filter and its normalised text.
type TileFilter = Option<(ItemsQuery, String)>;

/// The filter of a tile request and its normalised text (`None`: no filter), and the generation
/// its `v=` asks to see (a number; other cache-busters ask nothing).
fn tile_filter(query: &Option<String>) -> Result<(TileFilter, Option<u64>), ApiError> {
    let pairs = super::ogc::pairs(query);
    let mut must_show = None;
    let mut filters: Vec<(&str, &str)> = Vec::new();
    for (k, v) in &pairs {
        match k.as_str() {
            "v" => must_show = v.parse().ok(),
            "datetime" | "kind" | "precision" | "role" | "review" | "q" | "filter" | "filter-lang" | "filter-crs" => {
                filters.push((k, v))
            }
            other => return Err(features::unknown_param(other, TILE_PARAMS).into()),
        }
    }
    if filters.is_empty() {
        return Ok((None, must_show));
    }
    let q = ItemsQuery::parse(filters)?;
    let normalised = q.normalised();
    Ok((Some((q, normalised)), must_show))
}

pub async fn incident_tile(
    Path((z, x, y)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    State(state): State<Arc<AppState>>,
) -> Result<Response, ApiError> {
    let (z, x, y) = parse_zxy(&z, &x, &y)?;
    let (filter, must_show) = tile_filter(&query)?;
    let snap = state.index.snapshot();
    let generation = snap.generation();
    let tile = match filter {
        None => {
            cached(
                &state,
                |s| &s.incident_tiles,
                (z, x, y, 0),
                generation,
                must_show,
                move || tiles::incidents_tile(&snap, z, x, y),
            )
            .await?
        }
        Some((q, _)) if q.review == Some(crate::store::ReviewStatus::Rejected) => {
            // the rejected incidents, a small set of their own: drawn on each request, not cached
            let rejected = state.rejected.snapshot();
            let tile = tokio::task::spawn_blocking(move || {
                tiles::incidents_tile_filtered(&rejected, z, x, y, &|i| q.accepts(i)).map(CachedTile::new)
            })
            .await
            .map_err(|e| ApiError::Internal(format!("tile task failed: {e}")))??;
            Arc::new(tile)
        }
        Some((q, normalised)) => {
            let key = (z, x, y, crate::tiles::cache::variant(&normalised));
            cached(
                &state,
                |s| &s.incident_tiles,
                key,
                generation,
                must_show,
                move || tiles::incidents_tile_filtered(&snap, z, x, y, &|i| q.accepts(i)),
            )
            .await?
        }
    };
    Ok(respond(&tile, &headers, 60))
}

pub async fn basemap_tile(
    Path((z, x, y)): Path<(String, String, String)>,
    headers: HeaderMap,
    State(state): State<Arc<AppState>>,
) -> Result<Response, ApiError> {
    let (z, x, y) = parse_zxy(&z, &x, &y)?;
    let st = state.clone();
    let tile = cached(
        &state,
        |s| &s.basemap_tiles,
        (z, x, y, 0),
        0,
        None,
        move || tiles::basemap_tile(st.basemap.wait(), z, x, y),
    )
    .await?;
    Ok(respond(&tile, &headers, 86_400))
}

pub async fn tilejson(BaseUrl(base): BaseUrl, State(state): State<Arc<AppState>>) -> Json<Value> {
    let snap = state.index.snapshot();
    let url = format!("{base}/tiles/{{z}}/{{x}}/{{y}}.mvt");
    Json(tiles::tilejson::tilejson(&url, 0, tiles::MAX_ZOOM, tiles::tilejson::bounds(&snap)))
}
