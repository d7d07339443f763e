//! Stage 3, candidate spans: the longest run of linked tokens at each position that stage 4
//! ([`super::candidate`]) accepts, left to right and without overlaps, then the extenders that widen
//! a span by a word the name does not include ("Oaxaca State", "Washington, D.C.", "Northern
//! Syria") or narrow its readings ("the state of New York" is the state).
//!
//! Contract: [`Doc::recognise`] returns the candidates sorted by position; the compound border
//! references ("Armenian-Azerbaijani border") come out as [`CandKind::Border`], resolved in stage 6.

use super::doc::{is_compass_word, is_division_word, Doc};
use super::{Cand, CandKind};
use crate::gazetteer::{Kind, PlaceIdx};

impl<'a> Doc<'a> {
    /// All recognised spans, left to right, non-overlapping, longest first at each position.
    pub(super) fn recognise(&self) -> Vec<Cand> {
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
    pub(super) fn with_direction_word(&self, c: Cand, free_from: usize) -> Cand {
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
    pub(super) fn arabic_article_start(&self, i: usize) -> bool {
        i + 1 < self.toks.len()
            && matches!(self.norm(i), "al" | "el" | "ad" | "ar" | "as" | "ash" | "at" | "az" | "an")
            && self.cap[i + 1]
            && self.gap(i) == "-"
    }

    /// An Arabic article that opens a name: not inside a longer one ("Ras al-Ain", "Omar al-Bashir").
    pub(super) fn opens_arabic_name(&self, i: usize) -> bool {
        self.arabic_article_start(i) && !(i > 0 && self.link[i - 1] && self.cap[i - 1])
    }

    /// "Washington, D.C.", "Washington, DC": one mention of the capital, not a city and a district.
    pub(super) fn with_capital_district(&self, c: Cand) -> Cand {
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
    pub(super) fn with_division_word(&self, c: Cand) -> Cand {
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
    pub(super) fn divisions_among(&self, ps: &[(PlaceIdx, bool)], us_states: bool) -> Vec<(PlaceIdx, bool)> {
        let gaz = &*self.gp.gaz;
        ps.iter()
            .filter(|(p, _)| {
                let pl = gaz.place(*p);
                pl.kind == Kind::Admin1 && (us_states || pl.country.as_deref() != Some("US"))
            })
            .copied()
            .collect()
    }

    pub(super) fn may_start_generic(&self, i: usize) -> bool {
        matches!(
            self.norm(i),
            "engagement" | "line" | "contact" | "state" | "border" | "lachin" | "grain" | "humanitarian"
        )
    }

    pub(super) fn make_cand(&self, i: usize, e: usize, what: CandKind, rec: f32) -> Cand {
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

    /// "Armenian-Azerbaijani border", "Armenia–Azerbaijan border", "Russian-Ukrainian frontier".
    pub(super) fn compound_border(&self, i: usize) -> Option<Cand> {
        let n = self.toks.len();
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
        // (the pair is read again by `pair_of` when the candidate is resolved)
        self.border_side(i)?;
        self.border_side(i + 1)?;
        Some(self.make_cand(i, i + 3, CandKind::Border, 0.9))
    }
}
