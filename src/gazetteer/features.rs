//! A typed reader for the gazetteer's own GeoJSON files (Natural Earth layers, curated layers).
//!
//! Contract: [`read_collection`] turns the bytes of an RFC 7946 FeatureCollection into
//! [`GazFeature`]s: the properties the gazetteer uses, already typed, and the geometry as
//! `geo_types`, with coordinates read straight into `Coord`s (no `serde_json::Value` tree, no
//! `Vec<f64>` per position: the generic `geojson` model spends most of start-up allocating those).
//! Properties it does not know are skipped. Null and empty strings read as absent.
//! Not for: GeoJSON from users (the HTTP layer uses the `geojson` crate) or writing GeoJSON.

use geo_types::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// The properties of a gazetteer feature that the loader reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct GazProps {
    #[serde(deserialize_with = "nonempty")]
    pub id: Option<String>,
    #[serde(deserialize_with = "nonempty")]
    pub name: Option<String>,
    #[serde(deserialize_with = "string_list")]
    pub names: Vec<String>,
    #[serde(deserialize_with = "string_list")]
    pub demonyms: Vec<String>,
    #[serde(deserialize_with = "string_list")]
    pub members: Vec<String>,
    #[serde(deserialize_with = "nonempty")]
    pub country: Option<String>,
    #[serde(deserialize_with = "nonempty")]
    pub admin1: Option<String>,
    #[serde(deserialize_with = "nonempty")]
    pub adm1_code: Option<String>,
    #[serde(deserialize_with = "nonempty")]
    pub iso_a2: Option<String>,
    #[serde(deserialize_with = "nonempty")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "nonempty")]
    pub source: Option<String>,
    #[serde(deserialize_with = "nonempty")]
    pub valid_from: Option<String>,
    #[serde(deserialize_with = "nonempty")]
    pub valid_to: Option<String>,
    pub population: Option<u64>,
    pub geonameid: Option<u64>,
    pub approximate: Option<bool>,
    pub label: Option<Vec<f64>>,
}

impl GazProps {
    /// The `label` property as a point, when it holds at least two numbers.
    pub fn label_point(&self) -> Option<Point<f64>> {
        match self.label.as_deref() {
            Some([x, y, ..]) => Some(Point::new(*x, *y)),
            _ => None,
        }
    }
}

/// One feature: its top-level string `id` (if any), typed properties, and geometry.
#[derive(Debug)]
pub(super) struct GazFeature {
    pub id: Option<String>,
    pub props: GazProps,
    pub geometry: Option<Geometry<f64>>,
}

/// Parses a FeatureCollection; the error message says what was wrong (serde_json gives the line and
/// column).
pub(super) fn read_collection(bytes: &[u8]) -> Result<Vec<GazFeature>, String> {
    #[derive(Deserialize)]
    struct Collection {
        features: Vec<RawFeature>,
    }
    #[derive(Deserialize)]
    struct RawFeature {
        #[serde(default, deserialize_with = "feature_id")]
        id: Option<String>,
        #[serde(default)]
        properties: Option<GazProps>,
        #[serde(default)]
        geometry: Option<Geom>,
    }
    let c: Collection = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    Ok(c.features
        .into_iter()
        .map(|f| GazFeature { id: f.id, props: f.properties.unwrap_or_default(), geometry: f.geometry.map(|g| g.0) })
        .collect())
}

fn nonempty<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v = Option::<Vec<Option<String>>>::deserialize(d)?.unwrap_or_default();
    Ok(v.into_iter().flatten().filter(|s| !s.is_empty()).collect())
}

/// A feature id that is a string; numeric ids are ignored (the gazetteer's ids are strings).
fn feature_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        S(String),
        N(#[allow(dead_code)] serde_json::Number),
    }
    Ok(match Option::<Id>::deserialize(d)? {
        Some(Id::S(s)) => Some(s),
        _ => None,
    })
}

/// A position `[x, y, ...]`; a third (or later) ordinate is read and dropped.
struct Pos(Coord<f64>);

impl<'de> Deserialize<'de> for Pos {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pos;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a position [x, y]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pos, A::Error> {
                let x: f64 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let y: f64 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Pos(Coord { x, y }))
            }
        }
        d.deserialize_seq(V)
    }
}

fn ring(v: Vec<Pos>) -> LineString<f64> {
    LineString(v.into_iter().map(|p| p.0).collect())
}

fn polygon(mut rings: Vec<Vec<Pos>>) -> Polygon<f64> {
    if rings.is_empty() {
        return Polygon::new(LineString(Vec::new()), Vec::new());
    }
    let holes = rings.split_off(1);
    let exterior = rings.pop().map(ring).unwrap_or(LineString(Vec::new()));
    Polygon::new(exterior, holes.into_iter().map(ring).collect())
}

/// Coordinates read at the nesting depth their geometry type calls for.
enum Coords {
    Position(Pos),
    Positions(Vec<Pos>),
    Rings(Vec<Vec<Pos>>),
    Polygons(Vec<Vec<Vec<Pos>>>),
}

/// How deeply a geometry type nests its positions (0 = one position).
fn depth<E: de::Error>(kind: &str) -> Result<u8, E> {
    match kind {
        "Point" => Ok(0),
        "MultiPoint" | "LineString" => Ok(1),
        "MultiLineString" | "Polygon" => Ok(2),
        "MultiPolygon" => Ok(3),
        other => Err(E::custom(format!("unsupported geometry type {other:?}"))),
    }
}

