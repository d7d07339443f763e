// sitrep web map from PMTiles archives alone (no sitrep process): MapLibre GL JS plus the pmtiles://
// protocol of PMTiles JS, both vendored in vendor/. The archives are the files `sitrep export` writes:
//   archive.html?incidents=incidents.pmtiles&basemap=basemap.pmtiles   (these are the defaults)
// URLs are relative to the page. Without a basemap archive the incidents are drawn on the background
// alone. The style is style.json (the server's own), with its sources pointed at the archives.
import * as maplibregl from './vendor/maplibre-gl/maplibre-gl.mjs';

const params = new URLSearchParams(location.search);
const abs = (u) => new URL(u, location.href).href;
const INCIDENTS = abs(params.get('incidents') || 'incidents.pmtiles');
const BASEMAP = abs(params.get('basemap') || 'basemap.pmtiles');
const status = document.getElementById('status');
const say = (state, text) => { status.dataset.state = state; status.textContent = text; };
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const safeUrl = (u) => { try { const x = new URL(u); return /^https?:$/.test(x.protocol) ? x.href : null; } catch { return null; } };

const protocol = new pmtiles.Protocol({ metadata: true });
maplibregl.addProtocol('pmtiles', protocol.tile);

// An archive is usable when its header answers a range request (a 206 from a server with Range support).
async function archiveOk(url) {
  try {
    const header = await new pmtiles.PMTiles(url).getHeader();
    return header.tileType === pmtiles.TileType.Mvt;
  } catch { return false; }
}

async function main() {
  const [style, haveBasemap, haveIncidents] = await Promise.all([
    fetch('style.json').then((r) => { if (!r.ok) throw new Error(`style.json: HTTP ${r.status}`); return r.json(); }),
    archiveOk(BASEMAP), archiveOk(INCIDENTS),
  ]);
  if (!haveIncidents) throw new Error(`${INCIDENTS} is not a readable PMTiles archive (the server must answer Range requests)`);
  style.glyphs = `${abs('fonts/')}{fontstack}/{range}.pbf`;
  style.sources.incidents = { type: 'vector', url: `pmtiles://${INCIDENTS}`, attribution: style.sources.incidents.attribution };
  if (haveBasemap) {
    style.sources.basemap = { type: 'vector', url: `pmtiles://${BASEMAP}`, attribution: style.sources.basemap.attribution };
  } else {
    delete style.sources.basemap;
    style.layers = style.layers.filter((l) => l.source !== 'basemap');
  }
  const header = await new pmtiles.PMTiles(INCIDENTS).getHeader();
  const map = new maplibregl.Map({
    container: 'map', style, hash: 'map', attributionControl: { compact: true },
    center: [(header.minLon + header.maxLon) / 2, (header.minLat + header.maxLat) / 2],
    zoom: Math.max(header.minZoom, 2),
  });
  window.sitrepMap = map; // for the browser test
  map.addControl(new maplibregl.NavigationControl(), 'top-right');
  map.on('click', 'clusters', (e) => map.easeTo({ center: e.lngLat, zoom: map.getZoom() + 2 }));
  map.on('click', (e) => {
    const f = map.queryRenderedFeatures(e.point, { layers: ['points', 'lines', 'areas-fill'].filter((l) => map.getLayer(l)) })[0];
    if (!f) return;
    const p = f.properties;
    const url = safeUrl(p.url);
    const title = url ? `<a href="${esc(url)}" target="_blank" rel="noopener">${esc(p.title || url)}</a>` : esc(p.title || '');
    new maplibregl.Popup().setLngLat(e.lngLat).setHTML(
      `<h3>${esc(p.place_name)}</h3><p>${esc(p.name)} · ${esc(p.kind)} · precision ${esc(p.precision)}</p>` +
      `<p>${title}</p><p>${esc(p.published || '')}${p.mention_count ? ` · ${esc(p.mention_count)} mentions` : ''}</p>` +
      (p.quote ? `<p><i>${esc(p.quote)}</i></p>` : '')).addTo(map);
  });
  for (const l of ['points', 'clusters', 'lines', 'areas-fill']) {
    map.on('mouseenter', l, () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', l, () => { map.getCanvas().style.cursor = ''; });
  }
  map.on('error', (e) => say('error', `map error: ${e.error?.message || e}`));
  map.once('idle', () => say('ready', `z${header.minZoom}–${header.maxZoom} archive${haveBasemap ? ' + basemap' : ''}`));
}

main().catch((e) => say('error', e.message));
