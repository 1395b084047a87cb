-- wrk script for bench/run: GET /api/v1.0/orders spread over many customers.
--
-- usage: wrk ... -s bench/orders.lua http://127.0.0.1:PORT -- TOKEN CUSTOMERS [SEED]
--
-- Customer i (uniform in [0, CUSTOMERS)) is customer{i}@example.com / +3161{i:07d}, as written by
-- gen_orders.py. Belco always appends both parameters, empty when it doesn't know one, so the mix is
--   1/2  email=E&phoneNumber=P   (both known)
--   1/4  email=E&phoneNumber=    (email only)
--   1/4  email=&phoneNumber=P    (phone only)
-- Every variant matches the same 5 orders, so every answer has the same shape and size as the
-- body the ceiling serves. Each wrk thread pre-builds a deterministic table of requests in
-- init() and cycles through it, so Lua costs almost nothing per request and every target gets
-- the exact same request sequence.
--
-- done() prints one machine-parsable line:
--   WRK_RESULT rps=.. p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.. requests=.. duration_s=..
--              bytes_per_req=.. status_errors=.. connect_errors=.. read_errors=.. write_errors=..
--              timeout_errors=..
-- non2xx counts every answer whose status is not 2xx (in response(); measured to cost nothing
-- visible, even against the ceiling); status_errors is wrk's own count of statuses > 399; read
-- errors include a server that closed a connection early.

local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local reqs = {}
local nreqs = 0
local idx = 0
non2xx = 0

local PREBUILT = 20000

function init(args)
  local token = args[1] or error("TOKEN argument missing (wrk ... -- TOKEN CUSTOMERS)")
  local customers = tonumber(args[2] or "20000")
  local seed = tonumber(args[3] or "7533")
  math.randomseed(seed * 1000 + tid)
  for n = 1, PREBUILT do
    local i = math.random(0, customers - 1)
    local email = string.format("customer%d%%40example.com", i)
    local phone = string.format("%%2B3161%07d", i)
    local kind = n % 4
    local q
    if kind == 0 or kind == 2 then
      q = "email=" .. email .. "&phoneNumber=" .. phone
    elseif kind == 1 then
      q = "email=" .. email .. "&phoneNumber="
    else
      q = "email=&phoneNumber=" .. phone
    end
    reqs[n] = wrk.format("GET", "/api/v1.0/orders?token=" .. token .. "&" .. q)
  end
  nreqs = PREBUILT
  idx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function request()
  idx = idx + 1
  if idx > nreqs then idx = 1 end
  return reqs[idx]
end

-- The WRK_RESULT line (bench/wrk_result.lua; BENCH_DIR is set by bench/run and bench/frame).
done = dofile((os.getenv("BENCH_DIR") or "bench") .. "/wrk_result.lua")(threads)
