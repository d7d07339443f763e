//! [`IndexSnapshot`]: an immutable, consistent view of all incidents, and its queries.
//!
//! Contract: a snapshot is a base segment, a delta segment and the base slots that are dead
//! (removed, or superseded by the delta); what is live is the base without the dead, plus the
//! delta. Queries in world units (x may leave [0, 1]: the world wraps) return bounding-box
//! candidates: points sorted by id, line and area places once each ([`PlaceHit`], ordered by
//! their lowest live mention id) however many rectangles or envelopes meet them. Lon/lat
//! queries ([`IndexSnapshot::query_bbox_lonlat`]; `w > e` crosses the antimeridian) normalise
//! the box into one or two boxes inside ±180° and return exactly the incidents whose geometry
//! intersects it, testing each place's geometry once for all its mentions;
//! [`IndexSnapshot::query_bbox_lonlat_lowest`] gives the same answer's first `n` by id and its
//! length, from each place's count and lowest `n` mentions (not all of them). Bounds, time
//! range, point grids ([`PointGrid`]) and the dead members per place are computed once per
//! snapshot, on first use.
//! Not for: writing (that is [`super::SpatialIndex`], which builds new snapshots).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::grid::{Cells, Grids, ZOrdered, DELTA_BIT};
use super::segment::{place_key, Segment};
use super::{proj, Incident, IndexedIncident, PlaceHit, PointGrid, MAX_GRID_LEVEL};
use geo_types::{Coord, Rect};
use rayon::prelude::*;
use rstar::AABB;

fn world_envelopes(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<AABB<[f64; 2]>> {
    let (y0, y1) = (y0.clamp(0.0, 1.0), y1.clamp(0.0, 1.0));
    let mut out = Vec::with_capacity(2);
    if x1 - x0 >= 1.0 {
        out.push((0.0, 1.0));
    } else {
        if x1 > 0.0 && x0 < 1.0 {
            out.push((x0.max(0.0), x1.min(1.0)));
        }
        if x0 < 0.0 {
            out.push((x0 + 1.0, 1.0));
        }
        if x1 > 1.0 {
            out.push((0.0, x1 - 1.0));
        }
    }
    out.into_iter()
        .map(|(a, b)| AABB::from_corners(proj::world_to_metres(a, y1), proj::world_to_metres(b, y0)))
        .collect()
}

/// An immutable, consistent view of all incidents.
pub struct IndexSnapshot {
    pub(super) base: Arc<Segment>,
    pub(super) delta: Arc<Segment>,
    /// Base slots removed or superseded by the delta.
    pub(super) dead: Arc<HashSet<u32>>,
    pub(super) generation: u64,
    /// Lazily computed [`IndexSnapshot::bounds`] and [`IndexSnapshot::time_range`].
    pub(super) extent: std::sync::OnceLock<Extent>,
    /// Lazily computed [`IndexSnapshot::point_grid`]s, one per level.
    pub(super) grids: Grids,
    /// Per base group with dead members, how many are dead ([`IndexSnapshot::dead_in_group`]).
    pub(super) dead_per_group: std::sync::OnceLock<HashMap<u32, usize>>,
}

/// Spatial and temporal extent of a snapshot's live incidents.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Extent {
    bounds: Option<[f64; 4]>,
    time: Option<(i64, i64)>,
}

impl Default for IndexSnapshot {
    fn default() -> Self {
        IndexSnapshot {
            base: Arc::new(Segment::default()),
            delta: Arc::new(Segment::default()),
            dead: Arc::new(HashSet::new()),
            generation: 0,
            extent: std::sync::OnceLock::new(),
            grids: Grids::default(),
            dead_per_group: std::sync::OnceLock::new(),
        }
    }
}

impl std::fmt::Debug for IndexSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexSnapshot").field("len", &self.len()).field("generation", &self.generation).finish()
    }
}

impl IndexSnapshot {
    /// Build a snapshot from scratch (bulk load); with duplicate ids the last one wins.
    pub fn build(incidents: Vec<Incident>) -> IndexSnapshot {
        let entries: Vec<Arc<IndexedIncident>> =
            incidents.into_par_iter().map(|i| Arc::new(IndexedIncident::new(i))).collect();
        IndexSnapshot { base: Arc::new(Segment::build(entries)), ..Default::default() }
    }

