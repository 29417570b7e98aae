#!/bin/sh
# acceptance.sh: the public acceptance cases (../shared/acceptance beside the
# checkout) through their own runner: one TAP result per category, so a
# regression names what broke.  Every category must pass in full.  Skipped
# where the folder is absent (a release tarball, for instance).
. "$(dirname "$0")/lib.sh"
acc="$CBR_SRCDIR/../shared/acceptance"
if [ ! -f "$acc/run.py" ] || ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # SKIP no ../shared/acceptance or no python3"
    exit 0
fi
python3 "$acc/run.py" --cbrc "$CBRC" --cases "$acc/cases" --jobs 2 --show 1000 >"$tmp/acc" 2>&1
# The summary lines read "  category   passed/total   (n failed)".
grep -E '^  [a-z-]+ +[0-9]+/[0-9]+' "$tmp/acc" >"$tmp/cats"
[ -s "$tmp/cats" ] || not_ok "the runner printed its summary" "$(tail -n 20 "$tmp/acc")"
while read -r cat counts rest; do
    pass=${counts%/*}
    total=${counts#*/}
    if [ "$pass" = "$total" ]; then
        ok "acceptance $cat: $counts"
    else
        not_ok "acceptance $cat: $counts" "$(grep -A3 "\[$cat\]" "$tmp/acc" | head -n 40)"
    fi
done <"$tmp/cats"
echo "# $(tail -n 1 "$tmp/acc")"
finish
