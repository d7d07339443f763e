//! One mention of a place: [`Incident`], and [`IndexedIncident`], the same as the index holds it.
//!
//! Contract: an incident is a small record (id, shared [`Place`], UCDP precision, time,
//! properties of the incident schema in [`crate::schema`]); its geometry, layer, kind and
//! representative point are its place's, never copied, and it is a [`Subject`] for the
//! filters. An [`IndexedIncident`] gives the index and the tiles its place's derived geometry
//! (world and unwrapped lon/lat geometry, boxes, ranks); [`IndexedIncident::is_point`] decides
//! whether the points tree and the point grids hold it, or its place's group.
//! Not for: geometry derivation (that is [`Place`]) or lookup (the snapshot).

use std::sync::Arc;

use super::{Layer, Place};
use crate::schema::{Props, Subject};
use geo_types::{Coord, Geometry, Point, Rect};

/// One located mention of a place in an article: a small record over a shared [`Place`].
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// mention id: MVT feature id and OGC item id, stable
    pub id: u64,
    pub place: Arc<Place>,
    /// UCDP 1..=7
    pub precision: u8,
    /// unix seconds of the article's published date
    pub time: Option<i64>,
    /// the properties of the incident schema ([`crate::schema`])
    pub props: Props,
}

impl Incident {
    /// An incident over its own place (no gazetteer id): loaded GeoJSON, tests, benchmarks. The
    /// representative point is the point itself or the centroid; the layer follows the geometry.
    pub fn anonymous(
        id: u64,
        geometry: Geometry<f64>,
        kind: &str,
        precision: u8,
        time: Option<i64>,
        props: Props,
    ) -> Incident {
        Incident { id, place: Arc::new(Place::anonymous(kind, geometry)), precision, time, props }
    }

    pub fn layer(&self) -> Layer {
        self.place.layer()
    }

    pub fn kind(&self) -> &str {
        &self.place.kind
    }

    /// Representative point, lon/lat.
    pub fn point(&self) -> Point<f64> {
        self.place.point()
    }

    /// WGS84 lon/lat; Point, LineString, MultiLineString, Polygon, MultiPolygon.
    pub fn geometry(&self) -> &Geometry<f64> {
        self.place.geometry()
    }
}

impl Subject for Incident {
    fn id(&self) -> u64 {
        self.id
    }
    fn place_id(&self) -> Option<&str> {
        self.place.id.as_deref()
    }
    fn place_name(&self) -> &str {
        &self.place.name
    }
    fn kind(&self) -> &str {
        &self.place.kind
    }
    fn precision(&self) -> u8 {
        self.precision
    }
    fn time(&self) -> Option<i64> {
        self.time
    }
    fn point(&self) -> (f64, f64) {
        (self.place.point().x(), self.place.point().y())
    }
    fn props(&self) -> &Props {
        &self.props
    }
}

/// An incident as the index holds it (its derived geometry is its place's).
#[derive(Debug)]
pub struct IndexedIncident {
    pub(super) incident: Incident,
}

impl IndexedIncident {
    pub fn new(incident: Incident) -> Self {
        IndexedIncident { incident }
    }

    /// Whether the incident is drawn as a point (layer `Incidents`): it lives in the points tree
    /// and in [`IndexSnapshot::point_grid`].
    pub fn is_point(&self) -> bool {
        self.incident.place.layer() == Layer::Incidents
    }

    pub fn incident(&self) -> &Incident {
        &self.incident
    }

    pub fn place(&self) -> &Arc<Place> {
        &self.incident.place
    }

    /// See [`Place::world_ranks`].
    pub fn world_ranks(&self) -> &[f32] {
        self.incident.place.world_ranks()
    }

    /// See [`Place::lonlat_geometry`].
    pub fn lonlat_geometry(&self) -> &Geometry<f64> {
        self.incident.place.lonlat_geometry()
    }

    pub fn lonlat_bbox(&self) -> Rect<f64> {
        self.incident.place.lonlat_bbox()
    }

    /// See [`Place::world_geometry`].
    pub fn world_geometry(&self) -> &Geometry<f64> {
        self.incident.place.world_geometry()
    }

    pub fn world_bbox(&self) -> Rect<f64> {
        self.incident.place.world_bbox()
    }

    /// The representative point in world units, x in [0, 1).
    pub fn world_point(&self) -> Coord<f64> {
        self.incident.place.world_point()
    }
}
