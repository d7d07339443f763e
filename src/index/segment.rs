//! The index's building block: a [`Segment`] of incidents with its two R-trees, the per-place
//! groups of its lines and areas, and what a query returns for such a place ([`PlaceHit`]).
//!
//! Contract: a segment holds its entries by slot (with duplicate ids the last one wins, and
//! `by_id` maps each id to its slot), one points-tree entry per point mention (two across the
//! antimeridian) and one shapes-tree entry per line or area place: its [`Group`], the members'
//! slots in ascending incident id, with what they add up to computed on first use and reset
//! when the members change. A snapshot is a base segment, a delta segment and the base's dead
//! slots (tombstones). A [`PlaceHit`] is one place found by a query with its live mentions in
//! both segments, read in place: the base group's members that are not dead, then the delta
//! group's, each in ascending id; [`PlaceHit::summary`] equals [`Summary::of`] those mentions
//! (from the kept group summaries unless a base mention of the place is dead),
//! [`PlaceHit::len`] their number and [`PlaceHit::lowest`] the first `n` of them by id, neither
//! walking them all. A segment also keeps, on first use, its points in Z order and their
//! cells per grid level (`grid`), so a write, which makes a new delta, does not sort the
//! base's points again.
//! Not for: choosing base or delta (that is [`super::SpatialIndex`]) or exact tests (the
//! snapshot's queries).

use std::collections::HashMap;
use std::sync::Arc;

use super::grid::{Cells, ZOrdered};
use super::{Incident, IndexSnapshot, IndexedIncident, Place, MAX_GRID_LEVEL};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::RTree;

pub(super) type Item = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// The mentions of one line or area place within a segment: one R-tree entry for all of them.
#[derive(Clone)]
pub(super) struct Group {
    pub(super) place: Arc<Place>,
    /// Entry slots, ascending incident id.
    pub(super) members: Vec<u32>,
    /// What all the members add up to, computed on first use (reset when members change).
    summary: std::sync::OnceLock<GroupSummary>,
}

impl Group {
    fn new(place: Arc<Place>, members: Vec<u32>) -> Group {
        Group { place, members, summary: std::sync::OnceLock::new() }
    }

    /// [`Summary`] of all members (dead ones included: the caller checks there are none).
    fn summary(&self, entries: &[Arc<IndexedIncident>]) -> GroupSummary {
        *self.summary.get_or_init(|| {
            let mut s = GroupSummary { count: 0, events: 0, first_time: None, last_time: None, latest: 0 };
            let mut best: Option<(bool, Option<i64>, u64)> = None;
            for &slot in &self.members {
                let inc = entries[slot as usize].incident();
                let r = Summary::rank(inc);
                s.count += 1;
                s.events += usize::from(r.0);
                if let Some(t) = inc.time {
                    s.first_time = Some(s.first_time.map_or(t, |f: i64| f.min(t)));
                    s.last_time = Some(s.last_time.map_or(t, |l: i64| l.max(t)));
                }
                if best.is_none_or(|b| r > b) {
                    best = Some(r);
                    s.latest = slot;
                }
            }
            s
        })
    }
}

#[derive(Clone, Copy)]
struct GroupSummary {
    count: usize,
    events: usize,
    first_time: Option<i64>,
    last_time: Option<i64>,
    /// Slot of the member of highest [`Summary::rank`].
    latest: u32,
}

/// What a line or area place's live mentions add up to (see [`PlaceHit::summary`]).
#[derive(Clone, Copy)]
pub struct Summary<'a> {
    pub count: usize,
    /// Mentions that are event sites (not context).
    pub events: usize,
    pub first_time: Option<i64>,
    pub last_time: Option<i64>,
    /// The mention a place's feature shows: the highest [`Summary::rank`].
    pub latest: &'a IndexedIncident,
}

impl<'a> Summary<'a> {
    /// The order in which a place's mentions stand for it: event sites first, then the latest
    /// time, then the highest id.
    pub fn rank(i: &Incident) -> (bool, Option<i64>, u64) {
        (!i.props.is_context(), i.time, i.id)
    }

