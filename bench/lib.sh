# Interleaved comparisons for the benchmark scripts, to be sourced.
#
# A comparison runs its two sides in turn, A B A B …, and is quoted as the
# median and range of the per-pair ratio beside each side's median and
# range: a machine that gets faster or slower during a run moves both
# halves of a pair alike, where one sample of each side would read the
# shift as a ratio.
#
#   . bench/lib.sh
#   pairs "smtp-source" "source_rate 5000" "npsd" "npsd_rate 5000"
#
# Each command is run with eval in a subshell and must print one number (a
# rate, a latency) on stdout; what else it has to say goes to stderr. PAIRS
# (default 5) is the number of pairs. pairs prints each pair as it comes,
# then median, min and max of A, of B, and of the ratios A/B and B/A, each
# ratio taken within its pair.

# stats: median, min and max of the numbers read, one a line.
stats() {
  sort -g | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) exit 1
      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      print m, v[1], v[NR]
    }'
}

# fmt_num: a number as people read it, three significant digits or more.
fmt_num() {
  awk -v x="$1" 'BEGIN {
    a = x < 0 ? -x : x
    if (a >= 100) printf "%.0f", x
    else if (a >= 10) printf "%.1f", x
    else if (a >= 1) printf "%.2f", x
    else printf "%.3g", x
  }'
}

# stats_line LABEL: LABEL and the median, min and max of the numbers read.
stats_line() {
  local m lo hi
  read -r m lo hi < <(stats)
  printf "  %-40s %10s %10s %10s\n" "$1" "$(fmt_num "$m")" "$(fmt_num "$lo")" "$(fmt_num "$hi")"
}

# number WHO VALUE: whether VALUE, what WHO printed, is a number above
# zero, saying so when it is not.
number() {
  [[ $2 =~ ^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]] && [ "$(awk -v x="$2" 'BEGIN { print (x > 0) }')" = 1 ] && return
  echo "pairs: $1 printed '$2', not a number above zero" >&2
  return 1
}

# pairs NAME_A COMMAND_A NAME_B COMMAND_B
pairs() {
  local name_a=$1 cmd_a=$2 name_b=$3 cmd_b=$4
  local count=${PAIRS:-5} i a b as=() bs=()
  for ((i = 1; i <= count; i++)); do
    a=$(eval "$cmd_a")
    b=$(eval "$cmd_b")
    number "$name_a" "$a" && number "$name_b" "$b" || return 1
    as+=("$a")
    bs+=("$b")
    printf "  pair %d: %s %s, %s %s\n" "$i" "$name_a" "$(fmt_num "$a")" "$name_b" "$(fmt_num "$b")"
  done
  printf "  %-40s %10s %10s %10s\n" "over $count pairs" median min max
  printf "%s\n" "${as[@]}" | stats_line "$name_a"
  printf "%s\n" "${bs[@]}" | stats_line "$name_b"
  for ((i = 0; i < count; i++)); do awk -v a="${as[i]}" -v b="${bs[i]}" 'BEGIN { print a / b }'; done |
    stats_line "$name_a / $name_b"
  for ((i = 0; i < count; i++)); do awk -v a="${as[i]}" -v b="${bs[i]}" 'BEGIN { print b / a }'; done |
    stats_line "$name_b / $name_a"
}
