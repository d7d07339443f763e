//! Stage 8, literal or not: does a mention name the place itself ("shelling in Kharkiv") or the
//! place standing for something else — a government ("Moscow said", "talks between Baku and
//! Yerevan"), a team ("Arizona coach"), a people, an organisation ("Washington Post")?
//!
//! Contract: [`Doc::literal`] sets [`Mention::literal`] and [`Mention::literal_features`] on every
//! mention. The reading is a logistic model over a few named features of the words around the
//! mention ([`features`]): word classes from `data/lexicon/literal_cues.tsv` and weights from
//! `data/lexicon/literal_weights.tsv`, fitted by `scripts/fit_literal.py` on the tuning half of
//! GeoWebNews (documents 0–99; its types `Literal`, `Literal_Modifier`, `Embedded_Literal`,
//! `Coercion` and `Mixed` count as literal). A feature without a weight weighs nothing, so the
//! feature set can grow before the weights are refitted. Nothing here changes which mentions are
//! found or where they are placed.

use super::doc::Doc;
use super::lexicon::{rows, Weights};
use super::{Mention, Role};
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

const CUES: &str = include_str!("../../data/lexicon/literal_cues.tsv");
const WEIGHTS: &str = include_str!("../../data/lexicon/literal_weights.tsv");

/// The word classes and weights, read once.
struct Model {
    classes: HashMap<&'static str, HashSet<&'static str>>,
    weights: Weights,
}

static MODEL: LazyLock<Model> = LazyLock::new(|| {
    let mut classes: HashMap<&'static str, HashSet<&'static str>> = HashMap::new();
    for (class, word) in rows(CUES) {
        classes.entry(class).or_default().insert(word);
    }
    Model { classes, weights: Weights::parse(WEIGHTS) }
});

impl Model {
    fn is(&self, class: &str, word: &str) -> bool {
        self.classes.get(class).is_some_and(|s| s.contains(word))
    }

