-- wrk script: every request posts a complete public report with one
-- screenshot. Set by reports.sh: COOKIE, TOKEN, FILE (the PNG), PATH_.
local mp = dofile("tests/bench/multipart.lua")
local field = mp.field
local cookie = os.getenv("COOKIE")
local token = os.getenv("TOKEN")
local png = mp.png()

local body = field("csrf_token", token)
  .. field("reporter_kind", "parent")
  .. field("danger", "no")
  .. field("description", "Des messages humiliants circulent sur un groupe de classe depuis deux semaines.")
  .. field("platforms", "snapchat")
  .. field("kinds", "insults")
  .. field("started_on", "2026-10-10")
  .. field("victim_first_name", "Camille")
  .. field("victim_class", "4e B")
  .. field("website", "")
  .. mp.file("evidence", "capture.png", png)
  .. mp.close

wrk.method = "POST"
wrk.path = os.getenv("PATH_")
wrk.body = body
wrk.headers["Content-Type"] = mp.content_type
wrk.headers["Cookie"] = cookie

-- DELAY_MS > 0 paces each connection: it waits a random time averaging
-- DELAY_MS between its requests, so that arrivals spread out (a fixed offered
-- rate) instead of coming in bursts of 64 or as fast as the server answers.
local pause = tonumber(os.getenv("DELAY_MS") or "0")
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
function delay()
  if pause == 0 then
    return 0
  end
  return math.random(0, 2 * pause)
end

function done(summary, latency, requests)
  io.write(string.format("non-200 answers: %d\n", summary.errors.status))
end
