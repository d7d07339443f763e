//! Stage 5, features of a candidate read from the words beside it: the hierarchy cue ("X, Y",
//! "X in Y", "X (Y region") and the container cue ("Athens, Georgia": the second name's readings
//! that contain a reading of the first).
//!
//! Contract: each returns the subset of a candidate's readings that the words place in a container
//! (and, for the hierarchy cue, the container a reading outside it falls back to); `None` when the
//! words say nothing.

use super::doc::{is_compass_word, is_division_word, Doc};
use super::{lies_in, Cand, CandKind};
use crate::gazetteer::{Kind, PlaceIdx};
use std::collections::HashSet;

/// What the words after a name say about where it lies ("X, Y", "X in Y").
pub(super) struct Cue {
    /// The readings of the name that lie in the container.
    pub(super) inside: HashSet<PlaceIdx>,
    /// The container itself, for a name none of whose readings lies in it.
    pub(super) fallback: Option<PlaceIdx>,
    /// The words say it contains the name ("(Y", "in Y", "Y region"), beyond a bare comma.
    pub(super) strong: bool,
    /// Only "in" says so, which may also tell where something happened ("Gregory of Narek in
    /// Vatican"): a reading in a country the document is about stands.
    pub(super) via_in: bool,
}

impl<'a> Doc<'a> {
    /// "Athens, Georgia", "Macon, Georgia": the readings of a country or division name that contain
    /// a reading of the place named right before it ("X, Y"); None when that tells nothing.
    pub(super) fn container_cue(&self, prev: &Cand, c: &Cand) -> Option<HashSet<PlaceIdx>> {
        let gaz = &*self.gp.gaz;
        let (CandKind::Places(xs), CandKind::Places(ys)) = (&prev.what, &c.what) else {
            return None;
        };
        if prev.sentence != c.sentence
            || prev.byte_end > c.byte_start
            || self.text[prev.byte_end..c.byte_start].trim() != ","
        {
            return None;
        }
        let set: HashSet<PlaceIdx> = ys
            .iter()
            .map(|y| y.0)
            .filter(|&y| {
                let yp = gaz.place(y);
                let (Some(cc), admin1) = (yp.country.as_deref(), yp.admin1.as_deref()) else {
                    return false;
                };
                let within = match yp.kind {
                    Kind::Country => None,
                    Kind::Admin1 if admin1.is_some() => admin1,
                    _ => return false,
                };
                xs.iter().any(|&(x, _)| x != y && lies_in(gaz.place(x), cc, within))
            })
            .collect();
        (!set.is_empty() && set.len() < ys.len()).then_some(set)
    }

