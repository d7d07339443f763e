//! CQL2 filters of the incidents (OGC API Features Part 3, OGC 21-065r2 CQL2), compiled once and
//! evaluated per incident.
//!
//! Contract: [`Filter::parse`] reads a `filter` in cql2-text or cql2-json (the `cql2` crate parses
//! and normalises both into one expression tree) and compiles it against the incident schema
//! ([`crate::schema::MENTION_FIELDS`], plus `geometry` and `datetime`, see [`queryables`]): an
//! unknown property, an operand of the wrong type or an operator that is not offered is a
//! [`FilterError`] naming it, never a filter that silently matches nothing. [`Filter::matches`]
//! evaluates the compiled filter on one incident with SQL's three-valued logic (a missing property
//! is NULL; only TRUE matches). [`Filter::normalized`] is the canonical cql2-text of the filter:
//! two spellings of one filter (text or JSON, `and` nesting, keyword case) give the same text, so
//! it serves as a cache key.
//!
//! Offered: `=, <>, <, <=, >, >=`, `AND/OR/NOT`, `LIKE` (`%`, `_`, `\` escapes), `IN`, `BETWEEN`,
//! `IS [NOT] NULL`, `CASEI`, `S_INTERSECTS` of `geometry` with a `BBOX` or any WKT/GeoJSON
//! geometry (CRS84), and `T_INTERSECTS`, `T_DISJOINT`, `T_BEFORE`, `T_AFTER` of `datetime` with a
//! `DATE`, `TIMESTAMP` or `INTERVAL`. An incident's time is the day of its article: `datetime` is
//! that whole day in the temporal operators and its start (00:00Z) in comparisons.
//! Not for: parsing the other items parameters (`features`), or HTTP.

use crate::index::Incident;
use crate::schema::{FieldType, Val, MENTION_FIELDS};
use cql2::Expr;
use geo::Intersects;
use geo_types::Geometry;
use std::borrow::Cow;

/// How the `filter` parameter is written (`filter-lang`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterLang {
    Cql2Text,
    Cql2Json,
}

impl FilterLang {
    /// The `filter-lang` value, or `None` for one not offered.
    pub fn parse(s: &str) -> Option<FilterLang> {
        match s {
            "cql2-text" => Some(FilterLang::Cql2Text),
            "cql2-json" => Some(FilterLang::Cql2Json),
            _ => None,
        }
    }
}

/// Why a filter was refused (each a 400 for the client).
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum FilterError {
    #[error("not valid {lang}: {message}")]
    Syntax { lang: &'static str, message: String },
    #[error("unknown property `{0}`; the queryables are {queryables} (see /collections/incidents/queryables)", queryables = queryable_names())]
    UnknownProperty(String),
    #[error("type mismatch: {0}")]
    Type(String),
    #[error("not offered: {0}")]
    Unsupported(String),
}

/// The static type of an operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Number,
    String,
    Boolean,
    /// An instant (unix seconds); the incident's `datetime`, a `DATE` or `TIMESTAMP`.
    Time,
    /// A literal of unknown type (NULL).
    Null,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Number => "number",
            Ty::String => "string",
            Ty::Boolean => "boolean",
            Ty::Time => "date-time",
            Ty::Null => "null",
        }
    }
}

/// A property of the incident schema, or a literal.
#[derive(Debug, Clone)]
enum Operand {
    Prop {
        name: &'static str,
        ty: Ty,
    },
    /// The incident's time (its article's day start).
    Datetime,
    Num(f64),
    Str(String),
    Bool(bool),
    Time(i64),
    Null,
    /// `CASEI(x)`: the string lower-cased.
    CaseI(Box<Operand>),
}

/// One value of an operand on one incident.
#[derive(Debug, Clone, PartialEq)]
enum V<'a> {
    Num(f64),
    Str(Cow<'a, str>),
    Bool(bool),
    Null,
}

impl Operand {
    fn ty(&self) -> Ty {
        match self {
            Operand::Prop { ty, .. } => *ty,
            Operand::Datetime | Operand::Time(_) => Ty::Time,
            Operand::Num(_) => Ty::Number,
            Operand::Str(_) | Operand::CaseI(_) => Ty::String,
            Operand::Bool(_) => Ty::Boolean,
            Operand::Null => Ty::Null,
        }
    }

