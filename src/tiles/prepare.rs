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
//!    visible tile); the clippers are [`super::clip`]'s;
//! 4. round to i32, remove repeated points, drop lines with < 2 points and rings with < 3
//!    distinct points or zero area (a polygon whose exterior goes is dropped);
//! 5. orient rings for MVT in tile coordinates: exterior positive shoelace area, holes negative.
//!
//! [`column_piece`] and [`prepare_in`] are a shortcut for rendering a whole pyramid (the exporter):
//! a tile may be prepared from the vertices of its column's piece instead of all of them, with
//! exactly the same result (see [`column_piece`]).
//!
//! Not for: choosing which features go into a tile, or encoding.

use geo_types::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon, Rect};

use super::clip::{clip_line, clip_ring_with, HI, LO};
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
    /// The column piece to draw from (flat vertex indices, sorted), when not every vertex.
    piece: Option<&'a [u32]>,
}

impl Ctx<'_> {
    /// The kept vertices of the line or ring `c` (rank above the threshold; only those of the
    /// piece, when there is one), projected to tile space. `ranks` are the whole geometry's and
    /// `off` the flat index of `c[0]`.
    fn kept(&self, c: &[Coord<f64>], ranks: &[f32], off: usize, out: &mut Vec<Coord<f64>>) {
        out.clear();
        let ranks = &ranks[off..off + c.len()];
        match self.piece {
            Some(piece) if !self.fast => {
                let a = piece.partition_point(|&i| (i as usize) < off);
                let b = a + piece[a..].partition_point(|&i| (i as usize) < off + c.len());
                out.extend(
                    piece[a..b]
                        .iter()
                        .map(|&i| i as usize - off)
                        .filter(|&j| f64::from(ranks[j]) > self.thr)
                        .map(|j| self.tile.to_tile(c[j], self.shift)),
                );
            }
            _ => out.extend(
                c.iter()
                    .zip(ranks)
                    .filter(|(_, &r)| f64::from(r) > self.thr)
                    .map(|(p, _)| self.tile.to_tile(*p, self.shift)),
            ),
        }
    }
}

/// The lines and rings of a line or polygon geometry in `CoordsIter` order (the order of its
/// ranks), each with the flat index of its first vertex; `None` for other geometries.
fn parts_of(g: &Geometry<f64>) -> Option<Vec<(usize, &[Coord<f64>])>> {
    let rings: Vec<&[Coord<f64>]> = match g {
        Geometry::LineString(l) => vec![&l.0[..]],
        Geometry::MultiLineString(m) => m.0.iter().map(|l| &l.0[..]).collect(),
        Geometry::Polygon(p) => std::iter::once(p.exterior()).chain(p.interiors()).map(|r| &r.0[..]).collect(),
        Geometry::MultiPolygon(m) => {
            m.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors())).map(|r| &r.0[..]).collect()
        }
        _ => return None,
    };
    let mut off = 0;
    Some(
        rings
            .into_iter()
            .map(|r| {
                off += r.len();
                (off - r.len(), r)
            })
            .collect(),
    )
}

