//! Where a write may show: a place's coarse coverage, for cache invalidation.
//!
//! Contract: a [`Cover`] is the set of cells of the 2^l × 2^l Web Mercator grids, l in
//! 0..=[`COVER_ZOOM`], that a place's line or area geometry meets, each cell widened by a margin
//! ([`MARGIN`] of a `COVER_ZOOM` cell) and tested against the geometry simplified by its
//! Douglas–Peucker ranks at a quarter of that margin, so the cover is a superset of the cells
//! the exact geometry meets. [`Cover::may_touch`] answers for a world box (x may leave [0, 1])
//! from at most 3 × 3 cells of the finest grid whose cells are no smaller than the box: `false`
//! only when the geometry certainly does not meet the box. A [`Footprint`] is what one
//! mention's place may change: its lon/lat bbox and, for lines and areas, its cover (computed
//! once per place, on first use, and kept with the [`Place`]). Caches of tiles and items pages
//! ask a footprint instead of the bbox alone, so a mention of Russia invalidates what lies near
//! Russia rather than everything between 19° E and the antimeridian north of 41° N.
//! Not for: drawing (tiles clip the exact geometry) or query results (the R-tree and the exact
//! `geo` tests decide those).

use super::proj;
use super::Place;
use geo::Intersects;
use geo_types::{Coord, Geometry, LineString, MultiLineString, MultiPolygon, Polygon, Rect};
use std::sync::Arc;

/// The finest grid of a cover: 256 × 256 cells (about 150 km at the equator).
pub const COVER_ZOOM: u8 = 8;

/// Each cell is widened by this fraction of a finest cell before it is tested.
pub const MARGIN: f64 = 1.0 / 16.0;

/// A place's coarse coverage (see the module contract).
#[derive(Debug, Default)]
pub struct Cover {
    /// Per level, the sorted keys `x << 32 | y` of the cells met (x wrapped into the grid).
    levels: Vec<Vec<u64>>,
}

fn key(x: i64, y: i64, level: u8) -> u64 {
    let n = 1i64 << level;
    ((x.rem_euclid(n) as u64) << 32) | y.clamp(0, n - 1) as u64
}

/// The part of `c` whose ranks are above `min` (plus each line's and ring's ends); `c` whole when
/// fewer than `floor` vertices would be left.
fn kept(c: &[Coord<f64>], ranks: &[f32], min: f32, floor: usize) -> LineString<f64> {
    let out: Vec<Coord<f64>> = c.iter().zip(ranks).filter(|(_, r)| **r > min).map(|(p, _)| *p).collect();
    if out.len() < floor || ranks.len() != c.len() {
        LineString::from(c.to_vec())
    } else {
        LineString::from(out)
    }
}

/// The geometry simplified by its ranks at squared tolerance `min` (ranks in coordinate order,
/// as [`super::simplify::geometry_ranks`] gives them); `None` for points and collections.
fn simplified(g: &Geometry<f64>, ranks: &[f32], min: f32) -> Option<Geometry<f64>> {
    let mut at = 0usize;
    let mut take = |ls: &LineString<f64>, floor: usize| {
        let n = ls.0.len();
        let r = ranks.get(at..at + n).unwrap_or(&[]);
        at += n;
        kept(&ls.0, r, min, floor)
    };
    let mut poly = |p: &Polygon<f64>| {
        let ext = take(p.exterior(), 4);
        let holes = p.interiors().iter().map(|h| take(h, 4)).collect();
        Polygon::new(ext, holes)
    };
    Some(match g {
        Geometry::LineString(l) => Geometry::LineString(take(l, 2)),
        Geometry::MultiLineString(m) => {
            Geometry::MultiLineString(MultiLineString(m.0.iter().map(|l| take(l, 2)).collect()))
        }
        Geometry::Polygon(p) => Geometry::Polygon(poly(p)),
        Geometry::MultiPolygon(m) => Geometry::MultiPolygon(MultiPolygon(m.0.iter().map(&mut poly).collect())),
        Geometry::Line(_) | Geometry::Rect(_) | Geometry::Triangle(_) => g.clone(),
        _ => return None,
    })
}