    fn eval<'a>(&'a self, i: &'a Incident) -> V<'a> {
        match self {
            Operand::Prop { name, .. } => match crate::schema::get(i, name) {
                Some(Val::Str(s)) => V::Str(Cow::Borrowed(s)),
                Some(Val::Int(n)) => V::Num(n as f64),
                Some(Val::Float(f)) => V::Num(f),
                Some(Val::Bool(b)) => V::Bool(b),
                Some(Val::Json(_)) | None => V::Null,
            },
            Operand::Datetime => i.time.map_or(V::Null, |t| V::Num(t as f64)),
            Operand::Num(n) => V::Num(*n),
            Operand::Time(t) => V::Num(*t as f64),
            Operand::Str(s) => V::Str(Cow::Borrowed(s)),
            Operand::Bool(b) => V::Bool(*b),
            Operand::Null => V::Null,
            Operand::CaseI(inner) => match inner.eval(i) {
                V::Str(s) => V::Str(Cow::Owned(s.to_lowercase())),
                other => other,
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Temporal {
    Intersects,
    Disjoint,
    Before,
    After,
}

/// The compiled filter.
#[derive(Debug, Clone)]
enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Cmp(Cmp, Operand, Operand),
    Like(Operand, String),
    In(Operand, Vec<Operand>),
    Between(Operand, Operand, Operand),
    IsNull(Operand),
    Const(Option<bool>),
    /// `S_INTERSECTS(geometry, g)`, with `g`'s bounding box for a quick refusal.
    Intersects(Box<Geometry<f64>>, Option<geo_types::Rect<f64>>),
    /// A temporal operator between the incident's day and `[start, end]` (unix seconds, inclusive).
    Temporal(Temporal, i64, i64),
}

/// A compiled CQL2 filter over the incidents.
#[derive(Debug, Clone)]
pub struct Filter {
    root: Node,
    normalized: String,
}

impl PartialEq for Filter {
    fn eq(&self, other: &Filter) -> bool {
        self.normalized == other.normalized
    }
}

/// Largest filter accepted, in bytes (the parser is recursive: nesting is bounded by this too).
pub const MAX_FILTER_BYTES: usize = 16 * 1024;
/// Deepest nesting of a filter accepted.
const MAX_DEPTH: usize = 64;

const DAY: i64 = 86_400;

/// The names a filter can use: the schema's properties (objects left out), `geometry` and
/// `datetime`.
pub fn queryable_names() -> String {
    let mut names: Vec<&str> = vec!["geometry", "datetime"];
    names.extend(MENTION_FIELDS.iter().filter(|f| f.ty != FieldType::Object).map(|f| f.name));
    names.join(", ")
}

/// `/collections/incidents/queryables`: a JSON Schema (2020-12) of what a filter can name, from
/// the incident schema ([`crate::schema::MENTION_FIELDS`]) plus `geometry` and `datetime`.
pub fn queryables(self_url: &str) -> serde_json::Value {
    use serde_json::{json, Map, Value};
    let mut props = Map::new();
    props.insert(
        "geometry".into(),
        json!({"title": "geometry", "description": "the place's geometry (CRS84)", "format": "geometry-any"}),
    );
    props.insert(
        "datetime".into(),
        json!({"title": "datetime", "description": "the day of the article (an interval of one day in temporal operators)", "type": "string", "format": "date-time"}),
    );
    for f in MENTION_FIELDS.iter().filter(|f| f.ty != FieldType::Object) {
        let ty = match f.ty {
            FieldType::Number if is_integer(f.name) => "integer",
            FieldType::Number => "number",
            FieldType::String => "string",
            FieldType::Boolean => "boolean",
            FieldType::Object => continue,
        };
        props.insert(f.name.into(), json!({"title": f.name, "description": f.doc, "type": ty}));
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": self_url,
        "type": "object",
        "title": "Incidents",
        "description": "The properties a CQL2 filter of /collections/incidents/items can name",
        "properties": Value::Object(props),
        "additionalProperties": false
    })
}

/// Whether a numeric property holds integers only (from its meaning in the schema).
fn is_integer(name: &str) -> bool {
    !matches!(name, "confidence" | "lon" | "lat")
}

fn field_ty(name: &str) -> Result<Operand, FilterError> {
    if name == "datetime" {
        return Ok(Operand::Datetime);
    }
    let f = MENTION_FIELDS.iter().find(|f| f.name == name).ok_or_else(|| FilterError::UnknownProperty(name.into()))?;
    let ty = match f.ty {
        FieldType::Number => Ty::Number,
        FieldType::String => Ty::String,
        FieldType::Boolean => Ty::Boolean,
        FieldType::Object => {
            return Err(FilterError::Unsupported(format!("property `{name}` is an object and cannot be filtered on")))
        }
    };
    Ok(Operand::Prop { name: f.name, ty })
}

/// Unix seconds of a CQL2 instant or date (`2021-05-14`, `2021-05-14T20:00:00-10:00`).
fn instant(s: &str) -> Result<i64, FilterError> {
    if let Some(t) = crate::datetime::date_to_unix(s) {
        return Ok(t);
    }
    s.parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .map_err(|e| FilterError::Type(format!("{s:?} is not a date or an RFC 3339 timestamp: {e}")))
}

fn literal_text(e: &Expr) -> Option<&str> {
    match e {
        Expr::Literal(s) => Some(s),
        _ => None,
    }
}

/// `[start, end]` (inclusive) of a temporal literal: a day, an instant or an interval.
fn time_range(e: &Expr) -> Result<(i64, i64), FilterError> {
    let bound = |b: &Expr, open: i64, end: bool| -> Result<i64, FilterError> {
        let inner = match b {
            Expr::Date { date } => date.as_ref(),
            Expr::Timestamp { timestamp } => timestamp.as_ref(),
            other => other,
        };
        let s = literal_text(inner)
            .ok_or_else(|| FilterError::Type("an interval bound must be a date, a timestamp or '..'".into()))?;
        if s == ".." {
            return Ok(open);
        }
        let t = instant(s)?;
        // a date as the end of an interval takes its whole day
        Ok(if end && crate::datetime::date_to_unix(s).is_some() { t + DAY - 1 } else { t })
    };
    match e {
        Expr::Date { date } => {
            let t = instant(literal_text(date).unwrap_or(""))?;
            Ok((t, t + DAY - 1))
        }
        Expr::Timestamp { timestamp } => {
            let t = instant(literal_text(timestamp).unwrap_or(""))?;
            Ok((t, t))
        }
        Expr::Interval { interval } if interval.len() == 2 => {
            let (a, b) = (bound(&interval[0], i64::MIN, false)?, bound(&interval[1], i64::MAX, true)?);
            if a > b {
                return Err(FilterError::Type("the interval ends before it starts".into()));
            }
            Ok((a, b))
        }
        other => Err(FilterError::Type(format!(
            "a temporal operator compares `datetime` with a DATE, TIMESTAMP or INTERVAL, not {}",
            other.to_text().unwrap_or_default()
        ))),
    }
}

fn operand(e: &Expr, depth: usize) -> Result<Operand, FilterError> {
    if depth > MAX_DEPTH {
        return Err(FilterError::Unsupported(format!("a filter nested deeper than {MAX_DEPTH}")));
    }
    Ok(match e {
        Expr::Property { property } => field_ty(property)?,
        Expr::Float(f) => Operand::Num(*f),
        Expr::Literal(s) => Operand::Str(s.clone()),
        Expr::Bool(b) => Operand::Bool(*b),
        Expr::Null => Operand::Null,
        Expr::Date { date } => Operand::Time(instant(literal_text(date).unwrap_or(""))?),
        Expr::Timestamp { timestamp } => Operand::Time(instant(literal_text(timestamp).unwrap_or(""))?),
        Expr::Operation { op, args } if op == "casei" && args.len() == 1 => {
            let inner = operand(&args[0], depth + 1)?;
            if !matches!(inner.ty(), Ty::String | Ty::Null) {
                return Err(FilterError::Type(format!("CASEI takes a string, not a {}", inner.ty().name())));
            }
            Operand::CaseI(Box::new(inner))
        }
        Expr::Operation { op, .. } => {
            return Err(FilterError::Unsupported(format!(
                "`{op}` as an operand (offered: properties, literals, CASEI)"
            )))
        }
        other => {
            return Err(FilterError::Unsupported(format!(
                "{} as an operand here",
                other.to_text().unwrap_or_else(|_| "this expression".into())
            )))
        }
    })
}

/// Two operands may be compared: same type, or one of them NULL; a string literal beside
/// `datetime` is read as a date or timestamp.
fn comparable(a: Operand, b: Operand, what: &str) -> Result<(Operand, Operand), FilterError> {
    let fix = |o: Operand, other: Ty| -> Result<Operand, FilterError> {
        match (&o, other) {
            (Operand::Str(s), Ty::Time) => Ok(Operand::Time(instant(s)?)),
            _ => Ok(o),
        }
    };
    let (ta, tb) = (a.ty(), b.ty());
    let (a, b) = (fix(a, tb)?, fix(b, ta)?);
    let (ta, tb) = (a.ty(), b.ty());
    if ta != tb && ta != Ty::Null && tb != Ty::Null {
        return Err(FilterError::Type(format!("{what} compares a {} with a {}", ta.name(), tb.name())));
    }
    Ok((a, b))
}

fn describe(o: &Operand) -> String {
    match o {
        Operand::Prop { name, .. } => format!("`{name}`"),
        Operand::Datetime => "`datetime`".into(),
        other => format!("a {}", other.ty().name()),
    }
}

fn compile(e: &Expr, depth: usize) -> Result<Node, FilterError> {
    if depth > MAX_DEPTH {
        return Err(FilterError::Unsupported(format!("a filter nested deeper than {MAX_DEPTH}")));
    }
    let (op, args) = match e {
        Expr::Operation { op, args } => (op.as_str(), args),
        Expr::Bool(b) => return Ok(Node::Const(Some(*b))),
        Expr::Null => return Ok(Node::Const(None)),
        Expr::Property { property } => {
            let o = field_ty(property)?;
            if o.ty() != Ty::Boolean {
                return Err(FilterError::Type(format!("`{property}` is a {}, not a predicate", o.ty().name())));
            }
            return Ok(Node::Cmp(Cmp::Eq, o, Operand::Bool(true)));
        }
        other => {
            return Err(FilterError::Type(format!(
                "{} is not a predicate",
                other.to_text().unwrap_or_else(|_| "this expression".into())
            )))
        }
    };
    let arity = |n: usize| -> Result<(), FilterError> {
        if args.len() == n {
            Ok(())
        } else {
            Err(FilterError::Syntax {
                lang: "CQL2",
                message: format!("`{op}` takes {n} arguments, got {}", args.len()),
            })
        }
    };
    let cmp = match op {
        "=" => Some(Cmp::Eq),
        "<>" => Some(Cmp::Ne),
        "<" => Some(Cmp::Lt),
        "<=" => Some(Cmp::Le),
        ">" => Some(Cmp::Gt),
        ">=" => Some(Cmp::Ge),
        _ => None,
    };
    if let Some(c) = cmp {
        arity(2)?;
        let (a, b) = comparable(operand(&args[0], depth)?, operand(&args[1], depth)?, &format!("`{op}`"))?;
        if a.ty() == Ty::Boolean && !matches!(c, Cmp::Eq | Cmp::Ne) {
            return Err(FilterError::Type(format!("`{op}` does not order booleans")));
        }
        return Ok(Node::Cmp(c, a, b));
    }
    let temporal = match op {
        "t_intersects" => Some(Temporal::Intersects),
        "t_disjoint" => Some(Temporal::Disjoint),
        "t_before" => Some(Temporal::Before),
        "t_after" => Some(Temporal::After),
        _ => None,
    };
    if let Some(t) = temporal {
        arity(2)?;
        let (lhs, rhs, t) = match (&*args[0], &*args[1]) {
            (Expr::Property { property }, other) => (property, other, t),
            // the literal first: before and after swap
            (other, Expr::Property { property }) => (
                property,
                other,
                match t {
                    Temporal::Before => Temporal::After,
                    Temporal::After => Temporal::Before,
                    t => t,
                },
            ),
            _ => return Err(FilterError::Type(format!("`{op}` compares `datetime` with a temporal literal"))),
        };
        if lhs != "datetime" {
            field_ty(lhs)?;
            return Err(FilterError::Type(format!("`{op}` takes `datetime`, the incident's time, not `{lhs}`")));
        }
        let (a, b) = time_range(rhs)?;
        return Ok(Node::Temporal(t, a, b));
    }
    Ok(match op {
        "and" | "or" => {
            let nodes = args.iter().map(|a| compile(a, depth + 1)).collect::<Result<Vec<_>, _>>()?;
            if op == "and" {
                Node::And(nodes)
            } else {
                Node::Or(nodes)
            }
        }
        "not" => {
            arity(1)?;
            Node::Not(Box::new(compile(&args[0], depth + 1)?))
        }
        "isNull" => {
            arity(1)?;
            Node::IsNull(operand(&args[0], depth)?)
        }
        "like" => {
            arity(2)?;
            let a = operand(&args[0], depth)?;
            let pattern = match operand(&args[1], depth)? {
                Operand::Str(s) => s,
                Operand::CaseI(inner) => match *inner {
                    Operand::Str(s) => s.to_lowercase(),
                    _ => return Err(FilterError::Unsupported("LIKE takes a string literal as its pattern".into())),
                },
                _ => return Err(FilterError::Unsupported("LIKE takes a string literal as its pattern".into())),
            };
            if a.ty() != Ty::String {
                return Err(FilterError::Type(format!("LIKE matches strings; {} is a {}", describe(&a), a.ty().name())));
            }
            // a bad pattern (a trailing escape) is the client's mistake: find it now
            like::Like::<true>::like("", pattern.as_str())
                .map_err(|e| FilterError::Syntax { lang: "CQL2", message: format!("LIKE pattern {pattern:?}: {e}") })?;
            Node::Like(a, pattern)
        }
        "in" => {
            arity(2)?;
            let a = operand(&args[0], depth)?;
            let Expr::Array(items) = &*args[1] else {
                return Err(FilterError::Syntax { lang: "CQL2", message: "IN takes a list".into() });
            };
            let mut list = Vec::with_capacity(items.len());
            for item in items {
                let (_, b) = comparable(a.clone(), operand(item, depth)?, "IN")?;
                list.push(b);
            }
            Node::In(a, list)
        }
        "between" => {
            arity(3)?;
            let a = operand(&args[0], depth)?;
            let (a, lo) = comparable(a, operand(&args[1], depth)?, "BETWEEN")?;
            let (a, hi) = comparable(a, operand(&args[2], depth)?, "BETWEEN")?;
            if !matches!(a.ty(), Ty::Number | Ty::Time | Ty::Null) {
                return Err(FilterError::Type(format!("BETWEEN takes numbers or times; {} is a {}", describe(&a), a.ty().name())));
            }
            Node::Between(a, lo, hi)
        }
        "s_intersects" => {
            arity(2)?;
            let (prop, other) = match (&*args[0], &*args[1]) {
                (Expr::Property { property }, other) | (other, Expr::Property { property }) => (property, other),
                _ => return Err(FilterError::Type("S_INTERSECTS compares `geometry` with a geometry literal".into())),
            };
            if prop != "geometry" {
                field_ty(prop)?;
                return Err(FilterError::Type(format!("S_INTERSECTS takes `geometry`, not `{prop}`")));
            }
            let g: Geometry<f64> = match other {
                Expr::Geometry(_) | Expr::BBox { .. } => Geometry::try_from(other.clone())
                    .map_err(|e| FilterError::Type(format!("not a geometry: {e}")))?,
                _ => return Err(FilterError::Type("S_INTERSECTS compares `geometry` with a geometry or BBOX".into())),
            };
            let bbox = geo::BoundingRect::bounding_rect(&g);
            Node::Intersects(Box::new(g), bbox)
        }
        "casei" => return Err(FilterError::Type("CASEI(...) is a string, not a predicate".into())),
        other => {
            return Err(FilterError::Unsupported(format!(
                "the operator `{other}` (offered: comparisons, AND, OR, NOT, LIKE, IN, BETWEEN, IS NULL, CASEI, S_INTERSECTS, T_INTERSECTS, T_DISJOINT, T_BEFORE, T_AFTER)"
            )))
        }
    })
}

fn compare(c: Cmp, a: &V<'_>, b: &V<'_>) -> Option<bool> {
    use std::cmp::Ordering;
    let ord = match (a, b) {
        (V::Num(x), V::Num(y)) => x.partial_cmp(y)?,
        (V::Str(x), V::Str(y)) => x.cmp(y),
        (V::Bool(x), V::Bool(y)) => x.cmp(y),
        _ => return None,
    };
    Some(match c {
        Cmp::Eq => ord == Ordering::Equal,
        Cmp::Ne => ord != Ordering::Equal,
        Cmp::Lt => ord == Ordering::Less,
        Cmp::Le => ord != Ordering::Greater,
        Cmp::Gt => ord == Ordering::Greater,
        Cmp::Ge => ord != Ordering::Less,
    })
}

impl Node {
    /// SQL's three-valued logic: `None` is NULL (unknown).
    fn eval(&self, i: &Incident) -> Option<bool> {
        match self {
            Node::And(nodes) => {
                let mut unknown = false;
                for n in nodes {
                    match n.eval(i) {
                        Some(false) => return Some(false),
                        None => unknown = true,
                        Some(true) => {}
                    }
                }
                (!unknown).then_some(true)
            }
            Node::Or(nodes) => {
                let mut unknown = false;
                for n in nodes {
                    match n.eval(i) {
                        Some(true) => return Some(true),
                        None => unknown = true,
                        Some(false) => {}
                    }
                }
                (!unknown).then_some(false)
            }
            Node::Not(n) => n.eval(i).map(|b| !b),
            Node::Cmp(c, a, b) => compare(*c, &a.eval(i), &b.eval(i)),
            Node::Like(a, pattern) => match a.eval(i) {
                V::Str(s) => like::Like::<true>::like(s.as_ref(), pattern.as_str()).ok(),
                _ => None,
            },
            Node::In(a, list) => {
                let v = a.eval(i);
                if v == V::Null {
                    return None;
                }
                let mut unknown = false;
                for b in list {
                    match compare(Cmp::Eq, &v, &b.eval(i)) {
                        Some(true) => return Some(true),
                        None => unknown = true,
                        Some(false) => {}
                    }
                }
                (!unknown).then_some(false)
            }
            Node::Between(a, lo, hi) => {
                let v = a.eval(i);
                let ge = compare(Cmp::Ge, &v, &lo.eval(i));
                let le = compare(Cmp::Le, &v, &hi.eval(i));
                match (ge, le) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                }
            }
            Node::IsNull(a) => Some(a.eval(i) == V::Null),
            Node::Const(b) => *b,
            Node::Intersects(g, bbox) => {
                let geom = i.geometry();
                if let (Some(b), Some(r)) = (bbox, geo::BoundingRect::bounding_rect(geom)) {
                    if !b.intersects(&r) {
                        return Some(false);
                    }
                }
                Some(geom.intersects(g.as_ref()))
            }
            Node::Temporal(t, start, end) => {
                let day = i.time?;
                let (a, b) = (day, day + DAY - 1);
                Some(match t {
                    Temporal::Intersects => a <= *end && *start <= b,
                    Temporal::Disjoint => !(a <= *end && *start <= b),
                    Temporal::Before => b < *start,
                    Temporal::After => a > *end,
                })
            }
        }
    }
}

impl Filter {
    /// Parses and compiles a filter (see the module's contract for what is offered).
    pub fn parse(text: &str, lang: FilterLang) -> Result<Filter, FilterError> {
        if text.len() > MAX_FILTER_BYTES {
            return Err(FilterError::Unsupported(format!("a filter longer than {MAX_FILTER_BYTES} bytes")));
        }
        shallow_enough(text, lang)?;
        let expr = match lang {
            FilterLang::Cql2Text => cql2::parse_text(text)
                .map_err(|e| FilterError::Syntax { lang: "cql2-text", message: one_line(&e.to_string()) })?,
            FilterLang::Cql2Json => cql2::parse_json(text)
                .map_err(|e| FilterError::Syntax { lang: "cql2-json", message: one_line(&e.to_string()) })?,
        };
        let root = compile(&expr, 0)?;
        let normalized =
            expr.to_text().map_err(|e| FilterError::Syntax { lang: "CQL2", message: one_line(&e.to_string()) })?;
        Ok(Filter { root, normalized })
    }

