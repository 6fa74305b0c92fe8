#!/usr/bin/env bash
# Measures the running daemon, each figure beside a reference run on the same
# machine, the two run in turn (A B A B …, bench/lib.sh) so that a change in
# the machine's speed during the run cannot read as a ratio. Each comparison
# is quoted as median, min and max of each side and of the per-pair ratio.
#
#   - dispatch: survey emails per second from npsd into Postfix's smtp-sink on
#     loopback, each send's state committed, beside smtp-source's own rate
#     into the same sink (one session, messages the size of a survey email);
#     a fresh store each time, at the default outbox.workers, then at each of
#     WORKERS; with the CPU time npsd spent and its store commits, per email;
#   - SMS: texts per second from npsd to a Twilio-compatible fake
#     (bench/twiliofake), beside a plain net/http client posting the same
#     form to it (bench/smsref), with the TCP connections each opened;
#   - answer latency: the time npsd takes to answer one signed Twilio webhook
#     carrying a score, on a store with only the surveys being answered,
#     beside one that also holds CASES open detractor cases (bench/answers);
#   - inbound: signed Twilio webhooks per second with wrk, each answered
#     after its fsync, beside a minimal net/http + bbolt handler
#     (bench/webhooks), flat out, then at 1,000 requests/s in an open loop
#     for the p99 latency (wrk's own pacing waits for each answer, which
#     hides slow ones);
#   - resident memory of an idle daemon (one sample: nothing to compare).
# It measures only; nothing here passes or fails on a time.
#
#   bash bench/daemon.sh [emails]     (default 5,000; also the number of texts)
#
# Settings, from the environment:
#   PAIRS=5            pairs per comparison
#   WORKERS="1 4 16"   outbox.workers tried after the default
#   NPSD_REF=COMMIT    also run the dispatch pairs npsd at COMMIT (A) against
#                      this tree's npsd (B), to compare two versions
#   SMS_WORKERS=4      outbox.workers for texts, and the reference's requests at once
#   CASES=10000        open cases in the full store of the latency comparison
#   ANSWERS=500        webhooks timed per latency run (at most 1,000)
#   ANSWER_BODY=3      what those customers write
#   WRK_SECONDS=10     each flat-out inbound run; PACED_SECONDS=10 each paced one
#   SECTIONS="idle dispatch sms answers inbound"   which sections run
#   NPSD_EXTRA_CONFIG  config lines added to every daemon's, as dotted keys,
#                      one a line or ;-separated, a key set here replacing the
#                      script's: NPSD_EXTRA_CONFIG='email.smtp.connections: 4'
#
# Needs, on Debian: postfix (smtp-sink, smtp-source), curl, Go; wrk for the
# inbound section, which is skipped without it:
#   apt-get install postfix curl wrk
set -euo pipefail
shopt -s inherit_errexit
n=${1:-5000}
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/lib.sh"
# Debian puts postfix's tools in /usr/sbin, which is off a user's PATH.
PATH=$PATH:/usr/sbin
for tool in smtp-sink smtp-source curl go; do
  command -v "$tool" >/dev/null || { echo "$tool missing: apt-get install postfix curl (and Go)"; exit 1; }
done
workers=${WORKERS-1 4 16}
sms_workers=${SMS_WORKERS:-4}
cases=${CASES:-10000}
answers=${ANSWERS:-500}
sections=" ${SECTIONS:-idle dispatch sms answers inbound} "
probes=1000 # contacts surveyed by SMS in the latency and inbound stores
[ "$answers" -le "$probes" ] || { echo "ANSWERS must be at most $probes"; exit 1; }

