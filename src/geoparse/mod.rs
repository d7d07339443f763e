//! PLACEHOLDER geoparser (longest capitalised match, most important candidate), replaced by the real one
//! from the `geoparse` branch. Keeps the fixed API so the store and HTTP layers build against it.

use crate::gazetteer::{tokenize, Gazetteer, Kind, PlaceIdx};
use serde::Serialize;
use std::sync::Arc;

pub struct Geoparser {
    gaz: Arc<Gazetteer>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub enum Role {
    Place,
    Demonym,
}

#[derive(Debug, Clone, Serialize)]
pub struct Relation {
    pub kind: String,
    pub anchor_id: String,
    pub distance_km: Option<f64>,
    pub direction: Option<String>,
    pub side: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Mention {
    pub name: String,
    pub start: usize,
    pub end: usize,
    pub place: PlaceIdx,
    pub place_id: String,
    pub place_name: String,
    pub kind: Kind,
    pub precision: u8,
    pub geo_precision: u8,
    pub confidence: f32,
    pub point: geo_types::Point<f64>,
    pub geometry: geo_types::Geometry<f64>,
    pub sentence: String,
    pub sentence_start: usize,
    pub role: Role,
    pub relation: Option<Relation>,
}

impl Geoparser {
    pub fn new(gazetteer: Arc<Gazetteer>) -> Geoparser {
        Geoparser { gaz: gazetteer }
    }
    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gaz
    }
    pub fn parse(&self, text: &str, _date: Option<&str>) -> Vec<Mention> {
        let toks = tokenize(text);
        let chars: Vec<char> = text.chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            let first = chars[toks[i].start];
            if !first.is_uppercase() {
                i += 1;
                continue;
            }
            let mut found = None;
            for n in (1..=self.gaz.max_name_tokens().min(toks.len() - i)).rev() {
                let key: Vec<&str> = toks[i..i + n].iter().map(|t| t.norm.as_str()).collect();
                let key = key.join(" ");
                let best = self
                    .gaz
                    .matches(&key)
                    .max_by(|a, b| self.gaz.place(a.0).importance().total_cmp(&self.gaz.place(b.0).importance()));
                if let Some((idx, _)) = best {
                    found = Some((n, idx));
                    break;
                }
            }
            if let Some((n, idx)) = found {
                let p = self.gaz.place(idx);
                let (s, e) = (toks[i].start, toks[i + n - 1].end);
                out.push(Mention {
                    name: chars[s..e].iter().collect(),
                    start: s,
                    end: e,
                    place: idx,
                    place_id: p.id.clone(),
                    place_name: p.name.clone(),
                    kind: p.kind,
                    precision: p.kind.precision(),
                    geo_precision: 1,
                    confidence: 0.5,
                    point: p.point,
                    geometry: p.full_geometry(),
                    sentence: text.to_string(),
                    sentence_start: 0,
                    role: Role::Place,
                    relation: None,
                });
                i += n;
            } else {
                i += 1;
            }
        }
        out
    }
}

/// PLACEHOLDER: the RFC 7946 FeatureCollection of mentions.
pub fn feature_collection(mentions: &[Mention]) -> serde_json::Value {
    let features: Vec<serde_json::Value> = mentions
        .iter()
        .map(|m| {
            serde_json::json!({
                "type": "Feature",
                "geometry": geojson::Geometry::new(geojson::GeometryValue::from(&m.geometry)),
                "properties": {"name": m.name, "start": m.start, "end": m.end, "place_id": m.place_id,
                  "place_name": m.place_name, "kind": m.kind.as_str(), "precision": m.precision,
                  "geo_precision": m.geo_precision, "confidence": m.confidence, "sentence": m.sentence,
                  "lat": m.point.y(), "lon": m.point.x()}
            })
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection", "features": features})
}
