//! The conflict-domain golden set (`data/golden/conflict.jsonl`, texts written for the project and
//! annotated by hand; see `data/golden/README.md`): the geoparser runs in-process on the shipped
//! gazetteer and is scored with the rules of `shared/eval/score.py` (a prediction matches a gold
//! toponym when the names are equal, case-insensitive, and the span centres are < 10 code points
//! apart). Precision, recall, F1, acc161 and acc161 end to end must not fall below the floors in
//! `data/golden/floors.json`, and the false-precision rate (gold toponyms pinned at precision 1–2 more
//! than 50 km off) must not rise above its ceiling there, nor the Brier score of the mentions'
//! confidence (each predicted mention right when it matches a gold toponym within 161 km) above
//! `brier_max`: a confidence that stopped meaning "how likely this pin is right" fails here.
//!
//! `cargo test --release --test golden -- --nocapture` prints the breakdown per style and per error
//! kind; every run writes each error (misses, false positives, wrong resolutions) to
//! `target/golden-report.txt`.

use serde_json::Value;
use sitrep::gazetteer::Gazetteer;
use sitrep::geoparse::{haversine_km, Geoparser, Mention, Role};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Distance beyond which a pin claiming town-level precision is false precision.
const FALSE_PRECISION_KM: f64 = 50.0;

struct GoldToponym {
    start: usize,
    end: usize,
    name: String,
    lat: f64,
    lon: f64,
}

struct Doc {
    id: String,
    style: String,
    kind: String,
    text: String,
    gold: Vec<GoldToponym>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn str_field(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_else(|| panic!("{key} missing in {v}")).to_string()
}

/// Reads the golden set and checks it (the checks of `scripts/golden_check.py` that matter for
/// scoring: unique ids, offsets inside the text, name equal to its span, no overlaps).
fn load(path: &Path) -> Vec<Doc> {
    let body = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut ids = std::collections::HashSet::new();
    let mut docs = Vec::new();
    for (i, line) in body.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
        let id = str_field(&v, "id");
        assert!(ids.insert(id.clone()), "duplicate id {id}");
        let text = str_field(&v, "text");
        let chars: Vec<char> = text.chars().collect();
        let mut gold = Vec::new();
        for t in v["toponyms"].as_array().unwrap_or_else(|| panic!("{id}: no toponyms array")) {
            let (start, end) = (t["start"].as_u64().unwrap() as usize, t["end"].as_u64().unwrap() as usize);
            let name = str_field(t, "name");
            assert!(start < end && end <= chars.len(), "{id}: {name}: offsets {start}..{end} outside the text");
            let span: String = chars[start..end].iter().collect();
            assert_eq!(span, name, "{id}: text[{start}..{end}] is not the name");
            // Gold without coordinates counts for nothing in score.py; the set has none.
            let (Some(lat), Some(lon)) = (t["lat"].as_f64(), t["lon"].as_f64()) else { continue };
            gold.push(GoldToponym { start, end, name, lat, lon });
        }
        gold.sort_by_key(|t| (t.start, t.end));
        for w in gold.windows(2) {
            assert!(w[1].start >= w[0].end, "{id}: {} and {} overlap", w[0].name, w[1].name);
        }
        docs.push(Doc { id, style: str_field(&v, "style"), kind: str_field(&v, "kind"), text, gold });
    }
    docs
}