work=$(mktemp -d)
# Every process started, by id, from this shell and from the subshells the
# measurements run in, so that an interrupted run leaves none behind.
started() { echo "$1" >> "$work/pids"; }
cleanup() {
  [ -f "$work/pids" ] && while read -r p; do kill "$p" 2>/dev/null || true; done < "$work/pids"
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

sink=127.0.0.1:${SINK_PORT:-25525}
http=127.0.0.1:${NPSD_PORT:-8431}
base=127.0.0.1:${BASELINE_PORT:-9431}
fake=127.0.0.1:${TWILIO_PORT:-9432}
fake_control=127.0.0.1:$((${TWILIO_PORT:-9432} + 1))
token=0123456789abcdef0123456789abcdef
account=AC0123456789abcdef0123456789abcdef
hook=http://$http/hooks/twilio/sms

for cmd in npsd webhooks twiliofake smsref answers; do
  dir=$here/cmd/npsd
  [ "$cmd" = npsd ] || dir=$here/bench/$cmd
  go build -o "$work/$cmd" "$dir"
done

if [ -n "${NPSD_REF:-}" ]; then
  ref_src=$(mktemp -d "$work/ref.XXXX")
  git -C "$here" archive "$NPSD_REF" | tar -x -C "$ref_src"
  (cd "$ref_src" && go build -o "$work/npsd-ref" ./cmd/npsd)
fi

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr), $(go version | awk '{ print $3 }')"
echo "date: $(date -u +%Y-%m-%d)"
echo "pairs per comparison: ${PAIRS:-5}; emails and texts per run: $n"
[ -z "${NPSD_EXTRA_CONFIG:-}" ] || echo "extra config: $NPSD_EXTRA_CONFIG"

now() { date +%s.%N; }
calc() { awk "BEGIN { print $1 }"; }
rss_kb() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
# cpu_ticks PID: user and system time the process has used, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ticks=$(getconf CLK_TCK)

# write_config DIR: DIR/config.yaml from "dotted.key: value" lines on stdin
# followed by NPSD_EXTRA_CONFIG's, as nested YAML; a later line for the same
# key replaces the earlier, so the extra lines can change any setting
# without a YAML section written twice.
write_config() {
  { cat; printf '%s\n' "${NPSD_EXTRA_CONFIG:-}" | tr ';' '\n'; } | awk '
    { sub(/^[ \t]+/, "") }
    $0 == "" || /^#/ { next }
    {
      i = index($0, ":")
      key = substr($0, 1, i - 1); val = substr($0, i + 1); sub(/^ +/, "", val)
      parts = split(key, part, ".")
      path = ""
      for (j = 1; j <= parts; j++) {
        parent = path; path = j == 1 ? part[j] : path "." part[j]
        if (!(path in name)) { name[path] = part[j]; depth[path] = j - 1; kids[parent] = kids[parent] SUBSEP path }
      }
      value[path] = val
    }
    function emit(node,    list, m, k, c, pad) {
      m = split(substr(kids[node], 2), list, SUBSEP)
      for (k = 1; k <= m; k++) {
        c = list[k]
        pad = substr("                ", 1, 2 * depth[c])
        if (c in value) print pad name[c] ": " value[c]
        else { print pad name[c] ":"; emit(c) }
      }
    }
    END { emit("") }' > "$1/config.yaml"
}

