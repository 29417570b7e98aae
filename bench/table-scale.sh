#!/bin/sh
# table-scale.sh CBRC [ROWS] [TX]: how a table's size costs.  Writes a
# merchant table of ROWS rows (default 1,000,000) and one of 10 into a
# scratch directory, then times `cbrc check` and `cbrc compile` of the big
# one, and `cbrc run` of both over TX transactions (default 200,000) and
# over a tenth of them: the difference between the two runs of a program is
# the cost of its lookups, without the fixed cost of loading it.
# doc/performance.md records the figures.
set -eu
cbrc=$1
rows=${2:-1000000}
tx=${3:-200000}
dir=$(mktemp -d "${TMPDIR:-/tmp}/cbr-tables.XXXXXX")
trap 'rm -rf "$dir"' EXIT
awk -v n="$rows" 'BEGIN { srand(1); print "merchant,rate"; for (i = 0; i < n; i++) printf "merchant-%07d,0.%03d\n", i, 1 + int(rand() * 98) }' >"$dir/big.csv"
head -n 11 "$dir/big.csv" >"$dir/small.csv"
awk -v n="$tx" -v r="$rows" 'BEGIN { srand(2); print "tid,user_id,amount,currency,merchant,timestamp"; for (i = 0; i < n; i++) printf "t%d,u%d,%d.00,USD,merchant-%07d,2026-03-01T10:00:00Z\n", i, i % 100, 10 + i % 90, int(rand() * 2 * r) }' >"$dir/tx.csv"
head -n $((tx / 10 + 1)) "$dir/tx.csv" >"$dir/tx10.csv"
for t in big small; do
    printf 'table merchant_rate: string -> decimal from "%s.csv"\noffer "m" { when merchant in merchant_rate and amount * merchant_rate[merchant] >= 1.00 then cashback 1%% }\n' "$t" >"$dir/$t.cbr"
done
tm() { label=$1; shift; /usr/bin/time -f "$label: %e s wall, %U s user, %S s sys, %M KiB" "$@" >/dev/null 2>"$dir/t" || true; grep "$label" "$dir/t"; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
tm "check, $rows rows" "$cbrc" check "$dir/big.cbr"
tm "compile, $rows rows" "$cbrc" compile "$dir/big.cbr" -o "$dir/big.cbrx"
ls -l "$dir/big.cbrx" | awk '{ print "bundle: " $5 " bytes" }'
"$cbrc" compile "$dir/small.cbr" -o "$dir/small.cbrx"
for t in big small; do
    tm "run $t bundle, $((tx / 10)) tx" "$cbrc" run "$dir/$t.cbrx" --input "$dir/tx10.csv"
    tm "run $t bundle, $tx tx" "$cbrc" run "$dir/$t.cbrx" --input "$dir/tx.csv"
done
