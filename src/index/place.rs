//! One gazetteer place's geometry and everything derived from it, shared by all its mentions.
//!
//! Contract: [`Place::new`] derives, once per place, the geometry made continuous across the
//! antimeridian ([`Place::lonlat_geometry`], longitudes may leave ±180), its lon/lat bbox, the
//! Web Mercator world geometry with its bbox and representative point, and the Douglas–Peucker
//! ranks of its vertices ([`simplify::geometry_ranks`]); an empty geometry is replaced by the
//! representative point. The display rank ([`DISPLAY_VERTICES`]), the serialised display
//! geometry and the [`cover::Cover`] are computed on first use and kept. Two places are equal
//! when their ids, names, kinds, geometries and points are. [`Layer::of`] is the MVT layer a
//! geometry is drawn in. For the index: a place's R-tree rectangles (EPSG:3857 metres, split
//! at the antimeridian) and the exact test against lon/lat query boxes (each tried shifted by
//! −360°, 0 and +360°, bbox first).
//! Not for: mentions of a place (that is `incident`) or where places are indexed (`segment`).

use std::sync::Arc;

use super::{cover, proj, simplify};
use geo::{BoundingRect, Intersects, MapCoords};
use geo_types::{Coord, Geometry, Point, Rect};
use rstar::primitives::Rectangle;

/// The MVT layer an incident is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    Incidents,
    Areas,
    Lines,
}

impl Layer {
    /// All layers in tile order.
    pub const ALL: [Layer; 3] = [Layer::Incidents, Layer::Areas, Layer::Lines];

    /// The MVT layer name: `incidents`, `areas` or `lines`.
    pub fn name(self) -> &'static str {
        match self {
            Layer::Incidents => "incidents",
            Layer::Areas => "areas",
            Layer::Lines => "lines",
        }
    }

    /// The layer a geometry is drawn in: polygons → areas, lines → lines, the rest → points.
    pub fn of(g: &Geometry<f64>) -> Layer {
        match g {
            Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => {
                Layer::Areas
            }
            Geometry::LineString(_) | Geometry::MultiLineString(_) | Geometry::Line(_) => Layer::Lines,
            _ => Layer::Incidents,
        }
    }
}

fn has_coords(g: &Geometry<f64>) -> bool {
    use geo::CoordsIter;
    g.coords_iter().next().is_some()
}

/// One place's geometry and everything derived from it, shared by all its mentions.
#[derive(Debug)]
pub struct Place {
    /// Gazetteer id (`None` for features loaded from GeoJSON).
    pub id: Option<Arc<str>>,
    pub name: Arc<str>,
    /// Gazetteer kind (settlement, admin1, country, corridor, ...).
    pub kind: Arc<str>,
    geometry: Arc<Geometry<f64>>,
    point: Point<f64>,
    layer: Layer,
    /// The geometry made continuous across the antimeridian, when that changed it.
    unwrapped: Option<Geometry<f64>>,
    lonlat_bbox: Rect<f64>,
    world: Geometry<f64>,
    world_bbox: Rect<f64>,
    world_point: Coord<f64>,
    /// Douglas–Peucker ranks of `world` ([`simplify::geometry_ranks`]).
    ranks: Vec<f32>,
    /// [`Place::rank_keeping`] of [`DISPLAY_VERTICES`], computed on first use.
    display_rank: std::sync::OnceLock<f32>,
    /// The display geometry serialised once, by whoever first needs it ([`Place::display_json`]).
    display_json: std::sync::OnceLock<Box<serde_json::value::RawValue>>,
    /// [`cover::Cover`] of a line or area, computed on first use ([`Place::cover`]).
    cover: std::sync::OnceLock<Option<cover::Cover>>,
}

/// Two places are equal when their ids, names, kinds, geometries and points are (the rest is
/// derived from those).
impl PartialEq for Place {
    fn eq(&self, o: &Place) -> bool {
        (&self.id, &self.name, &self.kind, &self.geometry, self.point)
            == (&o.id, &o.name, &o.kind, &o.geometry, o.point)
    }
}

