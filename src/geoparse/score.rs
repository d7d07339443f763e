//! Stage 6, the scorer's terms: the prior of a reading, its score in the document, and the
//! acceptance test of the chosen one.
//!
//! Contract: [`Doc::prior`] is the importance of a reading before the document is read (kind,
//! population, feature code, theatre of conflict, alternate-name match, dated validity);
//! [`Doc::score_reading`] adds what the document says (countries and divisions named, nearby
//! places, the hierarchy and container cues); [`Doc::accept`] says whether a small settlement
//! chosen for a candidate has support enough. Higher scores win; only differences matter.

use super::context::Context;
use super::doc::Doc;
use super::resolve::Reading;
use super::{days_outside, haversine_km, is_curated, Cand};
use crate::gazetteer::{Kind, PlaceIdx};
use std::collections::HashMap;

impl<'a> Doc<'a> {
    /// The score of reading `p` (`alt`: matched through an alternate name) of a candidate.
    pub(super) fn score_reading(&self, p: PlaceIdx, alt: bool, r: &Reading, ctx: &Context, date: Option<&str>) -> f64 {
        let gaz = &*self.gp.gaz;
        let pl = gaz.place(p);
        let mut s = self.prior(p, alt, date);
        // Towns that bear the name as their own: a city known by it only as a former or foreign
        // name ("Salisbury" for Harare) needs more support.
        if alt && r.own_name_town && pl.kind == Kind::Settlement {
            s -= 2.0;
        }
        if pl.kind != Kind::Country
            && !ctx.country.contains_key(pl.country.as_deref().unwrap_or(""))
            && ctx.near_named.iter().any(|b| {
                let p = pl.point;
                (b.min().x - 0.5..=b.max().x + 0.5).contains(&p.x())
                    && (b.min().y - 0.5..=b.max().y + 0.5).contains(&p.y())
            })
        {
            s += 1.0;
        }
        if let Some(cc) = &pl.country {
            s += self.country_term(pl.kind, cc, alt, r, ctx);
        }
        if matches!(pl.kind, Kind::Settlement | Kind::Admin2) {
            if let (Some(cc), Some(a1)) = (&pl.country, &pl.admin1) {
                if let Some(ai) = gaz.admin1(cc, a1) {
                    if ctx.admin1.contains(&ai) {
                        s += 2.5;
                    }
                }
            }
            // spatial coherence with the unambiguous settlements of the document
            let mut near = 0.0f64;
            for (pt, other) in &ctx.points {
                if *other == p {
                    continue;
                }
                let d = haversine_km(pl.point, *pt);
                if d < 50.0 {
                    near = near.max(2.0);
                } else if d < 250.0 {
                    near = near.max(1.0);
                }
            }
            s += near;
        }
        // "in Kherson": the city before the oblast it names, when both are readings.
        if self.gp.eponymous_capitals.contains(&p)
            && pl
                .country
                .as_deref()
                .zip(pl.admin1.as_deref())
                .and_then(|(cc, a1)| gaz.admin1(cc, a1))
                .is_some_and(|d| r.ps.iter().any(|q| q.0 == d))
        {
            s += 2.0;
        }
        if r.hier.as_ref().is_some_and(|h| h.inside.contains(&p)) {
            s += 12.0;
        }
        if r.container.as_ref().is_some_and(|h| h.contains(&p)) {
            s += 12.0;
        }
        s
    }

    /// What the countries the document names add to a reading of `kind` in country `cc`.
    fn country_term(&self, kind: Kind, cc: &str, alt: bool, r: &Reading, ctx: &Context) -> f64 {
        let gaz = &*self.gp.gaz;
        if kind != Kind::Country {
            if let Some(w) = ctx.country.get(cc) {
                return 1.5 + 2.5 * (w / ctx.max_w);
            }
        } else if r.ps.iter().filter(|q| gaz.place(q.0).kind == Kind::Country).count() > 1 {
            // "Congo" beside Goma is the Democratic Republic: between two countries of one name,
            // the rest of the document decides.
            let own = ctx.own_country[r.ci].filter(|(occ, _)| *occ == cc).map_or(0.0, |x| x.1);
            let w = ctx.country.get(cc).copied().unwrap_or(0.0) - own;
            return 1.5 * w.clamp(0.0, 3.0);
        } else if alt
            && ctx.country.get(cc).copied().unwrap_or(0.0) <= 3.0
            && ctx.country.iter().any(|(k, w)| k != cc && *w >= 2.0)
        {
            // "Équateur" beside North Kivu is the Congolese province, not Ecuador's French name: a
            // country named once by another-language name (its own mention is all the context it
            // has) loses to a reading in the countries the document is about.
            return -6.0;
        }
        0.0
    }

