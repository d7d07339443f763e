//! OGC API Features, Part 1 Core, over the incident index: query parsing and GeoJSON responses.
//!
//! Contract: [`ItemsQuery::parse`] turns the query string of `/collections/incidents/items` into a
//! validated query or a [`QueryError`] naming the bad parameter; [`items`] answers it from one index
//! snapshot as a GeoJSON FeatureCollection with `numberMatched`, `numberReturned` and next/prev links,
//! ordered by incident id so paging is stable; a CQL2 `filter` (Part 3) is compiled by [`filter`].
//! A query with no filter but the bbox ([`ItemsQuery::accepts_all`]) is answered from each
//! place's count and lowest ids instead of every mention, with the same page.
//! Each feature carries its place's geometry simplified for display ([`simplified`]: at most 500
//! vertices by default, `zoom=N` for a map zoom, `zoom=22` for every vertex) and the properties of
//! the incident schema. [`incident`] turns a stored mention into an index incident over its shared
//! place and article, [`load_incidents`] every stored mention so (each place built once);
//! [`places_dictionary`] gives each place
//! of a geoparse answer once. Dates are read by [`crate::datetime`].
//! Not for: HTTP plumbing (that is `http`), or tiles.

pub mod filter;

use crate::geoparse::Mention;
use crate::index::{Incident, IndexSnapshot, Place, SpatialIndex};
use crate::schema::{ArticleMeta, MentionProps, Props};
use crate::store::{Store, StoredMention, StoredPlace};
use geo::MapCoords;
use geo_types::Geometry;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};
use std::sync::Arc;

pub const COLLECTION: &str = "incidents";
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 10_000;
/// The one CRS offered (lon/lat WGS84).
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// A query parameter the client got wrong (`param` is its name as the client sent it).
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{} parameter `{param}`: {message}", if *.unknown { "unknown" } else { "invalid" })]
pub struct QueryError {
    pub param: String,
    pub message: String,
    /// The parameter is not one the resource takes (rather than a bad value).
    pub unknown: bool,
}

fn qerr(param: &str, message: impl Into<String>) -> QueryError {
    QueryError { param: param.to_string(), message: message.into(), unknown: false }
}

/// A parameter the resource does not take; `known` lists those it does.
pub fn unknown_param(param: &str, known: &[&str]) -> QueryError {
    QueryError {
        param: param.to_string(),
        message: if known.is_empty() {
            "this resource takes no query parameters".into()
        } else {
            format!("this resource takes {}", known.join(", "))
        },
        unknown: true,
    }
}

/// What `role=` selects: the event sites (and mentions stored before roles were read), or the
/// context mentions (datelines, governments, comparisons, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Event,
    Context,
}

/// The parameters of the items resource.
pub const ITEMS_PARAMS: &[&str] = &[
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "limit",
    "offset",
    "kind",
    "precision",
    "role",
    "review",
    "q",
    "zoom",
    "filter",
    "filter-lang",
    "filter-crs",
    "f",
];

pub use crate::datetime::date_to_unix;

/// The map incident of a stored mention over its shared place and article. A mention an analyst
/// corrected is drawn where the review says — at the place `corrected` gives for the review's
/// place id, or at its drawn point — and keeps the geoparser's choice as `original_place_*`;
/// the stored reading itself is never changed (see `store/reviews.rs`).
pub fn incident(
    m: &StoredMention,
    place: Arc<Place>,
    article: &Arc<ArticleMeta>,
    corrected: impl Fn(&str) -> Option<Arc<Place>>,
) -> Incident {
    let time = article.published.as_deref().and_then(date_to_unix);
    let (mut place, mut precision, mut review) = (place, m.precision, None);
    if let Some(r) = &m.review {
        let moved = match (&r.place_id, r.lon.zip(r.lat)) {
            (Some(id), _) => corrected(id).map(|p| {
                let precision = crate::gazetteer::Kind::parse(&p.kind).precision();
                (p, precision)
            }),
            (None, Some((lon, lat))) => {
                Some((Arc::new(Place::anonymous(DRAWN_KIND, Geometry::Point(geo_types::Point::new(lon, lat)))), 1))
            }
            (None, None) => None,
        };
        let original = match moved {
            Some((p, prec)) if r.status == crate::store::ReviewStatus::Corrected => {
                let original = (place.id.as_deref().unwrap_or_default().into(), (*place.name).into());
                (place, precision) = (p, prec);
                Some(original)
            }
            _ => None,
        };
        review = Some(Box::new(crate::schema::ReviewProps {
            seq: r.seq,
            status: r.status.as_str(),
            note: r.note.as_deref().map(Into::into),
            by: r.author.as_str().into(),
            at: r.reviewed_at.as_str().into(),
            original,
        }));
    }
    Incident {
        id: m.id as u64,
        place,
        precision,
        time,
        props: Props::Mention(MentionProps {
            article: article.clone(),
            surface: m.surface.as_str().into(),
            geo_precision: m.geo_precision,
            confidence: m.confidence as f32,
            quote: m.quote.as_str().into(),
            quote_start: m.quote_start.clamp(0, i64::from(u32::MAX)) as u32,
            quote_end: m.quote_end.clamp(0, i64::from(u32::MAX)) as u32,
            relation: m.relation.clone().map(Box::new),
            literal: m.literal,
            event: m.event,
            role_reason: m.role_reason.as_deref().map(Into::into),
            review,
        }),
    }
}

