//! Vector tiles: incidents tiles from an [`IndexSnapshot`], basemap tiles, gzip, a tile cache.
//!
//! Contract:
//! - [`incidents_tile`] → MVT bytes with layers `incidents` (points, one feature per mention;
//!   grid-clustered for z ≤ [`cluster::CLUSTER_MAX_ZOOM`]), `areas`, `lines` (one feature per
//!   *place* at every zoom, its geometry prepared once per tile: the properties of its latest
//!   event-site mention, else latest mention, plus `mention_count`, `event_count`, `first_time`,
//!   `last_time`); extent 4096, buffer 64; feature id =
//!   mention id; every scalar property of the incident schema ([`crate::schema`]) as a typed tag.
//!   An empty `Vec` means no features (HTTP 204).
//! - Tile budget: no tile exceeds [`MAX_TILE_BYTES`]. When the first rendering is too large, the
//!   tile is re-rendered with points clustered at any zoom, then dropping lines/areas smaller
//!   than a growing size (bbox extent in tile units, the same for every tile of the zoom), then
//!   keeping only the essential properties (like tippecanoe's drop-smallest-as-needed).
//! - [`basemap_tile`] → layers `countries`, `admin1`, `places` from a prebuilt [`Basemap`].
//! - [`incidents_tile_cover`]: the same tile and whether every tile below it is identical (for
//!   exports); [`incidents_tile_cover_in`] the same bytes again, drawing large places from the
//!   column pieces of a [`Columns`] (for rendering a pyramid zoom by zoom); [`tilejson`] builds
//!   the TileJSON of served and exported tile sets.
//! - [`TileError`] for out-of-range z/x/y (HTTP 400).
//! - Geometry rules live in `prepare` (its clippers in `clip`), tile maths in `grid`, fast-mvt only in `encode`.
//!
//! Not for: HTTP, persistence, or ingest.

pub mod cache;
mod clip;
pub mod cluster;
mod encode;
pub mod grid;
mod prepare;
pub mod tilejson;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use geo::{BoundingRect, MapCoords};
use geo_types::{Geometry, Point, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use serde_json::{Map, Value};

use crate::index::{proj, world_x_ranges, IndexSnapshot, IndexedIncident, Layer, Place, Summary};
use cluster::{Clustered, CLUSTER_MAX_ZOOM};
use encode::{EncFeature, EncLayer, FeatureProps, TagValue, Tags};
pub use grid::{TileId, BUFFER, EXTENT, MAX_ZOOM};
use prepare::Tolerance;

/// Largest tile (raw bytes) ever returned.
pub const MAX_TILE_BYTES: usize = 480_000;

/// Tile errors. `OutOfRange`/`ZoomOutOfRange` are the client's fault (HTTP 400).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TileError {
    #[error("zoom {0} out of range 0..=22")]
    ZoomOutOfRange(u8),
    #[error("tile {z}/{x}/{y} out of range: x and y must be below 2^z")]
    OutOfRange { z: u8, x: u32, y: u32 },
    #[error("tile encoding failed: {0}")]
    Encode(String),
}

thread_local! {
    /// One raw-deflate compressor (level 6) per thread, reset between tiles: setting up a
    /// deflate state costs more than compressing a small tile.
    static DEFLATE: std::cell::RefCell<flate2::Compress> =
        std::cell::RefCell::new(flate2::Compress::new(flate2::Compression::new(6), false));
}

/// The gzip header flate2's `GzEncoder` writes at level 6: no name, mtime 0, XFL 0, OS unknown.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// Gzip (level 6) for `Content-Encoding: gzip`: the same bytes as flate2's `GzEncoder`, from a
/// per-thread reusable deflate state.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 2 + 64);
    out.extend_from_slice(&GZIP_HEADER);
    DEFLATE.with(|d| {
        let mut d = d.borrow_mut();
        d.reset();
        let start = d.total_in();
        loop {
            let done = (d.total_in() - start) as usize;
            let status = d
                .compress_vec(&bytes[done..], &mut out, flate2::FlushCompress::Finish)
                .expect("deflate into a Vec cannot fail");
            if status == flate2::Status::StreamEnd {
                break;
            }
            out.reserve(out.capacity().max(1024));
        }
    });
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out
}

