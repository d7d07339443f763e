//! The articles resource beyond ingest: `GET /api/articles` (paged, filtered by source and
//! published date), `GET /api/articles/{id}` (metadata, text and its mentions as GeoJSON) and
//! `DELETE /api/articles/{id}` (token; its incidents leave the index, tiles and items pages at
//! once). Also the request bodies `POST /api/articles` takes: JSON (one article or an array),
//! JSONL (`application/x-ndjson`, `application/jsonl`: one article a line) and `text/plain` (the
//! text of one article, title = first line, metadata from `?title=&published=&source=&url=`; with
//! a JSON or JSONL body a query parameter is a 400: such an article carries its own).

use super::{ApiError, AppState};
use crate::features;
use crate::store::ArticleFilter;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 1000;

fn date_param(name: &str, v: &str) -> Result<String, ApiError> {
    if features::date_to_unix(v).is_none() {
        return Err(ApiError::BadRequest(format!("invalid parameter `{name}`: {v:?} is not a date: use YYYY-MM-DD")));
    }
    Ok(v[..10].to_string())
}

pub async fn list(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Result<Json<Value>, ApiError> {
    let mut f = ArticleFilter { limit: DEFAULT_LIMIT, ..Default::default() };
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match &*k {
            "source" => f.source = Some(v.into_owned()),
            "from" => f.from = Some(date_param("from", &v)?),
            "to" => f.to = Some(date_param("to", &v)?),
            "limit" => {
                f.limit = v.parse().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| {
                    ApiError::BadRequest(format!("invalid parameter `limit`: {v:?}; use 1..{MAX_LIMIT}"))
                })?
            }
            "offset" => {
                f.offset = v
                    .parse()
                    .map_err(|_| ApiError::BadRequest(format!("invalid parameter `offset`: {v:?} is not a count")))?
            }
            other => {
                return Err(ApiError::BadRequest(format!(
                    "unknown parameter `{other}`; known: source, from, to, limit, offset"
                )))
            }
        }
    }
    let st = state.clone();
    let f2 = f.clone();
    let (rows, total) = tokio::task::spawn_blocking(move || st.store.list_articles(&f2))
        .await
        .map_err(|e| ApiError::Internal(format!("worker task failed: {e}")))??;
    let next = (f.offset + rows.len() < total as usize).then(|| f.offset + rows.len());
    Ok(Json(json!({
        "articles": rows,
        "total": total,
        "limit": f.limit,
        "offset": f.offset,
        "next_offset": next,
    })))
}

fn article_id(id: &str) -> Result<i64, ApiError> {
    id.parse().map_err(|_| ApiError::NotFound(format!("no article {id:?}: article ids are numbers")))
}

pub async fn get_one(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = article_id(&id)?;
    let st = state.clone();
    let found = tokio::task::spawn_blocking(move || -> Result<_, crate::store::StoreError> {
        let Some(row) = st.store.article_row(id)? else { return Ok(None) };
        let text = st.store.article(id)?.map(|a| a.text).unwrap_or_default();
        let mention_ids: Vec<i64> = st.store.mentions(Some(id))?.into_iter().map(|m| m.id).collect();
        Ok(Some((row, text, mention_ids)))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("worker task failed: {e}")))??;
    let Some((row, text, mention_ids)) = found else {
        return Err(ApiError::NotFound(format!("no article {id}")));
    };
    let snap = state.index.snapshot();
    let features: Vec<Value> = mention_ids.iter().filter_map(|m| snap.get(*m as u64)).map(features::feature).collect();
    let mut v = serde_json::to_value(&row).map_err(|e| ApiError::Internal(e.to_string()))?;
    v["text"] = json!(text);
    v["mentions"] = json!({"type": "FeatureCollection", "features": features});
    Ok(Json(v))
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    super::articles::authorize(&state, &headers)?;
    let id = article_id(&id)?;
    let st = state.clone();
    let removed = tokio::task::spawn_blocking(move || -> Result<_, crate::store::StoreError> {
        let Some(ids) = st.store.delete_article(id)? else { return Ok(None) };
        let ids: Vec<u64> = ids.into_iter().map(|i| i as u64).collect();
        // None: the refresh thread saw the logged deletion first, withdrew and announced it
        if let Some(bbox) = super::live::withdraw(&st, &ids) {
            let _ = st.events.send(super::IngestEvent {
                article_id: id,
                mentions: ids.len(),
                bbox: Some(bbox),
                deleted: true,
                reviewed: false,
                generation: st.index.snapshot().generation(),
            });
        }
        Ok(Some(ids.len()))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("worker task failed: {e}")))??;
    match removed {
        Some(n) => Ok(Json(json!({"deleted": id, "mentions_removed": n}))),
        None => Err(ApiError::NotFound(format!("no article {id}"))),
    }
}

