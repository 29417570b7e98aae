#!/bin/sh
# limits.sh: limit N total, per year, budgets per period, no partial and
# days_between end to end (language reference, "More limits" and "Dates"),
# on limits-inputs/: two days of a programme run with --state, explain,
# --summary, compile/disasm and fmt.  Awards worked out by hand:
#   day 1 (2026-12-31 UTC; the campaign's day in Tokyo is also the 31st)
#     t1 u1: every offer pays; welcome: signed up 16 days before
#     t2 u2: daily-two and first-two reach their totals of 2; pot would be
#            cut from 2.00 to the 1.00 left of today's 3.00, so `no partial`
#            drops it; welcome: 91 days since signing up
#     t3 u3: both totals reached, pot dropped again, no signup: yearly only
#   day 2, from day 1's state
#     t4 u3 (16:00Z, still the 31st in UTC): nothing; every counter of
#            day 1 is where day 1 left it, and u3 had its 2026 award
#     t5 u1 (2027-01-01): a new day and a new year: daily-two, pot 1.00,
#            welcome (17 days), yearly
#     t6 u2: daily-two's second of the day; pot would be cut (3.00 of 2.00)
#     t7 u4: daily-two's day is full; pot pays exactly the 2.00 left
. "$(dirname "$0")/lib.sh"
d="$CBR_SRCDIR/tests/limits-inputs"
rules="$d/rules.cbr"

expect_status "check: the rules are clean" 0 check "$rules"
check "check: no warnings" contains "$out$err" "0 errors, 0 warnings"

# ---- two days with --state ----
expect_status "day 1 with a new --state file" 0 run "$rules" --input "$d/day1.csv" --state "$tmp/state"
check "day 1: the awards" test "$core" = "$(cat "$d/expected-day1.jsonl")"
# The budgets are written without a currency: pots, in units of 10^-4.
check "day 1: total counters have no user part, periods are in the key" test "$(counters "$tmp/state")" = "$(printf '%s\n' \
    'b|pot|d2026-12-31|*	20000' 'c|launch|d2026-12-31|*	40000' 'n|first-two|u1|-	1' 'n|first-two|u2|-	1' \
    'n|yearly|u1|y2026-01-01	1' 'n|yearly|u2|y2026-01-01	1' 'n|yearly|u3|y2026-01-01	1' \
    't|daily-two|d2026-12-31	2' 't|first-two|-	2')"
expect_status "day 2 from day 1's state" 0 run "$rules" --input "$d/day2.csv" --state "$tmp/state"
check "day 2: the awards carry day 1's totals and budgets" test "$core" = "$(cat "$d/expected-day2.jsonl")"
check "day 2: the new day's and year's counters start from zero" contains "$(counters "$tmp/state")" \
    "$(printf 'b|pot|d2026-12-31|*\t20000\nb|pot|d2027-01-01|*\t30000\nc|launch|d2026-12-31|*\t40000\nc|launch|d2027-01-01|*\t40000')"
check "day 2: the total of all time stays" contains "$(counters "$tmp/state")" "$(printf 't|daily-two|d2027-01-01\t2\nt|first-two|-\t2')"

# The two days in one run give the awards of the two runs.
{ cat "$d/day1.csv"; tail -n +2 "$d/day2.csv"; } >"$tmp/both.csv"
expect_status "both days in one run" 0 run "$rules" --input "$tmp/both.csv" --batch 2
check "one run gives the awards of the two" test "$core" = "$(cat "$d/expected-day1.jsonl" "$d/expected-day2.jsonl")"

