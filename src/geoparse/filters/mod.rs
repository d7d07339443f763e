//! The filters of stage 4: each rule that rejects a span is a unit struct with an id, a doc comment
//! giving the text that motivates it, and a test right after it that parses a short text with the
//! rule and without it (ripgrep's `flags/defs.rs` is the model).
//!
//! Contract: a filter only says whether a span is no place mention ([`Filter::rejects`]); it has no
//! side effects and sees the span through [`Span`]. [`FILTERS`] lists every filter once, in the
//! order they run; a filter runs in its [`Stage`] (the list is sorted by stage, and the first filter
//! that rejects is the one counted as firing). [`Rules`] turns filters off by id
//! (`sitrep eval --disable-rule ID`, `sitrep eval --explain`), so that what a rule is worth is
//! measured, not argued.

mod readings;
mod words;

use super::doc::Doc;
use crate::gazetteer::{Kind, PlaceIdx};
use std::cell::OnceCell;

/// When a filter runs; see the steps of [`super::candidate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// On the words alone, before anything else (also for spans starting in lower case).
    Name,
    /// On the words of a capitalised span, before demonyms and readings are looked up.
    Words,
    /// With the gazetteer's readings ([`Span::places`], [`Span::best_major`], [`Span::big_city`]).
    Readings,
}

/// A rule that rejects spans which are no place mention.
pub(super) trait Filter: Sync {
    /// A stable, unique id (lower case with hyphens).
    fn id(&self) -> &'static str;
    /// Whether the span is no place mention.
    fn rejects(&self, s: &Span) -> bool;
}

/// Every filter, with the stage it runs in, in the order they run.
pub(super) static FILTERS: &[(Stage, &dyn Filter)] = &[
    (Stage::Name, &words::PersonName),
    (Stage::Name, &words::NotPlaceName),
    (Stage::Name, &words::ConflictTerm),
    (Stage::Words, &words::LastWordLowerCase),
    (Stage::Words, &words::InnerWordLowerCase),
    (Stage::Words, &words::EraAfterYear),
    (Stage::Words, &words::AccountHandle),
    (Stage::Words, &words::Contraction),
    (Stage::Words, &words::ArabicNameTail),
    (Stage::Words, &words::HyphenedMajorNames),
    (Stage::Words, &words::LeadingThe),
    (Stage::Words, &words::OrganisationFollows),
    (Stage::Words, &words::OrganisationOf),
    (Stage::Words, &words::FeatureHeadFollows),
    (Stage::Words, &words::DiseaseName),
    (Stage::Words, &words::HyphenedToNoPlace),
    (Stage::Words, &words::PluralDemonym),
    (Stage::Words, &words::Language),
    (Stage::Readings, &readings::RoadName),
    (Stage::Readings, &readings::ResultsLine),
    (Stage::Readings, &readings::StopWord),
    (Stage::Readings, &readings::MixedCaseAbbreviation),
    (Stage::Readings, &readings::Surname),
    (Stage::Readings, &readings::HyphenedSmallPlace),
    (Stage::Readings, &readings::InsideUnknownName),
    (Stage::Readings, &readings::ShortWord),
    (Stage::Readings, &readings::Shouting),
    (Stage::Readings, &readings::InitialLowerWord),
    (Stage::Readings, &readings::LowerCaseWord),
    (Stage::Readings, &readings::ArabicGivenName),
    (Stage::Readings, &readings::AfterMajorName),
    (Stage::Readings, &readings::NameParticle),
    (Stage::Readings, &readings::Ampersand),
    (Stage::Readings, &readings::BeforeCommonWord),
    (Stage::Readings, &readings::FirstNameSpeaks),
    (Stage::Readings, &readings::AfterTitleOrFirstName),
    (Stage::Readings, &readings::CommonWords),
    (Stage::Readings, &readings::ShoutingWords),
];

/// The ids of every filter, in the order they run.
pub fn filter_ids() -> impl Iterator<Item = &'static str> {
    FILTERS.iter().map(|(_, f)| f.id())
}

/// No filter has this id.
#[derive(Debug, thiserror::Error)]
#[error("no geoparser rule is called {0:?} (the rules: {list})", list = filter_ids().collect::<Vec<_>>().join(", "))]
pub struct UnknownRule(pub String);

/// Which filters run: all of them unless some are turned off by id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rules {
    /// Bit k set: `FILTERS[k]` is off.
    disabled: u64,
}

impl Rules {
    /// Every filter on.
    pub fn all() -> Rules {
        Rules::default()
    }

    /// These filters off; an error names an id that is no filter's.
    pub fn without<S: AsRef<str>>(ids: &[S]) -> Result<Rules, UnknownRule> {
        let mut r = Rules::all();
        for id in ids {
            let k = FILTERS
                .iter()
                .position(|(_, f)| f.id() == id.as_ref())
                .ok_or_else(|| UnknownRule(id.as_ref().to_string()))?;
            r.disabled |= 1 << k;
        }
        Ok(r)
    }

