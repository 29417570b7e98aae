#!/bin/sh
# ledger.sh: the award ledger through cbrc run: the worked example of
# doc/semantics.md (section 7, example 10) from source and from a bundle,
# the rejects of duplicates and bad refunds, and the keys of award lines.
. "$(dirname "$0")/lib.sh"
doc="$CBR_SRCDIR/doc/semantics.md"
# The example's blocks in order: rules, transactions, the command with its
# output, the messages on stderr.
awk 'BEGIN { n = 0 } /^### Example 10/ { on = 1; next } on && /^##/ { on = 0 }
     on && /^```/ { if (inb) { inb = 0; n++ } else inb = 1; next }
     on && inb { print > (dir "/block" n) }' dir="$tmp" "$doc"
cp "$tmp/block0" "$tmp/tenth.cbr"
cp "$tmp/block1" "$tmp/refunds.csv"
sed 1d "$tmp/block2" >"$tmp/want"
check "the document's example has rules, transactions, output and messages" test -s "$tmp/want" -a -s "$tmp/block3"
cd "$tmp" || exit 1
expect_status "a run with rejected refunds and duplicates exits 3" 3 run tenth.cbr --input refunds.csv --rejects rej.csv
check "the worked example prints what the document shows" test "$out" = "$(cat want)"
check "the rejects are reported as the document shows" test "$err" = "$(cat block3)"
check "--rejects keeps the header and the two records" test "$(cat rej.csv)" = "tid,kind,original_tid,user_id,amount,currency,timestamp
r3,refund,p2,,30.01,USD,2026-03-04T10:00:00Z
p1,,,ann,40.00,USD,2026-02-20T10:00:00Z"
run_cbrc compile tenth.cbr -o tenth.cbrx
expect_status "from the bundle" 3 run tenth.cbrx --input refunds.csv
check "from the bundle it prints the same" test "$out" = "$(cat want)"
expect_status "batches of one row" 3 run tenth.cbr --input refunds.csv --batch 1
check "batches of one row print the same" test "$out" = "$(cat want)"

# JSON Lines: the same records, a kind of another value is unreadable.
printf '%s\n' '{"tid":"p1","user_id":"ann","amount":"40.00","currency":"USD","timestamp":"2026-02-20T10:00:00Z"}' \
    '{"tid":"r1","kind":"refund","original_tid":"p1","amount":10.00,"currency":"USD","timestamp":"2026-03-02T10:00:00Z"}' \
    '{"tid":"x1","kind":"return","amount":"1.00","currency":"USD","timestamp":"2026-03-02T10:00:00Z"}' \
    '{"tid":"x2","kind":"refund","amount":"1.00","currency":"USD","timestamp":"2026-03-02T10:00:00Z"}' >refunds.jsonl
expect_status "JSON Lines with a bad kind exits 3" 3 run tenth.cbr --input refunds.jsonl
check "JSON Lines: the award and its reversal" test "$out" = '{"tid":"p1","offer":"tenth","cashback":"4.00","currency":"USD","event":"award","award_id":"p1/tenth","user_id":"ann","campaign":null}
{"tid":"r1","offer":"tenth","cashback":"-1.00","currency":"USD","event":"reversal","original_tid":"p1","award_id":"p1/tenth","user_id":"ann","campaign":null}'
check "a kind of another value is unreadable" contains "$err" 'refunds.jsonl:3: error: field `kind`: `return` is not a record kind (purchase or refund)'
check "a refund needs its original_tid" contains "$err" 'refunds.jsonl:4: error: a refund needs `original_tid`'

# Award lines name the campaign; ids never collide.
printf 'campaign "spring" { budget 100.00 }\noffer "x/y" { campaign "spring" when amount > 0 then cashback 1.00 }\noffer "y" { when amount > 0 then cashback 2.00 }\n' >ids.cbr
printf 'tid,amount,currency,timestamp\nt1,5.00,USD,2026-03-01T10:00:00Z\nt1/x,5.00,USD,2026-03-01T10:00:00Z\n' >ids.csv
run_cbrc run ids.cbr --input ids.csv
check "ids of tid t1 with offer x/y and tid t1/x with offer y differ" test "$out" = '{"tid":"t1","offer":"x/y","cashback":"1.00","currency":"USD","event":"award","award_id":"t1/x\\/y","user_id":null,"campaign":"spring"}
{"tid":"t1","offer":"y","cashback":"2.00","currency":"USD","event":"award","award_id":"t1/y","user_id":null,"campaign":null}
{"tid":"t1/x","offer":"x/y","cashback":"1.00","currency":"USD","event":"award","award_id":"t1\\/x/x\\/y","user_id":null,"campaign":"spring"}
{"tid":"t1/x","offer":"y","cashback":"2.00","currency":"USD","event":"award","award_id":"t1\\/x/y","user_id":null,"campaign":null}'
finish
