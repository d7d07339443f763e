//! Douglas–Peucker ranks: per vertex, the tolerance at which Douglas–Peucker drops it.
//!
//! Contract: [`line_ranks`] and [`ring_ranks`] return, for each vertex of a line or a closed ring,
//! the *squared* distance (in the input's units², as `f32`) such that Douglas–Peucker with
//! tolerance `eps` keeps exactly the vertices whose rank is `> eps²`. The split tree is that of
//! the recursive algorithm (farthest vertex from the chord of the current span, measured to the
//! segment; the first of equals); a vertex's rank is clamped to its parent split's rank, so the
//! filter equals a fresh Douglas–Peucker run at any tolerance. Endpoints rank `f32::INFINITY`; a
//! ring (first == last) is first split at its vertex farthest from the first vertex, which also
//! ranks infinite. [`geometry_ranks`] concatenates the ranks of every line/ring of a geometry in
//! coordinate order (`CoordsIter` order for LineString, MultiLineString, Polygon, MultiPolygon);
//! other geometries get no ranks. Being a uniform-scale invariant, ranks computed in world units
//! serve every zoom (scale the tolerance instead).
//! Not for: clipping, rounding or ring validity (that is `tiles::prepare`).

use geo_types::{Coord, Geometry, LineString};

/// Squared distance from `p` to the segment `a`–`b`.
#[inline]
fn seg_dist2(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let l2 = dx * dx + dy * dy;
    let (mut x, mut y) = (a.x, a.y);
    if l2 > 0.0 {
        let t = ((p.x - a.x) * dx + (p.y - a.y) * dy) / l2;
        if t > 1.0 {
            x = b.x;
            y = b.y;
        } else if t > 0.0 {
            x += dx * t;
            y += dy * t;
        }
    }
    let (ex, ey) = (p.x - x, p.y - y);
    ex * ex + ey * ey
}

/// Rank the interior vertices of `c[i..=j]` (endpoints already ranked), below `parent`.
fn rank_span(c: &[Coord<f64>], out: &mut [f32], i: usize, j: usize, parent: f32, stack: &mut Vec<(usize, usize, f32)>) {
    stack.push((i, j, parent));
    while let Some((i, j, parent)) = stack.pop() {
        if j <= i + 1 {
            continue;
        }
        let (a, b) = (c[i], c[j]);
        let mut best = (0.0f64, i + 1);
        for (k, &p) in c.iter().enumerate().take(j).skip(i + 1) {
            let d = seg_dist2(p, a, b);
            if d > best.0 {
                best = (d, k);
            }
        }
        let r = (best.0 as f32).min(parent);
        out[best.1] = r;
        stack.push((i, best.1, r));
        stack.push((best.1, j, r));
    }
}

/// Douglas–Peucker ranks of an open line (see the module contract).
pub fn line_ranks(c: &[Coord<f64>], out: &mut Vec<f32>) {
    let start = out.len();
    out.resize(start + c.len(), f32::INFINITY);
    if c.len() > 2 {
        let mut stack = Vec::new();
        rank_span(c, &mut out[start..], 0, c.len() - 1, f32::INFINITY, &mut stack);
    }
}

/// Douglas–Peucker ranks of a ring (first == last, or open; see the module contract).
pub fn ring_ranks(c: &[Coord<f64>], out: &mut Vec<f32>) {
    let start = out.len();
    out.resize(start + c.len(), f32::INFINITY);
    if c.len() <= 3 {
        return;
    }
    let first = c[0];
    let mut far = (0.0f64, 1usize);
    for (k, p) in c.iter().enumerate().skip(1) {
        let d = (p.x - first.x).powi(2) + (p.y - first.y).powi(2);
        if d > far.0 {
            far = (d, k);
        }
    }
    let n = c.len() - 1;
    let mut stack = Vec::new();
    let o = &mut out[start..];
    rank_span(c, o, 0, far.1, f32::INFINITY, &mut stack);
    rank_span(c, o, far.1, n, f32::INFINITY, &mut stack);
}