# ---- a bundle runs the same ----
expect_status "compile" 0 compile "$rules" -o "$tmp/rules.cbrx"
expect_status "the bundle, day 1" 0 run "$tmp/rules.cbrx" --input "$d/day1.csv" --state "$tmp/bstate"
check "the bundle gives day 1's awards" test "$core" = "$(cat "$d/expected-day1.jsonl")"
expect_status "the bundle, day 2" 0 run "$tmp/rules.cbrx" --input "$d/day2.csv" --state "$tmp/bstate"
check "the bundle gives day 2's awards" test "$core" = "$(cat "$d/expected-day2.jsonl")"
check "the bundle's state is the source's" test "$("$CBRC" state "$tmp/state" --dump)" = "$("$CBRC" state "$tmp/bstate" --dump)"
expect_status "disasm" 0 disasm "$tmp/rules.cbrx"
check "disasm shows the campaign's paced budget and zone" contains "$out" 'campaign "launch" budget 5.00 per day zone Asia/Tokyo'
check "disasm shows no partial" contains "$out" '"pot" priority 0 zone UTC rounding down no partial'

# ---- the summary: a paced budget is the current period's ----
run_cbrc run "$rules" --input "$d/day1.csv" --summary
check "summary: what is left of today's pot" contains "$err" "1.00 of 3.00 USD per day (2026-12-31)"
check "summary: the campaign's day in Tokyo" contains "$err" "1.00 of 5.00 USD per day (2026-12-31)"
run_cbrc run "$rules" --input "$d/day2.csv" --state "$tmp/state2" --summary-format=json
check "summary json: the period and its first day" contains "$err" '"left":"0.00","total":"3.00","period":"day","from":"2027-01-01"'

# ---- explain: verdicts and reasons ----
expect_status "explain t3" 0 explain "$rules" --input "$d/day1.csv" --tid t3
check "explain: a total limit per day" contains "$out" \
    "daily-two (campaign launch): not awarded (2.00 USD earned): reached limit 2 total per day: 2 of 2 used"
check "explain: a total limit of all time" contains "$out" "first-two: not awarded (1.00 USD earned): reached limit 2 total: 2 of 2 used"
check "explain: no partial says why" contains "$out" \
    "pot: not awarded (2.00 USD earned): the offer takes no partial awards, and 1.00 USD is all that is left of the offer's budget of 3.00 per day: 2.00 USD of 3.00 USD used"
check "explain: days_between of a missing date" contains "$out" "days_between(signup, date) was missing"
expect_status "explain t2 --json" 0 explain "$rules" --input "$d/day1.csv" --tid t2 --json
check "explain --json: the no_partial verdict" contains "$out" '"offer":"pot","campaign":null,"verdict":"no_partial"'
check "explain --json: the days it counted" contains "$out" '"values":"days_between(signup, date) was 91"'
expect_status "explain with day 1's state" 0 explain "$rules" --tx \
    '{"tid":"x","user_id":"u9","amount":"20.00","currency":"USD","timestamp":"2026-12-31T23:00:00Z"}' --state "$tmp/bstate"
check "explain: yearly for u9 in 2026" contains "$out" "yearly: awarded 0.50 USD"
check "explain: the state's total" contains "$out" "first-two: not awarded (1.00 USD earned): reached limit 2 total: 2 of 2 used"

# ---- fmt keeps every construct ----
cat >"$tmp/messy.cbr" <<'CBR'
campaign "c" { budget   5.00  per day
  timezone "Asia/Tokyo" }
offer "o" { campaign "c" limit 3 total per year   limit 1  total
  budget 2.00 per week no   partial
  when days_between( 2026-01-01 ,date )>=0 then cashback 1% }
CBR
expect_status "fmt of the constructs" 0 fmt "$tmp/messy.cbr"
check "fmt keeps each construct in the canonical layout" test "$out" = 'campaign "c" {
    budget 5.00 per day
    timezone "Asia/Tokyo"
}
offer "o" {
    campaign "c"
    limit 3 total per year
    limit 1 total
    budget 2.00 per week
    no partial
    when days_between(2026-01-01, date) >= 0 then cashback 1%
}'
run_cbrc fmt --check "$rules"
check "limits-inputs/rules.cbr is in the canonical layout" test "$rc" -eq 0 -a -z "$out"
finish
