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
//! - Not for: persistence (that is `store`), tile geometry preparation (that is `tiles`).

pub mod cover;
pub mod proj;
pub mod simplify;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use crate::schema::{Props, Subject};
use arc_swap::ArcSwap;
use geo::{BoundingRect, Intersects, MapCoords};
use geo_types::{Coord, Geometry, Point, Rect};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

/// The MVT layer an incident is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    Incidents,
    Areas,
    Lines,
}

impl Layer {
    /// All layers in tile order.
    pub const ALL: [Layer; 3] = [Layer::Incidents, Layer::Areas, Layer::Lines];

    /// The MVT layer name: `incidents`, `areas` or `lines`.
    pub fn name(self) -> &'static str {
        match self {
            Layer::Incidents => "incidents",
            Layer::Areas => "areas",
            Layer::Lines => "lines",
        }
    }

    /// The layer a geometry is drawn in: polygons → areas, lines → lines, the rest → points.
    pub fn of(g: &Geometry<f64>) -> Layer {
        match g {
            Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => {
                Layer::Areas
            }
            Geometry::LineString(_) | Geometry::MultiLineString(_) | Geometry::Line(_) => Layer::Lines,
            _ => Layer::Incidents,
        }
    }
}

fn has_coords(g: &Geometry<f64>) -> bool {
    use geo::CoordsIter;
    g.coords_iter().next().is_some()
}

/// One place's geometry and everything derived from it, shared by all its mentions.
#[derive(Debug)]
pub struct Place {
    /// Gazetteer id (`None` for features loaded from GeoJSON).
    pub id: Option<Arc<str>>,
    pub name: Arc<str>,
    /// Gazetteer kind (settlement, admin1, country, corridor, ...).
    pub kind: Arc<str>,
    geometry: Arc<Geometry<f64>>,
    point: Point<f64>,
    layer: Layer,
    /// The geometry made continuous across the antimeridian, when that changed it.
    unwrapped: Option<Geometry<f64>>,
    lonlat_bbox: Rect<f64>,
    world: Geometry<f64>,
    world_bbox: Rect<f64>,
    world_point: Coord<f64>,
    /// Douglas–Peucker ranks of `world` ([`simplify::geometry_ranks`]).
    ranks: Vec<f32>,
    /// [`Place::rank_keeping`] of [`DISPLAY_VERTICES`], computed on first use.
    display_rank: std::sync::OnceLock<f32>,
    /// The display geometry serialised once, by whoever first needs it ([`Place::display_json`]).
    display_json: std::sync::OnceLock<Box<serde_json::value::RawValue>>,
    /// [`cover::Cover`] of a line or area, computed on first use ([`Place::cover`]).
    cover: std::sync::OnceLock<Option<cover::Cover>>,
}

/// Two places are equal when their ids, names, kinds, geometries and points are (the rest is
/// derived from those).
impl PartialEq for Place {
    fn eq(&self, o: &Place) -> bool {
        (&self.id, &self.name, &self.kind, &self.geometry, self.point)
            == (&o.id, &o.name, &o.kind, &o.geometry, o.point)
    }
}

/// Vertex budget of a place's display geometry ([`Place::display_rank`]).
pub const DISPLAY_VERTICES: usize = 500;

impl Place {
    /// Derives the unwrapped lon/lat geometry, its bbox, the Web Mercator world geometry and its
    /// ranks. An empty geometry is replaced by the representative point `point`.
    pub fn new(id: Option<&str>, name: &str, kind: &str, geometry: Arc<Geometry<f64>>, point: Point<f64>) -> Place {
        let geometry = if has_coords(&geometry) { geometry } else { Arc::new(Geometry::Point(point)) };
        let layer = Layer::of(&geometry);
        let unwrapped = proj::unwrap_geometry(&geometry);
        let ll = unwrapped.as_ref().unwrap_or(&geometry);
        let lonlat_bbox = ll.bounding_rect().unwrap_or_else(|| Rect::new(point.0, point.0));
        let world = ll.map_coords(proj::lonlat_to_world);
        let world_bbox = world.bounding_rect().unwrap_or_else(|| Rect::new(Coord::zero(), Coord::zero()));
        let p = point.0;
        let world_point = proj::lonlat_to_world(Coord { x: proj::wrap_lon(p.x), y: p.y });
        let ranks = simplify::geometry_ranks(&world);
        Place {
            id: id.map(Arc::from),
            name: Arc::from(name),
            kind: Arc::from(kind),
            geometry,
            point,
            layer,
            unwrapped,
            lonlat_bbox,
            world,
            world_bbox,
            world_point,
            ranks,
            display_rank: std::sync::OnceLock::new(),
            display_json: std::sync::OnceLock::new(),
            cover: std::sync::OnceLock::new(),
        }
    }

