//! Filters of [`Stage::Name`](super::Stage::Name) and [`Stage::Words`](super::Stage::Words): they
//! read the words of the span and their neighbours, not the gazetteer's readings.

#[cfg(test)]
use super::testing::{keeps_out, rejects};
use super::{Filter, Span};
use crate::gazetteer::Kind;

/// "President Nikol Pashinyan met Ms Georgia Smith": a word of a person's name (stage 2) is no place.
pub(super) struct PersonName;
impl Filter for PersonName {
    fn id(&self) -> &'static str {
        "person-name"
    }
    fn rejects(&self, s: &Span) -> bool {
        s.doc.person_tok[s.i] || s.doc.person_tok[s.e - 1]
    }
}
#[test]
fn person_name() {
    keeps_out("person-name", "The delegation met Georgia Vance on Monday.", "Georgia");
}

/// "Interpol issued a notice": organisations and agencies the gazetteer also has as small places
/// (`data/lexicon/not_place_names.txt`).
pub(super) struct NotPlaceName;
impl Filter for NotPlaceName {
    fn id(&self) -> &'static str {
        "not-place-name"
    }
    fn rejects(&self, s: &Span) -> bool {
        s.doc.gp.not_place_names.contains(s.key)
    }
}
#[test]
fn not_place_name() {
    // (also kept out by the scorer: a small place without support)
    rejects("not-place-name", "Xinhua reported the attack.", "Xinhua");
}

/// "Hamas fighters", "a Grad rocket barrage", "Wagner troops": conflict actors, weapons and
/// operations named like places (`data/lexicon/conflict_terms.txt`).
pub(super) struct ConflictTerm;
impl Filter for ConflictTerm {
    fn id(&self) -> &'static str {
        "conflict-term"
    }
    fn rejects(&self, s: &Span) -> bool {
        s.doc.gp.conflict_terms.contains(s.key)
    }
}
#[test]
fn conflict_term() {
    keeps_out("conflict-term", "A Grad rocket barrage hit the town.", "Grad");
}

/// "the Georgia of old": the last word of a name is capitalised ("Lachin corridor", "Aras river": a
/// lower-case place head closing a known name also counts; "Cork city" is Cork, the lower-case
/// "city" or "town" describes it).
pub(super) struct LastWordLowerCase;
impl Filter for LastWordLowerCase {
    fn id(&self) -> &'static str {
        "last-word-lower-case"
    }
    fn rejects(&self, s: &Span) -> bool {
        let (d, gp) = (s.doc, s.doc.gp);
        !d.cap[s.e - 1]
            && !(s.len >= 2
                && gp.place_heads.contains(d.norm(s.e - 1))
                && !matches!(d.norm(s.e - 1), "city" | "town")
                && gp.gaz.has_key(s.key))
    }
}
#[test]
fn last_word_lower_case() {
    keeps_out("last-word-lower-case", "Rain fell on Cork city overnight.", "Cork city");
}

/// "Bosnia and Herzegovina" but not "Paris is Paris": a lower-case word inside a name only from the
/// infix list (`data/lexicon/name_infix.txt`).
pub(super) struct InnerWordLowerCase;
impl Filter for InnerWordLowerCase {
    fn id(&self) -> &'static str {
        "inner-word-lower-case"
    }
    fn rejects(&self, s: &Span) -> bool {
        let (d, gp) = (s.doc, s.doc.gp);
        (s.i + 1..s.e - 1).any(|t| !d.cap[t] && !gp.infix.contains(d.norm(t)))
    }
}
#[test]
fn inner_word_lower_case() {
    // (no gazetteer name has such a word inside: the longer span finds nothing anyway)
    rejects("inner-word-lower-case", "Troops left Kherson near Kakhovka.", "Kherson near Kakhovka");
}

/// "347 B.C.": an era after a year, not British Columbia.
pub(super) struct EraAfterYear;
impl Filter for EraAfterYear {
    fn id(&self) -> &'static str {
        "era-after-year"
    }
    fn rejects(&self, s: &Span) -> bool {
        s.key == "b c" && s.i > 0 && s.doc.surf[s.i - 1].chars().all(|ch| ch.is_ascii_digit())
    }
}
#[test]
fn era_after_year() {
    keeps_out("era-after-year", "The city was founded in 347 B.C. by settlers.", "B.C.");
}

