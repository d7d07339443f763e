-- wrk script of scripts/bench-realistic.sh: a map client's read mix against sitrep.
--
-- Measures (through wrk): requests/s and latency of about 80 % incident tiles
-- (/tiles/{z}/{x}/{y}.mvt, z0-z14, the tile under one of 50 conflict and world cities and, from
-- z6, its 8 neighbours, as a map panned over a populated area asks for) and 20 % OGC API Features
-- bbox pages (/collections/incidents/items?bbox=...&limit=100 around the same cities, boxes of
-- 0.05 to 5 degrees). Counts non-2xx answers in the response hook and prints one machine-readable
-- line at the end:
--   BENCH requests=N duration_us=N p50_us=N p90_us=N p99_us=N max_us=N non2xx=N status_4xx=N
--         status_5xx=N timeouts=N connect=N read=N write=N tiles=N items=N
-- Environment: BENCH_MODE=mixed (default) | tiles (tiles only); BENCH_ITEMS_SHARE=0.2.
-- Run: BENCH_MODE=mixed wrk -t2 -c16 -d30s --timeout 10s --latency -s scripts/bench/mixed.lua http://127.0.0.1:PORT
-- (sends Accept-Encoding: gzip, as a browser does).

local cities = {
  {"Kyiv", 30.52, 50.45}, {"Kharkiv", 36.23, 49.99}, {"Odesa", 30.73, 46.48}, {"Donetsk", 37.80, 48.02},
  {"Mariupol", 37.55, 47.10}, {"Zaporizhzhia", 35.14, 47.84}, {"Moscow", 37.62, 55.76},
  {"Gaza", 34.47, 31.50}, {"Jerusalem", 35.22, 31.78}, {"Beirut", 35.50, 33.89}, {"Damascus", 36.29, 33.51},
  {"Aleppo", 37.16, 36.20}, {"Baghdad", 44.36, 33.31}, {"Mosul", 43.13, 36.34}, {"Tehran", 51.39, 35.69},
  {"Sanaa", 44.21, 15.35}, {"Aden", 45.03, 12.78}, {"Khartoum", 32.53, 15.50}, {"El Fasher", 25.35, 13.63},
  {"Juba", 31.58, 4.85}, {"Addis Ababa", 38.75, 9.03}, {"Mogadishu", 45.34, 2.05}, {"Goma", 29.22, -1.68},
  {"Kinshasa", 15.27, -4.44}, {"Bamako", -8.00, 12.64}, {"Niamey", 2.11, 13.51}, {"Ouagadougou", -1.52, 12.37},
  {"Lagos", 3.38, 6.52}, {"Abuja", 7.49, 9.06}, {"Maiduguri", 13.16, 11.85}, {"Tripoli", 13.19, 32.89},
  {"Cairo", 31.24, 30.04}, {"Yerevan", 44.51, 40.18}, {"Baku", 49.87, 40.41}, {"Stepanakert", 46.75, 39.82},
  {"Tbilisi", 44.79, 41.72}, {"Kabul", 69.17, 34.53}, {"Islamabad", 73.05, 33.68}, {"Delhi", 77.21, 28.61},
  {"Srinagar", 74.80, 34.08}, {"Yangon", 96.16, 16.87}, {"Manila", 120.98, 14.60}, {"Taipei", 121.56, 25.03},
  {"Beijing", 116.40, 39.90}, {"New York", -74.01, 40.71}, {"Washington", -77.04, 38.91},
  {"Mexico City", -99.13, 19.43}, {"Bogota", -74.07, 4.71}, {"Port-au-Prince", -72.34, 18.54},
  {"London", -0.13, 51.51}, {"Paris", 2.35, 48.86}, {"Berlin", 13.40, 52.52},
}

local function tile_xy(lon, lat, z)
  local n = 2 ^ z
  local x = math.floor((lon + 180) / 360 * n)
  local r = math.rad(lat)
  local y = math.floor((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)
  if x < 0 then x = 0 end
  if x >= n then x = n - 1 end
  if y < 0 then y = 0 end
  if y >= n then y = n - 1 end
  return x, y
end

local tiles, items = {}, {}
do
  local seen = {}
  for _, c in ipairs(cities) do
    for z = 0, 14 do
      local x, y = tile_xy(c[2], c[3], z)
      local d = (z >= 6) and 1 or 0
      for dx = -d, d do
        for dy = -d, d do
          local tx, ty = x + dx, y + dy
          if tx >= 0 and ty >= 0 and tx < 2 ^ z and ty < 2 ^ z then
            local p = string.format("/tiles/%d/%d/%d.mvt", z, tx, ty)
            if not seen[p] then seen[p] = true; tiles[#tiles + 1] = p end
          end
        end
      end
    end
    for _, half in ipairs({0.025, 0.1, 0.5, 2.5}) do
      items[#items + 1] = string.format("/collections/incidents/items?bbox=%.4f,%.4f,%.4f,%.4f&limit=100",
        math.max(-180, c[2] - half), math.max(-90, c[3] - half), math.min(180, c[2] + half), math.min(90, c[3] + half))
    end
  end
end

local mode = os.getenv("BENCH_MODE") or "mixed"
local share = tonumber(os.getenv("BENCH_ITEMS_SHARE") or "0.2")
if mode == "tiles" then share = 0 end

local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

-- globals: done() reads them from each thread with thread:get()
non2xx, s4, s5, n_tiles, n_items = 0, 0, 0, 0, 0
function init(args)
  math.randomseed(os.time() * 1000 + (id or 0) * 7919)
  wrk.headers["Accept-Encoding"] = "gzip"
end

function request()
  if math.random() < share then
    n_items = n_items + 1
    return wrk.format("GET", items[math.random(#items)])
  end
  n_tiles = n_tiles + 1
  return wrk.format("GET", tiles[math.random(#tiles)])
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if status >= 500 then s5 = s5 + 1 elseif status >= 400 then s4 = s4 + 1 end
  end
end

function done(summary, latency, requests)
  local bad, b4, b5, nt, ni = 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non2xx") or 0)
    b4 = b4 + (t:get("s4") or 0)
    b5 = b5 + (t:get("s5") or 0)
    nt = nt + (t:get("n_tiles") or 0)
    ni = ni + (t:get("n_items") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d non2xx=%d status_4xx=%d status_5xx=%d timeouts=%d connect=%d read=%d write=%d tiles=%d items=%d urls_tiles=%d urls_items=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, bad, b4, b5, e.timeout, e.connect, e.read, e.write, nt, ni, #tiles, #items))
end
