-- POST of a fixed body: wrk ... -s post.lua URL -- <content-type> <body file>
dofile((debug.getinfo(1, 'S').source:match('^@(.*/)') or './') .. 'report.lua')

local req
function init(args)
  local f = assert(io.open(args[2], 'rb'))
  local body = f:read('*a')
  f:close()
  req = wrk.format('POST', nil, { ['Content-Type'] = args[1] }, body)
end

function request()
  return req
end
