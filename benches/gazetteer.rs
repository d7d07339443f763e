//! Gazetteer budget: load time and resident memory of the loaded gazetteer (release build).
//! Run: `cargo bench --bench gazetteer` (prints figures; asserts nothing).

use std::time::Instant;

fn main() {
    let before = sitrep::mem::status_mb("VmRSS:");
    let t = Instant::now();
    let first = sitrep::gazetteer::Gazetteer::load_default().expect("gazetteer loads");
    let mut times = vec![t.elapsed().as_secs_f64()];
    let rss_loaded = sitrep::mem::status_mb("VmRSS:");
    let mut gaz = Some(first);
    for _ in 0..2 {
        drop(gaz.take());
        let t = Instant::now();
        gaz = Some(sitrep::gazetteer::Gazetteer::load_default().expect("gazetteer loads"));
        times.push(t.elapsed().as_secs_f64());
    }
    let gaz = gaz.unwrap();
    times.sort_by(f64::total_cmp);
    let t = Instant::now();
    let mut found = 0;
    for name in ["Yerevan", "Baku", "Moscow", "Syunik", "Lachin Corridor", "Armenia", "Springfield", "Paris"] {
        for _ in 0..10_000 {
            found += gaz.lookup(name, 10).len();
        }
    }
    let lookup_us = t.elapsed().as_secs_f64() / 80_000.0 * 1e6;
    println!("gazetteer records: {}", gaz.len());
    println!("load time: median {:.3} s (min {:.3}, max {:.3}) over 3 loads", times[1], times[0], times[2]);
    println!("resident memory: {rss_loaded:.0} MB after the first load ({before:.0} MB before)");
    println!("lookup: {lookup_us:.2} µs per name ({found} candidates)");
}