    /// The coarse coverage of a line or area (`None` for points), computed once per place.
    pub fn cover(&self) -> Option<&cover::Cover> {
        self.cover.get_or_init(|| cover::Cover::of(&self.world, &self.ranks)).as_ref()
    }

    /// A serialised form of the display geometry, made by `make` on first use and kept with the
    /// place (the OGC items repeat a country's geometry for each of its mentions: it is written
    /// once, then copied).
    pub fn display_json(
        &self,
        make: impl FnOnce(&Place) -> Box<serde_json::value::RawValue>,
    ) -> &serde_json::value::RawValue {
        self.display_json.get_or_init(|| make(self))
    }

    /// The rank threshold that keeps at most `n` vertices besides each line's and ring's
    /// infinitely ranked ones (those ranked above it; see [`simplify`]): 0 when the geometry has
    /// no more than `n` finitely ranked vertices.
    pub fn rank_keeping(&self, n: usize) -> f32 {
        let mut r: Vec<f32> = self.ranks.iter().copied().filter(|r| r.is_finite()).collect();
        if r.len() <= n || n == 0 {
            return 0.0;
        }
        let (_, nth, _) = r.select_nth_unstable_by(n - 1, |a, b| b.total_cmp(a));
        *nth
    }

    /// [`Self::rank_keeping`] of [`DISPLAY_VERTICES`], computed once per place.
    pub fn display_rank(&self) -> f32 {
        *self.display_rank.get_or_init(|| self.rank_keeping(DISPLAY_VERTICES))
    }

    /// A place for a bare geometry (tests, loaded GeoJSON): representative point = the point
    /// itself or the centroid.
    pub fn anonymous(kind: &str, geometry: Geometry<f64>) -> Place {
        let point = match &geometry {
            Geometry::Point(p) => *p,
            other => geo::Centroid::centroid(other).unwrap_or(Point::new(0.0, 0.0)),
        };
        Place::new(None, "", kind, Arc::new(geometry), point)
    }

    /// The geometry as given, WGS84 lon/lat.
    pub fn geometry(&self) -> &Geometry<f64> {
        &self.geometry
    }

    /// Representative point, lon/lat.
    pub fn point(&self) -> Point<f64> {
        self.point
    }

    pub fn layer(&self) -> Layer {
        self.layer
    }

    /// The lon/lat geometry, continuous across the antimeridian (longitudes may leave ±180).
    pub fn lonlat_geometry(&self) -> &Geometry<f64> {
        self.unwrapped.as_ref().unwrap_or(&self.geometry)
    }

    pub fn lonlat_bbox(&self) -> Rect<f64> {
        self.lonlat_bbox
    }

    /// The geometry in Web Mercator world units (see [`proj`]); x may leave [0, 1] for
    /// antimeridian-crossing geometries.
    pub fn world_geometry(&self) -> &Geometry<f64> {
        &self.world
    }

    pub fn world_bbox(&self) -> Rect<f64> {
        self.world_bbox
    }

    /// The representative point in world units, x in [0, 1).
    pub fn world_point(&self) -> Coord<f64> {
        self.world_point
    }

    /// Douglas–Peucker ranks (squared world units) of every vertex of [`Self::world_geometry`]
    /// in coordinate order, see [`simplify`]; empty for points. They also rank the vertices of
    /// [`Self::lonlat_geometry`], which has the same coordinates in the same order.
    pub fn world_ranks(&self) -> &[f32] {
        &self.ranks
    }

