//! The SQLite backend of [`super::Store`]: one file, one connection behind a mutex.
//!
//! Contract: [`SqliteStore::open`] creates or migrates the file (WAL, migrations from
//! `migrations.rs` tracked in `PRAGMA user_version`, each in its own transaction); the other
//! methods keep the promises of [`super::Store`]. Listing and deleting articles are in
//! `articles.rs`, reading other writers' commits in `changes.rs`.

use super::{
    geometry_json, migrations, new_stored, parse_place, CodePoints, Inserted, MentionRow, NewArticle, StoreError,
    StoredMention, StoredPlace,
};
use crate::geoparse::{Mention, Role};
use crate::schema::ArticleMeta;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::Mutex;

pub struct SqliteStore {
    conn: Mutex<Connection>,
}

/// A mention row (columns `id, article_id, place_id, surface, start, end, sentence_start,
/// sentence_end, precision, geo_precision, confidence, relation, literal, event, role_reason`,
/// in that order) with its quote cut
/// from its article's text (`None`: no text, an empty quote).
pub(super) fn stored_mention(r: &rusqlite::Row, text: Option<&CodePoints>) -> rusqlite::Result<StoredMention> {
    Ok(MentionRow {
        id: r.get(0)?,
        article_id: r.get(1)?,
        place_id: r.get(2)?,
        surface: r.get(3)?,
        start: r.get(4)?,
        end: r.get(5)?,
        sentence_start: r.get(6)?,
        sentence_end: r.get(7)?,
        precision: r.get(8)?,
        geo_precision: r.get(9)?,
        confidence: r.get(10)?,
        relation: r.get(11)?,
        literal: r.get(12)?,
        event: r.get(13)?,
        role_reason: r.get(14)?,
    }
    .into_stored(text))
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open(path)?;
        SqliteStore::init(conn, &path.display().to_string())
    }

    /// An in-memory store, for tests and one-off runs.
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        SqliteStore::init(Connection::open_in_memory()?, ":memory:")
    }

    fn init(mut conn: Connection, name: &str) -> Result<SqliteStore, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = migrations::SQLITE.len() as i64;
        if version > known {
            return Err(StoreError::TooNew { path: name.to_string(), found: version, known });
        }
        for (i, sql) in migrations::SQLITE.iter().enumerate().skip(version as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(SqliteStore { conn: Mutex::new(conn) })
    }

    pub(super) fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
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
                 precision, geo_precision, confidence, relation, literal, event, role_reason, id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )?;
            // Mention ids are never reused: SQLite would give the highest deleted id again, and a
            // reader's watermark (`mentions_after`) would then miss the new mention.
            let mut next_id: i64 = tx.query_row(
                "SELECT max(coalesce((SELECT max(id) FROM mentions), 0),
                            coalesce((SELECT max(mention_id) FROM deleted_mentions), 0)) + 1",
                [],
                |r| r.get(0),
            )?;
            let mut seen_places: std::collections::HashSet<&str> = std::collections::HashSet::new();
            for (article, mentions) in batch {
                let hash = super::text_hash(&article.text);
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
                        let geometry = geometry_json(m)?;
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
                        relation_text,
                        m.literal,
                        m.event,
                        m.role_reason,
                        next_id
                    ])?;
                    stored.push(new_stored(next_id, article_id, m, relation));
                    next_id += 1;
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
        let rows = stmt.query_map([], place_row)?;
        let raw: Vec<_> = rows.collect::<Result<_, _>>()?;
        drop(stmt);
        drop(conn);
        use rayon::prelude::*;
        raw.into_par_iter().map(parse_place).collect()
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

    /// Streams the stored mentions (see [`Self::mentions`]) without collecting them.
    pub fn for_each_mention(&self, article: Option<i64>, mut f: impl FnMut(StoredMention)) -> Result<(), StoreError> {
        let conn = self.conn();
        let mut texts = conn.prepare_cached("SELECT id, text FROM articles WHERE ?1 IS NULL OR id = ?1 ORDER BY id")?;
        let mut texts = texts.query([article])?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, article_id, place_id, surface, start, end, sentence_start, sentence_end,
                    precision, geo_precision, confidence, relation, literal, event, role_reason
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

/// A `SELECT id, name, kind, lon, lat, geometry FROM places` row, for [`super::parse_place`].
pub(super) fn place_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String, f64, f64, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
}