/// The gazetteer kind of a point an analyst drew (a correction to coordinates).
pub const DRAWN_KIND: &str = "drawn";

/// Whether an incident was rejected by an analyst: such incidents are kept apart from the map's
/// index (see `http::AppState::rejected`).
pub fn is_rejected(i: &Incident) -> bool {
    i.props.review_status() == Some(crate::store::ReviewStatus::Rejected.as_str())
}

/// Every stored mention as an incident: each place built once (in parallel) and registered with
/// `index`, each article's metadata held once.
pub fn load_incidents(store: &Store, index: &SpatialIndex) -> Result<Vec<Incident>, crate::store::StoreError> {
    use rayon::prelude::*;
    let places: Vec<Arc<crate::index::Place>> =
        store.places()?.into_par_iter().map(|p| Arc::new(stored_place(p))).collect();
    let by_id: std::collections::HashMap<&str, Arc<crate::index::Place>> =
        places.iter().filter_map(|p| Some((p.id.as_deref()?, p.clone()))).collect();
    let articles: std::collections::HashMap<i64, Arc<crate::schema::ArticleMeta>> =
        store.article_metas()?.into_iter().map(|a| (a.id, Arc::new(a))).collect();
    let mut out = Vec::new();
    let mut missing = None;
    store.for_each_mention(None, |m| match (by_id.get(m.place_id.as_str()), articles.get(&m.article_id)) {
        (Some(p), Some(a)) => out.push(incident(&m, p.clone(), a, |id| by_id.get(id).cloned())),
        _ => missing = Some(m.id),
    })?;
    if let Some(id) = missing {
        tracing::warn!("mention {id} refers to a missing place or article; left out of the map");
    }
    drop(by_id);
    index.add_places(places);
    Ok(out)
}

/// The place of a gazetteer-resolved mention (built once per place id by the index).
pub fn place_of(index: &SpatialIndex, m: &Mention) -> Arc<Place> {
    index.place(&m.place_id, || {
        Place::new(Some(&m.place_id), &m.place_name, m.kind.as_str(), m.geometry.clone(), m.point)
    })
}

/// The place of a stored place row.
pub fn stored_place(p: StoredPlace) -> Place {
    Place::new(Some(&p.id), &p.name, &p.kind, Arc::new(p.geometry), p.point)
}

/// How much of each place's geometry a geoparse answer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceGeometry {
    /// None: the mentions' points only.
    Point,
    /// Simplified (see [`simplified`]: `Some(22)` keeps every vertex).
    Simplified(Option<u8>),
}

/// Each distinct place of `mentions` once, by id: name, kind, representative point and geometry
/// (`geometry` says how much). Used with [`crate::geoparse::feature_collection`], whose features
/// carry only points, so an answer never repeats a place's geometry per mention.
pub fn places_dictionary(
    mentions: &[Mention],
    place: impl Fn(&Mention) -> Arc<Place>,
    geometry: PlaceGeometry,
) -> Value {
    let mut out = Map::new();
    for m in mentions {
        if out.contains_key(&m.place_id) {
            continue;
        }
        let mut entry = Map::new();
        entry.insert("name".into(), json!(m.place_name));
        entry.insert("kind".into(), json!(m.kind.as_str()));
        entry.insert("lon".into(), json!(m.point.x()));
        entry.insert("lat".into(), json!(m.point.y()));
        if let PlaceGeometry::Simplified(z) = geometry {
            let p = place(m);
            entry.insert(
                "geometry".into(),
                serde_json::to_value(GeometryRef(&simplified(&p, z))).unwrap_or(Value::Null),
            );
        }
        out.insert(m.place_id.clone(), Value::Object(entry));
    }
    Value::Object(out)
}

