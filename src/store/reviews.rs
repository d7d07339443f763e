//! Analysts' reviews of incidents: verified, rejected or corrected, with a note, an author and a
//! time, kept as an append-only log beside the machine's reading, never over it.
//!
//! Contract: a review is keyed by its mention's article text hash and the name's code-point span
//! (`text_hash, start, end`), not by the mention id, so it survives a restart and the article
//! being deleted and ingested again (new ids, same text). The newest review of a key is the
//! current one: [`super::Store::current_reviews`] gives it per mention id (a `pending` review
//! undoes the ones before it, so it is not returned); the older ones are the mention's
//! history ([`super::Store::review_history`]). A review never changes the mention's own columns
//! (place, precision, role). A correction names a gazetteer place — its geometry written to
//! `places` once, as ingest writes it — or drawn coordinates. `seq` grows in commit order (the
//! PostgreSQL writer holds the write lock), so [`super::Store::reviews_after`] a watermark is
//! every review made since, by any writer. An analyst's decision that two reports are (or are
//! not) one event ([`super::Store::link_reports`]) is keyed by the two articles' text hashes and
//! read back as article ids ([`super::Store::report_links`]); the newest decision on a pair wins.
//! Both backends are here, their SQL side by side.
//! Not for: what a review does to the map (that is `features::incident` and `http::reviews`).

use super::{pg, PgStore, SqliteStore, StoreError, StoredPlace};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What an analyst said of an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReviewStatus {
    /// Back to the machine's reading (undoes the reviews before it).
    Pending,
    Verified,
    /// Not an incident: hidden from the default map, items and exports.
    Rejected,
    /// Moved to another gazetteer place or to drawn coordinates.
    Corrected,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 4] =
        [ReviewStatus::Pending, ReviewStatus::Verified, ReviewStatus::Rejected, ReviewStatus::Corrected];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Verified => "verified",
            ReviewStatus::Rejected => "rejected",
            ReviewStatus::Corrected => "corrected",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewStatus> {
        ReviewStatus::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// One stored review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    /// Grows in commit order.
    pub seq: i64,
    pub status: ReviewStatus,
    /// A correction to this gazetteer place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place_id: Option<String>,
    /// A correction to drawn coordinates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub author: String,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub reviewed_at: String,
}

/// A review to store.
#[derive(Debug, Clone)]
pub struct NewReview {
    pub status: ReviewStatus,
    /// A correction to a gazetteer place (written to `places` if not stored yet).
    pub place: Option<StoredPlace>,
    /// A correction to drawn coordinates (lon, lat).
    pub point: Option<(f64, f64)>,
    pub note: Option<String>,
    pub author: String,
}

/// The current review of each mention, the query both backends run (`?1`/`$1`..: the mention id
/// range). Driven by the reviews table, which stays small, whatever the range.
const CURRENT: &str = r#"SELECT m.id, r.seq, r.status, r.place_id, r.lon, r.lat, r.note, r.author, r.created_at
FROM reviews r
JOIN articles a ON a.text_hash = r.text_hash
JOIN mentions m ON m.article_id = a.id AND m.start = r.start AND m."end" = r."end"
WHERE r.seq = (SELECT max(r2.seq) FROM reviews r2
               WHERE r2.text_hash = r.text_hash AND r2.start = r.start AND r2."end" = r."end")
  AND m.id BETWEEN {lo} AND {hi}"#;

/// Every review of one mention, oldest first.
const HISTORY: &str = r#"SELECT m.id, r.seq, r.status, r.place_id, r.lon, r.lat, r.note, r.author, r.created_at
FROM mentions m
JOIN articles a ON a.id = m.article_id
JOIN reviews r ON r.text_hash = a.text_hash AND r.start = m.start AND r."end" = m."end"
WHERE m.id = {id} ORDER BY r.seq"#;

/// The mentions reviewed after a seq: (seq, mention id, article id), in seq order.
const AFTER: &str = r#"SELECT r.seq, m.id, m.article_id
FROM reviews r
JOIN articles a ON a.text_hash = r.text_hash
JOIN mentions m ON m.article_id = a.id AND m.start = r.start AND m."end" = r."end"
WHERE r.seq > {after} ORDER BY r.seq LIMIT {limit}"#;

/// The key of a mention: its article's text hash and its span.
const KEY: &str = r#"SELECT a.text_hash, m.start, m."end", m.article_id FROM mentions m JOIN articles a ON a.id = m.article_id
WHERE m.id = {id}"#;

const INSERT: &str = r#"INSERT INTO reviews (text_hash, start, "end", status, place_id, lon, lat, note, author)
VALUES ({p1}, {p2}, {p3}, {p4}, {p5}, {p6}, {p7}, {p8}, {p9})"#;

fn sqlite_sql(t: &str) -> String {
    t.replace("{lo}", "?1")
        .replace("{hi}", "?2")
        .replace("{id}", "?1")
        .replace("{after}", "?1")
        .replace("{limit}", "?2")
        .replace("{p1}", "?1")
        .replace("{p2}", "?2")
        .replace("{p3}", "?3")
        .replace("{p4}", "?4")
        .replace("{p5}", "?5")
        .replace("{p6}", "?6")
        .replace("{p7}", "?7")
        .replace("{p8}", "?8")
        .replace("{p9}", "?9")
}

