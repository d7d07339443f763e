//! Acceptance lookups and integrity checks over every shipped gazetteer record.

use geo::Validation;
use geo_types::Geometry;
use sitrep::gazetteer::{Gazetteer, Kind};
use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

/// The shipped gazetteer, loaded once for every test (shared with the geoparser test).
fn shared_gaz() -> &'static Arc<Gazetteer> {
    static G: OnceLock<Arc<Gazetteer>> = OnceLock::new();
    G.get_or_init(|| Arc::new(Gazetteer::load_default().expect("the shipped gazetteer loads")))
}

fn gaz() -> &'static Gazetteer {
    shared_gaz()
}

fn first_id(name: &str) -> String {
    gaz().lookup(name, 5).first().unwrap_or_else(|| panic!("{name} not found")).id.clone()
}

#[test]
fn syunik_spellings_are_the_armenian_province_with_a_polygon() {
    for name in ["Syunik", "Syunik Province", "Siunik"] {
        let hits = gaz().lookup(name, 10);
        let p = hits.iter().find(|p| p.kind == Kind::Admin1).unwrap_or_else(|| panic!("{name}: no province"));
        assert_eq!(p.id, "ne-admin1:AM-SU", "{name}");
        assert_eq!(p.country.as_deref(), Some("AM"));
        assert!(matches!(p.geometry, Some(Geometry::Polygon(_)) | Some(Geometry::MultiPolygon(_))), "{name}");
        assert_eq!(hits[0].id, "ne-admin1:AM-SU", "{name}: the province ranks first");
    }
}

#[test]
fn lachin_corridor_is_a_line() {
    let hits = gaz().lookup("Lachin Corridor", 10);
    assert!(!hits.is_empty());
    assert_eq!(hits[0].kind, Kind::Corridor);
    assert!(matches!(hits[0].geometry, Some(Geometry::LineString(_)) | Some(Geometry::MultiLineString(_))));
    assert!(hits.iter().all(|p| p.kind == Kind::Corridor), "only corridors carry that name");
}

#[test]
fn khankendi_and_stepanakert_are_the_same_place() {
    let a = gaz().lookup("Khankendi", 3);
    let b = gaz().lookup("Stepanakert", 3);
    let settlement =
        |v: &Vec<&sitrep::gazetteer::Place>| v.iter().find(|p| p.kind == Kind::Settlement).map(|p| p.id.clone());
    assert_eq!(settlement(&a), Some("geonames:146970".to_string()));
    assert_eq!(settlement(&a), settlement(&b));
}

#[test]
fn nagorno_karabakh_and_artsakh_are_the_same_area() {
    let a = first_id("Nagorno-Karabakh");
    assert_eq!(a, first_id("Artsakh"));
    assert_eq!(a, first_id("Nagorno Karabakh"));
    let p = gaz().by_id(&a).unwrap();
    assert!(matches!(p.geometry, Some(Geometry::Polygon(_)) | Some(Geometry::MultiPolygon(_))));
}

#[test]
fn engagement_line_names_the_karabakh_line_of_contact() {
    let hits = gaz().lookup("engagement line", 10);
    let p = hits
        .iter()
        .find(|p| p.kind == Kind::LineOfContact && p.valid_from.as_deref() == Some("2020-11-10"))
        .expect("the 2020-2023 line of contact is called the engagement line");
    assert!(p.names.iter().any(|n| n.eq_ignore_ascii_case("engagement line")));
}

#[test]
fn capitals_rank_first_among_namesakes() {
    assert_eq!(first_id("Yerevan"), "geonames:616052");
    assert_eq!(first_id("Baku"), "geonames:587084");
    assert_eq!(first_id("Moscow"), "geonames:524901");
    assert!(gaz().lookup("Moscow", 20).len() > 1, "Moscow has namesakes");
}

#[test]
fn armenia_the_country_ranks_before_armenia_colombia() {
    let hits = gaz().lookup("Armenia", 10);
    assert_eq!(hits[0].id, "ne-country:ARM");
    assert!(hits.iter().any(|p| p.id == "geonames:3689560"), "Armenia, Quindío is still a candidate");
}

#[test]
fn diacritics_and_native_scripts() {
    assert_eq!(first_id("Cap-Haïtien"), first_id("Cap Haitien"));
    assert_eq!(first_id("Ереван"), "geonames:616052");
    assert!(gaz().lookup("Київ", 3).iter().any(|p| p.id == "geonames:703448"), "Kyiv by its Ukrainian name");
}

#[test]
fn unknown_names_find_nothing() {
    assert!(gaz().lookup("Qwxzyville", 5).is_empty());
}

#[test]
fn ids_are_unique_and_points_in_range() {
    let mut seen = HashSet::new();
    for p in gaz().places() {
        assert!(seen.insert(p.id.as_str()), "duplicate id {}", p.id);
        let (x, y) = (p.point.x(), p.point.y());
        assert!((-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y), "{} point out of range", p.id);
    }
    assert!(gaz().len() > 230_000, "about 235k populated places plus areas: {}", gaz().len());
}

