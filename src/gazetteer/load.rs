//! Reads the shipped gazetteer files into [`Place`] records.
//!
//! Files (all under the data directory): `gazetteer/places.tsv.gz` (GeoNames populated places),
//! `gazetteer/admin1.geojson.gz` and `gazetteer/countries.geojson.gz` (Natural Earth),
//! `gazetteer/world.geojson` and `conflict/*.geojson` (curated), `gazetteer/aliases.tsv` (spelling
//! patches). Curated records may give `members` instead of a geometry; their area is the union of the
//! members' polygons. Not for: building those files (see `scripts/build_gazetteer.sh`).

use super::{Kind, Place};
use geo::line_measures::{Euclidean, InterpolatableLine};
use geo::{BooleanOps, InteriorPoint};
use geo_types::{Geometry, MultiPolygon, Point};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why the gazetteer could not be loaded; every variant names the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum GazetteerError {
    #[error("cannot read gazetteer file {path}: {source} (is SITREP_DATA or ./data pointing at the shipped data/ folder?)")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("gazetteer file {path} is malformed: {message}")]
    Format { path: PathBuf, message: String },
}

fn read_maybe_gz(path: &Path) -> Result<Vec<u8>, GazetteerError> {
    let io = |source| GazetteerError::Io {
        path: path.to_path_buf(),
        source,
    };
    let raw = std::fs::read(path).map_err(io)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len() * 4);
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(io)?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

fn format_err(path: &Path, message: impl Into<String>) -> GazetteerError {
    GazetteerError::Format {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Loads every file; missing optional files (curated layers, aliases) are skipped.
pub(super) fn load_all(dir: &Path) -> Result<Vec<Place>, GazetteerError> {
    let gz = dir.join("gazetteer");
    let timing = std::env::var_os("SITREP_TIMING").is_some();
    let t0 = std::time::Instant::now();
    let lap = |what: &str| {
        if timing {
            eprintln!("gazetteer load: {what} at {:.3} s", t0.elapsed().as_secs_f64());
        }
    };
    let (places, polys) = std::thread::scope(|s| {
        let places = s.spawn(|| load_places(&gz.join("places.tsv.gz")));
        let countries = load_polygons(&gz.join("countries.geojson.gz"), Kind::Country);
        let admin1 = load_polygons(&gz.join("admin1.geojson.gz"), Kind::Admin1);
        let places = places.join().expect("places loader thread panicked");
        (places, countries.and_then(|c| admin1.map(|a| (c, a))))
    });
    lap("places and polygons");
    let mut all = places?;
    let ((countries, _), (admin1, adm1_codes)) = polys?;
    let mut member_geoms: HashMap<String, Geometry<f64>> = HashMap::new();
    for p in countries.iter().chain(admin1.iter()) {
        if let Some(g) = &p.geometry {
            member_geoms.insert(p.id.clone(), g.clone());
        }
    }
    for (code, id) in &adm1_codes {
        if let Some(g) = member_geoms.get(id).cloned() {
            member_geoms.insert(format!("adm1:{code}"), g);
        }
    }
    lap("member geometries");
    all.extend(countries);
    all.extend(admin1);

    let mut curated_files: Vec<PathBuf> = Vec::new();
    let world = gz.join("world.geojson");
    if world.exists() {
        curated_files.push(world);
    }
    if let Ok(rd) = std::fs::read_dir(dir.join("conflict")) {
        let mut files: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "geojson"))
            .collect();
        files.sort();
        curated_files.extend(files);
    }
    for f in curated_files {
        all.extend(load_curated(&f, &member_geoms)?);
    }

    lap("curated");
    let aliases = gz.join("aliases.tsv");
    if aliases.exists() {
        apply_aliases(&aliases, &mut all)?;
    }
    lap("aliases");
    Ok(all)
}