    /// The summary of some mentions (`None` when there are none).
    pub fn of(mut mentions: impl Iterator<Item = &'a IndexedIncident>) -> Option<Summary<'a>> {
        let first = mentions.next()?;
        let mut s = Summary {
            count: 1,
            events: usize::from(!first.incident().props.is_context()),
            first_time: first.incident().time,
            last_time: first.incident().time,
            latest: first,
        };
        for m in mentions {
            s.add(m);
        }
        Some(s)
    }

    fn add(&mut self, m: &'a IndexedIncident) {
        let inc = m.incident();
        self.count += 1;
        self.events += usize::from(!inc.props.is_context());
        if let Some(t) = inc.time {
            self.first_time = Some(self.first_time.map_or(t, |f| f.min(t)));
            self.last_time = Some(self.last_time.map_or(t, |l| l.max(t)));
        }
        if Summary::rank(inc) > Summary::rank(self.latest.incident()) {
            self.latest = m;
        }
    }
}

/// A set of incidents with its own R-trees: one entry per point mention (layer `Incidents`), one
/// entry per line or area place ([`Group`]), so a query for one kind never walks the other and a
/// place's geometry is indexed and tested once.
#[derive(Default, Clone)]
pub(super) struct Segment {
    pub(super) entries: Vec<Arc<IndexedIncident>>,
    pub(super) points: RTree<Item>,
    pub(super) shapes: RTree<Item>,
    pub(super) groups: Vec<Group>,
    /// Place (by address of its shared `Arc`) → index in `groups`.
    pub(super) group_of: HashMap<usize, u32>,
    pub(super) by_id: HashMap<u64, u32>,
    /// The segment's points in Z order, and their cells per level: built once per segment on
    /// first use, so a write (a new delta) does not re-sort the base's points.
    pub(super) zorder: std::sync::OnceLock<Arc<ZOrdered>>,
    pub(super) levels: [std::sync::OnceLock<Arc<Cells>>; MAX_GRID_LEVEL as usize + 1],
}

pub(super) fn place_key(p: &Arc<Place>) -> usize {
    Arc::as_ptr(p) as usize
}

impl Segment {
    /// Build from entries; with duplicate ids the last one wins.
    pub(super) fn build(entries: Vec<Arc<IndexedIncident>>) -> Segment {
        let mut by_id: HashMap<u64, u32> = HashMap::with_capacity(entries.len());
        let mut kept: Vec<Arc<IndexedIncident>> = Vec::with_capacity(entries.len());
        for e in entries {
            match by_id.get(&e.incident.id) {
                Some(&slot) => kept[slot as usize] = e,
                None => {
                    by_id.insert(e.incident.id, kept.len() as u32);
                    kept.push(e);
                }
            }
        }
        let mut pts: Vec<Item> = Vec::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut group_of: HashMap<usize, u32> = HashMap::new();
        for (slot, e) in kept.iter().enumerate() {
            if e.is_point() {
                pts.extend(e.place().index_rects().into_iter().map(|r| GeomWithData::new(r, slot as u32)));
            } else {
                let g = *group_of.entry(place_key(e.place())).or_insert_with(|| {
                    groups.push(Group::new(e.place().clone(), Vec::new()));
                    (groups.len() - 1) as u32
                });
                groups[g as usize].members.push(slot as u32);
            }
        }
        for g in &mut groups {
            g.members.sort_unstable_by_key(|&s| kept[s as usize].incident.id);
        }
        let shapes: Vec<Item> = groups
            .iter()
            .enumerate()
            .flat_map(|(i, g)| g.place.index_rects().into_iter().map(move |r| GeomWithData::new(r, i as u32)))
            .collect();
        Segment {
            entries: kept,
            points: RTree::bulk_load(pts),
            shapes: RTree::bulk_load(shapes),
            groups,
            group_of,
            by_id,
            ..Default::default()
        }
    }

    /// All the segment's points (dead ones included) in Z order.
    pub(super) fn zordered(&self) -> &Arc<ZOrdered> {
        self.zorder.get_or_init(|| Arc::new(ZOrdered::build(self.entries.iter().filter(|e| e.is_point()))))
    }

    /// The cells of [`Self::zordered`] at `level`, `first` tagged with `tag`.
    pub(super) fn cells(&self, level: u8, tag: u32) -> &Arc<Cells> {
        self.levels[level as usize].get_or_init(|| Arc::new(Cells::of(level, self.zordered(), tag)))
    }