/// The column piece of a line or polygon geometry for the tile column `x` at zoom `z`, drawn
/// `shift` worlds over: the sorted flat indices (ranks order) of the vertices that can change
/// a tile of that column or of any zoom below it. Made from the piece of the column above
/// (`parent`, the column `x / 2` at `z - 1`, any shift-equal piece containing this one) or from
/// every vertex; `None` for geometries that are not lines or polygons or have no ranks.
///
/// Hand-written (tippecanoe and geojson-vt clip each tile from its parent's clipped piece, but
/// their pieces change the output; no crate does it for this clipper): within a line or ring,
/// a run of consecutive vertices that all lie west of the column's buffered strip (widened by
/// one tile unit, so that every tile below has the same vertices west of its own x ≥ −64), or
/// all east of it, keeps only its first and last vertex and its rank records (the vertices
/// ranked above every earlier one of the run, and above every later one). At any tolerance the
/// run's kept vertices are then a block that starts and ends with the same vertices as before,
/// so every vertex left out lies between two kept vertices on the same side: the x ≥ −64 pass
/// of Sutherland–Hodgman (west; the passes go x ≥ lo, x ≤ hi, y ≥ lo, y ≤ hi) or the x ≤ 4160
/// pass (east, after the first pass let the whole run through unchanged) emits nothing for its
/// two edges or for the one edge that replaces them, and Liang–Barsky rejects all three. A line
/// or ring whose vertices are all on one side is left out whole: it has no output either way.
/// (North and south runs are kept: the x passes can turn them into spikes along the buffer's
/// edge that depend on the vertices left out.)
pub(crate) fn column_piece(
    world: &Geometry<f64>,
    ranks: &[f32],
    parent: Option<&[u32]>,
    z: u8,
    x: u32,
    shift: f64,
) -> Option<Vec<u32>> {
    let parts = parts_of(world)?;
    let n: usize = parts.iter().map(|(_, r)| r.len()).sum();
    if ranks.len() != n || n > u32::MAX as usize {
        return None;
    }
    let [lo, _, hi, _] = TileId { z, x, y: 0 }.world_bounds(f64::from(BUFFER) + 1.0);
    let mut out: Vec<u32> = Vec::with_capacity(parent.map_or(n, <[u32]>::len) / 2);
    let mut all: Vec<u32> = Vec::new();
    let mut sides: Vec<u8> = Vec::new();
    let mut at = 0usize;
    for (off, ring) in parts {
        let idx: &[u32] = match parent {
            Some(p) => {
                let b = at + p[at..].partition_point(|&i| (i as usize) < off + ring.len());
                let s = &p[at..b];
                at = b;
                s
            }
            None => {
                all.clear();
                all.extend(off as u32..(off + ring.len()) as u32);
                &all
            }
        };
        // 0 inside the strip, 1 west, 2 east
        sides.clear();
        sides.extend(idx.iter().map(|&i| {
            let wx = ring[i as usize - off].x + shift;
            if wx < lo {
                1
            } else if wx > hi {
                2
            } else {
                0
            }
        }));
        if sides.first().is_some_and(|&s| s != 0 && sides.iter().all(|&t| t == s)) {
            continue;
        }
        let rank = |k: usize| ranks[idx[k] as usize];
        let mut s = 0;
        while s < idx.len() {
            let mut e = s;
            while e + 1 < idx.len() && sides[e + 1] == sides[s] {
                e += 1;
            }
            if sides[s] == 0 || e - s < 2 {
                out.extend_from_slice(&idx[s..=e]);
            } else {
                // prefix records (ascending), then suffix records (found descending)
                let mut pre: Vec<usize> = Vec::new();
                let mut best = f32::NEG_INFINITY;
                for k in s..=e {
                    if rank(k) > best || k == s {
                        best = rank(k);
                        pre.push(k);
                    }
                }
                let mut suf: Vec<usize> = Vec::new();
                best = f32::NEG_INFINITY;
                for k in (s..=e).rev() {
                    if rank(k) > best || k == e {
                        best = rank(k);
                        suf.push(k);
                    }
                }
                suf.reverse();
                let (mut i, mut j) = (0, 0);
                while i < pre.len() || j < suf.len() {
                    let k = match (pre.get(i), suf.get(j)) {
                        (Some(&a), Some(&b)) if a == b => {
                            i += 1;
                            j += 1;
                            a
                        }
                        (Some(&a), Some(&b)) if a < b => {
                            i += 1;
                            a
                        }
                        (Some(&a), None) => {
                            i += 1;
                            a
                        }
                        (_, Some(&b)) => {
                            j += 1;
                            b
                        }
                        (None, None) => unreachable!(),
                    };
                    out.push(idx[k]);
                }
            }
            s = e + 1;
        }
    }
    Some(out)
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
    prepare_in(world, ranks, bbox, tile, tol, &|_| None)
}