fn pg_sql(t: &str) -> String {
    sqlite_sql(t).replace('?', "$")
}

/// A review's columns as the queries above select them, after the mention id.
type ReviewCols = (i64, String, Option<String>, Option<f64>, Option<f64>, Option<String>, String, String);

fn review((seq, status, place_id, lon, lat, note, author, reviewed_at): ReviewCols) -> Result<Review, StoreError> {
    let status = ReviewStatus::parse(&status)
        .ok_or_else(|| StoreError::Inconsistent(format!("review {seq} has an unknown status {status:?}")))?;
    Ok(Review { seq, status, place_id, lon, lat, note, author, reviewed_at })
}

fn sqlite_review(r: &rusqlite::Row) -> rusqlite::Result<(i64, ReviewCols)> {
    Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?)))
}

fn pg_review(r: &postgres::Row) -> Result<(i64, ReviewCols), postgres::Error> {
    Ok((
        r.try_get(0)?,
        (
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
            r.try_get(5)?,
            r.try_get(6)?,
            r.try_get(7)?,
            r.try_get(8)?,
        ),
    ))
}

/// Checks what a new review says before anything is written.
fn validate(r: &NewReview) -> Result<(), StoreError> {
    let corrected = r.status == ReviewStatus::Corrected;
    let target = usize::from(r.place.is_some()) + usize::from(r.point.is_some());
    if corrected != (target == 1) {
        return Err(StoreError::Inconsistent(
            "a correction names exactly one gazetteer place or one point; other reviews name none".into(),
        ));
    }
    Ok(())
}

impl SqliteStore {
    pub fn add_review(&self, mention_id: i64, r: &NewReview) -> Result<Option<(Review, i64)>, StoreError> {
        validate(r)?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let key: Option<(String, i64, i64, i64)> = tx
            .query_row(&sqlite_sql(KEY), [mention_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
            .optional()?;
        let Some((hash, start, end, article_id)) = key else { return Ok(None) };
        if let Some(p) = &r.place {
            tx.execute(
                "INSERT OR IGNORE INTO places (id, name, kind, lon, lat, geometry) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![
                    p.id,
                    p.name,
                    p.kind,
                    p.point.x(),
                    p.point.y(),
                    super::geojson_text(&p.id, &p.geometry)?
                ],
            )?;
        }
        tx.execute(
            &sqlite_sql(INSERT),
            rusqlite::params![
                hash,
                start,
                end,
                r.status.as_str(),
                r.place.as_ref().map(|p| &p.id),
                r.point.map(|p| p.0),
                r.point.map(|p| p.1),
                r.note,
                r.author
            ],
        )?;
        let seq = tx.last_insert_rowid();
        let at: String = tx.query_row("SELECT created_at FROM reviews WHERE seq = ?1", [seq], |row| row.get(0))?;
        tx.commit()?;
        let review = Review {
            seq,
            status: r.status,
            place_id: r.place.as_ref().map(|p| p.id.clone()),
            lon: r.point.map(|p| p.0),
            lat: r.point.map(|p| p.1),
            note: r.note.clone(),
            author: r.author.clone(),
            reviewed_at: at,
        };
        Ok(Some((review, article_id)))
    }

    pub fn current_reviews(&self, lo: i64, hi: i64) -> Result<HashMap<i64, Review>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sqlite_sql(CURRENT))?;
        let rows: Vec<(i64, ReviewCols)> = stmt.query_map([lo, hi], sqlite_review)?.collect::<Result<_, _>>()?;
        current(rows)
    }

    pub fn review_history(&self, mention_id: i64) -> Result<Vec<Review>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sqlite_sql(HISTORY))?;
        let rows: Vec<(i64, ReviewCols)> = stmt.query_map([mention_id], sqlite_review)?.collect::<Result<_, _>>()?;
        rows.into_iter().map(|(_, c)| review(c)).collect()
    }

    pub fn reviews_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, i64, i64)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sqlite_sql(AFTER))?;
        let rows = stmt.query_map(rusqlite::params![after, limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn max_review_seq(&self) -> Result<i64, StoreError> {
        Ok(self.conn().query_row("SELECT coalesce(max(seq), 0) FROM reviews", [], |r| r.get(0))?)
    }
}

impl PgStore {
    pub fn add_review(&self, mention_id: i64, r: &NewReview) -> Result<Option<(Review, i64)>, StoreError> {
        validate(r)?;
        self.run(|c| {
            let mut tx = c.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&pg::WRITE_LOCK])?;
            let Some(key) = tx.query_opt(&pg_sql(KEY), &[&mention_id])? else { return Ok(None) };
            let (hash, start, end, article_id): (String, i64, i64, i64) =
                (key.get(0), key.get(1), key.get(2), key.get(3));
            if let Some(p) = &r.place {
                let geometry = super::geojson_text(&p.id, &p.geometry)?;
                tx.execute(
                    "INSERT INTO places (id, name, kind, lon, lat, geometry, geom)
                     VALUES ($1, $2, $3, $4, $5, $6, ST_SetSRID(ST_GeomFromGeoJSON($6), 4326))
                     ON CONFLICT (id) DO NOTHING",
                    &[&p.id, &p.name, &p.kind, &p.point.x(), &p.point.y(), &geometry],
                )?;
            }
            let row = tx.query_one(
                &format!("{} RETURNING seq, created_at", pg_sql(INSERT)),
                &[
                    &hash,
                    &start,
                    &end,
                    &r.status.as_str(),
                    &r.place.as_ref().map(|p| &p.id),
                    &r.point.map(|p| p.0),
                    &r.point.map(|p| p.1),
                    &r.note,
                    &r.author,
                ],
            )?;
            pg::notify(&mut tx, None, &[])?;
            tx.commit()?;
            let review = Review {
                seq: row.get(0),
                status: r.status,
                place_id: r.place.as_ref().map(|p| p.id.clone()),
                lon: r.point.map(|p| p.0),
                lat: r.point.map(|p| p.1),
                note: r.note.clone(),
                author: r.author.clone(),
                reviewed_at: row.get(1),
            };
            Ok(Some((review, article_id)))
        })
    }

    pub fn current_reviews(&self, lo: i64, hi: i64) -> Result<HashMap<i64, Review>, StoreError> {
        let rows = self.run(|c| {
            c.query(&pg_sql(CURRENT), &[&lo, &hi])?
                .iter()
                .map(pg_review)
                .collect::<Result<Vec<_>, _>>()
                .map_err(Into::into)
        })?;
        current(rows)
    }

    pub fn review_history(&self, mention_id: i64) -> Result<Vec<Review>, StoreError> {
        let rows = self.run(|c| {
            c.query(&pg_sql(HISTORY), &[&mention_id])?
                .iter()
                .map(pg_review)
                .collect::<Result<Vec<_>, _>>()
                .map_err(Into::into)
        })?;
        rows.into_iter().map(|(_, c)| review(c)).collect()
    }

    pub fn reviews_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, i64, i64)>, StoreError> {
        self.run(|c| {
            Ok(c.query(&pg_sql(AFTER), &[&after, &(limit as i64)])?
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect())
        })
    }

    pub fn max_review_seq(&self) -> Result<i64, StoreError> {
        self.run(|c| Ok(c.query_one("SELECT coalesce(max(seq), 0) FROM reviews", &[])?.get(0)))
    }
}

