#!/bin/sh
# run.sh: `cbrc run`, `compile` and `disasm` end to end on real files.
# rules.cbr exercises priority, exclusive groups, a per-day limit, a campaign
# budget in USD only, a declared field and a time zone; the transactions
# hold two unreadable records.  Expected awards (worked out by hand):
#   t1 Fri 11:00 New York: friday-x 10% of 20.00 = 2.00; gold 2.50
#   t2 same day, u1 again: friday-x is over its daily limit, so the
#      exclusive group passes to x-everyday, 1% of 50.00 = 0.50; no tier
#   t3, t4 rejected (12.3.4 and "1,000.00" are not amounts)
#   t5 Fri 22:00 New York in JPY: 10% of 100 capped at 3 JPY; gold pays
#      only in USD (its campaign budget is in USD)
#   t6 gold 2.50: the campaign budget had 2.50 left of 5.00
. "$(dirname "$0")/lib.sh"
d="$CBR_SRCDIR/tests/run-inputs"

for fmt in csv jsonl; do
    expect_status "run $fmt: rejects give status 3" 3 run "$d/rules.cbr" --input "$d/tx.$fmt"
    check "run $fmt: the awards" test "$out" = "$(cat "$d/expected.jsonl")"
done
run_cbrc run "$d/rules.cbr" --input "$d/tx.csv"
check "a bad record is reported as FILE:LINE: error:" contains "$err" "tx.csv:4: error: field \`amount\`: \`12.3.4\` is not a decimal number"
check "the quoted amount is reported on its line" contains "$err" "tx.csv:5: error: field \`amount\`: \`1,000.00\`"
run_cbrc run "$d/rules.cbr" --input "$d/tx.jsonl"
check "a broken JSON line is reported on its line" contains "$err" "tx.jsonl:3: error:"

expect_status "run with --output and --rejects" 3 run "$d/rules.cbr" --input "$d/tx.csv" \
    --output "$tmp/awards.jsonl" --rejects "$tmp/rejects.csv"
check "nothing on stdout with --output" test -z "$out"
check "--output holds the awards" cmp -s "$tmp/awards.jsonl" "$d/expected.jsonl"
check "--rejects keeps the header and the raw records" test "$(cat "$tmp/rejects.csv")" = \
"tid,user_id,amount,currency,merchant,mcc,tier,timestamp
t3,u2,12.3.4,USD,Merchant X,5411,gold,2026-03-13T16:00:00Z
t4,u2,\"1,000.00\",USD,Shop,5411,gold,2026-03-14T01:00:00Z"

expect_status "batches of one row carry limits and budgets across batches" 3 \
    run "$d/rules.cbr" --input "$d/tx.csv" --batch 1
check "batches of one row give the same awards" test "$out" = "$(cat "$d/expected.jsonl")"

# --state: the second day's run starts from the first day's counters.  The
# same file again finds friday-x used for u1 and u3 that day and the
# campaign's 5.00 spent, so only x-everyday pays: 1% of 20.00, 50.00, 100.
expect_status "run with a new --state file" 3 run "$d/rules.cbr" --input "$d/tx.csv" --state "$tmp/state"
check "the state file holds the counters" test "$(cat "$tmp/state")" = "$(printf 'c|spring|USD\t500\nn|friday-x|u1|d2026-03-13\t1\nn|friday-x|u3|d2026-03-13\t1')"
expect_status "run again with that state" 3 run "$d/rules.cbr" --input "$d/tx.csv" --state "$tmp/state"
check "limits and budgets carry over" test "$out" = \
'{"tid":"t1","offer":"x-everyday","cashback":"0.20","currency":"USD"}
{"tid":"t2","offer":"x-everyday","cashback":"0.50","currency":"USD"}
{"tid":"t5","offer":"x-everyday","cashback":"1","currency":"JPY"}'
printf 'n|x|u1|-\t1\nbroken\n' >"$tmp/badstate"
expect_status "a malformed state file is refused" 2 run "$d/rules.cbr" --input "$d/tx.csv" --state "$tmp/badstate"
check "the bad line is named" contains "$err" "badstate:2: error: expected KEY<TAB>NUMBER"
check "no awards are printed from a bad state" test -z "$out"

