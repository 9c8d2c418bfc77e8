-- wrk script for bench/mix.sh and bench/soak.sh: a mix of index pages and files.
--
--   [MIX_DELAY_MS=N] [MIX_COUNT=1] wrk ... -s bench/mix.lua URL -- PATHS [PAGE_PERCENT [REVALIDATE_PERCENT]]
--
-- PATHS has one "P /simple/<name>/" (a page) or "F /packages/..." (a file) a line. Each request is
-- a page with pip's Accept header with probability PAGE_PERCENT % (80), else a file; a page request
-- also carries pip's "Cache-Control: max-age=0" with probability REVALIDATE_PERCENT % (0). From the
-- environment (read when the script loads, so wrk sees which hooks exist): MIX_DELAY_MS paces each
-- connection (a wait before each request); MIX_COUNT=1 counts 404s, 5xx and X-Cache: STALE (a
-- response hook: costs wrk CPU, so off for throughput runs). After the run it prints one line:
--   RESULT <req/s> <MB/s> <errors> <p50 ms> <p99 ms> <max ms> <404s> <5xx> <stale>
-- (errors: wrk's connect, read, write, timeout and >= 400 status counts; MB/s: 10^6 bytes, headers
-- included; the last three are 0 without MIX_COUNT).
local accept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
local threads = {}
local pages, revalidate, files = {}, {}, {}
local page_pct, reval_pct = 80, 0
local delay_ms = tonumber(os.getenv("MIX_DELAY_MS") or "0")
counts = { nf = 0, s5 = 0, stale = 0 }

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  page_pct = tonumber(args[2] or "80")
  reval_pct = tonumber(args[3] or "0")
  for line in io.lines(args[1]) do
    local kind, path = line:match("^(%u) (%S+)$")
    if kind == "P" then
      table.insert(pages, wrk.format("GET", path, { Accept = accept }))
      table.insert(revalidate, wrk.format("GET", path, { Accept = accept, ["Cache-Control"] = "max-age=0" }))
    elseif kind == "F" then
      table.insert(files, wrk.format("GET", path))
    end
  end
  assert(#pages > 0 and #files > 0, "PATHS needs pages and files")
  math.randomseed(id * 7919 + os.time())
end

function request()
  if math.random(100) <= page_pct then
    local i = math.random(#pages)
    if reval_pct > 0 and math.random(100) <= reval_pct then
      return revalidate[i]
    end
    return pages[i]
  end
  return files[math.random(#files)]
end

if delay_ms > 0 then
  function delay() return delay_ms end
end

if os.getenv("MIX_COUNT") == "1" then
  function response(status, headers, body)
    if status == 404 then
      counts.nf = counts.nf + 1
    elseif status >= 500 then
      counts.s5 = counts.s5 + 1
    end
    if headers["X-Cache"] == "STALE" then
      counts.stale = counts.stale + 1
    end
  end
end

function done(summary, latency, requests)
  local s = summary.duration / 1e6
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local nf, s5, stale = 0, 0, 0
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    nf, s5, stale = nf + c.nf, s5 + c.s5, stale + c.stale
  end
  io.write(string.format("RESULT %.0f %.1f %d %.2f %.2f %.1f %d %d %d\n", summary.requests / s, summary.bytes / s / 1e6,
    errors, latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, nf, s5, stale))
end
