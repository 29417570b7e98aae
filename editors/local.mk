# editors/local.mk: editor support and its tests (included from Makefile.am).
#
# editors/vscode is a VS Code extension (TextMate grammar, language
# configuration, a client that starts cbr-lsp), built with npm; editors/vim
# holds Vim and Neovim's filetype, syntax and ftplugin files.  The tests
# check the highlighting of every bundled rule file in each editor's own
# engine: VS Code's tokenizer (vscode-textmate) and headless Neovim.
#
#     make check TESTS='tests/editors/vscode.sh tests/editors/vim.sh'

EXTRA_DIST += editors/vscode/package.json editors/vscode/package-lock.json editors/vscode/README.md \
	editors/vscode/extension.js editors/vscode/language-configuration.json \
	editors/vscode/syntaxes/cbr.tmLanguage.json editors/vscode/test/grammar.js \
	editors/vscode/.vscodeignore editors/vscode/.gitignore \
	editors/vim/ftdetect/cbr.vim editors/vim/ftplugin/cbr.vim editors/vim/syntax/cbr.vim \
	tests/editors/vim.lua tests/editors/vim_scopes.py

EDITOR_TESTS = tests/editors/vscode.sh tests/editors/vim.sh
TESTS += $(EDITOR_TESTS)
EXTRA_DIST += $(EDITOR_TESTS)
