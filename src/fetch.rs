//! News from the network: fetching feeds and pages over HTTP(S) politely, and turning them into
//! articles through the same parsers as files ([`crate::page`], [`crate::input`]).
//!
//! Contract: a [`Fetcher`] is one blocking `reqwest` client (rustls, compiled-in roots) with a
//! User-Agent naming sitrep and its version, at most [`FetchConfig::max_redirects`] redirects,
//! connect and read timeouts, and a body limit enforced while the body streams in (a response
//! larger than [`FetchConfig::max_bytes`] is refused, whatever its Content-Length says). Requests
//! to one host are spaced at least [`FetchConfig::host_delay`] apart for the fetcher's lifetime;
//! a 429 or 503 with a `Retry-After` of at most [`FetchConfig::max_retry_after`] is waited out and
//! retried (twice at most). [`Fetcher::get`] sends `If-None-Match` / `If-Modified-Since` from the
//! validators given and reports a 304 as [`Fetched::NotModified`].
//! [`harvest`] reads one URL as articles: a feed (told by Content-Type, then by sniffing the
//! body) gives one article per item, and an item whose text is shorter than
//! [`Follow::Below`] follows its link and takes the page's article (text, and title, date,
//! canonical URL where the item has none; the item's own text is kept when the page gives none);
//! an item whose link `is_stored` already is not fetched again. A page gives its article, decoded
//! by the BOM, the Content-Type charset or the page's `<meta charset>`.
//! [`poll`] is one harvest stored through the caller's ingest path, validators remembered after;
//! [`watch`] polls URLs on a [`Schedule`] (interval, exponential back-off on errors, capped)
//! until told to stop. Every error is one line naming the URL ([`FetchError`]).
//! Not for: storing (the caller stores the articles and the returned validators) or scheduling.

use crate::input::{Item, Overrides};
use crate::store::fetched::Validators;
use std::collections::HashMap;
use std::io::Read;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The User-Agent sent with every request.
pub const USER_AGENT: &str = concat!("sitrep/", env!("CARGO_PKG_VERSION"), " (news reader of the sitrep conflict map)");

/// How a [`Fetcher`] behaves.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub max_redirects: usize,
    pub connect_timeout: Duration,
    /// For the whole response, headers and body.
    pub timeout: Duration,
    /// Largest body accepted, in bytes.
    pub max_bytes: u64,
    /// Least time between two requests to the same host.
    pub host_delay: Duration,
    /// Longest `Retry-After` waited out; a longer one fails the URL.
    pub max_retry_after: Duration,
}

