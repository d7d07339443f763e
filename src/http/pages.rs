//! A cache of OGC items pages: the expensive part of a page (its features' JSON and its gzip)
//! kept across writes that do not change it.
//!
//! Contract: a page's body is its *features part* `{"type":"FeatureCollection","features":[…]`
//! followed by its *tail* `,"numberMatched":…,"numberReturned":…,"links":[…]}` — byte for byte
//! what serialising [`crate::features::ItemsPage`] gives. [`PageCache`] keeps the features part
//! per query (moka, bounded in bytes), with the identity of the incidents it holds (id, place
//! time and review of each, [`Identity`]) and its last tail. While no
//! index write published after the page's snapshot may have touched the page's bbox (each write
//! is noted with [`PageCache::note_write`] and its places' footprints, `index::cover`; a page
//! older than the write log reaches is stale), [`PageCache::current`] answers without a query.
//! Otherwise the request reruns the query; when the same incidents come back ([`PageCache::part`]) their JSON and its compressed form
//! are reused and only the tail is written, so a write in the page's box that does not change
//! the page's features (a new mention gets a higher id than a full page of the lowest ids
//! holds) costs a query and a tail, not the JSON and gzip of a hundred country polygons; the
//! tail's `numberMatched` is always current. The gzip answer is one gzip member: the features
//! part compressed once as raw deflate ending on a sync flush (byte-aligned, not final), the
//! tail compressed per request as the final blocks, the two CRC-32s combined — assembled here
//! because no crate splices deflate streams. ETags are weak, from the SHA-256 of the features
//! part and of the tail.
//! Not for: tiles (they have `tiles::cache`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use crate::index::cover::Footprint;

use flate2::{Compress, Compression, FlushCompress};
use sha2::{Digest, Sha256};

/// The incidents a features part holds, in page order: of each its id, the address of its
/// shared place, its time and its analyst's review seq, 0 for none (an id is one stored
/// mention; a mention replaced under the same id — loaded GeoJSON, or reviewed — differs in
/// place, time or review).
pub type Identity = Vec<(u64, usize, Option<i64>, i64)>;

/// The features part of a page, raw and compressed.
pub struct Part {
    identity: Identity,
    raw: bytes::Bytes,
    /// Raw deflate of `raw`, ending on a sync flush.
    deflate: bytes::Bytes,
    crc: crc32fast::Hasher,
    /// First 12 bytes of the SHA-256 of `raw`, hex.
    digest: String,
}

