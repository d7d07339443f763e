//! `sitrep export`: the stored incidents as GeoJSON, CSV, GeoPackage, MBTiles or PMTiles, with a
//! progress bar on a terminal and a one-line summary.

use crate::export::{self, Format, Selection, TileRange};
use crate::features::ItemsQuery;
use crate::store::Store;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Geojson,
    Csv,
    Gpkg,
    Mbtiles,
    Pmtiles,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Output file (written whole or not at all).
    pub out: PathBuf,
    /// Output format (default: from the file's extension).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// SQLite database file to read, or a PostgreSQL URL (`postgres://user@host/db`).
    #[arg(long, default_value = "sitrep.db")]
    pub db: PathBuf,
    /// Only incidents intersecting minLon,minLat,maxLon,maxLat (tiles: only tiles over it).
    #[arg(long, allow_hyphen_values = true)]
    pub bbox: Option<String>,
    /// Only incidents of a date or interval (YYYY-MM-DD, START/END, `..` for an open end).
    #[arg(long)]
    pub datetime: Option<String>,
    /// Only these place kinds, comma-separated (settlement, admin1, country, corridor, ...).
    #[arg(long)]
    pub kind: Option<String>,
    /// Only these UCDP precision codes, comma-separated (1..7).
    #[arg(long)]
    pub precision: Option<String>,
    /// Only incidents whose place name, words, title, source or quote contain this text.
    #[arg(long)]
    pub q: Option<String>,
    /// Tiles: lowest zoom.
    #[arg(long, default_value_t = 0)]
    pub minzoom: u8,
    /// Tiles: highest zoom.
    #[arg(long, default_value_t = 12)]
    pub maxzoom: u8,
    /// What to export: the incidents, or the basemap's tiles (pmtiles/mbtiles; from the
    /// gazetteer, no database needed; --maxzoom 6 is a good default for it).
    #[arg(long, value_enum, default_value_t = LayerArg::Incidents)]
    pub layer: LayerArg,
    /// Data directory, for --layer basemap (default: $SITREP_DATA, else ./data).
    #[arg(long)]
    pub data: Option<PathBuf>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum LayerArg {
    Incidents,
    Basemap,
}

/// A progress bar on stderr (drawn only on a terminal), one stage at a time.
struct Bar(ProgressBar);

impl export::Progress for Bar {
    fn stage(&self, name: &str, len: u64) {
        self.0.set_length(len);
        self.0.set_position(0);
        self.0.set_message(name.to_string());
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}

pub fn export(args: ExportArgs) -> anyhow::Result<()> {
    let out = &args.out;
    let format = match args.format {
        Some(f) => f,
        None => {
            let ext = out.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            match ext.as_str() {
                "geojson" | "json" => FormatArg::Geojson,
                "csv" => FormatArg::Csv,
                "gpkg" => FormatArg::Gpkg,
                "mbtiles" => FormatArg::Mbtiles,
                "pmtiles" => FormatArg::Pmtiles,
                _ => anyhow::bail!(
                    "{}: cannot tell the format from the extension; give --format geojson|csv|gpkg|mbtiles|pmtiles",
                    out.display()
                ),
            }
        }
    };
    let format = match format {
        FormatArg::Geojson => Format::GeoJson,
        FormatArg::Csv => Format::Csv,
        FormatArg::Gpkg => Format::Gpkg,
        FormatArg::Mbtiles => Format::MbTiles,
        FormatArg::Pmtiles => Format::PmTiles,
    };
    let zooms = TileRange::new(args.minzoom, args.maxzoom)?;
    // the filters mean what the OGC items parameters of the same names mean
    let pairs: Vec<(&str, &str)> = [
        ("bbox", &args.bbox),
        ("datetime", &args.datetime),
        ("kind", &args.kind),
        ("precision", &args.precision),
        ("q", &args.q),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
    .collect();
    let query = ItemsQuery::parse(pairs).map_err(|e| {
        anyhow::anyhow!("--{}", e.to_string().replace("invalid parameter `", "").replacen("`:", ":", 1))
    })?;
    let started = std::time::Instant::now();
    let (selection, basemap) = if args.layer == LayerArg::Basemap {
        if !matches!(format, Format::MbTiles | Format::PmTiles) {
            anyhow::bail!("{}: the basemap exports only as mbtiles or pmtiles", out.display());
        }
        let gaz = super::load_gazetteer(args.data)?;
        (None, Some(crate::tiles::Basemap::new(crate::http::basemap_features(&gaz))))
    } else {
        if !crate::store::is_postgres_url(&args.db.to_string_lossy()) && !args.db.is_file() {
            anyhow::bail!("{}: no such database", args.db.display());
        }
        let store = Store::open(&args.db).map_err(|e| anyhow::anyhow!("{}: {e}", args.db.display()))?;
        (Some(Selection::from_store(&store, &query)?), None)
    };
    let content = match (&selection, &basemap) {
        (Some(sel), _) => export::Content::Incidents(sel),
        (None, Some(map)) => export::Content::Basemap(map, query.bbox),
        (None, None) => unreachable!("one of the two is set above"),
    };
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} {bar:40} {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let bar = Bar(bar);
    let summary = export::export_file(&content, format, zooms, out, &bar)?;
    bar.0.finish_and_clear();
    let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    let what = match format {
        Format::MbTiles | Format::PmTiles => format!(
            "{} tiles ({} rendered, the rest copied from covering tiles) of {}, z{}-z{}",
            summary.tiles,
            summary.tiles_rendered,
            if args.layer == LayerArg::Basemap {
                "the basemap".to_string()
            } else {
                format!("{} incidents", summary.incidents)
            },
            zooms.min,
            zooms.max
        ),
        Format::Gpkg => format!("{} incidents, {} places", summary.incidents, summary.places),
        _ => format!("{} incidents", summary.incidents),
    };
    println!("{}: {what}, {bytes} bytes in {:.2} s", out.display(), started.elapsed().as_secs_f64());
    Ok(())
}
