//! Where the map pins an event, on the project's own conflict-event texts (`data/golden/pins.tsv`,
//! tuning; `data/golden/pins_heldout.tsv`, written by another hand and measured once, never used to
//! choose a rule). Each text is an event note, wire brief, headline or post written for the project,
//! with the one location an ACLED coder would code (point and geo-precision 1–3) marked by hand.
//!
//! The pin is the event site a reader of the map sees first: among the mentions the geoparser calls
//! event sites (stage 9), the most specific one (lowest ACLED precision, then the first in the
//! text, as a coder codes the lede); without an event site, nothing (a miss: the web map shows
//! context mentions only when asked to). Two figures, as issue 13 states them: the share of texts pinned within
//! 50 km of the coded point, and *false precision*, the share pinned at town level (precision 1–2)
//! more than 50 km away — the worst error a conflict map can make. Both must hold their floors;
//! `cargo test --release --test pins -- --nocapture` prints every text pinned wrong.

mod common;

use common::shipped_parser as parser;
use sitrep::geoparse::{haversine_km, Mention};
use std::path::PathBuf;

/// The mention the map pins the event on (see the top of the file).
fn pin(mentions: &[Mention]) -> Option<&Mention> {
    let most_specific = |keep: &dyn Fn(&Mention) -> bool| {
        mentions
            .iter()
            .enumerate()
            .filter(|(_, m)| keep(m))
            .min_by(|(i, a), (j, b)| a.geo_precision.cmp(&b.geo_precision).then(i.cmp(j)))
    };
    most_specific(&|m| m.event).map(|(_, m)| m)
}

struct Figures {
    texts: usize,
    within: usize,
    false_precision: usize,
    missed: usize,
}

fn score(file: &str) -> Option<Figures> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/golden").join(file);
    let src = std::fs::read_to_string(&path).ok()?;
    let mut f = Figures { texts: 0, within: 0, false_precision: 0, missed: 0 };
    for (n, line) in src.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [style, lat, lon, prec, place, text] = cols[..] else {
            panic!("{file} line {}: expected 6 tab-separated fields, got {}", n + 1, cols.len());
        };
        let gold = geo_types::Point::new(lon.parse().unwrap(), lat.parse().unwrap());
        let gold_prec: u8 = prec.parse().unwrap();
        assert!((1..=3).contains(&gold_prec), "{file} line {}: precision {prec}", n + 1);
        f.texts += 1;
        let mentions = parser().parse(text, None);
        let Some(m) = pin(&mentions) else {
            f.missed += 1;
            println!("MISS  {file}:{} [{style}] {place}: {text}", n + 1);
            continue;
        };
        let d = haversine_km(m.point, gold);
        if d <= 50.0 {
            f.within += 1;
        } else {
            let false_precision = m.geo_precision <= 2;
            if false_precision {
                f.false_precision += 1;
            }
            println!(
                "{} {file}:{} [{style}] {place} (p{gold_prec}) ← {:?} as {} ({}, p{}, conf {:.2}) {d:.0} km off: {text}",
                if false_precision { "FALSE" } else { "FAR  " },
                n + 1,
                m.name,
                m.place_name,
                m.place_id,
                m.geo_precision,
                m.confidence
            );
        }
    }
    let share = |k: usize| k as f64 / f.texts as f64;
    println!(
        "{file}: {} texts; pinned within 50 km {:.3} ({}/{}); false precision {:.3} ({}); no pin {}",
        f.texts,
        share(f.within),
        f.within,
        f.texts,
        share(f.false_precision),
        f.false_precision,
        f.missed
    );
    Some(f)
}

fn check(file: &str, within_floor: f64, false_precision_max: f64) {
    let Some(f) = score(file) else {
        panic!("data/golden/{file} is missing");
    };
    assert!(f.texts >= 60, "{file}: only {} texts", f.texts);
    let within = f.within as f64 / f.texts as f64;
    let fp = f.false_precision as f64 / f.texts as f64;
    assert!(within >= within_floor, "{file}: pinned within 50 km {within:.3} < floor {within_floor}");
    assert!(fp <= false_precision_max, "{file}: false precision {fp:.3} > {false_precision_max}");
}

#[test]
fn tuning_set_pins_events_where_the_coder_did() {
    // measured 2026-12-04: 75/90 = .833 within 50 km, false precision 1/90 = .011
    check("pins.tsv", 0.82, 0.023);
}

#[test]
fn held_out_set_pins_events_where_the_coder_did() {
    // measured once, 2026-12-04, after the rules of that day were chosen on pins.tsv and the other
    // tuning sets: 62/80 = .775 within 50 km, false precision 7/80 = .087
    check("pins_heldout.tsv", 0.76, 0.10);
}