impl Cover {
    /// The cover of a world geometry (x may leave [0, 1]) with its Douglas–Peucker ranks; `None`
    /// for points, multipoints and collections (their bbox is exact enough).
    pub fn of(world: &Geometry<f64>, ranks: &[f32]) -> Option<Cover> {
        use geo::BoundingRect;
        let cell = 1.0 / f64::from(1u32 << COVER_ZOOM);
        let margin = MARGIN * cell;
        let tol = margin / 4.0;
        let g = simplified(world, ranks, (tol * tol) as f32)?;
        let bb = g.bounding_rect()?;
        let mut levels: Vec<Vec<u64>> = vec![Vec::new(); usize::from(COVER_ZOOM) + 1];
        let mut stack: Vec<(u8, i64, i64)> =
            (bb.min().x.floor() as i64..=bb.max().x.floor() as i64).map(|x| (0u8, x, 0i64)).collect();
        while let Some((level, cx, cy)) = stack.pop() {
            let size = 1.0 / f64::from(1u32 << level);
            let r = Rect::new(
                Coord { x: cx as f64 * size - margin, y: cy as f64 * size - margin },
                Coord { x: (cx + 1) as f64 * size + margin, y: (cy + 1) as f64 * size + margin },
            );
            if !g.intersects(&r) {
                continue;
            }
            levels[usize::from(level)].push(key(cx, cy, level));
            if level < COVER_ZOOM {
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    stack.push((level + 1, 2 * cx + dx, 2 * cy + dy));
                }
            }
        }
        for l in &mut levels {
            l.sort_unstable();
            l.dedup();
        }
        Some(Cover { levels })
    }

    /// Cells held, all levels.
    pub fn cells(&self) -> usize {
        self.levels.iter().map(Vec::len).sum()
    }

    /// Whether the geometry may meet the world box `[x0, y0, x1, y1]` (see the module contract).
    pub fn may_touch(&self, [x0, y0, x1, y1]: [f64; 4]) -> bool {
        let w = (x1 - x0).max(y1 - y0).max(f64::MIN_POSITIVE);
        let level = if w >= 1.0 { 0 } else { ((-w.log2()).floor() as i64).clamp(0, i64::from(COVER_ZOOM)) as u8 };
        let n = f64::from(1u32 << level);
        let cells = &self.levels[usize::from(level)];
        let (cx0, cx1) = ((x0 * n).floor() as i64, (x1 * n).floor() as i64);
        let (cy0, cy1) = ((y0 * n).floor() as i64, (y1 * n).floor() as i64);
        (cy0..=cy1).any(|cy| (cx0..=cx1).any(|cx| cells.binary_search(&key(cx, cy, level)).is_ok()))
    }
}

/// What one mention's place may change in a cached tile or page (see the module contract).
#[derive(Debug, Clone)]
pub struct Footprint {
    /// `[w, s, e, n]` lon/lat, `w > e` across the antimeridian.
    pub bbox: [f64; 4],
    place: Option<Arc<Place>>,
}

impl Footprint {
    /// A place's footprint: its bbox and, for lines and areas, its cover.
    pub fn of(place: &Arc<Place>) -> Footprint {
        Footprint { bbox: place.bbox(), place: Some(place.clone()) }
    }

    /// A bare bbox (everything in it may have changed).
    pub fn bbox(bbox: [f64; 4]) -> Footprint {
        Footprint { bbox, place: None }
    }

    /// Whether it may meet the world box `[x0, y0, x1, y1]` (x may leave [0, 1]).
    pub fn may_touch_world(&self, b: [f64; 4]) -> bool {
        WorldBox::of(&self.bbox).touches(b)
            && self.place.as_ref().and_then(|p| p.cover()).is_none_or(|c| c.may_touch(b))
    }

    /// Whether it may meet the lon/lat box `[w, s, e, n]` (`w > e` across the antimeridian).
    pub fn may_touch_lonlat(&self, b: &[f64; 4]) -> bool {
        let wb = WorldBox::of(b);
        let hit = wb.parts().any(|part| self.may_touch_world(part));
        hit
    }
}

/// A lon/lat `[w, s, e, n]` box in world units, split at the antimeridian.
#[derive(Debug, Clone, Copy)]
pub struct WorldBox {
    y0: f64,
    y1: f64,
    xs: [(f64, f64); 2],
    n: usize,
}

impl WorldBox {
    pub fn of(b: &[f64; 4]) -> WorldBox {
        let [w, s, e, n] = *b;
        let (y0, y1) = (proj::lat_to_world_y(n), proj::lat_to_world_y(s));
        if w > e {
            WorldBox { y0, y1, xs: [(proj::lon_to_world_x(w), 1.0), (0.0, proj::lon_to_world_x(e))], n: 2 }
        } else {
            let r = (proj::lon_to_world_x(w), proj::lon_to_world_x(e));
            WorldBox { y0, y1, xs: [r, r], n: 1 }
        }
    }

    /// Its parts as world boxes `[x0, y0, x1, y1]`.
    pub fn parts(&self) -> impl Iterator<Item = [f64; 4]> + '_ {
        self.xs[..self.n].iter().map(|&(a, b)| [a, self.y0, b, self.y1])
    }

    /// Whether it meets a world box `[x0, y0, x1, y1]` (x may leave [0, 1]).
    pub fn touches(&self, [x0, y0, x1, y1]: [f64; 4]) -> bool {
        if self.y1 < y0 || self.y0 > y1 {
            return false;
        }
        self.xs[..self.n].iter().any(|&(a, b)| (-1..=1).any(|k| b + f64::from(k) >= x0 && a + f64::from(k) <= x1))
    }
}

