#!/bin/sh
# acceptance.sh: the public acceptance cases (../shared/acceptance beside the
# checkout) through their own runner: one TAP result per category, so a
# regression names what broke.  Every category must pass in full, but for
# the cases of tests/acceptance-pending, each a TAP TODO of its own.  Skipped
# where the folder is absent (a release tarball, for instance).
. "$(dirname "$0")/lib.sh"
acc="$CBR_SRCDIR/../shared/acceptance"
if [ ! -f "$acc/run.py" ] || ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # SKIP no ../shared/acceptance or no python3"
    exit 0
fi
python3 "$acc/run.py" --cbrc "$CBRC" --cases "$acc/cases" --jobs 2 --show 1000 >"$tmp/acc" 2>&1
# The summary lines read "  category   passed/total   (n failed)"; each
# failure is a line "FAIL [category] CASE: what".
grep -E '^  [a-z-]+ +[0-9]+/[0-9]+' "$tmp/acc" >"$tmp/cats"
[ -s "$tmp/cats" ] || not_ok "the runner printed its summary" "$(tail -n 20 "$tmp/acc")"
# A category passes when every failure in it belongs to a pending case.
while read -r cat counts rest; do
    bad=$(grep -E "^FAIL \[$cat\] " "$tmp/acc" | while read -r _ _ c _; do
        c=${c%:}
        [ -n "$(pending "$c")" ] || echo "$c"
    done)
    held=$(grep -cE "^FAIL \[$cat\] " "$tmp/acc")
    note=""
    [ "$held" -gt 0 ] && note=" ($held in pending cases)"
    if [ -z "$bad" ]; then
        ok "acceptance $cat: $counts$note"
    else
        not_ok "acceptance $cat: $counts" "$(grep -A3 "\[$cat\]" "$tmp/acc" | head -n 40)"
    fi
done <"$tmp/cats"
# Each pending case: a TODO while it fails, an unexpected pass once it works.
for d in "$acc"/cases/*/; do
    c=$(basename "$d")
    why=$(pending "$c")
    [ -n "$why" ] || continue
    if grep -q "^FAIL \[[a-z-]*\] $c:" "$tmp/acc"; then
        echo "not ok $((tap_n += 1)) - acceptance case $c # TODO $why"
    else
        echo "ok $((tap_n += 1)) - acceptance case $c # TODO $why: passes now, remove it from tests/acceptance-pending"
    fi
done
echo "# $(tail -n 1 "$tmp/acc")"
finish