/// The articles of a `POST /api/articles` body, by its `Content-Type` (see the module contract).
pub fn articles_of_body(headers: &HeaderMap, query: Option<&str>, body: &[u8]) -> Result<Vec<Value>, ApiError> {
    let ctype = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = ctype.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let utf8 = || {
        std::str::from_utf8(body).map_err(|e| {
            ApiError::BadRequest(format!("the body is not UTF-8 (invalid byte at offset {})", e.valid_up_to()))
        })
    };
    let known_meta = ["title", "published", "date", "source", "url"];
    // the query describes a text/plain body; a JSON article carries its own metadata
    let no_query = || match form_urlencoded::parse(query.unwrap_or_default().as_bytes()).next() {
        Some((k, _)) => Err(ApiError::BadRequest(format!(
            "parameter `{k}` is taken only with a text/plain body: a JSON or JSONL article carries its own {}",
            known_meta.join(", ")
        ))),
        None => Ok(()),
    };
    match mime.as_str() {
        m if m == "application/json" || m.ends_with("+json") => match no_query().and_then(|()| {
            serde_json::from_slice::<Value>(body)
                .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))
        }) {
            Ok(Value::Array(items)) if items.is_empty() => Err(ApiError::BadRequest("the batch is empty".into())),
            Ok(Value::Array(items)) => Ok(items),
            Ok(v @ Value::Object(_)) => Ok(vec![v]),
            Ok(_) => Err(ApiError::BadRequest("send one article object or an array of them".into())),
            Err(e) => Err(e),
        },
        "application/x-ndjson" | "application/jsonl" | "application/x-jsonlines" | "application/jsonlines" => {
            no_query()?;
            let mut out = Vec::new();
            for (i, line) in utf8()?.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let v: Value = serde_json::from_str(line).map_err(|e| {
                    ApiError::BadRequest(format!("line {}: not JSON: {}", i + 1, crate::input::jsonl_message(&e)))
                })?;
                if !v.is_object() {
                    return Err(ApiError::BadRequest(format!("line {}: send one article object a line", i + 1)));
                }
                out.push(v);
            }
            if out.is_empty() {
                return Err(ApiError::BadRequest("the batch is empty".into()));
            }
            Ok(out)
        }
        "text/plain" => {
            let mut a = crate::input::text_article(utf8()?).map_err(|e| ApiError::BadRequest(e.to_string()))?;
            for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
                let v = Some(v.into_owned());
                match &*k {
                    "title" => a.title = v,
                    "published" | "date" => a.published = v,
                    "source" => a.source = v,
                    "url" => a.url = v,
                    other => {
                        return Err(ApiError::BadRequest(format!(
                            "unknown parameter `{other}`; known with a text/plain body: {}",
                            known_meta.join(", ")
                        )))
                    }
                }
            }
            Ok(vec![serde_json::to_value(a).map_err(|e| ApiError::Internal(e.to_string()))?])
        }
        _ => Err(ApiError::UnsupportedMediaType(format!(
            "`Content-Type: {ctype}` is not taken here: send application/json (an article or an array), \
             application/x-ndjson (one article a line) or text/plain (one article's text)"
        ))),
    }
}
