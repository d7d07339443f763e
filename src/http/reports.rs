//! `GET /api/reports?bbox=&datetime=&limit=`: the reports on the map grouped into events — the
//! articles whose event sites lie in the box (and in the interval), each event with every source
//! article, a count of reports, its event sites and why each report joined it (`merge`).
//!
//! Contract: computed on each request from one index snapshot and the articles' texts (their
//! event words), so it is always current; at most `limit` articles (newest first, default 500,
//! at most 2,000) are grouped, and `truncated` says when the box held more. Only event sites
//! take part: context mentions (datelines, governments) never join two reports. Analysts'
//! rejected incidents are not on the map and take no part either.

use super::{ApiError, AppState};
use crate::features::{unknown_param, ItemsQuery};
use crate::merge::{Report, Rules, Site};
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
        // the event sites of each article, newest articles first
        let mut by_article: BTreeMap<i64, Vec<&crate::index::Incident>> = BTreeMap::new();
        for i in hits {
            let crate::schema::Props::Mention(m) = &i.props else { continue };
            if m.event == Some(true) && q.accepts(i) {
                by_article.entry(m.article.id).or_default().push(i);
            }
        }
        let truncated = by_article.len() > limit;
        let chosen: Vec<(i64, Vec<&crate::index::Incident>)> = by_article.into_iter().rev().take(limit).collect();
        let mut reports = Vec::with_capacity(chosen.len());
        let mut meta = BTreeMap::new();
        for (article_id, incidents) in &chosen {
            let text = st.store.article(*article_id)?.map(|a| a.text).unwrap_or_default();
            let (classes, lede) = RULES.classes_of(&text);
            let mut sites: Vec<Site> = Vec::new();
            for i in incidents {
                let id = i.place.id.as_deref().unwrap_or_default();
                if sites.iter().all(|s| s.place_id != id) {
                    sites.push(Site {
                        place_id: id.to_string(),
                        name: i.place.name.to_string(),
                        kind: crate::gazetteer::Kind::parse(&i.place.kind),
                        point: i.place.point(),
                        geometry: i.place.geometry_arc().clone(),
                    });
                }
            }
            let day = incidents.iter().find_map(|i| i.time).map(|t| t.div_euclid(86_400));
            reports.push(Report { article_id: *article_id, day, sites, classes, lede });
            if let crate::schema::Props::Mention(m) = &incidents[0].props {
                meta.insert(*article_id, m.article.clone());
            }
        }
        let events = RULES.group(&reports, &[]);
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
