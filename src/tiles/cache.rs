//! Bounded in-memory tile cache keyed by (z, x, y) and a variant (0: the unfiltered tile;
//! [`variant`] of a normalised filter: that filter's tile).
//!
//! Contract: stores each tile's raw MVT bytes, its gzip bytes and a strong ETag (the first 16
//! hex digits of the SHA-256 of the raw bytes, quoted; the gzip representation gets a `-gz`
//! suffix because it is a different representation). [`TileCache::invalidate_bbox`] drops every
//! cached tile whose buffered area (plus one cluster cell) intersects a lon/lat bbox, at every
//! zoom. Coherence with the index: a tile is tagged with the snapshot generation it was built
//! from, and [`TileCache::insert`] refuses a tile built before a later invalidation that touches
//! it, so a slow render of an old snapshot cannot re-insert stale bytes. Eviction drops roughly
//! the least recently used quarter when the entry or byte bound is exceeded.
//! Not for: HTTP headers or deciding when to invalidate (the ingest path calls it).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use super::cluster::CELL_UNITS;
use super::grid::{TileId, BUFFER};
use crate::index::proj;

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

struct Inner {
    map: HashMap<Key, Arc<CachedTile>>,
    bytes: usize,
    /// Recent invalidations: (generation of the snapshot that caused it, bbox).
    log: VecDeque<(u64, [f64; 4])>,
    /// Tiles built from generations below this are refused (the log was trimmed past them).
    floor: u64,
}

/// The tile cache.
pub struct TileCache {
    inner: Mutex<Inner>,
    max_entries: usize,
    max_bytes: usize,
    clock: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
}

const LOG_LEN: usize = 4096;

