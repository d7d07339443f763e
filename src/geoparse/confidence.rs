//! Stage 10, confidence: how likely a mention is to be a place reference placed within 161 km of
//! where the text means — a number a user can read as a probability.
//!
//! Contract: the scorer (stage 6) records with each mention the evidence its reading rests on
//! ([`Doc::evidence`]: how the span was recognised, how many namesakes it had and the margin of the
//! chosen one, the container and hierarchy cues, the countries and divisions the document names,
//! the population of a town, an alternate-name match, ...); [`Doc::confidence`] adds what the later
//! stages know (literal or not, the place named again, a relation), plus `kind=KIND`, and sets
//! [`Mention::confidence`] to the logistic model's probability. The weights are data,
//! `data/lexicon/confidence_weights.tsv`, fitted by `scripts/fit_confidence.py` on the tuning
//! halves of the shared corpora and the golden conflict set only (label: the mention matches a gold
//! toponym and lies within 161 km of it, the scorer's end-to-end rule), which also prints the
//! reliability table. The length of the text is deliberately no feature: on the tuning data it
//! mostly tells the golden set's short briefs from the long corpora, which says nothing about the
//! tweets and notes a user feeds. Nothing here changes which mentions are found or where they are
//! placed.

use super::context::Context;
use super::doc::Doc;
use super::lexicon::{Weights, CONFIDENCE_WEIGHTS};
use super::resolve::Reading;
use super::{haversine_km, is_curated, Cand, Mention};
use crate::gazetteer::{Kind, PlaceIdx};
use std::collections::HashMap;
use std::sync::LazyLock;

static WEIGHTS: LazyLock<Weights> = LazyLock::new(|| Weights::parse(CONFIDENCE_WEIGHTS));

/// How a mention was made, when not by choosing among the namesakes of a span.
pub(super) mod basis {
    /// A demonym ("Russian").
    pub const DEMONYM: &str = "from=demonym";
    /// A curated border segment read from a compound ("Armenian-Azerbaijani border").
    pub const BORDER_SEGMENT: &str = "from=border_segment";
    /// One word of a compound border with no curated segment.
    pub const BORDER_WORD: &str = "from=border_word";
    /// A generic border reference ("the border") read as the segment the document is about.
    pub const GENERIC_BORDER: &str = "from=generic_border";
    /// No reading of the name lies in the container the text names: the container itself.
    pub const FALLBACK: &str = "from=fallback";
}

