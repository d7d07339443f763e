//! `GET /api/events`: server-sent events announcing each ingest (`ingest`), deletion (`delete`) and analyst's review (`review`), so maps refresh without reloading.

use super::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::Stream;
use std::convert::Infallible;
use std::sync::Arc;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::StreamExt;

pub async fn stream(State(state): State<Arc<AppState>>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = state.events.subscribe();
    let events = BroadcastStream::new(rx).filter_map(|msg| {
        let ev = msg.ok()?;
        let name = match (ev.deleted, ev.reviewed) {
            (true, _) => "delete",
            (false, true) => "review",
            (false, false) => "ingest",
        };
        Some(Ok(Event::default().event(name).json_data(ev).unwrap_or_default()))
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}
