#!/bin/sh
# explain.sh: `cbrc explain`, `cbrc run --summary` and `cbrc test --coverage`
# end to end on the files of tests/run-inputs (see run.sh for what each
# transaction earns and why).
. "$(dirname "$0")/lib.sh"
d="$CBR_SRCDIR/tests/run-inputs"
ex="$CBR_SRCDIR/rules-examples"

# ---- explain ----
expect_status "explain an awarded transaction" 0 explain "$d/rules.cbr" --input "$d/tx.csv" --tid t1
check "explain names the transaction and where it is" contains "$out" "transaction t1 ("
check "an award names its clause, percent, amount and rounding" contains "$out" \
    "friday-x: awarded 2.00 USD: clause 1 (line 13) pays 10% of 20.00 USD, rounded down"
check "a fixed reward is paid in the transaction's currency" contains "$out" \
    "gold (campaign spring): awarded 2.50 USD: clause 1 (line 23) pays 2.50 USD"
check "an exclusive group names the offer that won" contains "$out" \
    "x-everyday: not awarded: offer \"friday-x\" of the same exclusive group \"x\" awarded first"
check "the closing line counts the offers" contains "$out" "2 of 3 offers awarded"

expect_status "explain sees the limits the earlier records used" 0 \
    explain "$d/rules.cbr" --input "$d/tx.csv" --tid t2
check "a reached limit is named with its counter" contains "$out" \
    "friday-x: not awarded (3.00 USD earned): reached limit 1 per user per day: 1 of 1 used"
check "a failed condition has its place, its text and the value it saw" contains "$out" \
    "rules.cbr:23:10: \`tier == \"gold\"\` was false: tier was missing"

run_cbrc explain "$d/rules.cbr" --input "$d/tx.csv" --tid t5
check "an offer-wide condition: the campaign's budget currency" contains "$out" \
    "\`currency == \"USD\" (the campaign's budget is in USD)\` was false: currency was \"JPY\""
check "a cap is named" contains "$out" "friday-x: awarded 3 JPY: clause 1 (line 13) pays 10% of 100 JPY, rounded down, capped at 3.00"
check "rejected records before the transaction are still reported" contains "$err" "tx.csv:4: error:"

run_cbrc explain "$d/rules.cbr" --input "$d/tx.csv" --tid t6
check "a campaign budget spent exactly is still an award" contains "$out" "gold (campaign spring): awarded 2.50 USD"

# A weekday read in the offer's zone: 2026-03-13T03:00Z is Thursday 23:00 in New York.
run_cbrc explain "$d/rules.cbr" --tx '{"tid":"z1","user_id":"u9","amount":"20.00","currency":"USD","merchant":"Merchant X","timestamp":"2026-03-13T03:00:00Z"}'
check "--tx: the weekday in the offer's time zone" contains "$out" \
    "rules.cbr:13:39: \`weekday == FRI\` was false: weekday was THU (in America/New_York)"
check "--tx: the other offer of the group then awards" contains "$out" "x-everyday: awarded 0.20 USD"
check "--tx: the source is named" contains "$out" "transaction z1 (--tx)"

run_cbrc explain "$d/rules.cbr" --input "$d/tx.csv" --tid t2 --json
check "--json is one valid JSON object" sh -c 'printf "%s" "$1" | python3 -c "import json,sys; json.load(sys.stdin)"' _ "$out"
check "--json gives each verdict" contains "$out" '"verdict":"limit_reached"'
check "--json gives the failed condition with its place" contains "$out" \
    '"failed":[{"condition":"tier == \"gold\"","file":"rules.cbr","line":23,"column":10,"clause":1,"values":"tier was missing"}]'

"$CBRC" compile "$d/rules.cbr" -o "$tmp/rules.cbrx" 2>/dev/null
run_cbrc explain "$d/rules.cbr" --input "$d/tx.csv" --tid t2
src_out=$out
run_cbrc explain "$tmp/rules.cbrx" --input "$d/tx.csv" --tid t2
check "a bundle explains exactly as its sources do" test "$out" = "$src_out"

