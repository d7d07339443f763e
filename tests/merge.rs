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

/// Measured on the set as committed (see the README), minus a little.
const PRECISION_FLOOR: f64 = 0.95;
const RECALL_FLOOR: f64 = 0.85;

#[test]
fn reports_of_one_event_merge_and_distractors_stay_apart() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let gaz = Gazetteer::load(&root.join("data")).expect("gazetteer loads");
    let parser = Geoparser::new(Arc::new(gaz));
    let src = std::fs::read_to_string(root.join("data/golden/merge.tsv")).unwrap();
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
            panic!("merge.tsv line {}: expected EVENT<TAB>DATE<TAB>TEXT", n + 1);
        };
        let id = reports.len() as i64 + 1;
        let mentions = parser.parse(text, Some(date));
        let r = rules.report(id, Some(date), text, &mentions);
        assert!(r.day.is_some(), "merge.tsv line {}: bad date {date:?}", n + 1);
        reports.push(r);
        gold.push((id, event.to_string()));
        texts.push(text.to_string());
    }
    let events: std::collections::BTreeSet<&str> = gold.iter().map(|(_, g)| g.as_str()).collect();
    assert!(reports.len() >= 40 && events.len() >= 20, "{} reports, {} events", reports.len(), events.len());
    let grouped = rules.group(&reports, &[]);
    let (p, r, tp, pp, gp) = pairwise(&grouped, &gold);
    println!("merge: {} reports, {} gold events, {} predicted events", reports.len(), events.len(), grouped.len());
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
                println!(
                    "  {} pair {a} ({ga}) / {b} ({gb}) {why}\n    {a}: {}\n    {b}: {}",
                    if pred { "WRONGLY JOINED" } else { "MISSED" },
                    texts[*a as usize - 1],
                    texts[*b as usize - 1]
                );
            }
        }
    }
    for rep in &reports {
        if rep.sites.is_empty() {
            println!("  no event site: {}", texts[rep.article_id as usize - 1]);
        }
    }
    assert!(p >= PRECISION_FLOOR, "pairwise precision {p:.3} < {PRECISION_FLOOR}");
    assert!(r >= RECALL_FLOOR, "pairwise recall {r:.3} < {RECALL_FLOOR}");
}
