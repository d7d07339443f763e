//! sitrep: geoparse news articles into conflict-map incidents and serve them as vector tiles,
//! OGC API Features and a web map.
//!
//! Data flows one way: `gazetteer` → `geoparse` → `store` → `index` → `tiles` / `features` → `http`.

pub mod gazetteer;
pub mod cli;
pub mod geoparse;
pub mod index;
pub mod store;
pub mod features;
pub mod ingest;
pub mod http;
pub mod tiles;
