//! `sitrep geoparse` (one article → FeatureCollection; `--jsonl` documents → predictions) and
//! `sitrep eval` (score the geoparser on a gold corpus with the definitions of `shared/eval/score.py`;
//! `--explain`: what each filter of the geoparser is worth on it).

use crate::geoparse::{feature_collection, filter_ids, haversine_km, prediction, Geoparser, Mention, Rules, Trace};
use anyhow::{anyhow, Context};
use clap::Args;
use rayon::prelude::*;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Whether demonyms and adjectives ("Armenian") are output as mentions. Evaluation corpora differ:
/// GeoWebNews, LGL and TR-News annotate them as toponyms; GeoVirus does not.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Demonyms {
    #[default]
    Include,
    Exclude,
}

impl Demonyms {
    fn keep(self, m: &crate::geoparse::Mention) -> bool {
        self == Demonyms::Include || m.role != crate::geoparse::Role::Demonym
    }
}

#[derive(Args, Debug)]
pub struct GeoparseArgs {
    /// Input file, or - for standard input (default).
    pub input: Option<PathBuf>,
    /// Article date (YYYY-MM-DD), used to pick curated features valid on that day.
    #[arg(long)]
    pub date: Option<String>,
    /// Read documents {"id","text"[,"date"]} one per line and write predictions one per line.
    #[arg(long)]
    pub jsonl: bool,
    /// Geometry of each place in the `places` dictionary (given once per place, never per
    /// mention): none (`point`), simplified to at most 500 vertices, or `full`.
    #[arg(long, value_enum, default_value_t = GeometryArg::Simplified)]
    pub geometry: GeometryArg,
    /// With --jsonl: give each prediction the features its `literal` reading was made from
    /// (what `scripts/fit_literal.py` fits the weights on).
    #[arg(long)]
    pub literal_features: bool,
    /// With --jsonl: give each prediction the evidence its `confidence` was read from (what
    /// `scripts/fit_confidence.py` fits the weights on).
    #[arg(long)]
    pub confidence_features: bool,
    #[command(flatten)]
    pub run: RunOptions,
}

/// How much of each place's geometry `sitrep geoparse` prints.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum GeometryArg {
    Point,
    Simplified,
    Full,
}

/// Options shared by `geoparse` and `eval`.
#[derive(Args, Debug)]
pub struct RunOptions {
    /// Worker threads over documents (--jsonl and eval).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Output demonyms and adjectives ("Armenian") as mentions, or leave them out.
    #[arg(long, value_enum, default_value_t = Demonyms::Include)]
    pub demonyms: Demonyms,
    /// Data directory (see `sitrep serve --help` for where it is looked for).
    #[arg(long, env = "SITREP_DATA")]
    pub data: Option<PathBuf>,
    /// Turn off a filter of the geoparser by its id (repeatable; the ids: `sitrep eval --explain`).
    #[arg(long = "disable-rule", value_name = "ID")]
    pub disable_rule: Vec<String>,
}

impl RunOptions {
    fn rules(&self) -> anyhow::Result<Rules> {
        Ok(Rules::without(&self.disable_rule)?)
    }
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Gold corpus in the evaluation JSONL format.
    pub corpus: PathBuf,
    #[command(flatten)]
    pub run: RunOptions,
    /// Also write the predictions to this file.
    #[arg(long)]
    pub predictions: Option<PathBuf>,
    /// Instead of the score, print for each filter of the geoparser how often it rejects a span,
    /// how many mentions turning it off changes, and the score without it (JSON).
    #[arg(long)]
    pub explain: bool,
}

fn read_input(input: &Option<PathBuf>) -> anyhow::Result<(String, Vec<u8>)> {
    match input {
        None => read_stdin(),
        Some(p) if p.as_os_str() == "-" => read_stdin(),
        Some(p) => {
            Ok((p.display().to_string(), std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?))
        }
    }
}

fn read_stdin() -> anyhow::Result<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    std::io::stdin().read_to_end(&mut buf).context("cannot read standard input")?;
    Ok(("<stdin>".into(), buf))
}

/// The text of `bytes`, or an error naming the file and the byte offset of the first invalid byte.
fn utf8<'a>(name: &str, bytes: &'a [u8], base: usize) -> anyhow::Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        anyhow!("{name}: invalid UTF-8 at byte offset {} (the input must be UTF-8 text)", base + e.valid_up_to())
    })
}