/// A prepared line/area feature with its zoom-wide size (bbox extent in tile units).
struct Sized<'a> {
    size: f64,
    /// The mention whose properties the feature carries: the latest event site, else the latest
    /// context mention (by date, then id).
    inc: &'a IndexedIncident,
    geometry: Geometry<i32>,
    /// Mentions of the place drawn as this feature, and their earliest and latest dates.
    count: usize,
    /// How many of them are not context (event sites, or stored before roles were read).
    events: usize,
    first_time: Option<i64>,
    last_time: Option<i64>,
}

fn incident_feature<'a>(inc: &'a IndexedIncident, geometry: Cow<'a, Geometry<i32>>, essential: bool) -> EncFeature<'a> {
    EncFeature {
        id: Some(inc.incident().id),
        geometry,
        tags: Tags::default(),
        props: Some(FeatureProps::Incident(inc.incident())),
        essential,
    }
}

fn pick<'a>(v: &'a [Sized<'a>], min_size: f64, essential: bool) -> Vec<EncFeature<'a>> {
    v.iter()
        .filter(|s| s.size >= min_size)
        .map(|s| {
            let mut f = incident_feature(s.inc, Cow::Borrowed(&s.geometry), essential);
            f.tags.push("mention_count", TagValue::Int(s.count as i64));
            f.tags.push("event_count", TagValue::Int(s.events as i64));
            if let (Some(a), Some(b)) = (s.first_time, s.last_time) {
                f.tags.push("first_time", TagValue::Int(a));
                f.tags.push("last_time", TagValue::Int(b));
            }
            f
        })
        .collect()
}

fn point_geometry(inc: &IndexedIncident) -> (Geometry<f64>, Rect<f64>) {
    match inc.world_geometry() {
        g @ (Geometry::Point(_) | Geometry::MultiPoint(_)) => (g.clone(), inc.world_bbox()),
        _ => {
            let p = inc.world_point();
            (Geometry::Point(Point(p)), Rect::new(p, p))
        }
    }
}

/// The incidents tile z/x/y of a snapshot (see the module contract).
pub fn incidents_tile(snap: &IndexSnapshot, z: u8, x: u32, y: u32) -> Result<Vec<u8>, TileError> {
    incidents_tile_cover(snap, z, x, y).map(|t| t.bytes)
}

/// An incidents tile and whether every tile below it has the same bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct CoveredTile {
    /// What [`incidents_tile`] returns.
    pub bytes: Vec<u8>,
    /// Set when the tile's features are only areas that each cover the whole buffered tile, with
    /// no point incident within a tile's width of it and no feature thinned: then every tile
    /// below it at any zoom holds the same places, each clipped to the same full square with the
    /// same tags, so it has exactly these bytes (the tile exporter copies them instead of
    /// rendering the millions of tiles inside a large country).
    pub same_below: bool,
}

/// The full buffered square, the one geometry a covering area has in every tile below.
fn is_full_square(g: &Geometry<i32>) -> bool {
    let p = match g {
        Geometry::Polygon(p) => p,
        Geometry::MultiPolygon(mp) if mp.0.len() == 1 => &mp.0[0],
        _ => return false,
    };
    let (lo, hi) = (-(BUFFER as i32), (EXTENT + BUFFER) as i32);
    let ring = &p.exterior().0;
    let open = if ring.first() == ring.last() { &ring[..ring.len().saturating_sub(1)] } else { &ring[..] };
    p.interiors().is_empty()
        && open.len() == 4
        && open.iter().all(|c| (c.x == lo || c.x == hi) && (c.y == lo || c.y == hi))
        && open.windows(2).all(|w| w[0] != w[1])
        && open[0] != open[2]
        && open[1] != open[3]
}

/// [`incidents_tile`] with the [`CoveredTile::same_below`] test (for the exporter).
pub fn incidents_tile_cover(snap: &IndexSnapshot, z: u8, x: u32, y: u32) -> Result<CoveredTile, TileError> {
    render(snap, TileId::new(z, x, y)?, None, None)
}

