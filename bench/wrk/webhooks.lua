-- Signed Stripe webhook deliveries, one prepared event per request:
--   wrk ... -s webhooks.lua URL -- <data file> <cycle: 0|1>
-- The data file (bench/lib/events.ts) holds one event template (literal parts and slot
-- numbers, tab-separated) and then one line per event: its Stripe-Signature and the values
-- of its slots. Events are built here by concatenation, because signing in Lua would cost
-- the load generator more than the server spends verifying. With cycle=1 the events are
-- sent round and round (duplicates); otherwise running out is reported as wrapped=true.
dofile((debug.getinfo(1, 'S').source:match('^@(.*/)') or './') .. 'report.lua')

local function split(line)
  local out, from = {}, 1
  while true do
    local at = string.find(line, '\t', from, true)
    if not at then
      out[#out + 1] = string.sub(line, from)
      return out
    end
    out[#out + 1] = string.sub(line, from, at - 1)
    from = at + 1
  end
end

local template, events, n, cycle = nil, {}, 0, false
bench_wrapped = false

function init(args)
  cycle = args[2] == '1'
  local f = assert(io.open(args[1], 'rb'))
  template = split(f:read('*l'))
  for line in f:lines() do events[#events + 1] = split(line) end
  f:close()
end

function request()
  n = n + 1
  if n > #events then
    n = 1
    if not cycle then bench_wrapped = true end
  end
  local e = events[n]
  local parts = {}
  for i = 1, #template do
    if i % 2 == 1 then parts[#parts + 1] = template[i] else parts[#parts + 1] = e[tonumber(template[i]) + 1] end
  end
  return wrk.format('POST', nil, { ['Content-Type'] = 'application/json', ['Stripe-Signature'] = e[1] }, table.concat(parts))
end
