//! `sitrep export` and the HTTP download, checked with independent readers: the Python `pmtiles`
//! package (PMTiles), GDAL's ogrinfo (GeoPackage, MBTiles, GeoJSON), SQLite itself (MBTiles
//! tiles), the csv crate; every exported tile compared with the tile a real server answers for
//! the same z/x/y from the same database.

mod common;

use common::mvt::{decode, strict_check};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// A database of the sample articles plus generated briefs (well over the items page limit of
/// 1,000), ingested by the CLI, and a server started on it (its index built from the store, as
/// the exporter builds its own).
struct Fixture {
    dir: PathBuf,
    db: PathBuf,
    server: common::Server,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        // under target/ (a static is never dropped, so a temporary directory would stay behind);
        // emptied at the start of each run
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("export-test");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("export.db");
        let jsonl = dir.join("briefs.jsonl");
        let mut lines = String::new();
        for i in 0..150u64 {
            let article = serde_json::json!({
                "title": format!("Brief {i}"),
                "url": format!("https://example.org/briefs/{i}"),
                "source": "sitrep tests",
                "published": format!("2022-{:02}-{:02}", 1 + i % 6, 1 + i % 28),
                "text": common::news_text(1200, i + 1),
            });
            lines.push_str(&article.to_string());
            lines.push('\n');
        }
        std::fs::write(&jsonl, lines).unwrap();
        let samples: Vec<PathBuf> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/articles"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        let out = sitrep().arg("ingest").arg("--db").arg(&db).arg(&jsonl).args(&samples).output().unwrap();
        assert!(out.status.success(), "ingest: {}", String::from_utf8_lossy(&out.stderr));
        let server = common::start_on(&db, &[]);
        Fixture { dir, db, server }
    })
}

