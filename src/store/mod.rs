//! The incident store: articles, the places they mention and each mention, in one SQLite file.
//!
//! Contract: [`Store::open`] creates or migrates the database (WAL, versioned migrations in
//! `PRAGMA user_version`). [`Store::insert_article`] writes an article with all its mentions in one
//! transaction — either everything lands or nothing does — and is idempotent: the same text
//! (SHA-256 of the text) ingested twice returns the first article's id and changes nothing.
//! [`Store::mentions`] reads stored mentions back, joined with their article and place, for the index.
//! Not for: geoparsing (the caller passes mentions in) or spatial queries (that is `index`).

use crate::geoparse::{Mention, Role};
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

/// One stored mention joined with its article and place: everything a map feature needs.
#[derive(Debug, Clone)]
pub struct StoredMention {
    pub id: i64,
    pub article_id: i64,
    pub title: Option<String>,
    pub url: Option<String>,
    pub source: Option<String>,
    pub published: Option<String>,
    pub place_id: String,
    pub place_name: String,
    pub kind: String,
    pub geometry: geo_types::Geometry<f64>,
    pub point: geo_types::Point<f64>,
    pub surface: String,
    pub start: i64,
    pub end: i64,
    pub sentence: String,
    pub sentence_start: i64,
    pub precision: u8,
    pub geo_precision: u8,
    pub confidence: f64,
    pub relation: Option<serde_json::Value>,
}

/// Schema migrations; index i brings the schema to version i + 1. Never edit a released entry.
const MIGRATIONS: &[&str] = &[r#"
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
"#];

/// SHA-256 of an article's text, hex: the key that makes ingest idempotent.
pub fn text_hash(text: &str) -> String {
    let d = Sha256::digest(text.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

pub struct Store {
    conn: Mutex<Connection>,
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
    /// Returns the article id and whether it was new; a text already stored changes nothing.
    pub fn insert_article(&self, article: &NewArticle, mentions: &[Mention]) -> Result<(i64, bool), StoreError> {
        let hash = text_hash(&article.text);
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        if let Some(id) = tx
            .query_row("SELECT id FROM articles WHERE text_hash = ?1", [&hash], |r| r.get::<_, i64>(0))
            .optional()?
        {
            return Ok((id, false));
        }
        tx.execute(
            "INSERT INTO articles (title, url, published, source, text, text_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![article.title, article.url, article.published, article.source, article.text, hash],
        )?;
        let article_id = tx.last_insert_rowid();
        {
            let mut place_stmt = tx.prepare_cached(
                "INSERT INTO places (id, name, kind, lon, lat, geometry) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name, kind = excluded.kind, lon = excluded.lon,
                 lat = excluded.lat, geometry = excluded.geometry",
            )?;
            let mut mention_stmt = tx.prepare_cached(
                "INSERT INTO mentions (article_id, place_id, surface, start, end, sentence, sentence_start,
                 precision, geo_precision, confidence, relation) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for m in mentions.iter().filter(|m| m.role == Role::Place) {
                let geometry = geojson::Geometry::new(geojson::GeometryValue::from(&*m.geometry));
                let geometry = serde_json::to_string(&geometry).map_err(|_| StoreError::Geometry(m.place_id.clone()))?;
                place_stmt.execute(params![
                    m.place_id,
                    m.place_name,
                    m.kind.as_str(),
                    m.point.x(),
                    m.point.y(),
                    geometry
                ])?;
                let relation = m.relation.as_ref().and_then(|r| serde_json::to_string(r).ok());
                mention_stmt.execute(params![
                    article_id,
                    m.place_id,
                    m.name,
                    m.start as i64,
                    m.end as i64,
                    m.sentence,
                    m.sentence_start as i64,
                    m.precision,
                    m.geo_precision,
                    m.confidence as f64,
                    relation
                ])?;
            }
        }
        tx.commit()?;
        Ok((article_id, true))
    }

    /// Every stored mention (of one article when `article` is given), ordered by id.
    pub fn mentions(&self, article: Option<i64>) -> Result<Vec<StoredMention>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT m.id, m.article_id, a.title, a.url, a.source, a.published, m.place_id, p.name, p.kind,
                    p.geometry, p.lon, p.lat, m.surface, m.start, m.end, m.sentence, m.sentence_start,
                    m.precision, m.geo_precision, m.confidence, m.relation
             FROM mentions m JOIN articles a ON a.id = m.article_id JOIN places p ON p.id = m.place_id
             WHERE ?1 IS NULL OR m.article_id = ?1 ORDER BY m.id",
        )?;
        let rows = stmt.query_map([article], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, String>(9)?,
                (r.get::<_, f64>(10)?, r.get::<_, f64>(11)?),
                (r.get::<_, String>(12)?, r.get::<_, i64>(13)?, r.get::<_, i64>(14)?),
                (r.get::<_, String>(15)?, r.get::<_, i64>(16)?),
                (r.get::<_, u8>(17)?, r.get::<_, u8>(18)?, r.get::<_, f64>(19)?, r.get::<_, Option<String>>(20)?),
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, article_id, title, url, source, published, place_id, place_name, kind, geom, (lon, lat), s, q, p) = row?;
            let g: geojson::Geometry = serde_json::from_str(&geom).map_err(|_| StoreError::Geometry(place_id.clone()))?;
            let geometry = geo_types::Geometry::<f64>::try_from(&g.value).map_err(|_| StoreError::Geometry(place_id.clone()))?;
            out.push(StoredMention {
                id,
                article_id,
                title,
                url,
                source,
                published,
                place_id,
                place_name,
                kind,
                geometry,
                point: geo_types::Point::new(lon, lat),
                surface: s.0,
                start: s.1,
                end: s.2,
                sentence: q.0,
                sentence_start: q.1,
                precision: p.0,
                geo_precision: p.1,
                confidence: p.2,
                relation: p.3.and_then(|r| serde_json::from_str(&r).ok()),
            });
        }
        Ok(out)
    }

    /// The stored article with this id: (title, url, published, source).
    pub fn article(&self, id: i64) -> Result<Option<NewArticle>, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT title, url, published, source, text FROM articles WHERE id = ?1", [id], |r| {
                Ok(NewArticle { title: r.get(0)?, url: r.get(1)?, published: r.get(2)?, source: r.get(3)?, text: r.get(4)? })
            })
            .optional()?)
    }
}
