//! Clipping to the buffered tile: step 3 of [`super::prepare`]'s contract, in tile coordinates.
//!
//! Contract: the buffered tile is the square [`LO`]…[`HI`] (−64…4160) on both axes.
//! [`liang_barsky`] gives the parameter interval of a segment inside it; [`clip_line`] cuts a
//! polyline into its inside runs (a line that leaves and re-enters becomes several parts, each
//! of ≥ 2 points, ends on the buffer edge at the exact crossing points); [`clip_ring`] clips a
//! ring (open or closed) by Sutherland–Hodgman in the order x ≥ lo, x ≤ hi, y ≥ lo, y ≤ hi
//! (the order [`super::prepare::column_piece`] relies on) and returns it open: a concave ring
//! that leaves and re-enters stays one ring, joined along the buffer edge. Coordinates stay
//! f64; no rounding, orientation or degeneracy checks (those are `prepare`'s steps 4 and 5).
//! Not for: points (dropped or kept by `prepare` with the same bounds) or simplification.

use geo_types::Coord;

use super::grid::{BUFFER, EXTENT};

/// Lower bound of the buffered tile, both axes (tile units).
pub(super) const LO: f64 = -(BUFFER as f64);
/// Upper bound of the buffered tile, both axes (tile units).
pub(super) const HI: f64 = (EXTENT + BUFFER) as f64;

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
pub(super) fn clip_ring_with(c: &[Coord<f64>], out: &mut Vec<Coord<f64>>, tmp: &mut Vec<Coord<f64>>) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiles::prepare::round_dedup;

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
}
