-- wrk script: spread requests over the paths listed in the file named by the environment variable PATHS (one per
-- line), each thread starting at a different place; prints the RESULT line of report.lua (its done()).
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
-- report.lua's done(), from the directory this script is in.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "report.lua")
