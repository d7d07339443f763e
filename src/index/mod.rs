//! In-memory spatial index of incidents: immutable snapshots behind an atomic pointer.
//!
//! Contract:
//! - A [`Place`] is one gazetteer place's geometry with everything derived from it once (the
//!   geometry made continuous across the antimeridian, its bounding boxes, the Web Mercator world
//!   geometry and its Douglas–Peucker ranks for the tiles). It is built once per place and shared
//!   by every mention of it ([`SpatialIndex::place`] interns places by gazetteer id), so a country
//!   named in 800 articles is held once, not 800 times.
//! - An [`Incident`] is one mention: a small record (id, place, precision, time, properties of
//!   the incident schema in [`crate::schema`]).
//! - [`IndexSnapshot`] is immutable. Points (layer `Incidents`) are indexed one R-tree entry per
//!   mention; lines and areas one entry per *place* per segment, holding that place's mentions, so
//!   a query for shapes tests each place's geometry once ([`IndexSnapshot::query_world_places`]).
//!   Boxes are in EPSG:3857 metres (rstar 0.14), latitude clamped to ±85.0511; geometries crossing
//!   the antimeridian are indexed with two rectangles, one each side of ±180°.
//!   [`IndexSnapshot::query_bbox_lonlat`] returns exactly the incidents whose geometry intersects
//!   the box (R-tree candidates, then an exact `geo::Intersects` test in lon/lat, once per place),
//!   sorted by id.
//! - Each snapshot lazily aggregates its live points on grids of 2^level cells per axis
//!   ([`IndexSnapshot::point_grid`]: count, mean position and lowest-id point per cell).
//! - [`SpatialIndex`] holds the current `Arc<IndexSnapshot>` in an `ArcSwap`: readers never block
//!   and keep a consistent snapshot for as long as they hold it. Writers are serialised and
//!   publish a new snapshot copy-on-write: a large *base* segment plus a small *delta* segment
//!   and a tombstone set; the delta is rebuilt per write and merged into the base when it grows
//!   past a sixteenth of the base (amortised O(log n) per inserted incident).
//! - Layout: [`Place`] and [`Layer`] in `place`, [`Incident`] and [`IndexedIncident`] in
//!   `incident`, the segments with their per-place groups, [`Summary`] and [`PlaceHit`] in
//!   `segment`, the Z-order [`PointGrid`] in `grid`, [`IndexSnapshot`] and its queries in
//!   `snapshot`; [`SpatialIndex`] (the writers) here. All are re-exported from `crate::index`.
//! - Not for: persistence (that is `store`), tile geometry preparation (that is `tiles`).

pub mod cover;
mod grid;
mod incident;
mod place;
pub mod proj;
mod segment;
pub mod simplify;
mod snapshot;

pub use grid::{GridCell, PointGrid, MAX_GRID_LEVEL};
pub use incident::{Incident, IndexedIncident};
pub use place::{world_x_ranges, Layer, Place, DISPLAY_VERTICES};
pub use segment::{PlaceHit, Summary};
pub use snapshot::IndexSnapshot;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use grid::Grids;
use rayon::prelude::*;
use segment::Segment;

/// Union of lon/lat bboxes of entries, as `[w, s, e, n]` (`w > e` across the antimeridian).
fn touched_bbox<'a>(entries: impl Iterator<Item = &'a IndexedIncident>) -> Option<[f64; 4]> {
    let mut acc: Option<(f64, f64, f64, f64)> = None;
    for e in entries {
        let bb = e.lonlat_bbox();
        // normalise so the west edge lies in [-180, 180)
        let w = proj::wrap_lon(bb.min().x);
        let east = w + (bb.max().x - bb.min().x);
        let (s, n) = (bb.min().y, bb.max().y);
        acc = Some(match acc {
            None => (w, s, east, n),
            Some((aw, as_, ae, an)) => (aw.min(w), as_.min(s), ae.max(east), an.max(n)),
        });
    }
    acc.map(|(w, s, e, n)| {
        let s = s.max(-90.0);
        let n = n.min(90.0);
        if e - w >= 360.0 {
            [-180.0, s, 180.0, n]
        } else if e > 180.0 {
            [w, s, e - 360.0, n]
        } else {
            [w, s, e, n]
        }
    })
}

/// The live index: the current snapshot plus serialised copy-on-write writers.
pub struct SpatialIndex {
    current: ArcSwap<IndexSnapshot>,
    writer: Mutex<()>,
    /// Every place built so far, by gazetteer id: each is built once and shared.
    places: Mutex<HashMap<Arc<str>, Arc<Place>>>,
}

