//! Integration tests of the index and the vector tiles: decode with fast-mvt's reader, a strict
//! MVT 2.1 command-stream check in Rust, brute-force comparison of bbox queries, and (when
//! ../shared/tools/mvt_check.py and python3 with mapbox-vector-tile exist) the shared checker.

use std::collections::HashSet;

mod common;

use common::mvt::{area2, decode, strict_check};
use geo::Intersects;
use geo_types::{coord, Coord, Geometry, LineString, Point, Polygon, Rect};
use serde_json::{json, Map, Value};
use sitrep::index::{Incident, IndexSnapshot, Layer, SpatialIndex};
use sitrep::schema::Props;
use sitrep::tiles::grid::{lonlat_to_tile, tile_for_lonlat, tile_to_lonlat, TileId};
use sitrep::tiles::{basemap_tile, gzip, incidents_tile, Basemap, BasemapFeature, BasemapLayer, TileError};

// ---------- helpers ----------

struct Rng(u64);
impl Rng {
    fn f(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.f()
    }
}

fn props(id: u64) -> Map<String, Value> {
    match json!({
        "mention_id": id, "place_name": format!("Place {id}"), "precision": 2, "confidence": 0.75,
        "approximate": id.is_multiple_of(2), "delta": -5, "nothing": null, "nested": {"a": 1}, "list": [1, 2],
    }) {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn incident(id: u64, geometry: Geometry<f64>, layer: Layer) -> Incident {
    let i = Incident::anonymous(id, geometry, "settlement", 2, Some(1_700_000_000), Props::Json(props(id)));
    assert_eq!(i.layer(), layer, "the layer follows the geometry");
    i
}

fn star(rng: &mut Rng, cx: f64, cy: f64, r: f64) -> Polygon<f64> {
    let n = 8 + (rng.f() * 20.0) as usize;
    let mut ring: Vec<Coord<f64>> = (0..n)
        .map(|k| {
            let a = std::f64::consts::TAU * k as f64 / n as f64;
            let rr = r * (0.5 + rng.f() * 0.5);
            coord! { x: cx + a.cos() * rr, y: (cy + a.sin() * rr).clamp(-84.0, 84.0) }
        })
        .collect();
    ring.push(ring[0]);
    Polygon::new(LineString(ring), vec![])
}

/// Seeded random data set: points around hotspots, random-walk lines, star polygons.
fn random_incidents(seed: u64, n_points: usize, n_lines: usize, n_polys: usize) -> Vec<Incident> {
    let mut rng = Rng(seed);
    let hot: Vec<(f64, f64, f64)> =
        (0..30).map(|_| (rng.range(-180.0, 180.0), rng.range(-70.0, 70.0), rng.range(0.05, 3.0))).collect();
    let mut out = Vec::new();
    let mut id = 0u64;
    let near = |rng: &mut Rng| {
        let h = hot[(rng.f() * hot.len() as f64) as usize];
        let lon = h.0 + (rng.f() - 0.5) * 2.0 * h.2;
        let lon = if lon >= 180.0 {
            lon - 360.0
        } else if lon < -180.0 {
            lon + 360.0
        } else {
            lon
        };
        (lon, (h.1 + (rng.f() - 0.5) * 2.0 * h.2).clamp(-84.0, 84.0))
    };
    for _ in 0..n_points {
        id += 1;
        let (x, y) = near(&mut rng);
        out.push(incident(id, Point::new(x, y).into(), Layer::Incidents));
    }
    for i in 0..n_lines {
        id += 1;
        let (mut x, mut y) = near(&mut rng);
        if i % 50 == 0 {
            x = 179.5;
        }
        let n = 5 + (rng.f() * 20.0) as usize;
        let mut c = Vec::new();
        for _ in 0..n {
            c.push(coord! { x: x, y: y });
            x += (rng.f() - 0.3) * 0.2;
            y = (y + (rng.f() - 0.5) * 0.2).clamp(-84.0, 84.0);
        }
        out.push(incident(id, LineString(c).into(), Layer::Lines));
    }
    for i in 0..n_polys {
        id += 1;
        let (mut x, y) = near(&mut rng);
        if i % 50 == 0 {
            x = 179.8;
        }
        let r = rng.range(0.01, 0.5);
        out.push(incident(id, star(&mut rng, x, y, r).into(), Layer::Areas));
    }
    out
}

// ---------- tests ----------

#[test]
fn decoded_tile_has_layers_ids_props_and_coordinates() {
    let kyiv = (30.5234, 50.4501);
    let t = tile_for_lonlat(kyiv.0, kyiv.1, 14);
    // a line and a polygon near the point, all inside the tile
    let a = tile_to_lonlat(&t, coord! { x: 1000.0, y: 1000.0 });
    let b = tile_to_lonlat(&t, coord! { x: 3000.0, y: 1200.0 });
    let sq: Vec<Coord<f64>> = [(500.0, 2500.0), (1500.0, 2500.0), (1500.0, 3500.0), (500.0, 3500.0), (500.0, 2500.0)]
        .iter()
        .map(|&(x, y)| tile_to_lonlat(&t, coord! { x: x, y: y }))
        .collect();
    let snap = IndexSnapshot::build(vec![
        incident(11, Point::new(kyiv.0, kyiv.1).into(), Layer::Incidents),
        incident(12, LineString(vec![a, b]).into(), Layer::Lines),
        incident(13, Polygon::new(LineString(sq), vec![]).into(), Layer::Areas),
    ]);
    let bytes = incidents_tile(&snap, t.z, t.x, t.y).unwrap();
    assert!(strict_check(&bytes).is_empty(), "{:?}", strict_check(&bytes));
    let d = decode(&bytes);
    assert_eq!(d.keys().cloned().collect::<Vec<_>>(), vec!["areas", "incidents", "lines"]);
    let (id, g, p) = &d["incidents"][0];
    assert_eq!(*id, Some(11));
    let expect = lonlat_to_tile(&t, kyiv.0, kyiv.1);
    let Geometry::Point(pt) = g else { panic!("{g:?}") };
    assert_eq!((pt.x(), pt.y()), (expect.x.round() as i32, expect.y.round() as i32));
    assert_eq!(p["place_name"], "\"Place 11\"");
    assert_eq!(p["precision"], "2 (uint)");
    assert_eq!(p["confidence"], "0.75 (double)");
    assert_eq!(p["approximate"], "false (bool)");
    assert_eq!(p["delta"], "-5 (sint)");
    assert_eq!(p["mention_id"], "11 (uint)");
    assert!(!p.contains_key("nothing") && !p.contains_key("nested") && !p.contains_key("list"));
    let (id, g, _) = &d["lines"][0];
    assert_eq!(*id, Some(12));
    assert_eq!(g, &Geometry::LineString(LineString::from(vec![(1000, 1000), (3000, 1200)])));
    let (id, g, _) = &d["areas"][0];
    assert_eq!(*id, Some(13));
    let Geometry::Polygon(poly) = g else { panic!("{g:?}") };
    let mut xs: Vec<(i32, i32)> = poly.exterior().0.iter().map(|c| (c.x, c.y)).collect();
    xs.sort();
    xs.dedup();
    assert_eq!(xs, vec![(500, 2500), (500, 3500), (1500, 2500), (1500, 3500)]);
    // gzip round trip
    let gz = gzip(&bytes);
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut out).unwrap();
    assert_eq!(out, bytes);
}

#[test]
fn empty_and_out_of_range_tiles() {
    let snap = IndexSnapshot::build(vec![incident(1, Point::new(10.0, 10.0).into(), Layer::Incidents)]);
    assert!(incidents_tile(&snap, 14, 0, 0).unwrap().is_empty());
    assert!(matches!(incidents_tile(&snap, 23, 0, 0), Err(TileError::ZoomOutOfRange(23))));
    assert!(matches!(incidents_tile(&snap, 4, 16, 0), Err(TileError::OutOfRange { .. })));
    assert!(matches!(incidents_tile(&snap, 4, 0, 16), Err(TileError::OutOfRange { .. })));
}

#[test]
fn point_just_outside_the_buffer_is_dropped() {
    // above the clustering zooms, so each point is drawn as itself
    let t = TileId::new(13, 4800, 2400).unwrap();
    let inside = tile_to_lonlat(&t, coord! { x: 4150.0, y: 100.0 });
    let outside = tile_to_lonlat(&t, coord! { x: 4200.0, y: 100.0 });
    let snap = IndexSnapshot::build(vec![
        incident(1, Point(inside).into(), Layer::Incidents),
        incident(2, Point(outside).into(), Layer::Incidents),
    ]);
    let d = decode(&incidents_tile(&snap, t.z, t.x, t.y).unwrap());
    let ids: Vec<Option<u64>> = d["incidents"].iter().map(|f| f.0).collect();
    assert_eq!(ids, vec![Some(1)]);
    assert_eq!(d["incidents"][0].1, Geometry::Point(Point::new(4150, 100)));
}

#[test]
fn clustering_is_deterministic_and_counts_sum() {
    let inc = random_incidents(3, 3000, 0, 0);
    let snap = IndexSnapshot::build(inc.clone());
    let mut rev = inc.clone();
    rev.reverse();
    let snap_rev = IndexSnapshot::build(rev);
    // z0: the whole world in one tile; every point counted exactly once
    let bytes = incidents_tile(&snap, 0, 0, 0).unwrap();
    assert_eq!(bytes, incidents_tile(&snap_rev, 0, 0, 0).unwrap());
    assert!(strict_check(&bytes).is_empty());
    let d = decode(&bytes);
    let mut total = 0u64;
    let mut clusters = 0;
    for (_, _, p) in &d["incidents"] {
        if p.get("cluster").map(String::as_str) == Some("true (bool)") {
            clusters += 1;
            let n: u64 = p["point_count"].split(' ').next().unwrap().parse().unwrap();
            assert!(n >= 2);
            assert!(p.contains_key("point_count_abbreviated"));
            total += n;
        } else {
            total += 1;
        }
    }
    assert!(clusters > 0);
    assert_eq!(total, 3000);
    // z12 is not clustered
    let p = inc[0].geometry();
    let Geometry::Point(p) = p else { unreachable!() };
    let t = tile_for_lonlat(p.x(), p.y(), 12);
    let d = decode(&incidents_tile(&snap, t.z, t.x, t.y).unwrap());
    assert!(d["incidents"].iter().all(|f| !f.2.contains_key("cluster")));
}

#[test]
fn bbox_queries_match_brute_force() {
    let inc = random_incidents(7, 3000, 500, 500);
    let snap = IndexSnapshot::build(inc.clone());
    assert_eq!(snap.len(), 4000);
    let mut rng = Rng(99);
    let mut nonempty = 0;
    for q in 0..300 {
        let size = if q % 3 == 0 { 30.0 } else { 3.0 };
        let (w, s) = if q % 4 == 0 {
            (rng.range(-180.0, 175.0), rng.range(-85.0, 80.0))
        } else {
            let p = inc[(rng.f() * inc.len() as f64) as usize].point();
            ((p.x() - rng.f() * size / 2.0).max(-180.0), (p.y() - rng.f() * size / 2.0).max(-85.0))
        };
        let bbox = [w, s, (w + rng.f() * size).min(180.0), (s + rng.f() * size).min(85.0)];
        let rect = Rect::new(coord! { x: bbox[0], y: bbox[1] }, coord! { x: bbox[2], y: bbox[3] });
        // brute force on geometries that do not cross the antimeridian (those are tested apart)
        let expect: Vec<u64> = inc
            .iter()
            .filter(|i| {
                let bb = geo::BoundingRect::bounding_rect(i.geometry()).unwrap();
                bb.max().x <= 180.0 && i.geometry().intersects(&rect)
            })
            .map(|i| i.id)
            .collect();
        let got: Vec<u64> = snap
            .query_bbox_lonlat(bbox)
            .into_iter()
            .filter(|i| geo::BoundingRect::bounding_rect(i.geometry()).unwrap().max().x <= 180.0)
            .map(|i| i.id)
            .collect();
        assert_eq!(got, expect, "bbox {bbox:?}");
        nonempty += usize::from(!expect.is_empty());
    }
    assert!(nonempty > 150, "{nonempty}");
}

#[test]
fn snapshot_isolation_under_insert() {
    let idx = SpatialIndex::from_incidents(random_incidents(5, 500, 50, 50));
    let before = idx.snapshot();
    let n = before.len();
    let touched = idx.insert(vec![incident(10_000, Point::new(1.0, 2.0).into(), Layer::Incidents)]).unwrap();
    assert_eq!(touched, [1.0, 2.0, 1.0, 2.0]);
    assert_eq!(before.len(), n);
    assert!(before.get(10_000).is_none());
    assert!(before.query_bbox_lonlat([0.0, 1.0, 2.0, 3.0]).iter().all(|i| i.id != 10_000));
    let after = idx.snapshot();
    assert_eq!(after.len(), n + 1);
    assert!(after.query_bbox_lonlat([0.0, 1.0, 2.0, 3.0]).iter().any(|i| i.id == 10_000));
    // readers on other threads keep their own snapshot while a writer publishes
    std::thread::scope(|s| {
        let r = s.spawn(|| {
            let snap = idx.snapshot();
            let l = snap.len();
            for _ in 0..50 {
                assert_eq!(snap.len(), l);
            }
        });
        for i in 0..50 {
            idx.insert(vec![incident(20_000 + i, Point::new(3.0, 4.0).into(), Layer::Incidents)]);
        }
        r.join().unwrap();
    });
    assert_eq!(idx.snapshot().len(), n + 51);
}

#[test]
fn antimeridian_polygon_appears_on_both_sides() {
    let g: Geometry<f64> = Polygon::new(
        LineString::from(vec![(179.0, -1.0), (181.0, -1.0), (181.0, 1.0), (179.0, 1.0), (179.0, -1.0)]),
        vec![],
    )
    .into();
    let snap = IndexSnapshot::build(vec![incident(5, g, Layer::Areas)]);
    for z in [0u8, 2, 6] {
        let e = tile_for_lonlat(179.5, 0.5, z);
        let w = tile_for_lonlat(-179.5, 0.5, z);
        for t in [e, w] {
            let bytes = incidents_tile(&snap, t.z, t.x, t.y).unwrap();
            assert!(strict_check(&bytes).is_empty());
            let d = decode(&bytes);
            assert_eq!(d["areas"].len(), 1, "z{z} {t:?}");
        }
    }
    // and not in a tile far away
    let far = tile_for_lonlat(0.0, 0.5, 6);
    assert!(incidents_tile(&snap, far.z, far.x, far.y).unwrap().is_empty());
}

/// A country-sized ring of `n` vertices (lon/lat) around (cx, cy): a random walk of the radius,
/// detail at every scale, crossing the antimeridian when it is wide enough.
fn coastline(rng: &mut Rng, n: usize, cx: f64, cy: f64, rx: f64, ry: f64) -> LineString<f64> {
    let mut k = 1.0f64;
    let mut ring: Vec<Coord<f64>> = (0..n)
        .map(|i| {
            k = (k + rng.range(-0.04, 0.04)).clamp(0.4, 1.5);
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            coord! { x: cx + a.cos() * rx * k, y: (cy + a.sin() * ry * k).clamp(-84.0, 84.0) }
        })
        .collect();
    ring.push(ring[0]);
    LineString(ring)
}

#[test]
fn pyramid_tiles_from_column_pieces_equal_the_served_tiles() {
    use sitrep::tiles::{incidents_tile_cover, incidents_tile_cover_in, Columns};
    // large many-vertex places as the exporter walks them (zoom by zoom, column pieces made
    // from the zoom above): every tile must equal the one rendered from all vertices
    let mut rng = Rng(21);
    let russia = Polygon::new(
        coastline(&mut rng, 40_000, 110.0, 62.0, 75.0, 14.0),
        vec![coastline(&mut rng, 4_000, 100.0, 60.0, 6.0, 3.0)],
    );
    let islands = geo_types::MultiPolygon(
        (0..6)
            .map(|i| Polygon::new(coastline(&mut rng, 3_000, -20.0 + 4.0 * f64::from(i), 10.0, 1.5, 1.5), vec![]))
            .collect(),
    );
    let river = LineString(coastline(&mut rng, 8_000, 20.0, 45.0, 8.0, 5.0).0[..6_000].to_vec());
    // the country named many times (what its mentions add up to is summed once by Columns)
    let country = std::sync::Arc::new(sitrep::index::Place::new(
        Some("ne-country:RUS"),
        "Russia",
        "country",
        std::sync::Arc::new(russia.into()),
        Point::new(100.0, 62.0),
    ));
    let mut items: Vec<Incident> = (0..40u64)
        .map(|i| Incident {
            id: 1000 + i,
            place: country.clone(),
            precision: 6,
            time: (i % 3 != 0).then_some(1_700_000_000 + (i as i64 * 7919) % 1000 * 86_400),
            props: Props::Json(props(1000 + i)),
        })
        .collect();
    items.push(incident(2, islands.into(), Layer::Areas));
    items.push(incident(3, river.into(), Layer::Lines));
    for i in 0..200u64 {
        let p = Point::new(rng.range(-30.0, 180.0), rng.range(0.0, 75.0));
        items.push(incident(10 + i, p.into(), Layer::Incidents));
    }
    let snap = IndexSnapshot::build(items);
    let mut cols = Columns::new();
    let (mut compared, mut drawn) = (0, 0);
    for z in 0..=9u8 {
        cols.start_zoom(z);
        let n = 1u32 << z;
        // every column, a sample of rows (all of them up to z6)
        let step = if z <= 6 { 1 } else { 1 << (z - 5) };
        for x in 0..n {
            for y in (0..n).step_by(step as usize).map(|y| (y + x) % n) {
                let want = incidents_tile_cover(&snap, z, x, y).unwrap();
                let got = incidents_tile_cover_in(&snap, z, x, y, &cols).unwrap();
                assert_eq!(got, want, "tile {z}/{x}/{y}");
                compared += 1;
                drawn += usize::from(!want.bytes.is_empty());
            }
        }
        assert!(z < 3 || !cols.is_empty(), "z{z}: no pieces made");
    }
    assert!(drawn > 1000, "{drawn} of {compared} tiles drawn");
    // the country is one feature with the count of its mentions
    let d = decode(&incidents_tile(&snap, 3, 6, 2).unwrap());
    assert_eq!(d["areas"].len(), 1);
    assert!(d["areas"][0].2["mention_count"].contains("40"), "{:?}", d["areas"][0].2);
}

#[test]
fn small_area_visible_once_a_few_pixels_wide() {
    // a 0.01°-radius polygon: under a unit at z1, a few screen pixels at z8
    let mut rng = Rng(1);
    let g: Geometry<f64> = star(&mut rng, 44.5, 40.2, 0.01).into();
    let snap = IndexSnapshot::build(vec![incident(1, g, Layer::Areas)]);
    let t = tile_for_lonlat(44.5, 40.2, 8);
    let d = decode(&incidents_tile(&snap, t.z, t.x, t.y).unwrap());
    assert_eq!(d["areas"].len(), 1);
    let Geometry::Polygon(p) = &d["areas"][0].1 else { panic!() };
    assert!(p.exterior().0.len() >= 5, "{p:?}");
    let t = tile_for_lonlat(44.5, 40.2, 1);
    let d = decode(&incidents_tile(&snap, t.z, t.x, t.y).unwrap());
    // sub-unit at z1: nothing, or a dot of at most a couple of units
    if let Some(areas) = d.get("areas") {
        let Geometry::Polygon(p) = &areas[0].1 else { panic!() };
        let r: Vec<(i64, i64)> = p.exterior().0.iter().map(|c| (i64::from(c.x), i64::from(c.y))).collect();
        assert!(area2(&r[..r.len() - 1]).abs() <= 4);
    }
}

#[test]
fn random_tiles_pass_strict_checks() {
    let snap = IndexSnapshot::build(random_incidents(11, 4000, 400, 400));
    let mut rng = Rng(5);
    let mut n = 0;
    for z in [0u8, 1, 3, 5, 7, 9, 11, 12, 14] {
        for _ in 0..12 {
            let i = snap.iter().nth((rng.f() * snap.len() as f64) as usize).unwrap();
            let p = i.incident().point();
            let t = tile_for_lonlat(p.x(), p.y(), z);
            let bytes = incidents_tile(&snap, t.z, t.x, t.y).unwrap();
            let problems = strict_check(&bytes);
            assert!(problems.is_empty(), "{t:?}: {problems:?}");
            n += usize::from(!bytes.is_empty());
        }
    }
    assert!(n > 90);
}

#[test]
fn basemap_layers() {
    let mut rng = Rng(2);
    let country: Geometry<f64> = star(&mut rng, 45.0, 40.0, 3.0).into();
    let admin: Geometry<f64> = star(&mut rng, 45.0, 40.0, 1.0).into();
    let m = |v: Value| match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    };
    let map = Basemap::new(vec![
        BasemapFeature {
            geometry: country,
            layer: BasemapLayer::Countries,
            min_zoom: 0,
            props: m(json!({"name": "Armenia", "iso_a2": "AM"})),
        },
        BasemapFeature {
            geometry: admin,
            layer: BasemapLayer::Admin1,
            min_zoom: 3,
            props: m(json!({"name": "Syunik", "country": "AM"})),
        },
        BasemapFeature {
            geometry: Point::new(44.5, 40.18).into(),
            layer: BasemapLayer::Places,
            min_zoom: 2,
            props: m(json!({"name": "Yerevan", "population": 1_000_000, "capital": true, "rank": 1})),
        },
    ]);
    let t = tile_for_lonlat(45.0, 40.0, 0);
    let d = decode(&basemap_tile(&map, t.z, t.x, t.y).unwrap());
    assert_eq!(d.keys().cloned().collect::<Vec<_>>(), vec!["countries"]);
    let t = tile_for_lonlat(44.5, 40.18, 5);
    let bytes = basemap_tile(&map, t.z, t.x, t.y).unwrap();
    assert!(strict_check(&bytes).is_empty());
    let d = decode(&bytes);
    assert_eq!(d.keys().cloned().collect::<Vec<_>>(), vec!["admin1", "countries", "places"]);
    assert_eq!(d["places"][0].2["name"], "\"Yerevan\"");
    assert_eq!(d["places"][0].2["capital"], "true (bool)");
    assert!(basemap_tile(&map, 30, 0, 0).is_err());
}

