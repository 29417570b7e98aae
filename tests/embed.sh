#!/bin/sh
# embed.sh: the embedding example (doc/embedding.md, contract §3) built as an
# embedder builds it, `cc $(pkg-config --cflags --libs cbr)`, against the
# library of this build tree (cbr-uninstalled.pc, doc/examples/local.mk);
# then run on the example files, in batches of any size, and through a bundle.
#
# From the harness (Makefile.am, doc/examples/local.mk): CBR_SRCDIR,
# CBR_BUILDDIR, CBRC; CBR_CC (configure's compiler, default cc); CBR_SAN_CFLAGS
# and CBR_SAN_LDFLAGS (the sanitizer flags of an --enable-sanitizers build,
# without which the example cannot use a sanitized libcbr); PKG_CONFIG.
. "$(dirname "$0")/lib.sh"
CBR_BUILDDIR=${CBR_BUILDDIR:-$(pwd)}
ex="$CBR_SRCDIR/doc/examples"
libs="$CBR_BUILDDIR/.libs"

skip_all() {
    echo "1..0 # SKIP $1"
    exit 0
}

PKG_CONFIG=${PKG_CONFIG:-pkg-config}
command -v "$PKG_CONFIG" >/dev/null 2>&1 || skip_all "pkg-config is not installed"
[ -f "$CBR_BUILDDIR/cbr-uninstalled.pc" ] && [ -f "$CBR_BUILDDIR/cbr-runtime-uninstalled.pc" ] ||
    skip_all "$CBR_BUILDDIR/cbr-uninstalled.pc is missing (make cbr-uninstalled.pc)"

# The build directory first, so that cbr-uninstalled.pc wins over any cbr.pc
# installed on the system; the rest of the path still finds libffi.pc.
PKG_CONFIG_PATH="$CBR_BUILDDIR${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_PATH
unset PKG_CONFIG_DISABLE_UNINSTALLED

cflags=$("$PKG_CONFIG" --cflags cbr 2>"$tmp/pc.err")
pc_rc=$?
if [ $pc_rc -eq 0 ] && contains " $cflags " " -I$CBR_SRCDIR/include "; then
    ok "pkg-config finds the uninstalled cbr"
else
    not_ok "pkg-config finds the uninstalled cbr" "exit $pc_rc, cflags: $cflags; $(cat "$tmp/pc.err")"
fi
# A library built without a shared object (--disable-shared) needs its
# private dependencies on the link line too.
static=--static
for f in "$libs"/libcbr.so* "$libs"/libcbr*.dylib; do
    [ -e "$f" ] && static=
done
ldlibs=$("$PKG_CONFIG" --libs $static cbr)

# Compiled and linked in two steps, so that only the compiler's warnings are
# checked.  CBR_CC may hold options (autoconf's CC="gcc -std=gnu11"), so it
# is split; -std=c11 -pedantic comes after it and checks that cbr.h is C11.
cc=${CBR_CC:-cc}
if $cc -std=c11 -Wall -Wextra -pedantic $CBR_SAN_CFLAGS $cflags -c -o "$tmp/embed.o" "$ex/embed.c" \
        >"$tmp/cc.out" 2>&1 &&
    $cc $CBR_SAN_CFLAGS -o "$tmp/embed" "$tmp/embed.o" $CBR_SAN_LDFLAGS $ldlibs >"$tmp/ld.out" 2>&1; then
    ok "embed.c builds with pkg-config's flags"
else
    not_ok "embed.c builds with pkg-config's flags" "$(cat "$tmp/cc.out" "$tmp/ld.out" 2>/dev/null)"
    finish
fi
if [ -s "$tmp/cc.out" ]; then not_ok "embed.c and cbr.h compile without warnings as C11" "$(cat "$tmp/cc.out")"
else ok "embed.c and cbr.h compile without warnings as C11"; fi

# run_embed ARGS...: runs the example in doc/examples (so that messages name
# the files as given), leaving $out, $err and $rc.
run_embed() {
    (cd "$ex" && LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        "$tmp/embed" "$@") >"$tmp/out" 2>"$tmp/err"
    rc=$?
    out=$(cat "$tmp/out")
    err=$(cat "$tmp/err")
}
# same_awards NAME: the last run printed exactly expected.txt.
same_awards() {
    if diff -u "$ex/expected.txt" "$tmp/out" >"$tmp/diff"; then ok "$1"
    else not_ok "$1" "$(cat "$tmp/diff"; echo "stderr: $err")"; fi
}
# status NAME WANT: the last run exited with WANT.
status() {
    if [ "$rc" -eq "$2" ]; then ok "$1"; else not_ok "$1" "exit $rc, expected $2; stderr: $err"; fi
}

