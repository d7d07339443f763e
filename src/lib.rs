//! sitrep: geoparse news articles into conflict-map incidents and serve them as vector tiles,
//! OGC API Features and a web map.
//!
//! Data flows one way: `gazetteer` → `geoparse` → `store` → `index` → `tiles` / `features` → `http`.

// The library reports through return values and `tracing`; only the command-line edge (`cli`)
// prints.
#![deny(clippy::print_stderr, clippy::print_stdout)]

pub mod cli;
pub mod datetime;
pub mod export;
pub mod features;
pub mod fetch;
pub mod gazetteer;
pub mod geoparse;
pub mod http;
pub mod index;
pub mod ingest;
pub mod input;
pub mod mem;
pub mod merge;
pub mod page;
pub mod paths;
pub mod schema;
pub mod store;
pub mod tiles;
