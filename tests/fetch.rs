//! News from the network: feeds and pages served by a loopback HTTP server written here (std::net,
//! no traffic beyond 127.0.0.1) and read by the real `sitrep` binary: RSS, Atom and JSON Feed over
//! HTTP, an HTML article in boilerplate, feed items that follow their links, a conditional GET
//! answered 304, a redirect, windows-1251, a too-large response, and `watch` / `serve --feeds`
//! picking up an item added to a feed.

mod common;

use rusqlite::Connection;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One canned response.
#[derive(Clone)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Send no Content-Length (the body ends when the connection closes).
    no_length: bool,
}

fn resp(content_type: &str, body: impl Into<Vec<u8>>) -> Resp {
    Resp {
        status: 200,
        headers: vec![("Content-Type".into(), content_type.into())],
        body: body.into(),
        no_length: false,
    }
}

/// A request as the server saw it: path and lower-cased headers.
#[derive(Clone, Debug)]
struct Seen {
    path: String,
    headers: HashMap<String, String>,
}

/// A loopback HTTP/1.1 server answering from a route table the test may change; a response with
/// an ETag or Last-Modified answers 304 to a request carrying the same validator.
struct Origin {
    base: String,
    routes: Arc<Mutex<HashMap<String, Resp>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Origin {
    fn start() -> Origin {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let routes: Arc<Mutex<HashMap<String, Resp>>> = Arc::default();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let (r, s) = (routes.clone(), seen.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (r, s) = (r.clone(), s.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() {
                        return;
                    }
                    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                    let mut headers = HashMap::new();
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                            break;
                        }
                        if let Some((k, v)) = h.split_once(':') {
                            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                        }
                    }
                    s.lock().unwrap().push(Seen { path: path.clone(), headers: headers.clone() });
                    let found = r.lock().unwrap().get(&path).cloned();
                    let mut resp = found.unwrap_or(Resp {
                        status: 404,
                        headers: vec![],
                        body: b"not found".to_vec(),
                        no_length: false,
                    });
                    let has = |name: &str, req: &str| {
                        resp.headers.iter().any(|(k, v)| k.eq_ignore_ascii_case(name) && headers.get(req) == Some(v))
                    };
                    if resp.status == 200 && (has("etag", "if-none-match") || has("last-modified", "if-modified-since"))
                    {
                        resp = Resp { status: 304, headers: vec![], body: vec![], no_length: false };
                    }
                    let mut out = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", resp.status);
                    for (k, v) in &resp.headers {
                        out.push_str(&format!("{k}: {v}\r\n"));
                    }
                    if !resp.no_length {
                        out.push_str(&format!("Content-Length: {}\r\n", resp.body.len()));
                    }
                    out.push_str("\r\n");
                    let _ = stream.write_all(out.as_bytes());
                    let _ = stream.write_all(&resp.body);
                });
            }
        });
        Origin { base, routes, seen }
    }

    fn put(&self, path: &str, r: Resp) {
        self.routes.lock().unwrap().insert(path.to_string(), r);
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn requests(&self, path: &str) -> Vec<Seen> {
        self.seen.lock().unwrap().iter().filter(|s| s.path == path).cloned().collect()
    }
}

fn data() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

