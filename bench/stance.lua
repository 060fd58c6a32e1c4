-- wrk script: GET /actors/{actor}/stance?on=DAY for random actors and days, seeded per thread.
-- The actors come from $BENCH_ACTORS (comma-separated codes); the days from 2000-01-01 to
-- 2026-06-30. done() prints one JSON line for bench/run.py.

local actors = {}
for code in string.gmatch(os.getenv("BENCH_ACTORS") or "RUS", "[^,]+") do
  actors[#actors + 1] = code
end
local first = os.time({year = 2000, month = 1, day = 1, hour = 12})
local days = math.floor((os.time({year = 2026, month = 6, day = 30, hour = 12}) - first) / 86400)

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("number", threads)
end

function init(args)
  math.randomseed(1000 + (number or 0))
end

function request()
  local actor = actors[math.random(#actors)]
  local day = os.date("!%Y-%m-%d", first + math.random(0, days) * 86400)
  return wrk.format("GET", "/actors/" .. actor .. "/stance?on=" .. day)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH-WRK {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_us": %d, "p99_us": %d, '
      .. '"mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
