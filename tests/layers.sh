#!/bin/sh
# layers.sh: the dependency arrows of the tree (hosts -> cbr.h -> compiler
# -> vm -> stdlib) hold in the build.  Nothing under vm/ or stdlib/ includes
# the compiler; libcbr-runtime.so holds no symbol of a compiler object;
# cbr-stream needs the runtime library and not the full libcbr; no source
# file grows past 2,000 lines (STYLE.md).
. "$(dirname "$0")/lib.sh"
CBR_BUILDDIR=${CBR_BUILDDIR:-$(pwd)}
src=$CBR_SRCDIR

inc=$(grep -rn '#include "compiler/' "$src/vm" "$src/stdlib" 2>/dev/null)
check "no file under vm/ or stdlib/ includes the compiler" test -z "$inc"
[ -z "$inc" ] || printf '%s\n' "$inc" | sed 's/^/# /'
inc=$(grep -rn '#include "hosts/\|#include "compiler/' "$src/stdlib" 2>/dev/null)
check "stdlib/ includes nothing above it" test -z "$inc"

rt="$CBR_BUILDDIR/.libs/libcbr-runtime.so"
if [ -f "$rt" ] && command -v nm >/dev/null 2>&1; then
    # Every global symbol a compiler object defines (hidden ones included:
    # static helpers of the same short name, such as put, may be anywhere).
    nm --defined-only "$CBR_BUILDDIR"/compiler/.libs/libcbr_core_la-*.o 2>/dev/null |
        awk 'NF == 3 && $2 ~ /[TDBR]/ { print $3 }' | sort -u >"$tmp/compiler.sym"
    nm --defined-only "$rt" | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/rt.sym"
    check "the compiler objects define symbols (the check can fail)" \
        test "$(wc -l <"$tmp/compiler.sym")" -gt 50
    leaked=$(comm -12 "$tmp/compiler.sym" "$tmp/rt.sym" | grep -v '^_' | head -n 20)
    check "libcbr-runtime.so holds no symbol of a compiler object" test -z "$leaked"
    [ -z "$leaked" ] || printf '%s\n' "$leaked" | sed 's/^/# /'
    api=$(nm -D --defined-only "$rt" | awk '{ print $3 }' | grep -E '^cbr_(compiler|format|diagnostic_format)')
    check "libcbr-runtime.so exports no compiler API" test -z "$api"
    check "libcbr-runtime.so exports cbr_program_load and cbr_eval" \
        test "$(nm -D --defined-only "$rt" | grep -cE ' T cbr_(program_load|eval)$')" -eq 2
    stream="$CBR_BUILDDIR/.libs/cbr-stream"
    if [ -x "$stream" ] && command -v ldd >/dev/null 2>&1; then
        LD_LIBRARY_PATH="$CBR_BUILDDIR/.libs" ldd "$stream" >"$tmp/ldd" 2>&1
        check "cbr-stream links libcbr-runtime.so and not libcbr.so" \
            sh -c "grep -q 'libcbr-runtime\\.so' '$tmp/ldd' && ! grep -q 'libcbr\\.so' '$tmp/ldd'"
    fi
else
    echo "# no shared libcbr-runtime or no nm: the symbol checks are skipped"
fi

# Bison's and re2c's output (in the source tree of a release tarball) is
# generated, not written.
big=$(find "$src/compiler" "$src/vm" "$src/stdlib" "$src/hosts" "$src/include" "$src/fuzz" "$src/bench" \
    \( -name '*.[chy]' -o -name '*.re' \) ! -path '*/compiler/parser.[ch]' ! -path '*/compiler/lexer.c' |
    xargs wc -l | awk '$2 != "total" && $1 > 2000 { print $2 ": " $1 " lines" }')
check "no source file is over 2,000 lines" test -z "$big"
[ -z "$big" ] || printf '%s\n' "$big" | sed 's/^/# /'
finish
