-- wrk script: spread requests over the paths listed in the file named by the environment variable PATHS (one per
-- line). Thread k of n (n from SPREAD_THREADS, default 2: give wrk's -t) starts k/n of the way through the list and
-- walks it in order, so n threads cover the whole list once every #paths requests (threads started close together
-- would walk the same pages one after the other and leave the rest unasked). Prints the RESULT line of report.lua.
local paths = {}
for line in io.lines(os.getenv("PATHS")) do
  paths[#paths + 1] = line
end
local threads = tonumber(os.getenv("SPREAD_THREADS") or "2")
local counter = 0
setup = function(thread)
  thread:set("start", math.floor(counter * #paths / threads))
  counter = counter + 1
end
local i = nil
request = function()
  if i == nil then
    i = (start or 0) % #paths
  end
  i = i % #paths + 1
  return wrk.format(nil, paths[i])
end
-- report.lua's done(), from the directory this script is in.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "report.lua")
