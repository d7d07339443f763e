//! Bounded in-memory tile cache keyed by (z, x, y) and a variant (0: the unfiltered tile;
//! [`variant`] of a normalised filter: that filter's tile).
//!
//! Contract: stores each tile's raw MVT bytes, its gzip bytes and a strong ETag (the first 16
//! hex digits of the SHA-256 of the raw bytes, quoted; the gzip representation gets a `-gz`
//! suffix because it is a different representation). [`TileCache::invalidate`] drops every
//! cached tile whose buffered area (plus one cluster cell) a write's place footprints may meet
//! (`index::cover`: the bbox, narrowed by the place's coarse cover for lines and areas), at
//! every zoom; [`TileCache::invalidate_bbox`] does it for a bare lon/lat bbox. Coherence with the index: a tile is tagged with the snapshot generation it was built
//! from, and [`TileCache::insert`] refuses a tile built before a later invalidation that touches
//! it, so a slow render of an old snapshot cannot re-insert stale bytes. Eviction drops roughly
//! the least recently used quarter when the entry or byte bound is exceeded.
//! Not for: HTTP headers or deciding when to invalidate (the ingest path calls it).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::cluster::CELL_UNITS;
use super::grid::{TileId, BUFFER};
use crate::index::cover::Footprint;

/// (z, x, y, variant).
type Key = (u8, u32, u32, u64);

/// The cache variant of a filter, from its normalised text (the same filter, written any way the
/// parser accepts, has one normalised text): 64 bits of its SHA-256, never 0 (the unfiltered
/// tile's variant).
pub fn variant(normalised: &str) -> u64 {
    let d = Sha256::digest(normalised.as_bytes());
    u64::from_le_bytes(d[..8].try_into().expect("8 bytes")).max(1)
}

/// A cached tile. `raw` is empty for a tile with no features.
#[derive(Debug)]
pub struct CachedTile {
    pub raw: Vec<u8>,
    pub gzip: Vec<u8>,
    /// Strong ETag of `raw`, with quotes.
    pub etag: String,
    /// Strong ETag of `gzip`, with quotes.
    pub etag_gzip: String,
    last_used: AtomicU64,
}

impl CachedTile {
    /// Build from raw bytes, compressing them.
    pub fn new(raw: Vec<u8>) -> CachedTile {
        let gzip = if raw.is_empty() { Vec::new() } else { super::gzip(&raw) };
        let digest = Sha256::digest(&raw);
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        CachedTile {
            raw,
            gzip,
            etag: format!("\"{hex}\""),
            etag_gzip: format!("\"{hex}-gz\""),
            last_used: AtomicU64::new(0),
        }
    }

    fn bytes(&self) -> usize {
        self.raw.len() + self.gzip.len() + 96
    }
}

/// A cached tile, fresh or stale.
struct Entry {
    tile: Arc<CachedTile>,
    /// The snapshot generation it was rendered from.
    built: u64,
    /// Set once a write the tile does not show may meet it ([`TileCache::invalidate`]).
    stale: Option<Stale>,
}

#[derive(Clone, Copy)]
struct Stale {
    /// When the oldest write the tile does not show was published.
    since: Instant,
    /// A background render was handed out ([`Lookup::Stale`] with `refresh`).
    refreshing: bool,
}

struct Inner {
    map: HashMap<Key, Entry>,
    bytes: usize,
    /// Recent writes: (generation of the snapshot that published it, never decreasing; the
    /// footprints of its places; when it was logged).
    log: VecDeque<(u64, Arc<[Footprint]>, Instant)>,
    /// Tiles built from generations below this are refused (the log was trimmed past them).
    floor: u64,
}

/// How long a tile a write made stale may still be served (see [`TileCache::with_refresh`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refresh {
    /// Served as it is, no render, for this long after the write.
    pub quiet: Duration,
    /// Then served while one background render runs, up to this age; older: rendered inline.
    pub max_age: Duration,
}

