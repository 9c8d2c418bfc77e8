-- wrk script: spread requests over the paths listed in the file named by the environment variable PATHS (one per
-- line), each thread starting at a different place; prints the RESULT line of report.lua.
local paths = {}
for line in io.lines(os.getenv("PATHS")) do
  paths[#paths + 1] = line
end
local counter = 0
setup = function(thread)
  counter = counter + 1
  thread:set("start", counter * 7919)
end
local i = nil
request = function()
  if i == nil then
    i = (start or 0) % #paths
  end
  i = i % #paths + 1
  return wrk.format(nil, paths[i])
end
done = function(summary, latency, requests)
  local s = summary.duration / 1e6
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("RESULT %.0f %.1f %d\n", summary.requests / s, summary.bytes / s / 1e6, errors))
end
