//! Geometry preparation for one tile: world units → clipped, simplified integer tile geometry.
//!
//! Contract (the MVT rules no encoder enforces, research/crates.md §3–§5):
//! 1. simplify with Douglas–Peucker at the zoom's tolerance in tile units by filtering the
//!    precomputed per-vertex ranks ([`crate::index::simplify`]; computed here when not given), so
//!    rings and lines are simplified before clipping and simplified rings may self-touch;
//! 2. project world coordinates to tile space (f64, y down), once per world copy that touches
//!    the buffered tile (antimeridian: copies shifted by ±1 world);
//! 3. clip to the buffered tile rect (−64…4160) unless the bbox is already inside (fast path):
//!    points outside are dropped (never clamped), lines by Liang–Barsky (a line leaving and
//!    re-entering becomes several parts), polygon rings by Sutherland–Hodgman (a concave ring
//!    that leaves and re-enters stays one ring, joined along the buffer edge, outside the
//!    visible tile);
//! 4. round to i32, remove repeated points, drop lines with < 2 points and rings with < 3
//!    distinct points or zero area (a polygon whose exterior goes is dropped);
//! 5. orient rings for MVT in tile coordinates: exterior positive shoelace area, holes negative.
//!
//! Not for: choosing which features go into a tile, or encoding.

use geo_types::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon, Rect};

use super::grid::{TileId, BUFFER, EXTENT};
use crate::index::simplify;

/// Simplification tolerance in tile units (Douglas–Peucker epsilon, lines and rings).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tolerance {
    pub line: f64,
}

impl Tolerance {
    pub(crate) fn for_zoom(z: u8) -> Tolerance {
        if z >= 14 {
            Tolerance { line: 0.5 }
        } else {
            Tolerance { line: 1.0 }
        }
    }
}

const LO: f64 = -(BUFFER as f64);
const HI: f64 = (EXTENT + BUFFER) as f64;

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

/// Number of vertices [`simplify::geometry_ranks`] ranks for `g` (0 for other geometries).
fn ranked_len(g: &Geometry<f64>) -> usize {
    let poly = |p: &Polygon<f64>| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>();
    match g {
        Geometry::LineString(l) => l.0.len(),
        Geometry::MultiLineString(m) => m.0.iter().map(|l| l.0.len()).sum(),
        Geometry::Polygon(p) => poly(p),
        Geometry::MultiPolygon(m) => m.0.iter().map(poly).sum(),
        _ => 0,
    }
}

/// One tile's projection and simplification threshold.
struct Ctx<'a> {
    tile: &'a TileId,
    shift: f64,
    /// Squared tolerance in world units².
    thr: f64,
    fast: bool,
}

impl Ctx<'_> {
    /// The kept vertices of `c` (rank above the threshold), projected to tile space.
    fn kept(&self, c: &[Coord<f64>], ranks: &[f32], out: &mut Vec<Coord<f64>>) {
        out.clear();
        out.extend(
            c.iter()
                .zip(ranks)
                .filter(|(_, &r)| f64::from(r) > self.thr)
                .map(|(p, _)| self.tile.to_tile(*p, self.shift)),
        );
    }
}

