// sitrep web map. Talks only to its own origin (the sitrep server); the optional OpenStreetMap raster
// layer is the one exception and is added only when the user turns it on.
// API used: /style.json, /tiles, /basemap, /fonts, /collections/incidents, /api/incidents,
// /api/geoparse, /api/articles, /api/events (see notes/spec.md).
import * as maplibregl from '/static/vendor/maplibre-gl/maplibre-gl.mjs';

const ORIGIN = location.origin;
const DAY = 86400;
const INCIDENT_LAYERS = ['points', 'points-halo', 'lines', 'areas-fill'];
const FILTERED_LAYERS = ['points', 'points-halo', 'incident-label', 'areas-fill', 'areas-hatch', 'areas-outline', 'lines', 'lines-casing', 'lines-label'];
const CLUSTER_LAYERS = ['clusters', 'cluster-count'];
const PASTE_LAYERS = ['paste-fill', 'paste-line', 'paste-point'];
const LIST_LIMIT = 300;

export const PRECISION = {
  1: 'exact: a named settlement or landmark',
  2: 'near a named place (outskirts, "north of", "N km from"; up to ~25 km)',
  3: 'district (second-level division) only',
  4: 'province or region (first-level division) only',
  5: 'along a corridor, road, front line, border or river',
  6: 'country only',
  7: 'at sea or in the air',
};
const PRECISION_SHORT = { 1: 'exact place', 2: 'near a place', 3: 'district', 4: 'province', 5: 'along a line', 6: 'country', 7: 'sea / air' };
const PRECISION_SW = { 1: 'sw-p1', 2: 'sw-p2', 3: 'sw-area', 4: 'sw-area', 5: 'sw-corridor', 6: 'sw-country', 7: 'sw-sea' };
const ACLED = { 1: 'town-level', 2: 'near a town / district', 3: 'province-level or wider' };
// kind checkboxes; "other" stands for every kind not named here
const KINDS = [
  ['settlement', 'settlement'], ['admin1', 'province'], ['country', 'country'], ['region', 'region'],
  ['corridor', 'corridor'], ['line_of_contact', 'line of contact'], ['border_segment', 'border'], ['other', 'other'],
];
const KNOWN_KINDS = KINDS.map(([k]) => k).filter((k) => k !== 'other');

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const dayToIso = (d) => new Date(d * DAY * 1000).toISOString().slice(0, 10);
const isoToDay = (s) => { const t = Date.parse(s + 'T00:00:00Z'); return Number.isFinite(t) ? Math.floor(t / 1000 / DAY) : null; };
const safeUrl = (u) => { try { const x = new URL(u, ORIGIN); return /^https?:$/.test(x.protocol) ? x.href : null; } catch { return null; } };

// ---------------------------------------------------------------- state
const state = {
  domain: [isoToDay('2000-01-01'), Math.floor(Date.now() / 1000 / DAY)], // slider bounds (days)
  from: null, to: null, // selected days; null = open end
  kinds: new Set(KINDS.map(([k]) => k)),
  precisions: new Set([1, 2, 3, 4, 5, 6, 7]),
  osm: false,
  context: false, // show context mentions (datelines, governments, ...) beside the event sites
  tileVersion: 0,
  tab: 'list',
};
const hovered = new Map(); // key -> {source, sourceLayer, id}
let listFeatures = [];

function readHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  const out = {};
  const m = (h.get('map') || '').split('/').map(Number);
  if (m.length >= 3 && m.every(Number.isFinite)) out.view = { zoom: m[0], center: [m[2], m[1]] };
  if (h.get('from')) out.from = isoToDay(h.get('from'));
  if (h.get('to')) out.to = isoToDay(h.get('to'));
  if (h.has('kind')) out.kinds = new Set(h.get('kind').split(',').filter(Boolean));
  if (h.has('prec')) out.precisions = new Set(h.get('prec').split(',').map(Number).filter((n) => n >= 1 && n <= 7));
  out.osm = h.get('osm') === '1';
  out.context = h.get('ctx') === '1';
  if (h.get('tab')) out.tab = h.get('tab');
  return out;
}
function writeHash() {
  if (!map) return;
  const c = map.getCenter();
  const p = new URLSearchParams();
  p.set('map', `${map.getZoom().toFixed(2)}/${c.lat.toFixed(4)}/${c.lng.toFixed(4)}`);
  if (state.from != null) p.set('from', dayToIso(state.from));
  if (state.to != null) p.set('to', dayToIso(state.to));
  if (state.kinds.size !== KINDS.length) p.set('kind', [...state.kinds].join(','));
  if (state.precisions.size !== 7) p.set('prec', [...state.precisions].sort().join(','));
  if (state.osm) p.set('osm', '1');
  if (state.context) p.set('ctx', '1');
  if (state.tab !== 'list') p.set('tab', state.tab);
  const h = '#' + p.toString().replace(/%2F/g, '/').replace(/%2C/g, ',');
  if (h !== location.hash) history.replaceState(null, '', h);
}

// ---------------------------------------------------------------- filters
function timeBounds() {
  const from = state.from != null && state.from > state.domain[0] ? state.from : null;
  const to = state.to != null && state.to < state.domain[1] ? state.to : null;
  return { from, to };
}
function filtersActive() {
  const { from, to } = timeBounds();
  return from != null || to != null || state.kinds.size !== KINDS.length || state.precisions.size !== 7 || !state.context;
}
function userFilter() {
  const parts = [];
  // context mentions carry event=false; mentions stored before roles were read have no event
  if (!state.context) parts.push(['!=', ['get', 'event'], false]);
  const { from, to } = timeBounds();
  if (from != null || to != null) {
    parts.push(['has', 'time']);
    if (from != null) parts.push(['>=', ['to-number', ['get', 'time']], from * DAY]);
    if (to != null) parts.push(['<', ['to-number', ['get', 'time']], (to + 1) * DAY]);
  }
  if (state.kinds.size !== KINDS.length) {
    const named = [...state.kinds].filter((k) => k !== 'other');
    const any = [];
    if (named.length) any.push(['match', ['get', 'kind'], named, true, false]);
    if (state.kinds.has('other')) any.push(['!', ['match', ['get', 'kind'], KNOWN_KINDS, true, false]]);
    parts.push(any.length ? ['any', ...any] : false);
  }
  if (state.precisions.size !== 7) {
    const ps = [...state.precisions];
    parts.push(ps.length ? ['match', ['to-number', ['get', 'precision']], ps, true, false] : false);
  }
  return parts;
}
// query string for the tile URL and the export link (server may use it to recompute clusters)
function filterParams() {
  const p = new URLSearchParams();
  const { from, to } = timeBounds();
  if (from != null || to != null) p.set('datetime', `${from != null ? dayToIso(from) : '..'}/${to != null ? dayToIso(to) : '..'}`);
  if (state.kinds.size !== KINDS.length) {
    let ks = [...state.kinds].filter((k) => k !== 'other');
    if (state.kinds.has('other')) ks = ks.concat(['natural', 'sea', 'river', 'lake', 'mountain_range', 'desert', 'continent', 'crossing', 'admin2']);
    p.set('kind', ks.join(','));
  }
  if (state.precisions.size !== 7) p.set('precision', [...state.precisions].sort().join(','));
  if (!state.context) p.set('role', 'event');
  return p;
}

