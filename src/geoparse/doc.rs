//! Stage 1, document and token features: computed once per document, read by every later stage.
//!
//! Contract: [`Doc::new`] takes the tokens and sentences of one text and records, per token, its
//! surface, whether it links to the next token into one name (`link`, `chain`), its capitalisation
//! (`cap`, `allcaps`), whether it opens a sentence (`initial`), and for the document the words seen in
//! lower case. The person marks (`surnames`, `person_tok`) are filled by stage 2 ([`super::people`]).
//! Nothing here looks a name up in the gazetteer except the small predicates at the end, which
//! later stages share ("is token i a country name").

use super::filters::{filter_ids, Rules};
use super::text::Sentences;
use super::{text, Geoparser};
use crate::gazetteer::{Kind, Token};
use std::cell::Cell;
use std::collections::HashSet;

/// Per-document working state.
pub(super) struct Doc<'a> {
    pub(super) gp: &'a Geoparser,
    pub(super) text: &'a str,
    pub(super) toks: &'a [Token],
    pub(super) sents: &'a Sentences,
    /// Surface of each token.
    pub(super) surf: Vec<&'a str>,
    /// Token i is linked to token i+1 (may be part of one name).
    pub(super) link: Vec<bool>,
    /// `link`, or a possessive between two words ("People's Republic"): only for finding the
    /// longest name; every other rule sees the possessive as a break.
    pub(super) chain: Vec<bool>,
    /// Token i starts with an upper-case letter (or a letter without case).
    pub(super) cap: Vec<bool>,
    /// Token i is written in capitals throughout.
    pub(super) allcaps: Vec<bool>,
    /// Token i is the first word of its sentence.
    pub(super) initial: Vec<bool>,
    /// Normalised words seen in lower case somewhere in the document.
    pub(super) lower_words: HashSet<&'a str>,
    /// Surnames of people named in the document.
    pub(super) surnames: HashSet<&'a str>,
    /// Tokens that belong to a person name.
    pub(super) person_tok: Vec<bool>,
    /// The filters that run.
    pub(super) rules: Rules,
    /// Rejections by each filter (empty when not counted).
    pub(super) fired: Vec<Cell<u32>>,
}

impl<'a> Doc<'a> {
    pub(super) fn new(
        gp: &'a Geoparser,
        text: &'a str,
        toks: &'a [Token],
        sents: &'a Sentences,
        rules: Rules,
        count: bool,
    ) -> Doc<'a> {
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
        Doc {
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
            rules,
            fired: if count { (0..filter_ids().count()).map(|_| Cell::new(0)).collect() } else { Vec::new() },
        }
    }

    pub(super) fn norm(&self, i: usize) -> &'a str {
        self.toks[i].norm.as_str()
    }

    /// Whether the words i..j (exclusive) form a multi-word gazetteer name.
    pub(super) fn multiword_name(&self, i: usize, max: usize) -> bool {
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
    pub(super) fn gap(&self, t: usize) -> &'a str {
        &self.text[self.toks[t].byte_end..self.toks[t + 1].byte_start]
    }

    /// Whether token `i` closes a multi-word gazetteer name begun by the capitalised words before it.
    pub(super) fn ends_place_name(&self, i: usize) -> bool {
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

    /// Whether token `i` is a country or continent name.
    pub(super) fn is_country_name(&self, i: usize) -> bool {
        self.names_country(self.norm(i))
    }

    /// Whether the normalised `key` names a country or continent.
    pub(super) fn names_country(&self, key: &str) -> bool {
        let gaz = &*self.gp.gaz;
        gaz.matches(key).any(|(p, _)| matches!(gaz.place(p).kind, Kind::Country | Kind::Continent))
    }

    /// A country or first-level division name (never treated as part of a person name).
    pub(super) fn is_major_name(&self, i: usize) -> bool {
        let gaz = &*self.gp.gaz;
        gaz.matches(self.norm(i)).any(|(p, alt)| {
            let k = gaz.place(p).kind;
            k == Kind::Country || (k == Kind::Admin1 && !alt)
        })
    }

    pub(super) fn next_word(&self, e: usize) -> Option<&str> {
        if e < self.toks.len() && self.sents.of_token[e] == self.sents.of_token[e - 1] {
            Some(self.norm(e))
        } else {
            None
        }
    }
}

/// A lower-case word naming a first-level division ("state", "province", ...).
pub(super) fn is_division_word(w: &str) -> bool {
    matches!(w, "state" | "province" | "region" | "governorate" | "oblast")
}

/// A lower-case word naming a unit of any level after its proper name ("Masisi territory").
pub(super) fn is_generic_unit_word(w: &str) -> bool {
    is_division_word(w) || matches!(w, "department" | "district" | "territory" | "circle" | "locality" | "county")
}

/// "North", "Western", "Central": words that orient a place name ("Northern Syria").
pub(super) fn is_compass_word(w: &str) -> bool {
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