impl Default for SpatialIndex {
    fn default() -> Self {
        Self::new()
    }
}

impl SpatialIndex {
    pub fn new() -> Self {
        SpatialIndex {
            current: ArcSwap::from_pointee(IndexSnapshot::default()),
            writer: Mutex::new(()),
            places: Mutex::new(HashMap::new()),
        }
    }

    /// Bulk-load (e.g. at start-up from the store).
    pub fn from_incidents(incidents: Vec<Incident>) -> Self {
        let idx = SpatialIndex::new();
        idx.current.store(Arc::new(IndexSnapshot::build(incidents)));
        idx
    }

    /// The shared place with gazetteer id `id`, built by `make` the first time it is asked for.
    pub fn place(&self, id: &str, make: impl FnOnce() -> Place) -> Arc<Place> {
        let mut places = self.places.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = places.get(id) {
            return p.clone();
        }
        let p = Arc::new(make());
        places.insert(Arc::from(id), p.clone());
        p
    }

    /// The shared place with gazetteer id `id`, if one was built.
    pub fn known_place(&self, id: &str) -> Option<Arc<Place>> {
        self.places.lock().unwrap_or_else(|e| e.into_inner()).get(id).cloned()
    }

    /// Registers places built elsewhere (e.g. in parallel at start-up) under their ids.
    pub fn add_places(&self, built: impl IntoIterator<Item = Arc<Place>>) {
        let mut places = self.places.lock().unwrap_or_else(|e| e.into_inner());
        for p in built {
            if let Some(id) = p.id.clone() {
                places.insert(id, p);
            }
        }
    }

    /// The current snapshot: a pointer copy, never blocks on writers.
    pub fn snapshot(&self) -> Arc<IndexSnapshot> {
        self.current.load_full()
    }

    /// Replace everything with a bulk-loaded snapshot.
    pub fn replace_all(&self, incidents: Vec<Incident>) {
        let mut snap = IndexSnapshot::build(incidents);
        let _w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        snap.generation = self.current.load().generation + 1;
        self.current.store(Arc::new(snap));
    }

    /// Insert or replace (same id) incidents and publish a new snapshot. Returns the lon/lat bbox
    /// touched (new and replaced geometries; `w > e` across the antimeridian), `None` if empty.
    pub fn insert(&self, incidents: Vec<Incident>) -> Option<[f64; 4]> {
        if incidents.is_empty() {
            return None;
        }
        let fresh: Vec<Arc<IndexedIncident>> = if incidents.len() > 256 {
            incidents.into_par_iter().map(|i| Arc::new(IndexedIncident::new(i))).collect()
        } else {
            incidents.into_iter().map(|i| Arc::new(IndexedIncident::new(i))).collect()
        };
        // one id twice in a batch: the last one wins
        let mut last: HashMap<u64, usize> = HashMap::with_capacity(fresh.len());
        for (i, e) in fresh.iter().enumerate() {
            last.insert(e.incident.id, i);
        }
        let fresh: Vec<Arc<IndexedIncident>> = if last.len() == fresh.len() {
            fresh
        } else {
            fresh.into_iter().enumerate().filter(|(i, e)| last[&e.incident.id] == *i).map(|(_, e)| e).collect()
        };
        let ids: HashSet<u64> = fresh.iter().map(|e| e.incident.id).collect();
        self.write(&ids, fresh)
    }

    /// Remove incidents by id and publish a new snapshot. Returns the lon/lat bbox of what was
    /// removed, `None` if nothing was.
    pub fn remove(&self, ids: &[u64]) -> Option<[f64; 4]> {
        let ids: HashSet<u64> = ids.iter().copied().collect();
        if ids.is_empty() {
            return None;
        }
        self.write(&ids, Vec::new())
    }

