//! Exports: the stored incidents as files other tools read, without a sitrep process.
//!
//! Contract:
//! - [`Selection`] is what an export writes: every stored mention read into an index snapshot the
//!   way `sitrep serve` builds its own ([`crate::features::load_incidents`]), then — only when a filter
//!   is given — the incidents passing an [`ItemsQuery`] (bbox, datetime, kind, precision, q: the
//!   parameters of the OGC items, with their meaning) rebuilt into a snapshot of their own.
//!   [`select`] is the one filter, shared with the HTTP download.
//! - GeoJSON and CSV ([`write_geojson`], [`write_csv`]) stream one incident at a time to any
//!   `Write` (a file, an HTTP body), ordered by id, nothing held beyond the snapshot: GeoJSON
//!   features are the OGC items' features with the full geometry; a CSV row is the incident
//!   schema's properties ([`crate::schema::MENTION_FIELDS`], `relation` as JSON text) plus
//!   `geometry_type`.
//! - PMTiles v3 and MBTiles ([`write_pmtiles`], [`write_mbtiles`]) hold, for every tile of
//!   `minzoom..=maxzoom` that has features (within the bbox, when one is given), exactly the
//!   bytes `GET /tiles/{z}/{x}/{y}.mvt` answers with `Accept-Encoding: gzip` from the same data:
//!   rendered by [`crate::tiles::incidents_tile_cover`] and compressed by [`crate::tiles::gzip`];
//!   the metadata is [`crate::tiles::tilejson::tilejson`], the code behind `/tiles.json`.
//!   Tiles below a tile that is one country's interior are copied, not rendered
//!   ([`crate::tiles::CoveredTile::same_below`]). PMTiles through the `pmtiles` crate; MBTiles 1.3
//!   (TMS rows, gzip `pbf`, tiles stored once in `images` behind a `tiles` view) through rusqlite.
//! - GeoPackage 1.3 ([`write_gpkg`]) through rusqlite: feature table `incidents` (one row per
//!   mention, its place's representative point, the schema's properties) and `places` (each
//!   place of those incidents once, its full geometry), joined on `place_id`.
//! - The basemap (`Content::Basemap`: [`crate::tiles::basemap_tile`], the tiles of
//!   `GET /basemap/{z}/{x}/{y}.mvt`) exports to PMTiles and MBTiles the same way, for a web map
//!   served from archives alone.
//! - [`export_file`] writes OUT through a temporary file beside it, renamed at the end: a failed
//!   export leaves no OUT and no temporary file. Every [`ExportError`] names the file it concerns.
//! - Progress goes to a [`Progress`]; nothing is printed.
//!
//! Not for: HTTP (`http::export` streams [`write_geojson`] / [`write_csv`]), argument parsing
//! (`cli::export`).

mod gpkg;
mod table;
mod tiles;

pub use gpkg::write_gpkg;
pub use table::{write_csv, write_geojson};
pub use tiles::{write_mbtiles, write_pmtiles, TileRange, TileSet};

use crate::features::ItemsQuery;
use crate::index::{Incident, IndexSnapshot, SpatialIndex};
use crate::store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    #[error("{path}: {message}")]
    Write { path: PathBuf, message: String },
    #[error("reading the store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    Tile(#[from] crate::tiles::TileError),
    #[error("zoom range {min}..{max}: minzoom must not exceed maxzoom, and maxzoom must be at most {limit}")]
    Zooms { min: u8, max: u8, limit: u8 },
}

impl ExportError {
    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
        move |source| ExportError::Io { path: path.to_path_buf(), source }
    }
    fn sqlite(path: &Path) -> impl FnOnce(rusqlite::Error) -> ExportError + '_ {
        move |source| ExportError::Sqlite { path: path.to_path_buf(), source }
    }
    fn write(path: &Path, message: impl std::fmt::Display) -> ExportError {
        ExportError::Write { path: path.to_path_buf(), message: message.to_string() }
    }
}

/// Where an export reports how far it is. `stage` starts a stage of `len` steps (0: unknown).
pub trait Progress: Sync {
    fn stage(&self, name: &str, len: u64);
    fn advance(&self, n: u64);
}

/// Reports nothing.
pub struct Quiet;

impl Progress for Quiet {
    fn stage(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Incidents written (GeoJSON, CSV, GeoPackage) or drawn in the tiles (PMTiles, MBTiles).
    pub incidents: usize,
    /// Places written (GeoPackage).
    pub places: usize,
    /// Tiles addressed (PMTiles, MBTiles), copies of identical tiles included.
    pub tiles: u64,
    /// Tiles rendered (the others are copies of a covering tile above them).
    pub tiles_rendered: u64,
}

/// Whether a query filters anything (limit, offset and zoom are not filters).
pub fn is_filter(q: &ItemsQuery) -> bool {
    q.bbox.is_some() || q.datetime.is_some() || !q.kinds.is_empty() || !q.precisions.is_empty() || q.q.is_some()
}

/// The incidents of `snap` passing `q`'s filters (not its paging), ordered by id: the rule the
/// OGC items apply, without a page.
pub fn select<'a>(snap: &'a IndexSnapshot, q: &ItemsQuery) -> Vec<&'a Incident> {
    let world = [-180.0, -90.0, 180.0, 90.0];
    snap.query_bbox_lonlat(q.bbox.unwrap_or(world)).into_iter().filter(|i| q.accepts(i)).collect()
}

