//! Tile benchmark on a GeoJSON FeatureCollection (e.g. the peer harness's 120k set):
//!   cargo bench --bench tiles -- /tmp/sitrep-bench/data/random.geojson [zooms=0,2,4,6,8,10,12,14] [per_zoom=300]
//! Prints load/index time, cold tiles/s per zoom (render + gzip-6, one thread) over the same tile
//! list as ../shared/tools/bench/node/bench.mjs (same LCG, seed 7, same picking rule), tile sizes,
//! a z0–z3 full sweep for the size budget, single-insert cost, bbox query latency for ~100-feature
//! answers and RSS. Env: SITREP_BENCH_DUMP_TILES=file (tile list), SITREP_BENCH_DUMP_DIR=dir (tiles,
//! e.g. for ../shared/tools/mvt_check.py).

use std::time::Instant;

use geo::Centroid;
use geo_types::{Coord, Geometry, LineString, MultiLineString, MultiPolygon, Point, Polygon};
use serde_json::Value;
use sitrep::index::{Incident, SpatialIndex};
use sitrep::schema::Props;
use sitrep::tiles::{gzip, incidents_tile};

use sitrep::mem::{release_free_memory as trim, status_mb as rss_mb};

fn pos(v: &Value) -> Coord<f64> {
    Coord { x: v[0].as_f64().unwrap_or(0.0), y: v[1].as_f64().unwrap_or(0.0) }
}
fn line(v: &Value) -> LineString<f64> {
    LineString(v.as_array().map(|a| a.iter().map(pos).collect()).unwrap_or_default())
}
fn poly(v: &Value) -> Polygon<f64> {
    let rings: Vec<LineString<f64>> = v.as_array().map(|a| a.iter().map(line).collect()).unwrap_or_default();
    let mut it = rings.into_iter();
    Polygon::new(it.next().unwrap_or_else(|| LineString(vec![])), it.collect())
}

fn geometry(g: &Value) -> Option<Geometry<f64>> {
    let c = &g["coordinates"];
    Some(match g["type"].as_str()? {
        "Point" => Point(pos(c)).into(),
        "LineString" => line(c).into(),
        "MultiLineString" => MultiLineString(c.as_array()?.iter().map(line).collect()).into(),
        "Polygon" => poly(c).into(),
        "MultiPolygon" => MultiPolygon(c.as_array()?.iter().map(poly).collect()).into(),
        _ => return None,
    })
}

fn to_incident(i: usize, f: &mut Value) -> Option<Incident> {
    let geometry = geometry(&f["geometry"])?;
    geometry.centroid()?;
    let props = match f["properties"].take() {
        Value::Object(m) => m,
        _ => Default::default(),
    };
    let id = f["id"].as_u64().unwrap_or(i as u64 + 1);
    let kind = props.get("category").and_then(Value::as_str).unwrap_or("settlement").to_string();
    Some(Incident::anonymous(id, geometry, &kind, 1, None, Props::Json(props)))
}

/// bench.mjs's tile picking, bit for bit: LCG in f64 with seed 7, shared across zooms.
/// (zoom, valid tiles, number of picked tiles with x or y outside 0..2^z)
type TileList = Vec<(u8, Vec<(u32, u32)>, usize)>;

fn peer_tiles(feats: &[Value], zooms: &[u8], per_zoom: usize) -> TileList {
    let mut seed = 7.0f64;
    let mut rnd = || {
        seed = (seed * 1103515245.0 + 12345.0) % 2147483648.0;
        seed / 2147483648.0
    };
    let first = |g: &Value| -> (f64, f64) {
        let c = &g["coordinates"];
        let p = match g["type"].as_str() {
            Some("Point") => c,
            Some("LineString") => &c[0],
            _ => &c[0][0],
        };
        (p[0].as_f64().unwrap(), p[1].as_f64().unwrap())
    };
    let mut out = Vec::new();
    for &z in zooms {
        let n = 2f64.powi(i32::from(z));
        let want = per_zoom.min(4usize.pow(u32::from(z)));
        let mut keys: Vec<(i64, i64)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut tries = 0;
        while keys.len() < want && tries < want * 50 {
            tries += 1;
            let f = &feats[(rnd() * feats.len() as f64).floor() as usize];
            let (lon, lat) = first(&f["geometry"]);
            let x = ((lon + 180.0) / 360.0 * n).floor() as i64;
            let r = lat * std::f64::consts::PI / 180.0;
            let y = ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor() as i64;
            if seen.insert((x, y)) {
                keys.push((x, y));
            }
        }
        let picked = keys.len();
        let valid: Vec<(u32, u32)> = keys
            .into_iter()
            .filter(|&(x, y)| x >= 0 && y >= 0 && (x as f64) < n && (y as f64) < n)
            .map(|(x, y)| (x as u32, y as u32))
            .collect();
        let invalid = picked - valid.len();
        out.push((z, valid, invalid));
    }
    out
}