"$CBRC" run "$d/rules.cbr" --input "$d/tx.csv" --state "$tmp/state" >/dev/null 2>&1
cp "$tmp/state" "$tmp/state.before"
run_cbrc explain "$d/rules.cbr" --state "$tmp/state" --tx '{"tid":"s1","user_id":"u1","amount":"20.00","currency":"USD","merchant":"Merchant X","timestamp":"2026-03-13T15:30:00Z"}'
check "explain starts from --state" contains "$out" "reached limit 1 per user per day: 1 of 1 used"
check "explain never writes --state" cmp -s "$tmp/state" "$tmp/state.before"

expect_status "a tid that is not in the file is status 2" 2 explain "$d/rules.cbr" --input "$d/tx.csv" --tid nope
check "... and says so" contains "$err" "no transaction with tid \"nope\""
expect_status "an unreadable transaction is status 3" 3 explain "$d/rules.cbr" --input "$d/tx.csv" --tid t3
check "... reported on its line" contains "$err" "tx.csv:4: error: field \`amount\`"
expect_status "a bad --tx is status 3" 3 explain "$d/rules.cbr" --tx '{"tid":"b","amount":"x"}'
expect_status "explain needs a transaction" 2 explain "$d/rules.cbr" --input "$d/tx.csv"
expect_status "--tx and --tid do not mix" 2 explain "$d/rules.cbr" --tx '{}' --tid t1
expect_status "explain --help" 0 explain --help
check "explain --help shows the usage" contains "$out" "usage: cbrc explain"

# The text of a condition is what the author wrote, parentheses and all.
cat > "$tmp/paren.cbr" <<'CBR'
field signup: date
offer "p" {
    when signup >= 2026-09-01 or (exists(signup) and amount > 100) then cashback 1%
    when ((merchant == "Z" or amount > 500)) or channel == "x" then cashback 2%
    when merchant == "Big  (Store" or   # a comment (with a parenthesis
         (amount > 900
          and channel == "y") then cashback 3%
}
test "small" {
    given { tid: "c1", amount: 20.00, currency: "USD", merchant: "C", timestamp: 2026-03-13T10:00:00Z }
    expect no cashback
}
CBR
paren_tx='{"tid":"p1","user_id":"u9","amount":"20.00","currency":"USD","merchant":"C","timestamp":"2026-03-13T03:00:00Z"}'
run_cbrc explain "$tmp/paren.cbr" --tx "$paren_tx"
check "nested or: explain keeps the closing parenthesis" contains "$out" \
    "paren.cbr:3:10: \`signup >= 2026-09-01 or (exists(signup) and amount > 100)\` was false"
check "nested or: explain keeps the opening parentheses, and the column is theirs" contains "$out" \
    "paren.cbr:4:10: \`((merchant == \"Z\" or amount > 500)) or channel == \"x\"\` was false"
check "nested or: a string is kept as written, a comment is left out" contains "$out" \
    "paren.cbr:5:10: \`merchant == \"Big  (Store\" or (amount > 900 and channel == \"y\")\` was false"
run_cbrc test --coverage "$tmp/paren.cbr"
check "nested or: coverage keeps the closing parenthesis" contains "$out" \
    "paren.cbr:3:10: not covered: \`signup >= 2026-09-01 or (exists(signup) and amount > 100)\` never true"
check "nested or: coverage keeps the opening parentheses" contains "$out" \
    "paren.cbr:4:10: not covered: \`((merchant == \"Z\" or amount > 500)) or channel == \"x\"\` never true"

# ---- run --summary ----
expect_status "run --summary keeps the run's status" 3 run "$d/rules.cbr" --input "$d/tx.csv" --summary
check "--summary leaves the awards on stdout as they were" test "$core" = "$(cat "$d/expected.jsonl")"
check "the record counts add up" contains "$err" "records: 6 read = 4 evaluated + 2 rejected; 4 earned cashback; 5 awards"
check "per offer: awards, customers, cashback in each currency" sh -c \
    'printf "%s\n" "$1" | grep -Eq "^friday-x +2 +2 +2.00 USD \+ 3 JPY +-$"' _ "$err"