/// A validated items query.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemsQuery {
    pub bbox: Option<[f64; 4]>,
    /// Incidents whose day meets this interval ([`crate::datetime::parse_interval`]).
    pub datetime: Option<crate::datetime::Interval>,
    pub limit: usize,
    /// The `limit` asked for when it was above [`MAX_LIMIT`] and so lowered to it (OGC API
    /// Features 17-069r4 §7.15.3: not an error).
    pub limit_asked: Option<usize>,
    pub offset: usize,
    pub kinds: Vec<String>,
    pub precisions: Vec<u8>,
    /// `role=`: event sites only ([`Role::Event`]), context only, or both (`None`).
    pub role: Option<Role>,
    /// `review=`: the incidents with this analyst's review (`pending`: none yet); `None`: every
    /// incident on the map, so all but the rejected ones, which only `review=rejected` shows.
    pub review: Option<crate::store::ReviewStatus>,
    pub q: Option<String>,
    /// Geometries are simplified for display at this zoom (see [`simplified`]); `None`: at most
    /// [`crate::index::DISPLAY_VERTICES`] vertices a feature.
    pub zoom: Option<u8>,
    /// A CQL2 `filter` (with `filter-lang`), compiled ([`filter::Filter`]).
    pub filter: Option<std::sync::Arc<filter::Filter>>,
}

/// `minLon,minLat,maxLon,maxLat`, or with heights `minLon,minLat,minZ,maxLon,maxLat,maxZ` (the
/// heights are ignored: incidents have none). `minLon > maxLon` is a box across the antimeridian
/// (OGC API Features 17-069r4 §7.15.3: `160.6,-55.95,-170,-25.89`).
fn parse_bbox(s: &str) -> Result<[f64; 4], QueryError> {
    let parts: Vec<&str> = s.split(',').collect();
    if parts.len() != 4 && parts.len() != 6 {
        return Err(qerr(
            "bbox",
            format!("expected four numbers minLon,minLat,maxLon,maxLat (or six with heights), got {}", parts.len()),
        ));
    }
    let mut v = Vec::with_capacity(6);
    for p in &parts {
        v.push(
            p.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| qerr("bbox", format!("{p:?} is not a number")))?,
        );
    }
    let b = if v.len() == 6 { [v[0], v[1], v[3], v[4]] } else { [v[0], v[1], v[2], v[3]] };
    if !(-180.0..=180.0).contains(&b[0]) || !(-180.0..=180.0).contains(&b[2]) {
        return Err(qerr("bbox", "longitudes must lie in -180..180"));
    }
    if !(-90.0..=90.0).contains(&b[1]) || !(-90.0..=90.0).contains(&b[3]) {
        return Err(qerr("bbox", "latitudes must lie in -90..90"));
    }
    if b[1] > b[3] {
        return Err(qerr("bbox", "minLat is greater than maxLat"));
    }
    Ok(b)
}

