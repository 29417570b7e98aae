#!/bin/sh
# cli.sh: cbrc's command line: help, version, exit statuses (contract §2),
# diagnostics in text and JSON, and the refusal of unusable input.
. "$(dirname "$0")/lib.sh"
d="$CBR_SRCDIR/tests/cli-inputs"

expect_status "no arguments is a usage error" 2
expect_status "--help" 0 --help
check "--help lists check" contains "$out" "check FILE..."
expect_status "--version" 0 --version
check "--version names cbrc" contains "$out" "cbrc "
expect_status "help check" 0 help check
check "help check explains the JSON format" contains "$out" "--diagnostics-format=json"
expect_status "unknown command" 2 frobnicate
check "unknown command is named" contains "$err" "frobnicate"
expect_status "check without files" 2 check
expect_status "check with an unknown option" 2 check --bogus "$d/valid.cbr"

expect_status "check a valid file" 0 check "$d/valid.cbr"
check "a clean check says what it checked, on stderr" test "$err" = "checked 1 file: 2 offers, 0 campaigns, 0 errors, 0 warnings"
check "a clean check keeps stdout empty" test -z "$out"
expect_status "check several files" 0 check "$d/valid.cbr" "$d/warn.cbr" "$CBR_SRCDIR/rules-examples/new-year.cbr"
check "the counts add up over the files" contains "$err" "checked 3 files: 4 offers, 1 campaign, 0 errors, 1 warning"
expect_status "check a missing file" 2 check "$d/no-such-file.cbr"
check "a missing file is named with the reason" contains "$err" "no-such-file.cbr: No such file or directory"

expect_status "check a file with errors" 1 check "$d/broken.cbr"
check "both errors are reported with file:line:col" \
    sh -c 'contains() { case "$1" in *"$2"*) return 0;; esac; return 1; };
           contains "$1" "broken.cbr:2:20: error: expected an expression, found \`>=\`" &&
           contains "$1" "broken.cbr:5:10: error: unknown name \`channl\`"' _ "$err"
check "the source line and caret follow" contains "$err" "     when amount >= >= 15 then cashback 10%"
check "the hint is shown" contains "$err" "did you mean \`channel\`?"
check "the count closes the report" contains "$err" "2 errors, 0 warnings"
expect_status "quiet mode still fails" 1 check -q "$d/broken.cbr"

expect_status "warnings alone exit 0" 0 check "$d/warn.cbr"
check "the warning is printed" contains "$err" "warn.cbr:2:24: warning: 5411 appears twice in this list"
check "warnings alone close with what was checked" contains "$err" "checked 1 file: 1 offer, 0 campaigns, 0 errors, 1 warning"
expect_status "quiet hides warnings" 0 check -q "$d/warn.cbr"
check "quiet prints nothing for warnings" test -z "$err"

expect_status "json diagnostics" 1 check --diagnostics-format=json "$d/broken.cbr" "$d/warn.cbr"
if command -v python3 >/dev/null 2>&1; then
    printf '%s\n' "$out" >"$tmp/diag.jsonl"
    check "json is one valid object per line with positions" python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(rows) == 3, rows
assert rows[0]["line"] == 2 and rows[0]["column"] == 20 and rows[0]["severity"] == "error", rows[0]
assert rows[1]["code"] == "unknown-name" and rows[1]["hint"] == "did you mean `channel`?", rows[1]
assert rows[2]["severity"] == "warning" and rows[2]["file"].endswith("warn.cbr"), rows[2]
' "$tmp/diag.jsonl"
fi

expect_status "compile refuses rules with errors" 1 compile "$d/broken.cbr" -o "$tmp/x.cbrx"
check "compile writes nothing for broken rules" test ! -e "$tmp/x.cbrx"

# Input the compiler must refuse cleanly, never crash on.
printf 'when amount > 1 then cashback 1%%\n\000when' >"$tmp/nul.cbr"
expect_status "a NUL byte is an error" 1 check "$tmp/nul.cbr"
check "the NUL byte is located" contains "$err" "nul.cbr:2:1: error: NUL byte in source text"
head -c 17000000 /dev/zero | tr '\000' ' ' >"$tmp/big.cbr"
expect_status "a source over 16 MiB is refused" 1 check "$tmp/big.cbr"
check "the size limit is named" contains "$err" "larger than the limit"
: >"$tmp/empty.cbr"
expect_status "an empty file is a valid empty program" 0 check "$tmp/empty.cbr"
finish
