//! Deterministic grid clustering of point incidents for low zooms (supercluster-like output).
//!
//! Contract: at zoom z the world is cut into square cells of [`CELL_UNITS`] tile units (8×8
//! cells per tile, 64 px on a 512 px tile: supercluster's radius-60 neighbourhood), anchored to
//! the global tile grid. All points of a cell form one cluster placed at their centroid (equal
//! weights); a cell with a single point yields that point itself. A cell's result depends only
//! on the points inside it, so neighbouring tiles agree on every cluster (same id, same
//! position, same count) and the output is independent of input order. Cluster ids number the
//! cells of every level in turn from [`CLUSTER_ID_BASE`] = 2^52 (level by level, row-major:
//! [`cluster_id`]), so they are unique across zooms, disjoint from mention ids below 2^52, and
//! at most 2^53 — exact as a JavaScript number (a decoder reads ids as doubles). The cells come from the
//! snapshot's point grid ([`crate::index::IndexSnapshot::point_grid`], computed once per snapshot
//! and zoom), so a tile reads its cells instead of clustering its points.
//! Not for: choosing zooms (the caller clusters for z ≤ `CLUSTER_MAX_ZOOM`) or encoding.

use geo_types::Coord;

use super::grid::{TileId, BUFFER, EXTENT};
use crate::index::{GridCell, IndexSnapshot, IndexedIncident};

/// Cell size in tile units.
pub const CELL_UNITS: u32 = 512;
/// Highest zoom clustered by default.
pub const CLUSTER_MAX_ZOOM: u8 = 11;

/// One output of the clustering of a tile.
#[derive(Debug, Clone)]
pub(crate) enum Clustered<'a> {
    /// A cell holding one point: that point.
    Single(&'a IndexedIncident),
    /// Several points: a cluster at `at` (tile units, rounded), with a stable id, the lon/lat
    /// bounds `[w, s, e, n]` of its points and the zoom at which it splits.
    Cluster { id: u64, count: usize, at: Coord<i32>, bbox: [f64; 4], expansion_zoom: u8 },
}

impl PartialEq for Clustered<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Clustered::Single(a), Clustered::Single(b)) => a.incident().id == b.incident().id,
            (
                Clustered::Cluster { id: a, count: ca, at: pa, expansion_zoom: za, .. },
                Clustered::Cluster { id: b, count: cb, at: pb, expansion_zoom: zb, .. },
            ) => (a, ca, pa, za) == (b, cb, pb, zb),
            _ => false,
        }
    }
}

/// `point_count_abbreviated` as supercluster writes it: 950, 1.2k, 15k.
pub fn abbreviate(count: usize) -> String {
    if count >= 10_000 {
        format!("{}k", (count as f64 / 1000.0).round())
    } else if count >= 1000 {
        let v = (count as f64 / 100.0).round() / 10.0;
        format!("{v}k")
    } else {
        count.to_string()
    }
}

/// First cluster id; mention ids stay below it.
pub const CLUSTER_ID_BASE: u64 = 1 << 52;

/// Cell levels below a tile's zoom: 2^3 = 8 cells per tile axis.
const LEVELS_PER_TILE: u32 = (EXTENT / CELL_UNITS).trailing_zeros();

/// The cluster id of cell (cx, cy) of zoom z's grid (2^(z+3) cells an axis): the cells of the
/// coarser levels, (4^level - 1) / 3 of them, come first. For z ≤ 22 (level ≤ 25) every id lies
/// in 2^52 .. 2^52 + 4^26 / 3 < 2^53.
pub fn cluster_id(z: u8, cx: u64, cy: u64) -> u64 {
    let level = u32::from(z) + LEVELS_PER_TILE;
    let before = ((1u64 << (2 * level)) - 1) / 3;
    CLUSTER_ID_BASE + before + (cy << level) + cx
}

/// The ranges of cell columns (wrapping in x) and the row range a tile's clustering looks at:
/// the tile's cells and one ring around it, at grid level `tile.z + 3`.
fn cell_ranges(tile: &TileId) -> (u8, Vec<(u32, u32)>, (u32, u32)) {
    let per_tile = EXTENT / CELL_UNITS;
    let level = tile.z + per_tile.trailing_zeros() as u8;
    let n = 1i64 << level;
    let per = i64::from(per_tile);
    let (cx0, cx1) = (i64::from(tile.x) * per - 1, i64::from(tile.x) * per + per);
    let (cy0, cy1) = ((i64::from(tile.y) * per - 1).max(0), (i64::from(tile.y) * per + per).min(n - 1));
    let xr: Vec<(i64, i64)> = if cx1 - cx0 + 1 >= n {
        vec![(0, n - 1)]
    } else if cx0 < 0 {
        vec![(cx0 + n, n - 1), (0, cx1)]
    } else if cx1 >= n {
        vec![(cx0, n - 1), (0, cx1 - n)]
    } else {
        vec![(cx0, cx1)]
    };
    (level, xr.into_iter().map(|(a, b)| (a as u32, b as u32)).collect(), (cy0 as u32, cy1 as u32))
}

