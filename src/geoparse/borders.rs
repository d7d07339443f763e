//! Stage 7, borders: the curated border segment a compound ("Armenian-Azerbaijani border") or
//! generic ("the border", "state border") reference stands for.
//!
//! Contract: a segment is chosen only when the document's countries (and divisions) make the choice
//! unambiguous; otherwise nothing is added.

use super::doc::Doc;
use super::{days_outside, Cand, Mention, Role, Segment};
use crate::gazetteer::{Kind, PlaceIdx};
use std::collections::{HashMap, HashSet};

impl<'a> Doc<'a> {
    /// The country code token `t` names as a demonym ("Armenian") or a country name ("Armenia"):
    /// one side of a compound border.
    pub(super) fn border_side(&self, t: usize) -> Option<String> {
        let gaz = &*self.gp.gaz;
        let w = self.norm(t);
        let cc = gaz
            .demonym_country(w)
            .or_else(|| gaz.matches(w).map(|(p, _)| p).find(|p| gaz.place(*p).kind == Kind::Country))?;
        gaz.place(cc).country.clone()
    }

    pub(super) fn pair_of(&self, c: &Cand) -> Option<(String, String)> {
        Some((self.border_side(c.tok_start)?, self.border_side(c.tok_start + 1)?))
    }

    /// The curated border segment between two countries, preferring one in a division the
    /// document names; `None` when there is none or the choice is arbitrary.
    pub(super) fn border_segment(
        &self,
        a: &str,
        b: &str,
        doc_admin1: &HashSet<PlaceIdx>,
        date: Option<&str>,
    ) -> Option<PlaceIdx> {
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

    /// "the border", "state border", "Armenia's border" → the curated segment between the document's
    /// two leading countries, when one can be chosen.
    pub(super) fn generic_borders(
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
            let mut m =
                self.mention(st.start, tk.end, st.byte_start, tk.byte_end, self.sents.of_token[i], seg, Role::Place);
            m.confidence_features.push(super::confidence::basis::GENERIC_BORDER);
            mentions.push(m);
        }
    }
}
