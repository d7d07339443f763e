//! `sitrep serve`: the configuration flags and the runtime.

use crate::http::{serve as run_server, ServeConfig};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// SQLite database file (created if missing).
    #[arg(long, default_value = "sitrep.db")]
    pub db: PathBuf,
    /// Address to listen on. Keep the loopback default unless the machine is meant to be reachable.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Bearer token that enables writes (POST /api/articles). Without one, writes are refused.
    #[arg(long, env = "SITREP_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Start with an empty store instead of loading the sample articles.
    #[arg(long)]
    pub no_samples: bool,
    /// Data directory (default: $SITREP_DATA, else ./data).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Directory of the web map's files (default: ./static).
    #[arg(long)]
    pub static_dir: Option<PathBuf>,
    /// Benchmarks: bulk-load this GeoJSON FeatureCollection into the in-memory index at start-up
    /// (not the store): points → incidents layer, lines → lines, polygons → areas; properties and
    /// numeric ids kept (ids may replace stored mentions with the same id; use --no-samples).
    #[arg(long, value_name = "PATH", hide_short_help = true)]
    pub load_geojson: Option<PathBuf>,
    /// Benchmarks: incident tile cache size in MiB; 0 disables it (cold rendering on every request).
    #[arg(long, value_name = "MIB", default_value_t = 256, hide_short_help = true)]
    pub tile_cache_mb: usize,
}

fn default_static_dir() -> PathBuf {
    let local = PathBuf::from("static");
    if local.join("index.html").exists() {
        local
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("static")
    }
}

pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let token = args.token.filter(|t| !t.trim().is_empty());
    let config = ServeConfig {
        db: args.db,
        addr: args.addr,
        token,
        samples: !args.no_samples,
        data_dir: args.data.unwrap_or_else(crate::gazetteer::default_data_dir),
        static_dir: args.static_dir.unwrap_or_else(default_static_dir),
        load_geojson: args.load_geojson,
        tile_cache_mb: args.tile_cache_mb,
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("SITREP_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(run_server(config))
}
