//! Ingest: turn submitted articles into stored mentions (geoparse, then one store transaction).
//!
//! Contract: [`validate`] rejects an article the store should not take (empty text, bad date) with
//! a message naming the field; [`ingest`] geoparses a valid article with its date and stores it
//! idempotently; [`read_path`] reads `.txt`/`.md` (title = first line), `.json` (one article or an
//! array) and `.jsonl` files into articles, reporting malformed records instead of stopping.
//! Not for: updating the spatial index (the server does that from the returned mentions).

use crate::geoparse::{Geoparser, Mention};
use crate::store::{NewArticle, Store, StoreError};
use std::path::Path;

/// Largest article text accepted, in bytes.
pub const MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;

/// What happened to one article.
pub struct Ingested {
    pub id: i64,
    pub created: bool,
    pub mentions: Vec<Mention>,
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

/// Geoparses and stores one article (validated first). Storing is one transaction.
pub fn ingest(geoparser: &Geoparser, store: &Store, a: &NewArticle) -> Result<Result<Ingested, String>, StoreError> {
    if let Err(e) = validate(a) {
        return Ok(Err(e));
    }
    let date = a.published.as_deref().map(|d| &d[..10.min(d.len())]);
    let mentions = geoparser.parse(&a.text, date);
    let (id, created) = store.insert_article(a, &mentions)?;
    Ok(Ok(Ingested { id, created, mentions }))
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
