//! OGC API Features, Part 1 Core, over the incident index: query parsing and GeoJSON responses.
//!
//! Contract: [`ItemsQuery::parse`] turns the query string of `/collections/incidents/items` into a
//! validated query or a [`QueryError`] naming the bad parameter; [`items`] answers it from one index
//! snapshot as a GeoJSON FeatureCollection with `numberMatched`, `numberReturned` and next/prev links,
//! ordered by incident id so paging is stable. [`incident`] turns a stored mention into an index
//! incident (geometry, layer by geometry type, popup properties, time).
//! Not for: HTTP plumbing (that is `http`), or tiles.

use crate::index::{Incident, IndexSnapshot, Layer};
use crate::store::StoredMention;
use geo_types::Geometry;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};

pub const COLLECTION: &str = "incidents";
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 10_000;

/// A query parameter the client got wrong.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("invalid parameter `{param}`: {message}")]
pub struct QueryError {
    pub param: &'static str,
    pub message: String,
}

fn qerr(param: &'static str, message: impl Into<String>) -> QueryError {
    QueryError { param, message: message.into() }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Unix seconds at 00:00 UTC of a `YYYY-MM-DD` date (a longer RFC 3339 string is cut to its date).
pub fn date_to_unix(s: &str) -> Option<i64> {
    let s = s.get(..10)?;
    let mut it = s.split('-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.parse().ok()?;
    if it.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) || s.as_bytes()[4] != b'-' {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400)
}

/// Which tile layer a geometry belongs to.
pub fn layer_of(g: &Geometry<f64>) -> Layer {
    match g {
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => Layer::Areas,
        Geometry::LineString(_) | Geometry::MultiLineString(_) | Geometry::Line(_) => Layer::Lines,
        _ => Layer::Incidents,
    }
}

/// The map incident of a stored mention, with the popup properties of the tile and API schema.
pub fn incident(m: &StoredMention) -> Incident {
    let time = m.published.as_deref().and_then(date_to_unix);
    let quote_start = (m.start - m.sentence_start).max(0);
    let quote_end = (m.end - m.sentence_start).max(quote_start);
    let mut props = Map::new();
    props.insert("mention_id".into(), json!(m.id));
    props.insert("place_id".into(), json!(m.place_id));
    props.insert("place_name".into(), json!(m.place_name));
    props.insert("name".into(), json!(m.surface));
    props.insert("kind".into(), json!(m.kind));
    props.insert("precision".into(), json!(m.precision));
    props.insert("geo_precision".into(), json!(m.geo_precision));
    props.insert("confidence".into(), json!((m.confidence * 1000.0).round() / 1000.0));
    props.insert("article_id".into(), json!(m.article_id));
    for (k, v) in [("title", &m.title), ("url", &m.url), ("source", &m.source), ("published", &m.published)] {
        if let Some(v) = v {
            props.insert(k.into(), json!(v));
        }
    }
    if let Some(t) = time {
        props.insert("time".into(), json!(t));
    }
    props.insert("quote".into(), json!(m.sentence));
    props.insert("quote_start".into(), json!(quote_start));
    props.insert("quote_end".into(), json!(quote_end));
    props.insert("lon".into(), json!((m.point.x() * 1e5).round() / 1e5));
    props.insert("lat".into(), json!((m.point.y() * 1e5).round() / 1e5));
    if let Some(r) = &m.relation {
        props.insert("relation".into(), r.clone());
    }
    Incident {
        id: m.id as u64,
        layer: layer_of(&m.geometry),
        geometry: m.geometry.clone(),
        point: m.point,
        kind: m.kind.clone(),
        precision: m.precision,
        time,
        props,
    }
}

/// A validated items query.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemsQuery {
    pub bbox: Option<[f64; 4]>,
    /// Inclusive range in unix seconds; an open end is `None`.
    pub datetime: Option<(Option<i64>, Option<i64>)>,
    pub limit: usize,
    pub offset: usize,
    pub kinds: Vec<String>,
    pub precisions: Vec<u8>,
    pub q: Option<String>,
}

