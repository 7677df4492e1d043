-- wrk script: every request files a complete case with two screenshots, as
-- a head teacher does from /school/cases/new. Set by pages.sh: COOKIE, TOKEN,
-- FILE (a PNG of about 200 KB).
local mp = dofile("tests/bench/multipart.lua")
local field = mp.field
local png = mp.png()

wrk.method = "POST"
wrk.path = "/school/cases"
wrk.body = field("csrf_token", os.getenv("TOKEN"))
  .. field("urgency", "high") .. field("victim_kind", "pupil")
  .. field("victim_name", "Banc E.") .. field("victim_group", "4e B")
  .. field("description", "Des messages insultants circulent sur un groupe de classe depuis deux semaines.")
  .. field("started_on", "2026-10-01") .. field("platforms", "snapchat") .. field("platforms", "instagram")
  .. field("kinds", "insults") .. field("checklist", "secured")
  .. field("author_kind", "pupil") .. field("author_name", "Élève X") .. field("author_group", "4e C")
  .. mp.file("evidence", "capture-1.png", png) .. mp.file("evidence", "capture-2.png", png)
  .. mp.close
wrk.headers["Content-Type"] = mp.content_type
wrk.headers["Cookie"] = os.getenv("COOKIE")

function done(summary, latency, requests)
  io.write(string.format("answers 4xx/5xx: %d\n", summary.errors.status))
end

-- DELAY_MS: each connection waits this long between its requests, on
-- average (paced): drawn at random between none and twice that, so that the
-- connections do not stay in step and file 64 cases at once each time.
local pause = tonumber(os.getenv("DELAY_MS") or "0")
function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end
function delay()
  return pause > 0 and math.random(0, 2 * pause) or 0
end
