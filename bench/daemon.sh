#!/usr/bin/env bash
# Measures the running daemon, each figure beside a reference run on the same
# machine in the same run:
#   - dispatch: personalized survey emails per second from npsd into Postfix's
#     smtp-sink on loopback, each send's state committed, beside smtp-source's
#     own rate into the same sink (one session, messages of the same size);
#   - inbound: signed Twilio webhooks per second with wrk, each answered after
#     its fsync, beside a minimal net/http + bbolt handler (bench/webhooks),
#     flat out, then at 1,000 requests/s in an open loop for the latencies
#     (wrk's own pacing waits for each answer, which hides slow ones);
#   - resident memory of an idle daemon.
# It measures only; nothing here passes or fails on a time.
#
#   bash bench/daemon.sh [emails]     (default 5,000)
#
# Needs Debian's postfix (for smtp-sink and smtp-source) and wrk:
#   apt-get install postfix wrk
set -euo pipefail
n=${1:-5000}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for tool in smtp-sink smtp-source wrk curl; do
  command -v "$tool" >/dev/null || { echo "$tool missing: apt-get install postfix wrk curl"; exit 1; }
done

sink=127.0.0.1:${SINK_PORT:-25525}
http=127.0.0.1:${NPSD_PORT:-8431}
base=127.0.0.1:${BASELINE_PORT:-9431}
token=0123456789abcdef0123456789abcdef

go build -o "$work/npsd" "$here/cmd/npsd"
go build -o "$work/webhooks" "$here/bench/webhooks"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr), $(go version | awk '{ print $3 }')"
echo "date: $(date -u +%Y-%m-%d)"

now() { date +%s.%N; }
calc() { awk "BEGIN { print $1 }"; }
# metric NAME FILTER: the sum of a Prometheus metric's samples whose labels
# contain FILTER.
metric() {
  curl -s "http://$http/metrics" | awk -v name="$1" -v filter="$2" \
    'index($1, name) == 1 && index($1, filter) { s += $2 } END { printf "%d\n", s }'
}
rss_kb() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
start_npsd() {
  local args=(run)
  [ -f "$1/config.yaml" ] && args+=(--config config.yaml)
  (cd "$1" && exec "$work/npsd" "${args[@]}") 2> "$1/log" &
  npsd_pid=$!
  pids+=("$npsd_pid")
  for _ in $(seq 100); do
    grep -q '"npsd running"' "$1/log" && return
    sleep 0.1
  done
  echo "npsd did not start:"; cat "$1/log"; exit 1
}
stop_npsd() {
  kill -TERM "$npsd_pid"
  wait "$npsd_pid" || true
}
# A zone where it is now between 09:00 and 18:00: texts may go out then.
zone=""
for z in Europe/Paris America/Toronto America/Los_Angeles Pacific/Honolulu Asia/Tokyo Australia/Sydney Asia/Kolkata Asia/Dubai America/Sao_Paulo Pacific/Auckland; do
  h=$(TZ=$z date +%-H)
  if [ "$h" -ge 9 ] && [ "$h" -lt 18 ]; then zone=$z; break; fi
done

echo
echo "== idle"
mkdir "$work/idle"
start_npsd "$work/idle"
sleep 10
echo "idle daemon on the embedded defaults, after 10 s: $(rss_kb "$npsd_pid") KB RSS"
stop_npsd

echo
echo "== dispatch: $n emails into smtp-sink"
# smtp-sink run as root must be told whom to become.
sink_user=()
[ "$(id -u)" -eq 0 ] && sink_user=(-u nobody)
smtp-sink "${sink_user[@]}" "$sink" 1024 &
pids+=("$!")
sleep 0.5
t0=$(now)
smtp-source -s 1 -d -m "$n" -l 8000 -f avis@bench.test -t client@example.com "$sink"
t1=$(now)
source_rate=$(calc "$n / ($t1 - $t0)")
printf "smtp-source, one session, 8,000-byte messages: %.0f messages/s\n" "$source_rate"