/// Raw deflate of `data` at the fastest level; `last`: ends the stream, else a sync flush.
fn deflate(data: &[u8], last: bool) -> Vec<u8> {
    let mut c = Compress::new(Compression::fast(), false);
    let mut out = Vec::with_capacity(data.len() / 4 + 64);
    let flush = if last { FlushCompress::Finish } else { FlushCompress::Sync };
    loop {
        let before = c.total_in() as usize;
        out.reserve(data.len() / 8 + 1024);
        let status = c.compress_vec(&data[before..], &mut out, flush);
        let done = c.total_in() as usize == data.len();
        match status {
            Ok(flate2::Status::StreamEnd) => break,
            Ok(_) if done && !last && out.len() < out.capacity() => break,
            Ok(_) => {}
            // compressing into a growing Vec does not fail; keep what there is
            Err(_) => break,
        }
    }
    out
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

impl Part {
    /// The features part `{"type":"FeatureCollection","features":` + `features_json`.
    pub fn new(identity: Identity, features_json: &[u8]) -> Part {
        let mut raw = Vec::with_capacity(features_json.len() + 40);
        raw.extend_from_slice(br#"{"type":"FeatureCollection","features":"#);
        raw.extend_from_slice(features_json);
        let mut crc = crc32fast::Hasher::new();
        crc.update(&raw);
        let digest = hex(&Sha256::digest(&raw)[..12]);
        let deflate = deflate(&raw, false).into();
        Part { identity, raw: raw.into(), deflate, crc, digest }
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The page of this part with `tail` (`,"numberMatched":…}`).
    pub fn page(self: &Arc<Self>, tail: Vec<u8>) -> Page {
        let t = hex(&Sha256::digest(&tail)[..6]);
        Page {
            etag: format!("W/\"{}-{t}\"", self.digest),
            etag_gzip: format!("W/\"{}-{t}-gz\"", self.digest),
            part: self.clone(),
            tail,
        }
    }
}

/// One answer: a cached features part and this request's tail.
pub struct Page {
    part: Arc<Part>,
    tail: Vec<u8>,
    pub etag: String,
    pub etag_gzip: String,
}

impl Page {
    /// The JSON.
    pub fn raw(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.part.raw.len() + self.tail.len());
        out.extend_from_slice(&self.part.raw);
        out.extend_from_slice(&self.tail);
        out
    }

    /// The JSON as one gzip member (see the module contract).
    pub fn gzip(&self) -> Vec<u8> {
        let tail = deflate(&self.tail, true);
        let mut crc = self.part.crc.clone();
        let mut tail_crc = crc32fast::Hasher::new();
        tail_crc.update(&self.tail);
        crc.combine(&tail_crc);
        let len = (self.part.raw.len() + self.tail.len()) as u64;
        let mut out = Vec::with_capacity(18 + self.part.deflate.len() + tail.len());
        // RFC 1952 header: magic, deflate, no flags, no mtime, no extra flags, OS unknown
        out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
        out.extend_from_slice(&self.part.deflate);
        out.extend_from_slice(&tail);
        out.extend_from_slice(&crc.finalize().to_le_bytes());
        out.extend_from_slice(&((len & 0xffff_ffff) as u32).to_le_bytes());
        out
    }
}

/// One cached page: its features part, its last tail, and what it was built from.
struct Entry {
    part: Arc<Part>,
    tail: Vec<u8>,
    generation: u64,
    /// `[w, s, e, n]` the page's query covered (the world without a bbox).
    bbox: [f64; 4],
}

struct Log {
    /// (generation, never decreasing; the footprints of the write's places)
    writes: VecDeque<(u64, Arc<[Footprint]>)>,
    /// Pages from generations below this are older than the log.
    floor: u64,
}

/// Writes remembered; a page older than the oldest is treated as stale.
const LOG_LEN: usize = 4096;

pub struct PageCache {
    pages: moka::sync::Cache<String, Arc<Entry>>,
    log: Mutex<Log>,
}

impl PageCache {
    pub fn new(max_bytes: u64) -> PageCache {
        PageCache {
            pages: moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|k: &String, e: &Arc<Entry>| {
                    let p = &e.part;
                    (k.len() + p.raw.len() + p.deflate.len() + p.identity.len() * 32 + e.tail.len())
                        .try_into()
                        .unwrap_or(u32::MAX)
                })
                .build(),
            log: Mutex::new(Log { writes: VecDeque::new(), floor: 0 }),
        }
    }

    /// Whether a write published after `generation` may have touched `bbox`.
    fn stale(&self, generation: u64, bbox: &[f64; 4]) -> bool {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        generation < log.floor
            || log
                .writes
                .iter()
                .rev()
                .take_while(|(g, _)| *g > generation)
                .any(|(_, fps)| fps.iter().any(|f| f.may_touch_lonlat(bbox)))
    }

    /// The cached page for `key` while no later write may have touched its bbox.
    pub fn current(&self, key: &str) -> Option<Page> {
        let e = self.pages.get(key)?;
        if self.stale(e.generation, &e.bbox) {
            return None;
        }
        Some(e.part.page(e.tail.clone()))
    }

    /// The features part cached for `key` if it holds exactly the incidents `identity`, else the
    /// one `make` builds.
    pub fn part(&self, key: &str, identity: Identity, make: impl FnOnce(Identity) -> Part) -> Arc<Part> {
        match self.pages.get(key) {
            Some(e) if e.part.identity == identity => e.part.clone(),
            _ => Arc::new(make(identity)),
        }
    }

    /// Keep `page`, built from snapshot `generation` for a query over `bbox`, unless a later
    /// write may already have touched it.
    pub fn store(&self, key: String, generation: u64, bbox: [f64; 4], page: &Page) {
        if !self.stale(generation, &bbox) {
            self.pages
                .insert(key, Arc::new(Entry { part: page.part.clone(), tail: page.tail.clone(), generation, bbox }));
        }
    }

    /// The index published `generation`, changing what its places' footprints may meet.
    pub fn note_write(&self, generation: u64, footprints: &[Footprint]) {
        if footprints.is_empty() {
            return;
        }
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        let generation = log.writes.back().map_or(generation, |(last, _)| generation.max(*last));
        log.writes.push_back((generation, footprints.into()));
        while log.writes.len() > LOG_LEN {
            if let Some((g, _)) = log.writes.pop_front() {
                log.floor = log.floor.max(g);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gunzip(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(b), &mut out).unwrap();
        out
    }

    #[test]
    fn the_spliced_gzip_is_one_member_that_inflates_to_the_json() {
        let features: Vec<u8> =
            (0..2000).map(|i| format!(r#"{{"id":{i},"geometry":"abcabcabc"}},"#)).collect::<String>().into();
        let p = Arc::new(Part::new(vec![(1, 1, None, 0)], &features));
        for tail in [&br#","numberMatched":12,"numberReturned":2,"links":[]}"#[..], b"}", b""] {
            let page = p.page(tail.to_vec());
            let raw = page.raw();
            assert!(raw.starts_with(br#"{"type":"FeatureCollection","features":"#));
            assert!(raw.ends_with(tail));
            let gz = page.gzip();
            assert_eq!(gunzip(&gz), raw);
            // one member: a strict single-member reader (flate2's GzDecoder stops after one)
            // saw all of it, and the trailer's CRC and length are right (it checks them)
            assert!(gz.len() < raw.len() / 4, "{} vs {}", gz.len(), raw.len());
        }
        // the tail changes the ETag, the gzip form has its own
        let a = p.page(b"1}".to_vec());
        let b = p.page(b"2}".to_vec());
        assert_ne!(a.etag, b.etag);
        assert_ne!(a.etag, a.etag_gzip);
        assert!(a.etag.starts_with("W/\""));
    }

    #[test]
    fn a_part_is_reused_only_for_the_same_incidents() {
        let c = PageCache::new(1 << 20);
        let mut built = 0;
        let mut get = |id: Identity| {
            let p = c.part("k", id, |id| {
                built += 1;
                Part::new(id, b"[]")
            });
            c.store("k".into(), 1, [0.0, 0.0, 1.0, 1.0], &p.page(b"}".to_vec()));
        };
        get(vec![(1, 10, None, 0), (2, 20, Some(5), 0)]);
        get(vec![(1, 10, None, 0), (2, 20, Some(5), 0)]);
        get(vec![(1, 10, None, 0), (2, 21, Some(5), 0)]);
        get(vec![(1, 10, None, 0)]);
        assert_eq!(built, 3);
    }

    fn page(c: &PageCache, key: &str, generation: u64, bbox: [f64; 4]) {
        let p = Arc::new(Part::new(vec![], b"[]"));
        c.store(key.into(), generation, bbox, &p.page(b"}".to_vec()));
    }

    #[test]
    fn a_write_in_the_box_makes_the_page_stale_and_one_elsewhere_does_not() {
        let c = PageCache::new(1 << 20);
        page(&c, "kyiv", 1, [30.0, 50.0, 31.0, 51.0]);
        page(&c, "gaza", 1, [34.0, 31.0, 35.0, 32.0]);
        assert!(c.current("kyiv").is_some());
        c.note_write(2, &[Footprint::bbox([30.5, 50.5, 30.5, 50.5])]);
        assert!(c.current("kyiv").is_none());
        assert!(c.current("gaza").is_some());
        // a page built before a write that touched it is not kept
        page(&c, "kyiv", 1, [30.0, 50.0, 31.0, 51.0]);
        assert!(c.current("kyiv").is_none());
        page(&c, "kyiv", 2, [30.0, 50.0, 31.0, 51.0]);
        assert!(c.current("kyiv").is_some());
        // across the antimeridian
        assert!(Footprint::bbox([170.0, -10.0, -170.0, 10.0]).may_touch_lonlat(&[-175.0, 0.0, -174.0, 1.0]));
        assert!(!Footprint::bbox([170.0, -10.0, -170.0, 10.0]).may_touch_lonlat(&[0.0, 0.0, 1.0, 1.0]));
    }

    #[test]
    fn an_area_leaves_the_pages_in_the_empty_corner_of_its_bbox_alone() {
        // Oslo lies in the L's bbox only
        let l = crate::index::cover::l_shaped_country();
        let c = PageCache::new(1 << 20);
        page(&c, "oslo", 1, [10.0, 59.5, 11.5, 60.5]);
        page(&c, "strip", 1, [36.0, 59.5, 37.0, 60.5]);
        c.note_write(2, &[Footprint::of(&l)]);
        assert!(c.current("oslo").is_some());
        assert!(c.current("strip").is_none());
    }
}