    /// Number of live incidents.
    pub fn len(&self) -> usize {
        self.base.entries.len() - self.dead.len() + self.delta.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Increases with every published write; used to keep tile caches coherent.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn get(&self, id: u64) -> Option<&Incident> {
        self.get_indexed(id).map(IndexedIncident::incident)
    }

    pub fn get_indexed(&self, id: u64) -> Option<&IndexedIncident> {
        if let Some(&slot) = self.delta.by_id.get(&id) {
            return Some(&self.delta.entries[slot as usize]);
        }
        match self.base.by_id.get(&id) {
            Some(slot) if !self.dead.contains(slot) => Some(&self.base.entries[*slot as usize]),
            _ => None,
        }
    }

    /// All live incidents (base order, then the most recent inserts).
    pub fn iter(&self) -> impl Iterator<Item = &IndexedIncident> + '_ {
        let dead = &self.dead;
        self.base
            .entries
            .iter()
            .enumerate()
            .filter(move |(slot, _)| !dead.contains(&(*slot as u32)))
            .map(|(_, e)| e.as_ref())
            .chain(self.delta.entries.iter().map(|e| e.as_ref()))
    }

    /// Lon/lat bounds `[w, s, e, n]` of all live incidents (longitudes within ±180; the full
    /// longitude range when something crosses the antimeridian), or `None` when empty.
    /// Computed once per snapshot.
    pub fn bounds(&self) -> Option<[f64; 4]> {
        self.extent.get_or_init(|| self.compute_extent()).bounds
    }

    /// Earliest and latest `time` of the live incidents that have one (unix seconds), computed
    /// once per snapshot with [`Self::bounds`].
    pub fn time_range(&self) -> Option<(i64, i64)> {
        self.extent.get_or_init(|| self.compute_extent()).time
    }

    /// The live points aggregated on a grid of 2^`level` cells per axis (see [`PointGrid`]),
    /// built once per snapshot and level on first use: one O(n log n) Z-order sort of the live
    /// points per snapshot, then one O(n) pass per level.
    /// `level` is clamped to [`MAX_GRID_LEVEL`].
    pub fn point_grid(&self, level: u8) -> &PointGrid {
        let level = level.min(MAX_GRID_LEVEL);
        self.grids.levels[level as usize].get_or_init(|| {
            if self.dead.is_empty() {
                // append-only since the base was built: the base's cells (built once per base)
                // plus the small delta's, merged
                let base = self.base.zordered().clone();
                let cells = self.base.cells(level, 0);
                if !self.delta.entries.iter().any(|e| e.is_point()) {
                    return PointGrid { level, cells: cells.clone(), base, delta: None };
                }
                let delta = self.delta.zordered().clone();
                let merged = Cells::merge(cells, self.delta.cells(level, DELTA_BIT), &base, &delta);
                return PointGrid { level, cells: Arc::new(merged), base, delta: Some(delta) };
            }
            // tombstones: the live points sorted afresh (once per snapshot)
            let z = self.grids.sorted.get_or_init(|| {
                let dead = &self.dead;
                let base = self
                    .base
                    .entries
                    .iter()
                    .enumerate()
                    .filter(move |(slot, _)| !dead.contains(&(*slot as u32)))
                    .map(|(_, e)| e);
                Arc::new(ZOrdered::build(base.chain(self.delta.entries.iter()).filter(|e| e.is_point())))
            });
            PointGrid { level, cells: Arc::new(Cells::of(level, z, 0)), base: z.clone(), delta: None }
        })
    }