# base_config CHANNEL: what every daemon here runs on, surveying by CHANNEL.
base_config() {
  cat <<CONFIG
business.name: Boulangerie Martin
business.timezone: Europe/Paris
business.default_region: FR
http.listen: $http
http.public_url: http://$http
surveys.channels: [$1]
surveys.send_window.days: [mon, tue, wed, thu, fri, sat, sun]
surveys.send_window.start: "00:00"
surveys.send_window.end: "24:00"
campaigns: [{name: wave, schedule: "0 0 1 1 *", spread: 0s}]
CONFIG
}
email_config() {
  base_config email
  cat <<CONFIG
email.transport: smtp
email.from: Boulangerie Martin <avis@bench.test>
email.rate_per_second: 0
email.smtp.host: ${sink%:*}
email.smtp.port: ${sink##*:}
email.smtp.tls: none
CONFIG
}
sms_config() {
  base_config sms
  cat <<CONFIG
sms.transport: twilio
sms.rate_per_second: 0
sms.twilio.account_sid: $account
sms.twilio.auth_token: $token
sms.twilio.from: "+33755550000"
sms.twilio.api_url: http://$fake
outbox.workers: $sms_workers
CONFIG
}

# A zone where it is now between 09:00 and 18:00: texts may go out then.
zone=""
for z in Europe/Paris America/Toronto America/Los_Angeles Pacific/Honolulu Asia/Tokyo Australia/Sydney Asia/Kolkata Asia/Dubai America/Sao_Paulo Pacific/Auckland; do
  h=$(TZ=$z date +%-H)
  if [ "$h" -ge 9 ] && [ "$h" -lt 18 ]; then zone=$z; break; fi
done
# email_contacts COUNT, sms_contacts FORMAT COUNT: contacts CSVs.
email_contacts() { awk -v n="$1" 'BEGIN { print "name,email"; for (i = 0; i < n; i++) printf "Client %d,client%d@example.com\n", i, i }'; }
sms_contacts() { awk -v f="$1" -v n="$2" -v zone="$zone" 'BEGIN { print "name,phone,timezone"; for (i = 0; i < n; i++) printf "Client %d," f ",%s\n", i, i, zone }'; }

# new_store KIND: a fresh folder for a daemon, under the run's work folder.
new_store() { mktemp -d "$work/$1.XXXX"; }
# import_and_plan DIR: the contacts of DIR/contacts.csv imported and the
# wave planned, the daemon stopped.
import_and_plan() {
  local bin=${npsd_bin:-$work/npsd}
  (cd "$1" && "$bin" contacts import contacts.csv --config config.yaml && "$bin" campaign plan wave --config config.yaml) > /dev/null
}
start_npsd() {
  (cd "$1" && exec "${npsd_bin:-$work/npsd}" run --config config.yaml) 2> "$1/log" &
  npsd_pid=$!
  started "$npsd_pid"
  for _ in $(seq 100); do
    grep -q '"npsd running"' "$1/log" && return
    sleep 0.1
  done
  echo "npsd did not start:" >&2; cat "$1/log" >&2; return 1
}
stop_npsd() {
  kill -TERM "$npsd_pid"
  wait "$npsd_pid" || true
}
sent_in() { grep -c '"message sent"' "$1/log" || true; }
# wait_for WHAT COMMAND TARGET: waits until COMMAND prints TARGET or more,
# giving up when the count has not moved for 30 s.
wait_for() {
  local last=-1 count still=0
  while :; do
    count=$(eval "$2") || count=0
    [ "${count:-0}" -lt "$3" ] || return 0
    if [ "${count:-0}" -eq "$last" ]; then still=$((still + 1)); else still=0 last=${count:-0}; fi
    if [ "$still" -ge 600 ]; then
      echo "stuck waiting for $1: ${count:-0} of $3" >&2
      return 1
    fi
    sleep 0.05
  done
}
# time_wave DIR COUNT: times the daemon's sends from the first "message
# sent" line in its log to the COUNT-th, by the times the daemon wrote on
# those lines: the log is polled every 50 ms (scraping /metrics that often
# would add its own CPU to what is measured), and a poll's lateness, up to
# 50 ms of a wave that lasts a second, read as up to 4 % of its rate. Sets
# wave_rate (messages/s) and wave_cpu_ms (CPU per message between the first
# poll that saw a send and the one that saw them all).
time_wave() {
  local first c0 last c1
  wait_for "a first send" "sent_in $1" 1 || { tail -n 5 "$1/log" >&2; return 1; }
  c0=$(cpu_ticks "$npsd_pid") first=$(sent_in "$1")
  wait_for "$2 sends" "sent_in $1" "$2" || { tail -n 5 "$1/log" >&2; return 1; }
  c1=$(cpu_ticks "$npsd_pid") last=$(sent_in "$1")
  wave_rate=$(sent_rate "$1/log" "$2")
  wave_cpu_ms=$(calc "1000 * ($c1 - $c0) / $ticks / ($last - $first)")
}
# sent_rate LOG COUNT: messages per second from the time on the first
# "message sent" line of LOG to the time on the COUNT-th.
sent_rate() {
  awk -v n="$2" '/"message sent"/ {
    if (++c != 1 && c != n) next
    match($0, /"time":"[^"]*"/)
    split(substr($0, RSTART + 19, RLENGTH - 20), hms, ":")
    s = hms[1] * 3600 + hms[2] * 60 + hms[3]
    if (c == 1) { start = s; next }
    if (s < start) s += 86400
    printf "%.1f\n", (n - 1) / (s - start)
    exit
  }' "$1"
}
# store_commits: the daemon's count of fsyncs (else of store commits) since
# it started, as "name count", from /metrics; nothing when it exposes none.
store_commits() {
  curl -s "http://$http/metrics" | awk '
    /^npsd_store_/ && /(fsync|commit)/ && !/(_bucket|_sum|failure)/ {
      name = $1; sub(/\{.*/, "", name); count[name] += $NF
    }
    END { for (k in count) print (k ~ /fsync/ ? 0 : 1), k, count[k] }' | sort | awk 'NR == 1 { print $2, $3 }'
}
# side_stats FILE COLUMN LABEL: median, min and max of one column of the
# figures a measurement kept beside its rate.
side_stats() { awk -v c="$2" '{ print $c }' "$1" | stats_line "$3"; }

if [[ $sections == *" idle "* ]]; then
  echo
  echo "== idle"
  dir=$(new_store idle)
  printf 'http.listen: %s\nhttp.public_url: http://%s\n' "$http" "$http" | write_config "$dir"
  start_npsd "$dir"
  sleep 10
  echo "idle daemon on the built-in defaults (its own port), after 10 s: $(rss_kb "$npsd_pid") KB RSS"
  stop_npsd
fi

# small_wave DIR: the wave of DIR's three contacts sent, to see what a
# survey looks like on the wire.
small_wave() {
  import_and_plan "$1"
  start_npsd "$1"
  wait_for "3 sends" "sent_in $1" 3
  stop_npsd
}

if [[ $sections == *" dispatch "* ]]; then
  echo
  echo "== dispatch: $n emails into smtp-sink"
  dir=$(new_store size)
  { email_config; echo "email.transport: file"; } | write_config "$dir"
  email_contacts 3 > "$dir/contacts.csv"
  small_wave "$dir"
  mail_size=$(cat "$dir"/npsd-data/outbox/email/* | wc -c | awk '{ printf "%d", $1 / 3 }')
  echo "a survey email, as the file transport writes it: $mail_size bytes"

  # smtp-sink run as root must be told whom to become; -c counts what it takes.
  sink_user=()
  [ "$(id -u)" -eq 0 ] && sink_user=(-u nobody)
  smtp-sink "${sink_user[@]}" -c "$sink" 1024 > "$work/sink.out" &
  started "$!"
  sleep 0.5
  sink_count() { tr '\r' '\n' < "$work/sink.out" | awk -F 'mesg=' 'NF > 1 { m = $2 + 0 } END { print m + 0 }'; }
  # delivered BEFORE WHO: warns when the sink took fewer than n messages.
  delivered() {
    local got=$(($(sink_count) - $1))
    [ "$got" -ge "$n" ] || echo "  $2: the sink counted $got messages of $n" >&2
  }
  source_rate() {
    local before t0
    before=$(sink_count) t0=$(now)
    smtp-source -s 1 -d -m "$n" -l "$mail_size" -f avis@bench.test -t client@example.com "$sink" >&2
    calc "$n / ($(now) - $t0)"
    delivered "$before" smtp-source
  }
  # npsd_rate TAG [CONFIG LINES…]: a fresh store, n contacts imported and a
  # wave planned, then the daemon run until the wave is out. Its CPU and
  # store commits per email go to $work/side-TAG.
  npsd_rate() {
    local tag=$1 dir before commits
    shift
    dir=$(new_store "dispatch-$tag")
    { email_config; printf '%s\n' "$@"; } | write_config "$dir"
    email_contacts "$n" > "$dir/contacts.csv"
    import_and_plan "$dir"
    before=$(sink_count)
    start_npsd "$dir"
    time_wave "$dir" "$n"
    commits=$(store_commits)
    stop_npsd
    rm -rf "$dir"
    delivered "$before" npsd
    echo "$wave_cpu_ms ${commits##* } ${commits% *}" | awk -v n="$n" '{ printf "%s %s %s\n", $1, $2 == "" ? "-" : $2 / n, $3 }' >> "$work/side-$tag"
    echo "$wave_rate"
  }
  if [ -n "${NPSD_REF:-}" ]; then
    echo "-- A npsd at $NPSD_REF, B this npsd, default outbox.workers; messages/s"
    pairs "npsd at $NPSD_REF" "npsd_bin=$work/npsd-ref npsd_rate ref" "npsd" "npsd_rate head"
    side_stats "$work/side-ref" 1 "npsd at $NPSD_REF CPU ms per email"
    side_stats "$work/side-head" 1 "npsd CPU ms per email"
    # Each side's line n is pair n's run.
    paste -d ' ' "$work/side-head" "$work/side-ref" | awk '{ print $1 / $4 }' | stats_line "npsd / npsd at $NPSD_REF, CPU per email"
  fi
  for w in default $workers; do
    settings=()
    [ "$w" = default ] || settings=("outbox.workers: $w")
    echo "-- outbox.workers $w: A smtp-source (one session, $mail_size-byte messages), B npsd; messages/s"
    pairs "smtp-source" "source_rate" "npsd" "npsd_rate $w ${settings[*]@Q}"
    side_stats "$work/side-$w" 1 "npsd CPU ms per email"
    metric=$(awk 'NR == 1 { print $3 }' "$work/side-$w")
    case $metric in
      "") echo "  fsyncs per email: npsd exposes no npsd_store_* commit or fsync counter on /metrics" ;;
      *) side_stats "$work/side-$w" 2 "${metric%_total} per email" ;;
    esac
  done
fi

if [[ $sections =~ \ (sms|answers|inbound)\  ]]; then
  [ -n "$zone" ] || { echo "no time zone where texts may go out now: the SMS, latency and inbound sections need one"; exit 1; }
  "$work/twiliofake" -listen "$fake" -control "$fake_control" -sid "$account" -token "$token" &
  started "$!"
  sleep 0.5
  # fake_count FIELD: messages, connections or refused, from the fake.
  fake_count() { curl -s "http://$fake_control/stats" | awk -v f="$1" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }'; }
fi

if [[ $sections == *" sms "* ]]; then
  echo
  echo "== SMS: $n texts to a Twilio-compatible fake (contacts' zone: $zone)"
  dir=$(new_store form)
  sms_config | write_config "$dir"
  sms_contacts "+336%08d" 3 > "$dir/contacts.csv"
  small_wave "$dir"
  form=$(curl -s "http://$fake_control/last")
  echo "the form npsd posts: $form"
  # sms_side FILE M0 C0: the new connections per 1,000 texts since the
  # counts M0 and C0, kept in FILE.
  sms_side() {
    local m c
    m=$(($(fake_count messages) - $2)) c=$(($(fake_count connections) - $3))
    [ "$m" -ge "$n" ] || echo "  the fake counted $m texts of $n" >&2
    [ "$m" -gt 0 ] || return 1
    calc "1000 * $c / $m" >> "$1"
  }
  ref_rate() {
    local m0 c0
    m0=$(fake_count messages) c0=$(fake_count connections)
    "$work/smsref" -api "http://$fake" -sid "$account" -token "$token" -form "$form" -n "$n" -c "$sms_workers"
    sms_side "$work/conns-ref" "$m0" "$c0"
  }
  npsd_sms_rate() {
    local dir m0 c0
    dir=$(new_store sms)
    sms_config | write_config "$dir"
    sms_contacts "+336%08d" "$n" > "$dir/contacts.csv"
    import_and_plan "$dir"
    m0=$(fake_count messages) c0=$(fake_count connections)
    start_npsd "$dir"
    time_wave "$dir" "$n"
    stop_npsd
    rm -rf "$dir"
    sms_side "$work/conns-npsd" "$m0" "$c0"
    echo "$wave_cpu_ms" >> "$work/cpu-sms"
    echo "$wave_rate"
  }
  echo "-- A net/http client ($sms_workers requests at once, kept-alive), B npsd ($sms_workers workers); texts/s"
  pairs "net/http client" "ref_rate" "npsd" "npsd_sms_rate"
  stats_line "npsd CPU ms per text" < "$work/cpu-sms"
  stats_line "client: connections per 1,000" < "$work/conns-ref"
  stats_line "npsd: connections per 1,000" < "$work/conns-npsd"
  [ "$(fake_count refused)" -eq 0 ] || echo "  the fake refused $(fake_count refused) requests"
fi

# sms_store DIR CASES: a store where the probe contacts (+336…, as many as
# `webhooks gen` uses) were sent a survey by SMS that waits for its answer,
# and CASES other contacts (+3361…) answered theirs with a 3, each opening
# a detractor case (the question why goes back in each webhook's answer).
# The daemon is stopped.
sms_store() {
  local m0
  sms_config | write_config "$1"
  { sms_contacts "+336%08d" "$probes"; sms_contacts "+3361%07d" "$2" | tail -n +2; } > "$1/contacts.csv"
  import_and_plan "$1"
  m0=$(fake_count messages)
  start_npsd "$1"
  wait_for "the surveys" "fake_count messages" $((m0 + probes + $2))
  if [ "$2" -gt 0 ]; then
    "$work/answers" -target "http://$http" -token "$token" -phone "+3361%07d" -n "$2" -body 3 -c 4 > /dev/null
  fi
  stop_npsd
}
# copy_of TEMPLATE: a fresh copy of a store folder, for one run, removed
# after it.
copy_of() {
  local dir
  dir=$(new_store run)
  cp -a "$1/." "$dir/"
  echo "$dir"
}

if [[ $sections == *" answers "* ]]; then
  echo
  echo "== answer latency: one signed Twilio webhook at a time, $answers per run, each saying '${ANSWER_BODY:-3}'"
  empty=$(new_store empty)
  sms_store "$empty" 0
  full=$(new_store full)
  sms_store "$full" "$cases"
  open=$(cd "$full" && "$work/npsd" cases --open --format json --config config.yaml | grep -c '"id":' || true)
  echo "stores: $probes surveys waiting for an answer; the full one also $open open cases ($cases detractors answered)"
  # latency TEMPLATE: a copy of the store, the daemon started on it and
  # given a second to finish its start, then the webhooks timed.
  latency() {
    local dir
    dir=$(copy_of "$1")
    start_npsd "$dir"
    sleep 1
    "$work/answers" -target "http://$http" -token "$token" -phone "+336%08d" -n "$answers" -body "${ANSWER_BODY:-3}"
    stop_npsd
    rm -rf "$dir"
  }
  echo "-- A empty store, B $cases open cases; median ms to the answer"
  pairs "empty store" "latency $empty" "$cases cases" "latency $full"
fi

if [[ $sections == *" inbound "* ]] && ! command -v wrk >/dev/null; then
  echo
  echo "== inbound: skipped, wrk is missing (apt-get install wrk)"
elif [[ $sections == *" inbound "* ]]; then
  echo
  echo "== inbound: signed Twilio webhooks (contacts' zone: $zone)"
  [ -n "${empty:-}" ] || { empty=$(new_store empty); sms_store "$empty" 0; }
  "$work/webhooks" gen -token "$token" -url "$hook" -first 0 -n $((15000 * ${WRK_SECONDS:-10})) > "$work/flat.tsv"
  "$work/webhooks" gen -token "$token" -url "$hook" -first 1000000 -n $((1000 * ${PACED_SECONDS:-10})) > "$work/paced.tsv"
  # Each run has a fresh store, so the same requests serve every run.
  flat() { # URL: requests/s, wrk flat out with 2 threads and 32 connections
    WRK_THREADS=2 wrk -t2 -c32 -d"${WRK_SECONDS:-10}s" -s "$here/bench/twilio.lua" "$1" -- "$work/flat.tsv" > "$work/wrk.out"
    grep -q 'non-2xx answers: 0$' "$work/wrk.out" || grep -E 'errors|non-2xx' "$work/wrk.out" >&2
    awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.out"
  }
  paced() { # URL: p99 in ms at 1,000 requests/s, each sent on schedule
    "$work/webhooks" load -target "$1" -rate 1000 -duration "${PACED_SECONDS:-10}s" < "$work/paced.tsv" > "$work/load.out"
    grep -q ' 0 failed;' "$work/load.out" ||
      sed -E "s|.*, ([0-9]+) failed;.*|  $1: \\1 requests without a 200 within 10 s; the p99 counts the answered only|" "$work/load.out" >&2
    sed -E 's/.* p99 ([0-9.]+)(µs|ms|s),.*/\1 \2/' "$work/load.out" |
      awk '{ print $2 == "s" ? $1 * 1000 : $2 == "ms" ? $1 : $1 / 1000 }'
  }
  # on_npsd MEASURE, on_baseline MEASURE: MEASURE run against a fresh
  # npsd or a fresh baseline handler.
  on_npsd() {
    local dir
    dir=$(copy_of "$empty")
    start_npsd "$dir"
    "$1" "http://$http"
    stop_npsd
    rm -rf "$dir"
  }
  on_baseline() {
    local pid
    rm -f "$work/baseline.db"
    "$work/webhooks" serve -token "$token" -url "$hook" -listen "$base" -db "$work/baseline.db" &
    pid=$!
    started "$pid"
    sleep 0.5
    "$1" "http://$base"
    kill "$pid"
    wait "$pid" || true
  }
  echo "-- flat out: A net/http + twilio-go's validator + one bbolt transaction per request, B npsd; requests/s"
  pairs "baseline" "on_baseline flat" "npsd" "on_npsd flat"
  echo "-- paced, 1,000 requests/s for ${PACED_SECONDS:-10} s: A baseline, B npsd; p99 ms from each request's scheduled time"
  pairs "baseline" "on_baseline paced" "npsd" "on_npsd paced"
fi
