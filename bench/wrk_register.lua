-- POST /api/v1/events/<id>/registrations, cycling over upcoming events (BENCH_EVENTS, comma-separated).
local token = os.getenv("BENCH_TOKEN")
local events = {}
for id in string.gmatch(os.getenv("BENCH_EVENTS"), "[^,]+") do table.insert(events, id) end
local counter = 0
local threads = 0

function setup(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end

function init(args)
  -- set by setup() in this thread's own Lua state; a `local` here would hide it
  thread_index = tonumber(thread_index) or 0
end

function request()
  local index = (counter * 2 + (tonumber(thread_index) or 0)) % #events + 1
  counter = counter + 1
  return wrk.format("POST", "/api/v1/events/" .. events[index] .. "/registrations",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, "{}")
end
