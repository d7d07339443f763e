//! Reads the shipped gazetteer files into [`Place`] records.
//!
//! Files (all under the data directory): `gazetteer/places.tsv.gz` (GeoNames populated places),
//! `gazetteer/admin1.geojson.gz` and `gazetteer/countries.geojson.gz` (Natural Earth),
//! `gazetteer/admin2.geojson.gz` (US counties, US Census Bureau; optional),
//! `gazetteer/world.geojson` and `conflict/*.geojson` (curated), `gazetteer/aliases.tsv` (spelling
//! patches). Curated records may give `members` instead of a geometry; their area is the union of the
//! members' polygons. Not for: building those files (see `scripts/build_gazetteer.sh`).

use super::features::{self, GazFeature, GazProps};
use super::{Kind, Place};
use geo::line_measures::{Euclidean, InterpolatableLine};
use geo::{BooleanOps, InteriorPoint};
use geo_types::{Geometry, MultiPolygon, Point};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why the gazetteer could not be loaded; every variant names the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum GazetteerError {
    #[error(
        "cannot read gazetteer file {path}: {source} (is SITREP_DATA or ./data pointing at the shipped data/ folder?)"
    )]
    Io { path: PathBuf, source: std::io::Error },
    #[error("gazetteer file {path} is malformed: {message}")]
    Format { path: PathBuf, message: String },
}

fn read_maybe_gz(path: &Path) -> Result<Vec<u8>, GazetteerError> {
    let io = |source| GazetteerError::Io { path: path.to_path_buf(), source };
    let raw = std::fs::read(path).map_err(io)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len() * 4);
        flate2::read::GzDecoder::new(&raw[..]).read_to_end(&mut out).map_err(io)?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

fn format_err(path: &Path, message: impl Into<String>) -> GazetteerError {
    GazetteerError::Format { path: path.to_path_buf(), message: message.into() }
}

