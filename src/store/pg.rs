//! The PostgreSQL (PostGIS) backend of [`super::Store`]: many replicas on one database.
//!
//! Contract: [`PgStore::open`] connects (the `postgres` crate, no TLS: a local or tunnelled
//! database), migrates under an advisory lock (migrations from `migrations.rs`, tracked in table
//! `schema_version`) and keeps the promises of [`super::Store`]:
//! - ingest is idempotent across replicas: the database enforces the unique text hash
//!   (`INSERT … ON CONFLICT DO NOTHING`), so the same text posted to two replicas at once is
//!   stored once and both get its id;
//! - writers take a transaction-level advisory lock before allocating ids, so mention ids grow
//!   in commit order and a reader's watermark never skips a row committed late;
//! - a deletion logs each removed mention in `deleted_mentions` (under the same write lock, so
//!   its `seq` grows in commit order) for the other replicas' catch-up;
//! - every write commits with `NOTIFY sitrep_changes, '{"max_article_id":…,"max_mention_id":…,
//!   "bbox":[…]}'`; a dedicated connection (its own thread) LISTENs and counts other sessions'
//!   notifications, which is what [`PgStore::data_version`] returns — the same signal the
//!   server's catch-up loop (`http/live.rs`) reads from SQLite's `PRAGMA data_version`.
//!
//! Calls block (the `postgres` crate runs its own small runtime): from inside a multi-threaded
//! tokio runtime they run through `block_in_place`, as the SQLite store's calls block there too.
//! Not for: TLS connections, connection pooling (one connection per store, like SQLite's).

use super::{
    geometry_json, migrations, new_stored, parse_place, ArticleFilter, ArticleRow, CodePoints, Deletion, Inserted,
    MentionRow, NewArticle, StoreError, StoredMention, StoredPlace,
};
use crate::geoparse::{Mention, Role};
use crate::schema::ArticleMeta;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, NoTls};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The channel every write notifies and every replica listens on.
pub const CHANNEL: &str = "sitrep_changes";

/// Advisory lock keys: migrations, and writers (ids allocated in commit order).
const MIGRATE_LOCK: i64 = 0x5175_7265_7001;
pub(super) const WRITE_LOCK: i64 = 0x5175_7265_7002;

pub struct PgStore {
    client: Mutex<Client>,
    /// Notifications seen from other sessions (the change counter).
    version: Arc<AtomicI64>,
}

/// Runs blocking database work: through `block_in_place` on a multi-threaded tokio runtime's
/// worker (the `postgres` crate cannot block inside a runtime otherwise), directly elsewhere.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

const MENTION_COLS: &str = r#"id, article_id, place_id, surface, start, "end", sentence_start, sentence_end,
    precision, geo_precision, confidence, relation, literal, event, role_reason"#;

fn mention_row(r: &postgres::Row) -> Result<MentionRow, postgres::Error> {
    Ok(MentionRow {
        id: r.try_get(0)?,
        article_id: r.try_get(1)?,
        place_id: r.try_get(2)?,
        surface: r.try_get(3)?,
        start: r.try_get(4)?,
        end: r.try_get(5)?,
        sentence_start: r.try_get(6)?,
        sentence_end: r.try_get(7)?,
        precision: r.try_get::<_, i32>(8)?.clamp(0, 255) as u8,
        geo_precision: r.try_get::<_, i32>(9)?.clamp(0, 255) as u8,
        confidence: r.try_get(10)?,
        relation: r.try_get(11)?,
        literal: r.try_get(12)?,
        event: r.try_get(13)?,
        role_reason: r.try_get(14)?,
    })
}

fn meta(r: &postgres::Row) -> Result<ArticleMeta, postgres::Error> {
    Ok(ArticleMeta {
        id: r.try_get(0)?,
        title: r.try_get::<_, Option<String>>(1)?.map(Into::into),
        url: r.try_get::<_, Option<String>>(2)?.map(Into::into),
        source: r.try_get::<_, Option<String>>(3)?.map(Into::into),
        published: r.try_get::<_, Option<String>>(4)?.map(Into::into),
    })
}

