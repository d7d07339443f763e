//! The geoparser: text in, place mentions out, no I/O.
//!
//! Contract: [`Geoparser::parse`] finds every reference to a place in an article (towns, divisions,
//! countries, regions, seas, rivers, corridors, lines of contact, border segments, crossings) with its
//! exact span in Unicode code points, resolves each to one gazetteer record using the whole document
//! (countries and divisions named, "X, Y" hierarchy cues, spatial coherence, importance, the article
//! date for dated curated features), and attaches the geometry, representative point, UCDP/ACLED
//! precision, a confidence and the sentence it came from. Demonyms ("Russian") come out with
//! [`Role::Demonym`] and the country's point; relative references ("north of Goris", "3.5 km into its
//! territory") keep the anchor place and record a [`Relation`] instead of moved coordinates.
//! Not for: reading files, storing mentions or drawing them (CLI, `store`, `tiles`).
//!
//! Method: a pipeline of stages, each a module with its own contract, run in this order by
//! [`Geoparser::parse`]:
//! 1. [`doc`]: document and token features, computed once (links, capitalisation, sentence starts,
//!    words seen in lower case);
//! 2. [`people`]: person names, whose words are never places;
//! 3. [`spans`]: candidate spans, longest first at each position, with the extenders that widen them;
//! 4. [`candidate`]: the filters that reject a span or pass it on with its readings;
//! 5. [`cues`] and the document context of [`resolve`]: the features of each reading;
//! 6. [`score`] and [`resolve`]: the scorer, which chooses one reading per candidate or drops it;
//! 7. [`borders`] and [`relations`]: generic border references and relative references;
//! 8. [`literal`]: whether each mention names the place itself or stands for a government, team,
//!    people or organisation;
//! 9. [`event`]: which mentions are the event site and why the others are context.
//!
//! Word tables are built once ([`tables`]); word lists are data in `data/lexicon/` ([`lexicon`]).

mod borders;
mod candidate;
mod confidence;
mod context;
mod cues;
mod doc;
mod event;
mod filters;
mod lexicon;
mod literal;
mod output;
mod people;
mod predicates;
mod relations;
mod resolve;
mod score;
mod spans;
mod tables;
mod text;

pub use filters::{filter_ids, Rules, Trace, UnknownRule};
pub use output::{feature, feature_collection, prediction};

use crate::gazetteer::{Gazetteer, Kind, Place, PlaceIdx};
use cues::Cue;
use doc::Doc;
use geo_types::{Geometry, Point};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use text::Sentences;

/// What a mention stands for on the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Role {
    /// A place reference: a map incident.
    Place,
    /// A demonym or adjective ("Russian"): reported for evaluation, not a map incident.
    Demonym,
}

/// A relative reference anchored on the mention's place.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Relation {
    /// `distance_inside`, `direction_of`, `near` or `between`.
    pub kind: String,
    pub anchor_id: String,
    pub distance_km: Option<f64>,
    pub direction: Option<String>,
    pub side: Option<String>,
}

/// One place reference found in a text.
#[derive(Debug, Clone)]
pub struct Mention {
    /// Surface text.
    pub name: String,
    /// Code-point offsets in the document.
    pub start: usize,
    pub end: usize,
    pub place: PlaceIdx,
    pub place_id: String,
    pub place_name: String,
    pub kind: Kind,
    /// UCDP `where_prec` 1–7.
    pub precision: u8,
    /// ACLED `geo_precision` 1–3.
    pub geo_precision: u8,
    /// Probability that the mention is a place reference within 161 km of where the text means
    /// (stage 10, [`confidence`]).
    pub confidence: f32,
    /// The evidence that probability was read from (for `sitrep geoparse --confidence-features`).
    pub confidence_features: Vec<&'static str>,
    /// Representative point, lon/lat.
    pub point: Point<f64>,
    /// The place geometry: point, line or area (shared: one copy per place, not per mention).
    pub geometry: Arc<Geometry<f64>>,
    pub sentence: String,
    /// Code-point offset of `sentence` in the document.
    pub sentence_start: usize,
    pub role: Role,
    pub relation: Option<Relation>,
    /// The place itself (`true`: "shelling in Kharkiv"), or the place standing for a government,
    /// team, people or organisation (`false`: "Moscow said") — stage 8, [`literal`].
    pub literal: bool,
    /// The features that reading was made from (for `sitrep geoparse --literal-features`).
    pub literal_features: Vec<&'static str>,
    /// Where the reported event happened (`true`), or context — stage 9, [`event`].
    pub event: bool,
    /// Why a mention is context ("dateline", "named as a government", ...); `None` for event sites.
    pub role_reason: Option<&'static str>,
}

