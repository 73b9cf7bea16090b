-- wrk script for the soak (bench/soak.py): a fixed mix of reads and writes.
--
--   wrk -s bench/soak.lua URL -- TOKENS_FILE COURSE_IDS_FILE PASSWORD RUN_LABEL
--
-- TOKENS_FILE holds "username token" per line (signed-in accounts, enrolled in every course);
-- COURSE_IDS_FILE one course id per line. Each thread walks the same 20-slot schedule, so the
-- mix is exact: 5 /auth/me, 3 course lists, 2 course pages, 2 questionnaire saves, 1 each of
-- enrol, progress, progress list, register, login, verify-token, /health and /ping.
-- At the end it prints one line: SOAK_JSON {requests, statuses, socket errors, latency}.

local threads = {}
local counter = 1

local schedule = {
  "me", "courses", "course", "me", "profile", "health", "me", "courses", "enroll", "register",
  "me", "course", "progress", "login", "me", "courses", "my_progress", "profile", "verify", "ping",
}

local function read_lines(path)
  local lines = {}
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
  accounts = {}
  for _, line in ipairs(read_lines(args[1])) do
    local username, token = string.match(line, "^(%S+) (%S+)$")
    accounts[#accounts + 1] = { username = username, token = token }
  end
  course_ids = read_lines(args[2])
  password = args[3]
  label = args[4]
  n = id * 1009
  registered = 0
  statuses = {}
end

local function json_headers(token)
  local headers = { ["Content-Type"] = "application/json" }
  if token then
    headers["Authorization"] = "Bearer " .. token
  end
  return headers
end

function request()
  n = n + 1
  local kind = schedule[n % #schedule + 1]
  local account = accounts[n % #accounts + 1]
  local course = course_ids[n % #course_ids + 1]
  local auth = json_headers(account.token)
  if kind == "me" then
    return wrk.format("GET", "/auth/me", auth)
  elseif kind == "courses" then
    return wrk.format("GET", "/api/courses?limit=20")
  elseif kind == "course" then
    return wrk.format("GET", "/api/courses/" .. course)
  elseif kind == "profile" then
    local body = string.format('{"age": %d, "training_level": "intermediate", "cardio": %d}', 18 + n % 60, 1 + n % 5)
    return wrk.format("PUT", "/auth/training-profile", auth, body)
  elseif kind == "enroll" then
    return wrk.format("POST", "/api/courses/" .. course .. "/enroll", auth)
  elseif kind == "progress" then
    local body = string.format('{"progress_percentage": %d}', n % 101)
    return wrk.format("PUT", "/api/courses/" .. course .. "/progress", auth, body)
  elseif kind == "my_progress" then
    return wrk.format("GET", "/api/progress", auth)
  elseif kind == "register" then
    registered = registered + 1
    local username = string.format("soak%s_%d_%d", label, id, registered)
    local body = string.format(
      '{"username": "%s", "password": "%s", "email": "%s@example.org", "full_name": "Soak Test"}',
      username, password, username
    )
    return wrk.format("POST", "/auth/register", json_headers(nil), body)
  elseif kind == "login" then
    local body = string.format('{"username": "%s", "password": "%s"}', account.username, password)
    return wrk.format("POST", "/auth/login", json_headers(nil), body)
  elseif kind == "verify" then
    return wrk.format("GET", "/auth/verify-token", auth)
  elseif kind == "health" then
    return wrk.format("GET", "/health")
  end
  return wrk.format("GET", "/ping")
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for code, count in pairs(thread:get("statuses")) do
      merged[code] = (merged[code] or 0) + count
    end
  end
  local by_status = {}
  for code, count in pairs(merged) do
    by_status[#by_status + 1] = string.format('"%d": %d', code, count)
  end
  local e = summary.errors
  io.write(string.format(
    'SOAK_JSON {"requests": %d, "seconds": %.3f, "statuses": {%s}, '
      .. '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, '
      .. '"p50_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, table.concat(by_status, ", "),
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000
  ))
end