    /// Whether the incident passes the filter (TRUE; FALSE and NULL do not).
    pub fn matches(&self, incident: &Incident) -> bool {
        self.root.eval(incident) == Some(true)
    }

    /// The canonical cql2-text of the filter (the same for every spelling of it).
    pub fn normalized(&self) -> String {
        self.normalized.clone()
    }
}

/// Refuses a filter nested deeper than [`MAX_DEPTH`] before the (recursive) parser sees it: the
/// depth of brackets outside string literals, and the prefix operators (`NOT`, unary `-`), each of
/// which the parser reads one level down. Without this a filter of a few thousand `NOT`s
/// overflows the stack of the thread serving it.
fn shallow_enough(text: &str, lang: FilterLang) -> Result<(), FilterError> {
    let (mut depth, mut deepest, mut nots, mut minus) = (0usize, 0usize, 0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut word = String::new();
    let end_word = |word: &mut String, nots: &mut usize| {
        if word.eq_ignore_ascii_case("not") {
            *nots += 1;
        }
        word.clear();
    };
    for c in text.chars() {
        if let Some(q) = quote {
            if lang == FilterLang::Cql2Json && !escaped && c == '\\' {
                escaped = true;
                continue;
            }
            if c == q && !escaped {
                quote = None;
            }
            escaped = false;
            continue;
        }
        if c.is_ascii_alphabetic() {
            word.push(c);
            continue;
        }
        end_word(&mut word, &mut nots);
        match c {
            '\'' if lang == FilterLang::Cql2Text => quote = Some(c),
            '"' => quote = Some(c),
            '(' | '[' | '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            '-' if lang == FilterLang::Cql2Text => minus += 1,
            _ => {}
        }
    }
    end_word(&mut word, &mut nots);
    if deepest > MAX_DEPTH || nots > MAX_DEPTH || minus > 4 * MAX_DEPTH {
        return Err(FilterError::Unsupported(format!(
            "a filter nested deeper than {MAX_DEPTH} levels (brackets or NOTs), or with more than {} minus signs",
            4 * MAX_DEPTH
        )));
    }
    Ok(())
}

/// A parser's message on one line, bounded (pest's messages draw the input over several lines).
fn one_line(s: &str) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    flat.chars().take(400).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ArticleMeta, MentionProps, Props};
    use std::sync::Arc;

