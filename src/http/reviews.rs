//! Analysts' review of incidents: `POST /api/incidents/{id}/review` (token) marks an incident
//! verified, rejected or corrected — moved to a gazetteer place (`place_id`, or `place_name`:
//! the best-known place of that name) or to drawn coordinates (`lon`, `lat`) — or back to
//! pending, with the author and an optional note; `GET /api/incidents/{id}/reviews` lists every
//! review of it, oldest first.
//!
//! Contract: the body is checked whole before anything is written (400 naming the field); the
//! review is stored beside the machine's reading (`store/reviews.rs`), then the incident is
//! redrawn at once through `live::redraw` (tiles and items pages invalidated, a `review` event
//! on `/api/events`); other replicas and processes redraw it from the store's log. A rejected
//! incident leaves the map's index for the rejected set: default tiles, items and counts no
//! longer show it, `review=rejected` does.

use super::{ApiError, AppState};
use crate::features;
use crate::store::{NewReview, ReviewStatus, StoredPlace};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// Longest author name and note taken, in characters.
pub const MAX_AUTHOR_CHARS: usize = 200;
pub const MAX_NOTE_CHARS: usize = 4000;

/// The body of `POST /api/incidents/{id}/review`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `pending`, `verified`, `rejected` or `corrected`.
    pub status: String,
    /// Who reviews (stored with the review).
    pub author: String,
    #[serde(default)]
    pub note: Option<String>,
    /// A correction to this gazetteer place.
    #[serde(default)]
    pub place_id: Option<String>,
    /// A correction to the best-known gazetteer place of this name.
    #[serde(default)]
    pub place_name: Option<String>,
    /// A correction to drawn coordinates (both).
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
}

fn bad(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(format!("invalid `{field}`: {message}"))
}

/// An analyst's name and optional note, trimmed and checked (an empty note is none): what every
/// analyst's decision carries (reviews here, report links in `reports`).
pub(super) fn author_and_note(author: &str, note: Option<String>) -> Result<(String, Option<String>), ApiError> {
    let author = author.trim().to_string();
    if author.is_empty() || author.chars().count() > MAX_AUTHOR_CHARS {
        return Err(bad("author", format!("name who reviews, 1..{MAX_AUTHOR_CHARS} characters")));
    }
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
        return Err(bad("note", format!("longer than {MAX_NOTE_CHARS} characters")));
    }
    Ok((author, note))
}

/// The review a request asks for, checked whole (see the module contract).
pub fn new_review(gazetteer: &crate::gazetteer::Gazetteer, r: ReviewRequest) -> Result<NewReview, ApiError> {
    let status = ReviewStatus::parse(r.status.trim())
        .ok_or_else(|| bad("status", format!("{:?}; use pending, verified, rejected or corrected", r.status)))?;
    let (author, note) = author_and_note(&r.author, r.note)?;
    let targets = [r.place_id.is_some(), r.place_name.is_some(), r.lon.is_some() || r.lat.is_some()];
    let named = targets.iter().filter(|t| **t).count();
    if status != ReviewStatus::Corrected {
        if named > 0 {
            return Err(bad("status", "place_id, place_name, lon and lat are taken only with status corrected"));
        }
        return Ok(NewReview { status, place: None, point: None, note, author });
    }
    if named != 1 {
        return Err(bad("status", "a correction names exactly one of place_id, place_name or lon and lat"));
    }
    let place = match (&r.place_id, &r.place_name) {
        (Some(id), _) => {
            Some(gazetteer.by_id(id.trim()).ok_or_else(|| bad("place_id", format!("no gazetteer place {id:?}")))?)
        }
        (_, Some(name)) => Some(
            gazetteer
                .lookup(name, 1)
                .into_iter()
                .next()
                .ok_or_else(|| bad("place_name", format!("no gazetteer place is named {name:?}")))?,
        ),
        _ => None,
    };
    let point = match (place, r.lon, r.lat) {
        (Some(_), _, _) => None,
        (None, Some(lon), Some(lat)) => {
            if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
                return Err(bad("lon", "a longitude -180..180"));
            }
            if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
                return Err(bad("lat", "a latitude -90..90"));
            }
            Some((lon, lat))
        }
        (None, lon, _) => return Err(bad(if lon.is_none() { "lon" } else { "lat" }, "give both lon and lat")),
    };
    let place = place.map(|p| StoredPlace {
        id: p.id.clone(),
        name: p.name.clone(),
        kind: p.kind.as_str().to_string(),
        point: p.point,
        geometry: p.geometry.clone().unwrap_or(geo_types::Geometry::Point(p.point)),
    });
    Ok(NewReview { status, place, point, note, author })
}

fn mention_id(id: &str) -> Result<i64, ApiError> {
    id.parse().map_err(|_| ApiError::NotFound(format!("no incident {id:?}: incident ids are numbers")))
}

/// The incident's feature as the map shows it now (or in the rejected set).
fn current_feature(st: &AppState, id: i64) -> Option<Value> {
    let (map, rejected) = (st.index.snapshot(), st.rejected.snapshot());
    map.get(id as u64).or_else(|| rejected.get(id as u64)).map(features::feature)
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<ReviewRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    super::articles::authorize(&state, &headers)?;
    let id = mention_id(&id)?;
    let Json(req) = body?;
    let review = new_review(state.geoparser.gazetteer(), req)?;
    let st = state.clone();
    let done = tokio::task::spawn_blocking(move || -> Result<_, crate::store::StoreError> {
        let Some((stored, article_id)) = st.store.add_review(id, &review)? else { return Ok(None) };
        super::live::redraw(&st, &[(id, article_id)])?;
        Ok(Some((stored, current_feature(&st, id))))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("worker task failed: {e}")))??;
    let Some((review, feature)) = done else { return Err(ApiError::NotFound(format!("no incident {id}"))) };
    Ok(Json(json!({"mention_id": id, "review": review, "incident": feature})))
}

pub async fn history(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = mention_id(&id)?;
    if current_feature(&state, id).is_none() {
        return Err(ApiError::NotFound(format!("no incident {id}")));
    }
    let st = state.clone();
    let reviews = tokio::task::spawn_blocking(move || st.store.review_history(id))
        .await
        .map_err(|e| ApiError::Internal(format!("worker task failed: {e}")))??;
    Ok(Json(json!({"mention_id": id, "reviews": reviews})))
}