    /// The lon/lat bbox as `[w, s, e, n]` with longitudes inside ±180 (`w > e` across the
    /// antimeridian; the whole longitude range for a place that goes round the world).
    pub fn bbox(&self) -> [f64; 4] {
        let bb = self.lonlat_bbox;
        let (s, n) = (bb.min().y.max(-90.0), bb.max().y.min(90.0));
        let width = bb.max().x - bb.min().x;
        if width >= 360.0 {
            return [-180.0, s, 180.0, n];
        }
        let w = if bb.min().x == 180.0 { 180.0 } else { proj::wrap_lon(bb.min().x) };
        let e = w + width;
        if e > 180.0 {
            [w, s, e - 360.0, n]
        } else {
            [w, s, e, n]
        }
    }

    /// The R-tree rectangles (metres), split at the antimeridian.
    fn index_rects(&self) -> Vec<Rectangle<[f64; 2]>> {
        world_x_ranges(self.world_bbox.min().x, self.world_bbox.max().x)
            .into_iter()
            .map(|(x0, x1)| {
                Rectangle::from_corners(
                    proj::world_to_metres(x0, self.world_bbox.max().y),
                    proj::world_to_metres(x1, self.world_bbox.min().y),
                )
            })
            .collect()
    }

    /// Exact test against lon/lat boxes with longitudes inside [-180, 180].
    fn intersects_lonlat(&self, boxes: &[Rect<f64>]) -> bool {
        let g = self.lonlat_geometry();
        let bb = self.lonlat_bbox;
        boxes.iter().any(|b| {
            (-1..=1).any(|k| {
                let dx = f64::from(k) * 360.0;
                let shifted =
                    Rect::new(Coord { x: b.min().x + dx, y: b.min().y }, Coord { x: b.max().x + dx, y: b.max().y });
                shifted.intersects(&bb) && g.intersects(&shifted)
            })
        })
    }
}

/// One located mention of a place in an article: a small record over a shared [`Place`].
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// mention id: MVT feature id and OGC item id, stable
    pub id: u64,
    pub place: Arc<Place>,
    /// UCDP 1..=7
    pub precision: u8,
    /// unix seconds of the article's published date
    pub time: Option<i64>,
    /// the properties of the incident schema ([`crate::schema`])
    pub props: Props,
}

impl Incident {
    /// An incident over its own place (no gazetteer id): loaded GeoJSON, tests, benchmarks. The
    /// representative point is the point itself or the centroid; the layer follows the geometry.
    pub fn anonymous(
        id: u64,
        geometry: Geometry<f64>,
        kind: &str,
        precision: u8,
        time: Option<i64>,
        props: Props,
    ) -> Incident {
        Incident { id, place: Arc::new(Place::anonymous(kind, geometry)), precision, time, props }
    }

    pub fn layer(&self) -> Layer {
        self.place.layer
    }

    pub fn kind(&self) -> &str {
        &self.place.kind
    }

    /// Representative point, lon/lat.
    pub fn point(&self) -> Point<f64> {
        self.place.point
    }

    /// WGS84 lon/lat; Point, LineString, MultiLineString, Polygon, MultiPolygon.
    pub fn geometry(&self) -> &Geometry<f64> {
        &self.place.geometry
    }
}

impl Subject for Incident {
    fn id(&self) -> u64 {
        self.id
    }
    fn place_id(&self) -> Option<&str> {
        self.place.id.as_deref()
    }
    fn place_name(&self) -> &str {
        &self.place.name
    }
    fn kind(&self) -> &str {
        &self.place.kind
    }
    fn precision(&self) -> u8 {
        self.precision
    }
    fn time(&self) -> Option<i64> {
        self.time
    }
    fn point(&self) -> (f64, f64) {
        (self.place.point.x(), self.place.point.y())
    }
    fn props(&self) -> &Props {
        &self.props
    }
}

/// An incident as the index holds it (its derived geometry is its place's).
#[derive(Debug)]
pub struct IndexedIncident {
    incident: Incident,
}

impl IndexedIncident {
    pub fn new(incident: Incident) -> Self {
        IndexedIncident { incident }
    }

    /// Whether the incident is drawn as a point (layer `Incidents`): it lives in the points tree
    /// and in [`IndexSnapshot::point_grid`].
    pub fn is_point(&self) -> bool {
        self.incident.place.layer == Layer::Incidents
    }

    pub fn incident(&self) -> &Incident {
        &self.incident
    }

    pub fn place(&self) -> &Arc<Place> {
        &self.incident.place
    }

