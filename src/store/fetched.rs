//! The validators (ETag, Last-Modified) of each URL fetched, for a conditional GET next time.
//!
//! Contract: [`Store::fetched`] reads what was remembered for a URL (`None` when never fetched or
//! the server sent no validator); [`Store::put_fetched`] replaces it and stamps `fetched_at`.
//! One row per URL in table `fetched` (SQLite migration v4, PostgreSQL v2), nothing else reads or
//! writes it.
//! Not for: fetching (that is [`crate::fetch`]) or the articles themselves.

use super::{PgStore, SqliteStore, Store, StoreError};
use rusqlite::OptionalExtension;

/// What a server said about a URL's current version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    /// Neither an ETag nor a Last-Modified: nothing to send a conditional request with.
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

impl Store {
    /// The validators remembered for `url`.
    pub fn fetched(&self, url: &str) -> Result<Option<Validators>, StoreError> {
        match self {
            Store::Sqlite(s) => s.fetched(url),
            Store::Postgres(s) => s.fetched(url),
        }
    }

    /// Remembers `url`'s validators (replacing earlier ones) and when it was fetched.
    pub fn put_fetched(&self, url: &str, v: &Validators) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.put_fetched(url, v),
            Store::Postgres(s) => s.put_fetched(url, v),
        }
    }
}

impl PgStore {
    fn fetched(&self, url: &str) -> Result<Option<Validators>, StoreError> {
        let row = self.run(|c| Ok(c.query_opt("SELECT etag, last_modified FROM fetched WHERE url = $1", &[&url])?))?;
        Ok(row.map(|r| Validators { etag: r.get(0), last_modified: r.get(1) }).filter(|v| !v.is_empty()))
    }

    fn put_fetched(&self, url: &str, v: &Validators) -> Result<(), StoreError> {
        self.run(|c| {
            c.execute(
                "INSERT INTO fetched (url, etag, last_modified) VALUES ($1, $2, $3)
                 ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
                 fetched_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
                &[&url, &v.etag, &v.last_modified],
            )?;
            Ok(())
        })
    }
}

impl SqliteStore {
    fn fetched(&self, url: &str) -> Result<Option<Validators>, StoreError> {
        let v = self
            .conn()
            .query_row("SELECT etag, last_modified FROM fetched WHERE url = ?1", [url], |r| {
                Ok(Validators { etag: r.get(0)?, last_modified: r.get(1)? })
            })
            .optional()?;
        Ok(v.filter(|v| !v.is_empty()))
    }

    fn put_fetched(&self, url: &str, v: &Validators) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO fetched (url, etag, last_modified) VALUES (?1, ?2, ?3)
             ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
             fetched_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
            rusqlite::params![url, v.etag, v.last_modified],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators_round_trip_and_replace() {
        let s = Store::open_in_memory().unwrap();
        assert_eq!(s.fetched("http://a/feed").unwrap(), None);
        let v = Validators { etag: Some("\"1\"".into()), last_modified: None };
        s.put_fetched("http://a/feed", &v).unwrap();
        assert_eq!(s.fetched("http://a/feed").unwrap(), Some(v));
        let w = Validators { etag: None, last_modified: Some("Wed, 02 Dec 2026 10:00:00 GMT".into()) };
        s.put_fetched("http://a/feed", &w).unwrap();
        assert_eq!(s.fetched("http://a/feed").unwrap(), Some(w));
        s.put_fetched("http://a/feed", &Validators::default()).unwrap();
        assert_eq!(s.fetched("http://a/feed").unwrap(), None);
    }
}