impl Default for FetchConfig {
    fn default() -> FetchConfig {
        FetchConfig {
            max_redirects: 5,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_bytes: 8 << 20,
            host_delay: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// Why a URL gave nothing; each names the URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: not an http(s) URL: {message}")]
    BadUrl { url: String, message: String },
    #[error("{url}: {message}")]
    Transport { url: String, message: String },
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: HTTP {status} asks to retry after {seconds} s, longer than the {limit} s waited")]
    RetryTooLate { url: String, status: u16, seconds: u64, limit: u64 },
    #[error("{url}: the response is larger than the limit of {limit} bytes (--max-response-bytes)")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: {message}")]
    Content { url: String, message: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// A response body that arrived whole.
#[derive(Debug, Clone)]
pub struct Body {
    /// Where the body came from, after redirects.
    pub url: String,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
    pub validators: Validators,
}

/// What a GET gave.
#[derive(Debug, Clone)]
pub enum Fetched {
    /// 304: what the validators name is still current.
    NotModified,
    Body(Body),
}

/// A polite HTTP client (see the module contract).
pub struct Fetcher {
    client: reqwest::blocking::Client,
    config: FetchConfig,
    /// When each host was last asked.
    last: Mutex<HashMap<String, Instant>>,
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Fetcher, FetchError> {
        let client = reqwest::blocking::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::limited(config.max_redirects))
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        Ok(Fetcher { client, config, last: Mutex::new(HashMap::new()) })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Waits until `host` may be asked again and notes the request.
    fn wait_turn(&self, host: &str) {
        loop {
            let wait = {
                let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                match last.get(host) {
                    Some(t) if now < *t + self.config.host_delay => *t + self.config.host_delay - now,
                    _ => {
                        last.insert(host.to_string(), now);
                        return;
                    }
                }
            };
            std::thread::sleep(wait);
        }
    }

    /// GETs `url`, conditionally when `known` has validators (see the module contract).
    pub fn get(&self, url: &str, known: Option<&Validators>) -> Result<Fetched, FetchError> {
        let parsed = parse_url(url)?;
        let host = format!("{}:{}", parsed.host_str().unwrap_or(""), parsed.port_or_known_default().unwrap_or(0));
        let transport = |e: reqwest::Error| FetchError::Transport { url: url.to_string(), message: one_line(&e) };
        let mut retries = 0;
        loop {
            self.wait_turn(&host);
            let mut req = self.client.get(parsed.clone()).header(
                reqwest::header::ACCEPT,
                "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/html;q=0.9, */*;q=0.5",
            );
            if let Some(v) = known {
                if let Some(etag) = &v.etag {
                    req = req.header(reqwest::header::IF_NONE_MATCH, etag);
                }
                if let Some(lm) = &v.last_modified {
                    req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
                }
            }
            let mut resp = req.send().map_err(transport)?;
            let status = resp.status();
            if status == reqwest::StatusCode::NOT_MODIFIED {
                return Ok(Fetched::NotModified);
            }
            if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
                let after = resp.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok());
                let Some(seconds) = after.and_then(retry_after_seconds) else {
                    return Err(FetchError::Status { url: url.to_string(), status: status.as_u16() });
                };
                let limit = self.config.max_retry_after.as_secs();
                if seconds > limit {
                    return Err(FetchError::RetryTooLate {
                        url: url.to_string(),
                        status: status.as_u16(),
                        seconds,
                        limit,
                    });
                }
                if retries >= 2 {
                    return Err(FetchError::Status { url: url.to_string(), status: status.as_u16() });
                }
                retries += 1;
                tracing::info!("{url}: HTTP {status}, retrying in {seconds} s");
                std::thread::sleep(Duration::from_secs(seconds));
                continue;
            }
            if !status.is_success() {
                return Err(FetchError::Status { url: url.to_string(), status: status.as_u16() });
            }
            let limit = self.config.max_bytes;
            if resp.content_length().is_some_and(|n| n > limit) {
                return Err(FetchError::TooLarge { url: url.to_string(), limit });
            }
            let header = |name: reqwest::header::HeaderName| {
                resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
            };
            let validators = Validators {
                etag: header(reqwest::header::ETAG),
                last_modified: header(reqwest::header::LAST_MODIFIED),
            };
            let content_type = header(reqwest::header::CONTENT_TYPE);
            let final_url = resp.url().to_string();
            // read at most one byte past the limit: never more than that is held
            let mut bytes = Vec::new();
            (&mut resp).take(limit + 1).read_to_end(&mut bytes).map_err(|e| FetchError::Transport {
                url: url.to_string(),
                message: format!("reading the body: {e}"),
            })?;
            if bytes.len() as u64 > limit {
                return Err(FetchError::TooLarge { url: url.to_string(), limit });
            }
            return Ok(Fetched::Body(Body { url: final_url, content_type, bytes, validators }));
        }
    }
}

/// An http(s) URL, or why not.
fn parse_url(url: &str) -> Result<reqwest::Url, FetchError> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| FetchError::BadUrl { url: url.to_string(), message: e.to_string() })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(FetchError::BadUrl { url: url.to_string(), message: "expected http:// or https://".into() });
    }
    Ok(parsed)
}

/// True when `arg` names a URL rather than a file.
pub fn is_url(arg: &str) -> bool {
    let lower = arg.get(..8).unwrap_or(arg).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// A reqwest error and its causes on one line.
fn one_line(e: &reqwest::Error) -> String {
    let mut msg = if e.is_timeout() { "timed out".to_string() } else { e.to_string() };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        source = s.source();
    }
    msg.replace('\n', " ")
}

/// Seconds from a `Retry-After` value: delta-seconds or an HTTP date.
fn retry_after_seconds(v: &str) -> Option<u64> {
    if let Ok(s) = v.trim().parse::<u64>() {
        return Some(s);
    }
    let at = crate::datetime::http_date_unix(v)?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as i64;
    Some((at - now).max(0) as u64)
}