    /// Whether the chosen reading of a candidate is good enough to report.
    pub(super) fn accept(
        &self,
        c: &Cand,
        p: PlaceIdx,
        ps: &[(PlaceIdx, bool)],
        _score: f64,
        ctx: &HashMap<String, f64>,
    ) -> bool {
        let gaz = &*self.gp.gaz;
        let pl = gaz.place(p);
        if pl.kind != Kind::Settlement {
            return true;
        }
        let alt = ps.iter().find(|x| x.0 == p).is_some_and(|x| x.1);
        let supported = pl.country.as_ref().is_some_and(|cc| ctx.get(cc).copied().unwrap_or(0.0) >= 2.0);
        let len = c.tok_end - c.tok_start;
        let pop = pl.population;
        // A town of a theatre of conflict (`theatres.txt`) is named alone in headlines and event
        // notes, often by its English spelling, which GeoNames keeps as an alternate name ("Jenin"
        // for Janīn, "Téra" that is also a first name): a town of 20,000 there needs no country
        // named beside it.
        let theatre = pl.country.as_ref().is_some_and(|cc| self.gp.theatres.contains(cc));
        let min_pop = match (len > 1, alt, supported) {
            (true, false, _) => 0,
            (true, true, true) => 0,
            (true, true, false) => 5_000,
            (false, false, true) => 0,
            (false, false, false) => 1_000,
            (false, true, true) => 2_000,
            (false, true, false) if theatre => 20_000,
            (false, true, false) => 200_000,
        };
        // "Arab tribal fighters" in a report on Syria is not Arab, Alabama: a small town of a
        // country the document does not name, while it names another country firmly, needs to be
        // a town of some size — outside the theatres of conflict, whose towns are named in reports
        // on their neighbours ("Refugees from Lachin reached Goris in Armenia").
        let elsewhere = !supported && !theatre && ctx.values().any(|w| *w >= 2.0);
        let min_pop = if len == 1 && elsewhere { min_pop.max(20_000) } else { min_pop };
        let first_name_max = if theatre { 20_000 } else { 50_000 };
        if len == 1 && pop < first_name_max && self.gp.first_names.contains(self.norm(c.tok_start)) {
            return false;
        }
        // "Julia" (Plovdiv), "Viktoria" (Victoria): a first name that is only an alternate name.
        if len == 1 && alt && self.gp.first_names.contains(self.norm(c.tok_start)) {
            return false;
        }
        pop >= min_pop
    }

    /// How likely a reading is before looking at the document.
    pub(super) fn prior(&self, p: PlaceIdx, alt: bool, date: Option<&str>) -> f64 {
        let pl = self.gp.gaz.place(p);
        let mut s = match pl.kind {
            Kind::Country => 23.0 + (pl.population as f64 + 1.0).ln() / 10.0,
            Kind::Continent => 22.0,
            Kind::Admin1 => 15.0,
            // "X County": a full name; among namesakes the more populous, context decides the rest
            Kind::Admin2 => 8.0 + (pl.population as f64 + 1.0).ln() / 2.0,
            Kind::Settlement if is_curated(pl) => (pl.population.max(3_000) as f64).ln(),
            Kind::Settlement => {
                let f = match pl.feature_code.as_deref() {
                    Some("PPLC") => 20.0,
                    Some("PPLA") => 3.0,
                    Some("PPLA2") => 1.5,
                    Some("PPLX") | Some("PPLH") | Some("PPLQ") | Some("PPLW") => 0.3,
                    _ => 1.0,
                };
                (1.0 + pl.population as f64 * f).ln()
            }
            Kind::Sea
            | Kind::River
            | Kind::Lake
            | Kind::MountainRange
            | Kind::Desert
            | Kind::Region
            | Kind::Natural => 16.5,
            Kind::Corridor | Kind::LineOfContact | Kind::BorderSegment | Kind::Crossing => 16.0,
        };
        if matches!(pl.kind, Kind::Settlement | Kind::Admin1)
            && pl.country.as_ref().is_some_and(|c| self.gp.theatres.contains(c))
        {
            s += 0.5;
        }
        if alt {
            s -= match pl.kind {
                // a town known by this name only as an alternate needs clearer support
                Kind::Settlement => 3.0,
                Kind::Admin1 => 1.0,
                _ => 0.3,
            };
        }
        // Dated records: the version valid on the article date; outside every version's dates the
        // version nearest in time (an area that ceased to exist is still referred to historically,
        // so it is demoted below valid readings but never dropped).
        let away = date.and_then(|d| days_outside(pl, d)).unwrap_or(0);
        if away > 0 {
            s -= 3.0 + (away as f64 / 3650.0).min(3.0);
        } else {
            if date.is_none() && pl.valid_to.is_some() {
                s -= 0.5;
            }
            // Among valid records of the same feature prefer the latest start.
            if let Some(f) = &pl.valid_from {
                s += f.get(..4).and_then(|y| y.parse::<f64>().ok()).map(|y| (y - 1900.0) / 1000.0).unwrap_or(0.0);
            }
        }
        s
    }
}