run_embed rules.cbr tx.tsv
status "a refused row makes the exit status 3" 3
same_awards "the awards are expected.txt"
check "the refused row is reported with its line" \
    contains "$err" "tx.tsv:5: error: field \`amount\`: 12.345 has more decimal places than USD allows"
check "only that row is reported" test "$(printf '%s\n' "$err" | wc -l)" -eq 1

for n in 1 2 5; do
    run_embed --batch "$n" rules.cbr tx.tsv
    same_awards "--batch $n gives the same awards"
done

# Bundles: save, load, and the same bytes as cbrc's.
run_embed --bundle "$tmp/rules.cbrx" rules.cbr tx.tsv
same_awards "--bundle still evaluates"
check "--bundle names the bundle and the program hash" contains "$err" "wrote $tmp/rules.cbrx: "
run_embed "$tmp/rules.cbrx" tx.tsv
status "a loaded bundle runs" 3
same_awards "a loaded bundle gives the same awards"
if "$CBRC" compile "$ex/rules.cbr" -o "$tmp/cbrc.cbrx" 2>"$tmp/cbrc.err"; then
    check "the bundle is byte for byte cbrc compile's" cmp -s "$tmp/rules.cbrx" "$tmp/cbrc.cbrx"
else
    not_ok "the bundle is byte for byte cbrc compile's" "$(cat "$tmp/cbrc.err")"
fi
head -c 64 "$tmp/rules.cbrx" >"$tmp/cut.cbrx"
run_embed "$tmp/cut.cbrx" tx.tsv
status "a truncated bundle is refused" 2
check "the refusal is explained" contains "$err" "cut.cbrx: refused: "
check "nothing is evaluated from a refused bundle" test -z "$out"

# A NUL inside a cell reaches the library whole: the row is refused, with
# where the NUL is, and the rest of the file goes on.
{ head -2 "$ex/tx.tsv"; printf 'nul\000x\tu9\t20.00\tUSD\tFreshMart\t5411\tpos\t2026-03-12T10:00:00Z\t\n'; } >"$tmp/nul.tsv"
run_embed rules.cbr "$tmp/nul.tsv"
status "a NUL in a cell refuses its row (exit status 3)" 3
check "the refusal says where the NUL is" contains "$err" "nul.tsv:3: error: field \`tid\`: the text holds a NUL character (U+0000) at byte 4"
check "the row before it is evaluated" contains "$(cat "$tmp/out")" "t1"

# Errors of each kind, and their exit statuses.
printf 'offer "x" {\n    when amount >= >= 15 then cashback 10%%\n}\n' >"$tmp/broken.cbr"
run_embed "$tmp/broken.cbr" tx.tsv
status "rules with errors exit 1" 1
check "the diagnostic has file, line and column" contains "$err" "broken.cbr:2:20: error: "
check "the source line is shown" contains "$err" "    when amount >= >= 15 then cashback 10%"
printf 'tid\tamount\tcolour\n' >"$tmp/colour.tsv"
run_embed rules.cbr "$tmp/colour.tsv"
status "an unknown column exits 2" 2
check "the unknown column is named" contains "$err" "colour.tsv:1: error: unknown column \`colour\`"
run_embed rules.cbr
status "a missing argument is a usage error" 2
check "the usage is shown" contains "$err" "usage: embed"
run_embed rules.cbr "$tmp/no-such.tsv"
status "an unreadable input exits 2" 2

