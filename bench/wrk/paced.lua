-- A light, steady load: each connection waits <ms> between requests, so latency is
-- measured at a realistic rate instead of at saturation. wrk ... -s paced.lua URL -- <ms>
dofile((debug.getinfo(1, 'S').source:match('^@(.*/)') or './') .. 'report.lua')

local pause = 10
function init(args)
  pause = tonumber(args[1]) or pause
end

function delay()
  return pause
end