let baseFilters = {};
function applyFilters() {
  if (!map || !map.getLayer('points')) return;
  const uf = userFilter();
  for (const id of FILTERED_LAYERS) {
    if (!map.getLayer(id)) continue;
    const base = baseFilters[id];
    const all = [...(base ? [base] : []), ...uf];
    map.setFilter(id, all.length === 0 ? null : all.length === 1 ? all[0] : ['all', ...all]);
  }
  const n = (KINDS.length - state.kinds.size) + (7 - state.precisions.size);
  $('filter-summary').textContent = n ? `(${n} hidden)` : '';
  updateExportLink();
  writeHash();
  scheduleList();
}
let tileTimer;
function refreshIncidentTiles(immediate) {
  clearTimeout(tileTimer);
  const run = () => {
    const src = map && map.getSource('incidents');
    if (!src) return;
    const p = filterParams();
    if (state.tileVersion) p.set('v', String(state.tileVersion));
    const qs = p.toString();
    src.setTiles([`${ORIGIN}/tiles/{z}/{x}/{y}.mvt${qs ? '?' + qs : ''}`]);
  };
  if (immediate) run(); else tileTimer = setTimeout(run, 500);
}
function updateExportLink() {
  const p = filterParams();
  if (map) {
    const b = map.getBounds();
    p.set('bbox', [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(4)).join(','));
  }
  p.set('limit', '1000');
  $('export').href = `/api/incidents?${p}`;
}

// ---------------------------------------------------------------- time range control
const tFrom = $('t-from'), tTo = $('t-to'), dFrom = $('d-from'), dTo = $('d-to');
function syncTimeControls() {
  const [lo, hi] = state.domain;
  for (const el of [tFrom, tTo]) { el.min = lo; el.max = hi; }
  const f = state.from ?? lo, t = state.to ?? hi;
  tFrom.value = Math.max(lo, Math.min(f, hi));
  tTo.value = Math.max(lo, Math.min(t, hi));
  dFrom.value = dayToIso(f); dTo.value = dayToIso(t);
  dFrom.min = dTo.min = dayToIso(lo); dFrom.max = dTo.max = dayToIso(hi);
  const span = Math.max(1, hi - lo);
  const a = (Math.max(lo, f) - lo) / span, b = (Math.min(hi, t) - lo) / span;
  const fill = $('range-fill');
  fill.style.left = `calc(8px + (100% - 16px) * ${a})`;
  fill.style.width = `calc((100% - 16px) * ${Math.max(0, b - a)})`;
}
function setRange(from, to, commit) {
  if (from != null && to != null && from > to) [from, to] = [to, from];
  state.from = from; state.to = to;
  syncTimeControls();
  applyFilters();
  if (commit) refreshIncidentTiles();
}
tFrom.addEventListener('input', () => { let v = +tFrom.value; if (v > +tTo.value) v = +tTo.value; setRange(v, +tTo.value, false); });
tTo.addEventListener('input', () => { let v = +tTo.value; if (v < +tFrom.value) v = +tFrom.value; setRange(+tFrom.value, v, false); });
for (const el of [tFrom, tTo]) el.addEventListener('change', () => refreshIncidentTiles());
for (const el of [dFrom, dTo]) el.addEventListener('change', () => {
  const f = isoToDay(dFrom.value), t = isoToDay(dTo.value);
  if (f != null && f < state.domain[0]) state.domain[0] = f;
  if (t != null && t > state.domain[1]) state.domain[1] = t;
  setRange(f, t, true);
});
$('time-reset').addEventListener('click', () => setRange(null, null, true));

async function loadTimeDomain() {
  let lo = null, hi = null;
  try {
    const r = await fetch('/collections/incidents?f=json', { headers: { Accept: 'application/json' } });
    if (r.ok) {
      const j = await r.json();
      const iv = j?.extent?.temporal?.interval?.[0];
      if (iv) { lo = iv[0] ? isoToDay(String(iv[0]).slice(0, 10)) : null; hi = iv[1] ? isoToDay(String(iv[1]).slice(0, 10)) : null; }
    }
  } catch { /* fall through */ }
  if (lo == null || hi == null) {
    try {
      const r = await fetch('/api/incidents?limit=10000', { headers: { Accept: 'application/geo+json, application/json' } });
      if (r.ok) {
        const j = await r.json();
        for (const f of j.features || []) {
          const t = Number(f.properties?.time);
          const d = Number.isFinite(t) && f.properties?.time != null ? Math.floor(t / DAY) : isoToDay(f.properties?.published || '');
          if (d == null) continue;
          if (lo == null || d < lo) lo = d;
          if (hi == null || d > hi) hi = d;
        }
      }
    } catch { /* keep defaults */ }
  }
  if (lo != null && hi != null) {
    const today = Math.floor(Date.now() / 1000 / DAY);
    const wasOpenEnd = state.to == null || state.to >= state.domain[1];
    state.domain = [Math.min(lo, state.from ?? lo), Math.max(hi, state.to ?? hi, lo + 1)];
    if (wasOpenEnd && state.to != null && state.to < state.domain[1]) state.to = null;
    void today;
  }
  syncTimeControls();
  applyFilters();
}

// ---------------------------------------------------------------- kind / precision checkboxes
function buildCheckboxes() {
  const kf = $('kind-filter');
  for (const [k, label] of KINDS) {
    const l = document.createElement('label');
    l.innerHTML = `<input type="checkbox" value="${k}"> ${esc(label)}`;
    const cb = l.querySelector('input');
    cb.checked = state.kinds.has(k);
    cb.addEventListener('change', () => { cb.checked ? state.kinds.add(k) : state.kinds.delete(k); applyFilters(); refreshIncidentTiles(); });
    kf.append(l);
  }
  const pf = $('precision-filter');
  for (let p = 1; p <= 7; p++) {
    const l = document.createElement('label');
    l.title = PRECISION[p];
    l.innerHTML = `<input type="checkbox" value="${p}"> ${p} ${esc(PRECISION_SHORT[p])}`;
    const cb = l.querySelector('input');
    cb.checked = state.precisions.has(p);
    cb.addEventListener('change', () => { cb.checked ? state.precisions.add(p) : state.precisions.delete(p); applyFilters(); refreshIncidentTiles(); });
    pf.append(l);
  }
  const lg = $('legend-precision');
  for (let p = 1; p <= 7; p++) {
    const li = document.createElement('li');
    li.innerHTML = `<i class="sw ${PRECISION_SW[p]}"></i><span><b>${p}</b>${esc(PRECISION[p])}</span>`;
    lg.append(li);
  }
}
function syncCheckboxes() {
  for (const cb of $('kind-filter').querySelectorAll('input')) cb.checked = state.kinds.has(cb.value);
  for (const cb of $('precision-filter').querySelectorAll('input')) cb.checked = state.precisions.has(+cb.value);
}

