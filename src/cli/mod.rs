//! Command-line interface: argument definitions and one handler per subcommand.
//!
//! Contract: every handler returns `anyhow::Result`; `main` prints the error on one line and exits
//! non-zero. Handlers hold no logic of their own beyond reading input and printing output.

mod export;
mod gazetteer;
mod geoparse;
mod ingest;
mod serve;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "sitrep",
    version,
    about = "Conflict-map tile server: geoparse news articles, serve incidents as vector tiles, OGC API Features and a web map"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Look things up in the shipped gazetteer.
    Gazetteer {
        #[command(subcommand)]
        command: GazetteerCommand,
    },
    /// Find every geographic reference in an article and print them as a GeoJSON FeatureCollection.
    Geoparse(geoparse::GeoparseArgs),
    /// Serve the web map, vector tiles, OGC API Features and the ingest API.
    Serve(serve::ServeArgs),
    /// Geoparse and store articles (.txt/.md with the title on the first line, .json, .jsonl).
    Ingest(ingest::IngestArgs),
    /// Write the stored incidents to a file: GeoJSON, CSV, GeoPackage, or MBTiles / PMTiles with
    /// the tiles the server serves.
    Export(export::ExportArgs),
    /// Score the geoparser on a gold corpus (the JSONL format of the evaluation corpora).
    Eval(geoparse::EvalArgs),
}

#[derive(Subcommand, Debug)]
pub enum GazetteerCommand {
    /// Print the places carrying NAME as a JSON array, best known first.
    Lookup {
        name: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Include each place's full GeoJSON geometry.
        #[arg(long)]
        geometry: bool,
        /// Data directory (default: $SITREP_DATA, else ./data).
        #[arg(long)]
        data: Option<PathBuf>,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Gazetteer { command: GazetteerCommand::Lookup { name, limit, geometry, data } } => {
            gazetteer::lookup(&name, limit, geometry, data)
        }
        Command::Serve(args) => serve::serve(args),
        Command::Ingest(args) => ingest::ingest(args),
        Command::Geoparse(args) => geoparse::geoparse(args),
        Command::Eval(args) => geoparse::eval(args),
        Command::Export(args) => export::export(args),
    }
}

/// Loads the gazetteer from `--data` or the default data directory.
pub(crate) fn load_gazetteer(data: Option<PathBuf>) -> anyhow::Result<crate::gazetteer::Gazetteer> {
    let dir = data.unwrap_or_else(crate::gazetteer::default_data_dir);
    Ok(crate::gazetteer::Gazetteer::load(&dir)?)
}
