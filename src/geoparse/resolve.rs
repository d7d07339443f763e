//! Stage 6, the scorer: chooses one reading per candidate, or drops the candidate, and builds the
//! mentions.
//!
//! Contract: [`Doc::resolve`] scores every reading of each candidate against the document context
//! of stage 5 ([`Doc::score_reading`]: prior + context + cues), falls back to a named container when
//! no reading lies in it (an honest province-level pin), drops small places without support
//! ([`Doc::accept`]) and returns one mention per kept candidate, in candidate order, with the
//! evidence its reading rests on for the confidence stage ([`Doc::evidence`]).

use super::confidence::basis;
use super::context::Context;
use super::doc::Doc;
use super::{acled_precision, Cand, CandKind, Cue, Mention, Role};
use crate::gazetteer::{Kind, PlaceIdx};
use std::collections::HashSet;

/// What the scorer reads of one candidate besides the document context.
pub(super) struct Reading<'r> {
    /// Position of the candidate (in the context's per-candidate tables).
    pub ci: usize,
    /// Its namesakes: (place, matched through an alternate name).
    pub ps: &'r [(PlaceIdx, bool)],
    /// A settlement bears the name as its own (not as an alternate name).
    pub own_name_town: bool,
    /// The hierarchy cue of the words after it ("X, Y", "X in Y").
    pub hier: Option<Cue>,
    /// The container cue of the candidate before it ("Athens, Georgia").
    pub container: Option<HashSet<PlaceIdx>>,
}

impl<'a> Doc<'a> {
    /// Scores namesakes against the document and builds the mentions, in candidate order.
    pub(super) fn resolve(&self, cands: &[Cand], ctx: &Context, date: Option<&str>) -> Vec<Mention> {
        let mut mentions: Vec<Mention> = Vec::with_capacity(cands.len());
        for (ci, c) in cands.iter().enumerate() {
            match &c.what {
                CandKind::Demonym(p) => mentions.push(self.cand_mention(c, *p, Role::Demonym, Some(basis::DEMONYM))),
                CandKind::Border => self.border_mentions(c, ctx, date, &mut mentions),
                CandKind::Places(ps) => {
                    let r = Reading {
                        ci,
                        ps,
                        own_name_town: ps.iter().any(|&(q, a)| !a && self.gp.gaz.place(q).kind == Kind::Settlement),
                        hier: self.hierarchy_cue(c),
                        container: ci.checked_sub(1).and_then(|pi| self.container_cue(&cands[pi], c)),
                    };
                    if let Some(m) = self.resolve_places(c, &r, ctx, date) {
                        mentions.push(m);
                    }
                }
            }
        }
        mentions
    }

    /// The compound border reference `c`: the curated segment between its two countries, else each
    /// of its two words on its own.
    fn border_mentions(&self, c: &Cand, ctx: &Context, date: Option<&str>, mentions: &mut Vec<Mention>) {
        let Some((a, b)) = self.pair_of(c) else {
            return;
        };
        match self.border_segment(&a, &b, &ctx.admin1, date) {
            Some(seg) => mentions.push(self.cand_mention(c, seg, Role::Place, Some(basis::BORDER_SEGMENT))),
            None => {
                // No curated segment: the two demonyms/countries stand on their own.
                for t in [c.tok_start, c.tok_start + 1] {
                    if let Some(m) = self.single_country_mention(t) {
                        mentions.push(m);
                    }
                }
            }
        }
    }

    /// The best-scoring reading of a candidate with namesakes, its container, or nothing.
    fn resolve_places(&self, c: &Cand, r: &Reading, ctx: &Context, date: Option<&str>) -> Option<Mention> {
        let gaz = &*self.gp.gaz;
        let mut best: Option<(f64, PlaceIdx)> = None;
        let mut second = f64::NEG_INFINITY;
        for &(p, alt) in r.ps {
            let s = self.score_reading(p, alt, r, ctx, date);
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
        let (bs, bp) = best?;
        // "Kamianka, Zaporizhzhia region" with no Kamianka of Zaporizhzhia in the gazetteer: the
        // honest pin is the region, at the region's precision, never a namesake elsewhere at town
        // precision.
        if let Some(Cue { inside, fallback: Some(container), strong, via_in }) = &r.hier {
            let bpl = gaz.place(bp);
            let own = ctx.own_country[r.ci].map_or(0.0, |x| x.1);
            let supported = bpl.country.as_ref().is_some_and(|cc| {
                ctx.country.get(cc).copied().unwrap_or(0.0) - own >= 2.0
                    && gaz.place(*container).country.as_ref() != Some(cc)
            });
            // A division read outside the container only on strong words ("Nord region of Burkina
            // Faso"); a town when small or on strong words (a big city before a comma may open a
            // list: "Kharkiv, Donetsk and Luhansk").
            let falls_back = match bpl.kind {
                Kind::Settlement => *strong || bpl.population < 100_000,
                Kind::Admin2 => true,
                Kind::Admin1 => *strong,
                _ => false,
            };
            if inside.is_empty() && falls_back && !(*via_in && supported) {
                let mut m = self.cand_mention(c, *container, Role::Place, Some(basis::FALLBACK));
                m.confidence_features.push(if *strong { "fallback_strong" } else { "fallback_comma" });
                return Some(m);
            }
        }
        // Acceptance: small places need support from the document. "Florence, Alabama": a reading
        // the words beside the name place in its container needs no further support (a first name
        // or a small town's).
        let cued = r.hier.as_ref().is_some_and(|h| h.inside.contains(&bp));
        if !cued && !self.accept(c, bp, r.ps, bs, &ctx.country) {
            return None;
        }
        let mut m = self.cand_mention(c, bp, Role::Place, None);
        m.confidence_features = self.evidence(c, r, ctx, bp, second.is_finite().then_some(bs - second));
        Some(m)
    }

    /// A demonym or country name at token t as its own mention.
    pub(super) fn single_country_mention(&self, t: usize) -> Option<Mention> {
        let gaz = &*self.gp.gaz;
        let w = self.norm(t);
        let (p, role) = if let Some(c) = gaz.demonym_country(w) {
            (c, Role::Demonym)
        } else {
            (gaz.matches(w).map(|(p, _)| p).find(|p| gaz.place(*p).kind == Kind::Country)?, Role::Place)
        };
        let tk = &self.toks[t];
        let mut m = self.mention(tk.start, tk.end, tk.byte_start, tk.byte_end, self.sents.of_token[t], p, role);
        m.confidence_features.push(basis::BORDER_WORD);
        Some(m)
    }

    /// The mention of candidate `c` read as `place`, made as `how` says (a [`basis`] feature of
    /// the confidence stage; `None`: the caller sets the readings' evidence).
    fn cand_mention(&self, c: &Cand, place: PlaceIdx, role: Role, how: Option<&'static str>) -> Mention {
        let mut m = self.mention(c.start, c.end, c.byte_start, c.byte_end, c.sentence, place, role);
        m.confidence_features.extend(how);
        m
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn mention(
        &self,
        start: usize,
        end: usize,
        bs: usize,
        be: usize,
        sentence: usize,
        place: PlaceIdx,
        role: Role,
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
            confidence: 0.5,
            confidence_features: Vec::new(),
            point: self.gp.ref_points.get(&place).copied().unwrap_or(pl.point),
            geometry: self.gp.geometry(place),
            sentence: self.text[ss..se].to_string(),
            sentence_start: scp,
            role,
            relation: None,
            literal: role == Role::Place,
            literal_features: Vec::new(),
            event: false,
            role_reason: None,
        }
    }
}
