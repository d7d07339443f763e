//! The incident schema: the one definition of what a mention on the map carries.
//!
//! Contract: [`MENTION_FIELDS`], [`AGGREGATE_FIELDS`] and [`CLUSTER_FIELDS`] list every property a
//! feature can carry (name, type, meaning); [`visit`] emits the properties of one incident in that
//! order and is the only code that turns an incident into named values. The OGC items
//! (`features`), the tile tags (`tiles`), TileJSON's `vector_layers.fields` (`http`) and the text
//! search all derive from these, so popup fields, API properties and tile attributes cannot drift
//! apart; the web map reads the same names. A test checks that every emitted name is listed.
//! Shared per-article data ([`ArticleMeta`]) is held once per article, not once per mention.
//! Not for: geometry (that is `index::Place`) or storage (that is `store`).

use serde_json::{Map, Value};
use std::sync::Arc;

/// The type of a property, as TileJSON names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Number,
    String,
    Boolean,
    /// JSON object: in GeoJSON only, never a tile tag.
    Object,
}

impl FieldType {
    pub fn tilejson(self) -> &'static str {
        match self {
            FieldType::Number => "Number",
            FieldType::String => "String",
            FieldType::Boolean => "Boolean",
            FieldType::Object => "Object",
        }
    }
}

/// One property of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub ty: FieldType,
    pub doc: &'static str,
    /// Kept when a tile is over budget and thinned to the essentials.
    pub essential: bool,
}

const fn f(name: &'static str, ty: FieldType, doc: &'static str, essential: bool) -> Field {
    Field { name, ty, doc, essential }
}

use FieldType::{Boolean, Number, Object, String as Str};

/// The properties of one mention, in the order they are emitted.
pub const MENTION_FIELDS: &[Field] = &[
    f("mention_id", Number, "id of the mention (also the feature id)", true),
    f("place_id", Str, "gazetteer id of the place", false),
    f("place_name", Str, "gazetteer name of the place", true),
    f("name", Str, "the words of the article that name the place", true),
    f("kind", Str, "gazetteer kind: settlement, admin1, country, corridor, ...", true),
    f("precision", Number, "UCDP where_prec 1 (exact) .. 7 (country)", true),
    f("geo_precision", Number, "ACLED geo_precision 1 .. 3", false),
    f("confidence", Number, "geoparser confidence 0 .. 1", false),
    f(EVENT, Boolean, "the event site (true) or context (false: dateline, a government, ...); absent: not read", true),
    f(LITERAL, Boolean, "the place itself (true) or standing for a government, people, team (false)", false),
    f(ROLE_REASON, Str, "why a mention is context (\"dateline\", \"named as a government\", ...)", false),
    f(
        REVIEW,
        Str,
        "analyst's review: verified, corrected or rejected (only with review=rejected); absent: pending",
        true,
    ),
    f("review_note", Str, "the analyst's note", false),
    f("reviewed_by", Str, "who reviewed it", false),
    f("reviewed_at", Str, "when it was reviewed, UTC", false),
    f("original_place_id", Str, "a corrected incident: the gazetteer id the geoparser chose", false),
    f("original_place_name", Str, "a corrected incident: the place the geoparser chose", false),
    f("article_id", Number, "id of the article", false),
    f("title", Str, "article title", false),
    f("url", Str, "article URL", false),
    f("source", Str, "article source", false),
    f("published", Str, "article date, YYYY-MM-DD", true),
    f("time", Number, "article date, unix seconds", true),
    f("quote", Str, "the sentence naming the place", false),
    f("quote_start", Number, "start of the name in the quote, code points", false),
    f("quote_end", Number, "end of the name in the quote, code points", false),
    f("lon", Number, "representative point, longitude", false),
    f("lat", Number, "representative point, latitude", false),
    f("relation", Object, "how the place was qualified (near, border of, ...)", false),
];

/// Property names of the geoparser's role reading (`sitrep geoparse` predictions,
/// `/api/geoparse` features, and stored mentions on the map): literal or not, event site or
/// context, and why context.
pub const LITERAL: &str = "literal";
pub const EVENT: &str = "event";
pub const ROLE_REASON: &str = "role_reason";
/// Property name of an analyst's review status.
pub const REVIEW: &str = "review";

/// What the mentions of one area or line in a tile add up to (every zoom).
pub const AGGREGATE_FIELDS: &[Field] = &[
    f("mention_count", Number, "mentions of this place drawn as this feature", true),
    f("event_count", Number, "how many of them are event sites (not context)", true),
    f("first_time", Number, "earliest article date among them, unix seconds", false),
    f("last_time", Number, "latest article date among them, unix seconds", false),
];

