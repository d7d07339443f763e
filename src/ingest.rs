//! Ingest: turn submitted articles into stored mentions (geoparse, then one store transaction).
//!
//! Contract: [`validate`] rejects an article the store should not take (empty text, bad date,
//! text over [`MAX_TEXT_BYTES`]) with a message naming the field; [`ingest_batch`] geoparses a
//! batch of valid articles with their dates and stores them in one transaction (all or nothing,
//! idempotent per text), checking `cancel` between articles and before committing, so work for a
//! client that went away or ran out of time stops and writes nothing; [`read_path`] reads
//! `.txt`/`.md` (title = first line), `.json` (one article or an array) and `.jsonl` files into
//! articles, reporting malformed records instead of stopping.
//! Not for: updating the spatial index (the caller does that from the returned mentions).

use crate::geoparse::{Geoparser, Mention};
use crate::store::{NewArticle, Store, StoreError, StoredMention};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Largest article text accepted, in bytes.
pub const MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;

/// What happened to one article.
pub struct Ingested {
    pub id: i64,
    pub created: bool,
    /// Every mention the geoparser found (demonyms included).
    pub mentions: Vec<Mention>,
    /// The stored place mentions with their ids (empty when the text was already stored).
    pub stored: Vec<StoredMention>,
}

/// Why a batch was not stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Article `index` (0-based) is invalid; nothing was written.
    #[error("article {}: {message}", index + 1)]
    Invalid { index: usize, message: String },
    /// The work was cancelled (client gone, deadline passed); nothing was written.
    #[error("ingest cancelled before anything was written")]
    Cancelled,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks an article before anything is written; the error names the field and what to do.
pub fn validate(a: &NewArticle) -> Result<(), String> {
    if a.text.trim().is_empty() {
        return Err("`text` is empty: send the article's text".into());
    }
    if a.text.len() > MAX_TEXT_BYTES {
        return Err(format!("`text` is {} bytes; the limit is {MAX_TEXT_BYTES}", a.text.len()));
    }
    if let Some(p) = &a.published {
        if crate::features::date_to_unix(p).is_none() {
            return Err(format!("`published` {p:?} is not a date: use YYYY-MM-DD"));
        }
    }
    Ok(())
}

/// The date the geoparser reads an article at (its published day).
fn date_of(a: &NewArticle) -> Option<&str> {
    a.published.as_deref().map(|d| &d[..10.min(d.len())])
}

/// Validates, geoparses and stores a batch in one transaction (see the module contract).
pub fn ingest_batch(
    geoparser: &Geoparser,
    store: &Store,
    articles: &[NewArticle],
    cancel: &AtomicBool,
) -> Result<Vec<Ingested>, IngestError> {
    for (index, a) in articles.iter().enumerate() {
        validate(a).map_err(|message| IngestError::Invalid { index, message })?;
    }
    let mut parsed = Vec::with_capacity(articles.len());
    for a in articles {
        if cancel.load(Ordering::Relaxed) {
            return Err(IngestError::Cancelled);
        }
        parsed.push(geoparser.parse(&a.text, date_of(a)));
    }
    if cancel.load(Ordering::Relaxed) {
        return Err(IngestError::Cancelled);
    }
    let batch: Vec<(&NewArticle, &[Mention])> = articles.iter().zip(&parsed).map(|(a, m)| (a, m.as_slice())).collect();
    let inserted = store.insert_articles(&batch)?;
    Ok(inserted
        .into_iter()
        .zip(parsed)
        .map(|(i, mentions)| Ingested { id: i.id, created: i.created, mentions, stored: i.mentions })
        .collect())
}

/// Geoparses and stores one article (validated first): [`ingest_batch`] of one.
pub fn ingest(geoparser: &Geoparser, store: &Store, a: &NewArticle) -> Result<Result<Ingested, String>, StoreError> {
    match ingest_batch(geoparser, store, std::slice::from_ref(a), &AtomicBool::new(false)) {
        Ok(mut v) => Ok(Ok(v.remove(0))),
        Err(IngestError::Invalid { message, .. }) => Ok(Err(message)),
        Err(IngestError::Cancelled) => Ok(Err("cancelled".into())),
        Err(IngestError::Store(e)) => Err(e),
    }
}

/// One record read from an input file, or why it could not be read.
pub type Record = Result<NewArticle, String>;

/// Reads the articles in a file; each malformed record becomes an `Err` naming the file and line.
pub fn read_path(path: &Path) -> Result<Vec<Record>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!("{}: not UTF-8 text (invalid byte at offset {})", path.display(), e.utf8_error().valid_up_to())
    })?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "txt" | "md" => {
            let mut lines = text.lines();
            let title = lines.next().map(|l| l.trim_start_matches('#').trim().to_string()).filter(|t| !t.is_empty());
            Ok(vec![Ok(NewArticle { title, text: text.clone(), ..Default::default() })])
        }
        "json" => match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Array(items)) => Ok(items
                .into_iter()
                .enumerate()
                .map(|(i, v)| serde_json::from_value(v).map_err(|e| format!("{} item {}: {e}", path.display(), i + 1)))
                .collect()),
            Ok(v) => Ok(vec![serde_json::from_value(v).map_err(|e| format!("{}: {e}", path.display()))]),
            Err(e) => Err(format!("{}: {e}", path.display())),
        },
        "jsonl" | "ndjson" => Ok(text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("{} line {}: {e}", path.display(), i + 1)))
            .collect()),
        _ => Err(format!("{}: unknown file type; use .txt, .md, .json or .jsonl", path.display())),
    }
}