/// Counts of one group of documents (the whole set, a style or a kind).
#[derive(Default, Clone, Copy)]
struct Tally {
    docs: usize,
    tp: usize,
    fp: usize,
    fn_: usize,
    within161: usize,
    false_precision: usize,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.docs += o.docs;
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
        self.within161 += o.within161;
        self.false_precision += o.false_precision;
    }
    fn ratio(a: usize, b: usize) -> f64 {
        if b == 0 {
            0.0
        } else {
            a as f64 / b as f64
        }
    }
    fn precision(&self) -> f64 {
        Self::ratio(self.tp, self.tp + self.fp)
    }
    fn recall(&self) -> f64 {
        Self::ratio(self.tp, self.tp + self.fn_)
    }
    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        }
    }
    fn acc161(&self) -> f64 {
        Self::ratio(self.within161, self.tp)
    }
    fn acc161_end_to_end(&self) -> f64 {
        Self::ratio(self.within161, self.tp + self.fn_)
    }
    /// Share of gold toponyms pinned at precision 1–2 more than 50 km off.
    fn false_precision_rate(&self) -> f64 {
        Self::ratio(self.false_precision, self.tp + self.fn_)
    }
    fn row(&self, label: &str) -> String {
        format!(
            "{label:<22} {:>4} {:>5} | {:.3} {:.3} {:.3} | {:.3} {:.3} | {:.3} ({})",
            self.docs,
            self.tp + self.fn_,
            self.precision(),
            self.recall(),
            self.f1(),
            self.acc161(),
            self.acc161_end_to_end(),
            self.false_precision_rate(),
            self.false_precision
        )
    }
}

/// Scores one document; appends its errors to `errors` (one line each) and each predicted
/// mention's (confidence, right) to `calibration`.
fn score_doc(doc: &Doc, mentions: &[Mention], errors: &mut Vec<String>, calibration: &mut Vec<(f64, bool)>) -> Tally {
    let mut t = Tally { docs: 1, ..Tally::default() };
    let mut preds: Vec<&Mention> = mentions.iter().collect();
    for g in &doc.gold {
        let centre = (g.start + g.end) as f64 / 2.0;
        let hit = preds.iter().position(|m| {
            ((m.start + m.end) as f64 / 2.0 - centre).abs() < 10.0 && m.name.to_lowercase() == g.name.to_lowercase()
        });
        let Some(h) = hit else {
            t.fn_ += 1;
            errors.push(format!("MISS   {:<28} {}..{}", g.name, g.start, g.end));
            continue;
        };
        let m = preds.remove(h);
        t.tp += 1;
        let km = haversine_km(geo_types::Point::new(g.lon, g.lat), m.point);
        if km < 161.0 {
            t.within161 += 1;
        }
        calibration.push((m.confidence as f64, km < 161.0));
        let false_precision = m.precision <= 2 && km > FALSE_PRECISION_KM;
        if false_precision {
            t.false_precision += 1;
        }
        if km >= FALSE_PRECISION_KM {
            errors.push(format!(
                "WRONG  {:<28} -> {} ({}) {:.0} km, precision {}{}",
                g.name,
                m.place_name,
                m.place_id,
                km,
                m.precision,
                if false_precision { " FALSE PRECISION" } else { "" }
            ));
        }
    }
    for m in preds {
        t.fp += 1;
        calibration.push((m.confidence as f64, false));
        errors.push(format!(
            "FP     {:<28} -> {} ({}), precision {}, confidence {:.2}",
            m.name, m.place_name, m.place_id, m.precision, m.confidence
        ));
    }
    t
}

/// The Brier score of (confidence, right) pairs and a reliability table in five bins.
fn reliability(pairs: &[(f64, bool)]) -> (f64, String) {
    let brier =
        pairs.iter().map(|(p, y)| (p - f64::from(u8::from(*y))).powi(2)).sum::<f64>() / pairs.len().max(1) as f64;
    let mut table = String::from("confidence  mentions  mean  right\n");
    for b in 0..5 {
        let (lo, hi) = (b as f64 / 5.0, (b + 1) as f64 / 5.0);
        let sel: Vec<_> = pairs.iter().filter(|(p, _)| *p >= lo && (*p < hi || b == 4)).collect();
        if !sel.is_empty() {
            let mean = sel.iter().map(|(p, _)| p).sum::<f64>() / sel.len() as f64;
            let right = sel.iter().filter(|(_, y)| *y).count() as f64 / sel.len() as f64;
            let _ = writeln!(table, "{lo:.1}-{hi:.1}     {:>8}  {mean:.3} {right:.3}", sel.len());
        }
    }
    (brier, table)
}

fn floors() -> BTreeMap<String, f64> {
    let path = root().join("data/golden/floors.json");
    let body = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: Value = serde_json::from_str(&body).expect("floors.json is JSON");
    v.as_object()
        .expect("floors.json is an object")
        .iter()
        .filter_map(|(k, x)| x.as_f64().map(|f| (k.clone(), f)))
        .collect()
}