impl ItemsQuery {
    /// Parses `(name, value)` pairs of a query string. Unknown parameters are rejected, as OGC API
    /// Features recommends, so a typo never silently widens a query.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<ItemsQuery, QueryError> {
        let mut q = ItemsQuery {
            bbox: None,
            datetime: None,
            limit: DEFAULT_LIMIT,
            limit_asked: None,
            offset: 0,
            kinds: vec![],
            precisions: vec![],
            role: None,
            review: None,
            q: None,
            zoom: None,
            filter: None,
        };
        let (mut filter_text, mut lang) = (None, filter::FilterLang::Cql2Text);
        for (k, v) in pairs {
            match k {
                "bbox" => q.bbox = Some(parse_bbox(v)?),
                "datetime" => q.datetime = Some(crate::datetime::parse_interval(v).map_err(|m| qerr("datetime", m))?),
                "limit" => {
                    let n: usize = v.parse().map_err(|_| qerr("limit", format!("{v:?} is not a positive integer")))?;
                    if n == 0 {
                        return Err(qerr("limit", format!("must be between 1 and {MAX_LIMIT}")));
                    }
                    // above the maximum is not an error: the page is the maximum (the self link says so)
                    q.limit = n.min(MAX_LIMIT);
                    q.limit_asked = (n > MAX_LIMIT).then_some(n);
                }
                "offset" => {
                    q.offset = v.parse().map_err(|_| qerr("offset", format!("{v:?} is not a non-negative integer")))?
                }
                "kind" => q.kinds = v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
                "precision" => {
                    q.precisions = v
                        .split(',')
                        .map(|s| s.trim().parse::<u8>().ok().filter(|p| (1..=7).contains(p)))
                        .collect::<Option<Vec<u8>>>()
                        .ok_or_else(|| qerr("precision", "expected codes 1..7, comma-separated"))?
                }
                "role" => {
                    q.role = match v {
                        "event" => Some(Role::Event),
                        "context" => Some(Role::Context),
                        "all" | "" => None,
                        _ => return Err(qerr("role", format!("{v:?} is not a role; use event, context or all"))),
                    }
                }
                "review" => {
                    q.review = Some(crate::store::ReviewStatus::parse(v).ok_or_else(|| {
                        qerr("review", format!("{v:?} is not a review; use pending, verified, corrected or rejected"))
                    })?)
                }
                "q" => q.q = Some(v.to_lowercase()).filter(|s| !s.is_empty()),
                "zoom" => {
                    q.zoom =
                        Some(v.parse::<u8>().ok().filter(|z| *z <= 22).ok_or_else(|| {
                            qerr("zoom", format!("{v:?} is not a zoom 0..22 (22 keeps every vertex)"))
                        })?)
                }
                "f" => {
                    if !matches!(v, "json" | "geojson") {
                        return Err(qerr("f", "only f=json (GeoJSON) is offered"));
                    }
                }
                "bbox-crs" | "crs" => {
                    if !v.ends_with("CRS84") {
                        return Err(qerr(k, "only http://www.opengis.net/def/crs/OGC/1.3/CRS84 is offered"));
                    }
                }
                "filter" => filter_text = Some(v),
                "filter-lang" => {
                    lang = filter::FilterLang::parse(v).ok_or_else(|| {
                        qerr("filter-lang", format!("{v:?} is not offered; use cql2-text or cql2-json"))
                    })?
                }
                "filter-crs" => {
                    if v != CRS84 {
                        return Err(qerr("filter-crs", format!("only {CRS84} is offered")));
                    }
                }
                other => return Err(unknown_param(other, ITEMS_PARAMS)),
            }
        }
        if let Some(text) = filter_text {
            q.filter = Some(std::sync::Arc::new(
                filter::Filter::parse(text, lang).map_err(|e| qerr("filter", e.to_string()))?,
            ));
        }
        Ok(q)
    }

    /// The non-spatial filters in one canonical text (lists sorted, the CQL2 filter normalised):
    /// two spellings of the same query give the same key (tile cache variants, paging links).
    pub fn normalised(&self) -> String {
        let mut kinds = self.kinds.clone();
        kinds.sort();
        kinds.dedup();
        let mut precisions = self.precisions.clone();
        precisions.sort_unstable();
        precisions.dedup();
        let cql2 = self.filter.as_ref().map(|f| f.normalized());
        format!(
            "datetime={:?};kind={kinds:?};precision={precisions:?};role={:?};review={:?};q={:?};filter={cql2:?}",
            self.datetime, self.role, self.review, self.q
        )
    }

    /// Whether every incident passes the non-spatial filters ([`Self::accepts`] is `true` for
    /// all): no datetime, kind, precision, role, q or CQL2 filter. (Every field is named here, so
    /// a new filter cannot be forgotten.)
    pub fn accepts_all(&self) -> bool {
        let ItemsQuery {
            bbox: _,
            datetime,
            limit: _,
            limit_asked: _,
            offset: _,
            kinds,
            precisions,
            role,
            review,
            q,
            zoom: _,
            filter,
        } = self;
        datetime.is_none()
            && kinds.is_empty()
            && precisions.is_empty()
            && role.is_none()
            && review.is_none()
            && q.is_none()
            && filter.is_none()
    }

    /// Whether an incident passes the non-spatial filters.
    pub fn accepts(&self, i: &Incident) -> bool {
        if let Some(iv) = self.datetime {
            if !i.time.is_some_and(|t| iv.contains_day(t)) {
                return false;
            }
        }
        if !self.kinds.is_empty() && !self.kinds.iter().any(|k| k == i.kind()) {
            return false;
        }
        if !self.precisions.is_empty() && !self.precisions.contains(&i.precision) {
            return false;
        }
        if let Some(role) = self.role {
            if i.props.is_context() != (role == Role::Context) {
                return false;
            }
        }
        if let Some(r) = self.review {
            let want = (r != crate::store::ReviewStatus::Pending).then(|| r.as_str());
            if i.props.review_status() != want {
                return false;
            }
        }
        if let Some(q) = &self.q {
            if !crate::schema::text_matches(i, q) {
                return false;
            }
        }
        if let Some(f) = &self.filter {
            return f.matches(i);
        }
        true
    }
}

