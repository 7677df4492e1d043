-- Multipart bodies for the wrk scripts (loaded with dofile from the
-- repository's top, where the benchmarks run).
local M = { boundary = "----vigiebench7d1f" }

-- The PNG at the path in the environment variable FILE.
function M.png()
  local f = assert(io.open(os.getenv("FILE"), "rb"))
  local png = f:read("*a")
  f:close()
  return png
end

function M.field(name, value)
  return "--" .. M.boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end

function M.file(field, name, bytes)
  return "--" .. M.boundary .. "\r\nContent-Disposition: form-data; name=\"" .. field .. "\"; filename=\"" .. name .. "\"\r\n"
    .. "Content-Type: image/png\r\n\r\n" .. bytes .. "\r\n"
end

M.close = "--" .. M.boundary .. "--\r\n"
M.content_type = "multipart/form-data; boundary=" .. M.boundary

return M