    fn enabled(&self, k: usize) -> bool {
        self.disabled & (1 << k) == 0
    }
}

/// How often each filter rejected a span (the first of its stage to reject), by position in
/// [`filter_ids`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    pub fired: Vec<u32>,
}

impl Trace {
    pub fn new() -> Trace {
        Trace { fired: vec![0; FILTERS.len()] }
    }
}

/// A span under test and what the filters read of it, each computed at most once.
pub(super) struct Span<'d, 'a> {
    pub doc: &'d Doc<'a>,
    /// Tokens i..e.
    pub i: usize,
    pub e: usize,
    pub len: usize,
    /// The normalised words.
    pub key: &'d str,
    /// Every word is written in capitals.
    pub allcaps: bool,
    /// A capitalised word is hyphened to the span before ("Diaz-Balart") or after it.
    pub hyphen_before: bool,
    pub hyphen_after: bool,
    demonym: OnceCell<Option<PlaceIdx>>,
    /// [`Stage::Readings`] only: the namesakes (place, matched through an alternate name).
    pub places: Vec<(PlaceIdx, bool)>,
    /// [`Stage::Readings`] only: a reading is a settlement (before the water names narrow them).
    pub settlement_reading: bool,
    /// [`Stage::Readings`] only: a reading is a country, continent, division or curated area by its
    /// own name.
    pub best_major: bool,
    /// [`Stage::Readings`] only: a reading is a city of 100,000 or more by its own name.
    pub big_city: bool,
}

impl<'d, 'a> Span<'d, 'a> {
    pub fn new(doc: &'d Doc<'a>, i: usize, e: usize, key: &'d str) -> Span<'d, 'a> {
        let n = doc.toks.len();
        Span {
            doc,
            i,
            e,
            len: e - i,
            key,
            allcaps: (i..e).all(|t| doc.allcaps[t]),
            hyphen_before: i > 0 && doc.cap[i - 1] && doc.link[i - 1] && doc.gap(i - 1) == "-",
            hyphen_after: e < n && doc.link[e - 1] && doc.cap[e] && doc.gap(e - 1) == "-",
            demonym: OnceCell::new(),
            places: Vec::new(),
            settlement_reading: false,
            best_major: false,
            big_city: false,
        }
    }

