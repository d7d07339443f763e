//! The HTTP server: routes, shared state and start-up.
//!
//! Contract: [`router`] wires every resource (tiles, OGC API Features, ingest, events, static map)
//! over one [`AppState`]; [`serve_connections`] runs it on a listener until SIGINT/SIGTERM
//! (start-up — store, samples, index, the listening address — is `sitrep serve`'s, in
//! `cli/serve.rs`). Reads are public; writes need the token.
//! Every request is bounded ([`Limits`]): body size, batch size, CPU slots and a deadline for
//! geoparse and ingest (cancelled when the client goes away), a header read timeout and a request
//! timeout; each answered with a JSON 4xx (413, 408) or a 503 with `Retry-After`. One middleware
//! around the routes ([`router_with`]) applies CORS (`cors`), counts requests (`metrics`), refuses
//! unknown query parameters (`params`) and tags JSON answers with ETags (`negotiate`); links are
//! built from [`origin::BaseUrl`] (forwarded headers only with `--trust-forwarded`).
//! Not for: geoparsing, storage or tile logic — handlers call those modules and translate errors.

mod articles;
mod articles_api;
mod cors;
mod error;
mod events;
mod export;
pub mod feeds;
pub mod live;
mod log;
pub mod metrics;
pub mod negotiate;
mod ogc;
pub mod origin;
mod pages;
mod params;
mod reports;
pub mod reviews;
mod tiles;

pub use cors::parse_origins;
pub use error::ApiError;
pub use origin::{HttpOptions, Origins};

use crate::features;
use crate::gazetteer::{Gazetteer, Kind};
use crate::geoparse::Geoparser;
use crate::index::SpatialIndex;
use crate::store::Store;
use crate::tiles::cache::TileCache;
use crate::tiles::{Basemap, BasemapFeature, BasemapLayer};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::broadcast;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// Largest request body accepted (a batch of articles).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The bounds every request is held to; each is a `sitrep serve` flag.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest number of articles in one `POST /api/articles` batch (413 above it).
    pub max_batch: usize,
    /// Geoparsing and ingest run at most this many at once (CPU-heavy), so tiles stay fast.
    pub cpu_slots: usize,
    /// How long a request waits for a CPU slot before a 503 with `Retry-After`.
    pub queue_wait: std::time::Duration,
    /// Deadline of one geoparse or ingest: past it the work is cancelled (nothing written) and
    /// the client gets a 503 with `Retry-After`.
    pub work_deadline: std::time::Duration,
    /// A connection that has not sent its request headers within this is closed.
    pub header_timeout: std::time::Duration,
    /// Any other request (body included) that takes longer is answered 408.
    pub request_timeout: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_batch: 1000,
            cpu_slots: std::thread::available_parallelism().map_or(2, |n| n.get()),
            queue_wait: std::time::Duration::from_secs(2),
            work_deadline: std::time::Duration::from_secs(30),
            header_timeout: std::time::Duration::from_secs(10),
            request_timeout: std::time::Duration::from_secs(60),
        }
    }
}

/// Everything `sitrep serve` is configured with, in one place.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub db: PathBuf,
    pub addr: SocketAddr,
    pub token: Option<String>,
    pub samples: bool,
    pub data_dir: PathBuf,
    pub static_dir: PathBuf,
    /// Benchmark aid: a GeoJSON FeatureCollection bulk-loaded into the in-memory index (not the store).
    pub load_geojson: Option<PathBuf>,
    /// Size limit of the incident tile cache in MiB (256 by default); 0 keeps no tiles (every request renders).
    pub tile_cache_mb: usize,
    /// How long an out-of-date incident tile may be served (`--tile-stale-ms`).
    pub tile_stale: std::time::Duration,
    pub limits: Limits,
    /// Links from `Forwarded` / `X-Forwarded-*` ([`HttpOptions::trust_forwarded`]).
    pub trust_forwarded: bool,
    /// CORS origins of reads and of writes ([`HttpOptions`]).
    pub read_origins: Origins,
    pub write_origins: Origins,
    /// How often to look for writes by other processes into the database (zero: never).
    pub refresh: std::time::Duration,
    /// Feeds polled in the background ([`feeds`]), if any.
    pub feeds: Option<feeds::FeedsConfig>,
}

/// One ingest or deletion, as announced on `/api/events` (event `ingest`, or `delete` when
/// `deleted`: the article's `mentions` left the map).
#[derive(Debug, Clone, serde::Serialize)]
pub struct IngestEvent {
    pub article_id: i64,
    pub mentions: usize,
    pub bbox: Option<[f64; 4]>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// An analyst reviewed these mentions (event `review`): they were redrawn.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub reviewed: bool,
    /// The index generation that shows the change: a tile request with `v=` this or later
    /// never gets an out-of-date cached tile.
    pub generation: u64,
}

