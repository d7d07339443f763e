//! `GET /metrics`: Prometheus / OpenMetrics text exposition (prometheus-client).
//!
//! Contract: [`record`] (from the middleware around the routes) counts every request by route template (`/tiles/{z}/{x}/{y}`,
//! not each tile), method and status, and observes its latency in a histogram by route (the
//! latencies of `/api/geoparse` and `/api/articles` are the geoparse and ingest times);
//! [`count_ingests`] counts the articles and mentions each ingest announces; [`scrape`] adds what
//! is read at scrape time — tile cache hits, misses, entries and bytes (incident and basemap
//! caches), index size, stored articles, connected event-stream clients — and answers the text
//! format. Route labels are bounded ([`super::params::route_template`]): a request for no
//! route is `unmatched`; CORS preflights are counted too.
//! Not for: logs or traces (tracing).

use super::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::Arc;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    method: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    cache: &'static str,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.1 ms .. ~6.5 s
    Histogram::new(exponential_buckets(0.0001, 2.0, 17))
}

/// Every metric of the server.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    ingested_articles: Counter,
    ingested_mentions: Counter,
    cache_hits: Family<CacheLabels, Gauge<i64, std::sync::atomic::AtomicI64>>,
    cache_misses: Family<CacheLabels, Gauge<i64, std::sync::atomic::AtomicI64>>,
    cache_entries: Family<CacheLabels, Gauge>,
    cache_bytes: Family<CacheLabels, Gauge>,
    incidents: Gauge,
    places: Gauge,
    articles: Gauge,
    sse_clients: Gauge,
    /// Receivers of the event channel that are not clients ([`count_ingests`]).
    internal_receivers: std::sync::atomic::AtomicUsize,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("sitrep");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status",
            requests.clone(),
        );
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "http_request_duration",
            "Time from request to response headers, by route template (geoparse and ingest included)",
            prometheus_client::registry::Unit::Seconds,
            latency.clone(),
        );
        let ingested_articles = Counter::default();
        registry.register("ingested_articles", "Articles stored by ingest since start", ingested_articles.clone());
        let ingested_mentions = Counter::default();
        registry.register(
            "ingested_mentions",
            "Place mentions stored by ingest since start",
            ingested_mentions.clone(),
        );
        // read from the caches at scrape time (monotonic, so exposed as counters would need a
        // collector; gauges carry the same numbers)
        let cache_hits = Family::default();
        registry.register("tile_cache_hits", "Tile lookups answered from the cache since start", cache_hits.clone());
        let cache_misses = Family::default();
        registry.register("tile_cache_misses", "Tile lookups that had to render since start", cache_misses.clone());
        let cache_entries = Family::default();
        registry.register("tile_cache_entries", "Tiles held in the cache", cache_entries.clone());
        let cache_bytes = Family::default();
        registry.register_with_unit(
            "tile_cache_size",
            "Bytes held by the tile cache",
            prometheus_client::registry::Unit::Bytes,
            cache_bytes.clone(),
        );
        let incidents = Gauge::default();
        registry.register("index_incidents", "Incidents (place mentions) in the index", incidents.clone());
        let places = Gauge::default();
        registry.register(
            "index_shape_entries",
            "Line and area entries in the index's R-trees (one per place and segment)",
            places.clone(),
        );
        let articles = Gauge::default();
        registry.register("store_articles", "Articles in the store", articles.clone());
        let sse_clients = Gauge::default();
        registry.register("sse_clients", "Clients connected to /api/events", sse_clients.clone());
        Metrics {
            registry,
            requests,
            latency,
            ingested_articles,
            ingested_mentions,
            cache_hits,
            cache_misses,
            cache_entries,
            cache_bytes,
            incidents,
            places,
            articles,
            sse_clients,
            internal_receivers: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    fn observe(&self, route: &'static str, method: &axum::http::Method, status: u16, seconds: f64) {
        use axum::http::Method;
        let method = match *method {
            Method::GET => "GET",
            Method::HEAD => "HEAD",
            Method::POST => "POST",
            Method::OPTIONS => "OPTIONS",
            Method::PUT => "PUT",
            Method::DELETE => "DELETE",
            Method::PATCH => "PATCH",
            _ => "other",
        };
        self.requests.get_or_create(&RequestLabels { route, method, status }).inc();
        self.latency.get_or_create(&RouteLabels { route }).observe(seconds);
    }

    /// The text exposition, with the scrape-time values read from `state`.
    pub fn render(&self, state: &AppState) -> String {
        for (name, cache) in [("incidents", &state.incident_tiles), ("basemap", &state.basemap_tiles)] {
            let l = CacheLabels { cache: name };
            let (hits, misses) = cache.hits_misses();
            self.cache_hits.get_or_create(&l).set(i64::try_from(hits).unwrap_or(i64::MAX));
            self.cache_misses.get_or_create(&l).set(i64::try_from(misses).unwrap_or(i64::MAX));
            self.cache_entries.get_or_create(&l).set(cache.len() as i64);
            self.cache_bytes.get_or_create(&l).set(cache.bytes() as i64);
        }
        let snap = state.index.snapshot();
        self.incidents.set(snap.len() as i64);
        self.places.set(snap.shape_entries() as i64);
        if let Ok(n) = state.store.article_count() {
            self.articles.set(n);
        }
        let internal = self.internal_receivers.load(std::sync::atomic::Ordering::Relaxed);
        self.sse_clients.set(state.events.receiver_count().saturating_sub(internal) as i64);
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Counts a request and observes its latency (see [`super::around`]).
pub fn record(
    metrics: &Metrics,
    route: &'static str,
    method: &axum::http::Method,
    status: u16,
    started: std::time::Instant,
) {
    metrics.observe(route, method, status, started.elapsed().as_secs_f64());
}

/// Counts what each ingest announces on the event channel, until the server stops.
pub async fn count_ingests(metrics: Arc<Metrics>, mut rx: tokio::sync::broadcast::Receiver<super::IngestEvent>) {
    use tokio::sync::broadcast::error::RecvError;
    metrics.internal_receivers.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    loop {
        match rx.recv().await {
            Ok(ev) if ev.deleted => {}
            Ok(ev) => {
                metrics.ingested_articles.inc();
                metrics.ingested_mentions.inc_by(ev.mentions as u64);
            }
            // fell behind: the articles are known, their mentions are not
            Err(RecvError::Lagged(n)) => {
                metrics.ingested_articles.inc_by(n);
            }
            Err(RecvError::Closed) => return,
        }
    }
}

/// `GET /metrics`.
pub async fn scrape(
    State(state): State<Arc<AppState>>,
    axum::Extension(metrics): axum::Extension<Arc<Metrics>>,
) -> Response {
    let body = metrics.render(&state);
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], body).into_response()
}
