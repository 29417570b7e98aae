#!/bin/sh
# vim.sh: the Vim syntax and filetype files (editors/vim) in a real
# editor: headless Neovim opens each example and a snippet, and every
# character's highlight group is checked (tests/editors/vim_scopes.py).
# Skipped when nvim is not installed (scripts/setup.sh installs it).
. "$(dirname "$0")/../lib.sh"
if ! command -v nvim >/dev/null 2>&1; then
    echo "1..0 # SKIP nvim is not installed (Debian package neovim)"
    exit 0
fi
mkdir -p "$tmp/home"
cat >"$tmp/snippet.cbr" <<'CBR'
field tier: string  # a comment
offer "fri-10" {
    limit 50.00 USD per user per month
    when weekday == FRI and tier in ["gold"] and lower(merchant) == "x\"y" then cashback 10%
    valid 2026-01-01 to 2026-12-31T23:59:59Z
}
CBR
ls "$CBR_SRCDIR"/rules-examples/*.cbr "$CBR_SRCDIR"/doc/examples/*.cbr "$tmp/snippet.cbr" >"$tmp/files"
HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home XDG_DATA_HOME=$tmp/home XDG_STATE_HOME=$tmp/home \
    CBR_VIM_FILES=$tmp/files CBR_VIM_OUT=$tmp/seen \
    timeout 300 nvim --headless -u NONE -i NONE -n \
    --cmd "set runtimepath^=$CBR_SRCDIR/editors/vim" --cmd "filetype plugin on" --cmd "syntax on" \
    -c "luafile $CBR_SRCDIR/tests/editors/vim.lua" >"$tmp/nvim.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
    not_ok "neovim ran the script and quit" "$(cat "$tmp/nvim.out")"
    finish
fi
python3 "$CBR_SRCDIR/tests/editors/vim_scopes.py" "$tmp/seen" "$tmp/snippet.cbr"