/// The GeoJSON feature of an incident (full geometry).
pub fn feature(i: &Incident) -> Value {
    serde_json::to_value(FeatureRef { incident: i, zoom: Some(22) }).unwrap_or(Value::Null)
}

/// One incident as a GeoJSON Feature, serialised straight from the index (no copy of its
/// properties or coordinates), its geometry simplified (see [`simplified`]).
pub struct FeatureRef<'a> {
    pub incident: &'a Incident,
    pub zoom: Option<u8>,
}

/// The incident's properties as a JSON object, from the schema ([`crate::schema::visit`]).
struct PropsRef<'a>(&'a Incident);

impl Serialize for PropsRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut fields: Vec<(&str, crate::schema::Val<'_>)> = Vec::with_capacity(24);
        crate::schema::visit(self.0, &mut |k, v| fields.push((k, v)));
        let mut m = s.serialize_map(Some(fields.len()))?;
        for (k, v) in fields {
            m.serialize_entry(k, &v)?;
        }
        m.end()
    }
}

/// The lon/lat geometry of `place` simplified for display: at `Some(zoom)`, Douglas–Peucker at
/// about one pixel of a 256-pixel tile; at `None`, to at most [`crate::index::DISPLAY_VERTICES`]
/// vertices — both from the place's precomputed ranks. Rings that collapse are left out, and a
/// geometry whose every ring collapses is returned whole. Zoom 22 and points return the geometry
/// as it is.
pub fn simplified(place: &Place, zoom: Option<u8>) -> std::borrow::Cow<'_, Geometry<f64>> {
    use geo_types::{Coord, LineString, MultiLineString, MultiPolygon, Polygon};
    use std::borrow::Cow;
    let ranks = place.world_ranks();
    let g = place.lonlat_geometry();
    let thr = match zoom {
        _ if ranks.is_empty() => return Cow::Borrowed(place.geometry()),
        Some(z) if z >= 22 => return Cow::Borrowed(place.geometry()),
        Some(z) => {
            let px = 1.0 / (256.0 * f64::from(1u32 << z));
            (px * px) as f32
        }
        None => place.display_rank(),
    };
    if thr <= 0.0 {
        return Cow::Borrowed(place.geometry());
    }
    let mut at = 0usize;
    let mut keep = |c: &[Coord<f64>]| -> Vec<Coord<f64>> {
        let r = &ranks[at.min(ranks.len())..(at + c.len()).min(ranks.len())];
        at += c.len();
        if r.len() != c.len() {
            return c.to_vec();
        }
        c.iter().zip(r).filter(|(_, &r)| r > thr).map(|(p, _)| *p).collect()
    };
    let mut polygon = |p: &Polygon<f64>| -> Option<Polygon<f64>> {
        let ext = keep(&p.exterior().0);
        let holes: Vec<LineString<f64>> =
            p.interiors().iter().map(|r| keep(&r.0)).filter(|r| r.len() >= 4).map(LineString).collect();
        (ext.len() >= 4).then(|| Polygon::new(LineString(ext), holes))
    };
    let out = match g {
        Geometry::Polygon(p) => polygon(p).map(Geometry::Polygon),
        Geometry::MultiPolygon(mp) => {
            let kept: Vec<Polygon<f64>> = mp.0.iter().filter_map(&mut polygon).collect();
            (!kept.is_empty()).then_some(Geometry::MultiPolygon(MultiPolygon(kept)))
        }
        Geometry::LineString(l) => Some(Geometry::LineString(LineString(keep(&l.0)))),
        Geometry::MultiLineString(ml) => {
            Some(Geometry::MultiLineString(MultiLineString(ml.0.iter().map(|l| LineString(keep(&l.0))).collect())))
        }
        _ => None,
    };
    match out {
        // the unwrapped geometry may leave ±180: only use it when it is the geometry itself
        Some(s) if std::ptr::eq(g, place.geometry()) => Cow::Owned(s),
        Some(s) => Cow::Owned(s.map_coords(|c| Coord { x: crate::index::proj::wrap_lon(c.x), y: c.y })),
        None => Cow::Borrowed(place.geometry()),
    }
}

