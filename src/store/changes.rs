//! Reading what other writers added (SQLite side): the change counter and the rows after an id.
//!
//! Contract: [`Store::data_version`] changes whenever another connection (another process, or
//! another `Store` on the same file) commits, and not for this store's own writes;
//! [`Store::mentions_after`] returns the stored mentions with an id above a watermark, in id
//! order, each quote cut from its article; [`Store::article_metas_in`] and [`Store::places_in`]
//! read the articles and places those mentions refer to; [`Store::deletions_after`] returns the
//! logged deletions (table `deleted_mentions`, written by every delete in its own transaction)
//! with a seq above a watermark. Together they let a running server pick up a `sitrep ingest`
//! into its database, or a deletion by another process, without reloading everything.

use super::{
    parse_place, sqlite::place_row, sqlite::stored_mention, CodePoints, Deletion, SqliteStore, StoreError,
    StoredMention, StoredPlace,
};
use crate::schema::ArticleMeta;
use rusqlite::params_from_iter;
use std::collections::HashMap;

impl SqliteStore {
    /// `PRAGMA data_version`: differs between two calls when another connection committed.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn().query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// The largest mention id stored (0 when none).
    pub fn max_mention_id(&self) -> Result<i64, StoreError> {
        Ok(self.conn().query_row("SELECT coalesce(max(id), 0) FROM mentions", [], |r| r.get(0))?)
    }

    /// The largest article id stored (0 when none).
    pub fn max_article_id(&self) -> Result<i64, StoreError> {
        Ok(self.conn().query_row("SELECT coalesce(max(id), 0) FROM articles", [], |r| r.get(0))?)
    }

    /// Up to `limit` stored mentions with `id > after`, in id order.
    pub fn mentions_after(&self, after: i64, limit: usize) -> Result<Vec<StoredMention>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, article_id, place_id, surface, start, end, sentence_start, sentence_end,
                    precision, geo_precision, confidence, relation, literal, event, role_reason
             FROM mentions WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let mut text_stmt = conn.prepare_cached("SELECT text FROM articles WHERE id = ?1")?;
        let mut texts: HashMap<i64, Option<CodePoints>> = HashMap::new();
        let mut out = Vec::new();
        let mut rows = stmt.query(rusqlite::params![after, limit as i64])?;
        while let Some(r) = rows.next()? {
            let article_id: i64 = r.get(1)?;
            if let std::collections::hash_map::Entry::Vacant(e) = texts.entry(article_id) {
                let t: Option<String> = rusqlite::OptionalExtension::optional(
                    text_stmt.query_row([article_id], |row| row.get::<_, String>(0)),
                )?;
                e.insert(t.map(CodePoints::new));
            }
            out.push(stored_mention(r, texts[&article_id].as_ref())?);
        }
        Ok(out)
    }

    /// The largest `deleted_mentions.seq` (0 when nothing was ever deleted).
    pub fn max_deletion_seq(&self) -> Result<i64, StoreError> {
        Ok(self.conn().query_row("SELECT coalesce(max(seq), 0) FROM deleted_mentions", [], |r| r.get(0))?)
    }

    /// Up to `limit` logged deletions with `seq > after`, in seq order.
    pub fn deletions_after(&self, after: i64, limit: usize) -> Result<Vec<Deletion>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, mention_id, article_id FROM deleted_mentions WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(rusqlite::params![after, limit as i64], |r| {
            Ok(Deletion { seq: r.get(0)?, mention_id: r.get(1)?, article_id: r.get(2)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The metadata of the articles with these ids (those that exist).
    pub fn article_metas_in(&self, ids: &[i64]) -> Result<Vec<ArticleMeta>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        let conn = self.conn();
        for chunk in ids.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(",");
            let mut stmt =
                conn.prepare(&format!("SELECT id, title, url, source, published FROM articles WHERE id IN ({marks})"))?;
            let rows = stmt.query_map(params_from_iter(chunk), |r| {
                Ok(ArticleMeta {
                    id: r.get(0)?,
                    title: r.get::<_, Option<String>>(1)?.map(Into::into),
                    url: r.get::<_, Option<String>>(2)?.map(Into::into),
                    source: r.get::<_, Option<String>>(3)?.map(Into::into),
                    published: r.get::<_, Option<String>>(4)?.map(Into::into),
                })
            })?;
            for r in rows {
                out.push(r?);
            }
        }
        Ok(out)
    }

    /// The places with these ids (those that exist), geometries parsed.
    pub fn places_in(&self, ids: &[&str]) -> Result<Vec<StoredPlace>, StoreError> {
        let mut raw = Vec::with_capacity(ids.len());
        {
            let conn = self.conn();
            for chunk in ids.chunks(500) {
                let marks = vec!["?"; chunk.len()].join(",");
                let mut stmt = conn
                    .prepare(&format!("SELECT id, name, kind, lon, lat, geometry FROM places WHERE id IN ({marks})"))?;
                let rows = stmt.query_map(params_from_iter(chunk), place_row)?;
                for r in rows {
                    raw.push(r?);
                }
            }
        }
        raw.into_iter().map(parse_place).collect()
    }
}
