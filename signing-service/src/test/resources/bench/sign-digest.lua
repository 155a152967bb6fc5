-- wrk script for SigningBenchmark: POST /api/v1/sign/digest with a distinct SHA-256 digest per
-- request. Arguments: bearer token, key id. Prints one RESULT line for the harness to read.
local threads = {}
local id = 0

function setup(thread)
  id = id + 1
  thread:set("tid", id)
  table.insert(threads, thread)
end

function init(args)
  token = args[1]
  key = args[2]
  n = 0
  headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
end

function request()
  n = n + 1
  local digest = string.format("%08x%08x", tid, n % 4294967296) .. string.rep("ab", 24)
  local body = '{"keyId":"' .. key .. '","digest":"' .. digest .. '"}'
  return wrk.format("POST", nil, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d bad_status=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
