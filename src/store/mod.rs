//! The incident store: articles, the places they mention and each mention, in one SQLite file or
//! one PostgreSQL (PostGIS) database.
//!
//! Contract: [`Store::open`] picks the backend by its argument (`postgres://…` or
//! `postgresql://…`: PostgreSQL, see `pg.rs`; anything else: a SQLite file, see `sqlite.rs`) and
//! creates or migrates the schema (both backends' migrations are listed in `migrations.rs`).
//! Every backend keeps the same promises: [`Store::insert_articles`] writes a batch of articles
//! with all their mentions in one transaction — either everything lands or nothing does — and is
//! idempotent: the same text (SHA-256 of the text) ingested twice returns the first article's id
//! and changes nothing, also when two writers (two processes, two replicas) store it at once. A
//! place's geometry is one row of `places`, written by the first mention that needs it; a mention
//! is a small row referring to its place and article, its sentence kept as a span of the
//! article's text. [`Store::places`], [`Store::article_metas`] and [`Store::for_each_mention`]
//! read them back for the index, each thing once; [`Store::data_version`] changes when another
//! writer commits, and mention ids grow in commit order, so [`Store::mentions_after`] a watermark
//! is everything others added since; every deletion logs its mentions in the same transaction,
//! so [`Store::deletions_after`] a seq is everything others removed since.
//! Not for: geoparsing (the caller passes mentions in) or spatial queries (that is `index`).

mod articles;
mod changes;
pub mod fetched;
mod migrations;
mod pg;
mod reviews;
mod sqlite;

pub use articles::{ArticleFilter, ArticleRow};
pub use pg::PgStore;
pub use reviews::{NewReview, Review, ReviewStatus};
pub use sqlite::SqliteStore;

use crate::geoparse::Mention;
use crate::schema::ArticleMeta;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL error: {0}")]
    Postgres(#[from] postgres::Error),
    #[error("stored geometry of place {0} is not valid GeoJSON")]
    Geometry(String),
    #[error("the database changed under a write: {0}")]
    Inconsistent(String),
    #[error("the database at {path} was written by a newer sitrep (schema version {found}, this build knows {known})")]
    TooNew { path: String, found: i64, known: i64 },
}

/// An article as submitted for ingest.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewArticle {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub published: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    pub text: String,
}

/// One stored place: its geometry is stored once, however many mentions refer to it.
#[derive(Debug, Clone)]
pub struct StoredPlace {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub point: geo_types::Point<f64>,
    pub geometry: geo_types::Geometry<f64>,
}

/// One stored mention as a small record: its place and article by id, its quote cut from the
/// article's text.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMention {
    pub id: i64,
    pub article_id: i64,
    pub place_id: String,
    pub surface: String,
    /// Code-point offsets of the name in the article.
    pub start: i64,
    pub end: i64,
    /// The sentence naming the place, and the name's code-point offsets in it.
    pub quote: String,
    pub quote_start: i64,
    pub quote_end: i64,
    pub precision: u8,
    pub geo_precision: u8,
    pub confidence: f64,
    pub relation: Option<serde_json::Value>,
    /// The role reading (`None` in rows stored before it was kept): see [`crate::geoparse::Mention`].
    pub literal: Option<bool>,
    pub event: Option<bool>,
    pub role_reason: Option<String>,
    /// An analyst's current review (see `reviews.rs`); the fields above stay the machine's reading.
    pub review: Option<Review>,
}

/// One mention removed, as the change log of deletions (`deleted_mentions`) records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deletion {
    /// Grows in commit order.
    pub seq: i64,
    pub mention_id: i64,
    pub article_id: i64,
}

/// What storing one article did.
#[derive(Debug, Clone, PartialEq)]
pub struct Inserted {
    pub id: i64,
    /// `false` when the same text was already stored (nothing changed).
    pub created: bool,
    /// The stored mentions in the order given (place mentions only; empty when not created).
    pub mentions: Vec<StoredMention>,
}

/// SHA-256 of an article's text, hex: the key that makes ingest idempotent.
pub fn text_hash(text: &str) -> String {
    let d = Sha256::digest(text.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// The store, on one of its backends; every method behaves the same on both.
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// Calls the same method on whichever backend the store is.
macro_rules! dispatch {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Store::Sqlite($s) => $e,
            Store::Postgres($s) => $e,
        }
    };
}

