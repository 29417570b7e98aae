#!/bin/sh
# valgrind.sh: memcheck over the tests of a built tree.  Runs every Check
# suite with CK_FORK=no (so each test runs inside the process valgrind
# watches), then the end-to-end scripts with CBRC pointing at a cbrc that
# runs under valgrind, and fails when any process reports a memory error or
# a definite or indirect leak.  One log per process in BUILDDIR/valgrind/.
#
#   scripts/valgrind.sh [BUILDDIR]      (default: _build)
#
# The build must be a plain one: valgrind cannot run ASan binaries, so a
# tree configured with --enable-sanitizers is refused.  `make check` must
# have built the test programs (or run `make check TESTS=`).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build}" 2>/dev/null && pwd) || { echo "valgrind: no build folder ${1:-$top/_build}" >&2; exit 2; }
command -v valgrind >/dev/null 2>&1 || { echo "valgrind: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
if grep -q '^SAN_CFLAGS = .*-fsanitize' "$build/Makefile" 2>/dev/null; then
    echo "valgrind: $build is built with sanitizers; use a plain build" >&2
    exit 2
fi
[ -x "$build/cbrc" ] || { echo "valgrind: $build/cbrc is not built" >&2; exit 2; }

logs=$build/valgrind
rm -rf "$logs"
mkdir -p "$logs"
VG="valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect --num-callers=40"
run_lt() { "$build/libtool" --mode=execute "$@"; }

CBR_SRCDIR=$top
CBR_BUILDDIR=$build
CK_FORK=no
CK_DEFAULT_TIMEOUT=0
export CBR_SRCDIR CBR_BUILDDIR CK_FORK CK_DEFAULT_TIMEOUT
status=0

echo "== Check suites (CK_FORK=no)"
for t in "$build"/tests/unit/check_*; do
    case $t in *.o | *.log | *.trs) continue ;; esac
    [ -x "$t" ] || continue
    name=$(basename "$t")
    start=$(date +%s)
    run_lt $VG --error-exitcode=1 --log-file="$logs/$name.%p.log" "$t" >"$logs/$name.out" 2>&1
    rc=$?
    printf '%-28s exit %d, %s s\n' "$name" "$rc" "$(($(date +%s) - start))"
    [ $rc -eq 0 ] || status=1
done

echo "== end to end, cbrc under valgrind"
wrap=$logs/cbrc
cat >"$wrap" <<EOF
#!/bin/sh
exec "$build/libtool" --mode=execute $VG --error-exitcode=97 --log-file="$logs/cbrc.%p.log" "$build/cbrc" "\$@"
EOF
chmod +x "$wrap"
CBRC=$wrap
export CBRC
for s in errors examples cli run acceptance; do
    start=$(date +%s)
    sh "$top/tests/$s.sh" >"$logs/$s.tap" 2>&1
    rc=$?
    printf '%-28s exit %d, %s s, %s not ok\n' "tests/$s.sh" "$rc" "$(($(date +%s) - start))" \
        "$(grep -c '^not ok' "$logs/$s.tap")"
    [ $rc -eq 0 ] || status=1
done

# Every process's verdict: "ERROR SUMMARY: 0 errors" counts leaks of the
# kinds above as errors too.
bad=$(grep -L 'ERROR SUMMARY: 0 errors' "$logs"/*.[0-9]*.log 2>/dev/null)
nproc=$(ls "$logs"/*.[0-9]*.log 2>/dev/null | wc -l)
if [ -n "$bad" ]; then
    status=1
    for f in $bad; do
        echo "---- $f"
        sed -n '/== [A-Z].*\(Invalid\|uninitialised\|definitely\|indirectly\|Mismatched\|overlap\)/,/^==[0-9]*== $/p' "$f" | head -n 60
    done
fi
echo "valgrind: $nproc processes, $(echo "$bad" | grep -c .) with errors or leaks"
exit $status
