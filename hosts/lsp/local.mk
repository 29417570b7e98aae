# hosts/lsp/local.mk: cbr-lsp, the language server, and its tests
# (included from Makefile.am).
#
# The server links libcbr like any embedder; its tests drive it as a real
# separate process: tests/lsp/client.py speaks JSON-RPC to it, hostile
# messages included, and tests/lsp/nvim.sh runs Neovim's own LSP client
# headless against it.
#
#     make check TESTS='tests/lsp/protocol.sh tests/lsp/nvim.sh'

bin_PROGRAMS += cbr-lsp
cbr_lsp_SOURCES = hosts/lsp/main.c hosts/lsp/lsp.h hosts/lsp/rpc.c hosts/lsp/pos.c hosts/lsp/workspace.c \
	hosts/lsp/features.c hosts/json.c hosts/json.h stdlib/textbuf.c stdlib/currency.c
cbr_lsp_CFLAGS = $(AM_CFLAGS) $(YAJL_CFLAGS)
cbr_lsp_LDADD = libcbr.la $(YAJL_LIBS)

LSP_TESTS = tests/lsp/protocol.sh tests/lsp/nvim.sh
TESTS += $(LSP_TESTS)
EXTRA_DIST += $(LSP_TESTS) tests/lsp/client.py tests/lsp/protocol.py tests/lsp/nvim.lua
tests/lsp/protocol.log tests/lsp/nvim.log: cbr-lsp$(EXEEXT) cbrc$(EXEEXT)
