//! The feeds a running server watches (`sitrep serve --feeds URL…`, or `feeds = [...]` in the
//! configuration file).
//!
//! Contract: [`spawn`] starts one thread that polls the feeds on a [`crate::fetch::Schedule`]
//! (interval, back-off on errors) and stores what is new through the server's own write path
//! ([`super::articles::store_and_publish`]: the index, tiles, items pages and `/api/events` see
//! it at once, as they see POST /api/articles). It stops when the flag it is given is set.
//! Failures are logged through `tracing` (`sitrep::feeds`), never fatal to the server.

use super::AppState;
use crate::fetch::{FetchConfig, Fetcher, Follow, Schedule};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

/// What to watch and how.
#[derive(Debug, Clone)]
pub struct FeedsConfig {
    pub urls: Vec<String>,
    pub interval: Duration,
    pub max_backoff: Duration,
    pub fetch: FetchConfig,
    pub follow: Follow,
}

/// Starts the polling thread (see the module contract).
pub fn spawn(state: Arc<AppState>, config: FeedsConfig, stop: Arc<AtomicBool>) -> Result<(), crate::fetch::FetchError> {
    let fetcher = Fetcher::new(config.fetch.clone())?;
    std::thread::Builder::new()
        .name("sitrep-feeds".into())
        .spawn(move || {
            let mut schedule = Schedule::new(&config.urls, config.interval, config.max_backoff);
            let never = AtomicBool::new(false);
            let overrides = crate::input::Overrides::default();
            crate::fetch::watch(
                &mut schedule,
                &stop,
                |url| {
                    crate::fetch::poll(&fetcher, &state.store, url, config.follow, &overrides, &mut |batch| {
                        super::articles::store_and_publish(&state, batch, &never)
                    })
                },
                |url, result, wait| match result {
                    Ok(p) => {
                        for s in &p.skipped {
                            tracing::warn!(target: "sitrep::feeds", "skipped {s}");
                        }
                        tracing::info!(
                            target: "sitrep::feeds",
                            "{url}: {} articles stored, {} mentions, {} already stored{}; next in {} s",
                            p.stored,
                            p.mentions,
                            p.duplicates,
                            if p.not_modified { ", not modified" } else { "" },
                            wait.as_secs()
                        );
                    }
                    Err(e) => tracing::warn!(target: "sitrep::feeds", "{e}; retrying in {} s", wait.as_secs()),
                },
            );
        })
        .map_err(|e| crate::fetch::FetchError::Client(format!("cannot start the feeds thread: {e}")))?;
    Ok(())
}