fn place(r: &postgres::Row) -> Result<(String, String, String, f64, f64, String), postgres::Error> {
    Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?, r.try_get(5)?))
}

const ROW: &str = "SELECT a.id, a.title, a.url, a.source, a.published, a.ingested_at,
    (SELECT count(*) FROM mentions m WHERE m.article_id = a.id) FROM articles a";

fn article_row(r: &postgres::Row) -> Result<ArticleRow, postgres::Error> {
    Ok(ArticleRow {
        id: r.try_get(0)?,
        title: r.try_get(1)?,
        url: r.try_get(2)?,
        source: r.try_get(3)?,
        published: r.try_get(4)?,
        ingested_at: r.try_get(5)?,
        mentions: r.try_get(6)?,
    })
}

/// Sends the change notification inside `tx` (delivered when it commits).
pub(super) fn notify(
    tx: &mut postgres::Transaction<'_>,
    bbox: Option<[f64; 4]>,
    deleted: &[i64],
) -> Result<(), StoreError> {
    let row = tx.query_one(
        "SELECT (SELECT coalesce(max(id), 0) FROM articles), (SELECT coalesce(max(id), 0) FROM mentions)",
        &[],
    )?;
    let payload = serde_json::json!({
        "max_article_id": row.get::<_, i64>(0),
        "max_mention_id": row.get::<_, i64>(1),
        "bbox": bbox,
        "deleted_mentions": deleted.len(),
    });
    tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload.to_string()])?;
    Ok(())
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db`), migrates it and starts
    /// listening for other replicas' writes.
    pub fn open(url: &str) -> Result<PgStore, StoreError> {
        blocking(|| {
            let mut client = Client::connect(url, NoTls)?;
            migrate(&mut client)?;
            let pid: i32 = client.query_one("SELECT pg_backend_pid()", &[])?.get(0);
            let version = Arc::new(AtomicI64::new(0));
            spawn_listener(url.to_string(), pid, Arc::downgrade(&version));
            Ok(PgStore { client: Mutex::new(client), version })
        })
    }

    pub(super) fn run<T>(&self, f: impl FnOnce(&mut Client) -> Result<T, StoreError>) -> Result<T, StoreError> {
        blocking(|| {
            // a panic while holding the lock leaves no half-written transaction (dropping an
            // uncommitted `Transaction` rolls it back), so a poisoned lock is safe to reuse
            let mut client = self.client.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut client)
        })
    }

    fn count(&self, sql: &str) -> Result<i64, StoreError> {
        self.run(|c| Ok(c.query_one(sql, &[])?.get(0)))
    }

    pub fn article_count(&self) -> Result<i64, StoreError> {
        self.count("SELECT count(*) FROM articles")
    }

    pub fn mention_count(&self) -> Result<i64, StoreError> {
        self.count("SELECT count(*) FROM mentions")
    }

    pub fn max_mention_id(&self) -> Result<i64, StoreError> {
        self.count("SELECT coalesce(max(id), 0) FROM mentions")
    }

    pub fn max_article_id(&self) -> Result<i64, StoreError> {
        self.count("SELECT coalesce(max(id), 0) FROM articles")
    }

    /// Notifications from other sessions seen so far.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self.version.load(Ordering::Acquire))
    }

    /// One transaction, a fixed number of round trips whatever the batch size: the articles in
    /// one `INSERT … SELECT FROM unnest(…)`, the places not yet stored (looked up in one query, so
    /// a country's geometry is sent once, not once per batch), mention ids taken from the
    /// sequence in one query and the mentions in one multi-row insert.
    pub fn insert_articles(&self, batch: &[(&NewArticle, &[Mention])]) -> Result<Vec<Inserted>, StoreError> {
        self.run(|c| {
            let mut tx = c.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
            let hashes: Vec<String> = batch.iter().map(|(a, _)| super::text_hash(&a.text)).collect();
            let col =
                |f: fn(&NewArticle) -> Option<&str>| -> Vec<Option<&str>> { batch.iter().map(|(a, _)| f(a)).collect() };
            let texts: Vec<&str> = batch.iter().map(|(a, _)| a.text.as_str()).collect();
            let created: HashMap<String, i64> = tx
                .query(
                    "INSERT INTO articles (title, url, published, source, text, text_hash)
                     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
                     ON CONFLICT (text_hash) DO NOTHING RETURNING text_hash, id",
                    &[
                        &col(|a| a.title.as_deref()),
                        &col(|a| a.url.as_deref()),
                        &col(|a| a.published.as_deref()),
                        &col(|a| a.source.as_deref()),
                        &texts,
                        &hashes,
                    ],
                )?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            let missing: Vec<&String> = hashes.iter().filter(|h| !created.contains_key(*h)).collect();
            let existing: HashMap<String, i64> = if missing.is_empty() {
                HashMap::new()
            } else {
                tx.query("SELECT text_hash, id FROM articles WHERE text_hash = ANY($1)", &[&missing])?
                    .iter()
                    .map(|r| (r.get(0), r.get(1)))
                    .collect()
            };
            // places not stored yet, each inserted once
            let mut wanted: Vec<&str> = batch
                .iter()
                .flat_map(|(_, ms)| ms.iter().filter(|m| m.role == Role::Place).map(|m| m.place_id.as_str()))
                .collect();
            wanted.sort_unstable();
            wanted.dedup();
            let stored: std::collections::HashSet<String> =
                tx.query("SELECT id FROM places WHERE id = ANY($1)", &[&wanted])?.iter().map(|r| r.get(0)).collect();
            let insert_place = tx.prepare(
                "INSERT INTO places (id, name, kind, lon, lat, geometry, geom)
                 VALUES ($1, $2, $3, $4, $5, $6, ST_SetSRID(ST_GeomFromGeoJSON($6), 4326))
                 ON CONFLICT (id) DO NOTHING",
            )?;
            let mut placed: std::collections::HashSet<&str> = std::collections::HashSet::new();
            for m in batch.iter().flat_map(|(_, ms)| ms.iter()).filter(|m| m.role == Role::Place) {
                if !stored.contains(&m.place_id) && placed.insert(&m.place_id) {
                    let geometry = geometry_json(m)?;
                    tx.execute(
                        &insert_place,
                        &[&m.place_id, &m.place_name, &m.kind.as_str(), &m.point.x(), &m.point.y(), &geometry],
                    )?;
                }
            }
            // which batch entries were created (a text twice in one batch: the first), their ids
            let mut first: std::collections::HashSet<&str> = std::collections::HashSet::new();
            let mut out = Vec::with_capacity(batch.len());
            let mut rows: Vec<(i64, &Mention)> = Vec::new();
            for ((_, mentions), hash) in batch.iter().zip(&hashes) {
                match created.get(hash) {
                    Some(&id) if first.insert(hash) => {
                        rows.extend(mentions.iter().filter(|m| m.role == Role::Place).map(|m| (id, m)));
                        out.push(Inserted { id, created: true, mentions: Vec::new() });
                    }
                    Some(&id) => out.push(Inserted { id, created: false, mentions: Vec::new() }),
                    None => {
                        let id = *existing.get(hash).ok_or_else(|| {
                            StoreError::Inconsistent(format!(
                                "article with text hash {hash} neither inserted nor found"
                            ))
                        })?;
                        out.push(Inserted { id, created: false, mentions: Vec::new() });
                    }
                }
            }
            let ids: Vec<i64> = tx
                .query(
                    "SELECT nextval(pg_get_serial_sequence('mentions', 'id')) FROM generate_series(1, $1::bigint)",
                    &[&(rows.len() as i64)],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let relations: Vec<Option<serde_json::Value>> =
                rows.iter().map(|(_, m)| m.relation.as_ref().and_then(|r| serde_json::to_value(r).ok())).collect();
            let v64 = |f: &dyn Fn(&Mention) -> i64| -> Vec<i64> { rows.iter().map(|(_, m)| f(m)).collect() };
            let v32 = |f: &dyn Fn(&Mention) -> i32| -> Vec<i32> { rows.iter().map(|(_, m)| f(m)).collect() };
            tx.execute(
                r#"INSERT INTO mentions (id, article_id, place_id, surface, start, "end", sentence_start, sentence_end,
                 precision, geo_precision, confidence, relation, literal, event, role_reason)
                 SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
                   $7::bigint[], $8::bigint[], $9::int[], $10::int[], $11::float8[], $12::text[], $13::bool[],
                   $14::bool[], $15::text[])"#,
                &[
                    &ids,
                    &rows.iter().map(|(a, _)| *a).collect::<Vec<i64>>(),
                    &rows.iter().map(|(_, m)| m.place_id.as_str()).collect::<Vec<&str>>(),
                    &rows.iter().map(|(_, m)| m.name.as_str()).collect::<Vec<&str>>(),
                    &v64(&|m| m.start as i64),
                    &v64(&|m| m.end as i64),
                    &v64(&|m| m.sentence_start as i64),
                    &v64(&|m| (m.sentence_start + m.sentence.chars().count()) as i64),
                    &v32(&|m| i32::from(m.precision)),
                    &v32(&|m| i32::from(m.geo_precision)),
                    &rows.iter().map(|(_, m)| f64::from(m.confidence)).collect::<Vec<f64>>(),
                    &relations.iter().map(|r| r.as_ref().map(|r| r.to_string())).collect::<Vec<Option<String>>>(),
                    &rows.iter().map(|(_, m)| m.literal).collect::<Vec<bool>>(),
                    &rows.iter().map(|(_, m)| m.event).collect::<Vec<bool>>(),
                    &rows.iter().map(|(_, m)| m.role_reason).collect::<Vec<Option<&str>>>(),
                ],
            )?;
            let mut bbox: Option<[f64; 4]> = None;
            let mut by_article: HashMap<i64, Vec<StoredMention>> = HashMap::new();
            for (((article_id, m), id), relation) in rows.iter().zip(&ids).zip(relations) {
                let (x, y) = (m.point.x(), m.point.y());
                bbox = Some(match bbox {
                    None => [x, y, x, y],
                    Some(b) => [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)],
                });
                by_article.entry(*article_id).or_default().push(new_stored(*id, *article_id, m, relation));
            }
            for i in out.iter_mut().filter(|i| i.created) {
                i.mentions = by_article.remove(&i.id).unwrap_or_default();
            }
            if out.iter().any(|i| i.created) {
                notify(&mut tx, bbox, &[])?;
            }
            tx.commit()?;
            Ok(out)
        })
    }

    pub fn places(&self) -> Result<Vec<StoredPlace>, StoreError> {
        let raw = self.run(|c| {
            let rows = c.query("SELECT id, name, kind, lon, lat, geometry FROM places ORDER BY id", &[])?;
            Ok(rows.iter().map(place).collect::<Result<Vec<_>, _>>()?)
        })?;
        use rayon::prelude::*;
        raw.into_par_iter().map(parse_place).collect()
    }

    pub fn places_in(&self, ids: &[&str]) -> Result<Vec<StoredPlace>, StoreError> {
        let raw = self.run(|c| {
            let rows =
                c.query("SELECT id, name, kind, lon, lat, geometry FROM places WHERE id = ANY($1)", &[&ids.to_vec()])?;
            Ok(rows.iter().map(place).collect::<Result<Vec<_>, _>>()?)
        })?;
        raw.into_iter().map(parse_place).collect()
    }

    pub fn article_metas(&self) -> Result<Vec<ArticleMeta>, StoreError> {
        self.run(|c| {
            let rows = c.query("SELECT id, title, url, source, published FROM articles ORDER BY id", &[])?;
            Ok(rows.iter().map(meta).collect::<Result<_, _>>()?)
        })
    }

    pub fn article_metas_in(&self, ids: &[i64]) -> Result<Vec<ArticleMeta>, StoreError> {
        self.run(|c| {
            let rows =
                c.query("SELECT id, title, url, source, published FROM articles WHERE id = ANY($1)", &[&ids.to_vec()])?;
            Ok(rows.iter().map(meta).collect::<Result<_, _>>()?)
        })
    }

    /// Streams mentions a page of articles at a time (texts of at most 500 articles held).
    pub fn for_each_mention(&self, article: Option<i64>, mut f: impl FnMut(StoredMention)) -> Result<(), StoreError> {
        let mut after = 0i64;
        loop {
            let (texts, rows) = self.run(|c| {
                let texts = c.query(
                    "SELECT id, text FROM articles WHERE id > $1 AND ($2::bigint IS NULL OR id = $2) ORDER BY id LIMIT 500",
                    &[&after, &article],
                )?;
                let ids: Vec<i64> = texts.iter().map(|r| r.get(0)).collect();
                let rows = c.query(
                    &format!("SELECT {MENTION_COLS} FROM mentions WHERE article_id = ANY($1) ORDER BY article_id, id"),
                    &[&ids],
                )?;
                Ok((texts, rows))
            })?;
            let Some(last) = texts.last() else { return Ok(()) };
            after = last.get(0);
            let texts: HashMap<i64, CodePoints> =
                texts.iter().map(|r| (r.get::<_, i64>(0), CodePoints::new(r.get(1)))).collect();
            for r in &rows {
                let m = mention_row(r)?;
                let text = texts.get(&m.article_id);
                f(m.into_stored(text));
            }
            if texts.len() < 500 {
                return Ok(());
            }
        }
    }

    pub fn mentions_after(&self, after: i64, limit: usize) -> Result<Vec<StoredMention>, StoreError> {
        let (rows, texts) = self.run(|c| {
            let rows = c.query(
                &format!("SELECT {MENTION_COLS} FROM mentions WHERE id > $1 ORDER BY id LIMIT $2"),
                &[&after, &(limit as i64)],
            )?;
            let mut ids: Vec<i64> = rows.iter().map(|r| r.get(1)).collect();
            ids.sort_unstable();
            ids.dedup();
            let texts = c.query("SELECT id, text FROM articles WHERE id = ANY($1)", &[&ids])?;
            Ok((rows, texts))
        })?;
        let texts: HashMap<i64, CodePoints> =
            texts.iter().map(|r| (r.get::<_, i64>(0), CodePoints::new(r.get(1)))).collect();
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let m = mention_row(r)?;
            let text = texts.get(&m.article_id);
            out.push(m.into_stored(text));
        }
        Ok(out)
    }

    pub fn max_deletion_seq(&self) -> Result<i64, StoreError> {
        self.count("SELECT coalesce(max(seq), 0) FROM deleted_mentions")
    }

    pub fn deletions_after(&self, after: i64, limit: usize) -> Result<Vec<Deletion>, StoreError> {
        self.run(|c| {
            let rows = c.query(
                "SELECT seq, mention_id, article_id FROM deleted_mentions WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[&after, &(limit as i64)],
            )?;
            Ok(rows.iter().map(|r| Deletion { seq: r.get(0), mention_id: r.get(1), article_id: r.get(2) }).collect())
        })
    }

    pub fn article(&self, id: i64) -> Result<Option<NewArticle>, StoreError> {
        self.run(|c| {
            let r = c.query_opt("SELECT title, url, published, source, text FROM articles WHERE id = $1", &[&id])?;
            Ok(r.map(|r| NewArticle {
                title: r.get(0),
                url: r.get(1),
                published: r.get(2),
                source: r.get(3),
                text: r.get(4),
            }))
        })
    }

    pub fn list_articles(&self, f: &ArticleFilter) -> Result<(Vec<ArticleRow>, i64), StoreError> {
        self.run(|c| {
            let cond = "WHERE ($1::text IS NULL OR a.source = $1)
                  AND ($2::text IS NULL OR substr(a.published, 1, 10) >= $2)
                  AND ($3::text IS NULL OR substr(a.published, 1, 10) <= $3)";
            let total: i64 =
                c.query_one(&format!("SELECT count(*) FROM articles a {cond}"), &[&f.source, &f.from, &f.to])?.get(0);
            let rows = c.query(
                &format!("{ROW} {cond} ORDER BY a.id DESC LIMIT $4 OFFSET $5"),
                &[&f.source, &f.from, &f.to, &(f.limit as i64), &(f.offset as i64)],
            )?;
            Ok((rows.iter().map(article_row).collect::<Result<_, _>>()?, total))
        })
    }

    pub fn article_by_url(&self, url: &str) -> Result<Option<i64>, StoreError> {
        self.run(|c| Ok(c.query_opt("SELECT id FROM articles WHERE url = $1 LIMIT 1", &[&url])?.map(|r| r.get(0))))
    }

    pub fn article_row(&self, id: i64) -> Result<Option<ArticleRow>, StoreError> {
        self.run(|c| {
            Ok(c.query_opt(&format!("{ROW} WHERE a.id = $1"), &[&id])?.as_ref().map(article_row).transpose()?)
        })
    }

    pub fn delete_article(&self, id: i64) -> Result<Option<Vec<i64>>, StoreError> {
        self.run(|c| {
            let mut tx = c.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
            if tx.query_opt("SELECT 1 FROM articles WHERE id = $1 FOR UPDATE", &[&id])?.is_none() {
                return Ok(None);
            }
            let mut ids: Vec<i64> = tx
                .query("DELETE FROM mentions WHERE article_id = $1 RETURNING id", &[&id])?
                .iter()
                .map(|r| r.get(0))
                .collect();
            ids.sort_unstable();
            // the change log other replicas catch up from, in the same transaction
            tx.execute(
                "INSERT INTO deleted_mentions (mention_id, article_id) SELECT m, $2 FROM unnest($1::bigint[]) m",
                &[&ids, &id],
            )?;
            tx.execute("DELETE FROM articles WHERE id = $1", &[&id])?;
            notify(&mut tx, None, &ids)?;
            tx.commit()?;
            Ok(Some(ids))
        })
    }
}

/// Applies the migrations this database lacks, one transaction each, under an advisory lock (two
/// replicas starting at once migrate once).
fn migrate(c: &mut Client) -> Result<(), StoreError> {
    c.execute("SELECT pg_advisory_lock($1)", &[&MIGRATE_LOCK])?;
    let result = (|| -> Result<(), StoreError> {
        c.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
             INSERT INTO schema_version SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version);",
        )?;
        let version: i32 = c.query_one("SELECT max(version) FROM schema_version", &[])?.get(0);
        let known = migrations::POSTGRES.len() as i64;
        if i64::from(version) > known {
            return Err(StoreError::TooNew { path: "the PostgreSQL database".into(), found: version.into(), known });
        }
        for (i, sql) in migrations::POSTGRES.iter().enumerate().skip(version.max(0) as usize) {
            let mut tx = c.transaction()?;
            tx.batch_execute(sql)?;
            tx.execute("UPDATE schema_version SET version = $1", &[&((i + 1) as i32)])?;
            tx.commit()?;
        }
        Ok(())
    })();
    c.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATE_LOCK])?;
    result
}

/// The LISTEN connection: counts notifications from sessions other than `own_pid` into
/// `version`, reconnecting (and counting one change, so a catch-up runs) when the connection
/// drops; ends when the store is dropped.
fn spawn_listener(url: String, own_pid: i32, version: std::sync::Weak<AtomicI64>) {
    let spawned = std::thread::Builder::new().name("sitrep-pg-listen".into()).spawn(move || {
        let mut first = true;
        while version.strong_count() > 0 {
            let mut client = match Client::connect(&url, NoTls) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!("listen: cannot connect to PostgreSQL: {e}");
                    std::thread::sleep(Duration::from_secs(1));
                    continue;
                }
            };
            if let Err(e) = client.batch_execute(&format!("LISTEN {CHANNEL}")) {
                tracing::warn!("listen: LISTEN failed: {e}");
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
            if !first {
                // writes may have been missed while disconnected
                if let Some(v) = version.upgrade() {
                    v.fetch_add(1, Ordering::AcqRel);
                }
            }
            first = false;
            loop {
                let next = client.notifications().timeout_iter(Duration::from_millis(500)).next();
                let Some(v) = version.upgrade() else { return };
                match next {
                    Ok(Some(n)) if n.process_id() != own_pid => {
                        tracing::debug!("listen: {}", n.payload());
                        v.fetch_add(1, Ordering::AcqRel);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!("listen: connection lost: {e}");
                        break;
                    }
                }
                if client.is_closed() {
                    break;
                }
            }
        }
    });
    if let Err(e) = spawned {
        tracing::warn!("listen: cannot start its thread: {e}");
    }
}