/// Whether a feed's items follow their links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    Never,
    /// Items whose text has fewer than this many characters.
    Below(usize),
}

/// What one URL gave.
#[derive(Debug, Default)]
pub struct Harvest {
    pub items: Vec<Item>,
    /// The response's validators, to remember once its articles are stored.
    pub validators: Validators,
    /// The server answered 304 to the validators given.
    pub not_modified: bool,
    /// Feed items whose link was stored already (not fetched, not returned).
    pub known: usize,
    /// Pages fetched for feed items.
    pub followed: usize,
}

/// Kind of a fetched body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Feed,
    Html,
}

/// A body's kind from its Content-Type, else by sniffing.
fn kind_of(body: &Body) -> Option<Kind> {
    let ct = body.content_type.as_deref().unwrap_or("").to_ascii_lowercase();
    let mime = ct.split(';').next().unwrap_or("").trim();
    let start = String::from_utf8_lossy(&body.bytes[..body.bytes.len().min(2048)]).trim_start().to_ascii_lowercase();
    let sniff_feed = start.contains("<rss") || start.contains("<feed") || start.contains("<rdf:rdf");
    let json_feed = start.starts_with('{') && start.contains("jsonfeed.org");
    match mime {
        "application/rss+xml" | "application/atom+xml" | "application/rdf+xml" | "application/feed+json" => {
            Some(Kind::Feed)
        }
        "application/json" if json_feed => Some(Kind::Feed),
        _ if sniff_feed || json_feed => Some(Kind::Feed),
        "text/html" | "application/xhtml+xml" => Some(Kind::Html),
        _ if start.starts_with("<!doctype html") || start.contains("<html") => Some(Kind::Html),
        _ => None,
    }
}

/// The `charset` parameter of a Content-Type.
fn charset_of(content_type: Option<&str>) -> Option<&str> {
    content_type?.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("charset").then(|| v.trim().trim_matches('"'))
    })
}

/// The article of a fetched page.
fn page_article(body: &Body) -> Result<crate::store::NewArticle, String> {
    let text = crate::page::decode_html_with(&body.bytes, charset_of(body.content_type.as_deref()));
    crate::page::html_article(&text, Some(&body.url)).map_err(|e| e.to_string())
}

/// Reads `url` as articles (see the module contract). `known` are the validators remembered for
/// it; `is_stored` says whether an article with this URL is stored already.
pub fn harvest(
    fetcher: &Fetcher,
    url: &str,
    known: Option<&Validators>,
    follow: Follow,
    overrides: &Overrides,
    is_stored: &dyn Fn(&str) -> bool,
) -> Result<Harvest, FetchError> {
    let body = match fetcher.get(url, known)? {
        Fetched::NotModified => return Ok(Harvest { not_modified: true, ..Harvest::default() }),
        Fetched::Body(b) => b,
    };
    let mut out = Harvest { validators: body.validators.clone(), ..Harvest::default() };
    match kind_of(&body) {
        Some(Kind::Html) => {
            let mut article = page_article(&body);
            if let Ok(a) = &mut article {
                crate::input::apply(a, overrides, true);
            }
            out.items.push(Item { origin: url.to_string(), article });
        }
        Some(Kind::Feed) => {
            let base = reqwest::Url::parse(&body.url).ok();
            let items = crate::page::feed_articles(&body.bytes)
                .map_err(|e| FetchError::Content { url: url.to_string(), message: e.to_string() })?;
            for item in items {
                let origin = format!("{url} {}", item.origin);
                // a relative link is the feed's
                let link = item.link.as_deref().and_then(|l| match &base {
                    Some(b) => b.join(l).ok().map(|u| u.to_string()),
                    None => Some(l.to_string()),
                });
                if let Some(l) = &link {
                    if is_stored(l) {
                        out.known += 1;
                        continue;
                    }
                }
                let short = match follow {
                    Follow::Never => false,
                    Follow::Below(n) => item.known.text.chars().count() < n,
                };
                let mut article = match (&link, short) {
                    (Some(l), true) if parse_url(l).is_ok() => {
                        out.followed += 1;
                        match fetcher.get(l, None).map_err(|e| e.to_string()).and_then(|f| match f {
                            Fetched::Body(b) => page_article(&b).map_err(|e| format!("{}: {e}", b.url)),
                            Fetched::NotModified => Err(format!("{l}: HTTP 304 to an unconditional request")),
                        }) {
                            Ok(page) => Ok(merge(item.known, page, l)),
                            Err(e) => match item.article {
                                Ok(a) => {
                                    tracing::warn!(
                                        "{origin}: following the link failed ({e}); keeping the item's text"
                                    );
                                    Ok(a)
                                }
                                Err(_) => Err(format!("the item has no text and its link gave none: {e}")),
                            },
                        }
                    }
                    _ => item.article.map(|mut a| {
                        a.url = link.clone().or(a.url);
                        a
                    }),
                };
                if let Ok(a) = &mut article {
                    crate::input::apply(a, overrides, false);
                }
                out.items.push(Item { origin, article });
            }
        }
        None => {
            return Err(FetchError::Content {
                url: url.to_string(),
                message: format!(
                    "neither a feed nor an HTML page (Content-Type {})",
                    body.content_type.as_deref().unwrap_or("missing")
                ),
            })
        }
    }
    Ok(out)
}

