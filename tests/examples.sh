#!/bin/sh
# examples.sh: every file in rules-examples/ checks clean, alone and all together
# (they are run together by users, so ids and names must not collide).
. "$(dirname "$0")/lib.sh"
for f in "$CBR_SRCDIR"/rules-examples/*.cbr; do
    run_cbrc check "$f"
    if [ "$rc" -eq 0 ] && [ -z "$err" ]; then ok "check $(basename "$f")"
    else not_ok "check $(basename "$f")" "exit $rc: $err"; fi
done
run_cbrc check "$CBR_SRCDIR"/rules-examples/*.cbr
if [ "$rc" -eq 0 ] && [ -z "$err" ]; then ok "check all examples together"
else not_ok "check all examples together" "exit $rc: $err"; fi
finish
