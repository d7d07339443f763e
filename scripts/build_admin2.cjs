// Step 1 of data/gazetteer/admin2.geojson.gz: US counties (and Louisiana parishes) from us-atlas
// TopoJSON as GeoJSON with "X County" / "X Parish" names, the state's postal code and a population
// proxy (the summed population of the GeoNames places of that county in places.tsv.gz), written to
// stdout. Run by build_admin2.sh; build_admin2.py repairs the geometry and writes the layer.
// Left out: Alaska (its boroughs and census areas have no one suffix), DC, the independent cities
// (GeoNames has them as places) and the territories.
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");

const [countiesPath, topojsonClientPath, outDir] = process.argv.slice(2); // outDir: data/gazetteer (read only)
const topojson = require(topojsonClientPath);
const topo = JSON.parse(fs.readFileSync(countiesPath, "utf8"));

// State FIPS -> postal code, joined by name with the shipped admin-1 layer.
const admin1 = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(outDir, "admin1.geojson.gz"))));
const postalByName = new Map();
for (const f of admin1.features) {
  const p = f.properties;
  if (p.country === "US" && p.admin1 !== "DC") postalByName.set(p.name, p.admin1);
}
const postalByFips = new Map();
for (const s of topojson.feature(topo, topo.objects.states).features) {
  const postal = postalByName.get(s.properties.name);
  if (postal) postalByFips.set(s.id, postal);
}

// Population proxy per county: sum over GeoNames places (country US, admin1, admin2).
const pop = new Map();
const tsv = zlib.gunzipSync(fs.readFileSync(path.join(outDir, "places.tsv.gz"))).toString("utf8").split("\n");
const head = tsv[0].split("\t");
const col = (n) => {
  const i = head.indexOf(n);
  if (i < 0) throw new Error(`places.tsv.gz has no column ${n}`);
  return i;
};
const [cCountry, cAdmin1, cAdmin2, cPop] = ["country", "admin1", "admin2", "population"].map(col);
for (const line of tsv.slice(1)) {
  const r = line.split("\t");
  if (r[cCountry] !== "US" || !r[cAdmin2]) continue;
  const k = `${r[cAdmin1]}:${r[cAdmin2]}`;
  pop.set(k, (pop.get(k) || 0) + (Number(r[cPop]) || 0));
}

const independentCities = new Set(["24510", "29510", "32510"]);
const features = [];
const skipped = { alaska: 0, dc: 0, independent_city: 0, territory: 0, no_geometry: 0 };
for (const f of topojson.feature(topo, topo.objects.counties).features) {
  const stateFips = f.id.slice(0, 2);
  const countyFips = f.id.slice(2);
  if (stateFips === "02") { skipped.alaska++; continue; }
  if (stateFips === "11") { skipped.dc++; continue; }
  if ((stateFips === "51" && Number(countyFips) >= 510) || independentCities.has(f.id)) { skipped.independent_city++; continue; }
  const postal = postalByFips.get(stateFips);
  if (!postal) { skipped.territory++; continue; }
  if (!f.geometry) { skipped.no_geometry++; continue; }
  const name = `${f.properties.name} ${stateFips === "22" ? "Parish" : "County"}`;
  features.push({
    type: "Feature",
    properties: {
      id: `us-county:${f.id}`,
      name,
      names: [name],
      country: "US",
      admin1: postal,
      population: pop.get(`${postal}:${countyFips}`) || 0,
      source: "US Census Bureau cartographic boundaries 2017 via us-atlas 3.0.1 (public domain)",
    },
    geometry: f.geometry,
  });
}
features.sort((a, b) => (a.properties.id < b.properties.id ? -1 : 1));
// Raw (unrepaired, unrounded) collection for build_admin2.py, which repairs and writes the layer.
process.stdout.write(JSON.stringify({ type: "FeatureCollection", skipped, features }));
