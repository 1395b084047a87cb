-- The result line both wrk scripts (orders.lua, frame.lua) print, and bench/run and bench/frame
-- parse:
--   WRK_RESULT rps=.. p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.. requests=.. duration_s=..
--              bytes_per_req=.. status_errors=.. non2xx=.. connect_errors=.. read_errors=..
--              write_errors=.. timeout_errors=..
-- non2xx sums each thread's global `non2xx` counter (answers whose status is not 2xx).
--
-- usage, in a wrk script that keeps its threads from setup():
--   done = dofile(os.getenv("BENCH_DIR") .. "/wrk_result.lua")(threads)

return function(threads)
  return function(summary, latency, requests)
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
end