/// Cluster the snapshot's points for `tile`, from the snapshot's precomputed point grid at
/// 2^(z+3) cells per axis ([`IndexSnapshot::point_grid`], built once per snapshot and zoom).
/// Only clusters whose position falls in the buffered tile are returned, ordered by cell
/// (row-major). The cells looked at are the tile's and one ring around it (wrapping in x).
pub(crate) fn cluster<'a>(snap: &'a IndexSnapshot, tile: &TileId) -> Vec<Clustered<'a>> {
    let (level, xr, (cy0, cy1)) = cell_ranges(tile);
    let grid = snap.point_grid(level);
    let cells: Vec<(GridCell, &IndexedIncident)> =
        xr.iter().flat_map(|&(a, b)| grid.cells_in(a, b, cy0, cy1)).map(|c| (*c, grid.first(c))).collect();
    place(cells, level, tile)
}

/// [`cluster`] over only the points `keep` lets through: the same cells (so a cluster of the
/// filtered set is where and what the unfiltered one would be if only those points existed),
/// built from the points of the tile's cells and its ring. Each cell's mean is summed in id
/// order, so neighbouring tiles agree on it.
pub(crate) fn cluster_filtered<'a>(
    snap: &'a IndexSnapshot,
    tile: &TileId,
    keep: &(dyn Fn(&crate::index::Incident) -> bool + Sync),
) -> Vec<Clustered<'a>> {
    let (level, xr, (cy0, cy1)) = cell_ranges(tile);
    let n = f64::from(1u32 << level);
    let max = (1u32 << level) - 1;
    let cell = |v: f64| ((v * n).floor().max(0.0) as u32).min(max);
    let [x0, y0, x1, y1] = tile.world_bounds(f64::from(CELL_UNITS));
    let mut pts: Vec<((u32, u32), &IndexedIncident)> = snap
        .query_world_points(x0, y0, x1, y1)
        .into_iter()
        .filter(|e| keep(e.incident()))
        .map(|e| ((cell(e.world_point().x), cell(e.world_point().y)), e))
        .filter(|&((cx, cy), _)| (cy0..=cy1).contains(&cy) && xr.iter().any(|&(a, b)| (a..=b).contains(&cx)))
        .collect();
    pts.sort_unstable_by_key(|(c, e)| (*c, e.incident().id));
    let cells: Vec<(GridCell, &IndexedIncident)> = pts
        .chunk_by(|a, b| a.0 == b.0)
        .filter_map(|run| {
            let ((cx, cy), first) = run[0];
            GridCell::of_points(cx, cy, run.iter().map(|(_, e)| e.world_point())).map(|c| (c, first))
        })
        .collect();
    place(cells, level, tile)
}

/// The zoom at which a cluster of cell `c` (grid `level` = zoom + 3) parts into several
/// features: the first zoom whose cells split its points, or the first unclustered zoom.
pub fn expansion_zoom(c: &GridCell, level: u8) -> u8 {
    let unclustered = CLUSTER_MAX_ZOOM + 1;
    match c.split_level(level) {
        Some(l) => l.saturating_sub(LEVELS_PER_TILE as u8).min(unclustered),
        None => unclustered,
    }
}

/// Lon/lat bounds `[w, s, e, n]` of a cell's points.
fn lonlat_bbox(c: &GridCell) -> [f64; 4] {
    use super::grid::{world_x_to_lon, world_y_to_lat};
    [world_x_to_lon(c.min.x), world_y_to_lat(c.max.y), world_x_to_lon(c.max.x), world_y_to_lat(c.min.y)]
}

