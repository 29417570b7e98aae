#!/bin/sh
# tallies.sh: tallies end to end (language reference, "Tallies") on
# tallies-inputs/: two runs sharing --state, the two in one run, the bundle,
# explain (which counts nothing), --summary, test --coverage, disasm and fmt.
# Worked out by hand (visits are New York days; year_spend skips the
# refund desk but visits count it):
#   day 1: a1 u1 60.00, a2 u1 30.00 at the refund desk (not summed),
#          a3 without a user (counts nowhere), a4 u1 10.00 is u1's third
#          visit of the day: third-visit 1.00; a5 u2 99.00 EUR
#   day 2, from day 1's state:
#     b1 u1 40.00 (still Dec 31 in New York and in UTC): 110.00 this year,
#        spend-100-get-20 pays 20.00; its fourth visit of the day, nothing
#     b2 u2 1.00 EUR: 100.00 EUR this year, pays 20.00 EUR
#     b3 u1 100.00 in 2027: a new year's total and limit, pays 20.00
#     b4 u2 5.00 USD: u2's dollars are a total of their own, 5.00
. "$(dirname "$0")/lib.sh"
d="$CBR_SRCDIR/tests/tallies-inputs"
rules="$d/rules.cbr"
award() { printf '{"tid":"%s","offer":"%s","cashback":"%s","currency":"%s"}' "$1" "$2" "$3" "$4"; }
day1=$(award a4 third-visit 1.00 USD)
day2=$(award b1 spend-100-get-20 20.00 USD; echo; award b2 spend-100-get-20 20.00 EUR; echo
       award b3 spend-100-get-20 20.00 USD)

expect_status "check: the rules are clean" 0 check "$rules"
check "check: no warnings" contains "$out$err" "0 errors, 0 warnings"

# ---- two runs with --state ----
expect_status "day 1 with a new --state file" 0 run "$rules" --input "$d/day1.csv" --state "$tmp/state"
check "day 1: the awards" test "$core" = "$day1"
check "day 1: the tallies' counters, per user, period and currency" test "$(counters "$tmp/state")" = "$(printf '%s\n' \
    'k|visits|u1|d2026-12-31	3' 'k|visits|u2|d2026-12-31	1' \
    's|year_spend|u1|y2026-01-01|USD	7000' 's|year_spend|u2|y2026-01-01|EUR	9900')"
cp "$tmp/state" "$tmp/state1"
expect_status "explain with day 1's state" 0 explain "$rules" --state "$tmp/state" --tx \
    '{"tid":"x","user_id":"u1","amount":"20.00","currency":"USD","channel":"online","timestamp":"2026-12-31T19:00:00Z"}'
check "explain: the tally includes the purchase explained" contains "$out" \
    '`year_spend >= 100.00` was false: year_spend was 90.00 USD (needs 100.00 USD)'
check "explain: a count tally" contains "$out" '`visits == 3` was false: visits was 4 (needs 3)'
check "explain counts nothing" cmp -s "$tmp/state" "$tmp/state1"
expect_status "day 2 from day 1's state" 0 run "$rules" --input "$d/day2.csv" --state "$tmp/state"
check "day 2: the awards read day 1's tallies" test "$core" = "$day2"
check "day 2: a new year's total starts from zero" contains "$(counters "$tmp/state")" \
    "$(printf 's|year_spend|u1|y2026-01-01|USD\t11000\ns|year_spend|u1|y2027-01-01|USD\t10000')"
check "day 2: a sum is kept per currency" contains "$(counters "$tmp/state")" \
    "$(printf 's|year_spend|u2|y2026-01-01|EUR\t10000\ns|year_spend|u2|y2027-01-01|USD\t500')"

{ cat "$d/day1.csv"; tail -n +2 "$d/day2.csv"; } >"$tmp/both.csv"
for batch in 1 3 1000; do
    expect_status "both days in one run, batches of $batch" 0 run "$rules" --input "$tmp/both.csv" --batch $batch \
        --state "$tmp/one$batch"
    check "batches of $batch: the awards of the two runs" test "$core" = "$day1
$day2"
    check "batches of $batch: the state of the two runs" test "$("$CBRC" state "$tmp/state" --dump)" = "$("$CBRC" state "$tmp/one$batch" --dump)"
done

# ---- the bundle ----
expect_status "compile" 0 compile "$rules" -o "$tmp/rules.cbrx"
expect_status "the bundle, day 1" 0 run "$tmp/rules.cbrx" --input "$d/day1.csv" --state "$tmp/bstate"
expect_status "the bundle, day 2" 0 run "$tmp/rules.cbrx" --input "$d/day2.csv" --state "$tmp/bstate"
check "the bundle gives day 2's awards" test "$core" = "$day2"
check "the bundle's state is the source's" test "$("$CBRC" state "$tmp/state" --dump)" = "$("$CBRC" state "$tmp/bstate" --dump)"
expect_status "disasm" 0 disasm "$tmp/rules.cbrx"
check "disasm lists a tally and its condition" contains "$out" "$(printf 'tally 0 "year_spend" sum amount per user per year zone UTC\n     0  LOAD       r')"
check "disasm lists a tally without a condition" contains "$out" 'tally 1 "visits" count per user per day zone America/New_York (every purchase)'
check "disasm shows TALLY" contains "$out" "TALLY      r"

# ---- the summary and coverage ----
run_cbrc run "$rules" --input "$tmp/both.csv" --summary
check "summary: the offers that read tallies" contains "$err" "spend-100-get-20           3           2  40.00 USD + 20.00 EUR"
cat >"$tmp/t.cbr" <<'CBR'
tally visits = count per user per day
offer "second" { when visits == 2 then cashback 1.00 }
test "the second visit of a day pays" {
    given { tid: "t1", user_id: "u1", amount: 5.00, currency: "USD", timestamp: 2026-03-13T10:00:00Z }
    expect no cashback
    given { tid: "t2", user_id: "u1", amount: 5.00, currency: "USD", timestamp: 2026-03-13T11:00:00Z }
    expect cashback 1.00 from "second"
    given { tid: "t3", user_id: "u1", amount: 5.00, currency: "USD", timestamp: 2026-03-14T11:00:00Z }
    expect no cashback
}
CBR
expect_status "test blocks carry tallies from step to step" 0 test "$tmp/t.cbr"
check "test: the test passes" contains "$out" "1 passed, 0 failed"
expect_status "test --coverage" 0 test --coverage "$tmp/t.cbr"
check "test --coverage: the tally condition was seen both ways" contains "$out$err" \
    "coverage: 1 of 1 clauses paid, 1 of 1 conditions seen both true and false"

# ---- fmt ----
cat >"$tmp/messy.cbr" <<'CBR'
tally   spend=sum amount per user   timezone "Europe/London" where   amount>1.00 per month
offer "o" { when spend>=10.00 then cashback 1.00 }
CBR
expect_status "fmt of a tally" 0 fmt "$tmp/messy.cbr"
check "fmt keeps the parts of a tally in the order written" test "$out" = 'tally spend = sum amount per user timezone "Europe/London" where amount > 1.00 per month
offer "o" {
    when spend >= 10.00 then cashback 1.00
}'
printf '%s\n' "$out" >"$tmp/formatted.cbr"
expect_status "fmt is idempotent on a tally" 0 fmt "$tmp/formatted.cbr"
check "fmt: the same again" test "$out" = "$(cat "$tmp/formatted.cbr")"
finish