/// A coordinate to six decimals (about 0.1 m): RFC 7946 §11.2 notes more is rarely meaningful,
/// and it halves the size of a polygon's GeoJSON.
fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// A position or a ring/line of positions, serialised as GeoJSON arrays.
struct Coords<'a>(&'a [geo_types::Coord<f64>]);

impl Serialize for Coords<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for c in self.0 {
            seq.serialize_element(&[round6(c.x), round6(c.y)])?;
        }
        seq.end()
    }
}

struct Rings<'a>(&'a geo_types::Polygon<f64>);

impl Serialize for Rings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let mut seq = s.serialize_seq(Some(1 + p.interiors().len()))?;
        seq.serialize_element(&Coords(&p.exterior().0))?;
        for r in p.interiors() {
            seq.serialize_element(&Coords(&r.0))?;
        }
        seq.end()
    }
}

/// A geometry as an RFC 7946 geometry object.
struct GeometryRef<'a>(&'a Geometry<f64>);

impl Serialize for GeometryRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        match self.0 {
            Geometry::Point(p) => {
                m.serialize_entry("type", "Point")?;
                m.serialize_entry("coordinates", &[round6(p.x()), round6(p.y())])?;
            }
            Geometry::LineString(l) => {
                m.serialize_entry("type", "LineString")?;
                m.serialize_entry("coordinates", &Coords(&l.0))?;
            }
            Geometry::MultiLineString(ml) => {
                m.serialize_entry("type", "MultiLineString")?;
                let lines: Vec<Coords> = ml.0.iter().map(|l| Coords(&l.0)).collect();
                m.serialize_entry("coordinates", &lines)?;
            }
            Geometry::Polygon(p) => {
                m.serialize_entry("type", "Polygon")?;
                m.serialize_entry("coordinates", &Rings(p))?;
            }
            Geometry::MultiPolygon(mp) => {
                m.serialize_entry("type", "MultiPolygon")?;
                let polys: Vec<Rings> = mp.0.iter().map(Rings).collect();
                m.serialize_entry("coordinates", &polys)?;
            }
            other => {
                // index incidents never hold these; keep the general path for completeness
                let g = geojson::Geometry::new(geojson::GeometryValue::from(other));
                let v = serde_json::to_value(&g).map_err(serde::ser::Error::custom)?;
                if let Value::Object(o) = v {
                    for (k, v) in o {
                        m.serialize_entry(&k, &v)?;
                    }
                }
            }
        }
        m.end()
    }
}

impl Serialize for FeatureRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let i = self.incident;
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("type", "Feature")?;
        m.serialize_entry("id", &i.id)?;
        match self.zoom {
            // the default display geometry is serialised once per place and copied after
            None => {
                let raw = i.place.display_json(|p| {
                    serde_json::value::to_raw_value(&GeometryRef(&simplified(p, None)))
                        .unwrap_or_else(|_| serde_json::value::RawValue::NULL.to_owned())
                });
                m.serialize_entry("geometry", raw)?;
            }
            Some(_) => m.serialize_entry("geometry", &GeometryRef(&simplified(&i.place, self.zoom)))?,
        }
        m.serialize_entry("properties", &PropsRef(i))?;
        m.end()
    }
}

#[derive(Serialize)]
pub struct Link {
    pub href: String,
    pub rel: &'static str,
    #[serde(rename = "type")]
    pub media_type: &'static str,
}

/// The answer to an items query: a GeoJSON FeatureCollection borrowing from one index snapshot.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemsPage<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub features: Vec<FeatureRef<'a>>,
    pub number_matched: usize,
    pub number_returned: usize,
    pub links: Vec<Link>,
}