fn load_places(path: &Path) -> Result<Vec<Place>, GazetteerError> {
    let bytes = read_maybe_gz(path)?;
    let text = String::from_utf8(bytes).map_err(|e| format_err(path, e.to_string()))?;
    let mut lines = text.lines();
    let header = lines.next().ok_or_else(|| format_err(path, "empty file"))?;
    let cols: Vec<&str> = header.split('\t').collect();
    let col = |name: &str| {
        cols.iter()
            .position(|c| *c == name)
            .ok_or_else(|| format_err(path, format!("missing column {name}")))
    };
    let (c_id, c_name, c_ascii, c_lat, c_lon) = (
        col("geonameid")?,
        col("name")?,
        col("asciiname")?,
        col("lat")?,
        col("lon")?,
    );
    let (c_fc, c_cc, c_a1, c_pop, c_alt) = (
        col("feature_code")?,
        col("country")?,
        col("admin1")?,
        col("population")?,
        col("alternatenames")?,
    );
    let mut out = Vec::with_capacity(240_000);
    for (lineno, line) in lines.enumerate() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < cols.len() {
            return Err(format_err(
                path,
                format!(
                    "line {} has {} fields, expected {}",
                    lineno + 2,
                    f.len(),
                    cols.len()
                ),
            ));
        }
        let num = |i: usize| -> Result<f64, GazetteerError> {
            f[i].parse::<f64>().map_err(|_| {
                format_err(path, format!("line {}: bad number {:?}", lineno + 2, f[i]))
            })
        };
        let id: u64 = f[c_id]
            .parse()
            .map_err(|_| format_err(path, format!("line {}: bad geonameid", lineno + 2)))?;
        let mut names: Vec<String> = f[c_alt]
            .split('|')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if !f[c_ascii].is_empty() && f[c_ascii] != f[c_name] {
            names.push(f[c_ascii].to_string());
        }
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        out.push(Place {
            id: format!("geonames:{id}"),
            name: f[c_name].to_string(),
            kind: Kind::Settlement,
            country: opt(f[c_cc]),
            admin1: opt(f[c_a1]),
            population: f[c_pop].parse().unwrap_or(0),
            point: Point::new(num(c_lon)?, num(c_lat)?),
            feature_code: opt(f[c_fc]),
            geometry: None,
            geonameid: Some(id),
            names,
            demonyms: Vec::new(),
            valid_from: None,
            valid_to: None,
            approximate: false,
            source: Some("GeoNames (CC BY 4.0)".into()),
        });
    }
    Ok(out)
}

fn str_prop(props: &Map<String, Value>, key: &str) -> Option<String> {
    props
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn str_list(props: &Map<String, Value>, key: &str) -> Vec<String> {
    props
        .get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn point_prop(props: &Map<String, Value>, key: &str) -> Option<Point<f64>> {
    let a = props.get(key)?.as_array()?;
    Some(Point::new(a.first()?.as_f64()?, a.get(1)?.as_f64()?))
}

fn parse_collection(path: &Path) -> Result<geojson::FeatureCollection, GazetteerError> {
    let bytes = read_maybe_gz(path)?;
    serde_json::from_slice(&bytes).map_err(|e| format_err(path, e.to_string()))
}

fn to_geo(path: &Path, id: &str, g: &geojson::Geometry) -> Result<Geometry<f64>, GazetteerError> {
    Geometry::<f64>::try_from(&g.value).map_err(|e| format_err(path, format!("{id}: {e}")))
}

/// A representative point of a geometry: interior point of areas, halfway along lines.
pub(crate) fn representative_point(g: &Geometry<f64>) -> Option<Point<f64>> {
    match g {
        Geometry::Point(p) => Some(*p),
        Geometry::LineString(l) => l.point_at_ratio_from_start(&Euclidean, 0.5),
        Geometry::MultiLineString(m) => {
            m.0.iter()
                .max_by_key(|l| l.0.len())
                .and_then(|l| l.point_at_ratio_from_start(&Euclidean, 0.5))
        }
        other => other.interior_point(),
    }
}

/// A record from a GeoJSON feature's properties (the fields every shipped layer shares).
fn place_from_props(
    id: String,
    props: &Map<String, Value>,
    kind: Kind,
    point: Point<f64>,
    geometry: Option<Geometry<f64>>,
) -> Place {
    Place {
        name: str_prop(props, "name").unwrap_or_else(|| id.clone()),
        kind,
        country: str_prop(props, "country"),
        admin1: str_prop(props, "admin1"),
        population: props.get("population").and_then(Value::as_u64).unwrap_or(0),
        point,
        feature_code: None,
        geometry,
        geonameid: props.get("geonameid").and_then(Value::as_u64),
        names: str_list(props, "names"),
        demonyms: str_list(props, "demonyms"),
        valid_from: str_prop(props, "valid_from"),
        valid_to: str_prop(props, "valid_to"),
        approximate: props.get("approximate").and_then(Value::as_bool).unwrap_or(false),
        source: str_prop(props, "source"),
        id,
    }
}

type PolygonLayer = (Vec<Place>, Vec<(String, String)>);

/// Natural Earth countries or admin-1 divisions; also returns (adm1_code, id) pairs.
fn load_polygons(path: &Path, kind: Kind) -> Result<PolygonLayer, GazetteerError> {
    let fc = parse_collection(path)?;
    let mut out = Vec::with_capacity(fc.features.len());
    let mut codes = Vec::new();
    for f in fc.features {
        let props = f.properties.unwrap_or_default();
        let id = str_prop(&props, "id").ok_or_else(|| format_err(path, "feature without id"))?;
        let geometry = match &f.geometry {
            Some(g) => Some(to_geo(path, &id, g)?),
            None => None,
        };
        let point = point_prop(&props, "label")
            .or_else(|| geometry.as_ref().and_then(representative_point))
            .ok_or_else(|| format_err(path, format!("{id}: no label and no geometry")))?;
        if let Some(code) = str_prop(&props, "adm1_code") {
            codes.push((code, id.clone()));
        }
        let mut place = place_from_props(id, &props, kind, point, geometry);
        if kind == Kind::Country {
            place.country = str_prop(&props, "iso_a2");
        }
        place.source = Some("Natural Earth (public domain)".into());
        out.push(place);
    }
    Ok((out, codes))
}

fn union_of(members: &[Geometry<f64>]) -> Option<Geometry<f64>> {
    let mut acc: Option<MultiPolygon<f64>> = None;
    for g in members {
        let mp = match g {
            Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]),
            Geometry::MultiPolygon(m) => m.clone(),
            _ => continue,
        };
        acc = Some(match acc {
            None => mp,
            Some(a) => a.union(&mp),
        });
    }
    acc.map(Geometry::MultiPolygon)
}

