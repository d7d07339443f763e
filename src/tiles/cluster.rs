//! Deterministic grid clustering of point incidents for low zooms (supercluster-like output).
//!
//! Contract: at zoom z the world is cut into square cells of [`CELL_UNITS`] tile units (8×8
//! cells per tile, 64 px on a 512 px tile: supercluster's radius-60 neighbourhood), anchored to
//! the global tile grid. All points of a cell form one cluster placed at their centroid (equal
//! weights); a cell with a single point yields that point itself. A cell's result depends only
//! on the points inside it, so neighbouring tiles agree on every cluster (same id, same
//! position, same count) and the output is independent of input order. Cluster ids are
//! `2^62 | z << 50 | cy << 25 | cx`, disjoint from mention ids below 2^62.
//! Not for: choosing zooms (the caller clusters for z ≤ `CLUSTER_MAX_ZOOM`) or encoding.

use std::collections::BTreeMap;

use geo_types::Coord;

use super::grid::{TileId, BUFFER, EXTENT};

/// Cell size in tile units.
pub const CELL_UNITS: u32 = 512;
/// Highest zoom clustered by default.
pub const CLUSTER_MAX_ZOOM: u8 = 11;

/// One output of the clustering of a tile.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Clustered {
    /// A cell holding one point: the index of that input point.
    Single(usize),
    /// Several points: a cluster at `at` (tile units, rounded), with a stable id.
    Cluster { id: u64, count: usize, at: Coord<i32> },
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

/// The cluster id of cell (cx, cy) at zoom z.
pub fn cluster_id(z: u8, cx: u64, cy: u64) -> u64 {
    (1u64 << 62) | (u64::from(z) << 50) | (cy << 25) | cx
}

/// Cluster `points` (world units, x in [0, 1)) for `tile`. Only clusters whose position falls in
/// the buffered tile are returned, ordered by cell (row-major); callers should pass every point
/// within one cell of the tile (`tile.world_bounds(CELL_UNITS)`).
pub(crate) fn cluster(tile: &TileId, points: &[Coord<f64>]) -> Vec<Clustered> {
    let cells_per_tile = f64::from(EXTENT / CELL_UNITS);
    let n_cells = tile.n() * cells_per_tile; // cells per world axis
    let n_cells_i = n_cells as u64;
    // the world copy nearest the tile: shift wrapped points next to it
    let tile_cx = (f64::from(tile.x) + 0.5) / tile.n();
    struct Acc {
        count: usize,
        sx: f64,
        sy: f64,
        first: usize,
    }
    let mut cells: BTreeMap<(u64, u64), Acc> = BTreeMap::new();
    for (i, p) in points.iter().enumerate() {
        let mut x = p.x;
        if x - tile_cx > 0.5 {
            x -= 1.0;
        } else if tile_cx - x > 0.5 {
            x += 1.0;
        }
        let cx = ((p.x * n_cells).floor().max(0.0) as u64).min(n_cells_i - 1);
        let cy = ((p.y * n_cells).floor().max(0.0) as u64).min(n_cells_i - 1);
        let a = cells.entry((cy, cx)).or_insert(Acc { count: 0, sx: 0.0, sy: 0.0, first: i });
        a.count += 1;
        a.sx += x;
        a.sy += p.y;
    }
    let lo = -f64::from(BUFFER);
    let hi = f64::from(EXTENT + BUFFER);
    let mut out = Vec::with_capacity(cells.len());
    for ((cy, cx), a) in cells {
        let c = Coord { x: a.sx / a.count as f64, y: a.sy / a.count as f64 };
        let t = tile.to_tile(c, 0.0);
        if !(lo..=hi).contains(&t.x) || !(lo..=hi).contains(&t.y) {
            continue;
        }
        if a.count == 1 {
            out.push(Clustered::Single(a.first));
        } else {
            out.push(Clustered::Cluster {
                id: cluster_id(tile.z, cx, cy),
                count: a.count,
                at: Coord { x: t.x.round() as i32, y: t.y.round() as i32 },
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn abbreviations() {
        assert_eq!(abbreviate(999), "999");
        assert_eq!(abbreviate(1234), "1.2k");
        assert_eq!(abbreviate(2000), "2k");
        assert_eq!(abbreviate(15_400), "15k");
    }

    #[test]
    fn deterministic_and_counts_sum() {
        let tile = TileId::new(3, 4, 2).unwrap();
        let [x0, y0, x1, y1] = tile.world_bounds(0.0);
        let mut seed = 42;
        let pts: Vec<Coord<f64>> = (0..5000)
            .map(|_| Coord { x: x0 + (x1 - x0) * lcg(&mut seed), y: y0 + (y1 - y0) * lcg(&mut seed) })
            .collect();
        let a = cluster(&tile, &pts);
        let mut rev = pts.clone();
        rev.reverse();
        let b = cluster(&tile, &rev);
        let summary = |v: &[Clustered]| -> Vec<(u64, usize)> {
            v.iter()
                .map(|c| match c {
                    Clustered::Single(i) => (0, *i),
                    Clustered::Cluster { id, count, .. } => (*id, *count),
                })
                .collect()
        };
        // same clusters whatever the input order
        let (sa, sb) = (summary(&a), summary(&b));
        assert_eq!(sa.iter().filter(|c| c.0 != 0).collect::<Vec<_>>(), sb.iter().filter(|c| c.0 != 0).collect::<Vec<_>>());
        assert_eq!(a, cluster(&tile, &pts));
        let total: usize = a
            .iter()
            .map(|c| match c {
                Clustered::Single(_) => 1,
                Clustered::Cluster { count, .. } => *count,
            })
            .sum();
        assert_eq!(total, 5000);
        assert!(a.len() <= 64);
    }

    #[test]
    fn neighbouring_tiles_agree_on_a_border_cluster() {
        // points straddling nothing: a cell just west of the border between tiles 5/10/10 and 5/11/10
        let left = TileId::new(5, 10, 10).unwrap();
        let right = TileId::new(5, 11, 10).unwrap();
        let [_, y0, x1, _] = left.world_bounds(0.0);
        let cell = 1.0 / (32.0 * 8.0);
        let pts: Vec<Coord<f64>> =
            (0..10).map(|i| Coord { x: x1 - cell * 0.01 * f64::from(i + 1), y: y0 + cell * 0.5 }).collect();
        let a = cluster(&left, &pts);
        let b = cluster(&right, &pts);
        let (Clustered::Cluster { id: ia, count: ca, at: pa }, Clustered::Cluster { id: ib, count: cb, at: pb }) =
            (&a[0], &b[0])
        else {
            panic!("{a:?} {b:?}")
        };
        assert_eq!((ia, ca), (ib, cb));
        assert_eq!(pa.x - 4096, pb.x);
        assert_eq!(pa.y, pb.y);
    }
}
