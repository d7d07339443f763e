//! The incident store: articles, the places they mention and each mention, in one SQLite file.
//!
//! Contract: [`Store::open`] creates or migrates the database (WAL, versioned migrations in
//! `PRAGMA user_version`, each in its own transaction). [`Store::insert_articles`] writes a batch
//! of articles with all their mentions in one transaction — either everything lands or nothing
//! does — and is idempotent: the same text (SHA-256 of the text) ingested twice returns the first
//! article's id and changes nothing. A place's geometry is one row of `places`, written by the
//! first mention that needs it; a mention is a small row referring to its place and article, its
//! sentence kept as a span of the article's text. [`Store::places`], [`Store::article_metas`] and
//! [`Store::for_each_mention`] read them back for the index, each thing once.
//! Not for: geoparsing (the caller passes mentions in) or spatial queries (that is `index`).

mod articles;
mod changes;
pub mod fetched;

pub use articles::{ArticleFilter, ArticleRow};

use crate::geoparse::{Mention, Role};
use crate::schema::ArticleMeta;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored geometry of place {0} is not valid GeoJSON")]
    Geometry(String),
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

/// Schema migrations; index i brings the schema to version i + 1. Never edit a released entry.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    title TEXT,
    url TEXT,
    published TEXT,
    source TEXT,
    text TEXT NOT NULL,
    text_hash TEXT NOT NULL UNIQUE,
    ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE places (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    geometry TEXT NOT NULL
);
CREATE TABLE mentions (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    place_id TEXT NOT NULL REFERENCES places(id),
    surface TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    sentence TEXT NOT NULL,
    sentence_start INTEGER NOT NULL,
    precision INTEGER NOT NULL,
    geo_precision INTEGER NOT NULL,
    confidence REAL NOT NULL,
    relation TEXT
);
CREATE INDEX mentions_article ON mentions(article_id);
CREATE INDEX mentions_place ON mentions(place_id);
"#,
    // v2: a mention's sentence is no longer copied out of its article's text: it is kept as the
    // code-point span [sentence_start, sentence_end) of the text (half the bytes of a mention).
    r#"
ALTER TABLE mentions ADD COLUMN sentence_end INTEGER NOT NULL DEFAULT 0;
UPDATE mentions SET sentence_end = sentence_start + length(sentence);
ALTER TABLE mentions DROP COLUMN sentence;
"#,
    // v3: articles are also de-duplicated by their (canonical) URL.
    r#"
CREATE INDEX articles_url ON articles(url);
"#,
    // v4: the validators of each URL fetched (conditional GET on the next fetch); see fetched.rs.
    r#"
CREATE TABLE fetched (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    fetched_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
"#,
];

