//! MVT encoding: the only module that touches fast-mvt (pinned =0.7.1, 0.x API churn).
//!
//! Contract: takes already prepared integer tile geometry (clipped, simplified, de-duplicated,
//! oriented: see `prepare`) and typed tags, writes MVT 2.1 bytes with extent 4096. Layers with no
//! features are left out; a tile with no features at all is an empty `Vec`. Tags: explicit tags
//! first, then the incident's schema properties ([`crate::schema::visit`]) or a basemap feature's
//! JSON properties (strings, integers, floats, bools; nulls, arrays and objects are skipped; a key
//! already given explicitly is skipped), so no feature repeats a key.
//! Not for: geometry checks (the caller guarantees them) or compression.

use std::borrow::Cow;

use fast_mvt::{MvtLayerBuilder, MvtTileBuilder, MvtValueRef};
use geo_types::Geometry;
use serde_json::{Map, Value};

use super::TileError;
use crate::index::Incident;
use crate::schema::Val;

/// One typed MVT tag value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TagValue<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Bool(bool),
    Double(f64),
}

/// Up to ten explicit tags, kept inline (no allocation per feature).
#[derive(Debug, Clone, Default)]
pub(crate) struct Tags<'a> {
    items: [Option<(&'static str, TagValue<'a>)>; 10],
}

impl<'a> Tags<'a> {
    /// Append a tag. Panics past ten tags (a programming error).
    pub fn push(&mut self, key: &'static str, value: TagValue<'a>) {
        let slot = self.items.iter_mut().find(|s| s.is_none()).expect("at most ten explicit tags");
        *slot = Some((key, value));
    }

    pub fn iter(&self) -> impl Iterator<Item = &(&'static str, TagValue<'a>)> + '_ {
        self.items.iter().flatten()
    }
}

/// One feature ready to encode.
#[derive(Debug, Clone)]
pub(crate) struct EncFeature<'a> {
    pub id: Option<u64>,
    pub geometry: Cow<'a, Geometry<i32>>,
    pub tags: Tags<'a>,
    pub props: Option<FeatureProps<'a>>,
    /// When set, only the schema's essential properties are written.
    pub essential: bool,
}

/// Where a feature's properties come from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FeatureProps<'a> {
    Incident(&'a Incident),
    Json(&'a Map<String, Value>),
}

/// One named layer.
#[derive(Debug, Clone)]
pub(crate) struct EncLayer<'a> {
    pub name: &'static str,
    pub features: Vec<EncFeature<'a>>,
}

fn value_ref<'v>(v: &'v TagValue<'_>) -> MvtValueRef<'v> {
    match v {
        TagValue::Str(s) => MvtValueRef::String(s),
        TagValue::Int(i) if *i >= 0 => MvtValueRef::UInt(i.cast_unsigned()),
        TagValue::Int(i) => MvtValueRef::SInt(*i),
        TagValue::Bool(b) => MvtValueRef::Bool(*b),
        TagValue::Double(d) => MvtValueRef::Double(*d),
    }
}

fn json_ref(v: &Value) -> Option<MvtValueRef<'_>> {
    Some(match v {
        Value::String(s) => MvtValueRef::String(s),
        Value::Bool(b) => MvtValueRef::Bool(*b),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                MvtValueRef::UInt(u)
            } else if let Some(i) = n.as_i64() {
                MvtValueRef::SInt(i)
            } else {
                MvtValueRef::Double(n.as_f64()?)
            }
        }
        Value::Null | Value::Array(_) | Value::Object(_) => return None,
    })
}

fn val_ref<'v>(v: Val<'v>) -> Option<MvtValueRef<'v>> {
    Some(match v {
        Val::Str(s) => MvtValueRef::String(s),
        Val::Int(i) if i >= 0 => MvtValueRef::UInt(i.cast_unsigned()),
        Val::Int(i) => MvtValueRef::SInt(i),
        Val::Float(f) => MvtValueRef::Double(f),
        Val::Bool(b) => MvtValueRef::Bool(b),
        Val::Json(v) => return json_ref(v),
    })
}

fn err(e: fast_mvt::MvtError) -> TileError {
    TileError::Encode(e.to_string())
}

fn write_layer(mut layer: MvtLayerBuilder, features: &[EncFeature<'_>]) -> Result<MvtLayerBuilder, TileError> {
    for f in features {
        let mut fb = layer.feature(&f.geometry).map_err(err)?;
        fb.id(f.id);
        for (k, v) in f.tags.iter() {
            fb.tag_ref(k, value_ref(v)).map_err(err)?;
        }
        let explicit = |k: &str| f.tags.iter().any(|(tk, _)| *tk == k);
        let mut failed = None;
        let mut tag = |k: &str, v: Option<MvtValueRef<'_>>| {
            if explicit(k) || (f.essential && !crate::schema::is_essential(k)) {
                return;
            }
            if let Some(v) = v {
                if let Err(e) = fb.tag_ref(k, v) {
                    failed.get_or_insert(e);
                }
            }
        };
        match f.props {
            Some(FeatureProps::Incident(inc)) => crate::schema::visit(inc, &mut |k, v| tag(k, val_ref(v))),
            Some(FeatureProps::Json(json)) => {
                for (k, v) in json {
                    tag(k, json_ref(v));
                }
            }
            None => {}
        }
        if let Some(e) = failed {
            return Err(err(e));
        }
        layer = fb.end();
    }
    Ok(layer)
}

/// Encode one layer as a framed tile chunk: tiles are concatenations of such chunks, so a
/// tile's layers can be sized and re-encoded independently. Empty layer → empty `Vec`.
pub(crate) fn encode_layer(layer: &EncLayer<'_>) -> Result<Vec<u8>, TileError> {
    if layer.features.is_empty() {
        return Ok(Vec::new());
    }
    Ok(write_layer(MvtLayerBuilder::new(layer.name).map_err(err)?, &layer.features)?.encode())
}

/// Encode layers (in the given order) into one MVT tile.
pub(crate) fn encode_tile(layers: &[EncLayer<'_>]) -> Result<Vec<u8>, TileError> {
    let mut tile = MvtTileBuilder::new();
    let mut any = false;
    for l in layers.iter().filter(|l| !l.features.is_empty()) {
        any = true;
        let layer = tile.layer(l.name).map_err(err)?;
        tile = write_layer(layer, &l.features)?.end();
    }
    Ok(if any { tile.encode() } else { Vec::new() })
}
