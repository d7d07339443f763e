// End-to-end test of sitrep's web map in headless Chromium.
//
//   cd tests/e2e && npm ci && node map.test.mjs        (or: node --test tests/e2e/)
//
// Starts `target/release/sitrep serve` on a free loopback port with a fresh database (SITREP_BIN
// overrides the binary; SITREP_URL points at an already running server instead), ingests a few
// articles written here, then drives /usr/bin/chromium through playwright-core (no browser download).
// Screenshots go to tests/e2e/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const SHOTS = path.join(HERE, 'screenshots');
const SEED = path.resolve(REPO, '..', 'shared', 'seed', 'border-incident-article.txt');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TOKEN = process.env.SITREP_TOKEN || 'e2e-test-token';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const MAX_PAGE_BYTES = 2 * 1024 * 1024;

// Articles written for this test (dates spread over three years so the time range has something to cut).
const ARTICLES = [
  { title: 'E2E: night shelling reported in the south', url: 'https://example.org/e2e/1', source: 'E2E Wire', published: '2021-05-12',
    text: 'Residents of Goris reported artillery fire overnight. Officials in Syunik Province said two villages near Kapan were affected. Traffic on the Lachin Corridor was suspended for several hours.' },
  { title: 'E2E: fighting along the front', url: 'https://example.org/e2e/2', source: 'E2E Wire', published: '2022-09-14',
    text: 'Heavy fighting was reported along the line of contact, and shells fell near Jermuk. The government in Yerevan called for international observers.' },
  { title: 'E2E: people leave the city', url: 'https://example.org/e2e/3', source: 'E2E Wire', published: '2023-09-20',
    text: 'Thousands of people left Stepanakert for Goris after the offensive. Buses also arrived in Vayk.' },
];
const LIVE_ARTICLE = { title: 'E2E: convoy arrives', url: 'https://example.org/e2e/4', source: 'E2E Wire', published: '2024-01-10',
  text: 'An aid convoy reached Sisian on Tuesday, officials in Sisian said.' };

