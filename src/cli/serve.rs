//! `sitrep serve`: the configuration flags and the runtime: opens the store, loads the sample
//! articles into an empty store, builds the index beside the gazetteer, prints where it serves
//! and runs [`http::serve_connections`] until SIGINT or SIGTERM (the binary's edge: `anyhow`
//! errors and messages on stderr live here, not in the library).

use crate::features;
use crate::gazetteer::Gazetteer;
use crate::geoparse::Geoparser;
use crate::http::{self, AppState, ServeConfig};
use crate::index::{Incident, SpatialIndex};
use crate::store::Store;
use crate::tiles::cache::TileCache;
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

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
    /// Milliseconds a cached incident tile that a write made out of date may still be served:
    /// for the first half it is served as it is (later writes in that time cost no render), in
    /// the second half while one background render replaces it; then it is rendered on request.
    /// A tile request with `v=` at or past the generation of an `/api/events` message always
    /// shows that change. 0: a write drops the tiles it touches (every answer is current).
    #[arg(long, value_name = "MS", default_value_t = 800, env = "SITREP_TILE_STALE_MS")]
    pub tile_stale_ms: u64,
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
        tile_stale: std::time::Duration::from_millis(args.tile_stale_ms),
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

/// Loads the sample articles shipped in `data/articles/` into the store.
fn load_samples(geoparser: &Geoparser, store: &Store, data_dir: &std::path::Path) -> anyhow::Result<usize> {
    let dir = data_dir.join("articles");
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => {
            rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "json")).collect()
        }
        Err(_) => return Ok(0),
    };
    files.sort();
    let mut n = 0;
    for f in files {
        for rec in crate::ingest::read_path(&f).map_err(anyhow::Error::msg)? {
            let article = rec.map_err(anyhow::Error::msg)?;
            if let Ok(done) = crate::ingest::ingest(geoparser, store, &article)? {
                n += done.created as usize;
            }
        }
    }
    Ok(n)
}

/// Reads a GeoJSON FeatureCollection into incidents, one feature at a time (no whole-document tree):
/// Point/MultiPoint → `incidents`, lines → `lines`, polygons → `areas`; properties kept as they are,
/// the numeric `id` kept (features without one get ids after the largest given); kind from the
/// `kind` or `category` property; time from `date`/`published` (YYYY-MM-DD…).
fn load_geojson_incidents(path: &std::path::Path) -> anyhow::Result<Vec<Incident>> {
    use serde::de::{Deserializer, SeqAccess, Visitor};
    use serde_json::{Map, Value};

    #[derive(serde::Deserialize)]
    struct RawFeature {
        #[serde(default)]
        id: Option<Value>,
        geometry: Option<geojson::Geometry>,
        #[serde(default)]
        properties: Option<Map<String, Value>>,
    }
    type Raw = (Option<u64>, geo_types::Geometry<f64>, geo_types::Point<f64>, String, Option<i64>, Map<String, Value>);
    struct Features(Vec<Raw>);
    impl<'de> serde::Deserialize<'de> for Features {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Features;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an array of GeoJSON features")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Features, A::Error> {
                    let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                    while let Some(f) = seq.next_element::<RawFeature>()? {
                        let Some(g) = f.geometry else { continue };
                        let Ok(geometry) = geo_types::Geometry::<f64>::try_from(&g.value) else { continue };
                        let point = match &geometry {
                            geo_types::Geometry::Point(p) => *p,
                            other => match geo::Centroid::centroid(other) {
                                Some(p) => p,
                                None => continue,
                            },
                        };
                        let props = f.properties.unwrap_or_default();
                        let kind = ["kind", "category"]
                            .iter()
                            .find_map(|k| props.get(*k).and_then(Value::as_str))
                            .unwrap_or("settlement")
                            .to_string();
                        let time = ["date", "published"]
                            .iter()
                            .find_map(|k| props.get(*k).and_then(Value::as_str))
                            .and_then(|s| features::date_to_unix(s.get(..10).unwrap_or(s)));
                        let id = f.id.as_ref().and_then(Value::as_u64);
                        out.push((id, geometry, point, kind, time, props));
                    }
                    Ok(Features(out))
                }
            }
            d.deserialize_seq(V)
        }
    }
    #[derive(serde::Deserialize)]
    struct Collection {
        features: Features,
    }

    let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let fc: Collection = serde_json::from_slice(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: not a GeoJSON FeatureCollection: {e}", path.display()))?;
    drop(bytes);
    let mut next = fc.features.0.iter().filter_map(|f| f.0).max().unwrap_or(0) + 1;
    let with_ids: Vec<(u64, Raw)> = fc
        .features
        .0
        .into_iter()
        .map(|f| {
            let id = f.0.unwrap_or_else(|| {
                next += 1;
                next - 1
            });
            (id, f)
        })
        .collect();
    // deriving each feature's world geometry and ranks is the costly part: in parallel
    use rayon::prelude::*;
    Ok(with_ids
        .into_par_iter()
        .map(|(id, (_, geometry, point, kind, time, props))| Incident {
            id,
            place: Arc::new(crate::index::Place::new(None, "", &kind, Arc::new(geometry), point)),
            precision: 1,
            time,
            props: crate::schema::Props::Json(props),
        })
        .collect())
}

