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
    check "run $fmt: the awards" test "$core" = "$(cat "$d/expected.jsonl")"
done
run_cbrc run "$d/rules.cbr" --input "$d/tx.csv"
check "a bad record is reported as FILE:LINE: error:" contains "$err" "tx.csv:4: error: field \`amount\`: \`12.3.4\` is not a decimal number"
check "the quoted amount is reported on its line" contains "$err" "tx.csv:5: error: field \`amount\`: \`1,000.00\`"
run_cbrc run "$d/rules.cbr" --input "$d/tx.jsonl"
check "a broken JSON line is reported on its line" contains "$err" "tx.jsonl:3: error:"

expect_status "run with --output and --rejects" 3 run "$d/rules.cbr" --input "$d/tx.csv" \
    --output "$tmp/awards.jsonl" --rejects "$tmp/rejects.csv"
check "nothing on stdout with --output" test -z "$out"
check "--output holds the awards" test "$(core_awards <"$tmp/awards.jsonl")" = "$(cat "$d/expected.jsonl")"
check "--rejects keeps the header and the raw records" test "$(cat "$tmp/rejects.csv")" = \
"tid,user_id,amount,currency,merchant,mcc,tier,timestamp
t3,u2,12.3.4,USD,Merchant X,5411,gold,2026-03-13T16:00:00Z
t4,u2,\"1,000.00\",USD,Shop,5411,gold,2026-03-14T01:00:00Z"

expect_status "batches of one row carry limits and budgets across batches" 3 \
    run "$d/rules.cbr" --input "$d/tx.csv" --batch 1
check "batches of one row give the same awards" test "$core" = "$(cat "$d/expected.jsonl")"

# --state: the second day's run starts from the first day's counters.  The
# next day's purchases (the same, under new tids) find friday-x used for u1
# and u3 that day and the campaign's 5.00 spent, so only x-everyday pays:
# 1% of 20.00, 50.00, 100.
expect_status "run with a new --state file" 3 run "$d/rules.cbr" --input "$d/tx.csv" --state "$tmp/state"
check "the state file is a database" test "$(head -c 15 "$tmp/state")" = "SQLite format 3"
check "the state holds the counters" test "$(counters "$tmp/state")" = "$(printf 'c|spring|USD\t500\nn|friday-x|u1|d2026-03-13\t1\nn|friday-x|u3|d2026-03-13\t1')"
sed '2,$s/^t/n/' "$d/tx.csv" >"$tmp/tx-next.csv"
expect_status "run again with that state" 3 run "$d/rules.cbr" --input "$tmp/tx-next.csv" --state "$tmp/state"
check "limits and budgets carry over" test "$core" = \
'{"tid":"n1","offer":"x-everyday","cashback":"0.20","currency":"USD"}
{"tid":"n2","offer":"x-everyday","cashback":"0.50","currency":"USD"}
{"tid":"n5","offer":"x-everyday","cashback":"1","currency":"JPY"}'
cp "$tmp/state" "$tmp/state.before"
expect_status "the same file again: every record is a duplicate" 3 run "$d/rules.cbr" --input "$tmp/tx-next.csv" --state "$tmp/state"
check "... nothing is paid twice" test -z "$out"
check "... each named at its line" contains "$err" "tx-next.csv:2: error: duplicate transaction n1: already in the ledger"
check "... and the counters did not move" test "$(counters "$tmp/state")" = "$(counters "$tmp/state.before")"