#[test]
fn every_geometry_is_valid() {
    let mut invalid = Vec::new();
    for p in gaz().places() {
        let Some(g) = &p.geometry else { continue };
        let in_range =
            geo::CoordsIter::coords_iter(g).all(|c| (-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y));
        assert!(in_range, "{} has coordinates out of range", p.id);
        match g {
            Geometry::Polygon(_) | Geometry::MultiPolygon(_) => {
                // Closed rings, no self-intersection, holes inside shells (OGC validity).
                if !g.is_valid() {
                    invalid.push(p.id.clone());
                }
            }
            Geometry::LineString(l) => assert!(l.0.len() >= 2, "{} line has fewer than 2 points", p.id),
            Geometry::MultiLineString(m) => assert!(m.0.iter().all(|l| l.0.len() >= 2), "{}", p.id),
            _ => {}
        }
    }
    assert!(invalid.is_empty(), "invalid polygons: {invalid:?}");
}

#[test]
fn every_curated_feature_has_a_source() {
    let curated: Vec<_> = gaz().places().iter().filter(|p| p.id.starts_with("sitrep:")).collect();
    assert!(curated.len() >= 50, "curated layer is present: {}", curated.len());
    for p in curated {
        assert!(p.source.as_deref().is_some_and(|s| s.len() > 5), "{} has no source", p.id);
        for d in [&p.valid_from, &p.valid_to].into_iter().flatten() {
            assert!(sitrep::features::date_to_unix(d).is_some(), "{} has a bad date {d}", p.id);
        }
    }
}

#[test]
fn us_counties_are_areas_named_in_full() {
    let hits = gaz().lookup("Orange County", 20);
    let counties: Vec<_> = hits.iter().filter(|p| p.kind == Kind::Admin2).collect();
    assert!(counties.len() >= 7, "Orange County exists in CA, FL, NY, NC, TX, VA, VT, IN: {}", counties.len());
    let ca = counties.iter().find(|p| p.id == "us-county:06059").expect("Orange County, California");
    assert_eq!((ca.country.as_deref(), ca.admin1.as_deref()), (Some("US"), Some("CA")));
    assert!(matches!(ca.geometry, Some(Geometry::Polygon(_)) | Some(Geometry::MultiPolygon(_))));
    assert!(counties.iter().all(|p| p.population <= ca.population), "the California one is the most populous");
    // Louisiana has parishes, and a bare first word is not a county name.
    assert!(gaz().lookup("Orleans Parish", 5).iter().any(|p| p.id == "us-county:22071"));
    assert!(gaz().lookup("Orange", 50).iter().all(|p| p.kind != Kind::Admin2));
}

#[test]
fn arabic_towns_are_found_without_their_article() {
    // GeoNames has "Al Qāmishlī" and "Ar Raqqah"; English news writes "Qamishli" and "Raqqa".
    assert_eq!(first_id("Qamishli"), "geonames:173377");
    assert!(gaz().lookup("Raqqa", 5).iter().any(|p| p.id == "geonames:172955"));
    // Only where names carry the Arabic article: "El Paso" stays "El Paso".
    assert!(gaz().lookup("Paso", 20).iter().all(|p| p.country.as_deref() != Some("US") || p.name != "El Paso"));
}

#[test]
fn regions_are_not_filed_under_their_country() {
    // countrynames lists "Sicily" and "Catalonia" among the names of Italy and Spain; a mention of
    // them must land on the region, hundreds of kilometres from the country's point.
    for (name, id) in [
        ("Sicily", "region:IT-82"),
        ("Sardinia", "region:IT-88"),
        ("Catalonia", "region:ES-CT"),
        ("Andalusia", "region:ES-AN"),
    ] {
        let hits = gaz().lookup(name, 10);
        assert!(hits.iter().all(|p| p.kind != Kind::Country), "{name} is filed under a country");
        assert_eq!(hits.first().map(|p| p.id.as_str()), Some(id), "{name}");
        assert!(
            matches!(hits[0].geometry, Some(Geometry::MultiPolygon(_)) | Some(Geometry::Polygon(_))),
            "{name} is an area"
        );
    }
}