/// [`incidents_tile_cover`] drawing places of at least [`PIECE_MIN_VERTICES`] vertices from the
/// column pieces in `cols` (made there when missing; `cols` must be at zoom `z`, see
/// [`Columns::start_zoom`], and only ever used with `snap`): the same result, with a large
/// polygon costing in each tile about the vertices of its column instead of all of them.
pub fn incidents_tile_cover_in<'s>(
    snap: &'s IndexSnapshot,
    z: u8,
    x: u32,
    y: u32,
    cols: &Columns<'s>,
) -> Result<CoveredTile, TileError> {
    render(snap, TileId::new(z, x, y)?, None, Some(cols))
}

/// Places with fewer vertices are drawn from all of them by [`incidents_tile_cover_in`].
pub const PIECE_MIN_VERTICES: usize = 512;

/// (place address, world shift, tile column)
type PieceKey = (usize, i8, u32);

/// The column pieces of a snapshot's large places at one zoom, each made from the piece of the
/// column above it at the previous zoom (see `prepare::column_piece`): for rendering a tile
/// pyramid zoom by zoom (the exporter), where a polygon's column pieces shrink with the zoom.
/// (What each place's mentions add up to is kept by the index, [`crate::index::Summary`].)
#[derive(Default)]
pub struct Columns<'s> {
    z: Option<u8>,
    above: HashMap<PieceKey, prepare::Piece>,
    here: Mutex<HashMap<PieceKey, prepare::Piece>>,
    _snapshot: std::marker::PhantomData<&'s IndexSnapshot>,
}

impl std::fmt::Debug for Columns<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Columns").field("z", &self.z).field("above", &self.above.len()).finish()
    }
}

impl<'s> Columns<'s> {
    pub fn new() -> Columns<'s> {
        Columns::default()
    }

    /// Starts zoom `z`: the pieces of the zoom just finished become those of the zoom above
    /// (when it is `z - 1`; otherwise they are dropped and made again from every vertex).
    pub fn start_zoom(&mut self, z: u8) {
        let here = std::mem::take(self.here.get_mut().unwrap_or_else(PoisonError::into_inner));
        self.above = if self.z.is_some_and(|p| p.checked_add(1) == Some(z)) { here } else { HashMap::new() };
        self.z = Some(z);
    }

    /// Pieces held for the current zoom.
    pub fn len(&self) -> usize {
        self.here.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The piece of `place` for column `x` of `tile`'s zoom drawn `shift` worlds over.
    fn piece(&self, place: &Place, tile: &TileId, shift: f64) -> Option<prepare::Piece> {
        if self.z != Some(tile.z) {
            return None;
        }
        let key = (place as *const Place as usize, shift as i8, tile.x);
        if let Some(p) = self.here.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return Some(Arc::clone(p));
        }
        let parent = self.above.get(&(key.0, key.1, tile.x / 2)).map(|p| &p[..]);
        let piece = Arc::new(prepare::column_piece(
            place.world_geometry(),
            place.world_ranks(),
            parent,
            tile.z,
            tile.x,
            shift,
        )?);
        let mut here = self.here.lock().unwrap_or_else(PoisonError::into_inner);
        Some(Arc::clone(here.entry(key).or_insert(piece)))
    }
}

/// Which incidents a filtered tile draws (see [`incidents_tile_filtered`]).
pub type Keep<'k> = &'k (dyn Fn(&crate::index::Incident) -> bool + Sync);

/// [`incidents_tile`] drawing only the mentions `keep` lets through: points and clusters are
/// those of the kept points alone (a cluster's `point_count`, bounds and expansion zoom count
/// only them), and an area or line is drawn when one of its mentions is kept, with what the kept
/// mentions add up to.
pub fn incidents_tile_filtered(
    snap: &IndexSnapshot,
    z: u8,
    x: u32,
    y: u32,
    keep: Keep<'_>,
) -> Result<Vec<u8>, TileError> {
    render(snap, TileId::new(z, x, y)?, Some(keep), None).map(|t| t.bytes)
}