pub struct AppState {
    pub geoparser: Geoparser,
    pub store: Store,
    pub index: SpatialIndex,
    /// The incidents an analyst rejected: off the map's index (so tiles, clusters, items and
    /// their counts never see them), kept for `review=rejected`.
    pub rejected: SpatialIndex,
    /// Built in the background at start-up (simplifying every polygon per zoom band takes a
    /// while); basemap requests wait for it, everything else is served at once.
    pub basemap: Arc<std::sync::OnceLock<Basemap>>,
    pub incident_tiles: TileCache,
    pub basemap_tiles: TileCache,
    /// OGC items pages, invalidated with the incident tiles.
    pub item_pages: pages::PageCache,
    pub token: Option<String>,
    pub events: broadcast::Sender<IngestEvent>,
    pub limits: Limits,
    /// Slots for CPU-heavy work ([`Limits::cpu_slots`]).
    pub cpu: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// Builds the state: index over every stored mention, basemap from the gazetteer.
    pub fn new(
        gazetteer: Arc<Gazetteer>,
        store: Store,
        token: Option<String>,
    ) -> Result<AppState, crate::store::StoreError> {
        let index = SpatialIndex::new();
        index.replace_all(features::load_incidents(&store, &index)?);
        Ok(AppState::with_index(gazetteer, store, index, token))
    }

    /// Builds the state over an index already loaded from `store` ([`features::load_incidents`]).
    pub fn with_index(gazetteer: Arc<Gazetteer>, store: Store, index: SpatialIndex, token: Option<String>) -> AppState {
        let basemap = Arc::new(std::sync::OnceLock::new());
        {
            let (cell, gaz) = (basemap.clone(), gazetteer.clone());
            std::thread::spawn(move || {
                let t = std::time::Instant::now();
                cell.get_or_init(|| Basemap::new(basemap_features(&gaz)));
                tracing::info!("basemap ready in {:.2} s", t.elapsed().as_secs_f64());
            });
        }
        let (events, _) = broadcast::channel(256);
        // the rejected incidents leave the map's index for their own
        let rejected = SpatialIndex::new();
        let snap = index.snapshot();
        let out: Vec<crate::index::Incident> =
            snap.iter().map(|i| i.incident()).filter(|i| features::is_rejected(i)).cloned().collect();
        drop(snap);
        if !out.is_empty() {
            let ids: Vec<u64> = out.iter().map(|i| i.id).collect();
            index.remove(&ids);
            rejected.insert(out);
        }
        AppState {
            geoparser: Geoparser::new(gazetteer),
            store,
            index,
            rejected,
            basemap,
            incident_tiles: TileCache::new(50_000, 256 << 20),
            basemap_tiles: TileCache::new(50_000, 256 << 20),
            item_pages: pages::PageCache::new(64 << 20),
            token,
            events,
            cpu: Arc::new(tokio::sync::Semaphore::new(Limits::default().cpu_slots)),
            limits: Limits::default(),
        }
    }
}

/// The offline basemap: country and first-level division polygons, capitals and large cities.
pub fn basemap_features(gaz: &Gazetteer) -> Vec<BasemapFeature> {
    let mut out = Vec::new();
    for p in gaz.places() {
        let mut props = serde_json::Map::new();
        props.insert("name".into(), json!(p.name));
        match p.kind {
            Kind::Country => {
                if let Some(g) = &p.geometry {
                    props.insert("iso_a2".into(), json!(p.country));
                    props.insert("population".into(), json!(p.population));
                    out.push(BasemapFeature {
                        geometry: geo_types::Geometry::Point(p.point),
                        layer: BasemapLayer::CountryLabels,
                        min_zoom: 1,
                        props: props.clone(),
                    });
                    out.push(BasemapFeature {
                        geometry: g.clone(),
                        layer: BasemapLayer::Countries,
                        min_zoom: 0,
                        props,
                    });
                }
            }
            Kind::Admin1 => {
                if let Some(g) = &p.geometry {
                    props.insert("country".into(), json!(p.country));
                    out.push(BasemapFeature { geometry: g.clone(), layer: BasemapLayer::Admin1, min_zoom: 3, props });
                }
            }
            Kind::Settlement => {
                let capital = p.feature_code.as_deref() == Some("PPLC");
                let (rank, min_zoom) = match (capital, p.population) {
                    (true, _) => (1, 2),
                    (_, n) if n >= 5_000_000 => (2, 3),
                    (_, n) if n >= 1_000_000 => (3, 4),
                    (_, n) if n >= 300_000 => (4, 6),
                    (_, n) if n >= 100_000 => (5, 8),
                    (_, n) if n >= 20_000 => (6, 10),
                    _ => continue,
                };
                props.insert("population".into(), json!(p.population));
                props.insert("capital".into(), json!(capital));
                props.insert("rank".into(), json!(rank));
                out.push(BasemapFeature {
                    geometry: geo_types::Geometry::Point(p.point),
                    layer: BasemapLayer::Places,
                    min_zoom,
                    props,
                });
            }
            _ => {}
        }
    }
    out
}

