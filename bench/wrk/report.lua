-- Loaded by every bench script: prints wrk's summary as one JSON line for bench/run.ts.
-- Latencies are in microseconds; `status` counts responses with a status >= 400.
local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency, requests)
  -- scripts set the global bench_wrapped in their thread when they ran out of prepared requests
  local wrapped = false
  for _, t in ipairs(threads) do
    if t:get('bench_wrapped') then wrapped = true end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,"max":%d,"wrapped":%s}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    tostring(wrapped)))
end