// ---------------------------------------------------------------- tabs / panel
function showTab(name) {
  if (!['list', 'paste', 'legend'].includes(name)) name = 'list';
  state.tab = name;
  for (const b of document.querySelectorAll('.tabs button')) b.setAttribute('aria-selected', String(b.dataset.tab === name));
  for (const s of document.querySelectorAll('.tab')) s.hidden = s.id !== `tab-${name}`;
  writeHash();
}
for (const b of document.querySelectorAll('.tabs button')) b.addEventListener('click', () => {
  document.body.classList.remove('panel-collapsed');
  $('panel-toggle').setAttribute('aria-expanded', 'true');
  showTab(b.dataset.tab);
  map && map.resize();
});
$('panel-toggle').addEventListener('click', () => {
  const c = document.body.classList.toggle('panel-collapsed');
  $('panel-toggle').setAttribute('aria-expanded', String(!c));
  map && map.resize();
});

// ---------------------------------------------------------------- popup content
function quoteHtml(quote, start, end, name) {
  const cps = Array.from(String(quote ?? ''));
  let s = Number(start), e = Number(end);
  if (!(Number.isInteger(s) && Number.isInteger(e) && s >= 0 && e > s && e <= cps.length)) {
    const i = name ? String(quote ?? '').indexOf(name) : -1;
    if (i < 0) return esc(quote);
    s = Array.from(String(quote).slice(0, i)).length; e = s + Array.from(name).length;
  }
  return esc(cps.slice(0, s).join('')) + '<mark>' + esc(cps.slice(s, e).join('')) + '</mark>' + esc(cps.slice(e).join(''));
}
// a window of the sentence around the mention, for lists (the popup shows the whole quote)
function snippetHtml(sentence, name, width = 110) {
  const s = String(sentence ?? '');
  if (s.length <= 2 * width) return quoteHtml(s, null, null, name);
  let i = name ? s.indexOf(name) : -1;
  if (i < 0) i = 0;
  const a = Math.max(0, i - width), b = Math.min(s.length, i + (name ? name.length : 0) + width);
  return (a > 0 ? '… ' : '') + quoteHtml(s.slice(a, b), null, null, name) + (b < s.length ? ' …' : '');
}
function precisionHtml(p) {
  const n = Number(p);
  return PRECISION[n] ? `<b>${n}</b> — ${esc(PRECISION[n])}` : 'unknown';
}
function confidenceHtml(c) {
  const v = Number(c);
  if (!Number.isFinite(v)) return 'unknown';
  return `<meter min="0" max="1" low="0.5" high="0.8" optimum="1" value="${v}"></meter> ${Math.round(v * 100)}%`;
}
// Tiles at low zoom keep only essential properties (no quote, title, url): the popup fetches the
// full incident from /collections/incidents/items/{id} and fills itself in.
const fullProps = new Map();
const isPartial = (p) => p && p.mention_id != null && !fullProps.has(String(p.mention_id)) && (p.quote == null || p.title == null);
async function completePopup(el) {
  for (const pp of el.querySelectorAll('.pp[data-partial]')) {
    const id = pp.dataset.mention;
    try {
      if (!fullProps.has(id)) {
        const r = await fetch(`/collections/incidents/items/${encodeURIComponent(id)}`, { headers: { Accept: 'application/geo+json' } });
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        fullProps.set(id, (await r.json()).properties || {});
      }
      if (pp.isConnected) pp.outerHTML = incidentHtml(fullProps.get(id));
    } catch (e) {
      const w = pp.querySelector('.pp-loading');
      if (w) w.textContent = `article details unavailable (${e.message})`;
    }
  }
  if (popup && popup.isOpen()) fitPopup(popup);
}
function incidentHtml(p0) {
  const id = p0.mention_id != null ? String(p0.mention_id) : null;
  const p = id && fullProps.has(id) ? { ...p0, ...fullProps.get(id) } : p0;
  if (isPartial(p)) {
    return `<div class="pp" data-mention="${esc(p.mention_id)}" data-partial="1">
    <div class="pp-place">${esc(p.place_name || p.name || 'unnamed place')}<span class="pp-kind">${esc(String(p.kind || '').replace(/_/g, ' '))}</span></div>
    <div class="pp-src">${esc(p.published || '')}</div>
    <div class="pp-loading muted">loading the article and quote…</div>
    <div class="pp-prec">Location precision: ${precisionHtml(p.precision)}</div>
  </div>`;
  }
  const url = safeUrl(p.url);
  const title = esc(p.title || 'untitled article');
  const written = p.name && p.name !== p.place_name ? `<div class="pp-written">as written: “${esc(p.name)}”</div>` : '';
  const acled = ACLED[Number(p.geo_precision)] ? ` · ACLED ${Number(p.geo_precision)} (${ACLED[Number(p.geo_precision)]})` : '';
  return `<div class="pp" data-mention="${esc(p.mention_id)}">
    <div class="pp-place">${esc(p.place_name || p.name || 'unnamed place')}<span class="pp-kind">${esc(String(p.kind || '').replace(/_/g, ' '))}</span></div>
    ${written}
    <div>${url ? `<a href="${esc(url)}" target="_blank" rel="noopener noreferrer">${title}</a>` : title}</div>
    <div class="pp-src">${esc(p.source || '')}${p.source && p.published ? ' · ' : ''}${esc(p.published || '')}</div>
    ${p.quote ? `<blockquote>${quoteHtml(p.quote, p.quote_start, p.quote_end, p.name)}</blockquote>` : ''}
    ${p.event === false ? `<div class="pp-role">Context, not where the event happened${p.role_reason ? `: ${esc(p.role_reason)}` : ''}</div>` : ''}
    <div class="pp-prec">Location precision: ${precisionHtml(p.precision)}${acled}</div>
    <div class="pp-conf">Geoparser confidence: ${confidenceHtml(p.confidence)}</div>
    ${reviewHtml(p)}
    <div class="pp-id">mention ${esc(p.mention_id)} · ${esc(p.place_id || '')}</div>
  </div>`;
}
// an analyst's review of the incident, and (with the write token in this tab) the controls to review it
const REVIEW_LABEL = { verified: 'Verified', corrected: 'Corrected', rejected: 'Rejected' };
function reviewHtml(p) {
  const status = p.review
    ? `<div class="pp-review pp-review-${esc(p.review)}">${esc(REVIEW_LABEL[p.review] || p.review)} by ${esc(p.reviewed_by || '?')}${p.reviewed_at ? ' · ' + esc(String(p.reviewed_at).slice(0, 10)) : ''}${p.original_place_name ? ` · moved from ${esc(p.original_place_name)}` : ''}${p.review_note ? `<div class="pp-note">${esc(p.review_note)}</div>` : ''}</div>`
    : '<div class="pp-review pp-review-pending">Not reviewed yet (the geoparser\'s reading)</div>';
  if (!sessionStorage.getItem('sitrep.token')) return status;
  return `${status}<div class="pp-actions" data-mention="${esc(p.mention_id)}">
    <input class="pp-author" aria-label="Your name (stored with the review)" placeholder="your name" value="${esc(sessionStorage.getItem('sitrep.author') || '')}">
    <input class="pp-note-in" aria-label="Review note" placeholder="note (optional)">
    <button type="button" data-review="verified">Verify</button>
    <button type="button" data-review="rejected">Reject</button>
    ${p.review ? '<button type="button" data-review="pending">Undo review</button>' : ''}
    <details><summary>Correct the place…</summary>
      <input class="pp-move" aria-label="Move to a place name, or lat, lon" placeholder="place name, or lat, lon">
      <button type="button" data-review="corrected">Move</button>
    </details>
  </div>`;
}
document.addEventListener('click', async (e) => {
  const b = e.target.closest('.pp-actions button[data-review]');
  if (!b) return;
  const box = b.closest('.pp-actions');
  const id = box.dataset.mention;
  const author = box.querySelector('.pp-author').value.trim();
  if (!author) { box.querySelector('.pp-author').focus(); toast('Give your name: it is stored with the review'); return; }
  sessionStorage.setItem('sitrep.author', author);
  const body = { status: b.dataset.review, author };
  const note = box.querySelector('.pp-note-in').value.trim();
  if (note) body.note = note;
  if (body.status === 'corrected') {
    const v = box.querySelector('.pp-move').value.trim();
    const ll = v.match(/^(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)$/);
    if (ll) { body.lat = Number(ll[1]); body.lon = Number(ll[2]); } else if (v) body.place_name = v;
    else { box.querySelector('.pp-move').focus(); return; }
  }
  b.disabled = true;
  try {
    const r = await fetch(`/api/incidents/${encodeURIComponent(id)}/review`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${sessionStorage.getItem('sitrep.token')}` }, body: JSON.stringify(body) });
    const d = await r.json().catch(() => ({}));
    if (!r.ok) { toast(`Review not saved: ${esc(d.message || r.status)}`); return; }
    fullProps.delete(id);
    if (popup) popup.remove();
    toast(`Incident ${esc(id)}: ${esc(body.status === 'pending' ? 'review undone' : body.status)}`);
    refreshAfterIngest();
  } finally { b.disabled = false; }
});
function pasteHtml(p) {
  return `<div class="pp">
    <div class="pp-head">from the pasted text (not stored)</div>
    <div class="pp-place">${esc(p.place_name || p.name)}<span class="pp-kind">${esc(String(p.kind || '').replace(/_/g, ' '))}</span></div>
    ${p.name && p.name !== p.place_name ? `<div class="pp-written">as written: “${esc(p.name)}”</div>` : ''}
    ${p.sentence ? `<blockquote>${snippetHtml(p.sentence, p.name, 160)}</blockquote>` : ''}
    <div class="pp-prec">Location precision: ${precisionHtml(p.precision)}</div>
    <div class="pp-conf">Geoparser confidence: ${confidenceHtml(p.confidence)}</div>
  </div>`;
}

// ---------------------------------------------------------------- geometry helpers
function geomBbox(g) {
  let b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') { b = [Math.min(b[0], c[0]), Math.min(b[1], c[1]), Math.max(b[2], c[0]), Math.max(b[3], c[1])]; return; }
    for (const x of c) walk(x);
  };
  if (g?.type === 'GeometryCollection') for (const x of g.geometries) { const bb = geomBbox(x); if (bb) walk([[bb[0], bb[1]], [bb[2], bb[3]]]); }
  else if (g?.coordinates) walk(g.coordinates);
  return Number.isFinite(b[0]) ? b : null;
}
function anchorFor(f) {
  const g = f.geometry;
  if (g.type === 'Point') return g.coordinates;
  const b = geomBbox(g);
  const v = map.getBounds();
  const w = Math.max(b[0], v.getWest()), s = Math.max(b[1], v.getSouth()), e = Math.min(b[2], v.getEast()), n = Math.min(b[3], v.getNorth());
  if (w <= e && s <= n) {
    // for lines use the vertex nearest the visible bbox centre, so the popup sits on the line
    const cx = (w + e) / 2, cy = (s + n) / 2;
    if (/LineString/.test(g.type)) {
      let best = null, bd = Infinity;
      const walk = (c) => { if (typeof c[0] === 'number') { const d = (c[0] - cx) ** 2 + (c[1] - cy) ** 2; if (d < bd && c[0] >= w && c[0] <= e && c[1] >= s && c[1] <= n) { bd = d; best = c; } } else c.forEach(walk); };
      walk(g.coordinates);
      if (best) return best;
    }
    return [cx, cy];
  }
  return [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
}
const fKey = (f) => `${f.source}|${f.sourceLayer || ''}|${f.id ?? f.properties?.mention_id}`;

// ---------------------------------------------------------------- hover highlight (map <-> list)
function setHover(features) {
  const keep = new Set();
  for (const f of features) {
    if (f.id == null) continue;
    const k = fKey(f); keep.add(k);
    if (!hovered.has(k)) {
      const t = { source: f.source, id: f.id, ...(f.sourceLayer ? { sourceLayer: f.sourceLayer } : {}) };
      hovered.set(k, t);
      map.setFeatureState(t, { hover: true });
    }
  }
  for (const [k, t] of hovered) if (!keep.has(k)) { map.setFeatureState(t, { hover: false }); hovered.delete(k); }
  const ids = new Set(features.filter((f) => f.source === 'incidents').map((f) => String(f.properties?.mention_id ?? f.id)));
  let first = null;
  for (const li of $('list').children) {
    const on = ids.has(li.dataset.mention);
    li.classList.toggle('hover', on);
    if (on && !first) first = li;
  }
  if (first && state.tab === 'list') first.scrollIntoView({ block: 'nearest' });
}

// ---------------------------------------------------------------- list of incidents in view
let listTimer;
function scheduleList() { clearTimeout(listTimer); listTimer = setTimeout(updateList, 120); }
// Cluster bubbles come from the server filtered (tiles take the time/kind/precision filters, so a
// bubble counts what the filters let through). Where clusters are on screen the list asks the API
// for the point incidents in view with the same filters, so the list shows what the bubbles count.
const POINT_KINDS = ['settlement', 'crossing', 'natural', 'sea', 'river', 'lake', 'mountain_range', 'desert', 'continent', 'region', 'corridor', 'border_segment', 'line_of_contact', 'admin2'];
const API_LIMIT = 2000;
let apiList = { key: null, features: [], truncated: false, error: null };
let apiPending = null;
function viewBbox() {
  const b = map.getBounds();
  return [Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()), Math.min(180, b.getEast()), Math.min(90, b.getNorth())].map((v) => +v.toFixed(4));
}
function pointQuery() {
  const p = filterParams();
  // countries and provinces are always polygons (tiles carry them unclustered): leave them out of the query
  let ks = state.kinds.size === KINDS.length ? POINT_KINDS : (p.get('kind') || '').split(',').filter(Boolean);
  ks = ks.filter((k) => k !== 'country' && k !== 'admin1');
  if (!ks.length) return null;
  p.set('kind', ks.join(','));
  p.set('bbox', viewBbox().join(','));
  p.set('limit', String(API_LIMIT));
  return p.toString();
}
function fetchClusteredPoints(q) {
  if (apiPending === q) return;
  apiPending = q;
  fetch(`/api/incidents?${q}`, { headers: { Accept: 'application/geo+json' } })
    .then(async (r) => {
      if (!r.ok) throw new Error(await apiError(r));
      const j = await r.json();
      const feats = (j.features || []).filter((f) => f.geometry && f.geometry.type === 'Point')
        .map((f) => ({ type: 'Feature', id: f.id, geometry: f.geometry, properties: f.properties || {}, source: 'incidents', sourceLayer: 'incidents', fromApi: true }));
      return { key: q, features: feats, truncated: Number(j.numberMatched) > (j.features || []).length, error: null };
    })
    .catch((e) => ({ key: q, features: [], truncated: false, error: e.message }))
    .then((res) => { if (apiPending === q) { apiPending = null; apiList = res; updateList(); } });
}
const groupKey = (p) => `${p.place_id || p.place_name || p.name}|${p.article_id ?? (p.title || '') + (p.published || '')}`;
function updateList() {
  if (!map || !map.getLayer('points')) return;
  const feats = map.queryRenderedFeatures({ layers: INCIDENT_LAYERS.filter((l) => map.getLayer(l)) });
  const seen = new Map();
  for (const f of feats) {
    const id = String(f.properties?.mention_id ?? f.id);
    if (!seen.has(id)) seen.set(id, f);
  }
  let clustered = 0;
  const cl = new Set();
  for (const f of map.queryRenderedFeatures({ layers: ['clusters'] })) {
    const k = f.geometry.coordinates.join(',');
    if (!cl.has(k)) { cl.add(k); clustered += Number(f.properties.point_count) || 0; }
  }
  // clusters on screen: complete the list with the filtered point incidents from the API
  let fromApi = false, truncated = false, waiting = false;
  if (clustered) {
    const q = pointQuery();
    if (q == null) fromApi = true;
    else if (apiList.key === q && !apiList.error) {
      fromApi = true;
      truncated = apiList.truncated;
      for (const f of apiList.features) { const id = String(f.properties.mention_id ?? f.id); if (!seen.has(id)) seen.set(id, f); }
    } else {
      waiting = apiList.key !== q;
      fetchClusteredPoints(q);
    }
  }
  const rank = (f) => (Number(f.properties.precision) >= 6 ? 1 : 0); // country / sea level last
  const all = [...seen.values()].sort((a, b) => rank(a) - rank(b)
    || (Number(b.properties.time) || 0) - (Number(a.properties.time) || 0)
    || String(a.properties.place_name).localeCompare(String(b.properties.place_name)));
  // one row per place per article ("×3" when the article names it three times)
  const groups = new Map();
  for (const f of all) {
    const k = groupKey(f.properties);
    if (groups.has(k)) groups.get(k).push(f); else groups.set(k, [f]);
  }
  listFeatures = all;
  const n = all.length;
  const lc = $('list-count');
  lc.dataset.count = String(n);
  lc.dataset.source = fromApi ? 'api' : waiting ? 'loading' : 'tiles';
  const hidden = clustered && !fromApi ? ` (+${clustered} in clusters${waiting ? ', loading…' : ', zoom in'})` : '';
  lc.textContent = `${n}${truncated ? '+' : ''} incident${n === 1 ? '' : 's'} in view${hidden}`;
  $('view-count').textContent = `${n}${truncated ? '+' : ''}${hidden ? ' + ' + clustered : ''} in view`;
  const ol = $('list');
  const rows = [...groups.values()];
  const html = rows.slice(0, LIST_LIMIT).map((g) => {
    const f = g[0], p = f.properties;
    const sw = f.sourceLayer === 'lines' ? (p.kind === 'line_of_contact' ? 'sw-loc' : p.kind === 'border_segment' ? 'sw-border' : 'sw-corridor')
      : f.sourceLayer === 'areas' ? (Number(p.precision) >= 6 ? 'sw-country' : 'sw-area') : (PRECISION_SW[p.precision] || 'sw-p3');
    return `<li data-mention="${esc(p.mention_id ?? f.id)}" tabindex="0">
      <i class="sw ${sw}"></i>
      <span class="place">${esc(p.place_name || p.name)}${g.length > 1 ? ` <span class="times" title="${g.length} mentions in this article">×${g.length}</span>` : ''}</span>
      <span class="meta">${esc(p.published || 'undated')} · ${esc(String(p.kind || '').replace(/_/g, ' '))} · ${esc(PRECISION_SHORT[p.precision] || 'precision ?')}${p.event === false ? ` · context${p.role_reason ? ' (' + esc(p.role_reason) + ')' : ''}` : ''}</span>
      ${p.title ? `<span class="title">${esc(p.title)}</span>` : ''}</li>`;
  }).join('') + (rows.length > LIST_LIMIT || truncated ? `<li class="more">… more; zoom in or narrow the filters</li>` : '');
  if (ol.dataset.html !== html) { ol.innerHTML = html; ol.dataset.html = html; }
  updateExportLink();
}
function featureForLi(li) { return listFeatures.find((f) => String(f.properties?.mention_id ?? f.id) === li.dataset.mention); }
$('list').addEventListener('mouseover', (e) => { const li = e.target.closest('li[data-mention]'); const f = li && featureForLi(li); setHover(f ? [f] : []); });
$('list').addEventListener('mouseleave', () => setHover([]));
$('list').addEventListener('click', (e) => { const li = e.target.closest('li[data-mention]'); const f = li && featureForLi(li); if (f) openFeature(f); });
$('list').addEventListener('keydown', (e) => { if (e.key === 'Enter') { const li = e.target.closest('li[data-mention]'); const f = li && featureForLi(li); if (f) openFeature(f); } });

let popup;
function showPopup(lngLat, html) {
  if (popup) popup.remove();
  popup = new maplibregl.Popup({ maxWidth: '360px', focusAfterOpen: false }).setLngLat(lngLat).setHTML(html).addTo(map);
  const fit = () => fitPopup(popup);
  fit();
  popup.getElement().addEventListener('toggle', fit, true);
  completePopup(popup.getElement());
}
// pan the map so that an open popup lies inside the map's container
function fitPopup(p) {
  if (!p || !p.isOpen()) return;
  const r = p.getElement().getBoundingClientRect(), c = map.getContainer().getBoundingClientRect();
  let dx = 0, dy = 0;
  if (r.bottom > c.bottom - 8) dy = r.bottom - c.bottom + 8;
  if (r.top - dy < c.top + 8) dy = r.top - c.top - 8;
  if (r.right > c.right - 8) dx = r.right - c.right + 8;
  if (r.left - dx < c.left + 8) dx = r.left - c.left - 8;
  if (dx || dy) map.panBy([dx, dy], { duration: 300 });
}
function openFeature(f) {
  const at = anchorFor(f);
  if (f.geometry.type === 'Point' && map.getZoom() < 7) map.easeTo({ center: at, zoom: 8 });
  else if (!map.getBounds().contains(at)) map.easeTo({ center: at });
  setHover([f]);
  showPopup(at, f.source === 'paste' ? pasteHtml(f.properties) : incidentHtml(f.properties));
}

// ---------------------------------------------------------------- map
let map;
async function loadStyle() {
  const r = await fetch('/style.json');
  if (!r.ok) throw new Error(`style.json: HTTP ${r.status}`);
  const style = await r.json();
  const abs = (u) => (u.startsWith('/') ? ORIGIN + u : u);
  if (style.glyphs) style.glyphs = abs(style.glyphs);
  if (style.sprite && typeof style.sprite === 'string') style.sprite = abs(style.sprite);
  for (const s of Object.values(style.sources)) {
    if (s.tiles) s.tiles = s.tiles.map(abs);
    if (s.url) s.url = abs(s.url);
  }
  for (const l of style.layers) if (l.filter) baseFilters[l.id] = l.filter;
  return style;
}
function hatchImage(rgb) {
  const size = 8, data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const on = (x + y) % size < 1.5 || (x + y) % size > size - 0.5;
    const i = (y * size + x) * 4;
    data[i] = rgb[0]; data[i + 1] = rgb[1]; data[i + 2] = rgb[2]; data[i + 3] = on ? 110 : 0;
  }
  return { width: size, height: size, data };
}
function addRuntimeLayers() {
  // hatched look for sea/air areas (precision 7); country-level areas (6) are a dashed outline only,
  // since dozens of mentions of one country would otherwise stack into an opaque blanket
  map.addImage('hatch', hatchImage([59, 143, 208]));
  baseFilters['areas-hatch'] = ['>=', ['to-number', ['get', 'precision']], 7];
  map.addLayer({ id: 'areas-hatch', type: 'fill', source: 'incidents', 'source-layer': 'areas', filter: baseFilters['areas-hatch'], paint: { 'fill-pattern': 'hatch', 'fill-opacity': 0.6 } }, 'areas-outline');
  // pasted-article preview: a temporary GeoJSON source, nothing stored
  map.addSource('paste', { type: 'geojson', data: { type: 'FeatureCollection', features: [] }, promoteId: 'pid' });
  const poly = ['match', ['geometry-type'], ['Polygon', 'MultiPolygon'], true, false];
  const line = ['match', ['geometry-type'], ['LineString', 'MultiLineString'], true, false];
  const hov = ['boolean', ['feature-state', 'hover'], false];
  map.addLayer({ id: 'paste-fill', type: 'fill', source: 'paste', filter: poly, paint: { 'fill-color': '#6a3d9a', 'fill-opacity': ['case', hov, 0.3, ['>=', ['to-number', ['get', 'precision']], 6], 0, 0.14] } });
  map.addLayer({ id: 'paste-outline', type: 'line', source: 'paste', filter: poly, paint: { 'line-color': '#6a3d9a', 'line-width': ['case', hov, 3, 1.6], 'line-dasharray': [3, 2] } });
  map.addLayer({ id: 'paste-line', type: 'line', source: 'paste', filter: line, layout: { 'line-join': 'round' }, paint: { 'line-color': '#6a3d9a', 'line-width': ['case', hov, 6, 3.5], 'line-dasharray': [2, 1] } });
  map.addLayer({ id: 'paste-point', type: 'circle', source: 'paste', filter: ['all', ['==', ['geometry-type'], 'Point'], ['!', ['has', 'label_only']]], paint: { 'circle-color': '#6a3d9a', 'circle-radius': ['case', hov, 9, ['<=', ['to-number', ['get', 'precision']], 1], 6.5, 5], 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
  map.addLayer({ id: 'paste-label', type: 'symbol', source: 'paste', filter: ['==', ['geometry-type'], 'Point'], layout: { 'text-field': ['coalesce', ['get', 'place_name'], ['get', 'name']], 'text-font': ['Noto Sans Bold'], 'text-size': 12, 'text-offset': [0, 1.1], 'text-anchor': 'top', 'text-optional': true }, paint: { 'text-color': '#4b2a6e', 'text-halo-color': '#fff', 'text-halo-width': 1.5 } });
}
function setOsm(on) {
  state.osm = on;
  $('osm').checked = on;
  if (!map || !map.getLayer('countries-fill')) return;
  if (on && !map.getSource('osm')) {
    map.addSource('osm', { type: 'raster', tiles: ['https://tile.openstreetmap.org/{z}/{x}/{y}.png'], tileSize: 256, maxzoom: 19, attribution: '© <a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noopener">OpenStreetMap</a> contributors' });
    map.addLayer({ id: 'osm', type: 'raster', source: 'osm', paint: { 'raster-opacity': 0.85 } }, 'admin1-line');
  } else if (!on && map.getSource('osm')) {
    map.removeLayer('osm'); map.removeSource('osm');
  }
  writeHash();
}
$('osm').addEventListener('change', (e) => setOsm(e.target.checked));
$('context').addEventListener('change', (e) => {
  state.context = e.target.checked;
  applyFilters();
  refreshIncidentTiles(true);
});

function wireMapEvents() {
  const clickable = ['clusters', ...INCIDENT_LAYERS, ...PASTE_LAYERS];
  map.on('mousemove', (e) => {
    const fs = map.queryRenderedFeatures(e.point, { layers: clickable.filter((l) => map.getLayer(l)) });
    map.getCanvas().style.cursor = fs.length ? 'pointer' : '';
    setHover(fs.filter((f) => f.layer.id !== 'clusters'));
  });
  map.on('mouseout', () => setHover([]));
  map.on('click', (e) => {
    const fs = map.queryRenderedFeatures(e.point, { layers: clickable.filter((l) => map.getLayer(l)) });
    if (!fs.length) return;
    const cluster = fs.find((f) => f.layer.id === 'clusters');
    const others = fs.filter((f) => f.layer.id !== 'clusters');
    if (cluster && (!others.length || others.every((f) => f.sourceLayer === 'areas'))) {
      // the server says at which zoom the cluster parts (expansion_zoom)
      const ez = Number(cluster.properties.expansion_zoom);
      map.easeTo({ center: cluster.geometry.coordinates, zoom: Math.min(Number.isFinite(ez) ? Math.max(ez, map.getZoom() + 1) : map.getZoom() + 2, 16) });
      return;
    }
    // every distinct incident under the cursor; points first, then lines, then areas
    // (smaller areas before larger: province before country), newest first; one entry per place per
    // article, with the number of times the article names it
    const order = { paste: 0, incidents: 1, lines: 2, areas: 3 };
    const lay = (f) => order[f.source === 'paste' ? 'paste' : f.sourceLayer] ?? 4;
    const uniq = new Map(), times = new Map(), ids = new Set();
    for (const f of others.sort((a, b) => lay(a) - lay(b) || (Number(a.properties.precision) || 9) - (Number(b.properties.precision) || 9)
      || (Number(b.properties.time) || 0) - (Number(a.properties.time) || 0))) {
      const id = f.source === 'paste' ? 'p' + f.id : String(f.properties.mention_id ?? f.id);
      if (ids.has(id)) continue;
      ids.add(id);
      const k = f.source === 'paste' ? id : groupKey(f.properties);
      if (!uniq.has(k)) uniq.set(k, f);
      times.set(k, (times.get(k) || 0) + 1);
    }
    const list = [...uniq.values()];
    const timesOf = (f) => times.get(f.source === 'paste' ? 'p' + f.id : groupKey(f.properties)) || 1;
    const shown = list.slice(0, 8);
    const first = shown[0];
    const at = first.geometry.type === 'Point' ? first.geometry.coordinates : e.lngLat;
    const body = (f) => (f.source === 'paste' ? pasteHtml(f.properties) : incidentHtml(f.properties));
    if (list.length === 1) { showPopup(at, body(first)); return; }
    // several incidents under the cursor: the first open, the others one line each (click to open)
    const head = `<div class="pp-head">${ids.size} mentions of ${list.length} places here${list.length > shown.length ? ` (first ${shown.length}; zoom in for the rest)` : ''}</div>`;
    showPopup(at, head + shown.map((f, i) => {
      const p = f.properties;
      const k = timesOf(f);
      return `<details class="pp-many"${i === 0 ? ' open' : ''}><summary>${esc(p.place_name || p.name)}${k > 1 ? ` <span class="pp-kind" title="mentions in this article">×${k}</span>` : ''} <span class="pp-kind">${esc(String(p.kind || '').replace(/_/g, ' '))} · ${esc(p.published || '')}</span></summary>${body(f)}</details>`;
    }).join(''));
  });
  map.on('idle', scheduleList);
  map.on('moveend', () => { writeHash(); scheduleList(); });
}

// ---------------------------------------------------------------- paste an article
let pasteFeatures = [];
function setPasteStatus(msg, err) { const s = $('paste-status'); s.textContent = msg; s.classList.toggle('error', !!err); }
async function apiError(r) {
  try { const j = await r.json(); return `${j.error || r.status}: ${j.message || ''}`; } catch { return `HTTP ${r.status}`; }
}
$('paste-go').addEventListener('click', async () => {
  const text = $('paste-text').value.trim();
  if (!text) { setPasteStatus('Paste some text first.', true); return; }
  setPasteStatus('Finding places…');
  const body = { text };
  if ($('paste-date').value) body.date = $('paste-date').value;
  try {
    const r = await fetch('/api/geoparse', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/geo+json, application/json' }, body: JSON.stringify(body) });
    if (!r.ok) { setPasteStatus(await apiError(r), true); return; }
    const fc = await r.json();
    showPasteResults(fc);
  } catch (e) { setPasteStatus(`Request failed: ${e.message}`, true); }
});
function showPasteResults(fc) {
  // mentions come as points; each place's geometry is sent once, in fc.places[place_id]
  const places = fc.places || {};
  pasteFeatures = (fc.features || []).filter((f) => f && f.geometry)
    .map((f, i) => ({ ...f, geometry: places[f.properties.place_id]?.geometry || f.geometry, properties: { ...f.properties, pid: i } }));
  // one label per mention: areas and lines get a label point at the geoparser's representative lat/lon
  const labels = pasteFeatures.filter((f) => f.geometry.type !== 'Point' && Number.isFinite(Number(f.properties.lon)) && Number.isFinite(Number(f.properties.lat)))
    .map((f) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [Number(f.properties.lon), Number(f.properties.lat)] }, properties: { ...f.properties, pid: `l${f.properties.pid}`, label_only: true } }));
  map.getSource('paste').setData({ type: 'FeatureCollection', features: [...pasteFeatures, ...labels] });
  const n = pasteFeatures.length;
  setPasteStatus(n ? `${n} place mention${n === 1 ? '' : 's'} found (shown in purple, not stored).` : 'No places found.');
  $('paste-results').innerHTML = pasteFeatures.map((f) => {
    const p = f.properties;
    const g = f.geometry.type;
    const sw = /Polygon/.test(g) ? (Number(p.precision) >= 6 ? 'sw-country' : 'sw-area') : /LineString/.test(g) ? 'sw-corridor' : 'sw-paste';
    return `<li data-pid="${p.pid}" tabindex="0"><i class="sw ${sw}"></i>
      <span class="place">${esc(p.place_name || p.name)}${p.name && p.name !== p.place_name ? ` <span class="muted">(“${esc(p.name)}”)</span>` : ''}</span>
      <span class="meta">${esc(String(p.kind || '').replace(/_/g, ' '))} · precision ${esc(p.precision)} (${esc(PRECISION_SHORT[p.precision] || '?')}) · confidence ${Number.isFinite(Number(p.confidence)) ? Math.round(Number(p.confidence) * 100) + '%' : '?'}</span>
      ${p.sentence ? `<span class="sentence">${snippetHtml(p.sentence, p.name)}</span>` : ''}</li>`;
  }).join('');
  if (n) {
    const b = focusBbox(pasteFeatures);
    if (b) map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 40, maxZoom: 9, duration: 600 });
  }
  $('save-go').disabled = !($('token').value && $('paste-text').value.trim());
}
// Where the article is about: the densest group of its places (countries left out, a dateline city far
// away does not drag the view across a continent), framed with the whole shapes of its areas and lines.
function focusBbox(features) {
  const rep = (f) => {
    const p = f.properties || {};
    if (Number.isFinite(Number(p.lon)) && Number.isFinite(Number(p.lat)) && p.lon != null && p.lat != null) return [Number(p.lon), Number(p.lat)];
    const b = geomBbox(f.geometry);
    return b ? [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2] : null;
  };
  let cand = features.filter((f) => Number(f.properties?.precision) < 6 && rep(f));
  if (!cand.length) cand = features.filter((f) => rep(f));
  if (!cand.length) return null;
  const pts = cand.map(rep);
  const near = (a, c) => Math.abs(a[0] - c[0]) <= 4 && Math.abs(a[1] - c[1]) <= 3;
  let best = 0, bestN = -1;
  pts.forEach((c, i) => { const k = pts.filter((d) => near(c, d)).length; if (k > bestN) { bestN = k; best = i; } });
  let b = null;
  cand.forEach((f, i) => {
    if (!near(pts[best], pts[i])) return;
    const x = geomBbox(f.geometry);
    if (x) b = b ? [Math.min(b[0], x[0]), Math.min(b[1], x[1]), Math.max(b[2], x[2]), Math.max(b[3], x[3])] : x;
  });
  return b;
}
const pasteLi = (e) => { const li = e.target.closest('li[data-pid]'); return li ? pasteFeatures.find((f) => String(f.properties.pid) === li.dataset.pid) : null; };
$('paste-results').addEventListener('mouseover', (e) => { const f = pasteLi(e); setHover(f ? [{ ...f, source: 'paste', id: f.properties.pid }] : []); });
$('paste-results').addEventListener('mouseleave', () => setHover([]));
$('paste-results').addEventListener('click', (e) => {
  const f = pasteLi(e);
  if (!f) return;
  const b = geomBbox(f.geometry);
  if (f.geometry.type === 'Point') map.easeTo({ center: f.geometry.coordinates, zoom: Math.max(map.getZoom(), 8) });
  else map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 60, maxZoom: 10 });
  map.once('moveend', () => openFeature({ ...f, source: 'paste', id: f.properties.pid }));
});
$('paste-clear').addEventListener('click', () => {
  pasteFeatures = [];
  map.getSource('paste').setData({ type: 'FeatureCollection', features: [] });
  $('paste-results').innerHTML = '';
  setPasteStatus('');
});

// saving needs a token; it lives in sessionStorage only (this tab), never in the URL or localStorage
const TOKEN_KEY = 'sitrep.token';
$('token').value = sessionStorage.getItem(TOKEN_KEY) || '';
const syncSave = () => { $('save-go').disabled = !($('token').value && $('paste-text').value.trim()); };
$('token').addEventListener('input', () => {
  const v = $('token').value;
  v ? sessionStorage.setItem(TOKEN_KEY, v) : sessionStorage.removeItem(TOKEN_KEY);
  syncSave();
});
$('paste-text').addEventListener('input', syncSave);
$('save-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  if ($('save-go').disabled) return;
  const st = $('save-status');
  const article = {
    title: $('save-title').value.trim() || $('paste-text').value.trim().split('\n')[0].slice(0, 160),
    url: $('save-url').value.trim(),
    published: $('save-published').value || $('paste-date').value || new Date().toISOString().slice(0, 10),
    source: $('save-source').value.trim(),
    text: $('paste-text').value,
  };
  st.textContent = 'Saving…'; st.classList.remove('error');
  try {
    const r = await fetch('/api/articles', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${$('token').value}` }, body: JSON.stringify(article) });
    if (!r.ok) { st.textContent = await apiError(r); st.classList.add('error'); return; }
    const j = await r.json();
    const a = (j.articles || [])[0] || {};
    const m = a.mentions?.features?.length ?? 0;
    st.textContent = a.created === false ? `Already stored as article ${a.id}.` : `Saved as article ${a.id} with ${m} mention${m === 1 ? '' : 's'}.`;
    refreshAfterIngest();
  } catch (e) { st.textContent = `Request failed: ${e.message}`; st.classList.add('error'); }
});

