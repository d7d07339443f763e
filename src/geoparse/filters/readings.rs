//! Filters of [`Stage::Readings`](super::Stage::Readings): they read the gazetteer's readings of the
//! span ([`Span::places`], [`Span::best_major`], [`Span::big_city`]). Most apply to one-word spans,
//! where a common word, a surname or part of another name is most often mistaken for a small place;
//! a country, division or big city by its own name passes most of them.

#[cfg(test)]
use super::testing::{keeps_out, rejects};
use super::{Filter, Span};
use crate::gazetteer::Kind;

/// "the Salah al-Din road", "Palestine street": a road or square named after a division or a
/// country is no reference to it (a town's name before "road" still says where: "the Bakhmut road"
/// leads there).
pub(super) struct RoadName;
impl Filter for RoadName {
    fn id(&self) -> &'static str {
        "road-name"
    }
    fn rejects(&self, s: &Span) -> bool {
        let (d, e) = (s.doc, s.e);
        e < d.toks.len()
            && !d.cap[e]
            && d.sents.of_token[e] == d.sents.of_token[e - 1]
            && d.gp.road_heads.contains(d.norm(e))
            && !s.settlement_reading
    }
}
#[test]
fn road_name() {
    keeps_out("road-name", "Tanks moved along the Salah al-Din road in Gaza.", "Salah al-Din");
}

/// "Valencia 2 Sevilla 1": a team in a line of results, not the city.
pub(super) struct ResultsLine;
impl Filter for ResultsLine {
    fn id(&self) -> &'static str {
        "results-line"
    }
    fn rejects(&self, s: &Span) -> bool {
        s.doc.in_results_line(s.i, s.e)
    }
}
#[test]
fn results_line() {
    keeps_out("results-line", "Results: Valencia 2 Sevilla 1.", "Sevilla");
}

/// "May", "Police": a capitalised common word is no place on its own (`data/lexicon/stop.txt`);
/// "US", "UK" in capitals are.
pub(super) struct StopWord;
impl Filter for StopWord {
    fn id(&self) -> &'static str {
        "stop-word"
    }
    fn rejects(&self, s: &Span) -> bool {
        let w = s.word();
        s.len == 1
            && s.doc.gp.stop.contains(w)
            && !(s.best_major && s.allcaps && w.len() <= 3)
            && !(s.allcaps && s.best_major)
    }
}
#[test]
fn stop_word() {
    keeps_out("stop-word", "Police said the road was closed.", "Police");
}

/// "MPs", "MoD": abbreviations in mixed case are not places.
pub(super) struct MixedCaseAbbreviation;
impl Filter for MixedCaseAbbreviation {
    fn id(&self) -> &'static str {
        "mixed-case-abbreviation"
    }
    fn rejects(&self, s: &Span) -> bool {
        let sf = s.doc.surf[s.i];
        s.len == 1
            && sf.chars().count() <= 4
            && sf.chars().skip(1).any(char::is_uppercase)
            && sf.chars().any(char::is_lowercase)
    }
}
#[test]
fn mixed_case_abbreviation() {
    keeps_out("mixed-case-abbreviation", "The MoI denied it.", "MoI");
}

/// "Mr Houston said ... Houston added": a surname of a person named in the document is that person
/// wherever it recurs, unless it names a country.
pub(super) struct Surname;
impl Filter for Surname {
    fn id(&self) -> &'static str {
        "surname"
    }
    fn rejects(&self, s: &Span) -> bool {
        s.len == 1 && s.doc.surnames.contains(s.word()) && !s.reads_as(&[Kind::Country, Kind::Continent])
    }
}
#[test]
fn surname() {
    keeps_out("surname", "Senator Tom Houston spoke. Houston said the vote was close.", "Houston");
}

