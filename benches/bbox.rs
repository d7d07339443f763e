//! bbox query benchmark on a large synthetic index:
//!   cargo bench --bench bbox -- [features=1000000] [spread=hotspots|uniform] [queries=1000]
//! Builds `features` point incidents (seeded; `hotspots` spreads them like the peer harness's
//! node/gen.mjs points — 200 gaussian hotspots, sigma 0.05–3.05° — `uniform` over lon ±180, lat ±84),
//! with the harness's properties (id, title, category, date, fatalities, url). Prints build time
//! (incidents, index), RSS after load (/proc/self/status), and median/p90/p99 latency of bbox queries
//! sized (by bisection on the box size, around random incidents) to return 90–110 features, through:
//!   raw    `IndexSnapshot::query_bbox_lonlat`
//!   items  `features::items` (the OGC API Features page, borrowing from the snapshot, limit 1000)
//!   +json  `features::items` and serialising it to bytes (what the HTTP handler sends, before gzip)

use std::time::Instant;

use geo_types::Point;
use serde_json::{json, Map};
use sitrep::features::{items, ItemsQuery};
use sitrep::index::{Incident, SpatialIndex};
use sitrep::schema::Props;

use sitrep::mem::status_mb as rss_mb;

/// mulberry32, as in node/gen.mjs.
struct Rng(u32);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x6D2B_79F5);
        let a = self.0;
        let mut t = (a ^ (a >> 15)).wrapping_mul(1 | a);
        t = (t.wrapping_add((t ^ (t >> 7)).wrapping_mul(61 | t))) ^ t;
        f64::from(t ^ (t >> 14)) / 4_294_967_296.0
    }
    fn gauss(&mut self) -> f64 {
        let (mut u, mut v) = (0.0, 0.0);
        while u == 0.0 {
            u = self.next();
        }
        while v == 0.0 {
            v = self.next();
        }
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

fn clamp_lat(y: f64) -> f64 {
    y.clamp(-84.0, 84.0)
}

fn synthetic(n: usize, uniform: bool) -> Vec<Incident> {
    let mut r = Rng(42);
    let hot: Vec<[f64; 3]> = (0..200)
        .map(|_| [r.next() * 360.0 - 180.0, clamp_lat(r.next() * 140.0 - 70.0), 0.05 + r.next() * 3.0])
        .collect();
    let cats = ["battle", "explosion", "protest", "riot", "violence_against_civilians", "strategic_development"];
    (1..=n as u64)
        .map(|id| {
            let mut props = Map::new();
            props.insert("id".into(), json!(id));
            props.insert("title".into(), json!(format!("Incident {id}")));
            let cat = cats[(r.next() * cats.len() as f64) as usize];
            props.insert("category".into(), json!(cat));
            let day = (r.next() * 5.0 * 365.0) as i64;
            let time = 1_577_836_800 + day * 86_400;
            props.insert("date".into(), json!(format!("{}-{:02}-{:02}", 2020 + day / 365, 1 + day % 12, 1 + day % 28)));
            props.insert("fatalities".into(), json!((-(r.next() + 1e-9).ln() * 3.0).floor() as i64));
            props.insert("url".into(), json!(format!("https://news.example/article/{id}")));
            let (x, y) = if uniform {
                (r.next() * 360.0 - 180.0, r.next() * 168.0 - 84.0)
            } else {
                let h = hot[(r.next() * hot.len() as f64) as usize];
                let x = ((h[0] + r.gauss() * h[2] + 540.0) % 360.0) - 180.0;
                (x, clamp_lat(h[1] + r.gauss() * h[2]))
            };
            let p = Point::new(x, y);
            Incident::anonymous(id, p.into(), cat, 1, Some(time), Props::Json(props))
        })
        .collect()
}

fn pct(v: &[f64], p: f64) -> f64 {
    v[((v.len() as f64 * p) as usize).min(v.len() - 1)]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let n: usize = args.first().map_or(1_000_000, |v| v.parse().expect("features"));
    let spread = args.get(1).map_or("hotspots", String::as_str);
    let uniform = match spread {
        "hotspots" => false,
        "uniform" => true,
        other => panic!("spread must be hotspots or uniform, not {other}"),
    };
    let n_queries: usize = args.get(2).map_or(1000, |v| v.parse().expect("queries"));

    let rss0 = rss_mb("VmRSS:");
    let t = Instant::now();
    let incidents = synthetic(n, uniform);
    let gen_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let index = SpatialIndex::from_incidents(incidents);
    let build_ms = t.elapsed().as_secs_f64() * 1e3;
    let snap = index.snapshot();
    let rss_raw = rss_mb("VmRSS:");
    sitrep::mem::release_free_memory();
    println!(
        "features={n} spread={spread} make_incidents_ms={gen_ms:.0} index_build_ms={build_ms:.0} (rayon threads {}) \
         rss_before_MB={rss0:.0} rss_after_load_MB={rss_raw:.0} rss_after_trim_MB={:.0} peak_rss_MB={:.0}",
        rayon::current_num_threads(),
        rss_mb("VmRSS:"),
        rss_mb("VmHWM:")
    );

    // query boxes: around random incidents, bisect the half-size until 90..=110 features answer
    let all: Vec<Point<f64>> = snap.iter().map(|e| e.incident().point()).collect();
    let mut r = Rng(12345);
    let mut boxes = Vec::with_capacity(n_queries);
    let mut tries = 0;
    while boxes.len() < n_queries && tries < n_queries * 5 {
        tries += 1;
        let c = all[(r.next() * all.len() as f64) as usize];
        let (mut lo, mut hi) = (1e-5f64, 45.0f64);
        for _ in 0..60 {
            let d = (lo * hi).sqrt();
            let b = [(c.x() - d).max(-180.0), (c.y() - d).max(-90.0), (c.x() + d).min(180.0), (c.y() + d).min(90.0)];
            let got = snap.query_bbox_lonlat(b).len();
            if (90..=110).contains(&got) {
                boxes.push((b, got));
                break;
            }
            if got < 90 {
                lo = d;
            } else {
                hi = d;
            }
        }
    }
    drop(all);
    let avg = boxes.iter().map(|b| b.1).sum::<usize>() as f64 / boxes.len().max(1) as f64;
    let side = boxes.iter().map(|(b, _)| b[2] - b[0]).sum::<f64>() / boxes.len().max(1) as f64;
    println!("{} query boxes answering 90-110 features (avg {avg:.1}, avg width {side:.3}°)", boxes.len());

    let queries: Vec<ItemsQuery> = boxes
        .iter()
        .map(|(b, _)| {
            let bbox = format!("{},{},{},{}", b[0], b[1], b[2], b[3]);
            ItemsQuery::parse([("bbox", bbox.as_str()), ("limit", "1000")]).expect("query")
        })
        .collect();
    let base = "http://127.0.0.1:8080/collections/incidents/items";
    let mut raw = Vec::new();
    let mut tree = Vec::new();
    let mut bytes = Vec::new();
    let mut out_bytes = 0usize;
    let mut check = 0usize;
    for ((b, _), q) in boxes.iter().zip(&queries) {
        let t = Instant::now();
        let hits = snap.query_bbox_lonlat(*b);
        raw.push(t.elapsed().as_secs_f64() * 1e6);
        check += hits.len();
        drop(hits);

        let t = Instant::now();
        let v = items(&snap, q, base, "");
        tree.push(t.elapsed().as_secs_f64() * 1e6);
        drop(v);

        let t = Instant::now();
        let v = items(&snap, q, base, "");
        let s = serde_json::to_vec(&v).expect("json");
        bytes.push(t.elapsed().as_secs_f64() * 1e6);
        out_bytes += s.len();
    }
    for v in [&mut raw, &mut tree, &mut bytes] {
        v.sort_by(f64::total_cmp);
    }
    println!("path                                   median_us    p90_us    p99_us    max_us");
    for (name, v) in [
        ("raw query_bbox_lonlat", &raw),
        ("features::items (page, borrowed)", &tree),
        ("features::items + serde_json::to_vec", &bytes),
    ] {
        println!("{name:<38} {:>9.1} {:>9.1} {:>9.1} {:>9.1}", pct(v, 0.5), pct(v, 0.9), pct(v, 0.99), v[v.len() - 1]);
    }
    println!(
        "avg answer {:.1} features, {:.1} KB of GeoJSON; rss_MB={:.0} peak_rss_MB={:.0}",
        check as f64 / boxes.len().max(1) as f64,
        out_bytes as f64 / boxes.len().max(1) as f64 / 1024.0,
        rss_mb("VmRSS:"),
        rss_mb("VmHWM:")
    );
}
