-- wrk script: rotate over the paths in $WRK_URLS (one a line; when empty, the
-- URL on wrk's command line) and write a JSON summary to $WRK_OUT.
local paths = {}
local list = os.getenv("WRK_URLS")
if list and list ~= "" then
  for line in io.lines(list) do
    if #line > 0 then table.insert(paths, line) end
  end
end
local n = 0

function init(args)
  n = math.random(0, math.max(#paths - 1, 0))
end

function request()
  if #paths == 0 then return wrk.format(nil) end
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  local f = io.open(os.getenv("WRK_OUT"), "w")
  f:write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
    .. '"latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99), latency.max))
  f:close()
end
