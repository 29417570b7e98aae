#!/bin/sh
# report.sh: `cbrc run --report FILE.html` end to end.  The page is
# rendered in headless Chromium: every number it shows (records, awards,
# customers and cashback of each offer and campaign, rejected records by
# reason) must equal --summary-format=json of the same run, and its
# screenshot must not be blank.  The page fetches and runs nothing, and its
# size does not grow with the number of transactions.  The rendering checks
# are skipped when chromium is not installed (scripts/setup.sh installs it).
. "$(dirname "$0")/lib.sh"
ex="$CBR_SRCDIR/rules-examples"
check_py() { python3 "$CBR_SRCDIR/tests/report_check.py" "$@"; }

run_cbrc run "$ex"/*.cbr --input "$ex/transactions.csv" --report "$tmp/ex.html" \
    --summary-format=json --summary-output "$tmp/ex.json" --output "$tmp/ex.jsonl"
check "the examples: the run writes its report" [ "$rc" -eq 3 ] && [ -s "$tmp/ex.html" ]
if why=$(check_py alone "$tmp/ex.html"); then ok "the report is self-contained"
else not_ok "the report is self-contained" "$why"; fi

# A month of a campaign with a daily budget, and a bad record of each kind.
awk 'BEGIN {
    print "tid,user_id,amount,currency,merchant,mcc,country,channel,timestamp";
    for (i = 0; i < 3000; i++) {
        d = 1 + i % 30; h = i % 24;
        printf "m%d,u%d,%d.%02d,USD,Shop %d,5411,US,pos,2026-04-%02dT%02d:15:00Z\n", i, i % 700, 5 + i % 90, i % 100, i % 7, d, h;
    }
    print "bad1,u1,12.x,USD,Shop 1,5411,US,pos,2026-04-02T10:00:00Z";
    print "bad2,u1,12.00,USD,Shop 1,5411,US,pos,2026-04-31T10:00:00Z";
}' >"$tmp/april.csv"
cat >"$tmp/april.cbr" <<'CBR'
campaign "april" { budget 300.00 USD per day }
offer "shops-5" { campaign "april"
    limit 20.00 per user per month
    when amount >= 10.00 then cashback 5% }
offer "shop-3-bonus" { campaign "april"
    when merchant == "Shop 3" then cashback 1.00 }
offer "big-baskets" { budget 400.00 USD
    when amount >= 80.00 then cashback 2% }
CBR
run_cbrc run "$tmp/april.cbr" --input "$tmp/april.csv" --report "$tmp/april.html" \
    --summary-format=json --summary-output "$tmp/april.json" --output "$tmp/april.jsonl"
check "a month with budgets: the run writes its report" [ "$rc" -eq 3 ] && [ -s "$tmp/april.html" ]
check "a month with budgets: one burn-down chart a budget" \
    [ "$(grep -o 'aria-label="budget burn-down"' "$tmp/april.html" | wc -l)" -eq 2 ]

# Ten times the transactions, the same days and offers: the same page size
# within a few bytes a number grows by.
awk -F, 'NR == 1 { print; next } { for (k = 0; k < 10; k++) { $1 = $1 "-" k; print; sub(/-[0-9]+$/, "", $1) } }' OFS=, \
    "$tmp/april.csv" >"$tmp/april10.csv"
run_cbrc run "$tmp/april.cbr" --input "$tmp/april10.csv" --report "$tmp/april10.html" --output /dev/null
small=$(wc -c <"$tmp/april.html")
big=$(wc -c <"$tmp/april10.html")
check "ten times the transactions: a page of the same size ($small and $big bytes)" \
    [ "$big" -lt $((small + small / 10)) ]

if ! command -v chromium >/dev/null 2>&1; then
    echo "# chromium is not installed: the rendering checks are skipped"
    finish
fi
for name in ex april; do
    mkdir -p "$tmp/profile-$name"
    # Headless Chromium as root needs --no-sandbox (CI runs as root).
    timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$tmp/profile-$name" \
        --dump-dom "file://$tmp/$name.html" >"$tmp/$name.dom" 2>"$tmp/$name.chromium-err"
    timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$tmp/profile-$name" \
        --window-size=1100,1600 --screenshot="$tmp/$name.png" "file://$tmp/$name.html" \
        >/dev/null 2>>"$tmp/$name.chromium-err"
    if why=$(check_py dom "$tmp/$name.dom" "$tmp/$name.json"); then
        ok "$name: the rendered page shows the summary's numbers"
    else
        not_ok "$name: the rendered page shows the summary's numbers" "$why $(tail -5 "$tmp/$name.chromium-err")"
    fi
    if why=$(check_py png "$tmp/$name.png"); then ok "$name: the screenshot is not blank"
    else not_ok "$name: the screenshot is not blank" "$why $(tail -5 "$tmp/$name.chromium-err")"; fi
done
finish
