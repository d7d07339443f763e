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
//! Method: tokens from [`crate::gazetteer::tokenize`]; n-grams looked up longest-first (never across
//! sentence punctuation) under capitalisation, stoplist and person-name filters; then a two-pass
//! scoring of namesakes (prior importance, then document context).

mod lexicon;
mod text;

use crate::gazetteer::{Gazetteer, Kind, Place, PlaceIdx, Token};
use geo_types::{Geometry, Point};
use serde_json::{json, Map, Value};
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
    pub confidence: f32,
    /// Representative point, lon/lat.
    pub point: Point<f64>,
    /// The place geometry: point, line or area (shared: one copy per place, not per mention).
    pub geometry: Arc<Geometry<f64>>,
    pub sentence: String,
    /// Code-point offset of `sentence` in the document.
    pub sentence_start: usize,
    pub role: Role,
    pub relation: Option<Relation>,
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

/// What the words after a name say about where it lies ("X, Y", "X in Y").
struct Cue {
    /// The readings of the name that lie in the container.
    inside: HashSet<PlaceIdx>,
    /// The container itself, for a name none of whose readings lies in it.
    fallback: Option<PlaceIdx>,
    /// The words say it contains the name ("(Y", "in Y", "Y region"), beyond a bare comma.
    strong: bool,
    /// Only "in" says so, which may also tell where something happened ("Gregory of Narek in
    /// Vatican"): a reading in a country the document is about stands.
    via_in: bool,
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
    /// Already resolved (compound border references, generic conflict references).
    Fixed(PlaceIdx),
}