    fn write(&self, drop_ids: &HashSet<u64>, fresh: Vec<Arc<IndexedIncident>>) -> Option<[f64; 4]> {
        let _w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let cur = self.current.load_full();
        let mut dead: HashSet<u32> = (*cur.dead).clone();
        let mut touched: Vec<Arc<IndexedIncident>> = Vec::new();
        for id in drop_ids {
            if let Some(&slot) = cur.base.by_id.get(id) {
                if dead.insert(slot) {
                    touched.push(cur.base.entries[slot as usize].clone());
                }
            }
        }
        let delta_hit = cur.delta.entries.iter().any(|e| drop_ids.contains(&e.incident.id));
        if touched.is_empty() && fresh.is_empty() && !delta_hit {
            return None;
        }
        touched.extend(fresh.iter().cloned());
        let live_base = cur.base.entries.len() - dead.len();
        let threshold = (live_base / 16).clamp(512, 32_768);
        let delta_len = cur.delta.entries.len() + fresh.len();
        let next = if delta_len + dead.len() > threshold {
            let mut all: Vec<Arc<IndexedIncident>> = Vec::with_capacity(live_base + delta_len);
            all.extend(
                cur.base
                    .entries
                    .iter()
                    .enumerate()
                    .filter(|(s, _)| !dead.contains(&(*s as u32)))
                    .map(|(_, e)| e.clone()),
            );
            for e in &cur.delta.entries {
                if drop_ids.contains(&e.incident.id) {
                    touched.push(e.clone());
                } else {
                    all.push(e.clone());
                }
            }
            all.extend(fresh);
            IndexSnapshot {
                base: Arc::new(Segment::build(all)),
                delta: Arc::new(Segment::default()),
                dead: Arc::new(HashSet::new()),
                generation: cur.generation + 1,
                extent: std::sync::OnceLock::new(),
                grids: Grids::default(),
                dead_per_group: std::sync::OnceLock::new(),
            }
        } else {
            let delta = if delta_hit {
                // a recent insert was replaced or removed: rebuild the (small) delta
                let mut kept = Vec::with_capacity(delta_len);
                for e in &cur.delta.entries {
                    if drop_ids.contains(&e.incident.id) {
                        touched.push(e.clone());
                    } else {
                        kept.push(e.clone());
                    }
                }
                kept.extend(fresh);
                Segment::build(kept)
            } else {
                // append only: clone the small delta tree and insert into it
                cur.delta.appended(fresh)
            };
            IndexSnapshot {
                base: cur.base.clone(),
                delta: Arc::new(delta),
                dead: Arc::new(dead),
                generation: cur.generation + 1,
                extent: std::sync::OnceLock::new(),
                grids: Grids::default(),
                dead_per_group: std::sync::OnceLock::new(),
            }
        };
        self.current.store(Arc::new(next));
        touched_bbox(touched.iter().map(|e| e.as_ref()))
    }
}