/// "Diaz-Balart", "Ndi-Igbo": a small place's name hyphened to another capitalised word is part of a
/// longer name (an ocean or continent by another name stays: "Asia-Pacific" is Asia and the Pacific).
pub(super) struct HyphenedSmallPlace;
impl Filter for HyphenedSmallPlace {
    fn id(&self) -> &'static str {
        "hyphened-small-place"
    }
    fn rejects(&self, s: &Span) -> bool {
        s.len == 1
            && (s.hyphen_before || s.hyphen_after)
            && !s.best_major
            && !s.big_city
            && !s.reads_as(&[Kind::Country, Kind::Continent, Kind::Sea])
    }
}
#[test]
fn hyphened_small_place() {
    // (also kept out by the scorer: a small place without support)
    rejects("hyphened-small-place", "Congressman Mario Diaz-Balart spoke.", "Diaz");
}

/// "Campbell Davis", "Nash Riad", "Riverdale Luke Oil": a small place's name inside a longer
/// capitalised name that is itself no place.
pub(super) struct InsideUnknownName;
impl Filter for InsideUnknownName {
    fn id(&self) -> &'static str {
        "inside-unknown-name"
    }
    fn rejects(&self, s: &Span) -> bool {
        s.len == 1 && !s.best_major && !s.big_city && !s.allcaps && s.doc.inside_unknown_name(s.i, s.e)
    }
}
#[test]
fn inside_unknown_name() {
    keeps_out("inside-unknown-name", "The shop sold Riverdale Luke Oil products.", "Riverdale");
}

/// "in", "Al": a one-letter or two-letter word is a place only when it is a country code in capitals.
pub(super) struct ShortWord;
impl Filter for ShortWord {
    fn id(&self) -> &'static str {
        "short-word"
    }
    fn rejects(&self, s: &Span) -> bool {
        s.len == 1 && s.word().chars().count() <= 2 && !(s.allcaps && s.best_major)
    }
}
#[test]
fn short_word() {
    keeps_out("short-word", "Ba said nothing.", "Ba");
}

/// "BREAKING: HOPE RISES": a word in capitals is headline shouting unless it names a country, a
/// division, a big city or a curated area as an acronym ("FATA", "USSR"), or opens a dateline
/// ("TIJUANA, Mexico --").
pub(super) struct Shouting;
impl Filter for Shouting {
    fn id(&self) -> &'static str {
        "shouting"
    }
    fn rejects(&self, s: &Span) -> bool {
        if s.len != 1 || !s.allcaps || s.best_major || s.big_city {
            return false;
        }
        let gaz = &*s.doc.gp.gaz;
        let acronym = (3..=5).contains(&s.doc.surf[s.i].chars().count())
            && s.places.iter().any(|(p, _)| {
                let pl = gaz.place(*p);
                matches!(pl.kind, Kind::Country | Kind::Admin1) || super::super::is_curated(pl)
            });
        !acronym && !s.doc.is_dateline(s.i, s.e)
    }
}
#[test]
fn shouting() {
    // (a shouted place name goes too: the rule trades it for the headline words)
    keeps_out("shouting", "He told the BBC: WE ARE IN BAKHMUT.", "BAKHMUT");
}

/// "Hope returned to the town ... hope is all": a common word capitalised at the start of a sentence
/// and seen in lower case elsewhere in the document (big cities too: "Reading" vs "reading").
pub(super) struct InitialLowerWord;
impl Filter for InitialLowerWord {
    fn id(&self) -> &'static str {
        "initial-lower-word"
    }
    fn rejects(&self, s: &Span) -> bool {
        s.len == 1 && s.doc.initial[s.i] && !s.best_major && s.doc.lower_words.contains(s.word())
    }
}
#[test]
fn initial_lower_word() {
    keeps_out("initial-lower-word", "Bath is wet. Take a bath.", "Bath");
}