fn render<'s>(
    snap: &'s IndexSnapshot,
    tile: TileId,
    keep: Option<Keep<'_>>,
    cols: Option<&Columns<'s>>,
) -> Result<CoveredTile, TileError> {
    let z = tile.z;
    let kept = |m: &&IndexedIncident| keep.is_none_or(|k| k(m.incident()));
    let tol = Tolerance::for_zoom(z);
    let scale = tile.n() * f64::from(EXTENT);
    let [bx0, by0, bx1, by1] = tile.world_bounds(f64::from(BUFFER));

    let mut areas: Vec<Sized<'_>> = Vec::new();
    let mut lines: Vec<Sized<'_>> = Vec::new();
    // a place left out here (outside the tile, or collapsed at this zoom) may appear below
    let mut all_full = true;
    // lines and areas: each place once, with what its mentions add up to (ordered by lowest id)
    for hit in snap.query_world_places(bx0, by0, bx1, by1) {
        let place = hit.place;
        let bb = place.world_bbox();
        let (world, ranks) = (place.world_geometry(), Some(place.world_ranks()));
        let g = match cols {
            Some(c) if place.world_ranks().len() >= PIECE_MIN_VERTICES => {
                prepare::prepare_in(world, ranks, bb, &tile, tol, &|k| c.piece(place, &tile, k))
            }
            _ => prepare::prepare(world, ranks, bb, &tile, tol),
        };
        let Some(g) = g else {
            all_full = false;
            continue;
        };
        // unfiltered: the index's per-place summary; filtered: the mentions that pass
        let summary = match keep {
            None => hit.summary(),
            Some(_) => Summary::of(hit.mentions().filter(kept)),
        };
        let Some(Summary { count, events, first_time, last_time, latest }) = summary else {
            all_full = false;
            continue;
        };
        all_full &= place.layer() == Layer::Areas && is_full_square(&g);
        let size = (bb.width().max(bb.height())) * scale;
        let s = Sized { size, inc: latest, geometry: g, count, events, first_time, last_time };
        if place.layer() == Layer::Areas {
            areas.push(s)
        } else {
            lines.push(s)
        }
    }

    // points: unclustered rendering (only ever asked for above CLUSTER_MAX_ZOOM, so the points
    // tree is only walked there) and clustered rendering from the snapshot's point grid
    let points: Vec<&IndexedIncident> = if z > CLUSTER_MAX_ZOOM {
        snap.query_world_points(bx0, by0, bx1, by1).into_iter().filter(kept).collect()
    } else {
        Vec::new()
    };
    fn single<'a>(inc: &'a IndexedIncident, tile: &TileId, tol: Tolerance, essential: bool) -> Option<EncFeature<'a>> {
        let (g, bb) = point_geometry(inc);
        prepare::prepare(&g, None, bb, tile, tol).map(|g| incident_feature(inc, Cow::Owned(g), essential))
    }
    let plain = |essential: bool| -> Vec<EncFeature<'_>> {
        points.iter().filter_map(|inc| single(inc, &tile, tol, essential)).collect()
    };
    let clustered = |essential: bool| -> Vec<EncFeature<'_>> {
        let cells = match keep {
            None => cluster::cluster(snap, &tile),
            Some(k) => cluster::cluster_filtered(snap, &tile, k),
        };
        cells
            .into_iter()
            .filter_map(|c| match c {
                Clustered::Single(inc) => single(inc, &tile, tol, essential),
                Clustered::Cluster { id, count, at, bbox, expansion_zoom } => {
                    let mut tags = Tags::default();
                    tags.push("cluster", TagValue::Bool(true));
                    tags.push("cluster_id", TagValue::Int(id as i64));
                    tags.push("point_count", TagValue::Int(count as i64));
                    tags.push("point_count_abbreviated", TagValue::Str(Cow::Owned(cluster::abbreviate(count))));
                    tags.push("expansion_zoom", TagValue::Int(i64::from(expansion_zoom)));
                    for (k, v) in ["min_lon", "min_lat", "max_lon", "max_lat"].into_iter().zip(bbox) {
                        tags.push(k, TagValue::Double((v * 1e6).round() / 1e6));
                    }
                    Some(EncFeature {
                        id: Some(id),
                        geometry: Cow::Owned(Geometry::Point(Point(at))),
                        tags,
                        props: None,
                        essential: false,
                    })
                }
            })
            .collect()
    };

    // Budget: layers are encoded separately (a tile is the concatenation of its layer chunks)
    // so each can be thinned on its own; see the module contract.
    let enc_points = |clustered_: bool, essential: bool| -> Result<Vec<u8>, TileError> {
        let features = if clustered_ { clustered(essential) } else { plain(essential) };
        encode::encode_layer(&EncLayer { name: Layer::Incidents.name(), features })
    };
    let enc_rest = |min_size: f64, essential: bool| -> Result<(Vec<u8>, Vec<u8>), TileError> {
        Ok((
            encode::encode_layer(&EncLayer { name: Layer::Areas.name(), features: pick(&areas, min_size, essential) })?,
            encode::encode_layer(&EncLayer { name: Layer::Lines.name(), features: pick(&lines, min_size, essential) })?,
        ))
    };
    let mut is_clustered = z <= CLUSTER_MAX_ZOOM;
    let mut essential = false;
    let mut pts = enc_points(is_clustered, essential)?;
    if pts.len() > MAX_TILE_BYTES / 2 && !is_clustered {
        is_clustered = true;
        pts = enc_points(true, essential)?;
    }
    let mut sizes: Vec<f64> = areas.iter().chain(&lines).map(|s| s.size).collect();
    sizes.sort_by(|a, b| b.total_cmp(a));
    let mut min_size = f64::NEG_INFINITY;
    for attempt in 0..10 {
        let (a, l) = enc_rest(min_size, essential)?;
        let total = pts.len() + a.len() + l.len();
        if total <= MAX_TILE_BYTES || min_size == f64::INFINITY {
            let same_below = attempt == 0 && all_full && !areas.is_empty() && lines.is_empty() && pts.is_empty() && {
                // no point near: a cluster's centroid may fall in a tile whose buffer holds none
                // of its points, but never a whole tile's width away from them
                let [ex0, ey0, ex1, ey1] = tile.world_bounds(f64::from(EXTENT));
                keep.is_none() && ex0 >= 0.0 && ex1 <= 1.0 && snap.query_world_points(ex0, ey0, ex1, ey1).is_empty()
            };
            let mut out = pts;
            out.extend_from_slice(&a);
            out.extend_from_slice(&l);
            return Ok(CoveredTile { bytes: out, same_below });
        }
        if attempt == 3 && !essential {
            // still too large: keep only the essential properties from now on
            essential = true;
            pts = enc_points(is_clustered, essential)?;
            continue;
        }
        // keep the largest features, in proportion to the room left
        let room = MAX_TILE_BYTES.saturating_sub(pts.len()) as f64;
        let kept = sizes.iter().filter(|&&s| s >= min_size).count();
        let keep = (kept as f64 * room / (a.len() + l.len()) as f64 * 0.9).floor() as usize;
        let next = if keep == 0 || attempt >= 8 { f64::INFINITY } else { sizes[keep.min(sizes.len()) - 1] };
        min_size = if next > min_size {
            next
        } else {
            // ties: step to the next larger size
            sizes.iter().rev().copied().find(|&s| s > min_size).unwrap_or(f64::INFINITY)
        };
    }
    unreachable!("the loop returns once min_size is infinite")
}

