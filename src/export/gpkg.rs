//! GeoPackage 1.3 (OGC 12-128r18) written with rusqlite: the core tables by hand, geometries as
//! GeoPackage binary (the `GP` header with SRS 4326 and an envelope, then WKB) from geozero.
//!
//! Two feature tables: `incidents` (fid = mention id; the place's representative point; every
//! scalar property of the incident schema, `relation` as JSON text) and `places` (each place of
//! the exported incidents once, its full geometry, `mention_count`, `first_time`, `last_time`),
//! joined on `place_id`.

use super::{ExportError, Progress, Selection, Summary};
use crate::index::Incident;
use crate::schema::{FieldType, Val, MENTION_FIELDS};
use geo::BoundingRect;
use geozero::{CoordDimensions, ToWkb};
use std::collections::HashMap;
use std::path::Path;

const WGS84_WKT: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

/// Schema numbers that are not integers.
const REAL_FIELDS: [&str; 3] = ["confidence", "lon", "lat"];

fn column_type(name: &str, ty: FieldType) -> &'static str {
    match ty {
        FieldType::Number if REAL_FIELDS.contains(&name) => "REAL",
        FieldType::Number => "INTEGER",
        FieldType::Boolean => "BOOLEAN",
        FieldType::String | FieldType::Object => "TEXT",
    }
}

/// GeoPackage binary of `g` (SRS 4326; an envelope unless it is a point).
fn gpkg_blob(g: &geo_types::Geometry<f64>) -> Result<Vec<u8>, geozero::error::GeozeroError> {
    let envelope = match (g, g.bounding_rect()) {
        (geo_types::Geometry::Point(_), _) | (_, None) => Vec::new(),
        (_, Some(r)) => vec![r.min().x, r.max().x, r.min().y, r.max().y],
    };
    g.to_gpkg_wkb(CoordDimensions::xy(), Some(4326), envelope)
}