/// "Victory Day ... a victory": a small place's name that the document also writes in lower case is
/// a common word.
pub(super) struct LowerCaseWord;
impl Filter for LowerCaseWord {
    fn id(&self) -> &'static str {
        "lower-case-word"
    }
    fn rejects(&self, s: &Span) -> bool {
        s.len == 1 && !s.best_major && !s.big_city && s.doc.lower_words.contains(s.word())
    }
}
#[test]
fn lower_case_word() {
    // (also kept out by the scorer: a small place without support)
    rejects("lower-case-word", "They claimed Victory on Monday; the victory was short.", "Victory");
}

/// "Hassan al-Turabi", "Omar al-Bashir": a word before an Arabic article and a name is a given name
/// (a place so named would be a longer gazetteer name: "Ras al-Ain").
pub(super) struct ArabicGivenName;
impl Filter for ArabicGivenName {
    fn id(&self) -> &'static str {
        "arabic-given-name"
    }
    fn rejects(&self, s: &Span) -> bool {
        let (d, e) = (s.doc, s.e);
        s.len == 1 && !s.best_major && e < d.toks.len() && d.link[e - 1] && d.arabic_article_start(e)
    }
}
#[test]
fn arabic_given_name() {
    keeps_out("arabic-given-name", "Officials said Hassan al-Turabi had died.", "Hassan");
}

/// "Louisiana Purchase": a small place's name right after a country or state name is the second word
/// of another name.
pub(super) struct AfterMajorName;
impl Filter for AfterMajorName {
    fn id(&self) -> &'static str {
        "after-major-name"
    }
    fn rejects(&self, s: &Span) -> bool {
        let (d, i) = (s.doc, s.i);
        s.len == 1
            && !s.best_major
            && !s.big_city
            && i > 0
            && d.link[i - 1]
            && d.cap[i - 1]
            && !d.allcaps[i - 1]
            && d.gap(i - 1) == " "
            && d.is_major_name(i - 1)
    }
}
#[test]
fn after_major_name() {
    keeps_out("after-major-name", "The Louisiana Purchase doubled the country.", "Purchase");
}

/// "Mike de Kock", "bin Rashid": a name particle before the word makes it a surname.
pub(super) struct NameParticle;
impl Filter for NameParticle {
    fn id(&self) -> &'static str {
        "name-particle"
    }
    fn rejects(&self, s: &Span) -> bool {
        let (d, i) = (s.doc, s.i);
        s.len == 1
            && i >= 2
            && !s.best_major
            && d.link[i - 1]
            && d.gp.particles.contains(d.norm(i - 1))
            && !d.cap[i - 1]
            && d.cap[i - 2]
    }
}
#[test]
fn name_particle() {
    keeps_out("name-particle", "Officials quoted Eugene de Kock at length.", "Kock");
}

/// "Johnson & Johnson": a company.
pub(super) struct Ampersand;
impl Filter for Ampersand {
    fn id(&self) -> &'static str {
        "ampersand"
    }
    fn rejects(&self, s: &Span) -> bool {
        let (d, i, e) = (s.doc, s.i, s.e);
        let gap_before = if i > 0 { d.gap(i - 1) } else { "" };
        let gap_after = if e < d.toks.len() { d.gap(e - 1) } else { "" };
        s.len == 1 && !s.best_major && (gap_before.contains('&') || gap_after.contains('&'))
    }
}
#[test]
fn ampersand() {
    keeps_out("ampersand", "Shares of Johnson & Johnson rose.", "Johnson");
}

/// "Supreme Court", "Mega Millions": a small place's name followed by a capitalised common word.
pub(super) struct BeforeCommonWord;
impl Filter for BeforeCommonWord {
    fn id(&self) -> &'static str {
        "before-common-word"
    }
    fn rejects(&self, s: &Span) -> bool {
        let (d, e) = (s.doc, s.e);
        s.len == 1
            && !s.best_major
            && !s.big_city
            && e < d.toks.len()
            && d.link[e - 1]
            && d.cap[e]
            && d.gp.stop.contains(d.norm(e))
    }
}
#[test]
fn before_common_word() {
    // (also kept out by the scorer: a small place without support)
    rejects("before-common-word", "He won the Mega Millions.", "Mega");
}

