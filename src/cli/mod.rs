//! Command-line interface: argument definitions and one handler per subcommand.
//!
//! Contract: every handler returns `anyhow::Result`; `main` prints the error on one line and exits
//! non-zero. Handlers hold no logic of their own beyond reading input and printing output.

// The binary's edge: messages for the person at the terminal.
#![allow(clippy::print_stderr, clippy::print_stdout)]

pub mod config;
mod export;
mod gazetteer;
mod geoparse;
mod ingest;
pub mod log;
mod net;
mod serve;
mod watch;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "sitrep",
    version,
    about = "Conflict-map tile server: geoparse news articles, serve incidents as vector tiles, OGC API Features and a web map"
)]
#[command(after_help = ENVIRONMENT)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log filter: a level (error, warn, info, debug, trace) or tracing directives such as
    /// `warn,sitrep::request=info`; `info` turns on the request log of `serve`.
    #[arg(long, global = true, env = "SITREP_LOG", value_name = "FILTER")]
    pub log: Option<String>,
    /// Log line format on stderr.
    #[arg(long, global = true, env = "SITREP_LOG_FORMAT", value_enum, default_value_t = log::LogFormat::Text)]
    pub log_format: log::LogFormat,
    /// Configuration file (TOML; see sitrep.example.toml). Default: ./sitrep.toml when it exists.
    #[arg(long, global = true, env = "SITREP_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
}

/// The environment variables, listed under `--help`.
pub const ENVIRONMENT: &str = "Environment:
  SITREP_TOKEN        bearer token enabling writes on `serve` (--token)
  SITREP_DB           SQLite database file or postgres:// URL (--db)
  SITREP_DATA         data directory (--data)
  SITREP_STATIC       web map directory (--static-dir)
  SITREP_ADDR         listen address of `serve` (--addr)
  SITREP_LOG          log filter (--log), default warn
  SITREP_LOG_FORMAT   text or json (--log-format)
  SITREP_CONFIG       configuration file (--config)
  SITREP_REFRESH_MS   how often `serve` looks for writes by other processes, ms (--refresh-ms)
Flags on the command line win over environment variables, which win over the configuration file.";

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
    /// Geoparse and store articles: .txt/.md, .json, .jsonl, .html pages, RSS/Atom/JSON feeds, - (stdin), http(s) URLs.
    Ingest(ingest::IngestArgs),
    /// Poll feeds (or pages) every --interval and store their new items; stops on SIGINT/SIGTERM.
    Watch(watch::WatchArgs),
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
        /// Data directory (see `sitrep serve --help` for where it is looked for).
        #[arg(long, env = "SITREP_DATA")]
        data: Option<PathBuf>,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    log::init(cli.log.as_deref(), cli.log_format)?;
    match cli.command {
        Command::Gazetteer { command: GazetteerCommand::Lookup { name, limit, geometry, data } } => {
            gazetteer::lookup(&name, limit, geometry, data)
        }
        Command::Serve(args) => serve::serve(args),
        Command::Ingest(args) => ingest::ingest(args),
        Command::Watch(args) => watch::watch(args),
        Command::Geoparse(args) => geoparse::geoparse(args),
        Command::Eval(args) => geoparse::eval(args),
        Command::Export(args) => export::export(args),
    }
}

/// The data directory: `--data` / `SITREP_DATA`, else the search order of [`crate::paths`].
pub(crate) fn resolve_data_dir(data: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    Ok(crate::paths::data_dir(data.as_deref())?)
}

/// Loads the gazetteer from `--data` or the data directory found ([`resolve_data_dir`]).
pub(crate) fn load_gazetteer(data: Option<PathBuf>) -> anyhow::Result<crate::gazetteer::Gazetteer> {
    Ok(crate::gazetteer::Gazetteer::load(&resolve_data_dir(data)?)?)
}