/// Prepare a world-unit geometry for `tile`. `ranks` are its Douglas–Peucker ranks
/// ([`simplify::geometry_ranks`]); when absent or of the wrong length they are computed here.
/// `None` when nothing is left.
pub(crate) fn prepare(
    world: &Geometry<f64>,
    ranks: Option<&[f32]>,
    bbox: Rect<f64>,
    tile: &TileId,
    tol: Tolerance,
) -> Option<Geometry<i32>> {
    let owned;
    let ranks = match ranks {
        Some(r) if r.len() == ranked_len(world) => r,
        _ => {
            owned = simplify::geometry_ranks(world);
            &owned[..]
        }
    };
    let scale = tile.n() * f64::from(EXTENT);
    let thr = (tol.line / scale).powi(2);
    let mut first: Option<Geometry<i32>> = None;
    let mut parts: Vec<Geometry<i32>> = Vec::new();
    for k in shifts(tile, bbox) {
        let tb = Rect::new(tile.to_tile(bbox.min(), k), tile.to_tile(bbox.max(), k));
        if disjoint(&tb) {
            continue;
        }
        let ctx = Ctx { tile, shift: k, thr, fast: inside(&tb) };
        if let Some(g) = prepare_one(world, ranks, &ctx) {
            match first.take() {
                None => first = Some(g),
                Some(f) => {
                    parts.push(f);
                    parts.push(g);
                }
            }
        }
    }
    if parts.is_empty() {
        return first;
    }
    parts.extend(first);
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

fn prepare_one(g: &Geometry<f64>, ranks: &[f32], ctx: &Ctx<'_>) -> Option<Geometry<i32>> {
    let proj = |c: Coord<f64>| ctx.tile.to_tile(c, ctx.shift);
    let again = |g: Geometry<f64>| {
        let r = simplify::geometry_ranks(&g);
        prepare_one(&g, &r, &Ctx { fast: false, ..*ctx })
    };
    match g {
        Geometry::Point(p) => {
            let c = proj(p.0);
            ((LO..=HI).contains(&c.x) && (LO..=HI).contains(&c.y)).then(|| Geometry::Point(Point(round(c))))
        }
        Geometry::MultiPoint(m) => points(m.0.iter().map(|p| p.0), proj),
        Geometry::LineString(l) => lines(std::slice::from_ref(l), ranks, ctx),
        Geometry::MultiLineString(m) => lines(&m.0, ranks, ctx),
        Geometry::Polygon(p) => polygons(std::slice::from_ref(p), ranks, ctx),
        Geometry::MultiPolygon(m) => polygons(&m.0, ranks, ctx),
        Geometry::Line(l) => again(LineString::from(vec![l.start, l.end]).into()),
        Geometry::Rect(r) => again(r.to_polygon().into()),
        Geometry::Triangle(t) => again(t.to_polygon().into()),
        Geometry::GeometryCollection(gc) => merge(
            gc.0.iter()
                .filter_map(|g| prepare_one(g, &simplify::geometry_ranks(g), &Ctx { fast: false, ..*ctx }))
                .collect(),
        ),
    }
}

#[inline]
fn round(c: Coord<f64>) -> Coord<i32> {
    Coord { x: c.x.round() as i32, y: c.y.round() as i32 }
}

fn points(it: impl Iterator<Item = Coord<f64>>, proj: impl Fn(Coord<f64>) -> Coord<f64>) -> Option<Geometry<i32>> {
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
fn round_dedup(c: &[Coord<f64>]) -> Vec<Coord<i32>> {
    let mut out: Vec<Coord<i32>> = Vec::with_capacity(c.len());
    for c in c {
        let r = round(*c);
        if out.last() != Some(&r) {
            out.push(r);
        }
    }
    out
}

/// Per-thread scratch buffers for the kept, clipped and intermediate coordinates.
#[derive(Default)]
struct Scratch {
    kept: Vec<Coord<f64>>,
    clipped: Vec<Coord<f64>>,
    tmp: Vec<Coord<f64>>,
    parts: Vec<Vec<Coord<f64>>>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Liang–Barsky: the parameter interval `[t0, t1]` of segment `a`–`b` inside the buffered tile.
#[inline]
pub(crate) fn liang_barsky(a: Coord<f64>, b: Coord<f64>) -> Option<(f64, f64)> {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [(-dx, a.x - LO), (dx, HI - a.x), (-dy, a.y - LO), (dy, HI - a.y)] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                if r > t1 {
                    return None;
                }
                t0 = t0.max(r);
            } else {
                if r < t0 {
                    return None;
                }
                t1 = t1.min(r);
            }
        }
    }
    Some((t0, t1))
}

/// Clip a polyline to the buffered tile (Liang–Barsky per segment); each inside run is a part.
pub(crate) fn clip_line(c: &[Coord<f64>], parts: &mut Vec<Vec<Coord<f64>>>) {
    let lerp = |a: Coord<f64>, b: Coord<f64>, t: f64| Coord { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t };
    let mut cur: Vec<Coord<f64>> = Vec::new();
    let flush = |cur: &mut Vec<Coord<f64>>, parts: &mut Vec<Vec<Coord<f64>>>| {
        if cur.len() >= 2 {
            parts.push(std::mem::take(cur));
        } else {
            cur.clear();
        }
    };
    for w in c.windows(2) {
        let (a, b) = (w[0], w[1]);
        match liang_barsky(a, b) {
            None => flush(&mut cur, parts),
            Some((t0, t1)) => {
                if t0 > 0.0 {
                    flush(&mut cur, parts);
                }
                if cur.is_empty() {
                    cur.push(if t0 > 0.0 { lerp(a, b, t0) } else { a });
                }
                cur.push(if t1 < 1.0 { lerp(a, b, t1) } else { b });
                if t1 < 1.0 {
                    flush(&mut cur, parts);
                }
            }
        }
    }
    flush(&mut cur, parts);
}