check "per campaign: what is left of the budget" sh -c \
    'printf "%s\n" "$1" | grep -Eq "^spring +2 +2 +5.00 USD +0.00 of 5.00 USD$"' _ "$err"

run_cbrc run "$d/rules.cbr" --input "$d/tx.csv" --summary-format=json --summary-output "$tmp/summary.json"
check "--summary-output takes the summary off stderr" sh -c '! printf "%s" "$1" | grep -q "records:"' _ "$err"
check "the JSON summary adds up" python3 - "$tmp/summary.json" "$d/expected.jsonl" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
awards = [json.loads(l) for l in open(sys.argv[2])]
assert s["records"] == s["evaluated"] + s["rejected"] == 6, s
assert s["awards"] == len(awards) == sum(o["awards"] for o in s["offers"]), s
for o in s["offers"]:
    mine = [a for a in awards if a["offer"] == o["id"]]
    assert o["awards"] == len(mine), o
    for cur, total in o["cashback"].items():
        got = sum(float(a["cashback"]) for a in mine if a["currency"] == cur)
        assert abs(got - float(total)) < 1e-9, (o, cur)
spring = [c for c in s["campaigns"] if c["id"] == "spring"][0]
assert spring["budget_left"] == {"USD": {"left": "0.00", "total": "5.00"}}, spring
PY
# Past 2048 customers an offer's reach is a sketch: an estimate, and said so.
cat > "$tmp/all.cbr" <<'CBR'
offer "all" { when amount > 0 then cashback 1% }
CBR
python3 -c '
print("tid,user_id,amount,currency,timestamp")
for i in range(30000):
    print("t%d,u%d,10.00,USD,2026-03-13T10:00:00Z" % (i, i % 20000))' > "$tmp/many.csv"
run_cbrc run "$tmp/all.cbr" --input "$tmp/many.csv" --output /dev/null --summary-format=json
check "many customers: an estimate within 2%, marked as such" python3 -c '
import json, sys
s = json.loads(sys.argv[1].strip().splitlines()[-1])
o = s["offers"][0]
assert o["awards"] == 30000 and o["customers_estimated"] is True, o
assert abs(o["customers"] - 20000) <= 400, o["customers"]
assert s["campaigns"] == []' "$err"
run_cbrc run "$tmp/all.cbr" --input "$tmp/many.csv" --output /dev/null --summary
check "the text summary marks the estimate with ~" sh -c 'printf "%s\n" "$1" | grep -Eq "^all +30000 +~[0-9]+ +3000.00 USD +-$"' _ "$err"
head -1001 "$tmp/many.csv" > "$tmp/few.csv"
run_cbrc run "$tmp/all.cbr" --input "$tmp/few.csv" --output /dev/null --summary-format=json
check "few customers: counted exactly" contains "$err" '"customers":1000,"customers_estimated":false'

expect_status "--summary-format takes text or json" 2 run "$d/rules.cbr" --input "$d/tx.csv" --summary-format=xml

# ---- progress: on a terminal only ----
run_cbrc run "$d/rules.cbr" --input "$d/tx.csv" --output /dev/null
check "no progress when stderr is not a terminal" sh -c '! printf "%s" "$1" | grep -q "records/s"' _ "$err"
if command -v script >/dev/null 2>&1; then
    script -qc "'$CBRC' run '$d/rules.cbr' --input '$d/tx.csv' --output /dev/null" /dev/null >"$tmp/tty" 2>&1
    check "progress on a terminal: records, percent of the file, records/s" \
        grep -Eq "cbrc: 6 records, 100.0%, [0-9]+ records/s" "$tmp/tty"
    CBRC_NO_PROGRESS=1 script -qc "'$CBRC' run '$d/rules.cbr' --input '$d/tx.csv' --output /dev/null" /dev/null >"$tmp/tty" 2>&1
    check "CBRC_NO_PROGRESS turns it off" sh -c '! grep -q "records/s" "$1"' _ "$tmp/tty"
