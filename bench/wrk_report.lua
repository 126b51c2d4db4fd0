-- Prints the figures the benchmark reads: requests/s, p50, p95, p99 (ms) and status classes.
local statuses = {}

function response(status, headers, body)
  local class = tostring(math.floor(status / 100)) .. "xx"
  statuses[class] = (statuses[class] or 0) + 1
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("BENCH {\"requests\": %d, \"rps\": %.1f, \"p50\": %.2f, \"p95\": %.2f, \"p99\": %.2f, \"errors\": %d}\n",
    summary.requests, summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
