-- The HTTP load generator of `scripts/bench`'s step `api` when wrk is installed: the same
-- requests as scripts/bench-api/load.py, sent by wrk (C, epoll), so that the client spends
-- as little as pgbench of the 2 cores it shares with the server and the database.
--
--   wrk -t N -c N -d 10s --timeout 60s -s load.lua URL -- MODE TOKEN SITES PREFIX [STUDY-IDS]
--
-- One thread per connection (as pgbench -j N -c N): thread i is client i. MODE `enroll`
-- sends `POST /patients` of a fresh eligible SLE candidate (MRN PREFIX-i-n, at the i-th of
-- SITES, comma-separated, modulo their number); `show` sends `GET /patients/{study_id}` for
-- the study IDs of the file STUDY-IDS, spread over them as load.py spreads them. TOKEN is a
-- session token (POST /session), sent as a Bearer token. Prints one line, as load.py:
--
--   requests=R seconds=S rate=R/S p50_ms=… p99_ms=… errors=E
--
-- errors: answers other than 201 (enroll) or 200 (show), and socket errors and timeouts.

local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local function split(text)
  local parts = {}
  for part in string.gmatch(text, "[^,]+") do
    parts[#parts + 1] = part
  end
  return parts
end

function init(args)
  mode, token, prefix = args[1], args[2], args[4]
  sites = split(args[3])
  site = sites[(id % #sites) + 1]
  headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
  expected = (mode == "enroll") and 201 or 200
  unexpected = 0
  n = 0
  ids = {}
  if mode == "show" then
    for line in io.lines(args[5]) do
      if #line > 0 then ids[#ids + 1] = line end
    end
  end
end

local candidate = '{"protocol":"SLE-UCMSC","site":"%s","mrn":"%s-%d-%d","given":"Bench",'
  .. '"family":"Client","birth_date":"1990-04-02","sex":"F","consent_version":"1.0",'
  .. '"consent_date":"2026-05-20","enrolled_on":"2026-06-01",'
  .. '"sledai_descriptors":"arthritis,rash,low_complement,proteinuria",'
  .. '"eular_acr_items":"joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4",'
  .. '"ana_titer":320,"pga":1.5,"upcr":1.8,"creatinine":1.1}'

function request()
  n = n + 1
  if mode == "enroll" then
    return wrk.format("POST", "/patients", headers, string.format(candidate, site, prefix, id, n))
  end
  return wrk.format("GET", "/patients/" .. ids[((id * 7919 + n) % #ids) + 1], headers)
end

function response(status, headers, body)
  if status ~= expected then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  for _, thread in ipairs(threads) do
    errors = errors + thread:get("unexpected")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("requests=%d seconds=%.2f rate=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, errors))
end