/// The properties of a point cluster (low zooms).
pub const CLUSTER_FIELDS: &[Field] = &[
    f("cluster", Boolean, "true for a cluster", true),
    f("cluster_id", Number, "stable id of the cluster", true),
    f("point_count", Number, "points in the cluster", true),
    f("point_count_abbreviated", Str, "point_count as 950, 1.2k, 15k", true),
    f("expansion_zoom", Number, "the zoom at which the cluster splits into several features", true),
    f("min_lon", Number, "west edge of the cluster's points", true),
    f("min_lat", Number, "south edge of the cluster's points", true),
    f("max_lon", Number, "east edge of the cluster's points", true),
    f("max_lat", Number, "north edge of the cluster's points", true),
];

/// Whether a property name is essential (see [`Field::essential`]).
pub fn is_essential(name: &str) -> bool {
    MENTION_FIELDS.iter().chain(AGGREGATE_FIELDS).chain(CLUSTER_FIELDS).any(|f| f.name == name && f.essential)
}

/// The article a mention comes from: held once per article and shared by its mentions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArticleMeta {
    pub id: i64,
    pub title: Option<Box<str>>,
    pub url: Option<Box<str>>,
    pub source: Option<Box<str>>,
    /// YYYY-MM-DD.
    pub published: Option<Box<str>>,
}

/// What a mention carries beyond its place, precision and time.
#[derive(Debug, Clone, PartialEq)]
pub struct MentionProps {
    pub article: Arc<ArticleMeta>,
    /// The words of the article that name the place.
    pub surface: Box<str>,
    pub geo_precision: u8,
    pub confidence: f32,
    /// The sentence naming the place, and the name's code-point offsets in it.
    pub quote: Box<str>,
    pub quote_start: u32,
    pub quote_end: u32,
    pub relation: Option<Box<Value>>,
    /// The role reading (`None`: stored before roles were kept).
    pub literal: Option<bool>,
    pub event: Option<bool>,
    pub role_reason: Option<Box<str>>,
    /// An analyst's current review (`None`: pending, the machine's reading as it was).
    pub review: Option<Box<ReviewProps>>,
}

/// What an analyst's review adds to a mention on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewProps {
    /// The review's seq in the store (grows with each review).
    pub seq: i64,
    /// `verified`, `rejected` or `corrected`.
    pub status: &'static str,
    pub note: Option<Box<str>>,
    pub by: Box<str>,
    pub at: Box<str>,
    /// A correction: the place the geoparser chose (id, name).
    pub original: Option<(Box<str>, Box<str>)>,
}

impl Props {
    /// A mention read as context rather than the event site (`false` when its role was not read,
    /// and for loaded GeoJSON features: those show as before).
    pub fn is_context(&self) -> bool {
        matches!(self, Props::Mention(m) if m.event == Some(false))
    }

    /// The analyst's review status (`None`: pending, or a loaded GeoJSON feature).
    pub fn review_status(&self) -> Option<&'static str> {
        match self {
            Props::Mention(m) => m.review.as_ref().map(|r| r.status),
            Props::Json(_) => None,
        }
    }
}

/// An incident's properties: a stored mention, or the properties of a loaded GeoJSON feature
/// (the `--load-geojson` benchmark aid), kept as they were.
#[derive(Debug, Clone, PartialEq)]
pub enum Props {
    Mention(MentionProps),
    Json(Map<String, Value>),
}

impl Default for Props {
    fn default() -> Self {
        Props::Json(Map::new())
    }
}

/// One property value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val<'a> {
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    Json(&'a Value),
}

impl serde::Serialize for Val<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Val::Str(v) => s.serialize_str(v),
            Val::Int(v) => s.serialize_i64(v),
            Val::Float(v) => s.serialize_f64(v),
            Val::Bool(v) => s.serialize_bool(v),
            Val::Json(v) => v.serialize(s),
        }
    }
}

/// What [`visit`] needs of an incident: the index's `Incident` implements it.
pub trait Subject {
    fn id(&self) -> u64;
    fn place_id(&self) -> Option<&str>;
    fn place_name(&self) -> &str;
    fn kind(&self) -> &str;
    fn precision(&self) -> u8;
    fn time(&self) -> Option<i64>;
    fn point(&self) -> (f64, f64);
    fn props(&self) -> &Props;
}