/// A test country shaped like an L: a strip along the south (0–40 E, 40–45 N) and one up the
/// east side (35–40 E, to 70 N), so most of its bbox (Oslo, say) is far from it.
#[cfg(test)]
pub(crate) fn l_shaped_country() -> Arc<Place> {
    use geo_types::polygon;
    Arc::new(Place::anonymous(
        "country",
        Geometry::Polygon(polygon![
            (x: 0.0, y: 40.0), (x: 40.0, y: 40.0), (x: 40.0, y: 70.0), (x: 35.0, y: 70.0),
            (x: 35.0, y: 45.0), (x: 0.0, y: 45.0), (x: 0.0, y: 40.0)
        ]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{polygon, Point};

    fn place(g: Geometry<f64>) -> Arc<Place> {
        Arc::new(Place::anonymous("country", g))
    }

    /// world box of a lon/lat box
    fn wb(w: f64, s: f64, e: f64, n: f64) -> [f64; 4] {
        WorldBox::of(&[w, s, e, n]).parts().next().unwrap()
    }

    #[test]
    fn an_l_shaped_country_does_not_touch_the_empty_corner_of_its_bbox() {
        let l = l_shaped_country();
        let f = Footprint::of(&l);
        // a z10 tile around 10 E, 60 N: inside the bbox, far from the geometry
        assert!(WorldBox::of(&f.bbox).touches(wb(10.0, 59.9, 10.3, 60.1)), "the bbox test alone says yes");
        assert!(!f.may_touch_world(wb(10.0, 59.9, 10.3, 60.1)));
        assert!(!f.may_touch_lonlat(&[5.0, 57.0, 20.0, 65.0]));
        // on the geometry, near its edge and (a z2-sized box) over most of it: yes
        assert!(f.may_touch_world(wb(37.0, 60.0, 37.1, 60.1)));
        assert!(f.may_touch_world(wb(34.9, 60.0, 34.95, 60.05)), "within the margin of the edge");
        assert!(f.may_touch_world(wb(-10.0, 30.0, 80.0, 80.0)));
        assert!(f.may_touch_lonlat(&[-1.0, 41.0, 1.0, 42.0]));
    }

    #[test]
    fn every_tile_the_exact_geometry_meets_is_covered() {
        // a jagged ring of 720 vertices: every box the exact geometry meets must be reported
        let ring: Vec<(f64, f64)> = (0..720)
            .map(|i| {
                let a = f64::from(i) * std::f64::consts::PI / 360.0;
                let r = 10.0 + 3.0 * (a * 17.0).sin();
                (30.0 + r * a.cos(), 20.0 + r * a.sin() * 0.8)
            })
            .collect();
        let mut coords = ring.clone();
        coords.push(ring[0]);
        let g = Geometry::Polygon(Polygon::new(LineString::from(coords), vec![]));
        let p = place(g);
        let f = Footprint::of(&p);
        let cover = p.cover().expect("areas have a cover");
        let mut met = 0;
        for z in [4u8, 6, 8, 10] {
            let n = 1u32 << z;
            let (x0, x1) = (
                (proj::lon_to_world_x(15.0) * f64::from(n)) as u32,
                (proj::lon_to_world_x(45.0) * f64::from(n)) as u32,
            );
            let (y0, y1) =
                ((proj::lat_to_world_y(35.0) * f64::from(n)) as u32, (proj::lat_to_world_y(5.0) * f64::from(n)) as u32);
            for y in y0..=y1 {
                for x in x0..=x1 {
                    let s = 1.0 / f64::from(n);
                    let b = [f64::from(x) * s, f64::from(y) * s, f64::from(x + 1) * s, f64::from(y + 1) * s];
                    let r = Rect::new(Coord { x: b[0], y: b[1] }, Coord { x: b[2], y: b[3] });
                    if p.world_geometry().intersects(&r) {
                        met += 1;
                        assert!(f.may_touch_world(b), "z{z} {x}/{y} meets the geometry but is not covered");
                    }
                }
            }
        }
        assert!(met > 100, "{met}");
        assert!(cover.cells() > 10);
    }

    #[test]
    fn across_the_antimeridian_both_sides_are_covered() {
        let p = place(Geometry::Polygon(polygon![
            (x: 170.0, y: 60.0), (x: 190.0, y: 60.0), (x: 190.0, y: 65.0), (x: 170.0, y: 65.0), (x: 170.0, y: 60.0)
        ]));
        let f = Footprint::of(&p);
        assert!(f.may_touch_lonlat(&[175.0, 61.0, 176.0, 62.0]));
        assert!(f.may_touch_lonlat(&[-175.0, 61.0, -174.0, 62.0]));
        assert!(!f.may_touch_lonlat(&[-160.0, 61.0, -159.0, 62.0]));
        assert!(!f.may_touch_lonlat(&[175.0, 40.0, 176.0, 41.0]));
    }

    #[test]
    fn points_have_no_cover_and_use_their_bbox() {
        let p = place(Geometry::Point(Point::new(30.5, 50.4)));
        assert!(p.cover().is_none());
        let f = Footprint::of(&p);
        assert!(f.may_touch_lonlat(&[30.0, 50.0, 31.0, 51.0]));
        assert!(!f.may_touch_lonlat(&[31.0, 50.0, 32.0, 51.0]));
    }
}