# ---- runbundle.c: a host that links the runtime library alone ----
rt_cflags=$("$PKG_CONFIG" --cflags cbr-runtime 2>/dev/null)
rt_libs=$("$PKG_CONFIG" --libs $static cbr-runtime 2>/dev/null)
check "pkg-config finds the uninstalled cbr-runtime" contains "$rt_libs" "-lcbr-runtime"
if $cc -std=c11 -Wall -Wextra -pedantic $CBR_SAN_CFLAGS $rt_cflags -c -o "$tmp/runbundle.o" \
        "$ex/runbundle.c" >"$tmp/cc.out" 2>&1 &&
    $cc $CBR_SAN_CFLAGS -o "$tmp/runbundle" "$tmp/runbundle.o" $CBR_SAN_LDFLAGS $rt_libs >"$tmp/ld.out" 2>&1 &&
    [ ! -s "$tmp/cc.out" ]; then
    ok "runbundle.c builds against libcbr-runtime alone, without warnings"
    if [ -z "$static" ] && command -v ldd >/dev/null 2>&1; then
        LD_LIBRARY_PATH="$libs" ldd "$tmp/runbundle" >"$tmp/ldd" 2>&1
        if grep -q 'libcbr-runtime\.so' "$tmp/ldd" && ! grep -q 'libcbr\.so' "$tmp/ldd"; then
            ok "runbundle needs libcbr-runtime.so and not libcbr.so"
        else
            not_ok "runbundle needs libcbr-runtime.so and not libcbr.so" "$(cat "$tmp/ldd")"
        fi
    fi
    "$CBRC" compile "$ex/rules.cbr" -o "$tmp/rt.cbrx" 2>"$tmp/cbrc.err"
    (cd "$ex" && LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        "$tmp/runbundle" "$tmp/rt.cbrx" tx.tsv) >"$tmp/out" 2>"$tmp/err"
    rc=$?
    err=$(cat "$tmp/err")
    status "runbundle: a refused row makes the exit status 3" 3
    same_awards "runbundle gives expected.txt from the bundle"
    head -c 100 "$tmp/rt.cbrx" >"$tmp/rt-cut.cbrx"
    (cd "$ex" && LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        "$tmp/runbundle" "$tmp/rt-cut.cbrx" tx.tsv) >"$tmp/out" 2>"$tmp/err"
    rc=$?
    err=$(cat "$tmp/err")
    status "runbundle refuses a truncated bundle" 2
else
    not_ok "runbundle.c builds against libcbr-runtime alone, without warnings" \
        "$(cat "$tmp/cc.out" "$tmp/ld.out" 2>/dev/null)"
fi

# ---- parallel.c: evaluate on two threads, settle in input order ----
if $cc -std=c11 -Wall -Wextra -pedantic -pthread $CBR_SAN_CFLAGS $cflags -c -o "$tmp/parallel.o" \
        "$ex/parallel.c" >"$tmp/cc.out" 2>&1 &&
    $cc $CBR_SAN_CFLAGS -pthread -o "$tmp/parallel" "$tmp/parallel.o" $CBR_SAN_LDFLAGS $ldlibs \
        >"$tmp/ld.out" 2>&1 && [ ! -s "$tmp/cc.out" ]; then
    ok "parallel.c builds with pkg-config's flags, without warnings"
    run_parallel() {
        (cd "$ex" && LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
            "$tmp/parallel" "$@") >"$tmp/out" 2>"$tmp/err"
        rc=$?
        err=$(cat "$tmp/err")
    }
    for n in 1 2 1024; do
        run_parallel --batch "$n" rules.cbr tx.tsv
        status "parallel --batch $n: a refused row makes the exit status 3" 3
        same_awards "parallel --batch $n gives expected.txt"
    done
    # Limits and budgets make the order of settling matter: a campaign
    # budget that runs out mid-input and per-user limits.  The awards of two
    # threads must be those of one, batch size whatever.
    cat >"$tmp/budget.cbr" <<'CBR'
campaign "c" { budget 150.00 }
offer "a" { campaign "c" limit 3 per user per day when amount > 0 then cashback 10% up to 4.00 }
offer "b" { campaign "c" limit 5.00 per user when amount >= 20 then cashback 1.25 }
offer "free" { budget 20.00 when amount > 0 then cashback 0.07 }
CBR
    awk 'BEGIN { print "tid\tuser_id\tamount\tcurrency\ttimestamp";
                 for (i = 0; i < 3000; i++)
                     printf "t%d\tu%d\t%d.%02d\tUSD\t2026-03-%02dT12:00:00Z\n", i, i % 37, 5 + i % 40, i % 100, 1 + (i / 200) % 28 }' \
        >"$tmp/many.tsv"
    run_embed --batch 1000 "$tmp/budget.cbr" "$tmp/many.tsv"
    cp "$tmp/out" "$tmp/one-thread"
    check "the budget scenario awards something and runs out" \
        test "$(wc -l <"$tmp/one-thread")" -gt 100 -a "$(grep -c ' a ' "$tmp/one-thread")" -lt 3000
    for n in 1 7 64 333 1000 5000; do
        run_parallel --batch "$n" "$tmp/budget.cbr" "$tmp/many.tsv"
        if [ "$rc" -eq 0 ] && cmp -s "$tmp/one-thread" "$tmp/out"; then
            ok "parallel --batch $n settles as one thread does"
        else
            not_ok "parallel --batch $n settles as one thread does" \
                "exit $rc; $(diff "$tmp/one-thread" "$tmp/out" | head -n 10); $err"
        fi
    done
else
    not_ok "parallel.c builds with pkg-config's flags, without warnings" "$(cat "$tmp/cc.out" "$tmp/ld.out" 2>/dev/null)"
fi
finish
