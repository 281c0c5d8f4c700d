-- Shared by the wrk scripts of `bench.sh wrk-single` / `wrk-read` (single.lua, read.lua, ingest.lua).
-- WrkBench (Java) starts wrk with them and reads the one line done() prints; see load-tests/README.md.
--
-- Every script runs with ONE CONNECTION PER WRK THREAD (-t N -c N). A thread then has at most one
-- request in flight, so response() always answers the request this thread sent last: that tells
-- which event an answer is about (its amount for the accepted sum) and gives each request's own
-- latency, with no lookup. wrk's own percentiles are "corrected" for coordinated omission (it adds
-- synthetic samples for slow answers), so they are not what Gatling reports; both are printed.
--
-- Lua states are per thread: each thread keeps its counters in globals, and done(), in wrk's main
-- state, adds them up through thread:get (the setup/done pattern of wrk's docs).

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")

local lib = {}

-- Wall-clock milliseconds (CLOCK_REALTIME), the clock of Java's System.currentTimeMillis(), since the
-- deadlines come from WrkBench; os.time() has only whole seconds.
function lib.now()
  ffi.C.clock_gettime(0, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

-- init()'s arguments (everything after `--`, indexed from 0) as a table of key=value.
function lib.args(args)
  local a = {}
  for i = 0, #args do
    local k, v = (args[i] or ""):match("^([^=]+)=(.*)$")
    if k then a[k] = v end
  end
  return a
end

-- Amounts vary per event (1.00-100.99) so a row attributed to the wrong event changes the sum.
function lib.amount(tid, n)
  return 100 + (tid * 104729 + n * 7919) % 10000
end

-- The donation JSON of the ingest API (IngestSimulation.appendEvent's shape).
function lib.donation(id, campaign, fundraiser, amount)
  return '{"type":"donation","eventId":"' .. id .. '","campaignId":"' .. campaign .. '","fundraiserId":"f-'
      .. fundraiser .. '","amountMinor":' .. amount .. ',"currency":"EUR","donorName":"bench"}'
end

-- This thread's counters. thread:get copies numbers and strings safely, but wrk 4.1 mis-pops the
-- Lua stack when it copies a table (a nested one crashes it): so the counters are plain number
-- globals, and the answers per HTTP status and the latency histogram (0.1 ms buckets) are kept in
-- local tables that drained() writes into one string, `breakdown`. requests/answered: HTTP requests
-- sent and answered (any status); events: events sent (a batch carries several); ok/okSum: accepted
-- events and their amounts (read.lua: reads answered 200); duplicate/rejected: per the answers;
-- unexpected: a 2xx answer that does not name the events this thread sent last (misattribution:
-- fails the run); first/last: first request sent, last answer received (ms).
COUNTERS = { "requests", "answered", "events", "ok", "okSum", "duplicate", "rejected", "unexpected" }
for _, name in ipairs(COUNTERS) do _G[name] = 0 end
local statuses, hist, sentAt = {}, {}, 0

-- wrk calls request() once in thread 0's state before the run, only to check that it returns a valid
-- HTTP request (script_verify_request); that request is never sent, so it must not be counted or
-- use up an event id: each script's request() returns lib.verification() first when it gives one.
local verified = false

function lib.verification()
  if tid == 0 and not verified then
    verified = true
    return "GET / HTTP/1.1\r\nHost: " .. wrk.host .. "\r\n\r\n"
  end
end

-- Request heads are built once, by hand: wrk.format() would walk a header table (pairs(), which
-- LuaJIT does not compile) for every request. lib.headers gives the header lines (Host first).
function lib.headers(headers)
  local h = { "Host: " .. wrk.host .. (wrk.port and ":" .. wrk.port or "") }
  for name, value in pairs(headers) do h[#h + 1] = name .. ": " .. value end
  return table.concat(h, "\r\n") .. "\r\n"
end

function lib.head(method, path, headers)
  return method .. " " .. path .. " HTTP/1.1\r\n" .. lib.headers(headers)
end

-- A whole request: its head, Content-Length and body.
function lib.withBody(head, body)
  return head .. "Content-Length: " .. #body .. "\r\n\r\n" .. body
end

-- scheduled: when a paced request was due (ms); its latency is counted from then, so a request
-- sent late because the answer before it was late still shows the wait (no coordinated omission).
function lib.sent(n, scheduled)
  sentAt = scheduled or lib.now()
  first = first or sentAt
  requests, events = requests + 1, events + n
end

-- Called first in response(): counts the answer and its latency; returns the time it arrived.
function lib.answered(status)
  local now = lib.now()
  local b = math.floor((now - sentAt) * 10)
  hist[b] = (hist[b] or 0) + 1
  statuses[status] = (statuses[status] or 0) + 1
  answered, last = answered + 1, now
  return now
end

local function encode(t)
  local parts = {}
  for k, n in pairs(t) do parts[#parts + 1] = k .. ":" .. n end
  return table.concat(parts, ",")
end

-- Past the deadline, after an answer: this thread sends nothing more, so nothing is cut off in
-- flight when wrk ends (an accepted event the bench never heard of would break the ledger check).
-- wrk itself runs until -d, so WrkBench stops it (SIGINT) once every thread has said so.
function lib.drained()
  breakdown = encode(statuses) .. ";" .. encode(hist)
  io.write("WRK-DRAINED\n")
  io.stdout:flush()
  wrk.thread:stop()
end

-- Main state: number the threads (tid, one connection each) and keep them for done().
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local function percentile(hist, total, p)
  local keys = {}
  for k in pairs(hist) do keys[#keys + 1] = k end
  table.sort(keys)
  local rank, seen = math.max(1, math.ceil(total * p / 100)), 0
  for _, k in ipairs(keys) do
    seen = seen + hist[k]
    if seen >= rank then return (k + 1) / 10 end -- the bucket's upper bound, ms
  end
  return 0
end

-- One line for WrkBench: the threads' counters added up, this script's latency percentiles (ms,
-- every answer, exact to 0.1 ms), wrk's own (corrected, in ms) and wrk's error counters.
function done(summary, latency, rates)
  local sum, status, hist, first, last, undrained = {}, {}, {}, nil, nil, 0
  for _, name in ipairs(COUNTERS) do sum[name] = 0 end
  for _, thread in ipairs(threads) do
    for _, name in ipairs(COUNTERS) do sum[name] = sum[name] + thread:get(name) end
    local f, l = thread:get("first"), thread:get("last")
    if f and (not first or f < first) then first = f end
    if l and (not last or l > last) then last = l end
    -- A thread whose last answer never came wrote no breakdown: its statuses and latencies are
    -- missing from those figures (its counters are not), and the line says how many.
    local text = thread:get("breakdown")
    if text then
      local codes, buckets = text:match("^([^;]*);(.*)$")
      for code, n in codes:gmatch("(%d+):(%d+)") do status[code] = (status[code] or 0) + n end
      for b, n in buckets:gmatch("(%d+):(%d+)") do b = tonumber(b); hist[b] = (hist[b] or 0) + n end
    else
      undrained = undrained + 1
    end
  end
  local measuredAnswers = 0
  for _, n in pairs(hist) do measuredAnswers = measuredAnswers + n end
  local codes = {}
  for code, n in pairs(status) do codes[#codes + 1] = code .. ":" .. n end
  table.sort(codes)
  local e = summary.errors
  io.write(string.format(
      "WRK-RESULT requests=%d answered=%d events=%d ok=%d okSum=%d duplicate=%d rejected=%d unexpected=%d"
          .. " status=%s firstMs=%.1f lastMs=%.1f p50=%.1f p90=%.1f p99=%.1f max=%.1f"
          .. " wrkP50=%.1f wrkP90=%.1f wrkP99=%.1f wrkMax=%.1f wrkRequests=%d"
          .. " connectErrors=%d readErrors=%d writeErrors=%d timeouts=%d undrained=%d\n",
      sum.requests, sum.answered, sum.events, sum.ok, sum.okSum, sum.duplicate, sum.rejected, sum.unexpected,
      #codes > 0 and table.concat(codes, ",") or "-", first or 0, last or 0,
      percentile(hist, measuredAnswers, 50), percentile(hist, measuredAnswers, 90),
      percentile(hist, measuredAnswers, 99), percentile(hist, measuredAnswers, 100),
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, summary.requests, e.connect, e.read, e.write, e.timeout, undrained))
  io.stdout:flush()
end

return lib