expect_status "compile writes a bundle" 0 compile "$d/rules.cbr" -o "$tmp/rules.cbrx"
expect_status "run the bundle" 3 run "$tmp/rules.cbrx" --input "$d/tx.csv"
check "the bundle gives the same awards" test "$out" = "$(cat "$d/expected.jsonl")"
expect_status "disasm the bundle" 0 disasm "$tmp/rules.cbrx"
check "disasm lists the offers in evaluation order" contains "$out" 'offer 0 "friday-x" priority 10 zone America/New_York'
check "disasm shows the instructions" contains "$out" 'FCMPK      r0 == "Merchant X"'

# Damaged bundles: refused with status 2 and no output, never a crash.
size=$(wc -c <"$tmp/rules.cbrx")
head -c $((size / 2)) "$tmp/rules.cbrx" >"$tmp/cut.cbrx"
expect_status "a truncated bundle is refused" 2 run "$tmp/cut.cbrx" --input "$d/tx.csv"
check "a truncated bundle prints no awards" test -z "$out"
check "the refusal says why" contains "$err" "cut.cbrx: refused: truncated"
cp "$tmp/rules.cbrx" "$tmp/flip.cbrx"
printf 'Z' | dd of="$tmp/flip.cbrx" bs=1 seek=$((size - 20)) conv=notrunc 2>/dev/null
expect_status "a bundle with a changed byte is refused" 2 run "$tmp/flip.cbrx" --input "$d/tx.csv"
check "the checksum names the damage" contains "$err" "checksum mismatch"
printf 'not a bundle at all' >"$tmp/junk.cbrx"
expect_status "garbage is refused" 2 disasm "$tmp/junk.cbrx"
check "garbage is named as not a bundle" contains "$err" "not a cbr bundle"

expect_status "compile without -o" 2 compile "$d/rules.cbr"
expect_status "compile of a file with errors" 1 compile "$CBR_SRCDIR/tests/cli-inputs/broken.cbr" -o "$tmp/x.cbrx"
check "no bundle is written for rules with errors" test ! -e "$tmp/x.cbrx"
expect_status "run with rules that have errors" 1 run "$CBR_SRCDIR/tests/cli-inputs/broken.cbr" --input "$d/tx.csv"
expect_status "run without --input" 2 run "$d/rules.cbr"
expect_status "run of a missing input" 2 run "$d/rules.cbr" --input "$tmp/none.csv"
cp "$d/tx.csv" "$tmp/tx.txt"
expect_status "run of an input whose format is unknown" 2 run "$d/rules.cbr" --input "$tmp/tx.txt"
expect_status "--format says the format" 3 run "$d/rules.cbr" --input "$tmp/tx.txt" --format csv
expect_status "a bundle and sources together" 2 run "$tmp/rules.cbrx" "$d/rules.cbr" --input "$d/tx.csv"

# cbrc test: the first test passes; the second expects the wrong amount; the
# third expects no cashback on a new day (the limit is per day), so both fail
# at the step named.  That the first test's state did not reach the third is
# what lets its first step pass.
expect_status "test with failing tests" 1 test "$d/tested.cbr"
check "test closes with the counts" test "$out" = "1 passed, 2 failed"
check "a failed expectation names the step and both amounts" contains "$err" \
    'tested.cbr:16:5: error: test "a wrong amount" failed at step 1: expected cashback 2.50 from "daily", got 2.00 USD from "daily"'
check "a failed no-cashback names what was awarded" contains "$err" \
    'tested.cbr:23:5: error: test "state does not leak between tests" failed at step 2: expected no cashback, got 5.00 USD from "daily"'
