-- wrk script: every request files a complete case with two screenshots, as
-- a head teacher does from /school/cases/new. Set by pages.sh: COOKIE, TOKEN,
-- FILE (a PNG of about 200 KB).
local boundary = "----vigiebenchcase"
local f = assert(io.open(os.getenv("FILE"), "rb"))
local png = f:read("*a")
f:close()

local function field(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end

local function file(name)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"" .. name .. "\"\r\n"
    .. "Content-Type: image/png\r\n\r\n" .. png .. "\r\n"
end

wrk.method = "POST"
wrk.path = "/school/cases"
wrk.body = field("csrf_token", os.getenv("TOKEN"))
  .. field("urgency", "high") .. field("victim_kind", "pupil")
  .. field("victim_name", "Camille D.") .. field("victim_group", "4e B")
  .. field("description", "Des messages insultants circulent sur un groupe de classe depuis deux semaines.")
  .. field("started_on", "2026-10-01") .. field("platforms", "snapchat") .. field("platforms", "instagram")
  .. field("kinds", "insults") .. field("checklist", "secured")
  .. field("author_kind", "pupil") .. field("author_name", "Élève X") .. field("author_group", "4e C")
  .. file("capture-1.png") .. file("capture-2.png")
  .. "--" .. boundary .. "--\r\n"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.headers["Cookie"] = os.getenv("COOKIE")

function done(summary, latency, requests)
  io.write(string.format("answers 4xx/5xx: %d\n", summary.errors.status))
end
