//! The live points of a snapshot aggregated on Z-order (Morton) grids: [`PointGrid`].
//!
//! Contract: a point's cell at level l (2^l cells per world axis, l ≤ [`MAX_GRID_LEVEL`]) is
//! floor(p · 2^l) of its [`IndexedIncident::world_point`], clamped into the grid. Points are
//! sorted once by (Morton key at level 30, id) ([`ZOrdered`]); the cells of every level are
//! then runs of that order, made in one linear pass ([`Cells::of`]): non-empty cells only, in
//! Morton order, each with its count, mean (summed in that fixed order: deterministic),
//! bounding box and lowest-id point. The cells of a base and a delta (disjoint point sets)
//! merge in O(cells) ([`Cells::merge`]); a cell's lowest-id point indexes the base's Z-ordered
//! points, or the delta's with [`DELTA_BIT`] set. [`PointGrid::cells_in`] answers a cell
//! window by a quadtree descent over the Morton ranges.
//! Not for: which points are live (the snapshot decides, [`super::IndexSnapshot::point_grid`])
//! or clustering for tiles (that is `tiles::cluster`).

use std::sync::Arc;

use super::IndexedIncident;
use geo_types::Coord;

/// 0..=[`MAX_GRID_LEVEL`] derived from it.
#[derive(Default)]
pub(super) struct Grids {
    pub(super) sorted: std::sync::OnceLock<Arc<ZOrdered>>,
    pub(super) levels: [std::sync::OnceLock<PointGrid>; MAX_GRID_LEVEL as usize + 1],
}

/// Highest [`PointGrid`] level (2^30 cells per axis).
pub const MAX_GRID_LEVEL: u8 = 30;

/// Spread the low 32 bits of `v` to the even bits.
fn part1by1(v: u64) -> u64 {
    let mut x = v & 0xffff_ffff;
    x = (x | (x << 16)) & 0x0000_ffff_0000_ffff;
    x = (x | (x << 8)) & 0x00ff_00ff_00ff_00ff;
    x = (x | (x << 4)) & 0x0f0f_0f0f_0f0f_0f0f;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    (x | (x << 1)) & 0x5555_5555_5555_5555
}

/// Morton (Z-order) key of cell (cx, cy): x on the even bits.
fn morton(cx: u32, cy: u32) -> u64 {
    part1by1(u64::from(cx)) | (part1by1(u64::from(cy)) << 1)
}

/// The live points sorted by (Morton key at level 30, id): every level's cells are runs of it.
pub(super) struct ZOrdered {
    keys: Vec<u64>,
    points: Vec<Arc<IndexedIncident>>,
}

impl ZOrdered {
    pub(super) fn build<'a>(points: impl Iterator<Item = &'a Arc<IndexedIncident>>) -> ZOrdered {
        let n = (1u64 << MAX_GRID_LEVEL) as f64;
        let max = (1u64 << MAX_GRID_LEVEL) - 1;
        let cell = |v: f64| ((v * n).floor().max(0.0) as u64).min(max) as u32;
        let mut v: Vec<(u64, u64, &Arc<IndexedIncident>)> =
            points.map(|e| (morton(cell(e.world_point().x), cell(e.world_point().y)), e.incident.id, e)).collect();
        v.sort_unstable_by_key(|k| (k.0, k.1));
        ZOrdered { keys: v.iter().map(|k| k.0).collect(), points: v.into_iter().map(|k| k.2.clone()).collect() }
    }
}

/// One non-empty cell of a [`PointGrid`].
#[derive(Debug, Clone, Copy)]
pub struct GridCell {
    pub cx: u32,
    pub cy: u32,
    /// Number of live points in the cell.
    pub count: u32,
    /// Mean of their [`IndexedIncident::world_point`]s (summed in a fixed order: deterministic).
    pub mean: Coord<f64>,
    /// Corners of the bounding box of their world points (`min` north-west: y grows south).
    pub min: Coord<f64>,
    pub max: Coord<f64>,
    /// The point with the lowest id ([`PointGrid::first`]): an index into the base's Z-ordered
    /// points, or into the delta's with [`DELTA_BIT`] set.
    first: u32,
}

impl GridCell {
    /// A cell of the points `pts` (non-empty, in a fixed order so the mean is deterministic) at
    /// (cx, cy); `first` is meaningless for such a cell (callers keep the lowest-id point).
    pub fn of_points(cx: u32, cy: u32, pts: impl IntoIterator<Item = Coord<f64>>) -> Option<GridCell> {
        let mut it = pts.into_iter();
        let p0 = it.next()?;
        let mut c = GridCell { cx, cy, count: 1, mean: p0, min: p0, max: p0, first: 0 };
        let mut sum = p0;
        for p in it {
            c.count += 1;
            sum = sum + p;
            c.min = Coord { x: c.min.x.min(p.x), y: c.min.y.min(p.y) };
            c.max = Coord { x: c.max.x.max(p.x), y: c.max.y.max(p.y) };
        }
        c.mean = sum / f64::from(c.count);
        Some(c)
    }