# dispatch WORKERS: the wave through npsd with that many outbox workers.
dispatch() {
  local dir="$work/dispatch-$1"
  mkdir "$dir"
  cat > "$dir/config.yaml" <<YAML
business:
  name: Boulangerie Martin
  timezone: Europe/Paris
  default_region: FR
http:
  listen: $http
  public_url: http://$http
email:
  transport: smtp
  from: Boulangerie Martin <avis@bench.test>
  rate_per_second: 0
  smtp:
    host: ${sink%:*}
    port: ${sink##*:}
    tls: none
outbox:
  workers: $1
surveys:
  channels: [email]
  send_window:
    days: [mon, tue, wed, thu, fri, sat, sun]
    start: "00:00"
    end: "24:00"
campaigns:
  - name: wave
    schedule: "0 0 1 1 *"
    spread: 0s
YAML
  awk -v n="$n" 'BEGIN { print "name,email"; for (i = 0; i < n; i++) printf "Client %d,client%d@example.com\n", i, i }' > "$dir/contacts.csv"
  (cd "$dir" && "$work/npsd" contacts import contacts.csv --config config.yaml && "$work/npsd" campaign plan wave --config config.yaml) > /dev/null
  start_npsd "$dir"
  # From the first send to the last, polled every 50 ms in the log: a
  # scrape of /metrics counts the outbox by reading every job, and would
  # take the CPU being measured.
  sent_so_far() { grep -c '"message sent"' "$dir/log" || true; }
  while [ "$(sent_so_far)" -eq 0 ]; do sleep 0.05; done
  t0=$(now)
  first=$(sent_so_far)
  while :; do
    sent=$(sent_so_far)
    [ "$sent" -ge "$n" ] && break
    sleep 0.05
  done
  t1=$(now)
  npsd_rate=$(calc "($sent - $first) / ($t1 - $t0)")
  printf "npsd, %d workers (one SMTP connection, claim and outcome committed per send): %.0f messages/s, %.0f %% of smtp-source; RSS after: %d KB\n" \
    "$1" "$npsd_rate" "$(calc "100 * $npsd_rate / $source_rate")" "$(rss_kb "$npsd_pid")"
  stop_npsd
}
dispatch 4
dispatch 16
dispatch 32

echo
echo "== inbound: signed Twilio webhooks (contacts' zone: ${zone:-none at midday})"
mkdir "$work/inbound"
cat > "$work/inbound/config.yaml" <<YAML
business:
  name: Boulangerie Martin
  timezone: Europe/Paris
  default_region: FR
http:
  listen: $http
  public_url: http://$http
sms:
  rate_per_second: 0
  twilio:
    auth_token: $token
surveys:
  channels: [sms]
  send_window:
    days: [mon, tue, wed, thu, fri, sat, sun]
    start: "00:00"
    end: "24:00"
campaigns:
  - name: wave
    schedule: "0 0 1 1 *"
    spread: 0s
YAML
awk -v zone="$zone" 'BEGIN { print "name,phone,timezone"; for (i = 0; i < 1000; i++) printf "Client %d,+336%08d,%s\n", i, i, zone }' > "$work/inbound/contacts.csv"
(cd "$work/inbound" && "$work/npsd" contacts import contacts.csv --config config.yaml && "$work/npsd" campaign plan wave --config config.yaml) > /dev/null
url=http://$http/hooks/twilio/sms
"$work/webhooks" gen -token "$token" -url "$url" -first 0 -n 150000 > "$work/flat.tsv"
"$work/webhooks" gen -token "$token" -url "$url" -first 200000 -n 20000 > "$work/paced.tsv"
"$work/webhooks" gen -token "$token" -url "$url" -first 300000 -n 150000 > "$work/flat2.tsv"
"$work/webhooks" gen -token "$token" -url "$url" -first 500000 -n 20000 > "$work/paced2.tsv"
load() { # URL FLAT-FILE PACED-FILE: flat out with wrk, then paced in an open loop
  echo "-- flat out: wrk, 2 threads, 32 connections, 15 s"
  WRK_THREADS=2 wrk -t2 -c32 -d15s --latency -s "$here/bench/twilio.lua" "$1" -- "$2" | grep -E "Requests/sec|^ +(50|90|99)%|errors"
  echo "-- paced: 1,000 requests/s for 20 s, each sent on schedule (bench/webhooks load)"
  "$work/webhooks" load -target "$1" -rate 1000 -duration 20s < "$3"
}
start_npsd "$work/inbound"
# The wave of texts goes out first (to files): the replies answer surveys.
for _ in $(seq 600); do
  [ "$(metric npsd_messages_total 'outcome="sent"')" -ge 1000 ] && break
  sleep 0.1
done
echo "npsd (surveys sent: $(metric npsd_messages_total 'outcome="sent"'))"
load "http://$http" "$work/flat.tsv" "$work/paced.tsv"
echo "scores recorded: $(metric npsd_responses_total ''), RSS after the load: $(rss_kb "$npsd_pid") KB"
stop_npsd

"$work/webhooks" serve -token "$token" -url "$url" -listen "$base" -db "$work/baseline.db" &
pids+=("$!")
sleep 0.5
echo "baseline: net/http + twilio-go's validator + one bbolt transaction per request"
load "http://$base" "$work/flat2.tsv" "$work/paced2.tsv"