/// What follows the features in a serialised [`ItemsPage`] (the same fields in the same order),
/// for a server that caches the features' JSON and writes the rest per request.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemsTail<'p> {
    pub number_matched: usize,
    pub number_returned: usize,
    pub links: &'p [Link],
}

impl<'p> ItemsTail<'p> {
    pub fn of(page: &'p ItemsPage<'_>) -> ItemsTail<'p> {
        ItemsTail { number_matched: page.number_matched, number_returned: page.number_returned, links: &page.links }
    }
}

const WORLD: [f64; 4] = [-180.0, -90.0, 180.0, 90.0];

/// Answers an items query from one snapshot. `base` is the absolute URL of the items resource and
/// `extra` the query string to repeat in paging links (without limit/offset).
pub fn items<'a>(snap: &'a IndexSnapshot, q: &ItemsQuery, base: &str, extra: &str) -> ItemsPage<'a> {
    let (hits, matched) = if q.accepts_all() { first_unfiltered(snap, q) } else { first_filtered(snap, q) };
    page(q, hits, matched, base, extra)
}

/// The first `offset + limit` matches by id, sorted, and the number of matches, for a query
/// with filters: every incident in the bbox is tested, the first ones by id are selected
/// (linear), then only those are sorted.
fn first_filtered<'a>(snap: &'a IndexSnapshot, q: &ItemsQuery) -> (Vec<&'a Incident>, usize) {
    let mut hits: Vec<&Incident> =
        snap.query_bbox_lonlat_unordered(q.bbox.unwrap_or(WORLD)).into_iter().filter(|i| q.accepts(i)).collect();
    let matched = hits.len();
    let wanted = q.offset.saturating_add(q.limit);
    if wanted < hits.len() {
        hits.select_nth_unstable_by_key(wanted, |i| i.id);
        hits.truncate(wanted);
    }
    hits.sort_unstable_by_key(|i| i.id);
    (hits, matched)
}

/// [`first_filtered`] for a query with no filter but the bbox ([`ItemsQuery::accepts_all`]):
/// a line or area place gives its count and its first `offset + limit` mentions only
/// ([`IndexSnapshot::query_bbox_lonlat_lowest`]), not all its mentions.
fn first_unfiltered<'a>(snap: &'a IndexSnapshot, q: &ItemsQuery) -> (Vec<&'a Incident>, usize) {
    snap.query_bbox_lonlat_lowest(q.bbox.unwrap_or(WORLD), q.offset.saturating_add(q.limit))
}

