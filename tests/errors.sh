#!/bin/sh
# errors.sh: golden tests for the diagnostics of `cbrc check`.
#
# For every tests/errors/NAME.cbr this runs `$CBRC check NAME.cbr` inside
# tests/errors (so messages say `NAME.cbr:LINE:COL: ...`), and compares its
# standard error followed by a last line `exit: STATUS` with NAME.expected.
# Standard output must be empty. Results are printed as TAP; the script exits
# with status 1 when a case fails.
#
# A case without a .expected file is reported as skipped: it shows a
# diagnostic that is known to be wrong and waits for a compiler fix.
#
# Environment (set by `make check`; the defaults suit a build in _build):
#   CBRC        the cbrc program       (default: $CBR_SRCDIR/_build/cbrc)
#   CBR_SRCDIR  the source tree        (default: the parent of this script's folder)
#
#   tests/errors.sh NAME.cbr...        run only the named cases
#
# Maintainers:
#   tests/errors.sh --regen            rewrite every existing .expected file
#   tests/errors.sh --regen NAME.cbr...  write (or create) the .expected of
#                                      the named cases only
# Read the new output before committing it (git diff tests/errors): the
# line:column must point at the right token and the message must make sense.

CBR_SRCDIR=${CBR_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
CBR_SRCDIR=$(cd "$CBR_SRCDIR" && pwd) || { echo "Bail out! no folder $CBR_SRCDIR"; exit 1; }
CBRC=${CBRC:-$CBR_SRCDIR/_build/cbrc}
case $CBRC in
/*) ;;
*/*) CBRC=$(pwd)/$CBRC ;; # relative path: we cd below
esac
LC_ALL=C
export LC_ALL

regen=0
if [ "${1-}" = "--regen" ]; then
    regen=1
    shift
fi

dir=$CBR_SRCDIR/tests/errors
cd "$dir" || { echo "Bail out! no folder $dir"; exit 1; }

if [ ! -x "$CBRC" ] && ! command -v "$CBRC" >/dev/null 2>&1; then
    echo "Bail out! cbrc not found at $CBRC (set CBRC)"
    exit 1
fi

tmp=${TMPDIR:-/tmp}/cbr-errors.$$
rm -rf "$tmp"
mkdir "$tmp" || { echo "Bail out! cannot create $tmp"; exit 1; }
trap 'rm -rf "$tmp"' 0
trap 'exit 1' 1 2 3 15

# A hung compiler fails its case instead of hanging the suite.
if command -v timeout >/dev/null 2>&1; then
    run_cbrc() { timeout 60 "$CBRC" "$@"; }
else
    run_cbrc() { "$CBRC" "$@"; }
fi

# Run one case; leaves its stdout in $tmp/out and stderr + exit line in $tmp/actual.
run_case() {
    run_cbrc check "$1" >"$tmp/out" 2>"$tmp/err"
    status=$?
    { cat "$tmp/err"; echo "exit: $status"; } >"$tmp/actual"
}

if [ "$regen" = 1 ]; then
    if [ $# -gt 0 ]; then
        cases=$*
    else
        cases=
        for e in *.expected; do
            [ -f "$e" ] && cases="$cases ${e%.expected}.cbr"
        done
    fi
    rc=0
    for f in $cases; do
        f=${f##*/}
        case $f in *.cbr) ;; *) f=$f.cbr ;; esac
        if [ ! -f "$f" ]; then
            echo "no such case: $f" >&2
            rc=1
            continue
        fi
        run_case "$f"
        cp "$tmp/actual" "${f%.cbr}.expected"
        echo "wrote tests/errors/${f%.cbr}.expected ($(tail -n 1 "$tmp/actual"))"
    done
    exit $rc
fi

if [ $# -gt 0 ]; then
    cases=
    for f in "$@"; do
        f=${f##*/}
        case $f in *.cbr) ;; *) f=$f.cbr ;; esac
        cases="$cases $f"
    done
else
    cases=$(ls ./*.cbr 2>/dev/null | sed 's|^\./||')
fi

n=0
for f in $cases; do
    n=$((n + 1))
done
echo "1..$n"

k=0
failed=0
for f in $cases; do
    k=$((k + 1))
    name=${f%.cbr}
    if [ ! -f "$f" ]; then
        echo "not ok $k - $name"
        echo "# no such file: tests/errors/$f"
        failed=$((failed + 1))
        continue
    fi
    if [ ! -f "$name.expected" ]; then
        echo "ok $k - $name # SKIP no $name.expected: known compiler problem, see tests/errors/README.md"
        continue
    fi
    run_case "$f"
    if [ -s "$tmp/out" ]; then
        echo "not ok $k - $name"
        echo "# cbrc check wrote to standard output:"
        head -n 20 "$tmp/out" | sed 's/^/# /'
        failed=$((failed + 1))
    elif cmp -s "$name.expected" "$tmp/actual"; then
        echo "ok $k - $name"
    else
        echo "not ok $k - $name"
        diff -u "$name.expected" "$tmp/actual" | head -n 60 | cut -c 1-300 | sed 's/^/# /'
        failed=$((failed + 1))
    fi
done

[ "$failed" -eq 0 ]
