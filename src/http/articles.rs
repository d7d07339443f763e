//! `POST /api/geoparse` (public, stores nothing) and `POST /api/articles` (token, stores).

use super::{ApiError, AppState, IngestEvent};
use crate::features;
use crate::geoparse::feature_collection;
use crate::store::NewArticle;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
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

pub async fn geoparse(
    State(state): State<Arc<AppState>>,
    body: Result<Json<GeoparseRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(req) = body?;
    if req.text.len() > crate::ingest::MAX_TEXT_BYTES {
        return Err(ApiError::PayloadTooLarge(format!("`text` is over {} bytes", crate::ingest::MAX_TEXT_BYTES)));
    }
    if let Some(d) = &req.date {
        if features::date_to_unix(d).is_none() {
            return Err(ApiError::BadRequest(format!("`date` {d:?} is not a date: use YYYY-MM-DD")));
        }
    }
    let fc = tokio::task::spawn_blocking(move || {
        let mentions = state.geoparser.parse(&req.text, req.date.as_deref());
        feature_collection(&mentions)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("geoparser task failed: {e}")))?;
    Ok(Json(fc))
}

/// Constant-time comparison, so response timing does not leak how much of a token matched.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
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
    body: Result<Json<Value>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    authorize(&state, &headers)?;
    let Json(body) = body?;
    let items = match body {
        Value::Array(items) if items.is_empty() => return Err(ApiError::BadRequest("the batch is empty".into())),
        Value::Array(items) => items,
        v @ Value::Object(_) => vec![v],
        _ => return Err(ApiError::BadRequest("send one article object or an array of them".into())),
    };
    // Validate the whole batch before writing anything.
    let mut articles = Vec::with_capacity(items.len());
    for (i, v) in items.into_iter().enumerate() {
        let a: NewArticle = serde_json::from_value(v)
            .map_err(|e| ApiError::BadRequest(format!("article {}: {e}", i + 1)))?;
        crate::ingest::validate(&a).map_err(|e| ApiError::BadRequest(format!("article {}: {e}", i + 1)))?;
        articles.push(a);
    }
    let st = state.clone();
    let results = tokio::task::spawn_blocking(move || -> Result<Vec<Value>, ApiError> {
        let mut out = Vec::new();
        for a in &articles {
            let done = crate::ingest::ingest(&st.geoparser, &st.store, a)?.map_err(ApiError::BadRequest)?;
            let stored = st.store.mentions(Some(done.id))?;
            let mention_ids: Vec<i64> = stored.iter().map(|m| m.id).collect();
            if done.created {
                let incidents: Vec<_> = stored.iter().map(features::incident).collect();
                let n = incidents.len();
                let bbox = st.index.insert(incidents);
                if let Some(b) = bbox {
                    st.incident_tiles.invalidate_bbox(b, st.index.snapshot().generation());
                }
                let _ = st.events.send(IngestEvent { article_id: done.id, mentions: n, bbox });
            }
            out.push(json!({
                "id": done.id,
                "created": done.created,
                "mention_ids": mention_ids,
                "mentions": feature_collection(&done.mentions),
            }));
        }
        Ok(out)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("ingest task failed: {e}")))??;
    let status = if results.iter().any(|r| r["created"] == json!(true)) { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(json!({"articles": results}))))
}