    /// See [`Place::world_ranks`].
    pub fn world_ranks(&self) -> &[f32] {
        &self.incident.place.ranks
    }

    /// See [`Place::lonlat_geometry`].
    pub fn lonlat_geometry(&self) -> &Geometry<f64> {
        self.incident.place.lonlat_geometry()
    }

    pub fn lonlat_bbox(&self) -> Rect<f64> {
        self.incident.place.lonlat_bbox
    }

    /// See [`Place::world_geometry`].
    pub fn world_geometry(&self) -> &Geometry<f64> {
        &self.incident.place.world
    }

    pub fn world_bbox(&self) -> Rect<f64> {
        self.incident.place.world_bbox
    }

    /// The representative point in world units, x in [0, 1).
    pub fn world_point(&self) -> Coord<f64> {
        self.incident.place.world_point
    }
}

/// Split a world-x interval (possibly outside [0, 1]) into at most two intervals inside [0, 1].
fn world_x_ranges(x0: f64, x1: f64) -> Vec<(f64, f64)> {
    if !(x0.is_finite() && x1.is_finite()) || x1 - x0 >= 1.0 {
        return vec![(0.0, 1.0)];
    }
    let k = x0.floor();
    let (a, b) = (x0 - k, x1 - k);
    if b > 1.0 {
        vec![(a, 1.0), (0.0, b - 1.0)]
    } else {
        vec![(a, b)]
    }
}

