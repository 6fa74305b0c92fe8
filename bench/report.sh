#!/usr/bin/env bash
# Measures the whole command-line path over a large history: import N past
# answers (default 1,000,000) from CSV, then run `npsd report` and the
# weekly summary on them.
# Prints wall time and peak resident memory of each step. It measures only;
# nothing here passes or fails on a time.
#
#   bash bench/report.sh [N]
set -euo pipefail
n=${1:-1000000}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/npsd" "$here/cmd/npsd"
cat > "$work/config.yaml" <<'YAML'
business:
  name: Bench
  timezone: Europe/Paris
  default_region: FR
YAML

# 1,000 contacts in 5 cities; N answers spread one a minute from 2024-01-01.
awk 'BEGIN { print "external_id,email,city"; for (i = 0; i < 1000; i++) printf "K%d,c%d@example.com,city-%d\n", i, i, i % 5 }' > "$work/contacts.csv"
awk -v n="$n" 'BEGIN {
  print "contact,score,comment,date"
  for (i = 0; i < n; i++) {
    t = 1704067200 + i * 60
    printf "K%d,%d,,%s\n", i % 1000, (i * 7) % 11, strftime("%Y-%m-%dT%H:%M:%SZ", t, 1)
  }
}' > "$work/history.csv"

measure() {
  local label=$1; shift
  /usr/bin/time -f "$label: %e s wall, %M KB max RSS" "$@" > "$work/out" 2> "$work/err" || { cat "$work/err"; exit 1; }
  tail -n 1 "$work/err"
}

cd "$work"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr), $(go version | awk '{ print $3 }')"
echo "date: $(date -u +%Y-%m-%d)"
echo "responses: $n"
measure "contacts import" ./npsd contacts import contacts.csv
measure "responses import" ./npsd responses import history.csv
measure "report (table)" ./npsd report
measure "report --by city --format json" ./npsd report --by city --format json
measure "report one month" ./npsd report --from 2024-06-01 --to 2024-06-30
# The last full week of the history (it ends on 2025-11-25), with its
# comparisons to the weeks and months before.
measure "weekly summary 2025-W47" ./npsd summary --week 2025-W47 --out summary.html
cat out
echo "database size: $(du -h npsd-data/npsd.db | cut -f1)"