// ---------------------------------------------------------------- live updates
let toastTimer;
function toast(html, onShow) {
  const t = $('toast');
  t.innerHTML = html;
  t.hidden = false;
  const b = t.querySelector('button');
  if (b && onShow) b.addEventListener('click', () => { onShow(); t.hidden = true; });
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 9000);
}
let ingestTimer;
// generation: the index generation an /api/events message names; as the tiles' v= it asks the
// server for tiles that show the change (a cached out-of-date tile is otherwise served for up to
// --tile-stale-ms); without one (our own POST), a time stamp asks for current tiles.
function refreshAfterIngest(generation) {
  clearTimeout(ingestTimer);
  const v = Number.isInteger(generation) ? generation : Date.now();
  ingestTimer = setTimeout(() => {
    state.tileVersion = v;
    apiList = { key: null, features: [], truncated: false, error: null }; // the list re-asks the API too
    apiPending = null;
    refreshIncidentTiles(true);
    scheduleList();
    loadTimeDomain();
  }, 200);
}
function connectEvents() {
  if (!('EventSource' in window)) return;
  const es = new EventSource('/api/events');
  es.addEventListener('open', () => $('live').classList.add('on'));
  es.addEventListener('error', () => $('live').classList.remove('on'));
  es.addEventListener('ingest', (ev) => {
    let d = {};
    try { d = JSON.parse(ev.data); } catch { /* ignore */ }
    refreshAfterIngest(d.generation);
    const bbox = Array.isArray(d.bbox) && d.bbox.length === 4 && d.bbox.every(Number.isFinite) ? d.bbox : null;
    toast(`New article${d.article_id != null ? ' ' + esc(d.article_id) : ''}: ${esc(d.mentions ?? '?')} place mention${d.mentions === 1 ? '' : 's'}${bbox ? ' <button type="button">show</button>' : ''}`,
      bbox ? () => map.fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], { padding: 60, maxZoom: 9 }) : null);
  });
  es.addEventListener('review', (ev) => {
    let d = {};
    try { d = JSON.parse(ev.data); } catch { /* ignore */ }
    refreshAfterIngest(d.generation);
  });
  es.addEventListener('delete', (ev) => {
    let d = {};
    try { d = JSON.parse(ev.data); } catch { /* ignore */ }
    refreshAfterIngest(d.generation);
    toast(`Article${d.article_id != null ? ' ' + esc(d.article_id) : ''} deleted: ${esc(d.mentions ?? '?')} place mention${d.mentions === 1 ? '' : 's'} removed`);
  });
  window.sitrepEvents = es;
}

