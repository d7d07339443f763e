//! Vector tiles from the real server: an article posted to an empty store shows up in the tiles
//! (areas, lines, named points), every tile passes the strict MVT checks, and the HTTP semantics
//! (204, gzip, ETag/304, invalidation on ingest) hold.

mod common;

use common::mvt::{decode, strict_check, Decoded};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const TOKEN: &str = "tiles-token";

/// Written for this test: the kinds of places of the seed article (a province, a corridor, the line
/// of contact, capitals), in other words.
const OWN_ARTICLE: &str = "Armenian officials in Yerevan said on Thursday that troops had crossed \
the Armenian-Azerbaijani border in Syunik Province. The defence ministry in Baku denied the claim. \
Russian peacekeepers remain deployed along the engagement line in Nagorno-Karabakh and along the \
Lachin Corridor.";

use common::tile_of;

fn fetch(base: &str, z: u8, x: u32, y: u32) -> Decoded {
    tile_with(base, z, x, y, "")
}

fn place_ids(tile: &Decoded, layer: &str) -> Vec<String> {
    tile.get(layer)
        .map(|fs| {
            fs.iter()
                .filter_map(|(_, _, p)| {
                    p.get("place_id")
                        .map(|v| v.trim_matches(|c| !char::is_alphanumeric(c) && c != ':' && c != '-').to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

fn check_article_in_tiles(text: &str, date: &str) {
    let server = common::start(Some(TOKEN), &["--no-samples"]);
    let base = &server.base;
    let r = common::client()
        .post(format!("{base}/api/articles"))
        .bearer_auth(TOKEN)
        .json(&json!({"title": "Border incident", "url": "https://example.org/a", "published": date, "text": text}))
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let (x, y) = tile_of(46.15, 39.25, 6);
    let z6 = fetch(base, 6, x, y);
    let areas = place_ids(&z6, "areas");
    assert!(areas.iter().any(|p| p.contains("ne-admin1:AM-SU")), "Syunik Province in areas: {areas:?}");
    let lines = place_ids(&z6, "lines");
    assert!(lines.iter().any(|p| p.contains("sitrep:lachin-corridor")), "Lachin Corridor in lines: {lines:?}");
    assert!(lines.iter().any(|p| p.contains("line-of-contact")), "the line of contact in lines: {lines:?}");
    for (name, lon, lat) in [("Yerevan", 44.513, 40.178), ("Baku", 49.892, 40.378)] {
        let (x, y) = tile_of(lon, lat, 12);
        let t = fetch(base, 12, x, y);
        let named = t.get("incidents").is_some_and(|fs| {
            fs.iter().any(|(id, _, p)| id.is_some() && p.get("place_name").is_some_and(|v| v.contains(name)))
        });
        assert!(named, "{name} as a named feature in incidents of z12 {x}/{y}: {t:?}");
    }
}

#[test]
fn an_article_shows_up_in_the_tiles() {
    check_article_in_tiles(OWN_ARTICLE, "2021-05-14");
}

#[test]
fn the_seed_article_shows_up_in_the_tiles() {
    match common::seed_article() {
        Some(text) => check_article_in_tiles(&text, "2021-05-14"),
        None => common::skip("../shared/seed is not present"),
    }
}

#[test]
fn tile_http_semantics_and_invalidation() {
    let server = common::start(Some(TOKEN), &["--no-samples"]);
    let base = &server.base;
    let c = common::client();
    // Nothing stored yet: empty tile.
    let (x, y) = tile_of(46.342, 39.511, 10);
    let r = c.get(format!("{base}/tiles/10/{x}/{y}.mvt")).send().unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // An ingest touching that tile invalidates it at once.
    let r = c
        .post(format!("{base}/api/articles"))
        .bearer_auth(TOKEN)
        .json(&json!({"title": "Goris", "published": "2023-09-25", "text": "Thousands of refugees arrived in Goris, Armenia, on Monday."}))
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().unwrap();
    let ids: Vec<u64> =
        v["articles"][0]["mention_ids"].as_array().unwrap().iter().map(|i| i.as_u64().unwrap()).collect();
    let r = c.get(format!("{base}/tiles/10/{x}/{y}.mvt")).header("Accept-Encoding", "gzip").send().unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/vnd.mapbox-vector-tile");
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("max-age"));
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&r.bytes().unwrap()[..]), &mut raw).unwrap();
    let t = decode(&raw);
    let goris = t
        .get("incidents")
        .map(|fs| {
            fs.iter().any(|(id, _, p)| {
                ids.contains(&id.unwrap_or(0)) && p.get("place_id").is_some_and(|v| v.contains("geonames:174895"))
            })
        })
        .unwrap_or(false);
    assert!(goris, "Goris is in the tile with its mention id: {t:?}");
    let r = c
        .get(format!("{base}/tiles/10/{x}/{y}.mvt"))
        .header("Accept-Encoding", "gzip")
        .header("If-None-Match", &etag)
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    // TileJSON names the layers and credits GeoNames.
    let tj: Value = c.get(format!("{base}/tiles.json")).send().unwrap().json().unwrap();
    assert_eq!(tj["tilejson"], "3.0.0");
    let layers: Vec<&str> = tj["vector_layers"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(layers, ["incidents", "areas", "lines"]);
    assert!(tj["attribution"].as_str().unwrap().contains("GeoNames"));
    // The basemap works offline from the shipped gazetteer.
    let b = c.get(format!("{base}/basemap/2/2/1.mvt")).header("Accept-Encoding", "identity").send().unwrap();
    assert_eq!(b.status(), StatusCode::OK);
    let bm = decode(&b.bytes().unwrap());
    assert!(
        bm.get("countries").is_some_and(|f| !f.is_empty()) && bm.get("country_labels").is_some_and(|f| !f.is_empty()),
        "{:?}",
        bm.keys()
    );
}

/// Points of the `incidents` layer drawn inside the tile (not its buffer): a cluster counts its
/// `point_count`, a single incident 1.
fn points_inside(t: &Decoded) -> u64 {
    t.get("incidents")
        .map(|fs| {
            fs.iter()
                .filter(|(_, g, _)| {
                    matches!(g, geo_types::Geometry::Point(p) if (0..4096).contains(&p.x()) && (0..4096).contains(&p.y()))
                })
                .map(|(_, _, p)| p.get("point_count").map_or(1, |v| v.trim_matches(|c: char| !c.is_ascii_digit()).parse::<u64>().unwrap()))
                .sum()
        })
        .unwrap_or(0)
}

/// A tile with a query string, checked against MVT 2.1 and decoded (200 or 204 only).
fn tile_with(base: &str, z: u8, x: u32, y: u32, query: &str) -> Decoded {
    let r = common::client()
        .get(format!("{base}/tiles/{z}/{x}/{y}.mvt?{query}"))
        .header("Accept-Encoding", "identity")
        .send()
        .unwrap();
    assert!(
        r.status() == StatusCode::OK || r.status() == StatusCode::NO_CONTENT,
        "{z}/{x}/{y}?{query}: {}",
        r.status()
    );
    let bytes = r.bytes().unwrap();
    let problems = strict_check(&bytes);
    assert!(problems.is_empty(), "tile {z}/{x}/{y}?{query} breaks MVT 2.1: {problems:?}");
    decode(&bytes)
}

/// Issue 15: a datetime filter on a tile changes its clusters' `point_count` to exactly the number
/// of matching incidents (the items' `numberMatched` for the same filter and the tile's bbox), and
/// clusters carry their bounds and the zoom at which they split.
#[test]
fn filtered_tiles_count_what_the_filter_lets_through() {
    let server = common::start(Some(TOKEN), &["--no-samples"]);
    let base = &server.base;
    let c = common::client();
    // towns of the south Caucasus, reported on two dates (written for this test)
    let reports = [
        ("2021-05-12", "Shelling was reported overnight in Goris and in Kapan, Armenia."),
        ("2021-05-14", "Residents of Sisian, Armenia, said troops had dug in near the town."),
        ("2021-05-20", "A drone struck a depot outside Ganja, Azerbaijan."),
        ("2021-07-02", "Protesters gathered in Gyumri and Vanadzor, Armenia, on Friday."),
        ("2021-07-03", "Shelling hit Barda and Tartar, Azerbaijan, on Saturday."),
        ("2021-07-05", "Police in Rustavi, Georgia, detained three men."),
    ];
    for (date, text) in reports {
        let r = c
            .post(format!("{base}/api/articles"))
            .bearer_auth(TOKEN)
            .json(&json!({"title": text, "published": date, "text": text}))
            .send()
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let (x, y) = tile_of(45.0, 40.5, 3);
    let n = 8.0f64;
    let lon = |x: f64| x / n * 360.0 - 180.0;
    let lat = |y: f64| (std::f64::consts::PI * (1.0 - 2.0 * y / n)).sinh().atan().to_degrees();
    let bbox =
        format!("{},{},{},{}", lon(f64::from(x)), lat(f64::from(y + 1)), lon(f64::from(x + 1)), lat(f64::from(y)));
    let matched = |q: &str| -> u64 {
        let v: Value = c
            .get(format!("{base}/collections/incidents/items?bbox={bbox}&kind=settlement&limit=1&{q}"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        v["numberMatched"].as_u64().unwrap()
    };
    let all = matched("");
    let may = matched("datetime=2021-05-01/2021-05-31");
    assert!(may > 0 && may < all, "the filter must split the set: {may} of {all}");
    let plain = tile_with(base, 3, x, y, "kind=settlement");
    assert_eq!(points_inside(&plain), all);
    let filtered = tile_with(base, 3, x, y, "kind=settlement&datetime=2021-05-01/2021-05-31");
    assert_eq!(points_inside(&filtered), may, "{filtered:?}");
    // the unfiltered tile counts every point, whatever the kinds
    assert!(points_inside(&tile_with(base, 3, x, y, "")) >= all);
    // clusters say where they are and when they split
    let clusters: Vec<&BTreeMap<String, String>> =
        filtered["incidents"].iter().filter(|(_, _, p)| p.contains_key("point_count")).map(|(_, _, p)| p).collect();
    assert!(!clusters.is_empty(), "{filtered:?}");
    for p in clusters {
        let num = |k: &str| {
            p[k].trim_matches(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')).parse::<f64>().unwrap()
        };
        let ez = num("expansion_zoom");
        assert!(ez > 3.0 && ez <= 12.0, "{p:?}");
        assert!(num("min_lon") <= num("max_lon") && num("min_lat") <= num("max_lat"), "{p:?}");
        assert!(
            num("min_lon") > 40.0 && num("max_lon") < 50.0 && num("min_lat") > 38.0 && num("max_lat") < 42.5,
            "{p:?}"
        );
    }
    // another filter, another tile; and a parameter tiles do not take is refused by name
    let july = tile_with(base, 3, x, y, "kind=settlement&datetime=2021-07-01/2021-07-31");
    assert_eq!(points_inside(&july), matched("datetime=2021-07-01/2021-07-31"));
    // a CQL2 filter draws the same tile as the parameters that mean the same
    let cql2 = tile_with(
        base,
        3,
        x,
        y,
        "filter=kind%3D%27settlement%27%20AND%20T_INTERSECTS(datetime%2CINTERVAL(%272021-05-01%27%2C%272021-05-31%27))",
    );
    assert_eq!(points_inside(&cql2), may, "{cql2:?}");
    let r = c.get(format!("{base}/tiles/3/{x}/{y}.mvt?filter=no_such_property%3D1")).send().unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().unwrap().contains("no_such_property"));
    let r = c.get(format!("{base}/tiles/3/{x}/{y}.mvt?limit=5")).send().unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: Value = r.json().unwrap();
    assert!(e.to_string().contains("limit"), "{e}");
    let r = c.get(format!("{base}/tiles/3/{x}/{y}.mvt?datetime=2021-02-31")).send().unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

/// Issue 15: `/tiles.json` reads as TileJSON 3.0.0 with the `tilejson` crate (Martin's), and its
/// `vector_layers` list every attribute a tile carries (the schema's fields), so GDAL's MVT driver
/// and MapLibre see them all.
#[test]
fn tilejson_is_valid_and_lists_every_tile_attribute() {
    let server = common::start(Some(TOKEN), &["--no-samples"]);
    let base = &server.base;
    let c = common::client();
    let r = c
        .post(format!("{base}/api/articles"))
        .bearer_auth(TOKEN)
        .json(&json!({"title": "Goris", "published": "2023-09-25", "text": "Refugees arrived in Goris and Kapan, Armenia."}))
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = c.get(format!("{base}/tiles.json")).send().unwrap().json().unwrap();
    let tj: tilejson::TileJSON = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("not TileJSON: {e}: {v}"));
    assert_eq!(tj.tilejson, "3.0.0");
    assert_eq!(tj.tiles, [format!("{base}/tiles/{{z}}/{{x}}/{{y}}.mvt")]);
    assert!(tj.minzoom.unwrap_or(0) <= tj.maxzoom.unwrap_or(30));
    let b = tj.bounds.expect("bounds");
    assert!(b.left >= -180.0 && b.right <= 180.0 && b.bottom >= -90.0 && b.top <= 90.0 && b.left <= b.right, "{b:?}");
    let layers = tj.vector_layers.expect("vector_layers");
    let fields = |id: &str| -> Vec<String> {
        layers.iter().find(|l| l.id == id).unwrap_or_else(|| panic!("layer {id}")).fields.keys().cloned().collect()
    };
    use sitrep::schema::{FieldType, AGGREGATE_FIELDS, CLUSTER_FIELDS, MENTION_FIELDS};
    // every scalar property (objects such as `relation` are GeoJSON-only, never tile tags)
    let scalar = |f: &&sitrep::schema::Field| f.ty != FieldType::Object;
    let incidents = fields("incidents");
    for f in MENTION_FIELDS.iter().chain(CLUSTER_FIELDS).filter(scalar) {
        assert!(incidents.iter().any(|k| k == f.name), "incidents lacks {}: {incidents:?}", f.name);
    }
    for id in ["areas", "lines"] {
        let have = fields(id);
        for f in MENTION_FIELDS.iter().chain(AGGREGATE_FIELDS).filter(scalar) {
            assert!(have.iter().any(|k| k == f.name), "{id} lacks {}: {have:?}", f.name);
        }
    }
    // and every tag of real tiles is listed: a cluster (z3) and single points (z12)
    let mut clusters = 0;
    for z in [3u8, 12] {
        let (x, y) = tile_of(46.34, 39.51, z);
        let t = fetch(base, z, x, y);
        for (_, _, props) in t.get("incidents").unwrap_or_else(|| panic!("Goris at z{z}")) {
            clusters += usize::from(props.contains_key("point_count"));
            for k in props.keys() {
                assert!(incidents.contains(k), "tile tag {k} not in TileJSON: {incidents:?}");
            }
        }
    }
    assert!(clusters > 0, "Goris and Kapan cluster at z3");
}

/// With `--tile-stale-ms`, a cached tile that a write made out of date is still served for a
/// while (writes then cost no render); a request whose `v=` names the write's generation (from
/// `/api/events`, as the map sends it) gets the tile that shows it, and without `v=` the change
/// shows once the stale time is over.
#[test]
fn out_of_date_tiles_are_served_for_a_bounded_time_unless_v_asks_for_the_change() {
    let server = common::start(Some(TOKEN), &["--no-samples", "--tile-stale-ms", "6000"]);
    let base = &server.base;
    let c = common::client();
    let post = |text: &str| {
        let r = c
            .post(format!("{base}/api/articles"))
            .bearer_auth(TOKEN)
            .json(&json!({"published": "2023-09-25", "text": text}))
            .send()
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    };
    let (x, y) = tile_of(46.342, 39.511, 10);
    let get = |query: &str| -> (String, u64) {
        let r = c.get(format!("{base}/tiles/10/{x}/{y}.mvt{query}")).send().unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        (etag, points_inside(&decode(&r.bytes().unwrap())))
    };
    post("Thousands of refugees arrived in Goris, Armenia, on Monday.");
    let (first, n1) = get("");
    assert_eq!(n1, 1);
    let events = common::listen(&format!("{base}/api/events"));
    post("More refugees reached Goris, Armenia, on Tuesday.");
    // the event names the generation that shows the new mention
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut generation = None;
    while generation.is_none() && std::time::Instant::now() < deadline {
        if let Ok(line) = events.recv_timeout(std::time::Duration::from_millis(200)) {
            if let Some(data) = line.strip_prefix("data:") {
                let d: Value = serde_json::from_str(data.trim()).unwrap();
                generation = d["generation"].as_u64();
            }
        }
    }
    let generation = generation.expect("an ingest event with its generation");
    // at once: the cached tile is out of date and still served
    assert_eq!(get(""), (first.clone(), 1), "within --tile-stale-ms the cached tile is served");
    // asking for the change's generation: the tile that shows it
    let (second, n2) = get(&format!("?v={generation}"));
    assert_ne!(second, first);
    assert_eq!(n2, 2);
    // which is now the cached one
    assert_eq!(get(""), (second.clone(), 2));
    // a third article: without v= it shows within the stale time (6 s) plus a render
    post("A third convoy of refugees came to Goris, Armenia, on Wednesday.");
    let shown = common::within(std::time::Duration::from_secs(12), || get("").1 == 3);
    assert!(shown.is_some(), "the third mention never showed without v=");
}