fn parse_bbox(s: &str) -> Result<[f64; 4], QueryError> {
    let parts: Vec<&str> = s.split(',').collect();
    if parts.len() != 4 {
        return Err(qerr("bbox", "expected four numbers minLon,minLat,maxLon,maxLat"));
    }
    let mut b = [0.0; 4];
    for (i, p) in parts.iter().enumerate() {
        b[i] = p.trim().parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| qerr("bbox", format!("{p:?} is not a number")))?;
    }
    if !(-180.0..=180.0).contains(&b[0]) || !(-180.0..=180.0).contains(&b[2]) {
        return Err(qerr("bbox", "longitudes must lie in -180..180"));
    }
    if !(-90.0..=90.0).contains(&b[1]) || !(-90.0..=90.0).contains(&b[3]) {
        return Err(qerr("bbox", "latitudes must lie in -90..90"));
    }
    if b[1] > b[3] {
        return Err(qerr("bbox", "minLat is greater than maxLat"));
    }
    if b[0] > b[2] {
        return Err(qerr("bbox", "minLon is greater than maxLon (boxes across the antimeridian are not supported; send two queries)"));
    }
    Ok(b)
}

fn parse_instant(s: &str, param: &'static str) -> Result<Option<i64>, QueryError> {
    if s.is_empty() || s == ".." {
        return Ok(None);
    }
    date_to_unix(s).map(Some).ok_or_else(|| qerr(param, format!("{s:?} is not a date (YYYY-MM-DD or RFC 3339)")))
}

fn parse_datetime(s: &str) -> Result<(Option<i64>, Option<i64>), QueryError> {
    match s.split_once('/') {
        Some((a, b)) => {
            let (a, b) = (parse_instant(a, "datetime")?, parse_instant(b, "datetime")?);
            if let (Some(a), Some(b)) = (a, b) {
                if a > b {
                    return Err(qerr("datetime", "the interval ends before it starts"));
                }
            }
            Ok((a, b))
        }
        None => {
            let t = parse_instant(s, "datetime")?.ok_or_else(|| qerr("datetime", "empty"))?;
            Ok((Some(t), Some(t)))
        }
    }
}

impl ItemsQuery {
    /// Parses `(name, value)` pairs of a query string. Unknown parameters are rejected, as OGC API
    /// Features recommends, so a typo never silently widens a query.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<ItemsQuery, QueryError> {
        let mut q = ItemsQuery {
            bbox: None,
            datetime: None,
            limit: DEFAULT_LIMIT,
            offset: 0,
            kinds: vec![],
            precisions: vec![],
            q: None,
        };
        for (k, v) in pairs {
            match k {
                "bbox" => q.bbox = Some(parse_bbox(v)?),
                "datetime" => q.datetime = Some(parse_datetime(v)?),
                "limit" => {
                    let n: usize = v.parse().map_err(|_| qerr("limit", format!("{v:?} is not a positive integer")))?;
                    if n == 0 || n > MAX_LIMIT {
                        return Err(qerr("limit", format!("must be between 1 and {MAX_LIMIT}; page with the `next` link")));
                    }
                    q.limit = n;
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
                "q" => q.q = Some(v.to_lowercase()).filter(|s| !s.is_empty()),
                "f" => {
                    if !matches!(v, "json" | "geojson") {
                        return Err(qerr("f", "only f=json (GeoJSON) is offered"));
                    }
                }
                "bbox-crs" | "crs" => {
                    if !v.ends_with("CRS84") {
                        return Err(qerr("crs", "only http://www.opengis.net/def/crs/OGC/1.3/CRS84 is offered"));
                    }
                }
                other => {
                    return Err(QueryError {
                        param: "query",
                        message: format!("unknown parameter `{other}`; known: bbox, datetime, limit, offset, kind, precision, q"),
                    })
                }
            }
        }
        Ok(q)
    }

    /// Whether an incident passes the non-spatial filters.
    pub fn accepts(&self, i: &Incident) -> bool {
        if let Some((from, to)) = self.datetime {
            match i.time {
                None => return false,
                Some(t) => {
                    if from.is_some_and(|f| t < f) || to.is_some_and(|e| t > e) {
                        return false;
                    }
                }
            }
        }
        if !self.kinds.is_empty() && !self.kinds.iter().any(|k| *k == i.kind) {
            return false;
        }
        if !self.precisions.is_empty() && !self.precisions.contains(&i.precision) {
            return false;
        }
        if let Some(q) = &self.q {
            let hit = ["place_name", "name", "title", "quote", "source"].iter().any(|k| {
                i.props.get(*k).and_then(Value::as_str).is_some_and(|s| s.to_lowercase().contains(q.as_str()))
            });
            if !hit {
                return false;
            }
        }
        true
    }
}

