//! `GET /api/reports?bbox=&datetime=&limit=`: the reports on the map grouped into events — the
//! articles whose event sites lie in the box (and in the interval), each event with every source
//! article, a count of reports, its event sites and why each report joined it (`merge`).
//!
//! Contract: computed on each request from one index snapshot and the articles' texts (their
//! event words), so it is always current; at most `limit` articles (newest first, default 500,
//! at most 2,000) are grouped, and `truncated` says when the box held more. An article takes part
//! when one of its event sites is in the box; datelines, governments and the other places
//! `merge::site_role` leaves out never join two reports. Analysts'
//! rejected incidents are not on the map and take no part either. `POST /api/reports/link`
//! (token) stores an analyst's decision that two articles report one event (`together`) or two
//! (`apart`); the newest decision on a pair wins over the rules, and `why` says so.

use super::{ApiError, AppState};
use crate::features::{unknown_param, ItemsQuery};
use crate::merge::{site_role, Override, Report, Rules, Site, SiteRole};
use axum::extract::{RawQuery, State};
use axum::Json;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

const DEFAULT_LIMIT: usize = 500;
const MAX_LIMIT: usize = 2000;
const PARAMS: &[&str] = &["bbox", "datetime", "limit"];

static RULES: LazyLock<Rules> = LazyLock::new(Rules::default);

pub async fn list(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Result<Json<Value>, ApiError> {
    let pairs = super::ogc::pairs(&query);
    let mut limit = DEFAULT_LIMIT;
    let mut filters: Vec<(&str, &str)> = Vec::new();
    for (k, v) in &pairs {
        match k.as_str() {
            "bbox" | "datetime" => filters.push((k, v)),
            "limit" => {
                limit = v.parse().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| {
                    ApiError::BadRequest(format!("invalid parameter `limit`: {v:?}; use 1..{MAX_LIMIT}"))
                })?
            }
            other => return Err(unknown_param(other, PARAMS).into()),
        }
    }
    let q = ItemsQuery::parse(filters)?;
    let st = state.clone();
    let out = tokio::task::spawn_blocking(move || -> Result<Value, crate::store::StoreError> {
        let snap = st.index.snapshot();
        let hits: Vec<&crate::index::Incident> = match q.bbox {
            Some(b) => snap.query_bbox_lonlat(b),
            None => snap.iter().map(|i| i.incident()).collect(),
        };
        // the places of each article that may say where its event was, newest articles first
        let mut by_article: BTreeMap<i64, Vec<(SiteRole, &crate::index::Incident)>> = BTreeMap::new();
        for i in hits {
            let crate::schema::Props::Mention(m) = &i.props else { continue };
            let kind = crate::gazetteer::Kind::parse(&i.place.kind);
            let role = site_role(m.event == Some(true), m.role_reason.as_deref(), kind);
            if role != SiteRole::Ignored && q.accepts(i) {
                by_article.entry(m.article.id).or_default().push((role, i));
            }
        }
        // an article is a report when it has an event site in the box
        by_article.retain(|_, v| v.iter().any(|(r, _)| *r == SiteRole::Primary));
        let truncated = by_article.len() > limit;
        let chosen: Vec<(i64, Vec<(SiteRole, &crate::index::Incident)>)> =
            by_article.into_iter().rev().take(limit).collect();
        let mut reports = Vec::with_capacity(chosen.len());
        let mut meta = BTreeMap::new();
        for (article_id, incidents) in &chosen {
            let text = st.store.article(*article_id)?.map(|a| a.text).unwrap_or_default();
            let (classes, lede) = RULES.classes_of(&text);
            let places = incidents.iter().map(|(role, i)| {
                let site = Site {
                    place_id: i.place.id.as_deref().unwrap_or_default().to_string(),
                    name: i.place.name.to_string(),
                    kind: crate::gazetteer::Kind::parse(&i.place.kind),
                    point: i.place.point(),
                    geometry: i.place.geometry_arc().clone(),
                };
                (*role, site)
            });
            let day = incidents.iter().find_map(|(_, i)| i.time).map(|t| t.div_euclid(86_400));
            reports.push(Report::of(*article_id, day, places, classes, lede));
            if let crate::schema::Props::Mention(m) = &incidents[0].1.props {
                meta.insert(*article_id, m.article.clone());
            }
        }
        // analysts' decisions on pairs of these reports win over the rules
        let links: Vec<Override> = st
            .store
            .report_links()?
            .into_iter()
            .filter(|(a, b, _)| meta.contains_key(a) && meta.contains_key(b))
            .map(|(a, b, together)| if together { Override::Together(a, b) } else { Override::Apart(a, b) })
            .collect();
        let events = RULES.group(&reports, &links);
        let sites_of: BTreeMap<i64, &Report> = reports.iter().map(|r| (r.article_id, r)).collect();
        let events: Vec<Value> = events
            .iter()
            .map(|e| {
                let mut ids = e.reports.clone();
                ids.sort_unstable();
                let mut sites: Vec<Value> = Vec::new();
                for id in &ids {
                    for s in &sites_of[id].sites {
                        if !sites.iter().any(|v| v["place_id"] == s.place_id.as_str()) {
                            sites.push(json!({"place_id": s.place_id, "place_name": s.name, "lon": s.point.x(), "lat": s.point.y()}));
                        }
                    }
                }
                let reports: Vec<Value> = ids
                    .iter()
                    .map(|id| {
                        let a = &meta[id];
                        json!({"article_id": id, "title": a.title, "url": a.url, "source": a.source, "published": a.published})
                    })
                    .collect();
                json!({
                    "id": format!("event-{}", ids[0]),
                    "report_count": ids.len(),
                    "reports": reports,
                    "sites": sites,
                    "why": e.why.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
                })
            })
            .collect();
        Ok(json!({"events": events, "articles_considered": reports.len(), "truncated": truncated}))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("worker task failed: {e}")))??;
    Ok(Json(out))
}

/// The body of `POST /api/reports/link`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    pub a: i64,
    pub b: i64,
    /// `together` or `apart`.
    pub decision: String,
    pub author: String,
    #[serde(default)]
    pub note: Option<String>,
}

pub async fn link(
    State(state): State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
    body: Result<Json<LinkRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    super::articles::authorize(&state, &headers)?;
    let Json(req) = body?;
    let together = match req.decision.as_str() {
        "together" => true,
        "apart" => false,
        other => return Err(ApiError::BadRequest(format!("invalid `decision`: {other:?}; use together or apart"))),
    };
    if req.a == req.b {
        return Err(ApiError::BadRequest("invalid `b`: name two different articles".into()));
    }
    let (author, note) = super::reviews::author_and_note(&req.author, req.note)?;
    let st = state.clone();
    let (a, b) = (req.a, req.b);
    let stored = tokio::task::spawn_blocking(move || st.store.link_reports(a, b, together, note.as_deref(), &author))
        .await
        .map_err(|e| ApiError::Internal(format!("worker task failed: {e}")))??;
    if !stored {
        return Err(ApiError::NotFound(format!("no article {a} or no article {b}")));
    }
    Ok(Json(json!({"a": a, "b": b, "decision": req.decision})))
}
