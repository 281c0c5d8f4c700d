-- bench.sh wrk-single: POST /api/events, one donation per request, one connection per thread
-- (lib.lua says why). Closed loop (the next request as soon as the answer is in), or paced with
-- interval= (ms): request i of a connection is due at start + i * interval and leaves then, or at
-- once when the answer before it came late; its latency counts from when it was due.
-- Arguments: prefix= campaign= fundraisers= deadline= (epoch ms: nothing is sent after it) interval=
-- ramp= (ms, paced only: the rate climbs from a tenth to the full rate over this long; the warm-up's).
-- The ingest token comes from the environment (LEADERBOARD_INGEST_TOKEN), not the command line.
local lib = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "lib.lua")

local prefix, campaign, fundraisers, deadline, head, interval, ramp
local n, id, amount, due, start = 0, nil, nil, nil, nil

function init(args)
  local a = lib.args(args)
  -- <prefix><thread>-<n>: unique per run (the prefix holds the run id) and per thread.
  prefix = a.prefix .. tid .. "-"
  campaign, fundraisers, deadline = a.campaign, tonumber(a.fundraisers), tonumber(a.deadline)
  interval = tonumber(a.interval or "0")
  ramp = tonumber(a.ramp or "0")
  head = lib.head("POST", "/api/events", { ["Content-Type"] = "application/json", ["Accept"] = "application/json",
      ["Authorization"] = "Bearer " .. (os.getenv("LEADERBOARD_INGEST_TOKEN") or "") })
end

-- Paced: milliseconds to wait before the next request (wrk calls it before each one).
if tonumber((os.getenv("WRK_PACED") or "0")) == 1 then
  function delay()
    local now = lib.now()
    -- Connections start spread over one interval, not all at once.
    if not due then
      start = now
      due = now + interval * ((tid * 0.6180339887) % 1)
    end
    return math.max(0, due - now)
  end
end

-- Built anew for every request: wrk would otherwise send one request object again and again.
function request()
  local verification = lib.verification()
  if verification then return verification end
  n = n + 1
  id, amount = prefix .. n, lib.amount(tid, n)
  if interval > 0 then
    lib.sent(1, due)
    -- During a ramp the gap shrinks from ten intervals to one.
    local gap = interval
    if ramp > 0 and due - start < ramp then gap = interval / (0.1 + 0.9 * (due - start) / ramp) end
    due = due + gap
  else
    lib.sent(1)
  end
  -- (tid + n) spreads the threads' events over all the fundraisers.
  return lib.withBody(head, lib.donation(id, campaign, (tid + n) % fundraisers, amount))
end

-- 202 {"eventId":…,"status":"accepted"} or 200 …"duplicate"; the answer must name the event just
-- sent (the service's field order is not fixed, so both are looked for, not parsed).
function response(status, headers, body)
  local now = lib.answered(status)
  if status == 202 or status == 200 then
    local named = body:find('"' .. id .. '"', 1, true)
    if named and status == 202 and body:find('"accepted"', 1, true) then
      ok, okSum = ok + 1, okSum + amount
    elseif named and status == 200 and body:find('"duplicate"', 1, true) then
      duplicate = duplicate + 1
    else
      unexpected = unexpected + 1
    end
  end
  if now >= deadline then lib.drained() end
end