/// A border segment of the curated layer and the countries/divisions it separates.
struct Segment {
    idx: PlaceIdx,
    /// Countries named directly in the segment's names.
    direct: HashSet<String>,
    /// All countries (direct or through a division named in it).
    countries: HashSet<String>,
    /// Divisions named in the segment's names.
    admin1: HashSet<PlaceIdx>,
}

/// The geoparser: the gazetteer plus prepared word tables. Cheap to share across threads.
pub struct Geoparser {
    gaz: Arc<Gazetteer>,
    stop: HashSet<String>,
    titles: HashSet<String>,
    person_verbs: HashSet<String>,
    place_heads: HashSet<String>,
    infix: HashSet<String>,
    particles: HashSet<String>,
    abbrev: HashSet<String>,
    org_heads: HashSet<String>,
    disease_heads: HashSet<String>,
    kin: HashSet<String>,
    not_place_names: HashSet<String>,
    feature_heads: HashSet<String>,
    disease_modifiers: HashSet<String>,
    first_names: HashSet<String>,
    /// Bounding boxes of countries small enough that "near the country" means something (under
    /// about 1,500 km across), by ISO alpha-2 code.
    small_country_boxes: HashMap<String, geo_types::Rect<f64>>,
    /// Countries of the conflicts covered (upper-case ISO alpha-2), `data/lexicon/theatres.txt`.
    theatres: HashSet<String>,
    /// Division capitals that bear their division's name (Kherson, Donetsk, Idlib, Kidal): "in
    /// Kherson" names the city unless a division word says otherwise.
    eponymous_capitals: HashSet<PlaceIdx>,
    /// Conflict actors, weapons and operations named like places (`data/lexicon/conflict_terms.txt`).
    conflict_terms: HashSet<String>,
    /// Heads of road and square names (`data/lexicon/road_heads.txt`).
    road_heads: HashSet<String>,
    us_states: HashMap<String, PlaceIdx>,
    region_demonyms: HashMap<String, PlaceIdx>,
    segments: Vec<Segment>,
    /// GeoNames-style points of countries and continents, by place.
    ref_points: HashMap<PlaceIdx, Point<f64>>,
    /// Demonyms the gazetteer lacks.
    extra_demonyms: HashMap<String, PlaceIdx>,
    /// Names the gazetteer lacks.
    extra_names: HashMap<String, PlaceIdx>,
    not_demonyms: HashSet<String>,
    /// Longest demonym, in words.
    max_demonym_tokens: usize,
    /// Geometries handed out with mentions, built on first use (a country outline is copied once,
    /// not once per mention).
    geometries: Vec<std::sync::OnceLock<Arc<Geometry<f64>>>>,
}

/// One recognised span before resolution.
#[derive(Debug, Clone)]
struct Cand {
    tok_start: usize,
    tok_end: usize,
    start: usize,
    end: usize,
    byte_start: usize,
    byte_end: usize,
    sentence: usize,
    what: CandKind,
    /// Recognition confidence.
    rec: f32,
}

#[derive(Debug, Clone)]
enum CandKind {
    /// Namesakes: (place, matched through an alternate name).
    Places(Vec<(PlaceIdx, bool)>),
    Demonym(PlaceIdx),
    /// A compound border reference ("Armenian-Azerbaijani border"): the two countries are read
    /// again from its first two words when it is resolved.
    Border,
}

