//! PLACEHOLDER index (linear scan) with the fixed API; replaced by the R-tree from the `tiles` branch.

use geo::{BoundingRect, Intersects};
use geo_types::{Geometry, Point, Rect};
use std::sync::{Arc, RwLock};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Incidents,
    Areas,
    Lines,
}

#[derive(Debug, Clone)]
pub struct Incident {
    pub id: u64,
    pub geometry: Geometry<f64>,
    pub point: Point<f64>,
    pub layer: Layer,
    pub kind: String,
    pub precision: u8,
    pub time: Option<i64>,
    pub props: serde_json::Map<String, serde_json::Value>,
}

pub struct IndexSnapshot {
    items: Vec<Incident>,
}

impl IndexSnapshot {
    pub fn query_bbox_lonlat(&self, b: [f64; 4]) -> Vec<&Incident> {
        let r = Rect::new((b[0], b[1]), (b[2], b[3]));
        self.items.iter().filter(|i| i.geometry.intersects(&r)).collect()
    }
    pub fn get(&self, id: u64) -> Option<&Incident> {
        self.items.iter().find(|i| i.id == id)
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

pub struct SpatialIndex {
    current: RwLock<Arc<IndexSnapshot>>,
}

impl SpatialIndex {
    pub fn new(items: Vec<Incident>) -> SpatialIndex {
        SpatialIndex { current: RwLock::new(Arc::new(IndexSnapshot { items })) }
    }
    pub fn snapshot(&self) -> Arc<IndexSnapshot> {
        self.current.read().unwrap().clone()
    }
    pub fn insert(&self, new: Vec<Incident>) -> Option<[f64; 4]> {
        let mut bbox: Option<Rect<f64>> = None;
        for i in &new {
            if let Some(r) = i.geometry.bounding_rect() {
                bbox = Some(match bbox {
                    None => r,
                    Some(b) => Rect::new(
                        (b.min().x.min(r.min().x), b.min().y.min(r.min().y)),
                        (b.max().x.max(r.max().x), b.max().y.max(r.max().y)),
                    ),
                });
            }
        }
        let mut g = self.current.write().unwrap();
        let mut items = g.items.clone();
        items.extend(new);
        *g = Arc::new(IndexSnapshot { items });
        bbox.map(|b| [b.min().x, b.min().y, b.max().x, b.max().y])
    }
}
