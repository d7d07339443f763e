//! Cross-report merging on the project's own test set (`data/golden/merge.tsv`, issue 14: reports
//! written for the project, 3–5 differently worded reports of each of ten events plus distractors
//! on the same dates nearby, each labelled by hand with its event). Every report is geoparsed
//! in-process on the shipped gazetteer, its event sites and event words make its report, and
//! `merge::Rules::group` puts the reports into events. Pairwise precision and recall (a pair of
//! reports is positive when they share an event) must not fall below the floors;
//! `cargo test --release --test merge -- --nocapture` prints the figures and each wrong pair.

use sitrep::gazetteer::Gazetteer;
use sitrep::geoparse::Geoparser;
use sitrep::merge::{pairwise, Rules};
use std::path::PathBuf;
use std::sync::Arc;

/// The tuning set: first measured (rules written before it was read) .925 / .790; after tuning on
/// it .983 (57/58) / .919 (57/62). Floors: the targets of issue 14.
const PRECISION_FLOOR: f64 = 0.95;
const RECALL_FLOOR: f64 = 0.85;
const HELD_OUT_PRECISION_FLOOR: f64 = 0.85; // measured .881 (52/59), 2026-12-03
const HELD_OUT_RECALL_FLOOR: f64 = 0.78; // measured .812 (52/64)

/// The pairwise (precision, recall) of the set in `file`, printing each wrong pair.
fn score(file: &str) -> (f64, f64) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let gaz = Gazetteer::load(&root.join("data")).expect("gazetteer loads");
    let parser = Geoparser::new(Arc::new(gaz));
    let src = std::fs::read_to_string(root.join("data/golden").join(file)).unwrap();
    let rules = Rules::default();
    let mut reports = Vec::new();
    let mut gold = Vec::new();
    let mut texts = Vec::new();
    for (n, line) in src.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut f = line.splitn(3, '\t');
        let (Some(event), Some(date), Some(text)) = (f.next(), f.next(), f.next()) else {
            panic!("{file} line {}: expected EVENT<TAB>DATE<TAB>TEXT", n + 1);
        };
        let id = reports.len() as i64 + 1;
        let mentions = parser.parse(text, Some(date));
        let r = rules.report(id, Some(date), text, &mentions);
        assert!(r.day.is_some(), "{file} line {}: bad date {date:?}", n + 1);
        reports.push(r);
        gold.push((id, event.to_string()));
        texts.push(text.to_string());
    }
    let events: std::collections::BTreeSet<&str> = gold.iter().map(|(_, g)| g.as_str()).collect();
    assert!(reports.len() >= 40 && events.len() >= 20, "{} reports, {} events", reports.len(), events.len());
    let grouped = rules.group(&reports, &[]);
    let (p, r, tp, pp, gp) = pairwise(&grouped, &gold);
    println!("{file}: {} reports, {} gold events, {} predicted events", reports.len(), events.len(), grouped.len());
    println!("pairwise precision {p:.3} ({tp}/{pp}), recall {r:.3} ({tp}/{gp})");
    let event_of: std::collections::HashMap<i64, usize> =
        grouped.iter().enumerate().flat_map(|(i, e)| e.reports.iter().map(move |a| (*a, i))).collect();
    for (i, (a, ga)) in gold.iter().enumerate() {
        for (b, gb) in &gold[i + 1..] {
            let pred = event_of.get(a) == event_of.get(b);
            if pred != (ga == gb) {
                let why = grouped
                    .iter()
                    .flat_map(|e| &e.why)
                    .find(|w| (w.a == *a && w.b == *b) || (w.a == *b && w.b == *a))
                    .map(|w| w.to_string())
                    .unwrap_or_default();
                let show = |id: i64| {
                    let r = &reports[id as usize - 1];
                    let sites: Vec<&str> = r.sites.iter().map(|s| s.name.as_str()).collect();
                    let more: Vec<&str> = r.secondary.iter().map(|s| s.name.as_str()).collect();
                    format!("sites {sites:?} + {more:?}, lede {:?}, classes {:?}", r.lede, r.classes)
                };
                let pair = rules.same_event(&reports[*a as usize - 1], &reports[*b as usize - 1]);
                println!(
                    "  {} pair {a} ({ga}) / {b} ({gb}) {why}; as a pair: {}\n    {a}: {}\n    {b}: {}",
                    if pred { "WRONGLY JOINED" } else { "MISSED" },
                    pair.map_or("no".to_string(), |w| w.to_string()),
                    show(*a),
                    show(*b)
                );
            }
        }
    }
    for rep in &reports {
        if rep.sites.is_empty() {
            println!("  no event site: {}", texts[rep.article_id as usize - 1]);
        }
    }
    (p, r)
}

#[test]
fn reports_of_one_event_merge_and_distractors_stay_apart() {
    let (p, r) = score("merge.tsv");
    assert!(p >= PRECISION_FLOOR, "pairwise precision {p:.3} < {PRECISION_FLOOR}");
    assert!(r >= RECALL_FLOOR, "pairwise recall {r:.3} < {RECALL_FLOOR}");
}

/// The held-out set (`data/golden/merge_heldout.tsv`): written by another hand after the rules
/// were set, never used to change them; its floors are its first measured figures minus a little.
#[test]
fn held_out_reports_merge_too() {
    let (p, r) = score("merge_heldout.tsv");
    assert!(p >= HELD_OUT_PRECISION_FLOOR, "held-out pairwise precision {p:.3} < {HELD_OUT_PRECISION_FLOOR}");
    assert!(r >= HELD_OUT_RECALL_FLOOR, "held-out pairwise recall {r:.3} < {HELD_OUT_RECALL_FLOOR}");
}
