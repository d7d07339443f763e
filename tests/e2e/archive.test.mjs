// End-to-end test of the static deployment: the web map (static/archive.html) loads from PMTiles
// archives alone, on a plain static HTTP server with Range support, in headless Chromium.
//
//   cd tests/e2e && npm ci && node --test archive.test.mjs
//
// Ingests the sample articles into a fresh database with `sitrep ingest`, exports the incident tiles
// and the basemap with `sitrep export --format pmtiles`, copies static/ and the archives into a site
// directory, and serves it with the small Range-capable file server below (no sitrep process while the
// page runs). Every request must stay on loopback. A second server that ignores Range headers must
// make the page say so instead of drawing a broken map.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const SHOTS = path.join(HERE, 'screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.pbf': 'application/x-protobuf', '.pmtiles': 'application/octet-stream' };

let tmp, site, ctx;
const servers = [];
const log = []; // [status, range, path] of every request the file server answered

// A static file server: GET of files under `root`, with `Range: bytes=a-b` answered 206 unless `ranges` is false.
function fileServer(root, ranges) {
  const srv = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path.join(root, path.normalize(rel).replace(/^(\.\.[/\\])+/, ''));
    if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      log.push([404, req.headers.range, rel]); res.writeHead(404); return res.end();
    }
    const size = fs.statSync(file).size;
    const type = TYPES[path.extname(file)] || 'application/octet-stream';
    const m = ranges && /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || '');
    if (m) {
      const start = Number(m[1]), end = Math.min(m[2] ? Number(m[2]) : size - 1, size - 1);
      log.push([206, req.headers.range, rel]);
      res.writeHead(206, { 'Content-Type': type, 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1, 'Accept-Ranges': 'bytes' });
      return fs.createReadStream(file, { start, end }).pipe(res);
    }
    log.push([200, req.headers.range, rel]);
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': size });
    fs.createReadStream(file).pipe(res);
  });
  servers.push(srv);
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${srv.address().port}`)));
}

const isLoopback = (u) => {
  if (/^(data|blob|about):/.test(u)) return true;
  try { const h = new URL(u).hostname; return h === 'localhost' || h === '[::1]' || /^127\./.test(h); } catch { return false; }
};

async function openPage(url) {
  const page = await ctx.newPage();
  const info = { page, requests: [], blocked: [], errors: [] };
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (isLoopback(u)) return route.continue();
    info.blocked.push(u);
    return route.abort();
  });
  page.on('request', (r) => info.requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error') info.errors.push(m.text()); });
  page.on('pageerror', (e) => info.errors.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => ['ready', 'error'].includes(document.getElementById('status').dataset.state), null, { timeout: 120000, polling: 250 });
  return info;
}

before(async () => {
  const bin = process.env.SITREP_BIN || path.join(REPO, 'target', 'release', 'sitrep');
  assert.ok(fs.existsSync(bin), `sitrep binary not found at ${bin}: run \`cargo build --release\` or set SITREP_BIN`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sitrep-archive-e2e-'));
  site = path.join(tmp, 'site');
  fs.cpSync(path.join(REPO, 'static'), site, { recursive: true });
  const db = path.join(tmp, 'e2e.db');
  const articles = fs.readdirSync(path.join(REPO, 'data', 'articles')).filter((f) => f.endsWith('.json')).map((f) => path.join(REPO, 'data', 'articles', f));
  const run = (args) => execFileSync(bin, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
  run(['ingest', '--db', db, ...articles]);
  run(['export', '--db', db, '--maxzoom', '9', path.join(site, 'incidents.pmtiles')]);
  run(['export', '--layer', 'basemap', '--maxzoom', '4', path.join(site, 'basemap.pmtiles')]);
  ctx = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1100, height: 750 },
  });
});

after(async () => {
  if (ctx) await ctx.close();
  for (const s of servers) s.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the map loads from the PMTiles archives on a static server, with no request off loopback', async () => {
  const base = await fileServer(site, true);
  const { page, requests, blocked, errors } = await openPage(`${base}/archive.html#map=6.5/39.9/45.8`);
  const state = await page.$eval('#status', (e) => [e.dataset.state, e.textContent]);
  assert.equal(state[0], 'ready', `status: ${state[1]}; errors: ${errors.join(' | ')}`);
  await page.evaluate(() => new Promise((res) => (window.sitrepMap.areTilesLoaded() ? res() : window.sitrepMap.once('idle', res))));
  const drawn = await page.evaluate(() => {
    const m = window.sitrepMap;
    const count = (layers) => m.queryRenderedFeatures({ layers: layers.filter((l) => m.getLayer(l)) }).length;
    return { incidents: count(['points', 'clusters', 'areas-fill', 'lines']), basemap: count(['countries-fill']),
      names: [...new Set(m.queryRenderedFeatures({ layers: ['points'] }).map((f) => f.properties.place_name))] };
  });
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, 'archive-syunik.png') });
  assert.ok(drawn.incidents > 0, `incident features drawn: ${JSON.stringify(drawn)}`);
  assert.ok(drawn.basemap > 0, `basemap countries drawn: ${JSON.stringify(drawn)}`);
  assert.ok(drawn.names.length > 0, `settlements drawn around Syunik: ${drawn.names}`);
  assert.deepEqual(blocked, [], 'requests that left loopback');
  assert.ok(requests.every(isLoopback));
  const archiveReads = log.filter(([, , p]) => p.endsWith('.pmtiles'));
  assert.ok(archiveReads.length > 2 && archiveReads.every(([s, r]) => s === 206 && r), `archive reads: ${JSON.stringify(archiveReads.slice(0, 5))}`);
  assert.deepEqual(errors, [], 'console errors');
  await page.close();
});

test('a server without Range support is reported, not drawn wrong', async () => {
  const base = await fileServer(site, false);
  const { page } = await openPage(`${base}/archive.html`);
  const [state, text] = await page.$eval('#status', (e) => [e.dataset.state, e.textContent]);
  assert.equal(state, 'error');
  assert.match(text, /Range/);
  await page.close();
});