    fn incident(kind: &str, lon: f64, lat: f64, day: &str, precision: u8, title: &str) -> Incident {
        let article = Arc::new(ArticleMeta {
            id: 7,
            title: Some(title.into()),
            url: None,
            source: Some("wire".into()),
            published: Some(day.into()),
        });
        let mut i = Incident::anonymous(
            1,
            Geometry::Point(geo_types::Point::new(lon, lat)),
            kind,
            precision,
            crate::datetime::date_to_unix(day),
            Props::default(),
        );
        i.props = Props::Mention(MentionProps {
            article,
            surface: "Goris".into(),
            geo_precision: 1,
            confidence: 0.9,
            quote: "Shelling near Goris.".into(),
            quote_start: 14,
            quote_end: 19,
            relation: None,
            literal: Some(true),
            event: Some(true),
            role_reason: None,
            review: None,
        });
        i
    }

    fn text(s: &str) -> Result<Filter, FilterError> {
        Filter::parse(s, FilterLang::Cql2Text)
    }

    #[test]
    fn comparisons_logic_like_in_between() {
        let i = incident("settlement", 46.4, 39.5, "2021-05-14", 1, "Clashes at the border");
        for (f, want) in [
            ("kind = 'settlement'", true),
            ("kind <> 'settlement'", false),
            ("precision < 2 AND confidence > 0.5", true),
            ("precision > 2 OR kind = 'admin1'", false),
            ("NOT (precision > 2)", true),
            ("title LIKE 'Clash%'", true),
            ("title LIKE 'clash%'", false),
            ("CASEI(title) LIKE CASEI('clash%')", true),
            ("kind IN ('admin1', 'settlement')", true),
            ("precision IN (2, 3)", false),
            ("precision BETWEEN 1 AND 3", true),
            ("url IS NULL", true),
            ("title IS NOT NULL", true),
            ("url = 'x'", false),
            ("NOT (url = 'x')", false),
            ("S_INTERSECTS(geometry, BBOX(44, 38, 47, 41))", true),
            ("S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 1, 0 0)))", false),
            ("T_INTERSECTS(datetime, INTERVAL('2021-05-01', '2021-05-14'))", true),
            ("T_INTERSECTS(datetime, INTERVAL('2021-05-15', '..'))", false),
            ("T_INTERSECTS(datetime, TIMESTAMP('2021-05-14T20:00:00-10:00'))", false),
            ("T_INTERSECTS(datetime, TIMESTAMP('2021-05-14T12:00:00Z'))", true),
            ("datetime >= DATE('2021-05-14')", true),
            ("datetime > TIMESTAMP('2021-05-14T00:00:00Z')", false),
            ("published = '2021-05-14'", true),
        ] {
            assert_eq!(text(f).unwrap().matches(&i), want, "{f}");
        }
    }

