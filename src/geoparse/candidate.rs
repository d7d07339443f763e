//! Stage 4, filters: whether the words of a span are a place mention, and its readings if so.
//!
//! Contract: [`Doc::candidate`] is called by stage 3 for each span, longest first; it returns `None`
//! when a filter rejects the span (the caller then tries a shorter one), else the candidate with
//! every namesake the gazetteer has for it (or the demonym's country). It reads only stage 1 and 2
//! features and the word tables; it does not look at other candidates.
//!
//! The steps, in order (the filters of each stage in the order of [`super::filters::FILTERS`]):
//! 1. the [`Stage::Name`] filters (on the words alone, any case);
//! 2. a span starting in lower case is a generic conflict reference or nothing;
//! 3. the [`Stage::Words`] filters;
//! 4. a demonym, or a US state abbreviation after "Town, ", is a candidate;
//! 5. the gazetteer's readings are looked up (none: no candidate);
//! 6. the [`Stage::Readings`] filters;
//! 7. the candidate with its readings.

use super::doc::{is_generic_unit_word, Doc};
use super::filters::{Span, Stage};
use super::{is_curated, is_line_kind, Cand, CandKind};
use crate::gazetteer::{Kind, PlaceIdx};

impl<'a> Doc<'a> {
    /// Whether the words i..e, normalised to `key`, are a place mention; the candidate if so.
    pub(super) fn candidate(&self, i: usize, e: usize, key: &str) -> Option<Cand> {
        let mut s = Span::new(self, i, e, key);
        if self.rejected(Stage::Name, &s) {
            return None;
        }
        if !self.cap[i] && !self.opens_arabic_name(i) {
            return self.generic_reference(&s);
        }
        if self.rejected(Stage::Words, &s) {
            return None;
        }
        if let Some(c) = self.demonym_candidate(&s).or_else(|| self.state_abbreviation(&s)) {
            return Some(c);
        }
        if !s.look_up() || self.rejected(Stage::Readings, &s) {
            return None;
        }
        let rec = if s.best_major {
            0.9
        } else if s.len > 1 {
            0.8
        } else {
            0.6
        };
        // "Zaporizhzhia region" (a name of the oblast): the readings are the whole name's, the span
        // is the proper name without the lower-case generic word, as the corpora annotate it.
        let generic_tail = s.len >= 2 && !self.cap[e - 1] && is_generic_unit_word(self.norm(e - 1));
        Some(self.make_cand(i, if generic_tail { e - 1 } else { e }, CandKind::Places(s.places), rec))
    }

    /// Lower-case generic conflict references ("the line of contact", "the humanitarian corridor"):
    /// only curated lines, two words or more.
    fn generic_reference(&self, s: &Span) -> Option<Cand> {
        let gaz = &*self.gp.gaz;
        if s.len < 2 {
            return None;
        }
        let places: Vec<(PlaceIdx, bool)> = gaz
            .matches(s.key)
            .map(|(p, _)| p)
            .filter(|p| {
                let pl = gaz.place(*p);
                is_curated(pl) && is_line_kind(pl.kind)
            })
            .map(|p| (p, false))
            .collect();
        if places.is_empty() {
            return None;
        }
        Some(self.make_cand(s.i, s.e, CandKind::Places(places), 0.8))
    }

    /// A demonym ("Armenian", "Armenian-American"), unless a country bears the name ("Jordan") or
    /// it stands alone in capitals.
    fn demonym_candidate(&self, s: &Span) -> Option<Cand> {
        let gaz = &*self.gp.gaz;
        if s.len > self.gp.max_demonym_tokens {
            return None;
        }
        let c = s.demonym()?;
        // A country of that name wins ("Jordan"); a province or a country's alternate name
        // does not ("Somali" officials are Somalia's, not Ethiopia's Somali Region's, and
        // "Сомали" is only Somalia's Russian name).
        let place_is_major = gaz.matches(s.key).any(|(p, alt)| !alt && gaz.place(p).kind == Kind::Country);
        (!place_is_major && !(s.allcaps && s.len == 1)).then(|| self.make_cand(s.i, s.e, CandKind::Demonym(c), 0.8))
    }

    /// "Gainesville, Va.", "Macon, Ga.": a two-letter state abbreviation after "Town, ".
    fn state_abbreviation(&self, s: &Span) -> Option<Cand> {
        let i = s.i;
        if s.len != 1 || s.allcaps || self.surf[i].chars().count() != 2 || !self.after_comma_place(i) {
            return None;
        }
        let &st = self.gp.us_states.get(s.key)?;
        let mut c = self.make_cand(i, s.e, CandKind::Places(vec![(st, false)]), 0.8);
        if self.text[c.byte_end..].starts_with('.') && c.end == self.toks[i].end {
            c.end += 1;
            c.byte_end += 1;
        }
        Some(c)
    }
}