/// The GeoJSON feature of an incident.
pub fn feature(i: &Incident) -> Value {
    serde_json::to_value(FeatureRef(i)).unwrap_or(Value::Null)
}

/// One incident as a GeoJSON Feature, serialised straight from the index (no copy of its
/// properties or coordinates).
pub struct FeatureRef<'a>(pub &'a Incident);

/// A position or a ring/line of positions, serialised as GeoJSON arrays.
struct Coords<'a>(&'a [geo_types::Coord<f64>]);

impl Serialize for Coords<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for c in self.0 {
            seq.serialize_element(&[c.x, c.y])?;
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
                m.serialize_entry("coordinates", &[p.x(), p.y()])?;
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
        let i = self.0;
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("type", "Feature")?;
        m.serialize_entry("id", &i.id)?;
        m.serialize_entry("geometry", &GeometryRef(&i.geometry))?;
        m.serialize_entry("properties", &i.props)?;
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

const WORLD: [f64; 4] = [-180.0, -90.0, 180.0, 90.0];

/// Answers an items query from one snapshot. `base` is the absolute URL of the items resource and
/// `extra` the query string to repeat in paging links (without limit/offset).
pub fn items<'a>(snap: &'a IndexSnapshot, q: &ItemsQuery, base: &str, extra: &str) -> ItemsPage<'a> {
    // query_bbox_lonlat answers in id order, which the filter keeps: paging is stable
    let hits: Vec<&Incident> = snap.query_bbox_lonlat(q.bbox.unwrap_or(WORLD)).into_iter().filter(|i| q.accepts(i)).collect();
    debug_assert!(hits.windows(2).all(|w| w[0].id < w[1].id));
    let matched = hits.len();
    let features: Vec<FeatureRef> = hits.into_iter().skip(q.offset).take(q.limit).map(FeatureRef).collect();
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
    fn dates() {
        assert_eq!(date_to_unix("1970-01-01"), Some(0));
        assert_eq!(date_to_unix("2021-05-14"), Some(1_620_950_400));
        assert_eq!(date_to_unix("2021-05-14T10:00:00Z"), Some(1_620_950_400));
        assert_eq!(date_to_unix("2021-13-01"), None);
        assert_eq!(date_to_unix("yesterday"), None);
    }

    #[test]
    fn bbox_errors_name_the_problem() {
        let e = ItemsQuery::parse([("bbox", "1,2,3")]).unwrap_err();
        assert_eq!(e.param, "bbox");
        let e = ItemsQuery::parse([("bbox", "10,50,5,60")]).unwrap_err();
        assert!(e.message.contains("minLon"), "{e}");
        let e = ItemsQuery::parse([("bbox", "0,60,5,50")]).unwrap_err();
        assert!(e.message.contains("minLat"), "{e}");
        assert!(ItemsQuery::parse([("bbox", "0,NaN,5,50")]).is_err());
        assert_eq!(ItemsQuery::parse([("bbox", "44,38,47,41")]).unwrap().bbox, Some([44.0, 38.0, 47.0, 41.0]));
    }

    #[test]
    fn limits_and_datetime() {
        assert_eq!(ItemsQuery::parse([("limit", "100000")]).unwrap_err().param, "limit");
        assert_eq!(ItemsQuery::parse([("limit", "-1")]).unwrap_err().param, "limit");
        let q = ItemsQuery::parse([("datetime", "2021-05-01/..")]).unwrap();
        assert_eq!(q.datetime, Some((date_to_unix("2021-05-01"), None)));
        assert!(ItemsQuery::parse([("datetime", "2021-06-01/2021-05-01")]).is_err());
        assert_eq!(ItemsQuery::parse([("colour", "red")]).unwrap_err().param, "query");
    }
}
