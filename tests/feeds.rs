//! Feeds and pages from files: RSS 2.0, Atom, JSON Feed, an HTML article wrapped in navigation,
//! comments and a footer, a page in windows-1251; the stored text holds the article and none of
//! the boilerplate, and a second run stores nothing (same text or same canonical URL).

use rusqlite::Connection;
use std::path::Path;
use std::process::Command;

fn ingest(dir: &Path, files: &[&str]) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .current_dir(dir)
        .env("SITREP_DATA", Path::new(env!("CARGO_MANIFEST_DIR")).join("data"))
        .env_remove("SITREP_CONFIG")
        .env_remove("SITREP_DB")
        .args(["ingest", "--db", "s.db"])
        .args(files)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn stored(dir: &Path) -> Vec<(Option<String>, Option<String>, Option<String>, Option<String>, String)> {
    let c = Connection::open(dir.join("s.db")).unwrap();
    let mut s = c.prepare("SELECT title, url, published, source, text FROM articles ORDER BY id").unwrap();
    s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Frontline Wire</title><link>https://wire.example/</link>
<item><title>Shelling in Kharkiv</title><link>https://wire.example/kharkiv</link>
<pubDate>Tue, 14 May 2024 08:00:00 GMT</pubDate>
<description>&lt;p&gt;Shelling was reported near &lt;b&gt;Kharkiv&lt;/b&gt; overnight, officials in Izium said.&lt;/p&gt;</description></item>
<item><title>No text here</title><link>https://wire.example/empty</link></item>
</channel></rss>"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Caucasus Desk</title><id>urn:desk</id><updated>2023-09-25T10:00:00Z</updated>
<entry><title>Refugees reach Goris</title><id>urn:desk:1</id><link href="https://desk.example/goris"/>
<published>2023-09-25T09:00:00Z</published><updated>2023-09-25T09:30:00Z</updated>
<content type="html">&lt;p&gt;Thousands of refugees arrived in Goris, Armenia, on Monday.&lt;/p&gt;</content></entry>
</feed>"#;

const JSON_FEED: &str = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "Sahel Notes",
"items": [{"id": "1", "url": "https://sahel.example/mopti", "title": "Mopti", "date_published": "2024-02-01T12:00:00Z",
"content_text": "Fighting was reported near Mopti in central Mali."}]}"#;

fn page(body_word: &str, charset: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="{charset}"><title>Drone strike in Kherson | Daily Front</title>
<link rel="canonical" href="https://daily.example/kherson-drone">
<meta property="article:published_time" content="2024-03-03T07:00:00Z">
<script>var tracking = "NAVSCRIPT";</script></head><body>
<nav><ul><li><a href="/">Home NAVLINK</a></li><li><a href="/world">World NAVLINK</a></li><li><a href="/sport">Sport NAVLINK</a></li></ul></nav>
<article><h1>Drone strike in Kherson</h1>
<p>A drone struck a fuel depot in Kherson on Sunday, according to the governor of the region. {body_word} The strike set fire to
two tanks and the blaze burned for hours before firefighters contained it, officials said in a statement.</p>
<p>Residents of nearby districts were told to stay indoors while emergency crews worked through the night to stop the fire
from spreading to a grain terminal on the river bank, which had been hit twice earlier this year.</p>
<p>Power was restored to parts of Kherson after strikes on the grid around Mykolaiv, the regional energy company said.</p>
</article>
<section class="comments" id="comments"><h3>Comments</h3><div class="comment"><p>COMMENTTEXT first!</p></div>
<div class="comment"><p>COMMENTTEXT great article</p></div></section>
<footer><p>FOOTERTEXT © Daily Front. All rights reserved. <a href="/privacy">Privacy</a></p></footer>
</body></html>"#
    )
}

#[test]
fn feeds_and_pages_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("wire.rss"), RSS).unwrap();
    std::fs::write(d.join("desk.atom"), ATOM).unwrap();
    std::fs::write(d.join("sahel.json"), JSON_FEED).unwrap();
    std::fs::write(d.join("kherson.html"), page("", "utf-8")).unwrap();
    let ru = page("Удар по Херсону.", "windows-1251")
        .replace("https://daily.example/kherson-drone", "https://daily.example/kherson-drone-ru");
    let (cyr, _, _) = encoding_rs::WINDOWS_1251.encode(&ru);
    std::fs::write(d.join("kherson-1251.html"), &cyr).unwrap();
    let (ok, out, err) = ingest(d, &["wire.rss", "desk.atom", "sahel.json", "kherson.html", "kherson-1251.html"]);
    // the RSS item without text is named and skipped
    assert!(!ok);
    assert!(err.contains("wire.rss item 2 (No text here): the item has no text"), "{err}");
    assert!(out.contains("articles stored: 5"), "{out}\n{err}");
    let rows = stored(d);
    let by_url = |u: &str| rows.iter().find(|r| r.1.as_deref() == Some(u)).unwrap_or_else(|| panic!("{u}: {rows:?}"));
    let k = by_url("https://wire.example/kharkiv");
    assert_eq!(k.0.as_deref(), Some("Shelling in Kharkiv"));
    assert_eq!(k.2.as_deref(), Some("2024-05-14"));
    assert_eq!(k.3.as_deref(), Some("Frontline Wire"));
    assert!(k.4.contains("Shelling was reported near Kharkiv overnight") && !k.4.contains("<b>"), "{}", k.4);
    let g = by_url("https://desk.example/goris");
    assert_eq!((g.2.as_deref(), g.3.as_deref()), (Some("2023-09-25"), Some("Caucasus Desk")));
    let m = by_url("https://sahel.example/mopti");
    assert_eq!(m.2.as_deref(), Some("2024-02-01"));
    let p = by_url("https://daily.example/kherson-drone");
    assert_eq!(p.2.as_deref(), Some("2024-03-03"));
    assert!(p.0.as_deref().is_some_and(|t| t.contains("Drone strike in Kherson")), "{:?}", p.0);
    assert!(p.4.contains("A drone struck a fuel depot in Kherson"), "{}", p.4);
    assert!(p.4.contains("grain terminal"), "{}", p.4);
    for junk in ["NAVLINK", "NAVSCRIPT", "COMMENTTEXT", "FOOTERTEXT"] {
        assert!(!p.4.contains(junk), "boilerplate {junk} in the stored text: {}", p.4);
    }
    let r = by_url("https://daily.example/kherson-drone-ru");
    assert!(r.4.contains("Удар по Херсону."), "windows-1251 page decoded: {}", r.4);
    // a second run stores nothing
    let (_, out, _) = ingest(d, &["wire.rss", "desk.atom", "sahel.json", "kherson.html", "kherson-1251.html"]);
    assert!(out.contains("articles stored: 0") && out.contains("already stored: 5"), "{out}");
    // the same page under another name and with other boilerplate: same canonical URL, not stored
    std::fs::write(d.join("again.html"), page("", "utf-8").replace("great article", "changed comment")).unwrap();
    let (_, out, _) = ingest(d, &["again.html"]);
    assert!(out.contains("articles stored: 0") && out.contains("already stored: 1"), "{out}");
    assert_eq!(stored(d).len(), 5);
}
