#!/bin/sh
# protocol.sh: cbr-lsp end to end through the scripted JSON-RPC client
# (tests/lsp/protocol.py): every feature on a program of two files, then
# hostile messages.  Prints TAP.
. "$(dirname "$0")/../lib.sh"
lsp=${CBR_BUILDDIR:-$CBR_SRCDIR/_build}/cbr-lsp
python3 "$CBR_SRCDIR/tests/lsp/protocol.py" "$lsp" "$CBRC" "$tmp"
