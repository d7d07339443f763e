//! Stage 2, people: marks the tokens of person names so that no later stage reads them as places.
//!
//! Contract: [`Doc::find_people`] sets `person_tok` for the words of a name after a title
//! ("President Putin"), a first name ("Tyler Smith") or a kinship noun ("his brother Tyler"), and
//! records each name's last word in `surnames` (a surname is a person wherever it recurs). Country
//! and division names are never taken into a person's name.

use super::doc::{is_compass_word, Doc};

impl<'a> Doc<'a> {
    /// Marks person names: a title or a first name followed by capitalised words.
    pub(super) fn find_people(&mut self) {
        let n = self.toks.len();
        let gp = self.gp;
        let mut i = 0;
        while i < n {
            let w = self.norm(i);
            // "his brother Tyler", "daughters North and Chicago": names right after a kinship noun.
            if (!self.cap[i] || self.initial[i]) && gp.kin.contains(w) {
                let mut k = i + 1;
                while k < n && self.link[k - 1] && self.cap[k] && !self.allcaps[k] && !self.is_country_name(k) {
                    self.person_tok[k] = true;
                    // the name is a person wherever it recurs ("Tyler's attorney")
                    self.surnames.insert(self.toks[k].norm.as_str());
                    k += 1;
                    if k + 1 < n && self.norm(k) == "and" && self.link[k - 1] && self.link[k] && self.cap[k + 1] {
                        k += 1;
                    }
                }
                if k > i + 1 {
                    i = k;
                    continue;
                }
            }
            // Lower-case titles count before two capitalised words ("councillor Dewly Nelson").
            let two_caps = i + 2 < n && self.link[i + 1] && self.cap[i + 1] && self.cap[i + 2];
            let is_title = gp.titles.contains(w)
                && (self.cap[i]
                    || two_caps
                    || matches!(w, "president" | "minister" | "senator" | "governor" | "mayor" | "prime"));
            // "West Wales" is no person named West; "Holy See Mikayel Minasyan" no person named See.
            let is_first = self.cap[i]
                && !self.allcaps[i]
                && gp.first_names.contains(w)
                && !is_compass_word(w)
                && !self.ends_place_name(i);

            if (is_title || is_first) && i + 1 < n && self.link[i] && self.cap[i + 1] && !self.allcaps[i + 1] {
                let next = self.norm(i + 1);
                if gp.place_heads.contains(next)
                    || gp.stop.contains(next) && !gp.first_names.contains(next) && !is_title
                {
                    i += 1;
                    continue;
                }
                if is_first && !is_title && self.multiword_name(i, 4) {
                    i += 1;
                    continue;
                }
                // A title followed by a place is "President of X" style only with "of"; "Prime Minister" etc.
                let mut j = i + 1;
                // skip further titles ("Prime Minister Nikol Pashinyan", "Acting Prime Minister")
                while j < n && gp.titles.contains(self.norm(j)) && self.link[j - 1] && j + 1 < n && self.cap[j + 1] {
                    j += 1;
                }
                if is_title && j < n && self.cap[j] {
                    // After a title the next words up to a non-capitalised word are the person.
                    // A country after a title ("President Putin" yes; "Minister Armenia" rare) is kept
                    // as a person only when it is not a country or division.
                    // Past the first word only a country ends the name ("councillor Dewly Nelson":
                    // Nelson is also a New Zealand region).
                    let mut k = j;
                    while k < n && self.cap[k] && !self.allcaps[k] && (k == j || self.link[k - 1]) && k - j < 3 {
                        if if k == j { self.is_major_name(k) } else { self.is_country_name(k) } {
                            break;
                        }
                        k += 1;
                    }
                    for t in j..k {
                        self.person_tok[t] = true;
                    }
                    if k > j {
                        self.surnames.insert(self.toks[k - 1].norm.as_str());
                    }
                    i = k.max(i + 1);
                    continue;
                }
                if is_first {
                    // first name [initial.] Surname [Surname]
                    let mut k = i + 1;
                    while k < n
                        && self.cap[k]
                        && (self.link[k - 1] || self.surf[k - 1].chars().count() == 1)
                        && k - i < 4
                    {
                        if k > i + 1 && self.is_major_name(k) {
                            break;
                        }
                        k += 1;
                    }
                    if k > i + 1 {
                        for t in i..k {
                            self.person_tok[t] = true;
                        }
                        let last = self.norm(k - 1);
                        if last.chars().count() > 1 {
                            self.surnames.insert(self.toks[k - 1].norm.as_str());
                        }
                        i = k;
                        continue;
                    }
                }
            }
            i += 1;
        }
    }
}
