//! sitrep: geoparse news articles into conflict-map incidents and serve them as vector tiles,
//! OGC API Features and a web map.
//!
//! Data flows one way: `gazetteer` → `geoparse` → `store` → `index` → `tiles` / `features` → `http`.

pub mod cli;
pub mod gazetteer;
pub mod geoparse;