# A text state of an older cbrc is converted once, the text kept beside.
printf 'c|spring|USD\t500\nn|friday-x|u1|d2026-03-13\t1\nn|friday-x|u3|d2026-03-13\t1\n' >"$tmp/old"
expect_status "an older text state is read" 3 run "$d/rules.cbr" --input "$tmp/tx-next.csv" --state "$tmp/old"
check "... converted, with a message" contains "$err" "cbrc: $tmp/old: converted the text state of an older cbrc to a database (the text is kept as $tmp/old.txt)"
check "... with its counters carried" test "$core" = \
'{"tid":"n1","offer":"x-everyday","cashback":"0.20","currency":"USD"}
{"tid":"n2","offer":"x-everyday","cashback":"0.50","currency":"USD"}
{"tid":"n5","offer":"x-everyday","cashback":"1","currency":"JPY"}'
check "... the text kept" test "$(cat "$tmp/old.txt")" = "$(printf 'c|spring|USD\t500\nn|friday-x|u1|d2026-03-13\t1\nn|friday-x|u3|d2026-03-13\t1')"
check "... and the database in its place" test "$(head -c 15 "$tmp/old")" = "SQLite format 3"
check "... the same counters as a state that was a database all along" test "$(counters "$tmp/old")" = "$(counters "$tmp/state")"
printf 'n|x|u1|-\t1\nbroken\n' >"$tmp/badstate"
expect_status "a malformed state file is refused" 2 run "$d/rules.cbr" --input "$d/tx.csv" --state "$tmp/badstate"
check "the bad line is named" contains "$err" "badstate:2: error: expected KEY<TAB>NUMBER"
check "no awards are printed from a bad state" test -z "$out"
# A counter that cannot be right is refused whole: a negative spend once
# made a 10.00 budget show 1003.99 left, a wrapped sum made it unlimited.
printf 'c|spring|USD\t-99999\n' >"$tmp/negstate"
cp "$tmp/negstate" "$tmp/negstate.before"
expect_status "a negative counter in the state is refused" 2 run "$d/rules.cbr" --input "$d/tx.csv" --state "$tmp/negstate"
check "the negative line is named" contains "$err" "negstate:1: error: a counter cannot be negative"
check "the refused state file is left as it was" cmp -s "$tmp/negstate" "$tmp/negstate.before"
printf 'c|spring|USD\t9223372036854775807\nc|spring|USD\t1\n' >"$tmp/bigstate"
expect_status "a sum past 64 bits in the state is refused" 2 run "$d/rules.cbr" --input "$d/tx.csv" --state "$tmp/bigstate"
check "the line that would wrap is named" contains "$err" "bigstate:2: error: the counter would pass 9223372036854775807"

expect_status "compile writes a bundle" 0 compile "$d/rules.cbr" -o "$tmp/rules.cbrx"
expect_status "run the bundle" 3 run "$tmp/rules.cbrx" --input "$d/tx.csv"
check "the bundle gives the same awards" test "$core" = "$(cat "$d/expected.jsonl")"
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
printf '{"tid":"t1","amount":"5.00","currency":"USD"}\n' >"$tmp/notime.jsonl"
expect_status "a record without its timestamp is rejected" 3 run "$d/rules.cbr" --input "$tmp/notime.jsonl"
check "the missing field is named" contains "$err" "notime.jsonl:1: error: missing required field \`timestamp\`"
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
# ---- headers that cannot work: one error at the header, status 2 ----
printf 'tid,amount,currency\nt1,5.00,USD\nt2,6.00,USD\n' >"$tmp/notime.csv"
expect_status "a header without a required column stops the run" 2 run "$d/rules.cbr" --input "$tmp/notime.csv"
check "the header error names the column, once" test "$err" = \
    "$tmp/notime.csv:1: error: the header has no \`timestamp\` column; no record of the file was read"
printf 'tid;amount;currency;timestamp\nt1;5.00;USD;2026-03-13T15:00:00Z\nt2;5.00;USD;2026-03-13T15:00:00Z\n' >"$tmp/semi.csv"
expect_status "a header separated by ; stops the run" 2 run "$d/rules.cbr" --input "$tmp/semi.csv" --rejects "$tmp/semi.rej"
check "the ; header is named once, with the separator" test "$err" = \
    "$tmp/semi.csv:1: error: the header has no \`tid\`, \`amount\`, \`currency\`, \`timestamp\` columns; its columns are separated by \`;\`, and cbrc reads commas (RFC 4180); no record of the file was read"
printf '\177ELF\002\001\001\003\004\nab\005\001,\002\n\003\n' >"$tmp/binary.csv"
expect_status "binary garbage stops the run" 2 run "$d/rules.cbr" --input "$tmp/binary.csv"
check "binary garbage is one error at the header" sh -c 'test "$(printf "%s\n" "$1" | wc -l)" -eq 1 && printf "%s" "$1" | grep -q "binary.csv:1: error: the header has no .* it is not text (byte 0x"' _ "$err"