    /// The country (or region) the span names as a demonym, if any.
    pub fn demonym(&self) -> Option<PlaceIdx> {
        *self.demonym.get_or_init(|| {
            let gp = self.doc.gp;
            let key = self.key;
            let plural = self.plural_demonym();
            // "English" names the language more often than England: only "the English city of X".
            let english_place = key == "english"
                && self.doc.next_word(self.e).is_some_and(|w| {
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
            if (gp.not_demonyms.contains(key) && !english_place) || plural {
                None
            } else {
                gp.demonym(key)
            }
        })
    }

    /// Whether the span is a plural demonym ("Canadians"; "Balkans" is a place of its own, not
    /// "Balkan" people).
    pub fn plural_demonym(&self) -> bool {
        let gp = self.doc.gp;
        self.key.strip_suffix('s').is_some_and(|k| gp.demonym(k).is_some()) && !gp.gaz.has_key(self.key)
    }

    /// Looks the readings up for [`Stage::Readings`]; false when the gazetteer has none.
    pub fn look_up(&mut self) -> bool {
        let gp = self.doc.gp;
        let gaz = &*gp.gaz;
        let mut places: Vec<(PlaceIdx, bool)> = gaz.matches(self.key).collect();
        if let Some(&x) = gp.extra_names.get(self.key) {
            places.clear();
            places.push((x, false));
        }
        if places.is_empty() {
            return false;
        }
        places.sort_unstable_by_key(|p| (p.0, p.1));
        places.dedup_by_key(|p| p.0);
        self.settlement_reading = places.iter().any(|&(p, _)| matches!(gaz.place(p).kind, Kind::Settlement));
        // "the Red Sea": the sea, not Sudan's Red Sea State named after it.
        let water = |p: PlaceIdx| matches!(gaz.place(p).kind, Kind::Sea | Kind::Lake | Kind::River);
        if self
            .key
            .rsplit(' ')
            .next()
            .is_some_and(|w| matches!(w, "sea" | "ocean" | "lake" | "river" | "gulf" | "bay" | "strait" | "channel"))
            && places.iter().any(|&(p, alt)| !alt && water(p))
        {
            places.retain(|&(p, _)| water(p));
        }
        self.best_major = places.iter().any(|(p, alt)| {
            let pl = gaz.place(*p);
            matches!(pl.kind, Kind::Country | Kind::Continent)
                || (pl.kind == Kind::Admin1 && !alt)
                || (super::is_curated(pl) && !alt)
        });
        self.big_city = places.iter().any(|(p, alt)| {
            let pl = gaz.place(*p);
            !alt && pl.kind == Kind::Settlement && pl.population >= 100_000
        });
        self.places = places;
        true
    }

    /// Whether some reading is of one of these kinds.
    pub fn reads_as(&self, kinds: &[Kind]) -> bool {
        let gaz = &*self.doc.gp.gaz;
        self.places.iter().any(|(p, _)| kinds.contains(&gaz.place(*p).kind))
    }

    /// The one word of a one-word span.
    pub fn word(&self) -> &'a str {
        self.doc.norm(self.i)
    }
}

impl<'a> Doc<'a> {
    /// Whether a filter of `stage` rejects the span (counted in the trace, when there is one).
    pub(super) fn rejected(&self, stage: Stage, s: &Span) -> bool {
        let from = FILTERS.partition_point(|(st, _)| *st < stage);
        for (k, (st, f)) in FILTERS.iter().enumerate().skip(from) {
            if *st != stage {
                break;
            }
            if self.rules.enabled(k) && f.rejects(s) {
                if let Some(c) = self.fired.get(k) {
                    c.set(c.get() + 1);
                }
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
pub(super) mod testing {
    //! Parses short texts on the shipped gazetteer with every filter, and with one turned off.
    use super::super::Geoparser;
    use super::Rules;
    use std::sync::{Arc, OnceLock};

    fn parser() -> &'static Geoparser {
        static GP: OnceLock<Geoparser> = OnceLock::new();
        GP.get_or_init(|| {
            let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
            Geoparser::new(Arc::new(crate::gazetteer::Gazetteer::load(&data).expect("the shipped gazetteer loads")))
        })
    }

    /// The mentions of `text` as "surface=place name", with every filter or without `off`.
    pub fn mentions(text: &str, off: Option<&str>) -> Vec<String> {
        let rules = match off {
            Some(id) => Rules::without(&[id]).expect("a filter id"),
            None => Rules::all(),
        };
        parser().parse_with(text, None, rules, None).iter().map(|m| format!("{}={}", m.name, m.place_name)).collect()
    }

    /// Asserts that filter `id` keeps the mention whose surface is `name` out of `text`: without
    /// the filter it is there, with it not.
    pub fn keeps_out(id: &str, text: &str, name: &str) {
        let surface = |ms: &[String]| ms.iter().any(|m| m.split('=').next() == Some(name));
        let (with, without) = (mentions(text, None), mentions(text, Some(id)));
        assert!(!surface(&with), "{id}: {name:?} is a mention of {text:?} with the rule: {with:?}");
        assert!(surface(&without), "{id}: {name:?} is no mention of {text:?} without the rule: {without:?}");
    }

    /// Asserts that filter `id` rejects the span `words` of `text`, for a filter whose example is
    /// also kept out by a later filter or by the scorer (the outcome does not show it).
    pub fn rejects(id: &str, text: &str, words: &str) {
        use super::super::{doc::Doc, text::Sentences};
        let gp = parser();
        let toks = crate::gazetteer::tokenize(text);
        let sents = Sentences::split(text, &toks, &gp.abbrev);
        let mut doc = Doc::new(gp, text, &toks, &sents, Rules::all(), false);
        doc.find_people();
        let at = text.find(words).expect("the words are in the text");
        let i = toks.iter().position(|t| t.byte_start == at).expect("the words start a token");
        let e = 1 + toks.iter().rposition(|t| t.byte_end <= at + words.len()).expect("the words end a token");
        let key = toks[i..e].iter().map(|t| t.norm.as_str()).collect::<Vec<_>>().join(" ");
        let mut s = super::Span::new(&doc, i, e, &key);
        let (stage, f) = super::FILTERS.iter().find(|(_, f)| f.id() == id).expect("a filter id");
        if *stage == super::Stage::Readings {
            assert!(s.look_up(), "{words:?} has no readings");
        }
        assert!(f.rejects(&s), "{id} does not reject {words:?} in {text:?}");
    }

    #[test]
    fn ids_are_unique_and_the_list_runs_stage_by_stage() {
        let ids: Vec<&str> = super::filter_ids().collect();
        let unique: std::collections::HashSet<&&str> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{ids:?}");
        assert!(ids.len() <= 64, "Rules holds 64 filters");
        assert!(super::FILTERS.windows(2).all(|w| w[0].0 <= w[1].0), "FILTERS is not sorted by stage");
        assert!(ids.iter().all(|id| id.chars().all(|c| c.is_ascii_lowercase() || c == '-')), "{ids:?}");
        assert!(Rules::without(&["no-such-rule"]).is_err());
    }
}
