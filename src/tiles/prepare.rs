//! Geometry preparation for one tile: world units → clipped, simplified integer tile geometry.
//!
//! Contract (the MVT rules no encoder enforces, research/crates.md §3–§5):
//! 1. project world coordinates to tile space (f64, y down), once per world copy that touches
//!    the buffered tile (antimeridian: copies shifted by ±1 world);
//! 2. clip to the buffered tile rect (−64…4160) unless the bbox is already inside (fast path):
//!    points outside are dropped (never clamped), lines via `BooleanOps::clip`, polygons via
//!    `BooleanOps::intersection`;
//! 3. simplify in tile units (RDP for lines, `simplify_vw_preserve` for polygons);
//! 4. round to i32, remove repeated points, drop lines with < 2 points and rings with < 3
//!    distinct points or zero area (a polygon whose exterior goes is dropped);
//! 5. orient rings for MVT in tile coordinates: exterior positive shoelace area, holes negative.
//!
//! Not for: choosing which features go into a tile, or encoding.

use geo::{BooleanOps, BoundingRect, Simplify, SimplifyVwPreserve};
use geo_types::{
    Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon, Rect,
};

use super::grid::{TileId, BUFFER, EXTENT};

/// Simplification tolerances in tile units.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tolerance {
    /// RDP epsilon for lines (units).
    pub line: f64,
    /// Visvalingam–Whyatt area threshold for polygons (units²).
    pub area: f64,
}

impl Tolerance {
    pub(crate) fn for_zoom(z: u8) -> Tolerance {
        if z >= 14 {
            Tolerance { line: 0.5, area: 0.5 }
        } else {
            Tolerance { line: 1.0, area: 1.0 }
        }
    }
}

const LO: f64 = -(BUFFER as f64);
const HI: f64 = (EXTENT + BUFFER) as f64;

fn clip_rect() -> Rect<f64> {
    Rect::new(Coord { x: LO, y: LO }, Coord { x: HI, y: HI })
}

fn inside(r: &Rect<f64>) -> bool {
    r.min().x >= LO && r.min().y >= LO && r.max().x <= HI && r.max().y <= HI
}

fn disjoint(r: &Rect<f64>) -> bool {
    r.max().x < LO || r.max().y < LO || r.min().x > HI || r.min().y > HI
}

/// The world shifts (in whole worlds) whose copy of `bbox` touches the buffered tile.
fn shifts(tile: &TileId, bbox: Rect<f64>) -> impl Iterator<Item = f64> {
    let [x0, _, x1, _] = tile.world_bounds(f64::from(BUFFER));
    [0.0, -1.0, 1.0].into_iter().filter(move |k| bbox.max().x + k >= x0 && bbox.min().x + k <= x1)
}

/// Prepare a world-unit geometry for `tile`. `None` when nothing is left.
pub(crate) fn prepare(world: &Geometry<f64>, bbox: Rect<f64>, tile: &TileId, tol: Tolerance) -> Option<Geometry<i32>> {
    let mut parts: Vec<Geometry<i32>> = Vec::new();
    for k in shifts(tile, bbox) {
        let tb = Rect::new(tile.to_tile(bbox.min(), k), tile.to_tile(bbox.max(), k));
        if disjoint(&tb) {
            continue;
        }
        let fast = inside(&tb);
        let proj = |c: Coord<f64>| tile.to_tile(c, k);
        if let Some(g) = prepare_one(world, &proj, fast, tol) {
            parts.push(g);
        }
    }
    merge(parts)
}

/// Combine the parts of several world copies (only at z0/z1 near the antimeridian).
fn merge(mut parts: Vec<Geometry<i32>>) -> Option<Geometry<i32>> {
    if parts.len() <= 1 {
        return parts.pop();
    }
    let mut pts = Vec::new();
    let mut lines = Vec::new();
    let mut polys = Vec::new();
    for p in parts {
        match p {
            Geometry::Point(p) => pts.push(p),
            Geometry::MultiPoint(m) => pts.extend(m.0),
            Geometry::LineString(l) => lines.push(l),
            Geometry::MultiLineString(m) => lines.extend(m.0),
            Geometry::Polygon(p) => polys.push(p),
            Geometry::MultiPolygon(m) => polys.extend(m.0),
            _ => {}
        }
    }
    if !polys.is_empty() {
        Some(MultiPolygon(polys).into())
    } else if !lines.is_empty() {
        Some(MultiLineString(lines).into())
    } else if !pts.is_empty() {
        Some(MultiPoint(pts).into())
    } else {
        None
    }
}

