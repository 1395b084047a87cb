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

-- The WRK_RESULT line (bench/wrk_result.lua; BENCH_DIR is set by bench/run and bench/frame).
done = dofile((os.getenv("BENCH_DIR") or "bench") .. "/wrk_result.lua")(threads)
