//! The running server sees every writer: a `sitrep ingest` (another process) into the server's
//! database reaches its `/health` counts, its tiles (cached ones invalidated) and its event stream
//! within 2 s.

mod common;

use serde_json::Value;
use std::process::Command;
use std::time::Duration;

use common::tile_of;

#[test]
fn cli_ingest_into_a_running_servers_database_shows_up_within_two_seconds() {
    let server = common::start(None, &["--no-samples", "--refresh-ms", "200"]);
    let base = server.base.clone();
    let c = common::client();
    let health =
        |c: &reqwest::blocking::Client| -> Value { c.get(format!("{base}/health")).send().unwrap().json().unwrap() };
    let before = health(&c);
    assert_eq!(before["articles"], 0);
    assert_eq!(before["incidents"], 0);
    // a tile over Goris, fetched (and cached) while empty
    let (x, y) = tile_of(46.342, 39.511, 10);
    let tile_url = format!("{base}/tiles/10/{x}/{y}.mvt");
    assert_eq!(c.get(&tile_url).send().unwrap().status(), reqwest::StatusCode::NO_CONTENT);

    // listen on the event stream before the other process writes
    let events = common::listen(&format!("{base}/api/events"));

    let dir = tempfile::tempdir().unwrap();
    let article = dir.path().join("goris.txt");
    std::fs::write(&article, "Refugees reach Goris\nThousands of refugees arrived in Goris, Armenia, on Monday.\n")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(["ingest", "--date", "2023-09-25", "--db"])
        .arg(&server.db)
        .arg(&article)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success(), "ingest failed: {}", String::from_utf8_lossy(&out.stderr));

    // /health counts
    let seen = common::within(Duration::from_secs(2), || {
        let h = health(&c);
        h["articles"] == 1 && h["incidents"].as_u64().unwrap_or(0) >= 2
    })
    .unwrap_or_else(|| panic!("not in /health within 2 s: {}", health(&c)));
    eprintln!("visible in /health {} ms after the CLI ingest exited", seen.as_millis());

    // the cached empty tile was invalidated: the tile now carries Goris
    let r = c.get(&tile_url).send().unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let t = common::mvt::decode(&r.bytes().unwrap());
    // (Goris and its neighbour point are clustered at z10; Armenia is an area carrying the article)
    assert!(t.get("incidents").is_some_and(|fs| !fs.is_empty()), "tile has no incident points: {t:?}");
    let armenia = t.get("areas").is_some_and(|fs| {
        fs.iter().any(|(_, _, p)| {
            p.get("place_id").is_some_and(|v| v.contains("ne-country:ARM"))
                && p.get("title").is_some_and(|v| v.contains("Refugees reach Goris"))
        })
    });
    assert!(armenia, "tile has no Armenia area from the new article: {t:?}");

    // items page and the event stream
    let items: Value =
        c.get(format!("{base}/collections/incidents/items?bbox=46,39,47,40")).send().unwrap().json().unwrap();
    assert!(!items["features"].as_array().unwrap().is_empty(), "{items}");
    assert!(
        common::await_event(&events, "ingest", "\"article_id\"", Duration::from_secs(2)),
        "no ingest event on /api/events for the other process's write"
    );

    // the same text again changes nothing
    let out = Command::new(env!("CARGO_BIN_EXE_sitrep"))
        .args(["ingest", "--date", "2023-09-25", "--db"])
        .arg(&server.db)
        .arg(&article)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("already stored: 1"));
    std::thread::sleep(Duration::from_millis(600));
    let after = health(&c);
    assert_eq!(after["articles"], 1);
    assert_eq!(after["incidents"], health(&c)["incidents"]);
}