    /// A copy with `fresh` appended; no id of `fresh` may be present yet, and `fresh` holds no
    /// id twice (the caller rebuilds instead).
    pub(super) fn appended(&self, fresh: Vec<Arc<IndexedIncident>>) -> Segment {
        let mut seg = self.clone();
        // the grids describe the old contents
        seg.zorder = std::sync::OnceLock::new();
        seg.levels = Default::default();
        for e in fresh {
            let slot = seg.entries.len() as u32;
            if e.is_point() {
                for r in e.place().index_rects() {
                    seg.points.insert(GeomWithData::new(r, slot));
                }
            } else {
                match seg.group_of.get(&place_key(e.place())) {
                    // ids arrive in increasing order in practice; keep members sorted anyway
                    Some(&g) => {
                        let id = e.incident.id;
                        seg.groups[g as usize].summary = std::sync::OnceLock::new();
                        let members = &mut seg.groups[g as usize].members;
                        let at = members.partition_point(|&s| {
                            let other = if s == slot { id } else { seg.entries[s as usize].incident.id };
                            other < id
                        });
                        members.insert(at, slot);
                    }
                    None => {
                        let g = seg.groups.len() as u32;
                        seg.groups.push(Group::new(e.place().clone(), vec![slot]));
                        seg.group_of.insert(place_key(e.place()), g);
                        for r in e.place().index_rects() {
                            seg.shapes.insert(GeomWithData::new(r, g));
                        }
                    }
                }
            }
            seg.by_id.insert(e.incident.id, slot);
            seg.entries.push(e);
        }
        seg
    }
}

/// One line or area place found by a query, with its live mentions (read in place, no copy).
pub struct PlaceHit<'a> {
    pub place: &'a Arc<Place>,
    pub(super) base: Option<&'a Group>,
    /// Index of `base` in the base segment's groups (meaningless without `base`).
    pub(super) base_group: u32,
    pub(super) delta: Option<&'a Group>,
    pub(super) snap: &'a IndexSnapshot,
    /// Lowest live mention id.
    pub(super) first_id: u64,
}

impl<'a> PlaceHit<'a> {
    /// The live mentions: the base segment's then the delta's, each in ascending id.
    pub fn mentions(&self) -> impl Iterator<Item = &'a IndexedIncident> + '_ {
        self.base_mentions().chain(self.delta_mentions())
    }

    /// The live mentions in the base segment, ascending id.
    fn base_mentions(&self) -> impl Iterator<Item = &'a IndexedIncident> + 'a {
        let snap = self.snap;
        let dead = &snap.dead;
        self.base.into_iter().flat_map(move |g| {
            g.members
                .iter()
                .filter(move |s| dead.is_empty() || !dead.contains(s))
                .map(move |&s| snap.base.entries[s as usize].as_ref())
        })
    }

    /// The mentions in the delta segment (all live), ascending id.
    fn delta_mentions(&self) -> impl Iterator<Item = &'a IndexedIncident> + 'a {
        let snap = self.snap;
        self.delta
            .into_iter()
            .flat_map(move |g| g.members.iter().map(move |&s| snap.delta.entries[s as usize].as_ref()))
    }