/// Basemap layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BasemapLayer {
    Countries,
    Admin1,
    Places,
    /// One point per country at its label point, so country names are drawn once, not per tile.
    CountryLabels,
}

impl BasemapLayer {
    pub fn name(self) -> &'static str {
        match self {
            BasemapLayer::Countries => "countries",
            BasemapLayer::Admin1 => "admin1",
            BasemapLayer::Places => "places",
            BasemapLayer::CountryLabels => "country_labels",
        }
    }
}

/// One basemap feature (WGS84 lon/lat geometry).
#[derive(Debug, Clone)]
pub struct BasemapFeature {
    pub geometry: Geometry<f64>,
    pub layer: BasemapLayer,
    /// First zoom the feature is drawn at.
    pub min_zoom: u8,
    pub props: Map<String, Value>,
}

struct BasemapEntry {
    feature: BasemapFeature,
    world: Geometry<f64>,
    /// Douglas–Peucker ranks of `world`.
    ranks: Vec<f32>,
    /// Pre-simplified copies for low zooms: (band zoom, geometry, its ranks), ascending band.
    lods: Vec<(u8, Geometry<f64>, Vec<f32>)>,
    bbox: Rect<f64>,
    /// `rank` property (smaller = more important), for ordering places.
    rank: i64,
}