/// A feed item completed by its page: the page's text (when longer), the item's metadata first
/// and the page's where the item has none; the URL is the page's canonical one.
fn merge(item: crate::store::NewArticle, page: crate::store::NewArticle, link: &str) -> crate::store::NewArticle {
    let text = if page.text.chars().count() >= item.text.chars().count() { page.text } else { item.text };
    crate::store::NewArticle {
        title: item.title.or(page.title),
        url: page.url.or(item.url).or_else(|| Some(link.to_string())),
        published: item.published.or(page.published),
        source: item.source.or(page.source),
        text,
    }
}

/// What one [`poll`] of a URL did.
#[derive(Debug, Default, Clone)]
pub struct Poll {
    pub stored: usize,
    pub mentions: usize,
    /// Articles stored already (same URL or same text), links not followed included.
    pub duplicates: usize,
    pub not_modified: bool,
    /// Items that gave no article, each `origin: why`.
    pub skipped: Vec<String>,
}

/// Why a poll stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{url}: {source}")]
    Store { url: String, source: crate::store::StoreError },
    #[error("{url}: {source}")]
    Ingest { url: String, source: crate::ingest::IngestError },
}

/// Fetches `url` ([`harvest`], conditionally by the validators `store` remembers), stores its new
/// articles through `ingest` (the caller's path: the CLI's plain store, the server's
/// store-and-publish) in batches, then remembers the response's validators.
pub fn poll(
    fetcher: &Fetcher,
    store: &crate::store::Store,
    url: &str,
    follow: Follow,
    overrides: &Overrides,
    ingest: &mut dyn FnMut(
        &[crate::store::NewArticle],
    ) -> Result<Vec<crate::ingest::Ingested>, crate::ingest::IngestError>,
) -> Result<Poll, PollError> {
    let store_err = |source| PollError::Store { url: url.to_string(), source };
    let known = store.fetched(url).map_err(store_err)?;
    let is_stored = |u: &str| store.article_by_url(u).ok().flatten().is_some();
    let h = harvest(fetcher, url, known.as_ref(), follow, overrides, &is_stored)?;
    let mut out = Poll { not_modified: h.not_modified, duplicates: h.known, ..Poll::default() };
    if h.not_modified {
        return Ok(out);
    }
    let mut seen = std::collections::HashSet::new();
    let mut fresh = Vec::new();
    for Item { origin, article } in h.items {
        match article.and_then(|a| crate::ingest::validate(&a).map(|()| a)) {
            Ok(a) if a.url.as_ref().is_some_and(|u| !seen.insert(u.clone()) || is_stored(u)) => out.duplicates += 1,
            Ok(a) => fresh.push(a),
            Err(e) => out.skipped.push(format!("{origin}: {e}")),
        }
    }
    for chunk in fresh.chunks(64) {
        let done = ingest(chunk).map_err(|source| PollError::Ingest { url: url.to_string(), source })?;
        for d in done {
            if d.created {
                out.stored += 1;
                out.mentions += d.stored.len();
            } else {
                out.duplicates += 1;
            }
        }
    }
    // Remember the validators only when every item was read: a link that failed this time (a
    // timeout, a 503) must be tried again, and after a 304 it never would be (stored items are
    // recognised by URL and text on the next full fetch, so nothing is stored twice).
    if out.skipped.is_empty() {
        store.put_fetched(url, &h.validators).map_err(store_err)?;
    }
    Ok(out)
}

