-- Counts every non-2xx answer (wrk's own count lets 3xx through, and a lost session
-- shows up as a 302 to the login page), then prints one JSON line for bench/harness.py.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "non2xx": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, ' ..
    '"mean": %.1f, "p50": %d, "p75": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d}\n',
    summary.requests, summary.duration, summary.bytes, bad,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max))
  -- The latency distribution at 400 evenly spaced quantiles (each 0.25% of requests), so
  -- several short runs can be merged into exact-enough percentiles of the whole.
  local points = {}
  for k = 0, 399 do
    points[#points + 1] = string.format("%d", latency:percentile((k + 0.5) / 4))
  end
  io.write("BENCH_QUANTILES [" .. table.concat(points, ",") .. "]\n")
end
