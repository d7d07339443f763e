//! PLACEHOLDER tiles API (empty tiles), replaced by the real encoder from the `tiles` branch.

use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum TileError {
    #[error("tile {0}/{1}/{2} does not exist: z must be 0..=22 and x, y below 2^z")]
    OutOfRange(u8, u32, u32),
}

pub enum BasemapLayer {
    Countries,
    Admin1,
    Places,
}

pub struct BasemapFeature {
    pub geometry: geo_types::Geometry<f64>,
    pub layer: BasemapLayer,
    pub min_zoom: u8,
    pub props: serde_json::Map<String, serde_json::Value>,
}

pub struct Basemap;

impl Basemap {
    pub fn new(_f: Vec<BasemapFeature>) -> Basemap {
        Basemap
    }
}

fn check(z: u8, x: u32, y: u32) -> Result<(), TileError> {
    if z > 22 || x >= (1u32 << z) || y >= (1u32 << z) {
        return Err(TileError::OutOfRange(z, x, y));
    }
    Ok(())
}

pub fn incidents_tile(_s: &crate::index::IndexSnapshot, z: u8, x: u32, y: u32) -> Result<Vec<u8>, TileError> {
    check(z, x, y)?;
    Ok(vec![])
}

pub fn basemap_tile(_b: &Basemap, z: u8, x: u32, y: u32) -> Result<Vec<u8>, TileError> {
    check(z, x, y)?;
    Ok(vec![])
}

pub struct CachedTile {
    pub raw: Vec<u8>,
    pub gzip: Vec<u8>,
    pub etag: String,
}

pub struct TileCache;

impl TileCache {
    pub fn new(_cap: usize) -> TileCache {
        TileCache
    }
    pub fn get(&self, _z: u8, _x: u32, _y: u32) -> Option<Arc<CachedTile>> {
        None
    }
    pub fn put(&self, _z: u8, _x: u32, _y: u32, raw: Vec<u8>) -> Arc<CachedTile> {
        Arc::new(CachedTile { gzip: raw.clone(), raw, etag: "\"x\"".into() })
    }
    pub fn invalidate(&self, _bbox: [f64; 4]) {}
}
