#!/bin/sh
# examples.sh: every file in rules-examples/ checks clean, alone and all together
# (they are run together by users, so ids and names must not collide), and
# running them all over the bundled transactions gives the awards recorded in
# transactions.expected.jsonl (its one bad record, t13, is rejected).
. "$(dirname "$0")/lib.sh"
# Clean: the one line of counts, with no diagnostic before it.
clean() { [ "$rc" -eq 0 ] && case "$err" in "checked "*", 0 errors, 0 warnings") ! contains "$err" "
" ;; *) false ;; esac; }
for f in "$CBR_SRCDIR"/rules-examples/*.cbr; do
    run_cbrc check "$f"
    if clean; then ok "check $(basename "$f")"
    else not_ok "check $(basename "$f")" "exit $rc: $err"; fi
done
run_cbrc check "$CBR_SRCDIR"/rules-examples/*.cbr
if clean; then ok "check all examples together"
else not_ok "check all examples together" "exit $rc: $err"; fi
ex="$CBR_SRCDIR/rules-examples"
run_cbrc test "$ex"/*.cbr
check "the examples' test blocks all pass" test "$rc" -eq 0
check "the examples' tests are counted" contains "$out" " passed, 0 failed"
run_cbrc run "$ex"/*.cbr --input "$ex/transactions.csv"
check "run the examples: status 3 for the one bad record" test "$rc" -eq 3
check "run the examples: the recorded awards" test "$core" = "$(cat "$ex/transactions.expected.jsonl")"
check "run the examples: the bad record is named" contains "$err" "transactions.csv:14: error: field \`amount\`"
finish
