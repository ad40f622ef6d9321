-- One wrk script for every scenario of bench/run.py; the runner sets it up through the
-- environment:
--   BENCH_REQ       a Lua file returning {method=, path=, headers={}, body=} (one fixed request)
--   BENCH_DISTINCT  if set: a POST /v1/lookups body per request with a new PIN each time,
--                   using BENCH_DOC, BENCH_PROC, BENCH_AUTH; PINs from BENCH_START, at most
--                   BENCH_LIMIT requests (then the thread stops)
-- `done` prints one JSON line (prefix "BENCH_JSON ") that bench/wrk.py parses.

local spec = nil
local fixed = nil
local distinct = os.getenv("BENCH_DISTINCT")
local counter = tonumber(os.getenv("BENCH_START") or "0")
local limit = tonumber(os.getenv("BENCH_LIMIT") or "0")
local sent = 0

if distinct then
  local doc = os.getenv("BENCH_DOC")
  local proc = os.getenv("BENCH_PROC")
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("BENCH_AUTH"),
  }
  request = function()
    sent = sent + 1
    if limit > 0 and sent > limit then
      wrk.thread:stop()
    end
    counter = counter + 1
    -- 001 (Ha Noi) 1 (female, 20th century) 95 (born 1995) + 6-digit serial: valid PINs.
    local pin = string.format("001195%06d", counter % 1000000)
    local body = '{"document_type":"' .. doc .. '","subject":{"scheme":"PIN","value":"' .. pin
      .. '"},"purpose":{"procedure_code":"' .. proc .. '"}}'
    return wrk.format("POST", "/v1/lookups", headers, body)
  end
else
  -- BENCH_REQ may name several files (comma-separated): their requests take turns. Formatted
  -- in `init`, once per thread: wrk sets the Host header only then.
  local list = {}
  local turn = 0
  init = function(args)
    for path in string.gmatch(os.getenv("BENCH_REQ"), "[^,]+") do
      spec = dofile(path)
      list[#list + 1] = wrk.format(spec.method, spec.path, spec.headers, spec.body)
    end
    fixed = list[1]
  end
  request = function()
    if #list == 1 then
      return fixed
    end
    turn = turn % #list + 1
    return list[turn]
  end
end

-- BENCH_STATUS: count responses by status (slower; for checks, not for figures).
local threads = {}
if os.getenv("BENCH_STATUS") then
  setup = function(thread)
    table.insert(threads, thread)
  end
  statuses = {}
  response = function(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
  end
end

local function status_json()
  local total = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses") or {}
    for code, n in pairs(counts) do
      total[code] = (total[code] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(total) do
    parts[#parts + 1] = string.format('"%d":%d', code, n)
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,'
      .. '"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,'
      .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d,"statuses":%s}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max, status_json()))
end
