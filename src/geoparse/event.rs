//! Stage 9, the event site: which mentions of an article are where the reported event happened,
//! and why the others are context.
//!
//! Contract: [`Doc::event`] sets [`Mention::event`] on the event-site mentions and
//! [`Mention::role_reason`] on every other one ("dateline", "named as a government", "place of a
//! statement", "origin of displaced people", "origin of an attack", "comparison", "background",
//! "wider area of the event", "no event reported there", "demonym"). A mention is an event site
//! when it is a literal place (stage 8; a country's capital followed within three words by a
//! government's verb — "Beijing urged" — or after an office word — "the ministry in Baghdad" —
//! counts as a government too), not a dateline, not after a statement, displacement, comparison or
//! launch cue ("fired from Lebanon"), and in a sentence with an event word that names no year
//! before the article's; when no such sentence has one, the first sentence with a free literal
//! place stands in. Among event sites, a country or division that contains another event site
//! becomes "wider area of the event" (the most specific
//! place wins; "near X" already carries precision 2 from stage 7). Word classes are data in
//! `data/lexicon/event_cues.tsv`. Nothing here changes which mentions are found or where.

use super::doc::Doc;
use super::{Mention, Role};
use crate::gazetteer::Kind;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

const CUES: &str = include_str!("../../data/lexicon/event_cues.tsv");

static CLASSES: LazyLock<HashMap<&'static str, HashSet<&'static str>>> = LazyLock::new(|| {
    let mut m: HashMap<&'static str, HashSet<&'static str>> = HashMap::new();
    for l in CUES.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        if let Some((c, w)) = l.split_once('\t') {
            m.entry(c.trim()).or_default().insert(w.trim());
        }
    }
    m
});

fn is(class: &str, w: &str) -> bool {
    CLASSES.get(class).is_some_and(|s| s.contains(w))
}

impl Doc<'_> {
    /// The context reason of the mention starting at token `first` (ending at `last`), from its
    /// own words; `None` when it may be an event site.
    fn own_reason(&self, m: &Mention, first: usize, last: usize) -> Option<&'static str> {
        if m.role == Role::Demonym {
            return Some("demonym");
        }
        if self.is_dateline(first, last + 1) {
            return Some("dateline");
        }
        let sent = self.sents.of_token[first];
        let capital = self.gp.gaz.place(m.place).feature_code.as_deref() == Some("PPLC");
        let stance = || {
            (last + 1..(last + 4).min(self.toks.len()))
                .take_while(|&i| self.sents.of_token[i] == sent)
                .any(|i| is("stance", self.norm(i)))
        };
        let before: Vec<&str> = (first.saturating_sub(4)..first)
            .filter(|&i| self.sents.of_token[i] == sent)
            .map(|i| self.norm(i))
            .collect();
        let prev = before.last().copied().unwrap_or("");
        // "the foreign ministry in Baghdad", "recalled its ambassador from Tehran": a capital as
        // the seat of a government's office
        let office = || matches!(prev, "in" | "from" | "to") && before.iter().any(|w| is("office", w));
        if !m.literal || (capital && (stance() || office())) {
            return Some("named as a government");
        }
        if before.iter().any(|w| is("displaced", w)) {
            return Some("origin of displaced people");
        }
        if before.iter().any(|w| is("comparison", w)) {
            return Some("comparison");
        }
        // "a rocket fired from Lebanon": where an attack came from, not where it struck
        if prev == "from" && before.iter().any(|w| is("launch", w)) {
            return Some("origin of an attack");
        }
        if matches!(prev, "in" | "from" | "at" | "to") && before.iter().any(|w| is("speech", w)) {
            return Some("place of a statement");
        }
        None
    }

    /// Stage 9: the event site of the article (see the module contract).
    pub(super) fn event(&self, mentions: &mut [Mention], date: Option<&str>) {
        let n_sent = self.sents.of_token.last().map_or(0, |&s| s + 1);
        let year: Option<u32> = date.and_then(|d| d.get(..4)).and_then(|y| y.parse().ok());
        let mut event_sent = vec![false; n_sent];
        let mut background = vec![false; n_sent];
        for (i, t) in self.toks.iter().enumerate() {
            let s = self.sents.of_token[i];
            if is("event", &t.norm) {
                event_sent[s] = true;
            }
            if t.norm.len() == 4 {
                if let (Ok(y), Some(doc_year)) = (t.norm.parse::<u32>(), year) {
                    if (1900..doc_year).contains(&y) {
                        background[s] = true;
                    }
                }
            }
        }
        let mut free = Vec::new();
        for (k, m) in mentions.iter_mut().enumerate() {
            m.event = false;
            let first = self.toks.partition_point(|t| t.start < m.start);
            if first >= self.toks.len() {
                m.role_reason = Some("no event reported there");
                continue;
            }
            let last = self.toks.partition_point(|t| t.end <= m.end).saturating_sub(1).max(first);
            m.role_reason = self.own_reason(m, first, last.min(self.toks.len() - 1));
            if m.role_reason.is_none() {
                free.push((k, self.sents.of_token[first]));
            }
        }
        let mut sites: Vec<usize> =
            free.iter().filter(|&&(_, s)| event_sent[s] && !background[s]).map(|&(k, _)| k).collect();
        if sites.is_empty() {
            let lead = free.iter().find(|&&(_, s)| !background[s]).map(|&(_, s)| s);
            sites = free.iter().filter(|&&(_, s)| Some(s) == lead).map(|&(k, _)| k).collect();
        }
        // the most specific place wins over a country or division that contains it
        let gaz = &self.gp.gaz;
        let wider: HashSet<usize> = sites
            .iter()
            .copied()
            .filter(|&a| {
                let pa = gaz.place(mentions[a].place);
                sites.iter().any(|&b| {
                    let pb = gaz.place(mentions[b].place);
                    b != a
                        && pb.country.is_some()
                        && pb.country == pa.country
                        && match pa.kind {
                            Kind::Country => pb.kind != Kind::Country,
                            Kind::Admin1 => {
                                pb.kind != Kind::Admin1 && pb.kind != Kind::Country && pb.admin1 == pa.admin1
                            }
                            _ => false,
                        }
                })
            })
            .collect();
        for &k in &sites {
            if wider.contains(&k) {
                mentions[k].role_reason = Some("wider area of the event");
            } else {
                mentions[k].event = true;
            }
        }
        let site_set: HashSet<usize> = sites.into_iter().collect();
        for (k, s) in free {
            if !site_set.contains(&k) {
                mentions[k].role_reason = Some(if background[s] { "background" } else { "no event reported there" });
            }
        }
    }
}