fn prepare_one(g: &Geometry<f64>, proj: &dyn Fn(Coord<f64>) -> Coord<f64>, fast: bool, tol: Tolerance) -> Option<Geometry<i32>> {
    match g {
        Geometry::Point(p) => points(std::iter::once(p.0), proj),
        Geometry::MultiPoint(m) => points(m.0.iter().map(|p| p.0), proj),
        Geometry::LineString(l) => lines(std::slice::from_ref(l), proj, fast, tol),
        Geometry::MultiLineString(m) => lines(&m.0, proj, fast, tol),
        Geometry::Line(l) => lines(&[LineString::from(vec![l.start, l.end])], proj, fast, tol),
        Geometry::Polygon(p) => polygons(std::slice::from_ref(p), proj, fast, tol),
        Geometry::MultiPolygon(m) => polygons(&m.0, proj, fast, tol),
        Geometry::Rect(r) => polygons(&[r.to_polygon()], proj, fast, tol),
        Geometry::Triangle(t) => polygons(&[t.to_polygon()], proj, fast, tol),
        Geometry::GeometryCollection(gc) => {
            merge(gc.0.iter().filter_map(|g| prepare_one(g, proj, false, tol)).collect())
        }
    }
}

#[inline]
fn round(c: Coord<f64>) -> Coord<i32> {
    Coord { x: c.x.round() as i32, y: c.y.round() as i32 }
}

fn points(it: impl Iterator<Item = Coord<f64>>, proj: &dyn Fn(Coord<f64>) -> Coord<f64>) -> Option<Geometry<i32>> {
    let mut out: Vec<Point<i32>> = it
        .map(proj)
        .filter(|c| (LO..=HI).contains(&c.x) && (LO..=HI).contains(&c.y))
        .map(|c| Point(round(c)))
        .collect();
    match out.len() {
        0 => None,
        1 => out.pop().map(Geometry::Point),
        _ => Some(MultiPoint(out).into()),
    }
}

/// Round and drop consecutive duplicates.
fn round_dedup(ls: &LineString<f64>) -> Vec<Coord<i32>> {
    let mut out: Vec<Coord<i32>> = Vec::with_capacity(ls.0.len());
    for c in &ls.0 {
        let r = round(*c);
        if out.last() != Some(&r) {
            out.push(r);
        }
    }
    out
}

fn lines(ls: &[LineString<f64>], proj: &dyn Fn(Coord<f64>) -> Coord<f64>, fast: bool, tol: Tolerance) -> Option<Geometry<i32>> {
    let mls = MultiLineString(ls.iter().map(|l| l.0.iter().map(|c| proj(*c)).collect()).collect());
    let mls = if fast {
        mls
    } else {
        let mls = if mls.0.iter().map(|l| l.0.len()).sum::<usize>() > 256 {
            mls.simplify(tol.line * 0.25)
        } else {
            mls
        };
        clip_rect().to_polygon().clip(&mls, false)
    };
    let mut out: Vec<LineString<i32>> = mls
        .0
        .iter()
        .map(|l| LineString(round_dedup(&l.simplify(tol.line))))
        .filter(|l| l.0.len() >= 2)
        .collect();
    match out.len() {
        0 => None,
        1 => out.pop().map(Geometry::LineString),
        _ => Some(MultiLineString(out).into()),
    }
}

/// Whether Visvalingam–Whyatt with `eps` would remove anything: some vertex forms a triangle of
/// area ≤ `eps` with its neighbours (`simplify_vw_preserve` is costly; most rings at high zoom
/// have no such vertex, and then it returns them unchanged).
fn needs_vw(p: &Polygon<f64>, eps: f64) -> bool {
    if p.exterior().0.len() <= 4 {
        return false;
    }
    std::iter::once(p.exterior()).chain(p.interiors()).any(|r| {
        r.0.windows(3).any(|w| {
            let cross = (w[1].x - w[0].x) * (w[2].y - w[0].y) - (w[2].x - w[0].x) * (w[1].y - w[0].y);
            cross.abs() * 0.5 <= eps
        })
    })
}