/// The current reviews by mention id, `pending` ones left out (they undo what came before).
fn current(rows: Vec<(i64, ReviewCols)>) -> Result<HashMap<i64, Review>, StoreError> {
    let mut out = HashMap::with_capacity(rows.len());
    for (id, cols) in rows {
        let r = review(cols)?;
        if r.status != ReviewStatus::Pending {
            out.insert(id, r);
        }
    }
    Ok(out)
}

/// The newest decision on each pair of stored articles: (article a, article b, together?).
const LINKS: &str = r#"SELECT a.id, b.id, l.decision FROM report_links l
JOIN articles a ON a.text_hash = l.a_hash JOIN articles b ON b.text_hash = l.b_hash
WHERE l.seq = (SELECT max(l2.seq) FROM report_links l2
               WHERE (l2.a_hash = l.a_hash AND l2.b_hash = l.b_hash) OR (l2.a_hash = l.b_hash AND l2.b_hash = l.a_hash))
ORDER BY l.seq"#;

const LINK: &str = r#"INSERT INTO report_links (a_hash, b_hash, decision, note, author)
SELECT a.text_hash, b.text_hash, {p3}, {p4}, {p5} FROM articles a, articles b WHERE a.id = {p1} AND b.id = {p2}"#;

impl SqliteStore {
    pub fn link_reports(
        &self,
        a: i64,
        b: i64,
        together: bool,
        note: Option<&str>,
        author: &str,
    ) -> Result<bool, StoreError> {
        let decision = if together { "together" } else { "apart" };
        let n = self.conn().execute(&sqlite_sql(LINK), rusqlite::params![a, b, decision, note, author])?;
        Ok(n == 1)
    }

    pub fn report_links(&self) -> Result<Vec<(i64, i64, bool)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(LINKS)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)? == "together")))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl PgStore {
    pub fn link_reports(
        &self,
        a: i64,
        b: i64,
        together: bool,
        note: Option<&str>,
        author: &str,
    ) -> Result<bool, StoreError> {
        let decision = if together { "together" } else { "apart" };
        self.run(|c| {
            let mut tx = c.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&pg::WRITE_LOCK])?;
            let n = tx.execute(&pg_sql(LINK), &[&a, &b, &decision, &note, &author])?;
            tx.commit()?;
            Ok(n == 1)
        })
    }

    pub fn report_links(&self) -> Result<Vec<(i64, i64, bool)>, StoreError> {
        self.run(|c| {
            Ok(c.query(LINKS, &[])?.iter().map(|r| (r.get(0), r.get(1), r.get::<_, String>(2) == "together")).collect())
        })
    }
}
