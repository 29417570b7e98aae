# lib.sh: TAP helpers for the shell tests (sourced, not run).
# CBRC and CBR_SRCDIR come from the harness (Makefile.am); the defaults let a
# test run by hand from a build directory.
CBR_SRCDIR=${CBR_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
CBRC=${CBRC:-$CBR_SRCDIR/_build/cbrc}
tap_n=0
tap_failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cbr-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# While tap_todo is set (to the reason), a failure is reported as a TAP
# TODO, which does not fail the suite (see tests/acceptance-pending).
tap_todo=""
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }
not_ok() {
    tap_n=$((tap_n + 1))
    if [ -n "$tap_todo" ]; then
        echo "not ok $tap_n - $1 # TODO $tap_todo"
    else
        tap_failed=$((tap_failed + 1))
        echo "not ok $tap_n - $1"
    fi
    [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/# /'
    return 0
}
# check NAME CONDITION-COMMAND...: ok when the command succeeds.
check() {
    name=$1
    shift
    if "$@"; then ok "$name"; else not_ok "$name"; fi
}
# core_awards: award lines with the ledger's keys of a plain award (event,
# award_id, user_id, campaign) taken off, leaving the four keys the tests
# of which awards are made compare; any other line (a reversal, a pending
# award) is left whole.  tests/ledger.sh checks those keys.
core_awards() {
    sed -E 's/,"event":"award","award_id":"([^"\\]|\\.)*","user_id":(null|"([^"\\]|\\.)*"),"campaign":(null|"([^"\\]|\\.)*")\}$/}/'
}
# run_cbrc ARGS...: runs cbrc, leaving $out, $err and $rc, and $core:
# $out through core_awards.
run_cbrc() {
    "$CBRC" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    out=$(cat "$tmp/out")
    err=$(cat "$tmp/err")
    core=$(core_awards <"$tmp/out")
}
# counters FILE: the counters of a --state database as KEY<TAB>VALUE lines,
# sorted by key (the first part of `cbrc state FILE --dump`).
counters() {
    "$CBRC" state "$1" --dump | sed -n '/^# counters/,/^# ledger/{/^#/d;p;}'
}
# expect_status NAME WANT ARGS...
expect_status() {
    name=$1
    want=$2
    shift 2
    run_cbrc "$@"
    if [ "$rc" -eq "$want" ]; then ok "$name"; else not_ok "$name" "exit $rc, expected $want; stderr: $err"; fi
}
# pending CASE: the issue that builds an acceptance case's constructs, or
# nothing when the case is expected to pass (tests/acceptance-pending).
pending() {
    awk -v c="$1" '$1 == c { w = $3; for (i = 4; i <= NF; i++) w = w " " $i; print "issue " $2 ": " w }' \
        "$CBR_SRCDIR/tests/acceptance-pending"
}
contains() { case "$1" in *"$2"*) return 0 ;; esac; return 1; }
finish() {
    echo "1..$tap_n"
    [ "$tap_failed" -eq 0 ]
    exit $?
}
