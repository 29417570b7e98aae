#!/bin/sh
# test.sh: the whole test suite, as CI runs it.  Builds (installing what is
# missing), runs `make check` in _build/, again in _build-san/ under
# AddressSanitizer and UBSan, the threaded tests in _build-tsan/ under
# ThreadSanitizer, then `make distcheck` and a fuzzing smoke test
# (`make fuzz`, FUZZ_TIME seconds per target, 60 by default), with memcheck
# over the tests (scripts/valgrind.sh) when CBR_VALGRIND=1, and closes with
# one line `N passed, N failed` summed over every test of the three builds, plus
# one each for distcheck, fuzzing and valgrind when it ran.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)
status=0
TSAN_TESTS="tests/unit/check_store tests/unit/check_pool tests/embed.sh tests/jobs.sh"

scripts/setup.sh --build-only || { echo "test: the build failed"; echo "0 passed, 1 failed"; exit 1; }

check_in() {
    dir=$1
    shift
    mkdir -p "$dir"
    (
        cd "$dir" || exit 1
        if [ ! -f Makefile ] || [ ../configure -nt config.status ]; then
            ../configure --enable-werror "$@" >configure.out 2>&1 || { cat configure.out; exit 1; }
        fi
        make -j"$jobs" >/dev/null && make -j"$jobs" check
    )
    rc=$?
    if [ $rc -ne 0 ]; then
        status=1
        # Show what failed, in full, so a CI log is enough to act on.
        for trs in $(grep -l -E '^:test-result: (FAIL|ERROR|XPASS)' "$dir"/tests/*.trs "$dir"/tests/*/*.trs 2>/dev/null); do
            echo "---- ${trs%.trs}.log"
            cat "${trs%.trs}.log"
        done
    fi
}

echo "==== make check"
check_in _build
echo "==== make check under AddressSanitizer and UBSan"
check_in _build-san --enable-sanitizers
# The threaded tests (a store shared by two threads, the two-thread
# embedding example) once more under ThreadSanitizer.
echo "==== the threaded tests under ThreadSanitizer"
mkdir -p _build-tsan
(
    cd _build-tsan || exit 1
    if [ ! -f Makefile ] || [ ../configure -nt config.status ]; then
        ../configure --enable-werror --enable-tsan >configure.out 2>&1 || { cat configure.out; exit 1; }
    fi
    make -j"$jobs" >/dev/null && make -j"$jobs" check TESTS="$TSAN_TESTS"
) || {
    status=1
    for trs in $(grep -l -E '^:test-result: (FAIL|ERROR|XPASS)' _build-tsan/tests/*.trs _build-tsan/tests/*/*.trs 2>/dev/null); do
        echo "---- ${trs%.trs}.log"
        cat "${trs%.trs}.log"
    done
}
echo "==== make distcheck"
(cd _build && make -j"$jobs" distcheck >distcheck.out 2>&1) || {
    status=1
    tail -n 60 _build/distcheck.out
    echo "distcheck failed"
}

# Memcheck over every test takes the better part of an hour on two cores,
# longer than the rest together: CBR_VALGRIND=1 adds it (see
# doc/robustness.md for the last full run).
valgrind_rc=0
if [ "${CBR_VALGRIND:-0}" = 1 ]; then
    echo "==== valgrind over the tests of _build"
    scripts/valgrind.sh _build >_build/valgrind.out 2>&1
    valgrind_rc=$?
    tail -n 40 _build/valgrind.out
    [ $valgrind_rc -eq 0 ] || { status=1; echo "valgrind found errors or leaks"; }
fi

# Any crash, sanitizer report, leak or broken invariant fails the run; the
# input that caused it is left in _build/fuzz/crash/.
echo "==== make fuzz (${FUZZ_TIME:-60} s per target)"
(cd _build && make fuzz FUZZ_TIME="${FUZZ_TIME:-60}")
fuzz_rc=$?
[ $fuzz_rc -eq 0 ] || { status=1; echo "fuzzing failed"; }

trs="_build/tests/*.trs _build/tests/*/*.trs _build-san/tests/*.trs _build-san/tests/*/*.trs"
trs="$trs _build-tsan/tests/*.trs _build-tsan/tests/*/*.trs"
# shellcheck disable=SC2086
pass=$(cat $trs 2>/dev/null | grep -c '^:test-result: PASS')
# shellcheck disable=SC2086
fail=$(cat $trs 2>/dev/null | grep -c -E '^:test-result: (FAIL|ERROR|XPASS)')
[ -f _build/distcheck.out ] && grep -q 'archives ready for distribution' _build/distcheck.out &&
    pass=$((pass + 1)) || fail=$((fail + 1))
if [ $fuzz_rc -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
if [ "${CBR_VALGRIND:-0}" = 1 ]; then
    if [ $valgrind_rc -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
fi
[ "$fail" -eq 0 ] || status=1
echo "$pass passed, $fail failed"
exit $status