fn sitrep() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sitrep"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Runs `sitrep export ARGS` on the fixture's database; returns stdout.
fn export(args: &[&str]) -> String {
    let f = fixture();
    let out = sitrep().arg("export").arg("--db").arg(&f.db).args(args).output().unwrap();
    assert!(out.status.success(), "export {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn out_path(name: &str) -> PathBuf {
    let dir = fixture().dir.join("out");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn get_json(url: &str) -> Value {
    let r = common::client().get(url).send().unwrap();
    assert!(r.status().is_success(), "{url}: {}", r.status());
    r.json().unwrap()
}

/// `numberMatched` of an items query.
fn matched(query: &str) -> u64 {
    let base = &fixture().server.base;
    get_json(&format!("{base}/collections/incidents/items?limit=1&{query}"))["numberMatched"].as_u64().unwrap()
}

/// The raw (not gzipped) tile the server answers, empty for a 204.
fn served_tile(z: u8, x: u32, y: u32) -> Vec<u8> {
    let base = &fixture().server.base;
    let r = common::client()
        .get(format!("{base}/tiles/{z}/{x}/{y}.mvt"))
        .header("Accept-Encoding", "identity")
        .send()
        .unwrap();
    match r.status().as_u16() {
        204 => Vec::new(),
        200 => r.bytes().unwrap().to_vec(),
        s => panic!("tile {z}/{x}/{y}: {s}"),
    }
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b).read_to_end(&mut out).unwrap();
    out
}

fn python_has(modules: &str) -> bool {
    Command::new("python3").args(["-c", &format!("import {modules}")]).output().is_ok_and(|o| o.status.success())
}

fn have_ogrinfo() -> bool {
    Command::new("ogrinfo").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// The numbers in the CLI summary `OUT: N tiles (M rendered, ...)`.
fn tile_counts(stdout: &str) -> (u64, u64) {
    let words: Vec<&str> = stdout.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "tiles").unwrap();
    (words[at - 1].parse().unwrap(), words[at + 1].trim_start_matches('(').parse().unwrap())
}

/// Every tile equal to the server's: decoded features, the strict MVT checks, and the bytes.
fn assert_same_as_served(tiles: &BTreeMap<(u8, u32, u32), Vec<u8>>) {
    for (&(z, x, y), raw) in tiles {
        let served = served_tile(z, x, y);
        assert!(!raw.is_empty(), "tile {z}/{x}/{y} stored empty");
        assert_eq!(decode(raw), decode(&served), "tile {z}/{x}/{y} differs from the server's");
        assert_eq!(strict_check(raw), Vec::<String>::new(), "tile {z}/{x}/{y}");
        assert!(*raw == served, "tile {z}/{x}/{y}: same features, different bytes");
    }
}

/// The tiles of zooms ≤ `z` the server answers with content.
fn served_tiles_up_to(z: u8) -> BTreeSet<(u8, u32, u32)> {
    let mut out = BTreeSet::new();
    for z in 0..=z {
        for x in 0..1u32 << z {
            for y in 0..1u32 << z {
                if !served_tile(z, x, y).is_empty() {
                    out.insert((z, x, y));
                }
            }
        }
    }
    out
}

#[test]
fn pmtiles_read_back_by_python_pmtiles_holds_the_served_tiles() {
    if !python_has("pmtiles.reader") {
        common::skip("the Python package pmtiles is missing (pip install pmtiles==3.8.1)");
        return;
    }
    let f = fixture();
    let archive = out_path("incidents.pmtiles");
    let stdout = export(&["--format", "pmtiles", "--minzoom", "0", "--maxzoom", "7", archive.to_str().unwrap()]);
    let (addressed, rendered) = tile_counts(&stdout);
    // the samples name Russia, Ukraine and Sudan: tiles inside them are copied, not rendered
    assert!(rendered < addressed, "{stdout}");

    let dump = f.dir.join("pmtiles-dump");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts/pmtiles_dump.py");
    let out = Command::new("python3").arg(&script).arg(&archive).arg(&dump).output().unwrap();
    assert!(out.status.success(), "pmtiles reader: {}", String::from_utf8_lossy(&out.stderr));
    let n: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert_eq!(n, addressed);

    let header: Value = serde_json::from_str(&std::fs::read_to_string(dump.join("header.json")).unwrap()).unwrap();
    assert_eq!(header["version"], 3);
    assert_eq!(header["tile_type"], "MVT");
    assert_eq!(header["tile_compression"], "GZIP");
    assert_eq!((header["min_zoom"].as_u64(), header["max_zoom"].as_u64()), (Some(0), Some(7)));
    assert_eq!(header["addressed_tiles_count"].as_u64(), Some(addressed));

    // metadata: valid TileJSON 3.0.0, the layers and fields of the server's /tiles.json
    let meta: Value = serde_json::from_str(&std::fs::read_to_string(dump.join("metadata.json")).unwrap()).unwrap();
    let served = get_json(&format!("{}/tiles.json", f.server.base));
    assert_eq!(meta["tilejson"], "3.0.0");
    let tiles = meta["tiles"].as_array().expect("tiles is an array");
    assert!(!tiles.is_empty() && tiles.iter().all(|t| t.as_str().is_some_and(|t| t.contains("{z}/{x}/{y}"))));
    assert_eq!((meta["minzoom"].as_u64(), meta["maxzoom"].as_u64()), (Some(0), Some(7)));
    let b: Vec<f64> = meta["bounds"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert!(b.len() == 4 && b[0] < b[2] && b[1] < b[3] && b[0] >= -180.0 && b[2] <= 180.0 && b[1] >= -85.06);
    assert_eq!(meta["bounds"], served["bounds"]);
    for key in ["name", "attribution", "scheme"] {
        assert_eq!(meta[key], served[key], "{key}");
    }
    let layers = |v: &Value| -> Vec<(String, Value)> {
        v["vector_layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["id"].as_str().unwrap().into(), l["fields"].clone()))
            .collect()
    };
    assert_eq!(layers(&meta), layers(&served));
    assert!(meta["vector_layers"].as_array().unwrap().iter().all(|l| l["fields"].is_object()));

    // every tile equal to the server's tile for the same z/x/y
    let mut archived = BTreeMap::new();
    for e in std::fs::read_dir(&dump).unwrap() {
        let p = e.unwrap().path();
        let Some(stem) = p.file_name().unwrap().to_str().unwrap().strip_suffix(".mvt") else { continue };
        let zxy: Vec<u32> = stem.split('-').map(|v| v.parse().unwrap()).collect();
        archived.insert((zxy[0] as u8, zxy[1], zxy[2]), std::fs::read(&p).unwrap());
    }
    assert_eq!(archived.len() as u64, addressed);
    assert_same_as_served(&archived);
    // and nothing the server has is missing (every tile of z0-z4 asked)
    let archived_low: BTreeSet<_> = archived.keys().copied().filter(|k| k.0 <= 4).collect();
    assert_eq!(archived_low, served_tiles_up_to(4));
}

#[test]
fn mbtiles_holds_the_served_tiles_and_gdal_reads_it() {
    let f = fixture();
    let file = out_path("incidents.mbtiles");
    let stdout = export(&["--maxzoom", "5", file.to_str().unwrap()]);
    let (addressed, _) = tile_counts(&stdout);
    let db = rusqlite::Connection::open(&file).unwrap();
    let meta: BTreeMap<String, String> = db
        .prepare("SELECT name, value FROM metadata")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(meta["format"], "pbf");
    assert_eq!((meta["minzoom"].as_str(), meta["maxzoom"].as_str()), ("0", "5"));
    let json: Value = serde_json::from_str(&meta["json"]).unwrap();
    let served = get_json(&format!("{}/tiles.json", f.server.base));
    let ids = |v: &Value| -> Vec<String> {
        v["vector_layers"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(ids(&json), ids(&served));
    let mut tiles = BTreeMap::new();
    let mut q = db.prepare("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles").unwrap();
    for row in q
        .query_map([], |r| Ok((r.get::<_, u8>(0)?, r.get::<_, u32>(1)?, r.get::<_, u32>(2)?, r.get::<_, Vec<u8>>(3)?)))
        .unwrap()
    {
        let (z, x, tms_row, data) = row.unwrap();
        tiles.insert((z, x, (1u32 << z) - 1 - tms_row), gunzip(&data));
    }
    assert_eq!(tiles.len() as u64, addressed);
    assert_same_as_served(&tiles);
    assert_eq!(tiles.keys().copied().filter(|k| k.0 <= 3).collect::<BTreeSet<_>>(), served_tiles_up_to(3));

    if !have_ogrinfo() {
        common::skip("GDAL's ogrinfo is missing (apt-get install gdal-bin)");
        return;
    }
    // GDAL's MBTiles driver, at a zoom above the clustering, around Syunik and Nagorno-Karabakh:
    // one point feature per point incident of the box (GDAL clips each tile to its extent, so a
    // point drawn in two tiles' buffers is read once)
    let bbox = "45.5,38.8,47.0,40.3";
    let file = out_path("syunik-z12.mbtiles");
    export(&["--bbox", bbox, "--minzoom", "12", "--maxzoom", "12", file.to_str().unwrap()]);
    let items = get_json(&format!("{}/collections/incidents/items?limit=10000&bbox={bbox}", f.server.base));
    let points = items["features"].as_array().unwrap().iter().filter(|f| f["geometry"]["type"] == "Point").count();
    assert!(points > 5, "{points} points in the box");
    let out = Command::new("ogrinfo")
        .args(["-ro", "-al", "-q", "-oo", "ZOOM_LEVEL=12"])
        .arg(&file)
        .arg("incidents")
        .output()
        .unwrap();
    assert!(out.status.success(), "ogrinfo: {}", String::from_utf8_lossy(&out.stderr));
    let listed = String::from_utf8_lossy(&out.stdout).matches("OGRFeature(incidents)").count();
    assert_eq!(listed, points, "point features GDAL reads from the MBTiles");
}

/// `Feature Count` of a layer as `ogrinfo -so` reports it, and the features `ogrinfo -al` lists.
fn ogr_counts(file: &Path, layer: &str) -> (u64, usize) {
    let so = Command::new("ogrinfo").args(["-ro", "-so"]).arg(file).arg(layer).output().unwrap();
    assert!(so.status.success(), "ogrinfo: {}", String::from_utf8_lossy(&so.stderr));
    let text = String::from_utf8_lossy(&so.stdout);
    let count = text.lines().find_map(|l| l.strip_prefix("Feature Count: ")).unwrap().trim().parse().unwrap();
    let al = Command::new("ogrinfo").args(["-ro", "-al", "-q"]).arg(file).arg(layer).output().unwrap();
    assert!(al.stderr.is_empty(), "ogrinfo warned: {}", String::from_utf8_lossy(&al.stderr));
    let listed = String::from_utf8_lossy(&al.stdout).matches(&format!("OGRFeature({layer})")).count();
    (count, listed)
}

#[test]
fn gpkg_read_by_gdal_with_every_incident_and_place() {
    if !have_ogrinfo() {
        common::skip("GDAL's ogrinfo is missing (apt-get install gdal-bin)");
        return;
    }
    let f = fixture();
    let file = out_path("incidents.gpkg");
    export(&[file.to_str().unwrap()]);
    let all = get_json(&format!("{}/health", f.server.base))["incidents"].as_u64().unwrap();
    assert!(all > 1000, "{all} incidents");
    assert_eq!(ogr_counts(&file, "incidents"), (all, all as usize));
    // each place once
    let table = out_path("for-places.csv");
    export(&[table.to_str().unwrap()]);
    let mut rd = csv::Reader::from_path(&table).unwrap();
    let col = rd.headers().unwrap().iter().position(|h| h == "place_id").unwrap();
    let places: BTreeSet<String> = rd.records().map(|r| r.unwrap()[col].to_string()).collect();
    assert_eq!(ogr_counts(&file, "places"), (places.len() as u64, places.len()));
    // a filtered export holds what the items query of the same filter matches
    let (bbox, datetime) = ("30,44,40,52", "2022-02-01/2022-04-30");
    let file = out_path("ukraine-spring.gpkg");
    export(&["--bbox", bbox, "--datetime", datetime, file.to_str().unwrap()]);
    let want = matched(&format!("bbox={bbox}&datetime={datetime}"));
    assert!(want > 10 && want < all, "{want}");
    assert_eq!(ogr_counts(&file, "incidents"), (want, want as usize));
    // properties and the point of one incident as the API has them
    let first =
        &get_json(&format!("{}/collections/incidents/items?limit=1&bbox={bbox}&datetime={datetime}", f.server.base))
            ["features"][0];
    let id = first["id"].as_u64().unwrap();
    let out = Command::new("ogrinfo")
        .args(["-ro", "-q", "-fid", &id.to_string()])
        .arg(&file)
        .arg("incidents")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let title = first["properties"]["title"].as_str().unwrap();
    assert!(text.contains(&format!("title (String) = {title}")), "{text}");
    let (lon, lat) = (first["properties"]["lon"].as_f64().unwrap(), first["properties"]["lat"].as_f64().unwrap());
    let point = text.lines().find(|l| l.trim_start().starts_with("POINT")).unwrap();
    let xy: Vec<f64> = point
        .trim()
        .trim_start_matches("POINT (")
        .trim_end_matches(')')
        .split(' ')
        .map(|v| v.parse().unwrap())
        .collect();
    assert!((xy[0] - lon).abs() < 1e-4 && (xy[1] - lat).abs() < 1e-4, "{point} vs {lon} {lat}");
}

#[test]
fn geojson_and_csv_files_match_the_items_query() {
    let f = fixture();
    // countries left out: their polygons would make the file large for nothing
    let (datetime, kind) = ("2022-03-01/2022-05-31", "settlement,admin1,corridor,line_of_contact");
    let want = matched(&format!("datetime={datetime}&kind={kind}"));
    let file = out_path("spring.geojson");
    export(&["--datetime", datetime, "--kind", kind, file.to_str().unwrap()]);
    let fc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len() as u64, want);
    // the same features as the items pages (full geometry), in id order
    let page = get_json(&format!(
        "{}/collections/incidents/items?limit=100&zoom=22&datetime={datetime}&kind={kind}",
        f.server.base
    ));
    assert_eq!(page["features"].as_array().unwrap().len() as u64, want.min(100));
    for (a, b) in features.iter().zip(page["features"].as_array().unwrap()) {
        assert_eq!(a["id"], b["id"]);
        assert_eq!(a["geometry"], b["geometry"]);
        assert_eq!(a["properties"], b["properties"]);
    }
    if have_ogrinfo() {
        assert_eq!(ogr_counts(&file, "spring"), (want, want as usize));
    } else {
        common::skip("GDAL's ogrinfo is missing (apt-get install gdal-bin)");
    }

    let file = out_path("spring.csv");
    export(&["--datetime", datetime, "--kind", kind, file.to_str().unwrap()]);
    let mut r = csv::Reader::from_path(&file).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    for col in ["mention_id", "place_id", "name", "kind", "published", "lon", "lat", "quote", "geometry_type"] {
        assert!(header.iter().any(|h| h == col), "{col} in {header:?}");
    }
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len() as u64, want);
    let idx = |c: &str| header.iter().position(|h| h == c).unwrap();
    for (row, feat) in rows.iter().zip(features) {
        assert_eq!(row[idx("mention_id")].parse::<u64>().unwrap(), feat["id"].as_u64().unwrap());
        assert_eq!(&row[idx("quote")], feat["properties"]["quote"].as_str().unwrap());
        assert_eq!(&row[idx("geometry_type")], feat["geometry"]["type"].as_str().unwrap());
    }
}

#[test]
fn http_download_streams_every_incident() {
    let f = fixture();
    let base = &f.server.base;
    let all = get_json(&format!("{base}/health"))["incidents"].as_u64().unwrap();
    assert!(all > 1000, "{all}: the download must go past the 1,000 page limit");
    let r = common::client().get(format!("{base}/export/incidents.geojson")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    assert!(r.headers().get("content-length").is_none(), "streamed, not buffered: {:?}", r.headers());
    let fc: Value = r.json().unwrap();
    let ids: Vec<u64> = fc["features"].as_array().unwrap().iter().map(|f| f["id"].as_u64().unwrap()).collect();
    assert_eq!(ids.len() as u64, all);
    assert!(ids.windows(2).all(|w| w[0] < w[1]));

    let bbox = "30,44,40,52";
    let want = matched(&format!("bbox={bbox}&kind=settlement"));
    let r = common::client().get(format!("{base}/export/incidents.csv?bbox={bbox}&kind=settlement")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = r.text().unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let kind = rd.headers().unwrap().iter().position(|h| h == "kind").unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len() as u64, want);
    assert!(want > 0 && rows.iter().all(|r| &r[kind] == "settlement"));

    // gzip on request, same content
    let r = common::client()
        .get(format!("{base}/export/incidents.geojson?bbox={bbox}"))
        .header("Accept-Encoding", "gzip")
        .send()
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let fc: Value = serde_json::from_slice(&gunzip(&r.bytes().unwrap())).unwrap();
    assert_eq!(fc["features"].as_array().unwrap().len() as u64, matched(&format!("bbox={bbox}")));

    for (path, status, word) in [
        ("/export/incidents.geojson?limit=10", 400, "limit"),
        ("/export/incidents.csv?bbox=1,2,3", 400, "bbox"),
        ("/export/incidents.geojson?colour=red", 400, "colour"),
        ("/export/incidents.shp", 404, "incidents.geojson"),
    ] {
        let r = common::client().get(format!("{base}{path}")).send().unwrap();
        assert_eq!(r.status().as_u16(), status, "{path}");
        let v: Value = r.json().unwrap();
        assert!(v["message"].as_str().unwrap().contains(word), "{path}: {v}");
    }
}

#[test]
fn export_errors_name_the_file_and_leave_nothing_behind() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = sitrep().arg("export").args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        err
    };
    let db = f.db.to_str().unwrap();
    let missing_dir = dir.path().join("no/such/dir/out.pmtiles");
    let err = run(&["--db", db, missing_dir.to_str().unwrap()]);
    assert!(err.contains("no/such/dir/out.pmtiles"), "{err}");
    let out = dir.path().join("out.gpkg");
    let err = run(&["--db", "/nonexistent/sitrep.db", out.to_str().unwrap()]);
    assert!(err.contains("/nonexistent/sitrep.db"), "{err}");
    let err = run(&["--db", db, "--bbox", "10,60,5,50", out.to_str().unwrap()]);
    assert!(err.contains("bbox"), "{err}");
    let err = run(&["--db", db, "--minzoom", "9", "--maxzoom", "3", out.to_str().unwrap()]);
    assert!(err.contains("minzoom"), "{err}");
    let err = run(&["--db", db, dir.path().join("out.shp").to_str().unwrap()]);
    assert!(err.contains("out.shp") && err.contains("--format"), "{err}");
    // a directory in the way of OUT: the export fails at the rename, and no temporary file stays
    let blocked = dir.path().join("blocked.csv");
    std::fs::create_dir(&blocked).unwrap();
    std::fs::write(blocked.join("keep"), "x").unwrap();
    let err = run(&["--db", db, blocked.to_str().unwrap()]);
    assert!(err.contains("blocked.csv"), "{err}");
    let left: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(left, vec!["blocked.csv".to_string()], "nothing but the directory: {left:?}");
}
