//! Tile archives: the tile pyramid of a selection, walked once, into PMTiles v3 or MBTiles 1.3.
//!
//! The walk starts at 0/0/0 and descends into the four children of every tile that has features
//! or has an incident or place within a tile's width of it (a cluster's centroid, or a place too
//! small to draw at this zoom, may appear further down); tiles outside the bbox are left out.
//! Below a tile whose features are only covering areas ([`CoveredTile::same_below`]) nothing is
//! rendered: its bytes are copied to every tile beneath it. Each zoom is written in PMTiles tile
//! id order (Hilbert), rendered in parallel chunks; large places are drawn from the column pieces
//! of a [`Columns`] kept from zoom to zoom (the same tiles as the server's, from fewer vertices).

use super::{ExportError, Progress, Selection, Summary};
use crate::index::IndexSnapshot;
use crate::tiles::{self, Columns, CoveredTile, TileId, EXTENT};
use rayon::prelude::*;
use std::path::Path;

/// The zooms of a tile export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileRange {
    pub min: u8,
    pub max: u8,
}

impl TileRange {
    /// `min..=max`, with `min <= max <= 22` (the server's zooms).
    pub fn new(min: u8, max: u8) -> Result<TileRange, ExportError> {
        if min > max || max > tiles::MAX_ZOOM {
            return Err(ExportError::Zooms { min, max, limit: tiles::MAX_ZOOM });
        }
        Ok(TileRange { min, max })
    }
}

/// Tiles rendered per parallel chunk.
const CHUNK: usize = 2048;

fn tile_id(z: u8, x: u32, y: u32) -> u64 {
    pmtiles::TileCoord::new(z, x, y).map(|c| pmtiles::TileId::from(c).value()).unwrap_or(u64::MAX)
}

/// Whether the snapshot has anything within a tile's width of `tile` (x wrapping around).
fn near(snap: &IndexSnapshot, tile: &TileId) -> bool {
    let [x0, y0, x1, y1] = tile.world_bounds(f64::from(EXTENT));
    let mut boxes = vec![(x0.max(0.0), x1.min(1.0))];
    if x0 < 0.0 {
        boxes.push((x0 + 1.0, 1.0));
    }
    if x1 > 1.0 {
        boxes.push((0.0, x1 - 1.0));
    }
    boxes.into_iter().any(|(a, b)| {
        !snap.query_world_points(a, y0, b, y1).is_empty() || !snap.query_world_places(a, y0, b, y1).is_empty()
    })
}

/// Tile `x` and `y` ranges at zoom `z` of a lon/lat box (inclusive).
fn box_range(z: u8, bbox: [f64; 4]) -> ([u32; 2], [u32; 2]) {
    let nw = tiles::grid::tile_for_lonlat(bbox[0], bbox[3], z);
    let se = tiles::grid::tile_for_lonlat(bbox[2], bbox[1], z);
    ([nw.x.min(se.x), nw.x.max(se.x)], [nw.y.min(se.y), nw.y.max(se.y)])
}

/// What a tile pyramid is rendered from.
enum Source<'a> {
    Incidents(&'a IndexSnapshot),
    Basemap(&'a tiles::Basemap),
}

impl<'a> Source<'a> {
    fn render(&self, z: u8, x: u32, y: u32, cols: &Columns<'a>) -> Result<CoveredTile, ExportError> {
        Ok(match self {
            Source::Incidents(snap) => tiles::incidents_tile_cover_in(snap, z, x, y, cols)?,
            Source::Basemap(map) => CoveredTile { bytes: tiles::basemap_tile(map, z, x, y)?, same_below: false },
        })
    }

    fn near(&self, tile: &TileId) -> bool {
        match self {
            Source::Incidents(snap) => near(snap, tile),
            Source::Basemap(map) => map.has_features_near(tile, f64::from(EXTENT)),
        }
    }
}

/// A tile set to export: the incident tiles of a selection, or the basemap.
pub struct TileSet<'a> {
    source: Source<'a>,
    bbox: Option<[f64; 4]>,
    incidents: usize,
}

