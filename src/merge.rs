//! Cross-report merging (issue 14): which reports describe the same real event, so that the map
//! can show one incident with every source article.
//!
//! Contract: a [`Report`] is what one article says happened — its date, its event sites (the
//! geoparser's event-site mentions: place id, kind, point, geometry) and the classes of the event
//! words of its text, the first one (the lede's) apart. [`Rules::same_event`] says whether two
//! reports may be one event, and why ([`Why`]): their dates at most `window_days` apart; an event
//! site of each that is the same place, nested (a town inside the other's district or province,
//! never inside a whole country) or two towns within `near_km` — a place the report names only in
//! passing ([`SiteRole::Secondary`]) matches only the same place; and event words that agree (the
//! lede's class of each is among the other's classes, or the two are listed as compatible; a
//! report naming no event word matches only the same place). [`Rules::group`] puts reports into events by
//! complete linkage: a report joins an event only when it may be one with every report already
//! in it (the best-matching event when several would take it), so two distinct events nearby
//! never chain through a vague third report; each join keeps its reason. Analysts' overrides
//! ([`Override`]) win over the rules: two reports kept apart never share an event, two joined
//! always do. Settings and word classes are data (`data/lexicon/merge.tsv`).
//! Not for: finding places (that is `geoparse`) or storing events.

use crate::gazetteer::Kind;
use geo::{Contains, Distance, Haversine};
use geo_types::{Geometry, Point};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

const LIST: &str = include_str!("../data/lexicon/merge.tsv");

/// One event site of a report.
#[derive(Debug, Clone)]
pub struct Site {
    pub place_id: String,
    pub name: String,
    pub kind: Kind,
    pub point: Point<f64>,
    pub geometry: Arc<Geometry<f64>>,
}

/// What one article says happened.
#[derive(Debug, Clone)]
pub struct Report {
    pub article_id: i64,
    /// Days since 1970-01-01 of the article's date; `None`: undated, never merged.
    pub day: Option<i64>,
    pub sites: Vec<Site>,
    /// Other places the report names as places (a province the geoparser read as "wider area",
    /// a town it left without an event): they match another report's event site, never another
    /// secondary place.
    pub secondary: Vec<Site>,
    /// The classes of the event words of the text.
    pub classes: HashSet<&'static str>,
    /// The class of the first event word (the lede's).
    pub lede: Option<&'static str>,
}

/// What a mention is to a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteRole {
    /// An event site.
    Primary,
    /// Another place the report names as a place.
    Secondary,
    /// Not a place of the event: a dateline, a demonym, where a statement was made, a comparison,
    /// the origin of displaced people or of an attack, a capital or country named as a government, a country.
    Ignored,
}

/// The role of a mention in a report, from the geoparser's role reading (`event`, `role_reason`).
pub fn site_role(event: bool, reason: Option<&str>, kind: Kind) -> SiteRole {
    if event {
        return SiteRole::Primary;
    }
    match reason {
        Some(
            "dateline"
            | "demonym"
            | "place of a statement"
            | "comparison"
            | "origin of displaced people"
            | "origin of an attack",
        ) => SiteRole::Ignored,
        // a capital "said" is its government; a province so read is most often the place itself
        Some("named as a government") if !matches!(kind, Kind::Admin1 | Kind::Admin2) => SiteRole::Ignored,
        _ if kind == Kind::Country => SiteRole::Ignored,
        _ => SiteRole::Secondary,
    }
}

impl Report {
    /// A report from its places and their roles (each place once, its event-site role first). A
    /// report without an event site, or with whole countries only, takes its secondary places as
    /// event sites too: the places it names still say where.
    pub fn of(
        article_id: i64,
        day: Option<i64>,
        places: impl IntoIterator<Item = (SiteRole, Site)>,
        classes: HashSet<&'static str>,
        lede: Option<&'static str>,
    ) -> Report {
        let (mut sites, mut secondary) = (Vec::new(), Vec::new());
        let mut seen = HashSet::new();
        let mut places: Vec<(SiteRole, Site)> = places.into_iter().collect();
        // event sites first, so a place named twice counts as one
        places.sort_by_key(|(r, _)| *r != SiteRole::Primary);
        for (role, site) in places {
            if !seen.insert(site.place_id.clone()) {
                continue;
            }
            match role {
                SiteRole::Primary => sites.push(site),
                SiteRole::Secondary => secondary.push(site),
                SiteRole::Ignored => {}
            }
        }
        // no event site, or only whole countries: the places named in passing say where
        if sites.iter().all(|s| s.kind == Kind::Country) {
            sites.append(&mut secondary);
        }
        Report { article_id, day, sites, secondary, classes, lede }
    }
}

