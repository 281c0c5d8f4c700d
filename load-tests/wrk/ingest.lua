-- bench.sh wrk-read, the background ingest: batches of donations to POST /api/events/batch at a
-- fixed rate on ONE connection (-t1 -c1), paced by delay(): batch i leaves at start + i * interval,
-- or at once if the previous answer came late, so the rate holds while answers take < interval.
-- Arguments: prefix= campaign= fundraisers= batch= interval= (ms) deadline= (epoch ms).
local lib = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "lib.lua")

local prefix, campaign, fundraisers, batch, interval, deadline, head
local n, due = 0, nil
local ids, amounts = {}, {}

function init(args)
  local a = lib.args(args)
  prefix = a.prefix .. tid .. "-"
  campaign, fundraisers, deadline = a.campaign, tonumber(a.fundraisers), tonumber(a.deadline)
  batch, interval = tonumber(a.batch), tonumber(a.interval)
  head = lib.head("POST", "/api/events/batch", { ["Content-Type"] = "application/json",
      ["Accept"] = "application/json", ["Authorization"] = "Bearer " .. (os.getenv("LEADERBOARD_INGEST_TOKEN") or "") })
end

-- Called by wrk before each request: milliseconds to wait.
function delay()
  local now = lib.now()
  due = due or now
  return math.max(0, due - now)
end

function request()
  local verification = lib.verification()
  if verification then return verification end
  due = due + interval
  local events = {}
  for i = 1, batch do
    n = n + 1
    ids[i], amounts[i] = prefix .. n, lib.amount(tid, n)
    events[i] = lib.donation(ids[i], campaign, n % fundraisers, amounts[i])
  end
  lib.sent(batch)
  return lib.withBody(head, "[" .. table.concat(events, ",") .. "]")
end

-- 200 {"results":[{"eventId":…,"status":…,"problem"?},…]} in input order: result i must name
-- event i of the batch just sent. A batch not answered 200 counts as unanswered (not retried).
function response(status, headers, body)
  lib.answered(status)
  if status == 200 then
    local i = 0
    for eventId, result in body:gmatch('"eventId"%s*:%s*"([^"]*)"%s*,%s*"status"%s*:%s*"(%a+)"') do
      i = i + 1
      if eventId ~= ids[i] then
        unexpected = unexpected + 1
      elseif result == "accepted" then
        ok, okSum = ok + 1, okSum + amounts[i]
      elseif result == "duplicate" then
        duplicate = duplicate + 1
      else
        rejected = rejected + 1
      end
    end
    if i ~= batch then unexpected = unexpected + 1 end
  end
  -- The next batch would leave at or after the deadline: done.
  if due >= deadline then lib.drained() end
end