/// SHA-256 of an article's text, hex: the key that makes ingest idempotent.
pub fn text_hash(text: &str) -> String {
    let d = Sha256::digest(text.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

pub struct Store {
    conn: Mutex<Connection>,
}

/// A mention row (columns `id, article_id, place_id, surface, start, end, sentence_start,
/// sentence_end, precision, geo_precision, confidence, relation`, in that order) with its quote cut
/// from its article's text (`None`: no text, an empty quote).
fn stored_mention(r: &rusqlite::Row, text: Option<&CodePoints>) -> rusqlite::Result<StoredMention> {
    let (start, end, ss, se): (i64, i64, i64, i64) = (r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?);
    let quote = text.map(|t| t.slice(ss, se).to_string()).unwrap_or_default();
    let quote_start = (start - ss).max(0);
    Ok(StoredMention {
        id: r.get(0)?,
        article_id: r.get(1)?,
        place_id: r.get(2)?,
        surface: r.get(3)?,
        start,
        end,
        quote,
        quote_start,
        quote_end: (end - ss).max(quote_start),
        precision: r.get(8)?,
        geo_precision: r.get(9)?,
        confidence: r.get(10)?,
        relation: r.get::<_, Option<String>>(11)?.and_then(|s| serde_json::from_str(&s).ok()),
    })
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        Store::init(conn, &path.display().to_string())
    }

    /// An in-memory store, for tests and one-off runs.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::init(Connection::open_in_memory()?, ":memory:")
    }

    fn init(mut conn: Connection, name: &str) -> Result<Store, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew { path: name.to_string(), found: version, known });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(Store { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-written transaction (SQLite rolls it
        // back), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn article_count(&self) -> Result<i64, StoreError> {
        Ok(self.conn().query_row("SELECT count(*) FROM articles", [], |r| r.get(0))?)
    }

    pub fn mention_count(&self) -> Result<i64, StoreError> {
        Ok(self.conn().query_row("SELECT count(*) FROM mentions", [], |r| r.get(0))?)
    }

    /// Stores an article and its place mentions (demonym mentions are not stored) in one transaction.
    /// A text already stored changes nothing.
    pub fn insert_article(&self, article: &NewArticle, mentions: &[Mention]) -> Result<Inserted, StoreError> {
        let mut out = self.insert_articles(&[(article, mentions)])?;
        Ok(out.remove(0))
    }

    /// Stores a batch of articles with their mentions in one transaction: either every article
    /// lands or none does. Articles already stored (same text) are reported with `created: false`.
    pub fn insert_articles(&self, batch: &[(&NewArticle, &[Mention])]) -> Result<Vec<Inserted>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut out = Vec::with_capacity(batch.len());
        {
            let mut find = tx.prepare_cached("SELECT id FROM articles WHERE text_hash = ?1")?;
            let mut article_stmt = tx.prepare_cached(
                "INSERT INTO articles (title, url, published, source, text, text_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut has_place = tx.prepare_cached("SELECT 1 FROM places WHERE id = ?1")?;
            let mut place_stmt = tx.prepare_cached(
                "INSERT INTO places (id, name, kind, lon, lat, geometry) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut mention_stmt = tx.prepare_cached(
                "INSERT INTO mentions (article_id, place_id, surface, start, end, sentence_start, sentence_end,
                 precision, geo_precision, confidence, relation) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            let mut seen_places: std::collections::HashSet<&str> = std::collections::HashSet::new();
            for (article, mentions) in batch {
                let hash = text_hash(&article.text);
                if let Some(id) = find.query_row([&hash], |r| r.get::<_, i64>(0)).optional()? {
                    out.push(Inserted { id, created: false, mentions: Vec::new() });
                    continue;
                }
                article_stmt.execute(params![
                    article.title,
                    article.url,
                    article.published,
                    article.source,
                    article.text,
                    hash
                ])?;
                let article_id = tx.last_insert_rowid();
                let mut stored = Vec::new();
                for m in mentions.iter().filter(|m| m.role == Role::Place) {
                    // a place's geometry is written once, by the first mention that needs it
                    if seen_places.insert(&m.place_id)
                        && has_place.query_row([&m.place_id], |_| Ok(())).optional()?.is_none()
                    {
                        let geometry = geojson::Geometry::new(geojson::GeometryValue::from(&*m.geometry));
                        let geometry =
                            serde_json::to_string(&geometry).map_err(|_| StoreError::Geometry(m.place_id.clone()))?;
                        place_stmt.execute(params![
                            m.place_id,
                            m.place_name,
                            m.kind.as_str(),
                            m.point.x(),
                            m.point.y(),
                            geometry
                        ])?;
                    }
                    let relation = m.relation.as_ref().and_then(|r| serde_json::to_value(r).ok());
                    let relation_text = relation.as_ref().map(|r| r.to_string());
                    let sentence_len = m.sentence.chars().count();
                    mention_stmt.execute(params![
                        article_id,
                        m.place_id,
                        m.name,
                        m.start as i64,
                        m.end as i64,
                        m.sentence_start as i64,
                        (m.sentence_start + sentence_len) as i64,
                        m.precision,
                        m.geo_precision,
                        m.confidence as f64,
                        relation_text
                    ])?;
                    let quote_start = (m.start as i64 - m.sentence_start as i64).max(0);
                    stored.push(StoredMention {
                        id: tx.last_insert_rowid(),
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
                    });
                }
                out.push(Inserted { id: article_id, created: true, mentions: stored });
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// Every stored place (each geometry once).
    pub fn places(&self) -> Result<Vec<StoredPlace>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT id, name, kind, lon, lat, geometry FROM places ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, f64>(3)?,
                r.get::<_, f64>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let raw: Vec<_> = rows.collect::<Result<_, _>>()?;
        drop(stmt);
        drop(conn);
        use rayon::prelude::*;
        raw.into_par_iter()
            .map(|(id, name, kind, lon, lat, geom)| {
                let g: geojson::Geometry = serde_json::from_str(&geom).map_err(|_| StoreError::Geometry(id.clone()))?;
                let geometry =
                    geo_types::Geometry::<f64>::try_from(&g.value).map_err(|_| StoreError::Geometry(id.clone()))?;
                Ok(StoredPlace { id, name, kind, point: geo_types::Point::new(lon, lat), geometry })
            })
            .collect()
    }

    /// Every stored article's metadata (no text), by id.
    pub fn article_metas(&self) -> Result<Vec<ArticleMeta>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT id, title, url, source, published FROM articles ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(ArticleMeta {
                id: r.get(0)?,
                title: r.get::<_, Option<String>>(1)?.map(Into::into),
                url: r.get::<_, Option<String>>(2)?.map(Into::into),
                source: r.get::<_, Option<String>>(3)?.map(Into::into),
                published: r.get::<_, Option<String>>(4)?.map(Into::into),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
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
        let conn = self.conn();
        let mut texts = conn.prepare_cached("SELECT id, text FROM articles WHERE ?1 IS NULL OR id = ?1 ORDER BY id")?;
        let mut texts = texts.query([article])?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, article_id, place_id, surface, start, end, sentence_start, sentence_end,
                    precision, geo_precision, confidence, relation
             FROM mentions WHERE ?1 IS NULL OR article_id = ?1 ORDER BY article_id, id",
        )?;
        let mut rows = stmt.query([article])?;
        let mut current: Option<(i64, CodePoints)> = None;
        while let Some(r) = rows.next()? {
            let article_id: i64 = r.get(1)?;
            while current.as_ref().is_none_or(|(id, _)| *id < article_id) {
                match texts.next()? {
                    Some(t) => current = Some((t.get(0)?, CodePoints::new(t.get(1)?))),
                    None => break,
                }
            }
            let text = current.as_ref().filter(|(id, _)| *id == article_id).map(|(_, t)| t);
            f(stored_mention(r, text)?);
        }
        Ok(())
    }

    /// The stored article with this id: (title, url, published, source).
    pub fn article(&self, id: i64) -> Result<Option<NewArticle>, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT title, url, published, source, text FROM articles WHERE id = ?1", [id], |r| {
                Ok(NewArticle {
                    title: r.get(0)?,
                    url: r.get(1)?,
                    published: r.get(2)?,
                    source: r.get(3)?,
                    text: r.get(4)?,
                })
            })
            .optional()?)
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