/// Dump tiles and run ../shared/tools/mvt_check.py when it (and python3 + mapbox-vector-tile) exist.
#[test]
fn shared_mvt_checker_when_available() {
    let checker = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/mvt_check.py");
    if !checker.exists() {
        common::skip(&format!("{} not found (the shared MVT checker)", checker.display()));
        return;
    }
    let ok = std::process::Command::new("python3")
        .args(["-c", "import mapbox_vector_tile"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        common::skip("python3 with mapbox-vector-tile is not available (the shared MVT checker)");
        return;
    }
    let snap = IndexSnapshot::build(random_incidents(13, 3000, 300, 300));
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut rng = Rng(17);
    for z in [0u8, 2, 4, 6, 8, 10, 12, 14] {
        for k in 0..6 {
            let i = snap.iter().nth((rng.f() * snap.len() as f64) as usize).unwrap();
            let p = i.incident().point();
            let t = tile_for_lonlat(p.x(), p.y(), z);
            let bytes = incidents_tile(&snap, t.z, t.x, t.y).unwrap();
            if bytes.is_empty() {
                continue;
            }
            let f = dir.path().join(format!("{z}-{}-{}-{k}.mvt", t.x, t.y));
            std::fs::write(&f, if k % 2 == 0 { bytes } else { gzip(&bytes) }).unwrap();
            files.push(f);
        }
    }
    assert!(files.len() > 20);
    let out = std::process::Command::new("python3").arg(&checker).arg("--quiet").args(&files).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "mvt_check.py failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("features with problems: 0"), "{stdout}");
}

#[test]
fn oversized_tile_is_thinned_to_the_budget_keeping_the_largest() {
    let t = TileId::new(10, 600, 380).unwrap();
    let mut rng = Rng(21);
    let big = "x".repeat(400);
    let mut inc = Vec::new();
    for i in 0..2000u64 {
        let x0 = rng.range(100.0, 3000.0);
        let y0 = rng.range(100.0, 4000.0);
        let len = 5.0 + (i as f64) * 0.5; // id 2000 is the longest
        let a = tile_to_lonlat(&t, coord! { x: x0, y: y0 });
        let b = tile_to_lonlat(&t, coord! { x: x0 + len.min(1000.0), y: y0 + 3.0 });
        let mut x = incident(i + 1, LineString(vec![a, b]).into(), Layer::Lines);
        if let Props::Json(m) = &mut x.props {
            m.insert("quote".into(), Value::String(format!("{big}{i}")));
        }
        inc.push(x);
    }
    let snap = IndexSnapshot::build(inc);
    let bytes = incidents_tile(&snap, t.z, t.x, t.y).unwrap();
    assert!(bytes.len() <= sitrep::tiles::MAX_TILE_BYTES, "{}", bytes.len());
    assert!(bytes.len() > sitrep::tiles::MAX_TILE_BYTES / 2, "{}", bytes.len());
    assert!(strict_check(&bytes).is_empty());
    let d = decode(&bytes);
    let ids: HashSet<u64> = d["lines"].iter().filter_map(|f| f.0).collect();
    assert!(ids.contains(&2000) && ids.contains(&1500));
    assert!(!ids.contains(&1) && ids.len() < 2000);
}

#[test]
fn basemap_detailed_polygon_uses_simplified_copy_at_low_zoom() {
    // a 20,000-vertex circle: low zooms draw a cheap simplified copy, every zoom stays valid
    let n = 20_000;
    let ring: Vec<Coord<f64>> = (0..=n)
        .map(|k| {
            let a = std::f64::consts::TAU * f64::from(k % n) / f64::from(n);
            coord! { x: 10.0 + 5.0 * a.cos(), y: 20.0 + 5.0 * a.sin() }
        })
        .collect();
    let map = Basemap::new(vec![BasemapFeature {
        geometry: Polygon::new(LineString(ring), vec![]).into(),
        layer: BasemapLayer::Countries,
        min_zoom: 0,
        props: Map::new(),
    }]);
    let verts = |z: u8| {
        let t = tile_for_lonlat(10.0, 25.0, z);
        let bytes = basemap_tile(&map, t.z, t.x, t.y).unwrap();
        assert!(strict_check(&bytes).is_empty());
        match &decode(&bytes)["countries"][0].1 {
            Geometry::Polygon(p) => p.exterior().0.len(),
            g => panic!("{g:?}"),
        }
    };
    let v2 = verts(2);
    assert!((8..200).contains(&v2), "{v2}");
    for z in [5u8, 8, 11, 13] {
        assert!(verts(z) >= 4);
    }
}

#[test]
fn mentions_of_one_place_are_one_feature_at_every_zoom_with_what_they_add_up_to() {
    use std::sync::Arc;
    let square = Polygon::new(
        LineString::from(vec![(44.0, 39.0), (46.0, 39.0), (46.0, 41.0), (44.0, 41.0), (44.0, 39.0)]),
        vec![],
    );
    let place = |id: &str| {
        Arc::new(sitrep::index::Place::new(
            Some(id),
            id,
            "country",
            Arc::new(Geometry::Polygon(square.clone())),
            Point::new(45.0, 40.0),
        ))
    };
    let armenia = place("ne-country:ARM");
    let t0 = 1_700_000_000i64;
    let mut items: Vec<Incident> = (1..=3u64)
        .map(|id| Incident {
            id,
            place: armenia.clone(),
            precision: 6,
            time: Some(t0 + id as i64 * 86_400),
            props: Props::Json(props(id)),
        })
        .collect();
    // the same outline under another place id is another feature
    items.push(Incident {
        id: 4,
        place: place("ne-admin1:AM-SU"),
        precision: 4,
        time: None,
        props: Props::Json(props(4)),
    });
    let snap = IndexSnapshot::build(items);
    assert_eq!(snap.shape_entries(), 2);
    for z in [2u8, 4, 8, 10, 14] {
        let TileId { x, y, .. } = tile_for_lonlat(45.0, 40.0, z);
        let bytes = incidents_tile(&snap, z, x, y).unwrap();
        assert!(strict_check(&bytes).is_empty());
        let t = decode(&bytes);
        let areas = &t["areas"];
        assert_eq!(areas.len(), 2, "one feature per place at z{z}");
        let arm = areas
            .iter()
            .find(|(id, _, _)| *id == Some(3))
            .unwrap_or_else(|| panic!("latest mention 3 at z{z}: {areas:?}"));
        assert!(arm.2["mention_count"].contains('3'), "{:?}", arm.2);
        assert!(arm.2["first_time"].contains(&(t0 + 86_400).to_string()), "{:?}", arm.2);
        assert!(arm.2["last_time"].contains(&(t0 + 3 * 86_400).to_string()), "{:?}", arm.2);
        let su = areas.iter().find(|(id, _, _)| *id == Some(4)).unwrap();
        assert!(su.2["mention_count"].contains('1'));
        assert!(!su.2.contains_key("first_time"), "undated mentions have no first_time");
    }
}
