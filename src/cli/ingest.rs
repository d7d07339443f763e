//! `sitrep ingest PATH...`: geoparse and store articles from files, with a progress bar and a summary.

use crate::geoparse::Geoparser;
use crate::store::Store;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Files to ingest: .txt/.md (title on the first line), .json (an article or an array), .jsonl.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// SQLite database file (created if missing).
    #[arg(long, default_value = "sitrep.db")]
    pub db: PathBuf,
    /// Data directory (default: $SITREP_DATA, else ./data).
    #[arg(long)]
    pub data: Option<PathBuf>,
}

pub fn ingest(args: IngestArgs) -> anyhow::Result<()> {
    // Read every input first, so a missing file stops the run before anything is written.
    let mut records = Vec::new();
    for p in &args.paths {
        records.extend(crate::ingest::read_path(p).map_err(anyhow::Error::msg)?);
    }
    let gaz = Arc::new(super::load_gazetteer(args.data)?);
    let geoparser = Geoparser::new(gaz);
    let store = Store::open(&args.db)?;
    let bar = if records.len() >= 20 { ProgressBar::new(records.len() as u64) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} articles {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let (mut stored, mut duplicates, mut mentions) = (0usize, 0usize, 0usize);
    let mut skipped: Vec<String> = Vec::new();
    // Valid articles are stored in transactions of CHUNK: far fewer commits than one per article.
    const CHUNK: usize = 256;
    let mut pending: Vec<crate::store::NewArticle> = Vec::with_capacity(CHUNK);
    let never = std::sync::atomic::AtomicBool::new(false);
    let mut flush = |pending: &mut Vec<crate::store::NewArticle>| -> anyhow::Result<()> {
        for done in crate::ingest::ingest_batch(&geoparser, &store, pending, &never)? {
            if done.created {
                stored += 1;
                mentions += done.stored.len();
            } else {
                duplicates += 1;
            }
        }
        bar.inc(pending.len() as u64);
        pending.clear();
        Ok(())
    };
    for rec in records {
        let article = match rec {
            Ok(a) => a,
            Err(e) => {
                skipped.push(e);
                continue;
            }
        };
        if let Err(e) = crate::ingest::validate(&article) {
            skipped.push(format!("{}: {e}", article.title.as_deref().unwrap_or("untitled article")));
            continue;
        }
        pending.push(article);
        if pending.len() == CHUNK {
            flush(&mut pending)?;
        }
    }
    flush(&mut pending)?;
    bar.finish_and_clear();
    println!(
        "articles stored: {stored}, mentions stored: {mentions}, already stored: {duplicates}, skipped: {}",
        skipped.len()
    );
    for s in &skipped {
        println!("  skipped: {s}");
    }
    Ok(())
}