/// Whether `spec` (a `--db` value) names a PostgreSQL database rather than a SQLite file.
pub fn is_postgres_url(spec: &str) -> bool {
    spec.starts_with("postgres://") || spec.starts_with("postgresql://")
}

impl Store {
    /// Opens the store `spec` names — a `postgres://…` / `postgresql://…` connection URL, else a
    /// SQLite file (created if needed) — and brings its schema up to date.
    pub fn open(spec: &Path) -> Result<Store, StoreError> {
        match spec.to_str() {
            Some(url) if is_postgres_url(url) => Ok(Store::Postgres(PgStore::open(url)?)),
            _ => Ok(Store::Sqlite(SqliteStore::open(spec)?)),
        }
    }

    /// An in-memory SQLite store, for tests and one-off runs.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Ok(Store::Sqlite(SqliteStore::open_in_memory()?))
    }

    /// The backend's name: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    pub fn article_count(&self) -> Result<i64, StoreError> {
        dispatch!(self, s => s.article_count())
    }

    pub fn mention_count(&self) -> Result<i64, StoreError> {
        dispatch!(self, s => s.mention_count())
    }

    /// Stores an article and its place mentions (demonym mentions are not stored) in one
    /// transaction. A text already stored changes nothing.
    pub fn insert_article(&self, article: &NewArticle, mentions: &[Mention]) -> Result<Inserted, StoreError> {
        let mut out = self.insert_articles(&[(article, mentions)])?;
        Ok(out.remove(0))
    }

    /// Stores a batch of articles with their mentions in one transaction: either every article
    /// lands or none does. Articles already stored (same text) are reported with `created: false`.
    pub fn insert_articles(&self, batch: &[(&NewArticle, &[Mention])]) -> Result<Vec<Inserted>, StoreError> {
        let mut out = dispatch!(self, s => s.insert_articles(batch))?;
        // a text deleted and ingested again finds its reviews (they are keyed by text and span)
        for i in out.iter_mut().filter(|i| i.created) {
            self.attach_reviews(&mut i.mentions)?;
        }
        Ok(out)
    }

    /// Every stored place (each geometry once).
    pub fn places(&self) -> Result<Vec<StoredPlace>, StoreError> {
        dispatch!(self, s => s.places())
    }

    /// Every stored article's metadata (no text), by id.
    pub fn article_metas(&self) -> Result<Vec<ArticleMeta>, StoreError> {
        dispatch!(self, s => s.article_metas())
    }

    /// Every stored mention (of one article when `article` is given), ordered by article then id,
    /// each quote cut from its article's text.
    pub fn mentions(&self, article: Option<i64>) -> Result<Vec<StoredMention>, StoreError> {
        let mut out = Vec::new();
        self.for_each_mention(article, |m| out.push(m))?;
        Ok(out)
    }

    /// Streams the stored mentions (see [`Self::mentions`]) without collecting them.
    pub fn for_each_mention(&self, article: Option<i64>, mut f: impl FnMut(StoredMention)) -> Result<(), StoreError> {
        let mut reviews = self.current_reviews(0, i64::MAX)?;
        dispatch!(self, s => s.for_each_mention(article, |mut m| {
            m.review = reviews.remove(&m.id);
            f(m)
        }))
    }

    /// The stored article with this id.
    pub fn article(&self, id: i64) -> Result<Option<NewArticle>, StoreError> {
        dispatch!(self, s => s.article(id))
    }

    /// A page of articles matching `f` (newest first) and how many match in all.
    pub fn list_articles(&self, f: &ArticleFilter) -> Result<(Vec<ArticleRow>, i64), StoreError> {
        dispatch!(self, s => s.list_articles(f))
    }

    /// The id of a stored article with this URL.
    pub fn article_by_url(&self, url: &str) -> Result<Option<i64>, StoreError> {
        dispatch!(self, s => s.article_by_url(url))
    }

    /// One article's metadata.
    pub fn article_row(&self, id: i64) -> Result<Option<ArticleRow>, StoreError> {
        dispatch!(self, s => s.article_row(id))
    }

    /// Deletes an article and its mentions; the ids of the mentions removed, `None` if no such
    /// article. Places stay stored: other articles may name them.
    pub fn delete_article(&self, id: i64) -> Result<Option<Vec<i64>>, StoreError> {
        dispatch!(self, s => s.delete_article(id))
    }

    /// A counter that differs between two calls when another writer committed (SQLite: `PRAGMA
    /// data_version`; PostgreSQL: the notifications on channel `sitrep_changes`).
    pub fn data_version(&self) -> Result<i64, StoreError> {
        dispatch!(self, s => s.data_version())
    }

    /// The largest mention id stored (0 when none).
    pub fn max_mention_id(&self) -> Result<i64, StoreError> {
        dispatch!(self, s => s.max_mention_id())
    }

    /// The largest article id stored (0 when none).
    pub fn max_article_id(&self) -> Result<i64, StoreError> {
        dispatch!(self, s => s.max_article_id())
    }

    /// Up to `limit` stored mentions with `id > after`, in id order.
    pub fn mentions_after(&self, after: i64, limit: usize) -> Result<Vec<StoredMention>, StoreError> {
        let mut out = dispatch!(self, s => s.mentions_after(after, limit))?;
        self.attach_reviews(&mut out)?;
        Ok(out)
    }

    /// Sets each mention's current review.
    fn attach_reviews(&self, mentions: &mut [StoredMention]) -> Result<(), StoreError> {
        let (Some(lo), Some(hi)) = (mentions.iter().map(|m| m.id).min(), mentions.iter().map(|m| m.id).max()) else {
            return Ok(());
        };
        let mut reviews = self.current_reviews(lo, hi)?;
        for m in mentions {
            m.review = reviews.remove(&m.id);
        }
        Ok(())
    }

    /// Stores an analyst's review of mention `mention_id` (see `reviews.rs`): the review and the
    /// mention's article id; `None` when no such mention is stored.
    pub fn add_review(&self, mention_id: i64, review: &NewReview) -> Result<Option<(Review, i64)>, StoreError> {
        dispatch!(self, s => s.add_review(mention_id, review))
    }

    /// The current review of each mention with an id in `lo..=hi` (`pending` ones left out).
    pub fn current_reviews(&self, lo: i64, hi: i64) -> Result<std::collections::HashMap<i64, Review>, StoreError> {
        dispatch!(self, s => s.current_reviews(lo, hi))
    }

    /// Every review of a mention, oldest first.
    pub fn review_history(&self, mention_id: i64) -> Result<Vec<Review>, StoreError> {
        dispatch!(self, s => s.review_history(mention_id))
    }

    /// Up to `limit` reviews with `seq > after` of mentions still stored, as (seq, mention id,
    /// article id), in seq (= commit) order.
    pub fn reviews_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, i64, i64)>, StoreError> {
        dispatch!(self, s => s.reviews_after(after, limit))
    }

    /// Stores an analyst's decision that articles `a` and `b` report one event (`together`) or
    /// two; `false` when either article is not stored.
    pub fn link_reports(
        &self,
        a: i64,
        b: i64,
        together: bool,
        note: Option<&str>,
        author: &str,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.link_reports(a, b, together, note, author))
    }

    /// The newest decision on each pair of stored articles: (a, b, together).
    pub fn report_links(&self) -> Result<Vec<(i64, i64, bool)>, StoreError> {
        dispatch!(self, s => s.report_links())
    }

    /// The largest review seq (0 when none).
    pub fn max_review_seq(&self) -> Result<i64, StoreError> {
        dispatch!(self, s => s.max_review_seq())
    }

    /// The largest seq of the change log of deletions (0 when nothing was ever deleted).
    pub fn max_deletion_seq(&self) -> Result<i64, StoreError> {
        dispatch!(self, s => s.max_deletion_seq())
    }

    /// Up to `limit` logged deletions with `seq > after`, in seq (= commit) order.
    pub fn deletions_after(&self, after: i64, limit: usize) -> Result<Vec<Deletion>, StoreError> {
        dispatch!(self, s => s.deletions_after(after, limit))
    }

    /// The metadata of the articles with these ids (those that exist).
    pub fn article_metas_in(&self, ids: &[i64]) -> Result<Vec<ArticleMeta>, StoreError> {
        dispatch!(self, s => s.article_metas_in(ids))
    }

    /// The places with these ids (those that exist), geometries parsed.
    pub fn places_in(&self, ids: &[&str]) -> Result<Vec<StoredPlace>, StoreError> {
        dispatch!(self, s => s.places_in(ids))
    }
}

