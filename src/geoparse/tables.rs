//! The geoparser's prepared tables: word lists, demonyms, reference points, border segments, built
//! once by [`Geoparser::new`] and shared by every document.

use super::{haversine_km, lexicon, Geoparser, Segment};
use crate::gazetteer::{Gazetteer, Kind, PlaceIdx};
use geo_types::{Geometry, Point};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The bounding boxes of countries under about 1,500 km across (see [`Geoparser`]).
pub(super) fn small_country_boxes(gaz: &Gazetteer) -> HashMap<String, geo_types::Rect<f64>> {
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
pub(super) fn eponymous_capitals(gaz: &Gazetteer) -> HashSet<PlaceIdx> {
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
    pub(super) fn geometry(&self, p: PlaceIdx) -> Arc<Geometry<f64>> {
        self.geometries[p as usize].get_or_init(|| Arc::new(self.gaz.place(p).full_geometry())).clone()
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gaz
    }

    /// The country (or macro-region) a demonym stands for ("Armenian" → Armenia).
    pub(super) fn demonym(&self, key: &str) -> Option<PlaceIdx> {
        // A region's own demonym first: "Welsh" is Wales before it is the United Kingdom.
        self.region_demonyms
            .get(key)
            .copied()
            .or_else(|| self.gaz.demonym_country(key))
            .or_else(|| self.extra_demonyms.get(key).copied())
    }

    /// Which countries and divisions each curated border segment separates, read from its names.
    pub(super) fn build_segments(&self) -> Vec<Segment> {
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
}