/// The incidents an export writes, in a snapshot of their own.
pub struct Selection {
    pub snapshot: Arc<IndexSnapshot>,
    /// The filter it was made with (the bbox also bounds the exported tiles).
    pub query: ItemsQuery,
}

impl Selection {
    /// Every stored mention, filtered by `query` when it filters anything.
    pub fn from_store(store: &Store, query: &ItemsQuery) -> Result<Selection, ExportError> {
        let index = SpatialIndex::new();
        // what the map shows: the incidents an analyst rejected are left out
        let all = crate::features::load_incidents(store, &index)?;
        index.replace_all(all.into_iter().filter(|i| !crate::features::is_rejected(i)).collect());
        let snapshot = index.snapshot();
        if !is_filter(query) {
            return Ok(Selection { snapshot, query: query.clone() });
        }
        let kept: Vec<Incident> = select(&snapshot, query).into_iter().cloned().collect();
        drop(snapshot);
        let filtered = SpatialIndex::new();
        filtered.replace_all(kept);
        Ok(Selection { snapshot: filtered.snapshot(), query: query.clone() })
    }

    /// The selected incidents, ordered by id.
    pub fn incidents(&self) -> Vec<&Incident> {
        let mut all: Vec<&Incident> = self.snapshot.iter().map(|i| i.incident()).collect();
        all.sort_unstable_by_key(|i| i.id);
        all
    }
}

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    Csv,
    Gpkg,
    MbTiles,
    PmTiles,
}

/// What an export writes.
pub enum Content<'a> {
    /// Incidents (every format).
    Incidents(&'a Selection),
    /// The basemap's tiles (MBTiles, PMTiles), over a bbox when given.
    Basemap(&'a crate::tiles::Basemap, Option<[f64; 4]>),
}

/// Writes `content` as `format` to `out`, through a temporary file beside it that is renamed
/// to `out` once complete (removed on failure).
pub fn export_file(
    content: &Content<'_>,
    format: Format,
    zooms: TileRange,
    out: &Path,
    progress: &dyn Progress,
) -> Result<Summary, ExportError> {
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "export".into());
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(ExportError::write(out, "the directory does not exist"));
    }
    let tmp = dir.join(format!(".{name}.{}.partial", std::process::id()));
    let set = match *content {
        Content::Incidents(sel) => TileSet::incidents(sel),
        Content::Basemap(map, bbox) => TileSet::basemap(map, bbox),
    };
    let selection = match *content {
        Content::Incidents(sel) => Some(sel),
        Content::Basemap(..) => None,
    };
    let need_incidents =
        || selection.ok_or_else(|| ExportError::write(out, "the basemap exports only as tiles (mbtiles, pmtiles)"));
    let result = (|| -> Result<Summary, ExportError> {
        let summary = match format {
            Format::GeoJson | Format::Csv => {
                let file = std::fs::File::create(&tmp).map_err(ExportError::io(out))?;
                let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
                let incidents = need_incidents()?.incidents();
                progress.stage("incidents", incidents.len() as u64);
                let n = if format == Format::GeoJson {
                    write_geojson(incidents.into_iter(), &mut w, progress)
                } else {
                    write_csv(incidents.into_iter(), &mut w, progress)
                }
                .map_err(ExportError::io(out))?;
                let file = w.into_inner().map_err(|e| ExportError::io(out)(e.into_error()))?;
                file.sync_all().map_err(ExportError::io(out))?;
                Summary { incidents: n, ..Summary::default() }
            }
            Format::Gpkg => write_gpkg(need_incidents()?, &tmp, progress).map_err(|e| e.renamed(&tmp, out))?,
            Format::MbTiles => write_mbtiles(&set, zooms, &tmp, progress).map_err(|e| e.renamed(&tmp, out))?,
            Format::PmTiles => write_pmtiles(&set, zooms, &tmp, &name, progress).map_err(|e| e.renamed(&tmp, out))?,
        };
        std::fs::rename(&tmp, out).map_err(ExportError::io(out))?;
        Ok(summary)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

impl ExportError {
    /// The same error naming `out` instead of the temporary file `tmp`.
    fn renamed(self, tmp: &Path, out: &Path) -> ExportError {
        let fix = |p: PathBuf| if p == tmp { out.to_path_buf() } else { p };
        match self {
            ExportError::Io { path, source } => ExportError::Io { path: fix(path), source },
            ExportError::Sqlite { path, source } => ExportError::Sqlite { path: fix(path), source },
            ExportError::Write { path, message } => ExportError::Write { path: fix(path), message },
            other => other,
        }
    }
}