impl<'a> TileSet<'a> {
    /// The incident tiles of `sel` (only tiles over its bbox, when it has one).
    pub fn incidents(sel: &'a Selection) -> TileSet<'a> {
        TileSet { source: Source::Incidents(&sel.snapshot), bbox: sel.query.bbox, incidents: sel.snapshot.len() }
    }

    /// The basemap tiles (only tiles over `bbox`, when given).
    pub fn basemap(map: &'a tiles::Basemap, bbox: Option<[f64; 4]>) -> TileSet<'a> {
        TileSet { source: Source::Basemap(map), bbox, incidents: 0 }
    }

    /// The TileJSON of the export: the one `/tiles.json` is made from (incidents), with the
    /// export's zooms and bounds (the bbox, when given, within the data's).
    fn metadata(&self, zooms: TileRange, tiles_url: &str) -> (serde_json::Value, [f64; 4]) {
        let (meta, data) = match &self.source {
            Source::Incidents(snap) => {
                let b = tiles::tilejson::bounds(snap);
                (tiles::tilejson::tilejson(tiles_url, zooms.min, zooms.max, b), b)
            }
            Source::Basemap(_) => {
                (tiles::tilejson::basemap_tilejson(tiles_url, zooms.min, zooms.max), [-180.0, -85.0511, 180.0, 85.0511])
            }
        };
        let Some(q) = self.bbox else { return (meta, data) };
        let mut b = [data[0].max(q[0]), data[1].max(q[1]), data[2].min(q[2]), data[3].min(q[3])];
        if b[0] > b[2] || b[1] > b[3] {
            b = [q[0], q[1].max(-85.0511), q[2], q[3].min(85.0511)];
        }
        let mut meta = meta;
        meta["bounds"] = serde_json::json!(b);
        (meta, b)
    }
}

struct Rendered {
    x: u32,
    y: u32,
    gzip: Vec<u8>,
    /// Its children may have features.
    descend: bool,
    same_below: bool,
}

/// Walks the pyramid of `set` over `zooms`, calling `emit(z, x, y, gzip_bytes, copy_of)` for every
/// tile with features, in tile id order within each zoom; `copy_of` is `Some(root)` for a tile
/// copied from the covering tile `root` (an index into the roots seen so far, stable).
fn walk<E>(set: &TileSet<'_>, zooms: TileRange, progress: &dyn Progress, mut emit: E) -> Result<(u64, u64), ExportError>
where
    E: FnMut(u8, u32, u32, &[u8], Option<usize>) -> Result<(), ExportError>,
{
    let bbox = set.bbox;
    let in_box = |z: u8, x: u32, y: u32| match bbox {
        None => true,
        Some(b) => {
            let (xr, yr) = box_range(z, b);
            (xr[0]..=xr[1]).contains(&x) && (yr[0]..=yr[1]).contains(&y)
        }
    };
    // covering tiles: (zoom, x, y, gzip bytes)
    let mut roots: Vec<(u8, u32, u32, Vec<u8>)> = Vec::new();
    let mut candidates: Vec<(u32, u32)> = vec![(0, 0)];
    let (mut tiles_out, mut contents) = (0u64, 0u64);
    // large places are drawn from pieces made from those of the zoom above
    let mut cols = Columns::new();
    for z in 0..=zooms.max {
        cols.start_zoom(z);
        candidates.retain(|&(x, y)| in_box(z, x, y));
        candidates.sort_by_cached_key(|&(x, y)| tile_id(z, x, y));
        // tiles below covering tiles, in id order
        let mut copies: Vec<(u64, u32, u32, usize)> = Vec::new();
        if z >= zooms.min {
            for (r, (rz, rx, ry, _)) in roots.iter().enumerate() {
                let k = z - rz;
                let (mut xr, mut yr) = ([rx << k, ((rx + 1) << k) - 1], [ry << k, ((ry + 1) << k) - 1]);
                if let Some(b) = bbox {
                    let (bx, by) = box_range(z, b);
                    (xr, yr) = ([xr[0].max(bx[0]), xr[1].min(bx[1])], [yr[0].max(by[0]), yr[1].min(by[1])]);
                }
                for y in yr[0]..=yr[1] {
                    for x in xr[0]..=xr[1] {
                        copies.push((tile_id(z, x, y), x, y, r));
                    }
                }
            }
            copies.sort_unstable_by_key(|c| c.0);
        }
        progress.stage(&format!("tiles z{z}"), (candidates.len() + copies.len()) as u64);
        let mut next: Vec<(u32, u32)> = Vec::new();
        let mut new_roots = Vec::new();
        let mut ci = 0usize;
        // the copies with ids below `id`, before the tile `id`
        let copies_below = |id: u64, ci: &mut usize, tiles_out: &mut u64, emit: &mut E| -> Result<(), ExportError> {
            while *ci < copies.len() && copies[*ci].0 < id {
                let (_, x, y, r) = copies[*ci];
                emit(z, x, y, &roots[r].3, Some(r))?;
                *tiles_out += 1;
                *ci += 1;
                progress.advance(1);
            }
            Ok(())
        };
        for chunk in candidates.chunks(CHUNK) {
            let rendered: Vec<Result<Rendered, ExportError>> = chunk
                .par_iter()
                .map(|&(x, y)| {
                    let CoveredTile { bytes, same_below } = set.source.render(z, x, y, &cols)?;
                    let descend = !same_below && (!bytes.is_empty() || set.source.near(&TileId::new(z, x, y)?));
                    let gzip = if bytes.is_empty() { Vec::new() } else { tiles::gzip(&bytes) };
                    Ok(Rendered { x, y, gzip, descend, same_below })
                })
                .collect();
            for r in rendered {
                let r = r?;
                copies_below(tile_id(z, r.x, r.y), &mut ci, &mut tiles_out, &mut emit)?;
                if z >= zooms.min && !r.gzip.is_empty() {
                    emit(z, r.x, r.y, &r.gzip, None)?;
                    tiles_out += 1;
                    contents += 1;
                }
                progress.advance(1);
                if r.descend && z < zooms.max {
                    for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                        next.push((2 * r.x + dx, 2 * r.y + dy));
                    }
                }
                if r.same_below && !r.gzip.is_empty() && z < zooms.max {
                    new_roots.push((z, r.x, r.y, r.gzip));
                }
            }
        }
        copies_below(u64::MAX, &mut ci, &mut tiles_out, &mut emit)?;
        roots.extend(new_roots);
        candidates = next;
    }
    Ok((tiles_out, contents))
}

/// A PMTiles v3 archive of the selection's incident tiles over `zooms` (gzip tiles, TileJSON
/// metadata whose `tiles` is `pmtiles://NAME/{z}/{x}/{y}`, NAME the archive's file name).
pub fn write_pmtiles(
    set: &TileSet<'_>,
    zooms: TileRange,
    path: &Path,
    name: &str,
    progress: &dyn Progress,
) -> Result<Summary, ExportError> {
    use pmtiles::{Compression, PmTilesWriter, TileCoord, TileType};
    let (meta, b) = set.metadata(zooms, &format!("pmtiles://{name}/{{z}}/{{x}}/{{y}}"));
    let file = std::fs::File::create(path).map_err(ExportError::io(path))?;
    let perr = |e: pmtiles::PmtError| ExportError::write(path, e);
    let mut writer = PmTilesWriter::new(TileType::Mvt)
        .precompressed(Compression::Gzip)
        .internal_compression(Compression::Gzip)
        .min_zoom(zooms.min)
        .max_zoom(zooms.max)
        .bounds(b[0], b[1], b[2], b[3])
        .center((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0)
        .center_zoom(zooms.min)
        .metadata(meta.to_string())
        .create(file)
        .map_err(perr)?;
    let (tiles, contents) = walk(set, zooms, progress, |z, x, y, gz, _| {
        writer.add_tile(TileCoord::new(z, x, y).map_err(perr)?, gz).map_err(perr)
    })?;
    writer.finalize().map_err(perr)?;
    Ok(Summary { incidents: set.incidents, places: 0, tiles, tiles_rendered: contents })
}

/// An MBTiles 1.3 file of the selection's incident tiles over `zooms`: `format` pbf, gzip tiles,
/// TMS rows, each distinct tile stored once (`images`, `map`, and the `tiles` view readers use),
/// `json` metadata with the TileJSON's `vector_layers`.
pub fn write_mbtiles(
    set: &TileSet<'_>,
    zooms: TileRange,
    path: &Path,
    progress: &dyn Progress,
) -> Result<Summary, ExportError> {
    use sha2::{Digest, Sha256};
    let (meta, b) = set.metadata(zooms, "");
    let sq = ExportError::sqlite(path);
    let mut db = rusqlite::Connection::open(path).map_err(sq)?;
    db.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
         CREATE TABLE metadata (name TEXT, value TEXT);
         CREATE UNIQUE INDEX metadata_name ON metadata (name);
         CREATE TABLE map (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_id TEXT);
         CREATE UNIQUE INDEX map_index ON map (zoom_level, tile_column, tile_row);
         CREATE TABLE images (tile_data BLOB, tile_id TEXT);
         CREATE UNIQUE INDEX images_id ON images (tile_id);
         CREATE VIEW tiles AS SELECT map.zoom_level AS zoom_level, map.tile_column AS tile_column,
           map.tile_row AS tile_row, images.tile_data AS tile_data
           FROM map JOIN images ON images.tile_id = map.tile_id;",
    )
    .map_err(ExportError::sqlite(path))?;
    let tx = db.transaction().map_err(ExportError::sqlite(path))?;
    let rows = [
        ("name", meta["name"].as_str().unwrap_or("sitrep incidents").to_string()),
        ("description", meta["description"].as_str().unwrap_or_default().to_string()),
        ("version", meta["version"].as_str().unwrap_or_default().to_string()),
        ("attribution", tiles::tilejson::ATTRIBUTION.to_string()),
        ("type", "overlay".to_string()),
        ("format", "pbf".to_string()),
        ("minzoom", zooms.min.to_string()),
        ("maxzoom", zooms.max.to_string()),
        ("bounds", format!("{},{},{},{}", b[0], b[1], b[2], b[3])),
        ("center", format!("{},{},{}", (b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0, zooms.min)),
        ("json", serde_json::json!({"vector_layers": meta["vector_layers"]}).to_string()),
    ];
    for (k, v) in rows {
        tx.execute("INSERT INTO metadata (name, value) VALUES (?1, ?2)", (k, v)).map_err(ExportError::sqlite(path))?;
    }
    let (tiles, contents) = {
        let mut map = tx
            .prepare("INSERT INTO map (zoom_level, tile_column, tile_row, tile_id) VALUES (?1, ?2, ?3, ?4)")
            .map_err(ExportError::sqlite(path))?;
        let mut image = tx
            .prepare("INSERT OR IGNORE INTO images (tile_data, tile_id) VALUES (?1, ?2)")
            .map_err(ExportError::sqlite(path))?;
        let mut root_ids: Vec<Option<String>> = Vec::new();
        walk(set, zooms, progress, |z, x, y, gz, copy_of| {
            let key = |gz: &[u8]| -> String {
                Sha256::digest(gz).iter().take(16).map(|b| format!("{b:02x}")).collect::<String>()
            };
            let id = match copy_of {
                Some(r) => {
                    if root_ids.len() <= r {
                        root_ids.resize(r + 1, None);
                    }
                    root_ids[r].get_or_insert_with(|| key(gz)).clone()
                }
                None => key(gz),
            };
            image.execute((gz, &id)).map_err(ExportError::sqlite(path))?;
            let row = (1u32 << z) - 1 - y; // MBTiles rows count from the south (TMS)
            map.execute((z, x, row, &id)).map_err(ExportError::sqlite(path))?;
            Ok(())
        })?
    };
    tx.commit().map_err(ExportError::sqlite(path))?;
    db.close().map_err(|(_, e)| ExportError::sqlite(path)(e))?;
    Ok(Summary { incidents: set.incidents, places: 0, tiles, tiles_rendered: contents })
}
