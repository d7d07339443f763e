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
    /// Several points: a cluster at `at` (tile units, rounded), with a stable id.
    Cluster { id: u64, count: usize, at: Coord<i32> },
}

impl PartialEq for Clustered<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Clustered::Single(a), Clustered::Single(b)) => a.incident().id == b.incident().id,
            (Clustered::Cluster { id: a, count: ca, at: pa }, Clustered::Cluster { id: b, count: cb, at: pb }) => {
                (a, ca, pa) == (b, cb, pb)
            }
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

/// Cluster the snapshot's points for `tile`, from the snapshot's precomputed point grid at
/// 2^(z+3) cells per axis ([`IndexSnapshot::point_grid`], built once per snapshot and zoom).
/// Only clusters whose position falls in the buffered tile are returned, ordered by cell
/// (row-major). The cells looked at are the tile's and one ring around it (wrapping in x).
pub(crate) fn cluster<'a>(snap: &'a IndexSnapshot, tile: &TileId) -> Vec<Clustered<'a>> {
    let per_tile = EXTENT / CELL_UNITS;
    let level = tile.z + per_tile.trailing_zeros() as u8;
    let grid = snap.point_grid(level);
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
    let mut cells: Vec<&GridCell> =
        xr.iter().flat_map(|&(a, b)| grid.cells_in(a as u32, b as u32, cy0 as u32, cy1 as u32)).collect();
    cells.sort_unstable_by_key(|c| (c.cy, c.cx));
    // the world copy nearest the tile: shift wrapped cells next to it
    let tile_cx = (f64::from(tile.x) + 0.5) / tile.n();
    let lo = -f64::from(BUFFER);
    let hi = f64::from(EXTENT + BUFFER);
    let mut out = Vec::with_capacity(cells.len());
    for c in cells {
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
            out.push(Clustered::Single(grid.first(c)));
        } else {
            out.push(Clustered::Cluster {
                id: cluster_id(tile.z, u64::from(c.cx), u64::from(c.cy)),
                count: c.count as usize,
                at: Coord { x: t.x.round() as i32, y: t.y.round() as i32 },
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
                    Clustered::Cluster { id, count, at } => {
                        Some(Clustered::Cluster { id: *id, count: *count, at: *at })
                    }
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
        let (Clustered::Cluster { id: ia, count: ca, at: pa }, Clustered::Cluster { id: ib, count: cb, at: pb }) =
            (&a[0], &b[0])
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
}
