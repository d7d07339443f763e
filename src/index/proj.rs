//! Web Mercator projection helpers shared by the index and the tile modules.
//!
//! Contract: pure functions, no state. "World" coordinates are the Web Mercator unit square
//! (x = 0 at 180°W, 1 at 180°E; y = 0 at the top, 85.0511°N, 1 at the bottom), so a tile
//! (z, x, y) covers `[x, x+1] / 2^z` × `[y, y+1] / 2^z`. EPSG:3857 metres are the same square
//! scaled by the Earth's circumference and centred. Latitudes are clamped to ±85.0511 before
//! projecting. Longitudes are *not* wrapped here: an unwrapped longitude of 181° maps to x > 1,
//! which is how antimeridian-crossing geometries stay continuous (see [`unwrap_geometry`]).
//! Not for: tile pixel space (that is `tiles::grid`).

use geo_types::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};

/// Web Mercator's latitude limit.
pub const MAX_LAT: f64 = 85.051_128_779_806_59;
/// Half the Earth's circumference at the equator (EPSG:3857 x of 180°E), in metres.
pub const HALF_CIRCUMFERENCE: f64 = 20_037_508.342_789_244;

/// Longitude (degrees, unwrapped) → world x.
#[inline]
pub fn lon_to_world_x(lon: f64) -> f64 {
    (lon + 180.0) / 360.0
}

/// Latitude (degrees) → world y, clamped to ±[`MAX_LAT`].
#[inline]
pub fn lat_to_world_y(lat: f64) -> f64 {
    let lat = lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
    let y = 0.5 - (lat.tan() + 1.0 / lat.cos()).ln() / (2.0 * std::f64::consts::PI);
    y.clamp(0.0, 1.0)
}

/// World x → longitude (degrees).
#[inline]
pub fn world_x_to_lon(x: f64) -> f64 {
    x * 360.0 - 180.0
}

/// World y → latitude (degrees).
#[inline]
pub fn world_y_to_lat(y: f64) -> f64 {
    let n = std::f64::consts::PI * (1.0 - 2.0 * y);
    n.sinh().atan().to_degrees()
}

/// Lon/lat → world coordinate.
#[inline]
pub fn lonlat_to_world(c: Coord<f64>) -> Coord<f64> {
    Coord { x: lon_to_world_x(c.x), y: lat_to_world_y(c.y) }
}

/// World → EPSG:3857 metres.
#[inline]
pub fn world_to_metres(x: f64, y: f64) -> [f64; 2] {
    [(2.0 * x - 1.0) * HALF_CIRCUMFERENCE, (1.0 - 2.0 * y) * HALF_CIRCUMFERENCE]
}

/// Normalise a longitude into [-180, 180).
#[inline]
pub fn wrap_lon(lon: f64) -> f64 {
    if (-180.0..180.0).contains(&lon) {
        lon
    } else {
        (lon + 180.0).rem_euclid(360.0) - 180.0
    }
}

fn shift_near(lon: f64, reference: f64) -> f64 {
    lon - 360.0 * ((lon - reference) / 360.0).round()
}

fn unwrap_line(ls: &LineString<f64>, anchor: f64) -> LineString<f64> {
    let mut prev: Option<f64> = None;
    ls.0.iter()
        .map(|c| {
            let x = shift_near(c.x, prev.unwrap_or(anchor));
            prev = Some(x);
            Coord { x, y: c.y }
        })
        .collect()
}

fn unwrap_poly(p: &Polygon<f64>, anchor: f64) -> Polygon<f64> {
    Polygon::new(unwrap_line(p.exterior(), anchor), p.interiors().iter().map(|r| unwrap_line(r, anchor)).collect())
}

fn first_lon(g: &Geometry<f64>) -> Option<f64> {
    use geo::CoordsIter;
    g.coords_iter().next().map(|c| c.x)
}

/// Make a lon/lat geometry continuous across the antimeridian: every coordinate is shifted by a
/// multiple of 360° so that consecutive coordinates (and the parts of a multi-geometry) are less
/// than 180° of longitude apart, then the whole geometry is shifted so that its first coordinate
/// lies in [-180, 180). A segment jumping more than 180° is read as crossing the antimeridian
/// (the short way round). Returns `None` when nothing had to change.
pub fn unwrap_geometry(g: &Geometry<f64>) -> Option<Geometry<f64>> {
    let first = first_lon(g)?;
    let anchor = wrap_lon(first);
    let out = match g {
        Geometry::Point(p) => Geometry::Point(Point::new(anchor, p.y())),
        Geometry::MultiPoint(mp) => Geometry::MultiPoint(MultiPoint(
            mp.0.iter().map(|p| Point::new(shift_near(p.x(), anchor), p.y())).collect(),
        )),
        Geometry::LineString(ls) => Geometry::LineString(unwrap_line(ls, anchor)),
        Geometry::MultiLineString(m) => {
            Geometry::MultiLineString(MultiLineString(m.0.iter().map(|ls| unwrap_line(ls, anchor)).collect()))
        }
        Geometry::Polygon(p) => Geometry::Polygon(unwrap_poly(p, anchor)),
        Geometry::MultiPolygon(m) => {
            Geometry::MultiPolygon(MultiPolygon(m.0.iter().map(|p| unwrap_poly(p, anchor)).collect()))
        }
        Geometry::GeometryCollection(gc) => {
            Geometry::GeometryCollection(gc.0.iter().map(|g| unwrap_geometry(g).unwrap_or_else(|| g.clone())).collect())
        }
        other => other.clone(),
    };
    if &out == g {
        None
    } else {
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::line_string;

    #[test]
    fn round_trip_lonlat_world() {
        for &(lon, lat) in &[(0.0, 0.0), (30.5234, 50.4501), (-179.9, -85.0), (179.99, 85.0)] {
            let x = lon_to_world_x(lon);
            let y = lat_to_world_y(lat);
            assert!((world_x_to_lon(x) - lon).abs() < 1e-9);
            assert!((world_y_to_lat(y) - lat).abs() < 1e-9);
        }
        assert_eq!(lat_to_world_y(90.0), lat_to_world_y(MAX_LAT));
        assert!(lat_to_world_y(90.0).abs() < 1e-12);
        let m = world_to_metres(1.0, 0.0);
        assert!((m[0] - HALF_CIRCUMFERENCE).abs() < 1e-6 && (m[1] - HALF_CIRCUMFERENCE).abs() < 1e-6);
    }

    #[test]
    fn unwrap_crossing_line() {
        let g: Geometry<f64> = line_string![(x: 179.0, y: 0.0), (x: -179.0, y: 1.0)].into();
        let u = unwrap_geometry(&g).unwrap();
        assert_eq!(u, line_string![(x: 179.0, y: 0.0), (x: 181.0, y: 1.0)].into());
        let g2: Geometry<f64> = line_string![(x: 181.0, y: 0.0), (x: 182.0, y: 1.0)].into();
        assert_eq!(unwrap_geometry(&g2).unwrap(), line_string![(x: -179.0, y: 0.0), (x: -178.0, y: 1.0)].into());
        let plain: Geometry<f64> = line_string![(x: 10.0, y: 0.0), (x: 11.0, y: 1.0)].into();
        assert!(unwrap_geometry(&plain).is_none());
        assert_eq!(wrap_lon(540.0), -180.0);
        assert_eq!(wrap_lon(-190.0), 170.0);
    }
}
