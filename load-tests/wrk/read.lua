-- bench.sh wrk-read, the readers: keep-alive GETs in a closed loop, alternately the top-10
-- fundraisers board and a random fundraiser's standing (its rank), as ReadSimulation's closed
-- model (-Dreaders) does; one connection per thread (lib.lua says why).
-- Arguments: campaign= fundraisers= deadline= (epoch ms: nothing is sent after it).
local lib = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "lib.lua")

local board, standing, fundraisers, deadline
local k = 0

function init(args)
  local a = lib.args(args)
  local accept = { ["Accept"] = "application/json" }
  board = lib.head("GET", "/api/campaigns/" .. a.campaign .. "/leaderboards/fundraisers?limit=10&offset=0",
      accept) .. "\r\n"
  -- A standing's request in two halves, the fundraiser id goes between them.
  standing = { "GET /api/campaigns/" .. a.campaign .. "/fundraisers/f-", " HTTP/1.1\r\n" .. lib.headers(accept) .. "\r\n" }
  fundraisers, deadline = tonumber(a.fundraisers), tonumber(a.deadline)
  math.randomseed(tid * 7919 + 1) -- every Lua state starts with the same seed otherwise
end

function request()
  local verification = lib.verification()
  if verification then return verification end
  k = k + 1
  lib.sent(0)
  if k % 2 == 1 then return board end
  return standing[1] .. math.random(0, fundraisers - 1) .. standing[2]
end

function response(status)
  local now = lib.answered(status)
  if status == 200 then ok = ok + 1 end
  if now >= deadline then lib.drained() end
end