    /// The model's log-odds that a mention with these features is literal.
    fn score(&self, kind: &str, feats: &[&'static str]) -> f32 {
        self.weights.log_odds(feats.iter().copied().chain([format!("kind={kind}").as_str()]))
    }
}

/// Every feature name [`features`] can give (besides `bias` and `kind=KIND`), for the fitting
/// script and the test that each has a weight.
#[cfg(test)]
pub const FEATURES: &[&str] = &[
    "demonym",
    "demonym_geo",
    "prev_loc",
    "prev_agent",
    "prev_such_as",
    "prev_of",
    "prev_the",
    "prev_article",
    "prev_coord",
    "sent_start",
    "subject_verb",
    "next_verb",
    "poss",
    "poss_geo",
    "next_geo",
    "next_noun",
    "next_cap",
    "next_punct",
    "next_and",
    "capital",
    "capital_actor",
];

/// The features of the mention spanning tokens `first..=last`; `capital`: the place is a
/// country's capital (which stands for its government more often than any other town).
pub(super) fn features(doc: &Doc<'_>, first: usize, last: usize, role: Role, capital: bool) -> Vec<&'static str> {
    let m = &*MODEL;
    let toks = doc.toks;
    let sent = doc.sents.of_token[first];
    let mut f = Vec::new();
    if role == Role::Demonym {
        f.push("demonym");
    }
    // before: the word before (same sentence), and what stands between it and the name
    let before = first.checked_sub(1).filter(|&p| doc.sents.of_token[p] == sent);
    // a hashtag's '#' is part of the name, not punctuation ("shelling in #Taiz")
    let gap_before = before.map_or("", |p| &doc.text[toks[p].byte_end..toks[first].byte_start]).trim_end_matches('#');
    let prev = before.map(|p| toks[p].norm.as_str());
    let prev2 = before.and_then(|p| p.checked_sub(1)).filter(|&p| doc.sents.of_token[p] == sent);
    let prev2 = prev2.map(|p| toks[p].norm.as_str());
    let punct_before = gap_before.chars().any(|c| !c.is_whitespace());
    if doc.initial[first] || (punct_before && gap_before.chars().any(|c| matches!(c, '.' | '"' | '“' | '”' | ':')))
    {
        f.push("sent_start");
    }
    if !punct_before {
        if let Some(p) = prev {
            // "the" counts through to the word before it ("in the Donbas")
            let through = if p == "the" { prev2.unwrap_or(p) } else { p };
            if m.is("loc", p) || m.is("loc", through) {
                f.push("prev_loc");
            }
            if m.is("agent", p) || m.is("agent", through) {
                f.push("prev_agent");
            }
            if p == "as" && prev2 == Some("such") {
                f.push("prev_such_as");
            }
            match p {
                "of" => f.push("prev_of"),
                "the" => f.push("prev_the"),
                "a" | "an" => f.push("prev_article"),
                "and" | "or" => f.push("prev_coord"),
                _ => {}
            }
        }
    } else if gap_before.trim() == "," {
        f.push("prev_coord");
    }
    // after: a possessive, punctuation, or the next word
    let after = Some(last + 1).filter(|&n| n < toks.len() && doc.sents.of_token[n] == sent);
    let gap_after = after.map_or("", |n| &doc.text[toks[last].byte_end..toks[n].byte_start]);
    let next = after.map(|n| toks[n].norm.as_str());
    let g = gap_after.trim_start();
    if g.starts_with("'s") || g.starts_with("’s") || g.starts_with('\'') && g.trim() == "'" {
        if next.is_some_and(|w| m.is("geo", w)) {
            f.push("poss_geo");
        } else {
            f.push("poss");
        }
    } else if after.is_none() || g.starts_with([',', '.', ';', ')', ':', '!', '?']) {
        f.push("next_punct");
    } else if let (Some(n), Some(w)) = (after, next) {
        let hyphen = g.trim() == "-";
        if !gap_after.trim().is_empty() && !hyphen {
            f.push("next_punct");
        } else if m.is("geo", w) {
            f.push("next_geo");
            if role == Role::Demonym {
                f.push("demonym_geo");
            }
        } else if w == "and" {
            f.push("next_and");
        } else if m.is("verb", w) {
            f.push("next_verb");
            if f.contains(&"sent_start") || f.contains(&"prev_coord") {
                f.push("subject_verb");
            }
        } else if m.is("function", w) {
            // "Syria in 2011", "Iraq for years": nothing said
        } else if doc.cap[n] {
            f.push("next_cap");
        } else {
            f.push("next_noun");
        }
    }
    if capital {
        f.push("capital");
        let actor = ["next_verb", "poss", "prev_agent", "next_and", "prev_coord"];
        if f.iter().any(|x| actor.contains(x)) {
            f.push("capital_actor");
        }
    }
    f
}

impl Doc<'_> {
    /// Stage 8: the literal reading of each mention (see the module contract).
    pub(super) fn literal(&self, mentions: &mut [Mention]) {
        for m in mentions.iter_mut() {
            let first = self.toks.partition_point(|t| t.start < m.start);
            let last = self.toks.partition_point(|t| t.end <= m.end).saturating_sub(1).max(first);
            if first >= self.toks.len() {
                continue;
            }
            let capital = self.gp.gaz.place(m.place).feature_code.as_deref() == Some("PPLC");
            let feats = features(self, first, last.min(self.toks.len() - 1), m.role, capital);
            m.literal = MODEL.score(m.kind.as_str(), &feats) > 0.0;
            m.literal_features = feats;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_feature_and_class_is_known() {
        let m = &*MODEL;
        for class in ["loc", "agent", "verb", "geo", "function"] {
            assert!(m.classes.get(class).is_some_and(|s| !s.is_empty()), "class {class} in literal_cues.tsv");
        }
        for f in FEATURES {
            assert!(m.weights.has(f), "feature {f} has no weight in literal_weights.tsv");
        }
        for f in m.weights.features() {
            assert!(f.starts_with("kind=") || FEATURES.contains(&f), "unknown feature {f}");
        }
    }
}
