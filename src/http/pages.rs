//! A cache of OGC items pages (the JSON and its gzip), kept coherent with the index's writes.
//!
//! Contract: [`PageCache::get`] returns a page only while no index write published after the
//! page's snapshot touched the page's bbox (each write is noted with [`PageCache::note_write`]
//! and its lon/lat bbox; a page older than the write log reaches is dropped). A page built from a
//! snapshot that a later write already touched is never stored. Bounded in bytes (moka, weighed
//! by the bytes held). Serving a cached page costs a copy, not a query and a compression: a
//! country's page repeats its geometry once per mention and gzips to a fraction.
//! Not for: tiles (they have `tiles::cache`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// Writes remembered; a page older than the oldest is treated as stale.
const LOG_LEN: usize = 4096;

/// One cached answer.
pub struct Page {
    pub generation: u64,
    /// `[w, s, e, n]` the page's query covered (the world without a bbox).
    pub bbox: [f64; 4],
    /// The JSON, gzipped (a client that does not take gzip gets it inflated).
    pub gzip: bytes::Bytes,
    /// Weak entity tags of the JSON and of its gzip (SHA-256 of the JSON).
    pub etag: String,
    pub etag_gzip: String,
}

impl Page {
    /// Gzips `raw` at the fastest level (a page repeats a country's geometry per mention: even
    /// the fastest level shrinks it many times).
    pub fn new(generation: u64, bbox: [f64; 4], raw: &[u8]) -> Page {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(raw.len() / 4), flate2::Compression::fast());
        let gzip = enc.write_all(raw).and_then(|_| enc.finish()).unwrap_or_default();
        let digest = <sha2::Sha256 as sha2::Digest>::digest(raw);
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        Page { generation, bbox, gzip: gzip.into(), etag: format!("W/\"{hex}\""), etag_gzip: format!("W/\"{hex}-gz\"") }
    }

    /// The JSON itself.
    pub fn raw(&self) -> Vec<u8> {
        use std::io::Read;
        let mut out = Vec::with_capacity(self.gzip.len() * 8);
        let _ = flate2::read::GzDecoder::new(&self.gzip[..]).read_to_end(&mut out);
        out
    }
}

struct Log {
    writes: VecDeque<(u64, [f64; 4])>,
    /// Pages from generations below this are older than the log.
    floor: u64,
}

pub struct PageCache {
    pages: moka::sync::Cache<String, Arc<Page>>,
    log: Mutex<Log>,
}

/// Whether two `[w, s, e, n]` boxes meet; either may cross the antimeridian (`w > e`).
fn touches(a: &[f64; 4], b: &[f64; 4]) -> bool {
    let split = |x: &[f64; 4]| -> Vec<(f64, f64)> {
        if x[0] > x[2] {
            vec![(x[0], 180.0), (-180.0, x[2])]
        } else {
            vec![(x[0], x[2])]
        }
    };
    if a[1] > b[3] || b[1] > a[3] {
        return false;
    }
    split(a).iter().any(|&(a0, a1)| split(b).iter().any(|&(b0, b1)| a0 <= b1 && b0 <= a1))
}

impl PageCache {
    pub fn new(max_bytes: u64) -> PageCache {
        PageCache {
            pages: moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|k: &String, p: &Arc<Page>| (k.len() + p.gzip.len()).try_into().unwrap_or(u32::MAX))
                .build(),
            log: Mutex::new(Log { writes: VecDeque::new(), floor: 0 }),
        }
    }

    fn stale(&self, p: &Page) -> bool {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        p.generation < log.floor || log.writes.iter().any(|(g, b)| *g > p.generation && touches(b, &p.bbox))
    }

    pub fn get(&self, key: &str) -> Option<Arc<Page>> {
        let p = self.pages.get(key)?;
        if self.stale(&p) {
            self.pages.invalidate(key);
            return None;
        }
        Some(p)
    }

    pub fn insert(&self, key: String, page: Arc<Page>) {
        if !self.stale(&page) {
            self.pages.insert(key, page);
        }
    }

    /// The index published `generation`, changing what lies in `bboxes`.
    pub fn note_write(&self, generation: u64, bboxes: &[[f64; 4]]) {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.writes.extend(bboxes.iter().map(|b| (generation, *b)));
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

    fn page(generation: u64, bbox: [f64; 4]) -> Arc<Page> {
        Arc::new(Page::new(generation, bbox, b"{}"))
    }

    #[test]
    fn a_write_in_the_box_makes_the_page_stale_and_one_elsewhere_does_not() {
        let c = PageCache::new(1 << 20);
        c.insert("kyiv".into(), page(1, [30.0, 50.0, 31.0, 51.0]));
        c.insert("gaza".into(), page(1, [34.0, 31.0, 35.0, 32.0]));
        assert_eq!(c.get("kyiv").unwrap().raw(), b"{}");
        c.note_write(2, &[[30.5, 50.5, 30.5, 50.5]]);
        assert!(c.get("kyiv").is_none());
        assert!(c.get("gaza").is_some());
        // a page rendered before a write that touched it is not stored
        c.insert("kyiv".into(), page(1, [30.0, 50.0, 31.0, 51.0]));
        assert!(c.get("kyiv").is_none());
        c.insert("kyiv".into(), page(2, [30.0, 50.0, 31.0, 51.0]));
        assert!(c.get("kyiv").is_some());
        // across the antimeridian
        assert!(touches(&[170.0, -10.0, -170.0, 10.0], &[-175.0, 0.0, -174.0, 1.0]));
        assert!(!touches(&[170.0, -10.0, -170.0, 10.0], &[0.0, 0.0, 1.0, 1.0]));
    }
}