/// Vertex budget of a place's display geometry ([`Place::display_rank`]).
pub const DISPLAY_VERTICES: usize = 500;

impl Place {
    /// Derives the unwrapped lon/lat geometry, its bbox, the Web Mercator world geometry and its
    /// ranks. An empty geometry is replaced by the representative point `point`.
    pub fn new(id: Option<&str>, name: &str, kind: &str, geometry: Arc<Geometry<f64>>, point: Point<f64>) -> Place {
        let geometry = if has_coords(&geometry) { geometry } else { Arc::new(Geometry::Point(point)) };
        let layer = Layer::of(&geometry);
        let unwrapped = proj::unwrap_geometry(&geometry);
        let ll = unwrapped.as_ref().unwrap_or(&geometry);
        let lonlat_bbox = ll.bounding_rect().unwrap_or_else(|| Rect::new(point.0, point.0));
        let world = ll.map_coords(proj::lonlat_to_world);
        let world_bbox = world.bounding_rect().unwrap_or_else(|| Rect::new(Coord::zero(), Coord::zero()));
        let p = point.0;
        let world_point = proj::lonlat_to_world(Coord { x: proj::wrap_lon(p.x), y: p.y });
        let ranks = simplify::geometry_ranks(&world);
        Place {
            id: id.map(Arc::from),
            name: Arc::from(name),
            kind: Arc::from(kind),
            geometry,
            point,
            layer,
            unwrapped,
            lonlat_bbox,
            world,
            world_bbox,
            world_point,
            ranks,
            display_rank: std::sync::OnceLock::new(),
            display_json: std::sync::OnceLock::new(),
            cover: std::sync::OnceLock::new(),
        }
    }

    /// The coarse coverage of a line or area (`None` for points), computed once per place.
    pub fn cover(&self) -> Option<&cover::Cover> {
        self.cover.get_or_init(|| cover::Cover::of(&self.world, &self.ranks)).as_ref()
    }

    /// A serialised form of the display geometry, made by `make` on first use and kept with the
    /// place (the OGC items repeat a country's geometry for each of its mentions: it is written
    /// once, then copied).
    pub fn display_json(
        &self,
        make: impl FnOnce(&Place) -> Box<serde_json::value::RawValue>,
    ) -> &serde_json::value::RawValue {
        self.display_json.get_or_init(|| make(self))
    }

    /// The rank threshold that keeps at most `n` vertices besides each line's and ring's
    /// infinitely ranked ones (those ranked above it; see [`simplify`]): 0 when the geometry has
    /// no more than `n` finitely ranked vertices.
    pub fn rank_keeping(&self, n: usize) -> f32 {
        let mut r: Vec<f32> = self.ranks.iter().copied().filter(|r| r.is_finite()).collect();
        if r.len() <= n || n == 0 {
            return 0.0;
        }
        let (_, nth, _) = r.select_nth_unstable_by(n - 1, |a, b| b.total_cmp(a));
        *nth
    }

    /// [`Self::rank_keeping`] of [`DISPLAY_VERTICES`], computed once per place.
    pub fn display_rank(&self) -> f32 {
        *self.display_rank.get_or_init(|| self.rank_keeping(DISPLAY_VERTICES))
    }

    /// A place for a bare geometry (tests, loaded GeoJSON): representative point = the point
    /// itself or the centroid.
    pub fn anonymous(kind: &str, geometry: Geometry<f64>) -> Place {
        let point = match &geometry {
            Geometry::Point(p) => *p,
            other => geo::Centroid::centroid(other).unwrap_or(Point::new(0.0, 0.0)),
        };
        Place::new(None, "", kind, Arc::new(geometry), point)
    }

    /// The geometry as given, WGS84 lon/lat.
    pub fn geometry(&self) -> &Geometry<f64> {
        &self.geometry
    }

    /// The shared geometry as given.
    pub fn geometry_arc(&self) -> &Arc<Geometry<f64>> {
        &self.geometry
    }

    /// Representative point, lon/lat.
    pub fn point(&self) -> Point<f64> {
        self.point
    }