expect_status "test of a bundle is a usage error" 2 test "$tmp/rules.cbrx"
expect_status "test of rules with errors" 1 test "$CBR_SRCDIR/tests/cli-inputs/broken.cbr"
expect_status "help test" 0 help test

printf 'tid,amount,currency,timestamp,colour\nt1,5.00,USD,2026-03-13T15:00:00Z,red\n' >"$tmp/extra.csv"
expect_status "unknown columns are not an error" 0 run "$d/rules.cbr" --input "$tmp/extra.csv"
check "an unknown column is noted once" contains "$err" "\`colour\` is not a field of the rules; ignored"
printf 'tid,amount,currency\nt1,5.00,USD\n' >"$tmp/notime.csv"
expect_status "a record without its timestamp is rejected" 3 run "$d/rules.cbr" --input "$tmp/notime.csv"
check "the missing field is named" contains "$err" "notime.csv:2: error: missing required field \`timestamp\`"
# Malformed inputs, each with its message and line number; the good records
# around them are still evaluated.
h='tid,user_id,amount,currency,merchant,mcc,tier,timestamp'
good='t9,u9,20.00,USD,Merchant X,5411,gold,2026-03-14T12:00:00Z'
printf '%s\nq1,u1,"20.00,USD,Shop,5411,gold,2026-03-13T15:00:00Z\n' "$h" >"$tmp/quote.csv"
expect_status "an unclosed quote is rejected" 3 run "$d/rules.cbr" --input "$tmp/quote.csv"
check "the unclosed quote is named at its line" contains "$err" "quote.csv:2: error: the quoted field opened on line 2 is not closed at the end of the file"
printf '%s\nb1,u1,20.00,USD,Caf\351,5411,gold,2026-03-13T15:00:00Z\n%s\n' "$h" "$good" >"$tmp/utf8.csv"
expect_status "invalid UTF-8 is rejected" 3 run "$d/rules.cbr" --input "$tmp/utf8.csv"
check "invalid UTF-8 is named with its field" contains "$err" "utf8.csv:2: error: field \`merchant\`: invalid UTF-8 at byte 4"
check "the next record is still evaluated" contains "$out" '"tid":"t9","offer":"gold"'
{ printf '%s\n' "$h"; printf 'big,u1,20.00,USD,'; head -c 1100000 /dev/zero | tr '\0' x; printf ',5411,gold,2026-03-13T15:00:00Z\n%s\n' "$good"; } >"$tmp/long.csv"
expect_status "a 1 MB record is rejected" 3 run "$d/rules.cbr" --input "$tmp/long.csv"
check "the long record is named" contains "$err" "long.csv:2: error: record is longer than 1048576 bytes"
check "the record after it is still evaluated" contains "$out" '"tid":"t9","offer":"gold"'
printf '%s\n%s' "$h" "$good" >"$tmp/noeol.csv"
expect_status "a last line without a newline is read" 0 run "$d/rules.cbr" --input "$tmp/noeol.csv"
check "the last line's awards" contains "$out" '"tid":"t9","offer":"gold"'
printf '%s\n' "$h" >"$tmp/header.csv"
expect_status "a header-only file is no error" 0 run "$d/rules.cbr" --input "$tmp/header.csv"
check "a header-only file awards nothing" test -z "$out"
printf 'tid,amount,currency,amount,timestamp\n' >"$tmp/dup.csv"
expect_status "a duplicated column stops the run" 2 run "$d/rules.cbr" --input "$tmp/dup.csv"
check "the duplicated column is named" contains "$err" "dup.csv:1: error: column 4 \`amount\` repeats column 2"
printf '%s\nshort,u1,20.00\n%s\n' "$h" "$good" >"$tmp/short.csv"
expect_status "a record with too few fields is rejected" 3 run "$d/rules.cbr" --input "$tmp/short.csv"
check "the field count is named" contains "$err" "short.csv:2: error: record has 3 fields, the header has 8"

printf '' >"$tmp/empty.csv"
expect_status "an empty file is no error" 0 run "$d/rules.cbr" --input "$tmp/empty.csv"
finish
