//! `POST /api/geoparse` (public, stores nothing) and `POST /api/articles` (token, stores).
//!
//! Both are CPU-heavy and run through [`AppState::run_cpu`]: a bounded number at once, under a
//! deadline, cancelled when the client goes away. A batch is stored in one transaction — all of
//! it or nothing — and is refused with a 413 above `--max-batch` articles.

use super::{ApiError, AppState, IngestEvent};
use crate::features::{self, PlaceGeometry};
use crate::geoparse::feature_collection;
use crate::store::NewArticle;
use axum::extract::rejection::JsonRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(Deserialize)]
pub struct GeoparseRequest {
    text: String,
    #[serde(default)]
    date: Option<String>,
}

/// `?geometry=point|simplified|full&zoom=N` of `/api/geoparse`.
fn place_geometry(query: Option<&str>) -> Result<PlaceGeometry, ApiError> {
    let (mut kind, mut zoom) = ("simplified".to_string(), None);
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match &*k {
            "geometry" => kind = v.into_owned(),
            "zoom" => {
                zoom = Some(v.parse::<u8>().ok().filter(|z| *z <= 22).ok_or_else(|| {
                    ApiError::BadRequest(format!("invalid parameter `zoom`: {v:?} is not a zoom 0..22"))
                })?)
            }
            other => {
                return Err(ApiError::BadRequest(format!("unknown parameter `{other}`; known: geometry, zoom")));
            }
        }
    }
    match kind.as_str() {
        "point" => Ok(PlaceGeometry::Point),
        "simplified" => Ok(PlaceGeometry::Simplified(zoom)),
        "full" => Ok(PlaceGeometry::Simplified(Some(22))),
        other => Err(ApiError::BadRequest(format!(
            "invalid parameter `geometry`: {other:?}; use point, simplified (at most {} vertices a place, or at `zoom`) or full",
            crate::index::DISPLAY_VERTICES
        ))),
    }
}

pub async fn geoparse(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    body: Result<Json<GeoparseRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let geometry = place_geometry(query.as_deref())?;
    let Json(req) = body?;
    if req.text.len() > crate::ingest::MAX_TEXT_BYTES {
        return Err(ApiError::PayloadTooLarge(format!(
            "`text` is {} bytes; the limit is {} bytes",
            req.text.len(),
            crate::ingest::MAX_TEXT_BYTES
        )));
    }
    if let Some(d) = &req.date {
        if features::date_to_unix(d).is_none() {
            return Err(ApiError::BadRequest(format!("`date` {d:?} is not a date: use YYYY-MM-DD")));
        }
    }
    let st = state.clone();
    let fc = state
        .run_cpu(move |_cancel| {
            let mentions = st.geoparser.parse(&req.text, req.date.as_deref());
            let mut fc = feature_collection(&mentions);
            fc["places"] = features::places_dictionary(&mentions, |m| features::place_of(&st.index, m), geometry);
            fc
        })
        .await?;
    Ok(Json(fc))
}

/// Constant-time comparison, so response timing does not leak how much of a token matched.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(super) fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = &state.token else {
        return Err(ApiError::Forbidden(
            "writes are disabled on this server: start it with --token TOKEN or SITREP_TOKEN=TOKEN, then send `Authorization: Bearer TOKEN`".into(),
        ));
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| ApiError::Unauthorized("send `Authorization: Bearer <token>` to write".into()))?;
    if !same(given.trim().as_bytes(), token.as_bytes()) {
        return Err(ApiError::Unauthorized("the bearer token is wrong".into()));
    }
    Ok(())
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    authorize(&state, &headers)?;
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(format!(
            "the request body is larger than the limit of {} bytes; split the batch",
            super::MAX_BODY_BYTES
        )),
        _ => ApiError::BadRequest(format!("the body could not be read: {}", e.body_text())),
    })?;
    // JSON, JSONL or text/plain, by Content-Type
    let items = super::articles_api::articles_of_body(&headers, query.as_deref(), &body)?;
    drop(body);
    let max = state.limits.max_batch;
    if items.len() > max {
        return Err(ApiError::PayloadTooLarge(format!(
            "the batch has {} articles; the limit is {max} (--max-batch): split it",
            items.len()
        )));
    }
    // Validate the whole batch before any work.
    let mut articles = Vec::with_capacity(items.len());
    for (i, v) in items.into_iter().enumerate() {
        let a: NewArticle =
            serde_json::from_value(v).map_err(|e| ApiError::BadRequest(format!("article {}: {e}", i + 1)))?;
        crate::ingest::validate(&a).map_err(|e| ApiError::BadRequest(format!("article {}: {e}", i + 1)))?;
        articles.push(a);
    }
    let st = state.clone();
    let results = state
        .run_cpu(move |cancel| -> Result<Vec<Value>, ApiError> {
            let done = store_and_publish(&st, &articles, cancel)?;
            let mut out = Vec::with_capacity(done.len());
            for d in &done {
                out.push(json!({
                    "id": d.id,
                    "created": d.created,
                    "mention_ids": d.stored.iter().map(|m| m.id).collect::<Vec<_>>(),
                    "mentions": feature_collection(&d.mentions),
                }));
            }
            Ok(out)
        })
        .await??;
    let status = if results.iter().any(|r| r["created"] == json!(true)) { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(json!({"articles": results}))))
}

/// Geoparses and stores a batch, then publishes its new incidents to the index (tiles and items
/// pages they touch invalidated) and announces each new article on the event stream: the one
/// write path of the running server (POST /api/articles and the feeds it watches).
pub(crate) fn store_and_publish(
    st: &AppState,
    articles: &[NewArticle],
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<Vec<crate::ingest::Ingested>, crate::ingest::IngestError> {
    let done = crate::ingest::ingest_batch(&st.geoparser, &st.store, articles, cancel)?;
    // one index write for the whole batch, after the commit
    let mut incidents = Vec::new();
    let metas: Vec<Arc<crate::schema::ArticleMeta>> = articles
        .iter()
        .zip(&done)
        .map(|(a, d)| {
            Arc::new(crate::schema::ArticleMeta {
                id: d.id,
                title: a.title.as_deref().map(Into::into),
                url: a.url.as_deref().map(Into::into),
                source: a.source.as_deref().map(Into::into),
                published: a.published.as_deref().map(Into::into),
            })
        })
        .collect();
    for (d, meta) in done.iter().zip(&metas) {
        if !d.created {
            continue;
        }
        let places = d.mentions.iter().filter(|m| m.role == crate::geoparse::Role::Place);
        for (m, stored) in places.zip(&d.stored) {
            incidents.push(features::incident(stored, features::place_of(&st.index, m), meta, |id| {
                st.index.known_place(id)
            }));
        }
    }
    let n = incidents.len();
    // what changed: each new mention's place (a batch's union would be most of the world)
    let bbox = super::live::publish(st, incidents);
    for d in &done {
        if d.created {
            let _ = st.events.send(IngestEvent {
                article_id: d.id,
                mentions: d.stored.len(),
                bbox,
                deleted: false,
                reviewed: false,
                generation: st.index.snapshot().generation(),
            });
        }
    }
    tracing::debug!("stored {} articles, {n} mentions", done.len());
    crate::mem::release_free_memory_every(std::time::Duration::from_secs(2));
    Ok(done)
}