/// Clip a ring (open or closed) to the buffered tile (Sutherland–Hodgman); the result is open.
#[cfg(test)]
pub(crate) fn clip_ring(c: &[Coord<f64>], out: &mut Vec<Coord<f64>>) {
    clip_ring_with(c, out, &mut Vec::new());
}

/// [`clip_ring`] with a caller-provided work buffer.
fn clip_ring_with(c: &[Coord<f64>], out: &mut Vec<Coord<f64>>, tmp: &mut Vec<Coord<f64>>) {
    out.clear();
    out.extend_from_slice(c);
    if out.len() >= 2 && out.first() == out.last() {
        out.pop();
    }
    // (axis is x, keep >= v when lower)
    for (x_axis, lower, v) in [(true, true, LO), (true, false, HI), (false, true, LO), (false, false, HI)] {
        if out.is_empty() {
            return;
        }
        let val = |p: &Coord<f64>| if x_axis { p.x } else { p.y };
        let is_in = |p: &Coord<f64>| if lower { val(p) >= v } else { val(p) <= v };
        let cut = |a: Coord<f64>, b: Coord<f64>| {
            let t = (v - val(&a)) / (val(&b) - val(&a));
            if x_axis {
                Coord { x: v, y: a.y + (b.y - a.y) * t }
            } else {
                Coord { x: a.x + (b.x - a.x) * t, y: v }
            }
        };
        tmp.clear();
        let mut prev = *out.last().expect("not empty");
        let mut prev_in = is_in(&prev);
        for &cur in out.iter() {
            let cur_in = is_in(&cur);
            if cur_in != prev_in {
                tmp.push(cut(prev, cur));
            }
            if cur_in {
                tmp.push(cur);
            }
            prev = cur;
            prev_in = cur_in;
        }
        std::mem::swap(out, tmp);
    }
}

fn lines(ls: &[LineString<f64>], ranks: &[f32], ctx: &Ctx<'_>) -> Option<Geometry<i32>> {
    SCRATCH.with(|s| lines_with(ls, ranks, ctx, &mut s.borrow_mut()))
}