type Item = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// The mentions of one line or area place within a segment: one R-tree entry for all of them.
#[derive(Clone)]
struct Group {
    place: Arc<Place>,
    /// Entry slots, ascending incident id.
    members: Vec<u32>,
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
struct Segment {
    entries: Vec<Arc<IndexedIncident>>,
    points: RTree<Item>,
    shapes: RTree<Item>,
    groups: Vec<Group>,
    /// Place (by address of its shared `Arc`) → index in `groups`.
    group_of: HashMap<usize, u32>,
    by_id: HashMap<u64, u32>,
    /// The segment's points in Z order, and their cells per level: built once per segment on
    /// first use, so a write (a new delta) does not re-sort the base's points.
    zorder: std::sync::OnceLock<Arc<ZOrdered>>,
    levels: [std::sync::OnceLock<Arc<Cells>>; MAX_GRID_LEVEL as usize + 1],
}

fn place_key(p: &Arc<Place>) -> usize {
    Arc::as_ptr(p) as usize
}

impl Segment {
    /// Build from entries; with duplicate ids the last one wins.
    fn build(entries: Vec<Arc<IndexedIncident>>) -> Segment {
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
    fn zordered(&self) -> &Arc<ZOrdered> {
        self.zorder.get_or_init(|| Arc::new(ZOrdered::build(self.entries.iter().filter(|e| e.is_point()))))
    }

    /// The cells of [`Self::zordered`] at `level`, `first` tagged with `tag`.
    fn cells(&self, level: u8, tag: u32) -> &Arc<Cells> {
        self.levels[level as usize].get_or_init(|| Arc::new(Cells::of(level, self.zordered(), tag)))
    }

    /// A copy with `fresh` appended; no id of `fresh` may be present yet, and `fresh` holds no
    /// id twice (the caller rebuilds instead).
    fn appended(&self, fresh: Vec<Arc<IndexedIncident>>) -> Segment {
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
    base: Option<&'a Group>,
    delta: Option<&'a Group>,
    snap: &'a IndexSnapshot,
    /// Lowest live mention id.
    first_id: u64,
}

impl<'a> PlaceHit<'a> {
    /// The live mentions: the base segment's then the delta's, each in ascending id.
    pub fn mentions(&self) -> impl Iterator<Item = &'a IndexedIncident> + '_ {
        let snap = self.snap;
        let dead = &snap.dead;
        let base = self.base.into_iter().flat_map(move |g| {
            g.members
                .iter()
                .filter(move |s| dead.is_empty() || !dead.contains(s))
                .map(move |&s| snap.base.entries[s as usize].as_ref())
        });
        let delta = self
            .delta
            .into_iter()
            .flat_map(move |g| g.members.iter().map(move |&s| snap.delta.entries[s as usize].as_ref()));
        base.chain(delta)
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

    /// Number of live mentions.
    pub fn len(&self) -> usize {
        let dead = &self.snap.dead;
        let b = self.base.map_or(0, |g| {
            if dead.is_empty() {
                g.members.len()
            } else {
                g.members.iter().filter(|s| !dead.contains(s)).count()
            }
        });
        b + self.delta.map_or(0, |g| g.members.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

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
    base: Arc<Segment>,
    delta: Arc<Segment>,
    /// Base slots removed or superseded by the delta.
    dead: Arc<HashSet<u32>>,
    generation: u64,
    /// Lazily computed [`IndexSnapshot::bounds`] and [`IndexSnapshot::time_range`].
    extent: std::sync::OnceLock<Extent>,
    /// Lazily computed [`IndexSnapshot::point_grid`]s, one per level.
    grids: Grids,
}

/// The live points in Z order, then one lazily built [`PointGrid`] per level
/// 0..=[`MAX_GRID_LEVEL`] derived from it.
#[derive(Default)]
struct Grids {
    sorted: std::sync::OnceLock<Arc<ZOrdered>>,
    levels: [std::sync::OnceLock<PointGrid>; MAX_GRID_LEVEL as usize + 1],
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
struct ZOrdered {
    keys: Vec<u64>,
    points: Vec<Arc<IndexedIncident>>,
}

impl ZOrdered {
    fn build<'a>(points: impl Iterator<Item = &'a Arc<IndexedIncident>>) -> ZOrdered {
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
const DELTA_BIT: u32 = 1 << 31;

/// The non-empty cells of one level over one Z-ordered point set, in Morton order.
#[derive(Default)]
struct Cells {
    keys: Vec<u64>,
    cells: Vec<GridCell>,
}

impl Cells {
    /// One linear pass over the Z-ordered points (no sort per level); `first` gets `tag`.
    fn of(level: u8, z: &ZOrdered, tag: u32) -> Cells {
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
    fn merge(a: &Cells, b: &Cells, az: &ZOrdered, bz: &ZOrdered) -> Cells {
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
    level: u8,
    cells: Arc<Cells>,
    base: Arc<ZOrdered>,
    delta: Option<Arc<ZOrdered>>,
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

/// Spatial and temporal extent of a snapshot's live incidents.
#[derive(Debug, Clone, Copy, Default)]
struct Extent {
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
                out.push(PlaceHit { place: &d.place, base: None, delta: Some(d), snap: self, first_id });
            }
        }
        out.retain(|h| h.first_id != u64::MAX);
        out.sort_unstable_by_key(|h| h.first_id);
        out
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
        let envs: Vec<AABB<[f64; 2]>> = boxes
            .iter()
            .flat_map(|b| {
                world_envelopes(
                    proj::lon_to_world_x(b.min().x),
                    proj::lat_to_world_y(b.max().y),
                    proj::lon_to_world_x(b.max().x),
                    proj::lat_to_world_y(b.min().y),
                )
            })
            .collect();
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
            }
        };
        self.current.store(Arc::new(next));
        touched_bbox(touched.iter().map(|e| e.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{line_string, point, polygon};

    fn inc(id: u64, geometry: Geometry<f64>) -> Incident {
        Incident {
            id,
            place: Arc::new(Place::anonymous("settlement", geometry)),
            precision: 1,
            time: None,
            props: Props::Json(Default::default()),
        }
    }

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

    #[test]
    fn world_ranges_split() {
        assert_eq!(world_x_ranges(0.9, 1.1), vec![(0.9, 1.0), (0.0, 0.10000000000000009)]);
        assert_eq!(world_x_ranges(-0.1, 0.05).len(), 2);
        assert_eq!(world_x_ranges(-0.5, 1.5), vec![(0.0, 1.0)]);
        assert_eq!(lonlat_boxes([170.0, 0.0, -170.0, 1.0]).len(), 2);
        assert_eq!(lonlat_boxes([170.0, 0.0, 190.0, 1.0]).len(), 2);
        // a crossing box starting exactly at 180° is not the whole world
        let b = lonlat_boxes([180.0, 0.0, -170.0, 1.0]);
        assert_eq!((b[0].min().x, b[0].max().x, b[1].min().x, b[1].max().x), (180.0, 180.0, -180.0, -170.0));
    }
}