fn pool(threads: usize) -> anyhow::Result<rayon::ThreadPool> {
    Ok(rayon::ThreadPoolBuilder::new().num_threads(threads.max(1)).build()?)
}

fn parser(data: Option<PathBuf>) -> anyhow::Result<Geoparser> {
    Ok(Geoparser::new(Arc::new(super::load_gazetteer(data)?)))
}

/// One document of a JSONL input, or why the line was skipped.
fn parse_doc_line(
    name: &str,
    line: &[u8],
    lineno: usize,
    offset: usize,
) -> Result<Option<(Value, String, Option<String>)>, String> {
    let s = utf8(name, line, offset).map_err(|e| format!("{e} (line {lineno})"))?;
    if s.trim().is_empty() {
        return Ok(None);
    }
    let v: Value =
        serde_json::from_str(s).map_err(|e| format!("{name}: line {lineno}: malformed JSON: {e}; skipped"))?;
    let text = v
        .get("text")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{name}: line {lineno}: no \"text\" string; skipped"))?
        .to_string();
    let id = v.get("id").cloned().unwrap_or(json!(lineno));
    let date = v.get("date").and_then(Value::as_str).map(str::to_string);
    Ok(Some((id, text, date)))
}

/// Splits a byte buffer into (line number, byte offset, line) triples.
fn lines(bytes: &[u8]) -> Vec<(usize, usize, &[u8])> {
    let mut out = Vec::new();
    let mut off = 0;
    for (i, l) in bytes.split(|b| *b == b'\n').enumerate() {
        let l2 = l.strip_suffix(b"\r").unwrap_or(l);
        out.push((i + 1, off, l2));
        off += l.len() + 1;
    }
    out
}

pub fn geoparse(args: GeoparseArgs) -> anyhow::Result<()> {
    let rules = args.run.rules()?;
    let gp = parser(args.run.data.clone())?;
    let (name, bytes) = read_input(&args.input)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if !args.jsonl {
        let text = utf8(&name, &bytes, 0)?;
        let mut mentions = gp.parse_with(text, args.date.as_deref(), rules, None);
        mentions.retain(|m| args.run.demonyms.keep(m));
        let mut fc = feature_collection(&mentions);
        let geometry = match args.geometry {
            GeometryArg::Point => crate::features::PlaceGeometry::Point,
            GeometryArg::Simplified => crate::features::PlaceGeometry::Simplified(None),
            GeometryArg::Full => crate::features::PlaceGeometry::Simplified(Some(22)),
        };
        let index = crate::index::SpatialIndex::new();
        fc["places"] =
            crate::features::places_dictionary(&mentions, |m| crate::features::place_of(&index, m), geometry);
        serde_json::to_writer_pretty(&mut out, &fc)?;
        writeln!(out)?;
        return Ok(());
    }
    let ls = lines(&bytes);
    let results: Vec<Result<Option<String>, String>> = pool(args.run.threads)?.install(|| {
        ls.par_iter()
            .map(|(lineno, off, l)| {
                let Some((id, text, date)) = parse_doc_line(&name, l, *lineno, *off)? else {
                    return Ok(None);
                };
                let date = date.or_else(|| args.date.clone());
                let mut ms = gp.parse_with(&text, date.as_deref(), rules, None);
                ms.retain(|m| args.run.demonyms.keep(m));
                let tops: Vec<Value> = ms
                    .iter()
                    .map(|m| {
                        let mut v = prediction(m);
                        if args.literal_features {
                            v["literal_features"] = json!(m.literal_features);
                        }
                        if args.confidence_features {
                            v["confidence_features"] = json!(m.confidence_features);
                        }
                        v
                    })
                    .collect();
                Ok(Some(json!({"id": id, "toponyms": tops}).to_string()))
            })
            .collect()
    });
    let mut skipped = 0;
    for r in results {
        match r {
            Ok(Some(line)) => writeln!(out, "{line}")?,
            Ok(None) => {}
            Err(e) => {
                skipped += 1;
                eprintln!("sitrep: {e}");
            }
        }
    }
    out.flush()?;
    if skipped > 0 {
        eprintln!("sitrep: {skipped} line(s) skipped");
    }
    Ok(())
}

struct Gold {
    start: usize,
    end: usize,
    name: String,
    coords: Option<(f64, f64)>,
}