impl Doc<'_> {
    /// The evidence for reading candidate `c` as `p` (see the module contract); `margin` is the
    /// score of `p` over the second-best reading, `None` when it had no rival.
    pub(super) fn evidence(
        &self,
        c: &Cand,
        r: &Reading,
        ctx: &Context,
        p: PlaceIdx,
        margin: Option<f64>,
    ) -> Vec<&'static str> {
        let gaz = &*self.gp.gaz;
        let pl = gaz.place(p);
        let mut f = Vec::with_capacity(12);
        f.push(if c.rec >= 0.9 {
            "span=major"
        } else if c.tok_end - c.tok_start > 1 {
            "span=words"
        } else {
            "span=word"
        });
        f.push(match r.ps.len() {
            0 | 1 => "readings=1",
            2..=4 => "readings=2-4",
            _ => "readings=5+",
        });
        if let Some(m) = margin {
            f.push(match m {
                m if m < 1.0 => "margin<1",
                m if m < 3.0 => "margin<3",
                m if m < 6.0 => "margin<6",
                _ => "margin>=6",
            });
        }
        if r.ps.iter().any(|&(q, a)| q == p && a) {
            f.push("alt_name");
        }
        match &r.hier {
            Some(h) if h.inside.contains(&p) => f.push("hierarchy_cue"),
            Some(_) => f.push("hierarchy_cue_unmet"),
            None => {}
        }
        if r.container.as_ref().is_some_and(|h| h.contains(&p)) {
            f.push("container_cue");
        }
        if let (Some(cc), true) = (&pl.country, pl.kind != Kind::Country) {
            let own = ctx.own_country[r.ci].filter(|(occ, _)| occ == cc).map_or(0.0, |x| x.1);
            let w = ctx.country.get(cc).copied().unwrap_or(0.0) - own;
            f.push(if w >= 2.0 {
                "country_named"
            } else if w > 0.0 {
                "country_hinted"
            } else {
                "country_unnamed"
            });
            if self.gp.theatres.contains(cc) {
                f.push("theatre");
            }
        }
        if let (Some(cc), Some(a1)) = (&pl.country, &pl.admin1) {
            if pl.kind != Kind::Admin1 && gaz.admin1(cc, a1).is_some_and(|ai| ctx.admin1.contains(&ai)) {
                f.push("division_named");
            }
        }
        if ctx.points.iter().any(|(pt, q)| *q != p && haversine_km(pl.point, *pt) < 250.0) {
            f.push("near_places");
        }
        if is_curated(pl) {
            f.push("curated");
        }
        if pl.kind == Kind::Settlement {
            f.push(match pl.population {
                0..1_000 => "pop<1k",
                1_000..10_000 => "pop<10k",
                10_000..100_000 => "pop<100k",
                100_000..1_000_000 => "pop<1M",
                _ => "pop>=1M",
            });
            match pl.feature_code.as_deref() {
                Some("PPLC") => f.push("capital"),
                Some("PPLA") => f.push("division_seat"),
                _ => {}
            }
        }
        if self.sents.of_token.get(c.tok_start.wrapping_sub(1)) != self.sents.of_token.get(c.tok_start) {
            f.push("sent_start");
        }
        f
    }

    /// Stage 10: the confidence of each mention (see the module contract).
    pub(super) fn confidence(&self, mentions: &mut [Mention]) {
        let mut named: HashMap<PlaceIdx, usize> = HashMap::new();
        for m in mentions.iter() {
            *named.entry(m.place).or_default() += 1;
        }
        for m in mentions.iter_mut() {
            if named.get(&m.place).is_some_and(|n| *n > 1) {
                m.confidence_features.push("named_again");
            }
            if !m.literal {
                m.confidence_features.push("not_literal");
            }
            if m.relation.is_some() {
                m.confidence_features.push("relation");
            }
            let kind = format!("kind={}", m.kind.as_str());
            let z = WEIGHTS.log_odds(m.confidence_features.iter().copied().chain([kind.as_str()]));
            m.confidence = 1.0 / (1.0 + (-z).exp());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_weight_is_a_feature_the_stage_gives() {
        // A misspelt feature in the weights file would silently weigh nothing.
        let known = [
            "span=major",
            "span=words",
            "span=word",
            "readings=1",
            "readings=2-4",
            "readings=5+",
            "margin<1",
            "margin<3",
            "margin<6",
            "margin>=6",
            "alt_name",
            "hierarchy_cue",
            "hierarchy_cue_unmet",
            "container_cue",
            "country_named",
            "country_hinted",
            "country_unnamed",
            "theatre",
            "division_named",
            "near_places",
            "curated",
            "pop<1k",
            "pop<10k",
            "pop<100k",
            "pop<1M",
            "pop>=1M",
            "capital",
            "division_seat",
            "sent_start",
            "named_again",
            "not_literal",
            "relation",
            "fallback_strong",
            "fallback_comma",
            basis::DEMONYM,
            basis::BORDER_SEGMENT,
            basis::BORDER_WORD,
            basis::GENERIC_BORDER,
            basis::FALLBACK,
        ];
        for f in WEIGHTS.features() {
            assert!(known.contains(&f) || f.starts_with("kind="), "unknown feature {f} in confidence_weights.tsv");
        }
        assert!(WEIGHTS.has("bias"), "confidence_weights.tsv has no bias");
    }
}
