#!/bin/sh
# vscode.sh: the VS Code extension (editors/vscode): its TextMate grammar
# through VS Code's own tokenizer on every bundled rule file
# (editors/vscode/test/grammar.js), then the extension packaged with vsce.
# Skipped when Node.js or the extension's npm packages are not installed
# (scripts/setup.sh installs both).
. "$(dirname "$0")/../lib.sh"
ext=$CBR_SRCDIR/editors/vscode
if ! command -v node >/dev/null 2>&1 || [ ! -d "$ext/node_modules/vscode-textmate" ]; then
    echo "1..0 # SKIP Node.js or editors/vscode/node_modules missing (scripts/setup.sh installs them)"
    exit 0
fi
dirs="$CBR_SRCDIR/rules-examples $CBR_SRCDIR/doc/examples"
for d in "$CBR_SRCDIR"/tests/*-inputs "$CBR_SRCDIR"/../shared/acceptance/cases/*/; do
    ls "$d"/*.cbr >/dev/null 2>&1 && dirs="$dirs $d"
done
# The grammar's TAP lines, then this script's own after them.
node "$ext/test/grammar.js" $dirs >"$tmp/grammar.tap" 2>&1
grammar_rc=$?
grep -v '^1\.\.' "$tmp/grammar.tap"
tap_n=$(grep -c -E '^(not )?ok ' "$tmp/grammar.tap")
[ "$grammar_rc" -eq 0 ] || tap_failed=$((tap_failed + 1))
(cd "$ext" && timeout 300 node node_modules/@vscode/vsce/vsce package --allow-missing-repository \
    --skip-license --out "$tmp/cbr.vsix") >"$tmp/vsce.out" 2>&1
rc=$?
listing=$(python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' \
    "$tmp/cbr.vsix" 2>&1)
if [ "$rc" -eq 0 ] && printf '%s\n' "$listing" | grep -qx 'extension/package.json' &&
    printf '%s\n' "$listing" | grep -qx 'extension/syntaxes/cbr.tmLanguage.json' &&
    printf '%s\n' "$listing" | grep -qx 'extension/extension.js' &&
    printf '%s\n' "$listing" | grep -q '^extension/node_modules/vscode-languageclient/'; then
    ok "vsce packages the extension with its grammar and language client"
else
    not_ok "vsce packages the extension with its grammar and language client" "$(cat "$tmp/vsce.out") $listing"
fi
finish