/// Metrics of `score.py` (inexact matching, gold with coordinates only).
fn score(gold: &[&[Gold]], preds: &[Vec<(usize, usize, String, f64, f64)>]) -> Value {
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    let mut errors: Vec<f64> = Vec::new();
    for (g, p) in gold.iter().zip(preds) {
        let mut g: Vec<&Gold> = g.iter().filter(|t| t.coords.is_some()).collect();
        g.sort_by_key(|t| (t.start, t.end));
        let mut p: Vec<&(usize, usize, String, f64, f64)> = p.iter().collect();
        for t in g {
            let gc = (t.start + t.end) as f64 / 2.0;
            let hit = p.iter().position(|q| {
                ((q.0 + q.1) as f64 / 2.0 - gc).abs() < 10.0 && q.2.to_lowercase() == t.name.to_lowercase()
            });
            match hit {
                None => fn_ += 1,
                Some(h) => {
                    let q = p.remove(h);
                    tp += 1;
                    let (la, lo) = t.coords.unwrap();
                    errors.push(haversine_km(geo_types::Point::new(lo, la), geo_types::Point::new(q.4, q.3)));
                }
            }
        }
        fp += p.len();
    }
    let pr = if tp + fp > 0 { tp as f64 / (tp + fp) as f64 } else { 0.0 };
    let rc = if tp + fn_ > 0 { tp as f64 / (tp + fn_) as f64 } else { 0.0 };
    let f1 = if pr + rc > 0.0 { 2.0 * pr * rc / (pr + rc) } else { 0.0 };
    errors.sort_by(f64::total_cmp);
    let n = errors.len();
    let within = errors.iter().filter(|e| **e < 161.0).count();
    let med = if n == 0 {
        0.0
    } else if n % 2 == 1 {
        errors[n / 2]
    } else {
        (errors[n / 2 - 1] + errors[n / 2]) / 2.0
    };
    let f = |x: f64| (1.0 + x).ln() / 20039f64.ln();
    let auc = if n < 2 {
        0.0
    } else {
        (0.5 * (f(errors[0]) + f(errors[n - 1])) + errors[1..n - 1].iter().map(|e| f(*e)).sum::<f64>()) / (n - 1) as f64
    };
    let r4 = |x: f64| (x * 1e4).round() / 1e4;
    json!({
        "gold": tp + fn_, "pred": tp + fp, "tp": tp, "fp": fp, "fn": fn_,
        "precision": r4(pr), "recall": r4(rc), "f1": r4(f1),
        "acc161": if n > 0 { json!(r4(within as f64 / n as f64)) } else { Value::Null },
        "acc161_end_to_end": if tp + fn_ > 0 { json!(r4(within as f64 / (tp + fn_) as f64)) } else { Value::Null },
        "mean_km": if n > 0 { json!((errors.iter().sum::<f64>() / n as f64 * 10.0).round() / 10.0) } else { Value::Null },
        "median_km": if n > 0 { json!((med * 10.0).round() / 10.0) } else { Value::Null },
        "auc": if n > 0 { json!(r4(auc)) } else { Value::Null },
    })
}