fn count_features(bytes: &[u8]) -> usize {
    if bytes.is_empty() {
        return 0;
    }
    let r = fast_mvt::MvtReaderRef::new(bytes).expect("tile decodes");
    r.layers().map(|l| l.feature_count()).sum()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let path = args.first().cloned().unwrap_or_else(|| {
        format!("{}/data/random.geojson", std::env::var("BENCH_WORK").unwrap_or("/tmp/sitrep-bench".into()))
    });
    let zooms: Vec<u8> =
        args.get(1).map_or("0,2,4,6,8,10,12,14", String::as_str).split(',').map(|z| z.parse().expect("zoom")).collect();
    let per_zoom: usize = args.get(2).map_or(300, |v| v.parse().expect("per_zoom"));

    let t = Instant::now();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let mut fc: Value = serde_json::from_str(&text).expect("GeoJSON");
    drop(text);
    let Value::Array(mut feats) = fc["features"].take() else { panic!("not a FeatureCollection") };
    drop(fc);
    let parse_ms = t.elapsed().as_secs_f64() * 1e3;
    let list = peer_tiles(&feats, &zooms, per_zoom);
    let n_feats = feats.len();
    let t = Instant::now();
    let incidents: Vec<Incident> = feats
        .iter_mut()
        .enumerate()
        .filter_map(|(i, f)| {
            let inc = to_incident(i, f);
            *f = Value::Null;
            inc
        })
        .collect();
    drop(feats);
    let convert_ms = t.elapsed().as_secs_f64() * 1e3;
    let n = incidents.len();
    let t = Instant::now();
    let index = SpatialIndex::from_incidents(incidents);
    let index_ms = t.elapsed().as_secs_f64() * 1e3;
    let snap = index.snapshot();
    trim();
    println!(
        "file={path} features={} incidents={n} parse_ms={parse_ms:.0} to_incidents_ms={convert_ms:.0} index_build_ms={index_ms:.0} threads_for_build={} rss_after_load_MB={:.0} (parse tree freed, malloc_trim)",
        n_feats,
        rayon::current_num_threads(),
        rss_mb("VmRSS:")
    );

    if let Ok(dump) = std::env::var("SITREP_BENCH_DUMP_TILES") {
        let lines: Vec<String> =
            list.iter().flat_map(|(z, ts, _)| ts.iter().map(move |(x, y)| format!("{z}/{x}/{y}"))).collect();
        std::fs::write(&dump, lines.join("\n") + "\n").expect("write tile list");
    }
    println!("(invalid = picked tiles with x >= 2^z: antimeridian crossers beyond 180°, answered 400)");
    println!(
        "z  tiles  invalid  cold_tiles/s(render+gzip)  render/s  avg_feats  avg_bytes  avg_gz_bytes  max_bytes  empty"
    );
    let dump_dir = std::env::var("SITREP_BENCH_DUMP_DIR").ok();
    let mut total_tiles = 0usize;
    let mut total_s = 0.0f64;
    for (z, tiles, invalid) in &list {
        let t0 = Instant::now();
        let mut render_s = 0.0;
        let mut outs: Vec<(usize, usize)> = Vec::with_capacity(tiles.len());
        let mut kept = Vec::with_capacity(tiles.len());
        for &(x, y) in tiles {
            let tr = Instant::now();
            let bytes = incidents_tile(&snap, *z, x, y).expect("valid tile");
            render_s += tr.elapsed().as_secs_f64();
            let gz = if bytes.is_empty() { 0 } else { gzip(&bytes).len() };
            outs.push((bytes.len(), gz));
            kept.push(bytes);
        }
        let secs = t0.elapsed().as_secs_f64();
        if let Some(dir) = &dump_dir {
            for ((x, y), b) in tiles.iter().zip(&kept) {
                if !b.is_empty() {
                    std::fs::write(format!("{dir}/{z}-{x}-{y}.mvt"), b).expect("dump tile");
                }
            }
        }
        total_tiles += tiles.len();
        total_s += secs;
        let nonempty = outs.iter().filter(|o| o.0 > 0).count().max(1);
        let feats_avg = kept.iter().map(|b| count_features(b)).sum::<usize>() as f64 / nonempty as f64;
        let bytes_avg = outs.iter().map(|o| o.0).sum::<usize>() as f64 / nonempty as f64;
        let gz_avg = outs.iter().map(|o| o.1).sum::<usize>() as f64 / nonempty as f64;
        let max = outs.iter().map(|o| o.0).max().unwrap_or(0);
        println!(
            "{z:>2} {:>6} {:>8} {:>26.0} {:>9.0} {:>10.0} {:>10.0} {:>13.0} {:>10} {:>6}",
            tiles.len(),
            invalid,
            tiles.len() as f64 / secs,
            tiles.len() as f64 / render_s,
            feats_avg,
            bytes_avg,
            gz_avg,
            max,
            outs.iter().filter(|o| o.0 == 0).count()
        );
    }
    println!("all listed zooms: {total_tiles} tiles in {total_s:.2}s = {:.0} tiles/s", total_tiles as f64 / total_s);

    // filtered tiles (issue 15: at most 2x an unfiltered cold tile): the same tiles drawn from
    // half the incidents (even ids), rendered cold, against the unfiltered render just above
    println!("z  filtered_render/s  plain_render/s  filtered/plain_cost");
    let keep = |i: &Incident| i.id.is_multiple_of(2);
    let (mut fs_all, mut ps_all) = (0.0f64, 0.0f64);
    for (z, tiles, _) in &list {
        let t0 = Instant::now();
        for &(x, y) in tiles {
            std::hint::black_box(sitrep::tiles::incidents_tile_filtered(&snap, *z, x, y, &keep).expect("valid tile"));
        }
        let fs = t0.elapsed().as_secs_f64();
        let t0 = Instant::now();
        for &(x, y) in tiles {
            std::hint::black_box(incidents_tile(&snap, *z, x, y).expect("valid tile"));
        }
        let ps = t0.elapsed().as_secs_f64();
        fs_all += fs;
        ps_all += ps;
        println!("{z:>2} {:>18.0} {:>15.0} {:>20.2}", tiles.len() as f64 / fs, tiles.len() as f64 / ps, fs / ps);
    }
    println!("filtered/plain cost over all listed zooms: {:.2}", fs_all / ps_all);

    // every tile of z0–z3 (the heaviest), for the size budget
    let t0 = Instant::now();
    let mut worst = (0usize, 0u8, 0u32, 0u32);
    let mut count = 0;
    for z in 0u8..=3 {
        for x in 0..(1u32 << z) {
            for y in 0..(1u32 << z) {
                let b = incidents_tile(&snap, z, x, y).unwrap();
                count += 1;
                if b.len() > worst.0 {
                    worst = (b.len(), z, x, y);
                }
            }
        }
    }
    println!(
        "full sweep z0-z3: {count} tiles in {:.2}s, largest {} bytes at {}/{}/{}",
        t0.elapsed().as_secs_f64(),
        worst.0,
        worst.1,
        worst.2,
        worst.3
    );

    // single-incident inserts into the loaded index (copy-on-write publish each time)
    let t0 = Instant::now();
    let ins = 1000u64;
    for i in 0..ins {
        let lon = (i as f64 * 0.37) % 360.0 - 180.0;
        let lat = (i as f64 * 0.11) % 160.0 - 80.0;
        index.insert(vec![Incident::anonymous(
            10_000_000 + i,
            Point::new(lon, lat).into(),
            "settlement",
            1,
            None,
            Default::default(),
        )]);
    }
    let ins_s = t0.elapsed().as_secs_f64();
    println!(
        "single inserts: {ins} in {:.3}s = {:.0} µs each (len now {})",
        ins_s,
        ins_s * 1e6 / ins as f64,
        index.snapshot().len()
    );

    // bbox queries sized for ~100 features
    let mut seed = 12345.0f64;
    let mut rnd = || {
        seed = (seed * 1103515245.0 + 12345.0) % 2147483648.0;
        seed / 2147483648.0
    };
    let mut lat_us = Vec::new();
    let mut answers = Vec::new();
    for _ in 0..200 {
        let inc = snap.iter().nth((rnd() * snap.len() as f64) as usize).unwrap().incident();
        let (cx, cy) = (inc.point().x(), inc.point().y());
        let (mut lo, mut hi) = (1e-4f64, 20.0f64);
        let mut bbox = [0.0; 4];
        let mut got = 0;
        for _ in 0..40 {
            let d = (lo * hi).sqrt();
            bbox = [cx - d, (cy - d).max(-85.0), cx + d, (cy + d).min(85.0)];
            got = snap.query_bbox_lonlat(bbox).len();
            if (90..=110).contains(&got) {
                break;
            }
            if got < 90 {
                lo = d
            } else {
                hi = d
            }
        }
        if !(90..=110).contains(&got) {
            continue;
        }
        let t = Instant::now();
        let r = snap.query_bbox_lonlat(bbox);
        lat_us.push(t.elapsed().as_secs_f64() * 1e6);
        answers.push(r.len());
    }
    lat_us.sort_by(f64::total_cmp);
    if !lat_us.is_empty() {
        println!(
            "bbox queries: {} with 90-110 features (avg {:.0}); latency median {:.1} µs, p90 {:.1} µs",
            lat_us.len(),
            answers.iter().sum::<usize>() as f64 / answers.len() as f64,
            lat_us[lat_us.len() / 2],
            lat_us[lat_us.len() * 9 / 10]
        );
    }
    trim();
    println!("rss_MB={:.0} (after malloc_trim) peak_rss_MB={:.0}", rss_mb("VmRSS:"), rss_mb("VmHWM:"));
}
