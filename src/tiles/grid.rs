//! Tile maths: XYZ tile addressing over Web Mercator and tile pixel space.
//!
//! Contract: pure functions. Tile pixel space has its origin at the tile's top-left corner, x to
//! the east, y *down*, [`EXTENT`] units across; features may reach [`BUFFER`] units beyond each
//! edge. World coordinates are those of [`crate::index::proj`] (re-exported here). Zoom 0–22.
//! Not for: geometry clipping or encoding.

pub use crate::index::proj::{
    lat_to_world_y, lon_to_world_x, lonlat_to_world, world_x_to_lon, world_y_to_lat, MAX_LAT,
};
use geo_types::Coord;

use super::TileError;

/// Tile extent (units per tile side).
pub const EXTENT: u32 = 4096;
/// Buffer around the tile, in tile units.
pub const BUFFER: u32 = 64;
/// Highest zoom served.
pub const MAX_ZOOM: u8 = 22;

/// A validated tile address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileId {
    /// Validate `z <= 22` and `x, y < 2^z`.
    pub fn new(z: u8, x: u32, y: u32) -> Result<TileId, TileError> {
        if z > MAX_ZOOM {
            return Err(TileError::ZoomOutOfRange(z));
        }
        let n = 1u32 << z;
        if x >= n || y >= n {
            return Err(TileError::OutOfRange { z, x, y });
        }
        Ok(TileId { z, x, y })
    }

    /// Number of tiles per axis at this zoom.
    pub fn n(&self) -> f64 {
        f64::from(1u32 << self.z)
    }

    /// World-unit bounds `[x0, y0, x1, y1]` (y0 is the north edge), grown by `margin` tile units.
    pub fn world_bounds(&self, margin: f64) -> [f64; 4] {
        let n = self.n();
        let m = margin / f64::from(EXTENT);
        [
            (f64::from(self.x) - m) / n,
            (f64::from(self.y) - m) / n,
            (f64::from(self.x) + 1.0 + m) / n,
            (f64::from(self.y) + 1.0 + m) / n,
        ]
    }

    /// Lon/lat bounds `[w, s, e, n]` of the tile itself (no buffer).
    pub fn lonlat_bounds(&self) -> [f64; 4] {
        let [x0, y0, x1, y1] = self.world_bounds(0.0);
        [world_x_to_lon(x0), world_y_to_lat(y1), world_x_to_lon(x1), world_y_to_lat(y0)]
    }

    /// World coordinate → tile pixel space (f64, y down). `shift` adds whole worlds to x, for
    /// geometries drawn across the antimeridian.
    #[inline]
    pub fn to_tile(&self, c: Coord<f64>, shift: f64) -> Coord<f64> {
        let n = self.n();
        let e = f64::from(EXTENT);
        Coord { x: ((c.x + shift) * n - f64::from(self.x)) * e, y: (c.y * n - f64::from(self.y)) * e }
    }

    /// Tile pixel space → world coordinate.
    pub fn to_world(&self, c: Coord<f64>) -> Coord<f64> {
        let n = self.n();
        let e = f64::from(EXTENT);
        Coord { x: (c.x / e + f64::from(self.x)) / n, y: (c.y / e + f64::from(self.y)) / n }
    }
}

/// The tile at zoom `z` containing a lon/lat position (longitude wrapped, latitude clamped).
pub fn tile_for_lonlat(lon: f64, lat: f64, z: u8) -> TileId {
    let n = f64::from(1u32 << z);
    let max = (1u32 << z) - 1;
    let x = ((lon_to_world_x(crate::index::proj::wrap_lon(lon)) * n).floor() as u32).min(max);
    let y = ((lat_to_world_y(lat) * n).floor() as u32).min(max);
    TileId { z, x, y }
}

/// Lon/lat → tile pixel space of `tile` (f64, y down).
pub fn lonlat_to_tile(tile: &TileId, lon: f64, lat: f64) -> Coord<f64> {
    tile.to_tile(lonlat_to_world(Coord { x: lon, y: lat }), 0.0)
}

/// Tile pixel space of `tile` → lon/lat.
pub fn tile_to_lonlat(tile: &TileId, c: Coord<f64>) -> Coord<f64> {
    let w = tile.to_world(c);
    Coord { x: world_x_to_lon(w.x), y: world_y_to_lat(w.y) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        assert!(TileId::new(0, 0, 0).is_ok());
        assert!(TileId::new(0, 1, 0).is_err());
        assert!(TileId::new(22, (1 << 22) - 1, 5).is_ok());
        assert!(TileId::new(23, 0, 0).is_err());
        assert!(TileId::new(4, 16, 0).is_err());
        assert!(TileId::new(4, 0, 16).is_err());
    }

    #[test]
    fn round_trips() {
        for z in [0u8, 3, 8, 14, 22] {
            for &(lon, lat) in &[(30.5234, 50.4501), (-122.4, 37.8), (179.999, -84.9), (-180.0, 0.0)] {
                let t = tile_for_lonlat(lon, lat, z);
                let p = lonlat_to_tile(&t, lon, lat);
                assert!((0.0..=4096.0).contains(&p.x) && (0.0..=4096.0).contains(&p.y), "{z} {p:?}");
                let back = tile_to_lonlat(&t, p);
                assert!((back.x - lon).abs() < 1e-9 && (back.y - lat).abs() < 1e-9);
            }
        }
        // Kyiv at z8 → tile 149/86 (the research notes' example tile)
        let t = tile_for_lonlat(30.5234, 50.4501, 8);
        assert_eq!((t.x, t.y), (149, 86));
        let b = TileId::new(1, 1, 0).unwrap().lonlat_bounds();
        assert!((b[0] - 0.0).abs() < 1e-12 && (b[2] - 180.0).abs() < 1e-12);
        assert!((b[1] - 0.0).abs() < 1e-9 && (b[3] - MAX_LAT).abs() < 1e-9);
    }
}