/// Loads every file; missing optional files (curated layers, aliases) are skipped.
pub(super) fn load_all(dir: &Path) -> Result<Vec<Place>, GazetteerError> {
    let gz = dir.join("gazetteer");
    let t0 = std::time::Instant::now();
    let lap = |what: &str| {
        tracing::debug!(target: "sitrep::gazetteer", "{what} at {:.3} s", t0.elapsed().as_secs_f64());
    };
    // The three big files are independent: read them at once (places.tsv is itself parsed in chunks).
    let (places, ((countries, admin1), admin2)) = rayon::join(
        || load_places(&gz.join("places.tsv.gz")),
        || {
            rayon::join(
                || {
                    rayon::join(
                        || load_polygons(&gz.join("countries.geojson.gz"), Kind::Country),
                        || load_polygons(&gz.join("admin1.geojson.gz"), Kind::Admin1),
                    )
                },
                || {
                    // Optional: a data folder built before the county layer still loads.
                    let path = gz.join("admin2.geojson.gz");
                    if path.exists() {
                        load_polygons(&path, Kind::Admin2).map(|(p, _)| p)
                    } else {
                        Ok(Vec::new())
                    }
                },
            )
        },
    );
    let polys = countries.and_then(|c| admin1.map(|a| (c, a)));
    lap("places and polygons");
    let mut all = places?;
    let ((countries, _), (admin1, adm1_codes)) = polys?;
    let admin2 = admin2?;
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
    all.extend(admin2);

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

/// Column positions of `places.tsv`, found by header name.
struct PlaceColumns {
    n: usize,
    id: usize,
    name: usize,
    ascii: usize,
    lat: usize,
    lon: usize,
    feature_code: usize,
    country: usize,
    admin1: usize,
    population: usize,
    alternates: usize,
}

fn load_places(path: &Path) -> Result<Vec<Place>, GazetteerError> {
    use rayon::prelude::*;
    let bytes = read_maybe_gz(path)?;
    let text = String::from_utf8(bytes).map_err(|e| format_err(path, e.to_string()))?;
    let (header, body) = text.split_once('\n').ok_or_else(|| format_err(path, "empty file or no records"))?;
    let cols: Vec<&str> = header.split('\t').collect();
    let col = |name: &str| {
        cols.iter().position(|c| *c == name).ok_or_else(|| format_err(path, format!("missing column {name}")))
    };
    let c = PlaceColumns {
        n: cols.len(),
        id: col("geonameid")?,
        name: col("name")?,
        ascii: col("asciiname")?,
        lat: col("lat")?,
        lon: col("lon")?,
        feature_code: col("feature_code")?,
        country: col("country")?,
        admin1: col("admin1")?,
        population: col("population")?,
        alternates: col("alternatenames")?,
    };
    // Chunks of whole lines, parsed in parallel; errors carry the byte offset of their line.
    let body_start = header.len() + 1;
    let mut chunks: Vec<(usize, &str)> = Vec::new();
    let target = (body.len() / 64).max(1 << 16);
    let mut at = 0;
    while at < body.len() {
        let mut end = (at + target).min(body.len());
        if end < body.len() {
            // Byte search: `end` may fall inside a multi-byte character; '\n' never does.
            end = body.as_bytes()[end..].iter().position(|&b| b == b'\n').map_or(body.len(), |i| end + i + 1);
        }
        chunks.push((at, &body[at..end]));
        at = end;
    }
    let parsed: Vec<Result<Vec<Place>, (usize, String)>> =
        chunks.par_iter().map(|&(offset, chunk)| parse_place_lines(chunk, offset, &c)).collect();
    let mut out = Vec::with_capacity(250_000);
    for part in parsed {
        match part {
            Ok(places) => out.extend(places),
            Err((offset, message)) => {
                let line = text[..body_start + offset].matches('\n').count() + 1;
                return Err(format_err(path, format!("line {line}: {message}")));
            }
        }
    }
    Ok(out)
}

/// Parses the lines of one chunk; an error gives the byte offset (in the body) of its line.
fn parse_place_lines(chunk: &str, offset: usize, c: &PlaceColumns) -> Result<Vec<Place>, (usize, String)> {
    let mut out = Vec::with_capacity(chunk.len() / 100);
    let mut line_start = offset;
    let mut f: Vec<&str> = Vec::with_capacity(c.n);
    for line in chunk.split_inclusive('\n') {
        let here = line_start;
        line_start += line.len();
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        f.clear();
        f.extend(line.split('\t'));
        if f.len() < c.n {
            return Err((here, format!("{} fields, expected {}", f.len(), c.n)));
        }
        let num = |i: usize| -> Result<f64, (usize, String)> {
            f[i].parse::<f64>().map_err(|_| (here, format!("bad number {:?}", f[i])))
        };
        let id: u64 = f[c.id].parse().map_err(|_| (here, format!("bad geonameid {:?}", f[c.id])))?;
        let mut names: Vec<String> = f[c.alternates].split('|').filter(|s| !s.is_empty()).map(str::to_string).collect();
        let (name, other) = display_name(f[c.name], f[c.ascii]);
        if let Some(other) = other {
            names.push(other.to_string());
        }
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        out.push(Place {
            id: format!("geonames:{id}"),
            name: name.to_string(),
            kind: Kind::Settlement,
            country: opt(f[c.country]),
            admin1: opt(f[c.admin1]),
            population: f[c.population].parse().unwrap_or(0),
            point: Point::new(num(c.lon)?, num(c.lat)?),
            feature_code: opt(f[c.feature_code]),
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

/// The name a place is shown by, and the other of GeoNames' two spellings (kept as a name to match).
/// GeoNames' `name` keeps transliteration marks English reporting never writes ("Khān Yūnis",
/// "Rafaḩ", "Dayr al Balaḩ"); its `asciiname` ("Khan Yunis", "Rafah") is what a reader knows, so a
/// name with letters beyond Latin-1 is shown by its ASCII form. Latin-1 letters are ordinary
/// spelling and stay ("São Paulo", "Kraków", "Mariupol'" is ASCII already). Matching is unchanged:
/// both spellings normalise to the same key.
fn display_name<'s>(name: &'s str, ascii: &'s str) -> (&'s str, Option<&'s str>) {
    if ascii.is_empty() || ascii == name {
        return (name, None);
    }
    if name.chars().any(|c| c as u32 > 0xFF) && ascii.chars().any(|c| c.is_ascii_alphabetic()) {
        (ascii, Some(name))
    } else {
        (name, Some(ascii))
    }
}

fn parse_collection(path: &Path) -> Result<Vec<GazFeature>, GazetteerError> {
    let bytes = read_maybe_gz(path)?;
    features::read_collection(&bytes).map_err(|e| format_err(path, e))
}

/// A representative point of a geometry: interior point of areas, halfway along lines.
pub(crate) fn representative_point(g: &Geometry<f64>) -> Option<Point<f64>> {
    match g {
        Geometry::Point(p) => Some(*p),
        Geometry::LineString(l) => l.point_at_ratio_from_start(&Euclidean, 0.5),
        Geometry::MultiLineString(m) => {
            m.0.iter().max_by_key(|l| l.0.len()).and_then(|l| l.point_at_ratio_from_start(&Euclidean, 0.5))
        }
        other => other.interior_point(),
    }
}

/// A record from a feature's properties (the fields every shipped layer shares).
fn place_from_props(
    id: String,
    props: GazProps,
    kind: Kind,
    point: Point<f64>,
    geometry: Option<Geometry<f64>>,
) -> Place {
    Place {
        name: props.name.unwrap_or_else(|| id.clone()),
        kind,
        country: props.country,
        admin1: props.admin1,
        population: props.population.unwrap_or(0),
        point,
        feature_code: None,
        geometry,
        geonameid: props.geonameid,
        names: props.names,
        demonyms: props.demonyms,
        valid_from: props.valid_from,
        valid_to: props.valid_to,
        approximate: props.approximate.unwrap_or(false),
        source: props.source,
        id,
    }
}

type PolygonLayer = (Vec<Place>, Vec<(String, String)>);

/// Natural Earth countries or admin-1 divisions; also returns (adm1_code, id) pairs.
fn load_polygons(path: &Path, kind: Kind) -> Result<PolygonLayer, GazetteerError> {
    let features = parse_collection(path)?;
    let mut out = Vec::with_capacity(features.len());
    let mut codes = Vec::new();
    for mut f in features {
        let id = f.props.id.take().ok_or_else(|| format_err(path, "feature without id"))?;
        let geometry = f.geometry;
        let point = f
            .props
            .label_point()
            .or_else(|| geometry.as_ref().and_then(representative_point))
            .ok_or_else(|| format_err(path, format!("{id}: no label and no geometry")))?;
        if let Some(code) = f.props.adm1_code.take() {
            codes.push((code, id.clone()));
        }
        let iso_a2 = f.props.iso_a2.take();
        let mut place = place_from_props(id, f.props, kind, point, geometry);
        if kind == Kind::Country {
            place.country = iso_a2;
        }
        if place.source.is_none() {
            place.source = Some("Natural Earth (public domain)".into());
        }
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

fn load_curated(path: &Path, members: &HashMap<String, Geometry<f64>>) -> Result<Vec<Place>, GazetteerError> {
    let features = parse_collection(path)?;
    let mut out = Vec::with_capacity(features.len());
    for mut f in features {
        let id = f.props.id.take().or(f.id).ok_or_else(|| format_err(path, "curated feature without id"))?;
        let geometry = match f.geometry {
            Some(g) => Some(g),
            None if !f.props.members.is_empty() => {
                let mut gs = Vec::new();
                for m in &f.props.members {
                    let g = members.get(m).ok_or_else(|| format_err(path, format!("{id}: unknown member {m}")))?;
                    gs.push(g.clone());
                }
                union_of(&gs)
            }
            None => None,
        };
        let point = f
            .props
            .label_point()
            .or_else(|| geometry.as_ref().and_then(representative_point))
            .ok_or_else(|| format_err(path, format!("{id}: no label and no geometry")))?;
        // A bare point needs no separate geometry.
        let geometry = match geometry {
            Some(Geometry::Point(_)) => None,
            g => g,
        };
        let kind = Kind::parse(f.props.kind.as_deref().unwrap_or_default());
        out.push(place_from_props(id, f.props, kind, point, geometry));
    }
    Ok(out)
}

fn apply_aliases(path: &Path, places: &mut [Place]) -> Result<(), GazetteerError> {
    let bytes = read_maybe_gz(path)?;
    let text = String::from_utf8(bytes).map_err(|e| format_err(path, e.to_string()))?;
    let mut wanted: Vec<(usize, &str, &str)> = Vec::new();
    for (lineno, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (target, alias) = line
            .split_once('\t')
            .ok_or_else(|| format_err(path, format!("line {}: expected target_id<TAB>alias", lineno + 1)))?;
        wanted.push((lineno + 1, target.trim(), alias.trim()));
    }
    // A handful of patches: find their targets in one pass instead of indexing every id.
    let mut found: HashMap<&str, Option<usize>> = wanted.iter().map(|(_, t, _)| (*t, None)).collect();
    for (i, p) in places.iter().enumerate() {
        if let Some(slot @ None) = found.get_mut(p.id.as_str()) {
            *slot = Some(i);
        }
    }
    for (lineno, target, alias) in wanted {
        let Some(i) = found[target] else {
            return Err(format_err(path, format!("line {lineno}: unknown target {target}")));
        };
        places[i].names.push(alias.to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places_file(lines: &[String]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("places.tsv");
        let header = "geonameid\tname\tasciiname\tlat\tlon\tfeature_code\tcountry\tadmin1\tpopulation\talternatenames";
        std::fs::write(&path, format!("{header}\n{}\n", lines.join("\n"))).unwrap();
        (dir, path)
    }

    fn line(i: usize) -> String {
        format!("{i}\tTown {i}\tTown {i}\t40.{i}\t44.5\tPPL\tAM\t08\t{i}\tTəwn {i}|Թաուն {i}|")
    }

    #[test]
    fn places_parse_in_chunks_in_file_order() {
        let lines: Vec<String> = (1..=3000).map(line).collect();
        let (_dir, path) = places_file(&lines);
        let places = load_places(&path).unwrap();
        assert_eq!(places.len(), 3000);
        assert!(places.iter().enumerate().all(|(i, p)| p.geonameid == Some(i as u64 + 1)));
        assert_eq!(places[2999].id, "geonames:3000");
        assert_eq!(places[41].names, vec!["Təwn 42", "Թաուն 42"]);
        assert_eq!(places[41].population, 42);
    }

    #[test]
    fn transliteration_marks_give_way_to_the_ascii_name() {
        let rows = [
            "281124\tKhān Yūnis\tKhan Yunis\t31.34\t34.30\tPPLA2\tPS\tGZ\t173183\tKhan Younis".to_string(),
            "3448439\tSão Paulo\tSao Paulo\t-23.5\t-46.6\tPPLA\tBR\t27\t10021295\t".to_string(),
            "707292\tIzyum\t\t49.2\t37.3\tPPLA2\tUA\t07\t50000\tIzium".to_string(),
        ];
        let (_dir, path) = places_file(&rows);
        let places = load_places(&path).unwrap();
        assert_eq!(places[0].name, "Khan Yunis");
        assert_eq!(places[0].names, vec!["Khan Younis", "Khān Yūnis"]);
        assert_eq!(places[1].name, "São Paulo");
        assert_eq!(places[1].names, vec!["Sao Paulo"]);
        assert_eq!(places[2].name, "Izyum");
        assert_eq!(crate::gazetteer::normalize("Khān Yūnis"), crate::gazetteer::normalize("Khan Yunis"));
    }

    #[test]
    fn a_bad_place_line_is_reported_with_its_line_number() {
        let mut lines: Vec<String> = (1..=3000).map(line).collect();
        lines[2499] = "2500\tBroken\tBroken\tnorth\t44.5\tPPL\tAM\t08\t0\t".into();
        let (_dir, path) = places_file(&lines);
        let e = load_places(&path).unwrap_err().to_string();
        // Header is line 1, so record 2500 is line 2501.
        assert!(e.contains("line 2501") && e.contains("north"), "{e}");
    }

    #[test]
    fn aliases_reach_their_target_and_an_unknown_target_is_named() {
        let lines: Vec<String> = (1..=3).map(line).collect();
        let (dir, path) = places_file(&lines);
        let mut places = load_places(&path).unwrap();
        let aliases = dir.path().join("aliases.tsv");
        std::fs::write(&aliases, "target\talias\n# comment\ngeonames:2\tTwo-town\ngeonames:2\tDeux\n").unwrap();
        apply_aliases(&aliases, &mut places).unwrap();
        assert_eq!(places[1].names[2..], ["Two-town".to_string(), "Deux".to_string()]);
        assert_eq!(places[0].names.len(), 2);
        std::fs::write(&aliases, "target\talias\ngeonames:2\tB\ngeonames:99\tNowhere\n").unwrap();
        let e = apply_aliases(&aliases, &mut places).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("geonames:99"), "{e}");
    }
}