/// Places drawn per tile at most (most important first).
const MAX_PLACES_PER_TILE: usize = 400;

/// An immutable basemap with its own R-tree (world units).
pub struct Basemap {
    entries: Vec<BasemapEntry>,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>,
}

impl std::fmt::Debug for Basemap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Basemap").field("features", &self.entries.len()).finish()
    }
}

impl Basemap {
    /// Build once; features without coordinates are dropped.
    pub fn new(features: Vec<BasemapFeature>) -> Basemap {
        let mut entries = Vec::with_capacity(features.len());
        let mut items = Vec::new();
        for feature in features {
            let unwrapped = proj::unwrap_geometry(&feature.geometry);
            let ll = unwrapped.as_ref().unwrap_or(&feature.geometry);
            let world = ll.map_coords(proj::lonlat_to_world);
            let Some(bbox) = world.bounding_rect() else { continue };
            let slot = entries.len() as u32;
            for (a, b) in world_x_ranges(bbox.min().x, bbox.max().x) {
                items.push(GeomWithData::new(Rectangle::from_corners([a, bbox.min().y], [b, bbox.max().y]), slot));
            }
            let rank = feature.props.get("rank").and_then(Value::as_i64).unwrap_or(i64::MAX);
            let lods = lods(&world)
                .into_iter()
                .map(|(band, g)| {
                    let r = crate::index::simplify::geometry_ranks(&g);
                    (band, g, r)
                })
                .collect();
            let ranks = crate::index::simplify::geometry_ranks(&world);
            entries.push(BasemapEntry { feature, world, ranks, lods, bbox, rank });
        }
        Basemap { entries, tree: RTree::bulk_load(items) }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether any feature's box comes within `margin` tile units of `tile` (x wrapping around).
    pub fn has_features_near(&self, tile: &TileId, margin: f64) -> bool {
        let [x0, y0, x1, y1] = tile.world_bounds(margin);
        let mut envs = vec![AABB::from_corners([x0.max(0.0), y0], [x1.min(1.0), y1])];
        if x0 < 0.0 {
            envs.push(AABB::from_corners([x0 + 1.0, y0], [1.0, y1]));
        }
        if x1 > 1.0 {
            envs.push(AABB::from_corners([0.0, y0], [x1 - 1.0, y1]));
        }
        envs.iter().any(|e| self.tree.locate_in_envelope_intersecting(*e).next().is_some())
    }
}

/// Zoom bands with a pre-simplified basemap geometry (RDP, half a tile unit at the band's zoom,
/// so at most one unit at the next zoom); z ≥ 12 uses the full geometry.
const LOD_BANDS: [u8; 6] = [0, 2, 4, 6, 8, 10];

fn lods(world: &Geometry<f64>) -> Vec<(u8, Geometry<f64>)> {
    use geo::{CoordsIter, Simplify};
    let n = world.coords_count();
    if n <= 64 {
        return Vec::new();
    }
    let mut out: Vec<(u8, Geometry<f64>)> = Vec::new();
    for band in LOD_BANDS {
        let eps = 0.5 / (f64::from(1u32 << band) * f64::from(EXTENT));
        let g = match world {
            Geometry::Polygon(p) => Geometry::Polygon(p.simplify(eps)),
            Geometry::MultiPolygon(p) => Geometry::MultiPolygon(p.simplify(eps)),
            Geometry::LineString(l) => Geometry::LineString(l.simplify(eps)),
            Geometry::MultiLineString(l) => Geometry::MultiLineString(l.simplify(eps)),
            _ => return Vec::new(),
        };
        let m = g.coords_count();
        out.push((band, g));
        if m * 10 > n * 9 {
            break; // finer bands would barely differ from the full geometry
        }
    }
    out
}

/// The basemap tile z/x/y: layers `countries`, `admin1`, `places`.
pub fn basemap_tile(map: &Basemap, z: u8, x: u32, y: u32) -> Result<Vec<u8>, TileError> {
    let tile = TileId::new(z, x, y)?;
    let tol = Tolerance::for_zoom(z);
    let [x0, y0, x1, y1] = tile.world_bounds(f64::from(BUFFER));
    let mut envs = Vec::new();
    if x0 < 0.0 {
        envs.push(AABB::from_corners([x0 + 1.0, y0], [1.0, y1]));
    }
    if x1 > 1.0 {
        envs.push(AABB::from_corners([0.0, y0], [x1 - 1.0, y1]));
    }
    envs.push(AABB::from_corners([x0.max(0.0), y0], [x1.min(1.0), y1]));
    let mut slots: Vec<u32> = envs
        .iter()
        .flat_map(|e| self_query(&map.tree, e))
        .filter(|&s| map.entries[s as usize].feature.min_zoom <= z)
        .collect();
    slots.sort_unstable();
    slots.dedup();
    let mut layers = [
        EncLayer { name: BasemapLayer::Countries.name(), features: Vec::new() },
        EncLayer { name: BasemapLayer::Admin1.name(), features: Vec::new() },
        EncLayer { name: BasemapLayer::Places.name(), features: Vec::new() },
        EncLayer { name: BasemapLayer::CountryLabels.name(), features: Vec::new() },
    ];
    let mut places: Vec<(&BasemapEntry, Geometry<i32>)> = Vec::new();
    for s in slots {
        let e = &map.entries[s as usize];
        let (world, ranks) =
            e.lods.iter().rev().find(|(band, _, _)| *band <= z).map_or((&e.world, &e.ranks), |(_, g, r)| (g, r));
        let Some(g) = prepare::prepare(world, Some(ranks), e.bbox, &tile, tol) else { continue };
        let li = match e.feature.layer {
            BasemapLayer::Countries => 0,
            BasemapLayer::Admin1 => 1,
            BasemapLayer::CountryLabels => 3,
            BasemapLayer::Places => {
                places.push((e, g));
                continue;
            }
        };
        layers[li].features.push(EncFeature {
            id: Some(u64::from(s)),
            geometry: Cow::Owned(g),
            tags: Tags::default(),
            props: Some(FeatureProps::Json(&e.feature.props)),
            essential: false,
        });
    }
    places.sort_by_key(|(e, _)| (e.feature.min_zoom, e.rank));
    places.truncate(MAX_PLACES_PER_TILE);
    layers[2].features = places
        .into_iter()
        .map(|(e, g)| EncFeature {
            id: None,
            geometry: Cow::Owned(g),
            tags: Tags::default(),
            props: Some(FeatureProps::Json(&e.feature.props)),
            essential: false,
        })
        .collect();
    encode::encode_tile(&layers)
}

fn self_query(tree: &RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>, env: &AABB<[f64; 2]>) -> Vec<u32> {
    tree.locate_in_envelope_intersecting(*env).map(|i| i.data).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn gzip_matches_gz_encoder_bytes_and_reuses_state() {
        // several sizes in a row on one thread (the deflate state is reset between them)
        let mut seed = 9u64;
        for n in [0usize, 1, 100, 5000, 70_000, 300] {
            let data: Vec<u8> = (0..n)
                .map(|i| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    if i % 7 < 4 {
                        b"incident"[i % 8]
                    } else {
                        (seed >> 56) as u8
                    }
                })
                .collect();
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
            e.write_all(&data).unwrap();
            let want = e.finish().unwrap();
            let got = gzip(&data);
            assert_eq!(got, want, "size {n}");
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(&got[..]).read_to_end(&mut back).unwrap();
            assert_eq!(back, data);
        }
    }
}