    /// The first grid level (2^level cells an axis) above `level` at which the cell's points
    /// fall into more than one cell, or `None` when they never part (all at one position, to
    /// the grid's finest level). Exact from the bounding box: the points share a cell at a level
    /// exactly when the box's two corners do.
    pub fn split_level(&self, level: u8) -> Option<u8> {
        let cell = |v: f64, l: u8| ((v * (1u64 << l) as f64).floor().max(0.0) as u64).min((1u64 << l) - 1);
        (level.saturating_add(1)..=MAX_GRID_LEVEL)
            .find(|&l| cell(self.min.x, l) != cell(self.max.x, l) || cell(self.min.y, l) != cell(self.max.y, l))
    }
}

/// Marks a [`GridCell::first`] that indexes the delta's points.
pub(super) const DELTA_BIT: u32 = 1 << 31;

/// The non-empty cells of one level over one Z-ordered point set, in Morton order.
#[derive(Default)]
pub(super) struct Cells {
    keys: Vec<u64>,
    cells: Vec<GridCell>,
}

impl Cells {
    /// One linear pass over the Z-ordered points (no sort per level); `first` gets `tag`.
    pub(super) fn of(level: u8, z: &ZOrdered, tag: u32) -> Cells {
        let shift = 2 * u32::from(MAX_GRID_LEVEL - level);
        let mut cells: Vec<GridCell> = Vec::new();
        let mut keys: Vec<u64> = Vec::new();
        let mut sum = Coord::zero();
        let mut first_id = u64::MAX;
        for (i, (k, e)) in z.keys.iter().zip(&z.points).enumerate() {
            let key = k >> shift;
            if keys.last() != Some(&key) {
                if let Some(c) = cells.last_mut() {
                    c.mean = sum / f64::from(c.count);
                }
                keys.push(key);
                let (cx, cy) = unmorton(key);
                let p = e.world_point();
                cells.push(GridCell { cx, cy, count: 0, mean: Coord::zero(), min: p, max: p, first: i as u32 | tag });
                sum = Coord::zero();
                first_id = u64::MAX;
            }
            let c = cells.last_mut().expect("pushed");
            c.count += 1;
            let p = e.world_point();
            sum = sum + p;
            c.min = Coord { x: c.min.x.min(p.x), y: c.min.y.min(p.y) };
            c.max = Coord { x: c.max.x.max(p.x), y: c.max.y.max(p.y) };
            if e.incident.id < first_id {
                first_id = e.incident.id;
                c.first = i as u32 | tag;
            }
        }
        if let Some(c) = cells.last_mut() {
            c.mean = sum / f64::from(c.count);
        }
        Cells { keys, cells }
    }

    /// The cells of two disjoint point sets together (base `a`, delta `b`): O(cells), no point
    /// touched but the two first points of a shared cell.
    pub(super) fn merge(a: &Cells, b: &Cells, az: &ZOrdered, bz: &ZOrdered) -> Cells {
        let id_of = |first: u32| {
            if first & DELTA_BIT != 0 {
                bz.points[(first & !DELTA_BIT) as usize].incident.id
            } else {
                az.points[first as usize].incident.id
            }
        };
        let n = a.keys.len() + b.keys.len();
        let mut out = Cells { keys: Vec::with_capacity(n), cells: Vec::with_capacity(n) };
        let (mut i, mut j) = (0, 0);
        while i < a.keys.len() || j < b.keys.len() {
            let take_a = j >= b.keys.len() || (i < a.keys.len() && a.keys[i] < b.keys[j]);
            let take_b = i >= a.keys.len() || (j < b.keys.len() && b.keys[j] < a.keys[i]);
            if take_a {
                out.keys.push(a.keys[i]);
                out.cells.push(a.cells[i]);
                i += 1;
            } else if take_b {
                out.keys.push(b.keys[j]);
                out.cells.push(b.cells[j]);
                j += 1;
            } else {
                let (x, y) = (a.cells[i], b.cells[j]);
                let count = x.count + y.count;
                let mean = (x.mean * f64::from(x.count) + y.mean * f64::from(y.count)) / f64::from(count);
                let first = if id_of(x.first) <= id_of(y.first) { x.first } else { y.first };
                out.keys.push(a.keys[i]);
                let min = Coord { x: x.min.x.min(y.min.x), y: x.min.y.min(y.min.y) };
                let max = Coord { x: x.max.x.max(y.max.x), y: x.max.y.max(y.max.y) };
                out.cells.push(GridCell { count, mean, min, max, first, ..x });
                i += 1;
                j += 1;
            }
        }
        out
    }
}

