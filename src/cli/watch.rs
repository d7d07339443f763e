//! `sitrep watch FEED…`: poll feeds (or pages) on an interval and store their new items.
//!
//! Each URL is polled at once and then every `--interval`; a failing one waits twice as long
//! after each failure in a row, at most `--max-backoff`, and goes back to the interval once it
//! answers. A poll sends the ETag / Last-Modified the database remembers, so an unchanged feed
//! costs a 304 and stores nothing. One line per poll that stored something or failed; a server
//! on the same database shows the new items within its `--refresh-ms`. SIGINT or SIGTERM stop it
//! between requests (exit 0).

use crate::store::Store;
use clap::Args;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct WatchArgs {
    /// Feed (or page) URLs to poll (`feeds = [...]` in the configuration file).
    #[arg(required = true, value_name = "URL")]
    pub feeds: Vec<String>,
    /// SQLite database file (created if missing).
    #[arg(long, default_value = "sitrep.db", env = "SITREP_DB")]
    pub db: PathBuf,
    /// Data directory (see `sitrep serve --help` for where it is looked for).
    #[arg(long, env = "SITREP_DATA")]
    pub data: Option<PathBuf>,
    /// Seconds between two polls of each feed.
    #[arg(long, value_name = "SECONDS", default_value_t = 300.0)]
    pub interval: f64,
    /// Longest wait between polls of a failing feed (the wait doubles on each failure), seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600.0)]
    pub max_backoff: f64,
    /// Source (publisher) of articles whose feed names none.
    #[arg(long)]
    pub source: Option<String>,
    #[command(flatten)]
    pub net: super::net::NetArgs,
}

fn seconds(flag: &str, v: f64) -> anyhow::Result<std::time::Duration> {
    std::time::Duration::try_from_secs_f64(v)
        .map_err(|_| anyhow::anyhow!("--{flag} {v}: expected a number of seconds ≥ 0"))
}

/// Sets `stop` on SIGINT or SIGTERM (a small runtime on its own thread).
fn stop_on_signal(stop: Arc<AtomicBool>) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    std::thread::Builder::new().name("sitrep-signals".into()).spawn(move || {
        rt.block_on(crate::http::stop_signal());
        stop.store(true, Ordering::Relaxed);
    })?;
    Ok(())
}

pub fn watch(args: WatchArgs) -> anyhow::Result<()> {
    for f in &args.feeds {
        if !crate::fetch::is_url(f) {
            anyhow::bail!("{f}: expected an http:// or https:// URL");
        }
    }
    let interval = seconds("interval", args.interval)?.max(std::time::Duration::from_millis(100));
    let max_backoff = seconds("max-backoff", args.max_backoff)?;
    let fetcher = args.net.fetcher()?;
    let follow = args.net.follow();
    let stop = Arc::new(AtomicBool::new(false));
    stop_on_signal(stop.clone())?;
    let gaz = Arc::new(super::load_gazetteer(args.data)?);
    let geoparser = crate::geoparse::Geoparser::new(gaz);
    let store = Store::open(&args.db)?;
    let overrides = crate::input::Overrides { source: args.source, ..Default::default() };
    let never = AtomicBool::new(false);
    let mut schedule = crate::fetch::Schedule::new(&args.feeds, interval, max_backoff);
    eprintln!(
        "sitrep: watching {} feed(s) every {} s into {}",
        args.feeds.len(),
        interval.as_secs_f64(),
        args.db.display()
    );
    crate::fetch::watch(
        &mut schedule,
        &stop,
        |url| {
            crate::fetch::poll(&fetcher, &store, url, follow, &overrides, &mut |batch| {
                crate::ingest::ingest_batch(&geoparser, &store, batch, &never)
            })
        },
        |url, result, wait| match result {
            Ok(p) => {
                for s in &p.skipped {
                    eprintln!("sitrep: skipped {s}");
                }
                if p.stored > 0 {
                    println!(
                        "{url}: articles stored: {}, mentions stored: {}, already stored: {}",
                        p.stored, p.mentions, p.duplicates
                    );
                }
            }
            Err(e) => eprintln!("sitrep: {e} (next try in {} s)", wait.as_secs()),
        },
    );
    eprintln!("sitrep: stopped");
    Ok(())
}
