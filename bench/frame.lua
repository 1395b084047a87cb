-- wrk script for bench/frame: GET one fixed path (the Custom Frame of one customer) on every request.
--
-- usage: wrk ... -s bench/frame.lua http://127.0.0.1:PORT -- PATH_AND_QUERY
--
-- The request is formatted once per thread in init(), so Lua costs almost nothing per request, and
-- the ceiling gets the very same request bytes as ours. done() prints the same machine-parsable line
-- as bench/orders.lua:
--   WRK_RESULT rps=.. p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.. requests=.. duration_s=..
--              bytes_per_req=.. status_errors=.. non2xx=.. connect_errors=.. read_errors=..
--              write_errors=.. timeout_errors=..
-- non2xx counts every answer whose status is not 2xx.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local req
non2xx = 0

function init(args)
  local path = args[1] or error("PATH argument missing (wrk ... -- /frame?token=..)")
  req = wrk.format("GET", path)
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function request()
  return req
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("non2xx") or 0) end
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d duration_s=%.2f " ..
    "bytes_per_req=%.0f status_errors=%d non2xx=%d connect_errors=%d read_errors=%d write_errors=%d timeout_errors=%d\n",
    summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, secs,
    summary.requests > 0 and summary.bytes / summary.requests or 0,
    e.status, bad, e.connect, e.read, e.write, e.timeout))
end