fn haversine_km(a: Point<f64>, b: Point<f64>) -> f64 {
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

/// A lower-case word naming a first-level division ("state", "province", ...).
fn is_division_word(w: &str) -> bool {
    matches!(w, "state" | "province" | "region" | "governorate" | "oblast")
}

/// A lower-case word naming a unit of any level after its proper name ("Masisi territory").
fn is_generic_unit_word(w: &str) -> bool {
    is_division_word(w) || matches!(w, "department" | "district" | "territory" | "circle" | "locality" | "county")
}

/// "North", "Western", "Central": words that orient a place name ("Northern Syria").
fn is_compass_word(w: &str) -> bool {
    matches!(
        w,
        "north"
            | "south"
            | "east"
            | "west"
            | "northern"
            | "southern"
            | "eastern"
            | "western"
            | "central"
            | "northeast"
            | "northwest"
            | "southeast"
            | "southwest"
            | "northeastern"
            | "northwestern"
            | "southeastern"
            | "southwestern"
    )
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

/// The bounding boxes of countries under about 1,500 km across (see [`Geoparser`]).
fn small_country_boxes(gaz: &Gazetteer) -> HashMap<String, geo_types::Rect<f64>> {
    use geo::BoundingRect;
    let mut out = HashMap::new();
    for p in gaz.places() {
        let (Kind::Country, Some(cc), Some(g)) = (p.kind, &p.country, &p.geometry) else { continue };
        let Some(r) = g.bounding_rect() else { continue };
        let diag = haversine_km(Point::new(r.min().x, r.min().y), Point::new(r.max().x, r.max().y));
        if diag < 1_500.0 {
            out.insert(cc.clone(), r);
        }
    }
    out
}

/// Settlements seat of a first-level division of the same name (see [`Geoparser`]).
fn eponymous_capitals(gaz: &Gazetteer) -> HashSet<PlaceIdx> {
    let mut out = HashSet::new();
    for (i, p) in gaz.places().iter().enumerate() {
        if p.kind != Kind::Settlement || !matches!(p.feature_code.as_deref(), Some("PPLA")) {
            continue;
        }
        let (Some(cc), Some(a1)) = (&p.country, &p.admin1) else { continue };
        let Some(d) = gaz.admin1(cc, a1) else { continue };
        let dn = crate::gazetteer::normalize(&gaz.place(d).name);
        let own = crate::gazetteer::normalize(&p.name);
        if dn == own || gaz.matches(&dn).any(|(q, _)| q == i as PlaceIdx) {
            out.insert(i as PlaceIdx);
        }
    }
    out
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
    pub fn new(gazetteer: Arc<Gazetteer>) -> Geoparser {
        let gaz = gazetteer;
        let first_names = lexicon::set(lexicon::FIRST_NAMES);
        let mut us_states = HashMap::new();
        for (abbr, code) in lexicon::pairs(lexicon::US_STATES) {
            if let Some(i) = gaz.admin1("US", code) {
                us_states.insert(abbr, i);
            }
        }
        let mut region_demonyms = HashMap::new();
        for (d, id) in lexicon::pairs(lexicon::REGION_DEMONYMS) {
            if let Some(i) = gaz.idx_of(id) {
                region_demonyms.insert(d, i);
            }
        }
        let mut max_demonym_tokens = 2;
        for p in gaz.places() {
            if p.kind == Kind::Country {
                for d in &p.demonyms {
                    max_demonym_tokens = max_demonym_tokens.max(crate::gazetteer::normalize(d).split(' ').count());
                }
            }
        }
        let resolve_key = |k: &str| -> Option<PlaceIdx> {
            if k.len() == 2 && k.chars().all(|c| c.is_ascii_uppercase()) {
                gaz.country(k)
            } else {
                gaz.idx_of(k)
            }
        };
        let mut ref_points = HashMap::new();
        let mut extra_demonyms = HashMap::new();
        for line in lexicon::REFERENCE_POINTS.lines().skip(1) {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 3 {
                continue;
            }
            let Some(i) = resolve_key(f[0]) else { continue };
            if let (Ok(lat), Ok(lon)) = (f[1].parse::<f64>(), f[2].parse::<f64>()) {
                ref_points.insert(i, Point::new(lon, lat));
            }
            for d in f.get(3).copied().unwrap_or("").split('|').filter(|d| !d.is_empty()) {
                let k = crate::gazetteer::normalize(d);
                if gaz.demonym_country(&k).is_none() {
                    extra_demonyms.insert(k, i);
                }
            }
        }
        let mut extra_names = HashMap::new();
        for (k, t) in lexicon::pairs(lexicon::EXTRA_NAMES) {
            if let Some(i) = resolve_key(t) {
                extra_names.insert(k, i);
            }
        }
        let mut gp = Geoparser {
            ref_points,
            extra_demonyms,
            extra_names,
            not_demonyms: lexicon::set(lexicon::NOT_DEMONYMS),
            stop: lexicon::set(lexicon::STOP),
            titles: lexicon::set(lexicon::TITLES),
            person_verbs: lexicon::set(lexicon::PERSON_VERBS),
            place_heads: lexicon::set(lexicon::PLACE_HEADS),
            infix: lexicon::set(lexicon::NAME_INFIX),
            particles: lexicon::set(lexicon::NAME_PARTICLES),
            abbrev: lexicon::set(lexicon::ABBREV),
            org_heads: lexicon::set(lexicon::ORG_HEADS),
            disease_heads: lexicon::set(lexicon::DISEASE_HEADS),
            kin: lexicon::set(lexicon::KIN),
            not_place_names: lexicon::set(lexicon::NOT_PLACE_NAMES),
            feature_heads: lexicon::set(lexicon::FEATURE_HEADS),
            disease_modifiers: lexicon::set(lexicon::DISEASE_MODIFIERS),
            first_names,
            small_country_boxes: small_country_boxes(&gaz),
            theatres: lexicon::set(lexicon::THEATRES).into_iter().map(|c| c.to_uppercase()).collect(),
            eponymous_capitals: eponymous_capitals(&gaz),
            conflict_terms: lexicon::set(lexicon::CONFLICT_TERMS),
            road_heads: lexicon::set(lexicon::ROAD_HEADS),
            us_states,
            region_demonyms,
            segments: Vec::new(),
            max_demonym_tokens: max_demonym_tokens.min(4),
            geometries: (0..gaz.len()).map(|_| std::sync::OnceLock::new()).collect(),
            gaz,
        };
        gp.segments = gp.build_segments();
        gp
    }

    /// The shared geometry of a place.
    fn geometry(&self, p: PlaceIdx) -> Arc<Geometry<f64>> {
        self.geometries[p as usize].get_or_init(|| Arc::new(self.gaz.place(p).full_geometry())).clone()
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gaz
    }

    /// The country (or macro-region) a demonym stands for ("Armenian" → Armenia).
    fn demonym(&self, key: &str) -> Option<PlaceIdx> {
        // A region's own demonym first: "Welsh" is Wales before it is the United Kingdom.
        self.region_demonyms
            .get(key)
            .copied()
            .or_else(|| self.gaz.demonym_country(key))
            .or_else(|| self.extra_demonyms.get(key).copied())
    }

    /// Which countries and divisions each curated border segment separates, read from its names.
    fn build_segments(&self) -> Vec<Segment> {
        let gaz = &*self.gaz;
        let mut out = Vec::new();
        for (i, p) in gaz.places().iter().enumerate() {
            if p.kind != Kind::BorderSegment {
                continue;
            }
            let mut seg = Segment {
                idx: i as PlaceIdx,
                direct: HashSet::new(),
                countries: HashSet::new(),
                admin1: HashSet::new(),
            };
            for name in std::iter::once(&p.name).chain(p.names.iter()) {
                let toks = crate::gazetteer::tokenize(name);
                for s in 0..toks.len() {
                    let mut key = String::new();
                    for e in s..toks.len().min(s + 4) {
                        if e > s {
                            key.push(' ');
                        }
                        key.push_str(&toks[e].norm);
                        if let Some(c) = gaz.demonym_country(&key) {
                            if let Some(iso) = &gaz.place(c).country {
                                seg.direct.insert(iso.clone());
                            }
                        }
                        for (m, _) in gaz.matches(&key) {
                            let mp = gaz.place(m);
                            match mp.kind {
                                Kind::Country => {
                                    if let Some(iso) = &mp.country {
                                        seg.direct.insert(iso.clone());
                                    }
                                }
                                Kind::Admin1 => {
                                    if e > s || toks[s].norm.len() > 4 {
                                        seg.admin1.insert(m);
                                        if let Some(iso) = &mp.country {
                                            seg.countries.insert(iso.clone());
                                        }
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                }
            }
            if let Some(c) = &p.country {
                seg.countries.insert(c.clone());
            }
            // A division named in the segment may belong to a third country by namesake; keep only
            // divisions of the countries the segment names directly when it names two.
            if seg.direct.len() >= 2 {
                seg.admin1.retain(|a| gaz.place(*a).country.as_ref().is_some_and(|c| seg.direct.contains(c)));
            }
            let direct = seg.direct.clone();
            seg.countries.extend(direct);
            out.push(seg);
        }
        out
    }

    /// Finds and resolves every place mention in `text`. `date` (YYYY-MM-DD) selects dated curated
    /// features; without it the latest year written in the text stands in. Sorted by start.
    pub fn parse(&self, text: &str, date: Option<&str>) -> Vec<Mention> {
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
        let doc = Doc::new(self, text, &toks, &sents);
        let cands = doc.recognise();
        doc.resolve(cands, date)
    }
}

/// Per-document working state.
struct Doc<'a> {
    gp: &'a Geoparser,
    text: &'a str,
    toks: &'a [Token],
    sents: &'a Sentences,
    /// Surface of each token.
    surf: Vec<&'a str>,
    /// Token i is linked to token i+1 (may be part of one name).
    link: Vec<bool>,
    /// `link`, or a possessive between two words ("People's Republic"): only for finding the
    /// longest name; every other rule sees the possessive as a break.
    chain: Vec<bool>,
    /// Token i starts with an upper-case letter (or a letter without case).
    cap: Vec<bool>,
    /// Token i is written in capitals throughout.
    allcaps: Vec<bool>,
    /// Token i is the first word of its sentence.
    initial: Vec<bool>,
    /// Normalised words seen in lower case somewhere in the document.
    lower_words: HashSet<&'a str>,
    /// Surnames of people named in the document.
    surnames: HashSet<&'a str>,
    /// Tokens that belong to a person name.
    person_tok: Vec<bool>,
}

impl<'a> Doc<'a> {
    fn new(gp: &'a Geoparser, text: &'a str, toks: &'a [Token], sents: &'a Sentences) -> Doc<'a> {
        let n = toks.len();
        let surf: Vec<&str> = toks.iter().map(|t| &text[t.byte_start..t.byte_end]).collect();
        let mut link = vec![false; n];
        for i in 0..n.saturating_sub(1) {
            if sents.of_token[i] != sents.of_token[i + 1] {
                continue;
            }
            let gap = &text[toks[i].byte_end..toks[i + 1].byte_start];
            link[i] = text::joinable_gap(gap, surf[i], &toks[i].norm, &gp.abbrev);
        }
        let chain: Vec<bool> = (0..n)
            .map(|i| {
                link[i]
                    || (i + 1 < n
                        && sents.of_token[i] == sents.of_token[i + 1]
                        && matches!(&text[toks[i].byte_end..toks[i + 1].byte_start], "'s " | "’s "))
            })
            .collect();
        let upper_first =
            |s: &str| s.chars().next().is_some_and(|c| c.is_uppercase() || (c.is_alphabetic() && !c.is_lowercase()));
        // An elided article before a capital counts as capitalised: "d'Ivoire", "l'Aquila".
        let elided = |s: &str| ["d'", "d’", "l'", "l’"].iter().find_map(|p| s.strip_prefix(p)).is_some_and(upper_first);
        let cap: Vec<bool> = surf.iter().map(|s| upper_first(s) || elided(s)).collect();
        let allcaps: Vec<bool> = surf
            .iter()
            .map(|s| {
                s.chars().count() >= 2
                    && s.chars().all(|c| !c.is_alphabetic() || c.is_uppercase())
                    && s.chars().any(|c| c.is_alphabetic())
            })
            .collect();
        let mut initial = vec![false; n];
        for i in 0..n {
            initial[i] = i == 0 || sents.of_token[i - 1] != sents.of_token[i] || {
                // after an opening quote or a colon also counts as initial
                let gap = &text[toks[i - 1].byte_end..toks[i].byte_start];
                gap.contains(':') || gap.contains('"') || gap.contains('“')
            };
        }
        let mut lower_words = HashSet::new();
        for (i, s) in surf.iter().enumerate() {
            if s.chars().next().is_some_and(|c| c.is_lowercase()) {
                lower_words.insert(toks[i].norm.as_str());
            }
        }
        let mut d = Doc {
            gp,
            text,
            toks,
            sents,
            surf,
            link,
            chain,
            cap,
            allcaps,
            initial,
            lower_words,
            surnames: HashSet::new(),
            person_tok: vec![false; n],
        };
        d.find_people();
        d
    }

    fn norm(&self, i: usize) -> &'a str {
        self.toks[i].norm.as_str()
    }

    /// Whether the words i..j (exclusive) form a multi-word gazetteer name.
    fn multiword_name(&self, i: usize, max: usize) -> bool {
        let mut key = String::from(self.norm(i));
        let mut j = i;
        while j + 1 < self.toks.len() && j + 1 - i < max && self.link[j] {
            j += 1;
            key.push(' ');
            key.push_str(self.norm(j));
            if self.cap[j] && (self.gp.gaz.has_key(&key) || self.gp.demonym(&key).is_some()) {
                return true;
            }
        }
        false
    }

    /// The text between token `t` and the next one (spaces, punctuation, a hyphen).
    fn gap(&self, t: usize) -> &'a str {
        &self.text[self.toks[t].byte_end..self.toks[t + 1].byte_start]
    }

    /// Whether token `i` closes a multi-word gazetteer name begun by the capitalised words before it.
    fn ends_place_name(&self, i: usize) -> bool {
        let mut key = String::from(self.norm(i));
        let mut j = i;
        while j > 0 && i - j < 3 && self.link[j - 1] && self.cap[j - 1] {
            j -= 1;
            key = format!("{} {key}", self.norm(j));
            if self.gp.gaz.has_key(&key) {
                return true;
            }
        }
        false
    }

    /// Marks person names: a title or a first name followed by capitalised words.
    fn find_people(&mut self) {
        let n = self.toks.len();
        let gp = self.gp;
        let mut i = 0;
        while i < n {
            let w = self.norm(i);
            // "his brother Tyler", "daughters North and Chicago": names right after a kinship noun.
            if (!self.cap[i] || self.initial[i]) && gp.kin.contains(w) {
                let mut k = i + 1;
                while k < n && self.link[k - 1] && self.cap[k] && !self.allcaps[k] && !self.is_country_name(k) {
                    self.person_tok[k] = true;
                    // the name is a person wherever it recurs ("Tyler's attorney")
                    self.surnames.insert(self.toks[k].norm.as_str());
                    k += 1;
                    if k + 1 < n && self.norm(k) == "and" && self.link[k - 1] && self.link[k] && self.cap[k + 1] {
                        k += 1;
                    }
                }
                if k > i + 1 {
                    i = k;
                    continue;
                }
            }
            // Lower-case titles count before two capitalised words ("councillor Dewly Nelson").
            let two_caps = i + 2 < n && self.link[i + 1] && self.cap[i + 1] && self.cap[i + 2];
            let is_title = gp.titles.contains(w)
                && (self.cap[i]
                    || two_caps
                    || matches!(w, "president" | "minister" | "senator" | "governor" | "mayor" | "prime"));
            // "West Wales" is no person named West; "Holy See Mikayel Minasyan" no person named See.
            let is_first = self.cap[i]
                && !self.allcaps[i]
                && gp.first_names.contains(w)
                && !is_compass_word(w)
                && !self.ends_place_name(i);

            if (is_title || is_first) && i + 1 < n && self.link[i] && self.cap[i + 1] && !self.allcaps[i + 1] {
                let next = self.norm(i + 1);
                if gp.place_heads.contains(next)
                    || gp.stop.contains(next) && !gp.first_names.contains(next) && !is_title
                {
                    i += 1;
                    continue;
                }
                if is_first && !is_title && self.multiword_name(i, 4) {
                    i += 1;
                    continue;
                }
                // A title followed by a place is "President of X" style only with "of"; "Prime Minister" etc.
                let mut j = i + 1;
                // skip further titles ("Prime Minister Nikol Pashinyan", "Acting Prime Minister")
                while j < n && gp.titles.contains(self.norm(j)) && self.link[j - 1] && j + 1 < n && self.cap[j + 1] {
                    j += 1;
                }
                if is_title && j < n && self.cap[j] {
                    // After a title the next words up to a non-capitalised word are the person.
                    // A country after a title ("President Putin" yes; "Minister Armenia" rare) is kept
                    // as a person only when it is not a country or division.
                    // Past the first word only a country ends the name ("councillor Dewly Nelson":
                    // Nelson is also a New Zealand region).
                    let mut k = j;
                    while k < n && self.cap[k] && !self.allcaps[k] && (k == j || self.link[k - 1]) && k - j < 3 {
                        if if k == j { self.is_major_name(k) } else { self.is_country_name(k) } {
                            break;
                        }
                        k += 1;
                    }
                    for t in j..k {
                        self.person_tok[t] = true;
                    }
                    if k > j {
                        self.surnames.insert(self.toks[k - 1].norm.as_str());
                    }
                    i = k.max(i + 1);
                    continue;
                }
                if is_first {
                    // first name [initial.] Surname [Surname]
                    let mut k = i + 1;
                    while k < n
                        && self.cap[k]
                        && (self.link[k - 1] || self.surf[k - 1].chars().count() == 1)
                        && k - i < 4
                    {
                        if k > i + 1 && self.is_major_name(k) {
                            break;
                        }
                        k += 1;
                    }
                    if k > i + 1 {
                        for t in i..k {
                            self.person_tok[t] = true;
                        }
                        let last = self.norm(k - 1);
                        if last.chars().count() > 1 {
                            self.surnames.insert(self.toks[k - 1].norm.as_str());
                        }
                        i = k;
                        continue;
                    }
                }
            }
            i += 1;
        }
    }

    /// Whether token `i` is a country or continent name.
    fn is_country_name(&self, i: usize) -> bool {
        self.names_country(self.norm(i))
    }

    /// Whether the normalised `key` names a country or continent.
    fn names_country(&self, key: &str) -> bool {
        let gaz = &*self.gp.gaz;
        gaz.matches(key).any(|(p, _)| matches!(gaz.place(p).kind, Kind::Country | Kind::Continent))
    }

    /// A country or first-level division name (never treated as part of a person name).
    fn is_major_name(&self, i: usize) -> bool {
        let gaz = &*self.gp.gaz;
        gaz.matches(self.norm(i)).any(|(p, alt)| {
            let k = gaz.place(p).kind;
            k == Kind::Country || (k == Kind::Admin1 && !alt)
        })
    }

    /// All recognised spans, left to right, non-overlapping, longest first at each position.
    fn recognise(&self) -> Vec<Cand> {
        let gaz = &*self.gp.gaz;
        let n = self.toks.len();
        let maxn = gaz.max_name_tokens().max(self.gp.max_demonym_tokens);
        let mut out: Vec<Cand> = Vec::new();
        let mut i = 0;
        let mut key = String::new();
        while i < n {
            // Compound border references: "Armenian-Azerbaijani border", "Armenia–Azerbaijan border".
            if self.cap[i] {
                if let Some(c) = self.compound_border(i) {
                    i = c.tok_end;
                    out.push(c);
                    continue;
                }
            }
            let lower_start = !self.cap[i] && !self.opens_arabic_name(i);
            if lower_start && !self.may_start_generic(i) {
                i += 1;
                continue;
            }
            // Longest chain of linked tokens from i.
            let mut j = i;
            while j + 1 < n && j + 1 - i < maxn && self.chain[j] {
                j += 1;
            }
            let mut found: Option<Cand> = None;
            let mut len = j + 1 - i;
            while len >= 1 {
                let e = i + len; // exclusive
                key.clear();
                for t in i..e {
                    if t > i {
                        key.push(' ');
                    }
                    key.push_str(self.norm(t));
                }
                if let Some(c) = self.candidate(i, e, &key) {
                    found = Some(c);
                    break;
                }
                len -= 1;
            }
            match found {
                Some(c) => {
                    let c = self.with_capital_district(self.with_division_word(c));
                    let free_from = out.last().map_or(0, |p: &Cand| p.tok_end);
                    let c = self.with_direction_word(c, free_from);
                    i = c.tok_end;
                    out.push(c);
                }
                None => i += 1,
            }
        }
        out
    }

    /// "South Venezuela", "Northern Syria", "Western US": a capitalised compass word right before a
    /// place joins its span (the place stays the reading); a lower-case one ("northern Syria") does not.
    fn with_direction_word(&self, c: Cand, free_from: usize) -> Cand {
        let i = c.tok_start;
        if i == 0 || i - 1 < free_from || !matches!(c.what, CandKind::Places(_)) {
            return c;
        }
        let d = i - 1;
        if !is_compass_word(self.norm(d))
            || !self.cap[d]
            || self.allcaps[d]
            || self.sents.of_token[d] != c.sentence
            || self.gap(d) != " "
        {
            return c;
        }
        let mut out = c;
        out.tok_start = d;
        out.start = self.toks[d].start;
        out.byte_start = self.toks[d].byte_start;
        out
    }

    /// "al-Bab", "el-Arish": a lower-case Arabic article hyphened to a capitalised name starts it.
    fn arabic_article_start(&self, i: usize) -> bool {
        i + 1 < self.toks.len()
            && matches!(self.norm(i), "al" | "el" | "ad" | "ar" | "as" | "ash" | "at" | "az" | "an")
            && self.cap[i + 1]
            && self.gap(i) == "-"
    }

    /// An Arabic article that opens a name: not inside a longer one ("Ras al-Ain", "Omar al-Bashir").
    fn opens_arabic_name(&self, i: usize) -> bool {
        self.arabic_article_start(i) && !(i > 0 && self.link[i - 1] && self.cap[i - 1])
    }

    /// "Washington, D.C.", "Washington, DC": one mention of the capital, not a city and a district.
    fn with_capital_district(&self, c: Cand) -> Cand {
        let e = c.tok_end;
        if c.tok_start + 1 != e || e >= self.toks.len() || self.norm(c.tok_start) != "washington" {
            return c;
        }
        let gap = self.gap(e - 1);
        let rest = &self.text[self.toks[e].byte_start..];
        let suffix = ["D.C.", "DC"]
            .into_iter()
            .find(|s| rest.starts_with(s) && !rest[s.len()..].starts_with(|ch: char| ch.is_alphanumeric()));
        let Some(suffix) = suffix else { return c };
        if gap.trim() != "," {
            return c;
        }
        let byte_end = self.toks[e].byte_start + suffix.len();
        // the tokens the suffix covers ("D.C." may be one token or several)
        let mut t = e;
        while t < self.toks.len() && self.toks[t].byte_start < byte_end {
            t += 1;
        }
        let mut out = c;
        out.end += self.text[out.byte_end..byte_end].chars().count();
        out.byte_end = byte_end;
        out.tok_end = t;
        out
    }

    /// "Oaxaca State", "Guangdong Province": a first-level division's name followed by a capitalised
    /// division word is one mention of the division. "the state of New York", "Veracruz state": the
    /// division, with the span on the name only.
    fn with_division_word(&self, c: Cand) -> Cand {
        let (i, e) = (c.tok_start, c.tok_end);
        let of_before = i >= 2
            && self.norm(i - 1) == "of"
            && !self.cap[i - 2]
            && is_division_word(self.norm(i - 2))
            && self.sents.of_token[i - 2] == c.sentence;
        let linked_after = e < self.toks.len() && self.link[e - 1];
        let lower_after = linked_after && !self.cap[e] && is_division_word(self.norm(e));
        let CandKind::Places(ps) = &c.what else {
            return c;
        };
        if of_before || lower_after {
            let divisions = self.divisions_among(ps, true);
            if divisions.is_empty() {
                return c;
            }
            return Cand { what: CandKind::Places(divisions), ..c };
        }
        // Capitalised: not "Department" ("Illinois Department of Public Health"); "State" not after
        // a US state ("Mississippi State" is a university and its teams).
        if !linked_after || !self.cap[e] {
            return c;
        }
        let word = self.norm(e);
        // "Washington Township", "South Waziristan Agency" (a tribal agency of Pakistan): units the
        // gazetteer lacks, named after the place; the span takes the word, the readings stay.
        let township = word == "township"
            || (word == "agency" && ps.iter().any(|(p, _)| self.gp.gaz.place(*p).country.as_deref() == Some("PK")));
        if township && !self.org_name_follows(e + 1) {
            return self.make_cand(c.tok_start, e + 1, c.what.clone(), c.rec);
        }
        if !(is_division_word(word) || word == "prefecture") {
            return c;
        }
        let divisions = self.divisions_among(ps, word != "state");
        if divisions.is_empty() || self.org_name_follows(e + 1) {
            return c;
        }
        self.make_cand(c.tok_start, e + 1, CandKind::Places(divisions), c.rec.max(0.8))
    }

    /// The first-level divisions among a candidate's readings (US states only if `us_states`).
    fn divisions_among(&self, ps: &[(PlaceIdx, bool)], us_states: bool) -> Vec<(PlaceIdx, bool)> {
        let gaz = &*self.gp.gaz;
        ps.iter()
            .filter(|(p, _)| {
                let pl = gaz.place(*p);
                pl.kind == Kind::Admin1 && (us_states || pl.country.as_deref() != Some("US"))
            })
            .copied()
            .collect()
    }

    fn may_start_generic(&self, i: usize) -> bool {
        matches!(
            self.norm(i),
            "engagement" | "line" | "contact" | "state" | "border" | "lachin" | "grain" | "humanitarian"
        )
    }

    fn make_cand(&self, i: usize, e: usize, what: CandKind, rec: f32) -> Cand {
        let (s, t) = (&self.toks[i], &self.toks[e - 1]);
        let mut end = t.end;
        let mut byte_end = t.byte_end;
        // "U.S." and "Calif." keep their final period.
        let last_abbrev = (e - i >= 2 && self.surf[e - 1].chars().count() == 1)
            || (e - i == 1 && self.gp.abbrev.contains(self.norm(i)) && self.surf[i].chars().count() <= 5);
        if last_abbrev && self.text[byte_end..].starts_with('.') {
            end += 1;
            byte_end += 1;
        }
        Cand {
            tok_start: i,
            tok_end: e,
            start: s.start,
            end,
            byte_start: s.byte_start,
            byte_end,
            sentence: self.sents.of_token[i],
            what,
            rec,
        }
    }

    /// Whether the words i..e, normalised to `key`, are a place mention; the candidate if so.
    fn candidate(&self, i: usize, e: usize, key: &str) -> Option<Cand> {
        let gp = self.gp;
        let gaz = &*gp.gaz;
        let len = e - i;
        if self.person_tok[i]
            || self.person_tok[e - 1]
            || gp.not_place_names.contains(key)
            || gp.conflict_terms.contains(key)
        {
            return None;
        }
        // Lower-case generic conflict references: only curated lines, two words or more.
        if !self.cap[i] && !self.opens_arabic_name(i) {
            if len < 2 {
                return None;
            }
            let places: Vec<PlaceIdx> = gaz
                .matches(key)
                .map(|(p, _)| p)
                .filter(|p| {
                    let pl = gaz.place(*p);
                    is_curated(pl) && is_line_kind(pl.kind)
                })
                .collect();
            if places.is_empty() {
                return None;
            }
            return Some(self.make_cand(i, e, CandKind::Places(places.into_iter().map(|p| (p, false)).collect()), 0.8));
        }
        // Capitalisation: last word capitalised ("Lachin corridor", "Aras river": a lower-case place
        // head closing a known name also counts); inner lower-case words only from the infix list.
        // ("Cork city" is Cork: a lower-case "city" or "town" describes the place, it is no name.)
        if !self.cap[e - 1]
            && !(len >= 2
                && gp.place_heads.contains(self.norm(e - 1))
                && !matches!(self.norm(e - 1), "city" | "town")
                && gaz.has_key(key))
        {
            return None;
        }
        for t in i + 1..e - 1 {
            if !self.cap[t] && !gp.infix.contains(self.norm(t)) {
                return None;
            }
        }
        let allcaps = (i..e).all(|t| self.allcaps[t]);
        // "347 B.C.": an era after a year, not British Columbia.
        if key == "b c" && i > 0 && self.surf[i - 1].chars().all(|ch| ch.is_ascii_digit()) {
            return None;
        }
        // "@Gillette" is an account; "I’ll" a contraction, not Illinois.
        if i > 0 && self.text[..self.toks[i].byte_start].ends_with('@') {
            return None;
        }
        if len == 1
            && self.surf[i].contains(['\'', '’'])
            && self.surf[i]
                .rsplit(['\'', '’'])
                .next()
                .is_some_and(|t| matches!(t.to_lowercase().as_str(), "ll" | "re" | "ve" | "d" | "m"))
        {
            return None;
        }
        // "Ras al-Ain", "Omar al-Bashir": the tail of a longer Arabic name is no place of its own.
        if i >= 2 && self.arabic_article_start(i - 1) && self.link[i - 2] && self.cap[i - 2] {
            return None;
        }
        // "Asia-Pacific": two major names joined by a hyphen are two mentions, as "India-Pakistan"
        // is, unless the compound names a country or division of its own ("Bosnia-Herzegovina",
        // "Emilia-Romagna").
        if len == 2
            && self.gap(i) == "-"
            && gaz.matches(key).all(|(p, _)| !matches!(gaz.place(p).kind, Kind::Country | Kind::Admin1 | Kind::Admin2))
            && (i..e).all(|t| {
                gaz.matches(self.norm(t))
                    .any(|(p, _)| matches!(gaz.place(p).kind, Kind::Country | Kind::Continent | Kind::Sea))
            })
        {
            return None;
        }
        // "The Balkans" at a sentence start: the name is "Balkans" ("The Hague" keeps its article).
        if len >= 2
            && self.norm(i) == "the"
            && key.strip_prefix("the ").is_some_and(|k| gaz.has_key(k))
            && !gaz.matches(key).any(|(p, _)| {
                let name = &gaz.place(p).name;
                name.get(..4).is_some_and(|a| a.eq_ignore_ascii_case("the "))
            })
        {
            return None;
        }
        // "Illinois State Armory", "British Embassy", "Dubai World Cup": the first words of an
        // organisation, event or building name.
        if self.org_name_follows(e) {
            return None;
        }
        // "University of Texas" as one gazetteer name (a campus) is the university too.
        if len >= 2 && gp.org_heads.contains(self.norm(i)) && (i + 1..e).any(|t| self.norm(t) == "of") {
            return None;
        }
        // "Tijuana River", "Northumberland Avenue": the name of a feature the gazetteer lacks.
        if e < self.toks.len()
            && self.link[e - 1]
            && self.cap[e]
            && !self.allcaps[e]
            && gp.feature_heads.contains(self.norm(e))
        {
            return None;
        }
        // "Diaz-Balart", "Ndi-Igbo", "Champs-Élysées": part of a hyphenated name that is no place.
        let hyphen_before = i > 0 && self.cap[i - 1] && self.link[i - 1] && self.gap(i - 1) == "-";
        let hyphen_after = e < self.toks.len() && self.link[e - 1] && self.cap[e] && self.gap(e - 1) == "-";
        // "Lyme disease", "Rift Valley fever": a disease named after a place is no place reference
        // (a country stays one: "Hong Kong flu" still says where, but not inside a compound:
        // "Crimean-Congo haemorrhagic fever"). A virus species named after a place never is
        // ("Sudan ebolavirus", "Zaire ebolavirus").
        if self.species_name_follows(e) || (self.disease_name_follows(e) && (!self.names_country(key) || hyphen_before))
        {
            return None;
        }
        // "Agence France-Presse", "Iran-Contra": a place joined by a hyphen to a word that names no
        // place is part of another name ("Guinea-Bissau" is a name of its own, "India-Pakistan" two; "DPRK-U.S." an abbreviation).
        if hyphen_after
            && self.surf[e].chars().any(char::is_lowercase)
            && !gaz.has_key(self.norm(e))
            && gp.demonym(self.norm(e)).is_none()
        {
            return None;
        }
        // Demonyms (also plurals: "Canadians").
        if len <= gp.max_demonym_tokens {
            // Plural demonyms ("Americans") denote people, not places.
            // ("Balkans" is a place of its own, not "Balkan" people.)
            let plural = key.strip_suffix('s').is_some_and(|k| gp.demonym(k).is_some()) && !gaz.has_key(key);
            // "English" names the language more often than England: only "the English city of X".
            let english_place = key == "english"
                && self.next_word(e).is_some_and(|w| {
                    matches!(
                        w,
                        "city"
                            | "town"
                            | "village"
                            | "county"
                            | "counties"
                            | "coast"
                            | "countryside"
                            | "port"
                            | "seaside"
                            | "market"
                            | "midlands"
                            | "region"
                            | "border"
                    )
                });
            let dem = if (gp.not_demonyms.contains(key) && !english_place) || plural { None } else { gp.demonym(key) };
            if plural {
                return None;
            }
            // "speaks in Spanish", "printed in Chinese, ...", "studying Portuguese.": the language.
            if dem.is_some() && len == 1 && !gaz.has_key(key) && self.names_language(i, e) {
                return None;
            }
            if let Some(c) = dem {
                // A country of that name wins ("Jordan"); a province or a country's alternate name
                // does not ("Somali" officials are Somalia's, not Ethiopia's Somali Region's, and
                // "Сомали" is only Somalia's Russian name).
                let place_is_major = gaz.matches(key).any(|(p, alt)| !alt && gaz.place(p).kind == Kind::Country);
                if !place_is_major && !(allcaps && len == 1) {
                    return Some(self.make_cand(i, e, CandKind::Demonym(c), 0.8));
                }
            }
        }
        // "Gainesville, Va.", "Macon, Ga.": a two-letter state abbreviation after "Town, ".
        if len == 1 && !allcaps && self.surf[i].chars().count() == 2 && self.after_comma_place(i) {
            if let Some(&st) = gp.us_states.get(key) {
                let mut c = self.make_cand(i, e, CandKind::Places(vec![(st, false)]), 0.8);
                if self.text[c.byte_end..].starts_with('.') && c.end == self.toks[i].end {
                    c.end += 1;
                    c.byte_end += 1;
                }
                return Some(c);
            }
        }
        let mut places: Vec<(PlaceIdx, bool)> = gaz.matches(key).collect();
        if let Some(&x) = gp.extra_names.get(key) {
            places.clear();
            places.push((x, false));
        }
        if places.is_empty() {
            return None;
        }
        places.sort_unstable_by_key(|p| (p.0, p.1));
        places.dedup_by_key(|p| p.0);
        // "the Salah al-Din road", "Palestine street": a road or square named after a division or
        // a country is no reference to it (a town's name before "road" still says where: "the
        // Bakhmut road" leads there).
        if e < self.toks.len()
            && !self.cap[e]
            && self.sents.of_token[e] == self.sents.of_token[e - 1]
            && self.gp.road_heads.contains(self.norm(e))
            && places.iter().all(|&(p, _)| !matches!(gaz.place(p).kind, Kind::Settlement))
        {
            return None;
        }
        // "Valencia 2 Sevilla 1": a team in a line of results, not the city.
        if self.in_results_line(i, e) {
            return None;
        }
        // "the Red Sea": the sea, not Sudan's Red Sea State named after it.
        let water = |p: PlaceIdx| matches!(gaz.place(p).kind, Kind::Sea | Kind::Lake | Kind::River);
        if key
            .rsplit(' ')
            .next()
            .is_some_and(|w| matches!(w, "sea" | "ocean" | "lake" | "river" | "gulf" | "bay" | "strait" | "channel"))
            && places.iter().any(|&(p, alt)| !alt && water(p))
        {
            places.retain(|&(p, _)| water(p));
        }
        let best_major = places.iter().any(|(p, alt)| {
            let pl = gaz.place(*p);
            matches!(pl.kind, Kind::Country | Kind::Continent)
                || (pl.kind == Kind::Admin1 && !alt)
                || (is_curated(pl) && !alt)
        });
        let big_city = places.iter().any(|(p, alt)| {
            let pl = gaz.place(*p);
            !alt && pl.kind == Kind::Settlement && pl.population >= 100_000
        });
        if len == 1 {
            let w = self.norm(i);
            if gp.stop.contains(w) && !(best_major && allcaps && w.len() <= 3) {
                // "US", "UK" are fine; "May", "Police" are not.
                if !(allcaps && best_major) {
                    return None;
                }
            }
            // "MPs", "MoD": abbreviations in mixed case are not places.
            let sf = self.surf[i];
            if sf.chars().count() <= 4
                && sf.chars().skip(1).any(char::is_uppercase)
                && sf.chars().any(char::is_lowercase)
            {
                return None;
            }
            let country_level =
                places.iter().any(|(p, _)| matches!(gaz.place(*p).kind, Kind::Country | Kind::Continent));
            if self.surnames.contains(w) && !country_level {
                return None;
            }
            // (an ocean or continent by another name stays: "Asia-Pacific" is Asia and the Pacific)
            let wide =
                places.iter().any(|(p, _)| matches!(gaz.place(*p).kind, Kind::Country | Kind::Continent | Kind::Sea));
            if (hyphen_before || hyphen_after) && !best_major && !big_city && !wide {
                return None;
            }
            // "Campbell Davis", "Nash Riad", "Viktoria Skripal", "Riverdale Luke Oil": a small place
            // name inside a longer capitalised name that is itself no place.
            if !best_major && !big_city && !allcaps && self.inside_unknown_name(i, e) {
                return None;
            }
            // A one-letter or two-letter word is a place only when it is a country code in capitals.
            if w.chars().count() <= 2 && !(allcaps && best_major) {
                return None;
            }
            // "FATA", "USSR": an acronym that the gazetteer lists for a division, a country or a
            // curated area stands in capitals; other capitals words are headline shouting.
            let acronym = allcaps
                && (3..=5).contains(&self.surf[i].chars().count())
                && places.iter().any(|(p, _)| {
                    let pl = gaz.place(*p);
                    matches!(pl.kind, Kind::Country | Kind::Admin1) || is_curated(pl)
                });
            if allcaps && !best_major && !big_city && !acronym && !self.is_dateline(i, e) {
                return None;
            }
            // Common words capitalised at the start of a sentence.
            if self.initial[i] && !best_major && self.lower_words.contains(w) {
                return None;
            }
            if !best_major && !big_city && self.lower_words.contains(w) {
                return None;
            }
            // "Hassan al-Turabi", "Omar al-Bashir": a word before an Arabic article and a name is
            // a given name (a place so named would be a longer gazetteer name: "Ras al-Ain").
            if !best_major && e < self.toks.len() && self.link[e - 1] && self.arabic_article_start(e) {
                return None;
            }
            // "Louisiana Purchase": a small place's name right after a country or state name is the
            // second word of another name.
            if !best_major
                && !big_city
                && i > 0
                && self.link[i - 1]
                && self.cap[i - 1]
                && !self.allcaps[i - 1]
                && self.gap(i - 1) == " "
                && self.is_major_name(i - 1)
            {
                return None;
            }
            // "Mike de Kock", "bin Rashid": a name particle before the word makes it a surname.
            if i >= 2
                && !best_major
                && self.link[i - 1]
                && gp.particles.contains(self.norm(i - 1))
                && !self.cap[i - 1]
                && self.cap[i - 2]
            {
                return None;
            }
            // "Johnson & Johnson": a company.
            let gap_before = if i > 0 { self.gap(i - 1) } else { "" };
            let gap_after = if e < self.toks.len() { self.gap(e - 1) } else { "" };
            if !best_major && (gap_before.contains('&') || gap_after.contains('&')) {
                return None;
            }
            // "Supreme Court", "Mega Millions": a small place name followed by a capitalised common word.
            if !best_major
                && !big_city
                && e < self.toks.len()
                && self.link[e - 1]
                && self.cap[e]
                && gp.stop.contains(self.norm(e))
            {
                return None;
            }
            // A first name that speaks or is followed by a surname-like word.
            if gp.first_names.contains(w) && !self.allcaps[i] {
                if let Some(nw) = self.next_word(e) {
                    if gp.person_verbs.contains(nw) {
                        return None;
                    }
                }
            }
            // A capitalised word preceded by a title or a first name is a person ("George Washington").
            if i > 0 && self.link[i - 1] && self.cap[i - 1] && self.gap(i - 1) != "-" {
                let pw = self.norm(i - 1);
                if (gp.titles.contains(pw) || (gp.first_names.contains(pw) && !best_major)) && !self.person_tok[i - 1] {
                    return None;
                }
            }
        } else {
            // Multi-word: reject when it is a first name plus surname-like word and not a known place
            // of some standing ("Jordan Hayes" is not a key anyway; "Santa Barbara" is).
            // "Orange County": a county's full name is a name of standing even when both words are common.
            let county = places.iter().any(|(p, alt)| !alt && gaz.place(*p).kind == Kind::Admin2);
            if !best_major
                && !county
                && !big_city
                && (i..e).all(|t| gp.stop.contains(self.norm(t)) || gp.infix.contains(self.norm(t)))
            {
                return None;
            }
            if allcaps && !best_major && !big_city && !self.is_dateline(i, e) {
                return None;
            }
            // all words common lower-case words in the document: "New Hope", "Black Rock"... keep.
        }
        let rec = if best_major {
            0.9
        } else if len > 1 {
            0.8
        } else {
            0.6
        };
        // "Zaporizhzhia region" (a name of the oblast): the readings are the whole name's, the span
        // is the proper name without the lower-case generic word, as the corpora annotate it.
        let generic_tail = len >= 2 && !self.cap[e - 1] && is_generic_unit_word(self.norm(e - 1));
        Some(self.make_cand(i, if generic_tail { e - 1 } else { e }, CandKind::Places(places), rec))
    }

    /// Whether the words i..e open a line and are followed by a comma or a dash: the place of a
    /// dateline ("TIJUANA, Mexico --", "IMMOKALEE – Congressman ...").
    fn is_dateline(&self, i: usize, e: usize) -> bool {
        // Only the gap since the previous token is read (a scan back to the line start would make
        // a long text without newlines quadratic): the line starts there when the gap holds a
        // newline followed by whitespace only, or when no token precedes.
        let gap_start = if i == 0 { 0 } else { self.toks[i - 1].byte_end };
        let gap = &self.text[gap_start..self.toks[i].byte_start];
        let line_start =
            (i == 0 || gap.contains('\n')) && gap.rsplit('\n').next().is_some_and(|before| before.trim().is_empty());
        if !line_start {
            return false;
        }
        let after = self.text[self.toks[e - 1].byte_end..].trim_start_matches(' ');
        after.starts_with(',')
            || after.starts_with('–')
            || after.starts_with('—')
            || after.starts_with("- ")
            || after.starts_with("--")
            || after.starts_with('(')
    }

    /// Whether token `i` follows "Capitalised, " in its sentence and is followed by a period
    /// (the state in "Gainesville, Va.").
    fn after_comma_place(&self, i: usize) -> bool {
        if i == 0 || self.sents.of_token[i - 1] != self.sents.of_token[i] || !self.cap[i - 1] {
            return false;
        }
        let gap = self.gap(i - 1);
        gap.trim() == "," && self.text[self.toks[i].byte_end..].starts_with('.')
    }

    /// Whether the word right after token `e - 1` is a virus genus ("ebolavirus", "henipavirus").
    fn species_name_follows(&self, e: usize) -> bool {
        e < self.toks.len() && self.link[e - 1] && {
            let w = self.norm(e);
            w.len() > "virus".len() && (w.ends_with("virus") || w.ends_with("viruses"))
        }
    }

    /// Whether the words right after token `e - 1` make a disease name ("virus", "fever",
    /// "respiratory syndrome"), in either case.
    fn disease_name_follows(&self, e: usize) -> bool {
        let n = self.toks.len();
        let heads = &self.gp.disease_heads;
        if e >= n || !self.link[e - 1] {
            return false;
        }
        heads.contains(self.norm(e))
            || (self.gp.disease_modifiers.contains(self.norm(e))
                && e + 1 < n
                && self.link[e]
                && heads.contains(self.norm(e + 1)))
    }

    /// Whether the demonym at i..e names a language: after "in", "speak(s)", "spoke", "studying",
    /// "learning", "into", with no noun after it (punctuation, the end, or a function word).
    fn names_language(&self, i: usize, e: usize) -> bool {
        let before = i > 0
            && self.link[i - 1]
            && matches!(
                self.norm(i - 1),
                "in" | "speak"
                    | "speaks"
                    | "spoke"
                    | "speaking"
                    | "studying"
                    | "learning"
                    | "learn"
                    | "into"
                    | "fluent"
            );
        if !before {
            return false;
        }
        if e >= self.toks.len() || !self.link[e - 1] {
            return true;
        }
        let gap = self.gap(e - 1);
        !gap.trim().is_empty()
            || matches!(
                self.norm(e),
                "after"
                    | "and"
                    | "or"
                    | "but"
                    | "to"
                    | "with"
                    | "as"
                    | "while"
                    | "because"
                    | "when"
                    | "before"
                    | "so"
                    | "than"
                    | "for"
                    | "at"
                    | "on"
                    | "by"
                    | "is"
                    | "was"
            )
    }

    /// Whether the capitalised words right after token `e - 1` end in an organisation head word.
    fn org_name_follows(&self, e: usize) -> bool {
        let n = self.toks.len();
        let mut t = e;
        while t < n && t < e + 3 && self.link[t - 1] && self.cap[t] {
            if self.gp.org_heads.contains(self.norm(t)) {
                return true;
            }
            t += 1;
        }
        false
    }

    /// Whether the one-word span i..e is glued (by a space) to a neighbouring capitalised word that
    /// is neither a function word, a place head, a title, a demonym nor a well-known place.
    fn inside_unknown_name(&self, i: usize, e: usize) -> bool {
        let gp = self.gp;
        let plain_name_word = |t: usize| -> bool {
            let w = self.norm(t);
            self.cap[t]
                && !self.allcaps[t]
                && self.surf[t].chars().count() > 1
                && !gp.stop.contains(w)
                && !gp.infix.contains(w)
                && !gp.place_heads.contains(w)
                && !gp.titles.contains(w)
                && !gp.abbrev.contains(w)
                && !gp.us_states.contains_key(w)
                && gp.demonym(w).is_none()
                && !self.is_major_name(t)
        };
        // token t and t + 1 separated by spaces only
        let space_gap = |t: usize| -> bool {
            let g = self.gap(t);
            !g.is_empty() && g.chars().all(|c| c == ' ')
        };
        let before = i > 0
            && self.link[i - 1]
            && !(self.initial[i - 1] && self.lower_words.contains(self.norm(i - 1)))
            && space_gap(i - 1)
            && plain_name_word(i - 1);
        let after = e < self.toks.len() && self.link[e - 1] && space_gap(e - 1) && plain_name_word(e);
        before || after
    }

    /// Whether the words i..e stand in a line of match results: a small score right after the name
    /// and a capitalised name after the score ("Valencia 2 Sevilla 1"), or a score and a team
    /// before it ("Sevilla 1 Valencia 2").
    fn in_results_line(&self, i: usize, e: usize) -> bool {
        let n = self.toks.len();
        let score = |t: usize| self.surf[t].len() <= 2 && self.surf[t].bytes().all(|b| b.is_ascii_digit());
        let same = |a: usize, b: usize| self.sents.of_token[a] == self.sents.of_token[b];
        // A number beside the name alone is too weak ("in Bakhmut 15 soldiers died"): the other
        // side must be a team and its score too.
        let after = e < n
            && score(e)
            && same(e - 1, e)
            && (e + 2..(e + 5).min(n)).any(|t| same(e, t) && score(t) && self.cap[t - 1] && !self.allcaps[t - 1]);
        let before = i >= 2 && e < n && same(i - 2, e) && score(i - 1) && score(e) && self.cap[i - 2];
        after || before
    }

    fn next_word(&self, e: usize) -> Option<&str> {
        if e < self.toks.len() && self.sents.of_token[e] == self.sents.of_token[e - 1] {
            Some(self.norm(e))
        } else {
            None
        }
    }

    /// "Armenian-Azerbaijani border", "Armenia–Azerbaijan border", "Russian-Ukrainian frontier".
    fn compound_border(&self, i: usize) -> Option<Cand> {
        let n = self.toks.len();
        let gaz = &*self.gp.gaz;
        if i + 2 >= n || !self.link[i] || !self.link[i + 1] {
            return None;
        }
        let gap = self.gap(i);
        if !gap.trim().chars().all(|c| matches!(c, '-' | '–' | '—' | '/' | '‐')) || gap.trim().is_empty() {
            return None;
        }
        if !matches!(self.norm(i + 2), "border" | "frontier" | "boundary" | "borders") {
            return None;
        }
        let country_of = |t: usize| -> Option<String> {
            let w = self.norm(t);
            let c = gaz
                .demonym_country(w)
                .or_else(|| gaz.matches(w).map(|(p, _)| p).find(|p| gaz.place(*p).kind == Kind::Country))?;
            gaz.place(c).country.clone()
        };
        let (a, b) = (country_of(i)?, country_of(i + 1)?);
        Some(self.make_cand(i, i + 3, CandKind::Fixed(PlaceIdx::MAX), 0.9)).map(|mut c| {
            c.what = CandKind::Fixed(PlaceIdx::MAX);
            // stash the pair in a side table: encoded below by resolve via pair lookup
            c.rec = 0.9;
            self.pending_pair(&mut c, a, b);
            c
        })
    }

    fn pending_pair(&self, c: &mut Cand, a: String, b: String) {
        // The pair is re-read from the text in resolve(); nothing to store here beyond the span.
        let _ = (c, a, b);
    }

    fn pair_of(&self, c: &Cand) -> Option<(String, String)> {
        let gaz = &*self.gp.gaz;
        let country_of = |t: usize| -> Option<String> {
            let w = self.norm(t);
            let cc = gaz
                .demonym_country(w)
                .or_else(|| gaz.matches(w).map(|(p, _)| p).find(|p| gaz.place(*p).kind == Kind::Country))?;
            gaz.place(cc).country.clone()
        };
        Some((country_of(c.tok_start)?, country_of(c.tok_start + 1)?))
    }

    /// The curated border segment between two countries, preferring one in a division the
    /// document names; `None` when there is none or the choice is arbitrary.
    fn border_segment(&self, a: &str, b: &str, doc_admin1: &HashSet<PlaceIdx>, date: Option<&str>) -> Option<PlaceIdx> {
        let gaz = &*self.gp.gaz;
        let mut scored: Vec<(i32, PlaceIdx)> = Vec::new();
        // Segments valid on the date; if none is, the ones nearest in time.
        let away = |s: &Segment| -> i64 { date.and_then(|d| days_outside(gaz.place(s.idx), d)).unwrap_or(0) };
        let nearest = self
            .gp
            .segments
            .iter()
            .filter(|s| s.countries.contains(a) && s.countries.contains(b) && a != b)
            .map(away)
            .min();
        for s in &self.gp.segments {
            if !(s.countries.contains(a) && s.countries.contains(b)) || a == b {
                continue;
            }
            if Some(away(s)) != nearest {
                continue;
            }
            let mut score = 0;
            if s.direct.contains(a) && s.direct.contains(b) {
                score += 2;
            }
            if s.admin1.iter().any(|x| doc_admin1.contains(x)) {
                score += 3;
            }
            scored.push((score, s.idx));
        }
        scored.sort_by_key(|x| std::cmp::Reverse(x.0));
        match scored.as_slice() {
            [] => None,
            [only] => Some(only.1),
            [first, second, ..] if first.0 > second.0 && first.0 >= 3 => Some(first.1),
            _ => None,
        }
    }

    /// Scores namesakes against the document and builds the mentions.
    fn resolve(&self, cands: Vec<Cand>, date: Option<&str>) -> Vec<Mention> {
        let gaz = &*self.gp.gaz;
        // Pass 1: prior choice for every candidate.
        let first: Vec<Option<PlaceIdx>> = cands
            .iter()
            .map(|c| match &c.what {
                CandKind::Places(ps) => ps
                    .iter()
                    .max_by(|a, b| self.prior(a.0, a.1, date).total_cmp(&self.prior(b.0, b.1, date)))
                    .map(|p| p.0),
                CandKind::Demonym(p) => Some(*p),
                CandKind::Fixed(p) if *p != PlaceIdx::MAX => Some(*p),
                CandKind::Fixed(_) => None,
            })
            .collect();
        // Document context: countries and divisions named, weighted by how sure the reading is.
        let mut ctx_country: HashMap<String, f64> = HashMap::new();
        let mut ctx_admin1: HashSet<PlaceIdx> = HashSet::new();
        // Unambiguous settlements for spatial coherence: distinct places, at most MAX_CTX_POINTS, so
        // that resolution stays linear in the length of the text.
        const MAX_CTX_POINTS: usize = 256;
        let mut ctx_points: Vec<(Point<f64>, PlaceIdx)> = Vec::new();
        let mut ctx_seen: HashSet<PlaceIdx> = HashSet::new();
        for (c, f) in cands.iter().zip(&first) {
            let Some(p) = f else { continue };
            let pl = gaz.place(*p);
            let unambiguous = match &c.what {
                CandKind::Places(ps) => ps.len() == 1 || matches!(pl.kind, Kind::Country | Kind::Admin1),
                _ => true,
            };
            let w = match (pl.kind, unambiguous) {
                (Kind::Country, _) => 3.0,
                (Kind::Admin1, true) => 2.0,
                (_, true) => 1.0,
                _ => 0.3,
            };
            if let Some(cc) = &pl.country {
                *ctx_country.entry(cc.clone()).or_default() += w;
            }
            if pl.kind == Kind::Admin1 {
                ctx_admin1.insert(*p);
            }
            if pl.kind == Kind::Settlement && unambiguous && ctx_points.len() < MAX_CTX_POINTS && ctx_seen.insert(*p) {
                ctx_points.push((pl.point, *p));
            }
        }
        let max_w = ctx_country.values().cloned().fold(0.0, f64::max).max(1.0);
        // What each candidate's own first reading adds to the country context, so that a country
        // name is weighed by the rest of the document, not by itself.
        let own_country: Vec<Option<(&str, f64)>> = cands
            .iter()
            .zip(&first)
            .map(|(c, f)| {
                let pl = gaz.place((*f)?);
                let w = match (&c.what, pl.kind) {
                    (_, Kind::Country) => 3.0,
                    (CandKind::Places(ps), Kind::Admin1) if ps.len() == 1 => 2.0,
                    (CandKind::Places(ps), _) if ps.len() == 1 => 1.0,
                    (CandKind::Places(_), Kind::Admin1) => 2.0,
                    (CandKind::Places(_), _) => 0.3,
                    _ => 1.0,
                };
                Some((pl.country.as_deref()?, w))
            })
            .collect();
        // Small countries the document names: a reading just across their border is in the
        // neighbourhood the document is about ("Gaza" beside "Israeli" is the Palestinian one).
        let near_named: Vec<&geo_types::Rect<f64>> = ctx_country
            .iter()
            .filter(|(_, w)| **w >= 2.0)
            .filter_map(|(cc, _)| self.gp.small_country_boxes.get(cc.as_str()))
            .collect();
        // Pass 2: context scores.
        let mut mentions: Vec<Mention> = Vec::with_capacity(cands.len());
        for (ci, c) in cands.iter().enumerate() {
            let (place, role, conf) = match &c.what {
                CandKind::Demonym(p) => (*p, Role::Demonym, c.rec),
                CandKind::Fixed(p) if *p != PlaceIdx::MAX => (*p, Role::Place, c.rec),
                CandKind::Fixed(_) => {
                    let Some((a, b)) = self.pair_of(c) else {
                        continue;
                    };
                    match self.border_segment(&a, &b, &ctx_admin1, date) {
                        Some(seg) => (seg, Role::Place, 0.85),
                        None => {
                            // No curated segment: the two demonyms/countries stand on their own.
                            for t in [c.tok_start, c.tok_start + 1] {
                                if let Some(m) = self.single_country_mention(t) {
                                    mentions.push(m);
                                }
                            }
                            continue;
                        }
                    }
                }
                CandKind::Places(ps) => {
                    let hier = self.hierarchy_cue(c);
                    let container = ci.checked_sub(1).and_then(|pi| self.container_cue(&cands[pi], c));
                    let mut best: Option<(f64, PlaceIdx)> = None;
                    let mut second = f64::NEG_INFINITY;
                    // Towns that bear the name as their own: a city known by it only as a former or
                    // foreign name ("Salisbury" for Harare) needs more support.
                    let own_name_town = ps.iter().any(|&(q, a)| !a && gaz.place(q).kind == Kind::Settlement);
                    for &(p, alt) in ps {
                        let pl = gaz.place(p);
                        let mut s = self.prior(p, alt, date);
                        if alt && own_name_town && pl.kind == Kind::Settlement {
                            s -= 2.0;
                        }
                        if pl.kind != Kind::Country
                            && !ctx_country.contains_key(pl.country.as_deref().unwrap_or(""))
                            && near_named.iter().any(|r| {
                                let p = pl.point;
                                (r.min().x - 0.5..=r.max().x + 0.5).contains(&p.x())
                                    && (r.min().y - 0.5..=r.max().y + 0.5).contains(&p.y())
                            })
                        {
                            s += 1.0;
                        }
                        if let Some(cc) = &pl.country {
                            if pl.kind != Kind::Country {
                                if let Some(w) = ctx_country.get(cc) {
                                    s += 1.5 + 2.5 * (w / max_w);
                                }
                            } else if ps.iter().filter(|q| gaz.place(q.0).kind == Kind::Country).count() > 1 {
                                // "Congo" beside Goma is the Democratic Republic: between two
                                // countries of one name, the rest of the document decides.
                                let own = own_country[ci].filter(|(occ, _)| occ == cc).map_or(0.0, |x| x.1);
                                let w = ctx_country.get(cc).copied().unwrap_or(0.0) - own;
                                s += 1.5 * w.clamp(0.0, 3.0);
                            } else if alt
                                && ctx_country.get(cc).copied().unwrap_or(0.0) <= 3.0
                                && ctx_country.iter().any(|(k, w)| k != cc && *w >= 2.0)
                            {
                                // "Équateur" beside North Kivu is the Congolese province, not
                                // Ecuador's French name: a country named once by another-language
                                // name (its own mention is all the context it has) loses to a
                                // reading in the countries the document is about.
                                s -= 6.0;
                            }
                        }
                        if matches!(pl.kind, Kind::Settlement | Kind::Admin2) {
                            if let (Some(cc), Some(a1)) = (&pl.country, &pl.admin1) {
                                if let Some(ai) = gaz.admin1(cc, a1) {
                                    if ctx_admin1.contains(&ai) {
                                        s += 2.5;
                                    }
                                }
                            }
                            // spatial coherence with the unambiguous settlements of the document
                            let mut near = 0.0f64;
                            for (pt, other) in &ctx_points {
                                if *other == p {
                                    continue;
                                }
                                let d = haversine_km(pl.point, *pt);
                                if d < 50.0 {
                                    near = near.max(2.0);
                                } else if d < 250.0 {
                                    near = near.max(1.0);
                                }
                            }
                            s += near;
                        }
                        // "in Kherson": the city before the oblast it names, when both are readings.
                        if self.gp.eponymous_capitals.contains(&p)
                            && pl
                                .country
                                .as_deref()
                                .zip(pl.admin1.as_deref())
                                .and_then(|(cc, a1)| gaz.admin1(cc, a1))
                                .is_some_and(|d| ps.iter().any(|q| q.0 == d))
                        {
                            s += 2.0;
                        }
                        if hier.as_ref().is_some_and(|h| h.inside.contains(&p)) {
                            s += 12.0;
                        }
                        if container.as_ref().is_some_and(|h| h.contains(&p)) {
                            s += 12.0;
                        }
                        match best {
                            Some((bs, _)) if bs >= s => second = second.max(s),
                            _ => {
                                if let Some((bs, _)) = best {
                                    second = second.max(bs);
                                }
                                best = Some((s, p));
                            }
                        }
                    }
                    let Some((bs, bp)) = best else { continue };
                    // "Kamianka, Zaporizhzhia region" with no Kamianka of Zaporizhzhia in the
                    // gazetteer: the honest pin is the region, at the region's precision, never a
                    // namesake elsewhere at town precision.
                    if let Some(Cue { inside, fallback: Some(container), strong, via_in }) = &hier {
                        let bpl = gaz.place(bp);
                        let own = own_country[ci].map_or(0.0, |x| x.1);
                        let supported = bpl.country.as_ref().is_some_and(|cc| {
                            ctx_country.get(cc).copied().unwrap_or(0.0) - own >= 2.0
                                && gaz.place(*container).country.as_ref() != Some(cc)
                        });
                        // A division read outside the container only on strong words ("Nord
                        // region of Burkina Faso"); a town when small or on strong words (a big
                        // city before a comma may open a list: "Kharkiv, Donetsk and Luhansk").
                        let falls_back = match bpl.kind {
                            Kind::Settlement => *strong || bpl.population < 100_000,
                            Kind::Admin2 => true,
                            Kind::Admin1 => *strong,
                            _ => false,
                        };
                        if inside.is_empty() && falls_back && !(*via_in && supported) {
                            mentions.push(self.mention(
                                c.start,
                                c.end,
                                c.byte_start,
                                c.byte_end,
                                c.sentence,
                                *container,
                                Role::Place,
                                0.5,
                            ));
                            continue;
                        }
                    }
                    // Acceptance: small places need support from the document.
                    // "Florence, Alabama": a reading the words beside the name place in its
                    // container needs no further support (a first name or a small town's).
                    let cued = hier.as_ref().is_some_and(|h| h.inside.contains(&bp));
                    if !cued && !self.accept(c, bp, ps, bs, &ctx_country) {
                        continue;
                    }
                    let margin = if second.is_finite() { bs - second } else { 5.0 };
                    let res_conf = 1.0 / (1.0 + (-margin).exp());
                    (bp, Role::Place, (c.rec as f64 * (0.5 + 0.5 * res_conf)) as f32)
                }
            };
            mentions.push(self.mention(c.start, c.end, c.byte_start, c.byte_end, c.sentence, place, role, conf));
        }
        self.generic_borders(&mut mentions, &ctx_country, &ctx_admin1, date);
        self.relations(&mut mentions);
        mentions.sort_by_key(|m| (m.start, m.end));
        mentions
    }

    /// A demonym or country name at token t as its own mention.
    fn single_country_mention(&self, t: usize) -> Option<Mention> {
        let gaz = &*self.gp.gaz;
        let w = self.norm(t);
        let (p, role) = if let Some(c) = gaz.demonym_country(w) {
            (c, Role::Demonym)
        } else {
            (gaz.matches(w).map(|(p, _)| p).find(|p| gaz.place(*p).kind == Kind::Country)?, Role::Place)
        };
        let tk = &self.toks[t];
        Some(self.mention(tk.start, tk.end, tk.byte_start, tk.byte_end, self.sents.of_token[t], p, role, 0.8))
    }

    /// Whether the chosen reading of a candidate is good enough to report.
    fn accept(&self, c: &Cand, p: PlaceIdx, ps: &[(PlaceIdx, bool)], _score: f64, ctx: &HashMap<String, f64>) -> bool {
        let gaz = &*self.gp.gaz;
        let pl = gaz.place(p);
        if pl.kind != Kind::Settlement {
            return true;
        }
        let alt = ps.iter().find(|x| x.0 == p).is_some_and(|x| x.1);
        let supported = pl.country.as_ref().is_some_and(|cc| ctx.get(cc).copied().unwrap_or(0.0) >= 2.0);
        let len = c.tok_end - c.tok_start;
        let pop = pl.population;
        let min_pop = match (len > 1, alt, supported) {
            (true, false, _) => 0,
            (true, true, true) => 0,
            (true, true, false) => 5_000,
            (false, false, true) => 0,
            (false, false, false) => 1_000,
            (false, true, true) => 2_000,
            (false, true, false) => 200_000,
        };
        if len == 1 && pop < 50_000 && self.gp.first_names.contains(self.norm(c.tok_start)) {
            return false;
        }
        // "Julia" (Plovdiv), "Viktoria" (Victoria): a first name that is only an alternate name.
        if len == 1 && alt && self.gp.first_names.contains(self.norm(c.tok_start)) {
            return false;
        }
        pop >= min_pop
    }

    /// "Athens, Georgia", "Macon, Georgia": the readings of a country or division name that contain
    /// a reading of the place named right before it ("X, Y"); None when that tells nothing.
    fn container_cue(&self, prev: &Cand, c: &Cand) -> Option<HashSet<PlaceIdx>> {
        let gaz = &*self.gp.gaz;
        let (CandKind::Places(xs), CandKind::Places(ys)) = (&prev.what, &c.what) else {
            return None;
        };
        if prev.sentence != c.sentence
            || prev.byte_end > c.byte_start
            || self.text[prev.byte_end..c.byte_start].trim() != ","
        {
            return None;
        }
        let set: HashSet<PlaceIdx> = ys
            .iter()
            .map(|y| y.0)
            .filter(|&y| {
                let yp = gaz.place(y);
                let (Some(cc), admin1) = (yp.country.as_deref(), yp.admin1.as_deref()) else {
                    return false;
                };
                let within = match yp.kind {
                    Kind::Country => None,
                    Kind::Admin1 if admin1.is_some() => admin1,
                    _ => return false,
                };
                xs.iter().any(|&(x, _)| x != y && lies_in(gaz.place(x), cc, within))
            })
            .collect();
        (!set.is_empty() && set.len() < ys.len()).then_some(set)
    }

    /// "X, Y" / "X in Y" / "X (Y" / "X region of Y": the places among X's namesakes that lie in Y (a
    /// division or country), and the container a reading outside all of them falls back to.
    fn hierarchy_cue(&self, c: &Cand) -> Option<Cue> {
        let gaz = &*self.gp.gaz;
        let n = self.toks.len();
        let mut e = c.tok_end;
        if e >= n || self.sents.of_token[e] != c.sentence {
            return None;
        }
        let gap = self.text[c.byte_end.min(self.toks[e].byte_start)..self.toks[e].byte_start].trim();
        // "Nord region of Burkina Faso": a division word and "of" between the name and its container.
        let mut worded = false;
        let mut gap = gap;
        // "Foo (Nord region, Burkina Faso)": a division word closing the name before the comma.
        if gap.is_empty()
            && (is_division_word(self.norm(e)) || matches!(self.norm(e), "department" | "district"))
            && e + 1 < n
            && self.gap(e).trim() == ","
        {
            e += 1;
            gap = ",";
            worded = true;
        } else if gap.is_empty()
            && (is_division_word(self.norm(e)) || matches!(self.norm(e), "department" | "district"))
            && e + 1 < n
            && matches!(self.norm(e + 1), "of" | "in")
        {
            e += 1;
            worded = true;
        }
        // ("Nord region of": the division word may already close the name.)
        let last_word = self.norm(c.tok_end - 1);
        if gap.is_empty()
            && self.norm(e) == "of"
            && (is_division_word(last_word) || matches!(last_word, "department" | "district"))
        {
            worded = true;
        }
        let ok_gap = gap == "," || gap == "(" || (gap.is_empty() && (self.norm(e) == "in" || worded));
        if !ok_gap {
            return None;
        }
        let start = if self.norm(e) == "in" || self.norm(e) == "of" { e + 1 } else { e };
        if start >= n || !self.cap[start] {
            return None;
        }
        // Y: up to 4 linked words; also US state abbreviations. (container, country, admin1)
        let mut containers: Vec<(PlaceIdx, String, Option<String>)> = Vec::new();
        let mut key = String::new();
        let mut t = start;
        let mut last = start;
        loop {
            if t > start {
                key.push(' ');
            }
            key.push_str(self.norm(t));
            let before = containers.len();
            if let Some(&a) = self.gp.us_states.get(key.as_str()) {
                let ap = gaz.place(a);
                containers.push((a, ap.country.clone().unwrap_or_default(), ap.admin1.clone()));
            }
            for (p, _) in gaz.matches(&key) {
                let pl = gaz.place(p);
                match pl.kind {
                    Kind::Country => containers.push((p, pl.country.clone().unwrap_or_default(), None)),
                    Kind::Admin1 | Kind::Admin2 => {
                        containers.push((p, pl.country.clone().unwrap_or_default(), pl.admin1.clone()))
                    }
                    _ => {}
                }
            }
            if containers.len() > before {
                last = t;
            }
            // (a demonym says which country only for the positive cue: "Aleppo in Turkish" is the
            // language, so it is never a container to fall back to)
            if let Some(cc) = gaz.demonym_country(&key) {
                containers.push((cc, gaz.place(cc).country.clone().unwrap_or_default(), None));
            }
            if t + 1 >= n || !self.link[t] || t + 1 - start >= 4 {
                break;
            }
            t += 1;
        }
        if containers.is_empty() {
            return None;
        }
        let CandKind::Places(ps) = &c.what else {
            return None;
        };
        let inside: HashSet<PlaceIdx> = ps
            .iter()
            .map(|x| x.0)
            .filter(|p| {
                let pl = gaz.place(*p);
                containers.iter().any(|(_, cc, a1)| lies_in(pl, cc, a1.as_deref()))
            })
            .collect();
        // The container stands for a reading outside it only when the words say it contains the
        // name: a parenthesis, "in", "region of", a division word after it ("Kamianka,
        // Zaporizhzhia region"), or a country after a comma. "Kharkiv, Donetsk and Luhansk" is a
        // list, not a hierarchy.
        let division_after = (start..(last + 2).min(n)).any(|t| {
            self.sents.of_token[t] == c.sentence
                && (is_division_word(self.norm(t)) || matches!(self.norm(t), "department" | "district"))
        });
        let strong = gap != "," || worded || division_after;
        // The container must be the whole capitalised name that follows: "Bulacan in Central
        // Luzon" names no container called "Central".
        let whole = last + 1 >= n || !(self.link[last] && self.cap[last + 1]);
        let fallback = containers
            .iter()
            .filter(|(p, _, _)| whole && gaz.demonym_country(&key).is_none_or(|d| d != *p))
            .filter(|(p, _, _)| strong || gaz.place(*p).kind == Kind::Country)
            .max_by_key(|(p, _, _)| match gaz.place(*p).kind {
                Kind::Admin2 => 3,
                Kind::Admin1 => 2,
                _ => 1,
            })
            .map(|x| x.0);
        let via_in = gap.is_empty() && !worded;
        (!inside.is_empty() || fallback.is_some()).then_some(Cue { inside, fallback, strong, via_in })
    }

    /// How likely a reading is before looking at the document.
    fn prior(&self, p: PlaceIdx, alt: bool, date: Option<&str>) -> f64 {
        let pl = self.gp.gaz.place(p);
        let mut s = match pl.kind {
            Kind::Country => 23.0 + (pl.population as f64 + 1.0).ln() / 10.0,
            Kind::Continent => 22.0,
            Kind::Admin1 => 15.0,
            // "X County": a full name; among namesakes the more populous, context decides the rest
            Kind::Admin2 => 8.0 + (pl.population as f64 + 1.0).ln() / 2.0,
            Kind::Settlement if is_curated(pl) => (pl.population.max(3_000) as f64).ln(),
            Kind::Settlement => {
                let f = match pl.feature_code.as_deref() {
                    Some("PPLC") => 20.0,
                    Some("PPLA") => 3.0,
                    Some("PPLA2") => 1.5,
                    Some("PPLX") | Some("PPLH") | Some("PPLQ") | Some("PPLW") => 0.3,
                    _ => 1.0,
                };
                (1.0 + pl.population as f64 * f).ln()
            }
            Kind::Sea
            | Kind::River
            | Kind::Lake
            | Kind::MountainRange
            | Kind::Desert
            | Kind::Region
            | Kind::Natural => 16.5,
            Kind::Corridor | Kind::LineOfContact | Kind::BorderSegment | Kind::Crossing => 16.0,
        };
        if matches!(pl.kind, Kind::Settlement | Kind::Admin1)
            && pl.country.as_ref().is_some_and(|c| self.gp.theatres.contains(c))
        {
            s += 0.5;
        }
        if alt {
            s -= match pl.kind {
                // a town known by this name only as an alternate needs clearer support
                Kind::Settlement => 3.0,
                Kind::Admin1 => 1.0,
                _ => 0.3,
            };
        }
        // Dated records: the version valid on the article date; outside every version's dates the
        // version nearest in time (an area that ceased to exist is still referred to historically,
        // so it is demoted below valid readings but never dropped).
        let away = date.and_then(|d| days_outside(pl, d)).unwrap_or(0);
        if away > 0 {
            s -= 3.0 + (away as f64 / 3650.0).min(3.0);
        } else {
            if date.is_none() && pl.valid_to.is_some() {
                s -= 0.5;
            }
            // Among valid records of the same feature prefer the latest start.
            if let Some(f) = &pl.valid_from {
                s += f.get(..4).and_then(|y| y.parse::<f64>().ok()).map(|y| (y - 1900.0) / 1000.0).unwrap_or(0.0);
            }
        }
        s
    }

    #[allow(clippy::too_many_arguments)]
    fn mention(
        &self,
        start: usize,
        end: usize,
        bs: usize,
        be: usize,
        sentence: usize,
        place: PlaceIdx,
        role: Role,
        conf: f32,
    ) -> Mention {
        let pl = self.gp.gaz.place(place);
        let (ss, se, scp) = self.sents.span(sentence);
        let precision = pl.kind.precision();
        Mention {
            name: self.text[bs..be].to_string(),
            start,
            end,
            place,
            place_id: pl.id.clone(),
            place_name: pl.name.clone(),
            kind: pl.kind,
            precision,
            geo_precision: acled_precision(precision),
            confidence: conf.clamp(0.0, 1.0),
            point: self.gp.ref_points.get(&place).copied().unwrap_or(pl.point),
            geometry: self.gp.geometry(place),
            sentence: self.text[ss..se].to_string(),
            sentence_start: scp,
            role,
            relation: None,
        }
    }

    /// "the border", "state border", "Armenia's border" → the curated segment between the document's
    /// two leading countries, when one can be chosen.
    fn generic_borders(
        &self,
        mentions: &mut Vec<Mention>,
        ctx: &HashMap<String, f64>,
        admin1: &HashSet<PlaceIdx>,
        date: Option<&str>,
    ) {
        let n = self.toks.len();
        let mut taken: Vec<(usize, usize)> = mentions.iter().map(|m| (m.start, m.end)).collect();
        taken.sort_unstable();
        let mut top: Vec<(&String, &f64)> = ctx.iter().collect();
        top.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
        if top.len() < 2 {
            return;
        }
        let seg = match self.border_segment(top[0].0, top[1].0, admin1, date) {
            Some(s) => s,
            None => return,
        };
        for i in 0..n {
            if self.norm(i) != "border" || self.cap[i] {
                continue;
            }
            let tk = &self.toks[i];
            let k = taken.partition_point(|(s, _)| *s < tk.end);
            if k > 0 && taken[k - 1].1 > tk.start {
                continue;
            }
            let prev = if i > 0 { self.norm(i - 1) } else { "" };
            let (start_tok, ok) = match prev {
                "state" => (i - 1, true),
                "the" | "its" => (i, true),
                _ => (i, k > 0 && taken[k - 1].1 + 2 >= tk.start && taken[k - 1].1 <= tk.start),
            };
            if !ok {
                continue;
            }
            // "the border districts": an adjective, not the border itself.
            if i + 1 < n && self.sents.of_token[i + 1] == self.sents.of_token[i] {
                let gap = self.gap(i);
                if gap.trim().is_empty()
                    && !matches!(
                        self.norm(i + 1),
                        "with"
                            | "between"
                            | "of"
                            | "in"
                            | "near"
                            | "and"
                            | "on"
                            | "at"
                            | "to"
                            | "from"
                            | "started"
                            | "was"
                            | "is"
                            | "has"
                            | "had"
                            | "runs"
                            | "ran"
                            | "area"
                            | "zone"
                            | "region"
                    )
                {
                    continue;
                }
            }
            let st = &self.toks[start_tok];
            let mut m = self.mention(
                st.start,
                tk.end,
                st.byte_start,
                tk.byte_end,
                self.sents.of_token[i],
                seg,
                Role::Place,
                0.6,
            );
            m.confidence = 0.6;
            mentions.push(m);
        }
    }

    /// Relative references around each mention: "N km north of X", "near X", "between X and Y",
    /// "N km deep into its territory".
    fn relations(&self, mentions: &mut [Mention]) {
        let gaz = &*self.gp.gaz;
        mentions.sort_by_key(|m| m.start);
        let tok_at: HashMap<usize, usize> = self.toks.iter().enumerate().map(|(i, t)| (t.start, i)).collect();
        let end_at: HashMap<usize, usize> = self.toks.iter().enumerate().map(|(i, t)| (t.end, i)).collect();
        for mi in 0..mentions.len() {
            if mentions[mi].role != Role::Place
                || matches!(
                    mentions[mi].kind,
                    Kind::Country | Kind::Admin1 | Kind::Admin2 | Kind::Continent | Kind::Region | Kind::Sea
                )
            {
                continue;
            }
            let Some(&ti) = tok_at.get(&mentions[mi].start) else {
                continue;
            };
            let w = |k: usize| -> &str {
                if ti >= k {
                    self.norm(ti - k)
                } else {
                    ""
                }
            };
            let same_sent = |k: usize| ti >= k && self.sents.of_token[ti - k] == self.sents.of_token[ti];
            let id = mentions[mi].place_id.clone();
            let mut rel: Option<Relation> = None;
            if same_sent(2) && w(1) == "of" && text::direction(w(2)).is_some() {
                let dir = text::direction(w(2)).unwrap();
                let dist = if same_sent(4) { text::distance_km(w(4), w(3)) } else { None };
                rel = Some(Relation {
                    kind: "direction_of".into(),
                    anchor_id: id.clone(),
                    distance_km: dist,
                    direction: Some(dir.into()),
                    side: None,
                });
            } else if same_sent(1)
                && (w(1) == "near"
                    || w(1) == "outside"
                    || (w(1) == "of" && matches!(w(2), "outskirts" | "vicinity" | "area"))
                    || (w(1) == "to" && w(2) == "close"))
            {
                rel = Some(Relation {
                    kind: "near".into(),
                    anchor_id: id.clone(),
                    distance_km: None,
                    direction: None,
                    side: None,
                });
            } else if same_sent(1) && w(1) == "between" {
                // between X and Y: anchor on X, the other end in `side`.
                if let Some(&ei) = end_at.get(&mentions[mi].end) {
                    if ei + 2 < self.toks.len() && self.norm(ei + 1) == "and" {
                        let ystart = self.toks[ei + 2].start;
                        let k = mentions.partition_point(|m| m.start < ystart);
                        if let Some(other) = mentions.get(k).filter(|m| m.start == ystart) {
                            rel = Some(Relation {
                                kind: "between".into(),
                                anchor_id: id.clone(),
                                distance_km: None,
                                direction: None,
                                side: Some(other.place_id.clone()),
                            });
                        }
                    }
                }
            }
            if let Some(r) = rel {
                let m = &mut mentions[mi];
                m.relation = Some(r);
                m.precision = 2;
                m.geo_precision = 2;
            }
        }
        // "N km (deep) into its/X's territory": anchor on the closest preceding place mention of the sentence.
        for i in 0..self.toks.len() {
            if self.norm(i) != "into" && self.norm(i) != "inside" {
                continue;
            }
            // look back for "<num> <unit> [deep]"
            let mut k = i;
            if k > 0 && matches!(self.norm(k - 1), "deep" | "further" | "farther") {
                k -= 1;
            }
            if k < 2 {
                continue;
            }
            // "3.5" tokenises as "3", "5"
            let decimal = (k >= 3 && self.gap(k - 3) == ".")
                .then(|| text::distance_km(&format!("{}.{}", self.norm(k - 3), self.norm(k - 2)), self.norm(k - 1)))
                .flatten();
            let Some(dist) = decimal.or_else(|| text::distance_km(self.norm(k - 2), self.norm(k - 1))) else {
                continue;
            };
            // territory owner: "its" → the latest country mention in the sentence; "Armenian" → that country
            let sent = self.sents.of_token[i];
            let here = self.toks[i].start;
            let lo = mentions.partition_point(|m| m.start < self.sents.span(sent).2);
            let hi = mentions.partition_point(|m| m.start < here);
            let in_sent: Vec<usize> = (lo..hi.max(lo)).collect();
            let side = (i + 1 < self.toks.len())
                .then(|| {
                    let w = self.norm(i + 1);
                    gaz.demonym_country(w).and_then(|c| gaz.place(c).country.clone()).or_else(|| {
                        if matches!(w, "its" | "the") {
                            in_sent
                                .iter()
                                .rev()
                                .map(|&m| gaz.place(mentions[m].place))
                                .find(|p| p.kind == Kind::Country)
                                .and_then(|p| p.country.clone())
                        } else {
                            None
                        }
                    })
                })
                .flatten();
            let anchor = in_sent
                .iter()
                .rev()
                .copied()
                .find(|&m| mentions[m].kind != Kind::Country && mentions[m].role == Role::Place)
                .or_else(|| in_sent.last().copied());
            if let Some(m) = anchor {
                let id = mentions[m].place_id.clone();
                let mm = &mut mentions[m];
                mm.relation = Some(Relation {
                    kind: "distance_inside".into(),
                    anchor_id: id,
                    distance_km: Some(dist),
                    direction: None,
                    side,
                });
                mm.precision = 2;
                mm.geo_precision = 2;
            }
        }
    }
}

/// One GeoJSON feature per mention (RFC 7946): the place's representative point with the mention
/// properties. The place's own geometry is not repeated per mention: callers that want it add each
/// place once (`features::places_dictionary`), keyed by `place_id`.
pub fn feature(m: &Mention) -> Value {
    let geometry = json!({"type": "Point", "coordinates": [m.point.x(), m.point.y()]});
    let mut props = Map::new();
    props.insert("name".into(), json!(m.name));
    props.insert("start".into(), json!(m.start));
    props.insert("end".into(), json!(m.end));
    props.insert("place_id".into(), json!(m.place_id));
    props.insert("place_name".into(), json!(m.place_name));
    props.insert("kind".into(), json!(m.kind.as_str()));
    props.insert(
        "role".into(),
        json!(match m.role {
            Role::Place => "place",
            Role::Demonym => "demonym",
        }),
    );
    props.insert("precision".into(), json!(m.precision));
    props.insert("geo_precision".into(), json!(m.geo_precision));
    props.insert("confidence".into(), json!((m.confidence as f64 * 1000.0).round() / 1000.0));
    props.insert("sentence".into(), json!(m.sentence));
    props.insert("sentence_start".into(), json!(m.sentence_start));
    props.insert("lat".into(), json!(m.point.y()));
    props.insert("lon".into(), json!(m.point.x()));
    if let Some(r) = &m.relation {
        props.insert("relation".into(), serde_json::to_value(r).unwrap_or(Value::Null));
    }
    json!({"type": "Feature", "geometry": geometry, "properties": props})
}

/// The RFC 7946 FeatureCollection the CLI prints and the HTTP layer returns.
pub fn feature_collection(mentions: &[Mention]) -> Value {
    json!({"type": "FeatureCollection", "features": mentions.iter().map(feature).collect::<Vec<_>>()})
}

/// A mention in the prediction format of the evaluation corpora (no geometry).
pub fn prediction(m: &Mention) -> Value {
    let mut v = json!({
        "start": m.start, "end": m.end, "name": m.name,
        "lat": (m.point.y() * 1e5).round() / 1e5, "lon": (m.point.x() * 1e5).round() / 1e5,
        "place_id": m.place_id, "place_name": m.place_name, "kind": m.kind.as_str(),
        "precision": m.precision, "geo_precision": m.geo_precision,
        "confidence": (m.confidence as f64 * 1000.0).round() / 1000.0,
        "role": match m.role { Role::Place => "place", Role::Demonym => "demonym" },
    });
    if let Some(r) = &m.relation {
        v["relation"] = serde_json::to_value(r).unwrap_or(Value::Null);
    }
    v
}
