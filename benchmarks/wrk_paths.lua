-- wrk script: every request GETs a random path from a file (one path a line), named after `--`
-- (wrk counts answers other than 2xx/3xx itself: "Non-2xx or 3xx responses"):
--   wrk -t2 -c32 -d10s --latency -s benchmarks/wrk_paths.lua http://127.0.0.1:8000 -- /tmp/paths.txt
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  math.randomseed(os.time() * 100 + (thread_number or 0))
  for _ = 1, 10 do
    math.random()
  end
end

function request()
  -- wrk.format uses the headers given instead of wrk.headers (-H): merge them, so -H "Cookie: ..." is sent
  local headers = { ["Accept"] = "text/html" }
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  return wrk.format("GET", paths[math.random(#paths)], headers)
end