/// "@Gillette": an account, not the town.
pub(super) struct AccountHandle;
impl Filter for AccountHandle {
    fn id(&self) -> &'static str {
        "account-handle"
    }
    fn rejects(&self, s: &Span) -> bool {
        s.i > 0 && s.doc.text[..s.doc.toks[s.i].byte_start].ends_with('@')
    }
}
#[test]
fn account_handle() {
    keeps_out("account-handle", "Thanks to @Kharkiv for the photos.", "Kharkiv");
}

/// "I’ll", "We're": a contraction, not Illinois.
pub(super) struct Contraction;
impl Filter for Contraction {
    fn id(&self) -> &'static str {
        "contraction"
    }
    fn rejects(&self, s: &Span) -> bool {
        let sf = s.doc.surf[s.i];
        s.len == 1
            && sf.contains(['\'', '’'])
            && sf
                .rsplit(['\'', '’'])
                .next()
                .is_some_and(|t| matches!(t.to_lowercase().as_str(), "ll" | "re" | "ve" | "d" | "m"))
    }
}
#[test]
fn contraction() {
    keeps_out("contraction", "I’ll be there, she said.", "I’ll");
}

/// "Ras al-Ain", "Omar al-Bashir": the tail of a longer Arabic name is no place of its own.
pub(super) struct ArabicNameTail;
impl Filter for ArabicNameTail {
    fn id(&self) -> &'static str {
        "arabic-name-tail"
    }
    fn rejects(&self, s: &Span) -> bool {
        let (d, i) = (s.doc, s.i);
        i >= 2 && d.arabic_article_start(i - 1) && d.link[i - 2] && d.cap[i - 2]
    }
}
#[test]
fn arabic_name_tail() {
    // (also kept out by the scorer: a small place without support)
    rejects("arabic-name-tail", "Fighters held Tell al-Qamar overnight.", "Qamar");
}

/// "Asia-Pacific", "India-Pakistan": two major names joined by a hyphen are two mentions, unless the
/// compound names a country or division of its own ("Bosnia-Herzegovina", "Emilia-Romagna").
pub(super) struct HyphenedMajorNames;
impl Filter for HyphenedMajorNames {
    fn id(&self) -> &'static str {
        "hyphened-major-names"
    }
    fn rejects(&self, s: &Span) -> bool {
        let (d, gaz) = (s.doc, &*s.doc.gp.gaz);
        s.len == 2
            && d.gap(s.i) == "-"
            && gaz
                .matches(s.key)
                .all(|(p, _)| !matches!(gaz.place(p).kind, Kind::Country | Kind::Admin1 | Kind::Admin2))
            && (s.i..s.e).all(|t| {
                gaz.matches(d.norm(t))
                    .any(|(p, _)| matches!(gaz.place(p).kind, Kind::Country | Kind::Continent | Kind::Sea))
            })
    }
}
#[test]
fn hyphened_major_names() {
    keeps_out("hyphened-major-names", "Trade in the Asia-Pacific grew.", "Asia-Pacific");
}

/// "The Balkans" at a sentence start: the name is "Balkans" ("The Hague" keeps its article).
pub(super) struct LeadingThe;
impl Filter for LeadingThe {
    fn id(&self) -> &'static str {
        "leading-the"
    }
    fn rejects(&self, s: &Span) -> bool {
        let (d, gaz) = (s.doc, &*s.doc.gp.gaz);
        s.len >= 2
            && d.norm(s.i) == "the"
            && s.key.strip_prefix("the ").is_some_and(|k| gaz.has_key(k))
            && !gaz.matches(s.key).any(|(p, _)| {
                let name = &gaz.place(p).name;
                name.get(..4).is_some_and(|a| a.eq_ignore_ascii_case("the "))
            })
    }
}
#[test]
fn leading_the() {
    keeps_out("leading-the", "The Gambia held elections.", "The Gambia");
}

/// "Illinois State Armory", "Dubai World Cup", "Manila Cathedral": the first words of an
/// organisation, event or building name (`data/lexicon/org_heads.txt`).
pub(super) struct OrganisationFollows;
impl Filter for OrganisationFollows {
    fn id(&self) -> &'static str {
        "organisation-follows"
    }
    fn rejects(&self, s: &Span) -> bool {
        s.doc.org_name_follows(s.e)
    }
}
#[test]
fn organisation_follows() {
    keeps_out("organisation-follows", "He was treated at Colchester Hospital on Friday.", "Colchester");
}