/// The answer of [`TileCache::lookup`].
pub enum Lookup {
    /// Shows every write published so far that may meet it.
    Fresh(Arc<CachedTile>),
    /// Misses a write younger than [`Refresh::max_age`]; serve it. With `refresh`, the caller
    /// renders the tile in the background and [`TileCache::insert`]s it (or calls
    /// [`TileCache::refresh_failed`]).
    Stale { tile: Arc<CachedTile>, refresh: bool },
    /// Not cached, or too stale to serve: render it now.
    Miss,
}

/// The tile cache.
pub struct TileCache {
    inner: Mutex<Inner>,
    max_entries: usize,
    max_bytes: usize,
    /// `None`: a write drops the tiles it may meet.
    refresh: Option<Refresh>,
    /// Background renders handed out and not finished; at most [`Self::max_refreshing`].
    refreshing: AtomicUsize,
    max_refreshing: usize,
    clock: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
    /// Stripes of render locks ([`TileCache::flight`]).
    flights: Vec<tokio::sync::Mutex<()>>,
}

/// Render-lock stripes: tiles whose keys share a stripe render one after the other.
const FLIGHTS: usize = 256;

const LOG_LEN: usize = 4096;

impl TileCache {
    /// A cache where a write drops the tiles it may meet (every lookup is fresh or a miss).
    pub fn new(max_entries: usize, max_bytes: usize) -> TileCache {
        TileCache {
            inner: Mutex::new(Inner { map: HashMap::new(), bytes: 0, log: VecDeque::new(), floor: 0 }),
            max_entries: max_entries.max(1),
            max_bytes,
            refresh: None,
            refreshing: AtomicUsize::new(0),
            max_refreshing: std::thread::available_parallelism().map_or(2, |n| n.get()),
            clock: AtomicU64::new(1),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            flights: (0..FLIGHTS).map(|_| tokio::sync::Mutex::new(())).collect(),
        }
    }

    /// Keep the tiles a write may meet, marked stale: [`Self::lookup`] serves one as it is for
    /// `refresh.quiet` after the write (writes in that time cost no render), then hands out one
    /// background render per tile (at most as many at once as the machine has cores) while
    /// still serving it, and past `refresh.max_age` answers [`Lookup::Miss`]. So a tile shows a
    /// write within `max_age` plus one render, and a tile many writes meet is rendered about
    /// once per `quiet`, not once per write. A zero `max_age` turns it off.
    pub fn with_refresh(mut self, refresh: Refresh) -> TileCache {
        self.refresh = (!refresh.max_age.is_zero()).then_some(refresh);
        self
    }

