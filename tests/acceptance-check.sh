#!/bin/sh
# acceptance-check.sh: the public acceptance cases of kind `check` (from
# ../shared/acceptance beside the checkout), through their own runner.
# Skipped where that folder is absent (a release tarball, for instance).
. "$(dirname "$0")/lib.sh"
acc="$CBR_SRCDIR/../shared/acceptance"
if [ ! -f "$acc/run.py" ] || ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # SKIP no ../shared/acceptance or no python3"
    exit 0
fi
python3 "$acc/run.py" --cbrc "$CBRC" --cases "$acc/cases" --filter check --jobs 2 >"$tmp/acc" 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "acceptance check cases: $(tail -n 1 "$tmp/acc")"
else not_ok "acceptance check cases" "$(cat "$tmp/acc")"; fi
finish