    #[test]
    fn text_and_json_normalise_alike() {
        let a = text("kind = 'settlement' AND (precision < 3 AND confidence > 0.5)").unwrap();
        let b = Filter::parse(
            r#"{"op":"and","args":[{"op":"=","args":[{"property":"kind"},"settlement"]},{"op":"and","args":[{"op":"<","args":[{"property":"precision"},3]},{"op":">","args":[{"property":"confidence"},0.5]}]}]}"#,
            FilterLang::Cql2Json,
        )
        .unwrap();
        assert_eq!(a.normalized(), b.normalized());
        assert_eq!(a, b);
        assert_ne!(a.normalized(), text("kind = 'admin1'").unwrap().normalized());
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(text("colour = 'red'").unwrap_err(), FilterError::UnknownProperty("colour".into()));
        assert!(text("colour = 'red'").unwrap_err().to_string().contains("`colour`"));
        assert!(matches!(text("precision = 'high'").unwrap_err(), FilterError::Type(_)));
        assert!(matches!(text("kind LIKE 3").unwrap_err(), FilterError::Unsupported(_)));
        assert!(matches!(text("precision LIKE '1%'").unwrap_err(), FilterError::Type(_)));
        assert!(matches!(text("kind = ").unwrap_err(), FilterError::Syntax { .. }));
        assert!(matches!(Filter::parse("{\"op\":", FilterLang::Cql2Json).unwrap_err(), FilterError::Syntax { .. }));
        assert!(matches!(text("S_INTERSECTS(kind, BBOX(0,0,1,1))").unwrap_err(), FilterError::Type(_)));
        assert!(matches!(text("T_INTERSECTS(datetime, 3)").unwrap_err(), FilterError::Type(_)));
        assert!(matches!(text("precision + 1 = 2").unwrap_err(), FilterError::Unsupported(_)));
        assert!(matches!(text("relation IS NULL").unwrap_err(), FilterError::Unsupported(_)));
        assert!(text(&"(".repeat(100_000)).is_err());
        // deep nesting is refused before the recursive parser could overflow the stack
        for deep in ["NOT ".repeat(3000) + "kind = 'x'", "(".repeat(3000) + "kind = 'x'" + &")".repeat(3000)] {
            assert!(matches!(text(&deep).unwrap_err(), FilterError::Unsupported(_)), "{}", &deep[..20]);
        }
        let deep = r#"{"op":"not","args":["#.repeat(500) + "true" + &"]}".repeat(500);
        assert!(matches!(Filter::parse(&deep, FilterLang::Cql2Json).unwrap_err(), FilterError::Unsupported(_)));
        // as deep as offered still parses, and quoted brackets do not count
        let ok = "NOT ".repeat(MAX_DEPTH)
            + &"(".repeat(MAX_DEPTH - 1)
            + "title = '((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((('"
            + &")".repeat(MAX_DEPTH - 1);
        assert!(text(&ok).is_ok());
        assert!(text("precision IN (-1, -2, -3) OR NOT (kind = 'not')").is_ok());
    }
}