/// When each watched URL is next due: every `interval`, and after `n` failures in a row
/// `interval * 2^n`, at most `max_backoff`.
#[derive(Debug)]
pub struct Schedule {
    interval: Duration,
    max_backoff: Duration,
    /// (url, due, failures in a row)
    feeds: Vec<(String, Instant, u32)>,
}

impl Schedule {
    /// Every URL is due now.
    pub fn new(urls: &[String], interval: Duration, max_backoff: Duration) -> Schedule {
        let now = Instant::now();
        Schedule { interval, max_backoff, feeds: urls.iter().map(|u| (u.clone(), now, 0)).collect() }
    }

    /// The URL due first and when.
    pub fn next(&self) -> Option<(usize, &str, Instant)> {
        self.feeds.iter().enumerate().min_by_key(|(_, f)| f.1).map(|(i, f)| (i, f.0.as_str(), f.1))
    }

    /// Notes how a poll of URL `i` went and returns the wait until its next one.
    pub fn done(&mut self, i: usize, ok: bool) -> Duration {
        let f = &mut self.feeds[i];
        f.2 = if ok { 0 } else { f.2.saturating_add(1) };
        let wait = if f.2 == 0 {
            self.interval
        } else {
            self.interval.saturating_mul(1u32 << f.2.min(16)).min(self.max_backoff.max(self.interval))
        };
        f.1 = Instant::now() + wait;
        wait
    }
}

/// Polls every URL of `schedule` when due until `stop` is set (checked at least every 100 ms);
/// `report` hears how each poll went.
pub fn watch(
    schedule: &mut Schedule,
    stop: &std::sync::atomic::AtomicBool,
    mut poll_one: impl FnMut(&str) -> Result<Poll, PollError>,
    mut report: impl FnMut(&str, &Result<Poll, PollError>, Duration),
) {
    use std::sync::atomic::Ordering;
    while !stop.load(Ordering::Relaxed) {
        let Some((i, url, due)) = schedule.next() else { return };
        let now = Instant::now();
        if due > now {
            std::thread::sleep((due - now).min(Duration::from_millis(100)));
            continue;
        }
        let url = url.to_string();
        let result = poll_one(&url);
        let wait = schedule.done(i, result.is_ok());
        report(&url, &result, wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(ct: Option<&str>, bytes: &str) -> Body {
        Body {
            url: "http://x/".into(),
            content_type: ct.map(str::to_string),
            bytes: bytes.as_bytes().to_vec(),
            validators: Validators::default(),
        }
    }

    #[test]
    fn kinds_from_content_type_and_sniffing() {
        assert_eq!(kind_of(&body(Some("application/rss+xml"), "<rss>")), Some(Kind::Feed));
        assert_eq!(kind_of(&body(Some("text/html"), "<?xml?><feed xmlns=''>")), Some(Kind::Feed));
        assert_eq!(kind_of(&body(Some("text/plain"), "<!DOCTYPE html><p>a")), Some(Kind::Html));
        assert_eq!(
            kind_of(&body(Some("application/json"), "{\"version\":\"https://jsonfeed.org/version/1.1\"}")),
            Some(Kind::Feed)
        );
        assert_eq!(kind_of(&body(Some("application/pdf"), "%PDF")), None);
    }

    #[test]
    fn back_off_doubles_up_to_its_cap_and_resets() {
        let mut s = Schedule::new(&["a".into()], Duration::from_secs(10), Duration::from_secs(35));
        assert_eq!(s.done(0, false), Duration::from_secs(20));
        assert_eq!(s.done(0, false), Duration::from_secs(35));
        assert_eq!(s.done(0, false), Duration::from_secs(35));
        assert_eq!(s.done(0, true), Duration::from_secs(10));
    }

    #[test]
    fn charset_and_retry_after() {
        assert_eq!(charset_of(Some("text/html; Charset=\"windows-1251\"")), Some("windows-1251"));
        assert_eq!(charset_of(Some("text/html")), None);
        assert_eq!(retry_after_seconds("7"), Some(7));
        assert_eq!(retry_after_seconds("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert!(is_url("HTTPS://a/b") && !is_url("feed.xml"));
    }
}