fn assemble(kind: &str, coords: Coords) -> Geometry<f64> {
    match (kind, coords) {
        (_, Coords::Position(p)) => Geometry::Point(Point(p.0)),
        ("MultiPoint", Coords::Positions(v)) => {
            Geometry::MultiPoint(MultiPoint(v.into_iter().map(|p| Point(p.0)).collect()))
        }
        (_, Coords::Positions(v)) => Geometry::LineString(ring(v)),
        ("MultiLineString", Coords::Rings(v)) => {
            Geometry::MultiLineString(MultiLineString(v.into_iter().map(ring).collect()))
        }
        (_, Coords::Rings(v)) => Geometry::Polygon(polygon(v)),
        (_, Coords::Polygons(v)) => Geometry::MultiPolygon(MultiPolygon(v.into_iter().map(polygon).collect())),
    }
}

/// A GeoJSON geometry read straight into `geo_types` (fast path when `type` comes before
/// `coordinates`, as in every shipped file; otherwise through a `serde_json::Value`).
struct Geom(Geometry<f64>);

impl<'de> Deserialize<'de> for Geom {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Geom;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a GeoJSON geometry object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Geom, A::Error> {
                let mut kind: Option<String> = None;
                let mut late_coords: Option<serde_json::Value> = None;
                let mut geometry: Option<Geometry<f64>> = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "type" => kind = Some(map.next_value()?),
                        "coordinates" => match &kind {
                            Some(k) => {
                                let coords = match depth(k)? {
                                    0 => Coords::Position(map.next_value()?),
                                    1 => Coords::Positions(map.next_value()?),
                                    2 => Coords::Rings(map.next_value()?),
                                    _ => Coords::Polygons(map.next_value()?),
                                };
                                geometry = Some(assemble(k, coords));
                            }
                            None => late_coords = Some(map.next_value()?),
                        },
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                if let Some(g) = geometry {
                    return Ok(Geom(g));
                }
                let kind = kind.ok_or_else(|| de::Error::missing_field("type"))?;
                let coords = late_coords.ok_or_else(|| de::Error::missing_field("coordinates"))?;
                // Rare order: read the buffered coordinates now that the type is known.
                use serde_json::from_value as v;
                let coords = match depth(&kind)? {
                    0 => v(coords).map(Coords::Position),
                    1 => v(coords).map(Coords::Positions),
                    2 => v(coords).map(Coords::Rings),
                    _ => v(coords).map(Coords::Polygons),
                }
                .map_err(de::Error::custom)?;
                Ok(Geom(assemble(&kind, coords)))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_typed_properties_and_every_geometry_kind() {
        let text = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","id":"sitrep:a","properties":{"id":"sitrep:a","name":"A","names":["A1","",null],
            "population":null,"geonameid":42,"label":[44.5,40.1],"approximate":true,"extra":{"x":[1,2]}},
            "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]],[[0.2,0.2],[0.3,0.2],[0.3,0.3],[0.2,0.2]]]}},
          {"type":"Feature","id":7,"properties":{"name":"","kind":"corridor"},
            "geometry":{"coordinates":[[0,0,5],[2,2,5]],"type":"LineString"}},
          {"type":"Feature","properties":null,"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}},
          {"type":"Feature","properties":{},"geometry":null}
        ]}"#;
        let fs = read_collection(text).unwrap();
        assert_eq!(fs.len(), 4);
        assert_eq!(fs[0].id.as_deref(), Some("sitrep:a"));
        assert_eq!(fs[0].props.names, vec!["A1".to_string()]);
        assert_eq!(fs[0].props.geonameid, Some(42));
        assert_eq!(fs[0].props.population, None);
        assert_eq!(fs[0].props.approximate, Some(true));
        assert_eq!(fs[0].props.label_point(), Some(Point::new(44.5, 40.1)));
        match &fs[0].geometry {
            Some(Geometry::Polygon(p)) => {
                assert_eq!(p.exterior().0.len(), 4);
                assert_eq!(p.interiors().len(), 1);
                assert_eq!(p.interiors()[0].0[1], Coord { x: 0.3, y: 0.2 });
            }
            g => panic!("expected a polygon, got {g:?}"),
        }
        // Numeric feature id ignored, empty name absent, coordinates before type, z dropped.
        assert_eq!(fs[1].id, None);
        assert_eq!(fs[1].props.name, None);
        assert_eq!(fs[1].props.kind.as_deref(), Some("corridor"));
        assert_eq!(
            fs[1].geometry,
            Some(Geometry::LineString(LineString(vec![Coord { x: 0.0, y: 0.0 }, Coord { x: 2.0, y: 2.0 }])))
        );
        assert!(matches!(&fs[2].geometry, Some(Geometry::MultiPolygon(m)) if m.0.len() == 1));
        assert!(fs[3].geometry.is_none());
    }

    #[test]
    fn malformed_geometry_is_an_error_naming_the_problem() {
        let bad = br#"{"features":[{"properties":{},"geometry":{"type":"Circle","coordinates":[0,0]}}]}"#;
        let e = read_collection(bad).unwrap_err();
        assert!(e.contains("Circle"), "{e}");
        let short = br#"{"features":[{"properties":{},"geometry":{"type":"Point","coordinates":[1]}}]}"#;
        assert!(read_collection(short).is_err());
    }
}
