#!/bin/sh
# tables.sh: tables read from real CSV files, end to end.  A good file with
# everything RFC 4180 allows (a BOM, CRLF, quoted commas, doubled quotes, a
# quoted newline, a blank line) and a decomposed key that matches its NFC
# form; bad files refused with FILE:LINE; a bundle that runs with its CSV
# files gone; and disasm, test --coverage, run --summary and explain on a
# program with tables.
. "$(dirname "$0")/lib.sh"
in="$CBR_SRCDIR/tests/tables-inputs"

expected='{"tid":"t1","offer":"promo","cashback":"3.00","currency":"USD"}
{"tid":"t1","offer":"rate","cashback":"1.00","currency":"USD"}
{"tid":"t1","offer":"vip","cashback":"2.00","currency":"USD"}
{"tid":"t3","offer":"vip","cashback":"2.00","currency":"USD"}
{"tid":"t4","offer":"promo","cashback":"3.00","currency":"USD"}
{"tid":"t4","offer":"rate","cashback":"1.00","currency":"USD"}
{"tid":"t5","offer":"rate","cashback":"1.00","currency":"USD"}'

run_cbrc check "$in/good.cbr"
check "good tables check clean" test "$rc" -eq 0
run_cbrc run "$in/good.cbr" --input "$in/tx.csv"
check "lookups in good tables award" test "$core" = "$expected"

# The bundle carries its tables: the CSV files are not needed to run it.
mkdir -p "$tmp/b"
cp "$in/good.cbr" "$in"/*.csv "$tmp/b/"
run_cbrc compile "$tmp/b/good.cbr" -o "$tmp/good.cbrx"
check "compile a program with tables" test "$rc" -eq 0
rm "$tmp/b/good.csv" "$tmp/b/vip.csv" "$tmp/b/promo.csv"
run_cbrc run "$tmp/good.cbrx" --input "$in/tx.csv"
check "the bundle runs without its CSV files" test "$rc" -eq 0 -a "$core" = "$expected"
run_cbrc check "$tmp/b/good.cbr"
check "the source without its CSV file is refused" test "$rc" -eq 1
check "the missing file is named" contains "$err" "cannot open table file $tmp/b/good.csv"

run_cbrc disasm "$tmp/good.cbrx"
check "disasm names the table of TGET" contains "$out" "TGET       r"
check "disasm names the table of FTIN" contains "$out" "in vip"
check "disasm: merchant_rate[...]" contains "$out" "merchant_rate[r"

run_cbrc run "$in/good.cbr" --input "$in/tx.csv" --summary
check "run --summary with tables" test "$rc" -eq 0
run_cbrc explain "$in/good.cbr" --input "$in/tx.csv" --tid t2
check "explain names the set a key is not in" contains "$out" "user_id \"u2\" is not in vip"
check "explain names a lookup that was too small" contains "$out" "merchant_rate[merchant] was 0.02"
run_cbrc explain "$in/good.cbr" --input "$in/tx.csv" --tid t3
check "explain names a missing key" contains "$out" "promo_end[mcc] was missing"

run_cbrc test --coverage "$CBR_SRCDIR/rules-examples/merchant-table.cbr"
check "test --coverage over a table program" test "$rc" -eq 0
check "test --coverage counts its conditions" contains "$out$err" "6 of 6 conditions seen both true and false"

# Bad files: each refused, naming FILE:LINE.
for c in "unclosed:unclosed.csv:2: a quoted field is not closed" \
         "currency:currency.csv:2: value \"0.05 USD\" is not a decimal" \
         "dupset:dupset.csv:3: duplicate key \"u1\" in table \`t\`"; do
    name=${c%%:*}
    want=${c#*:}
    run_cbrc check "$in/$name.cbr"
    check "bad table file $name.csv is refused" test "$rc" -eq 1
    check "bad table file $name.csv: $want" contains "$err" "$want"
done
finish
