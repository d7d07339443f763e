//! Stage 5, document features: what the whole document says before any namesake is chosen.
//!
//! Contract: [`Doc::context`] takes each candidate's first reading (the best by prior alone) and
//! records the countries and divisions the document names, each country weighted by how sure the
//! readings naming it are; the unambiguous settlements for spatial coherence; what each candidate
//! adds to its own country's weight (so that a name is weighed by the rest of the document); and
//! the small countries named, whose neighbourhood the document is about.

use super::doc::Doc;
use super::{Cand, CandKind};
use crate::gazetteer::{Kind, PlaceIdx};
use geo_types::{Point, Rect};
use std::collections::{HashMap, HashSet};

/// Unambiguous settlements kept for spatial coherence: distinct places, at most this many, so that
/// resolution stays linear in the length of the text.
const MAX_CTX_POINTS: usize = 256;

/// The document context of [`Doc::context`].
pub(super) struct Context<'c> {
    /// Countries named (ISO alpha-2), by weight: 3 a country, 2 an unambiguous division, 1 an
    /// unambiguous place, 0.3 an ambiguous one.
    pub country: HashMap<String, f64>,
    /// The largest country weight (at least 1).
    pub max_w: f64,
    /// Divisions named.
    pub admin1: HashSet<PlaceIdx>,
    /// Unambiguous settlements: (point, place).
    pub points: Vec<(Point<f64>, PlaceIdx)>,
    /// What each candidate's first reading adds to the weight of its country.
    pub own_country: Vec<Option<(&'c str, f64)>>,
    /// Bounding boxes of the small countries named with weight 2 or more.
    pub near_named: Vec<&'c Rect<f64>>,
}

impl<'a> Doc<'a> {
    /// The document context of `cands` (see [`Context`]).
    pub(super) fn context(&self, cands: &[Cand], date: Option<&str>) -> Context<'a> {
        let gaz: &'a crate::gazetteer::Gazetteer = &self.gp.gaz;
        // Pass 1: prior choice for every candidate.
        let first: Vec<Option<PlaceIdx>> = cands
            .iter()
            .map(|c| match &c.what {
                CandKind::Places(ps) => ps
                    .iter()
                    .max_by(|a, b| self.prior(a.0, a.1, date).total_cmp(&self.prior(b.0, b.1, date)))
                    .map(|p| p.0),
                CandKind::Demonym(p) => Some(*p),
                CandKind::Border => None,
            })
            .collect();
        // Countries and divisions named, weighted by how sure the reading is.
        let mut country: HashMap<String, f64> = HashMap::new();
        let mut admin1: HashSet<PlaceIdx> = HashSet::new();
        let mut points: Vec<(Point<f64>, PlaceIdx)> = Vec::new();
        let mut seen: HashSet<PlaceIdx> = HashSet::new();
        for (c, f) in cands.iter().zip(&first) {
            let Some(p) = f else { continue };
            let pl = gaz.place(*p);
            let unambiguous = match &c.what {
                CandKind::Places(ps) => ps.len() == 1 || matches!(pl.kind, Kind::Country | Kind::Admin1),
                _ => true,
            };
            let w = match (pl.kind, unambiguous) {
                (Kind::Country, _) => 3.0,
                (Kind::Admin1, true) => 2.0,
                (_, true) => 1.0,
                _ => 0.3,
            };
            if let Some(cc) = &pl.country {
                *country.entry(cc.clone()).or_default() += w;
            }
            if pl.kind == Kind::Admin1 {
                admin1.insert(*p);
            }
            if pl.kind == Kind::Settlement && unambiguous && points.len() < MAX_CTX_POINTS && seen.insert(*p) {
                points.push((pl.point, *p));
            }
        }
        let max_w = country.values().cloned().fold(0.0, f64::max).max(1.0);
        // What each candidate's own first reading adds to the country context, so that a country
        // name is weighed by the rest of the document, not by itself.
        let own_country: Vec<Option<(&str, f64)>> = cands
            .iter()
            .zip(&first)
            .map(|(c, f)| {
                let pl = gaz.place((*f)?);
                let w = match (&c.what, pl.kind) {
                    (_, Kind::Country) => 3.0,
                    (CandKind::Places(ps), Kind::Admin1) if ps.len() == 1 => 2.0,
                    (CandKind::Places(ps), _) if ps.len() == 1 => 1.0,
                    (CandKind::Places(_), Kind::Admin1) => 2.0,
                    (CandKind::Places(_), _) => 0.3,
                    _ => 1.0,
                };
                Some((pl.country.as_deref()?, w))
            })
            .collect();
        // Small countries the document names: a reading just across their border is in the
        // neighbourhood the document is about ("Gaza" beside "Israeli" is the Palestinian one).
        let boxes: &'a HashMap<String, Rect<f64>> = &self.gp.small_country_boxes;
        let near_named: Vec<&Rect<f64>> =
            country.iter().filter(|(_, w)| **w >= 2.0).filter_map(|(cc, _)| boxes.get(cc.as_str())).collect();
        Context { country, max_w, admin1, points, own_country, near_named }
    }
}