/// Twice the signed shoelace area of an open or closed integer ring (tile coords, y down).
pub(crate) fn ring_area2(r: &[Coord<i32>]) -> i64 {
    let n = r.len();
    if n < 3 {
        return 0;
    }
    let mut a = 0i64;
    for i in 0..n {
        let p = r[i];
        let q = r[(i + 1) % n];
        a += i64::from(p.x) * i64::from(q.y) - i64::from(q.x) * i64::from(p.y);
    }
    a
}

/// Round a closed ring, drop repeats, orient it (`exterior` → positive area). `None` if degenerate.
fn ring(ls: &LineString<f64>, exterior: bool) -> Option<LineString<i32>> {
    let mut r = round_dedup(ls);
    if r.len() >= 2 && r.first() == r.last() {
        r.pop();
    }
    if r.len() < 3 {
        return None;
    }
    let a = ring_area2(&r);
    if a == 0 {
        return None;
    }
    if (a > 0) != exterior {
        r.reverse();
    }
    r.push(r[0]);
    Some(LineString(r))
}

fn polygons(ps: &[Polygon<f64>], proj: &dyn Fn(Coord<f64>) -> Coord<f64>, fast: bool, tol: Tolerance) -> Option<Geometry<i32>> {
    let mp = MultiPolygon(
        ps.iter()
            .map(|p| {
                Polygon::new(
                    p.exterior().0.iter().map(|c| proj(*c)).collect(),
                    p.interiors().iter().map(|r| r.0.iter().map(|c| proj(*c)).collect()).collect(),
                )
            })
            .collect(),
    );
    let mp = if fast {
        mp
    } else {
        let n: usize = mp.0.iter().map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>()).sum();
        let mp = if n > 256 { mp.simplify(tol.line * 0.25) } else { mp };
        match mp.bounding_rect() {
            Some(b) if inside(&b) => mp,
            _ => mp.intersection(&clip_rect().to_polygon()),
        }
    };
    let mut out: Vec<Polygon<i32>> = Vec::with_capacity(mp.0.len());
    for p in &mp.0 {
        let simplified;
        let p = if needs_vw(p, tol.area) {
            simplified = p.simplify_vw_preserve(tol.area);
            &simplified
        } else {
            p
        };
        let Some(ext) = ring(p.exterior(), true) else { continue };
        let holes: Vec<LineString<i32>> = p.interiors().iter().filter_map(|r| ring(r, false)).collect();
        out.push(Polygon::new(ext, holes));
    }
    match out.len() {
        0 => None,
        1 => out.pop().map(Geometry::Polygon),
        _ => Some(MultiPolygon(out).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiles::grid::TileId;
    use geo::Area;
    use geo_types::polygon;

    fn tile() -> TileId {
        TileId::new(4, 5, 5).unwrap()
    }

    /// world coordinate of a tile-space position of tile 4/5/5
    fn w(x: f64, y: f64) -> (f64, f64) {
        ((x / 4096.0 + 5.0) / 16.0, (y / 4096.0 + 5.0) / 16.0)
    }

    fn world_poly(pts: &[(f64, f64)]) -> Geometry<f64> {
        Polygon::new(LineString::from(pts.iter().map(|&(x, y)| w(x, y)).collect::<Vec<_>>()), vec![]).into()
    }

    fn prep(g: &Geometry<f64>) -> Option<Geometry<i32>> {
        prepare(g, g.bounding_rect().unwrap(), &tile(), Tolerance { line: 0.5, area: 0.5 })
    }

    #[test]
    fn polygon_corner_clip_area_matches_analytic() {
        // a triangle over the south-west corner: legs from (-2000, 6000) corner... right triangle
        // with vertices (-1000,3000), (2000,6000), (-1000,6000): clipped to x>=-64, y<=4160.
        let g = world_poly(&[(-1000.0, 3000.0), (2000.0, 6000.0), (-1000.0, 6000.0)]);
        let out = prep(&g).unwrap();
        let Geometry::Polygon(p) = out else { panic!("{out:?}") };
        // analytic: the hypotenuse is y = x + 4000; region x >= -64, y <= 4160, y >= x + 4000
        // → triangle (-64, 3936), (160, 4160), (-64, 4160): area = 224²/2
        let expect = 224.0 * 224.0 / 2.0;
        let pf: Polygon<f64> = Polygon::new(
            p.exterior().0.iter().map(|c| Coord { x: f64::from(c.x), y: f64::from(c.y) }).collect(),
            vec![],
        );
        assert!((pf.signed_area() - expect).abs() < 1.0, "{} vs {expect}", pf.signed_area());
        assert!(ring_area2(&p.exterior().0) > 0);
    }

    #[test]
    fn winding_exterior_positive_hole_negative() {
        // CCW in lon/lat (y up) becomes CW in tile space: must be re-oriented
        let ext: Vec<(f64, f64)> = vec![(100.0, 100.0), (100.0, 900.0), (900.0, 900.0), (900.0, 100.0), (100.0, 100.0)];
        let hole: Vec<(f64, f64)> = vec![(300.0, 300.0), (600.0, 300.0), (600.0, 600.0), (300.0, 600.0), (300.0, 300.0)];
        let g: Geometry<f64> = Polygon::new(
            ext.iter().map(|&(x, y)| w(x, y)).collect::<Vec<_>>().into(),
            vec![hole.iter().map(|&(x, y)| w(x, y)).collect::<Vec<_>>().into()],
        )
        .into();
        let Some(Geometry::Polygon(p)) = prep(&g) else { panic!() };
        assert!(ring_area2(&p.exterior().0) > 0);
        assert_eq!(p.interiors().len(), 1);
        assert!(ring_area2(&p.interiors()[0].0) < 0);
    }

    #[test]
    fn no_zero_length_segments_and_degenerates_dropped() {
        // dense line: many points within one unit
        let coords: Vec<(f64, f64)> = (0..200).map(|i| w(100.0 + f64::from(i) * 0.1, 100.0)).collect();
        let g: Geometry<f64> = LineString::from(coords).into();
        let Some(Geometry::LineString(l)) = prep(&g) else { panic!() };
        assert!(l.0.windows(2).all(|s| s[0] != s[1]));
        assert!(l.0.len() >= 2);
        // a line inside one unit collapses
        let tiny: Geometry<f64> = LineString::from(vec![w(10.0, 10.0), w(10.2, 10.1)]).into();
        assert!(prep(&tiny).is_none());
        // a polygon smaller than a unit collapses
        let p = world_poly(&[(10.0, 10.0), (10.3, 10.0), (10.3, 10.3), (10.0, 10.0)]);
        assert!(prep(&p).is_none());
        // a sliver with zero area after rounding collapses
        let s = world_poly(&[(10.0, 10.0), (500.0, 10.2), (1000.0, 10.0), (10.0, 10.0)]);
        assert!(prep(&s).is_none());
        let _ = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0)];
    }

    #[test]
    fn points_outside_buffer_dropped_not_clamped() {
        let g: Geometry<f64> = MultiPoint(vec![
            Point::from(w(4150.0, 10.0)),
            Point::from(w(4170.0, 10.0)),
            Point::from(w(-65.0, 10.0)),
            Point::from(w(-63.9, 4159.9)),
        ])
        .into();
        let out = prep(&g).unwrap();
        assert_eq!(out, MultiPoint(vec![Point::new(4150, 10), Point::new(-64, 4160)]).into());
    }

    #[test]
    fn line_leaving_tile_clipped_at_buffer() {
        let g: Geometry<f64> = LineString::from(vec![w(100.0, 100.0), w(8000.0, 100.0)]).into();
        let Some(Geometry::LineString(l)) = prep(&g) else { panic!() };
        assert_eq!(l.0, vec![Coord { x: 100, y: 100 }, Coord { x: 4160, y: 100 }]);
    }

    #[test]
    fn closing_point_present_once_in_geo_ring() {
        let g = world_poly(&[(100.0, 100.0), (900.0, 100.0), (900.0, 900.0), (100.0, 100.0)]);
        let Some(Geometry::Polygon(p)) = prep(&g) else { panic!() };
        let r = &p.exterior().0;
        assert_eq!(r.first(), r.last());
        assert!(r[..r.len() - 1].windows(2).all(|s| s[0] != s[1]));
        assert_eq!(r.len(), 4);
    }
}