/// The page of `hits` (the first matches by id, sorted) out of `matched`, with its links.
fn page<'a>(q: &ItemsQuery, hits: Vec<&'a Incident>, matched: usize, base: &str, extra: &str) -> ItemsPage<'a> {
    // pages in id order (stable paging)
    debug_assert!(hits.windows(2).all(|w| w[0].id < w[1].id));
    let features: Vec<FeatureRef> =
        hits.into_iter().skip(q.offset).take(q.limit).map(|incident| FeatureRef { incident, zoom: q.zoom }).collect();
    let returned = features.len();
    let sep = if extra.is_empty() { "" } else { "&" };
    let link = |offset: usize, rel: &'static str| Link {
        href: format!("{base}?{extra}{sep}limit={}&offset={offset}", q.limit),
        rel,
        media_type: "application/geo+json",
    };
    let mut links = vec![link(q.offset, "self")];
    if q.offset + returned < matched {
        links.push(link(q.offset + q.limit, "next"));
    }
    if q.offset > 0 {
        links.push(link(q.offset.saturating_sub(q.limit), "prev"));
    }
    ItemsPage { kind: "FeatureCollection", features, number_matched: matched, number_returned: returned, links }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bbox_errors_name_the_problem() {
        let e = ItemsQuery::parse([("bbox", "1,2,3")]).unwrap_err();
        assert_eq!(e.param, "bbox");
        // across the antimeridian (the standard's own example) and with heights
        assert_eq!(
            ItemsQuery::parse([("bbox", "160.6,-55.95,-170,-25.89")]).unwrap().bbox,
            Some([160.6, -55.95, -170.0, -25.89])
        );
        assert_eq!(ItemsQuery::parse([("bbox", "44,38,-10,47,41,100")]).unwrap().bbox, Some([44.0, 38.0, 47.0, 41.0]));
        assert!(ItemsQuery::parse([("bbox", "1,2,3,4,5")]).is_err());
        let e = ItemsQuery::parse([("bbox", "0,60,5,50")]).unwrap_err();
        assert!(e.message.contains("minLat"), "{e}");
        assert!(ItemsQuery::parse([("bbox", "0,NaN,5,50")]).is_err());
        assert_eq!(ItemsQuery::parse([("bbox", "44,38,47,41")]).unwrap().bbox, Some([44.0, 38.0, 47.0, 41.0]));
    }

    #[test]
    fn accepts_all_only_without_filters() {
        let q = |pairs: &[(&str, &str)]| ItemsQuery::parse(pairs.iter().copied()).unwrap();
        let plain =
            [("bbox", "1,2,3,4"), ("limit", "5"), ("offset", "7"), ("zoom", "3"), ("role", "all"), ("f", "json")];
        assert!(q(&plain).accepts_all());
        for filter in [
            ("datetime", "2021-05-01/.."),
            ("kind", "country"),
            ("precision", "3"),
            ("role", "event"),
            ("role", "context"),
            ("q", "kyiv"),
            ("filter", "precision = 3"),
        ] {
            assert!(!q(&[filter]).accepts_all(), "{filter:?}");
        }
    }

    #[test]
    fn unfiltered_pages_equal_the_filtered_path() {
        let idx = crate::index::mixed_test_index();
        let snap = idx.snapshot();
        let json = |p: &ItemsPage| serde_json::to_string(p).unwrap();
        let mut compared = 0;
        for bbox in ["-180,-90,180,90", "15,35,35,55", "24,44,25,45", "170,-30,-170,0", "170,-10,160,12", "-12,5,-4,16"]
        {
            for (offset, limit) in [(0, 1), (0, 10), (3, 7), (10, 100), (95, 10), (0, 10_000), (400, 50), (5000, 3)] {
                let (o, l) = (offset.to_string(), limit.to_string());
                let q = ItemsQuery::parse([("bbox", bbox), ("offset", o.as_str()), ("limit", l.as_str())]).unwrap();
                assert!(q.accepts_all());
                let page_of = |(hits, matched)| page(&q, hits, matched, "http://x/items", "bbox=b");
                // the reference: every match, sorted, filtered, then the page's first ones
                let all: Vec<&Incident> =
                    snap.query_bbox_lonlat(q.bbox.unwrap()).into_iter().filter(|i| q.accepts(i)).collect();
                let first = all[..(offset + limit).min(all.len())].to_vec();
                let want = json(&page_of((first, all.len())));
                assert_eq!(json(&page_of(first_filtered(&snap, &q))), want, "{bbox} {offset} {limit}");
                assert_eq!(json(&items(&snap, &q, "http://x/items", "bbox=b")), want, "{bbox} {offset} {limit}");
                compared += usize::from(all.len() > offset);
            }
        }
        assert!(compared > 25, "{compared}");
    }

    #[test]
    fn limits_and_datetime() {
        let q = ItemsQuery::parse([("limit", "100000")]).unwrap();
        assert_eq!((q.limit, q.limit_asked), (MAX_LIMIT, Some(100_000)));
        assert_eq!(ItemsQuery::parse([("limit", "-1")]).unwrap_err().param, "limit");
        assert_eq!(ItemsQuery::parse([("limit", "0")]).unwrap_err().param, "limit");
        let q = ItemsQuery::parse([("datetime", "2021-05-01/..")]).unwrap();
        assert_eq!(q.datetime.map(|d| (d.start, d.end)), Some((date_to_unix("2021-05-01"), None)));
        assert!(ItemsQuery::parse([("datetime", "2021-06-01/2021-05-01")]).is_err());
        assert_eq!(ItemsQuery::parse([("datetime", "2021-02-31")]).unwrap_err().param, "datetime");
        let e = ItemsQuery::parse([("colour", "red")]).unwrap_err();
        assert_eq!(e.param, "colour");
        assert!(e.to_string().contains("unknown parameter `colour`"), "{e}");
        assert_eq!(ItemsQuery::parse([("bbox-crs", "EPSG:3857")]).unwrap_err().param, "bbox-crs");
    }
}
