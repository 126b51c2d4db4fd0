-- POST /api/v1/bookings with a different free slot each time (afternoons of future days).
-- Environment: BENCH_TOKEN, BENCH_SPACES (comma-separated room ids), BENCH_FIRST_DAY (YYYY-MM-DD, UTC+1 offset used).
local token = os.getenv("BENCH_TOKEN")
local spaces = {}
for id in string.gmatch(os.getenv("BENCH_SPACES"), "[^,]+") do table.insert(spaces, id) end
local year, month, day = string.match(os.getenv("BENCH_FIRST_DAY"), "(%d+)-(%d+)-(%d+)")
local base = os.time({year = tonumber(year), month = tonumber(month), day = tonumber(day), hour = 12})
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
  -- 8 half-hour slots 13:00-17:00 per space per day; threads take disjoint days.
  local n = counter
  counter = counter + 1
  local slot = n % 8
  local space = spaces[(math.floor(n / 8) % #spaces) + 1]
  local day_index = math.floor(n / (8 * #spaces)) * 2 + thread_index
  local date = os.date("!%Y-%m-%d", base + day_index * 86400)
  local minutes = 13 * 60 + slot * 30
  local starts = string.format("%sT%02d:%02d:00+01:00", date, math.floor(minutes / 60), minutes % 60)
  local ends = string.format("%sT%02d:%02d:00+01:00", date, math.floor((minutes + 30) / 60), (minutes + 30) % 60)
  local body = string.format('{"space_id": %s, "starts_at": "%s", "ends_at": "%s"}', space, starts, ends)
  return wrk.format("POST", "/api/v1/bookings", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