impl AppState {
    /// Applies `limits` (replacing the defaults `new` set).
    pub fn with_limits(mut self, limits: Limits) -> AppState {
        self.cpu = Arc::new(tokio::sync::Semaphore::new(limits.cpu_slots.max(1)));
        self.limits = limits;
        self
    }

    /// Runs CPU-heavy work (geoparse, ingest) on the blocking pool, at most
    /// [`Limits::cpu_slots`] at once and under [`Limits::work_deadline`]. `work` gets a cancel
    /// flag that is raised when the deadline passes or the client goes away (the handler's future
    /// is dropped); it must check it and write nothing once it is raised. The slot stays taken
    /// until the work has really stopped.
    pub async fn run_cpu<T: Send + 'static>(
        &self,
        work: impl FnOnce(&std::sync::atomic::AtomicBool) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        use std::sync::atomic::{AtomicBool, Ordering};
        let slots = self.limits.cpu_slots;
        let busy = || ApiError::Busy {
            message: format!("all {slots} slots for geoparsing and ingest are busy; try again shortly"),
            retry_after: 1,
        };
        let permit = tokio::time::timeout(self.limits.queue_wait, self.cpu.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        struct RaiseOnDrop(Arc<AtomicBool>);
        impl Drop for RaiseOnDrop {
            fn drop(&mut self) {
                self.0.store(true, Ordering::Relaxed);
            }
        }
        let cancel = Arc::new(AtomicBool::new(false));
        let _raise = RaiseOnDrop(cancel.clone());
        let flag = cancel.clone();
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&flag)
        });
        match tokio::time::timeout(self.limits.work_deadline, task).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(ApiError::Internal(format!("worker task failed: {e}"))),
            Err(_) => Err(ApiError::Busy {
                message: format!(
                    "the work ran past its deadline of {} s and was stopped; nothing was written. Send less at once",
                    self.limits.work_deadline.as_secs_f64()
                ),
                retry_after: 5,
            }),
        }
    }
}

use negotiate::accepts_gzip;

/// Refuses a request whose declared body is over the limit before reading any of it, so the
/// client gets its 413 (JSON) instead of a connection closed mid-upload.
async fn refuse_oversized(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return axum::response::IntoResponse::into_response(ApiError::PayloadTooLarge(format!(
            "the request body is larger than the limit of {MAX_BODY_BYTES} bytes; split the batch"
        )));
    }
    next.run(req).await
}

/// Every route of the server, with the default [`HttpOptions`] over `static_dir`.
pub fn router(state: Arc<AppState>, static_dir: PathBuf) -> Router {
    router_with(state, HttpOptions::new(static_dir))
}