/// "University of Texas" as one gazetteer name (a campus) is the university too.
pub(super) struct OrganisationOf;
impl Filter for OrganisationOf {
    fn id(&self) -> &'static str {
        "organisation-of"
    }
    fn rejects(&self, s: &Span) -> bool {
        let d = s.doc;
        s.len >= 2 && d.gp.org_heads.contains(d.norm(s.i)) && (s.i + 1..s.e).any(|t| d.norm(t) == "of")
    }
}
#[test]
fn organisation_of() {
    keeps_out("organisation-of", "She studied at the University of Texas for a year.", "University of Texas");
}

/// "Tijuana River", "Northumberland Avenue": the name of a feature the gazetteer lacks
/// (`data/lexicon/feature_heads.txt`); a feature it has ("Jordan River") is matched whole first.
pub(super) struct FeatureHeadFollows;
impl Filter for FeatureHeadFollows {
    fn id(&self) -> &'static str {
        "feature-head-follows"
    }
    fn rejects(&self, s: &Span) -> bool {
        let (d, e) = (s.doc, s.e);
        e < d.toks.len() && d.link[e - 1] && d.cap[e] && !d.allcaps[e] && d.gp.feature_heads.contains(d.norm(e))
    }
}
#[test]
fn feature_head_follows() {
    keeps_out("feature-head-follows", "They walked down Northumberland Avenue.", "Northumberland");
}

/// "Lyme disease", "Rift Valley fever", "Zaire ebolavirus": a disease named after a place is no
/// place reference (a country stays one: "Hong Kong flu" still says where, but not inside a
/// compound: "Crimean-Congo haemorrhagic fever"); a virus species named after a place never is.
pub(super) struct DiseaseName;
impl Filter for DiseaseName {
    fn id(&self) -> &'static str {
        "disease-name"
    }
    fn rejects(&self, s: &Span) -> bool {
        let d = s.doc;
        d.species_name_follows(s.e) || (d.disease_name_follows(s.e) && (!d.names_country(s.key) || s.hyphen_before))
    }
}
#[test]
fn disease_name() {
    keeps_out("disease-name", "Cases of Lyme disease rose.", "Lyme");
}

/// "Agence France-Presse", "Iran-Contra": a place hyphened to a word that names no place is part of
/// another name ("Guinea-Bissau" is a name of its own, "India-Pakistan" two, "DPRK-U.S." an
/// abbreviation).
pub(super) struct HyphenedToNoPlace;
impl Filter for HyphenedToNoPlace {
    fn id(&self) -> &'static str {
        "hyphened-to-no-place"
    }
    fn rejects(&self, s: &Span) -> bool {
        let (d, e) = (s.doc, s.e);
        s.hyphen_after
            && d.surf[e].chars().any(char::is_lowercase)
            && !d.gp.gaz.has_key(d.norm(e))
            && d.gp.demonym(d.norm(e)).is_none()
    }
}
#[test]
fn hyphened_to_no_place() {
    keeps_out("hyphened-to-no-place", "The Iran-Contra affair was back in the news.", "Iran");
}

/// "Canadians", "Americans": a plural demonym denotes people, not places.
pub(super) struct PluralDemonym;
impl Filter for PluralDemonym {
    fn id(&self) -> &'static str {
        "plural-demonym"
    }
    fn rejects(&self, s: &Span) -> bool {
        s.len <= s.doc.gp.max_demonym_tokens && s.plural_demonym()
    }
}
#[test]
fn plural_demonym() {
    // (the plural is no gazetteer name either: nothing is found without the rule)
    rejects("plural-demonym", "Many Ukrainians left.", "Ukrainians");
}

/// "speaks in Spanish", "printed in Chinese, ...", "studying Portuguese.": the language.
pub(super) struct Language;
impl Filter for Language {
    fn id(&self) -> &'static str {
        "language"
    }
    fn rejects(&self, s: &Span) -> bool {
        s.len == 1
            && s.len <= s.doc.gp.max_demonym_tokens
            && s.demonym().is_some()
            && !s.doc.gp.gaz.has_key(s.key)
            && s.doc.names_language(s.i, s.e)
    }
}
#[test]
fn language() {
    keeps_out("language", "The leaflets were printed in Ukrainian, he said.", "Ukrainian");
}
