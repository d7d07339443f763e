//! Word-context predicates the filters of stage 4 share: what stands around a span ("followed by
//! an organisation head", "in a line of match results", "a dateline").

use super::doc::Doc;

impl<'a> Doc<'a> {
    /// Whether the words i..e open a line and are followed by a comma or a dash: the place of a
    /// dateline ("TIJUANA, Mexico --", "IMMOKALEE – Congressman ...").
    pub(super) fn is_dateline(&self, i: usize, e: usize) -> bool {
        // Only the gap since the previous token is read (a scan back to the line start would make
        // a long text without newlines quadratic): the line starts there when the gap holds a
        // newline followed by whitespace only, or when no token precedes.
        let gap_start = if i == 0 { 0 } else { self.toks[i - 1].byte_end };
        let gap = &self.text[gap_start..self.toks[i].byte_start];
        let line_start =
            (i == 0 || gap.contains('\n')) && gap.rsplit('\n').next().is_some_and(|before| before.trim().is_empty());
        if !line_start {
            return false;
        }
        let after = self.text[self.toks[e - 1].byte_end..].trim_start_matches(' ');
        after.starts_with(',')
            || after.starts_with('–')
            || after.starts_with('—')
            || after.starts_with("- ")
            || after.starts_with("--")
            || after.starts_with('(')
    }

    /// Whether token `i` follows "Capitalised, " in its sentence and is followed by a period
    /// (the state in "Gainesville, Va.").
    pub(super) fn after_comma_place(&self, i: usize) -> bool {
        if i == 0 || self.sents.of_token[i - 1] != self.sents.of_token[i] || !self.cap[i - 1] {
            return false;
        }
        let gap = self.gap(i - 1);
        gap.trim() == "," && self.text[self.toks[i].byte_end..].starts_with('.')
    }

    /// Whether the word right after token `e - 1` is a virus genus ("ebolavirus", "henipavirus").
    pub(super) fn species_name_follows(&self, e: usize) -> bool {
        e < self.toks.len() && self.link[e - 1] && {
            let w = self.norm(e);
            w.len() > "virus".len() && (w.ends_with("virus") || w.ends_with("viruses"))
        }
    }

    /// Whether the words right after token `e - 1` make a disease name ("virus", "fever",
    /// "respiratory syndrome"), in either case.
    pub(super) fn disease_name_follows(&self, e: usize) -> bool {
        let n = self.toks.len();
        let heads = &self.gp.disease_heads;
        if e >= n || !self.link[e - 1] {
            return false;
        }
        heads.contains(self.norm(e))
            || (self.gp.disease_modifiers.contains(self.norm(e))
                && e + 1 < n
                && self.link[e]
                && heads.contains(self.norm(e + 1)))
    }

    /// Whether the demonym at i..e names a language: after "in", "speak(s)", "spoke", "studying",
    /// "learning", "into", with no noun after it (punctuation, the end, or a function word).
    pub(super) fn names_language(&self, i: usize, e: usize) -> bool {
        let before = i > 0
            && self.link[i - 1]
            && matches!(
                self.norm(i - 1),
                "in" | "speak"
                    | "speaks"
                    | "spoke"
                    | "speaking"
                    | "studying"
                    | "learning"
                    | "learn"
                    | "into"
                    | "fluent"
            );
        if !before {
            return false;
        }
        if e >= self.toks.len() || !self.link[e - 1] {
            return true;
        }
        let gap = self.gap(e - 1);
        !gap.trim().is_empty()
            || matches!(
                self.norm(e),
                "after"
                    | "and"
                    | "or"
                    | "but"
                    | "to"
                    | "with"
                    | "as"
                    | "while"
                    | "because"
                    | "when"
                    | "before"
                    | "so"
                    | "than"
                    | "for"
                    | "at"
                    | "on"
                    | "by"
                    | "is"
                    | "was"
            )
    }

    /// Whether the capitalised words right after token `e - 1` end in an organisation head word.
    pub(super) fn org_name_follows(&self, e: usize) -> bool {
        let n = self.toks.len();
        let mut t = e;
        while t < n && t < e + 3 && self.link[t - 1] && self.cap[t] {
            if self.gp.org_heads.contains(self.norm(t)) {
                return true;
            }
            t += 1;
        }
        false
    }

    /// Whether the one-word span i..e is glued (by a space) to a neighbouring capitalised word that
    /// is neither a function word, a place head, a title, a demonym nor a well-known place.
    pub(super) fn inside_unknown_name(&self, i: usize, e: usize) -> bool {
        let gp = self.gp;
        let plain_name_word = |t: usize| -> bool {
            let w = self.norm(t);
            self.cap[t]
                && !self.allcaps[t]
                && self.surf[t].chars().count() > 1
                && !gp.stop.contains(w)
                && !gp.infix.contains(w)
                && !gp.place_heads.contains(w)
                && !gp.titles.contains(w)
                && !gp.abbrev.contains(w)
                && !gp.us_states.contains_key(w)
                && gp.demonym(w).is_none()
                && !self.is_major_name(t)
        };
        // token t and t + 1 separated by spaces only
        let space_gap = |t: usize| -> bool {
            let g = self.gap(t);
            !g.is_empty() && g.chars().all(|c| c == ' ')
        };
        let before = i > 0
            && self.link[i - 1]
            && !(self.initial[i - 1] && self.lower_words.contains(self.norm(i - 1)))
            && space_gap(i - 1)
            && plain_name_word(i - 1);
        let after = e < self.toks.len() && self.link[e - 1] && space_gap(e - 1) && plain_name_word(e);
        before || after
    }

    /// Whether the words i..e stand in a line of match results: a small score right after the name
    /// and a capitalised name after the score ("Valencia 2 Sevilla 1"), or a score and a team
    /// before it ("Sevilla 1 Valencia 2").
    pub(super) fn in_results_line(&self, i: usize, e: usize) -> bool {
        let n = self.toks.len();
        let score = |t: usize| self.surf[t].len() <= 2 && self.surf[t].bytes().all(|b| b.is_ascii_digit());
        let same = |a: usize, b: usize| self.sents.of_token[a] == self.sents.of_token[b];
        // A number beside the name alone is too weak ("in Bakhmut 15 soldiers died"): the other
        // side must be a team and its score too.
        let after = e < n
            && score(e)
            && same(e - 1, e)
            && (e + 2..(e + 5).min(n)).any(|t| same(e, t) && score(t) && self.cap[t - 1] && !self.allcaps[t - 1]);
        let before = i >= 2 && e < n && same(i - 2, e) && score(i - 1) && score(e) && self.cap[i - 2];
        after || before
    }
}
