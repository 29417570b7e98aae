#!/bin/sh
# nvim.sh: cbr-lsp in a real editor: Neovim's built-in LSP client, run
# headless (tests/lsp/nvim.lua), opens a file with an error and gets its
# diagnostic, a hover and a format.  Skipped when nvim is not installed
# (scripts/setup.sh installs it).  Prints TAP.
. "$(dirname "$0")/../lib.sh"
lsp=${CBR_BUILDDIR:-$CBR_SRCDIR/_build}/cbr-lsp
if ! command -v nvim >/dev/null 2>&1; then
    echo "1..0 # SKIP nvim is not installed (Debian package neovim)"
    exit 0
fi
mkdir -p "$tmp/rules" "$tmp/home"
cat >"$tmp/rules/fri.cbr" <<'CBR'
let big = amount >= 100.00
offer "fri"{when big and weekday == FRY then cashback 10%}
CBR
# A home of its own: no user configuration or plugin takes part.
HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home XDG_DATA_HOME=$tmp/home XDG_STATE_HOME=$tmp/home \
    CBR_LSP=$lsp CBR_NVIM_FILE=$tmp/rules/fri.cbr CBR_NVIM_OUT=$tmp/seen \
    timeout 120 nvim --headless -u NONE -i NONE -n -c "luafile $CBR_SRCDIR/tests/lsp/nvim.lua" \
    >"$tmp/nvim.out" 2>&1
rc=$?
seen=$(cat "$tmp/seen" 2>/dev/null)
check "neovim ran the script and quit" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/# /' "$tmp/nvim.out"
want='diagnostic 2:37 unknown-name unknown name `FRY` | did you mean `FRI`?'
if printf '%s\n' "$seen" | grep -qxF "$want"; then ok "the diagnostic, its place and its hint reach the editor"
else not_ok "the diagnostic, its place and its hint reach the editor" "$seen"; fi
if printf '%s\n' "$seen" | grep '^hover ' | grep -qF 'let big = amount >= 100.00' &&
    printf '%s\n' "$seen" | grep '^hover ' | grep -qF '**big** — let: `bool`'; then
    ok "a hover shows the let's declaration and type"
else
    not_ok "a hover shows the let's declaration and type" "$seen"
fi
"$CBRC" fmt "$tmp/rules/fri.cbr" | sed 's/^/line /' >"$tmp/want-fmt"
printf '%s\n' "$seen" | grep '^line ' >"$tmp/got-fmt"
if cmp -s "$tmp/want-fmt" "$tmp/got-fmt"; then ok "formatting the buffer gives what cbrc fmt prints"
else not_ok "formatting the buffer gives what cbrc fmt prints" "$(diff "$tmp/want-fmt" "$tmp/got-fmt")"; fi
finish