/// A mention's stored columns, before its quote is cut from its article's text.
struct MentionRow {
    id: i64,
    article_id: i64,
    place_id: String,
    surface: String,
    start: i64,
    end: i64,
    sentence_start: i64,
    sentence_end: i64,
    precision: u8,
    geo_precision: u8,
    confidence: f64,
    relation: Option<String>,
    literal: Option<bool>,
    event: Option<bool>,
    role_reason: Option<String>,
}

impl MentionRow {
    /// The mention with its quote cut from its article's text (`None`: no text, an empty quote).
    fn into_stored(self, text: Option<&CodePoints>) -> StoredMention {
        let (start, end, ss, se) = (self.start, self.end, self.sentence_start, self.sentence_end);
        let quote = text.map(|t| t.slice(ss, se).to_string()).unwrap_or_default();
        let quote_start = (start - ss).max(0);
        StoredMention {
            id: self.id,
            article_id: self.article_id,
            place_id: self.place_id,
            surface: self.surface,
            start,
            end,
            quote,
            quote_start,
            quote_end: (end - ss).max(quote_start),
            precision: self.precision,
            geo_precision: self.geo_precision,
            confidence: self.confidence,
            relation: self.relation.and_then(|s| serde_json::from_str(&s).ok()),
            literal: self.literal,
            event: self.event,
            role_reason: self.role_reason,
            review: None,
        }
    }
}