/// Writes the GeoPackage of `sel` to `path` (a new file).
pub fn write_gpkg(sel: &Selection, path: &Path, progress: &dyn Progress) -> Result<Summary, ExportError> {
    let sq = |e| ExportError::sqlite(path)(e);
    let gz = |e: geozero::error::GeozeroError| ExportError::write(path, format!("geometry: {e}"));
    let mut db = rusqlite::Connection::open(path).map_err(sq)?;
    let columns: Vec<String> =
        MENTION_FIELDS.iter().map(|f| format!("\"{}\" {}", f.name, column_type(f.name, f.ty))).collect();
    db.execute_batch(&format!(
        "PRAGMA application_id = 1196444487; -- 'GPKG'
         PRAGMA user_version = 10300;         -- GeoPackage 1.3.0
         PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
         CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY,
           organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
           description TEXT);
         CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
           identifier TEXT UNIQUE, description TEXT DEFAULT '',
           last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
           min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
           CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
         CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
           geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
           CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
           CONSTRAINT uk_gc_table_name UNIQUE (table_name),
           CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
           CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
         CREATE TABLE incidents (fid INTEGER PRIMARY KEY, geom POINT, {});
         CREATE INDEX incidents_place ON incidents (place_id);
         CREATE TABLE places (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom GEOMETRY, place_id TEXT UNIQUE,
           name TEXT, kind TEXT, lon REAL, lat REAL, mention_count INTEGER, first_time INTEGER, last_time INTEGER);",
        columns.join(", ")
    ))
    .map_err(sq)?;
    let tx = db.transaction().map_err(sq)?;
    for (name, id, org, def, desc) in [
        (
            "WGS 84 geodetic",
            4326,
            "EPSG",
            WGS84_WKT,
            "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
        ),
        ("Undefined cartesian SRS", -1, "NONE", "undefined", "undefined cartesian coordinate reference system"),
        ("Undefined geographic SRS", 0, "NONE", "undefined", "undefined geographic coordinate reference system"),
    ] {
        tx.execute(
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?1, ?2, ?3, ?2, ?4, ?5)",
            rusqlite::params![name, id, org, def, desc],
        )
        .map_err(sq)?;
    }

    let incidents = sel.incidents();
    progress.stage("incidents", incidents.len() as u64);
    let placeholders: Vec<String> = (0..MENTION_FIELDS.len() + 2).map(|i| format!("?{}", i + 1)).collect();
    let names: Vec<String> = MENTION_FIELDS.iter().map(|f| format!("\"{}\"", f.name)).collect();
    // place id → (first incident with it, mentions, first time, last time)
    let mut places: HashMap<&str, (&Incident, usize, Option<i64>, Option<i64>)> = HashMap::new();
    let mut bounds = Bounds::default();
    {
        let mut insert = tx
            .prepare(&format!(
                "INSERT INTO incidents (fid, geom, {}) VALUES ({})",
                names.join(", "),
                placeholders.join(", ")
            ))
            .map_err(sq)?;
        let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(MENTION_FIELDS.len() + 2);
        for (n, inc) in incidents.iter().enumerate() {
            use rusqlite::types::Value as V;
            values.clear();
            values.push(V::Integer(inc.id as i64));
            let point = geo_types::Geometry::Point(inc.point());
            bounds.add(inc.point().x(), inc.point().y());
            values.push(V::Blob(gpkg_blob(&point).map_err(gz)?));
            values.extend(std::iter::repeat_n(V::Null, MENTION_FIELDS.len()));
            crate::schema::visit(*inc, &mut |k, v| {
                if let Some(col) = MENTION_FIELDS.iter().position(|f| f.name == k) {
                    values[col + 2] = match v {
                        Val::Str(s) => V::Text(s.to_string()),
                        Val::Int(i) => V::Integer(i),
                        Val::Float(f) => V::Real(f),
                        Val::Bool(b) => V::Integer(i64::from(b)),
                        Val::Json(j) => V::Text(j.to_string()),
                    };
                }
            });
            insert.execute(rusqlite::params_from_iter(values.iter())).map_err(sq)?;
            let key = inc.place.id.as_deref().unwrap_or("");
            let e = places.entry(key).or_insert((inc, 0, None, None));
            e.1 += 1;
            if let Some(t) = inc.time {
                e.2 = Some(e.2.map_or(t, |a| a.min(t)));
                e.3 = Some(e.3.map_or(t, |b| b.max(t)));
            }
            if n % 1024 == 1023 {
                progress.advance(1024);
            }
        }
        progress.advance((incidents.len() % 1024) as u64);
    }
    let incident_bounds = bounds;

    let mut rows: Vec<_> = places.into_values().collect();
    rows.sort_unstable_by_key(|r| r.0.id);
    progress.stage("places", rows.len() as u64);
    let mut place_bounds = Bounds::default();
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO places (geom, place_id, name, kind, lon, lat, mention_count, first_time, last_time)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .map_err(sq)?;
        for (inc, count, first, last) in &rows {
            let p = &inc.place;
            if let Some(r) = p.geometry().bounding_rect() {
                place_bounds.add(r.min().x, r.min().y);
                place_bounds.add(r.max().x, r.max().y);
            }
            insert
                .execute(rusqlite::params![
                    gpkg_blob(p.geometry()).map_err(gz)?,
                    p.id.as_deref(),
                    &*p.name,
                    &*p.kind,
                    p.point().x(),
                    p.point().y(),
                    *count as i64,
                    first,
                    last,
                ])
                .map_err(sq)?;
            progress.advance(1);
        }
    }
    for (table, ty, desc, b) in [
        ("incidents", "POINT", "one feature per place mention in an ingested article (sitrep)", incident_bounds),
        ("places", "GEOMETRY", "each place of the incidents once, with its full geometry (sitrep)", place_bounds),
    ] {
        tx.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id)
             VALUES (?1, 'features', ?1, ?2, ?3, ?4, ?5, ?6, 4326)",
            rusqlite::params![table, desc, b.get(0), b.get(1), b.get(2), b.get(3)],
        )
        .map_err(sq)?;
        tx.execute("INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, 4326, 0, 0)", (table, ty)).map_err(sq)?;
    }
    tx.commit().map_err(sq)?;
    db.close().map_err(|(_, e)| sq(e))?;
    Ok(Summary { incidents: incidents.len(), places: rows.len(), tiles: 0, tiles_rendered: 0 })
}

/// A growing lon/lat box; `None` sides while empty.
#[derive(Debug, Clone, Copy, Default)]
struct Bounds(Option<[f64; 4]>);

impl Bounds {
    fn add(&mut self, x: f64, y: f64) {
        let b = self.0.get_or_insert([x, y, x, y]);
        *b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
    }
    fn get(&self, i: usize) -> Option<f64> {
        self.0.map(|b| b[i])
    }
}