# ---- empty values: missing, in CSV and JSON Lines alike ----
printf 'tid,user_id,amount,currency,merchant,mcc,timestamp\ne1,,20.00,USD,,,2026-03-13T15:00:00Z\n' >"$tmp/empty.csv"
printf '{"tid":"e1","user_id":"","amount":"20.00","currency":"USD","merchant":"","mcc":"","timestamp":"2026-03-13T15:00:00Z"}\n' >"$tmp/empty.jsonl"
expect_status "empty CSV cells are missing" 0 run "$d/empty.cbr" --input "$tmp/empty.csv"
csv_awards=$out
expect_status "empty JSON strings are missing, \"mcc\":\"\" included" 0 run "$d/empty.cbr" --input "$tmp/empty.jsonl"
check "both formats give the same awards" test "$out" = "$csv_awards"
check "an empty merchant, mcc and user_id are all missing" test "$core" = \
'{"tid":"e1","offer":"no-mcc","cashback":"2.00","currency":"USD"}
{"tid":"e1","offer":"no-merchant","cashback":"1.00","currency":"USD"}
{"tid":"e1","offer":"no-user","cashback":"3.00","currency":"USD"}'

# ---- nested values: skipped where the rules do not read the key ----
printf '%s\n' '{"tid":"n1","amount":"20.00","currency":"USD","merchant":"Merchant X","timestamp":"2026-03-13T15:00:00Z","meta":{"a":[1,{"b":[[[]]]}],"c":{}},"tags":["x"]}' \
    '{"tid":"n2","amount":"20.00","currency":"USD","merchant":{"name":"Merchant X"},"timestamp":"2026-03-13T15:00:00Z"}' >"$tmp/nested.jsonl"
expect_status "a nested value in a key the rules read is a reject" 3 run "$d/rules.cbr" --input "$tmp/nested.jsonl"
check "nested values in unread keys are skipped" contains "$out" '"tid":"n1","offer":"x-everyday"'
check "the read key holding an object is named" contains "$err" "nested.jsonl:2: error: key \`merchant\`: nested objects and arrays are not supported"

# ---- the rejects file keeps an over-long record whole ----
expect_status "an over-long record goes to --rejects" 3 run "$d/rules.cbr" --input "$tmp/long.csv" --rejects "$tmp/long.rej"
head -n 2 "$tmp/long.csv" >"$tmp/long.rej.want"
check "--rejects holds the header and the whole 1.1 MB record" cmp -s "$tmp/long.rej" "$tmp/long.rej.want"

# ---- output paths are checked before any input is read ----
printf 'old awards\n' >"$tmp/keep.jsonl"
expect_status "a --state in a missing directory is refused at the start" 2 \
    run "$d/rules.cbr" --input "$d/tx.csv" --state "$tmp/nodir/state" --output "$tmp/keep.jsonl"
check "the refusal names the path and the reason" contains "$err" "--state $tmp/nodir/state: cannot create files in $tmp/nodir: No such file or directory"
check "nothing was evaluated" sh -c '! printf "%s" "$1" | grep -q "error: field"' _ "$err"
check "the --output file was not truncated" test "$(cat "$tmp/keep.jsonl")" = "old awards"
expect_status "a --rejects under a file is refused at the start" 2 \
    run "$d/rules.cbr" --input "$d/tx.csv" --rejects "$tmp/keep.jsonl/r.csv"
check "... naming the path and the reason" contains "$err" "--rejects $tmp/keep.jsonl/r.csv: Not a directory"
check "... with no awards printed" test -z "$out"
expect_status "an --output that is a directory is refused at the start" 2 \
    run "$d/rules.cbr" --input "$d/tx.csv" --output "$tmp" --rejects "$tmp/new-rejects.csv"
check "... and --rejects is not created" test ! -e "$tmp/new-rejects.csv"
cp "$CBR_SRCDIR/tests/run-inputs/tx.csv" "$tmp/st-tx.csv"
run_cbrc run "$d/rules.cbr" --input "$d/tx.csv" --state "$tmp/st"
cp "$tmp/st" "$tmp/st.before"
expect_status "a bad --output leaves the state file alone" 2 \
    run "$d/rules.cbr" --input "$d/tx.csv" --state "$tmp/st" --output "$tmp/nodir/a.jsonl"
check "... as it was" cmp -s "$tmp/st" "$tmp/st.before"

# ---- a rejects file that cannot be written is an I/O error ----
if [ -w /dev/full ]; then
    expect_status "--rejects /dev/full is status 2" 2 run "$d/rules.cbr" --input "$d/tx.csv" --rejects /dev/full --state "$tmp/st"
    check "... saying why" contains "$err" "cbrc: /dev/full: No space left on device"
    check "... and the state did not move on" cmp -s "$tmp/st" "$tmp/st.before"
fi