/// An index whose answers mix points and places in id order, for the tests of queries that
/// must agree with [`IndexSnapshot::query_bbox_lonlat`]: a country (20–30° E, 40–50° N) named
/// 400 times, a river across it, a place across the antimeridian (179° E – 179° W), a wide
/// place (150–175° E) that a box crossing the antimeridian meets on both sides, 200 points
/// (some at ±179.9°); then, kept in the delta and the tombstones (no compaction), removals of
/// base mentions of each place, new mentions of them with ids between the base's, a place only
/// in the delta, and mentions replaced (same id) by mentions of another place.
#[cfg(test)]
pub(crate) fn mixed_test_index() -> SpatialIndex {
    use crate::schema::Props;
    use geo_types::{line_string, point, polygon, Geometry};
    let area = |w: f64, s: f64, e: f64, n: f64| -> Arc<Place> {
        let g: Geometry<f64> = polygon![(x: w, y: s), (x: e, y: s), (x: e, y: n), (x: w, y: n)].into();
        Arc::new(Place::anonymous("country", g))
    };
    let country = area(20.0, 40.0, 30.0, 50.0);
    let fiji = area(179.0, -20.0, 181.0, -15.0);
    let wide = area(150.0, 0.0, 175.0, 10.0);
    let only_delta = area(-10.0, 10.0, -5.0, 15.0);
    let river = Arc::new(Place::anonymous("river", line_string![(x: 22.0, y: 41.0), (x: 28.0, y: 49.0)].into()));
    let mk = |id: u64, place: &Arc<Place>| Incident {
        id,
        place: place.clone(),
        precision: 3,
        time: Some(1_600_000_000 + id as i64),
        props: Props::Json(Default::default()),
    };
    let pt = |id: u64, k: u64| {
        let lon = match k % 10 {
            0 => 179.9,
            1 => -179.9,
            _ => (k * 47 % 360) as f64 - 180.0 + 0.5,
        };
        let lat = (k * 13 % 80) as f64 - 30.0 + 0.25;
        mk(id, &Arc::new(Place::anonymous("settlement", point!(x: lon, y: lat).into())))
    };
    // base ids: even, in an order that interleaves the places and the points
    let id = |i: u64| 2 * (i * 37 % 1009);
    let mut base: Vec<Incident> = Vec::new();
    for i in 1..=665u64 {
        base.push(match i {
            1..=400 => mk(id(i), &country),
            401..=430 => mk(id(i), &fiji),
            431..=450 => mk(id(i), &wide),
            451..=465 => mk(id(i), &river),
            _ => pt(id(i), i),
        });
    }
    let idx = SpatialIndex::from_incidents(base);
    // removals of the base: low and high ids of the country, some of each other place, points
    let removed: Vec<u64> = (1..=40u64)
        .map(|i| id(i * 7 % 400 + 1))
        .chain([id(401), id(405), id(431), id(451), id(470), id(471)])
        .collect();
    idx.remove(&removed);
    // new mentions (odd ids, between the base's), a place only in the delta
    let mut fresh: Vec<Incident> = (0..25u64).map(|k| mk(2 * (k * 41 % 1009) + 1, &country)).collect();
    fresh.extend((0..6u64).map(|k| mk(2 * (k * 97 % 1009) + 1, &fiji)));
    fresh.extend((0..4u64).map(|k| mk(2 * (k * 89 % 1009) + 3, &wide)));
    fresh.extend((0..10u64).map(|k| mk(2 * (k * 53 % 1009) + 5, &only_delta)));
    fresh.extend((0..8u64).map(|k| pt(2 * (k * 61 % 1009) + 7, k)));
    idx.insert(fresh);
    // replaced: country mentions become points, points and a river mention become the country
    let mut replaced: Vec<Incident> = (2..=6u64).map(|i| pt(id(i * 50), i)).collect();
    replaced.extend([mk(id(500), &country), mk(id(501), &country), mk(id(452), &country)]);
    idx.insert(replaced);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Props;
    use geo_types::{point, Geometry};

    pub(super) fn inc(id: u64, geometry: Geometry<f64>) -> Incident {
        Incident {
            id,
            place: Arc::new(Place::anonymous("settlement", geometry)),
            precision: 1,
            time: None,
            props: Props::Json(Default::default()),
        }
    }

    #[test]
    fn insert_replace_remove_and_snapshot_isolation() {
        let idx = SpatialIndex::from_incidents(vec![inc(1, point!(x: 10.0, y: 10.0).into())]);
        let before = idx.snapshot();
        let touched = idx.insert(vec![inc(2, point!(x: 20.0, y: 20.0).into())]).unwrap();
        assert_eq!(touched, [20.0, 20.0, 20.0, 20.0]);
        assert_eq!(before.len(), 1);
        assert!(before.get(2).is_none());
        let now = idx.snapshot();
        assert_eq!(now.len(), 2);
        assert!(now.generation() > before.generation());
        // replacing id 1 moves it; the touched bbox covers old and new places
        let t = idx.insert(vec![inc(1, point!(x: 30.0, y: -5.0).into())]).unwrap();
        assert_eq!(t, [10.0, -5.0, 30.0, 10.0]);
        let s = idx.snapshot();
        assert_eq!(s.len(), 2);
        assert!(s.query_bbox_lonlat([9.0, 9.0, 11.0, 11.0]).is_empty());
        assert_eq!(s.query_bbox_lonlat([29.0, -6.0, 31.0, -4.0])[0].id, 1);
        assert!(idx.remove(&[1, 99]).is_some());
        assert!(idx.remove(&[99]).is_none());
        let s = idx.snapshot();
        assert_eq!(s.len(), 1);
        assert!(s.get(1).is_none());
        assert_eq!(s.iter().count(), 1);
    }

    #[test]
    fn many_small_inserts_compact() {
        let idx = SpatialIndex::new();
        for i in 0..3000u64 {
            let lon = (i % 360) as f64 - 180.0;
            idx.insert(vec![inc(i, point!(x: lon, y: 0.0).into())]);
        }
        let s = idx.snapshot();
        assert_eq!(s.len(), 3000);
        assert!(s.delta.entries.len() < 3000);
        assert_eq!(s.query_bbox_lonlat([-180.0, -1.0, 180.0, 1.0]).len(), 3000);
        assert_eq!(s.query_bbox_lonlat([-0.5, -1.0, 0.5, 1.0]).len(), (0..3000).filter(|i| i % 360 == 180).count());
    }
}