/// Runs the server until SIGINT or SIGTERM.
async fn run_server(config: ServeConfig) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let store = Store::open(&config.db)?;
    // read before the index is: a deletion committed while it loads is then caught up on
    let deletions_seen = store.max_deletion_seq()?;
    let reviews_seen = store.max_review_seq()?;
    let load_gazetteer = || -> anyhow::Result<(Arc<Gazetteer>, f64)> {
        let t = std::time::Instant::now();
        Ok((Arc::new(Gazetteer::load(&config.data_dir)?), t.elapsed().as_secs_f64()))
    };
    let index = SpatialIndex::new();
    let (gazetteer, gazetteer_s) = if config.samples && store.article_count()? == 0 {
        let (gazetteer, s) = load_gazetteer()?;
        let gp = Geoparser::new(gazetteer.clone());
        let n = load_samples(&gp, &store, &config.data_dir)?;
        eprintln!("sitrep: loaded {n} sample articles into the empty store (start with --no-samples to skip)");
        index.replace_all(features::load_incidents(&store, &index)?);
        (gazetteer, s)
    } else {
        // the gazetteer loads while the stored incidents are read: neither needs the other
        std::thread::scope(|scope| -> anyhow::Result<(Arc<Gazetteer>, f64)> {
            let gazetteer = scope.spawn(load_gazetteer);
            index.replace_all(features::load_incidents(&store, &index)?);
            gazetteer.join().map_err(|_| anyhow::anyhow!("loading the gazetteer failed"))?
        })?
    };
    // reading the store parses every place's GeoJSON and every row once: hand that back
    crate::mem::release_free_memory();
    let mut state =
        AppState::with_index(gazetteer, store, index, config.token.clone()).with_limits(config.limits.clone());
    state.incident_tiles = TileCache::new(50_000, config.tile_cache_mb << 20)
        .with_refresh(crate::tiles::cache::Refresh { quiet: config.tile_stale / 2, max_age: config.tile_stale });
    if let Some(path) = &config.load_geojson {
        let t = std::time::Instant::now();
        let loaded = load_geojson_incidents(path)?;
        let n = loaded.len();
        state.index.insert(loaded);
        eprintln!(
            "sitrep: loaded {n} features from {} into the index in {:.2} s",
            path.display(),
            t.elapsed().as_secs_f64()
        );
    }
    let state = Arc::new(state);
    if !config.refresh.is_zero() {
        http::live::spawn_refresh(state.clone(), config.refresh, deletions_seen, reviews_seen);
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e} (pick another with --addr HOST:PORT)", config.addr))?;
    let addr = listener.local_addr()?;
    eprintln!(
        "sitrep: {} incidents from {} articles; serving http://{addr}/ (ready in {:.2} s, gazetteer {:.2} s){}",
        state.index.snapshot().len(),
        state.store.article_count()?,
        started.elapsed().as_secs_f64(),
        gazetteer_s,
        if config.token.is_none() { "; writes disabled (set --token or SITREP_TOKEN)" } else { "" }
    );
    let options = http::HttpOptions {
        static_dir: config.static_dir.clone(),
        trust_forwarded: config.trust_forwarded,
        read_origins: config.read_origins.clone(),
        write_origins: config.write_origins.clone(),
    };
    let stop_feeds = Arc::new(std::sync::atomic::AtomicBool::new(false));
    if let Some(f) = config.feeds.clone().filter(|f| !f.urls.is_empty()) {
        eprintln!("sitrep: watching {} feed(s) every {} s", f.urls.len(), f.interval.as_secs_f64());
        http::feeds::spawn(state.clone(), f, stop_feeds.clone())?;
    }
    let app = http::router_with(state, options);
    let result = http::serve_connections(listener, app, config.limits.header_timeout).await;
    stop_feeds.store(true, std::sync::atomic::Ordering::Relaxed);
    Ok(result?)
}