/// Great-circle distance in km between two lon/lat points (mean Earth radius 6,371 km).
pub fn haversine_km(a: Point<f64>, b: Point<f64>) -> f64 {
    let (la1, lo1, la2, lo2) = (a.y().to_radians(), a.x().to_radians(), b.y().to_radians(), b.x().to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().min(1.0).asin()
}

/// Days since 0000-03-01 of a `YYYY[-MM[-DD]]` date (proleptic Gregorian); `None` when unreadable.
fn day_number(date: &str) -> Option<i64> {
    let mut it = date.trim().split('-');
    let y: i64 = it.next()?.get(..4)?.parse().ok()?;
    let m: i64 = it.next().and_then(|m| m.parse().ok()).unwrap_or(7).clamp(1, 12);
    let d: i64 = it.next().and_then(|d| d.get(..2.min(d.len()))?.parse().ok()).unwrap_or(1).clamp(1, 31);
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    Some(365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + d - 1)
}

/// How many days `date` lies outside the validity of a dated record: 0 when valid (or undated),
/// `None` when the date cannot be read.
fn days_outside(p: &Place, date: &str) -> Option<i64> {
    if p.valid_on(date) {
        return Some(0);
    }
    let d = day_number(date)?;
    let before = p.valid_from.as_deref().and_then(day_number).map_or(0, |f| (f - d).max(0));
    let after = p.valid_to.as_deref().and_then(day_number).map_or(0, |t| (d - t).max(0));
    Some(before.max(after).max(1))
}

/// Whether `p` lies in country `cc` (and in its division `admin1`, when given); a country lies in
/// nothing.
fn lies_in(p: &Place, cc: &str, admin1: Option<&str>) -> bool {
    p.kind != Kind::Country && p.country.as_deref() == Some(cc) && admin1.is_none_or(|a| p.admin1.as_deref() == Some(a))
}

fn is_curated(p: &Place) -> bool {
    p.id.starts_with("sitrep:")
}

fn is_line_kind(k: Kind) -> bool {
    matches!(k, Kind::Corridor | Kind::LineOfContact | Kind::BorderSegment | Kind::Crossing)
}

/// ACLED geo_precision from the UCDP scale.
fn acled_precision(p: u8) -> u8 {
    match p {
        1 => 1,
        2 => 2,
        _ => 3,
    }
}

impl Geoparser {
    /// Finds and resolves every place mention in `text`. `date` (YYYY-MM-DD) selects dated curated
    /// features; without it the latest year written in the text stands in. Sorted by start.
    pub fn parse(&self, text: &str, date: Option<&str>) -> Vec<Mention> {
        self.parse_with(text, date, Rules::all(), None)
    }

    /// [`Geoparser::parse`] with some filters turned off, counting in `trace` how often each
    /// filter rejected a span (`sitrep eval --explain`).
    pub fn parse_with(&self, text: &str, date: Option<&str>, rules: Rules, trace: Option<&mut Trace>) -> Vec<Mention> {
        if text.trim().is_empty() {
            return Vec::new();
        }
        let toks = crate::gazetteer::tokenize(text);
        if toks.is_empty() {
            return Vec::new();
        }
        let sents = Sentences::split(text, &toks, &self.abbrev);
        let inferred;
        let date = match date {
            Some(d) => Some(d),
            None => {
                inferred = text::latest_year(&toks).map(|y| format!("{y}-07-01"));
                inferred.as_deref()
            }
        };
        // 1. document and token features
        let mut doc = Doc::new(self, text, &toks, &sents, rules, trace.is_some());
        // 2. people
        doc.find_people();
        // 3. candidate spans with their extenders, 4. each span through the filters
        let cands = doc.recognise();
        // 5. features, 6. the scorer, 7. generic borders and relations
        let ctx = doc.context(&cands, date);
        let mut mentions = doc.resolve(&cands, &ctx, date);
        doc.generic_borders(&mut mentions, &ctx.country, &ctx.admin1, date);
        doc.relations(&mut mentions);
        mentions.sort_by_key(|m| (m.start, m.end));
        // 8. literal or not
        doc.literal(&mut mentions);
        // 9. the event site
        doc.event(&mut mentions, date);
        // 10. confidence
        doc.confidence(&mut mentions);
        if let Some(t) = trace {
            for (n, c) in t.fired.iter_mut().zip(&doc.fired) {
                *n += c.get();
            }
        }
        mentions
    }
}