    /// "X, Y" / "X in Y" / "X (Y" / "X region of Y": the places among X's namesakes that lie in Y (a
    /// division or country), and the container a reading outside all of them falls back to.
    pub(super) fn hierarchy_cue(&self, c: &Cand) -> Option<Cue> {
        let gaz = &*self.gp.gaz;
        let n = self.toks.len();
        let mut e = c.tok_end;
        if e >= n || self.sents.of_token[e] != c.sentence {
            return None;
        }
        let gap = self.text[c.byte_end.min(self.toks[e].byte_start)..self.toks[e].byte_start].trim();
        // "Nord region of Burkina Faso": a division word and "of" between the name and its container.
        let mut worded = false;
        let mut gap = gap;
        // "Foo (Nord region, Burkina Faso)": a division word closing the name before the comma.
        if gap.is_empty()
            && (is_division_word(self.norm(e)) || matches!(self.norm(e), "department" | "district"))
            && e + 1 < n
            && self.gap(e).trim() == ","
        {
            e += 1;
            gap = ",";
            worded = true;
        } else if gap.is_empty()
            && (is_division_word(self.norm(e)) || matches!(self.norm(e), "department" | "district"))
            && e + 1 < n
            && matches!(self.norm(e + 1), "of" | "in")
        {
            e += 1;
            worded = true;
        }
        // ("Nord region of": the division word may already close the name.)
        let last_word = self.norm(c.tok_end - 1);
        if gap.is_empty()
            && self.norm(e) == "of"
            && (is_division_word(last_word) || matches!(last_word, "department" | "district"))
        {
            worded = true;
        }
        let ok_gap = gap == "," || gap == "(" || (gap.is_empty() && (self.norm(e) == "in" || worded));
        if !ok_gap {
            return None;
        }
        let mut start = if self.norm(e) == "in" || self.norm(e) == "of" { e + 1 } else { e };
        // "Moura in central Mali", "Lachin in western Azerbaijan": a lower-case word orienting the
        // container says nothing against it.
        if self.norm(e) == "in"
            && start + 1 < n
            && !self.cap[start]
            && is_compass_word(self.norm(start))
            && self.sents.of_token[start + 1] == c.sentence
        {
            start += 1;
        }
        if start >= n || !self.cap[start] {
            return None;
        }
        // Y: up to 4 linked words; also US state abbreviations.
        let (containers, key, last) = self.containers_from(start);
        if containers.is_empty() {
            return None;
        }
        let CandKind::Places(ps) = &c.what else {
            return None;
        };
        let inside: HashSet<PlaceIdx> = ps
            .iter()
            .map(|x| x.0)
            .filter(|p| {
                let pl = gaz.place(*p);
                containers.iter().any(|(_, cc, a1)| lies_in(pl, cc, a1.as_deref()))
            })
            .collect();
        // The container stands for a reading outside it only when the words say it contains the
        // name: a parenthesis, "in", "region of", a division word after it ("Kamianka,
        // Zaporizhzhia region"), or a country after a comma. "Kharkiv, Donetsk and Luhansk" is a
        // list, not a hierarchy.
        let division_after = (start..(last + 2).min(n)).any(|t| {
            self.sents.of_token[t] == c.sentence
                && (is_division_word(self.norm(t)) || matches!(self.norm(t), "department" | "district"))
        });
        let strong = gap != "," || worded || division_after;
        // The container must be the whole capitalised name that follows: "Bulacan in Central
        // Luzon" names no container called "Central".
        let whole = last + 1 >= n || !(self.link[last] && self.cap[last + 1]);
        let fallback = containers
            .iter()
            .filter(|(p, _, _)| whole && gaz.demonym_country(&key).is_none_or(|d| d != *p))
            .filter(|(p, _, _)| strong || gaz.place(*p).kind == Kind::Country)
            .max_by_key(|(p, _, _)| match gaz.place(*p).kind {
                Kind::Admin2 => 3,
                Kind::Admin1 => 2,
                _ => 1,
            })
            .map(|x| x.0);
        let via_in = gap.is_empty() && !worded;
        (!inside.is_empty() || fallback.is_some()).then_some(Cue { inside, fallback, strong, via_in })
    }

    /// The containers named by up to 4 linked words from token `start`: (container, country,
    /// admin1), the words read, and the last word that named a container.
    #[allow(clippy::type_complexity)]
    fn containers_from(&self, start: usize) -> (Vec<(PlaceIdx, String, Option<String>)>, String, usize) {
        let gaz = &*self.gp.gaz;
        let n = self.toks.len();
        let mut containers: Vec<(PlaceIdx, String, Option<String>)> = Vec::new();
        let mut key = String::new();
        let mut t = start;
        let mut last = start;
        loop {
            if t > start {
                key.push(' ');
            }
            key.push_str(self.norm(t));
            let before = containers.len();
            if let Some(&a) = self.gp.us_states.get(key.as_str()) {
                let ap = gaz.place(a);
                containers.push((a, ap.country.clone().unwrap_or_default(), ap.admin1.clone()));
            }
            for (p, _) in gaz.matches(&key) {
                let pl = gaz.place(p);
                match pl.kind {
                    Kind::Country => containers.push((p, pl.country.clone().unwrap_or_default(), None)),
                    Kind::Admin1 | Kind::Admin2 => {
                        containers.push((p, pl.country.clone().unwrap_or_default(), pl.admin1.clone()))
                    }
                    _ => {}
                }
            }
            if containers.len() > before {
                last = t;
            }
            // (a demonym says which country only for the positive cue: "Aleppo in Turkish" is the
            // language, so it is never a container to fall back to)
            if let Some(cc) = gaz.demonym_country(&key) {
                containers.push((cc, gaz.place(cc).country.clone().unwrap_or_default(), None));
            }
            if t + 1 >= n || !self.link[t] || t + 1 - start >= 4 {
                break;
            }
            t += 1;
        }
        (containers, key, last)
    }
}