    /// The render lock of a tile (one of [`FLIGHTS`] stripes): the HTTP layer holds it while it
    /// renders a missing tile, so concurrent misses of one tile render it once.
    pub fn flight(&self, (z, x, y, variant): Key) -> &tokio::sync::Mutex<()> {
        use std::hash::BuildHasher;
        let h = foldhash::fast::FixedState::with_seed(0).hash_one((z, x, y, variant));
        &self.flights[(h % FLIGHTS as u64) as usize]
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn touch(&self, t: &CachedTile) {
        t.last_used.store(self.clock.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
    }

    /// The tile if it is fresh (see [`Self::lookup`] for stale ones).
    pub fn get(&self, z: u8, x: u32, y: u32, variant: u64) -> Option<Arc<CachedTile>> {
        let fresh = self.lock().map.get(&(z, x, y, variant)).filter(|e| e.stale.is_none()).map(|e| e.tile.clone());
        let Some(t) = fresh else {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        self.hits.fetch_add(1, Ordering::Relaxed);
        self.touch(&t);
        Some(t)
    }

    /// The tile, fresh, stale or missing (see [`Lookup`] and [`Self::with_refresh`]).
    /// `must_show`: the generation of a write the client asks to see (the map's `v=`); a stale
    /// tile rendered before it is then a miss.
    pub fn lookup(&self, key: Key, must_show: Option<u64>) -> Lookup {
        let out = self.peek(key, must_show);
        match &out {
            Lookup::Fresh(t) | Lookup::Stale { tile: t, .. } => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                self.touch(t);
            }
            Lookup::Miss => {
                self.misses.fetch_add(1, Ordering::Relaxed);
            }
        }
        out
    }

    /// [`Self::lookup`] without counting a hit or a miss (a second look after waiting for a
    /// render).
    pub fn peek(&self, key: Key, must_show: Option<u64>) -> Lookup {
        let now = Instant::now();
        let out = {
            let mut g = self.lock();
            match g.map.get_mut(&key) {
                None => Lookup::Miss,
                Some(e) => match (&mut e.stale, self.refresh) {
                    (None, _) => Lookup::Fresh(e.tile.clone()),
                    (Some(st), Some(r)) if must_show.is_none_or(|v| v <= e.built) => {
                        let age = now.saturating_duration_since(st.since);
                        if age < r.quiet {
                            Lookup::Stale { tile: e.tile.clone(), refresh: false }
                        } else if age < r.max_age {
                            let go = !st.refreshing && self.refreshing.load(Ordering::Relaxed) < self.max_refreshing;
                            if go {
                                st.refreshing = true;
                                self.refreshing.fetch_add(1, Ordering::Relaxed);
                            }
                            Lookup::Stale { tile: e.tile.clone(), refresh: go }
                        } else {
                            Lookup::Miss
                        }
                    }
                    _ => Lookup::Miss,
                },
            }
        };
        out
    }

    /// A background render handed out by [`Self::lookup`] failed: the tile may be handed out
    /// again.
    pub fn refresh_failed(&self, key: Key) {
        let mut g = self.lock();
        if let Some(st) = g.map.get_mut(&key).and_then(|e| e.stale.as_mut()) {
            if st.refreshing {
                st.refreshing = false;
                self.refreshing.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    /// Lookups answered from the cache and lookups that missed, since start.
    pub fn hits_misses(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }

    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total bytes held (raw + gzip + overhead).
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Cache a tile built from snapshot `generation`. Returns the shared tile (cached or not).
    /// A tile that misses a later write that may meet it is refused, or, with
    /// [`Self::with_refresh`], kept as stale since that write.
    pub fn insert(&self, key: Key, generation: u64, tile: CachedTile) -> Arc<CachedTile> {
        let (z, x, y, _) = key;
        let tile = Arc::new(tile);
        self.touch(&tile);
        let mut g = self.lock();
        if generation < g.floor {
            return tile;
        }
        let missed: Option<Instant> = match TileId::new(z, x, y) {
            Ok(id) => g
                .log
                .iter()
                .rev()
                .take_while(|(gen, _, _)| *gen > generation)
                .filter(|(_, fps, _)| tile_touches(&id, fps))
                .map(|(_, _, at)| *at)
                .last(),
            Err(_) => None,
        };
        if missed.is_some() && self.refresh.is_none() {
            return tile;
        }
        let entry = Entry {
            tile: tile.clone(),
            built: generation,
            stale: missed.map(|since| Stale { since, refreshing: false }),
        };
        if let Some(old) = g.map.insert(key, entry) {
            g.bytes -= old.tile.bytes();
            if old.stale.is_some_and(|s| s.refreshing) {
                self.refreshing.fetch_sub(1, Ordering::Relaxed);
            }
        }
        g.bytes += tile.bytes();
        if g.map.len() > self.max_entries || g.bytes > self.max_bytes {
            self.evict(&mut g, self.max_entries * 3 / 4, self.max_bytes / 4 * 3);
        }
        tile
    }

    /// Drop every cached tile that may show something inside `bbox` (`[w, s, e, n]`, `w > e`
    /// across the antimeridian), after the index published snapshot `generation`. Returns the
    /// number of tiles dropped (or, with [`Self::with_refresh`], marked stale).
    pub fn invalidate_bbox(&self, bbox: [f64; 4], generation: u64) -> usize {
        self.invalidate(&[Footprint::bbox(bbox)], generation)
    }

    /// Drop (or, with [`Self::with_refresh`], mark stale) every cached tile whose area of
    /// influence (buffer plus one cluster cell) one of `footprints` may meet
    /// ([`Footprint::may_touch_world`]: the places one write touched), after the index
    /// published snapshot `generation`. The tiles are tested outside the lock; the write is
    /// logged first, so a tile of an older snapshot inserted meanwhile is refused (or stale).
    pub fn invalidate(&self, footprints: &[Footprint], generation: u64) -> usize {
        if footprints.is_empty() {
            return 0;
        }
        let fps: Arc<[Footprint]> = footprints.into();
        let now = Instant::now();
        let keys: Vec<Key> = {
            let mut g = self.lock();
            let gen = g.log.back().map_or(generation, |(last, _, _)| generation.max(*last));
            g.log.push_back((gen, fps.clone(), now));
            while g.log.len() > LOG_LEN {
                if let Some((gen, _, _)) = g.log.pop_front() {
                    g.floor = g.floor.max(gen);
                }
            }
            g.map.iter().filter(|(_, e)| e.stale.is_none() || self.refresh.is_none()).map(|(k, _)| *k).collect()
        };
        let doomed: Vec<Key> = keys
            .into_iter()
            .filter(|&(z, x, y, _)| match TileId::new(z, x, y) {
                Ok(t) => tile_touches(&t, &fps),
                Err(_) => true,
            })
            .collect();
        tracing::debug!(target: "sitrep::tiles::cache", footprints = fps.len(), doomed = doomed.len(), "write");
        let mut g = self.lock();
        for k in &doomed {
            if self.refresh.is_some() {
                if let Some(e) = g.map.get_mut(k) {
                    e.stale.get_or_insert(Stale { since: now, refreshing: false });
                }
            } else if let Some(old) = g.map.remove(k) {
                g.bytes -= old.tile.bytes();
            }
        }
        doomed.len()
    }

    /// Drop everything (e.g. after a bulk reload).
    pub fn clear(&self, generation: u64) {
        let mut g = self.lock();
        let handed_out = g.map.values().filter(|e| e.stale.is_some_and(|s| s.refreshing)).count();
        self.refreshing.fetch_sub(handed_out, Ordering::Relaxed);
        g.map.clear();
        g.bytes = 0;
        g.log.clear();
        g.floor = generation;
    }

    fn evict(&self, g: &mut Inner, keep_entries: usize, keep_bytes: usize) {
        let mut by_age: Vec<(Key, u64)> =
            g.map.iter().map(|(k, v)| (*k, v.tile.last_used.load(Ordering::Relaxed))).collect();
        by_age.sort_unstable_by_key(|(_, t)| *t);
        for (k, _) in by_age {
            if g.map.len() <= keep_entries && g.bytes <= keep_bytes {
                break;
            }
            if let Some(old) = g.map.remove(&k) {
                g.bytes -= old.tile.bytes();
                if old.stale.is_some_and(|s| s.refreshing) {
                    self.refreshing.fetch_sub(1, Ordering::Relaxed);
                }
            }
        }
    }
}

/// Whether the tile's area of influence (buffer plus one cluster cell) may meet a footprint.
fn tile_touches(t: &TileId, fps: &[Footprint]) -> bool {
    let tb = t.world_bounds(f64::from(BUFFER + CELL_UNITS));
    fps.iter().any(|f| f.may_touch_world(tb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_and_gzip() {
        let t = CachedTile::new(b"hello tile".to_vec());
        assert_eq!(t.etag.len(), 18);
        assert!(t.etag_gzip.ends_with("-gz\""));
        assert_eq!(CachedTile::new(b"hello tile".to_vec()).etag, t.etag);
        assert_ne!(CachedTile::new(b"other".to_vec()).etag, t.etag);
        let mut d = flate2::read::GzDecoder::new(&t.gzip[..]);
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut d, &mut out).unwrap();
        assert_eq!(out, b"hello tile");
    }

    #[test]
    fn invalidation_by_bbox_at_every_zoom() {
        let c = TileCache::new(1000, 1 << 30);
        // Kyiv tiles at z0, 8, 14 and a tile far away
        for z in [0u8, 8, 14] {
            let t = super::super::grid::tile_for_lonlat(30.52, 50.45, z);
            c.insert((t.z, t.x, t.y, 0), 1, CachedTile::new(vec![1, 2, 3]));
        }
        let far = super::super::grid::tile_for_lonlat(-100.0, 40.0, 8);
        c.insert((far.z, far.x, far.y, 0), 1, CachedTile::new(vec![4]));
        assert_eq!(c.len(), 4);
        assert_eq!(c.invalidate_bbox([30.5, 50.4, 30.6, 50.5], 2), 3);
        assert_eq!(c.len(), 1);
        assert!(c.get(far.z, far.x, far.y, 0).is_some());
        // a tile rendered from generation 1 (before the invalidation) is not cached
        let t = super::super::grid::tile_for_lonlat(30.52, 50.45, 8);
        c.insert((t.z, t.x, t.y, 0), 1, CachedTile::new(vec![9]));
        assert!(c.get(t.z, t.x, t.y, 0).is_none());
        c.insert((t.z, t.x, t.y, 0), 2, CachedTile::new(vec![9]));
        assert!(c.get(t.z, t.x, t.y, 0).is_some());
        // antimeridian bbox
        let e = super::super::grid::tile_for_lonlat(179.9, 0.0, 6);
        c.insert((e.z, e.x, e.y, 0), 2, CachedTile::new(vec![1]));
        assert_eq!(c.invalidate_bbox([179.0, -1.0, -179.0, 1.0], 3), 1);
    }

    #[test]
    fn an_area_invalidates_the_tiles_near_it_not_every_tile_of_its_bbox() {
        let l = crate::index::cover::l_shaped_country();
        let c = TileCache::new(1000, 1 << 30);
        let oslo = super::super::grid::tile_for_lonlat(10.7, 59.9, 10);
        let strip = super::super::grid::tile_for_lonlat(37.5, 60.0, 10);
        let world = super::super::grid::tile_for_lonlat(10.7, 59.9, 0);
        for t in [oslo, strip, world] {
            c.insert((t.z, t.x, t.y, 0), 1, CachedTile::new(vec![1]));
        }
        assert_eq!(c.invalidate(&[Footprint::of(&l)], 2), 2);
        assert!(c.get(oslo.z, oslo.x, oslo.y, 0).is_some(), "Oslo lies in the bbox, not near the area");
        assert!(c.get(strip.z, strip.x, strip.y, 0).is_none());
        // a render of the strip from before the write is refused; Oslo's is kept
        c.insert((strip.z, strip.x, strip.y, 0), 1, CachedTile::new(vec![2]));
        assert!(c.get(strip.z, strip.x, strip.y, 0).is_none());
        c.insert((oslo.z, oslo.x, oslo.y, 0), 1, CachedTile::new(vec![2]));
        assert_eq!(c.get(oslo.z, oslo.x, oslo.y, 0).unwrap().raw, vec![2]);
    }

    #[test]
    fn filter_variants_are_apart_and_invalidated_together() {
        let c = TileCache::new(1000, 1 << 30);
        let t = super::super::grid::tile_for_lonlat(44.5, 40.2, 8);
        let v = variant("datetime=2021-05-01/2021-05-31");
        assert_ne!(v, 0);
        assert_eq!(v, variant("datetime=2021-05-01/2021-05-31"));
        assert_ne!(v, variant("datetime=2021-06-01/2021-06-30"));
        c.insert((t.z, t.x, t.y, 0), 1, CachedTile::new(vec![1]));
        c.insert((t.z, t.x, t.y, v), 1, CachedTile::new(vec![2]));
        assert_eq!(c.get(t.z, t.x, t.y, v).unwrap().raw, vec![2]);
        assert_eq!(c.get(t.z, t.x, t.y, 0).unwrap().raw, vec![1]);
        assert!(c.get(t.z, t.x, t.y, variant("kind=country")).is_none());
        assert_eq!(c.invalidate_bbox([44.4, 40.1, 44.6, 40.3], 2), 2);
        assert!(c.get(t.z, t.x, t.y, v).is_none());
    }

    #[test]
    fn bounded() {
        let c = TileCache::new(100, 1 << 30);
        for i in 0..1000u32 {
            c.insert((10, i, 0, 0), 0, CachedTile::new(vec![0; 10]));
        }
        assert!(c.len() <= 100);
        let c = TileCache::new(10_000, 10_000);
        for i in 0..1000u32 {
            c.insert((10, i, 0, 0), 0, CachedTile::new(vec![7; 100]));
        }
        assert!(c.bytes() <= 10_000);
    }
}