#[test]
fn golden_conflict_set() {
    let docs = load(&root().join("data/golden/conflict.jsonl"));
    assert!(docs.len() >= 100, "the golden set has {} documents", docs.len());
    let gaz = Gazetteer::load(&root().join("data")).expect("the shipped gazetteer loads");
    let gp = Geoparser::new(Arc::new(gaz));

    let mut total = Tally::default();
    let mut by_style: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut by_kind: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut report_by_kind: BTreeMap<&str, String> = BTreeMap::new();
    let mut calibration = Vec::new();
    for doc in &docs {
        // Demonyms are not annotated in this set ("demonyms": "excluded").
        let mentions: Vec<Mention> =
            gp.parse(&doc.text, None).into_iter().filter(|m| m.role != Role::Demonym).collect();
        let mut errors = Vec::new();
        let t = score_doc(doc, &mentions, &mut errors, &mut calibration);
        total.add(&t);
        by_style.entry(&doc.style).or_default().add(&t);
        by_kind.entry(&doc.kind).or_default().add(&t);
        if !errors.is_empty() {
            let r = report_by_kind.entry(&doc.kind).or_default();
            let _ = writeln!(r, "{} [{}] {}", doc.id, doc.style, doc.text);
            for e in errors {
                let _ = writeln!(r, "    {e}");
            }
        }
    }

    let header = format!(
        "{:<22} {:>4} {:>5} | {:<5} {:<5} {:<5} | {:<5} {:<5} | {}",
        "group", "docs", "gold", "P", "R", "F1", "acc161", "e2e", "false precision (n)"
    );
    let mut summary = format!("{header}\n{}\n", total.row("all"));
    for (s, t) in &by_style {
        let _ = writeln!(summary, "{}", t.row(&format!("style={s}")));
    }
    for (k, t) in &by_kind {
        let _ = writeln!(summary, "{}", t.row(&format!("kind={k}")));
    }
    let (brier, table) = reliability(&calibration);
    let _ = write!(summary, "\nconfidence of {} predicted mentions: Brier {brier:.4}\n{table}", calibration.len());
    println!("{summary}");

    let mut report = format!(
        "Errors of the geoparser on data/golden/conflict.jsonl (written by tests/golden.rs)\n\
         MISS: gold toponym not found. FP: predicted, not in the gold. WRONG: found, resolved >= {FALSE_PRECISION_KM} km \
         off (FALSE PRECISION when the pin claims precision 1-2 and is > {FALSE_PRECISION_KM} km off).\n\n{summary}\n"
    );
    for (k, r) in &report_by_kind {
        let _ = write!(report, "== kind={k} ==\n{r}\n");
    }
    let out = root().join("target/golden-report.txt");
    if std::fs::create_dir_all(out.parent().unwrap()).is_ok() && std::fs::write(&out, &report).is_ok() {
        println!("errors written to {}", out.display());
    }

    let measured = [
        ("precision", total.precision()),
        ("recall", total.recall()),
        ("f1", total.f1()),
        ("acc161", total.acc161()),
        ("acc161_end_to_end", total.acc161_end_to_end()),
    ];
    let floors = floors();
    let mut failures = Vec::new();
    for (name, value) in measured {
        let floor = *floors.get(name).unwrap_or_else(|| panic!("floors.json has no {name}"));
        if value < floor {
            failures.push(format!("{name} {value:.4} < floor {floor:.4}"));
        }
    }
    let fp_rate = total.false_precision_rate();
    let ceiling = *floors.get("false_precision_max").expect("floors.json has no false_precision_max");
    if fp_rate > ceiling {
        failures.push(format!("false precision rate {fp_rate:.4} > ceiling {ceiling:.4}"));
    }
    let brier_max = *floors.get("brier_max").expect("floors.json has no brier_max");
    if brier > brier_max {
        failures.push(format!("confidence Brier score {brier:.4} > ceiling {brier_max:.4}"));
    }
    assert!(failures.is_empty(), "golden set regressed: {}\n{summary}", failures.join("; "));
}