/// How two event sites are one place.
#[derive(Debug, Clone, PartialEq)]
pub enum Relation {
    Same,
    /// The first named place lies inside the second.
    Inside,
    /// Two towns this many kilometres apart.
    Near(f64),
}

/// Why two reports were taken for one event.
#[derive(Debug, Clone, PartialEq)]
pub struct Why {
    pub a: i64,
    pub b: i64,
    /// The two sites (names) and how they are one place.
    pub sites: (String, String, Relation),
    pub days_apart: i64,
    /// The event-word classes the two share (empty: one of them names none).
    pub classes: Vec<&'static str>,
    /// Joined by an analyst, not by the rules.
    pub by_analyst: bool,
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.by_analyst {
            return write!(f, "reports {} and {} joined by an analyst", self.a, self.b);
        }
        let (x, y, rel) = &self.sites;
        let place = match rel {
            Relation::Same => format!("both at {x}"),
            Relation::Inside => format!("{x} lies in {y}"),
            Relation::Near(km) => format!("{x} and {y} are {km:.0} km apart"),
        };
        let days = match self.days_apart {
            0 => "the same day".to_string(),
            1 => "1 day apart".to_string(),
            n => format!("{n} days apart"),
        };
        let words =
            if self.classes.is_empty() { "no conflicting event words".to_string() } else { self.classes.join(", ") };
        write!(f, "reports {} and {}: {place}; {days}; {words}", self.a, self.b)
    }
}

/// An analyst's decision about two reports (by article id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Override {
    Apart(i64, i64),
    Together(i64, i64),
}

/// One event: its reports (article ids, in the order they joined) and why each joined.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub reports: Vec<i64>,
    pub why: Vec<Why>,
}

/// The merging rules, read from `data/lexicon/merge.tsv`.
pub struct Rules {
    pub window_days: i64,
    pub near_km: f64,
    classes: HashMap<&'static str, &'static str>,
    compatible: HashSet<(&'static str, &'static str)>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules::parse(LIST)
    }
}

