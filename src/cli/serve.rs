//! `sitrep serve`: the configuration flags and the runtime.

use crate::http::{serve as run_server, ServeConfig};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// SQLite database file (created if missing), or a PostgreSQL URL (`postgres://user@host/db`).
    #[arg(long, default_value = "sitrep.db", env = "SITREP_DB")]
    pub db: PathBuf,
    /// Address to listen on. Keep the loopback default unless the machine is meant to be reachable.
    #[arg(long, default_value = "127.0.0.1:8080", env = "SITREP_ADDR")]
    pub addr: SocketAddr,
    /// Bearer token that enables writes (POST /api/articles). Without one, writes are refused.
    #[arg(long, env = "SITREP_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Start with an empty store instead of loading the sample articles.
    #[arg(long)]
    pub no_samples: bool,
    /// Data directory (gazetteer, conflict layer, sample articles). Without it: the first of
    /// <bin>/data, <bin>/../share/sitrep/data, $XDG_DATA_HOME/sitrep/data (~/.local/share),
    /// $XDG_DATA_DIRS/sitrep/data (/usr/local/share, /usr/share), ./data, the build's checkout.
    #[arg(long, env = "SITREP_DATA")]
    pub data: Option<PathBuf>,
    /// Directory of the web map's files. Without it: the same search order as --data, for a
    /// directory named `static`.
    #[arg(long, env = "SITREP_STATIC")]
    pub static_dir: Option<PathBuf>,
    /// Milliseconds between looks for articles written into the database by other processes
    /// (`sitrep ingest`, another server); they reach the index, tiles and events. 0 turns it off.
    #[arg(long, value_name = "MS", default_value_t = 500, env = "SITREP_REFRESH_MS")]
    pub refresh_ms: u64,
    /// Benchmarks: bulk-load this GeoJSON FeatureCollection into the in-memory index at start-up
    /// (not the store): points → incidents layer, lines → lines, polygons → areas; properties and
    /// numeric ids kept (ids may replace stored mentions with the same id; use --no-samples).
    #[arg(long, value_name = "PATH", hide_short_help = true)]
    pub load_geojson: Option<PathBuf>,
    /// Benchmarks: incident tile cache size in MiB; 0 disables it (cold rendering on every request).
    #[arg(long, value_name = "MIB", default_value_t = 256, hide_short_help = true)]
    pub tile_cache_mb: usize,
    /// Largest number of articles in one POST /api/articles batch (larger batches get a 413).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_batch: usize,
    /// Geoparse and ingest requests run at most this many at once (default: the number of cores);
    /// others wait up to --queue-wait seconds, then get a 503 with Retry-After.
    #[arg(long, value_name = "N")]
    pub cpu_slots: Option<usize>,
    /// Seconds a geoparse or ingest request waits for a free slot.
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    pub queue_wait: f64,
    /// Seconds one geoparse or ingest may run; past it the work is stopped, nothing is written
    /// and the client gets a 503 with Retry-After.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub work_deadline: f64,
    /// Seconds a connection may take to send its request headers before it is closed.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub header_timeout: f64,
    /// Seconds any other request may take (body included) before a 408.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub request_timeout: f64,
    /// Behind a reverse proxy: build links and tile URLs from its `Forwarded` or
    /// `X-Forwarded-Proto`/`X-Forwarded-Host` headers (only set this when the proxy sets them).
    #[arg(long)]
    pub trust_forwarded: bool,
    /// Origin whose web pages may read (tiles, features, geoparse) across origins; repeatable or
    /// comma-separated; `*` (the default) is any origin.
    #[arg(long, value_name = "ORIGIN")]
    pub cors_origin: Vec<String>,
    /// Origin whose web pages may POST /api/articles (the token is still required); repeatable;
    /// none by default.
    #[arg(long, value_name = "ORIGIN")]
    pub cors_write_origin: Vec<String>,
    /// Feed (or page) URL to poll in the background, its new items stored and shown on the map
    /// live; repeatable (`feeds = [...]` in the configuration file).
    #[arg(long = "feeds", value_name = "URL")]
    pub feeds: Vec<String>,
    /// Seconds between two polls of each feed.
    #[arg(long, value_name = "SECONDS", default_value_t = 300.0)]
    pub interval: f64,
    /// Longest wait between polls of a failing feed (the wait doubles on each failure), seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600.0)]
    pub max_backoff: f64,
    #[command(flatten)]
    pub net: super::net::NetArgs,
}

/// Seconds from a flag as a duration; a negative or non-finite value is the flag's mistake.
fn seconds(flag: &str, v: f64) -> anyhow::Result<std::time::Duration> {
    std::time::Duration::try_from_secs_f64(v)
        .map_err(|_| anyhow::anyhow!("--{flag} {v}: expected a number of seconds ≥ 0"))
}

pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let token = args.token.filter(|t| !t.trim().is_empty());
    let config = ServeConfig {
        db: args.db,
        addr: args.addr,
        token,
        samples: !args.no_samples,
        data_dir: crate::paths::data_dir(args.data.as_deref())?,
        static_dir: crate::paths::static_dir(args.static_dir.as_deref())?,
        refresh: std::time::Duration::from_millis(args.refresh_ms),
        feeds: None,
        load_geojson: args.load_geojson,
        tile_cache_mb: args.tile_cache_mb,
        limits: crate::http::Limits {
            max_batch: args.max_batch.max(1),
            cpu_slots: args.cpu_slots.unwrap_or_else(|| crate::http::Limits::default().cpu_slots).max(1),
            queue_wait: seconds("queue-wait", args.queue_wait)?,
            work_deadline: seconds("work-deadline", args.work_deadline)?,
            header_timeout: seconds("header-timeout", args.header_timeout)?,
            request_timeout: seconds("request-timeout", args.request_timeout)?,
        },
        trust_forwarded: args.trust_forwarded,
        read_origins: crate::http::parse_origins(&args.cors_origin, crate::http::Origins::Any)
            .map_err(|e| anyhow::anyhow!("--cors-origin {e}"))?,
        write_origins: crate::http::parse_origins(&args.cors_write_origin, crate::http::Origins::List(vec![]))
            .map_err(|e| anyhow::anyhow!("--cors-write-origin {e}"))?,
    };
    let feeds = if args.feeds.is_empty() {
        None
    } else {
        for f in &args.feeds {
            if !crate::fetch::is_url(f) {
                anyhow::bail!("--feeds {f:?}: expected an http:// or https:// URL");
            }
        }
        Some(crate::http::feeds::FeedsConfig {
            urls: args.feeds,
            interval: seconds("interval", args.interval)?.max(std::time::Duration::from_millis(100)),
            max_backoff: seconds("max-backoff", args.max_backoff)?,
            fetch: args.net.fetch_config()?,
            follow: args.net.follow(),
        })
    };
    let config = crate::http::ServeConfig { feeds, ..config };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(run_server(config))
}