fn round(v: f64, scale: f64) -> f64 {
    (v * scale).round() / scale
}

/// Emits the properties of `s` in [`MENTION_FIELDS`] order (absent ones are skipped); a loaded
/// GeoJSON feature emits its own properties as they are.
pub fn visit<'a>(s: &'a impl Subject, out: &mut impl FnMut(&'a str, Val<'a>)) {
    let m = match s.props() {
        Props::Json(map) => {
            for (k, v) in map {
                let v = match v {
                    Value::String(x) => Val::Str(x),
                    Value::Bool(b) => Val::Bool(*b),
                    Value::Number(n) => match n.as_i64() {
                        Some(i) => Val::Int(i),
                        None => Val::Float(n.as_f64().unwrap_or(0.0)),
                    },
                    other => Val::Json(other),
                };
                out(k, v);
            }
            return;
        }
        Props::Mention(m) => m,
    };
    out("mention_id", Val::Int(s.id() as i64));
    if let Some(p) = s.place_id() {
        out("place_id", Val::Str(p));
    }
    out("place_name", Val::Str(s.place_name()));
    out("name", Val::Str(&m.surface));
    out("kind", Val::Str(s.kind()));
    out("precision", Val::Int(i64::from(s.precision())));
    out("geo_precision", Val::Int(i64::from(m.geo_precision)));
    out("confidence", Val::Float(round(f64::from(m.confidence), 1000.0)));
    if let Some(e) = m.event {
        out(EVENT, Val::Bool(e));
    }
    if let Some(l) = m.literal {
        out(LITERAL, Val::Bool(l));
    }
    if let Some(r) = &m.role_reason {
        out(ROLE_REASON, Val::Str(r));
    }
    if let Some(r) = &m.review {
        out(REVIEW, Val::Str(r.status));
        if let Some(n) = &r.note {
            out("review_note", Val::Str(n));
        }
        out("reviewed_by", Val::Str(&r.by));
        out("reviewed_at", Val::Str(&r.at));
        if let Some((id, name)) = &r.original {
            out("original_place_id", Val::Str(id));
            out("original_place_name", Val::Str(name));
        }
    }
    out("article_id", Val::Int(m.article.id));
    for (k, v) in [
        ("title", &m.article.title),
        ("url", &m.article.url),
        ("source", &m.article.source),
        ("published", &m.article.published),
    ] {
        if let Some(v) = v {
            out(k, Val::Str(v));
        }
    }
    if let Some(t) = s.time() {
        out("time", Val::Int(t));
    }
    out("quote", Val::Str(&m.quote));
    out("quote_start", Val::Int(i64::from(m.quote_start)));
    out("quote_end", Val::Int(i64::from(m.quote_end)));
    let (lon, lat) = s.point();
    out("lon", Val::Float(round(lon, 1e5)));
    out("lat", Val::Float(round(lat, 1e5)));
    if let Some(r) = &m.relation {
        out("relation", Val::Json(r));
    }
}

/// The text fields the `q` filter searches, lower-cased match of `needle` (already lower case).
pub fn text_matches(s: &impl Subject, needle: &str) -> bool {
    let hit = |v: &str| v.to_lowercase().contains(needle);
    match s.props() {
        Props::Json(map) => ["place_name", "name", "title", "quote", "source"]
            .iter()
            .any(|k| map.get(*k).and_then(Value::as_str).is_some_and(hit)),
        Props::Mention(m) => {
            hit(s.place_name())
                || hit(&m.surface)
                || hit(&m.quote)
                || m.article.title.as_deref().is_some_and(hit)
                || m.article.source.as_deref().is_some_and(hit)
        }
    }
}

/// The property `name` of `s`, if it has one (used for the popup's latest-article fields).
pub fn get<'a>(s: &'a impl Subject, name: &str) -> Option<Val<'a>> {
    let mut found = None;
    visit(s, &mut |k, v| {
        if found.is_none() && k == name {
            found = Some(v);
        }
    });
    found
}

/// `{name: type}` of the given field lists, as TileJSON's `vector_layers.fields` (objects left out:
/// they are never tile tags).
pub fn tilejson_fields(lists: &[&[Field]]) -> Map<String, Value> {
    lists
        .iter()
        .flat_map(|l| l.iter())
        .filter(|f| f.ty != FieldType::Object)
        .map(|f| (f.name.to_string(), Value::String(f.ty.tilejson().into())))
        .collect()
}
