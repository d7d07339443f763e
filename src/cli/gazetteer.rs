//! `sitrep gazetteer lookup NAME`: candidates of a name as JSON.

use crate::gazetteer::Place;
use serde_json::{json, Value};
use std::path::PathBuf;

/// The JSON record printed for one candidate.
pub fn place_json(p: &Place, with_geometry: bool) -> Value {
    let mut v = json!({
        "id": p.id,
        "name": p.name,
        "kind": p.kind.as_str(),
        "country": p.country,
        "admin1": p.admin1,
        "population": p.population,
        "point": [p.point.x(), p.point.y()],
        "geometry_type": p.geometry_type(),
    });
    if p.approximate {
        v["approximate"] = json!(true);
    }
    if p.valid_from.is_some() || p.valid_to.is_some() {
        v["valid_from"] = json!(p.valid_from);
        v["valid_to"] = json!(p.valid_to);
    }
    if with_geometry {
        let g = geojson::GeometryValue::from(&p.full_geometry());
        v["geometry"] = serde_json::to_value(geojson::Geometry::new(g)).unwrap_or(Value::Null);
    }
    v
}

pub fn lookup(name: &str, limit: usize, geometry: bool, data: Option<PathBuf>) -> anyhow::Result<()> {
    let gaz = super::load_gazetteer(data)?;
    let out: Vec<Value> = gaz.lookup(name, limit).into_iter().map(|p| place_json(p, geometry)).collect();
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
