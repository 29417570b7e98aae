#!/bin/sh
# state-scale.sh CBRC [CUSTOMERS]: what `cbrc run --state` costs at scale.
# Day 1 is one purchase of each of CUSTOMERS customers (default 1,000,000)
# against a per-day and a per-month limit, run with a new state; then a run
# of one transaction with that state (opening it: nothing is loaded whole)
# against the same without a state, and day 2 (as many purchases, each
# customer again) with a copy of day 1's state against day 2 without one.
# The ratios are of the same commands on the same machine in one run.
# doc/performance.md records the figures.
set -eu
cbrc=$1
n=${2:-1000000}
dir=$(mktemp -d "${TMPDIR:-/tmp}/cbr-state.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cat >"$dir/r.cbr" <<'RULES'
offer "once-a-day" {
    limit 1 per user per day
    when amount >= 10 then cashback 1.00
}
offer "monthly" {
    limit 20.00 per user per month
    when amount >= 10 then cashback 2%
}
RULES
awk -v n="$n" 'BEGIN { print "tid,user_id,amount,currency,timestamp"; for (i = 0; i < n; i++) printf "a%d,u%d,20.00,USD,2026-03-01T%02d:%02d:00Z\n", i, i, i % 24, i % 60 }' >"$dir/day1.csv"
awk -v n="$n" 'BEGIN { print "tid,user_id,amount,currency,timestamp"; for (i = 0; i < n; i++) printf "b%d,u%d,20.00,USD,2026-03-02T%02d:%02d:00Z\n", i, (i * 7) % n, i % 24, i % 60 }' >"$dir/day2.csv"
head -n 2 "$dir/day2.csv" >"$dir/one.csv"
# secs LABEL CMD...: runs CMD, prints and remembers its wall time.
secs() { label=$1; shift; /usr/bin/time -f "%e %M" "$@" >/dev/null 2>"$dir/t" || true; set -- $(tail -n 1 "$dir/t"); echo "$label: $1 s wall, $2 KiB" >&2; echo "$1"; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
secs "day 1, $n customers, new state" "$cbrc" run "$dir/r.cbr" --input "$dir/day1.csv" --state "$dir/st.db" >/dev/null
ls -l "$dir/st.db" | awk '{ print "state: " $5 " bytes" }'
"$cbrc" state "$dir/st.db" | sed -n '2,3p'
cp "$dir/st.db" "$dir/st2.db"
a=$(secs "one transaction with the state" "$cbrc" run "$dir/r.cbr" --input "$dir/one.csv" --state "$dir/st2.db")
b=$(secs "one transaction without a state" "$cbrc" run "$dir/r.cbr" --input "$dir/one.csv")
cp "$dir/st.db" "$dir/st2.db"
c=$(secs "day 2 with the state" "$cbrc" run "$dir/r.cbr" --input "$dir/day2.csv" --state "$dir/st2.db")
d=$(secs "day 2 without a state" "$cbrc" run "$dir/r.cbr" --input "$dir/day2.csv")
awk -v a="$a" -v b="$b" -v c="$c" -v d="$d" 'BEGIN {
    printf "opening the state: %.0f ms more than no state\n", (a - b) * 1000
    printf "day 2 with the state / without: %.2f\n", d > 0 ? c / d : 0 }'
