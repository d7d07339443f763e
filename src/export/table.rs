//! GeoJSON and CSV, streamed: one incident serialised and written at a time.

use super::Progress;
use crate::features::FeatureRef;
use crate::index::Incident;
use crate::schema::{FieldType, Val, MENTION_FIELDS};
use std::io::{self, Write};

/// Incidents written between two progress reports.
const STEP: usize = 1024;

/// A GeoJSON FeatureCollection of `incidents`, each with its place's full geometry and the
/// properties of the incident schema (the OGC items' features, unsimplified). Returns the count.
pub fn write_geojson<'a>(
    incidents: impl Iterator<Item = &'a Incident>,
    w: &mut impl Write,
    progress: &dyn Progress,
) -> io::Result<usize> {
    w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")?;
    let mut n = 0usize;
    for incident in incidents {
        w.write_all(if n == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *w, &FeatureRef { incident, zoom: Some(22) })?;
        n += 1;
        if n.is_multiple_of(STEP) {
            progress.advance(STEP as u64);
        }
    }
    w.write_all(b"\n]}\n")?;
    progress.advance((n % STEP) as u64);
    w.flush()?;
    Ok(n)
}

/// The CSV columns: the schema's mention properties, then `geometry_type`.
pub fn csv_header() -> Vec<&'static str> {
    MENTION_FIELDS.iter().map(|f| f.name).chain(["geometry_type"]).collect()
}

/// CSV of `incidents` (RFC 4180, a header row): one row per incident, the columns of
/// [`csv_header`]; an absent property is an empty cell, `relation` is JSON text. Returns the count.
pub fn write_csv<'a>(
    incidents: impl Iterator<Item = &'a Incident>,
    w: &mut impl Write,
    progress: &dyn Progress,
) -> io::Result<usize> {
    let mut out = csv::Writer::from_writer(&mut *w);
    out.write_record(csv_header()).map_err(csv_io)?;
    let mut row: Vec<String> = vec![String::new(); MENTION_FIELDS.len() + 1];
    let mut n = 0usize;
    for incident in incidents {
        row.iter_mut().for_each(String::clear);
        crate::schema::visit(incident, &mut |k, v| {
            let Some(col) = MENTION_FIELDS.iter().position(|f| f.name == k) else { return };
            let cell = &mut row[col];
            match v {
                Val::Str(s) => cell.push_str(s),
                Val::Int(i) => cell.push_str(&i.to_string()),
                Val::Float(f) => cell.push_str(&f.to_string()),
                Val::Bool(b) => cell.push_str(if b { "true" } else { "false" }),
                Val::Json(j) => cell.push_str(&j.to_string()),
            }
        });
        row[MENTION_FIELDS.len()].push_str(geometry_type(incident.geometry()));
        out.write_record(&row).map_err(csv_io)?;
        n += 1;
        if n.is_multiple_of(STEP) {
            progress.advance(STEP as u64);
        }
    }
    out.flush()?;
    drop(out);
    progress.advance((n % STEP) as u64);
    w.flush()?;
    debug_assert!(MENTION_FIELDS.iter().all(|f| f.ty != FieldType::Object || f.name == "relation"));
    Ok(n)
}

fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// The GeoJSON type name of a geometry.
pub(crate) fn geometry_type(g: &geo_types::Geometry<f64>) -> &'static str {
    use geo_types::Geometry as G;
    match g {
        G::Point(_) => "Point",
        G::MultiPoint(_) => "MultiPoint",
        G::LineString(_) | G::Line(_) => "LineString",
        G::MultiLineString(_) => "MultiLineString",
        G::Polygon(_) | G::Rect(_) | G::Triangle(_) => "Polygon",
        G::MultiPolygon(_) => "MultiPolygon",
        G::GeometryCollection(_) => "GeometryCollection",
    }
}
