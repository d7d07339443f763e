//! Output formats of mentions: GeoJSON features and the evaluation corpora's prediction format.

use super::{Mention, Role};
use crate::schema;
use serde_json::{json, Map, Value};

/// One GeoJSON feature per mention (RFC 7946): the place's representative point with the mention
/// properties. The place's own geometry is not repeated per mention: callers that want it add each
/// place once (`features::places_dictionary`), keyed by `place_id`.
pub fn feature(m: &Mention) -> Value {
    let geometry = json!({"type": "Point", "coordinates": [m.point.x(), m.point.y()]});
    let mut props = Map::new();
    props.insert("name".into(), json!(m.name));
    props.insert("start".into(), json!(m.start));
    props.insert("end".into(), json!(m.end));
    props.insert("place_id".into(), json!(m.place_id));
    props.insert("place_name".into(), json!(m.place_name));
    props.insert("kind".into(), json!(m.kind.as_str()));
    props.insert(
        "role".into(),
        json!(match m.role {
            Role::Place => "place",
            Role::Demonym => "demonym",
        }),
    );
    props.insert(schema::LITERAL.into(), json!(m.literal));
    props.insert(schema::EVENT.into(), json!(m.event));
    if let Some(r) = m.role_reason {
        props.insert(schema::ROLE_REASON.into(), json!(r));
    }
    props.insert("precision".into(), json!(m.precision));
    props.insert("geo_precision".into(), json!(m.geo_precision));
    props.insert("confidence".into(), json!((m.confidence as f64 * 1000.0).round() / 1000.0));
    props.insert("sentence".into(), json!(m.sentence));
    props.insert("sentence_start".into(), json!(m.sentence_start));
    props.insert("lat".into(), json!(m.point.y()));
    props.insert("lon".into(), json!(m.point.x()));
    if let Some(r) = &m.relation {
        props.insert("relation".into(), serde_json::to_value(r).unwrap_or(Value::Null));
    }
    json!({"type": "Feature", "geometry": geometry, "properties": props})
}

/// The RFC 7946 FeatureCollection the CLI prints and the HTTP layer returns.
pub fn feature_collection(mentions: &[Mention]) -> Value {
    json!({"type": "FeatureCollection", "features": mentions.iter().map(feature).collect::<Vec<_>>()})
}

/// A mention in the prediction format of the evaluation corpora (no geometry).
pub fn prediction(m: &Mention) -> Value {
    let mut v = json!({
        "start": m.start, "end": m.end, "name": m.name,
        "lat": (m.point.y() * 1e5).round() / 1e5, "lon": (m.point.x() * 1e5).round() / 1e5,
        "place_id": m.place_id, "place_name": m.place_name, "kind": m.kind.as_str(),
        "precision": m.precision, "geo_precision": m.geo_precision,
        "confidence": (m.confidence as f64 * 1000.0).round() / 1000.0,
        "role": match m.role { Role::Place => "place", Role::Demonym => "demonym" },
    });
    v[schema::LITERAL] = json!(m.literal);
    v[schema::EVENT] = json!(m.event);
    if let Some(r) = m.role_reason {
        v[schema::ROLE_REASON] = json!(r);
    }
    if let Some(r) = &m.relation {
        v["relation"] = serde_json::to_value(r).unwrap_or(Value::Null);
    }
    v
}
