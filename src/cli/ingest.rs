//! `sitrep ingest PATH|URL...`: geoparse and store articles from files, standard input or URLs.
//!
//! A URL is fetched ([`crate::fetch::harvest`]: a feed or a page, feed items following their
//! links), conditionally when the database remembers its ETag / Last-Modified; a 304 stores
//! nothing. The validators of each URL read are remembered once its articles are stored.
//! Every input is read (one unreadable path is reported and the others go on), every record
//! validated, then the valid articles are stored in transactions of [`CHUNK`]. Each skipped input
//! or record is named on stderr (`file:line: why`), a summary line goes to stdout, and the exit
//! status is non-zero when anything was skipped. A progress bar is drawn only when stderr is a
//! terminal. A database this run created is removed again when the run stored nothing in it.

use crate::geoparse::Geoparser;
use crate::input::{Item, Overrides};
use crate::store::Store;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Files or http(s) URLs to ingest, `-` for standard input: .txt/.md (title on the first line, optional YAML
    /// front matter with title, date, source, url), .json (an article or an array), .jsonl,
    /// .html (the page's article), .xml/.rss/.atom and JSON Feed .json (each item). An article
    /// whose URL or text is stored already is not stored again.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// SQLite database file (created if missing), or a PostgreSQL URL (`postgres://user@host/db`).
    #[arg(long, default_value = "sitrep.db", env = "SITREP_DB")]
    pub db: PathBuf,
    /// Data directory (see `sitrep serve --help` for where it is looked for).
    #[arg(long, env = "SITREP_DATA")]
    pub data: Option<PathBuf>,
    /// Publication date (YYYY-MM-DD) of the articles read: replaces a text file's own, fills a
    /// JSON record's when it has none.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// Source (publisher) of the articles read (same precedence as --date).
    #[arg(long)]
    pub source: Option<String>,
    /// URL of the article read (same precedence as --date).
    #[arg(long)]
    pub url: Option<String>,
    /// Title of the article read, instead of its first line (same precedence as --date).
    #[arg(long)]
    pub title: Option<String>,
    /// Never draw a progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub net: super::net::NetArgs,
}

/// Valid articles are stored in transactions of this many (far fewer commits than one each).
const CHUNK: usize = 64;

pub fn ingest(args: IngestArgs) -> anyhow::Result<()> {
    if let Some(d) = &args.date {
        if crate::features::date_to_unix(d).is_none() {
            anyhow::bail!("--date {d:?} is not a date: use YYYY-MM-DD");
        }
    }
    let overrides = Overrides { title: args.title, date: args.date, source: args.source, url: args.url };
    let mut skipped: Vec<String> = Vec::new();
    let mut articles = Vec::new();
    let mut stdin_read = false;
    let any_url = args.paths.iter().any(|p| p.to_str().is_some_and(crate::fetch::is_url));
    // URLs need what the database knows (validators, stored URLs); a missing one knows nothing
    let mut early_store = if any_url && args.db.exists() { Some(Store::open(&args.db)?) } else { None };
    let fetcher = if any_url { Some(args.net.fetcher()?) } else { None };
    let mut validators = Vec::new();
    let mut not_modified = 0usize;
    let mut known_links = 0usize;
    for p in &args.paths {
        if p == Path::new("-") {
            if stdin_read {
                continue;
            }
            stdin_read = true;
        }
        let read = match (p.to_str().filter(|s| crate::fetch::is_url(s)), &fetcher) {
            (Some(url), Some(fetcher)) => {
                let store = early_store.as_ref();
                let known = match store {
                    Some(s) => s.fetched(url)?,
                    None => None,
                };
                let is_stored = |u: &str| store.is_some_and(|s| s.article_by_url(u).ok().flatten().is_some());
                match crate::fetch::harvest(fetcher, url, known.as_ref(), args.net.follow(), &overrides, &is_stored) {
                    Ok(h) => {
                        not_modified += usize::from(h.not_modified);
                        known_links += h.known;
                        // remembered only when every item was read: an item whose link failed
                        // must be tried again, and after a 304 it would not be
                        if !h.not_modified && h.items.iter().all(|i| i.article.is_ok()) {
                            validators.push((url.to_string(), h.validators));
                        }
                        Ok(h.items)
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
            _ => crate::input::read(p, &overrides).map_err(|e| e.to_string()),
        };
        match read {
            Ok(items) => {
                for Item { origin, article } in items {
                    match article.and_then(|a| crate::ingest::validate(&a).map(|()| a)) {
                        Ok(a) => articles.push((origin, a)),
                        Err(e) => skipped.push(format!("{origin}: {e}")),
                    }
                }
            }
            Err(e) => skipped.push(e),
        }
    }
    // Report what was skipped as it is known, before the long part.
    for s in &skipped {
        eprintln!("sitrep: skipped {s}");
    }
    let (mut stored, mut duplicates, mut mentions) = (0usize, known_links, 0usize);
    if !articles.is_empty() {
        let data = super::resolve_data_dir(args.data)?;
        let gaz = Arc::new(crate::gazetteer::Gazetteer::load(&data)?);
        let geoparser = Geoparser::new(gaz);
        let existed = args.db.exists();
        let store = match early_store.take() {
            Some(s) => s,
            None => Store::open(&args.db)?,
        };
        let bar = if args.quiet || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            ProgressBar::with_draw_target(Some(articles.len() as u64), ProgressDrawTarget::stderr())
        };
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} articles {elapsed} ({eta} left)")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let never = std::sync::atomic::AtomicBool::new(false);
        let mut result = Ok(());
        // an article whose URL is stored already (or seen earlier in this run) is a duplicate
        let mut seen_urls = std::collections::HashSet::new();
        let mut fresh = Vec::with_capacity(articles.len());
        for (origin, a) in articles {
            if let Some(url) = a.url.clone() {
                if !seen_urls.insert(url.clone()) || store.article_by_url(&url)?.is_some() {
                    duplicates += 1;
                    bar.inc(1);
                    continue;
                }
            }
            fresh.push((origin, a));
        }
        for chunk in fresh.chunks(CHUNK) {
            let batch: Vec<crate::store::NewArticle> = chunk.iter().map(|(_, a)| a.clone()).collect();
            match crate::ingest::ingest_batch(&geoparser, &store, &batch, &never) {
                Ok(done) => {
                    for d in done {
                        if d.created {
                            stored += 1;
                            mentions += d.stored.len();
                        } else {
                            duplicates += 1;
                        }
                    }
                }
                Err(e) => {
                    result = Err(anyhow::anyhow!("{}: {e}", chunk[0].0));
                    break;
                }
            }
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        if result.is_ok() {
            remember(&store, &validators)?;
        }
        drop(store);
        if !existed && stored == 0 && duplicates == 0 {
            remove_database(&args.db);
        }
        result?;
    } else if let Some(store) = &early_store {
        remember(store, &validators)?;
    }
    let fetched = if any_url { format!(", not modified: {not_modified}") } else { String::new() };
    println!(
        "articles stored: {stored}, mentions stored: {mentions}, already stored: {duplicates}, skipped: {}{fetched}",
        skipped.len()
    );
    if !skipped.is_empty() {
        anyhow::bail!("{} input(s) skipped (named above)", skipped.len());
    }
    Ok(())
}

/// Remembers each URL's validators for the next run's conditional GET.
fn remember(store: &Store, validators: &[(String, crate::store::fetched::Validators)]) -> anyhow::Result<()> {
    for (url, v) in validators {
        store.put_fetched(url, v)?;
    }
    Ok(())
}

/// Removes a database file this run created and left empty, with its WAL side files.
fn remove_database(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}