    pub fn layer(&self) -> Layer {
        self.layer
    }

    /// The lon/lat geometry, continuous across the antimeridian (longitudes may leave ±180).
    pub fn lonlat_geometry(&self) -> &Geometry<f64> {
        self.unwrapped.as_ref().unwrap_or(&self.geometry)
    }

    pub fn lonlat_bbox(&self) -> Rect<f64> {
        self.lonlat_bbox
    }

    /// The geometry in Web Mercator world units (see [`proj`]); x may leave [0, 1] for
    /// antimeridian-crossing geometries.
    pub fn world_geometry(&self) -> &Geometry<f64> {
        &self.world
    }

    pub fn world_bbox(&self) -> Rect<f64> {
        self.world_bbox
    }

    /// The representative point in world units, x in [0, 1).
    pub fn world_point(&self) -> Coord<f64> {
        self.world_point
    }

    /// Douglas–Peucker ranks (squared world units) of every vertex of [`Self::world_geometry`]
    /// in coordinate order, see [`simplify`]; empty for points. They also rank the vertices of
    /// [`Self::lonlat_geometry`], which has the same coordinates in the same order.
    pub fn world_ranks(&self) -> &[f32] {
        &self.ranks
    }

    /// The lon/lat bbox as `[w, s, e, n]` with longitudes inside ±180 (`w > e` across the
    /// antimeridian; the whole longitude range for a place that goes round the world).
    pub fn bbox(&self) -> [f64; 4] {
        let bb = self.lonlat_bbox;
        let (s, n) = (bb.min().y.max(-90.0), bb.max().y.min(90.0));
        let width = bb.max().x - bb.min().x;
        if width >= 360.0 {
            return [-180.0, s, 180.0, n];
        }
        let w = if bb.min().x == 180.0 { 180.0 } else { proj::wrap_lon(bb.min().x) };
        let e = w + width;
        if e > 180.0 {
            [w, s, e - 360.0, n]
        } else {
            [w, s, e, n]
        }
    }

    /// The R-tree rectangles (metres), split at the antimeridian.
    pub(super) fn index_rects(&self) -> Vec<Rectangle<[f64; 2]>> {
        world_x_ranges(self.world_bbox.min().x, self.world_bbox.max().x)
            .into_iter()
            .map(|(x0, x1)| {
                Rectangle::from_corners(
                    proj::world_to_metres(x0, self.world_bbox.max().y),
                    proj::world_to_metres(x1, self.world_bbox.min().y),
                )
            })
            .collect()
    }

    /// Exact test against lon/lat boxes with longitudes inside [-180, 180].
    pub(super) fn intersects_lonlat(&self, boxes: &[Rect<f64>]) -> bool {
        let g = self.lonlat_geometry();
        let bb = self.lonlat_bbox;
        boxes.iter().any(|b| {
            (-1..=1).any(|k| {
                let dx = f64::from(k) * 360.0;
                let shifted =
                    Rect::new(Coord { x: b.min().x + dx, y: b.min().y }, Coord { x: b.max().x + dx, y: b.max().y });
                shifted.intersects(&bb) && g.intersects(&shifted)
            })
        })
    }
}

/// Split a world-x interval (possibly outside [0, 1]) into at most two intervals inside [0, 1].
pub fn world_x_ranges(x0: f64, x1: f64) -> Vec<(f64, f64)> {
    if !(x0.is_finite() && x1.is_finite()) || x1 - x0 >= 1.0 {
        return vec![(0.0, 1.0)];
    }
    let k = x0.floor();
    let (a, b) = (x0 - k, x1 - k);
    if b > 1.0 {
        vec![(a, 1.0), (0.0, b - 1.0)]
    } else {
        vec![(a, b)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_ranges_split() {
        assert_eq!(world_x_ranges(0.9, 1.1), vec![(0.9, 1.0), (0.0, 0.10000000000000009)]);
        assert_eq!(world_x_ranges(-0.1, 0.05).len(), 2);
        assert_eq!(world_x_ranges(-0.5, 1.5), vec![(0.0, 1.0)]);
    }
}