impl Rules {
    /// The rules of a `KIND<TAB>NAME<TAB>VALUE` list (see the data file's header).
    pub fn parse(list: &'static str) -> Rules {
        let mut r = Rules { window_days: 2, near_km: 25.0, classes: HashMap::new(), compatible: HashSet::new() };
        for line in list.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let mut f = line.split('\t').map(str::trim);
            match (f.next(), f.next(), f.next()) {
                (Some("setting"), Some("window_days"), Some(v)) => r.window_days = v.parse().unwrap_or(r.window_days),
                (Some("setting"), Some("near_km"), Some(v)) => r.near_km = v.parse().unwrap_or(r.near_km),
                (Some("class"), Some(class), Some(word)) => {
                    r.classes.insert(word, class);
                }
                (Some("compatible"), Some(a), Some(b)) => {
                    r.compatible.insert((a, b));
                    r.compatible.insert((b, a));
                }
                _ => {}
            }
        }
        r
    }

    /// The classes of the event words of `text`, and the first one's.
    pub fn classes_of(&self, text: &str) -> (HashSet<&'static str>, Option<&'static str>) {
        let mut set = HashSet::new();
        let mut lede = None;
        for t in crate::gazetteer::tokenize(text) {
            if let Some(c) = self.classes.get(t.norm.as_str()) {
                lede.get_or_insert(*c);
                set.insert(*c);
            }
        }
        (set, lede)
    }

    /// The report of an article from its geoparsed mentions (see [`site_role`]).
    pub fn report(
        &self,
        article_id: i64,
        date: Option<&str>,
        text: &str,
        mentions: &[crate::geoparse::Mention],
    ) -> Report {
        let sites = mentions.iter().filter(|m| m.role == crate::geoparse::Role::Place).map(|m| {
            let site = Site {
                place_id: m.place_id.clone(),
                name: m.place_name.clone(),
                kind: m.kind,
                point: m.point,
                geometry: m.geometry.clone(),
            };
            (site_role(m.event, m.role_reason, m.kind), site)
        });
        let (classes, lede) = self.classes_of(text);
        let day = date.and_then(crate::datetime::date_to_unix).map(|s| s.div_euclid(86_400));
        Report::of(article_id, day, sites, classes, lede)
    }

    /// How two sites are one place, if they are.
    fn relation(&self, a: &Site, b: &Site) -> Option<(String, String, Relation)> {
        if a.place_id == b.place_id {
            return Some((a.name.clone(), b.name.clone(), Relation::Same));
        }
        let container = |k: Kind| matches!(k, Kind::Admin1 | Kind::Admin2);
        let town = |k: Kind| matches!(k, Kind::Settlement | Kind::Crossing);
        if town(a.kind) && container(b.kind) && b.geometry.contains(&a.point) {
            return Some((a.name.clone(), b.name.clone(), Relation::Inside));
        }
        if town(b.kind) && container(a.kind) && a.geometry.contains(&b.point) {
            return Some((b.name.clone(), a.name.clone(), Relation::Inside));
        }
        if town(a.kind) && town(b.kind) {
            let km = Haversine.distance(a.point, b.point) / 1000.0;
            if km <= self.near_km {
                return Some((a.name.clone(), b.name.clone(), Relation::Near(km)));
            }
        }
        None
    }

    /// Whether the event words of two reports agree, and the classes they share.
    fn words_agree(&self, a: &Report, b: &Report) -> Option<Vec<&'static str>> {
        // a report naming no event word agrees with any (but see `same_event`: same place only)
        let (Some(la), Some(lb)) = (a.lede, b.lede) else { return Some(Vec::new()) };
        let agree =
            la == lb || self.compatible.contains(&(la, lb)) || (b.classes.contains(la) && a.classes.contains(lb));
        if !agree {
            return None;
        }
        let mut shared: Vec<&'static str> = a.classes.intersection(&b.classes).copied().collect();
        shared.sort_unstable();
        Some(shared)
    }

    /// Whether reports `a` and `b` may be one event, and why (see the module contract).
    pub fn same_event(&self, a: &Report, b: &Report) -> Option<Why> {
        let days_apart = (a.day? - b.day?).abs();
        if days_apart > self.window_days {
            return None;
        }
        let classes = self.words_agree(a, b)?;
        // the closest relation among the two reports' sites
        let rank = |r: &Relation| match r {
            Relation::Same => 0.0,
            Relation::Inside => 1.0,
            Relation::Near(km) => 2.0 + km,
        };
        // an event site of one against any place of the other; `passing` when one of the two is
        // a place named in passing
        let pairs = a
            .sites
            .iter()
            .flat_map(|x| {
                b.sites.iter().map(move |y| (x, y, false)).chain(b.secondary.iter().map(move |y| (x, y, true)))
            })
            .chain(a.secondary.iter().flat_map(|x| b.sites.iter().map(move |y| (x, y, true))));
        let no_words = a.lede.is_none() || b.lede.is_none();
        let sites = pairs
            .filter_map(|(x, y, passing)| {
                let r = self.relation(x, y)?;
                // a place named in passing matches only itself, never a town inside it or nearby,
                // and so does every place of a report naming no event word
                (r.2 == Relation::Same || !(passing || no_words)).then_some(r)
            })
            .min_by(|x, y| rank(&x.2).total_cmp(&rank(&y.2)))?;
        Some(Why { a: a.article_id, b: b.article_id, sites, days_apart, classes, by_analyst: false })
    }

    /// The reports as events (see the module contract), in the order of their first report by
    /// date. Overrides name reports by article id.
    pub fn group(&self, reports: &[Report], overrides: &[Override]) -> Vec<Event> {
        let apart: HashSet<(i64, i64)> = overrides
            .iter()
            .filter_map(|o| match *o {
                Override::Apart(a, b) => Some((a.min(b), a.max(b))),
                Override::Together(..) => None,
            })
            .collect();
        let mut order: Vec<&Report> = reports.iter().collect();
        order.sort_by_key(|r| (r.day.unwrap_or(i64::MAX), r.article_id));
        let mut events: Vec<(Vec<&Report>, Vec<Why>)> = Vec::new();
        let score = |w: &Why| {
            let place = match w.sites.2 {
                Relation::Same => 3.0,
                Relation::Inside => 2.0,
                Relation::Near(_) => 1.0,
            };
            place - 0.1 * w.days_apart as f64 + 0.2 * w.classes.len() as f64
        };
        for r in order {
            let mut best: Option<(usize, Why, f64)> = None;
            for (i, (members, _)) in events.iter().enumerate() {
                let mut whys = Vec::with_capacity(members.len());
                for m in members {
                    if apart.contains(&(m.article_id.min(r.article_id), m.article_id.max(r.article_id))) {
                        whys.clear();
                        break;
                    }
                    match self.same_event(m, r) {
                        Some(w) => whys.push(w),
                        None => {
                            whys.clear();
                            break;
                        }
                    }
                }
                let Some(w) = whys.into_iter().max_by(|x, y| score(x).total_cmp(&score(y))) else { continue };
                let s = score(&w);
                if best.as_ref().is_none_or(|b| s > b.2) {
                    best = Some((i, w, s));
                }
            }
            match best {
                Some((i, w, _)) => {
                    events[i].0.push(r);
                    events[i].1.push(w);
                }
                None => events.push((vec![r], Vec::new())),
            }
        }
        let mut out: Vec<Event> = events
            .into_iter()
            .map(|(members, why)| Event { reports: members.iter().map(|m| m.article_id).collect(), why })
            .collect();
        // analysts' joins: the two events become one
        for o in overrides {
            let Override::Together(a, b) = *o else { continue };
            let find = |out: &[Event], id: i64| out.iter().position(|e| e.reports.contains(&id));
            let (Some(i), Some(j)) = (find(&out, a), find(&out, b)) else { continue };
            if i == j {
                continue;
            }
            let (keep, gone) = (i.min(j), i.max(j));
            let moved = out.remove(gone);
            out[keep].reports.extend(moved.reports);
            out[keep].why.extend(moved.why);
            out[keep].why.push(Why {
                a,
                b,
                sites: (String::new(), String::new(), Relation::Same),
                days_apart: 0,
                classes: Vec::new(),
                by_analyst: true,
            });
        }
        out
    }
}

