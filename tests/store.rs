//! The store and the index over a real SQLite file: a place is stored and held once, a batch is
//! all or nothing, a database written by the previous release migrates, and restart reads it back.

use sitrep::geoparse::Geoparser;
use sitrep::index::SpatialIndex;
use sitrep::store::{NewArticle, Store};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

fn geoparser() -> &'static Geoparser {
    static G: OnceLock<Geoparser> = OnceLock::new();
    G.get_or_init(|| {
        Geoparser::new(Arc::new(sitrep::gazetteer::Gazetteer::load_default().expect("the shipped gazetteer loads")))
    })
}

fn article(text: &str, date: &str) -> NewArticle {
    NewArticle {
        title: Some(text.chars().take(40).collect()),
        published: Some(date.into()),
        text: text.into(),
        ..Default::default()
    }
}

fn count(db: &std::path::Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_country_named_in_many_articles_is_one_geometry_in_the_store_and_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let store = Store::open(&db).unwrap();
    let batch: Vec<NewArticle> = (0..12)
        .map(|i| {
            article(
                &format!("Armenia said on day {i} that shelling hit the outskirts of Goris and Kapan in Armenia."),
                "2022-09-13",
            )
        })
        .collect();
    let done = sitrep::ingest::ingest_batch(geoparser(), &store, &batch, &AtomicBool::new(false)).unwrap();
    assert!(done.iter().all(|d| d.created));
    let armenia_mentions = count(&db, "SELECT count(*) FROM mentions WHERE place_id = 'ne-country:ARM'");
    assert!(armenia_mentions >= 12, "{armenia_mentions}");
    assert_eq!(count(&db, "SELECT count(*) FROM places WHERE id = 'ne-country:ARM'"), 1);
    assert_eq!(count(&db, "SELECT count(*) FROM places"), count(&db, "SELECT count(DISTINCT place_id) FROM mentions"));

    // restart: every mention comes back, each place one shared geometry and one R-tree entry
    let index = SpatialIndex::new();
    let incidents = sitrep::features::load_incidents(&store, &index).unwrap();
    assert_eq!(incidents.len() as i64, count(&db, "SELECT count(*) FROM mentions"));
    let arm: Vec<_> = incidents.iter().filter(|i| i.place.id.as_deref() == Some("ne-country:ARM")).collect();
    assert_eq!(arm.len() as i64, armenia_mentions);
    assert!(
        arm.windows(2).all(|w| Arc::ptr_eq(&w[0].place, &w[1].place)),
        "one geometry held for every Armenia mention"
    );
    let distinct_places = count(&db, "SELECT count(DISTINCT place_id) FROM mentions") as usize;
    index.replace_all(incidents);
    let snap = index.snapshot();
    assert_eq!(snap.place_count(), distinct_places);
    let shape_places = snap
        .iter()
        .filter(|e| !e.is_point())
        .map(|e| Arc::as_ptr(e.place()) as usize)
        .collect::<std::collections::HashSet<_>>()
        .len();
    assert_eq!(
        snap.shape_entries(),
        shape_places,
        "one R-tree entry per line/area place (none here crosses the antimeridian)"
    );
    // the quote is cut from the article text again, exactly as the geoparser saw it
    let m = &store.mentions(Some(done[0].id)).unwrap()[0];
    assert_eq!(m.quote, done[0].stored[0].quote);
    assert!(m.quote.contains(&m.surface), "{m:?}");
}

#[test]
fn a_batch_with_an_invalid_article_in_the_middle_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let store = Store::open(&db).unwrap();
    let batch = vec![
        article("Fighting was reported near Izium.", "2022-09-10"),
        article("   ", "2022-09-10"),
        article("A convoy reached Kupiansk.", "2022-09-11"),
    ];
    let err = sitrep::ingest::ingest_batch(geoparser(), &store, &batch, &AtomicBool::new(false)).err().unwrap();
    assert!(err.to_string().contains("article 2"), "{err}");
    // cancelled work writes nothing either
    let ok = vec![batch[0].clone(), batch[2].clone()];
    let err = sitrep::ingest::ingest_batch(geoparser(), &store, &ok, &AtomicBool::new(true)).err().unwrap();
    assert!(matches!(err, sitrep::ingest::IngestError::Cancelled));
    assert_eq!(count(&db, "SELECT count(*) FROM articles"), 0);
    assert_eq!(count(&db, "SELECT count(*) FROM mentions"), 0);
    let done = sitrep::ingest::ingest_batch(geoparser(), &store, &ok, &AtomicBool::new(false)).unwrap();
    assert_eq!(done.len(), 2);
    assert_eq!(count(&db, "SELECT count(*) FROM articles"), 2);
}

#[test]
fn a_database_of_the_previous_release_migrates_and_keeps_every_mention() {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1.db");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v1.db");
    std::fs::copy(&fixture, &db).unwrap();
    // what the previous release stored: each mention's sentence as a copy
    let before: Vec<(i64, String, String)> = {
        let c = rusqlite::Connection::open(&db).unwrap();
        assert_eq!(c.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)).unwrap(), 1);
        let mut st = c.prepare("SELECT id, surface, sentence FROM mentions ORDER BY id").unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    };
    assert!(before.len() >= 50);
    let store = Store::open(&db).unwrap();
    let c = rusqlite::Connection::open(&db).unwrap();
    assert_eq!(
        c.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)).unwrap(),
        8,
        "v1 -> v2 (sentence spans) -> v3 (url index) -> v4 (fetched validators) -> v5 (deletion log) -> v6 (role reading) -> v7 (reviews) -> v8 (report links)"
    );
    assert_eq!(c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)).unwrap(), "ok");
    let has_sentence: i64 = c
        .query_row("SELECT count(*) FROM pragma_table_info('mentions') WHERE name = 'sentence'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(has_sentence, 0, "the copied sentence column is gone");
    let mut after = store.mentions(None).unwrap();
    after.sort_by_key(|m| m.id);
    assert_eq!(after.len(), before.len());
    for (m, (id, surface, sentence)) in after.iter().zip(&before) {
        assert_eq!((&m.id, &m.surface, &m.quote), (id, surface, sentence), "mention {id} keeps its quote");
    }
    // and the server's start-up path reads it
    let index = SpatialIndex::new();
    assert_eq!(sitrep::features::load_incidents(&store, &index).unwrap().len(), before.len());
    // opening again is a no-op
    drop(store);
    Store::open(&db).unwrap();
}
