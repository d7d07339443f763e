//! Stage 7, relations: relative references around a mention ("N km north of X", "near X",
//! "between X and Y", "N km deep into its territory").
//!
//! Contract: a relation keeps the anchor place and its coordinates and records the relation on the
//! mention (its precision becomes 2); no coordinates are moved.

use super::doc::Doc;
use super::{text, Mention, Relation, Role};
use crate::gazetteer::Kind;
use std::collections::HashMap;

impl<'a> Doc<'a> {
    /// Relative references around each mention: "N km north of X", "near X", "between X and Y",
    /// "N km deep into its territory".
    pub(super) fn relations(&self, mentions: &mut [Mention]) {
        mentions.sort_by_key(|m| m.start);
        let tok_at: HashMap<usize, usize> = self.toks.iter().enumerate().map(|(i, t)| (t.start, i)).collect();
        let end_at: HashMap<usize, usize> = self.toks.iter().enumerate().map(|(i, t)| (t.end, i)).collect();
        for mi in 0..mentions.len() {
            if mentions[mi].role != Role::Place
                || matches!(
                    mentions[mi].kind,
                    Kind::Country | Kind::Admin1 | Kind::Admin2 | Kind::Continent | Kind::Region | Kind::Sea
                )
            {
                continue;
            }
            let Some(&ti) = tok_at.get(&mentions[mi].start) else {
                continue;
            };
            let w = |k: usize| -> &str {
                if ti >= k {
                    self.norm(ti - k)
                } else {
                    ""
                }
            };
            let same_sent = |k: usize| ti >= k && self.sents.of_token[ti - k] == self.sents.of_token[ti];
            let id = mentions[mi].place_id.clone();
            let mut rel: Option<Relation> = None;
            if same_sent(2) && w(1) == "of" && text::direction(w(2)).is_some() {
                let dir = text::direction(w(2)).unwrap();
                let dist = if same_sent(4) { text::distance_km(w(4), w(3)) } else { None };
                rel = Some(Relation {
                    kind: "direction_of".into(),
                    anchor_id: id.clone(),
                    distance_km: dist,
                    direction: Some(dir.into()),
                    side: None,
                });
            } else if same_sent(1)
                && (w(1) == "near"
                    || w(1) == "outside"
                    || (w(1) == "of" && matches!(w(2), "outskirts" | "vicinity" | "area"))
                    || (w(1) == "to" && w(2) == "close"))
            {
                rel = Some(Relation {
                    kind: "near".into(),
                    anchor_id: id.clone(),
                    distance_km: None,
                    direction: None,
                    side: None,
                });
            } else if same_sent(1) && w(1) == "between" {
                // between X and Y: anchor on X, the other end in `side`.
                if let Some(&ei) = end_at.get(&mentions[mi].end) {
                    if ei + 2 < self.toks.len() && self.norm(ei + 1) == "and" {
                        let ystart = self.toks[ei + 2].start;
                        let k = mentions.partition_point(|m| m.start < ystart);
                        if let Some(other) = mentions.get(k).filter(|m| m.start == ystart) {
                            rel = Some(Relation {
                                kind: "between".into(),
                                anchor_id: id.clone(),
                                distance_km: None,
                                direction: None,
                                side: Some(other.place_id.clone()),
                            });
                        }
                    }
                }
            }
            if let Some(r) = rel {
                let m = &mut mentions[mi];
                m.relation = Some(r);
                m.precision = 2;
                m.geo_precision = 2;
            }
        }
        self.distances_inside(mentions);
    }

    /// "N km (deep) into its/X's territory": anchor on the closest preceding place mention of the sentence.
    fn distances_inside(&self, mentions: &mut [Mention]) {
        let gaz = &*self.gp.gaz;
        for i in 0..self.toks.len() {
            if self.norm(i) != "into" && self.norm(i) != "inside" {
                continue;
            }
            // look back for "<num> <unit> [deep]"
            let mut k = i;
            if k > 0 && matches!(self.norm(k - 1), "deep" | "further" | "farther") {
                k -= 1;
            }
            if k < 2 {
                continue;
            }
            // "3.5" tokenises as "3", "5"
            let decimal = (k >= 3 && self.gap(k - 3) == ".")
                .then(|| text::distance_km(&format!("{}.{}", self.norm(k - 3), self.norm(k - 2)), self.norm(k - 1)))
                .flatten();
            let Some(dist) = decimal.or_else(|| text::distance_km(self.norm(k - 2), self.norm(k - 1))) else {
                continue;
            };
            // territory owner: "its" → the latest country mention in the sentence; "Armenian" → that country
            let sent = self.sents.of_token[i];
            let here = self.toks[i].start;
            let lo = mentions.partition_point(|m| m.start < self.sents.span(sent).2);
            let hi = mentions.partition_point(|m| m.start < here);
            let in_sent: Vec<usize> = (lo..hi.max(lo)).collect();
            let side = (i + 1 < self.toks.len())
                .then(|| {
                    let w = self.norm(i + 1);
                    gaz.demonym_country(w).and_then(|c| gaz.place(c).country.clone()).or_else(|| {
                        if matches!(w, "its" | "the") {
                            in_sent
                                .iter()
                                .rev()
                                .map(|&m| gaz.place(mentions[m].place))
                                .find(|p| p.kind == Kind::Country)
                                .and_then(|p| p.country.clone())
                        } else {
                            None
                        }
                    })
                })
                .flatten();
            let anchor = in_sent
                .iter()
                .rev()
                .copied()
                .find(|&m| mentions[m].kind != Kind::Country && mentions[m].role == Role::Place)
                .or_else(|| in_sent.last().copied());
            if let Some(m) = anchor {
                let id = mentions[m].place_id.clone();
                let mm = &mut mentions[m];
                mm.relation = Some(Relation {
                    kind: "distance_inside".into(),
                    anchor_id: id,
                    distance_km: Some(dist),
                    direction: None,
                    side,
                });
                mm.precision = 2;
                mm.geo_precision = 2;
            }
        }
    }
}