/// Ranks of every line/ring of a geometry, in coordinate order (empty for other geometries).
pub fn geometry_ranks(g: &Geometry<f64>) -> Vec<f32> {
    let mut out = Vec::new();
    let rings = |ls: &LineString<f64>, out: &mut Vec<f32>| ring_ranks(&ls.0, out);
    match g {
        Geometry::LineString(l) => line_ranks(&l.0, &mut out),
        Geometry::MultiLineString(m) => m.0.iter().for_each(|l| line_ranks(&l.0, &mut out)),
        Geometry::Polygon(p) => std::iter::once(p.exterior()).chain(p.interiors()).for_each(|r| rings(r, &mut out)),
        Geometry::MultiPolygon(m) => {
            for p in &m.0 {
                std::iter::once(p.exterior()).chain(p.interiors()).for_each(|r| rings(r, &mut out));
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Simplify;

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn ranks_of_a_known_line() {
        // (0,0) (1,0.5) (2,0) (3,2) (4,0): the split is at (3,2) (distance 2), then (1,0.5)
        let c: Vec<Coord<f64>> =
            [(0.0, 0.0), (1.0, 0.5), (2.0, 0.0), (3.0, 2.0), (4.0, 0.0)].iter().map(|&(x, y)| Coord { x, y }).collect();
        let mut r = Vec::new();
        line_ranks(&c, &mut r);
        assert_eq!(r[0], f32::INFINITY);
        assert_eq!(r[4], f32::INFINITY);
        assert_eq!(r[3], 4.0);
        // span (0,0)-(3,2): (2,0) is farthest, 4/sqrt(13) → 16/13
        assert!((f64::from(r[2]) - 16.0 / 13.0).abs() < 1e-6, "{r:?}");
        // then span (0,0)-(2,0): (1,0.5) at 0.5 → 0.25 (below its parent's 16/13)
        assert_eq!(r[1], 0.25, "{r:?}");
    }

    #[test]
    fn filter_matches_geo_simplify_at_every_tolerance() {
        let mut seed = 3;
        for _ in 0..40 {
            let mut y = 0.0;
            let c: Vec<Coord<f64>> = (0..120)
                .map(|i| {
                    y += lcg(&mut seed) - 0.5;
                    Coord { x: f64::from(i) * 0.3 + lcg(&mut seed) * 0.1, y }
                })
                .collect();
            let mut r = Vec::new();
            line_ranks(&c, &mut r);
            for eps in [0.05, 0.2, 0.7, 2.0] {
                let kept: Vec<Coord<f64>> =
                    c.iter().zip(&r).filter(|(_, &k)| f64::from(k) > eps * eps).map(|(p, _)| *p).collect();
                let want = LineString(c.clone()).simplify(eps).0;
                assert_eq!(kept, want, "eps {eps}");
            }
        }
    }

    #[test]
    fn ring_keeps_first_and_farthest() {
        let c: Vec<Coord<f64>> = (0..=64)
            .map(|k| {
                let a = std::f64::consts::TAU * f64::from(k % 64) / 64.0;
                Coord { x: a.cos(), y: a.sin() }
            })
            .collect();
        let r = geometry_ranks(&Geometry::Polygon(geo_types::Polygon::new(LineString(c.clone()), vec![])));
        assert_eq!(r.len(), 65);
        assert_eq!((r[0], r[32], r[64]), (f32::INFINITY, f32::INFINITY, f32::INFINITY));
        // a coarse tolerance keeps a small polygon, a fine one nearly everything
        let kept = |eps: f64| r.iter().filter(|&&k| f64::from(k) > eps * eps).count();
        assert!((4..=10).contains(&kept(0.1)), "{}", kept(0.1));
        assert_eq!(kept(1e-6), 65);
        assert_eq!(kept(10.0), 3);
    }
}