// ---------------------------------------------------------------- start
// Without a view in the URL, frame the incidents: the bounds of the precisely located ones (exact or
// near a place), trimmed of the outer 5% on each side so one stray mention does not zoom out to the world.
async function frameIncidents() {
  try {
    const r = await fetch(`/api/incidents?precision=1,2${state.context ? '' : '&role=event'}&limit=10000`, { headers: { Accept: 'application/geo+json' } });
    if (!r.ok) return;
    const pts = ((await r.json()).features || []).filter((f) => f.geometry?.type === 'Point').map((f) => f.geometry.coordinates);
    if (!pts.length) return;
    const q = (arr, t) => { const a = [...arr].sort((x, y) => x - y); return a[Math.min(a.length - 1, Math.max(0, Math.round(t * (a.length - 1))))]; };
    const trim = pts.length >= 20 ? 0.05 : 0;
    const lon = pts.map((c) => c[0]), lat = pts.map((c) => c[1]);
    const b = [q(lon, trim), q(lat, trim), q(lon, 1 - trim), q(lat, 1 - trim)];
    if (readHash().view) return; // the user (or a link) moved the map meanwhile
    map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 40, maxZoom: 8, duration: 0 });
  } catch { /* keep the style's default view */ }
}
function applyHashState(h) {
  if (h.from !== undefined) state.from = h.from;
  if (h.to !== undefined) state.to = h.to;
  if (h.kinds) state.kinds = new Set([...h.kinds].filter((k) => KINDS.some(([x]) => x === k)));
  if (h.precisions) state.precisions = h.precisions;
  if (h.tab) state.tab = h.tab;
  state.osm = !!h.osm;
  state.context = !!h.context;
  if ($('context')) $('context').checked = state.context;
  if (state.from != null && state.from < state.domain[0]) state.domain[0] = state.from;
  if (state.to != null && state.to > state.domain[1]) state.domain[1] = state.to;
}
async function main() {
  const h = readHash();
  applyHashState(h);
  buildCheckboxes();
  syncTimeControls();
  showTab(state.tab);
  const narrow = matchMedia('(max-width: 760px)').matches;
  const style = await loadStyle();
  map = new maplibregl.Map({
    container: 'map',
    style,
    center: h.view?.center ?? style.center ?? [45.5, 40],
    zoom: h.view?.zoom ?? style.zoom ?? 5,
    attributionControl: { compact: narrow },
    maxZoom: 16,
    dragRotate: false,
    pitchWithRotate: false,
  });
  window.map = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  map.on('error', (e) => console.error('map error:', e?.error?.message || e));
  await new Promise((res) => (map.loaded() ? res() : map.once('load', res)));
  // compact attribution starts expanded; in a narrow window keep it folded to its (i) button
  if (narrow) document.querySelector('.maplibregl-ctrl-attrib')?.classList.remove('maplibregl-compact-show');
  addRuntimeLayers();
  wireMapEvents();
  if (!h.view) await frameIncidents();
  if (state.osm) setOsm(true);
  applyFilters();
  if (filtersActive()) refreshIncidentTiles(true);
  window.addEventListener('hashchange', () => {
    const x = readHash();
    applyHashState(x);
    syncCheckboxes(); syncTimeControls(); showTab(state.tab); setOsm(state.osm); applyFilters(); refreshIncidentTiles();
    if (x.view) map.jumpTo(x.view);
  });
  loadTimeDomain();
  connectEvents();
  document.body.dataset.ready = '1';
}
window.sitrep = { state, updateList, setRange, showPasteResults, PRECISION };
main().catch((e) => {
  console.error(e);
  $('list-count').textContent = `The map could not start: ${e.message}`;
});