fn sitrep(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .current_dir(dir)
        .env("SITREP_DATA", data())
        .env_remove("SITREP_CONFIG")
        .env_remove("SITREP_DB")
        .args(args)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn ingest(dir: &Path, extra: &[&str]) -> (bool, String, String) {
    let mut args = vec!["ingest", "--db", "s.db", "--host-delay", "0"];
    args.extend_from_slice(extra);
    sitrep(dir, &args)
}

fn stored(db: &Path) -> Vec<(Option<String>, Option<String>, String)> {
    if !db.exists() {
        return vec![];
    }
    let c = Connection::open(db).unwrap();
    // a database being created by another process has no tables yet: nothing stored
    let Ok(mut s) = c.prepare("SELECT title, url, text FROM articles ORDER BY id") else { return vec![] };
    s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
}

fn rss(items: &[(&str, &str, &str)]) -> String {
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Loopback Wire</title><link>http://wire/</link>"#,
    );
    for (title, link, text) in items {
        s.push_str(&format!(
            "<item><title>{title}</title><link>{link}</link><pubDate>Tue, 14 May 2024 08:00:00 GMT</pubDate><description>{text}</description></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s
}

/// A page whose article sits among navigation, comments and a footer.
fn page(title: &str, body: &str, canonical: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>
<link rel="canonical" href="{canonical}"></head><body>
<nav><a href="/">Home</a> <a href="/world">World news menu</a> <a href="/sport">Sport menu</a></nav>
<article><h1>{title}</h1><p>{body}</p><p>{body} Residents described the night as the worst in weeks, and local officials said repair crews would need several days.</p>
<p>Aid groups said they were sending food and water to the affected districts as soon as the roads were cleared of debris.</p></article>
<section id="comments" class="comments"><h3>Comments</h3><div class="comment">Great reporting, subscribe to my channel</div></section>
<footer>Copyright Loopback Media. All rights reserved. Privacy policy.</footer></body></html>"#
    )
}

const KHARKIV: &str = "Shelling was reported near Kharkiv overnight, officials in Izium said.";

#[test]
fn rss_atom_and_json_feed_over_http() {
    let o = Origin::start();
    o.put("/rss.xml", resp("application/rss+xml", rss(&[("Shelling in Kharkiv", "http://wire/kharkiv", KHARKIV)])));
    o.put(
        "/atom.xml",
        resp(
            "application/atom+xml",
            r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Wire</title><id>urn:a</id><updated>2024-05-14T00:00:00Z</updated>
<entry><title>Clashes near Goma</title><id>urn:a:1</id><link href="http://wire/goma"/><updated>2024-05-14T00:00:00Z</updated><content type="html">Clashes were reported near Goma in North Kivu, witnesses said.</content></entry></feed>"#,
        ),
    );
    // served as text/plain: told by sniffing
    o.put(
        "/feed.json",
        resp(
            "text/plain",
            r#"{"version":"https://jsonfeed.org/version/1.1","title":"JSON Wire","items":[{"id":"1","url":"http://wire/aden","title":"Strike in Aden","content_text":"An air strike hit a port in Aden, Yemen, on Tuesday."}]}"#,
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) =
        ingest(dir.path(), &["--no-follow", &o.url("/rss.xml"), &o.url("/atom.xml"), &o.url("/feed.json")]);
    assert!(ok, "{out}{err}");
    let rows = stored(&dir.path().join("s.db"));
    let texts: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(texts.iter().any(|t| t.contains("Kharkiv")) && texts.iter().any(|t| t.contains("Goma")));
    assert!(texts.iter().any(|t| t.contains("Aden")));
    let ua = &o.requests("/rss.xml")[0].headers["user-agent"];
    assert!(ua.starts_with(&format!("sitrep/{}", env!("CARGO_PKG_VERSION"))), "{ua}");
    assert!(o.requests("/kharkiv").is_empty(), "--no-follow fetched a link");
}

#[test]
fn an_html_page_stores_the_article_and_none_of_the_boilerplate() {
    let o = Origin::start();
    o.put("/story", resp("text/html", page("Shelling in Kharkiv", KHARKIV, "http://wire/canonical-story")));
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = ingest(dir.path(), &[&o.url("/story")]);
    assert!(ok, "{out}{err}");
    let rows = stored(&dir.path().join("s.db"));
    assert_eq!(rows.len(), 1);
    let (title, url, text) = &rows[0];
    assert_eq!(title.as_deref(), Some("Shelling in Kharkiv"));
    assert_eq!(url.as_deref(), Some("http://wire/canonical-story"));
    assert!(text.contains("officials in Izium") && text.contains("Aid groups"), "{text}");
    for boiler in ["menu", "subscribe", "Copyright", "Privacy"] {
        assert!(!text.contains(boiler), "{boiler:?} in {text}");
    }
}

#[test]
fn feed_items_follow_their_links_and_a_second_poll_gets_304() {
    let o = Origin::start();
    let feed = rss(&[("Shelling in Kharkiv", &o.url("/a"), "Short teaser."), ("Goma", "/b", "Another teaser.")]);
    let mut r = resp("application/rss+xml", feed);
    r.headers.push(("ETag".into(), "\"v1\"".into()));
    o.put("/feed", r);
    o.put("/a", resp("text/html", page("Shelling in Kharkiv", KHARKIV, "http://wire/a-canonical")));
    o.put(
        "/b",
        resp("text/html", page("Clashes near Goma", "Clashes were reported near Goma in North Kivu.", "http://wire/b")),
    );
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = ingest(dir.path(), &[&o.url("/feed")]);
    assert!(ok, "{out}{err}");
    let rows = stored(&dir.path().join("s.db"));
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[0].2.contains("officials in Izium") && !rows[0].2.contains("teaser"), "page text: {:?}", rows[0]);
    assert_eq!(rows[0].1.as_deref(), Some("http://wire/a-canonical"), "the page's canonical URL");
    assert!(rows[1].2.contains("North Kivu"), "a relative link is the feed's: {:?}", rows[1]);
    // the second run: a conditional request, a 304, nothing stored, no page fetched again
    let (ok, out, err) = ingest(dir.path(), &[&o.url("/feed")]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("articles stored: 0") && out.contains("not modified: 1"), "{out}");
    let feed_requests = o.requests("/feed");
    assert_eq!(feed_requests.len(), 2);
    assert_eq!(feed_requests[1].headers.get("if-none-match").map(String::as_str), Some("\"v1\""));
    assert_eq!(o.requests("/a").len(), 1);
    assert_eq!(stored(&dir.path().join("s.db")).len(), 2);
}

/// An item whose link failed is not lost: the feed's ETag is not remembered, so the next poll
/// fetches the feed in full and tries the link again.
#[test]
fn a_failed_link_is_tried_again_on_the_next_poll() {
    let o = Origin::start();
    let mut r = resp("application/rss+xml", rss(&[("Shelling in Kharkiv", &o.url("/late"), "")]));
    r.headers.push(("ETag".into(), "\"v1\"".into()));
    o.put("/feed", r);
    o.put("/late", Resp { status: 404, headers: vec![], body: b"not yet".to_vec(), no_length: false });
    o.put(
        "/other",
        resp("text/html", page("Clashes near Goma", "Clashes were reported near Goma in North Kivu.", "http://wire/b")),
    );
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = ingest(dir.path(), &[&o.url("/other"), &o.url("/feed")]);
    assert!(!ok, "a skipped item is a failure: {out}{err}");
    assert_eq!(stored(&dir.path().join("s.db")).len(), 1);
    o.put("/late", resp("text/html", page("Shelling in Kharkiv", KHARKIV, "http://wire/late")));
    let (ok, out, err) = ingest(dir.path(), &[&o.url("/feed")]);
    assert!(ok, "{out}{err}");
    let feed_requests = o.requests("/feed");
    assert_eq!(feed_requests[1].headers.get("if-none-match"), None, "no conditional request after a failed item");
    assert_eq!(stored(&dir.path().join("s.db")).len(), 2);
}

#[test]
fn last_modified_is_sent_back_and_a_redirect_is_followed() {
    let o = Origin::start();
    let mut r = resp("application/rss+xml", rss(&[("Kharkiv", "http://wire/k", KHARKIV)]));
    r.headers.push(("Last-Modified".into(), "Tue, 14 May 2024 08:00:00 GMT".into()));
    o.put("/new-feed", r);
    o.put(
        "/old-feed",
        Resp { status: 301, headers: vec![("Location".into(), o.url("/new-feed"))], body: vec![], no_length: false },
    );
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = ingest(dir.path(), &["--no-follow", &o.url("/old-feed")]);
    assert!(ok, "{out}{err}");
    assert_eq!(stored(&dir.path().join("s.db")).len(), 1);
    let (ok, out, _) = ingest(dir.path(), &["--no-follow", &o.url("/old-feed")]);
    assert!(ok && out.contains("not modified: 1"), "{out}");
    let last = o.requests("/new-feed").pop().unwrap();
    assert_eq!(last.headers.get("if-modified-since").map(String::as_str), Some("Tue, 14 May 2024 08:00:00 GMT"));
}

#[test]
fn windows_1251_pages_decode_by_meta_and_by_header() {
    let o = Origin::start();
    let body = "Обстріл Харкова: уночі було чути вибухи, повідомили посадовці в Ізюмі. Мешканці ховалися у підвалах до ранку, а ремонтні бригади працювали весь день.";
    let html = |meta: &str| {
        format!("<!DOCTYPE html><html><head>{meta}<title>Обстріл Харкова</title></head><body><nav>Меню сайту</nav><article><h1>Обстріл Харкова</h1><p>{body}</p><p>{body}</p></article><footer>Усі права захищено</footer></body></html>")
    };
    let enc = |s: String| encoding_rs::WINDOWS_1251.encode(&s).0.into_owned();
    o.put("/meta", resp("text/html", enc(html("<meta charset=\"windows-1251\">"))));
    o.put("/header", resp("text/html; charset=windows-1251", enc(html("")).into_iter().collect::<Vec<u8>>()));
    for path in ["/meta", "/header"] {
        let dir = tempfile::tempdir().unwrap();
        let (ok, out, err) = ingest(dir.path(), &[&o.url(path)]);
        assert!(ok, "{path}: {out}{err}");
        let rows = stored(&dir.path().join("s.db"));
        assert!(rows[0].2.contains("посадовці в Ізюмі"), "{path}: {:?}", rows[0].2);
        assert!(!rows[0].2.contains("Меню"), "{path}: {:?}", rows[0].2);
    }
}

#[test]
fn too_large_and_failing_urls_are_named_and_do_not_stop_the_others() {
    let o = Origin::start();
    let big = page("Kharkiv", &KHARKIV.repeat(200), "http://wire/big");
    o.put("/big", Resp { no_length: true, ..resp("text/html", big.clone()) });
    o.put("/big-declared", resp("text/html", big));
    o.put("/ok", resp("application/rss+xml", rss(&[("Kharkiv", "http://wire/k", KHARKIV)])));
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = ingest(
        dir.path(),
        &[
            "--no-follow",
            "--max-response-bytes",
            "4000",
            &o.url("/big"),
            &o.url("/big-declared"),
            &o.url("/missing"),
            &o.url("/ok"),
        ],
    );
    assert!(!ok, "a failed URL makes the exit non-zero");
    for path in ["/big", "/big-declared"] {
        let line = format!("{}: the response is larger than the limit of 4000 bytes", o.url(path));
        assert!(err.lines().any(|l| l.contains(&line)), "{line} in {err}");
    }
    assert!(err.contains(&format!("{}: HTTP 404", o.url("/missing"))), "{err}");
    assert!(out.contains("articles stored: 1") && out.contains("skipped: 3"), "{out}");
    assert_eq!(stored(&dir.path().join("s.db")).len(), 1);
}

/// Waits until `f` holds, up to `secs`.
fn eventually(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

#[test]
fn watch_picks_up_a_new_item_and_stops_on_sigterm() {
    let o = Origin::start();
    o.put("/feed", resp("application/rss+xml", rss(&[("Kharkiv", "http://wire/k", KHARKIV)])));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .current_dir(dir.path())
        .env("SITREP_DATA", data())
        .env_remove("SITREP_CONFIG")
        .args(["watch", "--db", "w.db", "--interval", "1", "--host-delay", "0", "--no-follow", &o.url("/feed")])
        .spawn()
        .unwrap();
    /// Kills the watcher if the test fails before it is stopped.
    struct Guard(u32);
    impl Drop for Guard {
        fn drop(&mut self) {
            unsafe { libc::kill(self.0 as i32, libc::SIGKILL) };
        }
    }
    let guard = Guard(child.id());
    assert!(eventually(60, || stored(&db).len() == 1), "the first poll stores the item");
    o.put(
        "/feed",
        resp(
            "application/rss+xml",
            rss(&[
                ("Kharkiv", "http://wire/k", KHARKIV),
                ("Goma", "http://wire/g", "Clashes were reported near Goma."),
            ]),
        ),
    );
    assert!(eventually(10, || stored(&db).len() == 2), "the added item is stored within an interval or two");
    std::mem::forget(guard); // stopped below, and reaped: its pid must not be signalled again
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(status.success(), "SIGTERM stops watch cleanly: {status}");
}

#[test]
fn serve_with_a_feed_shows_a_new_item_on_the_running_map() {
    let o = Origin::start();
    o.put("/feed", resp("application/rss+xml", rss(&[("Kharkiv", "http://wire/k", KHARKIV)])));
    let feed = o.url("/feed");
    let s = common::start(
        None,
        &["--no-samples", "--refresh-ms", "0", "--feeds", &feed, "--interval", "1", "--host-delay", "0", "--no-follow"],
    );
    let client = common::client();
    let items = |client: &reqwest::blocking::Client| -> String {
        client.get(format!("{}/collections/incidents/items?limit=100", s.base)).send().unwrap().text().unwrap()
    };
    assert!(eventually(30, || items(&client).contains("Izium")), "the feed's first item is on the map");
    assert!(!items(&client).contains("Goma"));
    o.put(
        "/feed",
        resp(
            "application/rss+xml",
            rss(&[
                ("Kharkiv", "http://wire/k", KHARKIV),
                ("Goma", "http://wire/g", "Clashes were reported near Goma in North Kivu."),
            ]),
        ),
    );
    // --refresh-ms 0: only the server's own write path can have put it there
    assert!(eventually(10, || items(&client).contains("Goma")), "the added item shows up live");
}
