//! Word lists the recogniser needs beyond the gazetteer: capitalised common words that are never
//! places on their own, personal titles, first names (shipped in `data/lexicon/first_names.txt`,
//! see `scripts/fetch_first_names.sh`), US state abbreviations, and demonyms of macro-regions.
//! The lists live in `data/lexicon/` as plain text (one entry per line, `#` comments; `.tsv` files
//! carry a key and a target separated by a tab), compiled into the binary and normalised at load
//! with [`crate::gazetteer::normalize`], so an entry written with capitals or accents still matches.
//! The tests below check that every entry is already written in its normalised form and that no
//! list repeats an entry.

use std::collections::{HashMap, HashSet};

/// The shipped first-names list (Moby word lists via @stdlib datasets, Apache-2.0), one per line.
pub const FIRST_NAMES: &str = include_str!("../../data/lexicon/first_names.txt");

/// Capitalised words that are not places when they stand alone, even though some town is named so.
pub const STOP: &str = include_str!("../../data/lexicon/stop.txt");

/// Words that, written before a capitalised name, make it a person ("President Putin", "Mr Chad").
pub const TITLES: &str = include_str!("../../data/lexicon/titles.txt");

/// Lower-case particles inside personal names ("Mike de Kock", "Mohammed bin Rashid").
pub const NAME_PARTICLES: &str = include_str!("../../data/lexicon/name_particles.txt");

/// Words after a first name that show the name is a person ("Chad said", "Jordan, who").
pub const PERSON_VERBS: &str = include_str!("../../data/lexicon/person_verbs.txt");

/// Name-part words that continue a place name rather than a surname ("Jordan Valley", "Victoria Falls").
pub const PLACE_HEADS: &str = include_str!("../../data/lexicon/place_heads.txt");

/// Lower-case words allowed inside a multi-word name ("Bosnia and Herzegovina", "Rio de Janeiro").
pub const NAME_INFIX: &str = include_str!("../../data/lexicon/name_infix.txt");

/// Abbreviations that end with a period without ending the sentence.
pub const ABBREV: &str = include_str!("../../data/lexicon/abbrev.txt");

/// US state abbreviations (AP style and postal), to GeoNames admin-1 codes (which are postal codes).
pub const US_STATES: &str = include_str!("../../data/lexicon/us_states.tsv");

/// Demonyms of macro-regions and continents, to curated ids or names.
pub const REGION_DEMONYMS: &str = include_str!("../../data/lexicon/region_demonyms.tsv");

/// Points GeoNames gives countries and continents (see `scripts/fetch_reference_points.sh`):
/// `key lat lon demonyms`, key = ISO alpha-2 or curated id.
pub const REFERENCE_POINTS: &str = include_str!("../../data/lexicon/reference_points.tsv");

/// Names the gazetteer lacks, to ISO alpha-2 codes or place ids.
pub const EXTRA_NAMES: &str = include_str!("../../data/lexicon/extra_names.tsv");

/// Demonyms that are languages more often than people; never read as places.
pub const NOT_DEMONYMS: &str = include_str!("../../data/lexicon/not_demonyms.txt");

/// Heads of names of features, streets and facilities ("Tijuana River", "Northumberland Avenue",
/// "Dulles Airport"): a place name right before one names that feature, not the place. A feature
/// the gazetteer knows ("Jordan River") is matched whole before this applies.
pub const FEATURE_HEADS: &str = include_str!("../../data/lexicon/feature_heads.txt");

/// Names of organisations and agencies that the gazetteer also has as (small) places; never places.
pub const NOT_PLACE_NAMES: &str = include_str!("../../data/lexicon/not_place_names.txt");

/// Kinship nouns: a capitalised word right after one (in lower case) is a person's name
/// ("his brother Tyler", "daughters North and Chicago").
pub const KIN: &str = include_str!("../../data/lexicon/kin.txt");

/// Words that make a preceding place name part of a disease or pathogen name ("Lyme disease",
/// "Rift Valley fever", "Norwalk virus", "Reston strain"): such a name says nothing about where an
/// event happened.
pub const DISEASE_HEADS: &str = include_str!("../../data/lexicon/disease_heads.txt");

/// Words that may stand between such a place name and the disease head ("Middle East respiratory
/// syndrome", "Crimean-Congo hemorrhagic fever").
pub const DISEASE_MODIFIERS: &str = include_str!("../../data/lexicon/disease_modifiers.txt");

/// Head words of buildings, campuses and events: a place name that starts a capitalised name ending
/// in one of them ("Illinois Capitol Complex", "Manila Cathedral", "Dubai World Cup", "Colchester
/// Hospital") is part of the facility's name, which the corpora annotate whole if at all. Not
/// organisations ("Washington Post", "Pakistan Army", "Russian Foreign Ministry"): the place in those
/// counts as a mention.
pub const ORG_HEADS: &str = include_str!("../../data/lexicon/org_heads.txt");

