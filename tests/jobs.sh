#!/bin/sh
# jobs.sh: `cbrc run --jobs N` gives, byte for byte, what `--jobs 1` gives:
# award lines, stderr, the rejects file, the summary and the state it
# leaves.  Batches of one and of a few rows put many batches in flight at
# once, so that the reading ahead, the holding back of rejects and the
# settling in order are all exercised; the inputs mix good rows with bad
# ones, duplicates and refunds, over programs with and without tallies.
# Run under ThreadSanitizer too (scripts/test.sh).
. "$(dirname "$0")/lib.sh"
ex="$CBR_SRCDIR/rules-examples"
case $CBRC in /*) ;; *) CBRC=$(pwd)/$CBRC ;; esac # the runs are made in other folders

# same NAME DIR ARGS...: runs `cbrc run ARGS` in DIR with --jobs 1 and
# --jobs 3, each at --batch 1 and --batch 3, with their own fresh state;
# ok when --jobs 3 agrees with --jobs 1 at each batch size.  (The batch
# size never changes an award, but it does move a refusal, made when the
# batch is settled, after the rejects of the rows read with it.)
same() {
    name=$1 dir=$2
    shift 2
    diffs=""
    for b in 1 3; do
        first=""
        for j in 1 3; do
            # one path for every run, since messages name it
            w="$tmp/w"
            rm -rf "$w" && mkdir -p "$w"
            : >"$w/rejects"
            (cd "$dir" && "$CBRC" run "$@" --batch "$b" --jobs "$j" --state "$w/state.db" --rejects "$w/rejects" \
                --summary-format=json --summary-output "$w/summary" >"$w/out" 2>"$w/err"
             echo $? >"$w/rc")
            "$CBRC" state "$w/state.db" --dump >"$w/state" 2>&1 || true
            rm -rf "$tmp/w-$b-$j" && mv "$w" "$tmp/w-$b-$j"
            w="$tmp/w-$b-$j"
            if [ -z "$first" ]; then
                first=$w
                # a run that could not start would agree with itself
                grep -qx '[03]' "$w/rc" || diffs="exit $(cat "$w/rc"): $(head -n 3 "$w/err")
"
                continue
            fi
            for f in out err rejects summary state rc; do
                [ -f "$first/$f" ] || [ -f "$w/$f" ] || continue
                cmp -s "$first/$f" "$w/$f" || diffs="$diffs --batch $b --jobs $j: $f differs
$(diff "$first/$f" "$w/$f" | head -n 8)
"
            done
        done
    done
    if [ -z "$diffs" ]; then ok "$name"; else not_ok "$name" "$diffs"; fi
}

# A day of many customers: purchases, rows the reader or the batch refuses,
# repeats of earlier tids, and refunds, in every rules example at once.
awk 'BEGIN {
    print "tid,kind,original_tid,user_id,amount,currency,merchant,mcc,country,channel,timestamp,user_tier"
    split("Merchant X,Acme,Orbit Air,FreshMart,X", m, ",")
    for (i = 1; i <= 600; i++) {
        u = "u" (i % 37); d = 13 + i % 18
        ts = sprintf("2026-11-%02dT%02d:%02d:00Z", d, i % 24, i % 60)
        if (i % 53 == 0)      print "t" i ",purchase,," u ",not-money,USD,Acme,5411,US,pos," ts ","
        else if (i % 41 == 0) print "t" (i - 7) ",purchase,," u ",12.00,USD,Acme,5411,US,pos," ts ","
        else if (i % 29 == 0) print "r" i ",refund,t" (i - 11) "," u "," (i % 7 + 1) ".00,USD,,,,," ts ","
        else if (i % 61 == 0) print "t" i ",purchase,," u ",5.00,USD,Acme,5411,US,pos,yesterday,"
        else print "t" i ",purchase,," u "," (i % 190 + 3) ".50,USD," m[i % 5 + 1] ",5999,US," (i % 2 ? "online" : "pos") "," ts "," (i % 3 ? "gold" : "basic")
    }
}' >"$tmp/day.csv"
# Every purchase earns here, so every repeat is refused when its batch is
# settled, while the rows read ahead of it hold rejects of their own.
echo 'when amount >= 1 then cashback 1%' >"$tmp/every.cbr"
all=$(cd "$ex" && ls ./*.cbr)
same "rules-examples, 600 mixed rows" "$ex" $all "$tmp/every.cbr" --input "$tmp/day.csv"
same "a program with tallies" "$ex" spend-accumulator.cbr "$tmp/every.cbr" --input "$tmp/day.csv"
same "a program without tallies" "$ex" $(echo "$all" | grep -v spend-accumulator) "$tmp/every.cbr" --input "$tmp/day.csv"
# Keys the rules do not know turn up now and then, each noted once.
awk -F, 'NR > 1 { printf "{\"tid\":\"%s\",\"kind\":\"%s\",\"original_tid\":\"%s\",\"user_id\":\"%s\",\"amount\":\"%s\",\"currency\":\"%s\",\"merchant\":\"%s\",\"timestamp\":\"%s\"%s}\n", $1, $2, $3, $4, $5, $6, $7, $11, NR % 43 ? "" : ",\"promo_" NR "\":1" }
         NR % 97 == 0 { print "{\"tid\": broken" }' "$tmp/day.csv" >"$tmp/day.jsonl"
same "JSON Lines, with lines that are not JSON" "$ex" $all "$tmp/every.cbr" --input "$tmp/day.jsonl"

# Every run case of the public acceptance cases, where they are beside the
# checkout.
acc="$CBR_SRCDIR/../shared/acceptance/cases"
if [ -d "$acc" ] && command -v python3 >/dev/null 2>&1; then
    python3 - "$acc" >"$tmp/cases" <<'PY'
import json, os, sys
root = sys.argv[1]
for d in sorted(os.listdir(root)):
    try:
        c = json.load(open(os.path.join(root, d, "case.json")))
    except OSError:
        continue
    if c.get("kind") != "run":
        continue
    for i in c.get("inputs", []):
        print(d, i, " ".join(c["rules"]))
PY
    n=0
    while read -r d input rules; do
        # shellcheck disable=SC2086
        same "acceptance $d $input" "$acc/$d" $rules --input "$input"
        n=$((n + 1))
    done <"$tmp/cases"
    [ "$n" -gt 40 ] || not_ok "acceptance run cases found" "only $n"
else
    echo "# no ../shared/acceptance beside the checkout: its cases are not run"
fi
finish