/// A column piece ([`column_piece`]) of the tile's column for a world shift, kept by the caller.
pub(crate) type Piece = std::sync::Arc<Vec<u32>>;

/// [`prepare`] drawing each world copy from `piece(shift)`, the column piece of the tile's column
/// for that shift (every vertex when `None`; the pieces must be those of `world` and `ranks`,
/// and `ranks` given): the same result, from fewer vertices.
pub(crate) fn prepare_in(
    world: &Geometry<f64>,
    ranks: Option<&[f32]>,
    bbox: Rect<f64>,
    tile: &TileId,
    tol: Tolerance,
    piece: &dyn Fn(f64) -> Option<Piece>,
) -> Option<Geometry<i32>> {
    let owned;
    let given = matches!(ranks, Some(r) if r.len() == ranked_len(world));
    let ranks = match ranks {
        Some(r) if given => r,
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
        let fast = inside(&tb);
        let p = if fast || !given { None } else { piece(k) };
        let ctx = Ctx { tile, shift: k, thr, fast, piece: p.as_deref().map(|v| &v[..]) };
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
        prepare_one(&g, &r, &Ctx { fast: false, piece: None, ..*ctx })
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
                .filter_map(|g| prepare_one(g, &simplify::geometry_ranks(g), &Ctx { fast: false, piece: None, ..*ctx }))
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
pub(super) fn round_dedup(c: &[Coord<f64>]) -> Vec<Coord<i32>> {
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

fn lines(ls: &[LineString<f64>], ranks: &[f32], ctx: &Ctx<'_>) -> Option<Geometry<i32>> {
    SCRATCH.with(|s| lines_with(ls, ranks, ctx, &mut s.borrow_mut()))
}

fn lines_with(ls: &[LineString<f64>], ranks: &[f32], ctx: &Ctx<'_>, s: &mut Scratch) -> Option<Geometry<i32>> {
    let mut out: Vec<LineString<i32>> = Vec::new();
    let Scratch { kept, parts, .. } = s;
    let mut off = 0;
    for l in ls {
        ctx.kept(&l.0, ranks, off, kept);
        off += l.0.len();
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
        ctx.kept(&r.0, ranks, *off, kept);
        *off += r.0.len();
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

    /// A wiggly ring of `n` vertices around (cx, cy) in world units, radius about `r`, closed.
    fn wiggly(seed: &mut u64, n: usize, cx: f64, cy: f64, r: f64) -> LineString<f64> {
        let mut next = || {
            *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (*seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut rr = r;
        let mut pts: Vec<Coord<f64>> = (0..n)
            .map(|k| {
                // a random walk of the radius: coastline-like detail at every scale, and
                // spikes that leave a tile's column and come back
                rr = (rr + (next() - 0.5) * r * 0.08).clamp(r * 0.3, r * 1.6);
                let a = std::f64::consts::TAU * k as f64 / n as f64;
                c(cx + a.cos() * rr, cy + a.sin() * rr)
            })
            .collect();
        pts.push(pts[0]);
        LineString(pts)
    }

    #[test]
    fn column_pieces_down_the_pyramid_give_the_same_tiles() {
        // a large polygon with a hole, a multipolygon (second part across the antimeridian
        // copy) and a long line; every column piece made from its parent's, as the exporter does
        let mut seed = 17u64;
        let ext = wiggly(&mut seed, 40_000, 0.5, 0.45, 0.2);
        let hole = wiggly(&mut seed, 5_000, 0.52, 0.47, 0.05);
        let poly = Polygon::new(ext, vec![hole]);
        let island = Polygon::new(wiggly(&mut seed, 8_000, 0.97, 0.6, 0.06), vec![]);
        let line: Vec<Coord<f64>> = wiggly(&mut seed, 20_000, 0.3, 0.3, 0.15).0;
        let geoms: Vec<Geometry<f64>> = vec![
            poly.clone().into(),
            MultiPolygon(vec![poly, island]).into(),
            LineString(line[..15_000].to_vec()).into(),
        ];
        for g in &geoms {
            let ranks = simplify::geometry_ranks(g);
            let bbox = geo::BoundingRect::bounding_rect(g).unwrap();
            let n = ranks.len();
            // a few chains of columns down to z12, through the middle and the edges
            let mut compared = 0;
            for start in [0.005, 0.31, 0.5, 0.69, 0.995] {
                let mut parent: std::collections::HashMap<i8, Vec<u32>> = Default::default();
                for z in 0..=12u8 {
                    let m = 1u32 << z;
                    let x = ((start * f64::from(m)) as u32).min(m - 1);
                    let mut here = std::collections::HashMap::new();
                    for k in [-1.0f64, 0.0, 1.0] {
                        let p = column_piece(g, &ranks, parent.get(&(k as i8)).map(|v| &v[..]), z, x, k).unwrap();
                        assert!(p.windows(2).all(|w| w[0] < w[1]) && p.last().is_none_or(|&i| (i as usize) < n));
                        here.insert(k as i8, p);
                    }
                    if z == 10 && start < 0.9 {
                        let p = &here[&0];
                        assert!(p.len() * 20 < n, "z{z} column {x}: piece of {} of {n} vertices", p.len());
                    }
                    // every tile of the column the geometry's box reaches (a sample of them)
                    let (y0, y1) = ((bbox.min().y * f64::from(m)) as u32, (bbox.max().y * f64::from(m)) as u32);
                    let step = ((y1 - y0) / 40).max(1);
                    for y in (y0.saturating_sub(1)..=(y1 + 1).min(m - 1)).step_by(step as usize) {
                        let t = TileId::new(z, x, y).unwrap();
                        let tol = Tolerance::for_zoom(z);
                        let want = prepare(g, Some(&ranks), bbox, &t, tol);
                        let got = prepare_in(g, Some(&ranks), bbox, &t, tol, &|k| {
                            Some(std::sync::Arc::new(here[&(k as i8)].clone()))
                        });
                        assert_eq!(got, want, "tile {z}/{x}/{y}");
                        compared += usize::from(want.is_some());
                    }
                    parent = here;
                }
            }
            assert!(compared > 100, "{compared} tiles with content");
        }
    }

    #[test]
    fn column_piece_keeps_the_run_ends_a_tolerance_needs() {
        // a ring whose west run has its highest ranks in the middle: the first and last kept
        // vertex of the run change with the tolerance, and must all be in the piece
        let mut seed = 5u64;
        let g: Geometry<f64> = Polygon::new(wiggly(&mut seed, 3_000, 0.5, 0.5, 0.3), vec![]).into();
        let ranks = simplify::geometry_ranks(&g);
        let piece = std::sync::Arc::new(column_piece(&g, &ranks, None, 6, 32, 0.0).unwrap());
        assert!(piece.len() < ranks.len() / 4, "{} of {}", piece.len(), ranks.len());
        let bbox = geo::BoundingRect::bounding_rect(&g).unwrap();
        let mut drawn = 0;
        for y in 0..64 {
            let t = TileId::new(6, 32, y).unwrap();
            for line in [4.0, 0.5, 0.2, 0.05, 0.01] {
                let tol = Tolerance { line };
                let want = prepare(&g, Some(&ranks), bbox, &t, tol);
                drawn += usize::from(want.is_some());
                assert_eq!(prepare_in(&g, Some(&ranks), bbox, &t, tol, &|_| Some(piece.clone())), want, "y {y}");
            }
        }
        assert!(drawn >= 5 * 10, "{drawn}");
        // a ring entirely west of the column is left out whole
        let far: Geometry<f64> = Polygon::new(wiggly(&mut seed, 600, 0.1, 0.5, 0.02), vec![]).into();
        let r = simplify::geometry_ranks(&far);
        assert_eq!(column_piece(&far, &r, None, 6, 32, 0.0), Some(Vec::new()));
        // points have no pieces
        assert_eq!(column_piece(&Point::new(0.5, 0.5).into(), &[], None, 6, 32, 0.0), None);
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