impl TileCache {
    pub fn new(max_entries: usize, max_bytes: usize) -> TileCache {
        TileCache {
            inner: Mutex::new(Inner { map: HashMap::new(), bytes: 0, log: VecDeque::new(), floor: 0 }),
            max_entries: max_entries.max(1),
            max_bytes,
            clock: AtomicU64::new(1),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, z: u8, x: u32, y: u32, variant: u64) -> Option<Arc<CachedTile>> {
        let Some(t) = self.lock().map.get(&(z, x, y, variant)).cloned() else {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        self.hits.fetch_add(1, Ordering::Relaxed);
        t.last_used.store(self.clock.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        Some(t)
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
    pub fn insert(&self, (z, x, y, variant): Key, generation: u64, tile: CachedTile) -> Arc<CachedTile> {
        let tile = Arc::new(tile);
        tile.last_used.store(self.clock.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        let mut g = self.lock();
        if generation < g.floor {
            return tile;
        }
        if let Ok(id) = TileId::new(z, x, y) {
            let stale = g.log.iter().any(|(gen, bbox)| *gen > generation && tile_touches(&id, bbox));
            if stale {
                return tile;
            }
        }
        if let Some(old) = g.map.insert((z, x, y, variant), tile.clone()) {
            g.bytes -= old.bytes();
        }
        g.bytes += tile.bytes();
        if g.map.len() > self.max_entries || g.bytes > self.max_bytes {
            evict(&mut g, self.max_entries * 3 / 4, self.max_bytes / 4 * 3);
        }
        tile
    }

    /// Drop every cached tile that may show something inside `bbox` (`[w, s, e, n]`, `w > e`
    /// across the antimeridian), after the index published snapshot `generation`. Returns the
    /// number of tiles dropped.
    pub fn invalidate_bbox(&self, bbox: [f64; 4], generation: u64) -> usize {
        self.invalidate_bboxes(&[bbox], generation)
    }

    /// [`Self::invalidate_bbox`] for many boxes at once (the places one write touched), in one
    /// pass over the cached tiles; boxes inside another are tested once, through the larger.
    pub fn invalidate_bboxes(&self, bboxes: &[[f64; 4]], generation: u64) -> usize {
        let boxes = outermost(bboxes);
        let worlds: Vec<WorldBox> = boxes.iter().map(WorldBox::of).collect();
        let mut g = self.lock();
        for b in &boxes {
            g.log.push_back((generation, *b));
        }
        while g.log.len() > LOG_LEN {
            if let Some((gen, _)) = g.log.pop_front() {
                g.floor = g.floor.max(gen);
            }
        }
        let doomed: Vec<Key> = g
            .map
            .keys()
            .filter(|&&(z, x, y, _)| match TileId::new(z, x, y) {
                Ok(t) => {
                    let tb = t.world_bounds(f64::from(BUFFER + CELL_UNITS));
                    worlds.iter().any(|w| w.touches(tb))
                }
                Err(_) => true,
            })
            .copied()
            .collect();
        for k in &doomed {
            if let Some(old) = g.map.remove(k) {
                g.bytes -= old.bytes();
            }
        }
        doomed.len()
    }

    /// Drop everything (e.g. after a bulk reload).
    pub fn clear(&self, generation: u64) {
        let mut g = self.lock();
        g.map.clear();
        g.bytes = 0;
        g.log.clear();
        g.floor = generation;
    }
}

fn evict(g: &mut Inner, keep_entries: usize, keep_bytes: usize) {
    let mut by_age: Vec<(Key, u64)> = g.map.iter().map(|(k, v)| (*k, v.last_used.load(Ordering::Relaxed))).collect();
    by_age.sort_unstable_by_key(|(_, t)| *t);
    for (k, _) in by_age {
        if g.map.len() <= keep_entries && g.bytes <= keep_bytes {
            break;
        }
        if let Some(old) = g.map.remove(&k) {
            g.bytes -= old.bytes();
        }
    }
}

/// The boxes not inside another box of the list (`w > e` boxes, across the antimeridian, are
/// kept as they are).
pub fn outermost(bboxes: &[[f64; 4]]) -> Vec<[f64; 4]> {
    let inside = |a: &[f64; 4], b: &[f64; 4]| {
        a[0] <= a[2] && b[0] <= b[2] && b[0] <= a[0] && a[2] <= b[2] && b[1] <= a[1] && a[3] <= b[3]
    };
    let area = |b: &[f64; 4]| if b[0] > b[2] { f64::INFINITY } else { (b[2] - b[0]) * (b[3] - b[1]) };
    let mut v: Vec<[f64; 4]> = bboxes.to_vec();
    v.sort_by(|a, b| area(b).total_cmp(&area(a)));
    let mut out: Vec<[f64; 4]> = Vec::new();
    for b in v {
        if !out.iter().any(|o| inside(&b, o)) {
            out.push(b);
        }
    }
    out
}

/// A lon/lat bbox in world units, split at the antimeridian: computed once per write.
struct WorldBox {
    y0: f64,
    y1: f64,
    xs: [(f64, f64); 2],
    n: usize,
}

impl WorldBox {
    fn of(b: &[f64; 4]) -> WorldBox {
        let [w, s, e, n] = *b;
        let (y0, y1) = (proj::lat_to_world_y(n), proj::lat_to_world_y(s));
        if w > e {
            WorldBox { y0, y1, xs: [(proj::lon_to_world_x(w), 1.0), (0.0, proj::lon_to_world_x(e))], n: 2 }
        } else {
            let r = (proj::lon_to_world_x(w), proj::lon_to_world_x(e));
            WorldBox { y0, y1, xs: [r, r], n: 1 }
        }
    }

    /// Whether it meets a tile's world bounds `[x0, y0, x1, y1]` (x may leave [0, 1]).
    fn touches(&self, [x0, y0, x1, y1]: [f64; 4]) -> bool {
        if self.y1 < y0 || self.y0 > y1 {
            return false;
        }
        self.xs[..self.n].iter().any(|&(a, b)| (-1..=1).any(|k| b + f64::from(k) >= x0 && a + f64::from(k) <= x1))
    }
}

/// Whether the tile's area of influence (buffer plus one cluster cell) intersects a lon/lat bbox.
fn tile_touches(t: &TileId, bbox: &[f64; 4]) -> bool {
    WorldBox::of(bbox).touches(t.world_bounds(f64::from(BUFFER + CELL_UNITS)))
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