fn load_curated(
    path: &Path,
    members: &HashMap<String, Geometry<f64>>,
) -> Result<Vec<Place>, GazetteerError> {
    let fc = parse_collection(path)?;
    let mut out = Vec::with_capacity(fc.features.len());
    for f in fc.features {
        let props = f.properties.unwrap_or_default();
        let id = str_prop(&props, "id")
            .or_else(|| match &f.id {
                Some(geojson::feature::Id::String(s)) => Some(s.clone()),
                _ => None,
            })
            .ok_or_else(|| format_err(path, "curated feature without id"))?;
        let member_ids = str_list(&props, "members");
        let geometry = match &f.geometry {
            Some(g) => Some(to_geo(path, &id, g)?),
            None if !member_ids.is_empty() => {
                let mut gs = Vec::new();
                for m in &member_ids {
                    let g = members
                        .get(m)
                        .ok_or_else(|| format_err(path, format!("{id}: unknown member {m}")))?;
                    gs.push(g.clone());
                }
                union_of(&gs)
            }
            None => None,
        };
        let point = point_prop(&props, "label")
            .or_else(|| geometry.as_ref().and_then(representative_point))
            .ok_or_else(|| format_err(path, format!("{id}: no label and no geometry")))?;
        // A bare point needs no separate geometry.
        let geometry = match geometry {
            Some(Geometry::Point(_)) => None,
            g => g,
        };
        let kind = Kind::parse(&str_prop(&props, "kind").unwrap_or_default());
        out.push(place_from_props(id, &props, kind, point, geometry));
    }
    Ok(out)
}

fn apply_aliases(path: &Path, places: &mut [Place]) -> Result<(), GazetteerError> {
    let bytes = read_maybe_gz(path)?;
    let text = String::from_utf8(bytes).map_err(|e| format_err(path, e.to_string()))?;
    let index: HashMap<String, usize> = places
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.clone(), i))
        .collect();
    for (lineno, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (target, alias) = line.split_once('\t').ok_or_else(|| {
            format_err(
                path,
                format!("line {}: expected target_id<TAB>alias", lineno + 1),
            )
        })?;
        let i = *index.get(target.trim()).ok_or_else(|| {
            format_err(
                path,
                format!("line {}: unknown target {target}", lineno + 1),
            )
        })?;
        places[i].names.push(alias.trim().to_string());
    }
    Ok(())
}