#[test]
fn regions_made_of_natural_earth_provinces_are_whole_areas() {
    // Natural Earth's admin-1 for Italy, France, Spain and Belgium are provinces and departments;
    // the regions above them are built as unions and take the names NE had filed under one
    // province ("Lombardy" was an alternate name of Varese, "Tuscany" of Grosseto).
    for (name, id, admin1) in [
        ("Lombardy", "region:IT-25", "09"),
        ("Tuscany", "region:IT-52", "16"),
        ("Normandy", "region:FR-NOR", "28"),
        ("Basque Country", "region:ES-PV", "59"),
        ("Flanders", "region:BE-VLG", "VLG"),
    ] {
        let hits = gaz().lookup(name, 10);
        let first = hits.first().unwrap_or_else(|| panic!("{name} not found"));
        assert_eq!(first.id, id, "{name}");
        assert_eq!(first.kind, Kind::Admin1, "{name}");
        assert_eq!(first.admin1.as_deref(), Some(admin1), "{name}");
        assert!(
            matches!(first.geometry, Some(Geometry::MultiPolygon(_)) | Some(Geometry::Polygon(_))),
            "{name} is an area"
        );
        assert!(
            hits.iter().filter(|p| p.kind == Kind::Admin1).count() == 1,
            "{name}: a province still carries the name"
        );
    }
    // NE filed "Latium" under every Ligurian province; Latium is Lazio.
    assert_eq!(gaz().lookup("Latium", 5).first().map(|p| p.id.as_str()), Some("region:IT-62"));
    // Genova keeps its own name (NE's English name for it was "Liguria").
    assert_eq!(gaz().lookup("Liguria", 5).first().map(|p| p.id.as_str()), Some("region:IT-42"));
}

#[test]
fn the_nations_of_the_united_kingdom_are_regions() {
    for (name, id) in [
        ("England", "sitrep:england"),
        ("Scotland", "sitrep:scotland"),
        ("Wales", "sitrep:wales"),
        ("Northern Ireland", "sitrep:northern-ireland"),
    ] {
        let hits = gaz().lookup(name, 5);
        assert_eq!(hits.first().map(|p| p.id.as_str()), Some(id), "{name}");
        assert_eq!(hits[0].country.as_deref(), Some("GB"), "{name}");
    }
}

#[test]
fn the_shipped_gazetteer_reads_names_in_context() {
    use sitrep::geoparse::Geoparser;
    let gp = Geoparser::new(Arc::clone(shared_gaz()));
    let names_ids = |text: &str| -> Vec<(String, String)> {
        gp.parse(text, None).into_iter().map(|m| (m.name, m.place_id)).collect()
    };
    // The provinces created in 2015 exist; "Équateur" among Congolese provinces is the province,
    // not Ecuador's French name.
    let got = names_ids("Ebola cases rose in Ituri and North Kivu, and two were confirmed in Équateur.");
    let ids: Vec<&str> = got.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(ids, ["sitrep:ituri", "ne-admin1:CD-NK", "ne-admin1:CD-EQ"], "{got:?}");
    // "Balkans" is a place, not the plural of a demonym; a sentence-initial "The" stays out of the
    // span unless the name has it ("The Hague").
    let got = names_ids("Experts warned the Balkans. The Balkans are at risk, the court in The Hague said.");
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Balkans", "Balkans", "The Hague"], "{got:?}");
    assert!(got[..2].iter().all(|(_, id)| id == "sitrep:balkans"), "{got:?}");
    // Former names of countries and former states; a Canadian province's abbreviation, but not
    // the era after a year.
    let got = names_ids("The 1976 outbreak in Zaire recalled the Soviet Union; Persia and Ceylon traded.");
    let ids: Vec<&str> = got.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(ids, ["ne-country:COD", "sitrep:soviet-union", "ne-country:IRN", "ne-country:LKA"], "{got:?}");
    let got = names_ids("A nurse from Vancouver, B.C., read about Plato, who died in 347 B.C.");
    assert_eq!(got.iter().filter(|(n, _)| n == "B.C.").count(), 1, "{got:?}");
    assert!(got.iter().any(|(n, id)| n == "B.C." && id == "ne-admin1:CA-BC"), "{got:?}");
    // A first name that closes a place name is no person ("the Holy See Mikayel Minasyan");
    // "English" before a place noun is England, and with it Salisbury is the English city, not
    // Harare's former name; an acronym the gazetteer lists stands in capitals; a news agency is none.
    let got = names_ids("The envoy to the Holy See Mikayel Minasyan met SANA reporters.");
    assert_eq!(got, [("Holy See".to_string(), "ne-country:VAT".to_string())], "{got:?}");
    let got = names_ids("She lived in the English city of Salisbury. He speaks English.");
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["English", "Salisbury"], "{got:?}");
    assert_eq!(got[0].1, "sitrep:england");
    assert_eq!(gaz().by_id(&got[1].1).and_then(|p| p.country.as_deref()), Some("GB"), "{got:?}");
    // "Asia-Pacific" is Asia and the Pacific, as "India-Pakistan" is two countries; a compound
    // that names a country stays one.
    let got = names_ids("Growth in Asia-Pacific and trade with Guinea-Bissau and Bosnia-Herzegovina.");
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Asia", "Pacific", "Guinea-Bissau", "Bosnia-Herzegovina"], "{got:?}");
    let got = names_ids("Mainstreaming FATA was promised.");
    assert_eq!(got, [("FATA".to_string(), "ne-admin1:PK-TA".to_string())], "{got:?}");
}