/// Pairwise precision and recall of predicted events against gold event labels (one per report,
/// in the same order as `reports` were given): a pair of reports is positive when they share an
/// event. Returns (precision, recall, true positives, predicted pairs, gold pairs).
pub fn pairwise(events: &[Event], gold: &[(i64, String)]) -> (f64, f64, usize, usize, usize) {
    let predicted: HashMap<i64, usize> =
        events.iter().enumerate().flat_map(|(i, e)| e.reports.iter().map(move |r| (*r, i))).collect();
    let (mut tp, mut pp, mut gp) = (0, 0, 0);
    for (i, (a, ga)) in gold.iter().enumerate() {
        for (b, gb) in &gold[i + 1..] {
            let same_pred = predicted.get(a).is_some_and(|x| predicted.get(b) == Some(x));
            let same_gold = ga == gb;
            tp += usize::from(same_pred && same_gold);
            pp += usize::from(same_pred);
            gp += usize::from(same_gold);
        }
    }
    let p = if pp == 0 { 1.0 } else { tp as f64 / pp as f64 };
    let r = if gp == 0 { 1.0 } else { tp as f64 / gp as f64 };
    (p, r, tp, pp, gp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{polygon, Geometry};

    fn town(id: &str, lon: f64, lat: f64) -> Site {
        Site {
            place_id: id.into(),
            name: id.into(),
            kind: Kind::Settlement,
            point: Point::new(lon, lat),
            geometry: Arc::new(Geometry::Point(Point::new(lon, lat))),
        }
    }

    fn province(id: &str) -> Site {
        let square = polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 2.0), (x: 0.0, y: 2.0), (x: 0.0, y: 0.0)];
        Site {
            place_id: id.into(),
            name: id.into(),
            kind: Kind::Admin1,
            point: Point::new(1.0, 1.0),
            geometry: Arc::new(Geometry::Polygon(square)),
        }
    }

    fn report(rules: &Rules, id: i64, day: i64, sites: Vec<Site>, text: &str) -> Report {
        let (classes, lede) = rules.classes_of(text);
        Report { article_id: id, day: Some(day), sites, secondary: Vec::new(), classes, lede }
    }

    #[test]
    fn the_same_town_within_the_window_and_agreeing_words_is_one_event() {
        let r = Rules::default();
        let a = report(&r, 1, 100, vec![town("x", 0.5, 0.5)], "shelling hit the market");
        let b = report(&r, 2, 102, vec![town("x", 0.5, 0.5)], "artillery struck the town");
        let w = r.same_event(&a, &b).expect("one event");
        assert_eq!(w.sites.2, Relation::Same);
        assert_eq!(w.days_apart, 2);
        assert!(w.to_string().contains("both at x"), "{w}");
        let late = report(&r, 3, 103, vec![town("x", 0.5, 0.5)], "shelling hit the market");
        assert!(r.same_event(&a, &late).is_none(), "three days is past the window");
        let protest = report(&r, 4, 100, vec![town("x", 0.5, 0.5)], "protesters marched to the town hall");
        assert!(r.same_event(&a, &protest).is_none(), "a protest is not the shelling");
    }

    #[test]
    fn a_town_in_a_province_is_nested_but_a_far_town_is_not_near() {
        let r = Rules::default();
        let a = report(&r, 1, 10, vec![town("x", 0.5, 0.5)], "drone strike");
        let b = report(&r, 2, 10, vec![province("p")], "a drone strike in the province");
        assert_eq!(r.same_event(&a, &b).map(|w| w.sites.2), Some(Relation::Inside));
        // 0.5 degrees of latitude is about 55 km: past near_km
        let c = report(&r, 3, 10, vec![town("y", 0.5, 1.0)], "drone strike");
        assert!(r.same_event(&a, &c).is_none());
        let d = report(&r, 4, 10, vec![town("z", 0.5, 0.6)], "drone strike");
        assert!(matches!(r.same_event(&a, &d).map(|w| w.sites.2), Some(Relation::Near(km)) if km < 12.0));
    }

    #[test]
    fn complete_linkage_does_not_chain_two_towns_through_their_province() {
        let r = Rules::default();
        let vague = report(&r, 1, 10, vec![province("p")], "shelling in the province");
        let x = report(&r, 2, 10, vec![town("x", 0.5, 0.5)], "shelling");
        let y = report(&r, 3, 10, vec![town("y", 1.5, 1.5)], "shelling");
        let events = r.group(&[vague, x, y], &[]);
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(events[0].reports, vec![1, 2]);
        assert_eq!(events[1].reports, vec![3]);
    }

    #[test]
    fn analysts_overrides_win() {
        let r = Rules::default();
        let a = report(&r, 1, 10, vec![town("x", 0.5, 0.5)], "shelling");
        let b = report(&r, 2, 10, vec![town("x", 0.5, 0.5)], "shelling");
        let c = report(&r, 3, 30, vec![town("q", 9.0, 9.0)], "shelling");
        let all = [a, b, c];
        assert_eq!(r.group(&all, &[]).len(), 2);
        let split = r.group(&all, &[Override::Apart(2, 1)]);
        assert_eq!(split.len(), 3, "kept apart: {split:?}");
        let joined = r.group(&all, &[Override::Together(1, 3)]);
        assert_eq!(joined.len(), 1, "{joined:?}");
        assert!(joined[0].why.iter().any(|w| w.by_analyst));
    }

    #[test]
    fn pairwise_scores_count_pairs() {
        let events = vec![Event { reports: vec![1, 2, 3], why: vec![] }, Event { reports: vec![4], why: vec![] }];
        let gold: Vec<(i64, String)> = [(1, "a"), (2, "a"), (3, "b"), (4, "b")].map(|(i, g)| (i, g.to_string())).into();
        let (p, r, tp, pp, gp) = pairwise(&events, &gold);
        assert_eq!((tp, pp, gp), (1, 3, 2));
        assert!((p - 1.0 / 3.0).abs() < 1e-9 && (r - 0.5).abs() < 1e-9);
    }
}