fn lines_with(ls: &[LineString<f64>], ranks: &[f32], ctx: &Ctx<'_>, s: &mut Scratch) -> Option<Geometry<i32>> {
    let mut out: Vec<LineString<i32>> = Vec::new();
    let Scratch { kept, parts, .. } = s;
    let mut off = 0;
    for l in ls {
        let n = l.0.len();
        ctx.kept(&l.0, &ranks[off..off + n], kept);
        off += n;
        if ctx.fast {
            let r = round_dedup(kept);
            if r.len() >= 2 {
                out.push(LineString(r));
            }
        } else {
            parts.clear();
            clip_line(kept, parts);
            out.extend(parts.iter().map(|p| round_dedup(p)).filter(|r| r.len() >= 2).map(LineString));
        }
    }
    match out.len() {
        0 => None,
        1 => out.pop().map(Geometry::LineString),
        _ => Some(MultiLineString(out).into()),
    }
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

/// Round a ring (open or closed), drop repeats, orient it (`exterior` → positive area), close it.
/// `None` if degenerate.
fn ring(c: &[Coord<f64>], exterior: bool) -> Option<LineString<i32>> {
    let mut r = round_dedup(c);
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

fn polygons(ps: &[Polygon<f64>], ranks: &[f32], ctx: &Ctx<'_>) -> Option<Geometry<i32>> {
    SCRATCH.with(|s| polygons_with(ps, ranks, ctx, &mut s.borrow_mut()))
}

fn polygons_with(ps: &[Polygon<f64>], ranks: &[f32], ctx: &Ctx<'_>, s: &mut Scratch) -> Option<Geometry<i32>> {
    let mut out: Vec<Polygon<i32>> = Vec::with_capacity(ps.len());
    let Scratch { kept, clipped, tmp, .. } = s;
    let mut off = 0;
    let mut one = |r: &LineString<f64>, exterior: bool, off: &mut usize| -> Option<LineString<i32>> {
        let n = r.0.len();
        ctx.kept(&r.0, &ranks[*off..*off + n], kept);
        *off += n;
        if ctx.fast {
            ring(kept, exterior)
        } else {
            clip_ring_with(kept, clipped, tmp);
            ring(clipped, exterior)
        }
    };
    for p in ps {
        let ext = one(p.exterior(), true, &mut off);
        let holes: Vec<LineString<i32>> = p.interiors().iter().filter_map(|r| one(r, false, &mut off)).collect();
        if let Some(ext) = ext {
            out.push(Polygon::new(ext, holes));
        }
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
    use geo::{Area, BoundingRect};
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
        prepare(g, None, g.bounding_rect().unwrap(), &tile(), Tolerance { line: 0.5 })
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
        let hole: Vec<(f64, f64)> =
            vec![(300.0, 300.0), (600.0, 300.0), (600.0, 600.0), (300.0, 600.0), (300.0, 300.0)];
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

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn liang_barsky_values() {
        // enters at x = -64 (t = 36/100... of the way), leaves at y = 4160
        let (t0, t1) = liang_barsky(c(-100.0, 0.0), c(100.0, 200.0)).unwrap();
        assert!((t0 - 36.0 / 200.0).abs() < 1e-12 && t1 == 1.0, "{t0} {t1}");
        let (t0, t1) = liang_barsky(c(0.0, 4000.0), c(0.0, 4400.0)).unwrap();
        assert!(t0 == 0.0 && (t1 - 0.4).abs() < 1e-12, "{t0} {t1}");
        assert!(liang_barsky(c(-100.0, -100.0), c(-70.0, 5000.0)).is_none());
        assert!(liang_barsky(c(-1000.0, 0.0), c(0.0, -1000.0)).is_none()); // misses the corner
    }

    #[test]
    fn clip_line_splits_leaving_and_reentering_runs() {
        // in, out through the east edge, back in: two parts with the exact crossing points
        let line = [c(4000.0, 100.0), c(4260.0, 100.0), c(4260.0, 300.0), c(4060.0, 300.0)];
        let mut parts = Vec::new();
        clip_line(&line, &mut parts);
        assert!(parts.iter().flatten().all(|p| (p.x - p.x.round()).abs() < 1e-9 && (p.y - p.y.round()).abs() < 1e-9));
        let rounded: Vec<Vec<Coord<i32>>> = parts.iter().map(|p| round_dedup(p)).collect();
        let ci = |x: i32, y: i32| Coord { x, y };
        assert_eq!(rounded, vec![vec![ci(4000, 100), ci(4160, 100)], vec![ci(4160, 300), ci(4060, 300)]]);
        // entirely outside: nothing
        parts.clear();
        clip_line(&[c(-500.0, 0.0), c(-300.0, 10.0)], &mut parts);
        assert!(parts.is_empty());
    }

    #[test]
    fn clip_ring_square_over_a_corner() {
        // a square over the north-west corner keeps the part inside -64..: a 164 × 164 square
        let sq = [c(-200.0, -200.0), c(100.0, -200.0), c(100.0, 100.0), c(-200.0, 100.0), c(-200.0, -200.0)];
        let mut out = Vec::new();
        clip_ring(&sq, &mut out);
        let mut got: Vec<(i64, i64)> = out.iter().map(|p| (p.x as i64, p.y as i64)).collect();
        got.sort_unstable();
        assert_eq!(got, vec![(-64, -64), (-64, 100), (100, -64), (100, 100)]);
        let area2: f64 = (0..out.len())
            .map(|i| {
                let (p, q) = (out[i], out[(i + 1) % out.len()]);
                p.x * q.y - q.x * p.y
            })
            .sum();
        assert!((area2.abs() / 2.0 - 164.0 * 164.0).abs() < 1e-6);
        // fully outside: empty
        clip_ring(&[c(5000.0, 0.0), c(5100.0, 0.0), c(5100.0, 100.0)], &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn concave_ring_reentering_is_one_valid_ring() {
        // a U shape whose two arms leave through the north edge: one ring, MVT-oriented
        let u = world_poly(&[
            (100.0, -500.0),
            (300.0, -500.0),
            (300.0, 1000.0),
            (700.0, 1000.0),
            (700.0, -500.0),
            (900.0, -500.0),
            (900.0, 1200.0),
            (100.0, 1200.0),
            (100.0, -500.0),
        ]);
        let Some(Geometry::Polygon(p)) = prep(&u) else { panic!() };
        assert!(ring_area2(&p.exterior().0) > 0);
        assert!(p.exterior().0.iter().all(|q| q.y >= -64));
        // area: the U inside y >= -64: 2 arms 200 × 1064 + base 800 × 200
        let expect = 2 * (2 * 200 * 1064) + 2 * 800 * 200;
        assert_eq!(ring_area2(&p.exterior().0), expect);
    }
}