    /// The `n` live mentions of lowest id, ascending (all of them when there are fewer): the
    /// base's and the delta's ascending mentions merged, reading no further than the `n`th.
    pub fn lowest(&self, n: usize) -> Vec<&'a IndexedIncident> {
        let (mut base, mut delta) = (self.base_mentions().peekable(), self.delta_mentions().peekable());
        let mut out = Vec::with_capacity(n.min(self.len()));
        while out.len() < n {
            let next = match (base.peek(), delta.peek()) {
                (None, None) => break,
                (Some(b), Some(d)) if d.incident.id < b.incident.id => delta.next(),
                (Some(_), _) => base.next(),
                (None, Some(_)) => delta.next(),
            };
            out.extend(next);
        }
        out
    }

    /// What the live mentions add up to: from each segment's summary, kept with the index,
    /// when no base mention of the place was removed (else by walking [`Self::mentions`]).
    pub fn summary(&self) -> Option<Summary<'a>> {
        let snap = self.snap;
        if !snap.dead.is_empty() && self.base.is_some() {
            return Summary::of(self.mentions());
        }
        let part = |g: Option<&Group>, seg: &'a Segment| {
            g.map(|g| {
                let s = g.summary(&seg.entries);
                Summary {
                    count: s.count,
                    events: s.events,
                    first_time: s.first_time,
                    last_time: s.last_time,
                    latest: seg.entries[s.latest as usize].as_ref(),
                }
            })
        };
        match (part(self.base, &snap.base), part(self.delta, &snap.delta)) {
            (Some(a), Some(b)) => Some(Summary {
                count: a.count + b.count,
                events: a.events + b.events,
                first_time: a.first_time.into_iter().chain(b.first_time).min(),
                last_time: a.last_time.max(b.last_time),
                latest: if Summary::rank(b.latest.incident()) > Summary::rank(a.latest.incident()) {
                    b.latest
                } else {
                    a.latest
                },
            }),
            (a, b) => a.or(b).filter(|s| s.count > 0),
        }
    }

    /// Number of live mentions (the base group's members less its dead ones, counted once per
    /// snapshot: [`IndexSnapshot::dead_in_group`], plus the delta group's).
    pub fn len(&self) -> usize {
        let b = self.base.map_or(0, |g| g.members.len() - self.snap.dead_in_group(self.base_group));
        b + self.delta.map_or(0, |g| g.members.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{IndexSnapshot, SpatialIndex};
    use crate::schema::Props;
    use geo_types::{point, polygon, Geometry};

    #[test]
    fn a_places_kept_summary_equals_walking_its_mentions() {
        let area: Geometry<f64> =
            polygon![(x: 44.0, y: 39.0), (x: 46.0, y: 39.0), (x: 46.0, y: 41.0), (x: 44.0, y: 41.0)].into();
        let place = Arc::new(Place::anonymous("country", area));
        let mk = |id: u64, time: Option<i64>| Incident {
            id,
            place: place.clone(),
            precision: 3,
            time,
            props: Props::Json(Default::default()),
        };
        let idx = SpatialIndex::from_incidents(
            (1..=40).map(|i| mk(i, (i % 3 != 0).then_some(1_000 + (i as i64 * 37) % 50))).collect(),
        );
        let check = |label: &str| {
            let snap = idx.snapshot();
            let [x0, y0, x1, y1] = [0.0, 0.0, 1.0, 1.0];
            let hits = snap.query_world_places(x0, y0, x1, y1);
            assert_eq!(hits.len(), 1, "{label}");
            let kept = hits[0].summary().expect("mentions");
            let walked = Summary::of(hits[0].mentions()).expect("mentions");
            assert_eq!(
                (kept.count, kept.events, kept.first_time, kept.last_time, kept.latest.incident().id),
                (walked.count, walked.events, walked.first_time, walked.last_time, walked.latest.incident().id),
                "{label}"
            );
            kept.count
        };
        assert_eq!(check("base only"), 40);
        idx.insert(vec![mk(41, Some(999)), mk(42, None)]);
        assert_eq!(check("base and delta"), 42);
        idx.insert(vec![mk(43, Some(5_000))]);
        assert_eq!(check("a later write to the delta"), 43);
        assert_eq!(
            idx.snapshot().query_world_places(0.0, 0.0, 1.0, 1.0)[0].summary().unwrap().latest.incident().id,
            43
        );
        idx.remove(&[43, 7]);
        assert_eq!(check("after removals"), 41);
    }

    #[test]
    fn a_place_named_many_times_is_one_geometry_and_one_entry() {
        let area: Geometry<f64> =
            polygon![(x: 44.0, y: 39.0), (x: 46.0, y: 39.0), (x: 46.0, y: 41.0), (x: 44.0, y: 41.0)].into();
        let idx = SpatialIndex::new();
        let make = || {
            Place::new(Some("ne-country:ARM"), "Armenia", "country", Arc::new(area.clone()), point!(x: 45.0, y: 40.0))
        };
        let mk = |id: u64| Incident {
            id,
            place: idx.place("ne-country:ARM", make),
            precision: 7,
            time: None,
            props: Props::Json(Default::default()),
        };
        let items: Vec<Incident> = (1..=50).map(mk).collect();
        assert!(items.windows(2).all(|w| Arc::ptr_eq(&w[0].place, &w[1].place)));
        idx.insert(items);
        let s = idx.snapshot();
        assert_eq!((s.len(), s.place_count(), s.shape_entries()), (50, 1, 1));
        // later mentions of the same place join it (delta), and a rebuild keeps one entry
        idx.insert((51..=60).map(mk).collect());
        let s = idx.snapshot();
        assert_eq!(s.place_count(), 1);
        assert!(s.shape_entries() <= 2);
        let hits = s.query_world_places(0.0, 0.0, 1.0, 1.0);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].len(), 60);
        let ids: Vec<u64> = hits[0].mentions().map(|m| m.incident().id).collect();
        assert_eq!(ids, (1..=60).collect::<Vec<u64>>());
        let rebuilt = IndexSnapshot::build(s.iter().map(|e| e.incident().clone()).collect());
        assert_eq!(rebuilt.shape_entries(), 1);
        assert_eq!(rebuilt.query_bbox_lonlat([45.0, 40.0, 45.5, 40.5]).len(), 60);
        idx.remove(&[1, 2, 3]);
        let s = idx.snapshot();
        let hits = s.query_world_places(0.0, 0.0, 1.0, 1.0);
        assert_eq!((hits[0].len(), hits[0].mentions().count()), (57, 57));
        assert_eq!(hits[0].mentions().next().unwrap().incident().id, 4);
    }
}