/// "Chad said", "Jordan told reporters": a first name followed by a speech verb is a person
/// (`data/lexicon/person_verbs.txt`) — unless "in" or "near" puts it on the map ("Police in Jackson
/// said"): there the place speaks through its police or officials.
pub(super) struct FirstNameSpeaks;
impl Filter for FirstNameSpeaks {
    fn id(&self) -> &'static str {
        "first-name-speaks"
    }
    fn rejects(&self, s: &Span) -> bool {
        let d = s.doc;
        s.len == 1
            && d.gp.first_names.contains(s.word())
            && !d.allcaps[s.i]
            && d.next_word(s.e).is_some_and(|nw| d.gp.person_verbs.contains(nw))
            && !(s.i > 0 && !d.cap[s.i - 1] && matches!(d.norm(s.i - 1), "in" | "near"))
    }
}
#[test]
fn first_name_speaks() {
    keeps_out("first-name-speaks", "Aurora said she would stay.", "Aurora");
    let ms = super::testing::mentions("Police in Jackson said two people were hurt.", None);
    assert!(ms.iter().any(|m| m.starts_with("Jackson=")), "{ms:?}");
}

/// "George Washington", "General Custer": a capitalised word right after a title or a first name is
/// a person.
pub(super) struct AfterTitleOrFirstName;
impl Filter for AfterTitleOrFirstName {
    fn id(&self) -> &'static str {
        "after-title-or-first-name"
    }
    fn rejects(&self, s: &Span) -> bool {
        let (d, i, gp) = (s.doc, s.i, s.doc.gp);
        if s.len != 1 || i == 0 || !d.link[i - 1] || !d.cap[i - 1] || d.gap(i - 1) == "-" {
            return false;
        }
        let pw = d.norm(i - 1);
        (gp.titles.contains(pw) || (gp.first_names.contains(pw) && !s.best_major)) && !d.person_tok[i - 1]
    }
}
#[test]
fn after_title_or_first_name() {
    keeps_out("after-title-or-first-name", "President Jordan met them.", "Jordan");
}

/// "New Hope" is a name of standing, "Black Rock" too, but "Home Office" is not: a multi-word name
/// made only of common words is no place unless it is a country, division, county or big city.
pub(super) struct CommonWords;
impl Filter for CommonWords {
    fn id(&self) -> &'static str {
        "common-words"
    }
    fn rejects(&self, s: &Span) -> bool {
        let (d, gp, gaz) = (s.doc, s.doc.gp, &*s.doc.gp.gaz);
        if s.len == 1 || s.best_major || s.big_city {
            return false;
        }
        // "Orange County": a county's full name is a name of standing even when both words are common.
        let county = s.places.iter().any(|(p, alt)| !alt && gaz.place(*p).kind == Kind::Admin2);
        !county && (s.i..s.e).all(|t| gp.stop.contains(d.norm(t)) || gp.infix.contains(d.norm(t)))
    }
}
#[test]
fn common_words() {
    keeps_out("common-words", "Orange Free State was founded.", "Orange Free State");
}

/// "BREAKING NEWS": several words in capitals are headline shouting unless they name a major place
/// or open a dateline.
pub(super) struct ShoutingWords;
impl Filter for ShoutingWords {
    fn id(&self) -> &'static str {
        "shouting-words"
    }
    fn rejects(&self, s: &Span) -> bool {
        s.len > 1 && s.allcaps && !s.best_major && !s.big_city && !s.doc.is_dateline(s.i, s.e)
    }
}
#[test]
fn shouting_words() {
    keeps_out("shouting-words", "Signs read BLACK ROCK FOREVER.", "BLACK ROCK");
}