    fn compute_extent(&self) -> Extent {
        let mut acc: Option<[f64; 4]> = None;
        let mut time: Option<(i64, i64)> = None;
        for e in self.iter() {
            if let Some(t) = e.incident.time {
                time = Some(time.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
            }
            let bb = e.lonlat_bbox();
            let (w, east) =
                if bb.min().x < -180.0 || bb.max().x > 180.0 { (-180.0, 180.0) } else { (bb.min().x, bb.max().x) };
            let s = bb.min().y.max(-90.0);
            let n = bb.max().y.min(90.0);
            acc = Some(match acc {
                None => [w, s, east, n],
                Some(a) => [a[0].min(w), a[1].min(s), a[2].max(east), a[3].max(n)],
            });
        }
        Extent { bounds: acc, time }
    }

    /// Live point mentions whose box meets one of `envs`, sorted by id.
    fn points_in(&self, envs: &[AABB<[f64; 2]>]) -> Vec<&IndexedIncident> {
        let mut out: Vec<&IndexedIncident> = Vec::new();
        for env in envs {
            for it in self.base.points.locate_in_envelope_intersecting(*env) {
                if self.dead.is_empty() || !self.dead.contains(&it.data) {
                    out.push(&self.base.entries[it.data as usize]);
                }
            }
            for it in self.delta.points.locate_in_envelope_intersecting(*env) {
                out.push(&self.delta.entries[it.data as usize]);
            }
        }
        out.sort_unstable_by_key(|e| e.incident.id);
        out.dedup_by_key(|e| e.incident.id);
        out
    }

    /// Line and area places whose box meets one of `envs`, each once with its live mentions
    /// (base and delta together), ordered by their lowest mention id.
    fn places_in(&self, envs: &[AABB<[f64; 2]>]) -> Vec<PlaceHit<'_>> {
        let hits = |seg: &Segment| -> Vec<u32> {
            let mut v: Vec<u32> = envs
                .iter()
                .flat_map(|env| seg.shapes.locate_in_envelope_intersecting(*env).map(|it| it.data))
                .collect();
            // a place indexed with two rectangles (antimeridian) or met by two envelopes: once
            v.sort_unstable();
            v.dedup();
            v
        };
        let (base_hits, delta_hits) = (hits(&self.base), hits(&self.delta));
        let dead = &self.dead;
        let mut paired = vec![false; delta_hits.len()];
        let mut out: Vec<PlaceHit<'_>> = Vec::with_capacity(base_hits.len() + delta_hits.len());
        for g in base_hits {
            let group = &self.base.groups[g as usize];
            let first = group.members.iter().find(|s| dead.is_empty() || !dead.contains(s));
            let mut hit = PlaceHit {
                place: &group.place,
                base: Some(group),
                base_group: g,
                delta: None,
                snap: self,
                first_id: first.map_or(u64::MAX, |&s| self.base.entries[s as usize].incident.id),
            };
            if !delta_hits.is_empty() {
                if let Some(&dg) = self.delta.group_of.get(&place_key(&group.place)) {
                    if let Ok(k) = delta_hits.binary_search(&dg) {
                        paired[k] = true;
                        let d = &self.delta.groups[dg as usize];
                        hit.delta = Some(d);
                        let did = d.members.first().map_or(u64::MAX, |&s| self.delta.entries[s as usize].incident.id);
                        hit.first_id = hit.first_id.min(did);
                    }
                }
            }
            out.push(hit);
        }
        for (k, &dg) in delta_hits.iter().enumerate() {
            if !paired[k] {
                let d = &self.delta.groups[dg as usize];
                let first_id = d.members.first().map_or(u64::MAX, |&s| self.delta.entries[s as usize].incident.id);
                out.push(PlaceHit { place: &d.place, base: None, base_group: 0, delta: Some(d), snap: self, first_id });
            }
        }
        out.retain(|h| h.first_id != u64::MAX);
        out.sort_unstable_by_key(|h| h.first_id);
        out
    }

    /// How many members of the base segment's group `g` are dead: from a count of the dead
    /// slots by group, made once per snapshot on first use (O(dead), not O(members)).
    pub(super) fn dead_in_group(&self, g: u32) -> usize {
        if self.dead.is_empty() {
            return 0;
        }
        let counts = self.dead_per_group.get_or_init(|| {
            let mut counts: HashMap<u32, usize> = HashMap::new();
            for &slot in self.dead.iter() {
                let e = &self.base.entries[slot as usize];
                if e.is_point() {
                    continue;
                }
                if let Some(&g) = self.base.group_of.get(&place_key(e.place())) {
                    *counts.entry(g).or_default() += 1;
                }
            }
            counts
        });
        counts.get(&g).copied().unwrap_or(0)
    }

