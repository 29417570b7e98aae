#!/bin/sh
# help.sh: every flag a command accepts is in its help and its manual.
# The flags are read from the sources, not listed here, so that a flag added
# later without its help fails this test: for cbrc, the option literals that
# each cbrc_cmd_NAME function of hosts/cbrc*.c compares its arguments with
# (main's for cbrc itself); for cbr-stream, those of hosts/stream/config.c.
. "$(dirname "$0")/lib.sh"
src=$CBR_SRCDIR
LC_ALL=C
export LC_ALL

# cbrc_flags FILE...: "COMMAND FLAG" for each option literal compared with
# strcmp/strncmp, COMMAND being the cbrc_cmd_ function it is in, "cbrc" in
# main.  An option that several commands share may be taken by a helper
# outside them (--trusted-key): its flags go to the commands of an array of
# command names in the helper's file (`loaders[] = {"run", ...}`), and with
# no such array they are reported as "? FLAG", for this test cannot tell
# whose they are.  `--x=` becomes `--x`; a lone `-` (standard input) is not
# a flag.
cbrc_flags() {
    awk '
    FNR == 1 { cmd = "" }
    /^int main\(/ { cmd = "cbrc"; next }
    /^int cbrc_cmd_[a-z_]+\(/ { cmd = $0; sub(/^int cbrc_cmd_/, "", cmd); sub(/\(.*/, "", cmd); next }
    /^[A-Za-z].*\(/ && !/;$/ { cmd = "?"; next }
    /^}/ { cmd = ""; next }
    /^static const char \*const [a-z_]+\[\] = \{.*\};/ {
        names = $0
        sub(/^[^{]*\{/, "", names)
        sub(/\}.*/, "", names)
        gsub(/[" ]/, "", names)
        lists[FILENAME] = names
    }
    cmd != "" {
        line = $0
        while (match(line, /strn?cmp\([^,]*, *"-[^"]+"/)) {
            m = substr(line, RSTART, RLENGTH)
            line = substr(line, RSTART + RLENGTH)
            sub(/^[^"]*"/, "", m)
            sub(/"$/, "", m)
            sub(/=.*/, "", m)
            if (cmd == "?")
                shared[FILENAME] = shared[FILENAME] " " m
            else
                print cmd, m
        }
    }
    END {
        for (f in shared) {
            nf = split(shared[f], flags, " ")
            nc = f in lists ? split(lists[f], cmds, ",") : 0
            for (i = 1; i <= nf; i++) {
                if (nc == 0)
                    print "?", flags[i]
                for (j = 1; j <= nc; j++)
                    print cmds[j], flags[i]
            }
        }
    }' "$@" | sort -u
}

# has TEXT FLAG: TEXT names FLAG as a word of its own (`--summary` is not
# found in `--summary-format`, nor `-o` in `--output`).
has() { printf '%s\n' "$1" | grep -Eq -e "(^|[^-A-Za-z0-9])$2([^-A-Za-z0-9]|$)"; }

# man_section CMD: the SYNOPSIS lines of `cbrc CMD` (or of `cbrc A|CMD|B`)
# and its entry under COMMANDS in doc/cbrc.1, `\-` read as `-`.
man_section() {
    sed 's/\\-/-/g; s/\\f[RBIP]//g' "$src/doc/cbrc.1" | awk -v cmd="$1" '
    /^\.SH/ { syn = ($0 ~ /SYNOPSIS/); on = 0; next }
    syn && /^\.B cbrc / {
        n = split(substr($0, 9), names, "|")
        for (i = 1; i <= n; i++)
            if (names[i] == cmd)
                on = 1
    }
    syn && /^\.br/ { on = 0 }
    !syn && prev == ".TP" && $0 == ".B " cmd { on = 1 }
    !syn && /^\.TP/ { on = 0 }
    on { print }
    { prev = $0 }'
}

cbrc_flags "$src"/hosts/cbrc*.c >"$tmp/flags"
check "the option parsers of hosts/cbrc*.c are found" test "$(wc -l <"$tmp/flags")" -gt 10
stray=$(awk '$1 == "?" { print $2 }' "$tmp/flags")
check "every cbrc option is parsed in its command's own function" test -z "$stray"
[ -n "$stray" ] && echo "# outside a cbrc_cmd_ function: $stray"

man_all=$(sed 's/\\-/-/g' "$src/doc/cbrc.1")
"$CBRC" --help >"$tmp/top" 2>&1
top=$(cat "$tmp/top")
for cmd in $(awk '{ print $1 }' "$tmp/flags" | sort -u) $(sed -n 's/^int cbrc_cmd_\([a-z_]*\)(.*/\1/p' "$src"/hosts/cbrc*.c); do
    case " $seen " in *" $cmd "*) continue ;; esac
    seen="$seen $cmd"
    [ "$cmd" = "?" ] && continue
    if [ "$cmd" = cbrc ]; then
        help=$top
        manual=$man_all
    else
        run_cbrc help "$cmd"
        check "cbrc help $cmd" test "$rc" -eq 0 -a -n "$out"
        help=$out
        manual=$(man_section "$cmd")
        check "doc/cbrc.1 has a synopsis and an entry for $cmd" test -n "$manual"
        check "cbrc --help lists $cmd" has "$top" "$cmd"
    fi
    for flag in $(awk -v c="$cmd" '$1 == c { print $2 }' "$tmp/flags"); do
        # --help and -h are the same for every command: `cbrc --help` says so once.
        if [ "$cmd" != cbrc ] && { [ "$flag" = --help ] || [ "$flag" = -h ]; }; then
            continue
        fi
        if has "$help" "$flag"; then ok "cbrc help $cmd: $flag"
        else not_ok "cbrc help $cmd: $flag" "the $cmd command accepts $flag; its help does not say so"; fi
        if has "$manual" "$flag"; then ok "doc/cbrc.1, $cmd: $flag"
        else not_ok "doc/cbrc.1, $cmd: $flag" "the $cmd command accepts $flag; doc/cbrc.1 does not say so"; fi
    done
done
check "cbrc --help says --help and -h work for every command" contains "$top" "--help, -h"

# cbr-stream: the flag table and the literals of its parser.
stream=${CBR_STREAM:-${CBR_BUILDDIR:-$src/_build}/cbr-stream}
grep -o '"--*[A-Za-z][-A-Za-z0-9]*"' "$src/hosts/stream/config.c" | tr -d '"' | sort -u >"$tmp/sflags"
check "the flags of hosts/stream/config.c are found" test "$(wc -l <"$tmp/sflags")" -gt 10
if [ -x "$stream" ]; then
    "$stream" --help >"$tmp/shelp" 2>&1
    shelp=$(cat "$tmp/shelp")
    check "cbr-stream --help" test -n "$shelp"
    for flag in $(cat "$tmp/sflags"); do
        if has "$shelp" "$flag"; then ok "cbr-stream --help: $flag"
        else not_ok "cbr-stream --help: $flag" "cbr-stream accepts $flag; its --help does not say so"; fi
    done
else
    ok "# SKIP cbr-stream is not built (no librdkafka)"
fi
# doc/stream.md, the reference of cbr-stream's flags, whether it is built or not.
sdoc=$(cat "$src/doc/stream.md")
for flag in $(cat "$tmp/sflags"); do
    if has "$sdoc" "$flag"; then ok "doc/stream.md: $flag"
    else not_ok "doc/stream.md: $flag" "cbr-stream accepts $flag; doc/stream.md does not say so"; fi
done
finish
