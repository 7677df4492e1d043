-- wrk script: every request posts a complete public report with one
-- screenshot. Set by reports.sh: COOKIE, TOKEN, FILE (the PNG), PATH_.
local boundary = "----vigiebench7d1f"
local cookie = os.getenv("COOKIE")
local token = os.getenv("TOKEN")
local f = assert(io.open(os.getenv("FILE"), "rb"))
local png = f:read("*a")
f:close()

local function field(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end

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
  .. "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"capture.png\"\r\n"
  .. "Content-Type: image/png\r\n\r\n" .. png .. "\r\n"
  .. "--" .. boundary .. "--\r\n"

wrk.method = "POST"
wrk.path = os.getenv("PATH_")
wrk.body = body
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.headers["Cookie"] = cookie

local errors = 0
function response(status, headers, resp_body)
  if status ~= 200 then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  io.write(string.format("non-200 answers: %d\n", summary.errors.status))
end