/// The live points (layer `Incidents`) of a snapshot aggregated on a square grid of 2^level
/// cells per world axis, by [`IndexedIncident::world_point`] (cell = floor(p · 2^level), clamped
/// into the grid). Only non-empty cells are stored, in Morton (Z) order.
pub struct PointGrid {
    pub(super) level: u8,
    pub(super) cells: Arc<Cells>,
    pub(super) base: Arc<ZOrdered>,
    pub(super) delta: Option<Arc<ZOrdered>>,
}

impl std::fmt::Debug for PointGrid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PointGrid").field("level", &self.level).field("cells", &self.cells.cells.len()).finish()
    }
}

impl PointGrid {
    /// Cells per world axis is 2^level.
    pub fn level(&self) -> u8 {
        self.level
    }

    /// All non-empty cells, in Morton order.
    pub fn cells(&self) -> &[GridCell] {
        &self.cells.cells
    }

    /// The lowest-id point of a cell of this grid.
    pub fn first(&self, c: &GridCell) -> &IndexedIncident {
        match &self.delta {
            Some(d) if c.first & DELTA_BIT != 0 => &d.points[(c.first & !DELTA_BIT) as usize],
            _ => &self.base.points[c.first as usize],
        }
    }

    /// The non-empty cells with cx in `cx0..=cx1` and cy in `cy0..=cy1`, in Morton order
    /// (a quadtree descent over the Morton ranges, pruning empty and outside nodes).
    pub fn cells_in(&self, cx0: u32, cx1: u32, cy0: u32, cy1: u32) -> Vec<&GridCell> {
        let mut out = Vec::new();
        if cx0 <= cx1 && cy0 <= cy1 {
            self.visit(&mut out, [cx0, cx1, cy0, cy1], 0, 0, self.level, 0..self.cells.cells.len());
        }
        out
    }

    fn visit<'a>(
        &'a self,
        out: &mut Vec<&'a GridCell>,
        q: [u32; 4],
        nx: u64,
        ny: u64,
        size_log: u8,
        within: std::ops::Range<usize>,
    ) {
        let s = 1u64 << size_log;
        let (x0, y0) = (nx << size_log, ny << size_log);
        let (x1, y1) = (x0 + s - 1, y0 + s - 1);
        let [qx0, qx1, qy0, qy1] = q.map(u64::from);
        if x1 < qx0 || x0 > qx1 || y1 < qy0 || y0 > qy1 {
            return;
        }
        let lo = morton(x0 as u32, y0 as u32);
        let hi = lo + s * s; // exclusive
        let keys = &self.cells.keys[within.clone()];
        let a = within.start + keys.partition_point(|&k| k < lo);
        let b = within.start + keys.partition_point(|&k| k < hi);
        if a == b {
            return;
        }
        if x0 >= qx0 && x1 <= qx1 && y0 >= qy0 && y1 <= qy1 {
            out.extend(&self.cells.cells[a..b]);
            return;
        }
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            self.visit(out, q, nx * 2 + dx, ny * 2 + dy, size_log - 1, a..b);
        }
    }
}

