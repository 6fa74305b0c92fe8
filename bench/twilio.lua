-- wrk script for bench/daemon.sh: replays signed Twilio webhooks written by
-- `webhooks gen` (one "signature<TAB>form body" a line). Each wrk thread
-- takes its own share of the lines, so that no request is sent twice.
--
--   WRK_THREADS=2 wrk -t2 -s bench/twilio.lua URL -- requests.tsv
--
-- WRK_THREADS must be wrk's -t: a thread cannot see the thread count.
-- Paced runs use `webhooks load` instead: wrk's delay() waits for each
-- answer before the next request, which hides a slow answer's effect.

local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local count = tonumber(os.getenv("WRK_THREADS") or "1")
  requests, i = {}, 0
  local n = 0
  for line in io.lines(args[1]) do
    if n % count == id then
      local sig, body = line:match("^([^\t]+)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", "/hooks/twilio/sms", {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Twilio-Signature"] = sig,
      }, body)
    end
    n = n + 1
  end
end

function request()
  i = i + 1
  if i > #requests then
    -- Out of fresh requests: from here on they would be replays.
    print("bench/twilio.lua: ran out of requests; generate more")
    i = 1
  end
  return requests[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("socket errors: %d, non-2xx answers: %d\n",
    e.connect + e.read + e.write + e.timeout, e.status))
end