/// Cells (with their lowest-id point) → clusters and single points placed in `tile`.
fn place<'a>(mut cells: Vec<(GridCell, &'a IndexedIncident)>, level: u8, tile: &TileId) -> Vec<Clustered<'a>> {
    cells.sort_unstable_by_key(|(c, _)| (c.cy, c.cx));
    // the world copy nearest the tile: shift wrapped cells next to it
    let tile_cx = (f64::from(tile.x) + 0.5) / tile.n();
    let lo = -f64::from(BUFFER);
    let hi = f64::from(EXTENT + BUFFER);
    let mut out = Vec::with_capacity(cells.len());
    for (c, first) in cells {
        let mut x = c.mean.x;
        if x - tile_cx > 0.5 {
            x -= 1.0;
        } else if tile_cx - x > 0.5 {
            x += 1.0;
        }
        let t = tile.to_tile(Coord { x, y: c.mean.y }, 0.0);
        if !(lo..=hi).contains(&t.x) || !(lo..=hi).contains(&t.y) {
            continue;
        }
        if c.count == 1 {
            out.push(Clustered::Single(first));
        } else {
            out.push(Clustered::Cluster {
                id: cluster_id(tile.z, u64::from(c.cx), u64::from(c.cy)),
                count: c.count as usize,
                at: Coord { x: t.x.round() as i32, y: t.y.round() as i32 },
                bbox: lonlat_bbox(&c),
                expansion_zoom: expansion_zoom(&c, level),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{proj, Incident};
    use geo_types::Point;

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A snapshot of point incidents at world positions, ids from 1.
    fn snap(world: &[Coord<f64>]) -> IndexSnapshot {
        IndexSnapshot::build(
            world
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let p = Point::new(proj::world_x_to_lon(w.x), proj::world_y_to_lat(w.y));
                    Incident::anonymous(i as u64 + 1, p.into(), "settlement", 1, None, Default::default())
                })
                .collect(),
        )
    }

    #[test]
    fn cluster_ids_are_unique_and_exact_in_javascript() {
        let max = |z: u8| (1u64 << (u32::from(z) + LEVELS_PER_TILE)) - 1;
        // the last cell of a level and the first of the next are neighbours, never equal
        for z in 0..22u8 {
            assert_eq!(cluster_id(z, max(z), max(z)) + 1, cluster_id(z + 1, 0, 0));
            assert!(cluster_id(z, 1, 0) > cluster_id(z, 0, 0) && cluster_id(z, 0, 1) > cluster_id(z, max(z), 0));
        }
        assert_eq!(cluster_id(0, 0, 0), CLUSTER_ID_BASE + (1 + 4 + 16));
        assert!(cluster_id(22, max(22), max(22)) < 1 << 53);
        // the ids of z0's cells are distinct as doubles (they were not when they were ~2^62)
        let ids: std::collections::HashSet<u64> =
            (0..8).flat_map(|y| (0..8).map(move |x| cluster_id(0, x, y) as f64 as u64)).collect();
        assert_eq!(ids.len(), 64);
    }

    #[test]
    fn abbreviations() {
        assert_eq!(abbreviate(999), "999");
        assert_eq!(abbreviate(1234), "1.2k");
        assert_eq!(abbreviate(2000), "2k");
        assert_eq!(abbreviate(15_400), "15k");
    }

    fn summary(v: &[Clustered<'_>]) -> Vec<(u64, usize)> {
        v.iter()
            .map(|c| match c {
                Clustered::Single(i) => (0, i.incident().id as usize),
                Clustered::Cluster { id, count, .. } => (*id, *count),
            })
            .collect()
    }

    #[test]
    fn deterministic_and_counts_sum() {
        let tile = TileId::new(3, 4, 2).unwrap();
        let [x0, y0, x1, y1] = tile.world_bounds(0.0);
        let mut seed = 42;
        let pts: Vec<Coord<f64>> = (0..5000)
            .map(|_| Coord { x: x0 + (x1 - x0) * lcg(&mut seed), y: y0 + (y1 - y0) * lcg(&mut seed) })
            .collect();
        let s = snap(&pts);
        let a = cluster(&s, &tile);
        let mut rev = pts.clone();
        rev.reverse();
        let r = snap(&rev);
        let b = cluster(&r, &tile);
        // same clusters (ids, counts, positions) whatever the input order
        let clusters = |v: &[Clustered<'_>]| -> Vec<Clustered<'static>> {
            v.iter()
                .filter_map(|c| match c {
                    Clustered::Cluster { id, count, at, bbox, expansion_zoom } => Some(Clustered::Cluster {
                        id: *id,
                        count: *count,
                        at: *at,
                        bbox: *bbox,
                        expansion_zoom: *expansion_zoom,
                    }),
                    Clustered::Single(_) => None,
                })
                .collect()
        };
        assert_eq!(clusters(&a), clusters(&b));
        assert_eq!(summary(&a), summary(&cluster(&s, &tile)));
        let total: usize = summary(&a).iter().map(|c| if c.0 == 0 { 1 } else { c.1 }).sum();
        assert_eq!(total, 5000);
        assert!(a.len() <= 64);
    }

    #[test]
    fn neighbouring_tiles_agree_on_a_border_cluster() {
        // points in a cell just west of the border between tiles 5/10/10 and 5/11/10
        let left = TileId::new(5, 10, 10).unwrap();
        let right = TileId::new(5, 11, 10).unwrap();
        let [_, y0, x1, _] = left.world_bounds(0.0);
        let cell = 1.0 / (32.0 * 8.0);
        let pts: Vec<Coord<f64>> =
            (0..10).map(|i| Coord { x: x1 - cell * 0.01 * f64::from(i + 1), y: y0 + cell * 0.5 }).collect();
        let s = snap(&pts);
        let a = cluster(&s, &left);
        let b = cluster(&s, &right);
        let (
            Clustered::Cluster { id: ia, count: ca, at: pa, .. },
            Clustered::Cluster { id: ib, count: cb, at: pb, .. },
        ) = (&a[0], &b[0])
        else {
            panic!("{a:?} {b:?}")
        };
        assert_eq!((ia, ca), (ib, cb));
        assert_eq!(*ca, 10);
        assert_eq!(pa.x - 4096, pb.x);
        assert_eq!(pa.y, pb.y);
    }

    #[test]
    fn antimeridian_cell_seen_from_the_other_side_once() {
        // a cluster in the first cell east of -180°: at z0 it is drawn once; at z2 the tile
        // west of the antimeridian (x = 3) sees it in its buffer ring only if near enough
        let pts: Vec<Coord<f64>> = (0..5).map(|i| Coord { x: 1e-6 * f64::from(i + 1), y: 0.5 }).collect();
        let s = snap(&pts);
        let z0 = cluster(&s, &TileId::new(0, 0, 0).unwrap());
        assert_eq!(summary(&z0).len(), 1);
        let east_edge = cluster(&s, &TileId::new(2, 3, 2).unwrap());
        let Clustered::Cluster { count, at, .. } = &east_edge[0] else { panic!("{east_edge:?}") };
        assert_eq!(*count, 5);
        assert_eq!(at.x, 4096);
    }

    #[test]
    fn filtered_clustering_keeping_all_is_the_plain_clustering() {
        let mut seed = 9;
        let pts: Vec<Coord<f64>> =
            (0..3000).map(|_| Coord { x: 0.55 + 0.05 * lcg(&mut seed), y: 0.35 + 0.05 * lcg(&mut seed) }).collect();
        let s = snap(&pts);
        for tile in [TileId::new(2, 2, 1).unwrap(), TileId::new(5, 17, 11).unwrap(), TileId::new(0, 0, 0).unwrap()] {
            let plain = cluster(&s, &tile);
            let all = cluster_filtered(&s, &tile, &|_| true);
            assert_eq!(plain, all, "{tile:?}");
            // keeping the odd ids: the counts add up to the kept points of the same cells
            let odd = cluster_filtered(&s, &tile, &|i| i.id % 2 == 1);
            let total = |v: &[Clustered<'_>]| -> usize {
                v.iter().map(|c| if let Clustered::Cluster { count, .. } = c { *count } else { 1 }).sum()
            };
            assert!(total(&odd) < total(&plain));
            assert!(odd.iter().all(|c| !matches!(c, Clustered::Single(i) if i.incident().id % 2 == 0)));
        }
    }

    #[test]
    fn a_cluster_splits_at_its_expansion_zoom() {
        // two points 1/1000 of the world apart in x, in one z0 cell: at 2^9 cells an axis they
        // share cell 256 (0.5005·512 = 256.26, 0.5015·512 = 256.77), at 2^10 they do not (512.5,
        // 513.5): grid level 10 is zoom 10 - 3 = 7, the expansion zoom
        let s = snap(&[Coord { x: 0.5005, y: 0.5 }, Coord { x: 0.5015, y: 0.5 }]);
        let z0 = cluster(&s, &TileId::new(0, 0, 0).unwrap());
        let Clustered::Cluster { expansion_zoom: ez, count: 2, bbox, .. } = z0[0] else { panic!("{z0:?}") };
        assert_eq!(ez, 7);
        assert!(bbox[0] < bbox[2] && (bbox[1] - bbox[3]).abs() < 1e-9);
        // at the zoom before it they are still one cluster, at it two points
        let at = |z: u8| cluster(&s, &super::super::grid::tile_for_lonlat(0.4, 0.0, z));
        assert_eq!(at(ez - 1).len(), 1);
        assert_eq!(at(ez).len(), 2);
        // points at one position never split while clustered
        let same = snap(&[Coord { x: 0.3, y: 0.3 }, Coord { x: 0.3, y: 0.3 }]);
        let c = cluster(&same, &TileId::new(0, 0, 0).unwrap());
        assert!(matches!(c[0], Clustered::Cluster { expansion_zoom, .. } if expansion_zoom == CLUSTER_MAX_ZOOM + 1));
    }
}
