//! `GET /export/incidents.geojson` and `GET /export/incidents.csv`: every incident passing the
//! items filters (`bbox`, `datetime`, `kind`, `precision`, `q`), with no page limit, streamed.
//!
//! The body is written by `export::write_geojson` / `export::write_csv` on the blocking pool
//! from one index snapshot, in 64 KiB chunks through a bounded channel, so memory stays flat
//! whatever the size. Each download takes one of the CPU slots (503 with `Retry-After` when none
//! frees within `--queue-wait`) and is bounded by `--request-timeout`: past it, or when the
//! client goes away, the writer stops and the connection is closed without the end of the
//! chunked body, which a client sees as an incomplete download.

use super::{ApiError, AppState};
use crate::export::{self, Quiet};
use crate::features::ItemsQuery;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use std::io::{self, Write};
use std::sync::Arc;
use std::time::Instant;

const CHUNK: usize = 64 * 1024;

/// A `Write` into the response body channel.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, io::Error>>,
    buf: Vec<u8>,
    deadline: Instant,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        if Instant::now() > self.deadline {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "the download ran past the request timeout"));
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "client gone"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

pub async fn download(
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    State(state): State<Arc<AppState>>,
) -> Result<Response, ApiError> {
    let (csv, content_type) = match file.as_str() {
        "incidents.geojson" => (false, "application/geo+json"),
        "incidents.csv" => (true, "text/csv; charset=utf-8"),
        _ => {
            return Err(ApiError::NotFound(format!(
                "no export `{file}`; request /export/incidents.geojson or /export/incidents.csv"
            )))
        }
    };
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()).into_owned().collect();
    if let Some((k, _)) = pairs.iter().find(|(k, _)| matches!(k.as_str(), "limit" | "offset" | "zoom" | "f")) {
        return Err(ApiError::BadRequest(format!(
            "invalid parameter `{k}`: an export has every matching incident, with full geometries; filter with bbox, datetime, kind, precision, q"
        )));
    }
    let q = ItemsQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let busy = || ApiError::Busy {
        message: format!(
            "all {} slots for heavy work are busy; try the download again shortly",
            state.limits.cpu_slots
        ),
        retry_after: 1,
    };
    let permit = tokio::time::timeout(state.limits.queue_wait, state.cpu.clone().acquire_owned())
        .await
        .map_err(|_| busy())?
        .map_err(|_| busy())?;
    let snap = state.index.snapshot();
    let deadline = Instant::now() + state.limits.request_timeout;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let hits = export::select(&snap, &q);
        let mut w = ChannelWriter { tx, buf: Vec::with_capacity(CHUNK), deadline };
        let written = if csv {
            export::write_csv(hits.into_iter(), &mut w, &Quiet)
        } else {
            export::write_geojson(hits.into_iter(), &mut w, &Quiet)
        };
        if let Err(e) = written {
            tracing::warn!("export download stopped: {e}");
            // an error item makes hyper abort the body instead of ending it cleanly
            let _ = w.tx.blocking_send(Err(e));
        }
    });
    let mut resp = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx)).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}
