-- wrk script for one benchmarked route.
--
--   wrk -s bench/route.lua URL -- METHOD PATH TOKENS BODIES IDS
--
-- PATH may hold "{id}", replaced by an id from IDS ("first-last", or "-" for none).
-- TOKENS and BODIES are files with one bearer token / one JSON body per line ("-" for none);
-- each request takes the next token, body and id, so many accounts and rows are touched.
-- At the end it prints one JSON line: requests/s, latency percentiles and the non-2xx count.

local threads = {}
local counter = 1

local function read_lines(path)
  local lines = {}
  if path == nil or path == "-" then
    return lines
  end
  for line in io.lines(path) do
    if line ~= "" then
      lines[#lines + 1] = line
    end
  end
  return lines
end

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  threads[#threads + 1] = thread
end

function init(args)
  method = args[1] or "GET"
  path = args[2] or "/ping"
  tokens = read_lines(args[3])
  bodies = read_lines(args[4])
  first_id, last_id = 0, -1
  if args[5] ~= nil and args[5] ~= "-" then
    local a, b = string.match(args[5], "^(%d+)-(%d+)$")
    first_id, last_id = tonumber(a), tonumber(b)
  end
  n = id * 7717  -- each thread starts elsewhere
  non2xx = 0
  statuses = {}
end

function request()
  n = n + 1
  local headers = {}
  if #tokens > 0 then
    headers["Authorization"] = "Bearer " .. tokens[n % #tokens + 1]
  end
  local body = nil
  if #bodies > 0 then
    body = bodies[n % #bodies + 1]
    headers["Content-Type"] = "application/json"
  end
  local p = path
  if last_id >= first_id then
    local span = last_id - first_id + 1
    p = string.gsub(path, "{id}", tostring(first_id + (n * 7919) % span))
  end
  return wrk.format(method, p, headers, body)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local non2xx_total = 0
  local merged = {}
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + thread:get("non2xx")
    for code, count in pairs(thread:get("statuses")) do
      merged[code] = (merged[code] or 0) + count
    end
  end
  local by_status = {}
  for code, count in pairs(merged) do
    by_status[#by_status + 1] = string.format('"%d": %d', code, count)
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.3f, "p90_ms": %.3f, '
      .. '"p99_ms": %.3f, "max_ms": %.3f, "mean_ms": %.3f, "non2xx": %d, "statuses": {%s}, '
      .. '"socket_errors": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000, non2xx_total, table.concat(by_status, ", "),
    e.connect + e.read + e.write + e.timeout
  ))
end
