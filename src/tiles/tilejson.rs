//! TileJSON 3.0.0 of the incident tiles: the one builder behind `GET /tiles.json` and the metadata
//! of the PMTiles and MBTiles exports, so a served tile set and an exported one describe the same
//! layers and fields (from the incident schema, [`crate::schema`]).

use crate::index::IndexSnapshot;
use serde_json::{json, Value};

/// Attribution of the data every incident tile is drawn from.
pub const ATTRIBUTION: &str = "Places: <a href=\"https://www.geonames.org/\">GeoNames</a> (CC BY 4.0), <a href=\"https://www.naturalearthdata.com/\">Natural Earth</a>";

/// `bounds` of a snapshot (`[w, s, e, n]`), inside Web Mercator's latitude range; the world when
/// the snapshot is empty.
pub fn bounds(snap: &IndexSnapshot) -> [f64; 4] {
    match snap.bounds() {
        None => [-180.0, -85.0511, 180.0, 85.0511],
        Some([w, s, e, n]) => [w, s.max(-85.0511), e, n.min(85.0511)],
    }
}

/// The TileJSON document of incident tiles at `tiles` (a `{z}/{x}/{y}` template), zooms
/// `minzoom..=maxzoom`, covering `bounds` (`[w, s, e, n]`).
pub fn tilejson(tiles: &str, minzoom: u8, maxzoom: u8, bounds: [f64; 4]) -> Value {
    use crate::schema::{tilejson_fields, AGGREGATE_FIELDS, CLUSTER_FIELDS, MENTION_FIELDS};
    // every attribute a tile carries, from the one schema
    let point_fields = tilejson_fields(&[MENTION_FIELDS, CLUSTER_FIELDS]);
    let shape_fields = tilejson_fields(&[MENTION_FIELDS, AGGREGATE_FIELDS]);
    json!({
        "tilejson": "3.0.0",
        "name": "sitrep incidents",
        "description": "Places named in ingested news articles.",
        "version": env!("CARGO_PKG_VERSION"),
        "scheme": "xyz",
        "tiles": [tiles],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "bounds": bounds,
        "attribution": ATTRIBUTION,
        "vector_layers": [
            {"id": "incidents", "description": "settlements and other point places; clustered at low zoom", "minzoom": minzoom, "maxzoom": maxzoom, "fields": point_fields},
            {"id": "areas", "description": "provinces, regions, countries: one feature per place, with the properties of its latest mention and what its mentions add up to", "minzoom": minzoom, "maxzoom": maxzoom, "fields": shape_fields},
            {"id": "lines", "description": "corridors, lines of contact, border segments, rivers: one feature per place, as areas", "minzoom": minzoom, "maxzoom": maxzoom, "fields": shape_fields}
        ]
    })
}

/// The TileJSON document of basemap tiles at `tiles` (layers `countries`, `admin1`, `places`,
/// `country_labels`).
pub fn basemap_tilejson(tiles: &str, minzoom: u8, maxzoom: u8) -> Value {
    let layer = |id: &str, description: &str, fields: Value| json!({"id": id, "description": description, "minzoom": minzoom, "maxzoom": maxzoom, "fields": fields});
    json!({
        "tilejson": "3.0.0",
        "name": "sitrep basemap",
        "description": "Countries, first-level divisions and cities of the shipped gazetteer.",
        "version": env!("CARGO_PKG_VERSION"),
        "scheme": "xyz",
        "tiles": [tiles],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "bounds": [-180.0, -85.0511, 180.0, 85.0511],
        "attribution": ATTRIBUTION,
        "vector_layers": [
            layer("countries", "country polygons", json!({"name": "String", "iso_a2": "String", "population": "Number"})),
            layer("admin1", "first-level divisions", json!({"name": "String", "country": "String"})),
            layer("places", "capitals and large cities", json!({"name": "String", "population": "Number", "capital": "Boolean", "rank": "Number"})),
            layer("country_labels", "one point per country for its label", json!({"name": "String", "iso_a2": "String", "population": "Number"}))
        ]
    })
}