else
    ok "# SKIP script(1) is not installed"
    ok "# SKIP script(1) is not installed"
fi

# ---- test --coverage ----
cat > "$tmp/cov.cbr" <<'CBR'
offer "o" {
    when amount >= 100 and merchant == "A" then cashback 10%
    when channel == "online" then cashback 1%
}
test "big at A" {
    given { tid: "c1", amount: 150.00, currency: "USD", merchant: "A", timestamp: 2026-03-13T10:00:00Z }
    expect cashback 15.00 from "o"
}
CBR
expect_status "test --coverage passes with the tests" 0 test --coverage "$tmp/cov.cbr"
check "a condition never false is listed" contains "$out" "cov.cbr:2:28: not covered: \`merchant == \"A\"\` never false in any test"
check "a clause that never paid is listed" contains "$out" "cov.cbr:3: not covered: clause 2 of \"o\" never paid in any test"
check "a condition never reached is listed" contains "$out" "cov.cbr:3:10: not covered: \`channel == \"online\"\` never reached in any test"
check "the coverage totals" contains "$out" "coverage: 1 of 2 clauses paid, 0 of 3 conditions seen both true and false"
check "the closing line stays last" test "$(printf '%s\n' "$out" | tail -1)" = "1 passed, 0 failed"
run_cbrc test --coverage "$ex/friday-merchant-x.cbr"
check "the examples' own tests cover both clauses" contains "$out" "coverage: 2 of 2 clauses paid"

# ---- best-of groups ----
b="$d/best-of.cbr"
bx='{"tid":"b1","user_id":"u1","amount":"200.00","currency":"USD","timestamp":"2026-08-01T10:00:00Z"}'
expect_status "explain a best-of group" 0 explain "$b" --tx "$bx"
check "best-of: the winner is awarded" contains "$out" "deal-back-41: awarded 10.00 USD: clause 1 (line 12) pays 10.00 USD"
check "best-of: a member outbid says what it would pay and who pays more" contains "$out" \
    "early-tier: not awarded: early-tier would pay 9.55 USD; deal-back-41 pays more (10.00 USD) in best-of group best-a"
"$CBRC" compile "$b" -o "$tmp/best.cbrx" 2>/dev/null
src_out=$out
run_cbrc explain "$tmp/best.cbrx" --tx "$bx"
check "best-of: a bundle explains as its source does" test "$out" = "$src_out"
printf 'tid,user_id,amount,currency,timestamp\nb1,u1,200.00,USD,2026-08-01T10:00:00Z\nb2,u1,16.00,USD,2026-08-01T11:00:00Z\nb3,u1,16.00,USD,2026-08-02T10:00:00Z\n' >"$tmp/best.csv"
expect_status "best-of: run --summary" 0 run "$b" --input "$tmp/best.csv" --summary
check "best-of: the awards of the run, the group's at its first member" test "$core" = '{"tid":"b1","offer":"flash","cashback":"15.00","currency":"USD"}
{"tid":"b1","offer":"deal-back-41","cashback":"10.00","currency":"USD"}
{"tid":"b2","offer":"flash","cashback":"1.20","currency":"USD"}
{"tid":"b2","offer":"weekend-back","cashback":"8.15","currency":"USD"}
{"tid":"b3","offer":"flash","cashback":"1.20","currency":"USD"}
{"tid":"b3","offer":"early-tier","cashback":"2.00","currency":"USD"}'
check "best-of: the summary counts the winners" contains "$err" "deal-back-41"
src_out=$out
run_cbrc run "$tmp/best.cbrx" --input "$tmp/best.csv"
check "best-of: the bundle gives the same awards" test "$out" = "$src_out"
run_cbrc disasm "$tmp/best.cbrx"
check "best-of: disasm shows the flag" contains "$out" 'offer 1 "deal-back-41" priority 3 zone UTC rounding down exclusive "best-a" best'
run_cbrc test "$b"
check "best-of: the file's own tests pass" test "$rc" -eq 0

finish