fn load_corpus(path: &Path) -> anyhow::Result<Corpus> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let name = path.display().to_string();
    let mut docs = Vec::new();
    for (lineno, off, l) in lines(&bytes) {
        match parse_doc_line(&name, l, lineno, off) {
            Ok(Some((id, text, date))) => {
                let v: Value = serde_json::from_slice(l)?;
                let gold = v
                    .get("toponyms")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .map(|t| Gold {
                                start: t["start"].as_u64().unwrap_or(0) as usize,
                                end: t["end"].as_u64().unwrap_or(0) as usize,
                                name: t["name"].as_str().unwrap_or("").to_string(),
                                coords: t["lat"].as_f64().zip(t["lon"].as_f64()),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                docs.push((id, text, date, gold));
            }
            Ok(None) => {}
            Err(e) => eprintln!("sitrep: {e}"),
        }
    }
    Ok(docs)
}

type Corpus = Vec<(Value, String, Option<String>, Vec<Gold>)>;

/// The mentions of every document of `docs`, parsed with `rules`, and the filters' rejections.
fn run(gp: &Geoparser, docs: &Corpus, run: &RunOptions, rules: Rules, count: bool) -> (Vec<Vec<Mention>>, Trace) {
    let per_doc: Vec<(Vec<Mention>, Trace)> = docs
        .par_iter()
        .map(|(_, text, date, _)| {
            let mut trace = if count { Trace::new() } else { Trace::default() };
            let mut ms = gp.parse_with(text, date.as_deref(), rules, count.then_some(&mut trace));
            ms.retain(|m| run.demonyms.keep(m));
            (ms, trace)
        })
        .collect();
    let mut total = Trace::new();
    let mut mentions = Vec::with_capacity(per_doc.len());
    for (ms, t) in per_doc {
        for (a, b) in total.fired.iter_mut().zip(&t.fired) {
            *a += b;
        }
        mentions.push(ms);
    }
    (mentions, total)
}

/// The score of `mentions` against the gold of `docs`.
fn score_of(docs: &Corpus, mentions: &[Vec<Mention>]) -> Value {
    let preds: Vec<Vec<(usize, usize, String, f64, f64)>> = mentions
        .iter()
        .map(|ms| ms.iter().map(|m| (m.start, m.end, m.name.clone(), m.point.y(), m.point.x())).collect())
        .collect();
    let gold: Vec<&[Gold]> = docs.iter().map(|d| d.3.as_slice()).collect();
    score(&gold, &preds)
}

pub fn eval(args: EvalArgs) -> anyhow::Result<()> {
    let rules = args.run.rules()?;
    let gp = parser(args.run.data.clone())?;
    let docs = load_corpus(&args.corpus)?;
    let pool = pool(args.run.threads)?;
    if args.explain {
        let out = pool.install(|| explain(&gp, &docs, &args.run, rules));
        println!(
            "{}",
            json!({"corpus": args.corpus.display().to_string(), "documents": docs.len(), "rules": out.0, "with_every_rule": out.1})
        );
        return Ok(());
    }
    let t0 = Instant::now();
    let (mentions, _) = pool.install(|| run(&gp, &docs, &args.run, rules, false));
    let secs = t0.elapsed().as_secs_f64();
    if let Some(p) = &args.predictions {
        let mut f = std::io::BufWriter::new(std::fs::File::create(p)?);
        for ((id, ..), ms) in docs.iter().zip(&mentions) {
            writeln!(f, "{}", json!({"id": id, "toponyms": ms.iter().map(prediction).collect::<Vec<_>>()}))?;
        }
    }
    let mut s = score_of(&docs, &mentions);
    s["documents"] = json!(docs.len());
    s["seconds"] = json!((secs * 1e4).round() / 1e4);
    s["documents_per_second"] = json!((docs.len() as f64 / secs).round());
    s["threads"] = json!(args.run.threads);
    println!("{s}");
    Ok(())
}

/// Mentions as comparable keys: span, place and role.
fn mention_keys(ms: &[Mention]) -> std::collections::HashSet<(usize, usize, &str, bool)> {
    ms.iter().map(|m| (m.start, m.end, m.place_id.as_str(), m.role == crate::geoparse::Role::Place)).collect()
}

/// `sitrep eval --explain`: for each filter (beyond those `rules` already turns off), how often it
/// rejects a span with every other filter on, how many mentions and documents change when it is
/// turned off, and the score without it; and the score with every filter.
fn explain(gp: &Geoparser, docs: &Corpus, run_opts: &RunOptions, rules: Rules) -> (Vec<Value>, Value) {
    let (base, trace) = run(gp, docs, run_opts, rules, true);
    let mut out = Vec::new();
    for (k, id) in filter_ids().enumerate() {
        let off: Vec<&str> = run_opts.disable_rule.iter().map(String::as_str).chain([id]).collect();
        let Ok(without) = Rules::without(&off) else { continue };
        if without == rules {
            continue;
        }
        let (ms, _) = run(gp, docs, run_opts, without, false);
        let (mut changed_mentions, mut changed_docs) = (0, 0);
        for (a, b) in base.iter().zip(&ms) {
            let d = mention_keys(a).symmetric_difference(&mention_keys(b)).count();
            changed_mentions += d;
            changed_docs += usize::from(d > 0);
        }
        out.push(json!({
            "id": id,
            "fired": trace.fired[k],
            "changed_mentions": changed_mentions,
            "changed_documents": changed_docs,
            "without": score_of(docs, &ms),
        }));
    }
    (out, score_of(docs, &base))
}