let server = null, base, tmp, ctx, page;
const requests = [];
const consoleErrors = [];
const serverLog = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}
async function waitForHealth(url, ms) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    if (server && server.exitCode != null) throw new Error(`sitrep exited with ${server.exitCode}:\n${serverLog.join('').slice(-3000)}`);
    try {
      const r = await fetch(url + '/health');
      if (r.ok) return await r.json();
      last = `HTTP ${r.status}`;
    } catch (e) { last = e.message; }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`sitrep did not answer /health within ${ms} ms (${last}):\n${serverLog.join('').slice(-3000)}`);
}
async function ingest(article) {
  const r = await fetch(base + '/api/articles', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(article),
  });
  const body = await r.text();
  assert.ok(r.status === 200 || r.status === 201, `POST /api/articles: ${r.status} ${body.slice(0, 300)}`);
  return JSON.parse(body);
}
const isLoopback = (u) => {
  if (/^(data|blob|about):/.test(u)) return true;
  try { const h = new URL(u).hostname; return h === 'localhost' || h === '[::1]' || /^127\./.test(h); } catch { return false; }
};
async function shot(name, p = page) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, name);
  await p.screenshot({ path: file });
  return file;
}
async function launch(dir, viewport) {
  return chromium.launchPersistentContext(dir, {
    // headless: true makes playwright pass --headless itself; the profile dir is the fresh --user-data-dir
    executablePath: CHROMIUM, headless: true, args: FLAGS.filter((f) => f !== '--headless'), viewport,
  });
}
// Generous timeouts: headless Chromium renders with SwiftShader (software GL), and on a busy 2-core
// machine a first full render of the region takes 10–20 s. The assertions do not depend on them.
const READY_MS = 90000;
async function waitReady(p) {
  await p.waitForFunction(() => window.map && document.body.dataset.ready === '1' && window.map.loaded(), null, { timeout: READY_MS, polling: 200 });
  await p.evaluate(() => new Promise((res) => (window.map.areTilesLoaded() && !window.map.isMoving() ? res() : window.map.once('idle', res))));
  await p.waitForTimeout(400); // list update is debounced
  // where clusters are on screen the list completes itself from /api/incidents: wait for that answer
  await p.waitForFunction(() => document.getElementById('list-count').dataset.source !== 'loading', null, { timeout: READY_MS, polling: 200 });
}
// filter changes re-request incident tiles after a 500 ms debounce: wait past it, then for idle
async function settle(p = page) { await p.waitForTimeout(800); await waitReady(p); }
const listCount = (p = page) => p.$eval('#list-count', (e) => Number(e.dataset.count));
const rendered = (layers, p = page) => p.evaluate((ls) => {
  const have = ls.filter((l) => window.map.getLayer(l));
  return window.map.queryRenderedFeatures({ layers: have }).map((f) => ({ layer: f.layer.id, id: f.id, props: f.properties, type: f.geometry.type, coords: f.geometry.type === 'Point' ? f.geometry.coordinates : null }));
}, layers);
async function goto(hash) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.waitForTimeout(300);
  await waitReady(page);
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sitrep-e2e-'));
  if (process.env.SITREP_URL) {
    base = process.env.SITREP_URL.replace(/\/$/, '');
  } else {
    const bin = process.env.SITREP_BIN || path.join(REPO, 'target', 'release', 'sitrep');
    assert.ok(fs.existsSync(bin), `sitrep binary not found at ${bin}: run \`cargo build --release\` or set SITREP_BIN`);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(bin, ['serve', '--db', path.join(tmp, 'sitrep.db'), '--addr', `127.0.0.1:${port}`], {
      cwd: REPO, env: { ...process.env, SITREP_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout.on('data', (d) => serverLog.push(String(d)));
    server.stderr.on('data', (d) => serverLog.push(String(d)));
  }
  await waitForHealth(base, 120000);
  for (const a of ARTICLES) await ingest(a);

  ctx = await launch(path.join(tmp, 'profile'), { width: 1280, height: 800 });
  page = ctx.pages()[0] || (await ctx.newPage());
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  await page.goto(base + '/#map=6.5/39.9/45.8');
  await waitReady(page);
});

after(async () => {
  if (ctx) await ctx.close().catch(() => {});
  if (server && server.exitCode == null) {
    server.kill('SIGTERM');
    await new Promise((r) => { const t = setTimeout(() => { server.kill('SIGKILL'); r(); }, 5000); server.once('exit', () => { clearTimeout(t); r(); }); });
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the map loads without console errors and without leaving loopback', { timeout: 240000 }, async () => {
  await shot('01-initial.png');
  assert.ok(await page.evaluate(() => window.map.isStyleLoaded()), 'style loaded');
  assert.ok(requests.some((u) => u.includes('/basemap/')), 'basemap tiles requested');
  assert.ok(requests.some((u) => u.includes('/tiles/')), 'incident tiles requested');
  assert.ok(requests.some((u) => u.includes('/fonts/')), 'glyphs requested');
  const outside = requests.filter((u) => !isLoopback(u));
  assert.deepEqual(outside, [], `requests left loopback: ${outside.join(', ')}`);
  assert.deepEqual(consoleErrors, [], `console errors: ${consoleErrors.join('\n')}`);
  const attribution = await page.$eval('.maplibregl-ctrl-attrib', (e) => e.textContent);
  assert.match(attribution, /GeoNames/);
  assert.match(attribution, /Natural Earth/);
});

test('incident points, areas and lines render', { timeout: 240000 }, async () => {
  await goto('map=7.2/39.5/46.2');
  const fs_ = await rendered(['points', 'clusters', 'areas-fill', 'lines']);
  const by = (l) => fs_.filter((f) => f.layer === l);
  assert.ok(by('points').length + by('clusters').length > 0, 'points or clusters rendered');
  assert.ok(by('areas-fill').length > 0, `areas rendered (got ${JSON.stringify(fs_.map((f) => f.layer))})`);
  assert.ok(by('lines').length > 0, 'lines rendered');
  assert.ok(by('areas-fill').every((f) => /Polygon/.test(f.type)), 'areas are polygons');
  assert.ok(by('lines').every((f) => /LineString/.test(f.type)), 'lines are lines');
  assert.ok(await listCount() > 0, 'list shows incidents');
  await shot('02-incidents.png');
});

test('clicking an incident opens a popup with its quote', { timeout: 240000 }, async () => {
  // zoom in until an unclustered point is on screen
  let pts = [];
  for (const z of [8, 10, 12]) {
    await goto(`map=${z}/39.51/46.34`);
    pts = (await rendered(['points'])).filter((f) => f.props.quote);
    if (pts.length) break;
  }
  assert.ok(pts.length > 0, 'an unclustered incident point is rendered');
  const f = pts[0];
  const xy = await page.evaluate((c) => { const p = window.map.project(c); const r = window.map.getCanvas().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }, f.coords);
  await page.mouse.click(xy[0], xy[1]);
  await page.waitForSelector('.maplibregl-popup blockquote', { timeout: 20000 }); // filled in from the API when the tile lacks the quote
  const pop = await page.$('.maplibregl-popup');
  const text = (await pop.textContent()).replace(/\s+/g, ' ');
  const norm = (s) => String(s).replace(/\s+/g, ' ').trim();
  const quotes = (await rendered(['points'])).filter((g) => Math.abs(g.coords[0] - f.coords[0]) < 1e-6 && Math.abs(g.coords[1] - f.coords[1]) < 1e-6).map((g) => norm(g.props.quote));
  assert.ok(quotes.some((q) => text.includes(q)), `popup shows the quote; popup: ${text}`);
  assert.ok(await pop.$('mark'), 'the mention is highlighted');
  assert.match(text, /precision/i);
  assert.match(text, /confidence/i);
  const urls = (await rendered(['points'])).map((g) => g.props.url).filter(Boolean);
  const hrefs = await pop.$$eval('a[href]', (as) => as.map((a) => a.href));
  assert.ok(hrefs.some((h) => urls.includes(h)), `article title links to its source (${hrefs} vs ${urls})`);
  await shot('03-popup.png');
  await page.evaluate(() => document.querySelector('.maplibregl-popup-close-button')?.click());
});

test('moving the time range changes the list of incidents', { timeout: 240000 }, async () => {
  await goto('map=7/39.7/45.9');
  const all = await listCount();
  assert.ok(all >= 3, `several incidents listed in the region (got ${all})`);
  // drag the start handle to 2023-01-01 (what a user's drag does: input events, then change)
  await page.evaluate(() => {
    const el = document.getElementById('t-from');
    el.value = String(Math.floor(Date.parse('2023-01-01T00:00:00Z') / 86400000));
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await page.waitForFunction((n) => Number(document.getElementById('list-count').dataset.count) !== n, all, { timeout: 60000, polling: 200 });
  await settle();
  const later = await listCount();
  assert.ok(later < all, `fewer incidents after moving the start to 2023 (${all} -> ${later})`);
  assert.equal(await page.$eval('#d-from', (e) => e.value), '2023-01-01', 'the typed date follows the handle');
  assert.match(await page.evaluate(() => location.hash), /from=2023-01-01/, 'time range is in the URL hash');
  const times = (await rendered(['points', 'areas-fill', 'lines'])).map((f) => Number(f.props.time));
  assert.ok(times.every((t) => t >= Date.parse('2023-01-01T00:00:00Z') / 1000), 'map shows only incidents in the range');
  await shot('04-time-range.png');
  // typed dates work too; then back to all dates
  await page.fill('#d-from', '2021-01-01');
  await page.fill('#d-to', '2021-12-31');
  await page.$eval('#d-to', (e) => e.dispatchEvent(new Event('change', { bubbles: true })));
  await settle();
  const y2021 = await listCount();
  assert.ok(y2021 > 0 && y2021 < all, `2021 only: ${y2021} of ${all}`);
  await page.click('#time-reset');
  await settle();
  await page.waitForFunction((n) => Number(document.getElementById('list-count').dataset.count) === n, all, { timeout: 60000, polling: 200 })
    .catch(async () => assert.equal(await listCount(), all, 'all dates again'));
});

test('pasting the seed article shows Syunik Province and the Lachin Corridor', { timeout: 240000 }, async (t) => {
  if (!fs.existsSync(SEED)) { t.skip(`seed article not found at ${SEED}`); return; }
  const text = fs.readFileSync(SEED, 'utf8');
  await page.click('.tabs button[data-tab="paste"]');
  await page.fill('#paste-text', text);
  await page.click('#paste-go');
  await page.waitForFunction(() => document.querySelectorAll('#paste-results li').length > 0, null, { timeout: 60000, polling: 200 });
  const results = (await page.$eval('#paste-results', (e) => e.textContent)).replace(/\s+/g, ' ');
  assert.match(results, /Syunik/, 'Syunik Province listed');
  assert.match(results, /Lachin/, 'Lachin Corridor listed');
  const src = await page.evaluate(() => window.map.getSource('paste').serialize().data.features.map((f) => [f.properties.place_name || f.properties.name, f.geometry.type]));
  assert.ok(src.some(([n, g]) => /Syunik/.test(n) && /Polygon/.test(g)), `Syunik is an area: ${JSON.stringify(src)}`);
  assert.ok(src.some(([n, g]) => /Lachin/.test(n) && /LineString/.test(g)), `Lachin Corridor is a line: ${JSON.stringify(src)}`);
  await page.waitForTimeout(1200); // fitBounds animation
  await waitReady(page);
  await shot('05-paste.png');
  await page.click('#paste-clear');
  await page.click('.tabs button[data-tab="list"]');
});

// waitForFunction polls on a timer (polling: 200), not on animation frames: an idle map schedules no
// frames in headless Chromium, and rAF polling then missed an update already on screen (flaky).
test('a newly ingested article appears without a reload', { timeout: 240000 }, async () => {
  await goto('map=7/39.6/46.0');
  // what is on screen: distinct mentions plus the incidents inside cluster bubbles
  const total = () => page.evaluate(() => {
    const fs = window.map.queryRenderedFeatures({ layers: ['points', 'clusters', 'areas-fill', 'lines'] });
    const ids = new Set(), cl = new Map();
    for (const f of fs) {
      if (f.layer.id === 'clusters') cl.set(f.geometry.coordinates.join(','), Number(f.properties.point_count) || 0);
      else ids.add(String(f.properties.mention_id ?? f.id));
    }
    return ids.size + [...cl.values()].reduce((a, b) => a + b, 0);
  });
  const before_ = await total();
  const listBefore = await page.$eval('#list-count', (e) => e.textContent);
  const res = await ingest(LIVE_ARTICLE);
  const n = res.articles?.[0]?.mentions?.features?.length ?? 0;
  assert.ok(n > 0, `the live article produced mentions: ${JSON.stringify(res).slice(0, 300)}`);
  await page.waitForFunction((b) => {
    const fs = window.map.queryRenderedFeatures({ layers: ['points', 'clusters', 'areas-fill', 'lines'] });
    const ids = new Set(), cl = new Map();
    for (const f of fs) {
      if (f.layer.id === 'clusters') cl.set(f.geometry.coordinates.join(','), Number(f.properties.point_count) || 0);
      else ids.add(String(f.properties.mention_id ?? f.id));
    }
    return ids.size + [...cl.values()].reduce((a, c) => a + c, 0) > b;
  }, before_, { timeout: 60000, polling: 200 }).catch(async (e) => {
    throw new Error(`no new incident on screen after ingest (before ${before_}, now ${await total()}; list ${listBefore}): ${e.message}`);
  });
  await page.waitForTimeout(500);
  await shot('06-live-update.png');
});

test('context mentions are hidden until switched on, then dimmed with why they are context', { timeout: 240000 }, async () => {
  await ingest({ title: 'Depot hit near Lozova', published: '2024-05-05',
    text: 'KHARKIV, May 5 - Missiles struck a rail depot in Lozova overnight, wounding three workers, Kyiv said.' });
  const dateline = async () => (await rendered(['points'])).filter((f) => f.props.name === 'KHARKIV');
  await goto('map=13/49.9935/36.2304');
  await settle();
  assert.equal((await dateline()).length, 0, 'the dateline is hidden by default');
  assert.ok(requests.some((u) => /\/tiles\/.*role=event/.test(u)), 'tiles are asked for event sites only');
  await page.check('#context');
  await settle();
  await page.waitForFunction(() => window.map.queryRenderedFeatures({ layers: ['points'] }).some((f) => f.properties.name === 'KHARKIV'), null, { timeout: 20000, polling: 200 });
  const [f] = await dateline();
  assert.equal(f.props.event, false);
  const xy = await page.evaluate((c) => { const p = window.map.project(c); const r = window.map.getCanvas().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }, f.coords);
  await page.mouse.click(xy[0], xy[1]);
  await page.waitForSelector('.maplibregl-popup .pp-role', { timeout: 20000 });
  const text = (await page.$eval('.maplibregl-popup', (e) => e.textContent)).replace(/\s+/g, ' ');
  assert.match(text, /Context, not where the event happened: dateline/);
  assert.match(await page.evaluate(() => location.hash), /ctx=1/, 'the choice is kept in the URL');
  await shot('10-context.png');
  await page.evaluate(() => document.querySelector('.maplibregl-popup-close-button')?.click());
  await page.uncheck('#context');
  await settle();
});

test('an analyst rejects an incident from its popup and it leaves the map', { timeout: 240000 }, async () => {
  await page.evaluate((t) => { sessionStorage.setItem('sitrep.token', t); sessionStorage.setItem('sitrep.author', 'e2e analyst'); }, TOKEN);
  let pts = [];
  for (const z of [8, 10, 12]) {
    await goto(`map=${z}/39.51/46.34`);
    pts = (await rendered(['points'])).filter((f) => f.props.mention_id != null);
    if (pts.length) break;
  }
  assert.ok(pts.length > 0, 'an incident point is rendered');
  const xy = await page.evaluate((c) => { const p = window.map.project(c); const r = window.map.getCanvas().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }, pts[0].coords);
  await page.mouse.click(xy[0], xy[1]);
  const button = '.maplibregl-popup .pp-actions button[data-review="rejected"]';
  await page.waitForSelector(button, { timeout: 20000 });
  const id = await page.$eval(button, (b) => b.closest('.pp-actions').dataset.mention);
  assert.match(await page.$eval('.maplibregl-popup', (e) => e.textContent), /Not reviewed yet/);
  await page.click(button);
  await page.waitForFunction((i) => !window.map.queryRenderedFeatures({ layers: ['points'] }).some((g) => String(g.properties.mention_id) === i),
    id, { timeout: 30000, polling: 200 });
  const h = await (await fetch(`${base}/api/incidents/${id}/reviews`)).json();
  assert.equal(h.reviews.at(-1).status, 'rejected', JSON.stringify(h));
  assert.equal(h.reviews.at(-1).author, 'e2e analyst');
  // undone, so the tests after this one see the map as it was
  const r = await fetch(`${base}/api/incidents/${id}/review`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ status: 'pending', author: 'e2e analyst' }) });
  assert.equal(r.status, 200);
  await page.evaluate(() => { sessionStorage.removeItem('sitrep.token'); document.querySelector('.maplibregl-popup-close-button')?.click(); });
  await settle();
});

test('narrow window: map and panel both usable', { timeout: 240000 }, async () => {
  const p = await ctx.newPage();
  await p.setViewportSize({ width: 390, height: 780 });
  await p.goto(base + '/#map=6/40/45.5');
  await waitReady(p);
  const mapBox = await p.$eval('#map', (e) => e.getBoundingClientRect().toJSON());
  const panelBox = await p.$eval('#panel', (e) => e.getBoundingClientRect().toJSON());
  assert.ok(mapBox.height > 250 && mapBox.width >= 380, `map visible: ${JSON.stringify(mapBox)}`);
  assert.ok(panelBox.top >= mapBox.bottom - 1 && panelBox.height > 100, `panel below the map: ${JSON.stringify(panelBox)}`);
  await shot('07-narrow.png', p);
  await p.click('.tabs button[data-tab="legend"]');
  await shot('08-narrow-legend.png', p);
  await p.close();
});

test('initial page load transfers under 2 MB (gzipped)', { timeout: 240000 }, async () => {
  const c = await launch(path.join(tmp, 'profile-weight'), { width: 1280, height: 800 });
  try {
    const p = c.pages()[0] || (await c.newPage());
    const finished = [];
    p.on('requestfinished', (r) => finished.push(r));
    await p.goto(base + '/');
    await waitReady(p);
    let total = 0;
    const rows = [];
    for (const r of finished) {
      const s = await r.sizes();
      let body = s.responseBodySize;
      if (!body) {
        // some resources (the worker script) report no size: count the body, gzipped if it came gzipped
        const resp = await r.response();
        const buf = resp ? await resp.body().catch(() => null) : null;
        if (buf) body = /gzip|br|deflate/.test((await resp.allHeaders())['content-encoding'] || '') ? zlib.gzipSync(buf).length : buf.length;
      }
      const n = body + s.responseHeadersSize;
      total += n;
      rows.push([n, r.url().replace(base, '')]);
    }
    rows.sort((a, b) => b[0] - a[0]);
    console.log(`# initial load: ${finished.length} requests, ${(total / 1024).toFixed(1)} KiB transferred; largest: ${rows.slice(0, 5).map(([n, u]) => `${u} ${(n / 1024).toFixed(1)} KiB`).join(', ')}`);
    assert.ok(total < MAX_PAGE_BYTES, `initial load ${total} bytes >= ${MAX_PAGE_BYTES}`);
    // without a view in the URL the page frames the incidents: most of them are on screen, as markers or in bubbles
    const onScreen = await rendered(['points', 'clusters'], p);
    const shown = onScreen.reduce((n, f) => n + (f.layer === 'clusters' ? Number(f.props.point_count) || 0 : 1), 0);
    const pointTotal = await p.evaluate(async () => (await (await fetch('/api/incidents?precision=1,2&role=event&limit=10000')).json()).numberMatched);
    assert.ok(shown >= 0.5 * pointTotal, `default view shows ${shown} of ${pointTotal} precisely located event sites`);
    assert.match(await p.evaluate(() => location.hash), /map=/, 'the framed view is written to the URL');
    await shot('09-default-view.png', p);
  } finally {
    await c.close();
  }
});

test('no request ever left loopback and the console stayed clean', () => {
  const outside = requests.filter((u) => !isLoopback(u));
  assert.deepEqual(outside, [], `requests left loopback: ${outside.join(', ')}`);
  assert.deepEqual(consoleErrors, [], `console errors: ${consoleErrors.join('\n')}`);
});
