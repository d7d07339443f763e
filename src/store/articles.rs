//! Listing, reading and deleting stored articles (the articles API): the SQLite side, and the
//! types both backends list with.
//!
//! Contract: [`Store::list_articles`] pages through the articles (newest id first) filtered by
//! source and published date, with the total that matched; [`Store::delete_article`] removes an
//! article and its mentions in one transaction — logging each removed mention in
//! `deleted_mentions` in that transaction, for other processes' catch-up — and returns the removed
//! mention ids (the caller takes them out of the index), `None` when there was no such article. Places stay stored: other
//! articles may name them.

use super::{SqliteStore, StoreError};
use rusqlite::OptionalExtension;

/// Which articles to list.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    pub source: Option<String>,
    /// Inclusive YYYY-MM-DD bounds on the published date (undated articles are left out when set).
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: usize,
    pub offset: usize,
}

/// One article's metadata, as listed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ArticleRow {
    pub id: i64,
    pub title: Option<String>,
    pub url: Option<String>,
    pub source: Option<String>,
    pub published: Option<String>,
    pub ingested_at: String,
    pub mentions: i64,
}

const ROW: &str = "SELECT a.id, a.title, a.url, a.source, a.published, a.ingested_at,
    (SELECT count(*) FROM mentions m WHERE m.article_id = a.id) FROM articles a";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ArticleRow> {
    Ok(ArticleRow {
        id: r.get(0)?,
        title: r.get(1)?,
        url: r.get(2)?,
        source: r.get(3)?,
        published: r.get(4)?,
        ingested_at: r.get(5)?,
        mentions: r.get(6)?,
    })
}

impl SqliteStore {
    /// A page of articles matching `f` (newest first) and how many match in all.
    pub fn list_articles(&self, f: &ArticleFilter) -> Result<(Vec<ArticleRow>, i64), StoreError> {
        let conn = self.conn();
        let cond = "WHERE (?1 IS NULL OR a.source = ?1)
              AND (?2 IS NULL OR substr(a.published, 1, 10) >= ?2)
              AND (?3 IS NULL OR substr(a.published, 1, 10) <= ?3)";
        let args = rusqlite::params![f.source, f.from, f.to];
        let total: i64 = conn.query_row(&format!("SELECT count(*) FROM articles a {cond}"), args, |r| r.get(0))?;
        let mut stmt = conn.prepare(&format!("{ROW} {cond} ORDER BY a.id DESC LIMIT ?4 OFFSET ?5"))?;
        let rows = stmt.query_map(rusqlite::params![f.source, f.from, f.to, f.limit as i64, f.offset as i64], row)?;
        Ok((rows.collect::<Result<_, _>>()?, total))
    }

    /// The id of a stored article with this URL.
    pub fn article_by_url(&self, url: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.conn().query_row("SELECT id FROM articles WHERE url = ?1 LIMIT 1", [url], |r| r.get(0)).optional()?)
    }

    /// One article's metadata.
    pub fn article_row(&self, id: i64) -> Result<Option<ArticleRow>, StoreError> {
        Ok(self.conn().query_row(&format!("{ROW} WHERE a.id = ?1"), [id], row).optional()?)
    }

    /// Deletes an article and its mentions; the ids of the mentions removed, `None` if no such article.
    pub fn delete_article(&self, id: i64) -> Result<Option<Vec<i64>>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        if tx.query_row("SELECT 1 FROM articles WHERE id = ?1", [id], |_| Ok(())).optional()?.is_none() {
            return Ok(None);
        }
        let ids: Vec<i64> = {
            let mut stmt = tx.prepare("SELECT id FROM mentions WHERE article_id = ?1")?;
            let rows = stmt.query_map([id], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        // the change log other processes catch up from (see changes.rs), in the same transaction
        tx.execute(
            "INSERT INTO deleted_mentions (mention_id, article_id)
             SELECT id, article_id FROM mentions WHERE article_id = ?1 ORDER BY id",
            [id],
        )?;
        tx.execute("DELETE FROM mentions WHERE article_id = ?1", [id])?;
        tx.execute("DELETE FROM articles WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(Some(ids))
    }
}
