#!/bin/sh
# rewards.sh: rewards written as money expressions, end to end through
# cbrc: the worked example of doc/semantics.md (section 7, example 8) run
# from source and from a bundle must print what the document shows; then
# explain, disasm and fmt on the same rules.
. "$(dirname "$0")/lib.sh"
doc="$CBR_SRCDIR/doc/semantics.md"
# The example's blocks in order: its rules, its transactions, and the
# command with its output.
awk 'BEGIN { n = 0 } /^### Example 8/ { on = 1; next } on && /^##/ { on = 0 }
     on && /^```/ { if (inb) { inb = 0; n++ } else inb = 1; next }
     on && inb { print > (dir "/block" n) }' dir="$tmp" "$doc"
cp "$tmp/block0" "$tmp/tiered.cbr"
cp "$tmp/block1" "$tmp/tiered.csv"
sed 1d "$tmp/block2" >"$tmp/want"
check "the document's example has rules, transactions and output" test -s "$tmp/want"
run_cbrc run "$tmp/tiered.cbr" --input "$tmp/tiered.csv"
check "the worked example prints what the document shows" test "$core" = "$(cat "$tmp/want")"
run_cbrc compile "$tmp/tiered.cbr" -o "$tmp/tiered.cbrx"
check "the example compiles to a bundle" test "$rc" -eq 0
run_cbrc run "$tmp/tiered.cbrx" --input "$tmp/tiered.csv"
check "from the bundle it prints the same" test "$core" = "$(cat "$tmp/want")"

run_cbrc explain "$tmp/tiered.cbr" --input "$tmp/tiered.csv" --tid x4
check "explain names the expression as written and the cap" \
    contains "$out" "tiered: awarded 10.00 USD: clause 1 (line 3) pays \`cashback min(amount, 50.00) * 1% + min(max(amount - 50.00, 0.00), 150.00) * 2% + max(amount - 200.00, 0.00) * 3% up to 10.00\`, rounded half-up, capped at 10.00"
printf 'tid,user_id,amount,currency,merchant,timestamp\nn1,u1,10.00,EUR,Volt,2026-05-04T12:00:00Z\n' >"$tmp/eur.csv"
printf 'offer "usd-only" { when amount > 0 then cashback amount * 1%% + 1.00 USD }\n' >"$tmp/usd.cbr"
run_cbrc explain "$tmp/usd.cbr" --input "$tmp/eur.csv" --tid n1
check "explain says why an expression paid nothing" \
    contains "$out" "\`cashback amount * 1% + 1.00 USD\` is unknown, or comes to zero or less, for this transaction"

run_cbrc disasm "$tmp/tiered.cbrx"
check "disasm lists the reward's text and register" \
    contains "$out" "; clause 0 (line 3): cashback min(amount, 50.00) * 1% + min(max(amount - 50.00, 0.00), 150.00) * 2% + max(amount - 200.00, 0.00) * 3% up to 10.00 (r"

printf 'offer "o" { when amount > 0 then cashback min(amount,50.00)*1%%+(amount-50.00)*2%% up to amount*5%% }\n' >"$tmp/messy.cbr"
run_cbrc fmt "$tmp/messy.cbr"
check "fmt lays out a reward expression as any expression" \
    test "$out" = 'offer "o" {
    when amount > 0 then cashback min(amount, 50.00) * 1% + (amount - 50.00) * 2% up to amount * 5%
}'
finish
