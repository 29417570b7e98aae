#!/bin/sh
# test.sh: the whole test suite, as CI runs it.  Builds (installing what is
# missing), runs `make check` in _build/, again in _build-san/ under
# AddressSanitizer and UBSan, then `make distcheck`, and closes with one line
# `N passed, N failed` summed over every test of both builds.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)
status=0

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
echo "==== make distcheck"
(cd _build && make -j"$jobs" distcheck >distcheck.out 2>&1) || {
    status=1
    tail -n 60 _build/distcheck.out
    echo "distcheck failed"
}

pass=$(cat _build/tests/*.trs _build/tests/*/*.trs _build-san/tests/*.trs _build-san/tests/*/*.trs 2>/dev/null |
    grep -c '^:test-result: PASS')
fail=$(cat _build/tests/*.trs _build/tests/*/*.trs _build-san/tests/*.trs _build-san/tests/*/*.trs 2>/dev/null |
    grep -c -E '^:test-result: (FAIL|ERROR|XPASS)')
[ -f _build/distcheck.out ] && grep -q 'archives ready for distribution' _build/distcheck.out &&
    pass=$((pass + 1)) || fail=$((fail + 1))
[ "$fail" -eq 0 ] || status=1
echo "$pass passed, $fail failed"
exit $status