    /// Number of line/area entries in the R-trees: one per place and segment, however many
    /// mentions the place has.
    pub fn shape_entries(&self) -> usize {
        self.base.shapes.size() + self.delta.shapes.size()
    }

    /// Number of distinct places held by the live incidents (each geometry is held once).
    pub fn place_count(&self) -> usize {
        let mut seen: HashSet<usize> = HashSet::new();
        for e in self.iter() {
            seen.insert(place_key(e.place()));
        }
        seen.len()
    }

    /// Candidates whose bounding box intersects a world-unit envelope (x may leave [0, 1]:
    /// the world wraps), sorted by id. No exact test: this is the tiles' first step.
    pub fn query_world(&self, x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<&IndexedIncident> {
        let mut all = self.query_world_points(x0, y0, x1, y1);
        all.extend(self.query_world_shapes(x0, y0, x1, y1));
        all.sort_unstable_by_key(|e| e.incident.id);
        all
    }

    /// [`Self::query_world`] restricted to points (layer `Incidents`): only the points tree.
    pub fn query_world_points(&self, x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<&IndexedIncident> {
        if !(x0 <= x1 && y0 <= y1) {
            return Vec::new();
        }
        self.points_in(&world_envelopes(x0, y0, x1, y1))
    }

    /// [`Self::query_world`] restricted to lines and areas, as mentions sorted by id.
    pub fn query_world_shapes(&self, x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<&IndexedIncident> {
        let mut out: Vec<&IndexedIncident> =
            self.query_world_places(x0, y0, x1, y1).iter().flat_map(|h| h.mentions().collect::<Vec<_>>()).collect();
        out.sort_unstable_by_key(|e| e.incident.id);
        out
    }

    /// Line and area places whose box intersects a world-unit envelope, each once with its live
    /// mentions; ordered by lowest mention id. No exact test.
    pub fn query_world_places(&self, x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<PlaceHit<'_>> {
        if !(x0 <= x1 && y0 <= y1) {
            return Vec::new();
        }
        self.places_in(&world_envelopes(x0, y0, x1, y1))
    }

    /// Exactly the incidents whose geometry intersects `[w, s, e, n]` (degrees; `w > e` means the
    /// box crosses the antimeridian), sorted by id. A place's geometry is tested once for all
    /// its mentions.
    pub fn query_bbox_lonlat(&self, bbox: [f64; 4]) -> Vec<&Incident> {
        let mut out = self.query_bbox_lonlat_unordered(bbox);
        out.sort_unstable_by_key(|i| i.id);
        out
    }

    /// [`Self::query_bbox_lonlat`] in no particular order (a caller that wants only the first
    /// few by id selects them, rather than sorting a country's every mention).
    pub fn query_bbox_lonlat_unordered(&self, bbox: [f64; 4]) -> Vec<&Incident> {
        let boxes = lonlat_boxes(bbox);
        if boxes.is_empty() {
            return Vec::new();
        }
        let envs = lonlat_envelopes(&boxes);
        let mut out: Vec<&Incident> = self
            .points_in(&envs)
            .into_iter()
            .filter(|e| e.place().intersects_lonlat(&boxes))
            .map(|e| &e.incident)
            .collect();
        for hit in self.places_in(&envs) {
            if hit.place.intersects_lonlat(&boxes) {
                out.extend(hit.mentions().map(|e| &e.incident));
            }
        }
        out
    }

    /// The first `n` incidents of [`Self::query_bbox_lonlat`] (lowest ids, sorted by id) and
    /// how many incidents it returns in all, without walking every mention of a line or area
    /// place: each place that meets the box adds its [`PlaceHit::len`] to the count and at most
    /// its `n` lowest mentions ([`PlaceHit::lowest`]) to the candidates.
    pub fn query_bbox_lonlat_lowest(&self, bbox: [f64; 4], n: usize) -> (Vec<&Incident>, usize) {
        let boxes = lonlat_boxes(bbox);
        if boxes.is_empty() {
            return (Vec::new(), 0);
        }
        let envs = lonlat_envelopes(&boxes);
        let mut out: Vec<&Incident> = Vec::new();
        let mut matched = 0;
        // points come sorted by id: the first n that meet the box are the lowest
        for e in self.points_in(&envs) {
            if e.place().intersects_lonlat(&boxes) {
                matched += 1;
                if out.len() < n {
                    out.push(&e.incident);
                }
            }
        }
        // each place once (places_in: however many rectangles and envelopes meet it)
        for hit in self.places_in(&envs) {
            if hit.place.intersects_lonlat(&boxes) {
                matched += hit.len();
                out.extend(hit.lowest(n).into_iter().map(|e| &e.incident));
            }
        }
        if n < out.len() {
            out.select_nth_unstable_by_key(n, |i| i.id);
            out.truncate(n);
        }
        out.sort_unstable_by_key(|i| i.id);
        (out, matched)
    }
}

/// The R-tree envelopes (metres) of lon/lat boxes inside ±180°.
fn lonlat_envelopes(boxes: &[Rect<f64>]) -> Vec<AABB<[f64; 2]>> {
    boxes
        .iter()
        .flat_map(|b| {
            world_envelopes(
                proj::lon_to_world_x(b.min().x),
                proj::lat_to_world_y(b.max().y),
                proj::lon_to_world_x(b.max().x),
                proj::lat_to_world_y(b.min().y),
            )
        })
        .collect()
}

/// Normalise a query bbox into one or two boxes with longitudes in [-180, 180].
fn lonlat_boxes(bbox: [f64; 4]) -> Vec<Rect<f64>> {
    let [w, s, e, n] = bbox;
    if bbox.iter().any(|v| !v.is_finite()) || s > n {
        return Vec::new();
    }
    let (s, n) = (s.max(-90.0), n.min(90.0));
    let mk = |a: f64, b: f64| Rect::new(Coord { x: a, y: s }, Coord { x: b, y: n });
    if w > e {
        // crosses the antimeridian (RFC 7946 §5.2)
        let ww = if w == 180.0 { 180.0 } else { proj::wrap_lon(w) };
        let ee = if e == 180.0 { 180.0 } else { proj::wrap_lon(e) };
        return vec![mk(ww, 180.0), mk(-180.0, ee)];
    }
    if e - w >= 360.0 {
        return vec![mk(-180.0, 180.0)];
    }
    let w2 = if w == 180.0 { 180.0 } else { proj::wrap_lon(w) };
    let e2 = w2 + (e - w);
    if e2 > 180.0 {
        vec![mk(w2, 180.0), mk(-180.0, e2 - 360.0)]
    } else {
        vec![mk(w2, e2)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::inc;
    use crate::index::Layer;
    use geo_types::{line_string, point, polygon, Geometry};

    #[test]
    fn antimeridian_polygon_found_from_both_sides_and_not_elsewhere() {
        let g: Geometry<f64> =
            polygon![(x: 179.5, y: -1.0), (x: 180.5, y: -1.0), (x: 180.5, y: 1.0), (x: 179.5, y: 1.0)].into();
        let snap = IndexSnapshot::build(vec![inc(1, g)]);
        assert_eq!(snap.query_bbox_lonlat([179.0, -2.0, 179.9, 2.0]).len(), 1);
        assert_eq!(snap.query_bbox_lonlat([-179.9, -2.0, -179.0, 2.0]).len(), 1);
        assert_eq!(snap.query_bbox_lonlat([170.0, -2.0, -170.0, 2.0]).len(), 1);
        assert!(snap.query_bbox_lonlat([0.0, -2.0, 10.0, 2.0]).is_empty());
        assert!(snap.query_bbox_lonlat([-179.4, -2.0, 179.4, 2.0]).is_empty());
        let b = snap.bounds().unwrap();
        assert_eq!((b[0], b[2]), (-180.0, 180.0));
    }

    #[test]
    fn extent_covers_areas_and_dated_incidents_only() {
        let area: Geometry<f64> =
            polygon![(x: 10.0, y: 40.0), (x: 12.0, y: 40.0), (x: 12.0, y: 43.0), (x: 10.0, y: 43.0)].into();
        let mut a = inc(1, area);
        a.time = Some(1_600_000_000);
        let mut b = inc(2, point!(x: -5.0, y: 41.0).into());
        b.time = Some(1_500_000_000);
        let c = inc(3, point!(x: 0.0, y: 50.0).into());
        let snap = IndexSnapshot::build(vec![a, b, c]);
        assert_eq!(snap.bounds(), Some([-5.0, 40.0, 12.0, 50.0]));
        assert_eq!(snap.time_range(), Some((1_500_000_000, 1_600_000_000)));
        assert_eq!(IndexSnapshot::build(vec![]).time_range(), None);
    }

    #[test]
    fn exact_test_rejects_bbox_only_hits() {
        // diagonal line whose bbox covers the query box but the line does not touch it
        let g: Geometry<f64> = line_string![(x: 0.0, y: 0.0), (x: 10.0, y: 10.0)].into();
        let snap = IndexSnapshot::build(vec![inc(7, g)]);
        assert!(snap.query_bbox_lonlat([6.0, 1.0, 9.0, 3.0]).is_empty());
        assert_eq!(snap.query_bbox_lonlat([4.0, 4.0, 6.0, 6.0])[0].id, 7);
    }

    #[test]
    fn the_lowest_of_a_bbox_are_the_first_of_the_sorted_query() {
        let idx = crate::index::mixed_test_index();
        let s = idx.snapshot();
        assert!(!s.dead.is_empty() && !s.delta.entries.is_empty(), "tombstones and a delta");
        let ids = |v: &[&Incident]| v.iter().map(|i| i.id).collect::<Vec<u64>>();
        let boxes = [
            [-180.0, -90.0, 180.0, 90.0],
            [15.0, 35.0, 35.0, 55.0],
            [24.0, 44.0, 25.0, 45.0],
            [21.0, 48.0, 22.0, 49.0],
            [170.0, -30.0, -170.0, 0.0],
            [179.5, -19.0, -179.5, -16.0],
            [170.0, -10.0, 160.0, 12.0],
            [160.0, -25.0, 180.0, 5.0],
            [-12.0, 5.0, -4.0, 16.0],
            [0.0, 0.0, 1.0, 1.0],
        ];
        let mut seen_places = 0;
        for bbox in boxes {
            let want = s.query_bbox_lonlat(bbox);
            assert!(want.windows(2).all(|w| w[0].id < w[1].id), "{bbox:?}: each mention once");
            seen_places += usize::from(want.iter().any(|i| i.layer() != Layer::Incidents));
            for n in [0, 1, 2, 5, 17, 60, 100, 1000, 5000] {
                let (got, matched) = s.query_bbox_lonlat_lowest(bbox, n);
                assert_eq!(matched, want.len(), "{bbox:?} n {n}");
                assert_eq!(ids(&got), ids(&want[..n.min(want.len())]), "{bbox:?} n {n}");
            }
        }
        assert!(seen_places >= 6, "{seen_places}");
        // the cases are there: places met by both halves of a box across the antimeridian
        // (one indexed with two rectangles), with removed mentions and mentions in the delta
        for (bbox, west, live) in
            [([170.0, -10.0, 160.0, 12.0], 150.0, 20 - 1 + 4), ([170.0, -30.0, -170.0, 0.0], 179.0, 30 - 2 + 6)]
        {
            let got = s.query_bbox_lonlat_lowest(bbox, 5000).0;
            let place: Vec<&&Incident> = got.iter().filter(|i| i.place.lonlat_bbox().min().x == west).collect();
            assert_eq!(place.len(), live, "{bbox:?}");
            assert!(lonlat_boxes(bbox).iter().all(|b| place[0].place.intersects_lonlat(&[*b])), "{bbox:?}");
        }
    }

    #[test]
    fn lonlat_boxes_split_at_the_antimeridian() {
        assert_eq!(lonlat_boxes([170.0, 0.0, -170.0, 1.0]).len(), 2);
        assert_eq!(lonlat_boxes([170.0, 0.0, 190.0, 1.0]).len(), 2);
        // a crossing box starting exactly at 180° is not the whole world
        let b = lonlat_boxes([180.0, 0.0, -170.0, 1.0]);
        assert_eq!((b[0].min().x, b[0].max().x, b[1].min().x, b[1].max().x), (180.0, 180.0, -180.0, -170.0));
    }
}