/// Inverse of [`morton`].
fn unmorton(k: u64) -> (u32, u32) {
    fn compact(v: u64) -> u32 {
        let mut x = v & 0x5555_5555_5555_5555;
        x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
        x = (x | (x >> 2)) & 0x0f0f_0f0f_0f0f_0f0f;
        x = (x | (x >> 4)) & 0x00ff_00ff_00ff_00ff;
        x = (x | (x >> 8)) & 0x0000_ffff_0000_ffff;
        x = (x | (x >> 16)) & 0x0000_0000_ffff_ffff;
        x as u32
    }
    (compact(k), compact(k >> 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::inc;
    use crate::index::{proj, Incident, IndexSnapshot, Layer, SpatialIndex};
    use geo_types::{line_string, point};

    #[test]
    fn point_grid_counts_conserve_the_points_and_follow_writes() {
        let mut items: Vec<Incident> = (0..500u64)
            .map(|i| inc(i, point!(x: (i % 50) as f64 * 0.7 - 17.0, y: (i / 50) as f64 * 1.3 - 6.0).into()))
            .collect();
        // a line is not a point: not in the grid
        let l = inc(1000, line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0)].into());
        assert_eq!(l.layer(), Layer::Lines);
        items.push(l);
        let idx = SpatialIndex::from_incidents(items);
        let s = idx.snapshot();
        for level in [0u8, 3, 7, 12] {
            let g = s.point_grid(level);
            assert_eq!(g.cells().iter().map(|c| c.count as usize).sum::<usize>(), 500, "level {level}");
            let n = 1u32 << level;
            assert!(g.cells().iter().all(|c| c.cx < n && c.cy < n));
            // cells_in over the whole grid is every cell; a first-cell mean lies in its cell
            assert_eq!(g.cells_in(0, n - 1, 0, n - 1).len(), g.cells().len());
            // a window query equals the brute-force filter
            let (a, b) = (n / 3, n / 2 + 1);
            let mut got: Vec<(u32, u32)> = g.cells_in(a, b, a / 2, b).iter().map(|c| (c.cx, c.cy)).collect();
            let mut want: Vec<(u32, u32)> = g
                .cells()
                .iter()
                .filter(|c| (a..=b).contains(&c.cx) && (a / 2..=b).contains(&c.cy))
                .map(|c| (c.cx, c.cy))
                .collect();
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "level {level}");
            let c = &g.cells()[0];
            let f = f64::from(n);
            assert!((c.mean.x * f).floor() as u32 == c.cx.min(n - 1) || level == 0);
        }
        assert_eq!(s.point_grid(0).cells().len(), 1);
        let g0 = s.point_grid(0);
        assert_eq!(g0.first(&g0.cells()[0]).incident().id, 0);
        idx.remove(&[0, 1, 2]);
        idx.insert(vec![inc(2000, point!(x: 100.0, y: 50.0).into()), inc(2001, point!(x: 100.0, y: 50.0).into())]);
        let s2 = idx.snapshot();
        let g = s2.point_grid(9);
        assert_eq!(g.cells().iter().map(|c| c.count as usize).sum::<usize>(), 499);
        assert_eq!(s2.len(), 500);
        let g0 = s2.point_grid(0);
        assert_eq!(g0.first(&g0.cells()[0]).incident().id, 3);
        let w = proj::lonlat_to_world(Coord { x: 100.0, y: 50.0 });
        let (cx, cy) = ((w.x * 512.0) as u32, (w.y * 512.0) as u32);
        let hit: Vec<&GridCell> = g.cells_in(cx, cx, cy, cy);
        assert_eq!(hit.len(), 1);
        assert_eq!(hit[0].count, 2);
        assert!((hit[0].mean.x - w.x).abs() < 1e-12);
        // the old snapshot's grid is unchanged
        assert_eq!(s.point_grid(9).cells().iter().map(|c| c.count as usize).sum::<usize>(), 500);
        // separate trees: the shapes query finds the line only, the points query no line
        let all = s.query_world(0.0, 0.0, 1.0, 1.0).len();
        let pts = s.query_world_points(0.0, 0.0, 1.0, 1.0);
        let shapes = s.query_world_shapes(0.0, 0.0, 1.0, 1.0);
        assert_eq!((all, pts.len(), shapes.len()), (501, 500, 1));
        assert_eq!(shapes[0].incident().id, 1000);
    }

    #[test]
    fn point_grid_of_base_plus_delta_equals_a_fresh_build() {
        let pt = |i: u64| inc(i, point!(x: (i % 37) as f64 * 0.9 - 15.0, y: (i % 23) as f64 * 1.1 - 9.0).into());
        let idx = SpatialIndex::from_incidents((0..2000).map(pt).collect());
        for level in [2u8, 9] {
            idx.snapshot().point_grid(level); // the base's cells exist before the writes
        }
        for k in 0..5u64 {
            idx.insert((0..40).map(|j| pt(5000 + k * 40 + j)).collect());
        }
        let s = idx.snapshot();
        assert!(s.dead.is_empty() && !s.delta.entries.is_empty(), "append-only writes stay in the delta");
        let fresh = IndexSnapshot::build(s.iter().map(|e| e.incident().clone()).collect());
        for level in [0u8, 2, 5, 9, 14] {
            let (a, b) = (s.point_grid(level), fresh.point_grid(level));
            assert_eq!(a.cells().len(), b.cells().len(), "level {level}");
            for (x, y) in a.cells().iter().zip(b.cells()) {
                assert_eq!((x.cx, x.cy, x.count), (y.cx, y.cy, y.count), "level {level}");
                assert!((x.mean.x - y.mean.x).abs() < 1e-12 && (x.mean.y - y.mean.y).abs() < 1e-12);
                assert_eq!(a.first(x).incident().id, b.first(y).incident().id, "level {level}");
            }
        }
    }

    #[test]
    fn morton_round_trip() {
        for (x, y) in [(0u32, 0u32), (1, 0), (0, 1), (12345, 67890), ((1 << 30) - 1, (1 << 30) - 1)] {
            assert_eq!(unmorton(morton(x, y)), (x, y));
        }
        assert_eq!(morton(1, 0), 1);
        assert_eq!(morton(0, 1), 2);
        assert_eq!(morton(3, 3), 15);
    }
}
