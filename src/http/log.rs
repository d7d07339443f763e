//! The request log: one `tracing` event per request at INFO on target `sitrep::request`, with
//! method, path (and query), status, bytes sent and milliseconds to the last byte. Enabled by the
//! log filter (`--log info`, or `--log warn,sitrep::request=info`); when it is off, requests pay
//! one level check.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Body as HttpBody, Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

pub async fn request_log(req: Request, next: Next) -> Response {
    if !tracing::enabled!(target: "sitrep::request", tracing::Level::INFO) {
        return next.run(req).await;
    }
    let line = Line {
        method: req.method().to_string(),
        path: req.uri().path_and_query().map_or_else(|| req.uri().path().to_string(), |p| p.to_string()),
        status: 0,
        declared: None,
        started: Instant::now(),
        bytes: 0,
    };
    let res = next.run(req).await;
    let (parts, body) = res.into_parts();
    let declared = parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .or_else(|| body.size_hint().exact());
    let line = Line { status: parts.status.as_u16(), declared, ..line };
    Response::from_parts(parts, Body::new(Counted { inner: body, line: Some(line) }))
}

struct Line {
    method: String,
    path: String,
    status: u16,
    /// The body's length when known up front: reaching it is the end.
    declared: Option<u64>,
    started: Instant,
    bytes: u64,
}

impl Line {
    fn emit(&self, complete: bool) {
        let ms = self.started.elapsed().as_secs_f64() * 1000.0;
        tracing::info!(
            target: "sitrep::request",
            method = %self.method,
            path = %self.path,
            status = self.status,
            bytes = self.bytes,
            ms = (ms * 10.0).round() / 10.0,
            complete,
            "request"
        );
    }
}

/// The response body, counting what is sent and logging the request when it ends.
struct Counted {
    inner: Body,
    line: Option<Line>,
}

impl HttpBody for Counted {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let (Some(data), Some(line)) = (frame.data_ref(), self.line.as_mut()) {
                    line.bytes += data.len() as u64;
                }
            }
            Poll::Ready(None) => {
                if let Some(line) = self.line.take() {
                    line.emit(true);
                }
            }
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        if let Some(line) = self.line.take() {
            // a body hyper knew to be empty or complete is never polled to its end
            let complete = self.inner.is_end_stream() || line.declared == Some(line.bytes);
            line.emit(complete);
        }
    }
}