/// Every route of the server.
pub fn router_with(state: Arc<AppState>, options: HttpOptions) -> Router {
    let request_timeout = state.limits.request_timeout;
    let metrics = Arc::new(metrics::Metrics::new());
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        rt.spawn(metrics::count_ingests(metrics.clone(), state.events.subscribe()));
    }
    let static_dir = options.static_dir.clone();
    let cache_static =
        SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    let static_files = ServeDir::new(&static_dir).precompressed_gzip();
    // Only the page's files are cacheable for an hour; API answers set their own headers.
    let assets: Router<Arc<AppState>> = Router::new()
        .route_service("/style.json", ServeFile::new(static_dir.join("style.json")))
        .nest_service("/static", static_files)
        .nest_service("/fonts", ServeDir::new(static_dir.join("fonts")))
        .layer(cache_static);
    let reads: Router<Arc<AppState>> = Router::new()
        .route("/", get(ogc::landing))
        .route("/conformance", get(ogc::conformance))
        .route("/api", get(ogc::openapi))
        .route("/collections", get(ogc::collections))
        .route("/collections/{collection}", get(ogc::collection))
        .route("/collections/{collection}/items", get(ogc::items))
        .route("/collections/{collection}/items/{id}", get(ogc::item))
        .route("/collections/{collection}/queryables", get(ogc::queryables))
        .route("/api/incidents", get(ogc::incidents_alias))
        .route("/tiles/{z}/{x}/{y}", get(tiles::incident_tile))
        .route("/basemap/{z}/{x}/{y}", get(tiles::basemap_tile))
        .route("/tiles.json", get(tiles::tilejson))
        .route("/export/{file}", get(export::download))
        .route("/api/geoparse", post(articles::geoparse))
        .route("/health", get(ogc::health))
        .route("/metrics", get(metrics::scrape))
        .route("/api/articles", post(articles::create).get(articles_api::list))
        .route("/api/articles/{id}", get(articles_api::get_one).delete(articles_api::delete))
        .route("/api/incidents/{id}/review", post(reviews::create))
        .route("/api/incidents/{id}/reviews", get(reviews::history))
        .route("/api/reports", get(reports::list))
        .route("/api/reports/link", post(reports::link))
        .merge(assets);
    let routes = Router::new()
        .merge(reads)
        .fallback(ogc::not_found)
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, request_timeout))
        // the event stream is long-lived by design: outside the request timeout
        .route("/api/events", get(events::stream))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(refuse_oversized))
        // Dynamic JSON is compressed at the fastest level: a 200 KB feature page costs ~1 ms
        // instead of ~4 ms at the default level, for a few percent more bytes. Tiles come
        // pre-compressed from the tile cache and pass through untouched.
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
        .layer(axum::middleware::from_fn(log::request_log))
        .with_state(state);
    // What every request goes through once, around the routing (a `Router::layer` is applied per
    // route and cloned per request with every layer inside it): CORS (reads and writes apart),
    // metrics (so the 304s and 400s below are counted), the options for the handlers, unknown
    // parameters, ETags of JSON.
    let shared = Arc::new(Around { cors: cors::Cors::new(&options), metrics, options: Arc::new(options) });
    let around =
        tower::ServiceBuilder::new().layer(axum::middleware::from_fn_with_state(shared, around)).service(routes);
    Router::new().fallback_service(around)
}

/// What [`around`] holds.
struct Around {
    cors: cors::Cors,
    metrics: Arc<metrics::Metrics>,
    options: Arc<HttpOptions>,
}

/// The one middleware around the routes (one layer, so one boxed clone a request): the request's
/// CORS policy (a preflight is answered here), the options and metrics for the handlers,
/// unknown parameters refused, ETags on JSON, and the request counted with its final status.
async fn around(
    axum::extract::State(a): axum::extract::State<Arc<Around>>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use tower::{Layer, ServiceExt};
    let started = std::time::Instant::now();
    let route = params::route_template(req.uri().path());
    let method = req.method().clone();
    req.extensions_mut().insert(a.options.clone());
    req.extensions_mut().insert(a.metrics.clone());
    let inner = tower::service_fn(move |req: axum::extract::Request| {
        let next = next.clone();
        async move {
            if let Some(refused) = params::refusal(req.uri()) {
                return Ok::<_, std::convert::Infallible>(refused);
            }
            let cond = negotiate::Conditional::of(&req);
            let resp = next.run(req).await;
            Ok(negotiate::tag_json(cond, resp).await)
        }
    });
    let resp = if let Some(headers) = a.cors.constant_headers(&req) {
        // any origin, not a preflight: the same two headers on every answer, no CORS machinery
        let mut resp = match inner.oneshot(req).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        for (k, v) in headers {
            resp.headers_mut().insert(k.clone(), v.clone());
        }
        resp
    } else {
        match a.cors.policy(req.uri().path()).layer(inner).oneshot(req).await {
            Ok(r) => r.into_response(),
            Err(never) => match never {},
        }
    };
    metrics::record(&a.metrics, route, &method, resp.status().as_u16(), started);
    resp
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (what `systemctl stop` and `docker stop` send).
pub async fn stop_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

/// The accept loop: hyper's HTTP/1 and HTTP/2 connections over the router, each HTTP/1
/// connection closed when its request headers take longer than `header_timeout` (slow-header
/// clients cannot hold connections open); stops on SIGINT or SIGTERM, letting open requests finish.
pub async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: Router,
    header_timeout: std::time::Duration,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use tower::ServiceExt;
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(header_timeout);
    let mut ctrl_c = std::pin::pin!(crate::http::stop_signal());
    loop {
        let (stream, _) = tokio::select! {
            conn = listener.accept() => match conn {
                Ok(c) => c,
                Err(e) => {
                    // e.g. too many open files: back off instead of spinning
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut ctrl_c => break,
        };
        let _ = stream.set_nodelay(true);
        let service = hyper::service::service_fn({
            let app = app.clone();
            move |req: hyper::Request<hyper::body::Incoming>| app.clone().oneshot(req.map(axum::body::Body::new))
        });
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(std::time::Duration::from_secs(10)) => {}
    }
    Ok(())
}
