//! The network flags shared by `sitrep ingest URL…`, `sitrep watch` and `sitrep serve` (feeds).
//!
//! Contract: [`NetArgs`] holds every knob of [`crate::fetch`] as a flag (and so as a config key);
//! [`NetArgs::fetcher`] checks them and builds the one [`crate::fetch::Fetcher`] of a run, so the
//! per-host delay holds across every URL of the run.

use crate::fetch::{FetchConfig, Fetcher, Follow};
use clap::Args;
use std::time::Duration;

#[derive(Args, Debug, Clone)]
pub struct NetArgs {
    /// Largest response body accepted from a URL, in bytes (checked while it downloads).
    #[arg(long, value_name = "BYTES", default_value_t = 8 << 20)]
    pub max_response_bytes: u64,
    /// Seconds between two requests to the same host (over the whole run).
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    pub host_delay: f64,
    /// Seconds to wait for a connection to a host.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub connect_timeout: f64,
    /// Seconds one response (headers and body) may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub fetch_timeout: f64,
    /// Redirects followed per request.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_redirects: usize,
    /// Longest Retry-After (429/503) waited out before retrying, seconds; a longer one fails the URL.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub max_retry_after: f64,
    /// Feed items are taken as they are: never fetch the page an item links to.
    #[arg(long)]
    pub no_follow: bool,
    /// A feed item whose text is shorter than this many characters fetches the page it links to
    /// and takes the page's article instead (unless --no-follow).
    #[arg(long, value_name = "CHARS", default_value_t = 500)]
    pub follow_below: usize,
}

fn seconds(flag: &str, v: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(v).map_err(|_| anyhow::anyhow!("--{flag} {v}: expected a number of seconds ≥ 0"))
}

impl NetArgs {
    pub fn fetcher(&self) -> anyhow::Result<Fetcher> {
        Ok(Fetcher::new(self.fetch_config()?)?)
    }

    pub fn fetch_config(&self) -> anyhow::Result<FetchConfig> {
        Ok(FetchConfig {
            max_redirects: self.max_redirects,
            connect_timeout: seconds("connect-timeout", self.connect_timeout)?,
            timeout: seconds("fetch-timeout", self.fetch_timeout)?,
            max_bytes: self.max_response_bytes,
            host_delay: seconds("host-delay", self.host_delay)?,
            max_retry_after: seconds("max-retry-after", self.max_retry_after)?,
        })
    }

    pub fn follow(&self) -> Follow {
        if self.no_follow {
            Follow::Never
        } else {
            Follow::Below(self.follow_below)
        }
    }
}