# ---- error floods: the first --max-errors, then a tally by reason ----
python3 -c '
print("tid,user_id,amount,currency,timestamp")
for i in range(12000):
    print("f%d,u1,%s,%s,2026-03-13T12:00:00Z" % (i, "20.00" if i % 12 == 0 else "x1", "" if i % 12 == 0 else "USD"))
print("ok1,u1,20.00,USD,2026-03-13T12:00:00Z")' >"$tmp/flood.csv"
expect_status "12,000 bad rows" 3 run "$d/rules.cbr" --input "$tmp/flood.csv" --rejects "$tmp/flood.rej" --summary
check "the first 100 errors and one tally line" test "$(printf '%s\n' "$err" | grep -c 'error:')" -eq 100
check "the tally counts the rest by reason" contains "$err" \
    "flood.csv: ... and 11,900 more rejected records: 10,909 bad amount, 991 missing currency"
check "the summary lists the rejects by reason" contains "$err" "rejected: 11000 bad amount, 1000 missing currency"
check "every bad row is in --rejects" test "$(wc -l <"$tmp/flood.rej")" -eq 12001
run_cbrc run "$d/rules.cbr" --input "$tmp/flood.csv" --summary-format=json --max-errors 3
check "--max-errors 3" test "$(printf '%s\n' "$err" | grep -c 'error:')" -eq 3
check "the JSON summary lists the rejects by reason" contains "$err" '"rejected_by_reason":{"bad amount":11000,"missing currency":1000}'
run_cbrc run "$d/rules.cbr" --input "$tmp/flood.csv" --max-errors 0
check "--max-errors 0 reports them all" test "$(printf '%s\n' "$err" | grep -c 'error:')" -eq 12000
check "... with no tally" sh -c '! grep -q "more rejected" "$1"' _ "$tmp/err"
expect_status "--max-errors takes a number" 2 run "$d/rules.cbr" --input "$tmp/flood.csv" --max-errors lots

# ---- the key cache: records whose keys all differ run in linear time ----
python3 -c '
import sys
n = int(sys.argv[1])
for i in range(n):
    print("{\"tid\":\"k%d\",\"amount\":\"1.00\",\"currency\":\"USD\",\"timestamp\":\"2026-03-13T12:00:00Z\",\"extra_%d\":1}" % (i, i))' 10000 >"$tmp/keys10k.jsonl"
python3 -c '
import sys
n = int(sys.argv[1])
for i in range(n):
    print("{\"tid\":\"k%d\",\"amount\":\"1.00\",\"currency\":\"USD\",\"timestamp\":\"2026-03-13T12:00:00Z\",\"extra_%d\":1}" % (i, i))' 100000 >"$tmp/keys100k.jsonl"
ms() { t0=$(date +%s%N); "$CBRC" run "$d/rules.cbr" --input "$1" >/dev/null 2>&1; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 + 1 )); }
small=$(ms "$tmp/keys10k.jsonl"); big=$(ms "$tmp/keys100k.jsonl")
check "100k records with distinct keys take under 20x the time of 10k (${big} ms, ${small} ms)" \
    test "$big" -lt $((20 * small))

# ---- --summary: an untouched budget is all left, in the text as in the JSON ----
cat >"$tmp/budget.cbr" <<'CBR'
offer "capped" {
    budget 10.00
    when merchant == "nowhere" then cashback 1.00
}
CBR
run_cbrc run "$tmp/budget.cbr" "$d/rules.cbr" --input "$d/tx.csv" --output /dev/null --summary
check "text: an untouched offer budget is all left" sh -c \
    'printf "%s\n" "$1" | grep -Eq "^capped +0 +0 +0 +10.00 of 10.00$"' _ "$err"
run_cbrc run "$d/rules.cbr" --input "$tmp/flood.csv" --output /dev/null --summary --max-errors 1
check "text: an untouched campaign budget is all left, in its currency" sh -c \
    'printf "%s\n" "$1" | grep -Eq "^spring +0 +0 +0 +5.00 of 5.00 USD$"' _ "$err"
run_cbrc run "$d/rules.cbr" --input "$tmp/flood.csv" --output /dev/null --summary-format=json --max-errors 1
check "JSON: the same budget, the same amounts" contains "$err" \
    '"campaigns":[{"id":"spring","awards":0,"cut":0,"customers":0,"customers_estimated":false,"cashback":{},"budget_left":{"USD":{"left":"5.00","total":"5.00"}}}]'

finish