/// Conflict actors, weapons and operations that share a name with some place ("Hamas", "Wagner",
/// "Grad" rockets): in conflict reporting they are never that place.
pub const CONFLICT_TERMS: &str = include_str!("../../data/lexicon/conflict_terms.txt");

/// Lower-case heads that make a preceding division name the name of a road or a square
/// ("the Salah al-Din road"): a road named after a province is no reference to it.
pub const ROAD_HEADS: &str = include_str!("../../data/lexicon/road_heads.txt");

/// Countries of the conflicts the project covers, as lower-case ISO alpha-2 codes: a tie-breaker prior.
pub const THEATRES: &str = include_str!("../../data/lexicon/theatres.txt");

/// Weights of the confidence reading (`src/geoparse/confidence.rs`), fitted by
/// `scripts/fit_confidence.py`: `feature<TAB>log-odds weight`.
pub const CONFIDENCE_WEIGHTS: &str = include_str!("../../data/lexicon/confidence_weights.tsv");

/// The rows of a two-column list as written (trimmed, not normalised): `(key, value)`.
pub fn rows(list: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    entries(list).filter_map(|l| l.split_once('\t')).map(|(a, b)| (a.trim(), b.trim()))
}

/// A logistic model read from a `feature<TAB>weight` list: named features, their log-odds
/// weights and a `bias`. A feature without a weight weighs nothing, so a stage may name new
/// features before the weights are fitted again.
pub struct Weights(HashMap<&'static str, f32>);

impl Weights {
    /// The weights of `list` (rows whose weight is no number are left out).
    pub fn parse(list: &'static str) -> Weights {
        Weights(rows(list).filter_map(|(f, w)| w.parse::<f32>().ok().map(|w| (f, w))).collect())
    }

    /// The weight of one feature (0 when it has none).
    pub fn get(&self, feature: &str) -> f32 {
        self.0.get(feature).copied().unwrap_or(0.0)
    }

    /// Whether `feature` has a weight.
    #[cfg(test)]
    pub fn has(&self, feature: &str) -> bool {
        self.0.contains_key(feature)
    }

    /// The features that have weights (besides `bias`).
    #[cfg(test)]
    pub fn features(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.keys().copied().filter(|f| *f != "bias")
    }

    /// The log-odds of a reading with these features: the bias plus their weights.
    pub fn log_odds<'f>(&self, feats: impl IntoIterator<Item = &'f str>) -> f32 {
        self.get("bias") + feats.into_iter().map(|f| self.get(f)).sum::<f32>()
    }
}

/// The entries of a list: trimmed, comments and blank lines left out (not normalised).
fn entries(list: &'static str) -> impl Iterator<Item = &'static str> {
    list.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// A word list as a set of normalised keys.
pub fn set(list: &'static str) -> HashSet<String> {
    entries(list).map(crate::gazetteer::normalize).filter(|w| !w.is_empty()).collect()
}

/// A two-column list as (normalised key, target) pairs, in file order.
pub fn pairs(list: &'static str) -> Vec<(String, &'static str)> {
    entries(list)
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, t)| (crate::gazetteer::normalize(k), t.trim()))
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTS: &[(&str, &str)] = &[
        ("stop", STOP),
        ("titles", TITLES),
        ("name_particles", NAME_PARTICLES),
        ("person_verbs", PERSON_VERBS),
        ("place_heads", PLACE_HEADS),
        ("name_infix", NAME_INFIX),
        ("abbrev", ABBREV),
        ("not_demonyms", NOT_DEMONYMS),
        ("feature_heads", FEATURE_HEADS),
        ("not_place_names", NOT_PLACE_NAMES),
        ("kin", KIN),
        ("disease_heads", DISEASE_HEADS),
        ("disease_modifiers", DISEASE_MODIFIERS),
        ("org_heads", ORG_HEADS),
        ("conflict_terms", CONFLICT_TERMS),
        ("road_heads", ROAD_HEADS),
        ("theatres", THEATRES),
        ("us_states", US_STATES),
        ("region_demonyms", REGION_DEMONYMS),
        ("extra_names", EXTRA_NAMES),
    ];

    #[test]
    fn every_entry_is_written_normalised_and_once() {
        let mut bad = Vec::new();
        for (name, list) in LISTS {
            let mut seen = HashSet::new();
            for e in entries(list) {
                let key = e.split('\t').next().unwrap_or(e);
                let norm = crate::gazetteer::normalize(key);
                if norm != key {
                    bad.push(format!("{name}: {key:?} is {norm:?} normalised"));
                }
                if !seen.insert(key) {
                    bad.push(format!("{name}: {key:?} twice"));
                }
            }
            assert!(!seen.is_empty(), "{name} is empty");
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    #[test]
    fn pairs_have_targets() {
        for list in [US_STATES, REGION_DEMONYMS, EXTRA_NAMES] {
            assert_eq!(pairs(list).len(), entries(list).count());
        }
    }
}