/// A place row (its geometry as GeoJSON text) parsed.
fn parse_place(
    (id, name, kind, lon, lat, geom): (String, String, String, f64, f64, String),
) -> Result<StoredPlace, StoreError> {
    let g: geojson::Geometry = serde_json::from_str(&geom).map_err(|_| StoreError::Geometry(id.clone()))?;
    let geometry = geo_types::Geometry::<f64>::try_from(&g.value).map_err(|_| StoreError::Geometry(id.clone()))?;
    Ok(StoredPlace { id, name, kind, point: geo_types::Point::new(lon, lat), geometry })
}

/// A mention's place geometry as GeoJSON text, as both backends store it.
fn geometry_json(m: &Mention) -> Result<String, StoreError> {
    geojson_text(&m.place_id, &m.geometry)
}

/// Place `id`'s geometry as GeoJSON text.
fn geojson_text(id: &str, g: &geo_types::Geometry<f64>) -> Result<String, StoreError> {
    let geometry = geojson::Geometry::new(geojson::GeometryValue::from(g));
    serde_json::to_string(&geometry).map_err(|_| StoreError::Geometry(id.to_string()))
}

/// The [`StoredMention`] a new mention becomes once stored with this id.
fn new_stored(id: i64, article_id: i64, m: &Mention, relation: Option<serde_json::Value>) -> StoredMention {
    let quote_start = (m.start as i64 - m.sentence_start as i64).max(0);
    StoredMention {
        id,
        article_id,
        place_id: m.place_id.clone(),
        surface: m.name.clone(),
        start: m.start as i64,
        end: m.end as i64,
        quote: m.sentence.clone(),
        quote_start,
        quote_end: (m.end as i64 - m.sentence_start as i64).max(quote_start),
        precision: m.precision,
        geo_precision: m.geo_precision,
        confidence: f64::from(m.confidence),
        relation,
        literal: Some(m.literal),
        event: Some(m.event),
        role_reason: m.role_reason.map(str::to_string),
        review: None,
    }
}

/// An article's text with code-point offsets mapped to bytes (mentions are stored in code points).
struct CodePoints {
    text: String,
    /// Byte offset of every code point, when the text is not ASCII.
    bytes: Option<Vec<usize>>,
}

impl CodePoints {
    fn new(text: String) -> CodePoints {
        let bytes = (!text.is_ascii()).then(|| text.char_indices().map(|(b, _)| b).chain([text.len()]).collect());
        CodePoints { text, bytes }
    }

    /// The text between code points `a` and `b` (clamped to the text).
    fn slice(&self, a: i64, b: i64) -> &str {
        let n = self.bytes.as_ref().map_or(self.text.len(), |v| v.len() - 1);
        let (a, b) = (a.clamp(0, n as i64) as usize, b.clamp(0, n as i64) as usize);
        let (a, b) = (a.min(b), b);
        match &self.bytes {
            None => &self.text[a..b],
            Some(v) => &self.text[v[a]..v[b]],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_points_slice_non_ascii_text() {
        let t = CodePoints::new("Ереван — Yerevan. Next".to_string());
        assert_eq!(t.slice(0, 6), "Ереван");
        assert_eq!(t.slice(9, 17), "Yerevan.");
        assert_eq!(t.slice(18, 99), "Next");
        assert_eq!(CodePoints::new("abc".into()).slice(1, 2), "b");
    }
}
